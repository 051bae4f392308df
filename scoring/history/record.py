"""From scoring results to what a run stores (and what ``verify`` compares)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Sequence

from ..core.engine import Results
from ..core.explain import ranked, unit_sheets
from .store import AliasRow, ModuleRow, RunRecord, UnitRow

SHEET_LANG = "zh"  # score sheets are stored in the office's language
BLOCK = 100  # units whose sheets are made together: long columns, a bounded number of sheets in memory
DATA_SUFFIXES = {".csv", ".tsv", ".txt", ".xlsx", ".xlsm", ".xls", ".et", ".json"}


def result_rows(res: Results) -> tuple[list[UnitRow], list[ModuleRow]]:
    """Every unit's numbers and score sheet, and every module score, in rank order (the sheets of
    BLOCK units at a time, their lines made a column at a time: the same sheets as one by one)."""
    units: list[UnitRow] = []
    modules: list[ModuleRow] = []
    for cs in res.categories.values():
        order = ranked(res, cs)
        sheets = (sheet for k in range(0, len(order), BLOCK) for sheet in unit_sheets(res, cs, order[k : k + BLOCK], SHEET_LANG))
        for pos, sheet in zip(order, sheets):
            units.append(
                UnitRow(
                    sheet["id"],
                    sheet["name"],
                    cs.category,
                    sheet["total"],
                    sheet["rank"],
                    sheet["of"],
                    sheet["grade"],
                    bool(cs.failed[pos]),
                    bool(cs.no_excellent[pos]),
                    json.dumps(sheet, ensure_ascii=False, sort_keys=True, separators=(",", ":")),
                )
            )
            for m in sheet["modules"]:
                modules.append(ModuleRow(sheet["id"], m["id"], m["name"], m["weight"], m["score"], m["contribution"]))
    return units, modules


def data_files(folder: str | Path) -> list[tuple[str, bytes]]:
    """The submitted files of a data folder (top level, data formats only), as bytes."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    return [
        (p.name, p.read_bytes()) for p in sorted(folder.iterdir()) if p.is_file() and not p.name.startswith((".", "~$")) and p.suffix.lower() in DATA_SUFFIXES
    ]


def build_record(
    res: Results,
    registry,
    *,
    criteria_raw: bytes,
    criteria_path: str,
    data_path: str,
    operator: str,
    files: Sequence[tuple[str, bytes]] = (),
    corrects: int | None = None,
    reason: str | None = None,
    note: str = "",
) -> RunRecord:
    from .. import __version__

    c = res.criteria
    units, modules = result_rows(res)
    methods = {leaf.method.name: registry.source.get(leaf.method.name, "") for leaf in res.plan.leaves.values()}
    return RunRecord(
        series=c.series,
        year=c.assessment.year,
        assessment=c.assessment.name,
        operator=operator,
        criteria_raw=criteria_raw,
        criteria_path=criteria_path,
        data=res.data,
        data_path=data_path,
        engine=__version__,
        plugins=dict(registry.versions),
        methods=methods,
        precision=c.assessment.precision,
        units=units,
        modules=modules,
        files=list(files),
        aliases=[AliasRow(a.old, a.new, a.year, a.note) for a in c.history.aliases],
        corrects=corrects,
        reason=reason,
        note=note,
    )
