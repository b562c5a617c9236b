"""The coordinator's summary workbook: three sheets, read back cell by cell."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from printing import printed

from rosterkit.issues import Issue
from rosterkit.outputs.summary import SUMMARY_NAME, FileSummary, write_summary

FORMULA_TEXT = '=HYPERLINK("http://x","y")'


def issue(file, sheet, cell, code, severity="error", message="说明", value=None, column=None) -> Issue:
    return Issue(file, sheet, cell, column, value, code, severity, message)


FILES = [
    FileSummary("一班.xlsx", "ok", 30, 120, []),
    FileSummary(
        "二班.xlsx",
        "problems",
        28,
        95,
        [
            issue("二班.xlsx", "花名册", "D5", "id-checksum", value="430101201405061234", column="身份证号"),
            issue("二班.xlsx", "花名册", "P7", "phone-invalid", value="0123", column="监护人电话"),
            issue("二班.xlsx", "帮扶记录", "A3", "type-error", value=FORMULA_TEXT, column="日期"),
            issue("二班.xlsx", "花名册", "J9", "value-normalized", "warning", value="留守", column="类别"),
        ],
    ),
    FileSummary("三班.xls", "unreadable", 0, 0, [issue("三班.xls", None, None, "file-unreadable", message="打不开")]),
    FileSummary(
        "四班.xlsx",
        "problems",
        31,
        88,
        [
            issue("四班.xlsx", "花名册", "D9", "id-checksum", value="1.2E+17", column="身份证号"),
            issue("四班.xlsx", "花名册", "D10", "id-checksum", value="+8613800138000", column="身份证号"),
            issue("四班.xlsx", "花名册", "J3", "value-normalized", "warning", value="2026-09-01", column="类别"),
        ],
    ),
]


def values(ws) -> list[list[object]]:
    return [list(row) for row in ws.iter_rows(values_only=True)]


@pytest.fixture
def summary(tmp_path: Path) -> Path:
    return write_summary(tmp_path / "out" / SUMMARY_NAME, FILES)


def test_sheets_in_order(summary: Path) -> None:
    wb = openpyxl.load_workbook(summary)
    assert wb.sheetnames == ["文件", "问题", "按代码统计", "自动修正"]
    assert wb.active.title == "文件"


def test_files_sheet(summary: Path) -> None:
    ws = openpyxl.load_workbook(summary)["文件"]
    assert values(ws) == [
        ["文件", "状态", "花名册行数", "帮扶记录行数", "错误数", "警告数"],
        ["一班.xlsx", "通过", 30, 120, 0, 0],
        ["二班.xlsx", "有问题", 28, 95, 3, 1],
        ["三班.xls", "无法读取", 0, 0, 1, 0],
        ["四班.xlsx", "有问题", 31, 88, 2, 1],
        ["合计", "4 个文件", 89, 303, 6, 2],
    ]
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == "A1:F5"  # the total row stays out of the filter
    assert ws["A1"].font.bold and ws["A6"].font.bold
    assert all(c.data_type != "f" for row in ws.iter_rows() for c in row)


def test_issues_sheet(summary: Path) -> None:
    ws = openpyxl.load_workbook(summary)["问题"]
    assert values(ws) == [
        ["文件", "工作表", "单元格", "列名", "填写内容", "问题代码", "级别", "说明"],
        ["二班.xlsx", "花名册", "D5", "身份证号", "430101201405061234", "id-checksum", "错误", "说明"],
        ["二班.xlsx", "花名册", "P7", "监护人电话", "0123", "phone-invalid", "错误", "说明"],
        ["二班.xlsx", "帮扶记录", "A3", "日期", FORMULA_TEXT, "type-error", "错误", "说明"],
        ["二班.xlsx", "花名册", "J9", "类别", "留守", "value-normalized", "警告", "说明"],
        ["三班.xls", None, None, None, None, "file-unreadable", "错误", "打不开"],
        ["四班.xlsx", "花名册", "D9", "身份证号", "1.2E+17", "id-checksum", "错误", "说明"],
        ["四班.xlsx", "花名册", "D10", "身份证号", "+8613800138000", "id-checksum", "错误", "说明"],
        ["四班.xlsx", "花名册", "J3", "类别", "2026-09-01", "value-normalized", "警告", "说明"],
    ]
    # Text that looks like a formula, a number or a date stays text.
    assert ws["E4"].data_type == "s" and ws["E7"].data_type == "s" and ws["E9"].data_type == "s"
    assert ws["E8"].value == "+8613800138000" and ws["E8"].data_type == "s"
    assert ws.auto_filter.ref == "A1:H9"
    assert ws.freeze_panes == "A2"
    assert ws.column_dimensions["H"].width >= 60
    assert 8 <= ws.column_dimensions["A"].width <= 30
    assert ws["G2"].fill.fgColor.rgb[-6:] == "FFC7CE" and ws["G5"].fill.fgColor.rgb[-6:] == "FFEB9C"


def test_codes_sheet_sorted_by_count(summary: Path) -> None:
    ws = openpyxl.load_workbook(summary)["按代码统计"]
    assert values(ws) == [
        ["问题代码", "级别", "数量", "涉及文件数"],
        ["id-checksum", "错误", 3, 2],
        ["value-normalized", "警告", 2, 2],
        ["file-unreadable", "错误", 1, 1],
        ["phone-invalid", "错误", 1, 1],
        ["type-error", "错误", 1, 1],
    ]


def test_folder_destination_and_no_leftovers(tmp_path: Path) -> None:
    out = write_summary(tmp_path, FILES[:1])
    assert out == tmp_path / SUMMARY_NAME
    assert [p.name for p in tmp_path.iterdir()] == [SUMMARY_NAME]
    assert values(openpyxl.load_workbook(out)["按代码统计"]) == [["问题代码", "级别", "数量", "涉及文件数"]]


def test_empty_run(tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(write_summary(tmp_path / "s.xlsx", []))
    assert values(wb["文件"])[1] == ["合计", "0 个文件", 0, 0, 0, 0]
    assert values(wb["问题"]) == [["文件", "工作表", "单元格", "列名", "填写内容", "问题代码", "级别", "说明"]]


def test_overwrites_atomically(tmp_path: Path) -> None:
    dest = tmp_path / SUMMARY_NAME
    dest.write_bytes(b"old")
    write_summary(dest, FILES)
    assert openpyxl.load_workbook(dest).sheetnames == ["文件", "问题", "按代码统计", "自动修正"]
    assert [p.name for p in tmp_path.iterdir()] == [SUMMARY_NAME]


def test_unknown_status_is_rejected_before_writing(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="五班.xlsx"):
        write_summary(tmp_path / "s.xlsx", [FileSummary("五班.xlsx", "done", 1, 1, [])])
    assert list(tmp_path.iterdir()) == []


def _long(n: int) -> str:
    return "长" * n


@pytest.mark.parametrize("long", [False, True])
def test_every_sheet_prints_one_page_wide_at_8_pt_or_more(tmp_path: Path, long: bool) -> None:
    """Each sheet is a list: landscape A4, fit to one page wide with its 11 pt text at 8 pt or more, the header
    row on every page, pages numbered; with the longest names and values too (说明 then wraps narrower)."""
    files = FILES
    if long:
        files = [*FILES, FileSummary(_long(40) + ".xlsx", "problems", 1, 1, [
            issue(_long(40) + ".xlsx", _long(20), "AB1000", "id-checksum", value=_long(40), column=_long(20),
                  message=_long(200))])]
    wb = openpyxl.load_workbook(write_summary(tmp_path / SUMMARY_NAME, files))
    for ws in wb.worksheets:
        out = printed(ws)
        assert ws.page_setup.orientation == "landscape" and str(ws.page_setup.paperSize) == "9", ws.title
        assert ws.sheet_properties.pageSetUpPr.fitToPage and len(out.pages) == 1, ws.title
        assert 11 * out.scale >= 8, ws.title
        assert ws.print_title_rows.replace("$", "") == "1:1", ws.title
        assert "&P" in ws.oddFooter.center.text
