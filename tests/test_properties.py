"""Laws of the checker, on generated timelines and the shipped rule book.

* determinism: the order of the events in the file does not matter;
* monotonicity: a violation stays a violation as time passes and later events
  arrive; an earlier fulfilment never breaks a deadline; events no rule mentions
  change nothing;
* shift invariance: moving a whole timeline by whole weeks moves the verdicts of
  the rules counted in days and weeks with it;
* satisfiability: a dutiful person of every profile breaks nothing;
* compile round trip: the module written by ``frist compile`` checks like the
  cached one;
* the state machine of :mod:`frist.testing`.

The number of examples comes from a hypothesis settings profile: ``ci`` (the
default, derandomized, under 2 minutes on two cores) or ``nightly``
(``FRIST_HYPOTHESIS_PROFILE=nightly python -m pytest tests/test_properties.py``).
Each test states its share of the profile's ``max_examples``.
"""

from __future__ import annotations

import datetime as dt
import functools
import importlib.util
import os
import re
import shutil
import tempfile
from collections import defaultdict
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from hypothesis.configuration import set_hypothesis_home_dir
from hypothesis.stateful import run_state_machine_as_test

import frist
from frist import order
from frist.compiler import compile_rules, compile_source
from frist.errors import FristError
from frist.generate import COMMON_DEADLINES, generate, plus
from frist.testing import PROFILES, TimelineMachine, compliant_timeline, persons, registration_dates, timelines

from conftest import ROOT, RULES

set_hypothesis_home_dir(Path(tempfile.gettempdir()) / "frist-tests-hypothesis")

_QUIET = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]
settings.register_profile("ci", max_examples=250, deadline=None, derandomize=True, database=None,
                          suppress_health_check=_QUIET, stateful_step_count=25, print_blob=True)
settings.register_profile("nightly", max_examples=1000, deadline=None, database=None,
                          suppress_health_check=_QUIET, stateful_step_count=60, print_blob=True)
# Only this file's tests use the profile: settings.load_profile would change the default
# of every test module in the session.
ACTIVE = settings.get_profile(os.environ.get("FRIST_HYPOTHESIS_PROFILE", "ci"))


def examples(share: float) -> settings:
    """The active profile with ``share`` of its examples (ci: 250 × share)."""
    return settings(ACTIVE, max_examples=max(1, round(ACTIVE.max_examples * share)))


# ---------------------------------------------------------------------------- building blocks

_BOUND = {}


@pytest.fixture(autouse=True, scope="module")
def _bind_module(module):
    """The strategies need the compiled rule book when they draw; conftest compiles it."""
    _BOUND["module"] = module


def _module():
    return _BOUND["module"]


def registered_on(document) -> dt.date:
    return min(dt.date.fromisoformat(e["date"]) for e in document["events"] if e["type"] == "registered")


def event_day(event) -> dt.date:
    return dt.date.fromisoformat(event.get("date") or event["start"])


@st.composite
def cases(draw, profile=None, horizon=420):
    """A timeline and a check date: on, a day before or after a common deadline from the
    registration, or any day up to ``horizon`` days after it."""
    document = draw(timelines(_module(), profile=profile))
    reg = registered_on(document)
    deadlines = sorted(plus(reg, amount, unit) + dt.timedelta(days=k) for amount, unit in COMMON_DEADLINES
                       for k in (-1, 0, 1))
    as_of = draw(st.one_of(st.sampled_from(deadlines), st.integers(0, horizon).map(lambda n: reg + dt.timedelta(n))))
    return document, as_of


def run(document, as_of, rules=None):
    return frist.check(document, rules=rules or _module(), as_of=as_of)


def as_json(report) -> dict:
    out = report.to_json()
    del out["timeline"]
    return out


def verdicts(report) -> dict:
    """(rule, instance, n) -> (status, violated_since); n tells apart results of one rule with
    the same instance name (two anchors of one type on one day, in input order)."""
    out, seen = {}, defaultdict(int)
    for r in report.results:
        key = (r.rule.id, r.instance)
        out[(*key, seen[key])] = (r.status, r.violated_since)
        seen[key] += 1
    return out


# ---------------------------------------------------------------------------- determinism

def _keep_ties(events, order):
    """``order`` with the events of one type on one day back in their input order: the
    timeline sorts events by date, stable on input order, and a checker takes the first."""
    places = defaultdict(list)
    for position, i in enumerate(order):
        places[(events[i]["type"], event_day(events[i]))].append(position)
    for positions in places.values():
        for position, i in zip(positions, sorted(order[p] for p in positions)):
            order[position] = i
    return order


