"""学校信息 workbook → the school's name, term, deadline and expected classes; class identity and labels.

Class names are typed many ways (「三年级」「3年级」, 「2班」「(2)班」「二班」): :func:`class_key` folds them so
the same class from two files, or from 学校信息, is recognised as one. A class is (学校, 年级, 班级):
:func:`class_id` is its identity everywhere (merge, submissions, cadence), and :func:`class_parts` /
:func:`class_label` the only place its display label (五年级1班) is made.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import python_calamine as pc

from rosterkit.checking.read import is_blank, read_meta
from rosterkit.core.dates import clean_date
from rosterkit.core.labels import norm_label
from rosterkit.core.normalize import clean_text
from rosterkit.core.order import class_number, grade_rank
from rosterkit.core.phones import clean_phone
from rosterkit.errors import InputError

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
    school: str = ""  # 班级名单's 学校 column, else 学校信息's 学校名称

    @property
    def key(self) -> tuple[str, str, str]:
        return class_id(self.school, self.grade, self.klass)

    @property
    def parts(self) -> tuple[str, str]:
        """(年级, 班级) as 学校信息 spells them, the grade not repeated in 班级."""
        return class_parts(self.grade, self.klass, listed=True)

    @property
    def label(self) -> str:
        return class_label(*self.parts)


@dataclass(frozen=True)
class SchoolInfo:
    """The expected classes (in the order the school lists them), and the school's own details."""

    name: str = ""
    term: str = ""
    deadline: dt.date | None = None
    contact: str = ""
    classes: tuple[ExpectedClass, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        # a class listed without a 学校 is the school's own (学校名称): one identity however SchoolInfo was made
        if self.name and any(not c.school for c in self.classes):
            object.__setattr__(self, "classes", tuple(c if c.school else replace(c, school=self.name)
                                                      for c in self.classes))

    @property
    def schools(self) -> tuple[str, ...]:
        """The schools 学校信息 names (学校名称 and the 班级名单's 学校 column), in order, without repeats."""
        names = [self.name, *(c.school for c in self.classes)]
        return tuple(dict.fromkeys(n for n in names if n))

    def school_of(self, typed: Any) -> str:
        """A ledger's school: as typed (never matched to a similar name: two schools are never silently merged);
        blank is the school 学校信息 names when it names one only, else ""."""
        text = clean_text(typed).value or ""
        if not text.strip():
            return self.schools[0] if len(self.schools) == 1 else ""
        known = {school_key(n): n for n in self.schools}
        return known.get(school_key(text), text.strip())


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


_CN = "零一二三四五六七八九"


def _cn(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二: a grade number as a grade word writes it."""
    if n < 10:
        return _CN[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else _CN[tens]) + "十" + (_CN[ones] if ones else "")


def _grade_word(grade: str) -> str:
    """5年级 / 小学五年级 → 五年级; 初1 → 初一; 七年级 and 初一 kept as the teacher chose; unknown → as typed."""
    g = norm_label(grade).replace("(", "").replace(")", "")
    rank = grade_rank(g)
    if rank is None or rank != int(rank) or not 1 <= rank <= 12:  # 一年级 … 高三; anything else as typed
        return g
    n = int(rank)
    if m := re.fullmatch(r"(初|高)中?.*", g):
        return f"{m[1]}{_cn(n - (6 if m[1] == '初' else 9))}"
    return f"{_cn(n)}年级"


_GRADE_HEAD = re.compile(r"^(?:(?:小学|初中?|高中?)?[0-9零〇一二三四五六七八九十]+年级|[初高]中?[一二三1-3]"
                         r"|[一二三四五六七八九十]+(?=[0-9]))")


def class_parts(grade: Any, klass: Any, *, listed: bool = False) -> tuple[str, str]:
    """A class's (年级, 班级) as every output shows them, so that 年级 + 班级 is its one label.

    The grade word normalised (5年级 → 五年级; 初一 stays 初一, 七年级 stays 七年级); 班级 without a repeated
    grade (「三年级(1)班」「五1班」 → 1班). ``listed``: 学校信息's own spelling of 班级 is kept ((1)班 stays), only
    the repeated grade dropped. A 班级 with no number (实验班) is kept as typed."""
    g = "" if grade is None else norm_label(str(grade))
    c = "" if klass is None else norm_label(str(klass))
    g = "" if not g.strip("()（）") else g  # 「（）」 names no grade
    head = _GRADE_HEAD.match(c)
    if head and (not g or class_key(head.group(), "")[0] == class_key(g, "")[0]):
        g = g or head.group()
        c = c[head.end():] or c
    if not listed:
        g = _grade_word(g) if g else g
        n = class_number(c)
        c = f"{n}班" if n is not None and re.fullmatch(r"[(（]?[0-9零〇一二三四五六七八九十百]+[)）]?班?", c) else c
    return g, c


def class_label(grade: Any, klass: Any) -> str:
    """The display label of a class whose parts :func:`class_parts` made: 五年级1班; 「（未填写班级）」 if none."""
    text = "".join(str(x) for x in (grade, klass) if isinstance(x, str) and x)
    return text or "（未填写班级）"


def school_key(school: Any) -> str:
    """A school name compared: full-width folded and spaces dropped, nothing more (城关中心小学 ≠ 城关镇中心小学)."""
    return norm_label("" if school is None else str(school))


def class_id(school: Any, grade: Any, klass: Any) -> tuple[str, str, str]:
    """A class's identity: (学校, 年级 number, 班级 number) — three schools' 三年级1班 are three classes."""
    return (school_key(school), *class_key(*class_parts(grade, klass)))


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
    name = clean_text(meta.get("name")).value or ""
    classes = _read_classes(rows, p)
    return SchoolInfo(
        name=name,
        term=clean_text(meta.get("term")).value or "",
        deadline=clean_date(meta.get("deadline")).value,
        contact=clean_text(meta.get("contact")).value or "",
        classes=classes,
    )


def _read_classes(rows: list[list[Any]], path: Path) -> tuple[ExpectedClass, ...]:
    want = {"年级": "grade", "班级": "klass", "班主任": "head_teacher", "联系电话": "phone", "电话": "phone",
            "学校": "school", "学校名称": "school"}
    for r, row in enumerate(rows[:20]):  # noqa: B007 - r, the header row, is read after the break
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
            (clean_text(get.get("school")).value or "").strip(),
        ))
    return tuple(out)
