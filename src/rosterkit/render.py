"""A check report → terminal text or JSON. No pandas, no openpyxl: the CLI imports this."""

from __future__ import annotations

import json
from typing import Any

STATUS_TEXT = {"ok": "通过", "problems": "有问题", "unreadable": "无法读取"}


def file_line(f: Any) -> str:
    """One line per file: status, name, rows, problem counts."""
    mark = {"ok": "✓", "problems": "✗", "unreadable": "!"}[f.status]
    counts = f"花名册 {f.rows['roster']} 行，帮扶记录 {f.rows['log']} 行"
    problems = f"；错误 {f.errors}，警告 {f.warnings}" if f.issues else ""
    return f"{mark} {STATUS_TEXT[f.status]:<4} {f.name}（{counts}{problems}）"


def check_text(report: Any, *, details: bool = True, limit: int = 5) -> str:
    """Per-file summary, the first few problems of each file, and where the outputs are."""
    lines = []
    for f in report.files:
        lines.append(file_line(f))
        if details:
            for i in f.issues[:limit]:
                place = "!".join(x for x in (i.sheet, i.cell) if x)
                lines.append(f"    {place or '-'} [{i.code}] {i.message}")
            if len(f.issues) > limit:
                lines.append(f"    …… 另有 {len(f.issues) - limit} 个问题，见批注副本")
    s = report.summary()
    lines.append(
        f"共 {s['files']} 个文件：通过 {s['ok']}，有问题 {s['problems']}，无法读取 {s['unreadable']}；"
        f"错误 {s['errors']}，警告 {s['warnings']}；花名册 {s['rows']['roster']} 行"
        f"（有错 {s['rows_invalid']['roster']}），帮扶记录 {s['rows']['log']} 行（有错 {s['rows_invalid']['log']}）"
    )
    if s["out"]:
        lines.append(f"结果在 / results in: {s['out']}")
    return "\n".join(lines)


def to_json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2, default=str)


def merge_text(result: Any, dest: Any) -> str:
    """Roster rows, classes by status with the chase list, duplicates, conflicts, rows left out."""
    subs = result.submissions
    lines = [f"全校花名册 {len(result.roster)} 行（读取 {result.rows_read} 行，未纳入 {len(result.left_out)} 行）"]
    for status, group in subs.groupby("status", sort=False):
        names = "、".join(str(x) for x in (group["label"].where(group["label"] != "", group["file"])))
        lines.append(f"  {status}：{len(group)} 个 — {names}")
    missing = result.missing
    if len(missing):
        chase = "、".join(f"{r.label}（{r.head_teacher}）" if r.head_teacher else r.label
                         for r in missing.itertuples())
        lines.append(f"请催交：{chase}")
    lines.append(f"跨班重复 {len(result.duplicates)} 人，信息冲突 {result.conflicts['id_number'].nunique()} 人"
                 f"（{len(result.conflicts)} 项）")
    lines.append(f"结果 / output: {dest}")
    return "\n".join(lines)
