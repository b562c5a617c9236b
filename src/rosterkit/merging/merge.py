"""Class submissions → the school-wide roster, submission tracking, cross-class duplicates and conflicts.

Every roster row read ends in exactly one place: the merged roster, or ``left_out`` with its reason (errors,
or a class's older submission). ``MergeResult.rows_read == len(roster) + len(left_out)``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Hashable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from rosterkit.checking.report import CheckReport, FileResult
from rosterkit.core.idcard import digits_lost
from rosterkit.core.masking import mask_tree
from rosterkit.core.order import class_order_key, file_order_key, natural_key, school_order
from rosterkit.core.template import load_template
from rosterkit.merging.school import SchoolInfo, class_id, class_label, class_parts

# Fields that legitimately differ when a student appears twice (a move between classes), or are bookkeeping.
NOT_COMPARED = frozenset({"seq", "grade", "class", "mentor", "mentor_phone", "note", "enrolled_on", "valid"})
STATUS_OK, STATUS_MISSING, STATUS_ERRORS, STATUS_TWICE = "已提交", "未提交", "有错误", "重复提交"
STATUS_UNEXPECTED, STATUS_UNREADABLE = "名单外", "无法识别"


@dataclass
class MergeResult:
    """The merged school roster and what the coordinator must follow up, as DataFrames."""

    roster: pd.DataFrame
    submissions: pd.DataFrame
    duplicates: pd.DataFrame
    conflicts: pd.DataFrame
    left_out: pd.DataFrame
    school: SchoolInfo
    report: CheckReport
    rows_read: int
    labels: dict[str, str] = field(default_factory=dict)  # field key → column label of the ledger template
    path: Path | None = None  # where merge_inbox wrote 学校花名册.xlsx (None: not written)

    @property
    def missing(self) -> pd.DataFrame:
        """The chase list: expected classes that sent nothing, with their 班主任."""
        return self.submissions[self.submissions["status"] == STATUS_MISSING]

    def to_dict(self, *, mask: bool = False) -> dict[str, Any]:
        """The ``--json`` shape; with ``mask`` every ID and phone number in it is masked."""
        def records(frame: pd.DataFrame) -> list[dict[Hashable, Any]]:
            return [{k: _jsonable(v) for k, v in row.items()} for row in frame.to_dict("records")]
        data = {
            "roster_rows": len(self.roster), "rows_read": self.rows_read,
            # _jsonable: a class that sent nothing has file NaN in the frame, null in JSON
            "classes": [{"school": _jsonable(r["school"]), "class": r["label"], "status": r["status"],
                         "file": _jsonable(r["file"]), "head_teacher": r["head_teacher"]}
                        for r in self.submissions.to_dict("records")],
            "duplicates": records(self.duplicates), "conflicts": records(self.conflicts),
            "left_out": records(self.left_out.drop(columns=["record"], errors="ignore")),
        }
        return mask_tree(data) if mask else data


def _jsonable(v: Any) -> Any:
    if isinstance(v, (dt.date, dt.datetime)):
        return v.isoformat()
    if isinstance(v, tuple):
        return list(v)
    if v is None or (isinstance(v, float) and pd.isna(v)):
        return None
    return v


ClassId = tuple[str, str, str]  # school.class_id: (学校, 年级, 班级)


@dataclass
class _Submission:
    result: FileResult
    school: str
    grade: str  # grade and klass as school.class_parts makes them: grade + klass is the class's label
    klass: str
    key: ClassId
    filled_on: dt.date | None
    mtime: float


def _identify(f: FileResult, info: SchoolInfo) -> _Submission | None:
    frame = f.frames.get("roster")
    grade, klass = f.meta.get("grade"), f.meta.get("class")
    if frame is not None and len(frame) and (not grade or not klass):
        grade = grade or _mode(frame.get("grade"))
        klass = klass or _mode(frame.get("class"))
    if not grade and not klass:
        return None
    mtime = f.path.stat().st_mtime if f.path.exists() else 0.0
    school = info.school_of(f.meta.get("school"))
    g, c = class_parts(str(grade or ""), str(klass or ""))
    return _Submission(f, school, g, c, class_id(school, g, c), f.meta.get("filled_on"), mtime)


def _mode(col: pd.Series | None) -> str | None:
    if col is None:
        return None
    values = col.dropna()
    return str(values.mode().iloc[0]) if len(values) else None


def merge_report(report: CheckReport, school: SchoolInfo, *, include_invalid: bool = False) -> MergeResult:
    """Merge the checked class ledgers of ``report`` into one school roster (see :class:`MergeResult`); ``school``:
    学校信息's expected classes. (:func:`rosterkit.merge` takes an inbox too, and checks it first.)"""
    subs = [s for f in report.files if (s := _identify(f, school)) is not None]
    groups: dict[ClassId, list[_Submission]] = {}
    for s in subs:
        groups.setdefault(s.key, []).append(s)
    for group in groups.values():  # newest first: by 填报日期, then by file time
        group.sort(key=lambda s: (s.filled_on or dt.date.min, s.mtime), reverse=True)
    expected = {c.key: c for c in school.classes}
    kept, left = _split_rows(groups, expected, include_invalid)
    roster = _assemble(kept, school)
    duplicates, conflicts = _cross_class(roster, left)
    rows_read = sum(len(f.frames["roster"]) for f in report.files if "roster" in f.frames)
    labels = {f.key: f.label for f in load_template().roster.fields}
    submissions = _submissions(groups, expected, report, school)
    return MergeResult(roster, submissions, duplicates, conflicts, left, school, report, rows_read, labels)


