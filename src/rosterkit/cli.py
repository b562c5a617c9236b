"""The command line: parse options → one library call → render → exit code. Work lives in the library."""

from __future__ import annotations

import datetime as dt
import sys
from typing import Any

import click

from rosterkit.errors import RosterkitError


class _Date(click.ParamType):
    name = "DATE"

    def convert(self, value: Any, param: Any, ctx: Any) -> dt.date:
        try:
            return dt.date.fromisoformat(str(value))
        except ValueError:
            self.fail(f"日期格式应为 YYYY-MM-DD：{value}", param, ctx)


def _scheduler(fn: Any) -> Any:
    return click.option("--scheduler", metavar="ADDRESS",
                        help="在 Dask 集群上核对各文件（需 rosterkit[dask]），如 tcp://10.0.0.5:8786")(fn)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="rosterkit")
def cli() -> None:
    """rosterkit：核对、汇总班级关爱帮扶台账 / check and merge class care-program ledgers."""


@cli.command("check")
@click.argument("inbox", nargs=-1, required=True, type=click.Path())
@click.option("-o", "--out", type=click.Path(file_okay=False), help="输出文件夹（默认：收件夹旁的 *_rosterkit）")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出结果")
@click.option("--as-of", type=_Date(), help="统计日期（默认今天）")
@click.option("--policy", type=click.Path(dir_okay=False), help="帮扶制度工作簿（默认官方模板）")
@click.option("--template", type=click.Path(dir_okay=False), help="班级帮扶台账模板（默认官方模板）")
@click.option("--mask", is_flag=True, help="校验汇总与 JSON 写脱敏版（批注副本发回本班，不脱敏）")
@click.option("-j", "--jobs", type=click.IntRange(min=1), help="并行进程数（默认：CPU 核数）")
@_scheduler
def check_cmd(inbox: tuple[str, ...], out: str | None, as_json: bool, as_of: dt.date | None,
              policy: str | None, template: str | None, mask: bool, jobs: int | None, scheduler: str | None) -> None:
    """核对收到的台账：每个文件的问题、批注副本和校验汇总。"""
    from rosterkit import render
    from rosterkit.batch import check
    from rosterkit.pipeline import dask_executor

    with _progress(as_json) as tick, dask_executor(scheduler) as executor:
        report = check(list(inbox), out=out, as_of=as_of, policy=policy, template=template, mask=mask,
                       progress=tick, jobs=jobs, executor=executor)
    click.echo(render.to_json(report.to_dict(mask=mask)) if as_json else render.check_text(report, mask=mask))
    sys.exit(0 if report.valid else 1)


@cli.command("merge")
@click.argument("inbox", nargs=-1, required=True, type=click.Path())
@click.option("-o", "--out", type=click.Path(file_okay=False), help="输出文件夹（默认：收件夹旁的 *_rosterkit）")
@click.option("--school-info", type=click.Path(dir_okay=False), help="学校信息工作簿（应交班级与班主任）")
@click.option("--mask", is_flag=True, help="写脱敏版：身份证号、电话号码部分隐藏")
@click.option("--include-invalid", is_flag=True, help="有错误的行也纳入花名册（标红）")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出结果")
@click.option("--as-of", type=_Date(), help="统计日期（默认今天）")
@click.option("--policy", type=click.Path(dir_okay=False), help="帮扶制度工作簿（默认官方模板）")
@click.option("-j", "--jobs", type=click.IntRange(min=1), help="并行进程数（默认：CPU 核数）")
@_scheduler
def merge_cmd(inbox: tuple[str, ...], out: str | None, school_info: str | None, mask: bool, include_invalid: bool,
              as_json: bool, as_of: dt.date | None, policy: str | None, jobs: int | None,
              scheduler: str | None) -> None:
    """汇总各班台账为全校花名册：提交情况、跨班重复与冲突、未纳入的行。"""
    from rosterkit import render
    from rosterkit.pipeline import dask_executor, merge_inbox

    with _progress(as_json) as tick, dask_executor(scheduler) as executor:
        result = merge_inbox(list(inbox), out=out, school_info=school_info, mask=mask,
                                   include_invalid=include_invalid, as_of=as_of, policy=policy, progress=tick,
                                   jobs=jobs, executor=executor)
    click.echo(render.to_json({**result.to_dict(mask=mask), "output": str(result.path)}) if as_json
               else render.merge_text(result))
    sys.exit(0 if result.report.valid and result.missing.empty else 1)


