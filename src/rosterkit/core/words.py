"""Everyday words → official choices: the template's 同义词 sheet, read into the fields and applied to cells.

Teachers write the way they speak: 「上门家访」 for 家访, 「爷爷」 for 祖父母, 「低保」 for 农村低保家庭. The bureau lists,
per choice field, the official word and the everyday words that stand for it; the dropdowns keep listing the
official words only. A plain row always applies. A row with 依据列 applies only when that other field holds one of
its 依据值 (「其余」: any other value): 对象「奶奶」 is 监护人 when the student's 与学生关系 is 祖父母, else 家长. Every
mapping is noted as a Fix (自动修正); a conditional word whose deciding field is blank is ``value-ambiguous``, and a
word that matches nothing stays ``value-not-allowed``, its message naming the closest official word.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from difflib import SequenceMatcher
from typing import Any

from rosterkit.core.labels import norm_label
from rosterkit.core.normalize import Clean, bad_parts, clean_choice, clean_multi, clean_text
from rosterkit.core.spec import Field, SheetSpec, Synonym
from rosterkit.errors import TemplateError

SYNONYM_SHEET = "同义词"
OTHERWISE = "其余"  # 依据值 meaning: the deciding field holds any value the other rows do not name
_HEAD = ("工作表", "列名", "规范为", "常见写法", "依据列", "依据值", "说明")


def word_key(text: str) -> str:
    """How words are compared: NFKC (（上门） = (上门)), no whitespace, case-folded."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).casefold()


def _split(text: Any) -> tuple[str, ...]:
    return tuple(x.strip() for x in re.split(r"[、,，;；\n]", str(text or "")) if x.strip())


def attach_synonyms(rows: Iterable[tuple[Any, ...]], sheets: Mapping[str, SheetSpec], file: str
                    ) -> dict[str, SheetSpec]:
    """The sheets with each field's synonyms from the rows of a 同义词 sheet (its header row first).

    A row that names no choice field, an official word the field does not allow, an unknown 依据列, or a word
    given two meanings is a :class:`TemplateError`: a bureau's typo must not turn into a silent guess.
    """
    rows = list(rows)
    if not rows:
        return dict(sheets)
    head = [norm_label(x) for x in rows[0]]
    missing = [n for n in _HEAD[:4] if n not in head]
    if missing:
        raise TemplateError(f"template {file}: {SYNONYM_SHEET} sheet lacks columns: {'、'.join(missing)}")
    col = {n: head.index(n) for n in _HEAD if n in head}
    found: dict[tuple[str, str], list[Synonym]] = {}
    for n, r in enumerate(rows[1:], start=2):
        def get(name: str, r: Sequence[Any] = r) -> str:  # this row's cell, bound now
            i = col.get(name)
            return "" if i is None or i >= len(r) or r[i] is None else str(r[i]).strip()
        if not get("列名") and not get("常见写法"):
            continue
        where = f"template {file}: {SYNONYM_SHEET} row {n}"
        spec = sheets.get(get("工作表"))
        f = next((x for x in spec.fields if x.label == get("列名")), None) if spec else None
        if spec is None or f is None or f.type not in ("choice", "multi"):
            raise TemplateError(f"{where}: '{get('工作表')}.{get('列名')}' is not a choice field of the template")
        official = get("规范为")
        if official not in f.allowed:
            raise TemplateError(f"{where}: 规范为 '{official}' is not an allowed value of {f.label}")
        basis, label = _basis(get("依据列"), spec, sheets, where)
        when = tuple(v.strip() for v in re.split(r"[、,，;；|｜]", get("依据值")) if v.strip())
        if basis is not None and not when:
            raise TemplateError(f"{where}: 依据列 '{get('依据列')}' needs 依据值")
        for word in _split(get("常见写法")):
            if word_key(word) in {word_key(a) for a in f.allowed}:
                raise TemplateError(f"{where}: '{word}' is itself an allowed value of {f.label}")
            found.setdefault((spec.name, f.key), []).append(Synonym(word, official, basis, label, when, get("说明")))
    out = {}
    for name, spec in sheets.items():
        fields = tuple(replace(f, synonyms=tuple(_checked(found[(name, f.key)], f.label, file)))
                       if (name, f.key) in found else f for f in spec.fields)
        out[name] = replace(spec, fields=fields)
    return out


def _basis(text: str, spec: SheetSpec, sheets: Mapping[str, SheetSpec], where: str
           ) -> tuple[tuple[str, str] | None, str]:
    if not text:
        return None, ""
    sheet, _, label = text.rpartition(".")
    other = sheets.get(sheet) if sheet else spec
    f = next((x for x in other.fields if x.label == label), None) if other else None
    if other is None or f is None:
        raise TemplateError(f"{where}: 依据列 '{text}' names no field (write 列名 or 工作表.列名)")
    return (other.name, f.key), label


