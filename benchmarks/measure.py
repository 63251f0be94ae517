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
    ``frist.check(...).to_json()``; both give the JSON report, so the work compares."""
    book = frist.load_rulebook(rules)
    compiled = interpreted = 0.0
    agree = count = 0
    deadline = clock() + budget
    for doc in documents:
        start = clock()
        fast = frist.check(doc, rules=module, as_of=population.AS_OF).to_json()
        middle = clock()
        slow = reference.report_json(book, doc, population.AS_OF)
        compiled += middle - start
        interpreted += clock() - middle
        count += 1
        agree += fast["summary"] == slow["summary"]
        if clock() > deadline:
            break
    return {"count": count, "compiled": compiled, "interpreted": interpreted, "agree": agree}


def scaling(module, sizes: tuple, budget: float, seeds: int = 3) -> list:
    """``(events, seconds per check)`` for dense timelines of each size (the median of up to
    ``seeds`` timelines); a size whose projected time exceeds the budget is projected, not run:
    ``(events, seconds, projected)``."""
    rows, spent = [], 0.0
    for n in sizes:
        if rows:
            (m, t, _), slope = rows[-1], max(1.0, _slope(rows[-2:]) if len(rows) > 1 else 1.0)
            guess = t * (n / m) ** slope
            if spent + guess * seeds > budget:
                rows.append((n, guess, True))
                continue
        times = []
        for seed in range(seeds):
            doc = population.dense_timeline(seed, n)
            start = clock()
            frist.check(doc, rules=module, as_of=population.AS_OF)
            times.append(clock() - start)
            spent += times[-1]
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
