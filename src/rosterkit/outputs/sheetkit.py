"""Shared pieces of the workbooks written with xlsxwriter (学校花名册, 帮扶落实情况): the one sheet writer, which tracks
widths and masks; the compliance formats; classes in school order."""

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
from rosterkit.xlsx.cells import WIDEST, plan_cell
from rosterkit.xlsx.fastsheet import DATE, NUMBER, TEXT
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
    """One worksheet of a workbook we write with xlsxwriter: shared formats, the mask switch, the widest text per
    column. Rows go top to bottom only (constant_memory). Values are written by a declared kind (:meth:`put`:
    the compliance tables) or by their own type (:meth:`value`: the roster's cells, :func:`~rosterkit.xlsx.cells.plan_cell`)."""

    def __init__(self, wb: xlsxwriter.Workbook, name: str, fmt: dict[str, Any], mask: bool) -> None:
        self.ws = wb.add_worksheet(name)
        self.fmt, self.mask = fmt, mask
        self.widths: dict[int, int] = {}

    def seen(self, col: int, width: int) -> None:
        """A cell ``width`` wide was written in ``col``."""
        if width > self.widths.get(col, 0):
            self.widths[col] = width

    def masked(self, value: Any) -> str:
        text = "" if missing(value) else str(value)
        return mask_text(text) if self.mask else text

    def text(self, r: int, c: int, value: Any, style: str = "text", measure: bool = True) -> None:
        """write_string, never write(): text stays text, nothing becomes a formula or a link."""
        self._string(r, c, self.masked(value), style, measure)

    def _string(self, r: int, c: int, s: str, style: str, measure: bool = True) -> None:
        if not s:
            self.ws.write_blank(r, c, None, self.fmt[style])
            return
        self.ws.write_string(r, c, s, self.fmt[style])
        known = self.widths.get(c, 0)
        if measure and 2 * len(s) > known and known < WIDEST:  # else it cannot widen the column: skip the count
            self.seen(c, max(text_width(x) for x in s.split("\n")))

    def put(self, r: int, c: int, v: Any, kind: str = "text", tone: str = "") -> None:
        """One value: 'int' / 'pct' / 'num' numbers, 'date' dates, the rest text; ``tone`` '', '_red' or '_total'."""
        if missing(v):
            self.ws.write_blank(r, c, None, self.fmt[kind + tone])
        elif isinstance(v, (bool, np.bool_)):
            self.text(r, c, "是" if v else "否", "text" + tone)
        elif kind in ("int", "pct", "num") and isinstance(v, (int, float, np.integer, np.floating)):
            self.ws.write_number(r, c, float(v), self.fmt[kind + tone])
        elif kind == "date" and isinstance(v, dt.date):
            self.ws.write_datetime(r, c, v, self.fmt[kind + tone])
            self.seen(c, 10)
        else:
            self.text(r, c, v, "text" + tone)

    def value(self, r: int, c: int, v: Any, kind: str = "auto", bad: bool = False) -> None:
        """One roster value by its Python type (``kind`` 'id' / 'phone' / 'text' forces text and its mask);
        ``bad``: the row's red. Formats 'text', 'date', 'number' and their '_bad' twins."""
        how, v = plan_cell(v, kind, self.mask)
        sfx = "_bad" if bad else ""
        if how == DATE:
            self.ws.write_datetime(r, c, v, self.fmt["date" + sfx])
            self.seen(c, 10)
        elif how == NUMBER:
            self.ws.write_number(r, c, v, self.fmt["number" + sfx])
            self.seen(c, len(f"{v:g}"))
        else:  # masked already, when masking
            self._string(r, c, v if how == TEXT else "", "text" + sfx)

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

    def records(self, top: int, headers: Sequence[str], rows: Sequence[Sequence[Any]],
                kinds: Sequence[str] = (), marked: Sequence[bool] = (), empty: bool = True) -> int:
        """Header row at ``top`` and :meth:`value` rows below it (「（无）」 when none, unless ``empty`` is false);
        ``marked`` rows in red. Returns the next free row."""
        for c, h in enumerate(headers):
            self.text(top, c, h, "header")
        if empty and not rows:
            return self.empty(top + 1, len(headers))
        for i, row in enumerate(rows, start=top + 1):
            bad = bool(marked[i - top - 1]) if marked else False
            for c, v in enumerate(row):
                self.value(i, c, v, kinds[c] if c < len(kinds) else "auto", bad)
        return top + 1 + len(rows)

    def empty(self, r: int, cols: int) -> int:
        """An empty table says so, rather than looking unfinished; returns the next free row."""
        self.text(r, 0, "（无）", "text", measure=False)
        for c in range(1, cols):
            self.ws.write_blank(r, c, None, self.fmt["text"])
        return r + 1

    def title(self, text: str, note: str) -> None:
        """Row 0: the title (脱敏 added when masking); row 1: the note line. Both overflow to the right."""
        self.ws.set_row(0, 28)
        self.text(0, 0, text + ("（脱敏）" if self.mask else ""), "title", measure=False)
        self.ws.set_row(1, 16 * (note.count("\n") + 1))
        self.text(1, 0, note, "note", measure=False)

    def fit(self, low: int = 6, high: int = 40, fixed: dict[int, float] | None = None, pad: int = 2) -> None:
        """Column widths from the content (CJK characters count double) + ``pad``, within [low, high];
        ``fixed``: columns whose width is set regardless."""
        for c, w in self.widths.items():
            self.ws.set_column(c, c, min(max(w + pad, low), high))
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
