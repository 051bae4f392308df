"""Stored runs as the pages show them: ranked tables, a unit's sheet, the run a unit or the public sees."""

from __future__ import annotations

import datetime as dt
import threading

from ... import api
from ...errors import ScoringError

MOVES = ("added", "removed", "total", "rank", "grade", "failed", "no_excellent")  # what a correction shows
_lock = threading.Lock()


def scored(settings, run_id: int) -> api.Scoring:
    """A stored run scored again (its seal checked), kept: a saved run never changes, and ids are never reused."""
    with _lock:
        hit = settings.runs.get(run_id)
    if hit is None:
        hit = api.stored(run_id, db=settings.db)
        with _lock:
            settings.runs[run_id] = hit
    return hit


def tables(scoring: api.Scoring) -> list[tuple[str, list[dict]]]:
    """Each category's units by rank."""
    by_cat: dict[str, list[dict]] = {}
    for row in api.records(scoring):
        by_cat.setdefault(row["category"], []).append(row)
    return [(cat, sorted(rows, key=lambda r: r["rank"])) for cat, rows in by_cat.items()]


def sheet(scoring: api.Scoring, unit_id: str) -> dict | None:
    """A unit's sheet by its id (never by name: ids come from the URL or the session)."""
    if unit_id not in scoring.results.data.ids:
        return None
    return api.unit_sheet(scoring, unit_id)


def visible(settings, *, public: bool = False):
    """(the published run, the run shown, its 公示) — the run shown is the latest final run of the
    published run's year (a correction, once finalized, replaces it); None before any 公示, and for
    the public page outside the 公示期. Looked up again only when the store has changed since (its
    header's change counter), so the pages everyone opens during the 公示期 do not reopen the store."""
    key = (_changes(settings.db), public, dt.date.today())
    with _lock:
        hit = settings.visible.get(key)
    if hit is None:
        hit = (_visible(settings.db, public),)
        with _lock:
            if len(settings.visible) > 16:  # older versions of the store are never asked for again
                settings.visible.clear()
            settings.visible[key] = hit
    return hit[0]


def _changes(db) -> bytes:
    """SQLite's file change counter (header bytes 24-27): it moves with every commit in rollback-journal
    mode, which the store keeps (scoring.history.store)."""
    with open(db, "rb") as f:
        f.seek(24)
        return f.read(4)


def _visible(db, public: bool):
    runs = api.runs(db=db)
    for run in sorted(runs, key=lambda r: r.id, reverse=True):
        pub = api.publication(run.id, db=db)
        if pub is None:
            continue
        today = dt.date.today().isoformat()
        if public and not (pub.start <= today <= pub.end):
            return None
        finals = [r for r in runs if r.root == run.root and r.final]
        shown = max(finals, key=lambda r: r.id) if finals else run
        return run, shown, pub
    return None


def safe(fn, *args, **kw):
    """None instead of a refusal, for a page that shows what there is."""
    try:
        return fn(*args, **kw)
    except ScoringError:
        return None


PAPER_FORMATS = {"public": ("html", "pdf"), "unit": ("html", "pdf", "xlsx")}


def paper(settings, conn, run, kind: str, fmt: str, unit: str | None = None):
    """A paper of a run, as a download, as `scoring report --for public|unit` makes it, with the 公示期
    recorded for the run's year and the contact the office gave when publishing."""
    from .. import portal
    from .download import attachment

    pub = api.publication(run.id, db=settings.db) or api.publication(run.root, db=settings.db)
    given = {"contact": portal.info(conn, "contact") or None}
    if pub is not None:
        given.update(public_from=pub.start, public_to=pub.end)
    name, content = api.papers(scored(settings, run.id), kind, fmt, unit=unit, publication=given)[0]
    return attachment(content, name)


def evidence_file(ctx, o, back: str):
    """One evidence file of an objection the page has already checked the person may see."""
    from .download import attachment

    try:
        return attachment(api.evidence(o.id, ctx.params["name"], db=ctx.settings.db), ctx.params["name"])
    except ScoringError:
        return ctx.say("serve.not_found", 404, back=back)


def on_objection(home: str, own: bool):
    """A page about the objection in the URL: 404 when there is none, or (``own``) when it is not the
    session's unit's — another unit's objection does not exist for it; a refusal of the API shown
    with its problems, nothing changed."""
    import functools

    from ..web import problems_of

    def wrap(fn):
        @functools.wraps(fn)
        def page(ctx):
            try:
                o = api.objection(int(ctx.params["oid"]), db=ctx.settings.db)
            except ScoringError:
                o = None
            if o is None or (own and o.unit_id != ctx.account.unit_id):
                return ctx.say("serve.not_found", 404, back=home)
            try:
                return fn(ctx, o)
            except ScoringError as e:
                return ctx.say("serve.office.refused", problems=problems_of(e), back=home)

        return page

    return wrap
