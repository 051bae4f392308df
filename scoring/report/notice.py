"""One unit's score sheet and plain-language explanation (测评指标 | 指标分值 | 得分 | 扣分 | 失分原因 | 数据来源)."""
from __future__ import annotations

from ..core.decisions import RuleResult
from ..core.engine import CategoryScores, Results
from ..core.explain import loss_items, unit_sheet
from ..core.rounding import fmt

HEAD = {
    "zh": ["测评指标", "指标分值", "得分", "扣分", "失分原因", "数据来源"],
    "en": ["Indicator", "Full", "Points", "Lost", "Why points were lost", "Source"],
}


def _source(line: dict) -> str:
    parts = [line.get("owner") or ""]
    files = sorted({s for s in (line.get("sources") or {}).values() if s})
    if files:
        parts.append("、".join(files))
    ev = line.get("evidence_given")
    if ev:
        parts.append("；".join(ev.values()))
    return "；".join(p for p in parts if p)


def sheet_cells(sheet: dict, lang: str = "zh") -> list[dict]:
    """The score sheet's lines as cells: numbers stay numbers (None where there is none), text is text.

    Every printed format (terminal, HTML, PDF, XLSX) lays out these same cells.
    """
    out = []
    for line in sheet["indicators"]:
        app = line.get("applicable_full")
        note = ""
        if app is not None:
            note = f"（{fmt(app)}）" if lang != "en" else f" ({fmt(app)})"
        out.append({
            "id": line["id"], "level": line["level"], "label": f"{line['id']} {line['name']}",
            "full": line["full"], "bonus": line["bonus"], "full_note": note, "applicable_full": app,
            "points": line["points"], "lost": line["lost"] or None, "status": line.get("status"),
            "reason": line.get("reason", ""), "source": _source(line),
            "rule": line.get("rule", ""), "leaf": bool(line.get("method")),
        })
    return out


def full_text(cell: dict) -> str:
    return ("±" if cell["bonus"] else "") + fmt(cell["full"]) + cell["full_note"]


def sheet_rows(sheet: dict, places: int, lang: str = "zh") -> list[list[str]]:
    rows = []
    for c in sheet_cells(sheet, lang):
        rows.append(["  " * (c["level"] - 1) + c["label"], full_text(c), fmt(c["points"], places),
                     "" if not c["lost"] else fmt(c["lost"], places), c["reason"], c["source"]])
    return rows


