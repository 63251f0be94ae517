"""Persona timelines in examples/ against their expected reports.

Each ``examples/<persona>.expected.yaml`` was worked out by hand from the
sources (each item says why); the checker must agree with it:

* every listed result matches an actual result with the same rule and instance;
* every violation the checker finds is listed;
* the day-by-day benefit status equals the listed runs.
"""

from pathlib import Path

import pytest

import frist
from frist.source import read_file

from helpers import expected_report, result_problems

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
PERSONAS = sorted(p for p in EXAMPLES.glob("*.expected.yaml"))


@pytest.mark.parametrize("expected_path", PERSONAS, ids=lambda p: p.name.split(".")[0])
def test_persona(module, expected_path):
    expected, report = expected_report(module, expected_path)
    actual = {(r.rule.id, r.instance): r for r in report.results}
    problems = result_problems(report, expected["results"])
    listed = {(i["rule"], i["instance"]) for i in expected["results"]}
    for key, result in actual.items():
        if result.status == "violated" and key not in listed:
            problems.append(f"{key}: violated since {result.violated_since}, but not expected")
    runs = _merge([(p["from"], p["to"], p["payable"]) for p in report.benefit["periods"]])
    want = _merge([(str(p["from"]), str(p["to"]), p["payable"]) for p in expected.get("benefit", [])])
    if runs != want:
        problems.append(f"benefit runs differ:\n  actual   {runs}\n  expected {want}")
    assert not problems, "\n".join(problems)


def _merge(runs):
    """Adjacent runs with the same payability, joined (reasons may differ inside)."""
    out = []
    for start, end, payable in runs:
        if out and out[-1][2] == payable:
            out[-1] = (out[-1][0], end, payable)
        else:
            out.append((start, end, payable))
    return out


def test_there_are_enough_personas():
    assert len(PERSONAS) >= 20


def test_the_examples_readme_describes_every_persona():
    text = (EXAMPLES / "README.md").read_text("utf-8")
    names = [p.name.split(".")[0] for p in PERSONAS]
    assert [n for n in names if f"| `{n}` |" not in text] == []


# rules no persona reaches, each with the test that exercises it instead
ONLY_IN_CONSTRUCT_TESTS = {
    "side-business-limit": "needs 78 weeks of a side business; tested in test_constructs_full.py",
    "graduate-waiting-month-other": "a graduate of a vocational education; tested in test_constructs_full.py",
}


def test_every_rule_is_exercised_by_a_persona(module):
    reached = set()
    for path in PERSONAS:
        expected, _ = read_file(path)
        timeline = path.with_name(path.name.replace(".expected.yaml", ".yaml"))
        report = frist.check(timeline, rules=module, as_of=expected["as_of"])
        reached |= {r.rule.id for r in report.results if r.status != "not_applicable"}
    missing = {r.id for r in module.RULES} - reached - set(ONLY_IN_CONSTRUCT_TESTS)
    assert not missing, f"no persona reaches: {sorted(missing)}"
    assert not reached & set(ONLY_IN_CONSTRUCT_TESTS), "a persona reaches it now: drop it from the list"


@pytest.mark.parametrize("expected_path", PERSONAS, ids=lambda p: p.name.split(".")[0])
def test_every_consequence_has_a_first_and_a_last_day_or_is_still_running(module, expected_path):
    """An action's `to` is its last day; only a consequence still running at the check date has none,
    and then dagpenge are indeed not paid on the check date."""
    expected, report = expected_report(module, expected_path)
    last_run = report.benefit["periods"][-1] if report.benefit["periods"] else None
    for result in report.results:
        for action in result.actions:
            if action.get("from") is None:
                continue  # a reminder, an assessment, or a quarantine that found no day to take
            assert action["from"] <= (action.get("to") or "9999"), (result.rule.id, action)
            if action.get("to") is None:
                assert last_run is not None and not last_run["payable"], (
                    f"{result.rule.id} {result.instance}: {action} is open, but {expected['as_of']} is paid")
