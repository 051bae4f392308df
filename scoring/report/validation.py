"""The validation report as text (people) or JSON (machines, schema ``scoring.validation/1``)."""

from __future__ import annotations

import json

from ..i18n import t, visible
from ..load.validate import Report, owner_of

SCHEMA = "scoring.validation/1"


def _action(kind: str, policy: str, lang: str) -> str:
    return t(f"gap.veto_{policy}" if kind == "veto" else f"gap.{policy}", lang)


def as_text(report: Report, plan, lang: str = "zh") -> str:
    a = plan.criteria.assessment
    out = [t("validate.head", lang, folder=report.folder, name=a.name, year=a.year)]
    data = report.data
    if report.files or data is not None:
        out.append(t("validate.files", lang, n=len(report.files), units=len(data) if data is not None else 0))
        for f in report.files:
            if not f.read:
                out.append(f"  {f.file}: " + t("validate.unread", lang))
                continue
            parts = []
            for s in f.sheets:
                label = f"{s['sheet']}: " if s["sheet"] is not None else ""
                parts.append(label + t(f"validate.layout_{s['layout']}", lang) + " " + t("validate.rows", lang, rows=s["rows"]))
            owner = t("validate.owner", lang, owner=f.owner) if f.owner else ""
            out.append(f"  {f.file}{owner}: " + "；".join(parts))
    out.append("")
    gap_codes = ("data.gap_error", "data.gap_formula", "data.missing_veto")
    others = [p for p in report.problems if p.code not in gap_codes]
    if report.problems:
        out.append(t("validate.problems", lang, n=len(report.problems)))
        for p in others:
            out.append("  " + p.render(lang).replace("\n", "\n  "))
    else:
        out.append(t("validate.no_problems", lang))
    if report.gaps and data is not None:
        groups: dict[tuple, list[int]] = {}
        for k, g in enumerate(report.gaps):
            groups.setdefault((g.policy != "error", g.field, g.kind, g.id, g.name, g.policy, g.reason), []).append(k)
        must = [(key, ks) for key, ks in groups.items() if not key[0]]
        may = [(key, ks) for key, ks in groups.items() if key[0] and key[-1] != "zero_denominator"]
        zeros = [(key, ks) for key, ks in groups.items() if key[-1] == "zero_denominator"]
        if must:
            out.append("")
            out.append(t("validate.must", lang, n=sum(len(ks) for _, ks in must)))
            for (_, fld, kind, id_, name, _policy, reason), ks in must:
                owner = owner_of(plan, fld)
                out.append(
                    "  "
                    + t(
                        "validate.must_head",
                        lang,
                        field=fld,
                        owner=owner,
                        reason=t(f"gap.{reason}", lang),
                        what=t(f"validate.what_{kind}", lang, id=id_, name=name),
                        n=len(ks),
                    )
                )
                for k in ks:
                    g = report.gaps[k]
                    where = report.gap_cells.get(k)
                    loc = (
                        (f"{where[0]} {where[1]}!{where[3]}{where[2]}" if where[1] else f"{where[0]} {where[3]}{where[2]}")
                        if where
                        else t("validate.nowhere", lang)
                    )
                    out.append(f"    {data.ids[g.unit]} {data.names[g.unit]}（{data.categories[g.unit]}）: {loc}")
                hint = "data.gap_formula.hint" if reason == "formula" else "data.gap_error.hint"
                out.append("    " + t("loc.hint", lang) + t(hint, lang, owner=owner))
        for head, listed in (("gaps", may), ("zeros", zeros)):
            if not listed:
                continue
            out.append("")
            out.append(t(f"validate.{head}", lang, n=sum(len(ks) for _, ks in listed)))
            for (_, fld, kind, id_, name, policy, reason), ks in listed:
                units = []
                for k in ks:
                    g = report.gaps[k]
                    where = report.gap_cells.get(k)
                    cell = f" {where[3]}{where[2]}" if where else ""
                    units.append(f"{data.ids[g.unit]} {data.names[g.unit]}{cell}")
                out.append(
                    "  "
                    + t(
                        "validate.gap_line",
                        lang,
                        field=fld,
                        owner=owner_of(plan, fld),
                        reason=t(f"gap.{reason}", lang),
                        what=t(f"validate.what_{kind}", lang, id=id_, name=name),
                        action=_action(kind, policy, lang),
                        n=len(ks),
                        units="、".join(units),
                    )
                )
    if report.notes:
        out.append("")
        out.append(t("validate.notes", lang, n=len(report.notes)))
        for p in report.notes:
            out.append("  " + p.render(lang).replace("\n", "\n  "))
    out.append("")
    out.append(t("validate.ok", lang) if report.ok else t("validate.bad", lang, n=len(report.problems)))
    return visible("\n".join(out)) + "\n"  # file and sheet names are the user's: never print a control character


def as_json(report: Report, plan, lang: str = "zh") -> str:
    data = report.data
    a = plan.criteria.assessment
    gaps = []
    for k, g in enumerate(report.gaps):
        item = {
            "unit": data.ids[g.unit],
            "name": data.names[g.unit],
            "category": data.categories[g.unit],
            "field": g.field,
            "owner": owner_of(plan, g.field),
            "reads": g.reads,
            g.kind: g.id,
            "title": g.name,
            "policy": g.policy,
            "action": _action(g.kind, g.policy, lang),
            "reason": g.reason,
        }
        where = report.gap_cells.get(k)
        if where:
            file, sheet, row, letter = where
            item.update({"file": file, "row": row, "cell": f"{letter}{row}"})
            if sheet is not None:
                item["sheet"] = sheet
        gaps.append(item)
    doc = {
        "schema": SCHEMA,
        "criteria": {"name": a.name, "year": a.year},
        "folder": report.folder,
        "ok": report.ok,
        "units": len(data) if data is not None else 0,
        "files": [{"file": f.file, "kind": f.kind, "read": f.read, "owner": f.owner, "sheets": f.sheets} for f in report.files],
        "problems": [p.as_dict(lang) for p in report.problems],
        "gaps": gaps,
        "notes": [p.as_dict(lang) for p in report.notes],
    }
    return json.dumps(doc, ensure_ascii=False, indent=1) + "\n"
