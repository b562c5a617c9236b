"""Cell values for the 学校花名册 as written: masking, blank and text rules, and the fast writer of its body.

The roster sheet of a county is 2.7M cells: each chunk of rows is decided column by column (what to write and
with which format) and then written row by row, xlsxwriter's order, with formats created once.
"""

from __future__ import annotations

import datetime as dt
import numbers
from collections.abc import Sequence
from typing import Any

from rosterkit.core.masking import mask_birth, mask_id, mask_phone, mask_text
from rosterkit.core.values import blank, text_width
from rosterkit.issues import excel_general
from rosterkit.xlsx.fastsheet import BLANK, DATE, NUMBER, TEXT

__all__ = ["WIDEST", "as_text", "blank", "plan_cell", "write_body"]

def as_text(v: Any) -> str:
    """A value as the roster shows it: choices joined with 、, 是/否, whole floats without .0, ISO dates."""
    if isinstance(v, (tuple, list)):
        return "、".join(str(x) for x in v if not blank(x))
    if isinstance(v, bool):
        return "是" if v else "否"
    if isinstance(v, float) and abs(v) >= 1e15:
        return excel_general(v)  # Excel kept 15 digits: as Excel shows it (4.30725E+17), no invented digits
    if isinstance(v, float) and v.is_integer():
        return str(int(v))  # a phone that arrived as a number: its digits
    if isinstance(v, dt.date):
        return v.isoformat()
    return str(v)


_BLANK, _DATE, _NUMBER, _TEXT = BLANK, DATE, NUMBER, TEXT


def _plan(col: list[Any], kind: str, mask: bool) -> list[tuple[int, Any]]:
    """:func:`plan_cell` for a whole column, with a shortcut for the common already-tidy text."""
    if mask:
        return [plan_cell(v, kind, mask) for v in col]
    out = []
    for v in col:
        if type(v) is str and v and v.strip() == v:  # exactly str: a subclass may print otherwise
            out.append((_TEXT, v))
        else:
            out.append(plan_cell(v, kind, mask))
    return out


def plan_cell(v: Any, kind: str, mask: bool) -> tuple[int, Any]:
    """How a roster value is written (BLANK, DATE, NUMBER or TEXT) and what: by its Python type, ``kind`` 'id' /
    'phone' / 'text' / 'birth' forcing text and the matching mask. The one rule for a single cell
    (:meth:`rosterkit.outputs.sheetkit.Sheet.value`) and for the body's millions (:func:`write_body`)."""
    if blank(v):
        return _BLANK, None
    if kind == "birth":
        if mask:
            return plan_cell(mask_birth(v), "text", mask)
        kind = "auto"
    if kind == "auto" and isinstance(v, dt.date):
        return _DATE, v
    if kind == "auto" and isinstance(v, numbers.Real) and not isinstance(v, bool) and not (
            mask and abs(float(v)) >= 1e6):  # a long number may be an unmasked ID or phone
        return _NUMBER, v
    s = as_text(v).strip() if kind != "auto" else as_text(v)
    if mask:
        s = mask_id(s) if kind == "id" else mask_phone(s) if kind == "phone" else s
        s = mask_text(s)
    return (_TEXT, s) if s else (_BLANK, None)


def write_body(sh: Any, columns: list[list[Any]], kinds: Sequence[str], bad: Sequence[bool], top: int,
          chunk: int = 8192) -> None:
    """The roster's rows: each chunk's cells decided column by column, then written row by row (xlsxwriter's
    order). The same cells as :func:`plan_cell` per cell, at a county's 2.7M cells without its per-cell dispatch."""
    ws, fmt = sh.ws, sh.fmt
    styles = {False: [fmt["text"], fmt["date"], fmt["number"], fmt["text"]],
              True: [fmt["text_bad"], fmt["date_bad"], fmt["number_bad"], fmt["text_bad"]]}
    write = [lambda r, c, v, f: ws.write_blank(r, c, None, f), ws.write_datetime, ws.write_number, ws.write_string]
    bulk = getattr(ws, "write_cells", None)  # FastWorksheet: a row's records stored at once
    for a in range(0, len(bad), chunk):
        plans = [_plan(col[a:a + chunk], kind, sh.mask) for col, kind in zip(columns, kinds)]
        for c, plan in enumerate(plans):
            sh.seen(c, _widest(plan, sh.widths.get(c, 0)))
        for i, row in enumerate(zip(*plans), start=a):
            r, style = top + i, styles[bool(bad[i])]
            if bulk is not None:
                bulk(r, 0, row, style)
                continue
            for c, (how, v) in enumerate(row):
                write[how](r, c, v, style[how])


WIDEST = 60  # no sheet's column is made wider than this: beyond it, a column's texts need no measuring


def _widest(plan: list[tuple[int, Any]], known: int) -> int:
    """The display width of the widest cell of a column (up to :data:`WIDEST`); a text_width is at most twice
    the length, so only the longest texts are measured."""
    widest = known
    for t in sorted({v for how, v in plan if how == _TEXT}, key=len, reverse=True):
        if 2 * len(t) <= widest or widest >= WIDEST:
            break
        widest = max(widest, max(text_width(x) for x in t.split("\n")))
    numbers_ = [len(f"{v:g}") for how, v in plan if how == _NUMBER]
    return max(widest, 10 if any(how == _DATE for how, _ in plan) else 0, max(numbers_, default=0))
