"""The compiled-module cache: an entry runs only if this user's frist wrote it, anything
damaged is rebuilt from the rule book, and only a directory no one else can write is used."""

import marshal
import os
import shutil
import stat
from pathlib import Path

import pytest

import frist
from frist import compiler
from frist.compiler import cache_dir, cache_key, compile_rules, package_digest

from helpers import PERSON, RULES, RULES_TEXT, run_cli

TIMELINE = PERSON + "  - {type: registered, date: 2024-03-04}\n"


@pytest.fixture(autouse=True)
def cache(tmp_path, monkeypatch):
    """A cache directory of this test only (not created yet)."""
    directory = tmp_path / "cache"
    monkeypatch.setenv("FRIST_CACHE_DIR", str(directory))
    return directory


@pytest.fixture
def builds(monkeypatch):
    """How often the rule book was compiled from its text (a cache hit compiles nothing)."""
    calls = []
    generate = frist.codegen.generate

    def counted(book):
        calls.append(book.path)
        return generate(book)

    monkeypatch.setattr(frist.codegen, "generate", counted)
    return calls


@pytest.fixture(scope="module")
def expected():
    """What the starter rule book compiles to, without any cache."""
    return fingerprint(compile_rules(RULES, use_cache=False))


def fingerprint(module):
    return module.BOOK["digest"], [r.id for r in module.RULES], [c.__name__ for c in module.CHECKERS]


def entry(text=RULES_TEXT) -> Path:
    return cache_dir() / f"rules_{cache_key(text)}.code"


def planted_code(marker: Path):
    """Bytecode that leaves ``marker`` behind when it runs, and defines every name a checker module has."""
    source = (f"open({str(marker)!r}, 'w').write('ran')\n"
              "BOOK = {'digest': 'planted'}\nRULES = APPLIES = CHECKERS = ()\nFAMILIES = {}\n")
    return compile(source, "planted", "exec")


# a module an earlier frist might have cached, that no longer runs
FAILING = marshal.dumps(compile("raise RuntimeError('an entry gone bad')\n", "old", "exec"))


def seal(payload: bytes, text=RULES_TEXT) -> bytes:
    """An entry with a valid tag, as frist itself would write it (for entries that go bad later)."""
    return compiler._open_cache().seal(cache_key(text), payload)


def assert_hit_next(builds, expected):
    """The entry was rebuilt: the next compile loads it from the cache."""
    before = len(builds)
    module = compile_rules(RULES)
    assert fingerprint(module) == expected
    assert len(builds) == before, "the rebuilt entry was not used"
    assert module.__file__ == str(cache_dir() / f"rules_{cache_key(RULES_TEXT)}.py")


# ---------------------------------------------------------------------------- planting


@pytest.mark.parametrize("form", ["bare bytecode", "forged tag", "another book's entry"])
def test_a_planted_entry_is_never_run(form, tmp_path, builds, expected):
    marker = tmp_path / "ran"
    compile_rules(RULES)  # the directory and its secret exist, as on any machine that used frist
    payload = marshal.dumps(planted_code(marker))
    if form == "bare bytecode":
        planted = payload
    elif form == "forged tag":
        planted = compiler._MAGIC + bytes(compiler._TAG_SIZE) + payload
    else:  # a genuine entry, copied under this rule book's name
        other = RULES_TEXT + "# another rule book\n"
        compile_rules(_write(tmp_path / "other.yaml", other))
        planted = entry(other).read_bytes()
    entry().write_bytes(planted)
    module = compile_rules(RULES)
    assert not marker.exists(), "the planted entry was executed"
    assert fingerprint(module) == expected
    assert entry().read_bytes() != planted
    assert_hit_next(builds, expected)


def test_a_planted_entry_in_a_new_cache_is_never_run(tmp_path, expected):
    """Planted before frist ever ran: there is no secret yet, so nothing can verify."""
    marker = tmp_path / "ran"
    cache_dir().mkdir(mode=0o700)
    entry().write_bytes(marshal.dumps(planted_code(marker)))
    assert fingerprint(compile_rules(RULES)) == expected
    assert not marker.exists()


