"""Read an event-a-row batch input straight into typed columns, in bulk.

:func:`read_chunks` reads a JSON Lines or Parquet input of the event-a-row shape (one
``{"person_id", "type", ...}`` row per event, and a ``type: person`` row holding the
person's facts) with Polars, checks its rows against the vocabulary column by column,
and gives its persons in :class:`Chunk` s: each a :class:`~frist.columnar.layout.Population`
of the valid persons and the error records of the others.  A chunk holds exactly what
the per-person path gives for the same persons (:func:`frist.batch.read_persons`, then
:func:`frist.report.load_timeline` and :func:`~frist.columnar.layout.from_timelines`):
the same ids, lines, error texts, and the same arrays, dtype by dtype.

The bulk checks are conservative.  A person any of whose rows fails one, or whose rows
the bulk reader cannot vouch for (an over-long or malformed line, JSON that Polars
could read differently from Python, a person split by other persons' rows or by a
Parquet row group, a value of an unexpected type), is read again the per-person way,
which gives its exact error record, or its timeline when the bulk check was merely too
strict.  So the bulk path never accepts a person the per-person path rejects, and never
encodes a value differently.  A file the bulk reader cannot read at all (a timeline a
row, a Parquet column of a type it does not know) is read the per-person way throughout.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

from .. import batch
from ..dates import FIRST_DAY, LAST_DAY, DateError, parse_date
from ..errors import Diagnostic, FristError, Span
from ..optional import require
from ..report import _collector_paused, load_timeline
from ..runtime.timeline import DEFAULT_MAX, RESERVED
from . import cdates, layout

pl = require("polars", "the columnar engine")
np = layout.np

PERSON, KEY, TYPE = "person", "person_id", "type"
# Bookkeeping columns added to a segment's frame: no JSON key Polars reads in bulk has a control
# character, and a Parquet column whose name starts with one sends the file the per-person way.
ROW, CODE = "\x00row", "\x00code"
SEGMENT_ROWS = 1 << 20  # Parquet row groups are read together until a segment has this many rows
JSONL_BLOCK_BYTES = 1 << 24  # JSON Lines are read in blocks of this many bytes (plus one line at most)
BISECT_LINES = 64  # lines Polars cannot read are narrowed down to runs this short, then read one by one
INVALID = np.iinfo(np.int64).min  # a text that is no date, in a lookup table of day numbers
FIRST, LAST = cdates.day_number(FIRST_DAY), cdates.day_number(LAST_DAY)  # the days frist reads
EXACT_FLOAT = 2.0 ** 53  # beyond this a float may stand for a JSON integer it does not equal
MAX_ID = 10 ** 18  # an event's `id`, when a number, has at most 18 digits (frist.runtime.timeline)
JSONL_DTYPES = (pl.String, pl.Int64, pl.Float64, pl.Boolean, pl.Null)


@dataclass
class Chunk:
    """Up to ``size`` consecutive persons of the input.

    ``persons`` are :class:`frist.batch.Person` as :func:`~frist.batch.read_persons` gives them
    (ids, lines and ``error``; ``document`` only for persons read the per-person way);
    ``population`` holds the valid ones, in input order; ``rows[i]`` is person ``i``'s row in it,
    or -1; ``errors`` holds the error record :func:`~frist.batch.check_person` writes for each
    person that is not valid, in input order.  ``len(persons) == population.n + len(errors)``.
    """

    persons: list
    population: object
    rows: object
    errors: list


def read_chunks(path, vocabulary: dict, *, size: int, max_row_bytes: int = batch.MAX_ROW_BYTES):
    """The persons of an input file in :class:`Chunk` s of ``size``, in input order.

    The chunks hold exactly the persons ``batch.partitions(batch.read_persons(path,
    max_row_bytes), size)`` gives.  Raises the located errors :func:`~frist.batch.read_persons`
    raises for an input it cannot read at all (on the first chunk asked for).
    """
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        raise FristError(Diagnostic(f"chunk size {size!r}: give a positive number of persons", batch.COMMAND_LINE))
    source = Path(path)
    persons = batch.read_persons(source, max_row_bytes)  # the per-person reader's errors about the whole input
    reader = _Reader(str(source), vocabulary)
    segments = None
    if getattr(persons, "__name__", None) == batch._event_rows.__name__:
        segments = _parquet_segments(reader, source) if batch._input_format(source) == "parquet" \
            else _jsonl_segments(reader, source, max_row_bytes)
    if segments is None:  # a shape or a column type the bulk reader does not know: every person the per-person way
        for part in batch.partitions(persons, size):
            yield reader.chunk([reader.exact_person(person) for person in part])
        return
    persons.close()
    yield from _chunked(reader.items(segments), size, reader)


def _chunked(items, size: int, reader):
    """Items (bulk runs and single persons) cut into chunks of ``size`` persons."""
    waiting, count = [], 0
    for item in items:
        while count + len(item) > size:  # only a run holds more than one person
            head, item = item.split(size - count)
            waiting.append(head)
            yield reader.chunk(waiting)
            waiting, count = [], 0
        if len(item):
            waiting.append(item)
            count += len(item)
        if count == size:
            yield reader.chunk(waiting)
            waiting, count = [], 0
    if waiting:
        yield reader.chunk(waiting)


# ---------------------------------------------------------------------------- what the vocabulary asks

@dataclass
class _Kind:
    """One kind of row: the person row, or an event type; ``code`` is its place in ``_Plan.kinds``."""

    code: int
    name: str
    person: bool
    dates: tuple  # the date keys an event of this type must have: ("date",) or ("start", "end")
    fields: dict  # every field (fact) of the vocabulary, in its order, readable or not
    readable: frozenset  # the fields a row can give (a field named like a reserved key never is)
    allowed: frozenset  # every column a row of this kind may hold a value in


class _Plan:
    """The vocabulary arranged for column-wise checks: what each kind of row may and must hold."""

    def __init__(self, vocabulary: dict):
        facts = vocabulary["person"]
        readable = frozenset(facts) - {KEY, TYPE}  # a person row is its facts besides person_id and type
        self.kinds = [_Kind(0, PERSON, True, (), dict(facts), readable, readable | {KEY, TYPE})]
        for name, spec in vocabulary["events"].items():
            if spec.get("derived") or name == PERSON:  # a `person` row is always the facts
                continue
            dates = ("date",) if spec["kind"] == "point" else ("start", "end")
            fields = dict(spec.get("fields", {}))
            readable = frozenset(fields) - RESERVED - {KEY}
            self.kinds.append(_Kind(len(self.kinds), name, False, dates, fields, readable,
                                    readable | {KEY, TYPE, "id", *dates}))
        self.names = [kind.name for kind in self.kinds]
        self.none = len(self.kinds)  # the code of a row whose type is missing or unknown

    def allowing(self, column: str) -> list:
        return [kind.code for kind in self.kinds if column in kind.allowed]


# ---------------------------------------------------------------------------- segments: rows as Polars read them

class _Segment:
    """Consecutive input rows: ``frame`` has one row per input row, with the values Polars read.

    ``plain[i]`` says the frame holds row ``i`` as the per-person reader reads it; the others are
    in ``known`` already as the per-person reader reads them, ``(number, row, problem)``, and are
    null in the frame.  After :meth:`_Reader.prepare`, the segment knows its persons: groups of
    rows with one ``person_id`` (``first``/``last`` positions, ``pids``, ``lines``), whether each
    passed every bulk check (``bulk``), and their facts and events encoded.
    """

    def __init__(self, frame, numbers, plain=None, known=None):
        self.frame, self.numbers = frame, numbers
        self.n = len(numbers)
        self.plain = np.ones(self.n, bool) if plain is None else plain
        self.known = known or {}
        self.groups = 0
        self.facts, self.events = {}, {}

    def release(self, keep: int, reader) -> None:
        """Only rows from ``keep`` on will be read again (by a person the next segment goes on with)."""
        self.frame = None

    def rows(self, start: int, stop: int, reader) -> list:
        """Rows ``start`` to ``stop`` as the per-person reader reads them, problems classified."""
        out = []
        for pos in range(start, stop):
            found = self.known.get(pos)
            out.append(found if found is not None else self.read(pos, reader))
        return out

    def read(self, pos: int, reader) -> tuple:
        raise NotImplementedError


class _FrameSegment(_Segment):
    """Rows of Parquet row groups: Polars gives the same Python values as pyarrow for the column types
    the bulk reader accepts (text, whole numbers, floats, booleans, dates)."""

    def release(self, keep: int, reader) -> None:
        """The rows that may be read again are read now (a person's few), and the frame let go: a slice of
        it would keep all of it."""
        if keep < self.n:
            self.known.update(zip(range(keep, self.n), self._rows(keep, self.n, reader)))
        self.frame = None

    def rows(self, start: int, stop: int, reader) -> list:
        if self.frame is None:
            return super().rows(start, stop, reader)
        return self._rows(start, stop, reader)

    def _rows(self, start: int, stop: int, reader) -> list:
        values = self.frame.slice(start, stop - start).to_dicts()
        return [reader.classified(int(number), {k: v for k, v in row.items() if v is not None}, None)
                for number, row in zip(self.numbers[start:stop], values)]  # a null is an absent value


class _LineSegment(_Segment):
    """Lines of a JSON Lines block; a line is read again from its bytes, as the per-person reader reads it."""

    def __init__(self, frame, numbers, plain, known, body, spans):
        super().__init__(frame, numbers, plain, known)
        self.body, self.spans = body, spans

    def read(self, pos: int, reader) -> tuple:
        start, stop = self.spans[pos]
        return reader.line_row(int(self.numbers[pos]), self.body[start:stop])


class _OneGroup:
    """A Parquet file seen as one of its row groups alone, so that the per-person reader reads that
    group, and no other, with its own row numbers and messages."""

    def __init__(self, parquet, group: int):
        self.parquet, self.group, self.metadata = parquet, group, parquet.metadata

    def iter_batches(self, batch_size, row_groups):
        if list(row_groups) != [self.group]:
            return iter(())
        return self.parquet.iter_batches(batch_size=batch_size, row_groups=row_groups)


def _rows_segment(rows: list) -> _Segment:
    """Rows read the per-person way only (a row group or lines Polars cannot read)."""
    frame = pl.DataFrame({KEY: pl.Series(KEY, [None] * len(rows), dtype=pl.String)})
    numbers = np.array([number for number, _, _ in rows], np.int64)
    return _Segment(frame, numbers, np.zeros(len(rows), bool), dict(enumerate(rows)))


def _bulk_type(kind) -> bool:
    """An Arrow column type whose values Polars reads as pyarrow (and the per-person reader) does."""
    pa = require("pyarrow", "reading Parquet")
    t = pa.types
    if t.is_dictionary(kind):
        return t.is_string(kind.value_type) or t.is_large_string(kind.value_type)
    return (t.is_string(kind) or t.is_large_string(kind) or t.is_string_view(kind) or t.is_boolean(kind)
            or t.is_integer(kind) or t.is_float32(kind) or t.is_float64(kind) or t.is_date32(kind)
            or t.is_null(kind))


def _parquet_segments(reader, source: Path):
    """The file's segments (a generator), or None when the bulk reader cannot vouch for its columns: one of
    a type it does not know, two of one name, or a name that could be one of its own."""
    parquet = batch._parquet_file(source)
    schema = parquet.schema_arrow
    names = schema.names
    if len(set(names)) != len(names) or any(name[:1] < " " for name in names if name) \
            or not all(_bulk_type(f.type) for f in schema):
        return None
    return _parquet_groups(reader, source, parquet)


def _parquet_groups(reader, source: Path, parquet):
    """Consecutive row groups read together, at least ``SEGMENT_ROWS`` rows at a time (each Polars call
    costs tens of microseconds, whatever its size); a run of groups Polars cannot read is read again a
    group at a time, and a group it cannot read the per-person way."""
    scan = pl.scan_parquet(source, glob=False)
    metadata = parquet.metadata
    sizes = [metadata.row_group(g).num_rows for g in range(metadata.num_row_groups)]
    start, group = 0, 0
    while group < len(sizes):
        end, count = group, 0
        while end < len(sizes) and (count < SEGMENT_ROWS or end == group):
            count += sizes[end]
            end += 1
        frame = _read_rows(scan, start, count)
        if frame is not None:
            segment, frame = _FrameSegment(frame, np.arange(start + 1, start + count + 1, dtype=np.int64)), None
            yield segment  # (holding no frame meanwhile: the reader lets it go when done with it)
        elif end - group > 1:
            for one in range(group, end):
                yield from _parquet_group(reader, source, parquet, scan, sum(sizes[:one]), one)
        else:
            yield from _parquet_group(reader, source, parquet, scan, start, group)
        start, group = start + count, end


def _parquet_group(reader, source: Path, parquet, scan, start: int, group: int):
    count = parquet.metadata.row_group(group).num_rows
    frame = _read_rows(scan, start, count)
    if frame is None:  # damaged: the per-person reader says which rows are lost, and how
        rows = [reader.classified(*row) for row in batch._parquet_rows(source, _OneGroup(parquet, group))]
        yield _rows_segment(rows)
    else:
        yield _FrameSegment(frame, np.arange(start + 1, start + count + 1, dtype=np.int64))


def _read_rows(scan, start: int, count: int):
    """Rows ``start`` .. ``start + count`` as a frame (texts kept as texts), or None if Polars cannot read them."""
    try:
        frame = scan.slice(start, count).collect()
    except (Exception, pl.exceptions.PanicException):  # noqa: BLE001 - the caller reads them otherwise
        return None
    text = [pl.col(c).cast(pl.String) for c, dtype in frame.schema.items() if isinstance(dtype, (pl.Categorical, pl.Enum))]
    return frame.with_columns(text) if text else frame


# ---------------------------------------------------------------------------- JSON Lines

def _jsonl_segments(reader, source: Path, limit: int):
    try:
        handle = source.open("rb")
    except OSError as exc:
        raise batch._unreadable(source, exc.strerror) from None
    return _jsonl_blocks(reader, handle, limit)


def _jsonl_blocks(reader, handle, limit: int):
    number = 0
    with handle:
        for body, skipped in _blocks(handle, limit):
            yield from _Block(reader, body, number, skipped, limit).segments()
            number += body.count(b"\n") + (not body.endswith(b"\n"))


def _blocks(handle, limit: int):
    """``(bytes, skipped)``: the file in blocks of whole lines.  A line over ``limit`` bytes that does not
    fit a block is read past, not held: it stands in its block as an empty line, its length in
    ``skipped`` (by its place in the block), as the per-person reader measures it."""
    rest = b""
    while True:
        data = handle.read(JSONL_BLOCK_BYTES)
        if not data:
            if rest:
                yield rest, {}
            return
        whole = rest + data if rest else data
        cut = whole.rfind(b"\n") + 1
        body, rest = whole[:cut], whole[cut:]
        skipped = {}
        if len(rest) > limit:
            skipped[body.count(b"\n")], rest = _skip_line(handle, len(rest))
            body += b"\n"
        if body:
            yield body, skipped


def _skip_line(handle, size: int) -> tuple:
    """Read to the end of an over-long line of which ``size`` bytes are read: its length without the
    newline, and the bytes read after the newline."""
    while True:
        data = handle.read(batch.SKIP_CHUNK)
        if not data:
            return size, b""
        end = data.find(b"\n")
        if end >= 0:
            return size + end, data[end + 1:]
        size += len(data)


class _Block:
    """A block of JSON lines: which of them Polars may read (plain lines), Polars' reading of those,
    checked against the bytes, and the others read the per-person way."""

    def __init__(self, reader, body: bytes, number: int, skipped: dict, limit: int):
        self.reader, self.body, self.limit = reader, body, limit
        arr = self.arr = np.frombuffer(body, np.uint8)
        newlines = self.newlines = np.flatnonzero(arr == 10)
        starts = np.concatenate(([0], newlines + 1))
        ends = np.concatenate((newlines, [len(body)]))
        if starts[-1] == len(body):  # the block ends with a newline
            starts, ends = starts[:-1], ends[:-1]
        self.starts, self.ends = starts, ends
        self.stops = np.minimum(ends + 1, len(body))  # a line's bytes with its newline
        self.numbers = number + 1 + np.arange(len(starts), dtype=np.int64)
        self.sizes = ends - starts
        self.long = self.sizes > limit
        for line, size in skipped.items():
            self.long[line], self.sizes[line] = True, size

    def segments(self):
        odd = self._odd_lines()
        is_row = np.ones(len(self.starts), bool)
        for line in np.flatnonzero(odd & ~self.long):
            if not self.body[self.starts[line]:self.stops[line]].strip():  # a blank line is no row
                is_row[line] = False
        rows = np.flatnonzero(is_row)
        plain = (~self.long & ~odd)[rows]
        text = self._polars_text(rows, plain)
        self.quotes = self.keys = None
        for lo, hi, frame in self._parse(text, rows, plain, 0, len(rows)):
            span = (int(self.starts[rows[lo]]), int(self.stops[rows[hi - 1]]))
            yield self._segment(rows[lo:hi], plain[lo:hi], frame, text, span)

    def _odd_lines(self):
        """Lines the per-person reader must read: anything but printable ASCII without backslashes (escapes,
        non-ASCII text, control characters), a `null` (Polars reads it as an absent value, Python as a
        value), a nested value (a `[`, or a `{` but the first), and a line that does not start with `{`
        (blank, or not an object)."""
        arr, body = self.arr, self.body
        odd = np.zeros(len(self.starts), bool)
        if not len(self.starts):
            return odd
        odd |= arr[np.minimum(self.starts, len(body) - 1)] != ord("{")
        odd |= self.sizes == 0
        clean = (body.isascii() and b"\\" not in body and b"null" not in body and b"\x7f" not in body
                 and b"[" not in body and body.count(b"{") == len(odd) - np.count_nonzero(odd)
                 and np.count_nonzero(arr < 32) == len(self.newlines) + body.count(b"\r\n"))
        if clean:
            return odd
        bad = (arr < 32) | (arr > 126) | (arr == ord("\\")) | (arr == ord("["))
        bad[self.newlines] = False
        before = self.newlines[self.newlines > 0] - 1
        bad[before[arr[before] == 13]] = False  # a carriage return before the newline
        odd |= np.add.reduceat(bad, self.starts, dtype=np.int64) > 0
        odd |= np.add.reduceat(arr == ord("{"), self.starts, dtype=np.int64) != 1
        at = body.find(b"null")
        while at >= 0:
            odd[np.searchsorted(self.starts, at, side="right") - 1] = True
            at = body.find(b"null", at + 1)
        return odd

    def _polars_text(self, rows, plain) -> bytes:
        """The block with every line but the plain ones blanked out, so that Polars reads the plain lines
        only (it skips lines of spaces)."""
        keep = np.zeros(len(self.starts), bool)
        keep[rows[plain]] = True
        if keep.all():
            return self.body
        text = bytearray(self.body)
        for line in np.flatnonzero(~keep):
            text[self.starts[line]:self.ends[line]] = b" " * int(self.ends[line] - self.starts[line])
        return bytes(text)

    def _parse(self, text: bytes, rows, plain, lo: int, hi: int) -> list:
        """``(lo, hi, frame)`` runs of rows: Polars' reading of the plain lines among rows ``lo`` to ``hi``,
        or None for a run Polars cannot read, narrowed down by halves."""
        if hi == lo:
            return []
        count = int(plain[lo:hi].sum())
        if count == 0:
            return [(lo, hi, None)]
        start, stop = self.starts[rows[lo]], self.stops[rows[hi - 1]]
        try:
            frame = pl.read_ndjson(text if stop - start == len(text) else text[start:stop], infer_schema_length=None)
            if frame.height == count:
                return [(lo, hi, frame)]
        except (Exception, pl.exceptions.PanicException):  # noqa: BLE001 - read the lines one by one
            pass
        if hi - lo <= BISECT_LINES:
            return [(lo, hi, None)]
        middle = (lo + hi) // 2
        return self._parse(text, rows, plain, lo, middle) + self._parse(text, rows, plain, middle, hi)

    def _segment(self, lines, plain, frame, text: bytes, span: tuple) -> _Segment:
        """The segment of these lines: Polars' frame aligned to them, after checking that Polars read each
        plain line as Python would (else it is read the per-person way)."""
        plain = plain.copy() if frame is not None else np.zeros(len(lines), bool)
        if frame is not None:
            faithful = self._faithful(text, span, lines[plain], frame)
            plain[np.flatnonzero(plain)[~faithful]] = False
            frame = self._aligned(frame, plain, faithful)
        else:
            frame = pl.DataFrame({KEY: pl.Series(KEY, [None] * len(lines), dtype=pl.String)})
        known = {}
        for pos in np.flatnonzero(~plain):
            line = lines[pos]
            number = int(self.numbers[line])
            if self.long[line]:
                known[int(pos)] = (number, None, batch._too_long(Path(self.reader.path), number,
                                                                 int(self.sizes[line]), self.limit))
            else:
                known[int(pos)] = self.reader.line_row(number, self.body[self.starts[line]:self.stops[line]])
        spans = np.stack([self.starts[lines], self.stops[lines]], axis=1)
        return _LineSegment(frame, self.numbers[lines], plain, known, self.body, spans)

    def _faithful(self, text: bytes, span: tuple, lines, frame):
        """Per plain line, whether Polars read it as Python reads it.  Polars keeps the first of two equal
        keys (Python the last), and reads a number or a boolean in a column of texts as text; so the keys
        (a `":`: no text value of a plain line holds a quote) and the quotes in the line's bytes must add up
        to the values and the texts Polars found, and the column types must be ones the bulk checks know.

        A plain line has no nested value, so (unless a key has a space before its colon, which sends the
        lines to be counted one by one) a line never has fewer keys than Polars found values, nor, when
        they are equal, more texts than Polars found: when the sums over the lines agree, every line
        agrees, and the lines need not be counted one by one."""
        ok = np.ones(frame.height, bool)
        for name, dtype in frame.schema.items():
            if dtype not in JSONL_DTYPES or (name == KEY and dtype not in (pl.String, pl.Int64)):
                ok &= frame[name].is_null().to_numpy()
        texts = [c for c, dtype in frame.schema.items() if dtype == pl.String]
        values = sum(frame.height - frame[c].null_count() for c in frame.columns)
        strings = sum(frame.height - frame[c].null_count() for c in texts)
        keys = text.count(b'":', *span)
        if text.find(b'" :', *span) < 0 and keys == values and text.count(b'"', *span) == 2 * (keys + strings):
            return ok
        if self.quotes is None:
            quote = self.arr == ord('"')
            key = np.zeros(len(self.arr), bool)
            key[:-1] = quote[:-1] & (self.arr[1:] == ord(":"))
            self.quotes = np.add.reduceat(quote, self.starts, dtype=np.int64)
            self.keys = np.add.reduceat(key, self.starts, dtype=np.int64)
        keys = self.keys[lines]
        return ok & (keys == _present_count(frame, frame.columns)) & (
            self.quotes[lines] == 2 * (keys + _present_count(frame, texts)))

    @staticmethod
    def _aligned(frame, plain, faithful):
        """One frame row per segment row: null for the rows not plain."""
        if faithful.all() and plain.all():
            return frame
        take = np.full(len(plain), -1, np.int64)
        take[plain] = np.flatnonzero(faithful)
        index = pl.Series("i", take)
        return frame.select(pl.all().gather(index.set(index < 0, None).cast(pl.UInt32)))


def _present_count(frame, columns: list):
    """Per row, how many of these columns hold a value."""
    if not columns:
        return np.zeros(frame.height, np.int64)
    return frame.select(pl.sum_horizontal([pl.col(c).is_not_null() for c in columns])).to_series().to_numpy()


# ---------------------------------------------------------------------------- value checks, a column at a time

def _lookup(column, evaluate, missing):
    """``evaluate(texts)`` (an array, a value per text) for each row's text, computed once per distinct text
    (a column holds few), and ``missing`` where the row has none."""
    words = column.unique().drop_nulls()
    table = np.append(evaluate(words), missing)
    codes = column.cast(pl.Enum(words)).to_physical()
    return table[codes.fill_null(len(words)).to_numpy() if codes.null_count() else codes.to_numpy()]


ISO_DAY = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"


def _day_numbers(words) -> object:
    """The day number of each date text as :func:`frist.dates.parse_date` reads it, or ``INVALID``.  Polars
    reads a text of the form YYYY-MM-DD as Python does (a day of the calendar, or none); any other text
    (a week date Python reads, or no date at all) is read by ``parse_date`` itself."""
    parsed = words.str.strptime(pl.Date, "%Y-%m-%d", strict=False)
    read = (words.str.contains(ISO_DAY) & parsed.is_not_null()).to_numpy()
    days = parsed.to_physical().fill_null(0).to_numpy().astype(np.int64)
    days[read & ((days < FIRST) | (days > LAST))] = INVALID
    for i in np.flatnonzero(~read):
        try:
            days[i] = cdates.day_number(parse_date(words[int(i)]))
        except DateError:
            days[i] = INVALID
    return days


def _days(column, n: int):
    """``(valid, days)`` of a date column, as :func:`frist.dates.parse_date` reads each value."""
    if column is None:
        return np.zeros(n, bool), np.full(n, layout.NA_DAY, np.int64)
    present = column.is_not_null().to_numpy()
    if column.dtype == pl.String:
        days = _lookup(column, _day_numbers, layout.NA_DAY)
        valid = present & (days != INVALID)
    elif column.dtype == pl.Date:  # a Parquet date: in range, or not
        days = column.to_physical().fill_null(layout.NA_DAY).to_numpy().astype(np.int64)
        valid = present & (days >= FIRST) & (days <= LAST)
    else:
        days, valid = np.full(n, layout.NA_DAY, np.int64), np.zeros(n, bool)
    days[~valid] = layout.NA_DAY
    return valid, days


def _ceil_float(bound) -> float:
    """The smallest float not below ``bound`` (an int or a float), so that float comparisons are exact."""
    try:
        value = float(bound)
    except OverflowError:
        return math.inf if bound > 0 else -math.inf
    return value if value >= bound else math.nextafter(value, math.inf)


def _floor_float(bound) -> float:
    try:
        value = float(bound)
    except OverflowError:
        return math.inf if bound > 0 else -math.inf
    return value if value <= bound else math.nextafter(value, -math.inf)


def _number(column, spec: dict, present):
    """``(valid, values)`` of a number field: what :func:`frist.runtime.timeline._convert` accepts."""
    n = len(present)
    values = np.full(n, np.nan)
    low, high = max(0, spec.get("min", 0)), spec.get("max", DEFAULT_MAX)
    dtype = column.dtype
    if dtype.is_integer():
        whole = column.cast(pl.Int64, strict=False)
        fits = whole.is_not_null().to_numpy()
        ints = whole.fill_null(0).to_numpy()
        floor_low = low if isinstance(low, int) else (math.ceil(low) if math.isfinite(low) else low)
        ceil_high = high if isinstance(high, int) else (math.floor(high) if math.isfinite(high) else high)
        valid = present & fits & (ints >= floor_low) & (ints <= ceil_high)
        values[valid] = ints[valid]
    elif dtype.is_float() and spec["type"] == "number":
        floats = column.cast(pl.Float64).fill_null(0.0).to_numpy()
        with np.errstate(invalid="ignore"):
            valid = (present & np.isfinite(floats) & (np.abs(floats) < EXACT_FLOAT)
                     & (floats >= _ceil_float(low)) & (floats <= _floor_float(high)))
        values[valid] = floats[valid]
    else:
        valid = np.zeros(n, bool)
    return valid, values


def _field(column, spec: dict, n: int):
    """``(present, valid, values)`` of one field (or fact): the column's values, checked and encoded as
    :func:`frist.columnar.layout.encode` encodes what the per-person reader gives."""
    if column is None:
        present = np.zeros(n, bool)
    else:
        present = column.is_not_null().to_numpy()
    kind = spec["type"]
    missing = layout._missing(spec)
    if column is None or not present.any():
        return present, present.copy(), np.full(n, missing, dtype=layout._dtype(spec))
    dtype = column.dtype
    if kind == "date":
        valid, days = _days(column, n)
        return present, valid, days.astype(np.int32)
    if kind == "enum":
        values = np.full(n, -1, np.int16)
        valid = np.zeros(n, bool)
        if dtype == pl.String:
            order = {}
            for i, word in enumerate(spec["values"]):
                order.setdefault(word, i)
            codes = _lookup(column, lambda words: np.array([order.get(word, -2) for word in words.to_list()], np.int64), -1)
            valid = present & (codes >= 0)
            values[valid] = codes[valid]
        return present, valid, values
    if kind == "boolean":
        if dtype != pl.Boolean:
            return present, np.zeros(n, bool), np.full(n, -1, np.int16)
        return present, present, column.cast(pl.Int16).fill_null(-1).to_numpy().astype(np.int16)
    if kind in ("number", "integer"):
        valid, values = _number(column, spec, present)
        return present, valid, values
    values = np.empty(n, dtype=object)  # text
    if dtype != pl.String:
        return present, np.zeros(n, bool), values
    values[:] = column.to_list()
    return present, present, values


def _id_valid(column, present):
    """An event's `id`: a text, or a whole number of at most 18 digits."""
    if column.dtype == pl.String:
        return present
    if column.dtype.is_integer():
        whole = column.cast(pl.Int64, strict=False)
        ints = whole.fill_null(MAX_ID).to_numpy()
        return present & whole.is_not_null().to_numpy() & (np.abs(ints) < MAX_ID)
    return np.zeros(len(present), bool)


# ---------------------------------------------------------------------------- emitted persons

@dataclass
class _Run:
    """Consecutive persons of one segment that passed every bulk check: its groups ``groups``."""

    segment: _Segment
    groups: object  # int64 array, ascending

    def __len__(self) -> int:
        return len(self.groups)

    def split(self, count: int) -> tuple:
        return _Run(self.segment, self.groups[:count]), _Run(self.segment, self.groups[count:])


@dataclass
class _One:
    """A person read the per-person way: its timeline, or its error record."""

    person: object
    timeline: object = None
    record: dict | None = None

    def __len__(self) -> int:
        return 1


@dataclass
class _Open:
    """The last person of the rows read so far: the next segment may hold more of its rows.
    ``parts`` are ``(segment, start, stop)`` ranges of its rows, problem rows between them included."""

    pid: object
    line: int
    again: bool
    segment: _Segment
    group: int
    parts: list = field(default_factory=list)


class _Reader:
    """Turns segments into persons in input order, as :func:`frist.batch._event_rows` groups rows:
    a person's rows are contiguous; a bad row between two rows of one person makes that person an
    error, elsewhere it is an error record of its own; an id seen before is an error."""

    def __init__(self, path: str, vocabulary: dict):
        self.path, self.vocabulary = path, vocabulary
        self.plan = _Plan(vocabulary)
        self.seen = set()
        self.open = None
        self.pending = []  # (segment, start, stop): problem rows after the open person's last row

    # -- rows the per-person way

    def classified(self, number: int, row, problem) -> tuple:
        """``(number, row, problem)`` with the problem :func:`frist.batch._event_rows` finds in a row."""
        if problem is None:
            where = Span(self.path, number, 1)
            if not isinstance(row, dict):
                problem = Diagnostic("a row is a JSON object with `person_id` and `type`", where)
            else:
                problem = batch._valid_id(row.get(KEY), KEY, where)
        return number, row, problem

    def line_row(self, number: int, raw: bytes) -> tuple:
        """A JSON line read as :func:`frist.batch._jsonl_rows` reads it."""
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            return number, None, Diagnostic(f"line is not UTF-8 text (byte {exc.start + 1})",
                                            Span(self.path, number, exc.start + 1), hint="save the file as UTF-8")
        return self.classified(number, *batch._json_row(text, Path(self.path), number))

    def exact_person(self, person) -> _One:
        """A person's timeline or error record, as :func:`frist.batch.check_person` reads it."""
        if person.error is not None:
            return _One(person, record={"id": person.id, "status": "error", "error": person.error})
        try:
            return _One(person, load_timeline(batch._located(person, self.path), self.vocabulary))
        except FristError as exc:
            return _One(person, record={"id": person.id, "status": "error", "error": exc.format()})
        except Exception as exc:  # noqa: BLE001 - as check_person: a record, not a stopped run
            return _One(person, record={"id": person.id, "status": "error", "error":
                                        f"{self.path}:{person.line}:1: internal error: {type(exc).__name__}: {exc}"})

    def _grouped(self, pid, line: int, again: bool, parts: list) -> _One:
        group = batch._Group(self.path, pid, line, again)
        for segment, start, stop in parts:
            for number, row, problem in segment.rows(start, stop, self):
                if problem is None:
                    group.add(number, row)
                else:
                    group.problems.append(problem)
        return self.exact_person(group.finish())

    def _errors(self, ranges: list):
        for segment, start, stop in ranges:
            for number, _, problem in segment.rows(start, stop, self):
                yield self.exact_person(batch._error(None, number, [problem]))

    # -- persons in order

    def items(self, segments):
        for segment in segments:
            self.prepare(segment)
            yield from self._advance(segment)
            later = [start for part, start, _ in self.pending + (self.open.parts if self.open else []) if part is segment]
            segment.release(min(later, default=segment.n), self)  # a segment's frame is big: keep what may be read again
        yield from self._close()

    def _close(self):
        """The open person is complete; the problem rows after it are error records of their own."""
        if self.open is not None:
            yield self._finished(self.open)
            self.open = None
        yield from self._errors(self.pending)
        self.pending = []

    def _finished(self, person: _Open):
        if len(person.parts) == 1 and not person.again and person.segment.bulk[person.group]:
            return _Run(person.segment, np.array([person.group], np.int64))
        return self._grouped(person.pid, person.line, person.again, person.parts)

    def _advance(self, seg: _Segment):
        """The persons a segment completes, in order: runs of persons that passed the bulk checks, the others
        read the per-person way, error records of bad rows between persons.  Its first person may go on
        with the open person of the segment before; its last stays open, as the next may go on with it."""
        count = seg.groups
        if count == 0:
            if seg.n:
                self.pending.append((seg, 0, seg.n))
            return
        first, last = seg.first, seg.last
        begin = 0
        if self.open is not None and self.open.pid == seg.pids[0]:  # the open person goes on here
            self.open.parts += self.pending + [(seg, 0, int(last[0]) + 1)]
            self.pending = []
            begin = 1
        else:
            if first[0]:
                self.pending.append((seg, 0, int(first[0])))
            yield from self._close()
        again = self._again(seg.pids, begin)
        bulk = seg.bulk & ~again
        gaps = np.zeros(count, bool)
        gaps[1:] = first[1:] > last[:-1] + 1
        if begin == 1 and count > 1:
            yield from self._close()
        cursor = begin
        for g in begin + np.flatnonzero(~bulk[begin:count - 1] | gaps[begin:count - 1]):
            if cursor < g:
                yield _Run(seg, np.arange(cursor, g, dtype=np.int64))
            yield from self._group(seg, int(g), again[g], bulk[g], gaps[g])
            cursor = g + 1
        last_group = count - 1
        if cursor < last_group:
            yield _Run(seg, np.arange(cursor, last_group, dtype=np.int64))
        if last_group >= begin:
            if last_group >= 1 and gaps[last_group]:
                yield from self._errors([(seg, int(last[last_group - 1]) + 1, int(first[last_group]))])
            self.open = _Open(seg.pids[last_group], int(seg.lines[last_group]), bool(again[last_group]), seg,
                              last_group, [(seg, int(first[last_group]), int(last[last_group]) + 1)])
        if last[-1] + 1 < seg.n:
            self.pending.append((seg, int(last[-1]) + 1, seg.n))

    def _again(self, pids: list, begin: int):
        """Per group from ``begin`` on, whether its id was seen before (its rows are not contiguous)."""
        again = np.zeros(len(pids), bool)
        fresh = pids[begin:]
        if self.seen.isdisjoint(fresh) and len(set(fresh)) == len(fresh):  # the common case, in C
            self.seen.update(fresh)
            return again
        for g in range(begin, len(pids)):
            if pids[g] in self.seen:
                again[g] = True
            else:
                self.seen.add(pids[g])
        return again

    def _group(self, seg: _Segment, g: int, again: bool, bulk: bool, gap: bool):
        """Group ``g`` of a segment (not its first nor its last), after the problem rows before it."""
        if gap:
            yield from self._errors([(seg, int(seg.last[g - 1]) + 1, int(seg.first[g]))])
        if bulk:
            yield _Run(seg, np.array([g], np.int64))
        else:
            yield self._grouped(seg.pids[g], int(seg.lines[g]), bool(again),
                                [(seg, int(seg.first[g]), int(seg.last[g]) + 1)])

    # -- a segment's persons, checked in bulk

    def prepare(self, seg: _Segment) -> None:
        """Group the segment's rows by person, check them column by column, encode the persons."""
        with _collector_paused():
            self._prepare(seg)

    def _prepare(self, seg: _Segment) -> None:
        frame = seg.frame
        pids = frame[KEY] if KEY in frame.columns else None
        usable = pids is not None and (pids.dtype == pl.String or pids.dtype.is_integer())
        good = seg.plain & pids.is_not_null().to_numpy() if usable else np.zeros(seg.n, bool)
        for pos, (_, row, problem) in seg.known.items():
            good[pos] = problem is None
        where = np.flatnonzero(good)
        if not len(where):
            return
        keys = pids if usable and len(where) == seg.n else (pids.gather(where) if usable else None)
        breaks = self._breaks(seg, where, keys)
        starts = np.flatnonzero(breaks)
        group_of = np.cumsum(breaks, dtype=np.int32) - 1
        seg.groups = count = len(starts)
        seg.first = where[starts]
        seg.last = where[np.append(starts[1:] - 1, len(where) - 1)]
        seg.lines = seg.numbers[seg.first]
        seg.pids = keys.gather(starts).to_list() if keys is not None else [None] * count
        for k in np.flatnonzero(~seg.plain[seg.first]):
            seg.pids[k] = seg.known[int(seg.first[k])][1][KEY]
        if len(where) == seg.n:  # every row has a person_id: the common case, without gathers
            row_group = group_of
        else:
            row_group = np.full(seg.n, -1, np.int32)
            row_group[where] = group_of
        spoilt = np.zeros(count, bool)  # a group with a row the bulk checks cannot vouch for
        if seg.known:
            spoilt[row_group[~seg.plain & (row_group >= 0)]] = True
        outside = np.flatnonzero(~good) if len(where) < seg.n else ()
        if len(outside):  # problem rows between two rows of one person
            g = np.searchsorted(seg.first, outside, side="right") - 1
            inside = (g >= 0) & (outside < seg.last[np.maximum(g, 0)])
            spoilt[g[inside]] = True
        self._check(seg, frame, row_group, where, starts, group_of, spoilt)

    def _breaks(self, seg: _Segment, where, keys):
        """Per good row, whether its person_id differs from the good row before (a new group)."""
        if keys is not None:
            breaks = (keys != keys.shift(1)).fill_null(True).to_numpy().copy()
        else:
            breaks = np.ones(len(where), bool)
        odd = np.flatnonzero(~seg.plain[where]) if seg.known else ()
        if not len(odd):
            return breaks

        def pid(k):
            pos = int(where[k])
            return seg.known[pos][1][KEY] if pos in seg.known else keys[k]

        for k in sorted(set(odd.tolist()) | {k + 1 for k in odd.tolist() if k + 1 < len(where)}):
            breaks[k] = k == 0 or pid(k) != pid(k - 1)
        return breaks

    def _check(self, seg, frame, row_group, where, starts, group_of, spoilt) -> None:
        plan = self.plan
        if TYPE in frame.columns and frame[TYPE].dtype == pl.String:
            codes = frame[TYPE].cast(pl.Enum(plan.names), strict=False).to_physical()
        else:
            codes = pl.Series(CODE, [None] * seg.n, dtype=pl.UInt32)
        code = codes.fill_null(plan.none).to_numpy()
        unknown = code == plan.none
        if unknown.any():  # a row of no known type
            spoilt[row_group[unknown & (row_group >= 0)]] = True
        every = len(where) == seg.n
        event = code != 0 if every else code[where] != 0
        done = np.cumsum(event, dtype=np.int32)
        index = done - 1 - (done[starts] - event[starts])[group_of]  # an event's place among its person's events
        if not every:
            placed = np.zeros(seg.n, np.int32)
            placed[where] = index
            index = placed
        work = frame.with_columns(pl.Series(ROW, np.arange(seg.n, dtype=np.uint32)), codes.alias(CODE))
        counted = {}
        persons = np.zeros(seg.groups, np.int64)
        for kind_code in np.flatnonzero(np.bincount(code, minlength=plan.none + 1)[:plan.none]):
            kind = plan.kinds[kind_code]
            columns = [c for c in frame.columns if c in kind.allowed and c not in (KEY, TYPE)]
            sub = work.lazy().filter(pl.col(CODE) == int(kind_code)).select([ROW, *columns]).collect()
            for c in columns:
                counted[c] = counted.get(c, 0) + sub.height - sub[c].null_count()
            rows = sub[ROW].to_numpy()
            groups = row_group[rows]
            ok, days, fields = self._kind(kind, sub)
            member = groups >= 0
            if not member.all():  # rows that are error records of their own
                rows, groups, ok = rows[member], groups[member], ok[member]
                days = tuple(day[member] for day in days)
                fields = {name: values[member] for name, values in fields.items()}
            spoilt[groups[~ok]] = True
            if kind.person:
                persons = np.bincount(groups, minlength=seg.groups)
                for name, values in fields.items():
                    seg.facts[name] = np.empty(seg.groups, dtype=values.dtype)
                    seg.facts[name][groups] = values
            else:
                seg.events[kind.name] = _sorted(groups, [*days, index[rows], *fields.values()])
        for c in frame.columns:  # a value in a column its row's kind has no place for
            if c in (KEY, TYPE) or frame.height - frame[c].null_count() == counted.get(c, 0):
                continue
            stray = work.select(pl.col(c).is_not_null() & ~pl.col(CODE).is_in(plan.allowing(c))).to_series()
            rows = row_group[stray.fill_null(False).to_numpy()]
            spoilt[rows[rows >= 0]] = True
        seg.bulk = ~spoilt & (persons == 1)

    def _kind(self, kind: _Kind, sub) -> tuple:
        """``(ok, days, fields)`` for the rows of one kind: whether each passes every check
        :func:`frist.runtime.timeline.build_timeline` makes; an event's first and last day; and the
        fields (facts) as the columns hold them, in the vocabulary's order."""
        n = sub.height
        ok = np.ones(n, bool)
        days = ()
        if not kind.person:
            found = {}
            for key in kind.dates:
                valid, found[key] = _days(sub[key] if key in sub.columns else None, n)
                ok &= valid
            if len(kind.dates) == 2:
                ok &= found["end"] >= found["start"]
            days = (found[kind.dates[0]].astype(np.int32), found[kind.dates[-1]].astype(np.int32))
            if "id" in sub.columns:
                present = sub["id"].is_not_null().to_numpy()
                ok &= ~present | _id_valid(sub["id"], present)
        fields = {}
        for name, spec in kind.fields.items():
            column = sub[name] if name in kind.readable and name in sub.columns else None
            present, valid, values = _field(column, spec, n)
            ok &= valid | ~present
            if not present.all():
                if "default" in spec:
                    values[~present] = layout.encode(spec["default"], spec)
                elif spec.get("required", True):
                    ok &= present
            fields[name] = values
        return ok, days, fields

    # -- chunks

    def chunk(self, items: list) -> Chunk:
        """The chunk of these items: persons, their population, rows and error records.  It makes an object
        or two per person and no reference cycles: the cycle collector, walking every object again and
        again meanwhile, would take longer than the rest (as in :func:`frist.report.check`)."""
        with _collector_paused():
            return self._chunk(items)

    def _chunk(self, items: list) -> Chunk:
        persons, rows, errors, ids = [], [], [], []
        runs, timelines, timeline_rows = [], [], []
        valid = 0
        for item in items:
            if isinstance(item, _Run):
                seg, groups = item.segment, item.groups
                chosen = [seg.pids[g] for g in groups.tolist()]
                persons += map(batch.Person, chosen, seg.lines[groups].tolist())
                rows.append(np.arange(valid, valid + len(groups), dtype=np.int64))
                runs.append((seg, groups, rows[-1]))
                ids += chosen
                valid += len(groups)
            else:
                persons.append(item.person)
                if item.timeline is None:
                    rows.append(np.array([-1], np.int64))
                    errors.append(item.record)
                else:
                    rows.append(np.array([valid], np.int64))
                    ids.append(item.person.id)
                    timelines.append(item.timeline)
                    timeline_rows.append(valid)
                    valid += 1
        exact = layout.from_timelines(timelines, self.vocabulary) if timelines else None
        population = layout.Population(ids, self._facts(valid, runs, exact, timeline_rows),
                                       self._events(valid, runs, exact, timeline_rows), self.vocabulary)
        return Chunk(persons, population, np.concatenate(rows) if rows else np.empty(0, np.int64), errors)

    def _facts(self, n: int, runs: list, exact, at: list) -> dict:
        facts = {}
        for name, spec in self.vocabulary["person"].items():
            values = np.empty(n, dtype=layout._dtype(spec))
            for seg, groups, rows in runs:
                values[rows] = seg.facts[name][groups]
            if exact is not None:
                values[at] = exact.facts[name]
            facts[name] = values
        return facts

    def _events(self, n: int, runs: list, exact, at: list) -> dict:
        events = {}
        for etype, spec in self.vocabulary["events"].items():
            names = list(spec.get("fields", {}))
            pieces = [piece for seg, groups, rows in runs if (piece := _piece(seg.events.get(etype), groups, rows))]
            if exact is not None and etype in exact.events:
                column = exact.events[etype]
                owner = np.repeat(np.asarray(at, np.int64), np.diff(column.offsets))
                pieces.append((owner, [column.date, column.end, column.index, *(column.fields[f] for f in names)]))
            if not pieces:
                continue
            owner = np.concatenate([piece[0] for piece in pieces])
            arrays = [np.concatenate([piece[1][i] for piece in pieces]) for i in range(3 + len(names))]
            if len(pieces) > 1 and np.any(owner[1:] < owner[:-1]):  # persons read the per-person way among them
                order = np.argsort(owner, kind="stable")
                owner, arrays = owner[order], [values[order] for values in arrays]
            offsets = np.zeros(n + 1, np.int64)
            np.cumsum(np.bincount(owner, minlength=n), out=offsets[1:])
            events[etype] = layout.EventColumns(offsets, arrays[0].astype(np.int32), arrays[1].astype(np.int32),
                                                arrays[2].astype(np.int32), dict(zip(names, arrays[3:])))
        return events


def _sorted(groups, arrays: list) -> tuple:
    """A segment's events of one type as the columns keep them, ``(groups, [date, end, index, *fields])``:
    by person, then date, then place in the file."""
    date, index = arrays[0], arrays[2]
    if len(groups) > 1 and np.any((groups[1:] == groups[:-1]) & (date[1:] < date[:-1])):
        order = np.lexsort((index, date, groups))
        groups, arrays = groups[order], [values[order] for values in arrays]
    return groups, arrays


def _piece(stored: tuple | None, groups, rows):
    """``(population rows, arrays)`` of these groups' events in a segment's events of one type."""
    if stored is None:
        return None
    owner, arrays = stored
    low, high = np.searchsorted(owner, [groups[0], groups[-1] + 1])
    if low == high:
        return None
    where = np.full(int(groups[-1] - groups[0]) + 1, -1, np.int64)
    where[groups - groups[0]] = rows
    mapped = where[owner[low:high] - groups[0]]
    keep = mapped >= 0
    return mapped[keep], [values[low:high][keep] for values in arrays]
