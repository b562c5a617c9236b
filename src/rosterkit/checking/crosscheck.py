"""Checks that look at more than one cell: conditions between fields, ID against birth date and gender,
duplicates, dates against the term and the report date, and the contact log against the roster."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pandas as pd

from rosterkit.checking.validate import SheetContext
from rosterkit.core import idcard
from rosterkit.core.labels import norm_label
from rosterkit.core.template import Condition, Field
from rosterkit.core.values import blank
from rosterkit.issues import Issue

TERM_RULE = "学期内"
# What teachers put between two students' names in one cell. Not spaces (「欧阳 明月」 is one name typed with a
# space) and not 「·」 (the middle dot of Uyghur and other transliterated names).
NAME_SEPARATORS = re.compile(r"[、，,/／;；]+")
NAME_LIKE = re.compile(r"[\u3400-\u9fffA-Za-z·•． .]{2,20}")
ID_LIKE = re.compile(r"\d{17}[\dXx]")


def _items(frame: pd.DataFrame, key: str) -> zip[tuple[int, Any]]:
    """(Excel row, value) pairs of one column."""
    return zip(frame.index.tolist(), frame[key].tolist())


def _field_by_label(ctx: SheetContext, label: str) -> Field | None:
    want = norm_label(label)
    return next((f for f in ctx.spec.fields if want in f.names()), None)


def _holds(cond: Condition, value: Any) -> bool:
    if cond.when_blank:
        return blank(value)
    if isinstance(value, tuple):
        return any(v in cond.values for v in value)
    return value in cond.values


def conditional(frame: pd.DataFrame, ctx: SheetContext) -> list[Issue]:
    """``conditional-missing``: a field the template requires only when another field says so."""
    out: list[Issue] = []
    for f in ctx.spec.fields:
        if f.condition is None or f.key not in frame:
            continue
        other = _field_by_label(ctx, f.condition.label)
        if other is None or other.key not in frame:
            continue
        for row, value, target in zip(frame.index.tolist(), frame[other.key], frame[f.key]):
            if blank(target) and _holds(f.condition, value):
                out.append(ctx.issue("conditional-missing", f.key, row, None, condition=f.condition.describe()))
    return out


def id_agreement(frame: pd.DataFrame, ctx: SheetContext) -> list[Issue]:
    """``id-birth-mismatch`` / ``id-gender-mismatch``: the ID number carries both."""
    if "id_number" not in frame:
        return []
    out: list[Issue] = []
    none = [None] * len(frame)
    births = frame["birth_date"].tolist() if "birth_date" in frame else none
    genders = frame["gender"].tolist() if "gender" in frame else none
    for (row, number), birth, gender in zip(_items(frame, "id_number"), births, genders):
        if not isinstance(number, str) or idcard.id_problem(number) is not None:
            continue
        if isinstance(birth, dt.date) and birth != idcard.birth_date(number):
            out.append(ctx.issue("id-birth-mismatch", "birth_date", row, birth,
                                 expected=f"{idcard.birth_date(number):%Y-%m-%d}"))
        if gender in ("男", "女") and gender != idcard.gender(number):
            out.append(ctx.issue("id-gender-mismatch", "gender", row, gender, expected=idcard.gender(number)))
    return out


def several_names(value: Any) -> bool:
    """「刘梓萌、刘梓涵」: two or more names in one name cell, each part a name (Chinese or Latin letters)."""
    if not isinstance(value, str):
        return False
    parts = [p.strip() for p in NAME_SEPARATORS.split(value) if p.strip()]
    return len(parts) > 1 and all(NAME_LIKE.fullmatch(p) for p in parts)


def several_ids(value: Any) -> bool:
    """Two ID numbers in one cell (siblings typed into one row)."""
    return isinstance(value, str) and len(ID_LIKE.findall(value)) > 1


def several_students(rec: dict[Any, Any]) -> bool:
    """A roster record that holds more than one student: it is no student (see :func:`multiple_students`)."""
    return several_names(rec.get("name")) or several_ids(rec.get("id_number"))


def multiple_students(frame: pd.DataFrame, ctx: SheetContext) -> list[Issue]:
    """``multiple-students``: two names in 姓名 / 学生姓名, or two IDs in 身份证号, at that cell. The row
    names no one student, so it is never counted as one (roster) nor linked to one (log)."""
    out: list[Issue] = []
    for key, test in (("name", several_names), ("student_name", several_names), ("id_number", several_ids)):
        if key in frame:
            out += [ctx.issue("multiple-students", key, row, v) for row, v in _items(frame, key) if test(v)]
    return out


def duplicates(frame: pd.DataFrame, ctx: SheetContext) -> list[Issue]:
    """``duplicate-student``: the same ID number on two rows of one sheet (each repeat names the first)."""
    if "id_number" not in frame:
        return []
    first: dict[str, int] = {}
    out: list[Issue] = []
    for row, number in _items(frame, "id_number"):
        if not isinstance(number, str) or not number or idcard.digits_lost(number):
            continue  # 4.30725E+17 names no one: two students whose IDs Excel rounded alike are not one
        if number in first:
            out.append(ctx.issue("duplicate-student", "id_number", row, number, other=first[number]))
        else:
            first[number] = row
    return out


def dates(frame: pd.DataFrame, ctx: SheetContext) -> list[Issue]:
    """One code per date cell, the first that applies: ``date-out-of-term`` (fields whose rule is 学期内: the
    contact log, 「本学期内，不晚于填报日期」), ``date-after-report`` (those fields, after the file's own 填报日期),
    ``date-in-future`` (any date field, after the report date ``--as-of``).

    The file's own 填报日期 comes before ``--as-of``: the teacher can check the date against it in the very file,
    while ``--as-of`` is the coordinator's and speaks where the file gives no 填报日期 (or a later one)."""
    out: list[Issue] = []
    for f in ctx.spec.fields:
        if f.type != "date" or f.key not in frame:
            continue
        in_term = ctx.term is not None and f.rule == TERM_RULE
        for row, day in _items(frame, f.key):
            if not isinstance(day, dt.date):
                continue
            if in_term and ctx.term is not None and not ctx.term.contains(day):
                out.append(ctx.issue("date-out-of-term", f.key, row, day, term=ctx.term.describe()))
            elif f.rule == TERM_RULE and ctx.report_date is not None and day > ctx.report_date:
                out.append(ctx.issue("date-after-report", f.key, row, day, filled_on=f"{ctx.report_date:%Y-%m-%d}"))
            elif day > ctx.as_of:
                out.append(ctx.issue("date-in-future", f.key, row, day, as_of=f"{ctx.as_of:%Y-%m-%d}"))
    return out


def link_log(log: pd.DataFrame, roster: pd.DataFrame, ctx: SheetContext) -> tuple[pd.Series, list[Issue]]:
    """Each contact row → the roster row of its student (by name, and by ID where names repeat).

    Returns the roster Excel row per log row (missing where it cannot be told) and the problems.
    """
    out: list[Issue] = []
    linked: dict[int, int] = {}
    if "student_name" not in log or "name" not in roster:
        return _as_series(linked, log), out
    by_name: dict[str, list[int]] = {}
    for row, name in _items(roster, "name"):
        if isinstance(name, str):
            by_name.setdefault(name, []).append(row)
    ids = dict(_items(roster, "id_number")) if "id_number" in roster else {}
    # One student typed twice (same ID: duplicate-student) is one candidate, not two namesakes.
    by_name = {name: _one_per_id(rows, ids) for name, rows in by_name.items()}
    given_ids = log["id_number"].tolist() if "id_number" in log else [None] * len(log)
    for (row, name), given in zip(_items(log, "student_name"), given_ids):
        if not isinstance(name, str) or several_names(name):
            continue  # two students in one row: multiple-students, linked to neither
        candidates = by_name.get(name, [])
        if not candidates:
            out.append(ctx.issue("log-unknown-student", "student_name", row, name))
            continue
        if isinstance(given, str) and given and not idcard.digits_lost(given):
            hit = [r for r in candidates if ids.get(r) == given]
            if hit:
                linked[row] = hit[0]
            else:
                expected = name if len(candidates) == 1 else f"{name}（{len(candidates)} 人同名）"
                out.append(ctx.issue("log-id-mismatch", "id_number", row, given, expected=expected))
        elif len(candidates) > 1:
            out.append(ctx.issue("log-ambiguous-student", "student_name", row, name))
        else:
            linked[row] = candidates[0]
    return _as_series(linked, log), out


def _one_per_id(rows: list[int], ids: dict[int, Any]) -> list[int]:
    """Roster rows of one name, the repeats of an ID left out (the first row stands for the student)."""
    seen: set[str] = set()
    out: list[int] = []
    for r in rows:
        number = ids.get(r)
        if isinstance(number, str) and number and not idcard.digits_lost(number):
            if number in seen:
                continue
            seen.add(number)
        out.append(r)
    return out


def _as_series(linked: dict[int, int], log: pd.DataFrame) -> pd.Series:
    return pd.Series(linked, index=log.index, dtype="Int64")
