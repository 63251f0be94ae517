"""Check many timelines: stream the input, check partitions in parallel, write one file per partition.

``run_batch(input_path, output_dir, rules=..., as_of=...)`` reads JSON Lines or
Parquet in one of two shapes (detected from the first row)::

    {"id": "p1", "person": {...}, "events": [...]}                 # one timeline per row
    {"person_id": "p1", "type": "registered", "date": "2024-03-01"}  # one event per row;
    {"person_id": "p1", "type": "person", "birth_date": ...}        # ... type `person`: the facts

groups the persons into partitions of ``partition_size``, checks them in a process
pool (``engine="local"``) or on a Dask cluster (``engine="dask"``) and writes
``OUTPUT/part-00000.jsonl`` (or ``.parquet``) per partition, each atomically, so
that a rerun resumes: a part file that exists is complete and is not recomputed.
``OUTPUT/_manifest.json`` (written first) names the input, rule book, check date
and layout; a rerun with a different one is refused.  ``OUTPUT/_summary.json``
holds the counts.  A bad row or timeline becomes an error record with located
messages; it never stops the run.

Memory stays bounded: the input is read row by row (Parquet in batches), and at
most two partitions per worker are in flight.  Only the ids seen so far are
kept, to tell a person whose rows are not contiguous.

pyarrow and dask (the ``batch`` extra) are imported only when needed, and a missing
one is a located error naming the pip command; without tqdm, the run is the same
with no progress bar.
"""

from __future__ import annotations

import concurrent.futures as cf
import datetime as _dt
import hashlib
import json
import multiprocessing
import os
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from . import __version__
from .compiler import cache_key, compile_text
from .dates import parse_date
from .errors import Diagnostic, FristError, Span, TimelineError
from .optional import install_command, require
from .report import check, load_timeline
from .source import Mapping, Sequence, read_text

LAYOUT_VERSION = 1
FORMATS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".parquet": "parquet"}
DETAILS = ("violations", "full")
ENGINES = ("local", "dask")
MANIFEST, SUMMARY = "_manifest.json", "_summary.json"
# what must match for a rerun to resume into an existing output directory
RESUME_KEYS = ("input.size", "input.fingerprint", "rules.digest", "as_of", "partition_size", "format", "detail",
               "frist")
FINGERPRINT_BYTES = 1 << 20
SHAPE_LOOKAHEAD = 1000  # lines read to find the first JSON object; beyond, the input is taken as timelines
TOP_RULES = 10  # rules the command prints; _summary.json has all
PARQUET_BATCH_ROWS = 4096
COMMAND_LINE = Span("<command line>", 1, 1)


@dataclass
class Summary:
    """The counts of one run; ``persons == reports + errors`` always."""

    persons: int = 0
    reports: int = 0
    errors: int = 0
    violations: dict = field(default_factory=dict)  # rule id -> violated instances
    partitions: int = 0
    skipped: int = 0  # partitions resumed from existing part files
    seconds: float = 0.0

    def to_json(self) -> dict:
        return {"persons": self.persons, "reports": self.reports, "errors": self.errors,
                "violations": dict(sorted(self.violations.items())), "partitions": self.partitions,
                "skipped": self.skipped, "seconds": round(self.seconds, 3)}

    def to_text(self) -> str:
        lines = [f"{self.persons} person(s) read: {self.reports} report(s), {self.errors} error(s); "
                 f"{self.partitions} partition(s), {self.skipped} resumed; {self.seconds:.1f} s"]
        ranked = sorted(self.violations.items(), key=lambda kv: (-kv[1], kv[0]))
        if ranked:
            lines.append("violated instances, by rule:")
        for rule, count in ranked[:TOP_RULES]:
            lines.append(f"  {count:>8}  {rule}")
        if len(ranked) > TOP_RULES:
            lines.append(f"  … and {len(ranked) - TOP_RULES} more rule(s), see {SUMMARY}")
        return "\n".join(lines) + "\n"