def _sentences(res: Results, sheet: dict, cs: CategoryScores, pos: int, decisions: list[RuleResult], lang: str) -> list[str]:
    a = res.criteria.assessment
    places = a.precision
    en = lang == "en"
    mods = "，".join(f"{m['name']}{fmt(m['score'], places)}分（权重{fmt(m['weight'])}，折合{fmt(m['contribution'], places)}分"
                    f"{'；' + m['bonus_note'] if 'bonus_note' in m else ''}）" for m in sheet["modules"])
    mods_en = "; ".join(f"{m['name']} {fmt(m['score'], places)} (weight {fmt(m['weight'])}, {fmt(m['contribution'], places)} points"
                        f"{', ' + m['bonus_note'] if 'bonus_note' in m else ''})" for m in sheet["modules"])
    out = []
    if en:
        out.append(f"{sheet['name']} ({sheet['category']}) scored {fmt(sheet['total'], places)} in the {a.year} "
                   f"{a.name}, rank {sheet['rank']} of {sheet['of']} in its category, grade {sheet['grade'] or '—'}.")
        out.append(f"Modules: {mods_en}.")
    else:
        out.append(f"{sheet['name']}（{sheet['category']}）在{a.name}中总分{fmt(sheet['total'], places)}分，"
                   f"在本类别{sheet['of']}个单位中列第{sheet['rank']}名，等次为{sheet['grade'] or '—'}。")
        out.append(f"各模块得分：{mods}。")
    # rank losses by what they cost the total: a point in a module weighted 38 costs more than in one
    # weighted 11, and more where items were left out (the module is rescaled to what applies)
    lost = [(l, l["lost"] * _cost_per_point(sheet, l)) for l in loss_items(sheet, lang)]
    if lost:
        top = sorted(lost, key=lambda lw: -lw[1])[:5]
        if en:
            out.append("Points were lost mainly on: " + "; ".join(
                f"{l['name']} −{fmt(l['lost'], places)} (−{fmt(w, places)} on the total; {l['reason']})" for l, w in top) + ".")
        else:
            out.append("主要失分：" + "；".join(
                f"{l['name']}扣{fmt(l['lost'], places)}分（折合总分{fmt(w, places)}分；{l['reason']}）" for l, w in top) + "。")
    why = cs.grade_why[pos]
    for v in sheet["vetoes"]:
        if v["kind"] == "fail":
            out.append(f"Vetoed for “{v['name']}”: graded {sheet['grade']} and ranked after the units not vetoed." if en
                       else f"因“{v['name']}”被一票否决，等次定为{sheet['grade']}，排在未被否决单位之后。")
        else:
            out.append(f"“{v['name']}” bars it from the top grade." if en else f"因“{v['name']}”实行否优，不得评为最高等次。")
    if why and why.startswith("quota:"):
        g = why.split(":", 1)[1]
        out.append(f"The quota for {g} was full, so its grade is one band lower." if en
                   else f"“{g}”等次名额已满，按排名顺延为下一等次。")
    uid = sheet["id"]
    for r in decisions:
        for c in r.catches:
            if c.unit.unit_id != uid:
                continue
            from .decisions import look_back_text, margin_text, trigger_text

            hist = look_back_text(c, r, lang)
            if en:
                s = f"Rule {r.rule.id} “{r.rule.name}” applies ({trigger_text(c, r, places, lang)}; {margin_text(c.margin, places, lang)}"
                s += f"; {hist}" if hist else ""
                s += f"): proposed {r.rule.consequence}."
                if c.status == "undetermined":
                    s = f"Rule {r.rule.id} “{r.rule.name}”: {hist}."
            else:
                s = f"按规则{r.rule.id}“{r.rule.name}”（{trigger_text(c, r, places, lang)}，{margin_text(c.margin, places, lang)}"
                s += f"；{hist}" if hist else ""
                s += f"），建议：{r.rule.consequence}。"
                if c.status == "undetermined":
                    s = f"规则{r.rule.id}“{r.rule.name}”：{hist}。"
            if c.close:
                s += " (close call)" if en else "（临界，请复核）"
            out.append(s)
    return out


def _cost_per_point(sheet: dict, line: dict) -> float:
    """Points of the total one point lost on ``line`` costs: weight ÷ applicable full (附加项: ÷ full)."""
    m = next((m for m in sheet["modules"] if m["id"] == line["module"]), None)
    if m is None:
        return 0.0
    if line["bonus"]:
        return m["weight"] / m["full"]
    app = sum(l["points"] + l["lost"] for l in sheet["indicators"]
              if l["parent"] is None and l["module"] == m["id"] and not l["bonus"] and l["points"] is not None)
    return m["weight"] / app if app else 0.0


def unit_notice(res: Results, cs: CategoryScores, pos: int, decisions: list[RuleResult], lang: str = "zh") -> dict:
    sheet = unit_sheet(res, cs, pos, lang)
    return {"sheet": sheet, "sentences": _sentences(res, sheet, cs, pos, decisions, lang)}


def as_text(res: Results, cs: CategoryScores, pos: int, decisions: list[RuleResult], lang: str = "zh") -> str:
    from tabulate import tabulate
    import tabulate as _tab

    _tab.WIDE_CHARS_MODE = True
    places = res.criteria.assessment.precision
    notice = unit_notice(res, cs, pos, decisions, lang)
    sheet = notice["sheet"]
    title = f"{sheet['name']}（{sheet['id']}）" if lang != "en" else f"{sheet['name']} ({sheet['id']})"
    table = tabulate(sheet_rows(sheet, places, lang), headers=HEAD[lang], disable_numparse=True,
                     colalign=["left", "right", "right", "right", "left", "left"])
    return "\n".join([title, "", table, ""] + notice["sentences"]) + "\n"
