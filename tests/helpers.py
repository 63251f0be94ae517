"""Shared helpers for the bad-input, injection and totality tests."""

from __future__ import annotations

import traceback
from pathlib import Path

from frist import cli

ROOT = Path(__file__).resolve().parent.parent
# language tests mutate a fixed rule book, so that growing the shipped one does not move their targets
RULES = ROOT / "tests" / "fixtures" / "starter-rules.yaml"
RULES_TEXT = RULES.read_text("utf-8")


def where(text: str, needle: str, nth: int = 1) -> tuple[int, int]:
    """1-based (line, column) of the ``nth`` occurrence of ``needle`` in ``text``."""
    at = -1
    for _ in range(nth):
        at = text.index(needle, at + 1)
    line = text.count("\n", 0, at) + 1
    column = at - (text.rfind("\n", 0, at) + 1) + 1
    return line, column


def replace_once(text: str, old: str, new: str) -> str:
    """Replace a fragment that must occur exactly once (so a test cannot silently miss its target)."""
    count = text.count(old)
    assert count == 1, f"{old!r} occurs {count} times in the text"
    return text.replace(old, new)


def variant(tmp_path: Path, *replacements: tuple[str, str], name: str = "rules.yaml") -> tuple[Path, str]:
    """A copy of rules.yaml in ``tmp_path`` with each (old, new) fragment replaced once."""
    text = RULES_TEXT
    for old, new in replacements:
        text = replace_once(text, old, new)
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path, text


def run_cli(argv, capsys) -> tuple[int, str, str]:
    """Run ``frist`` in-process: (exit code, stdout, stderr).

    An exception escaping :func:`frist.cli.main` is what a user would see as a
    traceback, so it is rendered into stderr (and the exit code is 1, as Python's).
    """
    try:
        code = cli.main([str(a) for a in argv])
    except SystemExit as exc:  # argparse usage errors
        code = exc.code if isinstance(exc.code, int) else 1
    except Exception:  # noqa: BLE001 - a crash is exactly what is being tested for
        code = 1
        captured = capsys.readouterr()
        lines = traceback.format_exc().splitlines()
        if len(lines) > 12:  # keep the head and the innermost frames
            lines = lines[:1] + ["  ..."] + lines[-10:]
        return code, captured.out, captured.err + "\n".join(lines)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


PERSON = "person:\n  birth_date: 1990-05-17\n  benefit: dagpenge\n  akasse: FAK\nevents:\n"
"""The head of a small valid timeline: five lines, events follow from line 6."""


def expected_report(module, expected_path):
    """(the expectation, the checker's report) for an ``<name>.expected.yaml`` beside ``<name>.yaml``."""
    import frist
    from frist.source import read_file

    expected, _ = read_file(expected_path)
    timeline = expected_path.with_name(expected_path.name.replace(".expected.yaml", ".yaml"))
    return expected, frist.check(timeline, rules=module, as_of=expected["as_of"])


def result_problems(report, items) -> list:
    """How the report's results differ from the listed ones: each listed (rule, instance) must exist
    with the listed status and, where given, deadline, violated_since, in_force_from and fulfilled_by."""
    from frist.report import in_force_from

    actual = {(r.rule.id, r.instance): r for r in report.results}
    problems = []
    for item in items:
        key = (item["rule"], item["instance"])
        result = actual.get(key)
        if result is None:
            problems.append(f"{key}: no such result; have {sorted(k[1] for k in actual if k[0] == key[0])}")
            continue
        if result.status != item["status"]:
            problems.append(f"{key}: status {result.status}, expected {item['status']} ({item.get('why', '')})")
        found = {"deadline": _iso(result.deadline), "violated_since": _iso(result.violated_since),
                 "in_force_from": in_force_from(result)}
        for field, value in found.items():
            if field in item and value != str(item[field]):
                problems.append(f"{key}: {field} {value}, expected {item[field]}")
        if "fulfilled_by" in item:
            got = [e.date.isoformat() for e in result.fulfilled_by]
            if got != [str(x) for x in item["fulfilled_by"]]:
                problems.append(f"{key}: fulfilled_by {got}, expected {item['fulfilled_by']}")
    return problems


def payability(report) -> dict:
    """Each day of the report's benefit periods, and whether dagpenge are payable on it."""
    import datetime as dt

    out = {}
    for period in report.benefit["periods"]:
        day = dt.date.fromisoformat(str(period["from"]))
        while day <= dt.date.fromisoformat(str(period["to"])):
            out[day] = period["payable"]
            day += dt.timedelta(days=1)
    return out


def _iso(value):
    return None if value is None else value.isoformat()


def read_terminal(leader: int) -> bytes:
    """Everything written to a pseudo-terminal until the other side closes it."""
    import os

    out = bytearray()
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        out += chunk
    return bytes(out)
