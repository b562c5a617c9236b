"""Text files that other systems export with an .xls name → sheets of rows, like a workbook reader gives.

Many school and government systems "export to Excel" by writing an HTML table, a CSV (often GBK) or an
Excel 2003 XML spreadsheet and naming it .xls. Excel opens them with a warning; calamine cannot. Every value
comes back as text (or None for an empty cell), which is what a teacher typed: ID numbers keep their digits.
"""

from __future__ import annotations

import csv
import io
from html.parser import HTMLParser
from typing import Any

from defusedxml import ElementTree as SafeET

from rosterkit.checking.sniff import decode_text

Rows = list[list[Any]]
_SS = "{urn:schemas-microsoft-com:office:spreadsheet}"
_MAX_SPAN = 256  # a colspan/rowspan beyond this is not a real layout; cap it so a tiny file cannot blow up


def read_text_sheets(data: bytes, kind: str) -> dict[str, Rows]:
    """Sheets of a text export of ``kind`` (html, csv, xml2003); ``ValueError`` when nothing table-like is in it."""
    text = decode_text(data)
    if kind == "html":
        sheets = _html_tables(text)
    elif kind == "xml2003":
        sheets = _xml2003(data)
    else:
        sheets = {"Sheet1": _csv_rows(text)}
    sheets = {name: rows for name, rows in sheets.items() if any(v is not None for row in rows for v in row)}
    if not sheets:
        raise ValueError("没有找到表格内容")
    return sheets


def _cell(text: str) -> str | None:
    text = text.replace("\xa0", " ").strip()
    return text or None


def _csv_rows(text: str) -> Rows:
    sample = text[:8192]
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",\t;|")
    except csv.Error:
        dialect = csv.excel_tab if sample.count("\t") > sample.count(",") else csv.excel
    return [[_cell(v) for v in row] for row in csv.reader(io.StringIO(text), dialect)]


class _Tables(HTMLParser):
    """Collects every <table> as rows of cell text; colspan and rowspan leave empty cells, as Excel shows."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[Rows] = []
        self.depth = 0
        self.row: list[Any] | None = None
        self.text: list[str] | None = None
        self.span = 1
        self.pending: dict[int, int] = {}  # column → rows still covered by a rowspan from above
        self.down = 1

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self.depth += 1
            if self.depth == 1:
                self.tables.append([])
                self.pending = {}
        elif self.depth != 1:
            return  # a table nested in a cell is part of that cell's text
        elif tag == "tr":
            self._end_row()
            self.row = []
        elif tag in ("td", "th"):
            self._end_cell()
            if self.row is None:
                self.row = []
            a = dict(attrs)
            self.span = _span(a.get("colspan"))
            self.down = _span(a.get("rowspan"))
            self.text = []
        elif tag == "br" and self.text is not None:
            self.text.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            if self.depth == 1:
                self._end_row()
            self.depth = max(self.depth - 1, 0)
        elif self.depth == 1 and tag in ("td", "th"):
            self._end_cell()
        elif self.depth == 1 and tag == "tr":
            self._end_row()

    def handle_data(self, data: str) -> None:
        if self.text is not None:
            self.text.append(data)

    def _skip_covered(self) -> None:
        assert self.row is not None
        while self.pending.get(len(self.row), 0) > 0:
            self.pending[len(self.row)] -= 1
            self.row.append(None)

    def _end_cell(self) -> None:
        if self.text is None or self.row is None:
            return
        self._skip_covered()
        start = len(self.row)
        self.row.append(_cell("".join(self.text)))
        self.row.extend([None] * (self.span - 1))
        if self.down > 1:
            for c in range(start, start + self.span):
                self.pending[c] = self.down - 1
        self.text = None

    def _end_row(self) -> None:
        self._end_cell()
        if self.row is not None and self.tables:
            self._skip_covered()
            self.tables[-1].append(self.row)
        self.row = None


def _span(value: str | None) -> int:
    try:
        return min(max(int(str(value).strip()), 1), _MAX_SPAN)
    except ValueError:
        return 1


def _html_tables(text: str) -> dict[str, Rows]:
    parser = _Tables()
    parser.feed(text)
    parser.close()
    parser._end_row()
    return {("Sheet1" if n == 0 else f"Sheet{n + 1}"): rows for n, rows in enumerate(parser.tables)}


def _xml2003(data: bytes) -> dict[str, Rows]:
    # defusedxml: an export is still untrusted XML (no entity expansion, no external entities).
    root = SafeET.fromstring(data)
    sheets: dict[str, Rows] = {}
    for n, ws in enumerate(root.iter(f"{_SS}Worksheet"), start=1):
        name = ws.get(f"{_SS}Name") or f"Sheet{n}"
        rows: Rows = []
        for table in ws.iter(f"{_SS}Table"):
            for row_el in table.iter(f"{_SS}Row"):
                index = _index(row_el.get(f"{_SS}Index"))
                while index and len(rows) < index - 1:
                    rows.append([])
                row: list[Any] = []
                for cell_el in row_el.iter(f"{_SS}Cell"):
                    col = _index(cell_el.get(f"{_SS}Index"))
                    while col and len(row) < col - 1:
                        row.append(None)
                    data_el = cell_el.find(f"{_SS}Data")
                    row.append(_cell("".join(data_el.itertext())) if data_el is not None else None)
                    row.extend([None] * min(_index(cell_el.get(f"{_SS}MergeAcross")) or 0, _MAX_SPAN))
                rows.append(row)
        sheets[name] = rows
    return sheets


def _index(value: str | None) -> int | None:
    try:
        return min(int(value), 65_536) if value else None
    except ValueError:
        return None
