"""The annotated copy handed back to teachers: marks at exactly the issue cells, their own formatting kept."""

from __future__ import annotations

import hashlib
import os
import re
import zipfile
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from libreoffice import convert, soffice_path
from openpyxl.comments import Comment
from openpyxl.styles import PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from rosterkit.issues import Issue
from rosterkit.outputs import annotate as annotate_mod
from rosterkit.xlsx import workbooks as workbooks_mod
from rosterkit.outputs.annotate import COMMENT_SEPARATOR, annotate_copy
from rosterkit.xlsx.workbooks import RESULT_SHEET
from rosterkit.xlsx.zippkg import Package, Unsupported

FORMULA_TEXT = '=HYPERLINK("http://x","y")'
TEACHER_GREEN = "CCFFCC"
OURS = {"FFC7CE", "FFEB9C"}


def issue(sheet, cell, code="id-checksum", severity="error", message="消息", value=None, column="列") -> Issue:
    return Issue("班级.xlsx", sheet, cell, column, value, code, severity, message)


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def marks(ws) -> dict[str, str]:
    """Cells carrying one of our fills -> its colour."""
    found = {}
    for row in ws.iter_rows():
        for c in row:
            color = str(c.fill.fgColor.rgb)[-6:]
            if c.fill.fill_type == "solid" and color in OURS:
                found[c.coordinate] = color
    return found


def comments(ws) -> dict[str, Comment]:
    return {c.coordinate: c.comment for row in ws.iter_rows() for c in row if c.comment is not None}


@pytest.fixture
def teacher_xlsx(tmp_path: Path) -> Path:
    wb = openpyxl.Workbook()
    wb.active.title = "填表说明"
    wb.active["A1"] = "学校"
    ws = wb.create_sheet("花名册")
    ws["A1"] = "特殊群体学生花名册"
    ws.append([])
    for col, label in enumerate(["序号", "姓名", "性别", "身份证号"], start=1):
        ws.cell(2, col, label)
    ws.cell(2, 16, "监护人电话")
    ws.append([1, "张三", "男", "430101201405061234"])
    ws.append([2, "李四", "女", "43010120140506"])
    ws.append([3, "王五", "男", "430101201401021235"])
    ws["P5"] = "1380013800"
    ws["B3"].fill = PatternFill(fill_type="solid", start_color=TEACHER_GREEN, end_color=TEACHER_GREEN)
    ws.column_dimensions["D"].width = 24
    ws["D4"].comment = Comment("这个号码我再问问家长", "张老师")
    ws["B5"].comment = Comment("转学生", "张老师")
    dv = DataValidation(type="list", formula1='"男,女"', allow_blank=True)
    dv.add("C3:C100")
    ws.add_data_validation(dv)
    ws.merge_cells("A10:B10")
    ws["A10"] = "合并"
    ws.print_area = "A1:P100"
    log = wb.create_sheet("帮扶记录")
    log.append(["日期", "学生姓名"])
    log.append(["2026-09-01", "张三"])
    log["A3"] = FORMULA_TEXT
    log["A3"].data_type = "s"
    wb.active = 1  # the teacher last looked at 花名册
    path = tmp_path / "src" / "三年级2班.xlsx"
    path.parent.mkdir()
    wb.save(path)
    return path


ISSUES = [
    issue("花名册", "D3", message="身份证号校验位不正确", value="430101201405061234", column="身份证号"),
    issue("花名册", "D4", code="id-format", message="身份证号格式不正确", value="43010120140506", column="身份证号"),
    issue("花名册", "D4", code="value-normalized", severity="warning", message="已自动规范", column="身份证号"),
    issue("花名册", "P5", code="phone-invalid", severity="warning", message="号码不正确", value="1380013800"),
    issue("帮扶记录", "A3", code="type-error", message="日期无法识别", value=FORMULA_TEXT, column="日期"),
    issue("字段", None, code="sheet-missing", message="缺少工作表「字段」", column=None),
    issue("不存在", "A1", message="别处"),
    issue("花名册", "B10", message="合并单元格里"),
]


