"""Three rounds of a small school, as a coordinator would record them with ``report --store``.

- Round 1 (2026-10-12): 三年级1班 (张小明, 李思雨, 王浩然, 刘子涵) and 三年级2班 (陈雨欣, 杨俊杰, 赵欣怡); talks in
  September and October.
- Round 2 (2026-11-23), what changed: 刘子涵 left 1班; 黄梓轩 joined it; 李思雨's guardian phone changed; 王浩然's
  ID number was mistyped in round 1 and is corrected now (same name, birth date, class); 陈雨欣 gained 单亲家庭;
  the log runs on into November.
- Round 3 (2027-03-22, the second term): the same students; a new term's log, March only.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl

from builders import contact, school_info, student
from rosterkit.core.idcard import make_id
from rosterkit.outputs.ledger import fill_ledger
from rosterkit.pipeline import RunResult, report_inbox

DAYS = (dt.date(2026, 10, 12), dt.date(2026, 11, 23), dt.date(2027, 3, 22))
TERMS = ("2026—2027学年第一学期", "2026—2027学年第一学期", "2026—2027学年第二学期")
WRONG_ID = make_id("430121", dt.date(2017, 3, 3), 555, True)  # 王浩然 in round 1: a typo, corrected in round 2


@dataclass
class Rounds:
    store: Path
    runs: list[RunResult]


def _info(folder: Path, term: str) -> Path:
    path = school_info(folder, [("三年级", "1班", "周丽"), ("三年级", "2班", "李红")])
    wb = openpyxl.load_workbook(path)
    ws = wb["学校信息"]
    for row in ws.iter_rows():
        for c in row:
            if c.value == "学年学期":
                ws.cell(c.row, c.column + 1).value = term
    wb.save(path)
    return path


def _talks(names: list[str], days: list[dt.date], mentor: str) -> list[dict[str, Any]]:
    return [contact(n, d, 帮扶教师=mentor) for n in names for d in days]


def _weeks(first: dt.date, last: dt.date) -> list[dt.date]:
    out, d = [], first
    while d <= last:
        out.append(d)
        d += dt.timedelta(days=7)
    return out


def class_rows(n: int, notes: dict[str, str] | None = None) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(三年级1班, 三年级2班) roster rows of round ``n`` (0, 1, 2); ``notes``: a 备注 by student name."""
    one = [student(0), student(1), student(2, 身份证号=WRONG_ID) if n == 0 else student(2), student(3)]
    if n >= 1:
        one = [student(0), student(1, 监护人电话="13812345678"), student(2), student(7)]  # 刘子涵 gone, 黄梓轩 in
    two = [student(4, 帮扶教师="李红"), student(5, 帮扶教师="李红"), student(6, 帮扶教师="李红")]
    if n >= 1:
        two[0] = student(4, 帮扶教师="李红", 类别="建档立卡贫困家庭、单亲家庭")
    for row in (*one, *two):
        if notes and row["姓名"] in notes:
            row["备注"] = notes[row["姓名"]]
    return one, two


def record_rounds(tmp: Path, upto: int = 3, *, store: Path | None = None, notes: dict[str, str] | None = None
                  ) -> Rounds:
    """Record rounds 1 … ``upto`` into ``store`` (default: tmp/帮扶存档.db); each round's inbox and outputs under tmp."""
    store = store or tmp / "帮扶存档.db"
    runs = []
    for n in range(upto):
        day = DAYS[n]
        inbox = tmp / f"round{n + 1}" / "inbox"
        inbox.mkdir(parents=True, exist_ok=True)
        term_start = dt.date(2026, 9, 7) if n < 2 else dt.date(2027, 2, 22)
        talks = _weeks(term_start, day - dt.timedelta(days=3))
        for label, rows, teacher in zip(("1班", "2班"), class_rows(n, notes), ("周丽", "李红")):
            meta = {"学校": "城关镇中心小学", "年级": "三年级", "班级": label, "班主任": teacher,
                    "填表人": teacher, "联系电话": "13907310001", "填报日期": day - dt.timedelta(days=2)}
            log = _talks([r["姓名"] for r in rows], talks, teacher)
            fill_ledger(inbox / f"三年级{label}_帮扶台账.xlsx", meta=meta, roster=rows, log=log)
        info = _info(tmp / f"round{n + 1}", TERMS[n])
        runs.append(report_inbox(inbox, out=tmp / f"round{n + 1}" / "out", school_info=info, as_of=day, jobs=1,
                                 store=store))
    return Rounds(store, runs)
