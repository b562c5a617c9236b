"""The per-file check runs on a Dask distributed cluster (``rosterkit[dask]``) and equals the serial run.

``rosterkit.check(..., executor=client.get_executor())`` sends each file to a Dask worker. The test skips when
dask.distributed is not installed, except under CI (``CI`` set), where the ``test`` extra installs it and a
missing install is a failure, not a silent skip.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from builders import AS_OF
from rosterkit import check

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "inbox"

try:
    from dask.distributed import Client, LocalCluster
except ImportError:  # pragma: no cover - depends on the environment
    if os.environ.get("CI"):
        raise ImportError("dask[distributed] is required under CI: pip install -e '.[test]'") from None
    pytest.skip("dask[distributed] not installed (pip install 'rosterkit[dask]')", allow_module_level=True)


def _same(a, b) -> None:  # type: ignore[no-untyped-def]
    assert a.to_dict() == b.to_dict()
    assert [f.name for f in a.files] == [f.name for f in b.files]
    for fa, fb in zip(a.files, b.files):
        assert fa.frames.keys() == fb.frames.keys()
        for role in fa.frames:
            assert fa.frames[role].equals(fb.frames[role]), (fa.name, role)
            assert list(fa.frames[role].columns) == list(fb.frames[role].columns)


@pytest.fixture(scope="module")
def serial():  # type: ignore[no-untyped-def]
    return check(EXAMPLES, as_of=AS_OF, write=False, jobs=1)


def test_dask_threads_equal_serial(serial) -> None:  # type: ignore[no-untyped-def]
    with LocalCluster(processes=False, n_workers=1, threads_per_worker=2, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        seen: list[int] = []
        on_dask = check(EXAMPLES, as_of=AS_OF, write=False, executor=client.get_executor(),
                        progress=lambda done, total, _r: seen.append(done))
    _same(serial, on_dask)
    assert seen == list(range(1, 7))


def test_dask_worker_processes_equal_serial(serial, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Two worker processes: every file and result crosses a process boundary (pickled), as on a real cluster."""
    with LocalCluster(processes=True, n_workers=2, threads_per_worker=1, dashboard_address=None,
                      memory_limit="1GiB", local_directory=str(tmp_path)) as cluster, Client(cluster) as client:
        on_dask = check(EXAMPLES, as_of=AS_OF, write=False, executor=client.get_executor())
    _same(serial, on_dask)
    assert [f.status for f in on_dask.files].count("problems") == 3
