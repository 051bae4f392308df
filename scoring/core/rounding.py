"""Rounding as offices do it (四舍五入, half away from zero), free of float noise.

Binary floats store 2.675 as 2.67499999…; rounding that naively gives 2.67. We first
snap to 9 decimals, which removes representation noise far below any declared
precision, then round half away from zero.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np

from .lists import objects

_SNAP = 9
# Rounding a rounded column gives it back, bit for bit, for every value below this in size:
# k / 10^places comes back as k through the 9-decimal snap while k·10^(9 - places) stays far
# below 2^53 (tests/test_engine_fused.py checks values drawn within 1.5e6). The engine skips such a
# second rounding only where the criteria bound the values by this (a module's full points).
ROUNDED_AGAIN = 1e5
T = TypeVar("T")


def round_half_up(x: float, places: int) -> float:
    if x != x:  # NaN stays NaN: missing is never turned into a number
        return x
    f = 10.0**places
    scaled = abs(x) * f
    if scaled == math.inf:  # an infinity, or a float near the limit: nothing to round, no int to make
        return x
    snapped = round(scaled, _SNAP - places if _SNAP > places else 0)
    return math.copysign(math.floor(snapped + 0.5) / f, x) + 0.0


def round_array(a: np.ndarray, places: int, out: np.ndarray | None = None, negative: bool | None = None) -> np.ndarray:
    """:func:`round_half_up` of a whole column (NaN stays NaN), into ``out`` when given — which
    may be ``a`` itself: a column rounded in place costs no new memory.

    The steps of ``round_half_up`` in one buffer: ``|a|·f`` is taken as ``|a·f|`` (the same
    product, the sign aside), the snap to 9 decimals is ``np.round``'s own multiply, rint and
    divide, and the sign is put back only where ``a`` had one (a score column rarely has).

    Whether any value is below 0 is read off the smallest number (one pass that writes nothing);
    without one, ``|·|`` and the sign are left out: a -0.0 goes the same way as 0.0 to a +0.0,
    and a NaN keeps its sign through every step as ``copysign`` would give it back.
    ``negative=False``: the caller knows no value is below 0 (that pass is then left out too)."""
    f = 10.0**places
    snap = 10.0 ** max(_SNAP - places, 0)
    signed = negative is not False and not np.fmin.reduce(a, axis=None, initial=np.inf) >= 0  # NaN is passed over
    neg = np.signbit(a) if signed else None
    x = np.multiply(a, f, out=out)
    if signed:
        np.abs(x, out=x)
    x *= snap
    np.rint(x, out=x)
    x /= snap
    x += 0.5
    np.floor(x, out=x)
    x /= f
    if signed:  # copysign: every value is +0.0 or more here, so the sign is a negation
        np.negative(x, out=x, where=neg)
        x += 0.0  # -0.0 becomes 0.0
    return x


def round_column(a: np.ndarray, places: int) -> np.ndarray:
    """:func:`round_half_up` of every value, bit for bit (NaN stays NaN), a column at a time.

    Away from a half, the snapping step of ``round_half_up`` cannot change which way a value goes,
    so ``floor(|x|·10^places + 0.5)`` decides it; the few values within snapping distance of a half
    go through ``round_half_up`` itself."""
    a = np.asarray(a, dtype=float)
    f = 10.0**places
    y = np.abs(a) * f
    out = np.floor(y + 0.5)
    out /= f
    np.copysign(out, a, out=out)
    out += 0.0
    near = min(0.5, 10.0 ** -(_SNAP - places)) if _SNAP > places else 0.5  # twice the snapping step, at least
    with np.errstate(invalid="ignore"):
        close = np.abs(y - np.floor(y) - 0.5) <= near
    for k in np.flatnonzero(close).tolist():
        out[k] = round_half_up(float(a[k]), places)
    return out


def to_fixed(a: np.ndarray, places: int) -> np.ndarray:
    """Scores as exact integers in units of the last declared decimal (for ranking and ties).

    A missing score (NaN) becomes the lowest integer but one, so it sorts below every
    number (and can still be negated) instead of an arbitrary value with a warning.
    """
    scaled = round_array(np.asarray(a, dtype=float), places) * 10.0**places
    out = np.full(scaled.shape, np.iinfo(np.int64).min + 1, dtype=np.int64)
    ok = ~np.isnan(scaled)
    out[ok] = np.rint(scaled[ok]).astype(np.int64)
    return out


def fmt(x: float | None, places: int | None = None) -> str:
    """A number as people write it: no float noise, no needless trailing zeros.

    With ``places`` the number is shown with exactly that many decimals (score sheets).
    """
    if x is None or x != x:
        return "—"
    if places is not None:
        return f"{round_half_up(float(x), places):.{places}f}"
    text = f"{round_half_up(float(x), 6):.6f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def trimmed(x: float, places: int) -> str:
    """``x`` rounded half up to ``places``, without trailing zeros (94.59, 50, 0.5): a number inside a sentence."""
    return _trim(f"{round_half_up(float(x), places):.{places}f}")


def _trim(text: str) -> str:
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def trimmed_column(a: np.ndarray, places: int) -> list[str]:
    """:func:`trimmed` of every value of a column.

    A value rounded to ``places`` decimals, with at most 15 significant digits, is the double nearest that
    decimal, so its shortest text (``repr``) is the decimal itself without trailing zeros — a whole number
    written as an int; the few values ``repr`` writes with an exponent, or too large for 15 digits, go
    through :func:`trimmed`'s own formatting."""
    r = round_column(a, places)
    with np.errstate(invalid="ignore"):
        mag = np.abs(r)
        plain = (mag < 10.0 ** (15 - places)) & ((mag >= 1e-4) | (r == 0))  # False for NaN and inf
        whole = plain & (np.floor(r) == r)
    if whole.all():  # counts, mostly: written as ints ("50", not "50.0"; -0.0 is 0)
        out = list(map(repr, r.astype(np.int64).tolist()))
    elif not whole.any():
        out = list(map(repr, r.tolist()))
    else:
        values = r.astype(object)
        values[whole] = r[whole].astype(np.int64).tolist()
        out = list(map(repr, values.tolist()))
    if not plain.all():
        spec = f".{places}f"
        for k in np.flatnonzero(~plain).tolist():
            out[k] = _trim(format(float(r[k]), spec))
    return out


