"""Sending the templates out: one ledger per expected class, named for the class, optionally pre-filled.

With ``from_`` (last round's 学校花名册, or last round's inbox folder) each class's ledger comes with its
students already in, so teachers only update what changed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import python_calamine as pc

from rosterkit.checking.fieldtypes import kind_of
from rosterkit.checking.read import extract_records, find_header
from rosterkit.core.filenames import safe_name as safe_name  # where the ledgers' names are made
from rosterkit.core.template import Template, load_template
from rosterkit.errors import InputError
from rosterkit.merging.school import SchoolInfo, class_id, class_label, class_parts, read_school_info
from rosterkit.outputs.ledger import fill_ledger

if TYPE_CHECKING:
    import pandas as pd

SUFFIX = "_帮扶台账.xlsx"
def previous_rows(source: str | Path, template: Template, names: dict[tuple[str, str, str], str] | None = None
                  ) -> dict[tuple[str, str, str], list[dict[str, Any]]]:
    """Last round's students by class (:func:`rosterkit.merging.school.class_id`), as ledger rows (column label →
    value). ``names``, when given, receives each class's label as last round wrote it (城南小学 五年级1班)."""
    src = Path(source)
    labels = {f.key: f.label for f in template.roster.fields}
    out: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    names = {} if names is None else names

    def name(school: Any, grade: Any, klass: Any) -> tuple[str, str, str]:
        key = class_id(school, grade, klass)
        if key not in names:
            label = class_label(*class_parts(grade, klass))
            names[key] = f"{school} {label}" if isinstance(school, str) and school.strip() else label
        return key

    if src.is_dir():
        from rosterkit.batch import merge

        roster = merge(src, include_invalid=True).roster
        for rec in roster.to_dict("records"):
            row = {labels[k]: _cell(v) for k, v in rec.items() if k in labels and k != "seq"}
            out.setdefault(name(rec.get("school"), rec.get("grade"), rec.get("class")), []).append(row)
        return out
    if not src.is_file():
        raise InputError(f"没有这个文件或文件夹：{src}")
    try:
        wb = pc.CalamineWorkbook.from_path(str(src))
        sheets = [wb.get_sheet_by_name(n).to_python(skip_empty_area=False) for n in wb.sheet_names]
    except Exception as exc:  # the file the coordinator named cannot be read: stop
        raise InputError(f"无法读取 {src.name}：{exc}") from exc
    for rows in sheets:
        header = find_header(rows, template.roster)
        if header is None or "name" not in header.columns:
            continue
        records = extract_records(rows, header).rows
        _refuse_masked(src, records, template)
        for values in records:
            row = {labels[k]: _cell(v) for k, v in values.items() if k != "seq" and v not in ("", None)}
            out.setdefault(name(values.get("school"), values.get("grade"), values.get("class")), []).append(row)
        break  # the first sheet with a roster header is the roster
    return out


def _refuse_masked(src: Path, records: list[dict[str, Any]], template: Template) -> None:
    """A 脱敏 roster has lost the middle digits of every ID and phone: pre-filling next round's ledgers from it
    would hand teachers ``430121********5292`` to keep. Stop, and name the file to use instead."""
    hidden = [f.key for f in template.roster.fields if kind_of(f).masked]
    if not any(isinstance(rec.get(k), str) and "*" in rec[k] for rec in records for k in hidden):
        return
    plain = src.with_name(src.name.replace("_脱敏", "")) if "_脱敏" in src.name else None
    instead = (f"请改用未脱敏的 {plain}" if plain is not None and plain.is_file()
               else "请改用未脱敏的学校花名册.xlsx（同一次汇总不加 --mask 生成），或上一轮的收件箱文件夹")
    raise InputError(f"{src.name} 是脱敏版：身份证号和电话号码已部分隐藏（*），不能用来预填下一轮的台账。{instead}。")


def _cell(v: Any) -> Any:
    if isinstance(v, tuple):
        return "、".join(v)
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return v


@dataclass(frozen=True)
class Ledger:
    """One ledger sent out: where it is, which class it is for, and how many students it came with."""

    path: Path
    school: str
    grade: str
    klass: str
    head_teacher: str
    prefilled: int = 0


@dataclass
class Distribution:
    """What :func:`distribute` wrote: one :class:`Ledger` per expected class, in 学校信息's order, and, with
    ``from_``, last round's classes that no expected class took (graduated, renamed, merged: worth a look)."""

    out: Path
    ledgers: list[Ledger] = field(default_factory=list)
    unclaimed: list[str] = field(default_factory=list)

    @property
    def paths(self) -> list[Path]:
        return [x.path for x in self.ledgers]

    @property
    def prefilled(self) -> int:
        """Students written into the ledgers from last round."""
        return sum(x.prefilled for x in self.ledgers)

    @property
    def frame(self) -> pd.DataFrame:
        """The ledgers as a DataFrame (one row each: path, school, grade, klass, head_teacher, prefilled)."""
        import pandas as pd

        return pd.DataFrame([{**x.__dict__, "path": str(x.path)} for x in self.ledgers],
                            columns=["path", "school", "grade", "klass", "head_teacher", "prefilled"])


