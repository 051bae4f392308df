"""Submitted data as the engine sees it: units and one float column per field.

Last year's value of a field travels as one more column named ``<field>@上年``
(:func:`previous_name`).  The engine does not know where such a column comes from:
the command line fills it from the history store (:mod:`scoring.history.previous`)
before scoring, so the core stays free of I/O and a run stays reproducible from its
stored inputs alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import repeat

import numpy as np

PREVIOUS_SUFFIX = "@上年"


def previous_name(field: str) -> str:
    """The column holding last year's value of ``field``."""
    return field + PREVIOUS_SUFFIX


def previous_of(name: str) -> str | None:
    """``"编制人数@上年"`` → ``"编制人数"``; ``None`` for a name that is not a previous-year column."""
    if name.endswith(PREVIOUS_SUFFIX) and len(name) > len(PREVIOUS_SUFFIX):
        return name[: -len(PREVIOUS_SUFFIX)]
    return None


# repr=False, eq=False: its fields are arrays (== on them says nothing, a repr prints them whole),
# and Python compiles every method a dataclass generates each time the module is imported
@dataclass(repr=False, eq=False)
class Dataset:
    """The units and their values, one column per field, with where each value was read."""

    ids: list[str]
    names: list[str]
    categories: list[str]
    values: dict[str, np.ndarray]  # field -> float64 per unit, NaN = not submitted
    sources: dict[str, str] = field(default_factory=dict)  # field -> where it came from (file)
    evidence: dict[tuple[str, str], str] = field(default_factory=dict)  # (unit id, field) -> 佐证材料
    # Where each value was read, per field: an index into ``places`` per unit (-1: nowhere)
    # and the row, read only where the index is not -1 (fields read from one table may share
    # one array of rows); a place is "file sheet!" or "file " plus the column letter.
    places: list[tuple[str, str]] = field(default_factory=list)  # (prefix, column letter)
    place_of: dict[str, np.ndarray] = field(default_factory=dict)  # field -> signed integers per unit
    row_of: dict[str, np.ndarray] = field(default_factory=dict)  # field -> int32 per unit
    notes: list = field(default_factory=list)  # normalisations applied while reading (errors.Problem)
    place_files: list[tuple[str, str | None]] = field(default_factory=list)  # (file, sheet) of each place

    def __post_init__(self) -> None:
        n = len(self.ids)
        assert len(self.names) == n and len(self.categories) == n
        for f, col in self.values.items():
            assert len(col) == n, f

    def __len__(self) -> int:
        return len(self.ids)

    def category_codes(self, categories: Sequence[str]) -> np.ndarray:
        """Each unit's category as its place in ``categories`` (int32; -1: none of them).

        One dict lookup per unit: comparing an array of the category texts with each category
        costs a Python comparison per unit and category (13 ms for a nation's three, this 7 ms)."""
        code = dict(zip(categories, range(len(categories))))
        return np.fromiter(map(code.get, self.categories, repeat(-1)), np.int32, len(self.categories))

    def column(self, name: str) -> np.ndarray:
        col = self.values.get(name)
        return col if col is not None else np.full(len(self), np.nan)

    def cell_of(self, pos: int, name: str) -> str | None:
        """The cell a unit's value of a field was read from, e.g. "县司法局.xlsx 报送数据!F12"."""
        where = self.place_of.get(name)
        if where is None or where[pos] < 0:
            return None
        prefix, letter = self.places[where[pos]]
        return f"{prefix}{letter}{self.row_of[name][pos]}"

    def source_file(self, pos: int, name: str) -> str | None:
        """The file this unit's value of a field was read from, when known; else every file the
        field came from.  A self-reported field (one workbook per unit) thus names only the
        unit's own workbook on its sheet, never the other units'."""
        every = self.sources.get(name)
        where = self.place_of.get(name)
        if every is None or where is None or where[pos] < 0 or where[pos] >= len(self.place_files):
            return every
        return self.place_files[where[pos]][0]

    def cell_parts(self, pos: int, name: str) -> tuple[str, str | None, int, str] | None:
        """(file, sheet, row, column letter) of the cell a unit's value of a field was read from."""
        where = self.place_of.get(name)
        if where is None or where[pos] < 0 or where[pos] >= len(self.place_files):
            return None
        file, sheet = self.place_files[where[pos]]
        return file, sheet, int(self.row_of[name][pos]), self.places[where[pos]][1]

    def take(self, order: list[int]) -> "Dataset":
        """The same data with units in another order (used by tests of permutation invariance)."""
        idx = np.asarray(order, dtype=int)
        return Dataset(
            [self.ids[i] for i in order],
            [self.names[i] for i in order],
            [self.categories[i] for i in order],
            {f: v[idx] for f, v in self.values.items()},
            dict(self.sources),
            dict(self.evidence),
            list(self.places),
            {f: v[idx] for f, v in self.place_of.items()},
            {f: v[idx] for f, v in self.row_of.items()},
            list(self.notes),
            list(self.place_files),
        )
