"""Build the bundled example school in examples/: 城关镇中心小学, seven classes, six returned ledgers.

Run: python scripts/make_examples.py examples

Writes
  examples/学校信息.xlsx               the school's info and its 7 expected classes (a filled copy of the template)
  examples/inbox/<班级>_帮扶台账.xlsx   the ledgers 6 class teachers sent back (六年级2班 sent none)

Everything is drawn from random.Random(2026), so every run gives the same cell values. Three ledgers are
clean; three carry the mistakes teachers really make (see MISTAKES below, and tests/test_examples.py, which
pins the problem codes the check must find). One ledger is saved as .xls through LibreOffice (``soffice``).
"""

from __future__ import annotations

import calendar
import datetime as dt
import random
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.worksheet.cell_range import CellRange, MultiCellRange

try:
    from rosterkit.core.idcard import make_id
except ImportError:  # run from a checkout without installing
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    from rosterkit.core.idcard import make_id
from rosterkit.core.template import default_path
from rosterkit.outputs.ledger import fill_ledger

D = dt.date
SEED = 2026
SCHOOL = "城关镇中心小学"
TERM = "2026—2027学年第一学期"
TERM_START = D(2026, 9, 1)
DEADLINE = D(2026, 11, 20)
AS_OF = D(2026, 11, 23)  # the coordinator's report date the mistakes are judged against
HOLIDAYS = ((D(2026, 9, 25), D(2026, 9, 27)), (D(2026, 10, 1), D(2026, 10, 7)))  # 中秋, 国庆 (帮扶制度 校历)
AREA = "430121"  # 长沙县
COORDINATOR = ("罗建平", "13975108826")  # 德育处
SUFFIX = "_帮扶台账"

# grade, class, 班主任, phone, students, kind ("clean" or the key of its mistakes), saved as
CLASSES = [
    ("三年级", "1班", "谭小燕", "13974815206", 9, "clean", ".xlsx"),
    ("三年级", "2班", "周丽", "13907310001", 8, "三年级2班", ".xlsx"),
    ("四年级", "1班", "刘建华", "18973152634", 11, "clean", ".xlsx"),
    ("五年级", "1班", "易红梅", "15873107745", 10, "五年级1班", ".xlsx"),
    ("五年级", "2班", "黄志刚", "13787046519", 7, "clean", ".xlsx"),
    ("六年级", "1班", "彭卫东", "13548612390", 12, "六年级1班", ".xls"),
    ("六年级", "2班", "曾晓玲", "18229437751", 10, "missing", ""),  # did not send a ledger
]
GRADE_NO = {"三年级": 3, "四年级": 4, "五年级": 5, "六年级": 6}
TEACHERS = ["张慧敏", "李志勇", "陈芳", "刘洋", "王静", "罗丹", "胡海燕", "邓伟", "曾雪梅", "肖琳", "唐俊", "杨帆",
            "彭丽", "谭晓军", "龙娟", "蒋红"]

SURNAMES = {"李": 8, "刘": 7, "王": 6, "张": 6, "陈": 6, "彭": 4, "黄": 4, "周": 4, "罗": 4, "谭": 3, "唐": 3, "杨": 3,
            "易": 2, "胡": 3, "邓": 3, "曾": 3, "肖": 3, "蒋": 2, "龙": 2, "吴": 3, "欧阳": 1, "汤": 2, "廖": 2,
            "袁": 2, "贺": 2, "许": 2, "钟": 1}
BOYS = ("浩宇 子轩 宇轩 俊熙 梓豪 浩然 子墨 锦程 博文 天佑 煜城 明轩 思远 宇航 嘉豪 俊杰 文博 梓睿 一鸣 泽宇 皓轩 家乐 "
        "志豪 雨泽 晨阳 奕辰 承宇 鑫 磊 杰").split()
GIRLS = ("欣怡 梓涵 雨桐 一诺 诗涵 梓萱 若汐 佳怡 语桐 可馨 芷若 依依 嘉怡 雅琪 紫涵 书瑶 思琪 梦瑶 雨欣 佳琪 心怡 "
         "婉婷 静怡 欣妍 雨萱 诗琪 晓琳 婷 颖").split()
