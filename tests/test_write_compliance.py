"""帮扶落实情况.xlsx and the 待办 copies: read back with openpyxl and compared with the Cadence tables."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import openpyxl
import pandas as pd
import pytest
from libreoffice import convert
from printing import printed
from builders import AS_OF, contact, ledger, student, with_macros

from rosterkit.cadence.engine import Cadence
from rosterkit.cadence.inputs import follow_up
from rosterkit.issues import Issue
from rosterkit import merge
from rosterkit.checking.read import read_workbook
from rosterkit.outputs import compliance
from rosterkit.outputs.annotate import annotate_copy
from rosterkit.xlsx.workbooks import RESULT_SHEET
from rosterkit.outputs.compliance import COMPLIANCE_NAME, MASKED_COMPLIANCE_NAME, SHEETS, write_compliance
from rosterkit.outputs.todo import TODO_SHEET, write_todo_copy

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
ID_RE, MOBILE_RE = re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)"), re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
FORMULA_NAME = '=HYPERLINK("x","y")'


@pytest.fixture(scope="module")
def example() -> Cadence:
    r = merge(EXAMPLES / "inbox", school_info=EXAMPLES / "学校信息.xlsx", as_of=AS_OF)
    return follow_up(r, as_of=AS_OF, due_within=7)  # 7 days: the weekly periods ending 11-29 are due soon


@pytest.fixture(scope="module")
def book(example: Cadence, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_compliance(example, tmp_path_factory.mktemp("out") / COMPLIANCE_NAME)


@pytest.fixture(scope="module")
def wb(book: Path) -> openpyxl.Workbook:
    return openpyxl.load_workbook(book)


@pytest.fixture(scope="module")
def small_inbox(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """三年级2班: a poor student with talks and a visit, a 单亲 student, a formula-like name. 三年级3班: six
    students of one 帮扶教师 (over the load limit of 5) with no contact at all."""
    inbox = tmp_path_factory.mktemp("inbox")
    names = ["张小明", "李思雨", FORMULA_NAME]
    ledger(inbox, "三年级2班.xlsx", students=[student(0), student(1, 类别="单亲家庭"), student(2, 姓名=FORMULA_NAME)],
           contacts=[contact(names[0], dt.date(2026, 11, d)) for d in (9, 16)]
           + [contact(names[0], dt.date(2026, 10, 15), "家访"), contact(names[1], dt.date(2026, 11, 2))])
    ledger(inbox, "三年级3班.xlsx", meta={"班级": "3班", "班主任": "李华"},
           students=[student(i, 帮扶教师="李华", 类别="困境儿童") for i in range(3, 9)], contacts=[])
    return inbox


@pytest.fixture(scope="module")
def small(small_inbox: Path) -> Cadence:
    return follow_up(merge(small_inbox, as_of=AS_OF), as_of=AS_OF, due_within=7)


@pytest.fixture(scope="module")
def small_book(small: Cadence, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_compliance(small, tmp_path_factory.mktemp("small"))


def values(ws: Any) -> list[list[Any]]:
    return [list(r) for r in ws.iter_rows(values_only=True)]


def table(ws: Any, header_row: int) -> pd.DataFrame:
    """The table whose header is on 1-based ``header_row``, down to the first empty row."""
    rows = values(ws)[header_row - 1:]
    end = next((i for i, r in enumerate(rows) if i and all(v is None for v in r)), len(rows))
    heads = [h for h in rows[0] if h is not None]
    return pd.DataFrame([r[:len(heads)] for r in rows[1:end]], columns=heads)


def section(ws: Any, title: str) -> pd.DataFrame:
    row = next(c.row for c in ws["A"] if c.value == title)
    return table(ws, row + 1 if ws.cell(row + 1, 2).value else row + 2)


def same(a: Any, b: Any) -> bool:
    if b is None or (isinstance(b, float) and np.isnan(b)) or b is pd.NA:
        return a is None or (isinstance(a, float) and np.isnan(a))  # None read into a DataFrame becomes NaN
    return a == pytest.approx(b) if isinstance(b, (int, float, np.number)) else a == b


def label(rec: Any) -> str:
    return f"{rec['grade']}{rec['class']}"


def test_sheets_in_order_overview_active(wb: openpyxl.Workbook) -> None:
    assert wb.sheetnames == list(SHEETS) == ["总览", "教师", "学生", "周期明细", "逾期名单", "即将到期"]
    assert wb.active.title == "总览"


def test_folder_dest_gets_default_names(small: Cadence, tmp_path: Path) -> None:
    assert write_compliance(small, tmp_path).name == COMPLIANCE_NAME
    assert write_compliance(small, tmp_path, mask=True).name == MASKED_COMPLIANCE_NAME
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([COMPLIANCE_NAME, MASKED_COMPLIANCE_NAME])


def test_overview_key_figures_equal_school(wb: openpyxl.Workbook, example: Cadence) -> None:
    ws = wb["总览"]
    assert ws["A1"].value == "城关镇中心小学帮扶落实情况（截至 2026-11-23）"
    got = table(ws, 5)
    school = example.school.iloc[0]
    cols = {"学校": "school", "班级数": "classes", "学生数": "students", "帮扶教师数": "teachers",
            "应达标周期": "periods_owed", "达标": "periods_met", "未达标": "periods_missed",
            "进行中": "periods_in_progress", "落实率": "compliance_rate", "逾期学生数": "students_overdue",
            "即将到期学生数": "students_due_soon", "超出结对上限教师数": "teachers_over_load"}
    assert list(got.columns) == list(cols) and len(got) == 1
    for head, col in cols.items():
        assert same(got.iloc[0][head], school[col]), head
    assert ws.cell(6, 9).number_format == "0.0%"


@pytest.mark.parametrize(("sheet", "font", "lead"), [("学生", 10, 2), ("周期明细", 9, 5)])
def test_wide_student_sheets_split_across_pages_at_8_pt(wb: openpyxl.Workbook, sheet: str, font: int,
                                                      lead: int) -> None:
    """学生 (18 columns) and the period grid printed one page wide were 6.3 and 6.5 pt: now split across pages,
    the student's frozen columns repeated on each, every page within the paper, text at 8 pt or more."""
    ws = wb[sheet]
    out = printed(ws)
    assert len(out.pages) > 1 and font * out.scale >= 8
    assert all(page[:lead] == list(range(1, lead + 1)) for page in out.pages)
    assert all(out.page_width(page) <= out.room for page in out.pages)
    assert out.pages[0] + [c for page in out.pages[1:] for c in page[lead:]] == list(range(1, ws.max_column + 1))


