"""One seeded mistake per code → exactly that code at exactly that cell; a clean ledger → no problems."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Any, Callable

import openpyxl
import pytest

from builders import AS_OF, contact, ledger, student
from rosterkit import check
from rosterkit.core.idcard import make_id

CORPUS = Path(__file__).resolve().parent / "corpus" / "calamine"
D = dt.date


def run(path: Path) -> list[list[Any]]:
    return check([path], as_of=AS_OF, write=False).flatten(["sheet", "cell", "code"])


def edit(path: Path, fn: Callable[[openpyxl.Workbook], None]) -> Path:
    wb = openpyxl.load_workbook(path)
    fn(wb)
    wb.save(path)
    return path


def test_clean_ledger_has_no_problems(tmp_path: Path) -> None:
    report = check([ledger(tmp_path)], as_of=AS_OF, write=False)
    assert report.flatten() == []
    assert report.files[0].status == "ok"
    assert report.files[0].rows == {"roster": 3, "log": 6}


def _wrong_check_digit(i: int) -> str:
    good = student(i)["身份证号"]
    return good[:17] + ("0" if good[17] != "0" else "1")


ROSTER_CASES = [
    ("required-missing", {"监护人姓名": None}, "N4"),
    ("type-error", {"出生日期": "2017年13月5日"}, "F4"),
    ("value-not-allowed", {"与学生关系": "邻居"}, "O4"),   # 叔叔 is a synonym of 其他亲属
    ("value-not-allowed", {"类别": "留守儿童、贫困生", "留守类型": "父亲外出", "父亲务工地": "广东省东莞市"}, "J4"),
    ("id-checksum", {"身份证号": _wrong_check_digit(1)}, "D4"),
    ("id-format", {"身份证号": "43012120170202101"}, "D4"),
    ("id-format", {"身份证号": "430121201702301012"}, "D4"),
    ("id-scientific", {"身份证号": 4.30121201702021e17}, "D4"),
    ("id-birth-mismatch", {"出生日期": D(2017, 3, 3)}, "F4"),
    ("id-gender-mismatch", {"性别": "男"}, "C4"),
    ("phone-invalid", {"监护人电话": "1390731"}, "P4"),
    ("conditional-missing", {"类别": "留守儿童"}, "K4"),
    ("conditional-missing", {"类别": "留守儿童", "留守类型": "父母均外出", "父亲务工地": "广东省东莞市"}, "U4"),
    ("format-invalid", {"学籍号": "123"}, "E4"),
    ("date-in-future", {"建档日期": D(2026, 12, 1)}, "AA4"),
]


@pytest.mark.parametrize("code,change,cell", ROSTER_CASES, ids=[f"{c[0]}-{c[2]}" for c in ROSTER_CASES])
def test_roster_mistake(tmp_path: Path, code: str, change: dict[str, Any], cell: str) -> None:
    students = [student(0), student(1, **change), student(2)]
    assert run(ledger(tmp_path, students=students)) == [["花名册", cell, code]]


def test_duplicate_student(tmp_path: Path) -> None:
    twin = student(0, 姓名="王小红", 序号=3)
    path = ledger(tmp_path, students=[student(0), student(1), twin],
                  contacts=[contact("张小明", D(2026, 11, 9))])
    assert run(path) == [["花名册", "D5", "duplicate-student"]]


LOG_CASES = [
    ("date-out-of-term", {"日期": D(2026, 8, 20)}, "A4"),
    ("date-after-report", {"日期": D(2026, 11, 21)}, "A4"),  # after this file's 填报日期 2026-11-20
    ("date-after-report", {"日期": D(2026, 11, 30)}, "A4"),  # after --as-of too: the file's own date wins
    ("log-unknown-student", {"学生姓名": "不存在"}, "B4"),
    ("log-id-mismatch", {"身份证号": make_id("430121", D(2016, 5, 5), 7, True)}, "C4"),
    ("value-not-allowed", {"方式": "聊天"}, "E4"),
    ("required-missing", {"内容": None}, "G4"),
]


@pytest.mark.parametrize("code,change,cell", LOG_CASES, ids=[c[0] for c in LOG_CASES])
def test_log_mistake(tmp_path: Path, code: str, change: dict[str, Any], cell: str) -> None:
    contacts = [contact("张小明", D(2026, 11, 9)), contact("李思雨", D(2026, 11, 10), **change),
                contact("王浩然", D(2026, 11, 11))]
    assert run(ledger(tmp_path, contacts=contacts)) == [["帮扶记录", cell, code]]


def test_log_ambiguous_student(tmp_path: Path) -> None:
    namesake = student(2, 姓名="张小明")
    contacts = [contact("李思雨", D(2026, 11, 9)), contact("张小明", D(2026, 11, 10)),
                contact("张小明", D(2026, 11, 11), 身份证号=namesake["身份证号"])]
    path = ledger(tmp_path, students=[student(0), student(1), namesake], contacts=contacts)
    assert run(path) == [["帮扶记录", "B4", "log-ambiguous-student"]]


def _drop_sheet(wb: openpyxl.Workbook) -> None:
    del wb["帮扶记录"]


def _drop_column(wb: openpyxl.Workbook) -> None:
    wb["花名册"].delete_cols(16)  # P 监护人电话


def _extra_column(wb: openpyxl.Workbook) -> None:
    wb["花名册"]["AC2"] = "爱好"
    wb["花名册"]["AC3"] = "画画"


def _old_version(wb: openpyxl.Workbook) -> None:
    ws = wb["填表说明"]
    for row in ws.iter_rows():
        for c in row:
            if c.value == "模板版本":
                ws.cell(c.row, c.column + 1).value = "2025.1"


def _other_template(wb: openpyxl.Workbook) -> None:
    for name in ("花名册", "帮扶记录"):
        del wb[name]
    wb.create_sheet("工资表")["A1"] = "姓名"


STRUCTURE_CASES = [
    ("sheet-missing", _drop_sheet, [["帮扶记录", None, "sheet-missing"]]),
    ("column-missing", _drop_column, [["花名册", None, "column-missing"]]),
    ("column-unknown", _extra_column, [["花名册", "AC2", "column-unknown"]]),
    ("template-version", _old_version, [["填表说明", None, "template-version"]]),
    ("template-unknown", _other_template, [[None, None, "template-unknown"]]),
]


@pytest.mark.parametrize("code,fn,expected", STRUCTURE_CASES, ids=[c[0] for c in STRUCTURE_CASES])
def test_structure_mistake(tmp_path: Path, code: str, fn: Callable[[openpyxl.Workbook], None],
                           expected: list[list[Any]]) -> None:
    assert run(edit(ledger(tmp_path), fn)) == expected


def test_file_unreadable(tmp_path: Path) -> None:
    bad = tmp_path / "坏文件.xlsx"
    bad.write_bytes(b"PK\x03\x04 this is not really a zip")
    assert run(bad) == [[None, None, "file-unreadable"]]


def test_file_encrypted(tmp_path: Path) -> None:
    path = tmp_path / "加密.xlsx"
    shutil.copy(CORPUS / "pass_protected.xlsx", path)
    report = check([path], as_of=AS_OF, write=False)
    assert report.flatten() == [[None, None, "file-encrypted"]]
    assert report.files[0].status == "unreadable"


def test_policy_term_decides_out_of_term(tmp_path: Path) -> None:
    from rosterkit.core.template import default_path

    policy = tmp_path / "制度.xlsx"
    shutil.copy(default_path("帮扶制度"), policy)
    wb = openpyxl.load_workbook(policy)
    wb["校历"]["C2"] = dt.datetime(2026, 10, 8)  # this school's term starts after the National Day holiday
    wb.save(policy)
    contacts = [contact("张小明", D(2026, 9, 15)), contact("李思雨", D(2026, 10, 9))]
    path = ledger(tmp_path, contacts=contacts)
    assert run(path) == []
    report = check([path], as_of=AS_OF, policy=policy, write=False)
    assert report.flatten(["sheet", "cell", "code"]) == [["帮扶记录", "A3", "date-out-of-term"]]
    assert "2026-10-08" in report.issues[0].message
