"""Explanations: every result of every persona has one, made from the evaluation itself, and for a few
personas they agree with explanations worked out by hand.

``tests/explanations/derived.yaml`` was worked out from the seeds, the catalog, the README's semantics
table and the persona timelines alone, without the rule book or the checker: for each instance its
anchor, window, the duration and the source sentence it comes from, the events that count, the
exceptions that hold, the status and the consequence's days.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
import yaml

import frist
from frist import cli
from frist.compiler import compile_rules
from frist.explain import render


ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
PERSONAS = sorted(p for p in EXAMPLES.glob("*.expected.yaml"))
DERIVED = yaml.safe_load((ROOT / "tests" / "explanations" / "derived.yaml").read_text("utf-8"))
# SI-3: the hand derivation opens the window on the first well day (2024-03-23); the rule book lets a
# report on the last sick day count too.  Both put the deadline on the first well day; only the start differs.
OPEN_FROM_THE_LAST_SICK_DAY = {("examples/aka-member-sick.yaml", "SI-3")}


def _iso(value):
    return value.isoformat() if isinstance(value, dt.date) else value


def _as_of(path: Path) -> str:
    return str(yaml.safe_load(path.read_text("utf-8"))["as_of"])


@pytest.mark.parametrize("expected_path", PERSONAS, ids=lambda p: p.name.split(".")[0])
def test_every_result_has_an_explanation(module, expected_path):
    timeline = expected_path.with_name(expected_path.name.replace(".expected", ""))
    report = frist.check(timeline, rules=module, as_of=_as_of(expected_path))
    for result in report.to_json()["results"]:
        steps = (result["explanation"] or {}).get("steps")
        assert steps, f"{result['rule']} {result['instance']}: no explanation"
        outcome = [s for s in steps if s["kind"] == "outcome"]
        assert len(outcome) == 1 and outcome[0]["status"] == result["status"], (result["rule"], result["instance"])
        if result["anchor"] is not None:
            assert steps[0]["kind"] == "anchor" and steps[0]["event"]["type"] == result["anchor"]["type"]
        for step in steps:
            assert step["text"]["da"].strip() and step["text"]["en"].strip(), step
        for lang in ("da", "en"):
            assert len(render(result, lang)) >= 2


def test_explaining_changes_no_verdict(module):
    for expected_path in PERSONAS:
        timeline = expected_path.with_name(expected_path.name.replace(".expected", ""))
        as_of = _as_of(expected_path)
        told = frist.check(timeline, rules=module, as_of=as_of)
        plain = frist.check(timeline, rules=module, as_of=as_of, explain=False)
        key = [(r.rule.id, r.instance, r.status, r.deadline, r.violated_since, r.actions) for r in told.results]
        assert key == [(r.rule.id, r.instance, r.status, r.deadline, r.violated_since, r.actions)
                       for r in plain.results], timeline.name
        assert told.benefit == plain.benefit
        assert all(r["explanation"] is None for r in plain.to_json()["results"])


def _source_files(module) -> dict:
    """The seed file each source of the rule book is (``ff-pjece`` → ``003_….txt``)."""
    return {key: source.get("text") for key, source in module.BOOK["sources"].items()}


def _find(results, entry):
    """The results of the derived entry's catalog item whose anchor (or week) is the derived anchor."""
    day = _iso(entry["anchor"]["date"])
    out = []
    for r in results:
        if entry["catalog"] not in r["catalog"] or r["status"] == "not_applicable":
            continue
        if entry["anchor"]["type"].endswith("(end)"):  # measured from the end of a period
            if (r["window"] or {}).get("start") == day:
                out.append(r)
        elif r["anchor"] is not None and r["anchor"]["date"] == day:
            out.append(r)
        elif r["anchor"] is None and (r["window"] or {}).get("start") == day:
            out.append(r)  # a weekly instance: the derived anchor is the week's Monday
    return out


