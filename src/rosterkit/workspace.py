"""A coordinator's working folder (``rosterkit init``): the workbooks to fill in, an inbox and a short guide.

Nothing that is already there is ever replaced: running it again, or on a folder in use, only adds what is
missing, so a filled-in 学校信息.xlsx cannot be lost to a second ``init``.
"""

from __future__ import annotations

import functools
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from rosterkit.core.template import default_path
from rosterkit.errors import InputError
from rosterkit.xlsx.atomic import create_new

SCHOOL_INFO, POLICY, INBOX, GUIDE = "学校信息.xlsx", "帮扶制度.xlsx", "收件箱", "使用说明.txt"

GUIDE_TEXT = f"""rosterkit 工作文件夹使用说明

这个文件夹里有：
  {SCHOOL_INFO}   先填好：学校名称、学年学期、填报截止日期，以及「班级名单」（每个应交的班级和班主任）。
  {POLICY}   谈心、家访、电话、评估的周期规则和校历。按本校制度修改；不改就按官方制度统计。
  {INBOX}/         把各班交回的台账放在这里（.xlsx、.xlsm、.xls、.ods 都可以，WPS 保存的也可以；不要改动老师的原文件）。

在这个文件夹里打开命令行，依次运行：

1. 下发台账：为每个班生成一份已填好学校、班级、班主任的台账，发给各班主任。
     rosterkit distribute --school-info {SCHOOL_INFO} -o 下发/
   下一轮可加 --from 上一轮的收件箱文件夹，每班的学生名单会预填好。

2. 收回台账：把交回的文件放进 {INBOX}/。

3. 核对、汇总和落实情况统计，一条命令完成：
     rosterkit report {INBOX}/ --school-info {SCHOOL_INFO} --policy {POLICY} -o 结果/
   结果/ 里有：
     核对/         每个有问题的文件的批注副本（发回给班主任修改）和全校的校验汇总
     学校花名册.xlsx   按上报格式排好的全校花名册
     帮扶落实情况.xlsx 各班、各教师、各学生的落实情况，逾期和即将到期名单
     发回各班/     每个班自己的台账，附「待办」和「校验结果」，发回给各班主任

4. 需要转发给他人时，在第 3 步的命令后加 --mask，得到身份证号、电话号码部分隐藏的脱敏版。

运行结束时，屏幕最后几行是本次的摘要（通过、有问题、未提交的班级、落实率、逾期人数）和各输出文件的位置。
某个文件打不开不会中断运行，原因写在 结果/核对/校验汇总.xlsx 里。命令没能运行时，屏幕上有一行「错误」说明原因。
"""


@dataclass
class InitResult:
    """What ``init_workspace`` did: the entries it made, and those already there that it left alone."""

    folder: Path
    created: list[Path] = field(default_factory=list)
    kept: list[Path] = field(default_factory=list)

    def lines(self) -> list[str]:
        """The Chinese lines the command prints: one per entry, then the next step."""
        out = [f"已建立：{p}" for p in self.created] + [f"已存在，未覆盖：{p}" for p in self.kept]
        out.append(f"下一步：填好 {self.folder / SCHOOL_INFO}，然后按 {self.folder / GUIDE} 中的步骤运行。")
        return out


def _copy(src: Path, tmp: Path) -> None:
    shutil.copyfile(src, tmp)


def _write_guide(path: Path) -> None:
    # UTF-8 with a BOM and CRLF line ends: Notepad before Windows 10 (1903) reads a file without a BOM as the
    # ANSI code page (GBK on Chinese Windows, so 乱码) and shows LF-only text as a single line; with both,
    # every Notepad, WPS and any other editor shows it right.
    path.write_text(GUIDE_TEXT, encoding="utf-8-sig", newline="\r\n")


def _why(exc: OSError) -> str:
    if isinstance(exc, PermissionError):
        return "没有写入权限，请换一个文件夹"
    if isinstance(exc, (NotADirectoryError, FileExistsError)):
        return "路径中有一部分是文件而不是文件夹"
    if isinstance(exc, FileNotFoundError):
        return "路径不存在"
    return "无法写入"


def init_workspace(folder: str | Path) -> InitResult:
    """Make ``folder`` a coordinator's working folder: copies of the official 学校信息.xlsx and 帮扶制度.xlsx
    to fill in, an empty 收件箱/ and 使用说明.txt. Existing entries are kept untouched (listed in ``kept``).

    Raises :class:`InputError` (nothing created) when ``folder`` or one of the entries exists but is of the
    wrong kind (a file where a folder belongs, or the reverse), or when the folder cannot be made.
    """
    root = Path(folder)
    if root.exists() and not root.is_dir():
        raise InputError(f"{root} 已存在，但不是文件夹：请换一个名字 / exists and is not a folder")
    wanted = {SCHOOL_INFO: "file", POLICY: "file", INBOX: "dir", GUIDE: "file"}
    for name, kind in wanted.items():
        p = root / name
        if p.exists() and p.is_dir() != (kind == "dir"):
            what = "文件夹" if kind == "dir" else "文件"
            raise InputError(f"{p} 已存在，但不是{what}：请改名或移走后再运行 / exists with the wrong kind")
    # The sources first: a missing official template stops the run before anything is made.
    sources = {SCHOOL_INFO: default_path("学校信息"), POLICY: default_path("帮扶制度")}
    result = InitResult(root)
    try:
        root.mkdir(parents=True, exist_ok=True)
        for name, src in sources.items():
            made = create_new(root / name, functools.partial(_copy, src))
            (result.created if made else result.kept).append(root / name)
        inbox = root / INBOX
        (result.kept if inbox.is_dir() else result.created).append(inbox)
        inbox.mkdir(exist_ok=True)
        made = create_new(root / GUIDE, _write_guide)
        (result.created if made else result.kept).append(root / GUIDE)
    except OSError as exc:
        raise InputError(f"无法在 {root} 中建立工作文件夹：{_why(exc)} / cannot make the folder: {exc}") from exc
    return result


__all__ = ["InitResult", "init_workspace", "GUIDE_TEXT"]
