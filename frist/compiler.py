"""Compile a rule book into an importable checker module, with a cache.

The cache key is a hash of the rule book's text, the compiler version and
the Python version, so a change to any of them compiles afresh.  Cached
modules live in ``$FRIST_CACHE_DIR`` (default ``~/.cache/frist``) and are
written atomically.
"""

from __future__ import annotations

import hashlib
import importlib.util
import marshal
import os
import sys
import tempfile
from pathlib import Path
from types import ModuleType

from . import __version__, codegen, rulebook
from .source import DEFAULT_LIMITS, Limits, parse_text, read_text


def cache_dir() -> Path:
    root = os.environ.get("FRIST_CACHE_DIR") or os.path.join(os.path.expanduser("~"), ".cache", "frist")
    return Path(root)


def cache_key(text: str) -> str:
    material = "\0".join([text, __version__, sys.version])
    return hashlib.sha256(material.encode("utf-8")).hexdigest()[:32]


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

    A cache hit reads the file's text only to hash it and loads the module's
    bytecode, kept next to its source; the key covers the Python version, so the
    bytecode always fits the interpreter.
    """
    return compile_text(read_text(path, limits), str(path), use_cache=use_cache, limits=limits)


def compile_text(text: str, path: str, *, use_cache: bool = True, limits: Limits = DEFAULT_LIMITS) -> ModuleType:
    """The checker module for a rule book's text (``path`` names it in messages), cached
    like :func:`compile_rules`."""
    key = cache_key(text)
    name = f"frist_rules_{key}"
    target = cache_dir() / f"rules_{key}.py"
    if use_cache:
        try:
            code = marshal.loads(target.with_suffix(".code").read_bytes())
            return _module(code, name, str(target))
        except (OSError, ValueError, EOFError, TypeError):
            pass  # no cache entry yet, or a damaged one: build it
    document = parse_text(text, str(path), limits)
    book = rulebook.load_document(document, text, str(path))
    source = codegen.generate(book)
    filename = str(target) if use_cache else f"<frist {path}>"
    code = compile(source, filename, "exec")  # the generated source holds constants only
    if use_cache:
        _write_atomic(target, source.encode("utf-8"))
        _write_atomic(target.with_suffix(".code"), marshal.dumps(code))
    return _module(code, name, filename)


def _module(code, name: str, filename: str) -> ModuleType:
    spec = importlib.util.spec_from_loader(name, loader=None, origin=filename)
    module = importlib.util.module_from_spec(spec)
    module.__file__ = filename
    exec(code, module.__dict__)
    return module


def _write_atomic(target: Path, data: bytes) -> None:
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix=target.suffix)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, target)
    except OSError:
        pass  # an unwritable cache only costs speed
