"""The memoised cleaners and their fast paths give exactly what the full, uncached cleaning gives."""

from __future__ import annotations

import dataclasses
import datetime as dt
import string
import sys
from typing import Any, Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rosterkit.core import dates as dz
from rosterkit.core import normalize as nz
from rosterkit.core import phones as ph
from rosterkit.core.normalize import Clean

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
ETHNIC = ("汉族", "蒙古族", "回族", "藏族", "ＡＢ", "Yes")
MULTI = ("留守儿童", "单亲家庭", "孤儿", "残疾")

# Text that reaches every branch: plain ASCII (the ID and phone fast paths), Han, full-width forms, the
# whitespace and invisible characters the fast paths must notice, dashes, ticks and separators.
_ALPHABET = (string.ascii_letters + string.digits + " \t\n\u3000\u00a0\u200b\ufeff\u2060-\u2212\u2014.()+'`"
             "转年月日号/、，,；;|汉族回蒙古是否√×ＡＢ１２３－（）：！？张三留守儿童孤儿")
texts = st.one_of(
    st.text(),
    st.text(alphabet=_ALPHABET, max_size=30),
    st.from_regex(r"[0-9]{1,20}[xX]?", fullmatch=True),
    st.from_regex(r"(\+86|0086)?1[3-9][0-9]{9}", fullmatch=True),
    st.from_regex(r"0[0-9]{2,3}[- ][0-9]{7,8}([-转][0-9]{1,4})?", fullmatch=True),
    st.from_regex(r"20[0-9]{2}[-/.年][01]?[0-9][-/.月][0-3]?[0-9]日?", fullmatch=True),
    st.sampled_from(["", " ", "是", "否", "√", "汉", "ab", "1E20", "1e15", "12345678901234567890"]),
    st.text(alphabet=_ALPHABET, min_size=nz.MEMO_MAX_LEN - 2, max_size=nz.MEMO_MAX_LEN + 3),  # around the limit
)
cells = st.one_of(texts, st.none(), st.booleans(), st.integers(-10**17, 10**17),
                  st.floats(allow_nan=True, allow_infinity=True), st.dates(), st.datetimes())

YEAR_2026 = (dt.date(2026, 1, 1), dt.date(2026, 12, 31))  # what default_year=2026 stands for

FULL: dict[str, tuple[Callable[[Any], Clean], Callable[[Any], Clean]]] = {
    "text": (nz.clean_text, nz._clean_text_full),
    "id": (nz.clean_id, nz._clean_id_full),
    "phone": (ph.clean_phone, ph._clean_phone_full),
    "integer": (nz.clean_integer, nz._clean_integer),
    "date": (lambda raw: dz.clean_date(raw, default_year=2026),
             lambda raw: dz._to_clean(raw, dz._parse(raw, False, YEAR_2026, YEAR_2026))),
    "choice": (lambda raw: nz.clean_choice(raw, ETHNIC), lambda raw: nz._clean_choice(raw, ETHNIC)),
    "multi": (lambda raw: nz.clean_multi(raw, MULTI), lambda raw: nz._clean_multi(raw, MULTI)),
}


def _same(a: Clean, b: Clean) -> bool:
    # NaN-free comparison that also tells 1 from True and a date from a datetime.
    return a == b and type(a.value) is type(b.value)


@pytest.mark.parametrize("kind", sorted(FULL))
@SETTINGS
@given(raw=cells)
def test_memoised_cleaner_equals_full_cleaning(kind: str, raw: Any) -> None:
    cached, full = FULL[kind]
    expected = full(raw)
    assert _same(cached(raw), expected)
    assert _same(cached(raw), expected)  # the second call is answered by the memo


@SETTINGS
@given(raw=texts)
def test_text_fast_path_only_skips_work_that_changes_nothing(raw: str) -> None:
    assert _same(nz._clean_text(raw), nz._clean_text_full(raw))
    assert _same(nz._clean_id(raw), nz._clean_id_full(raw))
    assert _same(ph._clean_phone(raw), ph._clean_phone_full(raw))


def test_text_fast_path_agrees_for_every_character() -> None:
    """No code point passes the cheap 'already clean' test that stripping, narrowing or dropping would change."""
    for cp in range(sys.maxunicode + 1):
        ch = chr(cp)
        if not nz._UNTIDY.search(ch):
            assert ch.strip() == ch and ch.translate(nz._HALF_WIDTH) == ch and not nz._ZERO_WIDTH.search(ch), hex(cp)
            if cp < 0x10000 and not 0xD800 <= cp <= 0xDFFF:
                assert nz._clean_text_full(f"张{ch}三") == Clean(f"张{ch}三"), hex(cp)


def test_equal_input_gives_equal_and_shared_frozen_result() -> None:
    first, second = nz.clean_choice("汉", ETHNIC), nz.clean_choice("汉", ETHNIC)
    assert first == second == Clean("汉族", changed=True)
    assert first is second  # one immutable result for every cell that typed the same
    with pytest.raises(dataclasses.FrozenInstanceError):
        first.value = "回族"  # type: ignore[misc]
    assert nz.clean_choice("汉", ETHNIC).value == "汉族"


def test_equal_values_of_other_types_are_not_confused() -> None:
    """1 == 1.0 == True and 0.0 == -0.0 as keys; as cells they are cleaned by what they are."""
    order = ["1", 1, 1.0, True, "TRUE", 0.0, -0.0, dt.date(2026, 9, 1), dt.datetime(2026, 9, 1, 8, 30)]
    for fn in (nz.clean_text, nz.clean_id, ph.clean_phone, nz.clean_integer, dz.clean_date):
        expected = [FULL_OF[fn](v) for v in order]
        for _ in range(2):
            got = [fn(v) for v in order] + [fn(v) for v in reversed(order)]
            assert [g.value for g in got] == [e.value for e in expected + expected[::-1]]
            assert [type(g.value) for g in got] == [type(e.value) for e in expected + expected[::-1]]


FULL_OF: dict[Callable[..., Clean], Callable[[Any], Clean]] = {
    nz.clean_text: nz._clean_text_full, nz.clean_id: nz._clean_id_full, ph.clean_phone: ph._clean_phone_full,
    nz.clean_integer: nz._clean_integer,
    dz.clean_date: lambda raw: dz._to_clean(raw, dz._parse(raw, False, None, None)),
}


def test_date_memo_keeps_default_year_apart() -> None:
    assert dz.clean_date("9月1日", default_year=2025).value == dt.date(2025, 9, 1)
    assert dz.clean_date("9月1日", default_year=2026).value == dt.date(2026, 9, 1)
    assert dz.clean_date("9月1日").problem == "type-error"


def test_long_and_unhashable_inputs_bypass_the_memo() -> None:
    long_text = "张三 " * nz.MEMO_MAX_LEN
    before = nz._clean_text_memo.cache_info().currsize
    assert nz.clean_text(long_text) == nz._clean_text_full(long_text)
    assert nz._clean_text_memo.cache_info().currsize == before  # a hostile cell is not kept alive
    as_list = list(ETHNIC)  # options in a list, not a tuple: cleaned without the memo, same answer
    assert nz.clean_choice("汉", as_list) == nz.clean_choice("汉", ETHNIC)
    assert nz.clean_multi("留守儿童、孤", list(MULTI)) == nz.clean_multi("留守儿童、孤", MULTI)


def test_memo_is_bounded() -> None:
    for i in range(nz._MEMO_SIZE + 50):
        nz.clean_text(f"学生{i}")
    assert nz._clean_text_memo.cache_info().currsize <= nz._MEMO_SIZE
