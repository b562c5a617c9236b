"""Marks on a teacher's .xlsx at the byte level: a fill and a comment on given cells, nothing else rewritten.

The openpyxl load and save of a whole workbook costs ~130 ms and rewrites every part; here only the sheets with
problem cells, their comments and legacy VML drawings, their relationships, styles.xml and [Content_Types].xml
change. A problem cell keeps its own format: its cellXfs entry is cloned with the new fill. A cell with no <c>
element gets one, in column order (its row is created in row order when missing), with the format Excel shows
for it (the row's, else the column's). Existing comments are merged: the part and drawing stay, the shapes of
the cells we comment are replaced. Anything unexpected raises :class:`Unsupported` (the openpyxl path is used).
"""

from __future__ import annotations

import posixpath
import re

from openpyxl.utils.cell import column_index_from_string, coordinate_from_string
from openpyxl.utils.exceptions import CellCoordinatesException

from rosterkit.core.values import column_letter
from rosterkit.xlsx.zipbook import MAIN_NS, PKG_REL_NS, REL_NS, _parse, _q
from rosterkit.xlsx.zipnotes import Mark, merge_comments, merge_vml, new_vml
from rosterkit.xlsx.zippkg import Package, Unsupported
from rosterkit.xlsx.zipsheet import _append

__all__ = ["Book", "Mark"]

_MAX_ROW, _MAX_COL = 1_048_576, 16_384
_CELL_LIMIT = 32_767
COMMENTS_TYPE = f"{REL_NS}/comments"
VML_TYPE = f"{REL_NS}/vmlDrawing"
COMMENTS_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml.comments+xml"
VML_CT = "application/vnd.openxmlformats-officedocument.vmlDrawing"
_ROW = re.compile(r"<row\b([^>]*?)(/?)>")
_CELL = re.compile(r"<c\b([^>]*?)(/?)>")
_REF = re.compile(r'\sr="([A-Z]{1,3})(\d+)"')
_STYLE = re.compile(r'\ss="(\d+)"')
# Elements that follow <legacyDrawing> in a worksheet (CT_Worksheet order).
_AFTER_LEGACY = ("<legacyDrawingHF", "<drawingHF", "<picture", "<oleObjects", "<controls", "<webPublishItems",
                 "<tableParts", "<extLst", "</worksheet>")


def _resolve(base: str, target: str) -> str:
    if target.startswith("/"):
        return target[1:]
    return posixpath.normpath(posixpath.join(posixpath.dirname(base), target))


def _rels_of(part: str) -> str:
    return f"{posixpath.dirname(part)}/_rels/{posixpath.basename(part)}.rels"


def _attr(tag_attrs: str, name: str) -> str | None:
    m = re.search(rf'\s{name}="([^"]*)"', tag_attrs)
    return m.group(1) if m else None


