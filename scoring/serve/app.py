"""The portal's web application: one table of routes, each with the roles that may use it (the pages
are in :mod:`.pages`, the request pipeline that checks the roles in :mod:`.web`)."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Callable

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.responses import HTMLResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from ..errors import Problem, ScoringError
from ..i18n import t
from . import gate, portal
from .pages import account, office, owner, public, unit
from .web import ANYONE, HERE, SESSION_HOURS, Ctx, Settings, bare, endpoint

# (method, path, page function, roles): the one table of what exists and who may use it
ROUTES: list[tuple[str, str, Callable[[Ctx], Response], tuple[str, ...]]] = [
    *account.ROUTES,
    ("GET", "/public", public.page, (ANYONE,)),
    *owner.ROUTES,
    *office.ROUTES,
    *unit.ROUTES,
]


class LimitBody:
    """Refuse a request body over the limit from its Content-Length, before any of it is parsed. What
    was sent is read and dropped (up to a bound), so the browser shows the refusal rather than a
    broken connection."""

    DRAIN = 64 * 2**20

    def __init__(self, app, limit: int):
        self.app, self.limit = app, limit

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and scope["method"] == "POST":
            headers = dict(scope["headers"])
            length = headers.get(b"content-length", b"")
            if not length.isdigit():
                return await _refuse(scope, receive, send, "serve.upload.no_length", 411)
            if int(length) > self.limit:
                if int(length) <= self.DRAIN:
                    more = True
                    while more:
                        message = await receive()
                        more = message.get("more_body", False) and message["type"] == "http.request"
                return await _refuse(
                    scope, receive, send, "serve.upload.too_large", 413, size=round(int(length) / 2**20, 1), limit=round(self.limit / 2**20, 1)
                )
        await self.app(scope, receive, send)


# No script runs on any page (none is needed), nothing is framed, forms post only here, nothing is
# loaded from elsewhere: what an injected tag could do is nothing, even if escaping ever failed.
HEADERS = [
    (b"content-security-policy", b"default-src 'self'; script-src 'none'; object-src 'none'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
]


class SecurityHeaders:
    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def with_headers(message):
            if message["type"] == "http.response.start":
                have = {k.lower() for k, _ in message.get("headers", [])}
                message["headers"] = list(message.get("headers", [])) + [h for h in HEADERS if h[0] not in have]
            await send(message)

        await self.app(scope, receive, with_headers)


async def _refuse(scope, receive, send, code: str, status: int, **args) -> None:
    text = t(code, "zh", **args)
    page = (
        f"<!doctype html><html lang=zh-CN><meta charset=utf-8><meta name=viewport content='width=device-width'>"
        f"<link rel=stylesheet href=/static/site.css><title>{status}</title><main><p class=error>{text}</p>"
        f"<p><a href=/>{t('serve.back', 'zh')}</a></p></main></html>"
    )
    await HTMLResponse(page, status)(scope, receive, send)


async def _not_found(request, exc) -> Response:
    return bare(request, "serve.not_found", 404)


async def _method(request, exc) -> Response:
    return bare(request, "serve.method", 405)


async def _failed(request, exc) -> Response:
    """A fault of the program: said in Chinese, nothing more of it shown (the server's log has the trace)."""
    return bare(request, "serve.failed", 500)


# what Starlette would answer in English, in the portal's words
ANSWERS = {404: _not_found, 405: _method, Exception: _failed}


def create_app(db: str | Path, key: str | None = None, max_upload: int = gate.MAX_BYTES) -> Starlette:
    """The portal for the store at ``db`` (set up with :func:`scoring.serve.portal.setup`)."""
    from .. import api
    from .data import Year

    # a file that is not a history store (a folder, another program's file, a damaged copy) is refused
    # as the history commands refuse it, before SQLite is asked to open it
    api.open_store(db).close()
    conn = portal.connect(db)
    try:
        if not portal.ready(conn):
            raise ScoringError(Problem("serve.not_setup", {"path": str(db)}))
        secret = portal.info(conn, "secret")
        year = Year(conn)
    finally:
        conn.close()
    settings = Settings(Path(db), key, max_upload, year)
    routes: list = [Route(path, endpoint(fn, roles), methods=[method], name=f"{method} {path}") for method, path, fn, roles in ROUTES]
    routes.append(Mount("/static", app=StaticFiles(directory=str(HERE / "static")), name="static"))
    # the cookie's name is the portal's own: two portals on one host (other ports) never read each other's
    cookie = "scoring-" + hashlib.sha256(secret.encode()).hexdigest()[:10]
    app = Starlette(
        routes=routes,
        exception_handlers=ANSWERS,
        middleware=[
            Middleware(SecurityHeaders),
            Middleware(LimitBody, limit=max_upload + 64 * 1024),  # the file plus the form around it
            Middleware(SessionMiddleware, secret_key=secret, session_cookie=cookie, max_age=SESSION_HOURS * 3600, same_site="strict", https_only=False),
        ],
    )
    app.state.settings = settings
    return app
