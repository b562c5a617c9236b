"""A finished run → one round of the store, written in one transaction.

What a round holds: the files (with their SHA-256), each student's cleaned record as of the round, every
contact row, the cadence per student and rule, and the problems. Re-recording a round (the same scope and
report date) replaces it in the same transaction: a run killed half-way leaves the store as it was.

Identity across rounds: a student is their ID number, their 学籍号 when there is none, else name, birth date and
class. A student whose ID number changed since the previous round (a typo corrected) keeps their identity
when exactly one student of the previous round who is missing now has the same name, birth date and class: the
link is stored (``links``) and reported.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import sqlite3
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from rosterkit.core.idcard import digits_lost
from rosterkit.errors import InputError
from rosterkit.history.schema import connect
from rosterkit.merging.school import class_id

if TYPE_CHECKING:
    from rosterkit.cadence.engine import Cadence
    from rosterkit.checking.report import CheckReport
    from rosterkit.merging.merge import MergeResult

__all__ = ["Link", "Recorded", "previous_round", "record_round", "round_scope", "round_students", "student_rows"]


@dataclass(frozen=True)
class Link:
    """A student whose ID number changed between two rounds, known as one student by name, birth date and class."""

    name: str
    old_id: str
    new_id: str


@dataclass
class Recorded:
    """What :func:`record_round` stored: the round's number, scope and date, its counts, whether it replaced a
    round of the same date (and whether that one came from other files), and the identity links made."""

    path: Path
    round_id: int
    scope: str
    report_date: dt.date
    students: int
    contacts: int
    replaced: bool = False
    files_changed: bool = False  # the replaced round was recorded from other files (or other versions of them)
    links: list[Link] = field(default_factory=list)
    previous: dt.date | None = None  # the report date of the round before, when there is one

    def to_dict(self) -> dict[str, Any]:
        return {"path": str(self.path), "round": self.round_id, "scope": self.scope,
                "report_date": self.report_date.isoformat(), "students": self.students, "contacts": self.contacts,
                "replaced": self.replaced, "files_changed": self.files_changed,
                "previous": self.previous.isoformat() if self.previous else None,
                "links": [link.__dict__ for link in self.links]}


def _text(v: Any) -> str | None:
    """A cell for a TEXT column: dates as ISO, choices joined with 、, blanks as NULL."""
    if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NaT:
        return None
    if isinstance(v, (dt.date, dt.datetime)):
        return v.isoformat()
    if isinstance(v, (tuple, list)):
        return "、".join(str(x) for x in v)
    return str(v)


def _blank(v: Any) -> bool:
    return v is None or v == "" or v == () or v == [] or (isinstance(v, float) and math.isnan(v)) or v is pd.NaT


def _default(v: Any) -> Any:
    """What json cannot write itself: dates as ISO, numpy scalars as Python ones, anything else as text."""
    if isinstance(v, (dt.date, dt.datetime)):
        return v.isoformat()
    if hasattr(v, "item"):
        return v.item()
    return str(v)


# Not the student's data: where the row sat, its number, what the check said of it, our own working keys
_NOT_RECORD = frozenset({"valid", "file", "row", "source_file", "source_row", "seq", "problems", "_person"})


def _json(record: dict[Hashable, Any]) -> str:
    """A student's record as compact JSON: blank fields left out (a missing key reads as blank); 多选 as a list."""
    return json.dumps({str(k): v for k, v in record.items() if k not in _NOT_RECORD and v is not None
                       and (type(v) is str and v != "" or type(v) is not str and not _blank(v))},
                      ensure_ascii=False, separators=(",", ":"), default=_default)  # keys in template order


def person_of(rec: dict[Hashable, Any]) -> str:
    """The identity key of a student record: ID number, else 学籍号, else name, birth date and class."""
    number = rec.get("id_number")
    if isinstance(number, str) and number and not digits_lost(number):
        return number
    code = rec.get("student_no")
    if isinstance(code, str) and code:
        return f"学籍号:{code}"
    school, grade, klass = class_id(rec.get("school"), rec.get("grade"), rec.get("class"))
    return f"姓名:{rec.get('name') or ''}|{_text(rec.get('birth_date')) or ''}|{school}|{grade}|{klass}"


def round_scope(merged: MergeResult) -> str:
    """Whose round this is: 学校信息's 学校名称, else the schools of the roster (a county's several)."""
    if merged.school.name:
        return merged.school.name
    schools = sorted({s for s in merged.roster.get("school", pd.Series(dtype=object)).dropna() if s})
    return "、".join(schools) or "（未填写学校）"


