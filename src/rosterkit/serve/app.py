"""The page and its HTTP API (Starlette): routes, login, CSRF, limits. Every page and call goes through
:func:`_who`; every file served is looked up among a round's outputs, never built from what was asked.

API (the page uses nothing else; see the README):

- ``GET /api/session`` → ``{"csrf", "authenticated", "local"}``; ``POST /login`` (form ``password``,
  ``csrf_token``) logs in when the server has a password.
- ``POST /api/rounds`` (header ``X-CSRF-Token``; multipart ``files`` repeated, optional ``school_info``,
  ``policy``, ``as_of``, ``mask``) → ``{"id"}``; ``GET /api/rounds`` → the session's rounds.
- ``GET /api/rounds/{id}`` → ``{"state", "files_done", "files_total", "files", "summary", "outputs", "problems"}``
  (``?mask=1``: the 脱敏 view); ``GET /api/rounds/{id}/files/{name}`` → the workbook.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any
from urllib.parse import quote

from starlette.applications import Starlette
from starlette.datastructures import UploadFile
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from rosterkit.serve.rounds import MB, Rounds, TooLarge, Upload
from rosterkit.serve.sessions import COOKIE, Session, Sessions
from rosterkit.serve.store_pages import store_routes

__all__ = ["LOCAL_HOSTS", "make_app"]

HERE = Path(__file__).resolve().parent
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")
_HEADERS = [
    (b"content-security-policy", b"default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                                 b"form-action 'self'; frame-ancestors 'none'; base-uri 'none'"),
    # same-origin, not no-referrer: under no-referrer a browser sends `Origin: null` with the page's own form posts
    (b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"same-origin"), (b"x-frame-options", b"DENY"),
]


class _Guard:
    """Security headers on every answer, nothing cached but the package's own assets, and a body never larger
    than a round may be (the rest of the limits are the round's: :class:`rosterkit.serve.rounds.Limits`)."""

    def __init__(self, app: ASGIApp, *, max_body: int) -> None:
        self.app, self.max_body = app, max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = scope["path"].startswith("/static/")
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.max_body:
            await _too_large(self.max_body)(scope, receive, send)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.max_body:
                raise TooLarge(_too_large_text(self.max_body))
            return message

        async def headed(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *_HEADERS,
                                      *([] if static else [(b"cache-control", b"no-store")])]
            await send(message)
        await self.app(scope, counted, headed)


def _too_large_text(limit: int) -> str:
    return f"上传的内容超过这一轮 {limit / MB:.0f} MB 的上限：请分几轮上传"


def _too_large(limit: int) -> Response:
    return JSONResponse({"error": _too_large_text(limit)}, status_code=413)


def make_app(work: Path, *, password: str | None = None, rounds: Rounds | None = None,
             local_only: bool = True, store: Path | None = None) -> Starlette:
    """The application over the folder ``work`` (rounds under ``work/rounds``); ``password`` None: no login
    (127.0.0.1 only: ``local_only`` also refuses any Host header but this computer's, so no other web site can
    reach the page through a DNS trick)."""
    sessions = Sessions(password)
    rounds = rounds or Rounds(work, store=store)
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    limit = rounds.limits.round_bytes + MB  # the form's own bytes on top of the files'

    def page(request: Request, name: str, s: Session, **context: Any) -> Response:
        return _with_cookie(templates.TemplateResponse(request, name, {
            "csrf": s.csrf, "local": sessions.local, "authed": s.authed, "store": rounds.store is not None,
            **context}), s)

    async def home(request: Request) -> Response:
        s, denied = _who(request, sessions, html=True)
        if denied:
            return denied
        return page(request, "start.html", s, today=dt.date.today().isoformat(), rounds=rounds.mine(s.owner),
                    limits=rounds.limits)

    async def login(request: Request) -> Response:
        s = sessions.get(request.cookies.get(COOKIE)) or sessions.new()
        if sessions.local:
            return RedirectResponse("/", status_code=303)
        if request.method == "GET":
            return page(request, "login.html", s, error=None)
        form = await request.form()
        if not sessions.csrf_ok(s, _str(form.get("csrf_token"))):
            return page(request, "login.html", s, error="页面已过期，请重新输入密码")
        client = request.client.host if request.client else "?"
        got = sessions.login(s, _str(form.get("password")) or "", client)
        if isinstance(got, float):
            minutes = max(1, round(got / 60))
            return page(request, "login.html", s, error=f"密码错误次数过多，请 {minutes} 分钟后再试")
        if got is None:
            return page(request, "login.html", s, error="密码不对，请重新输入")
        return _with_cookie(RedirectResponse("/", status_code=303), got)

    async def logout(request: Request) -> Response:
        s, denied = _who(request, sessions, html=True)
        if denied:
            return denied
        form = await request.form()
        if sessions.csrf_ok(s, _str(form.get("csrf_token"))):
            sessions.drop(s)
        return RedirectResponse("/login" if not sessions.local else "/", status_code=303)

    async def round_page(request: Request) -> Response:
        s, denied = _who(request, sessions, html=True)
        if denied:
            return denied
        folder = rounds.folder(request.path_params["rid"], s.owner)
        if folder is None:
            return page(request, "missing.html", s)
        return page(request, "round.html", s, rid=request.path_params["rid"])

    async def api_session(request: Request) -> Response:
        s = sessions.get(request.cookies.get(COOKIE)) or sessions.new()
        return _with_cookie(JSONResponse({"csrf": s.csrf, "authenticated": s.authed, "local": sessions.local}), s)

    async def api_rounds(request: Request) -> Response:
        s, denied = _who(request, sessions)
        if denied:
            return denied
        if request.method == "GET":
            return JSONResponse({"rounds": rounds.mine(s.owner)})
        if not sessions.csrf_ok(s, request.headers.get("x-csrf-token")):
            return JSONResponse({"error": "缺少或不对的 CSRF 令牌（先 GET /api/session 取得）"}, status_code=403)
        try:
            async with request.form(max_files=rounds.limits.files + 2, max_fields=50) as form:
                files = [_upload(f) for f in form.getlist("files") if isinstance(f, UploadFile)]
                extra = {k: _upload(v) for k in ("school_info", "policy")
                         if isinstance(v := form.get(k), UploadFile) and v.filename}
                as_of = _day(_str(form.get("as_of")))
                mask = _str(form.get("mask")) in ("1", "true", "on", "yes")
                rid = rounds.create(s.owner, files, as_of=as_of, mask=mask, **extra)
        except TooLarge as exc:
            return JSONResponse({"error": str(exc)}, status_code=413)
        except ValueError as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        return JSONResponse({"id": rid, "url": f"/rounds/{rid}"}, status_code=201)

    async def api_round(request: Request) -> Response:
        s, denied = _who(request, sessions)
        if denied:
            return denied
        rid = request.path_params["rid"]
        folder = rounds.folder(rid, s.owner)
        if folder is None:
            return JSONResponse({"error": "没有这一轮"}, status_code=404)
        st = rounds.status(folder)
        masked = request.query_params.get("mask") in ("1", "true") or bool(st["mask"])
        result = st.pop("result") or {}
        names = rounds.outputs(folder)
        st["summary"] = result.get("masked_summary" if masked else "summary")
        st["problems"] = result.get("masked_problems" if masked else "problems")
        st["outputs"] = [{"name": n, "url": f"/api/rounds/{rid}/files/{quote(n)}", "masked": "脱敏" in n}
                         for n in names if not masked or not _unmasked_variant(n, names)]
        return JSONResponse(st)

    async def api_file(request: Request) -> Response:
        s, denied = _who(request, sessions)
        if denied:
            return denied
        folder = rounds.folder(request.path_params["rid"], s.owner)
        path = rounds.output_path(folder, request.path_params["name"]) if folder is not None else None
        if path is None:
            return JSONResponse({"error": "没有这个文件"}, status_code=404)
        return FileResponse(path, filename=path.name, media_type=_media_type(path))

    routes = [
        Route("/", home), Route("/login", login, methods=["GET", "POST"]), Route("/logout", logout, methods=["POST"]),
        Route("/rounds/{rid}", round_page),
        Route("/api/session", api_session), Route("/api/rounds", api_rounds, methods=["GET", "POST"]),
        Route("/api/rounds/{rid}", api_round), Route("/api/rounds/{rid}/files/{name:path}", api_file),
        *store_routes(rounds.store, sessions, page, _who),
        Mount("/static", StaticFiles(directory=str(HERE / "static")), name="static"),
    ]
    middleware = [Middleware(_Guard, max_body=limit)]
    if local_only:
        middleware.insert(0, Middleware(TrustedHostMiddleware, allowed_hosts=[*LOCAL_HOSTS, "[::1]"]))
    app = Starlette(routes=routes, middleware=middleware, exception_handlers={TooLarge: _too_large_handler})
    app.state.rounds = rounds
    return app


async def _too_large_handler(request: Request, exc: Exception) -> Response:
    return JSONResponse({"error": str(exc)}, status_code=413)


def _who(request: Request, sessions: Sessions, *, html: bool = False) -> tuple[Session, Response | None]:
    """The session of the request and, when it may not go on, the answer instead: a login page (pages) or 401
    (API); a request from another site (its Origin is not this server) is refused outright."""
    s = sessions.get(request.cookies.get(COOKIE))
    origin = request.headers.get("origin")
    if origin is not None and origin.split("://", 1)[-1] != request.headers.get("host"):
        return s or sessions.new(), JSONResponse({"error": "不接受来自其他网站的请求"}, status_code=403)
    if s is None:
        s = sessions.new()
    if not s.authed:
        answer: Response = RedirectResponse("/login", status_code=303) if html else \
            JSONResponse({"error": "请先登录（POST /login）"}, status_code=401)
        return s, _with_cookie(answer, s)
    return s, None


def _with_cookie(response: Response, s: Session) -> Response:
    response.set_cookie(COOKIE, s.token, httponly=True, samesite="strict", path="/")
    return response


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _day(text: str | None) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"统计日期应为 YYYY-MM-DD：{text[:20]}") from None


def _upload(f: UploadFile) -> Upload:
    return Upload(f.filename or "", f.file, f.size or 0)


def _unmasked_variant(name: str, names: list[str]) -> bool:
    """Whether ``name`` is a shareable workbook that has a 脱敏 twin (学校花名册.xlsx beside 学校花名册_脱敏.xlsx)."""
    stem, dot, suffix = name.rpartition(".")
    return f"{stem}_脱敏.{suffix}" in names


def _media_type(path: Path) -> str:
    return {".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ".zip": "application/zip"}.get(path.suffix.lower(), "application/octet-stream")
