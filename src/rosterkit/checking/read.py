"""A returned workbook → its sheets as rows of raw cell values (python-calamine), and records of a data sheet.

Cells are kept exactly as stored: text stays text, numbers come as floats, dates as dates. Pandas never sees
an ID or phone column before we do, so nothing is turned into int64 behind our back.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import repeat
from pathlib import Path
from typing import Any

import python_calamine as pc

from rosterkit.checking.ooxml import date1904, scan_xlsx, sheet_rows
from rosterkit.checking.sniff import OPENPYXL_XML_LIMIT, Sniff, sniff
from rosterkit.checking.textsheets import read_text_sheets
from rosterkit.core.labels import MEMO_MAX_LEN, label_variants, norm_label, variants_of_text
from rosterkit.core.template import SheetSpec
from rosterkit.core.values import column_letter
from rosterkit.issues import Issue, make_issue

# What a folder of returns is read for: workbooks, WPS's .et, text exports, and the things teachers send by
# mistake (a Word file, a PDF, a photo of the form), so each of those gets an answer instead of being skipped.
SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods", ".et", ".csv", ".doc", ".docx", ".wps", ".pdf", ".jpg",
            ".jpeg", ".png")
HEADER_SCAN_ROWS = 60
FOOTER_WORDS = ("填表人", "填报人", "制表人", "审核人", "负责人", "校长", "班主任签字", "签字", "合计", "总计")


@dataclass
class RawWorkbook:
    """Every sheet of a workbook as rows; ``rows[0]`` is Excel row 1 and ``row[0]`` column A.

    Besides the values: what the file really is (``kind``: xlsx, xls, html …, see :mod:`rosterkit.checking.sniff`),
    the size of its XML, problems noticed while reading (``notes``: macros, a wrong extension, over-long cells,
    formulas without a saved result) and the layout the values alone do not show: merged ranges (1-based
    ``(first_row, first_col, last_row, last_col)``), hidden sheets, hidden rows and columns (1-based).
    """

    path: Path
    sheets: dict[str, list[list[Any]]]
    kind: str = ""
    xml_bytes: int = 0
    notes: list[Issue] = field(default_factory=list)
    merged: dict[str, list[tuple[int, int, int, int]]] = field(default_factory=dict)
    hidden_sheets: set[str] = field(default_factory=set)
    hidden_rows: dict[str, set[int]] = field(default_factory=dict)
    hidden_cols: dict[str, set[int]] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)  # sheets left unread (see ``read_workbook``'s ``only``)
    order: list[str] = field(default_factory=list)  # every sheet's name, read or not, in the workbook's order
    epoch_1904: bool = False  # serials in General cells count from 1904 (calamine converts date cells itself)

    @property
    def sheet_names(self) -> list[str]:
        """Every sheet's name in the workbook's order, including the ones left unread."""
        return self.order or list(self.sheets)


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
    """A raw cell read as empty: None or text of only whitespace. Not :func:`rosterkit.core.values.blank`: a raw
    number, NaN included, is a cell's value here and is matched by its own text (tests/test_read_memo.py)."""
    return value is None or (isinstance(value, str) and not value.strip())


def read_workbook(path: Path, *, label: str | None = None, only: Collection[str] | None = None
                  ) -> RawWorkbook | Issue:
    """Read all sheets, or return the one coded problem that stops reading the file.

    ``only``: the names of the sheets that matter (compared as labels). When an .xlsx/.xlsm that openpyxl can
    copy has all of them, the other sheets (a template's 字段 and 选项, say) are not read, only listed in
    ``skipped``. Anything else is read whole: a missing name may be a renamed sheet, found by its header, and
    other formats' copies are rebuilt from the cells.

    The file is sniffed first (:func:`rosterkit.checking.sniff.sniff`): empty files, non-spreadsheets, zip bombs and
    encrypted workbooks are refused before any reader opens them. Nothing raises for a bad file.
    """
    name = label or path.name
    try:
        found = sniff(path)
        if found.refusal:
            code, detail = found.refusal
            return make_issue(code, file=name, detail=detail)
        if found.kind in TEXT_KINDS:
            sheets = read_text_sheets(path.read_bytes(), found.kind)
            raw = RawWorkbook(path, sheets, kind=found.kind, xml_bytes=path.stat().st_size)
            raw.notes.append(make_issue("file-text-table", file=name, detail=TEXT_KINDS[found.kind],
                                        ext=path.suffix or "（无）"))
        else:
            raw = _read_calamine(path, found, name, only)
    except pc.PasswordError:
        return make_issue("file-encrypted", file=name)
    except MemoryError:
        return make_issue("file-too-large", file=name, detail="读取时所需内存超过上限")
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # calamine raises plain errors, even Rust panics, for broken files; go on
        return make_issue("file-unreadable", file=name, detail=_short(exc))
    _note_long_cells(raw, name)
    return raw