@cli.command("init")
@click.argument("folder", type=click.Path())
def init_cmd(folder: str) -> None:
    """建立工作文件夹：学校信息、帮扶制度、收件箱和使用说明（已有的文件不覆盖）。"""
    from rosterkit.workspace import init_workspace

    for line in init_workspace(folder).lines():
        click.echo(line)


@cli.command("distribute")
@click.option("--school-info", required=True, type=click.Path(dir_okay=False), help="学校信息工作簿")
@click.option("-o", "--out", required=True, type=click.Path(file_okay=False), help="输出文件夹")
@click.option("--from", "from_", type=click.Path(), help="上一轮的学校花名册或收件夹：按班预填学生")
def distribute_cmd(school_info: str, out: str, from_: str | None) -> None:
    """按学校信息为每个班生成一份台账（已填好学校、年级、班级、班主任）。"""
    from rosterkit.core.order import file_order_key
    from rosterkit.distribution import distribute

    sent = distribute(school_info, out, from_=from_)
    for x in sorted(sent.ledgers, key=lambda x: file_order_key(x.path.name)):
        click.echo(f"{x.path}（预填 {x.prefilled} 名学生）" if from_ else str(x.path))
    click.echo(f"共 {len(sent.ledgers)} 份台账" + (f"，预填 {sent.prefilled} 名学生" if from_ else "") + f"，已写入 {out}")
    if sent.unclaimed:
        click.echo(f"注意：上一轮有这些班级的学生，学校信息的班级名单里却没有：{'、'.join(sent.unclaimed)}。"
                   "他们没有预填进任何台账；如是改名或合并的班级，请改好班级名单后重新下发。")


@cli.command("changes")
@click.option("--store", required=True, type=click.Path(dir_okay=False), help="存档（report --store 写入的文件）")
@click.option("-o", "--out", type=click.Path(file_okay=False), help="输出文件夹（默认：存档所在的文件夹）")
@click.option("--since", type=_Date(), help="与此日期之前的最后一轮比较（默认：上一轮）")
@click.option("--scope", help="哪所学校（存档里有几所学校时；默认：最近存入的那一所）")
@click.option("--mask", is_flag=True, help="写脱敏版（身份证号、电话只留首尾）")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出变动")
def changes_cmd(store: str, out: str | None, since: dt.date | None, scope: str | None, mask: bool,
                as_json: bool) -> None:
    """最近一轮与上一轮相比：新增、离开的学生和信息变更（动态管理），写 变动情况.xlsx。"""
    from pathlib import Path

    from rosterkit import render
    from rosterkit.core.masking import mask_tree
    from rosterkit.history.changes import round_changes
    from rosterkit.outputs.changes import write_changes

    ch = round_changes(store, scope=scope, since=since)
    if ch is None:
        click.echo("存档里这所学校还不到两轮，没有可比较的上一轮：下一轮 report --store 之后再看。")
        sys.exit(0)
    path = write_changes(ch, Path(out) if out else Path(store).resolve().parent, mask=mask)
    if as_json:
        click.echo(render.to_json(mask_tree(ch.to_dict()) if mask else ch.to_dict()))
    else:
        click.echo(render.changes_text(ch, mask=mask))
        click.echo(f"变动情况：{path}")
    sys.exit(0)


