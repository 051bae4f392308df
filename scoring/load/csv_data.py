"""Submitted data from CSV files as Excel and WPS save them (UTF-8, with or without BOM).

A data folder holds:
  units.csv   单位编号, 单位名称, 类别 — every unit assessed
  *.csv       wide tables from data owners: a unit column (单位编号 or 单位名称) and one
              column per field; a column "<字段>佐证材料" carries the evidence for that field.
Every problem in every file is collected and reported together, located by file,
row and column.
"""
from __future__ import annotations

import csv
import difflib
from pathlib import Path

import numpy as np

from ..core.criteria import Criteria
from ..core.dataset import Dataset
from ..errors import DataError, Problem
from .values import cell, parse_value

ID_COLS = ("单位编号", "编号", "id", "unit_id")
NAME_COLS = ("单位名称", "名称", "name", "unit")
CAT_COLS = ("类别", "单位类别", "category")
EVIDENCE_SUFFIX = "佐证材料"


def _read_rows(path: Path, problems: list[Problem]) -> list[list[str]] | None:
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        problems.append(Problem("data.not_utf8", file=path.name))
        return None
    try:
        rows = list(csv.reader(text.splitlines()))
    except csv.Error as e:
        problems.append(Problem("data.bad_csv", {"detail": str(e)}, file=path.name))
        return None
    return [r for r in rows if any(c.strip() for c in r)] if rows else []


def _find(header: list[str], names) -> int | None:
    for i, h in enumerate(header):
        if h.strip().lower() in names:
            return i
    return None


def read_units(path: Path, criteria: Criteria, problems: list[Problem]):
    rows = _read_rows(path, problems)
    if rows is None:
        return [], [], []
    if not rows:
        problems.append(Problem("data.missing_column", {"name": "单位编号", "need": "单位编号, 单位名称, 类别"}, file=path.name, row=1))
        return [], [], []
    header = [h.strip() for h in rows[0]]
    cols = [_find(header, ID_COLS), _find(header, NAME_COLS), _find(header, CAT_COLS)]
    for c, label in zip(cols, ("单位编号", "单位名称", "类别")):
        if c is None:
            problems.append(Problem("data.missing_column", {"name": label, "need": "单位编号, 单位名称, 类别"}, file=path.name, row=1))
    if None in cols:
        return [], [], []
    ids, names, cats, seen = [], [], [], {}
    known = set(criteria.categories)
    for r, row in enumerate(rows[1:], start=2):
        row = row + [""] * (len(header) - len(row))
        uid, name, cat = (row[c].strip() for c in cols)
        if uid in seen:
            problems.append(Problem("data.duplicate_unit", {"unit": uid, "other": seen[uid]}, file=path.name, row=r))
            continue
        if cat not in known:
            problems.append(cell("data.unknown_category", {"unit": uid, "name": cat, "known": "、".join(criteria.categories)},
                                 path.name, r, cols[2], header[cols[2]]))
        seen[uid] = r
        ids.append(uid)
        names.append(name)
        cats.append(cat)
    return ids, names, cats


def read_folder(folder: str | Path, criteria: Criteria) -> Dataset:
    folder = Path(folder)
    problems: list[Problem] = []
    if not folder.is_dir():
        raise DataError(Problem("data.dir_missing", file=str(folder)))
    units = folder / "units.csv"
    if not units.exists():
        raise DataError(Problem("data.no_units", file=str(folder)))
    ids, names, cats = read_units(units, criteria, problems)
    pos = {u: i for i, u in enumerate(ids)}
    by_name = {}
    for i, nm in enumerate(names):
        by_name.setdefault(nm, i)
    specs = criteria.field_map()
    values = {f: np.full(len(ids), np.nan) for f, s in specs.items() if s.formula is None}
    where: dict[tuple[int, str], tuple[float, str]] = {}
    sources: dict[str, set[str]] = {}
    evidence: dict[tuple[str, str], str] = {}

    for path in sorted(folder.glob("*.csv")):
        if path.name == "units.csv":
            continue
        rows = _read_rows(path, problems)
        if not rows:
            continue
        header = [h.strip() for h in rows[0]]
        id_col, name_col = _find(header, ID_COLS), _find(header, NAME_COLS)
        unit_col = id_col if id_col is not None else name_col
        if unit_col is None:
            problems.append(Problem("data.no_unit_column", file=path.name, row=1))
            continue
        fields: list[tuple[int, str]] = []
        ev_cols: list[tuple[int, str]] = []
        for j, h in enumerate(header):
            if j in (id_col, name_col) or h.lower() in CAT_COLS or not h:
                continue
            if h.endswith(EVIDENCE_SUFFIX) and h[: -len(EVIDENCE_SUFFIX)] in specs:
                ev_cols.append((j, h[: -len(EVIDENCE_SUFFIX)]))
            elif h in specs and specs[h].formula is None:
                fields.append((j, h))
            elif h in specs:  # a derived field given directly overrides nothing silently
                fields.append((j, h))
                values.setdefault(h, np.full(len(ids), np.nan))
            else:
                close = difflib.get_close_matches(h, list(specs), n=3, cutoff=0.3)
                problems.append(cell("data.unknown_column", {"name": h, "known": "、".join(close) or "—"}, path.name, 1, j, h))
        for r, row in enumerate(rows[1:], start=2):
            row = row + [""] * (len(header) - len(row))
            key = row[unit_col].strip()
            i = pos.get(key) if unit_col == id_col else by_name.get(key)
            if i is None and unit_col == id_col and name_col is not None:
                i = by_name.get(row[name_col].strip())
            if i is None:
                problems.append(cell("data.unknown_unit", {"unit": key}, path.name, r, unit_col, header[unit_col]))
                continue
            for j, f in fields:
                v, code, args = parse_value(row[j], specs[f])
                if code:
                    problems.append(cell(code, args, path.name, r, j, f))
                    continue
                if v is None:
                    continue
                prev = where.get((i, f))
                if prev is not None and prev[0] != v:
                    problems.append(cell("data.conflict", {"unit": ids[i], "field": f, "a": f"{prev[0]:g}", "where_a": prev[1],
                                                           "b": f"{v:g}", "where_b": f"{path.name} 第{r}行"}, path.name, r, j, f))
                    continue
                where[(i, f)] = (v, f"{path.name} 第{r}行")
                values[f][i] = v
                sources.setdefault(f, set()).add(path.name)
            for j, f in ev_cols:
                if row[j].strip():
                    evidence[(ids[i], f)] = row[j].strip()
    if problems:
        raise DataError(problems)
    return Dataset(ids, names, cats, values, {f: "、".join(sorted(s)) for f, s in sources.items()}, evidence)
