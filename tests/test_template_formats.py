"""Prevention (issue 14, item 5): the official ledger and every ledger `distribute` writes keep ID, 学籍号 and
phone cells as text and date cells as dates, so Excel, WPS and LibreOffice cannot turn an ID into 4.3E+17.

Proved twice: by the workbook's own XML (the <col> styles and the styles of the prepared cells, after the openpyxl
load and save of `distribute --from`), and by typing an 18-digit ID into a distributed ledger with LibreOffice's
own input path (the .uno:EnterString command the cell input line runs), with a General column as the control."""

from __future__ import annotations

import re
import subprocess
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

import openpyxl
import pytest
from openpyxl.utils.cell import column_index_from_string, get_column_letter

from libreoffice import soffice_path
from rosterkit import load_template
from rosterkit.distribution import distribute
from rosterkit.core.template import default_path

NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
BUILTIN = {"0": "General", "14": "date", "49": "@"}
TPL = load_template()
EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
ID = "430121201506155292"


def kind(fmt: str) -> str:
    """'text', 'date' or 'other' for a number format code."""
    if fmt == "@":
        return "text"
    return "date" if fmt == "date" or re.search(r"y+.*m+.*d+", fmt) else "other"


def formats(path: Path, sheet: str) -> tuple[dict[int, str], dict[str, str]]:
    """(column number → kind of its <col> style, cell ref → kind of its style) as the sheet's XML says."""
    with zipfile.ZipFile(path) as z:
        book = ET.fromstring(z.read("xl/workbook.xml"))
        rels = ET.fromstring(z.read("xl/_rels/workbook.xml.rels"))
        rid = next(s.get("{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id")
                   for s in book.iter(f"{{{NS['m']}}}sheet") if s.get("name") == sheet)
        target = next(r.get("Target") for r in rels if r.get("Id") == rid).lstrip("/")
        ws = ET.fromstring(z.read(target if target.startswith("xl/") else f"xl/{target}"))
        styles = ET.fromstring(z.read("xl/styles.xml"))
    codes = {n.get("numFmtId"): n.get("formatCode") for n in styles.iter(f"{{{NS['m']}}}numFmt")}
    xfs = [x.get("numFmtId", "0") for x in styles.find("m:cellXfs", NS)]  # type: ignore[union-attr]
    of = lambda s: kind(codes.get(xfs[int(s)], BUILTIN.get(xfs[int(s)], "other")))  # noqa: E731
    cols = {}
    for c in ws.iter(f"{{{NS['m']}}}col"):
        if c.get("style") is not None:
            for n in range(int(c.get("min", 0)), int(c.get("max", 0)) + 1):
                cols[n] = of(c.get("style"))
    cells = {c.get("r"): of(c.get("s", "0")) for c in ws.iter(f"{{{NS['m']}}}c")}
    return cols, cells


def wanted(spec_name: str) -> dict[str, str]:
    """Column letter → the kind its cells must have: text for ID, 学籍号, phone; date for dates."""
    spec = TPL.roster if spec_name == TPL.roster.name else TPL.log
    want = {"id": "text", "code": "text", "phone": "text", "date": "date"}
    return {get_column_letter(i + 1): want[f.type] for i, f in enumerate(spec.fields) if f.type in want}