# ---------------------------------------------------------------------------- damage


def _truncate(data):
    return data[: len(data) // 2]


def _flip_payload(data):
    return data[:-100] + bytes([data[-100] ^ 1]) + data[-99:]


def _flip_tag(data):
    at = len(compiler._MAGIC)
    return data[:at] + bytes([data[at] ^ 1]) + data[at + 1:]


@pytest.mark.parametrize("damage", [_truncate, _flip_payload, _flip_tag, lambda data: b""],
                         ids=["truncated", "flipped payload byte", "flipped tag byte", "empty"])
def test_a_damaged_entry_is_rebuilt(damage, builds, expected):
    compile_rules(RULES)
    entry().write_bytes(damage(entry().read_bytes()))
    assert fingerprint(compile_rules(RULES)) == expected
    assert len(builds) == 2
    assert_hit_next(builds, expected)


def test_a_link_in_an_entrys_place_is_not_followed(tmp_path, builds, expected):
    compile_rules(RULES)
    elsewhere = tmp_path / "elsewhere.code"
    entry().rename(elsewhere)  # a genuine entry: only the link makes it unacceptable
    entry().symlink_to(elsewhere)
    assert fingerprint(compile_rules(RULES)) == expected
    assert len(builds) == 2 and not entry().is_symlink()
    assert_hit_next(builds, expected)


@pytest.mark.parametrize("payload", [
    pytest.param(FAILING, id="raises when run"),
    pytest.param(marshal.dumps(compile("BOOK = {}\n", "old", "exec")), id="lacks CHECKERS"),
    pytest.param(b"\xffnot marshal data", id="not bytecode"),
    pytest.param(marshal.dumps(42), id="not a code object"),
])
def test_an_entry_that_fails_to_load_is_rebuilt(payload, builds, expected):
    """Entries that verify (as if an earlier frist wrote them) but do not give a checker module."""
    compile_rules(RULES)
    entry().write_bytes(seal(payload))
    assert fingerprint(compile_rules(RULES)) == expected
    assert len(builds) == 2
    assert_hit_next(builds, expected)


@pytest.mark.parametrize("damage", ["planted", "truncated", "raises when run"])
def test_check_reports_normally_whatever_is_in_the_cache(damage, tmp_path, capsys):
    timeline = _write(tmp_path / "timeline.yaml", TIMELINE)
    argv = ["check", timeline, "--rules", RULES, "--as-of", "2024-06-01"]
    clean = run_cli(argv + ["--no-cache"], capsys)
    assert clean[0] == 0, clean
    run_cli(argv, capsys)  # a genuine entry
    marker = tmp_path / "ran"
    if damage == "planted":
        entry().write_bytes(marshal.dumps(planted_code(marker)))
    elif damage == "truncated":
        entry().write_bytes(_truncate(entry().read_bytes()))
    else:
        entry().write_bytes(seal(FAILING))
    code, out, err = run_cli(argv, capsys)
    assert "Traceback" not in err, err
    assert (code, out, err) == clean
    assert not marker.exists()


# ---------------------------------------------------------------------------- the key


def test_the_key_covers_the_compilers_code(monkeypatch, builds):
    base = cache_key(RULES_TEXT)
    compile_rules(RULES)
    monkeypatch.setattr(compiler, "compiler_digest", lambda: "a changed code generator")
    assert cache_key(RULES_TEXT) != base
    compile_rules(RULES)
    assert len(builds) == 2, "a changed compiler loaded the old module"


@pytest.fixture(scope="module")
def package_copy(tmp_path_factory):
    copy = tmp_path_factory.mktemp("package") / "frist"
    shutil.copytree(Path(frist.__file__).parent, copy, ignore=shutil.ignore_patterns("__pycache__"))
    return copy


def test_the_compiler_digest_is_the_packages_content(package_copy):
    assert compiler.compiler_digest() == package_digest(Path(frist.__file__).parent) == package_digest(package_copy)


@pytest.mark.parametrize("name", ["codegen.py", "runtime/engine.py", "grammar/frist.lark", "schema/rules.schema.json"])
def test_a_changed_package_file_changes_the_digest(name, package_copy):
    base = package_digest(package_copy)
    target = package_copy / name
    original = target.read_bytes()
    try:
        target.write_bytes(original + b"\n")
        assert package_digest(package_copy) != base
    finally:
        target.write_bytes(original)
    (package_copy / "__pycache__").mkdir(exist_ok=True)
    (package_copy / "__pycache__" / "codegen.cpython.pyc").write_bytes(b"bytecode is not source")
    assert package_digest(package_copy) == base


# ---------------------------------------------------------------------------- the directory


def test_the_cache_is_private(cache, tmp_path):
    old = os.umask(0)  # even a permissive umask gives a private cache
    try:
        compile_rules(RULES)
    finally:
        os.umask(old)
    assert stat.S_IMODE(cache.stat().st_mode) == 0o700
    files = {p.name: stat.S_IMODE(p.stat().st_mode) for p in cache.iterdir()}
    assert set(files) == {"secret.key", entry().name, entry().with_suffix(".py").name}
    assert set(files.values()) == {0o600}


def test_a_secret_others_can_read_is_replaced(cache, builds, expected):
    compile_rules(RULES)
    secret = cache / "secret.key"
    before = secret.read_bytes()
    secret.chmod(0o644)
    assert fingerprint(compile_rules(RULES)) == expected
    assert secret.read_bytes() != before and stat.S_IMODE(secret.stat().st_mode) == 0o600
    assert len(builds) == 2, "an entry sealed with the exposed secret was trusted"
    assert_hit_next(builds, expected)


@pytest.mark.parametrize("mode", [0o777, 0o770, 0o1777], ids=oct)
def test_a_directory_others_can_write_is_not_used(mode, cache, tmp_path, capsys, builds, expected):
    cache.mkdir()
    cache.chmod(mode)
    _unused_directory_checks(cache, tmp_path, capsys, builds, expected, "others can write to it")


@pytest.mark.skipif(not hasattr(os, "chown") or os.geteuid() != 0, reason="giving a directory away needs root")
def test_a_directory_of_another_user_is_not_used(cache, tmp_path, capsys, builds, expected):
    cache.mkdir(mode=0o700)
    os.chown(cache, os.getuid() + 1, -1)
    _unused_directory_checks(cache, tmp_path, capsys, builds, expected, "it belongs to another user")


def _unused_directory_checks(cache, tmp_path, capsys, builds, expected, reason):
    marker = tmp_path / "ran"
    entry().write_bytes(marshal.dumps(planted_code(marker)))
    planted = sorted(cache.iterdir())
    for _ in range(2):
        assert fingerprint(compile_rules(RULES)) == expected
    assert not marker.exists()
    assert len(builds) == 2, "a directory others can write was used as a cache"
    assert sorted(cache.iterdir()) == planted, "frist wrote into a directory others can write"
    err = capsys.readouterr().err
    assert err.count(f"frist: not using the cache {cache}: {reason}") == 1, err


def test_check_works_without_a_usable_cache(cache, tmp_path, capsys):
    cache.mkdir()
    cache.chmod(0o777)
    timeline = _write(tmp_path / "timeline.yaml", TIMELINE)
    code, out, err = run_cli(["check", timeline, "--rules", RULES, "--as-of", "2024-06-01"], capsys)
    assert code == 0 and "Traceback" not in err, err
    assert "not using the cache" in err and "hint: set FRIST_CACHE_DIR" in err
    assert out.startswith("frist-rapport pr. 2024-06-01")


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path
