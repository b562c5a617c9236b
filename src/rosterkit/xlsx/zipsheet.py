"""Add a first worksheet to an .xlsx at the byte level: every other zip member is copied unchanged.

Loading a whole teacher's workbook with openpyxl only to put one sheet in front costs a third of a second per file;
this module edits just the package parts that list the sheets ([Content_Types].xml, the workbook's relationships,
xl/workbook.xml, xl/styles.xml for the new cell formats) and writes the new sheet as minimal SpreadsheetML with
inline strings, so the shared strings need no change. VBA parts are dropped: copies never carry macros.
Members are read and written through :class:`~rosterkit.xlsx.zippkg.Package`: the ones not edited are copied
as their compressed bytes.

:func:`insert_first_sheet` raises :class:`Unsupported` for anything it does not expect; the caller then takes
the openpyxl path. :func:`add_first_sheet` does the same edits on an open package (the annotated copy's fast
path adds 校验结果 after editing cells and comments).
"""

from __future__ import annotations

import re
from itertools import groupby
from operator import itemgetter
from pathlib import Path
from xml.sax.saxutils import escape

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from rosterkit.core.values import column_letter
from rosterkit.xlsx.model import Cell, Font, Sheet, Style
from rosterkit.xlsx.zipbook import MAIN_NS, REL_NS, First, _parse, _q, list_first
from rosterkit.xlsx.zippkg import Package, Unsupported

__all__ = [
    "Cell",
    "Font",
    "Package",
    "Sheet",
    "Style",
    "Unsupported",
    "add_first_sheet",
    "insert_first_sheet",
]

CELL_LIMIT = 32_767
# Parts we do not know how to keep consistent without openpyxl's model (Excel 4 macros, dialogs, ActiveX).
_UNSUPPORTED_PREFIXES = ("xl/macrosheets/", "xl/dialogsheets/", "xl/activex/")


_ATTR = {'"': "&quot;", "\n": "&#10;", "\r": "&#13;", "\t": "&#9;"}


_PLAIN = re.compile(r"[&<>\x00-\x08\x0b\x0c\x0e-\x1f]")  # what escape or the illegal-character filter would change


def _text(s: str) -> str:
    if len(s) <= CELL_LIMIT and _PLAIN.search(s) is None:
        return s  # the common case: nothing to escape or drop
    return escape(ILLEGAL_CHARACTERS_RE.sub("", s)[:CELL_LIMIT])


def _font_xml(font: Font, face: str | None) -> str:
    parts = []
    if face:
        parts.append(f'<name val="{escape(face, {chr(34): "&quot;"})}"/>')
    if font.bold:
        parts.append('<b val="1"/>')
    if font.color:
        parts.append(f'<color rgb="FF{font.color}"/>')
    if font.underline:
        parts.append('<u val="single"/>')
    if font.size:
        parts.append(f'<sz val="{font.size:g}"/>')
    return f"<font>{''.join(parts)}</font>"


def _append(xml: str, tag: str, items: list[str], existing: int) -> str:
    """Append ``items`` to the ``<tag>`` collection of styles.xml (unprefixed, not self-closing)."""
    if not items:
        return xml
    m = re.search(rf"<{tag}(\s[^>]*)?>", xml)
    end = xml.find(f"</{tag}>", m.end()) if m else -1
    if m is None or m.group(0).endswith("/>") or end < m.end():
        raise Unsupported(f"styles.xml: no <{tag}> collection")
    attrs = re.sub(r'\scount="[^"]*"', "", m.group(1) or "").rstrip()
    opening = f'<{tag}{attrs} count="{existing + len(items)}">'
    return xml[:m.start()] + opening + xml[m.end():end] + "".join(items) + xml[end:]