FATHERS = "建军 伟 勇 志强 海波 俊 磊 军 小兵 建华 卫国 斌 文 平 鹏 超 亮 峰 国强 立新 晓东 红军".split()
MOTHERS = "丽 芳 娟 艳 霞 敏 燕 玲 小红 春梅 红 英 丽萍 美华 海燕 秀梅 琴 慧 桂花 金凤".split()
GRANDPAS = "国华 德明 建国 春生 桂林 福生 长青 金山 正清 松林".split()
GRANDMAS = "秀英 桂兰 玉兰 秀兰 冬梅 菊香 翠英 淑珍 凤英 腊梅".split()
UNCLES = "建平 志军 小平 运良 海军".split()
WORKPLACES = {"广东省东莞市": 6, "广东省深圳市": 5, "广东省广州市": 4, "广东省佛山市": 2, "浙江省义乌市": 3,
              "浙江省宁波市": 2, "浙江省杭州市": 2, "江苏省苏州市": 2, "江苏省昆山市": 1, "福建省厦门市": 1,
              "福建省泉州市": 1, "湖北省武汉市": 1}
VILLAGES = "新民村 桃花村 石塘村 大坪村 金鸡村 柏树村 荷花村 长冲村 松山村 白沙村".split()
STREETS = "建设路 人民路 解放街 新华街 向阳路 文化路".split()
PREFIXES = ("130 131 132 133 135 136 137 138 139 150 151 152 153 155 156 157 158 159 173 176 177 180 181 182 "
            "183 185 186 187 188 189 191 199").split()
HOMOPHONES = {"梓": "子", "涵": "含", "欣": "心", "怡": "宜", "浩": "皓", "宇": "雨", "轩": "萱", "熙": "希", "诗": "思",
              "琪": "淇", "豪": "浩", "杰": "洁", "婷": "亭", "佳": "家", "睿": "瑞", "博": "波"}

PRIMARY = {"留守儿童": 40, "建档立卡贫困家庭": 14, "农村低保家庭": 10, "单亲家庭": 10, "离异家庭": 9, "困境儿童": 5,
           "残疾": 4, "孤儿": 3}
SECOND = {  # a second 类别 for about one student in four
    "留守儿童": {"建档立卡贫困家庭": 3, "单亲家庭": 3, "农村低保家庭": 2, "离异家庭": 2},
    "建档立卡贫困家庭": {"留守儿童": 3, "单亲家庭": 2, "残疾": 1},
    "农村低保家庭": {"留守儿童": 3, "单亲家庭": 2, "残疾": 1},
    "单亲家庭": {"农村低保家庭": 2, "留守儿童": 2},
    "离异家庭": {"农村低保家庭": 2, "留守儿童": 2},
}
ORDER = list(PRIMARY)  # how teachers list two categories: 留守儿童 first, and so on
POOR = {"建档立卡贫困家庭", "农村低保家庭", "特困供养"}

TALKS = ["了解本周学习情况，鼓励按时完成作业", "询问在校生活，提醒注意饮食和作息", "数学单元测验成绩下降，一起分析错题",
         "谈与同学相处的情况，引导主动交朋友", "关心近期情绪，鼓励多参加课外活动", "表扬作业书写有进步，鼓励保持",
         "了解周末在家情况，进行防溺水安全教育", "谈读书计划，推荐课外读物", "天气转凉，提醒注意添衣、防感冒",
         "谈期中考试目标，帮助制定复习计划", "了解课后作业遇到的困难，当面辅导", "鼓励在课堂上大胆发言"]
TALKS_AWAY = ["了解想念{away}的心情，进行心理疏导", "聊{away}在外工作的情况，引导理解{away}的辛苦"]
TALKS_POOR = ["了解营养餐和生活费情况", "询问资助金是否到账，家中有无困难"]
CALLS = ["向在外务工的{away}反馈孩子近期在校表现", "告知期中考试成绩，请家长多鼓励孩子", "提醒家长每周与孩子视频通话",
         "沟通孩子近期情绪变化，请家长多关心", "与家长沟通孩子作业拖拉的问题", "告知孩子在校获得表扬，家长很高兴"]
FAMILY_CALLS = ["在学校用亲情电话与{away}视频通话约10分钟", "用亲情电话给{away}打电话，聊学校生活",
                "与在外务工的{away}通话，说了考试成绩", "亲情视频通话，{away}叮嘱好好学习、听{home}的话",
                "与{away}视频，展示了自己的手工作品"]
