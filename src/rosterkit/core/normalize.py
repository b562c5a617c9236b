"""Turn untidy cell values, as python-calamine reads them, into clean values and note what changed.

Each ``clean_*`` function takes one raw cell value (str, float, int, bool, date, datetime, time,
timedelta, or '') and returns a :class:`Clean`; a blank cell (None, '' or whitespace) gives ``Clean(None)``.
Dates are cleaned in :mod:`rosterkit.core.dates`.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from functools import lru_cache
from typing import Any, TypeVar

from rosterkit.core.idcard import digits_lost
from rosterkit.issues import excel_general


@dataclass(frozen=True, slots=True)
class Clean:
    """The result of cleaning one cell. ``clean_choice``/``clean_multi`` keep the unmatched text as value."""

    value: Any  # the clean value; None when the cell is blank
    problem: str | None = None  # an issue code when the raw value cannot be understood (value is then None)
    changed: bool = False  # True when the clean value differs from what was typed in a way worth telling
    note: str = ""  # the question a fix leaves open, shown beside it in 自动修正 (10.1: 10月1日, or 10月10日?)


# Invisible characters that come along when text is pasted from chat apps or web pages.
_ZERO_WIDTH = re.compile("[\u200b-\u200d\u2060\ufeff]")
_HAN = "\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_HAN_GAP = re.compile(f"(?<=[{_HAN}]) (?=[{_HAN}])")
_DASH = "\\-\u2010-\u2015\u2212"  # ASCII hyphen-minus and its Unicode look-alikes


def _base(raw: str) -> str:
    """What the teacher typed minus surrounding whitespace: the yardstick for ``changed``."""
    return _ZERO_WIDTH.sub("", raw).strip()


def _is_blank(raw: Any) -> bool:
    return raw is None or (isinstance(raw, float) and math.isnan(raw)) or (isinstance(raw, str) and not _base(raw))


# Free text keeps Chinese punctuation (，；：！？（）): only full-width letters, digits and symbols are narrowed.
_HALF_WIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F) if chr(cp) not in "，；：！？（）"} | {0x3000: 0x20}


# A string with none of these (whitespace, invisible characters, full-width forms that are narrowed) is already
# what _tidy_text would make of it: the common case, answered without rewriting the string.
_UNTIDY = re.compile("[\\s\u200b-\u200d\u2060\ufeff" + "".join(map(chr, _HALF_WIDTH)) + "]")


def _tidy_text(raw: str) -> str:
    return re.sub(r"\s+", " ", _ZERO_WIDTH.sub("", raw).translate(_HALF_WIDTH)).strip()


def _tidy(raw: str) -> str:
    """NFKC (full-width to half-width), invisible characters dropped, whitespace runs collapsed, trimmed."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", _ZERO_WIDTH.sub("", raw))).strip()


def _changed(raw: Any, value: Any) -> bool:
    # Only typed text can have been typed differently; numbers and dates are shown as stored.
    return isinstance(raw, str) and str(value) != _base(raw)


def _is_number(raw: Any) -> bool:
    """A finite int or float cell (bool is not a number here)."""
    if isinstance(raw, float):
        return math.isfinite(raw)
    return isinstance(raw, int) and not isinstance(raw, bool)


def _integral(raw: Any) -> int | None:
    """The int of a number cell holding a whole number, else None."""
    return int(raw) if _is_number(raw) and (isinstance(raw, int) or raw.is_integer()) else None


def _as_text(raw: Any) -> str:
    """Text form of a non-string cell, as the teacher sees it in Excel."""
    if (whole := _integral(raw)) is not None:
        return str(whole)  # '12', not '12.0'
    if isinstance(raw, bool):
        return "TRUE" if raw else "FALSE"
    if isinstance(raw, datetime):
        return raw.date().isoformat() if raw.time() == time() else raw.isoformat(" ", "seconds")
    return raw.isoformat() if isinstance(raw, (date, time)) else str(raw)


