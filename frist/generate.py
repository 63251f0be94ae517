"""Edge-case timelines, reproducible from a seed.

``generate(module, n, out_dir, profile=None, seed=0)`` writes ``n`` timeline
files for a compiled rule module (``frist.compile_rules(path)``)::

    module = frist.compile_rules("rules.yaml")
    paths = generate(module, 20, "build/edge", profile="dagpenge-fak-30s", seed=7)
    # build/edge/dagpenge-fak-30s-7-0001.yaml ... -0020.yaml; each file names
    # a suggested check date in its first lines

The same seed, profile and rule vocabulary give the same files on every run
and machine.  The timelines are built from the building blocks below, which
draw through a :class:`Chooser`: here a seeded :class:`random.Random`, in
:mod:`frist.testing` hypothesis' ``draw`` (so the property tests and
``frist generate`` make the same kinds of timelines, and hypothesis can shrink
them).  The blocks aim at the places where deadlines are decided:

* registrations on and around the regime dates (:data:`REGIME_DATES`), month
  ends, 29 February and Danish public holidays;
* birthdays on, the day before and the day after the age thresholds
  (:data:`AGE_THRESHOLDS`) at registration, and 29 February births;
* events on the day before, on and after the common deadlines
  (:data:`COMMON_DEADLINES`) counted from the registration;
* wage hours around 29.6 a week and 148, 185 and 300 in total; periods of
  lengths around the ``lasts at most`` limits.
"""

from __future__ import annotations

import calendar
import datetime as _dt
import random
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

import holidays
import yaml

from .dates import ONE_DAY, age_on, shift
from .errors import Diagnostic, FristError, Span, did_you_mean

Date = _dt.date

REGIME_DATES = tuple(Date.fromisoformat(d) for d in (
    "2015-07-01", "2017-07-01", "2020-01-01", "2023-03-22", "2023-05-01", "2024-01-01", "2026-07-01"))
COMMON_DEADLINES = ((14, "day"), (3, "week"), (1, "month"), (3, "month"), (6, "month"), (13, "week"))
AGE_THRESHOLDS = (25, 30, 50, 60)
FIRST_DAY, LAST_DAY = Date(2013, 1, 1), Date(2027, 12, 31)

# values near the limits the rule book states (hours, counts, weeks), and offsets of date fields
NUMBERS = (7.4, 0, 4, 4.5, 15, 15.5, 19, 19.5, 20, 29.5, 29.6, 29.7, 30, 30.5, 37, 111, 148, 185, 300)
INTEGERS = (2, 0, 1, 3, 4, 6, 8, 26)
WAGE_HOURS = (7.4, 29.5, 29.6, 29.7, 0, 0.1, 25, 37, 148, 148.5, 185, 185.5, 300, 300.5)
WAGE_TOTALS = (148, 185, 300)
FIELD_OFFSETS = (0, 1, -1, 7, 14, 13, 15, -14, -13, -15, -28, -30, -31, -42)
NOTICE_DAYS = (14, 13, 15, 42, 31, 30, 28, 1, 0)
PERIOD_DAYS = (1, 2, 3, 5, 6, 7, 13, 14, 15, 27, 28, 29, 42, 43, 56, 57, 92, 123, 183, 546, 547)