def _sha256(path: Path) -> tuple[str, int]:
    h = hashlib.sha256()
    size = 0
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
            size += len(chunk)
    return h.hexdigest(), size


def round_students(merged: MergeResult) -> list[dict[Hashable, Any]]:
    """Every student of the round: the roster's rows, then the rows left out for data errors (a student with a
    mistyped phone is still a student); the first row of a student listed twice."""
    roster = merged.roster
    names = list(roster.columns)
    # column lists zipped into dicts: DataFrame.to_dict boxes every value (seconds for a county's 90,000 rows)
    valid = roster["valid"].tolist() if "valid" in roster else [True] * len(roster)
    rows: list[dict[Hashable, Any]] = [{**dict(zip(names, values)), "valid": bool(ok), "file": f, "row": int(r)}
            for values, ok, f, r in zip(zip(*(roster[c].tolist() for c in names)), valid,
                                        roster["source_file"].tolist(), roster["source_row"].tolist())]
    left = merged.left_out
    if len(left):
        rows += [{**r["record"], "valid": False, "file": r["file"], "row": int(r["row"])}
                 for r in left[left["kind"] == "errors"].to_dict("records") if isinstance(r.get("record"), dict)]
    return rows


_OUTCOMES = ("达标", "未达标", "进行中", "未到期", "未报")


