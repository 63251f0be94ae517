"""Consistency checks of a rule book, each finding with a concrete counterexample.

:func:`lint` runs every check on a loaded :class:`~frist.rulebook.RuleBook` and
returns :class:`Finding` objects: a located diagnostic (``error`` blocks,
``warning`` informs) and a counterexample - the person facts and dates on which
the problem shows.

The checks are decided on a finite set of *witnesses*: every combination of the
person facts the conditions mention (enum values, booleans, ages on each side of
each age threshold the rule book writes) and every date on which a rule or a
family of versions starts or ends (and the days either side).  Conditions in the
rule language compare facts with constants, so two witnesses that agree on every
such comparison behave alike: the set is complete for them.

Checks (``code``: severity):

* ``overlap`` (error): two versions of one family apply to the same person on the
  same date;
* ``gap`` (warning): no version of a family applies to a person and date its
  domain covers;
* ``ambiguous-deadline`` (error): two rules outside a family put the same duty
  (same anchor, same target) with different deadlines on the same person and
  date, and neither is declared a later duty of the other (``lint.sequence_after``);
* ``sequence`` (error): a rule declared ``sequence_after`` another whose window does
  not start where the other's ends;
* ``impossible-deadlines`` (error): deadlines that cannot all be met together, a
  negative cycle in the simple temporal network of their difference constraints;
* ``never-applies``, ``never-met``, ``never-broken`` (warning); a condition on
  numbers (``hours > 30``) is decided by z3 when the optional extra is installed,
  and is an ``undecided`` note (neither error nor warning) otherwise;
* ``order`` (error): rules that change what each other reads (a deregistration ends
  ``registered``; a quarantine is an event others count), see :mod:`frist.order`;
* ``month-rounding`` (error): month or year arithmetic while the rule book
  declares no rounding for days the target month lacks;
* ``reading`` (warning): a rule encodes a catalog item on which the sources
  disagree (the catalog's ``conflict``) and does not say which reading it applies.

A warning the rule book explains (``lint: {explained: {CODE: reason}}`` on the
rule) is reported as explained and does not count.
"""

from __future__ import annotations

import datetime as _dt
import itertools
from dataclasses import dataclass, field

from . import ast
from . import order as order_of
from .compiler import compile_rulebook
from .coverage import catalog_path, load_catalog
from .dates import AmbiguousDate, add_months
from .errors import Diagnostic, FristError, Span
from .optional import install_command
from .rulebook import RuleBook
from .runtime import engine
from .runtime.timeline import build_timeline

ERROR, WARNING, NOTE = "error", "warning", "note"
_FAR_PAST, _TYPICAL, _FAR_FUTURE = _dt.date(2010, 1, 4), _dt.date(2024, 3, 4), _dt.date(2030, 1, 7)
# the shortest and longest a calendar unit can be, in days
_DAYS = {"day": (1, 1), "week": (7, 7), "month": (28, 31), "year": (365, 366), "business_day": (1, 5)}


@dataclass
class Finding:
    code: str
    severity: str
    message: str
    span: Span | None
    rules: tuple
    counterexample: dict = field(default_factory=dict)
    hint: str | None = None
    explained: str | None = None

    def format(self) -> str:
        diagnostic = Diagnostic(self.message, self.span, hint=self.hint, severity=f"{self.severity}[{self.code}]")
        out = diagnostic.format()
        if self.counterexample:
            out += "\n  counterexample: " + ", ".join(f"{k}: {v}" for k, v in self.counterexample.items())
        if self.explained:
            out += f"\n  explained in the rule book: {self.explained}"
        return out

    def to_json(self) -> dict:
        return {"code": self.code, "severity": self.severity, "message": self.message,
                "location": str(self.span) if self.span else None, "rules": list(self.rules),
                "counterexample": self.counterexample, "hint": self.hint, "explained": self.explained}


def lint(book: RuleBook) -> list:
    """Every finding for ``book``, errors first, then by location."""
    linter = _Linter(book)
    findings = linter.run()
    for f in findings:
        if f.severity == WARNING and len(f.rules) == 1:
            f.explained = linter.explained(f.rules[0], f.code)
    order = {ERROR: 0, WARNING: 1, NOTE: 2}
    return sorted(findings, key=lambda f: (order[f.severity], f.explained is not None,
                                           str(f.span.file) if f.span else "", f.span.line if f.span else 0))


