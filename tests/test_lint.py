"""`frist lint`: the shipped rule book lints clean; each deliberately broken rule book in
tests/lint/ makes its check fire, located, with a counterexample."""

import json
from pathlib import Path

import pytest

from frist.lint import lint
from frist.rulebook import load

from helpers import run_cli, where

ROOT = Path(__file__).resolve().parent.parent
BROKEN = ROOT / "tests" / "lint"


def test_the_shipped_rule_book_lints_clean(capsys):
    code, out, err = run_cli(["lint", ROOT / "rules.yaml"], capsys)
    assert code == 0, out + err
    assert out.strip().endswith("0 error(s), 0 warning(s), 1 explained")
    assert "explained in the rule book: Intended: a stay abroad" in out  # stay-in-denmark's warning, with its reason


# fixture, code, severity, text located at (in the fixture), message, counterexample fragments
CASES = [
    ("overlap", "overlap", "error", "  - id: cv-fak-ff", "versions of `cv-deadline` overlap: cv-fak-ff, cv-aka-ff all apply",
     ["akasse: FF", "benefit: dagpenge", "registered: 2024-03-04"]),
    ("gap", "gap", "warning", "  - id: cv-fak", "no version of `cv-deadline` applies, although the family covers the person",
     ["akasse: FF", "benefit: dagpenge"]),
    ("ambiguous-deadline", "ambiguous-deadline", "error", "within 2 weeks after registered: cv_created",
     "`cv-two-weeks` and `cv-three-weeks` give the duty `cv_created after registered` different deadlines",
     ["akasse: FAK", "benefit: dagpenge"]),
    ("impossible-deadlines", "impossible-deadlines", "error", "within 1 week after cv_created: cv_approved",
     "the deadlines of cv-approved, cv-approved-late, cv-created cannot all be met: they fall 7 day(s) short",
     ["registered 2024-03-04 -> cv_created by 2024-03-18", "cv_approved by 2024-03-25",
      "registered by 2024-02-26 (cv-approved-late: cv_approved at least 28 days after registered)"]),
    ("never-applies", "never-applies", "warning", "akasse is FAK and akasse is AKA",
     "`cv-nobody` applies to no person on any date", ["tried: "]),
    ("never-met", "never-met", "warning", "each meeting: outcome is held and outcome is no_show",
     "no `meeting` can meet `attend-impossible`'s condition", ["meeting: any"]),
    ("never-broken", "never-broken", "warning", "each meeting: outcome in [held, no_show, cancelled]",
     "every `meeting` meets `attend-anything`'s condition", ["meeting: any"]),
    ("month-rounding", "month-rounding", "error", "within 3 months after registered: meeting",
     "`offer-in-3-months` adds 3 month(s) to dates, and the rule book declares no rounding",
     ["anchor: 2024-01-31", "lands on: a day April 2024 does not have"]),
    ("order", "order", "error", "  - id: applications-or-out",
     "`applications-or-out`, `suggestions-or-out` change what each other reads, so their verdicts would depend on "
     "their order in the rule book",
     ["applications-or-out changes `registered`, which suggestions-or-out reads",
      "suggestions-or-out changes `registered`, which applications-or-out reads"]),
    ("sequence", "sequence", "error", "between 2 months and 6 months after registered: meeting",
     "`second-meeting` is declared a later duty than `first-meeting`, but its window does not start where that "
     "one's deadline falls", ["first-meeting due: 3 month(s) after the anchor", "second-meeting opens: 2 month(s)"]),
]


@pytest.mark.parametrize("name, code, severity, at, message, example", CASES, ids=[c[0] for c in CASES])
def test_each_broken_rule_book_fires_its_check(capsys, name, code, severity, at, message, example):
    path = BROKEN / f"{name}.yaml"
    text = path.read_text("utf-8")
    findings = lint(load(path))
    assert [(f.code, f.severity) for f in findings] == [(code, severity)]
    finding = findings[0]
    assert finding.message == message
    line, _ = where(text, at)
    assert (finding.span.file, finding.span.line) == (str(path), line)
    rendered = finding.format()
    for fragment in example:
        assert fragment in rendered
    assert finding.hint
    # the command fails on every broken rule book; with --errors-only, on errors only
    exit_plain, out, _ = run_cli(["lint", path], capsys)
    assert exit_plain == 1
    assert f"{path}:{line}:" in out and f"{severity}[{code}]" in out
    exit_errors_only, _, _ = run_cli(["lint", path, "--errors-only"], capsys)
    assert exit_errors_only == (1 if severity == "error" else 0)


def test_json_findings(capsys):
    code, out, _ = run_cli(["lint", BROKEN / "overlap.yaml", "--format", "json"], capsys)
    finding = json.loads(out)["findings"][0]
    assert code == 1
    assert finding["code"] == "overlap" and finding["rules"] == ["cv-fak-ff", "cv-aka-ff"]
    assert finding["counterexample"]["akasse"] == "FF" and finding["location"].endswith(".yaml:28:5")


