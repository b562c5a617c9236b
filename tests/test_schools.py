"""Who is who (issue 15, items 1–2): one class, one label everywhere; (学校, 年级, 班级) keeps schools apart."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import given, settings, strategies as st

from builders import AS_OF, contact, ledger, school_info, student
from rosterkit.distribution import distribute
from rosterkit import merge
from rosterkit.pipeline import report_inbox
from rosterkit.merging.school import ExpectedClass, SchoolInfo, class_id, class_label, class_parts, read_school_info

SCHOOLS = ["城关镇中心小学", "城南小学", "城北小学"]
CN = "零一二三四五六七八九"


def _meta(school: str, grade: str, klass: str, teacher: str = "周丽") -> dict[str, Any]:
    return {"学校": school, "年级": grade, "班级": klass, "班主任": teacher, "填表人": teacher}


def _students(offset: int, n: int = 3, **over: Any) -> list[dict[str, Any]]:
    return [student(offset + i, **over) for i in range(n)]


def _rows(ws: Any) -> list[list[Any]]:
    return [list(r) for r in ws.iter_rows(values_only=True)]


# ---- one label per class -----------------------------------------------------------------------------------

@pytest.mark.parametrize("grade, klass, label", [
    ("5年级", "五1班", "五年级1班"),
    ("五年级", "五年级(1)班", "五年级1班"),
    ("三年级", "三年级(1)班", "三年级1班"),
    ("", "三年级2班", "三年级2班"),
    ("3年级", "二班", "三年级2班"),
    ("小学五年级", "（1）班", "五年级1班"),
    ("初一", "初一(2)班", "初一2班"),
    ("七年级", "(1)班", "七年级1班"),
    ("初中一年级", "3班", "初一3班"),
    ("高一", "高一2班", "高一2班"),
    ("六年级", "10班", "六年级10班"),
    ("三年级", "实验班", "三年级实验班"),
])
def test_class_label_is_canonical(grade: str, klass: str, label: str) -> None:
    assert class_label(*class_parts(grade, klass)) == label


def test_school_info_spelling_wins_without_repeating_the_grade() -> None:
    assert ExpectedClass("五年级", "(1)班").label == "五年级(1)班"
    assert ExpectedClass("三年级", "三年级(1)班").label == "三年级(1)班"
    assert ExpectedClass("初一", "1班").label == "初一1班"  # 学校信息's own grade word: not 七年级
    assert class_label(None, None) == "（未填写班级）"


@settings(max_examples=200, deadline=None)
@given(g=st.integers(1, 9), c=st.integers(1, 20), arabic_grade=st.booleans(), style=st.integers(0, 3),
       school=st.sampled_from(SCHOOLS))
def test_every_spelling_of_a_class_is_one_class(g: int, c: int, arabic_grade: bool, style: int,
                                                school: str) -> None:
    grade = f"{g}年级" if arabic_grade else f"{CN[g]}年级"
    klass = [f"{c}班", f"({c})班", f"{CN[g]}{c}班", f"{CN[g]}年级({c})班"][style]
    canonical = class_parts(f"{CN[g]}年级", f"{c}班")
    assert class_parts(grade, klass) == canonical
    assert class_label(*class_parts(grade, klass)) == f"{CN[g]}年级{c}班"
    assert class_id(school, grade, klass) == class_id(school, *canonical)
    assert all(class_id(other, grade, klass) != class_id(school, grade, klass) for other in SCHOOLS if other != school)


_TYPED = st.text(alphabet=list("0123456789一二三四五六七八九十百零〇初高中小学年级班()（） 实验a"), max_size=8)


@settings(max_examples=500, deadline=None)
@given(grade=_TYPED, klass=_TYPED)
def test_a_label_is_its_own_label(grade: str, klass: str) -> None:
    """Whatever a teacher types: no exception, and the label's parts read again give the same class and label."""
    parts = class_parts(grade, klass)
    assert class_parts(*parts) == parts
    assert class_id(SCHOOLS[0], grade, klass) == class_id(SCHOOLS[0], *parts)


