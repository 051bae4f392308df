"""A unit's pages: its own sheet once published (rank, grade, its category's average), its objections.

The unit is always the session's: no page takes a unit id from the URL or a form, and an objection
id from the URL is shown only when it is the unit's own."""

from __future__ import annotations

from starlette.responses import Response

from ... import api
from ...errors import ScoringError
from ...i18n import t
from .. import gate
from ..web import UNIT, Ctx, problems_of
from ..data import shown
from . import results


def page(ctx: Ctx, error: dict | None = None, status: int = 200) -> Response:
    me = ctx.account
    assert me is not None and me.unit_id is not None
    vis = results.visible(ctx.settings)
    if vis is None:
        return ctx.page("unit.html", published=None)
    published, run, pub = vis
    sheet = results.sheet(results.scored(ctx.settings, run.id), me.unit_id)
    mine = [o for o in api.objections(published.id, db=ctx.settings.db) if o.unit_id == me.unit_id]
    return ctx.page("unit.html", status, published=published, run=run, pub=pub, s=sheet, objections=mine, error=error, form=ctx.form)


def object_post(ctx: Ctx) -> Response:
    me = ctx.account
    assert me is not None and me.unit_id is not None
    vis = results.visible(ctx.settings)
    if vis is None:
        return ctx.say("serve.unit.not_published", back="/unit")
    published = vis[0]
    indicator, text = ctx.form.get("indicator", "").strip(), ctx.form.get("text", "").strip()
    if not indicator or not text:
        return page(ctx, {"message": t("serve.unit.object_missing")}, 400)
    evidence = []
    for name, content in ctx.files.get("evidence", []):
        refused = gate.evidence_refusal(name, content, ctx.settings.max_upload)
        if refused is not None:
            return ctx.say("serve.upload.refused", problems=[shown(refused)], back="/unit")
        evidence.append((name, content))
    try:
        o = api.add_objection(published.id, me.unit_id, text, f"{me.name}（{me.login}）", indicator=indicator, evidence=evidence, db=ctx.settings.db)
    except ScoringError as e:
        return ctx.say("serve.office.refused", problems=problems_of(e), back="/unit")
    return ctx.go(f"/unit/objections/{o.id}")


on_own_objection = results.on_objection("/unit", own=True)


@on_own_objection
def objection(ctx: Ctx, o) -> Response:
    letter = results.safe(api.objection_letter, o.id, db=ctx.settings.db) if o.state != "pending" else None
    return ctx.page("objection.html", o=o, letter=letter, back="/unit")


@on_own_objection
def evidence(ctx: Ctx, o) -> Response:
    return results.evidence_file(ctx, o, f"/unit/objections/{o.id}")


def paper(ctx: Ctx) -> Response:
    """The unit's own 考核结果反馈 of the run it sees."""
    me = ctx.account
    assert me is not None and me.unit_id is not None
    vis, fmt = results.visible(ctx.settings), ctx.params["fmt"]
    if vis is None or fmt not in results.PAPER_FORMATS["unit"]:
        return ctx.say("serve.not_found", 404, back="/unit")
    try:
        return results.paper(ctx.settings, ctx.conn, vis[1], "unit", fmt, me.unit_id)
    except ScoringError as e:
        return ctx.say("serve.office.refused", problems=problems_of(e), back="/unit")


ROUTES = [
    ("GET", "/unit", page, (UNIT,)),
    ("POST", "/unit/objections", object_post, (UNIT,)),
    ("GET", "/unit/objections/{oid:int}", objection, (UNIT,)),
    ("GET", "/unit/objections/{oid:int}/evidence/{name}", evidence, (UNIT,)),
    ("GET", "/unit/paper.{fmt}", paper, (UNIT,)),
]
