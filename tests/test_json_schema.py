"""Every ``--json`` output is strict JSON (no NaN/Infinity) and has the shape its schema in rosterkit/schemas says."""

from __future__ import annotations

import datetime as dt
import json
import math
import shutil
import subprocess
import sys
from importlib.resources import files
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from builders import contact, ledger, student
from jsonschema import Draft202012Validator

from rosterkit.issues import CODES
from rosterkit.render import to_json

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
AS_OF = "2026-11-23"
COMMANDS = ("check", "merge", "cadence", "report")
STORE_COMMANDS = ("changes", "review")  # their JSON is validated in test_changes.py and test_review.py


def schema(command: str) -> dict[str, Any]:
    """The schema as installed with the package (not read from the source tree)."""
    return json.loads(files("rosterkit").joinpath("schemas", f"{command}.schema.json").read_text(encoding="utf-8"))


def strict_loads(text: str) -> Any:
    """json.loads that refuses NaN, Infinity and -Infinity, as JSON.parse and jq do."""
    def refuse(token: str) -> Any:
        raise ValueError(f"not JSON: {token}")
    return json.loads(text, parse_constant=refuse)


def errors(command: str, data: Any) -> list[str]:
    validator = Draft202012Validator(schema(command), format_checker=Draft202012Validator.FORMAT_CHECKER)
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(data)]


def run_json(command: str, inbox: Path, out: Path, *extra: str) -> Any:
    """Run one command with --json; its stdout parsed strictly and valid against the command's schema."""
    proc = subprocess.run([sys.executable, "-m", "rosterkit", command, str(inbox), "-o", str(out), "--as-of", AS_OF,
                           "--json", *extra], capture_output=True, text=True, timeout=300)
    assert proc.returncode in (0, 1), proc.stderr
    data = strict_loads(proc.stdout)
    assert errors(command, data) == []
    return data


