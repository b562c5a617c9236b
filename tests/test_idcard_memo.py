"""The memoised ID checks answer exactly as the plain checks do."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from rosterkit.core import idcard


def reference(value: str) -> tuple[str | None, dt.date | None, str | None]:
    """(id_problem, birth_date, gender) as computed before they were memoised."""
    ok = idcard._well_formed(value)
    problem = "id-format" if not ok else "id-checksum" if idcard.check_digit(value[:17]) != value[17] else None
    born = idcard._parse_birth(value) if ok else None
    sex = None if not ok else "男" if int(value[16]) % 2 else "女"
    return problem, born, sex


ids = st.one_of(
    st.builds(idcard.make_id, st.from_regex(r"[0-9]{6}", fullmatch=True), st.dates(dt.date(1900, 1, 1)),
              st.integers(0, 999), st.booleans()),
    st.from_regex(r"[0-9]{17}[0-9Xx]", fullmatch=True),
    st.from_regex(r"[0-9]{6}(1[89]|20)[0-9]{2}[01][0-9][0-3][0-9]{4}[0-9X]", fullmatch=True),
    st.text(max_size=20), st.text(min_size=60, max_size=70, alphabet="0123456789X"),
)


@settings(max_examples=500, deadline=None)
@given(value=ids)
def test_memoised_checks_equal_plain_checks(value: str) -> None:
    for _ in range(2):
        assert (idcard.id_problem(value), idcard.birth_date(value), idcard.gender(value)) == reference(value)


def test_memo_is_bounded_and_skips_long_strings() -> None:
    before = idcard._facts.cache_info().currsize
    assert idcard.id_problem("1" * 100) == "id-format"
    assert idcard._facts.cache_info().currsize == before
    for i in range(idcard._facts.cache_info().maxsize + 5):
        idcard.id_problem(f"{i:018d}")
    assert idcard._facts.cache_info().currsize <= idcard._facts.cache_info().maxsize
