"""The HTTP service, ``frist serve``: the checker for other systems (the case-management systems of
a-kasser and jobcenters), over HTTP.

The rule book is compiled once, when :func:`create_app` makes the app; each request checks one
timeline against it.  Every refusal is the project's own located diagnostics, as JSON::

    {"error": {"message": "...", "location": {"file": "request", "line": 4, "column": 14}, "hint": "..."},
     "errors": [every diagnostic, in the same form]}

A location in the request's body has the file ``request``, with its line and column in the body.
No traceback ever reaches a client: a fault in frist itself is a 500 whose hint names an incident
id, and the traceback goes to the server's log under that id.

The endpoints are plain functions, run in the server's thread pool.  Checking pauses Python's
cycle collector, which is one switch for the whole process, and restores it afterwards: two checks
interleaving that could leave it off for good, so checks take turns (:class:`Service`).  Checking
is pure Python, so under the GIL one check beside another would not finish sooner anyway.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import logging
import socket
import sys
import threading
import uuid
from types import ModuleType
from typing import Literal

from fastapi import Depends, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException

from . import __version__, explain
from .compiler import compile_rules
from .dates import DateError, parse_date
from .errors import Diagnostic, FristError, Span, did_you_mean
from .report import Report, check, load_timeline
from .source import DEFAULT_LIMITS, key_span, parse_text, span_of
from .timeline_schema import timeline_schema

logger = logging.getLogger("frist.serve")

MAX_BYTES = 1_048_576
MAX_EVENTS = 10_000
BODY = "request"  # the file a location in the request's body names
JSON_TYPES = ("application/json",)
YAML_TYPES = ("application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml")
LANGUAGES = ("da", "en")


class Refusal(Exception):
    """A request the service answers with located diagnostics instead of a result."""

    def __init__(self, status: int, diagnostics: Diagnostic | list):
        self.status = status
        found = [diagnostics] if isinstance(diagnostics, Diagnostic) else list(diagnostics)
        self.diagnostics = sorted(found, key=Diagnostic.sort_key)
        super().__init__(f"{status}: {self.diagnostics[0].message}")


# ---------------------------------------------------------------------------- the shapes, for the OpenAPI document

class Location(BaseModel):
    file: str = Field(description="`request` for the request's body; the rule book's path for a rule")
    line: int
    column: int


class Problem(BaseModel):
    message: str
    location: Location | None = Field(description="where the problem is; null for a query parameter or the "
                                                  "request as a whole")
    hint: str | None
    rule: str | None = Field(None, description="the rule the problem concerns, if one does")


class ErrorBody(BaseModel):
    error: Problem = Field(description="the first problem")
    errors: list[Problem] = Field(description="every problem, sorted by location")


class Health(BaseModel):
    status: Literal["ok"]
    rulebook: str = Field(description="the digest (SHA-256) of the rule book the service checks against")


class Cite(BaseModel):
    source: str
    section: str
    title: str | None
    quote: list[str]


class RuleEntry(BaseModel):
    id: str
    title: dict[str, str]
    kind: Literal["duty", "effect"]
    holder: str | None = Field(description="whose duty it is: person, akasse or jobcenter; null for a legal effect")
    catalog: list[str]
    cites: list[Cite]
    location: str


class ParameterEntry(BaseModel):
    name: str
    doc: str | None
    versions: list[dict] = Field(description="each dated version: from, value, source, section, quote")


class RuleBook(BaseModel):
    name: str
    path: str
    digest: str
    compiler: str
    language: str
    rules: list[RuleEntry]
    parameters: list[ParameterEntry]


class Explained(BaseModel):
    instance: str
    status: str
    explanation: dict | None = Field(description="the result's `explanation`, as the JSON report gives it")
    text: str = Field(description="the explanation as text, in the language asked for")


class Explanation(BaseModel):
    rule: str
    as_of: str
    results: list[Explained]


REFUSALS = {
    400: "The body cannot be read: not UTF-8, malformed JSON or YAML, or empty",
    413: "The body is longer than the service takes (--max-bytes)",
    415: "The body's Content-Type is neither JSON nor YAML",
    422: "The timeline or a parameter is invalid (an unknown event type, a bad date, a bad as_of, more events "
         "than --max-events), or checking could not proceed",
}
EXPLAIN_FIELDS = {  # key: (JSON type, OpenAPI schema, what it is)
    "timeline": (dict, {"$ref": "#/components/schemas/Timeline"}, "the timeline, as POST /check takes it"),
    "rule": (str, {"type": "string"}, "the rule's id (GET /rules lists them)"),
    "instance": (str, {"type": "string"}, "one instance of the rule (default: every instance)"),
    "as_of": (str, {"type": "string", "format": "date"}, "the check date (default: the timeline's as_of, else today)"),
    "lang": (str, {"type": "string", "enum": list(LANGUAGES)}, "the language of `text` (default: the rule book's)"),
}


def _error_responses(*statuses: int) -> dict:
    return {s: {"model": ErrorBody, "description": REFUSALS.get(s, "Not found")} for s in statuses}


def _timeline_body(description: str, schema: dict) -> dict:
    content = {media: {"schema": schema} for media in ("application/json", "application/yaml")}
    return {"requestBody": {"required": True, "description": description, "content": content}}


# ---------------------------------------------------------------------------- the service

@dataclasses.dataclass
class Service:
    """The compiled rule book and the limits: what every request shares."""

    module: ModuleType
    max_bytes: int
    max_events: int
    turn: threading.Lock = dataclasses.field(default_factory=threading.Lock)

    def check(self, document, as_of, explain: bool = True) -> Report:
        """Check a parsed timeline; a refusal (422) for a bad timeline or a check that cannot proceed."""
        events = document.get("events") if isinstance(document, dict) else None
        if isinstance(events, list) and len(events) > self.max_events:
            raise Refusal(422, Diagnostic(
                f"the timeline has {len(events):,} events, more than this service takes ({self.max_events:,})",
                span_of(document, "events"),
                hint="split the timeline, or start the service with a higher --max-events"))
        try:
            timeline = load_timeline(document, self.module.BOOK["vocabulary"], name=BODY)
            with self.turn:
                return check(timeline, rules=self.module, as_of=as_of, explain=explain)
        except FristError as exc:  # TimelineError, EvaluationError
            raise Refusal(422, exc.diagnostics) from None

    def parse(self, raw: bytes, content_type: str | None):
        """The body as located values: JSON, or YAML with a YAML content type; a refusal (400, 415) otherwise."""
        media = (content_type or "").split(";")[0].strip().lower()
        is_json = media in JSON_TYPES or media.endswith("+json") or not media
        if not is_json and media not in YAML_TYPES:
            raise Refusal(415, Diagnostic(f"the body's Content-Type `{media}` is neither JSON nor YAML", None,
                                          hint="send Content-Type: application/json (or application/yaml)"))
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            before = raw[: exc.start]
            line, column = before.count(b"\n") + 1, exc.start - (before.rfind(b"\n") + 1) + 1
            raise Refusal(400, Diagnostic(f"the body is not UTF-8 text (byte {exc.start})", Span(BODY, line, column),
                                          hint="send the body as UTF-8")) from None
        if not text.strip():
            raise Refusal(400, Diagnostic("the body is empty", None, hint="send a timeline: {\"person\": {...}, "
                                                                          "\"events\": [...]}"))
        if is_json:  # JSON's own reader, for JSON's own words on a syntax error
            try:
                json.loads(text)
            except json.JSONDecodeError as exc:
                raise Refusal(400, Diagnostic(f"malformed JSON: {exc.msg}",
                                              Span(BODY, exc.lineno, exc.colno, text=text),
                                              hint="check the brackets, commas and quotes near here")) from None
        try:
            return parse_text(text, BODY, dataclasses.replace(DEFAULT_LIMITS, max_bytes=self.max_bytes))
        except FristError as exc:
            raise Refusal(400, exc.diagnostics) from None


def check_day(value, span: Span | None = None):
    """The check date asked for, or None; a refusal (422) for a day that is not a date frist reads."""
    if value is None:
        return None
    try:
        return parse_date(value)
    except DateError as exc:
        raise Refusal(422, Diagnostic(f"as_of: {exc}", span, hint=exc.hint)) from None


async def read_body(request: Request) -> bytes:
    """The request's body, refused (413) once it is longer than the limit: the declared length is
    checked first, and the bytes are counted as they arrive, for a chunked body declares none."""
    limit = request.app.state.service.max_bytes
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise Refusal(413, _too_long(limit))
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise Refusal(413, _too_long(limit))
        chunks.append(chunk)
    return b"".join(chunks)


def _too_long(limit: int) -> Diagnostic:
    return Diagnostic(f"the body is longer than this service takes ({limit:,} bytes)", None,
                      hint="split the timeline, or start the service with a higher --max-bytes")


def explain_request(document) -> dict:
    """The fields of a POST /explain body, each checked; a refusal (422) naming every problem."""
    if not isinstance(document, dict):
        raise Refusal(422, Diagnostic("the body must be a mapping", span_of(document),
                                      hint='{"timeline": {...}, "rule": "cv-on-jobnet"}'))
    problems = [Diagnostic(f"unknown key `{key}`", key_span(document, key), hint=did_you_mean(key, EXPLAIN_FIELDS))
                for key in document if key not in EXPLAIN_FIELDS]
    problems += [Diagnostic(f"`{key}` is missing", span_of(document), hint=f"give `{key}`: {EXPLAIN_FIELDS[key][2]}")
                 for key in ("timeline", "rule") if document.get(key) is None]
    for key, (kind, _, what) in EXPLAIN_FIELDS.items():
        value = document.get(key)
        if value is not None and not isinstance(value, kind):
            problems.append(Diagnostic(f"`{key}` must be {'a mapping' if kind is dict else 'text'}",
                                       span_of(document, key), hint=what))
    if isinstance(document.get("lang"), str) and document["lang"] not in LANGUAGES:
        problems.append(Diagnostic(f"`lang` must be one of {', '.join(LANGUAGES)}", span_of(document, "lang")))
    if problems:
        raise Refusal(422, problems)
    return document


def _text(result: dict, lang: str) -> str:
    return "\n".join(explain.render(result, lang))


def _close(name: str, known: list) -> str:
    """``did you mean `a`, `b`?`` naming up to three known names close to ``name``, or nothing."""
    close = difflib.get_close_matches(name, known, n=3, cutoff=0.6)
    return f"did you mean {', '.join(f'`{c}`' for c in close)}? " if close else ""


def _instances_hint(instance: str, instances: list) -> str:
    if not instances:
        return "the rule has no instance in this timeline"
    listed = ", ".join(f"`{i}`" for i in instances[:12])
    if len(instances) > 12:
        listed += f", … ({len(instances)} in all)"
    return f"{_close(instance, instances)}its instances in this timeline: {listed}"


def _html(report: Report, lang: str) -> str:
    from . import html_report  # only a request for HTML needs it

    return html_report.to_html(report, lang=lang)


# ---------------------------------------------------------------------------- what the service says

def problem(d: Diagnostic) -> dict:
    where = None if d.span is None else {"file": d.span.file, "line": d.span.line, "column": d.span.column}
    return {"message": d.message, "location": where, "hint": d.hint, "rule": d.rule}


def error_response(status: int, diagnostics: list, headers: dict | None = None) -> JSONResponse:
    problems = [problem(d) for d in diagnostics]
    return JSONResponse({"error": problems[0], "errors": problems}, status_code=status, headers=headers)


def _json_bytes(value) -> bytes:
    return json.dumps(value, ensure_ascii=False, indent=2).encode("utf-8")


def rule_book(module: ModuleType) -> dict:
    """What GET /rules says: the rule book's name, path, digest, compiler, language, rules and parameters."""
    book = module.BOOK
    sources = book["sources"]
    rules = [{"id": r.id, "title": r.title, "kind": r.kind, "holder": r.holder, "catalog": list(r.catalog),
              "cites": [{"source": s, "section": sec, "title": sources.get(s, {}).get("title"), "quote": list(q)}
                        for s, sec, q in r.cites],
              "location": r.location}
             for r in module.RULES]
    parameters = [{"name": name, "doc": info.get("doc"), "versions": info.get("versions", [])}
                  for name, info in book["parameter_info"].items()]
    return {**{k: book[k] for k in ("name", "path", "digest", "compiler", "language")},
            "rules": rules, "parameters": parameters}


