"""The byte-level annotated copy (zipannot): taken for template ledgers, and read back like the openpyxl path's."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from builders import with_macros
from libreoffice import convert
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill

from rosterkit.issues import Issue
from rosterkit.outputs import annotate as annotate_mod
from rosterkit.xlsx import workbooks as workbooks_mod
from rosterkit.xlsx import zipsheet
from rosterkit.outputs.annotate import (
    COMMENT_SEPARATOR,
    annotate_copy,
    fast_copy,
)
from rosterkit.xlsx.workbooks import RESULT_SHEET
from rosterkit.xlsx.zippkg import Unsupported

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "inbox"
LEDGER = EXAMPLES / "三年级2班_帮扶台账.xlsx"
OURS = {"FFC7CE", "FFEB9C"}


def issue(sheet: str | None, cell: str | None, severity: str = "error", message: str = "消息", **kw: Any) -> Issue:
    return Issue(kw.get("file", "班级.xlsx"), sheet, cell, kw.get("column", "列"), kw.get("value"),
                 kw.get("code", "id-checksum"), severity, message)


ISSUES = [
    issue("花名册", "D3", message="身份证号校验位不正确", value="430121201705051234", column="身份证号"),
    issue("花名册", "D3", "warning", "已自动规范"),
    issue("花名册", "B2", "warning", "表头有误"),  # a header cell with the template's own comment
    issue("花名册", "F4", message="出生日期不一致", value='=HYPERLINK("x","y")'),
    issue("花名册", "Z600", message="空单元格，行也不存在"),  # past the 500 rows the template prepares
    issue("花名册", "C1", message="合并单元格里"),  # inside A1:AB1: the anchor A1 is marked
    issue("帮扶记录", "A5", "warning", "日期"),
    issue("帮扶记录", "J200", message="表外"),
    issue("字段", None, code="sheet-missing", message="缺少"),
    issue("不存在", "A1", message="别处"),
    issue("花名册", "第9行", message="坏坐标"),
]


def marks(ws: Any) -> dict[str, str]:
    return {c.coordinate: str(c.fill.fgColor.rgb)[-6:] for row in ws.iter_rows() for c in row
            if c.fill.fill_type == "solid" and str(c.fill.fgColor.rgb)[-6:] in OURS}


def comments(ws: Any) -> dict[str, tuple[str, str]]:
    return {c.coordinate: (c.comment.text, c.comment.author) for row in ws.iter_rows() for c in row if c.comment}


def values(ws: Any) -> list[list[Any]]:
    return [[c.value for c in row] for row in ws.iter_rows()]


def rgb(color: Any) -> str | None:
    """An explicit RGB colour's last six digits; None for none or a theme colour (the default font's)."""
    return color.rgb[-6:] if color is not None and color.type == "rgb" else None


def slow_copy(src: Path, dest: Path, issues: list[Issue], monkeypatch: pytest.MonkeyPatch) -> Path:
    def refuse(*a: Any, **k: Any) -> None:
        raise Unsupported("forced")
    with monkeypatch.context() as m:
        m.setattr(annotate_mod, "fast_copy", refuse)
        return annotate_copy(src, dest, issues)


def test_fast_path_is_taken_for_a_template_ledger(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for src in sorted(EXAMPLES.glob("*.xlsx")):
        fast_copy(src.read_bytes(), src.name, ISSUES, "")  # no Unsupported
    called = []
    monkeypatch.setattr(workbooks_mod, "load_workbook", lambda *a, **k: called.append(1))
    annotate_copy(LEDGER, tmp_path / "a.xlsx", ISSUES)
    assert not called  # openpyxl never loaded the workbook


def test_fast_copy_reads_back_like_the_openpyxl_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fast = openpyxl.load_workbook(annotate_copy(LEDGER, tmp_path / "fast.xlsx", ISSUES))
    slow = openpyxl.load_workbook(slow_copy(LEDGER, tmp_path / "slow.xlsx", ISSUES, monkeypatch))
    src = openpyxl.load_workbook(LEDGER)
    assert fast.sheetnames == slow.sheetnames == [RESULT_SHEET, *src.sheetnames]
    assert fast.active.title == slow.active.title == RESULT_SHEET
    assert [s.sheet_view.tabSelected for s in fast] == [s.sheet_view.tabSelected for s in slow]
    for title in src.sheetnames:
        a, b = fast[title], slow[title]
        assert marks(a) == marks(b), title
        assert comments(a) == comments(b), title
        size = src[title].max_row, src[title].max_column
        assert [[a.cell(r, c).value for c in range(1, size[1] + 1)] for r in range(1, size[0] + 1)] == values(
            src[title]), title  # the teacher's data untouched
        assert a.sheet_state == src[title].sheet_state and a.print_area == src[title].print_area
        for ref in marks(a):  # the teacher's own format kept under our fill
            if src[title][ref].has_style:
                x, y = a[ref], src[title][ref]
                assert repr((x.font, x.border, x.number_format, x.alignment, x.protection)) == repr(
                    (y.font, y.border, y.number_format, y.alignment, y.protection)), ref
    ws = fast["花名册"]
    assert marks(ws) == {"D3": "FFC7CE", "B2": "FFEB9C", "F4": "FFC7CE", "Z600": "FFC7CE", "A1": "FFC7CE"}
    old = src["花名册"]["B2"].comment.text
    assert comments(ws)["B2"] == (f"{old}\n{COMMENT_SEPARATOR}\n表头有误", "rosterkit")
    assert comments(ws)["D3"] == ("身份证号校验位不正确\n已自动规范", "rosterkit")
    assert comments(ws)["C2"] == (src["花名册"]["C2"].comment.text, src["花名册"]["C2"].comment.author)
    # 校验结果: the same cells, formats, widths, heights, links, freeze, filter and print titles
    a, b = fast[RESULT_SHEET], slow[RESULT_SHEET]
    assert values(a) == values(b) and a["E7"].data_type == "s"
    for ra, rb in zip(a.iter_rows(), b.iter_rows()):
        for ca, cb in zip(ra, rb):
            assert (ca.font.b, ca.font.sz, ca.font.u, rgb(ca.font.color)) == (
                cb.font.b, cb.font.sz, cb.font.u, rgb(cb.font.color)), ca.coordinate
            assert (ca.fill.fgColor.rgb[-6:] if ca.fill.fill_type else None) == (
                cb.fill.fgColor.rgb[-6:] if cb.fill.fill_type else None), ca.coordinate
            assert (ca.alignment.vertical, bool(ca.alignment.wrap_text)) == (
                cb.alignment.vertical, bool(cb.alignment.wrap_text)), ca.coordinate
            assert (ca.hyperlink and (ca.hyperlink.location, ca.hyperlink.target)) == (
                cb.hyperlink and (cb.hyperlink.location, cb.hyperlink.target)), ca.coordinate
    assert {k: d.width for k, d in a.column_dimensions.items()} == {k: d.width for k, d in b.column_dimensions.items()}
    assert {r: d.height for r, d in a.row_dimensions.items() if d.height} == {
        r: d.height for r, d in b.row_dimensions.items() if d.height}
    assert (a.freeze_panes, a.auto_filter.ref, a.print_title_rows) == (
        b.freeze_panes, b.auto_filter.ref, b.print_title_rows) == ("A4", "A3:H14", "$3:$3")
    assert (a.page_setup.orientation, a.page_setup.fitToHeight, a.sheet_properties.pageSetUpPr.fitToPage) == (
        "landscape", 0, True)
    assert a["C4"].hyperlink.location == "'花名册'!D3" and a["C9"].hyperlink.location == "'花名册'!A1"


def test_fast_copy_members_and_order(tmp_path: Path) -> None:
    dest = annotate_copy(LEDGER, tmp_path / "a.xlsx", ISSUES)
    with zipfile.ZipFile(LEDGER) as a, zipfile.ZipFile(dest) as b:
        assert b.testzip() is None
        old = {n: a.read(n) for n in a.namelist()}
        new = {n: b.read(n) for n in b.namelist()}
        raw_same = {i.filename for i in a.infolist() if i.CRC == b.getinfo(i.filename).CRC}
    assert {"xl/theme/theme1.xml", "docProps/core.xml"} <= raw_same  # untouched members copied as they were
    sheet = new["xl/worksheets/sheet2.xml"].decode()
    rows = [int(r) for r in re.findall(r'<row r="(\d+)"', sheet)]
    assert rows == sorted(rows) and 600 in rows  # below the template's 500 prepared rows
    for body in re.findall(r"<row\b[^>]*>(.*?)</row>", sheet):
        cols = [openpyxl.utils.column_index_from_string(c) for c in re.findall(r'<c r="([A-Z]+)\d+"', body)]
        assert cols == sorted(cols)
    assert old["xl/worksheets/sheet2.xml"].count(b"<row ") + 1 == sheet.count("<row ")


def test_empty_cells_rows_and_a_sheet_without_comments(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "名单"
    for ref in ("A1", "E3", "A3", "B5"):
        ws[ref] = ref
    ws["E3"].font = Font(bold=True, color="FF0000")
    ws["B5"].fill = PatternFill(fill_type="solid", start_color="CCFFCC", end_color="CCFFCC")
    ws["A1"].comment = Comment("老师的批注", "张老师")
    wb.create_sheet("空表")
    src = tmp_path / "s.xlsx"
    wb.save(src)
    spots = [issue("名单", ref, sev) for ref, sev in
             (("A2", "error"), ("C3", "warning"), ("E3", "error"), ("A7", "warning"), ("A1", "error"),
              ("B5", "warning"), ("D4", "error"))] + [issue("空表", "C2")]
    fast = openpyxl.load_workbook(annotate_copy(src, tmp_path / "f.xlsx", spots))
    slow = openpyxl.load_workbook(slow_copy(src, tmp_path / "o.xlsx", spots, monkeypatch))
    for title in ("名单", "空表"):
        assert marks(fast[title]) == marks(slow[title]) and comments(fast[title]) == comments(slow[title])
        assert values(fast[title]) == values(slow[title])
    assert fast["名单"]["E3"].font.b and fast["名单"]["E3"].font.color.rgb[-6:] == "FF0000"
    assert comments(fast["名单"])["A1"] == (f"老师的批注\n{COMMENT_SEPARATOR}\n消息", "rosterkit")
    with zipfile.ZipFile(tmp_path / "f.xlsx") as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
        assert re.findall(r'<c r="([A-Z]+\d+)"', sheet) == ["A1", "A2", "A3", "C3", "E3", "D4", "B5", "A7"]
        assert '<dimension ref="A1:E7"/>' in sheet
        vml = [n for n in z.namelist() if n.endswith(".vml")]
        assert len(vml) == 2 and all(b"_x0000_t202" in z.read(n) for n in vml)


def test_macros_dropped_from_an_xlsm(tmp_path: Path) -> None:
    src = tmp_path / "m.xlsm"
    with_macros(LEDGER, src)
    fast_copy(src.read_bytes(), src.name, ISSUES, "")  # taken
    dest = annotate_copy(src, tmp_path / "m_out.xlsm", ISSUES)
    assert dest.suffix == ".xlsx"
    with zipfile.ZipFile(dest) as z:
        assert not [n for n in z.namelist() if "vba" in n.lower()]
        assert b"macroEnabled" not in z.read("[Content_Types].xml") and b"vbaProject" not in z.read(
            "xl/_rels/workbook.xml.rels")
    wb = openpyxl.load_workbook(dest)
    assert "原文件含有宏" in wb[RESULT_SHEET]["A2"].value


def test_return_copy_of_fast_annotated_copy_is_fast_too(tmp_path: Path) -> None:
    annotated = annotate_copy(LEDGER, tmp_path / "a.xlsx", ISSUES)
    sheet = zipsheet.Sheet("待办", [zipsheet.Cell(1, 1, "x")])
    zipsheet.insert_first_sheet(annotated, tmp_path / "b.xlsx", sheet, keep_first=RESULT_SHEET)  # no Unsupported
    wb = openpyxl.load_workbook(tmp_path / "b.xlsx")
    assert wb.sheetnames[:2] == ["待办", RESULT_SHEET] and wb.active.title == "待办"
    assert [s.title for s in wb if s.sheet_view.tabSelected] == ["待办"]
    assert wb[RESULT_SHEET]["C4"].hyperlink.location == "'花名册'!D3"
    assert wb[RESULT_SHEET].print_title_rows == "$3:$3" and wb["花名册"].print_area == openpyxl.load_workbook(
        LEDGER)["花名册"].print_area


def test_unsupported_sources_fall_back(tmp_path: Path) -> None:
    annotated = annotate_copy(LEDGER, tmp_path / "a.xlsx", ISSUES)
    with pytest.raises(Unsupported):  # a re-check: the openpyxl path replaces the old marks
        fast_copy(annotated.read_bytes(), annotated.name, ISSUES, "")
    with pytest.raises(Unsupported):
        fast_copy(b"not a zip", "x.xlsx", ISSUES, "")


def test_libreoffice_keeps_comments_of_fast_copy(tmp_path: Path) -> None:
    dest = annotate_copy(LEDGER, tmp_path / "a.xlsx", ISSUES)
    back = openpyxl.load_workbook(convert(dest, "xlsx", tmp_path))
    assert back.sheetnames[0] == RESULT_SHEET
    found = comments(back["花名册"])
    assert found["D3"][0] == "身份证号校验位不正确\n已自动规范"
    assert found["Z600"][0] == "空单元格，行也不存在"
    assert found["B2"][0].endswith(f"{COMMENT_SEPARATOR}\n表头有误")
    assert marks(back["花名册"]).keys() >= {"D3", "B2", "F4", "Z600", "A1"}
    assert back[RESULT_SHEET]["C4"].hyperlink.location == "'花名册'!D3" or back[RESULT_SHEET]["C4"].hyperlink
