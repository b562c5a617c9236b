"""Merging class submissions: the four findings, rows conserved, submissions tracked, distribution round trip."""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from builders import AS_OF, contact, ledger, school_info, student
from rosterkit.distribution import distribute
from rosterkit import merge

D = dt.date


def _meta(grade: str, klass: str, teacher: str, filled: dt.date = D(2026, 11, 18)) -> dict[str, Any]:
    return {"年级": grade, "班级": klass, "班主任": teacher, "填报日期": filled}


def _school(tmp_path: Path) -> tuple[Path, Path]:
    """3年级1班 and 2班 share a student (same record); 3年级2班 and 4年级1班 share one whose phone differs;
    4年级1班 sent twice; 4年级2班 sent nothing."""
    box = tmp_path / "inbox"
    shared, moved = student(5), student(15)
    ledger(box, "三1.xlsx", students=[student(0), student(1), shared], meta=_meta("三年级", "1班", "周丽"))
    ledger(box, "三2.xlsx", students=[student(10), shared, moved], meta=_meta("三年级", "2班", "李红"))
    ledger(box, "四1旧.xlsx", students=[student(20), student(21), student(22)],
           meta=_meta("四年级", "1班", "王芳", D(2026, 11, 10)))
    ledger(box, "四1新.xlsx", students=[student(20), student(21), {**moved, "监护人电话": "13900001111"}],
           meta=_meta("四年级", "1班", "王芳", D(2026, 11, 18)))
    info = school_info(tmp_path, [("三年级", "1班", "周丽"), ("三年级", "2班", "李红"), ("四年级", "1班", "王芳"),
                                  ("四年级", "2班", "赵敏")])
    return box, info


def test_the_four_findings(tmp_path: Path) -> None:
    box, info = _school(tmp_path)
    r = merge(box, school_info=info, as_of=AS_OF)
    status = dict(zip(r.submissions["label"], r.submissions["status"]))
    assert status == {"三年级1班": "已提交", "三年级2班": "已提交", "四年级1班": "重复提交", "四年级2班": "未提交"}
    assert list(r.missing["head_teacher"]) == ["赵敏"]
    twice = r.submissions[r.submissions["label"] == "四年级1班"].iloc[0]
    assert twice["file"] == "四1新.xlsx" and "四1旧.xlsx" in twice["note"]
    assert [(d["id_number"], [p["class"] for p in d["places"]]) for d in r.duplicates.to_dict("records")] == [
        (student(5)["身份证号"], ["三年级1班", "三年级2班"])]
    conflicts = r.conflicts.to_dict("records")
    assert [(c["id_number"], c["field"]) for c in conflicts] == [(student(15)["身份证号"], "guardian_phone")]
    assert [(v["class"], v["value"]) for v in conflicts[0]["values"]] == [
        ("三年级2班", student(15)["监护人电话"]), ("四年级1班", "13900001111")]
    # the older submission's rows are left out, named, and counted
    assert set(r.left_out["reason"]) == {"重复提交：已采用较新的 四1新.xlsx"}
    assert (len(r.roster), len(r.left_out), r.rows_read) == (9, 3, 12)


def test_roster_order_and_numbering(tmp_path: Path) -> None:
    box, info = _school(tmp_path)
    r = merge(box, school_info=info, as_of=AS_OF)
    assert list(r.roster["seq"]) == list(range(1, 10))
    assert list(zip(r.roster["grade"], r.roster["class"])) == [("三年级", "1班")] * 3 + [("三年级", "2班")] * 3 + [
        ("四年级", "1班")] * 3
    assert set(r.roster["school"]) == {"城关镇中心小学"}
    assert all(isinstance(v, str) and len(v) == 18 for v in r.roster["id_number"])


def test_rows_with_errors_are_left_out_or_kept_marked(tmp_path: Path) -> None:
    box = tmp_path / "inbox"
    ledger(box, students=[student(0), student(1, 性别="男"), student(2)])
    r = merge(box, as_of=AS_OF)
    assert len(r.roster) == 2 and list(r.left_out["row"]) == [4]
    assert "id-gender" not in r.left_out["problems"][0] and "性别" in r.left_out["problems"][0]
    kept = merge(box, as_of=AS_OF, include_invalid=True)
    assert len(kept.roster) == 3 and list(kept.roster["valid"]) == [True, False, True]
    assert kept.left_out.empty
    assert len(kept.roster) + len(kept.left_out) == kept.rows_read


def test_example_school_conserves_rows() -> None:
    root = Path(__file__).resolve().parents[1] / "examples"
    r = merge(root / "inbox", school_info=root / "学校信息.xlsx", as_of=AS_OF)
    assert (len(r.roster), len(r.left_out), r.rows_read) == (50, 7, 57)
    assert list(r.missing["label"]) == ["六年级2班"]
    data = r.to_dict()
    assert data["roster_rows"] == 50 and len(data["classes"]) == 7 and len(data["left_out"]) == 7


