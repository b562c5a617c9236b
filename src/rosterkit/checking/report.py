"""What a check returns: per-file results and the report over all files, as objects, dicts and DataFrames."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from rosterkit.checking.validate import Fix, SheetContext
from rosterkit.issues import UNREADABLE, Counted, Issue

if TYPE_CHECKING:
    import pandas as pd

    from rosterkit.checking.read import RawWorkbook

Status = Literal["ok", "problems", "unreadable"]
UNREADABLE_CODES = UNREADABLE  # files refused or not read at all: status 无法读取
ISSUE_COLUMNS = ["file", "sheet", "cell", "column", "value", "code", "severity", "message"]


@dataclass
class Pending:
    """What :func:`~rosterkit.checking.finish.finish_files` needs of a prepared file: its sheet order (to sort problems in reading order)
    and, per role, the sheet's context and the place in ``issues`` where its schema problems belong."""

    sheets: list[str]
    schema: dict[str, tuple[SheetContext, int]] = field(default_factory=dict)

    def shift(self, by: int) -> None:
        """Problems were put in front of the list: the schema places move with them."""
        self.schema = {role: (ctx, at + by) for role, (ctx, at) in self.schema.items()}


@dataclass
class FileResult(Counted):
    """One checked workbook. ``rows``/``invalid`` count records per role (``roster``, ``log``)."""

    path: Path
    issues: list[Issue] = field(default_factory=list)
    fixes: list[Fix] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=lambda: {"roster": 0, "log": 0})
    invalid: dict[str, int] = field(default_factory=lambda: {"roster": 0, "log": 0})
    meta: dict[str, Any] = field(default_factory=dict)
    frames: dict[str, pd.DataFrame] = field(default_factory=dict)
    sheets: dict[str, str] = field(default_factory=dict)  # role (roster, log) → the sheet's name in this file
    annotated: Path | None = None
    # In flight, not results: the cells read, kept only for the copy of a file openpyxl cannot open (dropped once
    # it is made), and what the batched schema still has to do (None once it ran).
    raw: RawWorkbook | None = field(default=None, repr=False, compare=False)
    pending: Pending | None = field(default=None, repr=False, compare=False)
    shown: str = ""  # 城南小学/三年级1班.xlsx when two inboxes hold a file of that name (check.name_apart)

    @property
    def name(self) -> str:
        return self.shown or self.path.name


    @property
    def status(self) -> Status:
        if any(i.code in UNREADABLE_CODES for i in self.issues):
            return "unreadable"
        return "problems" if self.errors else "ok"

    @property
    def valid(self) -> dict[str, int]:
        return {k: self.rows[k] - self.invalid[k] for k in self.rows}

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": str(self.path), "status": self.status, "rows": dict(self.rows),
            "rows_invalid": dict(self.invalid), "meta": {k: str(v) for k, v in self.meta.items()},
            "annotated": str(self.annotated) if self.annotated else None,
            "issues": [i.to_dict() for i in self.issues],
            "fixes": [f.__dict__ for f in self.fixes],
        }


@dataclass
class CheckReport:
    """All files of one check run. ``valid`` is true when no file has an error."""

    files: list[FileResult]
    out: Path | None = None
    summary_path: Path | None = None

    @property
    def issues(self) -> list[Issue]:
        return [i for f in self.files for i in f.issues]

    @property
    def valid(self) -> bool:
        return all(f.status == "ok" for f in self.files)

    def summary(self) -> dict[str, Any]:
        counts = {s: sum(f.status == s for f in self.files) for s in ("ok", "problems", "unreadable")}
        return {
            "files": len(self.files), **counts,
            "errors": sum(f.errors for f in self.files), "warnings": sum(f.warnings for f in self.files),
            "rows": {k: sum(f.rows[k] for f in self.files) for k in ("roster", "log")},
            "rows_invalid": {k: sum(f.invalid[k] for f in self.files) for k in ("roster", "log")},
            "out": str(self.out) if self.out else None,
            "summary_workbook": str(self.summary_path) if self.summary_path else None,
        }

    def to_dict(self, *, mask: bool = False) -> dict[str, Any]:
        """The ``--json`` shape: ``{"files": [...], "summary": {...}}``; ``mask``: as 校验汇总_脱敏 shows it."""
        from rosterkit.core.masking import mask_tree

        data = {"files": [f.to_dict() for f in self.files], "summary": self.summary()}
        return mask_tree(data) if mask else data

    def flatten(self, fields: Iterable[str] = ("sheet", "cell", "code")) -> list[list[Any]]:
        """Compact rows for tests and quick looks, e.g. ``[["花名册", "D7", "id-checksum"]]``."""
        names = list(fields)
        return [[getattr(i, n) for n in names] for i in self.issues]

    def issues_frame(self) -> pd.DataFrame:
        """Every problem of every file as a DataFrame (one row per issue)."""
        import pandas as pd

        return pd.DataFrame([[getattr(i, c) for c in ISSUE_COLUMNS] for i in self.issues], columns=ISSUE_COLUMNS)
