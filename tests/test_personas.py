"""Persona timelines in examples/ against their expected reports.

Each ``examples/<persona>.expected.yaml`` was worked out by hand from the
sources (each item says why); the checker must agree with it, compared by
:func:`frist.expect.compare` -- the comparison ``frist test`` makes, so that
the two cannot disagree:

* every listed result matches an actual result with the same rule and instance;
* every violation the checker finds is listed;
* the day-by-day benefit status equals the listed runs.
"""

from functools import lru_cache
from pathlib import Path

import pytest

from frist.expect import compare, timeline_of
from frist.expect_text import render

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
PERSONAS = sorted(p for p in EXAMPLES.glob("*.expected.yaml"))


@lru_cache(maxsize=None)
def _outcome(module, expected_path):
    return compare(module, timeline_of(expected_path), expected_path)


@pytest.mark.parametrize("expected_path", PERSONAS, ids=lambda p: p.name.split(".")[0])
def test_persona(module, expected_path):
    outcome = _outcome(module, expected_path)
    assert outcome.passed, render(outcome)


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
        reached |= {r.rule.id for r in _outcome(module, path).report.results if r.status != "not_applicable"}
    missing = {r.id for r in module.RULES} - reached - set(ONLY_IN_CONSTRUCT_TESTS)
    assert not missing, f"no persona reaches: {sorted(missing)}"
    assert not reached & set(ONLY_IN_CONSTRUCT_TESTS), "a persona reaches it now: drop it from the list"


@pytest.mark.parametrize("expected_path", PERSONAS, ids=lambda p: p.name.split(".")[0])
def test_every_consequence_has_a_first_and_a_last_day_or_is_still_running(module, expected_path):
    """An action's `to` is its last day; only a consequence still running at the check date has none,
    and then dagpenge are indeed not paid on the check date."""
    outcome = _outcome(module, expected_path)
    report, expected = outcome.report, outcome.expectation
    last_run = report.benefit["periods"][-1] if report.benefit["periods"] else None
    for result in report.results:
        for action in result.actions:
            if action.get("from") is None:
                continue  # a reminder, an assessment, or a quarantine that found no day to take
            assert action["from"] <= (action.get("to") or "9999"), (result.rule.id, action)
            if action.get("to") is None:
                assert last_run is not None and not last_run["payable"], (
                    f"{result.rule.id} {result.instance}: {action} is open, but {expected['as_of']} is paid")
