"""Batch throughput and peak memory: :func:`frist.batch.run_batch` on populations
read from Parquet, each run in a fresh process.

The parent starts ``python -m benchmarks.batchrun INPUT OUTPUT ...`` and, while
it runs, samples the resident memory of the child and of every process below it
(the workers) with psutil: the peak of their sum is the figure printed.  Summed
RSS counts pages the workers share with the parent more than once, so it errs
high.  Without psutil the child's own ``getrusage`` figures give a bound: the
parent's peak plus ``workers`` times the largest worker's peak.

The child prints one line ``BENCH-RESULT {json}`` with the summary and its
``getrusage`` figures.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from . import population

MARK = "BENCH-RESULT "
SUMMARY_FIELDS = ("persons", "reports", "errors", "violations", "partitions", "skipped", "seconds")


def ensure_population(cache_dir: Path, count: int, seed: int) -> tuple:
    """The Parquet file of ``count`` timelines, generated unless cached: ``(path, seconds spent)``."""
    path = population.parquet_path(cache_dir, count, seed)
    if path.exists():
        return path, 0.0
    start = time.perf_counter()
    population.write_parquet(path, count, seed)
    return path, time.perf_counter() - start


def run(input_path: Path, out_dir: Path, *, rules: str, engine: str, workers: int | None,
        partition_size: int, frist_cache: Path) -> dict:
    """One batch run in a child process: the child's result, ``wall`` seconds and ``peak`` bytes."""
    shutil.rmtree(out_dir, ignore_errors=True)
    command = [sys.executable, "-m", "benchmarks.batchrun", str(input_path), str(out_dir), "--rules", rules,
               "--as-of", population.AS_OF.isoformat(), "--engine", engine,
               "--partition-size", str(partition_size)]
    if workers:
        command += ["--workers", str(workers)]
    env = dict(os.environ, FRIST_CACHE_DIR=str(frist_cache))
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        child = subprocess.Popen(command, stdout=out, stderr=err, env=env)
        peak = _watch(child)
        wall = time.perf_counter() - start
        out.seek(0)
        err.seek(0)
        lines = [x for x in out.read().splitlines() if x.startswith(MARK)]
        if child.returncode != 0 or not lines:
            tail = err.read().strip().splitlines()[-6:]
            return {"failed": child.returncode, "stderr": tail, "wall": wall}
    result = json.loads(lines[-1][len(MARK):])
    result["wall"], result["peak_sampled"] = wall, peak
    return result


def _watch(child: subprocess.Popen, every: float = 0.2):
    """Wait for ``child``; the peak of the summed RSS of it and its descendants (None without psutil)."""
    try:
        import psutil
    except ImportError:
        child.wait()
        return None
    peak = 0
    root = psutil.Process(child.pid)
    while child.poll() is None:
        try:
            total = root.memory_info().rss
            for proc in root.children(recursive=True):
                try:
                    total += proc.memory_info().rss
                except (psutil.NoSuchProcess, psutil.AccessDenied):
                    pass
            peak = max(peak, total)
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            pass
        time.sleep(every)
    return peak


def rusage_bound(result: dict) -> int:
    """Without sampling: the child's peak plus each worker at the largest worker's peak (bytes)."""
    workers = result.get("workers") or os.cpu_count()
    return (result["maxrss_self"] + workers * result["maxrss_children"]) * 1024


# ---------------------------------------------------------------------------- the child

def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.batchrun")
    parser.add_argument("input")
    parser.add_argument("output")
    parser.add_argument("--rules", default="rules.yaml")
    parser.add_argument("--as-of", required=True)
    parser.add_argument("--engine", default="local")
    parser.add_argument("--workers", type=int)
    parser.add_argument("--partition-size", type=int, default=1000)
    args = parser.parse_args(argv)
    from frist.batch import run_batch

    summary = run_batch(args.input, args.output, rules=args.rules, as_of=args.as_of, engine=args.engine,
                        workers=args.workers, partition_size=args.partition_size, progress=False)
    fields = dataclasses.asdict(summary) if dataclasses.is_dataclass(summary) else {}
    fields.update({name: getattr(summary, name) for name in SUMMARY_FIELDS if hasattr(summary, name)})
    result = {"summary": {k: fields.get(k) for k in SUMMARY_FIELDS},
              "workers": args.workers or os.cpu_count(),
              "maxrss_self": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
              "maxrss_children": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
              "cpu": sum(_cpu(resource.getrusage(who)) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))}
    print(MARK + json.dumps(result, default=str), flush=True)


def _cpu(usage) -> float:
    return usage.ru_utime + usage.ru_stime


if __name__ == "__main__":
    main()
