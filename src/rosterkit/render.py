"""A check report → terminal text or JSON. No pandas, no openpyxl: the CLI imports this."""

from __future__ import annotations

import datetime as dt
import json
import math
import sys
from typing import Any

STATUS_TEXT = {"ok": "通过", "problems": "有问题", "unreadable": "无法读取"}
# What each output of a run is called on the terminal (RunResult.outputs keys → Chinese names), in the order a
# coordinator reads them (the run writes them in whatever order its writers finish).
OUTPUT_NAMES = {"check": "批注副本与校验汇总", "roster": "学校花名册", "compliance": "帮扶落实情况",
                "returns": "发回各班（校验结果 + 待办）", "store": "存档"}


def file_line(f: Any) -> str:
    """One line per file: status, name, rows, problem counts."""
    mark = {"ok": "✓", "problems": "✗", "unreadable": "!"}[f.status]
    counts = f"花名册 {f.rows['roster']} 行，帮扶记录 {f.rows['log']} 行"
    problems = f"；错误 {f.errors}，警告 {f.warnings}" if f.issues else ""
    return f"{mark} {STATUS_TEXT[f.status]:<4} {f.name}（{counts}{problems}）"


def check_text(report: Any, *, details: bool = True, limit: int = 5, mask: bool = False) -> str:
    """Per-file summary, the first few problems of each file, and where the outputs are; ``mask``: the
    problems as the 脱敏 summary shows them (a screen is shared as easily as a file)."""
    from rosterkit.core.masking import mask_issue_text

    lines = []
    for f in report.files:
        lines.append(file_line(f))
        if details:
            for i in f.issues[:limit]:
                place = "!".join(x for x in (i.sheet, i.cell) if x)
                message = mask_issue_text(i.message, code=i.code, column=i.column) if mask else i.message
                lines.append(f"    {place or '-'} [{i.code}] {message}")
            if len(f.issues) > limit:
                lines.append(f"    …… 另有 {len(f.issues) - limit} 个问题，见批注副本")
    s = report.summary()
    lines.append(
        f"共 {s['files']} 个文件：通过 {s['ok']}，有问题 {s['problems']}，无法读取 {s['unreadable']}；"
        f"错误 {s['errors']}，警告 {s['warnings']}；花名册 {s['rows']['roster']} 行"
        f"（有错 {s['rows_invalid']['roster']}），帮扶记录 {s['rows']['log']} 行（有错 {s['rows_invalid']['log']}）"
    )
    if s["out"]:
        lines.append(f"结果在：{s['out']}")
    return "\n".join(lines)


def to_json(data: Any) -> str:
    """Strict JSON text of ``data`` (schemas in ``rosterkit/schemas/``): every missing value is ``null``.

    ``allow_nan=False`` after :func:`jsonable`: a NaN that slips through is a ``ValueError`` in the tests, never
    the ``NaN`` token that JSON.parse and jq reject."""
    return json.dumps(jsonable(data), ensure_ascii=False, indent=2, allow_nan=False)


def jsonable(v: Any) -> Any:
    """``v`` with JSON-native values only, recursively: NaN, ±inf, NaT and pd.NA → None, numpy scalars and
    arrays → Python numbers and lists, dates → ISO text, tuples and sets → lists, anything else → ``str``.

    pandas and numpy are looked up in ``sys.modules``, not imported: if they are not loaded, no value of
    theirs can be in ``v``."""
    if v is None or isinstance(v, (bool, int, str)):
        return v
    if isinstance(v, float):
        return v if math.isfinite(v) else None
    if isinstance(v, dict):
        return {str(k): jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple, set, frozenset)):
        return [jsonable(x) for x in v]
    pd, np = sys.modules.get("pandas"), sys.modules.get("numpy")
    if pd is not None and (v is pd.NA or v is pd.NaT):  # NaT is a datetime: test it before dates
        return None
    if np is not None and isinstance(v, np.datetime64):  # tolist() of a datetime64[ns] is an int of nanoseconds
        day = np.datetime_data(v.dtype)[0] in ("Y", "M", "W", "D")
        return jsonable(v.astype("datetime64[D]" if day else "datetime64[us]").tolist())
    if np is not None and isinstance(v, (np.generic, np.ndarray)):
        return jsonable(v.tolist())
    if isinstance(v, (dt.date, dt.datetime)):
        return v.isoformat()
    return str(v)


