"""The policy workbook: 周期规则 rows into rules (bad rows become coded issues at their cell), 校历 into the term."""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rosterkit.errors import InputError, TemplateError
from rosterkit.core.policy import PERIODS, Rule, load_policy, load_term
from rosterkit.core.template import default_path

POOR = ("建档立卡贫困家庭", "农村低保家庭", "特困供养")
DEFAULT_RULES = [  # DESIGN.md, "Default cadence policy"
    Rule("贫困谈心", POOR, ("谈心",), None, "每周", 1, "A2"),
    Rule("贫困家访", POOR, ("家访", "电话家访"), None, "每月", 1, "A3"),
    Rule("其他谈心", ("其他",), ("谈心",), None, "每月", 1, "A4"),
    Rule("其他家访", ("其他",), ("家访", "电话家访"), None, "每月", 1, "A5"),
    Rule("学期评估", ("全部",), ("评估",), None, "每学期", 1, "A6"),
    Rule("留守家长电话", ("留守儿童",), ("电话",), "家长", "每两周", 1, "A7"),
    Rule("亲情电话", ("留守儿童",), ("亲情电话",), None, "每周", 1, "A8"),
]
NAMES = [r.name for r in DEFAULT_RULES]


def policy_copy(folder: Path, edits: dict[str, Any] | None = None, *, sheet: str = "周期规则") -> Path:
    """A copy of the official 帮扶制度 template with some cells changed."""
    path = folder / "帮扶制度.xlsx"
    shutil.copy(default_path("帮扶制度"), path)
    wb = openpyxl.load_workbook(path)
    for ref, value in (edits or {}).items():
        wb[sheet][ref] = value
    wb.save(path)
    return path


def test_official_template_gives_the_default_rules() -> None:
    policy, issues = load_policy()
    assert issues == []
    assert list(policy.rules) == DEFAULT_RULES
    assert policy.term == load_term()
    assert policy.term.start == dt.date(2026, 9, 1) and len(policy.term.holidays) == 3  # the first term listed
    assert policy.rule("亲情电话").describe_kinds() == "亲情电话"
    assert policy.rule("留守家长电话").describe_kinds() == "电话（对象：家长）"


@pytest.mark.parametrize(("cell", "value", "column", "skipped"), [
    ("E2", "每天", "周期", "贫困谈心"),
    ("E3", None, "周期", "贫困家访"),
    ("F4", "一次", "最少次数", "其他谈心"),
    ("F5", 0, "最少次数", "其他家访"),
    ("F6", 1.5, "最少次数", "学期评估"),
    ("F7", None, "最少次数", "留守家长电话"),
    ("B8", "留守", "适用类别", "亲情电话"),
    ("B2", "全部、留守儿童", "适用类别", "贫困谈心"),
    ("B3", None, "适用类别", "贫困家访"),
    ("C4", "见面", "计入方式", "其他谈心"),
    ("C5", None, "计入方式", "其他家访"),
    ("D7", "老师", "对象", "留守家长电话"),
    ("A8", None, "规则名称", "亲情电话"),
    ("A3", "贫困谈心", "规则名称", "贫困家访"),  # a repeated name: the later row is dropped
])
def test_a_bad_cell_is_an_issue_there_and_the_other_rules_load(tmp_path: Path, cell: str, value: Any,
                                                               column: str, skipped: str) -> None:
    policy, issues = load_policy(policy_copy(tmp_path, {cell: value}))
    assert [(i.code, i.sheet, i.cell, i.column, i.severity) for i in issues] == [
        ("policy-invalid", "周期规则", cell, column, "error")]
    assert issues[0].file == "帮扶制度.xlsx" and issues[0].row == int(cell[1:])
    assert f"「{column}」" in issues[0].message and "请改正" in issues[0].message
    if value not in (None, ""):
        assert str(value) in issues[0].message
    assert [r.name for r in policy.rules] == [n for n in NAMES if n != skipped]


def test_every_bad_cell_of_a_row_is_named(tmp_path: Path) -> None:
    policy, issues = load_policy(policy_copy(tmp_path, {"E2": "每天", "F2": "x"}))
    assert sorted(i.cell for i in issues) == ["E2", "F2"]
    assert "贫困谈心" not in [r.name for r in policy.rules] and len(policy.rules) == 6


