"""The runtime: evaluators for each kind of duty, effects, and benefit status.

Generated checkers call these functions with constants and compiled
predicates.  Every evaluator works on the timeline indexed once by event type
(sorted by date) and finds windows with binary search, so a checker runs in
time linear in the number of events.

Conventions (the README's semantics table states them for editors):

* every window is a closed interval of days; a deadline is the window's last
  day and the duty may be met on it;
* a duty is *violated* from the day after its deadline, *pending* while
  ``as_of`` is on or before the deadline;
* ``registered`` spells run from a ``registered`` event to the day before
  the next ``deregistered`` (or ``registered``) event.
"""

from __future__ import annotations

import bisect
import heapq
import itertools
import math
from fractions import Fraction
from dataclasses import dataclass, field

from ..dates import ONE_DAY, AmbiguousDate, Date, age_on, shift, week_start
from ..errors import Diagnostic, EvaluationError, Span
from .timeline import Event, Timeline

FULFILLED, VIOLATED, PENDING, WAIVED, NOT_APPLICABLE = (
    "fulfilled", "violated", "pending", "waived", "not_applicable")
# a legal effect's statuses: its condition broken puts it in force, its condition kept does not
IN_FORCE, NOT_IN_FORCE = "in_force", "not_in_force"
EFFECT_STATUS = {VIOLATED: IN_FORCE, FULFILLED: NOT_IN_FORCE}


@dataclass(frozen=True, slots=True)
class RuleInfo:
    """What a report says about a rule; built from constants in the generated module."""

    id: str
    catalog: tuple
    title: dict
    cites: tuple
    holder: str
    duty: str
    effect: str
    consequence: dict
    valid: tuple  # (from, until, on) as ISO strings or None
    location: str
    emits: str | None = None
    family: str | None = None
    settle: str | None = None  # "fixpoint": the rule reads what it changes (see frist.order)
    kind: str = "duty"  # duty | effect (a legal effect)
    reading: dict | None = None  # where the sources disagree: the reading the rule applies ({da, en})


@dataclass(slots=True)
class Result:
    rule: RuleInfo
    instance: str
    status: str
    window: tuple | None = None
    deadline: Date | None = None
    fulfilled_by: list = field(default_factory=list)
    violated_since: Date | None = None
    reason: str | None = None
    detail: dict = field(default_factory=dict)
    actions: list = field(default_factory=list)
    anchor: Event | None = None  # the event the instance stands for
    weeks: tuple | None = None  # the ISO weeks a weekly instance counts: (first, last), as "2024-W10"
    steps: list | None = None  # what the evaluation did for this instance, when asked (Context.trace)


@dataclass(frozen=True, slots=True)
class Effect:
    """A period in which dagpenge are not payable (``end`` None: still running)."""

    kind: str  # suspension | deregistration | quarantine | loss_of_right
    start: Date
    end: Date | None
    rule: str
    reason: str
    during: str | None = None
    days: frozenset | None = None  # for quarantine: exactly which days


@dataclass(slots=True)
class Claim:
    """Days a consequence takes from the days that would otherwise be paid (a quarantine's, a karensdag's):
    ``needed`` of them, from ``start`` up to ``limit``; placed by :func:`place_claims`."""

    kind: str  # quarantine | days_off
    start: Date
    needed: int
    limit: Date
    rule: str
    reason: str
    action: dict  # the result's action, completed when the days are placed
    lapsed: Date | None = None  # a quarantine: the day it lapses (if it does by the check date)
    skip: tuple = ()  # period event types on whose days the claim takes nothing


