"""`scoring progress`: how far collection has come, per data owner and per unit.

The workbooks expected are exactly those ``scoring template`` writes for the unit list
(one per data owner, one per unit for self-reported fields).  A file in the data folder
is taken as one of them when

1. its hidden ``_模板信息`` sheet names the owner (a returned template, even renamed), or
2. its name, without the extension, is the template's file name, the owner's name, or for
   a self-reported workbook the unit's id, name or "id-name", or
3. its name contains the owner's (or unit's) name, the longest such name winning.

A workbook none of whose values arrived is *missing*; one without a file of its own whose
values came in other files (a data owner sending its figures inside another owner's
table) is *elsewhere*.  Blank fields, problems and notes come from the one validation
pipeline (:func:`scoring.load.validate.validate`): nothing is read twice, nothing is
read differently.  A blank required cell is listed as still blank, not as a problem.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..core.plan import Plan
from ..errors import DataError, Problem
from .submissions import UNITS_FILES, Units
from .template import SELF_OWNERS, plan_templates
from .validate import Report, validate
from .values import clean_text

# problems that are blank cells the criteria require: listed as "still blank", not as problems;
# and a whole submission not received, which the progress lists as a missing workbook
GAP_CODES = ("data.gap_error", "data.missing_veto", "data.owner_absent", "data.self_absent")


@dataclass
class Blank:
    unit: int  # position in the unit list
    field: str
    policy: str  # "error" | "exclude" | "zero": what a blank does, the strictest of its uses
    uses: list[str]  # indicators and vetoes that read it


@dataclass
class Workbook:
    file: str  # the name `scoring template` gives it
    owner: str  # the data owner, or the unit's id for a self-reported workbook
    label: str  # how people name it: the owner, or "id 名称"
    unit: int | None  # the unit, for a self-reported workbook
    fields: list[str]
    rows: list[int]  # the units it has a row for
    received: list[str] = field(default_factory=list)  # files taken as this workbook
    via: list[str] = field(default_factory=list)  # other files its values came in
    blanks: list[Blank] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def status(self) -> str:
        if self.received:
            return "received"
        return "elsewhere" if self.via else "missing"

    @property
    def required(self) -> list[Blank]:
        return [b for b in self.blanks if b.policy == "error"]


@dataclass
class Progress:
    plan: Plan
    report: Report
    units: Units
    workbooks: list[Workbook]
    others: list[tuple[str, list[str]]]  # files taken as no workbook, with the fields they gave
    general: list[Problem]  # problems tied to no workbook (unit list, unmatched files, …)
    due: dt.date | None

    @property
    def missing(self) -> list[Workbook]:
        return [w for w in self.workbooks if w.status == "missing"]

    def unit_blanks(self, pos: int) -> list[tuple[Workbook, Blank]]:
        return [(w, b) for w in self.workbooks for b in w.blanks if b.unit == pos]

    def unit_bad_fields(self, pos: int) -> list[str]:
        """Fields of this unit with a cell problem or a conflict (the validation pipeline's own record)."""
        return sorted(f for i, f in self.report.result.bad if i == pos)

    def unit_problems(self, pos: int) -> list[Problem]:
        uid = self.units.ids[pos]
        seen, out = set(), []
        for p in [p for w in self.workbooks for p in w.problems] + self.general:
            if p.args.get("unit") == uid and id(p) not in seen:
                seen.add(id(p))
                out.append(p)
        return out


_DATE = re.compile(r"^\s*(\d{4})\s*(?:[-/.年])\s*(\d{1,2})\s*(?:[-/.月])\s*(\d{1,2})\s*日?\s*$")


def parse_due(text: str) -> dt.date:
    """ "2021-01-15", "2021/1/15", "2021.1.15" or "2021年1月15日" → a date; ValueError otherwise."""
    m = _DATE.match(text)
    if not m:
        raise ValueError(text)
    return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))


def _labels(w: Workbook, units: Units) -> tuple[set[str], list[str]]:
    """(names a file may carry exactly, names a file name may contain) for one workbook."""
    stem = Path(w.file).stem
    if w.unit is not None:
        uid, name = units.ids[w.unit], units.names[w.unit]
        exact = {stem, uid, name, f"{uid}-{name}", f"{uid}{name}"}
        return {clean_text(x) for x in exact}, [clean_text(name)] if len(name) > 1 else []
    return {clean_text(stem), clean_text(w.owner)}, [clean_text(w.owner)]


