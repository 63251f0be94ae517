"""Check many timelines: stream the input, check partitions in parallel, write one file per partition.

``run_batch(input_path, output_dir, rules=..., as_of=...)`` reads JSON Lines or
Parquet in one of two shapes (detected from the first row)::

    {"id": "p1", "person": {...}, "events": [...]}                 # one timeline per row
    {"person_id": "p1", "type": "registered", "date": "2024-03-01"}  # one event per row;
    {"person_id": "p1", "type": "person", "birth_date": ...}        # ... type `person`: the facts

groups the persons into partitions of ``partition_size``, checks them in a process
pool (``engine="local"``) or on a Dask cluster (``engine="dask"``) and writes
``OUTPUT/part-00000.jsonl`` (or ``.parquet``) per partition, each atomically, and
after it its checksum file ``OUTPUT/_parts/part-00000.jsonl.json``: its size,
sha256 and counts.  A rerun resumes: a part file is kept only if it matches its
checksum file and holds exactly its partition's persons; any other is recomputed.
``OUTPUT/_manifest.json`` (written first) names the input (with the sha256 of all
of it), rule book, check date and layout; a rerun with a different one is refused.
Before ``OUTPUT/_summary.json`` is written, every part file is checked against its
checksum file and ``persons == reports + errors`` over them all.  A bad row or timeline becomes
an error record with located messages; it never stops the run.

Memory stays bounded: the input is read row by row (Parquet in batches, a JSON
line in chunks, and a line over ``max_row_bytes`` is skipped, not held), and at
most two partitions per worker are in flight.  Only the ids seen so far are kept,
to tell a person whose rows are not contiguous.

A local worker that dies (killed by the out-of-memory killer, say) costs only its
partition, which is retried on a fresh worker; a partition that kills its worker
``WORKER_ATTEMPTS`` times becomes error records.  Workers end with the process that
started them, however it ends.

pyarrow and dask (the ``batch`` extra) are imported only when needed, and a missing
one is a located error naming the pip command; without tqdm, the run is the same
with no progress bar.
"""

from __future__ import annotations

import collections
import importlib.util
import ctypes
import datetime as _dt
import hashlib
import json
import multiprocessing
import os
import re
import signal
import sys
import tempfile
import threading
import time
import traceback
import uuid
from dataclasses import dataclass, field
from multiprocessing.connection import wait as _wait_for
from pathlib import Path

from . import __version__
from .compiler import cache_key, compile_text
from .errors import Diagnostic, FristError, Span, TimelineError
from .optional import install_command, require
from .report import STATUSES, check, check_date, in_force_from, load_timeline
from .source import Mapping, Sequence, read_text

# 2: part files are verified against _parts/*.json, the input by the sha256 of all of it, Parquet ids typed
LAYOUT_VERSION = 2
FORMATS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".parquet": "parquet"}
DETAILS = ("violations", "full")
ENGINES = ("local", "dask", "columnar")
MANIFEST, SUMMARY, PARTS = "_manifest.json", "_summary.json", "_parts"
PART_NAME = re.compile(r"part-\d{5,}\.(jsonl|parquet)")
# what must match for a rerun to resume into an existing output directory
RESUME_KEYS = ("input.size", "input.sha256", "rules.digest", "as_of", "partition_size", "format", "detail",
               "max_row_bytes", "frist")
HASH_CHUNK = 1 << 20
# A row (a JSON line) longer than this is an error record, not a timeline: one person's timeline is a few
# kB, and a 47 MB line took 16.7 s and 1.6 GB to refuse further down.  --max-row-bytes sets another.
MAX_ROW_BYTES = 1 << 20
SKIP_CHUNK = 1 << 16  # the rest of an over-long line is read (and dropped) in chunks of this size
SHAPE_LOOKAHEAD = 1000  # lines read to find the first JSON object; beyond, the input is taken as timelines
TOP_RULES = 10  # rules the command prints; _summary.json has all
PARQUET_BATCH_ROWS = 4096
# deaths of a local worker on one partition before its persons become error records
WORKER_ATTEMPTS = 3
WORKER_STOP_SECONDS = 5  # a worker asked to stop at the end of a run is killed after this
PARENT_POLL_SECONDS = 0.5  # where the kernel cannot end a worker with its parent, it checks this often
PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
COMMAND_LINE = Span("<command line>", 1, 1)


