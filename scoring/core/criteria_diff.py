"""What changed between two criteria files (two years' 评分细则). Pure: no I/O.

Indicators are matched by id: added, removed, renamed, points (分值) changed, method or
parameters changed (with the rule text each gives), applicability changed, moved in the
tree.  Modules: weights per category.  And, per category, each indicator's share of the
total (折合权重: module weight × its applicable points ÷ the module's applicable points),
which moves when a weight, a point value or an applicability changes anywhere above it.
Fields, vetoes, grades and decision rules are compared as declared.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from . import boundary
from .plan import Plan

EPS = 0.005  # shares are compared at two decimals, as they are shown


@dataclass
class Change:
    kind: str  # what changed: see CriteriaDiff
    id: str
    name: str
    old: Any = None
    new: Any = None
    category: str | None = None


@dataclass
class CriteriaDiff:
    old: Plan
    new: Plan
    changes: list[Change] = field(default_factory=list)

    def of(self, kind: str) -> list[Change]:
        return [c for c in self.changes if c.kind == kind]


def shares(plan: Plan) -> dict[tuple[str, str], float]:
    """(category, indicator id) → the indicator's points in the category's total (bonus items left out)."""
    c = plan.criteria
    kids: dict[str, list] = {}
    for ind in c.indicators:
        if ind.parent is not None:
            kids.setdefault(ind.parent, []).append(ind)
    out: dict[tuple[str, str], float] = {}

    def app(ind, cat) -> float:
        if cat not in plan.applies.get(ind.id, ()):
            return 0.0
        if ind.id in kids:
            return sum(app(k, cat) for k in kids[ind.id])
        return ind.full

    for m in c.modules:
        tops = [i for i in c.indicators if i.parent is None and i.module == m.id and not i.bonus]
        for cat, w in m.weights.items():
            base = sum(app(i, cat) for i in tops)
            if base <= 0:
                continue
            stack = list(tops)
            while stack:
                ind = stack.pop()
                a = app(ind, cat)
                if a > 0:
                    out[(cat, ind.id)] = w * a / base
                stack.extend(kids.get(ind.id, []))
    return out


def _rule(plan: Plan, iid: str, lang: str) -> str:
    ind = plan.criteria.indicator_map()[iid]
    if ind.rule:
        return ind.rule
    leaf = plan.leaves.get(iid)
    return boundary.call(leaf, "rule", leaf.method.rule, leaf.params, ind.full, lang) if leaf is not None else ""


def _module_name(plan: Plan, iid: str) -> str:
    mid = plan.module_of.get(iid, "")
    m = next((x for x in plan.criteria.modules if x.id == mid), None)
    return m.name if m is not None else mid


def _by_id(items, key="id") -> dict:
    return {getattr(x, key): x for x in items}


def _dump(x) -> dict:
    return x.model_dump(mode="json")


def diff(old: Plan, new: Plan, lang: str = "zh") -> CriteriaDiff:
    d = CriteriaDiff(old, new)
    add = d.changes.append
    a, b = old.criteria, new.criteria
    for k in ("office", "total", "precision"):  # name and year head every comparison
        if getattr(a.assessment, k) != getattr(b.assessment, k):
            add(Change("assessment", k, k, getattr(a.assessment, k), getattr(b.assessment, k)))
    for cat in b.categories:
        if cat not in a.categories:
            add(Change("category_added", cat, cat))
    for cat in a.categories:
        if cat not in b.categories:
            add(Change("category_removed", cat, cat))

    ma, mb = _by_id(a.modules), _by_id(b.modules)
    for mid, m in mb.items():
        if mid not in ma:
            add(Change("module_added", mid, m.name, None, dict(m.weights)))
            continue
        o = ma[mid]
        if o.name != m.name:
            add(Change("module_renamed", mid, m.name, o.name, m.name))
        for cat in list(dict.fromkeys([*b.categories, *a.categories])):
            wo, wn = o.weights.get(cat), m.weights.get(cat)
            if wo != wn:
                add(Change("module_weight", mid, m.name, wo, wn, cat))
        if o.full != m.full:
            add(Change("module_full", mid, m.name, o.full, m.full))
        if o.bonus != m.bonus:
            add(Change("module_bonus", mid, m.name, _dump(o.bonus), _dump(m.bonus)))
    for mid, m in ma.items():
        if mid not in mb:
            add(Change("module_removed", mid, m.name, dict(m.weights), None))

    ia, ib = _by_id(a.indicators), _by_id(b.indicators)
    for iid, ind in ib.items():
        if iid not in ia:
            add(Change("indicator_added", iid, ind.name, None, {"full": ind.full, "module": _module_name(new, iid), "rule": _rule(new, iid, lang)}))
            continue
        o = ia[iid]
        if o.name != ind.name:
            add(Change("indicator_renamed", iid, ind.name, o.name, ind.name))
        if o.full != ind.full:
            add(Change("indicator_points", iid, ind.name, o.full, ind.full))
        if (o.method, o.params, o.field) != (ind.method, ind.params, ind.field) or o.rule != ind.rule:
            add(
                Change(
                    "indicator_method",
                    iid,
                    ind.name,
                    {"method": o.method, "field": o.field, "params": o.params, "rule": _rule(old, iid, lang)},
                    {"method": ind.method, "field": ind.field, "params": ind.params, "rule": _rule(new, iid, lang)},
                )
            )
        if (o.parent, old.module_of.get(iid)) != (ind.parent, new.module_of.get(iid)):
            add(Change("indicator_moved", iid, ind.name, o.parent or old.module_of.get(iid), ind.parent or new.module_of.get(iid)))
        if old.applies.get(iid) != new.applies.get(iid) or o.applies_to != ind.applies_to:
            add(Change("indicator_applies", iid, ind.name, o.applies_to, ind.applies_to))
        rest = [
            k
            for k in ("lead", "responsible", "split", "split_among", "missing", "max_deduction", "bonus", "owner", "evidence")
            if getattr(o, k) != getattr(ind, k)
        ]
        for k in rest:
            ov, nv = getattr(o, k), getattr(ind, k)
            add(
                Change(
                    "indicator_other", iid, ind.name, {k: _dump(ov) if hasattr(ov, "model_dump") else ov}, {k: _dump(nv) if hasattr(nv, "model_dump") else nv}
                )
            )
    for iid, ind in ia.items():
        if iid not in ib:
            add(Change("indicator_removed", iid, ind.name, {"full": ind.full, "module": _module_name(old, iid)}, None))

    sa, sb = shares(old), shares(new)
    for cat in b.categories:
        for ind in b.indicators:
            if ind.id not in ia:
                continue
            so, sn = sa.get((cat, ind.id)), sb.get((cat, ind.id))
            if so is None and sn is None:
                continue
            if so is None or sn is None or abs(round(so, 2) - round(sn, 2)) >= EPS:
                add(Change("share", ind.id, ind.name, None if so is None else round(so, 2), None if sn is None else round(sn, 2), cat))

    for kind, xs, ys, key in (("field", a.fields, b.fields, "name"), ("veto", a.vetoes, b.vetoes, "id"), ("rule", a.decisions.rules, b.decisions.rules, "id")):
        xa, xb = _by_id(xs, key), _by_id(ys, key)
        for k, y in xb.items():
            label = getattr(y, "name", k)
            if k not in xa:
                add(Change(f"{kind}_added", k, label, None, _dump(y)))
            elif xa[k] != y:
                add(Change(f"{kind}_changed", k, label, _dump(xa[k]), _dump(y)))
        for k, x in xa.items():
            if k not in xb:
                add(Change(f"{kind}_removed", k, getattr(x, "name", k), _dump(x), None))
    if a.grades != b.grades:
        add(Change("grades", "grades", "grades", [_dump(g) for g in a.grades], [_dump(g) for g in b.grades]))
    if a.warnings != b.warnings:
        add(Change("warnings", "warnings", "warnings", _dump(a.warnings) if a.warnings else None, _dump(b.warnings) if b.warnings else None))
    return d
