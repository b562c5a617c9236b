"""rosterkit: check, merge and follow up the care-program ledgers (关爱帮扶台账) of Chinese schools.

The pipeline: read → validate → merge → cadence → write. Public API::

    from rosterkit import check, load_template
    report = check("inbox/", out="out/")
    report.issues_frame()
"""

from __future__ import annotations

from .check import check, check_file
from .distribute import distribute
from .merge import MergeResult, merge
from .school import SchoolInfo, read_school_info
from .errors import InputError, RosterkitError, TemplateError
from .issues import Issue
from .policy import Term, load_term
from .report import CheckReport, FileResult
from .template import Template, load_template

__all__ = ["check", "check_file", "merge", "distribute", "load_template", "load_term", "read_school_info",
           "CheckReport", "FileResult", "MergeResult", "SchoolInfo", "Issue", "Template", "Term", "RosterkitError",
           "InputError", "TemplateError"]
__version__ = "0.1.0"
