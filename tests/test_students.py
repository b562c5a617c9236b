"""Issue 15, one student one count: a student typed twice is one student, two students in one row are none,
cross-class duplicates among all rows read, merged ranges filled, empty logs said, no nan/None/NaT shown."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

import rosterkit
from builders import AS_OF, contact, ledger, student
from rosterkit import check
from rosterkit.followup import cadence_inputs, follow_up

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
    cad, _ = follow_up(merged, as_of=AS_OF)
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