def _styles(xml_bytes: bytes, styles: list[Style]) -> tuple[bytes, dict[Style, int]]:
    """styles.xml with a cellXfs entry per style added; the style → xf index map."""
    root = _parse(xml_bytes)
    if root.tag != _q("styleSheet"):
        raise Unsupported("styles.xml root")
    colls = {t: root.find(_q(t)) for t in ("fonts", "fills", "borders", "cellXfs")}
    if any(c is None or len(c) == 0 for c in colls.values()):
        raise Unsupported("styles.xml lacks fonts/fills/borders/cellXfs")
    counts = {t: len(c) for t, c in colls.items()}  # the real number of children, not the count attribute
    first = colls["fonts"][0].find(_q("name"))
    face = first.get("val") if first is not None else None
    has_style_xfs = root.find(_q("cellStyleXfs")) is not None and len(root.find(_q("cellStyleXfs"))) > 0
    fonts: dict[Font, int] = {}
    fills: dict[str, int] = {}
    border_id: int | None = None
    new = {t: [] for t in colls}  # type: dict[str, list[str]]
    index: dict[Style, int] = {}
    for st in styles:
        if st in index:
            continue
        font_id = fill_id = b_id = 0
        if st.font is not None:
            if st.font not in fonts:
                fonts[st.font] = counts["fonts"] + len(new["fonts"])
                new["fonts"].append(_font_xml(st.font, face))
            font_id = fonts[st.font]
        if st.fill:
            if st.fill not in fills:
                fills[st.fill] = counts["fills"] + len(new["fills"])
                new["fills"].append(f'<fill><patternFill patternType="solid"><fgColor rgb="FF{st.fill}"/>'
                                    f'<bgColor rgb="FF{st.fill}"/></patternFill></fill>')
            fill_id = fills[st.fill]
        if st.border:
            if border_id is None:
                border_id = counts["borders"] + len(new["borders"])
                side = '<{0} style="thin"><color rgb="FFBFBFBF"/></{0}>'
                new["borders"].append("<border>" + "".join(side.format(s) for s in ("left", "right", "top", "bottom"))
                                      + "<diagonal/></border>")
            b_id = border_id
        attrs = f'numFmtId="0" fontId="{font_id}" fillId="{fill_id}" borderId="{b_id}"'
        if has_style_xfs:
            attrs += ' xfId="0"'
        attrs += "".join(f' {a}="1"' for a, on in (("applyFont", st.font), ("applyFill", st.fill),
                                                   ("applyBorder", st.border),
                                                   ("applyAlignment", st.wrap_top or st.top)) if on)
        inner = ('<alignment vertical="top" wrapText="1"/>' if st.wrap_top
                 else '<alignment vertical="top"/>' if st.top else "")
        index[st] = counts["cellXfs"] + len(new["cellXfs"])
        new["cellXfs"].append(f"<xf {attrs}>{inner}</xf>" if inner else f"<xf {attrs}/>")
    try:
        xml = xml_bytes.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Unsupported("styles.xml is not UTF-8") from exc
    for tag in ("fonts", "fills", "borders", "cellXfs"):
        xml = _append(xml, tag, new[tag], counts[tag])
    return xml.encode("utf-8"), index


_STYLED: dict[tuple[bytes, tuple[Style, ...]], tuple[bytes, dict[Style, int]]] = {}


def _styles_once(xml_bytes: bytes, styles: tuple[Style, ...]) -> tuple[bytes, dict[Style, int]]:
    """:func:`_styles`, checked well-formed, remembered: a county's classes share the template's styles.xml
    and the same few styles, and parsing it twice per copy was a third of the copy's time."""
    key = (xml_bytes, styles)
    if key not in _STYLED:
        if len(_STYLED) >= 16:
            _STYLED.clear()
        new_styles, index = _styles(xml_bytes, list(styles))
        _parse(new_styles)
        _STYLED[key] = (new_styles, index)
    new_styles, index = _STYLED[key]
    return new_styles, dict(index)


