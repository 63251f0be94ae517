"""Reading an event-a-row input into columns in bulk gives what the per-person path gives.

The reference is the per-person path: :func:`frist.batch.read_persons`, then
:func:`frist.report.load_timeline` and :func:`frist.columnar.layout.from_timelines` for the valid
persons, and :func:`frist.batch.check_person` for the error records of the others.  Every test
compares :func:`frist.columnar.read.read_chunks` with it, chunk by chunk, array by array, on JSON
Lines and on Parquet: realistic caseloads (``benchmarks/population.py``), generated timelines of
every event type (:mod:`frist.generate`, :mod:`frist.testing`), and inputs with one bad thing each.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import random
import tempfile
from pathlib import Path

import pytest

pytest.importorskip("polars")
pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")
np = pytest.importorskip("numpy")
layout = pytest.importorskip("frist.columnar.layout")
read = pytest.importorskip("frist.columnar.read")

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from conftest import ROOT  # noqa: E402
from frist import batch  # noqa: E402
from frist.errors import FristError  # noqa: E402
from frist.generate import Chooser, timeline_document  # noqa: E402
from frist.report import load_timeline  # noqa: E402
from frist.testing import timelines  # noqa: E402

AS_OF = dt.date(2025, 12, 31)
_spec = importlib.util.spec_from_file_location("benchmark_population", ROOT / "benchmarks" / "population.py")
population = importlib.util.module_from_spec(_spec)  # the benchmarks' caseloads (not an installed package)
_spec.loader.exec_module(population)
PERSON = {"birth_date": "1985-06-15", "benefit": "dagpenge", "insurance": "fulltime", "akasse": "FAK"}


@pytest.fixture(scope="module")
def vocabulary(module):
    return module.BOOK["vocabulary"]


# ---------------------------------------------------------------------------- inputs

def event_rows(documents: dict) -> list:
    """A person row, then an event row per event, for each ``id -> document``."""
    rows = []
    for pid, document in documents.items():
        rows.append({"person_id": pid, "type": "person", **document["person"]})
        rows += [{"person_id": pid, **event} for event in document["events"]]
    return rows


def write_jsonl(path: Path, rows: list, lines=None) -> Path:
    text = [json.dumps(row) for row in rows] if lines is None else lines
    path.write_text("\n".join(text) + "\n", encoding="utf-8")
    return path


def write_parquet(path: Path, rows: list, row_group_size: int | None = None, types: dict | None = None) -> Path:
    """One column per key; a column mixing whole numbers and fractions holds floats."""
    columns = list(dict.fromkeys(key for row in rows for key in row))
    data = {c: [row.get(c) for row in rows] for c in columns}
    for c, values in data.items():
        if any(isinstance(v, float) for v in values):
            data[c] = [float(v) if isinstance(v, int) and not isinstance(v, bool) else v for v in values]
    schema = pa.schema([(c, (types or {}).get(c) or pa.array(data[c]).type) for c in columns])
    pq.write_table(pa.table(data, schema=schema), path, row_group_size=row_group_size)
    return path


def population_documents(count: int, events: int, seed: int = 3) -> dict:
    return {(record := population.timeline(seed, i, events))["id"]: population.document(record) for i in range(count)}


def generated_documents(vocabulary, count: int, seed: str = "read") -> dict:
    return {f"g{i:03d}": timeline_document(Chooser(random.Random(f"{seed}/{i}")), vocabulary, max_events=30)
            for i in range(count)}


# ---------------------------------------------------------------------------- the reference and the comparison

def per_person(module, path: Path, size: int, max_row_bytes: int, vocabulary: dict | None = None) -> list:
    """``(persons, population, rows, errors)`` per chunk, the per-person way (with another vocabulary than
    the rule book's, the error record is made as :func:`frist.batch.check_person` makes it)."""
    own = vocabulary is None
    vocabulary = module.BOOK["vocabulary"] if own else vocabulary
    chunks = []
    for part in batch.partitions(batch.read_persons(path, max_row_bytes), size):
        valid, ids, rows, errors = [], [], [], []
        for person in part:
            try:
                if person.error is not None:
                    raise FristError([])
                timeline = load_timeline(batch._located(person, str(path)), vocabulary)
            except FristError as exc:
                record = batch.check_person(module, person, str(path), AS_OF, "violations") if own else \
                    {"id": person.id, "status": "error", "error": person.error or exc.format()}
                assert record["status"] == "error"
                errors.append(record)
                rows.append(-1)
                continue
            rows.append(len(valid))
            valid.append(timeline)
            ids.append(person.id)
        chunks.append((part, layout.from_timelines(valid, vocabulary, ids), np.array(rows, np.int64), errors))
    return chunks


def assert_same_array(got, want, what) -> None:
    assert got.dtype == want.dtype, (what, got.dtype, want.dtype)
    assert got.shape == want.shape, (what, got.shape, want.shape)
    if want.dtype.kind == "f":
        assert np.array_equal(got, want, equal_nan=True), what
    else:
        assert np.array_equal(got, want), what


def assert_same_population(got, want) -> None:
    assert got.ids == want.ids
    assert list(got.facts) == list(want.facts)
    for name in want.facts:
        assert_same_array(got.facts[name], want.facts[name], ("fact", name))
    assert list(got.events) == list(want.events)
    for etype, column in want.events.items():
        mine = got.events[etype]
        for name in ("offsets", "date", "end", "index"):
            assert_same_array(getattr(mine, name), getattr(column, name), (etype, name))
        assert list(mine.fields) == list(column.fields)
        for name in column.fields:
            assert_same_array(mine.fields[name], column.fields[name], (etype, name))


def compare(module, path: Path, size: int = 7, max_row_bytes: int = batch.MAX_ROW_BYTES, vocabulary=None) -> list:
    """The bulk chunks equal the per-person ones; returns the error records, for the test to look at."""
    want = per_person(module, path, size, max_row_bytes, vocabulary)
    got = list(read.read_chunks(path, vocabulary or module.BOOK["vocabulary"], size=size, max_row_bytes=max_row_bytes))
    assert len(got) == len(want)
    records = []
    for chunk, (persons, population_, rows, errors) in zip(got, want):
        assert [(p.id, p.line, p.error) for p in chunk.persons] == [(p.id, p.line, p.error) for p in persons]
        assert_same_array(chunk.rows, rows, "rows")
        assert chunk.errors == errors
        assert_same_population(chunk.population, population_)
        assert len(chunk.persons) == chunk.population.n + len(chunk.errors)
        records += errors
    return records


def both_formats(module, tmp_path: Path, rows: list, **options) -> list:
    """Compare on the rows as JSON Lines and as Parquet; the error records (the same for both)."""
    records = compare(module, write_jsonl(tmp_path / "in.jsonl", rows), **options)
    compare(module, write_parquet(tmp_path / "in.parquet", rows, row_group_size=11), **options)
    return records


# ---------------------------------------------------------------------------- differential tests on valid inputs

@pytest.mark.parametrize("size", [1, 13, 1000])
def test_a_caseload_reads_as_the_per_person_path_reads_it(module, tmp_path, size):
    documents = population_documents(40, 50) | population_documents(25, 9, seed=4)
    rows = event_rows(documents)
    assert not compare(module, write_jsonl(tmp_path / "in.jsonl", rows), size=size)
    assert not compare(module, write_parquet(tmp_path / "in.parquet", rows, row_group_size=97), size=size)


def test_only_the_persons_that_need_it_are_read_the_per_person_way(module, tmp_path, monkeypatch):
    """The bulk path reads a clean input alone, and hands a bad person, and only it, to the per-person path."""
    taken = []
    exact_person = read._Reader.exact_person
    monkeypatch.setattr(read._Reader, "exact_person", lambda self, person: taken.append(person.id) or
                        exact_person(self, person))
    clean = event_rows(population_documents(30, 20))
    for path in (write_jsonl(tmp_path / "in.jsonl", clean), write_parquet(tmp_path / "in.parquet", clean)):
        assert not compare(module, path, size=8) and taken == []
    rows = spoilt(lambda rows: rows[4].update(mode="telepathy"))
    for path in (write_jsonl(tmp_path / "in.jsonl", rows), write_parquet(tmp_path / "in.parquet", rows)):
        compare(module, path)
        assert taken == ["p2"]
        taken.clear()


def test_generated_timelines_of_every_event_type(module, vocabulary, tmp_path):
    documents = generated_documents(vocabulary, 60)
    rows = event_rows(documents)
    assert len({row["type"] for row in rows}) > 20
    assert not both_formats(module, tmp_path, rows, size=9)


def test_persons_across_row_groups_segments_and_blocks(module, vocabulary, tmp_path, monkeypatch):
    """Small Parquet segments and JSON blocks: persons split between them are read whole."""
    monkeypatch.setattr(read, "SEGMENT_ROWS", 50)
    monkeypatch.setattr(read, "JSONL_BLOCK_BYTES", 1500)
    rows = event_rows(generated_documents(vocabulary, 25, seed="split"))
    assert not compare(module, write_jsonl(tmp_path / "in.jsonl", rows), size=4)
    for group in (1, 7, 64):
        assert not compare(module, write_parquet(tmp_path / f"in-{group}.parquet", rows, row_group_size=group), size=4)


def test_hypothesis_timelines(module):
    """Timelines drawn by :func:`frist.testing.timelines`, a handful of persons at a time."""
    @settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.lists(timelines(module, max_events=15), min_size=1, max_size=4))
    def check(documents):
        rows = event_rows({f"h{i}": d for i, d in enumerate(documents)})
        with tempfile.TemporaryDirectory() as folder:
            assert not both_formats(module, Path(folder), rows, size=3)

    check()


