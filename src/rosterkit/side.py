"""Independent output writers side by side: each in a forked child that inherits the run's data.

After the merge and the cadence, the 学校花名册 and the 帮扶落实情况 writers and the copies handed back to the
classes only read what the run computed. A forked child sees those frames without pickling them, so the
writers cost one core each instead of queueing on one. Where fork is not safe (macOS, Windows, or a parent
with threads: a Dask client, say) the tasks simply run one after another here, with the same results.
"""

from __future__ import annotations

import multiprocessing as mp
import sys
import threading
from concurrent.futures import ProcessPoolExecutor
from typing import Any, Callable

_TASKS: dict[str, Callable[[], Any]] = {}  # read by the forked children, which inherit it


def _run(name: str) -> Any:
    return _TASKS[name]()


def can_fork() -> bool:
    """fork is cheap and shares the parent's memory; only safe on Linux-like systems without other threads."""
    return ("fork" in mp.get_all_start_methods() and sys.platform != "darwin"
            and threading.active_count() == 1)


def side_by_side(tasks: dict[str, Callable[[], Any]], *, here: Callable[[], Any] | None = None,
                 jobs: int = 2) -> dict[str, Any]:
    """Run each of ``tasks`` (name → no-argument callable returning something picklable) in its own forked
    child, and ``here`` in this process meanwhile (for work whose side effects this process needs); return
    the tasks' results by name. ``jobs`` < 2, or no safe fork: everything runs here, in order. A task's
    exception is raised here, as if it had run here.
    """
    if jobs < 2 or len(tasks) == 0 or not can_fork():
        if here is not None:
            here()
        return {name: task() for name, task in tasks.items()}
    _TASKS.clear()
    _TASKS.update(tasks)
    try:
        with ProcessPoolExecutor(max_workers=len(tasks), mp_context=mp.get_context("fork")) as pool:
            futures = {name: pool.submit(_run, name) for name in tasks}
            if here is not None:
                here()
            return {name: fut.result() for name, fut in futures.items()}
    finally:
        _TASKS.clear()
