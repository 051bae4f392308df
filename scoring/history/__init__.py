"""Years: the results history (考核结果历史库), reproducible runs, corrections after appeal.

All the I/O of history lives here; the engine core (``scoring.core``) knows nothing of it.

    from scoring.history import open_store, outcomes

    with open_store("scoring-history.sqlite") as db:
        got = outcomes(db, ["XZ03"], [2018, 2019, 2020])
        got[("XZ03", 2019)]          # Outcome(...) or NoRecord(..., reason="no_final_run")

Modules:
    store      the SQLite store: schema, transactions, final runs frozen
    canonical  canonical bytes and hash of the data as scored
    stamp      the stamp every output carries (criteria / data hashes, versions)
    record     results → what a run stores
    previous   last year's values for change_vs_last_year (``<field>@上年`` columns)
    lineage    unit ids across 机构改革 (aliases)
    lookback   published outcomes per unit and year, a unit's history, year over year
    diff       what differs between two runs' inputs and results
    reproduce  verify and rescore
"""

from __future__ import annotations

import importlib

_PUBLIC = {
    "NoRecord": "lookback",
    "Outcome": "lookback",
    "compare_years": "lookback",
    "outcomes": "lookback",
    "unit_history": "lookback",
    "Stamp": "stamp",
    "make_stamp": "stamp",
    "DEFAULT_NAME": "store",
    "ENV": "store",
    "RunInfo": "store",
    "Store": "store",
    "UnitRow": "store",
    "default_path": "store",
    "open_store": "store",
}
__all__ = sorted(_PUBLIC)


def __getattr__(name: str):
    """Public names load their module on first use: `scoring run` without --save never loads sqlite3."""
    if name in _PUBLIC:
        return getattr(importlib.import_module(f".{_PUBLIC[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