VISITS = ["入户家访，了解家庭生活和学习环境", "到家中走访，与{home}交流孩子的作息和作业情况",
          "家访了解孩子周末作息，提醒注意用电用火安全", "家访查看孩子的学习角，建议固定写作业的时间"]
VISITS_POOR = ["家访宣讲教育资助政策，核实家庭经济情况", "送去学习用品，了解家庭近况"]
PHONE_VISITS = ["电话家访，了解孩子周末在家表现", "与{home}电话沟通孩子作业完成情况", "电话家访，提醒关注孩子用眼卫生",
                "电话家访，了解家里近况，提醒按时接送"]
REVIEWS = ["期中帮扶评估：学习态度有进步，情绪稳定", "阶段评估：生活自理能力较好，数学需加强",
           "帮扶效果评估：性格较内向，需继续关注心理状况", "阶段评估：出勤正常，作业完成率明显提高"]
FOLLOW_UPS = {"谈心": ["继续关注", "安排同学结对辅导数学", "请科任老师多鼓励"], "电话": ["下周再电话沟通", "建议家长多视频通话"],
              "家访": ["下次家访时回访", "继续关注"], "电话家访": ["继续关注", "下次家访时回访"], "评估": ["下阶段重点辅导数学", "继续关注"]}
KIN = {"父亲": "爸爸", "母亲": "妈妈", "祖父母": "爷爷奶奶", "外祖父母": "外公外婆", "其他亲属": "叔叔"}


@dataclass
class Student:
    row: dict[str, Any]  # the 花名册 row by column label
    categories: tuple[str, ...]
    left: str | None  # 留守类型
    mentor: str
    enrolled: dt.date
    care: str  # how well the mentor keeps up: "good", "gap" (weeks with nothing) or "poor"

    @property
    def name(self) -> str:
        return self.row["姓名"]


@dataclass
class Class:
    grade: str
    cls: str
    head: str
    phone: str
    size: int
    kind: str
    suffix: str
    filled_on: dt.date = TERM_START
    filled_by: str = ""
    mentors: list[tuple[str, str]] = field(default_factory=list)
    students: list[Student] = field(default_factory=list)
    log: list[dict[str, Any]] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{self.grade}{self.cls}"


