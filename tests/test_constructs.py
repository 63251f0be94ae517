"""Each construct of the rule language at its boundaries, on a small fixed rule book (tests/fixtures/starter-rules.yaml).

Expected dates are worked out by hand from the sources and the semantics
table in the README; the comments show the arithmetic.
"""

import pytest

from conftest import d, one, results, span, unpaid_days

REG = {"type": "registered", "date": "2024-03-04"}  # a Monday


# 1. deadline after an anchor — CV-1: at the latest 2 weeks after registering (ff-pjece §5)
# 2024-03-04 + 14 days = 2024-03-18, the deadline day included.
@pytest.mark.parametrize("created, status", [
    ("2024-03-17", "fulfilled"),  # the day before
    ("2024-03-18", "fulfilled"),  # on the deadline
    ("2024-03-19", "violated"),   # the day after
])
def test_cv_deadline_boundaries(run, created, status):
    report = run([REG, {"type": "cv_created", "date": created}], "2024-04-30", cv=False)
    result = one(report, "cv-on-jobnet")
    assert result.deadline == d("2024-03-18")
    assert result.status == status
    if status == "violated":
        assert result.violated_since == d("2024-03-19")


def test_cv_pending_until_deadline_then_violated(run):
    assert one(run([REG], "2024-03-18", cv=False), "cv-on-jobnet").status == "pending"
    late = run([REG], "2024-03-19", cv=False)
    assert one(late, "cv-on-jobnet").status == "violated"
    # no dagpenge from the day after the deadline while the CV is missing
    assert d("2024-03-19") in unpaid_days(late)


def test_late_cv_stops_dagpenge_until_created(run):
    report = run([REG, {"type": "cv_created", "date": "2024-03-21"}], "2024-03-31", cv=False)
    unpaid = unpaid_days(report)
    assert span("2024-03-19", "2024-03-20") <= unpaid
    assert d("2024-03-18") not in unpaid and d("2024-03-21") not in unpaid


# 2. window between two offsets, and month ends — MT-2 (star-kontakt): 3 a-kasse meetings
# within the first 3 months. 2024-01-31 + 3 months has no 31 April: rounded down to 2024-04-30.
@pytest.mark.parametrize("third, status", [("2024-04-30", "fulfilled"), ("2024-05-01", "violated")])
def test_month_end_window(run, third, status):
    meetings = [{"type": "meeting", "date": day, "held_by": "akasse", "kind": "job"}
                for day in ("2024-02-05", "2024-03-05", third)]
    report = run([{"type": "registered", "date": "2024-01-31"}, *meetings], "2024-06-30")
    result = one(report, "contact-course-akasse-meetings")
    assert result.window == (d("2024-01-31"), d("2024-04-30"))
    assert result.status == status


def test_window_between_offsets(run):
    # jobcenter meetings between 3 and 6 months: [2024-04-30, 2024-07-31]
    meetings = [{"type": "meeting", "date": day, "held_by": "jobcenter", "kind": "job"}
                for day in ("2024-04-29", "2024-04-30", "2024-06-10", "2024-07-31")]
    report = run([{"type": "registered", "date": "2024-01-31"}, *meetings], "2024-08-31")
    result = one(report, "contact-course-jobcenter-meetings")
    assert result.window == (d("2024-04-30"), d("2024-07-31"))
    assert result.status == "fulfilled"
    assert [e.date for e in result.fulfilled_by] == [d("2024-04-30"), d("2024-06-10"), d("2024-07-31")]


def test_refused_month_arithmetic_is_located(tmp_path, run):
    from frist.compiler import compile_rules
    from frist.errors import EvaluationError
    import frist
    from conftest import RULES, PERSON

    text = RULES.read_text("utf-8").replace("month_rounding: down", "month_rounding: refuse")
    path = tmp_path / "rules.yaml"
    path.write_text(text, "utf-8")
    module = compile_rules(path, use_cache=False)
    document = {"person": PERSON, "events": [{"type": "registered", "date": "2024-01-31"}]}
    with pytest.raises(EvaluationError) as info:
        frist.check(document, rules=module, as_of="2024-06-30")
    diagnostic = info.value.first
    assert "ambiguous date arithmetic" in diagnostic.message and "2024-01-31" in diagnostic.message
    assert diagnostic.rule is not None and diagnostic.span.line > 1
    assert "month_rounding" in diagnostic.hint


