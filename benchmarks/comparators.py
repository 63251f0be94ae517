"""Reference checkers on the same event-a-row Parquet as frist's columnar benchmark.

Two points of comparison, so that frist's timelines/s can be read against what
else one could run on the same events:

* :func:`plain_python`: five duties of ``rules.yaml`` hand-written in plain
  Python (dicts, lists, sorted day numbers, :mod:`bisect`), the way a competent
  developer would write one checker for one caseload;
* :func:`pm4py_declare`: pm4py's Declare conformance (five untimed constraints
  over the event types) on the events as an event log, from pandas or from a
  Polars LazyFrame.

Both read the Parquet file themselves, and their time includes that reading,
as the columnar engine's does.  pm4py and pandas come with the ``bench`` extra
(``pip install -e '.[bench]'``); :func:`pm4py_missing` says when they are not
there.
"""

from __future__ import annotations

import datetime as _dt
import importlib.util
import time
from bisect import bisect_left, bisect_right
from collections import Counter
from pathlib import Path

clock = time.perf_counter

# the columns the plain checker reads: who, what, when, and the few fields its duties need
PLAIN_COLUMNS = ("person_id", "type", "date", "start", "end", "hours", "valid_reason",
                 "benefit", "akasse", "insurance")
BATCH_ROWS = 65_536
EPOCH = _dt.date(1970, 1, 1).toordinal()
NEW_CV_DEADLINE = _dt.date(2024, 1, 1).toordinal() - EPOCH  # cv-on-jobnet: 2 weeks before 2024, 3 weeks from then
MAX_WEEKLY_HOURS = 29.6  # minimum-payment: $max_deducted_hours
APPLICATIONS_A_WEEK = 2  # job-applications-fak
SUGGESTIONS_EVERY = 7  # job-suggestions: days between two checks
QUARANTINE_WINDOW = 365  # two-quarantines: 12 months, as days
PLAIN_DUTIES = ("cv-on-jobnet", "job-applications-fak", "two-quarantines", "minimum-payment", "job-suggestions")


# ---------------------------------------------------------------------------- plain Python

def plain_python(path: Path, as_of: _dt.date) -> dict:
    """Read the file and check every person on the five duties of :func:`check_person`.

    Returns ``persons``, ``seconds`` (reading included), ``read`` (the part spent
    reading and grouping rows) and ``violations`` (per duty, over all persons).
    """
    start = clock()
    persons, read, violations = 0, 0.0, Counter()
    today = as_of.toordinal() - EPOCH
    rows = _rows(path)
    while True:
        before = clock()
        person = next(rows, None)
        read += clock() - before
        if person is None:
            break
        persons += 1
        violations.update(rule for rule, _ in check_person(person, today))
    return {"persons": persons, "seconds": clock() - start, "read": read, "violations": dict(violations)}


