"""A person's timeline: facts and events, validated against the vocabulary.

A timeline document is a mapping with ``person`` (facts) and ``events`` (a
list).  Point events have a ``date``; period events a ``start`` and an
``end`` (both days included).  Every problem is collected and reported
together, each located in the timeline file.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from ..dates import Date, DateError, parse_date
from ..errors import Collector, Span, TimelineError, did_you_mean
from ..source import key_span, span_of

RESERVED = {"type", "date", "start", "end", "id"}
TOP_LEVEL = ["person", "events", "name", "note", "as_of"]  # as_of: the day to check on, unless told another
DEFAULT_MAX = 1_000_000  # the largest value of a number field whose vocabulary declares no `max`


def _shown(value, width: int = 40) -> str:
    """A value as a message quotes it, cut short: a 400-digit number is not worth repeating (and
    Python refuses to write out one of more than 4300 digits, so such a one is only counted)."""
    if isinstance(value, int) and value.bit_length() > 13_000:
        return f"a {len(format(value, 'x')) * 4 * 30103 // 100000}-digit number"
    text = str(value)
    return f"`{text}`" if len(text) <= width else f"`{text[: width - 1]}…` ({len(text)} characters)"


@dataclass(slots=True)
class Event:
    """One event; ``date`` is the day of a point event or the first day of a period."""

    type: str
    date: Date
    end: Date | None
    fields: dict
    index: int
    id: str | None = None

    def get(self, name, default=None):
        if name == "start" or name == "date":
            return self.date
        if name == "end":
            return self.end
        return self.fields.get(name, default)

    def describe(self) -> dict:
        out = {"type": self.type, "index": self.index}
        if self.id is not None:
            out["id"] = self.id
        if self.end is None:
            out["date"] = self.date.isoformat()
        else:
            out["start"], out["end"] = self.date.isoformat(), self.end.isoformat()
        return out


@dataclass(slots=True)
class Timeline:
    person: dict
    events: list
    name: str = "<timeline>"
    by_type: dict = field(default_factory=dict)
    as_of: Date | None = None  # the check date the timeline names (``as_of:``), if it names one

    def index(self) -> "Timeline":
        """Group events by type, each group sorted by date (stable on input order)."""
        self.by_type = {}
        for event in sorted(self.events, key=lambda e: (e.date, e.index)):
            self.by_type.setdefault(event.type, []).append(event)
        return self


def _convert(value, spec: dict, where: str, span: Span | None, errors: Collector):
    kind = spec["type"]
    if kind == "date":
        try:
            return parse_date(value)
        except DateError as exc:
            errors.add(f"{where}: {exc}", span, hint=exc.hint)
            return None
    if kind == "enum":
        if not isinstance(value, str) or value not in spec["values"]:
            errors.add(f"{where}: {_shown(value)} is not one of {', '.join(spec['values'])}", span,
                       hint=isinstance(value, str) and did_you_mean(value, spec["values"])
                       or f"write one of {', '.join(spec['values'])}")
            return None
        return value
    if kind == "boolean":
        if not isinstance(value, bool):
            errors.add(f"{where}: expected yes or no, got {_shown(value)}", span, hint="write yes or no")
            return None
        return value
    if kind in ("number", "integer"):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or (kind == "integer" and not isinstance(value, int)):
            whole = "whole " if kind == "integer" else ""
            errors.add(f"{where}: expected a {whole}number, got {_shown(value)}", span,
                       hint="write a whole number, e.g. 3" if kind == "integer" else "write a number, e.g. 7.4")
            return None
        if isinstance(value, float) and not math.isfinite(value):
            errors.add(f"{where}: `{value}` is not a number", span, hint="write a finite number, e.g. 7.4")
            return None
        if value < 0:
            errors.add(f"{where}: must not be negative", span, hint="write 0 or more")
            return None
        if value < spec.get("min", 0):
            errors.add(f"{where}: {_shown(value)} is less than the smallest value allowed, {spec['min']}", span,
                       hint="the rule book's vocabulary declares the field's `min`")
            return None
        largest = spec.get("max", DEFAULT_MAX)
        if value > largest:
            errors.add(f"{where}: {_shown(value)} is more than the largest value allowed, {largest}", span,
                       hint="the rule book's vocabulary declares the field's `max`" if "max" in spec
                       else f"a number field without a declared `max` holds at most {DEFAULT_MAX}")
            return None
        return value
    if not isinstance(value, str):
        errors.add(f"{where}: expected text, got {_shown(value)}", span, hint='write the text in quotes, e.g. "12"')
        return None
    return value


def _fields(data, specs: dict, where: str, errors: Collector, skip=()) -> dict:
    out = {}
    for key, value in data.items():
        if key in skip:
            continue
        if key not in specs:
            errors.add(f"{where}: unknown field `{key}`", key_span(data, key),
                       hint=did_you_mean(key, list(specs) + list(skip))
                       or "remove it: the rule book's vocabulary does not declare it")
            continue
        out[key] = _convert(value, specs[key], f"{where} field `{key}`", span_of(data, key), errors)
    for key, spec in specs.items():
        if key not in data:
            if "default" in spec:
                out[key] = spec["default"]
            elif spec.get("required", True):
                errors.add(f"{where}: missing field `{key}`", span_of(data),
                           hint=f"add `{key}:`" + (f" (one of {', '.join(spec['values'])})" if spec.get("values") else ""))
    return out


def build_timeline(document, vocabulary: dict, name: str = "<timeline>") -> Timeline:
    """Validate a parsed timeline document and build a :class:`Timeline`."""
    errors = Collector(TimelineError)
    if not isinstance(document, dict):
        errors.add("a timeline is a mapping with `person` and `events`", span_of(document) or Span(name, 1, 1),
                   hint="start the file with `person:`")
        errors.raise_if_any()
    for key in document:
        if key not in TOP_LEVEL:
            errors.add(f"unknown top-level key `{key}`", key_span(document, key),
                       hint=did_you_mean(key, TOP_LEVEL))
    as_of = None
    if "as_of" in document:
        try:
            as_of = parse_date(document["as_of"])
        except DateError as exc:
            errors.add(f"as_of: {exc}", span_of(document, "as_of"), hint=exc.hint)
    person_doc = document.get("person")
    person = {}
    if not isinstance(person_doc, dict):
        errors.add("`person` must be a mapping of facts", span_of(document, "person") if "person" in document else span_of(document),
                   hint="e.g. person: {birth_date: 1990-05-17, benefit: dagpenge, ...}")
    else:
        person = _fields(person_doc, vocabulary["person"], "person", errors)
    events_doc = document.get("events", [])
    events = []
    if not isinstance(events_doc, list):
        errors.add("`events` must be a list", span_of(document, "events"), hint="write each event as `- type: ...`")
        events_doc = []
    specs = vocabulary["events"]
    for i, item in enumerate(events_doc):
        span = span_of(events_doc, i)
        if not isinstance(item, dict):
            errors.add(f"event {i + 1}: expected a mapping with `type`", span, hint="write each event as `- type: ...`")
            continue
        etype = item.get("type")
        where = f"event {i + 1}" + (f" ({etype})" if isinstance(etype, str) else "")
        if not isinstance(etype, str) or etype not in specs or specs[etype].get("derived"):
            known = [k for k, v in specs.items() if not v.get("derived")]
            if etype is None:
                errors.add(f"{where}: missing `type`", span, hint="known types: " + ", ".join(sorted(known)))
            elif isinstance(etype, str) and etype in specs:
                errors.add(f"{where}: `{etype}` is computed by the rules and cannot be given",
                           span_of(item, "type"), hint="remove this event")
            else:
                errors.add(f"{where}: unknown event type {_shown(etype)}", span_of(item, "type"),
                           hint=isinstance(etype, str) and did_you_mean(etype, known)
                           or "known types: " + ", ".join(sorted(known)))
            continue
        spec = specs[etype]
        if spec["kind"] == "point":
            dates = ("date",)
        else:
            dates = ("start", "end")
        parsed = {}
        for key in dates:
            if key not in item:
                errors.add(f"{where}: missing `{key}`", span,
                           hint=f"a {spec['kind']} event has " + " and ".join(f"`{d}`" for d in dates))
                continue
            try:
                parsed[key] = parse_date(item[key])
            except DateError as exc:
                errors.add(f"{where}: {exc}", span_of(item, key), hint=exc.hint)
        for key in ("date", "start", "end"):
            if key in item and key not in dates:
                errors.add(f"{where}: a {spec['kind']} event has no `{key}`", key_span(item, key),
                           hint="use " + " and ".join(f"`{d}`" for d in dates))
        fields = _fields(item, spec.get("fields", {}), where, errors, skip=RESERVED)
        if spec["kind"] == "period" and "start" in parsed and "end" in parsed and parsed["end"] < parsed["start"]:
            errors.add(f"{where}: ends ({parsed['end']}) before it starts ({parsed['start']})", span_of(item, "end"),
                       hint="the end day is included; a one-day period has end = start")
        if len(parsed) != len(dates):
            continue
        ident = item.get("id")
        if ident is not None and (isinstance(ident, bool) or not isinstance(ident, (str, int))
                                  or isinstance(ident, int) and abs(ident) >= 10 ** 18):
            errors.add(f"{where}: `id` must be a text or a whole number of at most 18 digits, got "
                       f"{_shown(ident)}", span_of(item, "id"), hint="e.g. id: m1")
            continue
        events.append(Event(etype, parsed.get("date") or parsed["start"], parsed.get("end"), fields, i,
                            None if ident is None else str(ident)))
    errors.raise_if_any()
    return Timeline(person, events, name, as_of=as_of).index()
