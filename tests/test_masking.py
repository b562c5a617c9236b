"""The one masking rule (rosterkit.core.masking) and a scan of every masked output of real runs: no value, and no two
values in one row, give back an ID number or a phone number."""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any, Iterator

import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from builders import contact, ledger, scalars, school_info, student
from rosterkit import check
from rosterkit.core.idcard import check_digit, id_problem, make_id
from rosterkit.core.masking import mask_birth, mask_dates, mask_id, mask_issue_text, mask_phone, mask_text, mask_tree

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
AS_OF = "2026-11-23"

ID_RE = re.compile(r"(?<![0-9])[0-9]{17}[0-9Xx](?![0-9])")
MOBILE_RE = re.compile(r"(?<![0-9])1[3-9](?:[ -]?[0-9]){9}(?![0-9])")
MASKED_ID_RE = re.compile(r"([0-9]{6})\*{8}([0-9]{3}[0-9Xx])")
FULL_DATE_RE = re.compile(r"((?:19|20)[0-9]{2})[-/.年]([0-9]{1,2})[-/.月]([0-9]{1,2})")


# ---- the rule, case by case ------------------------------------------------------------------------------

@pytest.mark.parametrize(("value", "masked"), [
    ("430101200001011234", "430101********1234"),
    ("11010519491231002X", "110105********002X"),
    ("1234567890", "1234567890"),  # 10 characters: nothing in the middle to hide
    ("12345678901", "123456*8901"),
    ("123456789", "*********"),
    ("", ""),
])
def test_mask_id(value: str, masked: str) -> None:
    assert mask_id(value) == masked


@pytest.mark.parametrize(("value", "masked"), [
    ("13812345678", "138****5678"), ("0731-84123456", "073********56"), ("123456", "123*56"),
    ("12345", "*****"), ("", ""),
])
def test_mask_phone(value: str, masked: str) -> None:
    assert mask_phone(value) == masked


@pytest.mark.parametrize(("text", "masked"), [
    ("身份证号「43012120160303172X」有误", "身份证号「430121********172X」有误"),
    ("电话13812345678，座机0731-84012345", "电话138****5678，座机073*******45"),
    ("号码1772600034", "号码177*****34"),
    ("138 1234 5678", "138****5678"),  # spaced as teachers type it
    ("4301 2120 1706 1052 92", "430121********5292"),
    ("G430121201706105292", "G430121********5292"),  # a 学籍号 holds the ID
    ("２０２６年", "２０２６年"),
    # dates and short numbers are not personal: left as they are, with or without a time or a second date
    ("2026-11-16", "2026-11-16"), ("2026-11-16 00:00:00", "2026-11-16 00:00:00"),
    ("2026-11-16 2026-11-22", "2026-11-16 2026-11-22"), ("2026-11-16 13812345678", "2026-11-16 138****5678"),
    ("第 12 行，共 345 人", "第 12 行，共 345 人"),
])
def test_mask_text(text: str, masked: str) -> None:
    assert mask_text(text) == masked


@pytest.mark.parametrize(("text", "masked"), [
    ("出生日期「2015.5.8」与身份证号中的出生日期 2015-08-05 不一致", "出生日期「2015年」与身份证号中的出生日期 2015年 不一致"),
    ("2015/8/5、2015年8月5日、20150805", "2015年、2015年、2015年"),
    ("2015-13-45 不是日期", "2015-13-45 不是日期"),
    ("只写了年月「2017.5」（2017年5月）", "只写了年月「2017年」（2017年）"), ("2017-05", "2017年"),
    ("二〇一七年五月八日、二零一七年十二月", "2017年、2017年"),
    ("第 2017 号", "第 2017 号"),
])
def test_mask_dates(text: str, masked: str) -> None:
    assert mask_dates(text) == masked


@pytest.mark.parametrize(("value", "masked"), [
    (dt.date(2017, 6, 10), "2017年"), (dt.datetime(2017, 6, 10, 0, 0), "2017年"), ("2017.6.10", "2017年"),
    ("2017-06-10", "2017年"), (None, None), ("不详", "不详"),
])
def test_mask_birth(value: Any, masked: Any) -> None:
    assert mask_birth(value) == masked


