"""一生一档: per class, ``<class>_一生一档.xlsx`` with one print-ready sheet per student (A4 portrait, one page
wide): 档案卡, 联系记录 (every contact of every stored round), 学期评价 (the 评估 entries), 各学期落实情况.

``mask``: ID numbers and phones masked, as in every 脱敏 output (the file can then be shown, not filed).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import xlsxwriter

from rosterkit.core.filenames import safe_name
from rosterkit.core.masking import mask_id, mask_phone
from rosterkit.core.values import text_width
from rosterkit.history.dossier import Dossier
from rosterkit.outputs.sheetkit import Sheet
from rosterkit.xlsx.atomic import atomic_output

__all__ = ["DOSSIER_SUFFIX", "write_dossiers"]

DOSSIER_SUFFIX = "_一生一档.xlsx"
_WIDTHS = (11, 18, 11, 30, 11, 22)  # the card's label/value pairs and the contacts' columns share them
_PT = 10


def _formats(wb: xlsxwriter.Workbook) -> dict[str, Any]:
    base = {"font_size": _PT, "valign": "top", "border": 1, "border_color": "#BFBFBF"}
    return {
        "title": wb.add_format({"bold": True, "font_size": 16, "valign": "vcenter"}),
        "note": wb.add_format({"font_size": 9, "font_color": "#595959", "valign": "vcenter"}),
        "section": wb.add_format({"bold": True, "font_size": 12, "valign": "bottom"}),
        "label": wb.add_format({**base, "bold": True, "bg_color": "#F2F2F2"}),
        "text": wb.add_format({**base, "text_wrap": True}),
        "header": wb.add_format({**base, "bold": True, "bg_color": "#D9E1F2", "align": "center"}),
    }


def _lines(text: str, width: float) -> int:
    # a column's width counts digits of the 11 pt default font; a CJK character of our 10 pt text takes ~1.6 of them
    room = max((width - 1) * 1.25, 1)
    return max(1, sum(max(1, math.ceil(text_width(part) / room)) for part in text.split("\n")))


class _Page:
    """One student's sheet, written top to bottom; rows grown for wrapped text (LibreOffice does not grow them)."""

    def __init__(self, sh: Sheet, mask: bool) -> None:
        self.sh, self.ws, self.mask, self.r = sh, sh.ws, mask, 0

    def put(self, c: int, text: Any, style: str = "text", *, to: int | None = None) -> int:
        """A cell (merged through column ``to``); returns the lines it needs."""
        s = "" if text is None else str(text)
        width = sum(_WIDTHS[c:(to if to is not None else c) + 1])
        if to is not None and to > c:
            self.ws.merge_range(self.r, c, self.r, to, "", self.sh.fmt[style])
        self.sh.text(self.r, c, s, style, measure=False)
        return _lines(self.sh.masked(s), width)

    def row(self, cells: Sequence[tuple[int, Any, str, int | None]]) -> None:
        lines = max((self.put(c, v, st, to=to) for c, v, st, to in cells), default=1)
        self.ws.set_row(self.r, 15 * lines + 3)
        self.r += 1

    def gap(self, n: int = 1) -> None:
        self.r += n


def _id(v: Any, mask: bool) -> str:
    s = "" if v is None else str(v)
    return mask_id(s) if mask and s else s


def _phone(v: Any, mask: bool) -> str:
    s = "" if v is None else str(v)
    return mask_phone(s) if mask and s else s


def _joined(v: Any) -> str:
    return "、".join(map(str, v)) if isinstance(v, list) else ("" if v is None else str(v))


def _card(p: _Page, d: Dossier) -> None:
    rec, m = d.record, p.mask
    since = d.since
    cats = "、".join(f"{c}（{since[c]} 起）" if since.get(c) else c for c in rec.get("categories") or [])
    mentor = rec.get("mentor") or ""
    if mentor and since.get("帮扶教师"):
        mentor = f"{mentor}（{since['帮扶教师']} 起）"
    pairs = [
        (("姓名", rec.get("name")), ("性别", rec.get("gender")), ("民族", rec.get("ethnicity"))),
        (("身份证号", _id(rec.get("id_number"), m)), ("学籍号", _id(rec.get("student_no"), m)),
         ("出生日期", rec.get("birth_date"))),
        (("学校", d.school), ("班级", d.klass), ("是否住校", rec.get("boarding"))),
        (("身体状况", rec.get("health")), ("监护情况", rec.get("guardianship")), ("建档日期", rec.get("enrolled_on"))),
        (("留守类型", rec.get("left_behind_type")), ("帮扶教师", mentor),
         ("教师电话", _phone(rec.get("mentor_phone"), m))),
        (("监护人", rec.get("guardian_name")), ("与学生关系", rec.get("guardian_relation")),
         ("监护人电话", _phone(rec.get("guardian_phone"), m))),
        (("父亲", rec.get("father_name")), ("父亲务工地", rec.get("father_workplace")),
         ("父亲电话", _phone(rec.get("father_phone"), m))),
        (("母亲", rec.get("mother_name")), ("母亲务工地", rec.get("mother_workplace")),
         ("母亲电话", _phone(rec.get("mother_phone"), m))),
    ]
    p.row([(0, "类别", "label", None), (1, cats, "text", 5)])
    for triple in pairs:
        cells: list[tuple[int, Any, str, int | None]] = []
        for i, (label, value) in enumerate(triple):
            cells += [(2 * i, label, "label", None), (2 * i + 1, _joined(value), "text", None)]
        p.row(cells)
    p.row([(0, "家庭住址", "label", None), (1, rec.get("address"), "text", 5)])
    p.row([(0, "备注", "label", None), (1, rec.get("note"), "text", 5)])


