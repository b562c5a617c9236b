"""学校花名册's 分类统计 sheet: distinct students per class and 类别, per grade, per school, by gender, a chart.

Classes are counted by (学校, 年级, 班级): an inbox of several schools has a 三年级1班 in each, and each is its own
row, named with its school, with a total per school before the grand total.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd
import xlsxwriter

from rosterkit.core.template import load_template
from rosterkit.merging.school import class_label
from rosterkit.outputs.sheetkit import Sheet
from rosterkit.xlsx.cells import blank
from rosterkit.xlsx.pagesetup import print_list

FONT_PT = 10  # the sheets' text, the size page setup keeps legible

__all__ = ["FONT_PT", "stats_sheet"]


def _student_id(rec: dict[Any, Any], i: int) -> Any:
    number = rec.get("id_number")
    return number if isinstance(number, str) and number else ("row", i)  # no ID: each row is its own student


def _text(v: Any) -> str:
    return "" if blank(v) else str(v)


def stats_sheet(wb: xlsxwriter.Workbook, sh: Sheet, roster: pd.DataFrame) -> None:
    """Counts of distinct students per class and 类别 (a student in two categories counts in both), per grade,
    per school (several schools) and in all; then by gender; then a clustered column chart of the class rows."""
    groups: dict[tuple[str, ...], dict[str, set[Any]]] = {}
    # class (school, label) → its grade group, in roster order (by school, then school order)
    classes: dict[tuple[str, str], tuple[str, str]] = {}
    seen_cats: set[str] = set()
    used = [c for c in ("school", "grade", "class", "categories", "gender", "id_number") if c in roster]
    multi = "school" in roster and roster["school"].dropna().nunique() > 1
    for i, rec in enumerate(roster[used].to_dict("records")):  # only the columns counted: a county has 90,000 rows
        school = _text(rec.get("school")) if multi else ""
        grade = _text(rec.get("grade"))
        label = class_label(grade or None, _text(rec.get("class")) or None)
        classes.setdefault((school, label), (school, grade))
        sid = (school, _student_id(rec, i))
        cats = rec.get("categories")
        cats = [str(c) for c in cats] if isinstance(cats, (tuple, list)) else [] if blank(cats) else [str(cats)]
        seen_cats.update(cats)
        gender = rec.get("gender") if rec.get("gender") in ("男", "女") else None
        for g in (("class", school, label), ("grade", school, grade), ("school", school), ("all",)):
            counts = groups.setdefault(g, {})
            for col in ("学生数", *cats, *([gender] if gender else [])):
                counts.setdefault(col, set()).add(sid)
    field = load_template().roster.field("categories")
    official = list(field.allowed) if field else []
    cats = [c for c in official if c in seen_cats] + sorted(seen_cats - set(official))
    headers = ["班级", *cats, "学生数"]
    ws = sh.ws
    if not classes:
        sh.text(0, 0, "没有纳入花名册的学生", "line")
        return

    def name(school: str, text: str) -> str:
        return f"{school} {text}" if school else text

    def row(g: tuple[str, ...], label: str, cols: Sequence[str], style: str, r: int) -> None:
        sh.text(r, 0, label, style)
        for c, col in enumerate(cols, start=1):
            ws.write_number(r, c, len(groups[g].get(col, ())), sh.fmt[style if style == "total" else "number"])

    sh.records(0, headers, [], empty=False)
    for r, (school, label) in enumerate(classes, start=1):
        row(("class", school, label), name(school, label), headers[1:], "text", r)
    r = len(classes) + 1
    for school, grade in dict.fromkeys(classes.values()):  # subtotals after the class rows: the chart needs them contiguous
        row(("grade", school, grade), name(school, f"{grade}小计"), headers[1:], "total", r)
        r += 1
    schools = list(dict.fromkeys(s for s, _ in classes)) if multi else []
    for school in schools:  # counts by school
        row(("school", school), f"{school}合计", headers[1:], "total", r)
        r += 1
    row(("all",), "全部合计" if multi else "全校合计", headers[1:], "total", r)
    top = r + 2
    sh.text(top, 0, "按性别统计", "line", measure=False)
    sh.records(top + 1, ["班级", "男", "女", "学生数"], [], empty=False)
    for r, (school, label) in enumerate(classes, start=top + 2):
        row(("class", school, label), name(school, label), ["男", "女", "学生数"], "text", r)
    for school in schools:
        r += 1
        row(("school", school), f"{school}合计", ["男", "女", "学生数"], "total", r)
    row(("all",), "全部合计" if multi else "全校合计", ["男", "女", "学生数"], "total", r + 1)
    sh.fit(low=8, high=24)
    ws.freeze_panes(1, 1)
    chart = wb.add_chart({"type": "column"})  # clustered: one bar per category, grouped by class
    for c in range(1, len(cats) + 1):
        chart.add_series({"name": [ws.name, 0, c], "categories": [ws.name, 1, 0, len(classes), 0],
                          "values": [ws.name, 1, c, len(classes), c]})
    chart.set_title({"name": "各班各类别学生人数"})
    chart.set_y_axis({"name": "人数", "min": 0, "major_gridlines": {"visible": True}})
    chart.set_legend({"position": "bottom"})
    chart.set_size({"width": max(640, 90 * len(classes)), "height": 380})
    ws.insert_chart(1, len(headers) + 1, chart)
    # the chart on a page of its own, the table legible
    print_list(ws, len(headers), FONT_PT, rows=(0, 0), repeat=None, title=None, last_row=None, apart=True)
