"""`frist batch` under faults: nothing lost, nothing crashes.

Damaged part files, an input edited in the middle, a worker killed with SIGKILL (a real kill of a
real worker process), a partition that kills its worker every time, the parent killed, an
over-long row, a closed stdout, Parquet ids of two types and a corrupt Parquet row group.  The
inputs are small (a couple of hundred persons in partitions of 20) so that the file stays fast.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import random
import shutil
import signal
import subprocess
import sys
import time
import tracemalloc
from dataclasses import dataclass
from pathlib import Path

import pytest

import frist
from frist import batch
from frist.batch import Summary, Tally, run_batch
from frist.generate import Chooser, timeline_document

from conftest import ENGINE, RULES

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")

AS_OF = "2025-06-01"
PERSONS = 200
PARTITION = 20
CLI = "import sys\nfrom frist.cli import main\nsys.exit(main(sys.argv[1:]))"
linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc to find the workers")


@dataclass
class Clean:
    """The input, the line of each id in it, and the output of an undisturbed run."""

    path: Path
    lines: dict
    out: Path
    summary: Summary


@pytest.fixture(scope="module")
def clean(tmp_path_factory, _cache_dir):
    vocabulary = frist.compile_rules(RULES).BOOK["vocabulary"]
    rows = [json.dumps({"id": f"p{i:03d}", **timeline_document(Chooser(random.Random(f"faults/{i % 40}")),
                                                                 vocabulary, max_events=25)})
            for i in range(PERSONS)]
    rows.insert(30, '{"id": "broken", "person": {')  # two bad rows: error records in the counts
    rows.insert(111, json.dumps({"person": {}, "events": []}))
    folder = tmp_path_factory.mktemp("faults")
    path = folder / "people.jsonl"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    lines = {json.loads(r)["id"]: n for n, r in enumerate(rows, 1) if r.startswith('{"id": "p')}
    summary = run(path, folder / "clean")
    assert (summary.persons, summary.reports, summary.errors) == (PERSONS + 2, PERSONS, 2)
    return Clean(path, lines, folder / "clean", summary)


def run(path, out, **options) -> Summary:
    options.setdefault("workers", 2)
    options.setdefault("engine", ENGINE[0])
    options.setdefault("partition_size", PARTITION)
    return run_batch(path, out, rules=RULES, as_of=AS_OF, progress=False, **options)


def records(out: Path) -> list:
    found = []
    for part in sorted(out.glob("part-*")):
        found += batch.read_part(part)
    return found


def snapshot(out: Path) -> dict:
    return {p.name: p.read_bytes() for p in sorted(out.glob("part-*"))}


def counts(summary: Summary) -> tuple:
    assert summary.persons == summary.reports + summary.errors
    return summary.persons, summary.reports, summary.errors, summary.violations


def assert_as_clean(out: Path, summary: Summary, clean: Clean) -> None:
    assert snapshot(out) == snapshot(clean.out)
    assert counts(summary) == counts(clean.summary)
    written = json.loads((out / "_summary.json").read_text("utf-8"))
    assert (written["persons"], written["reports"], written["errors"]) == counts(clean.summary)[:3]


def cli_command(*argv) -> list:
    return [sys.executable, "-c", CLI, *map(str, argv)]


def batch_command(clean: Clean, out: Path, workers: int = 2) -> list:
    return cli_command("batch", clean.path, "--rules", RULES, "--as-of", AS_OF, "-o", out, "--workers", workers,
                       "--partition-size", PARTITION, "--no-progress")


# ---------------------------------------------------------------------------- processes, through /proc

def _stat(pid) -> list:
    """The fields of /proc/PID/stat after the command name: state, parent, ..., start time (index 19)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return []


def children(pid: int) -> list:
    """``(pid, start time)`` of each child: with the start time, a pid used again is not taken for it."""
    found = []
    for entry in Path("/proc").iterdir():
        fields = _stat(entry.name) if entry.name.isdigit() else []
        if fields and int(fields[1]) == pid:
            found.append((int(entry.name), fields[19]))
    return sorted(found)


