"""The store (issue 17): every round kept in SQLite, one transaction each, identity across rounds, refusals."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from rosterkit import open_store
from rosterkit.errors import InputError
from rosterkit.history import schema
from rosterkit.history.schema import check_store, connect
from rosterkit.pipeline import report_inbox
from rosterkit.render import stored_lines
from rounds import DAYS, WRONG_ID, record_rounds

HERE = Path(__file__).resolve().parent


@pytest.fixture(scope="module")
def three(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    return record_rounds(tmp_path_factory.mktemp("rounds"))


def test_three_rounds_are_kept_with_their_students_contacts_outcomes_and_problems(three) -> None:  # type: ignore[no-untyped-def]
    with open_store(three.store) as store:
        rounds = store.rounds
        assert rounds["report_date"].tolist() == ["2026-10-12", "2026-11-23", "2027-03-22"]
        assert set(rounds["scope"]) == {"城关镇中心小学"}
        assert rounds["term"].tolist() == ["2026—2027学年第一学期"] * 2 + ["2026—2027学年第二学期"]
        students = store.students
        per_round = students.groupby("report_date")["name"].apply(sorted).to_dict()
        assert per_round["2026-10-12"] == sorted(["张小明", "李思雨", "王浩然", "刘子涵", "陈雨欣", "杨俊杰", "赵欣怡"])
        assert per_round["2026-11-23"] == sorted(["张小明", "李思雨", "王浩然", "黄梓轩", "陈雨欣", "杨俊杰", "赵欣怡"])
        assert rounds["students"].tolist() == [7, 7, 7]
        # every contact row of every round, linked to its student
        contacts = store.contacts
        assert contacts.groupby("report_date").size().tolist() == rounds["contacts"].tolist()
        assert contacts["person"].notna().all()
        assert len(contacts) == sum(len(f.frames["log"]) for run in three.runs for f in run.check.files)
        # the cadence per student and rule; the files with their hashes; the problems (none: clean ledgers)
        outcomes = store.outcomes
        assert set(outcomes["rule"]) and (outcomes["periods"] >= outcomes["met"] + outcomes["missed"]).all()
        files = store.files
        assert files.groupby("report_date").size().tolist() == [2, 2, 2]
        assert files["sha256"].str.fullmatch(r"[0-9a-f]{64}").all()
        assert store.problems.empty or set(store.problems["severity"]) <= {"warning"}
        record = json.loads(students.iloc[0]["record"])
        assert {"name", "id_number", "guardian_phone", "categories"} <= set(record)


def test_a_corrected_id_keeps_the_student_and_the_link_is_reported(three) -> None:  # type: ignore[no-untyped-def]
    with open_store(three.store) as store:
        wang = store.students[store.students["name"] == "王浩然"]
        assert wang["person"].nunique() == 1  # one student across the three rounds
        assert wang["id_number"].tolist()[0] == WRONG_ID and wang["id_number"].tolist()[1] != WRONG_ID
        links = store.links
        assert links[["report_date", "name", "old_id"]].values.tolist() == [["2026-11-23", "王浩然", WRONG_ID]]
    stored = three.runs[1].stored
    assert stored is not None and [x.name for x in stored.links] == ["王浩然"]
    assert three.runs[0].stored.previous is None and str(stored.previous) == "2026-10-12"


def test_the_store_is_the_owners_only(three) -> None:  # type: ignore[no-untyped-def]
    for p in [three.store, *three.store.parent.glob(three.store.name + "-*")]:
        assert stat.S_IMODE(p.stat().st_mode) & 0o077 == 0, p


def test_recording_a_round_again_replaces_it_and_says_whether_its_files_changed(tmp_path: Path) -> None:
    store = tmp_path / "s.db"
    first = record_rounds(tmp_path / "a", 1, store=store).runs[0].stored
    round1 = tmp_path / "a" / "round1"
    again = report_inbox(round1 / "inbox", out=tmp_path / "again", school_info=round1 / "学校信息.xlsx",
                         as_of=DAYS[0], jobs=1, store=store).stored
    assert first is not None and again is not None and not first.replaced
    assert again.replaced and not again.files_changed  # the very same files
    other = record_rounds(tmp_path / "b", 1, store=store).runs[0].stored  # the same rows in new files
    assert other is not None and other.replaced and other.files_changed
    assert "这次交来的文件与上次不同" in "\n".join(stored_lines(other.to_dict()))
    with open_store(store) as s:
        assert len(s.rounds) == 1 and len(s.students) == 7


def test_a_newer_store_a_foreign_file_and_a_missing_folder_are_refused(tmp_path: Path) -> None:
    (tmp_path / "notes.db").write_text("not a database at all")
    with pytest.raises(InputError, match="不是 rosterkit 的存档"):
        connect(tmp_path / "notes.db", create=True)
    other = sqlite3.connect(tmp_path / "other.db")
    other.execute("CREATE TABLE t (x)")
    other.commit()
    other.close()
    with pytest.raises(InputError, match="不是 rosterkit 的存档"):
        check_store(tmp_path / "other.db")
    connect(tmp_path / "new.db", create=True).close()
    db = sqlite3.connect(tmp_path / "new.db")
    db.execute("UPDATE store_info SET value = '99' WHERE key = 'schema_version'")
    db.commit()
    db.close()
    with pytest.raises(InputError, match="更新版本"):
        connect(tmp_path / "new.db", create=False)
    with pytest.raises(InputError, match="文件夹不存在"):
        check_store(tmp_path / "nowhere" / "s.db")
    with pytest.raises(InputError, match="找不到存档"):
        open_store(tmp_path / "missing.db")


def test_an_older_store_is_migrated_and_keeps_its_rounds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    record_rounds(tmp_path, 1)
    store = tmp_path / "帮扶存档.db"
    monkeypatch.setitem(schema.MIGRATIONS, 2, ["ALTER TABLE rounds ADD COLUMN note TEXT NOT NULL DEFAULT ''"])
    monkeypatch.setattr(schema, "SCHEMA_VERSION", 2)
    with open_store(store) as s:
        assert s.rounds["note"].tolist() == [""] and len(s.students) == 7
        assert s.query("SELECT value FROM store_info WHERE key = 'schema_version'").iloc[0, 0] == "2"


def test_a_second_writer_waits_then_gives_a_clear_message(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rounds = record_rounds(tmp_path, 1)
    holder = sqlite3.connect(rounds.store, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another run is writing its round
    monkeypatch.setattr(schema, "BUSY_SECONDS", 0.2)
    from rosterkit.history.record import record_round

    run = rounds.runs[0]
    assert run.merge is not None and run.cadence is not None
    with pytest.raises(InputError, match="正被另一次运行写入"):
        record_round(rounds.store, run.check, run.merge, run.cadence)
    holder.execute("ROLLBACK")
    holder.close()


KILLED = """
import sys, time
sys.path.insert(0, {tests!r})
import rosterkit.history.record as rec
real = rec._contacts
def slow(*a, **k):  # inside the round's transaction: say so, then wait to be killed
    out = real(*a, **k)
    open({marker!r}, "w").close()
    time.sleep(60)
    return out
