"""The rounds of the page: each in its own folder under WORK/rounds/<id>, its id unguessable, its owner one login.

A round is made from uploads whose names are never used as paths (a safe name is made from them, unique in the
round), each upload sniffed as the CLI sniffs a returned file; it is queued and run by :mod:`rosterkit.serve.job`
in a process of its own (started from a forkserver that has rosterkit imported, so a warm server starts a round
faster than the CLI starts itself), stopped when it runs past its time. Rounds older than ``keep`` are deleted.
"""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing
import os
import queue
import re
import secrets
import shutil
import signal
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from rosterkit.checking.read import SUFFIXES
from rosterkit.checking.sniff import sniff
from rosterkit.core.filenames import safe_name
from rosterkit.serve.job import INBOX, OUT, read_json, set_state, write_json

__all__ = ["Limits", "Rounds", "TooLarge", "Upload"]

MB = 1 << 20
_ID = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


@dataclass(frozen=True)
class Limits:
    """What one round may bring and how long it is kept (``rosterkit serve`` options)."""

    file_bytes: int = 20 * MB
    round_bytes: int = 300 * MB
    files: int = 3000
    keep: dt.timedelta = dt.timedelta(days=7)
    round_seconds: float = 3600.0


@dataclass
class Upload:
    """An uploaded file as the form gave it: the name the browser sent (never a path here) and its bytes."""

    name: str
    data: BinaryIO
    size: int


class TooLarge(ValueError):
    """An upload over a limit (HTTP 413); the message is for the page."""


def _upload_name(raw: str, taken: set[str], extension: str) -> str:
    """A name for an upload inside the round's inbox: the last part of what the browser sent, made safe, with a
    spreadsheet suffix (the one it had, else what its bytes are), unique in the round."""
    base = _basename(raw)
    stem, dot, suffix = base.rpartition(".")
    if not dot or f".{suffix.lower()}" not in SUFFIXES:
        stem, suffix = base, (extension or ".xlsx").lstrip(".")
    stem = safe_name(stem)[:60] or "未命名"
    name, n = f"{stem}.{suffix.lower()}", 2
    while name in taken:
        name, n = f"{stem}({n}).{suffix.lower()}", n + 1
    taken.add(name)
    return name


