"""Atomic output: write to a temporary name in the target folder, rename onto the final name when complete.

An interrupted run never leaves a half-written workbook under a final name.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def atomic_output(dest: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``dest`` (same suffix) and move it onto ``dest`` only if the block succeeds."""
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=".rosterkit-", suffix=dest.suffix, dir=dest.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        # mkstemp makes the file private (0600); outputs are meant to be shared like any saved workbook.
        os.chmod(tmp, dest.stat().st_mode & 0o777 if dest.exists() else 0o644)
        os.replace(tmp, dest)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def create_new(dest: Path, write: Callable[[Path], None]) -> bool:
    """Write a file that must not replace anything: ``write`` fills a temporary path beside ``dest``, which is
    then linked onto ``dest`` only if no file is there. False (nothing changed) when ``dest`` already exists."""
    dest = Path(dest)
    if dest.exists() or dest.is_symlink():
        return False
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=".rosterkit-", suffix=dest.suffix, dir=dest.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        write(tmp)
        os.chmod(tmp, 0o644)
        try:
            # A hard link fails when the name is taken, so a file that appears meanwhile is never replaced
            # (os.replace would replace it).
            os.link(tmp, dest)
        except FileExistsError:
            return False
        except OSError:
            # No hard links here (FAT/exFAT stick, some network shares): check, then rename, a narrow race.
            if dest.exists():
                return False
            os.replace(tmp, dest)
        return True
    finally:
        tmp.unlink(missing_ok=True)
