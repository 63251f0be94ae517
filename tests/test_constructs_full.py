"""The constructs added for the complete rule book, at their boundaries, on the shipped rules.

Each test looks only at the rule it measures (and at the days that rule decides), so other
rules of the shipped book may fire without disturbing it. Expected values come from the
sources cited in each comment and the semantics table in the README.
"""

from pathlib import Path

import pytest

import frist
from frist.compiler import compile_rules

from conftest import d, one, results, span, unpaid_days

ROOT = Path(__file__).resolve().parent.parent
REG = {"type": "registered", "date": "2024-03-01"}  # a Friday, 2024 contact course


# SI-2 (ff:462-464): the a-kasse pays the first 14 days of sickness, a legal effect from day 15
@pytest.mark.parametrize("end, status", [("2024-04-14", "not_in_force"), ("2024-04-15", "in_force")])
def test_sickness_paid_for_14_days(run_full, end, status):
    sick = {"type": "sick", "start": "2024-04-01", "end": end, "reported_on": "2024-04-01",
            "well_reported_on": "2024-04-16" if end == "2024-04-15" else "2024-04-15"}
    report = run_full([REG, sick], "2024-04-30")
    result = one(report, "sick-days-paid")
    assert result.status == status and result.deadline == d("2024-04-14")
    if status == "in_force":
        assert result.violated_since == d("2024-04-15")
    assert (d("2024-04-15") in unpaid_days(report)) is (status == "in_force")  # day 15 only, `until its end`
    assert d("2024-04-14") not in unpaid_days(report)


# BP-8 (ff-pjece §13): more than 29.6 hours deducted in a week -> no dagpenge that week
@pytest.mark.parametrize("hours, status", [(29.6, "fulfilled"), (29.7, "violated")])
def test_minimum_payment(run_full, hours, status):
    report = run_full([REG, {"type": "wage_work", "date": "2024-04-03", "hours": hours}], "2024-04-30")
    result = one(report, "minimum-payment")
    assert (result.instance, result.status) == ("week 2024-W14", status)
    week = {d(f"2024-04-0{i}") for i in range(1, 8)}
    assert (week <= unpaid_days(report)) is (status == "violated")
    assert d("2024-03-31") not in unpaid_days(report) and d("2024-04-08") not in unpaid_days(report)


# BP-4 (aka:54): every 4 months of unemployment a day without dagpenge, unless more than 148 hours worked
@pytest.mark.parametrize("hours, status", [(148, "in_force"), (148.5, "not_in_force")])
def test_karensdag(run_full, hours, status):
    report = run_full([REG, {"type": "wage_work", "date": "2024-05-31", "hours": hours}], "2024-07-31")
    first = results(report, "karensdag")[0]
    assert first.instance == "registered 2024-03-01 period 1"
    assert first.window == (d("2024-03-01"), d("2024-06-30")) and first.status == status
    assert (d("2024-07-01") in unpaid_days(report)) is (status == "in_force")  # Monday after the period
    assert d("2024-07-02") not in unpaid_days(report)


def test_karensdag_period_runs_on_cumulative_unemployment(run_full):
    # registered 03-01..03-31 (31 days), again from 04-11: 4 months = 122 running days from 03-01,
    # 31 before the gap and 91 after it -> 04-11 + 91 = 07-11, so the period ends 07-10
    events = [REG, {"type": "deregistered", "date": "2024-04-01"}, {"type": "registered", "date": "2024-04-11"}]
    report = run_full(events, "2024-07-31")
    first = results(report, "karensdag")[0]
    assert first.window == (d("2024-03-01"), d("2024-07-10"))
    assert first.violated_since == d("2024-07-11")
    assert d("2024-07-11") in unpaid_days(report) and d("2024-07-10") not in unpaid_days(report)


# QU-3 (ff-pjece §22): a quarantine lapses 3 months after the job ended, or after 185 wage hours
def test_quarantine_lapses_three_months_after_the_job_ended(run_full):
    # quit Fri 2024-01-05, registered Mon 2024-03-25; lapses 2024-04-05 (3 months after, ff:526).  Served on
    # the weekdays dagpenge would otherwise pay while registered (ff:512), the Easter holidays 03-28, 03-29
    # and 04-01 among them: 03-25 .. 03-29 and 04-01 .. 04-04, 9 of the 15 days
    events = [{"type": "self_inflicted", "date": "2024-01-05", "what": "quit"},
              {"type": "registered", "date": "2024-03-25"}]
    report = run_full(events, "2024-05-31")
    action = one(report, "quarantine-self-inflicted").actions[0]
    assert (action["served_days"], action["needed_days"], action["lapsed_on"]) == (9, 15, "2024-04-05")
    served = span("2024-03-25", "2024-03-29") | span("2024-04-01", "2024-04-04")
    assert served <= unpaid_days(report) and d("2024-04-05") not in unpaid_days(report)


