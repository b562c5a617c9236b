"""The copy of a class's own workbook handed back with a first sheet 待办: the class's overdue and due-soon
students, grouped by 帮扶教师, in plain Chinese.

Made like the annotated copy (:mod:`rosterkit.outputs.annotate`): the teacher's file is only read (its bytes, once);
.xlsx/.xlsm are loaded with openpyxl so formatting and dropdowns stay, other formats are rebuilt from the cell
values already read. A copy that already has 校验结果 (an annotated copy given as ``src``) keeps it, after 待办.
"""

from __future__ import annotations

import datetime as dt
import math
import os
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from rosterkit.cadence.engine import Cadence
from rosterkit.cadence.rollup import NO_MENTOR
from rosterkit.core.values import missing as no_value
from rosterkit.core.values import text_width
from rosterkit.issues import Issue
from rosterkit.merging.school import class_label
from rosterkit.xlsx import zipsheet
from rosterkit.xlsx.atomic import atomic_output
from rosterkit.xlsx.cells import blank
from rosterkit.xlsx.model import Cell, Font, Sheet, Style
from rosterkit.xlsx.workbooks import RESULT_SHEET, load_copy, put_first_sheet, workbook_from_values

__all__ = ["TODO_SHEET", "ClassTodo", "return_copy", "rows_by_file", "write_todo_copy"]

TODO_SHEET = "待办"
_OPENPYXL_SUFFIXES = {".xlsx", ".xlsm", ".xltx", ".xltm"}
_HEADERS = ("学生", "规则", "状态", "需要做的", "周期", "最近一次联系", "期限")
_WIDTHS = (12, 14, 10, 52, 13, 14, 14)
_OVERDUE_FILL, _DUE_FILL = "FFC7CE", "FFEB9C"
_NO_CONTACT = "本学期尚无"
_FAST_SUFFIXES = {".xlsx", ".xlsm"}  # a byte-level copy with 待办 added (zipsheet); templates go through openpyxl


@dataclass(frozen=True)
class ClassTodo:
    """What one class's 待办 sheet says: the class, how many students are overdue, how many items are due soon,
    and the rows per 帮扶教师 (teachers in the order of the lists: most urgent first; overdue before due soon)."""

    klass: str = ""
    students_overdue: int = 0
    due_items: int = 0
    groups: dict[str, list[list[str]]] = field(default_factory=dict)
    judged_on: dt.date | None = None  # the class's 填报日期 when before the report date: later periods are 未报


# the columns a 待办 row reads (dates come preformatted as _period and _last: a Timestamp per value is slow)
_OVERDUE_COLS = ["student_key", "mentor", "name", "id_number", "rule", "missing", "days_overdue", "grade", "class",
                 "_period", "_last"]
_DUE_COLS = ["student_key", "mentor", "name", "id_number", "rule", "missing", "days_left", "_period"]


def _mentor(v: Any) -> str:
    """A blank 帮扶教师 (NaN in the frames) as the per-teacher table shows it, never 「nan」."""
    return NO_MENTOR if blank(v) else str(v)


def _files(frame: pd.DataFrame) -> list[str]:
    return [str(k).rpartition("#")[0] for k in frame["student_key"].tolist()]


def _columns(frame: pd.DataFrame, cols: list[str]) -> Any:
    """Rows as tuples from whole columns (DataFrame.to_dict boxes every value and builds a dict per row)."""
    return zip(*(frame[c].tolist() for c in cols))


def _days(col: pd.Series, blank: str) -> pd.Series:
    """Dates as 2026-11-23 text, column-wise (a Timestamp per value costs more than the rest of the row)."""
    day = pd.to_datetime(col)
    return day.dt.strftime("%Y-%m-%d").where(day.notna(), blank)


