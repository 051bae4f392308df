"""The year the portal collects: its criteria, its unit list, the workbook each owner owes, and the
data folder a run is scored from (the unit list and each owner's latest clean upload)."""

from __future__ import annotations

import sqlite3
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Iterator

from .. import api
from ..errors import DataError, Problem
from . import portal


def read_units(crit: api.LoadedCriteria, content: bytes, name: str):
    """The unit list from its bytes (checked as ``scoring validate`` checks it)."""
    from ..load.submissions import Notes, read_units as read

    with tempfile.TemporaryDirectory(prefix="scoring-units-") as d:
        path = Path(d) / name
        path.write_bytes(content)
        problems: list[Problem] = []
        units = read(path, crit.criteria, problems, Notes())
    if problems or units is None:
        raise DataError(problems)
    return units


@dataclass(frozen=True)
class Workbook:
    file: str  # the template's file name (as `scoring template` writes it)
    owner: str  # the data owner, or a unit's id for a self-reported workbook
    fields: list[str]
    units: int  # how many units it has a row for


class Year:
    """What the portal collects for, read once when the server starts."""

    def __init__(self, conn: sqlite3.Connection):
        from ..load.template import plan_templates

        self.criteria_path = portal.info(conn, "criteria")
        self.crit = api.load_criteria(self.criteria_path)
        self.units_name: str = portal.info(conn, "units_name")
        self.units_bytes: bytes = portal.info(conn, "units")
        self.units = read_units(self.crit, self.units_bytes, self.units_name)
        jobs, _ = plan_templates(self.crit.plan, self.units)
        self.workbooks = {owner: Workbook(name, owner, fields, len(rows)) for name, owner, fields, rows in jobs}

    @property
    def title(self) -> str:
        return self.crit.criteria.assessment.name

    def unit_name(self, uid: str) -> str:
        return dict(zip(self.units.ids, self.units.names)).get(uid, uid)

    def stored_name(self, owner: str, uploaded: str) -> str:
        """An upload is kept under its template's name with the uploaded file's extension, so the
        data folder holds one file per owner, each matched to its workbook by name."""
        return Path(self.workbooks[owner].file).stem + Path(uploaded).suffix.lower()

    @contextmanager
    def folder(self, files: list[tuple[str, bytes]]) -> Iterator[Path]:
        """A data folder with the unit list and ``files``, removed afterwards."""
        with tempfile.TemporaryDirectory(prefix="scoring-serve-") as d:
            folder = Path(d)
            (folder / self.units_name).write_bytes(self.units_bytes)
            for name, content in files:
                (folder / name).write_bytes(content)
            yield folder

    def check(self, owner: str, uploaded: str, content: bytes) -> list[dict]:
        """Every problem of one owner's workbook, as ``scoring validate`` words it (cell, what, fix);
        [] when it is clean. Other owners' workbooks are not read: an owner sees its own alone."""
        name = self.stored_name(owner, uploaded)
        with self.folder([(name, content)]) as folder:
            progress = api.progress(self.crit, folder)
        mine = [w for w in progress.workbooks if w.owner == owner]
        problems = [
            p
            for p in progress.report.problems
            if p.file == name or (p.file is None and p.args.get("owner") == owner) or (p.file is None and p.args.get("unit") == owner)
        ]
        if not mine or name not in mine[0].received:  # another owner's template, sent by mistake
            others = [w.label for w in progress.workbooks if name in w.received]
            problems.insert(0, Problem("serve.wrong_workbook", {"owner": owner, "other": "、".join(others) or "—"}, file=uploaded))
        # located in the file as the owner named it, not the name it is kept under
        return [shown(replace(p, file=uploaded) if p.file == name else p) for p in problems]


def shown(p: Problem) -> dict:
    """A problem as a page shows it: where, what, what was expected, how to fix."""
    return {"where": p.where(), "message": p.message(), "expected": p.expected() or "", "hint": p.hint() or ""}
