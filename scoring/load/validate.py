"""`scoring validate`: read a data folder against a plan and report everything at once.

Problems (scoring must not go on), gaps (every missing value an indicator or veto meets,
with what its ``missing`` policy does) and notes (normalisations applied).  A gap whose
policy is "error" is also a problem, located at the blank cell where the unit's row and
the field's column meet when a wide sheet has both.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..core.plan import Plan
from ..core.usage import Gap, bases, find_gaps
from ..errors import Problem
from .submissions import FileInfo, ReadResult, read_submissions


@dataclass
class Report:
    folder: str
    result: ReadResult
    problems: list[Problem]
    plan: Plan | None = None
    _gaps: list[Gap] | None = field(default=None, repr=False)
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
    def gaps(self) -> list[Gap]:
        """Every missing value an indicator or veto meets, found when first asked for: a run needs
        only those that stop it (already among the problems), a nation's data has tens of thousands."""
        if self._gaps is None:
            self._gaps = [] if self.data is None or self.plan is None else _unreported_gaps(self.plan, self.result)
        return self._gaps

    @property
    def gap_cells(self) -> dict[int, tuple[str, str | None, int | None, str | None]]:
        """Gap index -> (file, sheet, row, column letter) of its blank cell, where a wide sheet has both."""
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


def _locate(res: ReadResult, pos: int, field_name: str):
    """(file, sheet, row, column letter) of the blank cell for a unit and field, if a wide sheet has both."""
    for file, sheet, unit_rows, cols in res.wide:
        letter = cols.get(field_name)
        if letter is not None and unit_rows[pos]:
            return file, sheet, int(unit_rows[pos]), letter
    return None


def _unreported_gaps(plan: Plan, res: ReadResult, policies=None) -> list[Gap]:
    """Gaps, leaving out the cells already reported as bad."""
    return [g for g in find_gaps(plan, res.data, policies=policies) if (g.unit, g.field) not in res.bad]


def validate(plan: Plan, folder: str | Path) -> Report:
    res = read_submissions(folder, plan.criteria)
    report = Report(str(folder), res, list(res.problems), plan)
    data = res.data
    if data is None:
        return report
    for g in _unreported_gaps(plan, res, policies={"error"}):  # the gaps that stop scoring are problems
        where = _locate(res, g.unit, g.field)
        label = f"{g.id} {g.name}"
        args = {"unit": data.ids[g.unit], "name": data.names[g.unit], "field": g.field, "indicator": label,
                "owner": owner_of(plan, g.field)}
        code = "data.gap_formula" if g.reason == "formula" else ("data.missing_veto" if g.kind == "veto" else "data.gap_error")
        if g.kind == "veto":
            args["veto"] = g.name
        if where is not None:
            file, sheet, row, letter = where
            report.problems.append(Problem(code, args, file=file, sheet=sheet, row=row, column=f"{letter}（{g.field}）", cell=f"{letter}{row}"))
        else:
            report.problems.append(Problem(code, args))
    return report
