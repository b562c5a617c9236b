"""Writers: a job declares its outputs; where each is written is the runtime's choice, never the result."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from rosterkit.runtime.writers import Writers


def _write(path: Path, log: Path | None = None) -> Path:
    """An output: its file says which process wrote it; ``log`` keeps the order of writing."""
    path.write_text(str(os.getpid()))
    if log is not None:
        with log.open("a") as fh:
            fh.write(path.name + "\n")
    return path


def _item(path: Path) -> None:  # module level: a relay pickles it by name
    path.write_text(str(os.getpid()))


def _fail() -> Path:
    raise ValueError("disk full")


@pytest.mark.parametrize("jobs", [1, 2])
def test_every_declared_output_is_written_once_and_returned_in_declared_order(tmp_path: Path, jobs: int) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "copies").mkdir()
    items = [(_item, (out / "copies" / f"{i}.txt",)) for i in range(40)]
    with Writers(out, jobs=jobs) as writers:
        writers.early("roster", lambda: _write(out / "roster.txt"))
        writers.add("compliance", lambda: _write(out / "compliance.txt"))
        writers.add("check", lambda: _write(out / "check.txt"), here=True)
        writers.share("returns", out / "copies", items)
        found = writers.results()
        forked = writers.side.fork
    assert list(found) == ["roster", "compliance", "check", "returns"]
    assert found == {"roster": out / "roster.txt", "compliance": out / "compliance.txt",
                     "check": out / "check.txt", "returns": out / "copies"}
    assert sorted(p.name for p in (out / "copies").iterdir()) == sorted(f"{i}.txt" for i in range(40))
    assert (out / "check.txt").read_text() == str(os.getpid())  # here=True: always this process
    assert not list(out.glob(".relay-*"))  # the relay's file is gone
    if forked:  # the early output had a core of its own; the next one, with a child busy, ran here
        assert (out / "roster.txt").read_text() != str(os.getpid())
        assert (out / "compliance.txt").read_text() == str(os.getpid())


def test_serially_an_early_output_is_written_when_the_next_is_added(tmp_path: Path) -> None:
    log = tmp_path / "order.log"
    with Writers(tmp_path, jobs=1) as writers:
        writers.early("roster", lambda: _write(tmp_path / "roster.txt", log))
        assert not (tmp_path / "roster.txt").exists()  # nothing yet: the pipeline is still merging
        writers.add("compliance", lambda: _write(tmp_path / "compliance.txt", log))
        assert writers.results() == {"roster": tmp_path / "roster.txt", "compliance": tmp_path / "compliance.txt"}
    assert log.read_text().split() == ["roster.txt", "compliance.txt"]


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_failing_writer_fails_the_job_here(tmp_path: Path, jobs: int) -> None:
    """Forked, the child's exception comes back at results(); serially it is raised where the roster is written
    (before the copies). Either way the relay's file is removed and nothing waits forever."""
    with pytest.raises(ValueError, match="disk full"), Writers(tmp_path, jobs=jobs) as writers:
        writers.early("roster", _fail)
        writers.share("returns", tmp_path, [(_item, (tmp_path / "a.txt",))])
        writers.results()
    assert (tmp_path / "a.txt").exists() == writers.side.fork
    assert not list(tmp_path.glob(".relay-*"))


@pytest.mark.parametrize("jobs", [1, 2])
def test_an_output_written_meanwhile_while_the_items_are_shared(tmp_path: Path, jobs: int) -> None:
    (tmp_path / "copies").mkdir()
    items = [(_item, (tmp_path / "copies" / f"{i}.txt",)) for i in range(20)]
    with Writers(tmp_path, jobs=jobs) as writers:
        writers.early("roster", lambda: _write(tmp_path / "roster.txt"))
        writers.share("returns", tmp_path / "copies", items, meanwhile=("store", lambda: _write(tmp_path / "s.db")))
        found = writers.results()
    assert list(found) == ["roster", "store", "returns"] and found["store"] == tmp_path / "s.db"
    assert len(list((tmp_path / "copies").iterdir())) == 20 and (tmp_path / "s.db").read_text() == str(os.getpid())
