"""`frist batch`: many timelines, streamed and partitioned, checked in parallel, resumable.

The inputs are generated timelines (:mod:`frist.generate`) plus three personas,
written in both shapes (a timeline a row, an event a row), as JSON Lines and as
Parquet.  Every run is compared with :func:`frist.check` on the same documents.
"""

from __future__ import annotations

import json
import multiprocessing
import random

import pytest

import frist
from frist import batch
from frist.batch import Summary, run_batch
from frist.generate import Chooser, timeline_document
from frist.source import read_file

from conftest import ENGINE, ROOT, RULES, unpaid_days
from helpers import run_cli

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")

AS_OF = "2025-06-01"
PERSONAS = ("young-graduate-2024", "two-quarantines", "kontanthjaelp-recipient")


@pytest.fixture(scope="module")
def rules_module(_cache_dir):
    return frist.compile_rules(RULES)  # through the cache, as the batch workers load it


@pytest.fixture(scope="module")
def documents(rules_module):
    """id -> timeline document: 21 generated timelines and 3 personas."""
    vocabulary = rules_module.BOOK["vocabulary"]
    docs = {f"g{i:02d}": timeline_document(Chooser(random.Random(f"batch/{i}")), vocabulary, max_events=25)
            for i in range(21)}
    for name in PERSONAS:
        docs[name] = json.loads(json.dumps(read_file(ROOT / "examples" / f"{name}.yaml")[0]))
    return docs


def timeline_rows(documents):
    return [{"id": pid, **doc} for pid, doc in documents.items()]


def event_rows(documents):
    rows = []
    for pid, doc in documents.items():
        rows.append({"person_id": pid, "type": "person", **doc["person"]})
        rows += [{"person_id": pid, **event} for event in doc["events"]]
    return rows


def write_jsonl(path, rows, extra_lines=()):
    lines = [json.dumps(r) for r in rows] + list(extra_lines)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_parquet(path, rows, shape):
    if shape == "timelines":  # person and events as JSON text
        rows = [{"id": r["id"], "person": json.dumps(r["person"]), "events": json.dumps(r["events"])} for r in rows]
    else:  # one column per field; hours are mixed int/float in the generator, Parquet wants one type
        rows = [{k: float(v) if k == "hours" else v for k, v in r.items()} for r in rows]
    columns = list(dict.fromkeys(k for r in rows for k in r))  # from_pylist would take the first row's keys
    pq.write_table(pa.Table.from_pylist([{k: r.get(k) for k in columns} for r in rows]), path)
    return path


def make_input(tmp_path, documents, fmt, shape):
    rows = timeline_rows(documents) if shape == "timelines" else event_rows(documents)
    path = tmp_path / f"in-{shape}.{fmt}"
    return write_jsonl(path, rows) if fmt == "jsonl" else write_parquet(path, rows, shape)


def records(out):
    found = []
    for part in sorted(out.glob("part-*")):
        found += batch.read_part(part)
    return found


def snapshot(out):
    return {p.name: p.read_bytes() for p in sorted(out.glob("part-*"))}


def run(input_path, out, **options):
    options.setdefault("workers", 2)
    options.setdefault("engine", ENGINE[0])
    options.setdefault("partition_size", 5)
    return run_batch(input_path, out, rules=RULES, as_of=AS_OF, progress=False, **options)


def brief(report):
    return ({**report.counts()},
            [(r.rule.id, r.instance, r.violated_since.isoformat() if r.violated_since else None)
             for r in report.violations()],
            len(unpaid_days(report)))


# ---------------------------------------------------------------------------- reconciliation