class Context:
    """One timeline being checked against one rule book."""

    def __init__(self, book: dict, timeline: Timeline, as_of: Date):
        self.book = book
        self.timeline = timeline
        self.person = timeline.person
        self.as_of = as_of
        self.by_type = {k: [e for e in v if e.date <= as_of] for k, v in timeline.by_type.items()}
        self._dates = {}
        self._spells = {}
        self._spell_starts = {}
        self.sanctions = set()  # days from which a rule deregistered the person (until the next registration)
        self.emitted: list = []  # derived events, in the order the rules added them
        self.claims: list = []  # days to take from the paid days, placed after the rules (the ledger)
        self._covers = {}
        self._matching = {}
        self.anchor_day: Date | None = None  # the anchor a `during ... where` compares with
        self._accumulations = {}
        self.results: list[Result] = []
        self.effects: list[Effect] = []
        self.misses: dict[str, list] = {}
        self.rule: RuleInfo | None = None
        # the steps of the instance being evaluated, each a dict with its "kind" (see :mod:`frist.explain`);
        # None: nothing is recorded
        self.trace: list | None = None

    # ---------------------------------------------------------------- what the evaluation did
    def begin(self) -> None:
        """A new instance is being evaluated: the steps recorded so far belong to no result."""
        if self.trace is not None:
            self.trace = []

    def attach(self, result: Result) -> None:
        """The steps recorded since ``result`` was added belong to it too (its consequence's)."""
        if self.trace:
            result.steps = (result.steps or []) + self.trace
            self.trace = []

    def note(self, kind: str, **fields) -> None:
        """Record a step of the instance being evaluated (only while :attr:`trace` is a list)."""
        if self.trace is not None:
            fields["kind"] = kind
            self.trace.append(fields)

    def consider(self, etype: str, pred, lo: Date | None, hi: Date | None, counted, skip=None, late=None) -> None:
        """Record the events of ``etype`` a window ``[lo, hi]`` looked at, and what became of each: those
        in the window (up to 20), and the three nearest on either side.  ``counted`` are the ones that
        count, ``skip`` one that may not (the anchor itself, or the first of ``later``)."""
        if self.trace is None:
            return
        events, dates = self.events(etype), self.dates(etype)
        i = 0 if lo is None else bisect.bisect_left(dates, lo)
        j = len(dates) if hi is None else bisect.bisect_right(dates, hi)
        matched, mdates = self.matching(etype, pred)
        mi = 0 if lo is None else bisect.bisect_left(mdates, lo)
        mj = len(mdates) if hi is None else bisect.bisect_right(mdates, hi)
        matching = {id(e) for e in matched[mi:mj]}
        counts = {id(e) for e in counted}
        items = []
        for e in events[max(0, i - 3):i] + events[i:min(j, i + 20)] + events[j:j + 3]:
            if id(e) in counts:
                why = "counted"
            elif e is skip:
                why = "skipped"
            elif lo is not None and e.date < lo:
                why = "before"
            elif hi is not None and e.date > hi:
                why = "late" if late is not None and e.date == late else "after"
            elif id(e) not in matching:
                why = "condition"
            else:
                why = "not_needed"
            items.append({"event": e, "counts": id(e) in counts, "why": why})
        self.note("events", type=etype, lo=lo, hi=hi, items=items, in_window=j - i,
                  left_out=max(0, j - i - 20))

    # ---------------------------------------------------------------- events
    def events(self, etype: str) -> list:
        return self.by_type.get(etype, ())

    def dates(self, etype: str) -> list:
        got = self._dates.get(etype)
        if got is None:
            got = self._dates[etype] = [e.date for e in self.events(etype)]
        return got

    def matching(self, etype: str, pred) -> tuple:
        """The events of a type that match ``pred``, and their dates: filtered once per predicate.
        Generated predicates are made afresh on each call from one code object each, and
        hold only constants, so the code object names the predicate."""
        events = self.events(etype)
        if pred is None:
            return events, self.dates(etype)
        key = (etype, getattr(pred, "__code__", pred), len(events))  # an emitted event changes the length
        found = self._matching.get(key)
        if found is None:
            trace, self.trace = self.trace, None  # filled once for every instance: no instance's step
            try:
                kept = [e for e in events if pred(self, e)]
            finally:
                self.trace = trace
            found = self._matching[key] = (kept, [e.date for e in kept])
        return found

    def between(self, etype: str, lo: Date | None, hi: Date | None, pred=None) -> list:
        """Events of a type with ``lo <= date <= hi`` (None: unbounded) that match ``pred``."""
        events, dates = self.matching(etype, pred)
        i = 0 if lo is None else bisect.bisect_left(dates, lo)
        j = len(dates) if hi is None else bisect.bisect_right(dates, hi)
        return events[i:j]

    def first_between(self, etype, lo, hi, pred=None):
        events, dates = self.matching(etype, pred)
        i = 0 if lo is None else bisect.bisect_left(dates, lo)
        return events[i] if i < len(dates) and (hi is None or dates[i] <= hi) else None

    def first_other(self, etype, lo, hi, pred, skip):
        """The first event of ``etype`` (matching ``pred``) dated in [lo, hi] that is not ``skip``."""
        events, dates = self.matching(etype, pred)
        i = 0 if lo is None else bisect.bisect_left(dates, lo)
        while i < len(dates) and (hi is None or dates[i] <= hi):
            if events[i] is not skip:
                return events[i]
            i += 1
        return None

    def accumulation(self, etype: str, pred, within, amount, kind: str, op: str) -> "Accumulation":
        """The :class:`Accumulation` of the events of ``etype`` matching ``pred``, made once."""
        events, _ = self.matching(etype, pred)
        key = (etype, getattr(pred, "__code__", pred), within, repr(amount), kind, op, len(self.events(etype)))
        found = self._accumulations.get(key)
        if found is None:
            trace, self.trace = self.trace, None  # made once for every instance: no instance's step
            try:
                found = self._accumulations[key] = Accumulation(self, events, within, amount, kind == "hours", op)
            finally:
                self.trace = trace
        return found

    def covered(self, etype: str, pred, day: Date) -> bool:
        """Does a period of ``etype`` (matching ``pred``) include ``day``?  The matching
        periods are indexed once: by start, with the latest end among those before."""
        events, starts = self.matching(etype, pred)
        reach = self.reach(etype, pred)
        i = bisect.bisect_right(starts, day)
        return i > 0 and reach[i - 1] >= day

    def reach(self, etype: str, pred=None) -> list:
        """For the matching periods of ``etype`` in order of start: the latest end among the first i + 1."""
        key = (etype, getattr(pred, "__code__", pred), len(self.events(etype)))
        reach = self._covers.get(key)
        if reach is None:
            events, _ = self.matching(etype, pred)
            reach = self._covers[key] = list(itertools.accumulate((e.end or e.date for e in events), max))
        return reach

    def emit(self, etype: str, day: Date, rule: str, cause: str | None = None) -> None:
        """Add a derived event (e.g. a quarantine) that later rules can count; ``cause``
        is the type of the event that brought it."""
        event = Event(etype, day, None, {"rule": rule, "cause": cause}, -1)
        self.emitted.append(event)
        events = self.by_type.setdefault(etype, [])  # the context's own list (see __init__)
        at = bisect.bisect_right(self.dates(etype), day)  # after the events of the same day, as a stable sort
        events.insert(at, event)
        self._dates[etype].insert(at, day)

    # ---------------------------------------------------------------- parameters and durations
    def param(self, name: str, at: Date):
        versions = self.book["parameters"][name]
        value = version_on(versions, at)
        if self.trace is not None:
            since = [start for start, _ in versions if str(start) <= at.isoformat()]
            self.note("parameter", name=name, on=at, value=value, version=str(since[-1] if since else versions[0][0]))
        return value

    def amount(self, spec, at: Date):
        if isinstance(spec, tuple) and spec[0] == "*":  # a share of a person fact
            share = self.amount(spec[1], at)
            fact = self.person.get(spec[2])
            if fact is None:
                raise missing_fact(self.rule, spec[2])
            return round(share * fact, 9)
        if isinstance(spec, tuple):
            return self.param(spec[1], at)
        return spec

    def duration(self, spec, at: Date) -> tuple:
        if spec[0] == "$":
            return tuple(self.param(spec[1], at))
        return spec

    def shift(self, day: Date, spec, at: Date | None = None, sign: int = 1) -> Date:
        written = spec
        spec = self.duration(spec, at or day)
        parts = spec if isinstance(spec[0], tuple) else (spec,)  # "1 month and 10 days"
        start = day
        try:
            for amount, unit in parts:
                day = shift(day, sign * amount, unit, self.book["month_rounding"])
        except AmbiguousDate as exc:
            raise ambiguous_date(self.rule, exc) from None
        if self.trace is not None:
            self.note("shift", start=start, parts=tuple(parts), sign=sign, result=day,
                      parameter=written[1] if written[0] == "$" else None, rounding=self.book["month_rounding"])
        return day

    def clock_shift(self, clock: str, day: Date, spec) -> Date | None:
        """The day on which ``spec`` of the derived clock has run since ``day``.

        The clock runs only while its state holds.  An offset of N months needs
        as many running days as the calendar has between ``day`` and ``day``
        + N months; None while the clock has not yet run that long.
        """
        needed = total = (self.shift(day, spec) - day).days
        state = self.book["clocks"][clock]
        for start, end in self.spells(state):
            if end is not None and end < day:
                continue
            start = max(start, day)
            if end is None or needed <= (end - start).days + 1:
                found = start + ONE_DAY * needed
                self.note("clock", clock=clock, state=state, start=day, days=total, result=found,
                          stopped=(found - day).days - total)
                return found
            needed -= (end - start).days + 1
        self.note("clock", clock=clock, state=state, start=day, days=total, result=None, run=total - needed)
        return None

    def offset(self, day, spec, clock=None):
        return self.shift(day, spec) if clock is None else self.clock_shift(clock, day, spec)

    # ---------------------------------------------------------------- states
    def spells(self, state: str) -> list:
        """Closed day intervals ``(start, end)`` in which a state holds; end None: open."""
        got = self._spells.get(state)
        if got is not None:
            return got
        spec = self.book["states"].get(state)
        spells = []
        if spec is None:  # a period event type
            for e in self.timeline.by_type.get(state, ()):
                if spells and spells[-1][1] is not None and e.date <= spells[-1][1] + ONE_DAY:
                    spells[-1] = (spells[-1][0], max(spells[-1][1], e.end))
                else:
                    spells.append((e.date, e.end))
        else:
            marks = [(e.date, 1, e) for e in self.timeline.by_type.get(spec["starts"], ())]
            marks += [(e.date, 0, e) for e in self.timeline.by_type.get(spec["ends"], ())]
            if state == "registered":  # a sanction deregisters as a deregistration does
                marks += [(day, 0, None) for day in self.sanctions]
            marks.sort(key=lambda m: (m[0], m[1]))
            open_at = None
            for day, is_start, _ in marks:
                if is_start:
                    if open_at is not None and open_at < day:
                        spells.append((open_at, day - ONE_DAY))
                    if open_at is None or open_at < day:
                        open_at = day
                elif open_at is not None:
                    if day > open_at:
                        spells.append((open_at, day - ONE_DAY))
                    open_at = None
            if open_at is not None:
                spells.append((open_at, None))
        self._spells[state] = spells
        return spells

    def _spell_index(self, state: str, day: Date) -> int:
        """The index of the last spell of ``state`` starting on or before ``day`` (-1: none)."""
        starts = self._spell_starts.get(state)
        if starts is None:
            starts = self._spell_starts[state] = [start for start, _ in self.spells(state)]
        return bisect.bisect_right(starts, day) - 1  # spells are disjoint and in date order

    def checkpoint(self) -> tuple:
        """What :meth:`rollback` restores: the results, effects, misses and emitted events so far."""
        self.begin()
        return (len(self.results), len(self.effects), {k: list(v) for k, v in self.misses.items()}, len(self.emitted),
                len(self.claims))

    def rollback(self, mark: tuple, sanctions: set) -> None:
        """Undo what was added since ``mark``; the sanctions become ``sanctions``."""
        results, effects, misses, emitted, claims = mark
        del self.results[results:], self.effects[effects:], self.claims[claims:]
        self.misses = misses
        for event in self.emitted[emitted:]:
            self.by_type[event.type].remove(event)
            self._dates.pop(event.type, None)
        del self.emitted[emitted:]
        self.sanctions = set(sanctions)
        self._spells.pop("registered", None)
        self._spell_starts.pop("registered", None)

    def sanction(self, day: Date) -> None:
        """A rule deregistered the person from ``day``: ``registered`` ends there for every rule."""
        if day not in self.sanctions:
            self.sanctions.add(day)
            self._spells.pop("registered", None)
            self._spell_starts.pop("registered", None)

    def in_state(self, state: str, day: Date) -> bool:
        spells = self.spells(state)
        i = self._spell_index(state, day)
        return i >= 0 and (spells[i][1] is None or day <= spells[i][1])

    def spells_from(self, state: str, day: Date) -> list:
        """The spells of ``state`` that end on or after ``day``, in date order."""
        spells = self.spells(state)
        i = self._spell_index(state, day)
        if i >= 0 and spells[i][1] is not None and spells[i][1] < day:
            i += 1
        return spells[max(i, 0):]

    def last_before(self, etype: str, day: Date):
        dates = self.dates(etype)
        i = bisect.bisect_right(dates, day)
        return self.events(etype)[i - 1] if i else None

    def age_at(self, etype: str, day: Date) -> int:
        event = self.last_before(etype, day) or (self.events(etype)[0] if self.events(etype) else None)
        return age_on(self.person["birth_date"], event.date if event else day)

    def valid(self, rule: RuleInfo, day: Date) -> bool:
        start, until, on = rule.valid
        if start is None and until is None:
            return True
        if on == "registration":
            reg = self.last_before("registered", day)
            day = reg.date if reg else day
        iso = day.isoformat()
        return (start is None or start <= iso) and (until is None or iso < until)

    # ---------------------------------------------------------------- results
    def add(self, result: Result) -> Result:
        self.results.append(result)
        if self.trace is not None:
            result.steps, self.trace = self.trace, []
        return result


def version_on(versions, at: Date):
    """The value of a parameter's ``versions`` (``(start, value)``, in date order) in force on ``at``;
    the first one's before it starts."""
    chosen = None
    for start, value in versions:
        if str(start) <= at.isoformat():
            chosen = value
    return versions[0][1] if chosen is None else chosen


def missing_fact(rule: RuleInfo | None, fact: str) -> EvaluationError:
    """The error of a rule that needs a person fact the timeline does not give."""
    return EvaluationError(Diagnostic(f"the person fact `{fact}` is needed to check this rule", _location(rule),
                                      hint=f"give `{fact}` in the timeline's `person`",
                                      rule=rule.id if rule else None))


def ambiguous_date(rule: RuleInfo | None, exc: AmbiguousDate) -> EvaluationError:
    """The error of month arithmetic that lands on a day the month lacks, under ``month_rounding: refuse``."""
    return EvaluationError(Diagnostic(f"ambiguous date arithmetic: {exc}", _location(rule),
                                      hint="declare `calendar: {month_rounding: down}` (or up) in the rule book",
                                      rule=rule.id if rule else None))


def _location(rule: RuleInfo | None) -> Span | None:
    if rule is None:
        return None
    try:
        file, line, column = rule.location.rsplit(":", 2)
        return Span(file, int(line), int(column))
    except ValueError:
        return None


def covers(ctx: Context, rule: RuleInfo, applies, day: Date) -> bool:
    """Is the rule in force on ``day`` (``valid``) for this person (``applies``)?"""
    return ctx.valid(rule, day) and (applies is None or applies(ctx, day))


