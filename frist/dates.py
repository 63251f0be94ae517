"""Date arithmetic with declared semantics.

* days and weeks are exact: ``d + 2 weeks`` is ``d + 14 days``;
* months and years move the calendar date; when the day does not exist in the
  target month (31 January + 1 month) the result is *ambiguous* and is refused
  unless the rule book declares a rounding: ``down`` (last day of the month,
  28/29 February) or ``up`` (first day of the next month, 1 March);
* business days (``hverdage``) are Monday to Friday except Danish public
  holidays, as the ``holidays`` package knows them;
* a person born on 29 February is a year older on 1 March in other years;
* every date frist reads lies between :data:`FIRST_DAY` (1900-01-01) and
  :data:`LAST_DAY` (2199-12-31); a date outside is refused where it is read.
  Together with the bound on durations (:data:`MAX_DAYS`: no duration in a
  rule book is longer than 100 years), every date a rule computes stays far
  inside what Python can represent.
"""

from __future__ import annotations

import calendar
import datetime as _dt
from functools import lru_cache

import holidays as _holidays

Date = _dt.date
ONE_DAY = _dt.timedelta(days=1)

UNITS = ("day", "week", "month", "year", "business_day")
ROUNDINGS = ("refuse", "down", "up")

FIRST_DAY, LAST_DAY = Date(1900, 1, 1), Date(2199, 12, 31)
RANGE_HINT = f"frist reads dates from {FIRST_DAY.isoformat()} to {LAST_DAY.isoformat()}"
# the longest duration a rule book may write, in each unit: 100 years
MAX_AMOUNT = {"day": 36_525, "week": 5_218, "month": 1_200, "year": 100, "business_day": 26_100}
MAX_DAYS = 36_525


class DateError(ValueError):
    """A date that cannot be read, with a hint for the person who wrote it."""

    def __init__(self, message: str, hint: str = "write dates as YYYY-MM-DD, e.g. 2024-03-01"):
        super().__init__(message)
        self.hint = hint


class AmbiguousDate(ValueError):
    """Month arithmetic landed on a day the target month does not have."""

    def __init__(self, start: Date, months: int):
        self.start, self.months = start, months
        super().__init__(f"{start.isoformat()} {'+' if months >= 0 else '-'} {abs(months)} month(s) "
                         f"has no such day in the target month")


def parse_date(text) -> Date:
    """An ISO date (YYYY-MM-DD) within frist's range; raises :class:`DateError` (a
    ValueError) with a plain message and a hint.

    >>> parse_date("2024-03-01")
    datetime.date(2024, 3, 1)
    >>> parse_date("0001-06-01")
    Traceback (most recent call last):
    ...
    frist.dates.DateError: `0001-06-01` is outside the dates frist reads
    """
    if isinstance(text, Date) and not isinstance(text, _dt.datetime):
        return check_range(text)
    if not isinstance(text, str):
        raise DateError(f"expected a date YYYY-MM-DD, got {type(text).__name__}")
    try:
        if len(text) != 10:
            raise ValueError
        day = Date.fromisoformat(text)
    except ValueError:
        raise DateError(f"`{text}` is not a valid date YYYY-MM-DD") from None
    return check_range(day)


def check_range(day: Date) -> Date:
    """``day``, if it lies in frist's range of dates; else :class:`DateError`."""
    if not FIRST_DAY <= day <= LAST_DAY:
        raise DateError(f"`{day.isoformat()}` is outside the dates frist reads", hint=RANGE_HINT)
    return day


def add_months(start: Date, months: int, rounding: str = "refuse") -> Date:
    index = start.year * 12 + (start.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    last = calendar.monthrange(year, month)[1]
    if start.day <= last:
        return Date(year, month, start.day)
    if rounding == "down":
        return Date(year, month, last)
    if rounding == "up":
        return Date(year, month, last) + ONE_DAY
    raise AmbiguousDate(start, months)


@lru_cache(maxsize=None)
def _danish_holidays(year: int) -> frozenset:
    return frozenset(_holidays.Denmark(years=year).keys())


def is_public_holiday(day: Date) -> bool:
    return day in _danish_holidays(day.year)


def public_holiday_name(day: Date) -> str | None:
    return _holidays.Denmark(years=day.year).get(day)


def is_business_day(day: Date) -> bool:
    """A Danish hverdag: Monday to Friday and not a public holiday."""
    return day.weekday() < 5 and not is_public_holiday(day)


def add_business_days(start: Date, count: int) -> Date:
    """The ``count``-th business day after ``start`` (``start`` itself is not counted)."""
    step = ONE_DAY if count >= 0 else -ONE_DAY
    day, left = start, abs(count)
    while left:
        day += step
        if is_business_day(day):
            left -= 1
    return day


def shift(start: Date, amount: int, unit: str, rounding: str = "refuse") -> Date:
    """``start`` moved by ``amount`` units (negative moves back)."""
    if unit == "day":
        return start + _dt.timedelta(days=amount)
    if unit == "week":
        return start + _dt.timedelta(weeks=amount)
    if unit == "month":
        return add_months(start, amount, rounding)
    if unit == "year":
        return add_months(start, 12 * amount, rounding)
    if unit == "business_day":
        return add_business_days(start, amount)
    raise ValueError(f"unknown unit {unit}")


def age_on(birth: Date, day: Date) -> int:
    """Completed years on ``day``; 29 February birthdays fall on 1 March in common years."""
    years = day.year - birth.year
    birthday = add_months(birth, 12 * years, "up") if birth.month == 2 and birth.day == 29 else birth.replace(year=day.year)
    return years - (1 if day < birthday else 0)


def week_start(day: Date) -> Date:
    """The Monday of ``day``'s ISO week."""
    return day - _dt.timedelta(days=day.weekday())


def days_between(first: Date, last: Date):
    """Every day from ``first`` to ``last``, both included."""
    day = first
    while day <= last:
        yield day
        day += ONE_DAY