# ---------------------------------------------------------------------------- bad inputs, each against the per-person path

def good_persons(count: int = 4) -> dict:
    events = [{"type": "unemployed", "date": "2024-03-01"}, {"type": "registered", "date": "2024-03-01"},
              {"type": "cv_created", "date": "2024-03-04", "job_goals": 3},
              {"type": "meeting", "date": "2024-03-12", "held_by": "akasse", "kind": "job", "mode": "phone"},
              {"type": "application", "date": "2024-03-13", "fulltime": False},
              {"type": "wage_work", "date": "2024-03-15", "hours": 7.5},
              {"type": "sick", "start": "2024-03-20", "end": "2024-03-22", "reported_on": "2024-03-20"}]
    return {f"p{i}": {"person": dict(PERSON), "events": [dict(e) for e in events]} for i in range(count)}


def spoilt(change) -> list:
    """The rows of four good persons, the third changed by ``change(rows of p2)``."""
    documents = good_persons()
    rows = event_rows(documents)
    mine = [row for row in rows if row["person_id"] == "p2"]
    change(mine)
    return rows


def only_p2_fails(records: list, *words) -> None:
    assert [r["id"] for r in records] == ["p2"], records
    for word in words:
        assert word in records[0]["error"], records[0]["error"]


def test_good_persons_are_good(module, tmp_path):
    assert not both_formats(module, tmp_path, event_rows(good_persons()))