def test_cadence_classes_in_school_order(example: Cadence) -> None:
    """The per-class table itself (the JSON and every writer) lists 四年级 before 五年级, not by code point."""
    assert [g + c for g, c in zip(example.classes["grade"], example.classes["class"])] == [
        "三年级1班", "三年级2班", "四年级1班", "五年级1班", "五年级2班", "六年级1班"]


def test_overview_rate_per_class_and_rule(wb: openpyxl.Workbook, example: Cadence) -> None:
    ws = wb["总览"]
    classes = section(ws, "三、各班落实率")
    expected = {label(r): r["compliance_rate"] for r in example.classes.to_dict("records")}
    assert dict(zip(classes["班级"], classes["落实率"])) == pytest.approx(expected)
    assert list(classes["班级"]) == ["三年级1班", "三年级2班", "四年级1班", "五年级1班", "五年级2班", "六年级1班"]
    rules = section(ws, "四、各规则落实率")
    p = example.periods
    counts = pd.crosstab(p["rule"].astype(str), p["outcome"].astype(str))
    assert list(rules["规则"]) == [r.name for r in example.policy.rules]
    for rec in rules.to_dict("records"):
        met, missed = counts.loc[rec["规则"], "达标"], counts.loc[rec["规则"], "未达标"]
        assert (rec["达标"], rec["未达标"]) == (met, missed)
        assert rec["落实率"] == pytest.approx(met / (met + missed))


