"""Problems found in the data: codes, severities and the Chinese messages teachers read.

Codes are stable kebab-case identifiers that tools downstream rely on; the messages may be reworded.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any, Literal

Severity = Literal["error", "warning"]

# code -> (severity, message template). Templates may use {column}, {value}, {sheet} and code-specific keys.
MESSAGES: dict[str, tuple[Severity, str]] = {
    "file-unreadable": ("error", "文件无法打开（{detail}）。请用 Excel 或 WPS 打开后另存为 .xlsx 再提交。"),
    "file-encrypted": ("error", "文件设置了打开密码，无法读取。请取消密码（文件→信息→保护工作簿）后重新提交。"),
    "template-unknown": ("error", "这不是本次下发的班级帮扶台账模板（{detail}）。请使用德育处下发的模板填写。"),
    "template-version": ("warning", "模板版本为 {detail}，与当前版本 {expected} 不同，已按当前版本校验。请下次使用新模板。"),
    "sheet-missing": ("error", "缺少工作表「{sheet}」。请不要删除或改名模板中的工作表。"),
    "header-missing": ("error", "工作表「{sheet}」中找不到表头行。请保留模板的表头行，不要删除或改写列名。"),
    "column-missing": ("error", "缺少必填列「{column}」。请按模板恢复该列并填写。"),
    "column-unknown": ("warning", "列「{column}」不在模板中，内容未被读取。如需补充信息请写在「备注」列。"),
    "required-missing": ("error", "「{column}」为必填项，请补充。"),
    "type-error": ("error", "「{column}」应填{expected}，当前内容「{value}」无法识别。{hint}"),
    "value-not-allowed": ("error", "「{column}」的内容「{value}」不在可选范围内。{closest}请从下拉列表中选择：{allowed}。"),
    "value-ambiguous": ("error", "「{column}」写的是「{value}」，要看{basis}才能确定：{rules}。{basis}未填或无法对应，"
                                 "请直接从下拉列表中选择{choices}。"),
    "id-checksum": ("error", "身份证号「{value}」的校验位不正确（最后一位应为 {expected}），请核对后重新填写。"),
    "id-format": ("error", "身份证号「{value}」{detail}。请核对后重新填写：18 位，前 17 位是数字，最后一位是数字或 X。"),
    "id-scientific": ("error", "身份证号被 Excel 变成了科学计数法（{value}），后几位数字已经丢失。请先把该单元格设为「文本」格式，再重新输入完整号码。"),
    "id-birth-mismatch": ("error", "出生日期「{value}」与身份证号中的出生日期 {expected} 不一致，请核对。"),
    "id-gender-mismatch": ("error", "性别「{value}」与身份证号不一致（身份证号第 17 位表明为{expected}），请核对。"),
    "phone-invalid": ("error", "「{column}」的号码「{value}」不正确：{detail}"),
    "phone-no-area-code": ("error", "「{column}」的号码「{value}」没有区号，请写上区号，如 0731-84123456（手机号请写全 11 位）。"),
    "date-out-of-term": ("error", "日期「{value}」不在本学期（{term}）内，请核对日期。"),
    "date-in-future": ("error", "日期「{value}」晚于填报/统计日期 {as_of}，请核对，不要提前登记。"),
    "date-after-report": ("error", "日期「{value}」晚于本表的填报日期 {filled_on}，请核对日期（或填报日期）。"),
    "date-ambiguous": ("error", "「{column}」的「{value}」有两种读法：{detail}。它决定哪些记录晚于填报日期，请写成完整日期。"),
    "date-no-day": ("error", "「{column}」只写了年月「{value}」（{month}），缺少是哪一天。请写成完整日期，如 {example}。"),
    "duplicate-student": ("error", "身份证号「{value}」在本表中重复出现（另见第 {other} 行），同一学生只登记一行。"),
    "multiple-students": ("error", "「{column}」写了不止一名学生（「{value}」）。一行只登记一名学生，请把每名学生分别写在一行。"),
    "log-empty": ("warning", "「{sheet}」中没有任何帮扶记录，无法统计帮扶落实情况。请把本学期的谈心、家访、电话等记录逐条填写。"),
    "conditional-missing": ("error", "{condition}时「{column}」必须填写，请补充。"),
    "log-unknown-student": ("error", "帮扶记录中的学生「{value}」不在本班花名册中，请核对姓名或先在花名册中登记。"),
    "log-ambiguous-student": ("error", "花名册中有多名学生叫「{value}」，请在本行填写该生的身份证号以区分。"),
    "log-id-mismatch": ("error", "身份证号「{value}」与花名册中学生「{expected}」的身份证号不一致，请核对。"),
    "copy-failed": ("warning", "未能生成批注副本（{detail}），本文件的问题请看校验汇总。"),
    "format-invalid": ("error", "「{column}」的内容「{value}」格式不对：{rule}。"),
    "policy-invalid": ("error", "帮扶制度「周期规则」中的规则「{rule}」：「{column}」{detail}。这条规则暂不生效，请改正后重新统计。"),
    "policy-empty": ("warning", "帮扶制度「周期规则」中没有可用的规则，无法统计帮扶周期。请按模板填写周期规则。"),
    "policy-year-as-term": ("warning", "规则「{rule}」的周期为「每学年」，但本次只统计一个学期（{term}），已按整个学期计算。"),
    # Files that are refused or only partly read (issue 6): each names what was found and what to do.
    "file-empty": ("error", "文件是空的（0 字节），可能没有保存成功或没有传完。请重新保存后再提交。"),
    "file-not-spreadsheet": ("error", "这不是 Excel 表格，而是{detail}（只是扩展名写成了表格）。请提交填好的班级帮扶台账 .xlsx 文件。"),
    "file-too-large": ("error", "文件过大，为保护电脑没有读取（{detail}）。请删除多余的空行、图片和无关工作表后另存为 .xlsx 再提交。"),
    "file-timeout": ("error", "读取这个文件超过 {seconds} 秒仍未完成，已停止读取。请用 Excel 或 WPS 打开后另存为 .xlsx 再提交。"),
    "file-crashed": ("error", "读取这个文件时出错退出（{detail}），文件可能已损坏。请用 Excel 或 WPS 打开后另存为 .xlsx 再提交。"),
    "file-macro": ("warning", "文件含有宏（VBA 代码）。本程序只读取单元格内容，从不运行宏；批注副本已去掉宏，保存为 .xlsx。请不要在台账中使用宏。"),
    "file-misnamed": ("warning", "文件扩展名是 {ext}，实际是 {detail} 格式，已按实际格式读取。请用 Excel 或 WPS 打开后另存为 .xlsx，不要直接改扩展名。"),
    "file-text-table": ("warning", "文件扩展名是 {ext}，实际是{detail}（常见于从其他系统导出），已按表格内容读取，格式和下拉选项都没有了。请把内容复制到下发的模板中再提交。"),
    "formula-no-value": ("warning", "这个单元格是公式，但文件中没有保存计算结果，读到的是空白。请在 Excel 或 WPS 中打开并保存一次，或把公式改成直接填写的内容。"),
    "cell-too-long": ("warning", "单元格内容超过 Excel 的上限（32767 个字符），超出的部分没有读取，批注副本中也已截断。请精简内容。"),
    "cell-merged": ("warning", "单元格 {detail} 被合并了：已把第一个格子的内容当作合并范围内每一行的内容（见自动修正）。请取消合并，在每一行分别填写。"),
    "hidden-content": ("warning", "{detail}被隐藏了，其中的内容仍然读取和校验了。不需要上报的学生或记录请删除，而不是隐藏。"),
}

CODES: frozenset[str] = frozenset(MESSAGES)
# Codes that mean the file's cells were never read: its status is 「无法读取」 and no annotated copy is made.
UNREADABLE: frozenset[str] = frozenset({"file-unreadable", "file-encrypted", "file-empty", "file-not-spreadsheet",
                                        "file-too-large", "file-timeout", "file-crashed"})


class _Default(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return ""


@dataclass(frozen=True, slots=True)
class Issue:
    """One problem at one place. ``cell`` is an A1 reference; ``row`` the 1-based Excel row when known."""

    file: str
    sheet: str | None
    cell: str | None
    column: str | None
    value: str | None
    code: str
    severity: Severity
    message: str
    row: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape (``row`` is left out: it is inside ``cell``)."""
        d = asdict(self)
        d.pop("row")
        return d


