"""Check returned class ledgers against the official template: the ``rosterkit check`` step.

One file at a time: read (calamine) → find sheets, header and records → clean → template schema (lazy) →
cross-field checks → counts. Then, for the run: annotated copies and the 校验汇总 workbook.
"""

from __future__ import annotations

import datetime as dt
import os
from concurrent.futures import Executor, ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import Any, Callable, Iterable

import pandas as pd
from openpyxl.utils.cell import column_index_from_string, coordinate_from_string, get_column_letter

from . import crosscheck
from .errors import InputError
from .issues import Issue, make_issue
from .labels import norm_label
from .normalize import clean_date, clean_phone, clean_text
from .policy import Term, load_term
from .read import SUFFIXES, RawWorkbook, extract_records, find_header, read_meta, read_workbook
from .report import CheckReport, FileResult
from .template import ID_LABEL, META_SHEET, VERSION_LABEL, SheetSpec, Template, load_template
from .validate import SheetContext, clean_records, run_schema

ROLES = {"name": "roster", "student_name": "log"}


def collect_inputs(inputs: str | Path | Iterable[str | Path]) -> list[Path]:
    """The workbooks to check: a folder's spreadsheets (sorted), or the files given."""
    items = [inputs] if isinstance(inputs, (str, Path)) else list(inputs)
    files: list[Path] = []
    for item in map(Path, items):
        if item.is_dir():
            files += sorted(p for p in item.iterdir() if p.is_file() and p.suffix.lower() in SUFFIXES
                            and not p.name.startswith(("~$", ".")))
        elif item.is_file():
            files.append(item)
        else:
            raise InputError(f"没有这个文件或文件夹 / no such file or folder: {item}")
    return files


