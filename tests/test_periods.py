"""Periods of a term: weeks Monday–Sunday, paired weeks, calendar months and quarters clipped to the term,
the whole term; holiday periods owe nothing."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rosterkit.cadence.periods import NO_DAY, TermDays, as_datetime, day_no, nominal_days, term_periods, to_day_numbers
from rosterkit.core.policy import PERIODS, Holiday, Term

D = dt.date
TERM = Term("2026—2027学年第一学期", D(2026, 9, 1), D(2027, 1, 22),
            (Holiday("国庆节", D(2026, 10, 1), D(2026, 10, 7)),))


def _dates(col: pd.Series) -> list[dt.date]:
    return [ts.date() for ts in col]


@pytest.mark.parametrize(("period", "first", "second", "last", "count"), [
    ("每周", (D(2026, 9, 1), D(2026, 9, 6)), (D(2026, 9, 7), D(2026, 9, 13)), (D(2027, 1, 18), D(2027, 1, 22)), 21),
    ("每两周", (D(2026, 9, 1), D(2026, 9, 13)), (D(2026, 9, 14), D(2026, 9, 27)), (D(2027, 1, 18), D(2027, 1, 22)), 11),
    ("每月", (D(2026, 9, 1), D(2026, 9, 30)), (D(2026, 10, 1), D(2026, 10, 31)), (D(2027, 1, 1), D(2027, 1, 22)), 5),
    ("每季度", (D(2026, 9, 1), D(2026, 9, 30)), (D(2026, 10, 1), D(2026, 12, 31)), (D(2027, 1, 1), D(2027, 1, 22)), 3),
])
def test_periods_of_the_official_term(period: str, first: tuple, second: tuple, last: tuple, count: int) -> None:
    p = term_periods(TERM, period)
    assert list(p["period_no"]) == list(range(1, count + 1))
    spans = list(zip(_dates(p["start"]), _dates(p["end"]), strict=True))
    assert spans[0] == first and spans[1] == second and spans[-1] == last


@pytest.mark.parametrize("period", ["每学期", "每学年"])
def test_term_long_periods_are_the_whole_term(period: str) -> None:
    p = term_periods(TERM, period)
    assert len(p) == 1
    assert (p["start"][0].date(), p["end"][0].date()) == (TERM.start, TERM.end)
    assert nominal_days(TERM, period) == (TERM.end - TERM.start).days + 1


@pytest.mark.parametrize(("holiday", "free"), [
    ((D(2026, 10, 5), D(2026, 10, 11)), True),   # Monday to Sunday
    ((D(2026, 10, 5), D(2026, 10, 9)), True),    # every weekday; the weekend is not school anyway
    ((D(2026, 10, 3), D(2026, 10, 9)), True),    # starts the weekend before
    ((D(2026, 10, 5), D(2026, 10, 8)), False),   # Friday is a school day
    ((D(2026, 10, 6), D(2026, 10, 11)), False),  # Monday is a school day
])
def test_week_wholly_in_a_holiday_owes_nothing(holiday: tuple[dt.date, dt.date], free: bool) -> None:
    term = Term("t", D(2026, 8, 31), D(2026, 12, 31), (Holiday("假", *holiday),))
    p = term_periods(term, "每周")
    week = p[p["start"] == pd.Timestamp(2026, 10, 5)].iloc[0]
    assert bool(week["owed_free"]) is free
    assert int(p["owed_free"].sum()) == int(free)


def test_weekend_stub_owes_nothing() -> None:
    term = Term("t", D(2026, 9, 5), D(2026, 10, 30))  # a Saturday: week 1 is Saturday–Sunday
    p = term_periods(term, "每周")
    assert (p["start"][0].date(), p["end"][0].date()) == (D(2026, 9, 5), D(2026, 9, 6))
    assert list(p["owed_free"]) == [True] + [False] * (len(p) - 1)


def test_unknown_period_is_refused() -> None:
    with pytest.raises(ValueError, match="每天"):
        term_periods(TERM, "每天")


def test_day_numbers_round_trip() -> None:
    days = to_day_numbers(pd.Series([D(2026, 9, 1), None, "2026-09-03", "不是日期", pd.Timestamp(2026, 9, 4)],
                                    dtype=object))
    assert days[1] == NO_DAY and days[3] == NO_DAY
    assert [days[0], days[2], days[4]] == [day_no(D(2026, 9, 1)), day_no(D(2026, 9, 3)), day_no(D(2026, 9, 4))]
    back = as_datetime(days)
    assert pd.Timestamp(back[0]).date() == D(2026, 9, 1) and np.isnat(back[1])


def test_open_days_skip_holidays() -> None:
    cal = TermDays(TERM)
    a, b = np.array([day_no(D(2026, 9, 28))]), np.array([day_no(D(2026, 10, 10))])
    assert cal.open_days(a, b)[0] == 13 - 7  # 13 days, 7 of them 国庆节
    assert cal.school_weekdays(a, b)[0] == 3 + 2  # Mon–Wed before the holiday, Thu–Fri after


@st.composite
def terms(draw: st.DrawFn) -> Term:
    start = draw(st.dates(D(2024, 1, 1), D(2030, 12, 31)))
    end = start + dt.timedelta(days=draw(st.integers(0, 400)))
    holidays = []
    for _ in range(draw(st.integers(0, 3))):
        h_start = start + dt.timedelta(days=draw(st.integers(-10, (end - start).days + 10)))
        holidays.append(Holiday("假", h_start, h_start + dt.timedelta(days=draw(st.integers(0, 20)))))
    return Term("t", start, end, tuple(holidays))


@settings(max_examples=150, deadline=None)
@given(term=terms(), period=st.sampled_from(PERIODS))
def test_periods_partition_the_term(term: Term, period: str) -> None:
    p = term_periods(term, period)
    starts, ends = _dates(p["start"]), _dates(p["end"])
    assert starts[0] == term.start and ends[-1] == term.end
    assert all(e + dt.timedelta(days=1) == s for e, s in zip(ends[:-1], starts[1:], strict=True))
    assert all(s <= e for s, e in zip(starts, ends, strict=True))
    assert all((e - s).days + 1 <= nominal_days(term, period) for s, e in zip(starts, ends, strict=True))
    if period == "每周":
        assert all(s.weekday() == 0 for s in starts[1:]) and all(e.weekday() == 6 for e in ends[:-1])
    if period == "每两周":  # pairs of weeks counted from the term's first week
        first_monday = term.start - dt.timedelta(days=term.start.weekday())
        assert all((s - first_monday).days % 14 == 0 for s in starts[1:])
    if period in ("每月", "每季度"):
        assert all(s.day == 1 for s in starts[1:])
        assert all(s.month % 3 == 1 for s in starts[1:]) or period == "每月"
    holiday = {h.start + dt.timedelta(days=i) for h in term.holidays for i in range((h.end - h.start).days + 1)}
    for s, e, free in zip(starts, ends, p["owed_free"], strict=True):
        days = [s + dt.timedelta(days=i) for i in range((e - s).days + 1)]
        assert free == all(d in holiday for d in days if d.weekday() < 5)