# 3. a derived clock — MT-10: first availability meeting at the latest at 3 months of
# cumulative unemployment (overview; ff-pjece §10.3). 2023-09-01 + 3 months = 2023-12-01:
# 91 registered days are needed. Registered 09-01..09-30 (30 days), deregistered 10-01,
# registered again 10-11: 61 more days from 10-11 = 2023-12-11.
GAP = [{"type": "registered", "date": "2023-09-01"}, {"type": "deregistered", "date": "2023-10-01"},
       {"type": "registered", "date": "2023-10-11"}]


@pytest.mark.parametrize("held, status", [("2023-12-10", "fulfilled"), ("2023-12-11", "fulfilled"),
                                          ("2023-12-12", "violated")])
def test_cumulative_unemployment_clock(run, held, status):
    meeting = {"type": "meeting", "date": held, "held_by": "akasse", "kind": "availability"}
    result = one(run([*GAP, meeting], "2024-01-31"), "availability-meeting-first")
    assert result.deadline == d("2023-12-11")
    assert result.status == status


def test_clock_on_29_february(run):
    # 2023-11-30 + 3 months: no 30 February 2024, rounded down to 2024-02-29 (91 days, no gap)
    events = [{"type": "registered", "date": "2023-11-30"},
              {"type": "meeting", "date": "2024-02-29", "held_by": "akasse", "kind": "availability"}]
    result = one(run(events, "2024-03-31"), "availability-meeting-first")
    assert result.deadline == d("2024-02-29") and result.status == "fulfilled"


# 4. before an anchor — HO-1: notify at least 14 days before the holiday starts (ff-pjece §21).
# Holiday from 2024-07-01: notify by 2024-06-17.
@pytest.mark.parametrize("notified, status", [("2024-06-16", "fulfilled"), ("2024-06-17", "fulfilled"),
                                              ("2024-06-18", "violated")])
def test_holiday_notice(run, notified, status):
    holiday = {"type": "holiday", "start": "2024-07-01", "end": "2024-07-12", "notified_on": notified}
    result = one(run([REG, holiday], "2024-07-31"), "holiday-notice")
    assert result.deadline == d("2024-06-17") and result.status == status


def test_single_holiday_day_needs_no_notice(run):
    holiday = {"type": "holiday", "start": "2024-07-05", "end": "2024-07-05", "notified_on": "2024-07-04"}
    result = one(run([REG, holiday], "2024-07-31"), "holiday-notice")
    assert result.status == "waived" and "single days" in result.reason


# 5. recurring duty and 10. the escalation ladder — JF-1/JF-2 (ff-pjece §8), before 2020.
def test_job_suggestions_every_7_days_with_ladder(run):
    events = [{"type": "registered", "date": "2016-03-01"}]
    events += [{"type": "job_suggestions_checked", "date": day} for day in (
        "2016-03-08",  # deadline 03-08, met on it
        "2016-03-15",  # window 03-09..03-15
        # window 03-16..03-22 missed: miss 1, reminder; grace 03-23..03-29
        "2016-03-29",  # met on the last day of grace
        # window 03-30..04-05 missed: miss 2, grace 04-06..04-12 also missed -> deregistered 04-13
    )]
    events.append({"type": "registered", "date": "2016-04-20"})
    report = run(events, "2016-05-31")
    jf = results(report, "job-suggestions")
    violated = [r for r in jf if r.status == "violated"]
    assert [r.violated_since for r in violated][:2] == [d("2016-03-23"), d("2016-04-06")]
    assert violated[0].detail["met_in_grace"] == "2016-03-29"
    assert violated[1].actions[-1] == {"action": "deregistration", "from": "2016-04-13", "to": "2016-04-19"}
    unpaid = unpaid_days(report)
    assert span("2016-04-13", "2016-04-19") <= unpaid and d("2016-04-12") not in unpaid
    # after re-registration on 04-20 the duty runs again: due 04-27, missed -> miss 3 within
    # 12 months of miss 2: deregistered at once from 04-28
    assert violated[2].violated_since == d("2016-04-28")
    assert violated[2].detail["miss"] == 3
    assert violated[2].actions == [{"action": "deregistration", "from": "2016-04-28", "to": None}]