def test_an_overlap_in_the_shipped_rule_book_is_found(tmp_path):
    text = (ROOT / "rules.yaml").read_text("utf-8")
    old = "applies: benefit is dagpenge and akasse is AKA\n    valid: {from: 2017-07-01, until: 2020-01-01, on: instance}\n    duty: >\n      at least 6 application"
    path = tmp_path / "rules.yaml"
    path.write_text(text.replace(old, old.replace("akasse is AKA", "akasse in [AKA, FAK]")), "utf-8")
    findings = [f for f in lint(load(path)) if f.severity == "error"]
    assert [(f.code, f.rules) for f in findings] == [("overlap", ("job-applications-fak", "job-applications-aka"))]
    assert findings[0].counterexample["akasse"] == "FAK" and findings[0].counterexample["benefit"] == "dagpenge"


def test_an_unknown_lint_code_is_a_located_schema_error(tmp_path, capsys):
    text = (BROKEN / "never-met.yaml").read_text("utf-8").replace(
        "    duty: \"each meeting", "    lint: {explained: {never-mett: this is what we want}}\n    duty: \"each meeting")
    path = tmp_path / "rules.yaml"
    path.write_text(text, "utf-8")
    code, _, err = run_cli(["lint", path], capsys)
    line, column = where(text, "never-mett")
    assert code == 2 and f"rules.yaml:{line}:{column}:" in err and "Traceback" not in err


def test_an_explained_warning_does_not_fail_the_command(tmp_path, capsys):
    text = (BROKEN / "never-met.yaml").read_text("utf-8").replace(
        "    duty: \"each meeting", "    lint: {explained: {never-met: a rule that only states a consequence}}\n"
                                   "    duty: \"each meeting")
    path = tmp_path / "rules.yaml"
    path.write_text(text, "utf-8")
    code, out, _ = run_cli(["lint", path], capsys)
    assert code == 0 and "0 error(s), 0 warning(s), 1 explained" in out


def test_a_backwards_window_is_never_met_and_impossible():
    path = BROKEN / "window-backwards.yaml"
    findings = lint(load(path))
    assert [(f.code, f.severity) for f in findings] == [("impossible-deadlines", "error"), ("never-met", "warning")]
    assert findings[1].counterexample == {"opens": "84 days", "closes": "62 days"}
    assert "22 day(s) before itself" in findings[0].counterexample["chain"]


def test_a_duty_met_by_its_own_anchor_is_never_broken():
    findings = lint(load(BROKEN / "met-by-its-anchor.yaml"))
    assert [(f.code, f.message) for f in findings] == [("never-broken", "`register-again` is met by its own anchor")]


def test_a_condition_on_numbers_is_decided_by_z3():
    pytest.importorskip("z3")
    findings = lint(load(BROKEN / "never-met-hours.yaml"))
    assert [(f.code, f.message) for f in findings] == [
        ("never-met", "no `wage_work` can meet `work-impossible`'s condition")]


def test_the_shipped_rule_book_has_no_condition_on_numbers_that_never_holds():
    pytest.importorskip("z3")
    # e.g. `supplementary-dagpenge-limit`'s `hours > 30` is decided by z3 and is satisfiable both ways
    assert [f.code for f in lint(load(ROOT / "rules.yaml")) if f.code in ("never-met", "never-broken")] == ["never-met"]


def test_a_rule_settling_a_disagreement_of_the_sources_without_a_reading_is_found(tmp_path):
    # CV-3 is marked `conflict` in the catalog; cv-job-goals-ff encodes it, and without its `reading` lint says so
    text = (ROOT / "rules.yaml").read_text("utf-8")
    start = text.index("  - id: cv-job-goals-ff\n")
    at = text.index("    reading:\n", start)
    end = text.index("\n  - id: ", at)
    path = tmp_path / "rules.yaml"
    path.write_text(text[:at] + text[end + 1:], "utf-8")
    (tmp_path / "catalog.yaml").write_text((ROOT / "catalog.yaml").read_text("utf-8"), "utf-8")
    findings = [f for f in lint(load(path)) if f.code == "reading"]
    assert [(f.severity, f.rules) for f in findings] == [("warning", ("cv-job-goals-ff",))]
    assert "encodes CV-3, on which the sources disagree (at least one job goal (overview) against two job titles " \
           "(ff-pjece))" in findings[0].message
    assert findings[0].hint.startswith("add `reading:`")


def test_the_shipped_rule_book_states_a_reading_wherever_the_sources_disagree():
    assert [f for f in lint(load(ROOT / "rules.yaml")) if f.code == "reading"] == []
