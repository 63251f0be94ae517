"""The ``columnar`` section of ``python -m benchmarks``: the whole population at once.

One event-a-row Parquet population (:func:`ensure_event_rows`, cached under the
cache dir) is checked, side by side in one run, by

* the per-timeline engine, :func:`frist.batch.check_person` on a sample of its
  persons (the rows read first, then timed checking alone, so that the ratio
  below is not flattered by a slow reader);
* the columnar engine, :func:`frist.columnar.read.read_chunks` then
  :func:`frist.columnar.engine.check_population` over every person, reading the
  Parquet included;
* the references of :mod:`benchmarks.comparators`: five duties in plain Python,
  and pm4py's Declare conformance;

then the columnar engine's cost is fitted against persons and against events a
person, and ``run_batch(..., engine="columnar")`` runs the population in a child
process whose peak memory (its workers included) is sampled.

An entry point that cannot be imported (the `columnar` extra not installed)
prints "not available" with the reason, never a figure; the rest still runs.
"""

from __future__ import annotations

import concurrent.futures
import hashlib
import importlib
import itertools
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

from . import comparators, population
from .targets import TARGETS, line, seconds, size

clock = time.perf_counter
EVENT_ROWS_VERSION = 1  # bump when the event-a-row layout changes: cached files are keyed by it
WRITE_CHUNK = 10_000  # persons a worker turns into one Arrow table when writing
READ_CHUNK = 20_000  # persons a columnar chunk holds (read_chunks(..., size=))
ARROW_TYPES = {"date": "date32", "number": "float64", "integer": "int64", "boolean": "bool_", "enum": "string"}
NOT_AVAILABLE = "not available"


# ---------------------------------------------------------------------------- the population, an event a row

def columns(vocabulary: dict) -> list:
    """``[(column, arrow type)]`` of an event-a-row file: who, what, when, then every person fact and
    every field of an event a timeline may hold, typed as the vocabulary types it."""
    found = {"person_id": "string", "type": "string", "date": "date32", "start": "date32", "end": "date32"}
    specs = list(vocabulary["person"].items())
    for spec in vocabulary["events"].values():
        if not spec.get("derived"):
            specs += spec.get("fields", {}).items()
    for name, spec in specs:
        kind = ARROW_TYPES[spec["type"]]
        if found.setdefault(name, kind) != kind:
            raise ValueError(f"field `{name}` has two types in the vocabulary: {found[name]} and {kind}")
    return list(found.items())


def event_rows_path(cache_dir: Path, count: int, seed: int, events: int, layout: list) -> Path:
    """Keyed by the generator's and this layout's versions and by the columns (the vocabulary)."""
    digest = hashlib.sha256(json.dumps(layout).encode()).hexdigest()[:8]
    return Path(cache_dir) / (f"events-v{population.FORMAT_VERSION}.{EVENT_ROWS_VERSION}-{digest}-seed{seed}-"
                              f"{events}ev-{count}.parquet")


def ensure_event_rows(cache_dir: Path, count: int, seed: int, events: int, vocabulary: dict) -> tuple:
    """``(path, seconds spent generating)``: the file of ``count`` persons, written unless cached."""
    layout = columns(vocabulary)
    path = event_rows_path(cache_dir, count, seed, events, layout)
    if path.exists():
        return path, 0.0
    start = clock()
    write_event_rows(path, count, seed, events, layout)
    return path, clock() - start