@cli.command("dossier")
@click.option("--store", required=True, type=click.Path(dir_okay=False), help="存档（report --store 写入的文件）")
@click.option("-o", "--out", required=True, type=click.Path(file_okay=False), help="输出文件夹")
@click.option("--class", "klass", help="只写这个班，如 三年级1班（几所学校时：城南小学三年级1班）")
@click.option("--id", "id_number", help="只写这个学生（身份证号）")
@click.option("--scope", help="哪所学校（存档里有几所学校时；默认：最近存入的那一所）")
@click.option("--mask", is_flag=True, help="写脱敏版（身份证号、电话只留首尾）")
def dossier_cmd(store: str, out: str, klass: str | None, id_number: str | None, scope: str | None,
                mask: bool) -> None:
    """一生一档：每班一个工作簿，每名学生一页（档案卡、历次联系记录、学期评价、各学期落实情况）。"""
    from rosterkit.history.dossier import dossiers
    from rosterkit.outputs.dossier import write_dossiers

    found = dossiers(store, klass=klass, id_number=id_number, scope=scope)
    paths = write_dossiers(found, out, mask=mask)
    for p in paths:
        click.echo(str(p))
    contacts = sum(len(d.contacts) for d in found)
    click.echo(f"共 {len(found)} 名学生、{len(paths)} 个班，联系记录 {contacts} 条，已写入 {out}")
    sys.exit(0)


@cli.command("rollover")
@click.option("--store", required=True, type=click.Path(dir_okay=False), help="存档（report --store 写入的文件）")
@click.option("--school-info", required=True, type=click.Path(dir_okay=False), help="下学年的学校信息工作簿")
@click.option("-o", "--out", required=True, type=click.Path(file_okay=False), help="输出文件夹")
@click.option("--teacher-left", "teachers_left", multiple=True, help="离任的帮扶教师（可写多次）：其学生需重新结对")
@click.option("--scope", help="哪所学校（存档里有几所学校时；默认：最近存入的那一所）")
def rollover_cmd(store: str, school_info: str, out: str, teachers_left: tuple[str, ...], scope: str | None) -> None:
    """学年交接：按存档最近一轮生成下学年各班台账（学生升一个年级，帮扶教师随学生），并写 交接清单.xlsx。"""
    from rosterkit.distribution import rollover

    done = rollover(store, school_info, out, teachers_left=teachers_left, scope=scope)
    plan = done.plan
    click.echo(f"下学年台账 {len(done.sent.ledgers)} 份，带入学生 {len(plan.staying)} 名；离开 {len(plan.leaving)} 名"
               f"（毕业 {sum(m.why.startswith('毕业') for m in plan.leaving)} 名）")
    unplaced = [m for m in plan.leaving if m.why.startswith("未分到")]
    if unplaced:
        click.echo(f"注意：{len(unplaced)} 名学生没有对应的下学年班级，见交接清单「离开」表，请分班后补进台账")
    pair = [m for m in plan.staying if m.mentor_left or not m.record.get("mentor")]
    if pair:
        click.echo(f"需重新安排帮扶教师：{len(pair)} 名（交接清单「需重新结对」表）")
    if plan.new_classes:
        click.echo(f"没有学生升入的班级：{'、'.join(c.label for c in plan.new_classes)}（台账是空的）")
    click.echo(f"交接清单：{done.handover}")
    sys.exit(0)


@cli.command("review")
@click.option("--store", required=True, type=click.Path(dir_okay=False), help="存档（report --store 写入的文件）")
@click.option("--year", required=True, help="学年，如 2026-2027")
@click.option("-o", "--out", type=click.Path(file_okay=False), help="输出文件夹（默认：存档所在的文件夹）")
@click.option("--policy", type=click.Path(dir_okay=False), help="帮扶制度工作簿（其「考核」表给出权重；默认官方模板）")
@click.option("--scope", help="哪所学校（存档里有几所学校时；默认：最近存入的那一所）")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出考核结果")
def review_cmd(store: str, year: str, out: str | None, policy: str | None, scope: str | None, as_json: bool) -> None:
    """帮扶教师学年考核：各学期落实率、未达标周期、各轮逾期学生和得分（按帮扶制度「考核」表的权重），写 学年考核.xlsx。"""
    from pathlib import Path

    from rosterkit import render
    from rosterkit.history.review import review
    from rosterkit.outputs.review import write_review

    rv = review(store, year, policy=policy, scope=scope)
    path = write_review(rv, Path(out) if out else Path(store).resolve().parent)
    if as_json:
        click.echo(render.to_json(rv.to_dict()))
    else:
        click.echo(render.review_text(rv))
        click.echo(f"学年考核：{path}")
    sys.exit(0)


