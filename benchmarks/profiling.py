"""``python -m benchmarks --profile``: where checking a timeline spends its time.

cProfile over ``frist.check`` of a few hundred 50-event timelines of the
benchmark population (the rule book compiled and a few timelines checked
beforehand, so that one-time costs stay out of the profile), then the top functions by cumulative and by own (total) time.
"""

from __future__ import annotations

import cProfile
import io
import pstats

import frist

from . import population


def profile(rules: str, count: int, seed: int, top: int = 25, dump: str | None = None) -> str:
    module = frist.compile_rules(rules)
    documents = population.documents(seed, count)
    for doc in population.documents(seed, 20, start=count):  # one-time costs (lazy imports) stay out
        frist.check(doc, rules=module, as_of=population.AS_OF)
    profiler = cProfile.Profile()
    profiler.enable()
    for doc in documents:
        frist.check(doc, rules=module, as_of=population.AS_OF)
    profiler.disable()
    if dump:
        profiler.dump_stats(dump)
    out = io.StringIO()
    for key, title in (("cumulative", "cumulative time"), ("tottime", "total (own) time")):
        out.write(f"\n--- top {top} functions by {title}: frist.check of {count} timelines of 50 events\n")
        pstats.Stats(profiler, stream=out).strip_dirs().sort_stats(key).print_stats(top)
    return out.getvalue()