PROFILES = {
    "dagpenge-fak-30s": {
        "doc": "Full-time insured FAK member in their thirties, registered under any regime since 2015.",
        "person": {"benefit": "dagpenge", "akasse": "FAK", "insurance": "fulltime", "graduate": False},
        "ages": (30, 39), "registered": (Date(2015, 7, 1), Date(2026, 12, 31))},
    "dagpenge-aka-under-30": {
        "doc": "Full-time insured AKA member under 30 (the 4-week application quota, the 13-week offer).",
        "person": {"benefit": "dagpenge", "akasse": "AKA", "insurance": "fulltime", "graduate": False},
        "ages": (18, 29), "registered": (Date(2015, 7, 1), Date(2026, 12, 31))},
    "dagpenge-placed-before-2015": {
        "doc": "Dagpenge registration before the 2015 reform (offer deadlines of 9 and 6 months).",
        "person": {"benefit": "dagpenge", "insurance": "fulltime", "graduate": False},
        "ages": (30, 66), "registered": (Date(2013, 1, 1), Date(2015, 6, 30))},
    "dagpenge-60-plus": {
        "doc": "Dagpenge at 60 or over, any a-kasse.",
        "person": {"benefit": "dagpenge", "graduate": False},
        "ages": (60, 66), "registered": (Date(2015, 7, 1), Date(2026, 12, 31))},
    "kontanthjaelp": {
        "doc": "Cash benefit (kontanthjælp): the jobcenter's CV and meeting duties only.",
        "person": {"benefit": "kontanthjaelp", "graduate": False},
        "ages": (30, 59), "registered": (Date(2015, 7, 1), Date(2026, 12, 31))},
    "uddannelseshjaelp-under-25": {
        "doc": "Education benefit (uddannelseshjælp) under 25 without an education.",
        "person": {"benefit": "uddannelseshjaelp", "education": "none", "graduate": False},
        "ages": (18, 24), "registered": (Date(2015, 7, 1), Date(2026, 12, 31))},
    "parttime-ff-50s": {
        "doc": "Part-time insured FF member in their fifties (the FF joblog uploads).",
        "person": {"benefit": "dagpenge", "akasse": "FF", "insurance": "parttime", "graduate": False},
        "ages": (50, 59), "registered": (Date(2015, 7, 1), Date(2026, 12, 31))},
    "graduate-2024": {
        "doc": "New graduate (dimittend) on dagpenge, registered in 2024.",
        "person": {"benefit": "dagpenge", "insurance": "fulltime", "graduate": True, "education": "long_higher"},
        "ages": (21, 29), "registered": (Date(2024, 1, 1), Date(2024, 12, 31))},
}


# ---------------------------------------------------------------------------- choosing

class Chooser:
    """What the building blocks draw with; :mod:`frist.testing` has one over hypothesis.

    ``choice`` and ``integer`` should prefer (shrink towards) the first option and
    the value nearest 0; ``chance(p)`` is true with about ``p`` percent.
    """

    def __init__(self, rng: random.Random):
        self.rng = rng

    def integer(self, lo: int, hi: int) -> int:
        return self.rng.randint(lo, hi)

    def choice(self, options):
        return options[self.rng.randrange(len(options))]

    def chance(self, percent: int) -> bool:
        return self.rng.randrange(100) < percent

    def steer(self, value: float, label: str) -> None:
        """Hypothesis targets ``value``; random drawing has nothing to steer."""


# ---------------------------------------------------------------------------- dates

def plus(day: Date, amount: int, unit: str) -> Date:
    """Date arithmetic as the rule book's ``month_rounding: down`` does it."""
    return shift(day, amount, unit, "down")


def _candidates(first: Date, last: Date) -> dict:
    """The special registration days between ``first`` and ``last``, by kind."""
    years = range(first.year, last.year + 1)
    found = {
        "regime": [d + ONE_DAY * k for d in REGIME_DATES for k in (0, -1, 1)],
        "month_end": [Date(y, m, calendar.monthrange(y, m)[1]) for y in years for m in range(1, 13)],
        "leap_day": [Date(y, 2, 29) for y in years if calendar.isleap(y)],
        "public_holiday": sorted(holidays.Denmark(years=list(years))),
    }
    return {kind: [d for d in days if first <= d <= last] for kind, days in found.items()}


_CANDIDATES: dict = {}


def registration_day(c: Chooser, first: Date = FIRST_DAY, last: Date = LAST_DAY) -> Date:
    """An ordinary day, or a regime date −1/0/+1, a month end, 29 February or a public holiday."""
    special = _CANDIDATES.get((first, last))
    if special is None:
        special = _CANDIDATES[(first, last)] = _candidates(first, last)
    kind = c.choice(("ordinary", "regime", "month_end", "leap_day", "public_holiday"))
    if kind != "ordinary" and special[kind]:
        return c.choice(special[kind])
    return first + ONE_DAY * c.integer(0, (last - first).days)


def birth_date(c: Chooser, registered: Date, ages: tuple = (18, 70)) -> Date:
    """A birthday giving an age in ``ages`` at registration, often right at a threshold:
    the birthday on the registration day, the day before or after, or 29 February."""
    lo, hi = ages

    def fits(birth):
        return lo <= age_on(birth, registered) <= hi

    kind = c.choice(("ordinary", "threshold", "leap_day"))
    if kind == "threshold":
        births = sorted({plus(registered, -t, "year") + ONE_DAY * k
                         for t in AGE_THRESHOLDS + (lo, hi + 1) for k in (0, -1, 1)})
        births = [b for b in births if fits(b)]
    else:
        births = [Date(y, 2, 29) for y in range(registered.year - hi - 1, registered.year - lo + 1)
                  if calendar.isleap(y) and fits(Date(y, 2, 29))]
    if kind != "ordinary" and births:
        return c.choice(births)
    return plus(registered, -c.integer(lo, hi), "year") - ONE_DAY * c.integer(1, 364)