@cli.command("cadence")
@click.argument("inbox", nargs=-1, required=True, type=click.Path())
@click.option("-o", "--out", type=click.Path(file_okay=False), help="输出文件夹（默认：收件夹旁的 *_rosterkit）")
@click.option("--school-info", type=click.Path(dir_okay=False), help="学校信息工作簿")
@click.option("--as-of", type=_Date(), help="统计日期（默认今天）")
@click.option("--policy", type=click.Path(dir_okay=False), help="帮扶制度工作簿（默认官方模板）")
@click.option("--mask", is_flag=True, help="落实情况与 JSON 写脱敏版")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出结果")
@click.option("-j", "--jobs", type=click.IntRange(min=1), help="并行进程数（默认：CPU 核数）")
@click.option("--due-within", type=click.IntRange(min=0), default=3, show_default=True, help="几天内到期算「即将到期」")
@click.option("--load-limit", type=click.IntRange(min=1), help="每位帮扶教师结对学生数上限（默认 5），超出时提醒")
@_scheduler
def cadence_cmd(inbox: tuple[str, ...], out: str | None, school_info: str | None, as_of: dt.date | None,
                policy: str | None, mask: bool, as_json: bool, jobs: int | None, due_within: int,
                load_limit: int | None, scheduler: str | None) -> None:
    """帮扶落实情况：每名学生、每位教师、每个班的谈心、家访等是否按制度完成，逾期和即将到期名单。"""
    from rosterkit import render
    from rosterkit.pipeline import cadence_inbox, dask_executor

    with _progress(as_json) as tick, dask_executor(scheduler) as executor:
        run = cadence_inbox(list(inbox), out=out, school_info=school_info, as_of=as_of, policy=policy, mask=mask,
                            progress=tick, jobs=jobs, due_within=due_within, load_limit=load_limit,
                            executor=executor)
    assert run.cadence is not None
    click.echo(render.to_json(run.cadence.to_dict(mask=mask)) if as_json else render.cadence_text(run))
    sys.exit(1 if len(run.cadence.overdue) else 0)


@cli.command("report")
@click.argument("inbox", nargs=-1, required=True, type=click.Path())
@click.option("-o", "--out", type=click.Path(file_okay=False), help="输出文件夹（默认：收件夹旁的 *_rosterkit）")
@click.option("--school-info", type=click.Path(dir_okay=False), help="学校信息工作簿（应交班级与班主任）")
@click.option("--as-of", type=_Date(), help="统计日期（默认今天）")
@click.option("--policy", type=click.Path(dir_okay=False), help="帮扶制度工作簿（默认官方模板）")
@click.option("--mask", is_flag=True, help="花名册、落实情况、校验汇总与 JSON 写脱敏版")
@click.option("--include-invalid", is_flag=True, help="有错误的行也纳入花名册（标红）")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出摘要")
@click.option("-j", "--jobs", type=click.IntRange(min=1), help="并行进程数（默认：CPU 核数）")
@click.option("--due-within", type=click.IntRange(min=0), default=3, show_default=True, help="几天内到期算「即将到期」")
@click.option("--load-limit", type=click.IntRange(min=1), help="每位帮扶教师结对学生数上限（默认 5），超出时提醒")
@click.option("--store", type=click.Path(dir_okay=False), help="把这一轮存入存档（SQLite 文件，没有时新建）")
@_scheduler
def report_cmd(inbox: tuple[str, ...], out: str | None, school_info: str | None, as_of: dt.date | None,
               policy: str | None, mask: bool, include_invalid: bool, as_json: bool, jobs: int | None,
               due_within: int, load_limit: int | None, store: str | None, scheduler: str | None) -> None:
    """一条命令完成核对、汇总和落实情况统计（德育处老师常用）。"""
    from rosterkit import render
    from rosterkit.core.masking import mask_tree
    from rosterkit.pipeline import dask_executor, report_inbox

    with _progress(as_json) as tick, dask_executor(scheduler) as executor:
        run = report_inbox(list(inbox), out=out, school_info=school_info, as_of=as_of, policy=policy, mask=mask,
                           include_invalid=include_invalid, progress=tick, jobs=jobs, due_within=due_within,
                           load_limit=load_limit, executor=executor, store=store)
    click.echo(render.to_json(mask_tree(run.summary()) if mask else run.summary()) if as_json
               else render.run_text(run, mask=mask))
    assert run.merge is not None and run.cadence is not None
    sys.exit(0 if run.check.valid and run.merge.missing.empty and run.cadence.overdue.empty else 1)


