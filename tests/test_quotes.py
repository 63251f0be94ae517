"""Every rule and parameter version quotes the words of its source, and the quotes are in the sources.

The source texts live outside the repository (``../shared/seeds`` and ``../shared/rule-catalog.md``,
or the folder ``FRIST_SOURCES`` names); the tests that read them are skipped where they are absent.
The check itself is tested on small texts written here.
"""

import datetime as dt
import json
import os
from pathlib import Path

import pytest

import frist
from frist import quotes
from frist.rulebook import load, load_text

from helpers import run_cli

ROOT = Path(__file__).resolve().parent.parent
SOURCES = Path(os.environ.get("FRIST_SOURCES", ROOT.parent / "shared" / "seeds"))
needs_sources = pytest.mark.skipif(not (SOURCES / "003_2e9e9432132d8347.txt").is_file(),
                                   reason=f"the source texts are not at {SOURCES}")


def test_every_rule_and_parameter_version_of_the_shipped_book_quotes_its_sources():
    book = load(ROOT / "rules.yaml")
    assert quotes.unquoted(book) == []
    citations = sum(len(r["cites"]) for r in book.doc["rules"]) + \
        sum(len(p["versions"]) for p in book.doc["parameters"].values())
    assert len(quotes.passages(book)) == citations > 250


@needs_sources
def test_every_quote_of_the_shipped_book_is_in_its_source(capsys):
    book = load(ROOT / "rules.yaml")
    problems = [f.diagnostic().format() for f in quotes.check(book, SOURCES) if f.problem]
    assert problems == []
    code, out, err = run_cli(["coverage", ROOT / "rules.yaml", "--sources", SOURCES], capsys)
    assert code == 0, err
    assert "quotes: 0 rule(s) or parameter version(s) without one; 0 problem(s)" in out


@needs_sources
def test_a_changed_word_in_a_shipped_quote_is_found_with_its_place_and_the_closest_passage(tmp_path, capsys):
    text = (ROOT / "rules.yaml").read_text("utf-8")
    old = "kan du ikke få dagpenge.\n"  # ff:149, quoted by cv-on-jobnet
    assert old in text
    path = tmp_path / "rules.yaml"
    path.write_text(text.replace("senest to uger efter, at du er tilmeldt som", "senest tre uger efter, at du er tilmeldt som", 1),
                    "utf-8")
    (tmp_path / "catalog.yaml").write_text((ROOT / "catalog.yaml").read_text("utf-8"), "utf-8")
    code, _, err = run_cli(["coverage", path, "--sources", SOURCES], capsys)
    assert code == 1
    line = next(i for i, row in enumerate(path.read_text("utf-8").splitlines(), 1) if "senest tre uger efter, at du er tilmeldt" in row)
    assert f"rules.yaml:{line - 1}:" in err or f"rules.yaml:{line}:" in err, err
    assert "rule cv-on-jobnet, ff-pjece §5: the quote is not in the source's text" in err
    assert 'closest passage: "Hvis du ikke lægger dit CV ind på Jobnet.dk senest to uger efter' in err


BOOK = """\
frist: 1
sources:
  s: {title: t, publisher: p, year: 2024, text: s.txt}
  bare: {title: b, publisher: p, year: 2024}
vocabulary:
  person: {benefit: {type: enum, values: [dagpenge]}}
  events: {registered: {kind: point}, cv_created: {kind: point}}
parameters:
  weeks:
    doc: d
    versions:
      - from: 2015-07-01
        value: 2 weeks
        cite: {source: s, section: "§1", quote: "senest to uger efter"}
rules:
  - id: cv
    catalog: [CV-1]
    title: {da: t, en: t}
    cites:
      - source: s
        section: "§1"
        quote: QUOTE
    duty: "within $weeks after registered: cv_created"
    consequence: {effect: none, text: {da: t, en: t}}
"""

TEXT = ("5. Dit CV\n\nHvis du ikke lægger dit CV ind på Jobnet.dk senest to uger efter, at du er\n"
        "tilmeldt som arbejdssøgende, kan du ikke få dagpenge. Samtalen holdes ved per-\nsonligt fremmøde i a-\nkassen.\n")


def _findings(tmp_path, quote, source="s"):
    (tmp_path / "s.txt").write_text(TEXT, "utf-8")
    book = load_text(BOOK.replace("QUOTE", quote).replace("      - source: s\n", f"      - source: {source}\n"))
    return [f for f in quotes.check(book, tmp_path) if f.passage.owner == "rule cv"]


@pytest.mark.parametrize("quote", [
    '"Hvis du ikke lægger dit CV ind på Jobnet.dk senest to uger efter, at du er tilmeldt som arbejdssøgende"',
    '"Hvis du ikke lægger dit CV ind … kan du ikke få dagpenge."',  # words left out between the parts
    '"Hvis du ikke lægger dit CV ind ... kan du ikke få dagpenge."',
    '"holdes ved personligt fremmøde"',  # a word the source breaks across a line, joined
    '"holdes ved per- sonligt fremmøde"',  # or as the source has it
    '"fremmøde i a-kassen."',  # a hyphenated word broken across a line, with its hyphen
    '["senest to uger efter", "kan du ikke få dagpenge."]',  # several passages
])
def test_a_quote_is_found_whitespace_and_line_breaks_aside(tmp_path, quote):
    assert [f.problem for f in _findings(tmp_path, quote)] == [""]


