"""Compiled checkers against the reference interpreter (``frist/reference.py``).

The compiled module (IR -> Python -> ``frist.runtime.engine``) and the
reference interpreter (the same IR evaluated by brute force) must give the same
results -- rule, instance, status, window, deadline, violated_since, the dates
of fulfilled_by -- and the same day-by-day payability:

* on every persona timeline in ``examples/`` (deterministic);
* on generated timelines (hypothesis): :func:`frist.testing.timelines` and this
  file's :func:`local_timelines`.  ``FRIST_HYPOTHESIS_PROFILE`` picks the profile:
  ``ci`` (default, about 30 seconds for the file) or ``nightly`` (ten times more).

The disagreements this test found in the engine are regression tests on minimal
timelines at the end of the file.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import frist
from frist import reference, rulebook
from frist.source import read_file

try:
    from frist.testing import timelines
except ImportError:  # until the shared strategy exists
    timelines = None

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
PERSONAS = sorted(EXAMPLES.glob("*.expected.yaml"))
SCENARIOS = sorted((ROOT / "tests" / "consequences").glob("*.expected.yaml"))  # of tests/test_consequences.py

# Profiles are registered only when no other test module (or hypothesis itself, which has a
# built-in "ci") did; this file then sets its own number of examples on top of the active one.
_QUIET = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]
for _name in ("ci", "nightly"):
    if _name not in settings._profiles:
        settings.register_profile(_name, deadline=None, suppress_health_check=_QUIET)
_NAME = os.environ.get("FRIST_HYPOTHESIS_PROFILE", "ci")
_EXAMPLES = {"ci": 400, "nightly": 4000}  # per generated-timeline test; ci keeps the file near a minute


def _settings(share: float = 1.0) -> settings:
    parent = settings.get_profile(_NAME)
    count = _EXAMPLES.get(_NAME, parent.max_examples)
    return settings(parent, max_examples=max(1, round(count * share)), deadline=None, suppress_health_check=_QUIET)


@functools.lru_cache(maxsize=None)
def _book():
    return rulebook.load(ROOT / "rules.yaml")


# ====================================================================== comparison
def results(report: dict) -> list:
    """Comparable rows."""
    out = []
    for r in report["results"]:
        instance = r["instance"]
        window = r["window"] and (r["window"]["start"], r["window"]["end"])
        out.append((r["rule"], instance, r["status"], window, r["deadline"], r["violated_since"],
                    tuple(e.get("date") or e.get("start") for e in r["fulfilled_by"])))
    return sorted(out, key=repr)


def payability(report: dict) -> list:
    """Runs of days with the same payability (``from``, ``to``, ``payable``)."""
    runs = []
    for p in report["benefit"]["periods"]:
        if runs and runs[-1][2] == p["payable"]:
            runs[-1][1] = p["to"]
        else:
            runs.append([p["from"], p["to"], p["payable"]])
    return runs


def assert_agree(module, timeline, as_of) -> None:
    compiled = frist.check(timeline, rules=module, as_of=as_of).to_json()
    interpreted = reference.report_json(_book(), timeline, as_of)
    got, want = results(compiled), results(interpreted)
    only_compiled = [r for r in got if r not in want]
    only_reference = [r for r in want if r not in got]
    assert not only_compiled and not only_reference, (
        "results differ\n  compiled only:  " + "\n                  ".join(map(repr, only_compiled)) +
        "\n  reference only: " + "\n                  ".join(map(repr, only_reference)))
    assert compiled["benefit"]["applies"] == interpreted["benefit"]["applies"]
    assert payability(compiled) == payability(interpreted)


# ====================================================================== personas
@pytest.mark.parametrize("expected_path", PERSONAS + SCENARIOS, ids=lambda p: p.name.split(".")[0])
def test_persona_agrees(module, expected_path):
    expected, _ = read_file(expected_path)
    timeline = expected_path.with_name(expected_path.name.replace(".expected.yaml", ".yaml"))
    assert_agree(module, timeline, expected["as_of"])


# ====================================================================== generated timelines
ANCHORS = [dt.date(2015, 3, 2), dt.date(2015, 7, 1), dt.date(2017, 7, 1), dt.date(2019, 12, 16),
           dt.date(2020, 1, 1), dt.date(2023, 5, 1), dt.date(2024, 1, 1), dt.date(2026, 7, 1)]
AGES = [22, 24, 25, 29, 30, 49, 50, 59, 60]
CALM_KINDS = ("wage_work", "work_week", "side_business", "supplementary_dagpenge", "guidance_course")


def _iso(day: dt.date) -> str:
    return day.isoformat()


def _hours(low: int, high: int, most: float = 744):
    """Quarter hours, decimal hours that sum to a threshold exactly, and the thresholds
    the rule book compares against, up to the field's declared ``max`` (``most``)."""
    return st.one_of(st.integers(low * 4, high * 4).map(lambda x: x / 4),
                     st.integers(low * 10, high * 10).map(lambda x: x / 10),
                     st.sampled_from([h for h in (7.4, 29.6, 37, 148, 185, 300, 301) if low <= h <= most]))


