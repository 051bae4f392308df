"""The history store: one SQLite file holding every saved run (stdlib ``sqlite3``).

Where it is: ``--db PATH``, else the environment variable ``SCORING_DB``, else
``scoring-history.sqlite`` in the current folder (the folder the office works in).

What it holds (schema version 3, see ``SCHEMA``):

    store_info      format name, schema version, when created
    criteria_texts  criteria files, by sha256 of their bytes (the text, exactly)
    datasets        data as scored, canonical bytes (zlib), by sha256 (see canonical.py)
    files           the submitted files' bytes (zlib), by sha256
    runs            one row per run: series, year, status (draft/final), time, operator,
                    criteria and data hashes, engine and plugin versions, methods used,
                    and for a correction: the run it corrects and the reason
    run_files       which files (name, hash, size) a run read
    unit_results    per unit: category, total, rank, of (units in category), grade,
                    failed (一票否决), no_excellent (否优), and the score sheet as JSON
    module_results  per unit and module: weight, score, weighted contribution
    aliases         unit ids changed by 机构改革, as declared in a run's criteria
    seals           per final run: the sealed document (canonical JSON), its sha256, the
                    previous seal's sha256 (a chain), the office's public key and signature
                    (see seal.py); store_info keeps the office's public key
    events          every change to a run, in order (saved, finalized, deleted, published,
                    objection recorded / decided, correction): author, time, reason, details;
                    each row's digest chains it to the row before (cycle.py)
    publications    a run's 公示期 (from, to), who published it and when
    objections      objections to a published run: unit, indicator or field, text, when it
                    came in (late or not), who recorded it; evidence files kept by sha256
    rulings         the office's decision on an objection (accepted with corrected values,
                    or rejected), with its reason; applied: which correction run applied it
    imports         runs brought in from an earlier year's published sheet (imported.py)

Version 3 tables are insert-only: triggers refuse every UPDATE and DELETE, so nothing in
them is ever overwritten; a seal made after an event covers the event chain up to it.

Reliability:

* every write is one transaction opened with ``BEGIN IMMEDIATE`` (the write lock is
  taken at once, so two writers queue instead of failing half-way; a writer waits up to
  ``TIMEOUT`` seconds for the other);
* rollback journal with ``synchronous=FULL``: a process killed mid-write leaves a
  journal that the next opener rolls back, so the store is as it was.  The journal mode
  is kept (not WAL) so the store stays one file; ``scoring backup`` copies it through
  SQLite's online backup API (backup.py), never as raw bytes;
* a file that is not an SQLite database, an SQLite database of another program, a
  newer schema version, or a damaged file is refused with a clear message; nothing is
  ever written to it;
* final runs are frozen by triggers inside the database itself: their rows cannot be
  updated or deleted, whatever program opens the file.  A correction is a new run.
  Opening checks the triggers are all there, unchanged; what is changed around them is
  caught by the seals (seal.py), checked on every read of a final run.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Iterable, Literal

from ..core.dataset import Dataset
from ..errors import HistoryError, Problem
from . import canonical
from .location import DEFAULT_NAME, ENV, default_path  # noqa: F401 - the store's own names too

FORMAT = "scoring-history"
VERSION = 3  # 2: seals; 3: events, 公示, objections, imports (older stores gain the tables when opened)
APPLICATION_ID = 0x53434F52  # "SCOR" in the SQLite header: marks the file as ours
TIMEOUT = 30.0
SQLITE_MAGIC = b"SQLite format 3\x00"

_FROZEN = "scoring-history: final runs and stored results are never changed"

SEALS_TABLE = """CREATE TABLE seals (seq INTEGER PRIMARY KEY AUTOINCREMENT, run_id INTEGER NOT NULL UNIQUE REFERENCES runs(id),
                    document TEXT NOT NULL, digest TEXT NOT NULL, previous TEXT NOT NULL,
                    public_key TEXT NOT NULL, signature TEXT NOT NULL);
"""
SEALS_TRIGGERS = f"""
CREATE TRIGGER seals_no_update BEFORE UPDATE ON seals BEGIN SELECT RAISE(ABORT, '{_FROZEN}'); END;
CREATE TRIGGER seals_no_delete BEFORE DELETE ON seals BEGIN SELECT RAISE(ABORT, '{_FROZEN}'); END;
CREATE TRIGGER store_info_key_no_update BEFORE UPDATE ON store_info WHEN OLD.key = 'office_public_key'
BEGIN SELECT RAISE(ABORT, '{_FROZEN}'); END;
CREATE TRIGGER store_info_key_no_delete BEFORE DELETE ON store_info WHEN OLD.key = 'office_public_key'
BEGIN SELECT RAISE(ABORT, '{_FROZEN}'); END;
"""

CYCLE_TABLES = """CREATE TABLE events (seq INTEGER PRIMARY KEY AUTOINCREMENT, run_id INTEGER NOT NULL, at TEXT NOT NULL,
                     operator TEXT NOT NULL, kind TEXT NOT NULL, reason TEXT NOT NULL, detail TEXT NOT NULL,
                     digest TEXT NOT NULL);
