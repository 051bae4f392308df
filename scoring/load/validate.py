"""`scoring validate`: read a data folder against a plan and report everything at once.

Problems (scoring must not go on), gaps (every missing value an indicator or veto meets,
with what its ``missing`` policy does) and notes (normalisations applied).  A gap whose
policy is "error" is also a problem, located at the blank cell where the unit's row and
the field's column meet when a wide sheet has both.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..core import consistency
from ..core.cycles import pausing
from ..core.engine import derive
from ..core.plan import Plan
from ..core.scope import scope_problems
from ..core.usage import Gap, bases, find_gaps
from ..errors import Problem
from .criteria_file import locate
from .submissions import FileInfo, ReadResult, read_submissions


# refusals of a whole file: nothing in it was read
UNREADABLE = frozenset(
    {
        "data.cannot_open",
        "data.encrypted",
        "data.legacy_format",
        "data.not_spreadsheet",
        "data.empty_file",
        "data.corrupt",
        "data.no_unit_column",
        "data.template_mismatch",
    }
)


@dataclass
class Report:
    """What `scoring validate` found in a data folder: the reading, its problems and the gaps."""

    folder: str
    result: ReadResult
    problems: list[Problem]
    gaps: list[Gap] = field(default_factory=list)
    _gap_cells: dict[int, tuple[str, str | None, int | None, str | None]] | None = field(default=None, repr=False)

    @property
    def data(self):
        return self.result.data

    @property
    def notes(self) -> list[Problem]:
        return self.result.notes

    @property
    def files(self) -> list[FileInfo]:
        return self.result.files

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def gap_cells(self) -> dict[int, tuple[str, str | None, int | None, str | None]]:
        """Gap index -> (file, sheet, row, column letter) of its blank cell, where a wide sheet has both;
        found when first asked for (the validate report): a nation's data has tens of thousands."""
        if self._gap_cells is None:
            self._gap_cells = {}
            for k, g in enumerate(self.gaps):
                where = _locate(self.result, g.unit, g.field)
                if where is not None:
                    self._gap_cells[k] = where
        return self._gap_cells


def owner_of(plan: Plan, field_name: str) -> str:
    """Who submits a field; for a derived one, who submits what it is computed from."""
    specs = plan.criteria.field_map()
    spec = specs.get(field_name)
    if spec is not None and spec.formula is not None:
        owners = []
        for b in bases(plan).get(field_name, []):
            o = specs[b].owner if b in specs else ""
            if o and o not in owners:
                owners.append(o)
        return "、".join(owners) or "—"
    return (spec.owner if spec is not None else "") or "—"


def _absent_files(plan: Plan, data, gaps: list[Gap]) -> tuple[list[Gap], list[Problem]]:
    """Gaps explained by a whole submission missing, and one problem per missing submission.

    A data owner none of whose fields any file provided sent nothing: "未收到县司法局的报送文件".
    A unit that reported none of its self-reported (本单位) fields sent no workbook of its own.
    Such a problem is made where a gap would stop scoring anyway (policy "error"); the
    owner's other gaps are folded into it.  Otherwise the gaps stay listed one by one.
    """
    from .template import SELF_OWNERS, safe_filename

    year = plan.criteria.assessment.year
    specs = plan.criteria.field_map()
    own: dict[str, list[str]] = {}
    for f in plan.criteria.fields:
        if f.formula is None and f.owner.strip():
            own.setdefault(f.owner.strip(), []).append(f.name)

    def sent(fields: list[str], unit: int | None = None) -> bool:
        for f in fields:
            col = data.values.get(f)
            if col is not None and (~np.isnan(col) if unit is None else ~np.isnan(col[unit : unit + 1])).any():
                return True
        return False

    silent = {o for o, fs in own.items() if o not in SELF_OWNERS and not sent(fs)}
    self_fields = [f for o in SELF_OWNERS for f in own.get(o, [])]
    owner_of_field = {f: spec.owner.strip() for f, spec in specs.items()}
    # an owner who sent nothing is one problem where any of its gaps would stop scoring
    silent = {owner_of_field[g.field] for g in gaps if g.reason == "blank" and g.policy == "error" and owner_of_field.get(g.field) in silent}
    if not silent and not self_fields:  # nothing to fold: the usual folder
        return list(gaps), []
    kept: list[Gap] = []
    hit: dict[str, set[int]] = {}
    hit_self: dict[int, list[str]] = {}
    for g in gaps:
        owner = owner_of_field.get(g.field, "")
        if g.reason == "blank" and owner in silent:  # its other gaps are the same missing file
            hit.setdefault(owner, set()).add(g.unit)
        elif g.reason == "blank" and owner in SELF_OWNERS and g.policy == "error" and not sent(self_fields, g.unit):
            if g.field not in hit_self.setdefault(g.unit, []):
                hit_self[g.unit].append(g.field)
        else:
            kept.append(g)
    out = [
        Problem(
            "data.owner_absent",
            {"owner": o, "file": safe_filename(f"{year}-{o}-报送表") + ".xlsx", "csv": f"{o}.csv", "fields": "、".join(own[o]), "units": len(units)},
        )
        for o, units in hit.items()
    ]
    out += [
        Problem(
            "data.self_absent",
            {
                "unit": data.ids[i],
                "name": data.names[i],
                "fields": "、".join(fs),
                "file": safe_filename(f"{year}-{data.ids[i]}-{data.names[i]}-报送表") + ".xlsx",
            },
        )
        for i, fs in hit_self.items()
    ]
    return kept, out


