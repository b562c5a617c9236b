"""The one rule for 脱敏 (masked) outputs: what a reader of a masked workbook or ``--json`` may see of a person.

- An ID number keeps its first 6 and last 4 characters (``430121********5292``): the hidden 8 are the birth date.
- A phone keeps at most its first 3 and last 4 digits (``138****5678``; a landline or a stray number its first 3
  and last 2).
- A birth date shows its **year only** (``2017年``). Year and month would be allowed by the brief, but the last 4
  characters kept of an ID are its sequence and its check digit, and the check digit leaves only ~3 of a month's
  days possible (31 / 11): the ID would be one guess in three. With the year, ~33 candidates remain (365 / 11),
  no better than what the student's grade already tells.
- Dates inside a problem about an ID or a birth date (``出生日期「2015-05-08」与身份证号中的出生日期 2015-08-05
  不一致``) are cut to their year the same way.

Every writer and every ``to_dict(mask=True)`` calls these functions: there is no second copy of the rule.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping
from typing import Any

from rosterkit.core.idcard import digits_lost
from rosterkit.issues import excel_general

__all__ = ["BIRTH_KEYS", "BIRTH_LABELS", "PROBLEM_KEYS", "mask_birth", "mask_dates", "mask_fix_text", "mask_id",
           "mask_issue_text", "mask_phone", "mask_text", "mask_tree"]

BIRTH_KEYS = frozenset({"birth_date"})  # field keys holding a birth date (the template's 字段 sheet)
BIRTH_LABELS = frozenset({"出生日期"})  # their column labels, as problems and 自动修正 name them
PROBLEM_KEYS = frozenset({"problems"})  # a left-out roster row's problems in one text: its dates cut to the year

_BIRTH_PARTS = frozenset({"values", "value", "before", "after"})
_MOBILE = re.compile(r"1[3-9]\d{9}")
# A run of digits a teacher may have spaced or hyphenated (138 1234 5678, 0731-84123456, 4301 2120 ...): ten digits
# or more, single separators between them, an ID's final X. Shorter runs are left alone: they are dates, counts.
_RUN = re.compile(r"(?<![\dA-Za-z])\d(?:[ \-－]?\d){9,}(?:[ \-－]?[Xx])?(?![\dA-Za-z])")
_RUN_IN_WORD = re.compile(r"\d{10,}[Xx]?")  # inside a code such as a 学籍号 G4301212017…: no boundary asked
_FULL_DATE = re.compile(
    r"(?<!\d)((?:19|20)\d\d)\s*(?:[-/.．。年]\s*(\d{1,2})\s*[-/.．。月]\s*(\d{1,2})(?:\s*日)?|(\d\d)(\d\d))"
    r"(?:[ T]\d{1,2}:\d\d(?::\d\d)?)?(?!\d)")


def mask_id(value: str) -> str:
    """Hide the middle of an ID for display: the first 6 and last 4 characters are kept.

    Strings shorter than 10 characters are fully starred (keeping 10 of them would show everything). An ID
    Excel turned into a number (``4.30725E+17``) is shown as Excel shows it: its 6 digits are the first 6 a
    masked ID keeps, and the rest is gone.
    """
    if digits_lost(value):
        return value
    if len(value) < 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_phone(value: str) -> str:
    """Hide the middle of a phone number: '13812345678' -> '138****5678'; else keep 3 + 2 characters."""
    if _MOBILE.fullmatch(value):
        return value[:3] + "****" + value[-4:]
    return "*" * len(value) if len(value) < 6 else value[:3] + "*" * (len(value) - 5) + value[-2:]


_ID_BIRTH = re.compile(r"(?<!\d)((?:1[89]|20)\d\d)-\d\d-\d\d(?!\d)( 不存在)?(?:（[^）]*）)?")
_DATE_HEAD = re.compile(r"(?:19|20)\d\d[-－ ]\d{1,2}[-－ ]\d{1,2}(?!\d)")


def _mask_run(match: re.Match[str]) -> str:
    head = _DATE_HEAD.match(match.group())
    if head:  # 2026-11-16 00:00:00 or 2026-11-16 2026-11-22: a date, then whatever follows it on its own
        return head.group() + _RUN.sub(_mask_run, match.group()[head.end():])
    compact = re.sub(r"[ \-－]", "", match.group())
    if len(compact) == 18 and compact[:17].isdigit():
        return mask_id(compact.upper())
    return mask_phone(compact)  # a mobile, a landline with its area code, a 15-digit ID, a mistyped number


def mask_text(text: str) -> str:
    """Mask every ID number (first 6 + last 4 kept), mobile (138****5678), landline and other run of ten or
    more digits in ``text``, however spaced or hyphenated; dates and short numbers are left as they are."""
    return _RUN_IN_WORD.sub(_mask_run, _RUN.sub(_mask_run, text))


# A year and month (2017.5, 2017年5月, 2017-05), and dates in Chinese numerals (二〇一七年五月八日): in a text about
# a birth date they are cut to the year as well (they are what a teacher types there, and 自动修正 repeats it).
_YEAR_MONTH = re.compile(r"(?<!\d)((?:19|20)\d\d)\s*[-/.．。年]\s*(?:1[0-2]|0?[1-9])(?:\s*月)?(?![\d.．。/-])")
_HAN_DIGIT = {c: str(i) for i, c in enumerate("〇一二三四五六七八九")} | {"零": "0", "○": "0", "Ｏ": "0"}
_HAN_DATE = re.compile("([〇零○Ｏ一二三四五六七八九]{4})年(?:[一二三四五六七八九十]{1,2}月(?:[一二三四五六七八九十]{1,3}[日号])?)?")


def _year_of(match: re.Match[str]) -> str:
    year, month, day = match.group(1), match.group(2) or match.group(4), match.group(3) or match.group(5)
    try:
        dt.date(int(year), int(month), int(day))
    except ValueError:
        return match.group()  # not a date (a number that only looks like one): leave it to mask_text
    return f"{year}年"


def mask_dates(text: str) -> str:
    """Every date in ``text`` (2015-08-05, 2015.8.5, 2015/8/5, 2015年8月5日, 20150805, a year and month 2015.8,
    二〇一五年八月五日) cut to its year."""
    text = _FULL_DATE.sub(_year_of, text)
    text = _YEAR_MONTH.sub(lambda m: f"{m.group(1)}年", text)
    return _HAN_DATE.sub(lambda m: "".join(_HAN_DIGIT[c] for c in m.group(1)) + "年", text)


def mask_birth(value: Any) -> Any:
    """A birth date as a masked output shows it: its year as text (``2017年``); text is masked like any other
    with its full dates cut to the year; blanks stay blank."""
    if isinstance(value, (dt.date, dt.datetime)) and not _missing(value):
        return f"{value.year}年"
    if isinstance(value, str):
        return mask_dates(mask_text(value))
    return value


def mask_fix_text(text: str, *, column: str | None) -> str:
    """A 自动修正 value (before or after) as a masked output shows it: a birth date's as :func:`mask_birth`."""
    return str(mask_birth(text)) if column in BIRTH_LABELS else mask_text(text)