@dataclass(slots=True)
class Person:
    """One unit of work: a timeline document to check, or the error that stands for a bad row.

    ``line`` locates the person (the JSONL line or the 1-based Parquet row);
    ``person_line`` and ``event_lines`` locate the rows of an event-per-row input.
    """

    id: object
    line: int
    document: dict | None = None
    error: str | None = None
    person_line: int | None = None
    event_lines: list | None = None


def _input_format(path: Path) -> str:
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise FristError(Diagnostic(f"cannot tell the input format of `{path.name}`", Span(str(path), 1, 1),
                                    hint="name the input *.jsonl, *.ndjson or *.parquet"))
    return fmt


def _unreadable(path: Path, why: str) -> TimelineError:
    return TimelineError(Diagnostic(f"cannot read input: {why}", Span(str(path), 1, 1), hint="check the path"))


def _jsonl_rows(path: Path):
    """``(line, row, None)`` per non-blank line, or ``(line, None, diagnostic)`` for a bad one."""
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise _unreadable(path, exc.strerror) from None
    with handle:
        for number, raw in enumerate(handle, 1):
            if not raw.strip():
                continue
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                yield number, None, Diagnostic(f"line is not UTF-8 text (byte {exc.start + 1})",
                                               Span(str(path), number, exc.start + 1), hint="save the file as UTF-8")
                continue
            try:
                yield number, json.loads(text), None
            except json.JSONDecodeError as exc:
                yield number, None, Diagnostic(f"malformed JSON: {exc.msg}", Span(str(path), number, exc.colno),
                                               hint="each line holds one JSON object")


def _parquet_file(path: Path):
    pq = require("pyarrow.parquet", "reading Parquet")
    try:
        return pq.ParquetFile(path)
    except OSError as exc:
        raise _unreadable(path, exc.strerror or str(exc)) from None
    except Exception as exc:  # pyarrow.ArrowInvalid: not a Parquet file
        raise _unreadable(path, f"not a Parquet file ({exc})") from None


def _parquet_rows(path: Path, parquet):
    """``(row, mapping, None)`` per row, read in batches; nulls (absent values) are dropped."""
    number = 0
    try:
        for batch in parquet.iter_batches(batch_size=PARQUET_BATCH_ROWS):
            for row in batch.to_pylist():
                number += 1
                yield number, _without_nulls(row), None
    except OSError as exc:
        raise _unreadable(path, f"row {number + 1}: {exc}") from None


def _without_nulls(value):
    if isinstance(value, dict):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_nulls(v) for v in value]
    return value


def _shape(first_row: dict | None, path: Path) -> str:
    """``timelines`` (a timeline a row) or ``events`` (an event a row), told by the first row's keys."""
    if first_row is not None and "person_id" in first_row:
        return "events"
    if first_row is None or {"id", "person", "events"} & first_row.keys():
        return "timelines"
    if "type" in first_row:  # an event row without its person_id
        return "events"
    raise TimelineError(Diagnostic(
        "cannot tell the input's shape from its first row: it has none of `id`, `person`, `events`, "
        "`person_id`, `type`", Span(str(path), 1, 1),
        hint='write one timeline a row ({"id", "person", "events"}) or one event a row ({"person_id", "type", ...})'))


# ---------------------------------------------------------------------------- rows to persons

class _Seen:
    """The person ids met so far, to tell an id that comes back."""

    def __init__(self):
        self.ids = set()

    def again(self, pid) -> bool:
        key = (type(pid).__name__, pid)
        if key in self.ids:
            return True
        self.ids.add(key)
        return False


def _valid_id(pid, name: str, where: Span) -> Diagnostic | None:
    if pid is None:
        return Diagnostic(f"missing `{name}`", where, hint=f"every row needs `{name}`, a text or a number")
    if isinstance(pid, bool) or not isinstance(pid, (str, int)):
        return Diagnostic(f"`{name}` must be a text or a whole number, got `{pid}`", where)
    return None