def write_event_rows(path: Path, count: int, seed: int, events: int, layout: list, workers: int | None = None) -> Path:
    """Persons ``0 .. count - 1`` of :func:`population.timeline`, a ``person`` row then the events of
    each, written by ``workers`` processes in row groups, then renamed into place."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".tmp-{os.getpid()}")
    schema = pa.schema([(name, getattr(pa, kind)()) for name, kind in layout])
    jobs = [(seed, s, min(WRITE_CHUNK, count - s), events, layout) for s in range(0, count, WRITE_CHUNK)]
    with concurrent.futures.ProcessPoolExecutor(workers or os.cpu_count()) as pool, \
            pq.ParquetWriter(tmp, schema, compression="zstd") as writer:
        for table in pool.map(_event_table, jobs):
            writer.write_table(table)
    os.replace(tmp, path)
    return path


def _event_table(job):
    """One chunk of persons as an Arrow table of the layout (runs in a worker)."""
    import pyarrow as pa

    seed, start, count, events, layout = job
    rows = []
    for i in range(start, start + count):
        record = population.timeline(seed, i, events)
        rows.append({"person_id": record["id"], "type": "person", **record["person"]})
        rows += ({"person_id": record["id"], **event} for event in record["events"])
    values = {name: [None] * len(rows) for name, _ in layout}
    for i, row in enumerate(rows):
        for key, value in row.items():
            values[key][i] = value  # a key outside the layout fails here, not silently
    arrays = []
    for name, kind in layout:
        arrays.append(pa.array(values[name], pa.string()).cast(pa.date32()) if kind == "date32"
                      else pa.array(values[name], getattr(pa, kind)()))
    return pa.table(arrays, names=[name for name, _ in layout])


# ---------------------------------------------------------------------------- the entry points

@dataclass
class Columnar:
    """The columnar engine's entry points, or why each is not available."""

    check_population: object = None
    read_chunks: object = None
    batch: bool = False
    why: str | None = None  # why the engine (reading and checking) cannot run
    why_batch: str | None = None


def _entry(module_name: str, name: str) -> tuple:
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        return None, f"no module {exc.name}" if exc.name else str(exc)
    except Exception as exc:  # broken while it is being written
        return None, f"{module_name}: {type(exc).__name__}: {exc}"
    found = getattr(module, name, None)
    return (found, None) if callable(found) else (None, f"{module_name} has no {name}()")


def entry_points() -> Columnar:
    check_population, why_check = _entry("frist.columnar.engine", "check_population")
    read_chunks, why_read = _entry("frist.columnar.read", "read_chunks")
    found = Columnar(check_population, read_chunks, why=why_check or why_read)
    try:
        import frist.batch as batch

        found.batch = "columnar" in getattr(batch, "ENGINES", ())
        found.why_batch = None if found.batch else "run_batch has no engine \"columnar\""
    except Exception as exc:
        found.why_batch = f"frist.batch: {type(exc).__name__}: {exc}"
    if found.why and not found.why_batch:
        found.why_batch = found.why
    return found


# ---------------------------------------------------------------------------- measurements

def repeated(run, times: int, budget: float) -> list:
    """Results of ``run()`` up to ``times`` times, stopping early once ``budget`` seconds are spent
    (after the first)."""
    found, deadline = [], clock() + budget
    for _ in range(times):
        found.append(run())
        if clock() > deadline:
            break
    return found