def test_two_spellings_of_one_class_are_one_class_in_every_output(tmp_path: Path) -> None:
    """「5年级」「五1班」 in one file and 「五年级(1)班」 in a newer one: one class, 五年级1班 in every output."""
    inbox = tmp_path / "inbox"
    old = ledger(inbox, "五1班.xlsx", meta={**_meta(SCHOOLS[0], "5年级", "五1班"), "填报日期": dt.date(2026, 11, 10)},
                 students=_students(0))
    ledger(inbox, "五年级1班.xlsx", meta=_meta(SCHOOLS[0], "五年级", "五年级(1)班"), students=_students(0))
    ledger(inbox, "三年级1班.xlsx", meta=_meta(SCHOOLS[0], "三年级", "三年级(1)班"), students=_students(10))
    ledger(inbox, "初一1班.xlsx", meta=_meta(SCHOOLS[0], "初一", "1班"), students=_students(20),
           contacts=[contact(s["姓名"], dt.date(2026, 9, 7)) for s in _students(20)])
    assert old.exists()
    run = report_inbox(inbox, out=tmp_path / "out", as_of=AS_OF, jobs=1)
    assert run.merge is not None and run.cadence is not None
    labels = ["三年级1班", "五年级1班", "初一1班"]
    subs = run.merge.submissions
    assert [(s, l, st_) for s, l, st_ in zip(subs["school"], subs["label"], subs["status"])] == [
        (SCHOOLS[0], "三年级1班", "已提交"), (SCHOOLS[0], "五年级1班", "重复提交"), (SCHOOLS[0], "初一1班", "已提交")]
    assert run.merge.rows_read == len(run.merge.roster) + len(run.merge.left_out)
    assert sorted(run.merge.left_out["class"]) == ["五年级1班"] * 3  # the older file, superseded
    # 学校花名册: 花名册 年级+班级, 分类统计, 提交情况
    book = openpyxl.load_workbook(tmp_path / "out" / "学校花名册.xlsx")
    roster = _rows(book["花名册"])
    head = roster[1]
    g, k = head.index("年级"), head.index("班级")
    body = [r for r in roster[2:] if isinstance(r[0], int)]
    assert list(dict.fromkeys(f"{r[g]}{r[k]}" for r in body)) == labels
    stats = [r[0] for r in _rows(book["分类统计"])]
    assert stats[1:4] == labels and "全校合计" in stats
    sub_rows = _rows(book["提交情况"])
    assert [f"{r[0]}{r[1]}" for r in sub_rows[2:]] == labels
    # 帮扶落实情况: 各班落实率 and the students sheet
    comp = openpyxl.load_workbook(tmp_path / "out" / "帮扶落实情况.xlsx")
    overview = [r[0] for r in _rows(comp["总览"])]
    at = overview.index("三、各班落实率")
    assert overview[at + 2: at + 5] == labels
    assert len(run.cadence.classes) == 3  # 班级数 3 for 4 files: one class sent twice
    student_labels = {r[0] for r in _rows(comp["学生"])[2:] if r[0]}
    assert student_labels <= set(labels) | {"班级"} and set(labels) <= student_labels
    # 待办 of each copy handed back, and the cadence JSON
    todo = {p.name: openpyxl.load_workbook(p)["待办"]["A1"].value for p in (tmp_path / "out" / "发回各班").iterdir()}
    assert {n: v.split("帮扶待办")[0] for n, v in todo.items()} == {
        "五年级1班_发回.xlsx": "五年级1班", "三年级1班_发回.xlsx": "三年级1班", "初一1班_发回.xlsx": "初一1班"}
    data = json.loads(json.dumps(run.cadence.to_dict(), ensure_ascii=False))
    assert {p["class"] for p in data["periods"]} == set(labels)
    assert {(r["grade"] + r["class"]) for r in data["overdue"]} <= set(labels)
    merged = run.merge.to_dict()
    assert [c["class"] for c in merged["classes"]] == labels


def test_listed_spelling_is_used_everywhere(tmp_path: Path) -> None:
    info = read_school_info(school_info(tmp_path, [("五年级", "(1)班", "周丽")]))
    inbox = tmp_path / "inbox"
    ledger(inbox, "a.xlsx", meta=_meta("城关镇中心小学", "5年级", "五1班"), students=_students(0))
    result = merge(inbox, school_info=info)
    assert list(result.submissions["label"]) == ["五年级(1)班"]
    assert set(zip(result.roster["grade"], result.roster["class"])) == {("五年级", "(1)班")}


# ---- schools kept apart ------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def county(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Three schools, each with 三年级1班 (and 城北小学 also expects 三年级2班, which sent nothing); one 学校信息
    lists them all in its 学校 column; one row of 城南小学's has a bad ID (left out)."""
    tmp = tmp_path_factory.mktemp("county")
    info = school_info(tmp, [("三年级", "1班", "周丽", SCHOOLS[0]), ("三年级", "1班", "李华", SCHOOLS[1]),
                             ("三年级", "1班", "刘强", SCHOOLS[2]), ("三年级", "2班", "王芳", SCHOOLS[2])],
                       name="城关学区")
    inbox = tmp / "inbox"
    for i, school in enumerate(SCHOOLS):
        rows = _students(10 * i, 4)
        if i == 1:
            rows[3]["身份证号"] = "430121201701011234"  # wrong check digit
        talks = (9, 16) if i < 2 else (9,)  # 城北小学 keeps up less: the schools' rates differ
        ledger(inbox, f"{school}_三年级1班.xlsx", meta=_meta(school, "三年级", "1班"), students=rows,
               contacts=[contact(s["姓名"], dt.date(2026, 11, d)) for s in rows for d in talks])
    return inbox, info