class Book:
    """The worksheets of an open package, for :meth:`target` and :meth:`mark`."""

    def __init__(self, pkg: Package) -> None:
        self.pkg = pkg
        wb = _parse(pkg.read("xl/workbook.xml"))
        rels = {r.get("Id"): r for r in _parse(pkg.read("xl/_rels/workbook.xml.rels")).iter(_q("Relationship", PKG_REL_NS))}
        self.names: list[str] = []
        self.sheets: dict[str, str] = {}  # worksheet name -> part
        for s in wb.iter(_q("sheet")):
            name, rel = s.get("name", ""), rels.get(s.get(_q("id", REL_NS)))
            self.names.append(name)
            if rel is None or rel.get("TargetMode") == "External":
                raise Unsupported(f"sheet {name} has no part")
            if rel.get("Type", "").endswith("/worksheet"):
                part = _resolve("xl/workbook.xml", rel.get("Target", ""))
                if part not in pkg:
                    raise Unsupported(f"missing {part}")
                self.sheets[name] = part
        # Part names are case-insensitive for Excel but not for openpyxl or zip readers: a copy of a package whose
        # names do not match exactly is made by the openpyxl path (which rebuilds it when it cannot load it).
        for rel in rels.values():
            if rel.get("TargetMode") != "External" and _resolve("xl/workbook.xml", rel.get("Target", "")) not in pkg:
                raise Unsupported(f"workbook relationship to a missing part: {rel.get('Target')}")
        for name in re.findall(r'PartName="/([^"]+)"', pkg.text("[Content_Types].xml")):
            if name not in pkg:
                raise Unsupported(f"content type for a missing part: {name}")
        self._merged: dict[str, list[tuple[int, int, int, int]]] = {}
        self.styles: _Styles | None = None

    def check_plain(self) -> None:
        """Unsupported for what the openpyxl path would change: text over Excel's cell limit, earlier marks."""
        for part in [*self.sheets.values(), "xl/sharedStrings.xml"]:
            if part in self.pkg:
                data = self.pkg.read(part)
                if len(data) > _CELL_LIMIT and max(map(len, data.split(b"<"))) > _CELL_LIMIT:
                    raise Unsupported(f"text over {_CELL_LIMIT} characters in {part}")
        for name in self.pkg.names:  # a re-check of an annotated copy: the openpyxl path undoes the old marks
            if name.lower().endswith(".xml") and "comment" in name.lower() and b">rosterkit<" in self.pkg.read(name):
                raise Unsupported("comments by rosterkit already present")

    def target(self, sheet: str | None, cell: str | None) -> tuple[str, str] | None:
        """(sheet, cell) of the cell an issue points at (a merged range's anchor), or None (as annotate does)."""
        if not sheet or not cell or sheet not in self.sheets:
            return None
        try:
            letters, row = coordinate_from_string(cell.replace("$", "").strip().upper())
            col = column_index_from_string(letters)
        except (ValueError, CellCoordinatesException):  # not a cell reference
            return None
        if not (1 <= row <= _MAX_ROW and 1 <= col <= _MAX_COL):
            return None
        if sheet not in self._merged:
            found: list[tuple[int, int, int, int]] = []
            for a, b in re.findall(r'<mergeCell\s+ref="([A-Z]+\d+):([A-Z]+\d+)"', self.pkg.text(self.sheets[sheet])):
                (l1, r1), (l2, r2) = coordinate_from_string(a), coordinate_from_string(b)
                found.append((r1, column_index_from_string(l1), r2, column_index_from_string(l2)))
            self._merged[sheet] = found
        for r1, c1, r2, c2 in self._merged[sheet]:
            if r1 <= row <= r2 and c1 <= col <= c2:
                row, col = r1, c1  # only the anchor of a merged range can hold a comment
                break
        return sheet, f"{column_letter(col - 1)}{row}"

    def old_comments(self, sheet: str) -> dict[str, str]:
        """The text of each existing comment of ``sheet`` (plain text and runs, as openpyxl reads it)."""
        part = self._related(self.sheets[sheet], COMMENTS_TYPE)
        if part is None:
            return {}
        out = {}
        for c in _parse(self.pkg.read(part)).iter(_q("comment")):
            text = c.find(_q("text"))
            bits = [] if text is None else [text.find(_q("t"))] + [r.find(_q("t")) for r in text.findall(_q("r"))]
            out[c.get("ref", "")] = "".join(b.text or "" for b in bits if b is not None)
        return out

    def mark(self, sheet: str, marks: dict[str, Mark], author: str) -> None:
        """Fill and comment the cells ``marks`` names (coordinates from :meth:`target`) on ``sheet``."""
        if self.styles is None:
            self.styles = _Styles(self.pkg.text("xl/styles.xml"))
        part = self.sheets[sheet]
        xml = self.pkg.text(part)
        if "<![CDATA[" in xml or "</worksheet>" not in xml:
            raise Unsupported(f"{part}: CDATA or a prefixed worksheet")
        xml = _restyle(xml, {_rc(ref): m.color for ref, m in marks.items()}, self.styles)
        xml = self._comment(part, xml, marks, author)
        self.pkg.put(part, xml)

    def finish(self) -> None:
        """Write the styles edited by :meth:`mark` back, and unselect every sheet's tab: the sheet put first is
        the only one selected (``tabSelected="0"`` written out, as openpyxl's open_on leaves it)."""
        if self.styles is not None:
            self.pkg.put("xl/styles.xml", self.styles.xml())
        for part in self.sheets.values():
            xml = self.pkg.text(part)
            m = re.search(r"<sheetView\b[^>]*?(?=/?>)", xml)
            if m is not None:
                tag = re.sub(r'\stabSelected="[^"]*"', "", m.group(0))
                xml = xml[:m.start()] + tag[:10] + ' tabSelected="0"' + tag[10:] + xml[m.end():]
            else:
                at = min((i for i in (xml.find(t) for t in ("<sheetFormatPr", "<cols", "<sheetData")) if i >= 0),
                         default=-1)
                if at < 0:
                    raise Unsupported(f"{part}: no place for <sheetViews>")
                xml = xml[:at] + '<sheetViews><sheetView tabSelected="0" workbookViewId="0"/></sheetViews>' + xml[at:]
            self.pkg.put(part, xml)

    # -- relationships and comments ------------------------------------------------------------------------

    def _rels(self, part: str) -> list[tuple[str, str, str]]:
        """(Id, Type, resolved target) of the part's internal relationships."""
        rels = _rels_of(part)
        if rels not in self.pkg:
            return []
        return [(r.get("Id", ""), r.get("Type", ""), _resolve(part, r.get("Target", "")))
                for r in _parse(self.pkg.read(rels)).iter(_q("Relationship", PKG_REL_NS))
                if r.get("TargetMode") != "External"]

    def _related(self, part: str, rel_type: str) -> str | None:
        found = [t for _, ty, t in self._rels(part) if ty == rel_type]
        if len(found) > 1 or (found and found[0] not in self.pkg):
            raise Unsupported(f"{part}: {len(found)} {rel_type.rsplit('/', 1)[1]} parts, or a missing one")
        return found[0] if found else None

    def _add_rel(self, part: str, rel_type: str, target: str) -> str:
        rels_part = _rels_of(part)
        ids = {i for i, _, _ in self._rels(part)}
        k = len(ids) + 1
        while f"rId{k}" in ids:
            k += 1
        new = f'<Relationship Id="rId{k}" Type="{rel_type}" Target="/{target}"/>'
        if rels_part in self.pkg:
            xml = self.pkg.text(rels_part)
            end = xml.rfind("</Relationships>")
            if end < 0:
                raise Unsupported(f"{rels_part}: no </Relationships>")
            self.pkg.put(rels_part, xml[:end] + new + xml[end:])
        else:
            self.pkg.put(rels_part, f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                                    f'<Relationships xmlns="{PKG_REL_NS}">{new}</Relationships>')
        return f"rId{k}"

    def _content_types(self, overrides: list[tuple[str, str]], vml: bool) -> None:
        ct = self.pkg.text("[Content_Types].xml")
        add = "".join(f'<Override PartName="/{p}" ContentType="{t}"/>' for p, t in overrides)
        if vml and not re.search(r'<Default\s+Extension="vml"', ct, re.IGNORECASE):
            add += f'<Default Extension="vml" ContentType="{VML_CT}"/>'
        end = ct.rfind("</Types>")
        if end < 0:
            raise Unsupported("[Content_Types].xml has no </Types>")
        self.pkg.put("[Content_Types].xml", ct[:end] + add + ct[end:])

    def _comment(self, part: str, xml: str, marks: dict[str, Mark], author: str) -> str:
        if any(ty.endswith("/threadedComment") for _, ty, _ in self._rels(part)):
            raise Unsupported(f"{part}: threaded comments")
        comments = self._related(part, COMMENTS_TYPE)
        legacy = re.search(r'<legacyDrawing\b[^>]*?\s(\w+):id="([^"]*)"', xml)
        vml = None
        if legacy is not None:
            vml = {i: t for i, _, t in self._rels(part)}.get(legacy.group(2))
            if vml is None or vml not in self.pkg:
                raise Unsupported(f"{part}: legacy drawing part missing")
        elif comments is not None:
            raise Unsupported(f"{part}: comments without a legacy drawing")
        overrides = []
        if comments is None:
            comments = self.pkg.new_name("xl/comments/comment{}.xml")
            self.pkg.put(comments, f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                                   f'<comments xmlns="{MAIN_NS}"><authors/><commentList/></comments>')
            self._add_rel(part, COMMENTS_TYPE, comments)
            overrides.append((comments, COMMENTS_CT))
        self.pkg.put(comments, merge_comments(self.pkg.text(comments), marks, author))
        if vml is None:
            vml = self.pkg.new_name("xl/drawings/commentsDrawing{}.vml")
            self.pkg.put(vml, new_vml(self._next_idmap()))
            rid = self._add_rel(part, VML_TYPE, vml)
            at = min((i for i in (xml.find(t) for t in _AFTER_LEGACY) if i >= 0), default=-1)
            if at < 0 or "AlternateContent" in xml[at:]:
                raise Unsupported(f"{part}: no place for <legacyDrawing>")
            xml = xml[:at] + f'<legacyDrawing xmlns:r="{REL_NS}" r:id="{rid}"/>' + xml[at:]
        self.pkg.put(vml, merge_vml(self.pkg.text(vml), marks))
        if overrides or vml in self.pkg.added:
            self._content_types(overrides, vml in self.pkg.added)
        return xml

    def _next_idmap(self) -> int:
        used = [int(n) for name in self.pkg.names if name.lower().endswith(".vml")
                for n in re.findall(r'idmap\b[^>]*\sdata="(\d+)', self.pkg.text(name))]
        return max(used, default=0) + 1