# ====================================================================== anchors and exceptions
def anchor_events(ctx: Context, etype: str, first: bool, pred):
    events = [e for e in ctx.events(etype) if pred is None or pred(ctx, e)]
    return events[:1] if first else events


def reaches(count, need, op: str) -> bool:
    """A lower bound: ``at least`` (ge) or ``more than`` (gt)."""
    return count > need if op == "gt" else count >= need


def exceeds(count, cap, op: str) -> bool:
    """An upper bound broken: beyond ``at most`` (le), or at ``less than`` (lt)."""
    return count >= cap if op == "lt" else count > cap


def why(rule: RuleInfo) -> str:
    """Why a consequence stops dagpenge: a duty broken, or a legal effect in force."""
    return f"`{rule.id}` {'in force' if rule.kind == 'effect' else 'broken'}"


def anchored(rule: RuleInfo, event: Event, status: str, window=None, deadline=None, **fields) -> Result:
    """A result standing for one event: named after it, and carrying it as its anchor."""
    return Result(rule, instance_name(event), status, window, deadline, anchor=event, **fields)


def instance_name(event: Event) -> str:
    return f"{event.type} {event.date.isoformat()}"


def occurs(ctx: Context, anchor: Event, etype: str, pred, lo_spec, hi_spec, direction: str, strict: bool) -> bool:
    """Exception test: does a matching event fall in the window before/after the anchor?"""
    day = anchor.date
    if direction == "before":  # no far end (``at least D before``): unbounded
        far = None if hi_spec is None else ctx.shift(day, hi_spec, sign=-1)
        near = day if lo_spec is None else ctx.shift(day, lo_spec, sign=-1)
        lo, hi = (far + ONE_DAY if strict and far else far), near
    else:
        far = None if hi_spec is None else ctx.shift(day, hi_spec)
        near = day if lo_spec is None else ctx.shift(day, lo_spec)
        lo, hi = near, (far - ONE_DAY if strict and far else far)
    found = next((e for e in ctx.between(etype, lo, hi, pred) if e is not anchor), None)
    ctx.note("occurs", type=etype, lo=lo, hi=hi, found=found)
    return found is not None


def lasts_at_most(ctx: Context, anchor: Event, spec) -> bool:
    end = anchor.end or anchor.date
    last = ctx.shift(anchor.date, spec) - ONE_DAY
    ctx.note("lasts", event=anchor, end=end, last=last)
    return end <= last


def during(ctx: Context, anchor: Event, etype: str, pred, by_anchor: bool = False) -> bool:
    """Exception test: the anchor's day falls inside a period event of ``etype`` (matching ``pred``).
    A predicate that compares with the anchor (``by_anchor``) is asked of each period covering
    the day, found backwards from the last to start on or before it while one can still reach it."""
    if ctx.trace is not None:
        held = _during(ctx, anchor, etype, pred, by_anchor)
        periods = []
        if etype not in ctx.book["states"]:  # the periods of the type on the day, and whether each matched
            events, starts, reach = ctx.events(etype), ctx.dates(etype), ctx.reach(etype)
            ctx.anchor_day = anchor.date
            last = bisect.bisect_right(starts, anchor.date) - 1
            for i in range(last, max(last - 50, -1), -1):  # the 50 latest to start: enough to show why
                if reach[i] < anchor.date or len(periods) == 5:
                    break
                e = events[i]
                if (e.end or e.date) >= anchor.date:
                    trace, ctx.trace = ctx.trace, None
                    try:
                        periods.append((e, pred is None or bool(pred(ctx, e))))
                    finally:
                        ctx.trace = trace
        ctx.note("during", type=etype, day=anchor.date, held=held, periods=periods[::-1])
        return held
    return _during(ctx, anchor, etype, pred, by_anchor)


def _during(ctx: Context, anchor: Event, etype: str, pred, by_anchor: bool) -> bool:
    if etype in ctx.book["states"]:  # ``during registered``: the state holds on the anchor's day
        return ctx.in_state(etype, anchor.date)
    if not by_anchor:
        return ctx.covered(etype, pred, anchor.date)
    events, starts = ctx.matching(etype, None)
    reach = ctx.reach(etype)
    ctx.anchor_day = anchor.date
    for i in range(bisect.bisect_right(starts, anchor.date) - 1, -1, -1):
        if reach[i] < anchor.date:
            return False  # no period this early lasts to the day
        e = events[i]
        if (e.end or e.date) >= anchor.date and pred(ctx, e):
            return True
    return False


def field_before(ctx: Context, event: Event, name: str, spec, other: str) -> bool:
    """``name is at least SPEC before other``: both date fields set, and far enough apart;
    ``other`` may be ``anchor``, the day of the duty's anchor (see :func:`during`)."""
    first, second = event.get(name), ctx.anchor_day if other == "anchor" else event.get(other)
    if first is None or second is None:
        return False
    return first <= ctx.shift(second, spec, sign=-1)


def waived_by(ctx, anchor, exceptions):
    for test, reason in exceptions:
        mark = len(ctx.trace) if ctx.trace is not None else 0
        held = test(ctx, anchor)
        if ctx.trace is not None:  # what the test computed belongs to it
            inner = ctx.trace[mark:]
            del ctx.trace[mark:]
            ctx.note("exception", text=reason, held=bool(held), steps=inner)
        if held:
            return reason
    return None


# ====================================================================== duties with a window
def window_duty(ctx: Context, rule: RuleInfo, *, anchor, lo_spec=None, hi_spec=None, clock=None,
                before=False, by_field=False, target, applies=None, exceptions=(), effect=None):
    """Deadline, window, before and by-date duties: one instance per anchor event.

    ``anchor`` is ``(type, field, first, pred)``; ``target`` is ``("event", type,
    pred)``, ``("later", type, pred)`` (not the first such event on or after the anchor) or
    ``("field", name)`` (a date field of the anchor itself).
    """
    etype, fieldname, first, pred = anchor
    found = False
    anchors = anchor_events(ctx, etype, first, pred)
    for a in anchors:
        if fieldname is not None and a.get(fieldname) is None:
            continue  # an optional date field left out: no deadline to judge
        if not covers(ctx, rule, applies, a.date):
            continue
        found = True
        ctx.begin()
        if by_field:
            lo, hi = a.date, a.get(fieldname) if fieldname else a.date
            ctx.note("field", name=fieldname, value=hi, role="deadline")
        elif before:
            lo, hi = None, ctx.shift(a.date, hi_spec, sign=-1)
        else:  # on a clock, either end is None until the clock has run that long
            base = a.get(fieldname) if fieldname is not None else a.date
            lo = base if lo_spec is None else ctx.offset(base, lo_spec, clock)
            hi = ctx.offset(base, hi_spec, clock)
        result = anchored(rule, a, PENDING, (lo, hi), hi)
        reason = waived_by(ctx, a, exceptions)
        if reason is not None:
            result.status, result.reason = WAIVED, reason
            ctx.add(result)
            continue
        late = None
        if target[0] == "field":
            # a date the anchor carries, e.g. when a holiday was notified
            value = a.get(target[1])
            ctx.note("field", name=target[1], value=value)
            floor = None if before or by_field or lo_spec is None else lo
            if value is not None and value <= ctx.as_of:
                if (hi is None or value <= hi) and (floor is None or value >= floor):
                    result.status = FULFILLED
                    result.detail["on"] = value.isoformat()
                else:
                    late = value
        elif before or lo is not None:  # the window has opened
            kind, ttype, tpred = target
            skip = ctx.first_between(ttype, a.date, None, tpred) if kind == "later" else None
            hit = ctx.first_other(ttype, lo, hi, tpred, skip)
            if hit is not None:
                result.status = FULFILLED
                result.fulfilled_by.append(hit)
            elif hi is not None:
                after = ctx.first_other(ttype, hi + ONE_DAY, None, tpred, skip)
                late = after.date if after else None
            ctx.consider(ttype, tpred, lo, hi, [hit] if hit is not None else [], skip, late)
        if result.status != FULFILLED:
            _judge(ctx, result, hi, late, a.date, effect, a.end)
        ctx.add(result)
    if not found:
        not_applicable(ctx, rule, _why_not(ctx, rule, anchors, applies))


def _judge(ctx, result, hi, late, anchor_date, effect, anchor_end=None):
    if hi is None:
        result.status = PENDING
        result.reason = "the clock has not yet run out"
        return
    if ctx.as_of <= hi:
        result.status = PENDING
        return
    result.status = VIOLATED
    result.violated_since = hi + ONE_DAY
    if late is not None:
        result.detail["late"] = late.isoformat()
    if effect is not None:
        apply_effect(ctx, result, effect, anchor_date, late, anchor_end=anchor_end)


def not_applicable(ctx: Context, rule: RuleInfo, reason: str) -> None:
    ctx.begin()
    ctx.add(Result(rule, "-", NOT_APPLICABLE, reason=reason))


def _why_not(ctx: Context, rule: RuleInfo, anchors: list, applies) -> str:
    """Why a rule produced no instance: no anchor, not in force, or not covered."""
    if not anchors:
        return "nothing in the timeline to which the rule applies"
    if not any(ctx.valid(rule, a.date) for a in anchors):
        start, until, on = rule.valid
        span = " and ".join(p for p in (f"from {start}" if start else "", f"before {until}" if until else "") if p)
        return f"not in force: the rule covers {'registrations' if on == 'registration' else 'dates'} {span}"
    return "the person is not covered (see `applies`)"


def rule_applies(ctx: Context, rule: RuleInfo, applies, reason: str) -> bool:
    """Person-level applicability (no dates involved); records not_applicable if not."""
    if applies is None or applies(ctx, ctx.as_of):
        return True
    not_applicable(ctx, rule, reason)
    return False


