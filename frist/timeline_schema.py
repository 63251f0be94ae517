"""A JSON Schema for timelines, made from a rule book's vocabulary (``frist schema timeline``).

Editors and other systems' validators can check a timeline's shape with it before frist sees it: the
top-level keys, the person's facts, and for each event type its dates and fields, with their types,
enum values and bounds.  What a schema cannot say stays frist's to check, with located errors: that
a date exists and lies in frist's range, that a period does not end before it starts, that numbers
are finite.
"""

from __future__ import annotations

from .runtime.timeline import DEFAULT_MAX, RESERVED

DRAFT = "https://json-schema.org/draft/2020-12/schema"
DATE = {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$", "format": "date",
        "description": "A day, YYYY-MM-DD (1900-01-01 to 2199-12-31)."}
TYPES = {"boolean": {"type": "boolean"}, "integer": {"type": "integer"}, "number": {"type": "number"},
         "text": {"type": "string"}}


def value_schema(spec: dict) -> dict:
    """The schema of one fact or field of the vocabulary."""
    kind = spec["type"]
    if kind == "date":
        out = dict(DATE)
    elif kind == "enum":
        out = {"enum": list(spec["values"])}
    else:
        out = dict(TYPES[kind])
        if kind in ("integer", "number"):
            out.update(minimum=spec.get("min", 0), maximum=spec.get("max", DEFAULT_MAX))
    if spec.get("doc"):
        out["description"] = " ".join(str(spec["doc"]).split())
    return out


def _required(specs: dict) -> list:
    return [name for name, spec in specs.items() if "default" not in spec and spec.get("required", True)]


def _event_schema(etype: str, spec: dict) -> dict:
    fields = spec.get("fields", {})
    dates = ["date"] if spec["kind"] == "point" else ["start", "end"]
    properties = {"type": {"const": etype}, "id": {"type": ["string", "integer"],
                                                 "description": "The event's own id (text, or a whole number)."}}
    properties.update({d: dict(DATE) for d in dates})
    properties.update({name: value_schema(f) for name, f in fields.items() if name not in RESERVED})
    out = {"type": "object", "properties": properties, "required": ["type", *dates, *_required(fields)],
           "additionalProperties": False}
    if spec.get("doc"):
        out["description"] = " ".join(str(spec["doc"]).split())
    return out


def timeline_schema(vocabulary: dict, *, name: str = "rules.yaml", digest: str | None = None) -> dict:
    """The JSON Schema of a timeline document for a rule book's ``vocabulary``."""
    events = {t: spec for t, spec in vocabulary["events"].items() if not spec.get("derived")}
    person = vocabulary["person"]
    top = {"name": {"type": "string", "description": "What the timeline is about."},
           "note": {"type": "string"},
           "as_of": dict(DATE, description="The day to check on, unless told another (--as-of)."),
           "person": {"type": "object", "properties": {k: value_schema(v) for k, v in person.items()},
                      "required": _required(person), "additionalProperties": False},
           "events": {"type": "array", "items": {"$ref": "#/$defs/event"}}}
    return {
        "$schema": DRAFT,
        "$id": f"frist:timeline:{digest}" if digest else "frist:timeline",
        "title": f"A timeline for the rule book {name}",
        "description": "A person's facts and events, checked by frist against the rule book's duties.",
        "type": "object",
        "properties": top,
        "required": ["person"],
        "additionalProperties": False,
        "$defs": {
            "event": {"oneOf": [{"$ref": f"#/$defs/event_{t}"} for t in events]},
            **{f"event_{t}": _event_schema(t, spec) for t, spec in events.items()},
        },
    }