def test_an_unknown_event_type(module, tmp_path):
    only_p2_fails(both_formats(module, tmp_path, spoilt(lambda rows: rows[3].update(type="meting"))),
                  "unknown event type `meting`")


def test_a_derived_event_type(module, tmp_path):
    only_p2_fails(both_formats(module, tmp_path, spoilt(lambda rows: rows[3].update(type="quarantine"))),
                  "computed by the rules")


def test_an_unknown_field(module, tmp_path):
    only_p2_fails(both_formats(module, tmp_path, spoilt(lambda rows: rows[2].update(colour="red"))),
                  "unknown field `colour`")


def test_a_field_of_another_type_and_a_fact_on_an_event(module, tmp_path):
    def change(rows):
        rows[2]["held_by"] = "akasse"  # a meeting's field on `registered`
        rows[3]["akasse"] = "FAK"  # a person fact on an event
    only_p2_fails(both_formats(module, tmp_path, spoilt(change)), "unknown field `held_by`", "unknown field `akasse`")


def test_an_event_key_on_the_person_row_and_a_date_a_point_event_has_not(module, tmp_path):
    def change(rows):
        rows[0]["date"] = "2024-03-01"
        rows[2]["end"] = "2024-03-02"
    only_p2_fails(both_formats(module, tmp_path, spoilt(change)), "unknown field `date`", "has no `end`")


