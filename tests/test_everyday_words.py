"""Everyday words (issue 14, item 1): what a reader reads without hesitation is mapped through the template's
同义词 sheet and noted in 自动修正; what depends on another field is decided from it; what is wrong stays an error
naming the closest official word; what cannot be decided asks the teacher.

The regression school: three classes whose teachers use everyday words throughout their rosters and logs."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl.utils.cell import get_column_letter

from builders import AS_OF, META, contact, ledger, school_info, student
from rosterkit import check, load_template
from rosterkit.errors import TemplateError
from rosterkit.cadence.inputs import follow_up
from rosterkit import merge
from rosterkit.core.policy import load_term
from rosterkit.core.template import default_path
from rosterkit.core.words import SYNONYM_SHEET, choice_cleaner, closest

TPL = load_template()


class W(str):
    """A cell typed in everyday words, carrying the official word a reader takes it for."""

    official: str

    def __new__(cls, typed: str, official: str) -> W:
        self = super().__new__(cls, typed)
        self.official = official
        return self


def col(sheet: str, label: str) -> str:
    spec = TPL.roster if sheet == "花名册" else TPL.log
    return get_column_letter(next(i for i, f in enumerate(spec.fields) if f.label == label) + 1)


def expected_fixes(students: list[dict[str, Any]], contacts: list[dict[str, Any]]) -> set[tuple[str, ...]]:
    """(sheet, cell, before, after) of every W the rows hold: each must be in 自动修正."""
    out = set()
    for sheet, rows in (("花名册", students), ("帮扶记录", contacts)):
        for r, rec in enumerate(rows, start=3):
            for label, v in rec.items():
                if isinstance(v, W):
                    out.add((sheet, f"{col(sheet, label)}{r}", str(v), v.official))
    return out


def plain(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: str(v) if isinstance(v, W) else v for k, v in rec.items()} for rec in rows]


def school_days(term_start: dt.date, last: dt.date) -> list[dt.date]:
    """One school day a week (Wednesday, or the next day out of a holiday) from the term's first week."""
    term = load_term()
    assert term is not None
    holidays = [(h.start, h.end) for h in term.holidays]
    days, monday = [], term_start - dt.timedelta(days=term_start.weekday())
    while monday <= last:
        day = monday + dt.timedelta(days=2)
        while any(a <= day <= b for a, b in holidays):
            day += dt.timedelta(days=1)
        if term_start <= day <= last:
            days.append(day)
        monday += dt.timedelta(weeks=1)
    return days


FILED = META["填报日期"]


def class_one() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """周丽's class: a poor left-behind boy in grandparents' care, every required contact logged weekly in
    everyday words (谈话, 上门家访, 打电话 to 爸爸 who is away, 视频通话 of the child with his parents, 学期评估)."""
    s0 = student(0, 性别=W("男孩", "男"), 民族=W("苗", "苗族"), 类别=W("建档立卡户、留守", "建档立卡贫困家庭、留守儿童"),
                 留守类型=W("父母外出", "父母均外出"), 父亲务工地="广东省东莞市", 母亲务工地="广东省东莞市",
                 身体状况=W("良好", "健康"), 监护情况=W("一般般", "一般"), 监护人姓名="张大山",
                 与学生关系=W("爷爷", "祖父母"), 是否住校=W("住读", "是"))
    s1 = student(1, 性别=W("女孩", "女"), 民族=W("汉", "汉族"), 类别=W("低保", "农村低保家庭"),
                 与学生关系=W("妈妈", "母亲"), 是否住校=W("走读", "否"))
    days = school_days(dt.date(2026, 9, 1), FILED)
    name0, name1 = s0["姓名"], s1["姓名"]
    log: list[dict[str, Any]] = [contact(name0, days[0], W("学期评估", "评估"), 对象=W("本人", "学生"))]
    for d in days:
        log += [contact(name0, d, W("谈话", "谈心"), 对象=W("孩子", "学生")),
                contact(name0, d, W("上门家访", "家访"), 对象=W("奶奶", "监护人")),  # grandparents are the guardian
                contact(name0, d, W("打电话", "电话"), 对象=W("爸爸", "家长")),  # the father is away: a parent
                contact(name0, d, W("视频通话", "亲情电话"), 对象="学生"),  # the child talking with the parents
                contact(name1, d, W("个别谈话", "谈心")),
                contact(name1, d, W("电话回访", "电话家访"), 对象=W("妈妈", "监护人"))]  # the mother is the guardian
    log.append(contact(name1, days[1], W("心理评估", "评估")))
    return [s0, s1], log


