"""The columnar engine against the per-timeline engine: every instance of every rule, equal.

For each timeline, both engines must give the same instances in the same order -- rule, instance
name, status, deadline, ``violated_since`` -- the same number of days without dagpenge, or the same
error; and a population's brief batch records must be the records ``frist.batch.check_person`` makes.

* every persona in ``examples/``, each on its own check date and all of them as one population;
* seeded generated timelines of every profile (:mod:`frist.generate`), as populations on a few
  check dates and each on a date of its own; ``FRIST_HYPOTHESIS_PROFILE=nightly`` checks ten times
  more, and :func:`frist.testing.timelines` adds hypothesis' own;
* a columnar rule broken on purpose (a deadline one week longer) must be caught.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from frist import rulebook
from frist.batch import Person, _unpaid_days, check_person
from frist.errors import FristError
from frist.generate import PROFILES, Chooser, plus, suggested_as_of, timeline_document
from frist.report import check, load_timeline
from frist.source import read_file

engine = pytest.importorskip("frist.columnar.engine")
layout = pytest.importorskip("frist.columnar.layout")
program = pytest.importorskip("frist.columnar.program")

ROOT = Path(__file__).resolve().parent.parent
PERSONAS = sorted((ROOT / "examples").glob("*.expected.yaml"))
NIGHTLY = os.environ.get("FRIST_HYPOTHESIS_PROFILE") == "nightly"
PER_PROFILE = 600 if NIGHTLY else 60
CHECK_DATES = ("2017-03-31", "2019-11-15", "2024-09-01", "2026-06-30")


@pytest.fixture(scope="module")
def columnar():
    return engine.compile_book(rulebook.load(ROOT / "rules.yaml"))


def per_timeline(module, timeline, as_of):
    """What the per-timeline engine gives: ``(instances, unpaid days)`` or the error text."""
    try:
        report = check(timeline, rules=module, as_of=as_of)
    except FristError as exc:
        return exc.format()
    rows = [(r.rule.id, r.instance, r.status, _iso(r.deadline), _iso(r.violated_since)) for r in report.results]
    return rows, _unpaid_days(report.benefit)


def _iso(day):
    return day.isoformat() if day else None


def differences(module, compiled, timelines, as_of) -> list:
    """Where the engines disagree on ``timelines`` checked as one population on ``as_of``."""
    population = layout.from_timelines(timelines, module.BOOK["vocabulary"])
    got = engine.instances(compiled, population, as_of)
    out = []
    for timeline, mine in zip(timelines, got):
        want = per_timeline(module, timeline, as_of)
        if mine == want:
            continue
        if isinstance(mine, str) or isinstance(want, str):
            out.append(f"{timeline.name} on {as_of}: per-timeline {want!r:.200}, columnar {mine!r:.200}")
            continue
        missing = [r for r in want[0] if r not in mine[0]]
        extra = [r for r in mine[0] if r not in want[0]]
        out.append(f"{timeline.name} on {as_of}: only per-timeline {missing[:3]}, only columnar {extra[:3]}"
                   + ("" if missing or extra else " (order)")
                   + (f", unpaid days {want[1]} and {mine[1]}" if want[1] != mine[1] else ""))
    return out


def _personas(module):
    out = []
    for path in PERSONAS:
        expected, _ = read_file(path)
        timeline = load_timeline(str(path.with_name(path.name.replace(".expected.yaml", ".yaml"))),
                                 module.BOOK["vocabulary"])
        out.append((timeline, dt.date.fromisoformat(str(expected["as_of"]))))
    return out


def _generated(module, profile, count, seed="columnar"):
    vocabulary = module.BOOK["vocabulary"]
    out = []
    for i in range(count):
        chooser = Chooser(random.Random(f"{seed}/{profile}/{i}"))
        document = timeline_document(chooser, vocabulary, profile=profile, max_events=40,
                                     name=f"{profile or 'any'} {i}")
        base = suggested_as_of(document)
        as_of = plus(base, chooser.integer(-9, 14), "month") if i % 2 else base
        out.append((load_timeline(document, vocabulary), as_of))
    return out


# ---------------------------------------------------------------------------- personas
@pytest.mark.parametrize("path", PERSONAS, ids=lambda p: p.name.split(".")[0])
def test_each_persona_on_its_own_check_date(module, columnar, path):
    expected, _ = read_file(path)
    timeline = load_timeline(str(path.with_name(path.name.replace(".expected.yaml", ".yaml"))),
                             module.BOOK["vocabulary"])
    assert differences(module, columnar, [timeline], dt.date.fromisoformat(str(expected["as_of"]))) == []


@pytest.mark.parametrize("as_of", CHECK_DATES)
def test_all_personas_as_one_population(module, columnar, as_of):
    timelines = [t for t, _ in _personas(module)]
    assert differences(module, columnar, timelines, dt.date.fromisoformat(as_of)) == []


# ---------------------------------------------------------------------------- generated populations
@pytest.mark.parametrize("profile", [None, *PROFILES])
def test_generated_timelines_each_on_its_own_date(module, columnar, profile):
    found = []
    for timeline, as_of in _generated(module, profile, PER_PROFILE):
        found += differences(module, columnar, [timeline], as_of)
    assert found == []


@pytest.mark.parametrize("as_of", CHECK_DATES)
def test_generated_population_on_one_date(module, columnar, as_of):
    timelines = [t for profile in [None, *PROFILES] for t, _ in _generated(module, profile, PER_PROFILE // 3,
                                                                             seed="population")]
    assert differences(module, columnar, timelines, dt.date.fromisoformat(as_of)) == []


try:
    from frist.testing import timelines as timeline_strategy
except ImportError:  # hypothesis-less installs have no strategies
    timeline_strategy = None


@pytest.mark.skipif(timeline_strategy is None, reason="needs frist.testing")
def test_hypothesis_timelines(module, columnar):
    @settings(max_examples=1000 if NIGHTLY else 100, deadline=None, database=None, derandomize=not NIGHTLY,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(timeline_strategy(module, max_events=30))
    def run(document):
        timeline = load_timeline(document, module.BOOK["vocabulary"])
        as_of = suggested_as_of(document)
        assert differences(module, columnar, [timeline], as_of) == []

    run()


# ---------------------------------------------------------------------------- batch records
def test_brief_records_are_check_persons(module, columnar):
    """The records of a population, errors included (part-time persons without the fact a rule
    needs), are those of ``check_person``."""
    vocabulary = module.BOOK["vocabulary"]
    documents = []
    for profile in [None, *PROFILES]:
        for i in range(12):
            document = timeline_document(Chooser(random.Random(f"records/{profile}/{i}")), vocabulary,
                                         profile=profile, max_events=40)
            if i % 5 == 3:
                document["person"].pop("former_weekly_hours", None)
                document["person"]["insurance"] = "parttime"
            documents.append(document)
    ids = [f"p{i}" for i in range(len(documents))]
    loaded = [load_timeline(d, vocabulary, name=pid) for pid, d in zip(ids, documents)]
    population = layout.from_timelines(loaded, vocabulary, ids=ids)
    as_of = dt.date(2024, 9, 1)
    want = [check_person(module, Person(pid, i + 1, document=d), "population.jsonl", as_of, "brief")
            for i, (pid, d) in enumerate(zip(ids, documents))]
    assert [r["status"] for r in want].count("error") > 0  # error records are compared too
    assert engine.check_population(columnar, population, as_of) == want


# ---------------------------------------------------------------------------- a broken rule is caught
def test_a_deadline_one_week_longer_is_caught(module, columnar):
    """The CV deadline's parameter lowered one week longer: the differential test sees it."""
    G = columnar.G
    name = "cv_deadline"
    p = list(columnar.book.parameters).index(name)
    broken_dur = G.par_dur.copy()
    for v in range(G.par_off[p], G.par_off[p + 1]):
        broken_dur[v, 0] += 1
    broken_G = G._replace(par_dur=broken_dur)
    broken = dataclasses.replace(columnar, G=broken_G, packed=program.pack(broken_G))
    found = []
    for timeline, as_of in _personas(module):
        found += differences(module, broken, [timeline], as_of)
    assert found, "a broken deadline went unnoticed"
    assert any("cv-on-jobnet" in f for f in found)