def _split_rows(groups: dict[ClassId, list[_Submission]], expected: dict[ClassId, Any],
                include_invalid: bool) -> tuple[pd.DataFrame | None, pd.DataFrame]:
    """The rows kept (one frame, with where each came from) and the rows left out, with why.

    One concat and column-wide assignments for the whole inbox: per-file DataFrame work costs milliseconds
    a file, which at a county's 2,000 files was most of the merge."""
    parts: list[pd.DataFrame] = []
    names: list[str] = []
    problems: list[str] = []
    grades: list[Any] = []
    classes: list[Any] = []
    schools: list[Any] = []
    left: list[dict[str, Any]] = []
    for key, group in groups.items():
        newest = group[0]
        match = expected.get(key)
        # the label 学校信息 gives the class, else the canonical one; the school 学校信息 spells, else the ledger's
        where = (match.school or None, *match.parts) if match else (newest.school or None, newest.grade, newest.klass)
        for s in group:
            frame = s.result.frames.get("roster")
            if frame is None or not len(frame):
                continue
            found = _row_problems(s.result)
            if s is not newest:
                reason = f"重复提交：已采用较新的 {newest.result.name}"
                left += [_left(s, where, row, rec, "superseded", reason, found.get(row, ""))
                         for row, rec in frame.to_dict("index").items()]
                continue
            ok = frame["valid"].to_numpy(dtype=bool) if not include_invalid else np.ones(len(frame), dtype=bool)
            if not ok.all():
                left += [_left(s, where, row, rec, "errors", "有错误，未纳入", found.get(row, ""))
                         for row, rec in frame[~ok].to_dict("index").items()]
                frame = frame[ok]
            parts.append(frame)
            n = len(frame)
            names += [s.result.name] * n
            problems += [found.get(r, "") for r in frame.index] if found else [""] * n
            schools += [where[0]] * n
            grades += [where[1]] * n
            classes += [where[2]] * n
    columns = ["file", "school", "class", "row", "name", "id_number", "kind", "reason", "problems", "record"]
    if not parts:
        return None, pd.DataFrame(left, columns=columns)
    kept = pd.concat(parts)
    rows = kept.index.to_numpy()
    kept = kept.reset_index(drop=True)
    extra = {"source_file": names, "source_row": rows, "problems": problems, "grade": grades, "class": classes,
             "school": schools}
    for name, values in extra.items():
        kept[name] = pd.Series(values, dtype=object) if name != "source_row" else pd.Series(values)
    return kept, pd.DataFrame(left, columns=columns)


def _left(s: _Submission, where: tuple[Any, str, str], row: Any, rec: dict[Hashable, Any], kind: str,
          reason: str, problems: str) -> dict[str, Any]:
    # the record carries the class's school and label parts too: the cadence counts these students
    school, grade, klass = where
    return {"file": s.result.name, "school": school, "class": class_label(grade, klass), "row": int(row),
            "name": rec.get("name"), "id_number": rec.get("id_number"), "kind": kind, "reason": reason,
            "problems": problems, "record": {**rec, "school": school, "grade": grade, "class": klass}}


