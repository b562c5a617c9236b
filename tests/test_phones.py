"""Phones (issue 14): what a person reads at once is rewritten and noted in 自动修正, what is wrong is caught at
its cell, a local number without its area code is asked for, both in cleaning and in real ledgers."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import re

import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from builders import AS_OF, ledger, student
from rosterkit import check
from rosterkit.core.masking import mask_phone, mask_text
from rosterkit.core.normalize import Clean
from rosterkit.core.phones import clean_phone, phone_ok, phone_problem

# (as typed, written form); a number cell is a float or an int, as openpyxl and calamine give it.
READ = [
    ("13812345678", "13812345678"),
    (13812345678.0, "13812345678"),
    (13812345678, "13812345678"),
    ("138 1234 5678", "13812345678"),
    ("138-1234-5678", "13812345678"),
    ("138.1234.5678", "13812345678"),
    ("１３８１２３４５６７８", "13812345678"),
    ("+86 138 1234 5678", "13812345678"),
    ("+8613812345678", "13812345678"),
    ("0086 13812345678", "13812345678"),
    ("86 138 1234 5678", "13812345678"),
    (8613812345678.0, "13812345678"),  # +86 typed into a number cell
    ("013812345678", "13812345678"),  # a mobile with a leading 0
    (13812345678.0, "13812345678"),
    ("0731-84123456", "0731-84123456"),
    ("(0731)84123456", "0731-84123456"),
    ("（0731）84123456", "0731-84123456"),
    ("0731 84123456", "0731-84123456"),
    ("0731－84123456", "0731-84123456"),
    ("0731 8412 3456", "0731-84123456"),
    ("073184123456", "0731-84123456"),  # the area code is known: no typed split needed
    (73184123456.0, "0731-84123456"),  # Excel dropped the 0 of a number cell
    ("010 12345678", "010-12345678"),
    ("+86 10 1234 5678", "010-12345678"),
    ("0086-731-84123456", "0731-84123456"),
    ("+86 0731 84123456", "0731-84123456"),
    ("0731-84123456-801", "0731-84123456-801"),
    ("0731-84123456转801", "0731-84123456-801"),
    ("0731 84123456 分机 801", "0731-84123456-801"),
    ("0755-12345678", "0755-12345678"),
    ("0991-2345678", "0991-2345678"),  # a 7-digit local number where the area uses 7 digits
]


@pytest.mark.parametrize(("raw", "written"), READ, ids=[repr(r) for r, _ in READ])
def test_what_a_person_reads_is_written_one_way_and_noted(raw: Any, written: str) -> None:
    clean = clean_phone(raw)
    assert clean.value == written and clean.problem is None
    assert phone_ok(written) and phone_problem(written) is None
    # noted in 自动修正 exactly when the written form differs from what the cell shows
    shown = raw.strip() if isinstance(raw, str) else str(int(raw))
    assert clean.changed == (shown != written)


@pytest.mark.parametrize("written", sorted({w for _, w in READ}))
def test_masking_hides_the_middle_of_every_written_form(written: str) -> None:
    digits = re.sub(r"[^0-9]", "", written)
    for shown in (mask_phone(written), mask_text(written)):
        assert sum(c.isdigit() for c in shown) <= 7 and digits[3:-4] not in shown


WRONG = [
    ("00000000000", "phone-invalid"),
    ("11111111111", "phone-invalid"),
    ("12345678901", "phone-invalid"),
    ("1381234567", "phone-invalid"),  # a mobile one digit short
    ("138123456789", "phone-invalid"),
    ("0123-4567890", "phone-invalid"),  # no such area code
    ("0731-841234", "phone-invalid"),  # a 6-digit local number
    ("0731-8412345", "phone-invalid"),  # 长沙 numbers have 8 digits
    ("4001234567", "phone-invalid"),  # a service number is no one's phone
    ("13812345678(父亲)", "phone-invalid"),
    (0.0, "phone-invalid"),
    ("84123456", "phone-no-area-code"),
    ("8412 3456", "phone-no-area-code"),
    (84123456.0, "phone-no-area-code"),
    ("2345678", "phone-no-area-code"),
]


@pytest.mark.parametrize(("raw", "code"), WRONG, ids=[repr(r) for r, _ in WRONG])
def test_what_is_wrong_is_caught_and_never_noted_as_fixed(raw: Any, code: str) -> None:
    clean = clean_phone(raw)
    assert isinstance(clean.value, str) and not clean.changed
    assert phone_problem(clean.value) == code


@pytest.mark.parametrize("raw", [True, date(2026, 9, 1)])
def test_clean_phone_refuses_non_numbers(raw: Any) -> None:
    assert clean_phone(raw) == Clean(None, problem="type-error")


@pytest.mark.parametrize("prefix", ["140", "144", "148", "149", "154", "163", "194", "199", "192", "165"])
def test_mobiles_are_judged_by_the_numbering_plan_not_by_the_installed_ranges(prefix: str) -> None:
    """A range the installed metadata does not know yet (or knows as data-only) is still a mobile's shape: an
    old install must not call a real guardian's number wrong (see the phones module)."""
    assert phone_ok(prefix + "12345678")


