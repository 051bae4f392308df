"""Every point explained: one unit's score sheet as plain data.

The layout follows what offices print (测评指标 | 指标分值 | 得分 | 扣分 | 失分原因 | 数据来源).
Text is produced here, on demand, for the units someone asks about.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..i18n import t
from . import expr
from . import boundary
from .dataset import previous_of
from .engine import CategoryScores, IndicatorScores, Results
from .lists import objects, pick
from .methods import displaying
from .rounding import fmt, round_column, round_half_up


def _num(x: float, places: int) -> float | None:
    x = float(x)
    return None if math.isnan(x) else round_half_up(x, places)


def line_head(res: Results, ind) -> dict[str, Any]:
    """What an indicator's line says of the indicator itself: the same for every unit."""
    return {
        "id": ind.id,
        "name": ind.name,
        "level": res.plan.level[ind.id],
        "parent": ind.parent,
        "module": res.plan.module_of[ind.id],
        "full": ind.full,
        "bonus": ind.bonus,
    }


def _missing_said(ind, gone: list[str], lang: str) -> tuple[str, str]:
    """A line whose inputs ``gone`` were left blank: its status as the missing rule decides it, and the
    reason said (another if every blank field is only last year's value)."""
    status = {"exclude": "excluded", "zero": "zero"}.get(ind.missing, "missing")
    only_previous = bool(gone) and all(previous_of(f) is not None for f in gone)
    return status, t(f"explain.missing_{'previous_' if only_previous else ''}{status}", lang)


