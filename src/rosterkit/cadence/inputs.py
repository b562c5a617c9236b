"""Merged roster + contact logs → the inputs of the cadence engine, and the cadence step of a run.

Each student carries its class file's 填报日期 (``reported_on``): the class is judged as of it, capped by ``as_of``.

Students are every roster row of the classes' newest submissions, including rows left out of the school roster
for data errors: a student with a mistyped phone is still owed visits; a student typed twice in one file (same ID)
is one student, a row holding two students (multiple-students) none. Contacts are the valid contact-log rows
linked to one of those students; a contact row with errors (a date in the future, an unknown student) does not
count, and is already in the problem list.
"""

from __future__ import annotations

import datetime as dt
from itertools import compress
from pathlib import Path
from typing import Any

import pandas as pd

from rosterkit.cadence.engine import Cadence, compute_cadence
from rosterkit.checking.crosscheck import several_students
from rosterkit.core.idcard import digits_lost
from rosterkit.core.policy import load_policy
from rosterkit.core.template import load_template
from rosterkit.merging.merge import MergeResult

STUDENT_COLUMNS = ["student_key", "id_number", "name", "school", "grade", "class", "mentor", "categories",
                   "enrolled_on", "source_file", "source_row"]
EVENT_COLUMNS = ["student_key", "date", "kind", "party", "mentor"]


def _key(file: str, row: Any) -> str:
    return f"{file}#{int(row)}"


def _tuple(v: Any) -> tuple[str, ...]:
    if isinstance(v, tuple):
        return v
    return (str(v),) if isinstance(v, str) and v else ()


def _once_per_id(students: pd.DataFrame) -> pd.DataFrame:
    """A student typed twice in one file (same ID: duplicate-student) is one student, its first row: the
    contacts are linked to that row, and the mentor's count must not double."""
    ids = students["id_number"].map(lambda v: v if isinstance(v, str) and v and not digits_lost(v) else None)
    if ids.notna().sum() == ids.nunique():
        return students  # the usual case: every ID once
    order = pd.DataFrame({"file": students["source_file"], "row": students["source_row"], "id": ids})
    order = order[order["id"].notna()].sort_values(["file", "row"], kind="stable")
    repeats = order.index[order.duplicated(["file", "id"])]
    return students.drop(index=repeats)


def cadence_inputs(result: MergeResult) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(students, events) frames in the shape :func:`rosterkit.cadence.engine.compute_cadence` takes."""
    columns = [c for c in STUDENT_COLUMNS if c != "student_key"]
    left = result.left_out[result.left_out["kind"] == "errors"] if len(result.left_out) else result.left_out
    # merge put the class's school and label parts into each record: the same class as the roster's rows
    rows = [{**rec["record"], "source_file": rec["file"], "source_row": rec["row"]} for rec in left.to_dict("records")
            if not several_students(rec["record"])]  # 「刘梓萌、刘梓涵」 is no one student: multiple-students
    students = result.roster.reindex(columns=columns)  # column-wise: 90,000 row dicts cost seconds
    if rows:
        students = pd.concat([students, pd.DataFrame(rows, columns=columns)], ignore_index=True)
    students = _once_per_id(students).reset_index(drop=True)
    students.insert(0, "student_key", [_key(f, r) for f, r in zip(students["source_file"], students["source_row"])])
    students["categories"] = students["categories"].map(_tuple)
    students["enrolled_on"] = students["enrolled_on"].map(lambda v: v if isinstance(v, dt.date) else None)
    # each class is judged as of its own 填报日期 (compute_cadence caps it by as_of): periods after it are 未报
    filled = {f.name: f.meta.get("filled_on") for f in result.report.files}
    students["reported_on"] = [d if isinstance(d := filled.get(f), dt.date) else None for f in students["source_file"]]
    students = students.astype({"school": object, "grade": object, "class": object, "mentor": object})
    used = set(students["source_file"])
    known = set(students["student_key"])
    events: dict[str, list[Any]] = {c: [] for c in EVENT_COLUMNS}
    for f in result.report.files:  # plain lists, one frame at the end: per-file frames cost ms a file
        log = f.frames.get("log")
        if f.name not in used or log is None or log.empty or "student_row" not in log:
            continue
        ok = log["valid"].to_numpy(dtype=bool) & log["student_row"].notna().to_numpy()
        if not ok.any():
            continue
        cols: list[list[Any]] = [log[c].to_numpy(dtype=object)[ok].tolist() if c in log else [None] * int(ok.sum())
                for c in ("student_row", "date", "kind", "party", "mentor")]
        name = f.name
        keys = [f"{name}#{int(row)}" for row in cols[0]]  # _key, inlined: ~400,000 rows
        keep = [k in known for k in keys]
        whole = all(keep)  # the usual case: every linked row's student is in the roster
        for c, values in zip(EVENT_COLUMNS, [keys, *cols[1:]]):
            events[c] += values if whole else compress(values, keep)
    return students, pd.DataFrame(events, columns=EVENT_COLUMNS, dtype=object)


def follow_up(result: MergeResult, *, as_of: dt.date | None = None, policy: str | Path | None = None,
              due_within: int = 3, load_limit: int | None = None) -> Cadence:
    """Cadence compliance of a merged school under the policy workbook (default: the official one), in the term
    学校信息's 学年学期 names, else the one holding ``as_of``. The policy workbook's problems are in
    ``policy_issues``."""
    day = as_of or dt.date.today()
    tpl = load_template()
    kinds = tpl.log.field("kind")
    cats = tpl.roster.field("categories")
    pol, problems = load_policy(policy, on=day, name=result.school.term or None,
                                kinds=kinds.allowed if kinds else None, categories=cats.allowed if cats else None)
    students, events = cadence_inputs(result)
    cad = compute_cadence(students, events, pol, as_of=day, due_within=due_within, load_limit=load_limit)
    cad.policy_issues = problems
    return cad
