"""The right term: a 校历 of several terms, the term 学校信息 names, a date outside every term, and each class judged
as of its own 填报日期 (periods after it are 未报)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import openpyxl
import pandas as pd
import pytest
from builders import contact, ledger, school_info, student
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rosterkit.cadence.engine import compute_cadence
from rosterkit import check
from rosterkit.errors import InputError
from rosterkit.cadence.inputs import follow_up
from rosterkit import merge
from rosterkit.core.policy import load_policy
from rosterkit.core.template import default_path
from rosterkit.outputs.compliance import write_compliance
from rosterkit.outputs.todo import TODO_SHEET, write_todo_copy

D = dt.date
AUTUMN, SPRING = "2026年秋季学期", "2027年春季学期"
CALENDAR = [  # a school's own two-term 校历, unlike the default one
    ("学期", AUTUMN, D(2026, 9, 1), D(2027, 1, 15)),
    ("假期", "国庆节", D(2026, 10, 1), D(2026, 10, 7)),
    ("学期", SPRING, D(2027, 2, 24), D(2027, 7, 6)),
    ("假期", "清明节", D(2027, 4, 3), D(2027, 4, 5)),
    ("假期", "劳动节", D(2027, 5, 1), D(2027, 5, 5)),
]
HOLIDAYS = [(a, b) for kind, _, a, b in CALENDAR if kind == "假期"]


@pytest.fixture(scope="module")
def two_terms(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The official 帮扶制度 with its 校历 replaced by :data:`CALENDAR`, typed as a coordinator would."""
    path = tmp_path_factory.mktemp("policy") / "帮扶制度.xlsx"
    shutil.copy(default_path("帮扶制度"), path)
    wb = openpyxl.load_workbook(path)
    ws = wb["校历"]
    ws.delete_rows(2, ws.max_row)
    for row in CALENDAR:
        ws.append([row[0], row[1], dt.datetime.combine(row[2], dt.time()), dt.datetime.combine(row[3], dt.time())])
    wb.save(path)
    return path


def school_days(first: D, last: D) -> list[D]:
    """One contact day per Monday–Sunday week from ``first`` to ``last``: the week's first weekday out of holiday."""
    out, day = [], first
    while day <= last:
        week_end = day + dt.timedelta(days=6 - day.weekday())
        pick = next((d for d in (day + dt.timedelta(i) for i in range((week_end - day).days + 1))
                     if d.weekday() < 5 and d <= last and not any(a <= d <= b for a, b in HOLIDAYS)), None)
        if pick:
            out.append(pick)
        day = week_end + dt.timedelta(days=1)
    return out


def careful_ledger(folder: Path, first: D, filled_on: D, name: str = "三年级2班.xlsx", *, last: D | None = None,
                   meta: dict[str, Any] | None = None) -> Path:
    """A poor student (weekly talks, monthly visits) whose teacher logged every week from ``first`` until the day
    she sent the file, ``filled_on`` (or until ``last``)."""
    last = last or filled_on
    kid = student(0)
    talks = [contact(kid["姓名"], d) for d in school_days(first, last)]
    months = sorted({(d.year, d.month) for d in school_days(first, last)})
    visits = [contact(kid["姓名"], max(D(y, m, 5), first), "家访", 对象="家长") for y, m in months]
    return ledger(folder, name, students=[kid], contacts=talks + visits, meta={"填报日期": filled_on, **(meta or {})})


def codes(report: Any) -> list[str]:
    return [i.code for i in report.issues]


@pytest.mark.parametrize(("first", "filled_on", "as_of", "term"), [
    (D(2026, 9, 1), D(2026, 11, 20), D(2026, 11, 23), AUTUMN),
    (D(2027, 2, 24), D(2027, 4, 16), D(2027, 4, 19), SPRING),
    (D(2026, 9, 1), D(2027, 1, 15), D(2027, 2, 1), AUTUMN),  # the winter holiday: the term just ended
])
def test_a_class_is_checked_and_counted_in_the_term_of_its_date(two_terms: Path, tmp_path: Path, first: D,
                                                                 filled_on: D, as_of: D, term: str) -> None:
    careful_ledger(tmp_path / "inbox", first, filled_on)
    report = check(tmp_path / "inbox", as_of=as_of, policy=two_terms, write=False)
    assert codes(report) == []  # no date-out-of-term flood
    cad = follow_up(merge(report), as_of=as_of, policy=two_terms)
    problems = cad.policy_issues
    assert problems == [] and cad.policy.term.name == term
    assert cad.school["compliance_rate"].iloc[0] == 1.0
    assert set(cad.periods["outcome"].astype(str)) <= {"达标", "进行中", "未到期", "未报"}


