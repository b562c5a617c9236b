"""Issue 6 properties, 200 fixed examples: over class ledgers with random values of random types in random
cells, check (with its annotated copies), merge and follow-up never raise; every roster row read ends in the
merged roster or in the rows left out; every problem points at a cell that exists in the input.

Ledgers are written with xlsxwriter from the official template's labels (a few milliseconds each), so the
fixed profile stays affordable in CI.
"""

from __future__ import annotations

import datetime as dt
import math
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import xlsxwriter
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.utils.cell import column_index_from_string, coordinate_from_string

from builders import AS_OF, META, contact, student
from rosterkit import check
from rosterkit.checking.crosscheck import several_students
from rosterkit.cadence.inputs import follow_up
from rosterkit.core.idcard import digits_lost
from rosterkit.issues import CODES
from rosterkit import merge
from rosterkit.core.template import ID_LABEL, META_SHEET, VERSION_LABEL, load_template

TPL = load_template()
PROFILE = settings(max_examples=200, deadline=None, derandomize=True,
                   suppress_health_check=[HealthCheck.too_slow])


@dataclass(frozen=True)
class Formula:
    """A formula cell, with the result Excel would have saved, or none (as other programs write them)."""

    text: str
    cached: Any = None


VALUES = st.one_of(
    st.none(),
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=24),
    st.sampled_from(["=1+1", "+86 138", "-", "@x", "√", "男", "留守儿童、孤儿", "2026.9.1", "#N/A", " ", "4.30121E+17",
                     "430121201701010000", "１３８００１３８０００", "X" * 33_000]),
    st.integers(-10**18, 10**18),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.dates(dt.date(1900, 3, 1), dt.date(2099, 12, 31)),
    st.datetimes(dt.datetime(1900, 3, 1), dt.datetime(2099, 12, 31)),
    st.builds(Formula, st.sampled_from(["=ROW()", "=1/0", "=A1&\"x\"", "=DATE(2017,1,1)"]),
              st.one_of(st.none(), st.integers(0, 99), st.just("文本"))),
)
ROSTER_LABELS = [f.label for f in TPL.roster.fields]
LOG_LABELS = [f.label for f in TPL.log.fields]
SHEETS = {META_SHEET: 12, TPL.roster.name: len(ROSTER_LABELS), TPL.log.name: len(LOG_LABELS)}


@st.composite
def ledgers(draw: Any) -> dict[str, dict[tuple[int, int], Any]]:
    """One ledger as {sheet: {(row, col) 0-based: value}}: the template layout, valid students with random
    fields replaced, then random cells anywhere (the header and 填表说明 included) overwritten."""
    meta = {**META, "年级": "三年级", "班级": draw(st.sampled_from(["1班", "2班"])), ID_LABEL: TPL.id,
            VERSION_LABEL: TPL.version}
    sheets: dict[str, dict[tuple[int, int], Any]] = {name: {} for name in SHEETS}
    for r, (label, value) in enumerate(meta.items()):
        sheets[META_SHEET][(r, 0)], sheets[META_SHEET][(r, 1)] = label, value
    for name, labels in ((TPL.roster.name, ROSTER_LABELS), (TPL.log.name, LOG_LABELS)):
        sheets[name][(0, 0)] = name
        sheets[name].update({(1, c): label for c, label in enumerate(labels)})
    n = draw(st.integers(0, 5))
    for i in range(n):
        changes = draw(st.dictionaries(st.sampled_from(ROSTER_LABELS), VALUES, max_size=3))
        row = {**student(draw(st.integers(0, 12))), **changes}
        sheets[TPL.roster.name].update({(2 + i, ROSTER_LABELS.index(k)): v for k, v in row.items()})
    for i in range(draw(st.integers(0, 4))):
        row = {**contact(student(i % max(n, 1))["姓名"], dt.date(2026, 11, 2 + i)),
               **draw(st.dictionaries(st.sampled_from(LOG_LABELS), VALUES, max_size=2))}
        sheets[TPL.log.name].update({(2 + i, LOG_LABELS.index(k)): v for k, v in row.items()})
    for _ in range(draw(st.integers(0, 4))):
        sheet = draw(st.sampled_from(list(SHEETS)))
        sheets[sheet][(draw(st.integers(0, 9)), draw(st.integers(0, SHEETS[sheet] + 1)))] = draw(VALUES)
    return sheets


