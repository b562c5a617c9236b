"""Memoised label normalising gives what the plain normalising gives, for any value."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from rosterkit.core import labels
from rosterkit.core.labels import label_variants, norm_label


def reference_norm(value: Any) -> str:
    """norm_label as it was before it was memoised."""
    if value is None:
        return ""
    text = unicodedata.normalize("NFKC", str(value))
    return re.sub(r"\s+", "", text).translate(str.maketrans("", "", "*:："))


def reference_variants(value: Any) -> tuple[str, ...]:
    base = reference_norm(value)
    bare = re.sub(r"\([^)]*\)", "", base)
    return (base, bare) if bare and bare != base else (base,)


values = st.one_of(
    st.text(), st.text(alphabet="姓名 （）()*:：必填\u3000\n身份证号ＡＢ１", max_size=20), st.none(), st.booleans(),
    st.integers(), st.floats(), st.dates(), st.datetimes(),
    st.text(min_size=labels.MEMO_MAX_LEN - 1, max_size=labels.MEMO_MAX_LEN + 2),
)


@settings(max_examples=500, deadline=None)
@given(value=values)
def test_memoised_labels_equal_plain_normalising(value: Any) -> None:
    for _ in range(2):  # the second time from the cache
        assert norm_label(value) == reference_norm(value)
        assert label_variants(value) == reference_variants(value)


def test_equal_values_of_other_types_keep_their_own_text() -> None:
    order = [1, 1.0, True, "1", 0.0, -0.0, dt.date(2026, 9, 1), dt.datetime(2026, 9, 1)]
    for _ in range(2):
        assert [norm_label(v) for v in order] == ["1", "1.0", "True", "1", "0.0", "-0.0", "2026-09-01",
                                                   "2026-09-01000000"]


def test_label_memo_is_bounded_and_skips_long_text() -> None:
    long_label = "姓名" * labels.MEMO_MAX_LEN
    before = labels._norm_cached.cache_info().currsize
    assert norm_label(long_label) == reference_norm(long_label)
    assert labels._norm_cached.cache_info().currsize == before
    for i in range(labels._MEMO_SIZE + 10):
        norm_label(f"列{i}")
    assert labels._norm_cached.cache_info().currsize <= labels._MEMO_SIZE
