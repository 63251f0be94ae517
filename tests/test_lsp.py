"""`frist lsp`: a real client (pytest-lsp) drives the server, started as `python -m frist.cli lsp`, over stdio.

One server serves the whole module.  Each question is data: the text a place is in (its first occurrence
in the rule book), the word at the place, and what the answer must hold.  Places sent and received are
LSP's: 0-based lines, columns in UTF-16 code units.
"""

from __future__ import annotations

import asyncio
import functools
import json
import re
import sys
from pathlib import Path

import pytest
import yaml

pytest.importorskip("pygls")  # the `lsp` extra
pytest_lsp = pytest.importorskip("pytest_lsp")

import pytest_asyncio  # noqa: E402 - pytest-lsp's dependency
from lsprotocol import types  # noqa: E402 - pygls's dependency
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities  # noqa: E402

from frist import lsp  # noqa: E402
from frist.lint import lint  # noqa: E402
from frist.rulebook import load  # noqa: E402
from frist.symbols import Symbols  # noqa: E402

from helpers import replace_once, run_cli  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "rules.yaml"
SMALL = ROOT / "tests" / "fixtures" / "lsp" / "rules.yaml"
GRAMMAR = ROOT / "editors" / "vscode" / "syntaxes" / "frist-rules.injection.json"
PUBLISHED_WITHIN = 30  # seconds; a check of the shipped rule book takes about 2

on_the_server = pytest.mark.asyncio(loop_scope="module")  # every async test talks to the module's one server
SERVER = ClientServerConfig(server_command=[sys.executable, "-m", "frist.cli", "lsp"])


@pytest_lsp.fixture(scope="module", config=SERVER)
async def client(lsp_client: LanguageClient):
    await lsp_client.initialize_session(types.InitializeParams(
        capabilities=client_capabilities("visual-studio-code")))
    yield
    await lsp_client.shutdown_session()


def _open(client: LanguageClient, path: Path, text: str | None = None) -> tuple[str, str]:
    text = path.read_text("utf-8") if text is None else text
    uri = path.as_uri()
    client.diagnostics.pop(uri, None)
    client.text_document_did_open(types.DidOpenTextDocumentParams(types.TextDocumentItem(uri, "yaml", 1, text)))
    return uri, text


async def _diagnostics(client: LanguageClient, uri: str) -> list:
    """The next diagnostics published for ``uri`` (the caller pops the old ones before it changes the text)."""
    for _ in range(PUBLISHED_WITHIN * 50):
        if uri in client.diagnostics:
            return list(client.diagnostics[uri])
        await asyncio.sleep(0.02)
    raise AssertionError(f"no diagnostics for {uri} within {PUBLISHED_WITHIN} s")


def _place(text: str, context: str, word: str, inside: int = 0) -> types.Position:
    """The place ``inside`` characters into ``word``, in the first ``context`` of ``text``, in UTF-16 units."""
    at = text.index(context) + context.index(word) + inside
    line = text.count("\n", 0, at)
    start = text.rfind("\n", 0, at) + 1
    return types.Position(line, _utf16(text[start:at]))


def _utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _range_of(text: str, context: str, word: str) -> types.Range:
    start = _place(text, context, word)
    return types.Range(start, types.Position(start.line, start.character + _utf16(word)))


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def shipped(client: LanguageClient):
    """The shipped rule book, open in the editor, and a task that awaits the diagnostics first published for it
    and what `frist lint` finds in it, found here while the server checks it (and answers the questions on it)."""
    uri, text = _open(client, RULES)
    checked = asyncio.gather(_diagnostics(client, uri), asyncio.to_thread(lambda: lint(load(RULES))))
    return uri, text, checked


