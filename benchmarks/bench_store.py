"""What keeping rounds costs on a county: `rosterkit report` with and without `--store`, the store's size per
round, and `rosterkit dossier` for one class.

    python benchmarks/bench_store.py --files 2000 --work /tmp/bench15 [--repeat 2]

Each run is a fresh `rosterkit report` subprocess on the corpus of make_county.py (made when missing, as
bench_report.py does), the plain run and the `--store` run taken in turns, ABBA (plain first in odd pairs, the
store first in even ones: this machine drifts, and a fixed order would charge the drift to the second run); the
store is a new file for each `--store` run. Then a second round is recorded into the last
store (the same inbox a week later), and `dossier --class` is timed on it for the first class of the roster.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench_report import corpus


CPU: list[tuple[str, float]] = []  # (which run, CPU seconds of its whole process tree), in run order


def _run(args: list[str]) -> float:
    """Wall seconds of one `rosterkit` command; its CPU seconds (user + system, workers and writers included: each
    is waited for by its parent) go to CPU."""
    t0, before = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.run([sys.executable, "-m", "rosterkit", *args], capture_output=True, text=True)
    if proc.returncode not in (0, 1) or "Traceback" in proc.stderr:
        raise SystemExit(f"rosterkit {args[0]} failed:\n{proc.stderr}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    CPU.append(("store" if "--store" in args else args[0],
                after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime))
    return time.perf_counter() - t0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--files", type=int, default=2000)
    ap.add_argument("--work", type=Path, default=Path("/tmp/rkbench"))
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--repeat", type=int, default=2)
    a = ap.parse_args(argv)
    folder = corpus(a.work, a.files, a.seed)
    inbox, info = folder / "inbox", folder / "学校信息.xlsx"
    base = ["report", str(inbox), "--school-info", str(info), "--as-of", "2026-11-23"]
    plain, stored, sizes = [], [], []
    for i in range(a.repeat):
        store = a.work / f"store{i}.db"
        store.unlink(missing_ok=True)
        runs = [lambda: plain.append(_run([*base, "-o", str(a.work / f"store_plain{i}")])),
                lambda: stored.append(_run([*base, "-o", str(a.work / f"store_out{i}"), "--store", str(store)]))]
        for run in runs if i % 2 == 0 else runs[::-1]:  # ABBA: a machine that drifts favours neither
            run()
        sizes.append(store.stat().st_size)
        print(f"  run {i + 1}: report {plain[-1]:.1f} s, report --store {stored[-1]:.1f} s, "
              f"store {sizes[-1] / 2**20:.1f} MB", flush=True)
    second = _run(["report", str(inbox), "--school-info", str(info), "--as-of", "2026-11-30", "-o",
                   str(a.work / "store_out_second"), "--store", str(store)])
    two = store.stat().st_size
    import sqlite3

    db = sqlite3.connect(store)
    row = db.execute("SELECT school, grade, class FROM students ORDER BY rowid LIMIT 1").fetchone()
    counts = db.execute("SELECT COUNT(*) FROM students WHERE round_id = (SELECT MAX(round_id) FROM rounds)").fetchone()
    db.close()
    label = f"{row[0]}{row[1]}{row[2]}"
    dossier = _run(["dossier", "--store", str(store), "-o", str(a.work / "store_dossier"), "--class", label])
    timed = subprocess.run([sys.executable, "-c", (
        "import time; from rosterkit.history.dossier import dossiers; from rosterkit.outputs.dossier import "
        f"write_dossiers; t = time.perf_counter(); write_dossiers(dossiers({str(store)!r}, klass={label!r}), "
        f"{str(a.work / 'store_dossier2')!r}); print(time.perf_counter() - t)")], capture_output=True, text=True)
    inside = float(timed.stdout.strip().splitlines()[-1])
    p, s = statistics.median(plain), statistics.median(stored)
    print(f"\n{a.files} files, {counts[0]} students a round")
    print(f"report          median {p:.1f} s  runs {[round(x, 1) for x in plain]}")
    print(f"report --store  median {s:.1f} s  runs {[round(x, 1) for x in stored]}")
    print(f"--store adds {100 * (s / p - 1):+.1f}% (pairs: "
          f"{', '.join(f'{100 * (y / x - 1):+.1f}%' for x, y in zip(plain, stored))}; target <= +15%)")
    paired = CPU[: 2 * a.repeat]  # not the second round nor the dossier
    cpu_plain = statistics.median(c for k, c in paired if k == "report")
    cpu_store = statistics.median(c for k, c in paired if k == "store")
    print(f"CPU (the whole process tree): report median {cpu_plain:.1f} s, report --store {cpu_store:.1f} s: "
          f"{100 * (cpu_store / cpu_plain - 1):+.1f}% (steadier than the wall on a shared machine)")
    print(f"store size: {sizes[-1] / 2**20:.1f} MB after one round, {two / 2**20:.1f} MB after two "
          f"({(two - sizes[-1]) / 2**20:.1f} MB a round); the second round's report --store took {second:.1f} s")
    print(f"dossier --class {label}: {inside:.2f} s in the library (target < 1 s); {dossier:.2f} s as a command "
          f"(interpreter start-up and imports included)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
