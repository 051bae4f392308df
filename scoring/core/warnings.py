"""阶段性预警: green / yellow / red during the year, on data still coming in. Pure: no I/O.

An interim run scores the same criteria with every missing value "not yet submitted":
the item is left out and its module rescaled, whatever the indicator's ``missing`` says
(never 0, never an error), and the item is listed.  A module with nothing submitted yet
has no colour.  The overall rate counts only the modules that could be scored:

    rate(unit)   = Σ contribution of scored modules ÷ Σ their weights × 100
    rate(module) = module score ÷ module full × 100
    rate(item)   = points ÷ applicable full × 100

Colours come from ``[warnings]`` thresholds on these rates where declared, otherwise from
the unit's position among the units of its category with a value (below the first
quartile red, below the median yellow, else green); a category with fewer than
``min_units`` such units gets no position colour.  None of this is a result.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .criteria import Criteria, Thresholds, Warnings
from .engine import Results
from .plan import Plan, build_plan

GREEN, YELLOW, RED, NONE = "green", "yellow", "red", "none"


def interim_plan(plan: Plan, methods) -> Plan:
    """The same criteria with every missing value treated as not yet submitted (left out)."""
    c = plan.criteria
    inds = [i.model_copy(update={"missing": "exclude"}) for i in c.indicators]
    vetoes = [v.model_copy(update={"missing": "exclude"}) for v in c.vetoes]
    interim = build_plan(c.model_copy(update={"indicators": inds, "vetoes": vetoes}), methods)
    interim.located = plan.located  # the same file: problems found later point into it
    return interim


@dataclass
class Mark:
    level: str  # "total" | "module" | "indicator"
    id: str
    name: str
    rate: float | None  # percent; None: nothing scored yet
    color: str  # green | yellow | red | none
    basis: str  # "threshold" | "quartile" | "few" (too few units for positions) | "missing"
    green: float | None = None  # the thresholds used, when declared
    yellow: float | None = None
    parent: str | None = None


@dataclass
class UnitWarning:
    id: str
    name: str
    category: str
    total: Mark
    modules: list[Mark]
    indicators: list[Mark]
    missing: list[tuple[str, str]] = field(default_factory=list)  # (field, indicator/veto label) not yet submitted
    uncomputable: list[tuple[str, str]] = field(default_factory=list)  # derived values with no value (e.g. ÷ 0), inputs given
    vetoes: list[str] = field(default_factory=list)  # vetoes already triggered by what is in


def colour_rates(values: np.ndarray, th: Thresholds | None, min_units: int) -> tuple[list[str], str]:
    """Colours for one column of rates (NaN: none), and the basis used."""
    has = ~np.isnan(values)
    v = np.round(values, 6)

    def coloured(first: np.ndarray, second: np.ndarray, colours: tuple[str, str, str]) -> list[str]:
        # a column at a time: the first condition that holds gives the colour; NaN gets none
        return np.select([~has, first, second], [NONE, colours[0], colours[1]], colours[2]).tolist()

    with np.errstate(invalid="ignore"):
        if th is not None:
            return coloured(v >= th.green, v >= th.yellow, (GREEN, YELLOW, RED)), "threshold"
        if has.sum() < min_units:
            return [NONE] * len(values), "few"
        q1, med = np.round(np.percentile(v[has], [25, 50]), 6)
        return coloured(v < q1, v < med, (RED, YELLOW, GREEN)), "quartile"


def warnings_for(results: Results, gaps, with_indicators: bool = False) -> list[UnitWarning]:
    """One warning sheet per unit, in the categories' order and the unit list's order within each.

    ``gaps`` are the missing values found by the validation (:class:`scoring.core.usage.Gap`).
    """
    c: Criteria = results.criteria
    w: Warnings = c.warnings or Warnings()
    data = results.data
    missing: dict[int, list[tuple[str, str]]] = {}
    uncomputable: dict[int, list[tuple[str, str]]] = {}
    for g in gaps:
        item = (g.field, f"{g.id} {g.name}")
        lst = (missing if g.reason == "blank" else uncomputable).setdefault(g.unit, [])
        if item not in lst:
            lst.append(item)
    out: list[UnitWarning] = []
    for cat, cs in results.categories.items():
        n = len(cs.index)
        if n == 0:
            continue
        mods = list(cs.modules.values())
        contrib = np.zeros(n)
        weight = np.zeros(n)
        for ms in mods:
            ok = ~np.isnan(ms.contribution)
            contrib += np.where(ok, ms.contribution, 0.0)
            weight += np.where(ok, ms.weight, 0.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            total_rate = np.where(weight > 0, contrib / weight * 100, np.nan)
        cols: list[tuple[str, str, str, str | None, np.ndarray, Thresholds | None]] = [("total", "", c.assessment.name, None, total_rate, w.for_total())]
        for ms in mods:
            cols.append(("module", ms.module.id, ms.module.name, None, ms.score / ms.module.full * 100, w.for_module(ms.module.id)))
        if with_indicators:
            for ind in c.indicators:
                s = cs.indicators.get(ind.id)
                if s is None or ind.bonus:
                    continue
                with np.errstate(divide="ignore", invalid="ignore"):
                    r = np.where(s.applicable_full > 0, s.points / s.applicable_full * 100, np.nan)
                cols.append(("indicator", ind.id, ind.name, ind.parent or results.plan.module_of[ind.id], r, w.for_indicator(ind.id)))
        marks: list[list[Mark]] = [[] for _ in range(n)]
        for level, id_, name, parent, rates, th in cols:
            rates = np.asarray(rates, dtype=float)
            colours, basis = colour_rates(rates, th, w.min_units)
            for k in range(n):
                rate = float(rates[k])
                b = "missing" if np.isnan(rate) else basis
                marks[k].append(
                    Mark(
                        level, id_, name, None if np.isnan(rate) else round(rate, 2), colours[k], b, th.green if th else None, th.yellow if th else None, parent
                    )
                )
        for k in range(n):
            pos = int(cs.index[k])
            unit_marks = marks[k]
            hits = [vh.veto.name for vh in cs.vetoes if vh.hit[k]]
            out.append(
                UnitWarning(
                    data.ids[pos],
                    data.names[pos],
                    cat,
                    unit_marks[0],
                    [m for m in unit_marks if m.level == "module"],
                    [m for m in unit_marks if m.level == "indicator"],
                    missing.get(pos, []),
                    uncomputable.get(pos, []),
                    hits,
                )
            )
    return out
