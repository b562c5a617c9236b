"""The files a check run writes into its output folder: annotated copies and 校验汇总.xlsx."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from rosterkit.checking.report import CheckReport, FileResult
from rosterkit.errors import InputError
from rosterkit.issues import make_issue
from rosterkit.outputs.annotate import annotate_copy
from rosterkit.outputs.summary import MASKED_SUMMARY_NAME, SUMMARY_NAME, FileSummary, write_summary

ANNOTATED_SUFFIX = "_校验结果"


def annotated_name(path: Path, taken: set[str]) -> str:
    """``三年级2班.xls`` → ``三年级2班_校验结果.xlsx`` (always .xlsx: macros are never copied); a number is
    added on a clash (``a.xlsx`` and ``a.xlsm`` in one inbox)."""
    suffix = ".xlsx"
    name, n = f"{path.stem}{ANNOTATED_SUFFIX}{suffix}", 2
    while name in taken:
        name, n = f"{path.stem}{ANNOTATED_SUFFIX}_{n}{suffix}", n + 1
    taken.add(name)
    return name


def guard_output(out: Path, inputs: Sequence[Path]) -> None:
    """Refuse an output folder that holds a teacher's file: originals are read-only to us."""
    folders = {p.resolve().parent for p in inputs} | {p.resolve() for p in inputs if p.is_dir()}
    if out.resolve() in folders:
        raise InputError(f"输出文件夹不能是收件夹本身（老师的原文件只读）：{out}")


def write_check_outputs(report: CheckReport, out: Path, inputs: Sequence[Path], *, mask: bool = False,
                        after_copy: Callable[[], None] | None = None) -> None:
    """Annotated copy of every file with problems, then the summary; originals are only read. ``mask``: the
    summary is the 脱敏 variant (校验汇总_脱敏.xlsx); the annotated copies are not, since each goes back to the
    teacher whose own file it is, and who must see the very digits to fix them. ``after_copy``: called after
    each annotated copy (the pipeline gives memory back now and then)."""
    guard_output(out, inputs)
    out.mkdir(parents=True, exist_ok=True)
    taken: set[str] = set()
    for f in report.files:
        if f.issues and f.status != "unreadable":
            _annotate(f, out / annotated_name(f.path, taken))
            if after_copy is not None:
                after_copy()
        f.raw = None  # the cell values are no longer needed; keep memory flat over many files
    report.out = out
    report.summary_path = write_summary(out / (MASKED_SUMMARY_NAME if mask else SUMMARY_NAME), [
        FileSummary(f.name, f.status, f.rows["roster"], f.rows["log"], f.issues, f.fixes) for f in report.files
    ], mask=mask)


def _annotate(f: FileResult, dest: Path) -> None:
    sheets = f.raw.sheets if f.raw is not None else None
    try:
        f.annotated = annotate_copy(f.path, dest, f.issues, fallback_sheets=sheets)
    except Exception as exc:  # a copy we cannot make must not stop the run; the summary still lists it
        f.issues.append(make_issue("copy-failed", file=f.name, detail=str(exc).splitlines()[0][:120] if str(exc)
                                   else type(exc).__name__))
