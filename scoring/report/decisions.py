"""The proposed decision list, in words and as data."""
from __future__ import annotations

from ..core.decisions import Catch, RuleResult
from ..core.rounding import fmt


def trigger_text(c: Catch, r: RuleResult, places: int, lang: str) -> str:
    """Why the rule caught the unit, in words ("总分…，低于…分", "等次为…", "在后N名之内", the vetoes)."""
    w, u = r.rule.when, c.unit
    en = lang == "en"
    if w.total_below is not None:
        return f"total {fmt(u.total, places)} below {fmt(w.total_below)}" if en else f"总分{fmt(u.total, places)}，低于{fmt(w.total_below)}分"
    if w.grade is not None:
        extra = ""
        if u.failed:
            extra = " (veto)" if en else "（一票否决）"
        return f"grade {u.grade}{extra}" if en else f"等次为{u.grade}{extra}"
    if w.bottom is not None or w.bottom_percent is not None:
        return (f"rank {u.rank} of {u.of}, within the bottom {r.bottom_count}" if en
                else f"本类别{u.of}个单位中列第{u.rank}名，在后{r.bottom_count}名之内")
    # vetoes by name, as the criteria word them ("制发违法规范性文件…"), never by their id
    kinds = {"fail": ("一票否决", "one-vote veto"), "no_excellent": ("否优", "barred from the top grade")}
    ids = u.vetoes or ((w.veto,) if w.veto else ())
    names = "、".join(r.veto_names.get(v) or kinds.get(v, (v, v))[en] for v in ids)
    return f"veto: {names}" if en else f"触发否决事项：{names}"


def margin_text(margin: float | None, places: int, lang: str = "zh") -> str:
    """How far a caught unit is from escaping, in words ("差0.06分" / "与分数无关")."""
    if margin is None:
        return "not a matter of points" if lang == "en" else "与分数无关"
    return f"{fmt(margin, places)} points short" if lang == "en" else f"差{fmt(margin, places)}分"


def look_back_text(c: Catch, r: RuleResult, lang: str) -> str:
    """A look-back rule's years, in words (caught in which years, or why it cannot be decided); "" without one."""
    if r.rule.look_back is None:
        return ""
    yrs = "、".join(str(y) for y in sorted(c.years_caught))
    if c.status == "undetermined":  # why it cannot be decided and what to do; no consequence is implied
        draft = "、".join(str(y) for y in sorted(c.years_draft))
        none = "、".join(str(y) for y in sorted(set(c.years_missing) - set(c.years_draft)))
        if lang == "en":
            why = "; ".join(([f"{draft} has only a draft result: finalize it (scoring finalize)"] if draft else [])
                            + ([f"the history store has no result for {none}: save and finalize it (scoring run --save, scoring finalize)"] if none else []))
            return f"caught in {yrs}; cannot be decided yet: {why}, then run again"
        why = "；".join(([f"{draft}年只有草稿结果，定稿后（scoring finalize）再判定"] if draft else [])
                       + ([f"历史库中没有{none}年的结果，保存并定稿（scoring run --save、scoring finalize）后再判定"] if none else []))
        return f"{yrs}年触发；无法判定：{why}"
    return f"caught in {yrs}" if lang == "en" else f"{yrs}年均触发"


def _share(stability, r: RuleResult, c: Catch) -> float | None:
    """Share of weight draws in which this call stands (caught, or undetermined for an undetermined call)."""
    if not stability:
        return None
    caught, undetermined = stability.get((r.rule.id, r.category, c.unit.unit_id), (0.0, 0.0))
    return undetermined if c.status == "undetermined" else caught


def _others(stability, r: RuleResult, names: dict[str, str]) -> list[tuple[str, str, float]]:
    """Units the rule does not catch now but catches in some weight draws: (id, name, share)."""
    if not stability:
        return []
    now = {c.unit.unit_id for c in r.catches}
    out = [(uid, names.get(uid, uid), max(sh)) for (rid, cat, uid), sh in stability.items()
           if rid == r.rule.id and cat == r.category and uid not in now and max(sh) > 0]
    return sorted(out, key=lambda x: -x[2])


