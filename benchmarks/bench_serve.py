"""The page against the command line: the example school through `rosterkit serve`'s API (upload → done), and
`rosterkit report` on the same files, in the same run.

    python benchmarks/bench_serve.py [--repeat 5] [--inbox examples/inbox --school-info examples/学校信息.xlsx]

The server is started once and warmed by one round (as a coordinator's page is, after the first upload); each
timed API round is the upload, the server's run of the round and the polling until `done` (every 50 ms, as
fast as the page polls at its fastest). Each CLI run is a fresh `rosterkit report` process, as a coordinator
runs it. The two are taken in turns (this machine drifts); the medians and their ratio are printed.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _multipart(fields: dict[str, str], files: list[tuple[str, Path]]) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = []
    for k, v in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode())
    for k, p in files:
        head = (f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"; filename="{p.name}"\r\n'
                "Content-Type: application/octet-stream\r\n\r\n")
        parts.append(head.encode() + p.read_bytes() + b"\r\n")
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


class Api:
    """A script's use of the API: one session cookie, its CSRF token."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
        self.csrf = self.get("/api/session")["csrf"]

    def get(self, path: str) -> dict:
        return json.loads(self.opener.open(self.url + path, timeout=60).read())

    def round(self, files: list[Path], info: Path, as_of: str) -> float:
        t0 = time.perf_counter()
        body, kind = _multipart({"as_of": as_of}, [("files", p) for p in files] + [("school_info", info)])
        req = urllib.request.Request(self.url + "/api/rounds", data=body, method="POST",
                                     headers={"Content-Type": kind, "X-CSRF-Token": self.csrf})
        rid = json.loads(self.opener.open(req, timeout=60).read())["id"]
        while (st := self.get(f"/api/rounds/{rid}"))["state"] not in ("done", "failed"):
            time.sleep(0.05)
        if st["state"] != "done":
            raise SystemExit(f"the round failed: {st.get('message')}")
        return time.perf_counter() - t0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--inbox", type=Path, default=ROOT / "examples" / "inbox")
    ap.add_argument("--school-info", type=Path, default=ROOT / "examples" / "学校信息.xlsx")
    ap.add_argument("--as-of", default="2026-11-23")
    a = ap.parse_args(argv)
    files = sorted(p for p in a.inbox.iterdir() if p.is_file())
    work = Path(tempfile.mkdtemp(prefix="bench_serve_"))
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k != "ROSTERKIT_PASSWORD"}
    server = subprocess.Popen([sys.executable, "-m", "rosterkit", "serve", "--folder", str(work / "w"), "--port",
                               str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        url = f"http://127.0.0.1:{port}"
        for _ in range(300):
            try:
                api = Api(url)
                break
            except OSError:
                time.sleep(0.1)
        else:
            raise SystemExit("rosterkit serve did not start")
        warm = api.round(files, a.school_info, a.as_of)
        web, cli = [], []
        for i in range(a.repeat):
            t0 = time.perf_counter()
            proc = subprocess.run([sys.executable, "-m", "rosterkit", "report", *map(str, files), "--school-info",
                                   str(a.school_info), "--as-of", a.as_of, "-o", str(work / f"cli{i}")],
                                  capture_output=True, text=True)
            cli.append(time.perf_counter() - t0)
            if proc.returncode not in (0, 1):
                raise SystemExit(proc.stderr)
            web.append(api.round(files, a.school_info, a.as_of))
            print(f"  run {i + 1}: CLI report {cli[-1]:.2f} s, API round {web[-1]:.2f} s", flush=True)
    finally:
        server.terminate()
        server.wait(timeout=30)
    w, c = statistics.median(web), statistics.median(cli)
    print(f"\n{len(files)} files ({a.inbox}); the server's first round (cold) {warm:.2f} s")
    print(f"rosterkit report (CLI)   median {c:.2f} s  runs {[round(x, 2) for x in cli]}")
    print(f"API round (warm server)  median {w:.2f} s  runs {[round(x, 2) for x in web]}")
    print(f"API / CLI = {w / c:.2f} (a warm server should not be slower than the CLI: <= 1.00)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