def _error(pid, line: int, diagnostics) -> Person:
    return Person(pid, line, error=FristError(diagnostics).format())


def _decode_json_columns(row: dict, number: int, path: Path, columns: list) -> Diagnostic | None:
    """Parquet timelines may hold ``person`` and ``events`` as JSON text."""
    for key in ("person", "events"):
        if isinstance(row.get(key), str):
            try:
                row[key] = json.loads(row[key])
            except json.JSONDecodeError as exc:
                column = columns.index(key) + 1 if key in columns else 1
                return Diagnostic(f"column `{key}`: malformed JSON: {exc.msg} (character {exc.pos + 1})",
                                  Span(str(path), number, column), hint=f"`{key}` holds a JSON text or a struct")
    return None


def _timelines(rows, path: Path, columns: list):
    """One timeline a row."""
    seen = _Seen()
    for number, row, problem in rows:
        if problem is not None:
            yield _error(None, number, [problem])
            continue
        where = Span(str(path), number, 1)
        if not isinstance(row, dict):
            yield _error(None, number, [Diagnostic("a row is a JSON object with `id`, `person` and `events`", where)])
            continue
        pid = row.get("id")
        problem = _valid_id(pid, "id", where) or _decode_json_columns(row, number, path, columns)
        if problem is None and seen.again(pid):
            problem = Diagnostic(f"id `{pid}` appears a second time", where, hint="every timeline needs its own id")
        if problem is not None:
            yield _error(pid if _valid_id(pid, "id", where) is None else None, number, [problem])
            continue
        yield Person(pid, number, document={k: v for k, v in row.items() if k != "id"})


class _Group:
    """The rows of one person in an event-per-row input."""

    def __init__(self, path: str, pid, line: int, again: bool):
        self.path, self.pid, self.line = path, pid, line
        self.person, self.person_line = None, None
        self.events, self.event_lines = [], []
        self.problems = []
        if again:
            self.problems.append(Diagnostic(
                f"person_id `{pid}` appears again after other persons' rows", Span(path, line, 1),
                hint="the rows of one person must be contiguous; sort the input by person_id"))

    def add(self, number: int, row: dict) -> None:
        body = {k: v for k, v in row.items() if k != "person_id"}
        if body.get("type") == "person":
            if self.person is not None:
                self.problems.append(Diagnostic(f"a second `person` row for `{self.pid}`",
                                                Span(self.path, number, 1),
                                                hint=f"the first is on line {self.person_line}; merge them"))
                return
            self.person = {k: v for k, v in body.items() if k != "type"}
            self.person_line = number
        else:
            self.events.append(body)
            self.event_lines.append(number)

    def finish(self) -> Person:
        if self.problems:
            return _error(self.pid, self.line, self.problems)
        document = {"events": self.events}
        if self.person is not None:
            document["person"] = self.person
        return Person(self.pid, self.line, document=document, person_line=self.person_line or self.line,
                      event_lines=self.event_lines)


def _event_rows(rows, path: Path):
    """One event a row, grouped by ``person_id``; a person's rows must be contiguous.

    A bad row (malformed JSON, no ``person_id``) between two rows of one person
    makes that person an error; elsewhere it is an error record of its own.
    """
    seen, group, pending = _Seen(), None, []
    for number, row, problem in rows:
        if problem is None:
            if not isinstance(row, dict):
                problem = Diagnostic("a row is a JSON object with `person_id` and `type`", Span(str(path), number, 1))
            else:
                problem = _valid_id(row.get("person_id"), "person_id", Span(str(path), number, 1))
        if problem is not None:
            pending.append((number, problem))
            continue
        pid = row["person_id"]
        if group is not None and pid == group.pid:
            group.problems.extend(p for _, p in pending)
        else:
            if group is not None:
                yield group.finish()
            yield from (_error(None, n, [p]) for n, p in pending)
            group = _Group(str(path), pid, number, seen.again(pid))
        pending = []
        group.add(number, row)
    if group is not None:
        yield group.finish()
    yield from (_error(None, n, [p]) for n, p in pending)