@pytest.mark.parametrize("fmt", ["jsonl", "parquet"])
@pytest.mark.parametrize("shape", ["timelines", "events"])
def test_every_person_is_reported_once_and_as_frist_check_reports(each_engine, tmp_path, documents, rules_module, fmt, shape):
    summary = run(make_input(tmp_path, documents, fmt, shape), tmp_path / "out")
    assert isinstance(summary, Summary)
    assert (summary.persons, summary.reports, summary.errors) == (len(documents), len(documents), 0)
    assert summary.partitions == 5 and summary.skipped == 0
    found = records(tmp_path / "out")
    assert sorted(r["id"] for r in found) == sorted(documents)  # each id exactly once
    by_id = {r["id"]: r for r in found}
    violations = {}
    for pid, doc in documents.items():
        report = frist.check(doc, rules=rules_module, as_of=AS_OF)
        record = by_id[pid]
        assert record["status"] == "ok" and record["as_of"] == AS_OF
        assert (record["summary"], [(v["rule"], v["instance"], v["violated_since"]) for v in record["violations"]],
                record["unpaid_days"]) == brief(report), pid
        for r in report.violations():
            violations[r.rule.id] = violations.get(r.rule.id, 0) + 1
    assert summary.violations == violations
    written = json.loads((tmp_path / "out" / "_summary.json").read_text("utf-8"))
    assert (written["persons"], written["reports"], written["errors"]) == (len(documents), len(documents), 0)
    assert written["violations"] == violations


def test_spawned_workers_report_the_same(tmp_path, documents, monkeypatch):
    """In a process with threads the pool spawns its workers instead of forking them."""
    path = make_input(tmp_path, documents, "jsonl", "events")
    run(path, tmp_path / "forked")
    monkeypatch.setattr(batch, "_start_method", lambda: multiprocessing.get_context("spawn"))
    run(path, tmp_path / "spawned")
    assert snapshot(tmp_path / "spawned") == snapshot(tmp_path / "forked")


def test_full_detail_is_the_whole_report(tmp_path, documents, rules_module):
    run(make_input(tmp_path, documents, "jsonl", "timelines"), tmp_path / "out", detail="full")
    by_id = {r.pop("id"): r for r in records(tmp_path / "out")}
    for pid in ("g00", "g07", "two-quarantines"):
        record = by_id[pid]
        assert record.pop("status") == "ok"
        assert record == frist.check(documents[pid], rules=rules_module, as_of=AS_OF).to_json()


# ---------------------------------------------------------------------------- bad rows

def test_bad_rows_become_located_error_records_and_the_rest_is_reported(each_engine, tmp_path, documents):
    good = timeline_rows(documents)[:3]
    unknown = {"id": "unknown-type", **documents["g01"]}
    unknown["events"] = unknown["events"] + [{"type": "job_interview", "date": "2024-05-01"}]
    bad_date = {"id": "bad-date", **documents["g02"]}
    bad_date["events"] = [{**bad_date["events"][0], "date": "2024-02-30"}] + bad_date["events"][1:]
    no_id = {k: v for k, v in good[0].items() if k != "id"}
    path = write_jsonl(tmp_path / "bad.jsonl", [good[0], unknown],
                       extra_lines=['{"id": "broken", "person": {', json.dumps(bad_date), json.dumps(no_id),
                                    json.dumps(good[1]), json.dumps(good[0]), json.dumps(good[2])])
    summary = run(path, tmp_path / "out", partition_size=3)
    assert (summary.persons, summary.reports, summary.errors) == (8, 3, 5)
    found = records(tmp_path / "out")
    assert [r["id"] for r in found] == ["g00", "unknown-type", None, "bad-date", None, "g01", "g00", "g02"]
    errors = {i: r["error"] for i, r in enumerate(found) if r["status"] == "error"}
    assert sorted(errors) == [1, 2, 3, 4, 6]
    assert errors[1].startswith(f"{path}:2:1: error: event ") and "unknown event type `job_interview`" in errors[1]
    assert errors[2].startswith(f"{path}:3:") and "malformed JSON" in errors[2]
    assert errors[3].startswith(f"{path}:4:1: error: event 1 (") and "`2024-02-30` is not a valid date" in errors[3]
    assert errors[4] == f"{path}:5:1: error: missing `id`\n  hint: every row needs `id`, a text or a number"
    assert errors[6].startswith(f"{path}:7:1: error: id `g00` appears a second time")


