"""Time `rosterkit report` at county scale against a floor and a naive pandas pipeline.

Run: python benchmarks/bench_report.py --files 200 --second 500 [--work /tmp/rkbench] [--jobs N]

For each size it generates (or reuses) a corpus with benchmarks/make_county.py under ``--work`` and runs, each in
a fresh subprocess whose whole process tree is sampled for memory (psutil: RSS every 50 ms, PSS every second;
the process and its children, rosterkit's process pool and writers included):

  floor     python-calamine reads every sheet of every file into Python rows, nothing else; then the roster rows
            of all files are written with a bare xlsxwriter ``write_row`` loop
  naive     pandas.read_excel(engine="openpyxl") per data sheet, the template's pandera schema (lazy),
            pandas.concat, DataFrame.to_excel: what a competent analyst would write
  rosterkit ``rosterkit report INBOX --school-info 学校信息.xlsx -o OUT --as-of 2026-11-23`` end to end

and prints wall time, time per file, peak memory and the ratios rosterkit / floor and naive / rosterkit, then
the time per file at the two sizes (the growth must be linear). ``--skip-naive`` leaves out the slowest stage.

The floor and rosterkit run ``--repeat`` times (default 3) in turns and the table gives medians: on a shared
virtual machine the speed of the same code drifts by tens of percent within minutes, so rosterkit / floor is
the median of the ratios of back-to-back pairs.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
AS_OF = "2026-11-23"
TARGETS = {"rosterkit / floor": ("<=", 2.0), "naive / rosterkit": (">=", 8.0), "peak MB": ("<=", 1536)}


# ---------------------------------------------------------------- the stages (run in a child process)


def stage_floor(inbox: Path, out: Path) -> dict[str, Any]:
    from python_calamine import CalamineWorkbook
    import xlsxwriter

    t0 = time.perf_counter()
    roster: list[list[Any]] = []
    cells = 0
    files = sorted(inbox.glob("*.xls*"))
    for path in files:
        wb = CalamineWorkbook.from_path(str(path))
        for name in wb.sheet_names:
            rows = wb.get_sheet_by_name(name).to_python()
            cells += sum(len(r) for r in rows)
            if name == "花名册":
                roster += rows[2:]
    t_read = time.perf_counter() - t0
    out.mkdir(parents=True, exist_ok=True)
    book = xlsxwriter.Workbook(str(out / "floor_roster.xlsx"), {"constant_memory": False})
    ws = book.add_worksheet("花名册")
    for r, row in enumerate(roster):
        ws.write_row(r, 0, row)
    book.close()
    return {"files": len(files), "cells": cells, "roster_rows": len(roster), "read_s": t_read,
            "write_s": time.perf_counter() - t0 - t_read}


def stage_naive(inbox: Path, out: Path) -> dict[str, Any]:
    import pandas as pd
    import pandera.errors as pe

    from rosterkit.checking.schema import build_schema
    from rosterkit.core.template import load_template

    tpl = load_template()
    t0 = time.perf_counter()
    frames: dict[str, list[pd.DataFrame]] = {"roster": [], "log": []}
    failures = 0
    files = sorted(inbox.glob("*.xls*"))
    for path in files:
        for role, spec in (("roster", tpl.roster), ("log", tpl.log)):
            df = pd.read_excel(path, sheet_name=spec.name, header=spec.header_row - 1, engine="openpyxl",
                               dtype=object)
            labels = {n: f.key for f in spec.fields for n in f.names()}
            df = df.rename(columns=lambda c: labels.get(str(c).strip(), c))
            try:
                build_schema(spec).validate(df, lazy=True)
            except pe.SchemaErrors as exc:
                failures += len(exc.failure_cases)
            df["source_file"] = path.name
            frames[role].append(df)
    t_read = time.perf_counter() - t0
    out.mkdir(parents=True, exist_ok=True)
    roster = pd.concat(frames["roster"], ignore_index=True)
    log = pd.concat(frames["log"], ignore_index=True)
    with pd.ExcelWriter(out / "naive_merged.xlsx") as xw:
        roster.to_excel(xw, sheet_name="花名册", index=False)
        log.to_excel(xw, sheet_name="帮扶记录", index=False)
    return {"files": len(files), "roster_rows": len(roster), "log_rows": len(log), "failure_cases": failures,
            "read_validate_s": t_read, "write_s": time.perf_counter() - t0 - t_read}


STAGES = {"floor": stage_floor, "naive": stage_naive}


# ---------------------------------------------------------------- where the time goes (--profile)

# step → functions whose cumulative time is that step (cProfile, one serial in-process run: jobs=1)
STEPS = [
    ("check: read (calamine)", "rosterkit/checking/read.py", "read_workbook"),
    ("check: header+records", "rosterkit/checking/read.py", "extract_records"),
    ("check: header find", "rosterkit/checking/read.py", "find_header"),
    ("check: clean (normalize)", "rosterkit/checking/validate.py", "clean_records"),
    ("check: pandera schema (batched)", "rosterkit/checking/validate.py", "run_schema_many"),
    ("check: cross conditional", "rosterkit/checking/crosscheck.py", "conditional"),
    ("check: cross id", "rosterkit/checking/crosscheck.py", "id_agreement"),
    ("check: cross duplicates", "rosterkit/checking/crosscheck.py", "duplicates"),
    ("check: cross dates", "rosterkit/checking/crosscheck.py", "dates"),
    ("check: log vs roster", "rosterkit/checking/crosscheck.py", "link_log"),
    ("check: per-file (worker part)", "rosterkit/checking/run.py", "prepare_file"),
    ("check: schema + counts", "rosterkit/checking/finish.py", "finish_files"),
    ("annotated copies + 校验汇总", "rosterkit/outputs/checked.py", "write_check_outputs"),
    ("  annotated copies", "rosterkit/outputs/annotate.py", "annotate_copy"),
    ("  校验汇总", "rosterkit/outputs/summary.py", "write_summary"),
    ("merge", "rosterkit/merging/merge.py", "merge_report"),
    ("学校花名册 writer", "rosterkit/outputs/roster.py", "write_school_roster"),
    ("cadence (follow_up)", "rosterkit/cadence/inputs.py", "follow_up"),
    ("  compute_cadence", "rosterkit/cadence/engine.py", "compute_cadence"),
    ("帮扶落实情况 writer", "rosterkit/outputs/compliance.py", "write_compliance"),
    ("发回各班 copies", "rosterkit/outputs/todo.py", "write_todo_copy"),
    ("  openpyxl load", "rosterkit/xlsx/workbooks.py", "load_copy"),
    ("  待办 sheet model", "rosterkit/outputs/todo.py", "_todo_sheet"),
    ("  openpyxl save", "openpyxl/writer/excel.py", "save_workbook"),
    ("check total", "rosterkit/batch.py", "check"),
    ("report_inbox total", "rosterkit/pipeline.py", "report_inbox"),
]


class InlineExecutor:
    """A concurrent.futures executor that runs each task at once in this process (so cProfile sees it)."""

    def submit(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        from concurrent.futures import Future

        fut: Future[Any] = Future()
        try:
            fut.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # noqa: BLE001 - handed to the caller as the future's exception
            fut.set_exception(exc)
        return fut


def _profiled(run: Any) -> tuple[float, dict[Any, Any]]:
    import cProfile
    import pstats

    prof = cProfile.Profile()
    t0 = time.perf_counter()
    prof.enable()
    run()
    prof.disable()
    return time.perf_counter() - t0, pstats.Stats(prof).stats  # type: ignore[attr-defined]


def profile_report(inbox: Path, school_info: Path, out: Path, *, top: int = 25, what: str = "both") -> None:
    """Profile, in this process under cProfile: the per-file check (on an inline executor, as the check's own
    worker processes would hide it) and then report_inbox (whose check runs in rosterkit's workers: that step
    shows as waiting). Prints the time of each step and the top functions by own time."""
    import datetime as dt
    import shutil

    from rosterkit import check
    from rosterkit.pipeline import report_inbox

    day = dt.date(2026, 11, 23)
    files = len(list(inbox.glob("*.xls*")))
    runs = []
    if what in ("both", "check"):
        runs.append(("check (inline executor, write=False)",
                     lambda: check(inbox, as_of=day, write=False, executor=InlineExecutor())))  # type: ignore[arg-type]
    if what in ("both", "report"):
        shutil.rmtree(out, ignore_errors=True)
        runs.append(("report_inbox (jobs=1)",
                     lambda: report_inbox(inbox, out=out, school_info=school_info, as_of=day, jobs=1)))
    for title, run in runs:
        wall, stats = _profiled(run)
        print(f"\n{title}, {files} files: {wall:.1f} s under cProfile")
        _print_steps(stats, wall, files, top)


def _print_steps(stats: dict[Any, Any], wall: float, files: int, top: int) -> None:
    print(f"{'step':<30} {'calls':>7} {'cum s':>8} {'% of run':>8} {'ms/file':>8}")
    for label, file, func in STEPS:
        hits = [(v[1], v[3]) for (f, _, fn), v in stats.items() if fn == func and f.endswith(file)]
        if not hits:
            continue
        calls, cum = sum(h[0] for h in hits), max(h[1] for h in hits)  # recursion: the outer call
        print(f"{label:<30} {calls:>7} {cum:8.2f} {100 * cum / wall:7.1f}% {1000 * cum / files:8.1f}")
    print(f"\ntop {top} functions by own time")
    rows = sorted(stats.items(), key=lambda kv: kv[1][2], reverse=True)[:top]
    for (f, line, fn), v in rows:
        where = "/".join(Path(f).parts[-2:])
        print(f"{v[2]:8.2f} s own {v[3]:8.2f} s cum {v[1]:>9} calls  {fn}  ({where}:{line})")


# ---------------------------------------------------------------- the parent: run and sample


def _tree_memory(proc: Any, *, pss: bool) -> tuple[int, int, int]:
    """(PSS of the process and all its descendants — or their RSS when ``pss`` is false —, their RSS summed,
    the largest single RSS) in bytes.

    PSS (proportional set size) splits each shared page between the processes sharing it: rosterkit's writers
    are forked children that share the parent's pages, which a sum of RSS would count once per process.
    Where PSS is not available (not Linux) it falls back to RSS.
    """
    import psutil

    shared = total = biggest = 0
    try:
        procs = [proc] + proc.children(recursive=True)
    except psutil.Error:
        return 0, 0, 0
    for p in procs:
        try:
            info = p.memory_full_info() if pss else p.memory_info()
        except psutil.Error:
            continue
        total += info.rss
        shared += getattr(info, "pss", info.rss)
        biggest = max(biggest, info.rss)
    return shared, total, biggest


PSS_EVERY = 1.0  # seconds: the kernel walks every page table for PSS (~15 ms a GB), RSS is read every 50 ms


def measured(cmd: list[str], *, env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run ``cmd``; its wall time and peak memory. RSS is sampled every 50 ms, PSS (which costs the kernel a
    page-table walk: sampling it that often would take a core from the run) every second and whenever the
    RSS sum reaches a new high."""
    import psutil

    t0 = time.perf_counter()
    child = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    proc = psutil.Process(child.pid)
    peak = peak_rss = peak_one = checked_rss = 0
    last_pss = 0.0
    while child.poll() is None:
        _, rss, one = _tree_memory(proc, pss=False)
        now = time.perf_counter()
        if rss > 1.1 * checked_rss or now - last_pss >= PSS_EVERY:
            pss, rss, one = _tree_memory(proc, pss=True)
            peak, last_pss, checked_rss = max(peak, pss), now, max(checked_rss, rss)
        peak_rss, peak_one = max(peak_rss, rss), max(peak_one, one)
        time.sleep(0.05)
    wall = time.perf_counter() - t0
    out, err = child.communicate()
    return {"wall_s": wall, "peak_tree_mb": peak / 2 ** 20, "peak_rss_sum_mb": peak_rss / 2 ** 20,
            "peak_proc_mb": peak_one / 2 ** 20, "rc": child.returncode, "stdout": out, "stderr": err}


