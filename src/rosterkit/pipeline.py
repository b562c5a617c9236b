"""The coordinator's jobs, each one library call behind one CLI command: check → merge → cadence → outputs.

A job says which outputs it writes and when their inputs are ready (:class:`~rosterkit.runtime.writers.Writers`);
where each is written — here, in a forked child, shared through a relay — is the runtime's business."""

from __future__ import annotations

import datetime as dt
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
from rosterkit.history.changes import changes_in_run
from rosterkit.history.record import Recorded, record_round
from rosterkit.history.schema import check_store
from rosterkit.issues import Issue
from rosterkit.merging.merge import MergeResult
from rosterkit.merging.school import read_school_info
from rosterkit.outputs.compliance import COMPLIANCE_NAME, MASKED_COMPLIANCE_NAME
from rosterkit.outputs.roster import MASKED_NAME as MASKED_ROSTER_NAME
from rosterkit.outputs.roster import ROSTER_NAME
from rosterkit.runtime.cluster import dask_executor as dask_executor  # for the CLI: it does not import runtime
from rosterkit.runtime.writers import Item, Writers


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
    stored: Recorded | None = None  # the round recorded in the store (report's ``store``)

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
        if self.stored is not None:
            out["store"] = self.stored.to_dict()
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
        with Writers(target, jobs=jobs, executor=executor) as writers:
            _declare_outputs(writers, run, target, mask=mask)
            run.outputs = writers.results()
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
    store: str | Path | None = None,
) -> RunResult:
    """The coordinator's one command: check (annotated copies, 校验汇总), merge (学校花名册) and cadence
    (帮扶落实情况, each class's copy with its 待办 sheet) into ``out``; with ``store``, the round is recorded in
    that SQLite store too (:mod:`rosterkit.history`; ``run.stored`` says what was stored).

    ``jobs`` (default: the number of cores) worker processes check the files, or ``executor`` (any
    ``concurrent.futures.Executor``: a Dask client's, say) runs the per-file work while the merge and the
    cadence run here. Where the outputs are written is :class:`~rosterkit.runtime.writers.Writers`' choice: with two
    cores or more, 学校花名册 in a forked child from before the merge on, the rest here, the copies handed back by both.
    """
    from rosterkit.outputs.roster import write_school_roster

    files, target = _prepare(inbox, out)
    if store is not None:
        check_store(store)  # a wrong --store stops the run now, not after it
    day = as_of or dt.date.today()
    report = check(files, as_of=day, term_name=_term_name(school_info), policy=policy, write=False,
                   progress=progress, jobs=jobs, executor=executor)
    target.mkdir(parents=True, exist_ok=True)
    merged_here: list[MergeResult] = []

    def merged() -> MergeResult:  # once per process: a child forked before this merge makes its own
        if not merged_here:
            merged_here.append(merge(report, school_info=school_info, include_invalid=include_invalid))
        return merged_here[0]

    roster_dest = target / (MASKED_ROSTER_NAME if mask else ROSTER_NAME)
    with Writers(target, jobs=jobs, executor=executor) as writers:
        # The run's longest output: its child merges for itself rather than wait for this merge.
        def roster() -> Path:  # with a store: 变动情况 against its previous round, read by whoever writes this
            changes = changes_in_run(store, merged(), day) if store is not None else None
            return write_school_roster(merged(), roster_dest, mask=mask, on=day, changes=changes)
        writers.early("roster", roster)
        run = RunResult(report, merged())
        run.cadence = follow_up(merged(), as_of=day, policy=policy, due_within=due_within, load_limit=load_limit)
        run.policy_issues = run.cadence.policy_issues
        def record() -> Path:
            assert run.cadence is not None and store is not None
            run.stored = record_round(store, report, merged(), run.cadence, inputs=files)
            return Path(store)
        # the round is stored while the child, done with 学校花名册, starts on the copies handed back
        _declare_outputs(writers, run, target, mask=mask, checked=files, before_copies=record if store else None)
        run.outputs = writers.results()
    return run


def _declare_outputs(writers: Writers, run: RunResult, target: Path, *, mask: bool,
                     checked: list[Path] | None = None, before_copies: Callable[[], Path] | None = None) -> None:
    """The outputs of a finished run: 帮扶落实情况, the annotated copies and 校验汇总 (``checked``: the inputs, for
    a report), the copies handed back, which start from the annotated copy where there is one, and the round in
    the store (``before_copies``: written here once the copies are offered to the writers beside)."""
    from rosterkit.outputs.checked import write_check_outputs
    from rosterkit.outputs.compliance import write_compliance

    cad = run.cadence
    assert cad is not None
    writers.add("compliance", lambda: write_compliance(
        cad, target / (MASKED_COMPLIANCE_NAME if mask else COMPLIANCE_NAME), mask=mask))
    if checked is not None:
        def check_outputs() -> Path:
            write_check_outputs(run.check, target / CHECK_DIR, checked, mask=mask, after_copy=writers.trimmer())
            return target / CHECK_DIR
        writers.add("check", check_outputs, here=True)  # the copies handed back start from its annotated copies
    writers.share("returns", target / RETURN_DIR, _return_items(run, target),
                  meanwhile=("store", before_copies) if before_copies is not None else None)


def _return_items(run: RunResult, target: Path) -> list[Item]:
    """The copies handed back (发回各班), one item each: 待办 first and, where the class has one, its 校验结果."""
    from rosterkit.outputs.todo import return_copy, rows_by_file

    assert run.cadence is not None
    by_file = rows_by_file(run.cadence)
    (target / RETURN_DIR).mkdir(parents=True, exist_ok=True)
    return [(return_copy, (f.annotated or f.path, target / RETURN_DIR / _returned(f.name), f.name, by_file[f.name],
                           run.cadence.as_of))  # never .xlsm: no macros go back
            for f in run.check.files if f.name in by_file]


report = report_inbox  # the public name: rosterkit.report(inbox, out=...) is the coordinator's one command