def merge_text(result: Any) -> str:
    """Roster rows, classes by status with the chase list, duplicates, conflicts, rows left out."""
    subs = result.submissions
    multi = subs["school"].dropna().nunique() > 1  # several schools: each class named with its school
    lines = [f"全校花名册 {len(result.roster)} 行（读取 {result.rows_read} 行，未纳入 {len(result.left_out)} 行）"]
    for status, group in subs.groupby("status", sort=False):
        names = "、".join(f"{s} {x}" if multi and isinstance(s, str) and x else str(x or f)
                         for s, x, f in zip(group["school"], group["label"], group["file"]))
        lines.append(f"  {status}：{len(group)} 个 — {names}")
    missing = result.missing
    for school, group in missing.groupby(missing["school"].fillna(""), sort=False):  # listed under its school
        chase = "、".join(f"{r.label}（{r.head_teacher}）" if r.head_teacher else r.label
                         for r in group.itertuples())
        lines.append(f"请催交{f'（{school}）' if multi and school else ''}：{chase}")
    lines.append(f"跨班重复 {len(result.duplicates)} 人，信息冲突 {result.conflicts['id_number'].nunique()} 人"
                 f"（{len(result.conflicts)} 项）")
    lines.append(f"学校花名册：{result.path}")
    return "\n".join(lines)


def _pct(rate: Any) -> str:
    return "—" if rate is None else f"{rate:.1%}"


def cadence_text(run: Any, *, limit: int = 10) -> str:
    """School compliance, per teacher, and the first overdue / due-soon items."""
    from rosterkit.merging.school import class_label  # not at import time: the command line starts without pandas & co.
    cad = run.cadence
    s = run.summary()
    lines = [f"截至 {cad.as_of:%Y-%m-%d}：{len(cad.students)} 名学生，落实率 {_pct(s['compliance_rate'])}，"
             f"逾期 {s['students_overdue']} 人，即将到期 {s['students_due_soon']} 人"]
    for t in cad.teachers.itertuples():
        flag = "（超出结对上限）" if getattr(t, "over_load", False) else ""
        lines.append(f"  {t.mentor}：学生 {t.students} 名，落实率 {_pct(t.compliance_rate)}，"
                     f"逾期 {t.students_overdue} 人{flag}")
    for title, frame in (("逾期", cad.overdue), ("即将到期", cad.due_soon)):
        if len(frame):
            lines.append(f"{title}（前 {min(limit, len(frame))} 项，共 {len(frame)} 项）：")
            for r in frame.head(limit).to_dict("records"):
                lines.append(f"  {r['mentor']} · {class_label(r['grade'], r['class'])} {r['name']} · {r['rule']}：{r['missing']}")
    for i in run.policy_issues:
        lines.append(f"制度表 {i.cell or ''} [{i.code}] {i.message}")
    lines += _output_lines(run.outputs)
    return "\n".join(lines)


def run_text(run: Any, *, mask: bool = False) -> str:
    """The closing summary of ``rosterkit report``; ``mask``: ID numbers in it masked."""
    s = run.summary()
    missing = "、".join(s.get("classes_missing", [])) or "无"
    lines = [
        f"文件 {s['files']} 个：通过 {s['ok']}，有问题 {s['problems']}，无法读取 {s['unreadable']}",
        f"未提交班级：{missing}",
        f"全校花名册 {s.get('roster_rows', 0)} 行（未纳入 {s.get('rows_left_out', 0)} 行）",
        f"帮扶落实率 {_pct(s.get('compliance_rate'))}，逾期学生 {s.get('students_overdue', 0)} 人，"
        f"即将到期 {s.get('students_due_soon', 0)} 人",
    ]
    lines += _output_lines(s["outputs"])
    if s.get("store"):
        lines += stored_lines(s["store"], mask=mask)
    return "\n".join(lines)


