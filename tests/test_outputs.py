"""A check run's outputs, read back: annotated copies where the problems are, the summary, originals untouched."""

from __future__ import annotations

import datetime as dt
import hashlib
import subprocess
from pathlib import Path

import openpyxl
import pytest

from builders import AS_OF, contact, ledger, student
from libreoffice import soffice_path
from rosterkit import InputError, check

D = dt.date


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture()
def inbox(tmp_path: Path) -> Path:
    box = tmp_path / "inbox"
    ledger(box, "三年级1班.xlsx")
    students = [student(0), student(1, 身份证号="43012120170202101X", 监护人电话="1390731"), student(2)]
    contacts = [contact("张小明", D(2026, 11, 9)), contact("不存在", D(2026, 11, 10))]
    ledger(box, "三年级2班.xlsx", students=students, contacts=contacts)
    return box


def test_annotated_copy_marks_exactly_the_problem_cells(inbox: Path, tmp_path: Path) -> None:
    before = {p.name: _sha(p) for p in inbox.iterdir()}
    report = check(inbox, out=tmp_path / "out", as_of=AS_OF)
    assert {p.name: _sha(p) for p in inbox.iterdir()} == before  # originals byte-identical
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["三年级2班_校验结果.xlsx", "校验汇总.xlsx"]
    bad = report.files[1]
    assert bad.annotated == tmp_path / "out" / "三年级2班_校验结果.xlsx"
    expected = {("花名册", "D4"), ("花名册", "P4"), ("帮扶记录", "B4")}
    assert {(i.sheet, i.cell) for i in bad.issues} == expected
    wb = openpyxl.load_workbook(bad.annotated)
    assert wb.sheetnames[0] == "校验结果"
    for sheet in ("花名册", "帮扶记录"):
        ws = wb[sheet]
        marked = {(sheet, c.coordinate) for row in ws.iter_rows() for c in row
                  if c.fill.fgColor.rgb in ("FFFFC7CE", "00FFC7CE")}
        commented = {(sheet, c.coordinate) for row in ws.iter_rows() for c in row
                     if c.comment and c.comment.author == "rosterkit"}
        assert marked == commented == {x for x in expected if x[0] == sheet}
    assert "校验位" in wb["花名册"]["D4"].comment.text
    results = wb["校验结果"]
    codes = [results.cell(r, 6).value for r in range(4, results.max_row + 1)]
    assert sorted(codes) == ["id-checksum", "log-unknown-student", "phone-invalid"]
    links = {results.cell(r, 3).hyperlink.location for r in range(4, results.max_row + 1)}
    assert links == {"'花名册'!D4", "'花名册'!P4", "'帮扶记录'!B4"}
    # the teacher's own template set-up is still there
    assert wb["花名册"].freeze_panes == "A3" and wb["花名册"].data_validations.dataValidation


def test_summary_lists_every_problem(inbox: Path, tmp_path: Path) -> None:
    report = check(inbox, out=tmp_path / "out", as_of=AS_OF)
    wb = openpyxl.load_workbook(report.summary_path)
    files = [[c.value for c in row] for row in wb["文件"].iter_rows(min_row=2, max_row=3)]
    assert [r[:6] for r in files] == [["三年级1班.xlsx", "通过", 3, 6, 0, 0], ["三年级2班.xlsx", "有问题", 3, 2, 3, 0]]
    problems = [[c.value for c in row][1:3] for row in wb["问题"].iter_rows(min_row=2) if row[0].value]
    assert sorted(problems) == [["帮扶记录", "B4"], ["花名册", "D4"], ["花名册", "P4"]]


def test_issues_frame(inbox: Path) -> None:
    frame = check(inbox, as_of=AS_OF, write=False).issues_frame()
    assert list(frame.columns) == ["file", "sheet", "cell", "column", "value", "code", "severity", "message"]
    assert sorted(frame["code"]) == ["id-checksum", "log-unknown-student", "phone-invalid"]
    assert set(frame["file"]) == {"三年级2班.xlsx"}


def test_output_folder_may_not_be_the_inbox(inbox: Path) -> None:
    with pytest.raises(InputError):
        check(inbox, out=inbox, as_of=AS_OF)


def test_default_output_is_beside_the_inbox(inbox: Path) -> None:
    report = check(inbox, as_of=AS_OF)
    assert report.out == inbox.parent / "inbox_rosterkit"
    assert (report.out / "校验汇总.xlsx").exists()


@pytest.mark.parametrize("fmt", ["xls", "ods"])
def test_other_formats_check_the_same(tmp_path: Path, fmt: str, soffice: str) -> None:
    students = [student(0), student(1, 监护人电话="1390731", 出生日期=D(2017, 3, 3)), student(2)]
    src = ledger(tmp_path / "src", students=students)
    outdir = tmp_path / "conv"
    subprocess.run([soffice, f"-env:UserInstallation={(tmp_path / 'lo').as_uri()}", "--headless", "--convert-to",
                    fmt, "--outdir", str(outdir), str(src)], check=True, capture_output=True, timeout=180)
    converted = outdir / f"{src.stem}.{fmt}"
    want = check([src], as_of=AS_OF, write=False).flatten()
    report = check([converted], out=tmp_path / "out", as_of=AS_OF)
    assert want == [["花名册", "F4", "id-birth-mismatch"], ["花名册", "P4", "phone-invalid"]]
    assert report.flatten() == want
    assert report.files[0].rows == {"roster": 3, "log": 6}
    copy = openpyxl.load_workbook(report.files[0].annotated)
    assert copy["花名册"]["P4"].comment is not None


def test_annotated_copy_opens_in_libreoffice(inbox: Path, tmp_path: Path, soffice: str) -> None:
    report = check(inbox, out=tmp_path / "out", as_of=AS_OF)
    pdf_dir = tmp_path / "pdf"
    for path in (report.files[1].annotated, report.summary_path):
        assert path is not None
        subprocess.run([soffice, f"-env:UserInstallation={(tmp_path / 'lo').as_uri()}", "--headless",
                        "--convert-to", "pdf", "--outdir", str(pdf_dir), str(path)], check=True,
                       capture_output=True, timeout=180)
        pdf = pdf_dir / f"{path.stem}.pdf"
        assert pdf.exists() and pdf.stat().st_size > 1000


@pytest.fixture()
def soffice() -> str:
    return soffice_path()