def test_quarantine_lapses_after_185_wage_hours(run_full):
    events = [{"type": "self_inflicted", "date": "2024-03-25", "what": "quit"},
              {"type": "registered", "date": "2024-03-25"},
              {"type": "wage_work", "date": "2024-03-27", "hours": 184},
              {"type": "wage_work", "date": "2024-04-03", "hours": 1}]
    action = one(run_full(events, "2024-05-31"), "quarantine-self-inflicted").actions[0]
    # 185 hours reached on 04-03, so it lapses 04-04.  The week of 03-25 pays no dagpenge (184 hours of work,
    # more than 29.6: ff:350), so no quarantine day falls in it; it is served on 04-01 .. 04-03 (ff:512)
    assert (action["lapsed_on"], action["served_days"], action["from"], action["to"]) == \
        ("2024-04-04", 3, "2024-04-01", "2024-04-03")


# MT-15 (aka:142 "Når du har meldt dig syg, bliver du ikke indkaldt til møder"; ff:472 "hvis du ikke har meldt
# dig syg på forhånd"): no summons while reported sick, judged on the meeting's day
@pytest.mark.parametrize("reported_on, status", [("2024-04-08", "waived"), ("2024-04-10", "waived"),
                                                 ("2024-04-11", "violated")])
def test_no_show_while_reported_sick_is_waived(run_full, reported_on, status):
    events = [REG, {"type": "sick", "start": "2024-04-08", "end": "2024-04-12", "reported_on": reported_on,
                    "well_reported_on": "2024-04-13"},
              {"type": "meeting", "date": "2024-04-10", "held_by": "jobcenter", "kind": "job", "outcome": "no_show"}]
    assert one(run_full(events, "2024-04-30"), "attend-meetings").status == status


@pytest.mark.parametrize("notified_on, status", [("2024-06-17", "waived"), ("2024-06-18", "violated")])
def test_no_show_on_a_holiday_notified_in_time_is_waived(run_full, notified_on, status):
    events = [REG, {"type": "holiday", "start": "2024-07-01", "end": "2024-07-12", "notified_on": notified_on,
                    "dagpenge_applied_on": "2024-05-01"},
              {"type": "meeting", "date": "2024-07-03", "held_by": "jobcenter", "kind": "job", "outcome": "no_show"}]
    report = run_full(events, "2024-07-31")
    assert one(report, "attend-meetings").status == status
    assert one(report, "holiday-notice").status == ("fulfilled" if status == "waived" else "violated")


# REG-4 (ff:175, ov:118): a graduate's right starts one month after the education ended, unless a graduate
# of a higher education joined the a-kasse at least a year before it ended
@pytest.mark.parametrize("joined, status", [("2024-02-22", "in_force"), ("2023-02-20", "waived"),
                                            ("2023-02-21", "in_force")])
def test_graduate_waiting_month(run_full, joined, status):
    events = [{"type": "education_finished", "date": "2024-02-20"}, {"type": "akasse_joined", "date": joined}, REG]
    report = run_full(events, "2024-04-30", graduate=True, education="long_higher")
    assert one(report, "graduate-waiting-month").status == status
    unpaid = unpaid_days(report)
    assert (d("2024-03-01") in unpaid and d("2024-03-19") in unpaid) is (status == "in_force")  # to 02-20 + 1 month - 1
    assert d("2024-03-20") not in unpaid


def test_a_vocational_graduate_has_no_way_out_of_the_waiting_month(run_full):
    # ov:118 offers the way out to students of a higher education ("studerende på en videregående uddannelse")
    events = [{"type": "education_finished", "date": "2024-02-20"}, {"type": "akasse_joined", "date": "2022-01-03"}, REG]
    report = run_full(events, "2024-04-30", graduate=True, education="vocational")
    assert one(report, "graduate-waiting-month-other").status == "in_force"
    assert one(report, "graduate-waiting-month").status == "not_applicable"
    assert d("2024-03-19") in unpaid_days(report) and d("2024-03-20") not in unpaid_days(report)


