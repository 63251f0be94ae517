"""`frist diff OLD NEW POPULATION`: what a change of the rule book does to a population.

The change under test is the CV deadline's first version (``cv_deadline``, 2 weeks from 2015-07-01)
made 3 weeks.  The population is generated timelines (:mod:`frist.generate`), the personas of
``examples/``, a few timelines built around that deadline and one malformed line.  What
:func:`frist.impact.impact` reports is compared with each person checked under both books with
:func:`frist.check`, one by one, and the differences counted here, independently.
"""

from __future__ import annotations

import collections
import datetime as dt
import json
import random
import shutil
import sys
import time

import pytest

import frist
from frist import ast
from frist.errors import FristError
from frist.generate import PROFILES, Chooser, timeline_document
from frist.impact import Comparison, Impact, RuleChange, impact, load_books
from frist.source import read_file

from conftest import ROOT, RULES
from helpers import replace_once, run_cli

pytest.importorskip("pyarrow")  # frist.batch's extra

AS_OF = "2024-09-01"
FIRST_CV_VERSION = """      - from: 2015-07-01
        value: 2 weeks
        cite:
          source: ff-pjece"""
PERSON = {"birth_date": "1985-06-15", "benefit": "dagpenge", "insurance": "fulltime", "akasse": "FAK"}
# (registered, days from registering to the CV) -> what the 3 weeks do to cv-on-jobnet
CV_TIMELINES = {
    ("2023-03-06", 13): "unchanged", ("2023-03-13", 14): "unchanged", ("2023-03-20", 15): "lost",
    ("2023-03-27", 17): "lost", ("2023-04-03", 19): "lost", ("2023-04-10", 21): "lost",
    ("2023-04-17", 22): "moved", ("2023-04-24", 25): "moved", ("2024-02-05", 15): "unchanged",
    ("2024-02-12", 20): "unchanged", ("2024-02-19", 22): "unchanged",
}
TOP_KEYS = {"impact_version", "as_of", "engine", "old", "new", "population", "persons", "changed", "errors",
            "rules", "unpaid_days", "examples"}
RULE_KEYS = {"rule", "title", "persons", "violations_gained", "violations_lost", "violations_moved",
             "in_force_gained", "in_force_lost"}


def _cv_timeline(registered: str, days: int) -> dict:
    day = dt.date.fromisoformat(registered)
    return {"person": PERSON, "events": [{"type": "unemployed", "date": registered},
                                         {"type": "registered", "date": registered},
                                         {"type": "cv_created", "date": (day + dt.timedelta(days=days)).isoformat()}]}


@pytest.fixture(scope="module")
def documents(module):
    """id -> timeline document: 240 generated, the personas, and the CV timelines."""
    vocabulary, profiles = module.BOOK["vocabulary"], [None, *PROFILES]
    docs = {f"g{i:03d}": timeline_document(Chooser(random.Random(f"impact/{i}")), vocabulary,
                                           profile=profiles[i % len(profiles)], max_events=20)
            for i in range(240)}
    for path in sorted((ROOT / "examples").glob("*.yaml")):
        if not path.name.endswith(".expected.yaml"):
            docs[path.stem] = json.loads(json.dumps(read_file(path)[0], default=str))
    for (registered, days) in CV_TIMELINES:
        docs[f"cv-{registered}-{days}"] = _cv_timeline(registered, days)
    return docs


@pytest.fixture(scope="module")
def population(tmp_path_factory, documents):
    path = tmp_path_factory.mktemp("population") / "people.jsonl"
    lines = [json.dumps({"id": pid, **doc}) for pid, doc in documents.items()]
    lines.insert(100, '{"id": "broken", "person": ')  # an error record under both books
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def three_weeks(tmp_path_factory):
    text = RULES.read_text("utf-8")
    path = tmp_path_factory.mktemp("books") / "rules-3-weeks.yaml"
    path.write_text(replace_once(text, FIRST_CV_VERSION, FIRST_CV_VERSION.replace("2 weeks", "3 weeks")), "utf-8")
    return path