@dataclass
class Summary:
    """The counts of one run; ``persons == reports + errors`` always (checked over the part files)."""

    persons: int = 0
    reports: int = 0
    errors: int = 0
    violations: dict = field(default_factory=dict)  # rule id -> violated instances
    partitions: int = 0
    skipped: int = 0  # partitions resumed from existing part files that verified
    seconds: float = 0.0
    recomputed: list = field(default_factory=list)  # "part-00003.jsonl: why it did not verify"
    removed: list = field(default_factory=list)  # part files no partition of this run produces
    retried: int = 0  # partitions checked again after their worker died
    lost: int = 0  # partitions whose worker died every time: their persons are error records

    def to_json(self) -> dict:
        return {"persons": self.persons, "reports": self.reports, "errors": self.errors,
                "violations": dict(sorted(self.violations.items())), "partitions": self.partitions,
                "skipped": self.skipped, "recomputed": self.recomputed, "removed": self.removed,
                "retried": self.retried, "lost": self.lost, "seconds": round(self.seconds, 3)}

    def to_text(self) -> str:
        lines = [f"{self.persons} person(s) read: {self.reports} report(s), {self.errors} error(s); "
                 f"{self.partitions} partition(s), {self.skipped} resumed; {self.seconds:.1f} s"]
        lines += self._repairs()
        ranked = sorted(self.violations.items(), key=lambda kv: (-kv[1], kv[0]))
        if ranked:
            lines.append("violated instances, by rule:")
        for rule, count in ranked[:TOP_RULES]:
            lines.append(f"  {count:>8}  {rule}")
        if len(ranked) > TOP_RULES:
            lines.append(f"  … and {len(ranked) - TOP_RULES} more rule(s), see {SUMMARY}")
        return "\n".join(lines) + "\n"

    def _repairs(self) -> list:
        """What the run found broken and mended, so that nothing is mended silently."""
        lines = [f"recomputed {why}" for why in self.recomputed[:TOP_RULES]]
        if len(self.recomputed) > TOP_RULES:
            lines.append(f"… and {len(self.recomputed) - TOP_RULES} more recomputed part file(s), see {SUMMARY}")
        if self.removed:
            lines.append(f"removed {len(self.removed)} part file(s) no partition produces: "
                         f"{', '.join(self.removed[:TOP_RULES])}")
        if self.retried:
            lines.append(f"{self.retried} partition(s) retried after their worker died")
        if self.lost:
            lines.append(f"{self.lost} partition(s) whose worker died {WORKER_ATTEMPTS} times: "
                         f"their persons are error records")
        return lines


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


def _lines(handle, limit: int):
    """``(bytes, size)`` per line of a binary file; a line of more than ``limit`` bytes (its newline not
    counted) is ``(None, size)``: it is read in chunks and dropped, so it is never held in memory."""
    while True:
        raw = handle.readline(limit + 1)
        if not raw:
            return
        if raw.endswith(b"\n") or len(raw) <= limit:
            yield raw, len(raw)
            continue
        size = len(raw)
        while not raw.endswith(b"\n"):
            raw = handle.readline(SKIP_CHUNK)
            size += len(raw)
            if not raw:
                break
        yield None, size - raw.endswith(b"\n")


def _too_long(path: Path, number: int, size: int, limit: int) -> Diagnostic:
    return Diagnostic(f"line is {size:,} bytes long, over the limit of {limit:,} bytes a row",
                      Span(str(path), number, 1),
                      hint="a row holds one person's timeline, a few kB; check how the file was written "
                           "(--max-row-bytes N, or run_batch(..., max_row_bytes=N), sets another limit)")


def _jsonl_rows(path: Path, limit: int):
    """``(line, row, None)`` per non-blank line, or ``(line, None, diagnostic)`` for a bad one."""
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise _unreadable(path, exc.strerror) from None
    with handle:
        for number, (raw, size) in enumerate(_lines(handle, limit), 1):
            if raw is None:
                yield number, None, _too_long(path, number, size, limit)
                continue
            if not raw.strip():
                continue
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                yield number, None, Diagnostic(f"line is not UTF-8 text (byte {exc.start + 1})",
                                               Span(str(path), number, exc.start + 1), hint="save the file as UTF-8")
                continue
            yield (number, *_json_row(text, path, number))


def _json_row(text: str, path: Path, number: int) -> tuple:
    """``(row, None)``, or ``(None, diagnostic)`` for a line that is not one readable JSON value."""
    try:
        return json.loads(text), None
    except json.JSONDecodeError as exc:
        return None, Diagnostic(f"malformed JSON: {exc.msg}", Span(str(path), number, exc.colno),
                                hint="each line holds one JSON object")
    except RecursionError:
        return None, Diagnostic("the line's JSON nests too deep to read", Span(str(path), number, 1),
                                hint="a timeline nests a few levels: person, events, fields")
    except ValueError:  # a number longer than Python converts (4300 digits)
        return None, Diagnostic("the line holds a number of more than 4300 digits", Span(str(path), number, 1),
                                hint="numbers in a timeline are hours, days and counts")


def _parquet_file(path: Path):
    pq = require("pyarrow.parquet", "reading Parquet")
    try:
        return pq.ParquetFile(path)
    except OSError as exc:
        raise _unreadable(path, exc.strerror or str(exc)) from None
    except Exception as exc:  # pyarrow.ArrowInvalid: not a Parquet file
        raise _unreadable(path, f"not a Parquet file ({exc})") from None


def _parquet_rows(path: Path, parquet):
    """``(row, mapping, None)`` per row, read a row group at a time in batches; nulls (absent values)
    are dropped.

    pyarrow reads a row group's column chunks as a whole (a corrupt page fails the first batch of its
    row group, whatever the batch size), so a row group is what can be lost: its rows not yet read
    become ``(row, None, diagnostic)`` each, and reading goes on with the next row group.
    """
    arrow_error = require("pyarrow", "reading Parquet").ArrowException
    metadata, start = parquet.metadata, 0
    for group in range(metadata.num_row_groups):
        end, number = start + metadata.row_group(group).num_rows, start
        try:
            for batch in parquet.iter_batches(batch_size=PARQUET_BATCH_ROWS, row_groups=[group]):
                for row in batch.to_pylist():
                    number += 1
                    yield number, _without_nulls(row), None
        except (OSError, arrow_error) as exc:
            problem = (f"rows {number + 1}–{end} cannot be read (row group {group} of {metadata.num_row_groups}, "
                       f"counted from 0): {' '.join(str(exc).split())}")
            for lost in range(number + 1, end + 1):
                yield lost, None, Diagnostic(problem, Span(str(path), lost, 1),
                                             hint="the file is damaged here; write it again from its source")
        start = end


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