def _renumber(value, order):
    """Event indices of a report on the reordered timeline, as indices of the original."""
    if isinstance(value, dict):
        if "type" in value and isinstance(value.get("index"), int) and value["index"] >= 0:
            value["index"] = order[value["index"]]
        for item in value.values():
            _renumber(item, order)
    elif isinstance(value, list):
        for item in value:
            _renumber(item, order)


@examples(1.0)  # ci: 250
@given(case=cases(), shuffler=st.randoms(use_true_random=False))
def test_event_order_does_not_change_the_report(case, shuffler):
    document, as_of = case
    events = document["events"]
    order = list(range(len(events)))
    shuffler.shuffle(order)
    order = _keep_ties(events, order)
    shuffled = run({**document, "events": [events[i] for i in order]}, as_of)
    got = as_json(shuffled)
    _renumber(got, order)
    assert got == as_json(run(document, as_of))


# ---------------------------------------------------------------------------- monotonicity

ZERO_HOUR_QUARANTINE = {
    "name": "wrong information with the shortest quarantine the vocabulary allows (20 hours; 0 crashed once)",
    "person": {"birth_date": "1994-12-31", "benefit": "dagpenge", "akasse": "FAK"},
    "events": [{"type": "registered", "date": "2013-01-01"},
               {"type": "wrong_information", "date": "2013-01-01", "quarantine_hours": 20}]}

GRADUATE_AT_THE_END_OF_THE_BENEFIT_PERIOD = {
    "name": "a graduate's benefit period runs out on Tuesday 2025-01-07; wage work on Thursday",
    "person": {"birth_date": "1998-05-05", "benefit": "dagpenge", "akasse": "FAK", "graduate": True},
    "events": [{"type": "education_finished", "date": "2023-12-01"},
               {"type": "registered", "date": "2024-01-08"},
               {"type": "cv_created", "date": "2024-01-08"},
               {"type": "wage_work", "date": "2025-01-09", "hours": 10}]}


@examples(1.0)  # ci: 250
@given(case=cases(), later=st.one_of(st.just(0), st.integers(1, 200)))
# regressions: a quarantine of 0 hours crashed apply_effect; wage hours dated later in an ISO week
# moved a benefit period's exhaustion day back, undoing a violation
@example(case=(ZERO_HOUR_QUARANTINE, dt.date(2013, 1, 14)), later=0)
@example(case=(GRADUATE_AT_THE_END_OF_THE_BENEFIT_PERIOD, dt.date(2025, 1, 8)), later=1)
def test_a_violation_stays_when_time_passes_and_later_events_arrive(case, later):
    document, as_of = case
    known = {**document, "events": [e for e in document["events"] if event_day(e) <= as_of]}
    before = verdicts(run(known, as_of))
    after = verdicts(run(document, as_of + dt.timedelta(later)))
    for key, (status, since) in before.items():
        if status == "violated":
            assert after.get(key) == (status, since), (key, since, after.get(key))


@examples(1.0)  # ci: 250
@given(case=cases(), data=st.data())
def test_fulfilling_earlier_inside_the_window_never_violates(case, data):
    document, as_of = case
    report = run(document, as_of)
    movable = [r for r in report.results if r.status == "fulfilled" and r.rule.duty.startswith("within ")
               and r.fulfilled_by and r.window and r.window[0] is not None]
    if not movable:
        return
    r = data.draw(st.sampled_from(movable), label="result")
    event = r.fulfilled_by[0]
    day = r.window[0] + dt.timedelta(data.draw(st.integers(0, (event.date - r.window[0]).days), label="days in"))
    moved = dict(document["events"][event.index])
    if "date" in moved:
        moved["date"] = day.isoformat()
    else:
        length = dt.date.fromisoformat(moved["end"]) - dt.date.fromisoformat(moved["start"])
        moved["start"], moved["end"] = day.isoformat(), (day + length).isoformat()
    events = list(document["events"])
    events[event.index] = moved
    again = [x for x in run({**document, "events": events}, as_of).results
             if (x.rule.id, x.instance) == (r.rule.id, r.instance)]
    assert again and all(x.status != "violated" for x in again), [(x.status, x.violated_since) for x in again]


NOTE_TYPE = "    unrelated_note: {kind: point, doc: A note no rule mentions (test only.), " \
            "fields: {text: {type: text, required: false}}}\n"


