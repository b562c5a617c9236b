"""Official template workbook → :class:`Template` (fields, labels, aliases, allowed values, version).

The template decides the schema: the 字段 sheet lists the fields, the header rows of the data sheets give the
column order, and the dropdown validations add to the allowed values. Nothing here runs a check.
"""

from __future__ import annotations

import atexit
import os
import re
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from functools import cache, lru_cache
from importlib.resources import as_file, files
from pathlib import Path
from typing import Any, Literal

import openpyxl
from openpyxl.utils.cell import range_boundaries

from rosterkit.core.labels import label_variants, norm_label
from rosterkit.core.words import SYNONYM_SHEET, Synonym, attach_synonyms
from rosterkit.errors import TemplateError

FieldType = Literal["text", "integer", "date", "id", "code", "phone", "choice", "multi"]
TYPES: dict[str, FieldType] = {
    "文本": "text", "整数": "integer", "日期": "date", "身份证号": "id", "学籍号": "code",
    "电话": "phone", "单选": "choice", "多选": "multi",
}
FIELD_SHEET, META_SHEET, OPTIONS_SHEET = "字段", "填表说明", "选项"
ID_LABEL, VERSION_LABEL = "模板编号", "模板版本"


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
    synonyms: tuple[Synonym, ...] = ()  # everyday words for its values, from the 同义词 sheet (words.py)

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


PACKAGED = "templates_xlsx"  # the official workbooks' folder inside the package (package data)
# Templates extracted from a zipped install, kept until the process exits (see _packaged).
_extracted = ExitStack()
atexit.register(_extracted.close)


def templates_dir() -> Path | None:
    """$ROSTERKIT_TEMPLATES when set, else the package's ``templates_xlsx/`` folder when it is a real folder on
    disk (a wheel or editable install); ``None`` when the package is imported from a zip (see default_path)."""
    env = os.environ.get("ROSTERKIT_TEMPLATES")
    if env:
        return Path(env)
    res = files("rosterkit").joinpath(PACKAGED)
    return res if isinstance(res, Path) else None


@cache
def _packaged(name: str) -> Path:
    # A zipped install (zipapp, some freezers) has no file to hand openpyxl or shutil.copy: as_file extracts
    # one to a temporary file, removed at exit. Cached so that each template is extracted once per process.
    res = files("rosterkit").joinpath(PACKAGED, name)
    if not res.is_file():
        raise TemplateError(f"official template not found: {name} (not in the installed package)")
    return _extracted.enter_context(as_file(res))


def default_path(name: str) -> Path:
    """Path of an official template by file stem, e.g. ``班级帮扶台账``: from $ROSTERKIT_TEMPLATES when set,
    else the copy shipped inside the package."""
    folder = templates_dir()
    if folder is None:
        return _packaged(f"{name}.xlsx")
    path = folder / f"{name}.xlsx"
    if not path.exists():
        raise TemplateError(f"official template not found: {path}")
    return path


def _split(text: Any) -> tuple[str, ...]:
    return tuple(x.strip() for x in re.split(r"[、,，;；\n]", str(text or "")) if x.strip())


def _condition(text: str, sheet: str, label: str) -> Condition:
    m = re.fullmatch(r"\s*([^=＝]+?)\s*[=＝]\s*(.+?)\s*", text)
    if not m:
        raise TemplateError(f"字段: {sheet}.{label}: cannot read condition '{text}' (expected 列名=值|值 or 列名=空)")
    values = tuple(v.strip() for v in re.split(r"[|｜]", m.group(2)) if v.strip())
    return Condition(m.group(1), () if values in (("空",), ("空白",)) else values, text)


def _read_fields(ws: Any) -> list[Field]:
    rows = list(ws.iter_rows(values_only=True))
    if not rows:
        raise TemplateError("字段 sheet is empty")
    head = [norm_label(x) for x in rows[0]]
    need = ["工作表", "列名", "键", "类型", "必填", "条件", "可选值", "格式", "别名", "说明"]
    missing = [n for n in need if n not in head]
    if missing:
        raise TemplateError(f"字段 sheet lacks columns: {'、'.join(missing)}")
    col = {n: head.index(n) for n in need}
    out: list[Field] = []
    for r in rows[1:]:
        get = lambda n, r=r: ("" if r[col[n]] is None else str(r[col[n]]).strip()) if col[n] < len(r) else ""  # noqa: E731
        if not get("列名"):
            continue
        sheet, label, kind = get("工作表"), get("列名"), get("类型")
        if kind not in TYPES:
            raise TemplateError(f"字段: {sheet}.{label}: unknown 类型 '{kind}' (known: {'、'.join(TYPES)})")
        req = get("必填")
        cond = _condition(get("条件"), sheet, label) if req == "条件" else None
        out.append(Field(sheet, label, get("键") or label, TYPES[kind], req == "是", cond, _split(get("可选值")),
                         get("格式"), _split(get("别名")), get("说明")))
    return out