def landing(c: Chooser, anchor: Date, spread: int = 400) -> Date:
    """A day on, just before or just after a common deadline from ``anchor``, or anywhere."""
    if c.chance(60):
        amount, unit = c.choice(COMMON_DEADLINES)
        return plus(anchor, amount, unit) + ONE_DAY * c.choice((0, -1, 1))
    return anchor + ONE_DAY * c.integer(-7, spread)


def deadline_distance(day: Date, anchor: Date) -> int:
    """Days from ``day`` to the nearest common deadline counted from ``anchor``."""
    return min(abs((day - plus(anchor, amount, unit)).days) for amount, unit in COMMON_DEADLINES)


# ---------------------------------------------------------------------------- people

def person_facts(c: Chooser, facts: dict, registered: Date, profile: dict | None = None) -> dict:
    """Person facts for the vocabulary's ``person`` fields; a profile fixes some of them."""
    fixed = profile["person"] if profile else {}
    ages = profile["ages"] if profile else (18, 70)
    person = {}
    for name, spec in facts.items():
        if name in fixed:
            person[name] = fixed[name]
        elif spec["type"] == "date":
            person[name] = birth_date(c, registered, ages) if name == "birth_date" else \
                registered - ONE_DAY * c.integer(0, 3650)
        else:
            person[name] = field_value(c, spec, registered, optional=False)
    return person


def field_value(c: Chooser, spec: dict, day: Date, optional: bool = True):
    """A value for a vocabulary field, near the limits rules compare it with; None: left out."""
    if optional and ("default" in spec or not spec.get("required", True)) and c.chance(30):
        return None
    kind = spec["type"]
    if kind == "enum":
        return c.choice(spec["values"])
    if kind == "boolean":
        default = bool(spec.get("default", False))
        return c.choice((default, not default))
    if kind in ("number", "integer"):
        values = NUMBERS if kind == "number" else INTEGERS
        if "max" in spec:  # up to the field's declared bound, and the bound itself
            values = tuple(v for v in values if v <= spec["max"]) + (spec["max"],)
        if "min" in spec:  # from the field's declared lower bound, and the bound itself
            values = (spec["min"],) + tuple(v for v in values if v >= spec["min"])
        return c.choice(values)
    if kind == "date":
        return day + ONE_DAY * c.choice(FIELD_OFFSETS)
    return "generated"


# ---------------------------------------------------------------------------- timelines

@dataclass
class Draft:
    """A timeline being built: the person, the registration and the events so far."""

    vocabulary: dict
    registered: Date
    person: dict
    events: list = field(default_factory=list)

    def known(self, etype: str) -> bool:
        spec = self.vocabulary["events"].get(etype)
        return spec is not None and not spec.get("derived")

    def add(self, c: Chooser, etype: str, day: Date, length: int = 1, **given) -> None:
        """Add an event of a type the vocabulary declares; fields not ``given`` are drawn
        (a given None leaves the field out)."""
        if not self.known(etype):
            return
        spec = self.vocabulary["events"][etype]
        event = {"type": etype}
        if spec["kind"] == "point":
            event["date"] = day
        else:
            event["start"], event["end"] = day, day + ONE_DAY * (max(length, 1) - 1)
        for name, fspec in spec.get("fields", {}).items():
            value = given[name] if name in given else field_value(c, fspec, day)
            if value is not None:
                event[name] = value
        self.events.append(event)

    def document(self, name: str) -> dict:
        """The timeline document, dates as ISO text, events in date order."""
        events = sorted(self.events, key=lambda e: e.get("date") or e["start"])
        return {"name": name, "person": _iso(self.person), "events": [_iso(e) for e in events]}


def _iso(mapping: dict) -> dict:
    return {k: v.isoformat() if isinstance(v, Date) else v for k, v in mapping.items()}


def event_day(event: dict) -> Date:
    day = event.get("date") or event["start"]
    return Date.fromisoformat(day) if isinstance(day, str) else day


def start(c: Chooser, draft: Draft) -> None:
    """Unemployment (usually the registration day or earlier), the registration, and for
    a graduate the education's end and joining the a-kasse."""
    reg = draft.registered
    if not c.chance(10):
        draft.add(c, "unemployed", reg - ONE_DAY * c.choice((0, 1, 2, 7, 31, -1)))
    draft.add(c, "registered", reg)
    if draft.person.get("graduate"):
        finished = plus(reg, -1, "month") + ONE_DAY * c.choice((0, -1, 1, -14))
        draft.add(c, "education_finished", finished)
        draft.add(c, "akasse_joined", finished + ONE_DAY * c.choice((14, 13, 15, 0, 30)))