def test_message_says_what_to_fix(tmp_path: Path) -> None:
    _, issues = load_policy(policy_copy(tmp_path, {"E2": "每天"}))
    assert "「每天」" in issues[0].message or "每天" in (issues[0].value or "")
    assert all(p in issues[0].message for p in PERIODS)
    assert "贫困谈心" in issues[0].message


@pytest.mark.parametrize(("typed", "period"), [("每2周", "每两周"), (" 每 月 ", "每月"), ("每季", "每季度"),
                                               ("每学年", "每学年")])
def test_period_spellings(tmp_path: Path, typed: str, period: str) -> None:
    policy, issues = load_policy(policy_copy(tmp_path, {"E2": typed}))
    # the default calendar holds two terms: a yearly rule is warned about (counted as one term)
    assert [i.code for i in issues] == (["policy-year-as-term"] if period == "每学年" else [])
    assert policy.rule("贫困谈心").period == period


def test_blank_and_note_rows_are_skipped_and_new_rules_read(tmp_path: Path) -> None:
    path = policy_copy(tmp_path, {"G10": "以上规则自 2026 年秋季学期起执行",
                                  "A11": "书信", "B11": "留守儿童、单亲家庭", "C11": "书信", "D11": "学生",
                                  "E11": "每季度", "F11": "2"})
    policy, issues = load_policy(path)
    assert issues == []
    assert policy.rules[-1] == Rule("书信", ("留守儿童", "单亲家庭"), ("书信",), "学生", "每季度", 2, "A11")


def test_custom_lists_replace_the_defaults(tmp_path: Path) -> None:
    path = policy_copy(tmp_path, {"C2": "视频通话"})
    _, issues = load_policy(path)
    assert [i.cell for i in issues] == ["C2"]
    policy, issues = load_policy(path, kinds=["谈心", "视频通话", "家访", "电话家访", "评估", "电话", "亲情电话"])
    assert issues == [] and policy.rule("贫困谈心").kinds == ("视频通话",)


def test_no_valid_rule_is_a_warning(tmp_path: Path) -> None:
    _, issues = load_policy(policy_copy(tmp_path, {f"E{r}": "每天" for r in range(2, 9)}))
    assert [i.code for i in issues].count("policy-invalid") == 7
    assert issues[-1].code == "policy-empty" and issues[-1].severity == "warning"


def test_yearly_rule_with_two_terms_warns(tmp_path: Path) -> None:
    path = policy_copy(tmp_path, {"E6": "每学年"})
    wb = openpyxl.load_workbook(path)
    wb["校历"].delete_rows(6, 4)  # the spring term and its holidays: a one-term calendar
    wb.save(path)
    policy, issues = load_policy(path)
    assert issues == [] and policy.rule("学期评估").period == "每学年"
    wb = openpyxl.load_workbook(path)
    wb["校历"].append(["学期", "第二学期", dt.datetime(2027, 2, 22), dt.datetime(2027, 7, 2)])
    wb.save(path)
    policy, issues = load_policy(path, on=dt.date(2027, 3, 1))
    assert policy.term.name == "第二学期"
    assert [(i.code, i.cell, i.severity) for i in issues] == [("policy-year-as-term", "A6", "warning")]


AUTUMN, SPRING = "2026—2027学年第一学期", "2026—2027学年第二学期"


@pytest.mark.parametrize(("on", "expected"), [
    (dt.date(2026, 9, 1), AUTUMN), (dt.date(2026, 11, 10), AUTUMN), (dt.date(2027, 1, 22), AUTUMN),
    (dt.date(2027, 2, 5), AUTUMN),  # the winter holiday: the term just ended, whose contacts the ledger holds
    (dt.date(2027, 2, 22), SPRING), (dt.date(2027, 4, 10), SPRING), (dt.date(2027, 7, 2), SPRING),
])
def test_the_term_holding_the_date_is_chosen(on: dt.date, expected: str) -> None:
    term = load_term(on=on)
    assert term.name == expected
    policy, _ = load_policy(on=on)
    assert policy.term == term
    assert all(term.start <= h.end and h.start <= term.end for h in term.holidays)