rec._contacts = slow
from rounds import record_rounds
from pathlib import Path
record_rounds(Path({tmp!r}), 2, store=Path({store!r}))
"""


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
def test_a_round_killed_mid_write_leaves_the_previous_rounds_intact(tmp_path: Path) -> None:
    store = tmp_path / "帮扶存档.db"
    record_rounds(tmp_path / "first", 1, store=store)
    marker = tmp_path / "inside"
    code = KILLED.format(tests=str(HERE), marker=str(marker), tmp=str(tmp_path / "second"), store=str(store))
    proc = subprocess.Popen([sys.executable, "-c", code], env={**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(HERE.parent / "src"), os.environ.get("PYTHONPATH", "")])})
    deadline = time.monotonic() + 120
    while not marker.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.1)
    assert marker.exists(), "the second round never reached its transaction"
    # round 2 of that run writes round 1 again first (it replaces it), so the kill lands in round 1 or 2's write
    proc.send_signal(signal.SIGKILL)
    proc.wait(30)
    db = sqlite3.connect(store)
    assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert db.execute("SELECT report_date, students FROM rounds").fetchall() == [("2026-10-12", 7)]
    assert db.execute("SELECT COUNT(*) FROM students").fetchone() == (7,)
    db.close()


def test_a_student_listed_in_two_classes_is_one_student_of_the_round(tmp_path: Path) -> None:
    """The county corpus has such students: the round is stored (no traceback), the student once, their first
    listing's cadence."""
    from builders import AS_OF, ledger, school_info, student

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    ledger(inbox, "三年级1班.xlsx", students=[student(0), student(1)], meta={"班级": "1班"})
    ledger(inbox, "三年级2班.xlsx", students=[student(0), student(2)], meta={"班级": "2班"})
    info = school_info(tmp_path, [("三年级", "1班", "周丽"), ("三年级", "2班", "周丽")])
    run = report_inbox(inbox, out=tmp_path / "out", school_info=info, as_of=AS_OF, jobs=1, store=tmp_path / "s.db")
    assert run.stored is not None and run.stored.students == 3
    with open_store(tmp_path / "s.db") as s:
        assert s.students["name"].tolist().count("张小明") == 1
        assert not s.outcomes.duplicated(["person", "rule"]).any()
