"""The coordinator's summary workbook 校验汇总.xlsx: one row per file, one row per issue, counts per issue code."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import xlsxwriter

from rosterkit.checking.validate import Fix
from rosterkit.core.masking import mask_fix_text, mask_issue_text, mask_text
from rosterkit.core.values import text_width
from rosterkit.issues import Counted, Issue
from rosterkit.xlsx.atomic import atomic_output
from rosterkit.xlsx.fastsheet import FastWorkbook
from rosterkit.xlsx.pagesetup import grow_rows, print_list, width_left

__all__ = ["FileSummary", "MASKED_SUMMARY_NAME", "SUMMARY_NAME", "STATUS_LABELS", "write_summary"]

SUMMARY_NAME, MASKED_SUMMARY_NAME = "校验汇总.xlsx", "校验汇总_脱敏.xlsx"
STATUS_LABELS = {"ok": "通过", "problems": "有问题", "unreadable": "无法读取"}
_LEVEL = {"error": "错误", "warning": "警告"}
_FILE_HEADERS = ("文件", "状态", "花名册行数", "帮扶记录行数", "错误数", "警告数")
_ISSUE_HEADERS = ("文件", "工作表", "单元格", "列名", "填写内容", "问题代码", "级别", "说明")
_CODE_HEADERS = ("问题代码", "级别", "数量", "涉及文件数")
_FIX_HEADERS = ("文件", "工作表", "单元格", "列名", "原内容", "规范为", "说明")
FONT_PT = 11  # the workbook's default font (Calibri 11): no format here sets a size


@dataclass(frozen=True)
class FileSummary(Counted):
    """What the summary shows about one checked file."""

    path: str  # the file name shown
    status: str  # 'ok' | 'problems' | 'unreadable'
    rows_roster: int
    rows_log: int
    issues: Sequence[Issue]
    fixes: Sequence[Any] = ()  # rosterkit.checking.validate.Fix: untidy values that were fixed, not reported



def write_summary(dest: Path, files: Sequence[FileSummary], *, mask: bool = False) -> Path:
    """Write the summary workbook to ``dest`` (or ``dest/校验汇总.xlsx`` when ``dest`` is a folder); return its path.

    Sheets: 文件 (per file, with a total row), 问题 (every issue of every file), 按代码统计 (issue count per
    code and severity, most frequent first) and 自动修正 (values fixed, not reported). All cells are plain
    values: text is never turned into formulas or links. ``mask``: the 脱敏 variant (校验汇总_脱敏.xlsx in a
    folder): values and messages as :mod:`rosterkit.core.masking` shows them.
    """
    dest = Path(dest)
    if dest.is_dir():
        dest = dest / (MASKED_SUMMARY_NAME if mask else SUMMARY_NAME)
    if mask:
        files = [_masked(f) for f in files]
    for f in files:
        if f.status not in STATUS_LABELS:
            raise ValueError(f"{f.path}: unknown status {f.status!r}; expected one of {sorted(STATUS_LABELS)}")
    with atomic_output(dest) as tmp:
        wb = FastWorkbook(str(tmp), {"strings_to_formulas": False, "strings_to_urls": False})
        try:
            fmt = _formats(wb)
            _files_sheet(wb, fmt, files)
            _issues_sheet(wb, fmt, files)
            _codes_sheet(wb, fmt, files)
            _fixes_sheet(wb, fmt, files)
        finally:
            wb.close()
    return dest


def _masked(f: FileSummary) -> FileSummary:
    """The file's problems and fixes as the 脱敏 variant shows them."""
    issues = [replace(i, value=i.value and mask_issue_text(i.value, code=i.code, column=i.column),
                      message=mask_issue_text(i.message, code=i.code, column=i.column)) for i in f.issues]
    fixes = [Fix(x.sheet, x.cell, x.column, mask_fix_text(str(x.before), column=x.column),
                  mask_fix_text(str(x.after), column=x.column), mask_text(x.note)) for x in f.fixes]
    return FileSummary(mask_text(f.path), f.status, f.rows_roster, f.rows_log, issues, fixes)


def _formats(wb: xlsxwriter.Workbook) -> dict[str, Any]:
    # Created once per workbook: xlsxwriter keeps every Format object, per-cell formats bloat the file.
    return {
        "header": wb.add_format({"bold": True, "bg_color": "#D9E1F2", "border": 1, "valign": "top"}),
        "text": wb.add_format({"valign": "top"}),
        "wrap": wb.add_format({"valign": "top", "text_wrap": True}),
        "error": wb.add_format({"valign": "top", "bg_color": "#FFC7CE"}),
        "warning": wb.add_format({"valign": "top", "bg_color": "#FFEB9C"}),
        "total": wb.add_format({"bold": True, "top": 1}),
    }


def _header(ws: Any, fmt: dict[str, Any], headers: Sequence[str], rows: int) -> None:
    ws.write_row(0, 0, headers, fmt["header"])
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, max(rows, 1), len(headers) - 1)


def _print(ws: Any, columns: int) -> None:
    """Landscape A4, one page wide while the text prints at 8 pt or more, the header row on every page, page
    numbers; after the column widths are set."""
    print_list(ws, columns, FONT_PT, rows=(0, 0))


def _text(ws: Any, row: int, col: int, value: str | None, cell_format: Any) -> None:
    # write_string, not write(): the value is text even when it looks like a number, date or formula.
    if value:
        ws.write_string(row, col, value, cell_format)
    else:
        ws.write_blank(row, col, None, cell_format)


