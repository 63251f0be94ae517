"""Versions and variants: for every regime, a-kasse, target group, age and insurance,
exactly one version of each family of rules applies.

The regimes are registration dates inside each period the rule book distinguishes
(graduate or not is a further variant, for the benefit period):
before the 2015 reform's 1 July 2015, the 2015-reform years before and after the
2017 reform, the 2020 employment act, the 2023 digital-meetings act, the 2024
contact course and the 2026 contact course.
"""

import datetime as dt
import itertools
from pathlib import Path

import pytest

from frist.runtime import engine
from frist.runtime.timeline import build_timeline

ROOT = Path(__file__).resolve().parent.parent

REGIMES = ["2015-03-02", "2016-03-01", "2018-03-01", "2021-03-01", "2023-06-01", "2024-03-01", "2026-09-01"]
AKASSER = ["FAK", "AKA", "FF", "other"]
BENEFITS = ["dagpenge", "kontanthjaelp", "uddannelseshjaelp"]
AGES = [22, 27, 35, 52, 62]
INSURANCE = ["fulltime", "parttime"]
GRADUATE = [False, True]


def _selection(module, regime, akasse, benefit, age, insurance, graduate=False):
    day = dt.date.fromisoformat(regime)
    born = day.replace(year=day.year - age) - dt.timedelta(days=40)
    document = {"person": {"birth_date": born.isoformat(), "benefit": benefit, "akasse": akasse,
                           "insurance": insurance, "graduate": graduate},
                "events": [{"type": "registered", "date": regime}]}
    timeline = build_timeline(document, module.BOOK["vocabulary"], "<combination>")
    ctx = engine.Context(module.BOOK, timeline, day)
    return engine.selected_versions(module.FAMILIES, module.RULES, module.APPLIES, ctx, day)


COMBINATIONS = list(itertools.product(REGIMES, AKASSER, BENEFITS, AGES, INSURANCE, GRADUATE))


def test_every_combination_selects_exactly_one_version(module):
    problems = []
    for combination in COMBINATIONS:
        for family, rules in _selection(module, *combination).items():
            if len(rules) != 1:
                problems.append(f"{combination}: {family} -> {rules or 'no version'}")
    assert not problems, "\n".join(problems[:40])


def test_every_family_and_every_version_is_selected_somewhere(module):
    families, versions = set(), set()
    for combination in COMBINATIONS:
        for family, rules in _selection(module, *combination).items():
            families.add(family)
            versions.update(rules)
    assert families == set(module.FAMILIES)
    declared = {r.id for r in module.RULES if r.family}
    assert declared - versions == set()


def _job_search(akasse: str, day: str) -> str:
    """The job-search variant the sources give: FAK's own every week (fak-2024); AKA's own in the period
    aka-guide describes (2017-07-01 to 2019-12-31); the overview's average for everyone else."""
    if akasse == "FAK":
        return "job-applications-fak"
    if akasse == "AKA":
        return ("job-applications-aka-before-2017" if day < "2017-07-01" else
                "job-applications-aka" if day < "2020-01-01" else "job-applications-aka-from-2020")
    return "job-applications"


@pytest.mark.parametrize("regime", ["2016-03-01", "2017-06-30", "2017-07-01", "2019-12-31", "2020-01-01", "2024-03-01"])
@pytest.mark.parametrize("akasse", AKASSER)
def test_job_search_variant_by_akasse_and_period(module, akasse, regime):
    assert _selection(module, regime, akasse, "dagpenge", 35, "fulltime")["job-search"] == [_job_search(akasse, regime)]


@pytest.mark.parametrize("regime, expected", [
    ("2016-03-01", "jobcenter-meetings-monthly-2015"), ("2021-03-01", "jobcenter-meetings-2020"),
    ("2023-12-31", "jobcenter-meetings-2020"), ("2024-01-01", "contact-course-jobcenter-meetings"),
    ("2026-06-30", "contact-course-jobcenter-meetings"), ("2026-07-01", "jobcenter-meetings-2026")])
def test_jobcenter_meeting_version_by_registration_date(module, regime, expected):
    assert _selection(module, regime, "FAK", "dagpenge", 35, "fulltime")["jobcenter-meetings"] == [expected]


