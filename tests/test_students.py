"""Issue 15, one student one count: a student typed twice is one student, two students in one row are none,
cross-class duplicates among all rows read, merged ranges filled, empty logs said, no nan/None/NaT shown."""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st

import rosterkit
from builders import AS_OF, contact, ledger, scalars, school_info, student
from test_json_schema import run_json
from rosterkit import check
from rosterkit.checking.crosscheck import several_names
from rosterkit.cadence.inputs import cadence_inputs, follow_up
from rosterkit.outputs.annotate import annotate_copy
from rosterkit.outputs.roster import write_school_roster

D = dt.date


def flat(path: Path | list[Path]) -> list[list[Any]]:
    paths = path if isinstance(path, list) else [path]
    return check(paths, as_of=AS_OF, write=False).flatten(["sheet", "cell", "code"])


def _eight_with_a_repeat() -> list[dict[str, Any]]:
    """王老师's eight students, the fourth typed again at the end (same ID, as teachers copy a row)."""
    rows = [student(i, 帮扶教师="王老师") for i in range(8)]
    return [*rows, {**rows[3], "序号": 9}]


def test_a_student_typed_twice_is_one_student(tmp_path: Path) -> None:
    rows = _eight_with_a_repeat()
    twin = rows[3]["姓名"]
    contacts = [contact(s["姓名"], D(2026, 11, 9), 帮扶教师="王老师") for s in rows[:8]]
    path = ledger(tmp_path / "inbox", students=rows, contacts=contacts)
    report = check([path], as_of=AS_OF, write=False)
    # the repeat is reported; the log row of the student is linked (no log-ambiguous-student asking for an ID)
    assert report.flatten(["sheet", "cell", "code"]) == [["花名册", "D11", "duplicate-student"]]
    log = report.files[0].frames["log"]
    assert log["student_row"].tolist() == list(range(3, 11)) and log.loc[6, "student_name"] == twin
    merged = rosterkit.merge(report)
    students, events = cadence_inputs(merged)
    assert len(students) == 8 and students["name"].tolist().count(twin) == 1
    assert len(events) == 8 and set(events["student_key"]) <= set(students["student_key"])
    cad = follow_up(merged, as_of=AS_OF)
    assert cad.teachers.set_index("mentor").loc["王老师", "students"] == 8


@pytest.mark.parametrize("change,cell", [
    ({"姓名": "刘梓萌、刘梓涵"}, "B4"),
    ({"姓名": "刘梓萌，刘梓涵"}, "B4"),
    ({"姓名": "刘梓萌/刘梓涵"}, "B4"),
    ({"身份证号": student(1)["身份证号"] + "、" + student(5)["身份证号"]}, "D4"),
    ({"身份证号": student(1)["身份证号"] + " " + student(5)["身份证号"]}, "D4"),
])
def test_two_students_in_one_roster_row(tmp_path: Path, change: dict[str, Any], cell: str) -> None:
    rows = [student(0), student(1, **change), student(2)]
    path = ledger(tmp_path / "inbox", students=rows, contacts=[contact(rows[0]["姓名"], D(2026, 11, 9))])
    report = check([path], as_of=AS_OF, write=False)
    assert report.flatten(["sheet", "cell", "code"]) == [["花名册", cell, "multiple-students"]]
    students, _ = cadence_inputs(rosterkit.merge(report))
    assert sorted(students["source_row"].tolist()) == [3, 5]  # never a student, even left out for errors


@pytest.mark.parametrize("name", ["欧阳明月", "阿依古丽·买买提"])
def test_one_name_is_one_student(tmp_path: Path, name: str) -> None:
    rows = [student(0), student(1, 姓名=name), student(2)]
    assert flat(ledger(tmp_path, students=rows, contacts=[contact(name, D(2026, 11, 9))])) == []


def test_a_log_row_naming_two_students(tmp_path: Path) -> None:
    rows = [student(0), student(1)]
    both = f"{rows[0]['姓名']}、{rows[1]['姓名']}"
    path = ledger(tmp_path, students=rows, contacts=[contact(rows[0]["姓名"], D(2026, 11, 9)),
                                                     contact(both, D(2026, 11, 10))])
    report = check([path], as_of=AS_OF, write=False)
    assert report.flatten(["sheet", "cell", "code"]) == [["帮扶记录", "B4", "multiple-students"]]
    assert report.files[0].frames["log"]["student_row"].isna().tolist() == [False, True]
    assert "一行只登记一名学生" in report.files[0].issues[0].message


