"""xlsxwriter's worksheet, serialized faster: the same bytes, a fraction of the Python calls.

At close, xlsxwriter writes every stored cell through one generic routine: an attribute list, a regex escape
per attribute, a class-name dispatch and a file write per cell. At a county's 2.7M roster cells that is
~20 s, more than storing them. :class:`FastWorksheet` (through xlsxwriter's extension point, a Workbook
subclass's ``worksheet_class``: :class:`FastWorkbook`) writes the cells every sheet of ours is made of — shared
strings, numbers, dates, blanks — a row at a time with one write, and hands any other cell (formulas, rich
strings, booleans, inline strings in constant_memory mode) to xlsxwriter's own ``_write_cell``. The values
stored, the formats and the order are xlsxwriter's; only the text of the XML is produced here, and
``tests/test_fastsheet.py`` compares it byte for byte with xlsxwriter's own on every kind of cell and row.

Where the xlsxwriter installed is not the one this was written against (its cell records or row/column
records differ), the stock serializer runs instead: slower, never different.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import xlsxwriter
import xlsxwriter.sharedstrings
from xlsxwriter import worksheet as _ws
from xlsxwriter.utility import xl_col_to_name

__all__ = ["BLANK", "DATE", "NUMBER", "TEXT", "FastWorkbook", "FastWorksheet", "supported"]

BLANK, DATE, NUMBER, TEXT = range(4)  # the kinds of cell :meth:`FastWorksheet.write_cells` stores

# xlsxwriter's private record types (namedtuples); None in a version without them (supported() says so)
_STRING: Any = getattr(_ws, "CellStringTuple", None)
_NUMBER: Any = getattr(_ws, "CellNumberTuple", None)
_DATETIME: Any = getattr(_ws, "CellDatetimeTuple", None)
_BLANK: Any = getattr(_ws, "CellBlankTuple", None)


def supported() -> bool:
    """The cell records and the routines replaced here are the ones this module was written against."""
    base = _ws.Worksheet
    return (None not in (_STRING, _NUMBER, _DATETIME, _BLANK)
            and _STRING._fields == ("string", "format") and _NUMBER._fields == ("number", "format")
            and _DATETIME._fields == ("number", "format") and _BLANK._fields == ("format",)
            and all(callable(getattr(base, m, None)) for m in
                    ("_write_rows", "_write_row", "_write_cell", "_calculate_spans", "_convert_date_time",
                     "_check_dimensions"))
            and callable(getattr(getattr(xlsxwriter.sharedstrings, "SharedStringTable", None),
                                 "_get_shared_string_index", None)))


_SUPPORTED = supported()
_COLUMNS: list[str] = []  # column letters, A… as far as any sheet has needed


def _letters(upto: int) -> list[str]:
    while len(_COLUMNS) <= upto:
        _COLUMNS.append(xl_col_to_name(len(_COLUMNS)))
    return _COLUMNS


class FastWorksheet(_ws.Worksheet):
    """A :class:`xlsxwriter.worksheet.Worksheet` whose cells are serialized in bulk (see the module text)."""

    def __init__(self) -> None:
        super().__init__()
        self._serials: dict[Any, Any] = {}

    def _convert_date_time(self, dt_obj: Any) -> Any:
        # A roster's 180,000 dates are a few thousand distinct days: each is converted once.
        try:
            return self._serials[dt_obj]
        except (KeyError, TypeError):
            number = super()._convert_date_time(dt_obj)
        try:
            self._serials[dt_obj] = number
        except TypeError:  # unhashable: nothing to remember
            pass
        return number

    def write_cells(self, row: int, first_col: int, cells: Sequence[tuple[int, Any]], formats: Sequence[Any]
                    ) -> None:
        """Store a row of cells from ``first_col`` on, each ``(kind, value)`` with ``formats[kind]``: the records
        ``write_blank``, ``write_datetime``, ``write_number`` and ``write_string`` would store, with the row's
        bounds checked once instead of per cell. Anything out of the ordinary (no format, a sheet streamed in
        constant_memory mode, a cell beyond the sheet, a text over Excel's limit, a number that is not a plain
        finite int or float) takes those methods themselves."""
        last = first_col + len(cells) - 1
        if (not _SUPPORTED or self.constant_memory or not cells or any(f is None for f in formats)
                or self._check_dimensions(row, first_col) or self._check_dimensions(row, last)):
            for col, (kind, value) in enumerate(cells, start=first_col):
                self._write_one(row, col, kind, value, formats[kind])
            return
        stored = self.table[row]
        index = self.str_table._get_shared_string_index
        half = self.xls_strmax // 2  # past this a text may need truncating: write_string decides
        for col, (kind, value) in enumerate(cells, start=first_col):
            fmt = formats[kind]
            if kind == TEXT and len(value) <= half:
                stored[col] = _STRING(index(value), fmt)
            elif kind == BLANK:
                stored[col] = _BLANK(fmt)
            elif kind == DATE:
                stored[col] = _DATETIME(self._convert_date_time(value), fmt)
            elif kind == NUMBER and value.__class__ in (int, float) and math.isfinite(value):
                stored[col] = _NUMBER(value, fmt)
            else:
                self._write_one(row, col, kind, value, fmt)

    def _write_one(self, row: int, col: int, kind: int, value: Any, fmt: Any) -> None:
        if kind == TEXT:
            self.write_string(row, col, value, fmt)
        elif kind == NUMBER:
            self.write_number(row, col, value, fmt)
        elif kind == DATE:
            self.write_datetime(row, col, value, fmt)
        else:
            self.write_blank(row, col, None, fmt)

    def _calculate_spans(self) -> None:
        # xlsxwriter's rule (each block of 16 rows spans the columns its cells and comments use), computed from
        # each row's keys instead of probing every column of the sheet's width.
        if not _SUPPORTED:
            return super()._calculate_spans()
        spans: dict[int, str] = {}
        lo, hi = self.dim_colmin, self.dim_colmax
        span_min: int | None = None
        span_max = 0
        table, comments = self.table, self.comments
        for row_num in range(self.dim_rowmin, self.dim_rowmax + 1):
            for held in (table, comments):
                if row_num in held:
                    cols = [c for c in held[row_num] if lo <= c <= hi]
                    if cols:
                        first, last = min(cols), max(cols)
                        if span_min is None:
                            span_min, span_max = first, last
                        else:
                            span_min, span_max = min(span_min, first), max(span_max, last)
            if (row_num + 1) % 16 == 0 or row_num == self.dim_rowmax:
                if span_min is not None:
                    spans[row_num // 16] = f"{span_min + 1}:{span_max + 1}"
                    span_min = None
        self.row_spans = spans

    def _write_rows(self) -> None:
        # The same walk as xlsxwriter's _write_rows; only the cells of a row are written by _write_cells.
        if not _SUPPORTED:
            return super()._write_rows()
        self._calculate_spans()
        table, row_info, comments, spans = self.table, self.row_info, self.comments, self.row_spans
        xfs: dict[int, str] = {}
        for row_num in range(self.dim_rowmin, self.dim_rowmax + 1):
            cells = table.get(row_num)
            if not (row_num in row_info or row_num in comments or cells):
                continue
            span = spans.get(row_num // 16)
            if cells:
                self._write_row(row_num, span, row_info.get(row_num))
                self._write_cells(row_num, cells, xfs)
            else:  # a row with a comment or attributes only
                self._write_row(row_num, span, row_info.get(row_num), empty_row=True)

    def _write_cells(self, row_num: int, cells: dict[int, Any], xfs: dict[int, str]) -> None:
        """One row's cells and its closing tag, in column order, as xlsxwriter's _write_cell writes them."""
        lo, hi = self.dim_colmin, self.dim_colmax
        letters = _letters(hi)
        r = str(row_num + 1)
        info = self.row_info.get(row_num)
        row_format = info.row_format if info else None
        col_info, inline = self.col_info, self.constant_memory
        out: list[str] = []
        for col in sorted(cells):
            if not lo <= col <= hi:
                continue
            cell = cells[col]
            kind = type(cell)
            if kind is _STRING and inline or kind not in (_STRING, _NUMBER, _DATETIME, _BLANK):
                if out:
                    self.fh.write("".join(out))
                    out.clear()
                self._write_cell(row_num, col, cell)
                continue
            fmt = cell.format or row_format or (col_info[col].column_format if col in col_info else None)
            if fmt:
                key = id(fmt)
                s = xfs.get(key)
                if s is None:
                    s = xfs[key] = f' s="{fmt._get_xf_index()}"'
            else:
                s = ""
            if kind is _STRING:
                out.append(f'<c r="{letters[col]}{r}"{s} t="s"><v>{cell.string}</v></c>')
            elif kind is _BLANK:
                out.append(f'<c r="{letters[col]}{r}"{s}/>')
            else:
                out.append(f'<c r="{letters[col]}{r}"{s}><v>{cell.number:.16G}</v></c>')
        out.append("</row>")
        self.fh.write("".join(out))


class FastWorkbook(xlsxwriter.Workbook):
    """An :class:`xlsxwriter.Workbook` whose worksheets are :class:`FastWorksheet`."""

    worksheet_class = FastWorksheet