def _set_widths(ws: Any, columns: Sequence[Sequence[str]], low: int = 6, high: int | Sequence[int] = 60) -> list[int]:
    """Each column as wide as its widest text + 2, within [low, high] (``high`` per column or for all); returns
    the widths."""
    highs = [high] * len(columns) if isinstance(high, int) else list(high)
    widths = [min(max(max((text_width(t) for t in texts if t), default=0) + 2, low), top)
              for texts, top in zip(columns, highs)]
    for col, width in enumerate(widths):
        ws.set_column(col, col, width)
    return widths


def _files_sheet(wb: xlsxwriter.Workbook, fmt: dict[str, Any], files: Sequence[FileSummary]) -> None:
    ws = wb.add_worksheet("文件")
    _header(ws, fmt, _FILE_HEADERS, len(files))  # the filter range stops above the total row
    for r, f in enumerate(files, start=1):
        _text(ws, r, 0, f.path, fmt["text"])
        status_fmt = {"ok": "text", "problems": "warning", "unreadable": "error"}[f.status]
        _text(ws, r, 1, STATUS_LABELS[f.status], fmt[status_fmt])
        ws.write_row(r, 2, (f.rows_roster, f.rows_log, f.errors, f.warnings), fmt["text"])
    # Totals as numbers, not SUM formulas: xlsxwriter stores no computed value, so readers like pandas see 0.
    total = len(files) + 1
    _text(ws, total, 0, "合计", fmt["total"])
    _text(ws, total, 1, f"{len(files)} 个文件", fmt["total"])
    sums = (
        sum(f.rows_roster for f in files),
        sum(f.rows_log for f in files),
        sum(f.errors for f in files),
        sum(f.warnings for f in files),
    )
    ws.write_row(total, 2, sums, fmt["total"])
    _set_widths(ws, [[*_FILE_HEADERS[:1], *(f.path for f in files)], *([h] for h in _FILE_HEADERS[1:])], high=50)
    _print(ws, len(_FILE_HEADERS))
    ws.activate()


def _issues_sheet(wb: xlsxwriter.Workbook, fmt: dict[str, Any], files: Sequence[FileSummary]) -> None:
    ws = wb.add_worksheet("问题")
    rows = [(f.path, i) for f in files for i in f.issues]
    _header(ws, fmt, _ISSUE_HEADERS, len(rows))
    columns: list[list[str]] = [[h] for h in _ISSUE_HEADERS]
    for r, (path, i) in enumerate(rows, start=1):
        level = _LEVEL.get(i.severity, i.severity)
        values = (path, i.sheet, i.cell, i.column, i.value, i.code, level, i.message)
        for c, value in enumerate(values):
            cell_format = fmt["wrap"] if c == 7 else fmt.get(i.severity, fmt["text"]) if c == 6 else fmt["text"]
            _text(ws, r, c, value, cell_format)
            if c < 7 and value:
                columns[c].append(value)
    # 文件 工作表 单元格 列名 填写内容 问题代码 级别: at their widest they leave 说明 ~60 on the page
    widths = _set_widths(ws, columns[:7], high=(30, 12, 8, 14, 24, 23, 6))
    # 说明 wraps in what the page leaves it (≤ 80), so that the list prints one page wide at 8 pt or more
    ws.set_column(7, 7, max(min(80, int(width_left(FONT_PT, widths))), 30), fmt["wrap"])
    grow_rows(ws, 1, {7: [i.message or "" for _, i in rows]}, FONT_PT)
    _print(ws, len(_ISSUE_HEADERS))


def _codes_sheet(wb: xlsxwriter.Workbook, fmt: dict[str, Any], files: Sequence[FileSummary]) -> None:
    ws = wb.add_worksheet("按代码统计")
    counts: Counter[tuple[str, str]] = Counter()
    in_files: dict[tuple[str, str], set[int]] = {}
    for n, f in enumerate(files):
        for i in f.issues:
            counts[(i.code, i.severity)] += 1
            in_files.setdefault((i.code, i.severity), set()).add(n)
    # Most frequent first; ties by code then errors before warnings, so the order is stable between runs.
    ordered = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0][0], kv[0][1] != "error"))
    _header(ws, fmt, _CODE_HEADERS, len(ordered))
    for r, ((code, severity), count) in enumerate(ordered, start=1):
        _text(ws, r, 0, code, fmt["text"])
        _text(ws, r, 1, _LEVEL.get(severity, severity), fmt.get(severity, fmt["text"]))
        ws.write_row(r, 2, (count, len(in_files[(code, severity)])), fmt["text"])
    _set_widths(ws, [[_CODE_HEADERS[0], *(c for (c, _), _n in ordered)], *([h] for h in _CODE_HEADERS[1:])])
    _print(ws, len(_CODE_HEADERS))


def _fixes_sheet(wb: xlsxwriter.Workbook, fmt: dict[str, Any], files: Sequence[FileSummary]) -> None:
    """自动修正: every untidy value that was fixed rather than reported, so nothing changes unseen."""
    ws = wb.add_worksheet("自动修正")
    rows = [(f.path, x.sheet, x.cell, x.column, x.before, x.after, getattr(x, "note", "")) for f in files
            for x in f.fixes]
    _header(ws, fmt, _FIX_HEADERS, len(rows))
    for r, values in enumerate(rows, start=1):
        for c, value in enumerate(values):
            _text(ws, r, c, value, fmt["text"])
    _set_widths(ws, [[h, *(v[c] for v in rows if v[c])] for c, h in enumerate(_FIX_HEADERS)], high=30)
    _print(ws, len(_FIX_HEADERS))
