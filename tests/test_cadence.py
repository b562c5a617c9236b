"""The cadence engine: hand-worked cases from the issue, the lists and roll-ups, and properties checked
against a plain-Python reference on generated data."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rosterkit.cadence.engine import DEFAULT_LOAD_LIMIT, OUTCOMES, Cadence, compute_cadence
from rosterkit.errors import InputError
from rosterkit.cadence.periods import term_periods
from rosterkit.core.policy import Holiday, Policy, Rule, Term, load_policy

D = dt.date
POOR, LEFT = "建档立卡贫困家庭", "留守儿童"
# A term starting on a Monday so that weeks are whole: week 1 is 8-31..9-6, week 5 is 9-28..10-4.
TERM = Term("测试学期", D(2026, 8, 31), D(2027, 1, 17))
WEEK = [D(2026, 8, 31) + dt.timedelta(weeks=i) for i in range(20)]  # Mondays


def policy(term: Term = TERM, rules: tuple[Rule, ...] | None = None) -> Policy:
    base, _ = load_policy()
    return dataclasses.replace(base, term=term, rules=base.rules if rules is None else rules)


def students(*rows: dict[str, Any]) -> pd.DataFrame:
    """Students; each row gives at least ``key`` and ``categories``."""
    out = []
    for i, r in enumerate(rows):
        out.append({"student_key": r["key"], "id_number": r.get("id_number", f"43012120170101{i:04d}"),
                    "name": r.get("name", f"学生{r['key']}"), "school": r.get("school", "城关小学"),
                    "grade": r.get("grade", "三年级"), "class": r.get("class", "2班"),
                    "mentor": r.get("mentor", "周丽"), "categories": tuple(r["categories"]),
                    "enrolled_on": r.get("enrolled_on")})
    return pd.DataFrame(out, columns=["student_key", "id_number", "name", "school", "grade", "class", "mentor",
                                      "categories", "enrolled_on"], dtype=object)


def events(*rows: tuple[Any, ...]) -> pd.DataFrame:
    """Events from (key, date, kind[, party])."""
    out = [{"student_key": r[0], "date": r[1], "kind": r[2], "party": r[3] if len(r) > 3 else "学生",
            "mentor": "周丽"} for r in rows]
    return pd.DataFrame(out, columns=["student_key", "date", "kind", "party", "mentor"], dtype=object)


def rows_of(c: Cadence, key: str, rule: str) -> pd.DataFrame:
    p = c.periods
    return p[(p["student_key"] == key) & (p["rule"] == rule)].reset_index(drop=True)


def outcome_at(c: Cadence, key: str, rule: str, day: dt.date) -> str:
    p = rows_of(c, key, rule)
    hit = p[(p["period_start"] <= pd.Timestamp(day)) & (p["period_end"] >= pd.Timestamp(day))]
    assert len(hit) == 1, f"no owed period of {rule} holds {day}"
    return str(hit["outcome"].iloc[0])


def test_weekly_talk_met_met_missed_met_in_progress() -> None:
    st_ = students({"key": "a", "categories": [POOR]})
    ev = events(("a", WEEK[0], "谈心"), ("a", WEEK[1] + dt.timedelta(days=2), "谈心"),
                ("a", WEEK[3] + dt.timedelta(days=6), "谈心"))
    c = compute_cadence(st_, ev, policy(), as_of=WEEK[4] + dt.timedelta(days=2))  # Wednesday of week 5
    p = rows_of(c, "a", "贫困谈心")
    assert list(p["outcome"][:6]) == ["达标", "达标", "未达标", "达标", "进行中", "未到期"]
    assert list(p["done"][:5]) == [1, 1, 0, 1, 0]
    assert set(p["outcome"][5:]) == {"未到期"} and len(p) == 20  # the whole term is in the table


@pytest.mark.parametrize(("enrolled", "first_week", "first_month"), [
    (D(2026, 10, 14), D(2026, 10, 12), D(2026, 10, 1)),  # Wednesday: before the week's midpoint (Thursday)
    (D(2026, 10, 15), D(2026, 10, 12), D(2026, 10, 1)),  # on the midpoint
    (D(2026, 10, 16), D(2026, 10, 19), D(2026, 10, 1)),  # Friday: that week is not owed
    (D(2026, 10, 17), D(2026, 10, 19), D(2026, 11, 1)),  # after October's midpoint (10-16)
    (D(2025, 3, 1), D(2026, 8, 31), D(2026, 8, 1)),      # enrolled before the term: owed from its start
])
def test_nothing_is_owed_before_enrolment(enrolled: dt.date, first_week: dt.date, first_month: dt.date) -> None:
    st_ = students({"key": "a", "categories": [POOR], "enrolled_on": enrolled})
    ev = events(*[("a", WEEK[i], "谈心") for i in range(6)])  # talks before enrolment change nothing
    c = compute_cadence(st_, ev, policy(), as_of=D(2026, 12, 1))
    weeks, months = rows_of(c, "a", "贫困谈心"), rows_of(c, "a", "贫困家访")
    assert weeks["period_start"].min() == pd.Timestamp(first_week)
    assert months["period_start"].min() == max(pd.Timestamp(first_month), pd.Timestamp(TERM.start))
    assert c.students.loc[0, "periods_owed"] == (
        (weeks["outcome"] != "未到期").sum() + (months["outcome"] != "未到期").sum() + 1)  # + 学期评估


@pytest.mark.parametrize(("holiday", "owed"), [
    ((D(2026, 10, 5), D(2026, 10, 11)), False),  # Monday–Sunday
    ((D(2026, 10, 5), D(2026, 10, 9)), False),   # Monday–Friday
    ((D(2026, 10, 5), D(2026, 10, 8)), True),    # Friday is a school day
])
def test_holiday_week_owes_nothing(holiday: tuple[dt.date, dt.date], owed: bool) -> None:
    term = dataclasses.replace(TERM, holidays=(Holiday("国庆节", *holiday),))
    st_ = students({"key": "a", "categories": [POOR]})
    c = compute_cadence(st_, events(), policy(term), as_of=D(2026, 11, 1))
    starts = set(rows_of(c, "a", "贫困谈心")["period_start"])
    assert (pd.Timestamp(2026, 10, 5) in starts) is owed
    assert {pd.Timestamp(2026, 9, 28), pd.Timestamp(2026, 10, 12)} <= starts
    assert len(starts) == 20 - (not owed)


@pytest.mark.parametrize(("kind", "counts"), [("家访", True), ("电话家访", True), ("电话", False), ("谈心", False)])
@pytest.mark.parametrize("category", [POOR, "单亲家庭"])
def test_home_visit_and_phone_home_visit_both_count(kind: str, counts: bool, category: str) -> None:
    st_ = students({"key": "a", "categories": [category]})
    c = compute_cadence(st_, events(("a", D(2026, 9, 10), kind)), policy(), as_of=D(2026, 10, 10))
    rule = "贫困家访" if category == POOR else "其他家访"
    assert outcome_at(c, "a", rule, D(2026, 9, 10)) == ("达标" if counts else "未达标")


def test_left_behind_and_poor_is_held_to_the_weekly_talk() -> None:
    st_ = students({"key": "a", "categories": [LEFT, POOR]}, {"key": "b", "categories": [LEFT]})
    c = compute_cadence(st_, events(), policy(), as_of=D(2026, 10, 10))
    rules = c.rules.set_index(["student_key", "rule"])["covered_by"]
    assert rules[("a", "其他谈心")] == "贫困谈心" and rules[("a", "其他家访")] == "贫困家访"
    assert pd.isna(rules[("a", "贫困谈心")]) and pd.isna(rules[("b", "其他谈心")])
    assert set(c.periods.loc[c.periods["student_key"] == "a", "rule"]) == {
        "贫困谈心", "贫困家访", "学期评估", "留守家长电话", "亲情电话"}
    assert set(c.periods.loc[c.periods["student_key"] == "b", "rule"]) == {
        "其他谈心", "其他家访", "学期评估", "留守家长电话", "亲情电话"}


@pytest.mark.parametrize("rules", [
    (Rule("每月三次", ("全部",), ("谈心",), None, "每月", 3), Rule("每周一次", ("全部",), ("谈心",), None, "每周", 1)),
    (Rule("每周一次", ("全部",), ("谈心",), None, "每周", 1), Rule("每周两次", ("全部",), ("谈心",), None, "每周", 2)),
])
def test_strictest_rule_governs(rules: tuple[Rule, ...]) -> None:
    c = compute_cadence(students({"key": "a", "categories": ["孤儿"]}), events(), policy(rules=rules),
                        as_of=D(2026, 10, 10))
    winner = "每周一次" if rules[0].name == "每月三次" else "每周两次"
    assert set(c.periods["rule"]) == {winner}
    loser = next(r.name for r in rules if r.name != winner)
    assert c.rules.set_index("rule").loc[loser, "covered_by"] == winner


def test_other_means_a_category_no_sibling_rule_names() -> None:
    st_ = students({"key": "poor", "categories": [POOR]}, {"key": "other", "categories": ["其他"]},
                   {"key": "none", "categories": []})
    c = compute_cadence(st_, events(), policy(), as_of=D(2026, 10, 10))
    got = c.rules.groupby("student_key")["rule"].apply(set).to_dict()
    assert got["poor"] == {"贫困谈心", "贫困家访", "学期评估"}
    assert got["other"] == {"其他谈心", "其他家访", "学期评估"}
    assert got["none"] == {"学期评估"}


@pytest.mark.parametrize(("day", "counts"), [
    (D(2026, 8, 30), False), (D(2026, 8, 31), True), (D(2027, 1, 17), True), (D(2027, 1, 18), False),
])
def test_events_outside_the_term_do_not_count(day: dt.date, counts: bool) -> None:
    st_ = students({"key": "a", "categories": ["孤儿"]})
    c = compute_cadence(st_, events(("a", day, "评估")), policy(), as_of=D(2027, 2, 1))
    assert list(rows_of(c, "a", "学期评估")["done"]) == [int(counts)]


def test_events_after_the_report_date_do_not_count() -> None:
    st_ = students({"key": "a", "categories": [POOR]})
    c = compute_cadence(st_, events(("a", WEEK[4] + dt.timedelta(days=3), "谈心")), policy(),
                        as_of=WEEK[4] + dt.timedelta(days=2))
    assert outcome_at(c, "a", "贫困谈心", WEEK[4]) == "进行中"


@pytest.mark.parametrize(("party", "counts"), [("家长", True), ("监护人", True), ("学生", False), (None, False)])
def test_parent_call_counts_only_calls_with_a_parent(party: str | None, counts: bool) -> None:
    st_ = students({"key": "a", "categories": [LEFT]})
    c = compute_cadence(st_, events(("a", D(2026, 9, 2), "电话", party)), policy(), as_of=D(2026, 10, 1))
    assert outcome_at(c, "a", "留守家长电话", D(2026, 9, 2)) == ("达标" if counts else "未达标")


def test_outcomes_when_report_date_is_outside_the_term() -> None:
    st_ = students({"key": "a", "categories": [POOR]})
    before = compute_cadence(st_, events(), policy(), as_of=D(2026, 8, 1))
    after = compute_cadence(st_, events(), policy(), as_of=D(2027, 3, 1))
    assert set(before.periods["outcome"]) == {"未到期"} and before.students.loc[0, "periods_owed"] == 0
    assert set(after.periods["outcome"]) == {"未达标"}


def test_overdue_and_due_soon_lists() -> None:
    st_ = students({"key": "ok", "categories": [POOR], "name": "张三"},
                   {"key": "late", "categories": [POOR], "name": "李四"},
                   {"key": "later", "categories": [POOR], "name": "王五", "enrolled_on": D(2026, 9, 14)},
                   {"key": "other", "categories": [POOR], "name": "赵六", "mentor": "陈刚"})
    ev = events(*[(k, WEEK[i], "谈心") for k in ("ok", "other") for i in range(5)],
                *[(k, WEEK[i], "家访") for k in ("ok", "late", "later", "other") for i in (0, 1)],
                *[(k, D(2026, 9, 1), "评估") for k in ("ok", "late", "later", "other")],
                ("late", WEEK[0], "谈心"), ("later", WEEK[2], "谈心"))
    as_of = WEEK[4] + dt.timedelta(days=4)  # Friday of week 5: the week ends in 2 days
    c = compute_cadence(st_, ev, policy(), as_of=as_of)
    over = c.overdue[c.overdue["rule"] == "贫困谈心"]
    assert list(over["student_key"]) == ["late", "later"]  # one teacher, most overdue first
    late = over.iloc[0]
    assert late["reason"] == "未达标；久未联系" and late["last_contact"] == pd.Timestamp(WEEK[0])
    assert late["period_start"] == pd.Timestamp(WEEK[3]) and late["done"] == 0
    assert late["days_overdue"] == (as_of - WEEK[0]).days - 7 and late["mentor"] == "周丽"
    assert "谈心差 1 次" in late["missing"]
    due = c.due_soon[c.due_soon["rule"] == "贫困谈心"]
    assert list(due["student_key"]) == ["late", "later"]
    assert set(due["days_left"]) == {2} and set(due["missing"]) == {"谈心还差 1 次"}
    assert c.students.set_index("student_key").loc["ok", "overdue_items"] == 0
    teachers = c.teachers.set_index("mentor")
    assert teachers.loc["周丽", "students"] == 3 and teachers.loc["周丽", "students_overdue"] == 2
    assert teachers.loc["陈刚", "students_overdue"] == 0


def test_no_contact_for_longer_than_a_period_is_overdue_holidays_not_counted() -> None:
    term = dataclasses.replace(TERM, holidays=(Holiday("国庆节", D(2026, 10, 1), D(2026, 10, 7)),))
    st_ = students({"key": "a", "categories": ["单亲家庭"]})
    ev = events(("a", D(2026, 9, 1), "谈心"), ("a", D(2026, 9, 1), "家访"), ("a", D(2026, 10, 9), "家访"))
    c = compute_cadence(st_, ev, policy(term), as_of=D(2026, 10, 12))
    assert outcome_at(c, "a", "其他谈心", D(2026, 9, 1)) == "达标"  # September was kept ...
    assert set(c.overdue["rule"]) == {"其他谈心"}  # ... but 41 days − 7 holidays = 34 > 31 without a talk
    row = c.overdue.iloc[0]
    assert row["reason"] == "久未联系" and row["days_without"] == 34 and row["days_overdue"] == 3
    assert row["period_start"] == pd.Timestamp(2026, 10, 1) and row["missing"] == "已 34 天没有谈心"


@pytest.mark.parametrize(("n", "limit", "flag"), [(5, None, False), (6, None, True), (6, 6, False), (2, 1, True)])
def test_mentoring_load_flag(n: int, limit: int | None, flag: bool) -> None:
    st_ = students(*[{"key": f"s{i}", "categories": ["孤儿"]} for i in range(n)])
    c = compute_cadence(st_, events(), policy(), as_of=D(2026, 10, 1), load_limit=limit)
    row = c.teachers.iloc[0]
    assert row["students"] == n and bool(row["over_load"]) is flag
    assert row["load_limit"] == (DEFAULT_LOAD_LIMIT if limit is None else limit)
    assert c.school.iloc[0]["teachers_over_load"] == int(flag)


def test_rollups_and_last_contact() -> None:
    st_ = students({"key": "a", "categories": [POOR], "class": "1班"},
                   {"key": "b", "categories": [POOR], "class": "2班", "mentor": None})
    ev = events(("a", WEEK[0], "谈心"), ("a", WEEK[1], "谈心"), ("b", WEEK[0], "家访"))
    c = compute_cadence(st_, ev, policy(), as_of=WEEK[2] + dt.timedelta(days=7))  # Monday of week 4
    s = c.students.set_index("student_key")
    # weeks 1–2 met, week 3 missed; the term starts on 08-31, so August is a one-day month of 贫困家访, owed
    # and missed by a (calendar months clipped to the term); September and 学期评估 are in progress
    assert s.loc["a", "periods_met"] == 2 and s.loc["a", "periods_missed"] == 2
    assert s.loc["a", "periods_in_progress"] == 3 and s.loc["a", "periods_owed"] == 7
    assert s.loc["a", "compliance_rate"] == pytest.approx(2 / 4)
    assert s.loc["a", "days_since_谈心"] == 14 and pd.isna(s.loc["b", "days_since_谈心"])
    assert s.loc["b", "last_家访"] == pd.Timestamp(WEEK[0])
    assert list(c.classes["class"]) == ["1班", "2班"] and list(c.classes["students"]) == [1, 1]
    assert set(c.teachers["mentor"]) == {"周丽", "（未填写）"}
    assert c.school.iloc[0]["students"] == 2 and c.school.iloc[0]["periods_owed"] == s["periods_owed"].sum()


def test_to_dict_is_json_ready() -> None:
    st_ = students({"key": "a", "categories": [POOR, LEFT], "id_number": None})
    c = compute_cadence(st_, events(("a", WEEK[0], "谈心")), policy(), as_of=WEEK[3])
    d = json.loads(json.dumps(c.to_dict(), ensure_ascii=False))
    assert d["as_of"] == WEEK[3].isoformat()
    assert set(d) == {"as_of", "periods", "teachers", "overdue", "due_soon"}
    first = d["periods"][0]
    assert set(first) == {"id_number", "name", "school", "class", "rule", "period_start", "period_end", "required",
                          "done", "outcome"}
    assert (first["school"], first["class"]) == ("城关小学", "三年级2班")  # the class's one label, never 2班 alone
    assert first["id_number"] is None and first["period_start"] == "2026-08-31" and first["outcome"] == "达标"
    assert d["overdue"] and all(isinstance(r["days_overdue"], int) for r in d["overdue"])


def test_bad_inputs() -> None:
    with pytest.raises(InputError, match="student_key"):
        compute_cadence(students({"key": "a", "categories": []}, {"key": "a", "categories": []}), events(),
                        policy(), as_of=D(2026, 10, 1))
    with pytest.raises(InputError, match="enrolled_on"):
        compute_cadence(students({"key": "a", "categories": []}).drop(columns="enrolled_on"), events(), policy(),
                        as_of=D(2026, 10, 1))


def test_empty_inputs() -> None:
    c = compute_cadence(students(), events(), policy(), as_of=D(2026, 10, 1))
    assert c.periods.empty and c.overdue.empty and c.due_soon.empty and c.teachers.empty
    assert c.to_dict()["periods"] == []
    c = compute_cadence(students({"key": "a", "categories": [POOR]}), events(), policy(rules=()),
                        as_of=D(2026, 10, 1))
    assert c.periods.empty and c.students.loc[0, "periods_owed"] == 0


# ---- properties against a plain-Python reference ------------------------------------------------------------

SHORT = Term("短学期", D(2026, 8, 31), D(2026, 11, 8), (Holiday("国庆节", D(2026, 10, 1), D(2026, 10, 7)),))
CATS = [POOR, LEFT, "单亲家庭", "其他"]
KINDS = ["谈心", "电话", "家访", "电话家访", "评估", "亲情电话", "书信"]
PARTIES = {"家长": ("家长", "监护人")}


def reference(st_: pd.DataFrame, ev: pd.DataFrame, pol: Policy, c: Cadence, as_of: dt.date) -> dict:
    """Owed periods and done counts computed the slow, obvious way, for the rules the engine says govern."""
    out = {}
    governing = c.rules[c.rules["covered_by"].isna()]
    for _, g in governing.iterrows():
        rule = pol.rule(g["rule"])
        s = st_.set_index("student_key").loc[g["student_key"]]
        since = max(s["enrolled_on"] or pol.term.start, pol.term.start)
        for _, p in term_periods(pol.term, rule.period).iterrows():
            start, end = p["start"].date(), p["end"].date()
            if p["owed_free"] or since > start + (end - start) // 2:
                continue
            done = sum(1 for _, e in ev.iterrows()
                       if e["student_key"] == g["student_key"] and start <= e["date"] <= end
                       and e["date"] <= as_of and e["kind"] in rule.kinds
                       and (rule.party is None or e["party"] in PARTIES.get(rule.party, (rule.party,))))
            out[(g["student_key"], rule.name, int(p["period_no"]))] = done
    return out


@st.composite
def cases(draw: st.DrawFn) -> tuple[pd.DataFrame, pd.DataFrame, dt.date, tuple]:
    n = draw(st.integers(1, 3))
    rows = [{"key": f"k{i}", "categories": draw(st.lists(st.sampled_from(CATS), max_size=3, unique=True)),
             "enrolled_on": draw(st.none() | st.dates(D(2026, 8, 20), D(2026, 11, 15)))} for i in range(n)]
    event = st.tuples(st.sampled_from([f"k{i}" for i in range(n)] + ["stranger"]),
                      st.dates(D(2026, 8, 25), D(2026, 11, 12)), st.sampled_from(KINDS),
                      st.sampled_from(["学生", "家长", "监护人", None]))
    evs = draw(st.lists(event, max_size=25))
    extra = draw(event)
    return students(*rows), evs, draw(st.dates(D(2026, 8, 28), D(2026, 11, 12))), extra


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=cases())
def test_engine_matches_reference_and_adding_an_event_never_hurts(case: tuple) -> None:
    st_, evs, as_of, extra = case
    pol = policy(SHORT)
    ev = events(*evs)
    c = compute_cadence(st_, ev, pol, as_of=as_of)
    got = {(r.student_key, r.rule, r.period_no): r.done for r in c.periods.itertuples()}
    assert got == reference(st_, ev, pol, c, as_of)
    # 达标 + 未达标 + 进行中 over a student's periods are exactly the periods owed so far
    p = c.periods.assign(started=c.periods["period_start"] <= pd.Timestamp(as_of))
    for key, owed in c.students.set_index("student_key")["periods_owed"].items():
        mine = p[p["student_key"] == key]
        assert owed == mine["outcome"].isin(OUTCOMES[:3]).sum() == mine["started"].sum()
    more = compute_cadence(st_, events(*evs, extra), pol, as_of=as_of)
    before = c.periods.set_index(["student_key", "rule", "period_no"])
    after = more.periods.set_index(["student_key", "rule", "period_no"])
    assert before.index.equals(after.index)
    assert (after["done"] >= before["done"]).all()
    assert (after["outcome"][before["outcome"] == "达标"] == "达标").all()
    sb, sa = c.students.set_index("student_key"), more.students.set_index("student_key")
    assert (sa["periods_met"] >= sb["periods_met"]).all() and (sa["periods_owed"] == sb["periods_owed"]).all()
