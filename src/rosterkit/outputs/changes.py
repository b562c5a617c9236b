"""变动情况: what changed since the previous round, as a sheet (in 学校花名册 and in 变动情况.xlsx).

Three tables on one print-ready sheet: 新增学生, 离开的学生, 信息变更 (one row per changed field: 原为, 现为).
``mask``: ID numbers and phones masked as in every 脱敏 output.
"""

from __future__ import annotations

from pathlib import Path

import xlsxwriter

from rosterkit.history.changes import Changes
from rosterkit.outputs.sheetkit import Sheet, formats
from rosterkit.xlsx.atomic import atomic_output

__all__ = ["CHANGES_NAME", "CHANGES_SHEET", "MASKED_CHANGES_NAME", "changes_sheet", "write_changes"]

CHANGES_NAME, MASKED_CHANGES_NAME = "变动情况.xlsx", "变动情况_脱敏.xlsx"
CHANGES_SHEET = "变动情况"
_STUDENT_HEADS = ["姓名", "身份证号", "班级", "帮扶教师", "类别"]
_STUDENT_KEYS = ["name", "id_number", "class", "mentor", "categories"]
_CHANGE_HEADS = ["姓名", "身份证号", "班级", "项目", "原为", "现为"]
_CHANGE_KEYS = ["name", "id_number", "class", "field", "before", "after"]


def changes_sheet(sh: Sheet, ch: Changes) -> None:
    """The 变动情况 sheet on ``sh`` (formats: title, note, section, header, text)."""
    sh.title(f"{ch.scope}学生变动情况（{ch.before.isoformat()} → {ch.after.isoformat()}）",
             f"与 {ch.before.isoformat()} 那一轮相比：新增 {len(ch.added)} 名，离开 {len(ch.left)} 名，"
             f"信息变更 {len(ch.changed)} 项。身份证号更正过的学生按同一人计，记在「信息变更」里。")
    r = 3
    for title, frame, heads, keys, kinds in (
            ("一、新增学生", ch.added, _STUDENT_HEADS, _STUDENT_KEYS, ["text", "id", "text", "text", "text"]),
            ("二、离开的学生", ch.left, _STUDENT_HEADS, _STUDENT_KEYS, ["text", "id", "text", "text", "text"]),
            ("三、信息变更", ch.changed, _CHANGE_HEADS, _CHANGE_KEYS, ["text", "id", "text", "text", "text", "text"])):
        sh.text(r, 0, f"{title}（{len(frame)}）", "section", measure=False)
        rows = [[rec[k] for k in keys] for rec in frame.to_dict("records")]
        r = sh.records(r + 1, heads, rows, kinds=kinds) + 1
    sh.fit(high=40)
    sh.finish(cols=len(_CHANGE_HEADS))


def write_changes(ch: Changes, dest: str | Path, *, mask: bool = False) -> Path:
    """Write 变动情况.xlsx (a folder gets 变动情况.xlsx / 变动情况_脱敏.xlsx) and return its path."""
    dest = Path(dest)
    if dest.is_dir():
        dest = dest / (MASKED_CHANGES_NAME if mask else CHANGES_NAME)
    with atomic_output(dest) as tmp:
        wb = xlsxwriter.Workbook(str(tmp), {"strings_to_formulas": False, "strings_to_urls": False})
        try:
            changes_sheet(Sheet(wb, CHANGES_SHEET, formats(wb), mask), ch)
        finally:
            wb.close()
    return dest
