"""A worksheet described once, apart from how it is written: cells with their text and style, widths, row heights,
page setup, frozen rows, filter, internal links.

The sheets rosterkit adds to a teacher's own workbook (校验结果 in the annotated copy, 待办 in the copy handed
back) are built as a :class:`Sheet`; :mod:`rosterkit.xlsx.zipsheet` writes it into the package at the byte level,
:func:`rosterkit.xlsx.workbooks.put_first_sheet` through openpyxl when that path cannot be taken.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

__all__ = ["Cell", "Font", "Sheet", "Style"]


@dataclass(frozen=True)
class Font:
    """A cell's font; the face is always the workbook's own default (a bare font prints serif in LibreOffice)."""

    bold: bool = False
    size: float | None = None
    color: str | None = None  # RRGGBB
    underline: bool = False  # single


@dataclass(frozen=True)
class Style:
    """How a cell looks; shared by many cells (an identical Style is one format in the file)."""

    font: Font | None = None  # None: the workbook's default font
    fill: str | None = None  # RRGGBB solid fill
    border: bool = False  # thin grey all round
    wrap_top: bool = False  # vertical top, wrap text
    top: bool = False  # vertical top, no wrap


class Cell(NamedTuple):  # a tuple, not a dataclass: a county's 待办 sheets make 1.5M of them
    row: int
    col: int
    text: str | int | float  # text is always written as text (never a formula); numbers as numbers
    style: Style | None = None


@dataclass
class Sheet:
    """One worksheet: its cells (1-based rows and columns) and everything about it that is not a cell."""

    name: str
    cells: list[Cell] = field(default_factory=list)
    widths: Sequence[float] = ()
    heights: dict[int, float] = field(default_factory=dict)
    landscape_a4_fit_width: bool = True
    footer_center: str = ""
    freeze: str | None = None  # the first scrolling cell, e.g. "A4"
    auto_filter: str | None = None  # e.g. "A3:H20"
    print_title_rows: str | None = None  # e.g. "3:3"
    links: list[tuple[str, str, str]] = field(default_factory=list)  # (cell, internal location, display)
