"""Relay: work offered after a child was forked is taken by the child and this process, each item once."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from rosterkit.side import Relay, Side, can_fork

needs_fork = pytest.mark.skipif(not can_fork(), reason="the relay serves forked writers")


@needs_fork
def test_each_item_is_taken_once_by_one_of_the_two(tmp_path: Path) -> None:
    side = Side(2)
    relay = Relay(side.ctx, tmp_path)
    side.start("child", lambda: [i for i in relay.take() if not time.sleep(0.002)])  # offered after the fork
    items = list(range(300))
    relay.offer(items)
    here = [i for i in relay.take() if not time.sleep(0.002)]
    there = side.results()["child"]
    relay.remove()
    assert sorted(here + there) == items
    assert here and there  # both took a share
    assert not list(tmp_path.iterdir())


@needs_fork
def test_a_closed_relay_releases_the_child(tmp_path: Path) -> None:
    side = Side(2)
    relay = Relay(side.ctx, tmp_path)
    side.start("child", lambda: list(relay.take()))
    relay.close()  # nothing will be offered: the run failed before its copies, say
    assert side.results() == {"child": []}
    relay.remove()


def test_without_a_child_this_process_takes_all(tmp_path: Path) -> None:
    relay = Relay(None, tmp_path)
    relay.offer(["a", "b", "c"])
    assert list(relay.take()) == ["a", "b", "c"]
    assert list(relay.take()) == []
    relay.remove()
