"""What a template declares, apart from how it is read: fields, sheets, conditions, everyday words.

:mod:`rosterkit.core.template` builds these from the official workbook; :mod:`rosterkit.core.words` and the
checkers use them. Plain frozen dataclasses, no I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from rosterkit.core.labels import norm_label
from rosterkit.errors import TemplateError


@dataclass(frozen=True)
class Synonym:
    """One everyday word of a field and the official word it stands for, maybe only under a condition."""

    word: str
    official: str
    basis: tuple[str, str] | None = None  # (template sheet, field key) whose value decides; None: always
    basis_label: str = ""  # the deciding field's label, for messages
    when: tuple[str, ...] = ()  # the deciding field's values for which this row applies; (OTHERWISE,) = any other
    note: str = ""  # the bureau's explanation, shown with the fix and in the ambiguity message


FieldType = str  # a key of rosterkit.checking.fieldtypes.KINDS, which says how the type is cleaned and checked
# The 类型 words of the template's 字段 sheet. A new type: its word here, its Kind in checking/fieldtypes.py.
TYPES: dict[str, FieldType] = {
    "文本": "text", "整数": "integer", "日期": "date", "身份证号": "id", "学籍号": "code",
    "电话": "phone", "单选": "choice", "多选": "multi",
}


@dataclass(frozen=True)
class Condition:
    """``label=v1|v2``: true when that field holds (or, for 多选, contains) one of the values;
    ``label=空``: true when that field is blank."""

    label: str
    values: tuple[str, ...]
    text: str

    @property
    def when_blank(self) -> bool:
        return not self.values

    def describe(self) -> str:
        """Chinese wording for messages: 「类别含留守儿童」, 「学籍号为空」."""
        if self.when_blank:
            return f"「{self.label}」为空"
        return f"「{self.label}」为{'或'.join(self.values)}"


@dataclass(frozen=True)
class Field:
    """One column of a data sheet, or one labelled cell of 填表说明."""

    sheet: str
    label: str
    key: str
    type: FieldType
    required: bool
    condition: Condition | None = None
    allowed: tuple[str, ...] = ()
    rule: str = ""
    aliases: tuple[str, ...] = ()  # other labels accepted for the column (not for its values: see synonyms)
    note: str = ""
    synonyms: tuple[Synonym, ...] = ()  # everyday words for its values, from the 同义词 sheet (see core/words.py)

    @property
    def pattern(self) -> re.Pattern[str] | None:
        """A regular expression in 格式 (starting with ^), for text-like fields."""
        return re.compile(self.rule) if self.rule.startswith("^") else None

    def names(self) -> tuple[str, ...]:
        """Normalised labels accepted for this field: the label, then the aliases."""
        return tuple(dict.fromkeys(norm_label(x) for x in (self.label, *self.aliases)))


@dataclass(frozen=True)
class SheetSpec:
    """A data sheet: its fields in template column order and where the header row is."""

    name: str
    fields: tuple[Field, ...]
    header_row: int

    def field(self, key: str) -> Field | None:
        return next((f for f in self.fields if f.key == key), None)

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(f.key for f in self.fields)


@dataclass(frozen=True)
class Template:
    """The class ledger template: metadata fields, data sheets, identity."""

    id: str
    version: str
    path: Path
    meta: tuple[Field, ...]
    sheets: dict[str, SheetSpec] = field(default_factory=dict)

    def sheet_with(self, key: str) -> SheetSpec:
        """The data sheet holding a field key (``name`` → 花名册, ``student_name`` → 帮扶记录)."""
        for spec in self.sheets.values():
            if spec.field(key):
                return spec
        raise TemplateError(f"template {self.path.name}: no sheet has a field '{key}'")

    @property
    def roster(self) -> SheetSpec:
        return self.sheet_with("name")

    @property
    def log(self) -> SheetSpec:
        return self.sheet_with("student_name")