# ====================================================================== witnesses
def _facts_and_ages(book: RuleBook) -> tuple:
    """The person facts conditions mention, and the ages either side of each age threshold."""
    facts, ages = set(), {40, 18, 70}

    def walk(node):
        if isinstance(node, (ast.All, ast.Any)):
            for item in node.items:
                walk(item)
        elif isinstance(node, ast.Not):
            walk(node.item)
        elif isinstance(node, (ast.Compare, ast.Member)):
            if isinstance(node.subject, ast.AgeAt):
                if isinstance(node, ast.Compare) and node.value.kind == "integer":
                    ages.update({node.value.value - 1, node.value.value, node.value.value + 1})
            else:
                facts.add(node.subject.name)

    for rule in book.rules:
        if rule.applies is not None:
            walk(rule.applies)
    for _, applies in book.families.values():
        if applies is not None:
            walk(applies)
    return sorted(facts), sorted((a for a in ages if a >= 15), key=lambda a: (a != 40, a))


def _fact_values(spec) -> list:
    if spec["type"] == "enum":
        return list(spec["values"])
    if spec["type"] == "boolean":
        return [False, True]
    return [spec["default"]] if "default" in spec else []


def _boundary_dates(book: RuleBook) -> list:
    """Every date a rule or family starts or ends, the days either side, and three more;
    the typical date first, so that counterexamples look ordinary where they can."""
    days = {_FAR_PAST, _TYPICAL, _FAR_FUTURE}
    stamps = [r.doc.get("valid", {}).get(k) for r in book.rules for k in ("from", "until")]
    stamps += [doc.get(k) for doc, _ in book.families.values() for k in ("from", "until")]
    for stamp in filter(None, stamps):
        day = _dt.date.fromisoformat(stamp)
        days.update({day - _dt.timedelta(days=1), day, day + _dt.timedelta(days=1)})
    return sorted(days, key=lambda d: (d != _TYPICAL, d))