_ROW, _BY_PLACE = itemgetter(0), itemgetter(0, 1)  # found in C: a county's 待办 sheets sort 1.5M cells


def _sheet_xml(sheet: Sheet, index: dict[Style, int]) -> bytes:
    # One stable sort by (row, col), which costs next to nothing on cells already in that order, then runs.
    rows = {r: list(cells) for r, cells in groupby(sorted(sheet.cells, key=_BY_PLACE), key=_ROW)}
    max_row = max(rows, default=1)
    max_col = max((c.col for c in sheet.cells), default=1)
    out = [f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{MAIN_NS}" '
           f'xmlns:r="{REL_NS}">']
    if sheet.landscape_a4_fit_width:
        out.append('<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>')
    out.append(f'<dimension ref="A1:{column_letter(max_col - 1)}{max_row}"/>')
    if sheet.freeze:
        m = re.fullmatch(r"([A-Z]+)(\d+)", sheet.freeze)
        if m is None or m.group(1) != "A":
            raise Unsupported(f"freeze panes only below rows: {sheet.freeze}")
        out.append(f'<sheetViews><sheetView tabSelected="1" workbookViewId="0"><pane ySplit="{int(m.group(2)) - 1}" '
                   f'topLeftCell="{sheet.freeze}" activePane="bottomLeft" state="frozen"/><selection pane="bottomLeft" '
                   f'activeCell="{sheet.freeze}" sqref="{sheet.freeze}"/></sheetView></sheetViews>')
    else:
        out.append('<sheetViews><sheetView tabSelected="1" workbookViewId="0"/></sheetViews>')
    out.append('<sheetFormatPr defaultRowHeight="15"/>')
    if sheet.widths:
        out.append("<cols>" + "".join(f'<col min="{i}" max="{i}" width="{w:g}" customWidth="1"/>'
                                      for i, w in enumerate(sheet.widths, start=1)) + "</cols>")
    out.append("<sheetData>")
    letters = [""] + [column_letter(n - 1) for n in range(1, max_col + 1)]
    styled: dict[int, str] = {}  # id(style) → ' s="n"': hashing a nested frozen dataclass per cell is slow
    texts = [c.text for c in sheet.cells if isinstance(c.text, str)]
    # Usually no text needs escaping or trimming: one look at all of them instead of one per cell.
    tidy = max(map(len, texts), default=0) <= CELL_LIMIT and _PLAIN.search("\n".join(texts)) is None
    for r in sorted(set(rows) | set(sheet.heights)):
        ht = sheet.heights.get(r)
        attrs = f' ht="{ht:g}" customHeight="1"' if ht else ""
        out.append(f'<row r="{r}"{attrs}>')
        for c in rows.get(r, ()):
            s = styled.get(id(c.style))
            if s is None:
                s = styled[id(c.style)] = (f' s="{index[c.style]}"' if c.style is not None and index.get(c.style)
                                           else "")
            ref = f"{letters[c.col]}{r}"
            if c.text == "":
                out.append(f'<c r="{ref}"{s}/>')
            elif not isinstance(c.text, str):
                out.append(f'<c r="{ref}"{s}><v>{c.text!r}</v></c>')
            else:
                out.append(f'<c r="{ref}"{s} t="inlineStr"><is><t xml:space="preserve">'
                           f"{c.text if tidy else _text(c.text)}</t></is></c>")
        out.append("</row>")
    out.append("</sheetData>")
    if sheet.auto_filter:
        out.append(f'<autoFilter ref="{sheet.auto_filter}"/>')
    if sheet.links:  # internal links: a location and no relationship
        out.append("<hyperlinks>" + "".join(
            f'<hyperlink ref="{ref}" location="{escape(loc, _ATTR)}" display="{escape(show, _ATTR)}"/>'
            for ref, loc, show in sheet.links) + "</hyperlinks>")
    out.append('<pageMargins left="0.75" right="0.75" top="1" bottom="1" header="0.5" footer="0.5"/>')
    if sheet.landscape_a4_fit_width:
        out.append('<pageSetup paperSize="9" fitToWidth="1" fitToHeight="0" orientation="landscape"/>')
    if sheet.footer_center:
        out.append(f"<headerFooter><oddFooter>{escape('&C' + sheet.footer_center)}</oddFooter></headerFooter>")
    out.append("</worksheet>")
    return "".join(out).encode("utf-8")


