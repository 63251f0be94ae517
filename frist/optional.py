"""Optional packages, and the pip command that installs the extra holding each.

frist's distribution is called ``frist-dagpenge`` on the package index, because
the name ``frist`` belongs to an unrelated project there; the command and the
import stay ``frist``.  With frist installed (from the index or from a checkout),
``pip install "frist-dagpenge[batch]"`` adds the extra's packages and keeps frist
as it is.

>>> install_command("batch")
'pip install "frist-dagpenge[batch]"'
"""

from __future__ import annotations

import importlib
from types import ModuleType

from .errors import Diagnostic, FristError, Span

DISTRIBUTION = "frist-dagpenge"
EXTRAS = {  # the extra that holds each optional package, as pyproject.toml declares them
    "pyarrow": "batch",
    "dask": "batch",
    "distributed": "batch",
    "tqdm": "batch",
    "z3": "lint",
    "numpy": "columnar",
    "numba": "columnar",
    "polars": "columnar",
    "fastapi": "serve",
    "uvicorn": "serve",
    "pygls": "lsp",
}


def install_command(extra: str) -> str:
    """The pip command that adds an extra to an installed frist."""
    return f'pip install "{DISTRIBUTION}[{extra}]"'


def require(module: str, purpose: str) -> ModuleType:
    """Import an optional module, or raise a located error naming the extra to install."""
    try:
        return importlib.import_module(module)
    except ImportError:
        package = module.split(".")[0]
        extra = EXTRAS[package]
        raise FristError(Diagnostic(f"{purpose} needs the Python package `{package}`, which is not installed",
                                    Span("<command line>", 1, 1),
                                    hint=f"install the {extra} extra: {install_command(extra)}")) from None

