"""A process pool (or any Executor) gives the same results as a serial run, in input order."""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path

from builders import AS_OF
from rosterkit import check

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
