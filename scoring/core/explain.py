"""Every point explained: one unit's score sheet as plain data.

The layout follows what offices print (测评指标 | 指标分值 | 得分 | 扣分 | 失分原因 | 数据来源).
Text is produced here, on demand, for the units someone asks about.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..i18n import t
from . import boundary
from .dataset import previous_of
from .engine import CategoryScores, IndicatorScores, Results
from .rounding import fmt, round_half_up


def _num(x: float, places: int) -> float | None:
    x = float(x)
    return None if math.isnan(x) else round_half_up(x, places)


def indicator_line(res: Results, cs: CategoryScores, pos: int, s: IndicatorScores, lang: str = "zh") -> dict[str, Any]:
    ind = s.indicator
    same = _same_for_all(res, s, lang)
    places = same["places"]
    pts = _num(s.points[pos], places)
    line: dict[str, Any] = {
        "id": ind.id, "name": ind.name, "level": same["level"], "parent": ind.parent,
        "module": same["module"], "full": ind.full, "bonus": ind.bonus, "points": pts,
        "owner": ind.owner, "evidence": ind.evidence,
    }
    app = float(s.applicable_full[pos])
    if not ind.bonus and pts is not None and abs(app - ind.full) > 1e-9:
        line["applicable_full"] = app  # some sub-items not assessed for this unit
    if ind.bonus:
        line["lost"] = round_half_up(max(-(pts or 0.0), 0.0), places)
    else:
        line["lost"] = None if pts is None else round_half_up(app - pts, places)
    if s.applies is not None and not s.applies[pos]:  # named units only, and not this one
        line["status"] = "not_applicable"
        line["rule"] = ind.rule or (_rule_text(res, s.leaf, lang) if s.leaf is not None else t("explain.group_rule", lang))
        line["reason"] = t("explain.not_applicable", lang, who=_who(res, ind, lang))
        return line
    share_note = _share_note(res, s, pos, int(cs.index[pos]), lang) if s.share is not None else ""
    if share_note:
        line["share"] = round_half_up(float(s.share[pos]), 6)
    if s.leaf is None:  # a group: its points are its children's
        line["status"] = "scored" if pts is not None else "excluded"
        line["rule"] = same["rule"]
        line["reason"] = share_note
        return line
    leaf = s.leaf
    inputs = {f: float(v[pos]) for f, v in s.inputs.items()}
    line["inputs"] = {f: (None if v != v else v) for f, v in inputs.items()}
    line["sources"] = dict(same["sources"])
    evidence = res.data.evidence
    if evidence:
        uid = res.data.ids[cs.index[pos]]
        ev = {f: evidence[(uid, f)] for f in inputs if (uid, f) in evidence}
        if ev:
            line["evidence_given"] = ev
    line["method"] = leaf.method.name
    line["rule"] = same["rule"]
    if s.missing is not None and s.missing[pos]:
        line["status"] = {"exclude": "excluded", "zero": "zero"}.get(ind.missing, "missing")
        gone = [f for f, v in inputs.items() if math.isnan(v)]
        only_previous = bool(gone) and all(previous_of(f) is not None for f in gone)
        line["reason"] = _join(share_note, t(f"explain.missing_{'previous_' if only_previous else ''}{line['status']}", lang), lang)
        return line
    line["status"] = "scored"
    lost = line["lost"] or 0.0
    if lost > 0 or (ind.bonus and pts):
        line["reason"] = boundary.call(leaf, "reason", leaf.method.lost_reason, leaf.params, inputs, pts, ind.full, s.context, lang)
        raw = s.raw[pos] if s.raw is not None else np.nan
        if ind.max_deduction is not None and not ind.bonus and raw < ind.full - ind.max_deduction:
            line["reason"] += t("explain.item_cap", lang, cap=fmt(ind.max_deduction))
        if share_note:  # the method's reason is about the whole task's points: say whose share this is first
            line["reason"] = _join(share_note, line["reason"], lang)
    else:
        line["reason"] = share_note
    return line


def _same_for_all(res: Results, s: IndicatorScores, lang: str) -> dict[str, Any]:
    """What an indicator's line says for every unit (its rule, level, sources …), made once."""
    cache = _cache(res)
    ind = s.indicator
    key = ("line", ind.id, lang)
    got = cache.get(key)
    if got is None:
        got = {"places": res.criteria.assessment.precision, "level": res.plan.level[ind.id], "module": res.plan.module_of[ind.id]}
        if s.leaf is None:
            got["rule"] = ind.rule or t("explain.group_rule", lang)
            if ind.max_deduction is not None:
                got["rule"] += t("explain.group_cap", lang, cap=fmt(ind.max_deduction))
        else:
            derived = _derived(res)
            got["rule"] = ind.rule or _rule_text(res, s.leaf, lang)
            got["sources"] = {f: res.data.sources.get(f, t("explain.derived", lang) if f in derived else "") for f in s.inputs}
        cache[key] = got
    return got


