"""A returned workbook → its sheets as rows of raw cell values (python-calamine), and records of a data sheet.

Cells are kept exactly as stored: text stays text, numbers come as floats, dates as dates. Pandas never sees
an ID or phone column before we do, so nothing is turned into int64 behind our back.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import python_calamine as pc

from .issues import Issue, make_issue
from .labels import label_variants, norm_label
from .template import SheetSpec

SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")
HEADER_SCAN_ROWS = 60
FOOTER_WORDS = ("填表人", "填报人", "制表人", "审核人", "负责人", "校长", "班主任签字", "签字", "合计", "总计")
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@dataclass
class RawWorkbook:
    """Every sheet of a workbook as rows; ``rows[0]`` is Excel row 1 and ``row[0]`` column A."""

    path: Path
    sheets: dict[str, list[list[Any]]]


@dataclass
class Header:
    """Where a data sheet's header is and which column holds which field."""

    row: int  # 1-based Excel row
    columns: dict[str, int]  # field key → 0-based column index
    unknown: list[tuple[int, str]] = field(default_factory=list)  # (column index, label as typed)


@dataclass
class Records:
    """The data rows of one sheet: raw values by field key, and the Excel row of each."""

    rows: list[dict[str, Any]]
    excel_rows: list[int]


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _encrypted(path: Path) -> bool:
    # An encrypted .xlsx is an OLE container holding an EncryptedPackage stream instead of a zip.
    with path.open("rb") as fh:
        head = fh.read(8)
        if head != _OLE_MAGIC:
            return False
        return b"E\x00n\x00c\x00r\x00y\x00p\x00t\x00e\x00d\x00P\x00" in fh.read(1 << 20)


def read_workbook(path: Path, *, label: str | None = None) -> RawWorkbook | Issue:
    """Read all sheets, or return the one coded problem that stops reading the file."""
    name = label or path.name
    try:
        if path.suffix.lower() in (".xlsx", ".xlsm") and _encrypted(path):
            return make_issue("file-encrypted", file=name)
        wb = pc.CalamineWorkbook.from_path(str(path))
        sheets = {n: wb.get_sheet_by_name(n).to_python(skip_empty_area=False) for n in wb.sheet_names}
        wb.close()
    except pc.PasswordError:
        return make_issue("file-encrypted", file=name)
    except (pc.CalamineError, pc.XmlError, pc.ZipError, zipfile.BadZipFile, OSError, ValueError) as exc:
        return make_issue("file-unreadable", file=name, detail=_short(exc))
    except Exception as exc:  # calamine raises plain errors for some broken files; the run goes on
        return make_issue("file-unreadable", file=name, detail=_short(exc))
    return RawWorkbook(path, sheets)


def _short(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text[:120]


def _lookup(spec: SheetSpec) -> dict[str, str]:
    names: dict[str, str] = {}
    for f in spec.fields:
        for n in f.names():
            names.setdefault(n, f.key)
    return names


def match_label(value: Any, names: dict[str, str]) -> str | None:
    """Field key for a typed column label, after normalising and through aliases."""
    for variant in label_variants(value):
        if variant in names:
            return names[variant]
    return None


def find_header(rows: list[list[Any]], spec: SheetSpec) -> Header | None:
    """The row among the first few dozen that matches most template labels (at least two)."""
    names = _lookup(spec)
    best: tuple[int, int] = (0, -1)
    for r, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        score = len({k for v in row if (k := match_label(v, names))})
        if score > best[0]:
            best = (score, r)
    if best[0] < 2:
        return None
    r = best[1]
    columns: dict[str, int] = {}
    unknown: list[tuple[int, str]] = []
    for c, v in enumerate(rows[r]):
        if is_blank(v):
            continue
        key = match_label(v, names)
        if key is None:
            unknown.append((c, str(v).strip()))
        else:
            columns.setdefault(key, c)  # a repeated column: the first one counts, the copy is unknown
            if columns[key] != c:
                unknown.append((c, str(v).strip()))
    return Header(r + 1, columns, unknown)


def _is_footer(cells: list[Any]) -> bool:
    filled = [c for c in cells if not is_blank(c)]
    if not filled or len(filled) > 4 or not isinstance(filled[0], str):
        return False
    return norm_label(filled[0]).startswith(FOOTER_WORDS)


def extract_records(rows: list[list[Any]], header: Header, *, ignore: tuple[str, ...] = ("seq",)) -> Records:
    """Data rows below the header: blank rows, footers and rows with only a 序号 are not records."""
    out, excel_rows = [], []
    cols = header.columns
    for r in range(header.row, len(rows)):
        row = rows[r]
        if _is_footer(row):
            continue
        rec = {k: (row[c] if c < len(row) else "") for k, c in cols.items()}
        if all(is_blank(v) for k, v in rec.items() if k not in ignore):
            continue
        out.append(rec)
        excel_rows.append(r + 1)
    return Records(out, excel_rows)


def read_meta(rows: list[list[Any]], labels: dict[str, str]) -> dict[str, tuple[Any, int, int]]:
    """Labelled cells: key → (value, 1-based row, 0-based column of the value).

    The value is the cell right of the label (「学校 | 某某小学」) or the text after a colon in the label
    cell itself (「学校：某某小学」).
    """
    found: dict[str, tuple[Any, int, int]] = {}
    for r, row in enumerate(rows):
        for c, v in enumerate(row):
            if not isinstance(v, str) or not v.strip():
                continue
            head, sep, tail = v.replace("：", ":").partition(":")
            key = labels.get(norm_label(head))
            if key is None or key in found:
                continue
            if sep and tail.strip():
                found[key] = (tail.strip(), r + 1, c)
            else:
                found[key] = (row[c + 1] if c + 1 < len(row) else "", r + 1, c + 1)
    return found