def _dropdowns(wb: Any, ws: Any) -> dict[int, tuple[str, ...]]:
    """Column index (0-based) → the values of a list validation on that column."""
    found: dict[int, tuple[str, ...]] = {}
    for dv in ws.data_validations.dataValidation:
        if dv.type != "list" or not dv.formula1:
            continue
        values = _list_source(wb, dv.formula1)
        for rng in str(dv.sqref).split():
            min_col, _, max_col, _ = range_boundaries(rng)
            if min_col is None or max_col is None:  # a whole-row range: no column to take a list from
                continue
            for c in range(min_col - 1, max_col):
                found[c] = values
    return found


def _list_source(wb: Any, formula: str) -> tuple[str, ...]:
    text = formula.lstrip("=")
    if text.startswith('"'):
        return _split(text.strip('"'))
    sheet, _, ref = text.rpartition("!")
    sheet = sheet.strip("'")
    if sheet not in wb.sheetnames:
        return ()
    min_col, min_row, max_col, max_row = range_boundaries(ref.replace("$", ""))
    cells = wb[sheet].iter_rows(min_row=min_row, max_row=max_row, min_col=min_col, max_col=max_col,
                                values_only=True)
    return tuple(str(v).strip() for row in cells for v in row if v not in (None, ""))


def _header_row(ws: Any, fields: list[Field]) -> tuple[int, list[str]]:
    wanted = {n for f in fields for n in f.names()}
    for r, row in enumerate(ws.iter_rows(max_row=30, values_only=True), start=1):
        labels = [norm_label(v) for v in row]
        if sum(lbl in wanted for lbl in labels) >= max(2, len(fields) // 2):
            return r, labels
    raise TemplateError(f"template sheet {ws.title}: no header row matching the 字段 sheet")


def _meta_value(ws: Any, label: str) -> str:
    for row in ws.iter_rows(values_only=True):
        for i, v in enumerate(row):
            if norm_label(v) == label:
                rest = [x for x in row[i + 1:] if x not in (None, "")]
                return str(rest[0]).strip() if rest else ""
    return ""


def load_template(path: str | Path | None = None) -> Template:
    """Read the class ledger template (default: the official one) into a :class:`Template`."""
    p = Path(path) if path else default_path("班级帮扶台账")
    return _load(p.resolve(), p.stat().st_mtime_ns)


@lru_cache(maxsize=8)
def _load(path: Path, _mtime: int) -> Template:
    try:
        wb = openpyxl.load_workbook(path)
    except Exception as exc:  # any reason the template cannot be opened stops the run
        raise TemplateError(f"cannot open template {path}: {exc}") from exc
    if FIELD_SHEET not in wb.sheetnames:
        raise TemplateError(f"template {path.name} has no 字段 sheet")
    fields = _read_fields(wb[FIELD_SHEET])
    meta = tuple(f for f in fields if f.sheet == META_SHEET)
    sheets: dict[str, SheetSpec] = {}
    for name in dict.fromkeys(f.sheet for f in fields if f.sheet != META_SHEET):
        if name not in wb.sheetnames:
            raise TemplateError(f"template {path.name}: 字段 names sheet '{name}', which the template lacks")
        ws = wb[name]
        own = [f for f in fields if f.sheet == name]
        header_row, labels = _header_row(ws, own)
        drops = _dropdowns(wb, ws)
        ordered: list[Field] = []
        for c, lbl in enumerate(labels):
            if not lbl:
                continue
            f = next((f for f in own if norm_label(f.label) == lbl), None)
            if f is None:
                raise TemplateError(f"template {path.name}: header '{lbl}' of sheet {name} is not in 字段")
            extra = tuple(v for v in drops.get(c, ()) if v not in f.allowed)
            ordered.append(replace(f, allowed=f.allowed + extra) if extra else f)
        absent = [f.label for f in own if f not in ordered and f.key not in {o.key for o in ordered}]
        if absent:
            raise TemplateError(f"template {path.name}: 字段 lists {'、'.join(absent)} but sheet {name} has no such header")
        sheets[name] = SheetSpec(name, tuple(ordered), header_row)
    if SYNONYM_SHEET in wb.sheetnames:  # optional: a template without it maps no everyday words
        sheets = attach_synonyms(wb[SYNONYM_SHEET].iter_rows(values_only=True), sheets, path.name)
    tid = _meta_value(wb[META_SHEET], ID_LABEL) if META_SHEET in wb.sheetnames else ""
    version = _meta_value(wb[META_SHEET], VERSION_LABEL) if META_SHEET in wb.sheetnames else ""
    return Template(tid or path.stem, version, path, meta, sheets)


__all__ = ["Condition", "Field", "SheetSpec", "Template", "load_template", "default_path", "templates_dir",
           "label_variants"]