@pytest.fixture
def people(tmp_path):
    """One person, whose CV came 15 days after registering in 2023."""
    path = tmp_path / "people.jsonl"
    path.write_text(json.dumps({"id": "p", **_cv_timeline("2023-03-20", 15)}) + "\n", "utf-8")
    return path


def run(population, new, out, **options):
    options = {"engine": "local", "workers": 2, "partition_size": 64, "examples": 10_000, "progress": False,
               **options}
    return impact(RULES, new, population, as_of=AS_OF, output_dir=out, **options)


@pytest.fixture(scope="module")
def cv_diff(tmp_path_factory, population, three_weeks):
    out = tmp_path_factory.mktemp("diff") / "cv"
    return run(population, three_weeks, out), out


# ---------------------------------------------------------------------------- the same, computed one by one

def _record(document, module) -> dict:
    """What one person's check says: violations, legal effects in force, days without dagpenge."""
    try:
        report = frist.check(document, rules=module, as_of=AS_OF, explain=False).to_json()
    except FristError:
        return {"error": True}
    violations = {(r["rule"], r["instance"]): r["violated_since"] for r in report["results"] if r["status"] == "violated"}
    in_force = {(r["rule"], r["instance"]): r["in_force_from"] for r in report["results"] if r["status"] == "in_force"}
    assert len(violations) + len(in_force) == sum(r["status"] in ("violated", "in_force") for r in report["results"])
    days = sum((dt.date.fromisoformat(p["to"]) - dt.date.fromisoformat(p["from"])).days + 1
               for p in report["benefit"]["periods"] if not p["payable"])
    return {"violation": violations, "in_force": in_force, "days": days}


@pytest.fixture(scope="module")
def expected(module, three_weeks, documents):
    """The impact, counted from each person checked under both books with frist.check."""
    new_module = frist.compile_rules(three_weeks)
    changed, counts = set(), collections.defaultdict(collections.Counter)
    days = collections.Counter()
    errors = collections.Counter({"old": 1, "new": 1})  # the malformed line
    for pid, document in documents.items():
        old, new = _record(document, module), _record(document, new_module)
        errors.update(side for side, record in (("old", old), ("new", new)) if "error" in record)
        if "error" in old or "error" in new:
            changed.update([pid] if ("error" in old) != ("error" in new) else [])
            continue
        rules_touched = set()
        for kind, name in (("violation", "violations"), ("in_force", "in_force")):
            before, after = old[kind], new[kind]
            for key in before.keys() | after.keys():
                how = ("gained" if key not in before else "lost" if key not in after else
                       "moved" if before[key] != after[key] else None)
                if how:
                    counts[key[0]][f"{name}_{how}"] += 1
                    rules_touched.add(key[0])
        for rule in rules_touched:
            counts[rule]["persons"] += 1
        delta = new["days"] - old["days"]
        if rules_touched or delta:
            changed.add(pid)
        days.update({"gained": max(delta, 0), "lost": max(-delta, 0), "persons_more": delta > 0,
                     "persons_fewer": delta < 0})
    return {"changed": changed, "rules": {rule: dict(c) for rule, c in counts.items()},
            "unpaid_days": {k: days[k] for k in ("gained", "lost", "persons_more", "persons_fewer")},
            "errors": dict(errors)}


# ---------------------------------------------------------------------------- Done when

def test_the_diff_reports_exactly_the_persons_the_change_changes(cv_diff, expected, documents):
    result, _ = cv_diff
    found = result.to_json()
    assert found["persons"] == len(documents) + 1
    assert {example["id"] for example in found["examples"]} == expected["changed"]
    assert found["changed"] == len(expected["changed"]) > 0
    assert {r["rule"]: {k: v for k, v in r.items() if k not in ("rule", "title") and v}
            for r in found["rules"]} == expected["rules"]
    assert found["unpaid_days"] == expected["unpaid_days"]
    assert found["unpaid_days"]["lost"] > 0
    assert found["errors"] == expected["errors"] == {"old": 1, "new": 1}


