"""Hypothesis strategies for testing rule books and checkers with generated timelines.

Needs ``hypothesis`` (``pip install -e ".[test]"``).  Every strategy takes the
compiled rule module (``frist.compile_rules(path)``) and draws from its
vocabulary, so a timeline is always valid for the rule book::

    import datetime
    import frist
    from hypothesis import given, strategies as st
    from frist.testing import timelines, compliant_timeline, TimelineMachine

    module = frist.compile_rules("rules.yaml")

    @given(timelines(module, profile="dagpenge-fak-30s"), st.integers(0, 400))
    def test_checking_never_fails(document, days):
        registered = min(e["date"] for e in document["events"] if e["type"] == "registered")
        as_of = datetime.date.fromisoformat(registered) + datetime.timedelta(days=days)
        frist.check(document, rules=module, as_of=as_of)

    def test_a_dutiful_person_breaks_nothing():
        person = {"birth_date": "1988-09-14", "benefit": "dagpenge", "akasse": "FAK"}
        document = compliant_timeline(module, person, "2024-04-08", "2025-02-01")
        assert not frist.check(document, rules=module, as_of="2025-02-01").violations()

    # the state machine, as a unittest test case collected by pytest
    TestTimelines = TimelineMachine.for_rules(module).TestCase

* :func:`registration_dates` — regime dates −1/0/+1, month ends, 29 February,
  Danish public holidays and ordinary days;
* :func:`persons` — person facts, with birthdays on and around the age
  thresholds 25, 30, 50 and 60 at registration;
* :func:`timelines` — whole timeline documents (``name``, ``person``,
  ``events``) with events on and around the common deadlines;
* :data:`PROFILES` — named person profiles: fixed facts, an age range and a
  registration range (``profile=`` of the strategies, ``frist generate --profile``);
* :func:`compliant_timeline` — a timeline in which a person keeps every duty;
* :class:`TimelineMachine` — a state machine that grows a timeline in date
  order and checks, after every step, that verdicts only ever get worse.

The building blocks are those of :mod:`frist.generate`, drawn through hypothesis
so that failing timelines shrink to small ones.
"""

from __future__ import annotations

import datetime as _dt

from hypothesis import strategies as st
from hypothesis import target
from hypothesis.errors import InvalidArgument
from hypothesis.stateful import RuleBasedStateMachine, initialize, precondition, rule

from .dates import ONE_DAY, parse_date
from .generate import (COMMON_DEADLINES, FIRST_DAY, LAST_DAY, PROFILES, Chooser, add_kind, event_day, kinds,
                       new_draft, person_facts, plus, registration_day, timeline_document)
from .report import STATUSES, check

__all__ = ["PROFILES", "registration_dates", "persons", "timelines", "compliant_timeline", "TimelineMachine"]

Date = _dt.date


class _Draw(Chooser):
    """The building blocks' chooser over hypothesis' ``draw``: shrinks to the first option,
    to the integer nearest 0 and to ``chance`` false."""

    def __init__(self, draw):
        self.draw = draw

    def integer(self, lo, hi):
        return self.draw(st.integers(lo, hi))

    def choice(self, options):
        return self.draw(st.sampled_from(options))

    def chance(self, percent):
        return self.draw(st.integers(0, 99)) >= 100 - percent

    def steer(self, value, label):
        try:
            target(value, label=label)
        except InvalidArgument:
            pass  # a second timeline in the same test case: one observation per label is allowed


def _profile(profile):
    if profile is not None and profile not in PROFILES:
        raise InvalidArgument(f"unknown profile {profile!r}; known: {', '.join(PROFILES)}")
    return PROFILES[profile] if profile else None


def registration_dates(first: Date = FIRST_DAY, last: Date = LAST_DAY) -> st.SearchStrategy:
    """Registration days from ``first`` to ``last``: the regime dates (2015-07-01,
    2017-07-01, 2020-01-01, 2023-03-22, 2023-05-01, 2024-01-01, 2026-07-01) and the day
    before and after each, month ends, 29 February, Danish public holidays, ordinary days."""
    return st.composite(lambda draw: registration_day(_Draw(draw), first, last))()


def persons(module, *, registered: Date | None = None, profile: str | None = None) -> st.SearchStrategy:
    """Person facts (ISO dates) for the rule book's vocabulary: every a-kasse, benefit,
    insurance, education and graduate status, and a birth date putting the age at
    ``registered`` (drawn from :func:`registration_dates` when not given) on a threshold
    (25, 30, 50, 60), a day either side of one, on 29 February, or anywhere in the range.
    A ``profile`` (a key of :data:`PROFILES`) fixes some facts and the age range."""
    spec = _profile(profile)
    facts = module.BOOK["vocabulary"]["person"]

    @st.composite
    def build(draw):
        c = _Draw(draw)
        day = registered or registration_day(c, *(spec["registered"] if spec else (FIRST_DAY, LAST_DAY)))
        person = person_facts(c, facts, day, spec)
        return {k: v.isoformat() if isinstance(v, Date) else v for k, v in person.items()}

    return build()


