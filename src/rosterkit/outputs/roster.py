"""The school-wide 花名册 workbook for upward reporting, with its summary sheets.

Sheets: 花名册 (the official upward layout, print-ready), 分类统计 (counts per class and category, by gender,
a chart), 提交情况 (who sent what, the chase list), 重复与冲突 and 未纳入 (rows left out and why).
The layout — title pattern and column labels — is read from the upward template at run time, so a column the
bureau adds or moves changes the output with no code change. ``mask=True`` gives the 脱敏 variant.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import python_calamine as pc
import xlsxwriter

from rosterkit.checking.fieldtypes import kind_of
from rosterkit.core.labels import norm_label
from rosterkit.core.masking import BIRTH_KEYS, mask_birth, mask_dates
from rosterkit.core.template import default_path, load_template
from rosterkit.errors import TemplateError
from rosterkit.history.changes import Changes
from rosterkit.merging.merge import STATUS_MISSING, MergeResult
from rosterkit.outputs.changes import CHANGES_SHEET, changes_sheet
from rosterkit.outputs.sheetkit import Sheet
from rosterkit.outputs.stats import FONT_PT, stats_sheet
from rosterkit.xlsx.atomic import atomic_output
from rosterkit.xlsx.cells import as_text, blank, write_body
from rosterkit.xlsx.fastsheet import FastWorkbook
from rosterkit.xlsx.pagesetup import grow_rows, header_width, print_list

__all__ = ["MASKED_NAME", "ROSTER_NAME", "UpwardLayout", "read_upward", "write_school_roster"]

ROSTER_NAME, MASKED_NAME = "学校花名册.xlsx", "学校花名册_脱敏.xlsx"
FIXED = {"序号": "seq", "学校": "school", "年级": "grade", "班级": "class"}  # not ledger fields: set by merge
PROBLEM_LABEL = "校验问题"
STREAM_CELLS = 8_000_000  # above this many 花名册 cells the workbook is written in constant_memory mode
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


@dataclass(frozen=True)
class UpwardLayout:
    """The upward template: title pattern (row 1) and column labels in order (row 2)."""

    title: str
    labels: tuple[str, ...]


def read_upward(path: str | Path | None = None) -> UpwardLayout:
    """Read the title pattern and column labels of the upward-report template (default: the official one)."""
    p = Path(path) if path else default_path("学校花名册")
    try:
        rows = pc.CalamineWorkbook.from_path(str(p)).get_sheet_by_index(0).to_python(skip_empty_area=False)
    except Exception as exc:  # any reason it cannot be read: the run cannot go on without a layout
        raise TemplateError(f"无法读取上报模板 / cannot read upward template {p.name}: {exc}") from exc
    title = next((str(v).strip() for v in (rows[0] if rows else []) if str(v).strip()), "")
    labels = [str(v).strip() for v in (rows[1] if len(rows) > 1 else [])]
    while labels and not labels[-1]:
        labels.pop()
    if not labels:
        raise TemplateError(f"{p.name}: 第 2 行没有列名 / row 2 holds no column labels")
    return UpwardLayout(title, tuple(labels))


def _formats(wb: xlsxwriter.Workbook) -> dict[str, Any]:
    # Created once per workbook: per-cell Format objects bloat the file and slow the write.
    base: dict[str, Any] = {"border": 1, "valign": "vcenter", "font_size": FONT_PT}
    kinds: dict[str, dict[str, Any]] = {
        "text": {"num_format": "@", "text_wrap": True}, "date": {"num_format": "yyyy-mm-dd"}, "number": {}}
    fmt: dict[str, Any] = {}
    for name, extra in kinds.items():
        fmt[name] = wb.add_format({**base, **extra})
        fmt[name + "_bad"] = wb.add_format({**base, **extra, "bg_color": "#FFC7CE"})  # error row / missing class
    fmt["title"] = wb.add_format({"bold": True, "font_size": 16, "align": "center", "valign": "vcenter"})
    fmt["header"] = wb.add_format({**base, "bold": True, "bg_color": "#D9E1F2", "align": "center",
                                   "text_wrap": True})
    fmt["total"] = wb.add_format({**base, "bold": True, "bg_color": "#F2F2F2"})
    fmt["line"] = wb.add_format({"bold": True})
    fmt["plain"] = wb.add_format({"valign": "vcenter"})
    fmt["section"] = wb.add_format({"bold": True, "font_size": 12, "valign": "bottom"})  # 变动情况's headings
    fmt["note"] = wb.add_format({"font_size": 9, "font_color": "#595959", "valign": "vcenter"})
    return fmt


def write_school_roster(result: MergeResult, dest: str | Path, *, mask: bool = False,
                        upward: str | Path | None = None, on: dt.date | None = None,
                        changes: Changes | None = None) -> Path:
    """Write the school roster workbook to ``dest`` (a folder gets 学校花名册.xlsx / 学校花名册_脱敏.xlsx); return it.

    ``upward`` is the upward-report template giving title and columns (default: the official one); ``on`` is
    the date in the footer (default: today). ``mask=True`` masks every ID number and phone in every sheet,
    including those inside problem texts and conflict values, and adds 「（脱敏）」 to the title. ``changes``
    (what changed since the stored previous round): a 变动情况 sheet after 提交情况.
    """
    dest = Path(dest)
    if dest.is_dir():
        dest = dest / (MASKED_NAME if mask else ROSTER_NAME)
    layout = read_upward(upward)
    with atomic_output(dest) as tmp:
        # Shared strings are faster than constant_memory's inline strings (each text is escaped once, not once
        # per cell: ~15% of a county's roster) but hold every cell until close (~100 bytes a cell), so only
        # a roster beyond a few counties is streamed.
        cells = len(result.roster) * (len(layout.labels) + 1)
        wb = FastWorkbook(str(tmp), {"strings_to_formulas": False, "strings_to_urls": False,
                                            "constant_memory": cells > STREAM_CELLS})
        try:
            fmt = _formats(wb)
            _roster_sheet(Sheet(wb, "花名册", fmt, mask), result, layout, on or dt.date.today())
            stats_sheet(wb, Sheet(wb, "分类统计", fmt, mask), result.roster)
            multi = _schools(result) > 1
            _submissions_sheet(Sheet(wb, "提交情况", fmt, mask), result.submissions, multi)
            if changes is not None:
                changes_sheet(Sheet(wb, CHANGES_SHEET, fmt, mask), changes)
            _cross_sheet(Sheet(wb, "重复与冲突", fmt, mask), result, multi)
            _left_out_sheet(Sheet(wb, "未纳入", fmt, mask), result.left_out, multi)
        finally:
            wb.close()
    return dest


def _schools(result: MergeResult) -> int:
    """How many schools the run holds (roster and submissions): above one, every sheet names each row's school."""
    names = pd.concat([result.roster["school"], result.submissions["school"]]) if "school" in result.roster \
        else result.submissions["school"]
    return int(names.dropna().nunique())


