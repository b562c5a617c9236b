"""The store's SQLite schema: its tables, its version and the migrations, and how a store file is opened.

A store is one SQLite file (WAL mode) holding every recorded round of a school or county. It holds personal data
unmasked, so it is created readable by its owner only, and it stays a local file. ``store_info`` says what the
file is (``application`` = ``rosterkit-store``) and which schema it has (``schema_version``): a file that is not a
store, or a store written by a newer rosterkit, is refused (:class:`~rosterkit.errors.InputError`, exit 2), and an
older store is migrated forward, each step in its own transaction. The tables are documented in
docs/store.md; their SQL is plain enough for ``pandas.read_sql`` or DuckDB's sqlite scanner.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
from pathlib import Path

from rosterkit.errors import InputError

APPLICATION = "rosterkit-store"
SCHEMA_VERSION = 1
BUSY_SECONDS = 30.0  # how long a run waits for another run's round to be written before it gives up

# MIGRATIONS[v] brings a store from version v - 1 to v. Version 1 is the first schema; a later version appends
# its statements here (ALTER TABLE …, CREATE TABLE …) and raises SCHEMA_VERSION.
MIGRATIONS: dict[int, list[str]] = {
    1: [
        """CREATE TABLE rounds (
            round_id INTEGER PRIMARY KEY AUTOINCREMENT,
            scope TEXT NOT NULL,            -- whose round: 学校信息's 学校名称, else the schools of the roster
            term TEXT NOT NULL DEFAULT '',  -- 学年学期 as 学校信息 gives it
            report_date TEXT NOT NULL,      -- the run's --as-of (ISO date)
            recorded_at TEXT NOT NULL,      -- when it was stored (ISO, UTC)
            rosterkit_version TEXT NOT NULL,
            files INTEGER NOT NULL, students INTEGER NOT NULL, contacts INTEGER NOT NULL, problems INTEGER NOT NULL,
            UNIQUE (scope, report_date))""",
        """CREATE TABLE round_files (
            round_id INTEGER NOT NULL REFERENCES rounds ON DELETE CASCADE,
            name TEXT NOT NULL, sha256 TEXT NOT NULL, size INTEGER NOT NULL, status TEXT NOT NULL,
            school TEXT, grade TEXT, class TEXT, head_teacher TEXT, filled_on TEXT,
            roster_rows INTEGER NOT NULL, log_rows INTEGER NOT NULL, errors INTEGER NOT NULL, warnings INTEGER NOT NULL,
            PRIMARY KEY (round_id, name))""",
        """CREATE TABLE students (
            round_id INTEGER NOT NULL REFERENCES rounds ON DELETE CASCADE,
            person TEXT NOT NULL,           -- the student across rounds (see docs/store.md: identity)
            id_number TEXT, student_no TEXT, name TEXT, gender TEXT, birth_date TEXT,
            school TEXT, grade TEXT, class TEXT, mentor TEXT, categories TEXT,
            valid INTEGER NOT NULL,         -- 0: a row left out of 学校花名册 for data errors (still a student)
            file TEXT NOT NULL, row INTEGER NOT NULL,
            compliance_rate REAL, periods_met INTEGER, periods_missed INTEGER, overdue_items INTEGER,
            record TEXT NOT NULL,           -- JSON: every cleaned field of the ledger row, by field key
            PRIMARY KEY (round_id, person))""",
        "CREATE INDEX students_class ON students (round_id, school, grade, class)",  # one class's files, fast
        """CREATE TABLE contacts (
            round_id INTEGER NOT NULL REFERENCES rounds ON DELETE CASCADE,
            person TEXT,                    -- NULL: the row names no student of the roster
            date TEXT, kind TEXT, party TEXT, mentor TEXT, content TEXT, follow_up TEXT,
            student_name TEXT, id_number TEXT,  -- as the log row names the student
            valid INTEGER NOT NULL, file TEXT NOT NULL, row INTEGER NOT NULL)""",
        "CREATE INDEX contacts_person ON contacts (person, date)",
        """CREATE TABLE outcomes (
            round_id INTEGER NOT NULL REFERENCES rounds ON DELETE CASCADE,
            person TEXT NOT NULL, rule TEXT NOT NULL, periods INTEGER NOT NULL,
            met INTEGER NOT NULL, missed INTEGER NOT NULL, in_progress INTEGER NOT NULL,
            upcoming INTEGER NOT NULL, unreported INTEGER NOT NULL, last_outcome TEXT,
            PRIMARY KEY (round_id, person, rule))""",
        """CREATE TABLE problems (
            round_id INTEGER NOT NULL REFERENCES rounds ON DELETE CASCADE,
            file TEXT, sheet TEXT, cell TEXT, column_label TEXT, value TEXT,
            code TEXT NOT NULL, severity TEXT NOT NULL, message TEXT NOT NULL)""",
        """CREATE TABLE links (
            round_id INTEGER NOT NULL REFERENCES rounds ON DELETE CASCADE,
            person TEXT NOT NULL, old_id TEXT NOT NULL, new_id TEXT NOT NULL, name TEXT, how TEXT NOT NULL)""",
    ],
}


def _is_store(db: sqlite3.Connection) -> int | None:
    """The schema version of a store, or None when the SQLite file is no rosterkit store."""
    if db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'store_info'").fetchone() is None:
        return None
    info = dict(db.execute("SELECT key, value FROM store_info").fetchall())
    if info.get("application") != APPLICATION:
        return None
    return int(info.get("schema_version", "0"))


def _create_private(path: Path) -> None:
    """An empty file readable by its owner only (SQLite gives its -wal and -shm files the same mode)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.close(fd)


