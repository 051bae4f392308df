"""Last year's values, for rules that compare with last year (change_vs_last_year).

Design.  The command line loads last year's values from the store into the Dataset
as extra columns named ``<field>@上年`` before scoring; methods are not handed a
context object or a store.  Why this way:

* the Method API stays as it is (column-based): last year's value is one more input
  column, declared by the method (``previous_year = True``) or named in a formula
  (``[在编人数@上年]``), and checked by the plan like any field reference;
* the engine core stays free of I/O: it neither knows nor cares where the column came
  from, and a missing previous value goes through the indicator's ``missing`` rule
  (error / exclude / zero) exactly like any other missing input — never a silent 0;
* runs stay reproducible: the columns are part of the data a run stores and hashes,
  so ``verify`` and ``rescore`` re-score from the stored inputs alone, even if last
  year's result is corrected afterwards;
* score sheets show last year's value beside this year's, with its source
  (the run it was taken from).

Which values: those of last year's published result — the final run of year − 1 in
the same series, or the latest final correction of it (:meth:`Store.official`).
Derived fields are recomputed by last year's own formulas.  Unit ids are followed
through aliases (机构改革); for a merger, counts (``kind = "count"``) of the merged
units are added up, and any other kind of value is left missing (it cannot be
combined without a rule).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import cast

import numpy as np

from ..core import expr
from ..core.criteria import Criteria
from ..core.dataset import Dataset, previous_of
from ..core.plan import Plan
from .lineage import ids_in_year, merge_aliases
from .store import RunInfo, Store


@dataclass(frozen=True)
class Note:
    code: str  # i18n code, shown as a warning
    args: dict


def field_columns(criteria: Criteria, data: Dataset) -> dict[str, np.ndarray]:
    """All fields of a stored run, derived ones computed by that run's formulas."""
    cols = {f.name: data.column(f.name) for f in criteria.fields}
    pending: dict[str, expr.Node] = {}
    for f in criteria.fields:
        if f.formula:
            try:
                pending[f.name] = expr.parse(f.formula)
            except expr.ExprError:
                continue
    for node in pending.values():
        for n in expr.names(node):
            if n not in cols:
                cols[n] = data.column(n)
    while pending:
        ready = [n for n, node in pending.items() if not (expr.names(node) & pending.keys())]
        if not ready:
            break
        for n in ready:
            computed = np.broadcast_to(expr.evaluate(pending.pop(n), cols), (len(data),)).astype(float)
            given = data.values.get(n)
            cols[n] = computed if given is None else np.where(np.isnan(computed), given, computed)
    return cols


def attach_previous(data: Dataset, plan: Plan, store: Store | None) -> tuple[Dataset, list[Note]]:
    """``data`` with the ``<field>@上年`` columns the plan reads, filled from the store."""
    if not plan.previous:
        return data, []
    c = plan.criteria
    year = c.assessment.year - 1
    run = store.official(c.series, year) if store is not None else None
    if run is None or store is None:
        drafts = store.runs(c.series, year) if store is not None else []
        code = "hist.prev_drafts" if drafts else "hist.prev_none"
        return data, [Note(code, {"series": c.series, "year": year, "fields": "、".join(plan.previous)})]
    return fill_previous(data, plan, store, run)


def fill_previous(data: Dataset, plan: Plan, store: Store, run: RunInfo) -> tuple[Dataset, list[Note]]:
    from ..load.criteria_file import parse_criteria

    c = plan.criteria
    inputs = store.inputs(run)
    prev_criteria, _, _ = parse_criteria(inputs.criteria_raw, f"run {run.id}")
    prev_cols = field_columns(prev_criteria, inputs.data)
    where = {u: i for i, u in enumerate(inputs.data.ids)}
    aliases = merge_aliases(c.history.aliases, store.aliases(c.series))
    kinds = {f.name: f.kind for f in c.fields}
    notes = [Note("hist.prev_from", {"run": run.id, "year": run.year, "status": run.status})]
    values = dict(data.values)
    sources = dict(data.sources)
    merged: set[str] = set()
    for name in plan.previous:
        base = cast(str, previous_of(name))  # plan.previous holds "<field>@上年" names only
        col = prev_cols.get(base)
        if col is None:
            notes.append(Note("hist.prev_no_field", {"field": base, "year": run.year, "run": run.id}))
            col = np.full(len(inputs.data), np.nan)
        out = np.full(len(data), np.nan)
        for i, unit in enumerate(data.ids):
            found = [where[u] for u in ids_in_year(unit, run.year, aliases) if u in where]
            if len(found) == 1:
                out[i] = col[found[0]]
            elif len(found) > 1:
                if kinds.get(base) == "count":
                    out[i] = float(np.sum(col[found]))  # NaN if any part is missing
                else:
                    merged.add(unit)
        given = data.values.get(name)
        values[name] = out if given is None else np.where(np.isnan(given), out, given)
        sources[name] = f"第{run.id}号运行（{run.year}年）"
    if merged:
        notes.append(Note("hist.prev_merged", {"units": "、".join(sorted(merged))}))
    return replace(data, values=values, sources=sources), notes