def _cv(c, d, day):
    d.add(c, "cv_created", day)
    if c.chance(50):
        d.add(c, c.choice(("cv_approved", "cv_rejected")), day + ONE_DAY * c.choice((0, 1, 7, 13, 14, 15)))


def _meeting(c, d, day):
    d.add(c, "meeting", day)
    if c.chance(30):
        d.add(c, "contact", day + ONE_DAY * c.choice((0, 1, 2, 3, 7)))


def _booking(c, d, day):
    deadline = day + ONE_DAY * c.choice((7, 0, 1, 6, 8, 14))
    d.add(c, "booking_requested", day, deadline=deadline)
    if c.chance(75):
        d.add(c, "meeting_booked", max(day, deadline + ONE_DAY * c.choice((0, -1, 1, -6))))


def _series(etype, gaps):
    def build(c, d, day):
        for _ in range(c.integer(1, 6)):
            d.add(c, etype, day)
            day += ONE_DAY * c.choice(gaps)
    return build


def _offer(c, d, day):
    d.add(c, "offer", day)


def _period(etype, dated_fields):
    """A period of a length near a limit; each date field before its start or after its end."""
    def build(c, d, day):
        length = c.choice(PERIOD_DAYS)
        end = day + ONE_DAY * (length - 1)
        given = {}
        for name, (base, offsets) in dated_fields.items():
            if c.chance(80):
                given[name] = (day if base == "start" else end) + ONE_DAY * c.choice(offsets)
            else:
                given[name] = None
        d.add(c, etype, day, length, **given)
    return build


def _wage_work(c, d, day):
    if c.chance(50):
        d.add(c, "wage_work", day, hours=c.choice(WAGE_HOURS))
        return
    total = c.choice(WAGE_TOTALS) + c.choice((0, 0.5, -0.5, 0.1))
    weeks = c.integer(5, 12)
    each = round(total / weeks, 1)
    for k in range(weeks):  # one pay period a week; the last one makes the total exact
        hours = each if k < weeks - 1 else round(total - each * (weeks - 1), 1)
        d.add(c, "wage_work", day + ONE_DAY * 7 * k, hours=hours)


def _self_inflicted(c, d, day):
    d.add(c, "self_inflicted", day)


def _deregistration(c, d, day):
    d.add(c, "deregistered", day)
    if c.chance(70):
        back = c.choice(((1, "day"), (0, "day"), (7, "day"), (3, "month"), (3, "month"), (3, "month")))
        again = plus(day, *back) + ONE_DAY * (c.choice((0, -1, 1)) if back[1] == "month" else 0)
        d.add(c, "registered", again)
        if c.chance(60):
            d.add(c, "cv_created", again + ONE_DAY * c.choice((0, 14, 15)))


def _other(c, d, day):
    types = sorted(t for t in d.vocabulary["events"] if d.known(t) and t not in SPECIFIC)
    if types:
        d.add(c, c.choice(types), day, c.choice(PERIOD_DAYS))


# kind -> (the event type it is about, builder, is a period); the first kinds are the simplest
BUILDERS = {
    "application": ("application", _series("application", (3, 4, 7, 8, 1, 2, 14)), False),
    "meeting": ("meeting", _meeting, False),
    "cv": ("cv_created", _cv, False),
    "booking": ("booking_requested", _booking, False),
    "job_suggestions": ("job_suggestions_checked", _series("job_suggestions_checked", (7, 8, 6, 1, 14)), False),
    "offer": ("offer", _offer, False),
    "sickness": ("sick", _period("sick", {"reported_on": ("start", (0, 1, -1, 2)),
                                          "well_reported_on": ("end", (1, 0, 2))}), True),
    "holiday": ("holiday", _period("holiday", {"notified_on": ("start", tuple(-n for n in NOTICE_DAYS)),
                                               "dagpenge_applied_on": ("start", tuple(-n for n in NOTICE_DAYS))}),
                True),
    "wage_work": ("wage_work", _wage_work, False),
    "self_inflicted": ("self_inflicted", _self_inflicted, False),
    "deregistration": ("deregistered", _deregistration, False),
    "other": ("", _other, True),
}
SPECIFIC = {"unemployed", "registered", "deregistered", "cv_created", "cv_approved", "cv_rejected", "meeting",
            "contact", "booking_requested", "meeting_booked", "application", "job_suggestions_checked", "offer",
            "sick", "holiday", "wage_work", "self_inflicted", "education_finished", "akasse_joined"}


