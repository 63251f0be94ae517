"""Load a rule book: YAML -> JSON Schema -> rule-language parsing -> name checks.

:func:`load` returns a :class:`RuleBook` whose rules carry their parsed
duties, conditions, exceptions and effects, or raises one
:class:`~frist.errors.RuleBookError` listing every problem in the file.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import jsonschema

from . import ast, order
from .dates import MAX_AMOUNT, DateError, parse_date
from .errors import Collector, FristError, RuleBookError, Span, did_you_mean
from .parser import parse
from .source import Limits, DEFAULT_LIMITS, key_span, locate, parse_text, span_of

DATE_FIELDS = ("date", "start", "end")
MAX_NUMBER = 1_000_000_000  # the largest number a parameter may hold (amounts in kr are far below)


def schema() -> dict:
    return json.loads(resources.files("frist.schema").joinpath("rules.schema.json").read_text("utf-8"))


@dataclass
class Rule:
    id: str
    index: int
    doc: dict
    span: Span | None
    duty: ast.Node
    applies: ast.Node | None
    exceptions: list  # (ast node, reason dict)
    effect: ast.Node
    effect_text: str
    kind: str = "duty"  # duty | effect (a legal effect: in force where its condition does not hold)

    @property
    def text(self) -> str:
        """The duty, or the legal effect's condition, as written."""
        return self.doc["condition" if self.kind == "effect" else "duty"]


@dataclass
class RuleBook:
    path: str
    text: str
    doc: dict
    rules: list
    month_rounding: str
    vocabulary: dict
    parameters: dict  # name -> [(from ISO, value)]
    digest: str = ""
    settle: dict = field(default_factory=dict)  # rule id -> how a rule that reads what it changes is settled
    located: dict = field(default=None, repr=False)  # the document as read: values with their places
    cycles: list = field(default_factory=list)  # rules that change what each other reads (frist lint: order)
    families: dict = field(default_factory=dict)  # id -> (doc, applies node or None)
    language: str = "da"  # what reports speak by default: da | en

    @property
    def events(self) -> dict:
        return self.vocabulary["events"]


