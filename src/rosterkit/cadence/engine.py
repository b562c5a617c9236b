"""Cadence compliance: for each student, each governing rule and each period of the term, how many counting
contacts were owed and made, and the outcome 达标 / 未达标 / 进行中 / 未到期 / 未报.

Vectorised: students and events are turned into integer arrays once; the only Python loops run over the rules
of the policy and the periods of the calendar. Decisions (see also :mod:`rosterkit.cadence.periods`):

- A rule applies by 类别: named categories (any in common), 「全部」 (every student) or 「其他」 (a student holding a
  category that no other rule asking for the same kind set names).
- Rules asking a student for the same kinds (same kind set and 对象) compete; the strictest governs (shorter period,
  then higher minimum, then policy order). The others are reported in ``rules.covered_by`` and make no periods.
- A period is owed when it is not owed-free (holiday) and the student was enrolled (建档日期; blank → term start) on
  or before its midpoint. Periods not owed are left out of ``periods``; ``period_no`` keeps the calendar numbering.
- Each class is judged as of its own report date: its 填报日期 (the students' ``reported_on``) capped by ``as_of``;
  blank → ``as_of``. Below, "the report date" is that per-student date.
- A contact counts when it is inside the term, not after the report date (a future-dated entry is a data error, and
  counting it would let a teacher fill a period in advance), of a counting kind, and — when the rule names a
  对象 — with that party (家长 also matches 监护人). Events of students not in ``students`` are ignored.
- Outcome: period starting after ``as_of`` → 未到期; starting after the class's report date → 未报 (the file
  was sent before it began: a careful teacher is not overdue for the weeks after submitting); done ≥ required →
  达标; ended before the report date → 未达标; else → 进行中 (so the period holding the 填报日期 is 进行中 even when
  it has ended by ``as_of``). compliance_rate = 达标 / (达标 + 未达标): 进行中, 未到期 and 未报 are neither.
- Overdue (one row per student × governing rule): the last closed owed period is 未达标, and/or the student has
  gone longer than one period (每周 7, 每两周 14, 每月 31, 每季度 92 days; holiday days not counted) without a
  counting contact — counted from the start of owing when there was none. Due soon: 进行中 periods ending within
  ``due_within`` days. Both lists are sorted per teacher (school, mentor), most urgent first.
- Months and quarters are clipped to the term, so a term starting on 08-31 has a one-day August that a monthly
  rule owes (it is not a holiday). Put the first days in 校历 as a holiday, or start the term on 09-01, to avoid it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from rosterkit.cadence.periods import NO_DAY, TermDays, as_datetime, day_no, nominal_days, to_day_numbers
from rosterkit.cadence.rollup import (
    LATER,
    MET,
    MISSED,
    OPEN,
    OUTCOMES,
    STUDENT_COLUMNS,
    UNREPORTED,
    Frames,
    build_frames,
)
from rosterkit.core.normalize import split_multi
from rosterkit.core.policy import ALL, OTHER, Policy, Rule
from rosterkit.errors import InputError
from rosterkit.issues import Issue
from rosterkit.merging.school import class_label

__all__ = ["DEFAULT_LOAD_LIMIT", "OUTCOMES", "PARTY_MATCH", "Cadence", "applicable", "compute_cadence"]

PARTY_MATCH: dict[str, tuple[str, ...]] = {"家长": ("家长", "监护人"), "监护人": ("监护人",), "学生": ("学生",)}
# Students per 帮扶教师 above which the load is flagged. The seeds disagree (002: 每位教师结对 1—2 名; 003: 每名教职工
# 帮扶 1 名; 001: 每位教师关爱留守学生不少于 3 人), so none gives a limit that fits them all: the fallback 5 is used.
DEFAULT_LOAD_LIMIT = 5


@dataclass
class Cadence(Frames):
    """The result of :func:`compute_cadence`: tables as DataFrames, plus the report date and the policy.

    - ``periods``: student × governing rule × owed period — student_key, id_number, name, school, grade, class,
      mentor, rule, period_no, period_start, period_end, required, done, outcome (student columns, rule and
      outcome are Categorical: the table has millions of rows for a county).
    - ``rules``: student × applicable rule — the student columns, rule, period, required, kinds, governs,
      covered_by (the governing rule's name, None when the rule governs).
    - ``students``: the student columns, categories, enrolled_on, judged_on (the class's 填报日期 capped by
      ``as_of``: the date the student is judged as of), rules (how many govern), periods_owed (达标 + 未达标 +
      进行中), periods_met / _missed / _in_progress / _upcoming, compliance_rate, overdue_items, due_soon_items,
      and for each kind the policy counts ``last_<kind>`` and ``days_since_<kind>``.
    - ``teachers`` (school, mentor), ``classes`` (school, grade, class), ``school`` (one row per school): students,
      period counts, students_overdue, students_due_soon, compliance_rate; teachers add load_limit and over_load
      (students > load_limit), school adds classes, teachers, teachers_over_load.
    - ``overdue``: school, mentor, grade, class, student_key, id_number, name, rule, kinds, period_start,
      period_end, required, done, missing (Chinese), last_contact, days_without, days_overdue, reason.
    - ``due_soon``: the same lead columns, rule, kinds, period, required, done, missing, days_left.
    """

    as_of: dt.date
    policy: Policy
    load_limit: int = DEFAULT_LOAD_LIMIT
    due_within: int = 3
    # problems of the policy workbook it was judged under (follow_up fills it; compute_cadence leaves it empty)
    policy_issues: list[Issue] = field(default_factory=list)

    def to_dict(self, *, mask: bool = False) -> dict[str, Any]:
        """JSON-ready data: ``as_of``, ``periods``, ``teachers``, ``overdue``, ``due_soon`` (dates as ISO text);
        ``mask``: IDs and phones as the 脱敏 workbook shows them (:func:`rosterkit.core.masking.mask_tree`)."""
        from rosterkit.core.masking import mask_tree

        keep = ["id_number", "name", "school", "class", "rule", "period_start", "period_end", "required", "done",
                "outcome"]
        # a period's class is the class's one label (五年级1班), never 1班 alone: school.class_label
        periods = self.periods.assign(**{"class": [class_label(g, c) for g, c in
                                                    zip(self.periods["grade"], self.periods["class"])]})
        data = {
            "as_of": self.as_of.isoformat(),
            "periods": _records(periods[keep]),
            "teachers": _records(self.teachers),
            "overdue": _records(self.overdue),
            "due_soon": _records(self.due_soon),
        }
        return mask_tree(data) if mask else data


def compute_cadence(students: pd.DataFrame, events: pd.DataFrame, policy: Policy, *, as_of: dt.date,
                    due_within: int = 3, load_limit: int | None = None) -> Cadence:
    """Cadence compliance of ``students`` under ``policy`` on the report date ``as_of``.

    ``students``: student_key (unique), id_number, name, school, grade, class, mentor, categories (tuple of
    类别), enrolled_on (date or None), and optionally reported_on (the class's 填报日期, date or None: periods
    starting after it are 未报; blank or later than ``as_of`` → ``as_of``). ``events``: student_key, date, kind,
    party, mentor. ``due_within``: days ahead for the due-soon list; ``load_limit``: students per 帮扶教师 above
    which the load is flagged (default :data:`DEFAULT_LOAD_LIMIT`).
    """
    limit = DEFAULT_LOAD_LIMIT if load_limit is None else int(load_limit)
    cal = TermDays(policy.term)
    today = day_no(as_of)
    st = _Students(students, cal, today)
    ev = _Events(events, st, cal)
    s_app, r_app, gov = applicable(st, policy.rules)
    parts, flags = [], []
    for r_i, rule in enumerate(policy.rules):  # a loop over rules; students and events stay vectorised
        who = s_app[(r_app == r_i) & (gov == r_i)]
        if len(who):
            rows, flagged = _rule_periods(rule, r_i, who, st, ev, cal)
            parts.append(rows)
            flags.append(flagged)
    rows = {k: np.concatenate([p[k] for p in parts]) if parts else np.zeros(0, "int64") for k in _ROW_KEYS}
    flagged = {k: np.concatenate([f[k] for f in flags]) if flags else np.zeros(0, "int64") for k in _FLAG_KEYS}
    del parts, flags  # the per-rule pieces, concatenated: a county's ~80 MB not kept through the tables
    rows["outcome"] = _outcomes(rows, today, st.own)
    frames: Frames = build_frames(st.frame, st.attrs, rows, flagged, (s_app, r_app, gov), policy,
                                  ev.last_by_kind(policy, st.n), today=today, due_within=due_within, limit=limit)
    # the date each student's class is judged as of (its 填报日期 capped by as_of): the 待办 copies say it
    frames.students.insert(list(frames.students.columns).index("enrolled_on") + 1, "judged_on", as_datetime(st.own))
    return Cadence(**vars(frames), as_of=as_of, policy=policy, load_limit=limit, due_within=due_within)


_ROW_KEYS = ("s", "r", "period_no", "start", "end", "required", "done")
_FLAG_KEYS = ("s", "r", "start", "end", "required", "done", "last", "gap", "length", "late_a", "late_b", "own")


class _Students:
    """The students as arrays: a row index, enrolment and report day numbers, exploded category codes."""

    def __init__(self, students: pd.DataFrame, cal: TermDays, today: int) -> None:
        missing = [c for c in (*STUDENT_COLUMNS, "categories", "enrolled_on") if c not in students.columns]
        if missing:
            raise InputError(f"students is missing columns: {', '.join(missing)}")
        self.frame = students.reset_index(drop=True)
        self.n = len(self.frame)
        self.key_index = pd.Index(self.frame["student_key"].astype(object))
        if not self.key_index.is_unique:
            dup = self.key_index[self.key_index.duplicated()][0]
            raise InputError(f"student_key must be unique; {dup!r} appears more than once")
        self.attrs = {c: self.frame[c].astype(object).to_numpy() for c in STUDENT_COLUMNS}
        enrolled = to_day_numbers(self.frame["enrolled_on"])
        self.enrolled = np.where(enrolled == NO_DAY, cal.first, np.maximum(enrolled, cal.first))
        # each class as of its own 填报日期, capped by as_of (blank: as_of)
        self.own = np.full(self.n, today, dtype="int64")
        if "reported_on" in self.frame.columns:
            reported = to_day_numbers(self.frame["reported_on"])
            self.own = np.where(reported == NO_DAY, today, np.minimum(reported, today))
        # categories may be tuples, lists or 、-separated text: explode, then split the few distinct values
        cats = self.frame["categories"].explode()
        cats = cats[cats.notna()]
        codes, uniques = pd.factorize(cats.to_numpy(dtype=object))
        pieces = pd.Series([split_multi(str(u)) for u in uniques], dtype=object).explode().dropna()
        pairs = pd.DataFrame({"code": codes, "s": cats.index.to_numpy(dtype="int64")}).merge(
            pd.DataFrame({"code": pieces.index.to_numpy(), "cat": pieces.to_numpy(dtype=object)}), on="code")
        self.cat_s = pairs["s"].to_numpy(dtype="int64")
        self.cat_code, self.cat_names = pd.factorize(pairs["cat"].to_numpy(dtype=object))

    def with_any(self, names: set[str], *, negate: bool = False) -> np.ndarray:
        """Students holding a category in ``names`` (``negate``: a category not in ``names``), sorted."""
        codes = np.flatnonzero(np.isin(np.asarray(self.cat_names, dtype=object), list(names)))
        hit = np.isin(self.cat_code, codes)
        return np.unique(self.cat_s[~hit if negate else hit])


class _Events:
    """The counting candidates: events of known students dated inside the term and not after their class's report
    date."""

    def __init__(self, events: pd.DataFrame, st: _Students, cal: TermDays) -> None:
        missing = [c for c in ("student_key", "date", "kind", "party") if c not in events.columns]
        if missing:
            raise InputError(f"events is missing columns: {', '.join(missing)}")
        s = st.key_index.get_indexer(events["student_key"].astype(object))
        day = to_day_numbers(events["date"])
        keep = (s >= 0) & (day >= cal.first) & (day <= cal.last)
        keep[keep] &= day[keep] <= st.own[s[keep]]
        self.s, self.day = s[keep].astype("int64"), day[keep]
        self.kind, kinds = pd.factorize(events["kind"].astype(object).to_numpy()[keep])
        self.party, parties = pd.factorize(events["party"].astype(object).to_numpy()[keep])
        self.kinds, self.parties = pd.Index(kinds, dtype=object), pd.Index(parties, dtype=object)

    def _codes(self, index: pd.Index, names: tuple[str, ...]) -> np.ndarray:
        codes = index.get_indexer(pd.Index(list(names), dtype=object))
        return codes[codes >= 0]

    def counting(self, rule: Rule) -> np.ndarray:
        """Mask of the events that count for ``rule`` (kind, and party when the rule names one)."""
        mask = np.isin(self.kind, self._codes(self.kinds, rule.kinds))
        if rule.party is not None:
            mask &= np.isin(self.party, self._codes(self.parties, PARTY_MATCH.get(rule.party, (rule.party,))))
        return mask

    def last_by_kind(self, policy: Policy, n: int) -> dict[str, np.ndarray]:
        """Day number of each student's last contact of each kind the policy counts (NO_DAY when none)."""
        out: dict[str, np.ndarray] = {}
        for kind in dict.fromkeys(k for r in policy.rules for k in r.kinds):
            last = np.full(n, NO_DAY, dtype="int64")
            mask = np.isin(self.kind, self._codes(self.kinds, (kind,)))
            np.maximum.at(last, self.s[mask], self.day[mask])
            out[kind] = last
        return out


def applicable(st: _Students, rules: tuple[Rule, ...]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every (student, rule) that applies, as arrays (s, r, governing rule), sorted by student.

    ``gov[i] == r[i]`` where the rule governs; otherwise ``gov[i]`` is the rule that covers it.
    """
    s_parts, r_parts = [], []
    for r_i, rule in enumerate(rules):
        if ALL in rule.categories:
            who = np.arange(st.n)
        elif OTHER in rule.categories:
            named = {c for o in rules if o is not rule and set(o.kinds) == set(rule.kinds)
                     for c in o.categories if c not in (ALL, OTHER)}
            who = st.with_any(named, negate=True)
        else:
            who = st.with_any(set(rule.categories))
        s_parts.append(who)
        r_parts.append(np.full(len(who), r_i, dtype="int64"))
    if not s_parts:
        empty = np.zeros(0, dtype="int64")
        return empty, empty, empty
    s, r = np.concatenate(s_parts).astype("int64"), np.concatenate(r_parts)
    keys = {(frozenset(x.kinds), x.party) for x in rules}
    group_of = {k: i for i, k in enumerate(sorted(keys, key=lambda k: (sorted(k[0]), k[1] or "")))}
    group = np.array([group_of[(frozenset(x.kinds), x.party)] for x in rules], dtype="int64")[r]
    rank = np.array([x.rank for x in rules], dtype="int64")[r]
    minimum = np.array([x.minimum for x in rules], dtype="int64")[r]
    order = np.lexsort((r, -minimum, rank, group, s))  # strictest first inside each (student, kind group)
    s, r, group = s[order], r[order], group[order]
    first = np.ones(len(s), dtype=bool)
    first[1:] = (s[1:] != s[:-1]) | (group[1:] != group[:-1])
    gov = r[np.flatnonzero(first)[np.cumsum(first) - 1]]
    return s, r, gov


def _last_true(mask: np.ndarray, k: np.ndarray) -> np.ndarray:
    """Per row i, the last column index < k[i] where ``mask`` is True, or -1."""
    hit = mask & (np.arange(mask.shape[1])[None, :] < k[:, None])
    rev = hit[:, ::-1]
    idx = mask.shape[1] - 1 - np.argmax(rev, axis=1)
    return np.where(rev.any(axis=1), idx, -1)


def _rule_periods(rule: Rule, r_i: int, who: np.ndarray, st: _Students, ev: _Events, cal: TermDays
                  ) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Owed periods of one rule for the students it governs, and their overdue flags."""
    b = cal.bounds(rule.period)
    n, p = len(who), len(b)
    enrolled, own = st.enrolled[who], st.own[who]  # own: each student's report date
    owed = ~b.free[None, :] & (enrolled[:, None] <= b.mid[None, :])
    local = np.full(st.n, -1, dtype="int64")
    local[who] = np.arange(n)
    mask = ev.counting(rule)
    li, days = local[ev.s[mask]], ev.day[mask]
    li, days = li[li >= 0], days[li >= 0]
    done = np.bincount(li * p + b.locate(days), minlength=n * p).reshape(n, p)
    last = np.full(n, NO_DAY, dtype="int64")
    np.maximum.at(last, li, days)

    ri, pi = np.nonzero(owed)  # row-major: student, then period
    # int32 columns: the county table has millions of rows and day numbers fit easily
    rows = {"s": who[ri].astype("int32"), "r": np.full(len(ri), r_i, dtype="int32"),
            "period_no": (pi + 1).astype("int32"), "start": b.start[pi].astype("int32"),
            "end": b.end[pi].astype("int32"), "required": np.full(len(ri), rule.minimum, dtype="int32"),
            "done": done[ri, pi].astype("int32")}

    # Overdue (a): the last closed owed period is not met; (b): no counting contact for longer than one period.
    closed = np.searchsorted(b.end, own, side="left")  # periods ending before the report date
    started = np.searchsorted(b.start, own, side="right")  # periods starting on or before it
    a_idx = _last_true(owed, closed)
    c_idx = _last_true(owed, started)
    ar = np.arange(n)
    late_a = (a_idx >= 0) & (done[ar, np.maximum(a_idx, 0)] < rule.minimum)
    first_owed = np.argmax(owed, axis=1)
    since = np.where(last != NO_DAY, last, np.maximum(b.start[first_owed], enrolled) - 1)
    gap = cal.open_days(since + 1, own)  # holidays do not count as days without contact
    length = nominal_days(cal.term, rule.period)
    late_b = (c_idx >= 0) & (gap > length)
    pick = np.where(late_a, a_idx, c_idx)
    sel = np.flatnonzero(late_a | late_b)
    k = pick[sel]
    flagged = {"s": who[sel], "r": np.full(len(sel), r_i, dtype="int64"), "start": b.start[k], "end": b.end[k],
               "required": np.full(len(sel), rule.minimum, dtype="int64"), "done": done[sel, k], "last": last[sel],
               "gap": gap[sel], "length": np.full(len(sel), length, dtype="int64"), "late_a": late_a[sel],
               "late_b": late_b[sel], "own": own[sel]}
    return rows, flagged


def _outcomes(rows: dict[str, np.ndarray], today: int, own: np.ndarray) -> np.ndarray:
    mine = own[rows["s"]]  # each row's class report date
    return np.select([rows["start"] > today, rows["start"] > mine, rows["done"] >= rows["required"],
                      rows["end"] < mine], [LATER, UNREPORTED, MET, MISSED], OPEN).astype("int8")


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as plain dicts: dates as ISO text, NaN/NaT as None, numpy scalars as Python ones."""
    out = frame.copy()
    for c in out.columns:
        col = out[c]
        if isinstance(col.dtype, pd.CategoricalDtype):
            col = col.astype(object)
        if pd.api.types.is_datetime64_any_dtype(col):
            out[c] = pd.Series([None if pd.isna(v) else v.date().isoformat() for v in col], index=out.index,
                               dtype=object)
        else:
            out[c] = col.astype(object).where(col.notna(), None)
    return [{str(k): _plain(v) for k, v in row.items()} for row in out.to_dict("records")]


def _plain(v: Any) -> Any:
    if isinstance(v, np.generic):
        return v.item()
    if isinstance(v, (dt.date, pd.Timestamp)):
        return v.isoformat()[:10]
    if isinstance(v, tuple):
        return list(v)
    return v