def fmt_column(a: np.ndarray, places: int) -> list[str]:
    """``fmt(x, places)`` for every value of a column, each distinct value formatted once."""
    a = np.asarray(a, dtype=float)
    spec = f".{places}f"
    if np.array_equal(round_array(a, places), a, equal_nan=True):
        # an already rounded value is its own round_half_up, so plain formatting shows it exactly
        # (+ 0.0: round_half_up gives -0.0 as 0.0, so it is shown "0", never "-0")
        return _fixed_texts(a, places) or each_distinct(a, lambda x: "—" if x != x else format(x + 0.0, spec))
    return each_distinct(a, lambda x: fmt(x, places))


def _fixed_texts(a: np.ndarray, places: int) -> list[str] | None:
    """``format(x, f".{places}f")`` of every value (NaN: "—") when each is exactly k / 10^places for a
    small whole k (no -0.0): each distinct k formatted once, found by its offset, without sorting.
    None when the column is not like that."""
    got = decimal_codes(a, places)
    if got is None:
        return None
    code, low, span = got
    f = 10.0**places
    present = np.bincount(code, minlength=span) > 0
    texts = np.empty(span, dtype=object)
    spec = f".{places}f"
    texts[present] = [format((c + low) / f, spec) for c in np.flatnonzero(present[:-1]).tolist()] + (["—"] if present[-1] else [])
    return texts[code].tolist()


def decimal_codes(a: np.ndarray, places: int) -> tuple[np.ndarray, int, int] | None:
    """Each value of ``a`` numbered without sorting, when every one is exactly k / 10^places for a small
    whole k (no -0.0): ``(code, low, span)``, ``code`` being k - low (the value is ``(code + low) / 10^places``
    bit for bit) and NaN's code ``span - 1``. None when the values are not like that."""
    got = decimal_rows(np.reshape(np.asarray(a, dtype=float), (1, -1)), [0], places)
    return None if got is None else (got[1][0], got[2], got[3])


