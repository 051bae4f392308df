"""Turning what people type into spreadsheets into numbers, or into a located problem.

Shared by every reader (CSV and XLSX) so that "95%", "１２", "1,200", "3次", "是" mean the
same everywhere.  Harmless variations are accepted and *noted* (the parser says which
normalisation it applied); anything else is a problem with a catalog code.
"""

from __future__ import annotations

import math
import re
import unicodedata

import numpy as np

from ..core.criteria import FieldSpec
from ..errors import Problem
from ..i18n import CONTROL, visible

# Full-width digits and signs as a Chinese input method types them; "。" typed as a decimal point.
_FULLWIDTH = str.maketrans("０１２３４５６７８９．，％－＋。", "0123456789.,%-+.")
_SPACES = " \t\r\n\u3000\xa0"
TRUE = {"是", "有", "y", "yes", "true", "1", "√", "✓", "已", "已报送", "按时"}
FALSE = {"否", "无", "n", "no", "false", "0", "×", "✗", "未", "未报送"}
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$")
_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
# What Excel shows in a cell whose formula failed.
CELL_ERRORS = {"#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#REF!", "#VALUE!", "#SPILL!", "#CALC!", "#GETTING_DATA"}

# Codes of the notes a parse can add (see scoring.i18n, "note.*").
N_SPACES, N_FULLWIDTH, N_PERCENT, N_PERCENT_FORMAT, N_THOUSANDS, N_UNIT = (
    "note.spaces",
    "note.fullwidth",
    "note.percent",
    "note.percent_format",
    "note.thousands",
    "note.unit_suffix",
)
_NONE: tuple = ()
# No figure an assessment collects comes near this; beyond it, whole numbers stop being exact in a
# float and sums and products of a few such values overflow to infinity.
MAX_MAGNITUDE = 1e15


class Percent(float):
    """A number read from a cell formatted as a percentage: Excel keeps 95% as 0.95."""


def shown(raw) -> str:
    """A cell's content as a person would recognise it in a message (control characters made visible)."""
    if isinstance(raw, Percent):
        return f"{float(raw) * 100:.12g}%"
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    text = str(raw)
    return text if text.isprintable() else visible(text)


def as_text(raw) -> str:
    """A cell as text: a whole number without ".0" (a workbook keeps every number as a float)."""
    if type(raw) is float and raw.is_integer():
        return str(int(raw))
    return str(raw)


def control_chars(raw) -> str | None:
    """ "U+202E、U+200B" when a text cell holds control characters, else None."""
    if type(raw) is not str or raw.isprintable():
        return None
    found = sorted(set(CONTROL.findall(raw)))
    return "、".join(f"U+{ord(c):04X}" for c in found) if found else None


