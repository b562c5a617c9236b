"""Every odd real-world spreadsheet of tests/corpus/calamine ends as a per-file status with codes."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from rosterkit import check
from rosterkit.issues import CODES

CORPUS = Path(__file__).resolve().parent / "corpus" / "calamine"
FILES = sorted(p for p in CORPUS.glob("*") if p.suffix.lower() in (".xls", ".xlsx", ".xlsm", ".xlsb", ".ods"))


def _hashes() -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in FILES}


def test_corpus_is_there() -> None:
    assert len(FILES) > 100, f"expected the calamine corpus in the repository at {CORPUS}"


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_each_corpus_file_gets_a_status(path: Path, tmp_path: Path) -> None:
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    start = time.monotonic()
    report = check([path], out=tmp_path / "out", as_of=dt.date(2026, 11, 23))
    assert time.monotonic() - start < 10  # a hang guard, not a speed test
    f = report.files[0]
    assert f.status in ("problems", "unreadable")  # none of them is a class ledger
    assert f.issues and all(i.code in CODES for i in f.issues)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before


def test_cli_over_the_whole_corpus(tmp_path: Path) -> None:
    before = _hashes()
    proc = subprocess.run([sys.executable, "-m", "rosterkit", "check", str(CORPUS), "-o", str(tmp_path / "out"),
                           "--json", "--as-of", "2026-11-23"], capture_output=True, text=True, timeout=600)
    assert "Traceback" not in proc.stderr, proc.stderr[-2000:]
    assert proc.returncode == 1
    data = json.loads(proc.stdout)
    assert {Path(f["path"]).name for f in data["files"]} == {p.name for p in FILES}
    statuses = {Path(f["path"]).name: f["status"] for f in data["files"]}
    assert statuses["pass_protected.xlsx"] == "unreadable"
    assert statuses["too_small.xls"] == "unreadable"
    assert data["summary"]["files"] == len(FILES)
    assert _hashes() == before
    assert not any(p.name.startswith(".rosterkit-") for p in (tmp_path / "out").iterdir())  # no temp leftovers
