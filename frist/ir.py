"""The intermediate representation: each rule lowered to one runtime call.

A rule becomes a :class:`Call` of a runtime evaluator with constant
arguments, predicates (:class:`Pred`, lowered conditions) and nested tuples.
Code generation (:mod:`frist.codegen`) turns this into Python; a reference
interpreter can evaluate the same tree directly.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from . import ast
from .errors import Span
from .rulebook import Rule, RuleBook


# ------------------------------------------------------------------ expressions
@dataclass(frozen=True, slots=True)
class Const:
    value: object


@dataclass(frozen=True, slots=True)
class Tuple:
    items: tuple


@dataclass(frozen=True, slots=True)
class EventField:
    name: str


@dataclass(frozen=True, slots=True)
class Fact:
    name: str


@dataclass(frozen=True, slots=True)
class Age:
    event: str


@dataclass(frozen=True, slots=True)
class ParamValue:
    name: str


@dataclass(frozen=True, slots=True)
class Op:
    """``op`` is one of eq ne lt le gt ge in and or not."""

    op: str
    args: tuple


@dataclass(frozen=True, slots=True)
class Test:
    """A runtime test on the anchor: ``occurs`` or ``lasts_at_most``."""

    fn: str
    args: tuple


@dataclass(frozen=True, slots=True)
class Pred:
    """A compiled predicate; ``on`` says what its second argument is:
    ``event`` (an event), ``day`` (a date, for person conditions) or ``anchor``."""

    on: str
    body: object


@dataclass(frozen=True, slots=True)
class Call:
    fn: str
    kwargs: tuple  # (name, value) pairs


@dataclass(frozen=True)
class RuleIR:
    index: int
    id: str
    info: dict
    call: Call
    span: Span | None = field(compare=False, default=None)


# ------------------------------------------------------------------ lowering
def lower(book: RuleBook) -> list:
    return [_Lowerer(book, rule).rule() for rule in book.rules]


def person_predicate(book: RuleBook, node) -> Pred | Const:
    """A condition on person facts (``applies``) lowered on its own, e.g. a family's domain."""
    return Const(None) if node is None else Pred("day", _Lowerer(book, None).cond(node, "day"))


def _duration(node):
    if node is None:
        return Const(None)
    if isinstance(node, ast.ParamDuration):
        return Const(("$", node.name))
    return Const((node.amount.value, node.unit))


def _amount(node):
    if isinstance(node, ast.Param):
        return Const(("$", node.name))
    if isinstance(node, ast.FactShare):  # ("*", share or ("$", name), fact)
        share = ("$", node.share.name) if isinstance(node.share, ast.Param) else node.share.value
        return Const(("*", share, node.fact))
    return Const(node.value)