@pytest.fixture
def annotated(teacher_xlsx: Path, tmp_path: Path) -> Path:
    return annotate_copy(teacher_xlsx, tmp_path / "out" / "三年级2班_批注.xlsx", ISSUES)


def test_source_bytes_unchanged(teacher_xlsx: Path, tmp_path: Path) -> None:
    before, mtime = sha(teacher_xlsx), teacher_xlsx.stat().st_mtime_ns
    annotate_copy(teacher_xlsx, tmp_path / "out.xlsx", ISSUES)
    assert sha(teacher_xlsx) == before
    assert teacher_xlsx.stat().st_mtime_ns == mtime


def test_fills_only_at_issue_cells(annotated: Path) -> None:
    wb = openpyxl.load_workbook(annotated)
    # D4 has an error and a warning: the error colour wins. B10 is inside A10:B10, so the anchor is marked.
    assert marks(wb["花名册"]) == {"D3": "FFC7CE", "D4": "FFC7CE", "P5": "FFEB9C", "A10": "FFC7CE"}
    assert marks(wb["帮扶记录"]) == {"A3": "FFC7CE"}
    assert marks(wb["填表说明"]) == {}


def test_comments_combined_and_teacher_comments_kept(annotated: Path) -> None:
    ws = openpyxl.load_workbook(annotated)["花名册"]
    found = comments(ws)
    assert set(found) == {"D3", "D4", "B5", "P5", "A10"}
    assert found["D3"].text == "身份证号校验位不正确"
    assert found["D3"].author == "rosterkit"
    assert found["D4"].text == f"这个号码我再问问家长\n{COMMENT_SEPARATOR}\n身份证号格式不正确\n已自动规范"
    assert (found["B5"].text, found["B5"].author) == ("转学生", "张老师")
    # openpyxl does not read comment sizes back; they live in the VML drawing.
    with zipfile.ZipFile(annotated) as z:
        vml = "".join(z.read(n).decode() for n in z.namelist() if n.endswith(".vml"))
    sizes = [(int(w), int(h)) for w, h in re.findall(r"width:(\d+)px;height:(\d+)px", vml)]
    assert sum(w >= 300 and h >= 4 * 17 for w, h in sizes) == 5  # ours: D3, D4, P5, A10 and 帮扶记录!A3


def test_teacher_formatting_kept(annotated: Path) -> None:
    wb = openpyxl.load_workbook(annotated)
    ws = wb["花名册"]
    assert ws["B3"].fill.fgColor.rgb[-6:] == TEACHER_GREEN
    assert ws.column_dimensions["D"].width == 24
    assert [str(dv.sqref) for dv in ws.data_validations.dataValidation] == ["C3:C100"]
    assert ws.print_area == "'花名册'!$A$1:$P$100"
    assert "A10:B10" in {str(r) for r in ws.merged_cells.ranges}
    assert ws["D3"].value == "430101201405061234"


