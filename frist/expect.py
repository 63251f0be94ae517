"""Expected reports: a timeline against the report worked out for it by hand.

A *case* is an expected report ``<name>.expected.yaml`` with its timeline ``<name>.yaml`` beside
it (the personas in ``examples/``).  The expected report gives the check date and lists results
and dagpenge runs::

    as_of: 2024-08-04
    results:
      - rule: book-meeting
        instance: booking_requested 2024-01-15
        status: violated
        deadline: 2024-01-22
        violated_since: 2024-01-23
        why: "overview §5: ...; window [01-15, 01-22]; booked only 01-30"
    benefit:
      - {from: 2024-01-08, to: 2024-01-22, payable: true}

:func:`compare` checks the timeline and returns an :class:`Outcome` whose ``differences`` say how
the checker disagrees with the expectation:

* every listed (rule, instance) must be a result, with the listed ``status`` and, where listed,
  ``deadline``, ``violated_since``, ``in_force_from`` and ``fulfilled_by`` (``null``: none);
* every violation the checker finds must be listed;
* the dagpenge runs, adjacent runs with the same payability joined, must be the listed ones.

``frist test`` and ``tests/test_personas.py`` both compare through this module, so they cannot
disagree.  An expected report that cannot be read, or that names a rule the rule book does not
have, raises :class:`ExpectationError` with every problem in the file, located.

>>> merge_runs([("2024-01-01", "2024-01-05", True), ("2024-01-06", "2024-01-09", True),
...             ("2024-01-10", "2024-01-10", False)])
[('2024-01-01', '2024-01-09', True), ('2024-01-10', '2024-01-10', False)]
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from .dates import DateError, parse_date
from .errors import Collector, Diagnostic, FristError, Span, did_you_mean
from .report import STATUSES, Report, check, in_force_from
from .source import Sequence, key_span, read_file, span_of

SUFFIX = ".expected.yaml"
TIMELINE_SUFFIXES = (".yaml", ".yml", ".json")
FIELDS = ("status", "deadline", "violated_since", "in_force_from", "fulfilled_by")
"""What an expected item compares, in the order they are written."""
DATE_FIELDS = ("deadline", "violated_since", "in_force_from")
ITEM_KEYS = ("rule", "instance", *FIELDS, "why")
TOP_KEYS = ("as_of", "results", "benefit")
RUN_KEYS = ("from", "to", "payable")


class ExpectationError(FristError):
    """An expected report, or the files of a case, cannot be read (exit code 2)."""


@dataclass(frozen=True, slots=True)
class Difference:
    """One way in which the checker disagrees with an expected report.

    ``kind`` is ``value`` (a listed field differs), ``missing`` (a listed instance is no result),
    ``unexpected`` (a violation that is not listed) or ``benefit`` (the dagpenge runs differ;
    ``expected`` and ``actual`` are then lists of (from, to, payable)).  ``span`` is where the
    expectation stands in the expected report (the field's value, the item, or the benefit list).
    """

    kind: str
    rule: str | None
    instance: str | None
    field: str | None
    expected: object
    actual: object
    why: str | None = None
    span: Span | None = dataclasses.field(default=None, compare=False)

    def __str__(self) -> str:
        where = f"{self.span}: " if self.span else ""
        if self.kind == "benefit":
            return f"{where}benefit runs: expected {self.expected}, actual {self.actual}"
        head = f"{where}{self.rule} / {self.instance}"
        if self.kind == "missing":
            return f"{head}: no such result; the rule's instances: {', '.join(self.actual) or 'none'}"
        if self.kind == "unexpected":
            return f"{head}: violated since {self.actual['violated_since']}, but not listed"
        return f"{head}: {self.field} expected {_show(self.expected)}, actual {_show(self.actual)}"


@dataclass
class Outcome:
    """A case compared: the expectation as read (located), the checker's report, and the differences."""

    expected_path: Path
    timeline_path: Path
    expectation: dict
    text: str
    report: Report
    differences: list
    titles: dict  # rule id -> title ({da, en}), for rules named in the differences

    @property
    def passed(self) -> bool:
        return not self.differences

    def __str__(self) -> str:
        return "\n".join(str(d) for d in self.differences) or f"{self.expected_path}: as expected"


def compare(module: ModuleType, timeline_path, expected_path, only=()) -> Outcome:
    """Check ``timeline_path`` with the compiled rule book ``module`` on the expected report's ``as_of``,
    and compare the report with ``expected_path``.  ``only`` (:class:`Selector` s) limits the comparison
    to the items they choose, and leaves the benefit runs out."""
    expected_path, timeline_path = Path(expected_path), Path(timeline_path)
    expectation, text = read_expectation(expected_path, module)
    report = check(timeline_path, rules=module, as_of=expectation["as_of"])
    found = [d for d in differences(report, expectation)
             if not only or (d.kind != "benefit" and selected(only, d.rule, d.instance))]
    titles = {r.id: r.title for r in module.RULES if r.id in {d.rule for d in found}}
    return Outcome(expected_path, timeline_path, expectation, text, report, found, titles)


def differences(report: Report, expectation: dict) -> list:
    """How ``report`` differs from a read expectation, listed items first (in the file's order),
    then the violations not listed, then the benefit runs."""
    actual = {(r.rule.id, r.instance): r for r in report.results}
    found = []
    for item in expectation["results"]:
        key = (item["rule"], item["instance"])
        result = actual.get(key)
        if result is None:
            others = [r.instance for r in report.results if r.rule.id == key[0]]
            found.append(Difference("missing", *key, None, item["status"], others, item.get("why"), span_of(item)))
            continue
        values = actual_values(result)
        for name in FIELDS:
            if name in item and _expected_value(item[name]) != values[name]:
                found.append(Difference("value", *key, name, _expected_value(item[name]), values[name],
                                        item.get("why"), span_of(item, name)))
    listed = {(i["rule"], i["instance"]) for i in expectation["results"]}
    for key, result in actual.items():
        if result.status == "violated" and key not in listed:
            found.append(Difference("unexpected", *key, None, None, actual_values(result)))
    want = merge_runs(listed_runs(expectation))
    runs = benefit_runs(report)
    if runs != want:
        found.append(Difference("benefit", None, None, None, want, runs,
                                span=span_of(expectation, "benefit") or span_of(expectation)))
    return found


def actual_values(result) -> dict:
    """The compared fields of a result, as an expected report writes them (dates as text)."""
    return {"status": result.status, "deadline": _iso(result.deadline),
            "violated_since": _iso(result.violated_since), "in_force_from": in_force_from(result),
            "fulfilled_by": [e.date.isoformat() for e in result.fulfilled_by]}


def benefit_runs(report: Report) -> list:
    """The report's dagpenge runs as (from, to, payable), adjacent runs with the same payability joined."""
    return merge_runs((str(p["from"]), str(p["to"]), p["payable"]) for p in report.benefit["periods"])


def merge_runs(runs) -> list:
    """Adjacent runs with the same payability, joined (the reasons may differ inside a joined run)."""
    return [run for run, _ in run_groups(runs)]


def run_groups(runs) -> list:
    """Each joined run with the positions of the runs it joins: [((from, to, payable), [i, ...]), ...]."""
    out = []
    for i, (start, end, payable) in enumerate(runs):
        if out and out[-1][0][2] == payable:
            out[-1] = ((out[-1][0][0], end, payable), out[-1][1] + [i])
        else:
            out.append(((start, end, payable), [i]))
    return out


def listed_runs(expectation: dict) -> list:
    """The expected report's benefit runs as (from, to, payable), as listed."""
    return [(str(run["from"]), str(run["to"]), run["payable"]) for run in expectation.get("benefit") or ()]


def _expected_value(value):
    return [str(v) for v in value] if isinstance(value, list) else None if value is None else str(value)


def _iso(value):
    return None if value is None else value.isoformat()


def _show(value) -> str:
    if value is None:
        return "none"
    if isinstance(value, list):
        return "[" + ", ".join(value) + "]"
    return str(value)


# ====================================================================== reading an expected report
def read_expectation(path, module: ModuleType) -> tuple:
    """The expected report at ``path`` (located values) and its text; every problem in it is raised
    together as an :class:`ExpectationError`, each at its place with a hint."""
    document, text = read_file(path)
    errors = Collector(ExpectationError)
    if not isinstance(document, dict):
        errors.add("an expected report is a mapping with `as_of`, `results` and `benefit`", span_of(document))
        errors.raise_if_any()
    _known_keys(errors, document, TOP_KEYS, "the expected report")
    for key in ("as_of", "results"):
        if key not in document:
            errors.add(f"`{key}` is missing", span_of(document),
                       hint="as_of: the day to check on; results: the expected results")
    if "as_of" in document:
        _date(errors, document, "as_of")
    rules = {r.id for r in module.RULES}
    seen = {}
    for i, item in enumerate(_list(errors, document, "results")):
        where = span_of(document["results"], i)
        if not isinstance(item, dict):
            errors.add("a result is a mapping with `rule`, `instance`, `status` and `why`", where)
            continue
        _read_item(errors, item, where, rules)
        key = (item.get("rule"), item.get("instance"))
        if key in seen:
            errors.add(f"`{key[0]}` / `{key[1]}` is listed twice", where, hint=f"first listed at {seen[key]}")
        seen.setdefault(key, where)
    for i, run in enumerate(_list(errors, document, "benefit")):
        where = span_of(document["benefit"], i)
        if not isinstance(run, dict):
            errors.add("a benefit run is a mapping {from, to, payable}", where)
            continue
        _known_keys(errors, run, RUN_KEYS, "a benefit run")
        for key in RUN_KEYS:
            if key not in run:
                errors.add(f"the benefit run has no `{key}`", where, hint="write {from: DAY, to: DAY, payable: true}")
        for key in ("from", "to"):
            if key in run:
                _date(errors, run, key)
        if "payable" in run and not isinstance(run["payable"], bool):
            errors.add("`payable` is true or false", span_of(run, "payable"))
    errors.raise_if_any()
    if document["results"] is None:  # `results:` and nothing yet: a new case
        document["results"] = _empty(span_of(document, "results"))
    return document, text


def _empty(span: Span) -> Sequence:
    empty = Sequence()
    empty.span, empty.spans = span, []
    return empty


def _read_item(errors: Collector, item: dict, where: Span, rules: set) -> None:
    _known_keys(errors, item, ITEM_KEYS, "a result")
    for key in ("rule", "instance", "status", "why"):
        if key not in item:
            errors.add(f"the result has no `{key}`", where,
                       hint="every expected result names its rule, instance and status, and says why")
        elif not isinstance(item[key], str):
            errors.add(f"`{key}` is text", span_of(item, key), hint='quote it: "..."')
    rule = item.get("rule")
    if isinstance(rule, str) and rule not in rules:
        errors.add(f"unknown rule `{rule}`", span_of(item, "rule"),
                   hint=did_you_mean(rule, rules) or "the rule book has no rule of that id")
    status = item.get("status")
    if isinstance(status, str) and status not in STATUSES:
        errors.add(f"unknown status `{status}`", span_of(item, "status"), hint=did_you_mean(status, STATUSES))
    for key in DATE_FIELDS:
        if item.get(key) is not None:
            _date(errors, item, key)
    if "fulfilled_by" in item:
        days = item["fulfilled_by"]
        if not isinstance(days, list):
            errors.add("`fulfilled_by` is a list of days", span_of(item, "fulfilled_by"),
                       hint="e.g. fulfilled_by: [2024-03-15]")
        else:
            for i in range(len(days)):
                _date(errors, days, i)


def _known_keys(errors: Collector, mapping: dict, known: tuple, what: str) -> None:
    for key in mapping:
        if key not in known:
            errors.add(f"unknown key `{key}` in {what}", key_span(mapping, key),
                       hint=did_you_mean(key, known))


def _list(errors: Collector, document: dict, key: str) -> list:
    value = document.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        errors.add(f"`{key}` is a list", span_of(document, key))
        return []
    return value


def _date(errors: Collector, container, key) -> None:
    value = container[key]
    try:
        parse_date(value if isinstance(value, str) else str(value))
    except DateError as exc:
        errors.add(str(exc), span_of(container, key), hint=exc.hint)


# ====================================================================== finding the cases
@dataclass(frozen=True, slots=True)
class Case:
    """An expected report and the timeline beside it."""

    expected: Path
    timeline: Path


@dataclass
class Cases:
    """What ``frist test PATHS`` names: the cases, the timelines without an expected report, and the
    expected reports without a timeline (each an error)."""

    cases: list
    untested: list
    errors: list


def timeline_of(expected: Path) -> Path | None:
    """The timeline beside an expected report ``<name>.expected.yaml``: ``<name>.yaml`` (or .yml, .json)."""
    stem = expected.name[: -len(SUFFIX)]
    for suffix in TIMELINE_SUFFIXES:
        candidate = expected.with_name(stem + suffix)
        if candidate.is_file():
            return candidate
    return None


def expected_of(timeline: Path) -> Path:
    return timeline.with_name(timeline.name[: -len(timeline.suffix)] + SUFFIX)


def find_cases(paths) -> Cases:
    """The cases named by ``paths``: an expected report or a timeline names its case, a folder every case
    in it (and in its subfolders).  A timeline in a folder without an expected report is *untested*; a
    named timeline without one, and an expected report without its timeline, are errors."""
    found = Cases([], [], [])
    seen = set()

    def add(expected: Path) -> None:
        if expected in seen:
            return
        seen.add(expected)
        timeline = timeline_of(expected)
        if timeline is None:
            stem = expected.name[: -len(SUFFIX)]
            found.errors.append(ExpectationError(Diagnostic(
                f"no timeline `{stem}.yaml` beside this expected report", Span(str(expected), 1, 1),
                hint=f"an expected report `{stem}{SUFFIX}` is compared with the timeline `{stem}.yaml` "
                     "in the same folder")))
        else:
            found.cases.append(Case(expected, timeline))

    for path in map(Path, paths):
        if path.is_dir():
            files = sorted(p for p in path.rglob("*") if p.is_file()
                           and not any(part.startswith(".") for part in p.relative_to(path).parts))
            for file in files:
                if file.name.endswith(SUFFIX):
                    add(file)
                elif file.suffix in TIMELINE_SUFFIXES and not expected_of(file).is_file():
                    found.untested.append(file)
        elif path.name.endswith(SUFFIX) and path.is_file():
            add(path)
        elif path.suffix in TIMELINE_SUFFIXES and path.is_file():
            if expected_of(path).is_file():
                add(expected_of(path))
            else:
                found.errors.append(ExpectationError(Diagnostic(
                    f"no expected report `{expected_of(path).name}` beside this timeline", Span(str(path), 1, 1),
                    hint="write the results worked out by hand into it (see the README: Testing the rule book)")))
        else:
            found.errors.append(_no_file(path))
    return found


def _no_file(path: Path) -> ExpectationError:
    hint = "name an expected report `<name>.expected.yaml`, its timeline `<name>.yaml`, or a folder"
    reason = "no such file or folder" if not path.exists() else "neither an expected report nor a timeline"
    return ExpectationError(Diagnostic(f"{reason}", Span(str(path), 1, 1), hint=hint))


# ====================================================================== choosing items (--only)
@dataclass(frozen=True, slots=True)
class Selector:
    """``RULE`` or ``RULE:INSTANCE``: the items of one rule, or one item.

    >>> Selector.parse("cv-on-jobnet:registered 2024-01-08").selects("cv-on-jobnet", "registered 2024-01-08")
    True
    >>> Selector.parse("cv-on-jobnet").selects("cv-approval", "registered 2024-01-08")
    False
    """

    rule: str
    instance: str | None = None

    @classmethod
    def parse(cls, text: str) -> Selector:
        rule, _, instance = text.partition(":")
        return cls(rule.strip(), instance.strip() or None)

    def selects(self, rule: str, instance: str) -> bool:
        return rule == self.rule and self.instance in (None, instance)

    def __str__(self) -> str:
        return self.rule + (f":{self.instance}" if self.instance else "")


def selected(selectors, rule: str, instance: str) -> bool:
    """Whether an item is chosen: every item when there are no selectors."""
    return not selectors or any(s.selects(rule, instance) for s in selectors)
