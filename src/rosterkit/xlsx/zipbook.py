"""The package parts that list a workbook's sheets, edited to put a new sheet first: for :mod:`zipsheet`.

[Content_Types].xml, xl/_rels/workbook.xml.rels and xl/workbook.xml get the new sheet (first, active), the
print areas and filters of the others move one place on, and the VBA project is unlisted. The edit is a pure
function of those parts' bytes and the new sheet's name, part and print settings, so it is remembered: a
county's 2,000 ledgers come from one template, and their parts are the same bytes, parsed and checked once
instead of five XML parses and a dozen regexes per copy.
"""

from __future__ import annotations

import functools
import re
from typing import Any, NamedTuple
from xml.sax.saxutils import escape

from defusedxml.ElementTree import fromstring

from rosterkit.xlsx.zippkg import Unsupported

__all__ = ["First", "list_first"]

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
WS_TYPE = f"{REL_NS}/worksheet"
WS_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
MAIN_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
MACRO_MAIN_CT = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
_HIDDEN = ' hidden="1"'


class First(NamedTuple):
    """The sheet to put first: its name, its new part (xl/worksheets/sheetN.xml), the sheet that must already
    be first when present (``keep_first``), and its autofilter range and print title rows, if any."""

    name: str
    part: str
    keep_first: str | None = None
    auto_filter: str | None = None
    print_title_rows: str | None = None


def _q(tag: str, ns: str = MAIN_NS) -> str:
    return f"{{{ns}}}{tag}"


def _parse(data: bytes) -> Any:
    try:
        return fromstring(data)
    except Exception as exc:
        raise Unsupported(f"XML parse error: {exc}") from exc


