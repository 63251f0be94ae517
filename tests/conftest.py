import datetime as dt
import importlib.util
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

import frist
from frist.compiler import compile_rules

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "rules.yaml"
# the construct tests run on a small, fixed rule book (one rule per construct), so that
# rules added to the shipped book do not change what they measure
STARTER = ROOT / "tests" / "fixtures" / "starter-rules.yaml"


@pytest.fixture(autouse=True, scope="session")
def _cache_dir(tmp_path_factory):
    mp = pytest.MonkeyPatch()
    mp.setenv("FRIST_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
    yield
    mp.undo()


@pytest.fixture(scope="session")
def module(_cache_dir):
    return compile_rules(RULES, use_cache=False)


PERSON = {"birth_date": "1985-06-15", "benefit": "dagpenge", "insurance": "fulltime", "akasse": "FAK"}


@pytest.fixture(scope="session")
def starter(_cache_dir):
    return compile_rules(STARTER, use_cache=False)


def _runner(module):
    def _run(events, as_of, cv=True, **person):
        if cv:
            events = events + [{"type": "cv_created", "date": e["date"]} for e in events if e["type"] == "registered"]
        document = {"person": {**PERSON, **person}, "events": events}
        return frist.check(document, rules=module, as_of=as_of)

    return _run


@pytest.fixture
def run_full(module):
    """Like ``run``, on the shipped rule book."""
    return _runner(module)


@pytest.fixture
def run(starter):
    """Check a small timeline: ``run(events, as_of, **person_facts)``.

    Unless ``cv=False``, a CV is created on the day of each registration, so that
    tests of other rules are not disturbed by the CV rules.
    """

    return _runner(starter)


def results(report, rule_id):
    return [r for r in report.results if r.rule.id == rule_id]


def one(report, rule_id):
    found = results(report, rule_id)
    assert len(found) == 1, [(r.instance, r.status) for r in found]
    return found[0]


def unpaid_days(report):
    """Every day the benefit status says dagpenge are not payable."""
    days = set()
    for p in report.benefit["periods"]:
        if not p["payable"]:
            day = dt.date.fromisoformat(p["from"])
            while day <= dt.date.fromisoformat(p["to"]):
                days.add(day)
                day += dt.timedelta(days=1)
    return days


def d(text):
    return dt.date.fromisoformat(text)


def span(first, last):
    day, out = d(first), set()
    while day <= d(last):
        out.add(day)
        day += dt.timedelta(days=1)
    return out


# batch tests that take ``each_engine`` run with both batch engines: the per-timeline one (local) and the
# columnar one; their ``run`` helpers read the engine from ENGINE
ENGINE = ["local"]


@pytest.fixture(params=["local", "columnar"])
def each_engine(request):
    if request.param == "columnar":
        pytest.importorskip("frist.columnar.read")
    ENGINE[0] = request.param
    yield request.param
    ENGINE[0] = "local"


# The columnar engine's evaluators compile for minutes on their first use on an installation (numba keeps
# them in its cache afterwards).  When the run holds tests that need them, a child process compiles them
# from the start, on the other core, while the tests that do not need them run first.
WARM = ("from pathlib import Path; from frist.columnar import engine; "
        "engine.warm(engine.compile_book(Path(%r).read_text('utf-8')))")
_warming: list = []


def needs_kernel(item) -> bool:
    """Does the test run the columnar engine's compiled evaluators (itself, through a batch, or on Dask)?"""
    callspec = getattr(item, "callspec", None)
    return (item.path.name.startswith("test_columnar_") or "columnar" in item.name or "dask" in item.name
            or (callspec is not None and callspec.params.get("each_engine") == "columnar"))


def pytest_collection_modifyitems(config, items):
    items.sort(key=needs_kernel)  # stable: the tests that need the evaluators last, in their own order
    if any(needs_kernel(item) for item in items) and importlib.util.find_spec("numba") is not None:
        log = tempfile.NamedTemporaryFile(prefix="frist-warm-", suffix=".log", delete=False)
        env = {**os.environ, "FRIST_CACHE_DIR": tempfile.mkdtemp(prefix="frist-warm-cache-")}
        _warming.append((subprocess.Popen([sys.executable, "-c", WARM % str(RULES)], stdout=log, stderr=log,
                                          env=env, cwd=ROOT), log.name))


def pytest_runtest_setup(item):
    if _warming and needs_kernel(item):
        child, log = _warming.pop()
        if child.wait() != 0:  # the tests then compile for themselves, and show any real error
            print(f"compiling the columnar evaluators ahead failed: see {log}", file=sys.stderr)


def pytest_sessionfinish(session, exitstatus):
    for child, _ in _warming:
        child.kill()
        child.wait()