def _periods(frame: pd.DataFrame) -> pd.Series:
    """「11/16–11/22」 from period_start and period_end, column-wise; blank where there is no period."""
    a, b = pd.to_datetime(frame["period_start"]), pd.to_datetime(frame["period_end"])
    text = (a.dt.month.astype("Int64").astype(str) + "/" + a.dt.day.astype("Int64").astype(str) + "–"
            + b.dt.month.astype("Int64").astype(str) + "/" + b.dt.day.astype("Int64").astype(str))
    return text.where(a.notna(), "")


def _only(frame: pd.DataFrame, files: set[str] | None) -> tuple[pd.DataFrame, list[str]]:
    of = _files(frame)
    if files is None:
        return frame, of
    rows = [i for i, f in enumerate(of) if f in files]
    return frame.iloc[rows], [of[i] for i in rows]


def _class(grade: Any, cls: Any) -> str:
    """The class's one label (school.class_label); "" when the file names none (the sheet says 本班)."""
    parts = [None if no_value(v) else str(v) for v in (grade, cls)]
    return class_label(*parts) if any(parts) else ""


def rows_by_file(cad: Cadence, files: set[str] | None = None) -> dict[str, ClassTodo]:
    """Each source file's 待办 content (only the ``files`` named, when given), prepared for a whole run at once:
    two passes over plain records, not a DataFrame per class (at a county's 2,000 classes the per-class frames
    cost more than the copies)."""
    names: dict[str, Counter[str]] = {}
    klass: dict[str, str] = {}
    st, st_files = _only(cad.students, files)
    for f, name, grade, cls in zip(st_files, st["name"].astype(str), st["grade"], st["class"]):
        names.setdefault(f, Counter())[name] += 1
        if f not in klass:
            klass[f] = _class(grade, cls)
    twice = {f: {n for n, k in c.items() if k > 1} for f, c in names.items()}
    groups: dict[str, dict[str, list[list[str]]]] = {}
    late: dict[str, set[str]] = {}
    due: Counter[str] = Counter()

    def who(f: str, name: Any, number: Any) -> str:  # two students of one name: add the ID's last 4 characters
        name = str(name)
        return f"{name}（{str(number)[-4:]}）" if name in twice.get(f, ()) and isinstance(number, str) else name

    ov, ov_files = _only(cad.overdue, files)
    ov = ov.assign(_period=_periods(ov), _last=_days(ov["last_contact"], _NO_CONTACT))
    for f, (key, mentor, name, number, rule, missing, days, grade, cls, period, last) in zip(
            ov_files, _columns(ov, _OVERDUE_COLS)):
        if f not in klass:
            klass[f] = _class(grade, cls)
        late.setdefault(f, set()).add(key)
        groups.setdefault(f, {}).setdefault(_mentor(mentor), []).append(
            [who(f, name, number), rule, "逾期", missing, period, last, f"已逾期 {days} 天"])
    ds, ds_files = _only(cad.due_soon, files)
    ds = ds.assign(_period=_periods(ds))
    for f, (_key, mentor, name, number, rule, missing, days, period) in zip(ds_files, _columns(ds, _DUE_COLS)):
        due[f] += 1
        left = "今天到期" if days <= 0 else f"还剩 {days} 天"
        groups.setdefault(f, {}).setdefault(_mentor(mentor), []).append(
            [who(f, name, number), rule, "即将到期", missing, period, "", left])
    judged = _judged(cad, st, st_files)
    return {f: ClassTodo(klass.get(f, ""), len(late.get(f, ())), due[f], groups.get(f, {}), judged.get(f))
            for f in set(names) | set(groups)}


def _judged(cad: Cadence, st: pd.DataFrame, st_files: list[str]) -> dict[str, dt.date]:
    """Each file's 填报日期 where it is before the report date (the class is judged as of it)."""
    if "judged_on" not in st:
        return {}
    days = pd.to_datetime(st["judged_on"]).dt.date.tolist()
    return {f: d for f, d in zip(st_files, days) if isinstance(d, dt.date) and d < cad.as_of}


