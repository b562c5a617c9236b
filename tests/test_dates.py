"""Dates as teachers type them (issue 14): clean_date's rules, then the same rules read from real workbooks."""

from __future__ import annotations

import datetime as dt
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.utils.datetime import CALENDAR_MAC_1904

from builders import AS_OF, NAMES, contact, ledger, student
from rosterkit import check
from rosterkit.core.dates import EARLIEST, clean_date, explain
from rosterkit.issues import display_value
from rosterkit.core.normalize import Clean

SEPT_1 = date(2026, 9, 1)
AUTUMN = (date(2026, 9, 1), date(2027, 1, 22))  # the official 校历's 2026—2027 first term
SPRING = (date(2027, 2, 20), date(2027, 7, 10))
BLANKS = [None, "", " ", "   ", "\t\n", "\u3000", "\u200b", float("nan")]


def serial(d: date, epoch_1904: bool = False) -> int:
    return (d - (date(1904, 1, 1) if epoch_1904 else date(1899, 12, 30))).days


# --- clean_date, cell by cell ---------------------------------------------------------------------

@pytest.mark.parametrize("raw", BLANKS)
def test_blank_cells_give_none(raw: Any) -> None:
    assert clean_date(raw, term=AUTUMN) == Clean(None)


@pytest.mark.parametrize(
    "raw",
    ["2026-09-01", "2026-9-1", "2026/9/1", "2026.9.1", "2026年9月1日", "2026年9月1号", "2026年09月01日 ",
     "2026年9月1", "2026-09-01 00:00:00", "2026-09-01T08:30", "20260901", "２０２６－０９－０１",
     "２０２６年９月１日", " 2026 / 9 / 1 ", "2026。9。1", "2026．9．1", "二〇二六年九月一日", "二零二六年九月一日",
     "2026年九月一日", "二〇二六年九月一号", 20260901.0, 20260901, 46266, 46266.0, 46266.99],
)
def test_dates_with_a_year(raw: Any) -> None:
    assert clean_date(raw) == Clean(SEPT_1, changed=True)


@pytest.mark.parametrize("raw", [SEPT_1, datetime(2026, 9, 1), datetime(2026, 9, 1, 23, 59)])
def test_real_date_cells_are_not_changed(raw: Any) -> None:
    assert clean_date(raw) == Clean(SEPT_1)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("十月二十日", date(2026, 10, 20)), ("2026年十月二十日", date(2026, 10, 20)), ("二〇二六年十月三十一日", date(2026, 10, 31)),
     ("十二月十日", date(2026, 12, 10)), ("元月五日", date(2027, 1, 5)), ("一月五号", date(2027, 1, 5))],
)
def test_chinese_numerals(text: str, expected: date) -> None:
    assert clean_date(text, term=AUTUMN) == Clean(expected, changed=True)


@pytest.mark.parametrize(
    ("raw", "term", "expected"),
    [("9月1日", AUTUMN, date(2026, 9, 1)), ("9月1号", AUTUMN, date(2026, 9, 1)), ("11.12", AUTUMN, date(2026, 11, 12)),
     ("12/31", AUTUMN, date(2026, 12, 31)), ("1月5日", AUTUMN, date(2027, 1, 5)), ("1.22", AUTUMN, date(2027, 1, 22)),
     ("3月1日", SPRING, date(2027, 3, 1)), ("7月10日", SPRING, date(2027, 7, 10)),
     # a month outside the term: the year that puts it nearest, for date-out-of-term to report
     ("7月1日", AUTUMN, date(2026, 7, 1)), ("2月3日", AUTUMN, date(2027, 2, 3)), ("8月31日", SPRING, date(2027, 8, 31))],
)
def test_a_date_without_year_takes_the_year_of_the_term(raw: str, term: tuple[date, date], expected: date) -> None:
    assert clean_date(raw, term=term) == Clean(expected, changed=True)
    assert clean_date(raw).problem == "type-error"  # no term, no year: never a guess


@pytest.mark.parametrize(
    ("raw", "until", "expected"),
    [(10.15, None, date(2026, 10, 15)), (11.12, None, date(2026, 11, 12)), (9.4, None, date(2026, 9, 4)),
     (12.05, None, date(2026, 12, 5)), (1.15, None, date(2027, 1, 15)), (10.31, None, date(2026, 10, 31)),
     (1.3, None, date(2027, 1, 3)),  # 1月30日 is after the term
     (11.3, date(2026, 11, 20), date(2026, 11, 3)),  # 11月30日 is after the report date
     (1.3, date(2026, 11, 20), date(2027, 1, 3))],  # both after the report date, only one in the term
)
def test_a_number_typed_as_month_dot_day(raw: float, until: date | None, expected: date) -> None:
    assert clean_date(raw, term=AUTUMN, until=until) == Clean(expected, changed=True)


