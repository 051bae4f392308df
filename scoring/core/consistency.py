"""Values the data cannot hold even when every cell is well formed. Pure: no I/O.

- A derived value outside its field's range: a 备案率 of 150 % computed from 已备案 3 and
  应备案 2 would otherwise earn full marks.  ``max`` on a formula field, and the 0–100 of a
  rate, hold for computed values as for submitted ones; a value beyond any float (a tiny
  divisor) is refused whatever the range.
- A declared cross-field check (``[[checks]]``) that a unit's data fails: 已备案件数 ≤
  应备案件数, parts adding up to a total.

Each problem names the unit, the value, and every input cell that produced it; it is
located at the first of those cells.  Both checks work a whole column at a time: only the
units that fail are looked at one by one.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import Problem
from . import expr
from .dataset import Dataset
from .plan import Plan
from .rounding import trimmed

_TOL = 1e-9  # relative: floating noise of a formula, not a mistake


def problems(plan: Plan, data: Dataset, cols: dict[str, np.ndarray]) -> list[Problem]:
    """Derived values out of range, then failed cross-field checks, unit by unit in data order."""
    return range_problems(plan, data, cols) + check_problems(plan, data, cols)


def _inputs(data: Dataset, pos: int, names: list[str], cols: dict[str, np.ndarray]) -> tuple[dict, dict]:
    """The inputs as message arguments, "已备案件数 = 3（县司法局.csv F15）、…" (and in English), and where
    the first located cell is."""
    zh: list[str] = []
    en: list[str] = []
    where: dict[str, Any] = {}
    for n in names:
        col = cols.get(n)
        v = col[pos] if col is not None else np.nan
        value = "—" if np.isnan(v) else trimmed(v, 4)
        cell = data.cell_of(pos, n)
        zh.append(f"{n} = {value}" + (f"（{cell}）" if cell else ""))
        en.append(f"{n} = {value}" + (f" ({cell})" if cell else ""))
        place = data.cell_parts(pos, n)
        if place is not None and not where:
            file, sheet, row, letter = place
            where = {"file": file, "sheet": sheet, "row": row, "column": f"{letter}（{n}）", "cell": f"{letter}{row}"}
    return {"inputs": "、".join(zh), "inputs_en": ", ".join(en)}, where


def _submitted(plan: Plan, node: expr.Node) -> list[str]:
    """The submitted fields behind a formula, in the order written (derived ones followed back)."""
    formulas = dict(plan.formulas)
    out: list[str] = []

    def walk(n: expr.Node) -> None:
        for name in expr.ordered_names(n):
            if name in formulas:
                walk(formulas[name])
            elif name not in out:
                out.append(name)

    walk(node)
    return out


def _outside(v: np.ndarray, lo: float | None, hi: float | None) -> np.ndarray:
    bad = np.zeros(v.shape, bool)
    with np.errstate(invalid="ignore"):
        if lo is not None:
            bad |= v < lo - _TOL * max(1.0, abs(lo))
        if hi is not None:
            bad |= v > hi + _TOL * max(1.0, abs(hi))
    return bad  # NaN compares False: a missing value is a gap, reported elsewhere


def range_problems(plan: Plan, data: Dataset, cols: dict[str, np.ndarray]) -> list[Problem]:
    specs = plan.criteria.field_map()
    out: list[Problem] = []
    for name, node in plan.formulas:
        lo, hi = specs[name].bounds()
        v = np.asarray(cols[name], dtype=float)
        # a step beyond any float (1e10 ÷ 1e-300) gives no number to score, bounds or not, even
        # where a later step hides it (min(…, 100) gives 100)
        endless = np.broadcast_to(expr.overflowed(node, cols), v.shape)  # the result is a step too
        bad = endless if lo is None and hi is None else _outside(v, lo, hi) | endless
        if not bad.any():
            continue
        reads = _submitted(plan, node)
        for pos in np.nonzero(bad)[0].tolist():
            inputs, where = _inputs(data, pos, reads, cols)
            out.append(
                Problem(
                    "data.derived_not_finite" if endless[pos] else "data.derived_out_of_range",
                    {
                        "unit": data.ids[pos],
                        "name": data.names[pos],
                        "field": name,
                        "value": "∞" if endless[pos] else trimmed(cols[name][pos], 4),
                        "lo": "-∞" if lo is None else f"{lo:g}",
                        "hi": "∞" if hi is None else f"{hi:g}",
                        "formula": specs[name].formula,
                        **inputs,
                    },
                    **where,
                )
            )
    return out


_OPS = {
    "<=": lambda l, r, tol: l <= r + tol,
    ">=": lambda l, r, tol: l >= r - tol,
    "<": lambda l, r, tol: l < r,
    ">": lambda l, r, tol: l > r,
    "=": lambda l, r, tol: np.abs(l - r) <= tol,
}


def check_problems(plan: Plan, data: Dataset, cols: dict[str, np.ndarray]) -> list[Problem]:
    if not plan.checks:
        return []
    n = len(data)
    cats = plan.criteria.categories
    codes: np.ndarray | None = None  # each unit's category, found when a check names categories
    out: list[Problem] = []
    for ch, left, op, right in plan.checks:
        with np.errstate(all="ignore"):
            lv = np.broadcast_to(np.asarray(expr.evaluate(left, cols), dtype=float), (n,))
            rv = np.broadcast_to(np.asarray(expr.evaluate(right, cols), dtype=float), (n,))
            tol = _TOL * np.maximum(1.0, np.maximum(np.abs(lv), np.abs(rv)))
            known = ~np.isnan(lv) & ~np.isnan(rv)
            fails = known & ~_OPS[op](lv, rv, tol)
        if ch.applies_to is not None:
            if codes is None:
                codes = data.category_codes(cats)
            fails &= np.isin(codes, [k for k, cat in enumerate(cats) if cat in ch.applies_to])
        if not fails.any():
            continue
        reads = expr.ordered_names(left) + [x for x in expr.ordered_names(right) if x not in expr.ordered_names(left)]
        for pos in np.nonzero(fails)[0].tolist():
            inputs, where = _inputs(data, pos, reads, cols)
            out.append(
                Problem(
                    "data.check_failed",
                    {
                        "unit": data.ids[pos],
                        "name": data.names[pos],
                        "check": ch.name,
                        "rule": ch.rule,
                        "left": trimmed(lv[pos], 4),
                        "right": trimmed(rv[pos], 4),
                        **inputs,
                    },
                    **where,
                )
            )
    return out
