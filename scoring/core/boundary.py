"""The boundary between the engine and a scoring method (built-in or from a plugin).

A method is code the office did not write.  What it hands back is checked before a
single number reaches a sheet, and a fault is reported as the fault of that plugin,
method and indicator, never as bad data or as a defect of the engine:

* an exception raised by the method (scoring, its rule text or a lost-points reason);
* points of the wrong shape, infinite points;
* NaN for a unit whose inputs are all present (a method may declare ``leaves_out``
  when NaN means "this rule cannot score this unit", e.g. no valid votes);
* points above the indicator's full points or below 0 (not for 附加项, whose range is
  the module's bonus range): refused, never clipped silently.  For a method whose points
  are the submitted value itself (``passes_through``, e.g. ``supplied``) the message says
  the value is out of range and how to declare its scale.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ..errors import PluginError, Problem
from ..i18n import has, t

SHOWN = 3  # units named per refused indicator (the count says how many in all)


def plugin_of(method) -> str:
    """The plugin a method was taken from (set by the registry), else the method's own name."""
    return getattr(method, "plugin", "") or getattr(method, "name", "") or type(method).__name__


def _args(leaf, **more) -> dict[str, Any]:
    ind = leaf.indicator
    return {"plugin": plugin_of(leaf.method), "method": leaf.method.name, "indicator": f"{ind.id} {ind.name}", **more}


def call(leaf, what: str, fn: Callable, *args, passes: tuple[type[BaseException], ...] = ()):
    """Call a method's ``fn``; any exception (but ``passes``) becomes that plugin's fault
    (``what``: score / rule / reason / params)."""
    ind = leaf.indicator
    return call_method(leaf.method, f"{ind.id} {ind.name}", what, fn, *args, passes=passes)


def call_method(method, indicator: str, what: str, fn: Callable, *args, passes: tuple[type[BaseException], ...] = ()):
    """:func:`call` where there is no plan's leaf (a method's documented example): ``indicator`` names
    what it was asked about."""
    try:
        return fn(*args)
    except PluginError:
        raise
    except passes:
        raise
    except Exception as exc:  # noqa: BLE001 - whatever a plugin raises is the plugin's fault
        detail = f"{type(exc).__name__}: {exc}"[:300]
        code = f"plugin.doing.{what}"  # what the method was asked to do, in both languages
        zh, en = (t(code, "zh"), t(code, "en")) if has(code) else (what, what)
        raise PluginError(
            Problem(
                "plugin.method_failed",
                {"plugin": plugin_of(method), "method": method.name, "indicator": indicator, "what": zh, "what_en": en, "detail": detail},
            )
        ) from None


def checked_points(leaf, result, n: int, absent: np.ndarray | None, unit_name: Callable[[int], str]) -> tuple[np.ndarray, np.ndarray | None, bool]:
    """The points a method returned, as floats, after the boundary checks (see the module doc),
    where they are NaN (None: nowhere), and whether every number is within [0, full points]
    (clipping them to it would change nothing). ``absent``: the units with an input NaN, whose
    points may be NaN (None: no such unit)."""
    try:
        raw = np.asarray(result.points, dtype=float)
    except Exception as exc:  # noqa: BLE001 - not numbers at all
        raise PluginError(Problem("plugin.points_shape", _args(leaf, found=type(exc).__name__, units=n))) from None
    if raw.shape != (n,):
        raise PluginError(Problem("plugin.points_shape", _args(leaf, found=str(raw.shape), units=n)))
    ind = leaf.indicator
    tol = 1e-9 * max(1.0, abs(ind.full))
    if n == 0:
        return raw, None, True
    # the usual case, decided by the least and the greatest number and, only where there is a NaN
    # (the least is NaN: it propagates), the NaN column
    lo, nan = raw.min(), None
    if np.isnan(lo):
        nan = np.isnan(raw)
        lo = np.fmin.reduce(raw)  # NaN passed over; NaN when every value is NaN
    hi = np.fmax.reduce(raw)
    bounded = (-np.inf < lo and hi < np.inf) if ind.bonus else (lo >= -tol and hi <= ind.full + tol)
    inside = bool(lo >= 0 and hi <= ind.full) or bool(np.isnan(lo))  # NaN: no number at all
    if bounded and (nan is None or getattr(leaf.method, "leaves_out", False) or not (nan if absent is None else nan & ~absent).any()):
        return raw, nan, inside
    given = np.ones(n, bool) if absent is None else ~absent
    bad = [("plugin.points_infinite", np.isinf(raw))]
    if not getattr(leaf.method, "leaves_out", False):
        bad.append(("plugin.points_nan", np.isnan(raw) & given))
    if not ind.bonus:
        with np.errstate(invalid="ignore"):
            bad.append(("plugin.points_above", raw > ind.full + tol))
            bad.append(("plugin.points_below", raw < -tol))
    if getattr(leaf.method, "passes_through", False):  # the points are the data as supplied: say so
        bad = [(c.replace("plugin.points_", "plugin.supplied_") if c in ("plugin.points_above", "plugin.points_below") else c, m) for c, m in bad]
    problems = []
    for code, mask in bad:
        where = np.nonzero(mask)[0]
        if len(where):
            units = "、".join(unit_name(int(i)) for i in where[:SHOWN])
            problems.append(Problem(code, _args(leaf, units=units, n=len(where), value=float(raw[where[0]]), full=ind.full)))
    if problems:
        raise PluginError(problems)
    return raw, nan, inside
