"""IDs (issue 14): an ID Excel turned into a number is shown in every output as the teacher sees it in Excel
(4.30725E+17), never with invented digits; id-format says what is wrong; any valid ID, however typed, is
accepted and any single-digit change of it is caught."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path
from typing import Any, Iterator

import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from builders import AS_OF, contact, ledger, scalars, school_info, student
from rosterkit import check
from rosterkit.core.idcard import id_problem, make_id
from rosterkit.issues import excel_general
from rosterkit.core.masking import mask_issue_text
from rosterkit.core.normalize import clean_id

D = dt.date


# ---- id-format: what is wrong, at its cell, from text cells as typed -----------------------------------------

FORMAT = [
    ("43072520161012300", "有 17 位，应为 18 位"),
    ("4307252016101230081", "有 19 位，应为 18 位"),
    ("4307252A1610123008", "第 8 位「A」不是数字（只有最后一位可以是 X）"),
    ("43072520161012300Y", "最后一位「Y」应为数字或 X"),
    ("430725201670123008", "其中的出生日期 2016-70-12 不存在（月份 70）"),
    ("430725201602303008", "其中的出生日期 2016-02-30 不存在（2016 年 2 月没有 30 日）"),
    ("430725189901013008", "其中的出生日期 1899-01-01 不存在（年份 1899 早于 1900）"),
]


@pytest.mark.parametrize(("typed", "what"), FORMAT, ids=[f[0] for f in FORMAT])
def test_id_format_says_what_is_wrong(tmp_path: Path, typed: str, what: str) -> None:
    report = check([ledger(tmp_path, students=[student(0), student(1, 身份证号=typed), student(2)])],
                   as_of=AS_OF, write=False)
    [issue] = report.issues
    assert (issue.cell, issue.code, issue.value) == ("D4", "id-format", typed)
    assert issue.message.startswith(f"身份证号「{typed}」{what}。")
    masked = mask_issue_text(issue.message, code=issue.code, column=issue.column)
    assert typed[6:14] not in masked and "2016-" not in masked and "（月份" not in masked


TIDY = [  # typed → noted in 自动修正 as the official value, no problem
    (lambda v: f"{v[:6]} {v[6:14]} {v[14:]}", True),
    (lambda v: v.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789X"}), True),  # full-width
    (lambda v: " " + v + " ", False),
    (lambda v: "'" + v, True),
]


@pytest.mark.parametrize(("typing", "noted"), TIDY, ids=["spaced", "full-width", "padded", "apostrophe"])
def test_tidy_ids_are_accepted_and_noted(tmp_path: Path, typing: Any, noted: bool) -> None:
    good = make_id("430725", D(2016, 10, 12), 301, True)
    typed = typing(good)
    report = check([ledger(tmp_path, students=[student(0), student(1, 身份证号=typed, 性别="男",
                                                                     出生日期=D(2016, 10, 12)), student(2)])],
                   as_of=AS_OF, write=False)
    f = report.files[0]
    assert f.issues == [] and f.frames["roster"].loc[4, "id_number"] == good
    assert [(x.cell, x.after) for x in f.fixes if x.column == "身份证号"] == ([("D4", good)] if noted else [])


# ---- Hypothesis: any valid ID, however typed, is accepted; any single-digit change is caught --------------------

_FULL = {ord(c): ord(c) + 0xFEE0 for c in "0123456789Xx"}


@st.composite
def valid_ids(draw: st.DrawFn) -> str:
    area = draw(st.from_regex(r"[1-8][0-9]{5}", fullmatch=True))
    born = draw(st.dates(D(1900, 1, 1), D(2026, 12, 31)))
    return make_id(area, born, draw(st.integers(0, 999)), draw(st.booleans()))


@given(valid_ids(), st.data())
def test_any_valid_id_however_typed_is_accepted(good: str, data: st.DataObject) -> None:
    seps = data.draw(st.lists(st.sampled_from(["", "", " ", "\u3000", "-"]), min_size=17, max_size=17))
    typed = good[0] + "".join(s + c for s, c in zip(seps, good[1:]))
    if data.draw(st.booleans()):
        typed = typed.lower()  # a final X as x
    if data.draw(st.booleans()):
        typed = typed.translate(_FULL)
    typed = data.draw(st.sampled_from(["", " ", "'"])) + typed + data.draw(st.sampled_from(["", " "]))
    clean = clean_id(typed)
    assert clean.value == good and clean.problem is None
    assert id_problem(clean.value) is None


@given(valid_ids(), st.integers(0, 17), st.integers(1, 9))
def test_any_single_digit_change_is_caught(good: str, place: int, shift: int) -> None:
    if good[place] == "X":
        changed = good[:place] + str(shift)
    else:
        changed = good[:place] + str((int(good[place]) + shift) % 10) + good[place + 1:]
    assert id_problem(clean_id(changed).value) in ("id-checksum", "id-format")


# ---- an ID typed as a number: every output shows 4.30725E+17 ------------------------------------------------

NUMBER = 430725201610123008.0  # what openpyxl writes as a number cell for the typed 430725201610123008
SHOWN = "4.30725E+17"


def test_excel_general_shows_what_excel_shows() -> None:
    assert [excel_general(x) for x in (NUMBER, 4.3e17, 1e15, 13812345678.0, 8613812345678.0)] == \
        [SHOWN, "4.3E+17", "1E+15", "13812345678", "8.61381E+12"]


def rk(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "rosterkit", *args, "-j", "1"], capture_output=True, text=True,
                          timeout=600)


def _cells(folder: Path) -> Iterator[tuple[str, Any]]:
    """Every cell value and comment of every workbook we wrote; the teacher's own sheets in the annotated and
    returned copies are theirs (the number cell stays as they typed it) and are left out, their comments not."""
    for path in sorted(folder.rglob("*.xlsx")):
        own = path.name.endswith(("_校验结果.xlsx", "_发回.xlsx"))
        for ws in openpyxl.load_workbook(path).worksheets:
            for row in ws.iter_rows():
                for c in row:
                    where = f"{path.name}!{ws.title}!{c.coordinate}"
                    if c.comment is not None:
                        yield where, c.comment.text
                    if c.value is not None and not (own and ws.title in ("花名册", "帮扶记录", "填表说明")):
                        yield where, c.value


def _no_invented_digits(values: list[tuple[str, Any]]) -> list[str]:
    """Where an output shows the ID: each shows 4.30725E+17, none a digit beyond it or Python's float."""
    found = []
    for where, v in values:
        text = str(v)
        assert not (isinstance(v, float) and abs(v - NUMBER) < 1e6), where  # a number cell: Excel would widen it
        assert "4307252016" not in text and "4.30725201" not in text and "e+17" not in text, (where, text)
        if "E+17" in text:
            assert SHOWN in text, (where, text)
            found.append(where)
    return found


