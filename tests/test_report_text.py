"""The text report lists what a caseworker acts on -- violated, in force, pending -- and counts the
rest; ``--all`` lists every result.  It speaks the rule book's language (Danish) unless told
otherwise, fits on one screen (60 lines of 100 columns) for every persona, and is coloured only on a
terminal."""

from __future__ import annotations

import os
import pty
import re
import subprocess
import sys
from pathlib import Path

import pytest

import frist
from frist.source import read_file
from frist.text_report import SCREEN_LINES, WIDTH

from helpers import read_terminal, run_cli

ROOT = Path(__file__).resolve().parent.parent
PERSONA = ROOT / "examples" / "young-graduate-2024.yaml"
EXPECTED = sorted((ROOT / "examples").glob("*.expected.yaml"))
ESCAPE = "\x1b["
SECTIONS = {  # the English headings of each status's section(s)
    "violated": ("Violated — duties of the person", "Violated — duties of the a-kasse",
                 "Violated — duties of the jobcenter"),
    "in_force": ("In force — legal effects: the law at work, nobody's breach",),
    "pending": ("Pending — what falls due next",),
    "fulfilled": ("Fulfilled",), "not_in_force": ("Not in force",), "waived": ("Waived",),
    "not_applicable": ("Not applicable",),
}


def _items(text: str) -> dict:
    """The item lines (indented two spaces) under each heading (a line that is not indented), by heading
    without its count; an item's wrapped lines and its consequence and sources are indented further."""
    out, heading = {}, None
    for line in text.splitlines():
        if line and not line.startswith(" "):
            heading = re.sub(r" \(\d+\)$", "", line)
            out.setdefault(heading, [])
        elif re.match(r"  \S", line) and heading is not None:
            out[heading].append(line)
    return out


def _listed(text: str, status: str) -> list:
    items = _items(text)
    return [line for heading in SECTIONS[status] for line in items.get(heading, [])]


def _flat(text: str) -> str:
    """The text with its line breaks and indents as single spaces: what wrapping does not change."""
    return " ".join(text.split())


def _timeline(expected: Path) -> Path:
    return expected.with_name(expected.name.replace(".expected.yaml", ".yaml"))


def test_the_default_lists_what_is_acted_on_and_counts_the_rest(module):
    report = frist.check(PERSONA, rules=module, as_of="2024-09-01")
    text, counts = report.to_text(lang="en"), report.counts()
    for status in ("violated", "in_force", "pending"):  # one line per rule: instances of a rule share it
        assert len(_listed(text, status)) == len({r.rule.id for r in report.results if r.status == status}) > 0
    assert not any(heading in _items(text) for status in ("fulfilled", "waived", "not_applicable")
                   for heading in SECTIONS[status])
    folded = f"Not listed: {counts['fulfilled']} fulfilled, {counts['not_in_force']} not in force, " \
             f"{counts['waived']} waived, {counts['not_applicable']} not applicable (--all lists them)"
    assert folded in text.splitlines()
    for r in report.violations():
        assert any(r.rule.title["en"] in line for line in _listed(text, "violated")), r.rule.id


def test_a_violated_or_in_force_rule_shows_its_consequence_and_one_line_of_sources(module):
    report = frist.check(PERSONA, rules=module, as_of="2024-09-01")
    text = report.to_text(lang="da")
    for r in report.violations() + report.in_force():
        assert _flat(r.rule.consequence["da"]) in _flat(text), r.rule.id
    meetings = _flat(text)[_flat(text).index("Mød op til samtaler og aktiviteter — møde 2024-07-16"):]
    assert "Kilde: fak-2024 Din pligt til at deltage i samtaler, tilbud mv.; ff-pjece §23; aka-guide Samtaler" \
        in meetings
    assert "\u201c" not in text, "the sources' words are for --all"


