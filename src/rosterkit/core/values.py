"""The small value tests and measures every layer shares: what counts as no value, a column's letters, how wide
a text prints. One definition each (they were six blank tests and four letter helpers)."""

from __future__ import annotations

import functools
import math
import unicodedata
from typing import Any

import pandas as pd

__all__ = ["blank", "column_letter", "missing", "text_width"]


def missing(v: Any) -> bool:
    """No value at all: None, NaN, NaT or pd.NA (an empty or whitespace text is a value: see :func:`blank`)."""
    if v is None or v is pd.NaT or v is pd.NA:
        return True
    return isinstance(v, float) and math.isnan(v)


def blank(v: Any) -> bool:
    """An empty cell as a person sees it: :func:`missing`, text of only whitespace, or an empty choice list."""
    if v is None:
        return True
    if isinstance(v, str):  # most cells: tested first (the reader asks this of every cell)
        return not v.strip()
    if isinstance(v, float):
        return math.isnan(v)
    return v is pd.NaT or v is pd.NA or (isinstance(v, tuple) and not v)


@functools.cache
def column_letter(index: int) -> str:
    """0-based column index → Excel's letters (0 → A, 25 → Z, 26 → AA)."""
    out, n = "", index + 1
    while n:
        n, rem = divmod(n - 1, 26)
        out = chr(65 + rem) + out
    return out


@functools.lru_cache(maxsize=8192)
def text_width(text: str) -> int:
    """Display width in Excel column units: East Asian wide characters count double (remembered: the same
    labels and phrases are measured over and over)."""
    if text.isascii():
        return len(text)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
