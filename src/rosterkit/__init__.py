"""rosterkit: check, merge and follow up the care-program ledgers (关爱帮扶台账) of Chinese schools.

Every action is one call returning one result object whose tables are DataFrames::

    import rosterkit
    report = rosterkit.check("inbox/", out="out/")          # CheckReport
    merged = rosterkit.merge(report, school_info="学校信息.xlsx")  # MergeResult
    cad = rosterkit.follow_up(merged, as_of=dt.date(2026, 11, 23))  # Cadence (its policy problems inside)
    run = rosterkit.report("inbox/", out="out/")             # RunResult: every workbook of a round
    sent = rosterkit.distribute("学校信息.xlsx", "下发/")       # Distribution: the ledgers sent out

The names below are imported on first use (no module of the package is named like one of them: importing it
would shadow the name), so ``import rosterkit`` (and ``rosterkit --help``) loads neither
pandas nor pandera.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# public name → the module that defines it
_EXPORTS: dict[str, str] = {
    "check": "rosterkit.batch",
    "CheckReport": "rosterkit.checking.report",
    "FileResult": "rosterkit.checking.report",
    "merge": "rosterkit.batch",
    "MergeResult": "rosterkit.merging.merge",
    "read_school_info": "rosterkit.merging.school",
    "SchoolInfo": "rosterkit.merging.school",
    "follow_up": "rosterkit.cadence.inputs",
    "Cadence": "rosterkit.cadence.engine",
    "load_term": "rosterkit.core.policy",
    "Term": "rosterkit.core.policy",
    "report": "rosterkit.pipeline",
    "merge_inbox": "rosterkit.pipeline",
    "cadence_inbox": "rosterkit.pipeline",
    "RunResult": "rosterkit.pipeline",
    "distribute": "rosterkit.distribution",
    "Distribution": "rosterkit.distribution",
    "load_template": "rosterkit.core.template",
    "Template": "rosterkit.core.template",
    "open_store": "rosterkit.history.store",
    "Store": "rosterkit.history.store",
    "Issue": "rosterkit.issues",
    "RosterkitError": "rosterkit.errors",
    "InputError": "rosterkit.errors",
    "TemplateError": "rosterkit.errors",
}

__all__ = ["Cadence", "CheckReport", "Distribution", "FileResult", "InputError", "Issue", "MergeResult", "RosterkitError",
           "RunResult", "SchoolInfo", "Store", "Template", "TemplateError", "Term", "cadence_inbox", "check",
           "distribute", "follow_up", "load_template", "load_term", "merge", "merge_inbox", "open_store", "read_school_info",
           "report"]  # the keys of _EXPORTS (tests/test_layout.py)
__version__ = "0.1.0"

if TYPE_CHECKING:  # the names as a type checker sees them; at run time __getattr__ imports them
    from rosterkit.batch import check, merge
    from rosterkit.cadence.engine import Cadence
    from rosterkit.cadence.inputs import follow_up
    from rosterkit.checking.report import CheckReport, FileResult
    from rosterkit.core.policy import Term, load_term
    from rosterkit.core.template import Template, load_template
    from rosterkit.distribution import Distribution, distribute
    from rosterkit.errors import InputError, RosterkitError, TemplateError
    from rosterkit.history.store import Store, open_store
    from rosterkit.issues import Issue
    from rosterkit.merging.merge import MergeResult
    from rosterkit.merging.school import SchoolInfo, read_school_info
    from rosterkit.pipeline import RunResult, cadence_inbox, merge_inbox, report


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'rosterkit' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # once imported, a plain attribute
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
