"""Parse rule-language text into the syntax tree of :mod:`frist.ast`.

The grammar lives in ``grammar/frist.lark`` and is read by lark's LALR parser
with positions kept.  Positions inside a YAML string are mapped back to the
rule book's line and column, so an error points into the file the editor
has open.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import replace
from functools import lru_cache
from importlib import resources

from lark import Lark, Token, Transformer, v_args
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken, VisitError

from . import ast
from .dates import MAX_AMOUNT, DateError, parse_date
from .errors import Diagnostic, FristError, Span

ENTRY_POINTS = {
    "duty": "start_duty",
    "condition": "start_condition",
    "exception": "start_exception",
    "effect": "start_effect",
}

_UNITS = {
    "day": "day", "days": "day", "week": "week", "weeks": "week", "month": "month",
    "months": "month", "year": "year", "years": "year",
    "business day": "business_day", "business days": "business_day",
}

# Friendly names for terminals in "expected ..." hints.
_TERMINAL_NAMES = {
    "NAME": "a name", "INT": "a whole number", "UNIT": "a unit (days, weeks, months, years, business days)",
    "COLON": "`:`", "DATE": "a date YYYY-MM-DD", "PARAM": "a parameter `$name`", "DOT": "`.`",
    "DECIMAL": "a decimal number", "STRING": "a quoted string", "LSQB": "`[`", "RSQB": "`]`",
    "LPAR": "`(`", "RPAR": "`)`", "COMMA": "`,`", "EQUAL": "`=`",
}

# Known mistakes, mapped to a friendly message (lark's match_examples).
_EXAMPLES = {
    "durations are written with digits and a unit, e.g. `2 weeks`": [
        "within two weeks after registered: cv_created",
        "within weeks after registered: cv_created",
    ],
    "a duty names what must happen after a colon, e.g. `...after registered: cv_created`": [
        "within 2 weeks after registered cv_created",
        "within 2 weeks after registered",
    ],
}


class Origin:
    """Maps positions in a rule-language string to positions in its file.

    A YAML string may be quoted, folded (``>``) or literal (``|``), so its text
    and its source differ in whitespace, line breaks and the quote or indicator
    around it.  They agree on the sequence of non-blank characters: the k-th
    non-blank character of the value is found at the k-th non-blank character of
    the source, after skipping what precedes the value (a quote, ``>`` ...).
    """

    def __init__(self, text: str, span: Span | None):
        self.span, self.text = span, text
        self.places: list | None = None  # file (line, column) of each non-blank value character
        self._line_starts: list | None = None
        self._nonblank_before: list | None = None
        if span is None or span.text is None or span.end_line is None:
            return
        lines = span.text.splitlines()
        source = []
        for number in range(span.line, min(span.end_line, len(lines)) + 1):
            line = lines[number - 1]
            first = span.column - 1 if number == span.line else 0
            last = min(span.end_column - 1, len(line)) if number == span.end_line else len(line)
            source += [(line[c], number, c + 1) for c in range(first, last) if not line[c].isspace()]
        wanted = [c for c in text if not c.isspace()]
        for skip in range(0, 4):  # a quote, or a block indicator with its modifiers
            window = source[skip: skip + len(wanted)]
            if [c for c, _, _ in window] == wanted:
                self.places = [(line, column) for _, line, column in window]
                return

    def _place(self, line: int, column: int):
        if self._line_starts is None:  # once per text: every node's position is then a lookup
            self._line_starts = [0] + [i + 1 for i, c in enumerate(self.text) if c == "\n"]
            self._nonblank_before = list(itertools.accumulate((not c.isspace() for c in self.text), initial=0))
        if not 0 < line <= len(self._line_starts):
            return None
        offset = min(self._line_starts[line - 1] + column - 1, len(self.text))
        before = self._nonblank_before[offset]  # how many non-blank characters precede the offset
        if before < len(self.places):
            return self.places[before]
        return None

    def at(self, line: int, column: int, end_line: int | None = None, end_column: int | None = None) -> Span | None:
        span = self.span
        if span is None:
            return None
        if span.end_line is None:  # the text is the whole source: positions are its own
            return Span(span.file, span.line + line - 1, column, end_line and span.line + end_line - 1,
                        end_column, span.text)
        if self.places is None:
            return span
        start = self._place(line, column)
        if start is None:
            return span
        end = self._place(end_line, end_column - 1) if end_line is not None and end_column else None
        if end is not None and end[0] == start[0]:
            return Span(span.file, start[0], start[1], end[0], end[1] + 1, span.text)
        return Span(span.file, start[0], start[1], text=span.text)


@lru_cache(maxsize=1)
def _lark() -> Lark:
    grammar = resources.files("frist.grammar").joinpath("frist.lark").read_text("utf-8")
    return Lark(grammar, parser="lalr", start=list(ENTRY_POINTS.values()),
                propagate_positions=True, maybe_placeholders=False)


def _meta_span(origin: Origin, meta) -> Span | None:
    if getattr(meta, "empty", True):
        return origin.span
    return origin.at(meta.line, meta.column, meta.end_line, meta.end_column)


def _tok_span(origin: Origin, tok: Token) -> Span | None:
    return origin.at(tok.line, tok.column, tok.end_line, tok.end_column)


@v_args(meta=True)
class _ToAst(Transformer):
    """Builds :mod:`frist.ast` nodes directly from the parse tree."""

    def __init__(self, origin: Origin, text: str):
        super().__init__()
        self.o, self.text = origin, text

    def s(self, meta):
        return _meta_span(self.o, meta)

    # entry points
    def start_duty(self, meta, c):
        return c[0]

    start_condition = start_exception = start_effect = start_duty

    # values
    def _int(self, tok):
        if len(tok) > 9:
            raise _LocatedError(f"the number {str(tok)[:12]}… is too large", _tok_span(self.o, tok),
                                "numbers in rules have at most 9 digits")
        return int(tok)

    def number(self, meta, c):
        return ast.Number(self._int(c[0]), _tok_span(self.o, c[0]))

    def _decimal(self, tok):
        if len(tok.split(".")[0]) > 9:
            raise _LocatedError(f"the number {str(tok)[:12]}… is too large", _tok_span(self.o, tok),
                                "numbers in rules have at most 9 digits before the decimal point")
        return float(tok)

    def decimal_number(self, meta, c):
        return ast.Number(self._decimal(c[0]), _tok_span(self.o, c[0]))

    def fact_share(self, meta, c):
        tok, fact = c
        share = (ast.Param(str(tok)[1:], _tok_span(self.o, tok)) if str(tok).startswith("$")
                 else ast.Number(self._decimal(tok), _tok_span(self.o, tok)))
        return ast.FactShare(share, str(fact), self.s(meta))

    def param(self, meta, c):
        tok = c[0]
        return ast.Param(str(tok)[1:], _tok_span(self.o, tok))

    def duration(self, meta, c):
        amount, unit = c
        unit = _UNITS[" ".join(str(unit).split())]
        if isinstance(amount, ast.Number) and amount.value > MAX_AMOUNT[unit]:
            raise _LocatedError(f"{amount.value} {unit.replace('_', ' ')}s is longer than {MAX_AMOUNT[unit]}, the "
                                f"longest a rule book may write (100 years)", self.s(meta),
                                "durations in a rule book are at most 100 years")
        return ast.Duration(amount, unit, self.s(meta))

    def param_duration(self, meta, c):
        return ast.ParamDuration(str(c[0])[1:], self.s(meta))

    def word(self, meta, c):
        value = str(c[0])
        if value in ("yes", "no", "true", "false"):
            return ast.Literal(value in ("yes", "true"), "boolean", self.s(meta))
        return ast.Literal(value, "word", self.s(meta))

    def integer(self, meta, c):
        return ast.Literal(self._int(c[0]), "integer", self.s(meta))

    def decimal(self, meta, c):
        return ast.Literal(self._decimal(c[0]), "decimal", self.s(meta))

    def date(self, meta, c):
        try:
            return ast.Literal(parse_date(str(c[0])), "date", self.s(meta))
        except DateError as exc:
            raise _LocatedError(str(exc), self.s(meta), exc.hint) from None

    def string(self, meta, c):
        return ast.Literal(str(c[0])[1:-1], "string", self.s(meta))

    # conditions
    def field(self, meta, c):
        return ast.FieldRef(str(c[0]), self.s(meta))

    def age_at(self, meta, c):
        return ast.AgeAt(str(c[0]), self.s(meta))

    def compare(self, meta, c):
        subject, op, value = c
        if isinstance(value, ast.Param):
            value = ast.Literal(value.name, "param", value.span)
        return ast.Compare(subject, op.data, value, self.s(meta))

    def member(self, meta, c):
        return ast.Member(c[0], tuple(c[1:]), self.s(meta))

    def cond(self, meta, c):
        return ast.Any(tuple(c), self.s(meta))

    def and_cond(self, meta, c):
        return ast.All(tuple(c), self.s(meta))

    def negation(self, meta, c):
        return ast.Not(c[0], self.s(meta))

    # events
    def where(self, meta, c):
        return c[0]

    def match(self, meta, c):
        return ast.Match(str(c[0]), c[1] if len(c) > 1 else None, self.s(meta))

    def anchor(self, meta, c):
        c = list(c)
        first = bool(c) and isinstance(c[0], Token) and c[0].type == "FIRST"
        if first:
            c.pop(0)
        event = str(c.pop(0))
        fld = str(c.pop(0)) if c and isinstance(c[0], Token) else None
        where = c.pop(0) if c else None
        return ast.Anchor(event, fld, first, where, self.s(meta))

    def later_target(self, meta, c):
        return ast.LaterTarget(c[0], self.s(meta))

    def field_target(self, meta, c):
        return ast.FieldTarget(str(c[0]), str(c[1]), self.s(meta))

    def clock(self, meta, c):
        return str(c[0])

    # duties
    def deadline(self, meta, c):
        offset, *rest = c
        clock = rest.pop(0) if isinstance(rest[0], str) else None
        anchor, target = rest
        return ast.Deadline(offset, clock, anchor, target, self.s(meta))

    def window(self, meta, c):
        start, end, *rest = c
        clock = rest.pop(0) if isinstance(rest[0], str) else None
        anchor, target = rest
        return ast.Window(start, end, clock, anchor, target, self.s(meta))

    def before(self, meta, c):
        return ast.Before(c[0], c[1], c[2], self.s(meta))

    def by_date(self, meta, c):
        return ast.ByDate(c[0], c[1], self.s(meta))

    def recurring(self, meta, c):
        return ast.Recurring(c[0], str(c[1]), c[2], self.s(meta), _tok_span(self.o, c[1]))

    def period_one(self, meta, c):
        return (1, _UNITS[str(c[0])])

    def period_many(self, meta, c):
        return (self._int(c[0]), _UNITS[str(c[1])])

    def exclusion(self, meta, c):
        return tuple(str(t) for t in c)

    def share(self, meta, c):
        where = self.text[meta.start_pos:meta.end_pos].split(" where ", 1)[-1]
        offset, clock, anchor = c[2] if len(c) > 2 else (None, None, None)
        return ast.Share(c[0], c[1], " ".join(where.split()), self.s(meta), offset, clock, anchor)

    def share_from(self, meta, c):
        offset, *rest = c
        clock = rest.pop(0) if isinstance(rest[0], str) else None
        return (offset, clock, rest[0])

    def quota(self, meta, c):
        count, target, (length, unit), state, *rest = c
        excluded = rest.pop(0) if rest and isinstance(rest[0], tuple) else ()
        return ast.Quota(count, target, length, unit, str(state), excluded, tuple(rest), self.s(meta),
                         _tok_span(self.o, state))

    def quota_more(self, meta, c):
        return replace(self.quota(meta, c), op="gt")

    def span_within(self, meta, c):
        return (None, c[0])

    def span_less(self, meta, c):
        return ("strict", c[0])

    def span_between(self, meta, c):
        return (c[0], c[1])

    def span_at_least(self, meta, c):
        return (c[0], None)  # from D on, without a far end

    def window_quota(self, meta, c):
        count, target, (start, end), *rest = c
        clock = rest.pop(0) if isinstance(rest[0], str) else None
        return ast.WindowQuota(count, target, start, end, clock, rest[0], self.s(meta))

    def window_quota_more(self, meta, c):
        return replace(self.window_quota(meta, c), op="gt")

    def time_budget(self, meta, c):
        limit, unit, state, *rest = c
        within = rest[0] if rest else None
        return ast.TimeBudget(limit, _UNITS[str(unit)], str(state), within, self.s(meta), _tok_span(self.o, state))

    def time_budget_less(self, meta, c):
        return replace(self.time_budget(meta, c), op="lt")

    def count_budget(self, meta, c):
        return ast.CountBudget(c[0], c[1], c[2], self.s(meta))

    def count_budget_less(self, meta, c):
        return replace(self.count_budget(meta, c), op="lt")

    def weekly_hours(self, meta, c):
        limit, target, state = c
        return ast.WeeklyHours(limit, target, str(state), self.s(meta), _tok_span(self.o, state))

    def weekly_hours_less(self, meta, c):
        return replace(self.weekly_hours(meta, c), op="lt")

    def consumed_hours(self, meta, c):
        return "hour"

    def consumed_unit(self, meta, c):
        unit = _UNITS[" ".join(str(c[0]).split())]
        if unit != "week":
            raise _LocatedError("a benefit period is counted in paid hours or paid weeks", _tok_span(self.o, c[0]),
                                "write `paid hours` or `paid weeks`")
        return unit

    def consumption(self, meta, c):
        limit, unit, *rest = c
        less = rest.pop(0) if isinstance(rest[0], ast.Match) else None
        within, anchor = rest
        return ast.Consumption(limit, unit, within, anchor, less, self.s(meta))

    def periodic_hours(self, meta, c):
        every, *rest = c
        clock = rest.pop(0) if isinstance(rest[0], str) else None
        anchor, hours, target = rest
        return ast.PeriodicHours(every, clock, anchor, hours, target, self.s(meta))

    def periodic_hours_least(self, meta, c):
        return replace(self.periodic_hours(meta, c), op="ge")

    def never(self, meta, c):
        return ast.Never(c[0], self.s(meta))

    def field_amount(self, meta, c):
        return ast.FieldAmount(str(c[0]), str(c[1]), self.s(meta))

    def each_lasts(self, meta, c):
        return ast.EachLasts(c[0], c[1], self.s(meta))

    def each_ends(self, meta, c):
        target, offset, *rest = c
        clock = rest.pop(0) if isinstance(rest[0], str) else None
        return ast.EachEnds(target, offset, clock, rest[0], self.s(meta))

    def each_starts(self, meta, c):
        return replace(self.each_ends(meta, c), which="starts")

    def each_lasts_less(self, meta, c):
        return replace(self.each_lasts(meta, c), op="lt")

    def field_before(self, meta, c):
        subject, offset, other = c
        return ast.FieldBefore(subject, offset, str(other), self.s(meta))

    def each_event(self, meta, c):
        return ast.EachEvent(c[0], c[1], self.s(meta))

    def first_event(self, meta, c):
        return ast.FirstEvent(c[0], c[1], c[2], self.s(meta))

    # exceptions
    def before_dir(self, meta, c):
        return "before"

    def after_dir(self, meta, c):
        return "after"

    def t_some(self, meta, c, negated=False):
        target, (start, end), direction, anchor = c
        strict = start == "strict"
        return ast.Occurs(target, None if strict else start, end, direction, str(anchor), negated, strict,
                          self.s(meta))

    def t_none(self, meta, c):
        return self.t_some(meta, c, negated=True)

    def t_during(self, meta, c):
        return ast.During(c[0], self.s(meta))

    def t_lasts(self, meta, c):
        return ast.Lasts(str(c[0]), c[1], self.s(meta))

    def tcond(self, meta, c):
        return ast.Any(tuple(c), self.s(meta))

    def tand(self, meta, c):
        return ast.All(tuple(c), self.s(meta))

    # effects
    def no_effect(self, meta, c):
        return ast.NoEffect(self.s(meta))

    def reminder(self, meta, c):
        return ast.Reminder(self.s(meta))

    def deregistration(self, meta, c):
        return ast.Deregistration(self.s(meta))

    def assessment(self, meta, c):
        return ast.Assessment(self.s(meta))

    def during(self, meta, c):
        return str(c[0])

    def from_anchor(self, meta, c):
        return "anchor"

    def from_violation(self, meta, c):
        return "violation"

    def from_deadline(self, meta, c):
        return "deadline"

    def suspension(self, meta, c):
        during = c[0] if len(c) == 3 else None
        start, until = c[-2], c[-1]
        return ast.Suspension(during, start, until, self.s(meta))

    def suspension_onwards(self, meta, c):
        during, start = c
        return ast.Suspension(during, start, ast.UntilOpen(self.s(meta)), self.s(meta))

    def week_suspension(self, meta, c):
        return ast.WeekSuspension(self.s(meta))

    def anchor_day(self, meta, c):
        return ast.AnchorDay(self.s(meta))

    def _paid_days(self, unit, what: str, example: str) -> str:
        if _UNITS[" ".join(str(unit).split())] != "day":
            raise _LocatedError(f"{what} on days that would otherwise be paid", _tok_span(self.o, unit),
                                f"write `{example}`")
        return "paid_day"

    def days_off(self, meta, c):
        days, unit = c
        return ast.DaysOff(days, self._paid_days(unit, "days without dagpenge fall", "on 1 paid day"), self.s(meta))

    def lapse(self, meta, c):
        after, *rest = c
        hours, target = rest if rest else (None, None)
        return ast.Lapse(after, hours, target, self.s(meta))

    def until_offset(self, meta, c):
        return ast.UntilOffset(c[0], str(c[1]), self.s(meta))

    def until_end(self, meta, c):
        return ast.UntilEnd(self.s(meta))

    def quarantine(self, meta, c):
        hours, unit, *rest = c
        lapse = rest[0] if rest else None
        return ast.Quarantine(hours, self._paid_days(unit, "a quarantine is served", "on paid days"), lapse,
                              self.s(meta))

    def hours_off(self, meta, c):
        hours, unit, *rest = c
        skip = rest.pop(0) if rest and isinstance(rest[0], list) else []
        cap = rest.pop(0) if rest and not isinstance(rest[0], ast.Lapse) else None
        lapse = rest[0] if rest else None
        return ast.Quarantine(hours, self._paid_days(unit, "hours are taken", "on paid days"), lapse, self.s(meta),
                              excess=True, cap=cap, skip=tuple(skip))

    def skip(self, meta, c):
        return [str(t) for t in c]

    def cap(self, meta, c):
        return c[0]

    def loss_of_right(self, meta, c):
        return ast.LossOfRight(c[0], self.s(meta))

    def until_fulfilled(self, meta, c):
        return ast.UntilFulfilled(self.s(meta))

    def until_event(self, meta, c):
        return ast.UntilEvent(c[0], self.s(meta))

    def until_hours(self, meta, c, op="gt"):
        return ast.UntilHours(c[0], c[1], c[2], self.s(meta), op=op, since=c[3] if len(c) > 3 else None)

    def until_hours_least(self, meta, c):
        return self.until_hours(meta, c, op="ge")

    def until_count(self, meta, c, op="ge"):
        return ast.UntilCount(c[0], c[1], c[2], self.s(meta), op=op, since=c[3] if len(c) > 3 else None)

    def until_count_more(self, meta, c):
        return self.until_count(meta, c, op="gt")

    def since_anchor(self, meta, c):
        return "anchor"

    def since_event(self, meta, c):
        return str(c[0])

    def until_earliest(self, meta, c):
        return ast.UntilEarliest(tuple(c), self.s(meta))

    def step_window(self, meta, c):
        return (c[0], self._int(c[1]))

    def grace(self, meta, c):
        return (c[0], c[1])

    def step(self, meta, c):
        miss = self._int(c[0])
        rest = list(c[1:])
        within = after = None
        if isinstance(rest[0], tuple):
            within, after = rest.pop(0)
        action = rest.pop(0)
        grace_action, grace = rest.pop(0) if rest else (None, None)
        return ast.Step(miss, action, within, after, grace_action, grace, self.s(meta))

    def ladder(self, meta, c):
        return ast.Ladder(tuple(c), self.s(meta))


class _LocatedError(Exception):
    def __init__(self, message, span, hint=None):
        super().__init__(message)
        self.message, self.span, self.hint = message, span, hint


def _describe_expected(expected) -> str:
    names = sorted({_TERMINAL_NAMES.get(t, f"`{t.lower()}`" if t.isupper() and not t.startswith("__") else t)
                    for t in expected if not t.startswith("__ANON")})
    return ", ".join(names[:8])


def parse(text: str, entry: str = "duty", span: Span | None = None):
    """Parse ``text`` as a duty, condition, exception or effect.

    Returns an AST node or raises :class:`FristError` located in the rule book.

    >>> parse("within 2 weeks after registered: cv_created").offset.unit
    'week'
    """
    if not isinstance(text, str):
        raise FristError(Diagnostic(f"expected rule-language text, got {type(text).__name__}", span))
    origin = Origin(text, span or Span("<text>", 1, 1, text=text))
    _check_nesting(text, entry, origin)
    parser = _lark()
    try:
        tree = parser.parse(text, start=ENTRY_POINTS[entry])
        return _ToAst(origin, text).transform(tree)
    except VisitError as exc:
        inner = exc.orig_exc
        if isinstance(inner, _LocatedError):
            raise FristError(Diagnostic(inner.message, inner.span, inner.hint)) from None
        raise
    except UnexpectedInput as exc:
        raise FristError(_diagnose(exc, text, entry, origin)) from None


MAX_NESTING = 64
_NESTING = re.compile(r"\(|\bnot\b")


def _check_nesting(text: str, entry: str, origin: Origin) -> None:
    """Refuse absurdly nested text before the (recursive) tree building sees it."""
    for count, found in enumerate(_NESTING.finditer(text), 1):
        if count > MAX_NESTING:
            line = text.count("\n", 0, found.start()) + 1
            column = found.start() - (text.rfind("\n", 0, found.start()) + 1) + 1
            raise FristError(Diagnostic(f"{entry} nests `not` and parentheses more than {MAX_NESTING} times",
                                        origin.at(line, column), hint="simplify the condition"))


def _diagnose(exc: UnexpectedInput, text: str, entry: str, origin: Origin) -> Diagnostic:
    line, column = getattr(exc, "line", 1) or 1, getattr(exc, "column", 1) or 1
    if isinstance(exc, UnexpectedEOF) or getattr(getattr(exc, "token", None), "type", None) == "$END":
        lines = text.split("\n") or [""]
        line, column = len(lines), len(lines[-1]) + 1
    where = origin.at(line, column) if origin.span else Span("<text>", line, column, text=text)
    if isinstance(exc, UnexpectedCharacters):
        char = text[exc.pos_in_stream] if exc.pos_in_stream < len(text) else ""
        message = f"unexpected character {char!r} in {entry}"
    elif isinstance(exc, UnexpectedToken) and exc.token.type != "$END":
        message = f"unexpected `{exc.token}` in {entry}"
    else:
        message = f"{entry} ends too early"
    hint = None
    if entry == "duty":
        try:
            label = exc.match_examples(lambda s: _lark().parse(s, start="start_duty"), _EXAMPLES, use_accepts=True)
        except Exception:  # match_examples re-parses; any failure just means no label
            label = None
        hint = label
    if hint is None:
        expected = getattr(exc, "expected", None) or getattr(exc, "allowed", None)
        if expected:
            hint = "expected " + _describe_expected(expected)
    return Diagnostic(message, where, hint)