@pytest.fixture(scope="module")
def noted_module(tmp_path_factory):
    """The shipped rule book with one more event type, ``unrelated_note``, that no rule mentions."""
    folder = tmp_path_factory.mktemp("unrelated")
    text = RULES.read_text("utf-8")
    anchor = "  events:\n"
    assert text.count(anchor) == 1
    (folder / "rules.yaml").write_text(text.replace(anchor, anchor + NOTE_TYPE), encoding="utf-8")
    shutil.copy(ROOT / "catalog.yaml", folder / "catalog.yaml")
    return compile_rules(folder / "rules.yaml", use_cache=False)


def _without_places(report) -> dict:
    out = as_json(report)
    del out["rulebook"]
    for r in out["results"]:
        del r["location"]
    return out


@examples(0.5)  # ci: 125
@given(case=cases(), notes=st.lists(st.tuples(st.integers(-30, 420), st.booleans()), min_size=1, max_size=6))
def test_events_no_rule_mentions_change_nothing(noted_module, case, notes):
    document, as_of = case
    reg = registered_on(document)
    extra = [{"type": "unrelated_note", "date": (reg + dt.timedelta(n)).isoformat(), **({"text": "x"} if t else {})}
             for n, t in notes]
    plain = run(document, as_of, noted_module)
    assert as_json(run({**document, "events": document["events"] + extra}, as_of, noted_module)) == as_json(plain)
    assert _without_places(plain) == _without_places(run(document, as_of))  # the new type alone changes nothing


# ---------------------------------------------------------------------------- shift invariance

# Rules whose verdicts may change when a whole timeline moves by 7·k days, and why.
# The others count in days and whole (ISO) weeks only; a shift by whole weeks keeps
# weekdays and ISO weeks, so their verdicts move with the timeline.
CALENDAR_DEPENDENT = {
    "first-job-meeting-akasse": "in force for registrations from 2024-01-01 (valid)",
    "contact-course-akasse-meetings": "valid 2024-01-01..2026-07-01; a window of 3 months",
    "contact-course-jobcenter-meetings": "valid 2024-01-01..2026-07-01; months 3 to 6",
    "first-meeting-in-person": "in force for registrations from 2023-03-22 (valid)",
    "cv-meeting": "valid until 2024-01-01; the exception counts 3 months",
    "availability-meeting-first": "valid until 2024-01-01; 3 months of the clock",
    "availability-meeting-second": "valid until 2024-01-01; months 3 to 6 of the clock",
    "job-suggestions": "in force until 2020-01-01, judged by each window's deadline (valid on instance)",
    "two-quarantines": "12 months: month lengths differ",
    "offer-young-and-senior": "valid 2015-07-01..2020-01-01; 3 months; age at registration",
    "offer-middle-aged": "valid 2015-07-01..2020-01-01; 6 months; age at registration",
    "graduate-waiting-month": "1 year before the education ended: year lengths differ",
    "akasse-meetings-2026": "in force for registrations from 2026-07-01; 3 months",
    "jobcenter-meetings-2026": "in force for registrations from 2026-07-01; months 3 to 6",
    "jobcenter-meetings-monthly-2015": "valid 2015-07-01..2020-01-01; 6 months",
    "jobcenter-meetings-2020": "valid 2020-01-01..2024-01-01; 6 months",
    "joint-meetings-2020": "valid 2020-01-01..2024-01-01; 6 months",
    "joint-meeting-month-5": "valid 2015-07-01..2020-01-01; months 4 to 6",
    "joint-meeting-16-months-2015": "valid 2015-07-01..2020-01-01; months 15 to 16",
    "intensified-effort-16-months": "valid 2020-01-01..2024-01-01; months 6 to 16",
    "cash-benefit-meetings": "6 months: month lengths differ",
    "repeated-sick-cancellations": "12 months ($sick_cancellation_window)",
    "job-search-abroad-length": "3 months: month lengths differ",
    "offer-2020": "in force for registrations from 2020-01-01; 6 months",
    "first-meeting-in-person-2023": "valid 2023-03-22..2024-01-01 (registration)",
    "first-meeting-in-person-cash-benefit": "in force for registrations from 2023-03-22 (valid)",
    "cv-meeting-in-person": "valid until 2024-01-01 (registration)",
    "cv-contact-details": "valid 2017-07-01..2020-01-01 (the period aka-guide describes)",
    "cv-on-jobnet": "$cv_deadline has dated versions (2 weeks, 3 weeks from 2024)",
    "cv-approval": "$cv_deadline has dated versions (2 weeks, 3 weeks from 2024)",
    "job-applications-aka": "valid 2017-07-01..2020-01-01 (the period aka-guide describes); 3 and 6 months",
    "job-applications-aka-before-2017": "valid until 2017-07-01",
    "job-applications-aka-from-2020": "valid from 2020-01-01",
    "job-education-eligibility": "applies by age at registration (a short higher education from 25)",
    "job-education-completion-under-25": "applies by age at registration (under 25)",
    "job-education-completion-from-25": "applies by age at registration (25 and over)",
    "offer-30-to-59-before-2015": "in force for registrations before 2015-07-01; 9 months; age",
    "offer-60-and-over-before-2015": "in force for registrations before 2015-07-01; 6 months; age",
    "guidance-limit": "applies by age at registration (a 29 February birthday moves with leap years)",
    "wage-subsidy-private": "6 months: month lengths differ",
    "wage-subsidy-public": "4 months: month lengths differ",
    "education-order": "applies by age at registration (under 25)",
    "benefit-period-weeks-fulltime": "valid until 2017-07-01; counts payable weekdays, and public holidays "
                                     "move quarantine days (business days) between weeks",
    "benefit-period-weeks-parttime": "valid until 2017-07-01; payable weekdays and business days",
    "benefit-period-hours-fulltime": "valid from 2017-07-01; payable weekdays and business days",
    "benefit-period-hours-parttime": "valid from 2017-07-01; payable weekdays and business days",
    "benefit-period-graduate-2017": "valid 2017-07-01..2023-05-01; payable weekdays and business days",
    "benefit-period-graduate-2023": "valid from 2023-05-01; 24 months; payable weekdays and business days",
    "karensdag": "in force for registrations from 2017-07-01; periods of 4 months",
    "voluntary-work-limit": "$voluntary_work_hours has dated versions (15, 4 from 2017-03-20, 15 from 2017-07-01)",
    "course-hours": "$course_hours_limit has dated versions (20, 19 from 2024)",
    "benefit-card-3-months": "3 months after the payment period: month lengths differ",
    "benefit-card-aka": "1 month and 10 days after the payment period: month lengths differ",
}