def class_two() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    s = [student(2, 类别=W("离异", "离异家庭"), 与学生关系=W("外婆", "外祖父母"), 监护情况=W("好", "较好")),
         student(3, 类别=W("特困、残疾学生", "特困供养、残疾"), 身体状况=W("残障", "残疾"), 与学生关系=W("叔叔", "其他亲属")),
         student(4, 类别=W("单亲、厌学", "单亲家庭、厌学辍学倾向"), 民族=W("土家", "土家族"), 与学生关系="父亲")]
    log = [contact(s[0]["姓名"], dt.date(2026, 10, 14), W("入户家访", "家访"), 对象=W("外婆", "监护人")),
           contact(s[0]["姓名"], dt.date(2026, 10, 15), W("电话联系", "电话"), 对象=W("爸爸", "家长")),
           contact(s[1]["姓名"], dt.date(2026, 10, 16), W("写信", "书信"), 对象=W("学生本人", "学生")),
           contact(s[2]["姓名"], dt.date(2026, 10, 21), W("微信视频", "电话"), 对象=W("爸爸", "监护人")),
           contact(s[2]["姓名"], dt.date(2026, 10, 22), W("其它", "其他"), 对象="家长")]
    return s, log


def class_three() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    s = [student(5, 性别=W("女生", "女"), 类别=W("留守学生", "留守儿童"), 留守类型=W("爸爸外出", "父亲外出"),
                 父亲务工地="浙江省义乌市", 与学生关系=W("妈妈", "母亲"), 是否住校=W("寄宿", "是")),
         student(6, 性别=W("男生", "男"), 类别=W("困境", "困境儿童"), 与学生关系=W("姥姥", "外祖父母"),
                 身体状况=W("生病", "患病"), 监护情况=W("无人照看", "无人监护"))]
    log = [contact(s[0]["姓名"], dt.date(2026, 11, 4), W("亲情通话", "亲情电话")),
           contact(s[0]["姓名"], dt.date(2026, 11, 5), W("谈心谈话", "谈心")),
           contact(s[1]["姓名"], dt.date(2026, 11, 6), W("走访", "家访"), 对象=W("姥姥", "监护人"))]
    return s, log


CLASSES = [("三年级", "1班", "周丽", class_one), ("四年级", "2班", "王芳", class_two), ("五年级", "3班", "李强", class_three)]


@pytest.fixture(scope="module")
def school(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, set[tuple[str, ...]]]]:
    inbox = tmp_path_factory.mktemp("everyday") / "inbox"
    expected = {}
    for grade, klass, teacher, build in CLASSES:
        students, contacts = build()
        for rows in (students, contacts):
            for rec in rows:
                rec["帮扶教师"] = teacher
        name = f"{grade}{klass}.xlsx"
        ledger(inbox, name, students=plain(students), contacts=plain(contacts),
               meta={"年级": grade, "班级": klass, "班主任": teacher, "填表人": teacher})
        expected[name] = expected_fixes(students, contacts)
    return inbox, expected