def _text(data: bytes, name: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Unsupported(f"{name} is not UTF-8") from exc


def _defined_names(wb_xml: str, names: list[tuple[str, str, bool]]) -> str:
    """Add ``(name, value, hidden)`` defined names local to the first sheet."""
    if not names:
        return wb_xml
    items = "".join(f'<definedName name="{n}" localSheetId="0"{_HIDDEN if hidden else ""}>{escape(v)}</definedName>'
                    for n, v, hidden in names)
    m = re.search(r"<definedNames(\s[^>]*)?>", wb_xml)
    if m is not None:
        if m.group(0).endswith("/>"):  # <definedNames/>
            return wb_xml[:m.start()] + f"<definedNames>{items}</definedNames>" + wb_xml[m.end():]
        return wb_xml[:m.end()] + items + wb_xml[m.end():]
    if re.search(r"<\w+:definedNames\b", wb_xml):
        raise Unsupported("workbook.xml: prefixed <definedNames>")
    end = wb_xml.find("</sheets>")
    if end < 0:
        raise Unsupported("workbook.xml: no </sheets>")
    end += len("</sheets>")
    return wb_xml[:end] + f"<definedNames>{items}</definedNames>" + wb_xml[end:]


@functools.lru_cache(maxsize=64)
def list_first(root_rels: bytes, workbook: bytes, workbook_rels: bytes, content_types: bytes, sheet: First
               ) -> tuple[str, str, str]:
    """The new [Content_Types].xml, xl/_rels/workbook.xml.rels and xl/workbook.xml with ``sheet`` listed first
    and active; :class:`Unsupported` for anything this edit cannot keep consistent."""
    office = [r.get("Target", "").lstrip("/") for r in _parse(root_rels).iter(_q("Relationship", PKG_REL_NS))
              if r.get("Type", "").endswith("/officeDocument")]
    if office != ["xl/workbook.xml"]:
        raise Unsupported(f"workbook part is {office}")

    # -- workbook.xml: checks ------------------------------------------------------------------------------
    wb_xml = _text(workbook, "xl/workbook.xml")
    wb_root = _parse(workbook)
    if wb_root.tag != _q("workbook"):
        raise Unsupported("workbook.xml root is not transitional SpreadsheetML")
    sheets = list(wb_root.iter(_q("sheet")))
    if not sheets or any(s.get("name") == sheet.name for s in sheets):
        raise Unsupported(f"no sheets, or {sheet.name} already present")
    if sheet.keep_first is not None and any(s.get("name") == sheet.keep_first for s in sheets[1:]):
        raise Unsupported(f"{sheet.keep_first} is not the first sheet")
    prefix = re.search(rf'xmlns:(\w+)="{re.escape(REL_NS)}"', wb_xml)
    m_sheets = re.search(r"<sheets(\s[^>]*)?>", wb_xml)
    if prefix is None or m_sheets is None or m_sheets.group(0).endswith("/>"):
        raise Unsupported("workbook.xml: unprefixed <sheets> or relationships prefix not found")
    sheet_id = max(int(s.get("sheetId", "0")) for s in sheets) + 1

    # -- relationships -------------------------------------------------------------------------------------
    rels_xml = _text(workbook_rels, "xl/_rels/workbook.xml.rels")
    rels = list(_parse(workbook_rels).iter(_q("Relationship", PKG_REL_NS)))
    ids = {r.get("Id") for r in rels}
    k = len(rels) + 1
    while f"rId{k}" in ids:
        k += 1
    rid = f"rId{k}"
    vba_ids = [r.get("Id") for r in rels if r.get("Type", "").endswith("/vbaProject")]
    for vid in vba_ids:
        rels_xml, cnt = re.subn(rf'<Relationship\b[^>]*\bId="{re.escape(vid or "")}"[^>]*/>', "", rels_xml)
        if cnt != 1:
            raise Unsupported("cannot remove the VBA relationship")
    end = rels_xml.rfind("</Relationships>")
    if end < 0:
        raise Unsupported("workbook.xml.rels has no closing </Relationships>")
    rels_xml = (rels_xml[:end] + f'<Relationship Id="{rid}" Type="{WS_TYPE}" Target="{sheet.part[3:]}"/>'
                + rels_xml[end:])

    # -- content types -------------------------------------------------------------------------------------
    ct_xml = _text(content_types, "[Content_Types].xml")
    _parse(content_types)
    ct_xml = re.sub(r'<(Override|Default)\b[^>]*ContentType="application/vnd\.ms-office\.vbaProject[^"]*"[^>]*/>',
                    "", ct_xml)
    ct_xml = ct_xml.replace(f'"{MACRO_MAIN_CT}"', f'"{MAIN_CT}"')
    end = ct_xml.rfind("</Types>")
    if end < 0:
        raise Unsupported("[Content_Types].xml has no closing </Types>")
    ct_xml = ct_xml[:end] + f'<Override PartName="/{sheet.part}" ContentType="{WS_CT}"/>' + ct_xml[end:]

    # -- workbook.xml: the new sheet first, print areas shifted, the new sheet active ----------------------
    new_sheet = f'<sheet name="{escape(sheet.name)}" sheetId="{sheet_id}" {prefix.group(1)}:id="{rid}"/>'
    wb_xml = wb_xml[:m_sheets.end()] + new_sheet + wb_xml[m_sheets.end():]
    wb_xml = re.sub(r'\blocalSheetId="(\d+)"', lambda m: f'localSheetId="{int(m.group(1)) + 1}"', wb_xml)
    quoted = "'" + sheet.name.replace("'", "''") + "'"
    local: list[tuple[str, str, bool]] = []
    if sheet.auto_filter:
        a, _, b = sheet.auto_filter.partition(":")
        absolute = "$" + re.sub(r"(\d+)", r"$\1", a) + (":$" + re.sub(r"(\d+)", r"$\1", b) if b else "")
        local.append(("_xlnm._FilterDatabase", f"{quoted}!{absolute}", True))
    if sheet.print_title_rows:
        top, _, bottom = sheet.print_title_rows.partition(":")
        local.append(("_xlnm.Print_Titles", f"{quoted}!${top}:${bottom or top}", False))
    wb_xml = _defined_names(wb_xml, local)
    m_view = re.search(r"<workbookView\b[^>]*?/?>", wb_xml)
    if m_view:
        tag = re.sub(r'\s(activeTab|firstSheet)="[^"]*"', "", m_view.group(0))
        tag = tag[:len("<workbookView")] + ' activeTab="0" firstSheet="0"' + tag[len("<workbookView"):]
        wb_xml = wb_xml[:m_view.start()] + tag + wb_xml[m_view.end():]
    _parse(wb_xml.encode("utf-8"))  # still well-formed
    return ct_xml, rels_xml, wb_xml