def _openapi_components(schema: dict) -> dict:
    """The timeline's JSON Schema as OpenAPI components: ``Timeline``, and each of its ``$defs`` as
    ``Timeline_<name>``, with the references that point into ``$defs`` pointed there instead."""
    def moved(node):
        if isinstance(node, dict):
            return {k: (v.replace("#/$defs/", "#/components/schemas/Timeline_") if k == "$ref" else moved(v))
                    for k, v in node.items() if k not in ("$schema", "$id", "$defs")}
        if isinstance(node, list):
            return [moved(v) for v in node]
        return node

    explain_body = {"type": "object", "required": ["timeline", "rule"], "additionalProperties": False,
                    "properties": {k: {**s, "description": what} for k, (_, s, what) in EXPLAIN_FIELDS.items()}}
    return {"Timeline": moved(schema), "ExplainRequest": explain_body,
            **{f"Timeline_{name}": moved(d) for name, d in schema.get("$defs", {}).items()}}


class _Contained:
    """The outermost guard: an exception nothing turned into a response becomes a 500 with a generic
    message and an incident id; the traceback goes to the log under that id, never to the client."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def sending(message):
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, sending)
        except Exception:
            incident = uuid.uuid4().hex[:12]
            logger.exception("incident %s: %s %s failed", incident, scope.get("method"), scope.get("path"))
            if not started:  # else the server closes the connection on the half-sent response
                await error_response(500, [Diagnostic(
                    "the service failed on this request: a fault in frist, not in the request", None,
                    hint=f"the server's log holds the details, under incident {incident}")])(scope, receive, send)


# ---------------------------------------------------------------------------- the app

DESCRIPTION = """\
frist checks a person's timeline against the duties of Danish unemployment benefits (dagpenge) and
says, for every duty, whether it is fulfilled, violated, pending, waived or not applicable, and, day
by day, whether dagpenge are payable and why.