def test_overview_weekly_rate(wb: openpyxl.Workbook, example: Cadence) -> None:
    weeks = table(wb["总览"], next(c.row for c in wb["总览"]["A"] if c.value == "五、每周落实率") + 2)
    assert len(weeks) == 13 and weeks.iloc[0]["起止日期"] == "9/1–9/6" and weeks.iloc[-1]["起止日期"] == "11/23–11/29"
    p = example.periods.assign(outcome=example.periods["outcome"].astype(str))
    closed = p[(p["period_end"] < pd.Timestamp(AS_OF)) & p["outcome"].isin(["达标", "未达标"])]
    week = (closed["period_end"] - pd.Timestamp("2026-08-31")).dt.days // 7
    for k, rec in enumerate(weeks.to_dict("records")):
        part = closed[week == k]
        assert (rec["达标"], rec["未达标"]) == ((part["outcome"] == "达标").sum(), (part["outcome"] == "未达标").sum())
        assert same(rec["当周落实率"], rec["达标"] / rec["已结束周期"] if rec["已结束周期"] else None)
    upto = closed[week < 13]
    assert weeks.iloc[-1]["累计落实率"] == pytest.approx((upto["outcome"] == "达标").mean())


def test_charts_bar_and_line_on_overview(book: Path) -> None:
    with zipfile.ZipFile(book) as z:
        names = set(z.namelist())
        assert {"xl/charts/chart1.xml", "xl/charts/chart2.xml"} <= names
        kinds = {re.search(rb"<c:(barChart|lineChart)>", z.read(f"xl/charts/chart{i}.xml")).group(1) for i in (1, 2)}
        assert kinds == {b"barChart", b"lineChart"}
        sheet_rels = z.read("xl/worksheets/_rels/sheet1.xml.rels").decode()
        drawing = re.search(r'Target="\.\./drawings/(drawing\d+\.xml)"', sheet_rels).group(1)
        drawing_rels = z.read(f"xl/drawings/_rels/{drawing}.rels").decode()
        assert "chart1.xml" in drawing_rels and "chart2.xml" in drawing_rels
        # the bar chart plots the class rates of 总览
        assert "总览!$H$" in z.read("xl/charts/chart1.xml").decode()


def test_teachers_rows_equal_cadence(wb: openpyxl.Workbook, example: Cadence) -> None:
    got = table(wb["教师"], 3)
    t = example.teachers
    assert list(got["帮扶教师"]) == list(t["mentor"])
    pairs = {"学生数": "students", "应达标周期": "periods_owed", "达标": "periods_met", "未达标": "periods_missed",
             "进行中": "periods_in_progress", "落实率": "compliance_rate", "逾期学生数": "students_overdue",
             "即将到期学生数": "students_due_soon"}
    for head, col in pairs.items():
        assert all(same(a, b) for a, b in zip(got[head], t[col])), head
    assert list(got.iloc[:, -1]) == ["是" if x else "否" for x in t["over_load"]]
    ws = wb["教师"]
    for r, over in enumerate(t["over_load"], start=4):
        fill = ws.cell(r, ws.max_column).fill.fgColor.rgb
        assert (str(fill)[-6:] == "FFC7CE") == bool(over)


def test_students_rows(wb: openpyxl.Workbook, example: Cadence) -> None:
    got = table(wb["学生"], 3)
    st = example.students
    assert len(got) == len(st)
    expected = {(label(r), r["name"]): r for r in st.to_dict("records")}
    for rec in got.to_dict("records"):
        exp = expected[(rec["班级"], rec["姓名"])]
        assert rec["身份证号"] == str(exp["id_number"]) and rec["帮扶教师"] == exp["mentor"]
        assert rec["类别"] == "、".join(exp["categories"])
        assert (rec["应达标周期"], rec["达标"]) == (exp["periods_owed"], exp["periods_met"])
        assert same(rec["落实率"], exp["compliance_rate"])
        last = exp["last_谈心"]
        assert rec["最近谈心"] == (None if pd.isna(last) else f"{last:%m-%d}（{exp['days_since_谈心']}天）")