# PAY-2 (aka-guide, aka:44, in the period the guide describes, 2017-07-01 to 2019-12-31): the benefit card at
# the latest 1 month and 10 days after the payment month
@pytest.mark.parametrize("received, status", [("2019-05-10", "fulfilled"), ("2019-05-11", "violated")])
def test_benefit_card_compound_deadline(run_full, received, status):
    events = [{"type": "registered", "date": "2019-03-01"},
              {"type": "payment_period", "start": "2019-03-01", "end": "2019-03-31", "card_received": received}]
    result = one(run_full(events, "2019-05-31", akasse="AKA"), "benefit-card-aka")
    assert (result.deadline, result.status) == (d("2019-05-10"), status)


def test_benefit_card_aka_outside_the_guide_period_is_the_three_months(run_full):
    # the same card in 2024: aka-guide describes 2017-2019, so only the 3 months of ff:127 hold
    events = [REG, {"type": "payment_period", "start": "2024-03-01", "end": "2024-03-31", "card_received": "2024-05-11"}]
    report = run_full(events, "2024-05-31", akasse="AKA")
    assert one(report, "benefit-card-aka").status == "not_applicable"
    assert one(report, "benefit-card-3-months").status == "fulfilled"


def test_benefit_card_other_akasse_uses_three_months(run_full):
    events = [REG, {"type": "payment_period", "start": "2024-03-01", "end": "2024-03-24", "card_received": "2024-06-25"}]
    report = run_full(events, "2024-07-31", akasse="FF")
    result = one(report, "benefit-card-3-months")
    assert (result.deadline, result.status) == (d("2024-06-24"), "violated")
    assert {d("2024-03-01"), d("2024-03-24")} <= unpaid_days(report) and d("2024-03-25") not in unpaid_days(report)


# BP-1, BP-2 with a small benefit period, so the day it is used up can be counted by hand
SMALL = """\
frist: 1
sources: {s: {title: t, publisher: p, year: 2024}}
vocabulary:
  person: {benefit: {type: enum, values: [dagpenge]}}
  events:
    registered: {kind: point}
    deregistered: {kind: point}
    wage_work: {kind: point, fields: {hours: {type: number}}}
  states: {registered: {starts: registered, ends: deregistered}}
parameters:
  hours_per_day: {versions: [{from: 2015-01-01, value: 7.4, cite: {source: s, section: x}}]}
rules:
  - id: period
    catalog: [BP-1]
    title: {da: d, en: e}
    cites: [{source: s, section: x}]
    duty: "%s"
    consequence: {effect: loss of right until more than 10 hours of wage_work within 1 month, text: {da: d, en: e}}
"""


def _small(tmp_path, duty, events, as_of):
    path = tmp_path / "small.yaml"
    path.write_text(SMALL % duty, "utf-8")
    module = compile_rules(path, use_cache=False)
    return frist.check({"person": {"benefit": "dagpenge"}, "events": events}, rules=module, as_of=as_of)


def test_benefit_period_in_hours_with_work_deducted(tmp_path):
    # Mon 2024-03-04 on; the week has 5 paid weekdays, 37 - 7.4 hours worked = 29.6 hours, 5.92 a day:
    # 5.92, 11.84, 17.76, 23.68 >= 22.2 on Thursday 03-07, so the right is lost from Friday 03-08
    events = [{"type": "registered", "date": "2024-03-04"}, {"type": "wage_work", "date": "2024-03-05", "hours": 7.4}]
    report = _small(tmp_path, "at most 22.2 paid hours less wage_work within 2 weeks after first registered",
                    events, "2024-03-20")
    result = one(report, "period")
    assert (result.status, result.violated_since) == ("violated", d("2024-03-08"))
    assert d("2024-03-08") in unpaid_days(report) and d("2024-03-07") not in unpaid_days(report)


def test_benefit_period_in_weeks(tmp_path):
    # registered Wed 2024-03-06: W10 (Wed-Fri) is week 1, W11 week 2, used as a whole week (ff-pjece §24.1:
    # "én af de 104 uger, hver gang du i en uge får udbetalt dagpenge") -> the right is lost from Mon 03-18
    report = _small(tmp_path, "at most 2 paid weeks within 4 weeks after first registered",
                    [{"type": "registered", "date": "2024-03-06"}], "2024-03-31")
    result = one(report, "period")
    assert (result.status, result.violated_since, result.detail["used"]) == ("violated", d("2024-03-18"), 2)
    assert d("2024-03-17") not in unpaid_days(report) and d("2024-03-18") in unpaid_days(report)