CREATE INDEX events_by_run ON events(run_id);
CREATE TABLE publications (id INTEGER PRIMARY KEY AUTOINCREMENT, run_id INTEGER NOT NULL REFERENCES runs(id),
                           start TEXT NOT NULL, "end" TEXT NOT NULL, operator TEXT NOT NULL, at TEXT NOT NULL,
                           reason TEXT NOT NULL, CHECK (start <= "end"));
CREATE TABLE objections (id INTEGER PRIMARY KEY AUTOINCREMENT, run_id INTEGER NOT NULL REFERENCES runs(id),
                         unit_id TEXT NOT NULL, indicator TEXT, field TEXT, text TEXT NOT NULL, received TEXT NOT NULL,
                         late INTEGER NOT NULL CHECK (late IN (0, 1)), late_reason TEXT, operator TEXT NOT NULL,
                         at TEXT NOT NULL, CHECK ((indicator IS NULL) <> (field IS NULL)));
CREATE TABLE objection_evidence (objection_id INTEGER NOT NULL REFERENCES objections(id), name TEXT NOT NULL,
                                 sha256 TEXT NOT NULL REFERENCES files(sha256), size INTEGER NOT NULL,
                                 PRIMARY KEY (objection_id, name)) WITHOUT ROWID;
CREATE TABLE rulings (objection_id INTEGER PRIMARY KEY REFERENCES objections(id),
                      decision TEXT NOT NULL CHECK (decision IN ('accepted', 'rejected')), "values" TEXT NOT NULL,
                      reason TEXT NOT NULL, operator TEXT NOT NULL, at TEXT NOT NULL);
CREATE TABLE applied (objection_id INTEGER NOT NULL REFERENCES rulings(objection_id), correction INTEGER NOT NULL,
                      PRIMARY KEY (objection_id, correction)) WITHOUT ROWID;
CREATE TABLE imports (run_id INTEGER PRIMARY KEY REFERENCES runs(id), name TEXT NOT NULL, sha256 TEXT NOT NULL,
                      sheet TEXT NOT NULL);
"""
CYCLE_TRIGGERS = ""
for _t in ("events", "publications", "objections", "objection_evidence", "rulings", "applied", "imports"):
    CYCLE_TRIGGERS += f"""
CREATE TRIGGER {_t}_no_update BEFORE UPDATE ON {_t} BEGIN SELECT RAISE(ABORT, '{_FROZEN}'); END;
CREATE TRIGGER {_t}_no_delete BEFORE DELETE ON {_t} BEGIN SELECT RAISE(ABORT, '{_FROZEN}'); END;
"""
CYCLE_TRIGGERS += f"""
CREATE TRIGGER files_evidence_no_delete BEFORE DELETE ON files
    WHEN EXISTS (SELECT 1 FROM objection_evidence WHERE sha256 = OLD.sha256) BEGIN SELECT RAISE(ABORT, '{_FROZEN}'); END;
"""

SCHEMA = f"""
CREATE TABLE store_info (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE criteria_texts (sha256 TEXT PRIMARY KEY, text TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE datasets (sha256 TEXT PRIMARY KEY, format TEXT NOT NULL, units INTEGER NOT NULL,
                       fields INTEGER NOT NULL, packed BLOB NOT NULL) WITHOUT ROWID;
CREATE TABLE files (sha256 TEXT PRIMARY KEY, size INTEGER NOT NULL, packed BLOB NOT NULL) WITHOUT ROWID;
CREATE TABLE runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    series TEXT NOT NULL,
    year INTEGER NOT NULL,
    assessment TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'final')),
    created TEXT NOT NULL,
    operator TEXT NOT NULL,
    finalized TEXT,
    finalized_by TEXT,
    criteria_sha256 TEXT NOT NULL REFERENCES criteria_texts(sha256),
    criteria_path TEXT NOT NULL,
    data_sha256 TEXT NOT NULL REFERENCES datasets(sha256),
    data_path TEXT NOT NULL,
    engine TEXT NOT NULL,
    plugins TEXT NOT NULL,
    methods TEXT NOT NULL,
    precision INTEGER NOT NULL,
    units INTEGER NOT NULL,
    corrects INTEGER REFERENCES runs(id),
    root INTEGER REFERENCES runs(id),
    reason TEXT,
    note TEXT NOT NULL DEFAULT '',
    CHECK ((corrects IS NULL) = (reason IS NULL)),
    CHECK ((corrects IS NULL) = (root IS NULL))
);
CREATE UNIQUE INDEX runs_one_final_per_year ON runs(series, year) WHERE status = 'final' AND corrects IS NULL;
CREATE INDEX runs_by_year ON runs(series, year);
CREATE TABLE run_files (run_id INTEGER NOT NULL REFERENCES runs(id), name TEXT NOT NULL,
                        sha256 TEXT NOT NULL REFERENCES files(sha256), size INTEGER NOT NULL,
                        PRIMARY KEY (run_id, name)) WITHOUT ROWID;