def test_a_bad_enum_value(module, tmp_path):
    only_p2_fails(both_formats(module, tmp_path, spoilt(lambda rows: rows[4].update(mode="telepathy"))),
                  "`telepathy` is not one of")


def test_a_bad_fact(module, tmp_path):
    only_p2_fails(both_formats(module, tmp_path, spoilt(lambda rows: rows[0].update(akasse="FOO"))), "`FOO`")


def test_an_enum_value_of_another_event_type(module, tmp_path):
    """`kind` is an enum of meetings and of offers, with other values."""
    only_p2_fails(both_formats(module, tmp_path, spoilt(lambda rows: rows[4].update(kind="internship"))),
                  "`internship` is not one of")


@pytest.mark.parametrize("day", ["2024-02-30", "2024-3-01", "01-03-2024", "2024-03-01T00:00", "+2024-03-01",
                                 "2024- 3-01", "２０２４-03-01", "yesterday"])
def test_an_unparseable_date(module, tmp_path, day):
    only_p2_fails(both_formats(module, tmp_path, spoilt(lambda rows: rows[5].update(date=day))))


@pytest.mark.parametrize("day", ["1899-12-31", "2200-01-01", "0001-01-01"])
def test_a_date_out_of_range(module, tmp_path, day):
    only_p2_fails(both_formats(module, tmp_path, spoilt(lambda rows: rows[0].update(birth_date=day))),
                  "outside the dates frist reads")


def test_an_iso_week_date_is_a_date_to_python(module, tmp_path):
    """`2024-W10-5` has ten characters and Python reads it as 8 March 2024: so does the bulk reader."""
    assert not both_formats(module, tmp_path, spoilt(lambda rows: rows[5].update(date="2024-W10-5")))


def test_a_period_ending_before_it_starts(module, tmp_path):
    only_p2_fails(both_formats(module, tmp_path, spoilt(lambda rows: rows[7].update(end="2024-03-19"))),
                  "before it starts")


def test_a_one_day_period(module, tmp_path):
    assert not both_formats(module, tmp_path, spoilt(lambda rows: rows[7].update(end="2024-03-20")))


@pytest.mark.parametrize("key", ["held_by", "date", "start"])
def test_a_missing_required_field(module, tmp_path, key):
    row = 4 if key == "held_by" else 5 if key == "date" else 7
    only_p2_fails(both_formats(module, tmp_path, spoilt(lambda rows: rows[row].pop(key))), "missing")


def test_a_missing_required_fact_and_a_missing_person_row(module, tmp_path):
    only_p2_fails(both_formats(module, tmp_path, spoilt(lambda rows: rows[0].pop("benefit"))), "missing field `benefit`")

    def no_person(rows):
        rows[0].clear()
        rows[0].update(person_id="p2", type="unemployed", date="2024-02-01")
    only_p2_fails(both_formats(module, tmp_path, spoilt(no_person)), "`person` must be a mapping")


def test_a_second_person_row(module, tmp_path):
    only_p2_fails(both_formats(module, tmp_path, spoilt(lambda rows: rows[3].update(type="person"))),
                  "a second `person` row")


def test_defaults_and_optional_fields(module, tmp_path):
    def change(rows):
        rows[0].pop("insurance")  # a fact with a default
        rows[4].pop("mode")  # a field with a default
        rows[7].pop("reported_on")  # an optional field
    assert not both_formats(module, tmp_path, spoilt(change))


