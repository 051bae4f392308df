"""Indicators that apply to named units, and tasks shared by 牵头 and 责任 departments. Pure: no I/O.

``applies_to`` may name units (by id or name) as well as categories; a task may name its
lead and responsible departments with ``split`` shares.  Which units that means is known
only with the unit list, so it is worked out here from the dataset, once per run, as one
boolean column (applies) and one float column (share of the points) per such indicator:
the engine then scores each indicator once per category as always and masks the column.
A unit an indicator does not apply to is left out and its module rescaled, as for an
indicator not applying to its whole category.
"""

from __future__ import annotations


import numpy as np

from ..errors import Problem
from ..i18n import t
from .dataset import Dataset
from .plan import Plan, Scope


def _lookup(ids: list[str], names: list[str]) -> tuple[dict[str, int], dict[str, list[int]]]:
    by_id = {u: i for i, u in enumerate(ids)}
    by_name: dict[str, list[int]] = {}
    for i, n in enumerate(names):
        by_name.setdefault(n, []).append(i)
    return by_id, by_name


def _find(ref: str, by_id, by_name) -> list[int]:
    if ref in by_id:
        return [by_id[ref]]
    return by_name.get(ref, [])


def scope_problems(plan: Plan, ids: list[str], names: list[str]) -> list[Problem]:
    """Every name in applies_to / lead / responsible that is no unit (or several), and units given two roles."""
    out: list[Problem] = []
    by_id, by_name = _lookup(ids, names)
    known = list(plan.criteria.categories) + list(ids) + list(names)
    for iid, sc in plan.scopes.items():
        roles: dict[int, str] = {}
        for part, refs in (("applies_to", sc.units), ("lead", sc.lead), ("responsible", sc.responsible)):
            for ref in refs:
                hits = _find(ref, by_id, by_name)
                if not hits:
                    import difflib  # only when a name is not found: the suggestion

                    close = "、".join(difflib.get_close_matches(ref, known, n=3, cutoff=0.5)) or "—"
                    out.append(Problem("scope.unknown_unit", {"name": ref, "where": f"{iid}.{part}", "close": close}, key=f"{sc.key}.{part}"))
                elif len(hits) > 1:
                    out.append(Problem("scope.ambiguous", {"name": ref, "ids": "、".join(ids[h] for h in hits)}, key=f"{sc.key}.{part}"))
                elif part != "applies_to":
                    h = hits[0]
                    if roles.get(h, part) != part:
                        out.append(Problem("scope.both_roles", {"unit": ids[h], "uname": names[h], "id": iid}, key=f"{sc.key}.{part}"))
                    roles[h] = part
    return out


def unit_scopes(plan: Plan, data: Dataset) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """(indicator → applies per unit, indicator → share of its points per unit) over the whole dataset.

    Only indicators with a scope, or under one, are in the maps.  Names that match no unit
    are ignored here: :func:`scope_problems` reports them before anything is scored.
    """
    if not plan.scopes:
        return {}, {}
    n = len(data)
    by_id, by_name = _lookup(data.ids, data.names)
    cats = plan.criteria.categories
    codes = data.category_codes(cats)

    def units_of(refs) -> np.ndarray:
        m = np.zeros(n, bool)
        for ref in refs:
            hits = _find(ref, by_id, by_name)
            if len(hits) == 1:
                m[hits[0]] = True
        return m

    masks: dict[str, np.ndarray] = {}
    shares: dict[str, np.ndarray] = {}
    for ind in reversed(plan.order):  # parents first: a child applies only where its parent does
        sc: Scope | None = plan.scopes.get(ind.id)
        mask = share = None
        if sc is not None:
            if sc.task:
                lead, resp = units_of(sc.lead), units_of(sc.responsible)
                mask = lead | resp
                nl, nr = max(int(lead.sum()), 1), max(int(resp.sum()), 1)
                share = np.where(lead, sc.lead_share / (nl if sc.divided else 1), np.where(resp, sc.responsible_share / (nr if sc.divided else 1), np.nan))
            else:
                mask = np.isin(codes, [k for k, cat in enumerate(cats) if cat in sc.categories]) | units_of(sc.units)
        parent = ind.parent
        if parent in masks:
            mask = masks[parent] if mask is None else mask & masks[parent]
        if parent in shares:
            share = shares[parent] if share is None else share * shares[parent]
        if mask is not None:
            masks[ind.id] = mask
        if share is not None:
            shares[ind.id] = share
    return masks, shares


def who(plan: Plan, iid: str, lang: str) -> str:
    """Whom an indicator applies to, as a unit's own sheet may say it: the categories it names
    and how many units it names (a unit's sheet never names another unit)."""
    sc = plan.scopes.get(iid)
    if sc is None:
        return ""
    cats = t("sep.enum", lang).join(c for c in plan.criteria.categories if c in sc.categories)
    n = len(sc.units) + len(sc.lead) + len(sc.responsible)
    named = t("scope.named_units", lang, n=n) if n else ""
    return t("scope.who_both", lang, cats=cats, named=named) if cats and named else (cats or named)
