"""The language the sources' words needed: another event than the first, a period ending by or
starting after a day, a quota's share from a day on, a state on the anchor's day, a share of a person
fact, an effect on every later day of a state, and hours taken from the first days otherwise paid.

Each test checks a small rule book whose expected dates follow from the README's semantics table.
"""

from __future__ import annotations

import pytest

import frist
from frist.compiler import compile_rules
from frist.errors import EvaluationError, RuleBookError
from frist.rulebook import load_text

from conftest import d, one, unpaid_days
from helpers import run_cli

BOOK = """\
frist: 1
calendar: {month_rounding: down}
sources: {s: {title: t, publisher: p, year: 2024}}
vocabulary:
  person:
    benefit: {type: enum, values: [dagpenge]}
    former_weekly_hours: {type: number, required: false}
  events:
    unemployed: {kind: point}
    registered: {kind: point}
    deregistered: {kind: point}
    meeting: {kind: point}
    application: {kind: point, fields: {posted: {type: boolean, default: false}}}
    wage_work: {kind: point, fields: {hours: {type: number}}}
    excess: {kind: point, fields: {hours: {type: number}}}
    course: {kind: period}
    stay: {kind: period}
    side: {kind: period}
    sick: {kind: period}
  states: {registered: {starts: registered, ends: deregistered}}
  clocks: {cumulative_unemployment: {runs_while: registered}}
parameters:
  hours_per_day: {versions: [{from: 2015-01-01, value: 7.4, cite: {source: s, section: x, quote: q}}]}
  share: {versions: [{from: 2015-01-01, value: 0.8, cite: {source: s, section: x, quote: q}}]}
rules:
%s
"""

RULE = """\
  - id: %s
    catalog: [AB-1]
    title: {da: d, en: e}
    cites: [{source: s, section: x, quote: q}]
    %s: "%s"
%s    consequence: {effect: "%s", text: {da: d, en: e}}
"""


def rule(rid, duty, effect="none", kind="duty", extra=""):
    text = RULE % (rid, "condition" if kind == "effect" else "duty", duty, extra, effect)
    return text.replace("    catalog:", "    kind: effect\n    catalog:") if kind == "effect" else text


def check(tmp_path, rules, events, as_of, **person):
    path = tmp_path / "book.yaml"
    path.write_text(BOOK % "".join(rules), "utf-8")
    module = compile_rules(path, use_cache=False)
    return frist.check({"person": {"benefit": "dagpenge", **person}, "events": events}, rules=module, as_of=as_of)


REG = {"type": "registered", "date": "2024-03-04"}  # a Monday; 3 months later is Tue 2024-06-04


# ---------------------------------------------------------------- another event than the first
SECOND = [rule("first", "within 3 months of cumulative_unemployment after first registered: meeting"),
          rule("second", "between 3 months and 6 months of cumulative_unemployment after first registered: "
                         "meeting other than the first")]


def test_one_meeting_on_the_shared_day_is_the_first_not_also_the_second(tmp_path):
    report = check(tmp_path, SECOND, [REG, {"type": "meeting", "date": "2024-06-04"}], "2024-09-30")
    assert one(report, "first").status == "fulfilled"
    second = one(report, "second")
    assert (second.status, second.deadline, second.violated_since) == ("violated", d("2024-09-04"), d("2024-09-05"))


def test_a_second_meeting_on_the_shared_day_meets_the_second(tmp_path):
    meetings = [{"type": "meeting", "date": "2024-04-04"}, {"type": "meeting", "date": "2024-06-04"}]
    report = check(tmp_path, SECOND, [REG, *meetings], "2024-09-30")
    second = one(report, "second")
    assert second.status == "fulfilled" and [e.date for e in second.fulfilled_by] == [d("2024-06-04")]


