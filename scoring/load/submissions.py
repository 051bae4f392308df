"""Submitted data in, every problem out: one pipeline for CSV and XLSX.

A data folder holds the unit list (``units.csv`` or ``units.xlsx``: 单位编号, 单位名称, 类别)
and any number of ``.csv`` / ``.xlsx`` files from data owners and units, in either layout:

    wide   a row per unit (单位编号 or 单位名称), a column per field, and optionally a
           "<字段>佐证材料" column after a field for its evidence;
    long   a row per value: 单位编号/单位名称, 字段, 值, 佐证材料.

Title rows above the header are skipped (the header is the first row, among the first
30, that names a unit column), so workbooks made by ``scoring template`` read back as
they are.  Every file is read completely into a stage before it is merged: a file that
turns out damaged half-way contributes nothing but its problem.

Everything found goes into one of three lists: *problems* (scoring must not go on),
*notes* (harmless variations that were normalised: BOM, spaces, full-width digits,
"95%", "1,200", unit names given for ids …) and *gaps* (missing values, with what the
criteria say happens then; see :mod:`scoring.core.usage`).
"""

from __future__ import annotations

import hashlib
import json
import operator
import os
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Sequence, cast

import numpy as np

from .. import parallel
from ..core.criteria import Criteria
from ..core.cycles import paused
from ..core.dataset import Dataset
from ..errors import DataError, Problem
from .sheets import TEXT_EXTS, Table, Unreadable, open_workbook, read_text, sniff, worksheets
from .values import (
    CONTROL,
    ValueParser,
    as_text,
    bool_words,
    clean_text,
    column_letter,
    cell,
    control_chars,
    float_block,
    float_column,
    odd_numbers,
    parse_column,
    plain_decimals,
    right_aligned,
    shown,
    word_buffer,
)

ID_COLS = ("单位编号", "编号", "单位代码", "id", "unit_id")
NAME_COLS = ("单位名称", "名称", "单位", "name", "unit")
CAT_COLS = ("类别", "单位类别", "category")
FIELD_COLS = ("字段", "字段名", "字段名称", "指标字段", "field")
VALUE_COLS = ("值", "数值", "填报值", "报送值", "value")
EVIDENCE_COLS = ("佐证材料", "evidence")
EVIDENCE_SUFFIX = "佐证材料"
IGNORED_COLS = ("序号", "备注", "说明", "联系人", "联系电话", "填报人", "审核人", "no", "note", "remark")
TOTAL_ROWS = ("合计", "总计", "小计", "平均", "平均值", "合计数", "total")
UNITS_FILES = ("units.csv", "units.xlsx")
HEADER_SCAN = 30
TEMPLATE_SCHEMA = "scoring.template/1"

_L = {
    name: frozenset(clean_text(x).lower() for x in names)
    for name, names in {
        "id": ID_COLS,
        "name": NAME_COLS,
        "cat": CAT_COLS,
        "field": FIELD_COLS,
        "value": VALUE_COLS,
        "evidence": EVIDENCE_COLS,
        "ignored": IGNORED_COLS,
        "total": TOTAL_ROWS,
    }.items()
}
_UNIT_SUFFIX = re.compile(r"^(.+?)[(（]([^()（）]*)[)）]$")


_LATER_KEYS: dict[str, object] = {"warnings": None, "checks": []}
_LATER_FIELD_KEYS: dict[str, object] = {"percent": None}
_LATER_INDICATOR_KEYS: dict[str, object] = {"lead": None, "responsible": None, "split": None, "split_among": "each"}