def _locate(res: ReadResult, pos: int, field_name: str):
    """(file, sheet, row, column letter) of the blank cell for a unit and field, if a wide sheet has both."""
    for file, sheet, unit_rows, cols in res.wide:
        letter = cols.get(field_name)
        if letter is not None and unit_rows[pos]:
            return file, sheet, int(unit_rows[pos]), letter
    return None


@pausing  # the gaps: a nation's data has about 90 000 (see core.cycles)
def validate(plan: Plan, folder: str | Path) -> Report:
    res = read_submissions(folder, plan.criteria)
    report = Report(str(folder), res, list(res.problems))
    data = res.data
    if data is None:
        return report
    if plan.scopes:  # units named in the criteria must be on the unit list: located in the criteria file
        found = scope_problems(plan, data.ids, data.names)
        if found and plan.located is not None:
            found = locate(found, *plan.located)
        report.problems.extend(found)
    if any(p.code in UNREADABLE for p in report.problems):
        # a file that could not be read is the cause: every value it held would read as "missing",
        # so its refusal stands alone; gaps are listed once the file is readable
        return report
    cols = derive(plan, data)
    report.problems += consistency.problems(plan, data, cols)
    gaps = find_gaps(plan, data, cols)
    if res.bad:
        gaps = [g for g in gaps if (g.unit, g.field) not in res.bad]
    # a workbook that never arrived is one problem naming it, not one line per unit and field
    gaps, absent = _absent_files(plan, data, gaps)
    report.problems.extend(absent)
    report.gaps = gaps
    base_of = bases(plan)
    inputs: dict[tuple[str, str], list[str]] = {}  # (derived field, blank input) -> its other inputs
    for g in gaps:
        if g.policy != "error":
            if g.reason != "blank":
                continue
            others = inputs.get((g.reads, g.field))
            if others is None:
                others = inputs[(g.reads, g.field)] = [b for b in base_of.get(g.reads, ()) if b != g.field]
            if not others:  # a field read as it is: no other input to have been given
                continue
            given = [b for b in others if not np.isnan(data.column(b)[g.unit])]  # the inputs the unit did submit
            if given:  # half of a formula's inputs given: not a unit without this work, a value forgotten
                where = _locate(res, g.unit, g.field)
                args = {
                    "unit": data.ids[g.unit],
                    "name": data.names[g.unit],
                    "field": g.field,
                    "indicator": f"{g.id} {g.name}",
                    "given": "、".join(given),
                    "derived": g.reads,
                    "policy": g.policy,
                }
                if where is not None:
                    file, sheet, row, letter = where
                    report.problems.append(
                        Problem("data.gap_partial", args, file=file, sheet=sheet, row=row, column=f"{letter}（{g.field}）", cell=f"{letter}{row}")
                    )
                else:
                    report.problems.append(Problem("data.gap_partial", args))
            continue
        where = _locate(res, g.unit, g.field)
        label = f"{g.id} {g.name}"
        args = {"unit": data.ids[g.unit], "name": data.names[g.unit], "field": g.field, "indicator": label, "owner": owner_of(plan, g.field)}
        code = "data.gap_formula" if g.reason == "formula" else ("data.missing_veto" if g.kind == "veto" else "data.gap_error")
        if g.kind == "veto":
            args["veto"] = g.name
        if where is not None:
            file, sheet, row, letter = where
            report.problems.append(Problem(code, args, file=file, sheet=sheet, row=row, column=f"{letter}（{g.field}）", cell=f"{letter}{row}"))
        else:
            report.problems.append(Problem(code, args))
    return report