def test_an_empty_log_is_a_warning(tmp_path: Path) -> None:
    report = check([ledger(tmp_path, contacts=[])], as_of=AS_OF, write=False)
    assert report.flatten(["sheet", "cell", "code", "severity"]) == [["帮扶记录", None, "log-empty", "warning"]]
    assert report.files[0].warnings == 1


def _merge(path: Path, ref: str, sheet: str = "花名册") -> Path:
    wb = openpyxl.load_workbook(path)
    wb[sheet].merge_cells(ref)
    wb.save(path)
    return path


def _sheet_rows(path: Path, sheet: str) -> list[tuple[Any, ...]]:
    wb = openpyxl.load_workbook(path, read_only=True)
    rows = list(wb[sheet].iter_rows(values_only=True))
    wb.close()
    return rows


def test_a_mentor_merged_over_three_students(tmp_path: Path) -> None:
    rows = [student(i, 帮扶教师="王老师" if i == 0 else None) for i in range(3)]
    path = _merge(ledger(tmp_path / "inbox", students=rows), "Y3:Y5")
    report = check([path], as_of=AS_OF, out=tmp_path / "out")
    assert report.flatten(["sheet", "cell", "code"]) == [["花名册", "Y3", "cell-merged"]]
    assert report.files[0].frames["roster"]["mentor"].tolist() == ["王老师"] * 3
    fixes = [["花名册", "Y4", "帮扶教师", "合并单元格 Y3:Y5 的内容", "王老师"],
             ["花名册", "Y5", "帮扶教师", "合并单元格 Y3:Y5 的内容", "王老师"]]
    assert [[x.sheet, x.cell, x.column, x.before, x.after] for x in report.files[0].fixes] == fixes
    summary = _sheet_rows(tmp_path / "out" / "校验汇总.xlsx", "自动修正")
    assert [list(r[1:6]) for r in summary[1:]] == fixes
    cad = follow_up(rosterkit.merge(report), as_of=AS_OF)
    assert cad.teachers["mentor"].tolist() == ["王老师"] and cad.teachers["students"].tolist() == [3]


def test_a_problem_in_a_covered_cell_names_that_cell(tmp_path: Path) -> None:
    rows = [student(i, 监护人电话="1390731" if i == 0 else None) for i in range(3)]  # one wrong phone, merged
    path = _merge(ledger(tmp_path / "inbox", students=rows), "P3:P5")
    report = check([path], as_of=AS_OF, out=tmp_path / "out")
    assert report.flatten(["sheet", "cell", "code"]) == [
        ["花名册", "P3", "cell-merged"], ["花名册", "P3", "phone-invalid"], ["花名册", "P4", "phone-invalid"],
        ["花名册", "P5", "phone-invalid"]]
    problems = _sheet_rows(tmp_path / "out" / "校验汇总.xlsx", "问题")
    assert [[r[2], r[5]] for r in problems[1:]] == [["P3", "cell-merged"], ["P3", "phone-invalid"],
                                                    ["P4", "phone-invalid"], ["P5", "phone-invalid"]]
    copy = tmp_path / "out" / "三年级2班_校验结果.xlsx"
    # the byte-level copy, and openpyxl's (which an annotated copy checked again takes)
    again = annotate_copy(copy, tmp_path / "again.xlsx", report.files[0].issues)
    for book in (copy, again):
        comment = openpyxl.load_workbook(book)["花名册"]["P3"].comment
        assert comment is not None
        lines = comment.text.splitlines()
        assert [line.split("：", 1)[0] for line in lines if line.startswith(("P4", "P5"))] == ["P4", "P5"]
        assert len(lines) == 4 and all("1390731" in line for line in lines[1:])


def test_a_sibling_id_in_another_class_is_found_on_a_row_left_out(tmp_path: Path) -> None:
    box = tmp_path / "inbox"
    sibling = student(0)
    ledger(box, "三年级1班.xlsx", students=[sibling, student(1)], meta={"班级": "1班"})
    # 2班 typed the sibling's ID for 王小红 (a girl): the ID says 男, so the row has an error and is left out
    wrong = student(2, 姓名="王小红", 性别="女", 身份证号=sibling["身份证号"], 出生日期=sibling["出生日期"])
    ledger(box, "三年级2班.xlsx", students=[student(3), wrong], meta={"班级": "2班"})
    report = check([box], as_of=AS_OF, write=False)
    assert report.flatten(["file", "sheet", "cell", "code"]) == [["三年级2班.xlsx", "花名册", "C4", "id-gender-mismatch"]]
    result = rosterkit.merge(report)
    assert result.left_out[["file", "row"]].values.tolist() == [["三年级2班.xlsx", 4]]
    assert result.duplicates.empty
    found = {c["field"]: [(v["class"], v["row"], v.get("left_out", False), v["value"]) for v in c["values"]]
             for c in result.conflicts.to_dict("records")}
    assert found["name"] == [("三年级1班", 3, False, "张小明"), ("三年级2班", 4, True, "王小红")]
    assert found["gender"] == [("三年级1班", 3, False, "男"), ("三年级2班", 4, True, "女")]
    out = tmp_path / "out"
    out.mkdir()
    write_school_roster(result, out / "学校花名册.xlsx")
    texts = [c for r in _sheet_rows(out / "学校花名册.xlsx", "重复与冲突") for c in r if isinstance(c, str)]
    assert any("三年级2班 三年级2班.xlsx 第4行（有错误，未纳入花名册）" in t for t in texts)
    data = run_json("merge", box, tmp_path / "json", "-j", "1")  # valid against merge.schema.json
    assert [[v.get("left_out", False) for v in c["values"]] for c in data["conflicts"]][0] == [False, True]


