"""Chinese resident identity numbers (GB 11643-1999): check digit, format, birth date, gender (masking: masking.py).

An ID is 18 characters: a 6-digit area code, the birth date as YYYYMMDD, a 3-digit sequence
whose last digit is odd for men and even for women, and an ISO 7064 MOD 11-2 check character.
Functions here take an already-cleaned string (see :func:`rosterkit.core.normalize.clean_id`).
"""

from __future__ import annotations

import calendar
import re
from datetime import date
from functools import lru_cache
from typing import Any

_WEIGHTS: tuple[int, ...] = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"  # indexed by the weighted sum mod 11

# ASCII digits only: str.isdigit() and \d would also accept e.g. Arabic-Indic or full-width digits.
_SHAPE = re.compile(r"[0-9]{17}[0-9X]", re.ASCII)
_DIGITS17 = re.compile(r"[0-9]{17}", re.ASCII)

_MIN_YEAR = 1900

# An ID Excel stored as a number keeps 15 significant digits and shows 4.30725E+17: the cleaned value is that
# text (see rosterkit.issues.excel_general), which no output may pad with invented digits.
SCIENTIFIC = re.compile(r"[0-9]+(?:\.[0-9]+)?E\+?[0-9]+")


def digits_lost(value: Any) -> bool:
    """True for an ID Excel turned into a number (``4.30725E+17``, as the teacher sees it): its tail is gone,
    so it is never compared, keyed or checked as an ID (problem ``id-scientific``)."""
    return isinstance(value, str) and SCIENTIFIC.fullmatch(value) is not None and float(value) >= 1e15


def check_digit(first17: str) -> str:
    """Return the MOD 11-2 check character ('0'-'9' or 'X') for the first 17 digits of an ID.

    Raises ``ValueError`` if ``first17`` is not exactly 17 ASCII digits.
    """
    if not _DIGITS17.fullmatch(first17):
        raise ValueError(f"expected 17 ASCII digits, got {first17!r}")
    total = sum(int(c) * w for c, w in zip(first17, _WEIGHTS))
    return _CHECK_CHARS[total % 11]


def _parse_birth(value: str) -> date | None:
    """The birth date in a well-shaped ID, or None when it is not a real date from 1900 on."""
    try:
        born = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return None
    return born if born.year >= _MIN_YEAR else None


def _well_formed(value: str) -> bool:
    """True when the ID has the right shape and a real birth date (the checksum is not looked at)."""
    return bool(_SHAPE.fullmatch(value)) and _parse_birth(value) is not None


# The same ID is judged several times per file (format, checksum, birth date, gender): memoised on the string.
# Only short exact strings are kept, so a hostile cell cannot make the cache hold much.
_MEMO_MAX_LEN = 64


@lru_cache(maxsize=1 << 14)
def _facts(value: str) -> tuple[str | None, date | None]:
    """(:func:`id_problem`, :func:`birth_date`) of one string, computed once."""
    if not _SHAPE.fullmatch(value) or (born := _parse_birth(value)) is None:
        return "id-format", None
    return ("id-checksum" if check_digit(value[:17]) != value[17] else None), born


def _memoisable(value: object) -> bool:
    return type(value) is str and len(value) <= _MEMO_MAX_LEN


def id_problem(value: str) -> str | None:
    """Return None for a valid ID, else the issue code ``"id-format"`` or ``"id-checksum"``.

    ``value`` must already be cleaned (upper-case, no spaces). ``"id-format"`` covers a wrong
    length, non-digits in the first 17 places, a last character other than a digit or 'X', and
    a birth date that is not a real calendar date or is before 1900. ``"id-checksum"`` means the
    format is fine but the check character does not match.
    """
    if _memoisable(value):
        return _facts(value)[0]
    if not _well_formed(value):
        return "id-format"
    if check_digit(value[:17]) != value[17]:
        return "id-checksum"
    return None


def format_problem(value: str) -> str | None:
    """What is wrong with the shape of an ID, in words for the ``id-format`` message; None when well formed.

    In order: its length, a character that is not a digit (only the last may be X), the birth date inside it.
    """
    if len(value) != 18:
        return f"有 {len(value)} 位，应为 18 位"
    for place, char in enumerate(value[:17], 1):
        if not "0" <= char <= "9":
            return f"第 {place} 位「{char}」不是数字（只有最后一位可以是 X）"
    if not ("0" <= value[17] <= "9" or value[17] == "X"):
        return f"最后一位「{value[17]}」应为数字或 X"
    year, month, day = int(value[6:10]), int(value[10:12]), int(value[12:14])
    shown = f"{value[6:10]}-{value[10:12]}-{value[12:14]}"
    if year < _MIN_YEAR:
        return f"其中的出生日期 {shown} 不存在（年份 {year} 早于 {_MIN_YEAR}）"
    if not 1 <= month <= 12:
        return f"其中的出生日期 {shown} 不存在（月份 {value[10:12]}）"
    if not 1 <= day <= calendar.monthrange(year, month)[1]:
        return f"其中的出生日期 {shown} 不存在（{year} 年 {month} 月没有 {value[12:14]} 日）"
    return None


def birth_date(value: str) -> date | None:
    """The birth date encoded in an ID, or None when the format or the date is invalid.

    The check character is not verified, so a mistyped last digit still yields the date.
    """
    if _memoisable(value):
        return _facts(value)[1]
    return _parse_birth(value) if _well_formed(value) else None


def gender(value: str) -> str | None:
    """"男" when the 17th character is odd, "女" when even; None when the format is invalid."""
    well_formed = _facts(value)[1] is not None if _memoisable(value) else _well_formed(value)
    if not well_formed:
        return None
    return "男" if int(value[16]) % 2 else "女"


def make_id(area: str, birth: date, seq: int, male: bool) -> str:
    """Build a valid 18-character ID from its parts, with the correct check character.

    ``area`` is 6 ASCII digits, ``seq`` is 0..999; when the parity of ``seq`` does not match
    ``male`` (odd = male) its lowest bit is flipped, which keeps it within 0..999.
    Raises ``ValueError`` for a bad area, a sequence out of range or a birth year before 1900.
    """
    if not re.fullmatch(r"[0-9]{6}", area, re.ASCII):
        raise ValueError(f"area must be 6 ASCII digits, got {area!r}")
    if not 0 <= seq <= 999:
        raise ValueError(f"seq must be in 0..999, got {seq}")
    if birth.year < _MIN_YEAR:
        raise ValueError(f"birth year must be {_MIN_YEAR} or later, got {birth.year}")
    if (seq % 2 == 1) != male:
        seq ^= 1
    first17 = f"{area}{birth:%Y%m%d}{seq:03d}"
    return first17 + check_digit(first17)
