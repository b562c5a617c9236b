"""The annotated copy of a teacher's workbook: problem cells filled and commented, a first sheet listing them.

The teacher's file is only ever read. For .xlsx/.xlsm the copy is the teacher's own workbook edited at the byte
level (:mod:`rosterkit.xlsx.zipannot`: only the marked sheets, their comments and styles change), or, for what
that path does not support, loaded and saved with openpyxl; either way formatting, widths and dropdowns stay.
For formats openpyxl cannot load (.xls, .xlsb, .ods, broken .xlsx) the copy is rebuilt from the cell values the
reader already extracted.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.comments import Comment
from openpyxl.styles import PatternFill
from openpyxl.utils.cell import (
    column_index_from_string,
    coordinate_from_string,
    get_column_letter,
)
from openpyxl.utils.exceptions import CellCoordinatesException
from openpyxl.worksheet.worksheet import Worksheet

from rosterkit.checking.sniff import OPENPYXL_XML_LIMIT, Sniff, sniff
from rosterkit.core.values import text_width
from rosterkit.issues import Issue
from rosterkit.xlsx import model, zipannot, zipsheet
from rosterkit.xlsx.atomic import atomic_output
from rosterkit.xlsx.workbooks import (
    EXCEL_CELL_LIMIT,
    RESULT_SHEET,
    load_copy,
    put_first_sheet,
    set_text,
    workbook_from_values,
)
from rosterkit.xlsx.zippkg import Package, Unsupported

__all__ = ["COMMENT_SEPARATOR", "annotate_copy", "fast_copy", "said_at"]


COMMENT_AUTHOR = "rosterkit"
# Put between a teacher's own comment and ours, so a re-check can tell the two apart again.
COMMENT_SEPARATOR = "———— rosterkit 校验 ————"
ERROR_COLOR, WARNING_COLOR = "FFC7CE", "FFEB9C"
_OPENPYXL_SUFFIXES = {".xlsx", ".xlsm", ".xltx", ".xltm"}
_FAST_SUFFIXES = {".xlsx", ".xlsm"}  # the byte-level copy (templates need their content type changed: openpyxl)
_HEADERS = ("序号", "工作表", "单元格", "列名", "填写内容", "问题代码", "级别", "说明")
_WIDTHS = (6, 14, 9, 16, 26, 22, 7, 80)
_HEADER_ROW = 3
_LEVEL = {"error": "错误", "warning": "警告"}
_MAX_ROW, _MAX_COL = 1_048_576, 16_384


def _fill(color: str) -> PatternFill:
    return PatternFill(fill_type="solid", start_color=color, end_color=color)


def annotate_copy(
    src: Path,
    dest: Path,
    issues: Sequence[Issue],
    *,
    fallback_sheets: Mapping[str, list[list[Any]]] | None = None,
) -> Path:
    """Write an annotated copy of the workbook ``src`` to ``dest`` and return the path written.

    Cells named by ``issues`` get a red (error) or yellow (warning) fill and a comment with the messages; a first
    sheet 校验结果 lists every issue with a link to its cell. ``src`` is never modified. When openpyxl cannot
    load ``src`` (or it is too big to load in reasonable time) the copy is rebuilt from ``fallback_sheets``
    (sheet name -> rows of values as python-calamine returned them); ``ValueError`` if that is needed but
    missing, or if ``dest`` is ``src``. Macros are never copied: an ``.xlsm`` ``dest`` is written as ``.xlsx``
    beside it. Text over Excel's 32,767 characters is cut; text starting with = + - @ stays text.
    """
    src, dest = Path(src), Path(dest)
    if dest.exists() and os.path.samefile(src, dest):
        raise ValueError(f"dest is the source file; the teacher's file is never overwritten: {src}")
    if dest.suffix.lower() == ".xlsm":
        dest = dest.with_suffix(".xlsx")  # macros are never copied; Excel refuses an .xlsm without them
    wb, note, names = None, "", {}
    found: Sniff | None = None
    if src.suffix.lower() in _OPENPYXL_SUFFIXES:
        # Read the bytes once and hand openpyxl a buffer: the teacher's file is never held open or written.
        # Outside the try: a missing or unreadable file is an OSError for the caller, not a reason to fall back.
        data = src.read_bytes()
        found = sniff(src)
        if (found.refusal and found.refusal[0] == "file-too-large") or found.xml_bytes > OPENPYXL_XML_LIMIT:
            # openpyxl would need minutes and gigabytes (a million formatted rows): use the values instead.
            note = (f"注意：原文件解压后有 {found.xml_bytes >> 20} MB（多为格式或空行），未能保留原有格式，"
                    "本文件只包含原有的单元格内容。")
        else:
            if src.suffix.lower() in _FAST_SUFFIXES:
                macros = "原文件含有宏：本程序从不运行宏，本副本已去掉宏。" if src.suffix.lower() == ".xlsm" or found.macros else ""
                try:
                    pkg = fast_copy(data, src.name, issues, macros)
                except Unsupported:
                    pass  # anything unexpected: openpyxl below
                else:
                    with atomic_output(dest) as tmp:
                        pkg.write(tmp)
                    return dest
            try:
                wb = load_copy(data, keep_vba=False)
                names = {title: title for title in wb.sheetnames}
            except Exception as exc:  # openpyxl raises many types on damaged files; all mean "use the values"
                if fallback_sheets is None:
                    raise ValueError(f"openpyxl cannot load {src.name} and no fallback_sheets were given") from exc
                note = "注意：原文件无法按 .xlsx 格式完整读取，未能保留原有格式，本文件只包含原有的单元格内容。"
    else:
        note = f"注意：原文件是 {src.suffix or '无扩展名'} 格式（不是 .xlsx），未能保留原有格式，本文件只包含原有的单元格内容。"
    if wb is None:
        if fallback_sheets is None:
            raise ValueError(f"{src.name} is not an .xlsx workbook openpyxl can load; fallback_sheets are required")
        wb, names = workbook_from_values(fallback_sheets)
    else:
        _cut_long_text(wb)
    if src.suffix.lower() in (".xlsm", ".xltm") or (found is not None and found.macros):
        note += "原文件含有宏：本程序从不运行宏，本副本已去掉宏。"
    targets = [_target_cell(wb, names, issue) for issue in issues]
    _mark_cells(wb, issues, targets)
    places = [(c.parent.title, c.coordinate) if c is not None else None for c in targets]
    put_first_sheet(wb, _result_sheet(src.name, issues, places, note))
    with atomic_output(dest) as tmp:
        wb.save(tmp)
    return dest


def fast_copy(data: bytes, file_name: str, issues: Sequence[Issue], note: str) -> Package:
    """The annotated copy of the .xlsx/.xlsm ``data`` as an edited package, ready to write; ``Unsupported`` when
    the byte-level path cannot make it exactly (the caller then uses openpyxl). ``note`` starts the hint line."""
    pkg = Package(data)
    book = zipannot.Book(pkg)
    if RESULT_SHEET in book.names:
        raise Unsupported("already annotated: the openpyxl path replaces the old results")
    book.check_plain()
    targets = [book.target(i.sheet, i.cell) for i in issues]
    groups: dict[tuple[str, str], list[Issue]] = {}
    for issue, target in zip(issues, targets):
        if target is not None:
            groups.setdefault(target, []).append(issue)
    per_sheet: dict[str, dict[str, zipannot.Mark]] = {}
    old: dict[str, dict[str, str]] = {}
    for (sheet, ref), group in groups.items():
        if sheet not in old:
            old[sheet] = book.old_comments(sheet)
        per_sheet.setdefault(sheet, {})[ref] = _mark(group, old[sheet].get(ref, ""), ref)
    for sheet, marks in per_sheet.items():
        book.mark(sheet, marks, COMMENT_AUTHOR)
    book.finish()
    zipsheet.add_first_sheet(pkg, _result_sheet(file_name, issues, targets, note))
    return pkg


def said_at(issue: Issue, anchor: str) -> str:
    """The comment text of ``issue`` on the cell ``anchor``: a problem of a cell covered by a merged range is
    shown on the range's first cell, so it names its own cell (「D4：…」), else D3's and D4's read as one."""
    own = (issue.cell or "").replace("$", "").strip().upper()
    return issue.message if own == anchor or not own else f"{own}：{issue.message}"


