"""Totality of checking: whatever the dates and numbers, a report or the project's own error.

Timelines valid for the shipped rule book are drawn (:mod:`frist.testing`), then dates
anywhere a ``datetime.date`` reaches (year 1 to 9999) and numbers of every kind (±inf,
NaN, huge integers, negatives, booleans, text) are put into their date and number
fields, and the check date is drawn from the same range.  The result must be a report
that renders, or a :class:`~frist.errors.FristError` with a location and a hint;
never anything else.  Rule books get the same treatment: durations in the rule
language and in parameters drawn from 0 to far beyond any bound.

The number of examples follows the profile of ``tests/test_properties.py``: ``ci`` by
default, ``FRIST_HYPOTHESIS_PROFILE=nightly`` for the long run.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re

import pytest
import yaml
from hypothesis import example, given
from hypothesis import strategies as st

import frist
from frist.dates import FIRST_DAY, LAST_DAY
from frist.errors import FristError, TimelineError
from frist.rulebook import load_text
from frist.testing import timelines

from conftest import RULES, STARTER
from helpers import where
from test_properties import _bind_module, _module, examples  # noqa: F401 - the fixture binds the rule book

EXAMPLES_FILE = RULES.parent / "examples" / "young-graduate-2024.yaml"

ANY_DAY = st.dates(dt.date(1, 1, 1), dt.date(9999, 12, 31))
EDGE_DAYS = st.sampled_from([dt.date(1, 1, 1), dt.date(9999, 12, 31), FIRST_DAY, LAST_DAY,
                             FIRST_DAY - dt.timedelta(days=1), LAST_DAY + dt.timedelta(days=1),
                             dt.date(1900, 2, 28), dt.date(2199, 12, 1), dt.date(2100, 2, 28)])
DAYS = st.one_of(ANY_DAY, EDGE_DAYS, st.dates(FIRST_DAY, LAST_DAY))
NUMBERS = st.one_of(
    st.sampled_from([math.inf, -math.inf, math.nan, 10 ** 400, 10 ** 5000, -1, -0.5, 0, 1e308, 1.7e308 * 10,
                     10 ** 18, 2 ** 63, True, False, "12", None]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-10 ** 30, max_value=10 ** 30),
)


def _date_value(draw, day: dt.date):
    """A day as a timeline writes it: ISO text (year 1 written as 0001), or a date object (the Python API)."""
    return day if draw(st.booleans()) else f"{day.year:04d}-{day.month:02d}-{day.day:02d}"


@st.composite
def wild_timelines(draw):
    """A valid timeline with some of its dates and numbers replaced by anything."""
    document = draw(timelines(_module(), max_events=12))
    vocabulary = _module().BOOK["vocabulary"]
    places = []
    for key, spec in vocabulary["person"].items():
        if key in document["person"] and spec["type"] in ("date", "number", "integer"):
            places.append((document["person"], key, spec["type"]))
    for event in document["events"]:
        for key in ("date", "start", "end"):
            if key in event:
                places.append((event, key, "date"))
        for key, spec in vocabulary["events"][event["type"]].get("fields", {}).items():
            if spec["type"] in ("date", "number", "integer"):
                places.append((event, key, spec["type"]))
    if places:
        for index in draw(st.lists(st.integers(0, len(places) - 1), min_size=1, max_size=4)):
            holder, key, kind = places[index]
            holder[key] = _date_value(draw, draw(DAYS)) if kind == "date" else draw(NUMBERS)
    return document


def assert_own_error(exc: FristError, located: bool = True) -> None:
    """The project's error with a hint; ``located``: with a line and column too (a mapping
    passed from Python has none: its messages name the event and field instead)."""
    assert exc.diagnostics, "a FristError without diagnostics"
    first = exc.first
    if located:
        assert first.span is not None and first.span.line >= 1 and first.span.column >= 1, first.format()
    assert first.hint, f"no hint: {first.format()}"
    exc.format()


class _Dumper(yaml.SafeDumper):
    """Writes integers too long for decimal text (Python refuses past 4300 digits) in hexadecimal,
    which YAML reads as the same integer."""


_Dumper.add_representer(int, lambda dumper, value: dumper.represent_scalar(
    "tag:yaml.org,2002:int", hex(value) if value.bit_length() > 10_000 else str(value)))
_Dumper.add_representer(bool, yaml.SafeDumper.represent_bool)


def check_totally(document, as_of, rules, as_text: bool = False) -> None:
    """Check ``document`` (as YAML text when ``as_text``): a report that renders, or the project's error."""
    if as_text:
        document = yaml.dump(document, Dumper=_Dumper, allow_unicode=True)
    try:
        report = frist.check(document, rules=rules, as_of=as_of)
    except FristError as exc:
        assert_own_error(exc, located=as_text or "--as-of" in exc.first.message)
        return
    json.dumps(report.to_json(), allow_nan=False)  # no NaN or inf leaks into the report
    report.to_text()
    assert FIRST_DAY <= report.as_of <= LAST_DAY