@pytest.fixture(scope="module")
def inbox(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("ids")
    path = ledger(root / "收件箱", students=[student(0), student(1, 身份证号=NUMBER), student(2)],
                  contacts=[contact(n, D(2026, 11, d)) for n in ("张小明", "李思雨", "王浩然") for d in (9, 16)])
    assert openpyxl.load_workbook(path)["花名册"]["D4"].data_type == "n"  # a number cell, as Excel keeps it
    school_info(root, [("三年级", "2班", "周丽")])
    return root


@pytest.mark.parametrize("mask", [False, True], ids=["full", "masked"])
def test_an_id_typed_as_a_number_is_shown_as_excel_shows_it_everywhere(inbox: Path, tmp_path: Path,
                                                                       mask: bool) -> None:
    flags = ["--mask"] if mask else []
    common = [str(inbox / "收件箱"), "--as-of", f"{AS_OF:%Y-%m-%d}", *flags]
    info = ["--school-info", str(inbox / "学校信息.xlsx")]
    runs = {name: rk(*args) for name, args in {
        "check": ["check", *common, "--json", "-o", str(tmp_path / "c")],
        "merge": ["merge", *common, *info, "--json", "-o", str(tmp_path / "m")],
        "cadence": ["cadence", *common, "--json", "-o", str(tmp_path / "k")],
        "report": ["report", *common, *info, "-o", str(tmp_path / "r")],
        "include": ["merge", *common, *info, "--include-invalid", "-o", str(tmp_path / "i")],
    }.items()}
    assert all(r.returncode in (0, 1) and "Traceback" not in r.stderr for r in runs.values()), runs

    [issue] = [i for f in json.loads(runs["check"].stdout)["files"] for i in f["issues"]]
    assert (issue["cell"], issue["code"], issue["value"]) == ("D4", "id-scientific", SHOWN)
    assert f"（{SHOWN}）" in issue["message"]
    left = json.loads(runs["merge"].stdout)["left_out"]
    assert [r["id_number"] for r in left] == [SHOWN]
    cadence_ids = {s for s in scalars(json.loads(runs["cadence"].stdout)) if isinstance(s, str) and "E+" in s}
    assert cadence_ids == {SHOWN}
    for name in ("check", "merge", "cadence"):
        _no_invented_digits([(name, s) for s in scalars(json.loads(runs[name].stdout))])

    suffix = "_脱敏" if mask else ""
    shown = set(_no_invented_digits(list(_cells(tmp_path / "r"))) + _no_invented_digits(list(_cells(tmp_path / "i"))))
    assert f"校验汇总{suffix}.xlsx!问题!E2" in shown  # the problem's value
    assert f"学校花名册{suffix}.xlsx!未纳入!E2" in shown
    assert any(w.startswith(f"帮扶落实情况{suffix}.xlsx!学生!") for w in shown)
    assert any(w.startswith(f"学校花名册{suffix}.xlsx!花名册!") for w in shown if "AC" not in w)  # --include-invalid
    if not mask:  # the teacher's copy: the comment on the cell and the first sheet's list
        assert "三年级2班_校验结果.xlsx!花名册!D4" in shown and "三年级2班_校验结果.xlsx!校验结果!E4" in shown


def test_ids_excel_rounded_alike_are_not_one_student(tmp_path: Path) -> None:
    """Two students born in one county in one year: Excel shows both IDs as 4.30725E+17. Each is asked to be
    retyped; neither is a duplicate of the other, and a contact naming one by its full ID is not a mismatch."""
    other = 430725201611153016.0
    assert excel_general(other) == SHOWN
    contacts = [contact("李思雨", D(2026, 11, 9), 身份证号=NUMBER), contact("王浩然", D(2026, 11, 9))]
    path = ledger(tmp_path, students=[student(0), student(1, 身份证号=NUMBER), student(2, 身份证号=other)],
                  contacts=contacts)
    report = check([path], as_of=AS_OF, write=False)
    assert report.flatten(["sheet", "cell", "code", "value"]) == [
        ["花名册", "D4", "id-scientific", SHOWN], ["花名册", "D5", "id-scientific", SHOWN],
        ["帮扶记录", "C3", "id-scientific", SHOWN]]


@pytest.mark.parametrize("typed", [NUMBER, 430725201610123008, "4.30725E+17", "4.30725e+17"],
                         ids=["float cell", "int cell", "text as shown", "text lower-case"])
def test_an_id_excel_turned_into_a_number_is_asked_to_be_retyped(tmp_path: Path, typed: Any) -> None:
    report = check([ledger(tmp_path, students=[student(0), student(1, 身份证号=typed), student(2)])],
                   as_of=AS_OF, write=False)
    [issue] = report.issues
    assert (issue.cell, issue.code, issue.value) == ("D4", "id-scientific", SHOWN)
    assert issue.message == (f"身份证号被 Excel 变成了科学计数法（{SHOWN}），后几位数字已经丢失。"
                             "请先把该单元格设为「文本」格式，再重新输入完整号码。")
    assert report.files[0].frames["roster"].loc[4, "id_number"] == SHOWN


@pytest.mark.parametrize("number", [float("inf"), float("-inf"), 1.7976931348623157e308])
def test_a_number_past_excel_s_range_in_the_id_column_is_a_problem_not_a_lost_row(tmp_path: Path, number: float) -> None:
    """Hypothesis found it: calamine reads an overflowing number as inf, whose display raised, and the file's
    schema batch then lost the row (0 rows read, status 通过)."""
    path = ledger(tmp_path, students=[student(0, 身份证号=number), student(1)])
    report = check([path], as_of=AS_OF, write=False)
    f = report.files[0]
    assert f.rows["roster"] == 2 and f.status == "problems"
    assert [i.cell for i in f.issues if i.sheet == "花名册"] == ["D3"]