def test_text_where_a_number_goes(module, tmp_path):
    rows = spoilt(lambda rows: rows[6].update(hours="7.5"))
    only_p2_fails(compare(module, write_jsonl(tmp_path / "in.jsonl", rows)), "expected a number")
    for row in rows:  # Parquet: a column holds one type
        if "hours" in row:
            row["hours"] = str(row["hours"])
    records = compare(module, write_parquet(tmp_path / "in.parquet", rows))
    assert len(records) == 4 and all("expected a number" in r["error"] for r in records)


def test_a_bool_where_a_number_goes(module, tmp_path):
    rows = spoilt(lambda rows: rows[6].update(hours=True))
    only_p2_fails(compare(module, write_jsonl(tmp_path / "in.jsonl", rows)), "expected a number, got `True`")
    only_p2_fails(compare(module, write_parquet(tmp_path / "in.parquet", [r for r in rows if "hours" not in r or
                                                                          r["person_id"] == "p2"])),
                  "expected a number")


def test_a_fraction_where_a_whole_number_goes_and_numbers_out_of_bounds(module, tmp_path):
    only_p2_fails(both_formats(module, tmp_path, spoilt(lambda rows: rows[3].update(job_goals=2.5))),
                  "expected a whole number")
    only_p2_fails(both_formats(module, tmp_path, spoilt(lambda rows: rows[6].update(hours=745.0))),
                  "more than the largest")
    only_p2_fails(both_formats(module, tmp_path, spoilt(lambda rows: rows[6].update(hours=-1.0))), "negative")
    only_p2_fails(compare(module, write_jsonl(tmp_path / "in.jsonl", spoilt(
        lambda rows: rows[3].update(job_goals=10 ** 30)))), "more than the largest")


def test_whole_numbers_and_fractions_in_one_json_column(module, tmp_path):
    """Polars reads [3, 2.5] as floats; the integer field stays exact, the number field is the same."""
    def change(rows):
        rows[3]["job_goals"] = 4
        rows[6]["hours"] = 8
    assert not compare(module, write_jsonl(tmp_path / "in.jsonl", spoilt(change)))
    only_p2_fails(compare(module, write_jsonl(tmp_path / "in.jsonl", spoilt(
        lambda rows: rows[3].update(job_goals=4.0)))), "expected a whole number")


def test_a_number_where_text_goes(module, tmp_path):
    """Polars reads [\"akasse\", 3] as texts \"akasse\" and \"3\"; Python does not."""
    only_p2_fails(compare(module, write_jsonl(tmp_path / "in.jsonl", spoilt(lambda rows: rows[4].update(held_by=3)))),
                  "`3` is not one of")
    only_p2_fails(compare(module, write_jsonl(tmp_path / "in.jsonl", spoilt(lambda rows: rows[5].update(date=20240313)))),
                  "expected a date")


def test_a_null_value(module, tmp_path):
    """An explicit null is a value to Python (and an error), an absent value to Polars."""
    only_p2_fails(compare(module, write_jsonl(tmp_path / "in.jsonl", spoilt(lambda rows: rows[4].update(mode=None)))),
                  "`None` is not one of")


def test_an_event_id(module, tmp_path):
    assert not both_formats(module, tmp_path, spoilt(lambda rows: rows[4].update(id="m1")))
    assert not both_formats(module, tmp_path, spoilt(lambda rows: [row.update(id=i) for i, row in enumerate(rows[1:])]))
    only_p2_fails(both_formats(module, tmp_path, spoilt(lambda rows: rows[0].update(id="x"))), "unknown field `id`")
    only_p2_fails(compare(module, write_jsonl(tmp_path / "in.jsonl", spoilt(
        lambda rows: rows[4].update(id=10 ** 18)))), "`id` must be")
    only_p2_fails(compare(module, write_jsonl(tmp_path / "in.jsonl", spoilt(lambda rows: rows[4].update(id=1.5)))),
                  "`id` must be")


def test_a_missing_person_id(module, tmp_path):
    rows = spoilt(lambda rows: rows[3].pop("person_id"))  # within p2's rows: p2 is an error
    records = both_formats(module, tmp_path, rows)
    assert [r["id"] for r in records] == ["p2"] and "missing `person_id`" in records[0]["error"]
    rows = event_rows(good_persons())
    rows.insert(16, {"type": "registered", "date": "2024-01-01"})  # between p1 and p2: an error record of its own
    records = both_formats(module, tmp_path, rows)
    assert [r["id"] for r in records] == [None] and "missing `person_id`" in records[0]["error"]