@pytest.fixture(scope="module")
def county_run(county: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Path]:
    out = tmp_path_factory.mktemp("county_out")
    return report_inbox(county[0], out=out, school_info=county[1], as_of=AS_OF, jobs=1), out


def test_school_info_reads_the_school_column(county: tuple[Path, Path]) -> None:
    info = read_school_info(county[1])
    assert [(c.school, c.label) for c in info.classes] == [
        (SCHOOLS[0], "三年级1班"), (SCHOOLS[1], "三年级1班"), (SCHOOLS[2], "三年级1班"), (SCHOOLS[2], "三年级2班")]
    assert info.schools == ("城关学区", *SCHOOLS)


def test_three_schools_merge_apart(county_run: tuple[Any, Path]) -> None:
    run, _ = county_run
    m = run.merge
    assert (m.left_out["kind"] == "superseded").sum() == 0
    assert [(r["school"], r["kind"]) for r in m.left_out.to_dict("records")] == [(SCHOOLS[1], "errors")]
    assert m.rows_read == 12 == len(m.roster) + len(m.left_out)
    assert sorted(m.roster["school"].value_counts().items()) == sorted(
        [(SCHOOLS[0], 4), (SCHOOLS[1], 3), (SCHOOLS[2], 4)])
    assert [(r["school"], r["label"], r["status"]) for r in m.submissions.to_dict("records")] == [
        (SCHOOLS[0], "三年级1班", "已提交"), (SCHOOLS[2], "三年级1班", "已提交"),
        (SCHOOLS[2], "三年级2班", "未提交"), (SCHOOLS[1], "三年级1班", "有错误")]
    assert [(r["school"], r["label"]) for r in m.missing.to_dict("records")] == [(SCHOOLS[2], "三年级2班")]
    assert run.summary()["classes_missing"] == [f"{SCHOOLS[2]} 三年级2班"]
    assert len(run.cadence.classes) == 3 and sorted(run.cadence.classes["school"]) == sorted(SCHOOLS)
    assert list(run.cadence.classes["students"]) == [4, 4, 4]  # the left-out row still owes visits
    school = run.cadence.school
    assert len(school) == 3 and school["compliance_rate"].nunique() > 1 and run.summary()["compliance_rate"] == pytest.approx(
        school["periods_met"].sum() / (school["periods_met"].sum() + school["periods_missed"].sum()))


def test_three_schools_outputs_name_the_school(county_run: tuple[Any, Path]) -> None:
    _, out = county_run
    book = openpyxl.load_workbook(out / "学校花名册.xlsx")
    roster = _rows(book["花名册"])
    s = roster[1].index("学校")
    assert sorted({r[s] for r in roster[2:] if isinstance(r[0], int)}) == sorted(SCHOOLS)
    stats = [r[0] for r in _rows(book["分类统计"])]
    order = (SCHOOLS[0], SCHOOLS[2], SCHOOLS[1])  # by school name in natural order, as the roster
    assert stats[1:4] == [f"{s} 三年级1班" for s in order]
    assert [x for x in stats if isinstance(x, str) and x.endswith("合计")][:4] == [
        *(f"{s}合计" for s in order), "全部合计"]
    subs = _rows(book["提交情况"])
    assert subs[0][0] == f"未提交：{SCHOOLS[2]}：三年级2班（王芳）"
    assert subs[1][:3] == ["学校", "年级", "班级"]
    assert [(r[0], r[1] + r[2], r[4]) for r in subs[2:]] == [
        (SCHOOLS[0], "三年级1班", "已提交"), (SCHOOLS[2], "三年级1班", "已提交"),
        (SCHOOLS[2], "三年级2班", "未提交"), (SCHOOLS[1], "三年级1班", "有错误")]
    left = _rows(book["未纳入"])
    assert left[0][:3] == ["文件", "学校", "班级"] and [r[1:3] for r in left[1:]] == [[SCHOOLS[1], "三年级1班"]]
    comp = _rows(openpyxl.load_workbook(out / "帮扶落实情况.xlsx")["总览"])
    first = [r[0] for r in comp]
    at = first.index("三、各班落实率")
    assert sorted(first[at + 2: at + 5]) == sorted(f"{s} 三年级1班" for s in SCHOOLS)