def test_the_timelines_around_the_deadline_change_as_the_3_weeks_say(cv_diff):
    result, _ = cv_diff
    by_id = {example["id"]: example for example in result.to_json()["examples"]}
    for (registered, days), what in CV_TIMELINES.items():
        example = by_id.get(f"cv-{registered}-{days}")
        if what == "unchanged":
            assert example is None, (registered, days)
            continue
        change = next(c for c in example["changes"] if c["rule"] == "cv-on-jobnet")
        assert change["instance"] == f"registered {registered}" and change["kind"] == "violation"
        since = dt.date.fromisoformat(registered) + dt.timedelta(days=15)
        assert change["old"] == {"violated_since": since.isoformat()}
        assert change["new"] == (None if what == "lost" else {"violated_since": (since + dt.timedelta(7)).isoformat()})
        # no dagpenge from the day after the deadline until the day before the CV: a week less at most
        assert example["unpaid_days"]["old"] - example["unpaid_days"]["new"] == min(days, 22) - 15


def test_no_one_changes_for_a_rule_that_does_not_depend_on_the_cv_deadline(cv_diff):
    """The rules that read the deadline, and those counting paid hours, which the CV's no-dagpenge
    consequence moves; no other."""
    book = frist.load_rulebook(RULES)
    reads_it = {r.id for r in book.rules
                if "ParamDuration(name='cv_deadline')" in repr(r.duty) + repr(r.exceptions)}
    counts_pay = {r.id for r in book.rules if isinstance(r.duty, ast.Consumption)}
    assert reads_it == {"cv-on-jobnet", "cv-approval"}
    changed = {r["rule"] for r in cv_diff[0].to_json()["rules"]}
    assert {"cv-on-jobnet", "cv-approval"} <= changed <= reads_it | counts_pay


def test_identical_rule_books_change_no_one(tmp_path, population):
    copy = tmp_path / "copy.yaml"
    shutil.copyfile(RULES, copy)
    found = run(population, copy, tmp_path / "same").to_json()
    assert (found["changed"], found["rules"], found["examples"]) == (0, [], [])
    assert found["unpaid_days"] == {"gained": 0, "lost": 0, "persons_more": 0, "persons_fewer": 0}
    assert found["old"]["digest"] == found["new"]["digest"]


# ---------------------------------------------------------------------------- streaming and resuming

def _without_runs(found: dict) -> dict:
    return {k: v for k, v in found.items() if k != "runs"}


def test_a_rerun_resumes_both_runs_and_mends_a_lost_part_file(tmp_path, cv_diff, population, three_weeks):
    result, out = cv_diff
    copy = tmp_path / "cv"
    shutil.copytree(out, copy)
    again = run(population, three_weeks, copy)
    partitions = result.runs["old"].partitions
    assert partitions > 2
    assert (again.runs["old"].skipped, again.runs["new"].skipped) == (partitions, partitions)
    (copy / "new" / "part-00002.jsonl").unlink()  # a run killed before this part file was written
    mended = run(population, three_weeks, copy)
    assert (mended.runs["old"].skipped, mended.runs["new"].skipped) == (partitions, partitions - 1)
    assert mended.runs["new"].recomputed == ["part-00002.jsonl: it is missing"]
    assert _without_runs(mended.to_json()) == _without_runs(again.to_json()) == _without_runs(result.to_json())
    assert json.loads((copy / "impact.json").read_text("utf-8")) == json.loads(json.dumps(mended.to_json()))


def test_a_directory_of_other_rule_books_is_refused_where_run_batch_refuses_it(tmp_path, cv_diff, population):
    _, out = cv_diff
    copy = tmp_path / "cv"
    shutil.copytree(out, copy)
    with pytest.raises(FristError) as caught:
        run(population, RULES, copy)
    assert caught.value.first.span.file == str(copy / "new" / "_manifest.json")
    assert "holds a run with another rule book" in caught.value.first.message


def test_a_directory_of_other_files_is_refused(tmp_path, population, three_weeks):
    (tmp_path / "notes.txt").write_text("mine", "utf-8")
    with pytest.raises(FristError) as caught:
        run(population, three_weeks, tmp_path)
    assert caught.value.first.span.file == str(tmp_path)
    assert "holds other files than the runs of frist diff: notes.txt" in caught.value.first.message


