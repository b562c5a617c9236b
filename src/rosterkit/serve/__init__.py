"""``rosterkit serve``: the coordinators' page in the browser, and the HTTP API it is built on.

:func:`serve` runs it; :func:`rosterkit.serve.app.make_app` is the application (for tests and for a county's own
ASGI server). Rounds run in processes of their own (:mod:`rosterkit.serve.rounds`), exactly as ``report`` runs.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
import threading
import webbrowser
from pathlib import Path

from rosterkit.errors import InputError
from rosterkit.serve.rounds import MB, Limits, Rounds

__all__ = ["Limits", "password_from", "serve"]

MIN_PASSWORD = 8


def password_from(path: str | Path | None) -> str | None:
    """The password: the first line of ``path``, else ``$ROSTERKIT_PASSWORD``, else None (no login)."""
    if path is not None:
        try:
            text = Path(path).read_text(encoding="utf-8-sig").splitlines()
        except OSError as exc:
            raise InputError(f"读不到密码文件 {path}：{exc.strerror or exc}") from exc
        word = text[0].strip() if text else ""
    else:
        word = os.environ.get("ROSTERKIT_PASSWORD", "").strip()
        if not word:
            return None
    if len(word) < MIN_PASSWORD:
        raise InputError(f"密码太短：至少 {MIN_PASSWORD} 个字符（密码文件的第一行，或 ROSTERKIT_PASSWORD）")
    return word


def check_options(host: str, password: str | None, store: Path | None) -> None:
    """Refuse what would expose the data: another host without a password, a shared store on a network."""
    from rosterkit.serve.app import LOCAL_HOSTS

    if host not in LOCAL_HOSTS and password is None:
        raise InputError(f"在 {host} 上提供服务，别的电脑也能打开这个页面，必须设密码：加 --password-file 密码文件"
                         "（或设置环境变量 ROSTERKIT_PASSWORD）；只在本机用时不要加 --host")
    if host not in LOCAL_HOSTS and store is not None:
        raise InputError("--store 的存档汇集了所有上传者的学生信息，只能在本机（127.0.0.1）使用，不能在网络上共用")


def serve(folder: str | Path, *, host: str = "127.0.0.1", port: int = 8765, password: str | None = None,
          open_browser: bool = False, store: str | Path | None = None, limits: Limits | None = None,
          jobs: int | None = None) -> None:
    """Serve the page until interrupted. Rounds live under ``folder``; see the README's 网页 section."""
    import uvicorn

    from rosterkit.serve.app import LOCAL_HOSTS, make_app

    limits = limits or Limits()
    store_path = Path(store).resolve() if store is not None else None
    check_options(host, password, store_path)
    if store_path is not None:
        from rosterkit.history.schema import check_store

        check_store(store_path)
    work = Path(folder).resolve()
    scratch = work / "tmp"
    scratch.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(work, 0o700)
    tempfile.tempdir = str(scratch)  # uploads are spooled here while they arrive, not in the shared /tmp
    rounds = Rounds(work, limits=limits, store=store_path, jobs=jobs)
    rounds.warm()
    app = make_app(work, password=password, rounds=rounds, local_only=host in LOCAL_HOSTS, store=store_path)
    _sweep_every(rounds, 3600.0)
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    url = f"http://{shown}:{port}/"
    print(f"rosterkit 页面：{url}（按 Ctrl+C 停止）\n各轮的文件在 {work / 'rounds'}，保留 "
          f"{limits.keep / dt.timedelta(days=1):g} 天；每个文件最大 {limits.file_bytes // MB} MB，一轮最大 "
          f"{limits.round_bytes // MB} MB", flush=True)
    if open_browser:
        threading.Timer(1.0, webbrowser.open, (url,)).start()
    try:
        uvicorn.run(app, host=host, port=port, log_level="warning", server_header=False)
    finally:
        rounds.close()


def _sweep_every(rounds: Rounds, seconds: float) -> None:
    """Delete old rounds now and every ``seconds``, on a thread of its own."""
    def loop() -> None:
        while True:
            rounds.sweep()
            threading.Event().wait(seconds)
    threading.Thread(target=loop, daemon=True, name="sweeper").start()