def _plain(value):
    """Located containers -> plain dicts and lists (for JSON and constants)."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def parse_duration_text(text: str) -> tuple:
    """``2 weeks`` -> ``(2, "week")``; ``1 month and 10 days`` -> ``((1, "month"), (10, "day"))``."""
    parts = []
    for part in text.split(" and "):
        amount, unit = part.split(" ", 1)
        unit = unit.rstrip("s") if not unit.startswith("business") else "business_day"
        # more than 12 digits is beyond every bound: not worth converting (Python refuses past 4300)
        parts.append((int(amount) if len(amount) <= 12 else 10 ** 12, unit))
    return parts[0] if len(parts) == 1 else tuple(parts)


def load(path: str | Path, limits: Limits = DEFAULT_LIMITS) -> RuleBook:
    """Read and check a rule book file: YAML, JSON Schema, then names, types, units and the rule language.

    Returns the checked :class:`RuleBook`.  Every problem in the file is
    collected and raised at once as a :class:`~frist.errors.RuleBookError`
    (a :class:`~frist.errors.LimitError` for oversized or too deeply nested
    files), each diagnostic with ``file:line:col`` and a hint.
    """
    path = Path(path)
    from .source import read_file

    document, text = read_file(path, limits)
    return load_document(document, text, str(path))


def load_text(text: str, name: str = "rules.yaml", limits: Limits = DEFAULT_LIMITS) -> RuleBook:
    return load_document(parse_text(text, name, limits), text, name)


def load_document(document, text: str, name: str) -> RuleBook:
    errors = Collector(RuleBookError)
    if not isinstance(document, dict):
        errors.add("a rule book is a mapping with `frist`, `sources`, `vocabulary` and `rules`",
                   span_of(document) or Span(name, 1, 1, text=text), hint="start the file with `frist: 1`")
        errors.raise_if_any()
    validator = jsonschema.Draft202012Validator(schema())
    for error in sorted(validator.iter_errors(document), key=lambda e: list(map(str, e.absolute_path))):
        message, hint = _schema_message(error)
        errors.add(message, _schema_error_span(document, error), hint=hint)
    errors.raise_if_any()

    book = RuleBook(name, text, _plain(document), [], document.get("calendar", {}).get("month_rounding", "refuse"),
                    _plain(document["vocabulary"]), {})
    book.located = document
    book.language = document.get("language", "da")
    book.vocabulary.setdefault("states", {})
    book.vocabulary.setdefault("clocks", {})
    _check_vocabulary(document, book, errors)
    _load_parameters(document, book, errors)
    checker = _Checker(book, errors)
    for fid, fdoc in document.get("families", {}).items():
        checker.rule_id = None
        applies = checker.parse(fdoc, "applies", "condition") if "applies" in fdoc else None
        if applies is not None:
            checker.cond(applies, None, facts=True)
        for key in ("from", "until"):
            if key in fdoc:
                try:
                    parse_date(fdoc[key])
                except DateError as exc:
                    errors.add(f"family `{fid}`: {exc}", span_of(fdoc, key), hint=exc.hint)
        book.families[fid] = (_plain(fdoc), applies)
    _check_notes(document, errors)
    seen = {}
    for i, doc in enumerate(document["rules"]):
        rule_span = span_of(document["rules"], i)
        rid = doc["id"]
        if rid in seen:
            errors.add(f"duplicate rule id `{rid}`", span_of(doc, "id"), hint=f"first used at {seen[rid]}")
            continue
        seen[rid] = span_of(doc, "id")
        rule = checker.rule(doc, i, rule_span)
        if rule is not None:
            book.rules.append(rule)
    errors.raise_if_any()
    analysis = order.analyse(book)
    book.rules, book.settle, book.cycles = analysis.order, analysis.settle, analysis.cycles
    book.digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return book


def _schema_error_span(document, error) -> Span | None:
    """Where a schema error points: at an offending key when the error is about a key
    (an unknown key, or a key name the schema forbids), else at the value."""
    container = document
    for part in error.absolute_path:
        container = container[part]
    if isinstance(container, dict):
        if error.validator == "additionalProperties":
            extra = sorted(set(container) - set(error.schema.get("properties", {})))
            if extra:
                return key_span(container, extra[0])
        if isinstance(error.instance, str) and error.instance in container:  # propertyNames: a key
            return key_span(container, error.instance)
    return locate(document, error.absolute_path)


def _schema_message(error) -> tuple:
    path = "/".join(str(p) for p in error.absolute_path) or "(top level)"
    if error.validator == "additionalProperties":
        extra = sorted(set(error.instance) - set(error.schema.get("properties", {})))
        known = list(error.schema.get("properties", {}))
        name = extra[0] if extra else "?"
        return f"unknown key `{name}` in {path}", did_you_mean(name, known)
    if error.validator == "required":
        return f"{path}: {error.message}", "add the missing key"
    if error.validator == "pattern" and "ruleId" in str(error.schema_path) or (
            error.validator == "pattern" and path.endswith("/id")):
        return f"{path}: rule ids are lower-case words joined by hyphens, got {error.instance!r}", \
            "e.g. `cv-on-jobnet`"
    if error.validator == "enum":
        return f"{path}: {error.instance!r} is not one of {', '.join(map(str, error.validator_value))}", \
            did_you_mean(str(error.instance), map(str, error.validator_value))
    if error.validator == "oneOf" and path.startswith("parameters/") and path.endswith("/value"):
        return f"{path}: `{error.instance}` is neither a number nor a duration", \
            "write a number (e.g. 111) or a duration (e.g. `2 weeks`, `1 month and 10 days`)"
    if error.validator == "pattern" and "date" in str(list(error.schema_path)):
        return f"{path}: {error.instance!r} is not a date", "write dates as YYYY-MM-DD"
    return f"{path}: {error.message}", None


def _check_vocabulary(document, book: RuleBook, errors: Collector) -> None:
    vocab = document["vocabulary"]
    events = vocab["events"]
    for name, spec in vocab.get("states", {}).items():
        for key in ("starts", "ends"):
            if spec[key] not in events:
                errors.add(f"state `{name}` {key} with unknown event `{spec[key]}`", span_of(spec, key),
                           hint=did_you_mean(spec[key], events))
    states = set(vocab.get("states", {})) | {k for k, v in events.items() if v["kind"] == "period"}
    for name, spec in vocab.get("clocks", {}).items():
        if spec["runs_while"] not in states:
            errors.add(f"clock `{name}` runs while unknown state `{spec['runs_while']}`", span_of(spec, "runs_while"),
                       hint=did_you_mean(spec["runs_while"], states))
    for owner, fields in [("person", vocab["person"])] + [(f"event `{k}`", v.get("fields", {})) for k, v in events.items()]:
        for fname, spec in fields.items():
            if spec["type"] == "enum" and "values" not in spec:
                errors.add(f"{owner} field `{fname}` is an enum without `values`", span_of(fields, fname),
                           hint="add `values: [...]`")
            if fname in DATE_FIELDS or fname == "type":
                errors.add(f"{owner} field `{fname}` is reserved", key_span(fields, fname), hint="choose another name")
            if "max" in spec and (spec["type"] not in ("number", "integer") or not math.isfinite(spec["max"])):
                errors.add(f"{owner} field `{fname}`: `max` bounds a number field with a finite number",
                           span_of(spec, "max"), hint="remove `max`, or give a number such as 168")
            if "min" in spec and (spec["type"] not in ("number", "integer") or not math.isfinite(spec["min"])
                                  or spec["min"] > spec.get("max", math.inf)):
                errors.add(f"{owner} field `{fname}`: `min` bounds a number field with a finite number, at most its `max`",
                           span_of(spec, "min"), hint="remove `min`, or give a number no larger than `max`")
            if "default" in spec and spec["type"] == "enum" and spec["default"] not in spec.get("values", []):
                errors.add(f"{owner} field `{fname}` has default `{spec['default']}` outside its values",
                           span_of(spec, "default"), hint=did_you_mean(str(spec["default"]), spec.get("values", [])))
    if "birth_date" in vocab["person"] and vocab["person"]["birth_date"]["type"] != "date":
        errors.add("person fact `birth_date` must be a date", span_of(vocab["person"], "birth_date"))


def _check_notes(document, errors: Collector) -> None:
    """Notes cite known sources; an item is either encoded or explained, not both ways at once."""
    sources = document["sources"]
    for note in document.get("notes", []):
        for cite in note["cites"]:
            if cite["source"] not in sources:
                errors.add(f"unknown source `{cite['source']}`", span_of(cite, "source"),
                           hint=did_you_mean(cite["source"], sources))
    encoded = {i for r in document["rules"] for i in r["catalog"]}
    encoded |= {i for p in document.get("parameters", {}).values() for i in p.get("catalog", [])}
    for item in document.get("not_encoded", {}):
        if item in encoded:
            errors.add(f"`{item}` is listed in `not_encoded` but a rule or parameter encodes it",
                       key_span(document["not_encoded"], item), hint="remove it from `not_encoded`")


def _load_parameters(document, book: RuleBook, errors: Collector) -> None:
    sources = document["sources"]
    for name, spec in document.get("parameters", {}).items():
        versions = []
        kinds = set()
        for i, version in enumerate(spec["versions"]):
            try:
                parse_date(version["from"])
            except DateError as exc:
                errors.add(f"parameter `{name}`: {exc}", span_of(version, "from"), hint=exc.hint)
            value = version["value"]
            if isinstance(value, str):
                value = parse_duration_text(value)
                kinds.add("duration")
                for amount, unit in (value if isinstance(value[0], tuple) else (value,)):
                    if amount > MAX_AMOUNT[unit]:
                        errors.add(f"parameter `{name}`: {amount} {unit.replace('_', ' ')}s is longer than "
                                   f"{MAX_AMOUNT[unit]}, the longest a rule book may write (100 years)",
                                   span_of(version, "value"), hint="durations in a rule book are at most 100 years")
            else:
                kinds.add("number")
                if not math.isfinite(value) or abs(value) > MAX_NUMBER:
                    errors.add(f"parameter `{name}`: `{value}` is not a number frist computes with",
                               span_of(version, "value"), hint=f"give a finite number of at most {MAX_NUMBER}")
            if version["cite"]["source"] not in sources:
                errors.add(f"parameter `{name}` cites unknown source `{version['cite']['source']}`",
                           span_of(version["cite"], "source"), hint=did_you_mean(version["cite"]["source"], sources))
            versions.append((version["from"], value))
        if [v[0] for v in versions] != sorted(v[0] for v in versions):
            errors.add(f"parameter `{name}`: versions must be in date order", span_of(spec, "versions"),
                       hint="sort the versions by `from`")
        if len(kinds) > 1:
            errors.add(f"parameter `{name}` mixes durations and numbers", span_of(spec, "versions"))
        book.parameters[name] = versions
        book.vocabulary.setdefault("_param_kinds", {})[name] = kinds.pop() if len(kinds) == 1 else "number"


def _duty_event(duty) -> str | None:
    """The event type a duty's instances stand for: its anchor, or the event it judges."""
    if isinstance(duty, ast.EachEnds):
        return duty.target.event  # each period, judged against a deadline from the anchor
    for part in ("anchor", "target"):
        event = getattr(getattr(duty, part, None), "event", None)
        if event is not None:
            return event
    return None


