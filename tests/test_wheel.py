"""The built wheel works anywhere: installed into a fresh environment, run from a folder far from the checkout.

The wheel is built offline from a copy of the sources (the checkout gets no build/ folder) with the test
environment's setuptools. The fresh environment has no pip and gets its dependencies (pandas, …) by a .pth
line naming the test environment's site-packages: a plain path, so that folder's own .pth files, among them
the editable install of the checkout, are not read. What runs is then the wheel's code and the wheel's
templates, which the first test asserts before anything else.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import openpyxl
import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
TEMPLATES = ("学校信息.xlsx", "学校花名册.xlsx", "帮扶制度.xlsx", "班级帮扶台账.xlsx")


def run(cmd: list[str], cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("wheel")
    src = work / "rosterkit-src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    shutil.copytree(ROOT / "src", src / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    proc = run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
                "-w", str(work / "dist"), str(src)], cwd=work)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (whl,) = (work / "dist").glob("rosterkit-*.whl")
    return whl


@pytest.fixture(scope="module")
def venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    env_dir = tmp_path_factory.mktemp("env") / "venv"
    proc = run([sys.executable, "-m", "venv", "--without-pip", str(env_dir)], cwd=env_dir.parent)
    assert proc.returncode == 0, proc.stderr
    python = env_dir / "bin" / "python"
    proc = run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index",
                str(wheel)], cwd=env_dir.parent)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    # Dependencies from the test environment, after the new environment's own site-packages on sys.path.
    site = Path(run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                    cwd=env_dir).stdout.strip())
    deps = dict.fromkeys(sysconfig.get_paths()[k] for k in ("purelib", "platlib"))
    (site / "zz_test_dependencies.pth").write_text("".join(f"{p}\n" for p in deps))
    return env_dir


def clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("ROSTERKIT_TEMPLATES", "PYTHONPATH", "PYTHONHOME")}
    env.pop("VIRTUAL_ENV", None)
    return env


def test_wheel_holds_the_templates(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    assert sorted(n for n in names if n.startswith("rosterkit/templates_xlsx/")) == [
        f"rosterkit/templates_xlsx/{t}" for t in sorted(TEMPLATES)]


def test_installed_wheel_runs_its_own_code_and_templates(venv: Path, tmp_path: Path) -> None:
    proc = run([str(venv / "bin" / "python"), "-c",
                "import rosterkit, rosterkit.core.template as t; print(rosterkit.__file__); "
                "print(t.default_path('班级帮扶台账'))"], cwd=tmp_path, env=clean_env())
    assert proc.returncode == 0, proc.stderr
    module, template = (Path(line) for line in proc.stdout.splitlines())
    assert module.is_relative_to(venv) and template.is_relative_to(venv), proc.stdout
    assert template.read_bytes() == (ROOT / "src" / "rosterkit" / "templates_xlsx" / "班级帮扶台账.xlsx").read_bytes()


def _fill_school_info(path: Path) -> None:
    """Type the example school's values into the blank copy that init made, as a coordinator would."""
    filled = openpyxl.load_workbook(EXAMPLES / "学校信息.xlsx")
    wb = openpyxl.load_workbook(path)
    for ws in filled:
        for row in ws.iter_rows():
            for cell in row:
                wb[ws.title].cell(cell.row, cell.column, cell.value)
    wb.save(path)


def test_init_distribute_report_from_another_folder(venv: Path, tmp_path: Path) -> None:
    rosterkit, env = str(venv / "bin" / "rosterkit"), clean_env()
    proc = run([rosterkit, "init", "2026秋"], cwd=tmp_path, env=env)
    assert proc.returncode == 0, proc.stderr
    work = tmp_path / "2026秋"
    assert sorted(p.name for p in work.iterdir()) == sorted(["学校信息.xlsx", "帮扶制度.xlsx", "收件箱", "使用说明.txt"])
    before = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in work.iterdir() if p.is_file()}
    again = run([rosterkit, "init", "2026秋"], cwd=tmp_path, env=env)
    assert again.returncode == 0 and again.stdout.count("已存在，未覆盖") == 4, again.stdout + again.stderr
    assert {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in work.iterdir() if p.is_file()} == before

    _fill_school_info(work / "学校信息.xlsx")
    sent = run([rosterkit, "distribute", "--school-info", "学校信息.xlsx", "-o", "下发/"], cwd=work, env=env)
    assert sent.returncode == 0, sent.stderr
    assert len(list((work / "下发").glob("*_帮扶台账.xlsx"))) == 7 and "共 7 份台账" in sent.stdout

    for f in (EXAMPLES / "inbox").iterdir():
        shutil.copy(f, work / "收件箱" / f.name)
    report = run([rosterkit, "report", "收件箱/", "--school-info", "学校信息.xlsx", "--policy", "帮扶制度.xlsx",
                  "-o", "结果/", "--as-of", "2026-11-23"], cwd=work, env=env)
    # 1: the example school has teachers' mistakes and a class that has not returned its ledger; 2 would be a
    # run that failed.
    assert report.returncode == 1, report.stdout + report.stderr
    assert "Traceback" not in report.stderr
    out = work / "结果"
    for name in ("学校花名册.xlsx", "帮扶落实情况.xlsx", "核对/校验汇总.xlsx"):
        assert (out / name).stat().st_size > 0, name
    assert len(list((out / "发回各班").iterdir())) == 6


def test_templates_from_a_zipped_package(tmp_path: Path) -> None:
    """Imported from a zip (zipapp, some freezers) the templates are no files: each is extracted once, for
    readers that need a path, and removed when the process exits."""
    archive = tmp_path / "rosterkit.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for p in sorted((ROOT / "src" / "rosterkit").rglob("*")):
            if p.is_file() and "__pycache__" not in p.parts:
                z.write(p, p.relative_to(ROOT / "src").as_posix())
    code = ("import rosterkit, rosterkit.core.template as t; p = t.default_path('帮扶制度'); "
            "print(rosterkit.__file__); print(t.templates_dir()); print(p); "
            "print(p.exists() and t.default_path('帮扶制度') == p); "
            "print(len(t.load_template(t.default_path('班级帮扶台账')).sheets))")
    proc = run([sys.executable, "-c", code], cwd=tmp_path, env={**clean_env(), "PYTHONPATH": str(archive)})
    assert proc.returncode == 0, proc.stderr
    module, folder, extracted, same, sheets = proc.stdout.splitlines()
    assert module.startswith(str(archive)) and folder == "None" and same == "True" and int(sheets) >= 2
    assert not Path(extracted).exists()  # removed at exit
