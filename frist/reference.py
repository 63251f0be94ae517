"""A reference interpreter: the IR evaluated directly, by brute force.

The compiled checkers (:mod:`frist.codegen` + :mod:`frist.runtime.engine`)
are built for speed: events indexed by type, windows found by bisection,
clocks jumped spell by spell, predicates compiled to lambdas.  This module
gives the same answers the slow and obvious way, straight from the README's
semantics table, so that a differential test can hold the two against each
other (``tests/test_differential.py``):

* every event query scans the whole timeline;
* predicates are evaluated by walking the IR nodes (:meth:`_Interpreter.eval`);
* states are decided day by day from their start and end events; clocks count
  running days one at a time; each week's counts are recomputed from scratch;
* hours are added up exactly (:class:`fractions.Fraction`), not in floats.

It shares with the engine only plain data: dates (:mod:`frist.dates`), the
timeline (:mod:`frist.runtime.timeline`) and the ``Result``/``RuleInfo``/
``Effect`` records.  Where the README is silent, the engine's documented
conventions are followed (they are named in comments below).

>>> from frist import rulebook
>>> book = rulebook.load("rules.yaml")  # doctest: +SKIP
>>> report_json(book, "examples/two-quarantines.yaml", "2024-10-06")["summary"]  # doctest: +SKIP
"""

from __future__ import annotations

import math
import operator
from fractions import Fraction
from pathlib import Path

from . import ir
from .dates import ONE_DAY, AmbiguousDate, Date, age_on, parse_date, shift, week_start
from .errors import Diagnostic, EvaluationError, Span
from .rulebook import RuleBook
from .runtime.engine import (FULFILLED, NOT_APPLICABLE, PENDING, VIOLATED, WAIVED, Effect, Result, RuleInfo,
                             anchored, name_effects, why)
from .runtime.timeline import Event, Timeline, build_timeline

_COMPARE = {"eq": operator.eq, "ne": operator.ne, "lt": operator.lt, "le": operator.le,
            "gt": operator.gt, "ge": operator.ge, "in": lambda a, b: a in b}
_ORDERING = ("lt", "le", "gt", "ge")  # a missing optional value never satisfies an ordering
# a bound on a count or an amount: at least (ge), more than (gt); kept while at most (le), less than (lt)
_BOUND = {"ge": operator.ge, "gt": operator.gt, "le": operator.le, "lt": operator.lt}
_WEEK = 7 * ONE_DAY


# ====================================================================== public entry points
def check(book: RuleBook, timeline, as_of) -> list:
    """Every rule of ``book`` on ``timeline`` as of ``as_of``: a list of :class:`Result`."""
    return _run(book, timeline, as_of).results


def benefit(book: RuleBook, timeline, as_of) -> dict:
    """Day by day from the first registration to ``as_of``: dagpenge payable or not, and why."""
    return _run(book, timeline, as_of).benefit()


def report_json(book: RuleBook, timeline, as_of) -> dict:
    """The JSON report (as :meth:`frist.report.Report.to_json`) the reference computes."""
    from .report import Report  # formatting only

    interp = _run(book, timeline, as_of)
    info = {"name": book.doc.get("name", ""), "path": book.path, "digest": book.digest,
            "compiler": "reference", "sources": book.doc["sources"]}
    return Report(interp.as_of, info, interp.timeline, interp.results, interp.benefit(), []).to_json()


def _run(book: RuleBook, timeline, as_of) -> "_Interpreter":
    as_of = parse_date(as_of)
    interp = _Interpreter(book, _timeline(book, timeline), as_of)
    ledger = []
    for rule in ir.lower(book):  # book.rules is in evaluation order (frist.order)
        if rule.info["settle"] == "ledger":
            ledger.append(rule)
        elif rule.info["settle"] == "fixpoint":
            interp.settle(rule)
        else:
            interp.run(rule)
    interp.settle_ledger(ledger)
    name_effects(interp.results)
    interp.rule = None
    return interp


def _timeline(book: RuleBook, source) -> Timeline:
    if isinstance(source, Timeline):
        return source
    if isinstance(source, (str, Path)):
        from .report import load_timeline  # file reading only

        return load_timeline(source, book.vocabulary)
    timeline = build_timeline(source, book.vocabulary)
    if isinstance(source.get("name"), str):
        timeline.name = source["name"]
    return timeline