def share_text(x: float) -> str:
    """A share of draws as a percentage: whole percents, but 0.8 % is not shown as 1 % or 0 %."""
    return f"{x * 100:.0f}%" if x in (0.0, 1.0) or 0.01 <= x <= 0.99 else f"{x * 100:.1f}%"


def as_dicts(results: list[RuleResult], places: int, lang: str = "zh", stability=None, names=None) -> list[dict]:
    """``stability``: (rule, category, unit) → (share caught, share undetermined) over weight draws."""
    out = []
    for r in results:
        out.append({
            "rule": r.rule.id, "name": r.rule.name, "consequence": r.rule.consequence, "category": r.category,
            "line": r.line,
            "units": [{
                "id": c.unit.unit_id, "name": c.unit.name, "total": c.unit.total, "rank": c.unit.rank, "of": c.unit.of,
                "grade": c.unit.grade, "status": c.status, "margin": c.margin, "close_call": c.close,
                "reason": trigger_text(c, r, places, lang), "history": look_back_text(c, r, lang),
                "years_caught": sorted(c.years_caught), "years_missing": sorted(c.years_missing),
                "stability": _share(stability, r, c),
            } for c in r.catches],
            "caught_in_some_draws": [{"id": uid, "name": nm, "share": sh} for uid, nm, sh in _others(stability, r, names or {})],
            "nearest_outside": None if r.nearest_outside is None else {
                "id": r.nearest_outside.unit_id, "name": r.nearest_outside.name, "total": r.nearest_outside.total,
                "margin": r.outside_margin,
            },
        })
    return out


def as_text(results: list[RuleResult], places: int, close: float, lang: str = "zh", stability=None, names=None) -> str:
    from .output import text_table

    en = lang == "en"
    lines = ["Proposed decisions (for decision by the responsible bodies)" if en else "拟处理建议（供研究决定）"]
    for r in results:
        if not r.catches and r.nearest_outside is None:
            continue
        lines.append("")
        lines.append(f"[{r.rule.id} {r.rule.name} → {r.rule.consequence}] {r.category}" if en
                     else f"【{r.rule.id} {r.rule.name} → {r.rule.consequence}】{r.category}")
        if r.catches:
            head = (["Unit", "Total", "Rank", "Grade", "Trigger", "Margin", "History", "Close call"] if en
                    else ["单位", "总分", "名次", "等次", "触发依据", "距脱离", "往年情况", "临界"])
            rows = [[c.unit.name, fmt(c.unit.total, places), f"{c.unit.rank}/{c.unit.of}", c.unit.grade or "",
                     trigger_text(c, r, places, lang), margin_text(c.margin, places, lang), look_back_text(c, r, lang),
                     ("yes" if en else "是") if c.close else ""] for c in r.catches]
            if stability:
                head.append("Stability" if en else "稳定性")
                for row, c in zip(rows, r.catches):
                    row.append(share_text(_share(stability, r, c)))
            lines.append(text_table(head, [list(c) for c in zip(*rows)], ["left"] * len(head)))
        else:
            lines.append("no unit caught" if en else "无单位触发")
        if r.nearest_outside is not None and r.outside_margin is not None:
            u = r.nearest_outside
            flag = (" — close call" if en else "（临界）") if r.outside_margin <= close + 1e-9 else ""
            lines.append(f"nearest unit outside: {u.name}, total {fmt(u.total, places)}, {fmt(r.outside_margin, places)} points from the line{flag}"
                         if en else f"最接近的未触发单位：{u.name}，总分{fmt(u.total, places)}，距触发线{fmt(r.outside_margin, places)}分{flag}")
        others = _others(stability, r, names or {})
        if others:
            listed = "、".join(f"{nm}（{share_text(sh)}）" for _, nm, sh in others)
            lines.append(f"also caught in some weight draws: {listed}" if en else f"权重变动时也可能触发：{listed}")
    if stability:
        lines += ["", "Stability: share of random weight draws in which the call stands." if en
                  else "稳定性：随机变动模块权重时，该建议仍成立的抽样比例。"]
    return "\n".join(lines) + "\n"