# Cells repeat a lot within and across files (categories, relations, yes/no, dates typed as text, school
# names), so each cleaner memoises its result on the raw text. Only exact ``str`` values are memoised: 1, 1.0
# and True (or 0.0 and -0.0) are equal as keys but not as cells, and a hostile file's huge cells must not be
# kept alive by the cache. :class:`Clean` is frozen and its values immutable, so sharing a result is safe.
MEMO_MAX_LEN = 100
_MEMO_SIZE = 1 << 12
_F = TypeVar("_F", bound=Callable[..., "Clean"])


def _memo(fn: _F) -> _F:
    # lru_cache's wrapper is typed as _lru_cache_wrapper, not as the function it wraps: same call signature
    return lru_cache(maxsize=_MEMO_SIZE, typed=True)(fn)  # type: ignore[return-value]


def _by_options(memo: Callable[..., Clean], slow: Callable[..., Clean], raw: Any, allowed: Sequence[str]) -> Clean:
    """``memo(raw, allowed)`` for a memoisable value and a tuple of options, else ``slow(raw, allowed)``."""
    if _memoisable(raw) and type(allowed) is tuple:
        try:
            return memo(raw, allowed)
        except TypeError:  # an option list holding something unhashable: clean it the slow way
            pass
    return slow(raw, allowed)


def _memoisable(raw: Any) -> bool:
    return type(raw) is str and len(raw) <= MEMO_MAX_LEN


def clean_text(raw: Any) -> Clean:
    """Clean free text (full-width letters and digits narrowed, Chinese punctuation kept, whitespace collapsed,
    no space between two Han characters); numbers/dates to text."""
    return _clean_text_memo(raw) if type(raw) is str and len(raw) <= MEMO_MAX_LEN else _clean_text(raw)


def _clean_text(raw: Any) -> Clean:
    if type(raw) is str and raw and not _UNTIDY.search(raw):
        return Clean(raw)  # nothing to narrow, drop or collapse: clean as typed, so not changed
    return _clean_text_full(raw)


def _clean_text_full(raw: Any) -> Clean:
    if _is_blank(raw):
        return Clean(None)
    if not isinstance(raw, str):
        return Clean(_as_text(raw))
    value = _HAN_GAP.sub("", _tidy_text(raw))  # '张  三' -> '张三'
    return Clean(value, changed=_changed(raw, value)) if value else Clean(None)


_clean_text_memo = _memo(_clean_text)


def clean_integer(raw: Any) -> Clean:
    """Clean a whole number: an integral float, an int, or a digit string (full-width digits allowed)."""
    return _clean_integer_memo(raw) if _memoisable(raw) else _clean_integer(raw)


def _clean_integer(raw: Any) -> Clean:
    if _is_blank(raw):
        return Clean(None)
    value = _integral(raw)
    if isinstance(raw, str) and re.fullmatch(r"[+-]?[0-9]+", text := _tidy(raw)):
        value = int(text)
    return Clean(None, problem="type-error") if value is None else Clean(value, changed=_changed(raw, value))


_clean_integer_memo = _memo(_clean_integer)


def clean_id(raw: Any) -> Clean:
    """Clean an ID number: NFKC, whitespace/dashes/a leading apostrophe removed, 'x' upper-cased.

    Excel keeps 15 significant digits, so a number (or scientific text) of 16+ digits has lost its tail:
    problem ``"id-scientific"``, and the value is the ID as Excel shows it (``4.30725E+17``, see
    :func:`rosterkit.issues.excel_general`), never digits it no longer has. The checksum is not validated
    here (see :mod:`rosterkit.core.idcard`).
    """
    return _clean_id_memo(raw) if type(raw) is str and len(raw) <= MEMO_MAX_LEN else _clean_id(raw)


def _clean_id(raw: Any) -> Clean:
    if type(raw) is str and raw.isascii() and raw.isalnum():
        # Plain ASCII letters and digits (the usual ID): nothing to normalise or strip, only 'x' to upper-case.
        value = raw.upper()
        if digits_lost(value):
            return Clean(value, problem="id-scientific")
        return Clean(value, changed=value != raw)
    return _clean_id_full(raw)


