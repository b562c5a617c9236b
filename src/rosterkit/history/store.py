"""A store opened for reading: every table as a DataFrame, for notebooks and for the commands that look back.

    with rosterkit.open_store("帮扶存档.db") as store:
        store.rounds                    # one row per round: scope, term, report_date, counts
        store.students                  # one row per student per round, with the round's scope and date
        store.contacts, store.outcomes, store.problems, store.links, store.files

Plain SQL works as well (``store.query("SELECT …")``, or ``pandas.read_sql`` on the file); see docs/store.md.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd

from rosterkit.errors import InputError
from rosterkit.history.schema import connect

__all__ = ["Store", "open_store", "opened"]

_WITH_ROUND = ("SELECT r.scope, r.report_date, t.* FROM {table} AS t JOIN rounds AS r USING (round_id) "
               "ORDER BY r.report_date, t.rowid")


class Store:
    """An open store (see :func:`open_store`); a context manager, closed on exit."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.db: sqlite3.Connection = connect(self.path, create=False)

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.db.close()

    def query(self, sql: str, params: tuple[Any, ...] | dict[str, Any] = ()) -> pd.DataFrame:
        """Any SELECT over the store's tables, as a DataFrame."""
        return pd.read_sql_query(sql, self.db, params=params)

    def scope_rounds(self, scope: str | None = None) -> tuple[str, pd.DataFrame]:
        """(scope, its rounds oldest first); ``scope`` None: the scope of the latest round recorded.
        :class:`InputError` when the store holds no round, or none of ``scope``."""
        rounds = self.rounds
        if rounds.empty:
            raise InputError(f"存档 {self.path.name} 里还没有任何一轮")
        if scope is None:
            scope = str(rounds.sort_values(["report_date", "round_id"])["scope"].iloc[-1])
        mine = rounds[rounds["scope"] == scope].sort_values("report_date")
        if mine.empty:
            known = "、".join(sorted(set(rounds["scope"])))
            raise InputError(f"存档里没有「{scope}」的记录（存档里有：{known}）")
        return scope, mine

    def _table(self, table: str) -> pd.DataFrame:
        return self.query(_WITH_ROUND.format(table=table))

    @property
    def rounds(self) -> pd.DataFrame:
        """One row per recorded round, oldest first."""
        return self.query("SELECT * FROM rounds ORDER BY scope, report_date")

    @property
    def files(self) -> pd.DataFrame:
        return self._table("round_files")

    @property
    def students(self) -> pd.DataFrame:
        return self._table("students")

    @property
    def contacts(self) -> pd.DataFrame:
        return self._table("contacts")

    @property
    def outcomes(self) -> pd.DataFrame:
        return self._table("outcomes")

    @property
    def problems(self) -> pd.DataFrame:
        return self._table("problems")

    @property
    def links(self) -> pd.DataFrame:
        return self._table("links")


@contextlib.contextmanager
def opened(store: str | Path | Store) -> Iterator[Store]:
    """``store`` as an open Store: a path is opened here and closed after; a Store given stays open."""
    if isinstance(store, Store):
        yield store
        return
    s = Store(store)
    try:
        yield s
    finally:
        s.close()


def open_store(path: str | Path) -> Store:
    """Open the store at ``path`` for reading (it must exist; an older store is migrated first)."""
    return Store(path)
