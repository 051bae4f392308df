"""Collection progress as text (missing workbooks first, then per owner, per unit, reminders)
or JSON (schema ``scoring.progress/1``)."""

from __future__ import annotations

import json

from ..i18n import t
from ..load.progress import Progress, Workbook

SCHEMA = "scoring.progress/1"
SHOW = 5  # units named per field in a reminder before "… N in all"


def due_text(p: Progress, lang: str) -> str:
    if p.due is None:
        return ""
    d = p.due
    return t("text.date", lang, y=d.year, m=d.month, d=d.day)


def _sep(lang: str) -> str:
    return t("sep.enum", lang)


def _names(p: Progress, positions: list[int], lang: str) -> str:
    u = p.units
    shown = [f"{u.ids[i]} {u.names[i]}" for i in positions[:SHOW]]
    text = _sep(lang).join(shown)
    if len(positions) > SHOW:
        text += t("progress.and_more", lang, n=len(positions))
    return text


def _by_field(blanks) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    for b in blanks:
        out.setdefault(b.field, []).append(b.unit)
    return out


def _missing_line(w: Workbook, lang: str) -> str:
    return t("progress.missing_line", lang, file=w.file, owner=w.label, fields=_sep(lang).join(w.fields), n=len(w.rows))


def reminder(p: Progress, w: Workbook, lang: str) -> str | None:
    """A short text the office can paste into a message to the owner, or None when nothing is owed."""
    office = p.plan.criteria.assessment.office or p.plan.criteria.assessment.name
    due = due_text(p, lang)
    when = t("progress.by", lang, due=due) if due else t("progress.asap", lang)
    if w.status == "missing":
        return t("progress.remind_missing", lang, owner=w.label, when=when, file=w.file, fields=_sep(lang).join(w.fields), n=len(w.rows), office=office)
    need = w.required
    if not need and not w.problems:
        return None
    parts = []
    if need:
        items = [t("progress.field_of", lang, field=f, of=_names(p, us, lang)) for f, us in _by_field(need).items()]
        parts.append(t("progress.remind_blank", lang, n=len(need), items=t("sep.items", lang).join(items)))
    if w.problems:
        shown = [t("text.located", lang, where=pr.where(lang), message=pr.message(lang)) for pr in w.problems[:SHOW]]
        more = t("progress.and_more", lang, n=len(w.problems)) if len(w.problems) > SHOW else ""
        parts.append(t("progress.remind_problems", lang, n=len(w.problems), items="；".join(shown) + more))
    got = _sep(lang).join(w.received or w.via)
    return t("progress.remind_fix", lang, owner=w.label, got=got, parts=t("sep.items", lang).join(parts), when=when, office=office)


