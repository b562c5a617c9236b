"""Benchmark of compute_cadence on a county: 100k students, 1M contact events (seeded, reproducible).

Run: PYTHONPATH=src python benchmarks/bench_cadence.py [--students N] [--events M] [--seed S] [--reported-on]

``--reported-on`` gives every class a 填报日期 in the two weeks before the report date (each class is then judged
as of its own date: periods after it are 未报).

Prints the sizes, the seconds of compute_cadence (best of --repeat runs), and the ratio against a floor measured
in the same run: a plain pandas count of events per student per ISO week on the same frames.
"""

from __future__ import annotations

import argparse
import datetime as dt
import time

import numpy as np
import pandas as pd

from rosterkit.cadence.engine import compute_cadence
from rosterkit.core.policy import load_policy

KINDS = np.array(["谈心", "电话", "家访", "电话家访", "评估", "书信", "亲情电话", "其他"], dtype=object)
KIND_P = [0.45, 0.15, 0.08, 0.08, 0.03, 0.02, 0.15, 0.04]
PARTIES = np.array(["学生", "家长", "监护人", None], dtype=object)
# A few category sets, as rosters hold them (tuples, as the checker produces).
CATEGORY_SETS = [("留守儿童",), ("建档立卡贫困家庭",), ("留守儿童", "建档立卡贫困家庭"), ("单亲家庭",),
                 ("农村低保家庭",), ("留守儿童", "单亲家庭"), ("困境儿童",), ("离异家庭",), ("残疾",),
                 ("特困供养", "孤儿"), ("厌学辍学倾向",), ("其他",)]
CATEGORY_P = [0.25, 0.15, 0.1, 0.1, 0.08, 0.07, 0.05, 0.05, 0.04, 0.03, 0.05, 0.03]


def make_data(n_students: int, n_events: int, seed: int, term_start: dt.date, term_end: dt.date
              ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Students and events as object-dtype frames with Python dates and tuples, like the checker's output."""
    rng = np.random.default_rng(seed)
    i = np.arange(n_students)
    school = i // 2000
    klass = (i // 40) % 50
    sets = np.empty(len(CATEGORY_SETS), dtype=object)
    sets[:] = CATEGORY_SETS
    start64 = np.datetime64(term_start)
    enrolled = np.where(rng.random(n_students) < 0.8, np.datetime64("NaT"),
                        start64 + rng.integers(0, 100, n_students)).astype("datetime64[D]").astype(object)
    students = pd.DataFrame({
        "student_key": pd.Series(i).map("K{:07d}".format).to_numpy(dtype=object),
        "id_number": pd.Series(i).map("43012120170101{:04d}".format).to_numpy(dtype=object),
        "name": pd.Series(i).map("学生{}".format).to_numpy(dtype=object),
        "school": pd.Series(school).map("第{}小学".format).to_numpy(dtype=object),
        "grade": pd.Series(klass // 8 + 1).map("{}年级".format).to_numpy(dtype=object),
        "class": pd.Series(klass % 8 + 1).map("{}班".format).to_numpy(dtype=object),
        "mentor": pd.Series(i // 4 + rng.integers(0, 2, n_students)).map("教师{}".format).to_numpy(dtype=object),
        "categories": sets[rng.choice(len(CATEGORY_SETS), n_students, p=CATEGORY_P)],
        "enrolled_on": enrolled,
    }, dtype=object)
    span = (term_end - term_start).days + 10  # a few events land after the term: they must not count
    ev_student = rng.integers(0, n_students, n_events)
    events = pd.DataFrame({
        "student_key": students["student_key"].to_numpy()[ev_student],
        "date": (start64 - 3 + rng.integers(0, span, n_events)).astype("datetime64[D]").astype(object),
        "kind": KINDS[rng.choice(len(KINDS), n_events, p=KIND_P)],
        "party": PARTIES[rng.integers(0, len(PARTIES), n_events)],
        "mentor": students["mentor"].to_numpy()[ev_student],
    }, dtype=object)
    return students, events


def floor(events: pd.DataFrame) -> pd.Series:
    """The baseline: count events per student per ISO week with plain pandas."""
    week = pd.to_datetime(events["date"]).dt.isocalendar().week
    return events.groupby([events["student_key"], week]).size()


def best(fn, repeat: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return min(times), out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--students", type=int, default=100_000)
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=20260901)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--reported-on", action="store_true", help="each class a 填报日期 before the report date")
    args = ap.parse_args()
    policy, _ = load_policy()
    as_of = dt.date(2026, 11, 26)  # a Thursday: the due-soon list is not empty
    students, events = make_data(args.students, args.events, args.seed, policy.term.start, policy.term.end)
    if args.reported_on:  # one date per class (40 students), 0–13 days before as_of
        back = np.random.default_rng(args.seed).integers(0, 14, (len(students) + 39) // 40)
        students["reported_on"] = [as_of - dt.timedelta(days=int(b)) for b in np.repeat(back, 40)[:len(students)]]
    base_s, counts = best(lambda: floor(events), args.repeat)
    run_s, result = best(lambda: compute_cadence(students, events, policy, as_of=as_of), args.repeat)
    print(f"students        {len(students):>12,}")
    print(f"events          {len(events):>12,}")
    print(f"periods rows    {len(result.periods):>12,}")
    print(f"rules rows      {len(result.rules):>12,}")
    print(f"未报 periods     {int((result.periods['outcome'] == '未报').sum()):>12,}")
    print(f"overdue rows    {len(result.overdue):>12,}")
    print(f"due-soon rows   {len(result.due_soon):>12,}")
    print(f"floor groupby   {base_s:>12.3f} s  ({len(counts):,} student-week counts)")
    print(f"compute_cadence {run_s:>12.3f} s")
    print(f"ratio           {run_s / base_s:>12.1f} x the floor")


if __name__ == "__main__":
    main()
