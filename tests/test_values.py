"""core/values.py: the one blank test, the one column-letter helper, the one text width."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl.utils.cell import get_column_letter

from rosterkit.core.values import blank, column_letter, missing, text_width


@pytest.mark.parametrize(("value", "is_missing", "is_blank"), [
    (None, True, True), (math.nan, True, True), (pd.NaT, True, True), (pd.NA, True, True),
    ("", False, True), ("  \t\u3000", False, True), ((), False, True),
    ("张三", False, False), (0, False, False), (0.0, False, False), (False, False, False),
    (("留守儿童",), False, False), (dt.date(2026, 9, 1), False, False),
])
def test_missing_is_no_value_and_blank_is_an_empty_cell(value: Any, is_missing: bool, is_blank: bool) -> None:
    assert missing(value) is is_missing
    assert blank(value) is is_blank


@given(st.integers(min_value=0, max_value=16_383))
def test_column_letters_are_excels(index: int) -> None:
    assert column_letter(index) == get_column_letter(index + 1)


@pytest.mark.parametrize(("text", "width"), [("", 0), ("abc", 3), ("学生", 4), ("3年级", 5), ("ＡＢ", 4)])
def test_text_width_counts_wide_characters_twice(text: str, width: int) -> None:
    assert text_width(text) == width
