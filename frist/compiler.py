"""Compile a rule book into an importable checker module, with a cache.

The cache key is a hash of the rule book's text, the compiler version, the
Python version and the compiler's own code (every source file of the package),
so a change to any of them compiles afresh.  Cached modules live in
``$FRIST_CACHE_DIR`` (default ``~/.cache/frist``) and are written atomically.

A cache entry runs only if it was written by this user's frist: each entry
carries an HMAC-SHA256 under a secret kept in the cache directory, readable by
the user alone.  Whoever can write the directory but not read the secret cannot
forge an entry; an entry that does not verify, cannot be read or fails to load
is removed and rebuilt from the rule book.  A directory that others can write
(or that belongs to someone else) is not used at all: the rule book is then
compiled without the cache, and frist says so on stderr, once per process.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import importlib.util
import marshal
import os
import secrets
import stat
import sys
import tempfile
from pathlib import Path
from types import ModuleType

from . import __version__, codegen, rulebook
from .source import DEFAULT_LIMITS, Limits, parse_text, read_text

# the package files that shape generated code: sources, the grammar, the schema
_SHAPING_SUFFIXES = (".py", ".lark", ".json")
# names every checker module defines; an entry without them is damaged
_MODULE_NAMES = ("BOOK", "RULES", "APPLIES", "FAMILIES", "CHECKERS", "ORDER")
_MAGIC = b"frist-cache-entry-1\n"
_TAG_SIZE = 32  # HMAC-SHA256
_SECRET_NAME = "secret.key"
_SECRET_SIZE = 32
# ownership and permission bits mean nothing on Windows, where the profile directory is private
_POSIX = hasattr(os, "getuid")
# open without following a link and without blocking on a pipe planted under an entry's name
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
_warned: set = set()  # cache directories already reported as unusable by this process


def cache_dir() -> Path:
    root = os.environ.get("FRIST_CACHE_DIR") or os.path.join(os.path.expanduser("~"), ".cache", "frist")
    return Path(root)


def cache_key(text: str) -> str:
    material = "\0".join([text, __version__, sys.version, compiler_digest()])
    # surrogatepass: text that is not valid Unicode still gets a key, and then its located error from the parser
    return hashlib.sha256(material.encode("utf-8", "surrogatepass")).hexdigest()[:32]


@functools.cache
def compiler_digest() -> str:
    """A hash of this installation's compiler (computed once per process, about a millisecond)."""
    return package_digest(Path(__file__).resolve().parent)


def package_digest(root: Path) -> str:
    """A hash of the names and contents of the ``.py``, ``.lark`` and ``.json`` files under ``root``.

    Every source file counts, not only the code generator's: the generated module calls the
    runtime, so a changed runtime must not meet an old module either.
    """
    digest = hashlib.sha256()
    files = sorted(p for p in root.rglob("*") if p.suffix in _SHAPING_SUFFIXES)
    for path in files:
        digest.update(path.relative_to(root).as_posix().encode("utf-8", "surrogatepass") + b"\0")
        try:
            digest.update(hashlib.sha256(path.read_bytes()).digest())
        except OSError:
            digest.update(b"unreadable")  # then Python could not import it either; keep the key total
    return digest.hexdigest()


def load_module(source: str, name: str, filename: str) -> ModuleType:
    """A module from generated source (which holds constants and runtime calls only)."""
    return _module(compile(source, filename, "exec"), name, filename)


def compile_source(path: str | Path, limits: Limits = DEFAULT_LIMITS) -> str:
    """Load, check and generate: the checker module's Python source."""
    return codegen.generate(rulebook.load(path, limits))


def compile_rulebook(book: rulebook.RuleBook) -> ModuleType:
    """The checker module for an already loaded rule book (no cache)."""
    return load_module(codegen.generate(book), "frist_rules_loaded", f"<frist {book.path}>")