def test_problem_texts_lose_dates_only_when_about_an_id_or_a_birth_date() -> None:
    assert mask_issue_text("日期「2026-12-02」晚于 2026-11-23", code="date-in-future", column="日期") == \
        "日期「2026-12-02」晚于 2026-11-23"
    assert mask_issue_text("与 2015-08-05 不一致", code="id-birth-mismatch", column="出生日期") == "与 2015年 不一致"
    assert mask_issue_text("「2015.8.5」", code="type-error", column="出生日期") == "「2015年」"


def test_mask_tree_masks_json_as_the_workbooks() -> None:
    tree = {"id_number": "430121201706105292", "n": 430121201706105292, "phone": 13812345678.0,
            "birth_date": "2017-06-10", "rate": float("nan"), "ok": True, "count": 12,
            "conflict": {"field": "birth_date", "values": [{"row": 3, "value": "2015-05-08"}]},
            "fix": {"column": "出生日期", "before": "2015.5.8", "after": "2015-05-08"},
            "issue": {"code": "id-birth-mismatch", "column": "出生日期", "value": "2015-05-08",
                      "message": "出生日期「2015-05-08」与身份证号中的出生日期 2015-08-05 不一致"},
            "problems": "F7 出生日期「2015-05-08」与身份证号中的出生日期 2015-08-05 不一致"}
    out = mask_tree(tree)
    assert out["id_number"] == out["n"] == "430121********5292"
    assert out["phone"] == "138****5678"
    assert out["birth_date"] == "2017年"
    assert out["rate"] != out["rate"] and out["ok"] is True and out["count"] == 12
    assert out["conflict"]["values"] == [{"row": 3, "value": "2015年"}]
    assert (out["fix"]["before"], out["fix"]["after"]) == ("2015年", "2015年")
    assert out["issue"]["value"] == "2015年" and "2015-08-05" not in out["issue"]["message"]
    assert out["problems"] == "F7 出生日期「2015年」与身份证号中的出生日期 2015年 不一致"


def _candidates(masked: str, year: int) -> int:
    """Valid IDs that a masked ID and a birth year leave possible: every day of the year with the right check
    digit (the hidden 8 characters are exactly the birth date)."""
    head, tail = masked[:6], masked[-4:]
    day, n = dt.date(year, 1, 1), 0
    while day.year == year:
        first17 = f"{head}{day:%Y%m%d}{tail[:3]}"
        n += check_digit(first17) == tail[3]
        day += dt.timedelta(days=1)
    return n


@given(st.dates(dt.date(2005, 1, 1), dt.date(2022, 12, 31)), st.integers(0, 999), st.booleans())
def test_a_masked_id_and_its_birth_year_leave_many_ids_possible(born: dt.date, seq: int, male: bool) -> None:
    number = make_id("430121", born, seq, male)
    shown = mask_id(number)
    assert shown[6:14] == "********" and mask_birth(born) == f"{born.year}年"
    assert _candidates(shown, born.year) >= 20  # ~365 / 11: year and month would leave ~3


# ---- every masked output of real runs ----------------------------------------------------------------------

def rk(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "rosterkit", *args], capture_output=True, text=True, timeout=600)


def _rows_of_books(folder: Path) -> Iterator[tuple[str, list[Any]]]:
    for path in sorted(folder.rglob("*_脱敏.xlsx")):
        wb = openpyxl.load_workbook(path, read_only=True)
        for ws in wb.worksheets:
            for r, row in enumerate(ws.iter_rows(values_only=True), start=1):
                yield f"{path.name}!{ws.title}!{r}", [v for v in row if v is not None]
        wb.close()


def _rows_of_json(tree: Any, where: str = "json") -> Iterator[tuple[str, list[Any]]]:
    """Each object of the tree as one row: its own scalar values and those of the objects inside it."""
    if isinstance(tree, dict):
        yield where, list(scalars(tree))
        for k, v in tree.items():
            yield from _rows_of_json(v, f"{where}.{k}")
    elif isinstance(tree, list):
        for i, v in enumerate(tree):
            yield from _rows_of_json(v, f"{where}[{i}]")


