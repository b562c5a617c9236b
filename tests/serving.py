"""Helpers for the page's tests: an app over a temporary folder, a round uploaded through the API, waited for."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from starlette.testclient import TestClient

from rosterkit.serve.app import make_app
from rosterkit.serve.rounds import Limits, Rounds

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
AS_OF = "2026-11-23"


@contextmanager
def client(work: Path, *, password: str | None = None, limits: Limits | None = None,
           store: Path | None = None, local_only: bool = True) -> Iterator[TestClient]:
    """A test client of an app over ``work`` (its rounds run in processes of their own, as when served)."""
    rounds = Rounds(work, limits=limits, store=store, jobs=1)
    app = make_app(work, password=password, rounds=rounds, local_only=local_only, store=store)
    try:
        with TestClient(app, base_url="http://127.0.0.1") as c:
            yield c
    finally:
        rounds.close()


def example_files() -> list[tuple[str, tuple[str, bytes]]]:
    """The example school's returns and its 学校信息, as a multipart form's files."""
    files = [("files", (p.name, p.read_bytes())) for p in sorted((EXAMPLES / "inbox").iterdir())]
    return [*files, ("school_info", ("学校信息.xlsx", (EXAMPLES / "学校信息.xlsx").read_bytes()))]


def csrf(c: TestClient) -> str:
    return str(c.get("/api/session").json()["csrf"])


def upload(c: TestClient, files: list[tuple[str, tuple[str, bytes]]], **fields: str) -> Any:
    """POST /api/rounds as the page does; the answer."""
    return c.post("/api/rounds", files=files, data={"as_of": AS_OF, **fields}, headers={"X-CSRF-Token": csrf(c)})


def finished(c: TestClient, rid: str, *, timeout: float = 180.0, query: str = "") -> dict[str, Any]:
    """Poll GET /api/rounds/{rid} until the round is done or failed; its last answer."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        st: dict[str, Any] = c.get(f"/api/rounds/{rid}{query}").json()
        if st["state"] in ("done", "failed"):
            return st
        time.sleep(0.2)
    raise AssertionError(f"round {rid} still {st['state']} after {timeout} s")