def _unreported(todo: ClassTodo) -> str:
    """The hint's sentence for a class that sent its file before the report date."""
    if todo.judged_on is None:
        return ""
    return (f"本班台账的填报日期是 {todo.judged_on.isoformat()}：之后才开始的周期记为「未报」，不算逾期，"
            "请把之后的帮扶继续记入「帮扶记录」，下次交表时统计。")


def write_todo_copy(src: Path, dest: Path, cad: Cadence | None, *, file_name: str,
                    fallback_sheets: Mapping[str, list[list[Any]]] | None = None,
                    rows: ClassTodo | None = None, as_of: dt.date | None = None) -> Path:
    """Write a copy of the workbook ``src`` with a first sheet 待办 to ``dest`` and return ``dest``.

    ``file_name`` is the name the class's file had in the run: its students are the rows of ``cad.overdue`` and
    ``cad.due_soon`` whose ``student_key`` starts with ``f"{file_name}#"``. ``src`` is never modified (it may be
    the annotated copy: its 校验结果 sheet is kept, second). When openpyxl cannot load ``src`` (.xls, .ods, a
    damaged file) the copy is rebuilt from ``fallback_sheets`` (sheet name → rows of values); ``ValueError`` if
    that is needed but missing, or if ``dest`` is ``src``. ``rows``: this file's entry of :func:`rows_by_file`,
    prepared once when copies are made for many files; with ``rows`` and ``as_of`` given, ``cad`` may be None
    (a writer process that has the prepared rows but not the run's cadence).
    """
    src, dest = Path(src), Path(dest)
    if dest.exists() and os.path.samefile(src, dest):
        raise ValueError(f"dest is the source file; the teacher's file is never overwritten: {src}")
    if cad is None and (rows is None or as_of is None):
        raise ValueError("write_todo_copy needs the cadence, or rows= and as_of=")
    if cad is not None:
        as_of = cad.as_of
        if rows is None:
            rows = rows_by_file(cad).get(file_name, ClassTodo())
    assert rows is not None and as_of is not None  # given, or taken from the cadence just above
    if src.suffix.lower() in _FAST_SUFFIXES and dest.suffix.lower() == ".xlsx":
        # The common case: copy the zip members unchanged, add 待办 (no openpyxl load and save of the workbook).
        sheet = _todo_sheet(as_of, rows)
        try:
            with atomic_output(dest) as tmp:
                zipsheet.insert_first_sheet(src, tmp, sheet, keep_first=RESULT_SHEET)
            return dest
        except zipsheet.Unsupported:
            pass  # anything unexpected: the openpyxl path below
    wb, rebuilt = None, False
    if src.suffix.lower() in _OPENPYXL_SUFFIXES:
        data = src.read_bytes()  # one read; openpyxl gets a buffer, never the file
        try:
            wb = load_copy(data, keep_vba=False)  # macros are never copied into what we hand back
        except Exception as exc:  # openpyxl raises many types on damaged files: use the values instead
            if fallback_sheets is None:
                raise ValueError(f"openpyxl cannot load {src.name} and no fallback_sheets were given") from exc
    if wb is None:
        if fallback_sheets is None:
            raise ValueError(f"{src.name} is not an .xlsx workbook; fallback_sheets are required")
        wb, _ = workbook_from_values({k: v for k, v in fallback_sheets.items() if k != TODO_SHEET})
        rebuilt = True
    put_first_sheet(wb, _todo_sheet(as_of, rows, src.name if rebuilt else ""), keep_first=RESULT_SHEET)
    with atomic_output(dest) as tmp:
        wb.save(tmp)
    return dest


