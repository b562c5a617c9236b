"""The command line: exit codes, JSON shape, and one clean line instead of a traceback."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from builders import ledger, student


def rk(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "rosterkit", *args], capture_output=True, text=True, timeout=300)


def test_clean_inbox_exits_0(tmp_path: Path) -> None:
    ledger(tmp_path / "inbox")
    proc = rk("check", str(tmp_path / "inbox"), "-o", str(tmp_path / "out"), "--as-of", "2026-11-23")
    assert proc.returncode == 0, proc.stderr
    assert "✓ 通过" in proc.stdout and "共 1 个文件：通过 1" in proc.stdout
    assert str(tmp_path / "out") in proc.stdout


def test_problems_exit_1_with_json(tmp_path: Path) -> None:
    ledger(tmp_path / "inbox", students=[student(0), student(1, 性别="男")])
    proc = rk("check", str(tmp_path / "inbox"), "-o", str(tmp_path / "out"), "--as-of", "2026-11-23", "--json")
    assert proc.returncode == 1, proc.stderr
    data = json.loads(proc.stdout)
    f = data["files"][0]
    assert f["status"] == "problems" and f["rows"] == {"roster": 2, "log": 4}
    assert [(i["sheet"], i["cell"], i["code"], i["severity"]) for i in f["issues"]] == [
        ("花名册", "C4", "id-gender-mismatch", "error")]
    assert set(f["issues"][0]) == {"file", "sheet", "cell", "column", "value", "code", "severity", "message"}
    assert data["summary"]["problems"] == 1 and data["summary"]["errors"] == 1


def test_missing_folder_exits_2_without_traceback(tmp_path: Path) -> None:
    proc = rk("check", str(tmp_path / "nope"))
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and "没有这个文件或文件夹" in proc.stderr


def test_bad_option_exits_2(tmp_path: Path) -> None:
    proc = rk("check", str(tmp_path), "--as-of", "23/11/2026")
    assert proc.returncode == 2 and "YYYY-MM-DD" in proc.stderr


def test_cli_module_imports_no_data_libraries() -> None:
    source = (Path(__file__).resolve().parents[1] / "src" / "rosterkit" / "cli.py").read_text()
    assert not any(f"import {m}" in source for m in ("pandas", "openpyxl", "xlsxwriter", "python_calamine"))


def test_progress_bar_for_many_files(tmp_path: Path) -> None:
    first = ledger(tmp_path / "inbox", "班00.xlsx")
    for i in range(1, 21):
        (tmp_path / "inbox" / f"班{i:02d}.xlsx").write_bytes(first.read_bytes())
    proc = rk("check", str(tmp_path / "inbox"), "-o", str(tmp_path / "out"), "--as-of", "2026-11-23")
    assert proc.returncode == 0, proc.stderr
    assert "核对中" in proc.stderr  # not a terminal here: click shows the label without the moving bar
    assert proc.stdout.count("✓ 通过") == 21
    quiet = rk("check", str(tmp_path / "inbox"), "-o", str(tmp_path / "out"), "--as-of", "2026-11-23", "--json")
    assert quiet.stderr == ""


def test_merge_command(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parents[1] / "examples"
    out = tmp_path / "out"
    proc = rk("merge", str(root / "inbox"), "--school-info", str(root / "学校信息.xlsx"), "-o", str(out),
              "--as-of", "2026-11-23", "--json")
    assert proc.returncode == 1, proc.stderr  # problems and a missing class
    data = json.loads(proc.stdout)
    assert data["roster_rows"] == 50 and data["rows_read"] == 57 and len(data["left_out"]) == 7
    assert {c["class"]: c["status"] for c in data["classes"]}["六年级2班"] == "未提交"
    assert (out / "学校花名册.xlsx").exists()
    masked = rk("merge", str(root / "inbox"), "--school-info", str(root / "学校信息.xlsx"), "-o", str(out),
                "--as-of", "2026-11-23", "--json", "--mask")
    assert (out / "学校花名册_脱敏.xlsx").exists()
    import re

    assert not re.search(r"\d{17}[\dX]|1[3-9]\d{9}", masked.stdout)
    assert re.search(r"\d{17}[\dX]", proc.stdout)


def test_distribute_command(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parents[1] / "examples"
    proc = rk("distribute", "--school-info", str(root / "学校信息.xlsx"), "-o", str(tmp_path / "sent"))
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in (tmp_path / "sent").iterdir())[0] == "三年级1班_帮扶台账.xlsx"
    assert "共 7 份台账" in proc.stdout


EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
_PLACES = re.compile(r"\S*[/\\]\S*|\S+\.(?:xlsx|xlsm|xls|ods|et)\b|\[[a-z0-9-]+\]")  # paths, file names, [codes]
PRODUCTS = {"Excel", "WPS"}  # names Chinese text uses as they are (用 Excel 或 WPS 打开)


def english_words(text: str, *roots: Path) -> list[str]:
    """Latin words of 3+ letters left once paths, file names and [issue-codes] are taken out of each line."""
    found = []
    for line in text.splitlines():
        for root in roots:
            line = line.replace(str(root), "")
        found += [w for w in re.findall(r"[A-Za-z]{3,}", _PLACES.sub("", line)) if w not in PRODUCTS]
    return found


def test_english_words_are_found() -> None:
    """The check below can fail: English output is caught, paths and codes are not."""
    assert english_words("compliance: /tmp/x\nreturns: /tmp/y") == ["compliance", "returns"]
    assert english_words("✗ 有问题 三年级2班.xlsx；花名册!D7 [id-checksum] 校验码错误\n结果：/tmp/out/a b") == []


@pytest.mark.parametrize("command", ["check", "merge", "cadence", "report", "distribute"])
def test_every_printed_line_is_chinese(command: str, tmp_path: Path) -> None:
    out = tmp_path / "out"
    info = ["--school-info", str(EXAMPLES / "学校信息.xlsx")]
    args = {"check": ["check", str(EXAMPLES / "inbox")], "merge": ["merge", str(EXAMPLES / "inbox"), *info],
            "cadence": ["cadence", str(EXAMPLES / "inbox"), *info], "report": ["report", str(EXAMPLES / "inbox"), *info],
            "distribute": ["distribute", *info]}[command]
    dated = [] if command == "distribute" else ["--as-of", "2026-11-23"]
    proc = rk(*args, "-o", str(out), *dated)
    assert proc.returncode in (0, 1), proc.stderr
    assert len(proc.stdout.splitlines()) >= 3
    assert english_words(proc.stdout + proc.stderr, out, EXAMPLES) == []


def test_files_are_listed_in_school_order(tmp_path: Path) -> None:
    """三 < 四 < 五 < 六 by grade, not by code point (三 < 五 < 六 < 四)."""
    proc = rk("check", str(EXAMPLES / "inbox"), "-o", str(tmp_path / "out"), "--as-of", "2026-11-23")
    classes = re.findall(r"^[✓✗!] \S+\s+(\S+班)_", proc.stdout, re.M)
    assert classes == ["三年级1班", "三年级2班", "四年级1班", "五年级1班", "五年级2班", "六年级1班"]
    sent = rk("distribute", "--school-info", str(EXAMPLES / "学校信息.xlsx"), "-o", str(tmp_path / "sent"))
    names = [Path(line).name.split("_")[0] for line in sent.stdout.splitlines() if line.endswith(".xlsx")]
    assert names == ["三年级1班", "三年级2班", "四年级1班", "五年级1班", "五年级2班", "六年级1班", "六年级2班"]
