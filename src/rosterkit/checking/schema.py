"""Template → pandera schema for a cleaned data sheet. Declares the checks; runs nothing.

Each check is named by the issue code it reports, so a failure case maps straight to an :class:`Issue`.
Checks only judge values of their own domain (the checksum check leaves malformed IDs to the format check)
so that one cell gets one precise code.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import pandas as pd
import pandera.pandas as pa

from rosterkit.checking.fieldtypes import kind_of
from rosterkit.core.template import Field, SheetSpec


def _is_blank(s: pd.Series) -> pd.Series:
    return s.isna() | s.map(lambda v: isinstance(v, (str, tuple)) and len(v) == 0)


def _element(fn: Any, code: str) -> pa.Check:
    return pa.Check(fn, element_wise=True, name=code)


def field_checks(f: Field) -> list[pa.Check]:
    """The checks for one field: required, then its type's (:mod:`rosterkit.checking.fieldtypes`), then 格式."""
    checks: list[pa.Check] = []
    if f.required:
        checks.append(pa.Check(lambda s: ~_is_blank(s), name="required-missing", ignore_na=False))
    kind = kind_of(f)
    checks += [_element(test, code) for code, test in kind.checks(f)]
    pattern = f.pattern
    if pattern is not None and kind.pattern:
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
