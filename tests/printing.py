"""How a written sheet prints, worked out from what openpyxl reads back: paper, margins, scale, column widths,
page breaks and repeated columns. Used to assert that text prints legibly (≥ 8 pt) and fits each page."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from openpyxl.utils import column_index_from_string

PAPER_PT = {9: (595.28, 841.89), 8: (841.89, 1190.55)}  # A4, A3 (portrait width, height)
DEFAULT_WIDTH = 8.43  # Excel's width of a column that sets none


@dataclass
class Printed:
    scale: float  # 1.0 = 100 %
    pages: list[list[int]]  # 1-based columns on each page across, repeated columns included
    room: float  # printable width, points
    points: dict[int, float]  # printed width of each column at 100 %, points

    def page_width(self, page: list[int]) -> float:
        return sum(self.points[c] for c in page) * self.scale


def column_points(ws: Any, last: int) -> dict[int, float]:
    """Width of columns 1..last at 100 %, in points: Excel's pixels (7 per character + 5) at ¾ pt."""
    widths = {c: DEFAULT_WIDTH for c in range(1, last + 1)}
    for dim in ws.column_dimensions.values():  # openpyxl folds equal neighbours into one min..max entry
        if dim.width and dim.min:
            for c in range(dim.min, min(dim.max, last) + 1):
                widths[c] = dim.width
    return {c: round(w * 7) * 0.75 if w >= 1 else round(w * 12) * 0.75 for c, w in widths.items()}


def _columns(ref: str) -> list[int]:
    """'$A:$E' or "'sheet'!$A$2:$AC$53" → [1 … 5] / [1 … 29]."""
    ref = ref.split("!")[-1].replace("$", "")
    first, last = (part.rstrip("0123456789") for part in ref.split(":"))
    return list(range(column_index_from_string(first), column_index_from_string(last) + 1))


def printed(ws: Any) -> Printed:
    """The sheet's pages across as Excel prints it (fit to one page wide, or a scale and column breaks)."""
    ps = ws.page_setup
    portrait, landscape = PAPER_PT[int(ps.paperSize or 9)]
    room = (landscape if ps.orientation == "landscape" else portrait) - 72 * (ws.page_margins.left +
                                                                            ws.page_margins.right)
    area = _columns(ws.print_area[0] if isinstance(ws.print_area, list) else ws.print_area) if ws.print_area \
        else list(range(1, ws.max_column + 1))
    points = column_points(ws, max(area))
    if ws.sheet_properties.pageSetUpPr is not None and ws.sheet_properties.pageSetUpPr.fitToPage:
        assert (ps.fitToWidth if ps.fitToWidth is not None else 1) == 1 and ps.fitToHeight == 0
        return Printed(min(1.0, room / sum(points[c] for c in area)), [area], room, points)
    scale = (ps.scale or 100) / 100
    lead = _columns(ws.print_title_cols) if ws.print_title_cols else []
    starts = sorted(b.id + 1 for b in ws.col_breaks.brk)  # <brk id="n"/>: a break after column n
    pages: list[list[int]] = [[]]
    for c in area:
        if c in starts:
            pages.append([x for x in lead])
        pages[-1].append(c)
    return Printed(scale, pages, room, points)
