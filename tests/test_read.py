"""Reading what teachers return: moved headers, reordered and renamed columns, footers, untidy values."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Callable

import openpyxl
import pytest

from builders import AS_OF, ledger, student
from rosterkit import check

Edit = Callable[[openpyxl.Workbook], None]


def run(path: Path) -> Any:
    return check([path], as_of=AS_OF, write=False)


def edited(tmp_path: Path, fn: Edit, **kw: Any) -> Path:
    path = ledger(tmp_path, **kw)
    wb = openpyxl.load_workbook(path)
    fn(wb)
    wb.save(path)
    return path


def _rows_above(wb: openpyxl.Workbook) -> None:
    ws = wb["花名册"]
    ws.unmerge_cells("A1:AB1")
    ws.insert_rows(1, 3)
    ws["A1"] = "城关镇中心小学"


def _swap_columns(wb: openpyxl.Workbook) -> None:
    ws = wb["花名册"]
    for r in range(2, 6):  # 身份证号 (D) ↔ 家庭住址 (W)
        ws[f"D{r}"].value, ws[f"W{r}"].value = ws[f"W{r}"].value, ws[f"D{r}"].value


def _renamed_labels(wb: openpyxl.Workbook) -> None:
    ws = wb["花名册"]
    ws["B2"], ws["D2"], ws["O2"], ws["P2"] = "姓 名", "公民身份号码", "与学生关系（必填）", "监护人\n联系电话"
    ws["J2"] = "类别＊"


def _footer(wb: openpyxl.Workbook) -> None:
    ws = wb["花名册"]
    ws["A8"] = "填表人：周丽"
    ws["H8"] = "审核人："
    ws["A9"] = "日期：2026年11月20日"


def _numbered_blank_rows(wb: openpyxl.Workbook) -> None:
    ws = wb["花名册"]
    for r in range(6, 30):
        ws[f"A{r}"] = r - 2


def _renamed_sheet(wb: openpyxl.Workbook) -> None:
    wb["花名册"].title = "Sheet1"


@pytest.mark.parametrize("fn", [_rows_above, _swap_columns, _renamed_labels, _footer, _numbered_blank_rows,
                                _renamed_sheet], ids=lambda f: f.__name__.strip("_"))
def test_layout_changes_read_cleanly(tmp_path: Path, fn: Edit) -> None:
    report = run(edited(tmp_path, fn))
    assert report.flatten() == []
    assert report.files[0].rows == {"roster": 3, "log": 6}


def test_problem_cells_follow_the_moved_header(tmp_path: Path) -> None:
    students = [student(0), student(1, 监护人电话="123"), student(2)]
    assert run(edited(tmp_path, _rows_above, students=students)).flatten() == [["花名册", "P7", "phone-invalid"]]


def test_problem_cells_follow_reordered_columns(tmp_path: Path) -> None:
    students = [student(0), student(1, 身份证号="43012120170202101"), student(2)]
    assert run(edited(tmp_path, _swap_columns, students=students)).flatten() == [["花名册", "W4", "id-format"]]


def test_grade_and_class_come_from_the_instructions_sheet(tmp_path: Path) -> None:
    students = [student(0, 年级="四年级", 班级="1班"), student(1), student(2)]
    frame = run(ledger(tmp_path, students=students)).files[0].frames["roster"]
    assert list(frame["grade"]) == ["四年级", "三年级", "三年级"]
    assert list(frame["class"]) == ["1班", "2班", "2班"]


def test_untidy_values_are_fixed_and_noted_not_reported(tmp_path: Path) -> None:
    s = student(1)
    fullwidth_id = s["身份证号"][:6] + "".join(chr(ord(c) + 0xFEE0) for c in s["身份证号"][6:])
    students = [student(0), student(1, 身份证号=fullwidth_id, 建档日期="2026.9.15", 监护人电话="139 0731 1001",
                                      是否住校="√", 类别="留守儿童，单亲家庭", 留守类型="父母均外出",
                                      父亲务工地="广东省东莞市", 母亲务工地="浙江省义乌市", 性别=" 女 ",
                                      出生日期="2017年2月2日"), student(2)]
    report = run(ledger(tmp_path, students=students))
    assert report.flatten() == []
    fixed = {(f.cell, f.after) for f in report.files[0].fixes}
    assert {("D4", s["身份证号"]), ("AA4", "2026-09-15"), ("P4", "13907311001"), ("X4", "是"),
            ("J4", "留守儿童、单亲家庭"), ("F4", "2017-02-02")} <= fixed
    row = report.files[0].frames["roster"].loc[4]
    assert row["enrolled_on"] == dt.date(2026, 9, 15) and row["categories"] == ("留守儿童", "单亲家庭")
    assert row["id_number"] == s["身份证号"] and row["gender"] == "女"


def test_id_numbers_stay_text(tmp_path: Path) -> None:
    """A numeric-looking ID typed as text, and one ending in X, both stay 18-character strings."""
    x_id = "11010520170101002X"
    students = [student(0), student(1, 身份证号=x_id, 出生日期=dt.date(2017, 1, 1), 性别="女")]
    frame = run(ledger(tmp_path, students=students)).files[0].frames["roster"]
    assert list(frame["id_number"]) == [student(0)["身份证号"], x_id]
    assert all(isinstance(v, str) and len(v) == 18 for v in frame["id_number"])


def test_rows_are_accounted_for(tmp_path: Path) -> None:
    students = [student(0), student(1, 监护人电话="123", 监护人姓名=None), student(2, 性别="未知"), student(3)]
    report = run(ledger(tmp_path, students=students))
    f = report.files[0]
    assert f.rows["roster"] == 4 and f.invalid["roster"] == 2
    assert f.valid["roster"] + f.invalid["roster"] == f.rows["roster"]
    assert list(f.frames["roster"]["valid"]) == [True, False, False, True]


WANTED = ["花名册", "帮扶记录", "填表说明"]
EXAMPLE_XLS = Path(__file__).parent.parent / "examples" / "inbox" / "六年级1班_帮扶台账.xls"


def test_only_the_sheets_that_matter_are_read(tmp_path: Path) -> None:
    from rosterkit.checking.read import read_workbook

    raw = read_workbook(ledger(tmp_path), only=WANTED)
    assert sorted(raw.sheets) == sorted(WANTED)
    assert sorted(raw.skipped) == ["同义词", "字段", "选项"]  # the template's own definition sheets
    assert raw.sheet_names == ["填表说明", "花名册", "帮扶记录", "字段", "选项", "同义词"]
    whole = read_workbook(ledger(tmp_path, name="b.xlsx"))
    assert (whole.skipped, list(whole.sheets)) == ([], whole.sheet_names)
    assert whole.sheets["花名册"] == raw.sheets["花名册"]


@pytest.mark.parametrize("how", ["renamed", "xls"])
def test_a_renamed_sheet_or_another_format_is_read_whole(tmp_path: Path, how: str) -> None:
    from rosterkit.checking.read import read_workbook

    # A renamed 花名册 is found by its header, so every sheet is looked at; an .xls copy is rebuilt from the
    # cells, so every sheet is kept.
    path = edited(tmp_path, _renamed_sheet) if how == "renamed" else EXAMPLE_XLS
    raw = read_workbook(path, only=WANTED)
    assert raw.skipped == []
    assert list(raw.sheets) == raw.sheet_names and len(raw.sheets) >= 4
