"""Small builders that make filled class ledgers in tmp_path from the official template."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from rosterkit.core.idcard import make_id
from rosterkit.outputs.ledger import fill_ledger

AS_OF = dt.date(2026, 11, 23)
NAMES = ["张小明", "李思雨", "王浩然", "刘子涵", "陈雨欣", "杨俊杰", "赵欣怡", "黄梓轩"]
META = {"学校": "城关镇中心小学", "年级": "三年级", "班级": "2班", "班主任": "周丽",
        "填表人": "周丽", "联系电话": "13907310001", "填报日期": dt.date(2026, 11, 20)}


def student(i: int, **over: Any) -> dict[str, Any]:
    """A valid roster row (labels as in the template); ``over`` replaces values by label."""
    male = i % 2 == 0
    birth = dt.date(2017, 1 + i % 12, 1 + i % 27)
    row: dict[str, Any] = {
        "序号": i + 1, "姓名": NAMES[i % len(NAMES)] + ("" if i < len(NAMES) else str(i)),
        "性别": "男" if male else "女", "身份证号": make_id("430121", birth, 100 + i, male),
        "出生日期": birth, "民族": "汉族", "类别": "建档立卡贫困家庭", "身体状况": "健康", "监护情况": "较好",
        "监护人姓名": "张建国", "与学生关系": "父亲", "监护人电话": f"1390731{1000 + i:04d}",
        "家庭住址": "长沙县城关镇建设路1号", "是否住校": "否", "帮扶教师": "周丽", "建档日期": dt.date(2026, 9, 1),
    }
    row.update(over)
    return row


def contact(name: str, day: dt.date, kind: str = "谈心", **over: Any) -> dict[str, Any]:
    row: dict[str, Any] = {"日期": day, "学生姓名": name, "帮扶教师": "周丽", "方式": kind, "对象": "学生",
                           "内容": "了解学习和生活情况，鼓励按时完成作业"}
    row.update(over)
    return row


def ledger(folder: Path, name: str = "三年级2班.xlsx", *, students: list[dict[str, Any]] | None = None,
           contacts: list[dict[str, Any]] | None = None, meta: dict[str, Any] | None = None) -> Path:
    """A filled ledger: three clean students with two talks each unless told otherwise."""
    students = [student(i) for i in range(3)] if students is None else students
    if contacts is None:
        contacts = [contact(s["姓名"], dt.date(2026, 11, d)) for s in students for d in (9, 16)]
    return fill_ledger(folder / name, meta={**META, **(meta or {})}, roster=students, log=contacts)


def school_info(folder: Path, classes: list[tuple[str, ...]], *, name: str = "城关镇中心小学",
                deadline: dt.date | None = dt.date(2026, 11, 20)) -> Path:
    """A filled 学校信息 workbook: (年级, 班级, 班主任[, 学校]) per expected class (学校: the optional column)."""
    import openpyxl

    from rosterkit.core.template import default_path

    wb = openpyxl.load_workbook(default_path("学校信息"))
    ws = wb["学校信息"]
    values = {"学校名称": name, "学年学期": "2026—2027学年第一学期", "填报截止日期": deadline}
    for row in ws.iter_rows():
        for c in row:
            if c.value in values and values[c.value] is not None:
                ws.cell(c.row, c.column + 1).value = values[c.value]
    cls = wb["班级名单"]
    for grade, klass, teacher, *school in classes:
        cls.append([grade, klass, teacher, "13900000000", *school])
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "学校信息.xlsx"
    wb.save(path)
    return path


def output_cells(folder: Path) -> dict[str, dict[str, list[tuple[Any, ...]]]]:
    """Every workbook under ``folder`` (by relative path) → sheet → rows of cell values: what a reader sees,
    for comparing two runs' outputs (zip timestamps and part order aside)."""
    import openpyxl

    out: dict[str, dict[str, list[tuple[Any, ...]]]] = {}
    for path in sorted(folder.rglob("*.xlsx")):
        wb = openpyxl.load_workbook(path, read_only=True)
        out[str(path.relative_to(folder))] = {ws.title: list(ws.iter_rows(values_only=True)) for ws in wb.worksheets}
        wb.close()
    return out


def with_macros(src: Path, dest: Path) -> Path:
    """A copy of the .xlsx ``src`` turned into a macro workbook at ``dest`` (.xlsm): the macro-enabled content
    type, a vbaProject part and its relationship (the part is a stub: nothing here ever runs it)."""
    import zipfile

    with zipfile.ZipFile(src) as a, zipfile.ZipFile(dest, "w") as b:
        for n in a.namelist():
            data = a.read(n)
            if n == "[Content_Types].xml":
                data = data.replace(
                    b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
                    b"application/vnd.ms-excel.sheet.macroEnabled.main+xml").replace(
                    b"</Types>", b'<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/></Types>')
            if n == "xl/_rels/workbook.xml.rels":
                data = data.replace(b"</Relationships>", b'<Relationship Id="rId99" Type="http://schemas.microsoft.com/'
                                    b'office/2006/relationships/vbaProject" Target="vbaProject.bin"/></Relationships>')
            b.writestr(n, data)
        b.writestr("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0 not really")
    return dest


def scalars(tree: Any) -> Iterator[Any]:
    """Every scalar value of a JSON tree (dicts and lists walked), in order."""
    if isinstance(tree, dict):
        for v in tree.values():
            yield from scalars(v)
    elif isinstance(tree, list):
        for v in tree:
            yield from scalars(v)
    else:
        yield tree