class ValueParser:
    """Parses the cells of one field. Precomputes what the spec implies, once per column.

    Calling it with a raw cell (``str`` from CSV; ``str``/``int``/``float``/``bool``/
    ``datetime``/:class:`Percent` from XLSX; ``None``) returns
    ``(value, problem_code, problem_args, notes)``: value is ``None`` for a blank cell or
    when there is a problem; notes is a tuple of note codes for normalisations applied.
    """

    __slots__ = ("spec", "kind", "lo", "hi", "unit", "percent")

    def __init__(self, spec: FieldSpec):
        self.spec = spec
        self.kind = spec.kind
        self.percent = spec.percent_text()  # how "88.9%" reads: "number", "fraction" or "refuse"
        self.lo, self.hi = spec.bounds()
        self.unit = spec.unit if spec.unit not in ("", "%", "％") else ""

    def __call__(self, raw):
        t = type(raw)
        if raw is None:
            return None, None, None, _NONE
        if t is float or t is int:
            if not math.isfinite(raw):  # NaN or ∞ written into a workbook by some program
                return self._problem("data.not_number", raw)
            return self._check(float(raw), raw, _NONE)
        if t is Percent:
            if self.percent == "number":  # 95% typed into a rate field means 95
                return self._check(float(f"{float(raw) * 100:.12g}"), raw, (N_PERCENT_FORMAT,))
            if self.percent == "fraction":
                return self._check(float(raw), raw, _NONE)
            return self._percent_problem(raw, float(f"{float(raw) * 100:.12g}"))
        if t is bool:
            if self.kind == "bool":
                return float(raw), None, None, _NONE
            return self._problem("data.not_number", raw)
        if t is not str:  # a date, a time: typed into a number field
            return self._problem("data.not_number", raw)
        s = raw.strip(_SPACES)
        if s == "":
            return None, None, None, _NONE
        notes: list[str] = []
        if len(s) != len(raw):
            notes.append(N_SPACES)
        u = s.translate(_FULLWIDTH)
        if u != s:
            notes.append(N_FULLWIDTH)
            s = u.strip(_SPACES)
        if s in CELL_ERRORS:
            return self._problem("data.cell_error", raw)
        if self.kind == "bool":
            low = s.lower()
            if low in TRUE:
                return 1.0, None, None, tuple(notes)
            if low in FALSE:
                return 0.0, None, None, tuple(notes)
            return self._problem("data.not_bool", raw)
        if self.unit and s.endswith(self.unit) and len(s) > len(self.unit):
            s = s[: -len(self.unit)].rstrip(_SPACES)
            notes.append(N_UNIT)
        percent = s.endswith("%")
        if percent:
            s = s[:-1].rstrip(_SPACES)
            notes.append(N_PERCENT)
        if "," in s:
            if not _THOUSANDS.match(s):
                return self._problem("data.not_number", raw)
            s = s.replace(",", "")
            notes.append(N_THOUSANDS)
        if not _NUMBER.match(s):
            return self._problem("data.not_number", raw)
        value = float(s)
        if not math.isfinite(value):
            return self._problem("data.not_number", raw)
        if percent and self.percent == "refuse":  # "88.9%" in a score field: 88.9 or 0.889? the criteria must say
            return self._percent_problem(raw, value)
        if percent and self.percent == "fraction":
            value = float(f"{value / 100:.12g}")
        return self._check(value, raw, tuple(notes))

    def _check(self, value: float, raw, notes):
        if abs(value) > MAX_MAGNITUDE:  # 1e308 in a count: no figure of an assessment, and sums of it overflow
            return self._problem("data.too_large", raw)
        if self.kind == "count" and abs(value - round(value)) > 1e-9:
            return self._problem("data.not_integer", raw)
        if self.kind == "bool" and value != 0.0 and value != 1.0:
            return self._problem("data.not_bool", raw)
        lo, hi = self.lo, self.hi  # within 1e-12 of a bound is floating noise from a formula, not a mistake
        if (lo is not None and value < lo - 1e-12) or (hi is not None and value > hi + 1e-12):
            return (
                None,
                "data.out_of_range",
                {"value": shown(raw), "field": self.spec.name, "lo": "-∞" if lo is None else f"{lo:g}", "hi": "∞" if hi is None else f"{hi:g}"},
                notes,
            )
        return value, None, None, notes

    def _percent_problem(self, raw, number: float):
        value, code, args, notes = self._problem("data.percent_text", raw)
        args.update(number=f"{number:.12g}", fraction=f"{number / 100:.12g}")
        return value, code, args, notes

    def _problem(self, code: str, raw):
        lo, hi = self.lo, self.hi
        return (
            None,
            code,
            {
                "value": shown(raw),
                "field": self.spec.name,
                "unit": self.spec.unit,
                "lo": "-∞" if lo is None else f"{lo:g}",
                "hi": "∞" if hi is None else f"{hi:g}",
            },
            _NONE,
        )


# -- a whole column at once -----------------------------------------------------------------
# Characters of a plain number; within them Python's float() accepts exactly what _NUMBER does.
_PLAIN = b"0123456789.+-eE\n"
_BOOL_WORDS = {**{k: 1.0 for k in TRUE}, **{k: 0.0 for k in FALSE}}


def parse_column(parse: ValueParser, cells: list | tuple) -> tuple[np.ndarray, list[int]]:
    """The values of a column of cells, and the positions still to go through ``parse`` one by one.

    A cell given here a value is one ``parse`` reads as exactly that value, with no note and no
    problem (a plain number, a whole column of numbers from a workbook, 是/否 …); blank cells
    (None, "") stay NaN. Every other cell — anything normalised, refused, or out of range — is
    left to ``parse`` so its value, notes and problem are the ones ``parse`` gives.
    """
    n = len(cells)
    if parse.kind != "bool" and n and set(map(type, cells)) == {float}:  # a workbook's column of numbers, no blank
        values = np.array(cells, dtype=float)
        odd = odd_numbers(values, parse) | np.isnan(values)
        values[odd] = np.nan
        return values, np.flatnonzero(odd).tolist()
    out = np.full(n, np.nan)
    if parse.kind == "bool":
        words = _BOOL_WORDS
        unsure = []
        for k, c in enumerate(cells):
            if c is None or c == "":
                continue
            t = type(c)
            v = words.get(c) if t is str else (float(c) if t is bool else None)
            if v is None:
                unsure.append(k)
            else:
                out[k] = v
        return out, unsure
    if None in cells or "" in cells:
        given = [k for k, c in enumerate(cells) if c is not None and c != ""]
        raw: list | tuple = [cells[k] for k in given]
    else:  # no blank: the usual case
        given, raw = list(range(n)), cells
    if not raw:
        return out, []
    types = set(map(type, raw))
    if types == {str}:
        if parse.unit and any(ch in "0123456789.+-eE" for ch in parse.unit):
            return out, list(given)
        try:
            text = "\n".join(raw).encode("ascii")
        except UnicodeEncodeError:
            return out, list(given)
        if text.translate(None, _PLAIN):  # a space, a %, a comma, a letter …: cell by cell
            return out, list(given)
        try:
            values = np.fromiter(map(float, raw), dtype=float, count=len(raw))
        except ValueError:
            return out, list(given)
    elif types <= {float, int}:
        values = np.array(raw, dtype=float)
    else:
        return out, list(given)
    idx = np.asarray(given)
    odd = odd_numbers(values, parse) | np.isnan(values)
    out[idx[~odd]] = values[~odd]
    return out, idx[odd].tolist()