def _title(pattern: str, result: MergeResult, mask: bool) -> str:
    school = result.school.name
    if not school and _schools(result) <= 1 and "school" in result.roster and result.roster["school"].notna().any():
        school = str(result.roster["school"].dropna().mode().iloc[0])
    values = {"学校": school, "学校名称": school, "学期": result.school.term, "学年学期": result.school.term}
    title = _PLACEHOLDER.sub(lambda m: values.get(norm_label(m.group(1)), m.group(0)), pattern or "{学校}花名册")
    title = title.replace("（）", "").replace("()", "")  # no term known: no empty brackets
    return title + ("（脱敏）" if mask else "")


def _column_keys(labels: Sequence[str], result: MergeResult) -> list[str | None]:
    """Each upward label → roster column key, or None: a label matching nothing becomes an empty column."""
    by_label = {norm_label(v): k for k, v in result.labels.items()}
    by_label.update({norm_label(k): v for k, v in FIXED.items()})
    return [by_label.get(norm_label(label)) for label in labels]


def _roster_sheet(sh: Sheet, result: MergeResult, layout: UpwardLayout, on: dt.date) -> None:
    roster, ws = result.roster, sh.ws
    keys = _column_keys(layout.labels, result)
    labels = list(layout.labels)
    if _schools(result) > 1 and "school" not in keys:  # several schools: the roster says whose each row is
        at = 1 if keys[:1] == ["seq"] else 0
        keys.insert(at, "school")
        labels.insert(at, "学校")
    written = {f.key: kind_of(f).written_as for f in load_template().roster.fields}
    kinds = ["birth" if k in BIRTH_KEYS else written.get(k or "", "auto") for k in keys]
    n = len(roster)
    bad = (~roster["valid"].astype(bool)).tolist() if "valid" in roster else [False] * n
    problems = roster["problems"].tolist() if "problems" in roster else [""] * n
    note_col = keys.index("note") if "note" in keys else None
    headers = labels
    if any(bad) and note_col is None:  # no 备注 column in this layout: the problems get a column of their own
        note_col = len(headers)
        headers.append(PROBLEM_LABEL)
        keys.append(None)
        kinds.append("text")
    last = len(headers) - 1
    title = _title(layout.title, result, sh.mask)
    if last:
        ws.merge_range(0, 0, 0, last, "", sh.fmt["title"])
    sh.text(0, 0, title, "title", measure=False)
    ws.set_row(0, 30)
    if any(len(h) >= 4 for h in headers):
        ws.set_row(1, 28)  # two lines: long labels wrap (header_width), and a renderer may not grow the row itself
    for c, h in enumerate(headers):
        sh.text(1, c, h, "header", measure=False)
        sh.seen(c, header_width(h))  # a long label wraps onto two lines rather than widen the column
    columns = [roster[k].tolist() if k in roster else [None] * n for k in keys]
    if note_col is not None:
        columns[note_col] = [v if not b else "；".join(as_text(x) for x in (v, _problems(p, sh.mask)) if not blank(x))
                             for v, p, b in zip(columns[note_col], problems, bad)]
    write_body(sh, columns, kinds, bad, top=2)
    footer = f"填表人：　　审核人：　　日期：{on.year}年{on.month}月{on.day}日"
    if last:
        ws.merge_range(n + 2, 0, n + 2, last, "", sh.fmt["plain"])
    sh.text(n + 2, 0, footer, "plain", measure=False)
    widest = 24  # an ID or a 学籍号 on one line, longer text wraps; pad 1: 身体/状况, not 身体状/况
    sh.fit(low=4, high=widest, pad=1)
    grow_rows(ws, 2, {c: [as_text(v) if not blank(v) else "" for v in columns[c]]
                      for c in range(len(columns)) if sh.widths.get(c, 0) + 1 > widest}, FONT_PT)
    ws.freeze_panes(2, 0)
    # Header on every page; split across pages, 序号 … 姓名 repeated on each and the title atop each (pagesetup).
    _print_setup(sh, last + 1, rows=(0, 1), repeat=keys.index("name") if "name" in keys else 0, title=title,
                 last_row=n + 2)
    ws.hide_gridlines(0)  # 0: gridlines shown and printed
    ws.center_horizontally()
    ws.activate()