def grid_rows(ws: Any) -> tuple[list[Any], list[list[Any]]]:
    rows = values(ws)
    top = next(i for i, r in enumerate(rows) if r[0] == "班级")
    return rows[top], rows[top + 1:]


def test_grid_holds_the_outcomes_of_periods(wb: openpyxl.Workbook, example: Cadence) -> None:
    ws = wb["周期明细"]
    header, rows = grid_rows(ws)
    assert header[:5] == ["班级", "姓名", "帮扶教师", "规则", "周期"] and header[5] == "第1期"
    p = example.periods
    rules = p[["student_key", "rule"]].astype(str).drop_duplicates()
    assert len(rows) == len(rules)
    # every outcome cell, and per outcome the same count as the periods table
    cells = [v for r in rows for v in r[5:] if v is not None]
    assert len(cells) == len(p)
    assert pd.Series(cells).value_counts().to_dict() == p["outcome"].astype(str).value_counts()[
        lambda s: s > 0].to_dict()
    # one chosen student and rule, period by period
    pick = p[(p["name"] == "龙家乐") & (p["rule"] == "亲情电话")]
    row = next(r for r in rows if r[1] == "龙家乐" and r[3] == "亲情电话")
    assert row[0] == "三年级1班" and row[2] == pick["mentor"].iloc[0] and row[4] == "每周"
    expected = {int(n) + 4: str(o) for n, o in zip(pick["period_no"], pick["outcome"])}
    assert {i: v for i, v in enumerate(row) if i >= 5 and v is not None} == expected
    assert row[5 + 7 - 1] is None  # enrolled on 10-19: the first weeks are not owed
    # the dates row of 每周 gives the dates of 第k期
    dates = next(r for r in values(ws) if r[4] == "每周")
    assert dates[5] == "9/1–\n9/6" and dates[5 + 11] == "11/16–\n11/22"


def test_grid_conditional_formats_four_colours(wb: openpyxl.Workbook) -> None:
    ws = wb["周期明细"]
    found = {}
    for rng in ws.conditional_formatting:
        for rule in rng.rules:
            found[rule.text] = (rule.type, str(rule.dxf.fill.bgColor.rgb)[-6:], str(rng.sqref))
    assert {k: v[1] for k, v in found.items()} == {k: bg for k, (bg, _) in compliance.OUTCOME_COLORS.items()}
    assert {v[0] for v in found.values()} == {"beginsWith"}
    assert all(v[2].startswith("F") for v in found.values())  # the period columns only
    # plain cells: no per-cell fills in the grid body
    top = next(c.row for c in ws["A"] if c.value == "班级") + 1
    assert ws.cell(top, 6).fill.fill_type is None
    assert ws.freeze_panes == f"F{top}"


def test_overdue_and_due_soon_rows_in_cadence_order(wb: openpyxl.Workbook, example: Cadence) -> None:
    got = table(wb["逾期名单"], 3)
    o = example.overdue
    assert len(got) == len(o) > 0
    assert list(zip(got["帮扶教师"], got["姓名"], got["规则"], got["逾期天数"], got["缺少"])) == list(
        zip(o["mentor"], o["name"], o["rule"], o["days_overdue"], o["missing"]))
    assert "身份证号" not in got.columns and "监护人电话" not in got.columns
    due = table(wb["即将到期"], 3)
    d = example.due_soon
    assert len(due) == len(d) > 0
    assert list(zip(due["帮扶教师"], due["姓名"], due["规则"], due["剩余天数"])) == list(
        zip(d["mentor"], d["name"], d["rule"], d["days_left"]))
    for mentor, part in due.groupby("帮扶教师", sort=False):
        assert list(part["剩余天数"]) == sorted(part["剩余天数"])


