"""学年考核.xlsx: the mentors' yearly review — 帮扶教师, 班级, 学校 (highest score first), and 计分方法 (the weights, where
they came from, how each indicator and the score are computed)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import xlsxwriter

from rosterkit.history.review import FORMULA, HOW, Review
from rosterkit.outputs.sheetkit import Sheet, formats
from rosterkit.xlsx.atomic import atomic_output

__all__ = ["REVIEW_NAME", "write_review"]

REVIEW_NAME = "学年考核.xlsx"


def _sheet(sh: Sheet, rv: Review, frame: pd.DataFrame, lead: list[tuple[str, str]], what: str) -> None:
    # short heads: 第一学期落实率 (the year is in the title), 10-12逾期 (the round's month and day)
    terms = [t.split("学年", 1)[-1] or t for t in rv.terms]
    heads = [label for _, label in lead] + ["学生数", *(f"{t}落实率" for t in terms), "学年落实率", "未达标周期",
                                            *(f"{d[5:]}逾期" for d in rv.rounds), "无逾期", "得分"]
    kinds = ["text"] * len(lead) + ["int", *["pct"] * (len(rv.terms) + 1), "int", *["int"] * len(rv.rounds),
                                    "pct", "num"]
    sh.title(f"{rv.scope} {rv.year} 学年考核：{what}", f"得分按「计分方法」表计算（权重来自 {rv.weights_from}）。"
             f"各学期落实率以该学期最后一轮为准；「某月某日逾期」：那一轮有逾期事项的结对学生数。")
    rows: list[list[Any]] = []
    for rec in frame.to_dict("records"):
        rows.append([rec[k] for k, _ in lead] + [rec["students"], *(rec[f"rate:{t}"] for t in rv.terms),
                                                 rec["compliance_rate"], rec["periods_missed"],
                                                 *(rec[f"overdue:{d}"] for d in rv.rounds), rec["no_overdue"],
                                                 rec["score"]])
    r = sh.table(2, heads, kinds, rows)
    if not rows:
        sh.text(3, 0, "（无）")
    sh.fit(high=30)
    sh.finish(2, max(r - 1, 3), len(heads), len(lead))


def write_review(rv: Review, dest: str | Path, *, mask: bool = False) -> Path:
    """Write 学年考核.xlsx (a folder gets it inside) and return its path."""
    dest = Path(dest)
    if dest.is_dir():
        dest = dest / REVIEW_NAME
    with atomic_output(dest) as tmp:
        wb = xlsxwriter.Workbook(str(tmp), {"strings_to_formulas": False, "strings_to_urls": False})
        try:
            fmt = formats(wb)
            fmt["num"] = wb.add_format({"num_format": "0.0", "border": 1, "border_color": "#BFBFBF",
                                        "font_size": 10, "valign": "vcenter", "bold": True})  # the score
            _sheet(Sheet(wb, "帮扶教师", fmt, mask), rv, rv.mentors, [("school", "学校"), ("mentor", "帮扶教师")],
                   "帮扶教师")
            _sheet(Sheet(wb, "班级", fmt, mask), rv, rv.classes, [("school", "学校"), ("class", "班级")], "班级")
            _sheet(Sheet(wb, "学校", fmt, mask), rv, rv.schools, [("school", "学校")], "学校")
            how = Sheet(wb, "计分方法", fmt, mask)
            how.title("计分方法", f"权重来自 {rv.weights_from}；学校可在帮扶制度.xlsx 的「考核」表里修改权重（0 表示不计）。")
            how.table(2, ["指标", "权重", "怎么算"], ["text", "int", "text"],
                      [[k, w, HOW[k]] for k, w in rv.weights.items()])
            how.text(3 + len(rv.weights) + 1, 0, FORMULA, "note", measure=False)
            how.fit(high=90)
            how.finish(cols=3)
        finally:
            wb.close()
    return dest