def test_person_ids_that_are_numbers(module, tmp_path):
    rows = event_rows(good_persons())
    for row in rows:
        row["person_id"] = int(row["person_id"][1:])
    assert not both_formats(module, tmp_path, rows)
    rows[3]["person_id"] = "0"  # the text "0" is not the number 0: it parts 0's rows, and 0 comes back
    records = compare(module, write_jsonl(tmp_path / "in.jsonl", rows))
    assert [r["id"] for r in records] == ["0", 0] and "appears again" in records[1]["error"]
    rows[3]["person_id"] = 0.0
    records = compare(module, write_jsonl(tmp_path / "in.jsonl", rows))
    assert records and "must be a text or a whole number" in records[0]["error"]


def test_persons_whose_rows_are_not_contiguous(module, tmp_path):
    rows = event_rows(good_persons())
    rows.insert(5, rows.pop(20))  # a row of p2 among p0's: p0 comes back after it, and p2 after p1
    records = both_formats(module, tmp_path, rows)
    assert [r["id"] for r in records] == ["p2", "p0", "p2"] and "appears again" in records[2]["error"]


def test_persons_who_come_back_across_segments(module, vocabulary, tmp_path, monkeypatch):
    monkeypatch.setattr(read, "SEGMENT_ROWS", 30)
    monkeypatch.setattr(read, "JSONL_BLOCK_BYTES", 700)
    documents = generated_documents(vocabulary, 12, seed="again")
    rows = event_rows(documents)
    rows += [row for row in event_rows({"g001": documents["g001"]})]
    records = compare(module, write_jsonl(tmp_path / "in.jsonl", rows), size=5)
    assert any("appears again" in r["error"] for r in records)
    compare(module, write_parquet(tmp_path / "in.parquet", rows, row_group_size=13), size=5)


def test_fields_named_like_keys_texts_and_bounds(module, vocabulary, tmp_path):
    """A vocabulary with fields named like the reserved keys and the columns' own arrays, a text field, a
    field with a minimum and a fact no row can give."""
    vocabulary = {**vocabulary, "person": {**vocabulary["person"], "type": {"type": "text", "required": False}},
                  "events": {**vocabulary["events"], "odd": {"kind": "period", "fields": {
                      "end": {"type": "date", "required": False},
                      "index": {"type": "integer", "default": 1, "max": 10},
                      "group": {"type": "text", "required": False},
                      "note": {"type": "text"},
                      "share": {"type": "number", "min": 0.5, "max": 2}}}}}
    documents = good_persons(6)
    odd = {"type": "odd", "start": "2024-04-01", "end": "2024-04-03", "note": "x", "share": 1.0}
    changes = [{}, {"index": 3, "group": "a"}, {"note": "\u00e5 og \u00f8"}, {"share": 0.25}, {"share": 2.0}, {"share": 2.5}]
    for document, change in zip(documents.values(), changes):
        document["events"].append({**odd, **change})
    rows = event_rows(documents)
    for path in (write_jsonl(tmp_path / "in.jsonl", rows), write_parquet(tmp_path / "in.parquet", rows)):
        records = compare(module, path, size=4, vocabulary=vocabulary)
        assert [r["id"] for r in records] == ["p3", "p5"]
    rows[-1].pop("note")
    records = compare(module, write_jsonl(tmp_path / "in.jsonl", rows), vocabulary=vocabulary)
    assert "missing field `note`" in records[-1]["error"]


# ---------------------------------------------------------------------------- bad lines

def good_lines() -> list:
    return [json.dumps(row) for row in event_rows(good_persons())]


