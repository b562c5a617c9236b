"""Build the official templates in src/rosterkit/templates_xlsx/ (package data: they ship in the wheel).

This script is where the templates come from; at run time rosterkit reads only the .xlsx files it writes
(the 字段 sheet, the header labels and the dropdown lists).
Run: python scripts/build_templates.py [FOLDER]   (default: src/rosterkit/templates_xlsx, `make templates`)
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import xlsxwriter
from xlsxwriter.utility import xl_col_to_name

from template_words import SYNONYM_HEADER, SYNONYMS  # the default everyday words (同义词 sheet)

LEDGER_ID, LEDGER_VERSION = "RK-LEDGER", "2026.1"
POLICY_ID, POLICY_VERSION = "RK-POLICY", "2026.1"
UPWARD_ID, UPWARD_VERSION = "RK-UPWARD", "2026.1"
SCHOOL_ID, SCHOOL_VERSION = "RK-SCHOOL", "2026.1"

CATEGORIES = "留守儿童、困境儿童、建档立卡贫困家庭、农村低保家庭、特困供养、单亲家庭、离异家庭、孤儿、残疾、厌学辍学倾向、其他"
ETHNIC = (
    "汉族、蒙古族、回族、藏族、维吾尔族、苗族、彝族、壮族、布依族、朝鲜族、满族、侗族、瑶族、白族、土家族、哈尼族、"
    "哈萨克族、傣族、黎族、傈僳族、佤族、畲族、高山族、拉祜族、水族、东乡族、纳西族、景颇族、柯尔克孜族、土族、"
    "达斡尔族、仫佬族、羌族、布朗族、撒拉族、毛南族、仡佬族、锡伯族、阿昌族、普米族、塔吉克族、怒族、乌孜别克族、"
    "俄罗斯族、鄂温克族、德昂族、保安族、裕固族、京族、塔塔尔族、独龙族、鄂伦春族、赫哲族、门巴族、珞巴族、基诺族"
)

# 字段 columns: 工作表, 列名, 键, 类型, 必填, 条件, 可选值, 格式, 别名, 说明, 列宽
FIELD_HEADER = ["工作表", "列名", "键", "类型", "必填", "条件", "可选值", "格式", "别名", "说明"]
META = [
    ("填表说明", "学校", "school", "文本", "是", "", "", "", "学校名称", ""),
    ("填表说明", "年级", "grade", "文本", "是", "", "", "", "", "如：三年级、初一"),
    ("填表说明", "班级", "class", "文本", "是", "", "", "", "班别", "如：2班"),
    ("填表说明", "班主任", "head_teacher", "文本", "是", "", "", "", "", ""),
    ("填表说明", "填表人", "filled_by", "文本", "否", "", "", "", "", ""),
    ("填表说明", "联系电话", "contact_phone", "电话", "否", "", "", "", "", ""),
    ("填表说明", "填报日期", "filled_on", "日期", "否", "", "", "", "填表日期", ""),
    ("填表说明", "交表截止日期", "deadline", "日期", "否", "", "", "", "截止日期", "请在此日期前交回德育处"),
]
ROSTER = [
    ("花名册", "序号", "seq", "整数", "否", "", "", "", "编号", "", 6),
    ("花名册", "姓名", "name", "文本", "是", "", "", "^.{2,20}$", "学生姓名", "2–20 个字", 10),
    ("花名册", "性别", "gender", "单选", "是", "", "男、女", "", "", "须与身份证号一致", 6),
    ("花名册", "身份证号", "id_number", "身份证号", "条件", "学籍号=空", "", "", "身份证号码、公民身份号码、证件号码",
     "18 位，请先把单元格设为文本格式再输入", 21),
    ("花名册", "学籍号", "student_no", "学籍号", "否", "", "", r"^(G\d{17}[\dX]|L\d{6,20})$", "全国学籍号",
     "G 加 18 位或 L 加数字", 21),
    ("花名册", "出生日期", "birth_date", "日期", "是", "", "", "", "出生年月", "须与身份证号一致", 12),
    ("花名册", "民族", "ethnicity", "单选", "否", "", ETHNIC, "", "", "", 8),
    ("花名册", "年级", "grade", "文本", "否", "", "", "", "", "空白时取填表说明中的年级", 8),
    ("花名册", "班级", "class", "文本", "否", "", "", "", "班别", "空白时取填表说明中的班级", 8),
    ("花名册", "类别", "categories", "多选", "是", "", CATEGORIES, "", "特殊群体类别、学生类别、帮扶类别",
     "可多选，用顿号分隔，如：留守儿童、单亲家庭", 22),
    ("花名册", "留守类型", "left_behind_type", "单选", "条件", "类别=留守儿童", "父母均外出、父亲外出、母亲外出", "",
     "", "类别含留守儿童时必填", 12),
    ("花名册", "身体状况", "health", "单选", "否", "", "健康、患病、残疾", "", "健康状况", "", 9),
    ("花名册", "监护情况", "guardianship", "单选", "否", "", "较好、一般、较差、无人监护", "", "", "", 10),
    ("花名册", "监护人姓名", "guardian_name", "文本", "是", "", "", "", "监护人", "", 10),
    ("花名册", "与学生关系", "guardian_relation", "单选", "是", "", "父亲、母亲、祖父母、外祖父母、其他亲属、其他", "",
     "监护人关系、与监护人关系", "", 10),
    ("花名册", "监护人电话", "guardian_phone", "电话", "是", "", "", "", "监护人联系电话、联系电话", "", 14),
    ("花名册", "父亲姓名", "father_name", "文本", "否", "", "", "", "", "已故填「已故」", 10),
    ("花名册", "父亲务工地", "father_workplace", "文本", "条件", "留守类型=父母均外出|父亲外出", "", "", "父亲务工地点",
     "省+市，如：广东省东莞市", 16),
    ("花名册", "父亲电话", "father_phone", "电话", "否", "", "", "", "父亲联系电话", "", 14),
    ("花名册", "母亲姓名", "mother_name", "文本", "否", "", "", "", "", "已故填「已故」", 10),
    ("花名册", "母亲务工地", "mother_workplace", "文本", "条件", "留守类型=父母均外出|母亲外出", "", "", "母亲务工地点",
     "省+市，如：浙江省义乌市", 16),
    ("花名册", "母亲电话", "mother_phone", "电话", "否", "", "", "", "母亲联系电话", "", 14),
    ("花名册", "家庭住址", "address", "文本", "是", "", "", "", "家庭地址、住址", "", 28),
    ("花名册", "是否住校", "boarding", "单选", "否", "", "是、否", "", "住校", "", 8),
    ("花名册", "帮扶教师", "mentor", "文本", "是", "", "", "", "结对教师、帮扶老师、结对帮扶教师", "", 10),
    ("花名册", "帮扶教师电话", "mentor_phone", "电话", "否", "", "", "", "结对教师电话", "", 14),
    ("花名册", "建档日期", "enrolled_on", "日期", "否", "", "", "", "建档时间", "从该日起计算帮扶周期", 12),
    ("花名册", "备注", "note", "文本", "否", "", "", "", "", "", 20),
]
LOG = [
    ("帮扶记录", "日期", "date", "日期", "是", "", "", "学期内", "帮扶日期、时间", "本学期内，不晚于填报日期", 12),
    ("帮扶记录", "学生姓名", "student_name", "文本", "是", "", "", "", "姓名、学生", "须与花名册一致", 10),
    ("帮扶记录", "身份证号", "id_number", "身份证号", "否", "", "", "", "身份证号码", "同名学生时填写", 21),
    ("帮扶记录", "帮扶教师", "mentor", "文本", "是", "", "", "", "结对教师、帮扶老师", "", 10),
    ("帮扶记录", "方式", "kind", "单选", "是", "", "谈心、电话、家访、电话家访、评估、书信、亲情电话、其他", "",
     "帮扶方式", "", 10),
    ("帮扶记录", "对象", "party", "单选", "否", "", "学生、家长、监护人", "", "帮扶对象", "", 8),
    ("帮扶记录", "内容", "content", "文本", "是", "", "", "", "帮扶内容、谈话内容", "", 40),
    ("帮扶记录", "后续措施", "follow_up", "文本", "否", "", "", "", "", "", 24),
]

DATA_ROWS = 500  # rows prepared with dropdowns in each data sheet

INSTRUCTIONS = [
    "1. 先填写上方的学校、年级、班级、班主任等信息。",
    "2. 「花名册」每名学生一行；「帮扶记录」每次谈心、家访、电话等一行。",
    "3. 身份证号请先把单元格设为「文本」格式再输入，否则 Excel 会把号码变成科学计数法，后几位丢失。",
    "4. 有下拉列表的列请从列表中选择；「类别」可多选，用顿号分隔，如：留守儿童、单亲家庭。",
    "5. 日期请写成 2026-09-01 或 2026年9月1日。",
    "6. 不要删除、改名或调换工作表；不要改动表头行。「字段」「选项」「同义词」三个工作表供程序读取，请勿修改。",
    "7. 「同义词」表列出程序认得的常见写法（如 上门家访 → 家访、爷爷 → 祖父母），这些写法会自动改为规范写法并在校验结果中注明。",
]


def _props(wb: xlsxwriter.Workbook, title: str, tid: str, version: str) -> None:
    wb.set_properties({"title": title, "company": "rosterkit", "comments": f"{tid} {version}"})
    wb.set_custom_property("rosterkit_template_id", tid)
    wb.set_custom_property("rosterkit_template_version", version)


def _formats(wb: xlsxwriter.Workbook) -> dict[str, xlsxwriter.format.Format]:
    return {
        "title": wb.add_format({"bold": True, "font_size": 16, "align": "center", "valign": "vcenter"}),
        "header": wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "align": "center",
                                 "valign": "vcenter", "text_wrap": True}),
        "label": wb.add_format({"bold": True, "align": "right"}),
        "input": wb.add_format({"bottom": 1, "bg_color": "#FFF9E5"}),
        "text": wb.add_format({"num_format": "@"}),
        "date": wb.add_format({"num_format": "yyyy-mm-dd"}),
        "date_input": wb.add_format({"num_format": "yyyy-mm-dd", "bottom": 1, "bg_color": "#FFF9E5"}),
        "wrap": wb.add_format({"text_wrap": True, "valign": "top"}),
    }


def _data_sheet(wb, fmt, name: str, title: str, fields, options_col: dict[str, str]) -> None:
    ws = wb.add_worksheet(name)
    last = len(fields) - 1
    ws.merge_range(0, 0, 0, last, title, fmt["title"])
    ws.set_row(0, 30)
    ws.set_row(1, 32)
    for c, f in enumerate(fields):
        label, ftype, width = f[1], f[3], f[10]
        col_fmt = fmt["text"] if ftype in ("身份证号", "学籍号", "电话", "文本") else (
            fmt["date"] if ftype == "日期" else None)
        ws.set_column(c, c, width, col_fmt)
        if ftype in ("身份证号", "学籍号", "电话", "日期"):
            # The prepared rows' cells carry the format too, not only the column: an ID typed there stays text
            # (never 4.3E+17) and a date a date, even where a program ignores the column's style.
            for r in range(2, DATA_ROWS + 2):
                ws.write_blank(r, c, None, col_fmt)
        ws.write_string(1, c, label, fmt["header"])
        if f[9]:
            ws.write_comment(1, c, f[9])
        if f[6]:
            ref = options_col[f"{name}.{f[2]}"]
            multi = ftype == "多选"
            ws.data_validation(2, c, DATA_ROWS + 1, c, {
                "validate": "list", "source": ref,
                # several categories go in one cell, so the dropdown must not refuse typed lists
                "show_error": not multi,
                "error_title": "请从下拉列表中选择", "error_message": f"「{label}」请从下拉列表中选择。",
                "input_title": label if multi else "", "input_message": "可多选，用顿号分隔" if multi else "",
            })
    ws.freeze_panes(2, 0)
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(0, 1)
    ws.print_area(0, 0, DATA_ROWS + 1, last)
    ws.autofilter(1, 0, 1, last)


def build_ledger(path: Path) -> None:
    wb = xlsxwriter.Workbook(str(path))
    _props(wb, "班级特殊群体学生关爱帮扶台账", LEDGER_ID, LEDGER_VERSION)
    fmt = _formats(wb)
    ws = wb.add_worksheet("填表说明")
    ws.set_column(0, 0, 14)
    ws.set_column(1, 1, 30)
    ws.set_column(2, 2, 60)
    ws.merge_range(0, 0, 0, 2, "班级特殊群体学生关爱帮扶台账", fmt["title"])
    ws.set_row(0, 32)
    for i, m in enumerate(META):
        ws.write_string(2 + i, 0, m[1], fmt["label"])
        ws.write_blank(2 + i, 1, None, fmt["date_input"] if m[3] == "日期" else fmt["input"])
        if m[9]:
            ws.write_string(2 + i, 2, m[9])
    r = 3 + len(META)
    ws.write_string(r, 0, "填表须知", fmt["label"])
    for i, line in enumerate(INSTRUCTIONS):
        ws.write_string(r + i, 1, line)
    r += len(INSTRUCTIONS) + 1
    ws.write_string(r, 0, "模板编号", fmt["label"])
    ws.write_string(r, 1, LEDGER_ID)
    ws.write_string(r + 1, 0, "模板版本", fmt["label"])
    ws.write_string(r + 1, 1, LEDGER_VERSION)
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)
    ws.activate()

    # 选项: one column per dropdown list; the data validations point here.
    options_col: dict[str, str] = {}
    lists = [f for f in ROSTER + LOG if f[6]]
    for i, f in enumerate(lists):
        n = len(f[6].split("、"))
        options_col[f"{f[0]}.{f[2]}"] = f"='选项'!${xl_col_to_name(i)}$2:${xl_col_to_name(i)}${n + 1}"

    _data_sheet(wb, fmt, "花名册", "特殊群体学生花名册", ROSTER, options_col)
    _data_sheet(wb, fmt, "帮扶记录", "关爱帮扶记录", LOG, options_col)

    fs = wb.add_worksheet("字段")
    fs.write_row(0, 0, FIELD_HEADER, fmt["header"])
    widths = [10, 12, 18, 9, 6, 26, 40, 26, 30, 30]
    for c, w in enumerate(widths):
        fs.set_column(c, c, w, fmt["text"])
    for r, f in enumerate(META + [x[:10] for x in ROSTER + LOG], start=1):
        for c, v in enumerate(f[:10]):
            fs.write_string(r, c, v)
    fs.freeze_panes(1, 0)

    op = wb.add_worksheet("选项")
    for i, f in enumerate(lists):
        op.write_string(0, i, f"{f[0]}.{f[1]}", fmt["header"])
        op.write_column(1, i, f[6].split("、"))
        op.set_column(i, i, 14)
    op.hide()

    syn = wb.add_worksheet("同义词")
    syn.write_row(0, 0, SYNONYM_HEADER, fmt["header"])
    for r, row in enumerate(SYNONYMS, start=1):
        syn.write_row(r, 0, row, fmt["text"])
    for c, w in enumerate([10, 10, 14, 60, 18, 14, 30]):
        syn.set_column(c, c, w, fmt["text"])
    syn.freeze_panes(1, 0)
    syn.autofilter(0, 0, len(SYNONYMS), len(SYNONYM_HEADER) - 1)
    wb.close()


POLICY_RULES = [
    ("贫困谈心", "建档立卡贫困家庭、农村低保家庭、特困供养", "谈心", "", "每周", 1, "「四个一」：每周谈心一次"),
    ("贫困家访", "建档立卡贫困家庭、农村低保家庭、特困供养", "家访、电话家访", "", "每月", 1, "每月家访一次"),
    ("其他谈心", "其他", "谈心", "", "每月", 1, "其余类别每月谈心一次"),
    ("其他家访", "其他", "家访、电话家访", "", "每月", 1, "其余类别每月家访一次"),
    ("学期评估", "全部", "评估", "", "每学期", 1, "每学期评估一次"),
    ("留守家长电话", "留守儿童", "电话", "家长", "每两周", 1, "每两周与外出家长通话一次"),
    ("亲情电话", "留守儿童", "亲情电话", "", "每周", 1, "每周安排亲情电话一次"),
]


def build_policy(path: Path) -> None:
    wb = xlsxwriter.Workbook(str(path))
    _props(wb, "关爱帮扶制度", POLICY_ID, POLICY_VERSION)
    fmt = _formats(wb)
    ws = wb.add_worksheet("周期规则")
    header = ["规则名称", "适用类别", "计入方式", "对象", "周期", "最少次数", "说明"]
    ws.write_row(0, 0, header, fmt["header"])
    for r, rule in enumerate(POLICY_RULES, start=1):
        ws.write_row(r, 0, rule[:5])
        ws.write_number(r, 5, rule[5])
        ws.write_string(r, 6, rule[6])
    for c, w in enumerate([14, 40, 18, 8, 10, 10, 30]):
        ws.set_column(c, c, w)
    ws.data_validation(1, 4, 200, 4, {"validate": "list",
                                      "source": ["每周", "每两周", "每月", "每季度", "每学期", "每学年"]})
    ws.freeze_panes(1, 0)
    cal = wb.add_worksheet("校历")
    cal.write_row(0, 0, ["项目", "名称", "开始日期", "结束日期"], fmt["header"])
    # Both terms of the 2026—2027 school year. Term dates: a typical 湖南 county school calendar (autumn from 09-01
    # to the Friday before the winter holiday, spring from the Monday after 元宵 to early July); the exact dates
    # are the school's (or the county bureau's 校历) to fill in. Holidays: 中秋 and 国庆 2026 as the State Council
    # set them (read from chinese-calendar 1.11.0, `chinese_calendar.get_holiday_detail`; its 调休 workdays,
    # Sun 09-20 and Sat 10-10, need no row: weekends owe nothing either way). chinese-calendar 1.11.0 has no 2027
    # data (the State Council publishes each year's arrangement in November), so 元旦, 清明, 劳动节 and 端午 2027
    # are the usual three or five days around the statutory day (清明 04-05, 端午 06-09 by the lunar calendar):
    # check them against the State Council notice for 2027. 春节 (02-06) falls in the winter holiday between terms.
    rows = [
        ("学期", "2026—2027学年第一学期", dt.date(2026, 9, 1), dt.date(2027, 1, 22)),
        ("假期", "中秋节", dt.date(2026, 9, 25), dt.date(2026, 9, 27)),
        ("假期", "国庆节", dt.date(2026, 10, 1), dt.date(2026, 10, 7)),
        ("假期", "元旦", dt.date(2027, 1, 1), dt.date(2027, 1, 3)),
        ("学期", "2026—2027学年第二学期", dt.date(2027, 2, 22), dt.date(2027, 7, 2)),
        ("假期", "清明节", dt.date(2027, 4, 3), dt.date(2027, 4, 5)),
        ("假期", "劳动节", dt.date(2027, 5, 1), dt.date(2027, 5, 5)),
        ("假期", "端午节", dt.date(2027, 6, 9), dt.date(2027, 6, 11)),
    ]
    for r, (kind, name, start, end) in enumerate(rows, start=1):
        cal.write_string(r, 0, kind)
        cal.write_string(r, 1, name)
        cal.write_datetime(r, 2, dt.datetime.combine(start, dt.time()), fmt["date"])
        cal.write_datetime(r, 3, dt.datetime.combine(end, dt.time()), fmt["date"])
    for c, w in enumerate([8, 26, 12, 12]):
        cal.set_column(c, c, w)
    cal.data_validation(1, 0, 200, 0, {"validate": "list", "source": ["学期", "假期"]})
    cal.freeze_panes(1, 0)
    _review_sheet(wb, fmt)
    wb.close()


def _review_sheet(wb: xlsxwriter.Workbook, fmt: dict[str, xlsxwriter.format.Format]) -> None:
    """考核: the weights of the mentors' yearly review (rosterkit review), which the bureau may change; the
    indicators and the formula are the ones rosterkit.history.review computes (its DEFAULT_WEIGHTS, HOW, FORMULA)."""
    from rosterkit.history.review import DEFAULT_WEIGHTS, FORMULA, HOW

    ws = wb.add_worksheet("考核")
    ws.write_row(0, 0, ["指标", "权重", "怎么算"], fmt["header"])
    for r, (name, weight) in enumerate(DEFAULT_WEIGHTS.items(), start=1):
        ws.write_string(r, 0, name)
        ws.write_number(r, 1, weight)
        ws.write_string(r, 2, HOW[name])
    note = len(DEFAULT_WEIGHTS) + 2
    ws.write_string(note, 0, FORMULA)
    ws.write_string(note + 1, 0, "只改「权重」一列（0 表示不计这一项）；指标名称不要改，程序按名称读取。")
    ws.set_column(0, 0, 10)
    ws.set_column(1, 1, 8)
    ws.set_column(2, 2, 90)
    ws.data_validation(1, 1, len(DEFAULT_WEIGHTS), 1, {"validate": "decimal", "criteria": ">=", "value": 0})
    ws.freeze_panes(1, 0)


UPWARD = ["序号", "学校", "年级", "班级"] + [f[1] for f in ROSTER if f[2] not in ("seq", "grade", "class")]


def build_upward(path: Path) -> None:
    wb = xlsxwriter.Workbook(str(path))
    _props(wb, "学校特殊群体学生花名册", UPWARD_ID, UPWARD_VERSION)
    fmt = _formats(wb)
    ws = wb.add_worksheet("学校花名册")
    ws.merge_range(0, 0, 0, len(UPWARD) - 1, "{学校}特殊群体学生花名册（{学期}）", fmt["title"])
    ws.write_row(1, 0, UPWARD, fmt["header"])
    ws.write_string(3, 0, "填表人：")
    ws.write_string(3, 6, "审核人：")
    ws.write_string(3, 12, "日期：")
    ws.freeze_panes(2, 0)
    ws.set_landscape()
    ws.set_paper(9)
    ws.repeat_rows(0, 1)
    wb.close()


def build_school(path: Path) -> None:
    wb = xlsxwriter.Workbook(str(path))
    _props(wb, "学校信息", SCHOOL_ID, SCHOOL_VERSION)
    fmt = _formats(wb)
    ws = wb.add_worksheet("学校信息")
    ws.set_column(0, 0, 14)
    ws.set_column(1, 1, 30)
    for r, label in enumerate(["学校名称", "学年学期", "填报截止日期", "联系人", "联系电话"]):
        ws.write_string(r, 0, label, fmt["label"])
        ws.write_blank(r, 1, None, fmt["date_input"] if "日期" in label else fmt["input"])
    cls = wb.add_worksheet("班级名单")
    cls.write_row(0, 0, ["年级", "班级", "班主任", "联系电话", "学校"], fmt["header"])
    # 学校 is optional, last so a one-school list needs nothing new: one 学校信息 may list a 学区's schools
    cls.write_comment(0, 4, "选填：一份学校信息列出几所学校的班级时（学区、全县汇总），在这里写明每个班所属的学校；"
                            "不填即为「学校信息」表中的学校名称。", {"x_scale": 2, "y_scale": 1.5})
    for c, w in enumerate([10, 10, 12, 16, 20]):
        cls.set_column(c, c, w, fmt["text"])
    cls.freeze_panes(1, 0)
    wb.close()


def main(out: str) -> None:
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    build_ledger(folder / "班级帮扶台账.xlsx")
    build_policy(folder / "帮扶制度.xlsx")
    build_upward(folder / "学校花名册.xlsx")
    build_school(folder / "学校信息.xlsx")
    print(f"templates written to {folder}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else str(Path(__file__).resolve().parents[1] / "src/rosterkit/templates_xlsx"))