def test_result_sheet_first_active_with_rows_and_links(annotated: Path) -> None:
    wb = openpyxl.load_workbook(annotated)
    assert wb.sheetnames == [RESULT_SHEET, "填表说明", "花名册", "帮扶记录"]
    ws = wb[RESULT_SHEET]
    assert wb.active.title == RESULT_SHEET
    assert [s.sheet_view.tabSelected for s in wb.worksheets] == [True, False, False, False]
    assert ws["A1"].value == "三年级2班.xlsx：共 8 个问题：错误 6 个，警告 2 个"
    assert [c.value for c in ws[3]] == ["序号", "工作表", "单元格", "列名", "填写内容", "问题代码", "级别", "说明"]
    assert ws["A3"].font.bold and ws["A3"].fill.fill_type == "solid"
    assert ws.freeze_panes == "A4"
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=4)]
    assert rows == [
        [1, "花名册", "D3", "身份证号", "430101201405061234", "id-checksum", "错误", "身份证号校验位不正确"],
        [2, "花名册", "D4", "身份证号", "43010120140506", "id-format", "错误", "身份证号格式不正确"],
        [3, "花名册", "D4", "身份证号", None, "value-normalized", "警告", "已自动规范"],
        [4, "花名册", "P5", "列", "1380013800", "phone-invalid", "警告", "号码不正确"],
        [5, "帮扶记录", "A3", "日期", FORMULA_TEXT, "type-error", "错误", "日期无法识别"],
        [6, "字段", None, None, None, "sheet-missing", "错误", "缺少工作表「字段」"],
        [7, "不存在", "A1", "列", None, "id-checksum", "错误", "别处"],
        [8, "花名册", "A10", "列", None, "id-checksum", "错误", "合并单元格里"],
    ]
    links = {c.coordinate: c.hyperlink for c in ws["C"] if c.hyperlink is not None}
    assert {k: (v.location, v.target) for k, v in links.items()} == {
        "C4": ("'花名册'!D3", None),
        "C5": ("'花名册'!D4", None),
        "C6": ("'花名册'!D4", None),
        "C7": ("'花名册'!P5", None),
        "C8": ("'帮扶记录'!A3", None),
        "C11": ("'花名册'!A10", None),
    }
    assert ws["C4"].font.underline == "single" and ws["C4"].font.color.rgb[-6:] == "0563C1"
    assert ws["H4"].alignment.wrap_text


def test_formula_like_text_stays_text(annotated: Path) -> None:
    wb = openpyxl.load_workbook(annotated)
    cell = wb[RESULT_SHEET]["E8"]
    assert (cell.value, cell.data_type) == (FORMULA_TEXT, "s")
    with zipfile.ZipFile(annotated) as z:
        sheet_xml = [n for n in z.namelist() if n.startswith("xl/worksheets/sheet")]
        assert not any(b"<f>" in z.read(n) or b"<f " in z.read(n) for n in sheet_xml)