def _rows(path: Path):
    """One person at a time as ``{"id", "facts", "events": {type: [(day, last day, hours, valid_reason)]}}``,
    days as day numbers (days since 1970-01-01), read from Parquet in record batches (a person's rows
    are contiguous)."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    handle = pq.ParquetFile(path)
    names = handle.schema_arrow.names
    wanted = [c for c in PLAIN_COLUMNS if c in names]
    person = None
    for batch in handle.iter_batches(batch_size=BATCH_ROWS, columns=wanted):
        first = pc.coalesce(*(batch.column(c) for c in ("date", "start") if c in wanted)).cast(pa.int32())
        last = pc.coalesce(batch.column("end").cast(pa.int32()), first) if "end" in wanted else first
        cols = {name: batch.column(name).to_pylist() for name in wanted if name not in ("date", "start", "end")}
        none = [None] * batch.num_rows
        pids, types, hours, reasons = cols["person_id"], cols["type"], cols.get("hours", none), \
            cols.get("valid_reason", none)
        for i, (pid, kind, day, until) in enumerate(zip(pids, types, first.to_pylist(), last.to_pylist())):
            if person is None or pid != person["id"]:
                if person is not None:
                    yield person
                person = {"id": pid, "facts": {}, "events": {}}
            if kind == "person":
                person["facts"] = {k: cols[k][i] for k in ("benefit", "akasse", "insurance") if k in cols}
            else:
                person["events"].setdefault(kind, []).append((day, until, hours[i], reasons[i]))
    if person is not None:
        yield person


def check_person(person: dict, today: int) -> list:
    """``[(duty, day)]``: the violations of one person on five duties of ``rules.yaml``, simplified.

    This is a speed reference, not a second implementation of the law: it
    checks what each duty asks in its plainest reading, with none of the rule
    book's versions, exemptions, consequences, effects on payment or reasons.

    * ``cv-on-jobnet``: a CV within 2 weeks (3 from 2024) after each registration;
    * ``job-applications-fak``: 2 applications in every whole calendar week
      registered, weeks with sickness or holiday not counted (FAK members);
    * ``two-quarantines``: at most one self-inflicted unemployment without a
      valid reason within 12 months;
    * ``minimum-payment``: at most 29.6 wage hours a week while registered
      (full-time insured);
    * ``job-suggestions``: job suggestions checked at least every 7 days while
      registered, each gap a miss (checked whatever the year, so that the
      chain is walked for every person, although the rule book ends it in 2020).
    """
    facts, events = person["facts"], person["events"]
    if facts.get("benefit") != "dagpenge":
        return []
    periods = _registered_periods(events, today)
    found = _cv_on_jobnet(events, today)
    if facts.get("akasse") == "FAK":
        found += _weekly_applications(events, periods)
    found += _two_quarantines(events)
    if facts.get("insurance", "fulltime") == "fulltime":
        found += _weekly_hours(events, periods)
    found += _job_suggestions(events, periods)
    return found


def _days(events: dict, kind: str) -> list:
    return sorted(event[0] for event in events.get(kind, ()))


def _registered_periods(events: dict, today: int) -> list:
    """``[(first day, last day)]`` registered, from the registrations and deregistrations."""
    changes = sorted([(d, 1) for d in _days(events, "registered")] + [(d, 0) for d in _days(events, "deregistered")])
    periods, since = [], None
    for day, registering in changes:
        if registering and since is None:
            since = day
        elif not registering and since is not None:
            periods.append((since, day - 1))
            since = None
    if since is not None:
        periods.append((since, today))
    return periods


def _cv_on_jobnet(events: dict, today: int) -> list:
    cvs, found = _days(events, "cv_created"), []
    for registered in _days(events, "registered"):
        deadline = registered + (21 if registered >= NEW_CV_DEADLINE else 14)
        i = bisect_left(cvs, registered)
        if not (i < len(cvs) and cvs[i] <= deadline) and deadline < today:
            found.append(("cv-on-jobnet", deadline + 1))
    return found


def _monday(day: int) -> int:
    return day - (day + 3) % 7  # day 0, 1970-01-01, is a Thursday


def _whole_weeks(periods: list):
    """The Monday of every calendar week registered on all its seven days."""
    for first, last in periods:
        monday = _monday(first + 6)  # the first Monday on or after `first`
        while monday + 6 <= last:
            yield monday
            monday += 7


def _weeks_touched(events: dict, kinds: tuple) -> set:
    touched = set()
    for kind in kinds:
        for first, last, _, _ in events.get(kind, ()):
            touched.update(range(_monday(first), last + 1, 7))
            touched.add(_monday(last))
    return touched


def _weekly_applications(events: dict, periods: list) -> list:
    per_week = Counter(_monday(d) for d in _days(events, "application"))
    excused = _weeks_touched(events, ("sick", "holiday", "exempt"))
    return [("job-applications-fak", monday + 7) for monday in _whole_weeks(periods)
            if monday not in excused and per_week[monday] < APPLICATIONS_A_WEEK]


def _two_quarantines(events: dict) -> list:
    days = sorted(day for day, _, _, valid in events.get("self_inflicted", ()) if not valid)
    return [("two-quarantines", day) for i, day in enumerate(days)
            if bisect_right(days, day + QUARANTINE_WINDOW) - i > 1]


def _weekly_hours(events: dict, periods: list) -> list:
    starts = [first for first, _ in periods]
    hours = Counter()
    for day, _, worked, _ in events.get("wage_work", ()):
        i = bisect_right(starts, day) - 1
        if i >= 0 and day <= periods[i][1]:
            hours[_monday(day)] += worked or 0.0
    return [("minimum-payment", monday) for monday, total in sorted(hours.items()) if total > MAX_WEEKLY_HOURS]


def _job_suggestions(events: dict, periods: list) -> list:
    checks, found = _days(events, "job_suggestions_checked"), []
    for first, last in periods:
        previous = first
        for day in checks[bisect_left(checks, first):bisect_right(checks, last)]:
            if day - previous > SUGGESTIONS_EVERY:
                found.append(("job-suggestions", previous + SUGGESTIONS_EVERY + 1))
            previous = day
        if last - previous > SUGGESTIONS_EVERY:
            found.append(("job-suggestions", previous + SUGGESTIONS_EVERY + 1))
    return found


# ---------------------------------------------------------------------------- pm4py's Declare

# five untimed constraints over the event types: what Declare can say of these duties without dates
DECLARE_MODEL = {
    "existence": {"registered": {"support": 1.0, "confidence": 1.0}},
    "response": {("registered", "cv_created"): {"support": 1.0, "confidence": 1.0},
                 ("booking_requested", "meeting_booked"): {"support": 1.0, "confidence": 1.0}},
    "precedence": {("registered", "application"): {"support": 1.0, "confidence": 1.0},
                   ("cv_created", "cv_approved"): {"support": 1.0, "confidence": 1.0}},
}
CASE, ACTIVITY, TIMESTAMP = "case:concept:name", "concept:name", "time:timestamp"
LOG_FORMATS = ("pandas", "polars")


def declare_text() -> str:
    """The constraints of :data:`DECLARE_MODEL`, as printed beside the figures."""
    return ", ".join(f"{template}({what if isinstance(what, str) else ', '.join(what)})"
                     for template, found in DECLARE_MODEL.items() for what in found)


def pm4py_missing() -> str | None:
    """How to install what pm4py's Declare needs here (None when it is installed)."""
    if any(importlib.util.find_spec(name) is None for name in ("pm4py", "pandas")):
        return "pip install -e '.[bench]'"
    return None


