"""The proposed decision list, in words and as data."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from operator import attrgetter

from ..core.decisions import Catch, RuleResult
from ..core.rounding import fmt
from ..i18n import t

# (rule id, category, unit id) → (share of weight draws caught, share undetermined)
Stability = dict[tuple[str, str, str], tuple[float, float]]


def unit_texts(decisions: list[RuleResult], lang: str) -> tuple[dict[str, list[str]], dict[str, str]]:
    """What the rules propose for each unit, by unit id, in the rules' order ("R1 全县通报…", or why it
    cannot be decided yet), and each caught unit's flag: "caught", else "undetermined"."""
    texts: dict[str, list[str]] = {}
    flag: dict[str, str] = {}
    for r in decisions:
        caught = f"{r.rule.id} {r.rule.consequence}"
        undetermined: dict[tuple[int, ...], str] = {}  # one text per set of missing years (a nation's rule catches thousands)
        for c in r.catches:
            uid = c.unit.unit_id
            if c.status == "undetermined":  # not a sanction in waiting: say it cannot be decided, and why
                years = tuple(sorted(c.years_missing))
                text = undetermined.get(years)
                if text is None:
                    text = undetermined[years] = t("view.undetermined_rule", lang, rule=r.rule.id, years="、".join(map(str, years)))
                flag.setdefault(uid, "undetermined")
            else:
                text = caught
                flag[uid] = "caught"
            got = texts.get(uid)
            if got is None:
                texts[uid] = [text]
            else:
                got.append(text)
    return texts, flag


def trigger_text(c: Catch, r: RuleResult, places: int, lang: str) -> str:
    """Why the rule caught the unit, in words ("总分…，低于…分", "等次为…", "在后N名之内", the vetoes)."""
    w, u = r.rule.when, c.unit
    if w.total_below is not None:
        return t("dec.trigger_total", lang, total=fmt(u.total, places), line=fmt(w.total_below))
    if w.grade is not None:
        return t("dec.trigger_grade", lang, grade=u.grade, veto=t("dec.trigger_grade_veto", lang) if u.failed else "")
    if w.bottom is not None or w.bottom_percent is not None:
        return t("dec.trigger_bottom", lang, rank=u.rank, of=u.of, bottom=r.bottom_count)
    # vetoes by name, as the criteria word them ("制发违法规范性文件…"), never by their id
    ids = u.vetoes or ((w.veto,) if w.veto else ())
    names = "、".join(r.veto_names.get(v) or (t(f"dec.veto_kind.{v}", lang) if v in ("fail", "no_excellent") else v) for v in ids)
    return t("dec.trigger_veto", lang, names=names)


def trigger_key(r: RuleResult) -> Callable[[Catch], object]:
    """All that :func:`trigger_text` reads of a catch of ``r``: equal keys, equal texts (taken in C: a
    nation's list has 54 000 catches)."""
    w = r.rule.when
    if w.total_below is not None:
        return attrgetter("unit.total")
    if w.grade is not None:
        return attrgetter("unit.grade", "unit.failed")
    if w.bottom is not None or w.bottom_percent is not None:
        return attrgetter("unit.rank", "unit.of")
    return attrgetter("unit.vetoes")


def margin_text(margin: float | None, places: int, lang: str = "zh") -> str:
    """How far a caught unit is from escaping, in words ("差0.06分" / "与分数无关")."""
    if margin is None:
        return t("dec.margin_none", lang)
    return t("dec.margin", lang, margin=fmt(margin, places))


def look_back_text(c: Catch, r: RuleResult, lang: str) -> str:
    """A look-back rule's years, in words (caught in which years, or why it cannot be decided); "" without one."""
    if r.rule.look_back is None:
        return ""
    yrs = "、".join(str(y) for y in sorted(c.years_caught))
    if c.status == "undetermined":  # why it cannot be decided and what to do; no consequence is implied
        draft = "、".join(str(y) for y in sorted(c.years_draft))
        none = "、".join(str(y) for y in sorted(set(c.years_missing) - set(c.years_draft)))
        why = t("sep.items", lang).join(([t("dec.why_draft", lang, years=draft)] if draft else []) + ([t("dec.why_missing", lang, years=none)] if none else []))
        return t("dec.history_undetermined", lang, years=yrs, why=why)
    return t("dec.history_caught", lang, years=yrs)


def _share(stability: Stability, r: RuleResult, c: Catch) -> float:
    """Share of weight draws in which this call stands (caught, or undetermined for an undetermined call)."""
    caught, undetermined = stability.get((r.rule.id, r.category, c.unit.unit_id), (0.0, 0.0))
    return undetermined if c.status == "undetermined" else caught


