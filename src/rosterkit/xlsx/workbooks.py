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
from openpyxl.styles import Alignment, Border, PatternFill
from openpyxl.styles import Font as XFont
from openpyxl.styles import Side as XSide
from openpyxl.utils.cell import get_column_letter
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.worksheet.worksheet import Worksheet

from rosterkit.core.values import text_width
from rosterkit.xlsx.model import Sheet, Style

__all__ = ["EXCEL_CELL_LIMIT", "RESULT_SHEET", "load_copy", "open_on", "put_first_sheet", "set_text",
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


def put_first_sheet(wb: Workbook, sheet: Sheet, *, keep_first: str | None = None) -> Worksheet:
    """Render the sheet model ``sheet`` with openpyxl as the first and active sheet of ``wb`` (a sheet of its name
    is replaced): the openpyxl twin of :func:`rosterkit.xlsx.zipsheet.add_first_sheet`. ``keep_first``: a sheet
    of that name, when present, ends up second."""
    if sheet.name in wb.sheetnames:  # a copy made earlier: its sheet is out of date
        wb.remove(wb[sheet.name])
    ws = wb.create_sheet(sheet.name, 0)
    if keep_first is not None and keep_first in wb.sheetnames:
        wb.move_sheet(keep_first, offset=1 - wb.sheetnames.index(keep_first))
    face = ws["A1"].font.name  # the workbook's own default font: a bare Font() falls back to a serif in LibreOffice
    looks: dict[int, tuple[Any, Any, Any, Any]] = {}  # id(style) → openpyxl font, fill, border, alignment
    for c in sheet.cells:
        cell = ws.cell(c.row, c.col)
        if isinstance(c.text, str):
            set_text(cell, c.text)
        else:
            cell.value = c.text
        if c.style is None:
            continue
        look = looks.get(id(c.style))
        if look is None:
            look = looks[id(c.style)] = _look(c.style, face)
        font, fill, border, alignment = look
        if font is not None:
            cell.font = font
        if fill is not None:
            cell.fill = fill
        if border is not None:
            cell.border = border
        if alignment is not None:
            cell.alignment = alignment
    for col, width in enumerate(sheet.widths, start=1):
        ws.column_dimensions[get_column_letter(col)].width = width
    for row, height in sheet.heights.items():
        ws.row_dimensions[row].height = height  # LibreOffice does not grow rows for wrapped text on load
    if sheet.landscape_a4_fit_width:
        ws.page_setup.orientation = "landscape"
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
    if sheet.footer_center:
        ws.oddFooter.center.text = sheet.footer_center
    if sheet.freeze:
        ws.freeze_panes = sheet.freeze
    if sheet.auto_filter:
        ws.auto_filter.ref = sheet.auto_filter
    if sheet.print_title_rows:
        ws.print_title_rows = sheet.print_title_rows
    for ref, location, display in sheet.links:
        # An internal link is the `location` attribute; a "#…" target would become an external file link.
        ws[ref].hyperlink = Hyperlink(ref=ref, location=location, display=display)
    open_on(wb, ws)
    return ws


def _look(style: Style, face: str | None) -> tuple[Any, Any, Any, Any]:
    """A model style as openpyxl's font, fill, border and alignment (None: left as the cell has it)."""
    f = style.font
    font = None if f is None else XFont(name=face, bold=f.bold or None, size=f.size, color=f.color,
                                         underline="single" if f.underline else None)
    fill = None if style.fill is None else PatternFill(fill_type="solid", start_color=style.fill,
                                                       end_color=style.fill)
    thin = XSide(style="thin", color="BFBFBF")
    border = Border(left=thin, right=thin, top=thin, bottom=thin) if style.border else None
    alignment = (Alignment(vertical="top", wrap_text=True) if style.wrap_top
                 else Alignment(vertical="top") if style.top else None)
    return font, fill, border, alignment
