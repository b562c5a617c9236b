"""Fill a copy of the official class ledger template: the ledgers sent to classes, and test fixtures.

openpyxl keeps the template's dropdowns, widths and print set-up. Values are written as values: text that
looks like a formula stays text.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import openpyxl

from rosterkit.checking.fieldtypes import kind_of
from rosterkit.core.labels import norm_label
from rosterkit.core.template import META_SHEET, Template, load_template
from rosterkit.xlsx.atomic import atomic_output


def _put(ws: Any, row: int, col: int, value: Any, *, text: bool = False) -> None:
    cell = ws.cell(row=row, column=col)
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"  # never a formula, whatever the text starts with
    elif isinstance(value, (dt.date, dt.datetime)):
        cell.number_format = "yyyy-mm-dd"
    if text:
        # Pre-filled or not, the teacher may retype an ID here: its cell is text, whatever the template prepared.
        cell.number_format = "@"


def fill_ledger(
    dest: str | Path,
    *,
    meta: Mapping[str, Any] | None = None,
    roster: Sequence[Mapping[str, Any]] = (),
    log: Sequence[Mapping[str, Any]] = (),
    template: Template | None = None,
) -> Path:
    """Write a ledger at ``dest`` from the template: ``meta`` by label (学校, 班级 …) into 填表说明, and rows
    (dicts by column label) into 花名册 and 帮扶记录. Labels not in the template are an error."""
    tpl = template or load_template()
    wb = openpyxl.load_workbook(tpl.path)
    if meta:
        ws = wb[META_SHEET]
        where = {norm_label(c.value): c for row in ws.iter_rows() for c in row if isinstance(c.value, str)}
        for label, value in meta.items():
            cell = where.get(norm_label(label))
            if cell is None:
                raise KeyError(f"填表说明 has no label {label}")
            _put(ws, cell.row, cell.column + 1, value)
    for spec, rows in ((tpl.roster, roster), (tpl.log, log)):
        ws = wb[spec.name]
        columns = {f.label: i + 1 for i, f in enumerate(spec.fields)}
        texts = {f.label for f in spec.fields if kind_of(f).text}  # Excel would make an ID 4.3E+17
        for r, rec in enumerate(rows, start=spec.header_row + 1):
            for label, value in rec.items():
                if label not in columns:
                    raise KeyError(f"{spec.name} has no column {label}")
                if value is not None:
                    _put(ws, r, columns[label], value, text=isinstance(value, str) and label in texts)
    out = Path(dest)
    out.parent.mkdir(parents=True, exist_ok=True)
    with atomic_output(out) as tmp:
        wb.save(tmp)
    return out