@pytest.mark.parametrize("quote, missing", [
    ('"Hvis du ikke lægger dit CV ind på Jobnet.dk senest tre uger efter"', "senest tre uger"),  # a changed word
    ('"kan du ikke få dagpenge. … Hvis du ikke lægger dit CV ind"', "kan du ikke få dagpenge"),  # parts out of order
    ('"kan du ikke få dagpenge!"', "dagpenge!"),  # punctuation counts
    ('["senest to uger efter", "senest fire uger efter"]', "senest fire uger"),  # each passage of a list
])
def test_a_quote_not_in_the_source_is_an_error_at_the_quote_with_the_closest_passage(tmp_path, quote, missing):
    (finding,) = _findings(tmp_path, quote)
    assert "the quote is not in the source's text" in finding.problem and missing in finding.problem
    assert finding.passage.span.line == 22 and finding.hint.startswith('closest passage: "')
    assert finding.diagnostic().format().startswith("rules.yaml:22:16: error: rule cv, s §1: the quote is not")


def test_a_source_without_a_text_cannot_be_checked_and_says_so(tmp_path):
    (finding,) = _findings(tmp_path, '"senest to uger efter"', source="bare")
    assert finding.problem == "the source `bare` names no text to check against"
    assert "add `text:`" in finding.hint


def test_a_missing_text_file_is_reported_not_raised(tmp_path):
    book = load_text(BOOK.replace("QUOTE", '"x"'))
    (finding,) = [f for f in quotes.check(book, tmp_path / "nowhere") if f.passage.owner == "rule cv"]
    assert finding.problem.startswith("cannot read") and "s.txt" in finding.problem


def test_a_citation_without_a_quote_is_listed_and_fails_coverage(tmp_path, capsys):
    lines = (ROOT / "rules.yaml").read_text("utf-8").split("\n")
    start = lines.index("  - id: karensdag")
    at = next(i for i in range(start, len(lines)) if lines[i] == "        quote: >-")
    end = next(i for i in range(at + 1, len(lines)) if not lines[i].startswith("          "))
    path = tmp_path / "rules.yaml"
    path.write_text("\n".join(lines[:at] + lines[end:]), "utf-8")  # karensdag's first quote left out
    (tmp_path / "catalog.yaml").write_text((ROOT / "catalog.yaml").read_text("utf-8"), "utf-8")
    assert quotes.unquoted(load(path)) == ["rule karensdag"]
    code, out, _ = run_cli(["coverage", path], capsys)
    assert code == 1 and "quotes: 1 rule(s) or parameter version(s) without one" in out


def test_the_json_report_gives_each_citation_its_quote_and_the_reading_applied():
    document = {"person": {"birth_date": "1985-06-15", "benefit": "dagpenge", "akasse": "FF"},
                "events": [{"type": "unemployed", "date": "2024-03-04"}, {"type": "registered", "date": "2024-03-04"}]}
    report = frist.check(document, rules=ROOT / "rules.yaml", as_of="2024-04-30").to_json()
    cv = next(r for r in report["results"] if r["rule"] == "cv-on-jobnet")
    assert cv["status"] == "violated" and cv["deadline"] == "2024-03-25"  # 3 weeks from 2024 (star:35-39)
    star = next(c for c in cv["cites"] if c["source"] == "star-kontakt")
    assert star["quote"][0].startswith("At oprette et fyldestgørende og søgbart cv på Jobnet senest tre uger")
    assert "3 weeks from 2024-01-01" in cv["reading"]["en"]
    json.dumps(report)  # the report stays plain JSON


def test_the_text_report_explains_a_broken_rule_with_its_sources_words_and_its_reading():
    applications = [{"type": "application", "date": (dt.date(2024, 3, 5) + dt.timedelta(days=d)).isoformat()}
                    for d in range(0, 57, 7) for d in (d, d + 2)]  # Tuesdays and Thursdays
    document = {"person": {"birth_date": "1985-06-15", "benefit": "dagpenge", "akasse": "FF"},
                "events": [{"type": "unemployed", "date": "2024-03-04"}, {"type": "registered", "date": "2024-03-04"},
                           *applications]}
    # the sources' words in full are for `frist check --all`; the lines are wrapped, so compare them flat
    text = frist.check(document, rules=ROOT / "rules.yaml", as_of="2024-04-30").to_text(every_result=True, lang="en")
    why = " ".join(text[text.index("Violated — duties of the person"):].split())
    assert "Create a CV on Jobnet" in why and "Consequence: Without a CV on Jobnet no dagpenge are paid." in why
    assert ("ff-pjece §5 (Det skal du vide som ledig): \u201cHvis du ikke lægger dit CV ind på Jobnet.dk senest to "
            "uger efter, at du er tilmeldt som arbejdssøgende, kan du ikke få dagpenge.\u201d") in why
    assert " Reading: 2 weeks for registrations before 2024" in why
    # a rule with a reading that applied without being broken says which reading it applied
    assert "(`job-applications`): The overview's \"mindst 2 job i gennemsnit pr. uge\"" in why