def timelines(module, *, profile: str | None = None, max_events: int = 30) -> st.SearchStrategy:
    """Timeline documents ``{"name", "person", "events"}`` valid for the vocabulary.

    A registration (usually with ``unemployed`` the same day or earlier), then up to
    ``max_events`` events placed relative to it — CVs, meetings (every holder, kind,
    mode and outcome), bookings with deadlines, applications, job-suggestion checks,
    offers, sickness and holiday periods that may cross deadlines, wage work around
    29.6, 148, 185 and 300 hours, self-inflicted unemployment, deregistration and
    re-registration, and any other event type the vocabulary declares.  Events land on
    the day before, on and after the common deadlines (14 days, 3 weeks, 1 month,
    13 weeks, 3 and 6 months) as often as elsewhere, and ``hypothesis.target`` steers
    towards timelines whose events sit close to them.  Derived event types are never
    generated.  Dates are ISO text; events are in date order.
    """
    _profile(profile)
    vocabulary = module.BOOK["vocabulary"]
    return st.composite(lambda draw: timeline_document(_Draw(draw), vocabulary, profile=profile,
                                                       max_events=max_events))()


# ---------------------------------------------------------------------------- a dutiful person

# (months, days) after the registration, held by, kind; every meeting is held, in person.
# Together they meet every regime's meeting duties within the first 16 months.
MEETINGS = (
    (0, 3, "jobcenter", "job"),        # cash-benefit-first-meeting: within 1 week
    (0, 5, "akasse", "cv"),            # cv-meeting: within 2 weeks (registrations before 2024)
    (0, 7, "akasse", "job"),           # first-job-meeting-akasse: within 2 weeks (from 2024)
    (1, 0, "akasse", "job"),           # contact course: 3 (2024) or 2 (2026) a-kasse meetings in 3 months
    (1, 3, "akasse", "availability"),  # availability-meeting-first: within 3 months
    (1, 7, "jobcenter", "job"),        # jobcenter-meetings-monthly-2015: 6 in 6 months; cash benefit: 4
    (2, 0, "akasse", "job"),
    (2, 7, "jobcenter", "job"),
    (3, 7, "jobcenter", "job"),        # contact course: 3 (2024) or 2 (2026) jobcenter meetings in months 3-6
    (4, 0, "akasse", "availability"),  # availability-meeting-second: months 3-6
    (4, 7, "jobcenter", "job"),
    (4, 14, "jobcenter", "joint"),     # joint-meeting-month-5: months 4-6; joint-meetings-2020: 2 in 6 months
    (5, 7, "jobcenter", "job"),
    (5, 14, "jobcenter", "joint"),
    (7, 0, "jobcenter", "joint"),      # intensified-effort-16-months: months 6-16
    (15, 10, "jobcenter", "joint"),    # joint-meeting-16-months-2015: months 15-16
)


def _latest(module, name, fallback):
    versions = module.BOOK["parameters"].get(name)
    return versions[-1][1] if versions else fallback