def _match(files, workbooks: list[Workbook], units: Units) -> dict[str, Workbook]:
    """file name → the workbook it is taken as (files matching none, or two equally, are left out)."""
    by_owner = {w.owner: w for w in workbooks}
    labels = [_labels(w, units) for w in workbooks]
    out: dict[str, Workbook] = {}
    for f in files:
        if f.owner and f.owner in by_owner:  # a returned template: its hidden sheet says whose it is
            out[f.file] = by_owner[f.owner]
            continue
        stem = clean_text(Path(f.file).stem)
        exact = [w for w, (names, _) in zip(workbooks, labels) if stem in names]
        if len(exact) == 1:
            out[f.file] = exact[0]
            continue
        if exact:
            continue
        best, hits = 0, []
        for w, (_, parts) in zip(workbooks, labels):
            for p in parts:
                if p and p in stem:
                    if len(p) > best:
                        best, hits = len(p), [w]
                    elif len(p) == best and w not in hits:
                        hits.append(w)
        if len(hits) == 1:
            out[f.file] = hits[0]
    return out


def collect(plan: Plan, folder: str | Path, due: dt.date | None = None) -> Progress:
    """Read the folder once through the validation pipeline and sort what it found by workbook."""
    report = validate(plan, folder)
    data = report.data
    if data is None:  # no unit list: nothing can be expected
        raise DataError(report.problems)
    listed = [p for p in report.problems if p.file in UNITS_FILES]
    if listed:  # the workbooks expected follow from the unit list: it must be right first
        raise DataError(listed)
    units = Units(list(data.ids), list(data.names), list(data.categories))
    jobs, _ = plan_templates(plan, units)
    specs = plan.criteria.field_map()
    workbooks = []
    for name, owner, fields, rows in jobs:
        self_reported = specs[fields[0]].owner.strip() in SELF_OWNERS
        unit = rows[0] if self_reported else None
        label = f"{units.ids[unit]} {units.names[unit]}" if unit is not None else owner
        workbooks.append(Workbook(name, owner, label, unit, fields, rows))

    matched = _match(report.files, workbooks, units)
    for file, w in matched.items():
        w.received.append(file)
    # whose workbook a field of a unit belongs to
    home: dict[tuple[int, str], Workbook] = {}
    for w in workbooks:
        for f in w.fields:
            for i in w.rows:
                home[(i, f)] = w
    for w in workbooks:
        if w.received:
            continue
        via: list[str] = []
        at = np.asarray(w.rows, dtype=int)
        for f in w.fields:
            col = data.values.get(f)
            if col is None or not (~np.isnan(col[at])).any():
                continue
            for src in (data.sources.get(f) or "").split("、"):
                if src and src not in via and matched.get(src) is not w:
                    via.append(src)
        w.via = via

    # blanks: every needed submitted field a unit has not given, with the strictest policy among its uses
    order = {"error": 0, "zero": 1, "exclude": 2}
    blanks: dict[tuple[int, str], Blank] = {}
    for g in report.gaps:
        if g.reason != "blank":
            continue
        label = f"{g.id} {g.name}"
        b = blanks.get((g.unit, g.field))
        if b is None:
            blanks[(g.unit, g.field)] = Blank(g.unit, g.field, g.policy, [label])
        else:
            if order[g.policy] < order[b.policy]:
                b.policy = g.policy
            if label not in b.uses:
                b.uses.append(label)
    for key, b in blanks.items():
        holder = home.get(key)
        if holder is not None:  # every needed submitted field has a workbook row for the units needing it
            holder.blanks.append(b)

    general: list[Problem] = []
    position = {u: i for i, u in enumerate(data.ids)}
    for p in report.problems:
        if p.code in GAP_CODES:
            continue  # a blank the criteria require: listed with the workbook's blanks
        book = matched.get(p.file) if p.file else None
        if book is None and p.code == "data.gap_formula":
            unit_at = position.get(p.args.get("unit"))
            book = home.get((unit_at, p.args["field"])) if unit_at is not None else None
        (book.problems if book is not None else general).append(p)
    others = []
    for info in report.files:
        if info.file in matched:
            continue
        gave = [name for name, src in data.sources.items() if info.file in src.split("、")]
        others.append((info.file, gave))
    return Progress(plan, report, units, workbooks, others, general, due)
