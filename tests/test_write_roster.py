"""The school roster workbook 学校花名册: read back with openpyxl and compared cell by cell with the merge."""

from __future__ import annotations

import datetime as dt
import math
import posixpath
import re
import zipfile
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import openpyxl
import pytest
from libreoffice import convert
from openpyxl.utils import get_column_letter
from printing import column_points, printed
from builders import AS_OF, ledger, student

from rosterkit.core.idcard import make_id
from rosterkit import merge
from rosterkit.merging.merge import MergeResult
from rosterkit.merging.school import ExpectedClass, SchoolInfo
from rosterkit.core.template import default_path
from rosterkit.core.values import text_width
from rosterkit.outputs.roster import MASKED_NAME, ROSTER_NAME, read_upward, write_school_roster

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
ON = dt.date(2026, 11, 23)
FOOTER = "填表人：　　审核人：　　日期：2026年11月23日"
FORMULA_NAME = '=HYPERLINK("x","y")'  # 19 characters: a valid 姓名
FORMULA_TEXT = '=HYPERLINK("http://x","y")'
ID_RE, MOBILE_RE = re.compile(r"\d{17}[\dXx]"), re.compile(r"1[3-9]\d{9}")
BAD_ID = make_id("430121", dt.date(2016, 3, 3), 172, False)[:-1] + "0"  # wrong check digit
SCHOOL = SchoolInfo(name="测试小学", term="2026年秋季学期", classes=(
    ExpectedClass("三年级", "1班", "周丽"), ExpectedClass("三年级", "2班", "李华"),
    ExpectedClass("四年级", "1班", "刘强"), ExpectedClass("四年级", "2班", "王芳"),
))
TWO = "困境儿童、单亲家庭"


def _meta(grade: str, klass: str, teacher: str) -> dict[str, Any]:
    return {"学校": "测试小学", "年级": grade, "班级": klass, "班主任": teacher, "填表人": teacher}


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> MergeResult:
    """Three classes sent, 四年级2班 missing. Student 1 is in two classes unchanged (a duplicate), student 0
    in two classes with another guardian phone (a conflict); one row of 三年级1班 has a bad ID (left out)."""
    inbox = tmp_path_factory.mktemp("inbox")
    ledger(inbox, "三年级1班.xlsx", meta=_meta("三年级", "1班", "周丽"), students=[
        student(0), student(1, 类别=TWO), student(2, 姓名=FORMULA_NAME, 备注=FORMULA_TEXT),
        student(6, 身份证号=BAD_ID)])
    ledger(inbox, "三年级2班.xlsx", meta=_meta("三年级", "2班", "李华"), students=[
        student(3, 类别="困境儿童"), student(1, 类别=TWO), student(0, 监护人电话="13800138000")])
    ledger(inbox, "四年级1班.xlsx", meta=_meta("四年级", "1班", "刘强"), students=[
        student(4), student(5, 类别="困境儿童")])
    return merge(inbox, school_info=SCHOOL, as_of=AS_OF)