class _Lowerer:
    def __init__(self, book: RuleBook, rule: Rule):
        self.book, self.r = book, rule

    def rule(self) -> RuleIR:
        r = self.r
        doc = r.doc
        valid = doc.get("valid", {})
        location = f"{r.span.file}:{r.span.line}:{r.span.column}" if r.span else "?"
        emits = "quarantine" if isinstance(r.effect, ast.Quarantine) and not r.effect.excess else None
        info = {
            "id": r.id,
            "catalog": tuple(doc["catalog"]),
            "title": doc["title"],
            "cites": tuple((c["source"], c["section"], _quotes(c.get("quote"))) for c in doc["cites"]),
            "reading": doc.get("reading"),
            "holder": None if r.kind == "effect" else doc.get("holder", "person"),
            "duty": " ".join(r.text.split()),
            "kind": r.kind,
            "effect": r.effect_text,
            "consequence": doc["consequence"]["text"],
            "valid": (valid.get("from"), valid.get("until"), valid.get("on", "instance")),
            "location": location,
            "emits": emits,
            "family": doc.get("version_of"),
            "settle": self.book.settle.get(r.id),
        }
        return RuleIR(r.index, r.id, info, self.call(), r.span)

    # conditions
    def cond(self, node, on="event"):
        if isinstance(node, ast.All):
            return Op("and", tuple(self.cond(i, on) for i in node.items))
        if isinstance(node, ast.Any):
            return Op("or", tuple(self.cond(i, on) for i in node.items))
        if isinstance(node, ast.Not):
            return Op("not", (self.cond(node.item, on),))
        if isinstance(node, ast.FieldBefore):
            return Test("field_before", (Const(node.subject.name), _duration(node.offset), Const(node.other)))
        subject = self.subject(node.subject, on)
        if isinstance(node, ast.Member):
            return Op("in", (subject, Const(tuple(self.literal(v) for v in node.values))))
        value = node.value
        rhs = ParamValue(value.value) if value.kind == "param" else Const(self.literal(value))
        return Op(node.op, (subject, rhs))

    def subject(self, node, on):
        if isinstance(node, ast.AgeAt):
            return Age(node.event)
        return Fact(node.name) if on == "day" else EventField(node.name)

    @staticmethod
    def literal(value: ast.Literal):
        return value.value

    def pred(self, node, on="event"):
        return Const(None) if node is None else Pred(on, self.cond(node, on))

    def target(self, node):
        if isinstance(node, ast.FieldTarget):
            return Const(("field", node.field))
        if isinstance(node, ast.LaterTarget):
            return Tuple((Const("later"), Const(node.target.event), self.pred(node.target.where)))
        return Tuple((Const("event"), Const(node.event), self.pred(node.where)))

    def anchor(self, node: ast.Anchor):
        return Tuple((Const(node.event), Const(node.field), Const(node.first), self.pred(node.where)))

    def exceptions(self):
        out = []
        for node, reason in self.r.exceptions:
            out.append(Tuple((Pred("anchor", self.test(node)), Const(reason["en"]))))
        return Tuple(tuple(out))

    def test(self, node):
        if isinstance(node, ast.All):
            return Op("and", tuple(self.test(i) for i in node.items))
        if isinstance(node, ast.Any):
            return Op("or", tuple(self.test(i) for i in node.items))
        if isinstance(node, ast.Occurs):
            found = Test("occurs", (Const(node.target.event), self.pred(node.target.where), _duration(node.start),
                                    _duration(node.end), Const(node.direction), Const(node.strict)))
            return Op("not", (found,)) if node.negated else found
        if isinstance(node, ast.Lasts):
            return Test("lasts_at_most", (_duration(node.at_most),))
        if isinstance(node, ast.During):
            return Test("during", (Const(node.target.event), self.pred(node.target.where),
                                   Const(_reads_anchor(node.target.where))))
        raise AssertionError(node)

    # effects
    def effect(self):
        node = self.r.effect
        if isinstance(node, ast.NoEffect):
            return Tuple((Const("none"),))
        if isinstance(node, ast.Reminder):
            return Tuple((Const("reminder"),))
        if isinstance(node, ast.Deregistration):
            return Tuple((Const("deregistration"),))
        if isinstance(node, ast.Assessment):
            return Tuple((Const("assessment"),))
        if isinstance(node, ast.Suspension):
            return Tuple((Const("suspension"), Const(node.during), Const(node.start), self.until(node.until)))
        if isinstance(node, ast.Quarantine):
            lapse = node.lapse
            if lapse is None:
                lapse_ir = Const(None)
            else:
                lapse_ir = Tuple((_duration(lapse.after), _amount(lapse.hours) if lapse.hours is not None else Const(None),
                                  Const(lapse.target.event if lapse.target else None),
                                  self.pred(lapse.target.where) if lapse.target else Const(None)))
            hours = Const(("field", node.hours.field)) if isinstance(node.hours, ast.FieldAmount) else _amount(node.hours)
            if node.excess:
                return Tuple((Const("hours_off"), hours, lapse_ir,
                              Const(None) if node.cap is None else _amount(node.cap), Const(node.skip)))
            return Tuple((Const("quarantine"), hours, lapse_ir))
        if isinstance(node, ast.WeekSuspension):
            return Tuple((Const("week"),))
        if isinstance(node, ast.AnchorDay):
            return Tuple((Const("anchor_day"),))
        if isinstance(node, ast.DaysOff):
            return Tuple((Const("days_off"), _amount(node.days)))
        if isinstance(node, ast.LossOfRight):
            return Tuple((Const("loss_of_right"), self.until(node.until)))
        if isinstance(node, ast.Ladder):
            return Tuple((Const("ladder"), self.ladder(node)))
        raise AssertionError(node)

    def ladder(self, node: ast.Ladder):
        steps = []
        for s in node.steps:
            steps.append(Const((s.miss, _action(s.action), _duration(s.within).value, s.after_miss,
                                _action(s.grace_action) if s.grace_action else None, _duration(s.grace).value)))
        return Tuple(tuple(steps))

    def until(self, node):
        if isinstance(node, ast.UntilEarliest):
            return Tuple((Const("earliest"), Tuple(tuple(self.until(item) for item in node.items))))
        if isinstance(node, ast.UntilFulfilled):
            return Tuple((Const("fulfilled"),))
        if isinstance(node, ast.UntilEnd):
            return Tuple((Const("end"),))
        if isinstance(node, ast.UntilOpen):
            return Tuple((Const("open"),))
        if isinstance(node, ast.UntilOffset):
            return Tuple((Const("offset"), _duration(node.offset), Const(node.event)))
        if isinstance(node, ast.UntilEvent):
            return Tuple((Const("event"), Const(node.target.event), self.pred(node.target.where)))
        kind = "hours" if isinstance(node, ast.UntilHours) else "count"
        amount = node.hours if kind == "hours" else node.count
        return Tuple((Const(kind), _amount(amount), Const(node.target.event), self.pred(node.target.where),
                      _duration(node.within), Const(node.op), Const(node.since)))

    # duties
    def call(self) -> Call:
        d = self.r.duty
        applies = self.pred(self.r.applies, "day")
        effect = self.effect()
        kw = {"applies": applies}
        if isinstance(d, (ast.Deadline, ast.Window, ast.Before, ast.ByDate)):
            kw.update(anchor=self.anchor(d.anchor), target=self.target(d.target), exceptions=self.exceptions(),
                      effect=effect)
            if isinstance(d, ast.Deadline):
                kw.update(hi_spec=_duration(d.offset), clock=Const(d.clock))
            elif isinstance(d, ast.Window):
                kw.update(lo_spec=_duration(d.start), hi_spec=_duration(d.end), clock=Const(d.clock))
            elif isinstance(d, ast.Before):
                kw.update(hi_spec=_duration(d.offset), before=Const(True))
            else:
                kw.update(by_field=Const(True))
            return Call("window_duty", tuple(kw.items()))
        if isinstance(d, ast.WindowQuota):
            kw.update(count=_amount(d.count), anchor=self.anchor(d.anchor), lo_spec=_duration(d.start),
                      hi_spec=_duration(d.end), clock=Const(d.clock), target=self.target(d.target),
                      exceptions=self.exceptions(), effect=effect, op=Const(d.op))
            return Call("window_quota", tuple(kw.items()))
        if isinstance(d, ast.Recurring):
            ladder = self.ladder(self.r.effect) if isinstance(self.r.effect, ast.Ladder) else Const(None)
            kw.update(every=_duration(d.every), state=Const(d.state), target=self.target(d.target),
                      ladder=ladder, effect=effect)
            return Call("recurring", tuple(kw.items()))
        if isinstance(d, ast.Quota):
            shares = Tuple(tuple(Tuple((_amount(s.count), self.pred(s.where), Const(s.text),
                                        Const(None) if s.anchor is None else
                                        Tuple((_duration(s.offset), Const(s.clock), self.anchor(s.anchor)))))
                                 for s in d.shares))
            kw.update(count=_amount(d.count), target=self.target(d.target), weeks=Const(d.period_length),
                      state=Const(d.state), excluded=Const(tuple(d.excluded)), shares=shares, effect=effect,
                      op=Const(d.op))
            return Call("quota", tuple(kw.items()))
        if isinstance(d, ast.TimeBudget):
            kw.update(limit=_amount(d.limit), unit=Const(d.unit), state=Const(d.state),
                      within=_duration(d.within), effect=effect, op=Const(d.op))
            return Call("time_budget", tuple(kw.items()))
        if isinstance(d, ast.WeeklyHours):
            kw.update(limit=_amount(d.limit), target=self.target(d.target), state=Const(d.state), effect=effect,
                      op=Const(d.op))
            return Call("weekly_hours", tuple(kw.items()))
        if isinstance(d, ast.Consumption):
            kw.update(limit=_amount(d.limit), unit=Const(d.unit), within=_duration(d.within),
                      anchor=self.anchor(d.anchor), less=self.target(d.less) if d.less else Const(None),
                      effect=effect)
            return Call("consumption", tuple(kw.items()))
        if isinstance(d, ast.PeriodicHours):
            kw.update(every=_duration(d.every), clock=Const(d.clock), anchor=self.anchor(d.anchor),
                      hours=_amount(d.hours), target=self.target(d.target), effect=effect, op=Const(d.op))
            return Call("periodic_hours", tuple(kw.items()))
        if isinstance(d, ast.Never):
            kw.update(target=self.target(d.target), exceptions=self.exceptions(), effect=effect)
            return Call("never", tuple(kw.items()))
        if isinstance(d, ast.EachEnds):
            kw.update(target=self.target(d.target), offset=_duration(d.offset), clock=Const(d.clock),
                      anchor=self.anchor(d.anchor), exceptions=self.exceptions(), effect=effect, which=Const(d.which))
            return Call("each_ends", tuple(kw.items()))
        if isinstance(d, ast.EachLasts):
            kw.update(target=self.target(d.target), at_most=_duration(d.at_most), exceptions=self.exceptions(),
                      effect=effect, op=Const(d.op))
            return Call("each_lasts", tuple(kw.items()))
        if isinstance(d, ast.CountBudget):
            kw.update(limit=_amount(d.limit), target=self.target(d.target), within=_duration(d.within),
                      effect=effect, op=Const(d.op))
            return Call("count_budget", tuple(kw.items()))
        if isinstance(d, (ast.EachEvent, ast.FirstEvent)):
            kw.update(target=self.target(d.target), condition=self.pred(d.condition), exceptions=self.exceptions(),
                      effect=effect)
            if isinstance(d, ast.FirstEvent):
                kw.update(first_after=self.anchor(d.anchor))
            return Call("each_event", tuple(kw.items()))
        raise AssertionError(d)


def _reads_anchor(node) -> bool:
    """Does a condition compare a date field with the duty's anchor (``... before anchor``)?"""
    if isinstance(node, (ast.All, ast.Any)):
        return any(_reads_anchor(item) for item in node.items)
    if isinstance(node, ast.Not):
        return _reads_anchor(node.item)
    return isinstance(node, ast.FieldBefore) and node.other == "anchor"


def _action(node):
    return "deregistration" if isinstance(node, ast.Deregistration) else "reminder"


def _quotes(quote) -> tuple:
    """A citation's quote as a tuple of passages (none, one, or several)."""
    return () if quote is None else (quote,) if isinstance(quote, str) else tuple(quote)
