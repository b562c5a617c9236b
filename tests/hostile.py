"""The hostile corpus: files teachers and other systems really send, built at test time (no opaque blobs).

``build(folder)`` writes every file and returns {file name: what it is}. Each builder starts from a real
filled ledger (builders.ledger) and breaks it the way the world does: a zip bomb, a cut-off download, a Word
file or a PDF renamed .xlsx, an HTML or CSV "export to Excel", a password, macros, a million formatted empty
rows, merged and hidden cells, formulas with and without saved results, the 1904 date system, 40,000-character
cells, a header on row 30, and the wrong template.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import struct
import zipfile
from pathlib import Path
from typing import Callable

import openpyxl

from builders import ledger, student
from rosterkit.checking.ooxml import sheet_parts
from rosterkit.core.template import default_path

MB = 1 << 20
EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "inbox"
LONG_TEXT = "长沙县城关镇建设路" * 4445  # 40,005 characters: more than one Excel cell can hold


def rezip(src: Path, dest: Path, edit: Callable[[str, bytes], bytes] | None = None,
          extra: dict[str, bytes] | None = None, level: int = 6) -> Path:
    """Copy the zip ``src`` to ``dest``, passing every member through ``edit`` and adding ``extra`` members."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            zout.writestr(info.filename, edit(info.filename, data) if edit else data)
        for name, data in (extra or {}).items():
            zout.writestr(name, data)
    return dest


def part_of(path: Path, sheet: str) -> str:
    with zipfile.ZipFile(path) as zf:
        return sheet_parts(zf)[sheet]


def _base(folder: Path, name: str, **kw) -> Path:  # type: ignore[no-untyped-def]
    return ledger(folder / "_base", name, **kw)


def zip_bomb(folder: Path) -> Path:
    """A real ledger whose 花名册 inflates to 210 MB of XML (just over the 200 MB default)."""
    src = _base(folder, "bomb.xlsx")
    dest = folder / "压缩炸弹.xlsx"
    part = part_of(src, "花名册")
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zout:
        for info in zin.infolist():
            if info.filename != part:
                zout.writestr(info.filename, zin.read(info))
                continue
            head, _, tail = zin.read(info).partition(b"</sheetData>")
            with zout.open(part, "w", force_zip64=True) as out:
                out.write(head)
                blank = b" " * MB  # whitespace between elements is valid XML and deflates ~1000:1
                for _ in range(210):
                    out.write(blank)
                out.write(b"</sheetData>" + tail)
    return dest


def ratio_bomb(folder: Path) -> Path:
    """Under the size limit, but one 24 MB part packed ~1000:1: built to inflate, refused all the same."""
    src = _base(folder, "ratio.xlsx")
    return rezip(src, folder / "压缩比异常.xlsx", extra={"xl/media/padding.xml": b" " * (24 * MB)})


def lying_bomb(folder: Path) -> Path:
    """A zip whose directory claims a 1 KB 花名册 that really inflates to 40 MB: only the reader can tell."""
    src = _base(folder, "liar.xlsx")
    part = part_of(src, "花名册")
    dest = rezip(src, folder / "大小造假.xlsx",
                 edit=lambda n, d: d.replace(b"</sheetData>", b" " * (40 * MB) + b"</sheetData>") if n == part else d)
    data = bytearray(dest.read_bytes())
    name = part.encode()
    for sig, size_at in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):  # local header, then central directory
        for m in re.finditer(re.escape(sig), data):
            start = m.start()
            name_len = struct.unpack_from("<H", data, start + (26 if sig == b"PK\x03\x04" else 28))[0]
            name_at = start + (30 if sig == b"PK\x03\x04" else 46)
            if bytes(data[name_at:name_at + name_len]) == name:
                struct.pack_into("<I", data, start + size_at, 1024)
    dest.write_bytes(bytes(data))
    return dest


