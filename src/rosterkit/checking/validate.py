"""Run a data sheet through cleaning and its template schema: cleaned frame + every problem, in one pass.

The frame's index is the Excel row number, so every failure of the lazily-run pandera schema still has a
cell (pandera reports some failures with ``index=None``; we never rely on its index for the place).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
import pandas as pd
import pandera.pandas as pa
from openpyxl.utils.cell import get_column_letter

from rosterkit.checking.fieldtypes import kind_of
from rosterkit.checking.read import Header, Records
from rosterkit.checking.schema import build_schema
from rosterkit.core import idcard, words
from rosterkit.core.masking import BIRTH_KEYS
from rosterkit.core.normalize import Clean, bad_parts
from rosterkit.core.phones import invalid_detail
from rosterkit.core.policy import Term
from rosterkit.core.template import Field, SheetSpec
from rosterkit.issues import Issue, display_value, make_issue


@dataclass(frozen=True)
class Fix:
    """An untidy value that was fixed, not reported: shown to the teacher as a note, never as an error."""

    sheet: str
    cell: str
    column: str
    before: str
    after: str
    note: str = ""  # why, when another field decided the value (对象「奶奶」→ 监护人: 该生的监护人是祖父母)


@dataclass
class SheetContext:
    """What the checks of one sheet need to name places and judge dates."""

    file: str
    spec: SheetSpec
    header: Header
    as_of: dt.date
    term: Term | None = None
    epoch_1904: bool = False  # the workbook counts serial dates from 1904 (a Mac Excel setting)
    report_date: dt.date | None = None  # the file's own 填报日期

    def date_rules(self) -> dict[str, Any]:
        """How a typed date is read here: the term places a year-less date, the report date settles 10.1."""
        # Without a 校历 the calendar year of the report date stands for the term.
        year = self.as_of.year
        term = (self.term.start, self.term.end) if self.term else (dt.date(year, 1, 1), dt.date(year, 12, 31))
        until = min(self.report_date or self.as_of, self.as_of)
        return {"epoch_1904": self.epoch_1904, "term": term, "until": until}

    def cell(self, key: str, row: int) -> str:
        return f"{get_column_letter(self.header.columns[key] + 1)}{row}"

    def issue(self, code: str, key: str, row: int, value: Any, **details: Any) -> Issue:
        f = self.spec.field(key)
        label = f.label if f else key
        return make_issue(code, file=self.file, sheet=self.spec.name, cell=self.cell(key, row), column=label,
                          value=value, row=row, **details)


def _date_rules(f: Field, ctx: SheetContext) -> dict[str, Any]:
    how = ctx.date_rules()
    if f.key in BIRTH_KEYS:  # a birth date is never in the term: 5月8日 or 5.8 is asked for its year instead
        how.update(term=None, until=None)
    return how


def _cleaner(f: Field, ctx: SheetContext) -> Callable[[Any], Clean]:
    return kind_of(f).cleaner(f, _date_rules(f, ctx))


def _shown(value: Any) -> str:
    if isinstance(value, tuple):
        return "、".join(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return display_value(value) or ""


def clean_records(records: Records, ctx: SheetContext, defaults: dict[str, Any] | None = None
                  ) -> tuple[pd.DataFrame, list[Fix]]:
    """Cleaned values by field key (the raw value kept where it could not be understood), and the fixes made."""
    defaults = defaults or {}
    data: dict[str, list[Any]] = {}
    fixes: list[Fix] = []
    for f in ctx.spec.fields:
        if f.key not in ctx.header.columns:
            continue
        clean = _cleaner(f, ctx)
        as_typed = kind_of(f).typed
        col: list[Any] = []
        # A column repeats its values (kinds, categories, mentors, dates): each distinct raw value is cleaned
        # once. Keyed by type too, since 1, 1.0 and True are equal but clean differently.
        seen: dict[tuple[type, Any], tuple[Any, Any, bool, str]] = {}
        for rec, row in zip(records.rows, records.excel_rows):
            raw = rec[f.key]
            key = (raw.__class__, raw)
            hashable = True
            try:
                hit = seen.get(key)
            except TypeError:  # an unhashable value: cleaned every time
                hashable, hit = False, None
            if hit is None:
                c = clean(raw)
                kept = as_typed(raw, ctx.epoch_1904) if as_typed else raw  # never a 1900 date
                value = c.value if c.problem is None or c.value is not None else kept
                fixed = False
                if value is None and f.key in defaults:
                    value = defaults[f.key]
                else:
                    fixed = c.changed and c.problem is None and value is not None
                hit = (None if isinstance(value, str) and not value else value, value, fixed, c.note)
                if hashable:
                    seen[key] = hit
            if hit[2]:
                typed = as_typed(raw, ctx.epoch_1904) if as_typed else raw  # 10.15, not 1900-01-10
                fixes.append(Fix(ctx.spec.name, ctx.cell(f.key, row), f.label, _shown(typed), _shown(hit[1]), hit[3]))
            col.append(hit[0])
        data[f.key] = col
    # From plain lists with the index given: a dict of Series would be aligned on their indexes first.
    frame = pd.DataFrame(data, index=pd.Index(records.excel_rows, name="row"), dtype=object)
    return frame, fixes


def _details(f: Field, code: str, value: Any) -> dict[str, Any]:
    if code == "type-error":
        kind = kind_of(f)
        return {"expected": kind.expected, "hint": kind.hint}
    if code == "value-not-allowed":
        shown = "、".join(f.allowed[:12]) + ("等" if len(f.allowed) > 12 else "")
        bad = bad_parts(value, f.allowed) if isinstance(value, tuple) else [str(value)]
        return {"allowed": shown, "closest": words.closest(f, bad)}
    if code == "id-format" and isinstance(value, str):
        return {"detail": idcard.format_problem(value) or "格式不正确"}
    if code == "phone-invalid":
        return {"detail": invalid_detail(value if isinstance(value, str) else "")}
    if code == "id-checksum" and isinstance(value, str):
        return {"expected": idcard.check_digit(value[:17])}
    if code == "format-invalid":
        return {"rule": f.note or f.rule}
    return {}


def run_schema_many(spec: SheetSpec, items: Sequence[tuple[pd.DataFrame, SheetContext]]) -> list[list[Issue]]:
    """Every per-column problem of many files' copies of one template sheet, in one lazy pass of its schema.

    The frames are stacked (a column a file lacks is absent there, not blank: its failures are dropped) and
    each failure goes back to its file and Excel row by position. Checking a class's rows costs a fraction
    of pandera's fixed cost per call, so one pass over a batch of files is several times faster.
    """
    found: list[list[Issue]] = [[] for _ in items]
    frames = [frame for frame, _ in items]
    if not frames or not any(len(f) for f in frames):
        return found
    big = pd.concat(frames, ignore_index=True, sort=False) if len(frames) > 1 else frames[0].reset_index(drop=True)
    try:
        build_schema(spec).validate(big, lazy=True)
        return found
    except pa.errors.SchemaErrors as err:
        cases = err.failure_cases
    starts = np.cumsum([0] + [len(f) for f in frames])
    for case in cases.itertuples(index=False):
        key, code = case.column, case.check
        f = spec.field(str(key))
        if f is None or pd.isna(case.index):
            continue  # a schema-level failure: headers are checked apart, with their own codes
        pos = int(case.index)
        i = int(np.searchsorted(starts, pos, side="right")) - 1
        frame, ctx = items[i]
        if key not in frame.columns:
            continue  # stacked with files that have the column: this one does not
        row = int(frame.index[pos - starts[i]])
        value = frame.iat[pos - starts[i], cast(int, frame.columns.get_loc(key))]  # columns are unique
        shown: Any = value
        if code == "value-not-allowed" and isinstance(value, str) and words.is_conditional(f, value):
            # a word whose meaning the deciding field would give, had it been filled: ask, do not guess
            found[i].append(ctx.issue("value-ambiguous", f.key, row, value, **words.ambiguity(f, value, spec.name)))
            continue
        details = _details(f, code, value)
        if code == "value-not-allowed" and isinstance(value, tuple):
            shown = "、".join(bad_parts(value, f.allowed))
        explain = kind_of(f).explain
        if code == "type-error" and explain is not None:  # which question to ask: the day of a month, 1 or 10
            code, asked = explain(value, **_date_rules(f, ctx))
            details.update(asked)  # (the frame holds the cell as typed: 10.1, never 1900-01-10)
        found[i].append(ctx.issue(code, f.key, row, None if code == "required-missing" else shown, **details))
    for issues, (_, ctx) in zip(found, items):
        issues.sort(key=lambda i: (i.row or 0, ctx.header.columns.get(_key_of(ctx, i), 0)))
    return found


def _key_of(ctx: SheetContext, issue: Issue) -> str:
    f = next((f for f in ctx.spec.fields if f.label == issue.column), None)
    return f.key if f else ""