def _join(a: str, b: str, lang: str) -> str:
    return f"{a}{'; ' if lang == 'en' else '；'}{b}" if a and b else (a or b)


def _who(res: Results, ind, lang: str) -> str:
    from .scope import who

    names = who(res.plan, ind.id, lang)
    cur = ind
    by_id = res.criteria.indicator_map()
    while not names and cur.parent in by_id:  # a child of a group that names its units
        cur = by_id[cur.parent]
        names = who(res.plan, cur.id, lang)
    return names


def _share_note(res: Results, s: IndicatorScores, pos: int, at: int, lang: str) -> str:
    """Why a task's department sees this share of the points (牵头/责任)."""
    plan = res.plan
    ind = s.indicator
    sc, cur = plan.scopes.get(ind.id), ind
    by_id = res.criteria.indicator_map()
    while (sc is None or not sc.task) and cur.parent in by_id:  # the task may be a group above this item
        cur = by_id[cur.parent]
        sc = plan.scopes.get(cur.id)
    if sc is None or not sc.task:
        return ""
    uid, uname = res.data.ids[at], res.data.names[at]
    role = "lead" if uid in sc.lead or uname in sc.lead else "responsible"
    share = float(s.share[pos])
    pct = f"{round_half_up(share * 100, 2):g}%"
    return t("explain.task_share", lang, nl=len(sc.lead), nr=len(sc.responsible), role=t(f"explain.role_{role}", lang),
             pct=pct, full=fmt(ind.full), mine=fmt(round_half_up(ind.full * share, 6)))


def _cache(res: Results) -> dict:
    """Texts that are the same for every unit, made once per results (a province has 720 000 lines)."""
    cache = res.__dict__.get("_text_cache")
    if cache is None:
        cache = res.__dict__["_text_cache"] = {}
    return cache


def _derived(res: Results) -> set[str]:
    cache = _cache(res)
    if "derived" not in cache:
        cache["derived"] = {name for name, _ in res.plan.formulas}
    return cache["derived"]


def _rule_text(res: Results, leaf, lang: str) -> str:
    cache = _cache(res)
    key = ("rule", leaf.indicator.id, lang)
    if key not in cache:
        cache[key] = boundary.call(leaf, "rule", leaf.method.rule, leaf.params, leaf.indicator.full, lang)
    return cache[key]


def unit_sheet(res: Results, cs: CategoryScores, pos: int, lang: str = "zh", with_indicators: bool = True) -> dict[str, Any]:
    places = res.criteria.assessment.precision
    i = cs.index[pos]
    sheet: dict[str, Any] = {
        "id": res.data.ids[i], "name": res.data.names[i], "category": cs.category,
        "total": _num(cs.total[pos], places), "rank": int(cs.rank[pos]), "of": len(cs.index),
        "grade": cs.grade[pos],
        "modules": [
            {"id": ms.module.id, "name": ms.module.name, "weight": ms.weight, "full": ms.module.full,
             "score": _num(ms.score[pos], places), "base": _num(ms.base[pos], places),
             "bonus": _num(ms.bonus[pos], places), "contribution": _num(ms.contribution[pos], places)}
            for ms in cs.modules.values()
        ],
        "vetoes": [
            {"id": v.veto.id, "name": v.veto.name, "kind": v.veto.kind, "value": _num(v.values[pos], 6)}
            for v in cs.vetoes if v.hit[pos]
        ],
    }
    if with_indicators:
        sheet["indicators"] = [
            indicator_line(res, cs, pos, cs.indicators[ind.id], lang)
            for ind in _tree_order(res) if ind.id in cs.indicators
        ]
    return sheet


def _tree_order(res: Results):
    """Indicators as printed: parents before children, in file order (made once per results)."""
    cache = _cache(res)
    if "order" not in cache:
        cache["order"] = _walk_tree(res)
    return cache["order"]


def _walk_tree(res: Results):
    plan = res.plan
    kids: dict[str | None, list] = {}
    for ind in res.criteria.indicators:
        kids.setdefault(ind.parent, []).append(ind)
    out = []

    def walk(parent):
        for ind in kids.get(parent, []):
            out.append(ind)
            walk(ind.id)

    walk(None)
    return [i for i in out if i.id in plan.level]


def ranked(res: Results, cs: CategoryScores) -> list[int]:
    """Positions of a category's units in rank order (ties in input order)."""
    return np.argsort(np.asarray(cs.rank), kind="stable").tolist()