def test_empty_list_says_none(example: Cadence, tmp_path: Path) -> None:
    quiet = Cadence(**{**example.__dict__, "due_soon": example.due_soon.iloc[0:0]})
    ws = openpyxl.load_workbook(write_compliance(quiet, tmp_path / "x.xlsx"))["即将到期"]
    assert ws["A4"].value == "（无）"


def test_small_case_load_limit_formula_text_and_grid(small_book: Path, small: Cadence) -> None:
    wb = openpyxl.load_workbook(small_book)
    t = table(wb["教师"], 3)
    assert dict(zip(t["帮扶教师"], t.iloc[:, -1])) == {"周丽": "否", "李华": "是"}
    assert wb["总览"]["A1"].value == "城关镇中心小学帮扶落实情况（截至 2026-11-23）"
    cells = [c for ws in wb for row in ws.iter_rows() for c in row if c.value == FORMULA_NAME]
    assert {c.parent.title for c in cells} >= {"学生", "周期明细"} and all(c.data_type == "s" for c in cells)
    _, rows = grid_rows(wb["周期明细"])
    p = small.periods
    for name, rule in (("张小明", "贫困谈心"), ("李思雨", "其他谈心")):
        row = next(r for r in rows if r[1] == name and r[3] == rule)
        pick = p[(p["name"] == name) & (p["rule"] == rule)]
        assert [v for v in row[5:] if v is not None] == [str(o) for o in pick.sort_values("period_no")["outcome"]]


