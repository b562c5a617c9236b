"""学年交接: next year's ledgers from the store (one grade up, mentors carried, no contacts) and 交接清单."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from builders import school_info
from rosterkit import check
from rosterkit.distribution import rollover
from rounds import record_rounds


@pytest.fixture(scope="module")
def two(tmp_path_factory: pytest.TempPathFactory) -> Any:
    return record_rounds(tmp_path_factory.mktemp("rollover"), 2, notes={"赵欣怡": "2026年11月已转学外省"})


def _rows(path: Path) -> list[dict[str, Any]]:
    ws = openpyxl.load_workbook(path)["花名册"]
    head = [c.value for c in ws[2]]
    return [dict(zip(head, r)) for r in ws.iter_rows(min_row=3, values_only=True) if any(v is not None for v in r)]


def _sheet(path: Path, name: str) -> list[tuple[Any, ...]]:
    return [r for r in openpyxl.load_workbook(path)[name].iter_rows(min_row=4, values_only=True) if any(r)]


def test_students_move_up_a_grade_with_their_mentor_and_no_contacts(two: Any, tmp_path: Path) -> None:
    info = school_info(tmp_path / "next", [("四年级", "1班", "周丽"), ("四年级", "2班", "李红"), ("一年级", "1班", "王芳")])
    done = rollover(two.store, info, tmp_path / "out", teachers_left=("李红",))
    assert [x.path.name for x in done.sent.ledgers] == ["四年级1班_帮扶台账.xlsx", "四年级2班_帮扶台账.xlsx",
                                                         "一年级1班_帮扶台账.xlsx"]
    one = _rows(tmp_path / "out" / "四年级1班_帮扶台账.xlsx")
    assert [r["姓名"] for r in one] == ["张小明", "李思雨", "王浩然", "黄梓轩"]
    assert {r["年级"] for r in one} == {"四年级"} and {r["帮扶教师"] for r in one} == {"周丽"}
    assert one[1]["监护人电话"] == "13812345678" and one[0]["序号"] == 1  # the latest round's record
    new = openpyxl.load_workbook(tmp_path / "out" / "四年级1班_帮扶台账.xlsx")
    assert new["填表说明"] and not [r for r in new["帮扶记录"].iter_rows(min_row=3, values_only=True) if any(r)]
    two_class = _rows(tmp_path / "out" / "四年级2班_帮扶台账.xlsx")
    assert [r["姓名"] for r in two_class] == ["陈雨欣", "杨俊杰"]  # 赵欣怡 transferred (备注)
    assert {r["帮扶教师"] for r in two_class} == {None}  # 李红 left: to be paired again
    assert _rows(tmp_path / "out" / "一年级1班_帮扶台账.xlsx") == []
    handover = done.handover
    leaving = {r[0]: r[3] for r in _sheet(handover, "离开")}
    assert leaving["赵欣怡"].startswith("离校") and leaving["刘子涵"] == "上一轮之后已不在名单"
    assert [r[0] for r in _sheet(handover, "需重新结对")] == ["陈雨欣", "杨俊杰"]
    assert [r[:2] for r in _sheet(handover, "新班级")] == [("一年级", "1班")]
    assert ("周丽", 4) == _sheet(handover, "帮扶教师")[0][:2]
    # what teachers get back checks clean but for what they must add: 帮扶教师 where it left, and this year's log
    report = check([x.path for x in done.sent.ledgers[:2]], as_of=dt.date(2027, 3, 1), write=False)
    codes = {f.name: {i.code for i in f.issues} for f in report.files}
    assert codes == {"四年级1班_帮扶台账.xlsx": {"log-empty"}, "四年级2班_帮扶台账.xlsx": {"log-empty", "required-missing"}}


def test_the_top_grade_graduates_and_an_unlisted_class_is_named_not_dropped(two: Any, tmp_path: Path) -> None:
    only_first = school_info(tmp_path / "a", [("一年级", "1班", "王芳")])
    done = rollover(two.store, only_first, tmp_path / "a" / "out")
    assert not done.plan.staying and all(m.why.startswith(("毕业", "离校")) for m in done.plan.leaving)
    assert len(done.plan.leaving) == 7
    partial = school_info(tmp_path / "b", [("四年级", "1班", "周丽")])
    done = rollover(two.store, partial, tmp_path / "b" / "out")
    unplaced = [m.name for m in done.plan.leaving if m.why.startswith("未分到新班级")]
    assert unplaced == ["陈雨欣", "杨俊杰"]
    proc = subprocess.run([sys.executable, "-m", "rosterkit", "rollover", "--store", str(two.store), "--school-info",
                           str(partial), "-o", str(tmp_path / "c")], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0 and "2 名学生没有对应的下学年班级" in proc.stdout