@pytest.mark.parametrize("value,several", [
    ("刘梓萌、刘梓涵", True), ("刘梓萌，刘梓涵", True), ("Anna, Li Wei", True), ("刘梓萌/刘梓涵/刘梓轩", True),
    ("刘梓萌", False), ("阿依古丽·买买提", False), ("欧阳 明月", False), ('=HYPERLINK("x","y")', False),
    ("刘梓萌、", False), (None, False),
])
def test_several_names(value: Any, several: bool) -> None:
    assert several_names(value) is several


CJK = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5)


@given(names=st.lists(st.text(CJK, min_size=2, max_size=4), min_size=1, max_size=4),
       sep=st.sampled_from(["、", "，", ",", "/", "；", "、 "]))
def test_names_joined_are_several_and_one_is_not(names: list[str], sep: str) -> None:
    assert several_names(sep.join(names)) is (len(names) > 1)


SHOWN_BLANK = re.compile(r"(?<![A-Za-z])(nan|NaN|None|NaT|<NA>)(?![A-Za-z])")


def _awkward_school(root: Path) -> tuple[Path, Path]:
    """Blank and merged mentors, a ledger without 填报日期, an empty log, a class not sent, a blank 班主任."""
    box = root / "inbox"
    rows = [student(i, 帮扶教师="王老师" if i == 0 else None) for i in range(3)]
    _merge(ledger(box, "三年级1班.xlsx", students=rows, meta={"班级": "1班"}), "Y3:Y5")
    blank_mentor = [student(3), student(4, 帮扶教师=None), student(5, 帮扶教师=None, 监护人电话=None)]
    ledger(box, "三年级2班.xlsx", students=blank_mentor, meta={"班级": "2班", "填报日期": None, "班主任": None})
    ledger(box, "四年级1班.xlsx", students=[student(6)], contacts=[], meta={"年级": "四年级", "班级": "1班"})
    info = school_info(root, [("三年级", "1班", "周丽"), ("三年级", "2班", ""), ("四年级", "1班", "李华"),
                              ("五年级", "1班", "")])
    return box, info


@pytest.mark.parametrize("how", ["--json", "--mask"])
def test_a_blank_is_never_shown_as_a_word(tmp_path: Path, how: str) -> None:
    box, info = _awkward_school(tmp_path)
    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, "-m", "rosterkit", "report", str(box), "--school-info", str(info),
                           "-o", str(out), "--as-of", "2026-11-23", how, "-j", "1"],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 1, proc.stderr
    said = list(scalars(json.loads(proc.stdout))) if how == "--json" else proc.stdout.splitlines()
    assert len(said) > 5 and [v for v in said if isinstance(v, str) and SHOWN_BLANK.search(v)] == []
    books = sorted(out.rglob("*.xlsx"))
    assert len(books) >= 8  # 2 annotated copies, 校验汇总, 学校花名册, 帮扶落实情况, 3 copies handed back
    found = []
    for book in books:
        wb = openpyxl.load_workbook(book, read_only=True)
        for ws in wb.worksheets:
            found += [(book.name, ws.title, v) for r in ws.iter_rows(values_only=True) for v in r
                      if isinstance(v, str) and SHOWN_BLANK.search(v)]
        wb.close()
    assert found == []
    # the merged mentor is everywhere the mentor of the three students
    cad = openpyxl.load_workbook(out / ("帮扶落实情况_脱敏.xlsx" if how == "--mask" else "帮扶落实情况.xlsx"),
                                 read_only=True)
    teachers = [r for r in cad["教师"].iter_rows(values_only=True) if "王老师" in r]
    assert len(teachers) == 1 and 3 in teachers[0]