class School:
    """Draws people, numbers and places without repeating any within the school."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.names: set[str] = set()
        self.phones: set[str] = set()
        self.ids: set[str] = set()
        self.teachers = rng.sample(TEACHERS, len(TEACHERS))

    def pick(self, weights: dict[str, int]) -> str:
        return self.rng.choices(list(weights), list(weights.values()))[0]

    def phone(self) -> str:
        while True:
            p = self.rng.choice(PREFIXES) + f"{self.rng.randrange(10 ** 8):08d}"
            if p not in self.phones:
                self.phones.add(p)
                return p

    def child_name(self, surname: str, male: bool) -> str:
        while True:
            name = surname + self.rng.choice(BOYS if male else GIRLS)
            if name not in self.names:
                self.names.add(name)
                return name

    def id_number(self, birth: dt.date, male: bool) -> str:
        while True:
            number = make_id(AREA, birth, self.rng.randrange(10, 990), male)
            if number not in self.ids and not number.endswith("X"):  # X IDs cannot turn into numbers; keep all alike
                self.ids.add(number)
                return number

    def address(self) -> str:
        r = self.rng.random()
        if r < 0.55:
            return f"长沙县城关镇{self.rng.choice(VILLAGES)}{self.rng.randint(1, 12)}组"
        if r < 0.85:
            return f"长沙县城关镇{self.rng.choice(STREETS)}{self.rng.randint(1, 180)}号"
        return f"长沙县春华镇{self.rng.choice(['龙王庙村', '春华山村', '大鱼村'])}{self.rng.randint(1, 9)}组"

    def landline(self) -> str:
        return f"0731-84{self.rng.randrange(10 ** 6):06d}"


def birth_date(rng: random.Random, grade: str) -> dt.date:
    """三年级 ≈ 2017, 六年级 ≈ 2014: mostly that year, some the next spring/summer, a few the autumn before."""
    year = 2017 - (GRADE_NO[grade] - 3)
    r = rng.random()
    start, end = ((D(year, 1, 1), D(year, 12, 31)) if r < 0.75 else
                  (D(year + 1, 1, 1), D(year + 1, 8, 31)) if r < 0.9 else (D(year - 1, 9, 1), D(year - 1, 12, 31)))
    return start + dt.timedelta(days=rng.randrange((end - start).days + 1))


def categories(school: School) -> tuple[str, ...]:
    rng = school.rng
    first = school.pick(PRIMARY)
    cats = {first}
    if first in SECOND and rng.random() < 0.28:
        cats.add(school.pick(SECOND[first]))
    return tuple(sorted(cats, key=ORDER.index))


def make_student(school: School, c: Class, seq: int) -> Student:
    rng = school.rng
    male = rng.random() < 0.53
    surname = school.pick(SURNAMES)
    name = school.child_name(surname, male)
    birth = birth_date(rng, c.grade)
    cats = categories(school)
    mother_surname = school.pick({k: v for k, v in SURNAMES.items() if k != surname})
    father = surname + rng.choice(FATHERS)
    mother = mother_surname + rng.choice(MOTHERS)
    father_phone, mother_phone = school.phone(), school.phone()
    father_work = mother_work = ""
    left: str | None = None
    note = ""
    # who is gone: 孤儿 lost both; 单亲 lost one (died or left); 离异 lives with one parent
    if "孤儿" in cats:
        father, mother, father_phone, mother_phone = "已故", "已故", "", ""
    elif "单亲家庭" in cats:
        died = rng.random() < 0.35
        if rng.random() < 0.7:  # with the father
            mother, mother_phone = ("已故" if died else ""), ""
        else:
            father, father_phone = ("已故" if died else ""), ""
        gone = "母亲" if mother in ("", "已故") else "父亲"
        note = rng.choice(["", "", f"{gone}已故" if died else f"{gone}离家多年，无联系"])
    at_home = [p for p, n in (("父亲", father), ("母亲", mother)) if n not in ("", "已故")]
    if "离异家庭" in cats:
        at_home = [rng.choice(at_home)]
        note = note or rng.choice(["", "父母离异，随" + at_home[0][0] + "亲生活"])
    if "留守儿童" in cats:
        if len(at_home) == 2:
            left = school.pick({"父母均外出": 5, "父亲外出": 4, "母亲外出": 1})
        else:
            left = f"{at_home[0][0]}亲外出"  # the only parent is the one away
        place = school.pick(WORKPLACES)
        if left in ("父母均外出", "父亲外出"):
            father_work = place
        if left in ("父母均外出", "母亲外出"):
            mother_work = place if rng.random() < 0.7 else school.pick(WORKPLACES)
        away = {"父母均外出": {"父亲", "母亲"}, "父亲外出": {"父亲"}, "母亲外出": {"母亲"}}[left]
        at_home = [p for p in at_home if p not in away]
    # the guardian: a parent at home, else grandparents (paternal mostly), else an uncle
    if at_home and (rng.random() < 0.75 or "留守儿童" not in cats):
        relation = rng.choice(at_home)
        g_name, g_phone = (father, father_phone) if relation == "父亲" else (mother, mother_phone)
    else:
        r = rng.random()
        if r < 0.72:
            relation, g_surname = "祖父母", surname
        elif r < 0.92:
            relation, g_surname = "外祖父母", mother_surname
        else:
            relation, g_surname = "其他亲属", surname
        given = (rng.choice(UNCLES) if relation == "其他亲属" else
                 rng.choice(GRANDPAS) if rng.random() < 0.5 else None)
        g_name = g_surname + given if given else school.pick(SURNAMES) + rng.choice(GRANDMAS)
        g_phone = school.landline() if relation != "其他亲属" and rng.random() < 0.15 else school.phone()
        if relation == "其他亲属":
            note = note or "由叔叔代为监护"
    guard = ("一般" if relation in ("祖父母", "外祖父母", "其他亲属") and rng.random() < 0.6 else
             "较差" if rng.random() < 0.06 else "较好")
    health = "残疾" if "残疾" in cats else ("患病" if rng.random() < 0.05 else "健康")
    if "残疾" in cats:
        note = rng.choice(["肢体残疾三级，随班就读", "听力残疾，随班就读，已持残疾证"])
    elif "困境儿童" in cats:
        note = rng.choice(["父亲重病，家庭困难", "母亲长期患病，无劳动能力"])
    elif health == "患病" and not note:
        note = "哮喘，体育课注意"
    mentor, mentor_phone = c.mentors[rng.randrange(len(c.mentors))]
    later = [D(2026, 9, 14), D(2026, 9, 21), D(2026, 10, 12), D(2026, 10, 19), D(2026, 11, 2)]
    enrolled = TERM_START if rng.random() < 0.85 else rng.choice(later)
    if enrolled != TERM_START and not note:
        note = "开学后新增" + ("，父母10月起外出务工" if left == "父母均外出" and enrolled.month >= 10 else "")
    number = school.id_number(birth, male)
    row: dict[str, Any] = {
        "序号": seq, "姓名": name, "性别": "男" if male else "女", "身份证号": number, "学籍号": None,
        "出生日期": birth, "民族": "汉族" if rng.random() < 0.93 else rng.choice(["土家族", "苗族"]),
        "类别": "、".join(cats), "留守类型": left, "身体状况": health, "监护情况": guard,
        "监护人姓名": g_name, "与学生关系": relation, "监护人电话": g_phone,
        "父亲姓名": father or None, "父亲务工地": father_work or None, "父亲电话": father_phone or None,
        "母亲姓名": mother or None, "母亲务工地": mother_work or None, "母亲电话": mother_phone or None,
        "家庭住址": school.address(), "是否住校": "是" if GRADE_NO[c.grade] >= 5 and rng.random() < 0.15 else "否",
        "帮扶教师": mentor, "帮扶教师电话": mentor_phone, "建档日期": enrolled, "备注": note or None,
    }
    care = school.pick({"good": 65, "gap": 25, "poor": 10})
    return Student(row, cats, left, mentor, enrolled, care)


# ---------------------------------------------------------------- contacts


def holiday(day: dt.date) -> bool:
    return any(a <= day <= b for a, b in HOLIDAYS)


def school_days(start: dt.date, end: dt.date) -> list[dt.date]:
    days = (start + dt.timedelta(days=i) for i in range((end - start).days + 1))
    return [d for d in days if d.weekday() < 5 and not holiday(d)]


def contacts(rng: random.Random, s: Student, last: dt.date) -> list[dict[str, Any]]:
    """One student's contacts from 建档 to the day the ledger was filled: roughly the default policy, with gaps."""
    drop = {"good": 0.05, "gap": 0.1, "poor": 0.4}[s.care]
    monday = TERM_START - dt.timedelta(days=TERM_START.weekday())
    weeks = (last - monday).days // 7 + 1
    gap: set[int] = set()
    if s.care == "gap":
        first = rng.randrange(1, max(2, weeks - 3))
        gap = set(range(first, first + rng.randint(2, 4)))
    poor = bool(POOR & set(s.categories))
    away = s.left is not None
    out: list[tuple[dt.date, str]] = []

    def week_days(w: int, n: int = 1) -> list[dt.date]:
        start = max(monday + dt.timedelta(weeks=w), s.enrolled)
        return school_days(start, min(monday + dt.timedelta(weeks=w + n, days=-1), last))

    for w in range(weeks):
        days = week_days(w)
        if not days:
            continue
        if poor:
            out.append((rng.choice(days), "谈心"))
        if away:
            wed = [d for d in days if d.weekday() in (2, 4)]
            out.append((rng.choice(wed or days), "亲情电话"))
            if w % 2 == 0 and (pair := week_days(w, 2)):
                out.append((rng.choice(pair), "电话"))
    for month in (9, 10, 11):
        days = school_days(max(D(2026, month, 1), s.enrolled),
                           min(D(2026, month, calendar.monthrange(2026, month)[1]), last))
        if not days:
            continue
        if not poor:
            out.append((rng.choice(days), "谈心"))
            if rng.random() < 0.3:
                out.append((rng.choice(days), "谈心"))
        out.append((rng.choice(days), "家访" if month == 9 or rng.random() < 0.45 else "电话家访"))
    if rng.random() < 0.6 and (days := school_days(max(D(2026, 11, 9), s.enrolled), last)):
        out.append((rng.choice(days), "评估"))

    rows = []
    for day, kind in sorted(out):
        if (day - monday).days // 7 in gap or rng.random() < drop:
            continue
        party, text, follow = content(rng, s, kind)
        rows.append({"日期": day, "学生姓名": s.name, "帮扶教师": s.mentor, "方式": kind, "对象": party,
                     "内容": text, "后续措施": follow})
    return rows


