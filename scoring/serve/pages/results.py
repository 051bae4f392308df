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


def visible(db, *, public: bool = False):
    """(the published run, the run shown, its 公示) — the run shown is the latest final run of the
    published run's year (a correction, once finalized, replaces it); None before any 公示, and for
    the public page outside the 公示期."""
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
