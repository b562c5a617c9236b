"""Issue 6: every hostile file gets a status and a coded problem, the run always finishes, outputs are safe."""

from __future__ import annotations

import hashlib
import json
import multiprocessing as mp
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import zipfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import openpyxl
import pytest

import hostile
from builders import AS_OF, ledger, student
from rosterkit import check
from rosterkit.runtime import isolate
from rosterkit.distribution import SUFFIX, safe_name
from rosterkit.issues import CODES
from rosterkit.checking.report import CheckReport, FileResult
from rosterkit.checking.textsheets import read_text_sheets
from rosterkit.xlsx.atomic import atomic_output

CHECK = sys.modules["rosterkit.checking.run"]  # the module (rosterkit.checking.run is also the function)
CALAMINE = Path(__file__).resolve().parent / "corpus" / "calamine"
SUFFIXES = (".xls", ".xlsx", ".xlsm", ".xlsb", ".ods")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return hostile.build(tmp_path_factory.mktemp("hostile") / "收件箱")


@pytest.fixture(scope="module")
def run(corpus: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> tuple[CheckReport, dict[str, str]]:
    folder = next(iter(corpus.values())).parent
    before = _hashes(folder)
    report = check(folder, out=tmp_path_factory.mktemp("out") / "结果", as_of=AS_OF)
    assert _hashes(folder) == before  # the teachers' files are only ever read
    return report, {p.name: kind for kind, p in corpus.items()}


def _hashes(*folders: Path) -> dict[str, str]:
    return {str(p): hashlib.sha256(p.read_bytes()).hexdigest() for f in folders for p in sorted(f.iterdir())
            if p.is_file()}


def _file(run: tuple[CheckReport, dict[str, str]], kind: str) -> FileResult:
    report, kinds = run
    return next(f for f in report.files if kinds[f.name] == kind)


# kind → (status, codes that must be there, a word the first message must contain)
EXPECTED: dict[str, tuple[str, set[str], str]] = {
    "zip-bomb": ("unreadable", {"file-too-large"}, "200 MB"),
    "ratio-bomb": ("unreadable", {"file-too-large"}, "压缩比"),
    "lying-bomb": ("unreadable", {"file-unreadable"}, "无法打开"),
    "zip": ("unreadable", {"file-not-spreadsheet"}, "解压"),
    "truncated": ("unreadable", {"file-unreadable"}, "不完整"),
    "empty": ("unreadable", {"file-empty"}, "0 字节"),
    "docx": ("unreadable", {"file-not-spreadsheet"}, "Word"),
    "pdf": ("unreadable", {"file-not-spreadsheet"}, "PDF"),
    "photo": ("unreadable", {"file-not-spreadsheet"}, "图片"),
    "encrypted": ("unreadable", {"file-encrypted"}, "密码"),
    "html": ("problems", {"file-text-table", "sheet-missing"}, "网页"),
    "csv": ("problems", {"file-text-table", "sheet-missing"}, "CSV"),
    "xml2003": ("problems", {"file-text-table", "sheet-missing"}, "2003"),
    "macro": ("ok", {"file-macro"}, "从不运行宏"),
    "million-rows": ("problems", {"id-checksum"}, "校验位"),
    "merged": ("ok", {"cell-merged"}, "合并"),  # 类别 merged over three students is each one's (自动修正)
    "hidden": ("ok", {"hidden-content"}, "隐藏"),
    "formulas": ("problems", {"formula-no-value", "required-missing"}, ""),
    "date1904": ("ok", set(), ""),
    "long-cells": ("ok", {"cell-too-long"}, "32767"),
    "header-row-30": ("ok", set(), ""),
    "formula-text": ("problems", {"phone-invalid"}, ""),
    "old-version": ("ok", {"template-version"}, "2025.1"),
    "other-template": ("problems", {"template-unknown"}, "模板"),
    "xlsx-as-xls": ("ok", {"file-misnamed"}, ".xlsx"),
    "xls-as-xlsx": ("problems", {"file-misnamed"}, ".xls"),
}


def test_every_builder_has_an_expectation() -> None:
    assert set(EXPECTED) == set(hostile.BUILDERS)


@pytest.mark.parametrize("kind", sorted(EXPECTED))
def test_hostile_file_gets_status_and_codes(run: tuple[CheckReport, dict[str, str]], kind: str) -> None:
    f = _file(run, kind)
    status, codes, word = EXPECTED[kind]
    assert f.status == status, [i.code for i in f.issues]
    assert codes <= {i.code for i in f.issues}
    assert all(i.code in CODES and i.message for i in f.issues)
    assert word in (f.issues[0].message if f.issues else "")
    if status == "unreadable":
        assert len(f.issues) == 1 and f.annotated is None and f.rows == {"roster": 0, "log": 0}
    elif f.issues:  # a status with problems or warnings comes with a copy that opens
        assert f.annotated is not None and f.annotated.suffix == ".xlsx"
        openpyxl.load_workbook(f.annotated, read_only=True).close()


@pytest.mark.parametrize("kind", ["html", "csv", "xml2003", "xlsx-as-xls", "million-rows", "date1904",
                                  "header-row-30", "macro", "hidden"])
def test_readable_hostile_files_give_their_students(run: tuple[CheckReport, dict[str, str]], kind: str) -> None:
    f = _file(run, kind)
    roster = f.frames["roster"]
    assert f.rows["roster"] == 3
    assert list(roster["name"]) == [student(i)["姓名"] for i in range(3)]
    assert [str(v) for v in roster["id_number"]] == [student(i)["身份证号"] for i in range(3)] or kind == "million-rows"
    if kind != "csv" and kind != "html" and kind != "xml2003":
        assert list(roster["birth_date"]) == [student(i)["出生日期"] for i in range(3)]  # 1904 dates too


def test_places_of_layout_problems(run: tuple[CheckReport, dict[str, str]]) -> None:
    def places(kind: str, *codes: str) -> list[list[Any]]:
        return [[i.sheet, i.cell, i.code] for i in _file(run, kind).issues if i.code in codes]
    assert places("merged", "cell-merged") == [["花名册", "J3", "cell-merged"], ["花名册", "W4", "cell-merged"]]
    assert [[x.cell, x.before] for x in _file(run, "merged").fixes] == [["J4", "合并单元格 J3:J5 的内容"],
                                                                        ["J5", "合并单元格 J3:J5 的内容"]]
    assert places("hidden", "hidden-content") == [
        ["花名册", "E2", "hidden-content"], ["花名册", "A4", "hidden-content"], ["帮扶记录", None, "hidden-content"]]
    # 序号 formulas have saved results and are read; only the one without a result is reported, and first:
    # it explains why the cell reads as blank
    assert places("formulas", "formula-no-value", "required-missing") == [
        ["花名册", "F4", "formula-no-value"], ["花名册", "F4", "required-missing"]]
    assert list(_file(run, "formulas").frames["roster"]["seq"]) == [1, 2, 3]
    assert places("long-cells", "cell-too-long") == [["花名册", "W4", "cell-too-long"]]
    assert _file(run, "header-row-30").frames["roster"].index.tolist() == [31, 32, 33]


def test_macros_never_reach_the_copy(run: tuple[CheckReport, dict[str, str]]) -> None:
    f = _file(run, "macro")
    assert f.annotated is not None and f.annotated.name == "带宏_校验结果.xlsx"
    with zipfile.ZipFile(f.annotated) as zf:
        assert not [n for n in zf.namelist() if "vba" in n.lower()]
        assert b"macroEnabled" not in zf.read("[Content_Types].xml")
    assert "去掉宏" in openpyxl.load_workbook(f.annotated)["校验结果"]["A2"].value


def test_copies_cut_long_cells_and_keep_formula_text(run: tuple[CheckReport, dict[str, str]]) -> None:
    long_copy = openpyxl.load_workbook(_file(run, "long-cells").annotated)
    assert long_copy["花名册"]["W4"].value == hostile.LONG_TEXT[:32767]
    ws = openpyxl.load_workbook(_file(run, "formula-text").annotated)["花名册"]
    for cell, text in hostile.FORMULA_TEXT.items():
        assert (ws[cell].value, ws[cell].data_type) == (text, "s")


def test_huge_sheet_copy_is_rebuilt_from_values(run: tuple[CheckReport, dict[str, str]]) -> None:
    wb = openpyxl.load_workbook(_file(run, "million-rows").annotated)
    assert "解压后" in wb["校验结果"]["A2"].value
    assert wb["花名册"].max_row < 100 and wb["花名册"]["D4"].fill.fgColor.rgb.endswith("FFC7CE")


def _cli(args: list[str], env: dict[str, str] | None = None, **kw: Any) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "rosterkit", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env={**os.environ, **(env or {})}, **kw)


