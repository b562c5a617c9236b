"""The mentors' yearly review (考核): per mentor, class and school, each term's compliance, overdue students per
round, and the score from the policy workbook's 考核 weights."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from rosterkit import open_store
from rosterkit.core.template import default_path
from rosterkit.errors import InputError
from rosterkit.history.review import DEFAULT_WEIGHTS, review
from rounds import record_rounds
from test_json_schema import errors, strict_loads


@pytest.fixture(scope="module")
def three(tmp_path_factory: pytest.TempPathFactory) -> Any:
    return record_rounds(tmp_path_factory.mktemp("review"), 3)


def rk(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "rosterkit", *args], capture_output=True, text=True, timeout=300)


def test_each_terms_compliance_overdue_per_round_and_the_score(three: Any) -> None:
    rv = review(three.store, "2026-2027")
    assert rv.terms == ["2026—2027学年第一学期", "2026—2027学年第二学期"]
    assert rv.rounds == ["2026-10-12", "2026-11-23", "2027-03-22"]
    assert rv.weights == DEFAULT_WEIGHTS and "帮扶制度.xlsx「考核」表" in rv.weights_from
    with open_store(three.store) as s:
        st = s.students
    zhou = rv.mentors.set_index("mentor").loc["周丽"]
    mine = st[st["mentor"] == "周丽"]
    assert zhou["students"] == mine["person"].nunique() == 5  # 刘子涵 (round 1) and 黄梓轩 (from round 2) too
    for term, day in (("2026—2027学年第一学期", "2026-11-23"), ("2026—2027学年第二学期", "2027-03-22")):
        last = mine[mine["report_date"] == day]
        met, missed = last["periods_met"].sum(), last["periods_missed"].sum()
        assert zhou[f"rate:{term}"] == pytest.approx(met / (met + missed))
    for day in rv.rounds:
        assert zhou[f"overdue:{day}"] == int((mine[mine["report_date"] == day]["overdue_items"] > 0).sum())
    judged = sum(len(mine[mine["report_date"] == d]) for d in rv.rounds)
    late = sum(zhou[f"overdue:{d}"] for d in rv.rounds)
    assert zhou["no_overdue"] == pytest.approx(1 - late / judged)
    expected = (70 * zhou["compliance_rate"] + 30 * zhou["no_overdue"]) / 100 * 100
    assert zhou["score"] == round(expected, 1)
    assert set(rv.classes["class"]) == {"三年级1班", "三年级2班"} and len(rv.schools) == 1
    assert rv.schools["students"].iloc[0] == st["person"].nunique() == 8


def test_the_weights_are_the_policy_workbooks(three: Any, tmp_path: Path) -> None:
    policy = tmp_path / "帮扶制度.xlsx"
    shutil.copy(default_path("帮扶制度"), policy)
    wb = openpyxl.load_workbook(policy)
    ws = wb["考核"]
    ws["B2"], ws["B3"] = 100, 0  # 落实率 only
    wb.save(policy)
    rv = review(three.store, "2026-2027", policy=policy)
    assert rv.weights == {"落实率": 100.0, "无逾期": 0.0}
    for r in rv.mentors.to_dict("records"):
        assert r["score"] == round(r["compliance_rate"] * 100, 1)
    del wb["考核"]
    wb.save(policy)
    assert review(three.store, "2026-2027", policy=policy).weights_from.startswith("默认权重")
    wb = openpyxl.load_workbook(default_path("帮扶制度"))
    wb["考核"]["B2"] = "很高"
    wb.save(policy)
    with pytest.raises(InputError, match="权重应是不小于 0 的数字"):
        review(three.store, "2026-2027", policy=policy)


def test_review_command_json_workbook_and_refusals(three: Any, tmp_path: Path) -> None:
    proc = rk("review", "--store", str(three.store), "--year", "2026-2027", "-o", str(tmp_path), "--json")
    assert proc.returncode == 0, proc.stderr
    data = strict_loads(proc.stdout)
    assert errors("review", data) == []
    assert {m["mentor"] for m in data["mentors"]} == {"周丽", "李红"}
    wb = openpyxl.load_workbook(tmp_path / "学年考核.xlsx")
    assert wb.sheetnames == ["帮扶教师", "班级", "学校", "计分方法"]
    names = [r[1] for r in wb["帮扶教师"].iter_rows(min_row=4, values_only=True) if r[1]]
    assert sorted(names) == ["周丽", "李红"]
    assert wb["帮扶教师"].page_setup.orientation == "landscape"
    none = rk("review", "--store", str(three.store), "--year", "2030-2031", "-o", str(tmp_path))
    assert none.returncode == 2 and "没有 2030-2031 学年的记录" in none.stderr
    bad = rk("review", "--store", str(three.store), "--year", "2026", "-o", str(tmp_path))
    assert bad.returncode == 2 and "两个相邻年份" in bad.stderr
