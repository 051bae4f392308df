"""Which submitted fields each unit owes, and which of them are missing. Pure: no I/O.

``field_usage`` tells, for every field, the categories whose units need it and what it
feeds (indicators, vetoes, tie-breaks), following formulas back to the submitted fields
they are computed from.  Templates are built from it.

``find_gaps`` lists every missing value an indicator or veto would meet, with what the
criteria say happens then (``missing = "error" | "exclude" | "zero"``), named by the
*submitted* field that is blank, so an office knows what to chase and from whom.
Last year's values (``<field>@上年``) are not submissions: the engine checks those.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from itertools import repeat
from typing import NamedTuple

import numpy as np

from . import expr
from .dataset import Dataset, previous_of
from .plan import Plan


@dataclass(frozen=True)
class Use:
    """One place the criteria read a field: an indicator, a veto, a tie-break or a check."""

    kind: str  # "indicator" | "veto" | "tie_break" | "check"
    id: str
    name: str
    categories: frozenset[str]
    via: str | None = None  # the derived field in between, if any
    missing: str = "error"  # the indicator's or veto's policy


@dataclass
class Usage:
    """A field and every place the criteria read it."""

    name: str
    categories: set[str] = field(default_factory=set)
    uses: list[Use] = field(default_factory=list)


def bases(plan: Plan) -> dict[str, list[str]]:
    """Derived field -> the submitted fields its formula reads (through other formulas)."""
    out: dict[str, list[str]] = {}
    for name, node in plan.formulas:  # dependency order: inputs first
        seen: list[str] = []
        for dep in sorted(expr.names(node)):
            for b in out.get(dep, [dep]):
                if b not in seen:
                    seen.append(b)
        out[name] = seen
    return out


def field_usage(plan: Plan) -> dict[str, Usage]:
    """Every declared field with the categories that need it and what it feeds."""
    c = plan.criteria
    allcats = frozenset(c.categories)
    base_of = bases(plan)
    usage = {f.name: Usage(f.name) for f in c.fields}

    def add(target: str, use: Use) -> None:
        for b in base_of.get(target, [target]):
            u = usage.setdefault(b, Usage(b))
            u.categories |= use.categories
            u.uses.append(use if b == target else Use(use.kind, use.id, use.name, use.categories, target, use.missing))
        if target in base_of:  # the derived field itself, for completeness
            u = usage.setdefault(target, Usage(target))
            u.categories |= use.categories
            u.uses.append(use)

    for ind in plan.order:
        leaf = plan.leaves.get(ind.id)
        if leaf is None:
            continue
        cats = frozenset(plan.applies[ind.id])
        for f in leaf.reads:
            add(f, Use("indicator", ind.id, ind.name, cats, None, ind.missing))
    for v in c.vetoes:
        cats = frozenset(v.applies_to) if v.applies_to is not None else allcats
        add(v.field, Use("veto", v.id, v.name, cats, None, v.missing))
    for f in c.ranking.tie_break:
        add(f, Use("tie_break", f, f, allcats, None, "exclude"))
    for ch, left, _, right in plan.checks:  # a field read only by a cross-field check is still collected
        cats = frozenset(ch.applies_to) if ch.applies_to is not None else allcats
        for f in dict.fromkeys(expr.ordered_names(left) + expr.ordered_names(right)):
            add(f, Use("check", ch.name, ch.name, cats, None, "exclude"))
    return usage


class Gap(NamedTuple):  # a NamedTuple: made tens of thousands of times at nation size, three times faster than a frozen dataclass
    unit: int  # position in the dataset
    field: str  # the submitted field that is blank (or the derived one, when reason == "formula")
    reads: str  # the field the indicator or veto reads
    kind: str  # "indicator" | "veto"
    id: str
    name: str
    policy: str  # "error" | "exclude" | "zero" (| "full" for reason "zero")
    reason: str  # "blank": not submitted; "formula": inputs given but the formula has no value;
    #              "zero_denominator": a denominator was 0 (policy: the indicator's zero_denominator, not its missing)


_new_gap = partial(tuple.__new__, Gap)


def _gaps(units: np.ndarray, *same: str):
    """A Gap for each unit, the other fields the same for all: made by map and zip (half the time
    of calling Gap for each; a nation's data has about 90 000), each by ``tuple.__new__`` as
    ``Gap._make`` makes it, without a Python call per gap (two thirds of ``_make``'s time)."""
    return map(_new_gap, zip(units.tolist(), *map(repeat, same)))


def find_gaps(plan: Plan, data: Dataset, cols: dict[str, np.ndarray] | None = None) -> list[Gap]:
    """Every (unit, field, indicator/veto) where a needed value is missing, in criteria order."""
    from .engine import derive_with_zero
    from .scope import unit_scopes

    fresh, zero = derive_with_zero(plan, data)
    if cols is None:
        cols = fresh
    c = plan.criteria
    base_of = bases(plan)
    codes = data.category_codes(c.categories)
    in_cat = {cat: codes == k for k, cat in enumerate(c.categories)}
    units_of: dict[tuple[str, ...], np.ndarray] = {}

    def units_in(applies) -> np.ndarray:
        """The positions of the units of these categories, in order (one pass per set of categories)."""
        key = tuple(k for k in c.categories if k in applies)
        got = units_of.get(key)
        if got is None:
            mask = np.zeros(len(codes), bool)
            for k in key:
                mask |= in_cat[k]
            got = units_of[key] = np.nonzero(mask)[0]
        return got

    out: list[Gap] = []

    def scan(idx: np.ndarray, reads: str, kind: str, id_: str, name: str, policy: str, zero_policy: str | None = None) -> None:
        if len(idx) == 0 or previous_of(reads) is not None:
            return
        miss = np.isnan(cols[reads][idx])
        if zero_policy is not None and reads in zero:  # 0 ÷ 0: not missing, the indicator's zero_denominator applies
            by_zero = miss & zero[reads][idx]
            out.extend(_gaps(idx[by_zero], reads, reads, kind, id_, name, zero_policy, "zero_denominator"))
            miss &= ~by_zero
        if not miss.any():
            return
        explained = np.zeros(len(idx), bool)
        for b in base_of.get(reads, [reads]):
            if previous_of(b) is not None:  # last year's value: from the history store, checked by the engine
                explained |= miss & np.isnan(data.column(b)[idx])
                continue
            blank = miss & np.isnan(data.column(b)[idx])
            explained |= blank
            out.extend(_gaps(idx[blank], b, reads, kind, id_, name, policy, "blank"))
        out.extend(_gaps(idx[miss & ~explained], reads, reads, kind, id_, name, policy, "formula"))

    masks = unit_scopes(plan, data)[0]
    for ind in c.indicators:
        leaf = plan.leaves.get(ind.id)
        if leaf is None:
            continue
        idx = units_in(plan.applies[ind.id])
        if ind.id in masks:  # named units only: the others owe nothing for it
            idx = idx[masks[ind.id][idx]]
        for f in leaf.reads:
            scan(idx, f, "indicator", ind.id, ind.name, ind.missing, ind.zero_policy)
    for v in c.vetoes:
        applies = v.applies_to if v.applies_to is not None else c.categories
        idx = units_in(applies)
        scan(idx, v.field, "veto", v.id, v.name, v.missing, "exclude")  # 0 ÷ 0 never triggers a veto
    return out
