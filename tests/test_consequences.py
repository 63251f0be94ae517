"""Consequences as the law states them, on the shipped rule book.

The scenarios in ``tests/consequences/`` (a timeline and its expected report each) were derived from
the quoted source lines and the README's semantics without the checker; each covers one cause:
legal effects apart from breaches, sanctions bounded as their sources bound them, bounds that
include or exclude their value, sanctions that change the person's state, quarantines and
karensdage on days that would otherwise be paid.  An expected report is partial: the results it
lists must match, every day of each listed range must have its payability, and ``violations:
none`` means the person breaks no duty at all.

The properties below hold for generated timelines: a person deregistered by a sanction has no
duty of a ``while registered`` rule falling due while deregistered; the evaluation order puts
every rule after the rules that change what it reads.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given

import frist
from frist import ast, order

from conftest import RULES
from helpers import expected_report, payability, result_problems
from test_properties import _bind_module, _module, cases, examples  # noqa: F401 - the fixture binds the rule book

SCENARIOS = Path(__file__).resolve().parent / "consequences"
EXPECTED = sorted(SCENARIOS.glob("*.expected.yaml"))


def _day(value) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


@pytest.mark.parametrize("expected_path", EXPECTED, ids=lambda p: p.name.split(".")[0])
def test_scenario(module, expected_path):
    expected, report = expected_report(module, expected_path)
    problems = result_problems(report, expected.get("results", []))
    if expected.get("violations") == "none" and report.violations():
        problems.append("violations, expected none: " + ", ".join(f"{r.rule.id} {r.instance}"
                                                                   for r in report.violations()))
    payable = payability(report)
    for span in expected.get("days", []):
        day = _day(span["from"])
        while day <= _day(span["to"]):
            if payable.get(day) is not span["payable"]:
                problems.append(f"{day}: payable {payable.get(day)}, expected {span['payable']} "
                                f"({span.get('why', '')})")
            day += dt.timedelta(days=1)
    assert not problems, "\n".join(problems)


def test_every_scenario_has_its_expected_report():
    timelines = {p.name for p in SCENARIOS.glob("*.yaml") if not p.name.endswith(".expected.yaml")}
    assert timelines and timelines == {p.name.replace(".expected.yaml", ".yaml") for p in EXPECTED}


def test_the_shipped_rule_book_has_a_duty_and_a_legal_effect_of_each_cause(module):
    kinds = {r.id: r.kind for r in module.RULES}
    assert {kinds[r] for r in ("karensdag", "holiday-unpaid", "sick-days-paid", "graduate-waiting-month",
                               "benefit-period-hours-fulltime", "long-sickness-assessment",
                               "repeated-sick-cancellations")} == {"effect"}
    assert {kinds[r] for r in ("report-sickness", "attend-meetings", "cancel-meetings-lawfully", "course-hours",
                               "book-meeting", "job-suggestions", "quarantine-self-inflicted")} == {"duty"}


# ---------------------------------------------------------------------------- the order of evaluation

def test_every_rule_comes_after_the_rules_that_change_what_it_reads():
    book = frist.load_rulebook(RULES)
    analysis = order.analyse(book)
    position = {rule.id: n for n, rule in enumerate(analysis.order)}
    for writer, wrote in analysis.writes.items():
        for reader, read in analysis.reads.items():
            if reader != writer and wrote & read and analysis.settle.get(reader) != "ledger":
                assert position[writer] < position[reader], (writer, reader, wrote & read)
    assert analysis.cycles == []
    assert [r.id for r in analysis.order[-6:]] == sorted(
        (r.id for r in book.rules if isinstance(r.duty, ast.Consumption)), key=position.get)
    assert analysis.settle["benefit-period-hours-fulltime"] == "ledger"
    assert "job-suggestions" not in analysis.settle  # a recurring duty settles its own deregistrations in time


def _while_registered() -> set:
    """The duties owed for time spent registered: every N days, or N a week, while registered."""
    book = frist.load_rulebook(RULES)
    return {r.id for r in book.rules if isinstance(r.duty, (ast.Recurring, ast.Quota)) and r.duty.state == "registered"}


@examples(0.4)  # ci: 100
@given(case=cases(horizon=600))
def test_no_duty_while_registered_falls_due_while_a_sanction_has_deregistered_the_person(module, case):
    document, as_of = case
    report = frist.check(document, rules=module, as_of=as_of)
    deregistered = [(_day(a["from"]), _day(a["to"]) if a["to"] else dt.date.max)
                    for r in report.results for a in r.actions if a["action"] == "deregistration"]
    owed = _while_registered()
    for r in report.results:
        if r.rule.id in owed and r.status in ("violated", "pending", "fulfilled") and r.deadline:
            for first, last in deregistered:
                assert not first <= r.deadline <= last, (
                    f"{r.rule.id} {r.instance} falls due {r.deadline}, while deregistered {first}..{last}")