def read_persons(path: Path):
    """The persons of an input file, in order, as :class:`Person` (streamed)."""
    fmt = _input_format(path)
    if not path.is_file():
        raise _unreadable(path, "no such file" if not path.exists() else "not a file")
    if fmt == "parquet":
        parquet = _parquet_file(path)
        columns = parquet.schema_arrow.names
        first = dict.fromkeys(columns) if columns else None
        rows = _parquet_rows(path, parquet)
    else:
        columns, rows = [], _jsonl_rows(path)
        head = []
        for item in rows:  # the shape is told by the first row that is a JSON object
            head.append(item)
            if isinstance(item[1], dict) or len(head) == SHAPE_LOOKAHEAD:
                break
        first = head[-1][1] if head and isinstance(head[-1][1], dict) else None
        rows = _chain(head, rows)
    if _shape(first, path) == "timelines":
        return _timelines(rows, path, columns)
    return _event_rows(rows, path)


def _chain(head, rest):
    yield from head
    yield from rest


def partitions(persons, size: int):
    """Lists of up to ``size`` persons, in input order."""
    chunk = []
    for person in persons:
        chunk.append(person)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


# ---------------------------------------------------------------------------- checking (in workers)

_MODULES: dict = {}  # cache key of the rule book's text -> compiled module, one per worker process


def rules_module(text: str, name: str):
    """The checker module for a rule book's text: from this process, the cache, or compiled afresh."""
    key = cache_key(text)
    module = _MODULES.get(key)
    if module is not None:
        return module
    module = _MODULES[key] = compile_text(text, name)
    return module


def _init_worker(text: str, name: str) -> None:
    rules_module(text, name)


def _located(person: Person, path: str) -> Mapping:
    """The document as located values, so that timeline errors name the input's line (or row)."""
    def mapping(values: dict, line: int) -> Mapping:
        out = Mapping(values)
        out.span, out.key_spans, out.spans = Span(path, line, 1), {}, {}
        return out

    document = mapping(person.document, person.line)
    if isinstance(document.get("person"), dict):
        document["person"] = mapping(document["person"], person.person_line or person.line)
    events = document.get("events")
    if isinstance(events, list):
        lines = person.event_lines or [person.line] * len(events)
        located = Sequence(mapping(e, n) if isinstance(e, dict) else e for e, n in zip(events, lines))
        located.span, located.spans = Span(path, person.line, 1), [Span(path, n, 1) for n in lines]
        document["events"] = located
    return document


def _unpaid_days(benefit: dict) -> int:
    return sum((_dt.date.fromisoformat(p["to"]) - _dt.date.fromisoformat(p["from"])).days + 1
               for p in benefit["periods"] if not p["payable"])


def check_person(module, person: Person, path: str, as_of: _dt.date, detail: str) -> dict:
    """The output record of one person: a brief report, the full report, or the error."""
    if person.error is not None:
        return {"id": person.id, "status": "error", "error": person.error}
    try:
        timeline = load_timeline(_located(person, path), module.BOOK["vocabulary"])
        report = check(timeline, rules=module, as_of=as_of)
    except FristError as exc:
        return {"id": person.id, "status": "error", "error": exc.format()}
    except Exception as exc:  # a bug must not stop a long run; the record says what happened
        return {"id": person.id, "status": "error",
                "error": f"{path}:{person.line}:1: internal error: {type(exc).__name__}: {exc}"}
    if detail == "full":
        return {"id": person.id, "status": "ok", **report.to_json()}
    return {"id": person.id, "as_of": as_of.isoformat(), "status": "ok", "summary": report.counts(),
            "violations": [{"rule": r.rule.id, "instance": r.instance,
                            "violated_since": r.violated_since.isoformat() if r.violated_since else None}
                           for r in report.violations()],
            "unpaid_days": _unpaid_days(report.benefit)}


