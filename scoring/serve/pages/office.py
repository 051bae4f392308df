"""The office's pages: collection progress, accounts, runs (draft, rankings, sheets, papers), 公示,
objections (decide, apply as a correction run), finalize."""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any, Callable

from starlette.responses import Response

from ... import api
from ...errors import ScoringError
from .. import portal
from ..web import OFFICE, Ctx, problems_of
from . import results
from .download import attachment


def _operator(ctx: Ctx) -> str:
    me = ctx.account
    assert me is not None
    return f"{me.name}（{me.login}）"


def progress(ctx: Ctx) -> Response:
    """Who has sent a clean workbook, whose latest upload has problems, who has sent nothing (late
    once the due date set here has passed); for the clean data, what `scoring progress` says of it:
    a workbook whose figures came inside another's, and the required cells still blank."""
    year = ctx.settings.year
    logins = {a.owner: a.login for a in portal.accounts(ctx.conn) if a.owner}
    latest: dict[str, portal.Upload] = {}
    clean: dict[str, portal.Upload] = {}
    for u in reversed(portal.uploads(ctx.conn)):  # oldest first: the last seen is the latest
        latest[u.owner] = u
        if u.ok:
            clean[u.owner] = u
    try:
        with year.folder(portal.latest_clean(ctx.conn)) as folder:
            found = {w.owner: w for w in api.progress(year.crit, folder).workbooks}
    except ScoringError:
        found = {}
    due = portal.info(ctx.conn, "due")
    late = bool(due) and dt.date.today().isoformat() > due
    rows = []
    for b in year.workbooks.values():
        via = found[b.owner].via if b.owner in found and b.owner not in clean else []
        rows.append(
            {
                "book": b,
                "login": logins.get(b.owner, ""),
                "latest": latest.get(b.owner),
                "clean": clean.get(b.owner),
                "via": via,
                "blank": len(found[b.owner].required) if b.owner in found else 0,
                "late": late and b.owner not in clean and not via,
            }
        )
    rows.sort(key=lambda r: (r["clean"] is not None or bool(r["via"]), r["latest"] is not None, r["book"].file))
    done = sum(1 for r in rows if r["clean"])
    return ctx.page("progress.html", rows=rows, done=done, due=due or "", runs=api.runs(db=ctx.settings.db))


def set_due(ctx: Ctx) -> Response:
    from ...load.progress import parse_due

    text = ctx.form.get("due", "").strip()
    try:
        due = parse_due(text).isoformat() if text else ""
    except ValueError:
        return ctx.say("serve.office.bad_date", text=text, back="/office")
    with portal.writing(ctx.conn):
        ctx.conn.execute("INSERT OR REPLACE INTO portal_info (key, value) VALUES ('due', ?)", (due,))
    return ctx.go("/office")


def accounts(ctx: Ctx) -> Response:
    """The printable sheet of initial passwords (an account that changed its password shows no more)."""
    return ctx.page("accounts.html", accounts=portal.accounts(ctx.conn))


def reset(ctx: Ctx) -> Response:
    """A new initial password for an account, shown on the accounts sheet to print and hand over."""
    if portal.reset_password(ctx.conn, ctx.params["login"]) is None:
        return ctx.say("serve.not_found", 404, back="/office/accounts")
    return ctx.go("/office/accounts")


def upload_page(ctx: Ctx) -> Response:
    up = portal.upload(ctx.conn, int(ctx.params["upload"]))
    if up is None:
        return ctx.say("serve.not_found", 404, back="/office")
    return ctx.page("upload.html", upload=up, back="/office")


def upload_file(ctx: Ctx) -> Response:
    up = portal.upload(ctx.conn, int(ctx.params["upload"]))
    if up is None:
        return ctx.say("serve.not_found", 404, back="/office")
    return attachment(portal.upload_bytes(ctx.conn, up.id), up.stored_as)