def kinds(draft: Draft) -> tuple:
    """The builder kinds whose event type the vocabulary declares."""
    return tuple(k for k, (etype, _, _) in BUILDERS.items() if k == "other" or draft.known(etype))


def add_kind(c: Chooser, draft: Draft, kind: str, day: Date) -> None:
    BUILDERS[kind][1](c, draft, day)


def new_draft(c: Chooser, vocabulary: dict, profile: str | None = None) -> Draft:
    """A registration (in the profile's range), the person, and the events of :func:`start`."""
    spec = PROFILES[profile] if profile else None
    registered = registration_day(c, *(spec["registered"] if spec else (FIRST_DAY, LAST_DAY)))
    draft = Draft(vocabulary, registered, person_facts(c, vocabulary["person"], registered, spec))
    start(c, draft)
    return draft


def timeline_document(c: Chooser, vocabulary: dict, *, profile: str | None = None, max_events: int = 30,
                      name: str | None = None) -> dict:
    """A whole timeline document: registration, person, then up to ``max_events`` events
    placed relative to the registration (periods often start a few days before a deadline
    so that they cross it)."""
    draft = new_draft(c, vocabulary, profile)
    base, wanted = len(draft.events), c.integer(0, max_events)
    available = kinds(draft)
    while len(draft.events) < base + wanted:
        kind = c.choice(available)
        day = landing(c, draft.registered)
        if BUILDERS[kind][2]:
            day -= ONE_DAY * c.integer(0, 5)
        add_kind(c, draft, kind, day)
    del draft.events[base + wanted:]
    added = draft.events[base:]
    if added:
        mean = sum(deadline_distance(event_day(e), draft.registered) for e in added) / len(added)
        c.steer(-mean, "mean days between an event and the nearest common deadline")
    return draft.document(name or f"generated timeline ({profile or 'any person'})")


# ---------------------------------------------------------------------------- files

def generate(module: ModuleType, n: int, out_dir, profile: str | None = None, seed: int = 0,
             max_events: int = 40) -> list:
    """Write ``n`` edge-case timelines as YAML files into ``out_dir``; return their paths.

    File ``i`` depends only on ``seed``, ``profile``, ``i`` and the rule book's
    vocabulary, so the same command gives the same files.  An unknown profile is a
    :class:`~frist.errors.FristError` naming the known ones.
    """
    if profile is not None and profile not in PROFILES:
        raise FristError(Diagnostic(f"unknown profile `{profile}`", Span("<command line>", 1, 1),
                                    hint=did_you_mean(profile, PROFILES)))
    vocabulary = module.BOOK["vocabulary"]
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    stem = profile or "timeline"
    paths = []
    for i in range(1, n + 1):
        chooser = Chooser(random.Random(f"frist-generate/{seed}/{profile}/{i}"))
        document = timeline_document(chooser, vocabulary, profile=profile, max_events=max_events,
                                     name=f"{stem} {i} (seed {seed})")
        path = out / f"{stem}-{seed}-{i:04d}.yaml"
        path.write_text(to_yaml(document), encoding="utf-8")
        paths.append(path)
    return paths


def suggested_as_of(document: dict) -> Date:
    """Ten months after the first registration: every common deadline has passed."""
    first = min(event_day(e) for e in document["events"] if e["type"] == "registered")
    return plus(first, 10, "month")


def to_yaml(document: dict) -> str:
    """A timeline document as YAML, one event a line, dates unquoted."""
    def flow(mapping):
        plain = {k: Date.fromisoformat(v) if _is_iso(v) else v for k, v in mapping.items()}
        return yaml.safe_dump(plain, default_flow_style=True, sort_keys=False, width=10**6,
                              allow_unicode=True).strip()

    lines = ["# generated by frist generate",
             f"# check with: frist check FILE --as-of {suggested_as_of(document).isoformat()}",
             "name: " + yaml.safe_dump(document["name"], default_style='"', allow_unicode=True).strip(),
             "person: " + flow(document["person"]), "events:"]
    lines += ["  - " + flow(e) for e in document["events"]]
    return "\n".join(lines) + "\n"


def _is_iso(value) -> bool:
    if not isinstance(value, str) or len(value) != 10:
        return False
    try:
        Date.fromisoformat(value)
    except ValueError:
        return False
    return True