def corpus(work: Path, files: int, seed: int) -> Path:
    folder = work / f"county{files}"
    manifest = folder / "manifest.json"
    if manifest.exists():
        m = json.loads(manifest.read_text("utf-8"))
        # a corpus made before per-school numbering was the default is made again
        if m.get("files") == files and m.get("seed") == seed and m.get("numbering") == "school" and len(list((folder / "inbox").glob("*.xlsx"))) == files:
            return folder
    t0 = time.perf_counter()
    subprocess.run([sys.executable, str(HERE / "make_county.py"), str(folder), "--files", str(files),
                    "--seed", str(seed)], check=True)
    print(f"  generated {files} files in {time.perf_counter() - t0:.1f} s", flush=True)
    return folder


def _stage(work: Path, files: int, inbox: Path, stage: str) -> dict[str, Any]:
    out = work / f"out{files}_{stage}"
    r = measured([sys.executable, __file__, "--stage", stage, "--inbox", str(inbox), "--out", str(out)])
    if r["rc"] != 0:
        raise SystemExit(f"{stage} failed:\n{r['stderr']}")
    r["detail"] = json.loads(r["stdout"].strip().splitlines()[-1])
    return r


def _rosterkit(work: Path, files: int, folder: Path, jobs: int | None) -> dict[str, Any]:
    out = work / f"out{files}_rosterkit"
    cmd = [sys.executable, "-m", "rosterkit", "report", str(folder / "inbox"), "--school-info",
           str(folder / "学校信息.xlsx"), "-o", str(out), "--as-of", AS_OF, "--json"] + (
               ["--jobs", str(jobs)] if jobs else [])
    r = measured(cmd)
    if r["rc"] not in (0, 1):
        raise SystemExit(f"rosterkit report failed ({r['rc']}):\n{r['stderr'][-3000:]}")
    try:
        summary = json.loads(r["stdout"])
        summary = summary.get("summary", summary)
    except json.JSONDecodeError:
        summary = {}
    r["detail"] = {k: summary.get(k) for k in ("ok", "problems", "unreadable", "roster_rows", "rows_left_out",
                                               "compliance_rate", "students_overdue")}
    return r


