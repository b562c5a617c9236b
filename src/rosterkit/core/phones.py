"""Phone numbers as teachers type them → one written form, judged by libphonenumber's Chinese numbering plan.

Written forms: a mobile is its 11 digits (``13812345678``); a landline is ``AREA-LOCAL`` with an optional
``-EXT`` (``0731-84123456``, ``010-12345678-801``). What a person reads without hesitation is rewritten and
noted (``changed``): separators, ``+86`` / ``0086`` / ``86`` in front, a mobile with a leading 0
(``013812345678``), a landline whose 0 Excel dropped from a number cell (``73184123456``).

Validity (:func:`phone_problem`):

- **Landlines** by ``phonenumbers.is_valid_number`` for CN: a real area code (010, 02X, 0[3-9]XX) with a local
  number of the length that area uses. Area codes and local lengths have been stable for twenty years.
- **Mobiles** by our own rule, ``1[3-9]`` + 9 digits (the MIIT plan's mobile block), not by the metadata's
  ranges: new ranges are opened every few years (192 in 2019, 190/196/197 later) and a coordinator's install
  may be years old, so a strict check would reject a real guardian's number that no teacher can "fix"; the
  ranges it alone rejects (140–144, 146, 148, 149, 154, …) are unallocated or data-only, and a mistyped digit
  almost always lands in the eight digits no rule can check anyway.
- 7–8 digits without an area code: ``phone-no-area-code`` (ask for it, never guess the area).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import phonenumbers

from rosterkit.core.normalize import (
    _DASH,
    MEMO_MAX_LEN,
    Clean,
    _as_text,
    _changed,
    _integral,
    _is_blank,
    _is_number,
    _memo,
    _tidy,
)

__all__ = ["clean_phone", "invalid_detail", "phone_ok", "phone_problem"]

_LONGEST = 20  # digits of the longest number we write: 0086 + a 4-digit area code + 8 digits + a 4-digit extension
_MOBILE = re.compile(r"1[3-9][0-9]{9}")
_LANDLINE = re.compile(r"(0[0-9]{2,3})-([0-9]{7,8})(?:-([0-9]{1,6}))?")
_LOCAL_ONLY = re.compile(r"[2-9][0-9]{6,7}")  # a local number: no area code, no mobile, no service number
_TYPED = re.compile(f"[0-9\\s{_DASH}.()+转分机]+")  # only digits and what people put between them
# A trailing '-801' or '转801' may be an extension or just the end of the number split by '-'.
_EXT = re.compile(f"(.*?)\\s*(?:[{_DASH}]|转|分机)\\s*([0-9]{{1,6}})")


@lru_cache(maxsize=1 << 12)
def _fixed_line(digits: str) -> str | None:
    """'AREA-LOCAL' for the digits of a valid Chinese landline that start with its 0, else None."""
    try:
        number = phonenumbers.parse(digits, "CN")
    except phonenumbers.NumberParseException:
        return None
    if number.country_code != 86 or not phonenumbers.is_valid_number(number):
        return None
    if phonenumbers.number_type(number) != phonenumbers.PhoneNumberType.FIXED_LINE:
        return None  # 400 / 800 service numbers and mobiles are not landlines
    national = str(number.national_number)
    area = phonenumbers.length_of_geographical_area_code(number)
    return f"0{national[:area]}-{national[area:]}" if area else None


def _national(digits: str, *, from_number: bool) -> str:
    """The digits without a country code in front, and with the 0 a number cell dropped put back."""
    for prefix in ("0086", "86"):
        rest = digits[len(prefix):]
        if digits.startswith(prefix) and (_MOBILE.fullmatch(rest) or _fixed_line(rest if rest[:1] == "0"
                                                                                  else "0" + rest)):
            # +86 731 84123456: the area code's 0 back (a landline is written without it after +86)
            digits = rest if rest[:1] == "0" or _MOBILE.fullmatch(rest) else "0" + rest
            break
    if from_number and digits[:1] not in "01" and _fixed_line("0" + digits):
        digits = "0" + digits  # Excel drops a leading 0 in a number cell: 73184123456 is 0731-84123456
    if digits.startswith("0") and _MOBILE.fullmatch(digits[1:]):
        digits = digits[1:]  # 013812345678: no area code starts 01 but 010, so this is the mobile
    return digits


def _written(text: str, digits: str) -> str:
    """The written form of a number from its ``digits`` (country code and any extension included)."""
    if _MOBILE.fullmatch(digits):
        return digits
    if digits.startswith("0") and (whole := _fixed_line(digits)):
        return whole
    if m := _EXT.fullmatch(text):  # the last group is an extension: the number is valid without it
        main = _national(re.sub(r"[^0-9]", "", m[1]), from_number=False)
        if main.startswith("0") and (fixed := _fixed_line(main)):
            return f"{fixed}-{m[2]}"
    return digits


def clean_phone(raw: Any) -> Clean:
    """Clean a phone number into its written form (see the module); validity is :func:`phone_problem`.

    A number that is still not valid after cleaning is returned as its digits with ``changed=False``: the
    problem is reported, so nothing is noted as fixed.
    """
    return _clean_phone_memo(raw) if type(raw) is str and len(raw) <= MEMO_MAX_LEN else _clean_phone(raw)


def _clean_phone(raw: Any) -> Clean:
    if type(raw) is str and raw.isascii() and raw.isdigit() and _MOBILE.fullmatch(raw):
        return Clean(raw)  # the usual mobile, typed as it should be
    return _clean_phone_full(raw)


def _clean_phone_full(raw: Any) -> Clean:
    if _is_blank(raw):
        return Clean(None)
    if _is_number(raw):
        shown = _as_text(raw)  # 13812345678.0 -> '13812345678'
        if _integral(raw) is None or raw < 0 or len(shown) > _LONGEST:
            return Clean(shown)
        value = _written(shown, _national(shown, from_number=True))
        return Clean(value, changed=value != shown and phone_problem(value) is None)
    if not isinstance(raw, str):
        return Clean(None, problem="type-error")
    text = _tidy(raw)
    if not _TYPED.fullmatch(text):  # notes mixed in ('13812345678(父亲)'): shown as typed in the message
        return Clean(text)
    digits = re.sub(r"[^0-9]", "", text)
    if len(digits) > _LONGEST:
        return Clean(text)  # no phone is that long: not worth parsing (nor memoising)
    value = _written(text, _national(digits, from_number=False))
    if (problem := phone_problem(value)) is not None:  # not a number we can read: as typed, for the message
        return Clean(digits if problem == "phone-no-area-code" else text)
    return Clean(value, changed=_changed(raw, value))


_clean_phone_memo = _memo(_clean_phone)


def phone_problem(value: str) -> str | None:
    """None for a cleaned mobile or landline, ``"phone-no-area-code"`` for a local number without its area
    code, else ``"phone-invalid"`` (placeholders such as 00000000000, unknown area codes, wrong lengths)."""
    # only short strings reach the memo: a hostile cell's huge text is not kept alive by it
    return _phone_problem(value) if len(value) <= _LONGEST + 4 else "phone-invalid"


@lru_cache(maxsize=1 << 12)
def _phone_problem(value: str) -> str | None:
    if _MOBILE.fullmatch(value):
        return None
    if m := _LANDLINE.fullmatch(value):
        return None if _fixed_line(m[1] + m[2]) == f"{m[1]}-{m[2]}" else "phone-invalid"
    return "phone-no-area-code" if _LOCAL_ONLY.fullmatch(value) else "phone-invalid"


def phone_ok(value: str) -> bool:
    """True for a mobile (1[3-9] + 9 digits) or a valid landline in its written form ('0731-84123456[-801]')."""
    return phone_problem(value) is None


def invalid_detail(value: str) -> str:
    """What is wrong with a ``phone-invalid`` number and what to do, in words for its message: precise where it
    can be (text mixed in, a placeholder, a mobile's length or prefix), else the rule for both kinds."""
    digits = re.sub(r"[^0-9]", "", value)
    if digits and not _TYPED.fullmatch(value):
        return "号码中夹有文字，请只填号码，说明写在「备注」。"
    if len(digits) >= 7 and len(set(digits)) == 1:
        return "像是占位号码，请填写真实号码。"
    if digits.startswith("1") and len(digits) != 11:
        return f"手机号是 11 位，这里有 {len(digits)} 位，请核对。"
    if digits.startswith("1") and not _MOBILE.fullmatch(digits):
        return f"没有 {digits[:2]} 开头的手机号，请核对。"
    return "手机号应为 11 位（1 开头），固定电话请带区号，如 0731-84123456。"
