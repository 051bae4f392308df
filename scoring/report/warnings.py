"""阶段性预警 as text, JSON (``scoring.warnings/1``) or CSV; every output says it is interim.

A unit's own sheet (``units`` holding that unit alone) names no other unit and shows no
other unit's figure: its colours say where it stands, never who stands where.
"""

from __future__ import annotations

import csv
import io
import json

from ..core.warnings import Mark, UnitWarning
from ..i18n import t
from .output import neutralise

SCHEMA = "scoring.warnings/1"


def notice(lang: str) -> str:
    return t("warn.notice", lang)


def colour(c: str, lang: str) -> str:
    return t(f"warn.{c}", lang)


def why(m: Mark, lang: str, min_units: int) -> str:
    if m.basis == "missing":
        return t("warn.why_missing", lang)
    if m.basis == "threshold":
        return t(f"warn.why_th_{m.color}", lang, green=m.green, yellow=m.yellow)
    if m.basis == "few":
        return t("warn.why_few", lang, n=min_units)
    return t(f"warn.why_q_{m.color}", lang)


def _rate(m: Mark) -> str:
    return "—" if m.rate is None else f"{m.rate:.2f}%"


def as_text(criteria, units: list[UnitWarning], lang: str, folder: str, single: bool = False) -> str:
    a = criteria.assessment
    mu = criteria.warnings.min_units if criteria.warnings else 4
    out = [t("text.section", lang, title=notice(lang)), t("warn.head", lang, name=a.name, folder=folder)]
    if single:
        u = units[0]
        out.append(t("warn.unit_head", lang, id=u.id, name=u.name, category=u.category))
        out.append("")
        out.append(t("warn.overall", lang, colour=colour(u.total.color, lang), rate=_rate(u.total), why=why(u.total, lang, mu)))
        out.append(t("warn.modules", lang))
        for m in u.modules:
            out.append("  " + t("warn.line", lang, name=m.name, colour=colour(m.color, lang), rate=_rate(m), why=why(m, lang, mu)))
        if u.indicators:
            out.append(t("warn.indicators", lang))
            for m in u.indicators:
                out.append("  " + t("warn.line", lang, name=f"{m.id} {m.name}", colour=colour(m.color, lang), rate=_rate(m), why=why(m, lang, mu)))
        if u.vetoes:
            out.append(t("warn.vetoes", lang, names="、".join(u.vetoes)))
        out.append(t("warn.missing", lang, n=len(u.missing)))
        for f, use in u.missing:
            out.append("  " + t("warn.missing_line", lang, field=f, use=use))
        if u.uncomputable:
            out.append(t("warn.uncomputable", lang, n=len(u.uncomputable)))
            for f, use in u.uncomputable:
                out.append("  " + t("warn.missing_line", lang, field=f, use=use))
    else:
        cat = None
        for u in units:
            if u.category != cat:
                cat = u.category
                out.append("")
                out.append(t("warn.category", lang, category=cat))
            mods = "；".join(f"{m.name}{colour(m.color, lang)}" + ("" if m.rate is None else f" {m.rate:.2f}") for m in u.modules)
            line = t("warn.unit_line", lang, id=u.id, name=u.name, colour=colour(u.total.color, lang), rate=_rate(u.total), modules=mods, n=len(u.missing))
            if u.vetoes:
                line += t("warn.vetoes_short", lang, names="、".join(u.vetoes))
            out.append("  " + line)
            for m in u.indicators:
                if m.color in ("red", "yellow"):
                    out.append("    " + t("warn.line", lang, name=f"{m.id} {m.name}", colour=colour(m.color, lang), rate=_rate(m), why=why(m, lang, mu)))
    out.append("")
    out.append(t("text.section", lang, title=notice(lang)))
    return "\n".join(out) + "\n"


def _mark(m: Mark, lang: str, mu: int) -> dict:
    d = {"level": m.level, "id": m.id, "name": m.name, "rate": m.rate, "color": m.color, "basis": m.basis, "reason": why(m, lang, mu)}
    if m.parent:
        d["parent"] = m.parent
    if m.green is not None:
        d.update(green=m.green, yellow=m.yellow)
    return d


def _unit(u: UnitWarning, lang: str, mu: int) -> dict:
    return {
        "id": u.id,
        "name": u.name,
        "category": u.category,
        "total": _mark(u.total, lang, mu),
        "modules": [_mark(m, lang, mu) for m in u.modules],
        "indicators": [_mark(m, lang, mu) for m in u.indicators],
        "vetoes_triggered": u.vetoes,
        "not_yet_submitted": [{"field": f, "for": use} for f, use in u.missing],
        "not_computable": [{"field": f, "for": use} for f, use in u.uncomputable],
    }


def as_json(criteria, units: list[UnitWarning], lang: str, folder: str, single: bool = False) -> str:
    a = criteria.assessment
    mu = criteria.warnings.min_units if criteria.warnings else 4
    doc = {"schema": SCHEMA, "interim": True, "notice": notice(lang), "assessment": {"name": a.name, "year": a.year, "office": a.office}, "folder": folder}
    if single:
        doc["unit"] = _unit(units[0], lang, mu)
    else:
        cats: dict[str, list] = {}
        for u in units:
            cats.setdefault(u.category, []).append(_unit(u, lang, mu))
        doc["categories"] = [{"name": k, "units": v} for k, v in cats.items()]
    return json.dumps(doc, ensure_ascii=False, indent=1) + "\n"


def as_csv(criteria, units: list[UnitWarning], lang: str, folder: str, single: bool = False) -> str:
    mu = criteria.warnings.min_units if criteria.warnings else 4
    buf = io.StringIO()
    w = csv.writer(buf)
    note = notice(lang)
    w.writerow([note])
    w.writerow([t(f"warn.csv_{k}", lang) for k in ("kind", "category", "id", "name", "level", "item_id", "item", "rate", "colour", "reason", "missing")])
    for u in units:
        for m in [u.total, *u.modules, *u.indicators]:
            w.writerow(
                [
                    note,
                    u.category,
                    neutralise(u.id),
                    neutralise(u.name),
                    t(f"warn.level_{m.level}", lang),
                    m.id,
                    neutralise(m.name),
                    "" if m.rate is None else f"{m.rate:.2f}",
                    colour(m.color, lang),
                    why(m, lang, mu),
                    len(u.missing),
                ]
            )
    return buf.getvalue()


RENDERERS = {"text": as_text, "json": as_json, "csv": as_csv}