def check_partition(persons: list, rules_text: str, settings: dict):
    """Check one partition; return the part file's content and its tally.

    Runs in a worker process (local pool or Dask worker); the rule book is
    compiled once per process from its text.
    """
    module = rules_module(rules_text, settings["rules_name"])
    as_of = _dt.date.fromisoformat(settings["as_of"])
    records = [check_person(module, p, settings["input"], as_of, settings["detail"]) for p in persons]
    tally = Tally()
    for record in records:
        tally.add(record)
    return encode(records, settings["format"]), tally


# ---------------------------------------------------------------------------- part files

@dataclass
class Tally:
    reports: int = 0
    errors: int = 0
    violations: dict = field(default_factory=dict)

    def add(self, record: dict) -> None:
        if record["status"] != "ok":
            self.errors += 1
            return
        self.reports += 1
        if "violations" in record and record["violations"] is not None:
            rules = [v["rule"] for v in record["violations"]]
        else:
            rules = [r["rule"] for r in record.get("results") or () if r["status"] == "violated"]
        for rule in rules:
            self.violations[rule] = self.violations.get(rule, 0) + 1

    def merge(self, other: "Tally") -> None:
        self.reports += other.reports
        self.errors += other.errors
        for rule, count in other.violations.items():
            self.violations[rule] = self.violations.get(rule, 0) + count


def _parquet_schema():
    pa = require("pyarrow", "writing Parquet")
    counts = pa.struct([(s, pa.int64()) for s in ("violated", "pending", "fulfilled", "waived", "not_applicable")])
    violation = pa.struct([("rule", pa.string()), ("instance", pa.string()), ("violated_since", pa.string())])
    return pa.schema([("id", pa.string()), ("status", pa.string()), ("as_of", pa.string()), ("summary", counts),
                      ("violations", pa.list_(violation)), ("unpaid_days", pa.int64()), ("error", pa.string()),
                      ("report", pa.string())])


def _parquet_row(record: dict) -> dict:
    """Parquet columns are fixed: ids become text, a full report is kept as JSON text in `report`."""
    row = {"id": None if record["id"] is None else str(record["id"]), "status": record["status"],
           "error": record.get("error")}
    if record["status"] != "ok":
        return row
    if "results" in record:  # detail=full
        row["report"] = json.dumps({k: v for k, v in record.items() if k not in ("id", "status")},
                                   ensure_ascii=False)
        record = {"as_of": record["as_of"], "summary": record["summary"],
                  "violations": [{"rule": r["rule"], "instance": r["instance"], "violated_since": r["violated_since"]}
                                 for r in record["results"] if r["status"] == "violated"],
                  "unpaid_days": _unpaid_days(record["benefit"])}
    row.update({k: record[k] for k in ("as_of", "summary", "violations", "unpaid_days")})
    return row


def encode(records: list, fmt: str):
    """A part file's content: JSON Lines as bytes, or a pyarrow Table."""
    if fmt == "jsonl":
        return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode("utf-8")
    pa = require("pyarrow", "writing Parquet")
    return pa.Table.from_pylist([_parquet_row(r) for r in records], schema=_parquet_schema())


def read_part(path: Path) -> list:
    """The records of a part file (Parquet: the columns as written)."""
    if path.suffix == ".jsonl":
        with path.open("r", encoding="utf-8") as handle:
            return [json.loads(line) for line in handle]
    pq = require("pyarrow.parquet", "reading Parquet")
    return pq.read_table(path).to_pylist()


