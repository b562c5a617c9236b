"""The parent's half of a check: the template schema over batches of prepared files, then counts and order.

Workers (:func:`rosterkit.checking.run.prepare_file`) read, clean and cross-check one file each and send back a
:class:`~rosterkit.checking.report.FileResult` carrying a :class:`~rosterkit.checking.report.Pending`; here the schema runs once per template sheet
over a batch of those files (pandera's fixed cost per call is ten times a class's rows), each sheet's problems go
where they belong, valid rows are counted and the problems put in reading order.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from openpyxl.utils.cell import column_index_from_string, coordinate_from_string

from rosterkit.checking.report import FileResult, Pending
from rosterkit.checking.validate import SheetContext, run_schema_many
from rosterkit.core.template import SheetSpec, Template
from rosterkit.issues import Issue, make_issue

ROLES = {"name": "roster", "student_name": "log"}  # a field that marks the sheet's role


def role_of(spec: SheetSpec) -> str:
    """The role of a template sheet: ``roster`` (it has 姓名), ``log`` (学生姓名), else its name."""
    return next((r for k, r in ROLES.items() if spec.field(k)), spec.name)


def finish_files(results: Sequence[FileResult], template: Template) -> None:
    """Run the template schema over the frames of prepared files, one lazy pass per sheet for all of them,
    then count the valid rows and put each file's problems in reading order."""
    waiting = [(r, r.pending) for r in results if r.pending is not None]
    found: dict[tuple[int, str], list[Issue]] = {}
    for spec in template.sheets.values():
        role = role_of(spec)
        batch = [(i, r, p) for i, (r, p) in enumerate(waiting) if role in p.schema]
        try:
            issues = run_schema_many(spec, [(r.frames[role], p.schema[role][0]) for _, r, p in batch])
        except Exception:  # some file's values upset the batch: run each file alone to find which
            issues = [_schema_alone(spec, r, p, role) for _, r, p in batch]
        found.update({(i, role): got for (i, _, _), got in zip(batch, issues)})
    for i, (r, pending) in enumerate(waiting):
        for role, (_, at) in sorted(pending.schema.items(), key=lambda kv: -kv[1][1]):  # last place first
            r.issues[at:at] = found[i, role]
        r.issues = _one_problem_per_crowded_cell(r.issues)
        _count(r, {role: ctx for role, (ctx, _) in pending.schema.items()})
        r.issues.sort(key=_place_order(pending.sheets))
        r.pending = None
        if not r.issues:
            r.raw = None  # only kept for the annotated copy of a file with problems


def _one_problem_per_crowded_cell(issues: list[Issue]) -> list[Issue]:
    """A cell holding two students says that alone: its length or format (an ID of 37 digits) is no mistake to
    fix on its own, the row is to be split."""
    crowded = {(i.sheet, i.cell) for i in issues if i.code == "multiple-students"}
    if not crowded:
        return issues
    return [i for i in issues if i.code == "multiple-students" or (i.sheet, i.cell) not in crowded]


def _place_order(sheets: list[str]) -> Callable[[Issue], tuple[int, int, int]]:
    """Problems in reading order: file-level first, then by sheet, row and column."""
    def key(i: Issue) -> tuple[int, int, int]:
        sheet = sheets.index(i.sheet) + 1 if i.sheet in sheets else 0
        col = column_index_from_string(coordinate_from_string(i.cell)[0]) if i.cell else 0
        return sheet, i.row or 0, col
    return key


def _schema_alone(spec: SheetSpec, r: FileResult, pending: Pending, role: str) -> list[Issue]:
    try:
        return run_schema_many(spec, [(r.frames[role], pending.schema[role][0])])[0]
    except Exception as exc:  # as in a worker: an input nobody foresaw costs this file only, with a code
        r.frames.pop(role)
        pending.schema.pop(role)
        r.rows[role] = r.invalid[role] = 0
        return [make_issue("file-crashed", file=r.name, detail=f"{type(exc).__name__}: {str(exc)[:100]}")]


def _count(result: FileResult, contexts: dict[str, SheetContext]) -> None:
    for role, ctx in contexts.items():
        frame = result.frames[role]
        bad = {i.row for i in result.issues if i.severity == "error" and i.sheet == ctx.spec.name and i.row
               and i.row in frame.index}
        result.rows[role] = len(frame)
        result.invalid[role] = len(bad)
        frame["valid"] = ~frame.index.isin(list(bad))


class Finisher:
    """The progress hook of the per-file stage: files that come back wait in a batch, whose schema is run
    (:func:`finish_files`) while the workers read on; the caller's ``progress`` sees each file finished."""

    BATCH = 64

    def __init__(self, template: Template, progress: Callable[[int, int, FileResult], None] | None) -> None:
        self.template, self.progress = template, progress
        self.waiting: list[FileResult] = []
        self.done, self.total = 0, 0

    def __call__(self, done: int, total: int, result: FileResult) -> None:
        self.total = total
        self.waiting.append(result)
        if len(self.waiting) >= self.BATCH or done == total:
            self.flush()

    def flush(self) -> None:
        finish_files(self.waiting, self.template)
        for r in self.waiting:
            self.done += 1
            if self.progress:
                self.progress(self.done, self.total, r)
        self.waiting = []