def polars_missing() -> str | None:
    return None if importlib.util.find_spec("polars") is not None else "polars is not installed"


def pm4py_declare(path: Path, log_format: str = "pandas") -> dict:
    """Read the file as an event log (``pandas`` DataFrame or ``polars`` LazyFrame: case, activity,
    timestamp) and run ``pm4py.conformance_declare`` with :data:`DECLARE_MODEL`.

    Returns ``persons`` (cases), ``seconds`` (reading included), ``read`` and ``misfits``
    (cases with a deviation).
    """
    import pm4py

    start = clock()
    log = _pandas_log(path) if log_format == "pandas" else _polars_log(path)
    read = clock() - start
    result = pm4py.conformance_declare(log, DECLARE_MODEL, activity_key=ACTIVITY, timestamp_key=TIMESTAMP,
                                       case_id_key=CASE, return_diagnostics_dataframe=False)
    seconds = clock() - start
    return {"persons": len(result), "seconds": seconds, "read": read,
            "misfits": sum(not case["is_fit"] for case in result)}


def _pandas_log(path: Path):
    """The events (not the person rows) as a pandas DataFrame in pm4py's column names."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    table = pq.read_table(path, columns=["person_id", "type", "date", "start"])
    table = table.filter(pc.not_equal(table["type"], "person"))
    when = pc.coalesce(table["date"], table["start"]).cast(pa.timestamp("ns"))
    log = pa.table({CASE: table["person_id"], ACTIVITY: table["type"], TIMESTAMP: when})
    return log.to_pandas()


def _polars_log(path: Path):
    """The same event log as a Polars LazyFrame (pm4py reads LazyFrames natively)."""
    import polars as pl

    return (pl.scan_parquet(path)
            .filter(pl.col("type") != "person")
            .select(pl.col("person_id").alias(CASE), pl.col("type").alias(ACTIVITY),
                    pl.coalesce("date", "start").cast(pl.Datetime("ns")).alias(TIMESTAMP)))
