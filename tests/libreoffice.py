"""LibreOffice as a second client: converting what we write proves the file is valid outside openpyxl."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest


def soffice_path() -> str:
    """The soffice executable; skipped where it is not installed, a failure under CI (.ci/run installs it)."""
    exe = shutil.which("soffice")
    if exe is None:
        if os.environ.get("CI"):
            pytest.fail("LibreOffice (soffice) is required in CI: .ci/run installs it")
        pytest.skip("LibreOffice (soffice) is not installed here")
    return exe


def convert(file: Path, fmt: str, workdir: Path) -> Path:
    """Convert ``file`` to ``fmt`` (pdf, xls, ods …) into ``workdir/conv-<fmt>``; returns the new file."""
    outdir = workdir / f"conv-{fmt}"
    # A private profile, so a LibreOffice already running elsewhere does not swallow the conversion.
    profile = (workdir / "lo-profile").as_uri()
    subprocess.run([soffice_path(), f"-env:UserInstallation={profile}", "--headless", "--convert-to", fmt,
                    "--outdir", str(outdir), str(file)], check=True, capture_output=True, timeout=180)
    return outdir / f"{file.stem}.{fmt}"
