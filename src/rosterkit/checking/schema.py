"""Template → pandera schema for a cleaned data sheet. Declares the checks; runs nothing.

Each check is named by the issue code it reports, so a failure case maps straight to an :class:`Issue`.
Checks only judge values of their own domain (the checksum check leaves malformed IDs to the format check)
so that one cell gets one precise code.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import Any

import pandas as pd
import pandera.pandas as pa

from rosterkit.core import idcard
from rosterkit.core.dates import EARLIEST
from rosterkit.core.normalize import bad_parts
from rosterkit.core.phones import phone_problem
from rosterkit.core.template import Field, SheetSpec


def _is_blank(s: pd.Series) -> pd.Series:
    return s.isna() | s.map(lambda v: isinstance(v, (str, tuple)) and len(v) == 0)


def _element(fn: Any, code: str) -> pa.Check:
    return pa.Check(fn, element_wise=True, name=code)


def _is_date(v: Any) -> bool:
    # A date cell of the last century (Excel's 1900-01-10 for a typed 10.15) is kept raw when it cannot be read
    # back: it must fail here, never pass as a date.
    return isinstance(v, dt.date) and not isinstance(v, dt.datetime) and v >= EARLIEST


def field_checks(f: Field) -> list[pa.Check]:
    """The checks for one field, by its type, required flag, allowed values and pattern."""
    checks: list[pa.Check] = []
    if f.required:
        checks.append(pa.Check(lambda s: ~_is_blank(s), name="required-missing", ignore_na=False))
    if f.type == "date":
        checks.append(_element(_is_date, "type-error"))
    elif f.type == "integer":
        checks.append(_element(lambda v: isinstance(v, int) and not isinstance(v, bool), "type-error"))
    elif f.type == "id":
        # an ID Excel turned into a number is kept as Excel shows it (4.30725E+17): that, and only that, is said
        checks.append(_element(lambda v: isinstance(v, str) and not idcard.digits_lost(v), "id-scientific"))
        checks.append(_element(lambda v: not isinstance(v, str) or idcard.digits_lost(v)
                               or idcard.id_problem(v) != "id-format", "id-format"))
        checks.append(_element(lambda v: not isinstance(v, str) or idcard.id_problem(v) != "id-checksum",
                               "id-checksum"))
    elif f.type == "phone":
        # one code per cell: a local number without its area code gets the question, not 「不正确」
        checks.append(_element(lambda v: not isinstance(v, str) or phone_problem(v) != "phone-no-area-code",
                               "phone-no-area-code"))
        checks.append(_element(lambda v: isinstance(v, str) and phone_problem(v) != "phone-invalid",
                               "phone-invalid"))
    elif f.type == "choice" and f.allowed:
        allowed = frozenset(f.allowed)
        checks.append(_element(lambda v: v in allowed, "value-not-allowed"))
    elif f.type == "multi" and f.allowed:
        allowed_t = tuple(f.allowed)
        checks.append(_element(lambda v: not bad_parts(tuple(v) if isinstance(v, tuple) else (v,), allowed_t),
                               "value-not-allowed"))
    pattern = f.pattern
    if pattern is not None and f.type in ("text", "code"):
        checks.append(_element(lambda v: isinstance(v, str) and pattern.fullmatch(v) is not None,
                               "format-invalid"))
    return checks


@lru_cache(maxsize=32)
def build_schema(spec: SheetSpec) -> pa.DataFrameSchema:
    """A lazy-friendly schema over the cleaned frame of ``spec`` (columns keyed by field key)."""
    columns = {
        f.key: pa.Column(object, nullable=True, required=False, checks=field_checks(f), title=f.label)
        for f in spec.fields
    }
    return pa.DataFrameSchema(columns, name=spec.name, strict=False, coerce=False)