def test_two_schools_get_a_total_row_and_school_columns(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    ledger(inbox, "a.xlsx")
    ledger(inbox, "b.xlsx", meta={"学校": "东山小学", "班级": "5班"}, students=[student(3), student(4)])
    cad = follow_up(merge(inbox, as_of=AS_OF), as_of=AS_OF)
    wb = openpyxl.load_workbook(write_compliance(cad, tmp_path / "out.xlsx"))
    assert wb["总览"]["A1"].value == "2 所学校帮扶落实情况（截至 2026-11-23）"
    figures = table(wb["总览"], 5)
    assert list(figures["学校"]) == [*cad.school["school"], "合计"]
    assert figures.iloc[-1]["学生数"] == 5 == cad.school["students"].sum()
    total = cad.school[["periods_met", "periods_missed"]].sum()
    assert figures.iloc[-1]["落实率"] == pytest.approx(total.iloc[0] / total.sum())
    assert table(wb["教师"], 3).columns[0] == "学校" and table(wb["逾期名单"], 3).columns[0] == "学校"
    assert set(section(wb["总览"], "三、各班落实率")["班级"]) == {"城关镇中心小学 三年级2班", "东山小学 三年级5班"}


def test_grid_capped_at_row_limit_with_note(small: Cadence, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(compliance, "MAX_ROWS", 12)
    ws = openpyxl.load_workbook(write_compliance(small, tmp_path / "cap.xlsx"))["周期明细"]
    assert ws.max_row == 12
    assert "超出 Excel 行数上限" in ws["A2"].value


@pytest.mark.parametrize("limit", [None, 10_000, 3])
def test_long_detail_sheets_left_out_with_a_note(small: Cadence, tmp_path: Path, limit: int | None) -> None:
    wb = openpyxl.load_workbook(write_compliance(small, tmp_path / "g.xlsx", detail_rows=limit))
    whole = openpyxl.load_workbook(write_compliance(small, tmp_path / "all.xlsx", detail_rows=None))
    sizes = {"学生": len(small.students), "周期明细": len(grid_rows(whole["周期明细"])[1]),
             "逾期名单": len(small.overdue)}
    assert min(sizes.values()) > 3  # the small school's lists are longer than the tight limit
    for name, rows in sizes.items():
        listed = limit is None or rows <= limit
        got = grid_rows(wb[name])[1] if name == "周期明细" else table(wb[name], 3).values.tolist()
        want = grid_rows(whole[name])[1] if name == "周期明细" else table(whole[name], 3).values.tolist()
        assert got == (want if listed else []), name
        assert ("未在此列出" in wb[name]["A2"].value) is not listed
        assert (f"共 {rows} 行" in wb[name]["A2"].value) is not listed
    assert values(wb["总览"]) == values(whole["总览"]) and values(wb["教师"]) == values(whole["教师"])


def all_text(path: Path) -> str:
    with zipfile.ZipFile(path) as z:
        return "\n".join(z.read(n).decode("utf-8", "replace") for n in z.namelist() if n.endswith(".xml"))


def test_masked_workbook_has_no_id_or_mobile(example: Cadence, book: Path, tmp_path: Path) -> None:
    assert ID_RE.search(all_text(book))  # the plain workbook does hold ID numbers
    masked = write_compliance(example, tmp_path, mask=True)
    text = all_text(masked)
    assert not ID_RE.search(text) and not MOBILE_RE.search(text)
    wb = openpyxl.load_workbook(masked)
    assert wb["总览"]["A1"].value.endswith("（脱敏）")
    ids = [v for v in table(wb["学生"], 3)["身份证号"]]
    # every ID masked, but the one Excel turned into a number (三年级2班): shown as Excel shows it, masked or not
    assert ids and all("*" in v for v in ids if v != "4.30121E+17") and "4.30121E+17" in ids


# ---- 待办 copies -------------------------------------------------------------------------------------------


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def file_of(cad: Cadence, klass: str) -> str:
    st = cad.students
    key = st.loc[(st["grade"] + st["class"]) == klass, "student_key"].iloc[0]
    return key.rsplit("#", 1)[0]


def todo_rows(ws: Any) -> list[list[Any]]:
    return [r for r in values(ws) if len(r) > 2 and r[2] in ("逾期", "即将到期")]


def test_todo_copy_first_sheet_lists_the_class(example: Cadence, tmp_path: Path) -> None:
    name = file_of(example, "四年级1班")
    src = EXAMPLES / "inbox" / name
    before = sha(src)
    dest = write_todo_copy(src, tmp_path / "copy.xlsx", example, file_name=name)
    assert sha(src) == before
    wb = openpyxl.load_workbook(dest)
    original = openpyxl.load_workbook(src)
    assert wb.sheetnames == [TODO_SHEET, *original.sheetnames] and wb.active.title == TODO_SHEET
    for title in original.sheetnames:  # the teacher's sheets are unchanged
        assert values(wb[title]) == values(original[title])
    ws = wb[TODO_SHEET]
    mine = example.overdue[example.overdue["student_key"].str.startswith(f"{name}#")]
    due = example.due_soon[example.due_soon["student_key"].str.startswith(f"{name}#")]
    assert ws["A2"].value == f"截至 2026-11-23，本班 {mine['student_key'].nunique()} 名学生有逾期事项，{len(due)} 项即将到期"
    rows = todo_rows(ws)
    late = [(r[0], r[1], r[3]) for r in rows if r[2] == "逾期"]
    assert sorted(late) == sorted(zip(mine["name"], mine["rule"], mine["missing"]))
    assert len([r for r in rows if r[2] == "即将到期"]) == len(due)
    assert {r[0] for r in rows} <= set(example.students.loc[example.students["class"] == "1班", "name"])
    teachers = [v for v in ws["A"] if isinstance(v.value, str) and v.value.startswith("帮扶教师：")]
    assert {t.value.split("：")[1].split("（")[0] for t in teachers} == set(mine["mentor"]) | set(due["mentor"])


def test_todo_copy_of_annotated_copy_keeps_results_second(example: Cadence, tmp_path: Path) -> None:
    name = file_of(example, "三年级2班")
    annotated = annotate_copy(EXAMPLES / "inbox" / name, tmp_path / "a.xlsx",
                              [Issue(file=name, sheet="花名册", cell="B4", column="姓名", value="x", code="c",
                                     severity="error", message="m")])
    dest = write_todo_copy(annotated, tmp_path / "b.xlsx", example, file_name=name)
    names = openpyxl.load_workbook(dest).sheetnames
    assert names[:2] == [TODO_SHEET, RESULT_SHEET]
    again = write_todo_copy(dest, tmp_path / "c.xlsx", example, file_name=name)  # a re-run replaces 待办
    assert openpyxl.load_workbook(again).sheetnames == names


def test_todo_copy_of_xls_from_fallback(example: Cadence, tmp_path: Path) -> None:
    name = file_of(example, "六年级1班")
    src = EXAMPLES / "inbox" / name
    raw = read_workbook(src)
    with pytest.raises(ValueError):
        write_todo_copy(src, tmp_path / "x.xlsx", example, file_name=name)
    wb = openpyxl.load_workbook(write_todo_copy(src, tmp_path / "x.xlsx", example, file_name=name,
                                                fallback_sheets=raw.sheets))
    assert wb.sheetnames == [TODO_SHEET, *raw.sheets]
    assert "不是 .xlsx 格式" in wb[TODO_SHEET]["A3"].value
    mine = example.overdue[example.overdue["student_key"].str.startswith(f"{name}#")]
    assert len([r for r in todo_rows(wb[TODO_SHEET]) if r[2] == "逾期"]) == len(mine) > 0


def test_todo_copy_up_to_date_class_and_guard(small: Cadence, small_inbox: Path, tmp_path: Path) -> None:
    quiet = Cadence(**{**small.__dict__, "overdue": small.overdue.iloc[0:0], "due_soon": small.due_soon.iloc[0:0]})
    src = small_inbox / "三年级2班.xlsx"
    ws = openpyxl.load_workbook(write_todo_copy(src, tmp_path / "q.xlsx", quiet, file_name=src.name))[TODO_SHEET]
    assert ws["A1"].value == "三年级2班帮扶待办（截至 2026-11-23）"
    assert "没有逾期或即将到期" in ws["A2"].value and not todo_rows(ws)
    with pytest.raises(ValueError):
        write_todo_copy(src, src, small, file_name=src.name)
    # the class with no contacts: every student overdue, other classes' students absent
    other = small_inbox / "三年级3班.xlsx"
    rows = todo_rows(openpyxl.load_workbook(write_todo_copy(other, tmp_path / "o.xlsx", small,
                                                            file_name=other.name))[TODO_SHEET])
    assert {r[0] for r in rows if r[2] == "逾期"} == set(
        small.students.loc[small.students["class"] == "3班", "name"])


# ---- LibreOffice ---------------------------------------------------------------------------------------------


def _pdf(file: Path, tmp_path: Path) -> Path:
    return convert(file, "pdf", tmp_path)


def test_libreoffice_renders_both_workbooks(book: Path, example: Cadence, tmp_path: Path) -> None:
    name = file_of(example, "四年级1班")
    todo = write_todo_copy(EXAMPLES / "inbox" / name, tmp_path / "todo.xlsx", example, file_name=name)
    for file in (book, todo):
        pdf = _pdf(file, tmp_path)
        assert pdf.read_bytes().startswith(b"%PDF") and pdf.stat().st_size > 10_000


def test_todo_copy_of_xlsx_is_a_byte_level_copy(example: Cadence, tmp_path: Path, monkeypatch) -> None:
    from rosterkit.xlsx import zipsheet
    name = file_of(example, "四年级1班")
    src = EXAMPLES / "inbox" / name
    dest = write_todo_copy(src, tmp_path / "fast.xlsx", example, file_name=name)
    with zipfile.ZipFile(src) as a, zipfile.ZipFile(dest) as b:
        old, new = {n: a.read(n) for n in a.namelist()}, {n: b.read(n) for n in b.namelist()}
    assert set(old) < set(new) and len(new) == len(old) + 1
    edited = {"[Content_Types].xml", "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/styles.xml"}
    for n, data in old.items():  # the fast path: the teacher's sheets, comments, theme … are the source's bytes
        if n in edited:
            continue
        if n.startswith("xl/worksheets/") and b"tabSelected" in data:  # only the selection mark is cleared
            assert new[n] == re.sub(rb'\s+tabSelected="(1|true)"', b"", data)
        else:
            assert new[n] == data, n
    assert sum(n.startswith("xl/worksheets/") and new[n] == old[n] for n in old) >= 4
    wb, original = openpyxl.load_workbook(dest), openpyxl.load_workbook(src)
    assert wb.sheetnames == [TODO_SHEET, *original.sheetnames] and wb.active.title == TODO_SHEET
    assert [ws.title for ws in wb.worksheets if ws.sheet_view.tabSelected] == [TODO_SHEET]
    for title in original.sheetnames:  # print areas and titles still point at the right sheets
        assert wb[title].print_area == original[title].print_area
        assert wb[title].print_title_rows == original[title].print_title_rows
        assert wb[title].sheet_state == original[title].sheet_state
    assert original["花名册"].print_area and wb["花名册"].print_area == original["花名册"].print_area
    # same 待办 as the openpyxl path: values, fonts, fills, widths, row heights, page setup
    def forced(*a: Any, **k: Any) -> None:
        raise zipsheet.Unsupported("forced")
    monkeypatch.setattr(zipsheet, "insert_first_sheet", forced)
    slow = openpyxl.load_workbook(write_todo_copy(src, tmp_path / "slow.xlsx", example, file_name=name))
    a_ws, b_ws = wb[TODO_SHEET], slow[TODO_SHEET]
    assert values(a_ws) == values(b_ws) and values(a_ws)
    for ra, rb in zip(a_ws.iter_rows(), b_ws.iter_rows()):
        for ca, cb in zip(ra, rb):
            assert (ca.font.b, ca.font.sz, ca.font.name) == (cb.font.b, cb.font.sz, cb.font.name), ca.coordinate
            assert (ca.fill.fgColor.rgb[-6:] if ca.fill.fill_type else None) == (
                cb.fill.fgColor.rgb[-6:] if cb.fill.fill_type else None), ca.coordinate
            assert bool(ca.border.left.style) == bool(cb.border.left.style)
            assert ca.alignment.wrap_text == cb.alignment.wrap_text
    for col in "ABCDEFG":
        assert a_ws.column_dimensions[col].width == b_ws.column_dimensions[col].width
    assert {r: d.height for r, d in a_ws.row_dimensions.items() if d.height} == {
        r: d.height for r, d in b_ws.row_dimensions.items() if d.height}
    assert (a_ws.page_setup.orientation, a_ws.page_setup.paperSize) == ("landscape", b_ws.page_setup.paperSize)
    # a second client opens it
    pdf = _pdf(dest, tmp_path)
    assert pdf.read_bytes().startswith(b"%PDF") and pdf.stat().st_size > 10_000


def test_todo_copy_fast_path_drops_macros_and_escapes(example: Cadence, tmp_path: Path) -> None:
    from rosterkit.xlsx import zipsheet
    name = file_of(example, "四年级1班")
    src = tmp_path / "m.xlsm"
    with_macros(EXAMPLES / "inbox" / name, src)
    calls = []
    real = zipsheet.insert_first_sheet
    def spy(*a: Any, **k: Any) -> None:
        calls.append(a[2])
        a[2].cells.append(zipsheet.Cell(40, 1, "<&> \x01\"'", None))
        real(*a, **k)
    import rosterkit.outputs.todo as todo_mod
    todo_mod.zipsheet.insert_first_sheet = spy
    try:
        dest = write_todo_copy(src, tmp_path / "m.xlsx", example, file_name=name)
    finally:
        todo_mod.zipsheet.insert_first_sheet = real
    assert calls
    with zipfile.ZipFile(dest) as zf:
        assert not [n for n in zf.namelist() if "vba" in n.lower()]
        assert b"macroEnabled" not in zf.read("[Content_Types].xml") and b"vbaProject" not in zf.read(
            "[Content_Types].xml") and b"vbaProject" not in zf.read("xl/_rels/workbook.xml.rels")
    wb = openpyxl.load_workbook(dest)
    assert wb.sheetnames[0] == TODO_SHEET and wb[TODO_SHEET]["A40"].value == "<&> \"'"