@pytest.mark.parametrize(
    ("raw", "options"),
    [(10.1, "10月1日，也可能是 10月10日"), (9.1, "9月1日，也可能是 9月10日"), (11.2, "11月2日，也可能是 11月20日"),
     (9.3, "9月3日，也可能是 9月30日"), (1.1, "1月1日，也可能是 1月10日")],
)
def test_a_number_whose_day_lost_its_zero_is_the_day_shown_and_asked_in_the_note(raw: float, options: str) -> None:
    month, day = map(int, str(raw).split("."))
    got = clean_date(raw, term=AUTUMN, until=AS_OF)
    assert (got.value.month, got.value.day, got.problem, got.changed) == (month, day, None, True)
    shown, other = options.split("，也可能是 ")
    assert got.note.startswith(f"按单元格显示的 {shown} 计") and f"如果是 {other}" in got.note
    text = clean_date(str(raw), term=AUTUMN).value  # text keeps what was typed: 「10.1」 is 10月1日
    assert text is not None and (text.month, text.day) == (month, day)


@pytest.mark.parametrize(
    ("raw", "month", "example"),
    [(2026.9, "2026年9月", "2026年9月15日"), (2026.11, "2026年11月", "2026年11月15日"),
     (2026.1, "2026年1月或10月", "2026年10月15日"), ("2026.9", "2026年9月", "2026年9月15日"),
     ("2026-9", "2026年9月", "2026年9月15日"), ("2026年9月", "2026年9月", "2026年9月15日"),
     ("二〇二六年九月", "2026年9月", "2026年9月15日"), ("9月", "2026年9月", "2026年9月15日"),
     ("1月", "2027年1月", "2027年1月15日")],  # a month alone: the year that puts it in the term
)
def test_a_month_without_its_day_is_asked(raw: Any, month: str, example: str) -> None:
    assert clean_date(raw, term=AUTUMN) == Clean(None, problem="date-no-day")
    assert explain(raw, term=AUTUMN) == ("date-no-day", {"month": month, "example": example})


@pytest.mark.parametrize(
    ("serial_", "epoch_1904", "expected"),
    [(36526, False, date(2000, 1, 1)), (44197, False, date(2021, 1, 1)), (73415, False, date(2100, 12, 31)),
     (35064, True, date(2000, 1, 1)), (42735, True, date(2021, 1, 1)), (42735.5, True, date(2021, 1, 1))],
)
def test_excel_serials(serial_: float, epoch_1904: bool, expected: date) -> None:
    assert clean_date(serial_, epoch_1904=epoch_1904) == Clean(expected, changed=True)


@pytest.mark.parametrize(
    ("raw", "epoch_1904"),
    [(1, False), (59, False), (60, False), (61, False), (0, False), (-1, False), (36525, False), (73416, False),
     (1e12, False), (0, True), (-1, True), (35063, True), (72000, True), (33.1, False), (0.5, False), (10.0, False),
     (2026.0, False), (2026.13, False), (2.29, False), (float("inf"), False)],
)
def test_numbers_that_are_no_date_of_this_century_are_refused(raw: float, epoch_1904: bool) -> None:
    assert clean_date(raw, epoch_1904=epoch_1904, term=AUTUMN) == Clean(None, problem="type-error")


@pytest.mark.parametrize(
    "raw",
    ["2026-02-30", "2026年2月30日", "20260230", "2026-13-01", "2026-09/01", "9月1日", "9.1", "01/09/2026",
     "26.9.1", "明天", "2026年9月1日上午", "abc", "十一十月", True, time(8, 0), timedelta(days=1), 20261301.0],
)
def test_clean_date_refuses(raw: Any) -> None:
    assert clean_date(raw) == Clean(None, problem="type-error")


@pytest.mark.parametrize("raw", ["1926-10-20", "1999年12月31日", date(1998, 5, 1), datetime(1960, 3, 1, 8)])
def test_a_date_before_2000_is_refused_with_the_reason(raw: Any) -> None:
    assert clean_date(raw, term=AUTUMN) == Clean(None, problem="type-error")
    assert "2000" in explain(raw, term=AUTUMN)[1]["hint"]