def test_a_late_first_meeting_does_not_count_as_the_second(tmp_path):
    report = check(tmp_path, SECOND, [REG, {"type": "meeting", "date": "2024-07-01"}], "2024-09-30")
    assert one(report, "first").status == "violated" and one(report, "second").status == "violated"


# ---------------------------------------------------------------- a period ends by a day
ENDS = [rule("ends", "each course ends within 26 weeks after first registered", "no dagpenge from violation until its end")]


@pytest.mark.parametrize("start, end, status, since, unpaid", [
    ("2024-08-01", "2024-09-02", "fulfilled", None, []),  # 03-04 + 182 days = Mon 09-02: on the deadline
    ("2024-08-01", "2024-09-03", "violated", "2024-09-03", ["2024-09-03"]),  # a day beyond
    ("2024-09-10", "2024-09-12", "violated", "2024-09-10", ["2024-09-10", "2024-09-11", "2024-09-12"]),  # all after
])
def test_each_period_ends_within(tmp_path, start, end, status, since, unpaid):
    report = check(tmp_path, ENDS, [REG, {"type": "course", "start": start, "end": end}], "2024-09-30")
    result = one(report, "ends")
    assert (result.status, result.deadline) == (status, d("2024-09-02"))
    assert result.violated_since == (d(since) if since else None)
    assert unpaid_days(report) == {d(x) for x in unpaid}  # only the days of the course after its deadline


def test_a_period_still_running_before_its_deadline_is_pending(tmp_path):
    report = check(tmp_path, ENDS, [REG, {"type": "course", "start": "2024-08-01", "end": "2024-09-20"}], "2024-08-15")
    assert one(report, "ends").status == "pending"


# ---------------------------------------------------------------- a period starts after a day
STARTS = [rule("starts", "each stay starts after 4 weeks of cumulative_unemployment after first registered",
               "no dagpenge from anchor until its end")]


@pytest.mark.parametrize("start, status", [("2024-04-01", "fulfilled"), ("2024-03-31", "violated"),
                                           ("2024-04-02", "fulfilled")])
def test_each_period_starts_after(tmp_path, start, status):
    # 03-04 + 28 days = Mon 04-01: four weeks of unemployment are reached on that day
    report = check(tmp_path, STARTS, [REG, {"type": "stay", "start": start, "end": "2024-04-05"}], "2024-04-30")
    result = one(report, "starts")
    assert result.status == status and result.window[0] == d("2024-04-01")
    if status == "violated":
        assert result.violated_since == d(start)
        assert {d(start), d("2024-04-05")} <= unpaid_days(report) and d("2024-04-06") not in unpaid_days(report)
    else:
        assert not unpaid_days(report) & {d(start), d("2024-04-05")}


def test_a_period_starting_before_the_clock_has_run_is_broken(tmp_path):
    # deregistered from 03-10: the clock has run 6 days, nowhere near 4 weeks, when the stay starts
    events = [REG, {"type": "deregistered", "date": "2024-03-10"}, {"type": "registered", "date": "2024-04-15"},
              {"type": "stay", "start": "2024-04-16", "end": "2024-04-18"}]
    assert one(check(tmp_path, STARTS, events, "2024-04-30"), "starts").status == "violated"


# ---------------------------------------------------------------- a quota's share from a day on
SHARE = [rule("quota", "at least 2 application per week while registered, "
                       "at least 1 where posted is yes from 14 days after first registered")]


def test_a_share_applies_to_the_blocks_from_its_day(tmp_path):
    # two unposted applications each week; the share begins Mon 03-18 (03-04 + 14 days), week W12
    apps = [{"type": "application", "date": day} for day in
            ("2024-03-05", "2024-03-06", "2024-03-12", "2024-03-13", "2024-03-19", "2024-03-20")]
    report = check(tmp_path, SHARE, [REG, *apps], "2024-04-01")
    status = {r.instance: r.status for r in report.results if r.rule.id == "quota" and r.instance < "week 2024-W14"}
    assert status == {"week 2024-W10": "fulfilled", "week 2024-W11": "fulfilled", "week 2024-W12": "violated",
                      "week 2024-W13": "violated"}
    w12 = next(r for r in report.results if r.instance == "week 2024-W12")
    assert w12.reason == "too few where posted is yes from 14 days after first registered"