def test_default_calendar_holds_both_terms_with_their_holidays() -> None:
    autumn, spring = load_term(on=dt.date(2026, 10, 1)), load_term(on=dt.date(2027, 5, 1))
    assert [h.name for h in autumn.holidays] == ["中秋节", "国庆节", "元旦"]
    assert [h.name for h in spring.holidays] == ["清明节", "劳动节", "端午节"]
    assert autumn.end < spring.start


@pytest.mark.parametrize("on", [dt.date(2026, 8, 31), dt.date(2027, 7, 3), dt.date(2027, 8, 15),
                                dt.date(2030, 1, 1)])
def test_a_date_outside_every_term_names_the_terms(on: dt.date) -> None:
    for load in (load_term, load_policy):
        with pytest.raises(InputError) as err:
            load(on=on)
        text = str(err.value)
        assert f"{on:%Y-%m-%d}" in text and "--as-of" in text
        assert f"{AUTUMN} 2026-09-01 至 2027-01-22" in text and f"{SPRING} 2027-02-22 至 2027-07-02" in text


@pytest.mark.parametrize(("name", "on", "expected"), [
    ("2026—2027学年第二学期", dt.date(2026, 11, 10), SPRING),
    ("2026-2027学年 第二学期", dt.date(2026, 11, 10), SPRING),
    ("2026－2027学年下学期", dt.date(2026, 11, 10), SPRING),
    ("2026—2027学年第一学期", dt.date(2027, 4, 1), AUTUMN),
    ("2025—2026学年第二学期", dt.date(2027, 4, 1), SPRING),  # not in the calendar: the date decides
    ("", dt.date(2027, 4, 1), SPRING),
])
def test_the_term_school_info_names_wins(name: str, on: dt.date, expected: str) -> None:
    assert load_term(on=on, name=name).name == expected
    assert load_policy(on=on, name=name)[0].term.name == expected


@pytest.mark.parametrize(("edits", "sheet", "match"), [
    ({"A1": "名称"}, "周期规则", "规则名称"),
    ({"E1": "频次"}, "周期规则", "周期"),
    ({"C2": "某天"}, "校历", "不是日期"),
])
def test_unreadable_policy_stops(tmp_path: Path, edits: dict[str, Any], sheet: str, match: str) -> None:
    with pytest.raises(TemplateError, match=match):
        load_policy(policy_copy(tmp_path, edits, sheet=sheet))


def test_missing_rules_sheet_stops(tmp_path: Path) -> None:
    path = policy_copy(tmp_path)
    wb = openpyxl.load_workbook(path)
    del wb["周期规则"]
    wb.save(path)
    with pytest.raises(TemplateError, match="周期规则"):
        load_policy(path)
    assert load_term(path).start == dt.date(2026, 9, 1)  # the calendar alone still reads


CELL_VALUES = st.one_of(st.none(), st.sampled_from(["每周", "每月", "每天", "全部", "1", "2", "0", "-1", "谈心",
                                                    "家长", "", "  "]),
                        st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=6),
                        st.integers(-3, 5), st.floats(-2, 5, allow_nan=False))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(edits=st.dictionaries(st.sampled_from([f"{c}{r}" for c in "ABCDEF" for r in range(2, 9)]), CELL_VALUES,
                             max_size=4))
def test_any_edit_loads_the_row_or_names_the_cell(edits: dict[str, Any]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        policy, issues = load_policy(policy_copy(Path(tmp), edits))
    loaded = {int(r.cell[1:]) for r in policy.rules}
    bad = {int(i.cell[1:]) for i in issues if i.code == "policy-invalid"}
    assert loaded | bad == set(range(2, 9)) and not loaded & bad  # four edits cannot blank a whole row
    edited_rows = {int(c[1:]) for c in edits}
    for i in issues:
        # an issue is at an edited cell, or at the name of a row whose name an edit duplicated
        assert i.cell in edits or (i.cell.startswith("A") and any(c.startswith("A") for c in edits))
    for r in policy.rules:
        assert r.period in PERIODS and r.minimum >= 1 and r.kinds and r.categories
        if int(r.cell[1:]) not in edited_rows:
            assert r == DEFAULT_RULES[int(r.cell[1:]) - 2]
