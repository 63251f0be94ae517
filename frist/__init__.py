"""frist: deadlines and duties of Danish unemployment benefits, as code.

>>> import frist
>>> report = frist.check("examples/young-graduate-2024.yaml", rules="rules.yaml", as_of="2024-09-01")  # doctest: +SKIP
>>> report.to_json()["summary"]  # doctest: +SKIP
"""

__version__ = "0.1.0"

from .errors import FristError, RuleBookError, TimelineError  # noqa: E402
from .compiler import compile_rules, compile_source  # noqa: E402
from .report import Report, check, load_timeline  # noqa: E402
from .rulebook import load as load_rulebook  # noqa: E402

__all__ = ["FristError", "RuleBookError", "TimelineError", "Report", "check", "compile_rules", "compile_source",
           "load_rulebook", "load_timeline", "__version__"]