@pytest.mark.parametrize(
    ("cell", "epoch_1904", "expected"),
    [(datetime(1900, 1, 10, 3, 36), False, Clean(date(2026, 10, 15), changed=True)),  # 10.15 in a date cell
     (datetime(1904, 1, 11, 3, 36), True, Clean(date(2026, 10, 15), changed=True)),
     (datetime(1900, 1, 11, 2, 52, 48), False, Clean(date(2026, 11, 12), changed=True)),
     (datetime(1905, 7, 18, 21, 36), False, Clean(None, problem="date-no-day")),  # 2026.9 in a date cell
     (date(1900, 1, 1), False, Clean(None, problem="type-error"))],
)
def test_a_number_excel_showed_as_a_1900_date_is_read_as_typed(cell: date, epoch_1904: bool, expected: Clean) -> None:
    assert clean_date(cell, epoch_1904=epoch_1904, term=AUTUMN) == expected


def test_default_year_stands_for_a_calendar_year() -> None:
    assert clean_date("2025.9.1", default_year=2026).value == date(2025, 9, 1)
    assert clean_date("9月1日", default_year=2026).value == SEPT_1
    assert clean_date("2月29日", default_year=2026).problem == "type-error"


# --- properties ----------------------------------------------------------------------------------

def _forms(d: date) -> list[Any]:
    cn = "〇一二三四五六七八九"
    def num(n: int) -> str:
        return {1: "", 2: "二", 3: "三"}.get(n // 10, "") + ("十" if n >= 10 else "") + (cn[n % 10] if n % 10 else "")
    year_cn = "".join(cn[int(c)] for c in str(d.year))
    return [d.isoformat(), f"{d.year}年{d.month}月{d.day}日", f"{d.year}.{d.month}.{d.day}",
            f"{d.year}/{d.month:02d}/{d.day:02d}", f"{d.year}。{d.month}。{d.day}", f"{d.year}年{d.month}月{d.day}号",
            d.strftime("%Y%m%d"), f"{year_cn}年{num(d.month)}月{num(d.day)}日", f"{d.year}年{num(d.month)}月{num(d.day)}日",
            f"{d.month}月{d.day}日", f"{d.month}月{d.day}号", f"{d.month}.{d.day}", f"{d.month}/{d.day}",
            f"{num(d.month)}月{num(d.day)}日", serial(d), float(serial(d))]


@given(st.sampled_from([AUTUMN, SPRING]), st.integers(0, 200))
def test_any_date_of_the_term_in_any_typed_form_reads_back(term: tuple[date, date], offset: int) -> None:
    d = min(term[0] + timedelta(days=offset), term[1])
    for raw in _forms(d):
        assert clean_date(raw, term=term) == Clean(d, changed=True), raw
    assert clean_date(serial(d, True), epoch_1904=True, term=term).value == d
    assert clean_date(d, term=term) == Clean(d)


@given(st.sampled_from([AUTUMN, SPRING]), st.integers(0, 200))
def test_a_month_dot_day_number_is_that_day_or_a_note_naming_it(term: tuple[date, date], offset: int) -> None:
    d = min(term[0] + timedelta(days=offset), term[1])
    raw = float(f"{d.month}.{d.day:02d}")  # what Excel stores for the typed 10.10: 10.1
    got = clean_date(raw, term=term)
    assert got.problem is None and got.changed
    if got.value != d:  # 10.10 stored as 10.1: read as the day shown, and the note names the day typed
        assert d.day % 10 == 0 and got.value == d.replace(day=d.day // 10)
        assert f"如果是 {d.month}月{d.day}日" in got.note and d.isoformat() in got.note


cells = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-10**9, 10**9), st.dates(),
                  st.datetimes(), st.text(alphabet="0123456789.-/年月日号〇一二十 ", max_size=14))


@given(cells, st.booleans(), st.sampled_from([None, AUTUMN, SPRING]))
def test_no_date_before_2000_ever_comes_out(raw: Any, epoch_1904: bool, term: tuple[date, date] | None) -> None:
    got = clean_date(raw, epoch_1904=epoch_1904, term=term)
    assert got.value is None or EARLIEST <= got.value <= date(2100, 12, 31)
    assert (got.value is None) == (got.problem is not None) or got == Clean(None)


# --- real workbooks, typed the teacher's way -----------------------------------------------------

