"""Boundary cases of the rules read afresh from their sources: the day before, on and after each
deadline, and a threshold less one, exactly and plus one.

Each file in ``tests/boundaries/`` holds cases for a group of rules; every case's expected results
and payable days were written from the quoted source lines and the README's semantics, without the
rule's duty text or the checker's output.  Where the checker and a case first disagreed, the case
says who was right, from the source, in its ``settled:`` text.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

import frist
from frist.source import read_file

from helpers import payability, result_problems

FILES = sorted((Path(__file__).resolve().parent / "boundaries").glob("*.yaml"))


def _cases():
    for path in FILES:
        document, _ = read_file(path)
        for case in document["cases"]:
            yield pytest.param(path, case, id=f"{path.stem}: {case['name']}")


def _day(value) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


@pytest.mark.parametrize("path, case", list(_cases()))
def test_boundary_case(module, path, case):
    timeline = {"name": case["name"], "person": case["person"], "events": case["events"]}
    report = frist.check(timeline, rules=module, as_of=case["as_of"])
    problems = result_problems(report, case.get("results", []))
    payable = payability(report)
    for span in case.get("days", []):
        day = _day(span["from"])
        while day <= _day(span["to"]):
            if payable.get(day) is not span["payable"]:
                problems.append(f"{day}: payable {payable.get(day)}, expected {span['payable']}")
            day += dt.timedelta(days=1)
    assert not problems, "\n".join(problems)


def test_every_rule_changed_for_its_source_has_boundary_cases():
    covered = set()
    for path in FILES:
        document, _ = read_file(path)
        covered |= {item["rule"] for case in document["cases"] for item in case.get("results", [])}
    assert CHANGED - covered == set()


CHANGED = {
    "reg-register-first-day", "cv-on-jobnet", "cv-approval", "cv-not-approved", "cv-job-goals", "cv-job-goals-ff",
    "cv-contact-details", "join-akasse-after-education", "excess-hours", "availability-meeting-second",
    "jobcenter-meetings-monthly-2015", "jobcenter-meetings-2020", "contact-course-akasse-meetings",
    "contact-course-jobcenter-meetings", "first-job-meeting-akasse", "first-meeting-in-person",
    "first-meeting-in-person-2023", "first-meeting-in-person-cash-benefit", "cv-meeting", "cv-meeting-in-person",
    "job-applications-fak", "job-applications", "job-applications-aka", "job-applications-aka-from-2020",
    "job-applications-parttime-work", "joblog-weekly", "joblog-uploads-ff", "job-interview-abroad-notice",
    "job-interview-abroad-length", "job-search-abroad-notice", "job-search-abroad-approval",
    "job-search-abroad-start", "offer-2020", "job-education-length", "job-education-eligibility",
    "job-education-completion-under-25", "job-education-completion-from-25", "guidance-limit", "amy-activation",
    "minimum-payment", "minimum-payment-parttime", "side-business-limit", "voluntary-work-limit",
    "voluntary-work-approval", "benefit-card-3-months", "benefit-card-aka", "education-order",
}