def content(rng: random.Random, s: Student, kind: str) -> tuple[str, str, str | None]:
    """对象, 内容 and 后续措施 of one contact, worded for this student's family."""
    away = {"父母均外出": "爸爸妈妈", "父亲外出": "爸爸", "母亲外出": "妈妈"}.get(s.left or "", "")
    home = KIN[s.row["与学生关系"]]
    poor = bool(POOR & set(s.categories))
    if kind == "谈心":
        party, texts = "学生", TALKS + (TALKS_AWAY if away else []) + (TALKS_POOR if poor else [])
    elif kind == "亲情电话":
        party, texts = "学生", FAMILY_CALLS
    elif kind == "电话":
        party, texts = "家长", CALLS
        away = {"爸爸妈妈": "父母", "爸爸": "父亲", "妈妈": "母亲"}.get(away, "家长")
    elif kind in ("家访", "电话家访"):
        party = "家长" if s.row["与学生关系"] in ("父亲", "母亲") else "监护人"
        texts = (VISITS + (VISITS_POOR if poor else [])) if kind == "家访" else PHONE_VISITS
    else:
        party, texts = "学生", REVIEWS
    follow = (FOLLOW_UPS.get(kind, []) + (["已联系学校资助中心"] if poor and kind == "家访" else []))
    text = rng.choice(texts).format(away=away, home=home)
    return party, text, rng.choice(follow) if follow and rng.random() < 0.2 else None


