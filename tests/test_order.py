"""School order of classes and file names (rosterkit.core.order): grades and class numbers, not code points."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rosterkit.core.order import class_number, class_order_key, file_order_key, grade_rank


@pytest.mark.parametrize(("grade", "rank"), [
    ("一年级", 1), ("1年级", 1), ("１年级", 1), ("三年级", 3), ("九年级", 9), ("十年级", 10), ("小学五年级", 5),
    ("初一", 7), ("初三", 9), ("初中二年级", 8), ("七年级", 7), ("高一", 10), ("高中三年级", 12),
])
def test_grade_rank(grade: str, rank: int) -> None:
    assert grade_rank(grade) == rank


@pytest.mark.parametrize("grade", ["幼儿园", "学前班", "大班"])
def test_preschool_before_first_grade(grade: str) -> None:
    assert grade_rank(grade) is not None and grade_rank(grade) < grade_rank("一年级")


@pytest.mark.parametrize("grade", ["", "研究生", "特教部", "年级"])
def test_unknown_grade(grade: str) -> None:
    assert grade_rank(grade) is None


@pytest.mark.parametrize(("klass", "number"), [
    ("1班", 1), ("2班", 2), ("10班", 10), ("(2)班", 2), ("（2）班", 2), ("二班", 2), ("十班", 10), ("十二班", 12),
    ("二十三班", 23), ("２班", 2), ("三年级2班", 2), ("五1班", 1), ("五(1)班", 1), ("高一(3)班", 3), ("实验1班", 1),
    ("7", 7),
])
def test_class_number(klass: str, number: int) -> None:
    assert class_number(klass) == number


@pytest.mark.parametrize("klass", ["实验班", "", "班"])
def test_class_without_number(klass: str) -> None:
    assert class_number(klass) is None


SCHOOL_ORDER = [
    ("幼儿园", "大班"), ("一年级", "1班"), ("一年级", "2班"), ("一年级", "10班"), ("三年级", "(1)班"), ("3年级", "2班"),
    ("三年级", "实验班"), ("四年级", "1班"), ("五年级", "1班"), ("六年级", "2班"), ("初一", "1班"), ("八年级", "1班"),
    ("初三", "3班"), ("高一", "2班"), ("高三", "1班"), ("特教部", "1班"), ("特教部", "x"),
]


def test_classes_in_school_order() -> None:
    shuffled = SCHOOL_ORDER[:]
    random.Random(13).shuffle(shuffled)
    assert sorted(shuffled, key=lambda c: class_order_key(*c)) == SCHOOL_ORDER


def test_code_point_order_is_not_school_order() -> None:
    """The bug this key fixes: by code point 四年级 comes after 五年级 and 六年级, and 10班 before 2班."""
    assert sorted(["四年级", "五年级", "三年级"]) != sorted(["四年级", "五年级", "三年级"],
                                                          key=lambda g: class_order_key(g, ""))
    assert [c for _, c in sorted([("一年级", "10班"), ("一年级", "2班")], key=lambda c: class_order_key(*c))] == [
        "2班", "10班"]


FILE_ORDER = [
    "幼儿园大班.xlsx", "三年级1班_帮扶台账.xlsx", "三年级2班_帮扶台账.xlsx", "三年级（3）班.xlsx", "三年级10班.xlsx",
    "四年级1班_帮扶台账.xlsx", "五年级1班_帮扶台账.xlsx", "六年级1班_帮扶台账.xls", "初一2班.xlsx", "初一(10)班.xlsx",
    "八年级1班.xlsx", "高一(1)班.xlsx", "高二1班.xlsx", "a.xlsx", "李老师.xlsx",
]


def test_files_in_school_order() -> None:
    shuffled = FILE_ORDER[:]
    random.Random(5).shuffle(shuffled)
    assert sorted(shuffled, key=file_order_key) == FILE_ORDER


_CLASS_TEXT = st.one_of(st.text(max_size=8), st.sampled_from(
    ["三年级", "3年级", "初一", "高一", "幼儿园", "1班", "(1)班", "一班", "01班", "10班", "五1班", "实验班", ""]))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(_CLASS_TEXT, _CLASS_TEXT), max_size=12), st.randoms())
def test_class_order_is_total(classes: list[tuple[str, str]], rnd: random.Random) -> None:
    """Any text compares without error, and sorting a shuffle always gives the same list."""
    once = sorted(classes, key=lambda c: class_order_key(*c))
    shuffled = classes[:]
    rnd.shuffle(shuffled)
    assert sorted(shuffled, key=lambda c: class_order_key(*c)) == once


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.text(max_size=12), st.sampled_from(FILE_ORDER)), max_size=12), st.randoms())
def test_file_order_is_total(names: list[str], rnd: random.Random) -> None:
    once = sorted(names, key=file_order_key)
    shuffled = names[:]
    rnd.shuffle(shuffled)
    assert sorted(shuffled, key=file_order_key) == once
