"""benchmarks/compare_outputs.py: two runs of the same code compare equal; a changed cell does not."""

from __future__ import annotations

import importlib.util
import shutil
import time
from pathlib import Path

import openpyxl
import xlsxwriter

_spec = importlib.util.spec_from_file_location(
    "compare_outputs", Path(__file__).resolve().parents[1] / "benchmarks" / "compare_outputs.py")
assert _spec is not None and _spec.loader is not None
compare_outputs = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(compare_outputs)


def _book(path: Path, value: str) -> None:
    wb = xlsxwriter.Workbook(str(path))
    wb.add_worksheet("花名册").write(0, 0, value)
    wb.close()


def test_the_same_workbooks_written_at_other_times_compare_equal(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    _book(tmp_path / "a" / "x.xlsx", "张三")
    (tmp_path / "a" / "x.json").write_text("{}", "utf-8")
    time.sleep(1.1)  # core.xml's created/modified stamps differ by a second
    _book(tmp_path / "b" / "x.xlsx", "张三")
    shutil.copy(tmp_path / "a" / "x.json", tmp_path / "b" / "x.json")
    assert compare_outputs.compare(tmp_path / "a", tmp_path / "b") == []


def test_a_changed_cell_a_changed_file_and_a_missing_file_are_each_named(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    _book(tmp_path / "a" / "x.xlsx", "张三")
    _book(tmp_path / "b" / "x.xlsx", "李四")
    (tmp_path / "a" / "x.json").write_text('{"n": 1}', "utf-8")
    (tmp_path / "b" / "x.json").write_text('{"n": 2}', "utf-8")
    (tmp_path / "a" / "only.txt").write_text("a", "utf-8")
    diffs = compare_outputs.compare(tmp_path / "a", tmp_path / "b")
    assert [d.split(":")[0] for d in diffs] == [f"only in {tmp_path / 'a'}", "x.json",
                                                  "x.xlsx!xl/sharedStrings.xml"]
    assert openpyxl.load_workbook(tmp_path / "b" / "x.xlsx")["花名册"]["A1"].value == "李四"
