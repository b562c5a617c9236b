"""Read a date the way a teacher typed it: date cells, serial numbers, typed text, and the numbers Excel made
of what was typed as a date (issue 14, "Dates").

The rules, in the order they are tried:

- A date cell of 2000-01-01 .. 2100-12-31 is taken as it is. A date cell of 1900 to 1905 is what Excel made of
  a number typed into a date-formatted cell (10.15 shows as 1900-01-10, 2026.9 as 1905-07-18): it is turned
  back into that number and read as below. Any other date before 2000 is refused: nothing before 2000 is ever
  returned, and a refused cell is kept as typed (:func:`typed`), never as a date of 1900.
- A number is, in turn: YYYYMMDD (20261015); a serial of 2000-01-01 .. 2100-12-31 (in the workbook's 1900 or
  1904 date system); M.D (10.15 is 10月15日); Y.M (2026.9 is a month: the teacher is asked for the day).
  Anything else is not a date.
- A float keeps no trailing zero: 10.10 is stored as 10.1, so a one-decimal M.D whose day could be d or 10·d
  (10.1 → 10月1日 or 10月10日, 9.3 → 9月3日 or 9月30日) may be either. When exactly one of the two lies inside
  the window of possible dates (the term, up to the report date) it is taken; otherwise the day the cell shows
  is (9.1 is 9月1日, as a reader of the cell reads it, and as issue 14 asks), and its 自动修正 note asks the
  teacher to write 2026-09-10 if 9月10日 was meant: never a silent guess. Text keeps what was typed, so the
  text 「10.1」 is 10月1日.
- Text: 2026-9-1, 2026/9/1, 2026.9.1, 2026。9。1, 2026年9月1日 (or 号), 20260901, Chinese numerals
  (二〇二六年十月二十日, 2026年十月二十日, 二零二六), with or without a time; 9月1日, 9.1, 9/1 without a year.
- A date without a year takes the year that puts it inside the term (a September–January term: 9–12 are the
  start year, 1 is the next). A month outside the term takes the year that puts it nearest to the term, and
  the date then stands for the term check to report (date-out-of-term) rather than for a silent guess.

Each failure is one issue code with the details its Chinese message needs (:func:`explain`): ``type-error`` or
``date-no-day`` (a year and month only).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any, TypeAlias

from rosterkit.core.normalize import Clean, _integral, _is_blank, _is_number, _memoisable, _tidy

EARLIEST, LATEST = date(2000, 1, 1), date(2100, 12, 31)  # no date outside these is ever returned
Span: TypeAlias = tuple[date, date]  # the term (first and last day): where a year-less date is placed
_EPOCH_1900 = datetime(1899, 12, 30)  # Excel's 1900 system, from serial 61 (1900-03-01) on
_EPOCH_1900_EARLY = datetime(1899, 12, 31)  # before serial 60 (the phantom 1900-02-29)
_EPOCH_1904 = datetime(1904, 1, 1)
_TIME = r"(?:[ T][0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?)?"
_SEP = r"\s*(?P<s>[-/.])\s*"
_FULL_FORMS = [  # groups: year, month, day
    re.compile(r"(?P<y>[0-9]{4})" + _SEP + r"(?P<m>[0-9]{1,2})\s*(?P=s)\s*(?P<d>[0-9]{1,2})" + _TIME),
    re.compile(r"(?P<y>[0-9]{4})\s*年\s*(?P<m>[0-9]{1,2})\s*月\s*(?P<d>[0-9]{1,2})\s*[日号]?" + _TIME),
    re.compile(r"(?P<y>[0-9]{4})(?P<m>[0-9]{2})(?P<d>[0-9]{2})"),
]
_YEARLESS_FORMS = [  # groups: month, day
    re.compile(r"(?P<m>[0-9]{1,2})\s*月\s*(?P<d>[0-9]{1,2})\s*[日号]?"),
    re.compile(r"(?P<m>[0-9]{1,2})\s*[-/.]\s*(?P<d>[0-9]{1,2})"),
]
_MONTH_FORMS = [  # a year and a month, or a month alone: the day is missing
    re.compile(r"(?P<y>[0-9]{4})\s*(?:[-/.]|年)\s*(?P<m>[0-9]{1,2})\s*月?"),
    re.compile(r"(?P<m>[0-9]{1,2})\s*月"),
]
_CN_DIGITS = {"〇": 0, "零": 0, "○": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
              "八": 8, "九": 9}
_CN_RUN = re.compile("[〇零○一二两三四五六七八九十]+")


def _cn_number(run: str) -> str:
    """'二〇二六' → '2026' (digit by digit), '十' → '10', '二十' → '20', '三十一' → '31'; else unchanged."""
    if "十" not in run:
        return "".join(str(_CN_DIGITS[c]) for c in run)
    tens, _, ones = run.partition("十")
    if len(tens) > 1 or len(ones) > 1 or "十" in tens + ones or tens in ("〇", "零", "○"):
        return run  # not a day or month number (十十, 零十, 一二十): left for the patterns to refuse
    return str((_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[ones] if ones else 0))


def _plain(text: str) -> str:
    """Typed date text with Chinese numerals as digits and 。 as a separator (NFKC already narrowed ．)."""
    text = _tidy(text).replace("。", ".").replace("元月", "1月")
    return _CN_RUN.sub(lambda m: _cn_number(m[0]), text)


def _place(month: int, day: int, span: Span) -> date | None:
    """The date of a year-less month and day: inside the term if it can be, else nearest to it."""
    start, end = span
    found = []
    for year in range(start.year, end.year + 1):
        try:
            found.append(date(year, month, day))
        except ValueError:  # 2月30日, or 2月29日 of a common year
            continue
    if not found:
        return None
    inside = [d for d in found if start <= d <= end]
    return inside[0] if inside else min(found, key=lambda d: (start - d) if d < start else (d - end))


@dataclass(frozen=True)
class Noted:
    """A date read one of two ways the cell allows, with the question its 自动修正 note asks."""

    day: date
    note: str


# a date, a date with a note, or (issue code, message details)
Outcome: TypeAlias = date | Noted | tuple[str, tuple[tuple[str, str], ...]]
_NOT_A_DATE: Outcome = ("type-error", ())
_TOO_EARLY: Outcome = ("type-error", (("hint", "日期早于 2000 年，请核对年份，写成 2026-09-01 或 2026年9月1日。"),))
_TYPED_BELOW = 2101  # a date cell below this serial (1905-10) held M.D or Y.M typed as a number, never a date


def _day(cell: date) -> date:
    return cell.date() if isinstance(cell, datetime) else cell


def _serial_of(cell: datetime) -> float:
    """The number a date cell of Excel's 1900 system holds (serials below 60 count from 1899-12-31)."""
    epoch = _EPOCH_1900_EARLY if cell < datetime(1900, 3, 1) else _EPOCH_1900
    return round((cell - epoch) / timedelta(days=1), 6)