def _ledger_with(tmp_path: Path, day: Any, *, date_format: bool = False, epoch_1904: bool = False,
                 meta: dict[str, Any] | None = None) -> Path:
    """A ledger whose first contact (帮扶记录!A3) is dated ``day``: a number or text as typed into a General cell
    (a teacher's own sheet, or a row past the template's prepared ones, which are formatted as dates), or
    (``date_format``) the number typed into a cell formatted as a date."""
    contacts = [contact(NAMES[0], day)] + [contact(NAMES[i], dt.date(2026, 11, 9)) for i in range(3)]
    path = ledger(tmp_path, contacts=contacts, meta=meta)
    wb = openpyxl.load_workbook(path)
    if date_format or not isinstance(day, dt.date):  # a date cell stays one
        wb["帮扶记录"]["A3"].number_format = "yyyy-mm-dd" if date_format else "General"
        wb["帮扶记录"]["A3"].value = day  # again: loaded from a date-formatted cell, 20261015 was no date
    if epoch_1904:
        wb.epoch = CALENDAR_MAC_1904  # Mac Excel's 1904 date system: date cells are re-counted on save
        wb["帮扶记录"]["A3"].value = day
    wb.save(path)
    return path


def _run(path: Path, as_of: date = AS_OF) -> tuple[list[list[Any]], list[tuple[str, str, str]], Any]:
    report = check([path], as_of=as_of, write=False)
    f = report.files[0]
    fixes = [(x.cell, x.before, x.after) for x in f.fixes if x.sheet == "帮扶记录"]
    return report.flatten(["sheet", "cell", "code"]), fixes, f.frames["log"]["date"].loc[3]


@pytest.mark.parametrize(
    ("typed", "date_format", "after"),
    [(10.15, False, "2026-10-15"), (11.12, False, "2026-11-12"), (9.4, False, "2026-09-04"),
     (11.3, False, "2026-11-03"),  # 11月30日 would be after this file's 填报日期 2026-11-20
     (20261015, False, "2026-10-15"), (float(serial(date(2026, 10, 15))), False, "2026-10-15"),
     (10.15, True, "2026-10-15"), (11.12, True, "2026-11-12"),  # the number in a date cell: not 1900-01-10
     ("10.1", False, "2026-10-01"), ("十月二十日", False, "2026-10-20"), ("二〇二六年十月二十日", False, "2026-10-20"),
     ("2026年十月二十日", False, "2026-10-20"), ("二零二六年十月二十日", False, "2026-10-20"),
     ("2026。10。20", False, "2026-10-20"), ("2026．10．20", False, "2026-10-20"), ("2026/10/20", False, "2026-10-20"),
     ("2026-10-20", False, "2026-10-20"), ("2026年10月20号", False, "2026-10-20"), ("10月20号", False, "2026-10-20")],
)
def test_what_a_person_reads_without_hesitation_is_fixed_and_noted(tmp_path: Path, typed: Any, date_format: bool,
                                                                   after: str) -> None:
    issues, fixes, value = _run(_ledger_with(tmp_path, typed, date_format=date_format))
    assert issues == []
    assert fixes == [("A3", display_value(typed), after)]
    assert value == date.fromisoformat(after)


def test_a_real_date_cell_is_no_fix(tmp_path: Path) -> None:
    assert _run(_ledger_with(tmp_path, date(2026, 10, 20))) == ([], [], date(2026, 10, 20))


@pytest.mark.parametrize(
    ("typed", "date_format", "code", "words"),
    [(2026.9, False, "date-no-day", ["2026.9", "2026年9月", "哪一天"]), (2026.9, True, "date-no-day", ["「2026.9」"]),
     (2026.1, False, "date-no-day", ["2026年1月或10月"]), ("2026年9月", False, "date-no-day", ["2026年9月"]),
     (33.1, False, "type-error", ["33.1"]), (10.15, False, None, []), ("1926-10-20", False, "type-error", ["2000"]),
     (date(1998, 5, 1), False, "type-error", ["2000"]), (2.29, True, "type-error", ["2.29"])],
)
def test_what_cannot_be_read_is_asked_at_its_cell(tmp_path: Path, typed: Any, date_format: bool, code: str | None,
                                                   words: list[str]) -> None:
    report = check([_ledger_with(tmp_path, typed, date_format=date_format)], as_of=AS_OF, write=False)
    found = [i for i in report.issues if i.sheet == "帮扶记录"]
    assert [[i.cell, i.code] for i in found] == ([["A3", code]] if code else [])
    for word in words:
        assert word in found[0].message, found[0].message
    assert all("1900" not in i.message and "1905" not in i.message for i in report.issues)
    log = report.files[0].frames["log"]["date"]
    assert all(not isinstance(v, date) or v >= EARLIEST for v in log)  # a refused cell is kept as typed


