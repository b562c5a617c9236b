"""The template decides the schema: a changed template needs no code change."""

from __future__ import annotations

import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import openpyxl
import pytest

from builders import AS_OF, ledger, student
from rosterkit import check, load_template
from rosterkit.errors import TemplateError
from rosterkit.core.template import default_path
from rosterkit.outputs.ledger import fill_ledger


def test_official_template_fields() -> None:
    t = load_template()
    assert (t.id, t.version) == ("RK-LEDGER", "2026.1")
    assert t.roster.name == "花名册" and t.log.name == "帮扶记录"
    assert [f.label for f in t.roster.fields[:6]] == ["序号", "姓名", "性别", "身份证号", "学籍号", "出生日期"]
    cats = t.roster.field("categories")
    assert cats is not None and cats.type == "multi" and "留守儿童" in cats.allowed and len(cats.allowed) == 11
    ethnic = t.roster.field("ethnicity")
    assert ethnic is not None and len(ethnic.allowed) == 56
    lbt = t.roster.field("left_behind_type")
    assert lbt is not None and lbt.condition is not None and lbt.condition.values == ("留守儿童",)
    assert [m.label for m in t.meta] == ["学校", "年级", "班级", "班主任", "填表人", "联系电话", "填报日期", "交表截止日期"]


def test_template_workbook_setup() -> None:
    wb = openpyxl.load_workbook(default_path("班级帮扶台账"))
    assert wb.sheetnames[:4] == ["填表说明", "花名册", "帮扶记录", "字段"]
    ws = wb["花名册"]
    assert ws.freeze_panes == "A3"
    assert ws.print_area == "'花名册'!$A$1:$AB$502"
    assert ws.print_title_rows == "$1:$2"
    assert ws.column_dimensions["D"].width > 15
    lists = {str(dv.sqref).split(":")[0]: dv.formula1 for dv in ws.data_validations.dataValidation}
    assert "C3" in lists and "J3" in lists  # 性别, 类别 dropdowns
    assert wb.custom_doc_props["rosterkit_template_version"].value == "2026.1"


def _copy_template(tmp_path: Path) -> Path:
    dest = tmp_path / "tpl.xlsx"
    shutil.copy(default_path("班级帮扶台账"), dest)
    return dest


def _add_field(path: Path, label: str, kind: str, required: str, options: str = "") -> None:
    wb = openpyxl.load_workbook(path)
    fs = wb["字段"]
    fs.append(["花名册", label, "extra", kind, required, "", options, "", "", ""])
    ws = wb["花名册"]
    ws.cell(row=2, column=ws.max_column + 1, value=label)
    wb.save(path)


def test_added_column_is_validated_without_code_change(tmp_path: Path) -> None:
    tpl_path = _copy_template(tmp_path)
    _add_field(tpl_path, "视力", "单选", "是", "正常、近视")
    tpl = load_template(tpl_path)
    assert tpl.roster.fields[-1].label == "视力"
    rows = [student(0, 视力="近视"), student(1, 视力="远视"), student(2)]
    path = fill_ledger(tmp_path / "班.xlsx", meta={"学校": "某小学", "年级": "三年级", "班级": "1班", "班主任": "周丽"},
                       roster=rows, template=tpl)
    report = check([path], template=tpl, as_of=AS_OF, write=False)
    assert report.flatten(["cell", "code"]) == [["AC4", "value-not-allowed"], ["AC5", "required-missing"],
                                                [None, "log-empty"]]  # filled with no contacts
    # the same file against the official template: the column is unknown there, and only a warning
    official = check([path], as_of=AS_OF, write=False)
    assert official.flatten(["cell", "code", "severity"]) == [["AC2", "column-unknown", "warning"],
                                                             [None, "log-empty", "warning"]]


def test_added_dropdown_option_is_allowed(tmp_path: Path) -> None:
    path = ledger(tmp_path, students=[student(0, 与学生关系="叔伯")])
    assert check([path], as_of=AS_OF, write=False).flatten(["cell", "code"]) == [["O3", "value-not-allowed"]]
    tpl_path = _copy_template(tmp_path)
    wb = openpyxl.load_workbook(tpl_path)
    ws, options = wb["花名册"], wb["选项"]
    dv = next(d for d in ws.data_validations.dataValidation if str(d.sqref).startswith("O3"))
    col = dv.formula1.split("!")[1].split(":")[0].replace("$", "").rstrip("0123456789")
    last = max(r for r in range(1, 100) if options[f"{col}{r}"].value)
    options[f"{col}{last + 1}"] = "叔伯"
    dv.formula1 = f"'选项'!${col}$2:${col}${last + 1}"
    wb.save(tpl_path)
    tpl = load_template(tpl_path)
    assert "叔伯" in tpl.roster.field("guardian_relation").allowed  # type: ignore[union-attr]
    assert check([path], template=tpl, as_of=AS_OF, write=False).flatten() == []


def test_unknown_field_type_stops_with_template_error(tmp_path: Path) -> None:
    tpl_path = _copy_template(tmp_path)
    _add_field(tpl_path, "爱好", "颜色", "否")
    with pytest.raises(TemplateError, match="颜色"):
        load_template(tpl_path)


def test_a_new_column_type_is_a_template_word_and_one_kind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """What a newcomer adds for a new type (邮编): the word in core/spec.TYPES and one Kind in
    checking/fieldtypes.KINDS (its cleaner, its check). Nothing else is edited: cleaning, the schema and the
    type-error's question follow from the Kind."""
    from rosterkit.checking.fieldtypes import KINDS, Kind
    from rosterkit.core import spec
    from rosterkit.core.normalize import clean_text

    monkeypatch.setitem(spec.TYPES, "邮编", "postcode")
    monkeypatch.setitem(KINDS, "postcode", Kind(
        lambda f, how: lambda raw: clean_text(str(raw).replace(" ", "") if isinstance(raw, str) else raw),
        lambda f: [("type-error", lambda v: isinstance(v, str) and len(v) == 6 and v.isdigit())],
        expected="邮政编码", hint="请填 6 位数字，如 410000。", written_as="text"))
    tpl_path = _copy_template(tmp_path)
    _add_field(tpl_path, "邮政编码", "邮编", "否")
    tpl = load_template(tpl_path)
    assert tpl.roster.fields[-1].type == "postcode"
    rows = [student(0, 邮政编码="010 000"), student(1, 邮政编码="41000")]
    path = fill_ledger(tmp_path / "班.xlsx", meta={"学校": "某小学", "年级": "三年级", "班级": "1班", "班主任": "周丽"},
                       roster=rows, template=tpl)
    with ThreadPoolExecutor(1) as here:  # the patched table is this process's: worker processes may predate it
        report = check([path], template=tpl, as_of=AS_OF, write=False, executor=here)
    problems = [i for i in report.issues if i.code != "log-empty"]
    assert [(i.cell, i.code) for i in problems] == [("AC4", "type-error")]
    assert "邮政编码" in problems[0].message and "6 位数字" in problems[0].message
    assert report.files[0].frames["roster"]["extra"].tolist()[0] == "010000"  # a space tidied, the zero kept


def test_every_template_type_has_its_kind() -> None:
    from rosterkit.checking.fieldtypes import KINDS
    from rosterkit.core.spec import TYPES

    assert set(TYPES.values()) == set(KINDS)