def _leaks(rows: Iterator[tuple[str, list[Any]]], ids: set[str]) -> list[str]:
    """An 18-character ID, an 11-digit mobile, or a masked ID and a full date in one row that make a real ID."""
    found = []
    for where, values in rows:
        texts = [v.isoformat() if isinstance(v, (dt.date, dt.datetime)) else str(v) for v in values]
        dates = {(int(y), int(m), int(d)) for t in texts for y, m, d in FULL_DATE_RE.findall(t)}
        dates |= {(v.year, v.month, v.day) for v in values if isinstance(v, (dt.date, dt.datetime))}
        for t in texts:
            found += [f"{where}: ID {m}" for m in ID_RE.findall(t)]
            found += [f"{where}: mobile {m.group()}" for m in MOBILE_RE.finditer(t)]
            for head, tail in MASKED_ID_RE.findall(t):
                found += [f"{where}: {head}…{tail} + {y}-{m}-{d}" for y, m, d in dates
                          if f"{head}{y:04d}{m:02d}{d:02d}{tail}" in ids]
    return found


def _real_ids(inbox: Path) -> set[str]:
    report = check(inbox, write=False, as_of=dt.date.fromisoformat(AS_OF))
    ids = {v for f in report.files if "roster" in f.frames for v in f.frames["roster"]["id_number"]
           if isinstance(v, str) and id_problem(v) is None}
    assert len(ids) >= 10  # the scan below would prove nothing otherwise
    return ids


def _scan(inbox: Path, info: Path, out: Path, *extra: str) -> tuple[list[str], int]:
    """Every masked output of every command on ``inbox``: the leaks found, and how many rows were looked at."""
    ids = _real_ids(inbox)
    rows: list[tuple[str, list[Any]]] = []
    common = ["--as-of", AS_OF, "--json", "--mask"]
    runs = {"report": ["report", str(inbox), "--school-info", str(info), "-o", str(out / "report"), *extra],
            "merge": ["merge", str(inbox), "--school-info", str(info), "-o", str(out / "merge"), *extra],
            "cadence": ["cadence", str(inbox), "--school-info", str(info), "-o", str(out / "cadence")],
            "check": ["check", str(inbox), "-o", str(out / "check")]}
    for name, args in runs.items():
        done = rk(*args, *common)
        assert done.returncode in (0, 1), done.stderr
        rows += list(_rows_of_json(json.loads(done.stdout), name))
        rows += list(_rows_of_books(out / name))
    books = {p.name for p in out.rglob("*_脱敏.xlsx")}
    assert {"学校花名册_脱敏.xlsx", "帮扶落实情况_脱敏.xlsx", "校验汇总_脱敏.xlsx"} <= books
    assert not {p.name for p in out.rglob("*.xlsx") if p.parent.name != "发回各班"
                and "_校验结果" not in p.name} - books  # no unmasked roster, compliance or summary beside them
    return _leaks(iter(rows), ids), len(rows)


def test_unmasked_outputs_would_be_caught(tmp_path: Path) -> None:
    """The scan finds what masking hides: run unmasked, it reports IDs, mobiles and ID + birth-date pairs."""
    done = rk("merge", str(EXAMPLES / "inbox"), "--school-info", str(EXAMPLES / "学校信息.xlsx"), "-o",
              str(tmp_path), "--as-of", AS_OF, "--json")
    rows = list(_rows_of_json(json.loads(done.stdout)))
    wb = openpyxl.load_workbook(tmp_path / "学校花名册.xlsx", read_only=True)
    rows += [(f"{ws.title}!{r}", [v for v in row if v is not None]) for ws in wb.worksheets
             for r, row in enumerate(ws.iter_rows(values_only=True), start=1)]
    faked = [("faked", [mask_id(i), dt.date.fromisoformat(f"{i[6:10]}-{i[10:12]}-{i[12:14]}")])
             for i in sorted(_real_ids(EXAMPLES / "inbox"))[:3]]
    leaks = _leaks(iter(rows + faked), _real_ids(EXAMPLES / "inbox"))
    assert any(": ID " in x for x in leaks) and any(": mobile " in x for x in leaks)
    assert sum(x.startswith("faked") for x in leaks) == 3


def test_example_school_masked_outputs_give_nothing_back(tmp_path: Path) -> None:
    leaks, rows = _scan(EXAMPLES / "inbox", EXAMPLES / "学校信息.xlsx", tmp_path)
    assert leaks == []
    assert rows > 1000