def test_a_posted_application_meets_the_share(tmp_path):
    apps = [{"type": "application", "date": "2024-03-19"}, {"type": "application", "date": "2024-03-20", "posted": True}]
    report = check(tmp_path, SHARE, [REG, *apps], "2024-03-24")
    assert next(r for r in report.results if r.instance == "week 2024-W12").status == "fulfilled"


# ---------------------------------------------------------------- a state on the anchor's day
FIRST_DAY = [rule("first-day", "by unemployed: registered", "no dagpenge from anchor until registered",
                  extra="    unless:\n      - when: during registered and no registered within 0 days before unemployed\n"
                        "        reason: {da: d, en: already registered}\n")]


@pytest.mark.parametrize("events, status", [
    ([{"type": "registered", "date": "2024-02-26"}], "waived"),  # registered before, still registered
    ([{"type": "registered", "date": "2024-03-04"}], "fulfilled"),  # on the day
    ([{"type": "registered", "date": "2024-02-26"}, {"type": "deregistered", "date": "2024-02-28"}], "violated"),
    # registered before, deregistered, registered again on the day: a registration on the day
    ([{"type": "registered", "date": "2024-02-26"}, {"type": "deregistered", "date": "2024-02-28"},
      {"type": "registered", "date": "2024-03-04"}], "fulfilled"),
])
def test_during_a_state(tmp_path, events, status):
    report = check(tmp_path, FIRST_DAY, [{"type": "unemployed", "date": "2024-03-04"}, *events], "2024-03-10")
    assert one(report, "first-day").status == status


def test_during_a_state_compares_nothing(tmp_path):
    bad = FIRST_DAY[0].replace("during registered and no registered within 0 days before unemployed",
                               "during registered where posted is yes")
    with pytest.raises(RuleBookError, match="`registered` is a state and has no fields to compare"):
        load_text(BOOK % bad)


# ---------------------------------------------------------------- a share of a person fact
WEEKLY = [rule("weekly", "at most $share of former_weekly_hours hours of wage_work per week while registered",
               "no dagpenge for the week")]


@pytest.mark.parametrize("hours, status", [(23.9, "fulfilled"), (24, "fulfilled"), (24.1, "violated")])
def test_a_share_of_a_person_fact(tmp_path, hours, status):
    report = check(tmp_path, WEEKLY, [REG, {"type": "wage_work", "date": "2024-03-13", "hours": hours}], "2024-03-31",
                   former_weekly_hours=30)
    result = one(report, "weekly")
    assert (result.status, result.detail["limit"]) == (status, 24.0)


def test_a_missing_person_fact_is_a_located_error_not_a_guess(tmp_path, capsys):
    with pytest.raises(EvaluationError, match="the person fact `former_weekly_hours` is needed"):
        check(tmp_path, WEEKLY, [REG, {"type": "wage_work", "date": "2024-03-13", "hours": 4}], "2024-03-31")
    (tmp_path / "timeline.yaml").write_text(
        "person: {benefit: dagpenge}\nevents:\n  - {type: registered, date: 2024-03-04}\n"
        "  - {type: wage_work, date: 2024-03-13, hours: 4}\n", "utf-8")
    code, _, err = run_cli(["check", tmp_path / "timeline.yaml", "--rules", tmp_path / "book.yaml",
                            "--as-of", "2024-03-31"], capsys)
    assert code == 4 and "book.yaml:" in err and "hint: give `former_weekly_hours` in the timeline's `person`" in err
    assert "Traceback" not in err