def read_persons(path: Path, max_row_bytes: int = MAX_ROW_BYTES):
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
        columns, rows = [], _jsonl_rows(path, max_row_bytes)
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
        report = check(timeline, rules=module, as_of=as_of, explain=detail == "full")
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
            "in_force": [{"rule": r.rule.id, "instance": r.instance, "from": in_force_from(r)}
                         for r in report.in_force()],
            "unpaid_days": _unpaid_days(report.benefit)}


def check_partition(persons, rules_text: str, settings: dict):
    """Check one partition; return the part file's content and its tally.

    Runs in a worker process (local pool or Dask worker); the rule book is
    compiled once per process from its text.  With the columnar engine,
    ``persons`` is the partition read as columns (:class:`frist.columnar.read.Chunk`).
    """
    if settings.get("engine") == "columnar":
        return check_chunk(persons, rules_text, settings)
    module = rules_module(rules_text, settings["rules_name"])
    as_of = _dt.date.fromisoformat(settings["as_of"])
    records = [check_person(module, p, settings["input"], as_of, settings["detail"]) for p in persons]
    tally = Tally()
    for record in records:
        tally.add(record)
    return encode(records, settings["format"]), tally


_COLUMNAR: dict = {}  # cache key of the rule book's text -> its columnar form, one per worker process


def columnar_book(text: str, name: str):
    """The rule book's columnar form (:func:`frist.columnar.engine.compile_book`), made once per process."""
    from .columnar import engine as columnar

    key = cache_key(text)
    found = _COLUMNAR.get(key)
    if found is None:
        found = _COLUMNAR[key] = columnar.compile_book(text, name)
    return found


def check_chunk(chunk, rules_text: str, settings: dict):
    """A partition read as columns, checked by the columnar engine: the records ``check_person`` makes."""
    from .columnar import engine as columnar

    compiled = columnar_book(rules_text, settings["rules_name"])
    as_of = _dt.date.fromisoformat(settings["as_of"])
    found = columnar.check_population(compiled, chunk.population, as_of)
    errors = iter(chunk.errors)
    records = [found[row] if row >= 0 else next(errors) for row in chunk.rows]
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
    counts = pa.struct([(s, pa.int64()) for s in STATUSES])
    violation = pa.struct([("rule", pa.string()), ("instance", pa.string()), ("violated_since", pa.string())])
    effect = pa.struct([("rule", pa.string()), ("instance", pa.string()), ("from", pa.string())])
    return pa.schema([("id", pa.string()), ("id_type", pa.string()), ("status", pa.string()), ("as_of", pa.string()),
                      ("summary", counts), ("violations", pa.list_(violation)), ("in_force", pa.list_(effect)),
                      ("unpaid_days", pa.int64()), ("error", pa.string()), ("report", pa.string())])


def _id_type(pid) -> str | None:
    """An id is a text or a whole number; Parquet's ``id`` column is text, so ``id_type`` keeps which."""
    if pid is None:
        return None
    return "number" if isinstance(pid, int) else "text"


def _parquet_row(record: dict) -> dict:
    """Parquet columns are fixed: ids become text (``id_type`` says which were numbers), a full report is
    kept as JSON text in `report`."""
    row = {"id": None if record["id"] is None else str(record["id"]), "id_type": _id_type(record["id"]),
           "status": record["status"], "error": record.get("error")}
    if record["status"] != "ok":
        return row
    if "results" in record:  # detail=full
        row["report"] = json.dumps({k: v for k, v in record.items() if k not in ("id", "status")},
                                   ensure_ascii=False)
        record = {"as_of": record["as_of"], "summary": record["summary"],
                  "violations": [{"rule": r["rule"], "instance": r["instance"], "violated_since": r["violated_since"]}
                                 for r in record["results"] if r["status"] == "violated"],
                  "in_force": [{"rule": r["rule"], "instance": r["instance"], "from": r["in_force_from"]}
                               for r in record["results"] if r["status"] == "in_force"],
                  "unpaid_days": _unpaid_days(record["benefit"])}
    row.update({k: record[k] for k in ("as_of", "summary", "violations", "in_force", "unpaid_days")})
    return row


def encode(records: list, fmt: str) -> bytes:
    """A part file's content: JSON Lines or Parquet, as bytes (what is hashed is what is written)."""
    if fmt == "jsonl":
        return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode("utf-8")
    pa = require("pyarrow", "writing Parquet")
    table = pa.Table.from_pylist([_parquet_row(r) for r in records], schema=_parquet_schema())
    sink = pa.BufferOutputStream()
    require("pyarrow.parquet", "writing Parquet").write_table(table, sink)
    return sink.getvalue().to_pybytes()


