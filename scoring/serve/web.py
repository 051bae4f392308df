"""The request pipeline every page goes through, and what pages share.

Every request goes through :func:`endpoint`: the form is read (within the size limits), the CSRF
token of a POST is checked against the session's, the account is loaded and its role checked
against the route's roles, and only then the page's own function runs, in a worker thread (SQLite
and the engine block). Pages never look at ids from the URL or a form without checking them
against the session's account: an owner's uploads, a unit's sheet and objections are its own.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.templating import Jinja2Templates

from ..core.rounding import fmt
from ..errors import Problem, ScoringError
from ..i18n import t
from . import gate, portal

HERE = Path(__file__).parent
ANYONE, USER, OFFICE, OWNER, UNIT = "anyone", "user", "office", "owner", "unit"
SESSION_HOURS = 10


@dataclass
class Settings:
    db: Path
    key: str | None = None  # the office's signing key (finalize), or None: finalize explains why not
    max_upload: int = gate.MAX_BYTES
    year: Any = None  # the Year, read at start-up
    runs: dict = field(default_factory=dict)  # run id → its Scoring (a saved run never changes)
    templates: dict = field(default_factory=dict)  # file name → the owner workbook `scoring template` writes
    visible: dict = field(default_factory=dict)  # (store version, …) → the run units and the public see


@dataclass
class Ctx:
    """What a page function is given."""

    request: Request
    settings: Settings
    conn: Any
    account: portal.Account | None
    form: dict[str, str]
    files: dict[str, list[tuple[str, bytes]]]

    @property
    def params(self) -> dict[str, Any]:
        return self.request.path_params

    def page(self, name: str, status: int = 200, **context) -> Response:
        return TEMPLATES.TemplateResponse(
            self.request,
            name,
            {
                "me": self.account,
                "csrf": csrf_token(self.request),
                "title": self.settings.year.title,
                "places": self.settings.year.crit.criteria.assessment.precision,
                **context,
            },
            status_code=status,
        )

    def say(self, code: str, status: int = 400, problems: list[dict] | None = None, back: str | None = None, **args) -> Response:
        """A refusal (or a notice) in words of the catalogue, with the problems behind it."""
        return self.page("message.html", status, message=t(code, "zh", **args), problems=problems or [], back=back)

    def go(self, url: str) -> Response:
        return RedirectResponse(url, status_code=303)


TEMPLATES = Jinja2Templates(directory=str(HERE / "templates"))
TEMPLATES.env.globals["t"] = lambda code, **args: t(code, "zh", **args)
# a time as people read it: 2021-01-15 09:30 (the store keeps ISO 8601 with seconds and zone)
TEMPLATES.env.filters["when"] = lambda iso: (iso or "")[:16].replace("T", " ")
# numbers as the papers print them: points as written (100, not 100.0), scores with the criteria's decimals
TEMPLATES.env.filters["num"] = fmt
TEMPLATES.env.filters["score"] = lambda x, places: fmt(x, places)


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not token:
        token = request.session["csrf"] = secrets.token_urlsafe(24)
    return token


def shown(problem: Problem) -> dict:
    from .data import shown as as_dict

    return as_dict(problem)


def problems_of(e: ScoringError) -> list[dict]:
    return [shown(p) for p in e.problems]


# --------------------------------------------------------------------------- the request pipeline
async def _read_form(request: Request) -> tuple[dict[str, str], dict[str, list[tuple[str, bytes]]]]:
    from starlette.datastructures import UploadFile

    form = await request.form(max_files=5, max_fields=200)
    values: dict[str, str] = {}
    files: dict[str, list[tuple[str, bytes]]] = {}
    for k, v in form.multi_items():
        if isinstance(v, UploadFile):
            content = await v.read()
            await v.close()
            if v.filename:
                files.setdefault(k, []).append((Path(v.filename).name, content))
        else:
            values[k] = v
    await form.close()
    return values, files


def endpoint(fn: Callable[[Ctx], Response], roles: tuple[str, ...]):
    async def call(request: Request) -> Response:
        settings: Settings = request.app.state.settings
        form: dict[str, str] = {}
        files: dict[str, list[tuple[str, bytes]]] = {}
        if request.method == "POST":
            try:
                form, files = await _read_form(request)
            except Exception:  # noqa: BLE001 - a malformed body: refused, nothing read
                return bare(request, "serve.bad_form", 400)
            expected = request.session.get("csrf", "")
            if not expected or not hmac.compare_digest(expected.encode(), form.get("csrf", "").encode()):
                return bare(request, "serve.csrf", 403)
        return await run_in_threadpool(_handle, request, settings, fn, roles, form, files)

    return call


def bare(request: Request, code: str, status: int) -> Response:
    return TEMPLATES.TemplateResponse(
        request,
        "message.html",
        {"me": None, "csrf": "", "title": request.app.state.settings.year.title, "message": t(code), "problems": [], "back": "/"},
        status_code=status,
    )


def _handle(request: Request, settings: Settings, fn, roles, form, files) -> Response:
    conn = portal.connect(settings.db)
    try:
        account = _account(request, conn)
        ctx = Ctx(request, settings, conn, account, form, files)
        if ANYONE not in roles:
            if account is None:
                return ctx.go("/login")
            if account.must_change and not getattr(fn, "before_password", False):
                return ctx.go("/password")
            if USER not in roles and not (set(roles) & roles_of(account)):
                return ctx.say("serve.forbidden", 403, back="/")
        return fn(ctx)
    finally:
        conn.close()


def _account(request: Request, conn) -> portal.Account | None:
    login = request.session.get("login")
    if not login:
        return None
    account = portal.account(conn, login)
    # a password changed since the session began ends it
    if account is None or not hmac.compare_digest(account.stamp, request.session.get("stamp", "")):
        request.session.clear()
        return None
    return account


def roles_of(account: portal.Account) -> set[str]:
    roles = {account.role}
    if account.owner:  # a unit reporting its own fields also owes a workbook
        roles.add(OWNER)
    return roles


def home(account: portal.Account | None) -> str:
    if account is None:
        return "/login"
    return {"office": "/office", "owner": "/owner", "unit": "/unit"}[account.role]