def _others(stability: Stability | None, r: RuleResult, names: dict[str, str]) -> list[tuple[str, str, float]]:
    """Units the rule does not catch now but catches in some weight draws: (id, name, share)."""
    if not stability:
        return []
    now = {c.unit.unit_id for c in r.catches}
    out = [
        (uid, names.get(uid, uid), max(sh))
        for (rid, cat, uid), sh in stability.items()
        if rid == r.rule.id and cat == r.category and uid not in now and max(sh) > 0
    ]
    return sorted(out, key=lambda x: -x[2])


def share_text(x: float) -> str:
    """A share of draws as a percentage: whole percents, but 0.8 % is not shown as 1 % or 0 %."""
    return f"{x * 100:.0f}%" if x in (0.0, 1.0) or 0.01 <= x <= 0.99 else f"{x * 100:.1f}%"


def as_dicts(results: list[RuleResult], places: int, lang: str = "zh", stability: Stability | None = None, names: dict[str, str] | None = None) -> list[dict]:
    """``stability``: (rule, category, unit) → (share caught, share undetermined) over weight draws."""
    out = []
    for r in results:
        out.append(
            {
                "rule": r.rule.id,
                "name": r.rule.name,
                "consequence": r.rule.consequence,
                "category": r.category,
                "line": r.line,
                "units": [
                    {
                        "id": c.unit.unit_id,
                        "name": c.unit.name,
                        "total": c.unit.total,
                        "rank": c.unit.rank,
                        "of": c.unit.of,
                        "grade": c.unit.grade,
                        "status": c.status,
                        "margin": c.margin,
                        "close_call": c.close,
                        "reason": trigger_text(c, r, places, lang),
                        "history": look_back_text(c, r, lang),
                        "years_caught": sorted(c.years_caught),
                        "years_missing": sorted(c.years_missing),
                        "stability": _share(stability, r, c) if stability else None,
                    }
                    for c in r.catches
                ],
                "caught_in_some_draws": [{"id": uid, "name": nm, "share": sh} for uid, nm, sh in _others(stability, r, names or {})],
                "nearest_outside": None
                if r.nearest_outside is None
                else {
                    "id": r.nearest_outside.unit_id,
                    "name": r.nearest_outside.name,
                    "total": r.nearest_outside.total,
                    "margin": r.outside_margin,
                },
            }
        )
    return out


def _texts(catches: list[Catch], key: Callable[[Catch], object], make: Callable[[Catch], str]) -> list[str]:
    """``make`` of every catch, asked once per distinct ``key`` (all that ``make`` reads of a catch)."""
    keys = list(map(key, catches))
    made: dict = {}
    for k, c in zip(keys, catches):
        if k not in made:
            made[k] = make(c)
    return list(map(made.__getitem__, keys))


def as_text(
    results: list[RuleResult], places: int, close: float, lang: str = "zh", stability: Stability | None = None, names: dict[str, str] | None = None
) -> str:
    from .output import text_table

    lines = [t("dec.title", lang)]
    for r in results:
        if not r.catches and r.nearest_outside is None:
            continue
        lines.append("")
        lines.append(t("dec.rule_head", lang, id=r.rule.id, name=r.rule.name, consequence=r.rule.consequence, category=r.category))
        if r.catches:
            head = [t(f"dec.col.{k}", lang) for k in ("unit", "total", "rank", "grade", "trigger", "margin", "history", "close")]
            # each text made once per distinct set of what it says (a nation's list has 54 000 rows)
            cs = r.catches
            yes = t("dec.yes", lang)
            columns = [
                [c.unit.name for c in cs],
                _texts(cs, attrgetter("unit.total"), lambda c: fmt(c.unit.total, places)),
                [f"{c.unit.rank}/{c.unit.of}" for c in cs],
                [c.unit.grade or "" for c in cs],
                _texts(cs, trigger_key(r), partial(trigger_text, r=r, places=places, lang=lang)),
                _texts(cs, attrgetter("margin"), lambda c: margin_text(c.margin, places, lang)),
                _texts(cs, lambda c: (c.status, *c.years_caught, None, *c.years_missing, None, *c.years_draft), partial(look_back_text, r=r, lang=lang)),
                [yes if c.close else "" for c in cs],
            ]
            if stability:
                head.append(t("dec.col.stability", lang))
                columns.append([share_text(_share(stability, r, c)) for c in cs])
            lines.append(text_table(head, columns, ["left"] * len(head)))
        else:
            lines.append(t("dec.none_caught", lang))
        if r.nearest_outside is not None and r.outside_margin is not None:
            u = r.nearest_outside
            flag = t("dec.close_flag", lang) if r.outside_margin <= close + 1e-9 else ""
            lines.append(t("dec.nearest", lang, name=u.name, total=fmt(u.total, places), margin=fmt(r.outside_margin, places), flag=flag))
        others = _others(stability, r, names or {})
        if others:
            listed = "、".join(f"{nm}（{share_text(sh)}）" for _, nm, sh in others)
            lines.append(t("dec.also_caught", lang, units=listed))
    if stability:
        lines += ["", t("dec.stability_note", lang)]
    return "\n".join(lines) + "\n"
