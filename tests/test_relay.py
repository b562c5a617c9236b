"""Relay: work offered after a child was forked is taken by the child and this process, each item once."""

from __future__ import annotations

import json
import multiprocessing as mp
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from rosterkit.runtime.side import Relay

# A fork of its own rather than Side's: Side declines to fork while other tests' threads are alive.
needs_fork = pytest.mark.skipif(sys.platform != "linux", reason="the relay serves forked writers (Linux)")


def _child(relay: Relay, out: Path) -> None:
    out.write_text(json.dumps([i for i in relay.take() if not time.sleep(0.002)]))


def _forked(tmp_path: Path) -> tuple[Relay, Any, Path]:
    """A relay and a forked child taking from it, which writes what it took to the returned path."""
    ctx = mp.get_context("fork")
    relay = Relay(ctx, tmp_path)
    out = tmp_path / "child.json"
    proc = ctx.Process(target=_child, args=(relay, out))
    proc.start()
    return relay, proc, out


@needs_fork
def test_each_item_is_taken_once_by_one_of_the_two(tmp_path: Path) -> None:
    relay, proc, out = _forked(tmp_path)
    items = list(range(300))
    relay.offer(items)  # after the fork
    here = [i for i in relay.take() if not time.sleep(0.002)]
    proc.join(30)
    there = json.loads(out.read_text())
    out.unlink()
    relay.remove()
    assert proc.exitcode == 0
    assert sorted(here + there) == items
    assert here and there  # both took a share
    assert not list(tmp_path.iterdir())


@needs_fork
def test_a_closed_relay_releases_the_child(tmp_path: Path) -> None:
    relay, proc, out = _forked(tmp_path)
    relay.close()  # nothing will be offered: the run failed before its copies, say
    proc.join(30)
    assert proc.exitcode == 0 and json.loads(out.read_text()) == []
    relay.remove()


def test_without_a_child_this_process_takes_all(tmp_path: Path) -> None:
    relay = Relay(None, tmp_path)
    assert list(relay.take()) == []  # nothing offered yet
    relay.offer(["a", "b", "c"])
    assert list(relay.take()) == ["a", "b", "c"]
    assert list(relay.take()) == []
    relay.remove()
