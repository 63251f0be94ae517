"""In-process measurements: compiling, checking one timeline, the reference
interpreter, and how checking time grows with the number of events.

Each function returns plain figures; :mod:`benchmarks.__main__` prints them.
Every measurement is capped by a time budget as well as by a count, so a slow
engine makes the run shorter in samples, not longer in time.
"""

from __future__ import annotations

import math
import statistics
import time

import frist
from frist import reference

from . import population

clock = time.perf_counter


def compile_times(rules: str, cold_runs: int, cached_runs: int) -> dict:
    """Seconds for ``compile_rules(use_cache=False)`` and for a cache hit, each run timed."""
    frist.compile_rules(rules, use_cache=True)  # imports, the grammar, and a fresh cache entry
    cold = [_timed(frist.compile_rules, rules, use_cache=False) for _ in range(cold_runs)]
    cached = [_timed(frist.compile_rules, rules, use_cache=True) for _ in range(cached_runs)]
    return {"cold": cold, "cached": cached}


def _timed(fn, *args, **kwargs) -> float:
    start = clock()
    fn(*args, **kwargs)
    return clock() - start


def check_times(module, documents: list, budget: float) -> list:
    """Seconds for ``frist.check`` of each document (a dict, as read from a row), until
    the documents or the budget run out; the first few warm up and are not counted."""
    for doc in documents[:10]:
        frist.check(doc, rules=module, as_of=population.AS_OF)
    times, deadline = [], clock() + budget
    for doc in documents[10:]:
        start = clock()
        frist.check(doc, rules=module, as_of=population.AS_OF)
        times.append(clock() - start)
        if clock() > deadline:
            break
    return times


def percentile(values: list, q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(q / 100 * len(ordered)) - 1)]


def reference_ratio(rules: str, module, documents: list, budget: float) -> dict:
    """The same timelines through :func:`frist.reference.report_json` and through
    ``frist.check(..., explain=False).to_json()``; both give the JSON report without explanations
    (which the reference does not make), so the work compares."""
    book = frist.load_rulebook(rules)
    compiled = interpreted = 0.0
    agree = count = 0
    deadline = clock() + budget
    for doc in documents:
        start = clock()
        fast = frist.check(doc, rules=module, as_of=population.AS_OF, explain=False).to_json()
        middle = clock()
        slow = reference.report_json(book, doc, population.AS_OF)
        compiled += middle - start
        interpreted += clock() - middle
        count += 1
        agree += fast["summary"] == slow["summary"]
        if clock() > deadline:
            break
    return {"count": count, "compiled": compiled, "interpreted": interpreted, "agree": agree}


def scaling(module, sizes: tuple, budget: float, seeds: int = 3, kind: str = "dense") -> list:
    """``(events, seconds per check)`` for timelines of each size (the median of up to ``seeds``
    timelines): ``dense``, a FAK member's mix made denser, or ``mixed``, every event type in
    equal shares (:func:`population.mixed_timeline`).  A size whose projected time exceeds the
    budget is projected, not run: ``(events, seconds, projected)``."""
    def timeline(seed, n):
        if kind == "mixed":
            return population.mixed_timeline(seed, n, module.BOOK["vocabulary"])
        return population.dense_timeline(seed, n)

    return _grow(sizes, budget, seeds, lambda seed, n: _timed_once(
        frist.check, timeline(seed, n), rules=module, as_of=population.AS_OF))


def validation_scaling(rules_text: str, sizes: tuple, budget: float, seeds: int = 3) -> list:
    """``(characters, seconds)`` to load a rule book in which one rule's ``where`` holds ``n``
    clauses (a rule string of about ``16 n`` characters), for each ``n`` of ``sizes``."""
    from frist.rulebook import load_text

    anchor = "meeting where held_by is akasse and kind is job"
    assert anchor in rules_text, "the rule book no longer holds the rule the benchmark grows"

    def run(_, n):
        text = rules_text.replace(anchor, anchor + " and held_by is akasse" * n, 1)
        return _timed_once(load_text, text, "rules.yaml")

    rows = _grow(sizes, budget, seeds, run)
    return [(len(" and held_by is akasse") * n, t, projected) for n, t, projected in rows]


def _timed_once(fn, *args, **kwargs) -> float:
    start = clock()
    fn(*args, **kwargs)
    return clock() - start


def _grow(sizes: tuple, budget: float, seeds: int, run) -> list:
    """``(size, median seconds of run(seed, size), projected)`` for growing sizes, projecting a
    size (from the slope so far) instead of running it when it would exceed the budget."""
    rows, spent = [], 0.0
    for n in sizes:
        if rows:
            (m, t, _), slope = rows[-1], max(1.0, _slope(rows[-2:]) if len(rows) > 1 else 1.0)
            guess = t * (n / m) ** slope
            if spent + guess * seeds > budget:
                rows.append((n, guess, True))
                continue
        times = [run(seed, n) for seed in range(seeds)]
        spent += sum(times)
        rows.append((n, statistics.median(times), False))
    return rows


def _slope(rows: list) -> float:
    """Least-squares slope of log(seconds) on log(events)."""
    xs = [math.log(n) for n, _, _ in rows]
    ys = [math.log(t) for _, t, _ in rows]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    den = sum((x - mx) ** 2 for x in xs)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / den if den else float("nan")


def slopes(rows: list) -> dict:
    """The slope over every measured size, and between the two largest measured sizes
    (where a fixed cost per check no longer hides how the cost per event grows)."""
    measured = [r for r in rows if not r[2]]
    if len(measured) < 2:
        return {}
    return {"overall": _slope(measured), "top": _slope(measured[-2:]),
            "top_sizes": (measured[-2][0], measured[-1][0])}