class Counted:
    """``errors`` and ``warnings`` of a thing that holds ``issues`` (a file's check result, its summary row)."""

    issues: Sequence[Issue]

    @property
    def errors(self) -> int:
        """Number of issues with severity 'error'."""
        return sum(i.severity == "error" for i in self.issues)

    @property
    def warnings(self) -> int:
        """Number of issues with severity 'warning'."""
        return sum(i.severity == "warning" for i in self.issues)


def make_issue(
    code: str,
    *,
    file: str,
    sheet: str | None = None,
    cell: str | None = None,
    column: str | None = None,
    value: Any = None,
    row: int | None = None,
    severity: Severity | None = None,
    **details: Any,
) -> Issue:
    """Build an :class:`Issue` with the Chinese message for ``code`` filled in."""
    default_severity, text = MESSAGES[code]
    shown = display_value(value)
    message = text.format_map(_Default(column=column or "", value=shown or "", sheet=sheet or "", **details))
    return Issue(file, sheet, cell, column, shown, code, severity or default_severity, message, row)


def display_value(value: Any) -> str | None:
    """How a raw cell value is shown in a message (short, never empty-looking)."""
    if value is None or value == "":
        return None
    if isinstance(value, float) and abs(value) >= 1e11:
        return excel_general(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value)
    return text if len(text) <= 60 else text[:57] + "…"


def excel_general(number: float) -> str:
    """A number as Excel's General format shows it in a default-width cell (11 characters): a whole number of up
    to 11 digits as its digits, a longer one as ``4.30725E+17`` (trailing zeros dropped: ``4.3E+17``).

    The one display of an ID that Excel turned into a number: Excel kept only 15 significant digits, so
    anything longer than what Excel shows would be invented digits.
    """
    if not math.isfinite(number):  # a number past Excel's range (calamine reads 1E+309 as inf): as it reads
        return "#NUM!"
    if abs(number) < 1e11 and float(number).is_integer():
        return str(int(number))
    mantissa, exponent = f"{number:.{5 - (number < 0)}E}".split("E")
    mantissa = mantissa.rstrip("0").rstrip(".") if "." in mantissa else mantissa
    return f"{mantissa}E{exponent[0]}{int(exponent[1:]):02d}"
