"""Rewriting an expected report from the checker's results (``frist test --update``).

Expected reports are written by hand: a header comment, items in flow (``- {rule: ...}``) or block
style, comments after benefit runs.  The rewrite therefore edits the text, not a re-dumped document:
only the items that differ are touched, at the places the located reader gives for them, and every
other byte stays as it was (comments, quoting, blank lines, line breaks inside a ``why``):

* a listed item whose values differ is written again, in its own style, with the checker's values;
* a listed item that is no result any more is removed;
* a violation that is not listed is added after the last item of its rule (else at the end);
* the benefit runs that differ are replaced, the runs that agree kept with their comments.

An item written again or added says ``why: "from the checker on <date>: review against the
sources"`` (a new benefit run says so in a comment), so that the change cannot pass a review unseen.
:func:`update` chooses items with :class:`~frist.expect.Selector` (``--only``); with selectors the
benefit runs are left alone.

>>> scalar("registered 2024-01-08"), scalar("-"), scalar("2024-01-08"), scalar(None)
('registered 2024-01-08', '"-"', '2024-01-08', 'null')
"""

from __future__ import annotations

import datetime as _dt
import difflib
import json
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .errors import Diagnostic, FristError, Span
from .expect import (FIELDS, ExpectationError, Outcome, actual_values, benefit_runs, listed_runs, run_groups,
                     selected)
from .source import key_span, parse_text, span_of

REVIEW = "from the checker on {date}: review against the sources"
_PLAIN = re.compile(r"[A-Za-z0-9_.][A-Za-z0-9_ .\-/]*")


@dataclass
class Update:
    """What :func:`update` changed in one expected report, and its new text."""

    text: str
    rewritten: int = 0
    added: int = 0
    removed: int = 0
    benefit: bool = False

    def __str__(self) -> str:
        parts = [f"{n} item{'s' * (n != 1)} {what}" for n, what in
                 ((self.rewritten, "rewritten"), (self.added, "added"), (self.removed, "removed")) if n]
        return ", ".join(parts + (["the benefit runs"] if self.benefit else [])) or "nothing"


def update(outcome: Outcome, selectors=(), today: _dt.date | None = None) -> Update:
    """The expected report of ``outcome`` rewritten to the checker's results: the differing items chosen by
    ``selectors`` (every one when there are none), and, without selectors, the benefit runs."""
    why = REVIEW.format(date=(today or _dt.date.today()).isoformat())
    doc = outcome.expectation
    editor = _Editor(outcome.text)
    done = Update(outcome.text)
    actual = {(r.rule.id, r.instance): r for r in outcome.report.results}
    differing = {(d.rule, d.instance) for d in outcome.differences if d.kind in ("value", "missing")}
    items = doc["results"]
    if items and editor.is_flow_list(doc, "results"):
        raise _flow_list(doc, "results")
    listed = {(item["rule"], item["instance"]): i for i, item in enumerate(items)}
    for i, item in enumerate(items):
        key = (item["rule"], item["instance"])
        if key not in differing or not selected(selectors, *key):
            continue
        if key in actual:
            written = _item(key, actual_values(actual[key]), set(item), why, flow=editor.is_flow(item))
            editor.replace_item(item, written)
            done.rewritten += 1
        else:
            editor.remove_lines(span_of(items, i), editor.item_end(item))
            done.removed += 1
    asked = {(s.rule, s.instance) for s in selectors if s.instance}
    new = {key: _item(key, actual_values(result), set(), why, flow=False).splitlines()
           for key, result in actual.items()
           if key not in listed and selected(selectors, *key) and (result.status == "violated" or key in asked)}
    if new and not items:
        editor.replace_value(doc, "results", [f"  {'-' if i == 0 else ' '} {line}" for lines in new.values()
                                              for i, line in enumerate(lines)])
    for (rule, _), lines in new.items() if items else ():
        # after the last item of its rule, else at the end: where a reader of the rule looks
        anchor = max((i for k, i in listed.items() if k[0] == rule), default=len(items) - 1)
        editor.insert_item(items[anchor], span_of(items, 0), lines)
    done.added = len(new)
    if not selectors and any(d.kind == "benefit" for d in outcome.differences):
        _benefit(editor, doc, benefit_runs(outcome.report), why)
        done.benefit = True
    done.text = editor.apply()
    return done