def _write_atomic(target: Path, content) -> None:
    """Write to a temporary file in the same directory, then rename: a reader sees all or nothing."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix=target.suffix)
        try:
            with os.fdopen(fd, "wb") as handle:
                if isinstance(content, bytes):
                    handle.write(content)
                else:
                    require("pyarrow.parquet", "writing Parquet").write_table(content, handle)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, target)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
    except OSError as exc:
        raise FristError(Diagnostic(f"cannot write {target}: {exc.strerror or exc}", Span(str(target), 1, 1),
                                    hint="check that the output directory is writable")) from None


def _json_bytes(value) -> bytes:
    return (json.dumps(value, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


# ---------------------------------------------------------------------------- the output directory

def _fingerprint(path: Path) -> str:
    """A hash of the input's size and its first and last MiB: cheap, and enough to tell another file."""
    digest = hashlib.sha256()
    size = path.stat().st_size
    with path.open("rb") as handle:
        digest.update(handle.read(FINGERPRINT_BYTES))
        if size > FINGERPRINT_BYTES:
            handle.seek(max(FINGERPRINT_BYTES, size - FINGERPRINT_BYTES))
            digest.update(handle.read())
    return digest.hexdigest()


def _manifest(path: Path, rules_name: str, digest: str, as_of: _dt.date, settings: dict) -> dict:
    stat = path.stat()
    return {"layout": LAYOUT_VERSION, "frist": __version__,
            "input": {"path": str(path.resolve()), "size": stat.st_size,
                      "mtime": _dt.datetime.fromtimestamp(stat.st_mtime, _dt.timezone.utc).isoformat(),
                      "fingerprint": _fingerprint(path)},
            "rules": {"path": rules_name, "digest": digest},
            "as_of": as_of.isoformat(), "partition_size": settings["partition_size"],
            "format": settings["format"], "detail": settings["detail"]}


def _get(manifest: dict, dotted: str):
    value = manifest
    for part in dotted.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _refuse(where: Path, message: str) -> FristError:
    return FristError(Diagnostic(message, Span(str(where), 1, 1),
                                 hint="write to a new output directory (or delete this one to start over)"))


def prepare_output(out: Path, manifest: dict) -> None:
    """Start a new output directory, or check that an existing one is this run's, to resume it."""
    target = out / MANIFEST
    if out.exists() and not out.is_dir():
        raise _refuse(out, "the output exists and is not a directory")
    if target.exists():
        try:
            old = json.loads(target.read_text("utf-8"))
        except (OSError, ValueError) as exc:
            raise _refuse(target, f"cannot read the manifest of the earlier run: {exc}") from None
        for key in RESUME_KEYS:
            if _get(old, key) != _get(manifest, key):
                what = {"input.size": "input", "input.fingerprint": "input", "rules.digest": "rule book"}.get(key, key)
                raise _refuse(target, f"{out} holds a run with another {what}: {key} was `{_get(old, key)}`, "
                                      f"now `{_get(manifest, key)}`")
    else:
        if out.is_dir() and any(not p.name.startswith(".tmp-") for p in out.iterdir()):
            raise _refuse(out, f"{out} is not empty and holds no {MANIFEST}")
        _write_atomic(target, _json_bytes(manifest))
    for stale in out.glob(".tmp-*"):  # left by a run that was killed while writing
        stale.unlink(missing_ok=True)


def part_path(out: Path, index: int, fmt: str) -> Path:
    return out / f"part-{index:05d}.{fmt}"


# ---------------------------------------------------------------------------- engines

def _start_method():
    """``fork`` on Linux when this process runs no other thread: fast, the compiled rule book is
    inherited, and a caller's script needs no ``if __name__ == "__main__"`` guard.  Otherwise
    ``spawn``, the safe choice in a process with threads (then the caller needs the guard)."""
    if sys.platform.startswith("linux") and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