def test_a_malformed_json_line(module, tmp_path):
    lines = good_lines()
    lines[19] = lines[19][:-3]  # within p2
    lines.insert(4, '{"person_id": "p0", "type": "registered", "date": "2024-03-01",}')  # within p0
    lines.insert(9, "[1, 2]")  # between p0 and p1: an error record of its own
    lines.insert(10, "NaN")
    records = compare(module, write_jsonl(tmp_path / "in.jsonl", [], lines), size=3)
    assert [r["id"] for r in records] == ["p0", None, None, "p2"]
    assert "malformed JSON" in records[0]["error"] and "a row is a JSON object" in records[1]["error"]


def test_many_malformed_lines_in_a_block(module, tmp_path):
    lines = [line if i % 5 else line[:-1] for i, line in enumerate(good_lines() * 1)]
    compare(module, write_jsonl(tmp_path / "in.jsonl", [], lines), size=2)


def test_an_over_long_line(module, tmp_path, monkeypatch):
    lines = good_lines()
    lines[20] = lines[20][:-1] + ', "note": "' + "x" * 3000 + '"}'  # within p2
    lines.insert(4, "y" * 5000)  # within p0, longer than a block
    lines.insert(9, " " * 400)  # between p0 and p1, blank but over-long
    monkeypatch.setattr(read, "JSONL_BLOCK_BYTES", 1000)
    for limit in (200, 2000, batch.MAX_ROW_BYTES):
        compare(module, write_jsonl(tmp_path / "in.jsonl", [], lines), size=3, max_row_bytes=limit)
    records = compare(module, write_jsonl(tmp_path / "in.jsonl", [], lines), max_row_bytes=200)
    assert [r["id"] for r in records] == ["p0", None, "p2"]
    assert "over the limit of 200 bytes" in records[1]["error"]


def test_a_last_line_without_newline_and_over_long(module, tmp_path, monkeypatch):
    monkeypatch.setattr(read, "JSONL_BLOCK_BYTES", 64)
    path = tmp_path / "in.jsonl"
    path.write_bytes("\n".join(good_lines()).encode() + b"\n" + b"z" * 500)
    compare(module, path, max_row_bytes=300)
    path.write_bytes("\n".join(good_lines()).encode())
    assert not compare(module, path, max_row_bytes=300)


def test_blank_lines_crlf_escapes_and_text_beyond_ascii(module, tmp_path):
    lines = good_lines()
    lines[3] = lines[3] + "\r"
    lines.insert(5, "")
    lines.insert(6, " \t ")
    lines.insert(7, "\x0c")
    lines[10] = lines[10].replace('"registered"', '"regi\\u0073tered"')
    lines[12] = lines[12].replace('"person_id": "p0"', '"person_id": "p\\u0030"')
    lines[18] = lines[18].replace('"p1"', '"p1", "note": "\\u00e5"')
    lines[22] = '  ' + lines[22]
    records = compare(module, write_jsonl(tmp_path / "in.jsonl", [], lines), size=2)
    assert [r["id"] for r in records] == ["p1"]


def test_a_line_that_is_not_utf8_and_a_byte_order_mark(module, tmp_path):
    lines = [line.encode() for line in good_lines()]
    lines[9] = lines[9].replace(b"2024", b"\xff2024", 1)
    lines[0] = b"\xef\xbb\xbf" + lines[0]
    path = tmp_path / "in.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    records = compare(module, path, size=3)
    assert "not UTF-8" in " ".join(r["error"] for r in records)


def test_duplicate_keys_take_the_last(module, tmp_path):
    """Python keeps the last of two equal keys, Polars the first."""
    lines = good_lines()
    lines[19] = lines[19][:-1] + ', "date": "2024-13-01"}'  # p2: the last date is bad
    lines[3] = lines[3].replace('"date": "2024-03-04"', '"date": "2024-13-01", "date": "2024-03-04"')  # p0: good
    records = compare(module, write_jsonl(tmp_path / "in.jsonl", [], lines))
    assert [r["id"] for r in records] == ["p2"]


def test_nested_values(module, tmp_path):
    lines = good_lines()
    lines[19] = lines[19][:-1] + ', "hours": {"a": 1}}'
    lines[3] = lines[3][:-1] + ', "extra": []}'
    records = compare(module, write_jsonl(tmp_path / "in.jsonl", [], lines))
    assert [r["id"] for r in records] == ["p0", "p2"]


