"""Everyday words whose official value another field decides (对象「奶奶」: 监护人 when she is the guardian).

Run on a file's cleaned frames once the contact log is linked to the roster, before the template schema: a word
decided here becomes the official value with a Fix that says why; a word left undecided (the deciding field is
blank) stays as typed, and the schema reports it as ``value-ambiguous`` (see words.ambiguity).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from rosterkit.checking.validate import Fix, SheetContext
from rosterkit.core import words
from rosterkit.core.template import Field


def _depends(f: Field) -> set[tuple[str, str]]:
    return {s.basis for s in f.synonyms if s.basis is not None}


def decide_words(sheets: Mapping[str, tuple[pd.DataFrame, SheetContext]], roster: str | None) -> list[Fix]:
    """Decide the conditional words of every sheet, in place; ``sheets`` by template sheet name, ``roster`` the
    template name of the roster sheet (a contact's student is found there through the log's ``student_row``)."""
    fixes: list[Fix] = []
    todo = [(name, f) for name, (_, ctx) in sheets.items() for f in ctx.spec.fields if _depends(f)]
    # A field that decides another (对象 for 方式) is decided first when it has conditional words itself.
    conditional = {(n, g.key) for n, g in todo}
    todo.sort(key=lambda item: sum(b in conditional for b in _depends(item[1])))
    for name, f in todo:
        frame, ctx = sheets[name]
        if f.key not in frame:
            continue
        allowed = set(f.allowed)
        keys = {words.word_key(s.word) for s in f.synonyms if s.basis is not None}
        for row, text in zip(frame.index.tolist(), frame[f.key].tolist()):
            # the usual cell holds an official word: a set look-up, nothing normalised (400,000 rows a county)
            if not isinstance(text, str) or text in allowed or words.word_key(text) not in keys:
                continue
            syn = words.decide(f, text, _basis_value(f, text, row, name, sheets, roster))
            if syn is None:
                continue  # left as typed: the schema asks the teacher (value-ambiguous)
            frame.at[row, f.key] = syn.official
            fixes.append(Fix(ctx.spec.name, ctx.cell(f.key, row), f.label, str(text), syn.official,
                             words.condition(syn)))
    return fixes


def _basis_value(f: Field, text: str, row: Any, name: str, sheets: Mapping[str, tuple[pd.DataFrame, SheetContext]],
                 roster: str | None) -> Any:
    syn = next(s for s in f.synonyms if s.basis is not None and words.word_key(s.word) == words.word_key(text))
    assert syn.basis is not None
    sheet, key = syn.basis
    if sheet not in sheets:
        return None
    other, octx = sheets[sheet]
    if sheet != name:  # another sheet: the roster row of the contact's student
        linked: Any = sheets[name][0].at[row, "student_row"] if "student_row" in sheets[name][0] else None
        if sheet != roster or linked is None or pd.isna(linked) or int(linked) not in other.index:
            return None
        row = int(linked)
    value = other.at[row, key] if key in other else None
    basis = octx.spec.field(key)
    # Only an official value decides: a blank or a wrong one (itself an error) leaves the word to the teacher.
    parts = value if isinstance(value, tuple) else (value,)
    return value if basis is not None and parts and all(p in basis.allowed for p in parts) else None