def write(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` through a file beside it, keeping its permissions: a reader sees the
    old report or the new one, never half of one."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(text.encode("utf-8"))
        os.chmod(tmp, path.stat().st_mode & 0o7777)
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise ExpectationError(Diagnostic(f"cannot write the expected report: {exc.strerror}",
                                          Span(str(path), 1, 1))) from None


# ====================================================================== writing items
def _item(key, values: dict, listed: set, why: str, *, flow: bool) -> str:
    """An item with the checker's values: the fields it listed, and those its status calls for."""
    status = values["status"]
    wanted = {"status": True, "deadline": values["deadline"] is not None,
              "violated_since": status == "violated", "in_force_from": status == "in_force",
              "fulfilled_by": status == "fulfilled" and bool(values["fulfilled_by"])}
    pairs = [("rule", key[0]), ("instance", key[1])]
    pairs += [(name, values[name]) for name in FIELDS if name in listed or wanted[name]]
    pairs.append(("why", why))
    if flow:
        return "{" + ", ".join(f"{name}: {scalar(value)}" for name, value in pairs) + "}"
    return "\n".join(f"{name}: {scalar(value)}" for name, value in pairs)


def scalar(value) -> str:
    """A value as YAML that frist's reader reads back as the same value: plain where that is safe."""
    if value is None:
        return "null"
    if isinstance(value, list):
        return "[" + ", ".join(scalar(v) for v in value) + "]"
    text = str(value)
    if _PLAIN.fullmatch(text) and not text.endswith(" ") and _reads_back(text):
        return text
    return json.dumps(text, ensure_ascii=False)


def _reads_back(text: str) -> bool:
    try:
        return parse_text(f"v: [{text}]")["v"] == [text]
    except FristError:
        return False


def _benefit(editor: _Editor, doc: dict, runs: list, why: str) -> None:
    """Replace the benefit runs that differ; the runs that agree keep their lines and comments."""
    entries = doc.get("benefit") or []
    indent = editor.indent_of(span_of(entries, 0)) if entries else "  "

    def lines(new) -> list:
        return [f"{indent}- {{from: {start}, to: {end}, payable: {'true' if payable else 'false'}}}   # {why}"
                for start, end, payable in new]

    if not runs or not entries:
        editor.replace_value(doc, "benefit", lines(runs))
        return
    if editor.is_flow_list(doc, "benefit"):
        raise _flow_list(doc, "benefit")
    groups = run_groups(listed_runs(doc))
    matcher = difflib.SequenceMatcher(a=[run for run, _ in groups], b=runs, autojunk=False)
    for tag, a0, a1, b0, b1 in matcher.get_opcodes():
        if tag == "equal":
            continue
        for _, members in groups[a0:a1]:
            for i in members:
                editor.remove_lines(span_of(entries, i), editor.item_end(entries[i]))
        if a1 > 0:  # after the runs replaced, or after the run before the place of the new ones
            editor.insert_lines(editor.item_end(entries[groups[a1 - 1][1][-1]]), lines(runs[b0:b1]))
        else:
            editor.insert_lines(span_of(entries, 0), lines(runs[b0:b1]), before=True)


def _last_end(item: dict):
    """The span of the item's last value: where a block mapping's own text ends."""
    return max((span_of(item, key) for key in item), key=lambda s: (s.end_line, s.end_column))


# ====================================================================== edits of the text
class _Editor:
    """Edits at offsets of the original text, applied together at the end, the last first.

    Edits never overlap: an item is replaced inside its own text, removed with its whole lines (and the
    blank line before it when one follows it too), and new lines go in after a line's end or before a
    line's start."""

    def __init__(self, text: str):
        self.text = text
        self.starts = [0] + [i + 1 for i, c in enumerate(text) if c == "\n"]
        self.lines = len(self.starts) - (1 if text.endswith("\n") or not text else 0)
        self.edits = []  # (start, end, order, new text)

    def offset(self, line: int, column: int) -> int:
        return self.starts[line - 1] + column - 1

    def line_start(self, line: int) -> int:
        return self.starts[line - 1]

    def next_line(self, line: int) -> int:
        return self.starts[line] if line < len(self.starts) else len(self.text)

    def line_text(self, line: int) -> str:
        return self.text[self.line_start(line):self.next_line(line)].rstrip("\r\n")

    def blank(self, line: int) -> bool:
        return 1 <= line <= self.lines and not self.line_text(line).strip()

    def indent_of(self, span) -> str:
        line = self.line_text(span.line)
        return line[: len(line) - len(line.lstrip())]

    def is_flow(self, item) -> bool:
        span = span_of(item)
        return self.text[self.offset(span.line, span.column)] == "{"

    def is_flow_list(self, doc: dict, key: str) -> bool:
        span = span_of(doc, key)
        return self.text[self.offset(span.line, span.column)] == "["

    def item_end(self, item):
        """Where an item's text ends: a flow mapping's ``}``, a block mapping's last value."""
        return span_of(item) if self.is_flow(item) else _last_end(item)

    def add(self, start: int, end: int, new: str) -> None:
        self.edits.append((start, end, len(self.edits), new))

    def replace_item(self, item, new: str) -> None:
        span, end = span_of(item), self.item_end(item)
        if not self.is_flow(item):
            new = new.replace("\n", "\n" + " " * (span.column - 1))
        self.add(self.offset(span.line, span.column), self.offset(end.end_line, end.end_column), new)

    def remove_lines(self, first, last) -> None:
        """Remove whole lines, from ``first``'s line to ``last``'s end line, and the blank line before them
        when a blank line follows them too, so that no two blank lines are left together."""
        line = first.line - 1 if self.blank(first.line - 1) and self.blank(last.end_line + 1) else first.line
        self.add(self.line_start(line), self.next_line(last.end_line), "")

    def insert_lines(self, span, lines: list, before: bool = False) -> None:
        """Insert lines before ``span``'s line, or after its end line."""
        at = self.line_start(span.line) if before else self.next_line(span.end_line)
        text = "".join(line + "\n" for line in lines)
        if at == len(self.text) and self.text and not self.text.endswith("\n"):
            text = "\n" + text[:-1]
        self.add(at, at, text)

    def insert_item(self, anchor: dict, first, lines: list) -> None:
        """A new block item after the item ``anchor``, indented as the ``first`` item of the list, and set off
        by a blank line where the item after the anchor is."""
        indent = self.indent_of(first)
        block = [f"{indent}- {lines[0]}"] + [f"{indent}  {line}" for line in lines[1:]]
        end = self.item_end(anchor)
        self.insert_lines(end, [""] + block if self.blank(end.end_line + 1) else block)

    def replace_value(self, doc: dict, key: str, lines: list) -> None:
        """Make ``key``'s value the block list ``lines`` (``[]`` when there are none), in place of its value."""
        new = ":" + "".join("\n" + line for line in lines) if lines else ": []"
        if key not in doc:
            at = len(self.text)
            self.add(at, at, ("\n" if self.text and not self.text.endswith("\n") else "") + key + new + "\n")
            return
        head, value = key_span(doc, key), doc[key]
        last = self.item_end(value[-1]).end_line if value else head.end_line
        self.add(self.offset(head.end_line, head.end_column), self.line_start(last) + len(self.line_text(last)), new)

    def apply(self) -> str:
        text = self.text
        for start, end, _, new in sorted(self.edits, reverse=True):
            text = text[:start] + new + text[end:]
        return text


def _flow_list(doc: dict, key: str) -> ExpectationError:
    return ExpectationError(Diagnostic(f"`{key}` is written as a flow list `[...]`, which --update does not rewrite",
                                       span_of(doc, key), hint="write it as a block list, one `- ` item a line"))