def typed(raw: Any, epoch_1904: bool = False) -> Any:
    """What the teacher typed into a date cell before 2000: the number Excel shows as a date of 1900 to 1905
    (10.15 as 1900-01-10, 2026.9 as 1905-07-18), else the date as text; any other value as it is. A refused
    cell is kept like this, so no date before 2000 is ever held as a date."""
    if isinstance(raw, date) and _day(raw) < EARLIEST:
        cell = raw if isinstance(raw, datetime) else datetime(raw.year, raw.month, raw.day)
        serial = round((cell - _EPOCH_1904) / timedelta(days=1), 6) if epoch_1904 else _serial_of(cell)
        if 0 <= serial < _TYPED_BELOW:
            return int(serial) if serial.is_integer() else serial
        return _day(raw).isoformat()
    return raw


def _from_serial(serial: float, epoch_1904: bool) -> date | None:
    """The date of an Excel serial number, or None outside 2000-01-01 .. 2100-12-31."""
    days = math.floor(serial)  # a fraction is the time of day
    if not 0 <= days <= 80_000:  # far outside 2000 .. 2100 whichever the epoch (and no overflow)
        return None
    found = (_EPOCH_1904 if epoch_1904 else _EPOCH_1900) + timedelta(days=days)
    return found.date() if EARLIEST <= found.date() <= LATEST else None