def _rc(ref: str) -> tuple[int, int]:
    letters, row = coordinate_from_string(ref)
    return row, column_index_from_string(letters)


class _Styles:
    """styles.xml with cellXfs entries cloned for new fills; only appended to, never renumbered."""

    def __init__(self, xml: str) -> None:
        root = _parse(xml.encode("utf-8"))
        fills, xfs = root.find(_q("fills")), root.find(_q("cellXfs"))
        if fills is None or xfs is None or len(xfs) == 0:
            raise Unsupported("styles.xml lacks fills or cellXfs")
        m = re.search(r"<cellXfs\b[^>]*>(.*?)</cellXfs>", xml, re.DOTALL)
        self.raw = re.findall(r"<xf\b[^>]*?(?:/>|>.*?</xf>)", m.group(1), re.DOTALL) if m else []
        if len(self.raw) != len(xfs):
            raise Unsupported("styles.xml: cellXfs not plain")
        self.src, self.n_fills, self.n_xfs = xml, len(fills), len(xfs)
        self.fills: dict[str, int] = {}
        self.new_fills: list[str] = []
        self.new_xfs: list[str] = []
        self.cache: dict[tuple[int, str], int] = {}

    def xf(self, s: int, color: str) -> int:
        """Index of a cellXfs entry like ``s`` with a solid ``color`` fill (added on first use)."""
        if (s, color) not in self.cache:
            if not 0 <= s < self.n_xfs:
                raise Unsupported(f"style index {s} out of range")
            if color not in self.fills:
                self.fills[color] = self.n_fills + len(self.new_fills)
                # as openpyxl writes PatternFill(fill_type="solid", start_color=color, end_color=color)
                self.new_fills.append(f'<fill><patternFill patternType="solid"><fgColor rgb="00{color}"/>'
                                      f'<bgColor rgb="00{color}"/></patternFill></fill>')
            head = re.match(r"<xf\b[^>]*?(?=/?>)", self.raw[s])
            assert head is not None
            attrs = re.sub(r'\s(fillId|applyFill)="[^"]*"', "", head.group(0)[3:])
            self.cache[(s, color)] = self.n_xfs + len(self.new_xfs)
            self.new_xfs.append(f'<xf fillId="{self.fills[color]}" applyFill="1"{attrs}' + self.raw[s][head.end():])
        return self.cache[(s, color)]

    def xml(self) -> str:
        xml = _append(self.src, "fills", self.new_fills, self.n_fills)
        return _append(xml, "cellXfs", self.new_xfs, self.n_xfs)