def _checked(syns: list[Synonym], label: str, file: str) -> list[Synonym]:
    """Refuse a word with two unconditional meanings, or one both conditional and not."""
    by_word: dict[str, list[Synonym]] = {}
    for s in syns:
        by_word.setdefault(word_key(s.word), []).append(s)
    for group in by_word.values():
        plain = {s.official for s in group if s.basis is None}
        if len(plain) > 1 or (plain and len(group) > len([s for s in group if s.basis is None])):
            raise TemplateError(f"template {file}: {SYNONYM_SHEET}: '{group[0].word}' of {label} has several "
                                "meanings; give each a 依据列 and 依据值")
    return syns


def choice_cleaner(f: Field) -> Callable[[Any], Clean]:
    """The cleaner of a choice or multi-choice field: the usual repairs, then its plain synonyms."""
    plain = {word_key(s.word): s.official for s in f.synonyms if s.basis is None}
    if f.type == "multi":
        def multi(raw: Any) -> Clean:
            c = clean_multi(raw, f.allowed)
            if c.problem != "value-not-allowed" or not plain:
                return c
            parts = tuple(dict.fromkeys(p if p in f.allowed else plain.get(word_key(p), p) for p in c.value))
            mapped = parts != c.value
            problem = "value-not-allowed" if bad_parts(parts, f.allowed) else None
            return Clean(parts, problem, changed=c.changed or mapped)
        return multi
    if not f.allowed:
        return clean_text

    def choice(raw: Any) -> Clean:
        c = clean_choice(raw, f.allowed)
        if c.problem == "value-not-allowed" and isinstance(c.value, str):
            if (official := plain.get(word_key(c.value))) is not None:
                return Clean(official, changed=True)
        return c
    return choice


def decide(f: Field, text: str, basis_value: Any) -> Synonym | None:
    """The conditional synonym of ``text`` that the deciding field's (clean) value picks, if exactly one does."""
    group = [s for s in f.synonyms if s.basis is not None and word_key(s.word) == word_key(text)]
    if not group or basis_value is None or basis_value == "":
        return None
    values = basis_value if isinstance(basis_value, tuple) else (str(basis_value),)
    named = {w for s in group for w in s.when if w != OTHERWISE}
    hits = [s for s in group if any(v in s.when for v in values)]
    if not hits and not any(v in named for v in values):
        hits = [s for s in group if OTHERWISE in s.when]
    officials = {s.official for s in hits}
    return hits[0] if len(officials) == 1 else None


def is_conditional(f: Field, text: Any) -> bool:
    """True when ``text`` is a word of ``f`` whose meaning depends on another field."""
    return isinstance(text, str) and any(s.basis is not None and word_key(s.word) == word_key(text)
                                         for s in f.synonyms)


def ambiguity(f: Field, text: str, own_sheet: str) -> dict[str, str]:
    """The details of a ``value-ambiguous`` message: which field decides, the rules, the choices."""
    group = [s for s in f.synonyms if s.basis is not None and word_key(s.word) == word_key(text)]
    s0 = group[0]
    assert s0.basis is not None
    basis = f"本行的「{s0.basis_label}」" if s0.basis[0] == own_sheet else f"该生在「{s0.basis[0]}」中的「{s0.basis_label}」"
    rules = "；".join(dict.fromkeys(f"{condition(s)}时应选「{s.official}」" for s in group))
    choices = "或".join(dict.fromkeys(f"「{s.official}」" for s in group))
    return {"basis": basis, "rules": rules, "choices": choices}


def condition(s: Synonym) -> str:
    """The condition of a conditional synonym in words: the bureau's 说明, else 「与学生关系」为祖父母."""
    return s.note or f"「{s.basis_label}」为{'、'.join(s.when) if OTHERWISE not in s.when else '其他值'}"


def closest(f: Field, texts: Iterable[str]) -> str:
    """「是不是「X」？」 naming the official word nearest to each text (by shared characters, over the official
    words and their synonyms), or '' when nothing is near."""
    # Conditional words are left out: each stands for two official words.
    names = [(a, a) for a in f.allowed] + [(s.word, s.official) for s in f.synonyms if s.basis is None]
    picks: list[str] = []
    for text in texts:
        key = word_key(text)
        scores: dict[str, float] = {}
        for name, official in names:
            scores[official] = max(scores.get(official, 0.0), SequenceMatcher(None, key, word_key(name)).ratio())
        top = max(scores.values(), default=0.0)
        if top >= 0.3:  # below, the words share a character at most: no honest suggestion
            picks += [o for o, r in scores.items() if r == top and o not in picks]  # a tie names both
    return f"是不是{'或'.join(f'「{p}」' for p in picks)}？" if picks else ""
