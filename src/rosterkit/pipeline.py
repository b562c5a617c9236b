"""The coordinator's jobs, each one library call behind one CLI command: check → merge → write."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Callable, Iterable

from .check import check, collect_inputs, default_out
from .merge import MergeResult, merge

from .write.roster import MASKED_NAME as MASKED_ROSTER_NAME, ROSTER_NAME


def merge_inbox(
    inbox: str | Path | Iterable[str | Path],
    *,
    out: str | Path | None = None,
    school_info: str | Path | None = None,
    mask: bool = False,
    include_invalid: bool = False,
    as_of: dt.date | None = None,
    policy: str | Path | None = None,
    progress: Callable[[int, int, Any], None] | None = None,
) -> tuple[MergeResult, Path]:
    """Check the inbox, merge it and write 学校花名册.xlsx (or, with ``mask``, 学校花名册_脱敏.xlsx) into ``out``."""
    from .write.outputs import guard_output
    from .write.roster import write_school_roster

    files = collect_inputs(inbox)
    target = Path(out) if out else default_out(files)
    guard_output(target, files)
    report = check(files, as_of=as_of, policy=policy, write=False, progress=progress)
    result = merge(report, school_info=school_info, include_invalid=include_invalid)
    dest = target / (MASKED_ROSTER_NAME if mask else ROSTER_NAME)
    write_school_roster(result, dest, mask=mask, on=as_of)
    return result, dest
