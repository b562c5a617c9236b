"""What changed between two rounds (动态管理): students added, students gone, and each changed field.

Rounds are compared by identity (``person``, see :mod:`rosterkit.history.record`): a student whose ID number was
corrected is one student with a changed 身份证号, not one gone and one added. Fields are compared on the cleaned
records as stored (a 多选 field as a set: 类别 gained or lost, whatever the order); a class change is one change of
班级 (学校, 年级 and 班级 together).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from rosterkit.core.template import load_template
from rosterkit.history.store import Store, opened
from rosterkit.merging.school import class_label, class_parts

if TYPE_CHECKING:
    from rosterkit.merging.merge import MergeResult

__all__ = ["CHANGE_COLUMNS", "Changes", "changes_in_run", "compare", "round_changes"]

CHANGE_COLUMNS = ["person", "id_number", "name", "class", "field", "before", "after"]
STUDENT_COLUMNS = ["person", "id_number", "name", "class", "mentor", "categories"]
# Fields not compared: where the row sat, its number, what the check said of it, and the class (compared as one)
_SKIP = {"seq", "valid", "problems", "source_file", "source_row", "school", "grade", "class"}


@dataclass
class Changes:
    """Two rounds of one scope compared: ``added`` and ``left`` (one row per student: person, id_number, name,
    class, mentor, categories) and ``changed`` (one row per changed field: person, id_number, name, class,
    field — the template's label —, before, after)."""

    scope: str
    before: dt.date
    after: dt.date
    added: pd.DataFrame
    left: pd.DataFrame
    changed: pd.DataFrame

    @property
    def empty(self) -> bool:
        return self.added.empty and self.left.empty and self.changed.empty

    def to_dict(self) -> dict[str, Any]:
        """The ``changes --json`` shape (mask it with :func:`rosterkit.core.masking.mask_tree`)."""
        def rows(frame: pd.DataFrame, cols: list[str]) -> list[dict[str, Any]]:
            return [{c: r[c] for c in cols} for r in frame.to_dict("records")]
        return {"scope": self.scope, "before": self.before.isoformat(), "after": self.after.isoformat(),
                "added": rows(self.added, STUDENT_COLUMNS[1:]), "left": rows(self.left, STUDENT_COLUMNS[1:]),
                "changed": rows(self.changed, CHANGE_COLUMNS[1:])}


def _label(rec: Mapping[str, Any], multi: bool) -> str:
    """三年级1班; with several schools, 城南小学 三年级1班."""
    label = class_label(*class_parts(rec.get("grade"), rec.get("class")))
    school = rec.get("school")
    return f"{school} {label}" if school and multi else label


def _shown(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, list):
        return "、".join(str(x) for x in v)
    return str(v)


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, list) or isinstance(b, list):
        return set(a or []) == set(b or [])
    return (a if a not in ("", None) else None) == (b if b not in ("", None) else None)


def _students(frame: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """person → the record as stored (JSON decoded), with the row's id_number."""
    out: dict[str, dict[str, Any]] = {}
    for row in frame.to_dict("records"):
        rec = json.loads(row["record"])
        rec["_id"] = row["id_number"]
        out[row["person"]] = rec
    return out


def compare(before: pd.DataFrame, after: pd.DataFrame, *, scope: str, dates: tuple[dt.date, dt.date],
            labels: Mapping[str, str] | None = None) -> Changes:
    """Two rounds' rows of the ``students`` table → :class:`Changes`. ``labels``: field key → the label shown
    (default: the official template's)."""
    labels = labels or {f.key: f.label for f in load_template().roster.fields}
    a, b = _students(before), _students(after)
    multi = len({r.get("school") for r in (*a.values(), *b.values())}) > 1
    for rec in (*a.values(), *b.values()):
        rec["_class"] = _label(rec, multi)

    def row(person: str, rec: dict[str, Any]) -> dict[str, Any]:
        return {"person": person, "id_number": rec["_id"], "name": rec.get("name") or "", "class": rec["_class"],
                "mentor": rec.get("mentor") or "", "categories": _shown(rec.get("categories"))}
    added = pd.DataFrame([row(p, r) for p, r in b.items() if p not in a], columns=STUDENT_COLUMNS)
    left = pd.DataFrame([row(p, r) for p, r in a.items() if p not in b], columns=STUDENT_COLUMNS)
    changed = []
    for person, new in b.items():
        old = a.get(person)
        if old is None:
            continue
        lead = {"person": person, "id_number": new["_id"], "name": new.get("name") or "", "class": new["_class"]}
        if old["_class"] != new["_class"]:
            changed.append({**lead, "field": "班级", "before": old["_class"], "after": new["_class"]})
        for key in [k for k in labels if k not in _SKIP]:
            if not _same(old.get(key), new.get(key)):
                changed.append({**lead, "field": labels[key], "before": _shown(old.get(key)),
                                "after": _shown(new.get(key))})
    return Changes(scope, *dates, added, left, pd.DataFrame(changed, columns=CHANGE_COLUMNS))


def round_changes(store: str | Path | Store, *, scope: str | None = None, since: dt.date | None = None
                  ) -> Changes | None:
    """The latest round of ``scope`` (default: the scope of the latest round) against the one before it, or the
    last one before ``since``; None when the store holds fewer than two rounds of that scope."""
    with opened(store) as s:
        if s.rounds.empty:
            return None
        scope, mine = s.scope_rounds(scope)
        last = mine.iloc[-1]
        earlier = mine.iloc[:-1]
        if since is not None:
            earlier = earlier[earlier["report_date"] < since.isoformat()]
        if earlier.empty:
            return None
        first = earlier.iloc[-1]
        students = s.query("SELECT round_id, person, id_number, record FROM students WHERE round_id IN (?, ?)",
                           (int(first["round_id"]), int(last["round_id"])))
        return compare(students[students["round_id"] == first["round_id"]],
                       students[students["round_id"] == last["round_id"]], scope=scope,
                       dates=(dt.date.fromisoformat(first["report_date"]), dt.date.fromisoformat(last["report_date"])))


def changes_in_run(store: str | Path, merged: MergeResult, day: dt.date) -> Changes | None:
    """What changed since the store's last round of this run's scope before ``day``, for a run not yet recorded
    (学校花名册's 变动情况 sheet is written before the round is stored); None without a previous round."""
    from rosterkit.history.record import previous_round, round_scope, round_students, student_rows
    from rosterkit.history.schema import connect

    if not Path(store).exists():
        return None
    scope = round_scope(merged)
    db = connect(store, create=False)
    try:
        prev = previous_round(db, scope, day)
        if prev is None:
            return None
        before = pd.read_sql_query("SELECT person, id_number, record FROM students WHERE round_id = ?", db,
                                   params=(prev[0],))
        rows, _, _ = student_rows(db, round_students(merged), prev[0])
    finally:
        db.close()
    after = pd.DataFrame([(r[0], r[1], r[18]) for r in rows], columns=["person", "id_number", "record"])
    return compare(before, after, scope=scope, dates=(dt.date.fromisoformat(prev[1]), day))
