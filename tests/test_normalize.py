from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rosterkit.core.normalize import (
    Clean,
    bad_parts,
    clean_choice,
    clean_id,
    clean_integer,
    clean_multi,
    clean_text,
    split_multi,
)
from rosterkit.core.dates import clean_date
from rosterkit.core.phones import clean_phone

BLANKS = [None, "", " ", "   ", "\t\n", "\u3000", "\u200b"]
CLEANERS = [clean_text, clean_integer, clean_id, clean_phone, clean_date,
            lambda raw: clean_choice(raw, ["是", "否"]), lambda raw: clean_multi(raw, ["是", "否"])]


@pytest.mark.parametrize("raw", BLANKS)
@pytest.mark.parametrize("cleaner", CLEANERS)
def test_blank_cells_give_none(cleaner: Any, raw: Any) -> None:
    assert cleaner(raw) == Clean(None)


# --- clean_text ---------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("raw", "value", "changed"),
    [
        ("张三", "张三", False),
        ("  张三 ", "张三", False),  # trimming alone is not worth telling
        ("\u3000张三\u3000", "张三", False),
        ("张  三", "张三", True),  # padded two-character name
        ("张\u3000三", "张三", True),
        ("欧阳 娜娜", "欧阳娜娜", True),
        ("留守\n儿童", "留守儿童", True),  # line break counts as whitespace
        ("Li  Ming", "Li Ming", True),
        ("Li Ming", "Li Ming", False),
        ("张三 Tom", "张三 Tom", False),  # only spaces between two Han characters go
        ("ＡＢＣ１２３", "ABC123", True),
        ("三（2）班", "三（2）班", False),  # Chinese punctuation in free text is kept
        ("了解情况，鼓励学习；按时到校", "了解情况，鼓励学习；按时到校", False),
        ("ＡＢ１２　班", "AB12 班", True),
        ("三(2)班", "三(2)班", False),
        ("a\r\n\tb", "a b", True),
        (12.0, "12", False),
        (3.0, "3", False),
        (3.5, "3.5", False),
        (7, "7", False),
        (True, "TRUE", False),
        (date(2026, 9, 1), "2026-09-01", False),
        (datetime(2026, 9, 1), "2026-09-01", False),
        (datetime(2026, 9, 1, 8, 30), "2026-09-01 08:30:00", False),
        (time(8, 30), "08:30:00", False),
        (timedelta(hours=1, minutes=30), "1:30:00", False),
    ],
)
def test_clean_text(raw: Any, value: str, changed: bool) -> None:
    assert clean_text(raw) == Clean(value, changed=changed)


@given(st.text())
def test_clean_text_is_idempotent(raw: str) -> None:
    once = clean_text(raw)
    twice = clean_text(once.value)
    assert twice.value == once.value
    assert twice.changed is False
    assert once.problem is None


@given(st.one_of(st.floats(allow_nan=False), st.integers(), st.dates(), st.datetimes(), st.booleans()))
def test_clean_text_of_non_strings_is_idempotent(raw: Any) -> None:
    once = clean_text(raw)
    assert isinstance(once.value, str) and once.changed is False
    assert clean_text(once.value) == once


# --- clean_integer ------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("raw", "value", "changed"),
    [(3.0, 3, False), (3, 3, False), ("3", 3, False), (" 12 ", 12, False), ("１２", 12, True),
     ("012", 12, True), ("-4", -4, False), (0.0, 0, False)],
)
def test_clean_integer_accepts(raw: Any, value: int, changed: bool) -> None:
    assert clean_integer(raw) == Clean(value, changed=changed)


@pytest.mark.parametrize("raw", [3.5, "3.5", "三", "12a", "1 2", True, False, date(2026, 9, 1), float("inf"), "+"])
def test_clean_integer_refuses(raw: Any) -> None:
    assert clean_integer(raw) == Clean(None, problem="type-error")


# --- clean_id -----------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("raw", "value", "changed"),
    [
        ("11010519491231002X", "11010519491231002X", False),
        (" 11010519491231002X ", "11010519491231002X", False),
        ("11010519491231002x", "11010519491231002X", True),
        ("'11010519491231002X", "11010519491231002X", True),
        ("110105 19491231 002X", "11010519491231002X", True),
        ("110105-19491231-002X", "11010519491231002X", True),
        ("１１０１０５１９４９１２３１００２Ｘ", "11010519491231002X", True),
        ("1101051949123100", "1101051949123100", False),  # too short: left for the format check
        (123456.0, "123456", False),
        (430101490101123.0, "430101490101123", False),  # 15 digits: old-style ID, still exact
        (12.5, "12.5", False),
    ],
)
def test_clean_id(raw: Any, value: str, changed: bool) -> None:
    assert clean_id(raw) == Clean(value, changed=changed)