class _Checker:
    """Parses each rule's rule-language text and resolves its names."""

    def __init__(self, book: RuleBook, errors: Collector):
        self.book, self.errors = book, errors
        self.events = book.vocabulary["events"]
        self.person = book.vocabulary["person"]
        self.states = set(book.vocabulary["states"]) | {k for k, v in self.events.items() if v["kind"] == "period"}
        self.clocks = book.vocabulary["clocks"]
        self.rule_id = None

    def err(self, message, span, hint=None):
        self.errors.add(message, span, hint=hint, rule=self.rule_id)

    def kind_key(self, doc) -> str:
        """``duty`` for a duty, ``condition`` for a legal effect; a located error when the rule has the other
        key, both or neither."""
        kind = doc.get("kind", "duty")
        key, other = ("condition", "duty") if kind == "effect" else ("duty", "condition")
        if other in doc:
            self.err(f"a rule of kind `{kind}` states its {key}, not a `{other}`", key_span(doc, other),
                     f"write `{key}:`" + ("" if kind == "effect" else ", or add `kind: effect` for a legal effect"))
        elif key not in doc:
            self.err(f"the rule has no `{key}`", span_of(doc),
                     "a duty says what someone must do (`duty:`); a legal effect says what holds while dagpenge are "
                     "paid as usual (`kind: effect` and `condition:`)")
        if kind == "effect" and "holder" in doc:
            self.err("a legal effect is nobody's duty and has no `holder`", key_span(doc, "holder"),
                     "remove `holder`, or make the rule a duty")
        return key if key in doc else other if other in doc else key

    def parse(self, doc, key, entry):
        if key not in doc:
            return None
        text = doc[key]
        try:
            return parse(text, entry, span_of(doc, key))
        except FristError as exc:
            for d in exc.diagnostics:
                self.errors.add(d.message, d.span, hint=d.hint, rule=self.rule_id)
            return None

    def rule(self, doc, index, span) -> Rule | None:
        self.rule_id = doc["id"]
        sources = self.book.doc["sources"]
        for cite in doc["cites"]:
            if cite["source"] not in sources:
                self.err(f"unknown source `{cite['source']}`", span_of(cite, "source"), did_you_mean(cite["source"], sources))
        valid = doc.get("valid", {})
        for key in ("from", "until"):
            if key in valid:
                try:
                    parse_date(valid[key])
                except DateError as exc:
                    self.err(str(exc), span_of(valid, key), exc.hint)
        if "from" in valid and "until" in valid and valid["from"] >= valid["until"]:
            self.err("`valid.until` must come after `valid.from`", span_of(valid, "until"))
        family = doc.get("version_of")
        if family is not None and family not in self.book.families:
            self.err(f"unknown family `{family}`", span_of(doc, "version_of"),
                     did_you_mean(family, self.book.families) or "declare it under `families`")
        duty = self.parse(doc, self.kind_key(doc), "duty")
        applies = self.parse(doc, "applies", "condition") if "applies" in doc else None
        effect = self.parse(doc["consequence"], "effect", "effect")
        exceptions = []
        for item in doc.get("unless", []):
            node = self.parse(item, "when", "exception")
            if node is not None:
                exceptions.append((node, _plain(item["reason"])))
        if duty is None or effect is None or (applies is None and "applies" in doc) or len(exceptions) != len(doc.get("unless", [])):
            return None
        before = len(self.errors.diagnostics)
        anchor = self.duty(duty)
        if applies is not None:
            self.cond(applies, None, facts=True)
        for node, _ in exceptions:
            self.exception(node, anchor)
        self.effect(effect, duty)
        if len(self.errors.diagnostics) > before:
            return None
        return Rule(doc["id"], index, _plain(doc), span, duty, applies, exceptions, effect,
                    " ".join(doc["consequence"]["effect"].split()), doc.get("kind", "duty"))

    # ------------------------------------------------------------ names
    def event(self, name, span, derived_ok=False):
        if name not in self.events:
            self.err(f"unknown event type `{name}`", span, did_you_mean(name, self.events))
            return None
        if self.events[name].get("derived") and not derived_ok:
            self.err(f"`{name}` is computed by the rules and cannot anchor a duty", span)
        return self.events[name]

    def match(self, node: ast.Match, derived_ok=True):
        spec = self.event(node.event, node.span, derived_ok)
        if spec is not None and node.where is not None:
            self.cond(node.where, spec)

    def anchor(self, node: ast.Anchor):
        spec = self.event(node.event, node.span)
        if spec is None:
            return None
        if node.field is not None:
            self.date_field(spec, node.event, node.field, node.span)
        if node.where is not None:
            self.cond(node.where, spec)
        return node.event

    def date_field(self, spec, event, name, span):
        if name in ("date",) and spec["kind"] == "point" or name in ("start", "end") and spec["kind"] == "period":
            return
        fspec = spec.get("fields", {}).get(name)
        if fspec is None:
            self.err(f"event `{event}` has no field `{name}`", span,
                     did_you_mean(name, [*spec.get("fields", {}), *(("start", "end") if spec["kind"] == "period" else ("date",))]))
        elif fspec["type"] != "date":
            self.err(f"field `{event}.{name}` is a {fspec['type']}, not a date", span)

    def state(self, name, span):
        if name not in self.states:
            self.err(f"unknown state `{name}`", span, did_you_mean(name, self.states))

    def duration(self, node, span=None):
        if node is None:
            return
        if isinstance(node, ast.ParamDuration):
            self.param(node.name, node.span or span, "duration")
        elif isinstance(node.amount, ast.Param):
            self.err(f"`${node.amount.name} {node.unit}s`: a parameter stands for a whole duration here",
                     node.amount.span or span, f"give the parameter a duration value (e.g. `2 weeks`) and write "
                                              f"`${node.amount.name}` alone")

    def amount(self, node):
        if isinstance(node, ast.Param):
            self.param(node.name, node.span, "number")
        elif isinstance(node, ast.FactShare):
            self.amount(node.share)
            spec = self.person.get(node.fact)
            if spec is None:
                self.err(f"unknown person fact `{node.fact}`", node.span, did_you_mean(node.fact, self.person))
            elif spec.get("type") not in ("number", "integer"):
                self.err(f"person fact `{node.fact}` is not a number", node.span)

    def param(self, name, span, kind):
        if name not in self.book.parameters:
            self.err(f"unknown parameter `${name}`", span, did_you_mean(name, self.book.parameters))
            return
        actual = self.book.vocabulary["_param_kinds"][name]
        if actual != kind:
            self.err(f"parameter `${name}` is a {actual}, but a {kind} is needed here", span)

    # ------------------------------------------------------------ conditions
    def cond(self, node, spec, facts=False, anchor_ok=False):
        """Check a condition; ``anchor_ok``: a date field may be compared with the duty's anchor
        (``reported_on is at least 0 days before anchor``), as in ``during ... where``."""
        if isinstance(node, (ast.All, ast.Any)):
            for item in node.items:
                self.cond(item, spec, facts, anchor_ok)
        elif isinstance(node, ast.Not):
            self.cond(node.item, spec, facts, anchor_ok)
        elif isinstance(node, ast.FieldBefore):
            if facts:
                self.err("`is at least ... before` compares two date fields of an event", node.span)
                return
            fields = [(node.subject.name, node.subject.span)]
            if node.other != "anchor" or not anchor_ok:
                fields.append((node.other, node.span))
            for name, span in fields:
                fspec = self.subject(ast.FieldRef(name, span), spec, facts)
                if fspec is not None and fspec["type"] != "date":
                    self.err(f"`{name}` is a {fspec['type']}, not a date", span)
            self.duration(node.offset)
        elif isinstance(node, (ast.Compare, ast.Member)):
            fspec = self.subject(node.subject, spec, facts)
            values = [node.value] if isinstance(node, ast.Compare) else list(node.values)
            for value in values:
                self.value(value, fspec, node)
            if fspec is not None and isinstance(node, ast.Compare) and node.op in ("lt", "le", "gt", "ge") \
                    and fspec["type"] not in ("number", "integer", "date"):
                self.err(f"`{node.op}` compares numbers or dates, not {fspec['type']} values", node.span)

    def subject(self, subject, spec, facts):
        if isinstance(subject, ast.AgeAt):
            if not facts:
                self.err("`age at` is a condition on the person (use it in `applies`)", subject.span)
            elif "birth_date" not in self.person:
                self.err("`age at` needs the person fact `birth_date`", subject.span)
            self.event(subject.event, subject.span)
            return {"type": "integer"}
        name = subject.name
        fields = self.person if facts else (spec or {}).get("fields", {})
        if name in fields:
            return fields[name]
        if not facts and spec is not None and name in (("start", "end") if spec["kind"] == "period" else ("date",)):
            return {"type": "date"}
        where = "person fact" if facts else "field"
        self.err(f"unknown {where} `{name}`", subject.span, did_you_mean(name, fields))
        return None

    def value(self, value: ast.Literal, fspec, node):
        if fspec is None:
            return
        kind = fspec["type"]
        if value.kind == "param":
            self.param(value.value, value.span, "number")
            return
        ok = {
            "enum": value.kind == "word" and value.value in fspec.get("values", []),
            "boolean": value.kind == "boolean",
            "number": value.kind in ("integer", "decimal"),
            "integer": value.kind == "integer",
            "date": value.kind == "date",
            "text": value.kind in ("string", "word"),
        }[kind]
        if not ok:
            if kind == "enum":
                self.err(f"`{value.value}` is not one of {', '.join(fspec['values'])}", value.span,
                         did_you_mean(str(value.value), fspec["values"]))
            else:
                self.err(f"expected a {kind} value, got `{value.value}`", value.span,
                         "write yes or no" if kind == "boolean" else None)

    # ------------------------------------------------------------ duties
    def duty(self, node) -> str | None:
        if isinstance(node, (ast.Deadline, ast.Window, ast.Before, ast.ByDate)):
            anchor = self.anchor(node.anchor)
            for d in (getattr(node, "offset", None), getattr(node, "start", None), getattr(node, "end", None)):
                self.duration(d)
            clock = getattr(node, "clock", None)
            if clock is not None and clock not in self.clocks:
                self.err(f"unknown clock `{clock}`", node.span, did_you_mean(clock, self.clocks))
            self.target(node.target, node.anchor)
            return anchor
        if isinstance(node, ast.Recurring):
            self.duration(node.every)
            self.state(node.state, node.state_span or node.span)
            self.match(node.target)
            return None
        if isinstance(node, ast.Quota):
            self.amount(node.count)
            self.match(node.target)
            self.state(node.state, node.state_span or node.span)
            if node.period_unit != "week":
                self.err("quotas are counted per week or per N weeks", node.span, "write `per week` or `per 4 weeks`")
            for name in node.excluded:
                if name not in self.events or self.events[name]["kind"] != "period":
                    self.err(f"`{name}` is not a period event type", node.span,
                             did_you_mean(name, [k for k, v in self.events.items() if v["kind"] == "period"]))
            for share in node.shares:
                self.amount(share.count)
                self.cond(share.where, self.events.get(node.target.event))
                if share.anchor is not None:
                    self.anchor(share.anchor)
                    self.duration(share.offset)
                    if share.clock is not None and share.clock not in self.clocks:
                        self.err(f"unknown clock `{share.clock}`", share.span, did_you_mean(share.clock, self.clocks))
            return None
        if isinstance(node, ast.WindowQuota):
            self.amount(node.count)
            self.match(node.target)
            self.duration(node.start)
            if node.start == "strict":
                self.err("`less than` is for exceptions; use `within`", node.span)
            if node.end is None:
                self.err("`at least D after` gives the window no end", node.span,
                         "write `within D` or `between D1 and D2`")
            self.duration(node.end)
            if node.clock is not None and node.clock not in self.clocks:
                self.err(f"unknown clock `{node.clock}`", node.span, did_you_mean(node.clock, self.clocks))
            return self.anchor(node.anchor)
        if isinstance(node, ast.TimeBudget):
            self.amount(node.limit)
            self.state(node.state, node.state_span or node.span)
            if node.within is not None:
                self.duration(node.within)
            if node.unit != "week":
                self.err("time budgets count weeks", node.span, "write e.g. `at most 30 weeks of ...`")
            return None
        if isinstance(node, ast.WeeklyHours):
            self.amount(node.limit)
            self.match(node.target)
            self.hours_field(node.target, node.span)
            self.state(node.state, node.state_span or node.span)
            return None
        if isinstance(node, ast.Consumption):
            self.amount(node.limit)
            self.duration(node.within)
            anchor = self.anchor(node.anchor)
            if node.less is not None:
                self.match(node.less)
                self.hours_field(node.less, node.less.span)
                if node.unit != "hour":
                    self.err("hours worked are deducted from paid hours, not paid weeks", node.less.span)
            for name in ("hours_per_day",):
                if name not in self.book.parameters:
                    self.err(f"a benefit period needs the parameter `{name}`", node.span, f"add `{name}` to `parameters`")
            if "registered" not in self.book.vocabulary["states"]:
                self.err("a benefit period is used while `registered`; declare that state", node.span)
            return anchor
        if isinstance(node, ast.PeriodicHours):
            self.duration(node.every)
            if node.clock is not None and node.clock not in self.clocks:
                self.err(f"unknown clock `{node.clock}`", node.span, did_you_mean(node.clock, self.clocks))
            self.amount(node.hours)
            self.match(node.target)
            self.hours_field(node.target, node.span)
            return self.anchor(node.anchor)
        if isinstance(node, ast.Never):
            self.match(node.target, derived_ok=False)
            return node.target.event
        if isinstance(node, ast.EachEnds):
            self.period_target(node.target, "only periods end")
            self.duration(node.offset)
            if node.clock is not None and node.clock not in self.clocks:
                self.err(f"unknown clock `{node.clock}`", node.span, did_you_mean(node.clock, self.clocks))
            self.anchor(node.anchor)
            return node.target.event
        if isinstance(node, ast.EachLasts):
            self.period_target(node.target, "only periods last")
            self.duration(node.at_most)
            return node.target.event
        if isinstance(node, ast.CountBudget):
            self.amount(node.limit)
            self.match(node.target)
            self.duration(node.within)
            return None
        if isinstance(node, ast.EachEvent):
            self.match(node.target)
            self.cond(node.condition, self.events.get(node.target.event))
            return node.target.event
        if isinstance(node, ast.FirstEvent):
            self.match(node.target)
            self.cond(node.condition, self.events.get(node.target.event))
            return self.anchor(node.anchor)
        raise AssertionError(node)

    def period_target(self, target: ast.Match, why: str):
        """A duty's target that must be a period event type (and its `where`)."""
        spec = self.event(target.event, target.span)
        if spec is not None:
            if spec["kind"] != "period":
                self.err(f"`{target.event}` is a point event; {why}", target.span)
            if target.where is not None:
                self.cond(target.where, spec)

    def hours_field(self, target: ast.Match, span):
        spec = self.events.get(target.event)
        if spec is not None and spec.get("fields", {}).get("hours", {}).get("type") not in ("number", "integer"):
            self.err(f"`{target.event}` has no number field `hours`", span)

    def target(self, node, anchor: ast.Anchor):
        if isinstance(node, ast.FieldTarget):
            if node.event != anchor.event:
                self.err(f"`{node.event}.{node.field}` must be a field of the anchor `{anchor.event}`", node.span,
                         f"write `{anchor.event}.{node.field}`")
            elif anchor.event in self.events:
                self.date_field(self.events[anchor.event], node.event, node.field, node.span)
        elif isinstance(node, ast.LaterTarget):
            self.match(node.target)
        else:
            self.match(node)

    def exception(self, node, anchor):
        if isinstance(node, (ast.All, ast.Any)):
            for item in node.items:
                self.exception(item, anchor)
        elif isinstance(node, ast.Occurs):
            self.match(node.target)
            self.duration(node.start)
            self.duration(node.end)
            if anchor is not None and node.anchor != anchor:
                self.err(f"an exception is measured from the duty's anchor `{anchor}`, not `{node.anchor}`", node.span,
                         f"write `... {node.direction} {anchor}`")
        elif isinstance(node, ast.During) and node.target.event in self.book.vocabulary["states"]:
            if node.target.where is not None:
                self.err(f"`{node.target.event}` is a state and has no fields to compare", node.target.where.span,
                         f"write `during {node.target.event}`")
        elif isinstance(node, ast.During):
            spec = self.event(node.target.event, node.target.span)
            if spec is not None:
                if spec["kind"] != "period":
                    self.err(f"`{node.target.event}` is a point event; `during` needs a period", node.target.span)
                if node.target.where is not None:
                    self.cond(node.target.where, spec, anchor_ok=anchor is not None)
        elif isinstance(node, ast.Lasts):
            spec = self.event(node.event, node.span)
            self.duration(node.at_most)
            if spec is not None and spec["kind"] != "period":
                self.err(f"`{node.event}` is a point event; only periods last", node.span)
            if anchor is not None and node.event != anchor:
                self.err(f"an exception speaks of the duty's anchor `{anchor}`, not `{node.event}`", node.span)

    # ------------------------------------------------------------ effects
    def effect(self, node, duty):
        if isinstance(node, ast.Suspension):
            if node.during is not None:
                self.state(node.during, node.span)
            self.until(node.until, duty)
        elif isinstance(node, ast.LossOfRight):
            self.until(node.until, duty)
        elif isinstance(node, ast.AnchorDay):
            if _duty_event(duty) is None:
                self.err("`no dagpenge on the anchor's day` needs a duty with an anchor", node.span,
                         "anchor the duty on an event, e.g. `each meeting: ...`")
        elif isinstance(node, (ast.WeekSuspension, ast.DaysOff)):
            if isinstance(node, ast.DaysOff):
                self.amount(node.days)
            if "registered" not in self.book.vocabulary["states"]:
                self.err("this effect needs the state `registered`", node.span)
        elif isinstance(node, ast.Quarantine):
            if isinstance(node.hours, ast.FieldAmount):
                self.field_amount(node.hours, duty)
            else:
                self.amount(node.hours)
            if node.cap is not None:
                self.amount(node.cap)
            for name in node.skip:
                if self.events.get(name, {}).get("kind") != "period":
                    self.err(f"`{name}` is not a period event type", node.span,
                             did_you_mean(name, [k for k, v in self.events.items() if v["kind"] == "period"]))
            if node.lapse is not None:
                self.duration(node.lapse.after)
                if node.lapse.target is not None:
                    self.amount(node.lapse.hours)
                    self.match(node.lapse.target)
                    self.hours_field(node.lapse.target, node.lapse.span)
            what = "hours taken from paid days need" if node.excess else "a quarantine needs"
            if "hours_per_day" not in self.book.parameters:
                self.err(f"{what} the parameter `hours_per_day`", node.span, "add `hours_per_day` to `parameters`")
            if "registered" not in self.book.vocabulary["states"]:
                self.err(f"{what} the state `registered` (paid days are registered days)", node.span)
            if not node.excess and ("quarantine" not in self.events or not self.events["quarantine"].get("derived")):
                self.err("a quarantine emits the derived event `quarantine`; declare it with `derived: true`", node.span)
        elif isinstance(node, ast.Ladder):
            numbers = [s.miss for s in node.steps]
            if numbers != sorted(set(numbers)) or numbers[0] != 1:
                self.err("ladder steps are numbered from `miss 1` upwards", node.span)
            for step in node.steps:
                self.duration(step.within)
                self.duration(step.grace)
                if step.after_miss is not None and step.after_miss >= step.miss:
                    self.err(f"`miss {step.miss}` can only be measured after an earlier miss", step.span)
            if not isinstance(duty, ast.Recurring) and any(s.grace is not None for s in node.steps):
                self.err("a grace period (`unless fulfilled within ...`) needs a recurring duty", node.span,
                         "use `every N days while ...`, or drop the grace part")
        if isinstance(node, (ast.Suspension, ast.Deregistration, ast.LossOfRight)) or (
                isinstance(node, ast.Ladder)):
            if "registered" not in self.events:
                self.err("this effect needs the event type `registered`", node.span)

    def field_amount(self, node: ast.FieldAmount, duty):
        anchor = _duty_event(duty)
        if node.event != anchor:
            self.err(f"`{node.event}.{node.field}`: an amount can only come from the duty's own event `{anchor}`",
                     node.span, f"write `{anchor}.<field>`" if anchor else None)
            return
        spec = self.events.get(node.event, {}).get("fields", {}).get(node.field)
        if spec is None or spec["type"] not in ("number", "integer"):
            self.err(f"`{node.event}` has no number field `{node.field}`", node.span,
                     did_you_mean(node.field, [k for k, v in self.events.get(node.event, {}).get("fields", {}).items()
                                               if v["type"] in ("number", "integer")]))

    def until(self, node, duty):
        if isinstance(node, ast.UntilEarliest):
            for item in node.items:
                self.until(item, duty)
        elif isinstance(node, ast.UntilOffset):
            self.duration(node.offset)
            self.event(node.event, node.span, derived_ok=True)
        elif isinstance(node, ast.UntilEnd):
            event = _duty_event(duty)
            if event is None or self.events.get(event, {}).get("kind") != "period":
                self.err("`until its end` needs a duty anchored on a period event", node.span,
                         "anchor the duty on a period (e.g. `holiday`), or use `until fulfilled`")
        elif isinstance(node, ast.UntilFulfilled):
            if not isinstance(duty, (ast.Deadline, ast.Window, ast.Before, ast.ByDate)):
                self.err("`until fulfilled` needs a duty with a deadline", node.span)
        elif isinstance(node, ast.UntilEvent):
            self.match(node.target)
        elif isinstance(node, (ast.UntilHours, ast.UntilCount)):
            self.match(node.target)
            self.duration(node.within)
            self.amount(getattr(node, "hours", None) or getattr(node, "count", None))
            if isinstance(node, ast.UntilHours):
                spec = self.events.get(node.target.event, {})
                if spec.get("fields", {}).get("hours", {}).get("type") not in ("number", "integer"):
                    self.err(f"`{node.target.event}` has no number field `hours`", node.span)
            if node.since == "anchor" and _duty_event(duty) is None:
                self.err("`after anchor` needs a duty with an anchor", node.span,
                         "count from an event instead: `after registered`")
            elif node.since not in (None, "anchor"):
                self.event(node.since, node.span, derived_ok=True)
