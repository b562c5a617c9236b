"""School order for classes and file names: 一年级 … 九年级, 高一 …; 1班 < 2班 < 10班; never code point order.

Code point order puts 三年级 after 五年级 and 六年级 (三 U+4E09 < 五 U+4E94 < 六 U+516D < 四 U+56DB) and 10班
before 2班. Every list of classes or files a coordinator reads is sorted with one of the two keys here. Both keys
end with the raw text, so two different names never compare equal: sorting any shuffle gives one order.
Standard library only: the command line and the writers import it.
"""

from __future__ import annotations

import functools
import math
import re
import unicodedata
from collections.abc import Iterable
from typing import Any

__all__ = ["class_number", "class_order_key", "file_order_key", "grade_rank", "natural_key", "school_order"]

_DIGITS = "零一二三四五六七八九"
_NUM = r"(?:[0-9]+|[零〇一二三四五六七八九十百]+)"  # Arabic or Chinese, not mixed
_BRACKETS = str.maketrans("", "", "()[]【】〔〕<>《》 \t\u3000")
_PRESCHOOL = {"学前": 0.5, "幼儿园": 0.5, "学前班": 0.5, "托班": 0.1, "小班": 0.2, "中班": 0.3, "大班": 0.4}
_GRADE = re.compile(rf"(?:小学)?(?P<n>{_NUM})(?:年级)?")
_STAGE = re.compile(rf"(?P<stage>初|高)中?(?P<n>{_NUM})(?:年级)?")  # 初一 = 七年级, 高一 = 十年级
_GRADE_PREFIX = re.compile(rf"^(?:(?:小学|初中?|高中?)?{_NUM}年级|[初高]中?[一二三]|[一二三四五六七八九十]+(?=\d))")


def _fold(text: Any) -> str:
    """Full-width digits and brackets to ASCII (NFKC), brackets and spaces dropped; None/NaN → ''."""
    if text is None or (isinstance(text, float) and math.isnan(text)):
        return ""
    return unicodedata.normalize("NFKC", str(text)).translate(_BRACKETS)


def _digit(ch: str) -> int:
    return max(_DIGITS.find(ch), 0)


def _number(text: str) -> int:
    """Arabic or Chinese digits as an int: 12, 十二, 二十, 一二 (read digit by digit), 〇 = 零."""
    if text.isdecimal():
        return int(text)
    text = text.replace("〇", "零")
    if "百" in text or "十" in text:
        hundreds, _, rest = text.partition("百") if "百" in text else ("", "", text)
        value = (_digit(hundreds[-1]) if hundreds else 0) * 100
        tens, ten, ones = rest.partition("十")
        if ten:
            value += (_digit(tens[-1]) if tens and tens[-1] != "零" else 1) * 10
        else:
            ones = tens
        return value + (_digit(ones[-1]) if ones else 0)
    return int("".join(str(_digit(ch)) for ch in text))


@functools.lru_cache(maxsize=4096)
def grade_rank(grade: str) -> float | None:
    """A grade's place in school: 幼儿园 / 学前 < 一年级 (1) … 九年级 / 初三 (9) < 高一 (10) …; None if unknown."""
    g = _fold(grade)
    if not g:
        return None
    if g in _PRESCHOOL or "幼" in g:
        return _PRESCHOOL.get(g, 0.5)
    if m := _STAGE.fullmatch(g):
        return (6 if m["stage"] == "初" else 9) + _number(m["n"])
    if m := _GRADE.fullmatch(g):
        return _number(m["n"])
    return None


@functools.lru_cache(maxsize=16384)
def class_number(klass: str) -> int | None:
    """A class's number within its grade: 「2班」「(2)班」「二班」「三年级2班」「五1班」「高一(2)班」 → 2; None if none."""
    c = _fold(klass)
    c = _GRADE_PREFIX.sub("", c, count=1) or c
    if m := re.fullmatch(rf"(?P<n>{_NUM})班?", c):
        return _number(m["n"])
    if m := re.search(r"\d+", c):  # 「实验1班」「1班（新）」: the digits still place it
        return int(m.group())
    return None


def class_order_key(grade: Any, klass: Any) -> tuple[Any, ...]:
    """Sort key for a class in school order: by grade (:func:`grade_rank`), then class number, 1班 < 2班 < 10班;
    an unknown grade or class name after the known ones, by code point; the raw text last (a total order)."""
    g, c = _fold(grade), _fold(klass)
    rank, number = grade_rank(g), class_number(c)
    return (rank is None, rank or 0.0, g if rank is None else "",
            number is None, number or 0, c if number is not None else "", c, str(grade or ""), str(klass or ""))


_TOKEN = re.compile(r"[0-9]+|[零〇一二三四五六七八九十百]+|.", re.S)


def _grade_words(text: str) -> str:
    """初一/初中一年级 → 7年级, 高一 → 10年级, 幼儿园/学前 → 0年级: a file name's grade as a number."""
    text = re.sub(r"(初|高)中?([一二三])(?:年级)?",
                  lambda m: f"{(6 if m[1] == '初' else 9) + _number(m[2])}年级", text)
    return re.sub("幼儿园|学前班?", "0年级", text)


@functools.lru_cache(maxsize=16384)
def natural_key(text: str) -> tuple[tuple[int, int, str], ...]:
    """Natural order of a text: digit runs and Chinese numerals compare as numbers (三年级 < 十年级, 2 < 10)."""
    return tuple((0, _number(t), "") if t[0].isdecimal() or t[0] in "零〇一二三四五六七八九十百" else (1, 0, t)
                 for t in _TOKEN.findall(_grade_words(_fold(text))))


def file_order_key(name: Any) -> tuple[Any, ...]:
    """Sort key for a file name in school order: 三年级1班 < 三年级2班 < 三年级10班 < 四年级1班 < 初一 < 高一;
    digits as numbers, Chinese grade words understood; the raw name last (a total order)."""
    text = "" if name is None else str(name)
    return (natural_key(text), text)


def school_order(schools: Iterable[Any], grades: Iterable[Any], classes: Iterable[Any]) -> list[int]:
    """Positions of rows (school, grade, class) sorted by school name, then class in school order; stable, so a
    class's rows keep their order. One key per distinct class, not per row: a county has 90,000 rows."""
    seen: dict[tuple[Any, Any, Any], tuple[Any, ...]] = {}
    keys = [seen.get(k) or seen.setdefault(k, (natural_key(_fold(k[0])), class_order_key(k[1], k[2])))
            for k in zip(schools, grades, classes)]
    return sorted(range(len(keys)), key=keys.__getitem__)
