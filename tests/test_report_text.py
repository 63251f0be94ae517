"""The text report lists what a caseworker acts on -- violated, in force, pending -- and counts the
rest; ``--all`` lists every result."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import frist

ROOT = Path(__file__).resolve().parent.parent
PERSONA = ROOT / "examples" / "young-graduate-2024.yaml"


def _rows(text: str, status: str) -> list:
    return [line for line in text.splitlines() if line.startswith(f"  {status}  ")]


def test_the_default_lists_what_is_acted_on_and_counts_the_rest(module):
    report = frist.check(PERSONA, rules=module, as_of="2024-09-01")
    text, counts = report.to_text(), report.counts()
    assert len(_rows(text, "violated")) == counts["violated"] > 0
    assert len(_rows(text, "in force")) == counts["in_force"] > 0
    assert len(_rows(text, "pending")) == counts["pending"] > 0
    assert _rows(text, "fulfilled") == [] and _rows(text, "not applicable") == []
    folded = f"Not listed: {counts['fulfilled']} fulfilled, {counts['not_in_force']} not in force, " \
             f"{counts['waived']} waived, {counts['not_applicable']} not applicable (frist check --all lists every result)"
    assert folded in text.splitlines()
    for r in report.violations():
        assert any(r.rule.id in line and r.instance in line for line in _rows(text, "violated"))


def test_all_lists_every_result(module):
    report = frist.check(PERSONA, rules=module, as_of="2024-09-01")
    text, counts = report.to_text(every_result=True), report.counts()
    assert len(_rows(text, "fulfilled")) == counts["fulfilled"]
    assert len(_rows(text, "not applicable")) == counts["not_applicable"]
    assert "Not listed:" not in text


def test_the_command_folds_unless_told_all():
    def lines(*extra):
        done = subprocess.run([sys.executable, "-m", "frist.cli", "check", PERSONA, "--rules", ROOT / "rules.yaml",
                               "--as-of", "2024-09-01", *extra], capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        return done.stdout.splitlines()

    short, every = lines(), lines("--all")
    assert len(short) < len(every) and any(line.startswith("Not listed: ") for line in short)
