"""Independent output writers side by side: each in a forked child that inherits the run's data.

After the merge, the 学校花名册 writer only reads the merged roster; after the cadence, the 帮扶落实情况 writer
and the copies handed back only read what the run computed. A forked child sees those frames without pickling
them, so each writer costs a core of its own instead of queueing on one, and the roster can be written while
the cadence is still being computed. Where fork is not safe (macOS, Windows, or a parent with threads: a Dask
client, say) or ``jobs`` is 1, the tasks simply run here, in order, with the same results.
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing as mp
import os
import pickle
import struct
import sys
import tempfile
import threading
import traceback
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any


def can_fork() -> bool:
    """fork is cheap and shares the parent's memory; only safe on Linux-like systems without other threads."""
    return ("fork" in mp.get_all_start_methods() and sys.platform != "darwin"
            and threading.active_count() == 1)


# Workbooks copied with openpyxl between two give_back_memory calls: each copy frees its heap, which glibc keeps
# and which grows with the copies (a county: ~150 MB over 200 copies); a trim costs ~10 ms.
TRIM_EVERY = 50


def give_back_memory() -> None:
    """Return the heap's free pages to the system (glibc's malloc_trim; a no-op elsewhere). The cadence frees
    hundreds of MB of temporaries that glibc would otherwise keep, and a forked writer would share them."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc (musl, say): nothing to trim
        pass


def trimmer(every: int = TRIM_EVERY) -> Callable[[], None]:
    """A hook to call after each workbook copied: every ``every`` calls, :func:`give_back_memory`."""
    count = 0

    def tick() -> None:
        nonlocal count
        count += 1
        if count % every == 0:
            give_back_memory()
    return tick


@contextlib.contextmanager
def settled(*, collect: bool = False) -> Iterator[None]:
    """Everything alive now is left out of the cyclic collector's passes until the block ends (gc.freeze).

    A writer makes millions of short-lived tuples, and each full pass would walk the run's whole heap (a
    county's frames, its cadence tables) to find no garbage: a third of the 发回各班 copies' time. Nested
    blocks keep the outer one's freeze. ``collect``: first collect what is garbage already (a frozen cycle
    would stay until the block ends; ~0.3 s over a county's heap)."""
    outer = gc.get_freeze_count() > 0
    if collect:
        gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        if not outer:
            gc.unfreeze()


def _child(conn: Any, task: Callable[[], Any]) -> None:
    try:
        result: tuple[bool, Any] = (True, task())
    except BaseException as exc:  # noqa: BLE001 - everything goes back to the parent, which raises it
        result = (False, (exc, traceback.format_exc()))
    try:
        conn.send(result)
    except Exception as exc:  # an unpicklable result or exception: say what it was
        conn.send((False, (RuntimeError(f"{type(exc).__name__}: {exc}"), "")))
    conn.close()


class Side:
    """Tasks started now and collected later: ``start(name, task)`` forks a child that runs ``task()`` (or, in
    serial mode, runs it at once); ``results()`` waits for all and returns name → result, raising a task's
    exception here as if it had run here."""

    def __init__(self, jobs: int = 2) -> None:
        self.fork = jobs >= 2 and can_fork()
        self.ctx = mp.get_context("fork") if self.fork else None
        self.running: dict[str, tuple[Any, Any]] = {}
        self.done: dict[str, Any] = {}

    def start(self, name: str, task: Callable[[], Any], *, here: bool = False) -> None:
        """Run ``task`` (no arguments; its result must be picklable) beside this process. ``here``: run it in
        this process now, as in serial mode (when the cores are taken anyway, a child only costs memory)."""
        if here or not self.fork:
            if self.fork:
                give_back_memory()  # what the cadence freed, before this task adds to the peak
            self.done[name] = task()
            return
        assert self.ctx is not None
        give_back_memory()  # before the fork: the child would hold the free pages too
        ours, there = self.ctx.Pipe(duplex=False)
        proc = self.ctx.Process(target=_child, args=(there, task), daemon=True)
        # The child's collector must not walk the parent's objects: each visit writes to the object and so
        # copies its page. Frozen objects are left out of collections; the parent thaws its own right after.
        with settled():
            proc.start()
        there.close()
        self.running[name] = (proc, ours)

    def results(self) -> dict[str, Any]:
        """Wait for every started task; their results by name (in the order they were started)."""
        failure: BaseException | None = None
        for name, (proc, conn) in list(self.running.items()):
            try:
                ok, value = conn.recv()
            except EOFError:  # the child died without a word (killed, out of memory)
                ok, value = False, (RuntimeError(f"{name}: writer process ended with code {proc.exitcode}"), "")
            proc.join()
            conn.close()
            del self.running[name]
            if ok:
                self.done[name] = value
            elif failure is None:
                failure = value[0]
        if failure is not None:
            raise failure
        return dict(self.done)


