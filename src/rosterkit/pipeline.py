"""The coordinator's jobs, each one library call behind one CLI command: check → merge → write."""

from __future__ import annotations

import datetime as dt
import gc
import os
from collections.abc import Callable, Iterable
from concurrent.futures import Executor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from rosterkit.batch import check, merge
from rosterkit.cadence.engine import Cadence
from rosterkit.cadence.inputs import follow_up
from rosterkit.checking.report import CheckReport
from rosterkit.checking.run import collect_inputs, default_out
from rosterkit.issues import Issue
from rosterkit.merging.merge import MergeResult
from rosterkit.merging.school import read_school_info
from rosterkit.outputs.compliance import COMPLIANCE_NAME, MASKED_COMPLIANCE_NAME
from rosterkit.outputs.roster import MASKED_NAME as MASKED_ROSTER_NAME
from rosterkit.outputs.roster import ROSTER_NAME
from rosterkit.runtime.cluster import dask_executor as dask_executor  # for the CLI: it does not import runtime
from rosterkit.runtime.side import Relay, Side, give_back_memory, settled, trimmer


def merge_inbox(
    inbox: str | Path | Iterable[str | Path],
    *,
    out: str | Path | None = None,
    school_info: str | Path | None = None,
    mask: bool = False,
    include_invalid: bool = False,
    as_of: dt.date | None = None,
    policy: str | Path | None = None,
    progress: Callable[[int, int, Any], None] | None = None,
    jobs: int | None = None,
    executor: Executor | None = None,
) -> MergeResult:
    """Check the inbox, merge it and write 学校花名册.xlsx (or, with ``mask``, 学校花名册_脱敏.xlsx) into ``out``;
    the result's ``path`` says where.
    ``jobs``/``executor``: where the per-file check runs (see :func:`rosterkit.check`)."""
    from rosterkit.outputs.roster import write_school_roster

    files, target = _prepare(inbox, out)
    report = check(files, as_of=as_of, term_name=_term_name(school_info), policy=policy, write=False,
                   progress=progress, jobs=jobs, executor=executor)
    result = merge(report, school_info=school_info, include_invalid=include_invalid)
    dest = target / (MASKED_ROSTER_NAME if mask else ROSTER_NAME)
    result.path = write_school_roster(result, dest, mask=mask, on=as_of)
    return result


def _term_name(school_info: str | Path | None) -> str | None:
    """学校信息's 学年学期, which picks the term of the policy's 校历 (read again by the merge: it is small)."""
    return (read_school_info(school_info).term or None) if school_info else None


CHECK_DIR, RETURN_DIR, RETURN_SUFFIX = "核对", "发回各班", "_发回"


def _returned(name: str) -> str:
    """A copy's name in 发回各班: 三年级1班_发回.xlsx; a file named with its folder, 城南小学_三年级1班_发回.xlsx."""
    return f"{Path(name.strip('/').replace('/', '_')).stem}{RETURN_SUFFIX}.xlsx"


def _missing(merge: MergeResult) -> list[str]:
    """The chase list; with several schools each class is named with its school (三年级1班 is in each)."""
    subs, missing = merge.submissions, merge.missing
    if subs["school"].dropna().nunique() <= 1:
        return list(missing["label"])
    return [f"{s} {label}" if isinstance(s, str) and s else label
            for s, label in zip(missing["school"], missing["label"])]


@dataclass
class RunResult:
    """Everything one coordinator run produced: the check, the merge, the cadence, and where the files are."""

    check: CheckReport
    merge: MergeResult | None = None
    cadence: Cadence | None = None
    policy_issues: list[Issue] = field(default_factory=list)
    outputs: dict[str, Path] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        """The closing figures of a run (see :func:`rosterkit.render.run_text`)."""
        s = self.check.summary()
        out: dict[str, Any] = {"files": s["files"], "ok": s["ok"], "problems": s["problems"],
                               "unreadable": s["unreadable"]}
        if self.merge is not None:
            out.update(roster_rows=len(self.merge.roster), rows_left_out=len(self.merge.left_out),
                       classes_missing=_missing(self.merge))
        if self.cadence is not None:
            school = self.cadence.school
            # all schools' periods: with several schools the first school's rate is not the run's
            met, missed = float(school["periods_met"].sum()), float(school["periods_missed"].sum())
            rate = met / (met + missed) if met + missed else None
            out.update(compliance_rate=None if rate is None or pd.isna(rate) else float(rate),
                       students_overdue=int(self.cadence.overdue["student_key"].nunique()),
                       students_due_soon=int(self.cadence.due_soon["student_key"].nunique()))
        out["outputs"] = {k: str(v) for k, v in self.outputs.items()}
        return out