def test_job_suggestions_end_in_2020(run):
    report = run([{"type": "registered", "date": "2020-01-06"}], "2020-03-31")
    assert one(report, "job-suggestions").status == "not_applicable"


# 6. quota per calendar week — JS-2 (fak-2024): at least 2 applications a week.
# Registered Wednesday 2024-03-06: the first whole week is W11 (03-11..03-17).
def test_weekly_quota(run):
    events = [{"type": "registered", "date": "2024-03-06"}]
    events += [{"type": "application", "date": day} for day in ("2024-03-07", "2024-03-11", "2024-03-17",
                                                                 "2024-03-24")]
    report = run(events, "2024-03-27")
    weeks = {r.instance: r for r in results(report, "job-applications-fak")}
    assert "week 2024-W10" not in weeks  # partial first week not counted
    assert weeks["week 2024-W11"].status == "fulfilled"  # Monday and Sunday both count
    assert weeks["week 2024-W12"].status == "violated"
    assert weeks["week 2024-W12"].violated_since == d("2024-03-25")
    assert weeks["week 2024-W13"].status == "pending"


# JS-3 (aka-guide): 6 per 4 weeks, sick weeks not counted, 3 of the 6 full-time.
def _aka_events(fulltime_flags):
    events = [{"type": "registered", "date": "2024-03-04"},
              {"type": "sick", "start": "2024-03-27", "end": "2024-03-28", "reported_on": "2024-03-27"}]
    days = ["2024-03-05", "2024-03-07", "2024-03-12", "2024-03-19", "2024-04-02", "2024-04-04"]
    events += [{"type": "application", "date": day, "fulltime": flag} for day, flag in zip(days, fulltime_flags)]
    return events


def test_four_week_quota_skips_sick_week(run):
    report = run(_aka_events([True, True, True, False, False, False]), "2024-04-30", akasse="AKA")
    by_name = {r.instance: r for r in results(report, "job-applications-aka")}
    assert by_name["week 2024-W13"].status == "waived"  # 03-25..03-31 has sick days
    block = by_name["weeks 2024-W10..2024-W14"]  # W10, W11, W12, W14
    assert block.status == "fulfilled" and block.detail["counted"] == 6
    assert one(report, "job-applications-fak").status == "not_applicable"


def test_four_week_quota_needs_three_fulltime(run):
    report = run(_aka_events([True, True, False, False, False, False]), "2024-04-30", akasse="AKA")
    block = {r.instance: r for r in results(report, "job-applications-aka")}["weeks 2024-W10..2024-W14"]
    assert block.status == "violated" and block.violated_since == d("2024-04-08")
    assert "fulltime" in block.reason


# 7. counters and budgets — BP-5 (ff-pjece §14.4): at most 30 weeks within 104 weeks.
def test_supplementary_budget(run):
    events = [{"type": "registered", "date": "2024-01-01"},
              {"type": "supplementary_dagpenge", "start": "2024-01-01", "end": "2024-09-30"}]
    report = run(events, "2024-09-30")
    result = one(report, "supplementary-dagpenge-limit")
    # week 31 starts 2024-01-01 + 30 weeks = 2024-07-29
    assert result.status == "violated" and result.violated_since == d("2024-07-29")
    unpaid = unpaid_days(report)
    assert d("2024-07-29") in unpaid and d("2024-07-28") not in unpaid


def test_supplementary_budget_kept(run):
    events = [{"type": "registered", "date": "2024-01-01"},
              {"type": "supplementary_dagpenge", "start": "2024-01-01", "end": "2024-07-28"}]
    result = one(run(events, "2024-09-30"), "supplementary-dagpenge-limit")
    assert result.status == "fulfilled" and result.detail["used"] == 30