def _row_problems(f: FileResult) -> dict[Hashable, str]:  # by Excel row, the frames' index
    out: dict[int, list[str]] = {}
    sheet = f.sheets.get("roster")
    for i in f.issues:
        if i.sheet == sheet and i.row and i.severity == "error":
            out.setdefault(i.row, []).append(f"{i.cell} {i.message}")
    return {r: "；".join(msgs) for r, msgs in out.items()}


def _assemble(kept: pd.DataFrame | None, school: SchoolInfo) -> pd.DataFrame:
    if kept is None:
        return pd.DataFrame(columns=["seq", "school", "grade", "class", "source_file", "source_row"])
    roster = kept
    if school.name:
        roster["school"] = roster["school"].where(roster["school"].notna(), school.name)
    # By school, then school order of the classes (三年级 < 四年级, 2班 < 10班), whatever order 学校信息 or the
    # inbox had.
    roster["_class_order"] = _positions(school_order(roster["school"], roster["grade"], roster["class"]))
    # A ledger whose 序号 column was deleted has no "seq": number its rows by Excel row instead.
    seq = pd.to_numeric(roster["seq"], errors="coerce") if "seq" in roster else pd.Series(float("nan"), roster.index)
    roster["_seq"] = seq.fillna(roster["source_row"]).astype(float)
    roster = roster.sort_values(["_class_order", "_seq", "source_row"], kind="stable")
    roster = roster.drop(columns=["_class_order", "_seq"]).reset_index(drop=True)
    roster["seq"] = range(1, len(roster) + 1)
    return roster


def _positions(order: list[int]) -> np.ndarray:
    """Each row's rank in ``order`` (row positions sorted)."""
    rank = np.empty(len(order), dtype="int64")
    rank[np.asarray(order, dtype="int64")] = np.arange(len(order))
    return rank


def _comparable(v: Any) -> Any:
    if isinstance(v, tuple):
        return tuple(sorted(v))
    if v is None or (isinstance(v, float) and pd.isna(v)):
        return None
    return v