@pytest.mark.parametrize(
    ("typed", "filled_on", "as_of", "code"),
    [(date(2026, 11, 21), date(2026, 11, 20), AS_OF, "date-after-report"),
     (date(2026, 11, 25), date(2026, 11, 20), AS_OF, "date-after-report"),  # after both: the file's own date wins
     (date(2026, 11, 25), None, AS_OF, "date-in-future"),
     (date(2026, 11, 25), date(2026, 11, 30), AS_OF, "date-in-future"),  # a 填报日期 later than --as-of
     (date(2026, 11, 20), date(2026, 11, 20), AS_OF, None),
     (12.5, date(2026, 11, 20), AS_OF, "date-after-report"), ("1月5日", date(2026, 11, 20), AS_OF, "date-after-report"),
     ("1月5日", date(2027, 1, 20), date(2027, 1, 21), None), ("7月1日", date(2026, 11, 20), AS_OF, "date-out-of-term"),
     (date(2027, 2, 1), date(2026, 11, 20), AS_OF, "date-out-of-term")],
)
def test_a_contact_after_the_files_own_report_date(tmp_path: Path, typed: Any, filled_on: date | None, as_of: date,
                                                   code: str | None) -> None:
    issues, _, _ = _run(_ledger_with(tmp_path, typed, meta={"填报日期": filled_on}), as_of=as_of)
    assert issues == ([["帮扶记录", "A3", code]] if code else [])


def test_the_report_date_message_names_both_dates(tmp_path: Path) -> None:
    report = check([_ledger_with(tmp_path, date(2026, 11, 21))], as_of=AS_OF, write=False)
    assert report.issues[0].message == "日期「2026-11-21」晚于本表的填报日期 2026-11-20，请核对日期（或填报日期）。"


@pytest.mark.parametrize("epoch_1904", [False, True])
def test_serials_in_general_cells_follow_the_workbooks_date_system(tmp_path: Path, epoch_1904: bool) -> None:
    day = date(2026, 10, 15)
    issues, fixes, value = _run(_ledger_with(tmp_path, serial(day, epoch_1904), epoch_1904=epoch_1904))
    assert (issues, value) == ([], day)
    assert fixes == [("A3", str(serial(day, epoch_1904)), "2026-10-15")]


def test_a_1904_workbook_is_read_by_its_own_dates_without_the_flag_it_would_be_4_years_off(tmp_path: Path) -> None:
    path = _ledger_with(tmp_path, serial(date(2026, 10, 15), True))  # a 1904 serial in a 1900 workbook
    issues, _, value = _run(path)
    assert value == date(2022, 10, 14) and issues == [["帮扶记录", "A3", "date-out-of-term"]]


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.one_of(st.floats(0, 3000, allow_nan=False), st.integers(0, 80_000)), st.booleans())
def test_no_contact_date_before_2000_reaches_the_frame(tmp_path: Path, typed: float, date_format: bool) -> None:
    folder = tmp_path / f"{typed!r}-{date_format}"
    folder.mkdir(exist_ok=True)
    report = check([_ledger_with(folder, typed, date_format=date_format)], as_of=AS_OF, write=False)
    value = report.files[0].frames["log"]["date"].loc[3]
    assert not isinstance(value, date) or value >= EARLIEST
    codes = {i.code for i in report.issues if i.cell == "A3"}
    assert isinstance(value, date) and value >= EARLIEST or codes, (typed, codes)


@pytest.mark.parametrize(
    ("typed", "code"),
    [("2017年1月1日", None), ("二〇一七年一月一日", None), ("2017。1。1", None), (float(serial(date(2017, 1, 1))), None),
     ("1月1日", "type-error"), (1.01, "type-error"), ("一月一日", "type-error"), (2017.1, "date-no-day")],
)
def test_a_birth_date_is_never_given_the_terms_year(tmp_path: Path, typed: Any, code: str | None) -> None:
    path = ledger(tmp_path, students=[student(0, 出生日期=typed), student(1), student(2)])
    wb = openpyxl.load_workbook(path)
    wb["花名册"]["F3"].number_format = "General"  # typed into a General cell, as the case says
    wb.save(path)
    report = check([path], as_of=AS_OF, write=False)
    assert report.flatten(["sheet", "cell", "code"]) == ([["花名册", "F3", code]] if code else [])
    fixes = [(x.cell, x.after) for x in report.files[0].fixes if x.column == "出生日期"]
    assert fixes == ([] if code else [("F3", "2017-01-01")])


