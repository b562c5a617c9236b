"""交接清单.xlsx: the year's handover for the coordinator — who leaves and why, who stays and where to, each
mentor's students next year, students to pair with a new mentor, and next year's classes nobody moves into."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import xlsxwriter

from rosterkit.history.rollover import Handover
from rosterkit.merging.school import ExpectedClass
from rosterkit.outputs.sheetkit import Sheet, formats
from rosterkit.xlsx.atomic import atomic_output

__all__ = ["HANDOVER_NAME", "write_handover"]

HANDOVER_NAME = "交接清单.xlsx"


def _label(c: ExpectedClass | None) -> str:
    return c.label if c is not None else ""


def _list(sh: Sheet, title: str, note: str, heads: list[str], kinds: list[str], rows: Sequence[Sequence[Any]]
          ) -> None:
    sh.title(title, note)
    sh.records(2, heads, rows, kinds=kinds)
    sh.fit(high=48)
    sh.finish(2, 2 + max(len(rows), 1), len(heads))


def write_handover(plan: Handover, dest: str | Path, *, mask: bool = False) -> Path:
    """Write 交接清单.xlsx (a folder gets it inside) and return its path."""
    dest = Path(dest)
    if dest.is_dir():
        dest = dest / HANDOVER_NAME
    year = plan.school.term or "下学年"
    with atomic_output(dest) as tmp:
        wb = xlsxwriter.Workbook(str(tmp), {"strings_to_formulas": False, "strings_to_urls": False})
        try:
            fmt = formats(wb)
            fmt["number"] = fmt["int"]  # Sheet.value's name for a count
            leaving = [(m.name, m.record.get("id_number"), m.klass, m.why) for m in plan.leaving]
            leaving += [(g["name"], None, g["class"], "上一轮之后已不在名单") for g in plan.gone]
            _list(Sheet(wb, "离开", fmt, mask), f"{plan.scope}学年交接：离开的学生",
                  f"依据存档中 {plan.as_of} 这一轮。毕业、备注写明离校的学生不进入下学年台账；「上一轮之后已不在名单」的学生"
                  "在最近一轮已经没有了，一并列出备查。", ["姓名", "身份证号", "本学年班级", "原因"],
                  ["text", "id", "text", "text"], leaving)
            staying = [(m.name, m.record.get("id_number"), m.klass, _label(m.to),
                        "（需重新结对）" if m.mentor_left or not m.record.get("mentor") else m.record.get("mentor"))
                       for m in plan.staying]
            _list(Sheet(wb, "留下", fmt, mask), f"{plan.scope}学年交接：升入{year}的学生",
                  "每名学生升一个年级、进同一序号的班；档案信息和帮扶教师随学生带入新台账，联系记录不带（新学年重新记）。",
                  ["姓名", "身份证号", "本学年班级", "下学年班级", "帮扶教师"], ["text", "id", "text", "text", "text"],
                  staying)
            mentors: dict[str, list[str]] = {}
            for m in plan.staying:
                mentor = str(m.record.get("mentor") or "")
                if mentor and not m.mentor_left:
                    mentors.setdefault(mentor, []).append(f"{_label(m.to)} {m.name}")
            _list(Sheet(wb, "帮扶教师", fmt, mask), "下学年每位帮扶教师的结对学生",
                  "按学生带入的帮扶教师统计；离任教师的学生在「需重新结对」里。",
                  ["帮扶教师", "学生数", "学生"], ["text", "auto", "text"],
                  [(k, len(v), "、".join(v)) for k, v in sorted(mentors.items(), key=lambda kv: -len(kv[1]))])
            pair = [(m.name, _label(m.to), m.record.get("mentor") or "",
                     "帮扶教师离任" if m.mentor_left else "没有帮扶教师")
                    for m in plan.staying if m.mentor_left or not m.record.get("mentor")]
            _list(Sheet(wb, "需重新结对", fmt, mask), "需要重新安排帮扶教师的学生",
                  "新台账里这些学生的「帮扶教师」是空的：请安排好后填上。", ["姓名", "下学年班级", "原帮扶教师", "原因"],
                  ["text"] * 4, pair)
            _list(Sheet(wb, "新班级", fmt, mask), "没有上一学年学生升入的班级",
                  "通常是新的起始年级；如果不是，说明班级名单与上一学年对不上，请核对。这些班的台账是空的。",
                  ["年级", "班级", "班主任"], ["text"] * 3,
                  [(c.grade, c.klass, c.head_teacher) for c in plan.new_classes])
        finally:
            wb.close()
    return dest