CREATE TABLE unit_results (
    run_id INTEGER NOT NULL REFERENCES runs(id),
    unit_id TEXT NOT NULL,
    name TEXT NOT NULL,
    category TEXT NOT NULL,
    total REAL,
    rank INTEGER NOT NULL,
    of INTEGER NOT NULL,
    grade TEXT,
    failed INTEGER NOT NULL CHECK (failed IN (0, 1)),
    no_excellent INTEGER NOT NULL CHECK (no_excellent IN (0, 1)),
    sheet TEXT NOT NULL,
    PRIMARY KEY (run_id, unit_id)
) WITHOUT ROWID;
CREATE INDEX unit_results_by_unit ON unit_results(unit_id);
CREATE TABLE module_results (
    run_id INTEGER NOT NULL REFERENCES runs(id),
    unit_id TEXT NOT NULL,
    module_id TEXT NOT NULL,
    name TEXT NOT NULL,
    weight REAL NOT NULL,
    score REAL,
    contribution REAL,
    PRIMARY KEY (run_id, unit_id, module_id)
) WITHOUT ROWID;
{SEALS_TABLE}CREATE TABLE aliases (series TEXT NOT NULL, old TEXT NOT NULL, new TEXT NOT NULL, year INTEGER,
                      note TEXT NOT NULL, run_id INTEGER NOT NULL REFERENCES runs(id),
                      PRIMARY KEY (run_id, old, new)) WITHOUT ROWID;

CREATE TRIGGER runs_final_no_update BEFORE UPDATE ON runs WHEN OLD.status = 'final'
BEGIN SELECT RAISE(ABORT, '{_FROZEN}'); END;
CREATE TRIGGER runs_final_no_delete BEFORE DELETE ON runs WHEN OLD.status = 'final'
BEGIN SELECT RAISE(ABORT, '{_FROZEN}'); END;
CREATE TRIGGER runs_only_finalize BEFORE UPDATE OF id, series, year, assessment, created, operator, criteria_sha256,
    criteria_path, data_sha256, data_path, engine, plugins, methods, precision, units, corrects, root, reason, note ON runs
BEGIN SELECT RAISE(ABORT, '{_FROZEN}'); END;
"""
for _t in ("unit_results", "module_results", "run_files", "aliases"):
    SCHEMA += f"""
CREATE TRIGGER {_t}_no_update BEFORE UPDATE ON {_t} BEGIN SELECT RAISE(ABORT, '{_FROZEN}'); END;
CREATE TRIGGER {_t}_final_no_delete BEFORE DELETE ON {_t}
    WHEN (SELECT status FROM runs WHERE id = OLD.run_id) = 'final' BEGIN SELECT RAISE(ABORT, '{_FROZEN}'); END;
CREATE TRIGGER {_t}_final_no_insert BEFORE INSERT ON {_t}
    WHEN (SELECT status FROM runs WHERE id = NEW.run_id) = 'final' BEGIN SELECT RAISE(ABORT, '{_FROZEN}'); END;
"""
for _t, _col in (("criteria_texts", "criteria_sha256"), ("datasets", "data_sha256")):
    SCHEMA += f"""
CREATE TRIGGER {_t}_no_update BEFORE UPDATE ON {_t} BEGIN SELECT RAISE(ABORT, '{_FROZEN}'); END;
CREATE TRIGGER {_t}_used_no_delete BEFORE DELETE ON {_t}
    WHEN EXISTS (SELECT 1 FROM runs WHERE {_col} = OLD.sha256) BEGIN SELECT RAISE(ABORT, '{_FROZEN}'); END;
"""
SCHEMA += SEALS_TRIGGERS
SCHEMA += f"""
CREATE TRIGGER files_no_update BEFORE UPDATE ON files BEGIN SELECT RAISE(ABORT, '{_FROZEN}'); END;
CREATE TRIGGER files_used_no_delete BEFORE DELETE ON files
    WHEN EXISTS (SELECT 1 FROM run_files WHERE sha256 = OLD.sha256) BEGIN SELECT RAISE(ABORT, '{_FROZEN}'); END;
