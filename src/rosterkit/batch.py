"""The check of an inbox, as a job: each file to a worker (:mod:`rosterkit.runtime`: isolated processes with
limits, or a caller's executor), the results gathered into one report, then the check's own workbooks
(:mod:`rosterkit.outputs.checked`). ``merge`` is the same job followed by the merge.

The per-file work itself (:func:`rosterkit.checking.run.prepare_file`) knows nothing of where it runs.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
from collections.abc import Callable, Iterable
from concurrent.futures import Executor, as_completed
from pathlib import Path

import pandas as pd

from rosterkit.checking.finish import Finisher
from rosterkit.checking.report import CheckReport, FileResult
from rosterkit.checking.run import check_one, collect_inputs, default_out, name_apart, refused
from rosterkit.core.policy import Term, load_term
from rosterkit.core.template import Template, load_template
from rosterkit.merging.merge import MergeResult, merge_report
from rosterkit.merging.school import SchoolInfo, read_school_info
from rosterkit.runtime.isolate import Failure, Limits, collector_at_ease, run_isolated

__all__ = ["check", "merge"]


def check(
    inputs: str | Path | Iterable[str | Path],
    *,
    out: str | Path | None = None,
    template: Template | str | Path | None = None,
    policy: str | Path | None = None,
    as_of: dt.date | None = None,
    term_name: str | None = None,
    write: bool = True,
    mask: bool = False,
    progress: Callable[[int, int, FileResult], None] | None = None,
    jobs: int | None = None,
    executor: Executor | None = None,
) -> CheckReport:
    """Check every returned workbook; write annotated copies and 校验汇总.xlsx (``mask``: 校验汇总_脱敏.xlsx) to
    ``out`` when ``write``.

    Each file is checked in one of ``jobs`` worker processes (default: the number of cores) under the limits
    of :class:`rosterkit.runtime.isolate.Limits` (time per file, memory per worker, from the environment): a file that
    overruns or kills its worker gets a coded problem and the others go on. Or on any
    ``concurrent.futures.Executor`` given (a Dask client's executor, say), without a time limit. The workers
    read, clean and cross-check; the template schema then runs here over batches of returned files
    (:func:`finish_files`). Results come back in input order and equal a serial run.
    ``progress(done, total, result)`` is called after each file is finished. Contact dates are checked against
    the term of the ``policy``'s 校历 that ``term_name`` (学校信息's 学年学期) names, else the one holding ``as_of``.
    """
    files = collect_inputs(inputs)
    tpl = template if isinstance(template, Template) else load_template(template)
    as_of = as_of or dt.date.today()
    term = load_term(policy, on=as_of, name=term_name)
    workers = min(jobs or os.cpu_count() or 1, max(len(files), 1))
    finisher = Finisher(tpl, progress)
    with collector_at_ease():
        if executor is not None:
            results = _run(executor, files, tpl, as_of, term, finisher)
        else:
            # Every file is read in a worker process that is killed when it overruns (rosterkit.runtime.isolate).
            _warm_up()
            results = run_isolated(check_one, files, (tpl, as_of, term), workers=workers,
                                   limits=Limits.from_env(), failed=_failed, progress=finisher)
        finisher.flush()
    name_apart(results)
    report = CheckReport(results)
    if write:
        from rosterkit.outputs.checked import write_check_outputs

        target = Path(out) if out else default_out(files)
        write_check_outputs(report, target, files, mask=mask)
    return report




def _run(executor: Executor, files: list[Path], tpl: Template, as_of: dt.date, term: Term | None,
         progress: Callable[[int, int, FileResult], None] | None) -> list[FileResult]:
    """Files on a caller's executor: no time limit (it cannot stop a task), but a task that dies (a broken
    process pool, say) still gives its file a coded problem instead of ending the run."""
    futures = {executor.submit(check_one, path, tpl, as_of, term): i for i, path in enumerate(files)}
    results: list[FileResult | None] = [None] * len(files)
    for n, fut in enumerate(as_completed(futures), start=1):
        try:
            results[futures[fut]] = fut.result()
        except Exception as exc:  # BrokenProcessPool and the like: the worker is gone, the file is not read
            results[futures[fut]] = _failed(Failure(files[futures[fut]], "crashed", type(exc).__name__))
        done = results[futures[fut]]
        if progress and done is not None:  # always set just above
            progress(n, len(files), done)
    return [r for r in results if r is not None]


@functools.cache
def _warm_up() -> None:
    """Pay pandera's lazy set-up (it imports its backends, and hypothesis, on first use) once here, before
    the workers are forked, instead of once in every worker."""
    try:
        import pandera.pandas as pa

        pa.DataFrameSchema({"x": pa.Column(object, nullable=True)}).validate(pd.DataFrame({"x": [None]}))
    except Exception:  # only a speed-up: the workers do the same set-up themselves if this fails
        pass




def _failed(failure: Failure[Path]) -> FileResult:
    """A file whose worker overran the time limit or died: one coded problem, the run goes on."""
    if failure.reason == "timeout":
        return refused(failure.item, "file-timeout", seconds=failure.detail)
    return refused(failure.item, "file-crashed", detail=failure.detail)


def merge(
    inbox: CheckReport | str | Path | Iterable[str | Path],
    *,
    school_info: str | Path | SchoolInfo | None = None,
    include_invalid: bool = False,
    as_of: dt.date | None = None,
    policy: str | Path | None = None,
) -> MergeResult:
    """Merge the checked class ledgers into one school roster (see :class:`MergeResult`); an inbox (a folder or
    files) is checked first, in the term 学校信息's 学年学期 names."""
    school = school_info if isinstance(school_info, SchoolInfo) else (
        read_school_info(school_info) if school_info else SchoolInfo())
    report = inbox if isinstance(inbox, CheckReport) else check(inbox, as_of=as_of, policy=policy, write=False,
                                                                 term_name=school.term or None)
    return merge_report(report, school, include_invalid=include_invalid)
