"""Generate a county's worth of returned class ledgers (关爱帮扶台账) for benchmarks.

Run: python benchmarks/make_county.py /tmp/county2000 --files 2000 [--seed 2026] [--jobs 2]

Writes
  OUT/inbox/<学校>_<年级><班级>_帮扶台账.xlsx   N filled ledgers (40–50 students, 150–250 contacts each)
  OUT/学校信息.xlsx                              the county's list of expected classes (all of them, plus ~1% that
                                                 sent nothing)
  OUT/schools/<学校>_学校信息.xlsx               one 学校信息 per school (with --school-info-per-school)
  OUT/manifest.json                              what was generated: files, rows, which carry mistakes

People, families, categories and contacts are drawn with the example school's generator
(scripts/make_examples.py: realistic names, valid ID numbers with check digits, phones, addresses, categories
in realistic proportions, a term of contacts following the default 帮扶制度 with gaps), one ``School`` per
school, about 10 classes a school. About 10% of the files carry the teachers' mistakes of the example school
(scientific ID, missing 留守类型, dates in the future, wrong check digit, birth date swapped, 「贫困生」, a
short phone, an unknown student in the log, two rows inserted above the header) plus a duplicate student or a
contact dated before the term.

Class numbering. rosterkit identifies a class by (学校, 年级, 班级), so with ``--numbering school`` (the default)
classes are numbered per school, as real schools do: each school has its 三年级1班 and none is superseded. The
county 学校信息 lists every class with its 学校 (the 班级名单's optional column). ``--numbering county`` numbers
them county-wide within a grade (三年级1班 … 三年级340班), as the benchmark did before schools were kept apart.

Speed: the template is filled once with openpyxl (fill_ledger) into a skeleton; each ledger is then that
skeleton's zip with the 填表说明/花名册/帮扶记录 sheet XML regenerated (inline strings, the skeleton's own date
style), so the template's sheets, headers, dropdowns, widths, comments and print set-up are all kept. Schools are
built in a process pool; each school draws from its own ``random.Random(seed, school)``, so the corpus is the
same whatever the number of workers.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import json
import os
import random
import re
import sys
import tempfile
import time
import zipfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parents[1]
try:
    import rosterkit  # noqa: F401
except ImportError:  # run from a checkout without installing
    sys.path.insert(0, str(ROOT / "src"))


def _load_examples() -> Any:
    spec = importlib.util.spec_from_file_location("_rk_make_examples", ROOT / "scripts" / "make_examples.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # dataclasses (and pickling in the workers) look the module up
    spec.loader.exec_module(mod)
    return mod


mk = _load_examples()
mk.GRADE_NO.update({"一年级": 1, "二年级": 2})  # birth_date(): 一年级 ≈ 2019

D = dt.date
GRADES = ["一年级", "二年级", "三年级", "四年级", "五年级", "六年级"]
COUNTY = "长沙县"
AREA = "430121"
TOWNS = ("城关镇 春华镇 黄兴镇 江背镇 金井镇 福临镇 青山铺镇 安沙镇 北山镇 果园镇 路口镇 高桥镇 开慧镇 双江镇 "
         "白沙镇 湘龙街道 星沙街道 泉塘街道 榔梨街道 黄花镇").split()
KINDS = ("中心小学", "完全小学", "小学", "第一小学", "第二小学", "实验小学", "希望小学")
GIVEN_T = ("慧敏 志勇 芳 洋 静 丹 海燕 伟 雪梅 琳 俊 帆 丽 晓军 娟 红 建平 国庆 小兰 玉梅 春燕 卫东 秀英 "
           "文辉 红霞 志刚 建新 丽华 美玲 桂芳 振华 少华 爱民 跃进 小燕 艳红 晓玲 新民").split()
SENTINEL_DATES = {"filled_on": D(2099, 1, 1), "deadline": D(2099, 1, 2)}
EXCEL_EPOCH = D(1899, 12, 30)


# ---------------------------------------------------------------- the skeleton: the template filled once


def _serial(d: dt.date) -> int:
    return (d - EXCEL_EPOCH).days


class Skeleton:
    """The template, filled once by fill_ledger, split into the parts each ledger re-creates."""

    META_LABELS = {"学校": "school", "年级": "grade", "班级": "class", "班主任": "head", "填表人": "filled_by",
                   "联系电话": "phone"}

    def __init__(self) -> None:
        from rosterkit.core.template import load_template
        from rosterkit.outputs.ledger import fill_ledger

        self.tpl = load_template()
        meta = {label: f"@@{key}@@" for label, key in self.META_LABELS.items()}
        meta.update({"填报日期": SENTINEL_DATES["filled_on"], "交表截止日期": SENTINEL_DATES["deadline"]})
        roster = [{"姓名": "@@x@@", "出生日期": D(2017, 1, 1)}]
        with tempfile.TemporaryDirectory() as tmp:
            path = fill_ledger(Path(tmp, "skeleton.xlsx"), meta=meta, roster=roster, log=[{"日期": D(2026, 9, 1)}])
            with zipfile.ZipFile(path) as z:
                self.members = [(i, z.read(i.filename)) for i in z.infolist()]
        wb = dict((i.filename, data) for i, data in self.members)
        rels = wb["xl/_rels/workbook.xml.rels"].decode()
        book = wb["xl/workbook.xml"].decode()
        sheets = dict(re.findall(r'<sheet name="([^"]+)" sheetId="\d+" state="\w+" r:id="(\w+)"', book))
        targets = dict((rid, tgt) for tgt, rid in re.findall(r'Target="/?(?:xl/)?([^"]+)" Id="(\w+)"', rels))
        targets.update(dict(re.findall(r'Id="(\w+)"[^>]*Target="/?(?:xl/)?([^"]+)"', rels)))
        self.part = {name: "xl/" + targets[rid].lstrip("/") for name, rid in sheets.items()}
        self.xml = {name: wb[part].decode() for name, part in self.part.items()}
        # the date style fill_ledger gave the data cells
        self.date_style = re.search(r'<c r="F3" s="(\d+)"', self.xml[self.tpl.roster.name]).group(1)
        self.columns = {spec.name: [f.label for f in spec.fields] for spec in (self.tpl.roster, self.tpl.log)}
        self.header_row = {spec.name: spec.header_row for spec in (self.tpl.roster, self.tpl.log)}

    # ------------------------------------------------------------ cells

    def cell(self, ref: str, v: Any) -> str:
        if v is None or v == "":
            return ""
        if isinstance(v, bool):
            v = "是" if v else "否"
        if isinstance(v, str):
            return f'<c r="{ref}" t="inlineStr"><is><t>{escape(v)}</t></is></c>'
        if isinstance(v, dt.date):
            return f'<c r="{ref}" s="{self.date_style}" t="n"><v>{_serial(v)}</v></c>'
        if isinstance(v, float):
            return f'<c r="{ref}" t="n"><v>{v!r}</v></c>'
        return f'<c r="{ref}" t="n"><v>{v}</v></c>'

    def data_sheet(self, name: str, rows: list[dict[str, Any]], *, shift: int = 0, above: str = "") -> str:
        """The sheet XML with ``rows`` below the header; ``shift`` rows inserted above it (a teacher's title)."""
        from openpyxl.utils import get_column_letter

        xml = self.xml[name]
        head, rest = xml.split("<sheetData>", 1)
        body, tail = rest.split("</sheetData>", 1)
        hrow = self.header_row[name]
        keep = [m.group(0) for m in re.finditer(r'<row r="(\d+)".*?</row>|<row r="(\d+)"[^>]*/>', body)
                if int(m.group(1) or m.group(2)) <= hrow]
        letters = [get_column_letter(i + 1) for i in range(len(self.columns[name]))]
        col = dict(zip(self.columns[name], letters))
        out = []
        if shift:
            out.append(f'<row r="1">{self.cell("A1", above)}</row>')
            keep = [re.sub(r'(<(?:row|c) r="[A-Z]*)(\d+)"', lambda m: f'{m.group(1)}{int(m.group(2)) + shift}"', k)
                    for k in keep]
        out += keep
        for i, rec in enumerate(rows):
            r = hrow + shift + 1 + i
            cells = "".join(self.cell(f"{col[label]}{r}", v) for label, v in rec.items())
            out.append(f'<row r="{r}">{cells}</row>')
        last = hrow + shift + len(rows)
        head = re.sub(r'<dimension ref="[^"]*"', f'<dimension ref="A1:{letters[-1]}{max(last, hrow + shift)}"', head)
        return head + "<sheetData>" + "".join(out) + "</sheetData>" + tail

    def meta_sheet(self, meta: dict[str, Any]) -> str:
        xml = self.xml["填表说明"]
        for key in self.META_LABELS.values():
            xml = xml.replace(f"<t>@@{key}@@</t>", f"<t>{escape(str(meta.get(key, '')))}</t>")
        for key, sentinel in SENTINEL_DATES.items():
            xml = xml.replace(f"<v>{_serial(sentinel)}</v>", f"<v>{_serial(meta[key])}</v>")
        return xml

    def write(self, dest: Path, meta: dict[str, Any], roster: list[dict[str, Any]], log: list[dict[str, Any]],
              *, shift_roster: int = 0, title: str = "") -> None:
        new = {self.part["填表说明"]: self.meta_sheet(meta),
               self.part[self.tpl.roster.name]: self.data_sheet(self.tpl.roster.name, roster, shift=shift_roster,
                                                                above=title),
               self.part[self.tpl.log.name]: self.data_sheet(self.tpl.log.name, log)}
        tmp = dest.with_name(dest.name + ".part")
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as z:
            for info, data in self.members:
                z.writestr(info.filename, new[info.filename].encode() if info.filename in new else data)
        os.replace(tmp, dest)


# ---------------------------------------------------------------- a school's classes


class CountySchool(mk.School):
    """The example school's drawer, with this school's town in the addresses and enough teachers."""

    def __init__(self, rng: random.Random, town: str) -> None:
        super().__init__(rng)
        self.town = town
        names = {s + g for s in mk.SURNAMES for g in GIVEN_T}
        self.teachers = rng.sample(sorted(names), 60)

    def address(self) -> str:
        r = self.rng.random()
        if r < 0.6:
            return f"{COUNTY}{self.town}{self.rng.choice(mk.VILLAGES)}{self.rng.randint(1, 12)}组"
        return f"{COUNTY}{self.town}{self.rng.choice(mk.STREETS)}{self.rng.randint(1, 180)}号"


def _extra_mistake(rng: random.Random, c: Any) -> list[str]:
    if rng.random() < 0.5:  # the same student twice (copied row)
        s = rng.choice(c.students)
        c.students.append(mk.Student(dict(s.row, 序号=len(c.students) + 1), s.categories, s.left, s.mentor,
                                     s.enrolled, s.care))
        return [f"{s.name} entered twice (duplicate-student)"]
    r = rng.choice(c.log)
    r["日期"] = r["日期"].replace(year=2025)  # last year's term
    return [f"帮扶记录 {r['学生姓名']}: 日期 {r['日期']} before the term (date-out-of-term)"]


def build_school(args: tuple[int, str, list[tuple[str, str, int]], int, float, str]) -> list[dict[str, Any]]:
    """Build and write one school's ledgers; ``classes`` are (年级, 班级, global index)."""
    idx, school_name, classes, seed, mistake_rate, inbox = args
    skel = _skeleton()
    rng = random.Random(f"{seed}/{idx}")
    town = school_name.split("镇")[0] + "镇" if "镇" in school_name else school_name[:4]
    school = CountySchool(rng, town)
    out = []
    for grade, klass, gidx in classes:
        head = school.teachers.pop()
        school.names = set()  # names are unique within a class (the log links by name), not within a school
        c = mk.Class(grade, klass, head, school.phone(), rng.randint(40, 50), "clean", ".xlsx")
        mk.build_class(school, c)
        target = rng.randint(150, 250)
        if len(c.log) > target:  # contacts not written down: mostly the students of mentors who keep up badly
            weight = {s.name: {"good": 1.0, "gap": 4.0, "poor": 12.0}[s.care] for s in c.students}
            keys = sorted(range(len(c.log)), key=lambda i: rng.random() ** (1 / weight[c.log[i]["学生姓名"]]),
                          reverse=True)
            drop = set(keys[:len(c.log) - target])
            c.log = [r for i, r in enumerate(c.log) if i not in drop]
        notes: list[str] = []
        shift = 0
        if rng.random() < mistake_rate:
            kind = rng.choice(list(mk.MISTAKES) + ["extra"])
            try:
                notes = mk.MISTAKES[kind](rng, c) if kind != "extra" else _extra_mistake(rng, c)
            except (RuntimeError, AssertionError, ValueError, StopIteration, IndexError):
                notes = _extra_mistake(rng, c)
            if kind == "五年级1班":
                shift = 2
        meta = {"school": school_name, "grade": grade, "class": klass, "head": c.head, "filled_by": c.filled_by,
                "phone": c.phone, "filled_on": c.filled_on, "deadline": mk.DEADLINE}
        dest = Path(inbox) / f"{school_name}_{grade}{klass}{mk.SUFFIX}.xlsx"
        skel.write(dest, meta, [s.row for s in c.students], c.log, shift_roster=shift,
                   title=f"{grade}{klass}特殊群体学生名单（班主任：{c.head}）")
        out.append({"file": dest.name, "school": school_name, "grade": grade, "class": klass, "head": c.head,
                    "phone": c.phone, "students": len(c.students), "contacts": len(c.log),
                    "mistakes": [n for n in notes if not n.startswith("fixed")], "index": gidx})
    return out


_SKELETON: Skeleton | None = None


def _skeleton() -> Skeleton:
    global _SKELETON
    if _SKELETON is None:
        _SKELETON = Skeleton()
    return _SKELETON


# ---------------------------------------------------------------- the county


def plan(files: int, seed: int, numbering: str) -> tuple[list[tuple[str, list[tuple[str, str, int]]]], int]:
    """Schools with their classes: about 10 classes a school, 1–3 per grade; ~1% extra classes send nothing."""
    rng = random.Random(f"{seed}/plan")
    expected = files + max(1, files // 100)
    schools: list[tuple[str, list[tuple[str, str, int]]]] = []
    names: set[str] = set()
    per_grade: dict[str, int] = {g: 0 for g in GRADES}
    n = 0
    while n < expected:
        while True:
            name = rng.choice(TOWNS) + rng.choice(["", rng.choice(mk.VILLAGES)[:-1]]) + rng.choice(KINDS)
            if name not in names:
                names.add(name)
                break
        classes = []
        for g in GRADES:
            for k in range(rng.choice([1, 2, 2, 2, 3])):
                if n >= expected:
                    break
                per_grade[g] += 1
                number = per_grade[g] if numbering == "county" else k + 1
                classes.append((g, f"{number}班", n))
                n += 1
        schools.append((name, classes))
    return schools, expected


def write_school_info(dest: Path, name: str, rows: list[tuple[str, ...]]) -> Path:
    import openpyxl

    from rosterkit.core.template import default_path

    wb = openpyxl.load_workbook(default_path("学校信息"))
    ws = wb["学校信息"]
    values = {"学校名称": name, "学年学期": mk.TERM, "填报截止日期": mk.DEADLINE, "联系人": mk.COORDINATOR[0],
              "联系电话": mk.COORDINATOR[1]}
    for row in ws.iter_rows(min_col=1, max_col=1):
        if row[0].value in values:
            cell = ws.cell(row=row[0].row, column=2, value=values.pop(row[0].value))
            if isinstance(cell.value, dt.date):
                cell.number_format = "yyyy-mm-dd"
            else:
                cell.data_type = "s"
    ws = wb["班级名单"]
    for r, rec in enumerate(rows, start=2):
        for col, v in enumerate(rec, start=1):
            ws.cell(row=r, column=col, value=v).data_type = "s"
    dest.parent.mkdir(parents=True, exist_ok=True)
    wb.save(dest)
    return dest


def generate(out: Path, files: int, *, seed: int = 2026, jobs: int | None = None, mistake_rate: float = 0.10,
             numbering: str = "school", per_school_info: bool = False, quiet: bool = False) -> dict[str, Any]:
    t0 = time.perf_counter()
    inbox = out / "inbox"
    inbox.mkdir(parents=True, exist_ok=True)
    for old in inbox.glob("*.xlsx"):
        old.unlink()
    schools, expected = plan(files, seed, numbering)
    miss = set(random.Random(f"{seed}/missing").sample(range(expected), expected - files))
    tasks = [(i, name, [c for c in classes if c[2] not in miss], seed, mistake_rate, str(inbox))
             for i, (name, classes) in enumerate(schools)]
    jobs = jobs or os.cpu_count() or 1
    made: list[dict[str, Any]] = []
    if jobs > 1:
        with ProcessPoolExecutor(jobs) as pool:
            for part in pool.map(build_school, tasks, chunksize=max(1, len(tasks) // (jobs * 8))):
                made += part
    else:
        for t in tasks:
            made += build_school(t)
    # the county's list of expected classes (head teachers of the classes that sent nothing are made up)
    heads = {m["index"]: (m["head"], m["phone"]) for m in made}
    rows = []
    for name, classes in schools:
        for g, k, i in classes:
            head, phone = heads.get(i, ("（未交）", ""))
            rows.append((name, g, k, head, phone))
    write_school_info(out / "学校信息.xlsx", f"{COUNTY}教育局（{len(schools)} 所学校）",
                      [(g, k, h, p, s) for s, g, k, h, p in rows])  # 学校: the 5th, optional column
    if per_school_info:
        for name, classes in schools:
            write_school_info(out / "schools" / f"{name}_学校信息.xlsx", name,
                              [(g, k, h, p) for s, g, k, h, p in rows if s == name])
    manifest = {"seed": seed, "files": len(made), "schools": len(schools), "expected_classes": expected,
                "numbering": numbering, "roster_rows": sum(m["students"] for m in made),
                "contact_rows": sum(m["contacts"] for m in made),
                "files_with_mistakes": sum(1 for m in made if m["mistakes"]),
                "seconds": round(time.perf_counter() - t0, 1), "ledgers": sorted(made, key=lambda m: m["index"])}
    (out / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1, default=str), "utf-8")
    if not quiet:
        print(f"{out}: {manifest['files']} ledgers from {manifest['schools']} schools "
              f"({expected} classes expected), {manifest['roster_rows']} roster rows, "
              f"{manifest['contact_rows']} contact rows, {manifest['files_with_mistakes']} files with mistakes, "
              f"{manifest['seconds']} s")
    return manifest


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--files", type=int, default=200)
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--jobs", type=int, default=None)
    ap.add_argument("--mistakes", type=float, default=0.10, help="share of files with teachers' mistakes")
    ap.add_argument("--numbering", choices=["county", "school"], default="school")
    ap.add_argument("--school-info-per-school", action="store_true")
    a = ap.parse_args(argv)
    if a.out.resolve().is_relative_to(ROOT):
        ap.error("keep generated corpora outside the repository (e.g. under /tmp)")
    generate(a.out, a.files, seed=a.seed, jobs=a.jobs, mistake_rate=a.mistakes, numbering=a.numbering,
             per_school_info=a.school_info_per_school)
    return 0


if __name__ == "__main__":
    sys.exit(main())
