"""Turning what people type into spreadsheets into numbers, or into a located problem.

Shared by every reader (CSV and XLSX) so that "95%", "１２", "1,200", "3次", "是" mean the
same everywhere.  Harmless variations are accepted and *noted* (the parser says which
normalisation it applied); anything else is a problem with a catalog code.
"""

from __future__ import annotations

import itertools
import math
import operator
import re
import unicodedata
from typing import Sequence

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
        return float_column(np.array(cells, dtype=float), parse)
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


def float_column(values: np.ndarray, parse: ValueParser) -> tuple[np.ndarray, list[int]]:
    """``parse_column`` of a column whose every cell is a float: ``values`` (changed in place) with
    the numbers ``parse`` must see one by one made NaN, and their positions."""
    odd = odd_numbers(values, parse) | np.isnan(values)
    values[odd] = np.nan
    return values, np.flatnonzero(odd).tolist()


def float_block(rows: Sequence[Sequence], cols: list[int], plain: bool = False) -> np.ndarray | None:
    """Cells ``cols`` of every row as one array of floats (a row per row, a column per one of
    ``cols``), when every one of them is a number — a workbook's, no blank, no text —, else None:
    read in one go instead of a column at a time.

    ``plain``: the sheet has no boolean and no percent-styled cell, so a cell that is not text,
    a date or a blank is a float (an int reads as the same value): ``sum`` of each row, which
    stops with a TypeError at the first text (a blank is ""), tells. Otherwise each cell's type
    is looked at."""
    block = list(map(operator.itemgetter(*cols), rows)) if len(cols) > 1 else [(r[cols[0]],) for r in rows]
    if plain:
        try:
            sum(map(sum, block))
        except TypeError:
            return None
    else:
        only = {float}
        for r in block:  # stops at the first row with anything else
            if set(map(type, r)) != only:
                return None
    # one flat pass over the cells (np.array of the rows is slower: it first works out their shape)
    return np.fromiter(itertools.chain.from_iterable(block), float, len(block) * len(cols)).reshape(len(block), len(cols))


_POW10 = 10.0 ** np.arange(24)  # exact in binary floating point up to 1e22 (10 ** 23 only divides cells not read here)
_PLAIN_LEN = 17  # a longer cell is read by float() itself
# Eight bytes at a time (SWAR: "SIMD within a register"): each constant repeats one byte.
_BYTES = np.uint64(0x0101010101010101)
_ALL = np.uint64(0xFFFFFFFFFFFFFFFF)