def compile_rules(path: str | Path, *, use_cache: bool = True, limits: Limits = DEFAULT_LIMITS) -> ModuleType:
    """The checker module for a rule book, from the cache when it is fresh.

    The module holds one checker per rule (``CHECKERS``), the rule book's data
    (``BOOK``, ``RULES``) and its families; pass it as ``rules=`` to :func:`check`
    to check many timelines without loading it again.  A bad rule book raises
    :class:`~frist.errors.RuleBookError`, located.

    A cache hit reads the file's text only to hash it, verifies the entry's HMAC
    and loads the module's bytecode; the key covers the Python version, so the
    bytecode always fits the interpreter.  A damaged entry is rebuilt.
    """
    return compile_text(read_text(path, limits), str(path), use_cache=use_cache, limits=limits)


def compile_text(text: str, path: str, *, use_cache: bool = True, limits: Limits = DEFAULT_LIMITS) -> ModuleType:
    """The checker module for a rule book's text (``path`` names it in messages), cached
    like :func:`compile_rules`."""
    key = cache_key(text)
    name = f"frist_rules_{key}"
    cache = _open_cache() if use_cache else None
    if cache is not None:
        module = cache.load(key, name)
        if module is not None:
            return module
    document = parse_text(text, str(path), limits)
    book = rulebook.load_document(document, text, str(path))
    source = codegen.generate(book)
    filename = str(cache.source_path(key)) if cache is not None else f"<frist {path}>"
    code = compile(source, filename, "exec")  # the generated source holds constants only
    module = _module(code, name, filename)
    if cache is not None:  # stored only once it has loaded, so the cache never keeps a module that fails
        cache.store(key, source, code)
    return module


def _module(code, name: str, filename: str) -> ModuleType:
    spec = importlib.util.spec_from_loader(name, loader=None, origin=filename)
    module = importlib.util.module_from_spec(spec)
    module.__file__ = filename
    exec(code, module.__dict__)
    return module


# ---------------------------------------------------------------------------- the cache


class _Damaged(Exception):
    """A cache file that is not what frist wrote there."""


class _Cache:
    """A private cache directory and its secret.

    Entry ``rules_<key>.code`` is ``_MAGIC``, then HMAC-SHA256(secret, magic + key + payload),
    then the payload (the module's marshalled bytecode).  The tag covers the key, so a genuine
    entry copied under another rule book's name does not verify either.  ``rules_<key>.py``
    beside it is the module's source, for people and tracebacks; it is never executed.
    """

    def __init__(self, directory: Path, secret: bytes):
        self.directory = directory
        self.secret = secret

    def entry_path(self, key: str) -> Path:
        return self.directory / f"rules_{key}.code"

    def source_path(self, key: str) -> Path:
        return self.directory / f"rules_{key}.py"

    def seal(self, key: str, payload: bytes) -> bytes:
        """The bytes of an entry holding ``payload``."""
        return _MAGIC + self._tag(key, payload) + payload

    def load(self, key: str, name: str) -> ModuleType | None:
        """The cached module, or None after removing an entry that is not sound."""
        path = self.entry_path(key)
        try:
            code = marshal.loads(self._verified(key, _read_regular(path)[0]))
            module = _module(code, name, str(self.source_path(key)))
            if not all(hasattr(module, n) for n in _MODULE_NAMES):
                raise _Damaged(path)
            return module
        except FileNotFoundError:
            return None
        except Exception:  # noqa: BLE001 - whatever is wrong with an entry, the rule book rebuilds it
            _remove(path)
            return None

    def store(self, key: str, source: str, code) -> None:
        _write_atomic(self.source_path(key), source.encode("utf-8"))
        _write_atomic(self.entry_path(key), self.seal(key, marshal.dumps(code)))

    def _verified(self, key: str, data: bytes) -> bytes:
        """The payload of an entry whose tag verifies; only then may it be unmarshalled and run."""
        start = len(_MAGIC) + _TAG_SIZE
        head, tag, payload = data[:len(_MAGIC)], data[len(_MAGIC):start], data[start:]
        if head != _MAGIC or not hmac.compare_digest(tag, self._tag(key, payload)):
            raise _Damaged(key)
        return payload

    def _tag(self, key: str, payload: bytes) -> bytes:
        return hmac.new(self.secret, _MAGIC + key.encode("ascii") + payload, hashlib.sha256).digest()


