"""Package.head (a sheet's views without inflating its cells) and the remembered edit of the sheet lists."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from rosterkit.xlsx import zipbook
from rosterkit.xlsx.zippkg import Package, Unsupported

VIEWS = b'<worksheet><sheetViews><sheetView tabSelected="1" workbookViewId="0"/></sheetViews>'
CELLS = b"<sheetData>" + b"".join(b'<row r="%d"><c r="A%d"><v>%d</v></c></row>' % (i, i, i * 7919 % 10007)
                                  for i in range(1, 20_000)) + b"</sheetData></worksheet>"


def _zip(tmp_path: Path, members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> Path:
    path = tmp_path / "t.xlsx"
    with zipfile.ZipFile(path, "w", method) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return path


def test_head_stops_after_the_marker(tmp_path: Path) -> None:
    pkg = Package(_zip(tmp_path, {"xl/worksheets/sheet1.xml": VIEWS + CELLS}))
    head = pkg.head("xl/worksheets/sheet1.xml", b"<sheetData")
    assert head.startswith(VIEWS + b"<sheetData")
    assert len(head) < len(VIEWS + CELLS) // 2  # the cells were not all inflated
    assert pkg.read("xl/worksheets/sheet1.xml") == VIEWS + CELLS


@pytest.mark.parametrize("method", [zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED])
def test_head_is_the_whole_member_without_the_marker(tmp_path: Path, method: int) -> None:
    data = b'<x:worksheet><x:sheetViews><x:sheetView tabSelected="1"/></x:sheetViews><x:sheetData/></x:worksheet>'
    pkg = Package(_zip(tmp_path, {"xl/worksheets/sheet1.xml": data}, method))
    assert pkg.head("xl/worksheets/sheet1.xml", b"<sheetData") == data


def test_head_of_a_changed_member_is_the_change(tmp_path: Path) -> None:
    pkg = Package(_zip(tmp_path, {"a.xml": VIEWS + CELLS}))
    pkg.put("a.xml", b"<new/>")
    assert pkg.head("a.xml", b"<sheetData") == b"<new/>"


ROOT = (b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" '
        b'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
        b'Target="xl/workbook.xml"/></Relationships>')
BOOK = ('<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.'
        'openxmlformats.org/officeDocument/2006/relationships"><bookViews><workbookView activeTab="1"/></bookViews>'
        '<sheets><sheet name="花名册" sheetId="1" r:id="rId1"/></sheets><definedNames><definedName '
        'name="_xlnm.Print_Area" localSheetId="0">x</definedName></definedNames></workbook>').encode("utf-8")
RELS = (b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" '
        b'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
        b'Target="worksheets/sheet1.xml"/></Relationships>')
TYPES = b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"></Types>'


def test_the_sheet_lists_are_edited_once_per_distinct_parts() -> None:
    zipbook.list_first.cache_clear()
    first = zipbook.First("待办", "xl/worksheets/sheet2.xml", print_title_rows="3:3")
    ct, rels, wb = zipbook.list_first(ROOT, BOOK, RELS, TYPES, first)
    assert '<sheets><sheet name="待办" sheetId="2" r:id="rId2"/><sheet name="花名册"' in wb
    assert 'localSheetId="1">x<' in wb and 'activeTab="0" firstSheet="0"' in wb
    assert "<definedName name=\"_xlnm.Print_Titles\" localSheetId=\"0\">'待办'!$3:$3</definedName>" in wb
    assert 'Id="rId2"' in rels and 'Target="worksheets/sheet2.xml"' in rels
    assert 'PartName="/xl/worksheets/sheet2.xml"' in ct
    assert zipbook.list_first(ROOT, BOOK, RELS, TYPES, first) == (ct, rels, wb)
    assert zipbook.list_first.cache_info().hits == 1


def test_a_sheet_of_that_name_already_there_is_refused() -> None:
    with pytest.raises(Unsupported):
        zipbook.list_first(ROOT, BOOK, RELS, TYPES, zipbook.First("花名册", "xl/worksheets/sheet2.xml"))