@st.composite
def schools(draw: Any) -> list[dict[str, Any]]:
    classes = []
    n = 0
    for c in range(draw(st.integers(1, 3))):
        for version in range(draw(st.integers(1, 2))):
            rows = []
            for _ in range(draw(st.integers(0, 4))):
                bad = draw(st.sampled_from([{}, {}, {"性别": "男", "身份证号": None, "学籍号": "1"},
                                            {"监护人电话": "12"}]))
                reuse = draw(st.booleans()) and n > 0
                rows.append(student(draw(st.integers(0, n - 1)) if reuse else n, **bad))
                n += 1
            classes.append({"klass": f"{c + 1}班", "version": version, "rows": rows})
    return classes


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(school=schools(), include_invalid=st.booleans())
def test_rows_conserved_over_generated_schools(school: list[dict[str, Any]], include_invalid: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        box = Path(tmp)
        for i, c in enumerate(school):
            filled = D(2026, 11, 10 + c["version"])
            ledger(box, f"{i:02d}.xlsx", students=c["rows"], contacts=[],
                   meta=_meta("三年级", c["klass"], "周丽", filled))
        r = merge(box, as_of=AS_OF, include_invalid=include_invalid)
        assert r.rows_read == sum(len(c["rows"]) for c in school)
        assert len(r.roster) + len(r.left_out) == r.rows_read
        assert list(r.roster["seq"]) == list(range(1, len(r.roster) + 1))


def test_distributed_ledger_returns_clean_and_merges(tmp_path: Path) -> None:
    info = school_info(tmp_path, [("三年级", "1班", "周丽"), ("三年级", "2班", "李红")])
    sent = distribute(info, tmp_path / "sent").paths
    assert [p.name for p in sent] == ["三年级1班_帮扶台账.xlsx", "三年级2班_帮扶台账.xlsx"]
    # a teacher fills the ledger that was sent and returns it
    from rosterkit.outputs.ledger import fill_ledger

    returned = tmp_path / "inbox" / sent[0].name
    fill_ledger(returned, meta={"学校": "城关镇中心小学", "年级": "三年级", "班级": "1班", "班主任": "周丽"},
                roster=[student(0), student(1)], log=[contact("张小明", D(2026, 11, 9))])
    r = merge(tmp_path / "inbox", school_info=info, as_of=AS_OF)
    assert r.report.flatten() == []
    assert dict(zip(r.submissions["label"], r.submissions["status"])) == {"三年级1班": "已提交", "三年级2班": "未提交"}
    assert list(r.roster["name"]) == ["张小明", "李思雨"]


def test_distribute_from_last_round_round_trips(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parents[1] / "examples"
    last = merge(root / "inbox", school_info=root / "学校信息.xlsx", as_of=AS_OF, include_invalid=True)
    sent = distribute(root / "学校信息.xlsx", tmp_path / "sent", from_=root / "inbox").paths
    assert len(sent) == 7 and not any(os.path.samefile(p.parent, root / "inbox") for p in sent)
    again = merge(tmp_path / "sent", school_info=root / "学校信息.xlsx", as_of=AS_OF, include_invalid=True)
    cols = ["grade", "class", "name", "id_number", "gender", "birth_date", "categories", "guardian_phone", "mentor"]
    assert again.roster[cols].to_dict("records") == last.roster[cols].to_dict("records")


def test_distribution_says_what_was_sent_and_which_classes_of_last_round_no_ledger_took(tmp_path: Path) -> None:
    """Pre-filled counts per class add up to last round's roster; a class of last round that 学校信息 no longer
    lists (renamed, merged) is named, not silently dropped."""
    root = Path(__file__).resolve().parents[1] / "examples"
    last = merge(root / "inbox", school_info=root / "学校信息.xlsx", as_of=AS_OF, include_invalid=True).roster
    sent = distribute(root / "学校信息.xlsx", tmp_path / "sent", from_=root / "inbox")
    per_class = last.groupby(["grade", "class"]).size().to_dict()
    assert {(x.grade, x.klass): x.prefilled for x in sent.ledgers if x.prefilled} == per_class
    assert sent.prefilled == len(last) and sent.unclaimed == [] and len(sent.frame) == 7
    assert list(sent.frame.columns) == ["path", "school", "grade", "klass", "head_teacher", "prefilled"]
    fewer = school_info(tmp_path, [("三年级", "1班", "周丽")])
    some = distribute(fewer, tmp_path / "some", from_=root / "inbox")
    assert [x.path.name for x in some.ledgers] == ["三年级1班_帮扶台账.xlsx"]
    assert len(some.unclaimed) == len(per_class) - 1 and "城关镇中心小学 三年级2班" in some.unclaimed
    assert not any(u.endswith("三年级1班") for u in some.unclaimed)


def test_classes_in_school_order_whatever_the_lists_order(tmp_path: Path) -> None:
    """学校信息 lists the classes out of order and the files are named anyhow: the roster and 提交情况 still go
    三年级 < 四年级 < 初一 (七年级), 2班 < 10班, a class not on the list among them, files no class could be read
    from last."""
    box = tmp_path / "inbox"
    for i, (grade, klass, name) in enumerate([("四年级", "1班", "a.xlsx"), ("三年级", "10班", "b.xlsx"),
                                              ("三年级", "2班", "c.xlsx"), ("初一", "1班", "d.xlsx"),
                                              ("三年级", "5班", "e.xlsx")]):
        ledger(box, name, students=[student(10 * i), student(10 * i + 1)], meta=_meta(grade, klass, f"老师{i}"))
    (box / "0.xlsx").write_bytes(b"not a workbook")
    info = school_info(tmp_path, [("初一", "1班", "老师3"), ("四年级", "1班", "老师0"), ("三年级", "10班", "老师1"),
                                  ("三年级", "2班", "老师2"), ("四年级", "2班", "赵敏")])
    r = merge(box, school_info=info, as_of=AS_OF)
    order = ["三年级2班", "三年级5班", "三年级10班", "四年级1班", "四年级2班", "初一1班"]
    assert list(r.submissions["label"]) == [*order, ""]
    assert list(r.submissions["file"])[-1] == "0.xlsx"
    seen = list(dict.fromkeys(g + c for g, c in zip(r.roster["grade"], r.roster["class"])))
    assert seen == [c for c in order if c != "四年级2班"]
    assert list(r.roster["seq"]) == list(range(1, len(r.roster) + 1))
