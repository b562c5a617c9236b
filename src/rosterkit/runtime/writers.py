"""The writers of one job: the pipeline declares which outputs exist and when their inputs are ready; where each
is written (here, in a forked child, shared through the relay) and the memory hygiene around it are decided here.

Three kinds of declaration, made in the order the job's data becomes ready:

- :meth:`Writers.early`: an output whose inputs are ready before the rest of the job (学校花名册, from its own
  merge): written in a child from now on when there is a core for it, else when the other outputs are.
- :meth:`Writers.add`: an output of the finished run (帮扶落实情况, the check's copies): in a child when no
  writer runs beside this process yet, else here, at once.
- :meth:`Writers.share`: many small writes (the copies handed back): every writer done with its own work takes
  the next one nobody has taken; this process takes the rest.

:meth:`Writers.results` waits for all and gives name → path in the order declared: a new workbook is one
declaration. With ``jobs`` 1, no fork (macOS, Windows, a parent with threads) or a caller's executor, everything
runs here, in the same order, with the same results.
"""

from __future__ import annotations

import contextlib
import gc
import os
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Executor
from pathlib import Path
from typing import Any

from rosterkit.runtime.side import Relay, Side, give_back_memory, settled, trimmer

Write = Callable[[], Path]
Item = tuple[Callable[..., Any], tuple[Any, ...]]  # a module-level function and its arguments (pickled by name)

__all__ = ["Item", "Write", "Writers"]


def _jobs(jobs: int | None, executor: Executor | None) -> int:
    """Processes for the writers: none beside this one when the caller brought an executor (its threads make
    fork unsafe, and its cores are elsewhere)."""
    return 1 if executor is not None else (jobs or os.cpu_count() or 1)


def _work(items: Iterable[Item]) -> None:
    """Small writes one after another; the heap openpyxl frees is given back now and then (glibc keeps it, and
    it would grow with the copies while another process is at its peak)."""
    tick = trimmer()
    for do, args in items:
        do(*args)
        tick()


class Writers:
    """The outputs of one job written into ``folder`` (see the module's docstring); use as a context manager."""

    def __init__(self, folder: Path, *, jobs: int | None = None, executor: Executor | None = None) -> None:
        self.side = Side(_jobs(jobs, executor))
        # Made before any child is forked: a child done with its own output takes shared items through it.
        self.relay = Relay(self.side.ctx, folder) if self.side.fork else None
        self.names: list[str] = []
        self.written: dict[str, Path] = {}
        self.waiting: list[tuple[str, Write]] = []
        self.stack = contextlib.ExitStack()
        self.settled = False

    def __enter__(self) -> Writers:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.relay is not None:
            self.relay.close()  # never leave a child waiting for items that will not come
            self.relay.remove()
        self.stack.close()

    def early(self, name: str, write: Write) -> None:
        """``write`` needs nothing this process has yet to compute: start it beside this process now (the job's
        longest output gets a core to itself), or, without a child, when the next output is added."""
        self.names.append(name)
        if self.side.fork:
            self.side.start(name, self._beside(write))
        else:
            self.waiting.append((name, write))

    def add(self, name: str, write: Write, *, here: bool = False) -> None:
        """An output of the finished run: in a child when none is writing yet (it then takes shared items), else
        here, now. A third process would only share a core, and each child that touches the run's data copies
        the pages it touches (a county: ~400 MB). ``here``: always here (what it sets is needed here later)."""
        self._settle()
        self.names.append(name)
        beside = self.side.fork and not self.side.running and not here
        self.side.start(name, self._beside(write) if beside else write, here=not beside)
        if not beside:
            give_back_memory()  # the writer's freed heap (~130 MB a county), while a child is at its peak

    def share(self, name: str, result: Path, items: Sequence[Item], *,
              meanwhile: tuple[str, Write] | None = None) -> None:
        """Many small writes whose output is ``result`` (a folder): offered to every writer done with its own
        work; this process takes what is left. ``meanwhile``: an output of its own (name, write) this process
        writes first, while the children already take items."""
        self._settle()
        if self.relay is not None:
            self.relay.offer(items)
        if meanwhile is not None:
            self.names.append(meanwhile[0])
            self.written[meanwhile[0]] = meanwhile[1]()
        self.names.append(name)
        _work(self.relay.take() if self.relay is not None else items)
        self.written[name] = result

    def results(self) -> dict[str, Path]:
        """Wait for every writer; name → what it wrote, in the order declared (a writer's exception is raised
        here, as if it had run here)."""
        self._settle()
        found = {**self.written, **self.side.results()}
        return {name: found[name] for name in self.names if name in found}

    def trimmer(self) -> Callable[[], None]:
        """A hook for a writer that copies many workbooks itself: call it after each."""
        return trimmer()

    def _settle(self) -> None:
        """From the first output of the finished run on, the run's data lives to the end: the collector's passes
        leave it alone (runtime.side.settled). Outputs declared early and not yet started are written first."""
        if not self.settled:
            self.settled = True
            self.stack.enter_context(settled(collect=True))
        while self.waiting:
            name, write = self.waiting.pop(0)
            self.side.start(name, write, here=True)

    def _beside(self, write: Write) -> Write:
        """``write`` as a child runs it: its output, then its share of the items (after collecting and giving
        back the output's garbage, so the shared pages are not duplicated)."""
        relay = self.relay

        def task() -> Path:
            with settled():
                path = write()
            if relay is not None:
                gc.collect()  # the workbook's millions of cells (in cycles): gone before the copies,
                give_back_memory()  # and their pages given back, while the parent is at its peak
                with settled():
                    _work(relay.take())
            return path
        return task
