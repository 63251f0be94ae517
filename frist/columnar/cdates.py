"""Date arithmetic on day numbers, compiled: the semantics of :mod:`frist.dates` for the columnar engine.

A day is an integer, days since 1970-01-01 (:func:`day_number`); the functions here are numba
``njit`` functions that take and return day numbers, so that whole populations can be evaluated
in compiled loops.  Each one gives exactly what its counterpart in :mod:`frist.dates` gives
(``tests/test_columnar_dates.py`` checks them against each other):

* ``add_months(day, months, rounding)`` with the rule book's rounding (``REFUSE``, ``DOWN``,
  ``UP``); an ambiguous result under ``REFUSE`` is returned as :data:`AMBIGUOUS`, for the caller
  to raise the same error the per-timeline engine raises;
* ``shift(day, amount, unit, rounding, holidays)`` for the units of :data:`frist.dates.UNITS`;
  business days skip Danish public holidays, read from :func:`holiday_table`;
* ``weekday``, ``week_start`` (the ISO week's Monday) and ``age_on``.
"""

from __future__ import annotations

import datetime as _dt
from functools import lru_cache

from ..optional import require

np = require("numpy", "the columnar engine")
numba = require("numba", "the columnar engine")
njit = numba.njit(cache=True, nogil=True)

EPOCH = _dt.date(1970, 1, 1).toordinal()
AMBIGUOUS = np.int32(-(2 ** 31) + 1)  # an ambiguous month shift under `refuse`
NA = np.int32(-(2 ** 31))  # no date
REFUSE, DOWN, UP = 0, 1, 2
ROUNDING_CODES = {"refuse": REFUSE, "down": DOWN, "up": UP}
DAY, WEEK, MONTH, YEAR, BUSINESS_DAY = 0, 1, 2, 3, 4
# int64 values, not Python literals, in compiled code (see frist.columnar.kernel)
REFUSE, DOWN, UP = np.int64(REFUSE), np.int64(DOWN), np.int64(UP)
DAY, WEEK, MONTH, YEAR, BUSINESS_DAY = (np.int64(u) for u in (DAY, WEEK, MONTH, YEAR, BUSINESS_DAY))
UNIT_CODES = {"day": DAY, "week": WEEK, "month": MONTH, "year": YEAR, "business_day": BUSINESS_DAY}
# the holiday table covers every day a rule can reach: frist's dates +/- 100 years (frist.dates)
TABLE_FIRST, TABLE_LAST = _dt.date(1799, 1, 1), _dt.date(2300, 12, 31)


def day_number(day: _dt.date) -> int:
    return day.toordinal() - EPOCH


def from_day_number(number: int) -> _dt.date:
    return _dt.date.fromordinal(int(number) + EPOCH)


@lru_cache(maxsize=1)
def holiday_table() -> tuple:
    """(first day number, a uint8 array: 1 on Danish public holidays) from 1799 to 2300."""
    import holidays

    first, last = day_number(TABLE_FIRST), day_number(TABLE_LAST)
    table = np.zeros(last - first + 1, dtype=np.uint8)
    for year in range(TABLE_FIRST.year, TABLE_LAST.year + 1):
        for day in holidays.Denmark(years=year):
            table[day_number(day) - first] = 1
    return np.int64(first), table


@njit
def days_from_civil(year, month, day):
    """Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm)."""
    y = year - 1 if month <= 2 else year
    era = (y if y >= 0 else y - 399) // 400
    yoe = y - era * 400
    mp = month - 3 if month > 2 else month + 9
    doy = (153 * mp + 2) // 5 + day - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


@njit
def civil_from_days(z):
    """(year, month, day) of a day number."""
    z += 719468
    era = (z if z >= 0 else z - 146096) // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    y = yoe + era * 400
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    d = doy - (153 * mp + 2) // 5 + 1
    m = mp + 3 if mp < 10 else mp - 9
    if m <= 2:
        y += 1
    return y, m, d


@njit
def days_in_month(year, month):
    if month == 2:
        leap = (year % 4 == 0 and year % 100 != 0) or year % 400 == 0
        return 29 if leap else 28
    if month in (4, 6, 9, 11):
        return 30
    return 31


@njit
def add_months(day, months, rounding):
    year, month, dom = civil_from_days(day)
    index = year * 12 + (month - 1) + months
    year, month = index // 12, index % 12 + 1
    last = days_in_month(year, month)
    if dom <= last:
        return days_from_civil(year, month, dom)
    if rounding == DOWN:
        return days_from_civil(year, month, last)
    if rounding == UP:
        return days_from_civil(year, month, last) + 1
    return AMBIGUOUS


@njit
def weekday(day):
    """Monday 0 .. Sunday 6 (1970-01-01 was a Thursday)."""
    return (day + 3) % 7


@njit
def week_start(day):
    return day - weekday(day)


@njit
def is_business_day(day, first, table):
    return weekday(day) < 5 and table[day - first] == 0


@njit
def add_business_days(day, count, first, table):
    step = 1 if count >= 0 else -1
    left = count if count >= 0 else -count
    while left:
        day += step
        if is_business_day(day, first, table):
            left -= 1
    return day


@njit
def shift(day, amount, unit, rounding, first, table):
    """``day`` moved by ``amount`` units; :data:`AMBIGUOUS` for a refused month shift."""
    if unit == DAY:
        return day + amount
    if unit == WEEK:
        return day + 7 * amount
    if unit == MONTH:
        return add_months(day, amount, rounding)
    if unit == YEAR:
        return add_months(day, 12 * amount, rounding)
    return add_business_days(day, amount, first, table)


@njit
def age_on(birth, day):
    """Completed years on ``day``; a 29 February birthday falls on 1 March in common years."""
    by, bm, bd = civil_from_days(birth)
    y, m, d = civil_from_days(day)
    years = y - by
    if bm == 2 and bd == 29:
        birthday = add_months(birth, 12 * years, UP)
    else:
        birthday = days_from_civil(y, bm, bd)
    return years - 1 if day < birthday else years