@pytest.fixture(scope="module")
def example_inbox(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example school (六年级2班 sent nothing) plus a file that is not a workbook and an empty one."""
    inbox = tmp_path_factory.mktemp("example") / "inbox"
    shutil.copytree(EXAMPLES / "inbox", inbox)
    (inbox / "坏文件.xlsx").write_text("不是表格", encoding="utf-8")
    (inbox / "空文件.xlsx").write_bytes(b"")
    return inbox


@pytest.fixture(scope="module")
def cross_inbox(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two classes sharing students (a duplicate and a conflict), an older submission, a blank 帮扶教师 and
    students without any contact."""
    inbox = tmp_path_factory.mktemp("cross") / "inbox"
    one = [student(0), student(1), student(2)]
    ledger(inbox, "三年级1班.xlsx", students=one, meta={"班级": "1班", "班主任": "谭小燕"})
    ledger(inbox, "三年级1班_旧.xlsx", students=one[:2],
           meta={"班级": "1班", "班主任": "谭小燕", "填报日期": dt.date(2026, 11, 2)})
    two = [student(1), student(2, 监护人电话="13800138000", 类别="留守儿童、单亲家庭", 留守类型="父母均外出",
                              父亲务工地="广东省深圳市", 母亲务工地="广东省东莞市"), student(3, 帮扶教师=None)]
    ledger(inbox, "三年级2班.xlsx", students=two, contacts=[contact(two[0]["姓名"], dt.date(2026, 11, 20))])
    return inbox


def test_schemas_are_valid_and_one_per_json_command() -> None:
    from rosterkit.cli import cli

    with_json = {name for name, cmd in cli.commands.items() if any(p.name == "as_json" for p in cmd.params)}
    shipped = {p.name.removesuffix(".schema.json") for p in files("rosterkit").joinpath("schemas").iterdir()
               if p.name.endswith(".schema.json")}
    assert with_json == shipped == set(COMMANDS) | set(STORE_COMMANDS)
    for command in shipped:
        Draft202012Validator.check_schema(schema(command))


def test_issue_codes_in_the_schema_are_the_codes() -> None:
    enum = schema("check")["$defs"]["issue"]["properties"]["code"]["enum"]
    assert sorted(enum) == sorted(CODES), "a new issue code must be added to schemas/check.schema.json"


def test_schema_rejects_nan_and_unknown_fields(example_inbox: Path, tmp_path: Path) -> None:
    data = run_json("merge", example_inbox, tmp_path / "out", "--school-info", str(EXAMPLES / "学校信息.xlsx"))
    data["classes"][0]["file"] = math.nan
    assert any("classes/0/file" in e for e in errors("merge", data))
    data["classes"][0]["file"] = None
    data["extra"] = 1
    assert errors("merge", data) != []


def test_check_json(example_inbox: Path, tmp_path: Path) -> None:
    data = run_json("check", example_inbox, tmp_path / "out")
    by_name = {Path(f["path"]).name: f for f in data["files"]}
    for name in ("坏文件.xlsx", "空文件.xlsx"):
        assert by_name[name]["status"] == "unreadable" and by_name[name]["annotated"] is None
        assert by_name[name]["meta"] == {}
    assert data["summary"]["unreadable"] == 2
    assert any(i["cell"] is None for f in data["files"] for i in f["issues"])  # whole-file problems: null cell


@pytest.mark.parametrize("mask", [False, True], ids=["plain", "masked"])
def test_merge_json(example_inbox: Path, tmp_path: Path, mask: bool) -> None:
    data = run_json("merge", example_inbox, tmp_path / "out", "--school-info", str(EXAMPLES / "学校信息.xlsx"),
                    *(["--mask"] if mask else []))
    missing = [c for c in data["classes"] if c["status"] == "未提交"]
    assert [c["class"] for c in missing] == ["六年级2班"] and missing[0]["file"] is None
    assert {c["file"] for c in data["classes"] if c["status"] == "无法识别"} == {"坏文件.xlsx", "空文件.xlsx"}
    assert data["roster_rows"] + len(data["left_out"]) == data["rows_read"]


@pytest.mark.parametrize("mask", [False, True], ids=["plain", "masked"])
def test_merge_json_duplicates_conflicts_superseded(cross_inbox: Path, tmp_path: Path, mask: bool) -> None:
    data = run_json("merge", cross_inbox, tmp_path / "out", *(["--mask"] if mask else []))
    assert len(data["duplicates"]) == 1 and data["conflicts"]
    assert any(v["value"] is None for c in data["conflicts"] for v in c["values"])  # blank on one side
    assert {r["kind"] for r in data["left_out"]} == {"errors", "superseded"}


@pytest.mark.parametrize("mask", [False, True], ids=["plain", "masked"])
def test_cadence_json(example_inbox: Path, tmp_path: Path, mask: bool) -> None:
    data = run_json("cadence", example_inbox, tmp_path / "out", "--school-info", str(EXAMPLES / "学校信息.xlsx"),
                    *(["--mask"] if mask else []))
    assert data["as_of"] == AS_OF and data["periods"] and data["overdue"]
    assert {p["outcome"] for p in data["periods"]} <= {"达标", "未达标", "进行中", "未到期", "未报"}


def test_cadence_json_nulls_and_due_soon(cross_inbox: Path, tmp_path: Path) -> None:
    data = run_json("cadence", cross_inbox, tmp_path / "out", "--due-within", "7")
    assert data["due_soon"]
    assert any(r["mentor"] is None for r in data["overdue"])  # the student whose 帮扶教师 is blank
    assert any(r["last_contact"] is None for r in data["overdue"])  # never contacted
    assert "（未填写）" in {t["mentor"] for t in data["teachers"]}
    data["due_soon"][0]["period_end"] = "2026-11-31"  # dates are checked, not just strings
    assert errors("cadence", data) != []


@pytest.mark.parametrize("mask", [False, True], ids=["plain", "masked"])
def test_report_json(example_inbox: Path, tmp_path: Path, mask: bool) -> None:
    out = tmp_path / "out"
    data = run_json("report", example_inbox, out, "--school-info", str(EXAMPLES / "学校信息.xlsx"),
                    *(["--mask"] if mask else []))
    assert data["classes_missing"] == ["六年级2班"] and data["unreadable"] == 2
    assert all(Path(p).exists() and Path(p).is_relative_to(out) for p in data["outputs"].values())


def test_to_json_turns_missing_values_into_null() -> None:
    frame = pd.DataFrame({"n": [1.5, np.nan], "d": pd.to_datetime(["2026-11-23", None]),
                          "i": pd.array([3, None], dtype="Int64")})
    data = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf, "nat": pd.NaT, "na": pd.NA,
            "np": [np.float64("nan"), np.int64(7), np.bool_(True), np.datetime64("NaT")],
            "day": dt.date(2026, 11, 23), "np_day": np.datetime64("2026-11-23"), "tuple": ("a", None),
            "records": frame.to_dict("records"), 3: "int key"}
    parsed = strict_loads(to_json(data))
    assert parsed == {"nan": None, "inf": None, "-inf": None, "nat": None, "na": None,
                      "np": [None, 7, True, None], "day": "2026-11-23", "np_day": "2026-11-23",
                      "tuple": ["a", None], "3": "int key",
                      "records": [{"n": 1.5, "d": "2026-11-23T00:00:00", "i": 3}, {"n": None, "d": None, "i": None}]}
    assert "NaN" not in to_json(data) and "Infinity" not in to_json(data)



def test_library_dicts_are_strict_before_to_json() -> None:
    """The sources give None, not NaN: to_json's cleaning is the safety net, not the fix."""
    import rosterkit
    from rosterkit.cadence.inputs import follow_up
    from rosterkit.pipeline import RunResult

    report = rosterkit.check(EXAMPLES / "inbox", as_of=dt.date(2026, 11, 23), write=False)
    merged = rosterkit.merge(report, school_info=EXAMPLES / "学校信息.xlsx")
    cad = follow_up(merged, as_of=dt.date(2026, 11, 23))
    classes = {c["class"]: c for c in merged.to_dict()["classes"]}
    assert classes["六年级2班"]["file"] is None
    for data in (report.to_dict(), merged.to_dict(), merged.to_dict(mask=True), cad.to_dict(),
                 RunResult(report, merged, cad).summary()):
        json.dumps(data, ensure_ascii=False, allow_nan=False)
