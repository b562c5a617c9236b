"""帮扶制度 workbook → the term calendar (校历). Cadence rules (周期规则) are read by the cadence step."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import python_calamine as pc

from .errors import TemplateError
from .labels import norm_label
from .normalize import clean_date
from .template import default_path

CALENDAR_SHEET = "校历"


@dataclass(frozen=True)
class Holiday:
    name: str
    start: dt.date
    end: dt.date


@dataclass(frozen=True)
class Term:
    """One term: its name, first and last day, and its holidays."""

    name: str
    start: dt.date
    end: dt.date
    holidays: tuple[Holiday, ...] = ()

    def contains(self, day: dt.date) -> bool:
        return self.start <= day <= self.end

    def describe(self) -> str:
        return f"{self.name} {self.start:%Y-%m-%d} 至 {self.end:%Y-%m-%d}"


def load_term(path: str | Path | None = None, *, on: dt.date | None = None) -> Term:
    """The term of the policy workbook's 校历 that holds ``on`` (default: the first term listed)."""
    p = Path(path) if path else default_path("帮扶制度")
    try:
        wb = pc.CalamineWorkbook.from_path(str(p))
        rows = wb.get_sheet_by_name(CALENDAR_SHEET).to_python()
    except Exception as exc:  # a policy that cannot be read stops the run
        raise TemplateError(f"cannot read 校历 of {p}: {exc}") from exc
    terms: list[tuple[str, dt.date, dt.date]] = []
    holidays: list[Holiday] = []
    for i, row in enumerate(rows[1:], start=2):
        if len(row) < 4 or not str(row[0]).strip():
            continue
        kind, name = norm_label(row[0]), str(row[1]).strip()
        start, end = _day(row[2], p, i, "C"), _day(row[3], p, i, "D")
        if end < start:
            raise TemplateError(f"{p.name} 校历!A{i}: 结束日期早于开始日期")
        if kind == "学期":
            terms.append((name, start, end))
        elif kind == "假期":
            holidays.append(Holiday(name, start, end))
        else:
            raise TemplateError(f"{p.name} 校历!A{i}: 项目应为「学期」或「假期」，不是「{row[0]}」")
    if not terms:
        raise TemplateError(f"{p.name} 校历: no 学期 row")
    chosen = next((t for t in terms if on and t[1] <= on <= t[2]), terms[0])
    own = tuple(h for h in holidays if h.end >= chosen[1] and h.start <= chosen[2])
    return Term(chosen[0], chosen[1], chosen[2], own)


def _day(value: Any, path: Path, row: int, col: str) -> dt.date:
    clean = clean_date(value)
    if clean.value is None:
        raise TemplateError(f"{path.name} 校历!{col}{row}: 「{value}」不是日期")
    return clean.value
