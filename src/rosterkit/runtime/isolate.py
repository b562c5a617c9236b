"""Per-file work in worker processes that can be stopped: a time limit per file, a memory cap per worker.

``concurrent.futures`` cannot cancel a running task, and a reader stuck in native code (or one that aborts
the process) would stall or end the whole run. Here each worker is a plain process with its own pipe: the
parent hands out one file at a time, waits with a deadline, and kills and replaces a worker that overruns or
dies; that file gets a coded problem and the others go on. Workers are reused between files (a fork is cheap,
importing pandas is not), so an inbox of six files costs about as much as before.
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing as mp
import os
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any, Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")
MB = 1 << 20
# A worker whose peak memory grew by more than this starts afresh after its file: Python rarely gives memory
# back, and the next file should not start with it.
RETIRE_GROWTH = 512 * MB
# Files handed to a worker ahead, so that it does not wait while the parent is busy: the parent runs the schema
# over batches of returned files (~0.2 s for 64), and two files ahead kept the workers idle ~8% of a county's
# check (eight: ~1%; the results wait in the socket's buffer). Each still has its own time limit, counted from
# when the one before it came back; a stopped worker's files are handed to the others.
DEPTH = 8
# The cyclic collector runs less often: a file makes many short-lived containers and few cycles, and a
# worker that grows too much retires anyway (RETIRE_GROWTH). Default (700, 10, 10).
GC_THRESHOLDS = (50_000, 20, 50)


@dataclass(frozen=True)
class Limits:
    """Seconds one file may take, and bytes of memory one worker may add to what it started with."""

    seconds: float = 60.0
    memory: int | None = 1024 * MB

    @classmethod
    def from_env(cls) -> Limits:
        """``$ROSTERKIT_TIME_LIMIT`` (seconds, default 60) and ``$ROSTERKIT_MEMORY_MB`` (default 1024; 0: none)."""
        seconds = _number("ROSTERKIT_TIME_LIMIT", 60.0)
        memory = _number("ROSTERKIT_MEMORY_MB", 1024.0)
        return cls(seconds=max(seconds, 0.1), memory=int(memory * MB) if memory > 0 else None)


def _number(name: str, default: float) -> float:
    try:
        return float(os.environ.get(name, default))
    except ValueError:
        return default


def _context() -> Any:
    """fork when it is safe (Linux, no other threads: start-up is free); else forkserver, else spawn (Windows).
    macOS system libraries do not survive a fork, which is why Python itself defaults to spawn there."""
    methods = mp.get_all_start_methods()
    if "fork" in methods and sys.platform != "darwin" and threading.active_count() == 1:
        return mp.get_context("fork")
    if "forkserver" in methods:
        ctx = mp.get_context("forkserver")
        ctx.set_forkserver_preload(["rosterkit.checking.run"])
        return ctx
    return mp.get_context("spawn")


def _cap_memory(extra: int | None) -> None:
    try:
        import resource
    except ImportError:  # Windows: no rlimits; the time limit still holds
        return
    if extra is None:
        return
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            vm = next(int(line.split()[1]) * 1024 for line in fh if line.startswith("VmSize:"))
    except (OSError, StopIteration, ValueError):
        return
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    want = vm + extra
    if hard != resource.RLIM_INFINITY:
        want = min(want, hard)
    resource.setrlimit(resource.RLIMIT_AS, (want, hard))


def _peak_rss() -> int:
    try:
        import resource
    except ImportError:
        return 0
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux


def _settings() -> dict[str, str]:
    """The parent's ROSTERKIT_* settings (limits): a forkserver worker would otherwise see those of the moment
    its server started, not those of this run."""
    return {k: v for k, v in os.environ.items() if k.startswith("ROSTERKIT_")}


def _serve(conn: Connection, fn: Callable[..., Any], args: tuple[Any, ...], memory: int | None,
           settings: dict[str, str]) -> None:
    """A worker: take (index, item), answer (index, result, retiring) until told to stop or the pipe closes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle; it then ends us
    for key in [k for k in os.environ if k.startswith("ROSTERKIT_") and k not in settings]:
        del os.environ[key]
    os.environ.update(settings)
    _cap_memory(memory)
    # What the worker inherited (pandas, pandera, the template) lives as long as it does: kept out of the
    # cyclic collector, whose full passes over it otherwise grow with every file (~15% of a county's check).
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)
    start = _peak_rss()  # a forked worker starts with the parent's pages: count only what it adds
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError, KeyboardInterrupt):
            return
        if task is None:  # the parent's "no more work"; other workers may hold our pipe open, so no EOF
            return
        index, item = task
        result = fn(item, *args)
        retiring = _peak_rss() - start > RETIRE_GROWTH
        try:
            conn.send((index, result, retiring))
        except OSError:  # the parent is gone (killed): nobody to answer, end quietly
            return
        if retiring:
            return


class _Worker:
    def __init__(self, ctx: Any, fn: Callable[..., Any], args: tuple[Any, ...], memory: int | None) -> None:
        self.conn, child = ctx.Pipe(duplex=True)
        self.proc = ctx.Process(target=_serve, args=(child, fn, args, memory, _settings()), daemon=True)
        self.proc.start()
        child.close()
        self.tasks: deque[int] = deque()  # handed out, in the order the worker answers them
        self.deadline = 0.0

    @property
    def task(self) -> int | None:
        """The task the worker is on (the oldest unanswered), or None when idle."""
        return self.tasks[0] if self.tasks else None

    def stop(self, *, kill: bool) -> None:
        if kill and self.proc.is_alive():
            self.proc.kill()
        elif not kill:
            try:
                self.conn.send(None)
            except OSError:
                pass  # already gone
        self.conn.close()
        self.proc.join(timeout=None if kill else 5)
        if self.proc.is_alive():  # a worker that ignores a closed pipe is killed all the same
            self.proc.kill()
            self.proc.join()


