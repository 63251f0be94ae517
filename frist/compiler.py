"""Compile a rule book into an importable checker module, with a cache.

The cache key is a hash of the rule book's text, the compiler version and
the Python version, so a change to any of them compiles afresh.  Cached
modules live in ``$FRIST_CACHE_DIR`` (default ``~/.cache/frist``) and are
written atomically.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import sys
import tempfile
from pathlib import Path
from types import ModuleType

from . import __version__, codegen, rulebook
from .source import DEFAULT_LIMITS, Limits, read_file


def cache_dir() -> Path:
    root = os.environ.get("FRIST_CACHE_DIR") or os.path.join(os.path.expanduser("~"), ".cache", "frist")
    return Path(root)


def cache_key(text: str) -> str:
    material = "\0".join([text, __version__, sys.version])
    return hashlib.sha256(material.encode("utf-8")).hexdigest()[:32]


def load_module(source: str, name: str, filename: str) -> ModuleType:
    spec = importlib.util.spec_from_loader(name, loader=None, origin=filename)
    module = importlib.util.module_from_spec(spec)
    module.__file__ = filename
    exec(compile(source, filename, "exec"), module.__dict__)  # the generated source holds constants only
    return module


def compile_source(path: str | Path, limits: Limits = DEFAULT_LIMITS) -> str:
    """Load, check and generate: the checker module's Python source."""
    return codegen.generate(rulebook.load(path, limits))


def compile_rulebook(book: rulebook.RuleBook) -> ModuleType:
    """The checker module for an already loaded rule book (no cache)."""
    return load_module(codegen.generate(book), "frist_rules_loaded", f"<frist {book.path}>")


def compile_rules(path: str | Path, *, use_cache: bool = True, limits: Limits = DEFAULT_LIMITS) -> ModuleType:
    """The checker module for a rule book, from the cache when it is fresh."""
    document, text = read_file(path, limits)
    key = cache_key(text)
    target = cache_dir() / f"rules_{key}.py"
    if use_cache and target.exists():
        try:
            return load_module(target.read_text("utf-8"), f"frist_rules_{key}", str(target))
        except (OSError, SyntaxError):
            pass  # a damaged cache entry is rebuilt below
    book = rulebook.load_document(document, text, str(path))
    source = codegen.generate(book)
    if use_cache:
        _write_atomic(target, source)
    return load_module(source, f"frist_rules_{key}", str(target) if use_cache else f"<frist {path}>")


def _write_atomic(target: Path, text: str) -> None:
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix=".py")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, target)
    except OSError:
        pass  # an unwritable cache only costs speed
