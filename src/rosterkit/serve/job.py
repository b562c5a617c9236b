"""One round of the page, run in a process of its own: the CLI's ``report`` on the round's folder.

The server never runs a round in its own process: a round may take minutes and a county's memory, and the
checking already runs in isolated workers with time and memory limits per file (as on the command line). The
round's folder is the only channel: ``round.json`` (what was asked) in, ``progress.jsonl`` (a line per file
checked), ``state.json`` (queued → running → done | failed, and why) and ``result.json`` out, each written
atomically, so the server reads them at any moment without a lock.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import traceback
import zipfile
from pathlib import Path
from typing import Any

__all__ = ["INBOX", "OUT", "read_json", "run_round", "write_json"]

INBOX, OUT = "inbox", "out"
RETURNS_ZIP = "发回各班.zip"


def write_json(path: Path, data: Any) -> None:
    """``data`` as JSON at ``path``, replaced in one step (a reader sees the old file or the new, never half)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, default=str), encoding="utf-8")
    os.replace(tmp, path)


def read_json(path: Path, default: Any = None) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return default


def set_state(folder: Path, state: str, **more: Any) -> None:
    write_json(folder / "state.json", {"state": state, "at": dt.datetime.now().isoformat(timespec="seconds"), **more})


def run_round(folder: Path) -> None:
    """Run the round in ``folder`` (made by :mod:`rosterkit.serve.rounds`); never raises: a failure is a state."""
    from rosterkit.errors import RosterkitError

    try:
        os.setsid()  # its own process group: a round past its time is stopped with every worker it started
    except OSError:
        pass
    set_state(folder, "running")
    try:
        write_json(folder / "result.json", _report(folder))
    except RosterkitError as exc:
        set_state(folder, "failed", message=str(exc))
        return
    except MemoryError:
        set_state(folder, "failed", message="内存不足，这一轮没能完成：请分几次上传，或请管理员调大服务器内存")
        return
    except Exception as exc:  # the page says why; the details stay in the round's folder for whoever runs it
        (folder / "error.log").write_text(traceback.format_exc(), encoding="utf-8")
        set_state(folder, "failed", message=f"程序出错（{type(exc).__name__}: {str(exc)[:200]}），这一轮没能完成")
        return
    set_state(folder, "done")


def _report(folder: Path) -> dict[str, Any]:
    """The report of the round, its masked extras and the zip of 发回各班; what the page shows of it."""
    from rosterkit.checking.run import collect_inputs
    from rosterkit.core.masking import mask_tree
    from rosterkit.pipeline import RETURN_DIR, report_inbox

    ask = read_json(folder / "round.json")
    out = folder / OUT
    progress = (folder / "progress.jsonl").open("a", encoding="utf-8")

    def tick(done: int, total: int, result: Any) -> None:
        progress.write(json.dumps({"done": done, "total": total, "name": result.name, "status": result.status},
                                  ensure_ascii=False) + "\n")
        progress.flush()

    day = dt.date.fromisoformat(ask["as_of"])
    with progress:
        run = report_inbox(collect_inputs(folder / INBOX), out=out, school_info=_given(folder, ask, "school_info"),
                           policy=_given(folder, ask, "policy"), as_of=day, mask=ask["mask"], progress=tick,
                           jobs=ask.get("jobs"), store=ask.get("store"))
    if not ask["mask"]:
        _masked_extras(run, out, day, ask.get("store"))
    if (out / RETURN_DIR).is_dir():
        _zip(out / RETURN_DIR, out / RETURNS_ZIP)
    summary = run.summary()
    summary["outputs"] = {k: Path(v).relative_to(out).as_posix() for k, v in summary["outputs"].items()
                          if Path(v).is_relative_to(out)}
    if "store" in summary:
        summary["store"]["path"] = Path(summary["store"]["path"]).name
    masked_summary, masked_problems = mask_tree(summary), _problems(run.check, mask=True)
    return {"summary": masked_summary if ask["mask"] else summary, "masked_summary": masked_summary,
            "problems": masked_problems if ask["mask"] else _problems(run.check, mask=False),
            "masked_problems": masked_problems,
            "files": [{"name": f.name, "status": f.status} for f in run.check.files]}


def _given(folder: Path, ask: dict[str, Any], key: str) -> Path | None:
    return folder / ask[key] if ask.get(key) else None


def _masked_extras(run: Any, out: Path, day: dt.date, store: str | None) -> None:
    """The 脱敏 variants of the shareable workbooks, from the same run: the page's switch shows them."""
    from rosterkit.history.changes import changes_in_run
    from rosterkit.outputs.compliance import MASKED_COMPLIANCE_NAME, write_compliance
    from rosterkit.outputs.roster import MASKED_NAME, write_school_roster
    from rosterkit.outputs.summary import MASKED_SUMMARY_NAME, FileSummary, write_summary
    from rosterkit.pipeline import CHECK_DIR

    changes = changes_in_run(store, run.merge, day) if store else None
    write_school_roster(run.merge, out / MASKED_NAME, mask=True, on=day, changes=changes)
    write_compliance(run.cadence, out / MASKED_COMPLIANCE_NAME, mask=True)
    write_summary(out / CHECK_DIR / MASKED_SUMMARY_NAME, [
        FileSummary(f.name, f.status, f.rows["roster"], f.rows["log"], f.issues, f.fixes) for f in run.check.files
    ], mask=True)


def _zip(folder: Path, dest: Path) -> None:
    tmp = dest.with_name(f".{dest.name}.tmp")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
        for p in sorted(folder.iterdir()):
            if p.is_file():
                zf.write(p, p.name)
    os.replace(tmp, dest)


def _problems(report: Any, *, mask: bool) -> list[dict[str, Any]]:
    """Every problem as the page's table shows it: file, class, sheet, cell, column, value, code, level, message."""
    data = report.to_dict(mask=mask)
    rows = []
    for f, shown in zip(report.files, data["files"]):
        klass = f"{f.meta.get('grade') or ''}{f.meta.get('class') or ''}" or Path(f.name).stem
        for i in shown["issues"]:
            rows.append({"file": f.name, "class": str(klass), "sheet": i.get("sheet"), "cell": i.get("cell"),
                         "column": i.get("column"), "value": None if i.get("value") is None else str(i["value"]),
                         "code": i["code"], "severity": i["severity"], "message": i["message"]})
    return rows