# ---------------------------------------------------------------------------- Parquet specifics

def test_parquet_with_nulls_dictionaries_dates_and_integers(module, tmp_path):
    rows = event_rows(good_persons())
    rows[1]["person_id"] = None  # missing person_id
    path = write_parquet(tmp_path / "in.parquet", rows, row_group_size=5)
    compare(module, path)
    table = pq.read_table(path)
    table = table.set_column(table.schema.get_field_index("type"), "type",
                             table.column("type").dictionary_encode())
    dates = pa.array([None if v is None else dt.date.fromisoformat(v) for v in table.column("date").to_pylist()],
                     pa.date32())
    table = table.set_column(table.schema.get_field_index("date"), "date", dates)
    pq.write_table(table, tmp_path / "typed.parquet", row_group_size=8)
    compare(module, tmp_path / "typed.parquet")
    rows = event_rows(good_persons())
    for row in rows:
        row["person_id"] = int(row["person_id"][1:])
    compare(module, write_parquet(tmp_path / "ints.parquet", rows, types={"person_id": pa.uint8()}))
    compare(module, write_parquet(tmp_path / "floats.parquet", rows, types={"person_id": pa.float64()}))


@pytest.mark.parametrize("segment_rows", [1, 1 << 20])
def test_a_damaged_row_group(module, tmp_path, monkeypatch, segment_rows):
    """The rows of a row group that cannot be read are error records, as the per-person reader words them."""
    monkeypatch.setattr(read, "SEGMENT_ROWS", segment_rows)
    path = write_parquet(tmp_path / "in.parquet", event_rows(good_persons(6)), row_group_size=16)
    chunk = pq.ParquetFile(path).metadata.row_group(1).column(1)  # `type` in rows 17-32
    start = chunk.dictionary_page_offset or chunk.data_page_offset
    data = bytearray(path.read_bytes())
    for i in range(start, start + chunk.total_compressed_size):
        data[i] = (data[i] * 7 + 13) & 0xFF
    path.write_bytes(bytes(data))
    records = compare(module, path, size=4)
    assert len(records) == 16 and all("rows 17–32 cannot be read" in r["error"] for r in records)


def test_a_column_of_a_type_the_bulk_reader_does_not_know(module, tmp_path):
    """A timestamp column: the whole file is read the per-person way."""
    rows = event_rows(good_persons())
    rows[11]["stamp"] = dt.datetime(2024, 3, 1, 12)
    records = compare(module, write_parquet(tmp_path / "in.parquet", rows))
    assert [r["id"] for r in records] == ["p1"] and "unknown field `stamp`" in records[0]["error"]


def test_a_timeline_a_row_is_read_the_per_person_way(module, vocabulary, tmp_path):
    documents = generated_documents(vocabulary, 8, seed="shape")
    documents["g003"]["events"][0]["type"] = "nonsense"
    lines = [json.dumps({"id": pid, **doc}) for pid, doc in documents.items()]
    records = compare(module, write_jsonl(tmp_path / "in.jsonl", [], lines), size=3)
    assert [r["id"] for r in records] == ["g003"]


def test_a_file_that_cannot_be_read(module, tmp_path):
    vocabulary = module.BOOK["vocabulary"]
    with pytest.raises(FristError, match="cannot read input"):
        next(read.read_chunks(tmp_path / "missing.jsonl", vocabulary, size=10))
    with pytest.raises(FristError, match="chunk size"):
        next(read.read_chunks(tmp_path / "missing.jsonl", vocabulary, size=0))
    (tmp_path / "empty.parquet").write_bytes(b"not parquet")
    with pytest.raises(FristError, match="not a Parquet file"):
        next(read.read_chunks(tmp_path / "empty.parquet", vocabulary, size=10))
    (tmp_path / "empty.jsonl").write_text("")
    assert list(read.read_chunks(tmp_path / "empty.jsonl", vocabulary, size=10)) == []