def decimal_rows(x: np.ndarray, rows: np.ndarray | list[int], places: int) -> tuple[np.ndarray, np.ndarray, int, int, np.ndarray] | None:
    """:func:`decimal_codes` of the rows ``rows`` of ``x`` (a column of numbers a row) together: the rows each
    of whose values is exactly k / 10^places are numbered as one, the multiples taken once for them all.
    ``(fits, code, low, span, nan)``: ``fits`` says which of ``rows`` are numbered, ``code`` holds a row for
    each of them (the value is ``(code + low) / 10^places``, NaN ``span - 1``), ``nan`` says where ``rows``
    hold NaN. None when no row is numbered: none fits, or a fitting row has a -0.0, or a multiple of the
    fitting rows is too large, or they lie too far apart (the caller sorts those values instead).

    The rows are taken a few at a time (about 512 KiB of numbers), every step on them done while they are in
    the processor's cache, each step's arrays of that size let go when it ends: of the size of all the
    rows, only ``code`` and ``nan`` are made. The fitting multiples' least and greatest value tell how far
    apart they lie, and whether one is too large; a -0.0 is looked for by its bits."""
    f = 10.0**places
    rows = np.asarray(rows, dtype=np.intp)
    r, n = len(rows), x.shape[1]
    nan = np.empty((r, n), dtype=bool)
    fits = np.empty(r, dtype=bool)
    code = np.empty((r, n), dtype=np.int64)
    low_f, high_f = np.inf, -np.inf
    step = max(1, (1 << 16) // max(n, 1))
    with np.errstate(over="ignore", invalid="ignore"):  # a huge value: its k is too large, said below
        for a in range(0, r, step):
            got = _multiples(x, rows[a : a + step], f, nan[a : a + step], fits[a : a + step], code[a : a + step])
            if got is None:
                return None
            low_f, high_f = min(low_f, got[0]), max(high_f, got[1])
    if not fits.any():
        return None
    if not n:
        low_f = high_f = 0.0
    if not (-(2.0**40) < low_f and high_f < 2.0**40):  # (an infinity fits: it is its own multiple)
        return None
    every = fits.all()
    if not every:
        code = code[fits]
    low = int(low_f)
    span = int(high_f) - low + 2
    if span > 4 * code.size + 1024:
        return None
    if low:
        code -= low
    if nan.any():
        code[nan if every else nan[fits]] = span - 1  # the last slot
    return fits, code, low, span, nan


def _multiples(x: np.ndarray, rows: np.ndarray, f: float, nan: np.ndarray, fits: np.ndarray, code: np.ndarray) -> tuple[float, float] | None:
    """One step of :func:`decimal_rows`: the rows' NaN marks, whether each fits and its multiples into ``nan``,
    ``fits`` and ``code``; the least and greatest fitting multiple (inf and -inf: none), None for a -0.0. Its
    arrays go as it returns, before the next step's are made (kept until the end of the rows, the last step's
    left a gap in the heap that cost province JSON's peak 20 MiB)."""
    y = x[rows]  # a copy, overwritten below
    blank = np.isnan(y, out=nan)
    if blank.any():
        np.copyto(y, 0.0, where=blank)
    k = y * f
    np.rint(k, out=k)  # each value's multiple of 10^-places, when it is one (NaN: 0)
    ok = np.equal(k / f, y).all(axis=1, out=fits)  # most rows, cheaply told apart
    np.copyto(code, k, casting="unsafe")  # (a row that does not fit is dropped by the caller)
    if not (k.shape[1] and ok.any()):
        return np.inf, -np.inf
    kf = k if ok.all() else k[ok]
    lo, hi = float(kf.min()), float(kf.max())
    # a -0.0 (a fitting row's -0.0 is its own value: a small negative value does not fit): with no value
    # below 0, any other value's bits are 0 or more as an int64
    bits = kf.view(np.int64)
    if (bits.min() < 0) if lo >= 0 else (bits == np.iinfo(np.int64).min).any():
        return None
    return lo, hi


def each_distinct(a: np.ndarray, text: Callable[[Any], T]) -> list[T]:
    """``[text(x) for x in a.tolist()]``, with ``text`` asked once per distinct value: a ranked table
    has 170 000 numbers but only a few thousand distinct ones. Values are told apart bit for bit
    (-0.0 and 0.0, each NaN), so every value gets exactly the text it would get alone."""
    a = np.ascontiguousarray(a)
    if a.ndim != 1 or a.dtype.itemsize != 8 or a.dtype.kind not in "fiu" or len(a) < 64:
        return [text(x) for x in a.tolist()]
    distinct, where = np.unique(a.view(np.uint64), return_inverse=True)
    texts = objects([text(x) for x in distinct.view(a.dtype).tolist()])
    return texts[where].tolist()


def whole(x: float, rounding: str) -> int:
    """A share of units as a whole number of units: "ceil", "floor" or "round" (half up)."""
    x = round(x, 9)  # 10 % of 30 units is 3, not 3.0000000000000004 rounded up to 4
    if rounding == "ceil":
        return int(math.ceil(x))
    if rounding == "round":
        return int(math.floor(x + 0.5))
    return int(math.floor(x))