@st.composite
def local_timelines(draw):
    """Timeline documents around the regime changes: a registration near 2015-07-01,
    2017-07-01, 2020-01-01, 2023-05-01, 2024-01-01 or 2026-07-01, ages near 25, 30, 50, 60;
    each kind of event 0-2 times, mostly before the check date.  A quarter are *calm*: a
    compliant start, few events and a check date 300-900 days on, so that benefit periods,
    week budgets and karensdage run their course."""
    reg = draw(st.sampled_from(ANCHORS)) + dt.timedelta(days=draw(st.integers(-10, 10)))
    age = draw(st.sampled_from(AGES))
    birth = dt.date(reg.year - age, reg.month, min(reg.day, 28)) + dt.timedelta(days=draw(st.integers(-3, 3)))
    calm = draw(st.integers(0, 3)) == 0  # few events, checked late: benefit periods and budgets run out
    graduate = draw(st.booleans()) if calm else draw(st.integers(0, 4)) == 0
    person = {"birth_date": _iso(birth),
              "benefit": draw(st.sampled_from(["dagpenge"] * 6 + ["kontanthjaelp", "uddannelseshjaelp"])),
              "akasse": draw(st.sampled_from(["FAK", "AKA", "FF", "other"])),
              "insurance": draw(st.sampled_from(["fulltime", "parttime"])),
              "education": draw(st.sampled_from(["none", "vocational", "short_higher", "long_higher"])),
              "graduate": graduate,
              "provider_for_children": draw(st.booleans())}
    if person["insurance"] == "parttime":  # the minimum payment is 1/5 of these
        person["former_weekly_hours"] = draw(st.sampled_from([15, 20, 25, 29.5, 30]))
    if calm:
        as_of = reg + dt.timedelta(days=draw(st.integers(300, 900)))
    else:
        as_of = reg + dt.timedelta(days=draw(st.integers(0, draw(st.sampled_from([30, 100, 200, 400])))))
    last = (as_of - reg).days + 10  # events up to 10 days after the check date

    def shifted(base, low, high):
        return _iso(base + dt.timedelta(days=draw(st.integers(low, high))))

    def day():
        return reg + dt.timedelta(days=draw(st.integers(-5, last)))

    def point(etype, **fields):
        return {"type": etype, "date": _iso(day()), **fields}

    def period(etype, longest, **fields):
        start = day()
        return {"type": etype, "start": _iso(start), "end": shifted(start, 0, longest), **fields}

    def dated(event, base, low, high, *names):
        """Optional date fields, each left out or ``base`` + low..high days."""
        for name in names:
            if draw(st.booleans()):
                event[name] = shifted(dt.date.fromisoformat(event[base]), low, high)
        return event

    def due(event):
        return dict(event, deadline=shifted(dt.date.fromisoformat(event["date"]), 0, 14))

    events = [{"type": "unemployed", "date": shifted(reg, -2, 1)}, {"type": "registered", "date": _iso(reg)}]
    if graduate or draw(st.integers(0, 5)) == 0:
        events.append({"type": "education_finished", "date": shifted(reg, -70, -32 if calm else 3)})
    if not calm and draw(st.integers(0, 2)) == 0:  # a break: deregistered, maybe registered again
        off = reg + dt.timedelta(days=draw(st.integers(1, max(1, last))))
        events.append({"type": "deregistered", "date": _iso(off),
                       "reason": draw(st.sampled_from(["job", "own_wish", "other"]))})
        if draw(st.integers(0, 3)):
            events.append({"type": "registered", "date": shifted(off, 0, 40)})
    if calm or draw(st.integers(0, 4)):
        events.append({"type": "cv_created", "date": shifted(reg, 0, 20), "job_goals": draw(st.integers(0, 3)),
                       "postcode": draw(st.integers(0, 4)) > 0, "phone": draw(st.integers(0, 4)) > 0})
    density = draw(st.sampled_from([0, 1, 2, 3]))  # applications a week, roughly
    for week in range(last // 7 + 1):
        for _ in range(draw(st.integers(max(0, density - 1), density + 1))):
            events.append({"type": "application", "date": shifted(reg, 7 * week, 7 * week + 6),
                           "fulltime": draw(st.integers(0, 3)) > 0, "posted": draw(st.booleans()),
                           "own_field": draw(st.integers(0, 3)) > 0, "uploaded": draw(st.booleans())})
    if reg.year < 2020 and not calm and draw(st.integers(0, 3)):
        check = reg
        while check <= as_of:
            check += dt.timedelta(days=draw(st.integers(3, 10)))
            events.append({"type": "job_suggestions_checked", "date": _iso(check)})

    makers = {
        "meeting": lambda: point("meeting", held_by=draw(st.sampled_from(["akasse", "jobcenter"])),
                                 kind=draw(st.sampled_from(["cv", "job", "availability", "joint"])),
                                 mode=draw(st.sampled_from(["in_person", "phone", "video"])),
                                 outcome=draw(st.sampled_from(["held", "held", "no_show", "cancelled_sick",
                                                               "cancelled_lawful", "cancelled_other"]))),
        "booking_requested": lambda: due(point("booking_requested", by=draw(st.sampled_from(["akasse", "jobcenter"])))),
        "meeting_booked": lambda: point("meeting_booked"),
        "contact": lambda: point("contact"),
        "cv_approved": lambda: point("cv_approved"),
        "cv_rejected": lambda: point("cv_rejected"),
        "offer": lambda: point("offer", kind=draw(st.sampled_from(["internship", "wage_subsidy", "education",
                                                                   "utility_job", "job_rotation", "other"])),
                               weeks=draw(st.integers(1, 30))),
        "sick": lambda: dated(dated(period("sick", 35), "start", -1, 3, "reported_on"), "end", 0, 3,
                              "well_reported_on"),
        "holiday": lambda: dated(period("holiday", 20), "start", -45, 0, "notified_on", "dagpenge_applied_on"),
        "exempt": lambda: period("exempt", 50, reason=draw(st.sampled_from(["job_soon", "leave_soon",
                                                                            "retirement_soon", "activation",
                                                                            "education_lift"]))),
        "abroad": lambda: dated(period("abroad", 100, purpose=draw(st.sampled_from(["job_search", "job_interview",
                                                                                    "other"]))),
                                "start", -30, 0, "applied_on", "notified_on", "approved_on"),
        "wage_work": lambda: point("wage_work", hours=draw(_hours(0, 200))),
        "work_week": lambda: [dict(e, date=shifted(dt.date.fromisoformat(e["date"]), 0, 6))
                              for e in [point("wage_work", hours=draw(_hours(0, 12))) for _ in range(4)]],
        "voluntary_work": lambda: point("voluntary_work", hours=draw(_hours(0, 20, most=168)),
                                        approved=draw(st.booleans())),
        "excess_hours": lambda: {"type": "excess_hours", "date": shifted(reg, 0, 3), "hours": draw(_hours(0, 250))},
        "self_inflicted": lambda: point("self_inflicted", valid_reason=draw(st.booleans()), what=draw(st.sampled_from(
            ["quit", "short_notice", "refused_job", "refused_plan", "refused_offer"]))),
        "wrong_information": lambda: point("wrong_information", quarantine_hours=draw(_hours(20, 100))),
        "availability_decision": lambda: point("availability_decision", available=draw(st.booleans())),
        "limitation": lambda: dated(point("limitation"), "date", -1, 10, "disclosed_on"),
        "education_order": lambda: due(point("education_order")),
        "education_proposed": lambda: point("education_proposed"),
        "akasse_joined": lambda: {"type": "akasse_joined", "date": shifted(reg, -50, 10)},
        "joint_declined": lambda: point("joint_declined"),
        "amy_started": lambda: point("amy_started"),
        "job_education": lambda: period("job_education", 60, excess_offer=draw(st.booleans())),
        "guidance_course": lambda: period("guidance_course", 60),
        "internship": lambda: period("internship", 80),
        "wage_subsidy": lambda: period("wage_subsidy", 160, sector=draw(st.sampled_from(["private", "public"]))),
        "supplementary_dagpenge": lambda: period("supplementary_dagpenge", 300),
        "release_certificate": lambda: point("release_certificate"),
        "side_business": lambda: period("side_business", 600),
        "course": lambda: dated(period("course", 30, hours_per_week=draw(st.integers(10, 25))), "start", -10, 3,
                                "approved_on"),
        "payment_period": lambda: dated(period("payment_period", 35), "end", 0, 120, "card_received"),
    }
    for kind in sorted(makers):
        if calm and kind not in CALM_KINDS:
            continue
        for _ in range(draw(st.integers(0, 1 if calm else 2))):
            made = makers[kind]()
            events += made if isinstance(made, list) else [made]
    return {"name": "generated", "person": person, "events": events, "as_of": as_of.isoformat()}


@st.composite
def _with_check_date(draw, documents):
    """A document and a check date: the document's own, or its registration + 0..450 days."""
    document = dict(draw(documents))
    as_of = document.pop("as_of", None)
    if as_of is None:
        registered = min((e["date"] for e in document["events"] if e["type"] == "registered"), default="2024-01-01")
        as_of = (dt.date.fromisoformat(str(registered)) + dt.timedelta(days=draw(st.integers(-5, 450)))).isoformat()
    return document, as_of


@pytest.mark.skipif(timelines is None, reason="frist.testing is not there yet")
@_settings(0.5)
@given(data=st.data())
def test_shared_strategy_agrees(module, data):
    """Timelines from :func:`frist.testing.timelines`, events around the common deadlines."""
    document, as_of = data.draw(_with_check_date(timelines(module)), label="timeline")
    assert_agree(module, document, as_of)


@_settings(1.0 if timelines is not None else 1.5)
@given(case=_with_check_date(local_timelines()))
def test_generated_timeline_agrees(module, case):
    """This file's timelines: every event kind 0-2 times, dense applications, benefit periods run out."""
    document, as_of = case
    assert_agree(module, document, as_of)


# ====================================================================== regressions: engine bugs this test found
def _doc(*events, **person):
    return {"person": {"birth_date": "1985-06-15", "benefit": "dagpenge", "akasse": "FAK", **person},
            "events": list(events)}


def test_count_budget_names_its_window_by_value(module):
    assert_agree(module, _doc({"type": "registered", "date": "2024-03-04"}), "2024-03-10")


def test_time_budget_does_not_count_a_week_not_yet_reached(module):
    timeline = _doc({"type": "registered", "date": "2020-01-06"},
                    {"type": "guidance_course", "start": "2020-01-06", "end": "2020-02-16"},
                    {"type": "guidance_course", "start": "2020-02-19", "end": "2020-02-28"})
    assert_agree(module, timeline, "2020-02-17")


_FLOAT_SUMS = {  # each: exactly the limit, as one-decimal hours whose float sum lands on the other side
    "minimum-payment": ("2024-03-24", [("2024-03-11", 24.1), ("2024-03-12", 1.6), ("2024-03-13", 0.6),
                                       ("2024-03-14", 3.3)], []),  # 29.6 h in W11 is at most 29.6
    "karensdag": ("2024-07-10", [("2024-04-01", 118.9), ("2024-05-01", 23.3), ("2024-06-01", 5.8)],
                  []),  # 148 h in period 1 is not more than 148
    "quarantine-lapse": ("2024-03-31", [("2024-03-05", 26.2), ("2024-03-06", 155.6), ("2024-03-07", 3.2)],
                         [{"type": "self_inflicted", "date": "2024-03-04", "what": "quit"}]),  # 185 h reached
    "loss-of-right": ("2024-05-01", [("2024-04-05", 0.1), ("2024-04-12", 258.8), ("2024-04-19", 41.1)],
                      [{"type": "availability_decision", "date": "2024-04-01", "available": False}]),  # 300 h
}


@pytest.mark.parametrize("case", sorted(_FLOAT_SUMS))
def test_decimal_hours_sum_to_exactly_the_limit(module, case):
    as_of, work, extra = _FLOAT_SUMS[case]
    timeline = _doc({"type": "registered", "date": "2024-03-04"}, {"type": "cv_created", "date": "2024-03-04"},
                    *extra, *({"type": "wage_work", "date": day, "hours": hours} for day, hours in work))
    assert_agree(module, timeline, as_of)