def decode(content: bytes, fmt: str) -> list:
    """The records of a part file's content (Parquet: the columns as written, ``id`` back in its type)."""
    if fmt == "jsonl":
        return [json.loads(line) for line in content.decode("utf-8").splitlines()]
    pa = require("pyarrow", "reading Parquet")
    rows = require("pyarrow.parquet", "reading Parquet").read_table(pa.BufferReader(content)).to_pylist()
    for row in rows:
        if row.pop("id_type", None) == "number":
            row["id"] = int(row["id"])
    return rows


def read_part(path: Path) -> list:
    """The records of a part file (Parquet: the columns as written, ``id`` back in its type)."""
    return decode(path.read_bytes(), "jsonl" if path.suffix == ".jsonl" else "parquet")


def _record_count(content: bytes, fmt: str) -> int:
    if fmt == "jsonl":
        return content.count(b"\n")
    pa = require("pyarrow", "reading Parquet")
    return require("pyarrow.parquet", "reading Parquet").ParquetFile(pa.BufferReader(content)).metadata.num_rows


def _write_atomic(target: Path, content: bytes) -> None:
    """Write to a temporary file in the same directory, then rename: a reader sees all or nothing."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix=target.suffix)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(content)
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


# ---------------------------------------------------------------------------- part files and their records
#
# Each part file has a checksum file of its own, OUTPUT/_parts/part-00000.jsonl.json: its size, sha256 and
# counts.  The part is written (atomically) first, its checksum file (atomically) after it, and neither is
# ever rewritten in place, so a kill -9 at any moment leaves at worst a part file without a checksum file,
# which the next run recomputes.  One file per part rather than one index of all parts: an index rewritten
# after every part costs writes quadratic in the number of parts, and one stale index puts every part in
# doubt.  The directory starts with `_` so that Parquet readers of OUTPUT skip it, as they skip _manifest.json.


def part_path(out: Path, index: int, fmt: str) -> Path:
    return out / f"part-{index:05d}.{fmt}"


def checksum_path(part: Path) -> Path:
    return part.parent / PARTS / f"{part.name}.json"


def write_part(out: Path, index: int, fmt: str, persons: list, content: bytes, tally: "Tally") -> None:
    """Write a partition's part file, then its checksum file; refuse content that does not hold every person."""
    target = part_path(out, index, fmt)
    records = _record_count(content, fmt)
    if not records == len(persons) == tally.reports + tally.errors:
        raise FristError(Diagnostic(
            f"partition {index} came back with {records} record(s) ({tally.reports} report(s), {tally.errors} "
            f"error(s)) for {len(persons)} person(s)", Span(str(target), 1, 1),
            hint="this is a bug in frist; please report it with the input rows of this partition"))
    _write_atomic(target, content)
    _write_atomic(checksum_path(target), _json_bytes({
        "part": target.name, "bytes": len(content), "sha256": hashlib.sha256(content).hexdigest(),
        "records": records, "reports": tally.reports, "errors": tally.errors}))


def _read_checksum(part: Path) -> dict | None:
    """A part file's checksum file, or None when it is missing, unreadable or malformed."""
    try:
        record = json.loads(checksum_path(part).read_bytes())
    except (OSError, ValueError):
        return None
    keys = {"bytes": int, "sha256": str, "records": int, "reports": int, "errors": int}
    if not isinstance(record, dict) or not all(isinstance(record.get(k), t) for k, t in keys.items()):
        return None
    return record


def _unverified(content: bytes | None, record: dict | None) -> str | None:
    """Why a part file's bytes do not match its checksum file, or None when they do (or neither exists)."""
    if record is None:
        return "it has no readable checksum file" if content is not None else None
    if content is None:
        return "it is missing"
    if not content and record["bytes"]:
        return "it is empty"
    if len(content) != record["bytes"]:
        return f"it has {len(content):,} bytes, {record['bytes']:,} were written"
    if hashlib.sha256(content).hexdigest() != record["sha256"]:
        return "its bytes do not match their checksum"
    return None


def resume_part(out: Path, index: int, fmt: str, persons: list) -> tuple:
    """``(tally, None)`` for a part file that verifies and holds exactly ``persons``; ``(None, why)`` for
    one that does not (it is recomputed); ``(None, None)`` when the partition was never written."""
    part = part_path(out, index, fmt)
    try:
        content = part.read_bytes()
    except FileNotFoundError:
        content = None
    except OSError as exc:
        return None, f"it cannot be read ({exc.strerror})"
    record = _read_checksum(part)
    why = _unverified(content, record)
    if why is not None or content is None:
        return None, why
    try:
        records = decode(content, fmt)
    except Exception as exc:  # noqa: BLE001 - its checksum file was rewritten to match: recompute, never trust
        return None, f"it does not parse ({type(exc).__name__}: {exc})"
    if [_typed(r["id"]) for r in records] != [_typed(p.id) for p in persons]:
        return None, "it holds other persons than its partition"
    tally = Tally()
    for item in records:
        tally.add(item)
    if (tally.reports, tally.errors) != (record["reports"], record["errors"]):
        return None, "its counts do not match its checksum file"
    return tally, None


def _typed(pid):
    return type(pid).__name__, pid


