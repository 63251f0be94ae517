"""The JSON Schema of a timeline (``frist schema timeline``): every timeline frist accepts passes it,
and what it refuses frist refuses too."""

from __future__ import annotations

import copy
import datetime as dt
import json
import random
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft202012Validator

from frist.errors import TimelineError
from frist.generate import PROFILES, Chooser, timeline_document
from frist.report import load_timeline
from frist.timeline_schema import timeline_schema

ROOT = Path(__file__).resolve().parent.parent
PERSONAS = sorted(p for p in (ROOT / "examples").glob("*.yaml") if not p.name.endswith(".expected.yaml"))


@pytest.fixture(scope="module")
def validator(module):
    schema = timeline_schema(module.BOOK["vocabulary"], digest=module.BOOK["digest"])
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def _as_json(value):
    """A YAML document as the JSON a system would send: days as ISO text."""
    if isinstance(value, dict):
        return {k: _as_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_as_json(v) for v in value]
    return value.isoformat() if isinstance(value, dt.date) else value


def _errors(validator, document) -> list:
    return [e.message for e in validator.iter_errors(document)]


@pytest.mark.parametrize("path", PERSONAS, ids=lambda p: p.stem)
def test_every_persona_passes(validator, path):
    assert _errors(validator, _as_json(yaml.safe_load(path.read_text(encoding="utf-8")))) == []


@pytest.mark.parametrize("profile", [None, *PROFILES])
def test_generated_timelines_pass(module, validator, profile):
    for i in range(20):
        document = timeline_document(Chooser(random.Random(f"schema/{profile}/{i}")), module.BOOK["vocabulary"],
                                     profile=profile, max_events=40)
        assert _errors(validator, document) == [], document


def _base(module):
    return timeline_document(Chooser(random.Random("schema/base")), module.BOOK["vocabulary"], max_events=10)


def _first(document, etype):
    return next(e for e in document["events"] if e["type"] == etype)


BAD = {
    "an unknown top-level key": lambda d: d.update(asof="2024-09-01"),
    "no person": lambda d: d.pop("person"),
    "an unknown fact": lambda d: d["person"].update(shoe_size=44),
    "a fact of the wrong type": lambda d: d["person"].update(graduate="yes"),
    "an enum value the vocabulary lacks": lambda d: d["person"].update(akasse="XYZ"),
    "an unknown event type": lambda d: d["events"].append({"type": "job_interview", "date": "2024-05-01"}),
    "an event the rules compute": lambda d: d["events"].append({"type": "quarantine", "date": "2024-05-01"}),
    "a point event without its date": lambda d: d["events"].append({"type": "cv_approved"}),
    "a point event with a start": lambda d: d["events"].append({"type": "cv_approved", "start": "2024-05-01",
                                                                 "date": "2024-05-01"}),
    "a period without its end": lambda d: d["events"].append({"type": "sick", "start": "2024-05-01"}),
    "an unknown field": lambda d: d["events"].append({"type": "cv_approved", "date": "2024-05-01", "colour": 1}),
    "text where a number goes": lambda d: d["events"].append({"type": "wage_work", "date": "2024-05-01",
                                                               "hours": "7.4"}),
    "a negative number": lambda d: d["events"].append({"type": "wage_work", "date": "2024-05-01", "hours": -1}),
    "a number over the field's max": lambda d: d["events"].append({"type": "wage_work", "date": "2024-05-01",
                                                                    "hours": 10_000}),
    "a date not written YYYY-MM-DD": lambda d: d["events"].append({"type": "cv_approved", "date": "1.5.2024"}),
}


@pytest.mark.parametrize("what", BAD)
def test_what_the_schema_refuses_frist_refuses(module, validator, what):
    document = copy.deepcopy(_base(module))
    assert _errors(validator, document) == []
    BAD[what](document)
    assert _errors(validator, document), f"{what}: the schema lets it through"
    with pytest.raises(TimelineError):
        load_timeline(document, module.BOOK["vocabulary"])


def test_the_command_writes_the_schema(tmp_path):
    out = tmp_path / "timeline.schema.json"
    done = subprocess.run([sys.executable, "-m", "frist.cli", "schema", "timeline", "--rules", ROOT / "rules.yaml",
                           "-o", out], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    schema = json.loads(out.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    assert set(schema["properties"]) == {"name", "note", "as_of", "person", "events"}
    assert "event_quarantine" not in schema["$defs"] and "event_meeting" in schema["$defs"]
    elsewhere = subprocess.run([sys.executable, "-m", "frist.cli", "schema", "timeline"], capture_output=True,
                               text=True, cwd=tmp_path)
    assert elsewhere.returncode == 2 and "Traceback" not in elsewhere.stderr
    assert "no rule book given" in elsewhere.stderr and "--rules PATH" in elsewhere.stderr
