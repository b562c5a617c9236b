"""The per-file check runs on a Dask distributed cluster (``rosterkit[dask]``) and equals the serial run.

``rosterkit.check(..., executor=client.get_executor())`` sends each file to a Dask worker. The test skips when
dask.distributed is not installed, except under CI (``CI`` set), where the ``test`` extra installs it and a
missing install is a failure, not a silent skip.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from builders import AS_OF, output_cells
from rosterkit import check
from rosterkit.pipeline import report_inbox

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


def test_report_on_dask_writes_the_serial_outputs(tmp_path: Path) -> None:
    """report_inbox(executor=...) on worker processes of a LocalCluster: the per-file work there, the merge and the
    cadence here; every workbook written equals the serial run's."""
    info = EXAMPLES.parent / "学校信息.xlsx"
    serial = report_inbox(EXAMPLES, out=tmp_path / "serial", school_info=info, as_of=AS_OF, jobs=1)
    with LocalCluster(processes=True, n_workers=2, threads_per_worker=1, dashboard_address=None,
                      memory_limit="1GiB", local_directory=str(tmp_path / "dask")) as cluster, Client(cluster) as client:
        on_dask = report_inbox(EXAMPLES, out=tmp_path / "dask_out", school_info=info, as_of=AS_OF,
                               executor=client.get_executor())
    assert output_cells(tmp_path / "serial") == output_cells(tmp_path / "dask_out")
    assert serial.summary() | {"outputs": {}} == on_dask.summary() | {"outputs": {}}


def test_cli_scheduler_address(tmp_path: Path) -> None:
    """``rosterkit report --scheduler ADDRESS`` connects a client to that scheduler and runs the files there."""
    from click.testing import CliRunner

    from rosterkit.cli import cli

    with LocalCluster(processes=False, n_workers=1, threads_per_worker=2, dashboard_address=None) as cluster:
        result = CliRunner().invoke(cli, ["report", str(EXAMPLES), "--school-info", str(EXAMPLES.parent / "学校信息.xlsx"),
                                          "-o", str(tmp_path / "out"), "--as-of", AS_OF.isoformat(), "--json",
                                          "--scheduler", cluster.scheduler_address])
        seen = cluster.scheduler.transition_counter  # the files' tasks went through this scheduler
    assert result.exit_code == 1, result.output  # the example school has problems and overdue students
    assert '"problems": 3' in result.output and seen >= 6 * 3  # each file's task: released → waiting → processing → memory
    assert output_cells(tmp_path / "out")["学校花名册.xlsx"]