def test_no_issues_still_gets_result_sheet(teacher_xlsx: Path, tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(annotate_copy(teacher_xlsx, tmp_path / "ok.xlsx", []))
    assert wb.sheetnames[0] == RESULT_SHEET
    assert wb[RESULT_SHEET]["A1"].value == "三年级2班.xlsx：共 0 个问题：错误 0 个，警告 0 个"
    assert marks(wb["花名册"]) == {} and set(comments(wb["花名册"])) == {"D4", "B5"}


def test_recheck_of_annotated_copy_replaces_old_marks(annotated: Path, tmp_path: Path) -> None:
    again = annotate_copy(annotated, tmp_path / "again.xlsx", [issue("花名册", "P5", message="还是不对")])
    wb = openpyxl.load_workbook(again)
    assert wb.sheetnames.count(RESULT_SHEET) == 1 and wb.sheetnames[0] == RESULT_SHEET
    assert wb[RESULT_SHEET].max_row == 4
    ws = wb["花名册"]
    assert marks(ws) == {"P5": "FFC7CE"}
    found = comments(ws)
    assert {k: v.text for k, v in found.items()} == {"D4": "这个号码我再问问家长", "B5": "转学生", "P5": "还是不对"}
    assert ws["B3"].fill.fgColor.rgb[-6:] == TEACHER_GREEN


def test_refuses_to_overwrite_source(teacher_xlsx: Path) -> None:
    before = sha(teacher_xlsx)
    with pytest.raises(ValueError):
        annotate_copy(teacher_xlsx, teacher_xlsx, ISSUES)
    assert sha(teacher_xlsx) == before


def test_failed_save_leaves_no_partial_file(teacher_xlsx: Path, tmp_path: Path, monkeypatch) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.xlsx").write_bytes(b"previous")

    def boom(self, filename):
        Path(filename).write_bytes(b"half")
        raise OSError("disk full")

    monkeypatch.setattr(openpyxl.Workbook, "save", boom)
    monkeypatch.setattr(Package, "write", boom)  # the byte-level copy's save
    with pytest.raises(OSError):
        annotate_copy(teacher_xlsx, out / "keep.xlsx", ISSUES)
    assert sorted(p.name for p in out.iterdir()) == ["keep.xlsx"]
    assert (out / "keep.xlsx").read_bytes() == b"previous"


FALLBACK = {
    "花名册": [
        ["姓名", "身份证号", "出生日期", "备注", "分数"],
        ["张三", "430101201405061234", date(2014, 5, 6), FORMULA_TEXT, 3.5],
        ["李四", "", datetime(2014, 1, 2, 0, 0), "#N/A", True],
    ],
    "帮扶记录": [["日期"], [datetime(2026, 9, 1, 8, 30)]],
}


def test_fallback_for_xls_builds_values_workbook(tmp_path: Path) -> None:
    src = tmp_path / "三年级2班.xls"
    src.write_bytes(b"\xd0\xcf\x11\xe0 not opened by openpyxl")
    before = sha(src)
    fallback_issues = [issue("花名册", "B2", message="校验位不对"), issue("花名册", "D3", severity="warning")]
    out = annotate_copy(src, tmp_path / "三年级2班_批注.xlsx", fallback_issues, fallback_sheets=FALLBACK)
    assert sha(src) == before
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == [RESULT_SHEET, "花名册", "帮扶记录"]
    ws = wb["花名册"]
    assert [c.value for c in ws[2]] == ["张三", "430101201405061234", datetime(2014, 5, 6), FORMULA_TEXT, 3.5]
    assert (ws["D2"].data_type, ws["D3"].data_type, ws["D3"].value) == ("s", "s", "#N/A")
    assert ws["C2"].number_format == "yyyy-mm-dd" and ws["C3"].number_format == "yyyy-mm-dd"
    assert ws["B3"].value is None and ws["E3"].value is True
    assert wb["帮扶记录"]["A2"].number_format == "yyyy-mm-dd hh:mm:ss"
    assert marks(ws) == {"B2": "FFC7CE", "D3": "FFEB9C"}
    assert comments(ws)["B2"].text == "校验位不对"
    note = wb[RESULT_SHEET]["A2"].value
    assert ".xls" in note and "不是 .xlsx" in note and "格式" in note
    assert wb[RESULT_SHEET]["C4"].hyperlink.location == "'花名册'!B2"


def test_fallback_for_unloadable_xlsx(tmp_path: Path) -> None:
    src = tmp_path / "坏文件.xlsx"
    src.write_bytes(b"this is not a zip file")
    out = annotate_copy(src, tmp_path / "out.xlsx", [issue("花名册", "A2")], fallback_sheets=FALLBACK)
    wb = openpyxl.load_workbook(out)
    assert marks(wb["花名册"]) == {"A2": "FFC7CE"}
    assert "无法按 .xlsx 格式完整读取" in wb[RESULT_SHEET]["A2"].value


def test_fallback_sheet_names_are_sanitised(tmp_path: Path) -> None:
    src = tmp_path / "a.ods"
    src.write_bytes(b"")
    sheets = {"名单[1]/2": [["x"]], "名单_1__2": [["y"]]}
    out = annotate_copy(src, tmp_path / "a.xlsx", [issue("名单[1]/2", "A1")], fallback_sheets=sheets)
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == [RESULT_SHEET, "名单_1__2", "名单_1__2_2"]
    assert wb[RESULT_SHEET]["C4"].hyperlink.location == "'名单_1__2'!A1"
    assert marks(wb["名单_1__2"]) == {"A1": "FFC7CE"}


def test_non_xlsx_without_fallback_raises(tmp_path: Path) -> None:
    src = tmp_path / "a.xls"
    src.write_bytes(b"x")
    with pytest.raises(ValueError):
        annotate_copy(src, tmp_path / "a.xlsx", [])
    assert not (tmp_path / "a.xlsx").exists()


cells = st.tuples(st.sampled_from("ABCD"), st.integers(1, 5)).map(lambda t: f"{t[0]}{t[1]}")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(cells, st.sampled_from(["error", "warning"])), max_size=8))
def test_marks_match_issues(tmp_path: Path, spots: list[tuple[str, str]]) -> None:
    src = tmp_path / "p.xlsx"
    if not src.exists():
        wb = openpyxl.Workbook()
        wb.active.title = "花名册"
        wb.save(src)
    issues = [issue("花名册", c, severity=s, message=f"{c}-{n}") for n, (c, s) in enumerate(spots)]
    wb = openpyxl.load_workbook(annotate_copy(src, tmp_path / "p_out.xlsx", issues))
    expected = {}
    for c, s in spots:
        expected[c] = "FFC7CE" if s == "error" or expected.get(c) == "FFC7CE" else "FFEB9C"
    assert marks(wb["花名册"]) == expected
    texts = {k: v.text for k, v in comments(wb["花名册"]).items()}
    assert texts == {c: "\n".join(i.message for i in issues if i.cell == c) for c in expected}