def as_text(p: Progress, lang: str = "zh") -> str:
    a = p.plan.criteria.assessment
    ws = p.workbooks
    missing = p.missing
    n_recv = sum(1 for w in ws if w.status == "received")
    n_else = sum(1 for w in ws if w.status == "elsewhere")
    out = [t("progress.head", lang, name=a.name, n=len(ws), received=n_recv, missing=len(missing), elsewhere=n_else)]
    for w in missing:  # what to chase first
        out.append("  " + _missing_line(w, lang))
    due = due_text(p, lang)
    out.append(t("progress.folder", lang, folder=p.report.folder) + (t("progress.due", lang, due=due) if due else ""))
    out.append("")
    out.append(t("progress.owners", lang))
    for w in ws:
        if w.status == "missing":
            continue
        where = _sep(lang).join(w.received) if w.received else t("progress.via", lang, files=_sep(lang).join(w.via))
        may = len(w.blanks) - len(w.required)
        out.append("  " + t("progress.owner_line", lang, owner=w.label, where=where, need=len(w.required), may=may, problems=len(w.problems)))
        for f, us in _by_field(w.required).items():
            out.append("    " + t("progress.blank_line", lang, field=f, n=len(us), units=_names(p, us, lang)))
        for pr in w.problems:
            out.append("    " + pr.render(lang).replace("\n", "\n    "))
    lines = []
    missing_set = {id(w) for w in missing}
    for i in range(len(p.units)):
        need = [(w, b) for w, b in p.unit_blanks(i) if b.policy == "error" and id(w) not in missing_set]
        probs = p.unit_problems(i)
        bad = p.unit_bad_fields(i)
        if not need and not probs and not bad:
            continue
        items = _sep(lang).join(t("progress.field_of", lang, field=b.field, of=w.label) for w, b in need)
        lines.append(
            "  "
            + t(
                "progress.unit_line",
                lang,
                id=p.units.ids[i],
                name=p.units.names[i],
                category=p.units.cats[i],
                n=len(need),
                items=items or "—",
                bad=_sep(lang).join(bad) or "—",
                problems=len(probs),
            )
        )
    out.append("")
    out.append(t("progress.units", lang, n=len(lines)))
    out.extend(lines or ["  " + t("progress.units_none", lang)])
    if p.general:
        out.append("")
        out.append(t("progress.general", lang, n=len(p.general)))
        for pr in p.general:
            out.append("  " + pr.render(lang).replace("\n", "\n  "))
    if p.others:
        out.append("")
        out.append(t("progress.others", lang))
        for file, gave in p.others:
            out.append("  " + t("progress.other_line", lang, file=file, fields=_sep(lang).join(gave) or "—"))
    texts = [(w, x) for w in ws if (x := reminder(p, w, lang))]
    out.append("")
    out.append(t("progress.reminders", lang, n=len(texts)))
    for w, x in texts:
        out.append("  " + t("progress.owner_head", lang, owner=w.label))
        out.append("    " + x)
    return "\n".join(out) + "\n"


def _blank_dict(p: Progress, w: Workbook, b, lang: str) -> dict:
    u = p.units
    return {
        "unit": u.ids[b.unit],
        "name": u.names[b.unit],
        "category": u.cats[b.unit],
        "field": b.field,
        "workbook": w.file,
        "owner": w.label,
        "policy": b.policy,
        "action": t(f"gap.{b.policy}", lang),
        "uses": b.uses,
    }


def as_json(p: Progress, lang: str = "zh") -> str:
    a = p.plan.criteria.assessment
    u = p.units
    books = []
    for w in p.workbooks:
        books.append(
            {
                "file": w.file,
                "owner": w.owner,
                "label": w.label,
                "unit": u.ids[w.unit] if w.unit is not None else None,
                "status": w.status,
                "received_as": w.received,
                "via": w.via,
                "fields": w.fields,
                "units": len(w.rows),
                "blanks": [_blank_dict(p, w, b, lang) for b in w.blanks],
                "problems": [pr.as_dict(lang) for pr in w.problems],
                "reminder": reminder(p, w, lang),
            }
        )
    units = []
    rows = [(w, set(w.rows)) for w in p.workbooks]
    for i in range(len(u)):
        owed = [{"file": w.file, "owner": w.label, "status": w.status} for w, r in rows if i in r]
        units.append(
            {
                "id": u.ids[i],
                "name": u.names[i],
                "category": u.cats[i],
                "workbooks": owed,
                "blanks": [{**_blank_dict(p, w, b, lang), "workbook_status": w.status} for w, b in p.unit_blanks(i)],
                "bad_fields": p.unit_bad_fields(i),
                "problems": [pr.as_dict(lang) for pr in p.unit_problems(i)],
            }
        )
    doc = {
        "schema": SCHEMA,
        "assessment": {"name": a.name, "year": a.year, "office": a.office},
        "folder": p.report.folder,
        "due": p.due.isoformat() if p.due else None,
        "summary": {
            "expected": len(p.workbooks),
            "received": sum(w.status == "received" for w in p.workbooks),
            "elsewhere": sum(w.status == "elsewhere" for w in p.workbooks),
            "missing": len(p.missing),
        },
        "missing": [w.file for w in p.missing],
        "workbooks": books,
        "units": units,
        "other_files": [{"file": f, "fields": g} for f, g in p.others],
        "problems": [pr.as_dict(lang) for pr in p.general],
        "notes": [pr.as_dict(lang) for pr in p.report.notes],
    }
    return json.dumps(doc, ensure_ascii=False, indent=1) + "\n"