class Rounds:
    """Every round under ``work``; ``run`` rounds one at a time (``parallel`` at once) in processes of their own."""

    def __init__(self, work: Path, *, limits: Limits | None = None, store: Path | None = None, jobs: int | None = None,
                 parallel: int = 1) -> None:
        self.root = Path(work) / "rounds"
        self.root.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.chmod(self.root, 0o700)  # the rounds hold personal data: the owner only
        self.limits, self.store, self.jobs = limits or Limits(), store, jobs
        self.queue: queue.Queue[str] = queue.Queue()
        self.ctx = multiprocessing.get_context("forkserver")
        self.ctx.set_forkserver_preload(["rosterkit.serve.job", "rosterkit.pipeline"])
        self._interrupted()
        self.threads = [threading.Thread(target=self._serve, daemon=True, name=f"round-{i}") for i in range(parallel)]
        for t in self.threads:
            t.start()

    # -- making a round ------------------------------------------------------------------------------------------
    def create(self, owner: str, files: list[Upload], *, school_info: Upload | None = None,
               policy: Upload | None = None, as_of: dt.date | None = None, mask: bool = False) -> str:
        """A new round from the uploads, queued; its id. :class:`TooLarge` or ValueError (no files) otherwise."""
        if not files:
            raise ValueError("没有收到任何文件：请选择各班交回的台账")
        self._check_sizes(files, school_info, policy)
        rid = secrets.token_urlsafe(24)
        folder = self.root / rid
        (folder / INBOX).mkdir(parents=True, mode=0o700)
        taken: set[str] = set()
        saved, refused = [], []
        for up in files:
            name = self._save(up, folder / INBOX, taken)
            kind = sniff(folder / INBOX / name)
            if kind.refusal is not None and not _listed_suffix(up.name):
                # what a folder of returns would not be read for (a .txt, a .zip): not kept, and the page says so;
                # a .pdf or .docx named like a class is kept, and the check answers it as the CLI does
                (folder / INBOX / name).unlink()
                refused.append({"name": up.name[-120:], "why": _refusal_text(kind.refusal)})
            else:
                saved.append({"name": name, "sent_as": up.name[-200:], "size": up.size})
        extra = {key: self._save(up, folder, set(), fixed=f"{stem}{_workbook_suffix(up.name)}")
                 for key, up, stem in (("school_info", school_info, "学校信息"), ("policy", policy, "帮扶制度"))
                 if up is not None and up.size}
        write_json(folder / "round.json", {
            "id": rid, "owner": owner, "created": dt.datetime.now().isoformat(timespec="seconds"),
            "as_of": (as_of or dt.date.today()).isoformat(), "mask": bool(mask), "files": saved, "refused": refused,
            "store": str(self.store) if self.store else None, "jobs": self.jobs, **extra})
        set_state(folder, "queued")
        self.queue.put(rid)
        return rid

    def _check_sizes(self, files: list[Upload], *more: Upload | None) -> None:
        lim = self.limits
        if len(files) > lim.files:
            raise TooLarge(f"一次最多上传 {lim.files} 个文件，这次有 {len(files)} 个：请分几轮上传")
        for up in [*files, *(m for m in more if m is not None)]:
            if up.size > lim.file_bytes:
                raise TooLarge(f"{up.name[-80:]} 有 {up.size / MB:.1f} MB，超过每个文件 {lim.file_bytes / MB:.0f} MB "
                               "的上限：请删去多余的空行和图片后另存为 .xlsx 再上传")
        total = sum(up.size for up in [*files, *(m for m in more if m is not None)])
        if total > lim.round_bytes:
            raise TooLarge(f"这一轮的文件共 {total / MB:.0f} MB，超过 {lim.round_bytes / MB:.0f} MB 的上限：请分几轮上传")

    @staticmethod
    def _save(up: Upload, folder: Path, taken: set[str], *, fixed: str | None = None) -> str:
        """Write the upload's bytes into ``folder`` under a name made here (``fixed``, or a safe one)."""
        head = up.data.read(4096)
        up.data.seek(0)
        name = fixed or _upload_name(up.name, taken, _extension_of(head))
        with open(folder / name, "xb") as fh:  # x: a name made here never replaces anything
            shutil.copyfileobj(up.data, fh, 1 << 20)
        return name

    # -- reading rounds ------------------------------------------------------------------------------------------
    def folder(self, rid: str, owner: str) -> Path | None:
        """The round's folder when ``rid`` is a round of ``owner``; None for any other id (no difference is shown
        between a round that does not exist and another's round)."""
        if not _ID.match(rid):
            return None
        folder = self.root / rid
        ask = read_json(folder / "round.json")
        if not isinstance(ask, dict) or not secrets.compare_digest(str(ask.get("owner", "")), owner):
            return None
        return folder

    def status(self, folder: Path) -> dict[str, Any]:
        """What ``GET /api/rounds/{id}`` answers (the server adds the outputs' urls)."""
        ask = read_json(folder / "round.json", {})
        state = read_json(folder / "state.json", {"state": "queued"})
        lines = []
        try:
            lines = (folder / "progress.jsonl").read_text(encoding="utf-8").splitlines()
        except OSError:
            pass
        done = [read_line for read_line in map(_line, lines) if read_line]
        result = read_json(folder / "result.json") if state["state"] == "done" else None
        return {"id": ask.get("id"), "state": state["state"], "message": state.get("message"),
                "as_of": ask.get("as_of"), "mask": ask.get("mask"), "created": ask.get("created"),
                "files_done": len(done), "files_total": len(ask.get("files", [])),
                "files": done, "refused": ask.get("refused", []), "result": result}

    def outputs(self, folder: Path) -> list[str]:
        """The files a finished round wrote, as names relative to its output folder (posix), in a stable order."""
        out = folder / OUT
        if read_json(folder / "state.json", {}).get("state") != "done" or not out.is_dir():
            return []
        return sorted((p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()
                       and not p.name.startswith(".")), key=_reading_order)

    def output_path(self, folder: Path, name: str) -> Path | None:
        """The file ``name`` of the round's outputs, found by looking it up in :meth:`outputs` (never by joining
        what was asked onto a path)."""
        listed = {n: n for n in self.outputs(folder)}
        found = listed.get(name)
        return folder / OUT / found if found is not None else None

    def mine(self, owner: str) -> list[dict[str, Any]]:
        """The rounds of ``owner``, newest first: id, when, report date, state, files."""
        rows = []
        for folder in self.root.iterdir():
            ask = read_json(folder / "round.json")
            if isinstance(ask, dict) and secrets.compare_digest(str(ask.get("owner", "")), owner):
                state = read_json(folder / "state.json", {}).get("state", "queued")
                rows.append({"id": ask["id"], "created": ask["created"], "as_of": ask["as_of"], "state": state,
                             "files": len(ask.get("files", []))})
        return sorted(rows, key=lambda r: r["created"], reverse=True)

    # -- running and sweeping ------------------------------------------------------------------------------------
    def sweep(self, now: float | None = None) -> int:
        """Delete the rounds older than ``limits.keep`` that are not running; how many went."""
        limit = (now or time.time()) - self.limits.keep.total_seconds()
        gone = 0
        for folder in list(self.root.iterdir()):
            state = read_json(folder / "state.json", {}).get("state")
            if folder.is_dir() and state not in ("running", "queued") and folder.stat().st_mtime < limit:
                shutil.rmtree(folder, ignore_errors=True)
                gone += 1
        return gone

    def warm(self) -> None:
        """Start the forkserver now (it imports rosterkit once), so that the first round starts as fast as the rest."""
        def start() -> None:
            proc = self.ctx.Process(target=os.getpid, name="rosterkit-warm")
            proc.start()
            proc.join()
        threading.Thread(target=start, daemon=True, name="warm").start()

    def close(self) -> None:
        for _ in self.threads:
            self.queue.put("")

    def _interrupted(self) -> None:
        """Rounds a previous server left queued or running will not finish: they say so."""
        for folder in self.root.iterdir():
            if read_json(folder / "state.json", {}).get("state") in ("queued", "running"):
                set_state(folder, "failed", message="服务器重启过，这一轮没有完成：请重新上传")

    def _serve(self) -> None:
        while rid := self.queue.get():
            self._run(self.root / rid)

    def _run(self, folder: Path) -> None:
        from rosterkit.serve.job import run_round

        proc = self.ctx.Process(target=run_round, args=(folder,), name="rosterkit-round")
        proc.start()
        proc.join(self.limits.round_seconds)
        if proc.is_alive():
            _kill(proc.pid)
            proc.join()
            minutes = self.limits.round_seconds / 60
            set_state(folder, "failed", message=f"这一轮超过 {minutes:.0f} 分钟仍未完成，已停止：请分几次上传")
            return
        state = read_json(folder / "state.json", {}).get("state")
        if state not in ("done", "failed"):
            why = "内存不足被系统停止" if proc.exitcode == -signal.SIGKILL else f"退出码 {proc.exitcode}"
            set_state(folder, "failed", message=f"处理这一轮的进程意外结束（{why}）：请重新上传，或分几次上传")