# ====================================================================== quota over a relative window
def window_quota(ctx, rule, *, count, anchor, lo_spec, hi_spec, clock=None, target, applies=None,
                 exceptions=(), effect=None, op="ge"):
    etype, fieldname, first, pred = anchor
    found = False
    anchors = anchor_events(ctx, etype, first, pred)
    for a in anchors:
        if not covers(ctx, rule, applies, a.date):
            continue
        found = True
        ctx.begin()
        lo = a.date if lo_spec is None else ctx.offset(a.date, lo_spec, clock)
        hi = ctx.offset(a.date, hi_spec, clock)
        need = ctx.amount(count, a.date)
        result = anchored(rule, a, PENDING, (lo, hi), hi, detail={"required": need})
        reason = waived_by(ctx, a, exceptions)
        if reason is not None:
            result.status, result.reason = WAIVED, reason
            ctx.add(result)
            continue
        _, ttype, tpred = target
        hits = ctx.between(ttype, lo, hi, tpred) if lo is not None else []
        result.detail["counted"] = len(hits)
        if lo is not None:
            ctx.consider(ttype, tpred, lo, hi, hits)
        if reaches(len(hits), need, op):
            result.status = FULFILLED
            result.fulfilled_by = hits[:need + (op == "gt")]
        else:
            result.fulfilled_by = hits
            _judge(ctx, result, hi, None, a.date, effect)
        ctx.add(result)
    if not found:
        not_applicable(ctx, rule, _why_not(ctx, rule, anchors, applies))


# ====================================================================== recurring duty
def recurring(ctx, rule, *, every, state, target, applies=None, ladder=None, effect=None):
    """``every N days while STATE: X``: from the start of each spell, and from each X,
    the next X is due within N days.  A miss starts the next period on the missed
    deadline; a ladder may grant grace or end the spell with a deregistration."""
    _, ttype, tpred = target
    any_spell = False
    for start, end in ctx.spells(state):
        if start > ctx.as_of:
            break
        if not covers(ctx, rule, applies, start):
            continue
        any_spell = True
        last_day = min(end, ctx.as_of) if end is not None else ctx.as_of
        prev, lo = start, start
        while lo <= last_day:
            ctx.begin()
            hi = ctx.shift(prev, every)
            if not ctx.valid(rule, hi):
                break
            if end is not None and hi > end:
                break  # the spell ends before the duty falls due
            result = Result(rule, f"{state} {start.isoformat()} period {lo.isoformat()}", PENDING, (lo, hi), hi)
            hit = ctx.first_between(ttype, lo, hi, tpred)
            ctx.consider(ttype, tpred, lo, hi, [hit] if hit is not None else [])
            if hit is not None:
                result.status = FULFILLED
                result.fulfilled_by.append(hit)
                ctx.add(result)
                prev, lo = hit.date, hit.date + ONE_DAY
                continue
            if ctx.as_of <= hi:
                ctx.add(result)
                break
            result.status, result.violated_since = VIOLATED, hi + ONE_DAY
            ctx.add(result)
            if ladder is None:
                if effect is not None:
                    apply_effect(ctx, result, effect, lo, None)
                    ctx.attach(result)
                prev, lo = hi, hi + ONE_DAY
                continue
            outcome = apply_ladder(ctx, result, ladder, hi + ONE_DAY, ttype, tpred)
            ctx.attach(result)
            if outcome is None:
                break  # deregistered, or grace still running: the spell's duty stops here
            prev, lo = outcome, outcome + ONE_DAY
    if not any_spell:
        starts = [Event(state, start, None, {}, -1) for start, _ in ctx.spells(state) if start <= ctx.as_of]
        not_applicable(ctx, rule, _why_not(ctx, rule, starts, applies))


def apply_ladder(ctx, result, ladder, violated, ttype, tpred):
    """Apply the escalation step for this miss.  Returns the day the chain goes on
    from (a check within grace), or None when the spell's duty ends."""
    history = ctx.misses.setdefault(result.rule.id, [])
    number = len(history) + 1
    step = None
    for candidate in ladder:
        miss, action, within, after_miss, grace_action, grace = candidate
        if miss <= number:
            step = candidate
    if step is not None and step[2] is not None:
        after = step[3]
        if len(history) >= after and violated > ctx.shift(history[after - 1], step[2]):
            history.clear()  # outside the escalation window: counting starts again
            number, step = 1, ladder[0]
    history.append(violated)
    miss, action, within, after_miss, grace_action, grace = step
    result.detail["miss"] = number
    ctx.note("ladder", miss=number, action=action)
    if action == "deregistration":
        deregister(ctx, result, violated, f"miss {number} of `{result.rule.id}`")
        return None
    result.actions.append({"action": "reminder", "on": violated.isoformat()})
    if grace is None:
        return violated - ONE_DAY
    grace_end = ctx.shift(violated - ONE_DAY, grace)
    hit = ctx.first_between(ttype, violated, grace_end, tpred)
    ctx.note("grace", start=violated, end=grace_end, met=hit)
    result.detail["grace_until"] = grace_end.isoformat()
    if hit is not None:
        result.detail["met_in_grace"] = hit.date.isoformat()
        result.fulfilled_by.append(hit)
        return hit.date
    if ctx.as_of <= grace_end:
        return None
    deregister(ctx, result, grace_end + ONE_DAY, f"miss {number} of `{result.rule.id}`, not met within grace")
    return None


def deregister(ctx, result, day, why):
    back = ctx.first_between("registered", day, None)
    end = back.date - ONE_DAY if back else None
    result.actions.append({"action": "deregistration", "from": day.isoformat(), "to": _iso(end)})
    ctx.effects.append(Effect("deregistration", day, end, result.rule.id, f"deregistered: {why}"))
    ctx.sanction(day)


def evaluate(ctx: Context, module) -> None:
    """Run a compiled rule book's checkers in their order (see :mod:`frist.order`), then settle the
    ledger: the days quarantines and karensdage take, and the benefit periods."""
    ledger = []
    for index, checker in zip(module.ORDER, module.CHECKERS):
        how = module.RULES[index].settle
        if how == "ledger":
            ledger.append(checker)
        elif how == "fixpoint":
            settle(ctx, checker)
        else:
            ctx.begin()
            checker(ctx)
    settle_ledger(ctx, ledger)
    name_effects(ctx.results)
    ctx.rule = None


def name_effects(results: list) -> None:
    """A legal effect's instances are in force (where its condition is broken) or not, never violated."""
    for result in results:
        if result.rule.kind == "effect":
            result.status = EFFECT_STATUS.get(result.status, result.status)


def settle_ledger(ctx: Context, periods: list) -> None:
    """Place the claims on the days that would otherwise be paid, then decide the benefit periods,
    which count those days and may end the right from the day one is used up, which moves the claims
    after that day: repeated with the periods' own effects until they come out the same."""
    losses: list = []
    for _ in range(len(periods) + 2):  # each round can only move what lies after a later day
        mark = ctx.checkpoint()
        place_claims(ctx, losses)
        for checker in periods:
            checker(ctx)
        found = [e for e in ctx.effects[mark[1]:] if e.days is None]
        if [_effect_key(e, 0) + (e.start, e.end) for e in found] == [_effect_key(e, 0) + (e.start, e.end)
                                                                      for e in losses]:
            return
        ctx.rollback(mark, ctx.sanctions)
        losses = found


def place_claims(ctx: Context, losses=()) -> None:
    """Give each claim its days: weekdays (Monday to Friday, public holidays included, as dagpenge
    are paid) on which the person is registered and no other consequence already stops dagpenge, not
    taken by an earlier claim, from the claim's first day to its limit.  Claims are served in the
    order of their first day (then in the order the rules made them)."""
    if not ctx.claims:
        return
    first = min(c.start for c in ctx.claims)
    interval = [e for e in ctx.effects if e.days is None] + list(losses)
    free = [d for start, end, effects in effect_stretches(ctx, first, ctx.as_of, interval)
            if not effects and ctx.in_state("registered", start) for d in _weekdays(start, end)]
    taken = list(range(len(free) + 1))  # union-find: the first free day not taken at or after i

    def next_free(i):
        root = i
        while taken[root] != root:
            root = taken[root]
        while taken[i] != root:
            taken[i], i = root, taken[i]
        return root

    for claim in sorted(ctx.claims, key=lambda c: c.start):  # stable: ties in the order made
        days, i = [], next_free(bisect.bisect_left(free, claim.start))
        while len(days) < claim.needed and i < len(free) and free[i] <= claim.limit:
            if any(ctx.covered(etype, None, free[i]) for etype in claim.skip):
                i = next_free(i + 1)  # a day the claim may not take stays free for the others
                continue
            days.append(free[i])
            taken[i] = i + 1
            i = next_free(i + 1)
        ctx.effects.append(Effect(claim.kind, days[0] if days else claim.start, days[-1] if days else claim.start,
                                  claim.rule, claim.reason, days=frozenset(days)))
        _fill_action(ctx, claim, days)


def _weekdays(start: Date, end: Date):
    day = start
    while day <= end:
        if day.weekday() < 5:
            yield day
        day += ONE_DAY


def _fill_action(ctx: Context, claim: Claim, days: list) -> None:
    action = claim.action
    action.update({"from": days[0].isoformat() if days else None,
                   "to": days[-1].isoformat() if days else None, "days": [d.isoformat() for d in days]})
    if claim.kind == "quarantine" or "served_days" in action:
        action["served_days"] = len(days)
        action.pop("lapsed_on", None)
        if claim.lapsed is not None and len(days) < claim.needed and claim.lapsed <= ctx.as_of:
            action["lapsed_on"] = claim.lapsed.isoformat()