def test_everyday_words_are_accepted_and_every_mapping_is_noted(school: tuple[Path, dict[str, Any]]) -> None:
    inbox, expected = school
    report = check(inbox, as_of=AS_OF, write=False)
    assert report.flatten(["file", "cell", "code"]) == []
    for f in report.files:
        noted = {(x.sheet, x.cell, x.before, x.after) for x in f.fixes}
        assert expected[f.name] and expected[f.name] <= noted, expected[f.name] - noted
        # and the cleaned frames hold the official words
        for x in f.fixes:
            frame = f.frames["roster" if x.sheet == "花名册" else "log"]
            key = next(fl.key for fl in (TPL.roster if x.sheet == "花名册" else TPL.log).fields if fl.label == x.column)
            v = frame.at[int(x.cell.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")), key]
            assert ("、".join(v) if isinstance(v, tuple) else str(v)) == x.after


def test_decided_words_say_why_in_the_fix(school: tuple[Path, dict[str, Any]]) -> None:
    inbox, _ = school
    report = check(inbox / "三年级1班.xlsx", as_of=AS_OF, write=False)
    notes = {(x.before, x.after): x.note for x in report.files[0].fixes if x.column in ("对象", "方式")}
    assert notes[("奶奶", "监护人")] == "祖父母是该生的监护人"
    assert notes[("爸爸", "家长")] == "父亲不是该生的监护人"
    assert notes[("视频通话", "亲情电话")].startswith("对象为学生")
    assert notes[("谈话", "谈心")] == ""  # a plain synonym needs no reason


def test_teacher_logging_everything_in_everyday_words_is_fully_compliant(
        school: tuple[Path, dict[str, Any]], tmp_path: Path) -> None:
    inbox, _ = school
    info = school_info(tmp_path, [(g, k, t) for g, k, t, _ in CLASSES])
    cad = follow_up(merge(inbox, school_info=info, as_of=AS_OF), as_of=AS_OF)
    problems = cad.policy_issues
    assert problems == []
    zhou = cad.teachers[cad.teachers["mentor"] == "周丽"]
    assert len(zhou) == 1 and zhou["periods_met"].iloc[0] > 20
    assert zhou["compliance_rate"].iloc[0] == 1.0
    # every rule of the left-behind poor boy was owed and met: the mapped kinds and parties were counted
    p = cad.periods[(cad.periods["mentor"] == "周丽") & (cad.periods["outcome"] == "达标")]
    assert {"贫困谈心", "贫困家访", "学期评估", "留守家长电话", "亲情电话"} <= set(p["rule"])


# One cell at a time, in a real ledger: (sheet, label, typed, official).
CASES = [
    ("花名册", "性别", "男孩", "男"), ("花名册", "性别", "女 生", "女"), ("花名册", "民族", "维族", "维吾尔族"),
    ("花名册", "类别", "建档立卡", "建档立卡贫困家庭"), ("花名册", "类别", "低保户", "农村低保家庭"),
    ("花名册", "类别", "五保户", "特困供养"), ("花名册", "类别", "父母离异", "离异家庭"), ("花名册", "类别", "随班就读", "残疾"),
    ("花名册", "类别", "辍学倾向", "厌学辍学倾向"), ("花名册", "类别", "低保，单亲", "农村低保家庭、单亲家庭"),
    ("花名册", "身体状况", "身体健康", "健康"), ("花名册", "监护情况", "较 差", "较差"), ("花名册", "监护情况", "差", "较差"),
    ("花名册", "与学生关系", "外公", "外祖父母"), ("花名册", "与学生关系", "爸爸", "父亲"), ("花名册", "与学生关系", "姑姑", "其他亲属"),
    ("花名册", "是否住校", "不住校", "否"),
    ("帮扶记录", "方式", "家访（上门）", "家访"), ("帮扶记录", "方式", "家访(上门)", "家访"), ("帮扶记录", "方式", "实地家访", "家访"),
    ("帮扶记录", "方式", "面谈", "谈心"), ("帮扶记录", "方式", "心理疏导", "谈心"), ("帮扶记录", "方式", "期末评估", "评估"),
    ("帮扶记录", "方式", "亲情视频", "亲情电话"), ("帮扶记录", "方式", "通电话", "电话"), ("帮扶记录", "对象", "学生家长", "家长"),
]


@pytest.mark.parametrize(("sheet", "label", "typed", "official"), CASES, ids=[f"{c[1]}-{c[2]}" for c in CASES])
def test_one_everyday_word_in_a_cell(tmp_path: Path, sheet: str, label: str, typed: str, official: str) -> None:
    if sheet == "花名册":
        path = ledger(tmp_path, students=[student(1 if official == "女" else 0, **{label: typed})])
    else:
        path = ledger(tmp_path, students=[student(0)], contacts=[contact(student(0)["姓名"], dt.date(2026, 11, 9),
                                                                       **{label: typed})])
    f = check([path], as_of=AS_OF, write=False).files[0]
    assert f.issues == []
    assert [(x.sheet, x.cell, x.after) for x in f.fixes] == [(sheet, f"{col(sheet, label)}3", official)]


# 对象 by the student's 与学生关系: (与学生关系, 对象 typed, official)
PARTY_CASES = [("祖父母", "奶奶", "监护人"), ("父亲", "奶奶", "家长"), ("父亲", "爸爸", "监护人"), ("祖父母", "爸爸", "家长"),
               ("母亲", "妈妈", "监护人"), ("外祖父母", "外公", "监护人"), ("母亲", "外婆", "家长"), ("爷爷", "爷爷", "监护人")]


@pytest.mark.parametrize(("relation", "typed", "official"), PARTY_CASES)
def test_party_is_decided_by_who_the_guardian_is(tmp_path: Path, relation: str, typed: str, official: str) -> None:
    s = student(0, 与学生关系=relation)
    path = ledger(tmp_path, students=[s], contacts=[contact(s["姓名"], dt.date(2026, 11, 9), 对象=typed)])
    f = check([path], as_of=AS_OF, write=False).files[0]
    assert f.issues == []
    assert [(x.cell, x.after) for x in f.fixes if x.sheet == "帮扶记录"] == [("F3", official)]
    assert f.frames["log"].at[3, "party"] == official


@pytest.mark.parametrize(("over", "kind", "question"), [
    ({"对象": None}, "视频通话", "本行的「对象」"),  # teacher or child on the video call?
    ({"对象": "奶奶", "学生姓名": "不在册"}, "谈心", "该生在「花名册」中的「与学生关系」"),  # whose grandmother?
])
def test_undecidable_word_asks_the_teacher(tmp_path: Path, over: dict[str, Any], kind: str, question: str) -> None:
    s = student(0)
    path = ledger(tmp_path, students=[s], contacts=[contact(s["姓名"], dt.date(2026, 11, 9), kind, **over)])
    f = check([path], as_of=AS_OF, write=False).files[0]
    asked = [i for i in f.issues if i.code == "value-ambiguous"]
    assert len(asked) == 1 and question in asked[0].message and "请直接从下拉列表中选择" in asked[0].message
    assert not [i for i in f.issues if i.code == "value-not-allowed"]
    assert not [x for x in f.fixes if x.sheet == "帮扶记录"]  # never a silent guess


def test_guardian_relation_itself_wrong_leaves_party_to_the_teacher(tmp_path: Path) -> None:
    s = student(0, 与学生关系="邻居")
    path = ledger(tmp_path, students=[s], contacts=[contact(s["姓名"], dt.date(2026, 11, 9), 对象="奶奶")])
    codes = check([path], as_of=AS_OF, write=False).flatten(["cell", "code"])
    assert codes == [["O3", "value-not-allowed"], ["F3", "value-ambiguous"]]


@pytest.mark.parametrize(("label", "typed", "suggested"), [
    ("类别", "贫困生", "「建档立卡贫困家庭」"),  # the example school's mistake: not clearly 建档立卡, so asked
    ("留守类型", "父外出打工", "「父亲外出」"), ("身体状况", "残疾人", "「残疾」"),
    ("与学生关系", "爷", "「祖父母」或「外祖父母」"),  # 爷爷 or 姥爷: equally near, both named
])
def test_unknown_word_names_the_closest_official_word(tmp_path: Path, label: str, typed: str, suggested: str) -> None:
    over: dict[str, Any] = {label: typed}
    if label == "留守类型":
        over.update(类别="留守儿童", 父亲务工地="广东省东莞市")
    path = ledger(tmp_path, students=[student(0, **over)], contacts=[])
    issues = [i for i in check([path], as_of=AS_OF, write=False).files[0].issues if i.code == "value-not-allowed"]
    assert len(issues) == 1 and issues[0].value == typed
    assert f"不在可选范围内。是不是{suggested}？请从下拉列表中选择" in issues[0].message


def test_word_far_from_every_option_gets_no_suggestion() -> None:
    f = TPL.log.field("kind")
    assert f is not None and closest(f, ["聊天"]) == "" and closest(f, ["xyz"]) == ""


def _with_row(tmp_path: Path, row: list[Any]) -> Path:
    dest = tmp_path / "tpl.xlsx"
    shutil.copy(default_path("班级帮扶台账"), dest)
    wb = openpyxl.load_workbook(dest)
    wb[SYNONYM_SHEET].append(row)
    wb.save(dest)
    return dest


def test_a_synonym_added_to_a_template_copy_is_honoured(tmp_path: Path) -> None:
    s = student(0)
    path = ledger(tmp_path, students=[s], contacts=[contact(s["姓名"], dt.date(2026, 11, 9), "唠嗑")])
    assert check([path], as_of=AS_OF, write=False).flatten(["cell", "code"]) == [["E3", "value-not-allowed"]]
    tpl = load_template(_with_row(tmp_path, ["帮扶记录", "方式", "谈心", "唠嗑", None, None, None]))
    f = check([path], template=tpl, as_of=AS_OF, write=False).files[0]
    assert f.issues == [] and [(x.cell, x.before, x.after) for x in f.fixes] == [("E3", "唠嗑", "谈心")]
    assert f.frames["log"].at[3, "kind"] == "谈心"


@pytest.mark.parametrize(("row", "match"), [
    (["帮扶记录", "方式", "聊天", "唠嗑", None, None, None], "聊天"),  # not an official word
    (["帮扶记录", "内容", "谈心", "唠嗑", None, None, None], "内容"),  # not a choice field
    (["帮扶记录", "方式", "谈心", "家访", None, None, None], "家访"),  # an official word of its own
    (["帮扶记录", "方式", "家访", "谈话", None, None, None], "谈话"),  # already 谈心: two meanings
    (["帮扶记录", "方式", "电话", "通话", "花名册.不存在", "父亲", None], "不存在"),
])
def test_a_wrong_synonym_row_stops_with_template_error(tmp_path: Path, row: list[Any], match: str) -> None:
    with pytest.raises(TemplateError, match=match):
        load_template(_with_row(tmp_path, row))


def test_dropdowns_list_official_words_only() -> None:
    wb = openpyxl.load_workbook(default_path("班级帮扶台账"))
    for spec in (TPL.roster, TPL.log):
        ws = wb[spec.name]
        for dv in ws.data_validations.dataValidation:
            c = int(openpyxl.utils.cell.range_boundaries(str(dv.sqref))[0]) - 1
            f = spec.fields[c]
            sheet, ref = dv.formula1.lstrip("=").split("!")
            listed = [v for row in wb[sheet.strip("'")][ref.replace("$", "")] for v in (x.value for x in row) if v]
            assert tuple(listed) == f.allowed and f.synonyms
            assert not {s.word for s in f.synonyms} & set(listed)


SYNS = [(f, s) for spec in (TPL.roster, TPL.log) for f in spec.fields for s in f.synonyms if s.basis is None]


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(SYNS), st.lists(st.sampled_from([" ", "\u3000", "\u200b"]), max_size=2), st.booleans())
def test_every_plain_synonym_cleans_to_its_official_word(pair: Any, pad: list[str], wide: bool) -> None:
    f, s = pair
    typed = "".join(pad) + (s.word.replace("（", "(").replace("）", ")") if wide else s.word) + "".join(pad)
    c = choice_cleaner(f)(typed)
    official = (s.official,) if f.type == "multi" else s.official
    assert (c.value, c.problem, c.changed) == (official, None, True)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from([f for spec in (TPL.roster, TPL.log) for f in spec.fields if f.allowed]),
       st.text(alphabet="贫困生家访电话留守儿童父母亲外出爷奶谈心评估男女是否健康较好差", min_size=1, max_size=6))