def build_class(school: School, c: Class) -> None:
    rng = school.rng
    c.filled_on = D(2026, 11, rng.randint(16, 20))
    extra = [school.teachers.pop() for _ in range(rng.randint(1, 2))]
    c.mentors = [(c.head, c.phone)] + [(t, school.phone()) for t in extra]
    c.filled_by = c.head if rng.random() < 0.8 else extra[0]
    c.students = [make_student(school, c, i + 1) for i in range(c.size)]
    own_columns = rng.random() < 0.4  # some teachers fill 年级/班级 and 学籍号 in every row
    for s in c.students:
        if own_columns:
            s.row.update({"年级": c.grade, "班级": c.cls, "学籍号": "G" + s.row["身份证号"]})
    log = [(r, i) for i, s in enumerate(c.students) for r in contacts(rng, s, c.filled_on)]
    c.log = [r for r, _ in sorted(log, key=lambda x: (x[0]["日期"], x[1]))]


# ---------------------------------------------------------------- mistakes


def _pick(students: list[Student], test: Callable[[Student], bool], what: str, skip: set[str]) -> Student:
    for s in students:
        if s.name not in skip and test(s):
            skip.add(s.name)
            return s
    raise RuntimeError(f"no student fits the seeded mistake: {what}")


def _spaced(phone: str) -> str:
    return f"{phone[:3]} {phone[3:7]} {phone[7:]}"


def mistakes_三年级2班(rng: random.Random, c: Class) -> list[str]:
    used: set[str] = set()
    s = _pick(c.students, lambda s: s.left is not None, "留守 student for the scientific ID", used)
    s.row["身份证号"] = float(f"{int(s.row['身份证号']):.14e}")  # what Excel keeps: 15 digits, 4.30121…E+17
    done = [f"{s.name}: 身份证号 typed as a number → {s.row['身份证号']:.5E} (id-scientific)"]
    s = _pick(c.students, lambda s: s.left is not None, "留守 student without 留守类型", used)
    s.row["留守类型"] = None
    done.append(f"{s.name}: 留守儿童 without 留守类型 (conditional-missing)")
    r = next(r for r in c.log if r["日期"].month == 11 and r["日期"].day <= 9)
    r["日期"] = r["日期"].replace(month=12)  # 11月 typed as 12月
    done.append(f"帮扶记录 {r['学生姓名']}: 日期 {r['日期']} after the file's 填报日期 (date-after-report)")
    for r in rng.sample([r for r in c.log if r["日期"].month == 9], 8):
        r["日期"] = f"{r['日期'].year}.{r['日期'].month}.{r['日期'].day}"
    for s in rng.sample(c.students, 3):
        if s.row["监护人电话"].startswith("1"):
            s.row["监护人电话"] = _spaced(s.row["监护人电话"])
    done.append("fixed, not errors: 8 dates typed like 2026.9.15, phones typed like 138 1234 5678")
    return done