def criteria_hash(criteria: Criteria) -> str:
    """A short fingerprint of the criteria as parsed (comments and layout of the file do not count)."""
    doc = criteria.model_dump(mode="json")
    doc.pop("publication", None)  # [publication] (公示期, contact) does not change what a template collects
    # keys added to the format later count only when used, so templates sent out earlier still match
    for key, default in _LATER_KEYS.items():
        if doc.get(key, default) == default:
            doc.pop(key, None)
    for f in doc["fields"]:
        for key, default in _LATER_FIELD_KEYS.items():
            if f.get(key, default) == default:
                f.pop(key, None)
    for ind in doc["indicators"]:
        for key, default in _LATER_INDICATOR_KEYS.items():
            if ind.get(key, default) == default:
                ind.pop(key, None)
    text = json.dumps(doc, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def is_blank(v) -> bool:
    """An empty cell: nothing in it, or only spaces."""
    return v is None or (type(v) is str and not v.strip())


# -- the unit list -----------------------------------------------------------------------
class Units:
    """The units assessed, and how a cell's text is matched to one of them."""

    def __init__(self, ids: list[str], names: list[str], cats: list[str]):
        self.ids, self.names, self.cats = ids, names, cats
        self._fixed: dict[str, FixedTexts] = {}
        self.exact = dict(zip(ids, range(len(ids))))

    # How a cell that is not an id as it stands is matched: made when first needed (a clean file never needs them).
    @cached_property
    def pos(self) -> dict[str, int]:
        return self.exact if all_clean(self.ids) else {clean_text(u): i for i, u in enumerate(self.ids)}

    @cached_property
    def by_name(self) -> dict[str, int]:
        names = self.names
        by_name: dict[str, int] = dict(zip(names, range(len(names)))) if all_clean(names) else {}
        if len(by_name) < len(names):  # some names need cleaning, or two units share one
            by_name = {}
            for i, nm in enumerate(names):
                k = clean_text(nm)
                by_name[k] = -1 if k in by_name else i  # -1: two units share the name
        return by_name

    def __len__(self) -> int:
        return len(self.ids)

    def fixed(self, which: str) -> "FixedTexts":
        """The ids, names or categories ("ids", "names", "cats") as a clean CSV column is compared with them."""
        got = self._fixed.get(which)
        if got is None:
            got = self._fixed[which] = FixedTexts(getattr(self, which))
        return got

    def find(self, raw_id, raw_name) -> tuple[int | None, str | None, dict | None]:
        """(position, note code, None) or (None, problem code, args); (None, None, None) for no unit."""
        if raw_id is not None and type(raw_id) is str:
            i = self.exact.get(raw_id)
            if i is not None:
                return i, None, None
        key = clean_text(raw_id)
        if key:
            i = self.pos.get(key)
            if i is not None:
                return i, "note.unit_cleaned", None
            j = self.by_name.get(key)
            if j is not None and j >= 0:
                return j, "note.unit_by_name", None
            if key.lower() in _L["total"]:
                return None, "note.total_row", None
            hint = ""
            nk = clean_text(raw_name)
            if nk and self.by_name.get(nk, -1) >= 0:
                hint = self.ids[self.by_name[nk]]
            return None, "data.unit_not_listed", {"unit": shown(raw_id), "suggest": hint or "—"}
        nk = clean_text(raw_name)
        if not nk:
            return None, None, None
        j = self.by_name.get(nk)
        if j is None:
            if nk.lower() in _L["total"]:
                return None, "note.total_row", None
            import difflib  # only when a name is not found: the suggestion

            close = difflib.get_close_matches(nk, [clean_text(n) for n in self.names], n=1, cutoff=0.6)
            return None, "data.unit_not_listed", {"unit": shown(raw_name), "suggest": close[0] if close else "—"}
        if j < 0:
            ids = "、".join(u for u, n in zip(self.ids, self.names) if clean_text(n) == nk)
            return None, "data.ambiguous_name", {"name": shown(raw_name), "ids": ids}
        return j, "note.unit_by_name", None


# -- notes -------------------------------------------------------------------------------
class Notes:
    """Normalisations applied, counted per file, sheet, column and kind (one line each, not one per cell)."""

    def __init__(self) -> None:
        self.cells: dict[tuple, list] = {}
        self.items: list[Problem] = []

    def cell(self, code: str, t: Table, row: int, j: int, header: str, raw) -> None:
        key = (code, t.file, t.sheet, j)
        e = self.cells.get(key)
        if e is None:
            self.cells[key] = [1, row, raw, header]
        else:
            e[0] += 1

    def add(self, p: Problem) -> None:
        self.items.append(p)

    def discard(self, file: str) -> None:
        self.cells = {k: v for k, v in self.cells.items() if k[1] != file}
        self.items = [p for p in self.items if p.file != file]

    def problems(self) -> list[Problem]:
        out: list[Problem] = []
        bom = [p.file for p in self.items if p.code == "note.bom" and p.file is not None]  # a BOM note names its file
        if bom:
            out.append(Problem("note.bom", {"files": "、".join(bom), "n": len(bom)}))
        out += [p for p in self.items if p.code != "note.bom"]
        for (code, file, sheet, j), (n, row, raw, header) in self.cells.items():
            letter = column_letter(j)
            out.append(
                Problem(
                    code,
                    {"n": n, "value": shown(raw)},
                    file=file,
                    sheet=sheet,
                    row=row,
                    column=f"{letter}（{header}）" if header else letter,
                    cell=f"{letter}{row}",
                )
            )
        return out


class _RowNotes(Notes):
    """Stands in for :class:`Notes` while a table's rows are read: keeps each note with its row."""

    def __init__(self) -> None:
        super().__init__()
        self.k = 0
        self.by_row: list[tuple[int, int, int, tuple]] = []

    def cell(self, code: str, t: Table, row: int, j: int, header: str, raw) -> None:
        self.by_row.append((self.k, 0, len(self.by_row), (code, t, row, j, header, raw)))


def _clean_csv(t: Table, st: "_Stage", units: "Units", id_col, name_col, cat_col, fields, ev_cols, width: int):
    """A clean CSV table read from its bytes, a block of rows at a time, or None to read it row by row.

    Clean: no quote, no blank line after the header, every row as wide as the header, and
    every row a usual one (a listed id as it stands, no unit twice, its own name and
    category where given). The cells are then exactly the runs between commas, as the csv
    module splits them: number columns are read by ``plain_decimals`` and yes/no columns by
    ``bool_words`` (a blank cell stays NaN; any other cell is marked infinite, so it goes
    through the field's parser with its own text), the others as text. Any other character
    (a space, a control character) is left where it is: in a unit's id or name the
    comparison with the unit list fails and the table is read row by row; in a value the
    field's parser sees it. The user's text is never rewritten.
    """
    grid = _Grid.of(t, st.header_row, width) if id_col is not None else None
    if grid is None:
        return None
    found: Sequence[int]
    grid.fetch([j for j in (id_col, name_col, cat_col) if j is not None])
    if len(grid) == len(units) and grid.same(id_col, units.fixed("ids")):  # in the unit list's order, as a template lists them
        found = range(len(units))
        if name_col is not None and not grid.same(name_col, units.fixed("names")):
            return None
        if cat_col is not None and not grid.same(cat_col, units.fixed("cats")):
            return None
    else:
        try:
            found = [units.exact[x] for x in grid.texts(id_col)]
        except KeyError:  # an id not listed as it stands
            return None
        if len(set(found)) != len(found):
            return None
        if name_col is not None and grid.texts(name_col) != [units.names[i] for i in found]:
            return None
        if cat_col is not None and grid.texts(cat_col) != [units.cats[i] for i in found]:
            return None
    numbers, texts = {}, {}
    for reader, cols in (
        (bool_words, [j for j, _, parse, _ in fields if parse.kind == "bool"]),
        (plain_decimals, [j for j, _, parse, _ in fields if parse.kind != "bool"]),
    ):
        if cols:
            values, sure = grid.read(reader, cols)
            for k, j in enumerate(cols):
                numbers[j] = values[k]
                numbers[j][~sure[k]] = np.inf  # not read here: the parser reads it (odd_numbers sends it there)
    for j, _f, parse, _ in fields:
        if parse.kind != "bool" and any(ch in "0123456789.+-" for ch in parse.unit):  # a unit of measure that could be part of a number
            numbers[j][~np.isnan(numbers[j])] = np.inf  # only blanks are sure: the parser strips the unit
    for j, _ in ev_cols:
        texts[j] = grid.texts(j)
    return _Located(found, st.header_row + 1), numbers, texts, grid


def _usual_rows(
    numbered: list[tuple[int, Sequence]], id_col: int, name_col, cat_col, width: int, units: "Units"
) -> list[tuple[int, int, int, Sequence]] | None:
    """The rows of a table as ``_wide_columns`` lists them (row position, row number, unit,
    cells) when every one is the usual row its loop looks for — as wide as the header, a listed
    id as it stands, each unit once, its own name and category where given —, checked a column
    at a time; else None (the rows are then read one by one)."""
    rows = [row for _, row in numbered]
    if not rows or set(map(len, rows)) != {width}:
        return None
    got = list(map(units.exact.get, map(operator.itemgetter(id_col), rows)))  # text ids only: the keys are text
    if None in got:
        return None
    found = cast("list[int]", got)
    if len(set(found)) != len(found):
        return None
    for col, listed in ((name_col, units.names), (cat_col, units.cats)):
        if col is not None and list(map(operator.itemgetter(col), rows)) != list(map(listed.__getitem__, found)):
            return None
    return [(k, rn, i, row) for k, ((rn, row), i) in enumerate(zip(numbered, found))]


def all_clean(texts: list[str]) -> bool:
    """Every text is a label that needs no cleaning (``clean_text`` returns it as it is), checked
    on all of them at once: a line end between two texts keeps normalisation from joining them."""
    joined = "\n".join(texts)
    return all(map(str.isprintable, texts)) and " " not in joined and unicodedata.is_normalized("NFKC", joined)


class _Grid:
    """The rows after the header of a comma-separated file without quotes or blank lines, its
    line ends all "\n" or all "\r\n", every row as wide as the header: the rows' UTF-8 bytes in
    a buffer the column readers take as it is (see ``values.word_buffer``) and where each cell
    ends there (at the comma or line end after it), a row of ends per column (``ends[j, p]``:
    laid out a column after another once, as the readers take them, not gathered across the rows
    at each read)."""

    BLOCK = 4096  # rows read together: their bytes stay in the processor's cache while every column of them is read

    def __init__(self, buf: np.ndarray, front: int, ends: np.ndarray, eol: int):
        self.buf, self.front, self.ends, self.eol = buf, front, ends, eol
        self._columns: dict[int, tuple[np.ndarray, np.ndarray]] = {}

    @classmethod
    def of(cls, t: Table, header_row: int, width: int) -> "_Grid | None":
        data = t.data
        if data is None or b'"' in data:
            return None
        at = 0
        for _ in range(header_row):  # row numbers count from 1: skip the header and the rows above it
            at = data.find(b"\n", at) + 1
            if at == 0:
                return None
        crlf = data.find(b"\r", at) >= 0
        eol = b"\r\n" if crlf else b"\n"
        if at == len(data) or data.startswith(eol, at):  # no row, or a blank line first
            return None
        if width == 1 and data.find(b"\n" + eol, at) >= 0:  # a blank line (wider rows have a comma in each line: see below)
            return None
        buf, front = word_buffer(memoryview(data)[at:], tail=b"" if data.endswith(b"\n") else eol)
        b = buf[front:]
        line_ends = b == eol[0]
        lines = np.count_nonzero(line_ends)
        cut = b == 44
        cut |= line_ends  # every comma and line end closes a cell
        del line_ends
        cuts = np.flatnonzero(cut)
        del cut
        # Taken in groups as wide as the header, the cells of each group are a row when each group
        # ends with a line end and there are as many line ends as groups: then no other cell ends one.
        rows, extra = divmod(len(cuts), width)
        if extra or lines != rows:
            return None
        ends = cuts.reshape(rows, width)
        last = ends[:, -1]
        if not (b[last] == eol[0]).all():
            return None
        if crlf and (np.count_nonzero(b == 10) != rows or not (b[last + 1] == 10).all()):
            return None  # a "\n" without "\r" before it
        ends = np.ascontiguousarray(ends.T)
        ends += front
        return cls(buf, front, ends, len(eol))

    def __len__(self) -> int:
        return self.ends.shape[1]

    def cells(self, j: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(bytes, starts, ends) of column j's cells."""
        got = self._columns.get(j)
        if got is None:
            self.fetch([j])
            got = self._columns[j]
        return self.buf, got[0], got[1]

    def fetch(self, cols: list[int]) -> None:
        """Where these columns' cells start and end, kept for :meth:`cells`: taken from the rows in one pass."""
        cols = sorted(set(cols) - self._columns.keys())
        if cols:
            starts, ends = self._bounds(cols)
            for k, j in enumerate(cols):
                self._columns[j] = (starts[k], ends[k])  # each a row of its own, side by side

    def _bounds(self, cols: list[int]) -> tuple[np.ndarray, np.ndarray]:
        """Where these columns' cells start and end, a row for each column: taken once for all the
        blocks :meth:`read` reads, not once a block, and laid out a column after another, so that a block's
        cells of one column lie side by side as the reader takes them (and each column's, kept by :meth:`fetch`)."""
        ends = self.ends[cols]
        starts = self.ends[[j - 1 for j in cols]]  # the end of the cell before
        starts += 1
        for k, j in enumerate(cols):
            if j == 0 and len(starts[k]):  # a row's first cell starts after the line end of the row before
                starts[k, 0] = self.front
                starts[k, 1:] = self.ends[-1, :-1] + self.eol
        return starts, ends

    def read(self, reader, cols: list[int]) -> tuple[np.ndarray, np.ndarray]:
        """``reader`` (``values.plain_decimals``, ``values.bool_words``) applied to these columns a
        block of rows at a time: (values, sure), a row for each column."""
        n = len(self)
        values = np.empty((len(cols), n))
        sure = np.empty((len(cols), n), bool)
        starts, ends = self._bounds(cols)
        for r0 in range(0, n, self.BLOCK):
            rows = slice(r0, min(n, r0 + self.BLOCK))
            values[:, rows], sure[:, rows] = reader(self.buf, starts[:, rows], ends[:, rows], in_place=True)
        return values, sure

    def same(self, j: int, expected: "FixedTexts") -> bool:
        """Whether column j holds exactly these texts, in this order."""
        _, starts, ends = self.cells(j)
        lengths = ends - starts
        if len(lengths) != len(expected.lengths) or not np.array_equal(lengths, expected.lengths):
            return False
        if expected.words is None:  # texts too long for fixed windows: compared as they are
            return self.column(j) == expected.joined
        got = right_aligned(self.buf, ends, lengths, 8 * len(expected.words), in_place=True)
        return all(np.array_equal(a, b) for a, b in zip(got, expected.words))

    def column(self, j: int) -> bytes:
        """Column j's cells, each followed by a line end: its bytes gathered in one go."""
        _, starts, ends = self.cells(j)
        sizes = ends - starts + 1
        last = np.cumsum(sizes) - 1
        at = np.arange(int(last[-1]) + 1 if len(last) else 0) - np.repeat(last + 1 - sizes - starts, sizes)
        got = self.buf[at]
        got[last] = 10
        return got.tobytes()

    def texts(self, j: int) -> list[str]:
        return self.column(j).decode("utf-8").split("\n")[:-1]

    def all_texts(self) -> list[str]:
        """Every cell's text, row after row."""
        body = self.buf[self.front : int(self.ends[-1, -1])].tobytes().decode("utf-8")
        return body.replace("\r\n" if self.eol == 2 else "\n", ",").split(",")

    def cell(self, p: int, j: int) -> str:
        start = self.ends[j - 1, p] + 1 if j else (self.ends[-1, p - 1] + self.eol if p else self.front)
        return self.buf[start : self.ends[j, p]].tobytes().decode("utf-8")


class FixedTexts:
    """Texts as :meth:`_Grid.same` compares a column with them: their UTF-8 lengths and each
    right-aligned in a window of 8-byte words (or, when some are long, the bytes of them all)."""

    WIDEST = 64  # bytes: longer texts are compared as a whole (a word_buffer leaves room for a window this wide)

    def __init__(self, texts: list[str]):
        self.joined = ("\n".join(texts) + "\n").encode("utf-8") if texts else b""
        buf, front = word_buffer(self.joined)
        ends = np.flatnonzero(buf[front : front + len(self.joined)] == 10) + front
        starts = np.empty_like(ends)
        if len(ends):
            starts[0] = front
            starts[1:] = ends[:-1] + 1
        self.lengths = ends - starts
        longest = int(self.lengths.max()) if len(ends) else 0
        self.words = right_aligned(buf, ends, self.lengths, 8 * max(1, (longest + 7) // 8), in_place=True) if longest <= self.WIDEST else None


class _Cells:
    """Cells of one column of a clean CSV file, decoded only when asked for."""

    def __init__(self, grid: _Grid, j: int):
        self.grid, self.j = grid, j

    def __getitem__(self, p: int) -> str:
        return self.grid.cell(p, self.j)


class _RowCells:
    """Cells of one column of a workbook's rows, looked up only when asked for."""

    def __init__(self, rows: list[Sequence], j: int):
        self.rows, self.j = rows, j

    def __getitem__(self, p: int):
        return self.rows[p][self.j]


class _Located:
    """The rows of a clean table, all located: row position k is row number first + k, unit found[k]."""

    def __init__(self, found: Sequence[int], first: int):
        self.found, self.first = found, first

    def __len__(self) -> int:
        return len(self.found)

    def __getitem__(self, k: int) -> tuple[int, int, int, None]:
        return k, self.first + k, self.found[k], None

    def units(self) -> np.ndarray:
        if isinstance(self.found, range):
            return np.arange(self.found.start, self.found.stop, dtype=np.int64)
        return np.asarray(self.found, dtype=np.int64)

    def rows(self) -> np.ndarray:
        return np.arange(self.first, self.first + len(self.found), dtype=np.int32)


# -- one table's values, staged until its whole file has been read -----------------------
class _Stage:
    def __init__(self, t: Table, n: int, layout: str):
        self.t = t
        self.n = n
        self.layout = layout
        self.header_row = 0
        self.rows_read = 0
        self.slots: dict[str, tuple[np.ndarray, str]] = {}  # field -> (values, column letter)
        self.rows: dict[str, np.ndarray] = {}  # long: field -> the row of each unit's value, 0 = none
        self.evidence: dict[tuple[int, str], str] = {}
        self.unit_rows: np.ndarray | None = None  # wide: the row of each unit, 0 = none
        self.headers: list[str] = []
        self.cols: dict[str, str] = {}  # wide: field -> column letter

    def slot(self, f: str, letter: str) -> np.ndarray:
        """The field's values, NaN until read. A long table keeps each field's rows; a wide
        table's are its units' rows (``unit_rows``), one array for all its fields."""
        s = self.slots.get(f)
        if s is None:
            s = self.slots[f] = (np.full(self.n, np.nan), letter)
            if self.layout == "long":
                self.rows[f] = np.zeros(self.n, np.int32)
        return s[0]


@dataclass
class FileInfo:
    file: str
    kind: str  # "csv" | "xlsx"
    sheets: list[dict] = field(default_factory=list)  # sheet, layout, header_row, rows
    owner: str | None = None  # from a template's hidden sheet
    read: bool = True  # False when the file was unreadable


@dataclass
class ReadResult:
    data: Dataset | None
    problems: list[Problem]
    notes: list[Problem]
    files: list[FileInfo]
    bad: set[tuple[int, str]]  # (unit position, field) with a cell problem or a conflict
    wide: list[tuple[str, str | None, np.ndarray, dict[str, str]]]  # (file, sheet, unit rows, field -> column letter)


@dataclass
class _FileRead:
    """One data file as :meth:`_Reader.stage_file` read it, to be merged in its turn."""

    name: str
    info: FileInfo
    problems: list[Problem]
    notes: list[Problem]  # the file's own notes (a byte-order mark, GBK, …), added after its cell notes
    cell_notes: "Notes"
    stages: list["_Stage"]
    bad: set[tuple[int, str]]
    unreadable: Problem | None


class _Reader:
    """The one place where rows become (unit, field, value, evidence), for every file format and layout."""

    def __init__(self, criteria: Criteria, units: Units):
        self.criteria = criteria
        self.units = units
        self.specs = criteria.field_map()
        self.lookup = {clean_text(name).lower(): name for name in self.specs}
        self.parsers = {f: ValueParser(s) for f, s in self.specs.items()}
        n = len(units)
        self.n = n
        self.values: dict[str, np.ndarray] = {}  # field -> its column, once a file gave it a value (see dataset())
        # Where each field's values were read (see Dataset): at a nation's size a column of places
        # and one of rows for each of 78 fields took 106 MB. Places are counted in the smallest
        # integers that hold them (widened when a folder has more), and the fields of one wide
        # table share its units' rows until a second table gives one of them values.
        self.place_of: dict[str, np.ndarray] = {}
        self.place_type: type[np.signedinteger] = np.int8
        self.row_of: dict[str, np.ndarray] = {}
        self.shared_rows: set[str] = set()  # fields whose rows are a wide table's unit_rows
        self.places: list[tuple[str, str]] = []
        self.place_files: list[tuple[str, str | None]] = []
        self._place_index: dict[tuple[str, str], int] = {}
        self.sources: dict[str, list[str]] = {}
        self.evidence: dict[tuple[str, str], str] = {}
        self.problems: list[Problem] = []
        self.notes = Notes()
        self.bad: set[tuple[int, str]] = set()
        self.wide: list[tuple[str, str | None, np.ndarray, dict[str, str]]] = []
        self.files: list[FileInfo] = []
        self.cur_bad: set[tuple[int, str]] = set()

    # -- files ---------------------------------------------------------------------------
    def read_file(self, path: Path, shown_name: str) -> None:
        self.merge(self.stage_file(path, shown_name))

    def stage_file(self, path: Path, shown_name: str) -> "_FileRead":
        """One file read, before it is merged with the files before it: what is read from a file
        does not depend on any other file (the notes it makes are its own, see :meth:`merge`)."""
        real_notes, self.notes = self.notes, Notes()  # this file's cell notes, merged in their turn
        problems: list[Problem] = []
        stages: list[_Stage] = []
        notes: list[Problem] = []
        info = FileInfo(shown_name, "csv")
        self.cur_bad = set()  # this file's bad cells: kept only if the file is read to the end
        unreadable = None
        try:
            kind = sniff(path, shown_name)
            if kind == "text":
                tables = [read_text(path, shown_name, notes)]
                for t in tables:
                    st = self._table(t, problems)
                    if st is not None:
                        stages.append(st)
            else:
                info.kind = "xlsx"
                if path.suffix.lower() in TEXT_EXTS:
                    notes.append(Problem("note.xlsx_named_csv", file=shown_name))
                with open_workbook(path, shown_name) as wb:
                    tables = worksheets(wb, shown_name, notes)
                    if tables and tables[0].meta:
                        info.owner = tables[0].meta.get("owner")
                        self._check_template(tables[0], problems, notes)
                    for t in tables:
                        st = self._table(t, problems)
                        if st is not None:
                            stages.append(st)
        except Unreadable as e:
            unreadable = e.problem
        finally:
            made, self.notes = self.notes, real_notes
        for st in stages:  # what merging reads of the table: its name and sheet (not its rows or bytes)
            st.t = Table(st.t.file, st.t.sheet, iter(()))
        return _FileRead(shown_name, info, problems, notes, made, stages, self.cur_bad, unreadable)

    def merge(self, r: "_FileRead") -> None:
        """A staged file's data, problems and notes added to the files' before it, as reading it
        then and there would have added them."""
        self.notes.cells.update(r.cell_notes.cells)  # keyed by file: none is there yet
        self.notes.items.extend(r.cell_notes.items)
        info = r.info
        if r.unreadable is not None:
            self.notes.discard(r.name)
            self.problems.append(r.unreadable)
            info.read = False
            self.files.append(info)
            return
        self.bad |= r.bad
        for p in r.notes:
            self.notes.add(p)
        if not r.stages and not r.problems:
            self.notes.add(Problem("note.no_data", file=r.name))
        self.problems.extend(r.problems)
        for st in r.stages:
            self._commit(st)
            info.sheets.append({"sheet": st.t.sheet, "layout": st.layout, "header_row": st.header_row, "rows": st.rows_read})
        self.files.append(info)

    def _check_template(self, t: Table, problems: list[Problem], notes: list[Problem]) -> None:
        m, a = t.meta, self.criteria.assessment
        if m.get("schema") != TEMPLATE_SCHEMA:
            return
        if m.get("assessment") != a.name or m.get("year") != str(a.year):
            problems.append(
                Problem("data.template_mismatch", {"name": m.get("assessment", ""), "year": m.get("year", ""), "cname": a.name, "cyear": a.year}, file=t.file)
            )
        elif m.get("criteria_hash") != criteria_hash(self.criteria):
            notes.append(Problem("note.template_changed", {"owner": m.get("owner", "")}, file=t.file))

    # -- one table -------------------------------------------------------------------------
    def _table(self, t: Table, problems: list[Problem]) -> _Stage | None:
        rows = iter(t.rows)
        header = None
        header_row = 0
        seen_content = None
        for rn, row in rows:
            labels = [clean_text(v).lower() for v in row]
            if any(x in _L["id"] or x in _L["name"] for x in labels):
                header, header_row = list(row), rn
                break
            if seen_content is None and any(not is_blank(v) for v in row):
                seen_content = rn
            if rn >= HEADER_SCAN:
                break
        if header is None:
            if seen_content is not None:
                problems.append(Problem("data.no_unit_column", file=t.file, sheet=t.sheet, row=seen_content))
            return None
        labels = [clean_text(v).lower() for v in header]
        long = any(x in _L["field"] for x in labels) and any(x in _L["value"] for x in labels)
        st = _Stage(t, self.n, "long" if long else "wide")
        st.header_row = header_row
        (self._long if long else self._wide)(t, st, header, labels, rows, problems)
        return st

    def _unit_columns(self, labels):
        id_col = next((j for j, x in enumerate(labels) if x in _L["id"]), None)
        name_col = next((j for j, x in enumerate(labels) if x in _L["name"]), None)
        cat_col = next((j for j, x in enumerate(labels) if x in _L["cat"]), None)
        return id_col, name_col, cat_col

    def _field_of(self, label: str, raw) -> tuple[str | None, bool]:
        """The field a header names, and whether it had to be normalised to match."""
        f = self.lookup.get(label)
        if f is not None:
            return f, as_text(raw) != f
        m = _UNIT_SUFFIX.match(label)  # "会前学法次数(次)": the field's unit of measure in brackets
        if m and m.group(1) in self.lookup:
            f = self.lookup[m.group(1)]
            spec = self.specs[f]
            units = {clean_text(spec.unit).lower(), ""} | ({"%"} if spec.kind == "rate" else set())
            if m.group(2) in units:
                return f, True
        return None, False

    def _locate_unit(self, t: Table, st: _Stage, rn: int, row, id_col, name_col, cat_col, problems) -> int | None:
        L = len(row)
        raw_id = row[id_col] if id_col is not None and id_col < L else None
        raw_name = row[name_col] if name_col is not None and name_col < L else None
        for c, raw in ((id_col, raw_id), (name_col, raw_name)):
            chars = control_chars(raw)
            if chars:
                problems.append(cell("data.control_char", {"chars": chars, "value": shown(raw)}, t.file, rn, c, st.headers[c], t.sheet))
                return None
        i, code, args = self.units.find(raw_id, raw_name)
        key_col = id_col if id_col is not None and not is_blank(raw_id) else (name_col if name_col is not None else id_col)
        header = st.headers[key_col] if key_col is not None else ""
        if i is None:
            if code is None:  # no unit given: fine for a blank row, a problem if the row holds anything
                if any(not is_blank(v) for v in row):
                    problems.append(Problem("data.no_unit", file=t.file, sheet=t.sheet, row=rn))
            elif code.startswith("note."):
                self.notes.cell(code, t, rn, key_col, header, raw_id if not is_blank(raw_id) else raw_name)
            else:
                assert args is not None  # Units.find gives a problem code with its args
                problems.append(cell(code, args, t.file, rn, key_col, header, t.sheet))
            return None
        if code is not None:
            self.notes.cell(code, t, rn, key_col, header, raw_id if not is_blank(raw_id) else raw_name)
        if name_col is not None and id_col is not None and not is_blank(raw_id) and code != "note.unit_by_name" and not is_blank(raw_name):
            if raw_name != self.units.names[i] and clean_text(raw_name) != clean_text(self.units.names[i]):
                problems.append(
                    cell(
                        "data.name_mismatch",
                        {"unit": self.units.ids[i], "name": shown(raw_name), "expected_name": self.units.names[i]},
                        t.file,
                        rn,
                        name_col,
                        st.headers[name_col],
                        t.sheet,
                    )
                )
                return None
        if cat_col is not None and cat_col < L and not is_blank(row[cat_col]):
            if row[cat_col] != self.units.cats[i] and clean_text(row[cat_col]) != clean_text(self.units.cats[i]):
                problems.append(
                    cell(
                        "data.category_mismatch",
                        {"unit": self.units.ids[i], "name": self.units.names[i], "value": shown(row[cat_col]), "category": self.units.cats[i]},
                        t.file,
                        rn,
                        cat_col,
                        st.headers[cat_col],
                        t.sheet,
                    )
                )
                return None
        return i

    def _wide(self, t: Table, st: _Stage, header, labels, rows, problems: list[Problem]) -> None:
        st.headers = [as_text(h).strip() if h is not None else "" for h in header]
        hr = st.header_row
        id_col, name_col, cat_col = self._unit_columns(labels)
        fields = []  # (j, field, parser, values)
        ev_cols = []  # (j, field)
        unlabelled = []
        taken: dict[str, int] = {}
        for j, (raw, lab) in enumerate(zip(header, labels)):
            if j in (id_col, name_col, cat_col):
                continue
            if not lab:
                unlabelled.append(j)
                continue
            chars = control_chars(raw)
            if chars:  # reported; the column is still read as the field it names, so no follow-on "missing"
                problems.append(cell("data.control_char", {"chars": chars, "value": shown(raw)}, t.file, hr, j, st.headers[j], t.sheet))
                raw = CONTROL.sub("", raw)
                lab = clean_text(raw).lower()
                st.headers[j] = raw
            if lab.endswith(EVIDENCE_SUFFIX) and lab != EVIDENCE_SUFFIX:
                f, _ = self._field_of(lab[: -len(EVIDENCE_SUFFIX)], raw)
                if f is not None:
                    ev_cols.append((j, f))
                    continue
            f, changed = self._field_of(lab, raw)
            if f is None:
                if lab in _L["ignored"]:
                    self.notes.add(
                        Problem(
                            "note.column_ignored",
                            {"name": st.headers[j]},
                            file=t.file,
                            sheet=t.sheet,
                            row=hr,
                            column=f"{column_letter(j)}（{st.headers[j]}）",
                            cell=f"{column_letter(j)}{hr}",
                        )
                    )
                    continue
                import difflib  # only when a name is not found: the suggestion

                close = difflib.get_close_matches(lab, list(self.lookup), n=3, cutoff=0.4)
                known = "、".join(self.lookup[c] for c in close) or "—"
                problems.append(
                    cell("data.unknown_column", {"name": st.headers[j], "known": known, "value": st.headers[j]}, t.file, hr, j, st.headers[j], t.sheet)
                )
                continue
            if f in taken:
                problems.append(cell("data.duplicate_column", {"field": f, "other": column_letter(taken[f])}, t.file, hr, j, st.headers[j], t.sheet))
                continue
            taken[f] = j
            if changed:
                self.notes.add(cell("note.header", {"name": f, "value": st.headers[j]}, t.file, hr, j, st.headers[j], t.sheet))
            fields.append((j, f, self.parsers[f], st.slot(f, column_letter(j))))
        st.cols = {f: column_letter(j) for j, f, *_ in fields}
        st.unit_rows = np.zeros(self.n, np.int32)
        self._wide_columns(t, st, rows, id_col, name_col, cat_col, fields, ev_cols, unlabelled, len(header), problems)

    def _wide_columns(self, t: Table, st: _Stage, rows, id_col, name_col, cat_col, fields, ev_cols, unlabelled, width: int, problems: list[Problem]) -> None:
        """The rows of a wide table as ``_wide`` reads them, with the field cells parsed a column at a time.

        First the rows: their units, unlabelled cells and duplicates, each problem and note
        recorded with the row it belongs to. Then each field's column (see ``parse_column``);
        only the cells it leaves go through the field's parser one by one. Problems and notes
        are then reported in the order reading row by row gives: a row's own, then its cells'
        from left to right.
        """
        unit_rows = st.unit_rows
        assert unit_rows is not None  # _wide makes it before reading the rows
        reported: set[int] = set()
        row_problems: list[tuple[int, int, int, Problem]] = []  # (row position, 0, n, problem)
        row_notes = _RowNotes()
        listed: list[tuple[int, int, int, Sequence]] = []  # (row position, row number, unit, cells) of the rows read one by one
        clean: _Located | None = None
        fast = None if unlabelled else _clean_csv(t, st, self.units, id_col, name_col, cat_col, fields, ev_cols, width)
        if fast is not None:
            clean, numbers, texts, grid = fast
            rows = ()  # every row is a usual one: nothing to report about the rows themselves
        elif id_col is not None and not unlabelled:
            rows = list(rows)
            usual = _usual_rows(rows, id_col, name_col, cat_col, width, self.units)
            if usual is not None:
                listed, rows = usual, []  # every row is a usual one: nothing to report about the rows themselves
        real_notes = self.notes
        self.notes = row_notes  # _locate_unit notes through self.notes
        exact, names, cats = self.units.exact, self.units.names, self.units.cats
        first: dict[int, int] = {}  # unit -> the row it was first read from
        try:
            for k, (rn, row) in enumerate(rows):
                if id_col is not None and not unlabelled and len(row) == width:
                    # the usual row: a listed id as it stands, its own name and category (if given), as wide as the header
                    raw_id = row[id_col]
                    i = exact.get(raw_id) if type(raw_id) is str else None
                    if i is not None and i not in first and (name_col is None or row[name_col] == names[i]) and (cat_col is None or row[cat_col] == cats[i]):
                        first[i] = rn
                        listed.append((k, rn, i, row))
                        continue
                row_notes.k = k
                plist: list[Problem] = []
                i = self._locate_unit(t, st, rn, row, id_col, name_col, cat_col, plist)
                _unlabelled_cells(t, rn, row, width, unlabelled, reported, plist)
                if i is not None:
                    if i in first:
                        plist.append(
                            Problem(
                                "data.duplicate_row",
                                {"unit": self.units.ids[i], "name": self.units.names[i], "other": first[i]},
                                file=t.file,
                                sheet=t.sheet,
                                row=rn,
                            )
                        )
                    else:
                        first[i] = rn
                        listed.append((k, rn, i, row))
                row_problems += [(k, 0, n, p) for n, p in enumerate(plist)]
        finally:
            self.notes = real_notes
        located: _Located | list[tuple[int, int, int, Sequence]] = clean if clean is not None else listed
        st.rows_read = len(located)
        cell_problems: list[tuple[int, int, int, Problem]] = []  # (row position, 1, column, problem)
        cell_notes: list[tuple[int, int, int, tuple]] = []
        if clean is not None:
            units, row_numbers = clean.units(), clean.rows()
        else:
            units = np.asarray([i for _, _, i, _ in listed], dtype=np.int64)
            row_numbers = np.asarray([rn for _, rn, _, _ in listed], dtype=np.int32)
        unit_rows[units] = row_numbers
        in_order = clean is not None and clean.found == range(self.n)
        table = [row for _, _, _, row in listed] if fast is None else []
        short = min(map(len, table), default=width) < width
        number_cols = [j for j, _, parse, _ in fields if parse.kind != "bool"]
        plain = t.plain_numbers is not None and t.plain_numbers()
        block = float_block(table, number_cols, plain) if table and number_cols and not short else None
        by_column = list(zip(*table)) if table and not short and block is None else None  # every row as wide as the header: all columns at once
        for j, f, parse, vals in fields:
            cells: _Cells | _RowCells | Sequence
            if fast is not None and j in numbers:  # numbers read in one pass; only odd ones go through parse
                values = numbers[j]
                unsure = np.nonzero(odd_numbers(values, parse))[0].tolist()
                cells = _Cells(grid, j)
            elif block is not None and parse.kind != "bool":  # every cell of the number columns a float
                values, unsure = float_column(block[:, number_cols.index(j)].copy(), parse)
                cells = _RowCells(table, j)
            else:
                if fast is not None:
                    column = texts[j]
                else:
                    column = by_column[j] if by_column is not None else [row[j] if j < len(row) else None for row in table]
                values, unsure = parse_column(parse, column)
                cells = column
            for p in unsure:
                k, rn, i, _ = located[p]
                raw = cells[p]
                v, code, args, nts = parse(raw)
                for c in nts:
                    cell_notes.append((k, 1, j, (c, t, rn, j, f, raw)))
                if code is not None:
                    cell_problems.append((k, 1, j, cell(code, args, t.file, rn, j, f, t.sheet)))
                    self.cur_bad.add((i, f))
                    values[p] = np.nan
                else:
                    values[p] = np.nan if v is None else v
            if t.blank_cause is not None:  # a workbook: is an empty cell merged away or an unsaved formula result?
                for p in np.nonzero(np.isnan(values))[0].tolist():
                    if cells[p] is None or cells[p] == "":
                        k, rn, i, _ = located[p]
                        self._explain_blank(t, rn, j, f, i, lambda problem: cell_problems.append((k, 1, j, problem)))
            if in_order:  # every unit in its row of the unit list: the column as it is
                np.copyto(vals, values)
            else:
                ok = ~np.isnan(values)
                vals[units[ok]] = values[ok]
        if ev_cols and clean is not None:
            for p, i in enumerate(clean.found):
                for j, f in ev_cols:
                    text = texts[j][p]
                    if not is_blank(text):
                        st.evidence[(i, f)] = text.strip()
        elif ev_cols:
            for _, _, i, row in listed:
                L = len(row)
                for j, f in ev_cols:
                    if j < L and not is_blank(row[j]):
                        st.evidence[(i, f)] = as_text(row[j]).strip()
        if ev_cols and st.evidence:  # one search over all evidence text; cell by cell only when it finds something
            if CONTROL.search("\n".join(st.evidence.values())):
                at = {i: (k, rn) for k, rn, i, _ in (located[p] for p in range(len(located)))}  # unit -> its row
                for (i, f), text in list(st.evidence.items()):
                    chars = control_chars(text)
                    if chars:
                        k, rn = at[i]
                        j = next(j for j, g in ev_cols if g == f)
                        header = st.headers[j]
                        cell_problems.append((k, 1, j, cell("data.control_char", {"chars": chars, "value": shown(text)}, t.file, rn, j, header, t.sheet)))
                        del st.evidence[(i, f)]
        key = lambda e: e[:3]  # noqa: E731 - row, then the row's own before its cells, then column
        problems.extend(p for *_, p in sorted(row_problems + cell_problems, key=key))
        for *_, args in sorted(row_notes.by_row + cell_notes, key=key):
            real_notes.cell(*args)

    def _long(self, t: Table, st: _Stage, header, labels, rows, problems: list[Problem]) -> None:
        st.headers = [as_text(h).strip() if h is not None else "" for h in header]
        id_col, name_col, cat_col = self._unit_columns(labels)
        f_col = next(j for j, x in enumerate(labels) if x in _L["field"])
        v_col = next(j for j, x in enumerate(labels) if x in _L["value"])
        e_col = next((j for j, x in enumerate(labels) if x in _L["evidence"]), None)
        letter = column_letter(v_col)
        count = 0
        for rn, row in rows:
            L = len(row)
            i = self._locate_unit(t, st, rn, row, id_col, name_col, cat_col, problems)
            if i is None:
                continue
            raw_f = row[f_col] if f_col < L else None
            if is_blank(raw_f):
                if (v_col < L and not is_blank(row[v_col])) or (e_col is not None and e_col < L and not is_blank(row[e_col])):
                    problems.append(cell("data.no_field", {}, t.file, rn, f_col, st.headers[f_col], t.sheet))
                continue
            f, changed = self._field_of(clean_text(raw_f).lower(), raw_f)
            if f is None:
                import difflib  # only when a name is not found: the suggestion

                close = difflib.get_close_matches(clean_text(raw_f).lower(), list(self.lookup), n=3, cutoff=0.4)
                problems.append(
                    cell(
                        "data.unknown_field",
                        {"name": shown(raw_f), "value": shown(raw_f), "known": "、".join(self.lookup[c] for c in close) or "—"},
                        t.file,
                        rn,
                        f_col,
                        st.headers[f_col],
                        t.sheet,
                    )
                )
                continue
            if changed:
                self.notes.cell("note.field_name", t, rn, f_col, st.headers[f_col], raw_f)
            vals = st.slot(f, letter)
            rws = st.rows[f]
            if rws[i]:
                problems.append(
                    Problem("data.duplicate_value", {"unit": self.units.ids[i], "field": f, "other": int(rws[i])}, file=t.file, sheet=t.sheet, row=rn)
                )
                self.cur_bad.add((i, f))
                continue
            count += 1
            raw = row[v_col] if v_col < L else None
            v, code, args, nts = self.parsers[f](raw)
            for c in nts:
                self.notes.cell(c, t, rn, v_col, st.headers[v_col], raw)
            if code is not None:
                problems.append(cell(code, args, t.file, rn, v_col, st.headers[v_col], t.sheet))
                self.cur_bad.add((i, f))
                rws[i] = rn
                continue
            if (raw is None or raw == "") and t.blank_cause is not None:
                self._explain_blank(t, rn, v_col, f, i, problems.append)
            rws[i] = rn  # the row is taken even when blank, so a second row for it is a duplicate
            if v is not None:
                vals[i] = v
            if e_col is not None and e_col < L and not is_blank(row[e_col]):
                chars = control_chars(row[e_col])
                if chars:
                    problems.append(cell("data.control_char", {"chars": chars, "value": shown(row[e_col])}, t.file, rn, e_col, st.headers[e_col], t.sheet))
                    continue
                st.evidence[(i, f)] = as_text(row[e_col]).strip()
        st.rows_read = count

    def _explain_blank(self, t: Table, rn: int, j: int, f: str, i: int, report) -> None:
        """An empty workbook cell that is not a blank the unit left: refused, never read as "not submitted"."""
        assert t.blank_cause is not None  # called for workbooks only, which tell why a cell is empty
        why = t.blank_cause(rn, j)
        if why is None:
            return
        kind, detail = why
        args = {"unit": self.units.ids[i], "name": self.units.names[i], "field": f}
        if kind == "merged":
            report(cell("data.merged_cell", {**args, "range": detail, "first": detail.split(":")[0]}, t.file, rn, j, f, t.sheet))
        else:
            report(cell("data.uncached_formula", {**args, "formula": detail}, t.file, rn, j, f, t.sheet))
        self.cur_bad.add((i, f))

    # -- merging a staged table -------------------------------------------------------------
    def _place(self, t: Table, letter: str) -> int:
        key = (t.prefix, letter)
        k = self._place_index.get(key)
        if k is None:
            k = self._place_index[key] = len(self.places)
            self.places.append(key)
            self.place_files.append((t.file, t.sheet))
            if k > np.iinfo(self.place_type).max:  # one more place than these integers hold
                self.place_type = np.int16 if k <= np.iinfo(np.int16).max else np.int32
                self.place_of = {f: a.astype(self.place_type) for f, a in self.place_of.items()}
        return k

    def _where(self, f: str, i: int) -> str:
        prefix, letter = self.places[self.place_of[f][i]]
        return f"{prefix}{letter}{self.row_of[f][i]}"

    def _commit(self, st: _Stage) -> None:
        t = st.t
        for f, (vals, letter) in st.slots.items():
            has = ~np.isnan(vals)
            if not has.any():
                continue
            rws = st.rows[f] if f in st.rows else st.unit_rows
            assert rws is not None  # a wide table has its units' rows, a long one each field's
            if f not in self.place_of:  # the field's first values: the staged column becomes the field's
                self.values[f] = vals
                place = self._place(t, letter)
                self.place_of[f] = np.full(self.n, -1, self.place_type)
                self.place_of[f][has] = place
                if f in st.rows:
                    rws[~has] = 0  # a long table's blank cell keeps its row in the stage, not in the data
                else:
                    self.shared_rows.add(f)
                self.row_of[f] = rws
                if t.file not in self.sources.setdefault(f, []):
                    self.sources[f].append(t.file)
                continue
            cur = self.values[f]
            both = has & ~np.isnan(cur)
            if both.any():
                with np.errstate(invalid="ignore"):
                    same = np.isclose(cur, vals, rtol=1e-9, atol=1e-12)
                for i in np.nonzero(both & ~same)[0].tolist():
                    r = int(rws[i])
                    self.problems.append(
                        Problem(
                            "data.conflict",
                            {
                                "unit": self.units.ids[i],
                                "field": f,
                                "a": f"{cur[i]:g}",
                                "where_a": self._where(f, i),
                                "b": f"{vals[i]:g}",
                                "where_b": f"{t.prefix}{letter}{r}",
                            },
                            file=t.file,
                            sheet=t.sheet,
                            row=r,
                            column=f"{letter}（{f}）",
                            cell=f"{letter}{r}",
                        )
                    )
                    self.bad.add((int(i), f))
                has &= ~both
            cur[has] = vals[has]
            place = self._place(t, letter)
            self.place_of[f][has] = place
            if f in self.shared_rows:  # rows of the first table's fields: this field's own from now on
                self.shared_rows.discard(f)
                self.row_of[f] = self.row_of[f].copy()
            self.row_of[f][has] = rws[has]
            src = self.sources.setdefault(f, [])
            if t.file not in src:
                src.append(t.file)
        for (i, f), text in st.evidence.items():
            key = (self.units.ids[i], f)
            old = self.evidence.get(key)
            self.evidence[key] = text if old is None or old == text else f"{old}；{text}"
        if st.layout == "wide" and st.unit_rows is not None:
            self.wide.append((t.file, t.sheet, st.unit_rows, st.cols))

    def dataset(self) -> Dataset:
        u = self.units
        blank = [f for f, s in self.specs.items() if s.formula is None]  # every field submitted, in the criteria's order, then any other
        values = {f: self.values[f] if f in self.values else np.full(self.n, np.nan) for f in blank}
        values.update(self.values)
        return Dataset(
            list(u.ids),
            list(u.names),
            list(u.cats),
            values,
            {f: "、".join(s) for f, s in self.sources.items()},
            self.evidence,
            self.places,
            self.place_of,
            self.row_of,
            self.notes.problems(),
            self.place_files,
        )


# -- the unit list ------------------------------------------------------------------------
def _units_file(folder: Path, problems: list[Problem]) -> Path | None:
    found = [folder / n for n in UNITS_FILES if (folder / n).exists()]
    if len(found) > 1:
        problems.append(Problem("data.two_unit_lists", {"files": "、".join(p.name for p in found)}, file=str(folder)))
    return found[0] if found else None


def read_units(path: Path, criteria: Criteria, problems: list[Problem], notes: Notes) -> Units | None:
    """The unit list (CSV or the first sheet of an XLSX): 单位编号, 单位名称, 类别."""
    shown_name = path.name
    file_notes: list[Problem] = []
    try:
        kind = sniff(path, shown_name)
        if kind == "text":
            return _units_from(read_text(path, shown_name, file_notes), criteria, problems, notes, file_notes)
        with open_workbook(path, shown_name) as wb:
            tables = worksheets(wb, shown_name, file_notes)
            if not tables:
                problems.append(Problem("data.missing_column", {"name": "单位编号", "need": "单位编号, 单位名称, 类别"}, file=shown_name, row=1))
                return None
            return _units_from(tables[0], criteria, problems, notes, file_notes)
    except Unreadable as e:
        problems.append(e.problem)
        return None


def _units_from(t: Table, criteria: Criteria, problems: list[Problem], notes: Notes, file_notes) -> Units | None:
    need = "单位编号, 单位名称, 类别"
    rows = iter(t.rows)
    header = None
    for rn, row in rows:
        labels = [clean_text(v).lower() for v in row]
        if any(x in _L["id"] for x in labels):
            header, hrow = row, rn
            break
        if rn >= HEADER_SCAN:
            break
    if header is None:
        problems.append(Problem("data.missing_column", {"name": "单位编号", "need": need}, file=t.file, sheet=t.sheet, row=1))
        return None
    labels = [clean_text(v).lower() for v in header]
    wanted = [next((j for j, x in enumerate(labels) if x in _L[k]), None) for k in ("id", "name", "cat")]
    missing = False
    for c, label in zip(wanted, ("单位编号", "单位名称", "类别")):
        if c is None:
            problems.append(Problem("data.missing_column", {"name": label, "need": need}, file=t.file, sheet=t.sheet, row=hrow))
            missing = True
    if missing:
        return None
    cols = [c for c in wanted if c is not None]  # all three found
    for p in file_notes:
        notes.add(p)
    known = {clean_text(c): c for c in criteria.categories}
    clean = _clean_units(t, hrow, len(header), cols, known)
    if clean is not None:
        return clean
    ids, names, cats, seen = [], [], [], {}
    headers = [as_text(h).strip() if h is not None else "" for h in header]
    width = len(header)
    c_id, c_name, c_cat = cols
    for rn, row in rows:
        if len(row) == width:  # the usual row: an id and a category that need no cleaning, met for the first time
            raw_id, raw_name, raw_cat = row[c_id], row[c_name], row[c_cat]
            if (
                type(raw_id) is str
                and type(raw_name) is str
                and type(raw_cat) is str
                and raw_id
                and raw_id not in seen
                and raw_id.isprintable()
                and raw_name.isprintable()
                and clean_text(raw_id) == raw_id
                and clean_text(raw_cat) == raw_cat
                and raw_cat in known
            ):
                seen[raw_id] = rn
                ids.append(raw_id)
                names.append(raw_name.strip())
                cats.append(known[raw_cat])
                continue
        row = list(row) + [None] * (len(header) - len(row))
        raw_id, raw_name, raw_cat = (row[c] for c in cols)
        if all(is_blank(v) for v in row):
            continue
        uid = clean_text(raw_id)
        if not uid:
            problems.append(cell("data.blank_unit_id", {}, t.file, rn, cols[0], headers[cols[0]], t.sheet))
            continue
        for c, raw in ((cols[0], raw_id), (cols[1], raw_name)):
            chars = control_chars(raw)
            if chars:
                problems.append(cell("data.control_char", {"chars": chars, "value": shown(raw)}, t.file, rn, c, headers[c], t.sheet))
        if control_chars(raw_id) or control_chars(raw_name):  # reported once; listed without them, so no follow-on problems
            uid, raw_name = CONTROL.sub("", uid), CONTROL.sub("", raw_name) if type(raw_name) is str else raw_name
        if shown(raw_id).strip() != uid:
            notes.cell("note.unit_cleaned", t, rn, cols[0], headers[cols[0]], raw_id)
        if uid in seen:
            problems.append(Problem("data.duplicate_unit", {"unit": uid, "other": seen[uid]}, file=t.file, sheet=t.sheet, row=rn))
            continue
        cat = known.get(clean_text(raw_cat))
        if cat is None:  # reported; the unit stays on the list so its rows elsewhere are not reported again
            problems.append(
                cell(
                    "data.unknown_category",
                    {"unit": uid, "name": shown(raw_cat) if raw_cat is not None else "", "known": "、".join(criteria.categories)},
                    t.file,
                    rn,
                    cols[2],
                    headers[cols[2]],
                    t.sheet,
                )
            )
            cat = shown(raw_cat).strip() if raw_cat is not None else ""
        seen[uid] = rn
        ids.append(uid)
        names.append(as_text(raw_name).strip() if raw_name is not None else "")
        cats.append(cat)
    return Units(ids, names, cats)


def _clean_units(t: Table, hrow: int, width: int, cols, known: dict[str, str]) -> Units | None:
    """A clean CSV unit list read in one pass, or None to read it row by row: every row the
    usual one (an id and a category that need no cleaning, each id once, a name with nothing
    to strip or refuse)."""
    grid = _Grid.of(t, hrow, width)
    if grid is None:
        return None
    cells = grid.all_texts()
    ids, names, cats = (cells[j::width] for j in cols)
    kinds = set(cats)
    if not kinds <= known.keys() or not all_clean(list(kinds)) or "" in ids or not all_clean(ids):
        return None
    joined = "".join(names)
    if not joined.isprintable() or " " in joined:  # a name to strip, or with a character to refuse: row by row
        return None
    units = Units(ids, names, [known[c] for c in cats])  # the criteria's own strings: one each, not one per unit
    return units if len(units.exact) == len(ids) else None  # else an id twice


# -- the folder -----------------------------------------------------------------------------
def read_submissions(folder: str | Path, criteria: Criteria) -> ReadResult:
    """Read a data folder, collecting every problem and note; never raises for bad data."""
    with paused():  # a workbook's rows are thousands of new lists (see core.cycles)
        return read_with(_Reader, folder, criteria)


def read_with(reader_class: type[_Reader], folder: str | Path, criteria: Criteria) -> ReadResult:
    """:func:`read_submissions` with a given reader: the tests' row-by-row reader (their oracle)
    reads the same folders through it, to compare with the reader here."""
    folder = Path(folder)
    problems: list[Problem] = []
    notes = Notes()
    if not folder.is_dir():
        return ReadResult(None, [Problem("data.dir_missing", file=str(folder))], [], [], set(), [])
    upath = _units_file(folder, problems)
    if upath is None:
        return ReadResult(None, [Problem("data.no_units", file=str(folder))], [], [], set(), [])
    units = read_units(upath, criteria, problems, notes)
    if units is None:
        return ReadResult(None, problems, notes.problems(), [], set(), [])
    reader = reader_class(criteria, units)
    reader.notes = notes
    reader.problems = problems
    entries = [(path, _kind(path)) for path in sorted(folder.iterdir(), key=lambda p: p.name)]
    staged = _staged_on_two(reader, [path for path, kind in entries if kind == "data"]) if reader_class is _Reader else None
    for path, kind in entries:  # in the folder's order: a note where it comes, each file merged in its turn
        if kind == "lock":
            notes.add(Problem("note.lock_file", file=path.name))
        elif kind == "folder":
            notes.add(Problem("note.subfolder", file=path.name))
        elif kind == "data":
            r = staged(path.name) if staged is not None else None
            reader.merge(r if r is not None else reader.stage_file(path, path.name))
    return ReadResult(reader.dataset(), reader.problems, reader.notes.problems(), reader.files, reader.bad, reader.wide)


def _kind(path: Path) -> str:
    """What an entry of a data folder is: "units" (the unit list), "lock" (an open workbook's lock file:
    noted), "skipped" (hidden, Thumbs.db, desktop.ini), "folder" (noted) or "data"."""
    name = path.name
    if name in UNITS_FILES:
        return "units"
    if name.startswith("~$"):
        return "lock"
    if name.startswith(".") or name.lower() in ("thumbs.db", "desktop.ini"):
        return "skipped"
    return "folder" if path.is_dir() else "data"


def _staged_on_two(reader: _Reader, paths: list[Path]) -> Callable[[str], _FileRead | None] | None:
    """Every data file staged, part in a forked process and the rest here: what gives a file's
    staged reading by name when it is merged (None for a file not staged: the caller stages it
    then). None when the folder is read one file after another."""
    if len(paths) < 2 or len(paths) > _QUEUED or not parallel.two_processors():
        return None
    sizes = {p: p.stat().st_size for p in paths}
    if sum(sizes.values()) < READ_ON_TWO_FROM:
        return None
    try:  # the largest first: whichever process is free takes the next
        forked = _Forked(reader, sorted(paths, key=lambda q: (-sizes[q], q.name)))
    except OSError:  # no process to be had (a limit on processes, no memory for one): one after another
        return None
    try:
        own = forked.stage_here(reader)
    except BaseException:
        forked.result()  # not left behind
        raise

    def staged(name: str) -> _FileRead | None:
        return own[name] if name in own else forked.result().get(name)

    return staged


# A folder whose data files come to at least this many bytes is read on two processors where the command
# line allows it (scoring.parallel): the command and a forked process each stage the next file from a
# queue, and every file is merged here in the folder's order, giving the very data, problems and notes
# of reading them one after another.
READ_ON_TWO_FROM = 16 << 20
_QUEUED = 4096  # the most files put in the queue: 4 bytes each, all written before either process takes one (a pipe holds 64 KiB)


def _taken(queue: int, paths: list[Path]) -> Iterator[Path]:
    """The files this process takes from the queue, one at a time, until none is left: each read of
    4 bytes from a pipe is whole and no other reader's, so each file is taken by one process only."""
    while True:
        got = os.read(queue, 4)
        if not got:
            return
        yield paths[int.from_bytes(got, "little")]


class _Forked:
    """Data files staged by two processes, this one and a forked one (:mod:`scoring.parallel`): each
    takes the next file from a queue (a pipe) when it is free. What the forked one could not send is
    staged here in its turn, by the caller."""

    def __init__(self, reader: _Reader, paths: list[Path]):
        self.got: dict[str, _FileRead] | None = None
        self.paths = paths
        queue, fill = os.pipe()
        os.write(fill, b"".join(k.to_bytes(4, "little") for k in range(len(paths))))
        os.close(fill)  # every file queued: a read of the empty queue then says there is none left
        try:
            self.there = parallel.Forked(lambda: [reader.stage_file(p, p.name) for p in _taken(queue, paths)])
        except OSError:
            os.close(queue)
            raise
        self.queue = queue

    def stage_here(self, reader: _Reader) -> dict[str, _FileRead]:
        """The files this process takes from the queue, staged, by name."""
        try:
            return {p.name: reader.stage_file(p, p.name) for p in _taken(self.queue, self.paths)}
        finally:
            os.close(self.queue)

    def result(self) -> dict[str, _FileRead]:
        """The files the forked process staged, by name (none when it failed)."""
        if self.got is None:
            self.got = {r.name: r for r in self.there.result() or []}
        return self.got


def read_folder(folder: str | Path, criteria: Criteria) -> Dataset:
    """The data folder as a Dataset; raises DataError listing every problem found."""
    res = read_submissions(folder, criteria)
    if res.problems:
        raise DataError(res.problems)
    assert res.data is not None  # only a folder read with a problem has no data
    return res.data


def _unlabelled_cells(t, rn: int, row, width: int, unlabelled: list[int], reported: set[int], problems: list[Problem]) -> None:
    """Report a filled cell in a column the header does not name, once per column."""
    L = len(row)
    if L > width:  # cells right of the header's last column
        for j in range(width, L):
            if not is_blank(row[j]) and j not in reported:
                unlabelled.append(j)
                reported.add(j)
    for j in list(unlabelled):
        if j < L and not is_blank(row[j]):
            problems.append(cell("data.unlabelled_column", {"value": shown(row[j])}, t.file, rn, j, "", t.sheet))
            unlabelled.remove(j)
            reported.add(j)