def run_size(work: Path, files: int, seed: int, *, naive: bool, jobs: int | None, repeat: int = 3
             ) -> dict[str, list[dict[str, Any]]]:
    """Each stage's runs on one corpus. The floor and rosterkit run ``repeat`` times in turns (floor,
    rosterkit, floor, …): this machine's speed drifts by tens of percent over minutes, and a pair run back to
    back shares the drift. The naive pipeline, the slowest by far, runs once, between the first pair and the
    second."""
    folder = corpus(work, files, seed)
    results: dict[str, list[dict[str, Any]]] = {"floor": [], "naive": [], "rosterkit": []}
    for i in range(repeat):
        for stage in ("floor", "rosterkit") + (("naive",) if naive and i == 0 else ()):
            r = (_rosterkit(work, files, folder, jobs) if stage == "rosterkit"
                 else _stage(work, files, folder / "inbox", stage))
            results[stage].append(r)
            print(f"  {stage:<9} {r['wall_s']:8.1f} s  {r['detail']}", flush=True)
    return {k: v for k, v in results.items() if v}


def _median(xs: list[float]) -> float:
    xs = sorted(xs)
    mid = len(xs) // 2
    return xs[mid] if len(xs) % 2 else (xs[mid - 1] + xs[mid]) / 2


def walls(runs: list[dict[str, Any]]) -> float:
    """The median wall time of a stage's runs."""
    return _median([r["wall_s"] for r in runs])


