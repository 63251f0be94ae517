"""The check date: ``--as-of`` when given, else the timeline's own ``as_of``, else today -- and the
report says which."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pytest

import frist
from frist.errors import TimelineError

ROOT = Path(__file__).resolve().parent.parent
PERSONA = ROOT / "examples" / "young-graduate-2024.yaml"


def _with_as_of(tmp_path, value) -> Path:
    text = PERSONA.read_text(encoding="utf-8")
    path = tmp_path / "timeline.yaml"
    path.write_text(f"as_of: {value}\n" + text, encoding="utf-8")
    return path


def _frist(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "frist.cli", *map(str, args)], capture_output=True, text=True,
                          cwd=ROOT)


def test_the_timelines_as_of_is_the_check_date(module, tmp_path):
    report = frist.check(_with_as_of(tmp_path, "2024-06-30"), rules=module)
    assert report.as_of == dt.date(2024, 6, 30) and report.as_of_from == "timeline"
    assert report.to_json()["as_of_from"] == "timeline"
    assert report.to_text(lang="en").splitlines()[0].startswith("frist report as of 2024-06-30 (the timeline's as_of) —")
    assert report.to_text(lang="da").splitlines()[0].startswith("frist-rapport pr. 2024-06-30 (tidslinjens as_of) —")


def test_an_as_of_given_overrides_the_timelines(module, tmp_path):
    report = frist.check(_with_as_of(tmp_path, "2024-06-30"), rules=module, as_of="2024-09-01")
    assert report.as_of == dt.date(2024, 9, 1) and report.as_of_from == "argument"
    assert report.to_text(lang="en").splitlines()[0].startswith("frist report as of 2024-09-01 —")  # the name may wrap


def test_without_either_the_check_date_is_today_and_the_report_says_so(module):
    report = frist.check(PERSONA, rules=module)
    assert report.as_of == dt.date.today() and report.as_of_from == "today"
    assert "(today: no --as-of was given and the timeline names no as_of)" in report.to_text(lang="en").splitlines()[0]


def test_the_same_date_gives_the_same_report_whichever_way_it_is_given(module, tmp_path):
    named = frist.check(_with_as_of(tmp_path, "2024-09-01"), rules=module).to_json()
    given = frist.check(PERSONA, rules=module, as_of="2024-09-01").to_json()
    named.pop("as_of_from"), given.pop("as_of_from"), named.pop("timeline"), given.pop("timeline")
    assert named == given


@pytest.mark.parametrize("value, message", [("2024-02-30", "`2024-02-30` is not a valid date"),
                                            ("1850-01-01", "1850-01-01"), ("soon", "soon")])
def test_a_bad_as_of_is_a_located_error(module, tmp_path, value, message):
    path = _with_as_of(tmp_path, value)
    with pytest.raises(TimelineError) as caught:
        frist.check(path, rules=module)
    text = caught.value.format()
    assert text.startswith(f"{path}:1:") and "as_of:" in text and message in text and "hint:" in text


def test_the_command_takes_the_timelines_as_of(tmp_path):
    path = _with_as_of(tmp_path, "2024-06-30")
    done = _frist("check", path, "--rules", ROOT / "rules.yaml", "--format", "json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert (report["as_of"], report["as_of_from"]) == ("2024-06-30", "timeline")
    bad = _frist("check", _with_as_of(tmp_path, "2024-13-01"), "--rules", ROOT / "rules.yaml")
    assert bad.returncode == 3 and "Traceback" not in bad.stderr and ":1:" in bad.stderr