def _big_school(folder: Path) -> tuple[Path, Path]:
    """32 classes of 5 students; teachers' mistakes that put IDs, phones and birth dates into problem texts,
    a student typed into two classes with another birth date, phones spaced, birth dates typed as text."""
    inbox, classes = folder / "收件箱", []
    grades = ["一年级", "二年级", "三年级", "四年级", "五年级", "六年级", "七年级", "八年级"]
    twin = student(0)
    for k in range(32):
        grade, klass, teacher = grades[k % 8], f"{k // 8 + 1}班", f"教师{k:02d}"
        classes.append((grade, klass, teacher))
        rows = [student(5 * k + j, 帮扶教师=teacher) for j in range(5)]
        if k % 4 == 1:  # 出生日期 typed wrong: id-birth-mismatch names the ID's own birth date
            born = rows[1]["出生日期"]
            rows[1]["出生日期"] = born.replace(day=born.day % 27 + 1)
        if k % 4 == 2:  # a wrong check digit; a phone in spaced groups; a birth date typed as text
            bad = rows[2]["身份证号"]
            rows[2]["身份证号"] = bad[:17] + ("0" if bad[17] != "0" else "1")
            p = rows[3]["监护人电话"]
            rows[3]["监护人电话"] = f"{p[:3]} {p[3:7]} {p[7:]}"
            rows[4]["出生日期"] = f"{rows[4]['出生日期']:%Y.%-m.%-d}"
        if k % 4 == 3:  # a mobile with a digit missing
            rows[0]["监护人电话"] = rows[0]["监护人电话"][:10]
        if k in (5, 6):  # one student in two classes, one of them with the birth date typed otherwise
            rows.append({**twin, "序号": 6, "帮扶教师": teacher} if k == 5 else
                        {**twin, "序号": 6, "帮扶教师": teacher, "出生日期": twin["出生日期"].replace(day=28)})
        meta = {"年级": grade, "班级": klass, "班主任": teacher}
        log = [contact(s["姓名"], dt.date(2026, 11, d), 帮扶教师=teacher) for s in rows for d in (9, 16)]
        ledger(inbox, f"{grade}{klass}.xlsx", students=rows, contacts=log, meta=meta)
    return inbox, school_info(folder, classes)


def test_generated_school_masked_outputs_give_nothing_back(tmp_path: Path) -> None:
    inbox, info = _big_school(tmp_path / "in")
    leaks, rows = _scan(inbox, info, tmp_path / "out", "--include-invalid")
    assert leaks == []
    assert rows > 2000
    # the cases above reached the outputs: a conflict on 出生日期, rows marked in 备注, the fixed phones
    wb = openpyxl.load_workbook(tmp_path / "out" / "report" / "学校花名册_脱敏.xlsx", read_only=True)
    cross = [v for row in wb["重复与冲突"].iter_rows(values_only=True) for v in row if isinstance(v, str)]
    assert "出生日期" in cross and any("2017年" in v for v in cross)
    summary = openpyxl.load_workbook(tmp_path / "out" / "report" / "核对" / "校验汇总_脱敏.xlsx", read_only=True)
    codes = {row[5] for row in summary["问题"].iter_rows(min_row=2, values_only=True)}
    assert {"id-birth-mismatch", "id-checksum", "phone-invalid"} <= codes
    assert summary["自动修正"].max_row > 1


def test_distribute_refuses_a_masked_roster(tmp_path: Path) -> None:
    info = EXAMPLES / "学校信息.xlsx"
    for mask in ([], ["--mask"]):
        done = rk("merge", str(EXAMPLES / "inbox"), "--school-info", str(info), "-o", str(tmp_path / "r"),
                  "--as-of", AS_OF, *mask)
        assert done.returncode in (0, 1), done.stderr
    refused = rk("distribute", "--school-info", str(info), "-o", str(tmp_path / "next"), "--from",
                 str(tmp_path / "r" / "学校花名册_脱敏.xlsx"))
    assert refused.returncode == 2
    assert "脱敏版" in refused.stderr and str(tmp_path / "r" / "学校花名册.xlsx") in refused.stderr
    assert "Traceback" not in refused.stderr and not (tmp_path / "next").exists()
    done = rk("distribute", "--school-info", str(info), "-o", str(tmp_path / "next"), "--from",
              str(tmp_path / "r" / "学校花名册.xlsx"))
    assert done.returncode == 0, done.stderr
    assert len(list((tmp_path / "next").glob("*.xlsx"))) == 7
