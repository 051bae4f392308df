"""Turning what people type into spreadsheets into numbers, or into a located problem.

Shared by every reader (CSV now, XLSX later) so that "95%", "１２", "1,200", "是" mean
the same everywhere.
"""
from __future__ import annotations

import math

import numpy as np

from ..core.criteria import FieldSpec
from ..errors import Problem

_FULLWIDTH = str.maketrans("０１２３４５６７８９．，％－＋", "0123456789.,%-+")
TRUE = {"是", "有", "y", "yes", "true", "1", "√", "✓", "已", "已报送", "按时"}
FALSE = {"否", "无", "n", "no", "false", "0", "×", "✗", "未", "未报送"}


def parse_value(text, spec: FieldSpec) -> tuple[float | None, str | None, dict]:
    """Parse one cell. Returns (value or None when blank, problem code or None, args)."""
    if text is None:
        return None, None, {}
    if isinstance(text, bool):
        return float(text), None, {}
    if isinstance(text, (int, float)):
        value = float(text)
    else:
        s = str(text).strip().translate(_FULLWIDTH).replace("\u3000", "").strip()
        if s == "":
            return None, None, {}
        if spec.kind == "bool":
            low = s.lower()
            if low in TRUE:
                return 1.0, None, {}
            if low in FALSE:
                return 0.0, None, {}
            return None, "data.not_bool", {"value": text, "field": spec.name}
        percent = s.endswith("%")
        s = s.rstrip("%").replace(",", "").strip()
        try:
            value = float(s)
        except ValueError:
            return None, "data.not_number", {"value": text, "field": spec.name}
        if not math.isfinite(value):
            return None, "data.not_number", {"value": text, "field": spec.name}
        if percent and spec.kind != "rate":
            value = value / 100
    if spec.kind == "count" and abs(value - round(value)) > 1e-9:
        return None, "data.not_integer", {"value": text, "field": spec.name}
    if spec.kind == "bool" and value not in (0.0, 1.0):
        return None, "data.not_bool", {"value": text, "field": spec.name}
    lo, hi = spec.bounds()
    if (lo is not None and value < lo - 1e-12) or (hi is not None and value > hi + 1e-12):
        return None, "data.out_of_range", {"value": text, "field": spec.name,
                                           "lo": "-∞" if lo is None else f"{lo:g}", "hi": "∞" if hi is None else f"{hi:g}"}
    return value, None, {}


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA (as Excel names columns)."""
    out = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        out = chr(65 + rem) + out
    return out


def cell(code: str, args: dict, file: str, row: int, col_index: int, header: str) -> Problem:
    return Problem(code, args, file=file, row=row, column=f"{column_letter(col_index)}（{header}）")


# -- whole columns at once ---------------------------------------------------------------
# A reader that has already turned plain numbers into floats (or has a column of text
# cells) checks them here in one go; only the cells that look wrong go through
# parse_value, so every problem is reported with exactly the words parse_value uses.

_BOOL_FAST = {**{k: 1.0 for k in TRUE}, **{k: 0.0 for k in FALSE}, "": math.nan}


def suspect(values: np.ndarray, spec: FieldSpec) -> np.ndarray:
    """Cells (not blank) that parse_value would refuse: not finite, not whole, not 0/1, out of range."""
    v = np.asarray(values, dtype=float)
    present = ~np.isnan(v)
    with np.errstate(invalid="ignore"):
        bad = present & ~np.isfinite(v)
        if spec.kind == "count":
            bad |= present & (np.abs(v - np.round(v)) > 1e-9)
        if spec.kind == "bool":
            bad |= present & (v != 0.0) & (v != 1.0)
        lo, hi = spec.bounds()
        if lo is not None:
            bad |= present & (v < lo - 1e-12)
        if hi is not None:
            bad |= present & (v > hi + 1e-12)
    return bad


def parse_column(cells, spec: FieldSpec) -> tuple[np.ndarray, list[tuple[int, str, dict]]]:
    """Parse a column of cells as parse_value would, cell by cell, but fast for clean columns.

    Returns the values (NaN where blank or refused) and (position, code, args) for each
    refused cell, in order.
    """
    n = len(cells)
    out = np.full(n, np.nan)
    unsure: list[int] = []
    if spec.kind == "bool":
        get = _BOOL_FAST.get
        for i, c in enumerate(cells):
            v = get(c) if type(c) is str else None
            if v is None:
                unsure.append(i)
            else:
                out[i] = v
    else:
        for i, c in enumerate(cells):
            t = type(c)
            if t is str:
                if not c:  # blank
                    continue
                try:
                    # whenever float() takes the raw cell, parse_value arrives at the same number
                    x = float(c)
                except ValueError:
                    x = math.nan
            elif t is float or t is int:
                x = float(c)
            else:
                x = math.nan
            if x - x == 0.0:  # finite
                out[i] = x
            else:
                unsure.append(i)
    bad = np.nonzero(suspect(out, spec))[0]
    if len(bad):
        unsure = sorted(set(unsure).union(bad.tolist()))
    problems: list[tuple[int, str, dict]] = []
    for i in unsure:
        v, code, args = parse_value(cells[i], spec)
        out[i] = np.nan if v is None else v
        if code:
            problems.append((i, code, args))
    return out, problems
