"""A population in columns holds every person's facts and events, typed, in the engine's order."""

from __future__ import annotations

from pathlib import Path

import pytest

from frist.report import load_timeline

layout = pytest.importorskip("frist.columnar.layout")
cd = pytest.importorskip("frist.columnar.cdates")

ROOT = Path(__file__).resolve().parent.parent
PERSONAS = sorted(p for p in (ROOT / "examples").glob("*.yaml") if not p.name.endswith(".expected.yaml"))


def _decode(value, spec):
    if spec["type"] == "date":
        return None if value == layout.NA_DAY else cd.from_day_number(value)
    if spec["type"] == "enum":
        return None if value < 0 else spec["values"][value]
    if spec["type"] == "boolean":
        return None if value < 0 else bool(value)
    return None if value != value else value  # NaN: missing


def test_every_persona_round_trips_through_the_columns(module):
    vocabulary = module.BOOK["vocabulary"]
    timelines = [load_timeline(path, vocabulary) for path in PERSONAS]
    population = layout.from_timelines(timelines, vocabulary)
    assert population.n == len(PERSONAS)
    for p, timeline in enumerate(timelines):
        for name, spec in vocabulary["person"].items():
            assert _decode(population.facts[name][p], spec) == timeline.person.get(name), (timeline.name, name)
        for etype, events in timeline.by_type.items():
            column = population.column(etype)
            rows = column.rows(p)
            assert len(rows) == len(events)
            for row, event in zip(rows, events):  # the engine's order: by date, then by place in the file
                assert cd.from_day_number(column.date[row]) == event.date
                assert cd.from_day_number(column.end[row]) == (event.end or event.date)
                assert column.index[row] == event.index
                for name, spec in vocabulary["events"][etype].get("fields", {}).items():
                    assert _decode(column.fields[name][row], spec) == event.fields.get(name), (etype, name)


def test_a_type_nobody_has_is_an_empty_column(module):
    vocabulary = module.BOOK["vocabulary"]
    population = layout.from_timelines([load_timeline(PERSONAS[0], vocabulary)], vocabulary)
    column = population.column("excess_hours")
    assert list(column.offsets) == [0, 0] and len(column.date) == 0 and "hours" in column.fields
