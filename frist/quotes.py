"""The words of the sources each rule encodes, and their check against the source texts.

Every citation of a rule and of a parameter version carries ``quote``: the sentence or sentences of
the source it encodes, verbatim, in the source's language (a list for several passages; ``…`` or
``...`` between the parts of a sentence where words are left out).  A source names its text with
``text:``, a path relative to the folder of source texts given to the check.

:func:`check` finds each quote in its source's text: whitespace may differ (sources wrap their
lines), nothing else may.  A quote that is not there is an error located at the quote, with the
closest passage of the source as a hint; a citation without a quote is an error too.

>>> _parts("Du skal … senest 14 dage")
['Du skal', 'senest 14 dage']
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from pathlib import Path

from .errors import Diagnostic, Span
from .source import span_of

_GAP = re.compile(r"\s*(?:…|\.\.\.)\s*")


@dataclass(frozen=True)
class Passage:
    """One citation's quote: whose it is, which source, the words, and where they stand in the rule book."""

    owner: str  # "rule cv-on-jobnet" or "parameter cv_deadline from 2015-07-01"
    source: str
    section: str
    quote: tuple  # the quoted passages (usually one)
    span: Span | None


@dataclass(frozen=True)
class Finding:
    passage: Passage
    problem: str  # "" when the quote was found
    hint: str | None = None

    def diagnostic(self) -> Diagnostic:
        return Diagnostic(f"{self.passage.owner}, {self.passage.source} {self.passage.section}: {self.problem}",
                          self.passage.span, hint=self.hint, code="quote")


def passages(book) -> list:
    """Every citation of the rule book's rules and parameter versions, with its quote (or none)."""
    doc = book.doc
    raw = book.located  # the document as read, for the places of the quotes
    out = []
    for i, rule in enumerate(doc["rules"]):
        for j, cite in enumerate(rule["cites"]):
            located = raw["rules"][i]["cites"][j]
            out.append(_passage(f"rule {rule['id']}", cite, located))
    for name, spec in doc.get("parameters", {}).items():
        for j, version in enumerate(spec["versions"]):
            located = raw["parameters"][name]["versions"][j]["cite"]
            out.append(_passage(f"parameter {name} from {version['from']}", version["cite"], located))
    return out


def _passage(owner: str, cite: dict, located) -> Passage:
    quote = cite.get("quote")
    quotes = () if quote is None else (quote,) if isinstance(quote, str) else tuple(quote)
    span = span_of(located, "quote") if quote is not None else span_of(located)
    return Passage(owner, cite["source"], cite.get("section", ""), quotes, span)


def unquoted(book) -> list:
    """The rules and parameter versions with a citation that quotes nothing."""
    return sorted({p.owner for p in passages(book) if not p.quote})


def check(book, folder: str | Path) -> list:
    """A :class:`Finding` for every citation: found, missing, or not in its source's text."""
    folder = Path(folder)
    texts = {}
    findings = []
    for passage in passages(book):
        if not passage.quote:
            findings.append(Finding(passage, "quotes nothing",
                                    "add `quote:` with the words of the source this encodes, verbatim"))
            continue
        if passage.source not in texts:
            texts[passage.source] = _read(folder, passage.source, book.doc["sources"].get(passage.source, {}))
        text, problem, hint = texts[passage.source]
        if problem:
            findings.append(Finding(passage, problem, hint))
            continue
        missing = [q for q in passage.quote if not found(q, text)]
        if missing:
            findings.append(Finding(passage, f"the quote is not in the source's text: \"{_short(missing[0])}\"",
                                    "closest passage: \"" + _short(_closest(missing[0], text[0])) + "\""))
        else:
            findings.append(Finding(passage, ""))
    return findings


def _read(folder: Path, key: str, source: dict) -> tuple:
    """(the source's text with whitespace normalised, problem, hint)."""
    name = source.get("text")
    if not name:
        return None, f"the source `{key}` names no text to check against", f"add `text:` to the source, its file in {folder}"
    try:
        return readings((folder / name).read_text("utf-8")), None, None
    except (OSError, UnicodeDecodeError) as exc:
        why = getattr(exc, "strerror", None) or str(exc)
        return None, f"cannot read `{folder / name}`, the text of `{key}`: {why}", "check the source's `text:` and the folder"


def _normal(text: str) -> str:
    return " ".join(text.split())


_BROKEN = re.compile(r"(\w)-[ \t]*\n\s*(\w)")


def readings(text: str) -> tuple:
    """The source's text as a quote may give it: its whitespace normalised, and with each word the
    source hyphenates across a line break joined (``per-\\nsonligt``: ``personligt``) or kept
    hyphenated (``a-\\nkasse``: ``a-kasse``)."""
    return (_normal(text), _normal(_BROKEN.sub(r"\1\2", text)), _normal(_BROKEN.sub(r"\1-\2", text)))


def found(quote: str, texts: tuple) -> bool:
    """Whether the quote is in one of the readings of a source's text."""
    return any(_found(quote, text) for text in texts)


def _parts(quote: str) -> list:
    return [part for part in _GAP.split(_normal(quote)) if part]


def _found(quote: str, text: str) -> bool:
    """Every part of the quote in the text, in order (whitespace aside)."""
    at = 0
    for part in _parts(quote):
        at = text.find(part, at)
        if at < 0:
            return False
        at += len(part)
    return True


def _closest(quote: str, text: str) -> str:
    """The stretch of the text most like the quote (its first part), beginning at a word."""
    part = _parts(quote)[0] if _parts(quote) else quote
    size = len(part)
    starts = [0] + [m.end() for m in re.finditer(r"\s+", text)]
    best, best_ratio = "", 0.0
    for start in starts:
        window = text[start:start + size]
        matcher = difflib.SequenceMatcher(None, part, window, autojunk=False)
        if matcher.real_quick_ratio() > best_ratio and matcher.quick_ratio() > best_ratio:
            ratio = matcher.ratio()
            if ratio > best_ratio:
                best, best_ratio = window, ratio
    return best


def _short(text: str, width: int = 90) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
