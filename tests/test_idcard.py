from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rosterkit.core.idcard import birth_date, check_digit, gender, id_problem, make_id
from rosterkit.core.masking import mask_id

# The specimen number published with GB 11643-1999.
SPECIMEN = "11010519491231002X"

areas = st.text(alphabet="0123456789", min_size=6, max_size=6)
births = st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31))
seqs = st.integers(min_value=0, max_value=999)


@pytest.mark.parametrize(
    ("first17", "expected"),
    [
        # expected values computed by hand with the equivalent form (12 - sum(d * 2**(17-i)) % 11) % 11
        ("11010519491231002", "X"),
        ("44052418800101001", "4"),
        ("43010120120229123", "3"),
        ("51343620000320789", "X"),
        ("00000000000000000", "1"),
        ("10000000000000000", "5"),  # 1 * 7 = 7 -> '5'
    ],
)
def test_check_digit_known(first17: str, expected: str) -> None:
    assert check_digit(first17) == expected


def test_check_digit_covers_every_remainder() -> None:
    # weight of the 17th digit is 2, so digits 0..9 there give remainders 0,2,4,...,18 % 11
    got = {check_digit("0" * 16 + str(d)) for d in range(10)}
    assert got == {"1", "X", "8", "6", "4", "2", "0", "9", "7", "5"}


@pytest.mark.parametrize("bad", ["", "1234", "1101051949123100", "110105194912310021X", "1101051949123100A"])
def test_check_digit_rejects_wrong_input(bad: str) -> None:
    with pytest.raises(ValueError):
        check_digit(bad)


@pytest.mark.parametrize(
    "value",
    [
        SPECIMEN,
        "430101201202291233",
        "51343620000320789X",
        make_id("430101", date(2012, 2, 29), 123, male=True),
        make_id("430101", date(2000, 1, 1), 0, male=False),
        make_id("650102", date(1900, 1, 1), 999, male=True),
    ],
)
def test_valid_ids(value: str) -> None:
    assert id_problem(value) is None


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("110105194912310021", "id-checksum"),  # last digit should be X
        ("11010519491231002x", "id-format"),  # not cleaned: lower-case x
        ("11010519491231002", "id-format"),  # 17 characters
        ("11010519491231002XX", "id-format"),  # 19 characters
        ("", "id-format"),
        ("1101051949123100AX", "id-format"),  # letter among the first 17
        ("X1010519491231002X", "id-format"),
        ("11010519491231002Y", "id-format"),  # last not a digit or X
        ("１１０１０５１９４９１２３１００２X", "id-format"),  # full-width digits are not ASCII
        ("110105 19491231002", "id-format"),  # a space inside
        ("430101" "20260230" "1234", "id-format"),  # Feb 30
        ("430101" "20230229" "1234", "id-format"),  # not a leap year
        ("430101" "20261301" "1234", "id-format"),  # month 13
        ("430101" "18991231" "1234", "id-format"),  # before 1900
        ("430101" "00000000" "1234", "id-format"),
    ],
)
def test_invalid_ids(value: str, code: str) -> None:
    assert id_problem(value) == code


def test_feb_30_is_format_even_with_matching_check_digit() -> None:
    first17 = "430101" "20260230" "123"
    assert id_problem(first17 + check_digit(first17)) == "id-format"


@pytest.mark.parametrize(
    ("value", "born", "sex"),
    [
        (SPECIMEN, date(1949, 12, 31), "女"),  # 17th digit 2
        ("440524188001010014", None, None),  # born 1880: treated as a format error
        ("110105194912310021", date(1949, 12, 31), "女"),  # wrong check digit still tells the date
        ("430101" "20120229" "1234", date(2012, 2, 29), "男"),  # 17th digit 3
        ("430101" "20260230" "1234", None, None),
        ("4301012012022912", None, None),
        ("4301012012022912AX", None, None),
    ],
)
def test_birth_date_and_gender(value: str, born: date | None, sex: str | None) -> None:
    assert birth_date(value) == born
    assert gender(value) == sex


@pytest.mark.parametrize(
    ("area", "born", "seq"),
    [("43010", date(2000, 1, 1), 1), ("43010a", date(2000, 1, 1), 1), ("430101", date(2000, 1, 1), 1000),
     ("430101", date(2000, 1, 1), -1), ("430101", date(1899, 12, 31), 1)],
)
def test_make_id_rejects_bad_parts(area: str, born: date, seq: int) -> None:
    with pytest.raises(ValueError):
        make_id(area, born, seq, male=True)


def test_make_id_keeps_matching_sequence_and_flips_other() -> None:
    assert make_id("430101", date(2000, 1, 1), 123, male=True)[14:17] == "123"
    assert make_id("430101", date(2000, 1, 1), 123, male=False)[14:17] == "122"
    assert make_id("430101", date(2000, 1, 1), 0, male=True)[14:17] == "001"
    assert make_id("430101", date(2000, 1, 1), 999, male=False)[14:17] == "998"


@given(areas, births, seqs, st.booleans())
def test_make_id_round_trips(area: str, born: date, seq: int, male: bool) -> None:
    value = make_id(area, born, seq, male)
    assert len(value) == 18
    assert value.startswith(area)
    assert id_problem(value) is None
    assert birth_date(value) == born
    assert gender(value) == ("男" if male else "女")
    assert mask_id(value) == value[:6] + "*" * 8 + value[-4:]


@given(areas, births, seqs, st.booleans(), st.integers(0, 16), st.integers(1, 9))
def test_any_single_digit_change_is_caught(
    area: str, born: date, seq: int, male: bool, position: int, delta: int
) -> None:
    value = make_id(area, born, seq, male)
    digit = str((int(value[position]) + delta) % 10)
    changed = value[:position] + digit + value[position + 1 :]
    assert changed != value
    assert id_problem(changed) in {"id-checksum", "id-format"}


@given(areas, births, seqs, st.booleans(), st.sampled_from("0123456789X"))
def test_only_the_right_check_character_passes(area: str, born: date, seq: int, male: bool, last: str) -> None:
    value = make_id(area, born, seq, male)
    other = value[:17] + last
    assert (id_problem(other) is None) == (last == value[17])
    if last != value[17]:
        assert id_problem(other) == "id-checksum"
