"""`rosterkit init`: the coordinator's working folder, made without ever replacing a file."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from rosterkit.errors import InputError
from rosterkit.core.template import default_path
from rosterkit.workspace import GUIDE, INBOX, POLICY, SCHOOL_INFO, init_workspace
from rosterkit.xlsx.atomic import create_new


def rk(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "rosterkit", *args], capture_output=True, text=True, timeout=120,
                          cwd=cwd)


def test_init_makes_the_folder(tmp_path: Path) -> None:
    result = init_workspace(tmp_path / "德育处" / "2026秋")
    root = tmp_path / "德育处" / "2026秋"
    assert [p.name for p in result.created] == [SCHOOL_INFO, POLICY, INBOX, GUIDE] and result.kept == []
    assert (root / SCHOOL_INFO).read_bytes() == default_path("学校信息").read_bytes()
    assert (root / POLICY).read_bytes() == default_path("帮扶制度").read_bytes()
    assert (root / INBOX).is_dir() and not any((root / INBOX).iterdir())
    assert sorted(p.name for p in root.iterdir()) == sorted([SCHOOL_INFO, POLICY, INBOX, GUIDE])  # no temp left
    raw = (root / GUIDE).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM: Windows Notepad shows the Chinese right
    assert b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b"")
    text = raw.decode("utf-8-sig")
    assert "rosterkit distribute --school-info 学校信息.xlsx -o 下发/" in text
    assert "rosterkit report 收件箱/ --school-info 学校信息.xlsx --policy 帮扶制度.xlsx -o 结果/" in text
    assert "--mask" in text


def test_init_again_overwrites_nothing(tmp_path: Path) -> None:
    init_workspace(tmp_path)
    filled = tmp_path / SCHOOL_INFO
    filled.write_bytes(b"the coordinator's filled-in workbook")
    (tmp_path / INBOX / "三年级1班.xlsx").write_bytes(b"a returned ledger")
    (tmp_path / GUIDE).unlink()
    before = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in (filled, tmp_path / POLICY)}
    result = init_workspace(tmp_path)
    assert [p.name for p in result.created] == [GUIDE]
    assert [p.name for p in result.kept] == [SCHOOL_INFO, POLICY, INBOX]
    assert {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in before} == before
    assert (tmp_path / INBOX / "三年级1班.xlsx").read_bytes() == b"a returned ledger"
    assert "已存在，未覆盖：" + str(filled) in result.lines()


def test_init_refuses_a_file_or_an_entry_of_the_wrong_kind(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("x")
    with pytest.raises(InputError, match="不是文件夹"):
        init_workspace(tmp_path / "a.txt")
    with pytest.raises(InputError, match="路径中有一部分是文件"):
        init_workspace(tmp_path / "a.txt" / "sub")
    (tmp_path / "w").mkdir()
    (tmp_path / "w" / INBOX).write_text("not a folder")
    with pytest.raises(InputError, match="不是文件夹"):
        init_workspace(tmp_path / "w")
    assert [p.name for p in (tmp_path / "w").iterdir()] == [INBOX]  # checked before anything was made


def test_init_copies_the_templates_of_rosterkit_templates(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bureau = tmp_path / "bureau"
    bureau.mkdir()
    (bureau / "学校信息.xlsx").write_bytes(b"bureau school info")
    (bureau / "帮扶制度.xlsx").write_bytes(b"bureau policy")
    monkeypatch.setenv("ROSTERKIT_TEMPLATES", str(bureau))
    init_workspace(tmp_path / "w")
    assert (tmp_path / "w" / SCHOOL_INFO).read_bytes() == b"bureau school info"
    assert (tmp_path / "w" / POLICY).read_bytes() == b"bureau policy"


def test_create_new_never_replaces_a_file_that_appears_meanwhile(tmp_path: Path) -> None:
    dest = tmp_path / "x.txt"

    def write(tmp: Path) -> None:
        tmp.write_text("ours")
        dest.write_text("theirs")  # another program saves the file while ours is being written

    assert create_new(dest, write) is False
    assert dest.read_text() == "theirs" and os.listdir(tmp_path) == ["x.txt"]
    assert create_new(tmp_path / "y.txt", lambda tmp: tmp.write_text("ours")) is True
    assert (tmp_path / "y.txt").read_text() == "ours"


def test_init_command(tmp_path: Path) -> None:
    proc = rk("init", "工作", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[:4] == [f"已建立：工作/{n}" for n in (SCHOOL_INFO, POLICY, INBOX, GUIDE)]
    again = rk("init", "工作", cwd=tmp_path)
    assert again.returncode == 0 and again.stdout.count("已存在，未覆盖") == 4
    (tmp_path / "file").write_text("x")
    bad = rk("init", "file", cwd=tmp_path)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr and "不是文件夹" in bad.stderr