class Relay:
    """Work for a child forked before the work was known: this process :meth:`offer` s a list of items once
    (or :meth:`close` s the relay with none), then this process and the child each :meth:`take` the next item
    nobody has claimed, until none is left. A writer that finishes early so takes its share of a slower one's
    work (the copies handed back, after the 学校花名册). Without a child (``ctx`` None) this process takes all.

    The items travel through a file in ``folder`` (a pipe would block this process until the busy child
    read); a shared counter hands out each index once."""

    def __init__(self, ctx: Any, folder: Path) -> None:
        self.ready = ctx.Event() if ctx is not None else None
        self.next = ctx.Value("q", 0) if ctx is not None else None
        fd, name = tempfile.mkstemp(prefix=".relay-", dir=folder)
        os.close(fd)
        self.path = Path(name)
        self.items: Sequence[Any] | None = None
        self.local = 0

    def offer(self, items: Sequence[Any]) -> None:
        """Publish the work (once)."""
        if self.ready is not None:
            self._write(items)
        self.items = items
        self.close()

    def _write(self, items: Sequence[Any]) -> None:
        """Each item pickled on its own, then the items' offsets and where they start: one pickle of the whole
        list would keep a memo entry for each of its million objects (a county's 待办 rows: ~140 MB) while the
        child writing the 学校花名册 is at its peak, and the child would load every item, not just its own."""
        with self.path.open("wb") as fh:
            offsets = []
            for item in items:
                offsets.append(fh.tell())
                pickle.dump(item, fh, protocol=pickle.HIGHEST_PROTOCOL)
            index_at = fh.tell()
            pickle.dump(offsets, fh, protocol=pickle.HIGHEST_PROTOCOL)
            fh.write(struct.pack("<q", index_at))

    def close(self) -> None:
        """Release the child: no (more) work will be offered. Always called, so a child never waits forever."""
        if self.items is None:
            self.items = ()
        if self.ready is not None:
            self.ready.set()

    def take(self) -> Iterator[Any]:
        """The items not yet claimed, one at a time (waiting for the offer first, in the child)."""
        if self.items is None and self.ready is None:
            return  # no child and nothing offered yet: nothing to take
        if self.items is not None:
            yield from (self.items[i] for i in self._claims(len(self.items)))
            return
        assert self.ready is not None  # in the child: what was offered after the fork, read item by item
        self.ready.wait()
        try:
            fh = self.path.open("rb")
        except FileNotFoundError:  # the run ended (failed) before this child got here
            return
        with fh:
            fh.seek(0, os.SEEK_END)
            if fh.tell() < 8:  # closed with nothing offered
                return
            fh.seek(-8, os.SEEK_END)
            fh.seek(struct.unpack("<q", fh.read(8))[0])
            offsets = pickle.load(fh)
            for i in self._claims(len(offsets)):
                fh.seek(offsets[i])
                yield pickle.load(fh)

    def _claims(self, count: int) -> Iterator[int]:
        """The indexes below ``count`` nobody has claimed yet, each claimed as it is handed out."""
        while True:
            if self.next is None:
                i, self.local = self.local, self.local + 1
            else:
                with self.next.get_lock():
                    i = self.next.value
                    self.next.value = i + 1
            if i >= count:
                return
            yield i

    def remove(self) -> None:
        """Delete the file (once every taker is done)."""
        self.path.unlink(missing_ok=True)