def zip_of_workbooks(folder: Path) -> Path:
    """The class's files zipped together and the zip named .xlsx."""
    dest = folder / "打包发来的.xlsx"
    with zipfile.ZipFile(dest, "w") as zf:
        for n in (1, 2):
            zf.write(_base(folder, f"part{n}.xlsx"), f"三年级{n}班.xlsx")
    return dest


def truncated(folder: Path) -> Path:
    data = _base(folder, "cut.xlsx").read_bytes()
    dest = folder / "没传完.xlsx"
    dest.write_bytes(data[: len(data) // 2])
    return dest


def empty(folder: Path) -> Path:
    dest = folder / "空文件.xlsx"
    dest.write_bytes(b"")
    return dest


def word_renamed(folder: Path) -> Path:
    dest = folder / "Word改名.xlsx"
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
                    'package/2006/content-types"><Override PartName="/word/document.xml" ContentType="application/'
                    'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>')
        zf.writestr("_rels/.rels", '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/'
                    'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
                    'officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>')
        zf.writestr("word/document.xml", '<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats'
                    '.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>三年级2班帮扶台账</w:t></w:r></w:p>'
                    '</w:body></w:document>')
    return dest


def pdf_renamed(folder: Path) -> Path:
    dest = folder / "PDF改名.xlsx"
    dest.write_bytes(b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>"
                     b"endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")
    return dest


def photo_renamed(folder: Path) -> Path:
    dest = folder / "手机拍照.xlsx"
    dest.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    return dest


ROSTER_LABELS = ["序号", "姓名", "性别", "身份证号", "出生日期", "民族", "类别", "身体状况", "监护情况", "监护人姓名",
                 "与学生关系", "监护人电话", "家庭住址", "是否住校", "帮扶教师", "建档日期"]


def _roster_rows() -> list[list[str]]:
    rows = []
    for i in range(3):
        s = student(i)
        rows.append([str(s[k]) if not isinstance(s[k], dt.date) else s[k].isoformat() for k in ROSTER_LABELS])
    return rows


def html_export(folder: Path) -> Path:
    """What many systems call "export to Excel": an HTML table in GBK, named .xls."""
    cells = "".join(f"<th>{x}</th>" for x in ROSTER_LABELS)
    body = "".join("<tr>" + "".join(f"<td>{v}</td>" for v in r) + "</tr>" for r in _roster_rows())
    html = (f'<html><head><meta http-equiv="Content-Type" content="text/html; charset=gbk"></head><body>'
            f'<table border="1"><tr><td colspan="16">特殊群体学生花名册</td></tr><tr>{cells}</tr>{body}</table>'
            f"</body></html>")
    dest = folder / "系统导出_网页.xls"
    dest.write_bytes(html.encode("gbk"))
    return dest


def csv_export(folder: Path) -> Path:
    lines = [",".join(ROSTER_LABELS)] + [",".join(r) for r in _roster_rows()]
    dest = folder / "系统导出_CSV.xls"
    dest.write_bytes("\r\n".join(lines).encode("gb18030"))
    return dest


def xml2003_export(folder: Path) -> Path:
    def row(values: list[str]) -> str:
        return "<Row>" + "".join(f'<Cell><Data ss:Type="String">{v}</Data></Cell>' for v in values) + "</Row>"
    xml = ('<?xml version="1.0" encoding="UTF-8"?><?mso-application progid="Excel.Sheet"?>'
           '<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet" '
           'xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet"><Worksheet ss:Name="花名册"><Table>'
           + row(ROSTER_LABELS) + "".join(row(r) for r in _roster_rows()) + "</Table></Worksheet></Workbook>")
    dest = folder / "系统导出_XML.xls"
    dest.write_text(xml, encoding="utf-8")
    return dest


def encrypted(folder: Path) -> Path:
    from msoffcrypto.format.ooxml import OOXMLFile

    src = _base(folder, "enc.xlsx")
    out = io.BytesIO()
    with src.open("rb") as fh:
        OOXMLFile(fh).encrypt("123456", out)
    dest = folder / "加了密码.xlsx"
    dest.write_bytes(out.getvalue())
    return dest


def with_macro(folder: Path) -> Path:
    """A ledger with a VBA project part, as Excel saves an .xlsm (the macro is never run, only seen)."""
    src = _base(folder, "macro.xlsx")
    main = b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
    macro_main = b"application/vnd.ms-excel.sheet.macroEnabled.main+xml"

    def edit(name: str, data: bytes) -> bytes:
        if name == "[Content_Types].xml":
            return data.replace(main, macro_main).replace(
                b"</Types>", b'<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/></Types>')
        if name == "xl/_rels/workbook.xml.rels":
            return data.replace(b"</Relationships>", b'<Relationship Id="rIdVba" Type="http://schemas.microsoft.'
                                b'com/office/2006/relationships/vbaProject" Target="vbaProject.bin"/></Relationships>')
        return data
    vba = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "_VBA_PROJECT_CUR".encode("utf-16-le") + b"\x00" * 512
    return rezip(src, folder / "带宏.xlsm", edit=edit, extra={"xl/vbaProject.bin": vba})


def million_rows(folder: Path) -> Path:
    """A million formatted empty rows under the students, and one wrong ID so the copy must be made."""
    rows = [student(i) for i in range(3)]
    rows[1]["身份证号"] = rows[1]["身份证号"][:-1] + ("0" if rows[1]["身份证号"][-1] != "0" else "1")
    src = _base(folder, "million.xlsx", students=rows)
    part = part_of(src, "花名册")
    filler = "".join(f'<row r="{r}" s="1" customFormat="1"><c r="A{r}" s="1"/><c r="B{r}" s="1"/></row>'
                     for r in range(20, 1_048_577)).encode()
    return rezip(src, folder / "百万空行.xlsx", level=1,
                 edit=lambda n, d: d.replace(b"</sheetData>", filler + b"</sheetData>") if n == part else d)


def _edited(folder: Path, name: str, fn: Callable[[openpyxl.Workbook], None], **kw) -> Path:  # type: ignore[no-untyped-def]
    src = _base(folder, name, **kw)
    wb = openpyxl.load_workbook(src)
    fn(wb)
    dest = folder / name
    wb.save(dest)
    return dest


def merged(folder: Path) -> Path:
    def fn(wb: openpyxl.Workbook) -> None:
        ws = wb["花名册"]
        ws.merge_cells("J3:J5")  # 类别 typed once for three students
        ws.merge_cells("W4:X4")
    return _edited(folder, "合并单元格.xlsx", fn)


def hidden(folder: Path) -> Path:
    def fn(wb: openpyxl.Workbook) -> None:
        ws = wb["花名册"]
        ws.row_dimensions[4].hidden = True
        ws.column_dimensions["E"].hidden = True  # 学籍号
        wb["帮扶记录"].sheet_state = "hidden"
    return _edited(folder, "隐藏行列和工作表.xlsx", fn)


def formulas(folder: Path) -> Path:
    """序号 as =ROW()-2 with saved results (Excel's way), 出生日期 of row 4 as a formula saved without one."""
    def fn(wb: openpyxl.Workbook) -> None:
        ws = wb["花名册"]
        for r in (3, 4, 5):
            ws[f"A{r}"] = "=ROW()-2"
        ws["F4"] = "=DATE(2017,2,2)"
    src = _edited(folder, "公式_tmp.xlsx", fn)
    part = part_of(src, "花名册")

    def cache(name: str, data: bytes) -> bytes:
        if name != part:
            return data
        for r in (3, 4, 5):  # openpyxl saves no results; add them where Excel would have
            data = re.sub(rb'(<c r="A%d"[^>]*>)<f>ROW\(\)-2</f><v\s*/>' % r,
                          rb"\1<f>ROW()-2</f><v>%d</v>" % (r - 2), data)
        return data
    dest = rezip(src, folder / "公式.xlsx", edit=cache)
    src.unlink()
    return dest


def date1904(folder: Path) -> Path:
    def fn(wb: openpyxl.Workbook) -> None:
        wb.epoch = openpyxl.utils.datetime.CALENDAR_MAC_1904
    return _edited(folder, "1904日期.xlsx", fn)


def long_cells(folder: Path) -> Path:
    rows = [student(0), student(1, 家庭住址=LONG_TEXT), student(2)]
    return ledger(folder, "超长单元格.xlsx", students=rows)


def header_on_row_30(folder: Path) -> Path:
    def fn(wb: openpyxl.Workbook) -> None:
        ws = wb["花名册"]
        ws.unmerge_cells("A1:AB1")
        ws.insert_rows(1, 28)
        ws["A1"] = "城关镇中心小学 三年级2班 特殊群体学生花名册（请从第 30 行开始看）"
    return _edited(folder, "表头在第30行.xlsx", fn)


FORMULA_TEXT = {"W3": '=HYPERLINK("http://example.invalid","点我")', "W4": "+86 城关镇建设路1号",
                "AB4": "@SUM(A1:A2)", "AB5": "-转学生，见附件"}


def formula_text(folder: Path) -> Path:
    """Text a teacher typed that starts like a formula: it must be read and written back as text."""
    rows = [student(0, 家庭住址=FORMULA_TEXT["W3"]), student(1, 家庭住址=FORMULA_TEXT["W4"], 备注=FORMULA_TEXT["AB4"]),
            student(2, 备注=FORMULA_TEXT["AB5"], 监护人电话="12345")]  # and a wrong phone, so a copy is made
    return ledger(folder, "像公式的文字.xlsx", students=rows)


def old_version(folder: Path) -> Path:
    def fn(wb: openpyxl.Workbook) -> None:
        ws = wb["填表说明"]
        for row in ws.iter_rows():
            for c in row:
                if c.value == "模板版本":
                    ws.cell(c.row, c.column + 1).value = "2025.1"
    return _edited(folder, "旧版模板.xlsx", fn)


def other_template(folder: Path) -> Path:
    dest = folder / "交错了表_学校信息.xlsx"
    shutil.copy(default_path("学校信息"), dest)
    return dest


def xlsx_named_xls(folder: Path) -> Path:
    dest = folder / "改了扩展名.xls"
    shutil.copy(_base(folder, "renamed.xlsx"), dest)
    return dest


def xls_named_xlsx(folder: Path) -> Path:
    dest = folder / "老格式改名.xlsx"
    shutil.copy(EXAMPLES / "六年级1班_帮扶台账.xls", dest)
    return dest


BUILDERS: dict[str, Callable[[Path], Path]] = {
    "zip-bomb": zip_bomb, "ratio-bomb": ratio_bomb, "lying-bomb": lying_bomb, "zip": zip_of_workbooks,
    "truncated": truncated,
    "empty": empty, "docx": word_renamed, "pdf": pdf_renamed, "photo": photo_renamed, "html": html_export,
    "csv": csv_export, "xml2003": xml2003_export, "encrypted": encrypted, "macro": with_macro,
    "million-rows": million_rows, "merged": merged, "hidden": hidden, "formulas": formulas, "date1904": date1904,
    "long-cells": long_cells, "header-row-30": header_on_row_30, "formula-text": formula_text,
    "old-version": old_version, "other-template": other_template, "xlsx-as-xls": xlsx_named_xls,
    "xls-as-xlsx": xls_named_xlsx,
}


def build(folder: Path) -> dict[str, Path]:
    """Write the whole corpus into ``folder`` (scratch files go to ``folder/_base``, removed at the end)."""
    folder.mkdir(parents=True, exist_ok=True)
    made = {kind: fn(folder) for kind, fn in BUILDERS.items()}
    shutil.rmtree(folder / "_base", ignore_errors=True)
    return made