def _from_number(raw: float, epoch_1904: bool, span: Span | None, window: Span | None) -> Outcome:
    whole = _integral(raw)
    if whole is not None and 10_000_000 <= whole <= 99_999_999:
        return _from_text(str(whole), span, window)  # 20261015: YYYYMMDD, turned into a number by Excel
    if raw >= 0 and (found := _from_serial(raw, epoch_1904)) is not None:
        return found  # serials of 2000 .. 2100 are ≥ 35000: no M.D or Y.M number is one
    shown = repr(float(raw))  # the shortest text of the float: what Excel's General format shows
    if span and window and (m := re.fullmatch(r"(1[0-2]|[1-9])\.([0-9]{1,2})", shown)):
        return _month_day(int(m[1]), m[2], span, window)
    if m := re.fullmatch(r"(20[0-9]{2}|2100)\.([0-9]{1,2})", shown):
        return _no_day(int(m[1]), m[2])
    return _NOT_A_DATE


def _month_day(month: int, digits: str, span: Span, window: Span) -> Outcome:
    """M.D of a float: 10.15 → 10月15日; 10.1 → 10月1日 or 10月10日 (a stored float drops the trailing 0)."""
    days = [int(digits)] if len(digits) == 2 else [int(digits), int(digits) * 10]
    found = [d for d in (_place(month, day, span) for day in days) if d is not None]
    if not found:
        return _NOT_A_DATE
    # The one that can be right wins: inside the window (the term up to the report date), else inside the term
    # (a date after the report date is then reported as such, whichever of the two was meant).
    inside = [d for d in found if window[0] <= d <= window[1]] or [d for d in found if span[0] <= d <= span[1]]
    if len(found) == 1 or len(inside) == 1:
        return found[0] if len(found) == 1 else inside[0]
    shown, other = found  # the day the cell shows (9.1: 9月1日), and the one Excel may have cut (9月10日)
    return Noted(shown, f"按单元格显示的 {shown.month}月{shown.day}日 计；如果是 {other.month}月{other.day}日，"
                        f"请改写为 {other.isoformat()}（Excel 会把 {month}.{other.day} 存成 {month}.{digits}）")


def _no_day(year: int, digits: str) -> Outcome:
    """Y.M: a month without its day. 2026.1 may be January or October (2026.10 is stored as 2026.1)."""
    months = [int(digits)] if len(digits) == 2 else [int(digits), int(digits) * 10]
    months = [m for m in months if 1 <= m <= 12]
    if not months:
        return _NOT_A_DATE
    month = "或".join(f"{m}月" for m in months)
    return ("date-no-day", (("month", f"{year}年{month}"), ("example", f"{year}年{months[-1]}月15日")))


def _from_text(text: str, span: Span | None, window: Span | None) -> Outcome:
    for pattern in _FULL_FORMS:
        if m := pattern.fullmatch(text):
            try:
                found = date(int(m["y"]), int(m["m"]), int(m["d"]))
            except ValueError:  # 2026-02-30
                return _NOT_A_DATE
            return found if EARLIEST <= found <= LATEST else _TOO_EARLY if found < EARLIEST else _NOT_A_DATE
    for pattern in _YEARLESS_FORMS:
        if m := pattern.fullmatch(text):
            placed = _place(int(m["m"]), int(m["d"]), span) if span else None
            return placed if placed is not None else _NOT_A_DATE
    for pattern in _MONTH_FORMS:
        if (m := pattern.fullmatch(text)) and 1 <= int(m["m"]) <= 12:
            placed = _place(int(m["m"]), 1, span) if span else None  # a month alone: the term's year for it
            year = m.groupdict().get("y") or (placed.year if placed else "")
            label = f"{year}年{int(m['m'])}月" if year else f"{int(m['m'])}月"
            return ("date-no-day", (("month", label), ("example", f"{label}15日")))
    return _NOT_A_DATE