@pytest.mark.parametrize(
    ("raw", "shown"),
    [(4.30101201e17, "4.30101E+17"), (430101200001011234, "4.30101E+17"), (1e15, "1E+15"),
     (430000000000000000.0, "4.3E+17"), ("4.30101201E+17", "4.30101201E+17"), ("4.30101201e+17", "4.30101201E+17"),
     (" 4.30101201E17", "4.30101201E17"), ("４.３０１０１E+17", "4.30101E+17")],
)
def test_clean_id_scientific_is_kept_as_excel_shows_it(raw: Any, shown: str) -> None:
    """A number cell is shown as Excel's General format shows it; scientific text as typed: no invented digits."""
    assert clean_id(raw) == Clean(shown, problem="id-scientific")


@pytest.mark.parametrize("raw", ["1.23E+5", "4.3E+14"])
def test_clean_id_short_scientific_text_is_left_for_the_format_check(raw: str) -> None:
    assert clean_id(raw).problem is None


# --- clean_choice / clean_multi ---------------------------------------------------------------------

YES_NO = ["是", "否"]
ETHNIC = ["汉族", "回族", "土家族"]


@pytest.mark.parametrize(
    ("raw", "allowed", "value", "changed"),
    [
        ("是", YES_NO, "是", False),
        (" 否 ", YES_NO, "否", False),
        *[(tick, YES_NO, "是", True) for tick in ["√", "✓", "✔", "☑", "Y", "y", "yes", "YES", "是的", "Ｙ"]],
        *[(cross, YES_NO, "否", True) for cross in ["×", "✗", "N", "n", "no", "No"]],
        ("汉", ETHNIC, "汉族", True),
        ("土家", ETHNIC, "土家族", True),
        ("汉族", ETHNIC, "汉族", False),
        ("a", ["A", "B"], "A", True),
        ("其他（请注明）", ["其他（请注明）"], "其他（请注明）", False),  # full-width in the option list
        ("其他(请注明)", ["其他（请注明）"], "其他（请注明）", True),
        (1.0, ["1", "2"], "1", False),
    ],
)
def test_clean_choice_accepts(raw: Any, allowed: list[str], value: str, changed: bool) -> None:
    assert clean_choice(raw, allowed) == Clean(value, changed=changed)


@pytest.mark.parametrize(
    ("raw", "allowed", "value"),
    [("√", ["有", "无"], "√"), ("Y", ["有", "无"], "Y"), ("×", ["是"], "×"), ("苗", ETHNIC, "苗"),
     ("汉族人", ETHNIC, "汉族人"), ("X", YES_NO, "X"), ("不 是", YES_NO, "不是")],
)
def test_clean_choice_refuses(raw: Any, allowed: list[str], value: str) -> None:
    result = clean_choice(raw, allowed)
    assert (result.value, result.problem) == (value, "value-not-allowed")


@pytest.mark.parametrize(
    ("text", "parts"),
    [("留守、单亲", ["留守", "单亲"]), ("留守,单亲", ["留守", "单亲"]), ("留守，单亲；残疾", ["留守", "单亲", "残疾"]),
     ("留守;单亲/残疾／孤儿|低保", ["留守", "单亲", "残疾", "孤儿", "低保"]), ("留守 单亲\n残疾", ["留守", "单亲", "残疾"]),
     ("、留守、、单亲、", ["留守", "单亲"]), ("留守、单亲、留守", ["留守", "单亲"]), ("留守", ["留守"]), ("、 ,", [])],
)
def test_split_multi(text: str, parts: list[str]) -> None:
    assert split_multi(text) == parts


@given(st.lists(st.text(st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF), min_size=1, max_size=5),
                min_size=1, max_size=6, unique=True))
def test_split_multi_inverts_join(parts: list[str]) -> None:
    assert split_multi("、".join(parts)) == parts
    assert clean_multi("、".join(parts), parts) == Clean(tuple(parts))


KINDS = ["留守儿童", "单亲家庭", "残疾", "是", "否"]


@pytest.mark.parametrize(
    ("raw", "value", "problem", "changed"),
    [
        ("留守儿童", ("留守儿童",), None, False),
        ("留守儿童、残疾", ("留守儿童", "残疾"), None, False),
        ("留守儿童,残疾", ("留守儿童", "残疾"), None, True),
        ("留守儿童 残疾", ("留守儿童", "残疾"), None, True),  # split, not joined like a padded name
        ("留守儿童、留守儿童", ("留守儿童",), None, True),
        ("√", ("是",), None, True),
        ("留守儿童、孤儿", ("留守儿童", "孤儿"), "value-not-allowed", False),
        ("孤儿，低保", ("孤儿", "低保"), "value-not-allowed", True),
    ],
)
def test_clean_multi(raw: Any, value: tuple[str, ...], problem: str | None, changed: bool) -> None:
    assert clean_multi(raw, KINDS) == Clean(value, problem=problem, changed=changed)


def test_bad_parts_names_the_unknown_parts_in_order() -> None:
    result = clean_multi("孤儿、留守儿童、低保", KINDS)
    assert result.problem == "value-not-allowed"
    assert bad_parts(result.value, KINDS) == ["孤儿", "低保"]
    assert bad_parts(("留守儿童",), KINDS) == []