def settle(ctx: Context, checker) -> None:
    """Evaluate a rule that reads what it changes, earliest first: run it, keep the earliest of its
    deregistrations not kept yet (undoing the rest of the run), and run it again in the state that
    makes, until a run brings nothing new.  Each kept deregistration stands: it was decided by what
    happened before its day, which a later deregistration does not change."""
    kept = set(ctx.sanctions)
    while True:
        mark = ctx.checkpoint()
        checker(ctx)
        new = ctx.sanctions - kept
        if not new:
            return
        kept.add(min(new))
        ctx.rollback(mark, kept)


# ====================================================================== quota per calendar window
def quota(ctx, rule, *, count, target, weeks, state, excluded=(), shares=(), applies=None, effect=None, op="ge"):
    """``at least N X per K weeks while STATE``: whole ISO weeks (Monday to Sunday)
    in which STATE holds every day are counted in blocks of K; weeks with a day of
    an excluded period are waived and not counted."""
    _, ttype, tpred = target
    excluded_weeks = {}  # Monday -> the first excluded event type with a day in that week
    for etype in reversed(excluded):
        for e in ctx.events(etype):
            day = week_start(e.date)
            while day <= (e.end or e.date):
                excluded_weeks[day] = etype
                day += ONE_DAY * 7
    any_week = False
    for start, end in ctx.spells(state):
        monday = week_start(start)
        if monday < start:
            monday += ONE_DAY * 7
        block = []
        while True:
            if not block:
                ctx.begin()
            sunday = monday + ONE_DAY * 6
            if end is not None and sunday > end:
                break
            if monday > ctx.as_of:
                break
            if not covers(ctx, rule, applies, monday):
                if block:  # the rule stopped applying before the block was complete: said, not dropped
                    ctx.add(Result(rule, f"weeks from {_iso_week(block[0])}", NOT_APPLICABLE,
                                   (block[0], block[-1] + ONE_DAY * 6), weeks=(_iso_week(block[0]), _iso_week(block[-1])),
                                   reason="the rule stopped applying before the period was complete"))
                    block = []
                monday += ONE_DAY * 7
                continue
            any_week = True
            skip = excluded_weeks.get(monday)
            if excluded and ctx.trace is not None:
                ctx.note("week", monday=monday, excluded=tuple(excluded), found=skip)
            if skip is not None:
                ctx.add(Result(rule, f"week {_iso_week(monday)}", WAIVED, (monday, sunday), None,
                               weeks=(_iso_week(monday),) * 2,
                               reason=f"week with `{skip}` is not counted"))
            else:
                block.append(monday)
                if len(block) == weeks or sunday >= ctx.as_of:
                    _judge_block(ctx, rule, block, ttype, tpred, count, shares, effect, complete=len(block) == weeks,
                                 op=op)
                    if len(block) == weeks:
                        block = []
                    else:
                        break
            monday += ONE_DAY * 7
        if block and end is not None:
            ctx.add(Result(rule, f"weeks from {_iso_week(block[0])}", NOT_APPLICABLE,
                           (block[0], block[-1] + ONE_DAY * 6), weeks=(_iso_week(block[0]), _iso_week(block[-1])),
                           reason=f"the {state} spell ended before the period was complete"))
    if not any_week:
        if applies is not None and not applies(ctx, ctx.as_of):
            not_applicable(ctx, rule, "the person is not covered (see `applies`)")
        else:
            not_applicable(ctx, rule, f"no whole week `{state}` while the rule was in force")


def _iso_week(monday: Date) -> str:
    year, week, _ = monday.isocalendar()
    return f"{year}-W{week:02d}"


def anchor_on(ctx, anchor, day):
    """The anchor a day is measured from: the first such event (``first A``), or the latest on or
    before the day; None when there is none."""
    etype, _, first, pred = anchor
    events, dates = ctx.matching(etype, pred)
    if first:
        return events[0] if events else None
    i = bisect.bisect_right(dates, day)
    return events[i - 1] if i else None


def share_start(ctx, since, day):
    """The first day of a dated share (``from D [of CLOCK] after A``) for a block beginning on ``day``:
    D after the anchor (:func:`anchor_on`); None while the clock has not run that long, or when there
    is no such A."""
    spec, clock, anchor = since
    base = anchor_on(ctx, anchor, day)
    return None if base is None else ctx.offset(base.date, spec, clock)


def _judge_block(ctx, rule, block, ttype, tpred, count, shares, effect, complete, op="ge"):
    lo, hi = block[0], block[-1] + ONE_DAY * 6
    name = f"week {_iso_week(lo)}" if len(block) == 1 and complete else f"weeks {_iso_week(lo)}..{_iso_week(block[-1])}"
    need = ctx.amount(count, lo)
    hits = [e for e in ctx.between(ttype, lo, hi, tpred) if week_start(e.date) in block]
    ctx.consider(ttype, tpred, lo, hi, hits)
    result = Result(rule, name, PENDING, (lo, hi), hi, detail={"required": need, "counted": len(hits)},
                    weeks=(_iso_week(lo), _iso_week(block[-1])))
    short = []
    for share_count, share_pred, share_text, since in shares:
        if since is not None:
            start = share_start(ctx, since, lo)
            if start is None or lo < start:
                continue  # the share applies to the blocks that begin on or after its day
        share_need = ctx.amount(share_count, lo)
        got = sum(1 for e in hits if share_pred(ctx, e))
        result.detail[share_text] = {"required": share_need, "counted": got}
        if got < share_need:
            short.append(share_text)
    result.fulfilled_by = hits
    if reaches(len(hits), need, op) and not short:
        result.status = FULFILLED
    elif not complete or ctx.as_of <= hi:
        result.status = PENDING
    else:
        result.status, result.violated_since = VIOLATED, hi + ONE_DAY
        if short:
            result.reason = "too few where " + "; ".join(short)
        if effect is not None:
            apply_effect(ctx, result, effect, lo, None)
    ctx.add(result)


# ====================================================================== counters and budgets
def time_budget(ctx, rule, *, limit, unit, state, within, applies=None, effect=None, op="le"):
    """``at most L weeks of STATE within W``: a week counts when STATE holds on one of
    its days; the budget is broken in the first week that makes more than L weeks
    in the W weeks ending with it."""
    weeks = []
    for start, end in ctx.spells(state):
        if start > ctx.as_of:
            break  # spells are in date order; one that has not begun uses no week yet
        day = week_start(start)
        last = min(end, ctx.as_of) if end is not None else ctx.as_of
        while day <= last:
            if not weeks or weeks[-1] != day:
                weeks.append(day)
            day += ONE_DAY * 7
    if not weeks:
        not_applicable(ctx, rule, f"never `{state}`")
        return
    if applies is not None and not applies(ctx, weeks[0]):
        not_applicable(ctx, rule, "the person is not covered")
        return
    lo_index = 0
    broken = None
    for i, monday in enumerate(weeks):
        horizon = Date.min if within is None else ctx.shift(monday + ONE_DAY * 7, within, sign=-1)
        while weeks[lo_index] < horizon:
            lo_index += 1
        used = i - lo_index + 1
        cap = ctx.amount(limit, monday)
        if exceeds(used, cap, op):
            broken = (monday, used, cap)
            break
    ctx.begin()
    if broken is not None and within is not None and ctx.trace is not None:
        ctx.shift(broken[0] + ONE_DAY * 7, within, sign=-1)  # the window that broke it, for the explanation
    cap = ctx.amount(limit, weeks[-1])
    result = Result(rule, f"{state} from {weeks[0].isoformat()}", FULFILLED, (weeks[0], ctx.as_of), None,
                    detail={"limit": cap, "unit": unit})
    if broken is None:
        horizon = Date.min if within is None else ctx.shift(week_start(ctx.as_of) + ONE_DAY * 7, within, sign=-1)
        result.detail["used"] = sum(1 for w in weeks if w >= horizon)
    else:
        monday, used, cap = broken
        first_day = max(monday, next(s for s, e in ctx.spells(state) if e is None or e >= monday))
        result.status, result.violated_since = VIOLATED, first_day
        result.detail["used"] = used
        if effect is not None:
            apply_effect(ctx, result, effect, first_day, None)
    ctx.add(result)


def count_budget(ctx, rule, *, limit, target, within, applies=None, effect=None, op="le"):
    """``at most L X within D``: broken by each X that makes more than L within the
    D ending with it (days included)."""
    _, ttype, tpred = target
    events = [e for e in ctx.events(ttype) if tpred is None or tpred(ctx, e)]
    if applies is not None and not applies(ctx, ctx.as_of):
        not_applicable(ctx, rule, "the person is not covered")
        return
    broke = False
    for i, first, horizon in trailing_windows(ctx, events, within):
        ctx.begin()
        e = events[i]
        cap = ctx.amount(limit, e.date)
        if exceeds(i - first + 1, cap, op):
            broke = True
            result = anchored(rule, e, VIOLATED, (horizon + ONE_DAY, e.date), None,
                            violated_since=e.date, detail={"limit": cap, "counted": i - first + 1})
            allowed = int(cap) - (op == "lt")  # the events that make one too many
            result.fulfilled_by = events[max(first, i - allowed): i + 1]
            ctx.consider(ttype, tpred, horizon + ONE_DAY, e.date, events[first:i + 1])
            if effect is not None:
                apply_effect(ctx, result, effect, e.date, None)
            ctx.add(result)
    if not broke:
        ctx.begin()
        horizon = ctx.shift(ctx.as_of, within, sign=-1)
        used = sum(1 for e in events if e.date > horizon)
        spec = ctx.duration(within, ctx.as_of)
        written = " and ".join(f"{n} {u.replace('_', ' ')}s" for n, u in (spec if isinstance(spec[0], tuple) else (spec,)))
        ctx.add(Result(rule, f"{ttype} within {written} up to {ctx.as_of.isoformat()}", FULFILLED,
                       (horizon + ONE_DAY, ctx.as_of), None, detail={"limit": ctx.amount(limit, ctx.as_of), "counted": used}))


