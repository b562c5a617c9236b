"""The year's handover (学年交接) as data: next year's classes from the store's latest round and next year's 学校信息.

Each student moves up a grade into the class of the same number (三年级(1)班 → 四年级(1)班) when next year's
学校信息 lists it; their record and 帮扶教师 go with them, their contacts do not (a new year's log starts empty).
Who leaves: the top grade (next year's 学校信息 lists no grade above theirs), students whose 备注 says they left
(离校, 转学, 转出, 辍学), and — listed apart — students of the previous round who were gone by the latest. A class
of next year that no class moves into (a new 一年级) gets an empty ledger and is listed; a class whose next class
is not listed leaves its students unplaced, listed, never dropped. ``teachers_left``: mentors leaving the school;
their students stay, without a mentor, listed to be paired again.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rosterkit.history.store import Store, opened
from rosterkit.merging.school import ExpectedClass, SchoolInfo, class_id, class_label, class_parts

__all__ = ["Handover", "Mover", "plan_rollover"]

LEFT_WORDS = re.compile(r"离校|转学|转出|辍学|退学")


@dataclass
class Mover:
    """One student of the latest round and where they go: ``to`` (next year's class) or ``why`` they do not."""

    record: dict[str, Any]
    school: str
    klass: str  # this year's class label
    to: ExpectedClass | None = None
    why: str = ""  # 毕业 / 离校（备注：…） / 未分到新班级
    mentor_left: bool = False

    @property
    def name(self) -> str:
        return str(self.record.get("name") or "")


@dataclass
class Handover:
    """The plan: ``movers`` (every student of the latest round), ``gone`` (students of the round before who were
    no longer listed in the latest: name, class), ``new_classes`` (next year's classes nobody moves into), the
    rounds it was made from."""

    scope: str
    as_of: str
    school: SchoolInfo
    movers: list[Mover] = field(default_factory=list)
    gone: list[dict[str, str]] = field(default_factory=list)
    new_classes: list[ExpectedClass] = field(default_factory=list)

    @property
    def staying(self) -> list[Mover]:
        return [m for m in self.movers if m.to is not None]

    @property
    def leaving(self) -> list[Mover]:
        return [m for m in self.movers if m.to is None]

    def by_class(self) -> dict[tuple[str, str, str], list[Mover]]:
        """Next year's class key → the students moving into it (in this year's roster order)."""
        out: dict[tuple[str, str, str], list[Mover]] = {c.key: [] for c in self.school.classes}
        for m in self.staying:
            assert m.to is not None
            out[m.to.key].append(m)
        return out


def _up(key: tuple[str, str, str]) -> tuple[str, str, str] | None:
    school, grade, klass = key
    return (school, str(int(grade) + 1), klass) if grade.isdigit() else None


def plan_rollover(store: str | Path | Store, school: SchoolInfo, *, scope: str | None = None,
                  teachers_left: tuple[str, ...] = ()) -> Handover:
    """Who goes where next year (see the module's docstring)."""
    with opened(store) as s:
        scope, mine = s.scope_rounds(scope)
        latest = mine.iloc[-1]
        now = s.query("SELECT person, school, grade, class, record FROM students WHERE round_id = ? ORDER BY rowid",
                      (int(latest["round_id"]),))
        before = (s.query("SELECT person, school, grade, class, name FROM students WHERE round_id = ? ORDER BY rowid",
                          (int(mine.iloc[-2]["round_id"]),)) if len(mine) > 1 else None)
    plan = Handover(scope, str(latest["report_date"]), school)
    targets = {c.key: c for c in school.classes}
    next_grades = {(c.key[0], c.key[1]) for c in school.classes}
    left = {t.strip() for t in teachers_left if t.strip()}
    for row in now.to_dict("records"):
        rec = json.loads(row["record"])
        key = class_id(row["school"], row["grade"], row["class"])
        # a school's 学校信息 may leave 学校 blank in its list: its classes are the school's
        if key not in targets and not any(k[0] for k in targets):
            key = ("", *key[1:])
        m = Mover(rec, row["school"] or "", class_label(*class_parts(row["grade"], row["class"])))
        up = _up(key)
        note = str(rec.get("note") or "")
        if LEFT_WORDS.search(note):
            m.why = f"离校（备注：{note}）"
        elif up is None or (up[0], up[1]) not in next_grades:
            m.why = "毕业（下学年的学校信息没有更高的年级）"
        elif up not in targets:
            m.why = "未分到新班级（下学年的学校信息没有对应的班级，请分班后补进台账）"
        else:
            m.to = targets[up]
            m.mentor_left = str(rec.get("mentor") or "") in left
        plan.movers.append(m)
    filled = {m.to.key for m in plan.staying if m.to is not None}
    plan.new_classes = [c for c in school.classes if c.key not in filled]
    if before is not None:
        here = set(now["person"])
        plan.gone = [{"name": r["name"] or "", "class": class_label(*class_parts(r["grade"], r["class"]))}
                     for r in before.to_dict("records") if r["person"] not in here]
    return plan
