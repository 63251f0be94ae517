"""Seeded synthetic populations: realistic timelines for the benchmarks.

Unlike :mod:`frist.generate`, which aims at the days where deadlines are
decided, these timelines look like a caseload: a mix of personas (dagpenge
with FAK, AKA, FF or another a-kasse, new graduates, part-time insured,
kontanthjælp, uddannelseshjælp), registered within the two years before the
check date, each living through spells of unemployment: registration, CV,
meetings and their bookings, two applications a week, job suggestions,
monthly payment periods, sickness and holidays, wage work, an offer, and
between spells a job.  Most people keep their duties; a sloppy fifth miss
some, so reports hold violations as well.

Timeline ``i`` of seed ``s`` depends only on ``s``, ``i`` and the number of
events asked for, so a population can be rebuilt (or cached) anywhere::

    >>> person = timeline(seed=1, index=7, events=50)
    >>> len(person["events"])
    50
    >>> person == timeline(seed=1, index=7, events=50)
    True
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import random
from pathlib import Path

Date = _dt.date
DAY = _dt.timedelta(days=1)
AS_OF = Date(2025, 12, 31)  # every population is checked on this day
WINDOW_DAYS = 730  # registrations fall within the two years before AS_OF
FORMAT_VERSION = 2  # bump when the timelines change: cached Parquet files are keyed by it

# persona -> (weight in the population, fixed person facts, ages at registration)
PERSONAS = {
    "dagpenge-fak": (30, {"benefit": "dagpenge", "insurance": "fulltime", "akasse": "FAK"}, (25, 64)),
    "dagpenge-aka": (14, {"benefit": "dagpenge", "insurance": "fulltime", "akasse": "AKA"}, (25, 64)),
    "dagpenge-ff": (9, {"benefit": "dagpenge", "insurance": "fulltime", "akasse": "FF"}, (25, 64)),
    "dagpenge-other": (9, {"benefit": "dagpenge", "insurance": "fulltime", "akasse": "other"}, (25, 64)),
    "graduate": (10, {"benefit": "dagpenge", "insurance": "fulltime", "graduate": True}, (21, 29)),
    "parttime": (8, {"benefit": "dagpenge", "insurance": "parttime"}, (30, 64)),
    "kontanthjaelp": (14, {"benefit": "kontanthjaelp", "akasse": "other", "education": "none"}, (30, 59)),
    "uddannelseshjaelp": (6, {"benefit": "uddannelseshjaelp", "akasse": "other", "education": "none"}, (18, 29)),
}
_NAMES = tuple(PERSONAS)
_WEIGHTS = tuple(weight for weight, _, _ in PERSONAS.values())
_AKASSER = ("FAK", "AKA", "FF", "other")
_EDUCATIONS = ("none", "vocational", "short_higher", "medium_higher", "long_higher")


def timeline(seed: int, index: int, events: int = 50, as_of: Date = AS_OF) -> dict:
    """Person ``index`` of population ``seed``: ``{"id", "persona", "person", "events"}``
    with exactly ``events`` events, dates as ISO text, in date order."""
    rng = random.Random(f"frist-bench/{seed}/{index}/{events}")
    persona = rng.choices(_NAMES, _WEIGHTS)[0]
    registered = as_of - DAY * rng.randint(150, WINDOW_DAYS)
    person = _person(rng, persona, registered)
    sloppy = rng.random() < 0.2
    found = _life(rng, person, registered, as_of, events, sloppy)
    found.sort(key=lambda e: e.get("date") or e["start"])
    kept = found[:events - 1]
    if _registered_at_end(kept) and len(found) >= events:  # the person's history stops here: a job
        last = max(e.get("date") or e["start"] for e in kept)
        applied = max((e["date"] for e in kept if e["type"] == "application"), default=last)
        day = min(Date.fromisoformat(last), Date.fromisoformat(applied) + DAY * 5) + DAY
        kept.append({"type": "deregistered", "date": day.isoformat(), "reason": "job"})
    else:
        kept = found[:events]
    return {"id": f"p{seed}-{index:07d}", "persona": persona, "person": person, "events": kept}


def _registered_at_end(events: list) -> bool:
    changes = [e["type"] for e in events if e["type"] in ("registered", "deregistered")]
    return bool(changes) and changes[-1] == "registered"


def dense_timeline(seed: int, events: int, as_of: Date = AS_OF) -> dict:
    """A FAK member's two years with ``events`` events, however many: the persona's mix
    made denser (for measuring how checking time grows with the number of events)."""
    rng = random.Random(f"frist-bench-dense/{seed}/{events}")
    registered = as_of - DAY * WINDOW_DAYS
    person = _person(rng, "dagpenge-fak", registered)
    found = [{"type": "unemployed", "date": registered}, {"type": "registered", "date": registered},
             {"type": "cv_created", "date": registered + DAY * 5}]
    mix = (("application", 55), ("job_suggestions_checked", 15), ("meeting", 8), ("wage_work", 10),
           ("payment_period", 4), ("sick", 3), ("holiday", 2), ("booking", 3))
    kinds, weights = zip(*mix)
    while len(found) < events:
        day = registered + DAY * rng.randint(1, WINDOW_DAYS - 20)
        _add(rng, found, rng.choices(kinds, weights)[0], day, sloppy=rng.random() < 0.2)
    found.sort(key=lambda e: e.get("date") or e["start"])
    return {"name": f"dense-{seed}-{events}", "person": person, "events": [_iso(e) for e in found[:events]]}


def mixed_timeline(seed: int, events: int, vocabulary: dict, as_of: Date = AS_OF) -> dict:
    """A FAK member's two years with ``events`` events of every type the vocabulary lets a
    timeline hold, in equal shares, at random days, with field values near the limits
    rules compare them with: what stresses the rules whose cost could grow faster than
    the events (quarantines, effects, registrations and periods by the thousand)."""
    from frist.generate import Chooser, field_value

    rng = random.Random(f"frist-bench-mixed/{seed}/{events}")
    chooser = Chooser(rng)
    registered = as_of - DAY * WINDOW_DAYS
    kinds = sorted(k for k, spec in vocabulary["events"].items() if not spec.get("derived"))
    found = [{"type": "registered", "date": registered}]
    while len(found) < events:
        etype = kinds[len(found) % len(kinds)]
        spec = vocabulary["events"][etype]
        day = registered + DAY * rng.randint(0, WINDOW_DAYS - 1)
        event = {"type": etype}
        if spec["kind"] == "point":
            event["date"] = day
        else:
            event["start"], event["end"] = day, min(as_of, day + DAY * rng.randint(0, 30))
        for name, field in spec.get("fields", {}).items():
            value = field_value(chooser, field, day, optional=False)
            if value is not None:
                event[name] = value
        found.append(event)
    found.sort(key=lambda e: e.get("date") or e["start"])
    person = {**_person(rng, "dagpenge-fak", registered), "akasse": "FAK"}
    return {"name": f"mixed-{seed}-{events}", "person": person, "events": [_iso(e) for e in found]}


def _person(rng: random.Random, persona: str, registered: Date) -> dict:
    _, fixed, (lo, hi) = PERSONAS[persona]
    age = rng.randint(lo, hi)
    birth = registered.replace(year=registered.year - age, day=1) - DAY * rng.randint(0, 360)
    person = {"birth_date": birth.isoformat(), "benefit": "dagpenge", "akasse": rng.choice(_AKASSER),
              "education": rng.choice(_EDUCATIONS[1:])}
    if persona == "graduate":
        person["education"] = rng.choice(("medium_higher", "long_higher"))
    person.update(fixed)
    if person.get("insurance") == "parttime":  # minimum-payment-parttime needs it
        person["former_weekly_hours"] = rng.choice((20, 25, 30))
    return person


def _life(rng: random.Random, person: dict, registered: Date, as_of: Date, wanted: int, sloppy: bool) -> list:
    """Spells of unemployment, each ended by a job, until ``wanted`` events or ``as_of``."""
    found = []
    if person.get("graduate"):
        finished = registered - DAY * rng.randint(20, 40)
        found.append({"type": "education_finished", "date": finished})
        found.append({"type": "akasse_joined", "date": finished + DAY * rng.choice((2, 5, 9, 14, 20))})
    start = registered
    while len(found) < wanted and start <= as_of:
        weeks_left = (as_of - start).days // 7
        weeks_needed = (wanted - len(found)) // 3 + 1  # three or more events a week while unemployed
        weeks = max(6, int(rng.expovariate(1 / 16)))
        gap = rng.randint(8, 40)  # the job lasts two to nine months
        if weeks < weeks_needed and weeks_left - gap < weeks_needed:
            weeks = weeks_left  # no time for a job and another spell: unemployed until the check date
        weeks = min(weeks, weeks_left)
        end = _spell(rng, found, person, start, weeks, sloppy, ends=weeks < weeks_left)
        start = end + DAY * 7 * gap
    return [_iso(e) for e in found]


def _spell(rng, found, person, start: Date, weeks: int, sloppy: bool, ends: bool) -> Date:
    """One spell from ``start``: the registration, then week by week the duties."""
    dagpenge = person["benefit"] == "dagpenge"
    found.append({"type": "unemployed", "date": start - DAY * (rng.randint(1, 3) if sloppy and rng.random() < 0.3 else 0)})
    found.append({"type": "registered", "date": start})
    found.append({"type": "cv_created", "date": start + DAY * rng.randint(8 if sloppy else 1, 20 if sloppy else 13)})
    if dagpenge and rng.random() < 0.7:
        found.append({"type": "cv_approved", "date": found[-1]["date"] + DAY * rng.randint(1, 10)})
    # dagpenge: the a-kasse's job meetings in the first three months, then the jobcenter's
    next_meeting = start + DAY * rng.randint(3, 16 if sloppy else 12)
    akasse_until = start + DAY * 91 if dagpenge else start
    apply_on = rng.choice(((1, 3), (0, 3), (1, 4), (2, 4), (0, 2)))  # the person's usual weekdays
    first_meeting = True
    next_payment = start
    holiday_taken = False
    for week in range(weeks):
        monday = start + DAY * (7 * week - start.weekday())
        if not sloppy or rng.random() < 0.85:
            for day in apply_on:
                day = monday + DAY * min(6, max(0, day + rng.choice((0,) * 8 + (1, -1))))
                if day >= start:
                    _add(rng, found, "application", day, sloppy)
        if rng.random() < 0.6:
            found.append({"type": "job_suggestions_checked", "date": max(start, monday + DAY * rng.randint(0, 6))})
        if monday + DAY * 6 >= next_meeting:
            _add(rng, found, "booking", next_meeting - DAY * 7, sloppy)
            _add(rng, found, "meeting", next_meeting, sloppy, first=first_meeting,
                 held_by="akasse" if next_meeting < akasse_until else "jobcenter")
            next_meeting += DAY * rng.randint(24, 32)
            first_meeting = False
        if dagpenge and monday >= next_payment:
            _add(rng, found, "payment_period", next_payment, sloppy)
            next_payment += DAY * 30
        if rng.random() < 0.03:
            _add(rng, found, "sick", monday + DAY * rng.randint(0, 4), sloppy)
        if not holiday_taken and monday.month == 7 and rng.random() < 0.5:
            holiday_taken = True
            _add(rng, found, "holiday", monday, sloppy)
        if rng.random() < (0.6 if person.get("insurance") == "parttime" else 0.1):
            found.append({"type": "wage_work", "date": monday + DAY * 4, "hours": float(rng.randint(4, 25))})
        if week == 14 and rng.random() < 0.5:
            found.append({"type": "offer", "date": monday + DAY, "kind": rng.choice(("internship", "education",
                                                                                     "wage_subsidy")),
                          "weeks": rng.randint(4, 13)})
    end = start + DAY * (7 * weeks)
    if ends:
        found.append({"type": "deregistered", "date": end, "reason": "job"})
    return end


def _add(rng, found, kind: str, day: Date, sloppy: bool, held_by: str | None = None, first: bool = False) -> None:
    """An event of ``kind`` on ``day`` (with its fields, and what comes with it)."""
    late = sloppy and rng.random() < 0.3
    if kind == "application":
        found.append({"type": "application", "date": day, "fulltime": True, "posted": rng.random() < 0.5})
    elif kind == "job_suggestions_checked":
        found.append({"type": kind, "date": day})
    elif kind == "meeting":
        outcome = "no_show" if late else rng.choice(("held",) * 12 + ("cancelled_sick",))
        found.append({"type": "meeting", "date": day, "held_by": held_by or rng.choice(("akasse", "jobcenter")),
                      "kind": "job", "mode": "in_person" if first else rng.choice(("in_person", "phone", "video")),
                      "outcome": outcome})
        if outcome == "no_show":
            found.append({"type": "contact", "date": day + DAY * rng.randint(1, 10), "with": "jobcenter"})
    elif kind == "booking":
        deadline = day + DAY * 7
        found.append({"type": "booking_requested", "date": day, "by": "jobcenter", "deadline": deadline})
        found.append({"type": "meeting_booked", "date": deadline + DAY * (rng.randint(1, 4) if late else
                                                                          -rng.randint(0, 6))})
    elif kind == "payment_period":
        end = day + DAY * 29
        found.append({"type": "payment_period", "start": day, "end": end,
                      "card_received": end + DAY * (rng.randint(40, 100) if late else rng.randint(0, 10))})
    elif kind == "sick":
        end = day + DAY * rng.randint(0, 4)
        found.append({"type": "sick", "start": day, "end": end, "reported_on": day + DAY * (2 if late else 0),
                      "well_reported_on": end + DAY})
    elif kind == "holiday":
        notice = DAY * (rng.randint(3, 10) if late else rng.randint(15, 60))
        found.append({"type": "holiday", "start": day, "end": day + DAY * rng.choice((4, 11)),
                      "notified_on": day - notice, "dagpenge_applied_on": day - notice})
    elif kind == "wage_work":
        found.append({"type": "wage_work", "date": day, "hours": float(rng.randint(4, 25))})
    else:
        raise ValueError(kind)


def _iso(mapping: dict) -> dict:
    return {k: v.isoformat() if isinstance(v, Date) else v for k, v in mapping.items()}


def document(record: dict) -> dict:
    """A timeline record as the document :func:`frist.check` takes: ``name``, ``person``, ``events``."""
    return {"name": record["id"], "person": record["person"], "events": record["events"]}


def documents(seed: int, count: int, events: int = 50, start: int = 0) -> list:
    """Timeline documents for persons ``start`` … ``start + count - 1`` of population ``seed``."""
    return [document(timeline(seed, i, events)) for i in range(start, start + count)]


# ---------------------------------------------------------------------------- Parquet

def parquet_path(cache_dir: Path, count: int, seed: int, events: int = 50) -> Path:
    return Path(cache_dir) / f"population-v{FORMAT_VERSION}-seed{seed}-{events}ev-{count}.parquet"


def write_parquet(path: Path, count: int, seed: int, events: int = 50, chunk: int = 20_000,
                  workers: int | None = None) -> Path:
    """``count`` timelines as Parquet (columns ``id``, ``person``, ``events``: JSON text),
    written in row groups of ``chunk`` by ``workers`` processes, then renamed into place."""
    import concurrent.futures

    import pyarrow as pa
    import pyarrow.parquet as pq

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".tmp-{os.getpid()}")
    schema = pa.schema([("id", pa.string()), ("person", pa.string()), ("events", pa.string())])
    starts = range(0, count, chunk)
    with concurrent.futures.ProcessPoolExecutor(workers or os.cpu_count()) as pool, \
            pq.ParquetWriter(tmp, schema, compression="zstd") as writer:
        for columns in pool.map(_chunk_columns, [(seed, s, min(chunk, count - s), events) for s in starts]):
            writer.write_table(pa.table(columns, schema=schema))
    os.replace(tmp, path)
    return path


def _chunk_columns(job) -> dict:
    seed, start, count, events = job
    rows = [timeline(seed, i, events) for i in range(start, start + count)]
    return {"id": [r["id"] for r in rows], "person": [json.dumps(r["person"]) for r in rows],
            "events": [json.dumps(r["events"]) for r in rows]}
