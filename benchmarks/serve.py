"""The ``serve`` section of ``python -m benchmarks``: the HTTP service under load.

``frist serve`` runs in a child process (one uvicorn worker, as the command starts it, access log
included), on a free port of 127.0.0.1.  Then ``clients`` clients, each on its own keep-alive
connection, send one request after another for ``seconds`` seconds: first ``POST /check`` with a
persona's timeline as JSON, then ``GET /health``.  Printed: requests/s, and the latency each
client saw, median and 99th percentile.  The clients are asyncio tasks in this process, so on a
machine of few cores they share them with the server: the figures are of the pair.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

from .measure import percentile
from .targets import line, seconds

ROOT = Path(__file__).resolve().parent.parent
PERSONA = "young-graduate-2024"
AS_OF = "2024-09-01"  # the check date of the persona's expected report
clock = time.perf_counter


def run(rules: str, cache: Path, mode: dict) -> None:
    """Start the service, load it, print the figures, stop it."""
    from frist.source import read_file

    spec = mode["serve"]
    document, _ = read_file(ROOT / "examples" / f"{PERSONA}.yaml")
    body = json.dumps(document, ensure_ascii=False).encode("utf-8")
    print(f"\nserve: frist serve in a child process (1 worker), {spec['clients']} clients on keep-alive "
          f"connections, {spec['seconds']:g} s an endpoint; load average before: {os.getloadavg()[0]:.1f}")
    log = cache / "serve.log"
    cache.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    with open(log, "wb") as sink:
        child = subprocess.Popen([sys.executable, "-m", "frist.cli", "serve", "--rules", rules, "--port", str(port)],
                                 stdout=sink, stderr=sink)
        try:
            url = f"http://127.0.0.1:{port}"
            started = _wait_until_up(url, child, log)
            print(line("start-up, until /health answers", seconds(started)))
            print(f"  POST /check: examples/{PERSONA}.yaml as JSON ({len(body):,} bytes), as_of {AS_OF}")
            cases = [("POST /check",
                      {"method": "POST", "url": f"{url}/check", "params": {"as_of": AS_OF}, "content": body,
                       "headers": {"Content-Type": "application/json"}}),
                     ("GET /health", {"method": "GET", "url": f"{url}/health"})]
            for name, request in cases:
                found = asyncio.run(_load(request, spec["clients"], spec["seconds"]))
                _report(name, found)
        finally:
            child.terminate()
            child.wait(timeout=30)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_until_up(url: str, child, log: Path) -> float:
    import httpx

    began = clock()
    while True:
        if child.poll() is not None:
            raise RuntimeError(f"frist serve ended (exit {child.returncode}):\n{log.read_text('utf-8')}")
        try:
            if httpx.get(f"{url}/health").status_code == 200:
                return clock() - began
        except httpx.TransportError:
            pass
        if clock() - began > 120:
            raise RuntimeError("frist serve did not answer within 120 s")
        time.sleep(0.05)


async def _load(request: dict, clients: int, duration: float) -> dict:
    """``clients`` tasks sending ``request`` one after another until ``duration`` has passed (after a
    warm-up of a few requests each): every latency, and the requests that did not answer 200."""
    import httpx

    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(limits=limits, timeout=60) as client:
        warm = await asyncio.gather(*(client.request(**request) for _ in range(clients * 2)))
        latencies, failures = [], []
        stop = clock() + duration

        async def one_client():
            while clock() < stop:
                sent = clock()
                response = await client.request(**request)
                latencies.append(clock() - sent)
                if response.status_code != 200:
                    failures.append(response.status_code)

        began = clock()
        await asyncio.gather(*(one_client() for _ in range(clients)))
        return {"latencies": latencies, "failures": failures, "wall": clock() - began,
                "response": len(warm[0].content)}


def _report(name: str, found: dict) -> None:
    latencies = found["latencies"]
    print(line(f"{name}: requests (not 200); bytes a response",
               f"{len(latencies):,} ({len(found['failures'])}); {found['response']:,}"))
    print(line(f"{name}: requests/s", f"{len(latencies) / found['wall']:,.0f}"))
    print(line(f"{name}: latency p50 / p99",
               f"{seconds(percentile(latencies, 50))} / {seconds(percentile(latencies, 99))}"))
