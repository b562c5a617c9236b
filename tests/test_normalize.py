from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rosterkit.normalize import (
    Clean,
    bad_parts,
    clean_choice,
    clean_date,
    clean_id,
    clean_integer,
    clean_multi,
    clean_text,
    split_multi,
)

BLANKS = [None, "", " ", "   ", "\t\n", "\u3000", "\u200b"]
CLEANERS = [clean_text, clean_integer, clean_date, clean_id,
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


# --- clean_date ---------------------------------------------------------------------------------

SEPT_1 = date(2026, 9, 1)


@pytest.mark.parametrize(
    "raw",
    ["2026-09-01", "2026-9-1", "2026/9/1", "2026.9.1", "2026年9月1日", "2026年9月1号", "2026年09月01日 ",
     "2026年9月1", "2026-09-01 00:00:00", "2026-09-01T08:30", "20260901", "２０２６－０９－０１",
     "２０２６年９月１日", " 2026 / 9 / 1 ", 20260901.0, 20260901, 46266, 46266.0, 46266.99],
)
def test_clean_date_accepts(raw: Any) -> None:
    assert clean_date(raw) == Clean(SEPT_1, changed=True)


@pytest.mark.parametrize("raw", [SEPT_1, datetime(2026, 9, 1), datetime(2026, 9, 1, 23, 59)])
def test_real_date_cells_are_not_changed(raw: Any) -> None:
    assert clean_date(raw) == Clean(SEPT_1)


@pytest.mark.parametrize(
    ("serial", "epoch_1904", "expected"),
    [(1, False, date(1900, 1, 1)), (59, False, date(1900, 2, 28)), (61, False, date(1900, 3, 1)),
     (44197, False, date(2021, 1, 1)), (73415, False, date(2100, 12, 31)),
     (0, True, date(1904, 1, 1)), (42735, True, date(2021, 1, 1)), (42735.5, True, date(2021, 1, 1))],
)
def test_clean_date_excel_serials(serial: float, epoch_1904: bool, expected: date) -> None:
    assert clean_date(serial, epoch_1904=epoch_1904) == Clean(expected, changed=True)


@pytest.mark.parametrize(
    ("raw", "epoch_1904"),
    [(60, False), (0, False), (-1, False), (73416, False), (1e12, False), (-1, True), (72000, True)],
)
def test_clean_date_refuses_implausible_serials(raw: float, epoch_1904: bool) -> None:
    assert clean_date(raw, epoch_1904=epoch_1904) == Clean(None, problem="type-error")


@pytest.mark.parametrize(
    "raw",
    ["2026-02-30", "2026年2月30日", "20260230", "2026-13-01", "2026-9", "2026-09/01", "9月1日", "9.1",
     "01/09/2026", "26.9.1", "明天", "2026年9月1日上午", "abc", True, time(8, 0), timedelta(days=1), 20261301.0],
)
def test_clean_date_refuses(raw: Any) -> None:
    assert clean_date(raw) == Clean(None, problem="type-error")


@pytest.mark.parametrize("raw", ["9月1日", "9月1号", "09月01日", "9.1", "9/1", " ９月１日 "])
def test_clean_date_without_year_needs_default_year(raw: str) -> None:
    assert clean_date(raw, default_year=2026) == Clean(SEPT_1, changed=True)
    assert clean_date(raw).problem == "type-error"


def test_clean_date_default_year_does_not_override_typed_year() -> None:
    assert clean_date("2025.9.1", default_year=2026).value == date(2025, 9, 1)
    assert clean_date("2月29日", default_year=2026).problem == "type-error"


@given(st.dates(min_value=date(1950, 1, 1), max_value=date(2090, 12, 31)))
def test_clean_date_round_trips(d: date) -> None:
    serial = (d - date(1899, 12, 30)).days
    forms = [d.isoformat(), f"{d.year}年{d.month}月{d.day}日", f"{d.year}.{d.month}.{d.day}",
             f"{d.year}/{d.month:02d}/{d.day:02d}", d.strftime("%Y%m%d"), serial, float(serial)]
    for raw in forms:
        assert clean_date(raw) == Clean(d, changed=True), raw
    assert clean_date((d - date(1904, 1, 1)).days, epoch_1904=True).value == d
    assert clean_date(d) == Clean(d)
    assert clean_date(datetime(d.year, d.month, d.day, 12)) == Clean(d)


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
