"""帮扶落实情况.xlsx — cadence compliance for the coordinator: school figures and charts, per teacher, per student,
the student × period grid, and the overdue and due-soon lists.

xlsxwriter in constant_memory mode: every sheet is written top to bottom and each row goes to disk as soon as the
next one starts, so the grid of a county (millions of periods) never lives in memory as cells. All text goes
through write_string (a name like ``=HYPERLINK(..)`` stays text); ``mask=True`` masks every ID and phone number.

周期明细 layout: one row per student × governing rule; column 「第k期」 is the k-th period of that rule's own calendar.
Above the column header, one row per period type in use (每周, 每两周, 每月 …) gives the dates of each 第k期, so a
rule's cells read left to right in time and one student's rules stay on adjacent rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Hashable, Sequence
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
import xlsxwriter

from rosterkit.cadence.engine import Cadence
from rosterkit.cadence.periods import term_periods
from rosterkit.cadence.rollup import OUTCOMES, rate
from rosterkit.core.policy import PERIODS
from rosterkit.core.values import missing, text_width
from rosterkit.outputs.sheetkit import (
    OUTCOME_COLORS,
    Sheet,
    class_name,
    class_order,
    date_range,
    formats,
    outcome_codes,
)
from rosterkit.xlsx.atomic import atomic_output
from rosterkit.xlsx.fastsheet import FastWorkbook

__all__ = ["COMPLIANCE_NAME", "MASKED_COMPLIANCE_NAME", "OUTCOME_COLORS", "SHEETS", "write_compliance"]

COMPLIANCE_NAME, MASKED_COMPLIANCE_NAME = "帮扶落实情况.xlsx", "帮扶落实情况_脱敏.xlsx"
# fill and font colour of each outcome in the grid: Excel's good / bad / neutral styles, grey for not yet due
MAX_ROWS = 1_048_576  # Excel's row limit
# A per-student sheet (学生, 周期明细, 逾期名单, 即将到期) is left out, with a note, above this many rows: a school's
# lists are a few thousand rows, a county's hundreds of thousands (the grid alone 9M cells), which nobody reads
# in Excel and which would cost more than all the rest of the run. Each class's list is in its returned copy.
DETAIL_ROWS = 20_000
LEFT_OUT = ("{what}共 {rows} 行，多于 {limit} 行，未在此列出：请按学校分别运行 rosterkit report，或在 Python 中"
            "查看 Cadence 的数据表；各班的逾期与即将到期事项见发回各班副本的「待办」表。")
RATE_NOTE = "落实率 = 达标 ÷（达标 + 未达标）；进行中、未到期、未报的周期不计入。"
# Said on 总览: each class is judged as of its own 填报日期, so weeks after it are not counted against it.
UNREPORTED_NOTE = ("各班按本班台账的填报日期统计（晚于 {as_of} 的按 {as_of}）：填报日期之后才开始的周期记为「未报」，"
                   "不算未达标——交表之后的几周本班还无法填写，下一轮交回的台账里再统计；填报日期所在的周期记为「进行中」。")
WEEK_NOTE = ("每周落实率：按周期结束日所在的周（周一至周日）统计该周内已结束的各规则周期中达标的比例，"
             "累计落实率为学期开始至该周；每两周、每月的周期在其结束的那一周计入。")
_COUNTS = {"应达标周期": "periods_owed", "达标": "periods_met", "未达标": "periods_missed",
           "进行中": "periods_in_progress", "落实率": "compliance_rate"}
_COUNT_KINDS = ["int"] * 4 + ["pct"]
_FIXED = 5  # grid columns before the periods: 班级 姓名 帮扶教师 规则 周期
_CHUNK = 65_536  # grid rows turned into Python ints at a time: a fast loop, bounded memory


def write_compliance(cad: Cadence, dest: Path, *, mask: bool = False, detail_rows: int | None = DETAIL_ROWS
                     ) -> Path:
    """Write 帮扶落实情况.xlsx to ``dest`` (a folder gets 帮扶落实情况.xlsx / _脱敏.xlsx) and return its path.

    Sheets :data:`SHEETS`: 总览 (key figures per school, rate per class and per rule, weekly rate, a bar and a
    line chart), 教师, 学生, 周期明细 (outcomes coloured by conditional formats; capped at Excel's row limit
    with a note), 逾期名单 and 即将到期 (per teacher, most urgent first). A per-student sheet longer than
    ``detail_rows`` (None: no limit) holds only its title and a note saying why. ``mask=True``: every ID
    number and phone in any cell is masked and the titles say 脱敏. Written atomically.
    """
    dest = Path(dest)
    if dest.is_dir():
        dest = dest / (MASKED_COMPLIANCE_NAME if mask else COMPLIANCE_NAME)
    multi = len(cad.school) > 1  # a county: class labels and lists name the school
    with atomic_output(dest) as tmp:
        wb = FastWorkbook(str(tmp), {"strings_to_formulas": False, "strings_to_urls": False,
                                            "constant_memory": True})
        try:
            fmt = formats(wb)
            book = Book(wb, cad, multi, detail_rows)
            for name, write in SHEETS.items():
                write(book, Sheet(wb, name, fmt, mask))
        finally:
            wb.close()
    return dest


class Book(NamedTuple):
    """What every sheet of the workbook is written from."""

    wb: xlsxwriter.Workbook
    cad: Cadence
    multi: bool  # a county: class labels and lists name the school
    limit: int | None  # rows beyond which a per-student sheet holds only its note (detail_rows)


def _overview(b: Book, sh: Sheet) -> None:
    wb, cad, multi = b.wb, b.cad, b.multi
    school, p = cad.school, cad.periods
    name = f"{len(school)} 所学校" if multi else sh.masked(school["school"].iloc[0]) if len(school) else ""
    sh.title(f"{name}帮扶落实情况（截至 {cad.as_of.isoformat()}）",
             f"{RATE_NOTE}结对上限：每位帮扶教师 {cad.load_limit} 名学生；即将到期：{cad.due_within} 天内到期。"
             + "\n" + UNREPORTED_NOTE.format(as_of=cad.as_of.isoformat()))
    sh.text(3, 0, "一、主要指标", "section", measure=False)
    cols = ["school", "classes", "students", "teachers", *_COUNTS.values(), "students_overdue", "students_due_soon",
            "teachers_over_load"]
    kinds = ["text", "int", "int", "int", *_COUNT_KINDS, "int", "int", "int"]
    rows = [[rec[c] for c in cols] for rec in school[cols].to_dict("records")]
    r = sh.table(4, ["学校", "班级数", "学生数", "帮扶教师数", *_COUNTS, "逾期学生数", "即将到期学生数",
                     "超出结对上限教师数"], kinds, rows)
    if multi:  # a total row for a county
        total = ["合计", *school[cols[1:]].sum().tolist()]
        total[8] = rate(total[5], total[6]).item()  # a rate of the sums, not a sum of rates
        sh.row(r, total, kinds, "_total")
        r += 1
    sh.text(r + 1, 0, "二、图表", "section", measure=False)
    chart_row, r = r + 2, r + 20  # rows kept free for the charts; they plot the tables below
    sh.text(r, 0, "三、各班落实率", "section", measure=False)
    classes = cad.classes.iloc[class_order(cad.classes)]
    cols = ["mentors", "students", *_COUNTS.values(), "students_overdue", "students_due_soon"]
    rows = [[class_name(x["school"], x["grade"], x["class"], multi), *(x[c] for c in cols)]
            for x in classes.to_dict("records")]
    class_top = r + 2
    r = sh.table(r + 1, ["班级", "帮扶教师数", "学生数", *_COUNTS, "逾期学生数", "即将到期学生数"],
                 ["text", "int", "int", *_COUNT_KINDS, "int", "int"], rows)
    # per rule: bincount on the Categorical codes, cheap for millions of periods
    names = list(p["rule"].cat.categories)
    k = len(OUTCOMES)
    codes = p["rule"].cat.codes.to_numpy().astype("int64") * k + outcome_codes(p)
    counts = np.bincount(codes, minlength=k * len(names)).reshape(-1, k) if names else np.zeros((0, k), "int64")
    governed = cad.rules.loc[cad.rules["governs"].astype(bool), "rule"].value_counts()
    rows = []
    for rule in cad.policy.rules:
        n = counts[names.index(rule.name)].tolist() if rule.name in names else [0] * k
        rows.append([rule.name, rule.period, rule.describe_kinds(), int(governed.get(rule.name, 0)),
                     n[0] + n[1] + n[2], n[0], n[1], n[2], rate(n[0], n[1]).item()])
    sh.text(r + 1, 0, "四、各规则落实率", "section", measure=False)
    r = sh.table(r + 2, ["规则", "周期", "应做", "学生数", *_COUNTS], ["text"] * 3 + ["int", *_COUNT_KINDS], rows)
    kinds_width = max((text_width(x[2]) for x in rows), default=0) + 2
    sh.text(r + 1, 0, "五、每周落实率", "section", measure=False)
    sh.text(r + 2, 0, WEEK_NOTE, "note", measure=False)
    week_top = r + 4
    r = sh.table(r + 3, ["周次", "起止日期", "已结束周期", "达标", "未达标", "当周落实率", "累计落实率"],
                 ["text", "text", "int", "int", "int", "pct", "pct"], _weekly(cad))
    sh.fit(high=40, fixed={c: 11 for c in range(1, 12)})
    sh.ws.set_column(0, 0, max(sh.widths.get(0, 0) + 2, 14))
    sh.ws.set_column(2, 2, max(11, kinds_width))
    _charts(wb, sh, chart_row, (class_top, len(classes)), (week_top, r - week_top))
    sh.finish()  # a report page, not a list: nothing to freeze or filter
    sh.ws.activate()


def _weekly(cad: Cadence) -> list[list[Any]]:
    """Per Monday–Sunday week from the term start to as_of: the periods closed (ended before as_of) that week."""
    term, p = cad.policy.term, cad.periods
    monday = term.start - dt.timedelta(days=term.start.weekday())
    stop = min(cad.as_of, term.end)
    n = (stop - monday).days // 7 + 1 if stop >= term.start else 0
    if n <= 0:
        return []
    end = p["period_end"].to_numpy().astype("datetime64[D]")
    week = (end - np.datetime64(monday, "D")).astype("int64") // 7
    oc = outcome_codes(p)
    closed = (end < np.datetime64(cad.as_of, "D")) & (week >= 0) & (week < n)
    met = np.bincount(week[closed & (oc == 0)], minlength=n)[:n]
    missed = np.bincount(week[closed & (oc == 1)], minlength=n)[:n]
    weekly, total = rate(met, missed), rate(np.cumsum(met), np.cumsum(missed))
    days = [(max(monday + dt.timedelta(7 * k), term.start), min(monday + dt.timedelta(7 * k + 6), term.end))
            for k in range(n)]
    return [[f"第{k + 1}周", date_range(*days[k]), int(met[k] + missed[k]), int(met[k]), int(missed[k]),
             weekly[k].item(), total[k].item()] for k in range(n)]


def _charts(wb: xlsxwriter.Workbook, sh: Sheet, row: int, classes: tuple[int, int], weeks: tuple[int, int]) -> None:
    """A column chart of the rate per class and a line chart of the weekly rate, side by side."""
    shown = max(min(classes[1], 60), 1)  # more bars than this are unreadable; the table has every class
    bar, line = wb.add_chart({"type": "column"}), wb.add_chart({"type": "line"})
    series = [(bar, classes[0], shown, 7, "落实率", "#4472C4"),
              (line, weeks[0], max(weeks[1], 1), 5, "当周落实率", "#ED7D31"),
              (line, weeks[0], max(weeks[1], 1), 6, "累计落实率", "#4472C4")]
    for chart, top, n, col, label, color in series:
        look = ({"fill": {"color": color}, "data_labels": {"value": n <= 12, "num_format": "0%"}} if chart is bar else
                {"line": {"color": color, "width": 2}, "marker": {"type": "circle", "size": 4, "fill": {"color": color},
                                                                 "border": {"color": color}}})
        chart.add_series({"name": label, "categories": [sh.ws.name, top, 0, top + n - 1, 0],
                          "values": [sh.ws.name, top, col, top + n - 1, col], **look})
    more = f"（前 {shown} 个班）" if shown < classes[1] else ""
    line.set_x_axis({"num_font": {"rotation": -45}})
    line.show_blanks_as("gap")  # a week in which no period closed has no rate
    for chart, title, offset in ((bar, "各班落实率" + more, 0), (line, "每周落实率", 540)):
        chart.set_title({"name": title, "name_font": {"size": 12}})
        chart.set_legend({"none": True} if chart is bar else {"position": "bottom"})
        chart.set_y_axis({"min": 0, "max": 1, "num_format": "0%", "major_gridlines": {"visible": True}})
        chart.set_size({"width": 520, "height": 340})
        sh.ws.insert_chart(row, 0, chart, {"x_offset": offset})


def _sheet_list(sh: Sheet, title: str, note: str, heads: list[str], kinds: list[str], rows: Any,
                freeze_cols: int = 0, red: Callable[[list[Any]], Sequence[int]] | None = None, high: int = 40,
                count: int = 0, limit: int | None = None) -> None:
    """A list sheet: title, note, header on row 2, rows below (「（无）」 when none); ``red`` picks cells to flag.
    More than ``limit`` rows (``count`` of them): none are written and the note says so."""
    left_out = limit is not None and count > limit
    if left_out:
        note += "\n" + LEFT_OUT.format(what="本表", rows=count, limit=limit)
        rows = ()
    sh.title(title, note)
    sh.header(2, heads)
    r = 3
    for values in rows:
        sh.row(r, values, kinds)
        for c in red(values) if red else ():  # the same cells again, red: still the current row
            sh.put(r, c, values[c], kinds[c], "_red")
        r += 1
    if r == 3 and not left_out:
        sh.text(3, 0, "（无）")
    sh.fit(high=high)
    sh.finish(2, r - 1, len(heads), freeze_cols)


def _teachers(b: Book, sh: Sheet) -> None:
    cad, multi = b.cad, b.multi
    lead = ["school"] * multi
    cols = [*lead, "mentor", "students", *_COUNTS.values(), "students_overdue", "students_due_soon", "over_load"]
    heads = [*["学校"] * multi, "帮扶教师", "学生数", *_COUNTS, "逾期学生数", "即将到期学生数",
             f"超出结对上限（{cad.load_limit} 名）"]
    kinds = [*["text"] * multi, "text", "int", *_COUNT_KINDS, "int", "int", "text"]
    rows = ([rec[c] for c in cols] for rec in cad.teachers[cols].to_dict("records"))
    flag = (multi + 1, len(cols) - 1)  # 学生数 and the flag
    _sheet_list(sh, "帮扶教师落实情况", f"{RATE_NOTE}超出结对上限：结对学生多于 {cad.load_limit} 名（标红）。",
                heads, kinds, rows, freeze_cols=1 + multi, red=lambda v: flag if v[-1] else ())


def _students(b: Book, sh: Sheet) -> None:
    cad, multi, limit = b.cad, b.multi, b.limit
    st = cad.students
    if limit is not None and len(st) > limit:
        st = st.iloc[0:0]  # left out: _sheet_list writes the note; nothing to prepare
    kinds_seen = [c[5:] for c in st.columns if c.startswith("last_")]
    cols = [*_COUNTS.values(), "overdue_items", "due_soon_items"]
    data = {c: st[c].tolist() for c in ("school", "grade", "class", "name", "id_number", "mentor", "categories", *cols)}
    last = [list(zip(st[f"last_{k}"].tolist(), st[f"days_since_{k}"].tolist())) for k in kinds_seen]

    def row(i: int) -> list[Any]:
        cats = data["categories"][i]
        cats = "、".join(map(str, cats)) if isinstance(cats, (tuple, list)) else cats
        seen = ("" if missing(day) else f"{day:%m-%d}（{days}天）" for day, days in (x[i] for x in last))
        return [class_name(data["school"][i], data["grade"][i], data["class"][i], multi), data["name"][i],
                data["id_number"][i], data["mentor"][i], cats, *(data[c][i] for c in cols), *seen]
    _sheet_list(sh, "学生落实情况", f"{RATE_NOTE}「最近」列：最近一次该方式联系的日期（距 {cad.as_of.isoformat()} 的天数）；"
                "空白：本学期没有该方式的记录。",
                ["班级", "姓名", "身份证号", "帮扶教师", "类别", *_COUNTS, "逾期事项", "即将到期事项",
                 *(f"最近{k}" for k in kinds_seen)], ["text"] * 5 + _COUNT_KINDS + ["int", "int"] + ["text"] * len(last),
                (row(i) for i in class_order(st).tolist()), freeze_cols=2, high=30, count=len(cad.students),
                limit=limit)


def _grid(book: Book, sh: Sheet) -> None:
    """Student × rule rows, 第k期 columns (see the module docstring); streamed in chunks of plain ints."""
    cad, multi, limit = book.cad, book.multi, book.limit
    p, ws, fmt, st = cad.periods, sh.ws, sh.fmt, cad.students
    names = list(p["rule"].cat.categories)
    period_of = [next((r.period for r in cad.policy.rules if r.name == n), "") for n in names]
    rr = p["rule"].cat.codes.to_numpy().astype("int64")
    types = [t for t in PERIODS if t in {period_of[c] for c in np.unique(rr)}]
    cals = {t: term_periods(cad.policy.term, t) for t in types}
    width = max((len(c) for c in cals.values()), default=0)
    s = p["student_key"].cat.codes.to_numpy().astype("int64")
    total = len(np.unique(s * (len(names) + 1) + rr))  # student × rule rows
    left_out = limit is not None and total > limit
    if left_out:  # nothing to order: only the note is written
        p, s, rr = p.iloc[0:0], s[:0], rr[:0]
    # rows ordered by class (natural order), student, rule; every period's row and column computed up front
    pos = pd.Index(st["student_key"], dtype=object).get_indexer(pd.Index(p["student_key"].cat.categories, dtype=object))
    rank = np.empty(len(st), dtype="int64")
    rank[class_order(st) if not left_out else np.arange(len(st))] = np.arange(len(st))
    order = np.lexsort((p["period_no"].to_numpy(), rr, s, rank[pos][s] if len(s) else s))
    s, rr = s[order], rr[order]
    new = np.ones(len(s), dtype=bool)
    new[1:] = (s[1:] != s[:-1]) | (rr[1:] != rr[:-1])
    group = np.cumsum(new) - 1
    header = 2 + len(types)
    top, rows = header + 1, int(group[-1]) + 1 if len(group) else 0
    cap = MAX_ROWS - top
    note = ("每行为一名学生的一条规则；「第k期」为该规则周期的第 k 期，起止日期见上方对应周期一行（灰色斜体：整期放假，不计）。"
            "空白：该期不计（放假或建档之前）。")
    if left_out:
        note += "\n" + LEFT_OUT.format(what="明细", rows=total, limit=limit)
        cap = 0
    elif rows > cap:
        note += f"\n明细共 {rows} 行，超出 Excel 行数上限，只列出前 {cap} 行；完整数据见 Cadence.periods。"
    sh.title(f"周期明细（截至 {cad.as_of.isoformat()}）", note)
    for i, t in enumerate(types, start=2):
        ws.set_row(i, 26)
        for c in range(_FIXED - 1):
            sh.text(i, c, "各期起止日期" if i == 2 and c == 0 else "", "period", measure=False)
        sh.text(i, _FIXED - 1, t, "period")
        for k, (a, b, free) in enumerate(cals[t][["start", "end", "owed_free"]].itertuples(index=False)):
            sh.text(i, _FIXED + k, date_range(a, b).replace("–", "–\n"), "free" if free else "period", measure=False)
    sh.header(header, ["班级", "姓名", "帮扶教师", "规则", "周期", *(f"第{k}期" for k in range(1, width + 1))])
    # per student and per rule lookups, masked once rather than once per row
    lookups = [[sh.masked(class_name(*x, multi)) for x in zip(st["school"], st["grade"], st["class"])],
               [sh.masked(v) for v in st["name"].tolist()], [sh.masked(v) for v in st["mentor"].tolist()]]
    for c, values in enumerate((*lookups, names, period_of)):
        sh.widths[c] = max((text_width(v) for v in values), default=0)
    out = outcome_codes(p)[order]
    pno, done, need = (p[c].to_numpy()[order] for c in ("period_no", "done", "required"))
    pos_l, text, cell = pos.tolist(), fmt["text"], fmt["cell"]
    last = top - 1
    stop = int(np.searchsorted(group, cap))
    for a in range(0, stop, _CHUNK):
        b = min(a + _CHUNK, stop)
        chunk = (x[a:b].tolist() for x in (group, s, rr, pno, out, done, need, new))
        for g, k, ru, n, o, d, q, first in zip(*chunk):
            last = top + g
            if first:
                i = pos_l[k]
                for c, v in enumerate((lookups[0][i], lookups[1][i], lookups[2][i], names[ru], period_of[ru])):
                    if v:
                        ws.write_string(last, c, v, text)
            ws.write_string(last, _FIXED + n - 1, OUTCOMES[o] if q <= 1 else f"{OUTCOMES[o]} {d}/{q}", cell)
    if width and last >= top:
        for word, style in fmt["outcomes"].items():  # conditional formats, not per-cell formats
            ws.conditional_format(top, _FIXED, last, _FIXED + width - 1,
                                  {"type": "text", "criteria": "begins with", "value": word, "format": style})
    sh.fit(high=24, fixed={c: 7.5 for c in range(_FIXED, _FIXED + width)})
    sh.finish(header, last, _FIXED, _FIXED, across=_FIXED + width, font_pt=9)  # 9: the period cells


def _records(frame: pd.DataFrame, limit: int | None) -> list[dict[Hashable, Any]]:
    """The rows of a list sheet, not even built when the sheet will leave them out."""
    return frame.to_dict("records") if limit is None or len(frame) <= limit else []


def _lead(multi: bool) -> list[str]:
    return [*["学校"] * multi, "帮扶教师", "班级", "姓名", "规则", "应做", "周期", "已做/应做"]


def _list_row(r: dict[Hashable, Any], multi: bool, *tail: Any) -> list[Any]:
    """The lead columns of a row of 逾期名单 / 即将到期 (no phone, no ID number), then ``tail``."""
    period = "" if missing(r["period_start"]) else date_range(r["period_start"], r["period_end"])
    return [*[r["school"]] * multi, r["mentor"], class_name(None, r["grade"], r["class"], False), r["name"],
            r["rule"], r["kinds"], period, f"{r['done']}/{r['required']}", r["missing"], *tail]


def _overdue(b: Book, sh: Sheet) -> None:
    """逾期名单, in the Cadence order: per teacher, most overdue first."""
    cad, multi = b.cad, b.multi
    _sheet_list(sh, f"逾期名单（截至 {cad.as_of.isoformat()}）",
                "按帮扶教师分组，逾期天数多的在前。未达标：上一个已结束的周期没有做够；久未联系：超过一个周期没有该方式的联系。",
                [*_lead(multi), "缺少", "最近一次联系", "未联系天数", "逾期天数", "原因"],
                ["text"] * (8 + multi) + ["date", "int", "int", "text"],
                (_list_row(r, multi, r["last_contact"], r["days_without"], r["days_overdue"], r["reason"])
                 for r in _records(cad.overdue, b.limit)), high=56, count=len(cad.overdue), limit=b.limit)


def _due_soon(b: Book, sh: Sheet) -> None:
    """即将到期, in the Cadence order: per teacher, fewest days left first."""
    cad, multi = b.cad, b.multi
    _sheet_list(sh, f"即将到期（截至 {cad.as_of.isoformat()}，{cad.due_within} 天内到期）",
                "按帮扶教师分组，剩余天数少的在前；剩余 0 天即今天到期。", [*_lead(multi), "还差", "剩余天数"],
                ["text"] * (8 + multi) + ["int"],
                (_list_row(r, multi, r["days_left"]) for r in _records(cad.due_soon, b.limit)),
                high=56, count=len(cad.due_soon), limit=b.limit)


# The workbook's sheets in order, each with the function that writes it: a new sheet is one entry here.
SHEETS: dict[str, Callable[[Book, Sheet], None]] = {
    "总览": _overview, "教师": _teachers, "学生": _students, "周期明细": _grid, "逾期名单": _overdue,
    "即将到期": _due_soon,
}