def _soffice(tmp_path: Path) -> str:
    return soffice_path()


def _convert(exe: str, tmp_path: Path, file: Path, fmt: str) -> Path:
    return convert(file, fmt, tmp_path)


def test_libreoffice_renders_annotated_copy_to_pdf(annotated: Path, tmp_path: Path) -> None:
    pdf = _convert(_soffice(tmp_path), tmp_path, annotated, "pdf")
    assert pdf.exists() and pdf.stat().st_size > 0
    assert pdf.read_bytes().startswith(b"%PDF")


def test_libreoffice_reads_links_as_internal(annotated: Path, tmp_path: Path) -> None:
    ods = _convert(_soffice(tmp_path), tmp_path, annotated, "ods")
    with zipfile.ZipFile(ods) as z:
        content = z.read("content.xml").decode()
    # Internal links become "#Sheet.Cell" in ODF; an external link would name a file before the '#'.
    assert 'xlink:href="#&apos;花名册&apos;.D3"' in content
    assert ".xlsx#" not in content


def test_module_never_writes_source(teacher_xlsx: Path, tmp_path: Path, monkeypatch) -> None:
    # The source is read once as bytes; openpyxl never gets the path, so it cannot write or lock it.
    # The byte-level path gets the same bytes; the openpyxl path (forced here) gets them as a buffer.
    seen: list[object] = []
    real_fast = annotate_mod.fast_copy
    monkeypatch.setattr(annotate_mod, "fast_copy", lambda data, *a: seen.append(data) or real_fast(data, *a))
    annotate_copy(teacher_xlsx, tmp_path / "fast.xlsx", [])
    assert len(seen) == 1 and isinstance(seen[0], bytes)
    seen.clear()

    def refuse(*a, **k):
        raise Unsupported("forced")
    monkeypatch.setattr(annotate_mod, "fast_copy", refuse)
    real = workbooks_mod.load_workbook
    monkeypatch.setattr(workbooks_mod, "load_workbook", lambda f, **kw: seen.append(f) or real(f, **kw))
    annotate_copy(teacher_xlsx, tmp_path / "x.xlsx", [])
    assert len(seen) == 1 and not isinstance(seen[0], (str, os.PathLike))


def test_xml_entities_are_refused(teacher_xlsx: Path, tmp_path: Path) -> None:
    # openpyxl parses with defusedxml when it is installed; an entity bomb must not be expanded.
    from openpyxl import DEFUSEDXML

    assert DEFUSEDXML is True
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(teacher_xlsx) as zin, zipfile.ZipFile(bomb, "w") as zout:
        for name in zin.namelist():
            data = zin.read(name)
            if name == "xl/workbook.xml":
                data = data.replace(b"<workbook", b'<!DOCTYPE w [<!ENTITY a "aaaaaaaaaa">]><workbook', 1)
            zout.writestr(name, data)
    with pytest.raises(ValueError) as caught:
        annotate_copy(bomb, tmp_path / "x.xlsx", [])
    chain, exc = [], caught.value
    while exc is not None:
        chain.append(type(exc).__name__)
        exc = exc.__cause__ or exc.__context__
    assert "EntitiesForbidden" in chain
    out = annotate_copy(bomb, tmp_path / "y.xlsx", [], fallback_sheets=FALLBACK)
    assert "无法按 .xlsx 格式完整读取" in openpyxl.load_workbook(out)[RESULT_SHEET]["A2"].value
