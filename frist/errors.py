"""One error hierarchy for everything a user can get wrong.

Every problem in a rule book or a timeline becomes a :class:`Diagnostic` with a
:class:`Span`; a stage collects all of them and raises one :class:`FristError`
carrying the lot, sorted by location.  Library exceptions (yaml, lark,
jsonschema) are converted where they leave the library.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Iterable, Sequence


@dataclass(frozen=True, slots=True)
class Span:
    """A place in a source file: 1-based line and column, plus the file's text."""

    file: str
    line: int
    column: int
    end_line: int | None = None
    end_column: int | None = None
    text: str | None = field(default=None, compare=False, repr=False)

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"

    def source_line(self) -> str | None:
        if self.text is None:
            return None
        lines = self.text.splitlines()
        if 1 <= self.line <= len(lines):
            return lines[self.line - 1]
        return None

    def shifted(self, line_offset: int, column_offset: int) -> "Span":
        """A span inside a string that starts at this span (for rule-language text)."""
        return Span(self.file, self.line + line_offset, self.column + column_offset, text=self.text)


@dataclass(frozen=True, slots=True)
class Diagnostic:
    message: str
    span: Span | None = None
    hint: str | None = None
    rule: str | None = None
    severity: str = "error"
    code: str = "error"

    def sort_key(self):
        if self.span is None:
            return ("", 0, 0)
        return (self.span.file, self.span.line, self.span.column)

    def format(self) -> str:
        where = f"{self.span}: " if self.span else ""
        rule = f" [rule {self.rule}]" if self.rule else ""
        out = [f"{where}{self.severity}: {self.message}{rule}"]
        line = self.span.source_line() if self.span else None
        if line is not None:
            gutter = f"{self.span.line:>5} | "
            out.append(gutter + line)
            width = 1
            if self.span.end_line == self.span.line and self.span.end_column:
                width = max(1, self.span.end_column - self.span.column)
            out.append(" " * (len(gutter) + self.span.column - 1) + "^" * width)
        if self.hint:
            out.append(f"  hint: {self.hint}")
        return "\n".join(out)


class FristError(Exception):
    """The project's own error: one or more located diagnostics."""

    exit_code = 2

    def __init__(self, diagnostics: Diagnostic | Sequence[Diagnostic]):
        if isinstance(diagnostics, Diagnostic):
            diagnostics = [diagnostics]
        self.diagnostics = sorted(diagnostics, key=Diagnostic.sort_key)
        super().__init__(self.format())

    def format(self) -> str:
        body = "\n".join(d.format() for d in self.diagnostics)
        count = len(self.diagnostics)
        if count > 1:
            body += f"\n{count} errors"
        return body

    @property
    def first(self) -> Diagnostic:
        return self.diagnostics[0]


class RuleBookError(FristError):
    """The rule book is malformed or inconsistent (exit code 2)."""


class TimelineError(FristError):
    """The timeline does not fit the vocabulary (exit code 3)."""

    exit_code = 3


class LimitError(FristError):
    """An input breaks a size, depth or alias limit (exit code 2)."""


class EvaluationError(FristError):
    """Checking could not proceed, e.g. ambiguous date arithmetic (exit code 4)."""

    exit_code = 4


class Collector:
    """Gathers diagnostics so that a stage reports every problem at once."""

    def __init__(self, error_type: type[FristError] = RuleBookError):
        self.diagnostics: list[Diagnostic] = []
        self.error_type = error_type

    def add(self, message: str, span: Span | None = None, *, hint: str | None = None,
            rule: str | None = None, code: str = "error") -> None:
        self.diagnostics.append(Diagnostic(message, span, hint, rule, code=code))

    def extend(self, diagnostics: Iterable[Diagnostic]) -> None:
        self.diagnostics.extend(diagnostics)

    def raise_if_any(self) -> None:
        if self.diagnostics:
            raise self.error_type(self.diagnostics)

    def __bool__(self) -> bool:
        return bool(self.diagnostics)


def did_you_mean(name: str, candidates: Iterable[str]) -> str | None:
    """A hint naming the closest known name, or listing the known names if few."""
    candidates = sorted(set(candidates))
    close = difflib.get_close_matches(name, candidates, n=1, cutoff=0.6)
    if close:
        return f"did you mean `{close[0]}`?"
    if 0 < len(candidates) <= 12:
        return "known names: " + ", ".join(f"`{c}`" for c in candidates)
    return None