def test_cleaning_gives_an_official_word_or_keeps_the_problem(f: Any, text: str) -> None:
    c = choice_cleaner(f)(text)
    parts = c.value if isinstance(c.value, tuple) else (c.value,)
    if c.problem is None:
        assert all(p in f.allowed for p in parts)
    else:
        assert c.problem == "value-not-allowed" and any(p not in f.allowed for p in parts)
    hint = closest(f, [text])
    assert hint == "" or all(w.strip("「」") in f.allowed for w in hint[3:-1].split("或"))


def test_a_ledger_without_the_synonyms_sheet_gets_the_official_words(tmp_path: Path) -> None:
    """A ledger from the template before 同义词 existed (or with the sheet deleted, or edited by a teacher) is read
    against the official template: its own copy of the sheet is never consulted."""
    s = student(0, 与学生关系="爷爷")
    path = ledger(tmp_path, students=[s], contacts=[contact(s["姓名"], dt.date(2026, 11, 9), "上门家访")])
    wb = openpyxl.load_workbook(path)
    del wb[SYNONYM_SHEET]
    wb.save(path)
    f = check([path], as_of=AS_OF, write=False).files[0]
    assert f.issues == [] and {(x.cell, x.after) for x in f.fixes} == {("O3", "祖父母"), ("E3", "家访")}
    edited = tmp_path / "edited.xlsx"
    wb = openpyxl.load_workbook(path)
    wb.create_sheet(SYNONYM_SHEET).append(["工作表", "列名", "规范为", "常见写法"])
    wb[SYNONYM_SHEET].append(["帮扶记录", "方式", "谈心", "上门家访"])  # a teacher's own rule: ignored
    wb.save(edited)
    f = check([edited], as_of=AS_OF, write=False).files[0]
    assert [(x.cell, x.after) for x in f.fixes if x.sheet == "帮扶记录"] == [("E3", "家访")]