_FIRST = ("学校花名册", "帮扶落实情况", "核对/校验汇总", "发回各班.zip", "核对/")


def _reading_order(name: str) -> tuple[Any, ...]:
    """The coordinator's workbooks first (学校花名册, 帮扶落实情况, 校验汇总, the zip for the classes), then each
    class's copies, in school order."""
    from rosterkit.core.order import file_order_key

    rank = next((i for i, head in enumerate(_FIRST) if name.startswith(head)), len(_FIRST))
    return (rank, *file_order_key(name))


def _kill(pid: int | None) -> None:
    if pid is None:
        return
    try:
        os.killpg(pid, signal.SIGKILL)  # the round's process group: the round and its workers
    except OSError:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass


def _line(text: str) -> dict[str, Any] | None:
    try:
        item = json.loads(text)
    except ValueError:
        return None  # a line being written
    return {"name": item.get("name"), "status": item.get("status")} if isinstance(item, dict) else None


def _extension_of(head: bytes) -> str:
    if head.startswith(b"PK"):
        return ".xlsx"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return ".xls"
    return ""


def _refusal_text(refusal: tuple[str, str]) -> str:
    """Why an upload that is no workbook by name or by content was not taken into the round."""
    code, detail = refusal
    if code == "file-not-spreadsheet":
        what = detail.replace("（不是表格）", "")  # the sniff's 纯文本文件（不是表格）: said once below
        return f"这是{what}，不是表格，没有收入这一轮：请上传填好的班级帮扶台账（.xlsx、.xls、.ods 等）"
    if code == "file-empty":
        return "文件是空的（0 字节），没有收入这一轮：可能没有保存成功或没有传完，请重新保存后再上传"
    from rosterkit.issues import make_issue

    return f"没有收入这一轮：{make_issue(code, file='', detail=detail).message}"


def _workbook_suffix(raw: str) -> str:
    """The suffix 学校信息 or 帮扶制度 is saved with: the upload's own when it is a workbook's, else .xlsx."""
    suffix = Path(_basename(raw)).suffix.lower()
    return suffix if suffix in (".xlsx", ".xlsm", ".xls", ".ods") else ".xlsx"


def _listed_suffix(raw: str) -> bool:
    """Whether a file of this name is read from a folder of returns (see :data:`SUFFIXES`)."""
    return Path(_basename(raw)).suffix.lower() in SUFFIXES


def _basename(raw: str) -> str:
    """The last part of a name a browser sent (a path on Windows or elsewhere): only ever a name, never a path."""
    return raw.replace("\\", "/").rsplit("/", 1)[-1]