def mistakes_五年级1班(rng: random.Random, c: Class) -> list[str]:
    used: set[str] = set()
    s = _pick(c.students, lambda s: True, "any student for the check digit", used)
    good = s.row["身份证号"]
    s.row["身份证号"] = good[:17] + str((int(good[17]) + 3) % 10)
    done = [f"{s.name}: 身份证号 check digit {good[17]} → {s.row['身份证号'][17]} (id-checksum)"]

    def swapped(b: dt.date) -> dt.date | None:
        for m, d in ((b.day, b.month), (b.month, int(f"{b.day:02d}"[::-1]))):
            try:
                other = b.replace(month=m, day=d)
            except ValueError:
                continue
            if other != b:
                return other
        return None

    s = _pick(c.students, lambda s: swapped(s.row["出生日期"]) is not None, "birth date to swap", used)
    real = s.row["出生日期"]
    s.row["出生日期"] = swapped(real)
    done.append(f"{s.name}: 出生日期 {s.row['出生日期']} but the ID says {real} (id-birth-mismatch)")
    s = _pick(c.students, lambda s: s.left is None and bool(POOR & set(s.categories)), "poor student", used)
    s.row["类别"] = "、".join("贫困生" if x in POOR else x for x in s.categories)  # the everyday word
    done.append(f"{s.name}: 类别 「{s.row['类别']}」 (value-not-allowed)")
    s = _pick(c.students, lambda s: s.row["监护人电话"].startswith("1"), "mobile to shorten", used)
    p = s.row["监护人电话"]
    cut = rng.randrange(3, 11)
    s.row["监护人电话"] = p[:cut] + p[cut + 1:]
    done.append(f"{s.name}: 监护人电话 {s.row['监护人电话']} has 10 digits (phone-invalid)")
    for r in rng.sample([r for r in c.log if r["日期"].month in (10, 11)], 6):
        r["日期"] = f"{r['日期'].year}年{r['日期'].month}月{r['日期'].day}日"
    late = next((s for s in c.students if s.enrolled != TERM_START), c.students[-1])
    late.row["建档日期"] = f"{late.enrolled.year}年{late.enrolled.month}月{late.enrolled.day}日"
    done.append("fixed, not errors: dates typed like 2026年10月8日; two rows inserted above the 花名册 header")
    return done


def mistakes_六年级1班(rng: random.Random, c: Class) -> list[str]:
    used: set[str] = set()
    s = _pick(c.students, lambda s: any(ch in HOMOPHONES for ch in s.name[1:]), "name with a homophone", used)
    typo = s.name[0] + "".join(HOMOPHONES.get(ch, ch) for ch in s.name[1:])
    assert typo not in {x.name for x in c.students}
    own = [r for r in c.log if r["学生姓名"] == s.name]
    r = rng.choice([r for r in own if r["日期"].month == 10] or own)
    r["学生姓名"] = typo
    done = [f"帮扶记录 {r['日期']}: 「{typo}」 for {s.name} (log-unknown-student)"]
    s = _pick(c.students, lambda s: s.left == "父母均外出", "both parents away", used)
    s.row["母亲务工地"] = None
    done.append(f"{s.name}: 父母均外出 without 母亲务工地 (conditional-missing)")
    for s in rng.sample(c.students, 4):
        for label in ("父亲电话", "母亲电话"):
            if s.row[label]:
                s.row[label] = _spaced(s.row[label])
    done.append("fixed, not errors: parents' phones typed like 138 1234 5678; saved as .xls")
    return done


MISTAKES = {"三年级2班": mistakes_三年级2班, "五年级1班": mistakes_五年级1班, "六年级1班": mistakes_六年级1班}


def insert_rows_like_excel(path: Path, sheet: str, idx: int, amount: int, text: str) -> None:
    """Insert rows above row ``idx`` and shift what Excel would shift (openpyxl moves only the cells)."""
    wb = openpyxl.load_workbook(path)
    ws = wb[sheet]
    ws.insert_rows(idx, amount)
    ws.cell(row=idx, column=1, value=text)

    def shift(ref: str) -> str:
        r = CellRange(ref)
        if r.max_row >= idx:
            r.shift(row_shift=amount) if r.min_row >= idx else r.expand(down=amount)
        return r.coord

    for dv in ws.data_validations.dataValidation:
        dv.sqref = MultiCellRange([shift(str(r)) for r in dv.sqref.ranges])
    if ws.auto_filter.ref:
        ws.auto_filter.ref = shift(ws.auto_filter.ref)
    ws.freeze_panes = f"A{idx + amount + 1}"
    heights = {r: d.height for r, d in ws.row_dimensions.items() if r >= idx and d.height}
    for r, h in sorted(heights.items(), reverse=True):
        ws.row_dimensions[r].height = None
        ws.row_dimensions[r + amount].height = h
    ws.print_title_rows = f"1:{idx + amount}"
    if ws.print_area:
        ws.print_area = [shift(a.split("!")[-1].replace("$", "")) for a in ws.print_area.split(",")]
    wb.save(path)