def test_bad_event_rows_make_their_person_an_error(each_engine, tmp_path, documents):
    rows = event_rows({k: documents[k] for k in ("g00", "g01", "g02", "g03")})
    lines = [json.dumps(r) for r in rows]
    g01 = [i for i, r in enumerate(rows) if r["person_id"] == "g01"]
    g03 = [i for i, r in enumerate(rows) if r["person_id"] == "g03"]
    lines[g01[2]] = json.dumps({**rows[g01[2]], "type": "job_interview"})  # unknown type, in g01's rows
    lines.insert(g03[0], json.dumps(rows[g01[1]]))  # g01 again, after g02: rows not contiguous
    lines.insert(g03[0], json.dumps({k: v for k, v in rows[g03[1]].items() if k != "person_id"}))  # no person_id
    path = tmp_path / "events.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    summary = run(path, tmp_path / "out")
    assert (summary.persons, summary.reports, summary.errors) == (6, 3, 3)
    found = records(tmp_path / "out")
    assert [(r["id"], r["status"]) for r in found] == [("g00", "ok"), ("g01", "error"), ("g02", "ok"),
                                                      (None, "error"), ("g01", "error"), ("g03", "ok")]
    assert found[1]["error"].startswith(f"{path}:{g01[2] + 1}:1: error: event ")
    assert "unknown event type `job_interview`" in found[1]["error"]
    assert found[3]["error"].startswith(f"{path}:{g03[0] + 1}:1: error: missing `person_id`")
    assert found[4]["error"].startswith(f"{path}:{g03[0] + 2}:1: error: person_id `g01` appears again")


def test_bad_parquet_rows_are_located_by_row(each_engine, tmp_path, documents):
    rows = timeline_rows({k: documents[k] for k in ("g00", "g01")})
    table = [{"id": r["id"], "person": json.dumps(r["person"]), "events": json.dumps(r["events"])} for r in rows]
    table.insert(1, {"id": "broken", "person": "{", "events": "[]"})
    path = tmp_path / "bad.parquet"
    pq.write_table(pa.Table.from_pylist(table), path)
    summary = run(path, tmp_path / "out")
    assert (summary.persons, summary.reports, summary.errors) == (3, 2, 1)
    error = [r for r in records(tmp_path / "out") if r["status"] == "error"]
    assert error[0]["id"] == "broken" and error[0]["error"].startswith(f"{path}:2:2: error: column `person`")


# ---------------------------------------------------------------------------- resume

def test_a_rerun_resumes_after_a_crash_and_refuses_another_check_date(each_engine, tmp_path, documents, monkeypatch):
    path = make_input(tmp_path, documents, "jsonl", "timelines")
    whole = run(path, tmp_path / "whole")
    expected = snapshot(tmp_path / "whole")

    out = tmp_path / "out"
    write = batch._write_atomic
    written = []

    def crash_after_two_parts(target, content):  # a part file's checksum file (in _parts/) follows it
        is_part = target.parent == out and target.name.startswith("part-")
        if is_part and len(written) == 2:
            raise RuntimeError("simulated crash")
        write(target, content)
        if is_part:
            written.append(target.name)

    monkeypatch.setattr(batch, "_write_atomic", crash_after_two_parts)
    with pytest.raises(RuntimeError, match="simulated crash"):
        run(path, out)
    monkeypatch.undo()
    finished = {p.name: p.stat().st_mtime_ns for p in out.glob("part-*")}
    assert len(finished) == 2 and not (out / "_summary.json").exists()

    resumed = run(path, out)
    assert resumed.skipped == 2 and resumed.partitions == 5
    assert {name: (out / name).stat().st_mtime_ns for name in finished} == finished  # not recomputed
    assert snapshot(out) == expected
    assert (resumed.persons, resumed.reports, resumed.errors, resumed.violations) == \
        (whole.persons, whole.reports, whole.errors, whole.violations)

    (out / "part-00003.jsonl").unlink()  # a lost part file is recomputed, the others are not
    again = run(path, out)
    assert again.skipped == 4 and snapshot(out) == expected

    with pytest.raises(frist.FristError) as refused:
        run_batch(path, out, rules=RULES, as_of="2025-07-01", progress=False)
    message = refused.value.format()
    assert message.startswith(f"{out / '_manifest.json'}:1:1: error: ")
    assert "as_of was `2025-06-01`, now `2025-07-01`" in message and "hint: write to a new output directory" in message
    assert snapshot(out) == expected