def _restyle(xml: str, cells: dict[tuple[int, int], str], styles: _Styles) -> str:
    """The sheet XML with each (row, col) of ``cells`` given a fill of its colour; missing cells and rows added."""
    m = re.search(r"<sheetData\s*/>|<sheetData\b[^>]*>", xml)
    if m is None:
        raise Unsupported("no <sheetData>")
    if m.group(0).endswith("/>"):
        xml = xml[:m.start()] + "<sheetData></sheetData>" + xml[m.end():]
        m = re.search(r"<sheetData\b[^>]*>", xml)
        assert m is not None
    data_end = xml.find("</sheetData>", m.end())
    col_style = _col_styles(xml[:m.start()])
    wanted: dict[int, dict[int, str]] = {}
    for (r, c), color in cells.items():
        wanted.setdefault(r, {})[c] = color
    edits: list[tuple[int, int, str]] = []  # (start, end, replacement), applied back to front
    rows: list[tuple[int, int]] = []  # (row number, start) of every row, for placing new rows
    for row in _ROW.finditer(xml, m.end(), data_end):
        ref = _attr(row.group(1), "r")
        if ref is None or not ref.isdigit():
            raise Unsupported("a row without its number")
        r = int(ref)
        rows.append((r, row.start()))
        if r not in wanted:
            continue
        row_s = _attr(row.group(1), "s") if _attr(row.group(1), "customFormat") in ("1", "true") else None
        tag = re.sub(r'\sspans="[^"]*"', "", row.group(1))  # spans is only a hint; ours may widen the row
        if row.group(2):  # <row …/>: no cells yet
            body = _cells("", r, wanted.pop(r), styles, row_s, col_style)
            edits.append((row.start(), row.end(), f"<row{tag}>{body}</row>"))
            continue
        end = xml.find("</row>", row.end(), data_end)
        if end < 0:
            raise Unsupported("unclosed <row>")
        body = _cells(xml[row.end():end], r, wanted.pop(r), styles, row_s, col_style)
        edits.append((row.start(), end, f"<row{tag}>{body}"))
    for r in sorted(wanted, reverse=True):  # rows that do not exist yet, placed in row order among the others
        pos = next((start for n, start in rows if n > r), data_end)
        edits.append((pos, pos, f'<row r="{r}">{_cells("", r, wanted[r], styles, None, col_style)}</row>'))
    # Back to front. New rows at one place were listed highest first and sorted() keeps that order on equal
    # keys, so each lands before the ones inserted earlier: row order.
    for start, end, new in sorted(edits, key=lambda e: (e[0], e[1]), reverse=True):
        xml = xml[:start] + new + xml[end:]
    return _dimension(xml, cells)


