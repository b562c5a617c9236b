"""With ``rosterkit serve --store FILE`` (one school on its own computer): the store's rounds, what changed
since the round before, and a class's or a student's 一生一档, on the page and through the API.

- ``GET /history``: the page; ``GET /api/store/rounds``, ``GET /api/store/changes`` (``?mask=1``);
- ``GET /api/store/dossier?class=三年级1班`` or ``?id=身份证号`` (``&mask=1``) → the workbook.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route

from rosterkit.errors import InputError
from rosterkit.serve.sessions import Session, Sessions

__all__ = ["store_routes"]

Who = Callable[..., tuple[Session, Response | None]]


def store_routes(store: Path | None, sessions: Sessions, page: Callable[..., Response], who: Who) -> list[Route]:
    """The store's routes, none without a store."""
    if store is None:
        return []

    async def history(request: Request) -> Response:
        s, denied = who(request, sessions, html=True)
        if denied:
            return denied
        return page(request, "history.html", s)

    async def api_rounds(request: Request) -> Response:
        s, denied = who(request, sessions)
        if denied:
            return denied
        return JSONResponse({"rounds": _rounds(store)})

    async def api_changes(request: Request) -> Response:
        s, denied = who(request, sessions)
        if denied:
            return denied
        from rosterkit.core.masking import mask_tree
        from rosterkit.history.changes import round_changes
        from rosterkit.render import jsonable

        if not store.exists():
            return JSONResponse({"changes": None, "why": "存档里还没有任何一轮"})
        ch = round_changes(store)
        if ch is None:
            return JSONResponse({"changes": None, "why": "存档里还不到两轮，没有可比较的上一轮"})
        data = jsonable(ch.to_dict())
        return JSONResponse({"changes": mask_tree(data) if request.query_params.get("mask") == "1" else data})

    async def api_dossier(request: Request) -> Response:
        s, denied = who(request, sessions)
        if denied:
            return denied
        from rosterkit.history.dossier import dossiers
        from rosterkit.outputs.dossier import write_dossiers

        klass, number = request.query_params.get("class") or None, request.query_params.get("id") or None
        if not klass and not number:
            return JSONResponse({"error": "请给出班级（class=三年级1班）或身份证号（id=…）"}, status_code=400)
        scratch = Path(tempfile.mkdtemp(prefix="dossier-"))
        try:
            found = dossiers(store, klass=klass, id_number=number)
            paths = write_dossiers(found, scratch, mask=request.query_params.get("mask") == "1")
        except InputError as exc:
            shutil.rmtree(scratch, ignore_errors=True)
            return JSONResponse({"error": str(exc)}, status_code=404)
        return FileResponse(paths[0], filename=paths[0].name, background=BackgroundTask(
            shutil.rmtree, scratch, ignore_errors=True),
            media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")

    return [Route("/history", history), Route("/api/store/rounds", api_rounds),
            Route("/api/store/changes", api_changes), Route("/api/store/dossier", api_dossier)]


def _rounds(store: Path) -> list[dict[str, Any]]:
    from rosterkit.history.store import open_store

    if not store.exists():
        return []
    with open_store(store) as s:
        rounds = s.rounds.sort_values(["report_date", "round_id"], ascending=False)
        cols = ["round_id", "scope", "term", "report_date", "files", "students", "contacts", "problems"]
        return [{c: (int(v) if hasattr(v, "item") else v) for c, v in zip(cols, row)}
                for row in rounds[cols].itertuples(index=False)]
