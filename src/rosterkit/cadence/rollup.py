"""Tables of a cadence result: periods, rules, the roll-ups per student / teacher / class / school, and the
overdue and due-soon lists. Called by :func:`rosterkit.cadence.engine.compute_cadence`; works on the arrays it builds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from rosterkit.cadence.periods import NO_DAY, as_datetime
from rosterkit.core.order import school_order
from rosterkit.core.policy import Policy

# 未报: the period starts after the class's own 填报日期 (its file cannot show it yet); counted like 未到期.
OUTCOMES: tuple[str, ...] = ("达标", "未达标", "进行中", "未到期", "未报")
MET, MISSED, OPEN, LATER, UNREPORTED = range(5)
STUDENT_COLUMNS: tuple[str, ...] = ("student_key", "id_number", "name", "school", "grade", "class", "mentor")
NO_MENTOR = "（未填写）"  # how a blank 帮扶教师 is shown in the per-teacher table
_COUNTS = ("periods_owed", "periods_met", "periods_missed", "periods_in_progress", "periods_upcoming",
           "periods_unreported")

Arrays = dict[str, np.ndarray]


@dataclass
class Frames:
    periods: pd.DataFrame
    rules: pd.DataFrame
    students: pd.DataFrame
    teachers: pd.DataFrame
    classes: pd.DataFrame
    school: pd.DataFrame
    overdue: pd.DataFrame
    due_soon: pd.DataFrame


def build_frames(students: pd.DataFrame, attrs: Arrays, rows: Arrays, flagged: Arrays,
                 app: tuple[np.ndarray, np.ndarray, np.ndarray], policy: Policy, last_by_kind: Arrays, *,
                 today: int, due_within: int, limit: int) -> Frames:
    """All the tables, from the period rows and overdue flags of every governing rule."""
    names = [r.name for r in policy.rules]
    kinds = np.array([r.describe_kinds() for r in policy.rules] or [""], dtype=object)
    periods = _periods(attrs, rows, names)
    # a class's 进行中 period that ended before the report date (it holds the class's 填报日期) is not "due soon"
    due = (rows["outcome"] == OPEN) & (rows["end"] >= today) & (rows["end"] - today <= due_within)
    ranks = _ranks(attrs)
    due_soon = _due_soon(attrs, ranks, {k: v[due] for k, v in rows.items()}, names, kinds, today)
    overdue = _overdue(attrs, ranks, flagged, names, kinds)
    per_student = _students(students, attrs, rows, flagged, due, app, last_by_kind, today)
    return Frames(periods, _rules(attrs, app, policy), per_student, _teachers(per_student, limit),
                  _classes(per_student), _schools(per_student, limit), overdue, due_soon)


def _take(attrs: Arrays, s: np.ndarray, columns: tuple[str, ...] = STUDENT_COLUMNS) -> dict[str, np.ndarray]:
    return {c: attrs[c][s] for c in columns}


def _categorical_take(values: np.ndarray, s: np.ndarray) -> pd.Categorical:
    """``values[s]`` as a Categorical: taking int codes is far cheaper than copying millions of objects."""
    codes, uniques = pd.factorize(values)
    # int32 codes before the take: a county's 2.8M int64 codes per column would be copied to int32 anyway
    return pd.Categorical.from_codes(codes.astype(np.int32)[s], categories=pd.Index(uniques, dtype=object))


def _periods(attrs: Arrays, rows: Arrays, names: list[str]) -> pd.DataFrame:
    """One row per owed period; student columns are Categorical (the table has millions of rows in a county)."""
    order = np.argsort(rows["s"], kind="stable").astype(np.int32)  # student-major; rules, periods in order
    s = rows["s"][order]
    # column by column, each taken in order only when it is made: a county's temporaries stay one column wide
    columns: dict[str, object] = {c: _categorical_take(attrs[c], s) for c in STUDENT_COLUMNS}
    del s
    columns["rule"] = pd.Categorical.from_codes(rows["r"][order], categories=pd.Index(names, dtype=object))
    columns["period_no"] = rows["period_no"][order]
    columns["period_start"] = as_datetime(rows["start"][order])
    columns["period_end"] = as_datetime(rows["end"][order])
    columns["required"] = rows["required"][order]
    columns["done"] = rows["done"][order]
    columns["outcome"] = pd.Categorical.from_codes(rows["outcome"][order], categories=pd.Index(OUTCOMES, dtype=object))
    return pd.DataFrame(columns, copy=False)


def _rules(attrs: Arrays, app: tuple[np.ndarray, np.ndarray, np.ndarray], policy: Policy) -> pd.DataFrame:
    order = np.lexsort((app[1], app[0]))  # by student, then policy order
    s, r, gov = (a[order] for a in app)
    meta = policy.rules
    name = np.array([x.name for x in meta] or [""], dtype=object)
    covered_by = name[gov] if len(gov) else np.zeros(0, dtype=object)
    covered_by[gov == r] = None  # the rule governs itself
    return pd.DataFrame({
        **_take(attrs, s, ("student_key", "id_number", "name", "school", "grade", "class", "mentor")),
        "rule": name[r] if len(r) else np.zeros(0, dtype=object),
        "period": np.array([x.period for x in meta] or [""], dtype=object)[r],
        "required": np.array([x.minimum for x in meta] or [0], dtype="int64")[r],
        "kinds": np.array([x.describe_kinds() for x in meta] or [""], dtype=object)[r],
        "governs": gov == r,
        "covered_by": pd.Series(covered_by, dtype=object),
    })


def rate(met: npt.ArrayLike, missed: npt.ArrayLike) -> np.ndarray:
    """达标 / (达标 + 未达标); NaN when no period is decided yet (counts, or arrays of them; the writers use it too)."""
    met, missed = np.asarray(met, dtype=float), np.asarray(missed, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(met + missed > 0, met / (met + missed), np.nan)


def _students(students: pd.DataFrame, attrs: Arrays, rows: Arrays, flagged: Arrays, due: np.ndarray,
              app: tuple[np.ndarray, np.ndarray, np.ndarray], last_by_kind: Arrays, today: int) -> pd.DataFrame:
    n = len(students)
    count = {k: np.bincount(rows["s"][rows["outcome"] == k], minlength=n) for k in range(len(OUTCOMES))}
    s_app, r_app, gov = app
    out = pd.DataFrame({
        **_take(attrs, np.arange(n)),
        "categories": students["categories"].to_numpy(dtype=object),
        "enrolled_on": students["enrolled_on"].to_numpy(dtype=object),
        "rules": np.bincount(s_app[gov == r_app], minlength=n),
        "periods_owed": count[MET] + count[MISSED] + count[OPEN],
        "periods_met": count[MET],
        "periods_missed": count[MISSED],
        "periods_in_progress": count[OPEN],
        "periods_upcoming": count[LATER],
        "periods_unreported": count[UNREPORTED],
    })
    out["compliance_rate"] = rate(out["periods_met"], out["periods_missed"])
    out["overdue_items"] = np.bincount(flagged["s"], minlength=n)
    out["due_soon_items"] = np.bincount(rows["s"][due], minlength=n)
    for kind, last in last_by_kind.items():
        out[f"last_{kind}"] = as_datetime(last)
        days = pd.array(today - last, dtype="Int64")
        days[last == NO_DAY] = pd.NA
        out[f"days_since_{kind}"] = days
    return out


def _group(per_student: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    frame = per_student.assign(overdue=per_student["overdue_items"] > 0, due=per_student["due_soon_items"] > 0)
    out = frame.groupby(keys, dropna=False, sort=True).agg(
        students=("student_key", "size"),
        **{c: (c, "sum") for c in _COUNTS},
        students_overdue=("overdue", "sum"),
        students_due_soon=("due", "sum"),
    ).reset_index()
    out["compliance_rate"] = rate(out["periods_met"], out["periods_missed"])
    return out


def _teachers(per_student: pd.DataFrame, limit: int) -> pd.DataFrame:
    frame = per_student.assign(mentor=per_student["mentor"].where(per_student["mentor"].notna(), NO_MENTOR))
    out = _group(frame, ["school", "mentor"])
    out["load_limit"] = limit
    out["over_load"] = (out["students"] > limit) & (out["mentor"] != NO_MENTOR)
    return out


def _classes(per_student: pd.DataFrame) -> pd.DataFrame:
    out = _group(per_student, ["school", "grade", "class"])
    mentors = per_student.groupby(["school", "grade", "class"], dropna=False, sort=True)["mentor"].nunique()
    out.insert(3, "mentors", mentors.to_numpy())
    return out.iloc[school_order(out["school"], out["grade"], out["class"])].reset_index(drop=True)


def _schools(per_student: pd.DataFrame, limit: int) -> pd.DataFrame:
    """One row per school (one row in all when the data hold one school)."""
    out = _group(per_student, ["school"])
    # grouped like ``out`` (by school, NaN kept, sorted), so the arrays line up with its rows
    classes = per_student.drop_duplicates(["school", "grade", "class"]).groupby(
        ["school"], dropna=False, sort=True).size()
    load = per_student[per_student["mentor"].notna()].groupby(["school", "mentor"], dropna=False).size()
    heavy = (load > limit).groupby(level=0, dropna=False).sum()
    out.insert(1, "classes", classes.to_numpy())
    out.insert(2, "teachers", per_student.groupby(["school"], dropna=False, sort=True)["mentor"].nunique().to_numpy())
    out.insert(3, "teachers_over_load", heavy.reindex(classes.index, fill_value=0).to_numpy(dtype="int64"))
    return out


def _ranks(attrs: Arrays) -> tuple[np.ndarray, np.ndarray]:
    """Per student: the rank of its teacher (school, mentor) and its rank by (school, mentor, grade, class, name),
    so that lists can be sorted on integers rather than on millions of strings."""
    keys = ["school", "mentor", "grade", "class", "name"]
    frame = pd.DataFrame({k: attrs[k] for k in keys})
    order = frame.sort_values(keys, na_position="last", kind="stable").index.to_numpy()
    student_rank = np.empty(len(order), dtype="int64")
    student_rank[order] = np.arange(len(order))
    teacher_rank = frame.groupby(["school", "mentor"], dropna=False, sort=True).ngroup().to_numpy()
    return teacher_rank, student_rank


def _sorted(frame: pd.DataFrame, ranks: tuple[np.ndarray, np.ndarray], s: np.ndarray,
            urgency: np.ndarray) -> pd.DataFrame:
    """Per teacher, most urgent first (``urgency``: smaller is more urgent)."""
    teacher_rank, student_rank = ranks
    order = np.lexsort((student_rank[s], urgency, teacher_rank[s]))
    return frame.iloc[order].reset_index(drop=True)


_STR = np.dtypes.StringDType()


def _text(*parts: np.ndarray | str) -> np.ndarray:
    """Element-wise concatenation of arrays (text or numbers) and constants, in C (numpy.strings)."""
    out = np.asarray("", dtype=_STR)
    for part in parts:
        out = np.strings.add(out, part if isinstance(part, str) else np.asarray(part).astype(_STR))
    return out


def _lead(attrs: Arrays, s: np.ndarray) -> dict[str, np.ndarray]:
    return _take(attrs, s, ("school", "mentor", "grade", "class", "student_key", "id_number", "name"))


def _due_soon(attrs: Arrays, ranks: tuple[np.ndarray, np.ndarray], rows: Arrays, names: list[str],
              kinds: np.ndarray, today: int) -> pd.DataFrame:
    lack = rows["required"] - rows["done"]
    kinds_text = kinds[rows["r"]]
    frame = pd.DataFrame({
        **_lead(attrs, rows["s"]),
        "rule": np.array(names or [""], dtype=object)[rows["r"]],
        "kinds": kinds_text,
        "period_start": as_datetime(rows["start"]),
        "period_end": as_datetime(rows["end"]),
        "required": rows["required"],
        "done": rows["done"].astype("int64"),
        "missing": _text(kinds_text, "还差 ", lack, " 次").astype(object),
        "days_left": (rows["end"] - today).astype("int64"),
    })
    return _sorted(frame, ranks, rows["s"], frame["days_left"].to_numpy())


def _overdue(attrs: Arrays, ranks: tuple[np.ndarray, np.ndarray], f: Arrays, names: list[str],
             kinds: np.ndarray) -> pd.DataFrame:
    late_a, late_b = f["late_a"].astype(bool), f["late_b"].astype(bool)
    kinds_text = kinds[f["r"]]
    text_a = np.where(late_a, _text("上一周期", kinds_text, "差 ", f["required"] - f["done"], " 次"), "")
    text_b = np.where(late_b, _text("已 ", f["gap"], " 天没有", kinds_text), "")
    missing = _text(text_a, np.where(late_a & late_b, "；", ""), text_b).astype(object)
    reason = np.select([late_a & late_b, late_a], ["未达标；久未联系", "未达标"], "久未联系").astype(object)
    # own: each class's report date (its 填报日期 capped by as_of)
    days = np.maximum(np.where(late_a, f["own"] - f["end"], 0), np.where(late_b, f["gap"] - f["length"], 0))
    frame = pd.DataFrame({
        **_lead(attrs, f["s"]),
        "rule": np.array(names or [""], dtype=object)[f["r"]],
        "kinds": kinds_text,
        "period_start": as_datetime(f["start"]),
        "period_end": as_datetime(f["end"]),
        "required": f["required"],
        "done": f["done"].astype("int64"),
        "missing": missing,
        "last_contact": as_datetime(f["last"]),
        "days_without": f["gap"].astype("int64"),
        "days_overdue": days.astype("int64"),
        "reason": reason,
    })
    return _sorted(frame, ranks, f["s"], -frame["days_overdue"].to_numpy())
