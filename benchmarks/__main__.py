"""``python -m benchmarks [--quick] [--profile]``: every figure, next to its target.

Run from the repository root.  The populations are written to Parquet under
``--cache-dir`` (default ``build/bench``) and reused by later runs; the
compiled rule book is cached there too, not in ``~/.cache/frist``.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import importlib.util
import os
import platform
import statistics
import sys
import time
from pathlib import Path

from . import population
from .targets import TARGETS, line, seconds, size

_CACHE_DEFAULT = Path("build") / "bench"

# what each mode measures: counts, and the time budget (s) of each measurement
MODES = {
    "quick": {"cold": 3, "cached": 10, "check": 300, "check_budget": 10, "reference": 10,
              "reference_budget": 20, "scaling": (100, 1000, 10_000), "scaling_budget": 20,
              "validation": (250, 1000, 4000), "validation_budget": 10, "batch": (10_000,),
              "columnar": {"persons": 20_000, "sample": 2000, "sizes": (5000, 10_000, 20_000), "events": (20, 50, 100),
                           "events_persons": 5000, "comparators": 20_000, "repeats": 3, "budget": 30},
              "serve": {"clients": 8, "seconds": 3}},
    "full": {"cold": 7, "cached": 50, "check": 3000, "check_budget": 60, "reference": 100,
             "reference_budget": 120, "scaling": (1000, 10_000, 100_000), "scaling_budget": 180,
             "validation": (1000, 4000, 16_000, 64_000), "validation_budget": 120,
             "batch": (10_000, 100_000, 1_000_000),
             "columnar": {"persons": 1_000_000, "sample": 5000, "sizes": (100_000, 300_000, 1_000_000),
                          "events": (20, 50, 100), "events_persons": 100_000, "comparators": 100_000, "repeats": 3,
                          "budget": 180},
             "serve": {"clients": 8, "seconds": 10}},
}
SECTIONS = ("compile", "check", "reference", "scaling", "batch", "columnar", "serve")
GENERATE_PER_TIMELINE = 0.6e-3  # s of one core to generate a timeline, until measured


def main(argv=None) -> int:
    args = _parser().parse_args(argv)
    cache = Path(args.cache_dir).resolve()
    os.environ["FRIST_CACHE_DIR"] = str(cache / "frist-cache")
    rules = str(Path(args.rules).resolve())
    print(f"command: python -m benchmarks {' '.join(sys.argv[1:] if argv is None else argv)}".rstrip())
    if args.profile:
        from .profiling import profile

        print(profile(rules, args.profile_count, args.seed, dump=args.profile_out))
        return 0
    mode = MODES["quick" if args.quick else "full"]
    verdicts = []
    started = time.perf_counter()
    module = _header(rules, args)
    wanted = set(args.only or SECTIONS)
    if "compile" in wanted:
        _compile(rules, mode, verdicts)
    if "check" in wanted:
        _check(module, mode, args.seed, verdicts)
    if "reference" in wanted:
        _reference(rules, module, mode, args.seed, verdicts)
    if "scaling" in wanted:
        _scaling(module, rules, mode, verdicts)
    if "batch" in wanted:
        _batch(rules, cache, mode, args, verdicts)
    if "columnar" in wanted:
        from . import columnar

        columnar.run(module, rules, cache, mode, args, verdicts)
    if "serve" in wanted:
        from . import serve

        serve.run(rules, cache, mode)
    print(f"\ntargets: {sum(v.startswith('PASS') for _, v in verdicts)} PASS, "
          f"{sum(v.startswith('MISS') for _, v in verdicts)} MISS")
    for name, verdict in verdicts:
        print(f"  {verdict.split()[0]:<5} {name}")
    print(f"total time {time.perf_counter() - started:.0f} s")
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description="frist benchmarks: every figure next to its target.")
    parser.add_argument("--quick", action="store_true", help="a short run: fewer samples, batch of 10,000 only")
    parser.add_argument("--profile", action="store_true",
                        help="cProfile frist.check on --profile-count timelines; top 25 by cumulative and own time")
    parser.add_argument("--profile-count", type=int, default=300, metavar="N")
    parser.add_argument("--profile-out", metavar="FILE", help="also write the raw profile (pstats) to FILE")
    parser.add_argument("--only", action="append", choices=SECTIONS, metavar="SECTION",
                        help=f"run only this section (repeatable): {', '.join(SECTIONS)}")
    parser.add_argument("--rules", default="rules.yaml")
    parser.add_argument("--seed", type=int, default=1, help="the population's seed (default 1)")
    parser.add_argument("--cache-dir", default=str(_CACHE_DEFAULT), help="Parquet populations and the rule cache")
    parser.add_argument("--engine", default="local", help="run_batch engine (default local)")
    parser.add_argument("--workers", type=int, help="run_batch workers (default: one per core)")
    parser.add_argument("--partition-size", type=int, default=1000)
    parser.add_argument("--max-minutes", type=float, default=20,
                        help="measure a batch size only if its projected time (with generating its population) "
                             "is below this; else print the projection (default 20)")
    return parser


def _header(rules: str, args):
    import frist

    module = frist.compile_rules(rules)
    print(f"date {_dt.datetime.now().isoformat(timespec='seconds')}; {os.cpu_count()} cores; "
          f"{platform.platform()}; Python {platform.python_version()}; frist {frist.__version__}")
    print(f"rule book {rules}: {len(module.RULES)} rules, digest {module.BOOK['digest'][:12]}")
    print(f"population: seed {args.seed}, {len(population.PERSONAS)} personas, 50 events a timeline, "
          f"registered within 2 years before {population.AS_OF}, checked as of {population.AS_OF}")
    return module


def _section(title: str) -> None:
    print(f"\n{title}")


def _verdict(verdicts: list, name: str, key: str, value: float, projected: bool = False) -> str:
    verdict = TARGETS[key].verdict(value, projected)
    verdicts.append((name, verdict))
    return verdict


def _compile(rules: str, mode: dict, verdicts: list) -> None:
    from .measure import compile_times

    _section("compile the full rule book")
    times = compile_times(rules, mode["cold"], mode["cached"])
    cold, cached = statistics.median(times["cold"]), statistics.median(times["cached"])
    print(line(f"cold, compile_rules(use_cache=False), median of {len(times['cold'])}", seconds(cold),
               TARGETS["compile_cold"].text, _verdict(verdicts, "compile cold", "compile_cold", cold)))
    print(line(f"from the cache, median of {len(times['cached'])}", seconds(cached),
               TARGETS["compile_cached"].text, _verdict(verdicts, "compile cached", "compile_cached", cached)))


def _check(module, mode: dict, seed: int, verdicts: list) -> None:
    from .measure import check_times, percentile

    _section("check one 50-event timeline (frist.check on a parsed row, in process, one core)")
    docs = population.documents(seed, mode["check"] + 10)
    times = check_times(module, docs, mode["check_budget"])
    mean = statistics.fmean(times)
    print(line("timelines measured", f"{len(times):,}"))
    print(line("per timeline, median", seconds(statistics.median(times))))
    print(line("per timeline, p99", seconds(percentile(times, 99))))
    print(line("per timeline, mean", seconds(mean)))
    print(line("timelines/s on one core (1 / mean)", f"{1 / mean:,.0f}", TARGETS["per_core"].text,
               _verdict(verdicts, "check, timelines/s per core (in process)", "per_core", 1 / mean)))


def _reference(rules: str, module, mode: dict, seed: int, verdicts: list) -> None:
    from .measure import reference_ratio

    _section("compiled against the reference interpreter (the JSON report of the same timelines)")
    docs = population.documents(seed, mode["reference"], start=10_000)
    found = reference_ratio(rules, module, docs, mode["reference_budget"])
    n = found["count"]
    ratio = found["interpreted"] / found["compiled"]
    print(line("timelines", f"{n:,}"))
    print(line("frist.check(...).to_json(), mean", seconds(found["compiled"] / n)))
    print(line("frist.reference.report_json, mean", seconds(found["interpreted"] / n)))
    print(line("compiled / interpreted speed", f"{ratio:.1f}x", TARGETS["speedup"].text,
               _verdict(verdicts, "compiled vs reference", "speedup", ratio)))
    print(line("summaries that agree", f"{found['agree']} of {n}"))


def _scaling(module, rules: str, mode: dict, verdicts: list) -> None:
    from .measure import scaling, validation_scaling

    for kind, title in (("dense", "a FAK member's 2 years, the mix made denser"),
                        ("mixed", "every event type in equal shares over 2 years")):
        _section(f"check time against timeline length ({title}; median of 3)")
        rows = scaling(module, mode["scaling"], mode["scaling_budget"], kind=kind)
        _slope_rows(rows, "events", f"check linear in events ({kind})", verdicts, per="event")
    _section("validation time against the length of one rule string (a `where` of n clauses; median of 3)")
    text = (Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "starter-rules.yaml").read_text("utf-8")
    rows = validation_scaling(text, mode["validation"], mode["validation_budget"])
    _slope_rows(rows, "characters", "validation linear in rule-string length", verdicts, per="character")


def _slope_rows(rows: list, unit: str, name: str, verdicts: list, per: str) -> None:
    from .measure import slopes

    for n, t, projected in rows:
        mark = "  PROJECTED, not measured" if projected else ""
        print(line(f"{n:,} {unit}: total / per {per}", f"{seconds(t)} / {seconds(t / n)}") + mark)
    found = slopes(rows)
    if not found:
        print("  too few sizes measured to fit a slope")
        return
    print(line("log-log slope, every measured size", f"{found['overall']:.2f}"))
    lo, hi = found["top_sizes"]
    slope = found["top"]
    shape = "linear" if 0.85 <= slope <= 1.15 else "superlinear" if slope > 1.15 else "sublinear"
    print(line(f"log-log slope, {lo:,} -> {hi:,} {unit}", f"{slope:.2f} ({shape})", TARGETS["slope"].text,
               _verdict(verdicts, f"{name} ({lo:,} -> {hi:,} {unit})", "slope", slope)))


def _batch(rules: str, cache: Path, mode: dict, args, verdicts: list) -> None:
    from . import batchrun

    _section(f"batch: run_batch on Parquet, engine {args.engine}, "
             f"{args.workers or os.cpu_count()} workers, partitions of {args.partition_size:,}")
    if importlib.util.find_spec("frist.batch") is None:
        print("  SKIPPED: frist.batch is not there yet")
        return
    workers = args.workers or os.cpu_count()
    rate = None  # timelines/s measured on the previous size
    generate_rate = GENERATE_PER_TIMELINE / workers
    for count in mode["batch"]:
        path = population.parquet_path(cache, count, args.seed)
        projected_gen = 0.0 if path.exists() else count * generate_rate
        if rate is not None:
            projected = count / rate
            if projected + projected_gen > args.max_minutes * 60:
                _projected(count, projected, projected_gen, rate, args, verdicts)
                continue
        path, spent = batchrun.ensure_population(cache, count, args.seed)
        if spent:
            generate_rate = spent / count
            print(f"  population of {count:,}: generated in {spent:.0f} s -> {path}")
        else:
            print(f"  population of {count:,}: cached {path}")
        result = batchrun.run(path, cache / f"out-{count}", rules=rules, engine=args.engine,
                              workers=args.workers, partition_size=args.partition_size,
                              frist_cache=cache / "frist-cache")
        if "failed" in result:
            print(f"  {count:,}: FAILED (exit {result['failed']}, {result['wall']:.0f} s)")
            for text in result["stderr"]:
                print(f"    {text}")
            return
        rate = count / result["wall"]
        _measured(count, result, workers, verdicts)


def _measured(count: int, result: dict, workers: int, verdicts: list) -> None:
    from .batchrun import rusage_bound

    summary, wall = result["summary"], result["wall"]
    rate = count / wall
    peak = result["peak_sampled"]
    bound = rusage_bound(result)
    print(line(f"{count:,}: wall, start-up and reading Parquet included", seconds(wall)))
    if summary.get("seconds"):
        print(line(f"{count:,}: run_batch's own seconds", seconds(summary["seconds"])))
    if result.get("cpu") is not None:
        busy = result["cpu"] / (wall * workers)
        print(line(f"{count:,}: CPU seconds, parent + workers (busy)", f"{result['cpu']:.1f} s ({busy:.0%})"))
    print(line(f"{count:,}: timelines/s", f"{rate:,.0f}"))
    print(line(f"{count:,}: timelines/s per core", f"{rate / workers:,.0f}", TARGETS["per_core"].text,
               _verdict(verdicts, f"batch {count:,}, timelines/s per core", "per_core", rate / workers)))
    memory = peak if peak is not None else bound
    how = "sampled RSS, parent + workers" if peak is not None else "getrusage bound"
    million = count == 1_000_000
    print(line(f"{count:,}: peak memory ({how})", size(memory),
               TARGETS["million_memory"].text if million else None,
               _verdict(verdicts, "batch 1,000,000, peak memory", "million_memory", memory) if million else None))
    print(line(f"{count:,}: getrusage: parent + {workers} x largest worker", size(bound)))
    violations = summary.get("violations") or {}
    print(line(f"{count:,}: persons / reports / errors / skipped",
               f"{summary.get('persons')} / {summary.get('reports')} / {summary.get('errors')} / "
               f"{summary.get('skipped')}"))
    print(line(f"{count:,}: violated instances", f"{sum(violations.values()):,}"))
    if million:
        print(line("1,000,000 timelines", seconds(wall), TARGETS["million_seconds"].text,
                   _verdict(verdicts, "batch 1,000,000, seconds", "million_seconds", wall)))


def _projected(count: int, projected: float, generate: float, rate: float, args, verdicts: list) -> None:
    extra = f" + {generate / 60:.0f} min to generate its population" if generate else ""
    print(f"  {count:,}: NOT MEASURED: projected {projected / 60:.1f} min{extra} at the {rate:,.0f} "
          f"timelines/s measured above, over --max-minutes {args.max_minutes:g}")
    if count != 1_000_000:
        print(line(f"{count:,}: PROJECTED seconds", seconds(projected)))
    else:
        print(line("1,000,000 timelines, PROJECTED", seconds(projected), TARGETS["million_seconds"].text,
                   _verdict(verdicts, "batch 1,000,000, seconds (projected)", "million_seconds", projected,
                            projected=True)))
        print(line("1,000,000: peak memory", "not measured"))


if __name__ == "__main__":
    sys.exit(main())