def _parse(raw: Any, epoch_1904: bool, span: Span | None, window: Span | None) -> Outcome | None:
    """The date of one cell, or (code, details) when it is not one; None for a blank cell."""
    if _is_blank(raw):
        return None
    if isinstance(raw, date):
        day = _day(raw)
        if day >= EARLIEST:
            return day if day <= LATEST else _NOT_A_DATE
        raw = typed(raw, epoch_1904)  # a number Excel showed as a date of 1900: read the number
        if isinstance(raw, str):
            return _TOO_EARLY  # a real date of the last century: never a contact of this term
    if _is_number(raw):
        return _from_number(raw, epoch_1904, span, window or span)
    if isinstance(raw, str):
        return _from_text(_plain(raw), span, window or span)
    return _NOT_A_DATE


_parse_memo = lru_cache(maxsize=1 << 12, typed=True)(_parse)


def _outcome(raw: Any, epoch_1904: bool, span: Span | None, window: Span | None) -> Outcome | None:
    # Only short text is memoised (see normalize): a number and a date are cheap, and equal keys of other types
    # (1 and 1.0 and True) must not share a result.
    if _memoisable(raw):
        return _parse_memo(raw, epoch_1904, span, window)
    return _parse(raw, epoch_1904, span, window)


def _spans(default_year: int | None, term: Span | None, until: date | None) -> tuple[Span | None, Span | None]:
    """The span that places a year-less date (the term, or ``default_year`` as a calendar year) and the window
    of possible dates that settles an ambiguous one (the span up to ``until``)."""
    span = term or ((date(default_year, 1, 1), date(default_year, 12, 31)) if default_year is not None else None)
    window = (span[0], min(span[1], until)) if span and until and until >= span[0] else span
    return span, window


def clean_date(raw: Any, *, epoch_1904: bool = False, default_year: int | None = None, term: Span | None = None,
               until: date | None = None) -> Clean:
    """Clean a date cell, a serial or M.D number, or typed text (see the module's rules).

    ``term`` (first, last day) places a date typed without a year; ``default_year`` stands for a calendar
    year when there is no term; without either a year-less date is a ``type-error``. ``until`` (the report
    date) narrows the window in which an ambiguous 10.1 is settled. ``epoch_1904``: the workbook counts
    serials from 1904. Only a real date cell comes back with ``changed=False``; the problem is the issue code.
    """
    return _to_clean(raw, _outcome(raw, epoch_1904, *_spans(default_year, term, until)))


def _to_clean(raw: Any, found: Outcome | None) -> Clean:
    if found is None:
        return Clean(None)
    if isinstance(found, tuple):
        return Clean(None, problem=found[0])
    if isinstance(found, Noted):
        return Clean(found.day, changed=True, note=found.note)
    changed = not (isinstance(raw, date) and _day(raw) == found)  # only a date cell read as it shows is as typed
    return Clean(found, changed=changed)


def explain(raw: Any, *, epoch_1904: bool = False, default_year: int | None = None, term: Span | None = None,
            until: date | None = None) -> tuple[str, dict[str, str]]:
    """The issue code of a cell :func:`clean_date` refuses, with the details its message needs (the question
    to ask: which day of 2026年9月, 10月1日 or 10月10日)."""
    found = _outcome(raw, epoch_1904, *_spans(default_year, term, until))
    if isinstance(found, tuple):
        return found[0], dict(found[1])
    return "type-error", {}