@examples(0.6)  # ci: 150
@given(document=wild_timelines(), as_of=DAYS)
@example(document={"person": {"birth_date": "1990-05-17", "benefit": "dagpenge", "akasse": "FAK"},
                   "events": [{"type": "registered", "date": "0001-06-01"}]}, as_of=dt.date(2024, 9, 1))
@example(document={"person": {"birth_date": "1990-05-17", "benefit": "dagpenge", "akasse": "FAK"},
                   "events": [{"type": "registered", "date": "2024-03-01"},
                              {"type": "wage_work", "date": "2024-03-08", "hours": 10 ** 400}]},
         as_of=dt.date(9999, 12, 31))
def test_checking_a_timeline_gives_a_report_or_a_located_error(document, as_of):
    check_totally(document, as_of, _module())
    check_totally(document, as_of, _module(), as_text=True)


@pytest.mark.parametrize("value, message", [
    (math.nan, "`nan` is not a number"), (math.inf, "`inf` is not a number"), (-math.inf, "`-inf` is not a number"),
    (10 ** 400, "is more than the largest value allowed"), (-3, "must not be negative"),
    (True, "expected a number, got `True`"),
])
def test_a_number_field_out_of_bounds_is_a_located_timeline_error(value, message):
    document = {"person": {"birth_date": "1990-05-17", "benefit": "dagpenge", "akasse": "FAK"},
                "events": [{"type": "registered", "date": "2024-03-01"},
                           {"type": "wage_work", "date": "2024-03-08", "hours": value}]}
    with pytest.raises(TimelineError) as info:
        frist.check(document, rules=_module(), as_of="2024-09-01")
    assert message in info.value.first.message, info.value.format()
    assert "event 2 (wage_work) field `hours`" in info.value.first.message


def test_the_declared_max_of_a_field_bounds_it():
    hours = _module().BOOK["vocabulary"]["events"]["wage_work"]["fields"]["hours"]
    assert "max" in hours
    document = {"person": {"birth_date": "1990-05-17", "benefit": "dagpenge", "akasse": "FAK"},
                "events": [{"type": "registered", "date": "2024-03-01"},
                           {"type": "wage_work", "date": "2024-03-08", "hours": hours["max"]}]}
    frist.check(document, rules=_module(), as_of="2024-09-01")
    document["events"][1]["hours"] = hours["max"] + 0.5
    with pytest.raises(TimelineError) as info:
        frist.check(document, rules=_module(), as_of="2024-09-01")
    assert f"more than the largest value allowed, {hours['max']}" in info.value.first.message
    assert "declares the field's `max`" in info.value.first.hint


@pytest.mark.parametrize("day", ["0001-06-01", "1899-12-31", "2200-01-01", "9999-12-31"])
def test_a_date_outside_the_range_is_a_located_error_wherever_it_is_read(tmp_path, day):
    with pytest.raises(FristError) as info:
        frist.check(EXAMPLES_FILE, rules=_module(), as_of=day)
    assert info.value.first.message == f"--as-of: `{day}` is outside the dates frist reads"
    assert info.value.first.hint == "frist reads dates from 1900-01-01 to 2199-12-31"
    timeline = tmp_path / "t.yaml"
    timeline.write_text("person: {birth_date: 1990-05-17, benefit: dagpenge, akasse: FAK}\n"
                        f"events:\n  - {{type: registered, date: {day}}}\n", encoding="utf-8")
    with pytest.raises(TimelineError) as info:
        frist.check(timeline, rules=_module(), as_of="2024-09-01")
    first = info.value.first
    assert (first.span.line, first.span.column) == where(timeline.read_text("utf-8"), day), first.format()
    assert first.message == f"event 1 (registered): `{day}` is outside the dates frist reads"


@pytest.mark.parametrize("day", ["1900-01-01", "2199-12-31"])
def test_the_first_and_last_day_of_the_range_are_read(day):
    document = {"person": {"birth_date": "1900-01-01", "benefit": "dagpenge", "akasse": "FAK"},
                "events": [{"type": "registered", "date": day}]}
    report = frist.check(document, rules=_module(), as_of="2199-12-31")
    assert report.benefit["periods"][0]["from"] == day