# ====================================================================== the linter
class _Linter:
    def __init__(self, book: RuleBook):
        self.book = book
        self.module = compile_rulebook(book)
        self.by_id = {r.id: r for r in book.rules}
        self.info = {r.id: r for r in self.module.RULES}
        self.applies = {r.id: a for r, a in zip(self.module.RULES, self.module.APPLIES)}
        self.person = book.vocabulary["person"]
        facts, self.ages = _facts_and_ages(book)
        self.facts = [f for f in facts if f in self.person and _fact_values(self.person[f])]
        self.dates = _boundary_dates(book)
        self.findings = []
        # a rule applies to a witness when its `applies` holds for the person (the age is fixed
        # at the registration) and its `valid` holds on the date: the two are decided apart
        values = [_fact_values(self.person[f]) for f in self.facts]
        self.persons = [(dict(zip(self.facts, combo)), age)
                        for combo in itertools.product(*values) for age in self.ages]
        base = _dt.date(2024, 3, 4)
        self.covers, self.domains = [], []
        for facts, age in self.persons:
            ctx = self.context(facts, age, base)
            self.covers.append(frozenset(rid for rid, pred in self.applies.items() if pred is None or pred(ctx, base)))
            self.domains.append(frozenset(fid for fid, (_, domain, _, _) in self.module.FAMILIES.items()
                                          if domain is None or domain(ctx, base)))
        self.in_force = {}
        for day in self.dates:
            ctx = self.context({}, 40, day)
            self.in_force[day] = frozenset(rid for rid, info in self.info.items() if ctx.valid(info, day))

    def explained(self, rule_id: str, code: str) -> str | None:
        return self.by_id[rule_id].doc.get("lint", {}).get("explained", {}).get(code)

    def add(self, code, severity, message, rule_ids, span=None, counterexample=None, hint=None):
        rule = self.by_id.get(rule_ids[0]) if rule_ids else None
        span = span or (rule.span if rule else None)
        self.findings.append(Finding(code, severity, message, span, tuple(rule_ids), counterexample or {}, hint))

    def run(self) -> list:
        self.order()
        self.month_rounding()
        self.families()
        self.ambiguous_deadlines()
        self.sequences()
        self.temporal_network()
        self.vacuous()
        self.readings()
        return self.findings

    def readings(self):
        """A rule encoding a catalog item on which the sources disagree says which reading it applies."""
        try:
            catalog = load_catalog(catalog_path(self.book))
        except (FristError, OSError):
            return  # no catalog to read: `frist coverage` reports that
        disputed = {item.id: item.conflict for item in catalog if item.conflict}
        for rule in self.book.rules:
            items = [cid for cid in rule.doc["catalog"] if cid in disputed]
            if items and not rule.doc.get("reading") and not self.explained(rule.id, "reading"):
                self.add("reading", WARNING,
                         f"`{rule.id}` encodes {items[0]}, on which the sources disagree ({disputed[items[0]]}), "
                         "but states no reading", [rule.id],
                         hint="add `reading:` saying which source, period or reading the rule follows, and why")

    def order(self):
        """Rules that change what each other reads: no order of evaluation settles their verdicts."""
        analysis = order_of.analyse(self.book)
        for cycle in analysis.cycles:
            links = []
            for writer, reader in zip(cycle, cycle[1:] + cycle[:1]):
                what = sorted(analysis.writes[writer] & analysis.reads[reader])
                links.append(f"{writer} changes {', '.join(f'`{name}`' for _, name in what)}, which {reader} reads")
            self.add("order", ERROR, f"{', '.join(f'`{r}`' for r in cycle)} change what each other reads, so "
                     "their verdicts would depend on their order in the rule book", list(cycle),
                     counterexample={"cycle": "; ".join(links)},
                     hint="let one of them read only what the other does not change, or merge them into one rule "
                          "(a rule that reads what it changes itself is settled earliest first)")

    # ------------------------------------------------------------ witnesses
    def witnesses(self):
        """(person index, date) for every combination that can matter."""
        for i in range(len(self.persons)):
            for day in self.dates:
                yield i, day

    def context(self, facts: dict, age: int, day: _dt.date) -> engine.Context:
        born = _born(day, age)
        person = {**facts}
        if "birth_date" in self.person:
            person["birth_date"] = born.isoformat()
        document = {"person": person, "events": [{"type": "registered", "date": day.isoformat()}]} \
            if "registered" in self.book.events else {"person": person, "events": []}
        timeline = build_timeline(_with_required(document, self.person), self.module.BOOK["vocabulary"], "<lint>")
        return engine.Context(self.module.BOOK, timeline, day)

    def applying(self, i, day) -> frozenset:
        return self.covers[i] & self.in_force[day]

    def example(self, i, day) -> dict:
        facts, age = self.persons[i]
        out = {k: ("yes" if v is True else "no" if v is False else v) for k, v in facts.items()}
        out["age"] = age
        out["registered"] = day.isoformat()
        return out

    # ------------------------------------------------------------ month arithmetic
    def month_rounding(self):
        if self.book.month_rounding != "refuse":
            return
        for rule in self.book.rules:
            months = [d for d in _durations(rule.duty) if d[1] in ("month", "year")]
            months += [self.book.parameters[p][0][1] for p in _params(rule.duty)
                       if self.book.vocabulary["_param_kinds"].get(p) == "duration"
                       and _units(self.book.parameters[p][0][1]) & {"month", "year"}]
            if not months:
                continue
            amount, unit = months[0] if isinstance(months[0][0], int) else months[0][0]
            n = amount * (12 if unit == "year" else 1)
            day = _first_ambiguous(n)
            self.add("month-rounding", ERROR,
                     f"`{rule.id}` adds {amount} {unit}(s) to dates, and the rule book declares no rounding",
                     [rule.id], span=rule.duty.span,
                     counterexample={"anchor": day.isoformat(), "plus": f"{amount} {unit}(s)",
                                     "lands on": f"a day {_target_month(day, n)} does not have"},
                     hint="declare `calendar: {month_rounding: down}` (or up) in the rule book")

    # ------------------------------------------------------------ versions of a family
    def families(self):
        members = {}
        for rule in self.book.rules:
            family = rule.doc.get("version_of")
            if family:
                members.setdefault(family, []).append(rule.id)
        seen = set()
        for i, day in self.witnesses():
            rules_now = self.applying(i, day)
            iso = day.isoformat()
            for family in self.domains[i]:
                _, _, start, until = self.module.FAMILIES[family]
                if (start and iso < start) or (until and iso >= until):
                    continue
                rules = [r for r in members.get(family, []) if r in rules_now]
                key = (family, tuple(rules))
                if key in seen:
                    continue
                if len(rules) > 1:
                    seen.add(key)
                    self.add("overlap", ERROR, f"versions of `{family}` overlap: {', '.join(rules)} all apply",
                             rules, counterexample=self.example(i, day),
                             hint="narrow `applies` or `valid` so that one version applies")
                elif not rules:
                    seen.add(key)
                    first = members.get(family, [None])[0]
                    self.add("gap", WARNING, f"no version of `{family}` applies, although the family covers the person",
                             [first] if first else [], counterexample=self.example(i, day),
                             hint="add a version, or narrow the family's `applies`/`from`/`until`")

    # ------------------------------------------------------------ the same duty with different deadlines
    def ambiguous_deadlines(self):
        keyed = {}
        for rule in self._duties():
            key = _duty_key(rule.duty)
            if key is not None:
                keyed.setdefault(key, []).append(rule)
        for rules in keyed.values():
            for a, b in itertools.combinations(rules, 2):
                if a.doc.get("version_of") and a.doc.get("version_of") == b.doc.get("version_of"):
                    continue  # versions: the family check decides
                if self._sequenced(a, b) or _bounds(a.duty) == _bounds(b.duty):
                    continue
                both = self._together(a.id, b.id)
                if both is not None:
                    self.add("ambiguous-deadline", ERROR,
                             f"`{a.id}` and `{b.id}` give the duty `{_describe(a.duty)}` different deadlines",
                             [a.id, b.id], span=a.duty.span, counterexample=both,
                             hint=f"make them versions of one family, or declare "
                                  f"`lint: {{sequence_after: {a.id}}}` on `{b.id}` if it is a later duty")

    def _duties(self) -> list:
        """The rules that put a duty on someone; a legal effect's condition is not a deadline to meet."""
        return [rule for rule in self.book.rules if rule.kind == "duty"]

    def _sequenced(self, a, b) -> bool:
        return b.doc.get("lint", {}).get("sequence_after") == a.id or a.doc.get("lint", {}).get("sequence_after") == b.id

    def _together(self, *rule_ids):
        """A witness on which all the rules apply, or None."""
        for i, day in self.witnesses():
            if set(rule_ids) <= self.applying(i, day):
                return self.example(i, day)
        return None

    def sequences(self):
        for rule in self.book.rules:
            before = rule.doc.get("lint", {}).get("sequence_after")
            if before is None:
                continue
            other = self.by_id.get(before)
            if other is None:
                self.add("sequence", ERROR, f"`{rule.id}` is declared after unknown rule `{before}`", [rule.id])
                continue
            if _duty_key(rule.duty) != _duty_key(other.duty) or not _opens_after(rule.duty, other.duty):
                self.add("sequence", ERROR, f"`{rule.id}` is declared a later duty than `{before}`, but its window "
                                            f"does not start where that one's deadline falls", [rule.id, before],
                         span=rule.duty.span, hint="the later duty's window opens at or after the earlier deadline",
                         counterexample={f"{before} due": _written(_closes(other.duty)),
                                         f"{rule.id} opens": _written(rule.duty.start if isinstance(rule.duty, ast.Window) else None)})

    # ------------------------------------------------------------ simple temporal network
    def temporal_network(self):
        edges = []  # (from, to, weight, rule id): time(to) - time(from) <= weight
        for rule in self._duties():
            edges += _constraints(rule, self.book)
        nodes = sorted({e[0] for e in edges} | {e[1] for e in edges})
        if not nodes:
            return
        cycle = _negative_cycle(nodes, edges)
        if cycle is None:
            return
        rules = sorted({e[3] for e in cycle})
        both = self._together(*rules)
        if both is None:
            return  # the rules never apply to one person together
        slack = -sum(e[2] for e in cycle)
        start = _dt.date.fromisoformat(both["registered"]) if both.get("registered") else _TYPICAL
        steps, day = [f"{cycle[0][0]} {start.isoformat()}"], start
        for u, v, w, rid in cycle:
            day += _dt.timedelta(days=w)
            steps.append(f"{v} by {day.isoformat()} ({rid}: {_bound_text(u, v, w)})")
        self.add("impossible-deadlines", ERROR,
                 f"the deadlines of {', '.join(rules)} cannot all be met: they fall {slack} day(s) short",
                 rules, span=self.by_id[rules[0]].duty.span,
                 counterexample={**both, "chain": " -> ".join(steps) + f", {slack} day(s) before itself"},
                 hint="loosen one of the deadlines, or give the rules different anchors")

    # ------------------------------------------------------------ rules that never apply, are never met or broken
    def vacuous(self):
        reached = set()
        for i, day in self.witnesses():
            reached |= self.applying(i, day)
        for rule in self.book.rules:
            if rule.id not in reached:
                self.add("never-applies", WARNING, f"`{rule.id}` applies to no person on any date",
                         [rule.id], span=(rule.applies.span if rule.applies is not None else rule.span),
                         counterexample={"tried": f"{self._count()} persons and dates"},
                         hint="check `applies` against `valid` and the family's domain")
                continue
            self._never_met_or_broken(rule)

    def _count(self) -> int:
        return len(self.persons) * len(self.dates)

    def _never_met_or_broken(self, rule):
        duty = rule.duty
        if isinstance(duty, ast.EachLasts) and _days(duty.at_most, self.book, high=True) == 0:
            self.add("never-met", WARNING, f"`{rule.id}` is broken by every `{duty.target.event}`: it may last 0 days",
                     [rule.id], span=duty.span, counterexample={duty.target.event: "any, even of 1 day"},
                     hint="if the rule only states when payment stops, explain the warning in `lint.explained`")
        if isinstance(duty, ast.Never):
            return
        if isinstance(duty, ast.Window):
            lo, hi = _days(duty.start, self.book, high=False), _days(duty.end, self.book, high=True)
            if lo > hi:
                self.add("never-met", WARNING, f"`{rule.id}`'s window opens after it closes", [rule.id],
                         span=duty.span, counterexample={"opens": f"{lo} days", "closes": f"{hi} days"},
                         hint="swap the two durations")
        if isinstance(duty, (ast.Deadline, ast.Window)) and isinstance(duty.target, ast.Match) \
                and duty.target.event == duty.anchor.event and duty.target.where is None and not duty.anchor.first:
            self.add("never-broken", WARNING, f"`{rule.id}` is met by its own anchor", [rule.id], span=duty.span,
                     counterexample={duty.anchor.event: "any"}, hint="did you mean `first` or a `where` on the target?")
        if isinstance(duty, ast.EachEvent):
            spec = self.book.events.get(duty.target.event, {})
            try:
                outcomes = {_holds(duty.condition, values) for values in _field_assignments(duty.condition, spec)}
            except _Undecided:  # numbers in the condition: a solver decides, when installed
                outcomes = _solve(duty.condition, spec)
                if outcomes is None:
                    self.add("undecided", NOTE, f"`{rule.id}`'s condition on numbers was not checked: the solver "
                             "z3 is not installed", [rule.id], span=duty.span,
                             hint=f"install the lint extra: {install_command('lint')}")
                    outcomes = set()
            if outcomes == {False}:
                self.add("never-met", WARNING, f"no `{duty.target.event}` can meet `{rule.id}`'s condition", [rule.id],
                         span=duty.span, counterexample={duty.target.event: "any"},
                         hint="the condition contradicts itself for every value of its fields")
            elif outcomes == {True}:
                self.add("never-broken", WARNING, f"every `{duty.target.event}` meets `{rule.id}`'s condition",
                         [rule.id], span=duty.span, counterexample={duty.target.event: "any"},
                         hint="the condition allows every value of its fields; is a value missing from the vocabulary?")