# ---------------------------------------------------------------------------- engines

def test_the_columnar_engine_gives_the_same_impact(tmp_path, cv_diff, population, three_weeks):
    pytest.importorskip("frist.columnar.read")
    started = time.perf_counter()
    columnar = run(population, three_weeks, tmp_path / "columnar", engine="columnar").to_json()
    assert time.perf_counter() - started < 60  # about 5 s once numba's cache is warm
    local = cv_diff[0].to_json()
    assert (columnar["engine"], local["engine"]) == ("columnar", "local")
    assert ({**_without_runs(columnar), "engine": None}) == ({**_without_runs(local), "engine": None})


def test_a_book_the_columnar_engine_cannot_evaluate_falls_back_to_local_for_both(tmp_path, documents):
    """A condition on a text field has no column; the columnar engine refuses it, the local one checks it."""
    pytest.importorskip("frist.columnar.read")
    kind = "        kind: {type: enum, values: [cv, job, availability, joint]}\n"
    duty = 'duty: "within 2 weeks after registered: meeting where held_by is akasse and kind is cv"'
    text = replace_once(RULES.read_text("utf-8"), kind, kind + "        note: {type: text, required: false}\n")
    text = replace_once(text, duty, "duty: 'within 2 weeks after registered: meeting where note is \"cv\"'")
    (tmp_path / "text-field.yaml").write_text(text, "utf-8")
    people = tmp_path / "people.jsonl"
    people.write_text("".join(json.dumps({"id": pid, **documents[pid]}) + "\n" for pid in list(documents)[:20]),
                      "utf-8")
    result = impact(RULES, tmp_path / "text-field.yaml", people, as_of=AS_OF, output_dir=tmp_path / "out",
                    workers=2, progress=False)
    assert result.engine == "local"
    assert result.engine_note.startswith(f"the columnar engine cannot evaluate {tmp_path / 'text-field.yaml'} "
                                         f"({tmp_path / 'text-field.yaml'}:")
    assert result.engine_note.endswith("both rule books were checked with the local engine")
    assert result.persons == 20
    assert "Note: the columnar engine cannot evaluate" in result.to_text("en")


def test_without_the_columnar_extra_the_local_engine_runs(tmp_path, monkeypatch, capsys, people):
    monkeypatch.setitem(sys.modules, "numba", None)  # importing it fails, as when it is not installed
    result = impact(RULES, RULES, people, as_of=AS_OF, output_dir=tmp_path / "out", workers=1, progress=False)
    assert (result.engine, result.engine_note) == ("local", None)
    code, _, err = run_cli(["diff", RULES, RULES, people, "--as-of", AS_OF, "-o", tmp_path / "asked",
                            "--engine", "columnar"], capsys)
    assert code == 2 and "Traceback" not in err, err
    assert err.startswith("<command line>:1:1: error: --engine columnar needs the Python package `numba`")
    assert 'pip install "frist-dagpenge[columnar]"' in err


# ---------------------------------------------------------------------------- comparing records

def _ok(violations=(), in_force=(), days=0, pid="p"):
    return {"id": pid, "status": "ok", "unpaid_days": days,
            "violations": [{"rule": r, "instance": i, "violated_since": d} for r, i, d in violations],
            "in_force": [{"rule": r, "instance": i, "from": d} for r, i, d in in_force]}