# ---------------------------------------------------------------------------- dask

@pytest.mark.parametrize("detail", ["full", "violations"])  # violations: columnar partitions, where installed
def test_the_dask_engine_on_a_local_cluster_writes_what_the_local_engine_writes(tmp_path, documents, detail):
    distributed = pytest.importorskip("distributed")
    path = make_input(tmp_path, documents, "jsonl", "events")
    local = run(path, tmp_path / "local", detail=detail)
    with distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1, host="127.0.0.1",
                                  dashboard_address=None) as cluster:
        remote = run(path, tmp_path / "dask", detail=detail, engine="dask", scheduler=cluster.scheduler_address)
    assert snapshot(tmp_path / "dask") == snapshot(tmp_path / "local")
    assert (remote.persons, remote.reports, remote.errors, remote.violations, remote.partitions) == \
        (local.persons, local.reports, local.errors, local.violations, local.partitions)


# ---------------------------------------------------------------------------- the command

def test_the_command_prints_the_counts(tmp_path, documents, capsys):
    path = make_input(tmp_path, documents, "parquet", "timelines")
    code, out, _ = run_cli(["batch", path, "--rules", RULES, "--as-of", AS_OF, "-o", tmp_path / "out",
                            "--workers", "2", "--partition-size", "10", "--no-progress", "--format", "jsonl"], capsys)
    assert code == 0
    assert out.startswith(f"{len(documents)} person(s) read: {len(documents)} report(s), 0 error(s); "
                          f"3 partition(s), 0 resumed;")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == \
        ["_manifest.json", "_parts", "_summary.json", "part-00000.jsonl", "part-00001.jsonl", "part-00002.jsonl"]
    assert sorted(p.name for p in (tmp_path / "out" / "_parts").iterdir()) == \
        ["part-00000.jsonl.json", "part-00001.jsonl.json", "part-00002.jsonl.json"]


def test_the_command_refuses_input_it_cannot_read(tmp_path, capsys):
    missing = tmp_path / "missing.jsonl"
    code, _, err = run_cli(["batch", missing, "--rules", RULES, "--as-of", AS_OF, "-o", tmp_path / "out"], capsys)
    assert code == 3 and err.startswith(f"{missing}:1:1: error: cannot read input: no such file")
    junk = tmp_path / "junk.parquet"
    junk.write_bytes(b"not parquet at all")
    code, _, err = run_cli(["batch", junk, "--rules", RULES, "--as-of", AS_OF, "-o", tmp_path / "out"], capsys)
    assert code == 3 and err.startswith(f"{junk}:1:1: error: cannot read input: not a Parquet file")
    shapeless = write_jsonl(tmp_path / "shapeless.jsonl", [{"name": "x"}])
    code, _, err = run_cli(["batch", shapeless, "--rules", RULES, "--as-of", AS_OF, "-o", tmp_path / "out"], capsys)
    assert code == 3 and "cannot tell the input's shape" in err
    code, _, err = run_cli(["batch", tmp_path / "in.csv", "--rules", RULES, "--as-of", AS_OF, "-o", tmp_path / "out"],
                           capsys)
    assert code == 2 and "cannot tell the input format of `in.csv`" in err
    one = write_jsonl(tmp_path / "one.jsonl", [{"id": 1, "person": {}, "events": []}])
    code, _, err = run_cli(["batch", one, "--rules", tmp_path / "none.yaml", "--as-of", AS_OF,
                            "-o", tmp_path / "out"], capsys)
    assert code == 2 and err.startswith(f"{tmp_path / 'none.yaml'}:1:1: error: cannot read file")
    assert not (tmp_path / "out").exists()