def to_xls(path: Path) -> Path:
    """Save as Excel 97 (.xls) with LibreOffice and delete the .xlsx; an error says what failed."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        raise RuntimeError("soffice (LibreOffice) not found: cannot save the .xls example")
    with tempfile.TemporaryDirectory() as tmp:
        profile = Path(tmp, "profile").as_uri()  # own profile: other soffice runs may be going on
        proc = subprocess.run([soffice, f"-env:UserInstallation={profile}", "--headless", "--convert-to", "xls",
                               "--outdir", tmp, str(path)], check=False, capture_output=True, text=True, timeout=180)
        made = Path(tmp, path.with_suffix(".xls").name)
        if proc.returncode != 0 or not made.exists():
            raise RuntimeError(f"soffice could not convert {path.name}: {proc.stderr.strip() or proc.stdout.strip()}")
        target = path.with_suffix(".xls")
        shutil.move(str(made), target)
    path.unlink()
    return target


# ---------------------------------------------------------------- files


def write_school_info(dest: Path, classes: list[Class]) -> Path:
    wb = openpyxl.load_workbook(default_path("学校信息"))
    ws = wb["学校信息"]
    values = {"学校名称": SCHOOL, "学年学期": TERM, "填报截止日期": DEADLINE, "联系人": COORDINATOR[0],
              "联系电话": COORDINATOR[1]}
    for row in ws.iter_rows(min_col=1, max_col=1):
        label = row[0].value
        if label in values:
            cell = ws.cell(row=row[0].row, column=2, value=values.pop(label))
            if isinstance(cell.value, dt.date):
                cell.number_format = "yyyy-mm-dd"
            else:
                cell.data_type = "s"
    if values:
        raise RuntimeError(f"学校信息 template lacks {'、'.join(values)}")
    ws = wb["班级名单"]
    for r, c in enumerate(classes, start=2):
        for col, v in enumerate((c.grade, c.cls, c.head, c.phone), start=1):
            ws.cell(row=r, column=col, value=v).data_type = "s"
    dest.parent.mkdir(parents=True, exist_ok=True)
    wb.save(dest)
    return dest


def main(out: str) -> int:
    rng = random.Random(SEED)
    school = School(rng)
    folder = Path(out)
    inbox = folder / "inbox"
    inbox.mkdir(parents=True, exist_ok=True)
    for old in inbox.glob(f"*{SUFFIX}.xls*"):  # ledgers of an earlier run
        old.unlink()
    classes = [Class(*spec) for spec in CLASSES]
    for c in classes:
        build_class(school, c)  # the missing class too: the draws of the others do not depend on what is sent
    print(f"{write_school_info(folder / '学校信息.xlsx', classes)}  学校信息，{len(classes)} 个班级")
    failed = False
    for c in classes:
        if c.kind == "missing":
            continue
        notes = MISTAKES[c.kind](rng, c) if c.kind in MISTAKES else []
        meta = {"学校": SCHOOL, "年级": c.grade, "班级": c.cls, "班主任": c.head, "填表人": c.filled_by,
                "联系电话": c.phone, "填报日期": c.filled_on, "交表截止日期": DEADLINE}
        path = fill_ledger(inbox / f"{c.label}{SUFFIX}.xlsx", meta=meta, roster=[s.row for s in c.students],
                           log=c.log)
        if c.kind == "五年级1班":
            insert_rows_like_excel(path, "花名册", 2, 2, f"{c.label}特殊群体学生名单（班主任：{c.head}）")
        if c.suffix == ".xls":
            try:
                path = to_xls(path)
            except (RuntimeError, OSError, subprocess.TimeoutExpired) as exc:
                print(f"错误 / error: {exc}; {path.name} left as .xlsx", file=sys.stderr)
                failed = True
        seeded = [n for n in notes if not n.startswith("fixed")]
        state = "；".join(seeded) if seeded else "clean"
        print(f"{path}  花名册 {len(c.students)} 行，帮扶记录 {len(c.log)} 行；{state}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "examples"))