def table(files: int, res: dict[str, list[dict[str, Any]]]) -> str:
    lines = [f"{files} files (median of runs; each run's wall in brackets)",
             f"{'pipeline':<10} {'wall s':>8} {'ms/file':>8} {'peak MB (tree PSS)':>19} "
             f"{'(tree RSS sum)':>15} {'(1 proc RSS)':>13}  runs"]
    for name, runs in res.items():
        w, each = walls(runs), ", ".join(f"{r['wall_s']:.1f}" for r in runs)
        lines.append(f"{name:<10} {w:8.1f} {1000 * w / files:8.1f} {max(r['peak_tree_mb'] for r in runs):19.0f} "
                     f"{max(r['peak_rss_sum_mb'] for r in runs):15.0f} {max(r['peak_proc_mb'] for r in runs):13.0f}"
                     f"  [{each}]")
    pairs = [r["wall_s"] / f["wall_s"] for r, f in zip(res["rosterkit"], res["floor"])]
    rk, fl = walls(res["rosterkit"]), walls(res["floor"])
    lines.append(f"rosterkit / floor  = {_median(pairs):5.2f}   (target <= 2.0; median of the "
                 f"{len(pairs)} back-to-back pairs: {', '.join(f'{p:.2f}' for p in pairs)}; medians' ratio "
                 f"{rk / fl:.2f})")
    if "naive" in res:
        lines.append(f"naive / rosterkit  = {walls(res['naive']) / rk:5.2f}   (target >= 8; against the median "
                     f"rosterkit run)")
    peak = max(r["peak_tree_mb"] for r in res["rosterkit"])
    lines.append(f"rosterkit peak     = {peak:.0f} MB PSS   (target <= 1536; the highest of its runs)")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--files", type=int, default=200)
    ap.add_argument("--second", type=int, default=None, help="a second size, to show how time grows")
    ap.add_argument("--work", type=Path, default=Path("/tmp/rkbench"))
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--skip-naive", action="store_true")
    ap.add_argument("--naive-max", type=int, default=10 ** 9, help="skip naive above this many files")
    ap.add_argument("--jobs", type=int, default=None, help="rosterkit report --jobs (default: its own)")
    ap.add_argument("--repeat", type=int, default=3, help="runs of the floor and of rosterkit, in turns")
    ap.add_argument("--stage", choices=list(STAGES), help=argparse.SUPPRESS)
    ap.add_argument("--inbox", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--profile", action="store_true",
                    help="instead of timing: profile report_inbox serially on a --files corpus, by step")
    a = ap.parse_args(argv)
    if a.profile:
        folder = corpus(a.work, a.files, a.seed)
        profile_report(folder / "inbox", folder / "学校信息.xlsx", a.work / f"profile{a.files}",
                       what=os.environ.get("RK_PROFILE", "both"))
        return 0
    if a.stage:  # a child: run one stage, print its details as the last line
        print(json.dumps(STAGES[a.stage](a.inbox, a.out), default=str))
        return 0
    if a.work.resolve().is_relative_to(ROOT):
        ap.error("keep generated corpora outside the repository (e.g. under /tmp)")
    sizes = [a.files] + ([a.second] if a.second else [])
    allres = {}
    for n in sizes:
        print(f"== {n} files", flush=True)
        allres[n] = run_size(a.work, n, a.seed, naive=not a.skip_naive and n <= a.naive_max, jobs=a.jobs,
                             repeat=a.repeat)
    print()
    for n in sizes:
        print(table(n, allres[n]))
        print()
    if len(sizes) == 2:
        a1, a2 = sizes
        print(f"time per file      {a1:>6} files {a2:>6} files   growth")
        for name in allres[a1]:
            if name in allres[a2]:
                p1, p2 = (1000 * walls(allres[n][name]) / n for n in sizes)
                print(f"{name:<18} {p1:8.1f} ms {p2:9.1f} ms   {100 * (p2 / p1 - 1):+5.1f}%")
    return 0


if __name__ == "__main__":
    sys.exit(main())