# 8. conditions on person facts and dates: age at registration, 29 February birthdays,
# regime by registration date, a-kasse.
@pytest.mark.parametrize("born, registered, young", [
    ("1987-03-02", "2017-03-01", True),   # 29 the day before the 30th birthday
    ("1987-03-01", "2017-03-01", False),  # 30 on the day
    ("1988-02-29", "2018-02-28", True),   # born 29 February: 30 only on 1 March 2018
    ("1988-02-29", "2018-03-01", False),
])
def test_age_at_registration(run, born, registered, young):
    report = run([{"type": "registered", "date": registered}], "2017-12-31" if registered < "2018" else "2018-12-31",
                 birth_date=born)
    assert (one(report, "offer-young-and-senior").status != "not_applicable") is young
    assert (one(report, "offer-middle-aged").status != "not_applicable") is (not young)


@pytest.mark.parametrize("registered, new_regime", [("2023-12-31", False), ("2024-01-01", True)])
def test_regime_by_registration_date(run, registered, new_regime):
    report = run([{"type": "registered", "date": registered}], "2024-02-29")
    assert (one(report, "first-job-meeting-akasse").status != "not_applicable") is new_regime
    assert (one(report, "cv-meeting").status != "not_applicable") is (not new_regime)


def test_kontanthjaelp_recipient_is_not_covered(run):
    report = run([REG], "2024-06-30", benefit="kontanthjaelp")
    assert {r.status for r in report.results} == {"not_applicable"}
    assert report.benefit["applies"] is False


# 9. exceptions — MT-7 (overview §3): no CV meeting when re-registering less than 3 months
# after deregistering. Deregistered 2023-06-01; 2023-06-01 + 3 months = 2023-09-01.
@pytest.mark.parametrize("again, waived", [("2023-08-31", True), ("2023-09-01", False)])
def test_cv_meeting_waived_on_quick_reregistration(run, again, waived):
    events = [{"type": "registered", "date": "2023-03-01"},
              {"type": "meeting", "date": "2023-03-08", "held_by": "akasse", "kind": "cv"},
              {"type": "deregistered", "date": "2023-06-01"}, {"type": "registered", "date": again}]
    second = [r for r in results(run(events, "2023-10-31"), "cv-meeting") if r.instance == f"registered {again}"][0]
    assert (second.status == "waived") is waived
    if not waived:
        assert second.status == "violated"


# 10. consequences: deregistration (MT-12), no dagpenge until contact (MT-13), quarantine on
# business days (QU-1), loss of the right after two quarantines (QU-2).
def test_missed_booking_deregisters_until_registered_again(run):
    events = [REG, {"type": "booking_requested", "date": "2024-04-02", "by": "jobcenter", "deadline": "2024-04-09"},
              {"type": "meeting_booked", "date": "2024-04-10"}, {"type": "registered", "date": "2024-04-12"}]
    report = run(events, "2024-04-30")
    result = one(report, "book-meeting")
    assert result.status == "violated" and result.violated_since == d("2024-04-10")
    unpaid = unpaid_days(report)
    assert span("2024-04-10", "2024-04-11") <= unpaid and d("2024-04-12") not in unpaid


def test_booking_on_deadline_day(run):
    events = [REG, {"type": "booking_requested", "date": "2024-04-02", "by": "jobcenter", "deadline": "2024-04-09"},
              {"type": "meeting_booked", "date": "2024-04-09"}]
    assert one(run(events, "2024-04-30"), "book-meeting").status == "fulfilled"


def test_no_show_stops_dagpenge_until_contact(run):
    events = [REG, {"type": "meeting", "date": "2024-04-03", "held_by": "jobcenter", "kind": "job",
                    "outcome": "no_show"}, {"type": "contact", "date": "2024-04-05"}]
    report = run(events, "2024-04-30")
    assert one(report, "attend-meetings").violated_since == d("2024-04-03")
    assert {d("2024-04-03"), d("2024-04-04")} <= unpaid_days(report)
    assert d("2024-04-05") not in unpaid_days(report)


