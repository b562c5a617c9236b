"""Each student's file (一生一档) from the store: the 档案卡 as of the latest round, every contact of every round,
the 评估 entries (学期评价) and each term's cadence.

A class keeps adding to one ledger through a term, so consecutive rounds repeat a contact: a contact is one
entry per (date, 方式, 对象, content), whichever rounds carried it. The card says since when a student has had
each 类别 and their current 帮扶教师 (the report date of the first round, in the unbroken run of rounds up to the
latest, that showed it).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import pandas as pd

from rosterkit.errors import InputError
from rosterkit.history.store import Store, opened
from rosterkit.merging.school import class_label, class_parts

__all__ = ["Dossier", "Term", "dossiers"]

ASSESSMENT = "评估"  # the 方式 whose entries are the 学期评价


@dataclass
class Term:
    """One term's cadence for a student, as of the last round recorded in it."""

    name: str
    as_of: str
    rules: list[dict[str, Any]]  # rule, periods, met, missed, in_progress, upcoming, unreported, last_outcome
    compliance_rate: float | None


@dataclass
class Dossier:
    """One student's file: ``record`` (the latest round's cleaned ledger row, by field key), ``klass`` (school,
    class label), ``since`` (类别 and 帮扶教师 → the report date since which they hold), ``contacts`` (one dict
    per contact: date, kind, party, mentor, content, follow_up; oldest first), ``terms``."""

    person: str
    record: dict[str, Any]
    school: str
    klass: str
    rounds: list[str]
    since: dict[str, str] = field(default_factory=dict)
    contacts: list[dict[str, Any]] = field(default_factory=list)
    terms: list[Term] = field(default_factory=list)

    @property
    def assessments(self) -> list[dict[str, Any]]:
        """The 评估 entries: the 学期评价."""
        return [c for c in self.contacts if c.get("kind") == ASSESSMENT]


def _since(history: Sequence[dict[str, Any]], value: Any) -> str:
    """The report date from which ``value(rec)`` has held without a break up to the latest round."""
    start = ""
    for rec in reversed(history):
        if not value(rec):
            break
        start = rec["_date"]
    return start


def dossiers(store: str | Path | Store, *, klass: str | None = None, id_number: str | None = None,
             scope: str | None = None) -> list[Dossier]:
    """The files of the students of the latest round of ``scope`` (default: the latest round's), all of them, or
    one class (``klass``: 三年级1班, or 城南小学 三年级1班), or one student (``id_number``); in class order.
    :class:`InputError` when the store has no such class or student."""
    with opened(store) as s:
        return _dossiers(s, klass, id_number, scope)


def _dossiers(s: Store, klass: str | None, id_number: str | None, scope: str | None) -> list[Dossier]:
    scope, mine = s.scope_rounds(scope)
    latest = int(mine["round_id"].iloc[-1])
    # the classes of the round first (a county's 2,000), then only the students asked for: loading a county's
    # 90,000 records to keep one class's 45 took seconds
    classes = s.query("SELECT DISTINCT school, grade, class FROM students WHERE round_id = ?", (latest,))
    classes["_label"] = [class_label(*class_parts(g, c)) for g, c in zip(classes["grade"], classes["class"])]
    where, params = "round_id = ?", [cast(Any, latest)]
    if id_number is not None:
        wanted = id_number.strip().upper()
        where += " AND (UPPER(id_number) = ? OR person = ?)"
        params += [wanted, wanted]
    if klass is not None:
        target = "".join(klass.split())
        chosen = classes[[target in (lab, f"{sch}{lab}") for lab, sch in zip(classes["_label"],
                                                                             classes["school"].fillna(""))]]
        if chosen.empty:
            labels = "、".join(dict.fromkeys(classes["_label"]))
            raise InputError(f"存档里 {scope} 最近一轮没有「{klass}」这个班（有：{labels}）")
        where += " AND (" + " OR ".join(["(school IS ? AND grade IS ? AND class IS ?)"] * len(chosen)) + ")"
        params += [v for row in chosen[["school", "grade", "class"]].itertuples(index=False) for v in row]
    now = s.query(f"SELECT * FROM students WHERE {where} ORDER BY rowid", tuple(params))  # the roster order
    if now.empty and id_number is not None:
        raise InputError(f"存档里 {scope} 最近一轮（{mine['report_date'].iloc[-1]}）没有身份证号为 {id_number} 的学生")
    now["_label"] = [class_label(*class_parts(g, c)) for g, c in zip(now["grade"], now["class"])]
    persons = now["person"].tolist()
    marks = ",".join("?" * len(persons))
    ids = tuple(int(x) for x in mine["round_id"])
    in_rounds = ",".join("?" * len(ids))
    history = s.query(f"SELECT round_id, person, record FROM students WHERE person IN ({marks}) "
                      f"AND round_id IN ({in_rounds})", (*persons, *ids))
    contacts = s.query(f"SELECT round_id, person, date, kind, party, mentor, content, follow_up FROM contacts "
                       f"WHERE person IN ({marks}) AND round_id IN ({in_rounds}) AND valid = 1", (*persons, *ids))
    outcomes = s.query(f"SELECT * FROM outcomes WHERE person IN ({marks}) AND round_id IN ({in_rounds})",
                       (*persons, *ids))
    dates = dict(zip(mine["round_id"].astype(int), mine["report_date"]))
    terms = dict(zip(mine["round_id"].astype(int), mine["term"]))
    out = []
    for row in now.to_dict("records"):
        person = row["person"]
        past = sorted(({**json.loads(r["record"]), "_date": dates[int(r["round_id"])]}
                       for r in history[history["person"] == person].to_dict("records")), key=lambda r: r["_date"])
        record = json.loads(row["record"])
        d = Dossier(person, record, row["school"] or "", row["_label"], [r["_date"] for r in past])
        for cat in record.get("categories") or []:
            d.since[cat] = _since(past, lambda r, c=cat: c in (r.get("categories") or []))
        if record.get("mentor"):
            d.since["帮扶教师"] = _since(past, lambda r, m=record["mentor"]: r.get("mentor") == m)
        d.contacts = _contacts(contacts[contacts["person"] == person])
        d.terms = _terms(outcomes[outcomes["person"] == person], dates, terms)
        out.append(d)
    return out


def _contacts(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """One entry per contact, whichever rounds carried it; oldest first."""
    seen: dict[tuple[Any, ...], dict[str, Any]] = {}
    for r in frame.sort_values("round_id").to_dict("records"):
        key = (r["date"], r["kind"], r["party"], r["content"])
        seen[key] = {k: r[k] for k in ("date", "kind", "party", "mentor", "content", "follow_up")}  # latest wording
    return sorted(seen.values(), key=lambda c: (c["date"] or "", c["kind"] or ""))


def _terms(frame: pd.DataFrame, dates: dict[int, str], terms: dict[int, str]) -> list[Term]:
    """Per term, the cadence as of the last round recorded in it."""
    last: dict[str, int] = {}
    for rid in sorted(set(frame["round_id"].astype(int)), key=lambda r: dates[r]):
        last[terms[rid] or "（未写学期）"] = rid
    out = []
    for name, rid in last.items():
        rules = [{str(k): v for k, v in r.items()}
                 for r in frame[frame["round_id"] == rid].drop(columns=["round_id", "person"]).to_dict("records")]
        met, missed = sum(int(r["met"]) for r in rules), sum(int(r["missed"]) for r in rules)
        out.append(Term(name, dates[rid], rules, met / (met + missed) if met + missed else None))
    return out