def _mark(group: Sequence[Issue], old: str, ref: str) -> zipannot.Mark:
    """The fill and comment of one cell, as :func:`_mark_cells` makes them."""
    is_error = any(i.severity == "error" for i in group)
    ours = "\n".join(dict.fromkeys(said_at(i, ref) for i in group))
    text = f"{old.rstrip()}\n{COMMENT_SEPARATOR}\n{ours}" if old.strip() else ours
    text = ILLEGAL_CHARACTERS_RE.sub("", text)
    return zipannot.Mark(ERROR_COLOR if is_error else WARNING_COLOR, text, _comment_height(text))


def _result_sheet(file_name: str, issues: Sequence[Issue], targets: Sequence[tuple[str, str] | None],
                  note: str) -> model.Sheet:
    """The 校验结果 sheet, described once: every problem with a link to its cell (``targets``: the (sheet, cell)
    each is shown at). Written into the package by :mod:`~rosterkit.xlsx.zipsheet`, or through openpyxl by
    :func:`~rosterkit.xlsx.workbooks.put_first_sheet`."""
    Font_, Style_, Cell_ = model.Font, model.Style, model.Cell
    errors = sum(i.severity == "error" for i in issues)
    hint = "点击「单元格」列的链接可跳到对应单元格；红色为错误（必须修改），黄色为警告（请核对）。"
    cells = [Cell_(1, 1, f"{file_name}：共 {len(issues)} 个问题：错误 {errors} 个，警告 {len(issues) - errors} 个",
                   Style_(Font_(bold=True, size=14))),
             Cell_(2, 1, f"{note}{hint}" if note else hint,
                   Style_(Font_(bold=bool(note), color="C00000" if note else "595959")))]
    header = Style_(Font_(bold=True), fill="D9E1F2")
    cells += [Cell_(_HEADER_ROW, col, label, header) for col, label in enumerate(_HEADERS, start=1)]
    top, wrap = Style_(top=True), Style_(wrap_top=True)
    link = Style_(Font_(color="0563C1", underline=True), top=True)
    level = {"error": Style_(fill=ERROR_COLOR, top=True), "warning": Style_(fill=WARNING_COLOR, top=True)}
    heights: dict[int, float] = {}
    links: list[tuple[str, str, str]] = []
    for n, (issue, target) in enumerate(zip(issues, targets), start=1):
        r = _HEADER_ROW + n
        texts = (issue.sheet, target[1] if target else issue.cell, issue.column, issue.value, issue.code,
                 _LEVEL.get(issue.severity, issue.severity), issue.message)
        cells.append(Cell_(r, 1, n, top))
        for col, text in enumerate(texts, start=2):
            style = wrap if col in (5, 8) else level.get(issue.severity, top) if col == 7 else top
            if col == 3 and target is not None:
                style = link
                sheet_ref = target[0].replace("'", "''")
                links.append((f"C{r}", f"'{sheet_ref}'!{target[1]}", target[1]))
            cells.append(Cell_(r, col, text or "", style))
        lines = max(math.ceil(text_width(issue.message) / (_WIDTHS[7] - 2)),
                    math.ceil(text_width(issue.value or "") / (_WIDTHS[4] - 2)), 1)
        heights[r] = 15 * lines + 2
    return model.Sheet(RESULT_SHEET, cells, _WIDTHS, heights, True, "", freeze=f"A{_HEADER_ROW + 1}",
                          auto_filter=f"A{_HEADER_ROW}:{get_column_letter(len(_HEADERS))}{_HEADER_ROW + len(issues)}",
                          print_title_rows=f"{_HEADER_ROW}:{_HEADER_ROW}", links=links)


