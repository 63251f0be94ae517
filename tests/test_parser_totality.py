"""Totality: whatever the text, parsing returns a value or raises a located FristError.

Never any other exception.  Inputs are arbitrary text, text built from the
rule language's own keywords and names (so that it gets deep into the
grammar), real rule-language strings from rules.yaml with pieces cut out or
spliced in, and rules.yaml itself with a slice deleted or a character
inserted.  Hypothesis runs derandomized and without an example database, so
runs are repeatable and leave no files behind.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.configuration import set_hypothesis_home_dir

from frist.errors import FristError
from frist.parser import ENTRY_POINTS, parse
from frist.rulebook import load_text
from frist.source import parse_text

from helpers import ROOT, RULES_TEXT

ENTRIES = sorted(ENTRY_POINTS)

# Hypothesis keeps caches (unicode tables, constants) in a `.hypothesis` directory
# under the working directory; keep them out of the project.
set_hypothesis_home_dir(Path(tempfile.gettempdir()) / "frist-tests-hypothesis")

SETTINGS = settings(max_examples=300, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
# Loading the whole rule book costs ~0.1 s (PyYAML is pure Python), so the two
# tests that mutate rules.yaml run fewer examples to keep the file fast.
BOOK_SETTINGS = settings(SETTINGS, max_examples=50)


def _split_lines(text: str) -> list:
    # every line break PyYAML or lark could count
    return re.split(r"\r\n|[\n\r\x85\u2028\u2029]", text)


def assert_located(exc: FristError, text: str | None = None, file: str | None = None) -> None:
    assert exc.diagnostics, "a FristError without diagnostics"
    first = exc.first
    assert first.span is not None, first
    assert isinstance(first.span.line, int) and isinstance(first.span.column, int), first.span
    assert first.span.line >= 1 and first.span.column >= 1, first.format()
    if file is not None:
        assert first.span.file == file, first.span
    if text is not None:  # the place is inside the text (or just past its end)
        lines = _split_lines(text)
        assert first.span.line <= len(lines) + 1, first.format()
    first.format()  # rendering the diagnostic must not fail either
    str(exc)


# ---------------------------------------------------------------------------- building blocks

_GRAMMAR = (ROOT / "frist" / "grammar" / "frist.lark").read_text("utf-8")
KEYWORDS = sorted(set(re.findall(r'"([^"\s]+)"', _GRAMMAR)) - {"$END"})
NAMES = sorted(set(re.findall(r"^\s{4,}([a-z][a-z0-9_]*):", RULES_TEXT, re.M))  # events, fields, facts
               | {v.strip() for group in re.findall(r"values: \[([^\]]*)\]", RULES_TEXT) for v in group.split(",")})
PARAMS = ["$cv_deadline", "$quarantine_hours", "$hours_per_day", "$nope", "$"]
LITERALS = ["0", "1", "2", "3", "12", "104", "300", "7.4", "2024-01-01", "2024-02-30", "9999-99-99",
            '"x"', '"a b"', '""', '"', "yes", "no", "true", "false",
            "day", "days", "week", "weeks", "month", "months", "year", "years", "business day", "business days"]
PUNCT = [":", ".", ",", "(", ")", "[", "]", "=", "!=", "<", "<=", ">", ">=", "#", "# comment\n", "\n", "\t",
         "-", "$", "'", "\\", "é", "\u200f", "🎉", "\x00"]
TOKENS = KEYWORDS + NAMES + PARAMS + LITERALS + PUNCT


def _rule_strings() -> list:
    """Every piece of rule-language text in rules.yaml (duty, applies, when, effect)."""
    doc = parse_text(RULES_TEXT, "rules.yaml")
    out = []
    for rule in doc["rules"]:
        out.append(("duty", rule["duty"]))
        if "applies" in rule:
            out.append(("condition", rule["applies"]))
        out.append(("effect", rule["consequence"]["effect"]))
        out.extend(("exception", item["when"]) for item in rule.get("unless", []))
    return out


RULE_STRINGS = _rule_strings()
assert len(RULE_STRINGS) > 40 and {e for e, _ in RULE_STRINGS} == set(ENTRIES)

separators = st.sampled_from([" ", " ", " ", "", "  ", "\n", "\t", "\r\n"])


@st.composite
def token_text(draw):
    """Text made of the language's own words, so that it often parses a long way."""
    tokens = draw(st.lists(st.sampled_from(TOKENS), max_size=25))
    out = []
    for token in tokens:
        out.append(token)
        out.append(draw(separators))
    return "".join(out)


@st.composite
def mutated_rule_text(draw):
    """A real duty/condition/exception/effect from rules.yaml, cut and spliced; parsed as any entry."""
    _, text = draw(st.sampled_from(RULE_STRINGS))
    for _ in range(draw(st.integers(1, 3))):
        a = draw(st.integers(0, len(text)))
        kind = draw(st.sampled_from(["delete", "insert", "replace", "swap"]))
        if kind == "delete":
            b = draw(st.integers(a, min(len(text), a + 30)))
            text = text[:a] + text[b:]
        elif kind == "insert":
            text = text[:a] + draw(st.sampled_from(TOKENS)) + " " + text[a:]
        elif kind == "replace":
            b = draw(st.integers(a, min(len(text), a + 12)))
            text = text[:a] + draw(st.sampled_from(TOKENS)) + text[b:]
        else:
            _, other = draw(st.sampled_from(RULE_STRINGS))
            text = text[:a] + other[draw(st.integers(0, len(other))):]
    return text