class _LocalEngine:
    """Partitions in a pool of processes, each compiling the rule book once (from the cache)."""

    def __init__(self, workers: int, rules_text: str, rules_name: str):
        self.window = 2 * workers
        self.pool = cf.ProcessPoolExecutor(workers, mp_context=_start_method(), initializer=_init_worker,
                                           initargs=(rules_text, rules_name))
        self.pool.submit(int).result()  # start the workers now, before the progress bar starts a thread

    def run(self, jobs, rules_text: str, settings: dict, done):
        futures = {}
        try:
            for index, persons in jobs:
                while len(futures) >= self.window:
                    self._collect(futures, done, cf.FIRST_COMPLETED)
                futures[self.pool.submit(check_partition, persons, rules_text, settings)] = (index, persons)
            while futures:
                self._collect(futures, done, cf.ALL_COMPLETED)
        finally:
            self.pool.shutdown(wait=True, cancel_futures=True)
            for future, (index, persons) in futures.items():  # on failure: keep what finished meanwhile
                if future.done() and not future.cancelled() and future.exception() is None:
                    done(index, persons, *future.result())

    @staticmethod
    def _collect(futures: dict, done, when) -> None:
        finished, _ = cf.wait(futures, return_when=when)
        failed = None
        for future in finished:  # write every finished partition before a failure is raised
            index, persons = futures.pop(future)
            if future.exception() is not None:
                failed = failed or future.exception()
                continue
            done(index, persons, *future.result())
        if failed is not None:
            raise failed


class _DaskEngine:
    """Partitions as tasks on a Dask cluster; the rule book travels as text, not as a path."""

    def __init__(self, scheduler: str, rules_text: str):
        self.distributed = require("distributed", "--engine dask")
        try:
            self.client = self.distributed.Client(scheduler, timeout="20s")
        except (OSError, TimeoutError, ValueError) as exc:
            raise FristError(Diagnostic(f"cannot reach the Dask scheduler at `{scheduler}`: {exc}", COMMAND_LINE,
                                        hint="give the scheduler's address, e.g. tcp://10.0.0.5:8786")) from None
        self.text = self.client.scatter([rules_text], broadcast=True)[0]
        self.window = max(2, 2 * sum(self.client.nthreads().values()))

    def run(self, jobs, rules_text: str, settings: dict, done):
        pending = {}
        running = self.distributed.as_completed()
        run_id = uuid.uuid4().hex[:8]
        try:
            for index, persons in jobs:
                while running.count() >= self.window:
                    self._collect(next(running), pending, done)
                future = self.client.submit(check_partition, persons, self.text, settings, pure=False,
                                            key=f"frist-batch-{run_id}-{index:05d}")
                pending[future.key] = (index, persons)
                running.add(future)
            for future in running:
                self._collect(future, pending, done)
        finally:
            self.client.close()

    @staticmethod
    def _collect(future, pending: dict, done) -> None:
        index, persons = pending.pop(future.key)
        done(index, persons, *future.result())


# ---------------------------------------------------------------------------- the run

def _check_arguments(engine, scheduler, workers, partition_size, output_format, detail) -> None:
    problems = []
    if engine not in ENGINES:
        problems.append(f"--engine {engine}: use one of {', '.join(ENGINES)}")
    if engine == "dask" and not scheduler:
        problems.append("--engine dask needs --scheduler ADDRESS")
    if workers is not None and workers < 1:
        problems.append(f"--workers {workers}: give a positive number")
    if partition_size < 1:
        problems.append(f"--partition-size {partition_size}: give a positive number")
    if output_format not in (None, "jsonl", "parquet"):
        problems.append(f"--format {output_format}: use jsonl or parquet")
    if detail not in DETAILS:
        problems.append(f"--detail {detail}: use one of {', '.join(DETAILS)}")
    if problems:
        raise FristError([Diagnostic(p, COMMAND_LINE) for p in problems])


def _as_of(value) -> _dt.date:
    if isinstance(value, _dt.date) and not isinstance(value, _dt.datetime):
        return value
    try:
        return parse_date(value)
    except ValueError as exc:
        raise FristError(Diagnostic(f"--as-of: {exc}", COMMAND_LINE, hint="write the date as YYYY-MM-DD")) from None


