"""A process pool (or any Executor) gives the same results as a serial run, in input order."""

from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from builders import AS_OF, output_cells

from rosterkit import check
from rosterkit.pipeline import report_inbox
from rosterkit.render import run_text
from rosterkit.runtime.side import Side

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "inbox"


def _same(a, b) -> None:  # type: ignore[no-untyped-def]
    assert a.to_dict() == b.to_dict()
    for fa, fb in zip(a.files, b.files):
        assert fa.frames.keys() == fb.frames.keys()
        for role in fa.frames:
            assert fa.frames[role].equals(fb.frames[role])


def test_process_pool_equals_serial() -> None:
    serial = check(EXAMPLES, as_of=AS_OF, write=False, jobs=1)
    with ProcessPoolExecutor(2) as pool:
        pooled = check(EXAMPLES, as_of=AS_OF, write=False, executor=pool)
    _same(serial, pooled)


def test_any_executor_and_progress() -> None:
    seen: list[tuple[int, int]] = []
    with ThreadPoolExecutor(3) as pool:
        threaded = check(EXAMPLES, as_of=AS_OF, write=False, executor=pool,
                         progress=lambda done, total, _r: seen.append((done, total)))
    _same(check(EXAMPLES, as_of=AS_OF, write=False, jobs=1), threaded)
    assert seen == [(n, 6) for n in range(1, 7)]


def test_report_outputs_equal_serial_and_parallel(tmp_path: Path) -> None:
    """jobs=1: one worker, writers one after another here; jobs=2: two workers and 学校花名册 written in a forked
    child while this process writes the rest. Every workbook written holds the same cells."""
    runs = {}
    for jobs in (1, 2):
        out = tmp_path / f"jobs{jobs}"
        runs[jobs] = report_inbox(EXAMPLES, out=out, school_info=EXAMPLES.parent / "学校信息.xlsx", as_of=AS_OF,
                                  jobs=jobs)
    one, two = output_cells(tmp_path / "jobs1"), output_cells(tmp_path / "jobs2")
    assert len(one) == 3 + 1 + 2 + 6 and one == two  # 3 annotated + 校验汇总, 2 workbooks, 6 copies handed back
    assert runs[1].summary() | {"outputs": {}} == runs[2].summary() | {"outputs": {}}
    assert list(runs[2].outputs) == ["roster", "compliance", "check", "returns"]  # as the job declared them
    shown = [line.split("：")[0] for line in run_text(runs[2]).splitlines()[-4:]]
    assert shown == ["批注副本与校验汇总", "学校花名册", "帮扶落实情况", "发回各班（校验结果 + 待办）"]  # reading order


def _boom() -> None:
    raise ValueError("disk full")


def _side_by_side(tasks: dict[str, Any], *, here: Any = None, jobs: int = 2) -> dict[str, Any]:
    """Each task in a forked child (jobs ≥ 2) and ``here`` meanwhile: how the pipeline uses Side."""
    side = Side(jobs)
    for name, task in tasks.items():
        side.start(name, task)
    if here is not None:
        here()
    return side.results()


@pytest.mark.parametrize("jobs", [1, 2])
def test_side_by_side_results_errors_and_here(jobs: int) -> None:
    seen: list[str] = []
    got = _side_by_side({"a": lambda: 1 + 1, "b": lambda: "two"}, here=lambda: seen.append("here"), jobs=jobs)
    assert got == {"a": 2, "b": "two"} and seen == ["here"]
    with pytest.raises(ValueError, match="disk full"):
        _side_by_side({"a": _boom}, jobs=jobs)


def test_side_runs_a_task_here_when_asked() -> None:
    """``here=True`` runs the task in this process even where others are forked; results come back alike."""
    side = Side(2)
    side.start("away", os.getpid)
    side.start("here", os.getpid, here=True)
    got = side.results()
    assert got["here"] == os.getpid()
    assert (got["away"] != os.getpid()) == side.fork
