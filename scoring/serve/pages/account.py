"""Logging in and out, and changing the password (forced at first login)."""

from __future__ import annotations

import secrets

from starlette.responses import Response

from ...i18n import t
from .. import portal
from ..web import ANYONE, USER, Ctx, home


def before_password(fn):
    """A page an account that must still change its password may use."""
    fn.before_password = True
    return fn


def index(ctx: Ctx) -> Response:
    return ctx.go(home(ctx.account))


def login_page(ctx: Ctx) -> Response:
    if ctx.account is not None:
        return ctx.go(home(ctx.account))
    return ctx.page("login.html")


def login_post(ctx: Ctx) -> Response:
    login, password = ctx.form.get("login", "").strip(), ctx.form.get("password", "")
    if not login or not password:
        return ctx.page("login.html", 400, error=t("serve.login.empty"), login=login)
    client = ctx.request.client.host if ctx.request.client else "-"
    account, why = portal.check_login(ctx.conn, login, password, client)
    if account is None:
        return ctx.page("login.html", 429 if why == "serve.login.limited" else 400, error=t(why or "serve.login.wrong"), login=login)
    session = ctx.request.session
    session.clear()  # a new session at login: nothing set before it carries over
    session.update({"login": account.login, "stamp": account.stamp, "csrf": secrets.token_urlsafe(24)})
    return ctx.go("/password" if account.must_change else home(account))


@before_password
def logout(ctx: Ctx) -> Response:
    ctx.request.session.clear()
    return ctx.go("/login")


@before_password
def password_page(ctx: Ctx) -> Response:
    return ctx.page("password.html")


MIN_PASSWORD = 8


@before_password
def password_post(ctx: Ctx) -> Response:
    me = ctx.account
    assert me is not None
    old, new, again = (ctx.form.get(k, "") for k in ("old", "new", "again"))
    client = ctx.request.client.host if ctx.request.client else "-"
    checked, why = portal.check_login(ctx.conn, me.login, old, client)
    error = None
    if checked is None:
        error = t(why or "serve.login.wrong")
    elif len(new) < MIN_PASSWORD:
        error = t("serve.password.short", n=MIN_PASSWORD)
    elif new != again:
        error = t("serve.password.differ")
    elif new == old:
        error = t("serve.password.same")
    if error:
        return ctx.page("password.html", 400, error=error)
    portal.set_password(ctx.conn, me.login, new)
    fresh = portal.account(ctx.conn, me.login)
    assert fresh is not None
    ctx.request.session.update({"stamp": fresh.stamp, "csrf": secrets.token_urlsafe(24)})
    return ctx.go(home(fresh))


ROUTES = [
    ("GET", "/", index, (ANYONE,)),
    ("GET", "/login", login_page, (ANYONE,)),
    ("POST", "/login", login_post, (ANYONE,)),
    ("POST", "/logout", logout, (USER,)),
    ("GET", "/password", password_page, (USER,)),
    ("POST", "/password", password_post, (USER,)),
]