def test_cli_over_hostile_and_calamine_corpus(corpus: dict[str, Path], tmp_path: Path) -> None:
    inbox = next(iter(corpus.values())).parent
    before = _hashes(inbox, CALAMINE)
    # A wrapper reports the peak memory of the CLI and every worker it started (RUSAGE_CHILDREN is the max).
    wrapper = ("import json, resource, subprocess, sys, time; t = time.monotonic(); "
               "p = subprocess.run(sys.argv[1:], capture_output=True, text=True); "
               "print(json.dumps({'rc': p.returncode, 'out': p.stdout, 'err': p.stderr, 'secs': time.monotonic() - t,"
               " 'kb': resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}))")
    proc = subprocess.run([sys.executable, "-c", wrapper, sys.executable, "-m", "rosterkit", "check", str(inbox),
                           str(CALAMINE), "-o", str(tmp_path / "out"), "--json", "--as-of", "2026-11-23"],
                          capture_output=True, text=True, timeout=600,
                          env={**os.environ, "ROSTERKIT_TIME_LIMIT": "10"})  # any file over 10 s: file-timeout
    res = json.loads(proc.stdout)
    assert "Traceback" not in res["err"] and "Traceback" not in proc.stderr, res["err"][-2000:]
    assert res["rc"] == 1
    files = json.loads(res["out"])["files"]
    names = [p.name for p in corpus.values()] + [p.name for p in CALAMINE.iterdir() if p.suffix.lower() in SUFFIXES]
    assert sorted(Path(f["path"]).name for f in files) == sorted(names)
    assert all(f["status"] in ("ok", "problems", "unreadable") and f["status"] for f in files)
    assert not [f["path"] for f in files if any(i["code"] == "file-timeout" for i in f["issues"])]
    assert res["kb"] < 1024 * 1024, f"peak memory {res['kb'] // 1024} MB"
    assert _hashes(inbox, CALAMINE) == before
    outputs = list((tmp_path / "out").iterdir())
    assert not [p for p in outputs if p.name.startswith(".rosterkit-")]
    for p in outputs:
        openpyxl.load_workbook(p, read_only=True).close()