# ====================================================================== helpers
def _born(day: _dt.date, age: int) -> _dt.date:
    try:
        return day.replace(year=day.year - age) - _dt.timedelta(days=1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - age, day=28) - _dt.timedelta(days=1)


def _with_required(document: dict, person_spec: dict) -> dict:
    """Fill required person facts a witness does not vary with a value of their type."""
    person = document["person"]
    for name, spec in person_spec.items():
        if name in person or "default" in spec or spec.get("required") is False:
            continue
        values = _fact_values(spec)
        if values:
            person[name] = values[0]
        elif spec["type"] == "date":
            person[name] = "1980-01-01"
        elif spec["type"] in ("number", "integer"):
            person[name] = 0
        else:
            person[name] = "x"
    return document


def _durations(node) -> list:
    out = []
    for value in _walk(node):
        if isinstance(value, ast.Duration) and isinstance(value.amount, ast.Number):
            out.append((value.amount.value, value.unit))
    return out


def _params(node) -> list:
    return [v.name for v in _walk(node) if isinstance(v, (ast.Param, ast.ParamDuration))]


def _units(value) -> set:
    parts = value if isinstance(value[0], tuple) else (value,)
    return {unit for _, unit in parts}


def _walk(node):
    yield node
    if isinstance(node, ast.Node):
        for name in node.__dataclass_fields__:
            if name == "span":
                continue
            child = getattr(node, name)
            for item in (child if isinstance(child, tuple) else (child,)):
                if isinstance(item, ast.Node):
                    yield from _walk(item)