def test_benefit_period_not_used_up(tmp_path):
    report = _small(tmp_path, "at most 3 paid weeks within 4 weeks after first registered",
                    [{"type": "registered", "date": "2024-03-06"}], "2024-03-14")
    result = one(report, "period")
    assert (result.status, result.detail["used"], result.deadline) == ("pending", 2, d("2024-04-02"))


# SI-3 (ff-pjece §18): report well on the first day well; dagpenge resume from the day reported
@pytest.mark.parametrize("reported, unpaid", [("2024-04-06", []), ("2024-04-08", ["2024-04-06", "2024-04-07"])])
def test_report_well(run_full, reported, unpaid):
    sick = {"type": "sick", "start": "2024-04-02", "end": "2024-04-05", "reported_on": "2024-04-02",
            "well_reported_on": reported}
    report = run_full([REG, sick], "2024-04-30")
    result = one(report, "report-well")
    assert result.deadline == d("2024-04-06") and result.status == ("violated" if unpaid else "fulfilled")
    days = unpaid_days(report)
    assert {d(x) for x in unpaid} <= days and d(reported) not in days and d("2024-04-05") not in days


# QU-4 (ff-pjece §35): wrong information -> a quarantine of 20 to 962 hours, the length the a-kasse decided
def test_wrong_information_quarantine_takes_its_hours_from_the_event(run_full):
    events = [REG, {"type": "wrong_information", "date": "2024-04-08", "quarantine_hours": 37}]
    report = run_full(events, "2024-05-31")
    result = one(report, "wrong-information")
    assert (result.status, result.violated_since) == ("violated", d("2024-04-08"))
    action = result.actions[0]
    assert (action["hours"], action["needed_days"], action["from"], action["to"]) == (37, 5, "2024-04-08", "2024-04-12")
    assert {d(f"2024-04-{x:02d}") for x in range(8, 13)} <= unpaid_days(report)
    assert d("2024-04-15") not in unpaid_days(report)


def test_no_wrong_information_is_fulfilled(run_full):
    result = one(run_full([REG], "2024-05-31"), "wrong-information")
    assert (result.status, result.instance) == ("fulfilled", "no wrong_information up to 2024-05-31")


def test_only_quarantines_for_self_inflicted_unemployment_count_towards_two(run_full):
    # QU-2 (ff-pjece §22) is about quarantines for self-inflicted unemployment; a QU-4 quarantine is not one
    events = [REG, {"type": "wrong_information", "date": "2024-04-08", "quarantine_hours": 20},
              {"type": "self_inflicted", "date": "2024-06-03", "what": "refused_job"}]
    assert one(run_full(events, "2024-09-30"), "two-quarantines").status == "fulfilled"


# BP-7 (ff-pjece §30): supplementary dagpenge beside a side business for at most 78 weeks in all
@pytest.mark.parametrize("end, status", [("2025-06-29", "fulfilled"), ("2025-07-01", "violated")])
def test_side_business_limit_counts_weeks_in_all(run_full, end, status):
    # Monday 2024-01-01 + 78 weeks = Monday 2025-06-30: the 79th week of the business
    events = [{"type": "registered", "date": "2024-01-01"}, {"type": "side_business", "start": "2024-01-01", "end": end}]
    report = run_full(events, "2025-07-31")
    result = one(report, "side-business-limit")
    assert result.status == status
    if status == "violated":
        assert result.violated_since == d("2025-06-30") and result.detail["used"] == 79
        assert {d("2025-06-30"), d("2025-07-01")} <= unpaid_days(report)  # no dagpenge beside the business
        assert d("2025-07-02") not in unpaid_days(report)  # the business ended on 07-01
    else:
        assert result.detail["used"] == 78


# QU-4 (ff:725 "20 til 962 timer"): the a-kasse decides a quarantine of 20 to 962 hours; a timeline with 19 is refused
def test_a_quarantine_for_wrong_information_under_20_hours_is_refused_where_it_stands():
    from frist.errors import TimelineError
    document = {"person": {"birth_date": "1985-06-15", "benefit": "dagpenge", "akasse": "FF"},
                "events": [REG, {"type": "wrong_information", "date": "2024-03-20", "quarantine_hours": 19}]}
    with pytest.raises(TimelineError, match="`19` is less than the smallest value allowed, 20") as caught:
        frist.check(document, rules=ROOT / "rules.yaml", as_of="2024-03-31")
    assert "declares the field's `min`" in caught.value.format()
