"""The mentors' yearly review (考核) from the store: per 帮扶教师, class and school, each term's compliance (as of
the term's last round), the periods missed, the students overdue at each round, and a score.

The score's weights come from the 考核 sheet of the policy workbook (帮扶制度.xlsx), which the bureau may edit;
without that sheet the defaults below are used, and the workbook says which. Each indicator is a share in
[0, 1]; the score is Σ(weight × indicator) ÷ Σ(weights of the indicators that apply) × 100, one decimal. An
indicator with nothing to judge (no closed period yet) does not apply rather than count as 0.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import python_calamine as pc

from rosterkit.core.template import default_path
from rosterkit.errors import InputError
from rosterkit.history.store import Store, opened
from rosterkit.merging.school import class_label, class_parts

__all__ = ["DEFAULT_WEIGHTS", "REVIEW_SHEET", "Review", "read_weights", "review"]

REVIEW_SHEET = "考核"
# indicator → weight; the 考核 sheet of 帮扶制度.xlsx overrides them (scripts/build_templates.py ships these)
DEFAULT_WEIGHTS = {"落实率": 70.0, "无逾期": 30.0}
HOW = {"落实率": "学年内各学期（以每学期最后一轮为准）已结束的周期中「达标」的比例：达标 ÷（达标 + 未达标）",
       "无逾期": "各轮中结对学生没有逾期事项的比例：1 − 各轮逾期学生数之和 ÷ 各轮结对学生数之和"}
FORMULA = "得分 = Σ（权重 × 指标）÷ Σ权重 × 100，保留一位小数；某项没有可判断的内容（如还没有结束的周期）时不计入。"


@dataclass
class Review:
    """One school year's review. ``mentors`` / ``classes`` / ``schools``: one row each with students, a
    ``rate:<term>`` column per term, compliance_rate (the year), periods_missed, ``overdue:<date>`` per round,
    no_overdue, score. ``weights`` and where they came from (``weights_from``)."""

    year: str
    weights: dict[str, float]
    weights_from: str
    terms: list[str]
    rounds: list[str]
    mentors: pd.DataFrame
    classes: pd.DataFrame
    schools: pd.DataFrame
    scope: str = ""
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        def rows(frame: pd.DataFrame, lead: list[str]) -> list[dict[str, Any]]:
            out = []
            for r in frame.to_dict("records"):
                out.append({**{k: r[k] for k in lead}, "students": int(r["students"]),
                            "terms": {t: r[f"rate:{t}"] for t in self.terms},
                            "compliance_rate": r["compliance_rate"], "periods_missed": int(r["periods_missed"]),
                            "overdue_by_round": {d: int(r[f"overdue:{d}"]) for d in self.rounds},
                            "no_overdue": r["no_overdue"], "score": r["score"]})
            return out
        return {"year": self.year, "scope": self.scope, "weights": self.weights, "weights_from": self.weights_from,
                "terms": self.terms, "rounds": self.rounds,
                "mentors": rows(self.mentors, ["school", "mentor"]), "classes": rows(self.classes, ["school", "class"]),
                "schools": rows(self.schools, ["school"])}


def read_weights(policy: str | Path | None = None) -> tuple[dict[str, float], str]:
    """The 考核 weights of the policy workbook (default: the official one), and where they came from."""
    path = Path(policy) if policy else default_path("帮扶制度")
    try:
        wb = pc.CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # the coordinator named it: say what is wrong
        raise InputError(f"无法读取帮扶制度 {path.name}：{exc}") from exc
    if REVIEW_SHEET not in wb.sheet_names:
        return dict(DEFAULT_WEIGHTS), f"默认权重（{path.name} 没有「{REVIEW_SHEET}」表）"
    rows = wb.get_sheet_by_name(REVIEW_SHEET).to_python(skip_empty_area=False)
    weights: dict[str, float] = {}
    for row in rows[1:]:
        name = str(row[0]).strip() if row and row[0] is not None else ""
        if name in DEFAULT_WEIGHTS:
            value = row[1] if len(row) > 1 else None
            if not isinstance(value, (int, float)) or isinstance(value, bool) or value < 0:
                raise InputError(f"{path.name}「{REVIEW_SHEET}」表中「{name}」的权重应是不小于 0 的数字，现在是「{value}」")
            weights[name] = float(value)
    missing = [k for k in DEFAULT_WEIGHTS if k not in weights]
    for k in missing:
        weights[k] = 0.0
    note = f"（没有列出的指标不计：{'、'.join(missing)}）" if missing else ""
    return weights, f"{path.name}「{REVIEW_SHEET}」表{note}"


def _in_year(term: str, day: str, year: str) -> bool:
    first = int(year[:4])
    if term:
        return re.sub(r"[—–-]+", "-", term).startswith(f"{first}-{first + 1}")
    d = dt.date.fromisoformat(day)
    return dt.date(first, 8, 1) <= d < dt.date(first + 1, 8, 1)


def _score(rate: float | None, no_overdue: float | None, weights: dict[str, float]) -> float | None:
    parts = [(weights["落实率"], rate), (weights["无逾期"], no_overdue)]
    total = sum(w for w, v in parts if v is not None)
    return None if not total else round(sum(w * v for w, v in parts if v is not None) / total * 100, 1)


def _table(st: pd.DataFrame, keys: list[str], last_of_term: dict[str, int], rounds: list[tuple[int, str]],
           weights: dict[str, float]) -> pd.DataFrame:
    out = []
    for key, g in st.groupby(keys, dropna=False, sort=True):
        row: dict[str, Any] = dict(zip(keys, key if isinstance(key, tuple) else (key,)))
        row["students"] = g["person"].nunique()
        met = missed = 0
        for term, rid in last_of_term.items():
            t = g[g["round_id"] == rid]
            m, x = int(t["periods_met"].fillna(0).sum()), int(t["periods_missed"].fillna(0).sum())
            row[f"rate:{term}"] = m / (m + x) if m + x else None
            met, missed = met + m, missed + x
        row["compliance_rate"] = met / (met + missed) if met + missed else None
        row["periods_missed"] = missed
        late = judged = 0
        for rid, day in rounds:
            r = g[g["round_id"] == rid]
            n = int((r["overdue_items"].fillna(0) > 0).sum())
            row[f"overdue:{day}"] = n
            late, judged = late + n, judged + len(r)
        row["no_overdue"] = 1 - late / judged if judged else None
        row["score"] = _score(row["compliance_rate"], row["no_overdue"], weights)
        out.append(row)
    frame = pd.DataFrame(out)
    return frame.sort_values("score", ascending=False, kind="stable", na_position="last").reset_index(drop=True) \
        if len(frame) else frame


def review(store: str | Path | Store, year: str, *, policy: str | Path | None = None, scope: str | None = None
           ) -> Review:
    """The review of school year ``year`` (``2026-2027``) from the rounds stored for it."""
    if not re.fullmatch(r"\d{4}[-—–]\d{4}", year.strip()) or int(year[-4:]) != int(year[:4]) + 1:
        raise InputError(f"学年应写成 2026-2027 这样的两个相邻年份：{year}")
    year = f"{year[:4]}-{year[-4:]}"
    weights, source = read_weights(policy)
    with opened(store) as s:
        rounds = s.rounds
        if scope is None and len(rounds):
            scope = str(rounds.sort_values(["report_date", "round_id"])["scope"].iloc[-1])
        in_year = pd.Series([_in_year(t, d, year) for t, d in zip(rounds["term"], rounds["report_date"])],
                            index=rounds.index, dtype=bool)
        mine = rounds[(rounds["scope"] == scope) & in_year]
        if mine.empty:
            raise InputError(f"存档里没有 {year} 学年的记录（{scope or '存档是空的'}）")
        ids = tuple(int(x) for x in mine["round_id"])
        st = s.query(f"SELECT round_id, person, school, grade, class, mentor, periods_met, periods_missed, "
                     f"overdue_items FROM students WHERE round_id IN ({','.join('?' * len(ids))})", ids)
    mine = mine.sort_values("report_date")
    last_of_term = {str(t) or "（未写学期）": int(r) for t, r in zip(mine["term"], mine["round_id"])}
    order = [(int(r), str(d)) for r, d in zip(mine["round_id"], mine["report_date"])]
    st["mentor"] = st["mentor"].fillna("（未填帮扶教师）")
    st["school"] = st["school"].fillna("")
    st["class"] = [class_label(*class_parts(g, c)) for g, c in zip(st["grade"], st["class"])]
    return Review(year, weights, source, list(last_of_term), [d for _, d in order],
                  _table(st, ["school", "mentor"], last_of_term, order, weights),
                  _table(st, ["school", "class"], last_of_term, order, weights),
                  _table(st, ["school"], last_of_term, order, weights), scope=scope or "")