# ====================================================================== the interpreter
class _Interpreter:
    def __init__(self, book: RuleBook, timeline: Timeline, as_of: Date):
        self.book, self.timeline, self.as_of = book, timeline, as_of
        self.person = timeline.person
        everything = sorted(timeline.events, key=lambda e: (e.date, e.index))
        self.everything = everything  # states are facts of the whole timeline (as in the engine)
        self.known = [e for e in everything if e.date <= as_of]  # events are known up to as_of
        self.results: list[Result] = []
        self.effects: list[Effect] = []
        self.misses: dict[str, list] = {}
        self.rule: RuleInfo | None = None
        self._spells: dict[str, list] = {}
        self._marks: dict[str, list] = {}
        self.sanctions: set = set()  # days from which a rule deregistered the person
        self.claims: list = []  # days a quarantine or karensdag takes, placed after the rules
        self.anchor_day: Date | None = None  # the anchor a `during ... where` compares with

    def run(self, rule: ir.RuleIR) -> None:
        self.rule = RuleInfo(**rule.info)
        kwargs = {name: self.value(node) for name, node in rule.call.kwargs}
        getattr(self, "duty_" + rule.call.fn)(self.rule, **kwargs)

    def settle_ledger(self, periods: list) -> None:
        """Place the claims on the days otherwise paid, then decide the benefit periods; again, with
        the periods' own effects, until those come out the same."""
        losses = []
        for _ in range(len(periods) + 2):
            saved = (list(self.results), list(self.effects), {k: list(v) for k, v in self.misses.items()},
                     list(self.known), list(self.claims))
            self.place_claims(losses)
            placed = len(self.effects)
            for rule in periods:
                self.run(rule)
            found = [e for e in self.effects[placed:] if e.days is None]
            if [(e.kind, e.reason, e.during, e.start, e.end) for e in found] == \
                    [(e.kind, e.reason, e.during, e.start, e.end) for e in losses]:
                return
            self.results, self.effects, self.known, self.claims = (list(saved[0]), list(saved[1]), list(saved[3]),
                                                                   list(saved[4]))
            self.misses = {k: list(v) for k, v in saved[2].items()}
            losses = found

    def place_claims(self, losses: list) -> None:
        """Each claim, in the order of its first day, takes the weekdays (public holidays included)
        from its first day to its limit on which the person is registered, no other consequence stops
        dagpenge and no earlier claim took the day."""
        taken = set()
        stopping = [e for e in self.effects if e.days is None] + list(losses)
        for claim in sorted(self.claims, key=lambda c: c["start"]):
            days, day = [], claim["start"]
            while len(days) < claim["needed"] and day <= claim["limit"]:
                if day.weekday() < 5 and day not in taken and self.in_state("registered", day) and not any(
                        e.start <= day and (e.end is None or day <= e.end)
                        and (e.during is None or self.in_state(e.during, day)) for e in stopping) \
                        and not any(self.in_state(etype, day) for etype in claim.get("skip", ())):
                    days.append(day)
                    taken.add(day)
                day += ONE_DAY
            self.effects.append(Effect(claim["kind"], days[0] if days else claim["start"],
                                       days[-1] if days else claim["start"], claim["rule"], claim["reason"],
                                       days=frozenset(days)))
            action = claim["action"]
            action.update({"from": days[0].isoformat() if days else None,
                           "to": days[-1].isoformat() if days else None, "days": [d.isoformat() for d in days]})
            if claim["kind"] == "quarantine" or "served_days" in action:
                action["served_days"] = len(days)
                action.pop("lapsed_on", None)
                if claim["lapsed"] is not None and len(days) < claim["needed"] and claim["lapsed"] <= self.as_of:
                    action["lapsed_on"] = claim["lapsed"].isoformat()

    def settle(self, rule: ir.RuleIR) -> None:
        """A rule that reads what it changes, earliest first: run it from scratch with the sanctions
        kept so far, and keep the earliest new one, until a run brings none."""
        kept = set(self.sanctions)
        saved = (list(self.results), list(self.effects), {k: list(v) for k, v in self.misses.items()},
                 list(self.known), list(self.claims))
        while True:
            self.run(rule)
            new = self.sanctions - kept
            if not new:
                return
            kept.add(min(new))
            self.results, self.effects, self.known = list(saved[0]), list(saved[1]), list(saved[3])
            self.claims = list(saved[4])
            self.misses = {k: list(v) for k, v in saved[2].items()}
            self.sanctions = set(kept)
            self._spells.clear()

    # ---------------------------------------------------------------- IR values and predicates
    def value(self, node):
        """An IR argument as a plain value; predicates stay IR nodes, walked by :meth:`holds`."""
        if isinstance(node, ir.Const):
            return node.value
        if isinstance(node, ir.Tuple):
            return tuple(self.value(item) for item in node.items)
        if isinstance(node, ir.Pred):
            return node
        raise TypeError(node)

    def holds(self, pred, x) -> bool:
        return pred is None or bool(self.eval(pred.body, x, pred.on))

    def eval(self, node, x, on):
        return getattr(self, "eval_" + type(node).__name__)(node, x, on)

    def eval_Const(self, node, x, on):
        return node.value

    def eval_EventField(self, node, x, on):
        return x.get(node.name)

    def eval_Fact(self, node, x, on):
        return self.person.get(node.name)

    def eval_Age(self, node, x, on):
        return self.age_at(node.event, x if on == "day" else x.date)

    def eval_ParamValue(self, node, x, on):
        return self.param(node.name, x if on == "day" else x.date)

    def eval_Op(self, node, x, on):
        if node.op == "and":
            return all(self.eval(a, x, on) for a in node.args)
        if node.op == "or":
            return any(self.eval(a, x, on) for a in node.args)
        if node.op == "not":
            return not self.eval(node.args[0], x, on)
        left, right = (self.eval(a, x, on) for a in node.args)
        if node.op in _ORDERING and left is None:
            return False
        return _COMPARE[node.op](left, right)

    def eval_Test(self, node, x, on):
        return getattr(self, "test_" + node.fn)(x, *[self.value(a) for a in node.args])

    # ---------------------------------------------------------------- exception tests (on the anchor)
    def test_occurs(self, anchor, etype, pred, lo_spec, hi_spec, direction, strict) -> bool:
        """``E within D before|after A`` (closed), ``E less than D before A`` (far end open)."""
        sign = -1 if direction == "before" else 1
        near = anchor.date if lo_spec is None else self.shift(anchor.date, lo_spec, sign=sign)
        if hi_spec is None:  # ``at least D before|after A``: no far end
            lo, hi = (None, near) if direction == "before" else (near, None)
        else:
            far = self.shift(anchor.date, hi_spec, sign=sign)
            if strict:
                far -= sign * ONE_DAY
            lo, hi = min(far, near), max(far, near)
        return any(e is not anchor for e in self.between(etype, lo, hi, pred))

    def test_lasts_at_most(self, anchor, spec) -> bool:
        return (anchor.end or anchor.date) < self.shift(anchor.date, spec)

    def test_during(self, anchor, etype, pred, by_anchor=False) -> bool:
        self.anchor_day = anchor.date  # what `... before anchor` in the condition compares with
        if etype in self.book.vocabulary["states"]:
            return self.in_state(etype, anchor.date)
        return any(e.date <= anchor.date <= (e.end or e.date) for e in self.events(etype, pred))

    def test_field_before(self, event, name, spec, other) -> bool:
        first, second = event.get(name), self.anchor_day if other == "anchor" else event.get(other)
        return first is not None and second is not None and first <= self.shift(second, spec, sign=-1)

    # ---------------------------------------------------------------- events, parameters, dates
    def events(self, etype, pred=None) -> list:
        return [e for e in self.known if e.type == etype and self.holds(pred, e)]

    def between(self, etype, lo, hi, pred=None) -> list:
        """Known events of a type dated in [lo, hi] (None: unbounded) matching ``pred``."""
        return [e for e in self.events(etype, pred) if (lo is None or lo <= e.date) and (hi is None or e.date <= hi)]

    def emit(self, etype, day, rule_id, cause) -> None:
        self.known.append(Event(etype, day, None, {"rule": rule_id, "cause": cause}, -1))
        self.known.sort(key=lambda e: e.date)  # stable: after the events already on that day

    def param(self, name, at: Date):
        versions = self.book.parameters[name]
        in_force = [value for start, value in versions if start <= at.isoformat()]
        return in_force[-1] if in_force else versions[0][1]

    def resolve(self, spec, at: Date):
        """A count or duration, or ``("$", name)`` for the parameter in force on ``at``."""
        if isinstance(spec, tuple) and spec and spec[0] == "$":
            return self.param(spec[1], at)
        if isinstance(spec, tuple) and spec and spec[0] == "*":  # a share of a person fact
            fact = self.person.get(spec[2])
            if fact is None:
                raise EvaluationError(Diagnostic(f"the person fact `{spec[2]}` is needed to check this rule",
                                                 _span(self.rule), hint=f"give `{spec[2]}` in the timeline's `person`",
                                                 rule=self.rule.id if self.rule else None))
            return _number(_exact(self.resolve(spec[1], at)) * _exact(fact))
        return spec

    def shift(self, day: Date, spec, at: Date | None = None, sign: int = 1) -> Date:
        spec = self.resolve(spec, at or day)
        parts = spec if isinstance(spec[0], tuple) else (spec,)
        try:
            for amount, unit in parts:
                day = shift(day, sign * amount, unit, self.book.month_rounding)
        except AmbiguousDate as exc:
            raise EvaluationError(Diagnostic(f"ambiguous date arithmetic: {exc}", _span(self.rule),
                                             rule=self.rule.id if self.rule else None)) from None
        return day

    def offset(self, day: Date, spec, clock=None) -> Date | None:
        return self.shift(day, spec) if clock is None else self.clock_offset(clock, day, spec)

    def clock_offset(self, clock, day: Date, spec) -> Date | None:
        """The day on which as many running days have passed since ``day`` as the calendar
        has from ``day`` to ``day`` + spec; None while the clock has not run that long."""
        state = self.book.vocabulary["clocks"][clock]["runs_while"]
        needed = (self.shift(day, spec) - day).days
        spells = self.spells(state)
        runs_forever = bool(spells) and spells[-1][1] is None
        last_running = None if runs_forever or not spells else spells[-1][1]
        counted = 0
        while counted < needed:
            if last_running is not None and day > last_running or not spells:
                return None
            if self.in_state(state, day):
                counted += 1
            day += ONE_DAY
        return day

    # ---------------------------------------------------------------- states, day by day
    def marks(self, state) -> list:
        """The events of the whole timeline that start or end a state (or are its periods)."""
        if state not in self._marks:
            spec = self.book.vocabulary["states"].get(state)
            types = (state,) if spec is None else (spec["starts"], spec["ends"])
            self._marks[state] = [e for e in self.everything if e.type in types]
        return self._marks[state]

    def in_state(self, state, day: Date) -> bool:
        spec = self.book.vocabulary["states"].get(state)
        if spec is None:  # a period event type: any such period covers the day
            return any(e.date <= day <= e.end for e in self.marks(state))
        marks = [e for e in self.marks(state) if e.date <= day]
        if not marks:
            return False
        ended = [d for d in self.sanctions if d <= day] if state == "registered" else []  # as a deregistration
        latest = max([e.date for e in marks] + ended)  # a start wins over an end on the same day
        return any(e.type == spec["starts"] and e.date == latest for e in marks)

    def starts_on(self, state, day: Date) -> bool:
        """A spell starts: the state begins to hold, or a start event restarts it."""
        if not self.in_state(state, day):
            return False
        spec = self.book.vocabulary["states"].get(state)
        restart = spec is not None and any(e.type == spec["starts"] and e.date == day for e in self.marks(state))
        return restart or not self.in_state(state, day - ONE_DAY)

    def spells(self, state) -> list:
        """Closed day intervals ``(start, end)`` of a state, found by walking every day; end
        None: still holding after the timeline's last event."""
        if state in self._spells:
            return self._spells[state]
        marks = self.marks(state)
        spells = []
        if marks:
            day = min(e.date for e in marks)
            last = max([e.end or e.date for e in marks] + list(self.sanctions)) + ONE_DAY
            while day <= last:
                if self.starts_on(state, day):
                    if spells and spells[-1][1] is None:
                        spells[-1] = (spells[-1][0], day - ONE_DAY)
                    spells.append((day, None))
                elif spells and spells[-1][1] is None and not self.in_state(state, day):
                    spells[-1] = (spells[-1][0], day - ONE_DAY)
                day += ONE_DAY
        self._spells[state] = spells
        return spells

    def age_at(self, etype, day: Date) -> int:
        """Age on the latest ``etype`` on or before ``day`` (else the first one, else ``day``)."""
        on_or_before = [e for e in self.events(etype) if e.date <= day]
        event = on_or_before[-1] if on_or_before else next(iter(self.events(etype)), None)
        return age_on(self.person["birth_date"], event.date if event else day)

    def valid(self, rule: RuleInfo, day: Date) -> bool:
        start, until, on = rule.valid
        if on == "registration":  # the regime of the most recent registration
            registrations = [e for e in self.events("registered") if e.date <= day]
            day = registrations[-1].date if registrations else day
        iso = day.isoformat()
        return (start is None or start <= iso) and (until is None or iso < until)

    def covers(self, rule, applies, day: Date) -> bool:
        return self.valid(rule, day) and self.holds(applies, day)

    # ---------------------------------------------------------------- results
    def add(self, result: Result) -> None:
        self.results.append(result)

    def not_applicable(self, rule, reason) -> None:
        self.add(Result(rule, "-", NOT_APPLICABLE, reason=reason))

    def why_not(self, rule, anchors, applies) -> str:
        if not anchors:
            return "nothing in the timeline to which the rule applies"
        if not any(self.valid(rule, a.date) for a in anchors):
            return "not in force"
        return "the person is not covered (see `applies`)"

    def waived(self, result, anchor, exceptions) -> bool:
        for pred, reason in exceptions:
            if self.holds(pred, anchor):
                result.status, result.reason = WAIVED, reason
                return True
        return False

    def anchors(self, anchor) -> list:
        etype, _, first, pred = anchor
        found = self.events(etype, pred)
        return found[:1] if first else found

    def judge(self, result, hi, late, anchor_date, effect, anchor_end=None) -> None:
        """A window without its X: pending up to the deadline, violated from the day after."""
        if hi is None:
            result.status, result.reason = PENDING, "the clock has not yet run out"
        elif self.as_of <= hi:
            result.status = PENDING
        else:
            result.status, result.violated_since = VIOLATED, hi + ONE_DAY
            if late is not None:
                result.detail["late"] = late.isoformat()
            self.apply(result, effect, anchor_date, late, anchor_end=anchor_end)

    # ====================================================================== duties
    def duty_window_duty(self, rule, *, anchor, target, applies, exceptions, effect, lo_spec=None, hi_spec=None,
                         clock=None, before=False, by_field=False):
        """``within``/``between``/``at least D before``/``by``: one instance per anchor."""
        fieldname = anchor[1]
        anchors = self.anchors(anchor)
        found = False
        for a in anchors:
            if fieldname is not None and a.get(fieldname) is None:
                continue  # an optional date left out: no deadline to judge
            if not self.covers(rule, applies, a.date):
                continue
            found = True
            if by_field:
                lo, hi = a.date, a.get(fieldname) if fieldname else a.date
            elif before:
                lo, hi = None, self.shift(a.date, hi_spec, sign=-1)
            else:
                base = a.get(fieldname) if fieldname else a.date
                lo = base if lo_spec is None else self.offset(base, lo_spec, clock)
                hi = self.offset(base, hi_spec, clock)
            result = anchored(rule, a, PENDING, (lo, hi), hi)
            if self.waived(result, a, exceptions):
                self.add(result)
                continue
            late = None
            if target[0] == "field":
                value = a.get(target[1])
                floor = lo if lo_spec is not None and not before and not by_field else None
                if value is not None and value <= self.as_of:
                    if (hi is None or value <= hi) and (floor is None or floor <= value):
                        result.status = FULFILLED
                        result.detail["on"] = value.isoformat()
                    else:
                        late = value
            elif before or lo is not None:
                kind, ttype, tpred = target
                first = self.between(ttype, a.date, None, tpred)[:1] if kind == "later" else []
                hits = [e for e in self.between(ttype, lo, hi, tpred) if e not in first]
                if hits:
                    result.status = FULFILLED
                    result.fulfilled_by.append(hits[0])
                elif hi is not None:
                    later = [e for e in self.between(ttype, hi + ONE_DAY, None, tpred) if e not in first]
                    late = later[0].date if later else None
            if result.status != FULFILLED:
                self.judge(result, hi, late, a.date, effect, a.end)
            self.add(result)
        if not found:
            self.not_applicable(rule, self.why_not(rule, anchors, applies))

    def duty_window_quota(self, rule, *, count, anchor, lo_spec, hi_spec, clock, target, applies, exceptions,
                          effect, op):
        """``at least N X within D after A``: N of X in A.date … A.date + D."""
        anchors = self.anchors(anchor)
        found = False
        for a in anchors:
            if not self.covers(rule, applies, a.date):
                continue
            found = True
            lo = a.date if lo_spec is None else self.offset(a.date, lo_spec, clock)
            hi = self.offset(a.date, hi_spec, clock)
            need = self.resolve(count, a.date)
            result = anchored(rule, a, PENDING, (lo, hi), hi, detail={"required": need})
            if self.waived(result, a, exceptions):
                self.add(result)
                continue
            _, ttype, tpred = target
            hits = [] if lo is None else self.between(ttype, lo, hi, tpred)
            result.detail["counted"] = len(hits)
            if _BOUND[op](len(hits), need):
                result.status, result.fulfilled_by = FULFILLED, hits[:need + (op == "gt")]
            else:
                result.fulfilled_by = hits
                self.judge(result, hi, None, a.date, effect)
            self.add(result)
        if not found:
            self.not_applicable(rule, self.why_not(rule, anchors, applies))

    def duty_recurring(self, rule, *, every, state, target, applies, ladder, effect):
        """``every D while S: X``: first window start … start + D; after an X on c,
        c + 1 … c + D; after a miss at d, d + 1 … d + D."""
        _, ttype, tpred = target
        judged = False
        for start, end in self.spells(state):
            if start > self.as_of:
                break
            if not self.covers(rule, applies, start):
                continue
            judged = True
            last_day = self.as_of if end is None else min(end, self.as_of)
            prev, lo = start, start
            while lo <= last_day:
                hi = self.shift(prev, every)
                if not self.valid(rule, hi) or (end is not None and hi > end):
                    break  # out of force, or the spell ends before the duty falls due
                result = Result(rule, f"{state} {start.isoformat()} period {lo.isoformat()}", PENDING, (lo, hi), hi)
                hits = self.between(ttype, lo, hi, tpred)
                if hits:
                    result.status = FULFILLED
                    result.fulfilled_by.append(hits[0])
                    self.add(result)
                    prev, lo = hits[0].date, hits[0].date + ONE_DAY
                    continue
                if self.as_of <= hi:
                    self.add(result)
                    break
                result.status, result.violated_since = VIOLATED, hi + ONE_DAY
                self.add(result)
                if ladder is None:
                    self.apply(result, effect, lo, None)
                    prev, lo = hi, hi + ONE_DAY
                    continue
                resume = self.escalate(result, ladder, hi + ONE_DAY, ttype, tpred)
                if resume is None:
                    break  # deregistered, or grace still running
                prev, lo = resume, resume + ONE_DAY
        if not judged:
            starts = [Event(state, s, None, {}, -1) for s, _ in self.spells(state) if s <= self.as_of]
            self.not_applicable(rule, self.why_not(rule, starts, applies))

    def escalate(self, result, ladder, violated, ttype, tpred):
        """One step of the escalation ladder; the day the chain goes on from, or None."""
        history = self.misses.setdefault(result.rule.id, [])
        number = len(history) + 1
        step = [s for s in ladder if s[0] <= number][-1] if any(s[0] <= number for s in ladder) else None
        if step is not None and step[2] is not None:
            after = step[3]  # "miss N within D after miss M": outside D, counting starts again
            if len(history) >= after and violated > self.shift(history[after - 1], step[2]):
                history.clear()
                number, step = 1, ladder[0]
        history.append(violated)
        _, action, _, _, _, grace = step
        result.detail["miss"] = number
        if action == "deregistration":
            self.deregister(result, violated, f"miss {number} of `{result.rule.id}`")
            return None
        result.actions.append({"action": "reminder", "on": violated.isoformat()})
        if grace is None:
            return violated - ONE_DAY
        grace_end = self.shift(violated - ONE_DAY, grace)
        result.detail["grace_until"] = grace_end.isoformat()
        hits = self.between(ttype, violated, grace_end, tpred)
        if hits:
            result.detail["met_in_grace"] = hits[0].date.isoformat()
            result.fulfilled_by.append(hits[0])
            return hits[0].date
        if self.as_of > grace_end:
            self.deregister(result, grace_end + ONE_DAY, f"miss {number} of `{result.rule.id}`, not met within grace")
        return None

    def duty_quota(self, rule, *, count, target, weeks, state, excluded, shares, applies, effect, op):
        """``at least N X per K weeks while S``: whole ISO weeks of a spell of S, in blocks of K;
        weeks with a day of an excluded period are waived and skipped."""
        _, ttype, tpred = target
        any_week = False
        for start, end in self.spells(state):
            monday = week_start(start) if week_start(start) == start else week_start(start) + _WEEK
            block = []
            while end is None or monday + 6 * ONE_DAY <= end:
                sunday = monday + 6 * ONE_DAY
                if monday > self.as_of:
                    break
                if not self.covers(rule, applies, monday):
                    if block:  # the rule stopped applying before the block was complete: said, not dropped
                        self.add(Result(rule, f"weeks from {_iso_week(block[0])}", NOT_APPLICABLE,
                                        (block[0], block[-1] + 6 * ONE_DAY),
                                        weeks=(_iso_week(block[0]), _iso_week(block[-1])),
                                        reason="the rule stopped applying before the period was complete"))
                        block = []
                    monday += _WEEK
                    continue
                any_week = True
                skip = next((t for t in excluded
                             if any(e.date <= sunday and monday <= (e.end or e.date) for e in self.events(t))), None)
                if skip is not None:
                    self.add(Result(rule, f"week {_iso_week(monday)}", WAIVED, (monday, sunday), None,
                                    weeks=(_iso_week(monday),) * 2,
                                    reason=f"week with `{skip}` is not counted"))
                else:
                    block.append(monday)
                    if len(block) == weeks or sunday >= self.as_of:
                        self.judge_block(rule, block, ttype, tpred, count, shares, effect, len(block) == weeks, op)
                        if len(block) < weeks:
                            break
                        block = []
                monday += _WEEK
            if block and end is not None:
                self.add(Result(rule, f"weeks from {_iso_week(block[0])}", NOT_APPLICABLE,
                                (block[0], block[-1] + 6 * ONE_DAY), weeks=(_iso_week(block[0]), _iso_week(block[-1])),
                                reason=f"the {state} spell ended before the period was complete"))
        if not any_week:
            self.not_applicable(rule, "the person is not covered (see `applies`)" if not self.holds(applies, self.as_of)
                                else f"no whole week `{state}` while the rule was in force")

    def judge_block(self, rule, block, ttype, tpred, count, shares, effect, complete, op):
        lo, hi = block[0], block[-1] + 6 * ONE_DAY
        name = (f"week {_iso_week(lo)}" if len(block) == 1 and complete
                else f"weeks {_iso_week(lo)}..{_iso_week(block[-1])}")
        need = self.resolve(count, lo)
        hits = [e for e in self.events(ttype, tpred) if week_start(e.date) in block]
        result = Result(rule, name, PENDING, (lo, hi), hi, detail={"required": need, "counted": len(hits)},
                        weeks=(_iso_week(lo), _iso_week(block[-1])))
        short = []
        for share_count, share_pred, text, since in shares:
            if since is not None:
                spec, clock, anchor = since
                found = [a for a in self.anchors(anchor) if anchor[2] or a.date <= lo]
                start = self.offset(found[0 if anchor[2] else -1].date, spec, clock) if found else None
                if start is None or lo < start:
                    continue  # a dated share: only the blocks from its day on
            share_need = self.resolve(share_count, lo)
            got = len([e for e in hits if self.holds(share_pred, e)])
            result.detail[text] = {"required": share_need, "counted": got}
            if got < share_need:
                short.append(text)
        result.fulfilled_by = hits
        if _BOUND[op](len(hits), need) and not short:
            result.status = FULFILLED
        elif complete and self.as_of > hi:
            result.status, result.violated_since = VIOLATED, hi + ONE_DAY
            if short:
                result.reason = "too few where " + "; ".join(short)
            self.apply(result, effect, lo, None)
        self.add(result)

    def duty_time_budget(self, rule, *, limit, unit, state, within, applies, effect, op):
        """``at most L weeks of S within W``: a week counts when S holds on one of its days
        (up to as_of); broken on the first day of S in the week that makes L + 1."""
        spells = self.spells(state)
        weeks = []
        if spells:
            monday = week_start(spells[0][0])
            while monday <= self.as_of:
                days = [monday + i * ONE_DAY for i in range(7)]
                if any(d <= self.as_of and self.in_state(state, d) for d in days):
                    weeks.append(monday)
                monday += _WEEK
        if not weeks:
            self.not_applicable(rule, f"never `{state}`")
            return
        if not self.holds(applies, weeks[0]):
            self.not_applicable(rule, "the person is not covered")
            return
        broken = None
        for monday in weeks:
            horizon = Date.min if within is None else self.shift(monday + _WEEK, within, sign=-1)
            used = len([w for w in weeks if horizon <= w <= monday])
            if not _BOUND[op](used, self.resolve(limit, monday)):
                broken = (monday, used)
                break
        result = Result(rule, f"{state} from {weeks[0].isoformat()}", FULFILLED, (weeks[0], self.as_of), None,
                        detail={"limit": self.resolve(limit, weeks[-1]), "unit": unit})
        if broken is None:
            horizon = Date.min if within is None else self.shift(week_start(self.as_of) + _WEEK, within, sign=-1)
            result.detail["used"] = len([w for w in weeks if w >= horizon])
        else:
            monday, used = broken
            first_day = next(monday + i * ONE_DAY for i in range(7) if self.in_state(state, monday + i * ONE_DAY))
            result.status, result.violated_since = VIOLATED, first_day
            result.detail["used"] = used
            self.apply(result, effect, first_day, None)
        self.add(result)

    def duty_count_budget(self, rule, *, limit, target, within, applies, effect, op):
        """``at most L X within D``: each X that makes L + 1 in (X.date − D, X.date]."""
        _, ttype, tpred = target
        if not self.holds(applies, self.as_of):
            self.not_applicable(rule, "the person is not covered")
            return
        events = self.events(ttype, tpred)
        broke = False
        for i, e in enumerate(events):
            horizon = self.shift(e.date, within, sign=-1)
            inside = [f for f in events[:i + 1] if f.date > horizon]
            cap = self.resolve(limit, e.date)
            if not _BOUND[op](len(inside), cap):
                broke = True
                result = anchored(rule, e, VIOLATED, (horizon + ONE_DAY, e.date), None,
                                violated_since=e.date, detail={"limit": cap, "counted": len(inside)})
                many = int(cap) + (op == "le")  # the events that make one too many
                result.fulfilled_by = inside[len(inside) - many:] if many > 0 else []
                self.apply(result, effect, e.date, None)
                self.add(result)
        if not broke:
            horizon = self.shift(self.as_of, within, sign=-1)
            used = len([e for e in events if e.date > horizon])
            self.add(Result(rule, f"{ttype} within {_duration_text(self.resolve(within, self.as_of))} up to "
                                  f"{self.as_of.isoformat()}", FULFILLED, (horizon + ONE_DAY, self.as_of), None,
                            detail={"limit": self.resolve(limit, self.as_of), "counted": used}))

    def duty_each_event(self, rule, *, target, condition, applies, exceptions, effect, first_after=None):
        """``each X: C`` and ``first X after A: C`` (the first X on or after A's day)."""
        _, ttype, tpred = target
        if first_after is None:
            pairs = [(e, e) for e in self.events(ttype, tpred)]
        else:
            pairs = [(a, next(iter(self.between(ttype, a.date, None, tpred)), None)) for a in self.anchors(first_after)]
        found = False
        for anchor, event in pairs:
            if not self.covers(rule, applies, anchor.date):
                continue
            found = True
            result = anchored(rule, anchor, PENDING)
            if event is not None:  # due on the event's day
                result.window, result.deadline = (event.date, event.end or event.date), event.date
            if self.waived(result, anchor, exceptions):
                pass
            elif event is None:
                result.reason = f"no `{ttype}` yet"
            elif self.holds(condition, event):
                result.status = FULFILLED
                result.fulfilled_by.append(event)
            else:
                result.status, result.violated_since = VIOLATED, event.date
                result.fulfilled_by.append(event)
                self.apply(result, effect, event.date, None, violation=event.date, anchor_end=event.end,
                           anchor_event=event)
            self.add(result)
        if not found:
            self.not_applicable(rule, self.why_not(rule, [a for a, _ in pairs], applies))

    def duty_never(self, rule, *, target, applies, exceptions, effect):
        """``no X``: each X breaks the duty on its own day, unless an exception waives it."""
        _, ttype, tpred = target
        found = False
        for e in self.events(ttype, tpred):
            if not self.covers(rule, applies, e.date):
                continue
            found = True
            waived = anchored(rule, e, WAIVED, (e.date, e.end or e.date), e.date)
            if self.waived(waived, e, exceptions):
                self.add(waived)
                continue
            result = anchored(rule, e, VIOLATED, (e.date, e.end or e.date), e.date, violated_since=e.date)
            result.fulfilled_by.append(e)
            self.apply(result, effect, e.date, None, violation=e.date, anchor_end=e.end, anchor_event=e)
            self.add(result)
        if not found:
            if not self.holds(applies, self.as_of):
                self.not_applicable(rule, "the person is not covered (see `applies`)")
            else:
                self.add(Result(rule, f"no {ttype} up to {self.as_of.isoformat()}", FULFILLED))

    def duty_each_ends(self, rule, *, target, offset, clock, anchor, applies, exceptions, effect, which):
        """``each P ends within D [of CLOCK] after [first] A``: P.end on or before the deadline, else broken
        from the day after it (or P's first day, when the deadline came before it)."""
        _, ttype, tpred = target
        events = self.events(ttype, tpred)
        anchors = self.anchors(anchor)
        found = False
        for e in events:
            if not self.covers(rule, applies, e.date):
                continue
            bases = anchors if anchor[2] else [a for a in anchors if a.date <= e.date]
            if not bases:
                continue
            found = True
            deadline = self.offset(bases[0 if anchor[2] else -1].date, offset, clock)
            end = e.end or e.date
            if which == "starts":  # P may start on or after the day D [of CLOCK] after A
                result = anchored(rule, e, PENDING, (deadline, None))
                if self.waived(result, e, exceptions):
                    pass
                elif deadline is not None and deadline <= e.date:
                    result.status = FULFILLED if e.date <= self.as_of else PENDING
                    result.fulfilled_by.append(e)
                elif self.as_of < e.date:
                    result.reason = "not yet started"
                else:
                    result.status, result.violated_since = VIOLATED, e.date
                    result.fulfilled_by.append(e)
                    self.apply(result, effect, e.date, None, violation=e.date, anchor_end=e.end)
                self.add(result)
                continue
            result = anchored(rule, e, PENDING, (e.date, deadline), deadline)
            if self.waived(result, e, exceptions):
                pass
            elif deadline is None:
                result.reason = "the clock has not yet run out"
            elif end <= deadline:
                result.status = FULFILLED if end <= self.as_of else PENDING
                result.fulfilled_by.append(e)
            elif self.as_of > deadline:
                violation = max(deadline + ONE_DAY, e.date)
                result.status, result.violated_since = VIOLATED, violation
                result.fulfilled_by.append(e)
                self.apply(result, effect, e.date, None, violation=violation, anchor_end=e.end)
            self.add(result)
        if not found:
            self.not_applicable(rule, self.why_not(rule, events, applies))

    def duty_each_lasts(self, rule, *, target, at_most, applies, exceptions, effect, op):
        """``each P lasts at most D``: P.start … P.start + D − 1, violated from P.start + D."""
        _, ttype, tpred = target
        events = self.events(ttype, tpred)
        found = False
        for e in events:
            if not self.covers(rule, applies, e.date):
                continue
            found = True
            last_ok = self.shift(e.date, at_most) - ONE_DAY
            if op == "lt":  # lasts less than D: at most D less a day
                last_ok -= ONE_DAY
            end = e.end or e.date
            result = anchored(rule, e, PENDING, (e.date, last_ok), last_ok)
            if self.waived(result, e, exceptions):
                pass
            elif end <= last_ok:
                result.status = FULFILLED if end <= self.as_of else PENDING  # fulfilled once it has ended
                result.fulfilled_by.append(e)
            elif self.as_of > last_ok:
                result.status, result.violated_since = VIOLATED, last_ok + ONE_DAY
                result.fulfilled_by.append(e)
                self.apply(result, effect, e.date, None, violation=last_ok + ONE_DAY, anchor_end=e.end)
            self.add(result)
        if not found:
            self.not_applicable(rule, self.why_not(rule, events, applies))

    def duty_weekly_hours(self, rule, *, limit, target, state, applies, effect, op):
        """``at most H hours of X per week while S``: the hours of the X dated on days S holds,
        per ISO week; a week over H is broken from its Monday."""
        _, ttype, tpred = target
        counted = [e for e in self.events(ttype, tpred) if self.in_state(state, e.date)]
        judged = False
        for monday in sorted({week_start(e.date) for e in counted}):
            if not self.covers(rule, applies, monday):
                continue
            judged = True
            sunday = monday + 6 * ONE_DAY
            in_week = [e for e in counted if monday <= e.date <= sunday]
            hours = sum(_exact(e.get("hours", 0)) for e in in_week)
            cap = self.resolve(limit, monday)
            result = Result(rule, f"week {_iso_week(monday)}", FULFILLED, (monday, sunday), sunday,
                            weeks=(_iso_week(monday),) * 2,
                            detail={"limit": cap, "hours": _number(hours)}, fulfilled_by=in_week)
            if not _BOUND[op](hours, _exact(cap)):
                result.status, result.violated_since = VIOLATED, monday
                self.apply(result, effect, monday, None, violation=monday)
            elif sunday >= self.as_of:
                result.status = PENDING
            self.add(result)
        if not judged:
            self.not_applicable(rule, f"no `{ttype}` while `{state}`")

    def duty_periodic_hours(self, rule, *, every, clock, anchor, hours, target, applies, effect, op):
        """``each D of CLOCK after A: more than H hours of X``: period k runs from the day after
        period k − 1 to the day before A + k·D on the clock."""
        _, ttype, tpred = target
        anchors = self.anchors(anchor)
        found = False
        for a in anchors:
            if not self.covers(rule, applies, a.date):
                continue
            found = True
            amount, unit = self.resolve(every, a.date)
            start, k = a.date, 1
            while start <= self.as_of:
                after = self.offset(a.date, (amount * k, unit), clock)
                end = None if after is None else after - ONE_DAY
                worked = sum(_exact(e.get("hours", 0)) for e in self.between(ttype, start, end, tpred))
                need = self.resolve(hours, start)
                result = Result(rule, f"{_instance(a)} period {k}", PENDING, (start, end), end, anchor=a,
                                detail={"hours": _number(worked), "more_than": need})
                if _BOUND[op](worked, _exact(need)):
                    result.status = FULFILLED
                elif end is not None and end < self.as_of:
                    result.status, result.violated_since = VIOLATED, end + ONE_DAY
                    self.apply(result, effect, start, None, violation=end + ONE_DAY)
                self.add(result)
                if end is None or end >= self.as_of:
                    break
                start, k = end + ONE_DAY, k + 1
        if not found:
            self.not_applicable(rule, self.why_not(rule, anchors, applies))

    def duty_consumption(self, rule, *, limit, unit, within, anchor, less, applies, effect):
        """``at most N paid hours|weeks [less X] within D after A``, walked day by day: each
        weekday that is payable or has quarantine served uses ``hours_per_day``, less the hours
        of X dated in its ISO week up to that day that earlier days of the week did not take;
        in weeks, each ISO week with such a day uses 1 and the week that uses the last one is
        used to its Sunday."""
        anchors = self.anchors(anchor)
        found = False
        for a in anchors:
            if not self.covers(rule, applies, a.date):
                continue
            found = True
            period_end = self.shift(a.date, within) - ONE_DAY
            cap = _exact(self.resolve(limit, a.date))
            per_day = _exact(self.param("hours_per_day", a.date))
            last = min(period_end, self.as_of)
            used, exhausted, weeks_seen, taken = Fraction(0), None, set(), {}
            day = a.date
            while day <= last and exhausted is None:
                if self.uses_benefit(day):
                    monday = week_start(day)
                    if unit == "week":
                        if monday not in weeks_seen:
                            weeks_seen.add(monday)
                            used += 1
                            if used >= cap:
                                exhausted = monday + 6 * ONE_DAY
                    else:
                        worked = Fraction(0)
                        if less is not None:
                            _, ltype, lpred = less
                            worked = sum((_exact(e.get("hours", 0)) for e in
                                          self.between(ltype, monday, day, lpred)), Fraction(0))
                        deducted = min(per_day, worked - taken.get(monday, Fraction(0)))
                        taken[monday] = taken.get(monday, Fraction(0)) + deducted
                        used += per_day - deducted
                        if used >= cap:
                            exhausted = day
                day += ONE_DAY
            result = anchored(rule, a, FULFILLED if period_end < self.as_of else PENDING,
                            (a.date, period_end), period_end,
                            detail={"limit": self.resolve(limit, a.date), "unit": unit,
                                    "used": round(float(min(used, cap)), 2)})
            if exhausted is not None and exhausted < self.as_of:
                result.status, result.violated_since = VIOLATED, exhausted + ONE_DAY
                result.reason = f"benefit period used up on {exhausted.isoformat()}"
                self.apply(result, effect, a.date, None, violation=exhausted + ONE_DAY)
            self.add(result)
        if not found:
            self.not_applicable(rule, self.why_not(rule, anchors, applies))

    def uses_benefit(self, day: Date) -> bool:
        """A weekday, registered, and every effect on it a quarantine (paid, or quarantine served)."""
        return (day.weekday() < 5 and self.in_state("registered", day)
                and all(e.kind == "quarantine" for e in self.effects_on(day)))

    # ====================================================================== effects
    def apply(self, result, effect, anchor_date, late, violation=None, anchor_end=None, anchor_event=None):
        """A broken duty's consequence: benefit effects, derived events and report actions."""
        if effect is None:
            return
        kind, day, rule = effect[0], violation or result.violated_since, result.rule
        if kind in ("none", "reminder"):
            return
        if kind == "assessment":
            result.actions.append({"action": "availability assessment", "on": day.isoformat()})
        elif kind == "deregistration":
            self.deregister(result, day, why(rule))
        elif kind == "suspension":  # no dagpenge [during S] from anchor|violation|deadline until ...
            _, during, start_at, until = effect
            start = {"anchor": anchor_date, "deadline": result.deadline}.get(start_at) or day
            end = self.until(until, start, late, anchor_end, anchor_date)
            self.effects.append(Effect("suspension", start, end, rule.id, why(rule), during))
            result.actions.append({"action": "no dagpenge" + (f" during {during}" if during else ""),
                                   "from": start.isoformat(), "to": _iso(end)})
        elif kind == "anchor_day":  # that day only
            self.effects.append(Effect("suspension", anchor_date, anchor_date, rule.id, why(rule)))
            result.actions.append({"action": "no dagpenge", "from": anchor_date.isoformat(),
                                   "to": anchor_date.isoformat()})
        elif kind == "week":  # the violation's ISO week, Monday to Sunday
            start = week_start(day)
            self.effects.append(Effect("suspension", start, start + 6 * ONE_DAY, rule.id,
                                       f"`{rule.id}` broken in the week"))
            result.actions.append({"action": "no dagpenge for the week", "from": start.isoformat(),
                                   "to": (start + 6 * ONE_DAY).isoformat()})
        elif kind == "days_off":  # N days otherwise paid, from the violation: placed by the ledger
            action = {"action": "no dagpenge", "from": None, "to": None, "days": []}
            self.claims.append({"kind": "days_off", "start": day, "needed": self.resolve(effect[1], day),
                                "limit": self.as_of, "rule": rule.id, "reason": f"day without dagpenge (`{rule.id}`)",
                                "action": action, "lapsed": None})
            result.actions.append(action)
        elif kind == "quarantine":
            self.quarantine(result, effect, anchor_date, day, anchor_event)
        elif kind == "hours_off":  # the whole days H hours (capped) cover, from the event's day
            _, spec, lapse, cap, skip = effect
            if isinstance(spec, tuple) and spec[0] == "field":
                hours = (anchor_event.get(spec[1]) if anchor_event is not None else None) or 0
            else:
                hours = self.resolve(spec, day)
            if cap is not None:
                hours = min(hours, self.resolve(cap, day))
            per_day = _exact(self.param("hours_per_day", day))
            needed = math.floor(_exact(hours) / per_day)
            lapsed = None if lapse is None else self.lapse(lapse, anchor_date, day)
            limit = self.as_of if lapsed is None else min(self.as_of, lapsed - ONE_DAY)
            action = {"action": "no dagpenge", "hours": hours, "needed_days": needed, "served_days": 0,
                      "part_day_hours": _number(_exact(hours) - needed * per_day), "from": None, "to": None,
                      "days": []}
            self.claims.append({"kind": "days_off", "start": day, "needed": needed, "limit": limit,
                                "rule": rule.id, "reason": f"{hours} hours taken (`{rule.id}`)", "action": action,
                                "lapsed": lapsed, "skip": skip})
            result.actions.append(action)
        elif kind == "loss_of_right":
            end = self.until(effect[1], day, late, anchor_end, anchor_date)
            self.effects.append(Effect("loss_of_right", day, end, rule.id, f"right to dagpenge lost (`{rule.id}`)"))
            result.actions.append({"action": "right to dagpenge lost", "from": day.isoformat(), "to": _iso(end)})
        elif kind == "ladder":
            self.escalate(result, effect[1], day, None, None)
        else:
            raise ValueError(kind)

    def quarantine(self, result, effect, anchor_date, day, anchor_event):
        """⌈hours ÷ hours_per_day⌉ days otherwise paid from the event's day (placed by the ledger),
        none on or after the day the quarantine lapses; the quarantine is emitted as a derived event."""
        _, spec, lapse = effect
        if isinstance(spec, tuple) and spec[0] == "field":
            hours = (anchor_event.get(spec[1]) if anchor_event is not None else None) or 0
        else:
            hours = self.resolve(spec, day)
        needed = math.ceil(_exact(hours) / _exact(self.param("hours_per_day", day)))
        lapsed = None if lapse is None else self.lapse(lapse, anchor_date, day)
        limit = self.as_of if lapsed is None else min(self.as_of, lapsed - ONE_DAY)
        rule = result.rule
        self.emit(rule.emits or "quarantine", day, rule.id, anchor_event.type if anchor_event is not None else None)
        action = {"action": "quarantine", "hours": hours, "needed_days": needed, "served_days": 0,
                  "from": None, "to": None, "days": []}
        self.claims.append({"kind": "quarantine", "start": day, "needed": needed, "limit": limit, "rule": rule.id,
                            "reason": f"quarantine of {hours} hours (`{rule.id}`)", "action": action,
                            "lapsed": lapsed})
        result.actions.append(action)

    def lapse(self, lapse, anchor_date: Date, imposed: Date) -> Date:
        """D after the anchor, or the day after the X that brings the hours since the quarantine
        was imposed to H, whichever comes first."""
        after, hours, etype, pred = lapse
        day = self.shift(anchor_date, after)
        if etype is not None:
            need = _exact(self.resolve(hours, imposed))
            for e in self.between(etype, imposed, day, pred):
                worked = sum(_exact(f.get("hours", 0) or 0) for f in self.between(etype, imposed, e.date, pred)
                             if (f.date, f.index) <= (e.date, e.index))
                if worked >= need:
                    return min(day, e.date + ONE_DAY)
        return day

    def until(self, until, start: Date, late: Date | None, anchor_end: Date | None,
              anchor_date: Date | None = None) -> Date | None:
        """The last day of an effect that starts on ``start`` (None: not over by as_of)."""
        kind = until[0]
        if kind == "earliest":  # the first of the ends that come
            ends = [self.until(item, start, late, anchor_end, anchor_date) for item in until[1]]
            return min((end for end in ends if end is not None), default=None)
        if kind == "end":  # until its end: the anchoring period's last day
            return anchor_end
        if kind == "open":  # during S from ... onwards: no last day
            return None
        if kind == "fulfilled":
            return None if late is None else late - ONE_DAY
        if kind == "event":
            hits = self.between(until[1], start, None, until[2])
            return hits[0].date - ONE_DAY if hits else None
        if kind == "offset":  # D after the latest E on or before the start (else the first after it)
            _, spec, etype = until
            before = [e for e in self.events(etype) if e.date <= start]
            event = before[-1] if before else next(iter(self.between(etype, start, None)), None)
            return None if event is None else self.shift(event.date, spec) - ONE_DAY
        # hours | count of X dated from the counting day on, in the D ending with an X on or after the start
        _, amount, etype, pred, within, op, since = until
        if since is None:
            counted_from = start
        elif since == "anchor":
            counted_from = anchor_date or start
        else:
            latest = [e for e in self.events(since) if e.date <= start]
            counted_from = latest[-1].date if latest else start
        events = self.between(etype, counted_from, None, pred)
        for i, e in enumerate(events):
            if e.date < start:
                continue
            horizon = self.shift(e.date, within, sign=-1)
            inside = [f for f in events[:i + 1] if f.date > horizon]
            need = self.resolve(amount, e.date)
            total = sum(_exact(f.get("hours", 0)) for f in inside) if kind == "hours" else len(inside)
            if _BOUND[op](total, _exact(need)):
                return e.date - ONE_DAY
        return None

    def deregister(self, result, day: Date, why: str) -> None:
        """No dagpenge from ``day`` until the next registration."""
        back = next(iter(self.between("registered", day, None)), None)
        result.actions.append({"action": "deregistration", "from": day.isoformat(),
                               "to": (back.date - ONE_DAY).isoformat() if back else None})
        self.effects.append(Effect("deregistration", day, back.date - ONE_DAY if back else None, result.rule.id,
                                   f"deregistered: {why}"))
        if day not in self.sanctions:  # `registered` ends on that day for every rule
            self.sanctions.add(day)
            self._spells.clear()

    # ====================================================================== benefit status
    def effects_on(self, day: Date) -> list:
        found = []
        for effect in self.effects:
            if effect.days is not None:
                if day in effect.days:
                    found.append(effect)
            elif effect.start <= day and (effect.end is None or day <= effect.end) \
                    and (effect.during is None or self.in_state(effect.during, day)):
                found.append(effect)
        return found

    def benefit(self) -> dict:
        if self.person.get("benefit") != "dagpenge":
            return {"applies": False, "reason": f"the person receives {self.person.get('benefit')}, not dagpenge",
                    "periods": []}
        spells = self.spells("registered")
        if not spells or spells[0][0] > self.as_of:
            return {"applies": True, "reason": "never registered as unemployed", "periods": []}
        periods, first_reason = [], {}
        for index, effect in enumerate(self.effects):
            first_reason.setdefault(effect.reason, index)
        day = spells[0][0]
        while day <= self.as_of:
            effects = self.effects_on(day)
            deregistered = any(e.kind == "deregistration" for e in effects)  # a sanction says why, itself
            reasons = [] if deregistered or self.in_state("registered", day) else ["not registered as unemployed"]
            # each reason once, in the order in which an effect first gave it
            reasons += sorted({e.reason for e in effects}, key=first_reason.__getitem__)
            if periods and periods[-1]["reasons"] == reasons:
                periods[-1]["to"] = day.isoformat()
            else:
                periods.append({"from": day.isoformat(), "to": day.isoformat(), "payable": not reasons,
                                "reasons": reasons})
            day += ONE_DAY
        return {"applies": True, "reason": None, "periods": periods}


# ====================================================================== small helpers
def _instance(event: Event) -> str:
    return f"{event.type} {event.date.isoformat()}"


def _iso_week(monday: Date) -> str:
    year, week, _ = monday.isocalendar()
    return f"{year}-W{week:02d}"


def _duration_text(spec) -> str:
    parts = spec if isinstance(spec[0], tuple) else (spec,)
    return " and ".join(f"{amount} {unit}s" for amount, unit in parts)


def _exact(number) -> Fraction:
    """Hours as written (7.4 is 37/5), so sums and comparisons are exact."""
    return Fraction(str(number)) if isinstance(number, float) else Fraction(number or 0)


def _number(value: Fraction):
    return int(value) if value.denominator == 1 else float(value)


def _iso(day: Date | None) -> str | None:
    """An action's ``to``: the last day included, None while still running."""
    return None if day is None else day.isoformat()


def _span(rule: RuleInfo | None) -> Span | None:
    if rule is None:
        return None
    file, line, column = rule.location.rsplit(":", 2)
    return Span(file, int(line), int(column))