# ---------------------------------------------------------------------------- rule books

STARTER_TEXT = STARTER.read_text("utf-8")
DURATION = re.compile(r"\b(\d+) (business days?|days?|weeks?|months?|years?)\b")
UNITS = ["day", "days", "week", "weeks", "month", "months", "year", "years", "business days"]
AMOUNTS = st.one_of(st.integers(0, 200).map(str), st.integers(0, 10 ** 12).map(str),
                    st.sampled_from(["36525", "36526", "5218", "5219", "1200", "1201", "100", "101", "26100", "26101",
                                     "99999999", "1" + "0" * 40, "1" + "0" * 5000, "0" * 30 + "7"]))
_MODULES: dict = {}


@st.composite
def rule_books_with_wild_durations(draw):
    """The starter rule book with some of its durations (rule language and parameters) replaced."""
    found = list(DURATION.finditer(STARTER_TEXT))
    chosen = sorted(set(draw(st.lists(st.integers(0, len(found) - 1), min_size=1, max_size=3))))
    text, shift = STARTER_TEXT, 0
    for index in chosen:
        match = found[index]
        new = f"{draw(AMOUNTS)} {draw(st.sampled_from(UNITS))}"
        text = text[: match.start() + shift] + new + text[match.end() + shift:]
        shift += len(new) - (match.end() - match.start())
    return text


@examples(0.2)  # ci: 50
@given(text=rule_books_with_wild_durations(), as_of=st.dates(FIRST_DAY, LAST_DAY))
def test_a_rule_book_with_any_durations_loads_and_checks_or_gives_a_located_error(text, as_of, tmp_path_factory):
    try:
        book = load_text(text, "rules.yaml")
    except FristError as exc:
        assert_own_error(exc)
        return
    module = frist.compiler.compile_rulebook(book)
    document = {"person": {"birth_date": "1960-02-29", "benefit": "dagpenge", "akasse": "FAK"},
                "events": [{"type": "registered", "date": "1900-01-01"}, {"type": "registered", "date": "2199-12-01"},
                           {"type": "cv_created", "date": "2024-03-05"}]}
    check_totally(document, as_of, module)


@pytest.mark.parametrize("duty, message", [
    ("within 99999999 days after registered: cv_created", "99999999 days is longer than 36525"),
    ("within 101 years after registered: cv_created", "101 years is longer than 100"),
    ("within 1201 months after registered: cv_created", "1201 months is longer than 1200"),
])
def test_a_duration_beyond_100_years_is_a_located_rule_book_error(duty, message):
    text = STARTER_TEXT.replace("within $cv_deadline after registered: cv_created", duty, 1)
    assert text != STARTER_TEXT
    with pytest.raises(FristError) as info:
        load_text(text, "rules.yaml")
    first = info.value.first
    assert message in first.message and first.hint == "durations in a rule book are at most 100 years", first.format()
    line = text[: text.index(duty)].count("\n") + 1
    assert first.span.line == line, first.format()


@pytest.mark.parametrize("value", ["1.0e+999", "-1.0e+999", ".nan", ".inf", "1000000001"])
def test_a_parameter_that_is_not_a_finite_number_is_a_located_rule_book_error(value):
    old = "      - {from: 2015-07-01, value: 111,"
    text = STARTER_TEXT.replace(old, f"      - {{from: 2015-07-01, value: {value},", 1)
    assert text != STARTER_TEXT
    with pytest.raises(FristError) as info:
        load_text(text, "rules.yaml")
    first = info.value.first
    assert first.message.startswith("parameter `quarantine_hours`: `") and "is not a number frist computes with" \
        in first.message, first.format()
    assert first.hint == "give a finite number of at most 1000000000"
    assert (first.span.line, first.span.column) == where(text, value), first.format()


def test_a_parameter_that_is_neither_a_number_nor_a_duration_says_what_it_may_be():
    text = STARTER_TEXT.replace("      - {from: 2015-07-01, value: 111,",
                                "      - {from: 2015-07-01, value: two weeks,", 1)
    with pytest.raises(FristError) as info:
        load_text(text, "rules.yaml")
    first = info.value.first
    assert first.message == ("parameters/quarantine_hours/versions/0/value: `two weeks` is neither a number nor "
                             "a duration"), first.format()
    assert "e.g. 111" in first.hint and (first.span.line, first.span.column) == where(text, "two weeks")