def _open_cache() -> _Cache | None:
    """The cache, or None (said once on stderr) when its directory is unusable or not private.

    Why this stops planting: an entry runs only if its HMAC verifies under the secret, and the
    secret is a file only its owner can read.  Whoever can write the directory but cannot read
    the secret cannot forge an entry; a directory others can write is not used at all, so its
    files (the secret among them) are never trusted.  The secret lives with the cache, so it
    does not help against someone who can read your files: that someone is already you.
    """
    directory = cache_dir()
    try:
        problem = _unsafe(_private_dir(directory))
        if problem is None:
            return _Cache(directory, _secret(directory))
    except (OSError, ValueError) as exc:  # ValueError: a NUL byte in $FRIST_CACHE_DIR
        problem = f"it cannot be used ({getattr(exc, 'strerror', None) or exc})"
    _say_once(directory, problem)
    return None


def _private_dir(directory: Path) -> os.stat_result:
    """The directory's status, creating it (mode 0700) if it is missing."""
    try:
        return os.stat(directory)
    except FileNotFoundError:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)  # parents get the usual mode
        return os.stat(directory)


def _unsafe(status: os.stat_result) -> str | None:
    """Why a cache directory must not be used, or None."""
    if not stat.S_ISDIR(status.st_mode):
        return "it is not a directory"
    if _POSIX and status.st_uid != os.getuid():
        return "it belongs to another user"
    if _POSIX and status.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        return "others can write to it (`chmod go-w` it to use it)"
    return None


def _say_once(directory: Path, problem: str) -> None:
    if str(directory) in _warned:
        return
    _warned.add(str(directory))
    print(f"frist: not using the cache {directory}: {problem}; compiling without it\n"
          "  hint: set FRIST_CACHE_DIR to a directory only you can write",
          file=sys.stderr)


def _secret(directory: Path) -> bytes:
    """The cache's secret, created on first use."""
    path = directory / _SECRET_NAME
    for _ in range(3):  # bounded: another process may replace a bad secret at the same moment
        try:
            data, status = _read_regular(path)
        except FileNotFoundError:
            _create_secret(path)
            continue
        except OSError:  # e.g. a link in its place
            _remove(path)
            continue
        if len(data) == _SECRET_SIZE and _owner_only(status):
            return data
        # a damaged secret, or one others may have read, is replaced: every entry is then rebuilt
        _remove(path)
    raise OSError(f"no usable {_SECRET_NAME}")


def _create_secret(path: Path) -> None:
    """Write a new secret in full (0600, O_EXCL), then link it into place: the link never
    replaces a secret, so processes starting together all use the first one."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(secrets.token_bytes(_SECRET_SIZE))
        os.link(tmp, path)
    except FileExistsError:
        pass
    finally:
        _remove(Path(tmp))


def _owner_only(status: os.stat_result) -> bool:
    return not _POSIX or (status.st_uid == os.getuid() and not status.st_mode & 0o077)


def _read_regular(path: Path) -> tuple[bytes, os.stat_result]:
    """A regular file's bytes and status; anything else in its place raises OSError."""
    with open(os.open(path, _OPEN_FLAGS), "rb") as handle:
        status = os.fstat(handle.fileno())
        if not stat.S_ISREG(status.st_mode):
            raise _NotRegular(path)
        return handle.read(), status


class _NotRegular(OSError):
    """A link, pipe, device or directory where a cache file belongs."""


def _remove(path: Path) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass  # already gone, or not removable: the next write replaces it or the load fails again


def _write_atomic(target: Path, data: bytes) -> None:
    """Write ``target`` (mode 0600, as mkstemp creates it) so that readers see all of it or none."""
    try:
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix=target.suffix)
    except OSError:
        return  # an unwritable cache only costs speed
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, target)
    except OSError:
        _remove(Path(tmp))