# ====================================================================== conditions on events
def each_event(ctx, rule, *, target, condition, applies=None, exceptions=(), effect=None, first_after=None):
    """``each X: COND`` (every X must satisfy COND) and ``first X after A: COND``."""
    _, ttype, tpred = target
    if first_after is None:
        pairs = [(e, e) for e in ctx.events(ttype) if tpred is None or tpred(ctx, e)]
    else:
        etype, _, first, apred = first_after
        pairs = []
        for a in anchor_events(ctx, etype, first, apred):
            pairs.append((a, ctx.first_between(ttype, a.date, None, tpred)))
    found = False
    for anchor, event in pairs:
        if not covers(ctx, rule, applies, anchor.date):
            continue
        found = True
        ctx.begin()
        result = anchored(rule, anchor, PENDING, None, None)
        if event is not None:  # judged on the event's day (README: due on the event's date)
            result.window, result.deadline = (event.date, event.end or event.date), event.date
        reason = waived_by(ctx, anchor, exceptions)
        if reason is not None:
            result.status, result.reason = WAIVED, reason
        elif event is None:
            result.reason = f"no `{ttype}` yet"
        elif condition(ctx, event):
            if ctx.trace is not None:
                ctx.note("condition", event=event, held=True)
            result.status = FULFILLED
            result.fulfilled_by.append(event)
        else:
            if ctx.trace is not None:
                ctx.note("condition", event=event, held=False)
            result.status, result.violated_since = VIOLATED, event.date
            result.fulfilled_by.append(event)
            if effect is not None:
                apply_effect(ctx, result, effect, event.date, None, violation=event.date, anchor_end=event.end,
                             anchor_event=event)
        ctx.add(result)
    if not found:
        not_applicable(ctx, rule, _why_not(ctx, rule, [a for a, _ in pairs], applies))


# ====================================================================== effects
def apply_effect(ctx, result, effect, anchor_date, late, violation=None, anchor_end=None, anchor_event=None):
    """Turn a broken duty's effect into benefit effects and derived events."""
    kind = effect[0]
    day = violation or result.violated_since
    rule = result.rule
    if kind in ("none", "reminder"):
        return
    if kind == "assessment":
        result.actions.append({"action": "availability assessment", "on": day.isoformat()})
        return
    if kind == "deregistration":
        deregister(ctx, result, day, why(rule))
        return
    if kind == "suspension":
        _, during, start_at, until = effect
        start = {"anchor": anchor_date, "deadline": result.deadline}.get(start_at) or day
        end = _until(ctx, until, start, late, anchor_end, anchor_date)
        ctx.effects.append(Effect("suspension", start, end, rule.id, why(rule), during))
        result.actions.append({"action": "no dagpenge" + (f" during {during}" if during else ""),
                               "from": start.isoformat(), "to": _iso(end)})
        return
    if kind == "anchor_day":
        ctx.effects.append(Effect("suspension", anchor_date, anchor_date, rule.id, why(rule)))
        result.actions.append({"action": "no dagpenge", "from": anchor_date.isoformat(), "to": anchor_date.isoformat()})
        return
    if kind == "week":
        start = week_start(day)
        end = start + ONE_DAY * 6
        ctx.effects.append(Effect("suspension", start, end, rule.id, f"`{rule.id}` broken in the week"))
        result.actions.append({"action": "no dagpenge for the week", "from": start.isoformat(), "to": _iso(end)})
        return
    if kind == "days_off":
        action = {"action": "no dagpenge", "from": None, "to": None, "days": []}
        ctx.claims.append(Claim("days_off", day, ctx.amount(effect[1], day), ctx.as_of, rule.id,
                                f"day without dagpenge (`{rule.id}`)", action))
        result.actions.append(action)
        return
    if kind in ("quarantine", "hours_off"):
        spec = effect[1]
        if isinstance(spec, tuple) and spec[0] == "field":  # hours the anchoring event carries
            hours = (anchor_event.get(spec[1]) if anchor_event is not None else None) or 0
        else:
            hours = ctx.amount(spec, day)
        per_day = ctx.param("hours_per_day", day)
        limit, lapsed = ctx.as_of, None
        if effect[2] is not None:
            lapsed = _lapse(ctx, effect[2], anchor_date, day)
            if lapsed is not None:
                limit = min(limit, lapsed - ONE_DAY)
        if kind == "hours_off":  # whole days the hours cover; the rest is deducted from a day still paid
            if effect[3] is not None:
                hours = min(hours, ctx.amount(effect[3], day))
            needed = math.floor(hours / per_day + 1e-9)
            action = {"action": "no dagpenge", "hours": hours, "needed_days": needed, "served_days": 0,
                      "part_day_hours": round(hours - needed * per_day, 9), "from": None, "to": None, "days": []}
            ctx.claims.append(Claim("days_off", day, needed, limit, rule.id, f"{hours} hours taken (`{rule.id}`)",
                                    action, lapsed, effect[4]))
            result.actions.append(action)
            return
        needed = math.ceil(hours / per_day - 1e-9)
        ctx.emit(rule.emits or "quarantine", day, rule.id, anchor_event.type if anchor_event is not None else None)
        action = {"action": "quarantine", "hours": hours, "needed_days": needed, "served_days": 0,
                  "from": None, "to": None, "days": []}
        ctx.claims.append(Claim("quarantine", day, needed, limit, rule.id, f"quarantine of {hours} hours (`{rule.id}`)",
                                action, lapsed))
        result.actions.append(action)
        return
    if kind == "loss_of_right":
        end = _until(ctx, effect[1], day, late, anchor_end, anchor_date)
        ctx.effects.append(Effect("loss_of_right", day, end, rule.id, f"right to dagpenge lost (`{rule.id}`)"))
        result.actions.append({"action": "right to dagpenge lost", "from": day.isoformat(), "to": _iso(end)})
        return
    if kind == "ladder":
        apply_ladder(ctx, result, effect[1], day, None, None)
        return
    raise ValueError(kind)


def _iso(day: Date | None) -> str | None:
    """A day as an action's ``to`` gives it: the last day included, None while still running."""
    return None if day is None else day.isoformat()


def _exact(number) -> Fraction:
    """A number as written, exactly (7.4 is 37/5), so that sums and comparisons are exact."""
    return Fraction(str(number)) if isinstance(number, float) else Fraction(number or 0)


def hours_of(events) -> float:
    """The hours of some events, added so that decimal hours sum to what they read:
    24.1 + 1.6 + 0.6 + 3.3 is 29.6, exactly at a limit of 29.6."""
    return round(math.fsum(e.get("hours", 0) or 0 for e in events), 9)


def _lapse(ctx, lapse, anchor_date: Date, imposed: Date) -> Date | None:
    """The day a quarantine lapses: DURATION after the anchor, or the day after the wage
    hours worked since it was imposed pass the limit, whichever comes first."""
    after, hours, etype, pred = lapse
    day = ctx.shift(anchor_date, after)
    if etype is not None:
        need, total = ctx.amount(hours, imposed), 0
        for e in ctx.between(etype, imposed, day, pred):
            total = round(total + (e.get("hours", 0) or 0), 9)
            if total >= need:
                day = min(day, e.date + ONE_DAY)
                break
    ctx.note("lapse", on=day)
    return day


def _until(ctx, until, start: Date, late: Date | None, anchor_end: Date | None = None,
           anchor_date: Date | None = None) -> Date | None:
    """The last day of an effect (None: not over by ``as_of``)."""
    kind = until[0]
    if kind == "earliest":  # the first of several ends to come
        ends = [_until(ctx, item, start, late, anchor_end, anchor_date) for item in until[1]]
        known = [end for end in ends if end is not None]
        return min(known) if known else None
    if kind == "end":
        return anchor_end
    if kind == "open":  # ``during S from ... onwards``: every later day of S
        return None
    if kind == "offset":  # DURATION after the latest such event on or before the start
        _, spec, etype = until
        event = ctx.last_before(etype, start) or ctx.first_between(etype, start, None)
        return None if event is None else ctx.shift(event.date, spec) - ONE_DAY
    if kind == "fulfilled":
        return late - ONE_DAY if late is not None else None
    if kind == "event":
        hit = ctx.first_between(until[1], start, None, until[2])
        return hit.date - ONE_DAY if hit else None
    _, amount, etype, pred, within, op, since = until
    if since is None:
        count_from = start  # from the effect's first day
    elif since == "anchor":
        count_from = anchor_date or start
    else:  # after the latest such event on or before the effect's first day
        event = ctx.last_before(since, start)
        count_from = event.date if event else start
    reached = ctx.accumulation(etype, pred, within, amount, kind, op).first_reached(count_from, start)
    if ctx.trace is not None:
        ctx.note("until", type=etype, amount=ctx.amount(amount, start), hours=kind == "hours", op=op,
                 within=ctx.duration(within, start) if within is not None else None, since=count_from, end=reached)
    return reached