@cli.command("serve")
@click.option("--folder", type=click.Path(file_okay=False), default="rosterkit_网页", show_default=True,
              help="各轮上传的文件和结果放在这里")
@click.option("--host", default="127.0.0.1", show_default=True, help="监听地址；不是本机时必须设密码")
@click.option("--port", type=click.IntRange(1, 65535), default=8765, show_default=True, help="端口")
@click.option("--password-file", type=click.Path(dir_okay=False), help="密码文件（第一行是密码；也可用环境变量 ROSTERKIT_PASSWORD）")
@click.option("--open", "open_browser", is_flag=True, help="启动后打开浏览器")
@click.option("--store", type=click.Path(dir_okay=False), help="每一轮存入这个存档，页面上可看变动和一生一档（只限本机）")
@click.option("--keep-days", type=click.FloatRange(min=0.01), default=7.0, show_default=True, help="各轮保留几天")
@click.option("--max-file-mb", type=click.FloatRange(min=0.01), default=20.0, show_default=True, help="每个文件的大小上限")
@click.option("--max-round-mb", type=click.FloatRange(min=0.01), default=300.0, show_default=True, help="一轮文件的总大小上限")
@click.option("--round-minutes", type=click.FloatRange(min=0.1), default=60.0, show_default=True, help="一轮最长运行时间")
@click.option("-j", "--jobs", type=click.IntRange(min=1), help="每轮的并行进程数（默认：CPU 核数）")
def serve_cmd(folder: str, host: str, port: int, password_file: str | None, open_browser: bool, store: str | None,
              keep_days: float, max_file_mb: float, max_round_mb: float, round_minutes: float,
              jobs: int | None) -> None:
    """网页版：在浏览器里上传各班台账，看核对进度、问题清单，下载花名册等结果（给不用命令行的老师）。"""
    from rosterkit.serve import Limits, password_from, serve

    limits = Limits(file_bytes=int(max_file_mb * 2**20), round_bytes=int(max_round_mb * 2**20),
                    keep=dt.timedelta(days=keep_days), round_seconds=round_minutes * 60)
    serve(folder, host=host, port=port, password=password_from(password_file), open_browser=open_browser,
          store=store, limits=limits, jobs=jobs)


class _progress:
    """A progress bar on stderr when there are many files and the output is not JSON."""

    MIN_FILES = 20

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet
        self.bar: Any = None

    def __enter__(self) -> Any:
        def tick(done: int, total: int, result: Any) -> None:
            if self.quiet or total < self.MIN_FILES:
                return
            if self.bar is None:
                self.bar = click.progressbar(length=total, label="核对中", file=sys.stderr)
                self.bar.__enter__()
            self.bar.update(1)
        return tick

    def __exit__(self, *exc: Any) -> None:
        if self.bar is not None:
            self.bar.__exit__(*exc)


def main() -> None:
    """Entry point: a library error that stops the work is one line on stderr and exit code 2."""
    try:
        cli.main(standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(2)
    except click.Abort:
        sys.exit(2)
    except RosterkitError as exc:
        click.echo(f"错误：{exc}", err=True)
        sys.exit(2)