@pytest.fixture(scope="module")
def small_book(small: MergeResult, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_school_roster(small, tmp_path_factory.mktemp("out") / ROSTER_NAME, on=ON)


@pytest.fixture(scope="module")
def masked_book(small: MergeResult, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_school_roster(small, tmp_path_factory.mktemp("masked") / MASKED_NAME, mask=True, on=ON)


@pytest.fixture(scope="module")
def example() -> MergeResult:
    return merge(EXAMPLES / "inbox", school_info=EXAMPLES / "学校信息.xlsx", as_of=AS_OF)


@pytest.fixture(scope="module")
def example_book(example: MergeResult, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_school_roster(example, tmp_path_factory.mktemp("ex"), on=ON)


def rows(ws: Any) -> list[list[Any]]:
    return [list(r) for r in ws.iter_rows(values_only=True)]


def template_labels() -> list[str]:
    wb = openpyxl.load_workbook(default_path("学校花名册"))
    return [c.value for c in wb.worksheets[0][2] if c.value is not None]


def expected(value: Any) -> Any:
    """A roster value as it should read back from the workbook."""
    if isinstance(value, tuple):
        return "、".join(value)
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return dt.datetime.combine(value, dt.time())
    if value is None or (isinstance(value, float) and math.isnan(value)) or value == "":
        return None
    return value


# ---- 花名册 -------------------------------------------------------------------------------------------------

def test_sheets_in_order(small_book: Path) -> None:
    assert openpyxl.load_workbook(small_book).sheetnames == ["花名册", "分类统计", "提交情况", "重复与冲突", "未纳入"]


def test_title_header_and_footer(small_book: Path, small: MergeResult) -> None:
    ws = openpyxl.load_workbook(small_book)["花名册"]
    assert ws["A1"].value == "测试小学特殊群体学生花名册（2026年秋季学期）"
    labels = template_labels()
    assert [c.value for c in ws[2]] == labels
    assert f"A1:{openpyxl.utils.get_column_letter(len(labels))}1" in {str(m) for m in ws.merged_cells.ranges}
    n = len(small.roster)
    assert ws.cell(n + 3, 1).value == FOOTER
    assert ws.max_row == n + 3


def test_example_title_uses_school_info(example_book: Path) -> None:
    ws = openpyxl.load_workbook(example_book)["花名册"]
    assert ws["A1"].value == "城关镇中心小学特殊群体学生花名册（2026—2027学年第一学期）"


@pytest.mark.parametrize("which", ["small", "example"])
def test_data_cells_equal_the_merged_roster(which: str, request: pytest.FixtureRequest) -> None:
    result: MergeResult = request.getfixturevalue(which)
    book = request.getfixturevalue(f"{which}_book")
    ws = openpyxl.load_workbook(book)["花名册"]
    keys = {v: k for k, v in result.labels.items()} | {"学校": "school"}
    header = [c.value for c in ws[2]]
    assert len(result.roster) > 0
    for i, rec in enumerate(result.roster.to_dict("records")):
        cells = ws[i + 3]
        assert cells[0].value == i + 1  # 序号 1..N
        for label, cell in zip(header, cells):
            assert cell.value == expected(rec[keys[label]]), (i, label)
        id_cell = cells[header.index("身份证号")]
        assert id_cell.data_type == "s" and len(id_cell.value) == 18
        assert isinstance(cells[header.index("出生日期")].value, dt.datetime)
        assert cells[header.index("出生日期")].number_format == "yyyy-mm-dd"
        assert cells[header.index("监护人电话")].data_type == "s"


@pytest.mark.parametrize("which", ["small", "example"])
def test_roster_prints_at_8_pt_or_more(which: str, request: pytest.FixtureRequest) -> None:
    """The 29 columns at 10 pt fit to one A4 page wide printed at 3.9 pt: now every column prints once, on
    landscape A4 pages across that each hold their columns, at a scale that keeps the text at 8 pt or more, with
    序号 … 姓名 and the header row repeated on every page and the pages numbered."""
    ws = openpyxl.load_workbook(request.getfixturevalue(f"{which}_book"))["花名册"]
    header = [c.value for c in ws[2]]
    assert ws.page_setup.orientation == "landscape" and str(ws.page_setup.paperSize) == "9"  # A4
    out = printed(ws)
    assert 10 * out.scale >= 8  # the body's 10 pt, as printed
    lead = header.index("姓名") + 1  # 序号 … 姓名
    assert out.pages[0] + [c for page in out.pages[1:] for c in page[lead:]] == list(range(1, len(header) + 1))
    assert all(out.page_width(page) <= out.room for page in out.pages)  # no page overflows into another
    assert len(out.pages) > 1  # 29 columns cannot be one legible A4 page wide
    assert ws.print_title_cols.replace("$", "") == f"A:{get_column_letter(lead)}"
    assert all(page[:lead] == list(range(1, lead + 1)) for page in out.pages)  # each page starts 序号 … 姓名
    assert ws.page_setup.pageOrder == "overThenDown"  # a stretch of rows' pages come out one after the other
    assert ws.print_title_rows.replace("$", "") == "2:2"  # the header on every page …
    assert ws["A1"].value in ws.oddHeader.center.text  # … and the title above it (row 1 spans all pages across)
    assert ws.print_area.replace("$", "").endswith(f"!A2:{get_column_letter(len(header))}{ws.max_row}")
    assert "&P" in ws.oddFooter.center.text and "&N" in ws.oddFooter.center.text
    assert ws.print_options.gridLines
    assert ws.freeze_panes == "A3"
    assert ws.row_dimensions[2].height >= 26  # long labels wrap onto a second line: the row holds both


def test_rows_with_wrapped_text_are_tall_enough(example_book: Path) -> None:
    """A row whose text is wider than its column gets the height of its lines (LibreOffice does not grow it and
    would draw the second line over the next row); the other rows keep the default height."""
    ws = openpyxl.load_workbook(example_book)["花名册"]
    points = column_points(ws, ws.max_column)
    unit = 10 * 2 / 3  # pixels of half a CJK character (a width unit) at 10 pt
    wraps, short = [], []
    for r in range(3, ws.max_row):  # the body, not the 填表人 line under it
        need = [(text_width(c.value) * unit, points[c.column] / 0.75) for c in ws[r] if isinstance(c.value, str)]
        height = ws.row_dimensions[r].height
        if any(text > px for text, px in need):  # wider than the whole column: wraps in any renderer
            wraps.append(r)
            assert height is not None and height >= 26, r
        elif all(text < px - 12 for text, px in need):  # room to spare everywhere
            short.append(r)
            assert height is None, r
    assert wraps and short


def test_narrow_layout_fits_one_page_wide(tmp_path: Path, small: MergeResult) -> None:
    """A layout that is legible one page wide keeps the simple setup: fit to width, title and header repeated."""
    def narrow(ws: Any) -> None:
        for c in range(8, ws.max_column + 1):
            ws.cell(2, c).value = None
    upward = _template_copy(tmp_path, narrow)
    ws = openpyxl.load_workbook(write_school_roster(small, tmp_path / "r.xlsx", upward=upward, on=ON))["花名册"]
    out = printed(ws)
    assert ws.sheet_properties.pageSetUpPr.fitToPage and len(out.pages) == 1
    assert 10 * out.scale >= 8 and not ws.print_title_cols and not ws.col_breaks.brk
    assert ws.print_title_rows.replace("$", "") == "1:2"


def test_column_widths(example_book: Path) -> None:
    """Wide enough for an ID or a 学籍号 on one line; long text wraps rather than widen its column; a label of
    four characters or more goes on two lines (身体/状况) rather than widen a column of short values."""
    ws = openpyxl.load_workbook(example_book)["花名册"]
    points = column_points(ws, ws.max_column)
    at = {c.value: points[c.column] / 0.75 for c in ws[2]}  # pixels
    digits = 7  # Excel's pixels per digit of the default font
    assert at["身份证号"] >= 18 * digits and at["学籍号"] >= 19 * digits
    assert at["家庭住址"] <= 24 * digits + 5 and at["类别"] <= 24 * digits + 5
    assert at["身体状况"] < 4 * 2 * digits  # its values are 2 characters: 身体/状况
    assert at["家庭住址"] > at["性别"]


@pytest.mark.parametrize(("sheet", "titles"), [("分类统计", "1:1"), ("提交情况", "2:2"), ("重复与冲突", ""),
                                             ("未纳入", "1:1")])
def test_other_sheets_print_at_8_pt_or_more(example_book: Path, sheet: str, titles: str) -> None:
    ws = openpyxl.load_workbook(example_book)[sheet]
    out = printed(ws)
    assert ws.page_setup.orientation == "landscape" and str(ws.page_setup.paperSize) == "9"
    assert 10 * out.scale >= 8 and all(out.page_width(page) <= out.room for page in out.pages)
    assert (ws.print_title_rows or "").replace("$", "") == titles  # a list's header on every page
    assert "&P" in ws.oddFooter.center.text


def test_chart_prints_beside_not_over_the_counts(example_book: Path) -> None:
    """The chart right of the counts goes to a page of its own rather than shrink the table to fit beside it."""
    ws = openpyxl.load_workbook(example_book)["分类统计"]
    table = len([c for c in ws[1] if c.value is not None])
    assert [b.id for b in ws.col_breaks.brk] == [table]  # a break after the table's last column
    assert not ws.sheet_properties.pageSetUpPr.fitToPage


def test_formula_text_stays_text(small_book: Path) -> None:
    ws = openpyxl.load_workbook(small_book)["花名册"]
    header = [c.value for c in ws[2]]
    row = next(r for r in ws.iter_rows(min_row=3) if r[header.index("姓名")].value == FORMULA_NAME)
    for label, text in (("姓名", FORMULA_NAME), ("备注", FORMULA_TEXT)):
        assert row[header.index(label)].value == text and row[header.index(label)].data_type == "s"
    with zipfile.ZipFile(small_book) as z:
        assert not any(b"<f>" in z.read(n) for n in z.namelist() if n.startswith("xl/worksheets/"))


def test_invalid_rows_kept_are_marked(tmp_path: Path, small: MergeResult) -> None:
    result = merge(small.report, school_info=SCHOOL, include_invalid=True)
    ws = openpyxl.load_workbook(write_school_roster(result, tmp_path / "r.xlsx", on=ON))["花名册"]
    header = [c.value for c in ws[2]]
    row = next(r for r in ws.iter_rows(min_row=3) if r[header.index("身份证号")].value == BAD_ID)
    assert "校验位" in row[header.index("备注")].value
    assert all(c.fill.fgColor.rgb == "FFFFC7CE" for c in row)
    ok = ws[3]
    assert ok[header.index("身份证号")].value != BAD_ID and ok[0].fill.fgColor.rgb != "FFFFC7CE"


# ---- layout read from the template --------------------------------------------------------------------------

def _template_copy(tmp_path: Path, change: Any) -> Path:
    wb = openpyxl.load_workbook(default_path("学校花名册"))
    change(wb.worksheets[0])
    path = tmp_path / "学校花名册_新.xlsx"
    wb.save(path)
    return path


def test_extra_template_column_is_an_empty_column(tmp_path: Path, small: MergeResult) -> None:
    labels = template_labels()
    upward = _template_copy(tmp_path, lambda ws: ws.cell(2, len(labels) + 1, "视力"))
    assert read_upward(upward).labels == (*labels, "视力")
    ws = openpyxl.load_workbook(write_school_roster(small, tmp_path / "r.xlsx", upward=upward, on=ON))["花名册"]
    assert [c.value for c in ws[2]] == [*labels, "视力"]
    n = len(small.roster)
    assert all(ws.cell(r, len(labels) + 1).value is None for r in range(3, n + 3))
    plain = openpyxl.load_workbook(write_school_roster(small, tmp_path / "plain.xlsx", on=ON))["花名册"]
    assert [c.value for c in ws[3]][:-1] == [c.value for c in plain[3]]  # the other columns are unchanged
    assert ws.cell(n + 3, 1).value == FOOTER


def test_reordered_template_columns(tmp_path: Path, small: MergeResult) -> None:
    def swap(ws: Any) -> None:
        ws["E2"], ws["F2"] = "性别", "姓名"  # template order: 姓名 then 性别
    upward = _template_copy(tmp_path, swap)
    ws = openpyxl.load_workbook(write_school_roster(small, tmp_path / "r.xlsx", upward=upward, on=ON))["花名册"]
    assert (ws["E2"].value, ws["F2"].value) == ("性别", "姓名")
    assert (ws["E3"].value, ws["F3"].value) == (small.roster["gender"][0], small.roster["name"][0])


# ---- 分类统计 ------------------------------------------------------------------------------------------------

def test_category_counts_hand_counted(small_book: Path) -> None:
    ws = openpyxl.load_workbook(small_book)["分类统计"]
    table = rows(ws)
    header = table[0]
    assert header[0] == "班级" and header[-1] == "学生数"
    start = next(i for i, r in enumerate(table) if r[0] == "按性别统计")
    by = {r[0]: dict(zip(header[1:], r[1:len(header)], strict=True)) for r in table[1:start] if r[0]}
    # 三年级1班: 0, 1(困境+单亲), 2 (the bad-ID row is left out); 三年级2班: 3(困境), 1(困境+单亲), 0
    assert by["三年级1班"] == {"困境儿童": 1, "建档立卡贫困家庭": 2, "单亲家庭": 1, "学生数": 3}
    assert by["三年级2班"] == {"困境儿童": 2, "建档立卡贫困家庭": 1, "单亲家庭": 1, "学生数": 3}
    assert by["四年级1班"] == {"困境儿童": 1, "建档立卡贫困家庭": 1, "单亲家庭": 0, "学生数": 2}
    # students 0 and 1 are in two classes: counted once in the grade and in the school
    assert by["三年级小计"] == {"困境儿童": 2, "建档立卡贫困家庭": 2, "单亲家庭": 1, "学生数": 4}
    assert by["全校合计"] == {"困境儿童": 3, "建档立卡贫困家庭": 3, "单亲家庭": 1, "学生数": 6}
    assert list(header[1:-1]) == ["困境儿童", "建档立卡贫困家庭", "单亲家庭"]  # the template's order
    assert table[start + 1][:4] == ["班级", "男", "女", "学生数"]
    gender = {r[0]: r[1:4] for r in table[start + 2:] if r[0]}
    assert gender["三年级1班"] == [2, 1, 3] and gender["三年级2班"] == [1, 2, 3]
    assert gender["全校合计"] == [3, 3, 6]


def test_example_school_total_is_distinct_students(example_book: Path, example: MergeResult) -> None:
    table = rows(openpyxl.load_workbook(example_book)["分类统计"])
    total = next(r for r in table if r[0] == "全校合计")
    assert total[table[0].index("学生数")] == example.roster["id_number"].nunique() == len(example.roster)


def _sheet_part(z: zipfile.ZipFile, name: str) -> str:
    ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
          "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships"}
    book = ElementTree.fromstring(z.read("xl/workbook.xml"))
    rid = next(s.get(f"{{{ns['r']}}}id") for s in book.find("m:sheets", ns) if s.get("name") == name)
    return "xl/" + _rels(z, "xl/workbook.xml")[rid]


def _rels(z: zipfile.ZipFile, part: str) -> dict[str, str]:
    folder, base = posixpath.split(part)
    root = ElementTree.fromstring(z.read(f"{folder}/_rels/{base}.rels"))
    return {r.get("Id"): r.get("Target") for r in root}


def test_chart_attached_to_stats_sheet(small_book: Path) -> None:
    with zipfile.ZipFile(small_book) as z:
        assert "xl/charts/chart1.xml" in z.namelist()
        sheet = _sheet_part(z, "分类统计")
        drawing = next(t for t in _rels(z, sheet).values() if "drawings/" in t)
        drawing = posixpath.normpath(posixpath.join(posixpath.dirname(sheet), drawing))
        charts = [posixpath.normpath(posixpath.join(posixpath.dirname(drawing), t))
                  for t in _rels(z, drawing).values()]
        assert "xl/charts/chart1.xml" in charts
        chart = z.read("xl/charts/chart1.xml").decode()
        assert '<c:barDir val="col"/>' in chart and '<c:grouping val="clustered"/>' in chart
        assert chart.count("<c:ser>") == 3  # one series per category present


# ---- 提交情况, 重复与冲突, 未纳入 ------------------------------------------------------------------------------

def test_submissions_name_the_missing_class(small_book: Path, example_book: Path) -> None:
    table = rows(openpyxl.load_workbook(small_book)["提交情况"])
    assert table[0][0] == "未提交：四年级2班（王芳）"
    assert table[1] == ["年级", "班级", "班主任", "状态", "文件", "填报日期", "逾期", "花名册行数", "错误数", "说明"]
    missing = next(r for r in table[2:] if r[1] == "2班" and r[0] == "四年级")
    assert missing[3] == "未提交"
    ws = openpyxl.load_workbook(small_book)["提交情况"]
    row = next(r for r in ws.iter_rows(min_row=3) if r[3].value == "未提交")
    assert row[0].fill.fgColor.rgb == "FFFFC7CE"
    sent = next(r for r in table[2:] if r[1] == "1班" and r[0] == "三年级")
    assert sent[4] == "三年级1班.xlsx" and isinstance(sent[5], dt.datetime) and sent[7] == 4
    example = rows(openpyxl.load_workbook(example_book)["提交情况"])
    assert example[0][0].startswith("未提交：六年级2班（曾晓玲）")


def test_duplicates_and_conflicts(small_book: Path, small: MergeResult) -> None:
    table = rows(openpyxl.load_workbook(small_book)["重复与冲突"])
    id0, id1 = student(0)["身份证号"], student(1)["身份证号"]
    dup = next(r for r in table if r[0] == id1)
    assert dup[1] == student(1)["姓名"]
    assert "三年级1班 三年级1班.xlsx 第" in dup[2] and "三年级2班 三年级2班.xlsx 第" in dup[2]
    con = next(r for r in table if r[0] == id0)
    assert con[2] == "监护人电话"
    assert student(0)["监护人电话"] in con[3] and "13800138000" in con[3]


def test_left_out_rows(small_book: Path, small: MergeResult) -> None:
    table = rows(openpyxl.load_workbook(small_book)["未纳入"])
    assert table[0] == ["文件", "班级", "行", "姓名", "身份证号", "原因", "问题"]
    assert len(table) - 1 == len(small.left_out) == 1
    file, klass, row, name, number, reason, problems = table[1]
    assert (file, klass, name, number) == ("三年级1班.xlsx", "三年级1班", student(6)["姓名"], BAD_ID)
    assert isinstance(row, int) and reason == "有错误，未纳入" and BAD_ID in problems


# ---- masked variant ---------------------------------------------------------------------------------------

def _personal(book: Path) -> list[str]:
    found = []
    for ws in openpyxl.load_workbook(book):
        for row in ws.iter_rows(values_only=True):
            for v in row:
                if isinstance(v, (str, int)) and (ID_RE.search(str(v)) or MOBILE_RE.search(str(v))):
                    found.append(f"{ws.title}: {v}")
    return found


def test_masked_workbook_has_no_id_or_mobile(masked_book: Path, small_book: Path) -> None:
    assert _personal(small_book)  # the check below would prove nothing otherwise
    assert {s.split(":")[0] for s in _personal(small_book)} >= {"花名册", "重复与冲突", "未纳入"}
    assert _personal(masked_book) == []
    wb = openpyxl.load_workbook(masked_book)
    assert wb["花名册"]["A1"].value == "测试小学特殊群体学生花名册（2026年秋季学期）（脱敏）"
    header = [c.value for c in wb["花名册"][2]]
    first = wb["花名册"][3]
    number = student(0)["身份证号"]
    assert first[header.index("身份证号")].value == number[:6] + "********" + number[-4:]
    phone = student(0)["监护人电话"]
    assert first[header.index("监护人电话")].value == phone[:3] + "****" + phone[-4:]
    assert wb["未纳入"]["E2"].value == BAD_ID[:6] + "********" + BAD_ID[-4:]


def test_example_masked_has_no_id_or_mobile(example: MergeResult, tmp_path: Path) -> None:
    result = merge(example.report, school_info=EXAMPLES / "学校信息.xlsx", include_invalid=True)
    book = write_school_roster(result, tmp_path, mask=True, on=ON)
    assert book.name == MASKED_NAME
    assert _personal(book) == []


# ---- file handling --------------------------------------------------------------------------------------

def test_atomic_write_leaves_no_temporary_file(small: MergeResult, tmp_path: Path) -> None:
    out = write_school_roster(small, tmp_path / "sub" / "花名册.xlsx", on=ON)
    assert out == tmp_path / "sub" / "花名册.xlsx"
    assert [p.name for p in out.parent.iterdir()] == ["花名册.xlsx"]


def test_converts_with_libreoffice(small_book: Path, tmp_path: Path) -> None:
    pdf = convert(small_book, "pdf", tmp_path)
    assert pdf.exists() and pdf.read_bytes()[:4] == b"%PDF"


def _every_cell(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    wb = openpyxl.load_workbook(path)
    return {ws.title: [(c.coordinate, c.value, c.number_format, c.fill.fgColor.rgb, c.border.left.style)
                       for row in ws.iter_rows() for c in row] for ws in wb.worksheets}


@pytest.mark.parametrize("which", ["small", "example"])
def test_streamed_roster_has_the_same_cells(which: str, request: pytest.FixtureRequest, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """A roster over STREAM_CELLS is written in constant_memory mode (inline strings, not shared ones): the
    workbook read back holds the same values, formats, fills and borders in every sheet."""
    import rosterkit.outputs.roster as roster_mod

    result = request.getfixturevalue(which)
    shared = write_school_roster(result, tmp_path / "shared.xlsx", on=AS_OF)
    monkeypatch.setattr(roster_mod, "STREAM_CELLS", 0)
    streamed = write_school_roster(result, tmp_path / "streamed.xlsx", on=AS_OF)
    with zipfile.ZipFile(shared) as a, zipfile.ZipFile(streamed) as b:
        assert "xl/sharedStrings.xml" in a.namelist() and b'inlineStr' not in a.read("xl/worksheets/sheet1.xml")
        assert b'inlineStr' in b.read("xl/worksheets/sheet1.xml")
    assert _every_cell(streamed) == _every_cell(shared)