def run_draft(ctx: Ctx) -> Response:
    """Score the unit list and each owner's latest clean upload, and save it as a draft run."""
    year = ctx.settings.year
    try:
        with year.folder(portal.latest_clean(ctx.conn)) as folder:
            scoring = api.score(year.crit, folder, db=ctx.settings.db)
            run_id = api.save(scoring, folder, _operator(ctx), note=ctx.form.get("note", ""), db=ctx.settings.db)
    except ScoringError as e:
        return ctx.say("serve.office.cannot_score", problems=problems_of(e), back="/office")
    return ctx.go(f"/office/runs/{run_id}")


def runs(ctx: Ctx) -> Response:
    return ctx.page("runs.html", runs=api.runs(db=ctx.settings.db), key=bool(ctx.settings.key))


def on_run(fn: Callable[[Ctx, Any], Response | None]) -> Callable[[Ctx], Response]:
    """A page about the run in the URL: 404 when there is none; a refusal of the API shown with its
    problems (nothing was changed); None from the page: back to the run's page."""

    @functools.wraps(fn)
    def page(ctx: Ctx) -> Response:
        run_id = int(ctx.params["run"])
        info = next((r for r in api.runs(db=ctx.settings.db) if r.id == run_id), None)
        if info is None:
            return ctx.say("serve.not_found", 404, back="/office/runs")
        back = f"/office/runs/{info.id}"
        try:
            out = fn(ctx, info)
        except ScoringError as e:
            return ctx.say("serve.office.refused", problems=problems_of(e), back=back)
        return ctx.go(back) if out is None else out

    return page


@on_run
def run_page(ctx: Ctx, info) -> Response:
    scoring = results.scored(ctx.settings, info.id)
    _, events, broken = api.event_log(info.id, db=ctx.settings.db)
    return ctx.page(
        "run.html",
        run=info,
        tables=results.tables(scoring),
        events=events,
        broken=broken,
        publication=api.publication(info.id, db=ctx.settings.db),
        objections=api.objections(info.id, db=ctx.settings.db),
        key=bool(ctx.settings.key),
        today=dt.date.today().isoformat(),
        contact=portal.info(ctx.conn, "contact") or "",
    )


@on_run
def unit_sheet(ctx: Ctx, info) -> Response:
    sheet = results.sheet(results.scored(ctx.settings, info.id), ctx.params["unit"])
    if sheet is None:
        return ctx.say("serve.not_found", 404, back=f"/office/runs/{info.id}")
    return ctx.page("sheet.html", run=info, s=sheet, back=f"/office/runs/{info.id}")


@on_run
def publish(ctx: Ctx, info) -> Response | None:
    start, end = ctx.form.get("start", ""), ctx.form.get("end", "")
    if not start or not end:
        return ctx.say("serve.office.period_missing", back=f"/office/runs/{info.id}")
    contact = ctx.form.get("contact", "").strip()
    if contact:  # printed on the 公示 and on each unit's paper: where to object
        with portal.writing(ctx.conn):
            ctx.conn.execute("INSERT OR REPLACE INTO portal_info (key, value) VALUES ('contact', ?)", (contact,))
    api.publish(info.id, start, end, _operator(ctx), reason=ctx.form.get("reason", ""), db=ctx.settings.db)
    return None


@on_run
def finalize(ctx: Ctx, info) -> Response | None:
    if not ctx.settings.key:
        return ctx.say("serve.no_key", back=f"/office/runs/{info.id}")
    api.finalize(info.id, _operator(ctx), key=ctx.settings.key, db=ctx.settings.db)
    return None


@on_run
def apply(ctx: Ctx, info) -> Response:
    """Every accepted objection of the run's year in one correction run; the page shows what moved."""
    reason = ctx.form.get("reason", "").strip()
    if not reason:
        return ctx.say("serve.office.reason_missing", back=f"/office/runs/{info.id}")
    done = api.apply_objections(info.id, reason, _operator(ctx), db=ctx.settings.db).applied
    rescored: Any = done.report  # the correction run and its differences from the run it corrects
    return ctx.page("applied.html", run=info, applied=done, new=rescored.new_run, changes=[c for c in rescored.changes if c.what in results.MOVES])