def test_a_construct_it_cannot_evaluate_is_an_error_naming_the_rule():
    """A condition on a text field has no column to read: compiling says so, at the rule."""
    text = (ROOT / "tests" / "fixtures" / "starter-rules.yaml").read_text(encoding="utf-8")
    kind = "        kind: {type: enum, values: [cv, job, availability, joint]}\n"
    duty = 'duty: "within 2 weeks after registered: meeting where held_by is akasse and kind is job"'
    assert kind in text and duty in text
    text = text.replace(kind, kind + "        note: {type: text, required: false}\n", 1)
    text = text.replace(duty, "duty: 'within 2 weeks after registered: meeting where note is \"first\"'", 1)
    book = rulebook.load_text(text, "rules.yaml")
    with pytest.raises(program.ColumnarError) as caught:
        engine.compile_book(book)
    message = caught.value.format()
    assert "cannot evaluate a condition on the text field `note`" in message
    assert "[rule first-job-meeting-akasse]" in message and message.startswith("rules.yaml:")


def test_an_ambiguous_date_is_the_same_error():
    """Under ``month_rounding: refuse``, 31 January + 3 months stops both engines with one error."""
    from frist.compiler import compile_text

    text = (ROOT / "tests" / "fixtures" / "starter-rules.yaml").read_text(encoding="utf-8")
    assert "  month_rounding: down\n" in text
    text = text.replace("  month_rounding: down\n", "  month_rounding: refuse\n", 1)
    module = compile_text(text, "rules.yaml", use_cache=False)
    compiled = engine.compile_book(rulebook.load_text(text, "rules.yaml"))
    person = {"birth_date": "1990-05-01", "benefit": "dagpenge", "insurance": "fulltime", "akasse": "FAK",
              "education": "none"}
    document = {"person": person, "events": [{"type": "unemployed", "date": "2024-01-31"},
                                            {"type": "registered", "date": "2024-01-31"}]}
    vocabulary = module.BOOK["vocabulary"]
    document["person"] = {k: v for k, v in person.items() if k in vocabulary["person"]}
    timeline = load_timeline(document, vocabulary)
    want = per_timeline(module, timeline, dt.date(2024, 9, 1))
    assert isinstance(want, str) and "ambiguous date arithmetic: 2024-01-31 + 3 month(s)" in want
    assert differences(module, compiled, [timeline], dt.date(2024, 9, 1)) == []