@pytest.mark.parametrize("benefit, cv, approval", [
    ("dagpenge", "cv-on-jobnet", "cv-approval"),
    ("kontanthjaelp", "cv-on-jobnet-cash-benefit", "cv-approval-jobcenter"),
    ("uddannelseshjaelp", "cv-on-jobnet-cash-benefit", "cv-approval-jobcenter")])
def test_cv_variants_by_target_group(module, benefit, cv, approval):
    chosen = _selection(module, "2024-03-01", "FAK", benefit, 27, "fulltime")
    assert (chosen["cv-deadline"], chosen["cv-approval"]) == ([cv], [approval])


def test_dagpenge_families_do_not_cover_cash_benefit(module):
    chosen = _selection(module, "2024-03-01", "FAK", "kontanthjaelp", 27, "fulltime")
    assert set(chosen) == {"cv-deadline", "cv-approval", "first-meeting-in-person"}  # MT-4: every target group


@pytest.mark.parametrize("regime, graduate, expected", [
    ("2016-03-01", True, "benefit-period-weeks-fulltime"), ("2018-03-01", True, "benefit-period-graduate-2017"),
    ("2023-04-30", True, "benefit-period-graduate-2017"), ("2023-05-01", True, "benefit-period-graduate-2023"),
    ("2023-05-01", False, "benefit-period-hours-fulltime")])
def test_benefit_period_version_by_date_and_graduate(module, regime, graduate, expected):
    assert _selection(module, regime, "FAK", "dagpenge", 27, "fulltime", graduate)["benefit-period"] == [expected]


def test_an_overlap_is_reported_as_ambiguous(tmp_path):
    import frist
    from frist.compiler import compile_rules

    text = (ROOT / "rules.yaml").read_text("utf-8")
    old = ("applies: benefit is dagpenge and akasse is AKA\n    valid: {from: 2017-07-01, until: 2020-01-01, on: instance}\n"
           "    duty: >\n      at least 6 application")
    assert text.count(old) == 1
    path = tmp_path / "rules.yaml"
    path.write_text(text.replace(old, old.replace("akasse is AKA", "akasse in [AKA, FAK]")), "utf-8")
    (tmp_path / "catalog.yaml").write_text((ROOT / "catalog.yaml").read_text("utf-8"), "utf-8")
    module = compile_rules(path, use_cache=False)
    assert _selection(module, "2018-03-01", "FAK", "dagpenge", 35, "fulltime")["job-search"] == [
        "job-applications-fak", "job-applications-aka"]
    report = frist.check({"person": {"birth_date": "1989-01-01", "benefit": "dagpenge", "akasse": "FAK"},
                          "events": [{"type": "registered", "date": "2018-03-01"}]}, rules=module, as_of="2018-03-10")
    assert {"on": "2018-03-01", "family": "job-search", "rules": ["job-applications-fak", "job-applications-aka"]} \
        in report.ambiguities()
    assert "warning: job-search for the registration of 2018-03-01: AMBIGUOUS: job-applications-fak, " \
           "job-applications-aka" in " ".join(report.to_text(lang="en").split())  # a wrapped line, compared flat


@pytest.mark.parametrize("regime", REGIMES)
def test_checking_a_persona_of_each_combination_reports_one_version_per_family(module, regime):
    # the same question through frist.check: the report's `versions` for a person of each a-kasse and target group
    import frist

    for akasse, benefit in itertools.product(AKASSER, BENEFITS):
        document = {"person": {"birth_date": "1985-06-15", "benefit": benefit, "akasse": akasse},
                    "events": [{"type": "unemployed", "date": regime}, {"type": "registered", "date": regime},
                               {"type": "cv_created", "date": regime}]}
        day = dt.date.fromisoformat(regime)
        report = frist.check(document, rules=module, as_of=day + dt.timedelta(days=200))
        assert report.versions and report.ambiguities() == [], (akasse, benefit, report.ambiguities())
        chosen = {v["family"]: v["rules"] for v in report.versions}
        if benefit == "dagpenge":
            assert chosen["job-search"] == [_job_search(akasse, regime)]
        else:
            assert set(chosen) <= {"cv-deadline", "cv-approval", "first-meeting-in-person"}
