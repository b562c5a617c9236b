"""The bundled example school (examples/, made by scripts/make_examples.py): what the check finds in it.

Three ledgers are clean, three carry seeded teachers' mistakes (one of them an .xls), 六年级2班 sent nothing.
Expected row counts are read from the files themselves with python-calamine, apart from rosterkit's reader.
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import python_calamine as pc

from rosterkit import CheckReport, check

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
INBOX = EXAMPLES / "inbox"
SCRIPT = ROOT / "scripts" / "make_examples.py"
AS_OF = dt.date(2026, 11, 23)
D = dt.date

CLEAN = {"三年级1班_帮扶台账.xlsx", "四年级1班_帮扶台账.xlsx", "五年级2班_帮扶台账.xlsx"}
XLS = "六年级1班_帮扶台账.xls"
# (file, sheet, code): each seeded once, so the issue list has exactly one issue per line here
SEEDED = {
    ("三年级2班_帮扶台账.xlsx", "花名册", "id-scientific"),        # ID typed as a number: 4.30121E+17
    ("三年级2班_帮扶台账.xlsx", "花名册", "conditional-missing"),  # 留守儿童 without 留守类型
    ("三年级2班_帮扶台账.xlsx", "帮扶记录", "date-after-report"),  # 2026-12-02 for 2026-11-02
    ("五年级1班_帮扶台账.xlsx", "花名册", "id-checksum"),          # wrong check digit
    ("五年级1班_帮扶台账.xlsx", "花名册", "id-birth-mismatch"),    # month and day swapped
    ("五年级1班_帮扶台账.xlsx", "花名册", "value-not-allowed"),    # 类别 「贫困生」
    ("五年级1班_帮扶台账.xlsx", "花名册", "phone-invalid"),        # a digit missing
    (XLS, "花名册", "conditional-missing"),                        # 父母均外出 without 母亲务工地
    (XLS, "帮扶记录", "log-unknown-student"),                      # a homophone typo of a roster name
}
HOLIDAY = (D(2026, 10, 1), D(2026, 10, 7))


@pytest.fixture(scope="module")
def report() -> CheckReport:
    return check(INBOX, as_of=AS_OF, write=False)


def by_name(report: CheckReport) -> dict[str, Any]:
    return {f.name: f for f in report.files}


def sheet_rows(path: Path, sheet: str) -> list[list[Any]]:
    wb = pc.CalamineWorkbook.from_path(str(path))
    try:
        return wb.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
    finally:
        wb.close()


def data_rows(path: Path, sheet: str, first_label: str) -> int:
    """Non-empty rows below the header row (the row whose first cell is ``first_label``)."""
    rows = sheet_rows(path, sheet)
    head = next(i for i, r in enumerate(rows) if r and str(r[0]).strip() == first_label)
    return sum(any(str(v).strip() for v in r if v is not None) for r in rows[head + 1:])


def test_six_ledgers_three_clean(report: CheckReport) -> None:
    assert len(report.files) == 6
    assert {f.name for f in report.files if f.status == "ok"} == CLEAN
    assert {f.status for f in report.files if f.name not in CLEAN} == {"problems"}
    assert not report.valid


def test_clean_ledgers_have_nothing_to_say(report: CheckReport) -> None:
    for name in CLEAN:
        f = by_name(report)[name]
        assert (f.issues, f.fixes) == ([], []), name


def test_seeded_mistakes_are_exactly_what_the_check_finds(report: CheckReport) -> None:
    assert {(Path(i.file).name, i.code) for i in report.issues} == {(f, c) for f, _, c in SEEDED}
    assert {(Path(i.file).name, i.sheet, i.code) for i in report.issues} == SEEDED
    assert len(report.issues) == len(SEEDED)  # no mistake reported twice, nothing else reported
    assert {i.severity for i in report.issues} == {"error"}


def test_scientific_id_is_shown_and_explained(report: CheckReport) -> None:
    issue = next(i for i in report.issues if i.code == "id-scientific")
    assert issue.value == "4.30121E+17"  # as Excel shows it in the cell
    assert "文本" in issue.message


def test_inserted_rows_above_the_header_move_the_cells(report: CheckReport) -> None:
    # 五年级1班 inserted two rows above the 花名册 header: its data starts at Excel row 5, not 3
    f = by_name(report)["五年级1班_帮扶台账.xlsx"]
    rows = [i.row for i in f.issues if i.sheet == "花名册"]
    assert rows and min(rows) >= 5
    assert f.frames["roster"].index.min() == 5


def test_untidy_values_are_fixed_not_reported(report: CheckReport) -> None:
    files = by_name(report)
    befores = {name: [x.before for x in f.fixes] for name, f in files.items()}
    assert any(b.count(".") == 2 and b.startswith("2026.") for b in befores["三年级2班_帮扶台账.xlsx"])  # 2026.9.15
    assert any("年" in b and "月" in b for b in befores["五年级1班_帮扶台账.xlsx"])  # 2026年10月8日
    for name in ("三年级2班_帮扶台账.xlsx", XLS):  # 138 1234 5678
        phones = [x for x in files[name].fixes if "电话" in x.column]
        assert phones and all(x.after == x.before.replace(" ", "") for x in phones), name


def test_xls_ledger_is_read(report: CheckReport) -> None:
    path = INBOX / XLS
    assert path.read_bytes()[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # a real Excel 97 file, not a renamed .xlsx
    f = by_name(report)[XLS]
    assert f.rows["roster"] > 0 and f.rows["log"] > 0
    assert f.meta["grade"] == "六年级" and f.meta["class"] == "1班"


def test_row_counts_are_what_the_files_hold(report: CheckReport) -> None:
    for f in report.files:
        expected = {"roster": data_rows(f.path, "花名册", "序号"), "log": data_rows(f.path, "帮扶记录", "日期")}
        assert f.rows == expected, f.name
        assert 6 <= f.rows["roster"] <= 12, f.name
        assert f.rows["log"] > 3 * f.rows["roster"], f.name


def test_school_info_lists_seven_classes_one_missing(report: CheckReport) -> None:
    info = sheet_rows(EXAMPLES / "学校信息.xlsx", "学校信息")
    values = {str(r[0]).strip(): r[1] for r in info if r and str(r[0]).strip()}
    assert values["学校名称"] == "城关镇中心小学"
    assert values["学年学期"] == "2026—2027学年第一学期"
    assert values["填报截止日期"] == D(2026, 11, 20)
    classes = [r for r in sheet_rows(EXAMPLES / "学校信息.xlsx", "班级名单")[1:] if any(r)]
    expected = {f"{r[0]}{r[1]}" for r in classes}
    assert len(expected) == 7 and all(r[2] and r[3] for r in classes)
    sent = {f.meta["grade"] + f.meta["class"] for f in report.files}
    assert expected - sent == {"六年级2班"}
    assert sent <= expected
    assert {f.meta["school"] for f in report.files} == {"城关镇中心小学"}
    assert all(D(2026, 11, 16) <= f.meta["filled_on"] <= D(2026, 11, 20) for f in report.files)


def test_the_data_looks_like_a_school(report: CheckReport) -> None:
    roster = pd.concat([f.frames["roster"] for f in report.files])
    log = pd.concat([f.frames["log"] for f in report.files])
    cats = roster["categories"].dropna().map(lambda v: v if isinstance(v, tuple) else (v,)).explode()
    assert cats.value_counts().index[0] == "留守儿童"
    assert (roster["categories"].map(lambda v: isinstance(v, tuple) and len(v) == 2)).sum() >= 3
    for f in report.files:
        assert 2 <= f.frames["roster"]["mentor"].nunique() <= 3, f.name
    days = [d for d in log["date"] if isinstance(d, dt.date)]
    assert len(days) == len(log)
    assert not [d for d in days if HOLIDAY[0] <= d <= HOLIDAY[1]]
    assert min(days) >= D(2026, 9, 1)
    assert sorted(d for d in days if d > D(2026, 11, 20)) == [D(2026, 12, 2)]  # the seeded one
    assert set(log["kind"]) >= {"谈心", "电话", "家访", "电话家访", "评估", "亲情电话"}


@pytest.mark.skipif(not (shutil.which("soffice") or shutil.which("libreoffice")), reason="needs LibreOffice")
def test_generator_reproduces_the_examples(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, str(SCRIPT), str(tmp_path)], check=False, capture_output=True,
                          text=True, timeout=300, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert len(done.stdout.splitlines()) == 7  # one line per file written

    def cells(root: Path) -> dict[str, dict[str, list[list[Any]]]]:
        out = {}
        for p in [root / "学校信息.xlsx", *sorted((root / "inbox").glob("*.xls*"))]:  # not a check's *_rosterkit
            wb = pc.CalamineWorkbook.from_path(str(p))
            out[p.relative_to(root).as_posix()] = {s: wb.get_sheet_by_name(s).to_python() for s in wb.sheet_names}
            wb.close()
        return out

    assert cells(tmp_path) == cells(EXAMPLES)