def _cross_class(roster: pd.DataFrame, left: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The same ID number in two classes: identical records → duplicates; differing → conflicts, field by field.

    Among all rows read of the classes' submissions, the rows left out for errors too (their places say so): an ID
    typed for a sibling in another class must show up even when that row has a 性别 error."""
    dup_cols = ["id_number", "name", "places"]
    con_cols = ["id_number", "name", "field", "values"]
    errors = left[left["kind"] == "errors"] if len(left) else left
    if ("id_number" not in roster or roster.empty) and errors.empty:
        return pd.DataFrame(columns=dup_cols), pd.DataFrame(columns=con_cols)
    fields = [c for c in roster.columns if c not in NOT_COMPARED and c not in
              ("school", "source_file", "source_row", "problems")]
    if roster.empty and len(errors):
        fields = [c for c in errors["record"].iloc[0] if c not in NOT_COMPARED]
    ids = roster["id_number"] if "id_number" in roster else pd.Series(dtype=object)
    ids = ids.where(ids.map(_names_one))
    left_ids = errors["id_number"] if len(errors) else pd.Series(dtype=object)
    left_ids = left_ids.where(left_ids.map(_names_one))
    every = pd.concat([ids.dropna(), left_ids.dropna()])
    twice = set(every[every.duplicated()])  # only these become dicts: a county's 90,000 rows would cost a second
    by_id: dict[str, list[dict[Hashable, Any]]] = {}
    if twice:
        multi = roster[ids.isin(twice)]
        for rec in multi.to_dict("records"):  # plain dicts: a groupby's per-group frames cost ms each, 1000s of IDs
            rec["_place"] = {"school": _jsonable(rec.get("school")), "class": class_label(rec["grade"], rec["class"]),
                             "file": rec["source_file"], "row": int(rec["source_row"])}
            by_id.setdefault(rec["id_number"], []).append(rec)
    for out in errors[left_ids.isin(twice)].to_dict("records") if len(errors) else []:
        place = {"school": _jsonable(out["record"].get("school")), "class": out["class"], "file": out["file"],
                 "row": int(out["row"]), "left_out": True}
        by_id.setdefault(out["id_number"], []).append({**out["record"], "_place": place})
    dups, cons = [], []
    for number, group in by_id.items():
        if len({r["_place"]["file"] for r in group}) < 2:
            continue  # once, or twice in one class's file: the check already reported duplicate-student
        group.sort(key=lambda r: r["_place"].get("left_out", False))  # the rows in 花名册 first, as before
        places = [r["_place"] for r in group]
        differing = [f for f in fields if len({_comparable(r.get(f)) for r in group}) > 1]
        if not differing:
            dups.append({"id_number": number, "name": group[0].get("name"), "places": places})
        for f in differing:
            values = [{**p, "value": _jsonable(r.get(f))} for p, r in zip(places, group)]
            cons.append({"id_number": number, "name": group[0].get("name"), "field": f, "values": values})
    return pd.DataFrame(dups, columns=dup_cols), pd.DataFrame(cons, columns=con_cols)


def _names_one(v: Any) -> bool:
    """An ID that names one student: 4.30725E+17 (an ID Excel turned into a number) names no one."""
    return isinstance(v, str) and len(v) > 0 and not digits_lost(v)


def _submissions(groups: dict[ClassId, list[_Submission]], expected: dict[ClassId, Any],
                 report: CheckReport, school: SchoolInfo) -> pd.DataFrame:
    """One row per class (学校信息's, then the others), missing and resent judged per school."""
    rows: list[dict[str, Any]] = []
    seen: set[ClassId] = set()
    for key, c in expected.items():
        seen.add(key)
        grade, klass = c.parts
        rows.append(_status_row(c.school, grade, klass, c.head_teacher, groups.get(key, []), school, expected=True))
    for key, group in groups.items():
        if key not in seen:
            s = group[0]
            rows.append(_status_row(s.school, s.grade, s.klass, s.result.meta.get("head_teacher", ""), group,
                                    school, expected=not expected))
    identified = {id(s.result) for g in groups.values() for s in g}
    for f in report.files:
        if id(f) not in identified:
            rows.append({"school": school.school_of(f.meta.get("school")) or None, "grade": "", "class": "",
                         "label": "", "head_teacher": "", "status": STATUS_UNREADABLE,
                         "file": f.name, "filled_on": None, "late": False, "rows": 0, "errors": f.errors,
                         "note": "；".join(sorted({i.code for i in f.issues}))})
    # Classes by school, in school order, then the files no class could be read from, by name (sort is stable).
    rows.sort(key=lambda r: (not r["label"], natural_key(r["school"] or "") if r["label"] else (),
                             class_order_key(r["grade"], r["class"]) if r["label"] else (),
                             file_order_key(r["file"]) if not r["label"] else ()))
    return pd.DataFrame(rows, columns=["school", "grade", "class", "label", "head_teacher", "status", "file",
                                       "filled_on", "late", "rows", "errors", "note"])


def _status_row(school_name: str, grade: str, klass: str, teacher: str, group: list[_Submission],
                school: SchoolInfo, *, expected: bool) -> dict[str, Any]:
    base = {"school": school_name or None, "grade": grade, "class": klass, "label": class_label(grade, klass),
            "head_teacher": teacher}
    if not group:
        return {**base, "status": STATUS_MISSING, "file": None, "filled_on": None, "late": False, "rows": 0,
                "errors": 0, "note": "请催交"}
    newest = group[0]
    f = newest.result
    status = STATUS_ERRORS if f.errors else STATUS_TWICE if len(group) > 1 else STATUS_OK
    if not expected:
        status = STATUS_UNEXPECTED
    notes = [f"较早的 {s.result.name} 未采用" for s in group[1:]]
    if not expected and len(school.schools) > 1 and school_name not in school.schools:
        # a near-miss spelling is never matched to a listed school: say so, the coordinator decides
        notes.append(f"学校「{school_name}」不在学校信息的名单中，请核对学校名称" if school_name
                     else "台账未填写学校，无法确定是哪所学校的班级，请补填「学校」")
    late = bool(school.deadline and newest.filled_on and newest.filled_on > school.deadline)
    if late:
        notes.append("逾期提交")
    return {**base, "status": status, "file": f.name, "filled_on": newest.filled_on, "late": late,
            "rows": f.rows["roster"], "errors": f.errors, "note": "；".join(notes)}