def test_blank_school_is_the_only_school(tmp_path: Path) -> None:
    info = SchoolInfo(name=SCHOOLS[0], classes=(ExpectedClass("三年级", "1班", "周丽"),))
    inbox = tmp_path / "inbox"
    ledger(inbox, "a.xlsx", meta=_meta("", "三年级", "1班"), students=_students(0))
    m = merge(inbox, school_info=info)
    # 有错误: a blank 学校 is still required-missing for the teacher to fill in; the class is the school's
    assert [(r["school"], r["label"], r["status"]) for r in m.submissions.to_dict("records")] == [
        (SCHOOLS[0], "三年级1班", "有错误")]
    assert set(m.roster["school"]) == {SCHOOLS[0]}


def test_similar_school_names_are_never_merged(tmp_path: Path) -> None:
    """城关中心小学 is not 城关镇中心小学: its class is 名单外 and the listed one 未提交, both named; with several
    schools listed, a ledger with no 学校 belongs to none of them."""
    info = SchoolInfo(classes=(ExpectedClass("三年级", "1班", "周丽", school=SCHOOLS[0]),
                               ExpectedClass("三年级", "1班", "李华", school=SCHOOLS[1])))
    inbox = tmp_path / "inbox"
    ledger(inbox, "a.xlsx", meta=_meta("城关中心小学", "三年级", "1班"), students=_students(0))
    ledger(inbox, "b.xlsx", meta=_meta("", "三年级", "1班"), students=_students(10))
    ledger(inbox, "c.xlsx", meta=_meta(SCHOOLS[1], "三年级", "1班"), students=_students(20))
    m = merge(inbox, school_info=info)
    got = {(r["school"] if isinstance(r["school"], str) else None, r["label"], r["status"], r["note"])
           for r in m.submissions.to_dict("records")}
    assert got == {(SCHOOLS[0], "三年级1班", "未提交", "请催交"), (SCHOOLS[1], "三年级1班", "已提交", ""),
                   ("城关中心小学", "三年级1班", "名单外", "学校「城关中心小学」不在学校信息的名单中，请核对学校名称"),
                   (None, "三年级1班", "名单外", "台账未填写学校，无法确定是哪所学校的班级，请补填「学校」")}
    assert [c["school"] for c in m.to_dict()["classes"]].count(None) == 1  # null in JSON, never NaN
    assert (m.left_out["kind"] == "superseded").sum() == 0 and len(m.roster) == 9


def test_distribute_names_each_school(tmp_path: Path) -> None:
    info = school_info(tmp_path, [("三年级", "1班", "周丽", SCHOOLS[0]), ("三年级", "1班", "李华", SCHOOLS[1])],
                       name="城关学区")
    written = distribute(info, tmp_path / "下发").paths
    assert sorted(p.name for p in written) == sorted(f"{s}三年级1班_帮扶台账.xlsx" for s in SCHOOLS[:2])
    for p in written:
        ws = openpyxl.load_workbook(p)["填表说明"]
        texts = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
        assert p.name.split("三年级")[0] in texts


def test_same_file_name_in_two_schools_folders(tmp_path: Path) -> None:
    """Each school's folder holds its 三年级1班.xlsx: both are read, counted and handed back, named by folder."""
    folders = [tmp_path / s for s in SCHOOLS[1:]]
    for i, folder in enumerate(folders):
        ledger(folder, "三年级1班.xlsx", meta=_meta(folder.name, "三年级", "1班"), students=_students(10 * i))
    run = report_inbox(folders, out=tmp_path / "out", as_of=AS_OF, jobs=1)
    assert sorted(f.name for f in run.check.files) == sorted(f"{s}/三年级1班.xlsx" for s in SCHOOLS[1:])
    assert run.merge is not None and run.cadence is not None
    assert sorted(set(run.merge.roster["source_file"])) == sorted(f"{s}/三年级1班.xlsx" for s in SCHOOLS[1:])
    assert len(run.merge.roster) == 6 and len(run.cadence.students) == 6 and len(run.cadence.classes) == 2
    returns = sorted(p.name for p in (tmp_path / "out" / "发回各班").iterdir())
    assert returns == sorted(f"{s}_三年级1班_发回.xlsx" for s in SCHOOLS[1:])
    for name in returns:
        assert openpyxl.load_workbook(tmp_path / "out" / "发回各班" / name)["待办"]["A1"].value.startswith("三年级1班")