Every refusal is a JSON body `{"error": {...}, "errors": [...]}` of located problems: a location in
the request's body has the file `request` and the line and column in the body.
"""


def create_app(rules="rules.yaml", *, max_bytes: int = MAX_BYTES, max_events: int = MAX_EVENTS) -> FastAPI:
    """The HTTP service for a rule book, compiled once, here; ``max_bytes`` is the longest body it reads,
    ``max_events`` the most events a timeline may hold.  Raises :class:`~frist.errors.RuleBookError`
    for a bad rule book."""
    if max_bytes < 1 or max_events < 1:
        raise ValueError("max_bytes and max_events must be positive")
    module = compile_rules(rules)
    book = module.BOOK
    language = book.get("language", "da")
    service = Service(module, max_bytes, max_events)
    listing = _json_bytes(rule_book(module))
    schema = timeline_schema(book["vocabulary"], name=str(rules), digest=book["digest"])
    schema_body = _json_bytes(schema)
    health = _json_bytes({"status": "ok", "rulebook": book["digest"]})

    app = FastAPI(title="frist", version=__version__, description=DESCRIPTION)
    app.state.service = service

    @app.post("/check", tags=["check"], summary="Check a timeline",
              response_class=JSONResponse,
              responses={200: {"description": "The JSON report (`report_version` 2.0, see the README), or with "
                                              "format=html the HTML report",
                               "content": {"application/json": {"schema": {"type": "object"}},
                                           "text/html": {"schema": {"type": "string"}}}},
                         **_error_responses(400, 413, 415, 422)},
              openapi_extra=_timeline_body("The timeline: JSON, or YAML with a YAML Content-Type",
                                           {"$ref": "#/components/schemas/Timeline"}))
    def check_timeline(
        request: Request,
        body: bytes = Depends(read_body),
        as_of: str | None = Query(None, description="The check date, YYYY-MM-DD: nothing after it is known, and "
                                                    "deadlines after it are pending (default: the timeline's "
                                                    "as_of, else today)"),
        report_format: Literal["json", "html"] = Query("json", alias="format", description="json or html"),
        lang: Literal["da", "en"] | None = Query(None, description="The language of the HTML report "
                                                                    "(default: the rule book's)"),
        explain: bool = Query(True, description="Each result's `explanation` (false: null, and a report about "
                                                "half the size; the HTML report always explains)"),
    ):
        """Check a timeline against the rule book: every rule's instances with their status, window,
        deadline, consequence and legal source, and the days dagpenge are payable."""
        day = check_day(as_of)
        report = service.check(service.parse(body, request.headers.get("content-type")), day,
                               explain=explain or report_format == "html")
        if report_format == "html":
            return HTMLResponse(_html(report, lang or language))
        return JSONResponse(report.to_json())

    @app.post("/explain", tags=["check"], summary="Explain a rule's results for a timeline",
              response_model=Explanation, responses=_error_responses(400, 404, 413, 415, 422),
              openapi_extra=_timeline_body("The timeline and the rule: JSON, or YAML with a YAML Content-Type",
                                           {"$ref": "#/components/schemas/ExplainRequest"}))
    def explain_rule(request: Request, body: bytes = Depends(read_body)):
        """Why each instance of one rule is what it is for a timeline: the steps of its evaluation, as data
        and as text."""
        document = explain_request(service.parse(body, request.headers.get("content-type")))
        rule, instance, lang = document["rule"], document.get("instance"), document.get("lang") or language
        ids = [r.id for r in module.RULES]
        if rule not in ids:
            raise Refusal(404, Diagnostic(f"the rule book has no rule `{rule}`", span_of(document, "rule"),
                                          hint=f"{_close(rule, ids)}GET /rules lists every rule"))
        report = service.check(document["timeline"], check_day(document.get("as_of"), span_of(document, "as_of")))
        results = [r for r in report.to_json()["results"] if r["rule"] == rule]
        chosen = results if instance is None else [r for r in results if r["instance"] == instance]
        if not chosen and instance is not None:
            raise Refusal(404, Diagnostic(f"rule `{rule}` has no instance `{instance}` in this timeline",
                                          span_of(document, "instance"),
                                          hint=_instances_hint(instance, [r["instance"] for r in results])))
        return JSONResponse({"rule": rule, "as_of": report.as_of.isoformat(),
                             "results": [{"instance": r["instance"], "status": r["status"],
                                          "explanation": r.get("explanation"), "text": _text(r, lang)}
                                         for r in chosen]})

    @app.get("/rules", tags=["rule book"], summary="The rule book", response_model=RuleBook)
    def rules_listing():
        """The rule book's name, path, digest, compiler version and language, its rules (id, title, kind,
        holder, catalog items, citations) and its parameters with their dated versions."""
        return Response(listing, media_type="application/json")

    @app.get("/schema/timeline", tags=["rule book"], summary="The JSON Schema of a timeline",
             responses={200: {"description": "JSON Schema (draft 2020-12)",
                              "content": {"application/json": {"schema": {"type": "object"}}}}})
    def timeline_json_schema():
        """The JSON Schema of a timeline for this rule book (as `frist schema timeline` prints it): what a
        schema cannot say (that a day exists, that a period does not end before it starts) stays frist's
        to check."""
        return Response(schema_body, media_type="application/json")

    @app.get("/health", tags=["service"], summary="Is the service up", response_model=Health)
    def health_check():
        """`ok`, and the digest of the rule book the service checks against."""
        return Response(health, media_type="application/json")

    _handle_refusals(app)
    app.add_middleware(_Contained)

    def openapi():
        if app.openapi_schema is None:
            spec = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
            spec.setdefault("components", {}).setdefault("schemas", {}).update(_openapi_components(schema))
            app.openapi_schema = spec
        return app.openapi_schema

    app.openapi = openapi
    return app


def _handle_refusals(app: FastAPI) -> None:
    """Every refusal as located diagnostics: the service's own, FastAPI's (a bad query parameter) and
    Starlette's (an unknown path, a method the path does not take)."""

    async def refused(request, exc: Refusal):
        return error_response(exc.status, exc.diagnostics)

    async def invalid(request, exc: RequestValidationError):
        return error_response(422, [Diagnostic(f"{e['loc'][0]} parameter `{e['loc'][-1]}`: {e['msg']}", None)
                                    for e in exc.errors()])

    async def http_error(request, exc: HTTPException):
        message = {404: f"no such endpoint: {request.method} {request.url.path}",
                   405: f"{request.url.path} does not take {request.method}"}.get(exc.status_code, str(exc.detail))
        hint = "/docs and /openapi.json list the endpoints"
        return error_response(exc.status_code, [Diagnostic(message, None, hint=hint)], headers=exc.headers)

    app.add_exception_handler(Refusal, refused)
    app.add_exception_handler(RequestValidationError, invalid)
    app.add_exception_handler(HTTPException, http_error)


