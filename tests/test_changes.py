"""What changed between rounds (动态管理): rosterkit changes, its JSON and workbook, and 学校花名册's 变动情况 sheet."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from jsonschema import Draft202012Validator

from builders import student
from rosterkit.history.changes import round_changes
from rounds import WRONG_ID, record_rounds
from test_json_schema import errors, strict_loads


@pytest.fixture(scope="module")
def two(tmp_path_factory: pytest.TempPathFactory) -> Any:
    return record_rounds(tmp_path_factory.mktemp("two"), 2)


def rk(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "rosterkit", *args], capture_output=True, text=True, timeout=300)


def test_added_left_and_each_changed_field(two: Any) -> None:
    ch = round_changes(two.store)
    assert ch is not None and (str(ch.before), str(ch.after)) == ("2026-10-12", "2026-11-23")
    assert ch.added[["name", "class"]].values.tolist() == [["黄梓轩", "三年级1班"]]
    assert ch.left["name"].tolist() == ["刘子涵"]
    changed = sorted(map(tuple, ch.changed[["name", "field", "before", "after"]].values.tolist()))
    right_id = student(2)["身份证号"]
    assert changed == sorted([
        ("李思雨", "监护人电话", "13907311001", "13812345678"),
        ("王浩然", "身份证号", WRONG_ID, right_id),  # corrected: one student, a changed field
        ("陈雨欣", "类别", "建档立卡贫困家庭", "建档立卡贫困家庭、单亲家庭"),
    ])


def test_changes_command_json_and_workbook(two: Any, tmp_path: Path) -> None:
    proc = rk("changes", "--store", str(two.store), "-o", str(tmp_path), "--json")
    assert proc.returncode == 0, proc.stderr
    data = strict_loads(proc.stdout)
    assert errors("changes", data) == []
    assert [x["name"] for x in data["added"]] == ["黄梓轩"] and [x["name"] for x in data["left"]] == ["刘子涵"]
    assert {(x["name"], x["field"]) for x in data["changed"]} == {("李思雨", "监护人电话"), ("王浩然", "身份证号"),
                                                                 ("陈雨欣", "类别")}
    ws = openpyxl.load_workbook(tmp_path / "变动情况.xlsx")["变动情况"]
    cells = [str(v) for row in ws.iter_rows(values_only=True) for v in row if v is not None]
    assert "黄梓轩" in cells and "刘子涵" in cells and "13812345678" in cells and "一、新增学生（1）" in cells
    assert ws.page_setup.orientation == "landscape"
    (tmp_path / "m").mkdir()
    masked = rk("changes", "--store", str(two.store), "-o", str(tmp_path / "m"), "--json", "--mask")
    assert masked.returncode == 0, masked.stderr
    right_id = student(2)["身份证号"]
    assert right_id not in masked.stdout and "13812345678" not in masked.stdout and "王浩然" in masked.stdout
    shown = [str(v) for row in openpyxl.load_workbook(tmp_path / "m" / "变动情况_脱敏.xlsx")["变动情况"].iter_rows(
        values_only=True) for v in row if v is not None]
    assert right_id not in shown and "13812345678" not in shown and "黄梓轩" in shown


def test_the_second_rounds_roster_has_a_changes_sheet(two: Any) -> None:
    out = two.store.parent / "round2" / "out" / "学校花名册.xlsx"
    wb = openpyxl.load_workbook(out)
    assert "变动情况" in wb.sheetnames
    text = [str(v) for row in wb["变动情况"].iter_rows(values_only=True) for v in row if v is not None]
    assert "黄梓轩" in text and "刘子涵" in text
    first = two.store.parent / "round1" / "out" / "学校花名册.xlsx"
    assert "变动情况" not in openpyxl.load_workbook(first).sheetnames  # no previous round: no sheet


def test_changes_with_one_round_says_so(tmp_path: Path) -> None:
    one = record_rounds(tmp_path, 1)
    proc = rk("changes", "--store", str(one.store))
    assert proc.returncode == 0 and "还不到两轮" in proc.stdout


def test_report_store_prints_the_round_and_the_link(two: Any, tmp_path: Path) -> None:
    stored = two.runs[1].summary()["store"]
    assert stored["previous"] == "2026-10-12" and [x["name"] for x in stored["links"]] == ["王浩然"]
    assert errors("report", json.loads(json.dumps(two.runs[1].summary(), default=str))) == []
    from rosterkit.render import run_text

    text = run_text(two.runs[1], mask=True)
    assert "已存入存档" in text and "王浩然" in text and WRONG_ID not in text
    Draft202012Validator.check_schema(json.loads((Path(__file__).parents[1] / "src/rosterkit/schemas/changes.schema.json").read_text()))
