"""Each column type of the template, declared in one place: how its cells are cleaned, which problems a cleaned
value can still have, what a type error asks for, and how the 学校花名册 writes the column.

A new type is a word in the template's 字段 sheet (:data:`rosterkit.core.spec.TYPES` maps 类型 words to type
names) and one :class:`Kind` here, whose cleaner lives with the others in core/ (normalize.py, dates.py,
phones.py, idcard.py). The cleaning pass (validate.py), the schema (schema.py) and the roster writer read this
table; none of them names a type.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rosterkit.core import dates, idcard, words
from rosterkit.core.normalize import Clean, bad_parts, clean_id, clean_integer, clean_text
from rosterkit.core.phones import clean_phone, phone_problem
from rosterkit.core.spec import Field

Cleaner = Callable[[Any], Clean]
Check = tuple[str, Callable[[Any], bool]]  # a problem code, and the test a good value passes

__all__ = ["KINDS", "Check", "Cleaner", "Kind", "kind_of"]


def _no_checks(f: Field) -> list[Check]:
    return []


@dataclass(frozen=True)
class Kind:
    """One column type. ``cleaner(field, date_rules)`` makes the cell cleaner for a column (``date_rules``: how
    a typed date is read in this sheet, for types that read dates); ``checks(field)`` lists what its cleaned
    values are judged on, in order, each named by the problem code it reports. A value the cleaner cannot
    understand stays in the frame as typed: it is a check that reports it (the schema sees every file's column
    at once), so a check must tell a raw value from a clean one."""

    cleaner: Callable[[Field, dict[str, Any]], Cleaner]
    checks: Callable[[Field], list[Check]] = _no_checks
    expected: str = "文本"  # what a type-error asks for
    hint: str = ""  # how to write it, in the type-error's message
    pattern: bool = False  # the field's 格式 (a ^regex) applies to its text
    typed: Callable[[Any, bool], Any] | None = None  # a raw cell as the teacher typed it (epoch_1904 given)
    explain: Callable[..., tuple[str, dict[str, str]]] | None = None  # a type-error refined into the question
    written_as: str = "auto"  # the roster: 'auto' (by the value's type), or 'text' / 'id' / 'phone' (text, masked so)
    masked: bool = False  # a personal number: masked in every 脱敏 output; a 脱敏 file cannot pre-fill ledgers

    @property
    def text(self) -> bool:
        """Its cells are text cells in the ledgers we fill (Excel would turn an ID into 4.3E+17)."""
        return self.written_as != "auto"


def _is_date(v: Any) -> bool:
    # A date cell of the last century (Excel's 1900-01-10 for a typed 10.15) is kept raw when it cannot be read
    # back: it must fail here, never pass as a date.
    return isinstance(v, dt.date) and not isinstance(v, dt.datetime) and v >= dates.EARLIEST


def _date_cleaner(f: Field, how: dict[str, Any]) -> Cleaner:
    return lambda raw: dates.clean_date(raw, **how)


def _id_checks(f: Field) -> list[Check]:
    # an ID Excel turned into a number is kept as Excel shows it (4.30725E+17): that, and only that, is said;
    # the checksum check leaves malformed IDs to the format check, so one cell gets one precise code
    return [("id-scientific", lambda v: isinstance(v, str) and not idcard.digits_lost(v)),
            ("id-format", lambda v: not isinstance(v, str) or idcard.digits_lost(v)
             or idcard.id_problem(v) != "id-format"),
            ("id-checksum", lambda v: not isinstance(v, str) or idcard.id_problem(v) != "id-checksum")]


def _phone_checks(f: Field) -> list[Check]:
    # one code per cell: a local number without its area code gets the question, not 「不正确」
    return [("phone-no-area-code", lambda v: not isinstance(v, str) or phone_problem(v) != "phone-no-area-code"),
            ("phone-invalid", lambda v: isinstance(v, str) and phone_problem(v) != "phone-invalid")]


def _choice_checks(f: Field) -> list[Check]:
    allowed = frozenset(f.allowed)
    return [("value-not-allowed", lambda v: v in allowed)] if allowed else []


def _multi_checks(f: Field) -> list[Check]:
    allowed = tuple(f.allowed)
    return [("value-not-allowed", lambda v: not bad_parts(tuple(v) if isinstance(v, tuple) else (v,), allowed))
            ] if allowed else []


KINDS: dict[str, Kind] = {
    "text": Kind(lambda f, how: clean_text, pattern=True),
    "integer": Kind(lambda f, how: clean_integer,
                    lambda f: [("type-error", lambda v: isinstance(v, int) and not isinstance(v, bool))],
                    expected="整数", hint="请只填数字。"),
    "date": Kind(_date_cleaner, lambda f: [("type-error", _is_date)], expected="日期",
                 hint="请写成 2026-09-01 或 2026年9月1日。", typed=dates.typed, explain=dates.explain),
    "id": Kind(lambda f, how: clean_id, _id_checks, written_as="id", masked=True),
    # a 学籍号 is G + an ID's digits, or the ID itself: cleaned like one when typed as text, never as a number
    "code": Kind(lambda f, how: lambda raw: clean_id(raw) if not isinstance(raw, float) else clean_text(raw),
                 pattern=True, written_as="text", masked=True),
    "phone": Kind(lambda f, how: clean_phone, _phone_checks, written_as="phone", masked=True),
    # the usual repairs, then the template's everyday words (同义词)
    "choice": Kind(lambda f, how: words.choice_cleaner(f), _choice_checks),
    "multi": Kind(lambda f, how: words.choice_cleaner(f), _multi_checks),
}


def kind_of(f: Field) -> Kind:
    """The :class:`Kind` of a field (plain text for a type this version does not know)."""
    return KINDS.get(f.type, KINDS["text"])
