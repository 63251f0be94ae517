"""``frist lsp``: a language server for rule books, on stdin and stdout.

For every open YAML document with ``frist: 1`` it publishes, as the editor types, every
error of loading the rule book (:func:`frist.rulebook.load_text`: YAML, schema, the rule
language, names) and every finding of :func:`frist.lint.lint`, each located where
``frist validate`` and ``frist lint`` locate it; and it answers hover, completion and
go-to-definition for the names of the rule book (:mod:`frist.symbols`).

The checks are :func:`problems`, a pure function of the text; the server around it needs
pygls (the ``lsp`` extra), imported only by :func:`build`, which :func:`serve` runs.  Checking a large rule book
takes a second or two (lint decides every family on every witness), so it runs in a
worker thread, a short pause after the last keystroke, one check of a document at a time;
a result for a text the editor has since changed is dropped.

>>> is_rule_book("frist: 1\\nrules: []\\n"), is_rule_book("person: {}\\nevents: []\\n")
(True, False)
>>> [(p.severity, p.start, p.message.splitlines()[-1]) for p in problems("frist: 1\\nsources: [\\n", "rules.yaml")[0]]
[('error', (2, 0), 'hint: check indentation and quoting near here')]
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import sys
import traceback
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from . import __version__
from .errors import Diagnostic, FristError, Span
from .symbols import Symbols

DEBOUNCE = 0.25  # seconds of quiet after a change before the document is checked again
_RULE_BOOK = re.compile(r"^frist:[ \t]*1[ \t]*(#.*)?$", re.M)
_TOKEN = re.compile(r"\$?[A-Za-z_][A-Za-z0-9_]*|\d+(?:\.\d+)?|\S")
_QUOTED = re.compile(r"`([^`]+)`")


def is_rule_book(text: str) -> bool:
    """Is ``text`` a rule book (a YAML document with ``frist: 1``)?"""
    return _RULE_BOOK.search(text) is not None


@dataclass(frozen=True, slots=True)
class Problem:
    """A diagnostic as an editor shows it: 0-based places in characters, the hint in the message."""

    severity: str  # error | warning | information
    message: str
    start: tuple
    end: tuple
    code: str | None = None


def problems(text: str, path: str) -> tuple:
    """Every error of loading the rule book ``text`` and every lint finding, as :class:`Problem` objects,
    and a log message when checking itself failed (the failure is then one problem at 1:1)."""
    from .lint import lint  # lint compiles rule books: loaded on the first check, not with the module
    from .rulebook import load_text

    lines = text.split("\n")
    try:
        try:
            book = load_text(text, path)
        except FristError as exc:
            return [_problem(d, lines, path, _strings(text, path)) for d in exc.diagnostics], None
        try:
            findings = lint(book)
        except FristError as exc:
            return [_problem(d, lines, path) for d in exc.diagnostics], None
        return [_finding(f, lines, path) for f in findings], None
    except Exception as exc:  # noqa: BLE001 - a fault in frist must not stop the server
        message = f"frist could not check this rule book: {type(exc).__name__}: {exc}"
        return [Problem("error", message, (0, 0), (0, 1), "internal")], traceback.format_exc()


def _strings(text: str, path: str) -> list:
    """The places of the rule-language strings, to locate errors in them; none when they cannot be found."""
    try:
        return Symbols.read(text, path).strings
    except Exception:  # noqa: BLE001 - the errors are then located as the loader gives them
        return []


def _problem(diagnostic: Diagnostic, lines: list, path: str, strings: list = ()) -> Problem:
    message = diagnostic.message + (f" [rule {diagnostic.rule}]" if diagnostic.rule else "")
    message += f"\nhint: {diagnostic.hint}" if diagnostic.hint else ""
    start, end, elsewhere = _range(diagnostic.span, lines, path, diagnostic.message, strings)
    severity = {"warning": "warning", "note": "information"}.get(diagnostic.severity, "error")
    code = diagnostic.code if diagnostic.code != "error" else None
    return Problem(severity, elsewhere + message, start, end, code)


def _finding(finding, lines: list, path: str) -> Problem:
    message = finding.message
    if finding.hint:
        message += f"\nhint: {finding.hint}"
    if finding.counterexample:
        message += "\ncounterexample: " + ", ".join(f"{k}: {v}" for k, v in finding.counterexample.items())
    if finding.explained:
        message += f"\nexplained in the rule book: {' '.join(finding.explained.split())}"
    start, end, elsewhere = _range(finding.span, lines, path)
    severity = "information" if finding.explained or finding.severity == "note" else finding.severity
    return Problem(severity, elsewhere + message, start, end, finding.code)


def _range(span: Span | None, lines: list, path: str, narrow: str = "", strings=()) -> tuple:
    """Where a span stands in the document, as (start, end, prefix).

    A span with an end stands as it is (a span over several lines: its first line); a bare position (a
    parse error) covers the token there.  Either is narrowed to a name quoted in ``narrow`` (an error's
    message: "unknown event type `registerd`" on a whole anchor) where that name stands in the span, or,
    from a bare position, further on in the same rule-language string (one of ``strings``).  A span in
    another file (a catalog) stands at 1:1, its own place the message's prefix.
    """
    if span is None or span.file != path:
        return (0, 0), (0, 0), f"{span}: " if span is not None else ""
    line = min(max(span.line - 1, 0), len(lines) - 1)
    text = lines[line]
    column = min(max(span.column - 1, 0), len(text))
    if span.end_line is not None and span.end_column:
        region = (min(span.end_line - 1, len(lines) - 1), span.end_column - 1)
        end = span.end_column - 1 if span.end_line - 1 == line else len(text.rstrip())
    else:
        token = _TOKEN.match(text, column)
        end = token.end() if token else column
        region = _string_end(lines, line, column, strings) or (line, end)
    quoted = _find_quoted(narrow, lines, (line, column), region)
    if quoted is not None:
        return (*quoted, "")
    return (line, column), (line, max(column, min(end, len(text)))), ""


def _find_quoted(message: str, lines: list, start: tuple, end: tuple):
    """The place of the first name ``message`` quotes in backticks that stands between start and end."""
    for quoted in _QUOTED.findall(message):
        for number in range(start[0], min(end[0], len(lines) - 1) + 1):
            found = lines[number].find(quoted, start[1] if number == start[0] else 0,
                                       end[1] if number == end[0] else len(lines[number]))
            if found >= 0:
                return (number, found), (number, found + len(quoted))
    return None


def _string_end(lines: list, line: int, column: int, strings) -> tuple | None:
    """The end of the rule-language string (start and end offsets in ``strings``) a place lies in."""
    line_start = sum(len(text) + 1 for text in lines[:line])
    for _, start, end in strings:
        if start <= line_start + column <= end:
            while line + 1 < len(lines) and line_start + len(lines[line]) < end:
                line_start += len(lines[line]) + 1
                line += 1
            return line, end - line_start
    return None


# ====================================================================== the server (pygls)
def serve() -> None:
    """Run the language server on stdin and stdout until the editor ends it.

    The server talks over copies of the two streams, which it closes when the editor ends it; meanwhile
    whatever else would be printed goes to stderr, where it cannot break the protocol's messages.
    """
    channel_in = os.fdopen(os.dup(sys.stdin.fileno()), "rb")
    channel_out = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    with contextlib.redirect_stdout(sys.stderr):
        build().start_io(channel_in, channel_out)


def build():
    """The language server: pygls is imported here, so that the module reads without it."""
    from lsprotocol import types
    from pygls.lsp.server import LanguageServer

    class RuleBookServer(LanguageServer):
        def __init__(self):
            super().__init__("frist", __version__, text_document_sync_kind=types.TextDocumentSyncKind.Incremental)
            self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="frist-check")
            self.waiting: dict = {}  # uri -> the task that checks the document after a pause
            self.running: dict = {}  # uri -> the check under way in a worker thread
            self.symbols: dict = {}  # uri -> (version, Symbols) of the text last read

        def schedule(self, uri: str, delay: float) -> None:
            old = self.waiting.pop(uri, None)
            if old is not None:
                old.cancel()
            self.waiting[uri] = asyncio.ensure_future(self.check(uri, delay))

        async def check(self, uri: str, delay: float) -> None:
            await asyncio.sleep(delay)
            while (running := self.running.get(uri)) is not None and not running.done():
                await asyncio.shield(running)  # one check of a document at a time
            document = self.workspace.get_text_document(uri)
            text, version = document.source, document.version
            if not is_rule_book(text):
                self.publish(uri, version, [])
                return
            previous = self.symbols.get(uri, (None, None))[1]
            running = asyncio.get_running_loop().run_in_executor(self.executor, _examine, text,
                                                                 document.path or uri, previous)
            self.running[uri] = running
            running.add_done_callback(lambda done: self.running.pop(uri, None) if self.running.get(uri) is done
                                      else None)
            found, log, symbols = await asyncio.shield(running)
            if log:
                self.window_log_message(types.LogMessageParams(types.MessageType.Error, log))
            if self.workspace.get_text_document(uri).version == version:
                self.symbols[uri] = (version, symbols)
                codec, lines = document.position_codec, text.splitlines(True)
                self.publish(uri, version, [_diagnostic(p, codec, lines) for p in found])

        def publish(self, uri: str, version, diagnostics: list) -> None:
            self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri, diagnostics, version))

        def read(self, uri: str):
            """The document and its symbols, read again only when it has changed; None if it is no rule book."""
            document = self.workspace.get_text_document(uri)
            cached = self.symbols.get(uri)
            if cached is not None and cached[0] == document.version:
                return document, cached[1]
            text = document.source
            if not is_rule_book(text):
                return document, None
            symbols = Symbols.read(text, document.path or uri, cached[1] if cached else None)
            self.symbols[uri] = (document.version, symbols)
            return document, symbols

        def answer(self, what: str, uri: str, position, reply):
            """``reply(document, symbols, line, column)``; a fault is logged and answered with nothing."""
            try:
                document, symbols = self.read(uri)
                if symbols is None:
                    return None
                place = document.position_from_client_units(position)
                return reply(document, symbols, place.line, place.character)
            except Exception:  # noqa: BLE001 - a fault in frist must not stop the server
                self.window_log_message(types.LogMessageParams(
                    types.MessageType.Error, f"frist: {what} failed:\n{traceback.format_exc()}"))
                return None

    server = RuleBookServer()

    def client_range(document, start, end):
        return document.range_to_client_units(types.Range(types.Position(*start), types.Position(*end)))

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: RuleBookServer, params: types.DidOpenTextDocumentParams):
        ls.schedule(params.text_document.uri, 0)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: RuleBookServer, params: types.DidChangeTextDocumentParams):
        ls.schedule(params.text_document.uri, DEBOUNCE)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: RuleBookServer, params: types.DidCloseTextDocumentParams):
        uri = params.text_document.uri
        waiting = ls.waiting.pop(uri, None)
        if waiting is not None:
            waiting.cancel()
        ls.symbols.pop(uri, None)
        ls.publish(uri, None, [])

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    def hover(ls: RuleBookServer, params: types.HoverParams):
        def reply(document, symbols, line, column):
            name = symbols.name_at(line, column)
            text = symbols.describe(name) if name is not None else None
            if text is None:
                return None
            formats = getattr(getattr(ls.client_capabilities.text_document, "hover", None), "content_format", None)
            kind = types.MarkupKind.Markdown if formats and types.MarkupKind.Markdown in formats \
                else types.MarkupKind.PlainText
            return types.Hover(types.MarkupContent(kind, text), client_range(document, name.start, name.end))

        return ls.answer("hover", params.text_document.uri, params.position, reply)

    @server.feature(types.TEXT_DOCUMENT_DEFINITION)
    def definition(ls: RuleBookServer, params: types.DefinitionParams):
        def reply(document, symbols, line, column):
            name = symbols.name_at(line, column)
            where = symbols.declaration(name) if name is not None else None
            if where is None:
                return None
            return [types.Location(document.uri, client_range(document, *where))]

        return ls.answer("definition", params.text_document.uri, params.position, reply)

    kinds = {"event": types.CompletionItemKind.Event, "field": types.CompletionItemKind.Field,
             "fact": types.CompletionItemKind.Field, "value": types.CompletionItemKind.EnumMember,
             "state": types.CompletionItemKind.Constant, "clock": types.CompletionItemKind.Constant,
             "parameter": types.CompletionItemKind.Variable, "source": types.CompletionItemKind.Reference,
             "family": types.CompletionItemKind.Module, "keyword": types.CompletionItemKind.Keyword}

    @server.feature(types.TEXT_DOCUMENT_COMPLETION, types.CompletionOptions(trigger_characters=["$", "."]))
    def completion(ls: RuleBookServer, params: types.CompletionParams):
        def reply(document, symbols, line, column):
            items = []
            for order, item in enumerate(symbols.complete(line, column)):
                edit = types.TextEdit(client_range(document, item.start, (line, column)), item.label)
                items.append(types.CompletionItem(item.label, kind=kinds.get(item.kind), detail=item.detail,
                                                  sort_text=f"{order:04d}", text_edit=edit))
            return types.CompletionList(is_incomplete=False, items=items)

        return ls.answer("completion", params.text_document.uri, params.position, reply)

    return server


def _examine(text: str, path: str, previous: Symbols | None) -> tuple:
    """The problems of a rule book's text, the log of a fault, and its symbols (for the questions that follow;
    where the text is not YAML, with the names the previous text declared)."""
    found, log = problems(text, path)
    try:
        symbols = Symbols.read(text, path, previous)
    except Exception:  # noqa: BLE001 - a fault in frist must not stop the server
        symbols, log = previous, (log or "") + traceback.format_exc()
    return found, log, symbols


def _diagnostic(problem: Problem, codec, lines: list):
    from lsprotocol import types

    severity = {"error": types.DiagnosticSeverity.Error, "warning": types.DiagnosticSeverity.Warning,
                "information": types.DiagnosticSeverity.Information}[problem.severity]
    start = codec.position_to_client_units(lines, types.Position(*problem.start))
    end = codec.position_to_client_units(lines, types.Position(*problem.end))
    return types.Diagnostic(types.Range(start, end), problem.message, severity=severity, code=problem.code,
                            source="frist")