class Failure(Generic[T]):
    """Why a task produced no result: ``timeout`` (with the limit) or ``crashed`` (with what is known)."""

    def __init__(self, item: T, reason: str, detail: str) -> None:
        self.item, self.reason, self.detail = item, reason, detail


def run_isolated(
    fn: Callable[..., R],
    items: Sequence[T],
    args: tuple[Any, ...],
    *,
    workers: int,
    limits: Limits,
    failed: Callable[[Failure[T]], R],
    progress: Callable[[int, int, R], None] | None = None,
) -> list[R]:
    """``[fn(item, *args) for item in items]`` in up to ``workers`` processes, in input order.

    ``fn`` must not raise (it reports problems in its result). A task that overruns ``limits.seconds`` or
    whose worker dies is answered by ``failed(Failure(...))`` instead; the run always finishes.
    """
    ctx = _context()
    results: list[Any] = [None] * len(items)
    queue = deque(range(len(items)))
    pool: list[_Worker] = []
    done = 0

    def finish(index: int, result: R) -> None:
        nonlocal done
        results[index] = result
        done += 1
        if progress:
            progress(done, len(items), result)

    try:
        while queue or any(w.tasks for w in pool):
            for w in [w for w in pool if len(w.tasks) < DEPTH]:
                while queue and len(w.tasks) < DEPTH and _hand_out(w, queue[0], items, limits):
                    queue.popleft()
                if not w.tasks and queue:  # died while idle: the file goes to a fresh worker
                    w.stop(kill=True)
                    pool.remove(w)
            while queue and len(pool) < max(workers, 1):
                w = _Worker(ctx, fn, args, limits.memory)
                pool.append(w)
                index = queue.popleft()
                if not _hand_out(w, index, items, limits):  # a worker that cannot even start: that file fails
                    w.stop(kill=True)
                    pool.remove(w)
                    finish(index, failed(Failure(items[index], "crashed", "读取进程无法启动")))
                    continue
                while queue and len(w.tasks) < DEPTH and _hand_out(w, queue[0], items, limits):
                    queue.popleft()
            busy = [w for w in pool if w.tasks]
            if not busy:
                continue
            timeout = max(min(w.deadline for w in busy) - time.monotonic(), 0)
            wait([w.conn for w in busy] + [w.proc.sentinel for w in busy], timeout=timeout)
            for w in busy:
                outcome = _collect(w, items, limits)
                if outcome is None:
                    continue
                index, result, keep = outcome
                if not keep:  # retiring or gone: what it still held goes back to the front of the queue
                    queue.extendleft(reversed(w.tasks))
                    w.tasks.clear()
                    w.stop(kill=True)
                    pool.remove(w)
                finish(index, result if not isinstance(result, Failure) else failed(result))
    finally:
        for w in pool:
            w.stop(kill=bool(w.tasks))
    return results


def _hand_out(w: _Worker, index: int, items: Sequence[Any], limits: Limits) -> bool:
    """Give task ``index`` to a worker; False when its pipe is broken (the worker is gone)."""
    try:
        w.conn.send((index, items[index]))
    except OSError:
        return False
    if not w.tasks:
        w.deadline = time.monotonic() + limits.seconds
    w.tasks.append(index)
    return True


def _collect(w: _Worker, items: Sequence[Any], limits: Limits) -> tuple[int, Any, bool] | None:
    """The outcome of a busy worker's oldest task, or None while it is still within its time."""
    index = w.task
    assert index is not None
    try:
        if w.conn.poll():
            got, result, retiring = w.conn.recv()
            w.tasks.popleft()
            w.deadline = time.monotonic() + limits.seconds  # the next one's clock starts now
            return got, result, not retiring
    except (EOFError, OSError):
        w.proc.join(timeout=5)  # the pipe broke: the worker is dying; let it finish so its exit code is known
    else:
        if w.proc.is_alive() and time.monotonic() < w.deadline:
            return None
    w.tasks.popleft()
    if w.proc.is_alive() and time.monotonic() >= w.deadline:
        return index, Failure(items[index], "timeout", f"{limits.seconds:g}"), False
    w.proc.join(timeout=5)
    return index, Failure(items[index], "crashed", _exit_text(w.proc.exitcode)), False


def _exit_text(code: int | None) -> str:
    if code is not None and code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        hint = "，可能是内存不足" if name in ("SIGKILL", "SIGABRT", "SIGSEGV") else ""
        return f"读取进程被 {name} 终止{hint}"
    return "读取进程没有回应" if code is None else f"读取进程退出，代码 {code}"


@contextlib.contextmanager
def collector_at_ease() -> Iterator[None]:
    """Python's cyclic collector less often while results pile up (restored after): its full passes over a
    growing heap cost ~15% of a county's check, and the results hold few cycles."""
    before = gc.get_threshold()
    gc.set_threshold(*GC_THRESHOLDS)
    try:
        yield
    finally:
        gc.set_threshold(*before)