def _print_setup(sh: Sheet, columns: int, rows: tuple[int, int] | None = None, repeat: int | None = None,
                 title: str | None = None, last_row: int | None = None, apart: bool = False) -> None:
    """Landscape A4, page numbers, ``rows`` on every page; one page wide while the 10 pt text prints at 8 pt or
    more, else split across pages with columns 0 … ``repeat`` on each (:func:`pagesetup.print_list`)."""
    print_list(sh.ws, columns if apart else max(columns, max(sh.widths, default=0) + 1), FONT_PT, rows=rows,
               repeat=repeat, title=title, last_row=last_row, apart=apart)


def _submissions_sheet(sh: Sheet, subs: pd.DataFrame, multi: bool = False) -> None:
    """One row per class (and per unrecognised file); 未提交 rows in red; the chase list above the table, each
    school's missing classes under its school when there are several."""
    recs = subs.to_dict("records")
    by_school: dict[str, list[str]] = {}
    for r in recs:
        if r.get("status") == STATUS_MISSING:
            school = str(r["school"]) if multi and not blank(r.get("school")) else ""
            by_school.setdefault(school, []).append(
                f"{r['label']}（{r['head_teacher']}）" if r.get("head_teacher") else str(r["label"]))
    chase = "；".join(f"{s}：{'、'.join(c)}" if s else "、".join(c) for s, c in by_school.items())
    sh.text(0, 0, f"未提交：{chase or '无'}", "line", measure=False)
    headers = ["学校"] * multi + ["年级", "班级", "班主任", "状态", "文件", "填报日期", "逾期", "花名册行数", "错误数",
                                  "说明"]
    rows = [(*[r.get("school")] * multi, r.get("grade"), r.get("class"), r.get("head_teacher"), r.get("status"),
             r.get("file"), r.get("filled_on"), "是" if r.get("late") in (True,) else "", r.get("rows"),
             r.get("errors"), r.get("note"))
            for r in recs]
    marked = [r.get("status") == STATUS_MISSING for r in recs]
    sh.records(1, headers, rows, kinds=["text"] * (5 + multi) + ["auto", "text", "auto", "auto", "text"],
             marked=marked)
    sh.fit(high=40)
    sh.ws.freeze_panes(2, 0)
    _print_setup(sh, len(headers), rows=(1, 1))