_CALENDAR_WORDS = re.compile(r"\b(months?|years?|age|business days?)\b")


def _calendar_reasons(rule: dict, parameters: dict) -> list:
    """Why a rule (from rules.yaml) may not be shift invariant, found mechanically."""
    texts = [rule.get("duty") or rule["condition"], rule.get("applies", "")]
    texts += [u["when"] for u in rule.get("unless", [])]
    reasons = ["valid"] if rule.get("valid") else []
    reasons += [f"`{m.group(0)}`" for text in texts for m in _CALENDAR_WORDS.finditer(text)]
    for name in re.findall(r"\$(\w+)", " ".join(texts)):
        versions = parameters[name]
        values = {str(v) for _, v in versions}
        if len(values) > 1 or any(isinstance(v, tuple) and v[1] in ("month", "year") for _, v in versions):
            reasons.append(f"${name}")
    return reasons


def test_the_calendar_dependent_rules_are_listed(module):
    book = yaml.safe_load(RULES.read_text("utf-8"))
    ids = {r["id"] for r in book["rules"]}
    assert set(CALENDAR_DEPENDENT) <= ids
    missing = {r["id"]: why for r in book["rules"]
               if (why := _calendar_reasons(r, module.BOOK["parameters"])) and r["id"] not in CALENDAR_DEPENDENT}
    assert not missing


def _calendar_dependent(*reports) -> set:
    """The calendar-dependent rules, and, when one of them deregistered the person in either report,
    every rule that reads `registered` (a deregistration by `job-suggestions`, in force until
    2020, ends it for the rules that count weeks while registered)."""
    dependent = set(CALENDAR_DEPENDENT)
    if any(a["action"] == "deregistration" for report in reports for r in report.results
           if r.rule.id in dependent for a in r.actions):
        dependent |= _readers_of_registered()
    return dependent


@functools.lru_cache(maxsize=1)
def _readers_of_registered() -> frozenset:
    reads = order.analyse(frist.load_rulebook(RULES)).reads
    return frozenset(rid for rid, read in reads.items() if order.REGISTERED in read)