def _prepare(inbox: Any, out: str | Path | None) -> tuple[list[Path], Path]:
    from rosterkit.outputs.checked import guard_output

    files = collect_inputs(inbox)
    target = Path(out) if out else default_out(files)
    guard_output(target, files)
    return files, target


def cadence_inbox(
    inbox: str | Path | Iterable[str | Path],
    *,
    out: str | Path | None = None,
    school_info: str | Path | None = None,
    as_of: dt.date | None = None,
    policy: str | Path | None = None,
    mask: bool = False,
    write: bool = True,
    progress: Callable[[int, int, Any], None] | None = None,
    due_within: int = 3,
    load_limit: int | None = None,
    jobs: int | None = None,
    executor: Executor | None = None,
) -> RunResult:
    """Check and merge the inbox, then cadence compliance; writes 帮扶落实情况.xlsx and each class's 待办 copy."""
    files, target = _prepare(inbox, out)
    day = as_of or dt.date.today()
    report = check(files, as_of=day, term_name=_term_name(school_info), policy=policy, write=False,
                   progress=progress, jobs=jobs, executor=executor)
    merged = merge(report, school_info=school_info)
    run = RunResult(report, merged)
    run.cadence = follow_up(merged, as_of=day, policy=policy, due_within=due_within, load_limit=load_limit)
    run.policy_issues = run.cadence.policy_issues
    if write:
        target.mkdir(parents=True, exist_ok=True)
        with settled():
            _write_outputs(run, target, Side(_jobs(jobs, executor)), mask=mask)
    return run


def report_inbox(
    inbox: str | Path | Iterable[str | Path],
    *,
    out: str | Path | None = None,
    school_info: str | Path | None = None,
    as_of: dt.date | None = None,
    policy: str | Path | None = None,
    mask: bool = False,
    include_invalid: bool = False,
    progress: Callable[[int, int, Any], None] | None = None,
    due_within: int = 3,
    load_limit: int | None = None,
    jobs: int | None = None,
    executor: Executor | None = None,
) -> RunResult:
    """The coordinator's one command: check (annotated copies, 校验汇总), merge (学校花名册) and cadence
    (帮扶落实情况, each class's copy with its 待办 sheet) into ``out``.

    ``jobs`` (default: the number of cores) worker processes check the files, or ``executor`` (any
    ``concurrent.futures.Executor``: a Dask client's, say) runs the per-file work while the merge and the
    cadence run here. 学校花名册 is written in a forked child meanwhile (:mod:`rosterkit.runtime.side`), the rest here.
    """
    from rosterkit.outputs.roster import write_school_roster

    files, target = _prepare(inbox, out)
    day = as_of or dt.date.today()
    report = check(files, as_of=day, term_name=_term_name(school_info), policy=policy, write=False,
                   progress=progress, jobs=jobs, executor=executor)
    side = Side(_jobs(jobs, executor))
    target.mkdir(parents=True, exist_ok=True)
    # The roster's child, done first, then makes copies handed back that this process has not got to yet.
    relay = Relay(side.ctx, target) if side.fork else None

    def roster(merged: MergeResult | None = None) -> Path:
        if merged is None:
            merged = merge(report, school_info=school_info, include_invalid=include_invalid)
        with settled():
            dest = write_school_roster(merged, target / (MASKED_ROSTER_NAME if mask else ROSTER_NAME),
                                       mask=mask, on=day)
        if relay is not None:
            gc.collect()  # the roster workbook's millions of cells (in cycles): gone before the copies,
            give_back_memory()  # and their pages given back, while the parent is at its peak
            with settled():
                _return_copies(relay.take())
        return dest

    try:
        if side.fork:  # the run's longest step: its child merges for itself rather than wait for this merge
            side.start("roster", roster)
        merged = merge(report, school_info=school_info, include_invalid=include_invalid)  # the same, for the cadence
        if not side.fork:
            side.start("roster", lambda: roster(merged))
        run = RunResult(report, merged)
        run.cadence = follow_up(merged, as_of=day, policy=policy, due_within=due_within, load_limit=load_limit)
        run.policy_issues = run.cadence.policy_issues
        with settled(collect=True):  # the run's data lives to the end: the writers' collections need not walk it
            _write_outputs(run, target, side, mask=mask, checked=files, relay=relay)
    finally:
        if relay is not None:
            relay.close()  # never leave the child waiting for copies that will not come
            relay.remove()
    return run


