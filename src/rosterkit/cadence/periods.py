"""The periods of a term for each cadence word (每周 … 每学年), and day arithmetic on the term calendar.

Conventions (the cadence engine relies on them):

- Weeks run Monday–Sunday. Week 1 is the week holding the term's first day, clipped to it.
- 每两周 pairs weeks from the term's first week: weeks 1–2, 3–4, … (each pair clipped to the term).
- 每月 / 每季度 are calendar months / quarters clipped to the term.
- 每学期 is the whole term. 每学年 is the whole term too: the engine counts one term at a time (a workbook holding
  several terms gives a ``policy-year-as-term`` warning in :func:`rosterkit.core.policy.load_policy`).
- The periods of a word partition the term: they are contiguous, in order, and cover every day of it.
- A period is *owed-free* when every weekday (Mon–Fri) of the clipped period lies in a holiday of 校历; a clipped
  stub that holds no weekday at all (a term starting on a Saturday) is owed-free as well.

Days are handled as int64 day numbers (days since 1970-01-01) so that boundaries can be searched with numpy.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from rosterkit.core.policy import PERIODS, Term

_EPOCH = dt.date(1970, 1, 1).toordinal()
NO_DAY = -(2**62)  # "no date": below every real day number
_NOMINAL = {"每周": 7, "每两周": 14, "每月": 31, "每季度": 92}  # longest length of one period, in days


def day_no(day: dt.date) -> int:
    """The day number of a date (days since 1970-01-01)."""
    return day.toordinal() - _EPOCH


def to_day_numbers(values: pd.Series | np.ndarray | list[object]) -> np.ndarray:
    """Day numbers of a column of dates (date objects, Timestamps, datetime64 or date text).

    Blanks and values that are not dates give -2**62, below every real day, so callers can test ``>= start``.
    """
    stamps = pd.to_datetime(pd.Series(values, dtype=object) if isinstance(values, list) else values,
                            errors="coerce")
    arr = np.asarray(stamps, dtype="datetime64[ns]").astype("datetime64[D]")
    out = arr.astype("int64")
    out[np.isnat(arr)] = NO_DAY
    return out


def nominal_days(term: Term, period: str) -> int:
    """The length in days one period of ``period`` stands for (每学期/每学年: the term's length)."""
    return _NOMINAL.get(period, (term.end - term.start).days + 1)


@dataclass(frozen=True)
class Bounds:
    """The periods of one word as day-number arrays: first day, last day, midpoint, owed-free flag."""

    start: np.ndarray
    end: np.ndarray
    free: np.ndarray

    @property
    def mid(self) -> np.ndarray:
        """Midpoint of each clipped period (rounded down): a student enrolled on or before it owes the period."""
        return self.start + (self.end - self.start) // 2

    def __len__(self) -> int:
        return len(self.start)

    def locate(self, days: np.ndarray) -> np.ndarray:
        """Index of the period holding each day (days must lie inside the term)."""
        return np.searchsorted(self.start, days, side="right") - 1


class TermDays:
    """Per-day facts of a term: which days are holidays and which are school weekdays."""

    def __init__(self, term: Term) -> None:
        self.term = term
        self.first, self.last = day_no(term.start), day_no(term.end)
        days = np.arange(self.first, self.last + 1)
        holiday = np.zeros(len(days), dtype=bool)
        for h in term.holidays:  # a handful per term; clip each to the term before marking it
            lo, hi = max(day_no(h.start), self.first), min(day_no(h.end), self.last)
            if lo <= hi:
                holiday[lo - self.first: hi - self.first + 1] = True
        weekday = (days + 3) % 7 < 5  # 1970-01-01 was a Thursday: (n + 3) % 7 is 0 on Mondays
        self.holiday = holiday
        # cumulative counts with a leading 0: count in [a, b] = cum[b - first + 1] - cum[a - first]
        self._school_weekdays = np.concatenate([[0], np.cumsum(weekday & ~holiday)])
        self._open_days = np.concatenate([[0], np.cumsum(~holiday)])

    def _between(self, cum: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        lo = np.clip(a, self.first, self.last + 1) - self.first
        hi = np.clip(b, self.first - 1, self.last) - self.first + 1
        return np.maximum(cum[hi] - cum[lo], 0)

    def school_weekdays(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Mon–Fri days that are not holidays in [a, b] (inclusive, clipped to the term)."""
        return self._between(self._school_weekdays, np.asarray(a), np.asarray(b))

    def open_days(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Days (weekends included) that are not holidays in [a, b] (inclusive, clipped to the term)."""
        return self._between(self._open_days, np.asarray(a), np.asarray(b))

    def bounds(self, period: str) -> Bounds:
        """The periods of ``period`` in this term."""
        if period not in PERIODS:
            raise ValueError(f"unknown period {period!r}; expected one of {PERIODS}")
        start = _starts(self.term, period)
        end = np.append(start[1:] - 1, self.last)
        free = self.school_weekdays(start, end) == 0
        return Bounds(start, end, free)


def _starts(term: Term, period: str) -> np.ndarray:
    """First day of every period, the first one being the term's first day."""
    first, last = day_no(term.start), day_no(term.end)
    if period in ("每周", "每两周"):
        monday = first - (first + 3) % 7
        step = 7 if period == "每周" else 14
        cuts = np.arange(monday + step, last + 1, step)
    elif period in ("每月", "每季度"):
        months = 1 if period == "每月" else 3
        y, m = term.start.year, term.start.month
        m = m - (m - 1) % months  # first month of the quarter holding the start
        cuts_list = []
        while True:
            m += months
            y, m = (y + 1, m - 12) if m > 12 else (y, m)
            cut = day_no(dt.date(y, m, 1))
            if cut > last:
                break
            cuts_list.append(cut)
        cuts = np.asarray(cuts_list, dtype="int64")
    else:  # 每学期, 每学年: the whole term
        cuts = np.asarray([], dtype="int64")
    return np.concatenate([[first], cuts]).astype("int64")


def term_periods(term: Term, period: str) -> pd.DataFrame:
    """The periods of ``period`` (每周 … 每学年) in ``term``.

    Columns: ``period_no`` (1, 2, …), ``start`` and ``end`` (datetime64, clipped to the term, inclusive),
    ``owed_free`` (True when every weekday of the period is a holiday: nothing is owed for it).
    """
    b = TermDays(term).bounds(period)
    return pd.DataFrame({
        "period_no": np.arange(1, len(b) + 1),
        "start": as_datetime(b.start),
        "end": as_datetime(b.end),
        "owed_free": b.free,
    })


def as_datetime(days: np.ndarray) -> np.ndarray:
    """datetime64[ns] values of day numbers (NO_DAY gives NaT)."""
    out = np.asarray(days, dtype="int64").astype("datetime64[D]").astype("datetime64[ns]")
    out[np.asarray(days) == NO_DAY] = np.datetime64("NaT")
    return out