@pytest.fixture(scope="module")
def sent(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Ledgers for the example school's classes, pre-filled from its inbox (openpyxl load + save of the template)."""
    return distribute(EXAMPLES / "学校信息.xlsx", tmp_path_factory.mktemp("sent"), from_=EXAMPLES / "inbox").paths


@pytest.mark.parametrize("sheet", [TPL.roster.name, TPL.log.name])
@pytest.mark.parametrize("which", ["template", "distributed"])
def test_id_phone_and_date_cells_are_formatted_in_columns_and_prepared_rows(
        sent: list[Path], sheet: str, which: str) -> None:
    path = default_path("班级帮扶台账") if which == "template" else sent[0]
    cols, cells = formats(path, sheet)
    first = TPL.sheet_with("name" if sheet == TPL.roster.name else "student_name").header_row + 1
    for letter, k in wanted(sheet).items():
        assert cols.get(column_index_from_string(letter)) == k, (sheet, letter)
        for row in (first, first + 1, first + 250, first + 499):  # the 500 rows prepared with dropdowns
            assert cells.get(f"{letter}{row}") == k, (sheet, f"{letter}{row}")


def test_pre_filled_ids_and_phones_are_text_cells(sent: list[Path]) -> None:
    book = max(sent, key=lambda p: p.stat().st_size)
    ws = openpyxl.load_workbook(book)[TPL.roster.name]
    _, cells = formats(book, TPL.roster.name)
    filled = 0
    for letter, k in wanted(TPL.roster.name).items():
        for row in range(3, ws.max_row + 1):
            v = ws[f"{letter}{row}"].value
            if v is None:
                continue
            filled += 1
            assert cells[f"{letter}{row}"] == k
            assert isinstance(v, str) if k == "text" else hasattr(v, "year")
    assert filled > 20


MACRO = """Sub Typ(disp, fr, ref As String, txt As String)
  Dim p(0) As New com.sun.star.beans.PropertyValue
  p(0).Name = "ToPoint"
  p(0).Value = ref
  disp.executeDispatch(fr, ".uno:GoToCell", "", 0, p())
  Dim q(0) As New com.sun.star.beans.PropertyValue
  q(0).Name = "StringName"
  q(0).Value = txt
  disp.executeDispatch(fr, ".uno:EnterString", "", 0, q())
End Sub

Sub TypeInto(src As String, dst As String, refs As String, txt As String)
  Dim args(0) As New com.sun.star.beans.PropertyValue
  args(0).Name = "Hidden"
  args(0).Value = True
  doc = StarDesktop.loadComponentFromURL(ConvertToURL(src), "_blank", 0, args())
  doc.CurrentController.setActiveSheet(doc.Sheets.getByIndex(1))
  fr = doc.CurrentController.Frame
  disp = createUnoService("com.sun.star.frame.DispatchHelper")
  For Each ref In Split(refs, ";")
    Typ(disp, fr, ref, txt)
  Next ref
  Dim a2(0) As New com.sun.star.beans.PropertyValue
  a2(0).Name = "FilterName"
  a2(0).Value = "Calc MS Excel 2007 XML"
  doc.storeToURL(ConvertToURL(dst), a2())
  doc.close(True)
End Sub
"""


def _type_with_libreoffice(src: Path, dest: Path, refs: list[str], text: str, work: Path) -> None:
    """Type ``text`` into the cells ``refs`` of the second sheet as a person would (a Basic macro in a private
    profile dispatching .uno:EnterString), then save as .xlsx."""
    exe = soffice_path()
    profile = work / "lo-profile"
    # The first start creates the profile and its Standard library; the macro then replaces Module1.
    subprocess.run([exe, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--terminate_after_init"],
                   check=True, capture_output=True, timeout=180)
    module = profile / "user/basic/Standard/Module1.xba"
    body = MACRO.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    module.write_text('<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE script:module PUBLIC '
                      '"-//OpenOffice.org//DTD OfficeDocument 1.0//EN" "module.dtd">\n<script:module '
                      'xmlns:script="http://openoffice.org/2000/script" script:name="Module1" '
                      f'script:language="StarBasic">{body}</script:module>\n', encoding="utf-8")
    url = f'macro:///Standard.Module1.TypeInto("{src}","{dest}","{";".join(refs)}","{text}")'
    subprocess.run([exe, f"-env:UserInstallation={profile.as_uri()}", "--headless", url],
                   check=True, capture_output=True, timeout=180)


def test_an_id_typed_into_a_distributed_ledger_stays_text(sent: list[Path], tmp_path: Path) -> None:
    blank = next(p for p in sent if "六年级2班" in p.name)  # a class with no previous rows: empty ID cells
    typed = tmp_path / "typed.xlsx"
    ids = [f"{c}{r}" for c, k in wanted(TPL.roster.name).items() if k == "text" for r in (3, 40)]
    control = "A3"  # 序号: a General column, where Excel and LibreOffice make the number 4.30121201506155E+17
    _type_with_libreoffice(blank, typed, [*(f"${c[0]}${c[1:]}" for c in ids), "$A$3", "$D$700"], ID, tmp_path)
    assert typed.exists()
    ws = openpyxl.load_workbook(typed)[TPL.roster.name]
    for ref in [*ids, "D700"]:  # D700: below the prepared rows, only the column's style applies
        assert ws[ref].value == ID and ws[ref].data_type == "s", ref
    assert isinstance(ws[control].value, float) and ws[control].value != int(ID)  # the digits lost: the control