def serve(rules="rules.yaml", *, host: str = "127.0.0.1", port: int = 8000, max_bytes: int = MAX_BYTES,
          max_events: int = MAX_EVENTS) -> None:
    """Run the service with uvicorn, in one process, until it is stopped (Ctrl-C)."""
    import uvicorn

    app = create_app(rules, max_bytes=max_bytes, max_events=max_events)
    listener = _listen(host, port)
    where = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"  # an IPv6 address in brackets
    module = app.state.service.module
    print(f"frist serve: {module.BOOK['path']} ({len(module.RULES)} rules) on http://{where} "
          f"(the API: http://{where}/docs); Ctrl-C stops it", file=sys.stderr, flush=True)
    uvicorn.Server(uvicorn.Config(app, host=host, port=port)).run(sockets=[listener])


def _listen(host: str, port: int) -> socket.socket:
    """A socket bound to the address, made here so that an address in use is a located error, not a
    line in uvicorn's log.  Its protocol is named (TCP): asyncio turns Nagle's algorithm off only on a
    socket that says so, and with it on, each response waited 40 ms for the client's delayed ACK
    (uvicorn's own ``--workers`` listener has the same trap: Kludex/uvicorn#3149)."""
    listener = None
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM,
                                                             flags=socket.AI_PASSIVE)[0]
        listener = socket.socket(family, kind, proto)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(address)
    except OSError as exc:
        if listener is not None:
            listener.close()
        raise FristError(Diagnostic(f"cannot listen on {host}:{port}: {exc.strerror}", Span("<command line>", 1, 1),
                                    hint="choose another --host or --port, or stop what listens there")) from None
    return listener