@given(st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True), st.data())
def test_clean_phone_of_spaced_mobile(mobile: str, data: st.DataObject) -> None:
    seps = data.draw(st.lists(st.sampled_from(["", " ", "-", "  ", " - ", "\u3000"]), min_size=10, max_size=10))
    raw = mobile[0] + "".join(s + c for s, c in zip(seps, mobile[1:]))
    raw = data.draw(st.sampled_from(["", " ", "+86 ", "86-", "0086 ", "0"])) + raw
    result = clean_phone(raw)
    assert result.value == mobile and result.problem is None
    assert result.changed == (raw.strip() != mobile)
    assert mask_phone(result.value) == mobile[:3] + "****" + mobile[-4:]


@given(st.sampled_from(["010", "021", "0731", "0755", "0571"]), st.sampled_from([2, 3, 4, 5, 6, 7, 9]), st.integers(0, 9_999_999),
       st.sampled_from(["-", " ", "", "－", ")"]))
def test_landline_with_real_area_code_is_written_area_dash_local(area: str, head: int, rest: int, sep: str) -> None:
    local = f"{head}{rest:07d}"  # these areas use 8-digit local numbers; 8 and 0 start none of 010 and 021
    raw = ("(" + area if sep == ")" else area) + sep + local
    assert clean_phone(raw).value == f"{area}-{local}"
    short = clean_phone(raw[:-1])  # one digit short: not a number there, and not noted as fixed
    assert phone_problem(short.value) == "phone-invalid" and not short.changed


# --- in a real ledger: number cells and text cells as teachers type them -------------------------------------

def _guardian_phones(tmp_path: Path, phones: list[Any]) -> Path:
    path = ledger(tmp_path, students=[student(i, 监护人电话=p) for i, p in enumerate(phones)])
    wb = openpyxl.load_workbook(path)
    ws = wb["花名册"]
    for i, p in enumerate(phones):  # the cell is what the teacher typed: a number cell or a text cell
        assert ws[f"P{3 + i}"].data_type == ("n" if isinstance(p, (int, float)) else "s")
    return path


def test_ledger_phones_fixed_noted_and_caught_at_their_cells(tmp_path: Path) -> None:
    phones: list[Any] = [8613812345678.0, "(0731)84123456", 13912345678, "84123456", "0123-4567890", 73184123456]
    report = check([_guardian_phones(tmp_path, phones)], as_of=AS_OF, write=False)
    result = report.files[0]
    assert report.flatten(["cell", "code", "value"]) == [["P6", "phone-no-area-code", "84123456"],
                                                         ["P7", "phone-invalid", "0123-4567890"]]
    assert "请写上区号" in report.issues_frame()["message"].iloc[0]
    fixes = [(f.cell, f.before, f.after) for f in result.fixes if f.column == "监护人电话"]
    assert fixes == [("P3", "8.61381E+12", "13812345678"), ("P4", "(0731)84123456", "0731-84123456"),
                     ("P8", "73184123456", "0731-84123456")]
    roster = result.frames["roster"]
    assert roster["guardian_phone"].tolist()[:3] == ["13812345678", "0731-84123456", "13912345678"]


def test_every_rule_read_from_real_cells(tmp_path: Path) -> None:
    """The tables above, typed into one ledger's 监护人电话 cells (number cells and text cells): each readable
    number is written one way and noted at its cell, each wrong one is caught at its cell with its code."""
    typed = [raw for raw, _ in READ] + [raw for raw, _ in WRONG if raw != 0.0]
    report = check([_guardian_phones(tmp_path, typed)], as_of=AS_OF, write=False)
    result = report.files[0]
    cells = {f"P{3 + i}": raw for i, raw in enumerate(typed)}
    expected_fixes = {f"P{3 + i}": w for i, (raw, w) in enumerate(READ)
                      if (raw.strip() if isinstance(raw, str) else str(int(raw))) != w}
    assert {f.cell: f.after for f in result.fixes if f.column == "监护人电话"} == expected_fixes
    wrong = {f"P{3 + len(READ) + i}": code for i, (_, code) in enumerate(w for w in WRONG if w[0] != 0.0)}
    found = {i.cell: i.code for i in report.issues}
    assert found == wrong, {c: cells[c] for c in set(found) ^ set(wrong)}
    values = result.frames["roster"]["guardian_phone"].tolist()
    assert values[:len(READ)] == [w for _, w in READ]


DETAILS = [
    ("13812345678(父亲)", "号码中夹有文字，请只填号码，说明写在「备注」。"),
    ("00000000000", "像是占位号码，请填写真实号码。"),
    (11111111111, "像是占位号码，请填写真实号码。"),
    ("12345678901", "没有 12 开头的手机号，请核对。"),
    ("177 2600 034", "手机号是 11 位，这里有 10 位，请核对。"),
    ("0123-4567890", "手机号应为 11 位（1 开头），固定电话请带区号，如 0731-84123456。"),
]


@pytest.mark.parametrize(("typed", "detail"), DETAILS, ids=[str(t) for t, _ in DETAILS])
def test_phone_invalid_says_what_is_wrong(tmp_path: Path, typed: Any, detail: str) -> None:
    report = check([_guardian_phones(tmp_path, [13912345678, typed])], as_of=AS_OF, write=False)
    [issue] = report.issues
    assert (issue.cell, issue.code) == ("P4", "phone-invalid")
    assert issue.message == f"「监护人电话」的号码「{issue.value}」不正确：{detail}"