def remove_strays(out: Path, fmt: str, partitions: int) -> list:
    """Remove part files (and checksum files) that no partition of this run produces; return their names."""
    wanted = {part_path(out, i, fmt).name for i in range(partitions)}
    removed = []
    for path in sorted(out.iterdir()):
        if PART_NAME.fullmatch(path.name) and path.name not in wanted:
            path.unlink()
            removed.append(path.name)
    checksums = out / PARTS
    for path in sorted(checksums.iterdir()) if checksums.is_dir() else ():
        if path.name.endswith(".json") and path.name[:-len(".json")] not in wanted:
            path.unlink()
    return removed


def reconcile(out: Path, fmt: str, sizes: list) -> tuple:
    """``(reports, errors)`` over the part files as they are on disk, each checked against its checksum file
    and its partition's number of persons; a located error for every part file that does not check."""
    problems, reports, errors = [], 0, 0
    for index, size in enumerate(sizes):
        part = part_path(out, index, fmt)
        try:
            content = part.read_bytes()
        except OSError:
            content = None
        record = _read_checksum(part)
        why = _unverified(content, record)
        if why is None and record is None:
            why = "it is missing"
        elif why is None and not record["records"] == size == record["reports"] + record["errors"]:
            why = f"its checksum file counts {record['records']} record(s), its partition has {size} person(s)"
        if why is not None:
            problems.append(Diagnostic(f"part file {part.name} does not check: {why}", Span(str(part), 1, 1),
                                       hint="run the same command again: it recomputes part files that do not check"))
            continue
        reports, errors = reports + record["reports"], errors + record["errors"]
    if problems:
        raise FristError(problems)
    return reports, errors


# ---------------------------------------------------------------------------- the output directory

def _fingerprint(path: Path) -> str:
    """The sha256 of the whole input, streamed: any edit anywhere is another input (about as cheap as reading it)."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _manifest(path: Path, rules_name: str, digest: str, as_of: _dt.date, settings: dict) -> dict:
    stat = path.stat()
    return {"layout": LAYOUT_VERSION, "frist": __version__,
            "input": {"path": str(path.resolve()), "size": stat.st_size,
                      "mtime": _dt.datetime.fromtimestamp(stat.st_mtime, _dt.timezone.utc).isoformat(),
                      "sha256": _fingerprint(path)},
            "rules": {"path": rules_name, "digest": digest},
            "as_of": as_of.isoformat(), "partition_size": settings["partition_size"],
            "format": settings["format"], "detail": settings["detail"], "max_row_bytes": settings["max_row_bytes"]}


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
        _check_manifest(out, target, manifest)
    else:
        if out.is_dir() and any(not p.name.startswith(".tmp-") for p in out.iterdir()):
            raise _refuse(out, f"{out} is not empty and holds no {MANIFEST}")
        _write_atomic(target, _json_bytes(manifest))
    for stale in (*out.glob(".tmp-*"), *(out / PARTS).glob(".tmp-*")):  # left by a run killed while writing
        stale.unlink(missing_ok=True)


def _check_manifest(out: Path, target: Path, manifest: dict) -> None:
    try:
        old = json.loads(target.read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise _refuse(target, f"cannot read the manifest of the earlier run: {exc}") from None
    layout = old.get("layout") if isinstance(old, dict) else None
    if layout != LAYOUT_VERSION:  # an older layout's part files cannot be verified, so none can be trusted
        raise _refuse(target, f"{out} holds output layout `{layout}` of another frist version; this one writes "
                              f"layout {LAYOUT_VERSION} and cannot resume it")
    for key in RESUME_KEYS:
        if _get(old, key) != _get(manifest, key):
            what = {"input.size": "input", "input.sha256": "input", "rules.digest": "rule book"}.get(key, key)
            raise _refuse(target, f"{out} holds a run with another {what}: {key} was `{_get(old, key)}`, "
                                  f"now `{_get(manifest, key)}`")


# ---------------------------------------------------------------------------- engines

def _start_method():
    """``fork`` on Linux when this process runs no other thread: fast, the compiled rule book is
    inherited, and a caller's script needs no ``if __name__ == "__main__"`` guard.  Otherwise
    ``spawn``, the safe choice in a process with threads (then the caller needs the guard)."""
    if sys.platform.startswith("linux") and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


def _die_with_parent(parent: int, use_prctl: bool = True) -> None:
    """End this worker when the process that started it ends, however it ends: a ``kill -9`` of the
    parent runs none of its cleanup, and a worker left behind would hold its memory for good.

    On Linux the kernel does it (``prctl(PR_SET_PDEATHSIG, SIGKILL)``; the signal comes when the
    *thread* that started the worker ends, which is the one running :func:`run_batch`, and it stops
    the workers before it returns).  Elsewhere, or when prctl is refused, a daemon thread polls the
    parent's pid.  The check after arming catches a parent that died before.
    """
    armed = use_prctl and _arm_parent_death_signal()
    if os.getppid() != parent:
        os._exit(1)
    if not armed:
        threading.Thread(target=_watch_parent, args=(parent,), daemon=True, name="frist-watch-parent").start()


def _arm_parent_death_signal() -> bool:
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:  # once the parent is gone the worker is someone else's child
        time.sleep(PARENT_POLL_SECONDS)
    os._exit(1)


def _worker_main(conn, parent: int, rules_text: str) -> None:
    """A local worker: check the partitions sent on ``conn``, one at a time, until told to stop (None)."""
    _die_with_parent(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's: it stops the workers itself
    while True:
        try:
            task = conn.recv()
        except EOFError:
            return
        if task is None:
            return
        persons, settings = task
        try:
            reply = ("ok", *check_partition(persons, rules_text, settings))
        except FristError as exc:  # e.g. a package missing on this side; FristError itself does not pickle
            reply = ("frist", exc.diagnostics)
        except Exception:  # noqa: BLE001 - a fault in frist: the parent makes error records of the partition
            reply = ("failed", traceback.format_exc())
        conn.send(reply)


@dataclass
class _Task:
    index: int
    persons: list
    payload: object = None  # what the worker checks, when not ``persons`` (a partition read as columns)
    deaths: int = 0


def _death_cause(exitcode) -> str:
    if exitcode is not None and exitcode < 0:
        try:
            return f"killed by signal {-exitcode} ({signal.Signals(-exitcode).name})"
        except ValueError:
            return f"killed by signal {-exitcode}"
    return f"exited with code {exitcode}"


def lost_partition(persons: list, settings: dict, why: str, hint: str | None = None):
    """The part file's content and tally for a partition that could not be checked: an error record for
    each person, at the person's line (a person whose row was already bad keeps that error)."""
    path, first, last = settings["input"], persons[0].line, persons[-1].line
    hint = hint or (f"a worker dies like this when it runs out of memory: look for a very large timeline among "
                    f"the rows {first}–{last} of this partition, or give the workers more memory")
    records = []
    for person in persons:
        error = person.error or FristError(Diagnostic(f"not checked: {why}", Span(path, person.line, 1),
                                                      hint=hint)).format()
        records.append({"id": person.id, "status": "error", "error": error})
    tally = Tally()
    for record in records:
        tally.add(record)
    return encode(records, settings["format"]), tally


