"""What calamine does not tell about an .xlsx: formulas saved without their result, hidden rows and columns.

A formula written by another program (or by openpyxl) often has no cached value: Excel computes it on open,
but any reader sees an empty cell, and the teacher is told a cell they "filled" is blank. Hidden rows still
hold students that will be reported. Both are found by scanning the worksheet XML in chunks, without
building a tree, so a 100 MB sheet costs a fraction of a second and flat memory.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from defusedxml import ElementTree as SafeET

CHUNK = 4 << 20
MAX_CELLS = 200  # formula cells remembered per sheet: enough to show the teacher, bounded for a hostile file
_NS_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"

_ROW = re.compile(rb"<(?:\w+:)?row\b([^>]*)>")
_COL = re.compile(rb"<(?:\w+:)?col\b([^>]*?)/?>")
_CELL = re.compile(rb"<(?:\w+:)?c\b([^>]*?)(?<!/)>(.*?)</(?:\w+:)?c>", re.S)
_ATTR = re.compile(rb"""\b(r|t|min|max|hidden)\s*=\s*["']([^"']*)["']""")
_FORMULA = re.compile(rb"<(?:\w+:)?f\b")
_VALUE = re.compile(rb"<(?:\w+:)?v\b[^>]*?(?<!/)>[^<]")  # a <v> element with text in it
# A formula whose result is the empty string is saved as t="str" with an empty <v>: that one has a value.
_CELL_REF = re.compile(r"^([A-Z]{1,3})(\d+)$")


@dataclass
class SheetScan:
    """Hidden rows and columns (1-based) and formula cells without a saved value (A1 references)."""

    hidden_rows: set[int] = field(default_factory=set)
    hidden_cols: set[int] = field(default_factory=set)
    formulas_without_value: list[str] = field(default_factory=list)


def sheet_parts(zf: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name → worksheet part name, from xl/workbook.xml and its relationships."""
    names = {n.lower(): n for n in zf.namelist()}
    book = names.get("xl/workbook.xml")
    rels = names.get("xl/_rels/workbook.xml.rels")
    if not book or not rels:
        return {}
    targets = {}
    for rel in SafeET.fromstring(zf.read(rels)).iter():
        if rel.tag.endswith("Relationship") and rel.get("Id") and rel.get("Target"):
            target = rel.get("Target", "")
            path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
            targets[rel.get("Id")] = names.get(path.lower(), path)
    parts = {}
    for sheet in SafeET.fromstring(zf.read(book)).iter():
        if sheet.tag.endswith("}sheet") and sheet.get(_NS_REL) in targets:
            parts[sheet.get("name", "")] = targets[sheet.get(_NS_REL)]
    return parts


def date1904(path: Path) -> bool:
    """True when the workbook counts dates from 1904 (``<workbookPr date1904="1"/>`` in xl/workbook.xml)."""
    with zipfile.ZipFile(path) as zf:
        names = {n.lower(): n for n in zf.namelist()}
        book = names.get("xl/workbook.xml")
        if not book:
            return False
        for el in SafeET.fromstring(zf.read(book)).iter():
            if el.tag.endswith("}workbookPr") or el.tag == "workbookPr":
                return el.get("date1904", "").strip().lower() in ("1", "true")
    return False


def scan_xlsx(path: Path, sheets: list[str] | None = None) -> dict[str, SheetScan]:
    """Scan the worksheets of an .xlsx/.xlsm (all, or those named); a part that cannot be read is skipped."""
    out: dict[str, SheetScan] = {}
    with zipfile.ZipFile(path) as zf:
        for name, part in sheet_parts(zf).items():
            if sheets is not None and name not in sheets:
                continue
            try:
                with zf.open(part) as fh:
                    out[name] = _scan(fh)
            except (KeyError, zipfile.BadZipFile, OSError, EOFError):
                continue  # calamine already read or refused this part; the scan only adds detail
    return out


def _scan(fh: IO[bytes]) -> SheetScan:
    scan = SheetScan()
    tail = b""
    while True:
        chunk = fh.read(CHUNK)
        buf = tail + chunk
        if not chunk:
            _scan_text(buf, scan)
            return scan
        # Cut before the last row start so no element is split between two chunks.
        cut = buf.rfind(b"<row")
        cut = buf.rfind(b"<", 0, cut) if cut > 0 else -1
        if cut <= 0:
            tail = buf
            continue
        _scan_text(buf[:cut], scan)
        tail = buf[cut:]


def _scan_text(text: bytes, scan: SheetScan) -> None:
    if b"hidden" in text:
        for m in _ROW.finditer(text):
            attrs = dict(_ATTR.findall(m.group(1)))
            if attrs.get(b"hidden") in (b"1", b"true") and attrs.get(b"r", b"").isdigit():
                scan.hidden_rows.add(int(attrs[b"r"]))
        for m in _COL.finditer(text):
            attrs = dict(_ATTR.findall(m.group(1)))
            if attrs.get(b"hidden") in (b"1", b"true"):
                lo, hi = int(attrs.get(b"min", b"0") or 0), int(attrs.get(b"max", b"0") or 0)
                scan.hidden_cols.update(range(max(lo, 1), min(hi, 16_384) + 1))
    # The plain substring tests are a cheap necessary condition for _FORMULA (a regex that tries at every '<').
    if (b"<f" in text or b":f" in text) and _FORMULA.search(text) and len(scan.formulas_without_value) < MAX_CELLS:
        for m in _CELL.finditer(text):
            body = m.group(2)
            attrs = dict(_ATTR.findall(m.group(1)))
            if _FORMULA.search(body) and not _VALUE.search(body) and attrs.get(b"t") != b"str":
                ref = attrs.get(b"r", b"").decode("ascii", "replace")
                if _CELL_REF.match(ref):
                    scan.formulas_without_value.append(ref)
                    if len(scan.formulas_without_value) >= MAX_CELLS:
                        break


def sheet_rows(sheet: Any, path: Path, name: str, *, xlsx: bool) -> list[list[Any]]:
    """A calamine sheet's values (``to_python``); for an .xlsx that calamine fails on, :func:`sheet_values`."""
    try:
        return sheet.to_python(skip_empty_area=False)
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException:  # a Rust panic (pyo3's PanicException is a BaseException), not only errors
        if not xlsx:
            raise
        return sheet_values(path, name)  # one odd cell must not cost the file


def sheet_values(path: Path, sheet: str) -> list[list[Any]]:
    """One worksheet's values from A1, rows padded to the sheet's width, blanks as ``""``: calamine's shape.

    The fallback when calamine fails on a sheet of an .xlsx it otherwise reads: a number far outside the dates
    in a date-formatted cell (an ID typed into 出生日期, say) panics its date conversion and would cost the
    whole file. openpyxl shows such a cell as ``#VALUE!`` (a problem at that cell) and reads the rest.
    """
    import warnings

    import openpyxl

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "marked as a date but … outside the limits": that cell is #VALUE!
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
        try:
            ws = wb[sheet]
            rows = [["" if v is None else v for v in row]
                    for row in ws.iter_rows(min_row=1, min_col=1, values_only=True)]
        finally:
            wb.close()
    width = max((len(r) for r in rows), default=0)
    while rows and all(v == "" for v in rows[-1]):
        rows.pop()  # calamine stops at the last row with a value
    return [r + [""] * (width - len(r)) for r in rows]