_POW10 = 10.0 ** np.arange(23)  # exact in binary floating point up to 1e22
_PLAIN_LEN = 17  # a longer cell is read by float() itself


def plain_decimals(data: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Cells given as byte ranges of ``data`` read as plain decimals, all at once: (values, sure).

    A plain decimal is an optional sign, digits and at most one point ("95", "-3", "2.50",
    ".5", "5."). Its value is the integer of its digits divided by a power of ten; with at
    most 2**53 for the integer both are exact, so the division, correctly rounded, gives what
    ``float()`` gives for the text. Blank cells are NaN and sure; anything else (letters,
    spaces, "1e5", full-width digits, …) is not sure and its value is meaningless.
    """
    n = len(starts)
    lengths = ends - starts
    values = np.full(n, np.nan)
    m = min(int(lengths.max()) if n else 0, _PLAIN_LEN)
    if m == 0:
        return values, np.ones(n, bool)
    at = np.arange(m)[:, None]
    c = data[np.minimum(starts[None, :] + at, len(data) - 1)]  # (position in the cell, cell)
    inside = at < lengths[None, :]
    d = c - np.uint8(48)
    digit = (d < 10) & inside
    point = (c == 46) & inside
    signed = ((c[0] == 45) | (c[0] == 43)) & inside[0]
    other = inside & ~digit & ~point
    other[0] &= ~signed
    points = point.sum(axis=0)
    ok = ~other.any(axis=0) & (points <= 1) & digit.any(axis=0) & (lengths <= _PLAIN_LEN)
    whole = np.zeros(n, np.int64)
    for k in range(m):
        np.copyto(whole, whole * 10 + d[k], where=digit[k])
    ok &= whole <= 2**53
    places = np.where(points > 0, lengths - 1 - point.argmax(axis=0), 0)
    v = whole / _POW10[np.minimum(places, 22)]
    v[c[0] == 45] *= -1
    values[ok] = v[ok]
    return values, ok | (lengths == 0)


def bool_words(data: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Cells given as byte ranges of ``data`` read as the yes/no words ("是", "否", "y" …) exactly as
    typed, all at once: (values, sure). Blank cells are NaN and sure; any other cell is not sure."""
    n = len(starts)
    lengths = ends - starts
    values = np.full(n, np.nan)
    sure = lengths == 0
    m = min(int(lengths.max()) if n else 0, _WORD_BYTES)
    if m == 0:
        return values, sure
    at = np.arange(m)
    c = data[np.minimum(starts[:, None] + at, len(data) - 1)]
    c[at >= lengths[:, None]] = 0
    cells = c.view(f"S{m}").ravel()  # a cell longer than m is cut here, but its length tells it apart
    for word, (size, v) in _WORD_SIZES.items():
        hit = (lengths == size) & (cells == word)
        values[hit] = v
        sure |= hit
    return values, sure


_WORD_SIZES = {w.encode("utf-8"): (len(w.encode("utf-8")), v) for w, v in _BOOL_WORDS.items()}
_WORD_BYTES = max(size for size, _ in _WORD_SIZES.values())


def clean_text(raw) -> str:
    """A label (header, unit id or name) as compared: NFKC (full-width → half-width), no spaces."""
    if raw is None:
        return ""
    if type(raw) is str and raw.isprintable() and " " not in raw and unicodedata.is_normalized("NFKC", raw):
        return raw  # no space of any kind (those are not printable, but " "), nothing NFKC changes
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    return "".join(unicodedata.normalize("NFKC", str(raw)).split())


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA (as Excel names columns)."""
    out = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        out = chr(65 + rem) + out
    return out


def cell(code: str, args: dict, file: str, row: int, col_index: int, header: str, sheet: str | None = None) -> Problem:
    """A problem located at one cell: file, sheet, row, column letter with its header, and A1."""
    letter = column_letter(col_index)
    header = header if header.isprintable() else visible(header)
    return Problem(code, args, file=file, sheet=sheet, row=row, column=f"{letter}（{header}）" if header else letter, cell=f"{letter}{row}")


def odd_numbers(values: np.ndarray, parse) -> np.ndarray:
    """Numbers the field's parser must see cell by cell: infinite, not whole for a count, out of range.

    NaN is left to the caller: a blank in one reader, a typed "nan" in another.
    """
    with np.errstate(invalid="ignore"):
        odd = np.isinf(values) | (np.abs(values) > MAX_MAGNITUDE)
        if parse.kind == "count":
            odd |= np.abs(values - np.round(values)) > 1e-9
        if parse.lo is not None:
            odd |= values < parse.lo - 1e-12
        if parse.hi is not None:
            odd |= values > parse.hi + 1e-12
    return odd
