"""openpyxl workbooks as the copies handed back need them: a teacher's file loaded for editing, one rebuilt from
cell values when openpyxl cannot load it, text stored as text, the sheet Excel opens on; and the display width
of text, which every writer measures columns with. Shared by the annotated copy (annotate.py) and the 待办 copy
(todo.py)."""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from io import BytesIO
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.utils.cell import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from rosterkit.core.values import text_width

__all__ = ["EXCEL_CELL_LIMIT", "RESULT_SHEET", "load_copy", "open_on", "set_text",
           "workbook_from_values"]

RESULT_SHEET = "校验结果"  # the annotated copy's first sheet: never copied from the teacher's values
EXCEL_CELL_LIMIT = 32_767


def load_copy(data: bytes, *, keep_vba: bool) -> Workbook:
    with warnings.catch_warnings():
        # openpyxl warns about parts it drops (e.g. extension lists); nothing the teacher could act on.
        warnings.simplefilter("ignore")
        wb = load_workbook(BytesIO(data), keep_vba=keep_vba, rich_text=True)
    wb.template = False  # a .xltx source must still come back as a normal workbook
    wb.calculation.fullCalcOnLoad = True  # openpyxl drops cached formula results; let Excel recompute them
    return wb


def workbook_from_values(sheets: Mapping[str, list[list[Any]]]) -> tuple[Workbook, dict[str, str]]:
    """A plain workbook holding ``sheets``; returns it with a map from original to (sanitised) sheet titles."""
    wb = Workbook()
    wb.remove(wb.worksheets[0])  # the one sheet a new Workbook comes with
    names: dict[str, str] = {}
    for name, rows in sheets.items():
        if name == RESULT_SHEET:
            continue
        ws = wb.create_sheet(_safe_title(name, wb.sheetnames))
        names[name] = ws.title
        widths: dict[int, int] = {}
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row, start=1):
                if value is None or value == "":
                    continue
                _put_value(ws.cell(r, c), value)
                if r <= 200:
                    widths[c] = max(widths.get(c, 0), text_width(str(value)))
        for c, w in widths.items():
            ws.column_dimensions[get_column_letter(c)].width = min(max(w + 2, 8), 40)
    return wb, names


def _put_value(cell: Cell, value: Any) -> None:
    if isinstance(value, str):
        set_text(cell, value)
    elif isinstance(value, float) and not math.isfinite(value):
        set_text(cell, str(value))
    elif isinstance(value, (datetime, date)) and value.year < 1900:
        set_text(cell, value.isoformat())  # Excel has no serial number for these
    elif isinstance(value, datetime):
        cell.value = value
        cell.number_format = "yyyy-mm-dd" if value.time() == time(0) else "yyyy-mm-dd hh:mm:ss"
    elif isinstance(value, date):
        cell.value = value
        cell.number_format = "yyyy-mm-dd"
    elif isinstance(value, (bool, int, float, time, timedelta)):
        cell.value = value
    else:
        set_text(cell, str(value))


def set_text(cell: Cell, text: str | None) -> None:
    """Store ``text`` as a string: openpyxl would otherwise turn '=…' into a formula and '#N/A' into an error."""
    if text is None or text == "":
        return
    cell.value = ILLEGAL_CHARACTERS_RE.sub("", text)[:EXCEL_CELL_LIMIT]
    cell.data_type = "s"


def _safe_title(name: str, taken: list[str]) -> str:
    title = "".join("_" if ch in "[]:*?/\\" else ch for ch in name).strip("'")[:31] or "Sheet"
    base, n = title, 1
    while title.casefold() in {t.casefold() for t in taken} or title == RESULT_SHEET:
        n += 1
        title = f"{base[: 31 - len(str(n)) - 1]}_{n}"
    return title


def open_on(wb: Workbook, ws: Worksheet) -> None:
    """Make ``ws`` the sheet Excel opens on. Excel also shows every tab still marked selected as a group,
    so the other tabs are unselected."""
    for sheet in wb.worksheets:
        sheet.sheet_view.tabSelected = sheet is ws
    for chart in wb.chartsheets:
        for view in chart.sheetViews.sheetView:
            view.tabSelected = False
    wb.active = ws
    if wb.views:
        wb.views[0].firstSheet = 0