def test_the_same_class_in_november_and_in_april(two_terms: Path, tmp_path: Path) -> None:
    """One class, one ledger per term: each is judged in its own term, never the other's."""
    careful_ledger(tmp_path / "autumn", D(2026, 9, 1), D(2026, 11, 20))
    careful_ledger(tmp_path / "spring", D(2027, 2, 24), D(2027, 4, 16))
    for folder, as_of, term in (("autumn", D(2026, 11, 23), AUTUMN), ("spring", D(2027, 4, 19), SPRING)):
        cad = follow_up(merge(tmp_path / folder, as_of=as_of, policy=two_terms), as_of=as_of, policy=two_terms)
        assert cad.policy.term.name == term
        assert cad.school["compliance_rate"].iloc[0] == 1.0 and cad.overdue.empty
        starts = cad.periods["period_start"].dt.date
        assert starts.min() == cad.policy.term.start and starts.max() <= cad.policy.term.end
    # the default policy ships both terms: a spring ledger is no longer judged by the autumn 校历
    report = check(tmp_path / "spring", as_of=D(2027, 4, 19), write=False)
    assert codes(report) == []
    cad = follow_up(merge(report), as_of=D(2027, 4, 19))
    assert cad.policy.term.name == "2026—2027学年第二学期" and cad.school["compliance_rate"].iloc[0] == 1.0


@pytest.mark.parametrize("as_of", [D(2026, 8, 20), D(2027, 7, 7), D(2027, 8, 1)])
def test_a_date_outside_every_term_is_an_error_naming_them(two_terms: Path, tmp_path: Path, as_of: D) -> None:
    careful_ledger(tmp_path / "inbox", D(2027, 2, 24), D(2027, 4, 16))
    with pytest.raises(InputError, match=f"{as_of:%Y-%m-%d}.*{AUTUMN} 2026-09-01 至 2027-01-15.*{SPRING}"):
        check(tmp_path / "inbox", as_of=as_of, policy=two_terms, write=False)
    for command in ("check", "cadence"):
        proc = subprocess.run([sys.executable, "-m", "rosterkit", command, str(tmp_path / "inbox"), "-o",
                               str(tmp_path / "out"), "--as-of", f"{as_of:%Y-%m-%d}", "--policy", str(two_terms)],
                              capture_output=True, text=True, timeout=300)
        assert proc.returncode == 2 and "Traceback" not in proc.stderr
        assert proc.stderr.startswith(f"错误：报告日期 {as_of:%Y-%m-%d} 不在")
        assert f"{AUTUMN} 2026-09-01 至 2027-01-15；{SPRING} 2027-02-24 至 2027-07-06" in proc.stderr


@pytest.mark.parametrize(("named", "as_of", "term"), [
    ("2026—2027学年第二学期", D(2027, 2, 10), "2026—2027学年第二学期"),  # the holiday before it: 学校信息 decides
    ("2026—2027学年第一学期", D(2027, 2, 10), "2026—2027学年第一学期"),
    ("2026—2027学年第一学期", D(2026, 11, 23), "2026—2027学年第一学期"),
])
def test_the_term_school_info_names_is_used(tmp_path: Path, named: str, as_of: D, term: str) -> None:
    info = school_info(tmp_path, [("三年级", "2班", "周丽")])
    wb = openpyxl.load_workbook(info)
    for row in wb["学校信息"].iter_rows():
        for c in row:
            if c.value == "学年学期":
                wb["学校信息"].cell(c.row, c.column + 1).value = named
    wb.save(info)
    careful_ledger(tmp_path / "inbox", D(2026, 9, 1), D(2026, 11, 20))
    cad = follow_up(merge(tmp_path / "inbox", school_info=info, as_of=as_of), as_of=as_of)
    assert cad.policy.term.name == term


