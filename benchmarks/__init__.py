"""frist's benchmarks: ``python -m benchmarks`` from the repository root.

* :mod:`benchmarks.population` — seeded synthetic caseloads (personas, ~50 events
  each), written to Parquet under ``build/bench`` and reused;
* :mod:`benchmarks.measure` — compile time, check time per timeline, the reference
  interpreter's speed, time against timeline length;
* :mod:`benchmarks.batchrun` — ``frist.batch.run_batch`` throughput and peak memory,
  each run in a fresh process;
* :mod:`benchmarks.targets` — the targets each figure is printed next to;
* :mod:`benchmarks.profiling` — ``--profile``: cProfile of checking timelines.

The targets are measured here, never asserted in tests.
"""
