"""Text and JSON for the history commands (runs, verify, rescore, history, compare).

Every output names the runs it was read from with their stamps.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from ..core.rounding import fmt
from ..i18n import t
from .diff import Change, InputChange
from .lookback import CompareLine, Comparison, HistoryLine, NoRecord, Outcome
from .reproduce import DecisionChange, RescoreReport, VerifyReport
from .seal import StoreCheck, said, said_in
from .store import RunInfo

IMPORTED = "import"  # the engine of a run brought in from a published sheet (imported.py)
LIMIT = 40  # lines of differences shown in a table (JSON has them all)


def tabulate_wide(rows, headers, align=None) -> str:
    """A plain text table whose Chinese characters count as two columns, so it lines up."""
    from tabulate import tabulate
    import tabulate as _tab

    _tab.WIDE_CHARS_MODE = True
    return tabulate(rows, headers=headers, tablefmt="simple", disable_numparse=True, colalign=align)


def dump_json(doc: Any) -> str:
    """A JSON document as the history commands print it: UTF-8 text kept readable, one-space indent."""
    return json.dumps(doc, ensure_ascii=False, indent=1) + "\n"


def _status(run: RunInfo, lang: str) -> str:
    return t(f"hist.status.{run.status}", lang)


def run_dict(run: RunInfo) -> dict[str, Any]:
    return {
        "run": run.id,
        "series": run.series,
        "year": run.year,
        "assessment": run.assessment,
        "status": run.status,
        "created": run.created,
        "operator": run.operator,
        "finalized": run.finalized,
        "finalized_by": run.finalized_by,
        "corrects": run.corrects,
        "root": run.root,
        "reason": run.reason,
        "units": run.units,
        "criteria_path": run.criteria_path,
        "data_path": run.data_path,
        "stamp": run.stamp().as_dict(),
        "plugins_loaded": run.plugins,
    }


# ---------------------------------------------------------------------------- runs
def runs_text(runs: list[RunInfo], db: str, lang: str, pubs: dict | None = None) -> str:
    out = [t("hist.runs.db", lang, db=db)]
    if not runs:
        return "\n".join(out + [t("hist.runs.none", lang)]) + "\n"
    rows = [
        [
            str(r.id),
            r.series,
            str(r.year),
            _status(r, lang) + (t("cycle.imported_mark", lang) if r.engine == IMPORTED else ""),
            r.created.replace("T", " ")[:16],
            r.operator,
            str(r.units),
            r.criteria_sha256[:12],
            r.data_sha256[:12],
            (f"#{r.corrects}" if r.corrects else ""),
            r.reason or "",
            _published(pubs, r.id),
        ]
        for r in runs
    ]
    head = [
        t(f"hist.col.{k}", lang)
        for k in ("run", "series", "year", "status", "created", "operator", "units", "criteria", "data", "corrects", "reason", "published")
    ]
    out.append(tabulate_wide(rows, head, ["right", "left", "right", "left", "left", "left", "right", "left", "left", "left", "left", "left"]))
    return "\n".join(out) + "\n"


def _published(pubs: dict | None, run_id: int) -> str:
    p = (pubs or {}).get(run_id)
    return f"{p.start}～{p.end}" if p else ""


def runs_json(runs: list[RunInfo], db: str, pubs: dict | None = None) -> str:
    def one(r: RunInfo) -> dict:
        p = (pubs or {}).get(r.id)
        return {**run_dict(r), "imported": r.engine == IMPORTED, "published": {"from": p.start, "to": p.end, "by": p.operator, "at": p.at} if p else None}

    return dump_json({"schema": "scoring.runs/1", "db": db, "runs": [one(r) for r in runs]})


# ---------------------------------------------------------------------------- changes
def _val(x, places: int, lang: str) -> str:
    if isinstance(x, bool):
        return t("hist.yes" if x else "hist.no", lang)
    if isinstance(x, float):
        return fmt(x, places)
    return "—" if x is None else str(x)


def change_text(c: Change, places: int, lang: str) -> str:
    return t(f"hist.chg.{c.what}", lang, old=_val(c.old, places, lang), new=_val(c.new, places, lang), item=c.item)


def _changes_by_unit(changes: list[Change], places: int, lang: str) -> list[str]:
    order: dict[str, list[Change]] = {}
    for c in changes:
        order.setdefault(c.unit_id, []).append(c)
    lines = []
    for uid, cs in order.items():
        first = cs[0]
        lines.append(
            "  "
            + t(
                "hist.unit_changes",
                lang,
                unit=uid,
                name=first.name,
                category=first.category,
                changes=t("sep.items", lang).join(change_text(c, places, lang) for c in cs),
            )
        )
    return lines


def _input_lines(inputs: list[InputChange], lang: str) -> list[str]:
    return ["  " + t("hist.input", lang, unit=i.unit_id, name=i.name, field=i.field, old=fmt(i.old), new=fmt(i.new)) for i in inputs]


def _limited(lines: list[str], lang: str) -> list[str]:
    if len(lines) <= LIMIT:
        return lines
    return lines[:LIMIT] + ["  " + t("hist.more", lang, n=len(lines) - LIMIT)]


def _change_dict(c: Change) -> dict[str, Any]:
    return {"unit": c.unit_id, "name": c.name, "category": c.category, "what": c.what, "item": c.item or None, "old": c.old, "new": c.new}


def _input_dict(i: InputChange) -> dict[str, Any]:
    return {"unit": i.unit_id, "name": i.name, "field": i.field, "old": i.old, "new": i.new}


def _versions_lines(rep, lang: str) -> list[str]:
    out = []
    if rep.engine_then != rep.engine_now:
        out.append("  " + t("hist.verify.engine", lang, then=rep.engine_then, now=rep.engine_now))
    for v in rep.versions:
        out.append(
            "  "
            + t(
                "hist.verify.plugin",
                lang,
                method=v.method,
                p_then=v.plugin_then or "—",
                v_then=v.version_then or "?",
                p_now=v.plugin_now or "—",
                v_now=v.version_now or "?",
            )
        )
    return out


# ---------------------------------------------------------------------------- verify
def verify_text(rep: VerifyReport, lang: str) -> str:
    run = rep.run
    places = run.precision
    out = [
        t(
            "hist.verify.head",
            lang,
            run=run.id,
            assessment=run.assessment,
            status=_status(run, lang),
            created=run.created.replace("T", " ")[:16],
            operator=run.operator,
        )
    ]
    for what in rep.altered:
        out.append(t("hist.verify.altered", lang, what=t(f"hist.col.{what}", lang)))
    if rep.seal:
        out.append(t("seal.verify_unsealed" if rep.seal == ["unsealed"] else "seal.verify_broken", lang, run=run.id))
        out += _limited(["  " + said_in(w, lang) for w in rep.seal if w != "unsealed"], lang)
    elif run.final:
        out.append(t("seal.verify_ok", lang, digest=run.seal_digest, key=run.seal_key))
    versions = _versions_lines(rep, lang)
    if versions:
        out.append(t("hist.verify.plugins_differ", lang))
        out += versions
    else:
        used = t("sep.list", lang).join(f"{p} {v}" for p, v in sorted(rep.stamp_now.plugins.items()))
        out.append(t("hist.verify.versions_same", lang, versions=f"{rep.engine_now}; {used}"))
    if rep.inputs:
        out.append(t("hist.verify.inputs", lang, n=len(rep.inputs)))
        out += _limited(_input_lines(rep.inputs, lang), lang)
    if rep.units_added:
        out.append(t("hist.verify.units_added", lang, units="、".join(rep.units_added)))
    if rep.units_removed:
        out.append(t("hist.verify.units_removed", lang, units="、".join(rep.units_removed)))
    if rep.identical:
        out.append(t("hist.verify.same_data", lang, data=rep.data_given) if rep.data_given else t("hist.verify.same", lang, units=run.units))
    else:
        n = len(rep.changes) + len(rep.inputs) + len(rep.altered) + len(rep.units_added) + len(rep.units_removed) + len(rep.seal)
        units = len({c.unit_id for c in rep.changes} | set(rep.units_added) | set(rep.units_removed) | {i.unit_id for i in rep.inputs})
        out.append(t("hist.verify.differs", lang, n=n, units=units))
        if rep.changes:
            out.append(t("hist.verify.results", lang))
            out += _limited(_changes_by_unit(rep.changes, places, lang), lang)
            if versions and not rep.inputs and not rep.altered and not rep.data_given:
                out.append(t("hist.verify.cause_plugin", lang))
    out += ["", t("hist.sources", lang), "  " + run.stamp().line(lang), "  " + rep.stamp_now.line(lang)]
    return "\n".join(out) + "\n"


def verify_json(rep: VerifyReport) -> str:
    return dump_json(
        {
            "schema": "scoring.verify/1",
            "run": run_dict(rep.run),
            "identical": rep.identical,
            "same_versions": rep.same_versions,
            "altered": rep.altered,
            "engine": {"then": rep.engine_then, "now": rep.engine_now},
            "versions": [vars(v) for v in rep.versions],
            "data_given": rep.data_given,
            "inputs": [_input_dict(i) for i in rep.inputs],
            "units_added": rep.units_added,
            "units_removed": rep.units_removed,
            "changes": [_change_dict(c) for c in rep.changes],
            "stamp": rep.stamp_now.as_dict(),
            "seal": {
                "intact": not rep.seal,
                "problems": [getattr(w, "en", w) for w in rep.seal],
                "sha256": rep.run.seal_digest,
                "office_public_key": rep.run.seal_key,
            },
        }
    )


def check_text(c: StoreCheck, lang: str) -> str:
    """``verify --all``: every seal, the triggers and the event log, in words."""

    out = [t("seal.all_head", lang, db=c.path, n=len(c.seals))]
    if c.triggers_missing:
        out.append(t("history.triggers_gone", lang, path=c.path, names="、".join(c.triggers_missing)))
    for run, what in c.problems:
        if run is not None and what == ["unsealed"]:  # a final run without a seal (check_all names it)
            out.append(t("seal.unsealed", lang, run=run.id, year=run.year, path=c.path))
            continue
        label = t("seal.all_run", lang, run=run.id, year=run.year) if run else ""
        out.append(label + said(what, lang))
    if c.log_rows_altered:
        out.append(t("cycle.log.broken", lang, rows="、".join(map(str, c.log_rows_altered))))
    if c.intact:
        out.append(t("seal.all_ok", lang, n=len(c.seals), head=c.seals[-1].digest if c.seals else "—"))
    return "\n".join(out) + "\n"


def check_json(c: StoreCheck) -> str:
    return (
        json.dumps(
            {
                "schema": "scoring.verify_all/1",
                "db": str(c.path),
                "seals": len(c.seals),
                "triggers_missing": c.triggers_missing,
                "intact": c.intact,
                "chain_head": c.seals[-1].digest if c.seals else None,
                "problems": [{"run": r.id if r else None, "what": [getattr(x, "en", x) for x in w]} for r, w in c.problems],
                "log_rows_altered": c.log_rows_altered,
            },
            ensure_ascii=False,
            indent=1,
        )
        + "\n"
    )


# ---------------------------------------------------------------------------- rescore
def decision_change_text(d: DecisionChange, lang: str) -> str:
    """A proposed decision that appears, disappears or changes state after a correction, in words."""
    code = "hist.dec.appears" if d.old is None else ("hist.dec.disappears" if d.new is None else "hist.dec.status")
    return t(
        code,
        lang,
        rule=d.rule,
        name=d.name,
        consequence=d.consequence,
        category=d.category,
        unit=d.unit_id,
        unit_name=d.unit_name,
        old=t(f"hist.dec.{d.old}", lang) if d.old else "",
        new=t(f"hist.dec.{d.new}", lang) if d.new else "",
    )


def rescore_text(rep: RescoreReport, lang: str) -> str:
    places = rep.run.precision
    out = [t("hist.rescore.head", lang, run=rep.run.id, assessment=rep.run.assessment, new=rep.new_run.id, reason=rep.new_run.reason)]
    if rep.inputs or rep.units_added or rep.units_removed:
        out.append(t("hist.rescore.inputs", lang, n=len(rep.inputs)))
        out += _limited(_input_lines(rep.inputs, lang), lang)
        if rep.units_added:
            out.append(t("hist.verify.units_added", lang, units="、".join(rep.units_added)))
        if rep.units_removed:
            out.append(t("hist.verify.units_removed", lang, units="、".join(rep.units_removed)))
    else:
        out.append(t("hist.rescore.no_inputs", lang))
    moved = {c.unit_id for c in rep.changes}
    if rep.changes:
        out.append(t("hist.rescore.results", lang, n=len(moved)))
        out += _limited(_changes_by_unit(rep.changes, places, lang), lang)
    else:
        out.append(t("hist.rescore.no_results", lang))
    if rep.decisions:
        out.append(t("hist.rescore.decisions", lang, n=len(rep.decisions)))
        for d in rep.decisions:
            out.append("  " + decision_change_text(d, lang))
    versions = _versions_lines(rep, lang)
    if versions:
        out.append(t("hist.warning", lang) + t("hist.rescore.versions", lang))
        out += versions
    out.append(t("hist.rescore.next", lang, new=rep.new_run.id, year=rep.run.year, run=rep.run.id))
    out += ["", t("hist.sources", lang), "  " + rep.run.stamp().line(lang), "  " + rep.new_run.stamp().line(lang)]
    return "\n".join(out) + "\n"


def rescore_json(rep: RescoreReport) -> str:
    return dump_json(
        {
            "schema": "scoring.rescore/1",
            "corrected": run_dict(rep.run),
            "correction": run_dict(rep.new_run),
            "inputs": [_input_dict(i) for i in rep.inputs],
            "units_added": rep.units_added,
            "units_removed": rep.units_removed,
            "changes": [_change_dict(c) for c in rep.changes],
            "decisions": [vars(d) for d in rep.decisions],
            "engine": {"then": rep.engine_then, "now": rep.engine_now},
            "versions": [vars(v) for v in rep.versions],
        }
    )


# ---------------------------------------------------------------------------- history of a unit
def _signed(x: float | None, places: int) -> str:
    if x is None:
        return ""
    text = fmt(x, places)
    return text if x < 0 else ("+" + text if x > 0 else text)


def _arrow(n: int | None) -> str:
    if n is None:
        return ""
    return f"↑{n}" if n > 0 else (f"↓{-n}" if n < 0 else "=")


def _outcome_dict(o: Outcome | NoRecord) -> dict[str, Any]:
    if isinstance(o, NoRecord):
        return {"year": o.year, "found": False, "reason": o.reason, "run": o.run_id, "ids": list(o.ids)}
    return {
        "year": o.year,
        "found": True,
        "unit_id": o.recorded_id,
        "name": o.name,
        "category": o.category,
        "total": o.total,
        "rank": o.rank,
        "of": o.of,
        "last_rank": o.last_rank,
        "grade": o.grade,
        "failed": o.failed,
        "no_excellent": o.no_excellent,
        "run": o.run_id,
    }


def history_text(series: str, unit: str, lines: list[HistoryLine], runs: dict[int, RunInfo], aliases, lang: str) -> str:
    found = [ln.record for ln in lines if isinstance(ln.record, Outcome)]
    name = found[-1].name if found else ""
    places = max((r.precision for r in runs.values()), default=2)
    out = [t("hist.history.head", lang, unit=unit, name=name, series=series), ""]
    rows = []
    for ln in lines:
        r = ln.record
        if isinstance(r, Outcome):
            rows.append(
                [
                    str(ln.year),
                    f"#{r.run_id}",
                    r.recorded_id,
                    r.name,
                    r.category,
                    fmt(r.total, places),
                    _signed(ln.change, places),
                    f"{r.rank}/{r.of}",
                    _arrow(ln.rank_change),
                    r.grade or "",
                    _veto(r, lang),
                ]
            )
        else:
            note = t(f"hist.history.{r.reason}", lang, ids="、".join(r.ids))
            rows.append([str(ln.year), f"#{r.run_id}" if r.run_id else "", "", "", "", "", "", "", "", "", note])
    head = [t(f"hist.col.{k}", lang) for k in ("year", "run", "id_then", "name", "category", "total", "change", "rank", "rank_change", "grade", "note")]
    out.append(tabulate_wide(rows, head, ["right", "left", "left", "left", "left", "right", "right", "right", "left", "left", "left"]))
    from .lineage import successors

    rel = [a for a in aliases if a.new == unit or a.old == unit or a.old in {o.recorded_id for o in found}]
    if rel:
        out.append("")
        for a in rel:
            when = t("hist.history.alias_when", lang, year=a.year) if a.year else ""
            note = t("text.note", lang, note=a.note) if a.note else ""
            out.append(t("hist.history.alias", lang, old=a.old, new=a.new, when=when, note=note))
    later = successors(unit, aliases)
    if later:
        out.append(t("hist.history.successor", lang, unit=unit, new=later[-1]))
    out += ["", t("hist.sources", lang)]
    out += ["  " + t("hist.source_run", lang, year=runs[rid].year, stamp=runs[rid].stamp().line(lang)) for rid in sorted(runs)]
    return "\n".join(out) + "\n"


def _veto(o: Outcome, lang: str) -> str:
    parts = []
    if o.failed:
        parts.append(t("hist.veto.failed", lang))
    if o.no_excellent:
        parts.append(t("hist.veto.no_excellent", lang))
    return "、".join(parts)


def history_json(series: str, unit: str, lines: list[HistoryLine], runs: dict[int, RunInfo], aliases) -> str:
    return dump_json(
        {
            "schema": "scoring.history/1",
            "series": series,
            "unit": unit,
            "years": [{**_outcome_dict(ln.record), "change": ln.change, "rank_change": ln.rank_change, "grade_before": ln.grade_before} for ln in lines],
            "aliases": [{"old": a.old, "new": a.new, "year": a.year, "note": a.note} for a in aliases if a.new == unit or a.old == unit],
            "runs": {str(k): run_dict(v) for k, v in sorted(runs.items())},
        }
    )


# ---------------------------------------------------------------------------- year over year
def _compare_note(ln: CompareLine, cmp: Comparison, lang: str) -> str:
    b = ln.before
    if ln.now is None:
        return t("hist.compare.gone", lang, year=cmp.year)
    if isinstance(b, NoRecord):
        if b.reason == "merged":
            return t("hist.compare.merged_from", lang, ids="、".join(b.ids))
        return t("hist.compare.new", lang) if cmp.before_run else ""
    notes = []
    if b.recorded_id != ln.unit_id:
        notes.append(t("hist.compare.renamed_from", lang, id=b.recorded_id))
    if b.category != ln.now.category:
        notes.append(t("hist.compare.moved", lang, cat=b.category))
    return t("sep.items", lang).join(notes)


def compare_rows(cmp: Comparison, lang: str) -> tuple[list[str], list[list[str]]]:
    places = cmp.run.precision
    prev = cmp.year - 1
    head = [
        t("hist.col.rank", lang),
        t("hist.col.id", lang),
        t("hist.col.name", lang),
        t("hist.col.category", lang),
        t("hist.col.total_y", lang, year=prev),
        t("hist.col.total_y", lang, year=cmp.year),
        t("hist.col.change", lang),
        t("hist.col.rank_y", lang, year=prev),
        t("hist.col.rank_change", lang),
        t("hist.col.grade_y", lang, year=prev),
        t("hist.col.grade_y", lang, year=cmp.year),
        t("hist.col.note", lang),
    ]
    rows = []
    for ln in cmp.lines:
        now, b = ln.now, ln.before
        bo = b if isinstance(b, Outcome) else None
        latest = now or bo  # a unit gone this year shows last year's category
        rows.append(
            [
                f"{now.rank}/{now.of}" if now else "",
                ln.unit_id,
                ln.name,
                latest.category if latest else "",
                fmt(bo.total, places) if bo else "",
                fmt(now.total, places) if now else "",
                _signed(ln.change, places),
                f"{bo.rank}/{bo.of}" if bo else "",
                _arrow(ln.rank_change),
                (bo.grade or "") if bo else "",
                (now.grade or "") if now else "",
                _compare_note(ln, cmp, lang),
            ]
        )
    return head, rows


def compare_text(cmp: Comparison, lang: str) -> str:
    cat = t("hist.compare.cat", lang, cat=cmp.category) if cmp.category else ""
    out = [t("hist.compare.head", lang, series=cmp.series, year=cmp.year, prev=cmp.year - 1, cat=cat)]
    if cmp.before_run is None:
        out.append(t("hist.compare.no_prev", lang, prev=cmp.year - 1))
    head, rows = compare_rows(cmp, lang)
    by_cat: dict[str, list[list[str]]] = {}
    for r in rows:
        by_cat.setdefault(r[3], []).append(r)
    for c, rs in by_cat.items():
        out += ["", t("text.section", lang, title=c)]
        out.append(
            tabulate_wide(
                [r[:3] + r[4:] for r in rs], head[:3] + head[4:], ["right", "left", "left", "right", "right", "right", "right", "left", "left", "left", "left"]
            )
        )
    out += ["", t("hist.compare.rank_note", lang), t("hist.sources", lang)]
    for run in [r for r in (cmp.before_run, cmp.run) if r is not None]:
        out.append("  " + t("hist.source_run", lang, year=run.year, stamp=run.stamp().line(lang)))
    return "\n".join(out) + "\n"


def compare_json(cmp: Comparison) -> str:
    return dump_json(
        {
            "schema": "scoring.compare/1",
            "series": cmp.series,
            "year": cmp.year,
            "previous_year": cmp.year - 1,
            "category": cmp.category,
            "units": [
                {
                    "unit": ln.unit_id,
                    "name": ln.name,
                    "now": _outcome_dict(ln.now) if ln.now else None,
                    "before": _outcome_dict(ln.before),
                    "change": ln.change,
                    "rank_change": ln.rank_change,
                    "grade_changed": ln.grade_changed,
                }
                for ln in cmp.lines
            ],
            "runs": {"now": run_dict(cmp.run), "before": run_dict(cmp.before_run) if cmp.before_run else None},
        }
    )


def compare_csv(cmp: Comparison, lang: str) -> str:
    head, rows = compare_rows(cmp, lang)
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(head)
    w.writerows(rows)
    return buf.getvalue()  # a plain data table: the stamps are in the table and JSON outputs
