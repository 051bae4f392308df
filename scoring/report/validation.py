"""The validation report as text (people) or JSON (machines, schema ``scoring.validation/1``)."""
from __future__ import annotations

import json

from ..i18n import t, visible
from ..load.validate import Report, owner_of

SCHEMA = "scoring.validation/1"

T = {
    "zh": {
        "head": "数据校验：{folder}（评分细则：{name}，{year}年）",
        "files": "读取文件 {n} 个，单位 {units} 个：", "unread": "未能读取", "rows": "{rows}行",
        "wide": "宽表", "long": "长表", "owner": "报送单位：{owner}",
        "problems": "问题 {n} 个（改正后才能评分）：", "no_problems": "没有发现问题。",
        "gaps": "缺报 {n} 处（按评分细则各指标的 missing 处理，不影响评分）：",
        "must": "其中须补报 {n} 处（评分细则规定缺报即报错）：",
        "must_head": "“{field}”（报送单位：{owner}，{reason}）→ {what}：{n}个单位",
        "nowhere": "没有任何文件提供此字段的这一单位",
        "gap_line": "“{field}”（报送单位：{owner}，{reason}）→ {what}：{action}；{n}个单位：{units}",
        "indicator": "指标 {id} {name}", "veto": "否决项 {id} {name}",
        "notes": "提示 {n} 条（已自动规范，不影响评分）：",
        "ok": "结论：数据可以评分。", "bad": "结论：有 {n} 个问题，不能评分；scoring run 不会输出任何结果。",
    },
    "en": {
        "head": "Data check: {folder} (criteria: {name}, {year})",
        "files": "{n} file(s) read, {units} units:", "unread": "not read", "rows": "{rows} rows",
        "wide": "wide", "long": "long", "owner": "owner: {owner}",
        "problems": "{n} problem(s) (fix them before scoring):", "no_problems": "No problems found.",
        "gaps": "{n} missing value(s) handled as each indicator's `missing` says (scoring goes on):",
        "must": "Of the problems, {n} are values that must be submitted (the criteria make a gap an error):",
        "must_head": "\"{field}\" (owner: {owner}, {reason}) → {what}: {n} unit(s)",
        "nowhere": "no file gives this field for this unit",
        "gap_line": "\"{field}\" (owner: {owner}, {reason}) → {what}: {action}; {n} unit(s): {units}",
        "indicator": "indicator {id} {name}", "veto": "veto {id} {name}",
        "notes": "{n} note(s) (normalised automatically, scores unaffected):",
        "ok": "Result: the data can be scored.", "bad": "Result: {n} problem(s); nothing can be scored and `scoring run` writes no output.",
    },
}


def _action(kind: str, policy: str, lang: str) -> str:
    return t(f"gap.veto_{policy}" if kind == "veto" else f"gap.{policy}", lang)


def as_text(report: Report, plan, lang: str = "zh") -> str:
    L = T[lang]
    a = plan.criteria.assessment
    out = [L["head"].format(folder=report.folder, name=a.name, year=a.year)]
    data = report.data
    if report.files or data is not None:
        out.append(L["files"].format(n=len(report.files), units=len(data) if data is not None else 0))
        for f in report.files:
            if not f.read:
                out.append(f"  {f.file}: {L['unread']}")
                continue
            parts = []
            for s in f.sheets:
                label = f"{s['sheet']}: " if s["sheet"] is not None else ""
                parts.append(f"{label}{L[s['layout']]} {L['rows'].format(rows=s['rows'])}")
            owner = f"（{L['owner'].format(owner=f.owner)}）" if f.owner and lang != "en" else (f" ({L['owner'].format(owner=f.owner)})" if f.owner else "")
            out.append(f"  {f.file}{owner}: " + "；".join(parts))
    out.append("")
    gap_codes = ("data.gap_error", "data.gap_formula", "data.missing_veto")
    others = [p for p in report.problems if p.code not in gap_codes]
    if report.problems:
        out.append(L["problems"].format(n=len(report.problems)))
        for p in others:
            out.append("  " + p.render(lang).replace("\n", "\n  "))
    else:
        out.append(L["no_problems"])
    if report.gaps and data is not None:
        groups: dict[tuple, list[int]] = {}
        for k, g in enumerate(report.gaps):
            groups.setdefault((g.policy != "error", g.field, g.kind, g.id, g.name, g.policy, g.reason), []).append(k)
        must = [(key, ks) for key, ks in groups.items() if not key[0]]
        may = [(key, ks) for key, ks in groups.items() if key[0] and key[-1] != "zero_denominator"]
        zeros = [(key, ks) for key, ks in groups.items() if key[-1] == "zero_denominator"]
        if must:
            out.append("")
            out.append(L["must"].format(n=sum(len(ks) for _, ks in must)))
            for (_, fld, kind, id_, name, _policy, reason), ks in must:
                owner = owner_of(plan, fld)
                out.append("  " + L["must_head"].format(field=fld, owner=owner, reason=t(f"gap.{reason}", lang),
                                                          what=L[kind].format(id=id_, name=name), n=len(ks)))
                for k in ks:
                    g = report.gaps[k]
                    where = report.gap_cells.get(k)
                    loc = (f"{where[0]} {where[1]}!{where[3]}{where[2]}" if where[1] else f"{where[0]} {where[3]}{where[2]}") if where else L["nowhere"]
                    out.append(f"    {data.ids[g.unit]} {data.names[g.unit]}（{data.categories[g.unit]}）: {loc}")
                hint = "data.gap_formula.hint" if reason == "formula" else "data.gap_error.hint"
                out.append("    " + t("loc.hint", lang) + t(hint, lang, owner=owner))
        for head, listed in (("gaps", may), ("zeros", zeros)):
            if not listed:
                continue
            out.append("")
            out.append(t(f"validate.{head}", lang, n=sum(len(ks) for _, ks in listed)) if head == "zeros" else L[head].format(n=sum(len(ks) for _, ks in listed)))
            for (_, fld, kind, id_, name, policy, reason), ks in listed:
                units = []
                for k in ks:
                    g = report.gaps[k]
                    where = report.gap_cells.get(k)
                    cell = f" {where[3]}{where[2]}" if where else ""
                    units.append(f"{data.ids[g.unit]} {data.names[g.unit]}{cell}")
                out.append("  " + L["gap_line"].format(
                    field=fld, owner=owner_of(plan, fld), reason=t(f"gap.{reason}", lang),
                    what=L[kind].format(id=id_, name=name), action=_action(kind, policy, lang), n=len(ks), units="、".join(units)))
    if report.notes:
        out.append("")
        out.append(L["notes"].format(n=len(report.notes)))
        for p in report.notes:
            out.append("  " + p.render(lang).replace("\n", "\n  "))
    out.append("")
    out.append(L["ok"] if report.ok else L["bad"].format(n=len(report.problems)))
    return visible("\n".join(out)) + "\n"  # file and sheet names are the user's: never print a control character


def as_json(report: Report, plan, lang: str = "zh") -> str:
    data = report.data
    a = plan.criteria.assessment
    gaps = []
    for k, g in enumerate(report.gaps):
        item = {"unit": data.ids[g.unit], "name": data.names[g.unit], "category": data.categories[g.unit],
                "field": g.field, "owner": owner_of(plan, g.field), "reads": g.reads, g.kind: g.id, "title": g.name,
                "policy": g.policy, "action": _action(g.kind, g.policy, lang), "reason": g.reason}
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