def _first_ambiguous(months: int) -> _dt.date:
    day = _dt.date(2024, 1, 1)
    while True:
        try:
            add_months(day, months, "refuse")
        except AmbiguousDate:
            return day
        day += _dt.timedelta(days=1)


def _target_month(day: _dt.date, months: int) -> str:
    index = day.year * 12 + day.month - 1 + months
    return _dt.date(index // 12, index % 12 + 1, 1).strftime("%B %Y")


def _bound_text(u: str, v: str, w: int) -> str:
    return f"{v} at most {w} days after {u}" if w >= 0 else f"{u} at least {-w} days after {v}"


def _duty_key(duty):
    """What a deadline duty is about: its anchor and its target, as written."""
    if not isinstance(duty, (ast.Deadline, ast.Window, ast.Before, ast.ByDate)):
        return None
    anchor = (duty.anchor.event, duty.anchor.field, duty.anchor.first, repr(duty.anchor.where))
    target = repr(duty.target)
    return anchor, target, getattr(duty, "clock", None)


def _describe(duty) -> str:
    target = duty.target.target if isinstance(duty.target, ast.LaterTarget) else duty.target
    name = f"{target.event}.{target.field}" if isinstance(target, ast.FieldTarget) else target.event
    return f"{name} after {duty.anchor.event}"


def _bounds(duty):
    """(earliest, latest) of a deadline duty's window as (min days, max days), None where open."""
    if isinstance(duty, ast.Deadline):
        return (0, 0), _span_days(duty.offset)
    if isinstance(duty, ast.Window):
        return _span_days(duty.start), _span_days(duty.end)
    return None, None


def _closes(duty):
    return duty.end if isinstance(duty, ast.Window) else getattr(duty, "offset", None)


def _written(node) -> str:
    if isinstance(node, ast.Duration) and isinstance(node.amount, ast.Number):
        return f"{node.amount.value} {node.unit.replace('_', ' ')}(s) after the anchor"
    if isinstance(node, ast.ParamDuration):
        return f"${node.name} after the anchor"
    return "at the anchor"


def _opens_after(later, earlier) -> bool:
    """Does the later duty's window open at or after the earlier one's deadline?"""
    closes = _closes(earlier)
    opens = later.start if isinstance(later, ast.Window) else None
    if opens is None or closes is None:
        return False
    if opens == closes:  # the same duration, written the same way
        return True
    low, high = _span_days(opens), _span_days(closes)
    return low is not None and high is not None and low[0] >= high[1]


def _span_days(node):
    if isinstance(node, ast.Duration) and isinstance(node.amount, ast.Number):
        low, high = _DAYS[node.unit]
        return node.amount.value * low, node.amount.value * high
    return None


def _days(node, book, high: bool) -> int:
    if isinstance(node, ast.ParamDuration):
        value = book.parameters[node.name][0][1]
        parts = value if isinstance(value[0], tuple) else (value,)
    else:
        parts = ((node.amount.value, node.unit),) if isinstance(node.amount, ast.Number) else ()
    return sum(n * _DAYS[u][1 if high else 0] for n, u in parts)


def _constraints(rule, book) -> list:
    """Difference constraints of a deadline duty: time(to) - time(from) <= weight, in days.

    Each event type stands for its first occurrence after the anchor.  Upper
    bounds take the longest a unit can be and lower bounds the shortest, so a
    negative cycle means no calendar can meet the deadlines; a deadline on a
    clock has no upper bound (the clock may stop).
    """
    duty = rule.duty
    if not isinstance(duty, (ast.Deadline, ast.Window)) or not isinstance(duty.target, ast.Match):
        return []
    a, x = duty.anchor.event, duty.target.event
    if a == x:
        return []
    out = []
    if isinstance(duty, ast.Window):
        lo = _days(duty.start, book, high=False)
        out.append((x, a, -lo, rule.id))  # a - x <= -lo, i.e. x - a >= lo
    else:
        out.append((x, a, 0, rule.id))
    if duty.clock is None:
        out.append((a, x, _days(duty.end if isinstance(duty, ast.Window) else duty.offset, book, high=True), rule.id))
    return out


def _negative_cycle(nodes, edges):
    """Bellman-Ford from a virtual source; the edges of a negative cycle, or None."""
    dist = {n: 0 for n in nodes}
    parent = {n: None for n in nodes}
    changed = None
    for _ in range(len(nodes)):
        changed = None
        for u, v, w, rid in edges:
            if dist[u] + w < dist[v]:
                dist[v] = dist[u] + w
                parent[v] = (u, v, w, rid)
                changed = v
        if changed is None:
            return None
    node = changed
    for _ in range(len(nodes)):  # step back into the cycle
        node = parent[node][0]
    cycle, current = [], node
    while True:
        edge = parent[current]
        cycle.append(edge)
        current = edge[0]
        if current == node:
            break
    return list(reversed(cycle))


def _field_assignments(condition, spec):
    """Every assignment of the enum and boolean fields a condition mentions."""
    names = sorted({n.subject.name for n in _walk(condition)
                    if isinstance(n, (ast.Compare, ast.Member)) and isinstance(n.subject, ast.FieldRef)})
    fields = spec.get("fields", {})
    domains = []
    for name in names:
        values = _fact_values(fields[name]) if name in fields else []
        if not values or fields[name]["type"] not in ("enum", "boolean"):
            raise _Undecided  # numbers and dates: not decided by enumeration
        domains.append(values)
    return [dict(zip(names, combo)) for combo in itertools.product(*domains)]


def _solve(condition, spec) -> set:
    """The truth values ``condition`` can take over its fields' domains, decided by z3
    (the optional extra ``lint``); empty when a field is a date, None when z3 is missing."""
    try:
        import z3
    except ImportError:
        return None
    fields = spec.get("fields", {})
    variables, domain = {}, []

    def var(name):
        if name not in variables:
            fspec = fields.get(name)
            if fspec is None or fspec["type"] in ("date", "text"):
                raise _Undecided
            if fspec["type"] == "boolean":
                variables[name] = z3.Bool(name)
            elif fspec["type"] == "number":
                variables[name] = z3.Real(name)
            else:  # integer, or an enum as the index of its value
                variables[name] = z3.Int(name)
                if fspec["type"] == "enum":
                    domain.append(z3.And(variables[name] >= 0, variables[name] < len(fspec["values"])))
        return variables[name]

    def const(name, literal):
        fspec = fields[name]
        if fspec["type"] == "enum":
            return fspec["values"].index(literal.value)
        if literal.kind == "param":
            raise _Undecided
        return literal.value

    def encode(node):
        if isinstance(node, ast.All):
            return z3.And(*[encode(i) for i in node.items])
        if isinstance(node, ast.Any):
            return z3.Or(*[encode(i) for i in node.items])
        if isinstance(node, ast.Not):
            return z3.Not(encode(node.item))
        if isinstance(node, ast.Member) and isinstance(node.subject, ast.FieldRef):
            x = var(node.subject.name)
            return z3.Or(*[x == const(node.subject.name, v) for v in node.values])
        if isinstance(node, ast.Compare) and isinstance(node.subject, ast.FieldRef):
            x, c = var(node.subject.name), const(node.subject.name, node.value)
            return {"eq": x == c, "ne": x != c, "lt": x < c, "le": x <= c, "gt": x > c, "ge": x >= c}[node.op]
        raise _Undecided

    try:
        formula = encode(condition)
    except _Undecided:
        return set()
    outcomes = set()
    for value, goal in ((True, formula), (False, z3.Not(formula))):
        solver = z3.Solver()
        solver.add(*domain, goal)
        if solver.check() == z3.sat:
            outcomes.add(value)
    return outcomes


class _Undecided(Exception):
    """A condition the enum-and-boolean check cannot decide (numbers, dates)."""


def _holds(node, values: dict) -> bool:
    if isinstance(node, ast.All):
        return all(_holds(i, values) for i in node.items)
    if isinstance(node, ast.Any):
        return any(_holds(i, values) for i in node.items)
    if isinstance(node, ast.Not):
        return not _holds(node.item, values)
    if isinstance(node, ast.Member):
        return values[node.subject.name] in [v.value for v in node.values]
    if isinstance(node, ast.Compare) and node.op in ("eq", "ne"):
        same = values[node.subject.name] == node.value.value
        return same if node.op == "eq" else not same
    raise _Undecided
