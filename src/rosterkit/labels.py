"""Normalising column and metadata labels so that what a teacher typed matches the template."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

_SPACE = re.compile(r"\s+")
_PARENS = re.compile(r"\([^)]*\)")
_MARKS = str.maketrans("", "", "*:：")


def norm_label(value: Any) -> str:
    """Full-width to half-width, no spaces or line breaks, no required-markers or colons."""
    if value is None:
        return ""
    text = unicodedata.normalize("NFKC", str(value))
    return _SPACE.sub("", text).translate(_MARKS)


def label_variants(value: Any) -> tuple[str, ...]:
    """The normalised label, then the same without bracketed notes such as 「(必填)」."""
    base = norm_label(value)
    bare = _PARENS.sub("", base)
    return (base, bare) if bare and bare != base else (base,)
