"""Normalising column and metadata labels so that what a teacher typed matches the template."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Any

_SPACE = re.compile(r"\s+")
_PARENS = re.compile(r"\([^)]*\)")
_MARKS = str.maketrans("", "", "*:：")

# Labels are looked up once per cell of every candidate header row, and the same few hundred strings come back
# in every file. The cache is keyed by the text of the value, and only short texts are kept, so a hostile
# file cannot make it hold huge keys.
MEMO_MAX_LEN = 100
_MEMO_SIZE = 1 << 12


def _norm_text(text: str) -> str:
    return _SPACE.sub("", unicodedata.normalize("NFKC", text)).translate(_MARKS)


def variants_of_text(text: str) -> tuple[str, ...]:
    """:func:`label_variants` of a text, not memoised: for callers that keep their own memo."""
    base = _norm_text(text)
    bare = _PARENS.sub("", base)
    return (base, bare) if bare and bare != base else (base,)


_norm_cached = lru_cache(maxsize=_MEMO_SIZE)(_norm_text)
_variants_cached = lru_cache(maxsize=_MEMO_SIZE)(variants_of_text)


def norm_label(value: Any) -> str:
    """Full-width to half-width, no spaces or line breaks, no required-markers or colons."""
    if value is None:
        return ""
    text = value if type(value) is str else str(value)  # a label is its text: keyed by it, 1 and True differ
    return _norm_cached(text) if len(text) <= MEMO_MAX_LEN else _norm_text(text)


def label_variants(value: Any) -> tuple[str, ...]:
    """The normalised label, then the same without bracketed notes such as 「(必填)」."""
    text = "" if value is None else value if type(value) is str else str(value)
    return _variants_cached(text) if len(text) <= MEMO_MAX_LEN else variants_of_text(text)
