"""The coordinator's one command on the example school: every output, the closing figures, originals untouched."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from builders import AS_OF
from rosterkit.pipeline import report_inbox

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def _hashes() -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in (EXAMPLES / "inbox").iterdir()}


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple:
    out = tmp_path_factory.mktemp("report")
    before = _hashes()
    result = report_inbox(EXAMPLES / "inbox", out=out, school_info=EXAMPLES / "学校信息.xlsx", as_of=AS_OF)
    return result, out, before


def test_outputs_are_written(run: tuple) -> None:
    result, out, before = run
    assert _hashes() == before  # the teachers' files are only read
    names = sorted(p.name for p in out.iterdir())
    assert names == ["发回各班", "学校花名册.xlsx", "帮扶落实情况.xlsx", "核对"]
    assert sorted(p.name for p in (out / "核对").iterdir()) == [
        "三年级2班_帮扶台账_校验结果.xlsx", "五年级1班_帮扶台账_校验结果.xlsx", "六年级1班_帮扶台账_校验结果.xlsx",
        "校验汇总.xlsx"]
    returns = sorted(p.name for p in (out / "发回各班").iterdir())
    assert len(returns) == 6 and all(n.endswith("_发回.xlsx") for n in returns)
    assert not [p for p in out.rglob(".rosterkit-*")]  # no temporary files left behind


def test_returned_copy_has_problems_and_due_list(run: tuple) -> None:
    _, out, _ = run
    wb = openpyxl.load_workbook(out / "发回各班" / "五年级1班_帮扶台账_发回.xlsx")
    assert wb.sheetnames[:2] == ["待办", "校验结果"]
    clean = openpyxl.load_workbook(out / "发回各班" / "三年级1班_帮扶台账_发回.xlsx")
    assert clean.sheetnames[0] == "待办" and "校验结果" not in clean.sheetnames


def test_closing_figures(run: tuple) -> None:
    result, _, _ = run
    s = result.summary()
    assert (s["files"], s["ok"], s["problems"], s["unreadable"]) == (6, 3, 3, 0)
    assert s["classes_missing"] == ["六年级2班"]
    assert (s["roster_rows"], s["rows_left_out"]) == (50, 7)
    cad = result.cadence
    assert s["compliance_rate"] == pytest.approx(float(cad.school["compliance_rate"].iloc[0]))
    assert s["students_overdue"] == cad.overdue["student_key"].nunique() > 0


def test_report_command(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "rosterkit", "report", str(EXAMPLES / "inbox"), "--school-info",
                           str(EXAMPLES / "学校信息.xlsx"), "-o", str(tmp_path / "out"), "--as-of", "2026-11-23"],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 1, proc.stderr
    text = proc.stdout
    assert "文件 6 个：通过 3，有问题 3，无法读取 0" in text
    assert "未提交班级：六年级2班" in text and "全校花名册 50 行（未纳入 7 行）" in text
    assert "帮扶落实率" in text and str(tmp_path / "out" / "学校花名册.xlsx") in text


def test_cadence_command_json(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "rosterkit", "cadence", str(EXAMPLES / "inbox"), "-o",
                           str(tmp_path / "out"), "--as-of", "2026-11-23", "--json"],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 1, proc.stderr  # some students are overdue
    data = json.loads(proc.stdout)
    assert data["as_of"] == "2026-11-23"
    assert set(data["periods"][0]) >= {"id_number", "name", "class", "rule", "period_start", "period_end",
                                       "required", "done", "outcome"}
    assert data["teachers"] and data["overdue"]
    assert (tmp_path / "out" / "帮扶落实情况.xlsx").exists()


def test_cadence_command_limits(tmp_path: Path) -> None:
    args = [sys.executable, "-m", "rosterkit", "cadence", str(EXAMPLES / "inbox"), "-o", str(tmp_path / "out"),
            "--as-of", "2026-11-23", "--json"]
    default = json.loads(subprocess.run(args, capture_output=True, text=True, timeout=600).stdout)
    strict = json.loads(subprocess.run(args + ["--load-limit", "2", "--due-within", "7"], capture_output=True,
                                       text=True, timeout=600).stdout)
    assert sum(t["over_load"] for t in strict["teachers"]) > sum(t["over_load"] for t in default["teachers"])
    assert all(t["load_limit"] == 2 for t in strict["teachers"])
    assert len(strict["due_soon"]) > len(default["due_soon"]) == 0  # 2026-11-23 is a Monday: weeks end in 6 days