def _codes(column: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """Integer codes of a column and the values they stand for; the cadence's columns are categorical already
    (their codes are free: no three million strings made and hashed again)."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        return column.cat.codes.to_numpy().astype(np.int64), column.cat.categories.astype(str)
    codes, names = pd.factorize(column.astype(str))
    return codes.astype(np.int64), pd.Index(names)


def _outcomes(cad: Cadence, person_at: dict[str, str]) -> list[tuple[Any, ...]]:
    """Per student and rule: periods owed and how they ended, and the last closed period's outcome. Counted on
    integer codes (a county's periods table has ~3M rows)."""
    p = cad.periods
    if not len(p):
        return []
    keys, key_names = _codes(p["student_key"])
    rules, rule_names = _codes(p["rule"])
    outcome = pd.Categorical(p["outcome"], categories=_OUTCOMES).codes.astype(np.int64)
    pair = keys * len(rule_names) + rules
    k = len(_OUTCOMES)
    ok = (outcome >= 0) & (keys >= 0) & (rules >= 0)  # -1: a blank key or rule, counted nowhere
    counts = np.bincount(pair[ok] * k + outcome[ok], minlength=len(key_names) * len(rule_names) * k).reshape(-1, k)
    closed = np.flatnonzero(ok & (outcome <= 1))  # 达标, 未达标
    order = closed[np.lexsort((p["period_no"].to_numpy()[closed], pair[closed]))]
    last_at = np.full(len(counts), -1, dtype=np.int64)
    last_at[pair[order]] = outcome[order]  # later periods overwrite earlier ones: the last closed period's
    # a student listed in two classes: each rule counted once, from the first listing that has it
    key_person = [person_at.get(str(k)) for k in key_names]
    pid, _ = pd.factorize(pd.Series(key_person, dtype=object), use_na_sentinel=True)
    width = len(rule_names)
    used = np.flatnonzero(counts.sum(axis=1))  # in the cadence's order of students
    who = pid[used // width]
    used, who = used[who >= 0], who[who >= 0]
    _, first = np.unique(who.astype(np.int64) * width + used % width, return_index=True)
    used = used[np.sort(first)]
    names = [_OUTCOMES[i] if i >= 0 else None for i in last_at[used].tolist()]
    return list(zip(np.asarray(key_person, dtype=object)[used // width].tolist(),
                    np.asarray(rule_names, dtype=object)[used % width].astype(str).tolist(),
                    counts[used].sum(axis=1).tolist(), *counts[used].T.tolist(), names))


def record_round(store: str | Path, report: CheckReport, merged: MergeResult, cad: Cadence, *,
                 inputs: Iterable[Path] = ()) -> Recorded:
    """Record one run (its check, merge and cadence) as a round of the store at ``store``; returns what was
    stored. ``inputs``: the files the run read, whose SHA-256 the round keeps (by their names in the run)."""
    from rosterkit import __version__

    path = Path(store)
    db = connect(path, create=True)
    db.execute("PRAGMA cache_size = -32768")  # 32 MB for this round's pages (SQLite's default: 2 MB)
    try:
        return _record(db, path, report, merged, cad, list(inputs), __version__)
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            raise InputError(f"存档 {path.name} 正被另一次运行写入，等了 30 秒仍未结束：请等它完成后再运行") from exc
        raise
    finally:
        db.close()


def _record(db: sqlite3.Connection, path: Path, report: CheckReport, merged: MergeResult, cad: Cadence,
            inputs: list[Path], version: str) -> Recorded:
    scope, day = round_scope(merged), cad.as_of
    by_name = {f.name: f for f in report.files}
    paths = {f.name: f.path for f in report.files}
    files = []
    for name, f in by_name.items():
        digest, size = _sha256(paths[name]) if paths[name].is_file() else ("", 0)
        m = f.meta
        files.append((name, digest, size, f.status, _text(m.get("school")), _text(m.get("grade")),
                      _text(m.get("class")), _text(m.get("head_teacher")), _text(m.get("filled_on")),
                      f.rows["roster"], f.rows["log"], f.errors, f.warnings))
    students = round_students(merged)
    db.execute("BEGIN IMMEDIATE")  # the write lock now: another run's round waits (BUSY_SECONDS) or fails here
    try:
        old = db.execute("SELECT round_id FROM rounds WHERE scope = ? AND report_date = ?",
                         (scope, day.isoformat())).fetchone()
        files_changed = False
        if old is not None:
            before = set(db.execute("SELECT name, sha256 FROM round_files WHERE round_id = ?", old).fetchall())
            files_changed = before != {(x[0], x[1]) for x in files}
            db.execute("DELETE FROM rounds WHERE round_id = ?", old)  # ON DELETE CASCADE: its rows too
        prev = previous_round(db, scope, day)
        rows, person_at, links = student_rows(db, students, prev[0] if prev else None)
        contacts = _contacts(report, merged, person_at)
        issues = [(i.file, i.sheet, i.cell, i.column, i.value, i.code, i.severity, i.message) for i in report.issues]
        cur = db.execute(
            "INSERT INTO rounds (scope, term, report_date, recorded_at, rosterkit_version, files, students, contacts,"
            " problems) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (scope, merged.school.term or "", day.isoformat(),
             dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), version, len(files), len(rows),
             len(contacts), len(issues)))
        rid = cur.lastrowid
        db.executemany(f"INSERT INTO round_files VALUES ({rid}, {', '.join('?' * 13)})", files)
        _add_cadence(rows, cad, person_at)
        db.executemany(f"INSERT INTO students VALUES ({rid}, {', '.join('?' * 19)})", rows)
        db.executemany(f"INSERT INTO contacts VALUES ({rid}, {', '.join('?' * 12)})", contacts)
        db.executemany(f"INSERT INTO outcomes VALUES ({rid}, {', '.join('?' * 9)})", _outcomes(cad, person_at))
        db.executemany(f"INSERT INTO problems VALUES ({rid}, {', '.join('?' * 8)})", issues)
        db.executemany(f"INSERT INTO links VALUES ({rid}, ?, ?, ?, ?, 'name+birth+class')",
                       [(person, link.old_id, link.new_id, link.name) for person, link in links])
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise
    assert rid is not None
    return Recorded(path, rid, scope, day, len(rows), len(contacts), replaced=old is not None,
                    files_changed=files_changed, links=[link for _, link in links],
                    previous=dt.date.fromisoformat(prev[1]) if prev else None)


def previous_round(db: sqlite3.Connection, scope: str, day: dt.date) -> tuple[int, str] | None:
    """(round_id, report_date) of the last round of ``scope`` before ``day``, if any."""
    row = db.execute("SELECT round_id, report_date FROM rounds WHERE scope = ? AND report_date < ? "
                     "ORDER BY report_date DESC LIMIT 1", (scope, day.isoformat())).fetchone()
    return (int(row[0]), str(row[1])) if row else None


# the students table's own columns, after person (text: most cells are, and pass as they are)
_COLUMNS = ("id_number", "student_no", "name", "gender", "birth_date", "school", "grade", "class", "mentor",
            "categories")


def student_rows(db: sqlite3.Connection, students: list[dict[Hashable, Any]], prev: int | None
                 ) -> tuple[list[tuple[Any, ...]], dict[str, str], list[tuple[str, Link]]]:
    """The ``students`` rows of a round (one per person, cadence figures still None), the person of each source
    row (``file#row``), and the identity links made against the round ``prev``."""
    links = _identities(db, students, prev)
    person_at: dict[str, str] = {}
    rows, seen = [], set()
    for rec in students:
        person = rec["_person"]
        person_at[f"{rec['file']}#{rec['row']}"] = person
        if person in seen:
            continue  # a student listed twice (duplicate-student, or in two classes): the first row
        seen.add(person)
        rows.append((person, *[v if type(v) is str else _text(v) for v in map(rec.get, _COLUMNS)],
                     int(bool(rec["valid"])), rec["file"], rec["row"],
                     None, None, None, None,  # the cadence's figures: _add_cadence
                     _json(rec)))
    return rows, person_at, links


def _identities(db: sqlite3.Connection, students: list[dict[Hashable, Any]], prev: int | None
                ) -> list[tuple[str, Link]]:
    """Each student's person key (in ``_person``); a new ID number whose student the previous round knew under
    another (same name, birth date and class, that one missing now) keeps the old person: the links made."""
    for rec in students:
        rec["_person"] = person_of(rec)
    if prev is None:
        return []
    before = db.execute("SELECT person, id_number, name, birth_date, school, grade, class FROM students "
                        "WHERE round_id = ?", (prev,)).fetchall()
    known = {row[0] for row in before}
    # a student linked in an earlier round keeps that round's person: found by the ID number they had last time
    by_number = {number: person for person, number, *_ in before if number}
    for rec in students:
        if rec["_person"] not in known:
            rec["_person"] = by_number.get(_text(rec.get("id_number")) or "", rec["_person"])
    now = {rec["_person"] for rec in students}
    gone: dict[tuple[Any, ...], list[tuple[str, str]]] = {}
    for person, number, name, birth, school, grade, klass in before:
        if person not in now:
            gone.setdefault((name, birth, *class_id(school, grade, klass)), []).append((person, number or ""))
    links = []
    for rec in students:
        if rec["_person"] in known:
            continue
        sig = (_text(rec.get("name")), _text(rec.get("birth_date")), *class_id(rec.get("school"), rec.get("grade"),
                                                                              rec.get("class")))
        candidates = gone.get(sig, [])
        if len(candidates) == 1 and sig[0] and sig[1]:
            person, old_id = candidates.pop()
            links.append((person, Link(str(sig[0]), old_id, _text(rec.get("id_number")) or "")))
            rec["_person"] = person
    return links


def _add_cadence(rows: list[tuple[Any, ...]], cad: Cadence, person_at: dict[str, str]) -> None:
    """Each stored student's compliance figures from the cadence (in place: columns 14–17 of the row)."""
    st = cad.students
    if not len(st):
        return
    figures: dict[str, tuple[Any, ...]] = {}
    for key, rate, met, missed, overdue in zip(st["student_key"].astype(str), st["compliance_rate"],
                                               st["periods_met"], st["periods_missed"], st["overdue_items"]):
        person = person_at.get(key)
        if person is not None and person not in figures:
            figures[person] = (None if pd.isna(rate) else float(rate), int(met), int(missed), int(overdue))
    for i, row in enumerate(rows):
        got = figures.get(row[0])
        if got is not None:
            rows[i] = (*row[:14], *got, row[18])


_CONTACT_COLUMNS = ("date", "kind", "party", "mentor", "content", "follow_up", "student_name", "id_number")


def _contacts(report: CheckReport, merged: MergeResult, person_at: dict[str, str]) -> list[tuple[Any, ...]]:
    """Every contact row of the files the roster was made from (not of a class's older, superseded file)."""
    used = set(merged.roster.get("source_file", pd.Series(dtype=object))) | set(
        merged.left_out["file"] if len(merged.left_out) else ())
    rows_of: dict[str, dict[int, str]] = {}  # file → Excel row → person: no string built per contact
    for at, who in person_at.items():
        name, _, row = at.rpartition("#")
        rows_of.setdefault(name, {})[int(row)] = who
    out = []
    for f in report.files:
        log = f.frames.get("log")
        if f.name not in used or log is None or log.empty:
            continue
        mine = rows_of.get(f.name, {})
        n = len(log)
        columns = [[v if type(v) is str else _text(v) for v in log[c].tolist()] if c in log else [None] * n
                   for c in _CONTACT_COLUMNS]
        linked = log["student_row"].tolist() if "student_row" in log else [None] * n
        valid = log["valid"].tolist() if "valid" in log else [True] * n
        for row, link, ok, values in zip(log.index.tolist(), linked, valid, zip(*columns)):
            person = None if link is None or pd.isna(link) else mine.get(int(link))
            out.append((person, *values, int(bool(ok)), f.name, int(row)))
    return out