class _Worker:
    """A worker process and the pipe it gets its partitions on.  It is given one partition at a time,
    so when it dies, the partition it died on is known."""

    def __init__(self, context, rules_text: str):
        self.conn, child = context.Pipe()
        self.process = context.Process(target=_worker_main, args=(child, os.getpid(), rules_text),
                                       name="frist-batch-worker", daemon=True)
        self.process.start()
        child.close()
        self.task = None

    def give(self, task: _Task, settings: dict) -> bool:
        self.task = task  # first: a death while it is being sent (a partition too big to unpickle) is charged to it
        try:
            self.conn.send((task.persons if task.payload is None else task.payload, settings))
        except OSError:  # it died meanwhile
            return False
        return True

    def receive(self):
        """The worker's reply, or None when it died before giving one."""
        try:
            if self.conn.poll():
                return self.conn.recv()
        except (EOFError, OSError):
            pass
        return None

    def stop(self, wait: bool) -> None:
        if wait:
            try:
                self.conn.send(None)
            except OSError:
                pass
            self.process.join(WORKER_STOP_SECONDS)
        if self.process.is_alive():
            self.process.kill()
        self.process.join()
        self.conn.close()


class _LocalEngine:
    """Partitions in a pool of worker processes, each compiling the rule book once (from the cache).

    A worker that dies is replaced by a fresh one, and the partition it was checking is checked again,
    up to ``WORKER_ATTEMPTS`` deaths; then its persons become error records saying so.
    """

    def __init__(self, workers: int, rules_text: str):
        self.text, self.size = rules_text, workers
        context = _start_method()  # run_batch compiled the rule book already: forked workers inherit it
        self.workers = [_Worker(context, rules_text) for _ in range(workers)]
        self.outcomes = []  # (task, content, tally) to hand to ``done``
        self.retried = self.lost = 0

    def run(self, jobs, rules_text: str, settings: dict, done):
        waiting = collections.deque()  # partitions read ahead, and (first) partitions to check again
        jobs = iter(jobs)
        try:
            while True:
                self._read_ahead(jobs, waiting)
                self._dispatch(waiting, settings)
                self._read_ahead(jobs, waiting)
                busy = [w for w in self.workers if w.task is not None]
                if busy:
                    self._wait(busy, waiting, settings)
                    self._dispatch(waiting, settings)  # keep the workers busy while the part files are written
                while self.outcomes:
                    task, content, tally = self.outcomes.pop(0)
                    done(task.index, task.persons, content, tally)
                if not busy and not waiting:
                    break
            self._stop(wait=True)
        finally:
            self._stop(wait=False)

    def _read_ahead(self, jobs, waiting) -> None:
        """At most one partition per worker waits, besides one per worker being checked."""
        while len(waiting) < self.size:
            job = next(jobs, None)
            if job is None:
                return
            waiting.append(_Task(*job))

    def _dispatch(self, waiting, settings: dict) -> None:
        for slot, worker in enumerate(self.workers):
            while worker.task is None and waiting:
                if not worker.give(waiting.popleft(), settings):
                    self._replace(slot, waiting, settings)
                    worker = self.workers[slot]

    def _wait(self, busy: list, waiting, settings: dict) -> None:
        ready = set(_wait_for([w.conn for w in busy] + [w.process.sentinel for w in self.workers]))
        for slot, worker in enumerate(self.workers):
            if worker.task is not None and (worker.conn in ready or worker.process.sentinel in ready):
                reply = worker.receive()
                if reply is not None:
                    task, worker.task = worker.task, None
                    self._accept(task, reply, settings)
                    continue
            elif worker.process.sentinel not in ready:
                continue
            self._replace(slot, waiting, settings)  # it died, busy or idle

    def _accept(self, task: _Task, reply, settings: dict) -> None:
        kind, *rest = reply
        if kind == "frist":
            raise FristError(rest[0])
        if kind == "failed":  # a fault in frist itself: the partition's persons say so, the run goes on
            why = f"checking its partition failed inside frist: {rest[0].strip().splitlines()[-1]}"
            self.outcomes.append((task, *lost_partition(task.persons, settings, why,
                                                        hint="this is a fault in frist; please report it")))
            return
        self.outcomes.append((task, *rest))

    def _replace(self, slot: int, waiting, settings: dict) -> None:
        """Start a fresh worker in a dead one's place; its partition goes back to the front of the line, or,
        at its last death, becomes error records."""
        dead = self.workers[slot]
        dead.stop(wait=False)
        self.workers[slot] = _Worker(_start_method(), self.text)
        task = dead.task
        if task is None:
            return
        task.deaths += 1
        if task.deaths < WORKER_ATTEMPTS:
            self.retried += 1
            waiting.appendleft(task)
            return
        self.lost += 1
        why = (f"the worker process checking its partition ({len(task.persons)} persons) died "
               f"{task.deaths} times, the last time {_death_cause(dead.process.exitcode)}")
        self.outcomes.append((task, *lost_partition(task.persons, settings, why)))

    def _stop(self, wait: bool) -> None:
        for worker in self.workers:
            worker.stop(wait)
        self.workers = []


