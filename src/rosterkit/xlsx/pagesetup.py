"""Page setup of the sheets we write: paper, orientation, scale, repeated titles, page numbers.

A list is printed one page wide when its text stays legible (:data:`MIN_PT` or more after scaling). A wider one,
like the 29-column 学校花名册 (3.9 pt when fit to one A4 page wide), is split across pages instead: a fixed
scale that keeps the text at :data:`MIN_PT` or more, the columns cut into as few pages across as that allows,
the leading columns (序号 … 姓名) repeated on each, and the pages numbered across then down, so the halves of
one stretch of rows come out one after the other and can be laid side by side.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from rosterkit.core.values import text_width

__all__ = ["A3", "A4", "MIN_PT", "PagePlan", "column_points", "grow_rows", "header_width", "plan_pages",
           "print_list", "printable_points", "width_left"]

A4, A3 = 9, 8  # OOXML paperSize codes
PAPER_MM = {A4: (210.0, 297.0), A3: (297.0, 420.0)}
MIN_PT = 8.0  # the smallest printed text a coordinator should have to read
SIDE_IN, TOP_IN = 0.4, 0.6  # margins (inches)
# Excel, WPS and LibreOffice lay text and columns out a few percent apart: plan with this much to spare.
SLACK = 0.93
FOOTER = "&C第 &P 页，共 &N 页"


def column_points(pixels: float) -> float:
    """A column's printed width at 100 %, in points (Excel's column pixels are 96 dpi: ¾ pt each)."""
    return pixels * 0.75


def printable_points(paper: int = A4, landscape: bool = True) -> float:
    """Width inside the side margins, in points."""
    short, long = PAPER_MM[paper]
    return (long if landscape else short) / 25.4 * 72 - 2 * SIDE_IN * 72


@dataclass(frozen=True)
class PagePlan:
    """How a sheet is printed across: one page wide (``fit``) or at ``scale`` % cut before ``breaks``."""

    scale: int  # percent; for ``fit`` the scale one page wide works out to (the printer decides it)
    fit: bool
    breaks: tuple[int, ...] = ()  # 0-based columns that start a new page across
    repeat: int | None = None  # columns 0 … repeat printed at the left of every page across

    def text_pt(self, font_pt: float) -> float:
        """The printed size of ``font_pt`` text."""
        return font_pt * self.scale / 100


def _pack(points: Sequence[float], room: float, repeat: int | None) -> list[int]:
    """Columns starting each page after the first, filling pages greedily; repeated columns on every page."""
    lead = sum(points[: repeat + 1]) if repeat is not None else 0.0
    breaks: list[int] = []
    used, own = 0.0, 0
    for c, w in enumerate(points):
        if own and used + w > room:  # a page holds at least one column of its own, however wide
            breaks.append(c)
            used, own = lead, 0
        used += w
        own += 1
    return breaks


def plan_pages(pixels: Sequence[float], font_pt: float, *, repeat: int | None = None, paper: int = A4,
               min_pt: float = MIN_PT, split: bool = True) -> PagePlan:
    """The print plan of columns ``pixels`` wide holding ``font_pt`` text: one page wide if the text stays at
    ``min_pt`` or more, else the largest scale ≤ 100 % that needs no more pages across than ``min_pt`` does.

    ``repeat`` (last column repeated on every page) is dropped when those columns would take half a page;
    ``split=False``: one page wide whatever the size."""
    points = [column_points(p) for p in pixels]
    room = printable_points(paper) * SLACK
    total = sum(points)
    fit_scale = min(100, math.floor(100 * room / total)) if total else 100
    if font_pt * fit_scale / 100 >= min_pt or not split:
        return PagePlan(fit_scale, True)
    low = min(100, math.ceil(100 * min_pt / font_pt))
    if repeat is not None and sum(points[: repeat + 1]) > room * 100 / low / 2:
        repeat = None
    fewest = len(_pack(points, room * 100 / low, repeat))
    scale = next(s for s in range(100, low - 1, -1) if len(_pack(points, room * 100 / s, repeat)) <= fewest)
    return PagePlan(scale, False, tuple(_pack(points, room * 100 / scale, repeat)), repeat)


def column_pixels(ws: Any, columns: int) -> list[float]:
    """The widths (pixels) of a worksheet's first ``columns`` columns as set so far (xlsxwriter)."""
    return [float(ws._size_col(c)) for c in range(columns)]  # xlsxwriter's own pixel width, default included


