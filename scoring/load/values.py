"""Turning what people type into spreadsheets into numbers, or into a located problem.

Shared by every reader (CSV now, XLSX later) so that "95%", "１２", "1,200", "是" mean
the same everywhere.
"""
from __future__ import annotations

import math

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