class Accumulation:
    """``more than`` / ``at least`` N hours of X, or N Xs, within the D ending with an X, counted from
    a day on: for one X, D, N and bound, the first X at which it holds, for any first day.

    Built once (linear in the Xs) and asked once per effect, each answer a binary search,
    so that thousands of effects over thousands of Xs cost no more than their sum.  Hours
    add exactly as written (7.4 is 37/5).  For X number ``i``, the window reaches back to
    ``first[i]``; counted from index ``s`` it holds the Xs ``max(first[i], s) .. i``.
    While ``first[i] < s`` (i before ``j``) its total ``sums[i + 1] - sums[s]`` grows with
    ``i``; from ``j`` on it is the whole window's, whose hits are known in advance.
    """

    def __init__(self, ctx, events: list, within, amount, hours: bool, op: str):
        self.events, self.op = events, op
        self.dates = [e.date for e in events]
        self.sums = list(itertools.accumulate((_exact(e.get("hours", 0)) if hours else 1 for e in events),
                                              initial=0))
        self.first = [first for _, first, _ in trailing_windows(ctx, events, within)]
        self.need = [_exact(ctx.amount(amount, e.date)) for e in events]
        self.need_changes = [i for i in range(1, len(events)) if self.need[i] != self.need[i - 1]]
        self.next_hit = [len(events)] * (len(events) + 1)  # the first i' >= i whose whole window holds
        for i in range(len(events) - 1, -1, -1):
            whole = reaches(self.sums[i + 1] - self.sums[self.first[i]], self.need[i], op)
            self.next_hit[i] = i if whole else self.next_hit[i + 1]

    def first_reached(self, count_from: Date, not_before: Date) -> Date | None:
        """The last day before the first X, on or after ``not_before``, at which the amount of Xs
        dated from ``count_from`` on is reached (None: not by the check date)."""
        s = bisect.bisect_left(self.dates, count_from)
        i_min = max(s, bisect.bisect_left(self.dates, not_before))
        j = max(i_min, bisect.bisect_left(self.first, s))  # first[] grows with i
        hit = self.next_hit[j]
        i = self._growing(s, i_min, j)
        if i is not None:
            hit = min(hit, i)
        return self.dates[hit] - ONE_DAY if hit < len(self.events) else None

    def _growing(self, s: int, i_min: int, j: int) -> int | None:
        """The first i in i_min..j-1 whose total counted from s reaches its need."""
        lo = i_min
        search = bisect.bisect_right if self.op == "gt" else bisect.bisect_left
        for change in [c for c in self.need_changes[bisect.bisect_right(self.need_changes, lo):] if c < j] + [j]:
            if lo < change:  # one need from lo to change - 1: the totals grow, so bisect
                k = search(self.sums, self.sums[s] + self.need[lo], lo + 1, change + 1)
                if k <= change:
                    return k - 1
            lo = change
        return None


def trailing_windows(ctx, events, within):
    """For each event i (sorted by date): the index of the first event in the ``within``
    ending on event i's day, and that window's exclusive lower bound. Linear time."""
    first = 0
    for i, e in enumerate(events):
        horizon = ctx.shift(e.date, within, sign=-1)
        while events[first].date <= horizon:
            first += 1
        yield i, first, horizon


# ====================================================================== periods, hours and benefit periods
def never(ctx, rule, *, target, applies=None, exceptions=(), effect=None):
    """``no X``: every X (that the rule covers, and no exception waives) breaks the duty on its own day."""
    _, ttype, tpred = target
    found = False
    for e in ctx.events(ttype):
        if (tpred is not None and not tpred(ctx, e)) or not covers(ctx, rule, applies, e.date):
            continue
        found = True
        ctx.begin()
        reason = waived_by(ctx, e, exceptions)
        if reason is not None:
            ctx.add(anchored(rule, e, WAIVED, (e.date, e.end or e.date), e.date, reason=reason))
            continue
        ctx.note("condition", event=e, held=False)
        result = anchored(rule, e, VIOLATED, (e.date, e.end or e.date), e.date, violated_since=e.date)
        result.fulfilled_by.append(e)
        if effect is not None:
            apply_effect(ctx, result, effect, e.date, None, violation=e.date, anchor_end=e.end, anchor_event=e)
        ctx.add(result)
    if not found:
        if applies is not None and not applies(ctx, ctx.as_of):
            not_applicable(ctx, rule, "the person is not covered (see `applies`)")
        else:
            ctx.add(Result(rule, f"no {ttype} up to {ctx.as_of.isoformat()}", FULFILLED))


def each_ends(ctx, rule, *, target, offset, clock, anchor, applies=None, exceptions=(), effect=None, which="ends"):
    """``each P ends within D [of CLOCK] after [first] A``: every P has ended by D after A (the first A,
    or the latest on or before P's start); one that runs on is broken from the day after the deadline."""
    _, ttype, tpred = target
    found = False
    events = [e for e in ctx.events(ttype) if tpred is None or tpred(ctx, e)]
    for e in events:
        if not covers(ctx, rule, applies, e.date):
            continue
        base = anchor_on(ctx, anchor, e.date)
        if base is None:
            continue
        found = True
        ctx.begin()
        ctx.note("measured_from", event=base)
        deadline = ctx.offset(base.date, offset, clock)
        end = e.end or e.date
        if which == "starts":  # the day from which such a period may start
            result = anchored(rule, e, PENDING, (deadline, None))
            reason = waived_by(ctx, e, exceptions)
            if reason is not None:
                result.status, result.reason = WAIVED, reason
            elif deadline is not None and e.date >= deadline:
                result.status = FULFILLED if e.date <= ctx.as_of else PENDING
                result.fulfilled_by.append(e)
            elif e.date > ctx.as_of:
                result.reason = "not yet started"
            else:
                result.status, result.violated_since = VIOLATED, e.date
                result.fulfilled_by.append(e)
                if effect is not None:
                    apply_effect(ctx, result, effect, e.date, None, violation=e.date, anchor_end=e.end)
            ctx.add(result)
            continue
        result = anchored(rule, e, PENDING, (e.date, deadline), deadline)
        reason = waived_by(ctx, e, exceptions)
        if reason is not None:
            result.status, result.reason = WAIVED, reason
        elif deadline is None:
            result.reason = "the clock has not yet run out"
        elif end <= deadline:
            result.status = FULFILLED if end <= ctx.as_of else PENDING
            result.fulfilled_by.append(e)
        elif ctx.as_of > deadline:
            violation = max(deadline + ONE_DAY, e.date)
            result.status, result.violated_since = VIOLATED, violation
            result.fulfilled_by.append(e)
            if effect is not None:
                apply_effect(ctx, result, effect, e.date, None, violation=violation, anchor_end=e.end)
        ctx.add(result)
    if not found:
        not_applicable(ctx, rule, _why_not(ctx, rule, events, applies))


def each_lasts(ctx, rule, *, target, at_most, applies=None, exceptions=(), effect=None, op="le"):
    """``each P lasts at most D``: a period beyond D is broken from its first day beyond."""
    _, ttype, tpred = target
    found = False
    events = [e for e in ctx.events(ttype) if tpred is None or tpred(ctx, e)]
    for e in events:
        if not covers(ctx, rule, applies, e.date):
            continue
        found = True
        ctx.begin()
        last_ok = ctx.shift(e.date, at_most) - ONE_DAY * (2 if op == "lt" else 1)  # less than D: a day less
        end = e.end or e.date
        result = anchored(rule, e, PENDING, (e.date, last_ok), last_ok)
        reason = waived_by(ctx, e, exceptions)
        if reason is not None:
            result.status, result.reason = WAIVED, reason
        elif end <= last_ok:
            result.status = FULFILLED if end <= ctx.as_of else PENDING
            result.fulfilled_by.append(e)
        elif ctx.as_of <= last_ok:
            result.status = PENDING
        else:
            result.status, result.violated_since = VIOLATED, last_ok + ONE_DAY
            result.fulfilled_by.append(e)
            if effect is not None:
                apply_effect(ctx, result, effect, e.date, None, violation=last_ok + ONE_DAY, anchor_end=e.end)
        ctx.add(result)
    if not found:
        not_applicable(ctx, rule, _why_not(ctx, rule, events, applies))


def weekly_hours(ctx, rule, *, limit, target, state, applies=None, effect=None, op="le"):
    """``at most H hours of X per week while STATE``: the hours of X dated in an ISO week
    in which STATE holds on some day; a week over H is broken from its Monday."""
    _, ttype, tpred = target
    weeks = {}
    for e in ctx.events(ttype):
        if (tpred is None or tpred(ctx, e)) and ctx.in_state(state, e.date):
            weeks.setdefault(week_start(e.date), []).append(e)
    judged = False
    for monday in sorted(weeks):
        if not covers(ctx, rule, applies, monday):
            continue
        judged = True
        ctx.begin()
        events = weeks[monday]
        hours = hours_of(events)
        ctx.consider(ttype, tpred, monday, monday + ONE_DAY * 6, events)
        cap = ctx.amount(limit, monday)
        sunday = monday + ONE_DAY * 6
        result = Result(rule, f"week {_iso_week(monday)}", FULFILLED, (monday, sunday), sunday,
                        weeks=(_iso_week(monday),) * 2,
                        detail={"limit": cap, "hours": hours}, fulfilled_by=events)
        if exceeds(hours, cap, op):
            result.status, result.violated_since = VIOLATED, monday
            if effect is not None:
                apply_effect(ctx, result, effect, monday, None, violation=monday)
        elif sunday >= ctx.as_of:
            result.status = PENDING
        ctx.add(result)
    if not judged:
        not_applicable(ctx, rule, f"no `{ttype}` while `{state}`")