def median_run(runs: list, key: str = "seconds") -> dict:
    """The run whose ``key`` is the median (the lower middle one for an even count)."""
    ordered = sorted(runs, key=lambda r: r[key])
    return {**ordered[(len(ordered) - 1) // 2], "runs": len(runs)}


def per_timeline(module, path: Path, sample: int, times: int, budget: float) -> dict:
    """The per-timeline engine on the first ``sample`` persons of the file: ``read`` seconds (the
    batch reader's grouping of rows into persons) and the median ``seconds`` of checking them all
    (``check_person``, brief records), after a warm-up; ``records`` by id."""
    from frist.batch import check_person, read_persons

    start = clock()
    rows = read_persons(path)
    persons = list(itertools.islice(rows, sample))
    rows.close()
    read = clock() - start
    for person in persons[:20]:
        check_person(module, person, str(path), population.AS_OF, "brief")
    found = {}

    def run():
        begin = clock()
        records = [check_person(module, p, str(path), population.AS_OF, "brief") for p in persons]
        found["records"] = records
        return {"seconds": clock() - begin}

    timed = median_run(repeated(run, times, budget))
    return {"persons": len(persons), "read": read, "seconds": timed["seconds"], "runs": timed["runs"],
            "records": {r["id"]: r for r in found["records"]}}


def columnar_pass(module, path: Path, engine: Columnar, keep: frozenset = frozenset()) -> dict:
    """Read and check every person of the file with the columnar engine, in one process.

    ``seconds`` is wall time, reading included; ``cpu`` the process's CPU seconds
    (every thread), so that ``cores`` = CPU / wall counts the cores it kept busy.
    The records of the ids in ``keep`` are returned, to compare with the
    per-timeline engine's.
    """
    vocabulary = module.BOOK["vocabulary"]
    from frist.columnar.engine import compile_book
    from frist.rulebook import load

    compiled = compile_book(load(module.BOOK["path"]))  # as the per-timeline module, made before the clock starts
    engine.check_population(compiled, next(engine.read_chunks(path, vocabulary, size=100)).population,
                            population.AS_OF)  # the compiled functions loaded from numba's cache
    wall, cpu = clock(), time.process_time()
    persons = errors = 0
    kept = {}
    for chunk in engine.read_chunks(path, vocabulary, size=READ_CHUNK):
        records = engine.check_population(compiled, chunk.population, population.AS_OF)
        bad = len(chunk.errors or ())
        persons += len(records) + bad
        errors += bad
        if len(kept) < len(keep):
            kept.update((r["id"], r) for r in records if r.get("id") in keep)
    wall, cpu = clock() - wall, time.process_time() - cpu
    return {"seconds": wall, "cpu": cpu, "cores": max(1.0, cpu / wall), "persons": persons,
            "errors": errors, "records": kept}


def per_core(result: dict) -> float:
    """Timelines/s per core: persons / (wall x cores used), cores used at least one."""
    return result["persons"] / (result["seconds"] * result["cores"])


def fit_slope(rows: list) -> float:
    """Least-squares slope of log(seconds) on log(size) over ``[(size, seconds)]``."""
    from .measure import _slope

    return _slope([(n, t, False) for n, t in rows])


# ---------------------------------------------------------------------------- the section

class Section:
    """Prints the section's lines and collects its verdicts (``(name, verdict)``, as ``__main__``)."""

    def __init__(self, verdicts: list):
        self.verdicts = verdicts

    def figure(self, label: str, figure: str) -> None:
        print(line(label, figure))

    def target(self, label: str, figure: str, key: str, value: float | None, name: str, projected=False,
               why: str | None = None) -> None:
        """A figure beside its target; ``value`` None prints ``not available`` (with ``why``)."""
        if value is None:
            self.verdicts.append((name, f"N/A  {why or NOT_AVAILABLE}"))
            print(line(label, NOT_AVAILABLE, TARGETS[key].text, f"({why})" if why else None))
            return
        verdict = TARGETS[key].verdict(value, projected)
        self.verdicts.append((name, verdict))
        print(line(label, figure, TARGETS[key].text, verdict))

    def note(self, label: str, text: str) -> None:
        """A line of detail too wide for the figure column."""
        print(f"  {label}: {text}")

    def missing(self, label: str, why: str) -> None:
        print(line(label, NOT_AVAILABLE) + f" ({why})")


def run(module, rules: str, cache: Path, mode: dict, args, verdicts: list) -> None:
    """The whole section: populations, the engines side by side, the references, scaling, batch."""
    plan = mode["columnar"]
    out = Section(verdicts)
    engine = entry_points()
    count = plan["persons"]
    print(f"\ncolumnar engine: {count:,} persons x 50 events, an event a row in Parquet, one process; "
          f"side by side in one run")
    files = _populations(module, cache, plan, args.seed)
    main = files[(count, 50)]
    base = _per_timeline(module, main, plan, out)
    fast = _columnar(module, files, plan, engine, base, out)
    _references(files[(plan["comparators"], 50)], plan, base, out)
    _scaling(module, files, plan, engine, fast, out)
    _batch(main, count, rules, cache, engine, args, out)


def _populations(module, cache: Path, plan: dict, seed: int) -> dict:
    """Every file the section reads, ``{(persons, events): path}``, generated once and cached."""
    vocabulary = module.BOOK["vocabulary"]
    wanted = {(plan["persons"], 50), (plan["comparators"], 50)}
    wanted |= {(n, 50) for n in plan["sizes"]} | {(plan["events_persons"], e) for e in plan["events"]}
    files = {}
    for persons, events in sorted(wanted):
        path, spent = ensure_event_rows(cache, persons, seed, events, vocabulary)
        how = f"generated in {spent:.0f} s" if spent else "cached"
        print(f"  population {persons:,} x {events} events: {how} -> {path}")
        files[(persons, events)] = path
    return files


def _per_timeline(module, path: Path, plan: dict, out: Section) -> dict:
    base = per_timeline(module, path, plan["sample"], plan["repeats"], plan["budget"])
    n = base["persons"]
    print(f"\n  per-timeline engine (frist.batch.check_person, brief) on the first {n:,} persons")
    out.figure("rows read into persons (read_persons)", seconds(base["read"]))
    out.figure(f"checking them, median of {base['runs']}", seconds(base["seconds"]))
    base["rate"] = n / base["seconds"]
    out.figure("timelines/s on one core (checking only)", f"{base['rate']:,.0f}")
    return base


def _columnar(module, files: dict, plan: dict, engine: Columnar, base: dict, out: Section):
    """The columnar engine on the whole population, and its ratio to the per-timeline engine."""
    count = plan["persons"]
    print(f"\n  columnar engine (read_chunks + check_population) on all {count:,} persons")
    targets = (("timelines/s per core, Parquet read included", "columnar_per_core", "columnar, timelines/s per core"),
               ("columnar / per-timeline engine, per core", "columnar_speedup", "columnar vs per-timeline engine"))
    why = engine.why
    if why is None:
        try:
            columnar_pass(module, files[(min(plan["sizes"]), 50)], engine)  # compiles what the engine compiles
            runs = repeated(lambda: columnar_pass(module, files[(count, 50)], engine, frozenset(base["records"])),
                            plan["repeats"], plan["budget"])
        except Exception as exc:  # the engine is under construction: say why, print no figure
            why = f"{type(exc).__name__}: {exc}"
    if why is not None:
        for label, key, name in targets:
            out.target(label, "", key, None, name, why=why)
        return None
    fast = median_run(runs)
    out.figure(f"wall, median of {fast['runs']}", seconds(fast["seconds"]))
    out.figure("CPU seconds / cores used (CPU / wall, at least 1)", f"{fast['cpu']:.2f} s / {fast['cores']:.2f}")
    out.figure("persons checked / error records", f"{fast['persons']:,} / {fast['errors']:,}")
    rate = per_core(fast)
    (label, key, name), (ratio_label, ratio_key, ratio_name) = targets
    out.target(label, f"{rate:,.0f}", key, rate, name)
    out.target(ratio_label, f"{rate / base['rate']:.1f}x", ratio_key, rate / base["rate"], ratio_name)
    same = sum(fast["records"].get(pid) == record for pid, record in base["records"].items())
    out.figure("brief records equal to the per-timeline engine's", f"{same:,} of {len(base['records']):,}")
    return fast


def _references(path: Path, plan: dict, base: dict, out: Section) -> None:
    """The plain-Python checker and pm4py's Declare on the same events, against the per-timeline engine."""
    n = plan["comparators"]
    print(f"\n  references on the first {n:,} persons: the same events, one process, reading Parquet included")
    plain = median_run(repeated(lambda: comparators.plain_python(path, population.AS_OF), plan["repeats"],
                                plan["budget"]))
    _reference_lines(out, "plain Python, 5 duties", plain, base)
    out.figure("plain Python: of which reading and grouping rows", seconds(plain["read"]))
    out.note("plain Python: violations found",
             ", ".join(f"{k} {plain['violations'].get(k, 0):,}" for k in comparators.PLAIN_DUTIES))
    out.note("pm4py Declare: untimed constraints", comparators.declare_text())
    why = comparators.pm4py_missing()
    for log_format in comparators.LOG_FORMATS:
        label = f"pm4py Declare ({log_format})"
        reason = why or (comparators.polars_missing() if log_format == "polars" else None)
        if reason:
            out.missing(label, reason)
            continue
        try:
            found = median_run(repeated(lambda: comparators.pm4py_declare(path, log_format), plan["repeats"],
                                        plan["budget"]))
        except Exception as exc:  # a pm4py that does not take this log format
            out.missing(label, f"{type(exc).__name__}: {exc}")
            continue
        _reference_lines(out, label, found, base)
        built = "a LazyFrame, read inside pm4py" if log_format == "polars" else seconds(found["read"])
        out.note(f"{label}: building the log", f"{built}; cases not fit {found['misfits']:,}")


def _reference_lines(out: Section, label: str, found: dict, base: dict) -> None:
    rate = found["persons"] / found["seconds"]
    out.figure(f"{label}: timelines/s, median of {found['runs']}", f"{rate:,.0f}")
    out.figure(f"{label} / per-timeline engine", f"{rate / base['rate']:.1f}x")


def _scaling(module, files: dict, plan: dict, engine: Columnar, fast: dict | None, out: Section) -> None:
    """The columnar engine's cost against persons, and against events a person (median runs)."""
    for what, key, sizes in (("persons", "sizes", plan["sizes"]), ("events a person", "events", plan["events"])):
        name = f"columnar linear in {what}"
        print(f"\n  columnar engine: time against {what}" + ("" if fast is None else f" (median of up to "
                                                                        f"{plan['repeats']})"))
        if fast is None:
            out.target("log-log slope", "", "columnar_slope", None, name,
                       why=engine.why or "the columnar engine did not run")
            continue
        rows = []
        for n in sizes:
            persons = n if key == "sizes" else plan["events_persons"]
            path = files[(n, 50)] if key == "sizes" else files[(persons, n)]
            if key == "sizes" and n == plan["persons"]:
                taken = fast["seconds"]  # measured above
            else:
                taken = median_run(repeated(lambda: columnar_pass(module, path, engine), plan["repeats"],
                                            plan["budget"]))["seconds"]
            rows.append((n, taken))
            unit = f"{n:,} persons" if key == "sizes" else f"{persons:,} persons x {n} events"
            out.figure(f"{unit}: total / per person", f"{seconds(taken)} / {seconds(taken / persons)}")
        slope = fit_slope(rows)
        shape = "linear" if 0.85 <= slope <= 1.15 else "superlinear" if slope > 1.15 else "sublinear"
        out.target(f"log-log slope, {sizes[0]:,} -> {sizes[-1]:,}", f"{slope:.2f} ({shape})",
                   "columnar_slope", slope, f"{name} ({sizes[0]:,} -> {sizes[-1]:,})")


def _batch(path: Path, count: int, rules: str, cache: Path, engine: Columnar, args, out: Section) -> None:
    """``run_batch(engine="columnar")`` on the population in a child process: wall and sampled peak RSS."""
    from . import batchrun

    workers = args.workers or os.cpu_count()
    million = count == 1_000_000
    partition = max(1_000, min(5_000, count // 8))  # memory grows with the partition, not the population
    print(f"\n  run_batch(engine=\"columnar\") on {count:,} persons, {workers} workers, partitions of "
          f"{partition:,}, in a child process")
    label = "1,000,000 timelines" + ("" if million else f", PROJECTED from {count:,}")
    names = ("columnar batch 1,000,000, seconds", "columnar batch 1,000,000, peak memory")
    why = None if engine.batch else engine.why_batch
    if why is None:
        result = batchrun.run(path, cache / f"out-columnar-{count}", rules=rules, engine="columnar",
                              workers=workers, partition_size=partition, frist_cache=cache / "frist-cache")
        if "failed" in result:
            why = f"exit {result['failed']}: {' | '.join(result['stderr'][-2:])}"
    if why is not None:
        out.target(label, "", "columnar_million_seconds", None, names[0], why=why)
        if million:
            out.target("1,000,000: peak memory", "", "columnar_million_memory", None, names[1], why=why)
        else:
            out.figure("1,000,000: peak memory", "not measured")
        return
    _batch_lines(result, count, workers, label, names, out)


def _count(value) -> str:
    return f"{value:,}" if isinstance(value, int) else str(value)


def _batch_lines(result: dict, count: int, workers: int, label: str, names: tuple, out: Section) -> None:
    from .batchrun import rusage_bound

    wall, summary = result["wall"], result["summary"]
    million = count == 1_000_000
    sampled = result["peak_sampled"] is not None
    peak = result["peak_sampled"] if sampled else rusage_bound(result)
    how = "sampled RSS, parent + workers" if sampled else "getrusage bound"
    out.figure(f"{count:,}: wall, start-up and reading included", seconds(wall))
    out.figure(f"{count:,}: timelines/s per core", f"{count / (wall * workers):,.0f}")
    out.figure(f"{count:,}: persons / reports / errors",
               " / ".join(_count(summary.get(k)) for k in ("persons", "reports", "errors")))
    projected = wall if million else wall * 1_000_000 / count
    out.target(label, seconds(projected), "columnar_million_seconds", projected,
               names[0] + ("" if million else " (projected)"), projected=not million)
    if million:
        out.target(f"1,000,000: peak memory ({how})", size(peak), "columnar_million_memory", peak, names[1])
    else:
        out.figure(f"{count:,}: peak memory ({how})", size(peak))
        out.figure("1,000,000: peak memory", "not measured")
