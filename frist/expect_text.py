"""An :class:`~frist.expect.Outcome` as text, for the policy editor: ``frist test``'s output.

A case that passes is one line.  A case that fails lists its differences by rule, under the rule's
title: each instance with the place of its expectation in the expected report (``file:line:col``),
each differing field with the expected and the actual value and the line it is written on, and
the expectation's ``why`` (which source sentence gave it); then the violations not listed, and the
dagpenge runs as two columns, expected and actual, the differing rows marked (``-`` only expected,
``+`` only actual, ``~`` changed).  Colour comes from rich, and only when asked for.
"""

from __future__ import annotations

import difflib
import io
import textwrap

from .expect import Outcome
from .expect import _show as _value

WIDTH = 100
STYLES = {"fail": "bold red", "ok": "green", "rule": "bold", "expected": "red", "actual": "green",
          "where": "dim", "why": "cyan", "changed": "yellow", "error": "bold red"}
RUN_COLUMN = 36  # "2024-01-23 – 2024-01-29  not paid" and room to spare


class Lines:
    """Lines of (text, style) pieces, written plain or coloured."""

    def __init__(self):
        self.lines = []

    def add(self, *pieces) -> None:
        self.lines.append([p if isinstance(p, tuple) else (p, None) for p in pieces])

    def text(self, color: bool = False) -> str:
        if not color:
            return "".join("".join(t for t, _ in line).rstrip() + "\n" for line in self.lines)
        from rich.console import Console  # only coloured output needs rich
        from rich.text import Text

        out = io.StringIO()
        console = Console(file=out, force_terminal=True, color_system="standard", no_color=False, width=WIDTH,
                          highlight=False, markup=False, emoji=False, soft_wrap=True)
        for line in self.lines:
            text = Text()
            for piece, style in line:
                text.append(piece, style=STYLES.get(style, style))
            text.rstrip()
            console.print(text)
        return out.getvalue()


def render(outcome: Outcome, *, color: bool = False, updated: bool = False) -> str:
    """The outcome of one case: one line when it passed, its differences when not (``updated``: they have
    been written into the expected report)."""
    lines = Lines()
    write(lines, outcome, updated=updated)
    return lines.text(color)


def write(lines: Lines, outcome: Outcome, *, updated: bool = False) -> None:
    """Add the outcome of one case to ``lines`` (``frist test`` writes every case into one output)."""
    if outcome.passed:
        lines.add(("ok  ", "ok"), f" {outcome.expected_path}")
        return
    count = len(outcome.differences)
    lines.add(("UPDATED", "changed") if updated else ("FAIL", "fail"),
              f" {outcome.expected_path} — {count} difference{'s' * (count != 1)} "
              f"(timeline {outcome.timeline_path}, as of {outcome.expectation['as_of']})")
    lang = outcome.report.book.get("language") or "da"
    by_rule = {}
    for difference in outcome.differences:
        if difference.kind != "benefit":
            by_rule.setdefault(difference.rule, {}).setdefault(difference.instance, []).append(difference)
    results = outcome.expectation["results"]
    places = {(item["rule"], item["instance"]): results.spans[i] for i, item in enumerate(results)}
    for rule, instances in by_rule.items():
        title = outcome.titles.get(rule, {})
        lines.add("  ", (rule, "rule"), f" — {title.get(lang) or title.get('en', '')}" if title else "")
        for instance, found in instances.items():
            _instance(lines, instance, found, places.get((rule, instance)))
    for difference in outcome.differences:
        if difference.kind == "benefit":
            _benefit(lines, outcome, difference)


def _instance(lines: Lines, instance: str, found: list, place) -> None:
    first = found[0]
    name = instance if any(c.isalnum() for c in instance) else f'"{instance}"'
    if first.kind == "unexpected":
        values = first.actual
        lines.add(f"    {name}  ", ("not listed", "where"))
        lines.add("      unexpected violation: ", (f"violated since {values['violated_since']}", "actual"),
                  f" (deadline {values['deadline']})" if values["deadline"] else "")
        return
    lines.add(f"    {name}  ", (f"({place})" if place else "", "where"))
    if first.kind == "missing":
        lines.add(f"      status          expected {first.expected}   actual ", ("no such result", "actual"))
        _wrapped(lines, "      the rule's instances: ", ", ".join(first.actual) or "none", None)
    else:
        expected_width = max(len(_value(d.expected)) for d in found)
        for difference in found:
            line = f"line {difference.span.line}" if difference.span else ""
            one_line = (f"      {difference.field:<15} expected {_value(difference.expected):<{expected_width}}"
                        f"   actual {_value(difference.actual)}   {line}")
            if len(one_line) <= WIDTH:
                lines.add(f"      {difference.field:<15} expected ",
                          (f"{_value(difference.expected):<{expected_width}}", "expected"),
                          "   actual ", (_value(difference.actual), "actual"), "   ", (line, "where"))
            else:
                lines.add(f"      {difference.field}  ", (line, "where"))
                lines.add("        expected ", (_value(difference.expected), "expected"))
                lines.add("        actual   ", (_value(difference.actual), "actual"))
    if first.why:
        _wrapped(lines, "      why: ", first.why, "why")


def _wrapped(lines: Lines, head: str, text: str, style) -> None:
    """``text`` after ``head``, wrapped to the width with its lines under the first."""
    wrapped = textwrap.wrap(text, WIDTH - len(head)) or [""]
    lines.add(head, (wrapped[0], style))
    for more in wrapped[1:]:
        lines.add(" " * len(head), (more, style))


def _benefit(lines: Lines, outcome: Outcome, difference) -> None:
    lines.add("  ", ("benefit runs", "rule"), "  ", (f"({difference.span})" if difference.span else "", "where"))
    lines.add(f"      {'expected':<{RUN_COLUMN}}{'actual':<{RUN_COLUMN}}(joined by payability)")
    starts = {}
    for i, run in enumerate(outcome.expectation.get("benefit") or ()):
        span = outcome.expectation["benefit"].spans[i]
        starts.setdefault(str(run["from"]), span.line)
    expected, actual = difference.expected, difference.actual
    for tag, a0, a1, b0, b1 in difflib.SequenceMatcher(a=expected, b=actual, autojunk=False).get_opcodes():
        left, right = expected[a0:a1], actual[b0:b1]
        for i in range(max(len(left), len(right))):
            old = left[i] if i < len(left) else None
            new = right[i] if i < len(right) else None
            mark = " " if tag == "equal" else "~" if old and new else "-" if old else "+"
            differs = mark != " "
            line = f"line {starts[old[0]]}" if old and differs and old[0] in starts else ""
            lines.add("    ", (mark, "changed"), " ", (f"{_run(old):<{RUN_COLUMN}}", "expected" if differs else None),
                      (f"{_run(new):<{RUN_COLUMN}}", "actual" if differs else None), (line, "where"))


def _run(run) -> str:
    if run is None:
        return ""
    start, end, payable = run
    return f"{start} – {end}  {'paid' if payable else 'not paid'}"



def summary(passed: int, failed: int, errors: int = 0, untested: int = 0, updated: int = 0) -> str:
    """``N cases: P passed, F failed``, and what else there is to say."""
    cases = passed + failed + errors
    line = f"{cases} case{'s' * (cases != 1)}: {passed} passed, {failed} failed"
    if errors:
        line += f", {errors} could not be read"
    if updated:
        line += f"; {updated} expected report{'s' * (updated != 1)} updated: review the change before committing"
    if untested:
        line += f"; {untested} timeline{'s' * (untested != 1)} without an expected report"
    return line