@on_run
def report(ctx: Ctx, info) -> Response:
    """The office's report of a run (the same bytes `scoring report N --out …` writes)."""
    fmt = ctx.params["fmt"]
    if fmt not in ("xlsx", "html", "pdf"):
        return ctx.say("serve.not_found", 404, back=f"/office/runs/{info.id}")
    content = api.report(results.scored(ctx.settings, info.id), fmt, db=ctx.settings.db)
    return attachment(content, f"{ctx.settings.year.title}-第{info.id}号运行.{fmt}")


@on_run
def public_paper(ctx: Ctx, info) -> Response:
    return _paper(ctx, info, "public", None)


@on_run
def unit_paper(ctx: Ctx, info) -> Response:
    if ctx.params["unit"] not in results.scored(ctx.settings, info.id).results.data.ids:
        return ctx.say("serve.not_found", 404, back=f"/office/runs/{info.id}")
    return _paper(ctx, info, "unit", ctx.params["unit"])


def _paper(ctx: Ctx, info, kind: str, unit: str | None) -> Response:
    fmt = ctx.params["fmt"]
    if fmt not in results.PAPER_FORMATS[kind]:
        return ctx.say("serve.not_found", 404, back=f"/office/runs/{info.id}")
    return results.paper(ctx.settings, ctx.conn, info, kind, fmt, unit)


on_objection = results.on_objection("/office/runs", own=False)


@on_objection
def evidence(ctx: Ctx, o) -> Response:
    return results.evidence_file(ctx, o, f"/office/objections/{o.id}")


@on_objection
def objection_page(ctx: Ctx, o) -> Response:
    return ctx.page("objection.html", o=o, back=f"/office/runs/{o.run_id}")


@on_objection
def decide(ctx: Ctx, o) -> Response:
    choice, reason = ctx.form.get("decision", ""), ctx.form.get("reason", "").strip()
    values = [v.strip() for v in ctx.form.get("values", "").splitlines() if v.strip()]
    back = f"/office/objections/{o.id}"
    if choice not in ("accept", "reject") or not reason:
        return ctx.say("serve.office.decision_missing", back=back)
    api.decide_objection(o.id, choice == "accept", reason, _operator(ctx), values=values, db=ctx.settings.db)
    return ctx.go(back)


@on_objection
def letter(ctx: Ctx, o) -> Response:
    text = api.objection_letter(o.id, db=ctx.settings.db)
    return attachment(text.encode("utf-8"), f"复核答复-第{o.id}号申诉.md")


ROUTES = [
    ("GET", "/office", progress, (OFFICE,)),
    ("POST", "/office/due", set_due, (OFFICE,)),
    ("GET", "/office/accounts", accounts, (OFFICE,)),
    ("POST", "/office/accounts/{login}/reset", reset, (OFFICE,)),
    ("GET", "/office/uploads/{upload:int}", upload_page, (OFFICE,)),
    ("GET", "/office/uploads/{upload:int}/file", upload_file, (OFFICE,)),
    ("POST", "/office/run", run_draft, (OFFICE,)),
    ("GET", "/office/runs", runs, (OFFICE,)),
    ("GET", "/office/runs/{run:int}", run_page, (OFFICE,)),
    ("GET", "/office/runs/{run:int}/units/{unit}", unit_sheet, (OFFICE,)),
    ("GET", "/office/runs/{run:int}/report.{fmt}", report, (OFFICE,)),
    ("GET", "/office/runs/{run:int}/public.{fmt}", public_paper, (OFFICE,)),
    ("GET", "/office/runs/{run:int}/units/{unit}/paper.{fmt}", unit_paper, (OFFICE,)),
    ("POST", "/office/runs/{run:int}/publish", publish, (OFFICE,)),
    ("POST", "/office/runs/{run:int}/finalize", finalize, (OFFICE,)),
    ("POST", "/office/runs/{run:int}/apply", apply, (OFFICE,)),
    ("GET", "/office/objections/{oid:int}", objection_page, (OFFICE,)),
    ("POST", "/office/objections/{oid:int}/decide", decide, (OFFICE,)),
    ("GET", "/office/objections/{oid:int}/letter", letter, (OFFICE,)),
    ("GET", "/office/objections/{oid:int}/evidence/{name}", evidence, (OFFICE,)),
]