ERROR = {"id": "p", "status": "error", "error": "people.jsonl:3:1: error: event 1 (meting): unknown event type"}
# (old record, new record) -> (changed, counts of the one rule `r` (or None), unpaid days, error changes)
COMPARISONS = [
    (_ok([("r", "a", "2024-01-02")]), _ok([("r", "a", "2024-01-02")]), (0, None, (0, 0), (0, 0))),
    (_ok([("r", "a", "2024-01-02")]), _ok(), (1, {"persons": 1, "violations_lost": 1}, (0, 0), (0, 0))),
    (_ok(), _ok([("r", "a", None)]), (1, {"persons": 1, "violations_gained": 1}, (0, 0), (0, 0))),
    (_ok([("r", "a", "2024-01-02"), ("r", "b", "2024-02-02")]), _ok([("r", "a", "2024-01-09")], days=-3),
     (1, {"persons": 1, "violations_moved": 1, "violations_lost": 1}, (0, 3), (0, 0))),
    (_ok([("r", "a", "2024-01-02")] * 2), _ok([("r", "a", "2024-01-02")]),
     (1, {"persons": 1, "violations_lost": 1}, (0, 0), (0, 0))),
    (_ok(in_force=[("r", "a", "2024-05-01")]), _ok(in_force=[("r", "a", "2024-05-02")], days=2),
     (1, {"persons": 1, "in_force_moved": 1}, (2, 0), (0, 0))),
    (_ok(days=4), _ok(days=5), (1, None, (1, 0), (0, 0))),
    (_ok([("r", "a", "2024-01-02")]), ERROR, (1, None, (0, 0), (1, 0))),
    (ERROR, _ok(), (1, None, (0, 0), (0, 1))),
    (ERROR, ERROR, (0, None, (0, 0), (0, 0))),
]


@pytest.mark.parametrize("old, new, wanted", COMPARISONS)
def test_two_records_compare_as_the_table_says(old, new, wanted, module):
    book = load_books(RULES, RULES)[0]
    result = Impact(AS_OF, "local", book, book, "people.jsonl", "out")
    Comparison(result, examples=1).add(old, new)
    change = result.rules.get("r")
    counts = None if change is None else {k: v for k, v in vars(change).items() if k not in ("rule", "title") and v}
    assert (result.changed, counts, (result.days_gained, result.days_lost),
            (result.became_errors, result.ended_errors)) == wanted
    assert len(result.examples) == result.changed
    assert isinstance(change, (RuleChange, type(None)))


# ---------------------------------------------------------------------------- the output

def test_the_json_has_the_documented_layout(cv_diff, population, three_weeks):
    found = cv_diff[0].to_json()
    assert TOP_KEYS <= found.keys()
    assert (found["impact_version"], found["as_of"], found["population"]) == ("1.0", AS_OF, str(population))
    assert found["old"] == {"path": str(RULES), "digest": found["old"]["digest"], "name": "Dagpenge duties"}
    assert found["new"]["path"] == str(three_weeks) and found["new"]["digest"] != found["old"]["digest"]
    assert found["errors"].keys() == {"old", "new"}
    assert found["unpaid_days"].keys() == {"gained", "lost", "persons_more", "persons_fewer"}
    for rule in found["rules"]:
        assert RULE_KEYS <= rule.keys() and rule["title"].keys() == {"da", "en"}
    for example in found["examples"]:
        assert {"id", "unpaid_days", "changes"} <= example.keys()
        assert example["unpaid_days"].keys() == {"old", "new"}
        for change in example["changes"]:
            assert {"rule", "instance", "old", "new"} <= change.keys()
            day = "violated_since" if change["kind"] == "violation" else "from"
            assert all(side is None or side.keys() == {day} for side in (change["old"], change["new"]))
    assert json.loads(json.dumps(found)) == found


@pytest.mark.parametrize("lang, words", [("da", ["personer ændres", "Pr. regel", "Dage uden dagpenge"]),
                                         ("en", ["persons change", "By rule", "Days without dagpenge"])])
def test_the_text_fits_100_columns(cv_diff, lang, words):
    text = cv_diff[0].to_text(lang)
    assert all(len(line) <= 100 for line in text.splitlines()), max(text.splitlines(), key=len)
    for word in words:
        assert word in text
    assert "cv-on-jobnet — " in text