def test_a_careful_teacher_is_not_overdue_after_she_submitted(tmp_path: Path) -> None:
    """Sent on 11-10 with every week logged until then: on 11-23 the later weeks are 未报, not 未达标."""
    careful_ledger(tmp_path / "inbox", D(2026, 9, 1), D(2026, 11, 10), "三年级2班.xlsx")
    # 3班: the same log until 11-10, but its file is dated 11-23: the week of 11-16 is missed
    careful_ledger(tmp_path / "inbox", D(2026, 9, 1), D(2026, 11, 23), "三年级3班.xlsx", last=D(2026, 11, 10),
                   meta={"班级": "3班"})
    as_of = D(2026, 11, 23)
    cad = follow_up(merge(tmp_path / "inbox", as_of=as_of), as_of=as_of)
    p = cad.periods.assign(outcome=cad.periods["outcome"].astype(str), start=cad.periods["period_start"].dt.date,
                           end=cad.periods["period_end"].dt.date, klass=cad.periods["class"].astype(str))
    talks = p[(p["rule"] == "贫困谈心") & (p["klass"] == "2班")]
    after = (talks["start"] > D(2026, 11, 10)) & (talks["start"] <= as_of)
    assert after.sum() == 2 and set(talks.loc[after, "outcome"]) == {"未报"}
    assert set(talks.loc[talks["start"] > as_of, "outcome"]) == {"未到期"}
    assert set(talks.loc[talks["end"] < D(2026, 11, 10), "outcome"]) == {"达标"}
    assert "未达标" not in set(p.loc[p["klass"] == "2班", "outcome"])
    assert cad.overdue["class"].astype(str).tolist() and set(cad.overdue["class"].astype(str)) == {"3班"}
    late = cad.overdue[cad.overdue["rule"] == "贫困谈心"]
    assert late["period_start"].dt.date.tolist() == [D(2026, 11, 16)]  # 3班's file shows the week it missed
    classes = cad.classes.set_index(cad.classes["class"].astype(str))
    assert classes.loc["2班", "students_overdue"] == 0 and classes.loc["2班", "compliance_rate"] == 1.0
    assert classes.loc["2班", "periods_unreported"] > 0 and classes.loc["3班", "periods_unreported"] == 0
    assert classes.loc["3班", "students_overdue"] == 1
    ws = openpyxl.load_workbook(write_compliance(cad, tmp_path / "out.xlsx"))["总览"]
    note = str(ws["A2"].value)
    assert "填报日期之后才开始的周期记为「未报」" in note and "不算未达标" in note and "2026-11-23" in note
    # the 待办 of each class's copy: 2班 has nothing overdue and is told why the later weeks are not counted
    todo = {}
    for klass in ("2班", "3班"):
        name = f"三年级{klass}.xlsx"
        copy = write_todo_copy(tmp_path / "inbox" / name, tmp_path / f"back_{name}", cad, file_name=name)
        ws = openpyxl.load_workbook(copy)[TODO_SHEET]
        todo[klass] = [str(ws[c].value) for c in ("A2", "A3")]
    assert "没有逾期" in todo["2班"][0] and "填报日期是 2026-11-10" in todo["2班"][1] and "「未报」" in todo["2班"][1]
    assert "1 名学生有逾期事项" in todo["3班"][0] and "未报" not in todo["3班"][1]


# --- compute_cadence: the per-class report date as a property ---------------------------------------------------

TERM_START, TERM_END = D(2026, 8, 31), D(2027, 1, 17)


def _policy() -> Any:
    base, _ = load_policy()
    term = dataclasses.replace(base.term, start=TERM_START, end=TERM_END)
    return dataclasses.replace(base, term=term)


POLICY = _policy()
DAYS = st.integers(0, (TERM_END - TERM_START).days).map(lambda n: TERM_START + dt.timedelta(days=n))


def _frames(contacts: list[D], reported: D | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    students = pd.DataFrame([{"student_key": "a", "id_number": "x", "name": "张小明", "school": "城关小学",
                              "grade": "三年级", "class": "2班", "mentor": "周丽",
                              "categories": ("建档立卡贫困家庭", "留守儿童"), "enrolled_on": None,
                              "reported_on": reported}], dtype=object)
    events = pd.DataFrame([{"student_key": "a", "date": d, "kind": k, "party": "家长", "mentor": "周丽"}
                           for d in contacts for k in ("谈心", "家访", "电话", "亲情电话")],
                          columns=["student_key", "date", "kind", "party", "mentor"], dtype=object)
    return students, events


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(contacts=st.lists(DAYS, max_size=12), reported=DAYS, as_of=DAYS)
def test_periods_after_the_class_report_date_are_never_missed(contacts: list[D], reported: D, as_of: D) -> None:
    students, events = _frames(contacts, reported)
    cad = compute_cadence(students, events, POLICY, as_of=as_of)
    own = min(reported, as_of)
    p = cad.periods
    start, end = p["period_start"].dt.date, p["period_end"].dt.date
    outcome = p["outcome"].astype(str)
    assert (outcome[start > as_of] == "未到期").all()
    assert (outcome[(start > own) & (start <= as_of)] == "未报").all()
    assert not ((outcome == "未达标") & (end >= own)).any()  # nothing after the report date is missed
    ov = cad.overdue
    assert (ov["period_start"].dt.date <= own).all()  # nobody is overdue for a period the file could not show
    missed = ov["reason"].str.startswith("未达标")
    assert (ov.loc[missed, "period_end"].dt.date < own).all()
    # a report date on or after as_of is as_of itself: the same result as without the column
    if reported >= as_of:
        plain = compute_cadence(students.drop(columns="reported_on"), events, POLICY, as_of=as_of)
        pd.testing.assert_frame_equal(plain.periods, cad.periods)
        pd.testing.assert_frame_equal(plain.overdue, cad.overdue)


@pytest.mark.parametrize("reported", [None, D(2026, 12, 31), D(2027, 3, 1)])
def test_a_blank_or_later_report_date_changes_nothing(reported: D | None) -> None:
    contacts = [D(2026, 9, 2), D(2026, 10, 14), D(2026, 11, 3)]
    students, events = _frames(contacts, reported)
    as_of = D(2026, 11, 23)
    with_col = compute_cadence(students, events, POLICY, as_of=as_of)
    plain = compute_cadence(students.drop(columns="reported_on"), events, POLICY, as_of=as_of)
    pd.testing.assert_frame_equal(with_col.students, plain.students)
    assert "未报" not in set(with_col.periods["outcome"].astype(str))
    assert np.array_equal(with_col.periods["done"].to_numpy(), plain.periods["done"].to_numpy())