TEXT_KINDS = {"html": "网页（HTML）表格", "csv": "文本（CSV）表格", "xml2003": "Excel 2003 XML 表格"}
_KIND_NAMES = {"xlsx": ".xlsx", "xlsm": ".xlsm", "xlsb": ".xlsb", "ods": ".ods（WPS/LibreOffice）", "xls": ".xls"}
_FAMILY = {".xlsx": "ooxml", ".xlsm": "ooxml", ".xltx": "ooxml", ".xltm": "ooxml", ".xlsb": "xlsb", ".ods": "ods",
           ".xls": "xls"}


def _read_calamine(path: Path, found: Sniff, name: str, only: Collection[str] | None = None) -> RawWorkbook:
    suffix = path.suffix.lower()
    same = _FAMILY.get(suffix) == _FAMILY.get(found.extension)
    if same:
        wb = pc.CalamineWorkbook.from_path(str(path))
    else:
        # calamine picks its reader by extension; by content it can read a renamed file too.
        with path.open("rb") as fh:
            wb = pc.CalamineWorkbook.from_filelike(fh)
    try:
        raw = RawWorkbook(path, {}, kind=found.kind, xml_bytes=found.xml_bytes)
        worksheets = [m for m in wb.sheets_metadata if m.typ == pc.SheetTypeEnum.WorkSheet]  # no charts, macros
        raw.order = [m.name for m in worksheets]
        wanted = _wanted(raw.order, only, found)
        for meta in worksheets:
            if wanted is not None and meta.name not in wanted:
                raw.skipped.append(meta.name)
                continue
            sheet = wb.get_sheet_by_name(meta.name)
            raw.sheets[meta.name] = sheet_rows(sheet, path, meta.name, xlsx=found.kind in ("xlsx", "xlsm"))
            ranges = sheet.merged_cell_ranges or ()
            raw.merged[meta.name] = [(a[0] + 1, a[1] + 1, b[0] + 1, b[1] + 1) for a, b in ranges]
            if meta.visible != pc.SheetVisibleEnum.Visible:
                raw.hidden_sheets.add(meta.name)
    finally:
        wb.close()
    if not same:
        raw.notes.append(make_issue("file-misnamed", file=name, ext=path.suffix or "（无）",
                                    detail=_KIND_NAMES.get(found.kind, found.kind)))
    if found.macros:
        raw.notes.append(make_issue("file-macro", file=name))
    if found.kind in ("xlsx", "xlsm"):
        _note_xlsx_layout(raw, name)
    return raw


def _wanted(names: list[str], only: Collection[str] | None, found: Sniff) -> set[str] | None:
    """The sheets to read of ``names``, or None for all (see :func:`read_workbook`)."""
    if only is None or found.kind not in ("xlsx", "xlsm") or found.xml_bytes > OPENPYXL_XML_LIMIT:
        return None
    by_label: dict[str, str] = {}
    for n in names:
        by_label.setdefault(norm_label(n), n)  # the first of two alike, as the check's sheet lookup takes
    want = [by_label.get(norm_label(n)) for n in only]
    found_all = [w for w in want if w is not None]
    return set(found_all) if len(found_all) == len(want) else None


def _note_xlsx_layout(raw: RawWorkbook, name: str) -> None:
    try:
        raw.epoch_1904 = date1904(raw.path)
        scans = scan_xlsx(raw.path, list(raw.sheets))
    except Exception:  # the values are read; the layout scan only adds detail and must not cost the file
        return
    for sheet, scan in scans.items():
        raw.hidden_rows[sheet] = scan.hidden_rows
        raw.hidden_cols[sheet] = scan.hidden_cols
        for ref in scan.formulas_without_value:
            raw.notes.append(make_issue("formula-no-value", file=name, sheet=sheet, cell=ref,
                                        row=int(ref.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))))


EXCEL_CELL_LIMIT = 32_767
_MAX_LONG_NOTES = 50


def _note_long_cells(raw: RawWorkbook, name: str) -> None:
    """A cell Excel could not hold, said so. calamine already cuts .xlsx text at the limit, so a cell of exactly
    32,767 characters was longer in the file (nobody types exactly that much); text exports come whole."""
    found = 0
    for sheet, rows in raw.sheets.items():
        # One pass over the sheet's texts in C-speed comprehension; a sheet with no such cell (all of them,
        # nearly) is not walked cell by cell.
        if max([len(v) for row in rows for v in row if isinstance(v, str)], default=0) < EXCEL_CELL_LIMIT:
            continue
        for r, row in enumerate(rows, start=1):
            for c, v in enumerate(row):
                if isinstance(v, str) and len(v) >= EXCEL_CELL_LIMIT and found < _MAX_LONG_NOTES:
                    found += 1
                    raw.notes.append(make_issue("cell-too-long", file=name, sheet=sheet, cell=f"{column_letter(c)}{r}",
                                                row=r))


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