def test_all_lists_every_result_one_line_each_with_the_sources_words(module):
    report = frist.check(PERSONA, rules=module, as_of="2024-09-01")
    text, counts = report.to_text(every_result=True, lang="en"), report.counts()
    for status, count in counts.items():
        assert len(_listed(text, status)) == count, status
    assert "Not listed:" not in text
    assert ("ff-pjece §23 (Det skal du vide som ledig): \u201cHvis du udebliver fra en samtale eller en aktivitet "
            "i Jobcentret, hos anden aktør eller i a-kassen, mister du dagpenge.\u201d") in _flat(text)
    assert all(len(line) <= WIDTH for line in text.splitlines())


def test_many_instances_of_a_rule_share_one_line_with_the_first_the_last_and_how_many(module):
    nobody_applies = {"person": {"birth_date": "1985-06-15", "benefit": "dagpenge", "akasse": "FAK"},
                      "events": [{"type": "unemployed", "date": "2024-03-04"}, {"type": "registered", "date": "2024-03-04"},
                                 {"type": "cv_created", "date": "2024-03-05"}]}
    report = frist.check(nobody_applies, rules=module, as_of="2024-05-31")
    weeks = [r for r in report.violations() if r.rule.id == "job-applications-fak"]
    assert len(weeks) == 12
    assert "Søg mindst 2 stillinger hver uge (FAK) — uge 2024-W10 – 2024-W21 (12 uger): første siden 2024-03-11, " \
           "sidste 2024-05-27" in _flat(report.to_text(lang="da"))
    english = report.to_text(lang="en")
    assert len([line for line in _listed(english, "violated") if line.startswith("  Apply for at least 2 jobs")]) == 1
    assert "Apply for at least 2 jobs every week (FAK) — week 2024-W10 – 2024-W21 (12 weeks)" in _flat(english)


@pytest.mark.parametrize("lang", ["da", "en"])
@pytest.mark.parametrize("expected", EXPECTED, ids=lambda p: p.name.split(".")[0])
def test_every_persona_fits_on_one_screen(module, capsys, expected, lang):
    as_of = read_file(expected)[0]["as_of"]  # the date tests/test_personas.py checks the persona on
    code, out, err = run_cli(["check", _timeline(expected), "--rules", ROOT / "rules.yaml", "--as-of", as_of,
                              "--lang", lang], capsys)
    assert code == 0, err
    lines = out.splitlines()
    assert len(lines) <= SCREEN_LINES, f"{len(lines)} lines:\n{out}"
    assert [line for line in lines if len(line) > WIDTH] == []
    assert ESCAPE not in out, "stdout is not a terminal here"
    if lang == "da":
        report = frist.check(_timeline(expected), rules=module, as_of=as_of)
        for r in report.violations() + report.in_force():
            assert _flat(r.rule.title["da"]) in _flat(out), (r.rule.id, r.instance)


def test_the_rule_books_language_is_the_default_and_lang_chooses(capsys):
    def first_line(*extra):
        code, out, err = run_cli(["check", PERSONA, "--rules", ROOT / "rules.yaml", "--as-of", "2024-09-01",
                                  *extra], capsys)
        assert code == 0, err
        return out

    danish, english = first_line(), first_line("--lang", "en")
    assert danish.startswith("frist-rapport pr. 2024-09-01 — ") and english.startswith("frist report as of 2024-09-01 — ")
    assert "Overtrådt — personens pligter (3)" in danish and "Violated — duties of the person (3)" in english
    assert danish == first_line("--lang", "da")


def test_the_engines_reasons_are_said_in_danish_naming_rules_by_their_title(module):
    report = frist.check(PERSONA, rules=module, as_of="2024-09-01")
    danish = report.to_text(lang="da")
    days = danish[danish.index("Dagpenge 2024-03-01 – 2024-09-01: udbetales alle dage undtagen"):]
    assert "»Mød op til samtaler og aktiviteter« er overtrådt" in days
    assert "dag uden dagpenge (»Karensdag hver 4. måned som ledig«)" in days
    assert "`" not in days and "broken" not in days and "in force" not in days
    english = report.to_text(lang="en")
    assert "`attend-meetings` broken" in english and "day without dagpenge (`karensdag`)" in english


