"""Where work runs: isolated per-file workers with limits, forked writers and the relay, memory hygiene, a Dask cluster. Only the pipeline imports it."""