def disagreements(module, entry) -> list:
    """Where the checker's explanation of the derived entry's instance says otherwise than the entry."""
    report = frist.check(ROOT / entry["persona"], rules=module, as_of=entry["as_of"])
    found = _find(report.to_json()["results"], entry)
    status = entry["status"].replace(" ", "_")
    found = [r for r in found if r["status"] == status] or found
    if len(found) > 1:  # e.g. MT-2's a-kasse and jobcenter parts, both from the registration
        found = [r for r in found if r["deadline"] == _iso((entry.get("window") or {}).get("end"))]
    if len(found) != 1:
        return [f"{len(found)} results for {entry['catalog']} at {entry['anchor']['date']}: "
                + "; ".join(f"{r['rule']} {r['instance']} {r['status']}" for r in found)]
    result = found[0]
    steps = result["explanation"]["steps"]
    problems = []

    def differ(what, derived, checker):
        if derived != checker:
            problems.append(f"{result['rule']} {result['instance']}: {what}: derived {derived!r}, explained {checker!r}")

    outcome = next(s for s in steps if s["kind"] == "outcome")
    differ("status", status, outcome["status"])
    window = entry.get("window") or {}
    differ("deadline", _iso(window.get("end")), outcome["deadline"])
    key = (entry["persona"], entry["catalog"])
    if window.get("start") is not None and key not in OPEN_FROM_THE_LAST_SICK_DAY:
        differ("window start", _iso(window["start"]), (result["window"] or {}).get("start"))
    differ("violated from", _iso(entry.get("violated_from")), outcome["violated_since"] or result["in_force_from"])
    if entry["anchor"]["type"].endswith("(end)"):  # the period's last day
        differ("anchor", (entry["anchor"]["type"], _iso(entry["anchor"]["date"])),
               (steps[0]["event"]["type"] + " (end)", steps[0]["event"].get("end")))
    elif result["anchor"] is not None:
        differ("anchor", (entry["anchor"]["type"], _iso(entry["anchor"]["date"])),
               (steps[0]["event"]["type"], steps[0]["event"].get("date") or steps[0]["event"].get("start")))
    # the events that count: the checker names the first that meets an "at least one" duty
    derived_count = {(e["type"], _iso(e.get("date") or e.get("start"))) for e in entry.get("events", ()) if e["counts"]}
    counted = {(s["type"], i["event"].get("date") or i["event"].get("start"))
               for s in steps if s["kind"] == "events" for i in s["items"] if i["counts"]}
    anchor_type = entry["anchor"]["type"].removesuffix(" (end)")
    fields = {(f"{anchor_type}.{s['field']}", s["value"]) for s in steps if s["kind"] == "field"}
    judged = {(s["event"]["type"], s["event"].get("date") or s["event"].get("start")) for s in steps
              if s["kind"] == "condition"}
    if judged:  # a duty on each event: the event judged is the one that counts; what ends the effect is below
        if judged - derived_count:
            problems.append(f"{result['rule']}: judged {sorted(judged)}, not by the derivation")
        derived_count = {e for e in derived_count if e[0] != anchor_type} & counted
    if counted - derived_count:
        problems.append(f"{result['rule']}: counted {sorted(counted - derived_count)}, not by the derivation")
    events_counted = {e for e in derived_count if "." not in e[0]}
    if bool(events_counted) != bool(counted) and status in ("fulfilled", "violated"):
        differ("events that count", sorted(events_counted), sorted(counted))
    for name, day in derived_count - events_counted:
        if (name, day) not in fields:
            problems.append(f"{result['rule']}: the field {name} = {day} is not in the explanation ({sorted(fields)})")
    # the duration and its source, where it is a parameter of the rule book
    source = (entry.get("duration") or {}).get("source")
    params = [s for s in steps if s["kind"] == "parameter"]
    if params and source:
        files = _source_files(module)
        differ("the duration's source", source, files.get(params[0]["source"]))
        value = str(entry["duration"]["value"])
        if not value.startswith(str(params[0]["value"])):
            differ("the duration", value, params[0]["value"])
    # exceptions: one holds exactly where the derivation says one does
    held = [s["exception"] for s in steps if s["kind"] == "exception" and s["held"]]
    derived_held = [e["what"] for e in entry.get("exceptions", ()) if e["holds"]]
    differ("an exception holds", bool(derived_held), bool(held))
    # the consequence's days, where it takes any
    consequence = entry.get("consequence") or {}
    taken = [a for a in result["actions"] if a.get("from")]
    if taken and consequence.get("from"):
        differ("the consequence's days", (_iso(consequence["from"]), _iso(consequence["to"])),
               (taken[0]["from"], taken[0]["to"]))
    return problems


@pytest.mark.parametrize("entry", DERIVED, ids=lambda e: f"{Path(e['persona']).stem}-{e['catalog']}-{e['anchor']['date']}")
def test_explanations_match_the_hand_derived_ones(module, entry):
    assert disagreements(module, entry) == []