def mask_issue_text(text: str, *, code: str | None, column: str | None) -> str:
    """A problem's value or message as a masked output shows it: IDs and phones masked, and, when the problem
    is about an ID or a birth date, its full dates cut to the year (the ID's own birth date is in the text)."""
    text = mask_text(text)
    if (code or "").startswith("id-"):  # id-format names an impossible birth date (2016-70-12（月份 70）) too
        text = _ID_BIRTH.sub(lambda m: f"{m.group(1)}年{m.group(2) or ''}", text)
    return mask_dates(text) if (code or "").startswith("id-") or column in BIRTH_LABELS else text


def _missing(value: Any) -> bool:
    try:
        return bool(value != value)  # NaT, NaN
    except (TypeError, ValueError):
        return False


def mask_tree(tree: Any, *, birth: bool = False) -> Any:
    """A ``--json`` tree as masked outputs show it: every string through :func:`mask_text`, a long number (an
    ID or a phone Excel stored as a number) masked as text, every birth date (keys in :data:`BIRTH_KEYS`, the
    values of a conflict on one) as :func:`mask_birth`, and problems (dicts with a ``code``) as
    :func:`mask_issue_text`."""
    if isinstance(tree, Mapping):
        if "code" in tree and "message" in tree:  # a problem: its texts know what they are about
            code, column = tree.get("code"), tree.get("column")
            return {k: mask_issue_text(v, code=code, column=column) if k in ("value", "message")
                    and isinstance(v, str) else mask_tree(v) for k, v in tree.items()}
        # a conflict on a birth date (field, values) or a 自动修正 of one (column, before, after)
        about_birth = tree.get("field") in BIRTH_KEYS or tree.get("column") in BIRTH_LABELS
        return {k: mask_dates(mask_text(v)) if k in PROBLEM_KEYS and isinstance(v, str) else
                mask_tree(v, birth=birth or k in BIRTH_KEYS or (about_birth and k in _BIRTH_PARTS))
                for k, v in tree.items()}
    if isinstance(tree, (list, tuple)):
        return [mask_tree(v, birth=birth) for v in tree]
    if isinstance(tree, float) and not math.isfinite(tree):
        return tree
    if isinstance(tree, float) and abs(tree) >= 1e15:  # Excel kept 15 digits: shown as Excel shows it
        return excel_general(tree)
    if isinstance(tree, (int, float)) and not isinstance(tree, bool) and abs(tree) >= 1e9:
        return mask_text(str(tree) if isinstance(tree, int) else f"{tree:.0f}")
    if birth:
        return mask_birth(tree)
    return mask_text(tree) if isinstance(tree, str) else tree