def compliant_timeline(module, person: dict, registered, as_of) -> dict:
    """A timeline in which the person keeps every duty of the shipped rule book up to
    ``as_of`` (at most about 12 months after ``registered``; a graduate's benefit
    period then runs out), whatever the regime, a-kasse, target group and age.

    Unemployed and registered on one day, the CV that day; the meetings of
    :data:`MEETINGS`; an offer after 60 days (before the shortest offer deadline,
    13 weeks); applications every Tuesday and Thursday; job suggestions checked every
    7 days (until the duty ended in 2020), Tuesday's uploaded to the joblog, Thursday's for a
    job outside the person's own field; a booking made the day after it was asked
    for; in each karensdag period (4 months) six weekly pay periods of wage work just
    over the karensdag hours in total, each week under the weekly maximum; a 3-day
    sickness reported on its first day and its end reported the day after; a week's
    holiday notified and applied for 6 weeks ahead; a benefit card each month; for a
    graduate, the education ended 45 days before and the a-kasse joined 5 days after.
    Only events on or before ``as_of`` are included.
    """
    reg, as_of = parse_date(registered), parse_date(as_of)
    vocabulary = module.BOOK["vocabulary"]
    dagpenge = person.get("benefit") == "dagpenge"
    events = []

    def add(etype, day, **fields):
        spec = vocabulary["events"].get(etype)
        if day > as_of or spec is None or spec.get("derived"):
            return
        event = {"type": etype}
        if spec["kind"] == "point":
            event["date"] = day.isoformat()
        else:
            event["start"], event["end"] = day.isoformat(), fields.pop("end").isoformat()
        known = spec.get("fields", {})
        event.update({k: v.isoformat() if isinstance(v, Date) else v for k, v in fields.items() if k in known})
        events.append(event)

    add("unemployed", reg)
    add("registered", reg)
    add("cv_created", reg)
    if person.get("graduate"):
        finished = reg - ONE_DAY * 45
        add("education_finished", finished)
        add("akasse_joined", finished + ONE_DAY * 5)
    for months, days, held_by, kind in MEETINGS:
        if held_by == "akasse" and not dagpenge:
            continue
        add("meeting", plus(reg, months, "month") + ONE_DAY * days, held_by=held_by, kind=kind,
            mode="in_person", outcome="held")
    add("offer", reg + ONE_DAY * 60, kind="internship", weeks=4)
    asked = plus(reg, 2, "month") + ONE_DAY * 10
    add("booking_requested", asked, by="jobcenter", deadline=asked + ONE_DAY * 7)
    add("meeting_booked", asked + ONE_DAY)

    day = reg
    while day <= as_of:
        if day.weekday() in (1, 3):  # Tuesday (uploaded) and Thursday (outside the person's own field)
            add("application", day, fulltime=True, posted=True, uploaded=day.weekday() == 1,
                own_field=day.weekday() == 1)
        if (day - reg).days % 7 == 0 and day > reg and day < Date(2020, 1, 15):
            add("job_suggestions_checked", day)
        day += ONE_DAY

    if dagpenge:
        _wage_work(module, add, reg, as_of, person)
        sick = _next_weekday(reg + ONE_DAY * 100, 2)  # Wednesday to Friday
        add("sick", sick, end=sick + ONE_DAY * 2, reported_on=sick, well_reported_on=sick + ONE_DAY * 3)
        holiday = _next_weekday(reg + ONE_DAY * 150, 0)  # Monday to Friday
        add("holiday", holiday, end=holiday + ONE_DAY * 4, notified_on=holiday - ONE_DAY * 42,
            dagpenge_applied_on=holiday - ONE_DAY * 42)
        first = reg
        while True:  # calendar months, each card in 3 days after the month
            last = plus(first.replace(day=1), 1, "month") - ONE_DAY
            if last >= as_of:
                break
            add("payment_period", first, end=last, card_received=last + ONE_DAY * 3)
            first = last + ONE_DAY

    events.sort(key=lambda e: e.get("date") or e["start"])
    facts = {k: v.isoformat() if isinstance(v, Date) else v for k, v in person.items()}
    return {"name": f"compliant timeline, registered {reg.isoformat()}", "person": facts, "events": events}


def _next_weekday(day: Date, weekday: int) -> Date:
    return day + ONE_DAY * ((weekday - day.weekday()) % 7)