def _cut_long_text(wb: Workbook) -> None:
    """Excel cannot open a cell over 32,767 characters: cut it (the check reported it as cell-too-long)."""
    for ws in wb.worksheets:
        for cell in ws._cells.values():  # only the cells that exist; iter_rows would create empty ones
            if cell.data_type == "s" and isinstance(cell.value, str) and len(cell.value) > EXCEL_CELL_LIMIT:
                set_text(cell, cell.value)


def _target_cell(wb: Workbook, names: Mapping[str, str], issue: Issue) -> Cell | None:
    """The workbook cell ``issue`` points at (the anchor of a merged range), or None when there is none."""
    if not issue.sheet or not issue.cell or names.get(issue.sheet) not in wb.sheetnames:
        return None
    ws = wb[names[issue.sheet]]
    if not isinstance(ws, Worksheet) or ws.title == RESULT_SHEET:
        return None
    try:
        letters, row = coordinate_from_string(issue.cell.replace("$", "").strip().upper())
        col = column_index_from_string(letters)
    except (ValueError, CellCoordinatesException):  # not a cell reference
        return None
    if not (1 <= row <= _MAX_ROW and 1 <= col <= _MAX_COL):
        return None
    for merged in ws.merged_cells.ranges:
        if merged.min_row <= row <= merged.max_row and merged.min_col <= col <= merged.max_col:
            row, col = merged.min_row, merged.min_col  # only the anchor of a merged range can hold a comment
            break
    cell = ws.cell(row, col)
    return cell if isinstance(cell, Cell) else None  # an anchor is always a Cell


