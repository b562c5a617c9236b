"""Comments and their legacy VML shapes, edited as text for :mod:`rosterkit.xlsx.zipannot`.

The comments part is checked with a real XML parser before and after; VML (often not well-formed XML when
Excel wrote it) is only cut at shape boundaries, with its own namespace prefixes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from xml.sax.saxutils import escape

from openpyxl.utils.cell import column_index_from_string, coordinate_from_string

from rosterkit.xlsx.zipbook import _parse, _q
from rosterkit.xlsx.zippkg import Unsupported

__all__ = ["Mark", "merge_comments", "merge_vml", "new_vml"]


@dataclass(frozen=True)
class Mark:
    """What one problem cell gets: a solid fill and a comment (its whole text, author rosterkit)."""

    color: str  # RRGGBB
    text: str  # the whole new comment text
    height: int  # comment box size in px
    width: int = 320

_NS = {"v": "urn:schemas-microsoft-com:vml", "o": "urn:schemas-microsoft-com:office:office",
       "x": "urn:schemas-microsoft-com:office:excel"}


def _rc(ref: str) -> tuple[int, int]:
    letters, row = coordinate_from_string(ref)
    return row, column_index_from_string(letters)


def merge_comments(xml: str, marks: dict[str, Mark], author: str) -> str:
    """The comments part with a comment by ``author`` on each cell of ``marks`` (replacing one already there)."""
    root = _parse(xml.encode("utf-8"))
    authors = [a.text or "" for a in root.iter(_q("author"))]
    found = list(re.finditer(r'<comment\b[^>]*?\sref="([^"]+)"[^>]*>.*?</comment>', xml, re.DOTALL))
    if len(found) != len(list(root.iter(_q("comment")))) or root.tag != _q("comments"):
        raise Unsupported("comments part not plain")
    if author in authors:
        idx = authors.index(author)
    else:
        idx = len(authors)
        m = re.search(r"<authors\s*/>|</authors>", xml)
        if m is None:
            raise Unsupported("comments part without <authors>")
        new = f"<author>{escape(author)}</author>"
        xml = xml[:m.start()] + (f"<authors>{new}</authors>" if m.group(0) != "</authors>" else new + m.group(0)) + \
            xml[m.end():]
        found = list(re.finditer(r'<comment\b[^>]*?\sref="([^"]+)"[^>]*>.*?</comment>', xml, re.DOTALL))

    def ours(ref: str) -> str:
        return (f'<comment ref="{ref}" authorId="{idx}" shapeId="0"><text><t xml:space="preserve">'
                f"{escape(marks[ref].text)}</t></text></comment>")
    for c in reversed(found):  # replace the comments of our cells in place
        if c.group(1) in marks:
            xml = xml[:c.start()] + ours(c.group(1)) + xml[c.end():]
    new = "".join(ours(ref) for ref in marks if ref not in {c.group(1) for c in found})
    m = re.search(r"<commentList\s*/>|</commentList>", xml)
    if m is None:
        raise Unsupported("comments part without <commentList>")
    xml = xml[:m.start()] + (f"<commentList>{new}</commentList>" if m.group(0) != "</commentList>"
                             else new + m.group(0)) + xml[m.end():]
    _parse(xml.encode("utf-8"))
    return xml


def new_vml(idmap: int) -> str:
    """An empty legacy drawing for comment shapes (``idmap``: the drawing's block of shape ids)."""
    return (f'<xml xmlns:v="{_NS["v"]}" xmlns:o="{_NS["o"]}" xmlns:x="{_NS["x"]}"><o:shapelayout v:ext="edit">'
            f'<o:idmap v:ext="edit" data="{idmap}"/></o:shapelayout></xml>')


def merge_vml(vml: str, marks: dict[str, Mark]) -> str:
    """The drawing with our cells' note shapes replaced by ours (openpyxl's shape: hidden, ``width``×``height``)."""
    p = {}
    for key, uri in _NS.items():
        m = re.search(rf'xmlns:(\w+)=["\']{re.escape(uri)}["\']', vml)
        if m is None:
            raise Unsupported(f"VML without the {key} namespace")
        p[key] = m.group(1)
    v, o, x = p["v"], p["o"], p["x"]
    if re.search(rf"<{v}:group\b", vml) or vml.rstrip().rfind("</xml>") < 0:
        raise Unsupported("VML with groups, or not closed")
    ours = {_rc(ref) for ref in marks}
    shapes = list(re.finditer(rf"<{v}:shape\b[^>]*?(?:/>|>.*?</{v}:shape>)", vml, re.DOTALL))
    for s in reversed(shapes):
        body = s.group(0)
        row = re.search(rf"<{x}:Row>\s*(\d+)\s*</{x}:Row>", body)
        col = re.search(rf"<{x}:Column>\s*(\d+)\s*</{x}:Column>", body)
        if re.search(r'ObjectType=["\']Note["\']', body) and row and col and \
                (int(row.group(1)) + 1, int(col.group(1)) + 1) in ours:
            vml = vml[:s.start()] + vml[s.end():]
    next_id = max((int(n) for n in re.findall(r'id=["\']_x0000_s(\d+)["\']', vml)), default=1024) + 1
    add = []
    if not re.search(r'id=["\']_x0000_t202["\']', vml):
        add.append(f'<{v}:shapetype id="_x0000_t202" coordsize="21600,21600" {o}:spt="202" '
                   f'path="m,l,21600r21600,l21600,xe"><{v}:stroke joinstyle="miter"/>'
                   f'<{v}:path gradientshapeok="t" {o}:connecttype="rect"/></{v}:shapetype>')
    for n, (ref, mark) in enumerate(marks.items()):
        r, c = _rc(ref)
        add.append(
            f'<{v}:shape id="_x0000_s{next_id + n}" type="#_x0000_t202" style="position:absolute; '
            f"margin-left:59.25pt;margin-top:1.5pt;width:{mark.width}px;height:{mark.height}px;z-index:1;"
            f'visibility:hidden" fillcolor="#ffffe1" {o}:insetmode="auto"><{v}:fill color2="#ffffe1"/>'
            f'<{v}:shadow color="black" obscured="t"/><{v}:path {o}:connecttype="none"/>'
            f'<{v}:textbox style="mso-direction-alt:auto"><div style="text-align:left"/></{v}:textbox>'
            f'<{x}:ClientData ObjectType="Note"><{x}:MoveWithCells/><{x}:SizeWithCells/>'
            f"<{x}:AutoFill>False</{x}:AutoFill><{x}:Row>{r - 1}</{x}:Row><{x}:Column>{c - 1}</{x}:Column>"
            f"</{x}:ClientData></{v}:shape>")
    end = vml.rfind("</xml>")
    return vml[:end] + "".join(add) + vml[end:]