# the engine's words and their Danish rendering; `rule-id`s become titles, unknown words stay as they are
PHRASES = [
    ("`karensdag` in force", "»Karensdag hver 4. måned som ledig« er i kraft"),
    ("deregistered: miss 3 of `job-suggestions`", "afmeldt: 3. forsømmelse af »Tjek jobforslag mindst hver 7. dag«"),
    ("quarantine of 37 hours (`no-such-rule`)", "karantæne på 37 timer (`no-such-rule`)"),
    ("nothing in the timeline to which the rule applies", "intet i tidslinjen, som reglen gælder for"),
    ("the clock has not yet run out", "tiden er endnu ikke gået"),
    ("not in force: the rule covers registrations from 2017-07-01 and before 2023-05-01",
     "ikke i kraft: reglen gælder tilmeldinger fra 2017-07-01 og før 2023-05-01"),
    ("week with `holiday` is not counted", "uge med ferie tælles ikke med"),
    ("no dagpenge during supplementary_dagpenge", "ingen dagpenge under supplerende dagpenge"),
    ("a sentence the engine may say one day", "a sentence the engine may say one day"),
]


@pytest.mark.parametrize("english, danish", PHRASES)
def test_a_fixed_phrase_of_the_engine_in_danish(module, english, danish):
    from frist.text_report import _Page, _Writer

    report = frist.check(PERSONA, rules=module, as_of="2024-09-01")
    assert _Writer(report, "da", False, _Page(WIDTH)).say(english) == danish
    assert _Writer(report, "en", False, _Page(WIDTH)).say(english) == english


def test_a_narrower_width_is_kept(module):
    text = frist.check(PERSONA, rules=module, as_of="2024-09-01").to_text(width=72)
    assert max(len(line) for line in text.splitlines()) <= 72


def _check(*extra, env=None) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, "-m", "frist.cli", "check", PERSONA, "--rules", ROOT / "rules.yaml",
                           "--as-of", "2024-09-01", *extra], check=False, capture_output=True, text=True,
                          env={**os.environ, **(env or {})})
    assert done.returncode == 0, done.stderr
    return done


def _check_on_a_terminal(*extra, env=None) -> str:
    """The command's stdout when it is a terminal (a pseudo-terminal)."""
    leader, follower = pty.openpty()
    command = [sys.executable, "-m", "frist.cli", "check", str(PERSONA), "--rules", str(ROOT / "rules.yaml"),
               "--as-of", "2024-09-01", *extra]
    environment = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    child = subprocess.Popen(command, stdout=follower, stderr=subprocess.PIPE, env={**environment, **(env or {})})
    os.close(follower)
    out = read_terminal(leader)
    assert child.wait(timeout=300) == 0, child.stderr.read()
    os.close(leader)
    return out.decode()


def test_colour_when_asked_and_on_a_terminal_never_in_a_pipe():
    assert ESCAPE in _check("--color", "always").stdout
    assert ESCAPE in _check("--color", "always", env={"NO_COLOR": "1"}).stdout  # asked for by name
    assert ESCAPE not in _check("--color", "never").stdout
    assert ESCAPE not in _check().stdout  # auto, and stdout is a pipe
    assert ESCAPE in _check_on_a_terminal()
    assert ESCAPE not in _check_on_a_terminal(env={"NO_COLOR": "1"})
    assert ESCAPE not in _check_on_a_terminal("--color", "never")


def test_the_coloured_text_is_the_plain_text_once_the_colours_are_taken_out():
    coloured, plain = _check("--color", "always").stdout, _check("--color", "never").stdout
    assert re.sub(r"\x1b\[[0-9;]*m", "", coloured) == plain


def test_the_command_folds_unless_told_all():
    short, every = _check().stdout.splitlines(), _check("--all").stdout.splitlines()
    assert len(short) < len(every) and any(line.startswith("Ikke vist: ") for line in short)