def test_quarantine_is_served_on_weekday_public_holidays_too(run):
    # ff:512 "En effektiv karantæne vil sige, at du ikke får ydelser for 111 timer, som du ellers ville
    # have ret til": the 15 days (111 h / 7.4 h) are days dagpenge would otherwise pay, and dagpenge pay
    # Monday to Friday, public holidays included.  Quit on Monday 2024-03-25: 25-29 (Maundy Thursday 03-28
    # and Good Friday 03-29 among them), 1-5 April (Easter Monday 04-01 among them), 8-12 April.
    events = [{"type": "registered", "date": "2024-03-25"},
              {"type": "self_inflicted", "date": "2024-03-25", "what": "quit"}]
    report = run(events, "2024-04-30")
    action = one(report, "quarantine-self-inflicted").actions[0]
    assert (action["needed_days"], action["served_days"], action["from"], action["to"]) == \
        (15, 15, "2024-03-25", "2024-04-12")
    unpaid = unpaid_days(report)
    assert span("2024-03-25", "2024-03-29") | span("2024-04-01", "2024-04-05") | span("2024-04-08", "2024-04-12") \
        == {day for day in unpaid if day.weekday() < 5}
    assert d("2024-03-28") in unpaid and d("2024-04-01") in unpaid and d("2024-04-15") not in unpaid


def test_quit_with_valid_reason_is_no_quarantine(run):
    events = [REG, {"type": "self_inflicted", "date": "2024-03-04", "what": "quit", "valid_reason": True}]
    report = run(events, "2024-04-30")
    assert one(report, "quarantine-self-inflicted").status == "fulfilled"
    assert not unpaid_days(report)


def test_two_quarantines_within_12_months_lose_the_right(run):
    events = [{"type": "registered", "date": "2024-01-02"},
              {"type": "self_inflicted", "date": "2024-01-02", "what": "quit"},
              {"type": "self_inflicted", "date": "2024-12-30", "what": "refused_job"},
              {"type": "wage_work", "date": "2025-02-28", "hours": 160},
              {"type": "wage_work", "date": "2025-03-31", "hours": 141}]
    report = run(events, "2025-04-30")
    lost = one(report, "two-quarantines")
    assert lost.status == "violated" and lost.violated_since == d("2024-12-30")
    unpaid = unpaid_days(report)
    # 160 + 141 = 301 > 300 hours within 3 months by 2025-03-31: the right is back from that day.  The
    # second quarantine (15 days) could not be served while the right was lost (it takes days that would
    # otherwise be paid, ff:512), and this book's quarantine does not lapse: it takes the 15 weekdays
    # from Monday 2025-03-31 to Friday 2025-04-18; dagpenge are paid again from Monday 2025-04-21.
    assert span("2024-12-30", "2025-03-30") <= unpaid
    assert {day for day in span("2025-03-31", "2025-04-30") if day in unpaid and day.weekday() < 5} == \
        {day for day in span("2025-03-31", "2025-04-18") if day.weekday() < 5}


def test_quarantines_more_than_12_months_apart(run):
    events = [{"type": "registered", "date": "2024-01-02"},
              {"type": "self_inflicted", "date": "2024-01-02", "what": "quit"},
              {"type": "self_inflicted", "date": "2025-01-02", "what": "refused_job"}]
    report = run(events, "2025-03-31")
    assert [r.status for r in results(report, "two-quarantines")] == ["fulfilled"]


# 1 again: the anchor's own date field — SI-1, report sickness on the first sick day (ff-pjece §18)
@pytest.mark.parametrize("reported, unpaid", [("2024-04-02", set()), ("2024-04-04", {"2024-04-02", "2024-04-03"})])
def test_sickness_reported_late(run, reported, unpaid):
    sick = {"type": "sick", "start": "2024-04-02", "end": "2024-04-05", "reported_on": reported}
    report = run([REG, {"type": "cv_created", "date": "2024-03-05"}, sick], "2024-04-30")
    assert one(report, "report-sickness").status == ("fulfilled" if not unpaid else "violated")
    assert unpaid_days(report) == {d(x) for x in unpaid}