def _place(p: dict[str, Any], multi: bool = False) -> str:
    school = f"{p['school']} " if multi and not blank(p.get("school")) else ""
    left = "（有错误，未纳入花名册）" if p.get("left_out") else ""  # found among the rows left out (未纳入)
    return f"{school}{p.get('class', '')} {p.get('file', '')} 第{p.get('row', '')}行{left}"


def _value_text(v: Any, birth: bool = False) -> str:
    """A conflicting value; ``birth``: a birth date in a masked sheet, shown as its year (masking.py)."""
    return "（空）" if blank(v) or v == [] else str(mask_birth(v)) if birth else as_text(v)


def _problems(text: Any, mask: bool) -> Any:
    """A roster row's problems; masked, their dates cut to the year (they name the ID's own birth date)."""
    return mask_dates(text) if mask and isinstance(text, str) else text


def _cross_sheet(sh: Sheet, result: MergeResult, multi: bool = False) -> None:
    """Cross-class duplicates (identical records) and conflicts (a field that differs), each place spelled out."""
    dups = [(d["id_number"], d["name"], "\n".join(_place(p, multi) for p in d["places"]))
            for d in result.duplicates.to_dict("records")]
    cons = [(c["id_number"], c["name"], result.labels.get(c["field"], c["field"]),
             "\n".join(f"{_place(v, multi)}：{_value_text(v.get('value'), sh.mask and c['field'] in BIRTH_KEYS)}"
                       for v in c["values"]))
            for c in result.conflicts.to_dict("records")]
    sh.text(0, 0, f"重复：同一学生在多个班级出现，信息一致（{len(dups)} 人）", "line", measure=False)
    r = sh.records(1, ["身份证号", "姓名", "出现位置"], dups, kinds=["id", "text", "text"])
    sh.text(r + 1, 0, f"冲突：同一身份证号在多个班级信息不一致（{len(cons)} 处）", "line", measure=False)
    sh.records(r + 2, ["身份证号", "姓名", "字段", "各处取值"], cons, kinds=["id", "text", "text", "text"])
    sh.fit(high=60)
    _print_setup(sh, 4)


def _left_out_sheet(sh: Sheet, left: pd.DataFrame, multi: bool = False) -> None:
    """Every roster row read but not in 花名册, with the reason and the problems found in it."""
    cols = ["file", *["school"] * multi, "class", "row", "name", "id_number", "reason", "problems"]
    rows = [tuple(_problems(rec.get(c), sh.mask) if c == "problems" else rec.get(c) for c in cols)
            for rec in left.to_dict("records")]
    sh.records(0, ["文件", *["学校"] * multi, "班级", "行", "姓名", "身份证号", "原因", "问题"], rows,
             kinds=["text", *["text"] * multi, "text", "auto", "text", "id", "text", "text"])
    sh.fit(high=60)
    sh.ws.freeze_panes(1, 0)
    _print_setup(sh, len(cols), rows=(0, 0))