def _find_sheet(raw: RawWorkbook, spec: SheetSpec, taken: set[str]) -> str | None:
    want = norm_label(spec.name)
    for name in raw.sheets:
        if norm_label(name) == want:
            return name
    # A renamed sheet (「Sheet1」) still counts when its header matches the template well.
    best: tuple[int, str | None] = (0, None)
    for name, rows in raw.sheets.items():
        if name in taken:
            continue
        header = find_header(rows, spec)
        score = len(header.columns) if header else 0
        if score >= max(3, len(spec.fields) // 3) and score > best[0]:
            best = (score, name)
    return best[1]


def _check_meta(raw: RawWorkbook, template: Template, result: FileResult, name: str) -> None:
    sheet = next((s for s in raw.sheets if norm_label(s) == norm_label(META_SHEET)), None)
    if sheet is None:
        result.issues.append(make_issue("sheet-missing", file=name, sheet=META_SHEET))
        return
    labels = {n: f.key for f in template.meta for n in f.names()}
    labels.update({ID_LABEL: "_template_id", VERSION_LABEL: "_template_version"})
    found = read_meta(raw.sheets[sheet], labels)
    for f in template.meta:
        value, row, col = found.get(f.key, ("", None, None))
        clean = (clean_date(value) if f.type == "date" else clean_phone(value) if f.type == "phone"
                 else clean_text(value))
        cell = f"{_col(col)}{row}" if row else None
        if clean.value is None and f.required:
            result.issues.append(make_issue("required-missing", file=name, sheet=sheet, cell=cell,
                                            column=f.label, row=row))
        elif clean.value is not None:
            result.meta[f.key] = clean.value
    tid = str(found.get("_template_id", ("",))[0]).strip()
    version = str(found.get("_template_version", ("",))[0]).strip()
    if tid and tid != template.id:
        result.issues.append(make_issue("template-unknown", file=name, sheet=sheet,
                                        detail=f"模板编号 {tid}，应为 {template.id}"))
    elif version and version != template.version:
        result.issues.append(make_issue("template-version", file=name, sheet=sheet, detail=version,
                                        expected=template.version))


def _col(col: int | None) -> str:
    return get_column_letter(col + 1) if col is not None else ""


def _check_sheet(raw: RawWorkbook, sheet: str, spec: SheetSpec, result: FileResult, *, as_of: dt.date,
                 term: Term | None) -> tuple[SheetContext, pd.DataFrame] | None:
    name = result.name
    rows = raw.sheets[sheet]
    header = find_header(rows, spec)
    if header is None:
        result.issues.append(make_issue("header-missing", file=name, sheet=sheet))
        return None
    real = SheetSpec(sheet, spec.fields, spec.header_row)  # places are named by the teacher's sheet name
    ctx = SheetContext(name, real, header, as_of, term)
    for f in spec.fields:
        if f.key not in header.columns and (f.required or f.condition is not None):
            result.issues.append(make_issue("column-missing", file=name, sheet=sheet, column=f.label,
                                            row=header.row))
    for c, label in header.unknown:
        result.issues.append(make_issue("column-unknown", file=name, sheet=sheet, cell=f"{_col(c)}{header.row}",
                                        column=label, value=label, row=header.row))
    records = extract_records(rows, header)
    defaults: dict[str, Any] = {k: result.meta[k] for k in ("grade", "class") if k in result.meta}
    frame, fixes = clean_records(records, ctx, defaults if spec.field("name") else None)
    result.fixes += fixes
    result.issues += run_schema(frame, ctx)
    for step in (crosscheck.conditional, crosscheck.id_agreement, crosscheck.duplicates, crosscheck.dates):
        result.issues += step(frame, ctx)
    return ctx, frame


def check_file(path: Path, template: Template, *, as_of: dt.date, term: Term | None = None) -> FileResult:
    """Check one returned workbook; every problem is an :class:`Issue` in the result, nothing is raised."""
    result = FileResult(path)
    raw = read_workbook(path)
    if isinstance(raw, Issue):
        result.issues.append(raw)
        return result
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
    _check_meta(raw, template, result, name)
    contexts: dict[str, tuple[SheetContext, pd.DataFrame]] = {}
    for spec in template.sheets.values():
        if spec.name not in located:
            result.issues.append(make_issue("sheet-missing", file=name, sheet=spec.name))
            continue
        done = _check_sheet(raw, located[spec.name], spec, result, as_of=as_of, term=term)
        if done:
            role = next((r for k, r in ROLES.items() if spec.field(k)), spec.name)
            contexts[role] = done
            result.frames[role] = done[1]
            result.sheets[role] = located[spec.name]
    if "log" in contexts and "roster" in contexts:
        ctx, log = contexts["log"]
        linked, issues = crosscheck.link_log(log, contexts["roster"][1], ctx)
        log["student_row"] = linked
        result.issues += issues
    _count(result, contexts)
    result.issues.sort(key=_place_order(list(raw.sheets)))
    return result


def _place_order(sheets: list[str]) -> Callable[[Issue], tuple[int, int, int]]:
    """Problems in reading order: file-level first, then by sheet, row and column."""
    def key(i: Issue) -> tuple[int, int, int]:
        sheet = sheets.index(i.sheet) + 1 if i.sheet in sheets else 0
        col = column_index_from_string(coordinate_from_string(i.cell)[0]) if i.cell else 0
        return sheet, i.row or 0, col
    return key


def _count(result: FileResult, contexts: dict[str, tuple[SheetContext, pd.DataFrame]]) -> None:
    for role, (ctx, frame) in contexts.items():
        bad = {i.row for i in result.issues if i.severity == "error" and i.sheet == ctx.spec.name and i.row
               and i.row in frame.index}
        result.rows[role] = len(frame)
        result.invalid[role] = len(bad)
        frame["valid"] = ~frame.index.isin(list(bad))


def default_out(inputs: list[Path]) -> Path:
    """Beside the inbox, never inside it: ``<inbox>_rosterkit``."""
    base = inputs[0].parent if inputs else Path.cwd()
    return base.parent / f"{base.name}_rosterkit"


PARALLEL_FROM = 20  # below this many files a process pool costs more (worker start-up) than it saves


def _check_one(path: Path, template: Template, as_of: dt.date, term: Term | None) -> FileResult:
    """The per-file work, as run in a worker: the raw cells travel back only when a copy will need them."""
    res = check_file(path, template, as_of=as_of, term=term)
    if not (res.issues and path.suffix.lower() not in (".xlsx", ".xlsm")):
        res.raw = None
    return res


def check(
    inputs: str | Path | Iterable[str | Path],
    *,
    out: str | Path | None = None,
    template: Template | str | Path | None = None,
    policy: str | Path | None = None,
    as_of: dt.date | None = None,
    write: bool = True,
    progress: Callable[[int, int, FileResult], None] | None = None,
    jobs: int | None = None,
    executor: Executor | None = None,
) -> CheckReport:
    """Check every returned workbook; write annotated copies and 校验汇总.xlsx to ``out`` when ``write``.

    Files are checked in a process pool of ``jobs`` workers (default: the number of cores) when there are
    many, or on any ``concurrent.futures.Executor`` given (a Dask client's executor, say); results come back
    in input order and equal a serial run. ``progress(done, total, result)`` is called after each file.
    """
    files = collect_inputs(inputs)
    tpl = template if isinstance(template, Template) else load_template(template)
    as_of = as_of or dt.date.today()
    term = load_term(policy, on=as_of)
    workers = jobs or os.cpu_count() or 1
    if executor is not None:
        results = _run(executor, files, tpl, as_of, term, progress)
    elif workers > 1 and len(files) >= PARALLEL_FROM:
        with ProcessPoolExecutor(workers) as pool:
            results = _run(pool, files, tpl, as_of, term, progress)
    else:
        results = []
        for n, path in enumerate(files, start=1):
            results.append(_check_one(path, tpl, as_of, term))
            if progress:
                progress(n, len(files), results[-1])
    report = CheckReport(results)
    if write:
        from .write.outputs import write_check_outputs

        target = Path(out) if out else default_out(files)
        write_check_outputs(report, target, files)
    return report


def _run(executor: Executor, files: list[Path], tpl: Template, as_of: dt.date, term: Term | None,
         progress: Callable[[int, int, FileResult], None] | None) -> list[FileResult]:
    futures = {executor.submit(_check_one, path, tpl, as_of, term): i for i, path in enumerate(files)}
    results: list[FileResult | None] = [None] * len(files)
    for n, fut in enumerate(as_completed(futures), start=1):
        results[futures[fut]] = fut.result()
        if progress:
            progress(n, len(files), results[futures[fut]])  # type: ignore[arg-type]
    return [r for r in results if r is not None]
