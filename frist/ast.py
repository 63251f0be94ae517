"""The rule language's syntax tree: frozen, slotted dataclasses.

Every node carries the :class:`~frist.errors.Span` of its text in the rule
book; spans never take part in equality, so golden tests stay stable.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .errors import Span


def _span():
    return field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Node:
    pass


# ------------------------------------------------------------------ values
@dataclass(frozen=True, slots=True)
class Number(Node):
    value: int
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class Param(Node):
    """A reference to a dated parameter, written ``$name``."""

    name: str
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class Duration(Node):
    amount: Number | Param
    unit: str  # day, week, month, year, business_day
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class ParamDuration(Node):
    name: str
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class Literal(Node):
    value: object  # str, int, float, datetime.date
    kind: str  # word, integer, decimal, date, string, param
    span: Span | None = _span()


# ------------------------------------------------------------------ conditions
@dataclass(frozen=True, slots=True)
class FieldRef(Node):
    name: str
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class AgeAt(Node):
    event: str
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class Compare(Node):
    subject: FieldRef | AgeAt
    op: str  # eq ne lt le gt ge
    value: Literal
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class Member(Node):
    subject: FieldRef | AgeAt
    values: tuple
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class All(Node):
    items: tuple
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class Any(Node):
    items: tuple
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class Not(Node):
    item: Node
    span: Span | None = _span()


# ------------------------------------------------------------------ events
@dataclass(frozen=True, slots=True)
class Match(Node):
    """Events of one type, optionally filtered: ``meeting where kind = cv``."""

    event: str
    where: Node | None = None
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class Anchor(Node):
    """The event a duty is measured from; ``first`` takes only the earliest."""

    event: str
    field: str | None = None
    first: bool = False
    where: Node | None = None
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class LaterTarget(Node):
    """``meeting where ... other than the first``: a matching event other than the first one on or after
    the duty's anchor (a second meeting is not the one that met the first)."""

    target: Match
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class FieldTarget(Node):
    """A date field of the anchor event itself: ``holiday.notified_on``."""

    event: str
    field: str
    span: Span | None = _span()


# ------------------------------------------------------------------ duties
@dataclass(frozen=True, slots=True)
class Deadline(Node):
    offset: Duration | ParamDuration
    clock: str | None
    anchor: Anchor
    target: Match | FieldTarget | LaterTarget
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class Window(Node):
    start: Duration | ParamDuration
    end: Duration | ParamDuration
    clock: str | None
    anchor: Anchor
    target: Match | FieldTarget | LaterTarget
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class Before(Node):
    offset: Duration | ParamDuration
    anchor: Anchor
    target: Match | FieldTarget
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class ByDate(Node):
    anchor: Anchor
    target: Match | FieldTarget
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class Recurring(Node):
    every: Duration | ParamDuration
    state: str
    target: Match
    span: Span | None = _span()
    state_span: Span | None = _span()  # where the state's name is written


@dataclass(frozen=True, slots=True)
class FactShare(Node):
    """``0.8 of former_weekly_hours``: a share of a number the person's facts give."""

    share: Number | Param
    fact: str
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class Share(Node):
    """``, at least 3 where posted is yes [from 3 months of cumulative_unemployment after first registered]``:
    a share of a quota's events, required in every block (or in the blocks that begin on or after a day)."""

    count: Number | Param
    where: Node
    text: str = field(default="", compare=False)  # the condition as written, for reports
    span: Span | None = _span()
    offset: Duration | ParamDuration | None = None  # from when: D [of CLOCK] after ANCHOR
    clock: str | None = None
    anchor: Anchor | None = None


@dataclass(frozen=True, slots=True)
class Quota(Node):
    count: Number | Param
    target: Match
    period_length: int
    period_unit: str
    state: str
    excluded: tuple  # event types whose weeks are not counted
    shares: tuple  # Share
    span: Span | None = _span()
    state_span: Span | None = _span()  # where the state's name is written
    op: str = "ge"  # at least (ge) or more than (gt)



@dataclass(frozen=True, slots=True)
class WindowQuota(Node):
    count: Number | Param
    target: Match
    start: Duration | ParamDuration | None
    end: Duration | ParamDuration
    clock: str | None
    anchor: Anchor
    span: Span | None = _span()
    op: str = "ge"  # at least (ge) or more than (gt)



@dataclass(frozen=True, slots=True)
class TimeBudget(Node):
    """``at most 30 weeks of STATE within 104 weeks``; no ``within``: in all."""

    limit: Number | Param
    unit: str
    state: str
    within: Duration | ParamDuration | None
    span: Span | None = _span()
    state_span: Span | None = _span()  # where the state's name is written
    op: str = "le"  # at most (le) or less than (lt)



@dataclass(frozen=True, slots=True)
class CountBudget(Node):
    limit: Number | Param
    target: Match
    within: Duration | ParamDuration
    span: Span | None = _span()
    op: str = "le"  # at most (le) or less than (lt)



@dataclass(frozen=True, slots=True)
class EachEvent(Node):
    target: Match
    condition: Node
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class FirstEvent(Node):
    target: Match
    anchor: Anchor
    condition: Node
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class Never(Node):
    """``no wrong_information``: every such event breaks the duty on its day."""

    target: Match
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class FieldAmount(Node):
    """``wrong_information.quarantine_hours``: a number the anchoring event carries."""

    event: str
    field: str
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class EachEnds(Node):
    """``each job_education ends within 26 weeks of cumulative_unemployment after first registered``:
    every such period has ended by the deadline; one that runs on is broken from the day after it.
    ``each abroad starts after 4 weeks of ...``: every such period starts on or after that day; one that
    starts earlier is broken from its first day."""

    target: Match
    offset: Duration | ParamDuration
    clock: str | None
    anchor: Anchor
    span: Span | None = _span()
    which: str = "ends"  # ends (by the deadline) | starts (on or after it: ``each P starts after D ...``)