"""
SCHEMA += CYCLE_TABLES + CYCLE_TRIGGERS

_RUN_COLS = (
    "id, series, year, assessment, status, created, operator, finalized, finalized_by, criteria_sha256, "
    "criteria_path, data_sha256, data_path, engine, plugins, methods, precision, units, corrects, "
    "COALESCE(root, id), reason, note, (SELECT digest FROM seals WHERE seals.run_id = runs.id), "
    "(SELECT public_key FROM seals WHERE seals.run_id = runs.id)"
)


def now() -> str:
    return datetime.now().astimezone().isoformat(timespec="seconds")


# ---------------------------------------------------------------------------- records
@dataclass(frozen=True)
class RunInfo:
    id: int
    series: str
    year: int
    assessment: str
    status: str
    created: str
    operator: str
    finalized: str | None
    finalized_by: str | None
    criteria_sha256: str
    criteria_path: str
    data_sha256: str
    data_path: str
    engine: str
    plugins: dict[str, str]
    methods: dict[str, str]
    precision: int
    units: int
    corrects: int | None
    root: int
    reason: str | None
    note: str
    seal_digest: str | None = None  # the sealed document's sha256 (final runs)
    seal_key: str | None = None  # the office's public key that signed it (hex)

    @property
    def final(self) -> bool:
        return self.status == "final"

    def stamp(self):
        from .stamp import Stamp

        used = {p: self.plugins.get(p, "") for p in set(self.methods.values())}
        return Stamp(
            self.criteria_sha256,
            self.data_sha256,
            self.engine,
            used,
            dict(self.methods),
            self.id,
            self.status,
            self.corrects,
            seal=self.seal_digest,
            office_key=self.seal_key,
        )


@dataclass(frozen=True)
class UnitRow:
    unit_id: str
    name: str
    category: str
    total: float | None
    rank: int
    of: int
    grade: str | None
    failed: bool
    no_excellent: bool
    sheet: str  # JSON text of scoring.core.explain.unit_sheet

    def sheet_dict(self) -> dict[str, Any]:
        return json.loads(self.sheet)


@dataclass(frozen=True)
class ModuleRow:
    unit_id: str
    module_id: str
    name: str
    weight: float
    score: float | None
    contribution: float | None


@dataclass(frozen=True)
class AliasRow:
    old: str
    new: str
    year: int | None = None
    note: str = ""


@dataclass
class RunRecord:
    """Everything a run stores; built from results by :func:`scoring.history.record.build_record`."""

    series: str
    year: int
    assessment: str
    operator: str
    criteria_raw: bytes
    criteria_path: str
    data: Dataset
    data_path: str
    engine: str
    plugins: dict[str, str]
    methods: dict[str, str]
    precision: int
    units: list[UnitRow]
    modules: list[ModuleRow]
    files: list[tuple[str, bytes]] = field(default_factory=list)
    aliases: list[AliasRow] = field(default_factory=list)
    corrects: int | None = None
    reason: str | None = None
    note: str = ""
    created: str | None = None
    event: dict | None = None  # more details for the run's "saved"/"correction" event
    then: list = field(default_factory=list)  # callables (conn, run_id) run in the saving transaction


@dataclass
class Inputs:
    """A stored run's inputs, checked against their hashes."""

    criteria_raw: bytes
    data: Dataset
    altered: list[str]  # "criteria" / "data" when the stored bytes no longer match their hash