# ---------------------------------------------------------------------------------------------- hover
HOVERS = [  # the text the place is in, the word at the place, what the answer holds
    ('duty: "within $cv_deadline after registered: cv_created"', "$cv_deadline",
     ["**$cv_deadline** — parameter (duration)", "How long after registering the CV must be on Jobnet.",
      "- from 2015-07-01: **2 weeks** — ff-pjece §5 (Det skal du vide som ledig)",
      "- from 2024-01-01: **3 weeks** — star-kontakt Betingelser (Jobrettede samtaler (kontaktforløb))"]),
    ('duty: "within $cv_deadline after registered: cv_created"', "registered",
     ["**registered** — point event (tilmelding)", "Registered as fully unemployed and job-seeking"]),
    ("at least 14 days before holiday: holiday.notified_on", "notified_on",
     ["**holiday.notified_on** — field of `holiday`: date, optional",
      "The day the jobcenter was told of the holiday."]),
    ("meeting where kind is joint", "kind",
     ["**meeting.kind** — field of `meeting`: enum (cv, job, availability, joint)"]),
    ("meeting where kind is joint", "joint",
     ["**joint** — a value of `meeting.kind`: `cv`, `job`, `availability`, `joint`"]),
    ("at least 3 where fulltime is yes", "yes", ["**yes** — a value of `application.fulltime`"]),
    ("per week while registered", "registered", ["**registered** — state: from each `registered` to the day before"]),
    ("of cumulative_unemployment after", "cumulative_unemployment",
     ["**cumulative_unemployment** — clock: runs only while `registered`", "Sammenlagt ledighed"]),
    ("applies: benefit is dagpenge", "benefit", ["**benefit** — person fact: enum (dagpenge, kontanthjaelp"]),
    ("\n  cv_deadline:\n", "cv_deadline", ["**$cv_deadline** — parameter", "**2 weeks**", "**3 weeks**"]),
    ("\n    holiday:\n", "holiday", ["**holiday** — period event (ferie)", "- `notified_on`: date, optional"]),
    ("- source: ff-pjece", "ff-pjece", ["**ff-pjece** — source: Det skal du vide som ledig (Frie Funktionærers"]),
    ("version_of: cv-deadline", "cv-deadline", ["**cv-deadline** — family: Frist for CV på Jobnet", "`cv-on-jobnet`"]),
]