@pytest.mark.parametrize("command", ["merge", "cadence", "report"])
def test_every_command_over_the_hostile_corpus(corpus: dict[str, Path], tmp_path: Path, command: str) -> None:
    """Not only check: the commands that hand copies back read each file again (an .xls renamed .xlsx once
    stopped cadence with a traceback, since openpyxl cannot load it)."""
    inbox = next(iter(corpus.values())).parent
    proc = subprocess.run([sys.executable, "-m", "rosterkit", command, str(inbox), "-o", str(tmp_path / "out"),
                           "--as-of", "2026-11-23"], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr and "错误" not in proc.stderr, proc.stderr[-2000:]
    if command != "merge":
        returned = {p.name for p in (tmp_path / "out" / "发回各班").iterdir()}
        assert f"{corpus['xls-as-xlsx'].stem}_发回.xlsx" in returned
        for name in returned:
            openpyxl.load_workbook(tmp_path / "out" / "发回各班" / name, read_only=True).close()


@pytest.fixture
def three(tmp_path: Path) -> list[Path]:
    inbox = tmp_path / "收件箱"
    return [ledger(inbox, f"{n}.xlsx") for n in ("一班", "二班", "三班")]


def _misbehave(monkeypatch: pytest.MonkeyPatch, name: str, action: Any) -> None:
    """Make the worker's check of the file ``name`` misbehave. The workers are forked here, whatever threads
    earlier tests left behind, so they see the patch."""
    monkeypatch.setattr(isolate, "_context", lambda: mp.get_context("fork"))
    real = CHECK.prepare_file

    def patched(path: Path, *args: Any, **kw: Any) -> FileResult:
        if path.name == name:
            action()
        return real(path, *args, **kw)
    monkeypatch.setattr(CHECK, "prepare_file", patched)


def test_a_stuck_file_is_stopped_and_the_others_finish(three: list[Path], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROSTERKIT_TIME_LIMIT", "2")
    _misbehave(monkeypatch, "二班.xlsx", lambda: time.sleep(600))
    start = time.monotonic()
    report = check(three, as_of=AS_OF, write=False, jobs=2)
    assert time.monotonic() - start < 10
    assert [(f.name, f.status, [i.code for i in f.issues]) for f in report.files] == [
        ("一班.xlsx", "ok", []), ("二班.xlsx", "unreadable", ["file-timeout"]), ("三班.xlsx", "ok", [])]
    assert "2 秒" in report.files[1].issues[0].message


@pytest.mark.parametrize("bad", ["一班.xlsx", "二班.xlsx"])
def test_the_file_queued_behind_a_stuck_or_dying_one_is_still_checked(
        three: list[Path], monkeypatch: pytest.MonkeyPatch, bad: str) -> None:
    """One worker holds several files at once (isolate.DEPTH): when the first overruns or kills the worker, the
    others go back to the queue and are checked by a fresh worker, not reported as crashed."""
    monkeypatch.setenv("ROSTERKIT_TIME_LIMIT", "2")
    _misbehave(monkeypatch, bad, (lambda: time.sleep(600)) if bad == "一班.xlsx" else (lambda: os._exit(3)))
    report = check(three, as_of=AS_OF, write=False, jobs=1)
    expected = {"一班.xlsx": "file-timeout", "二班.xlsx": "file-crashed"}
    assert [(f.name, [i.code for i in f.issues]) for f in report.files] == [
        (name, [expected[bad]] if name == bad else []) for name in ("一班.xlsx", "二班.xlsx", "三班.xlsx")]


@pytest.mark.parametrize("action,code", [
    (lambda: os.kill(os.getpid(), signal.SIGKILL), "file-crashed"),
    (lambda: os._exit(3), "file-crashed"),
    (lambda: [][0], "file-crashed"),
    (lambda: bytearray(1 << 30), "file-too-large"),  # over the 200 MB memory cap set below
], ids=["sigkill", "exit", "bug", "memory"])
def test_a_dying_worker_costs_only_its_file(three: list[Path], monkeypatch: pytest.MonkeyPatch, action: Any,
                                            code: str) -> None:
    monkeypatch.setenv("ROSTERKIT_MEMORY_MB", "200")
    _misbehave(monkeypatch, "二班.xlsx", action)
    seen: list[int] = []
    report = check(three, as_of=AS_OF, write=False, jobs=1, progress=lambda n, total, r: seen.append(n))
    assert [(f.status, [i.code for i in f.issues]) for f in report.files] == [
        ("ok", []), ("unreadable", [code]), ("ok", [])]
    assert seen == [1, 2, 3]


def test_a_broken_executor_gives_codes_not_exceptions(three: list[Path], monkeypatch: pytest.MonkeyPatch) -> None:
    _misbehave(monkeypatch, "二班.xlsx", lambda: os._exit(3))
    with ProcessPoolExecutor(1) as pool:
        report = check(three, as_of=AS_OF, write=False, executor=pool)
    assert report.files[1].status == "unreadable" and report.files[1].issues[0].code == "file-crashed"
    assert all(f.status in ("ok", "unreadable") for f in report.files)


def test_fork_only_while_no_other_thread_runs() -> None:
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert isolate._context().get_start_method() in ("forkserver", "spawn")
    finally:
        stop.set()
        other.join()


@pytest.mark.parametrize("method", ["forkserver", "spawn"])
def test_other_start_methods_give_the_same_report(method: str, monkeypatch: pytest.MonkeyPatch) -> None:
    inbox = Path(__file__).resolve().parents[1] / "examples" / "inbox"
    monkeypatch.setattr(isolate, "_context", lambda: mp.get_context("fork"))
    forked = check(inbox, as_of=AS_OF, write=False)
    monkeypatch.setattr(isolate, "_context", lambda: mp.get_context(method))
    assert check(inbox, as_of=AS_OF, write=False).to_dict() == forked.to_dict()
    monkeypatch.setenv("ROSTERKIT_MAX_XML_MB", "0.01")  # this run's settings reach workers of any start method
    tiny = check(inbox, as_of=AS_OF, write=False)
    assert [[i.code for i in f.issues] for f in tiny.files] == [["file-too-large"]] * 6


def test_wrong_things_in_the_inbox_are_answered_not_skipped(tmp_path: Path) -> None:
    inbox = tmp_path / "收件箱"
    inbox.mkdir()
    shutil.copy(hostile.pdf_renamed(tmp_path), inbox / "三年级2班.pdf")
    shutil.copy(hostile.csv_export(tmp_path), inbox / "三年级3班.csv")
    shutil.copy(Path(__file__).resolve().parents[1] / "examples" / "inbox" / "六年级1班_帮扶台账.xls",
                inbox / "六年级1班.et")  # WPS 表格's own extension
    (inbox / "说明.txt").write_text("not a return")
    report = check(inbox, as_of=AS_OF, write=False)
    assert [(f.name, f.status, f.issues[0].code) for f in report.files] == [
        ("三年级2班.pdf", "unreadable", "file-not-spreadsheet"), ("三年级3班.csv", "problems", "file-text-table"),
        ("六年级1班.et", "problems", "file-misnamed")]
    assert report.files[2].rows["roster"] == 12


def test_text_exports_as_tables() -> None:
    # Excel's "Unicode text": UTF-16 with BOM, tab separated; IDs stay text, not numbers
    utf16 = "姓名\t身份证号\r\n张小明\t430121201701010012\r\n".encode("utf-16")
    assert read_text_sheets(utf16, "csv") == {"Sheet1": [["姓名", "身份证号"], ["张小明", "430121201701010012"]]}
    html = ("<table><tr><td rowspan=2>一班</td><td colspan=2>张三</td></tr><tr><td>男</td><td>9</td></tr>"
            "<tr><td>二班<br>（转入）</td><td><table><tr><td>嵌套</td></tr></table></td></tr></table>")
    assert read_text_sheets(html.encode("gbk"), "html") == {"Sheet1": [
        ["一班", "张三", None], [None, "男", "9"], ["二班\n（转入）", "嵌套"]]}
    with pytest.raises(ValueError):
        read_text_sheets(b"<html><body>no table here</body></html>", "html")


def test_limits_are_configurable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = hostile.ratio_bomb(tmp_path)  # 24 MB of XML: fine under the default, too much under a 10 MB limit
    monkeypatch.setenv("ROSTERKIT_MAX_XML_MB", "10")
    f = check([path], as_of=AS_OF, write=False).files[0]
    assert [i.code for i in f.issues] == ["file-too-large"] and "10 MB" in f.issues[0].message


def _problem_inbox(folder: Path, n: int) -> Path:
    bad = [student(0, 身份证号="430121201701010000"), student(1, 监护人电话="123"), student(2)]
    for i in range(n):
        ledger(folder, f"班级{i:02d}.xlsx", students=bad)
    return folder


def _finals(out: Path) -> list[Path]:
    """Workbooks under a final name (pathlib's glob also matches the hidden temporary files)."""
    return [p for p in out.glob("*.xlsx") if not p.name.startswith(".")] if out.exists() else []


def test_sigkill_while_writing_leaves_no_broken_workbook(tmp_path: Path) -> None:
    inbox = _problem_inbox(tmp_path / "收件箱", 12)
    killed_mid_write = 0
    for attempt in range(3):
        out = tmp_path / f"out{attempt}"
        proc = _cli(["check", str(inbox), "-o", str(out), "--as-of", "2026-11-23"])
        deadline = time.monotonic() + 60
        while proc.poll() is None and time.monotonic() < deadline:
            temps = list(out.glob(".rosterkit-*")) if out.exists() else []
            finals = _finals(out)
            if temps and len(finals) >= attempt * 3:  # kill at different points of the writing
                proc.send_signal(signal.SIGKILL)
                killed_mid_write += 1
                break
            time.sleep(0.002)
        proc.wait(timeout=60)
        for p in _finals(out):  # every workbook under a final name is complete
            openpyxl.load_workbook(p, read_only=True).close()
    assert killed_mid_write >= 2


def test_two_runs_into_one_folder(tmp_path: Path) -> None:
    inbox = _problem_inbox(tmp_path / "收件箱", 6)
    out = tmp_path / "结果"
    procs = [_cli(["check", str(inbox), "-o", str(out), "--as-of", "2026-11-23"]) for _ in range(2)]
    for p in procs:
        _, err = p.communicate(timeout=300)
        assert p.returncode == 1 and "Traceback" not in err
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted([f"班级{i:02d}_校验结果.xlsx" for i in range(6)] + ["校验汇总.xlsx"])
    for p in out.iterdir():
        openpyxl.load_workbook(p, read_only=True).close()


def test_atomic_output_keeps_the_old_file_when_writing_fails(tmp_path: Path) -> None:
    dest = tmp_path / "结果.xlsx"
    dest.write_bytes(b"old")
    with pytest.raises(RuntimeError), atomic_output(dest) as tmp:
        tmp.write_bytes(b"half")
        raise RuntimeError("interrupted")
    assert dest.read_bytes() == b"old" and sorted(tmp_path.iterdir()) == [dest]
    with atomic_output(dest) as tmp:
        assert tmp.parent == dest.parent and tmp.name.startswith(".rosterkit-")
        tmp.write_bytes(b"new")
    assert dest.read_bytes() == b"new" and sorted(tmp_path.iterdir()) == [dest]


@pytest.mark.parametrize("label", ["../../etc/passwd", "..", "C:\\Windows\\三年级", "CON", "nul.txt", "三年级\u202e2班",
                                   "班级\x00名", "中" * 200, "   ", "a/b\\c:d*e?f\"g<h>i|j"])
def test_names_from_sheet_data_stay_in_the_folder(tmp_path: Path, label: str) -> None:
    name = safe_name(label)
    assert name and not name.startswith(".") and not set(name) & set('/\\:*?"<>|\x00\u202e')
    assert name.split(".")[0].upper() not in ("CON", "PRN", "AUX", "NUL")
    dest = tmp_path / f"{name}{SUFFIX}"
    dest.write_bytes(b"x")  # a legal, not too long name
    assert dest.resolve().parent == tmp_path.resolve()


def test_returned_class_copy_of_a_macro_workbook_has_no_macros(tmp_path: Path) -> None:
    from builders import AS_OF
    from hostile import with_macro
    from rosterkit.pipeline import report_inbox

    box = tmp_path / "inbox"
    box.mkdir()
    made = with_macro(tmp_path / "made")
    made.rename(box / made.name)
    run = report_inbox(box, out=tmp_path / "out", as_of=AS_OF)
    back = sorted((tmp_path / "out" / "发回各班").iterdir())
    assert [p.name for p in back] == ["带宏_发回.xlsx"]
    with zipfile.ZipFile(back[0]) as zf:
        assert not [n for n in zf.namelist() if "vba" in n.lower()]
        assert b"macroEnabled" not in zf.read("[Content_Types].xml")
    assert openpyxl.load_workbook(back[0]).sheetnames[0] == "待办"
    assert run.check.files[0].annotated is not None and run.check.files[0].annotated.suffix == ".xlsx"
