"""一生一档: one sheet per student with every contact of every stored round, the 学期评价 and each term's cadence."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from rosterkit import open_store
from rosterkit.errors import InputError
from rosterkit.history.dossier import dossiers
from rosterkit.outputs.dossier import write_dossiers
from rounds import WRONG_ID, record_rounds


@pytest.fixture(scope="module")
def three(tmp_path_factory: pytest.TempPathFactory) -> Any:
    return record_rounds(tmp_path_factory.mktemp("dossier"), 3)


def rk(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "rosterkit", *args], capture_output=True, text=True, timeout=300)


def test_every_contact_of_every_round_once_and_each_term(three: Any) -> None:
    ds = dossiers(three.store)
    assert [d.record["name"] for d in ds] == ["张小明", "李思雨", "王浩然", "黄梓轩", "陈雨欣", "杨俊杰", "赵欣怡"]
    with open_store(three.store) as store:
        stored = store.contacts
    for d in ds:
        mine = stored[stored["person"] == d.person]
        distinct = set(zip(mine["date"], mine["kind"], mine["party"], mine["content"]))
        assert {(c["date"], c["kind"], c["party"], c["content"]) for c in d.contacts} == distinct
        assert [c["date"] for c in d.contacts] == sorted(c["date"] for c in d.contacts)
        assert [t.name for t in d.terms] == ["2026—2027学年第一学期", "2026—2027学年第二学期"]
    wang = next(d for d in ds if d.record["name"] == "王浩然")
    # round 1 knew him under a mistyped ID: his September talks are in his file all the same
    assert wang.contacts[0]["date"] == "2026-09-07" and wang.contacts[-1]["date"].startswith("2027-03")
    assert wang.record["id_number"] != WRONG_ID and wang.rounds == ["2026-10-12", "2026-11-23", "2027-03-22"]
    huang = next(d for d in ds if d.record["name"] == "黄梓轩")
    assert huang.since["帮扶教师"] == "2026-11-23" and huang.rounds == ["2026-11-23", "2027-03-22"]
    chen = next(d for d in ds if d.record["name"] == "陈雨欣")
    assert chen.since == {"建档立卡贫困家庭": "2026-10-12", "单亲家庭": "2026-11-23", "帮扶教师": "2026-10-12"}


def test_one_print_ready_sheet_per_student(three: Any, tmp_path: Path) -> None:
    paths = write_dossiers(dossiers(three.store, klass="三年级1班"), tmp_path)
    assert [p.name for p in paths] == ["三年级1班_一生一档.xlsx"]
    wb = openpyxl.load_workbook(paths[0])
    assert wb.sheetnames == ["张小明", "李思雨", "王浩然", "黄梓轩"]
    ws = wb["王浩然"]
    assert ws.page_setup.orientation == "portrait" and ws.page_setup.paperSize == 9
    assert ws.sheet_properties.pageSetUpPr.fitToPage  # one page wide (fitToWidth's default 1), any length:
    assert ws.page_setup.fitToWidth in (None, 1) and ws.page_setup.fitToHeight == 0
    cells = [str(v) for row in ws.iter_rows(values_only=True) for v in row if v is not None]
    d = next(x for x in dossiers(three.store, klass="三年级1班") if x.record["name"] == "王浩然")
    assert f"二、联系记录（共 {len(d.contacts)} 次）" in cells
    assert sum(c == "谈心" for c in cells) == len(d.contacts)  # every contact is a row
    assert d.record["id_number"] in cells and "2026—2027学年第二学期（截至 2027-03-22，落实率" in " ".join(cells)


def test_the_dossier_command_one_student_masked_and_refusals(three: Any, tmp_path: Path) -> None:
    d = dossiers(three.store, klass="三年级2班")[0]
    proc = rk("dossier", "--store", str(three.store), "-o", str(tmp_path), "--id", d.record["id_number"], "--mask")
    assert proc.returncode == 0, proc.stderr
    book = tmp_path / "三年级2班_一生一档_脱敏.xlsx"
    cells = [str(v) for ws in openpyxl.load_workbook(book) for row in ws.iter_rows(values_only=True) for v in row
             if v is not None]
    assert d.record["name"] in cells and d.record["id_number"] not in " ".join(cells)
    assert d.record["guardian_phone"] not in " ".join(cells)
    missing = rk("dossier", "--store", str(three.store), "-o", str(tmp_path), "--id", "110101200001010011")
    assert missing.returncode == 2 and "没有身份证号为 110101200001010011 的学生" in missing.stderr
    nowhere = rk("dossier", "--store", str(three.store), "-o", str(tmp_path), "--class", "九年级9班")
    assert nowhere.returncode == 2 and "三年级1班" in nowhere.stderr
    with pytest.raises(InputError, match="找不到存档"):
        dossiers(tmp_path / "none.db")
