"""What differs between two sets of results, or two sets of inputs (verify, rescore)."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any, cast

import numpy as np

from ..core.dataset import Dataset
from .store import ModuleRow, UnitRow


@dataclass(frozen=True)
class Change:
    """One thing that moved for one unit.

    ``what``: added / removed (the unit), total, rank, grade, failed, no_excellent,
    module (``item`` = module name), indicator (``item`` = "id name"), text (the score
    sheet's wording only: reasons, rules).
    """

    unit_id: str
    name: str
    category: str
    what: str
    old: Any = None
    new: Any = None
    item: str = ""


@dataclass(frozen=True)
class InputChange:
    unit_id: str
    name: str
    field: str
    old: float | None
    new: float | None


def _eq(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return a == b


def result_changes(old_units: list[UnitRow], old_modules: list[ModuleRow], new_units: list[UnitRow], new_modules: list[ModuleRow]) -> list[Change]:
    old = {u.unit_id: u for u in old_units}
    new = {u.unit_id: u for u in new_units}
    om = _by_unit(old_modules)
    nm = _by_unit(new_modules)
    out: list[Change] = []
    for uid, n in new.items():
        o = old.get(uid)
        if o is None:
            out.append(Change(uid, n.name, n.category, "added", None, n.total))
            continue
        cat = n.category
        for what in ("total", "rank", "grade", "failed", "no_excellent", "category", "of"):
            a, b = getattr(o, what), getattr(n, what)
            if not _eq(a, b):
                out.append(Change(uid, n.name, cat, what, a, b))
        for mid in sorted(set(om.get(uid, {})) | set(nm.get(uid, {}))):
            a, b = om.get(uid, {}).get(mid), nm.get(uid, {}).get(mid)
            if a is None or b is None or not _eq(a.score, b.score) or not _eq(a.contribution, b.contribution):
                label = cast(ModuleRow, b or a).name  # one of the two: mid comes from their keys
                out.append(Change(uid, n.name, cat, "module", a.score if a else None, b.score if b else None, label))
        if o.sheet != n.sheet:
            out.extend(_sheet_changes(uid, n.name, cat, o.sheet_dict(), n.sheet_dict()))
    for uid, o in old.items():
        if uid not in new:
            out.append(Change(uid, o.name, o.category, "removed", o.total, None))
    return out


def _by_unit(rows: list[ModuleRow]) -> dict[str, dict[str, ModuleRow]]:
    out: dict[str, dict[str, ModuleRow]] = {}
    for m in rows:
        out.setdefault(m.unit_id, {})[m.module_id] = m
    return out


def _sheet_changes(uid: str, name: str, cat: str, a: dict, b: dict) -> list[Change]:
    out = []
    ai = {x["id"]: x for x in a.get("indicators", [])}
    bi = {x["id"]: x for x in b.get("indicators", [])}
    wording = False
    for iid in list(bi) + [i for i in ai if i not in bi]:
        x, y = ai.get(iid), bi.get(iid)
        label = f"{iid} {cast(dict, y or x)['name']}"  # one of the two: iid comes from their keys
        if x is None or y is None or not _eq(x.get("points"), y.get("points")) or x.get("status") != y.get("status"):
            out.append(Change(uid, name, cat, "indicator", x.get("points") if x else None, y.get("points") if y else None, label))
        elif json.dumps(x, sort_keys=True, ensure_ascii=False) != json.dumps(y, sort_keys=True, ensure_ascii=False):
            wording = True
    compared = {"indicators", "total", "rank", "of", "grade", "category", "modules", "vetoes"}  # reported on their own
    rest = lambda d: {k: v for k, v in d.items() if k not in compared}  # noqa: E731
    if not out and (wording or rest(a) != rest(b)):
        out.append(Change(uid, name, cat, "text"))
    return out


def input_changes(old: Dataset, new: Dataset) -> list[InputChange]:
    """Cells that differ between two datasets (units matched by id, fields by name)."""
    pos_old = {u: i for i, u in enumerate(old.ids)}
    names = {u: n for u, n in zip(old.ids, old.names)}
    names.update({u: n for u, n in zip(new.ids, new.names)})
    fields = sorted(set(old.values) | set(new.values))
    out: list[InputChange] = []
    for j, uid in enumerate(new.ids):
        i = pos_old.get(uid)
        if i is None:
            continue
        for f in fields:
            a = float(old.values[f][i]) if f in old.values else float("nan")
            b = float(new.values[f][j]) if f in new.values else float("nan")
            if not _eq(a, b):
                out.append(InputChange(uid, names[uid], f, None if np.isnan(a) else a, None if np.isnan(b) else b))
    return out


def unit_changes(old: Dataset, new: Dataset) -> tuple[list[str], list[str]]:
    """Units only in ``new`` (added) and only in ``old`` (removed)."""
    a, b = set(old.ids), set(new.ids)
    return [u for u in new.ids if u not in a], [u for u in old.ids if u not in b]
