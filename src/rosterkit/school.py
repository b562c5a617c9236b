"""学校信息 workbook → the school's name, term, deadline and expected classes; class-name keys.

Class names are typed many ways (「三年级」「3年级」, 「2班」「(2)班」「二班」): :func:`class_key` folds them so
the same class from two files, or from 学校信息, is recognised as one.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import python_calamine as pc

from .errors import InputError
from .labels import norm_label
from .dates import clean_date
from .normalize import clean_text
from .phones import clean_phone
from .read import is_blank, read_meta

INFO_SHEET, CLASSES_SHEET = "学校信息", "班级名单"
_NUMERALS = {"一": "1", "二": "2", "三": "3", "四": "4", "五": "5", "六": "6", "七": "7", "八": "8", "九": "9",
             "十": "10", "零": "0", "〇": "0"}
_GRADE_WORDS = {"高一": "10", "高二": "11", "高三": "12", "初一": "7", "初二": "8", "初三": "9",
                "七年级": "7", "八年级": "8", "九年级": "9"}


@dataclass(frozen=True)
class ExpectedClass:
    grade: str
    klass: str
    head_teacher: str = ""
    phone: str = ""

    @property
    def key(self) -> tuple[str, str]:
        return class_key(self.grade, self.klass)

    @property
    def label(self) -> str:
        return f"{self.grade}{self.klass}"


@dataclass(frozen=True)
class SchoolInfo:
    """The expected classes (in the order the school lists them), and the school's own details."""

    name: str = ""
    term: str = ""
    deadline: dt.date | None = None
    contact: str = ""
    classes: tuple[ExpectedClass, ...] = field(default_factory=tuple)


def _fold(text: str) -> str:
    text = norm_label(text).replace("(", "").replace(")", "").replace("（", "").replace("）", "")
    if text in _GRADE_WORDS:
        return _GRADE_WORDS[text]
    text = re.sub(r"十([一二三四五六七八九])", r"1\1", text)  # 十二 → 12
    return "".join(_NUMERALS.get(ch, ch) for ch in text)


def class_key(grade: Any, klass: Any) -> tuple[str, str]:
    """A comparison key for a class: 「三年级」「3年级」 → "3"; 「(2)班」「二班」「2班」 → "2"."""
    g = _fold(str(grade or ""))
    g = g[:-2] if g.endswith("年级") else g
    c = _fold(str(klass or ""))
    # 「三年级2班」 typed whole into 班级: drop the grade part
    if g and c.startswith(g + "年级"):
        c = c[len(g) + 2:]
    c = c[:-1] if c.endswith("班") else c
    return g, c


def read_school_info(path: str | Path) -> SchoolInfo:
    """Read a filled 学校信息 workbook; a missing file or sheet stops the run (the caller asked for it)."""
    p = Path(path)
    if not p.is_file():
        raise InputError(f"找不到学校信息文件：{p}")
    try:
        wb = pc.CalamineWorkbook.from_path(str(p))
        sheets = {n: wb.get_sheet_by_name(n).to_python(skip_empty_area=False) for n in wb.sheet_names}
    except Exception as exc:  # any reason it cannot be read stops the run
        raise InputError(f"无法读取学校信息 {p.name}：{exc}") from exc
    by_label = {norm_label(n): n for n in sheets}
    info = sheets.get(by_label.get(INFO_SHEET, ""), [])
    labels = {"学校名称": "name", "学校": "name", "学年学期": "term", "填报截止日期": "deadline", "联系人": "contact"}
    meta = {k: v[0] for k, v in read_meta(info, labels).items()}
    rows = sheets.get(by_label.get(CLASSES_SHEET, ""))
    if rows is None:
        raise InputError(f"{p.name} 缺少工作表「{CLASSES_SHEET}」")
    classes = _read_classes(rows, p)
    return SchoolInfo(
        name=clean_text(meta.get("name")).value or "",
        term=clean_text(meta.get("term")).value or "",
        deadline=clean_date(meta.get("deadline")).value,
        contact=clean_text(meta.get("contact")).value or "",
        classes=classes,
    )


def _read_classes(rows: list[list[Any]], path: Path) -> tuple[ExpectedClass, ...]:
    want = {"年级": "grade", "班级": "klass", "班主任": "head_teacher", "联系电话": "phone", "电话": "phone"}
    for r, row in enumerate(rows[:20]):
        cols = {want[norm_label(v)]: c for c, v in enumerate(row) if norm_label(v) in want}
        if "grade" in cols and "klass" in cols:
            break
    else:
        raise InputError(f"{path.name} 班级名单：找不到「年级」「班级」表头")
    out: list[ExpectedClass] = []
    for row in rows[r + 1:]:
        get = {k: (row[c] if c < len(row) else "") for k, c in cols.items()}
        if is_blank(get["grade"]) and is_blank(get["klass"]):
            continue
        out.append(ExpectedClass(
            clean_text(get["grade"]).value or "", clean_text(get["klass"]).value or "",
            clean_text(get.get("head_teacher")).value or "", clean_phone(get.get("phone")).value or "",
        ))
    return tuple(out)
