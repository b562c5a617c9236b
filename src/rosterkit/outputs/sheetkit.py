"""Shared pieces of the compliance workbook: formats, a sheet writer that tracks widths, classes in school order."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import xlsxwriter

from rosterkit.cadence.rollup import OUTCOMES
from rosterkit.core.masking import mask_text
from rosterkit.core.order import school_order
from rosterkit.core.values import missing, text_width
from rosterkit.merging.school import class_label
from rosterkit.xlsx.pagesetup import print_list

OUTCOME_COLORS = {"达标": ("C6EFCE", "006100"), "未达标": ("FFC7CE", "9C0006"),
                  "进行中": ("FFEB9C", "9C5700"), "未到期": ("D9D9D9", "595959"), "未报": ("DDEBF7", "1F4E78")}


def formats(wb: xlsxwriter.Workbook) -> dict[str, Any]:
    # Created once per workbook: per-cell Format objects bloat the file.
    base: dict[str, Any] = {"valign": "vcenter", "font_size": 10, "border": 1, "border_color": "#BFBFBF"}
    kinds = {"text": {}, "int": {"num_format": "0"}, "pct": {"num_format": "0.0%"}, "date": {"num_format": "yyyy-mm-dd"}}
    fmt: dict[str, Any] = {}
    for name, extra in kinds.items():
        fmt[name] = wb.add_format({**base, **extra})
        fmt[name + "_red"] = wb.add_format({**base, **extra, "bg_color": "#FFC7CE", "font_color": "#9C0006"})
        fmt[name + "_total"] = wb.add_format({**base, **extra, "bold": True, "bg_color": "#F2F2F2"})
    period = {**base, "bg_color": "#F2F2F2", "align": "center", "text_wrap": True, "font_size": 9}
    fmt.update({
        "header": wb.add_format({**base, "bold": True, "bg_color": "#D9E1F2", "align": "center", "text_wrap": True}),
        "period": wb.add_format(period),
        "free": wb.add_format({**period, "font_color": "#A6A6A6", "italic": True}),
        "cell": wb.add_format({**base, "align": "center"}),
        "title": wb.add_format({"bold": True, "font_size": 16, "valign": "vcenter"}),
        "section": wb.add_format({"bold": True, "font_size": 12, "valign": "bottom"}),
        "note": wb.add_format({"font_size": 9, "font_color": "#595959", "valign": "vcenter"}),
        "outcomes": {k: wb.add_format({"bg_color": "#" + bg, "font_color": "#" + fg})
                     for k, (bg, fg) in OUTCOME_COLORS.items()},
    })
    return fmt


class Sheet:
    """One worksheet: shared formats, the mask switch, the widest text per column. Rows go top to bottom only."""

    def __init__(self, wb: xlsxwriter.Workbook, name: str, fmt: dict[str, Any], mask: bool) -> None:
        self.ws = wb.add_worksheet(name)
        self.fmt, self.mask = fmt, mask
        self.widths: dict[int, int] = {}

    def masked(self, value: Any) -> str:
        text = "" if missing(value) else str(value)
        return mask_text(text) if self.mask else text

    def text(self, r: int, c: int, value: Any, style: str = "text", measure: bool = True) -> None:
        """write_string, never write(): text stays text, nothing becomes a formula or a link."""
        s = self.masked(value)
        if not s:
            self.ws.write_blank(r, c, None, self.fmt[style])
            return
        self.ws.write_string(r, c, s, self.fmt[style])
        if measure and 2 * len(s) > self.widths.get(c, 0):  # else it cannot be the widest: skip the count
            self.widths[c] = max(self.widths.get(c, 0), max(text_width(x) for x in s.split("\n")))

    def put(self, r: int, c: int, v: Any, kind: str = "text", tone: str = "") -> None:
        """One value: 'int' / 'pct' numbers, 'date' dates, the rest text; ``tone`` '', '_red' or '_total'."""
        if missing(v):
            self.ws.write_blank(r, c, None, self.fmt[kind + tone])
        elif isinstance(v, (bool, np.bool_)):
            self.text(r, c, "是" if v else "否", "text" + tone)
        elif kind in ("int", "pct") and isinstance(v, (int, float, np.integer, np.floating)):
            self.ws.write_number(r, c, float(v), self.fmt[kind + tone])
        elif kind == "date" and isinstance(v, dt.date):
            self.ws.write_datetime(r, c, v, self.fmt[kind + tone])
            self.widths[c] = max(self.widths.get(c, 0), 10)
        else:
            self.text(r, c, v, "text" + tone)

    def row(self, r: int, values: Sequence[Any], kinds: Sequence[str], tone: str = "") -> None:
        for c, (v, k) in enumerate(zip(values, kinds)):
            self.put(r, c, v, k, tone)

    def header(self, r: int, labels: Sequence[str], height: float = 30) -> None:
        self.ws.set_row(r, height)  # before the cells: constant_memory cannot go back to a row
        for c, label in enumerate(labels):
            self.text(r, c, label, "header", measure=False)

    def table(self, top: int, heads: Sequence[str], kinds: Sequence[str], rows: Any) -> int:
        """Header at ``top``, ``rows`` below; returns the next free row."""
        self.header(top, heads)
        r = top + 1
        for values in rows:
            self.row(r, values, kinds)
            r += 1
        return r

    def title(self, text: str, note: str) -> None:
        """Row 0: the title (脱敏 added when masking); row 1: the note line. Both overflow to the right."""
        self.ws.set_row(0, 28)
        self.text(0, 0, text + ("（脱敏）" if self.mask else ""), "title", measure=False)
        self.ws.set_row(1, 16 * (note.count("\n") + 1))
        self.text(1, 0, note, "note", measure=False)

    def fit(self, low: int = 6, high: int = 40, fixed: dict[int, float] | None = None) -> None:
        for c, w in self.widths.items():
            self.ws.set_column(c, c, min(max(w + 2, low), high))
        for c, width in (fixed or {}).items():
            self.ws.set_column(c, c, width)

    def finish(self, top: int | None = None, last: int = 0, cols: int = 0, freeze_cols: int = 0, *,
               across: int = 0, font_pt: float = 10) -> None:
        """Landscape A4, page numbers, one page wide; a sheet with ``freeze_cols`` (the student's columns) whose
        ``font_pt`` text would print under 8 pt is split across pages instead, those columns repeated on each
        (``across``: the sheet's columns, when more than ``cols``). For a list (header row ``top``): freeze below
        the header and ``freeze_cols`` columns, filter, rows 3 to the header repeated on every printed page."""
        ws = self.ws
        print_list(ws, max(across, cols, max(self.widths, default=0) + 1), font_pt,
                   rows=(2, top) if top is not None else None, repeat=freeze_cols - 1 if freeze_cols else None,
                   split=freeze_cols > 0)
        if top is not None:
            ws.freeze_panes(top + 1, freeze_cols)
            ws.autofilter(top, 0, max(last, top + 1), cols - 1)


def class_name(school: Any, grade: Any, klass: Any, multi: bool) -> str:
    text = class_label(*(None if missing(x) else str(x) for x in (grade, klass)))
    return f"{school} {text}" if multi and not missing(school) else text


def class_order(frame: pd.DataFrame) -> np.ndarray:
    """Row positions of ``frame`` ordered by school, then grade and class in school order; stable."""
    return np.array(school_order(frame["school"], frame["grade"], frame["class"]), dtype="int64")


def date_range(start: Any, end: Any) -> str:
    return f"{start.month}/{start.day}–{end.month}/{end.day}"


def outcome_codes(periods: pd.DataFrame) -> np.ndarray:
    """Outcome as an index into OUTCOMES (0 达标, 1 未达标, 2 进行中, 3 未到期, 4 未报), whatever the category order."""
    remap = pd.Index(OUTCOMES, dtype=object).get_indexer(pd.Index(periods["outcome"].cat.categories, dtype=object))
    return np.append(remap, -1)[periods["outcome"].cat.codes.to_numpy()]