def distribute(
    school_info: str | Path | SchoolInfo,
    out: str | Path,
    *,
    from_: str | Path | None = None,
    template: Template | None = None,
) -> Distribution:
    """Write one ledger per expected class into ``out``, pre-filled with last round's students when ``from_``
    names last round's 学校花名册 or inbox; the result lists what was written."""
    school = school_info if isinstance(school_info, SchoolInfo) else read_school_info(school_info)
    if not school.classes:
        raise InputError("学校信息的班级名单是空的")
    tpl = template or load_template()
    names: dict[tuple[str, str, str], str] = {}
    previous = previous_rows(from_, tpl, names) if from_ else {}
    # last round of one school (or a roster without a 学校 column): its classes match by 年级 and 班级 alone
    alone = len({k[0] for k in previous}) <= 1
    by_class = {k[1:]: v for k, v in previous.items()} if alone else {}
    several = len(school.schools) > 1
    folder = Path(out)
    result = Distribution(folder)
    claimed: set[tuple[str, ...]] = set()
    for c in school.classes:
        meta: dict[str, Any] = {"学校": c.school or school.name, "年级": c.grade, "班级": c.klass,
                                "班主任": c.head_teacher}
        if school.deadline:
            meta["交表截止日期"] = school.deadline
        rows = previous.get(c.key) or by_class.get(c.key[1:], [])
        claimed |= {c.key, c.key[1:]} if rows else set()
        for n, row in enumerate(rows, start=1):
            row["序号"] = n
        dest = folder / f"{safe_name(c.school + c.label if several else c.label)}{SUFFIX}"
        path = fill_ledger(dest, meta={k: v for k, v in meta.items() if v}, roster=rows, template=tpl)
        result.ledgers.append(Ledger(path, c.school or school.name, c.grade, c.klass, c.head_teacher, len(rows)))
    result.unclaimed = [names[k] for k in previous if k not in claimed and k[1:] not in claimed]
    return result


def _stored(v: Any, is_date: bool) -> Any:
    """A value as the store keeps it (JSON) → as a ledger cell takes it: 多选 joined, ISO dates as dates."""
    if isinstance(v, list):
        return "、".join(map(str, v))
    if is_date and isinstance(v, str):
        try:
            return dt.date.fromisoformat(v)
        except ValueError:
            return v
    return _cell(v)


@dataclass
class Rollover:
    """What :func:`rollover` wrote: next year's ledgers (as :class:`Distribution` lists them), 交接清单.xlsx, and the
    plan it followed (:class:`rosterkit.history.rollover.Handover`: who stays, who leaves and why)."""

    sent: Distribution
    handover: Path
    plan: Any


def rollover(store: str | Path, school_info: str | Path | SchoolInfo, out: str | Path, *,
             teachers_left: tuple[str, ...] = (), scope: str | None = None, template: Template | None = None
             ) -> Rollover:
    """Next school year's ledgers from the store's latest round: each class's students one grade up (their record
    and 帮扶教师 carried, no contacts), per next year's 学校信息, and 交接清单.xlsx in ``out``."""
    from rosterkit.history.rollover import plan_rollover
    from rosterkit.outputs.handover import write_handover

    school = school_info if isinstance(school_info, SchoolInfo) else read_school_info(school_info)
    if not school.classes:
        raise InputError("下学年学校信息的班级名单是空的")
    plan = plan_rollover(store, school, scope=scope, teachers_left=teachers_left)
    tpl = template or load_template()
    labels = {f.key: f.label for f in tpl.roster.fields}
    dates = {f.key for f in tpl.roster.fields if f.type == "date"}
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    sent = Distribution(folder)
    several = len(school.schools) > 1
    movers = plan.by_class()
    for c in school.classes:
        rows = []
        for n, m in enumerate(movers.get(c.key, []), start=1):
            rec = {**m.record, "grade": c.grade, "class": c.klass, "seq": n}
            if m.mentor_left:
                rec["mentor"] = rec["mentor_phone"] = None
            rows.append({labels[k]: _stored(v, k in dates) for k, v in rec.items() if k in labels and v not in ("", None)})
        meta: dict[str, Any] = {"学校": c.school or school.name, "年级": c.grade, "班级": c.klass,
                                "班主任": c.head_teacher}
        if school.deadline:
            meta["交表截止日期"] = school.deadline
        dest = folder / f"{safe_name(c.school + c.label if several else c.label)}{SUFFIX}"
        path = fill_ledger(dest, meta={k: v for k, v in meta.items() if v}, roster=rows, template=tpl)
        sent.ledgers.append(Ledger(path, c.school or school.name, c.grade, c.klass, c.head_teacher, len(rows)))
    return Rollover(sent, write_handover(plan, folder / "交接清单.xlsx"), plan)