@pytest.mark.parametrize(
    ("filled_on", "code", "fix"),
    [("11.20", None, "2026-11-20"), (11.20, "date-ambiguous", None), (11.25, None, "2026-11-25"),
     ("2026年十一月二十日", None, "2026-11-20"), ("2026。11。20", None, "2026-11-20"), ("2026.11", "date-no-day", None),
     ("下周", "type-error", None), (date(2026, 11, 20), None, None)],
)
def test_the_files_own_report_date_is_read_like_the_contacts(tmp_path: Path, filled_on: Any, code: str | None,
                                                             fix: str | None) -> None:
    report = check([ledger(tmp_path, meta={"填报日期": filled_on})], as_of=AS_OF, write=False)
    assert report.flatten(["sheet", "cell", "code"]) == ([["填表说明", "B9", code]] if code else [])
    fixes = [(x.cell, x.after) for x in report.files[0].fixes if x.sheet == "填表说明"]
    assert fixes == ([("B9", fix)] if fix else [])
    if fix:
        assert report.files[0].meta["filled_on"] == date.fromisoformat(fix)


def test_a_report_date_typed_without_year_still_bounds_the_contacts(tmp_path: Path) -> None:
    issues, _, _ = _run(_ledger_with(tmp_path, "11月21日", meta={"填报日期": "11月20日"}))
    assert issues == [["帮扶记录", "A3", "date-after-report"]]


def test_fixes_and_questions_reach_the_summary_workbook(tmp_path: Path) -> None:
    contacts = [contact(NAMES[0], 10.15), contact(NAMES[1], 10.1), contact(NAMES[2], "十一月二日")]
    path = ledger(tmp_path / "in", contacts=contacts)
    report = check([path], as_of=AS_OF, out=tmp_path / "out")
    assert report.flatten(["sheet", "cell", "code"]) == []
    wb = openpyxl.load_workbook(tmp_path / "out" / "校验汇总.xlsx", read_only=True)
    rows = [r[1:6] for r in wb["自动修正"].iter_rows(min_row=2, values_only=True)]
    notes = {r[2]: r[6] for r in wb["自动修正"].iter_rows(min_row=2, values_only=True)}
    assert ("帮扶记录", "A3", "日期", "10.15", "2026-10-15") in rows
    assert ("帮扶记录", "A4", "日期", "10.1", "2026-10-01") in rows  # the day shown, and the note asks
    assert "10月10日" in notes["A4"] and "2026-10-10" in notes["A4"] and not notes["A3"]
    assert ("帮扶记录", "A5", "日期", "十一月二日", "2026-11-02") in rows


@pytest.mark.parametrize(("flag", "epoch_1904"), [('date1904="1"', True), ('date1904="true"', True),
                                                 ('date1904="0"', False), ("", False)])
def test_the_1904_flag_as_other_programs_write_it(tmp_path: Path, flag: str, epoch_1904: bool) -> None:
    import zipfile

    from rosterkit.checking.ooxml import date1904

    src = _ledger_with(tmp_path, 1.0, epoch_1904=True)
    dest = tmp_path / "flag.xlsx"
    with zipfile.ZipFile(src) as a, zipfile.ZipFile(dest, "w") as b:
        for name in a.namelist():
            data = a.read(name)
            if name == "xl/workbook.xml":
                data = data.replace(b'date1904="1"', flag.encode())
            b.writestr(name, data)
    assert date1904(dest) is epoch_1904


@pytest.mark.parametrize("number", [-155857580109.0, 4.30121201701011e17])
def test_a_number_far_outside_the_dates_in_a_date_cell_costs_that_cell_only(tmp_path: Path, number: float) -> None:
    """calamine panics converting such a date cell (found by the rows-conserved property): the sheet is then read
    by openpyxl, the cell is a problem at its place and every row is still there."""
    path = ledger(tmp_path, students=[student(0, 建档日期=number), student(1), student(2)])
    report = check([path], as_of=AS_OF, write=False)
    f = report.files[0]
    assert f.status == "problems" and f.rows["roster"] == 3
    assert report.flatten(["sheet", "cell", "code"]) == [["花名册", "AA3", "type-error"]]