def _student_sheet(sh: Sheet, d: Dossier, mask: bool, made: dt.date) -> None:
    ws, p = sh.ws, _Page(sh, mask)
    for col, w in enumerate(_WIDTHS):
        ws.set_column(col, col, w)
    ws.set_row(0, 28)
    sh.text(0, 0, f"{d.record.get('name') or ''} 一生一档" + ("（脱敏）" if mask else ""), "title", measure=False)
    sh.text(1, 0, f"{d.school} {d.klass} · 存档各轮：{'、'.join(d.rounds)} · {made.isoformat()} 生成", "note",
            measure=False)
    p.gap(3)
    sh.text(p.r, 0, "一、档案卡", "section", measure=False)
    p.gap()
    _card(p, d)
    p.gap()
    sh.text(p.r, 0, f"二、联系记录（共 {len(d.contacts)} 次）", "section", measure=False)
    p.gap()
    p.row([(i, h, "header", None) for i, h in enumerate(["日期", "方式", "对象", "内容", "帮扶教师", "后续措施"])])
    if not d.contacts:
        p.row([(0, "（存档中没有联系记录）", "text", 5)])
    for e in d.contacts:
        p.row([(0, e.get("date"), "text", None), (1, e.get("kind"), "text", None), (2, e.get("party"), "text", None),
               (3, e.get("content"), "text", None), (4, e.get("mentor"), "text", None),
               (5, e.get("follow_up"), "text", None)])
    p.gap()
    sh.text(p.r, 0, f"三、学期评价（评估 {len(d.assessments)} 次）", "section", measure=False)
    p.gap()
    p.row([(0, "日期", "header", None), (1, "帮扶教师", "header", None), (2, "评价", "header", 4),
           (5, "后续措施", "header", None)])
    for e in d.assessments:
        p.row([(0, e.get("date"), "text", None), (1, e.get("mentor"), "text", None),
               (2, e.get("content"), "text", 4), (5, e.get("follow_up"), "text", None)])
    if not d.assessments:
        p.row([(0, "（存档中没有「评估」方式的记录）", "text", 5)])
    p.gap()
    sh.text(p.r, 0, "四、各学期落实情况", "section", measure=False)
    p.gap()
    for t in d.terms:
        rate = "" if t.compliance_rate is None else f"，落实率 {t.compliance_rate:.0%}"
        p.row([(0, f"{t.name}（截至 {t.as_of}{rate}）", "label", 5)])
        p.row([(0, "规则", "header", 1), (2, "应做周期", "header", None), (3, "达标 / 未达标", "header", None),
               (4, "进行中", "header", None), (5, "最近一期", "header", None)])
        for r in t.rules:
            last = r["last_outcome"] if isinstance(r["last_outcome"], str) else "（尚无已结束的周期）"
            p.row([(0, r["rule"], "text", 1), (2, r["periods"], "text", None),
                   (3, f"{r['met']} / {r['missed']}", "text", None), (4, r["in_progress"], "text", None),
                   (5, last, "text", None)])
    if not d.terms:
        p.row([(0, "（存档中没有落实情况）", "text", 5)])
    ws.set_portrait()
    ws.set_paper(9)  # A4
    ws.fit_to_pages(1, 0)  # one page wide, as many long as the contacts need
    ws.set_margins(left=0.5, right=0.5, top=0.6, bottom=0.6)
    ws.set_footer("&C第 &P 页，共 &N 页")
    ws.hide_gridlines(2)


def _sheet_names(ds: Sequence[Dossier]) -> list[str]:
    """Each student's sheet name: the name, with the ID's last 4 characters when two share it; Excel's 31."""
    names = [str(d.record.get("name") or "未写姓名") for d in ds]
    twice = {n for n in names if names.count(n) > 1}
    out: list[str] = []
    taken: set[str] = set()
    for n, d in zip(names, ds):
        s = f"{n}（{str(d.record.get('id_number') or d.person)[-4:]}）" if n in twice else n
        s = "".join("_" if ch in "[]:*?/\\" else ch for ch in s)[:31]
        while s in taken:
            s = s[:29] + f"_{len(taken)}"
        taken.add(s)
        out.append(s)
    return out


def write_dossiers(ds: Sequence[Dossier], out: str | Path, *, mask: bool = False,
                   made: dt.date | None = None) -> list[Path]:
    """One workbook per class in ``out`` (``<class>_一生一档.xlsx``, ``_脱敏`` with ``mask``); the paths."""
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    by_class: dict[tuple[str, str], list[Dossier]] = {}
    for d in ds:
        by_class.setdefault((d.school, d.klass), []).append(d)
    several = len({school for school, _ in by_class}) > 1
    written = []
    for (school, klass), group in by_class.items():
        stem = safe_name(f"{school}{klass}" if several else klass)
        dest = folder / f"{stem}{DOSSIER_SUFFIX.replace('.xlsx', '_脱敏.xlsx') if mask else DOSSIER_SUFFIX}"
        with atomic_output(dest) as tmp:
            wb = xlsxwriter.Workbook(str(tmp), {"strings_to_formulas": False, "strings_to_urls": False})
            try:
                fmt = _formats(wb)
                for name, d in zip(_sheet_names(group), group):
                    _student_sheet(Sheet(wb, name, fmt, mask), d, mask, made or dt.date.today())
            finally:
                wb.close()
        written.append(dest)
    return written