def _parse_all_entries(text: str) -> None:
    for entry in ENTRIES:
        try:
            result = parse(text, entry)
        except FristError as exc:
            assert_located(exc, text, "<text>")
        else:
            assert result is not None


# ---------------------------------------------------------------------------- the rule-language parser

@SETTINGS
@given(st.text())
def test_parse_arbitrary_text(text):
    _parse_all_entries(text)


@SETTINGS
@given(token_text())
def test_parse_keyword_text(text):
    _parse_all_entries(text)


@SETTINGS
@given(mutated_rule_text())
def test_parse_mutated_rule_text(text):
    _parse_all_entries(text)


@pytest.mark.parametrize("entry, text", RULE_STRINGS, ids=[f"{e}-{i}" for i, (e, _) in enumerate(RULE_STRINGS)])
def test_every_rule_string_in_rules_yaml_parses(entry, text):
    assert parse(text, entry) is not None


@pytest.mark.parametrize("entry", ENTRIES)
def test_parse_rejects_non_text_with_a_frist_error(entry):
    for value in (None, 42, b"within 2 weeks", ["x"]):
        with pytest.raises(FristError):
            parse(value, entry)


@pytest.mark.parametrize("entry, text", [
    ("condition", "not " * 2000 + "benefit is dagpenge"),
    ("duty", "each meeting: " + "not " * 2000 + "outcome is held"),
])
def test_deeply_nested_rule_text_is_a_frist_error(entry, text):
    with pytest.raises(FristError) as info:
        parse(text, entry)
    assert_located(info.value, text, "<text>")
    assert "nests" in info.value.first.message


@pytest.mark.parametrize("entry, text", [
    ("duty", "at most " + "9" * 5000 + " meeting within 2 weeks"),
    ("condition", "age at registered under " + "9" * 5000),
    ("effect", "miss " + "9" * 5000 + ": reminder"),
    ("exception", "cv_created within " + "9" * 5000 + " days after registered"),
], ids=["duty", "condition", "effect", "exception"])
def test_huge_integer_literal_is_a_frist_error(entry, text):
    # (more than 4300 digits used to make int() raise ValueError, escaping as lark's VisitError)
    with pytest.raises(FristError) as info:
        parse(text, entry)
    assert_located(info.value, text, "<text>")
    assert (info.value.first.span.line, info.value.first.span.column) == (1, text.index("9") + 1)


# ---------------------------------------------------------------------------- YAML and the rule book

YAML_TOKENS = ["a", "b", "frist", "rules", "- ", "-", ":", ": ", "[", "]", "{", "}", ",", "&x ", "*x", "!foo ",
               "!!str ", "!!python/name:os.system ", "'", '"', "|", ">", "#", "? ", "%YAML 1.1\n", "---\n", "...\n",
               "\n", "\n  ", "\n    ", "\t", "1", "2024-02-30", "null", "~", "yes", "0x1F", "1e400", ".inf", "é",
               "\\", "\\ud800", "\ufeff"]


@st.composite
def yaml_text(draw):
    return "".join(draw(st.lists(st.sampled_from(YAML_TOKENS), max_size=30)))


any_char_text = st.text(st.characters(blacklist_categories=()))  # with surrogates and control characters


@SETTINGS
@given(st.one_of(st.text(), any_char_text, yaml_text()))
def test_parse_text_on_arbitrary_text(text):
    try:
        parse_text(text, "doc.yaml")
    except FristError as exc:
        assert_located(exc, text, "doc.yaml")


@SETTINGS
@given(st.one_of(st.text(), yaml_text()))
def test_load_text_on_arbitrary_text(text):
    try:
        load_text(text, "book.yaml")
    except FristError as exc:
        assert_located(exc, text, "book.yaml")


def _load_mutated(text: str) -> None:
    try:
        book = load_text(text, "rules.yaml")
    except FristError as exc:
        assert_located(exc, text, "rules.yaml")
    else:
        assert book.rules


@BOOK_SETTINGS
@given(st.integers(0, len(RULES_TEXT)), st.integers(1, 200))
def test_load_rules_yaml_with_a_slice_deleted(start, length):
    _load_mutated(RULES_TEXT[:start] + RULES_TEXT[start + length:])


@BOOK_SETTINGS
@given(st.integers(0, len(RULES_TEXT)),
       st.one_of(st.sampled_from(list(" \n\t:-[]{}\"'#&*!|>,$.0123456789xyz_") + ["é", "\x00", "\u2028"]),
                 st.characters()))
def test_load_rules_yaml_with_a_character_inserted(position, char):
    _load_mutated(RULES_TEXT[:position] + char + RULES_TEXT[position:])


@pytest.mark.parametrize("start, length", [(0, 1), (len(RULES_TEXT) - 1, 1), (0, len(RULES_TEXT))])
def test_load_rules_yaml_edge_slices(start, length):
    _load_mutated(RULES_TEXT[:start] + RULES_TEXT[start + length:])
