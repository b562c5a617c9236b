"""FastWorksheet writes the same bytes as xlsxwriter's own serializer, for every kind of cell and row."""

from __future__ import annotations

import datetime as dt
import io
import tempfile
import zipfile
from pathlib import Path
from typing import Any, Callable

import pytest
import xlsxwriter
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rosterkit.xlsx import fastsheet
from rosterkit.xlsx.fastsheet import FastWorkbook, FastWorksheet

Build = Callable[[xlsxwriter.Workbook, Any, dict[str, Any]], None]
FIXED_TIME = dt.datetime(2026, 11, 23, 8, 0, 0)  # docProps/core.xml carries the creation time


def _write(cls: type, build: Build, options: dict[str, Any] | None = None) -> dict[str, bytes]:
    """The members of the .xlsx that ``build`` makes with workbook class ``cls`` (on disk: in_memory would
    switch constant_memory off)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "t.xlsx"
        _build(cls(str(path), options or {}), build)
        with zipfile.ZipFile(path) as z:
            return {n: z.read(n) for n in z.namelist()}


def _build(wb: xlsxwriter.Workbook, build: Build) -> None:
    wb.set_properties({"created": FIXED_TIME})
    fmts = {"a": wb.add_format({"border": 1, "num_format": "@"}), "b": wb.add_format({"bold": True}),
            "d": wb.add_format({"num_format": "yyyy-mm-dd"}), "same": wb.add_format({"border": 1, "num_format": "@"})}
    build(wb, wb.add_worksheet("表一"), fmts)
    wb.close()


def _same(build: Build, options: dict[str, Any] | None = None) -> dict[str, bytes]:
    stock, fast = _write(xlsxwriter.Workbook, build, options), _write(FastWorkbook, build, options)
    assert list(fast) == list(stock)
    for name in stock:
        assert fast[name] == stock[name], name
    return fast


def test_the_fast_path_is_the_one_running() -> None:
    # If an xlsxwriter upgrade changed the cell records, the stock serializer would run (correct, but slow):
    # this says so rather than leaving the roster 10 s slower unnoticed.
    assert fastsheet.supported()
    wb = FastWorkbook(io.BytesIO(), {"in_memory": True})
    assert isinstance(wb.add_worksheet("x"), FastWorksheet)


def _every_kind(wb: xlsxwriter.Workbook, ws: Any, f: dict[str, Any]) -> None:
    ws.write_string(0, 0, 'a & <b> "c"', f["a"])
    ws.write_string(0, 3, "  spaced  ")
    ws.write_number(0, 1, 3.14159265358979, f["b"])
    ws.write_number(0, 2, 12345678901234567890)
    ws.write_blank(1, 0, None, f["a"])
    ws.write_blank(1, 1, None)  # no format: not stored at all
    ws.write_datetime(1, 2, dt.date(2016, 3, 3), f["d"])
    ws.write_datetime(1, 3, dt.datetime(2026, 11, 23, 14, 30), f["d"])
    ws.write_datetime(1, 4, dt.date(2016, 3, 3), f["d"])  # the same day again: converted once
    ws.write_formula(2, 0, "=A1&B1", f["a"], "x")
    ws.write_boolean(2, 1, True)
    ws.write_rich_string(2, 2, "一", f["b"], "二", "三")
    ws.write_url(2, 3, "https://example.org/a?b=1&c=2", string="链接")
    ws.write_array_formula(2, 4, 2, 4, "{=SUM(A1:B1)}")
    ws.write_string(2, 5, "same key", f["same"])  # a format whose key another already has
    ws.write_comment(4, 1, "only a comment on this row")
    ws.set_row(5, 30, f["b"])  # attributes only
    ws.set_row(6, None, f["b"])
    ws.write_blank(6, 3, None)  # takes the row's format
    ws.write_string(6, 2, "cell format wins", f["a"])
    ws.set_column(7, 8, 12, f["d"])
    ws.write_blank(7, 7, None)  # takes the column's format
    ws.write_number(7, 8, 42)
    ws.set_row(8, None, None, {"hidden": True, "level": 1})
    ws.write_string(8, 0, "hidden")
    ws.merge_range(20, 0, 21, 3, "merged", f["b"])
    ws.write_string(40, 30, "far right")  # another block of 16 rows, another span
    ws.write_comment(40, 31, "a comment widens the span")


def test_every_kind_of_cell_and_row() -> None:
    fast = _same(_every_kind)
    assert fast["xl/worksheets/sheet1.xml"].count(b"<v>42432</v>") == 2  # 2016-03-03, twice


def test_constant_memory_mode_writes_inline_strings_the_same() -> None:
    def build(wb: xlsxwriter.Workbook, ws: Any, f: dict[str, Any]) -> None:
        for r in range(40):
            ws.write_string(r, 0, f"第{r}行 & <x>", f["a"])
            ws.write_number(r, 1, r * 1.5)
            ws.write_datetime(r, 2, dt.date(2026, 9, 1) + dt.timedelta(days=r % 7), f["d"])
            ws.write_blank(r, 3, None, f["a"])

    fast = _same(build, {"constant_memory": True})
    assert b't="inlineStr"' in fast["xl/worksheets/sheet1.xml"]


def test_stock_serializer_when_unsupported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fastsheet, "_SUPPORTED", False)
    _same(_every_kind)


def test_an_empty_sheet() -> None:
    _same(lambda wb, ws, f: None)


_VALUES = st.one_of(
    st.text(max_size=12).map(lambda s: ("s", s)),
    st.floats(allow_nan=False, allow_infinity=False).map(lambda x: ("n", x)),
    st.integers(-10 ** 12, 10 ** 12).map(lambda x: ("n", x)),
    st.dates(dt.date(1900, 3, 1), dt.date(2100, 1, 1)).map(lambda d: ("d", d)),
    st.just(("blank", None)),
    st.booleans().map(lambda b: ("bool", b)),
    st.just(("formula", "=1+1")),
)
_CELLS = st.lists(st.tuples(st.integers(0, 60), st.integers(0, 20), _VALUES, st.sampled_from([None, "a", "b", "d"])),
                  max_size=80)
_ROWS = st.lists(st.tuples(st.integers(0, 60), st.sampled_from([None, "a", "b"]), st.sampled_from([None, 24])),
                 max_size=6)
_COLS = st.lists(st.tuples(st.integers(0, 20), st.sampled_from([None, "b", "d"])), max_size=4)


@given(cells=_CELLS, rows=_ROWS, cols=_COLS, comments=st.lists(st.tuples(st.integers(0, 60), st.integers(0, 20)),
                                                              max_size=3))
@settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
def test_any_sheet_is_written_the_same(cells: list[Any], rows: list[Any], cols: list[Any], comments: list[Any]
                                       ) -> None:
    def build(wb: xlsxwriter.Workbook, ws: Any, f: dict[str, Any]) -> None:
        for r, fmt, height in rows:
            ws.set_row(r, height, f.get(fmt) if fmt else None)
        for c, fmt in cols:
            ws.set_column(c, c, 10, f.get(fmt) if fmt else None)
        for r, c, (kind, v), fmt in cells:
            style = f.get(fmt) if fmt else None
            {"s": ws.write_string, "n": ws.write_number, "d": ws.write_datetime, "bool": ws.write_boolean,
             "formula": ws.write_formula, "blank": ws.write_blank}[kind](r, c, v, style)
        for r, c in comments:
            ws.write_comment(r, c, "注")

    _same(build)


def _rows_of_every_kind() -> list[list[tuple[int, Any]]]:
    from fractions import Fraction

    import numpy as np

    B, D, N, T = fastsheet.BLANK, fastsheet.DATE, fastsheet.NUMBER, fastsheet.TEXT
    return [
        [(T, "王小明"), (D, dt.date(2016, 3, 3)), (N, 7), (B, None), (T, "a & <b>")],
        [(T, "x" * 40_000), (N, 2.5), (N, np.float64(1.25)), (N, Fraction(1, 4)), (N, True)],  # over Excel's limit
        [(D, dt.datetime(2026, 11, 23, 9, 30)), (T, ""), (B, None), (N, -3), (T, "  空格  ")],
    ]


@pytest.mark.parametrize("options", [{}, {"constant_memory": True}])
@pytest.mark.parametrize("first_col", [0, 3, 16_382])  # the last: cells beyond the sheet's 16,384 columns
def test_write_cells_stores_what_the_write_methods_store(options: dict[str, Any], first_col: int) -> None:
    def one_by_one(wb: xlsxwriter.Workbook, ws: Any, f: dict[str, Any]) -> None:
        styles = [f["a"], f["d"], f["b"], f["a"]]
        write = [lambda r, c, v, s: ws.write_blank(r, c, None, s), ws.write_datetime, ws.write_number,
                 ws.write_string]
        for r, row in enumerate(_rows_of_every_kind(), start=1):
            for c, (kind, v) in enumerate(row, start=first_col):
                write[kind](r, c, v, styles[kind])

    def in_bulk(wb: xlsxwriter.Workbook, ws: Any, f: dict[str, Any]) -> None:
        for r, row in enumerate(_rows_of_every_kind(), start=1):
            ws.write_cells(r, first_col, row, [f["a"], f["d"], f["b"], f["a"]])

    expected = _write(xlsxwriter.Workbook, one_by_one, options)
    got = _write(FastWorkbook, in_bulk, options)
    assert got.keys() == expected.keys()
    for name in expected:
        assert got[name] == expected[name], name


def test_write_cells_refuses_what_write_number_refuses() -> None:
    wb = FastWorkbook(io.BytesIO(), {"in_memory": True})
    ws = wb.add_worksheet("x")
    fmt = wb.add_format()
    with pytest.raises(TypeError):
        ws.write_cells(0, 0, [(fastsheet.NUMBER, float("inf"))], [fmt] * 4)
