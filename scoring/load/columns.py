"""Data tables read column by column, and merged into the dataset a column at a time.

A national comparison reaches 170 000 units × 50 fields: turning every cell into a
Python string and then into a number costs seconds.  Here a clean CSV file (no quote
characters, every row as wide as the header) has its number columns parsed by numpy
in one pass; everything else goes the old way, row by row with :mod:`csv`.  Either
way the result — values, problems, their order and their words — is what reading the
file cell by cell with :func:`values.parse_value` gives.
"""
from __future__ import annotations

import csv
import re
from pathlib import Path

import numpy as np

from ..core.criteria import FieldSpec
from ..errors import Problem
from .values import cell, parse_column, parse_value, suspect

_NAN = re.compile("nan", re.IGNORECASE)
# how a blank row starts: nothing at all, a comma, or a space of any kind
_SPACES = "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
_BLANK_START = frozenset(["", ",", *_SPACES])  # _SPACES: every character str.isspace() accepts


class Table:
    """The rows of one data file after the header, blank rows left out (row r is spreadsheet row r + 2)."""

    def __init__(self, header: list[str], rows: list[list[str]] | None = None, lines: list[str] | None = None):
        self.header = header
        self._rows = rows
        self._lines = lines  # clean files: the data lines, split lazily
        self._numbers: dict[int, np.ndarray] = {}
        self._text: dict[int, list[str]] = {}
        self._objects: dict[int, tuple[np.ndarray, bool]] = {}  # text columns numpy read; blanks marked "nan"?
        self.n = len(rows) if rows is not None else len(lines or [])

    def parse_numbers(self, columns: set[int], text: set[int] | None = None) -> None:
        """Parse ``columns`` as plain numbers in one pass, when the file allows it.

        ``text`` are the other columns wanted as text (default: all); the rest are
        skipped over, and split from the lines if asked for after all.
        """
        if self._lines is None or not columns or not self.n:
            return
        width = len(self.header)
        dtype = [(f"c{j}", "f8" if j in columns else object if text is None or j in text else "U1") for j in range(width)]

        def read(lines):  # numpy refuses any row not exactly as wide as the header
            return np.loadtxt(lines, delimiter=",", dtype=dtype, comments=None, quotechar=None, ndmin=1, encoding=None)

        try:
            table, marked = read(self._lines), False
        except (ValueError, TypeError):  # blank cells, most likely: mark them and try once more
            data = "\n".join(self._lines)
            if ("a" in data or "A" in data) and _NAN.search(data):
                return  # "nan" typed by someone would pass for a blank: the careful way
            filled = data.replace(",,", ",nan,").replace(",,", ",nan,").replace("\n,", "\nnan,").replace(",\n", ",nan\n")
            if filled.startswith(","):
                filled = "nan" + filled
            if filled.endswith(","):
                filled += "nan"
            try:
                table, marked = read(filled.split("\n")), True
            except (ValueError, TypeError):
                return  # a cell numpy does not read as a number (text, "95%", " "): cell by cell
        for j in range(width):
            col = table[f"c{j}"]
            if j in columns:
                col = np.ascontiguousarray(col, dtype=float)
                if not marked:  # no blank was there: a NaN is "nan" typed in a cell, to be refused
                    col[np.isnan(col)] = np.inf
                self._numbers[j] = col
            elif text is None or j in text:
                self._objects[j] = (col, marked)

    def numbers(self, j: int) -> np.ndarray | None:
        """Column j as floats (NaN = blank) if it was parsed in one pass; else None."""
        return self._numbers.get(j)

    def rows(self) -> list[list[str]]:
        if self._rows is None:
            self._rows = [line.split(",") for line in self._lines or []]  # no quotes: as csv would split
        return self._rows

    def text(self, j: int) -> list[str]:
        """Column j as text cells, short rows padded with blanks."""
        got = self._text.get(j)
        if got is None:
            if j in self._objects:
                col, marked = self._objects.pop(j)
                got = col.tolist()
                if marked and "nan" in got:  # blanks were marked "nan" (and no cell said nan)
                    got = ["" if c == "nan" else c for c in got]
            else:
                got = [r[j] if j < len(r) else "" for r in self.rows()]
            self._text[j] = got
        return got

    def cell(self, r: int, j: int) -> str:
        if j not in self._numbers or self._rows is not None:
            return self.text(j)[r]
        line = self._lines[r].split(",")  # type: ignore[index]
        return line[j]


