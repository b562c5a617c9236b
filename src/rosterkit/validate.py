"""Run a data sheet through cleaning and its template schema: cleaned frame + every problem, in one pass.

The frame's index is the Excel row number, so every failure of the lazily-run pandera schema still has a
cell (pandera reports some failures with ``index=None``; we never rely on its index for the place).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Callable, Sequence, cast

import numpy as np
import pandas as pd
import pandera.pandas as pa
from openpyxl.utils.cell import get_column_letter

from . import idcard, words
from .issues import Issue, display_value, make_issue
from .normalize import Clean, bad_parts, clean_date, clean_id, clean_integer, clean_phone, clean_text
from .policy import Term
from .read import Header, Records
from .schema import build_schema
from .template import Field, SheetSpec

EXPECTED = {"date": "日期", "integer": "整数"}
HINTS = {"date": "请写成 2026-09-01 或 2026年9月1日。", "integer": "请只填数字。"}


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

    def cell(self, key: str, row: int) -> str:
        return f"{get_column_letter(self.header.columns[key] + 1)}{row}"

    def issue(self, code: str, key: str, row: int, value: Any, **details: Any) -> Issue:
        f = self.spec.field(key)
        label = f.label if f else key
        return make_issue(code, file=self.file, sheet=self.spec.name, cell=self.cell(key, row), column=label,
                          value=value, row=row, **details)


def _cleaner(f: Field, ctx: SheetContext) -> Callable[[Any], Clean]:
    if f.type == "date":
        year = ctx.term.start.year if ctx.term else ctx.as_of.year
        return lambda raw: clean_date(raw, default_year=year)
    if f.type == "integer":
        return clean_integer
    if f.type == "id":
        return clean_id
    if f.type == "code":
        return lambda raw: clean_id(raw) if not isinstance(raw, float) else clean_text(raw)
    if f.type == "phone":
        return clean_phone
    if f.type in ("choice", "multi"):
        return words.choice_cleaner(f)  # the usual repairs, then the template's synonyms (同义词)
    return clean_text


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
        col: list[Any] = []
        # A column repeats its values (kinds, categories, mentors, dates): each distinct raw value is cleaned
        # once. Keyed by type too, since 1, 1.0 and True are equal but clean differently.
        seen: dict[tuple[type, Any], tuple[Any, Any, bool]] = {}
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
                value = c.value if c.problem is None or c.value is not None else raw
                fixed = False
                if value is None and f.key in defaults:
                    value = defaults[f.key]
                else:
                    fixed = c.changed and c.problem is None and value is not None
                hit = (None if isinstance(value, str) and not value else value, value, fixed)
                if hashable:
                    seen[key] = hit
            if hit[2]:
                fixes.append(Fix(ctx.spec.name, ctx.cell(f.key, row), f.label, _shown(raw), _shown(hit[1])))
            col.append(hit[0])
        data[f.key] = col
    # From plain lists with the index given: a dict of Series would be aligned on their indexes first.
    frame = pd.DataFrame(data, index=pd.Index(records.excel_rows, name="row"), dtype=object)
    return frame, fixes


def _details(f: Field, code: str, value: Any) -> dict[str, Any]:
    if code == "type-error":
        return {"expected": EXPECTED.get(f.type, "文本"), "hint": HINTS.get(f.type, "")}
    if code == "value-not-allowed":
        shown = "、".join(f.allowed[:12]) + ("等" if len(f.allowed) > 12 else "")
        bad = bad_parts(value, f.allowed) if isinstance(value, tuple) else [str(value)]
        return {"allowed": shown, "closest": words.closest(f, bad)}
    if code == "id-checksum" and isinstance(value, str):
        return {"expected": idcard.check_digit(value[:17])}
    if code == "format-invalid":
        return {"rule": f.note or f.rule}
    return {}


def run_schema(frame: pd.DataFrame, ctx: SheetContext) -> list[Issue]:
    """Every per-column problem of the sheet, found in one lazy pass of the template schema."""
    return run_schema_many(ctx.spec, [(frame, ctx)])[0]


def run_schema_many(spec: SheetSpec, items: Sequence[tuple[pd.DataFrame, SheetContext]]) -> list[list[Issue]]:
    """:func:`run_schema` for the frames of many files' copies of one template sheet, in one lazy pass.

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
        if code == "value-not-allowed" and isinstance(value, tuple):
            shown = "、".join(bad_parts(value, f.allowed))
        found[i].append(ctx.issue(code, f.key, row, None if code == "required-missing" else shown,
                                  **_details(f, code, value)))
    for issues, (_, ctx) in zip(found, items):
        issues.sort(key=lambda i: (i.row or 0, ctx.header.columns.get(_key_of(ctx, i), 0)))
    return found


def _key_of(ctx: SheetContext, issue: Issue) -> str:
    f = next((f for f in ctx.spec.fields if f.label == issue.column), None)
    return f.key if f else ""
