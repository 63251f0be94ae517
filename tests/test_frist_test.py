"""``frist test``: the policy editor's runner for timelines and their expected reports.

The shipped personas pass; copies of them in a temporary folder, each with one expectation changed,
show each kind of difference (a field, an instance that is no result, a violation not listed, the
benefit runs) located at the expected report's line; ``--update`` rewrites only the cases named (and
with ``--only`` only those items), keeping comments and the other items' ``why``; bad inputs are
located errors with exit code 2.  The files in examples/ are only ever read here.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from conftest import ROOT, RULES
from helpers import replace_once, run_cli, where

from frist.expect import Selector, compare
from frist.expect_update import update

EXAMPLES = ROOT / "examples"
PERSONA = "missed-booking-2024"
OTHER = "two-quarantines"
REVIEW = re.compile(r'why: "from the checker on \d{4}-\d\d-\d\d: review against the sources"')

BOOKING = "    deadline: 2024-01-22\n    violated_since: 2024-01-23\n"
BOOKING_WHY = ("overview §5: 'Hvis dagpengemodtageren ikke booker en jobsamtale ... inden for den frist ... "
               "bliver personen automatisk afmeldt'")
NO_SHOW = """  - rule: attend-meetings
    instance: meeting 2024-06-11
    status: violated
    violated_since: 2024-06-11