def return_copy(src: Path, dest: Path, file_name: str, rows: ClassTodo, as_of: dt.date) -> Path:
    """One class's copy handed back (发回各班) from its prepared 待办 rows, in whichever process writes it: the
    byte-level copy, else openpyxl, else rebuilt from the values read again (an .xls, or an .xls renamed .xlsx
    that openpyxl cannot load)."""
    from rosterkit.checking.read import read_workbook

    def values() -> Mapping[str, list[list[Any]]] | None:
        raw = read_workbook(src)
        return None if isinstance(raw, Issue) else raw.sheets

    try:
        return write_todo_copy(src, dest, None, file_name=file_name, rows=rows, as_of=as_of,
                               fallback_sheets=values() if src.suffix.lower() not in (".xlsx", ".xlsm") else None)
    except ValueError:  # openpyxl cannot load it (a damaged zip): rebuilt from its values
        return write_todo_copy(src, dest, None, file_name=file_name, rows=rows, as_of=as_of,
                               fallback_sheets=values())


def _todo_sheet(as_of: dt.date, todo: ClassTodo, rebuilt_from: str = "") -> Sheet:
    """The 待办 sheet, described once: written into the teacher's package by :mod:`~rosterkit.xlsx.zipsheet`, or
    through openpyxl by :func:`~rosterkit.xlsx.workbooks.put_first_sheet`. ``rebuilt_from``: the file's name when
    the copy was rebuilt from its values (the hint then says its formatting is gone)."""
    Font_, Style_, Cell_ = Font, Style, Cell
    cells: list[Cell] = []
    heights: dict[int, float] = {}
    day = as_of.isoformat()
    cells.append(Cell_(1, 1, f"{todo.klass or '本班'}帮扶待办（截至 {day}）", Style_(Font_(bold=True, size=14))))
    n = todo.students_overdue
    if n or todo.due_items:
        line = f"截至 {day}，本班 {n} 名学生有逾期事项，{todo.due_items} 项即将到期"
    else:
        line = f"截至 {day}，本班没有逾期或即将到期的帮扶事项，谢谢各位老师，请继续保持！"
    cells.append(Cell_(2, 1, line, Style_(Font_(bold=True, size=12, color="C00000" if n else "375623"))))
    hint = "逾期：上一个周期没有做够，或太久没有联系，请尽快补做并记入「帮扶记录」；即将到期：本周期快结束了，还差的请按时完成。"
    hint += _unreported(todo)
    if rebuilt_from:
        hint = f"注意：原文件 {rebuilt_from} 不是 .xlsx 格式，本副本只保留了原有的单元格内容，未保留格式。{hint}"
    cells.append(Cell_(3, 1, hint, Style_(Font_(size=10, color="C00000" if rebuilt_from else "595959"))))
    header = Style_(Font_(bold=True), fill="D9E1F2", border=True)
    body = Style_(border=True, wrap_top=True)
    status = {"逾期": Style_(border=True, wrap_top=True, fill=_OVERDUE_FILL),
              "即将到期": Style_(border=True, wrap_top=True, fill=_DUE_FILL)}
    row = 5
    for teacher, items in todo.groups.items():
        late = sum(x[2] == "逾期" for x in items)
        cells.append(Cell_(row, 1, f"帮扶教师：{teacher}（逾期 {late} 项，即将到期 {len(items) - late} 项）",
                           Style_(Font_(bold=True, size=12))))
        cells.extend(Cell_(row + 1, c, label, header) for c, label in enumerate(_HEADERS, start=1))
        for r, values in enumerate(items, start=row + 2):
            texts = [str(v) for v in values]
            cells += [Cell_(r, c, t, body) for c, t in enumerate(texts, start=1)]
            cells[-len(texts) + 2] = Cell_(r, 3, texts[2], status.get(values[2], status["即将到期"]))
            heights[r] = 15 * (math.ceil(text_width(texts[3]) / (_WIDTHS[3] - 2)) or 1) + 3
        row += len(items) + 3
    return Sheet(TODO_SHEET, cells, _WIDTHS, heights, True, "第 &P 页，共 &N 页")