def _clean_id_full(raw: Any) -> Clean:
    if _is_blank(raw):
        return Clean(None)
    if _is_number(raw):
        if abs(raw) >= 1e15:  # 1e15 is the smallest 16-digit number
            return Clean(excel_general(raw), problem="id-scientific")
        return Clean(_as_text(raw))  # a short number: the format check will flag it
    if not isinstance(raw, str):
        return Clean(None, problem="type-error")
    value = re.sub(f"[\\s{_DASH}]", "", _tidy(raw).lstrip("'\u2018\u2019`")).upper()
    if digits_lost(value):
        return Clean(value, problem="id-scientific")
    return Clean(value, changed=_changed(raw, value))


_clean_id_memo = _memo(_clean_id)
_YES = frozenset({"√", "✓", "✔", "☑", "✅", "y", "yes", "是的"})
_NO = frozenset({"×", "✗", "✘", "☒", "n", "no"})


def _match(text: str, allowed: Sequence[str]) -> str | None:
    """The allowed value that ``text`` stands for, or None."""
    if text in allowed:
        return text
    folded = text.casefold()
    for option in allowed:  # the option list may itself hold full-width characters
        if unicodedata.normalize("NFKC", option) == text:
            return option
    if folded in _YES and "是" in allowed:
        return "是"
    if folded in _NO and "否" in allowed:
        return "否"
    if text + "族" in allowed:  # '汉' -> '汉族'
        return text + "族"
    return next((o for o in allowed if o.casefold() == folded), None)


def clean_choice(raw: Any, allowed: Sequence[str]) -> Clean:
    """Clean a choice from ``allowed``, repairing ticks, a missing '族' and case; else ``"value-not-allowed"``."""
    return _by_options(_clean_choice_memo, _clean_choice, raw, allowed)


def _clean_choice(raw: Any, allowed: Sequence[str]) -> Clean:
    if (text := clean_text(raw).value) is None:
        return Clean(None)
    if (found := _match(text, allowed)) is None:
        return Clean(text, problem="value-not-allowed", changed=_changed(raw, text))
    return Clean(found, changed=_changed(raw, found))


_clean_choice_memo = _memo(_clean_choice)


def split_multi(text: str) -> list[str]:
    """Split a multiple-choice text on 、，,；;/／| and whitespace; drop empty parts and repeats."""
    return list(dict.fromkeys(p for p in re.split(r"[、，,；;/／|｜\s]+", text) if p))


def clean_multi(raw: Any, allowed: Sequence[str]) -> Clean:
    """Clean a multiple choice into a tuple of parts, each repaired like :func:`clean_choice`.

    If a part is not allowed the problem is ``"value-not-allowed"`` and the value is still the
    tuple, so the caller can name the bad parts with :func:`bad_parts`.
    """
    return _by_options(_clean_multi_memo, _clean_multi, raw, allowed)


def _clean_multi(raw: Any, allowed: Sequence[str]) -> Clean:
    if _is_blank(raw):
        return Clean(None)
    # Split before Han characters are joined: '留守 单亲' is two choices, not '留守单亲'.
    text = _tidy(raw) if isinstance(raw, str) else _as_text(raw)
    parts = tuple(dict.fromkeys(_match(p, allowed) or p for p in split_multi(text)))
    if not parts:
        return Clean(None)
    problem = "value-not-allowed" if bad_parts(parts, allowed) else None
    return Clean(parts, problem=problem, changed=_changed(raw, "、".join(parts)))


_clean_multi_memo = _memo(_clean_multi)


def bad_parts(value: tuple[str, ...], allowed: Sequence[str]) -> list[str]:
    """The parts of a :func:`clean_multi` value that are not in ``allowed``, in order."""
    return [p for p in value if p not in allowed]