def test_a_share_of_an_unknown_fact_is_a_rule_book_error(tmp_path):
    with pytest.raises(RuleBookError, match="unknown person fact `former_hours`"):
        load_text(BOOK % WEEKLY[0].replace("former_weekly_hours", "former_hours"))


# ---------------------------------------------------------------- every later day of a state
ONWARDS = [rule("limit", "each side lasts at most 7 days", "no dagpenge during side from violation onwards")]


def test_an_effect_on_every_later_day_of_a_state(tmp_path):
    events = [REG, {"type": "side", "start": "2024-03-05", "end": "2024-03-20"},
              {"type": "side", "start": "2024-04-01", "end": "2024-04-03"}]
    report = check(tmp_path, ONWARDS, events, "2024-04-30")
    first = next(r for r in report.results if r.instance == "side 2024-03-05")
    assert first.violated_since == d("2024-03-12")  # 03-05 + 7 days
    assert first.actions == [{"action": "no dagpenge during side", "from": "2024-03-12", "to": None}]
    unpaid = unpaid_days(report)
    assert {d("2024-03-12"), d("2024-03-20"), d("2024-04-01"), d("2024-04-03")} <= unpaid
    assert not unpaid & {d("2024-03-11"), d("2024-03-21"), d("2024-03-31"), d("2024-04-04")}


# ---------------------------------------------------------------- hours taken from the first paid days
EXCESS = [rule("excess", "no excess", "no dagpenge for excess.hours hours on paid days not during sick, "
               "at most 20 hours, lapsing 2 weeks after anchor", kind="effect")]


def test_hours_take_whole_days_capped_and_the_rest_is_a_part_day(tmp_path):
    # 30 hours, capped at 20: two whole days of 7.4 (Mon 03-04, Tue 03-05), 5.2 hours deducted from a paid day
    report = check(tmp_path, EXCESS, [REG, {"type": "excess", "date": "2024-03-04", "hours": 30}], "2024-03-31")
    result = one(report, "excess")
    (action,) = result.actions
    assert result.status == "in_force"
    assert (action["hours"], action["needed_days"], action["days"]) == (20, 2, ["2024-03-04", "2024-03-05"])
    assert action["part_day_hours"] == pytest.approx(5.2)
    assert unpaid_days(report) == {d("2024-03-04"), d("2024-03-05")}


def test_no_hours_are_taken_on_days_of_sickness(tmp_path):
    events = [REG, {"type": "excess", "date": "2024-03-04", "hours": 15},
              {"type": "sick", "start": "2024-03-04", "end": "2024-03-05"}]
    (action,) = one(check(tmp_path, EXCESS, events, "2024-03-31"), "excess").actions
    assert action["days"] == ["2024-03-06", "2024-03-07"]


def test_hours_not_taken_before_they_lapse_are_lost(tmp_path):
    # dated 03-04, lapsing 03-18 (2 weeks); registered only from Fri 03-15: one day before the lapse
    events = [{"type": "excess", "date": "2024-03-04", "hours": 15}, {"type": "registered", "date": "2024-03-15"}]
    (action,) = one(check(tmp_path, EXCESS, events, "2024-03-31"), "excess").actions
    assert (action["days"], action["served_days"], action["lapsed_on"]) == (["2024-03-15"], 1, "2024-03-18")


def test_hours_taken_are_no_quarantine(tmp_path):
    report = check(tmp_path, EXCESS, [REG, {"type": "excess", "date": "2024-03-04", "hours": 8}], "2024-03-31")
    assert not [e for e in report.timeline.events if e.type == "quarantine"]


def test_no_hours_take_no_day(tmp_path):
    report = check(tmp_path, EXCESS, [REG, {"type": "excess", "date": "2024-03-04", "hours": 0}], "2024-03-31")
    (action,) = one(report, "excess").actions
    assert (action["needed_days"], action["days"], action["part_day_hours"]) == (0, [], 0)
    assert not unpaid_days(report)
