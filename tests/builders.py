"""Small builders shared by the tests: method calls on columns, criteria and data in memory."""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from scoring.core.methods import Column
from scoring.registry import load_registry

NaN = float("nan")


def examples(n: int) -> int:
    """A test's example count under the loaded hypothesis profile: as written for "ci"
    (max_examples 100), scaled up for the broader "dev" profile."""
    from hypothesis import settings

    return max(1, round(n * settings.default.max_examples / 100))


@lru_cache(maxsize=1)
def registry():
    return load_registry()


def method(name: str):
    m = registry().methods.get(name)
    assert m is not None, f"method {name!r} is not registered"
    return m


def params(name: str, **p):
    return method(name).Params.model_validate(p)


def column(full: float, bonus: bool = False, category: str = "政府部门", **fields) -> Column:
    return Column({f: np.asarray(v, dtype=float) for f, v in fields.items()}, full, bonus, category)


def score(name: str, p: dict, full: float, bonus: bool = False, **fields):
    """Points of a registered method over one column (and the column-wide context)."""
    m = method(name)
    result = m.score(column(full, bonus, **fields), m.Params.model_validate(p))
    return np.asarray(result.points, dtype=float), result.context


def points(name: str, p: dict, full: float, bonus: bool = False, **fields) -> list:
    """Points as a plain list with None for missing, rounded to kill float noise (for ==)."""
    pts, _ = score(name, p, full, bonus, **fields)
    return [None if np.isnan(x) else round(float(x), 9) for x in pts]