def _wage_work(module, add, reg: Date, as_of: Date, person: dict) -> None:
    """Just over the karensdag hours in each 4-month period, in weekly pay periods (Fridays)
    of at most the weekly maximum less a margin, so that no week pays nothing (for a part-time
    insured person, 4/5 of the former weekly hours less a margin: none when that is no hour)."""
    need = _latest(module, "karensdag_hours", 148) + 2
    weekly = min(25, _latest(module, "max_deducted_hours", 29.6) - 1)
    if person.get("insurance") == "parttime":
        share = _latest(module, "max_deducted_share_parttime", 0.8)
        weekly = min(weekly, share * (person.get("former_weekly_hours") or 0) - 1)
        if weekly < 1:
            return
    weeks = -(-need // weekly)
    period_start, k = reg, 1
    while period_start <= as_of:
        period_end = plus(reg, 4 * k, "month") - ONE_DAY
        friday = _next_weekday(period_start, 4)
        fridays = ((period_end - friday).days // 7) + 1  # a week's pay stays in its period
        for _ in range(int(min(weeks, fridays))):
            add("wage_work", friday, hours=round(min(weekly, need / weeks), 1))
            friday += ONE_DAY * 7
        period_start, k = period_end + ONE_DAY, k + 1


# ---------------------------------------------------------------------------- the state machine

STEPS = (0, 1, 2, 3, 6, 7, 8, 13, 14, 15, 30)


class TimelineMachine(RuleBasedStateMachine):
    """Grows a timeline event by event in date order and checks it after every step.

    The steps: register (at the start), deregister, re-register, add an application,
    a meeting, a CV, a booking, job-suggestion checks, an offer, wage work, sickness, a
    holiday, self-inflicted unemployment, any other event type, or just let time pass.
    Each step moves the check date to the day of its last event (a day after, on or
    before a common deadline from the latest registration, or a few days on).
    After each step:

    * checking does not raise, and every status is one of the five;
    * a violated result's ``violated_since`` is not after the check date;
    * a result violated at the previous step is still violated, since the same day
      (same rule and instance), when the step's first event is dated after that day
      and after the previous check date.  (Some violations are dated back to the start
      of a week — more wage hours than allowed in the week — so an event dated on the
      previous check date itself, e.g. a deregistration on the day of that wage work,
      may still undo them: it is news about a day already checked.)

    Bind it to a rule module with :meth:`for_rules`; run it with pytest through the
    ``TestCase`` attribute or with ``hypothesis.stateful.run_state_machine_as_test``.
    """

    module = None
    profile = None

    @classmethod
    def for_rules(cls, module, profile: str | None = None) -> type:
        """A subclass checking timelines against ``module``, for people of ``profile``."""
        _profile(profile)
        return type(f"{cls.__name__}For{module.__name__.title().replace('_', '')}", (cls,),
                    {"module": module, "profile": profile, "__module__": cls.__module__})

    @initialize(data=st.data())
    def register(self, data):
        if self.module is None:
            raise InvalidArgument("TimelineMachine needs a rule module: use TimelineMachine.for_rules(module)")
        c = _Draw(data.draw)
        self.draft = new_draft(c, self.module.BOOK["vocabulary"], self.profile)
        self.kinds = tuple(k for k in kinds(self.draft) if k != "deregistration")
        self.today = max(event_day(e) for e in self.draft.events)
        self.previous, self.checked = {}, self.today
        self._check(None)

    @property
    def registered(self) -> bool:
        marks = [(event_day(e), e["type"] == "registered") for e in self.draft.events
                 if e["type"] in ("registered", "deregistered")]
        return max(marks)[1] if marks else False

    def _next_day(self, c) -> Date:
        regs = [event_day(e) for e in self.draft.events if e["type"] == "registered"]
        if regs and c.chance(50):
            latest = max(regs)
            ahead = sorted(d for d in {plus(latest, amount, unit) + ONE_DAY * k
                                       for amount, unit in COMMON_DEADLINES for k in (-1, 0, 1)} if d >= self.today)
            if ahead:
                return c.choice(ahead)
        return self.today + ONE_DAY * c.choice(STEPS)

    def _step(self, data, build) -> None:
        c = _Draw(data.draw)
        day = self._next_day(c)
        before = len(self.draft.events)
        build(c, day)
        added = self.draft.events[before:]
        days = [event_day(e) for e in added]
        self.today = max([self.today, day] + days)
        self._check(min(days) if days else None)

    @rule(data=st.data())
    def add_event(self, data):
        """An application, meeting, CV, booking, check, offer, wage work, sickness, holiday, ..."""
        self._step(data, lambda c, day: add_kind(c, self.draft, c.choice(self.kinds), day))

    @precondition(lambda self: self.registered)
    @rule(data=st.data())
    def deregister(self, data):
        self._step(data, lambda c, day: self.draft.add(c, "deregistered", day))

    @precondition(lambda self: not self.registered)
    @rule(data=st.data())
    def re_register(self, data):
        def build(c, day):
            self.draft.add(c, "registered", day)
            if c.chance(70):
                self.draft.add(c, "cv_created", day + ONE_DAY * c.choice((0, 14, 15)))
        self._step(data, build)

    @rule(data=st.data())
    def let_time_pass(self, data):
        self._step(data, lambda c, day: None)

    def _check(self, first_new: Date | None) -> None:
        as_of = self.today
        report = check(self.draft.document("state machine"), rules=self.module, as_of=as_of)
        now, seen = {}, {}
        for r in report.results:
            assert r.status in STATUSES, (r.rule.id, r.instance, r.status)
            # two anchors of one type on one day give one rule two results of the same name
            key = (r.rule.id, r.instance, seen.setdefault((r.rule.id, r.instance), 0))
            seen[(r.rule.id, r.instance)] += 1
            if r.status == "violated":
                assert r.violated_since is not None and r.violated_since <= as_of, \
                    (r.rule.id, r.instance, r.violated_since, as_of)
                now[key] = r.violated_since
        for key, since in self.previous.items():
            if first_new is None or first_new > max(since, self.checked):
                assert now.get(key) == since, \
                    f"{key[0]} {key[1]}: violated since {since} at the previous step, now {now.get(key, 'not violated')}"
        self.previous, self.checked = now, as_of