def _shift_document(document, days, vocabulary):
    delta = dt.timedelta(days)

    def moved(mapping, specs, fixed=()):
        out = dict(mapping)
        for key, value in mapping.items():
            if key in fixed or specs.get(key, {}).get("type") == "date":
                out[key] = (dt.date.fromisoformat(value) + delta).isoformat()
        return out

    events = [moved(e, vocabulary["events"][e["type"]].get("fields", {}), ("date", "start", "end"))
              for e in document["events"]]
    return {**document, "person": moved(document["person"], vocabulary["person"]), "events": events}


@examples(1.0)  # ci: 250
@given(case=cases(), weeks=st.integers(-156, 156).filter(bool))
def test_shifting_by_whole_weeks_moves_the_verdicts_along(module, case, weeks):
    document, as_of = case
    days = 7 * weeks
    shifted = run(_shift_document(document, days, module.BOOK["vocabulary"]), as_of + dt.timedelta(days))
    unshifted = run(document, as_of)
    invariant = {r.id for r in module.RULES} - _calendar_dependent(unshifted, shifted)
    delta = dt.timedelta(days)

    def moved(r):
        return (r.status, r.deadline and r.deadline - delta, r.violated_since and r.violated_since - delta)

    expected = [(r.rule.id, r.status, r.deadline, r.violated_since)
                for r in unshifted.results if r.rule.id in invariant]
    assert [(r.rule.id, *moved(r)) for r in shifted.results if r.rule.id in invariant] == expected


# ---------------------------------------------------------------------------- satisfiability

@st.composite
def dutiful(draw, profile):
    spec = PROFILES[profile]
    registered = draw(registration_dates(*spec["registered"]))
    person = draw(persons(_module(), registered=registered, profile=profile))
    return person, registered, registered + dt.timedelta(draw(st.integers(0, 310)))


@pytest.mark.parametrize("profile", sorted(PROFILES))
@examples(0.25)  # ci: 62 per profile
@given(data=st.data())
def test_a_dutiful_person_of_every_profile_breaks_nothing(profile, data):
    person, registered, as_of = data.draw(dutiful(profile))
    report = run(compliant_timeline(_module(), person, registered, as_of), as_of)
    assert not report.violations(), [(r.rule.id, r.instance, r.violated_since) for r in report.violations()]


# ---------------------------------------------------------------------------- compile round trip

@pytest.fixture(scope="module")
def module_from_file(tmp_path_factory):
    """What ``frist compile rules.yaml -o FILE`` writes, imported from the file."""
    path = tmp_path_factory.mktemp("compiled") / "rules_compiled.py"
    path.write_text(compile_source(RULES), encoding="utf-8")
    spec = importlib.util.spec_from_file_location("frist_rules_round_trip", path)
    loaded = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(loaded)
    return loaded


@examples(0.5)  # ci: 125
@given(case=cases())
def test_the_compiled_file_checks_like_compile_rules(module_from_file, case):
    document, as_of = case
    assert as_json(run(document, as_of, module_from_file)) == as_json(run(document, as_of))


# ---------------------------------------------------------------------------- the state machine

def test_the_timeline_machine(module):
    # ci: 75 runs of up to 25 steps
    run_state_machine_as_test(TimelineMachine.for_rules(module), settings=examples(0.3))


# ---------------------------------------------------------------------------- frist generate

def test_generate_is_reproducible_and_valid(module, tmp_path):
    first = generate(module, 5, tmp_path / "a", profile="graduate-2024", seed=3)
    again = generate(module, 5, tmp_path / "b", profile="graduate-2024", seed=3)
    assert [p.read_text("utf-8") for p in first] == [p.read_text("utf-8") for p in again]
    assert [p.name for p in first] == [f"graduate-2024-3-{i:04d}.yaml" for i in range(1, 6)]
    assert first[0].read_text("utf-8") != generate(module, 1, tmp_path / "c", profile="graduate-2024", seed=4)[0] \
        .read_text("utf-8")
    for path in first:
        as_of = re.search(r"--as-of (\S+)", path.read_text("utf-8")).group(1)
        frist.check(path, rules=module, as_of=as_of)


def test_generate_names_the_known_profiles_for_an_unknown_one(module, tmp_path):
    with pytest.raises(FristError) as info:
        generate(module, 1, tmp_path, profile="graduate-2042")
    assert "unknown profile `graduate-2042`" in info.value.first.message
    assert str(info.value.first.span) == "<command line>:1:1"
    assert "graduate-2024" in info.value.first.hint


def test_profiles_are_what_their_names_say():
    for name, spec in PROFILES.items():
        lo, hi = spec["registered"]
        assert lo <= hi and spec["ages"][0] <= spec["ages"][1], name