def _cells(body: str, r: int, wanted: dict[int, str], styles: _Styles, row_s: str | None,
           col_style: dict[int, int]) -> str:
    """The row's cell XML with the wanted columns restyled, missing ones inserted in column order."""
    out, pos, todo = [], 0, dict(wanted)
    for cell in _CELL.finditer(body):
        ref = _REF.search(cell.group(1))
        if ref is None:
            raise Unsupported("a cell without its reference")
        col = column_index_from_string(ref.group(1))
        if int(ref.group(2)) != r:
            raise Unsupported("cell reference outside its row")
        for c in sorted(k for k in todo if k < col):  # missing cells before this one
            out.append(body[pos:cell.start()])
            pos = cell.start()
            out.append(_new_cell(r, c, todo.pop(c), styles, row_s, col_style))
        if col in todo:
            s = _STYLE.search(cell.group(1))
            new_s = styles.xf(int(s.group(1)) if s else 0, todo.pop(col))
            attrs = _STYLE.sub("", cell.group(1))
            out.append(body[pos:cell.start()] + f'<c{attrs} s="{new_s}"{cell.group(2)}>')
            pos = cell.end()
    out.append(body[pos:])
    out.extend(_new_cell(r, c, todo[c], styles, row_s, col_style) for c in sorted(todo))
    return "".join(out)


def _new_cell(r: int, c: int, color: str, styles: _Styles, row_s: str | None, col_style: dict[int, int]) -> str:
    base = int(row_s) if row_s is not None else col_style.get(c, 0)  # the format Excel shows for an empty cell
    return f'<c r="{column_letter(c - 1)}{r}" s="{styles.xf(base, color)}"/>'


def _col_styles(head: str) -> dict[int, int]:
    out: dict[int, int] = {}
    for attrs in re.findall(r"<col\b([^>]*)/?>", head):
        lo, hi, style = _attr(attrs, "min"), _attr(attrs, "max"), _attr(attrs, "style")
        if lo and hi and style and int(hi) - int(lo) < _MAX_COL:
            out.update(dict.fromkeys(range(int(lo), int(hi) + 1), int(style)))
    return out


def _dimension(xml: str, cells: dict[tuple[int, int], str]) -> str:
    m = re.search(r'<dimension\s+ref="([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?"\s*/>', xml)
    if m is None:
        return xml
    c1, r1 = column_index_from_string(m.group(1)), int(m.group(2))
    c2, r2 = (column_index_from_string(m.group(3)), int(m.group(4))) if m.group(3) else (c1, r1)
    rows, cols = [r for r, _ in cells] + [r1, r2], [c for _, c in cells] + [c1, c2]
    ref = f"{column_letter(min(cols) - 1)}{min(rows)}:{column_letter(max(cols) - 1)}{max(rows)}"
    return xml[:m.start()] + f'<dimension ref="{ref}"/>' + xml[m.end():]