"""
RUNS = ("{from: 2024-06-11, to: 2024-06-13, payable: false}", "{from: 2024-06-14, to: 2024-08-04, payable: true}")


def _copy(tmp_path: Path, name: str = PERSONA, *replacements: tuple[str, str]) -> Path:
    """A copy of a persona (timeline and expected report) in ``tmp_path``, the expected report changed."""
    shutil.copy(EXAMPLES / f"{name}.yaml", tmp_path / f"{name}.yaml")
    text = (EXAMPLES / f"{name}.expected.yaml").read_text("utf-8")
    for old, new in replacements:
        text = replace_once(text, old, new)
    path = tmp_path / f"{name}.expected.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _test(capsys, *argv):
    return run_cli(["test", "--rules", RULES, *argv], capsys)


def test_the_shipped_personas_pass(capsys):
    count = len(list(EXAMPLES.glob("*.expected.yaml")))
    code, out, err = _test(capsys, EXAMPLES)
    assert code == 0, out + err
    assert out.splitlines()[-1] == f"{count} cases: {count} passed, 0 failed"
    assert out.count("\nok   ") + out.startswith("ok   ") == count


@pytest.mark.parametrize("old, new, field, expected, actual", [
    (BOOKING, BOOKING.replace("01-22", "01-21"), "deadline", "2024-01-21", "2024-01-22"),
    (BOOKING, BOOKING.replace("01-23", "01-24"), "violated_since", "2024-01-24", "2024-01-23"),
    ("    status: violated\n    deadline: 2024-01-22", "    status: pending\n    deadline: 2024-01-22",
     "status", "pending", "violated"),
    ("    fulfilled_by: [2024-04-30]", "    fulfilled_by: [2024-05-01]", "fulfilled_by",
     "[2024-05-01]", "[2024-04-30]"),
    ("    in_force_from: 2024-05-15", "    in_force_from: 2024-05-16", "in_force_from", "2024-05-16", "2024-05-15"),
], ids=["deadline", "violated_since", "status", "fulfilled_by", "in_force_from"])
def test_a_changed_expectation_shows_the_rule_the_instance_both_values_and_the_line(
        tmp_path, capsys, module, old, new, field, expected, actual):
    path = _copy(tmp_path, PERSONA, (old, new))
    text = path.read_text("utf-8")
    code, out, err = _test(capsys, tmp_path)
    assert code == 1, out + err
    changed = text.index(f"    {field}: ", text.index(new))  # the line of the changed value
    line = text.count("\n", 0, changed) + 1
    assert re.search(rf"^      {field} +expected {re.escape(expected)} +actual {re.escape(actual)} +line {line}$",
                     out, re.MULTILINE), out
    item = text.rfind("  - rule: ", 0, changed) + 4  # the item's `rule:`, where its mapping begins
    rule = text[item + 6:].split("\n")[0]
    instance = text[text.index("instance: ", item) + 10:].split("\n")[0]
    title = {r.id: r.title for r in module.RULES}[rule]["da"]
    assert f"\n  {rule} — {title}\n    {instance}  ({path}:{text.count(chr(10), 0, item) + 1}:5)\n" in out, out
    assert out.splitlines()[0].startswith(f"FAIL {path} — 1 difference (timeline {tmp_path / PERSONA}.yaml")
    assert out.splitlines()[-1] == "1 case: 0 passed, 1 failed"


def test_the_why_of_the_expectation_is_shown_under_it(tmp_path, capsys):
    _copy(tmp_path, PERSONA, (BOOKING, BOOKING.replace("01-22", "01-21")))
    code, out, _ = _test(capsys, tmp_path)
    assert code == 1
    why = out[out.index("      why: "):]
    assert re.sub(r"\s+", " ", why[11:]).startswith(BOOKING_WHY), out


def test_an_unexpected_violation_is_shown(tmp_path, capsys):
    _copy(tmp_path, PERSONA, (NO_SHOW, NO_SHOW.replace("meeting 2024-06-11", "meeting 2024-06-99")))
    code, out, _ = _test(capsys, tmp_path)
    assert code == 1
    assert ("    meeting 2024-06-11  not listed\n"
            "      unexpected violation: violated since 2024-06-11 (deadline 2024-06-11)\n") in out, out
    assert re.search(r"    meeting 2024-06-99  \(.*:\d+:5\)\n      status +expected violated +actual no such result\n"
                     r"      the rule's instances: meeting 2024-01-11, meeting 2024-02-06, ", out), out


def test_a_benefit_run_difference_is_shown_in_two_columns(tmp_path, capsys):
    path = _copy(tmp_path, PERSONA, (RUNS[0], RUNS[0].replace("06-13", "06-14")),
                 (RUNS[1], RUNS[1].replace("06-14", "06-15")))
    code, out, _ = _test(capsys, tmp_path)
    assert code == 1
    line, _ = where(path.read_text("utf-8"), RUNS[0].replace("06-13", "06-14"))
    assert "      2024-05-16 – 2024-06-10  paid       2024-05-16 – 2024-06-10  paid\n" in out, out
    assert f"    ~ 2024-06-11 – 2024-06-14  not paid   2024-06-11 – 2024-06-13  not paid   line {line}\n" in out
    assert f"    ~ 2024-06-15 – 2024-08-04  paid       2024-06-14 – 2024-08-04  paid       line {line + 1}\n" in out


def test_compare_is_the_api_frist_test_and_the_persona_tests_share(tmp_path, module):
    path = _copy(tmp_path, PERSONA, (BOOKING, BOOKING.replace("01-22", "01-21")))
    outcome = compare(module, tmp_path / f"{PERSONA}.yaml", path)
    [difference] = outcome.differences
    assert (difference.kind, difference.rule, difference.instance, difference.field) == (
        "value", "book-meeting", "booking_requested 2024-01-15", "deadline")
    assert (difference.expected, difference.actual) == ("2024-01-21", "2024-01-22")
    line, column = where(path.read_text("utf-8"), "2024-01-21")
    assert str(difference) == (f"{path}:{line}:{column}: book-meeting / booking_requested 2024-01-15: "
                               "deadline expected 2024-01-21, actual 2024-01-22")
    assert not compare(module, EXAMPLES / f"{PERSONA}.yaml", EXAMPLES / f"{PERSONA}.expected.yaml").differences


# ====================================================================== --update
def test_update_rewrites_only_the_named_case_and_then_it_passes(tmp_path, capsys):
    broken = (BOOKING, BOOKING.replace("01-22", "01-21"))
    path = _copy(tmp_path, PERSONA, broken)
    other = _copy(tmp_path, OTHER, ("as_of: 2024-10-06", "as_of: 2024-10-05"))
    other_bytes = other.read_bytes()
    code, out, err = _test(capsys, "--update", tmp_path / f"{PERSONA}.yaml")
    assert code == 0, out + err
    assert out.startswith(f"UPDATED {path} — 1 difference"), out
    assert out.splitlines()[-1] == ("1 case: 1 passed, 0 failed; 1 expected report updated: review the change "
                                    "before committing")
    assert other.read_bytes() == other_bytes  # not named, not touched (and still failing)
    # byte for byte the original, but for the rewritten item's why, which asks for a review
    original = (EXAMPLES / f"{PERSONA}.expected.yaml").read_text("utf-8")
    old_why = original[original.index('    why: "' + BOOKING_WHY[:20]):].split("\n")[0]
    new_why = path.read_text("utf-8").splitlines()[where(original, old_why)[0] - 1]
    assert REVIEW.fullmatch(new_why.strip()), new_why
    assert path.read_text("utf-8") == original.replace(old_why, new_why)
    assert _test(capsys, tmp_path / f"{PERSONA}.expected.yaml")[0] == 0
    assert _test(capsys, tmp_path)[0] == 1  # the other case was not named


def test_update_adds_violations_removes_lost_instances_and_mends_the_runs_keeping_comments(tmp_path, capsys):
    path = _copy(tmp_path, PERSONA,
                 (NO_SHOW, NO_SHOW.replace("meeting 2024-06-11", "meeting 2024-06-10")),
                 ('instance: "-", status: not_applicable, why: "JF-1',
                  'instance: "-", status: pending, why: "JF-1'),
                 (RUNS[0], RUNS[0].replace("06-13", "06-14")), (RUNS[1], RUNS[1].replace("06-14", "06-15")))
    before = path.read_text("utf-8")
    code, out, err = _test(capsys, "--update", tmp_path)
    assert code == 0, out + err
    after = path.read_text("utf-8")
    assert _test(capsys, tmp_path)[0] == 0
    # every comment and every why of an item that still holds is kept
    comments = [line for line in before.splitlines() if line.lstrip().startswith("#")]
    assert [line for line in after.splitlines() if line.lstrip().startswith("#")] == comments
    assert "# BP-4 karensdag (legal effect): Wed 05-15" in after
    kept = set(re.findall(r'why: "[^"]*"', before)) - {
        re.search(r'why: "ff-pjece §23[^"]*"', before).group(0), 'why: "JF-1 abolished from 2020-01-01"'}
    assert kept <= set(re.findall(r'why: "[^"]*"', after))
    assert "meeting 2024-06-10" not in after
    # the violation is back in block style after the rule's last item, asking for a review
    new = re.search(r"  - rule: attend-meetings\n    instance: meeting 2024-06-11\n    status: violated\n"
                    r"    deadline: 2024-06-11\n    violated_since: 2024-06-11\n    (why: .*)\n", after)
    assert new and REVIEW.fullmatch(new.group(1)), after
    assert after.index("instance: meeting 2024-06-18") < new.start()
    assert re.search(r'  - \{rule: job-suggestions, instance: "-", status: not_applicable, '
                     r'why: "from the checker on [\d-]+: review against the sources"\}\n', after)
    assert re.search(r"  - \{from: 2024-06-11, to: 2024-06-13, payable: false\}   # from the checker on [\d-]+: "
                     r"review against the sources\n  - \{from: 2024-06-14, to: 2024-08-04, payable: true\}   "
                     r"# from the checker", after)


def test_update_with_only_rewrites_only_those_items(tmp_path, capsys):
    other_booking = "    deadline: 2024-05-06\n    fulfilled_by: [2024-04-30]\n"
    path = _copy(tmp_path, PERSONA, (BOOKING, BOOKING.replace("01-22", "01-21")),
                 (other_booking, other_booking.replace("05-06", "05-07")),
                 (NO_SHOW, NO_SHOW.replace("status: violated", "status: pending")),
                 (RUNS[0], RUNS[0].replace("06-13", "06-14")), (RUNS[1], RUNS[1].replace("06-14", "06-15")))
    before = path.read_text("utf-8")
    code, out, err = _test(capsys, "--update", "--only", "book-meeting:booking_requested 2024-01-15", path)
    assert code == 0, out + err
    after = path.read_text("utf-8")
    assert BOOKING in after and "deadline: 2024-05-07" in after and "status: pending" in after
    assert RUNS[0].replace("06-13", "06-14") in after
    assert len(after.splitlines()) == len(before.splitlines())
    code, out, _ = _test(capsys, path)
    assert code == 1 and "booking_requested 2024-01-15" not in out and "attend-meetings" in out, out
    # --only RULE: every item of the rule, and nothing else
    assert _test(capsys, "--update", "--only", "book-meeting", path)[0] == 0
    assert "deadline: 2024-05-06" in path.read_text("utf-8") and "status: pending" in path.read_text("utf-8")


def test_update_from_python_chooses_items_by_selector(tmp_path, module):
    path = _copy(tmp_path, PERSONA, (BOOKING, BOOKING.replace("01-22", "01-21")),
                 ("    in_force_from: 2024-05-15", "    in_force_from: 2024-05-16"))
    outcome = compare(module, tmp_path / f"{PERSONA}.yaml", path)
    change = update(outcome, [Selector.parse("karensdag")])
    assert (change.rewritten, change.added, change.removed, change.benefit) == (1, 0, 0, False)
    assert "in_force_from: 2024-05-15" in change.text and "deadline: 2024-01-21" in change.text
    assert str(change) == "1 item rewritten"


def test_update_needs_the_cases_named(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, _, err = _test(capsys, "--update")
    assert code == 2 and err.startswith("<command line>:1:1: error: --update rewrites the expected reports named")


# ====================================================================== bad input
BAD = {
    "malformed YAML": (("as_of: 2024-08-04", "as_of: [2024-08-04"), "malformed YAML", "results:"),
    "unknown rule": (("  - rule: book-meeting\n    instance: booking_requested 2024-04-29",
                      "  - rule: bok-meeting\n    instance: booking_requested 2024-04-29"),
                     "unknown rule `bok-meeting`", "bok-meeting"),
    "unknown status": (("status: not_in_force", "status: not-in-force"), "unknown status `not-in-force`",
                       "not-in-force"),
}


@pytest.mark.parametrize("case", BAD, ids=list(BAD))
def test_a_bad_expected_report_is_a_located_error(tmp_path, capsys, case):
    replacement, message, at = BAD[case]
    path = _copy(tmp_path, PERSONA, replacement)
    text = path.read_bytes()
    for argv in ([tmp_path], ["--update", tmp_path]):
        code, out, err = _test(capsys, *argv)
        assert code == 2 and "Traceback" not in err, err
        line, column = where(text.decode("utf-8"), at)
        assert re.search(rf"^{re.escape(str(path))}:{line}:\d+: error: .*{re.escape(message)}", err, re.MULTILINE), err
        assert out.splitlines()[-1] == "1 case: 0 passed, 0 failed, 1 could not be read"
        assert path.read_bytes() == text
    if case == "unknown rule":
        assert "hint: did you mean `book-meeting`?" in err and f"{line}:{column}:" in err


def test_an_expected_report_without_its_timeline_is_an_error(tmp_path, capsys):
    path = _copy(tmp_path, PERSONA)
    (tmp_path / f"{PERSONA}.yaml").unlink()
    code, _, err = _test(capsys, tmp_path)
    assert code == 2 and "Traceback" not in err
    assert err.startswith(f"{path}:1:1: error: no timeline `{PERSONA}.yaml` beside this expected report"), err


def test_a_timeline_without_an_expected_report_is_reported_not_skipped(tmp_path, capsys):
    _copy(tmp_path, PERSONA)
    shutil.copy(EXAMPLES / f"{OTHER}.yaml", tmp_path / f"{OTHER}.yaml")
    code, out, _ = _test(capsys, tmp_path)
    assert code == 0
    assert f"note {tmp_path / OTHER}.yaml: no expected report `{OTHER}.expected.yaml` beside it; not tested" in out
    assert out.splitlines()[-1] == "1 case: 1 passed, 0 failed; 1 timeline without an expected report"
    code, _, err = _test(capsys, tmp_path / f"{OTHER}.yaml")  # named, it must have one
    assert code == 2 and f"no expected report `{OTHER}.expected.yaml` beside this timeline" in err


def test_colour_only_when_asked_for_or_on_a_terminal(tmp_path, capsys):
    _copy(tmp_path, PERSONA, (BOOKING, BOOKING.replace("01-22", "01-21")))
    assert "\x1b[" not in _test(capsys, tmp_path)[1]  # a pipe
    out = _test(capsys, "--color", "always", tmp_path)[1]
    assert "\x1b[31m2024-01-21\x1b[0m" in out and "\x1b[32m2024-01-22\x1b[0m" in out, out
