"""Scale-out: the per-file work on a Dask distributed cluster (the optional extra ``rosterkit[dask]``).

Nothing here schedules anything: a ``dask.distributed.Client`` connected to the given scheduler provides a
``concurrent.futures.Executor`` (``client.get_executor()``), which :func:`rosterkit.check` and the pipeline
accept as ``executor=``. The merge and the cadence then run on this machine, the client.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import Executor
from contextlib import contextmanager

from rosterkit.errors import InputError


@contextmanager
def dask_executor(address: str | None, *, timeout: float = 10) -> Iterator[Executor | None]:
    """Yield the executor of a Dask client connected to the scheduler at ``address`` (``tcp://host:8786``),
    closed afterwards; ``None`` when ``address`` is None. :class:`InputError` when dask.distributed is not
    installed or the scheduler cannot be reached within ``timeout`` seconds."""
    if address is None:
        yield None
        return
    try:
        from dask.distributed import Client
    except ImportError:
        raise InputError("--scheduler 需要安装 Dask：pip install 'rosterkit[dask]'") from None
    try:
        client = Client(address, timeout=timeout)
    except (OSError, TimeoutError) as exc:
        raise InputError(f"无法连接 Dask 调度器 {address}：{exc}") from None
    with client:
        yield client.get_executor()
