"""A data owner's pages: its workbook (fields, template), its uploads and what each one's check found."""

from __future__ import annotations

import tempfile
import threading
from pathlib import Path

from starlette.responses import Response

from ... import api
from .. import gate, portal
from ..web import OWNER, Ctx
from .download import attachment

_templates_lock = threading.Lock()


def _mine(ctx: Ctx):
    me = ctx.account
    assert me is not None and me.owner is not None
    return ctx.settings.year.workbooks[me.owner]


def page(ctx: Ctx) -> Response:
    book = _mine(ctx)
    ups = portal.uploads(ctx.conn, book.owner)
    return ctx.page("owner.html", book=book, uploads=ups, latest=ups[0] if ups else None, limit=gate.MAX_ROWS)


def template(ctx: Ctx) -> Response:
    """The owner's data-entry workbook, as `scoring template` writes it (made once, then kept)."""
    settings, book = ctx.settings, _mine(ctx)
    cache = settings.templates
    with _templates_lock:
        if not cache:
            year = settings.year
            with tempfile.TemporaryDirectory(prefix="scoring-tpl-") as d:
                units = Path(d) / year.units_name
                units.write_bytes(year.units_bytes)
                paths, _ = api.templates(year.crit, Path(d) / "out", units=units)
                cache.update({p.name: p.read_bytes() for p in paths})
    return attachment(cache[book.file], book.file)


def upload(ctx: Ctx) -> Response:
    me, book = ctx.account, _mine(ctx)
    assert me is not None
    sent = ctx.files.get("file", [])
    if len(sent) != 1:
        return ctx.say("serve.upload.none", back="/owner")
    name, content = sent[0]
    refused = gate.refusal(name, content, ctx.settings.max_upload)
    if refused is not None:  # refused before it is read: nothing kept
        return ctx.say("serve.upload.refused", 400, problems=[_shown(refused)], back="/owner")
    problems = ctx.settings.year.check(book.owner, name, content)
    uid = portal.add_upload(ctx.conn, book.owner, me.login, name, ctx.settings.year.stored_name(book.owner, name), content, problems)
    return ctx.go(f"/owner/uploads/{uid}")


def _shown(p):
    from ..data import shown

    return shown(p)


def one(ctx: Ctx) -> Response:
    book = _mine(ctx)
    up = portal.upload(ctx.conn, int(ctx.params["upload"]))
    if up is None or up.owner != book.owner:  # another owner's upload does not exist for this one
        return ctx.say("serve.not_found", 404, back="/owner")
    return ctx.page("upload.html", upload=up, book=book, back="/owner")


ROUTES = [
    ("GET", "/owner", page, (OWNER,)),
    ("GET", "/owner/template", template, (OWNER,)),
    ("POST", "/owner/upload", upload, (OWNER,)),
    ("GET", "/owner/uploads/{upload:int}", one, (OWNER,)),
]
