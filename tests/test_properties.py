"""Properties over generated ledgers: every row is accounted for, every problem points at a real cell."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Any

import openpyxl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.utils.cell import coordinate_from_string

from builders import AS_OF, contact, ledger, student
from rosterkit import check

ODD_VALUES = st.one_of(
    st.none(), st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=12), st.integers(-10**6, 10**18), st.floats(allow_nan=False, allow_infinity=False),
    st.dates(dt.date(1990, 1, 1), dt.date(2030, 12, 31)), st.sampled_from(["√", "=1+1", "  ", "男", "留守儿童、x"]),
)
FIELDS = ["姓名", "性别", "身份证号", "出生日期", "类别", "留守类型", "监护人姓名", "与学生关系", "监护人电话",
          "家庭住址", "帮扶教师", "建档日期", "民族", "是否住校"]


@st.composite
def rosters(draw: Any) -> list[dict[str, Any]]:
    n = draw(st.integers(1, 8))
    rows = []
    for i in range(n):
        changes = draw(st.dictionaries(st.sampled_from(FIELDS), ODD_VALUES, max_size=4))
        rows.append(student(i, **changes))
    return rows


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=rosters(), n_contacts=st.integers(0, 6))
def test_rows_conserved_and_places_real(rows: list[dict[str, Any]], n_contacts: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        names = [r["姓名"] if isinstance(r["姓名"], str) else "某某" for r in rows]
        contacts = [contact(names[i % len(names)], dt.date(2026, 11, 2 + i)) for i in range(n_contacts)]
        path = ledger(Path(tmp), students=rows, contacts=contacts)
        report = check([path], as_of=AS_OF, write=False)
        f = report.files[0]
        blank = sum(all(v in (None, "") or (isinstance(v, str) and not v.strip()) for k, v in r.items()
                        if k != "序号") for r in rows)
        assert f.rows["roster"] == len(rows) - blank
        assert f.rows["log"] == n_contacts
        for role in ("roster", "log"):
            assert f.valid[role] + f.invalid[role] == f.rows[role]
            if role in f.frames:
                assert int(f.frames[role]["valid"].sum()) == f.valid[role]
        wb = openpyxl.load_workbook(path, read_only=True)
        for issue in f.issues:
            if issue.cell:
                col, row = coordinate_from_string(issue.cell)
                assert issue.sheet in wb.sheetnames and 1 <= row <= wb[issue.sheet].max_row