def _progress_bar(progress: bool):
    """The tqdm class when a bar is wanted and stderr is a terminal, else None.

    tqdm is optional: without it the run is the same, only without a bar (a note
    says how to get one), so the outcome never depends on the terminal.
    """
    if not progress or not sys.stderr.isatty():
        return None
    try:
        from tqdm import tqdm
    except ImportError:
        print(f"frist batch: no progress bar, the Python package `tqdm` is not installed "
              f"({install_command('batch')})", file=sys.stderr)
        return None
    return tqdm


def run_batch(input_path, output_dir, *, rules="rules.yaml", as_of, engine="local", scheduler=None,
              workers=None, partition_size=1000, output_format=None, detail="violations",
              progress=True) -> Summary:
    """Check every timeline of ``input_path``; write part files and a summary into ``output_dir``.

    ``input_path`` is JSON Lines or Parquet, a timeline a row or an event a row;
    ``as_of`` the check date; ``engine`` ``"local"`` (a process pool of
    ``workers``) or ``"dask"`` (the cluster at ``scheduler``).  Each partition of
    ``partition_size`` persons becomes one part file (``output_format``: as the
    input, or ``"jsonl"`` / ``"parquet"``), with per person the counts and
    violations (``detail="violations"``) or the whole JSON report
    (``detail="full"``).  A rerun into the same ``output_dir`` resumes.  Returns
    the :class:`Summary` of counts, also written to ``_summary.json``.

    Raises :class:`~frist.errors.FristError` (located) when the input, the rule
    book or the output directory cannot be used at all; bad rows become error
    records instead.
    """
    started = time.perf_counter()
    _check_arguments(engine, scheduler, workers, partition_size, output_format, detail)
    check_date = _as_of(as_of)
    source, out = Path(input_path), Path(output_dir)
    persons = read_persons(source)  # a generator: opens the input and tells its shape now
    fmt = output_format or _input_format(source)
    if fmt == "parquet":
        require("pyarrow", "Parquet output")
    rules_text = read_text(rules)
    rules_name = str(rules)
    module = rules_module(rules_text, rules_name)  # the rule book's own errors surface here (exit 2)
    settings = {"input": str(source), "rules_name": rules_name, "as_of": check_date.isoformat(),
                "detail": detail, "format": fmt, "partition_size": partition_size}
    prepare_output(out, _manifest(source, rules_name, module.BOOK["digest"], check_date, settings))

    summary, tally = Summary(), Tally()
    progress_bar = _progress_bar(progress)
    if engine == "dask":
        runner = _DaskEngine(scheduler, rules_text)
    else:
        runner = _LocalEngine(workers or os.cpu_count() or 1, rules_text, rules_name)
    # the bar starts a thread, so only after the local workers are forked
    bar = progress_bar and progress_bar(unit=" persons", desc="frist batch", file=sys.stderr, smoothing=0.1)

    def jobs():
        for index, chunk in enumerate(partitions(persons, partition_size)):
            summary.partitions += 1
            summary.persons += len(chunk)
            target = part_path(out, index, fmt)
            if target.exists():  # finished by an earlier run: written atomically, so complete
                summary.skipped += 1
                for record in read_part(target):
                    tally.add(record)
                if bar is not None:
                    bar.update(len(chunk))
                continue
            yield index, chunk

    def done(index, chunk, content, part_tally):
        _write_atomic(part_path(out, index, fmt), content)
        tally.merge(part_tally)
        if bar is not None:
            bar.update(len(chunk))

    try:
        runner.run(jobs(), rules_text, settings, done)
    finally:
        if bar is not None:
            bar.close()
    summary.reports, summary.errors = tally.reports, tally.errors
    summary.violations = dict(sorted(tally.violations.items()))
    summary.seconds = time.perf_counter() - started
    _write_atomic(out / SUMMARY, _json_bytes({**summary.to_json(), "as_of": check_date.isoformat(),
                                              "input": str(source), "rules": rules_name}))
    return summary
