"""帮扶制度 workbook → the term calendar (校历) and the cadence rules (周期规则).

``load_term`` reads only the calendar (the checker needs it to test contact dates). ``load_policy`` reads both
sheets; a malformed 周期规则 row becomes a ``policy-invalid`` :class:`~rosterkit.issues.Issue` naming its cell and
is left out, the other rules still apply. A 校历 that cannot be read stops the run (:class:`TemplateError`),
because no period can be counted without it.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import python_calamine as pc
from openpyxl.utils import get_column_letter

from rosterkit.core.dates import clean_date
from rosterkit.core.labels import norm_label
from rosterkit.core.normalize import clean_integer, clean_text, split_multi
from rosterkit.core.template import default_path
from rosterkit.errors import InputError, TemplateError
from rosterkit.issues import Issue, display_value, make_issue

CALENDAR_SHEET = "校历"
RULES_SHEET = "周期规则"

# Period words, strictest first: the index is the rank used to pick the governing rule.
PERIODS: tuple[str, ...] = ("每周", "每两周", "每月", "每季度", "每学期", "每学年")
PERIOD_ALIASES = {"每星期": "每周", "每1周": "每周", "每2周": "每两周", "隔周": "每两周", "双周": "每两周",
                  "每个月": "每月", "每1月": "每月", "每季": "每季度", "每期": "每学期", "每年": "每学年"}
ALL, OTHER = "全部", "其他"  # 适用类别 words: every student / every category no sibling rule names
# The lists of the official ledger template (帮扶记录.方式, 帮扶记录.对象, 花名册.类别); callers holding a
# changed template pass its lists to load_policy instead.
KINDS: tuple[str, ...] = ("谈心", "电话", "家访", "电话家访", "评估", "书信", "亲情电话", "其他")
PARTIES: tuple[str, ...] = ("学生", "家长", "监护人")
CATEGORIES: tuple[str, ...] = ("留守儿童", "困境儿童", "建档立卡贫困家庭", "农村低保家庭", "特困供养", "单亲家庭",
                               "离异家庭", "孤儿", "残疾", "厌学辍学倾向", "其他")

# 周期规则 header labels -> field; the first five must be present.
_COLUMNS = {"规则名称": "name", "适用类别": "categories", "计入方式": "kinds", "周期": "period",
            "最少次数": "minimum", "对象": "party", "说明": "note"}
_REQUIRED = ("name", "categories", "kinds", "period", "minimum")


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


@dataclass(frozen=True)
class Rule:
    """One cadence rule: who it applies to, which contacts count, and how many per period.

    ``categories`` is a tuple of 类别, or ``("全部",)`` (every student) or ``("其他",)`` (students with a
    category that no other rule asking for the same kinds names). ``party`` None means any 对象.
    ``cell`` is the A1 reference of the rule's row (its 规则名称 cell).
    """

    name: str
    categories: tuple[str, ...]
    kinds: tuple[str, ...]
    party: str | None
    period: str
    minimum: int
    cell: str = ""

    @property
    def rank(self) -> int:
        """Strictness of the period: 0 for 每周 … 5 for 每学年 (smaller is stricter)."""
        return PERIODS.index(self.period)

    def describe_kinds(self) -> str:
        """Chinese wording of what counts: 「家访或电话家访」, 「电话（对象：家长）」."""
        text = "或".join(self.kinds)
        return f"{text}（对象：{self.party}）" if self.party else text


@dataclass(frozen=True)
class Policy:
    """The rules that loaded cleanly, the term they are counted in, and the workbook they came from."""

    rules: tuple[Rule, ...]
    term: Term
    path: Path

    def rule(self, name: str) -> Rule:
        """The rule called ``name`` (KeyError when there is none)."""
        for r in self.rules:
            if r.name == name:
                return r
        raise KeyError(name)


def load_term(path: str | Path | None = None, *, on: dt.date | None = None, name: str | None = None) -> Term:
    """The term of the policy workbook's 校历 that ``name`` (学校信息's 学年学期) names, else the one that holds
    ``on``, else (no ``on``) the first term listed. See :func:`choose_term` for dates between terms and the
    error raised for a date outside every term."""
    p = Path(path) if path else default_path("帮扶制度")
    terms, holidays = _read_calendar(p)
    return _choose(terms, holidays, on, name, p.name)


def load_policy(
    path: str | Path | None = None,
    *,
    on: dt.date | None = None,
    name: str | None = None,
    kinds: Sequence[str] | None = None,
    categories: Sequence[str] | None = None,
) -> tuple[Policy, list[Issue]]:
    """Read the 周期规则 and 校历 sheets of a policy workbook (default: the official 帮扶制度 template).

    ``on`` and ``name`` pick the term, as in :func:`load_term`. ``kinds`` and ``categories`` are the values a
    rule may name in 计入方式 and 适用类别 (default: the lists of the official ledger template, :data:`KINDS`
    and :data:`CATEGORIES`). Returns the policy of the valid rules and the problems of the others.
    """
    p = Path(path) if path else default_path("帮扶制度")
    terms, holidays = _read_calendar(p)
    term = _choose(terms, holidays, on, name, p.name)
    try:
        rows = pc.CalamineWorkbook.from_path(str(p)).get_sheet_by_name(RULES_SHEET).to_python()
    except Exception as exc:  # without its rules sheet the policy cannot be used at all
        raise TemplateError(f"cannot read {RULES_SHEET} of {p}: {exc}") from exc
    reader = _RuleReader(p.name, tuple(kinds or KINDS), tuple(categories or CATEGORIES))
    rules = reader.read(rows)
    issues = reader.issues
    if not rules:
        issues.append(make_issue("policy-empty", file=p.name, sheet=RULES_SHEET))
    if len(terms) > 1:  # 每学年 spans terms, but the engine counts one term: say so rather than guess
        for r in rules:
            if r.period == "每学年":
                issues.append(make_issue("policy-year-as-term", file=p.name, sheet=RULES_SHEET, cell=r.cell,
                                         column="周期", value=r.period, rule=r.name, term=term.describe()))
    return Policy(tuple(rules), term, p), issues


class _RuleReader:
    """Reads 周期规则 rows into rules, collecting one issue per bad cell."""

    def __init__(self, file: str, kinds: tuple[str, ...], categories: tuple[str, ...]) -> None:
        self.file, self.kinds, self.categories = file, kinds, categories
        self.issues: list[Issue] = []

    def read(self, rows: list[list[Any]]) -> list[Rule]:
        head = next((i for i, row in enumerate(rows[:10]) if "规则名称" in {norm_label(v) for v in row}), None)
        if head is None:
            raise TemplateError(f"{self.file} {RULES_SHEET}: 找不到表头行（应含「规则名称」）")
        cols = {_COLUMNS[norm_label(v)]: c for c, v in enumerate(rows[head]) if norm_label(v) in _COLUMNS}
        missing = [label for label, key in _COLUMNS.items() if key in _REQUIRED and key not in cols]
        if missing:
            raise TemplateError(f"{self.file} {RULES_SHEET}: 缺少列「{'」「'.join(missing)}」")
        self.cols = cols
        rules: list[Rule] = []
        seen: dict[str, int] = {}
        for i, row in enumerate(rows[head + 1:], start=head + 2):
            raw = {key: row[c] if c < len(row) else None for key, c in cols.items()}
            if all(clean_text(raw[k]).value is None for k in (*_REQUIRED, "party") if k in raw):
                continue  # blank row (a row holding only 说明 is a note, not a rule)
            rule = self._row(i, raw, seen)
            if rule is not None:
                seen[rule.name] = i
                rules.append(rule)
        return rules

    def _row(self, row: int, raw: dict[str, Any], seen: dict[str, int]) -> Rule | None:
        before = len(self.issues)
        name = clean_text(raw["name"]).value
        label = name or f"第{row}行"
        if name is None:
            self._bad(row, "name", raw, label, "请给这条规则起一个名称")
        elif name in seen:
            self._bad(row, "name", raw, label, f"与第 {seen[name]} 行重复，规则名称不能相同")
        cats = self._list(row, raw, "categories", label, self.categories,
                          "可填具体类别（用顿号分隔）、「全部」或「其他」", extra=(ALL, OTHER))
        if len(cats) > 1 and ({ALL, OTHER} & set(cats)):
            self._bad(row, "categories", raw, label, "「全部」「其他」须单独填写，不能与具体类别同填")
        kinds = self._list(row, raw, "kinds", label, self.kinds, "请填计入的帮扶方式，如：家访、电话家访")
        party = clean_text(raw.get("party")).value
        if party is not None and party not in PARTIES:
            self._bad(row, "party", raw, label, f"应为 {'、'.join(PARTIES)} 之一，或留空表示不限")
            party = None
        period = _period(raw["period"])
        if period is None:
            self._bad(row, "period", raw, label, f"应为 {'、'.join(PERIODS)} 之一")
        minimum = clean_integer(raw["minimum"])
        if minimum.value is None or minimum.problem or minimum.value < 1:
            self._bad(row, "minimum", raw, label, "应填不小于 1 的整数：每个周期至少几次，如 1")
        if len(self.issues) > before or name is None or not cats or not kinds or period is None:
            return None
        return Rule(name, cats, kinds, party, period, int(minimum.value), f"{self._col('name')}{row}")

    def _list(self, row: int, raw: dict[str, Any], key: str, label: str, allowed: tuple[str, ...],
              blank: str, extra: tuple[str, ...] = ()) -> tuple[str, ...]:
        text = clean_text(raw[key]).value
        if text is None:
            self._bad(row, key, raw, label, blank)
            return ()
        parts = tuple(split_multi(unicodedata.normalize("NFKC", text)))
        unknown = [p for p in parts if p not in allowed and p not in extra]
        if unknown:
            self._bad(row, key, raw, label, f"其中「{'、'.join(unknown)}」不可识别，可选：{'、'.join(allowed + extra)}")
        return parts

    def _col(self, key: str) -> str:
        return get_column_letter(self.cols[key] + 1)

    def _bad(self, row: int, key: str, raw: dict[str, Any], rule: str, fix: str) -> None:
        label = next(lbl for lbl, k in _COLUMNS.items() if k == key)
        shown = display_value(clean_text(raw.get(key)).value)
        detail = f"未填写，{fix}" if shown is None else f"填的是「{shown}」，{fix}"
        self.issues.append(make_issue("policy-invalid", file=self.file, sheet=RULES_SHEET,
                                      cell=f"{self._col(key)}{row}", column=label, value=raw.get(key), row=row,
                                      rule=rule, detail=detail))


def _period(value: Any) -> str | None:
    text = clean_text(value).value
    if text is None:
        return None
    text = norm_label(text)
    text = PERIOD_ALIASES.get(text, text)
    return text if text in PERIODS else None


def _read_calendar(p: Path) -> tuple[list[tuple[str, dt.date, dt.date]], list[Holiday]]:
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
    return terms, holidays


def _choose(terms: list[tuple[str, dt.date, dt.date]], holidays: list[Holiday], on: dt.date | None,
            name: str | None = None, file: str = "帮扶制度") -> Term:
    chosen = choose_term(terms, on, name, file)
    own = tuple(h for h in holidays if h.end >= chosen[1] and h.start <= chosen[2])
    return Term(chosen[0], chosen[1], chosen[2], own)


def _term_key(text: str) -> str:
    """A term name compared loosely: 「2026-2027学年 第一学期」 and 「2026—2027学年第一学期」 are one term."""
    text = norm_label(unicodedata.normalize("NFKC", text))
    return re.sub(r"[\s\-—–~～至到]", "", text).replace("上学期", "第一学期").replace("下学期", "第二学期")


def choose_term(terms: list[tuple[str, dt.date, dt.date]], on: dt.date | None, name: str | None = None,
                file: str = "帮扶制度") -> tuple[str, dt.date, dt.date]:
    """The (name, start, end) of the term to judge by.

    1. ``name`` (学校信息's 学年学期) when a term of 校历 bears it: the school said which term this round is.
    2. The term holding ``on``. A date between two terms (the winter holiday) takes the term just ended: a ledger
       returned in February is the autumn term's, whose contacts it holds.
    3. No ``on``: the first term listed.

    ``on`` before the first term or after the last one (the summer holiday after the calendar's school year)
    raises :class:`InputError` naming the terms the calendar holds: judging by a term the date is not in would
    report every contact out of term and a 0% compliance with no word of why.
    """
    if name:
        named = [t for t in terms if _term_key(t[0]) == _term_key(name)]
        if named:
            return named[0]
    if on is None:
        return terms[0]
    holding = [t for t in terms if t[1] <= on <= t[2]]
    if holding:
        return holding[0]
    ended = [t for t in terms if t[2] < on]
    if ended and any(t[1] > on for t in terms):
        return max(ended, key=lambda t: t[2])
    listed = "；".join(f"{n} {a:%Y-%m-%d} 至 {b:%Y-%m-%d}" for n, a, b in sorted(terms, key=lambda t: t[1]))
    raise InputError(f"报告日期 {on:%Y-%m-%d} 不在 {file} 「校历」的任何学期内（校历中的学期：{listed}）。"
                     f"请用 --as-of 指定学期内的日期，或在「校历」中添加这个学期的起止日期。")


def _day(value: Any, path: Path, row: int, col: str) -> dt.date:
    clean = clean_date(value)
    if clean.value is None:
        raise TemplateError(f"{path.name} 校历!{col}{row}: 「{value}」不是日期")
    return clean.value
