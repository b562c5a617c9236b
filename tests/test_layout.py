"""The house: ``import rosterkit`` is light and lazy; the layer contracts hold (lint-imports, as CI runs it)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _modules_after(code: str) -> set[str]:
    out = subprocess.run([sys.executable, "-c", f"{code}\nimport sys\nprint('\\n'.join(sys.modules))"],
                         capture_output=True, text=True, check=True)
    return set(out.stdout.split())


def test_import_rosterkit_and_the_help_load_no_pandas() -> None:
    assert "pandas" not in _modules_after("import rosterkit")
    help_run = _modules_after("from click.testing import CliRunner\nfrom rosterkit.cli import cli\n"
                              "r = CliRunner().invoke(cli, ['--help'])\nassert r.exit_code == 0, r.output\n"
                              "assert '核对' in r.output")
    assert not {"pandas", "pandera", "openpyxl", "numpy"} & help_run


def test_the_public_names_are_imported_on_first_use() -> None:
    import rosterkit
    import rosterkit.batch
    import rosterkit.distribution  # noqa: F401 - a submodule imported first must not shadow a public name
    import rosterkit.pipeline  # noqa: F401

    assert sorted(rosterkit.__all__) == sorted(rosterkit._EXPORTS) and set(rosterkit.__all__) <= set(dir(rosterkit))
    for name in rosterkit.__all__:
        assert getattr(rosterkit, name).__name__ == name or name == "report"
    assert rosterkit.report.__name__ == "report_inbox"
    with pytest.raises(AttributeError):
        rosterkit.no_such_name  # noqa: B018


def test_the_layer_contracts_hold() -> None:
    lint = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    assert lint is not None, "import-linter is part of the test extra"
    out = subprocess.run([lint], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout[-3000:]
    assert "0 broken" in out.stdout


def test_each_action_returns_one_result_object(tmp_path: Path) -> None:
    """check → CheckReport, merge and merge_inbox → MergeResult (merge_inbox's says where it wrote), follow_up →
    Cadence with its policy problems inside, report → RunResult: no tuples to unpack."""
    import datetime as dt

    import rosterkit

    examples = ROOT / "examples"
    day = dt.date(2026, 11, 23)
    report = rosterkit.check(examples / "inbox", as_of=day, write=False)
    assert isinstance(report, rosterkit.CheckReport)
    merged = rosterkit.merge(report, school_info=examples / "学校信息.xlsx")
    assert isinstance(merged, rosterkit.MergeResult) and merged.path is None
    cad = rosterkit.follow_up(merged, as_of=day)
    assert isinstance(cad, rosterkit.Cadence) and cad.policy_issues == []
    written = rosterkit.merge_inbox(examples / "inbox", out=tmp_path, school_info=examples / "学校信息.xlsx",
                                    as_of=day, jobs=1)
    assert isinstance(written, rosterkit.MergeResult) and written.path == tmp_path / "学校花名册.xlsx"
    assert written.path.is_file() and len(written.roster) == len(merged.roster)