def _mark_cells(wb: Workbook, issues: Sequence[Issue], targets: Sequence[Cell | None]) -> None:
    for ws in wb.worksheets:
        _drop_old_marks(ws)
    groups: dict[tuple[str, str], tuple[Cell, list[Issue]]] = {}
    for issue, cell in zip(issues, targets):
        if cell is not None:
            groups.setdefault((cell.parent.title, cell.coordinate), (cell, []))[1].append(issue)
    for cell, group in groups.values():
        is_error = any(i.severity == "error" for i in group)
        cell.fill = _fill(ERROR_COLOR if is_error else WARNING_COLOR)
        ours = "\n".join(dict.fromkeys(said_at(i, cell.coordinate) for i in group))  # same twice reads as noise
        old = cell.comment.text if cell.comment is not None else ""
        text = f"{old.rstrip()}\n{COMMENT_SEPARATOR}\n{ours}" if old.strip() else ours
        text = ILLEGAL_CHARACTERS_RE.sub("", text)
        cell.comment = Comment(text, COMMENT_AUTHOR, height=_comment_height(text), width=320)


def _drop_old_marks(ws: Worksheet) -> None:
    """Undo the marks of an earlier rosterkit run (re-check of an annotated copy); teachers' comments stay."""
    # openpyxl has no public way to visit only existing cells; iter_rows would create every empty one.
    for cell in list(ws._cells.values()):
        comment = cell.comment
        if comment is None or comment.author != COMMENT_AUTHOR:
            continue
        head, sep, _ = comment.text.partition(f"\n{COMMENT_SEPARATOR}\n")
        cell.comment = Comment(head, comment.author, comment.height, comment.width) if sep else None
        if cell.fill.fill_type == "solid" and str(cell.fill.fgColor.rgb)[-6:] in (ERROR_COLOR, WARNING_COLOR):
            cell.fill = PatternFill()


def _comment_height(text: str) -> int:
    # ~22 Chinese characters fit a 320 px wide box; about 17 px per line, never below 4 lines.
    lines = sum(max(1, math.ceil(text_width(line) / 44)) for line in text.split("\n"))
    return min(max(lines, 4) * 17 + 12, 420)