class _DaskEngine:
    """Partitions as tasks on a Dask cluster; the rule book travels as text, not as a path."""

    def __init__(self, scheduler: str, rules_text: str):
        self.distributed = require("distributed", "--engine dask")
        try:
            self.client = self.distributed.Client(scheduler, timeout="20s")
        except (OSError, TimeoutError, ValueError) as exc:
            raise FristError(Diagnostic(f"cannot reach the Dask scheduler at `{scheduler}`: {exc}", COMMAND_LINE,
                                        hint="give the scheduler's address, e.g. tcp://10.0.0.5:8786")) from None
        # The text goes with every task (100 kB for the shipped rule book, a tenth of a partition of 1000
        # persons), not scattered once: scattered data dies with the worker holding it, failing every task
        # that needs it; and a task without dependencies is held on the scheduler until a worker thread is
        # about to be free (Dask's worker-saturation), so few tasks besides the one that killed a worker are
        # charged with its death.
        self.text = rules_text
        self.window = max(2, 2 * sum(self.client.nthreads().values()))
        self.retried = self.lost = 0  # Dask retries a task whose worker died itself

    def run(self, jobs, rules_text: str, settings: dict, done):
        pending = {}
        running = self.distributed.as_completed()
        run_id = uuid.uuid4().hex[:8]
        try:
            for index, persons, payload in jobs:
                while running.count() >= self.window:
                    self._collect(next(running), pending, done)
                future = self.client.submit(check_partition, persons if payload is None else payload, self.text,
                                            settings, pure=False,
                                            key=f"frist-batch-{run_id}-{index:05d}")
                pending[future.key] = (index, persons, settings)
                running.add(future)
            for future in running:
                self._collect(future, pending, done)
        finally:
            self.client.close()

    def _collect(self, future, pending: dict, done) -> None:
        index, persons, settings = pending.pop(future.key)
        try:
            result = future.result()
        except self.distributed.KilledWorker as exc:  # the scheduler gave up after its own retries
            self.lost += 1
            result = lost_partition(persons, settings, f"the Dask workers checking its partition died ({exc})")
        except FristError:
            raise  # e.g. a package missing on the workers: the whole run cannot proceed
        except Exception as exc:  # noqa: BLE001 - a fault in frist: the partition's persons say so
            result = lost_partition(persons, settings, f"checking its partition failed inside frist: "
                                    f"{type(exc).__name__}: {exc}", hint="this is a fault in frist; please report it")
        done(index, persons, *result)


# ---------------------------------------------------------------------------- the run