def _filled(line: str) -> bool:
    """Not a blank row (a row whose every cell is empty or spaces is left out)."""
    if line and line[0] != "," and not line[0].isspace():
        return True  # the first cell has something in it
    return bool(line.replace(",", "").strip())


def read_table(path: Path, problems: list[Problem]) -> Table | None:
    """A CSV file as Excel and WPS save it; None if unreadable (the problem is recorded)."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        problems.append(Problem("data.not_utf8", file=path.name))
        return None
    lines = text.splitlines()
    if not _BLANK_START.isdisjoint({line[:1] for line in lines}):  # a row that may be blank: look closer
        lines = [line for line in lines if _filled(line)]
    if not lines:
        return Table([], [])
    if '"' in text or "\x00" in text:  # quoted cells: the csv module decides
        try:
            rows = list(csv.reader(text.splitlines()))
        except csv.Error as e:
            problems.append(Problem("data.bad_csv", {"detail": str(e)}, file=path.name))
            return None
        rows = [r for r in rows if any(c.strip() for c in r)]
        return Table(rows[0], rows[1:]) if rows else Table([], [])
    return Table(lines[0].split(","), lines=lines[1:])


class Collector:
    """Gathers the columns of every data file into one float column per field.

    A value given twice must agree: the second place is reported with the first.
    """

    def __init__(self, ids: list[str], names: list[str], specs: dict[str, FieldSpec], values: dict[str, np.ndarray]):
        self.ids = ids
        self.pos = {u: i for i, u in enumerate(ids)}
        self.by_name: dict[str, int] = {}
        for i, nm in enumerate(names):
            self.by_name.setdefault(nm, i)
        self.specs = specs
        self.values = values
        self.sources: dict[str, set[str]] = {}
        self.evidence: dict[tuple[str, str], str] = {}
        self._fills: dict[str, list[tuple[str, np.ndarray, np.ndarray]]] = {}  # field -> (file, units, rows)
        self._where: dict[tuple[int, str], str] = {}  # (unit, field) -> latest place, once written twice

    def _place(self, i: int, f: str) -> str:
        got = self._where.get((i, f))
        if got is not None:
            return got
        for file, units, rows in reversed(self._fills.get(f, [])):
            hit = np.nonzero(units == i)[0]
            if len(hit):
                return f"{file} 第{int(rows[hit[-1]]) + 2}行"
        return ""

    def add(self, file: str, table: Table, unit_col: int, id_col: int | None, name_col: int | None,
            fields: list[tuple[int, str]], ev_cols: list[tuple[int, str]], problems: list[Problem]) -> None:
        header = [h.strip() for h in table.header]
        staged: list[tuple[int, int, Problem]] = []  # (row, column, problem): reported in reading order
        raw = table.text(unit_col)
        if unit_col == id_col and raw == self.ids:  # the usual case: the units in units.csv order
            known = np.arange(len(raw), dtype=np.int64)
            self._add_known(file, table, list(range(len(raw))), known, known, fields, ev_cols, staged)
            staged.sort(key=lambda s: (s[0], s[1]))
            problems.extend(p for _, _, p in staged)
            return
        keys = [k.strip() for k in raw]
        if unit_col == id_col:
            unit = [self.pos.get(k) for k in keys]
            if name_col is not None and None in unit:
                names = table.text(name_col)
                unit = [u if u is not None else self.by_name.get(names[r].strip()) for r, u in enumerate(unit)]
        else:
            unit = [self.by_name.get(k) for k in keys]
        known_rows = [r for r, u in enumerate(unit) if u is not None]
        for r, u in enumerate(unit):
            if u is None:
                staged.append((r, unit_col, cell("data.unknown_unit", {"unit": keys[r]}, file, r + 2, unit_col, header[unit_col])))
        known = np.asarray(known_rows, dtype=np.int64)
        uidx = np.asarray([unit[r] for r in known_rows], dtype=np.int64)
        self._add_known(file, table, known_rows, known, uidx, fields, ev_cols, staged)
        staged.sort(key=lambda s: (s[0], s[1]))
        problems.extend(p for _, _, p in staged)

    def _add_known(self, file, table, known_rows, known, uidx, fields, ev_cols, staged) -> None:
        """The rows whose unit is known: rows ``known`` (positions in the table) are units ``uidx``."""
        parsed: list[tuple[int, str, np.ndarray]] = []
        for j, f in fields:
            spec = self.specs[f]
            nums = table.numbers(j)
            if nums is not None:
                vals = nums[known] if len(known) != len(nums) or known[-1] != len(nums) - 1 else nums.copy()
                errs = []
                for b in np.nonzero(suspect(vals, spec))[0].tolist():
                    v, code, args = parse_value(table.cell(known_rows[b], j), spec)
                    vals[b] = np.nan if v is None else v
                    if code:
                        errs.append((b, code, args))
            else:
                col = table.text(j)
                vals, errs = parse_column(col if len(known_rows) == len(col) else [col[r] for r in known_rows], spec)
            for b, code, args in errs:
                r = known_rows[b]
                staged.append((r, j, cell(code, args, file, r + 2, j, f)))
            parsed.append((j, f, vals))

        by_field: dict[str, list[tuple[int, np.ndarray]]] = {}
        for j, f, vals in parsed:
            by_field.setdefault(f, []).append((j, vals))
        for f, cols in by_field.items():
            target = self.values[f]
            if len(cols) == 1:
                j, vals = cols[0]
                ok = ~np.isnan(vals)
                units, rows, v = uidx[ok], known[ok], vals[ok]
                if not len(units):
                    continue
                if not np.any(~np.isnan(target[units])) and _distinct(units, len(target)):
                    target[units] = v  # the usual case: each value given once
                    self._fills.setdefault(f, []).append((file, units, rows))
                    self.sources.setdefault(f, set()).add(file)
                    continue
                seq = [(int(r), j, int(i), float(x)) for r, i, x in zip(rows, units, v)]
            else:  # the same field in two columns of one file: row by row, as the rows read
                seq = sorted((int(known[b]), j, int(uidx[b]), float(vals[b]))
                             for j, vals in cols for b in np.nonzero(~np.isnan(vals))[0])
            for r, j, i, v in seq:
                prev = target[i]
                if prev == prev and prev != v:
                    staged.append((r, j, cell("data.conflict", {"unit": self.ids[i], "field": f, "a": f"{prev:g}",
                                                                "where_a": self._place(i, f), "b": f"{v:g}",
                                                                "where_b": f"{file} 第{r + 2}行"}, file, r + 2, j, f)))
                    continue
                target[i] = v
                self._where[(i, f)] = f"{file} 第{r + 2}行"
                self.sources.setdefault(f, set()).add(file)

        ev_fields = [f for _, f in ev_cols]
        if len(set(ev_fields)) == len(ev_fields):
            for j, f in ev_cols:
                col = table.text(j)
                for r, i in zip(known_rows, uidx.tolist()):
                    s = col[r].strip()
                    if s:
                        self.evidence[(self.ids[i], f)] = s
        else:  # one field's evidence in two columns: the later cell in reading order wins
            for r, i in zip(known_rows, uidx.tolist()):
                for j, f in ev_cols:
                    s = table.text(j)[r].strip()
                    if s:
                        self.evidence[(self.ids[i], f)] = s


def _distinct(units: np.ndarray, n: int) -> bool:
    seen = np.zeros(n, dtype=bool)
    seen[units] = True
    return int(seen.sum()) == len(units)