_TAB_SELECTED = re.compile(rb'(<(?:\w+:)?sheetView\b[^>]*?)\s+tabSelected="(?:1|true)"')


def insert_first_sheet(src: Path, tmp: Path, sheet: Sheet, *, keep_first: str | None = None) -> None:
    """Write to ``tmp`` a copy of the .xlsx ``src`` with ``sheet`` first and active; :class:`Unsupported` if unsafe.

    ``keep_first``: a sheet that, when present, must already be the first (it ends up second); else Unsupported.
    Other members are copied unchanged except: the parts that list sheets, styles.xml (new formats appended),
    ``tabSelected`` cleared in the other sheets' views, and VBA parts dropped.
    """
    pkg = Package(src)
    add_first_sheet(pkg, sheet, keep_first=keep_first)
    pkg.write(tmp)


def add_first_sheet(pkg: Package, sheet: Sheet, *, keep_first: str | None = None) -> None:
    """Put ``sheet`` first and active in the open package ``pkg`` (see :func:`insert_first_sheet`)."""
    names = pkg.names
    if any(n.startswith(_UNSUPPORTED_PREFIXES) for n in pkg.lower):
        raise Unsupported("macro sheets, dialog sheets or ActiveX")
    for part in ("[Content_Types].xml", "_rels/.rels", "xl/workbook.xml", "xl/_rels/workbook.xml.rels"):
        if part not in pkg:
            raise Unsupported(f"missing {part}")
    part = pkg.new_name("xl/worksheets/sheet{}.xml")
    ct_xml, rels_xml, wb_xml = list_first(
        pkg.read("_rels/.rels"), pkg.read("xl/workbook.xml"), pkg.read("xl/_rels/workbook.xml.rels"),
        pkg.read("[Content_Types].xml"), First(sheet.name, part, keep_first, sheet.auto_filter,
                                               sheet.print_title_rows))

    # -- styles and the sheet itself -----------------------------------------------------------------------
    # The distinct styles in order of use: by identity first (the cells share a few objects), since hashing a
    # frozen dataclass per cell cost more than the rest of the sheet's bookkeeping.
    used = {id(c.style): c.style for c in sheet.cells if c.style is not None}
    styles = list(dict.fromkeys(used.values()))
    index: dict[Style, int] = {}
    if styles:
        if "xl/styles.xml" not in pkg:
            raise Unsupported("no xl/styles.xml")
        new_styles, index = _styles_once(pkg.read("xl/styles.xml"), tuple(styles))
        pkg.put("xl/styles.xml", new_styles)

    pkg.put("[Content_Types].xml", ct_xml)
    pkg.put("xl/_rels/workbook.xml.rels", rels_xml)
    pkg.put("xl/workbook.xml", wb_xml)
    pkg.dropped |= {nm for nm in names if "vbaproject" in nm.lower()}
    for nm in names:  # other sheets' views: only the new sheet is selected (Excel groups every selected tab)
        if nm.startswith(("xl/worksheets/", "xl/chartsheets/")) and nm.endswith(".xml"):
            # The views come before the cells (the schema's order): no need to inflate a sheet's cells to
            # see them, unless the sheet is written with a prefix (then head() inflates it all).
            if b"tabSelected" in pkg.head(nm, b"<sheetData"):
                pkg.put(nm, _TAB_SELECTED.sub(rb"\1", pkg.read(nm)))
    pkg.put(part, _sheet_xml(sheet, index))