def test_a_deadline_one_week_longer_is_caught(tmp_path, _cache_dir):
    """The comparison can fail: with the CV deadline of 2024 one week longer, every CV entry disagrees."""
    path = ROOT / "rules.yaml"
    text = path.read_text("utf-8")
    at = text.index("value: 3 weeks", text.index("\n  cv_deadline:"))  # its 2024 version
    text = text[:at] + "value: 4 weeks" + text[at + len("value: 3 weeks"):]
    copy = tmp_path / "rules.yaml"
    copy.write_text(text, encoding="utf-8")
    catalog = path.parent / "catalog.yaml"
    if catalog.exists():
        (tmp_path / "catalog.yaml").write_text(catalog.read_text("utf-8"), encoding="utf-8")
    changed = compile_rules(copy)
    cv = [e for e in DERIVED if e["catalog"] == "CV-1"]
    assert cv
    for entry in cv:
        problems = disagreements(changed, entry)
        assert any("deadline" in p for p in problems), (entry["persona"], problems)


def test_frist_explain_prints_the_reasoning(capsys):
    code = cli.main(["explain", str(EXAMPLES / "young-graduate-2024.yaml"), "cv-on-jobnet", "--rules",
                     str(ROOT / "rules.yaml"), "--as-of", "2024-09-01", "--lang", "en"])
    out = capsys.readouterr().out
    assert code == 0
    assert "Anchor: `registered` 2024-03-01." in out
    assert "`$cv_deadline` is 3 weeks on 2024-03-01 (the version in force from 2024-01-01; star-kontakt" in out
    assert "2024-03-01 + 3 weeks = 2024-03-22." in out
    assert "2024-03-15: counts" in out
    assert "Fulfilled by `cv_created` 2024-03-15." in out


def test_frist_explain_in_danish_by_default_and_as_json(capsys):
    code = cli.main(["explain", str(EXAMPLES / "young-graduate-2024.yaml"), "holiday-notice", "holiday 2024-07-01",
                     "--rules", str(ROOT / "rules.yaml"), "--as-of", "2024-09-01"])
    out = capsys.readouterr().out
    assert code == 0
    assert "Overtrådt fra 2024-06-18, dagen efter fristen 2024-06-17; gjort for sent den 2024-06-20." in out
    assert "2024-07-01 − 14 dage = 2024-06-17." in out
    code = cli.main(["explain", str(EXAMPLES / "young-graduate-2024.yaml"), "holiday-notice", "holiday 2024-07-01",
                     "--rules", str(ROOT / "rules.yaml"), "--as-of", "2024-09-01", "--format", "json"])
    data = json.loads(capsys.readouterr().out)
    assert code == 0 and [r["instance"] for r in data["results"]] == ["holiday 2024-07-01"]
    kinds = [s["kind"] for s in data["results"][0]["explanation"]["steps"]]
    assert kinds[0] == "anchor" and "exception" in kinds and "outcome" in kinds


@pytest.mark.parametrize("args, message, hint", [
    (["cv-on-jobet"], "no rule `cv-on-jobet` in the report", "did you mean `cv-on-jobnet`?"),
    (["cv-on-jobnet", "registered 2024-03-02"], "rule `cv-on-jobnet` has no instance `registered 2024-03-02`",
     "did you mean `registered 2024-03-01`?"),
])
def test_frist_explain_names_what_there_is(capsys, args, message, hint):
    code = cli.main(["explain", str(EXAMPLES / "young-graduate-2024.yaml"), *args, "--rules", str(ROOT / "rules.yaml"),
                     "--as-of", "2024-09-01"])
    err = capsys.readouterr().err
    assert code == 2
    assert f"<command line>:1:1: error: {message}" in err and hint in err and "Traceback" not in err


def test_the_readmes_example_is_what_frist_explain_prints(capsys, monkeypatch):
    readme = (ROOT / "README.md").read_text("utf-8")
    command = '$ frist explain examples/young-graduate-2024.yaml holiday-notice "holiday 2024-07-01" --as-of 2024-09-01\n'
    start = readme.index(command) + len(command)
    shown = readme[start:readme.index("```", start)]
    monkeypatch.chdir(ROOT)
    assert cli.main(["explain", "examples/young-graduate-2024.yaml", "holiday-notice", "holiday 2024-07-01",
                     "--as-of", "2024-09-01"]) == 0
    assert capsys.readouterr().out == shown