def width_left(font_pt: float, widths: Sequence[float], paper: int = A4, min_pt: float = MIN_PT) -> float:
    """The Excel width one more column can have for ``widths`` and it to print one page wide at ``min_pt``."""
    scale = math.ceil(100 * min_pt / font_pt) / 100  # printers scale by whole percents
    room = printable_points(paper) * SLACK / scale / 0.75  # pixels at 100 %
    used = sum(int(w * 7 + 0.5) + 5 for w in widths)
    return (room - used - 5) / 7


def _lines(text: str, room: float) -> int:
    if 2 * len(text) <= room:  # a text_width is at most twice the length: one line, nothing to measure
        return 1
    return sum(max(1, math.ceil(text_width(part) / room)) for part in text.split("\n"))


def grow_rows(ws: Any, top: int, texts: Mapping[int, Sequence[str]], font_pt: float) -> None:
    """Rows from ``top`` whose text (``texts``: column → the column's texts) wraps get the height of their
    lines: Excel grows such a row by itself, LibreOffice and some WPS versions draw the lines over the next row.
    Call it after the column widths are set; a constant_memory sheet has written its rows already, and is left."""
    if getattr(ws, "constant_memory", False) or not texts:
        return
    # A width unit (half a CJK character) of font_pt text is font_pt × ⅔ pixels; a cell keeps ~6 px of margin.
    room = {c: max((ws._size_col(c) - 6) / (font_pt * 2 / 3), 1.0) for c in texts}
    for i in range(max(len(v) for v in texts.values())):
        lines = max(_lines(col[i], room[c]) if i < len(col) and col[i] else 1 for c, col in texts.items())
        if lines > 1:
            ws.set_row(top + i, round(lines * font_pt * 1.35 + 2, 1))


def header_width(label: str) -> int:
    """Width (Excel characters) a wrapping header label needs: labels of four characters or more go on two
    lines (出生/日期, 监护人/姓名), shorter ones on one."""
    chars = len(label)
    return text_width(label) if chars < 4 else text_width(label[: math.ceil(chars / 2)])


def print_list(ws: Any, columns: int, font_pt: float, *, rows: tuple[int, int] | None = None,
               repeat: int | None = None, paper: int = A4, title: str | None = None,
               last_row: int | None = None, apart: bool = False, split: bool = True) -> PagePlan:
    """Set up an xlsxwriter sheet of ``columns`` columns holding ``font_pt`` text for printing: landscape,
    margins, page numbers, ``rows`` (first, last) repeated on every page, across as :func:`plan_pages` says;
    call it after the column widths are set. Returns the plan.

    A sheet split across pages whose first row is the ``title`` (merged over all columns, so cut by the page
    edges) prints from row ``rows[0] + 1`` to ``last_row`` and carries the title in each page's header instead.
    ``apart``: what lies right of the columns (a chart) prints on pages of its own, at the same scale, rather
    than shrink the table to fit beside it. ``split=False``: one page wide whatever the size (a list with no
    columns that could be repeated is better small than cut from its names)."""
    plan = plan_pages(column_pixels(ws, columns), font_pt, repeat=repeat, paper=paper, split=split)
    ws.set_landscape()
    ws.set_paper(paper)
    ws.set_margins(left=SIDE_IN, right=SIDE_IN, top=TOP_IN, bottom=TOP_IN)
    ws.set_footer(FOOTER)
    if title and rows is not None and last_row is not None and not plan.fit:
        ws.set_header(f'&C&"-,Bold"&14{title.replace("&", "&&")}')
        ws.print_area(rows[0] + 1, 0, last_row, columns - 1)
        rows = (rows[0] + 1, rows[1]) if rows[1] > rows[0] else None
    if rows is not None:
        ws.repeat_rows(*rows)
    if plan.fit and not apart:
        ws.fit_to_pages(1, 0)
    else:
        ws.set_print_scale(plan.scale)
        ws.set_v_pagebreaks([*plan.breaks, *([columns] if apart else [])])
        ws.print_across()
        if plan.repeat is not None:
            ws.repeat_columns(0, plan.repeat)
    return plan