def alive(process: tuple) -> bool:
    """Running, or stopped; a zombie has ended (whoever adopted it may never reap it)."""
    fields = _stat(process[0])
    return bool(fields) and fields[19] == process[1] and fields[0] != "Z"


def wait_until(condition, seconds: float, step: float = 0.005) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return condition()


def kill_all(processes) -> None:
    for process in processes:
        if alive(process):
            os.kill(process[0], signal.SIGKILL)


# ---------------------------------------------------------------------------- resume verifies

def _cut_at_a_line(path):
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(b"".join(lines[:PARTITION // 2]))


def _cut_mid_line(path):
    data = path.read_bytes()
    path.write_bytes(data[:len(data) // 2 + 7])


def _flip_a_byte(path):
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))


def _swap_with_the_next(path):  # a part file and checksum file that verify, but of another partition
    following = path.with_name("part-00004" + path.suffix)
    shutil.copyfile(following, path)
    shutil.copyfile(batch.checksum_path(following), batch.checksum_path(path))


def _clobber_the_checksum(path):
    batch.checksum_path(path).write_text('{"bytes": ', encoding="utf-8")


DAMAGE = {
    "cut at a line": (_cut_at_a_line, "it has {size:,} bytes, {bytes:,} were written"),
    "cut mid-line": (_cut_mid_line, "it has {size:,} bytes, {bytes:,} were written"),
    "emptied": (lambda path: path.write_bytes(b""), "it is empty"),
    "a byte flipped": (_flip_a_byte, "its bytes do not match their checksum"),
    "its checksum file deleted": (lambda path: batch.checksum_path(path).unlink(),
                           "it has no readable checksum file"),
    "its checksum file clobbered": (_clobber_the_checksum, "it has no readable checksum file"),
    "swapped with another partition's": (_swap_with_the_next, "it holds other persons than its partition"),
    "deleted, its checksum file kept": (lambda path: path.unlink(), "it is missing"),
}


@pytest.mark.parametrize("damage", DAMAGE)
def test_a_damaged_part_file_is_recomputed_and_the_output_is_as_a_clean_runs(each_engine, tmp_path, clean, damage):
    out = tmp_path / "out"
    shutil.copytree(clean.out, out)
    (out / "_summary.json").unlink()
    part = out / "part-00003.jsonl"
    written = json.loads(batch.checksum_path(part).read_text("utf-8"))["bytes"]
    harm, why = DAMAGE[damage]
    harm(part)
    size = part.stat().st_size if part.exists() else 0
    summary = run(clean.path, out)
    assert summary.recomputed == [f"part-00003.jsonl: {why.format(size=size, bytes=written)}"]
    assert (summary.skipped, summary.partitions) == (clean.summary.partitions - 1, clean.summary.partitions)
    assert_as_clean(out, summary, clean)
    assert f"recomputed part-00003.jsonl: {why.format(size=size, bytes=written)}" in summary.to_text()


def test_a_damaged_parquet_part_file_is_recomputed(each_engine, tmp_path, clean):
    first = run(clean.path, tmp_path / "first", output_format="parquet")
    out = tmp_path / "out"
    shutil.copytree(tmp_path / "first", out)
    _flip_a_byte(out / "part-00002.parquet")
    _cut_mid_line(out / "part-00005.parquet")
    summary = run(clean.path, out, output_format="parquet")
    assert [why.split(":")[0] for why in summary.recomputed] == ["part-00002.parquet", "part-00005.parquet"]
    assert snapshot(out) == snapshot(tmp_path / "first")
    assert counts(summary) == counts(first) == counts(clean.summary)


def test_a_part_file_no_partition_produces_is_removed_and_reported(tmp_path, clean):
    out = tmp_path / "out"
    shutil.copytree(clean.out, out)
    for name in ("part-00099.jsonl", "part-00001.parquet"):
        shutil.copyfile(out / "part-00001.jsonl", out / name)
        shutil.copyfile(batch.checksum_path(out / "part-00001.jsonl"), batch.checksum_path(out / name))
    summary = run(clean.path, out)
    assert summary.removed == ["part-00001.parquet", "part-00099.jsonl"]
    assert summary.skipped == summary.partitions and summary.recomputed == []
    assert not (out / "part-00099.jsonl").exists() and not batch.checksum_path(out / "part-00099.jsonl").exists()
    assert "removed 2 part file(s) no partition produces: part-00001.parquet, part-00099.jsonl" in summary.to_text()
    assert_as_clean(out, summary, clean)


def test_a_part_file_lost_after_it_was_written_fails_the_run_and_the_rerun_mends_it(each_engine, tmp_path, clean, monkeypatch):
    out = tmp_path / "out"
    write = batch._write_atomic

    def lose_part_two(target, content):  # the checksum file is written, the part file is not
        if target != out / "part-00002.jsonl":
            write(target, content)

    monkeypatch.setattr(batch, "_write_atomic", lose_part_two)
    with pytest.raises(frist.FristError) as failed:
        run(clean.path, out)
    monkeypatch.undo()
    assert failed.value.format() == (
        f"{out / 'part-00002.jsonl'}:1:1: error: part file part-00002.jsonl does not check: it is missing\n"
        f"  hint: run the same command again: it recomputes part files that do not check")
    assert not (out / "_summary.json").exists()
    summary = run(clean.path, out)
    assert summary.recomputed == ["part-00002.jsonl: it is missing"]
    assert_as_clean(out, summary, clean)


def test_counts_that_do_not_reconcile_are_a_located_error():
    summary, tally = Summary(persons=10), Tally(reports=9, errors=1)
    batch._check_counts(Path("out"), summary, tally, (9, 1))
    for on_disk in [(9, 0), (8, 2)]:  # a person missing; the part files disagreeing with the run's own count
        with pytest.raises(frist.FristError) as failed:
            batch._check_counts(Path("out"), summary, tally, on_disk)
        assert failed.value.format() == (
            f"out:1:1: error: the counts do not reconcile: 10 person(s) read, the part files hold {on_disk[0]} "
            f"report(s) and {on_disk[1]} error(s), this run counted 9 and 1\n"
            f"  hint: run the same command again: it recomputes part files that do not check")


def test_an_edit_in_the_middle_of_the_input_is_another_input(tmp_path, clean):
    """The edit is beyond the first and the last MiB, and keeps the size."""
    rows = [json.loads(line) for line in clean.path.read_text("utf-8").splitlines()[:30]]
    padded = [json.dumps({**row, "note": "x" * 100_000}) for row in rows]
    path = tmp_path / "padded.jsonl"
    path.write_text("\n".join(padded) + "\n", encoding="utf-8")
    run(path, tmp_path / "out", partition_size=10)
    before = snapshot(tmp_path / "out")
    text = path.read_text("utf-8")
    middle = text.index('"id": "p015"')
    assert 1 << 20 < middle < path.stat().st_size - (1 << 20)
    path.write_text(text[:middle] + '"id": "q015"' + text[middle + len('"id": "p015"'):], encoding="utf-8")
    with pytest.raises(frist.FristError) as refused:
        run(path, tmp_path / "out", partition_size=10)
    message = refused.value.format()
    assert message.startswith(f"{tmp_path / 'out' / '_manifest.json'}:1:1: error: {tmp_path / 'out'} holds a run "
                              f"with another input: input.sha256 was `")
    assert "hint: write to a new output directory" in message
    assert snapshot(tmp_path / "out") == before


def test_an_output_directory_of_an_older_layout_is_refused(tmp_path, clean):
    out = tmp_path / "out"
    shutil.copytree(clean.out, out)
    manifest = json.loads((out / "_manifest.json").read_text("utf-8"))
    (out / "_manifest.json").write_text(json.dumps({**manifest, "layout": 1}), encoding="utf-8")
    with pytest.raises(frist.FristError) as refused:
        run(clean.path, out)
    assert refused.value.format() == (
        f"{out / '_manifest.json'}:1:1: error: {out} holds output layout `1` of another frist version; this one "
        f"writes layout {batch.LAYOUT_VERSION} and cannot resume it\n"
        f"  hint: write to a new output directory (or delete this one to start over)")


# ---------------------------------------------------------------------------- workers that die

@linux_only
def test_a_worker_killed_mid_run_costs_nothing(tmp_path, clean):
    """A real SIGKILL to a real worker of a real `frist batch`, once its first part file is written.

    The parent is stopped (SIGSTOP) around the kill, so that the run is surely not over yet."""
    out = tmp_path / "out"
    process = subprocess.Popen(batch_command(clean, out), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    workers = []
    try:
        assert wait_until(lambda: (out / "part-00000.jsonl").exists() or process.poll() is not None, 120)
        os.kill(process.pid, signal.SIGSTOP)
        try:
            workers = children(process.pid)
            assert len(workers) == 2 and not (out / "_summary.json").exists()
            assert len(list(out.glob("part-*"))) < clean.summary.partitions
            os.kill(workers[0][0], signal.SIGKILL)
            assert wait_until(lambda: not alive(workers[0]), 10)
        finally:
            os.kill(process.pid, signal.SIGCONT)
        stdout, stderr = process.communicate(timeout=120)
    finally:
        process.kill()
        kill_all(workers)
    assert process.returncode == 0 and "Traceback" not in stderr, stderr
    assert stdout.startswith(f"{PERSONS + 2} person(s) read: {PERSONS} report(s), 2 error(s); ")
    assert snapshot(out) == snapshot(clean.out)


@pytest.fixture
def forked(monkeypatch):
    """Workers forked from this process, so that they run a ``check_person`` patched here."""
    monkeypatch.setattr(batch, "_start_method", lambda: multiprocessing.get_context("fork"))
    return monkeypatch


def _dies_on(forked, victim: str, first_time_only: Path | None = None):
    check_person = batch.check_person

    def deadly(module, person, *rest):
        if person.id == victim and not (first_time_only and first_time_only.exists()):
            if first_time_only:
                first_time_only.touch()
            os.kill(os.getpid(), signal.SIGKILL)
        return check_person(module, person, *rest)

    forked.setattr(batch, "check_person", deadly)


def test_a_worker_that_dies_once_is_replaced_and_its_partition_checked_again(tmp_path, clean, forked):
    _dies_on(forked, "p077", first_time_only=tmp_path / "died-once")
    summary = run(clean.path, tmp_path / "out")
    assert (tmp_path / "died-once").exists()
    assert (summary.retried, summary.lost) == (1, 0)
    assert "1 partition(s) retried after their worker died" in summary.to_text()
    assert_as_clean(tmp_path / "out", summary, clean)


def test_a_partition_that_kills_its_worker_every_time_becomes_error_records(tmp_path, clean, forked):
    _dies_on(forked, "p077")
    summary = run(clean.path, tmp_path / "out")
    assert (summary.retried, summary.lost) == (batch.WORKER_ATTEMPTS - 1, 1)
    found, expected = records(tmp_path / "out"), records(clean.out)
    assert [r["id"] for r in found] == [r["id"] for r in expected]
    lost = [n for n, r in enumerate(found) if r != expected[n]]
    start = lost[0] // PARTITION * PARTITION
    assert lost == list(range(start, start + PARTITION))  # exactly the partition of p077
    assert "p077" in [found[n]["id"] for n in lost]
    for n in lost:
        pid = found[n]["id"]
        assert found[n]["status"] == "error"
        assert found[n]["error"].startswith(
            f"{clean.path}:{clean.lines[pid]}:1: error: not checked: the worker process checking its partition "
            f"({PARTITION} persons) died {batch.WORKER_ATTEMPTS} times, the last time killed by signal 9 (SIGKILL)")
        assert "hint: a worker dies like this when it runs out of memory" in found[n]["error"]
    assert summary.persons == clean.summary.persons == summary.reports + summary.errors
    assert (summary.reports, summary.errors) == (clean.summary.reports - PARTITION, clean.summary.errors + PARTITION)



def test_a_fault_inside_frist_becomes_error_records_of_its_partition_and_the_run_goes_on(tmp_path, clean, forked):
    encode = batch.encode

    def faulty(records, fmt):
        if any(r["id"] == "p077" and r["status"] == "ok" for r in records):  # in the worker only
            raise ZeroDivisionError("a fault planted for the test")
        return encode(records, fmt)

    forked.setattr(batch, "encode", faulty)
    summary = run(clean.path, tmp_path / "out")
    found = records(tmp_path / "out")
    lost = [r for r in found if r["status"] == "error" and "failed inside frist" in r["error"]]
    assert len(lost) == PARTITION and "p077" in [r["id"] for r in lost]
    assert ("not checked: checking its partition failed inside frist: ZeroDivisionError: a fault planted for "
            "the test") in lost[0]["error"]
    assert "hint: this is a fault in frist; please report it" in lost[0]["error"]
    assert summary.persons == clean.summary.persons == summary.reports + summary.errors

@linux_only
def test_the_workers_end_when_the_parent_is_killed(tmp_path, clean):
    out = tmp_path / "out"
    process = subprocess.Popen(batch_command(clean, out), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    workers = []
    try:
        assert wait_until(lambda: len(children(process.pid)) == 2 and (out / "part-00000.jsonl").exists(), 120)
        workers = children(process.pid)
        process.kill()
        process.wait()
        assert wait_until(lambda: not any(alive(worker) for worker in workers), 5, step=0.05), \
            [worker for worker in workers if alive(worker)]
    finally:
        process.kill()
        kill_all(workers)


WATCHED = """
import multiprocessing, os, sys, time
from frist import batch

def worker(parent):
    batch._die_with_parent(parent, use_prctl=False)
    time.sleep(120)

if __name__ == "__main__":
    child = multiprocessing.get_context("fork").Process(target=worker, args=(os.getpid(),))
    child.start()
    print(child.pid, flush=True)
    time.sleep(120)
"""


@linux_only
def test_without_the_kernels_help_a_worker_still_ends_with_its_parent():
    """The fallback where prctl is not available: the worker polls its parent's pid."""
    process = subprocess.Popen([sys.executable, "-c", WATCHED], stdout=subprocess.PIPE, text=True)
    pid = int(process.stdout.readline())
    worker = (pid, _stat(pid)[19])
    try:
        time.sleep(batch.PARENT_POLL_SECONDS)
        assert alive(worker)
        process.kill()
        process.wait()
        assert wait_until(lambda: not alive(worker), 4 * batch.PARENT_POLL_SECONDS, step=0.05)
    finally:
        process.kill()
        kill_all([worker])


DEADLY_PRELOAD = """
import os, signal
from frist import batch

def deadly(module, person, *rest, check_person=batch.check_person):
    if person.id == "p007":
        os.kill(os.getpid(), signal.SIGKILL)
    return check_person(module, person, *rest)

def deadly_chunk(chunk, *rest, check_chunk=batch.check_chunk):  # the columnar engine's partitions
    if any(person.id == "p007" for person in chunk.persons):
        os.kill(os.getpid(), signal.SIGKILL)
    return check_chunk(chunk, *rest)

if batch.check_person.__name__ != "deadly":  # once: Dask may run a preload script more than once in a worker
    batch.check_person = deadly
    batch.check_chunk = deadly_chunk
"""


def test_a_partition_that_kills_its_dask_workers_becomes_error_records(tmp_path, clean):
    """The Dask worker runs a preload script (Dask's own start-up hook) that kills it on p007.

    One worker, given one task at a time (worker-saturation 1.0): a death is charged to the task it
    was running only, and the worker that takes its place holds nothing of the one that died."""
    distributed = pytest.importorskip("distributed")
    dask = pytest.importorskip("dask")
    path = tmp_path / "small.jsonl"
    path.write_text("".join(line + "\n" for line in clean.path.read_text("utf-8").splitlines()[:15]), encoding="utf-8")
    preload = tmp_path / "deadly.py"
    preload.write_text(DEADLY_PRELOAD, encoding="utf-8")
    local = run(path, tmp_path / "local", partition_size=5)
    settings = {"distributed.scheduler.allowed-failures": 1, "distributed.scheduler.worker-saturation": 1.0}
    with dask.config.set(settings), \
            distributed.LocalCluster(n_workers=1, processes=True, threads_per_worker=1, host="127.0.0.1",
                                     dashboard_address=None, preload=[str(preload)], silence_logs=50) as cluster:
        summary = run(path, tmp_path / "dask", partition_size=5, engine="dask", scheduler=cluster.scheduler_address)
    assert summary.lost == 1 and summary.persons == local.persons == summary.reports + summary.errors
    found, expected = records(tmp_path / "dask"), records(tmp_path / "local")
    assert [r["id"] for r in found] == [r["id"] for r in expected]
    assert found[:5] + found[10:] == expected[:5] + expected[10:]
    for record in found[5:10]:  # the partition of p007
        assert record["status"] == "error"
        assert record["error"].startswith(f"{path}:{clean.lines[record['id']]}:1: error: not checked: the Dask "
                                          f"workers checking its partition died ")


# ---------------------------------------------------------------------------- rows, pipes, Parquet

def test_an_over_long_row_is_a_located_error_record_and_the_others_are_checked(each_engine, tmp_path, clean):
    lines = clean.path.read_text("utf-8").splitlines()[:6]
    big = json.dumps({**json.loads(lines[1]), "id": "big", "note": "x" * (batch.MAX_ROW_BYTES + 10)})
    path = tmp_path / "big.jsonl"
    path.write_text("\n".join([lines[0], big, *lines[2:]]) + "\n", encoding="utf-8")
    summary = run(path, tmp_path / "out")
    assert (summary.persons, summary.reports, summary.errors) == (6, 5, 1)
    found = records(tmp_path / "out")
    assert [r["status"] for r in found] == ["ok", "error", "ok", "ok", "ok", "ok"]
    assert found[1] == {"id": None, "status": "error", "error": (
        f"{path}:2:1: error: line is {len(big.encode()):,} bytes long, over the limit of 1,048,576 bytes a row\n"
        f"  hint: a row holds one person's timeline, a few kB; check how the file was written "
        f"(--max-row-bytes N, or run_batch(..., max_row_bytes=N), sets another limit)")}
    assert batch.MAX_ROW_BYTES == 1 << 20


def test_the_row_limit_is_exact_and_an_over_long_line_is_not_held_in_memory(tmp_path):
    path = tmp_path / "rows.jsonl"
    fits, over = '{"id": "%s"}' % ("a" * 90), '{"id": "%s"}' % ("b" * 91)  # 100 and 101 bytes
    path.write_bytes(f"{fits}\n{over}\n{fits}\n{over}".encode())  # the last line without its newline
    rows = list(batch._jsonl_rows(path, 100))
    assert [(n, row is not None) for n, row, _ in rows] == [(1, True), (2, False), (3, True), (4, False)]
    assert [f"{p.span} {p.message}" for _, _, p in rows if p is not None] == \
        [f"{path}:{n}:1 line is 101 bytes long, over the limit of 100 bytes a row" for n in (2, 4)]
    path.write_bytes(fits.encode())
    assert [row for _, row, _ in batch._jsonl_rows(path, 100)] == [json.loads(fits)]

    huge = tmp_path / "huge.jsonl"
    with huge.open("wb") as handle:
        handle.write(b'{"id": "h", "note": "' + b"x" * (24 << 20) + b'"}\n{"id": "after"}\n')
    tracemalloc.start()
    try:
        rows = list(batch._jsonl_rows(huge, batch.MAX_ROW_BYTES))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert [row for _, row, _ in rows] == [None, {"id": "after"}]
    assert rows[0][2].message == f"line is {(24 << 20) + 21 + 2:,} bytes long, over the limit of 1,048,576 bytes a row"
    assert peak < 4 * batch.MAX_ROW_BYTES


def test_a_closed_stdout_ends_the_command_quietly(tmp_path, clean):
    """`frist batch ... | head -1`, with `head` gone before frist writes: no traceback, exit 141."""
    small = tmp_path / "small.jsonl"
    small.write_text("".join(clean.path.read_text("utf-8").splitlines(keepends=True)[:5]), encoding="utf-8")
    command = cli_command("batch", small, "--rules", RULES, "--as-of", AS_OF, "-o", tmp_path / "out", "--workers",
                          1, "--no-progress")
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    process.stdout.close()  # the reader has gone
    stderr = process.stderr.read()
    process.wait(timeout=120)
    assert (process.returncode, stderr) == (141, "")
    assert json.loads((tmp_path / "out" / "_summary.json").read_text("utf-8"))["persons"] == 5


def test_parquet_output_keeps_the_type_of_each_id(tmp_path, clean):
    document = {k: v for k, v in json.loads(clean.path.read_text("utf-8").splitlines()[0]).items() if k != "id"}
    path = tmp_path / "ids.jsonl"
    path.write_text("".join(json.dumps({"id": pid, **document}) + "\n" for pid in (1, "1", "p")), encoding="utf-8")
    for fmt in ("parquet", "jsonl"):
        summary = run(path, tmp_path / fmt, output_format=fmt)
        assert (summary.reports, summary.errors) == (3, 0)
        assert [r["id"] for r in records(tmp_path / fmt)] == [1, "1", "p"]
    table = pq.read_table(tmp_path / "parquet" / "part-00000.parquet")
    assert table.column("id").to_pylist() == ["1", "1", "p"]
    assert table.column("id_type").to_pylist() == ["number", "text", "text"]


def test_a_corrupt_parquet_row_group_is_reported_row_by_row_and_the_others_are_checked(each_engine, tmp_path, clean):
    rows = [json.loads(line) for line in clean.path.read_text("utf-8").splitlines() if line.startswith('{"id": "p')]
    table = [{"id": r["id"], "person": json.dumps(r["person"]), "events": json.dumps(r["events"])} for r in rows[:60]]
    good = tmp_path / "good.parquet"
    pq.write_table(pa.Table.from_pylist(table), good, row_group_size=20)
    chunk = pq.ParquetFile(good).metadata.row_group(1).column(2)  # row group 1's `events`
    data = bytearray(good.read_bytes())
    start = chunk.dictionary_page_offset or chunk.data_page_offset
    data[start:start + 16] = b"\xff" * 16  # its first page header
    path = tmp_path / "bad.parquet"
    path.write_bytes(bytes(data))
    summary = run(path, tmp_path / "out")
    assert (summary.persons, summary.reports, summary.errors) == (60, 40, 20)
    found = records(tmp_path / "out")
    assert [r["id"] for r in found[:20] + found[40:]] == [r["id"] for r in table[:20] + table[40:]]
    assert all(r["status"] == "ok" for r in found[:20] + found[40:])
    for row, record in enumerate(found[20:40], 21):
        assert record["id"] is None and record["status"] == "error"
        assert record["error"].startswith(f"{path}:{row}:1: error: rows 21–40 cannot be read (row group 1 of 3, "
                                          f"counted from 0): "), record["error"]
        assert record["error"].endswith("hint: the file is damaged here; write it again from its source")


def test_numbers_and_nesting_json_allows_but_python_cannot_read_are_located_error_records(tmp_path, capsys):
    good = {"id": "ok", "person": {"birth_date": "1990-05-17", "benefit": "dagpenge", "akasse": "FAK"},
            "events": [{"type": "registered", "date": "2024-03-01"}]}
    lines = [json.dumps(good),
             '{"id": "big", "person": {}, "events": [{"type": "wage_work", "date": "2024-03-05", "hours": '
             + "1" * 5000 + "}]}",
             '{"id": "deep", "person": ' + "[" * 200_000 + "]" * 200_000 + "}",
             json.dumps({**good, "id": "nan", "events": [{"type": "wage_work", "date": "2024-03-05",
                                                          "hours": float("nan")}]})]
    path = tmp_path / "odd.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, out, err = run_cli_batch(path, tmp_path / "out", "--max-row-bytes", "500000", capsys=capsys)
    assert code == 0 and "Traceback" not in err, err
    found = records(tmp_path / "out")
    assert [(r["id"], r["status"]) for r in found] == [("ok", "ok"), (None, "error"), (None, "error"),
                                                        ("nan", "error")]
    assert f"{path}:2:1: error: the line holds a number of more than 4300 digits" in found[1]["error"]
    assert f"{path}:3:1: error: the line's JSON nests too deep to read" in found[2]["error"]
    assert f"{path}:4:1: error: event 1 (wage_work) field `hours`: `nan` is not a number" in found[3]["error"]


def run_cli_batch(path, out, *more, capsys):
    from helpers import run_cli

    return run_cli(["batch", path, "--rules", RULES, "--as-of", AS_OF, "-o", out, "--workers", "1", *more], capsys)
