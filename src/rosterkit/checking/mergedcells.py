"""Merged ranges over the data rows of a sheet: each covered row takes the range's value.

A teacher merges 帮扶教师 over the three students one teacher mentors, or 家庭住址 over siblings; Excel then keeps
the value in the range's first cell only and every reader sees the other rows blank. The value is meant for each
row, so each covered cell of the first column gets it, with a 自动修正 note per cell (the ``cell-merged`` warning
still asks the teacher to unmerge). Cells right of the first column of a range are not filled: a value never
belongs to another field.
"""

from __future__ import annotations

from typing import Any

from openpyxl.utils import get_column_letter

from rosterkit.checking.read import Header, is_blank
from rosterkit.checking.validate import Fix
from rosterkit.issues import display_value


def fill_merged(rows: list[list[Any]], merged: list[tuple[int, int, int, int]], header: Header, sheet: str
                ) -> tuple[list[list[Any]], list[Fix]]:
    """``rows`` with the covered cells of merged ranges below the header filled (the rows changed are copies:
    the raw cells stay as read, for the annotated copy), and one :class:`Fix` per filled cell.

    ``merged`` holds 1-based (first row, first column, last row, last column) ranges, as the reader gives them.
    """
    fields = {c: k for k, c in header.columns.items()}
    labels = rows[header.row - 1] if header.row - 1 < len(rows) else []
    fixes: list[Fix] = []
    out = rows
    for r0, c0, r1, c1 in merged:
        col = c0 - 1
        if r0 <= header.row or r1 == r0 or col not in fields or r0 - 1 >= len(rows):
            continue  # over the header, one row only, or not a field's column
        anchor = rows[r0 - 1][col] if col < len(rows[r0 - 1]) else None
        if is_blank(anchor):
            continue
        span = f"{get_column_letter(c0)}{r0}:{get_column_letter(c1)}{r1}"
        label = str(labels[col]) if col < len(labels) and not is_blank(labels[col]) else fields[col]
        for r in range(r0, min(r1, len(rows))):  # 0-based index r is Excel row r + 1: the rows after the anchor
            if out is rows:
                out = list(rows)
            row = out[r] = list(out[r]) + [""] * max(0, col + 1 - len(out[r]))
            if not is_blank(row[col]):
                continue  # a value under the range (written by another program): it speaks for itself
            row[col] = anchor
            fixes.append(Fix(sheet, f"{get_column_letter(c0)}{r + 1}", label, f"合并单元格 {span} 的内容",
                             display_value(anchor) or ""))
    return out, fixes