@on_the_server
@pytest.mark.parametrize("context, word, expected", HOVERS, ids=[f"{h[1]} in {h[0].strip()[:30]}" for h in HOVERS])
async def test_hover_shows_what_the_rule_book_says_of_a_name(client, shipped, context, word, expected):
    uri, text, *_ = shipped
    hover = await client.text_document_hover_async(types.HoverParams(
        types.TextDocumentIdentifier(uri), _place(text, context, word, inside=len(word) // 2)))
    assert hover is not None
    for fragment in expected:
        assert fragment in hover.contents.value
    assert hover.range == _range_of(text, context, word)


def test_every_name_in_the_shipped_rule_text_is_a_keyword_or_declared_and_described():
    text = RULES.read_text("utf-8")
    symbols = Symbols.read(text, str(RULES))
    words = re.compile(r"\$?[A-Za-z_][A-Za-z0-9_]*(?:'s)?")
    kinds, undeclared = set(), []
    for _, start, end in symbols.strings:
        for word in words.finditer(text, start, end):
            name = symbols.name_at(*symbols.place(word.start()))
            kinds.add(name.kind)
            if name.kind != "keyword" and not (symbols.declaration(name) and symbols.describe(name)):
                undeclared.append((symbols.place(word.start())[0] + 1, word.group(), name.kind))
    assert len(symbols.strings) > 300 and not undeclared
    assert kinds == {"keyword", "event", "field", "fact", "value", "state", "clock", "parameter"}


@on_the_server
async def test_hover_on_a_keyword_or_between_strings_answers_nothing(client, shipped):
    uri, text, *_ = shipped
    for context, word in [('duty: "within $cv_deadline', "within"), ("  month_rounding: down", "month_rounding")]:
        hover = await client.text_document_hover_async(types.HoverParams(
            types.TextDocumentIdentifier(uri), _place(text, context, word, inside=1)))
        assert hover is None, (word, hover)


# ---------------------------------------------------------------------------------------------- completion
@functools.cache
def _declared() -> dict:
    book = yaml.load(RULES.read_text("utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    events = book["vocabulary"]["events"]
    return {
        "parameters": {f"${name}" for name in book["parameters"]},
        "holiday": {"start", "end", *events["holiday"]["fields"]},
        "meeting": {"date", *events["meeting"]["fields"]},
        "meeting.kind": set(events["meeting"]["fields"]["kind"]["values"]),
        "benefit": set(book["vocabulary"]["person"]["benefit"]["values"]),
        "sources": set(book["sources"]),
        "families": set(book["families"]),
        "person": set(book["vocabulary"]["person"]),
    }


COMPLETIONS = [  # the text the place is in, the text before the place in it, what is offered
    ('duty: "within $cv_deadline after', "within $", "parameters"),
    ("before holiday: holiday.notified_on", "holiday.", "holiday"),
    ("meeting where kind is joint", "meeting where kind is ", "meeting.kind"),
    ("meeting where kind is joint", "meeting where ", "meeting"),
    ("applies: benefit is dagpenge", "applies: benefit is ", "benefit"),
    ("applies: benefit is dagpenge", "applies: ", "person"),
    ("- source: ff-pjece", "- source: ", "sources"),
    ("version_of: cv-deadline", "version_of: ", "families"),
]


@on_the_server
@pytest.mark.parametrize("context, before, offered", COMPLETIONS, ids=[f"{c[1]}|" for c in COMPLETIONS])
async def test_completion_offers_the_names_that_fit_the_place(client, shipped, context, before, offered):
    uri, text, *_ = shipped
    place = _place(text, context, before, inside=len(before))
    answer = await client.text_document_completion_async(types.CompletionParams(
        types.TextDocumentIdentifier(uri), place))
    assert {item.label for item in answer.items} == _declared()[offered]
    typed = 1 if before.endswith("$") else 0  # a parameter's completion replaces the `$` typed before it
    for item in answer.items:
        assert item.text_edit.range == types.Range(types.Position(place.line, place.character - typed), place)
        assert item.text_edit.new_text == item.label


@on_the_server
async def test_completion_in_a_duty_offers_event_types_and_keywords(client, shipped):
    uri, text, *_ = shipped
    before = 'duty: "within $cv_deadline after '
    answer = await client.text_document_completion_async(types.CompletionParams(
        types.TextDocumentIdentifier(uri), _place(text, before, before, inside=len(before))))
    labels = {item.label: item.kind for item in answer.items}
    assert labels["registered"] in (types.CompletionItemKind.Event, types.CompletionItemKind.Constant)
    assert labels["holiday"] == types.CompletionItemKind.Event
    assert labels["cumulative_unemployment"] == types.CompletionItemKind.Constant
    for keyword in ("within", "after", "before", "every", "while", "unless", "at least", "more than"):
        assert labels[keyword] == types.CompletionItemKind.Keyword, keyword


# ---------------------------------------------------------------------------------------------- definition
DEFINITIONS = [  # the text the place is in, the word at the place, the text the declaration stands in
    ('duty: "within $cv_deadline after registered: cv_created"', "$cv_deadline", "\n  cv_deadline:\n"),
    ('duty: "within $cv_deadline after registered: cv_created"', "cv_created", "\n    cv_created:\n"),
    ("per week while registered", "registered", "\n    registered: {starts:"),
    ("of cumulative_unemployment after", "cumulative_unemployment", "\n    cumulative_unemployment:\n"),
    ("before holiday: holiday.notified_on", "notified_on",  # holiday's own field, not abroad's
     "\n        notified_on: {type: date, required: false, doc: The day the jobcenter was told of"),
    ("meeting where kind is joint", "joint", "values: [cv, job, availability, joint]"),
    ("- source: ff-pjece", "ff-pjece", "\n  ff-pjece:\n"),
    ("version_of: cv-deadline", "cv-deadline", "\n  cv-deadline:\n"),
]


@on_the_server
@pytest.mark.parametrize("context, word, declared", DEFINITIONS, ids=[d[1] for d in DEFINITIONS])
async def test_definition_goes_to_the_declaration(client, shipped, context, word, declared):
    uri, text, *_ = shipped
    [location] = await client.text_document_definition_async(types.DefinitionParams(
        types.TextDocumentIdentifier(uri), _place(text, context, word, inside=1)))
    name = word.lstrip("$")
    assert location.uri == uri
    assert location.range == _range_of(text, declared, name)


# ---------------------------------------------------------------------------------------------- diagnostics
@on_the_server
async def test_the_shipped_rule_book_has_no_errors_and_lints_as_frist_lint_does(shipped):
    _, text, checked = shipped
    published, findings = await checked
    lines = text.split("\n")
    severity = {"error": types.DiagnosticSeverity.Error, "warning": types.DiagnosticSeverity.Warning}
    expected = [(f.span.line - 1, _utf16(lines[f.span.line - 1][:f.span.column - 1]), f.code,
                 types.DiagnosticSeverity.Information if f.explained or f.severity == "note" else severity[f.severity])
                for f in findings]
    got = [(d.range.start.line, d.range.start.character, d.code, d.severity) for d in published]
    assert sorted(got) == sorted(expected)
    assert not [d for d in published if d.severity == types.DiagnosticSeverity.Error]
    assert all(d.source == "frist" for d in published)


# what breaks the fixture (old, new), the text the diagnostic covers (a word in the first such context), its
# message, its hint
BROKEN = [
    ("grammar error in a double-quoted duty", ("$cv_deadline after", "$cv_deadline aftr"), ("aftr", "aftr"),
     "unexpected `aftr` in duty [rule cv-on-jobnet]", "hint: expected a unit (days, weeks"),
    ("grammar error on the second line of a folded duty", ("      meeting where kind", "      meeting wher kind"),
     ("wher", "wher"), "unexpected `wher` in duty [rule job-meeting]", "hint: expected `.`, `other`, `where`"),
    ("unknown event type in a single-quoted duty",
     ("before holiday: holiday.notified_on", "before holidy: holiday.notified_on"),
     ("holidy", "holidy"), "unknown event type `holidy` [rule holiday-notified]", "hint: did you mean `holiday`?"),
    ("unknown event on the second line of a plain exception",
     ("          after registered", "          after registred"),
     ("registred", "registred"), "an exception is measured from the duty's anchor `registered`, not `registred`",
     "hint: write `... after registered`"),
    ("unknown parameter", ("$cv_deadline after", "$cv_deadlin after"), ("$cv_deadlin", "$cv_deadlin"),
     "unknown parameter `$cv_deadlin` [rule cv-on-jobnet]", "hint: did you mean `cv_deadline`?"),
    ("a value the enum does not have", ("kind is job and", "kind is jb and"), ("kind is jb", "jb"),
     "`jb` is not one of cv, job", "hint: did you mean `job`?"),
    ("after a character UTF-16 counts twice", ("    applies: benefit is dagpenge\n    duty: 'at",
                                               "    applies: 'benefit is \"🙂\" or benefit is dagpnge'\n    duty: 'at"),
     ("dagpnge", "dagpnge"), "`dagpnge` is not one of dagpenge, kontanthjaelp", "hint: did you mean `dagpenge`?"),
    ("malformed YAML", ("    duty: 'at least 14 days before holiday: holiday.notified_on'",
                        "    duty: at least 14 days before holiday: holiday.notified_on"),
     ("holiday: holiday", ":"), "malformed YAML: mapping values are not allowed",
     "hint: check indentation and quoting"),
]


@on_the_server
@pytest.mark.parametrize("name, change, covered, message, hint", BROKEN, ids=[b[0] for b in BROKEN])
async def test_an_error_is_published_where_it_stands(client, tmp_path, name, change, covered, message, hint):
    text = replace_once(SMALL.read_text("utf-8"), *change)
    uri, _ = _open(client, tmp_path / "rules.yaml", text)
    published = await _diagnostics(client, uri)
    found = [d for d in published if message in d.message]
    assert len(found) == 1, published
    assert (found[0].range, found[0].severity) == (_range_of(text, *covered), types.DiagnosticSeverity.Error)
    assert hint in found[0].message


LINTED = [  # a rule book of tests/lint, the text the finding covers, severity, code, message
    ("never-met", "each meeting: outcome is held and outcome is no_show", types.DiagnosticSeverity.Warning, "never-met",
     "no `meeting` can meet `attend-impossible`'s condition"),
    ("impossible-deadlines", "within 1 week after cv_created: cv_approved", types.DiagnosticSeverity.Error,
     "impossible-deadlines", "the deadlines of cv-approved, cv-approved-late, cv-created cannot all be met"),
]


@on_the_server
@pytest.mark.parametrize("name, covered, severity, code, message", LINTED, ids=[c[0] for c in LINTED])
async def test_a_lint_finding_is_published_at_the_rule_with_its_counterexample(client, name, covered, severity, code,
                                                                                message):
    uri, text = _open(client, ROOT / "tests" / "lint" / f"{name}.yaml")
    [found] = await _diagnostics(client, uri)
    assert (found.range, found.severity, found.code) == (_range_of(text, covered, covered), severity, code)
    assert found.message.startswith(message)
    assert "\nhint: " in found.message and "\ncounterexample: " in found.message


@on_the_server
async def test_a_change_that_fixes_the_error_clears_the_diagnostics(client, tmp_path):
    text = replace_once(SMALL.read_text("utf-8"), "after registered: cv_created", "after registerd: cv_created")
    uri, _ = _open(client, tmp_path / "rules.yaml", text)
    [error] = await _diagnostics(client, uri)
    assert "did you mean `registered`?" in error.message
    client.diagnostics.pop(uri)
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        types.VersionedTextDocumentIdentifier(version=2, uri=uri),
        [types.TextDocumentContentChangePartial(range=error.range, text="registered")]))
    assert await _diagnostics(client, uri) == []


@on_the_server
async def test_while_the_yaml_is_broken_the_names_declared_before_still_answer(client, tmp_path):
    text = SMALL.read_text("utf-8")
    uri, _ = _open(client, tmp_path / "rules.yaml", text)
    assert await _diagnostics(client, uri) == []
    line = "    duty: 'at least 14 days before holiday: holiday.notified_on'"
    typing = "    duty: at least 14 days before holiday: holiday."  # unquoted, the colon breaks the YAML
    broken = replace_once(text, line, typing)
    client.diagnostics.pop(uri)
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        types.VersionedTextDocumentIdentifier(version=2, uri=uri),
        [types.TextDocumentContentChangeWholeDocument(text=broken)]))
    where = types.TextDocumentIdentifier(uri), _place(broken, typing, typing, inside=len(typing))
    answer = await client.text_document_completion_async(types.CompletionParams(*where))
    assert {item.label for item in answer.items} == {"start", "end", "notified_on"}
    hover = await client.text_document_hover_async(types.HoverParams(
        types.TextDocumentIdentifier(uri), _place(broken, typing, "holiday", inside=2)))
    assert hover.contents.value.startswith("**holiday** — period event")
    [error] = await _diagnostics(client, uri)
    assert error.message.startswith("malformed YAML: mapping values are not allowed")


@on_the_server
async def test_a_yaml_file_that_is_no_rule_book_gets_no_diagnostics_and_no_answers(client):
    timeline = ROOT / "examples" / "young-graduate-2024.yaml"
    uri, text = _open(client, timeline)
    assert await _diagnostics(client, uri) == []
    hover = await client.text_document_hover_async(types.HoverParams(
        types.TextDocumentIdentifier(uri), _place(text, "registered", "registered")))
    assert hover is None


ODD = [  # rule books in name only: each gets its errors, and no question about it goes unanswered
    "frist: 1\n",
    "frist: 1\nrules: 5\n",
    "frist: 1\n\tvocabulary: {}\n",
    "frist: 1\nrules: [{id: x, duty: \"within $\"}]\n",
    "frist: 1\nvocabulary: {events: {a: {kind: point, fields: [1, 2]}, b: 7}}\nrules: [{duty: \"each a: b is $\"}]\n",
    "frist: 1\n" + "- [" * 40 + "\n",
]


@on_the_server
@pytest.mark.parametrize("text", ODD, ids=range(len(ODD)))
async def test_odd_documents_get_errors_and_every_question_an_answer(client, tmp_path, text):
    uri, _ = _open(client, tmp_path / "odd.yaml", text)
    published = await _diagnostics(client, uri)
    assert published and all(d.severity == types.DiagnosticSeverity.Error for d in published), published
    assert not [d for d in published if d.code == "internal"], published
    for line, character in [(0, 0), (1, 3), (1, 30), (2, 0), (40, 2)]:
        where = types.TextDocumentIdentifier(uri), types.Position(line, character)
        await client.text_document_hover_async(types.HoverParams(*where))
        await client.text_document_completion_async(types.CompletionParams(*where))
        await client.text_document_definition_async(types.DefinitionParams(*where))
    assert not [m for m in client.log_messages if "failed" in m.message]


def test_without_the_extra_frist_lsp_names_the_command_that_installs_it(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "pygls", None)  # importing pygls fails, as where it is not installed
    code, out, err = run_cli(["lsp"], capsys)
    assert (code, out) == (2, ""), err
    assert err.startswith("<command line>:1:1: error: frist lsp needs the Python package `pygls`, which is "
                          "not installed"), err
    assert 'hint: install the lsp extra: pip install "frist-dagpenge[lsp]"' in err


def test_a_fault_in_frist_is_one_diagnostic_at_the_start_and_a_log(monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("a fault")

    monkeypatch.setattr("frist.rulebook.load_text", broken)
    found, log = lsp.problems(SMALL.read_text("utf-8"), str(SMALL))
    assert [(p.severity, p.start, p.code) for p in found] == [("error", (0, 0), "internal")]
    assert "RuntimeError: a fault" in found[0].message and "Traceback" in log


# ---------------------------------------------------------------------------------------------- the editor's grammar
def _patterns(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("match", "begin", "end", "while") and isinstance(value, str):
                yield key, value
            else:
                yield from _patterns(value)
    elif isinstance(node, list):
        for item in node:
            yield from _patterns(item)


def test_the_vscode_grammar_is_valid_and_highlights_the_rule_language():
    grammar = json.loads(GRAMMAR.read_text("utf-8"))
    package = json.loads((ROOT / "editors" / "vscode" / "package.json").read_text("utf-8"))
    [contributed] = package["contributes"]["grammars"]
    assert (contributed["scopeName"], contributed["injectTo"]) == (grammar["scopeName"], ["source.yaml"])
    compiled = {value: re.compile(value) for _, value in _patterns(grammar)}  # no Oniguruma-only syntax
    assert len(compiled) >= 6
    region = grammar["repository"]["rule-text"]
    begin, end = re.compile(region["begin"]), re.compile(region["end"])
    lines = RULES.read_text("utf-8").splitlines()
    keys = [i for i, line in enumerate(lines) if re.match(r"\s*(- )?(duty|applies|when|condition|effect):", line)]
    assert len(keys) > 300 and all(begin.search(lines[i]) for i in keys)
    assert not begin.search("    title: {da: ..., en: ...}") and end.search("    consequence:")
    scopes = {p["name"]: re.compile(p["match"]) for p in region["patterns"] if "match" in p and "name" in p}
    sample = "within $cv_deadline after registered: cv_created where holiday.notified_on is at least 2 weeks"
    found = {name: [m.group() for m in pattern.finditer(sample)] for name, pattern in scopes.items()}
    assert found["variable.other.constant.parameter.frist"] == ["$cv_deadline"]
    assert found["constant.numeric.duration.frist"] == ["2 weeks"]
    assert "holiday.notified_on" in found["meta.field-access.frist"]
    assert {"within", "after", "where", "at least"} <= set(found["keyword.control.frist"])
