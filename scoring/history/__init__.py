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
from .lookback import NoRecord, Outcome, compare_years, outcomes, unit_history
from .stamp import Stamp, make_stamp
from .store import DEFAULT_NAME, ENV, RunInfo, Store, UnitRow, default_path, open_store

__all__ = [
    "DEFAULT_NAME", "ENV", "NoRecord", "Outcome", "RunInfo", "Stamp", "Store", "UnitRow",
    "compare_years", "default_path", "make_stamp", "open_store", "outcomes", "unit_history",
]