def connect(path: str | Path, *, create: bool) -> sqlite3.Connection:
    """Open the store at ``path`` (created when missing and ``create``), migrated to :data:`SCHEMA_VERSION`.

    Refused with :class:`InputError`: a folder that does not exist, a file that is not a rosterkit store, a store
    of a newer rosterkit, a missing store when not ``create``."""
    p = Path(path)
    if not p.parent.is_dir():
        raise InputError(f"存档所在的文件夹不存在：{p.parent}（请先建好文件夹，或换一个位置）")
    fresh = not p.exists()
    if fresh and not create:
        raise InputError(f"找不到存档：{p}（用 rosterkit report … --store {p.name} 先存入一轮）")
    if p.is_dir():
        raise InputError(f"存档应是一个文件，这里是文件夹：{p}")
    if fresh:
        _create_private(p)
    db = sqlite3.connect(p, timeout=BUSY_SECONDS, isolation_level=None)  # transactions are explicit
    try:
        version = _version(db, p, fresh)
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA foreign_keys = ON")
        db.execute("PRAGMA synchronous = NORMAL")  # WAL: a power cut may lose the last round, never corrupt one
        _migrate(db, version)
    except BaseException:
        db.close()
        raise
    return db


def _version(db: sqlite3.Connection, p: Path, fresh: bool) -> int:
    try:
        if fresh:
            return 0
        version = _is_store(db)
    except sqlite3.DatabaseError as exc:  # not SQLite at all (a workbook named .db, a damaged file)
        raise InputError(f"{p.name} 不是 rosterkit 的存档（{exc}）：请换一个文件名，不要覆盖它") from exc
    if version is None:
        raise InputError(f"{p.name} 是一个 SQLite 数据库，但不是 rosterkit 的存档：请换一个文件名，不要覆盖它")
    if version > SCHEMA_VERSION:
        raise InputError(f"{p.name} 由更新版本的 rosterkit 写入（存档格式第 {version} 版，本程序只认到第 "
                         f"{SCHEMA_VERSION} 版）：请先升级 rosterkit")
    return version


def _migrate(db: sqlite3.Connection, version: int) -> None:
    """Bring the store up to :data:`SCHEMA_VERSION`, one version per transaction."""
    for target in range(version + 1, SCHEMA_VERSION + 1):
        db.execute("BEGIN IMMEDIATE")
        try:
            if target == 1:
                db.execute("CREATE TABLE store_info (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
                db.executemany("INSERT INTO store_info VALUES (?, ?)", [
                    ("application", APPLICATION),
                    ("created_at", dt.datetime.now(dt.UTC).isoformat(timespec="seconds"))])
            for statement in MIGRATIONS[target]:
                db.execute(statement)
            db.execute("INSERT OR REPLACE INTO store_info VALUES ('schema_version', ?)", (str(target),))
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise


def check_store(path: str | Path) -> None:
    """Refuse a store path that cannot be used (see :func:`connect`) before a run does its work; nothing is
    created or changed."""
    p = Path(path)
    if not p.exists():
        if not p.parent.is_dir():
            raise InputError(f"存档所在的文件夹不存在：{p.parent}（请先建好文件夹，或换一个位置）")
        return
    connect(p, create=False).close()