# ---------------------------------------------------------------------------- the store
class Store:
    """An open history store. Use :func:`open_store`; close it (or use ``with``)."""

    def __init__(self, path: Path, conn: sqlite3.Connection):
        self.path = path
        self.conn = conn
        self.sealed_ok: set[int] = set()  # final runs whose seal was checked by this connection

    # -- life cycle ---------------------------------------------------------------
    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _problem(self, code: str, **args) -> HistoryError:
        return HistoryError(Problem(code, {"path": str(self.path), **args}, file=str(self.path)))

    def _fail(self, e: sqlite3.Error) -> HistoryError:
        return _db_error(self.path, e)

    def transaction(self):
        """``with store.transaction() as conn:`` — one write, all or nothing (BEGIN IMMEDIATE … COMMIT)."""
        return _Transaction(self)

    # -- reading --------------------------------------------------------------------
    def query(self, sql: str, args: Iterable = ()) -> list[tuple]:
        """Rows of a read-only SQL statement; a database error becomes the store's located error."""
        try:
            return self.conn.execute(sql, tuple(args)).fetchall()
        except sqlite3.Error as e:
            raise self._fail(e) from None

    def runs(self, series: str | None = None, year: int | None = None) -> list[RunInfo]:
        sql, args = f"SELECT {_RUN_COLS} FROM runs WHERE 1=1", list[Any]()
        if series is not None:
            sql += " AND series = ?"
            args.append(series)
        if year is not None:
            sql += " AND year = ?"
            args.append(year)
        return [_run_info(r) for r in self.query(sql + " ORDER BY id", args)]

    def run(self, run_id: int) -> RunInfo:
        rows = self.query(f"SELECT {_RUN_COLS} FROM runs WHERE id = ?", (run_id,))
        if not rows:
            raise self._problem("history.no_run", run=run_id)
        return _run_info(rows[0])

    def series(self) -> list[str]:
        return [r[0] for r in self.query("SELECT DISTINCT series FROM runs ORDER BY series")]

    def pick_series(self, wanted: str | None) -> str:
        """The series a command is about: ``wanted`` if given (and stored), else the only one."""
        known = self.series()
        if wanted is not None:
            if wanted not in known:
                raise self._problem("history.no_series", series=wanted, known="、".join(known) or "—")
            return wanted
        if not known:
            raise self._problem("history.empty")
        if len(known) > 1:
            raise self._problem("history.series_ambiguous", known="、".join(known))
        return known[0]

    def official(self, series: str, year: int) -> RunInfo | None:
        """The published result of a year: the final run, or the latest final correction of it."""
        rows = self.query(
            f"""SELECT {_RUN_COLS} FROM runs
                           WHERE status = 'final' AND COALESCE(root, id) =
                                 (SELECT id FROM runs WHERE series = ? AND year = ? AND status = 'final' AND corrects IS NULL)
                           ORDER BY id DESC LIMIT 1""",
            (series, year),
        )
        from .seal import check

        # a sealed run of this year turned back into a draft would hide the published result
        for (rid,) in self.query(
            """SELECT r.id FROM seals s JOIN runs r ON r.id = s.run_id
                                 WHERE r.series = ? AND r.year = ? AND r.status != 'final'""",
            (series, year),
        ):
            check(self, self.run(rid))
        if not rows:
            return None
        run = _run_info(rows[0])
        check(self, run)  # a published result is read only with its seal intact
        return run

    def years(self, series: str) -> list[int]:
        return [r[0] for r in self.query("SELECT DISTINCT year FROM runs WHERE series = ? ORDER BY year", (series,))]

    def unit_rows(self, run_id: int, unit_ids: Iterable[str] | None = None) -> list[UnitRow]:
        sql = "SELECT unit_id, name, category, total, rank, of, grade, failed, no_excellent, sheet FROM unit_results WHERE run_id = ?"
        args: list = [run_id]
        if unit_ids is not None:
            ids = list(unit_ids)
            sql += f" AND unit_id IN ({','.join('?' * len(ids))})"
            args += ids
        rows = self.query(sql + " ORDER BY category, rank, unit_id", args)
        return [UnitRow(r[0], r[1], r[2], r[3], r[4], r[5], r[6], bool(r[7]), bool(r[8]), r[9]) for r in rows]

    def module_rows(self, run_id: int) -> list[ModuleRow]:
        rows = self.query(
            "SELECT unit_id, module_id, name, weight, score, contribution FROM module_results WHERE run_id = ? ORDER BY unit_id, module_id", (run_id,)
        )
        return [ModuleRow(*r) for r in rows]

    def files(self, run_id: int) -> list[tuple[str, str, int]]:
        return [tuple(r) for r in self.query("SELECT name, sha256, size FROM run_files WHERE run_id = ? ORDER BY name", (run_id,))]

    def file_bytes(self, sha: str) -> bytes:
        rows = self.query("SELECT packed FROM files WHERE sha256 = ?", (sha,))
        return canonical.unpack(rows[0][0]) if rows else b""

    def aliases(self, series: str) -> list[AliasRow]:
        rows = self.query("SELECT DISTINCT old, new, year, note FROM aliases WHERE series = ? ORDER BY old, new", (series,))
        seen: dict[tuple, AliasRow] = {}
        for old, new, year, note in rows:
            seen.setdefault((old, new, year), AliasRow(old, new, year, note))
        return list(seen.values())

    def categories(self, run: RunInfo) -> list[str]:
        """The run's categories in its criteria's order (the order every table is printed in)."""
        import tomllib

        crit = self.query("SELECT text FROM criteria_texts WHERE sha256 = ?", (run.criteria_sha256,))
        try:
            return list(tomllib.loads(crit[0][0])["assessment"]["categories"]) if crit else []
        except (tomllib.TOMLDecodeError, KeyError, TypeError):
            return []

    def inputs(self, run: RunInfo) -> Inputs:
        crit = self.query("SELECT text FROM criteria_texts WHERE sha256 = ?", (run.criteria_sha256,))
        data = self.query("SELECT packed FROM datasets WHERE sha256 = ?", (run.data_sha256,))
        if not crit or not data:
            raise self._problem("history.damaged", detail=f"run {run.id}: stored inputs missing")
        raw_c = crit[0][0].encode("utf-8")
        altered = []
        if canonical.sha256(raw_c) != run.criteria_sha256:
            altered.append("criteria")
        try:
            raw_d = canonical.unpack(data[0][0])
            dataset = canonical.decode(raw_d)
        except Exception as e:  # noqa: BLE001 - zlib or layout: the stored bytes are broken
            raise self._problem("history.damaged", detail=f"run {run.id}: stored data unreadable ({type(e).__name__})") from None
        if canonical.sha256(raw_d) != run.data_sha256:
            altered.append("data")
        return Inputs(raw_c, dataset, altered)

    # -- writing ----------------------------------------------------------------------
    def save(self, rec: RunRecord) -> int:
        """Store a run (as a draft) in one transaction; returns its number."""
        crit_text = rec.criteria_raw.decode("utf-8")  # criteria files are UTF-8 (checked when read)
        crit_sha = canonical.sha256(rec.criteria_raw)
        raw_d = canonical.encode(rec.data)
        data_sha = canonical.sha256(raw_d)
        with self.transaction() as c:
            root = None
            if rec.corrects is not None:
                target = self.run(rec.corrects)
                root = target.root
            c.execute("INSERT OR IGNORE INTO criteria_texts (sha256, text) VALUES (?, ?)", (crit_sha, crit_text))
            c.execute(
                "INSERT OR IGNORE INTO datasets (sha256, format, units, fields, packed) VALUES (?, ?, ?, ?, ?)",
                (data_sha, canonical.MAGIC.decode().strip(), len(rec.data), len(rec.data.values), canonical.pack(raw_d)),
            )
            cur = c.execute(
                """INSERT INTO runs (series, year, assessment, status, created, operator, criteria_sha256, criteria_path,
                                     data_sha256, data_path, engine, plugins, methods, precision, units, corrects, root,
                                     reason, note)
                   VALUES (?, ?, ?, 'draft', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                (
                    rec.series,
                    rec.year,
                    rec.assessment,
                    rec.created or now(),
                    rec.operator,
                    crit_sha,
                    rec.criteria_path,
                    data_sha,
                    rec.data_path,
                    rec.engine,
                    _json(rec.plugins),
                    _json(rec.methods),
                    rec.precision,
                    len(rec.units),
                    rec.corrects,
                    root,
                    rec.reason,
                    rec.note,
                ),
            )
            run_id = cur.lastrowid
            for name, content in rec.files:
                sha = canonical.sha256(content)
                c.execute("INSERT OR IGNORE INTO files (sha256, size, packed) VALUES (?, ?, ?)", (sha, len(content), canonical.pack(content)))
                c.execute("INSERT INTO run_files (run_id, name, sha256, size) VALUES (?, ?, ?, ?)", (run_id, name, sha, len(content)))
            c.executemany(
                "INSERT INTO unit_results (run_id, unit_id, name, category, total, rank, of, grade, failed, no_excellent, sheet) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                ((run_id, u.unit_id, u.name, u.category, u.total, u.rank, u.of, u.grade, int(u.failed), int(u.no_excellent), u.sheet) for u in rec.units),
            )
            c.executemany(
                "INSERT INTO module_results (run_id, unit_id, module_id, name, weight, score, contribution) VALUES (?, ?, ?, ?, ?, ?, ?)",
                ((run_id, m.unit_id, m.module_id, m.name, m.weight, m.score, m.contribution) for m in rec.modules),
            )
            c.executemany(
                "INSERT OR IGNORE INTO aliases (series, old, new, year, note, run_id) VALUES (?, ?, ?, ?, ?, ?)",
                ((rec.series, a.old, a.new, a.year, a.note, run_id) for a in rec.aliases),
            )
            add_event(
                c,
                run_id,
                "correction" if rec.corrects is not None else "saved",
                rec.operator,
                rec.reason or rec.note,
                {"year": rec.year, "corrects": rec.corrects, **(rec.event or {})},
            )
            for extra in rec.then:  # rows that belong with the run (objections applied, an import), same transaction
                extra(c, run_id)
        return run_id

    def finalize(self, run_id: int, operator: str, seal) -> tuple[RunInfo, bool]:
        """Mark a run final and ``seal(conn, run)`` it in the same transaction (see
        :func:`scoring.history.seal.finalize`, which verifies the run first). Returns
        (run, changed); a final run already sealed is left as it is."""
        with self.transaction() as c:
            run = self.run(run_id)
            if run.final:
                if seal is None or run.seal_digest is not None:
                    return run, False
                seal(c, run)  # final before sealing existed: sealed now, after verification
                return self.run(run_id), True
            if run.corrects is not None:
                root = self.run(run.root)
                if not root.final:
                    raise self._problem("history.correction_not_final", run=run_id, root=root.id)
                published = self.official(run.series, run.year)
                if published is not None and published.id > run_id:  # a newer correction is already final
                    raise self._problem("history.superseded", run=run_id, other=published.id)
            else:
                other = self.official(run.series, run.year)
                if other is not None:
                    raise self._problem("history.already_final", series=run.series, year=run.year, other=other.root, run=run_id)
            c.execute("UPDATE runs SET status = 'final', finalized = ?, finalized_by = ? WHERE id = ?", (now(), operator, run_id))
            add_event(c, run_id, "finalized", operator, "", {})
            if seal is not None:
                seal(c, self.run(run_id))
        return self.run(run_id), True

    def delete(self, run_id: int, operator: str = "") -> RunInfo:
        """Delete a draft run (a final run cannot be deleted)."""
        with self.transaction() as c:
            run = self.run(run_id)
            if run.final:
                raise self._problem("history.final_readonly", run=run_id)
            users = [r[0] for r in c.execute("SELECT id FROM runs WHERE corrects = ?", (run_id,)).fetchall()]
            if users:
                raise self._problem("history.referenced", run=run_id, by="、".join(map(str, users)))
            for table in ("unit_results", "module_results", "run_files", "aliases"):
                c.execute(f"DELETE FROM {table} WHERE run_id = ?", (run_id,))
            if c.execute("SELECT 1 FROM publications WHERE run_id = ? UNION SELECT 1 FROM objections WHERE run_id = ?", (run_id, run_id)).fetchone():
                raise self._problem("history.referenced", run=run_id, by="公示/objections")
            c.execute("DELETE FROM runs WHERE id = ?", (run_id,))
            add_event(c, run_id, "deleted", operator, "", {})
            c.execute("DELETE FROM criteria_texts WHERE sha256 NOT IN (SELECT criteria_sha256 FROM runs)")
            c.execute("DELETE FROM datasets WHERE sha256 NOT IN (SELECT data_sha256 FROM runs)")
            c.execute("DELETE FROM files WHERE sha256 NOT IN (SELECT sha256 FROM run_files) AND sha256 NOT IN (SELECT sha256 FROM objection_evidence)")
        return run

    def check(self) -> str:
        """SQLite's own integrity check: "ok" or what is wrong."""
        rows = self.query("PRAGMA integrity_check")
        return "; ".join(r[0] for r in rows[:5])


# ---------------------------------------------------------------------------- the event log
EVENT_COLS = "seq, run_id, at, operator, kind, reason, detail, digest"


def event_digest(previous: str, run_id: int, at: str, operator: str, kind: str, reason: str, detail: str) -> str:
    """sha256 of the previous row's digest and this row's content: the log is a chain."""
    body = json.dumps([previous, run_id, at, operator, kind, reason, detail], ensure_ascii=False, separators=(",", ":"))
    return canonical.sha256(body.encode("utf-8"))


def add_event(conn: sqlite3.Connection, run_id: int, kind: str, operator: str, reason: str | None, detail: dict, at: str | None = None) -> int:
    """Append one event (inside the caller's transaction); returns its sequence number."""
    prev = conn.execute("SELECT digest FROM events ORDER BY seq DESC LIMIT 1").fetchone()
    at = at or now()
    text = json.dumps(detail, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    digest = event_digest(prev[0] if prev else "", run_id, at, operator or "", kind, reason or "", text)
    cur = conn.execute(
        "INSERT INTO events (run_id, at, operator, kind, reason, detail, digest) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (run_id, at, operator or "", kind, reason or "", text, digest),
    )
    return int(cur.lastrowid or 0)  # an INSERT always gives one


def chain_at(store: "Store", seq: int) -> tuple[str, list[int]]:
    """The event chain's digest at ``seq``, recomputed from the rows' content, and the rows
    whose stored digest no longer matches (changed or removed behind the triggers)."""
    prev, bad, expected = "", [], 1
    for s_, run_id, at, op, kind, reason, detail, digest in store.query(f"SELECT {EVENT_COLS} FROM events WHERE seq <= ? ORDER BY seq", (seq,)):
        mine = event_digest(prev, run_id, at, op, kind, reason, detail)
        if digest != mine or s_ != expected:
            bad.append(s_)
        prev, expected = mine, s_ + 1
    return prev, bad


class _Transaction:
    """``with store.transaction() as conn:`` — BEGIN IMMEDIATE … COMMIT, or ROLLBACK on any error."""

    def __init__(self, store: Store):
        self.store = store

    def __enter__(self) -> sqlite3.Connection:
        try:
            self.store.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as e:
            raise self.store._fail(e) from None
        return self.store.conn

    def __exit__(self, exc_type, exc, tb) -> Literal[False]:
        conn = self.store.conn
        if exc_type is None:
            try:
                conn.execute("COMMIT")
                return False
            except sqlite3.Error as e:
                _rollback(conn)
                raise self.store._fail(e) from None
        _rollback(conn)
        if isinstance(exc, sqlite3.Error):
            raise self.store._fail(exc) from None
        return False


def _rollback(conn: sqlite3.Connection) -> None:
    try:
        conn.execute("ROLLBACK")
    except sqlite3.Error:
        pass


def _json(d: dict) -> str:
    return json.dumps(dict(sorted(d.items())), ensure_ascii=False, separators=(",", ":"))


def _run_info(r: tuple) -> RunInfo:
    return RunInfo(
        r[0],
        r[1],
        r[2],
        r[3],
        r[4],
        r[5],
        r[6],
        r[7],
        r[8],
        r[9],
        r[10],
        r[11],
        r[12],
        r[13],
        json.loads(r[14]),
        json.loads(r[15]),
        r[16],
        r[17],
        r[18],
        r[19],
        r[20],
        r[21],
        r[22],
        r[23],
    )


def _db_error(path: Path, e: sqlite3.Error) -> HistoryError:
    text = str(e)
    args = {"path": str(path)}
    if _FROZEN in text:
        return HistoryError(Problem("history.frozen", args, file=str(path)))
    if isinstance(e, sqlite3.OperationalError) and ("locked" in text or "busy" in text):
        return HistoryError(Problem("history.busy", {**args, "seconds": f"{TIMEOUT:g}"}, file=str(path)))
    if "file is not a database" in text:
        return HistoryError(Problem("history.not_sqlite", args, file=str(path)))
    return HistoryError(Problem("history.damaged", {**args, "detail": text}, file=str(path)))


# ---------------------------------------------------------------------------- opening
def open_store(path: str | os.PathLike | None = None, create: bool = False, guards: bool = True) -> Store:
    """Open the history store at ``path`` (see :func:`default_path`).

    ``create``: make a new store if the file does not exist (``run --save``); otherwise a
    missing file is an error.  ``guards``: refuse a store whose triggers were dropped or
    changed (naming them, and every sealed run that no longer matches its seal); only
    ``verify --all`` and ``backup`` open such a store, to report on it or keep it.  An existing file is never initialised unless it is an
    empty SQLite database; anything else that is not ours is refused untouched.
    """
    p = default_path(path)
    err = lambda code, **a: HistoryError(Problem(code, {"path": str(p), **a}, file=str(p)))  # noqa: E731
    exists = p.exists()
    if exists and p.is_dir():
        raise err("history.not_sqlite")
    if not exists and not create:
        raise err("history.no_db")
    if exists and p.stat().st_size > 0:
        with open(p, "rb") as f:
            if f.read(16) != SQLITE_MAGIC:
                raise err("history.not_sqlite")
    if not exists:
        p.parent.mkdir(parents=True, exist_ok=True)
    try:
        conn = sqlite3.connect(str(p), timeout=TIMEOUT, isolation_level=None)
    except sqlite3.Error as e:
        raise _db_error(p, e) from None
    store = Store(p, conn)
    try:
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA synchronous = FULL")
        _check_or_init(store, create)
        if guards:
            _check_guards(store)
    except HistoryError:
        conn.close()
        raise
    except sqlite3.Error as e:
        conn.close()
        raise _db_error(p, e) from None
    return store


def _ours(conn: sqlite3.Connection) -> tuple[int, int, set[str]]:
    """The header marks and tables, read in one transaction: read one by one, a store another
    process creates meanwhile could show its tables but not yet its mark, and look foreign."""
    outer = conn.in_transaction
    if not outer:
        conn.execute("BEGIN")
    try:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        app = conn.execute("PRAGMA application_id").fetchone()[0]
        version = conn.execute("PRAGMA user_version").fetchone()[0]
    finally:
        if not outer:
            conn.execute("COMMIT")
    return app, version, tables


def _check_or_init(store: Store, create: bool) -> None:
    conn, p = store.conn, store.path
    app, version, tables = _ours(conn)
    if app == APPLICATION_ID:
        _check_version(store, version, tables)
        return
    if app != 0 or tables:
        raise HistoryError(Problem("history.foreign", {"path": str(p)}, file=str(p)))
    if not create:
        raise HistoryError(Problem("history.empty", {"path": str(p)}, file=str(p)))
    with store.transaction() as c:
        app, version, tables = _ours(c)  # another process may have made it meanwhile
        if app == APPLICATION_ID:
            _check_version(store, version, tables)
            return
        if app != 0 or tables:
            raise HistoryError(Problem("history.foreign", {"path": str(p)}, file=str(p)))
        for stmt in schema_statements(SCHEMA):
            c.execute(stmt)
        c.executemany("INSERT INTO store_info (key, value) VALUES (?, ?)", [("format", FORMAT), ("version", str(VERSION)), ("created", now())])
        c.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        c.execute(f"PRAGMA user_version = {VERSION}")


def _check_version(store: Store, version: int, tables: set[str]) -> None:
    p = store.path
    if version > VERSION:
        raise HistoryError(Problem("history.newer", {"path": str(p), "found": version, "supported": VERSION}, file=str(p)))
    if "store_info" not in tables or "runs" not in tables:
        raise HistoryError(Problem("history.damaged", {"path": str(p), "detail": "tables missing"}, file=str(p)))
    info = dict(store.conn.execute("SELECT key, value FROM store_info").fetchall())
    if info.get("format") != FORMAT:
        raise HistoryError(Problem("history.foreign", {"path": str(p)}, file=str(p)))
    if version < 2:  # version 1 → 2: the seals table and its triggers
        with store.transaction() as c:
            if c.execute("PRAGMA user_version").fetchone()[0] < 2:
                for stmt in schema_statements(SEALS_TABLE + SEALS_TRIGGERS):
                    c.execute(stmt)
                c.execute("PRAGMA user_version = 2")
    if version < 3:  # version 2 → 3: the event log, 公示, objections, imports; earlier runs enter the log
        with store.transaction() as c:
            have = {r[0] for r in c.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            if c.execute("PRAGMA user_version").fetchone()[0] < 3 and "events" not in have:
                for stmt in schema_statements(CYCLE_TABLES + CYCLE_TRIGGERS):
                    c.execute(stmt)
                for run in store.runs():
                    add_event(c, run.id, "saved", run.operator, run.reason or run.note, {"year": run.year}, at=run.created)
                    if run.final:
                        add_event(c, run.id, "finalized", run.finalized_by or "", "", {}, at=run.finalized)
            c.execute("PRAGMA user_version = 3")


def triggers() -> dict[str, str]:
    """The triggers a store must hold, by name, with their SQL."""
    out = {}
    for stmt in schema_statements(SCHEMA):
        m = re.match(r"CREATE TRIGGER (\w+)", stmt)
        if m:
            out[m.group(1)] = stmt
    return out


def _norm(sql: str | None) -> str:
    return " ".join((sql or "").rstrip().rstrip(";").split())


def trigger_problems(store: Store) -> list[str]:
    """Triggers dropped or changed since the store was made (names)."""
    have = dict(store.conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'").fetchall())
    return sorted(n for n, sql in triggers().items() if _norm(have.get(n)) != _norm(sql))


def _check_guards(store: Store) -> None:
    """Opening a store checks that the triggers freezing final runs are all there, unchanged."""
    gone = trigger_problems(store)
    if not gone:
        return
    from .seal import broken, check_all

    problems = [Problem("history.triggers_gone", {"path": str(store.path), "names": "、".join(gone)}, file=str(store.path))]
    problems += [broken(store, run, what).problems[0] for run, what in check_all(store) if run is not None]
    raise HistoryError(problems)


def schema_statements(script: str) -> list[str]:
    """Split the schema into statements (triggers contain ';' inside BEGIN … END)."""
    out, buf = [], ""
    for line in script.splitlines(keepends=True):
        buf += line
        if sqlite3.complete_statement(buf):
            if buf.strip():
                out.append(buf.strip())
            buf = ""
    return out