def right_aligned(data: np.ndarray, ends: np.ndarray, lengths: np.ndarray, width: int, xor: int = 0, in_place: bool = False) -> list[np.ndarray]:
    """Cells given by where they end in ``data`` and their lengths, each as the ``width`` bytes
    ending there (a multiple of 8), each byte XOR-ed with ``xor`` and the bytes before the cell's
    start 0: ``width / 8`` arrays of little-endian 64-bit words, the cell's last byte the last
    word's highest.

    Each word is put together from the two aligned words of ``data`` it straddles: two plain
    gathers of whole words, much faster than gathering bytes. ``data`` is read in place when it
    allows that (see :func:`word_buffer`; ``in_place``: the caller knows it does), else copied
    once. A longer cell keeps only its last ``width`` bytes (callers tell it apart by its length)."""
    ends = np.asarray(ends, np.int64)
    if not in_place and len(ends) and (data.ctypes.data % 8 or len(data) % 8 or int(ends.min()) < width or int(ends.max()) + 8 > len(data)):
        data, shift = word_buffer(data.tobytes(), width)
        ends = ends + shift
    words64 = data.view("<u8")
    first = ends - width
    q = first >> 3
    down = ((first & 7) << 3).view(np.uint64)
    up = 64 - down  # a shift by 64 gives 0: a window that starts on a word boundary is that word
    pad = (width - np.asarray(lengths, np.int64)) << 3  # bits of the window before the cell
    out = []
    lo = np.take(words64, q)
    for i in range(width // 8):
        hi = np.take(words64, q + (i + 1))
        w = (lo >> down) | (hi << up)
        if xor:
            w ^= xor * 0x0101010101010101
        if i:
            pad -= 64
            np.maximum(pad, 0, out=pad)
        w &= np.left_shift(_ALL, pad.view(np.uint64))  # a shift by 64 or more gives 0 (a cell too long for the window: garbage)
        out.append(w)
        lo = hi
    return out


def word_buffer(data, front: int = 64, tail: bytes = b"") -> tuple[np.ndarray, int]:
    """``data`` (and ``tail``) copied into a buffer :func:`right_aligned` reads in place, and where
    it starts there: aligned to 8 bytes, ``front`` zero bytes before it (a multiple of 8: room for
    the window of a cell at the very start, 64 bytes wide at most) and at least 8 after it, its
    length a multiple of 8."""
    end = front + len(data) + len(tail)
    buf = np.empty(end + 8 + (-end) % 8, np.uint8)  # numpy allocates aligned memory
    buf[:front] = 0
    buf[front : front + len(data)] = np.frombuffer(data, np.uint8)
    buf[front + len(data) : end] = np.frombuffer(tail, np.uint8)
    buf[end:] = 0
    return buf, front


def _eight_digits(d: np.ndarray) -> np.ndarray:
    """The number that eight digit values make (one per byte, the first byte the most significant)."""
    d = d * 10 + (d >> 8)
    return ((d & 0x000000FF000000FF) * (100 + (1000000 << 32)) + ((d >> 16) & 0x000000FF000000FF) * (1 + (10000 << 32))) >> 32


def _digit_bytes(y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Eight bytes minus "0" each (a digit is 0-9, "." is 0x1E) as digits: (the digits, the
    point's byte made 0; a byte that is neither a digit nor "."; the point's byte as 1)."""
    y8 = y.view(np.uint8)  # compared a byte at a time; the 8 results of a word read back as one word
    other = y8 > 9
    point = y8 == 0x1E
    one = point.view(np.uint64)
    return y ^ (one * 0x1E), (other != point).view(np.uint64) != 0, one


def _decimal_words(words: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Right-aligned cells with "0" before them (see :func:`right_aligned`) read as digits with at
    most one point: (bad: a byte that is neither, or two points; point: whether there is one;
    places: digits after it; whole: the integer of the digits).

    The integer comes from the digits before the point moved one byte right, into its place."""
    if len(words) == 1:  # up to eight characters: the usual cell
        d, bad, one = _digit_bytes(words[0])
        bad |= (one & (one - 1)) != 0  # two points
        ahead = one - 1  # the bytes before the point; all of them without one
        left = d & ahead & (((ahead >> 56) & 1) - 1)  # none without a point
        whole = _eight_digits((left << 8) | (d ^ left))
        before = ((ahead & _BYTES) * _BYTES) >> 56  # 8 without a point
        return bad, one != 0, np.take(_AFTER8, before.view(np.intp)), whole
    parts = [_digit_bytes(x) for x in words]
    bad = np.zeros(len(words[0]), bool)
    point = bad.copy()
    for _, b, one in parts:
        h = one != 0
        bad |= b | (h & point) | ((one & (one - 1)) != 0)  # two points in the word, or in two words
        point |= h
    k = len(words)
    whole = np.zeros(len(bad), np.uint64)
    before = np.zeros(len(bad), np.uint64)
    later = np.zeros(len(bad), bool)  # the point is in a later word: all of this one is before it
    lefts = []
    for _, _, one in reversed(parts):
        ahead = one - 1
        left = ahead & (((ahead >> 56) & 1) - 1)
        left[later] = _ALL
        later |= one != 0
        lefts.append(left)
    lefts.reverse()
    carry = None
    for (d, _, _), left in zip(parts, lefts):
        moved = ((d & left) << 8) | (d & ~left)
        if carry is not None:
            moved |= carry
        carry = (d & left) >> 56
        before += ((left & _BYTES) * _BYTES) >> 56
        whole = whole * 10**8 + _eight_digits(moved)
    places = (8 * k - 1 - before.view(np.int64)) * point
    return bad, point, places, whole


_AFTER8 = np.array([7, 6, 5, 4, 3, 2, 1, 0, 0])  # digits after the point, by the bytes before it (8: no point)


def plain_decimals(data: np.ndarray, starts: np.ndarray, ends: np.ndarray, in_place: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Cells given as byte ranges of ``data`` read as plain decimals, all at once: (values, sure).

    A plain decimal is an optional sign, digits and at most one point ("95", "-3", "2.50",
    ".5", "5."). Its value is the integer of its digits divided by a power of ten; with at
    most 2**53 for the integer both are exact, so the division, correctly rounded, gives what
    ``float()`` gives for the text. Blank cells are NaN and sure; anything else (letters,
    spaces, "1e5", full-width digits, …) is not sure and NaN.

    Each cell is read eight bytes at a time, right-aligned so every digit's place is fixed:
    which bytes are digits, where the point is and what the digits make are a few integer
    operations on whole columns (:func:`_decimal_words`). A cell with another byte is looked
    at again only when it starts with a sign.
    """
    shape = np.shape(starts)
    starts, ends = np.ravel(starts), np.ravel(ends)
    n = len(starts)
    lengths = ends - starts
    longest = min(int(lengths.max()) if n else 0, _PLAIN_LEN)
    if longest == 0:
        return np.full(shape, np.nan), np.ones(shape, bool)
    width = 8 * ((longest + 7) // 8)
    words = right_aligned(data, ends, lengths, width, xor=48, in_place=in_place)  # each byte minus "0"; before the cell, 0: the same number
    bad, point, places, whole = _decimal_words(words)
    signed = minus = None
    maybe = np.flatnonzero(bad & (lengths > 0) & (lengths <= width)) if bad.any() else ()
    if len(maybe):
        first = data[starts[maybe]]
        sign = (first == 45) | (first == 43)
        maybe, first = maybe[sign], first[sign]
    if len(maybe):  # a sign: read those again with a 0 in its place
        p = (width - lengths[maybe]).astype(np.int64)
        again = [w[maybe] for w in words]
        for i in range(len(words)):
            here = (p >> 3) == i
            shift = ((p[here] & 7) << 3).view(np.uint64)
            again[i][here] &= ~np.left_shift(np.uint64(0xFF), shift)
        bad[maybe], point[maybe], places[maybe], whole[maybe] = _decimal_words(again)
        signed = np.zeros(n, bool)
        signed[maybe] = True
        minus = np.zeros(n, bool)
        minus[maybe[first == 45]] = True
    digits = lengths - point
    if signed is not None:
        digits -= signed
    ok = ~bad & (digits > 0) & (lengths <= _PLAIN_LEN)
    if width > 8:
        ok &= whole <= 2**53
    v = whole.astype(float)
    v /= np.take(_POW10, places)
    if minus is not None:
        np.negative(v, out=v, where=minus)
    v[~ok] = np.nan
    ok |= lengths == 0
    return v.reshape(shape), ok.reshape(shape)


def bool_words(data: np.ndarray, starts: np.ndarray, ends: np.ndarray, in_place: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Cells given as byte ranges of ``data`` read as the yes/no words ("是", "否", "y" …) exactly as
    typed, all at once: (values, sure). Blank cells are NaN and sure; any other cell is not sure."""
    shape = np.shape(starts)
    starts, ends = np.ravel(starts), np.ravel(ends)
    n = len(starts)
    lengths = ends - starts
    values = np.full(n, np.nan)
    sure = lengths == 0
    if n and int(lengths.max()) > 0:
        words = right_aligned(data, ends, lengths, _WORD_WIDTH, in_place=in_place)  # a cell longer than the window is cut, but its length tells it apart
        for size, key, v in _WORD_KEYS:
            hit = lengths == size
            for w, k in zip(words, key):
                hit &= w == k
            values[hit] = v
            sure |= hit
    return values.reshape(shape), sure.reshape(shape)


def _word_keys() -> list[tuple[int, np.ndarray, float]]:
    out = []
    for w, v in _BOOL_WORDS.items():
        b = w.encode("utf-8")
        padded = np.frombuffer(bytes(_WORD_WIDTH - len(b)) + b, np.uint8)
        out.append((len(b), padded.view("<u8"), v))
    return out


_WORD_WIDTH = 8 * ((max(len(w.encode("utf-8")) for w in _BOOL_WORDS) + 7) // 8)
_WORD_KEYS = _word_keys()


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