def stored_lines(st: dict[str, Any], *, mask: bool = False) -> list[str]:
    """What ``--store`` recorded: the round, what it replaced, the students whose ID number was corrected."""
    from rosterkit.core.masking import mask_id

    before = f"；上一轮：{st['previous']}" if st.get("previous") else "；这是第一轮"
    lines = [f"已存入存档：{st['scope']} {st['report_date']} 这一轮，学生 {st['students']} 名，"
             f"联系记录 {st['contacts']} 条{before}"]
    if st.get("replaced"):
        lines.append("注意：存档里已有同一统计日期的一轮，已用这次的结果替换"
                     + ("（这次交来的文件与上次不同）。" if st.get("files_changed") else "。"))
    shown = mask_id if mask else str
    lines += [f"身份证号与上一轮不同，按姓名、出生日期和班级认作同一学生：{x['name']} {shown(x['old_id'])} → "
              f"{shown(x['new_id'])}" for x in st.get("links", [])]
    return lines


def _output_lines(outputs: dict[str, Any]) -> list[str]:
    """Where each output is, in reading order; an output this module has no name for is shown by its key, last."""
    order = {k: i for i, k in enumerate(OUTPUT_NAMES)}
    return [f"{OUTPUT_NAMES.get(k, k)}：{outputs[k]}" for k in sorted(outputs, key=lambda k: order.get(k, len(order)))]


def changes_text(ch: Any, *, mask: bool = False, limit: int = 10) -> str:
    """``rosterkit changes`` on the terminal: the counts, then the first few of each list."""
    from rosterkit.core.masking import mask_text

    shown = mask_text if mask else str
    lines = [f"{ch.scope}：{ch.before.isoformat()} → {ch.after.isoformat()}，新增 {len(ch.added)} 名，"
             f"离开 {len(ch.left)} 名，信息变更 {len(ch.changed)} 项"]
    for title, frame in (("新增", ch.added), ("离开", ch.left)):
        for r in frame.head(limit).to_dict("records"):
            lines.append(f"  {title}：{r['class']} {r['name']}")
    for r in ch.changed.head(limit).to_dict("records"):
        lines.append(f"  变更：{r['class']} {r['name']} {r['field']}：{shown(r['before']) or '（空）'} → "
                     f"{shown(r['after']) or '（空）'}")
    if len(ch.changed) > limit:
        lines.append(f"  ……共 {len(ch.changed)} 项，详见 变动情况.xlsx")
    return "\n".join(lines)


def review_text(rv: Any, *, limit: int = 10) -> str:
    """``rosterkit review`` on the terminal: the year, the weights, the mentors by score."""
    lines = [f"{rv.scope} {rv.year} 学年考核：{len(rv.rounds)} 轮（{'、'.join(rv.rounds)}），权重来自 {rv.weights_from}："
             + "，".join(f"{k} {w:g}" for k, w in rv.weights.items())]
    for r in rv.mentors.head(limit).to_dict("records"):
        score = "—" if r["score"] is None or r["score"] != r["score"] else f"{r['score']:.1f}"
        lines.append(f"  {r['mentor']}：学生 {r['students']} 名，学年落实率 {_pct(r['compliance_rate'])}，"
                     f"未达标周期 {r['periods_missed']}，得分 {score}")
    if len(rv.mentors) > limit:
        lines.append(f"  ……共 {len(rv.mentors)} 位帮扶教师，详见 学年考核.xlsx")
    return "\n".join(lines)