class _Matcher:
    """:func:`match_label` for one sheet spec, memoised per cell text: header search looks at every cell of the
    first rows of a sheet, several times per file, and the same texts come back in every file."""

    __slots__ = ("spec", "names", "memo")
    MEMO_CAP = 1 << 13  # entries kept per spec; when full the memo starts afresh, so memory stays flat

    def __init__(self, spec: SheetSpec) -> None:
        self.spec = spec  # held so that the id() it is filed under cannot be reused by another object
        self.names = _lookup(spec)
        self.memo: dict[Any, str | None] = {}  # text, or (type, value) of a number or date cell → key

    def key(self, value: Any) -> str | None:
        """The field key ``value`` names, as :func:`match_label` finds it."""
        if value is None:
            return match_label(value, self.names)
        # A label is matched on its text alone, so texts are memoised by the text; other cells (numbers, dates)
        # by (type, value), and only where equal values of one type print alike (not 0.0 and -0.0).
        if type(value) is str:
            memo_key: Any = value
        elif (memo_key := _value_key(value)) is None:
            return match_label(value, self.names)
        try:
            return self.memo[memo_key]
        except KeyError:
            pass
        # As match_label, but past the shared label cache: most cells met here are one-off data, not labels.
        found = None
        for variant in variants_of_text(str(value)):
            if variant in self.names:
                found = self.names[variant]
                break
        if type(value) is not str or len(value) <= MEMO_MAX_LEN:  # huge cells are not kept alive by the memo
            if len(self.memo) >= self.MEMO_CAP:
                self.memo.clear()
            self.memo[memo_key] = found
        return found

    def keys(self, row: list[Any]) -> list[str | None]:
        """:meth:`key` of every cell of a row; texts seen before are looked up in C, without a call per cell."""
        try:
            # A hit needs a cell equal to a memoised text, i.e. a str; other cells miss and take the slow path.
            found: list[Any] = list(map(self.memo.get, row, repeat(_MISS)))
        except TypeError:  # an unhashable cell
            return [self.key(v) for v in row]
        i = -1
        try:
            while True:  # the few misses (numbers, dates, new texts), found in C
                i = found.index(_MISS, i + 1)
                found[i] = self.key(row[i])
        except ValueError:
            return found


_MISS: Any = object()


def _value_key(value: Any) -> tuple[type, Any] | None:
    """A memo key for a cell that is not text, when equal values of its type have the same text; else None."""
    kind = type(value)
    if kind is float:
        return (kind, value) if value and value == value else None  # 0.0 == -0.0; NaN equals nothing
    if kind is int or kind is bool or kind is date or (kind is datetime and value.tzinfo is None):
        return (kind, value)
    return None


# Keyed by id(spec) rather than by the spec: hashing a frozen SheetSpec hashes every field, every call.
_MATCHERS: dict[int, _Matcher] = {}
_MAX_MATCHERS = 64


def _matcher(spec: SheetSpec) -> _Matcher:
    found = _MATCHERS.get(id(spec))
    if found is None or found.spec is not spec:
        if len(_MATCHERS) >= _MAX_MATCHERS:
            _MATCHERS.clear()
        found = _MATCHERS[id(spec)] = _Matcher(spec)
    return found


def find_header(rows: list[list[Any]], spec: SheetSpec) -> Header | None:
    """The row among the first few dozen that matches most template labels (at least two)."""
    matcher = _matcher(spec)
    keys, most = matcher.keys, len(set(matcher.names.values()))
    best: tuple[int, int] = (0, -1)
    for r, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        score = len(set(filter(None, keys(row))))
        if score > best[0]:
            best = (score, r)
            if score == most:  # every field named: no later row can score higher, the rest is data
                break
    if best[0] < 2:
        return None
    r = best[1]
    columns: dict[str, int] = {}
    unknown: list[tuple[int, str]] = []
    for c, (v, k) in enumerate(zip(rows[r], keys(rows[r]))):
        if is_blank(v):
            continue
        if k is None:
            unknown.append((c, str(v).strip()))
        else:
            columns.setdefault(k, c)  # a repeated column: the first one counts, the copy is unknown
            if columns[k] != c:
                unknown.append((c, str(v).strip()))
    return Header(r + 1, columns, unknown)


def _is_footer(cells: list[Any]) -> bool:
    first: Any = None
    filled = 0
    for c in cells:
        if c is None or (isinstance(c, str) and not c.strip()):
            continue
        filled += 1
        if filled > 4:  # a record row: stop counting at once
            return False
        if filled == 1:
            first = c
    if not filled or not isinstance(first, str):
        return False
    return norm_label(first).startswith(FOOTER_WORDS)


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