def write_ledger(path: Path, sheets: dict[str, dict[tuple[int, int], Any]]) -> None:
    """Each value with the writer of its own type: text stays text even when it starts with '='."""
    wb = xlsxwriter.Workbook(str(path), {"nan_inf_to_errors": True, "strings_to_numbers": False})
    date_fmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    for name, cells in sheets.items():
        ws = wb.add_worksheet(name)
        for (r, c), v in cells.items():
            if v is None:
                ws.write_blank(r, c, None)
            elif isinstance(v, Formula):
                ws.write_formula(r, c, v.text, None, v.cached if v.cached is not None else "")
            elif isinstance(v, str):
                ws.write_string(r, c, v)
            elif isinstance(v, bool):
                ws.write_boolean(r, c, v)
            elif isinstance(v, (dt.date, dt.datetime)):
                ws.write_datetime(r, c, v, date_fmt)
            elif isinstance(v, int) and abs(v) > 2**53:
                ws.write_string(r, c, str(v))  # Excel holds 15 digits; a longer number is typed as text
            else:
                ws.write_number(r, c, float(v) if not (isinstance(v, float) and math.isnan(v)) else v)
    wb.close()


def _used(sheets: dict[str, dict[tuple[int, int], Any]]) -> dict[str, tuple[int, int]]:
    """Sheet → (last row, last column), 1-based: the cells that exist in the input."""
    return {name: (max(r for r, _ in cells) + 1, max(c for _, c in cells) + 1) for name, cells in sheets.items()}


@PROFILE
@given(school=st.lists(ledgers(), min_size=1, max_size=2))
def test_check_merge_follow_up_never_raise_conserve_rows_and_point_at_real_cells(
        school: list[dict[str, dict[tuple[int, int], Any]]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        box = Path(tmp) / "收件箱"
        box.mkdir()
        for i, sheets in enumerate(school):
            write_ledger(box / f"班级{i}.xlsx", sheets)
        report = check(box, out=Path(tmp) / "结果", as_of=AS_OF, jobs=1)
        for f, sheets in zip(report.files, school):
            assert f.status in ("ok", "problems", "unreadable")
            assert "copy-failed" not in {i.code for i in f.issues}
            assert (f.annotated is not None) == bool(f.issues) and (f.annotated is None or f.annotated.exists())
            used = _used(sheets)
            for issue in f.issues:
                assert issue.code in CODES and issue.message
                if issue.cell:
                    letters, row = coordinate_from_string(issue.cell)
                    last_row, last_col = used[issue.sheet]
                    assert 1 <= row <= last_row and 1 <= column_index_from_string(letters) <= last_col, issue
            for role in ("roster", "log"):
                assert f.valid[role] + f.invalid[role] == f.rows[role]
        merged = merge(report, as_of=AS_OF)
        assert merged.rows_read == sum(f.rows["roster"] for f in report.files)
        assert len(merged.roster) + len(merged.left_out) == merged.rows_read
        cad = follow_up(merged, as_of=AS_OF)
        assert len(cad.students) == _owed(merged)


def _owed(merged: Any) -> int:
    """Students owed visits: the roster rows and the rows left out for errors, one per ID within a file (a
    student typed twice is one), none for a row holding two students (multiple-students)."""
    rows = [(f, r, rec) for f, r, rec in zip(merged.roster["source_file"], merged.roster["source_row"],
                                             merged.roster.to_dict("records"))]
    if len(merged.left_out):
        errors = merged.left_out[merged.left_out["kind"] == "errors"]
        rows += list(zip(errors["file"], errors["row"], errors["record"]))
    keys = set()
    for file, row, rec in rows:
        number = rec.get("id_number")
        if several_students(rec):
            continue
        one = isinstance(number, str) and number and not digits_lost(number)
        keys.add((file, number) if one else (file, int(row)))
    return len(keys)
