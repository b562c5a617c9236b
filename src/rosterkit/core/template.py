"""Official template workbook → :class:`Template` (fields, labels, aliases, allowed values, version).

The template decides the schema: the 字段 sheet lists the fields, the header rows of the data sheets give the
column order, and the dropdown validations add to the allowed values. Nothing here runs a check.
"""

from __future__ import annotations

import atexit
import os
import re
from contextlib import ExitStack
from dataclasses import replace
from functools import cache, lru_cache
from importlib.resources import as_file, files
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.utils.cell import range_boundaries

from rosterkit.core.labels import label_variants, norm_label
from rosterkit.core.spec import TYPES as TYPES
from rosterkit.core.spec import Condition as Condition
from rosterkit.core.spec import Field as Field
from rosterkit.core.spec import FieldType as FieldType
from rosterkit.core.spec import SheetSpec as SheetSpec
from rosterkit.core.spec import Template as Template
from rosterkit.core.words import SYNONYM_SHEET, attach_synonyms
from rosterkit.errors import TemplateError

FIELD_SHEET, META_SHEET, OPTIONS_SHEET = "字段", "填表说明", "选项"
ID_LABEL, VERSION_LABEL = "模板编号", "模板版本"

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