def _check_arguments(engine, scheduler, workers, partition_size, output_format, detail, max_row_bytes) -> None:
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
    if isinstance(max_row_bytes, bool) or not isinstance(max_row_bytes, int) or max_row_bytes < 1:
        problems.append(f"--max-row-bytes {max_row_bytes!r}: give a positive number of bytes")
    if problems:
        raise FristError([Diagnostic(p, COMMAND_LINE) for p in problems])


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
              progress=True, max_row_bytes=MAX_ROW_BYTES) -> Summary:
    """Check every timeline of ``input_path``; write part files and a summary into ``output_dir``.

    ``input_path`` is JSON Lines or Parquet, a timeline a row or an event a row;
    ``as_of`` the check date; ``engine`` ``"local"`` (a process pool of
    ``workers``), ``"dask"`` (the cluster at ``scheduler``) or ``"columnar"``
    (a process pool of the columnar engine, :mod:`frist.columnar`, which reads
    the input as columns; with ``detail="full"`` the per-timeline engine writes
    the full reports).  Each partition of
    ``partition_size`` persons becomes one part file (``output_format``: as the
    input, or ``"jsonl"`` / ``"parquet"``), with per person the counts and
    violations (``detail="violations"``) or the whole JSON report
    (``detail="full"``).  A JSON line longer than ``max_row_bytes`` becomes an
    error record.  A rerun into the same ``output_dir`` resumes, keeping only the
    part files that verify.  Returns the :class:`Summary` of counts, also written
    to ``_summary.json``.

    Raises :class:`~frist.errors.FristError` (located) when the input, the rule
    book or the output directory cannot be used at all, or when the part files
    do not add up to the persons read; bad rows become error records instead.
    """
    started = time.perf_counter()
    _check_arguments(engine, scheduler, workers, partition_size, output_format, detail, max_row_bytes)
    day = check_date(as_of)
    source, out = Path(input_path), Path(output_dir)
    persons = read_persons(source, max_row_bytes)  # a generator: opens the input and tells its shape now
    fmt = output_format or _input_format(source)
    if fmt == "parquet":
        require("pyarrow", "Parquet output")
    rules_text = read_text(rules)
    rules_name = str(rules)
    module = rules_module(rules_text, rules_name)  # the rule book's own errors surface here (exit 2)
    settings = {"input": str(source), "rules_name": rules_name, "as_of": day.isoformat(),
                "detail": detail, "format": fmt, "partition_size": partition_size, "max_row_bytes": max_row_bytes}
    prepare_output(out, _manifest(source, rules_name, module.BOOK["digest"], day, settings))
    # the columnar engine reads the input as columns; the full report (--detail full) is the per-timeline engine's.
    # Dask workers get columnar partitions too where the columnar extra is installed (the records are the same).
    columnar = detail != "full" and (engine == "columnar" or (engine == "dask" and _columnar_installed()))
    if columnar:
        settings["engine"] = "columnar"
        from .columnar.engine import warm

        warm(columnar_book(rules_text, rules_name))  # its errors (a construct it cannot evaluate) before any work,
        # and the compiled evaluators made once here, not in every worker

    summary, tally, sizes = Summary(), Tally(), []
    progress_bar = _progress_bar(progress)
    if engine == "dask":
        runner = _DaskEngine(scheduler, rules_text)
    else:
        runner = _LocalEngine(workers or os.cpu_count() or 1, rules_text)
    # the bar starts a thread, so only after the local workers are forked
    bar = progress_bar and progress_bar(unit=" persons", desc="frist batch", file=sys.stderr, smoothing=0.1)

    def chunks():
        if not columnar:
            yield from ((chunk, None) for chunk in partitions(persons, partition_size))
            return
        from .columnar.read import read_chunks

        persons.close()
        for chunk in read_chunks(source, module.BOOK["vocabulary"], size=partition_size, max_row_bytes=max_row_bytes):
            yield chunk.persons, chunk

    def jobs():
        for index, (chunk, payload) in enumerate(chunks()):
            summary.partitions += 1
            summary.persons += len(chunk)
            sizes.append(len(chunk))
            resumed, why = resume_part(out, index, fmt, chunk)
            if why is not None:
                summary.recomputed.append(f"{part_path(out, index, fmt).name}: {why}")
            if resumed is None:
                yield index, chunk, payload
                continue
            summary.skipped += 1
            tally.merge(resumed)
            if bar is not None:
                bar.update(len(chunk))

    def done(index, chunk, content, part_tally):
        write_part(out, index, fmt, chunk, content, part_tally)
        tally.merge(part_tally)
        if bar is not None:
            bar.update(len(chunk))

    try:
        runner.run(jobs(), rules_text, settings, done)
    finally:
        if bar is not None:
            bar.close()
    summary.retried, summary.lost = runner.retried, runner.lost
    summary.removed = remove_strays(out, fmt, len(sizes))
    _check_counts(out, summary, tally, reconcile(out, fmt, sizes))
    summary.reports, summary.errors = tally.reports, tally.errors
    summary.violations = dict(sorted(tally.violations.items()))
    summary.seconds = time.perf_counter() - started
    _write_atomic(out / SUMMARY, _json_bytes({**summary.to_json(), "as_of": day.isoformat(),
                                              "input": str(source), "rules": rules_name}))
    return summary


def _columnar_installed() -> bool:
    return all(importlib.util.find_spec(name) is not None for name in ("numpy", "numba", "polars"))


def _check_counts(out: Path, summary: Summary, tally: Tally, on_disk: tuple) -> None:
    """Persons read = reports + errors, in this run's tally and in the part files on disk; else no exit 0."""
    reports, errors = on_disk
    if summary.persons == reports + errors and (reports, errors) == (tally.reports, tally.errors):
        return
    raise FristError(Diagnostic(
        f"the counts do not reconcile: {summary.persons} person(s) read, the part files hold {reports} report(s) "
        f"and {errors} error(s), this run counted {tally.reports} and {tally.errors}", Span(str(out), 1, 1),
        hint="run the same command again: it recomputes part files that do not check"))