def test_the_command_prints_text_in_the_new_books_language_and_json(tmp_path, capsys, cv_diff, population,
                                                                    three_weeks):
    _, out = cv_diff
    copy = tmp_path / "cv"
    shutil.copytree(out, copy)
    argv = ["diff", RULES, three_weeks, population, "--as-of", AS_OF, "-o", copy, "--engine", "local",
            "--workers", "2", "--partition-size", "64", "--no-progress"]
    code, text, err = run_cli(argv, capsys)
    assert code == 0, err
    assert text.startswith(f"frist diff pr. {AS_OF} — {population}, motor local\n"), text
    assert all(len(line) <= 100 for line in text.splitlines())
    assert text.count("\n  cv-") >= 2 and "Eksempler (10 af" in text
    code, found, err = run_cli([*argv, "--format", "json", "--examples", "3"], capsys)
    assert code == 0, err
    found = json.loads(found)
    assert len(found["examples"]) == 3
    assert found == json.loads((copy / "impact.json").read_text("utf-8"))


def test_the_default_directory_is_named_after_the_two_digests(tmp_path, monkeypatch, capsys, documents):
    monkeypatch.chdir(tmp_path)
    people = tmp_path / "people.jsonl"
    people.write_text(json.dumps({"id": "cv", **_cv_timeline("2023-03-20", 15)}) + "\n", "utf-8")
    code, text, err = run_cli(["diff", RULES, RULES, people, "--as-of", AS_OF, "--engine", "local", "--workers", "1",
                               "--no-progress", "--lang", "en"], capsys)
    assert code == 0, err
    digest = frist.compile_rules(RULES).BOOK["digest"][:12]
    folder = tmp_path / f"frist-diff-{digest}-{digest}"
    assert sorted(p.name for p in folder.iterdir()) == ["impact.json", "new", "old"]
    assert "No one of 1 person changes." in text


# ---------------------------------------------------------------------------- bad inputs

def _broken_book(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text(replace_once(RULES.read_text("utf-8"), 'duty: "within $cv_deadline after registered: cv_created"',
                                 'duty: "within $cv_deadlin after registered: cv_created"'), "utf-8")
    return path


@pytest.mark.parametrize("case, code, first", [
    ("missing old book", 2, "{tmp}/nowhere.yaml:1:1: error: cannot read file"),
    ("misspelt parameter", 2, "{tmp}/broken.yaml:"),
    ("bad date", 2, "<command line>:1:1: error: --as-of: `2024-02-30`"),
    ("missing population", 3, "{tmp}/absent.jsonl:1:1: error: cannot read input: no such file"),
    ("population of another format", 2, "{tmp}/people.yaml:1:1: error: cannot tell the input format"),
    ("negative examples", 2, "<command line>:1:1: error: --examples -1: give a whole number, 0 or more"),
])
def test_bad_inputs_are_located_errors(tmp_path, monkeypatch, capsys, people, case, code, first):
    monkeypatch.chdir(tmp_path)
    old, new, population, more = RULES, RULES, people, []
    if case == "missing old book":
        old = tmp_path / "nowhere.yaml"
    elif case == "misspelt parameter":
        new = _broken_book(tmp_path)
    elif case == "bad date":
        more = ["--as-of", "2024-02-30"]
    elif case == "missing population":
        population = tmp_path / "absent.jsonl"
    elif case == "population of another format":
        population = tmp_path / "people.yaml"
        population.write_text("{}", "utf-8")
    elif case == "negative examples":
        more = ["--examples", "-1"]
    found, text, err = run_cli(["diff", old, new, population, "--as-of", AS_OF, "--engine", "local", *more], capsys)
    assert found == code and "Traceback" not in err, err
    assert err.startswith(first.format(tmp=tmp_path)), err
    assert text == "" and not list(tmp_path.glob("frist-diff-*"))


def test_both_bad_rule_books_are_reported_at_once(tmp_path, people):
    with pytest.raises(FristError) as caught:
        impact(tmp_path / "nowhere.yaml", _broken_book(tmp_path), people, as_of=AS_OF, output_dir=tmp_path / "out")
    files = [d.span.file for d in caught.value.diagnostics]
    assert str(tmp_path / "nowhere.yaml") in files and str(tmp_path / "broken.yaml") in files
    assert caught.value.exit_code == 2 and not (tmp_path / "out").exists()