@dataclass(frozen=True, slots=True)
class EachLasts(Node):
    """``each sick lasts at most 14 days``: broken from the first day beyond."""

    target: Match
    at_most: Duration | ParamDuration
    span: Span | None = _span()
    op: str = "le"  # at most (le) or less than (lt) the duration



@dataclass(frozen=True, slots=True)
class WeeklyHours(Node):
    """``at most 29.6 hours of wage_work per week while registered``."""

    limit: Number | Param
    target: Match
    state: str
    span: Span | None = _span()
    state_span: Span | None = _span()
    op: str = "le"  # at most (le) or less than (lt)



@dataclass(frozen=True, slots=True)
class Consumption(Node):
    """``at most 3848 paid hours less wage_work within 156 weeks after first registered``:
    a benefit period, used up by paid days (``unit`` hour or week)."""

    limit: Number | Param
    unit: str  # hour | week
    within: Duration | ParamDuration
    anchor: Anchor
    less: Match | None = None  # hours worked, deducted from the hours paid
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class PeriodicHours(Node):
    """``each 4 months of CLOCK after ANCHOR: more than 148 hours of wage_work``."""

    every: Duration | ParamDuration
    clock: str | None
    anchor: Anchor
    hours: Number | Param
    target: Match
    span: Span | None = _span()
    op: str = "gt"  # more than (gt) or at least (ge)



@dataclass(frozen=True, slots=True)
class FieldBefore(Node):
    """``notified_on is at least 14 days before start`` (two date fields of one event)."""

    subject: FieldRef
    offset: Duration | ParamDuration
    other: str
    span: Span | None = _span()


# ------------------------------------------------------------------ exceptions
@dataclass(frozen=True, slots=True)
class Occurs(Node):
    """``deregistered within 3 months before registered`` (``negated``: ``no ...``);
    ``akasse_joined at least 1 year before education_finished`` (``end`` None: no far end)."""

    target: Match
    start: Duration | ParamDuration | None
    end: Duration | ParamDuration | None
    direction: str  # before | after
    anchor: str
    negated: bool = False
    strict: bool = False  # "less than": the far end is excluded
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class During(Node):
    """``during sick``: the anchor's day falls in a period of that type."""

    target: Match
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class Lasts(Node):
    event: str
    at_most: Duration | ParamDuration
    span: Span | None = _span()


# ------------------------------------------------------------------ effects
@dataclass(frozen=True, slots=True)
class NoEffect(Node):
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class Reminder(Node):
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class Deregistration(Node):
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class Assessment(Node):
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class UntilFulfilled(Node):
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class UntilEvent(Node):
    target: Match
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class UntilHours(Node):
    hours: Number | Param
    target: Match
    within: Duration | ParamDuration
    span: Span | None = _span()
    op: str = "gt"  # more than (gt) or at least (ge)
    since: str | None = None  # count only X after this: "anchor" (the duty's anchor) or an event type



@dataclass(frozen=True, slots=True)
class UntilCount(Node):
    count: Number | Param
    target: Match
    within: Duration | ParamDuration
    span: Span | None = _span()
    op: str = "ge"  # at least (ge) or more than (gt)
    since: str | None = None  # count only X after this: "anchor" (the duty's anchor) or an event type



@dataclass(frozen=True, slots=True)
class UntilEarliest(Node):
    """``until fulfilled or its end``: the effect ends at the first of these ends to come."""

    items: tuple
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class UntilEnd(Node):
    """``until its end``: the last day of the anchoring period event."""

    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class UntilOpen(Node):
    """``no dagpenge during S from ... onwards``: no last day; the state S bounds the effect."""

    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class UntilOffset(Node):
    """``until 1 month after education_finished``: counted from the latest such event."""

    offset: Duration | ParamDuration
    event: str
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class AnchorDay(Node):
    """``no dagpenge on the anchor's day``: that day only (a meeting cancelled in advance)."""

    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class WeekSuspension(Node):
    """``no dagpenge for the week``: the whole ISO week of the violation."""

    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class DaysOff(Node):
    """``no dagpenge on 1 paid day`` (a karensdag): a day that would otherwise be paid."""

    days: Number | Param
    unit: str
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class Lapse(Node):
    """``, lapsing 3 months after anchor or after 185 hours of wage_work``."""

    after: Duration | ParamDuration
    hours: Number | Param | None = None
    target: Match | None = None
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class Suspension(Node):
    during: str | None
    start: str  # anchor | violation | deadline
    until: Node
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class Quarantine(Node):
    """``quarantine H hours on paid days``: ⌈H ÷ hours_per_day⌉ days otherwise paid, and a quarantine
    event; ``no dagpenge for H hours on paid days[, at most C hours]`` (``excess``): the ⌊H ÷
    hours_per_day⌋ whole days H (capped at C) covers, the rest deducted from a day that stays paid."""

    hours: Number | Param | FieldAmount
    unit: str
    lapse: Lapse | None = None
    span: Span | None = _span()
    excess: bool = False
    cap: Number | Param | None = None
    skip: tuple = ()  # period event types on whose days no hours are taken (``not during sick or holiday``)


@dataclass(frozen=True, slots=True)
class LossOfRight(Node):
    until: Node
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class Step(Node):
    miss: int
    action: Node
    within: Duration | ParamDuration | None = None
    after_miss: int | None = None
    grace_action: Node | None = None
    grace: Duration | ParamDuration | None = None
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class Ladder(Node):
    steps: tuple
    span: Span | None = _span()