def periodic_hours(ctx, rule, *, every, clock, anchor, hours, target, applies=None, effect=None, op="gt"):
    """``each D of CLOCK after A: more than H hours of X``: the time after A is cut into
    periods of D (on the clock); a period ends broken unless X's hours in it pass H."""
    etype, _, first, apred = anchor
    _, ttype, tpred = target
    anchors = anchor_events(ctx, etype, first, apred)
    found = False
    for a in anchors:
        if not covers(ctx, rule, applies, a.date):
            continue
        found = True
        amount, unit = ctx.duration(every, a.date)
        start, k = a.date, 1
        while start <= ctx.as_of:
            ctx.begin()
            if ctx.trace is not None and every[0] == "$":
                ctx.param(every[1], a.date)  # the period's length, for the explanation
            end = ctx.offset(a.date, (amount * k, unit), clock)
            end = None if end is None else end - ONE_DAY
            worked = hours_of(ctx.between(ttype, start, end, tpred))
            ctx.consider(ttype, tpred, start, end, ctx.between(ttype, start, end, tpred))
            need = ctx.amount(hours, start)
            result = Result(rule, f"{instance_name(a)} period {k}", PENDING, (start, end), end, anchor=a,
                            detail={"hours": worked, "more_than": need})
            if reaches(worked, need, op):
                result.status = FULFILLED
            elif end is not None and end < ctx.as_of:
                result.status, result.violated_since = VIOLATED, end + ONE_DAY
                if effect is not None:
                    apply_effect(ctx, result, effect, start, None, violation=end + ONE_DAY)
            ctx.add(result)
            if end is None or end >= ctx.as_of:
                break
            start, k = end + ONE_DAY, k + 1
    if not found:
        not_applicable(ctx, rule, _why_not(ctx, rule, anchors, applies))


def steady_stretches(ctx: Context, first: Date, last: Date, effects=None) -> list:
    """``first`` to ``last`` cut into stretches ``(start, end)`` inside which no effect (of
    ``effects``, default all), no registration and no state an effect depends on changes, so
    that what holds on a stretch's first day holds on all of it."""
    effects = ctx.effects if effects is None else effects
    cuts = {first, last + ONE_DAY}
    states = {"registered"} | {e.during for e in effects if e.during is not None}
    for state in states:
        for start, end in ctx.spells(state):
            cuts.add(start)
            if end is not None:
                cuts.add(end + ONE_DAY)
    for effect in effects:
        if effect.days is not None:
            cuts.update(effect.days)
            cuts.update(d + ONE_DAY for d in effect.days)
        else:
            cuts.add(effect.start)
            if effect.end is not None:
                cuts.add(effect.end + ONE_DAY)
    ordered = sorted(c for c in cuts if first <= c <= last + ONE_DAY)
    return [(a, b - ONE_DAY) for a, b in zip(ordered, ordered[1:])]


def effect_stretches(ctx: Context, first: Date, last: Date, effects=None) -> list:
    """:func:`steady_stretches` with the effects in force on each: ``[(start, end, effects)]``.

    Effects alike in kind, reason and state count once (two losses of the right are
    one reason not to pay); effects come in the order in which the first effect with
    their reason was applied.  One sweep over the stretches and the effects sorted by
    start, so the cost grows with the stretches and the effects, not their product.
    """
    effects = ctx.effects if effects is None else effects
    first_of, first_reason = {}, {}  # key (reason) -> index of the first effect applied with it
    for index, effect in enumerate(effects):
        first_of.setdefault(_effect_key(effect, index), index)
        first_reason.setdefault(effect.reason, index)
    order = sorted(range(len(effects)), key=lambda i: effects[i].start)
    counts, ending, k, out = {}, [], 0, []
    for start, end in steady_stretches(ctx, first, last, effects):
        while k < len(order) and effects[order[k]].start <= start:
            index = order[k]
            effect, key = effects[index], _effect_key(effects[index], index)
            counts[key] = counts.get(key, 0) + 1
            last_day = (max(effect.days) if effect.days else effect.start) if effect.days is not None else effect.end
            if last_day is not None:
                heapq.heappush(ending, (last_day, index))
            k += 1
        while ending and ending[0][0] < start:
            index = heapq.heappop(ending)[1]
            key = _effect_key(effects[index], index)
            counts[key] -= 1
            if not counts[key]:
                del counts[key]
        found = []
        for key in counts:
            effect = effects[first_of[key]]
            if effect.days is not None:
                if start in effect.days:
                    found.append(effect)
            elif effect.during is None or ctx.in_state(effect.during, start):
                found.append(effect)
        out.append((start, end, sorted(found, key=lambda e: first_reason[e.reason])))
    return out


def _effect_key(effect: Effect, index: int) -> tuple:
    """Effects on whole spans of days are alike by kind, reason and state; effects on
    chosen days (a quarantine) each stand for their own days."""
    return ("days", index) if effect.days is not None else (effect.kind, effect.reason, effect.during)


def day_reasons(ctx: Context, day: Date, effects: list) -> list:
    """Why dagpenge are not payable on ``day``, given the effects in force then (empty: payable)."""
    deregistered = any(e.kind == "deregistration" for e in effects)  # a sanction says why, itself
    reasons = [] if deregistered or ctx.in_state("registered", day) else ["not registered as unemployed"]
    return reasons + list(dict.fromkeys(e.reason for e in effects))


def consumption(ctx, rule, *, limit, unit, within, anchor, less=None, applies=None, effect=None):
    """``at most N paid hours|weeks [less X] within D after A``: a benefit period.

    Every weekday (Monday to Friday) on which dagpenge are payable, or on which a
    quarantine is served, uses ``hours_per_day`` hours; hours of X worked in a week
    are deducted from that week's paid days, from the day they are dated on.  In
    weeks, any week with such a day uses one week, and a week used up ends on its
    Sunday.  When the period is used up, the effect applies from the next day.
    """
    etype, _, first, apred = anchor
    anchors = anchor_events(ctx, etype, first, apred)
    found = False
    for a in anchors:
        if not covers(ctx, rule, applies, a.date):
            continue
        found = True
        ctx.begin()
        period_end = ctx.shift(a.date, within) - ONE_DAY
        cap = ctx.amount(limit, a.date)
        per_day = ctx.param("hours_per_day", a.date)
        used, exhausted = 0.0, None
        day = a.date
        last = min(period_end, ctx.as_of)
        # a day paid, or a day of quarantine served, uses the benefit period (BP-2)
        using = [(s, e) for s, e, effects in effect_stretches(ctx, day, last) if ctx.in_state("registered", s)
                 and all(x.kind == "quarantine" for x in effects)] if day <= last else []
        k = 0
        while day <= last and exhausted is None:
            while k < len(using) and using[k][1] < day:
                k += 1
            if k == len(using):
                break  # no day of the period is used any more
            day = max(day, week_start(using[k][0]))  # weeks without a used day are skipped
            monday = week_start(day)
            week_days = []
            d = max(day, monday)
            while d <= min(monday + ONE_DAY * 6, last):
                while k < len(using) and using[k][1] < d:
                    k += 1
                if d.weekday() < 5 and k < len(using) and using[k][0] <= d:
                    week_days.append(d)
                d += ONE_DAY
            if week_days:
                if unit == "week":  # the week is used as a whole, Monday to Sunday
                    used += 1
                    if used >= cap:
                        exhausted = monday + ONE_DAY * 6
                else:
                    # hours worked in the week are deducted from its paid days, each from the
                    # day it is dated on: work reported later cannot move an earlier day
                    credit, counted = 0.0, monday - ONE_DAY
                    for d in week_days:
                        if less is not None:
                            _, ltype, lpred = less
                            credit += hours_of(ctx.between(ltype, counted + ONE_DAY, d, lpred))
                            counted = d
                        deducted = min(per_day, credit)
                        credit -= deducted
                        used = round(used + per_day - deducted, 9)
                        if used >= cap:
                            exhausted = d
                            break
            day = monday + ONE_DAY * 7
        used = round(used, 2)
        result = anchored(rule, a, FULFILLED if period_end < ctx.as_of else PENDING,
                        (a.date, period_end), period_end,
                        detail={"limit": cap, "unit": unit, "used": min(used, cap)})
        if exhausted is not None and exhausted < ctx.as_of:
            result.status, result.violated_since = VIOLATED, exhausted + ONE_DAY
            result.reason = f"benefit period used up on {exhausted.isoformat()}"
            if effect is not None:
                apply_effect(ctx, result, effect, a.date, None, violation=exhausted + ONE_DAY)
        ctx.add(result)
    if not found:
        not_applicable(ctx, rule, _why_not(ctx, rule, anchors, applies))


# ====================================================================== versions of a duty
def selected_versions(families: dict, rules: tuple, applies: tuple, ctx: Context, day: Date) -> dict:
    """For each family whose domain covers the person on ``day``: the rules whose
    ``applies`` and ``valid`` select them.  Exactly one is the consistent answer."""
    out = {}
    for fid, (_, domain, start, until) in families.items():
        iso = day.isoformat()
        if (start and iso < start) or (until and iso >= until):
            continue
        if domain is not None and not domain(ctx, day):
            continue
        out[fid] = []
    for rule, pred in zip(rules, applies):
        if rule.family in out and ctx.valid(rule, day) and (pred is None or pred(ctx, day)):
            out[rule.family].append(rule.id)
    return out


# ====================================================================== benefit status
def benefit_status(ctx: Context) -> dict:
    """Day by day from the first registration to ``as_of``: dagpenge payable or not, and why."""
    if ctx.person.get("benefit") != "dagpenge":
        return {"applies": False, "reason": f"the person receives {ctx.person.get('benefit')}, not dagpenge",
                "periods": []}
    spells = ctx.spells("registered")
    if not spells or spells[0][0] > ctx.as_of:
        return {"applies": True, "reason": "never registered as unemployed", "periods": []}
    periods = []
    for start, end, effects in effect_stretches(ctx, spells[0][0], ctx.as_of):
        reasons = day_reasons(ctx, start, effects)
        payable = not reasons
        if periods and periods[-1]["payable"] == payable and periods[-1]["reasons"] == reasons:
            periods[-1]["_last"] = end
        else:
            periods.append({"from": start, "_last": end, "payable": payable, "reasons": reasons})
    out = [{"from": p["from"].isoformat(), "to": p["_last"].isoformat(), "payable": p["payable"],
            "reasons": p["reasons"]} for p in periods]
    return {"applies": True, "reason": None, "periods": out}
