"""The columnar engine's compiled date arithmetic gives what frist.dates gives, on every day and amount."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from frist import dates

cd = pytest.importorskip("frist.columnar.cdates")

DAYS = st.dates(min_value=dates.FIRST_DAY, max_value=dates.LAST_DAY)
EDGES = st.sampled_from([dt.date(2024, 1, 31), dt.date(2024, 2, 29), dt.date(2023, 3, 31), dt.date(2100, 2, 28),
                         dt.date(2000, 2, 29), dt.date(1900, 3, 1), dt.date(2024, 12, 31), dt.date(2199, 12, 31)])
FIRST, TABLE = cd.holiday_table()


def n(day):
    return cd.day_number(day)


@settings(deadline=None)  # the first call compiles
@given(day=DAYS)
def test_day_numbers_round_trip_and_weekdays(day):
    number = n(day)
    assert cd.days_from_civil(day.year, day.month, day.day) == number
    assert cd.civil_from_days(number) == (day.year, day.month, day.day)
    assert cd.weekday(number) == day.weekday()
    assert cd.week_start(number) == n(dates.week_start(day))


@settings(max_examples=300, deadline=None)
@given(day=st.one_of(DAYS, EDGES), months=st.integers(-1200, 1200), rounding=st.sampled_from(dates.ROUNDINGS))
def test_month_shifts_round_as_the_rule_book_says(day, months, rounding):
    try:
        expected = n(dates.add_months(day, months, rounding))
    except dates.AmbiguousDate:
        expected = cd.AMBIGUOUS
    assert cd.add_months(n(day), months, cd.ROUNDING_CODES[rounding]) == expected


@settings(max_examples=300, deadline=None)
@given(day=st.one_of(DAYS, EDGES), amount=st.integers(-400, 400),
       unit=st.sampled_from(dates.UNITS), rounding=st.sampled_from(("down", "up")))
def test_shifts_in_every_unit(day, amount, unit, rounding):
    expected = n(dates.shift(day, amount, unit, rounding))
    got = cd.shift(n(day), amount, cd.UNIT_CODES[unit], cd.ROUNDING_CODES[rounding], FIRST, TABLE)
    assert got == expected


@settings(deadline=None)
@given(day=DAYS)
def test_business_days_know_the_danish_public_holidays(day):
    assert bool(cd.is_business_day(n(day), FIRST, TABLE)) == dates.is_business_day(day)


@settings(deadline=None)
@given(birth=st.one_of(DAYS, st.sampled_from([dt.date(2000, 2, 29), dt.date(1996, 2, 29)])), day=DAYS)
def test_ages(birth, day):
    if day < birth:
        return
    assert cd.age_on(n(birth), n(day)) == dates.age_on(birth, day)


def test_a_broken_month_shift_is_caught():
    # the check can fail: a shift that ignored rounding would give 2024-03-02 for 2024-01-31 + 1 month (down)
    assert cd.from_day_number(cd.add_months(n(dt.date(2024, 1, 31)), 1, cd.DOWN)) == dt.date(2024, 2, 29)
    assert cd.from_day_number(cd.add_months(n(dt.date(2024, 1, 31)), 1, cd.UP)) == dt.date(2024, 3, 1)
    assert cd.add_months(n(dt.date(2024, 1, 31)), 1, cd.REFUSE) == cd.AMBIGUOUS
