"""Check returned class ledgers against the official template: the ``rosterkit check`` step.

One file at a time in a worker: read (calamine) → find sheets, header and records → clean → cross-field checks.
Then in the parent, over batches of files (finish.py): template schema (lazy) → counts → reading order. Which
process runs each file, and the check's own workbooks, are the job's business (:mod:`rosterkit.batch`).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from rosterkit.checking import crosscheck
from rosterkit.checking.fieldtypes import KINDS, kind_of
from rosterkit.checking.finish import role_of
from rosterkit.checking.mergedcells import fill_merged
from rosterkit.checking.read import SUFFIXES, RawWorkbook, extract_records, find_header, read_meta, read_workbook
from rosterkit.checking.report import FileResult, Pending
from rosterkit.checking.sniff import OPENPYXL_XML_LIMIT
from rosterkit.checking.validate import Fix, SheetContext, clean_records
from rosterkit.checking.wordbasis import decide_words
from rosterkit.core.dates import explain, typed
from rosterkit.core.labels import norm_label
from rosterkit.core.order import file_order_key
from rosterkit.core.policy import Term
from rosterkit.core.template import FIELD_SHEET, ID_LABEL, META_SHEET, OPTIONS_SHEET, VERSION_LABEL, SheetSpec, Template
from rosterkit.core.values import column_letter
from rosterkit.core.words import SYNONYM_SHEET
from rosterkit.errors import InputError
from rosterkit.issues import Issue, display_value, make_issue


def name_apart(results: list[FileResult]) -> None:
    """Two inboxes (two schools' folders) may each hold a 三年级1班.xlsx: such files are named with their folder
    (城南小学/三年级1班.xlsx), since a file's name is how the merge, the cadence and the copies tell files apart."""
    seen = Counter(r.path.name for r in results)
    for r in results:
        if seen[r.path.name] > 1:
            r.shown = f"{r.path.parent.name}/{r.path.name}"
    if len({r.name for r in results}) < len(results):  # the folders share a name too: the whole path
        for r in results:
            r.shown = str(r.path) if seen[r.path.name] > 1 else ""


def collect_inputs(inputs: str | Path | Iterable[str | Path]) -> list[Path]:
    """The workbooks to check: a folder's spreadsheets in school order (三年级2班 before 三年级10班 and 四年级1班),
    or the files given, in the order given."""
    items = [inputs] if isinstance(inputs, (str, Path)) else list(inputs)
    files: list[Path] = []
    for item in map(Path, items):
        if item.is_dir():
            files += sorted((p for p in item.iterdir() if p.is_file() and p.suffix.lower() in SUFFIXES
                             and not p.name.startswith(("~$", "."))), key=lambda p: file_order_key(p.name))
        elif item.is_file():
            files.append(item)
        else:
            raise InputError(f"没有这个文件或文件夹：{item}")
    return files


_PROGRAM_SHEETS = frozenset(norm_label(n) for n in (FIELD_SHEET, OPTIONS_SHEET, SYNONYM_SHEET))


def _find_sheet(raw: RawWorkbook, spec: SheetSpec, taken: set[str]) -> str | None:
    want = norm_label(spec.name)
    for name in raw.sheets:
        if norm_label(name) == want:
            return name
    # A renamed sheet (「Sheet1」) still counts when its header matches the template well.
    best: tuple[int, str | None] = (0, None)
    for name, rows in raw.sheets.items():
        if name in taken or norm_label(name) in _PROGRAM_SHEETS:  # 同义词 rows name fields: never a data sheet
            continue
        header = find_header(rows, spec)
        score = len(header.columns) if header else 0
        if score >= max(3, len(spec.fields) // 3) and score > best[0]:
            best = (score, name)
    return best[1]


def _check_meta(raw: RawWorkbook, template: Template, result: FileResult, name: str, term: Term | None) -> None:
    sheet = next((s for s in raw.sheets if norm_label(s) == norm_label(META_SHEET)), None)
    if sheet is None:
        result.issues.append(make_issue("sheet-missing", file=name, sheet=META_SHEET))
        return
    labels = {n: f.key for f in template.meta for n in f.names()}
    labels.update({ID_LABEL: "_template_id", VERSION_LABEL: "_template_version"})
    found = read_meta(raw.sheets[sheet], labels)
    # 填报日期 typed 11.20 or 11月20日 takes the term's year, as the contact dates do
    how: dict[str, Any] = {"epoch_1904": raw.epoch_1904, "term": (term.start, term.end) if term else None}
    for f in template.meta:
        value, row, col = found.get(f.key, ("", None, None))
        clean = kind_of(f).cleaner(f, how)(value)
        cell = f"{_col(col)}{row}" if row else None
        if f.type == "date" and clean.note:  # 11.2: 11月2日 or 11月20日? It bounds every contact: ask
            result.issues.append(make_issue("date-ambiguous", file=name, sheet=sheet, cell=cell, column=f.label,
                                            row=row, value=typed(value, raw.epoch_1904), detail=clean.note))
        elif f.type == "date" and clean.problem:  # a 填报日期 that cannot be read is asked, not dropped unseen
            code, asked = explain(value, **how)
            details: dict[str, Any] = {"expected": "日期", "hint": KINDS["date"].hint, **asked}
            result.issues.append(make_issue(code, file=name, sheet=sheet, cell=cell, column=f.label, row=row,
                                            value=typed(value, raw.epoch_1904), **details))
        elif clean.value is None and f.required:
            result.issues.append(make_issue("required-missing", file=name, sheet=sheet, cell=cell,
                                            column=f.label, row=row))
        elif clean.value is not None:
            result.meta[f.key] = clean.value
            if f.type == "date" and clean.changed and cell:  # 11.20 → 2026-11-20 is noted like any date
                result.fixes.append(Fix(sheet, cell, f.label, display_value(typed(value, raw.epoch_1904)) or "",
                                        clean.value.isoformat(), clean.note))
    tid = str(found.get("_template_id", ("",))[0]).strip()
    version = str(found.get("_template_version", ("",))[0]).strip()
    if tid and tid != template.id:
        result.issues.append(make_issue("template-unknown", file=name, sheet=sheet,
                                        detail=f"模板编号 {tid}，应为 {template.id}"))
    elif version and version != template.version:
        result.issues.append(make_issue("template-version", file=name, sheet=sheet, detail=version,
                                        expected=template.version))


def _col(col: int | None) -> str:
    return column_letter(col) if col is not None else ""


def _check_sheet(raw: RawWorkbook, sheet: str, spec: SheetSpec, result: FileResult, *, as_of: dt.date,
                 term: Term | None) -> tuple[SheetContext, pd.DataFrame, int] | None:
    name = result.name
    rows = raw.sheets[sheet]
    header = find_header(rows, spec)
    if header is None:
        result.issues.append(make_issue("header-missing", file=name, sheet=sheet))
        return None
    real = SheetSpec(sheet, spec.fields, spec.header_row)  # places are named by the teacher's sheet name
    filled_on = result.meta.get("filled_on")
    ctx = SheetContext(name, real, header, as_of, term, epoch_1904=raw.epoch_1904,
                       report_date=filled_on if isinstance(filled_on, dt.date) else None)
    for f in spec.fields:
        if f.key not in header.columns and (f.required or f.condition is not None):
            result.issues.append(make_issue("column-missing", file=name, sheet=sheet, column=f.label,
                                            row=header.row))
    for c, label in header.unknown:
        result.issues.append(make_issue("column-unknown", file=name, sheet=sheet, cell=f"{_col(c)}{header.row}",
                                        column=label, value=label, row=header.row))
    rows, filled = fill_merged(rows, raw.merged.get(sheet, []), header, sheet)  # 帮扶教师 merged over 3 students
    result.fixes += filled
    records = extract_records(rows, header)
    defaults: dict[str, Any] = {k: result.meta[k] for k in ("grade", "class") if k in result.meta}
    frame, fixes = clean_records(records, ctx, defaults if spec.field("name") else None)
    result.fixes += fixes
    schema_at = len(result.issues)  # where this sheet's schema problems go once the batch has run
    for step in (crosscheck.multiple_students, crosscheck.conditional, crosscheck.id_agreement, crosscheck.duplicates,
                 crosscheck.dates):
        result.issues += step(frame, ctx)
    return ctx, frame, schema_at


def prepare_file(path: Path, template: Template, *, as_of: dt.date, term: Term | None = None) -> FileResult:
    """The per-file part of a check, as run in a worker: read, locate the sheets, clean, cross-field checks.

    The template schema is left to :func:`finish_files`, which runs it over many files' frames at once:
    pandera's fixed cost per ``validate`` call is ten times the cost of checking a class's few hundred rows.
    """
    result = FileResult(path)
    raw = read_workbook(path, only=[*template.sheets, META_SHEET])  # not the template's own 字段, 选项
    if isinstance(raw, Issue):
        result.issues.append(raw)
        return result
    result.pending = Pending(raw.sheet_names)
    result.raw = raw  # kept for the annotated copy of files openpyxl cannot open
    name = result.name
    located = {}
    taken: set[str] = set()
    for spec in template.sheets.values():
        sheet = _find_sheet(raw, spec, taken)
        if sheet:
            taken.add(sheet)
            located[spec.name] = sheet
    if not located:
        result.issues.append(make_issue("template-unknown", file=name,
                                        detail=f"找不到{'、'.join(template.sheets)}工作表"))
        return result
    _check_meta(raw, template, result, name, term)
    for spec in template.sheets.values():
        if spec.name not in located:
            result.issues.append(make_issue("sheet-missing", file=name, sheet=spec.name))
            continue
        done = _check_sheet(raw, located[spec.name], spec, result, as_of=as_of, term=term)
        if done:
            role = role_of(spec)
            ctx, result.frames[role], at = done
            result.pending.schema[role] = (ctx, at)
            result.sheets[role] = located[spec.name]
    if "log" in result.frames and "roster" in result.frames:
        log = result.frames["log"]
        linked, issues = crosscheck.link_log(log, result.frames["roster"], result.pending.schema["log"][0])
        log["student_row"] = linked
        result.issues += issues
    if "log" in result.frames and result.frames["log"].empty:  # nothing to count: say so, not a plain 通过
        result.issues.append(make_issue("log-empty", file=name, sheet=result.sheets["log"]))
    # Everyday words another field decides (对象「奶奶」 by the student's 与学生关系), now that contacts are linked.
    result.fixes += decide_words({spec.name: (result.frames[role_of(spec)], result.pending.schema[role_of(spec)][0])
                                  for spec in template.sheets.values() if role_of(spec) in result.frames},
                                 template.roster.name)
    return result


def default_out(inputs: list[Path]) -> Path:
    """Beside the inbox, never inside it: ``<inbox>_rosterkit``."""
    base = inputs[0].parent if inputs else Path.cwd()
    return base.parent / f"{base.name}_rosterkit"


def check_one(path: Path, template: Template, as_of: dt.date, term: Term | None) -> FileResult:
    """The per-file work, as run in a worker; never raises. The raw cells travel back only when the annotated
    copy will be rebuilt from them (not an .xlsx openpyxl can load cheaply)."""
    try:
        res = prepare_file(path, template, as_of=as_of, term=term)
        raw = res.raw
        if isinstance(raw, RawWorkbook):
            # Notes first: the sort is stable, so a file-level note (macros, a text export) leads the list.
            notes = _reading_notes(raw, res, template)
            res.issues = notes + res.issues
            if res.pending is not None:
                res.pending.shift(len(notes))
    except MemoryError:
        return refused(path, "file-too-large", detail="读取时所需内存超过上限")
    except Exception as exc:  # an input nobody foresaw must cost this file only, with a code, not the run
        return refused(path, "file-crashed", detail=f"{type(exc).__name__}: {str(exc)[:100]}")
    loadable = (path.suffix.lower() in (".xlsx", ".xlsm") and isinstance(raw, RawWorkbook)
                and raw.kind in ("xlsx", "xlsm") and raw.xml_bytes <= OPENPYXL_XML_LIMIT)
    if loadable:
        res.raw = None  # (the cells of other formats stay until finish_files knows whether a copy is needed)
    return res


def refused(path: Path, code: str, **details: Any) -> FileResult:
    res = FileResult(path)
    res.issues.append(make_issue(code, file=path.name, **details))
    return res


MAX_LAYOUT_NOTES = 50  # per sheet and kind: a whole hidden block is one note, a hostile file cannot flood


def _reading_notes(raw: RawWorkbook, res: FileResult, template: Template) -> list[Issue]:
    """What reading noticed (macros, long cells, formulas without values) and the layout of the data sheets
    that changes what the values mean: hidden sheets, rows and columns, merged cells over records."""
    name = res.name
    data_sheets = {sheet: role for role, sheet in res.sheets.items()}
    checked = set(data_sheets) | {s for s in raw.sheets if norm_label(s) == norm_label(META_SHEET)}
    notes = [i for i in raw.notes if i.code != "formula-no-value" or i.sheet in checked]
    for spec in template.sheets.values():
        role = role_of(spec)
        sheet = res.sheets.get(role)
        known = res.pending.schema.get(role) if res.pending is not None else None
        header = known[0].header if known else find_header(raw.sheets[sheet], spec) if sheet else None
        if sheet is None or header is None:
            continue
        records = set(res.frames[role].index) if role in res.frames else set()
        if sheet in raw.hidden_sheets:
            notes.append(make_issue("hidden-content", file=name, sheet=sheet, detail=f"工作表「{sheet}」"))
        for first, last in _runs(sorted(records & raw.hidden_rows.get(sheet, set())))[:MAX_LAYOUT_NOTES]:
            rows = f"第 {first} 行" if first == last else f"第 {first}–{last} 行"
            notes.append(make_issue("hidden-content", file=name, sheet=sheet, cell=f"A{first}", row=first,
                                    detail=rows))
        labels = {c: str(raw.sheets[sheet][header.row - 1][c]) for c in header.columns.values()}
        for col in sorted(c - 1 for c in raw.hidden_cols.get(sheet, set()) if c - 1 in labels)[:MAX_LAYOUT_NOTES]:
            notes.append(make_issue("hidden-content", file=name, sheet=sheet, cell=f"{_col(col)}{header.row}",
                                    column=labels[col], row=header.row, detail=f"「{labels[col]}」列"))
        merged = [m for m in raw.merged.get(sheet, []) if m[2] > header.row and (m[0], m[1]) != (m[2], m[3])]
        for r0, c0, r1, c1 in merged[:MAX_LAYOUT_NOTES]:
            span = f"{_col(c0 - 1)}{r0}:{_col(c1 - 1)}{r1}"
            notes.append(make_issue("cell-merged", file=name, sheet=sheet, cell=f"{_col(c0 - 1)}{r0}", row=r0,
                                    detail=span))
    return notes


def _runs(numbers: list[int]) -> list[tuple[int, int]]:
    """[3, 4, 5, 9] → [(3, 5), (9, 9)]."""
    runs: list[tuple[int, int]] = []
    for n in numbers:
        if runs and n == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], n)
        else:
            runs.append((n, n))
    return runs
