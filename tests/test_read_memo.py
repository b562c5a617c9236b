"""The memoised header search, the footer test and the layout scan find what the plain versions find."""

from __future__ import annotations

import datetime as dt
import io
import math
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rosterkit.checking import read
from rosterkit.checking.ooxml import _scan
from rosterkit.checking.read import HEADER_SCAN_ROWS, Header, find_header, is_blank, match_label, norm_label
from rosterkit.core.template import Field, SheetSpec, load_template

TEMPLATE = load_template(None)
ROSTER = TEMPLATE.sheets["花名册"]
LOG = TEMPLATE.sheets["帮扶记录"]
# Labels that only a number, a truth value or a date cell prints as: the memo must not mix 1, 1.0 and True.
ODD = SheetSpec("odd", tuple(Field("odd", label, f"k{i}", "text", False) for i, label in
                             enumerate(["1", "1.0", "True", "0.0", "-0.0", "2026-09-01", "nan", "序号"])), 1)


def reference_find_header(rows: list[list[Any]], spec: SheetSpec) -> Header | None:
    """find_header as it was before it was memoised."""
    names = read._lookup(spec)
    best = (0, -1)
    for r, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        score = len({k for v in row if (k := match_label(v, names))})
        if score > best[0]:
            best = (score, r)
    if best[0] < 2:
        return None
    r = best[1]
    columns: dict[str, int] = {}
    unknown: list[tuple[int, str]] = []
    for c, v in enumerate(rows[r]):
        if is_blank(v):
            continue
        key = match_label(v, names)
        if key is None:
            unknown.append((c, str(v).strip()))
        else:
            columns.setdefault(key, c)
            if columns[key] != c:
                unknown.append((c, str(v).strip()))
    return Header(r + 1, columns, unknown)


def reference_is_footer(cells: list[Any]) -> bool:
    filled = [c for c in cells if not is_blank(c)]
    if not filled or len(filled) > 4 or not isinstance(filled[0], str):
        return False
    return norm_label(filled[0]).startswith(read.FOOTER_WORDS)


def _labels(spec: SheetSpec) -> list[str]:
    out = []
    for f in spec.fields:
        out += [f.label, *f.aliases, f" {f.label} ", f"{f.label}（必填）", f"{f.label}*", f"{f.label}：",
                f.label.replace("号", "\n号")]
    return out


_POOL = _labels(ROSTER) + _labels(LOG) + _labels(ODD)
cell = st.one_of(
    st.sampled_from(_POOL), st.text(max_size=8), st.sampled_from(["", " ", None]), st.booleans(),
    st.integers(-2, 3), st.sampled_from([0.0, -0.0, 1.0, 2.5, math.nan, math.inf]),
    st.dates(dt.date(2026, 8, 30), dt.date(2026, 9, 2)), st.just(dt.datetime(2026, 9, 1)),
    st.text(min_size=read.MEMO_MAX_LEN, max_size=read.MEMO_MAX_LEN + 2),
)
sheets = st.lists(st.lists(cell, max_size=12), max_size=8)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=sheets, spec=st.sampled_from([ROSTER, LOG, ODD]))
def test_find_header_equals_plain_search(rows: list[list[Any]], spec: SheetSpec) -> None:
    expected = reference_find_header(rows, spec)
    for _ in range(2):  # the second time through the memo
        assert find_header(rows, spec) == expected


@settings(max_examples=300, deadline=None)
@given(row=st.lists(st.one_of(cell, st.sampled_from(["填表人：周丽", "审核人：", " 合计 ", "签字"])), max_size=8))
def test_footer_test_equals_plain_one(row: list[Any]) -> None:
    assert read._is_footer(row) == reference_is_footer(row)


def test_numbers_and_dates_are_matched_by_their_own_text() -> None:
    row = [1, 1.0, True, 0.0, -0.0, dt.date(2026, 9, 1), math.nan, "序号"]
    for _ in range(2):
        header = find_header([row], ODD)
        assert header == reference_find_header([row], ODD)
        assert header is not None and header.columns == {"k0": 0, "k1": 1, "k2": 2, "k3": 3, "k4": 4, "k5": 5,
                                                          "k6": 6, "k7": 7}


def test_unhashable_cells_still_searched() -> None:
    rows = [[["a list"], "姓名", "身份证号", "性别"]]
    assert find_header(rows, ROSTER) == reference_find_header(rows, ROSTER)


def test_real_ledger_header_found_again_and_again() -> None:
    rows = [["特殊群体学生花名册"], ["序号", "姓名", "性别", "身份证号"], [1.0, "张三", "男", "430121201908065890"]]
    first = find_header(rows, ROSTER)
    assert first == reference_find_header(rows, ROSTER)
    assert first is not None and first.row == 2
    first.columns.clear()  # a caller changing its header does not change the next caller's
    assert find_header(rows, ROSTER) == reference_find_header(rows, ROSTER)


def test_matcher_memo_is_bounded() -> None:
    matcher = read._matcher(ROSTER)
    for i in range(matcher.MEMO_CAP + 10):
        matcher.key(f"学生{i}")
    assert len(matcher.memo) <= matcher.MEMO_CAP


def test_layout_scan_still_finds_formulas_with_and_without_prefix() -> None:
    xml = (b'<worksheet><sheetData><row r="1"><c r="A1"><f>1+1</f></c><c r="B1"><f t="shared" si="0"/></c>'
           b'<c r="C1"><f>2</f><v>2</v></c></row><x:row r="2"><x:c r="D2"><x:f>3</x:f></x:c></x:row>'
           b'<row r="3" hidden="1"></row></sheetData></worksheet>')
    scan = _scan(io.BytesIO(xml))
    assert scan.formulas_without_value == ["A1", "B1", "D2"]
    assert scan.hidden_rows == {3}
    assert _scan(io.BytesIO(b'<worksheet><row r="1"><c r="A1" t="s"><v>0</v></c></row></worksheet>')) \
        .formulas_without_value == []


@pytest.mark.parametrize("spec", [ROSTER, LOG, ODD], ids=["roster", "log", "odd"])
@pytest.mark.parametrize("before", [[], [["标题"]], [["姓名", "性别"]]], ids=["top", "title", "partial"])
def test_search_stops_at_a_row_naming_every_field(spec: SheetSpec, before: list[list[Any]]) -> None:
    """A row naming every field ends the search: rows after it (a second header, data) cannot change it."""
    full = [f.label for f in spec.fields]
    rows = before + [full, full + ["多余"], [f"{f.label}*" for f in spec.fields]] + [["x"] * len(full)] * 3
    found = find_header(rows, spec)
    assert found == reference_find_header(rows, spec)
    assert found is not None and found.row == len(before) + 1 and found.unknown == []
