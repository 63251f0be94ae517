"""The performance targets, and how a figure is printed next to its target.

Every figure is printed as ``measured/target``: below 1 passes an upper limit
(``<``), 1 or more passes a lower bound (``>=``).  The targets are measured
here and never asserted in tests.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Target:
    text: str     # as printed, e.g. "< 0.5 s"
    limit: float  # in the figure's own unit
    upper: bool   # True: the figure must stay below the limit; False: reach it

    def verdict(self, value: float, projected: bool = False) -> str:
        ratio = value / self.limit
        passed = ratio < 1 if self.upper else ratio >= 1
        word = ("PASS" if passed else "MISS") + (" (projected)" if projected else "")
        return f"{word}  measured/target = {ratio:.3g}"


TARGETS = {
    "compile_cold": Target("< 0.5 s", 0.5, upper=True),
    "compile_cached": Target("< 20 ms", 0.020, upper=True),
    "per_core": Target(">= 20,000 timelines/s per core", 20_000, upper=False),
    "speedup": Target(">= 10x the reference", 10, upper=False),
    "million_seconds": Target("1,000,000 in < 120 s", 120, upper=True),
    "million_memory": Target("peak < 2 GB", 2 * 1024 ** 3, upper=True),
    "slope": Target("linear: log-log slope <= 1.15", 1.15, upper=True),
    # the columnar engine (python -m benchmarks --only columnar)
    "columnar_per_core": Target(">= 20,000 timelines/s per core", 20_000, upper=False),
    "columnar_speedup": Target(">= 30x the per-timeline engine", 30, upper=False),
    "columnar_million_seconds": Target("1,000,000 in < 120 s", 120, upper=True),
    "columnar_million_memory": Target("peak < 2 GB", 2 * 1024 ** 3, upper=True),
    "columnar_slope": Target("linear: log-log slope <= 1.15", 1.15, upper=True),
}


def line(label: str, figure: str, target: str | None = None, verdict: str | None = None) -> str:
    """One row of the output: label, figure, target, verdict, in columns."""
    row = f"  {label:<54} {figure:>20}"
    if target:
        row += f"   target {target:<32} {verdict or ''}"
    return row.rstrip()


def seconds(value: float) -> str:
    if value < 1e-3:
        return f"{value * 1e6:.0f} µs"
    if value < 1:
        return f"{value * 1e3:.2f} ms"
    return f"{value:.2f} s"


def size(value: float) -> str:
    return f"{value / 1024 ** 2:,.0f} MiB"
