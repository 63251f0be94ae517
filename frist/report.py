"""Run checkers on a timeline and describe the outcome.

:func:`check` is the developer's entry point; the :class:`Report` it returns
has a versioned JSON form (:meth:`Report.to_json`, documented in the README)
and a text report for caseworkers (:meth:`Report.to_text`, laid out by :mod:`frist.text_report`).
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import gc
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from .compiler import compile_rules
from .dates import DateError, parse_date
from .errors import Diagnostic, FristError, Span, TimelineError
from .explain import explanation
from .runtime import engine
from .runtime.timeline import Timeline, build_timeline
from .source import DEFAULT_LIMITS, parse_text, read_file

REPORT_VERSION = "2.0"
STATUSES = ("violated", "in_force", "pending", "fulfilled", "not_in_force", "waived", "not_applicable")
HOLDERS = ("person", "akasse", "jobcenter")


@dataclass
class Report:
    """The outcome of checking one timeline: every rule's instances with their status, and the dagpenge
    days.  ``results`` holds one :class:`frist.runtime.engine.Result` per instance of a rule."""

    as_of: _dt.date
    book: dict
    timeline: Timeline
    results: list
    benefit: dict
    versions: list = None  # [{"on", "family", "rules"}], one per family and registration
    as_of_from: str = "argument"  # where the check date came from: argument | timeline | today

    def ambiguities(self) -> list:
        """Families for which not exactly one version applied: two or more (ambiguous) or none (a gap)."""
        return [v for v in self.versions or () if len(v["rules"]) != 1]

    def counts(self) -> dict:
        out = {s: 0 for s in STATUSES}
        for r in self.results:
            out[r.status] += 1
        return out

    def violations(self) -> list:
        """The broken duties: the results whose status is ``violated``, in evaluation order.

        Each carries ``rule`` (its ``id``, ``title``, ``cites``, ``holder``), ``instance``,
        ``anchor``, ``deadline``, ``violated_since`` and the ``actions`` its consequence took.
        A legal effect in force is nobody's breach and is not among them (see :meth:`in_force`).
        """
        return [r for r in self.results if r.status == engine.VIOLATED]

    def in_force(self) -> list:
        """The legal effects in force (a karensdag, holiday days unpaid, a used-up benefit period):
        consequences of the law, not of a breach; ``violated_since`` is the first day in force."""
        return [r for r in self.results if r.status == engine.IN_FORCE]

    def violations_by_holder(self) -> dict:
        """How many duties each holder (person, a-kasse, jobcenter) has broken."""
        out = dict.fromkeys(HOLDERS, 0)
        for r in self.violations():
            out[r.rule.holder] = out.get(r.rule.holder, 0) + 1
        return out

    def to_json(self) -> dict:
        """The report as JSON-ready values, in the versioned layout the README documents
        (``report_version``, ``summary``, ``results``, ``benefit``, ``versions``)."""
        from .text_report import Phrases  # the engine's reasons in Danish, for the explanations

        sources = self.book["sources"]
        phrases = Phrases(self.book, {r.rule.id: r.rule for r in self.results})
        return {
            "report_version": REPORT_VERSION,
            "as_of": self.as_of.isoformat(),
            "as_of_from": self.as_of_from,
            "rulebook": {k: self.book[k] for k in ("name", "path", "digest", "compiler")},
            "timeline": self.timeline.name,
            "person": {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in self.timeline.person.items()},
            "summary": self.counts(),
            "violations_by_holder": self.violations_by_holder(),
            "results": [_result_json(r, sources, self, phrases.danish) for r in self.results],
            "benefit": self.benefit,
            "versions": self.versions or [],
        }

    def to_text(self, every_result: bool = False, lang: str | None = None, width: int = 100,
                color: bool = False) -> str:
        """The report for a caseworker, in ``lang`` (da | en; default the rule book's ``language``):
        what is violated, by holder, what is in force and what is pending, each with its title, and
        for the first two its consequence and sources; the other results counted, not listed, unless
        ``every_result`` (``frist check --all``); then dagpenge day by day.  Every line fits in
        ``width`` columns; ``color`` adds ANSI colours (see :mod:`frist.text_report`)."""
        from .text_report import render  # here, for frist.text_report imports this module

        return render(self, every_result=every_result, lang=lang, width=width, color=color)


def in_force_from(r) -> str | None:
    """A legal effect's first day: the first day its consequence covers, else when its condition broke."""
    first = [a["from"] for a in r.actions if a.get("from")]
    return min(first) if first else _date(r.violated_since)


def _date(value):
    return value.isoformat() if value is not None else None


def _result_json(r, sources, report=None, danish=None) -> dict:
    rule = r.rule
    effect = rule.kind == "effect"
    return {
        "rule": rule.id,
        "kind": rule.kind,
        "catalog": list(rule.catalog),
        "title": rule.title,
        "holder": rule.holder,
        "instance": r.instance,
        "anchor": None if r.anchor is None else {"type": r.anchor.type, "date": r.anchor.date.isoformat(),
                                                 "index": r.anchor.index},
        "weeks": None if r.weeks is None else {"first": r.weeks[0], "last": r.weeks[1]},
        "status": r.status,
        "window": None if r.window is None else {"start": _date(r.window[0]), "end": _date(r.window[1])},
        "deadline": _date(r.deadline),
        "fulfilled_by": [e.describe() for e in r.fulfilled_by],
        "violated_since": None if effect else _date(r.violated_since),
        "in_force_from": in_force_from(r) if effect else None,
        "reason": r.reason,
        "detail": r.detail,
        "actions": r.actions,
        "duty": None if effect else rule.duty,
        "condition": rule.duty if effect else None,
        "consequence": {"effect": rule.effect, "text": rule.consequence},
        "cites": [{"source": s, "section": sec, "title": sources.get(s, {}).get("title"), "quote": list(quote)}
                  for s, sec, quote in rule.cites],
        "reading": rule.reading,
        "location": rule.location,
        "explanation": None if report is None or r.steps is None else explanation(r, report.book, report.as_of, danish),
    }


def load_timeline(source, vocabulary: dict, name: str | None = None) -> Timeline:
    """A timeline from a path, YAML/JSON text, or an already parsed mapping."""
    try:
        if isinstance(source, (str, Path)) and not (isinstance(source, str) and "\n" in source):
            document, _ = read_file(source, DEFAULT_LIMITS)
            name = name or str(source)
        elif isinstance(source, str):
            document = parse_text(source, name or "<timeline>")
        else:
            document = source
    except TimelineError:
        raise
    except FristError as exc:  # unreadable timeline files are timeline errors (exit code 3)
        raise TimelineError(exc.diagnostics) from None
    timeline = build_timeline(document, vocabulary, name or "<timeline>")
    if isinstance(document, dict) and isinstance(document.get("name"), str):
        timeline.name = f"{timeline.name}: {document['name']}" if name else document["name"]
    return timeline


def check(timeline, *, rules: str | Path | ModuleType = "rules.yaml", as_of=None, explain: bool = True) -> Report:
    """Check a timeline against a rule book and return the :class:`Report`.

    ``timeline`` is a path, YAML/JSON text or a mapping; ``rules`` a rule-book
    path (compiled through the cache) or a module from :func:`compile_rules`;
    ``as_of`` a date or ``YYYY-MM-DD``: nothing after it is known, and deadlines
    after it are pending.  Without it, the timeline's own ``as_of`` is the check
    date, and without that, today; the report says which (``as_of_from``).
    ``explain`` records what the evaluation does for each result, for its ``explanation``
    (:mod:`frist.explain`); without it the report has none, and checking is a little faster.

    Raises :class:`~frist.errors.RuleBookError` for a bad rule book,
    :class:`~frist.errors.TimelineError` for a bad timeline (both located) and
    :class:`~frist.errors.EvaluationError` when checking cannot proceed.
    """
    module = rules if isinstance(rules, ModuleType) else compile_rules(rules)
    book = module.BOOK
    with _collector_paused():
        tl = timeline if isinstance(timeline, Timeline) else load_timeline(timeline, book["vocabulary"])
        source = "argument" if as_of is not None else "timeline" if tl.as_of is not None else "today"
        as_of = check_date({"argument": as_of, "timeline": tl.as_of, "today": _dt.date.today()}[source])
        ctx = engine.Context(book, tl, as_of)
        if explain:
            ctx.trace = []
        engine.evaluate(ctx, module)
        return Report(as_of, book, tl, ctx.results, engine.benefit_status(ctx), _versions(module, ctx), source)


@contextlib.contextmanager
def _collector_paused():
    """Checking builds a few objects per event and no reference cycles, so reference counting
    frees them all; Python's cycle collector would meanwhile walk the growing timeline again
    and again, which made a check of 100,000 events 14 times slower than one of 10,000.  It is
    paused while one timeline is checked, and left as it was found."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def check_date(value) -> _dt.date:
    """The check date (``--as-of``) as a date in frist's range, or a located error."""
    try:
        return parse_date(value)
    except DateError as exc:
        raise FristError(Diagnostic(f"--as-of: {exc}", Span("<command line>", 1, 1), hint=exc.hint)) from None


def _versions(module, ctx) -> list:
    """Which version of each family applied, for each registration (or the check date)."""
    families = getattr(module, "FAMILIES", {})
    if not families:
        return []
    days = [e.date for e in ctx.events("registered")] or [ctx.as_of]
    out = []
    for day in days:
        for family, rules in engine.selected_versions(families, module.RULES, module.APPLIES, ctx, day).items():
            out.append({"on": day.isoformat(), "family": family, "rules": rules})
    return out