def indicator_line(res: Results, cs: CategoryScores, pos: int, s: IndicatorScores, lang: str = "zh") -> dict[str, Any]:
    ind = s.indicator
    places = res.criteria.assessment.precision
    pts = _num(s.points[pos], places)
    uid = res.data.ids[cs.index[pos]]
    line: dict[str, Any] = {
        **line_head(res, ind),
        "points": pts,
        "owner": ind.owner,
        "evidence": ind.evidence,
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
    if share_note and s.share is not None:
        line["share"] = round_half_up(float(s.share[pos]), 6)
    if s.leaf is None:  # a group: its points are its children's
        line["status"] = "scored" if pts is not None else "excluded"
        line["rule"] = ind.rule or t("explain.group_rule", lang)
        if ind.max_deduction is not None:
            line["rule"] += t("explain.group_cap", lang, cap=fmt(ind.max_deduction))
        line["reason"] = share_note
        if ind.max_deduction is not None and pts is not None and s.raw is not None:
            # the children lost more than the group may: say so here, where the numbers stop adding up
            kids_lost = round_half_up(app - float(s.raw[pos]), places)
            if kids_lost > line["lost"]:
                line["cap"] = {"max_deduction": ind.max_deduction, "children_lost": kids_lost, "waived": round_half_up(kids_lost - line["lost"], places)}
                line["reason"] = _join(
                    share_note,
                    t("explain.group_capped", lang, lost=fmt(kids_lost, places), cap=fmt(ind.max_deduction), counted=fmt(line["lost"], places)),
                    lang,
                )
        return line
    leaf = s.leaf
    inputs = {f: float(v[pos]) for f, v in s.inputs.items()}
    line["inputs"] = {f: (None if math.isnan(v) else v) for f, v in inputs.items()}
    derived = _derived(res)
    i = int(cs.index[pos])
    line["sources"] = {f: _source(res, i, f, derived, lang) for f in inputs}
    ev = {f: res.data.evidence[(uid, f)] for f in inputs if (uid, f) in res.data.evidence}
    if ev:
        line["evidence_given"] = ev
    line["method"] = leaf.method.name
    line["rule"] = ind.rule or _rule_text(res, leaf, lang)
    if s.zero is not None and s.zero[pos]:
        return _zero_line(res, cs, pos, s, line, lang)
    if s.missing is not None and s.missing[pos]:
        line["status"], reason = _missing_said(ind, [f for f, v in inputs.items() if math.isnan(v)], lang)
        line["reason"] = _join(share_note, reason, lang)
        return line
    line["status"] = "scored"
    lost = line["lost"] or 0.0
    if lost > 0 or (ind.bonus and pts):
        with displaying(places, _units(res)):  # values at the declared precision, with their units
            line["reason"] = boundary.call(leaf, "reason", leaf.method.lost_reason, leaf.params, inputs, pts, ind.full, s.context, lang)
        raw = s.raw[pos] if s.raw is not None else np.nan
        if ind.max_deduction is not None and not ind.bonus and raw < ind.full - ind.max_deduction:
            line["reason"] += t("explain.item_cap", lang, cap=fmt(ind.max_deduction))
        if share_note:  # the method's reason is about the whole task's points: say whose share this is first
            line["reason"] = _join(share_note, line["reason"], lang)
    else:
        line["reason"] = share_note
    return line


@dataclass
class LineColumns:
    """One indicator's lines for many units of a category, a column at a time: what
    :func:`indicator_line` gives each unit, for the usual lines (a scored leaf, a leaf with a missing
    input, a group without a cap that bites).  ``usual[k]`` is False where the line is left to
    :func:`indicator_line` (not applicable, a task's share, 0 ÷ 0, a capped group, evidence given)."""

    rows: list[int]  # positions in the category
    usual: list[bool]
    points: np.ndarray  # NaN: null
    applicable_full: np.ndarray  # NaN where the line does not show it
    lost: np.ndarray
    status: list[str]
    inputs: dict[str, np.ndarray]  # leaves: each input's value
    sources: dict[str, list[str]]  # leaves: where each value came from
    reasons: list[str]
    method: str | None  # leaves: the method's name
    rule: str
    # leaves: the reasons as texts and each unit's number among them ("" is number 0)
    reason_codes: tuple[list[str], np.ndarray] | None = None

    def part(self, lo: int, hi: int) -> "LineColumns":
        """The lines of the units ``lo`` to ``hi`` (positions in ``rows``): each line what :func:`line_columns`
        gives those units alone (a line depends on its unit's numbers only).  The arrays are views, and
        ``reason_codes`` keeps the whole list of texts (the numbers are the part's): parts of one run of lines
        share it."""
        cut = slice(lo, hi)
        return LineColumns(
            self.rows[cut],
            self.usual[cut],
            self.points[cut],
            self.applicable_full[cut],
            self.lost[cut],
            self.status[cut],
            {f: v[cut] for f, v in self.inputs.items()},
            {f: v[cut] for f, v in self.sources.items()},
            self.reasons[cut],
            self.method,
            self.rule,
            None if self.reason_codes is None else (self.reason_codes[0], self.reason_codes[1][cut]),
        )


def line_columns(
    res: Results, cs: CategoryScores, rows: list[int] | np.ndarray, s: IndicatorScores, lang: str = "zh", at: np.ndarray | None = None
) -> LineColumns:
    """The lines of ``s`` for the units at ``rows``, built a column at a time (see :class:`LineColumns`):
    numbers rounded per column, the method's reasons asked for only where points were lost, all at once.
    ``rows`` may be an array of positions already; ``at``: ``rows`` as an array when a caller asking for
    many indicators has made it (the lines then share the list ``rows``)."""
    ind = s.indicator
    places = res.criteria.assessment.precision
    if at is None:
        at = np.asarray(rows, dtype=np.intp)
        listed = at.tolist() if isinstance(rows, np.ndarray) else list(rows)
    else:
        listed = rows if isinstance(rows, list) else rows.tolist()
    pts = round_column(s.points[at], places)
    app = np.asarray(s.applicable_full[at], dtype=float)
    has = ~np.isnan(pts)
    if ind.bonus:
        lost = round_column(np.maximum(-np.nan_to_num(pts), 0.0), places)
        shown_app = np.zeros(len(at), bool)
    else:
        lost = round_column(app - pts, places)
        shown_app = has & (np.abs(app - ind.full) > 1e-9)
    usual = np.ones(len(at), bool)
    if s.applies is not None:
        usual &= s.applies[at]
    if s.share is not None:  # a task's share: said per unit, on the rare lines that have one
        usual[:] = False
    leaf = s.leaf
    status = _pick_texts(("excluded", "scored"), has) if leaf is None else ["scored"] * len(at)
    inputs: dict[str, np.ndarray] = {}
    sources: dict[str, list[str]] = {}
    reasons = [""] * len(at)
    reason_codes = None
    if leaf is None:
        rule = ind.rule or t("explain.group_rule", lang)
        if ind.max_deduction is not None:
            rule += t("explain.group_cap", lang, cap=fmt(ind.max_deduction))
            if s.raw is not None:  # the children lost more than the group may: said by indicator_line
                with np.errstate(invalid="ignore"):
                    usual &= ~(has & (round_column(app - s.raw[at], places) > lost))
    else:
        rule = ind.rule or _rule_text(res, leaf, lang)
        if s.zero is not None:
            usual &= ~s.zero[at]
        units = cs.index[at]
        if res.data.evidence:
            usual &= _without_evidence(res, units, s)
        derived = _derived(res)
        for f, v in s.inputs.items():
            inputs[f] = np.asarray(v[at], dtype=float)
            sources[f] = _source_column(res, units, f, derived, lang)
        missing = usual & s.missing[at] if s.missing is not None else np.zeros(len(at), bool)
        said: list[str] = [""]  # the reasons told apart, for reason_codes: "" first
        codes = np.zeros(len(at), dtype=np.intp)
        if missing.any():  # what the missing rule did, as indicator_line says it (once per set of blank inputs)
            gone = {f: np.isnan(v).tolist() for f, v in inputs.items()}
            memo: dict[tuple, tuple[str, str, int]] = {}
            for k in np.flatnonzero(missing).tolist():
                blank = tuple(f for f in inputs if gone[f][k])
                if blank not in memo:
                    st, why = _missing_said(ind, list(blank), lang)
                    memo[blank] = st, why, len(said)
                    said.append(why)
                status[k], reasons[k], codes[k] = memo[blank]
        with np.errstate(invalid="ignore"):
            ask = usual & ~missing & has & ((lost > 0) | (bool(ind.bonus) & (pts != 0)))
        if ask.any():
            k = np.flatnonzero(ask)
            asked = {f: np.asarray(v[at[k]], dtype=float) for f, v in s.inputs.items()}
            one, each = _distinct_rows([*asked.values(), pts[k]])  # a reason depends on these alone: asked once each
            with displaying(places, _units(res)):  # values at the declared precision, with their units
                texts = boundary.call(
                    leaf,
                    "reason",
                    leaf.method.lost_reasons,
                    leaf.params,
                    {f: v[one] for f, v in asked.items()},
                    pts[k][one],
                    ind.full,
                    s.context,
                    lang,
                )
            if len(texts) != len(one):
                boundary.call(leaf, "reason", _wrong_count, len(texts), len(one))
            made = objects(texts)  # each distinct row's sentence
            if ind.max_deduction is not None and not ind.bonus and s.raw is not None:  # the item's own cap bit: said after the sentence
                note = t("explain.item_cap", lang, cap=fmt(ind.max_deduction))
                made = np.concatenate([made, objects([x + note for x in made.tolist()])])
                each = each + len(one) * (s.raw[at[k]] < ind.full - ind.max_deduction)
            column = np.array(reasons, dtype=object)
            column[k] = made[each]
            reasons = column.tolist()
            codes[k] = each + len(said)
            said += made.tolist()
        reason_codes = said, codes
    return LineColumns(
        listed,
        usual.tolist(),
        pts,
        np.where(shown_app, app, np.nan),
        lost,
        status,
        inputs,
        sources,
        reasons,
        None if leaf is None else leaf.method.name,
        rule,
        reason_codes,
    )


def _pick_texts(texts: tuple[str, str], which: np.ndarray) -> list[str]:
    """``texts[1]`` where ``which``, else ``texts[0]``: the same two objects throughout."""
    if which.all():
        return [texts[1]] * len(which)
    return pick(texts, which.astype(np.intp))


def _distinct_rows(columns: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """A row of each distinct set of values in ``columns`` (told apart bit for bit), and each row's
    number among those: one sort of the rows."""
    keys = [np.ascontiguousarray(c, dtype=float).view(np.uint64) for c in columns]
    order = np.lexsort(keys[::-1])
    new = np.zeros(len(order), dtype=bool)  # where a row in sorted order differs from the one before
    new[:1] = True
    for k in keys:
        ranked = k[order]
        new[1:] |= ranked[1:] != ranked[:-1]
    each = np.empty(len(order), dtype=np.intp)
    each[order] = np.cumsum(new) - 1
    return order[new], each


def _without_evidence(res: Results, units: np.ndarray, s: IndicatorScores) -> np.ndarray:
    """For each of ``units`` (rows of the data), whether no evidence was given for any of ``s``'s inputs."""
    evidence, ids = res.data.evidence, res.data.ids
    return np.array([not any((ids[i], f) in evidence for f in s.inputs) for i in units.tolist()], dtype=bool)  # (no units: no bools)


def _wrong_count(got: int, wanted: int):
    raise ValueError(f"lost_reasons gave {got} texts for {wanted} units")


def indicator_lines(
    res: Results, cs: CategoryScores, rows: list[int], s: IndicatorScores, lang: str = "zh", columns: LineColumns | None = None
) -> list[dict[str, Any]]:
    """:func:`indicator_line` for each unit at ``rows``, the usual lines built a column at a time
    (key order as :func:`indicator_line`); ``columns``: its :func:`line_columns` when already made."""
    c = line_columns(res, cs, rows, s, lang) if columns is None else columns
    ind = s.indicator
    head = line_head(res, ind)
    points, lost, app = nullable(c.points), nullable(c.lost), nullable(c.applicable_full)
    inputs = {f: nullable(v) for f, v in c.inputs.items()}
    out = []
    for k, p in enumerate(rows):
        if not c.usual[k]:
            out.append(indicator_line(res, cs, p, s, lang))
            continue
        line = {**head, "points": points[k], "owner": ind.owner, "evidence": ind.evidence}
        if app[k] is not None:
            line["applicable_full"] = app[k]
        line["lost"] = lost[k]
        if c.method is None:
            line["status"], line["rule"], line["reason"] = c.status[k], c.rule, c.reasons[k]
        else:
            line["inputs"] = {f: v[k] for f, v in inputs.items()}
            line["sources"] = {f: v[k] for f, v in c.sources.items()}
            line["method"], line["rule"], line["status"], line["reason"] = c.method, c.rule, c.status[k], c.reasons[k]
        out.append(line)
    return out


def nullable(a: np.ndarray) -> list[float | None]:
    """A column's values, None for NaN (one None, where each NaN is a float of its own)."""
    out = a.tolist()
    for k in np.flatnonzero(np.isnan(a)).tolist():
        out[k] = None
    return out


def _source_column(res: Results, units: np.ndarray, f: str, derived: set[str], lang: str) -> list[str]:
    """:func:`_source` of ``f`` for many units."""
    data = res.data
    every = data.sources.get(f)
    if every is None:
        every = t("explain.derived", lang) if f in derived else ""
    where = data.place_of.get(f)
    if data.sources.get(f) is None or where is None:
        return [every] * len(units)
    files = [pf[0] for pf in data.place_files]
    n = len(files)
    at = where[units]
    if len(at) and (at == at[0]).all():  # usually every unit's value of a field comes from one file
        w = int(at[0])
        return [files[w] if 0 <= w < n else every] * len(at)
    return [files[w] if 0 <= w < n else every for w in at.tolist()]


def _zero_line(res: Results, cs: CategoryScores, pos: int, s: IndicatorScores, line: dict, lang: str) -> dict:
    """A derived input with no value because its denominator was 0: its own state, shown with
    the submitted values it came from (never null) and what the criteria say it means."""
    ind = s.indicator
    i = int(cs.index[pos])
    formulas = dict(res.plan.formulas)
    dens: list[str] = []
    given: dict[str, float] = {}

    def walk(name: str) -> None:
        node = formulas[name]
        for f in expr.ordered_names(node):
            if f in formulas and f in res.zero and res.zero[f][i]:
                walk(f)
            elif f not in formulas or not math.isnan(float(res.columns[f][i])):
                given.setdefault(f, float(res.columns[f][i]))
        one = {f: res.columns[f][i : i + 1] for f in expr.names(node)}
        for d in expr.zero_denominators(node, one):
            shown = expr.text(d) if d.op == "field" else f"（{expr.text(d)}）"
            if shown not in dens:
                dens.append(shown)

    for f in s.inputs:
        if f in res.zero and res.zero[f][i]:
            walk(f)
        elif not math.isnan(float(s.inputs[f][pos])):
            given.setdefault(f, float(s.inputs[f][pos]))
    policy = ind.zero_policy
    line["status"] = "zero_denominator"
    line["zero_denominator"] = {"policy": policy, "declared": ind.zero_denominator is not None, "denominator": "、".join(d.strip("（）") for d in dens)}
    line["inputs"] = given
    derived = _derived(res)
    line["sources"] = {f: _source(res, i, f, derived, lang) for f in given}
    line["reason"] = t(f"explain.zero_{policy}", lang, denominator="、".join(dens))
    if ind.zero_denominator is None:
        line["reason"] += t("explain.zero_default", lang)
    return line


def line_keys(res: Results, cs: CategoryScores, rows: list[int], s: IndicatorScores) -> list[tuple | None]:
    """For the lines of ``s`` at ``rows`` that :func:`indicator_line` makes from the unit's numbers alone
    (a 0 ÷ 0 line: :func:`_zero_line`; a group's line): everything it reads of the unit, bit for bit, so
    that units with equal keys have equal lines. None for a line that may say something of the unit
    itself (not applicable, a task's share, evidence given) and for any other line."""
    at = np.asarray(rows, dtype=np.intp)
    n = len(at)
    zero = s.zero
    if s.share is not None or (s.leaf is not None and zero is None):
        return [None] * n
    ok = np.ones(n, bool) if s.applies is None else s.applies[at].copy()
    units = cs.index[at]
    cols = [s.points[at], s.applicable_full[at]]
    if s.leaf is None:  # a group
        if s.raw is not None:
            cols.append(s.raw[at])
    elif zero is not None:  # (always, past the test above)
        ok &= zero[at]
        if res.data.evidence:
            ok &= _without_evidence(res, units, s)
        cols += [s.inputs[f][at] for f in s.inputs]
        for f in _formula_fields(res, tuple(s.inputs)):
            cols.append(res.columns[f][units])
            if f in res.zero:
                cols.append(res.zero[f][units])
            if f in res.data.place_of:
                cols.append(res.data.place_of[f][units])
    bits = [np.ascontiguousarray(c, dtype=float).view(np.uint64).tolist() for c in cols]
    return [key if good else None for key, good in zip(zip(*bits), ok.tolist())]


def odd_lines(res: Results, cs: CategoryScores, rows: list[int], s: IndicatorScores, lang: str = "zh") -> list[dict[str, Any]]:
    """:func:`indicator_line` of ``s`` for each unit at ``rows``; the lines made from the unit's numbers alone
    (:func:`line_keys`: a 0 ÷ 0 line, a capped group) made once per set of those numbers, units with equal
    ones sharing the one dict: read the lines, never change them."""
    made: dict[tuple, dict[str, Any]] = {}
    out = []
    for p, key in zip(rows, line_keys(res, cs, rows, s)):
        line = made.get(key) if key is not None else None
        if line is None:
            line = indicator_line(res, cs, p, s, lang)
            if key is not None:
                made[key] = line
        out.append(line)
    return out


def _formula_fields(res: Results, names: tuple[str, ...]) -> list[str]:
    """Every field the formulas behind ``names`` read, and ``names``, in a fixed order (made once)."""
    cache = _cache(res)
    key = ("formula_fields", names)
    if key not in cache:
        formulas = dict(res.plan.formulas)
        out: list[str] = []
        todo = list(names)
        while todo:
            f = todo.pop(0)
            if f not in out:
                out.append(f)
                if f in formulas:
                    todo += expr.ordered_names(formulas[f])
        cache[key] = out
    return cache[key]


def _source(res: Results, i: int, f: str, derived: set[str], lang: str) -> str:
    """Where unit ``i``'s value of ``f`` came from: its own file, or "由公式计算"."""
    got = res.data.source_file(i, f)
    if got is not None:
        return got
    return t("explain.derived", lang) if f in derived else ""


def loss_items(sheet: dict[str, Any], lang: str = "zh") -> list[dict[str, Any]]:
    """The lines whose losses make up each module's loss, each point counted once.

    A leaf's loss is listed unless a capped group above it lost less than its children
    together: then the group is listed instead (its 失分原因 says why), so the listed
    losses of a module add up exactly to what it lost.  附加项 count by their negative points.
    """
    lines = sheet["indicators"]
    kids: dict[str | None, list[dict]] = {}
    for line in lines:
        kids.setdefault(line["parent"], []).append(line)
    out: list[dict] = []

    def walk(line: dict) -> None:
        if line["points"] is None:
            return
        if line["id"] not in kids or "cap" in line:
            if line["lost"]:
                out.append(line)
            return
        for k in kids[line["id"]]:
            walk(k)

    for line in kids.get(None, []):
        if not line["bonus"]:
            walk(line)
    return out + bonus_losses([line for line in kids.get(None, []) if line["bonus"]], sheet["modules"], lang)


def bonus_losses(items: list[dict[str, Any]], modules: list[dict[str, Any]], lang: str = "zh") -> list[dict[str, Any]]:
    """The losses :func:`loss_items` lists last: what each module's 附加项 took off (``items``: the sheet's
    top-level 附加项 lines; ``modules``: the sheet's modules), once, within the module's range."""
    out: list[dict] = []
    for m in modules:
        net = m["bonus"]
        if net is None or net >= 0:
            continue
        extra = [l for l in items if l["module"] == m["id"] and l["points"]]
        if len(extra) == 1 and extra[0]["points"] == net:
            out.append(extra[0])
            continue
        parts = t("sep.list", lang).join(f"{l['name']}{'+' if l['points'] > 0 else ''}{fmt(l['points'])}" for l in extra)
        out.append(
            {
                "id": m["id"],
                "name": t("explain.bonus_items", lang, module=m["name"]),
                "module": m["id"],
                "parent": None,
                "bonus": True,
                "points": net,
                "lost": -net,
                "reason": t("explain.bonus_parts", lang, items=parts, note=m["bonus_note"]) if "bonus_note" in m else parts,
            }
        )
    return out


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
    if sc is None or not sc.task or s.share is None:
        return ""
    uid, uname = res.data.ids[at], res.data.names[at]
    role = "lead" if uid in sc.lead or uname in sc.lead else "responsible"
    share = float(s.share[pos])
    pct = f"{round_half_up(share * 100, 2):g}%"
    return t(
        "explain.task_share",
        lang,
        nl=len(sc.lead),
        nr=len(sc.responsible),
        role=t(f"explain.role_{role}", lang),
        pct=pct,
        full=fmt(ind.full),
        mine=fmt(round_half_up(ind.full * share, 6)),
    )


def _cache(res: Results) -> dict:
    """Texts that are the same for every unit, made once per results (a province has 720 000 lines)."""
    return res.text_cache


def _units(res: Results) -> dict[str, str]:
    cache = _cache(res)
    if "units" not in cache:
        cache["units"] = {f.name: f.unit or ("%" if f.kind == "rate" else "") for f in res.criteria.fields}
    return cache["units"]


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
        "id": res.data.ids[i],
        "name": res.data.names[i],
        "category": cs.category,
        "total": _num(cs.total[pos], places),
        "rank": int(cs.rank[pos]),
        "of": len(cs.index),
        "grade": cs.grade[pos],
        "modules": [
            {
                "id": ms.module.id,
                "name": ms.module.name,
                "weight": ms.weight,
                "full": ms.module.full,
                "score": _num(ms.score[pos], places),
                "base": _num(ms.base[pos], places),
                "bonus": _num(ms.bonus[pos], places),
                "contribution": _num(ms.contribution[pos], places),
                **_bonus_cap(res, cs, ms, pos, places, lang),
            }
            for ms in cs.modules.values()
        ],
        "vetoes": [{"id": v.veto.id, "name": v.veto.name, "kind": v.veto.kind, "value": _num(v.values[pos], 6)} for v in cs.vetoes if v.hit[pos]],
    }
    if with_indicators:
        sheet["indicators"] = [indicator_line(res, cs, pos, cs.indicators[ind.id], lang) for ind in tree_order(res) if ind.id in cs.indicators]
    return sheet


def sheet_heads(res: Results, cs: CategoryScores, rows: list[int], lang: str = "zh") -> list[dict[str, Any]]:
    """:func:`unit_sheet` without its lines for each unit at ``rows``, the numbers rounded a column at a
    time (``round_column`` is ``round_half_up`` bit for bit); a module's cut 附加项 through :func:`_bonus_caps`."""
    places = res.criteria.assessment.precision
    at = np.asarray(rows, dtype=np.intp)
    units = cs.index[at].tolist()
    ids, names = res.data.ids, res.data.names
    total = nullable(round_column(cs.total[at], places))
    rank = cs.rank[at].tolist()
    mods: list[tuple[Any, ...]] = []
    for ms in cs.modules.values():
        numbers = [nullable(round_column(a[at], places)) for a in (ms.score, ms.base, ms.bonus, ms.contribution)]
        cut = _bonus_caps(res, cs, ms, rows, places, lang)
        mods.append((ms, *numbers, cut))
    out = []
    for k, p in enumerate(rows):
        i = units[k]
        out.append(
            {
                "id": ids[i],
                "name": names[i],
                "category": cs.category,
                "total": total[k],
                "rank": int(rank[k]),
                "of": len(cs.index),
                "grade": cs.grade[p],
                "modules": [
                    {
                        "id": ms.module.id,
                        "name": ms.module.name,
                        "weight": ms.weight,
                        "full": ms.module.full,
                        "score": score[k],
                        "base": base[k],
                        "bonus": bonus[k],
                        "contribution": contribution[k],
                        **cut.get(p, {}),
                    }
                    for ms, score, base, bonus, contribution, cut in mods
                ],
                "vetoes": [{"id": v.veto.id, "name": v.veto.name, "kind": v.veto.kind, "value": _num(v.values[p], 6)} for v in cs.vetoes if v.hit[p]],
            }
        )
    return out


def sheet_columns(res: Results, cs: CategoryScores, rows: list[int], lang: str = "zh") -> list[tuple[IndicatorScores, LineColumns]]:
    """Each line of the sheets of the units at ``rows``, in sheet order, as :func:`line_columns`."""
    rows = list(rows)  # once for every indicator: their lines share it
    at = np.asarray(rows, dtype=np.intp)
    return [(cs.indicators[ind.id], line_columns(res, cs, rows, cs.indicators[ind.id], lang, at)) for ind in tree_order(res) if ind.id in cs.indicators]


def unit_sheets(
    res: Results, cs: CategoryScores, rows: list[int], lang: str = "zh", columns: list[tuple[IndicatorScores, LineColumns]] | None = None
) -> list[dict[str, Any]]:
    """:func:`unit_sheet` for each unit at ``rows`` (positions in the category), the indicator lines
    made a column at a time (:func:`indicator_lines`): what a report of every unit asks for.
    ``columns``: the sheets' :func:`sheet_columns` when already made."""
    if columns is None:
        columns = sheet_columns(res, cs, rows, lang)
    lines = [indicator_lines(res, cs, rows, s, lang, c) for s, c in columns]
    sheets = []
    for k, p in enumerate(rows):
        sheet = unit_sheet(res, cs, p, lang, with_indicators=False)
        sheet["indicators"] = [col[k] for col in lines]
        sheets.append(sheet)
    return sheets


def _bonus_cap(res: Results, cs: CategoryScores, ms, pos: int, places: int, lang: str) -> dict[str, Any]:
    """附加项 beyond the module's range: the items' sum, and the sentence saying it was cut."""
    return _bonus_caps(res, cs, ms, [pos], places, lang).get(pos, {})


def _bonus_caps(res: Results, cs: CategoryScores, ms, rows: list[int], places: int, lang: str) -> dict[int, dict[str, Any]]:
    """:func:`_bonus_cap` of the units at ``rows``, by row, for those whose 附加项 were cut: the items'
    sums rounded a column at a time, each distinct sentence made once."""
    cache = _cache(res)
    key = ("bonus_items", cs.category, ms.module.id)
    if key not in cache:  # once per category and module: the items' sum for every unit
        items = [s.points for s in cs.indicators.values() if s.indicator.bonus and s.indicator.parent is None and s.indicator.module == ms.module.id]
        sums = np.zeros(len(cs.index))
        for a in items:
            sums = sums + np.nan_to_num(a)
        cache[key] = sums if items else None
    sums = cache[key]
    if sums is None or not rows:
        return {}
    at = np.asarray(rows, dtype=np.int64)
    total = round_column(sums[at], places)  # round_half_up of each, bit for bit
    counted = ms.bonus[at]
    with np.errstate(invalid="ignore"):
        cut = ~(np.abs(total - counted) < 10 ** -(places + 3))  # a NaN counted is cut too, as one unit's test says
    b = ms.module.bonus
    notes: dict[tuple[float, float], dict[str, Any]] = {}
    out = {}
    for k in np.flatnonzero(cut).tolist():
        pair = (float(total[k]), float(counted[k]))
        if pair not in notes:
            notes[pair] = {
                "bonus_items": pair[0],
                "bonus_note": t("explain.bonus_capped", lang, items=fmt(pair[0], places), low=fmt(b.min), high=fmt(b.max), counted=fmt(pair[1], places)),
            }
        out[rows[k]] = dict(notes[pair])  # each unit's own dict, as one unit's call gives it
    return out


def tree_order(res: Results):
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


def _join(a: str, b: str, lang: str) -> str:
    return t("sep.items", lang).join((a, b)) if a and b else (a or b)