def _jobs(jobs: int | None, executor: Executor | None) -> int:
    """Processes for the writers: none beside this one when the caller brought an executor (its threads make
    fork unsafe, and its cores are elsewhere)."""
    return 1 if executor is not None else (jobs or os.cpu_count() or 1)


def _write_outputs(run: RunResult, target: Path, side: Side, *, mask: bool, checked: list[Path] | None = None,
                   relay: Relay | None = None) -> None:
    """帮扶落实情况 in a forked child, which then makes the copies of the classes without an annotated copy, while
    this process writes the annotated copies and 校验汇总 (``checked``: the inputs, for a report) and the other
    copies (``relay``: shared with a child that is done with its own work); then collects whatever ``side`` was
    already writing.

    When ``side`` is already writing (a report's 学校花名册, the run's longest step, has a core to itself), all
    of it runs here instead: a third process would only share this one's core, and each child that touches
    the run's data makes its own copy of the pages it touches (a county: ~400 MB)."""
    from rosterkit.outputs.checked import write_check_outputs
    from rosterkit.outputs.compliance import write_compliance

    cad = run.cadence
    assert cad is not None
    annotating = {f.name for f in run.check.files if checked is not None and f.issues and f.status != "unreadable"}
    clean = [f.name for f in run.check.files if f.name not in annotating]
    beside = side.fork and not side.running
    theirs = set(clean) if beside else set()  # copies with no annotated source

    def compliance() -> Path:
        dest = write_compliance(cad, target / (MASKED_COMPLIANCE_NAME if mask else COMPLIANCE_NAME), mask=mask)
        give_back_memory()  # the writer's freed ~130 MB (a county), while the 学校花名册's child is at its peak
        _write_returns(run, target, {}, theirs)
        return dest

    side.start("compliance", compliance, here=not beside)
    if checked is not None:
        write_check_outputs(run.check, target / CHECK_DIR, checked, mask=mask, after_copy=trimmer())
        run.outputs["check"] = target / CHECK_DIR
    ours = {f.name for f in run.check.files} - theirs
    _write_returns(run, target, {f.name: f.annotated for f in run.check.files if f.annotated}, ours, relay)
    found = {**run.outputs, **side.results()}
    run.outputs = {k: found[k] for k in ("check", "roster", "compliance", "returns") if k in found}


def _write_returns(run: RunResult, target: Path, annotated: dict[str, Path], files: set[str],
                   relay: Relay | None = None) -> None:
    """The copies handed back (发回各班) of the classes in ``files``: 待办 first and, where the class has one,
    its 校验结果. With a ``relay``, a child that is done with its own work makes some of them."""
    from rosterkit.outputs.todo import rows_by_file

    assert run.cadence is not None
    by_file = rows_by_file(run.cadence, files)
    (target / RETURN_DIR).mkdir(parents=True, exist_ok=True)
    tasks = [(annotated.get(f.name, f.path), target / RETURN_DIR / _returned(f.name),
              f.name, by_file[f.name], run.cadence.as_of)  # never .xlsm: no macros go back
             for f in run.check.files if f.name in by_file]
    if relay is not None:
        relay.offer(tasks)
    _return_copies(relay.take() if relay is not None else tasks)
    run.outputs["returns"] = target / RETURN_DIR


def _return_copies(tasks: Iterable[tuple[Any, ...]]) -> None:
    """Copies handed back, one per task; the heap openpyxl frees is given back now and then (glibc keeps it,
    and it would grow with the copies while another process is at its peak)."""
    tick = trimmer()
    for task in tasks:
        _return_copy(*task)
        tick()


def _return_copy(src: Path, dest: Path, file_name: str, rows: Any, as_of: dt.date) -> None:
    """One class's copy handed back, from its prepared 待办 rows (here or in a writer process)."""
    from rosterkit.checking.read import read_workbook
    from rosterkit.outputs.todo import write_todo_copy

    def values() -> Any:
        raw = read_workbook(src)
        return None if isinstance(raw, Issue) else raw.sheets

    try:
        write_todo_copy(src, dest, None, file_name=file_name, rows=rows, as_of=as_of,
                        fallback_sheets=values() if src.suffix.lower() not in (".xlsx", ".xlsm") else None)
    except ValueError:  # openpyxl cannot load it (an .xls renamed .xlsx, a damaged zip): rebuilt from its values
        write_todo_copy(src, dest, None, file_name=file_name, rows=rows, as_of=as_of, fallback_sheets=values())


report = report_inbox  # the public name: rosterkit.report(inbox, out=...) is the coordinator's one command
