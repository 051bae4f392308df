"""After the scoring: 公示 (publishing a final run for a period), objections (申诉/复核) recorded,
decided and applied as one correction run, and the log of every change to a run.

Rules that protect units:

* only a final (sealed) run can be published: what units object to is then fixed and
  checkable against its seal; a draft could change under them without a trace;
* an objection is recorded with its evidence files copied into the store (name, sha256,
  bytes): a path on someone's disk can change or vanish, the store is the record;
* an objection received after the 公示期 is refused unless the office says why it takes it
  (``accept_late``); it is then recorded and marked late;
* a decision is final: deciding an objection again is refused; accepted values are
  applied by a new correction run (never an UPDATE of a sealed row), all pending accepted
  objections of a run together, through the one correction path
  (:func:`scoring.history.reproduce.rescore_with`);
* after a correction every unit whose total, rank, grade, veto or proposed decision moved
  gets a notice, also those that moved only because of someone else's correction.

Every step appends to the event log (store.add_event) in the same transaction.
"""

from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Sequence
from datetime import date
from pathlib import Path

import numpy as np

from ..errors import HistoryError, Problem
from ..load.template import safe_filename
from . import canonical
from .store import EVENT_COLS, RunInfo, Store, add_event, chain_at, now

if TYPE_CHECKING:  # imported only where a correction is made: it brings the engine
    from .reproduce import RescoreReport

MAX_EVIDENCE = 20 * 2**20  # bytes of one evidence file
MOVES = ("added", "removed", "total", "rank", "grade", "failed", "no_excellent")  # what a notice is sent for


def _err(code: str, **args) -> HistoryError:
    return HistoryError(Problem(code, args))


def parse_date(text: str, what: str) -> str:
    """``YYYY-MM-DD`` (also 2021/1/5, 2021.1.5, 2021年1月5日, as ``--due`` reads them) → ISO date text."""
    from ..load.progress import parse_due

    try:
        return parse_due(text or "").isoformat()
    except ValueError:
        raise _err("cycle.bad_date", what=what, text=text) from None


def today() -> str:
    return date.today().isoformat()


# ---------------------------------------------------------------------------- 公示
@dataclass(frozen=True)
class Publication:
    id: int
    run_id: int
    start: str
    end: str
    operator: str
    at: str
    reason: str


def publications(store: Store, run_id: int | None = None) -> list[Publication]:
    sql = 'SELECT id, run_id, start, "end", operator, at, reason FROM publications'
    rows = store.query(sql + (" WHERE run_id = ?" if run_id is not None else "") + " ORDER BY id", (run_id,) if run_id is not None else ())
    return [Publication(*r) for r in rows]


def current_publication(store: Store, run_id: int) -> Publication | None:
    """The 公示期 in force for a run: the last one recorded (a re-publication replaces the period, never the record)."""
    pubs = publications(store, run_id)
    return pubs[-1] if pubs else None


def publish(store: Store, run_id: int, start: str, end: str, operator: str, reason: str = "") -> Publication:
    from .seal import check

    start, end = parse_date(start, "--from"), parse_date(end, "--to")
    if start > end:
        raise _err("cycle.period_order", start=start, end=end)
    run = store.run(run_id)
    if not run.final:
        raise _err("cycle.publish_draft", run=run_id)
    check(store, run)  # what is published is what was sealed
    with store.transaction() as c:
        cur = c.execute(
            'INSERT INTO publications (run_id, start, "end", operator, at, reason) VALUES (?, ?, ?, ?, ?, ?)', (run_id, start, end, operator, now(), reason)
        )
        add_event(c, run_id, "published", operator, reason, {"from": start, "to": end, "publication": cur.lastrowid})
    pub = current_publication(store, run_id)
    assert pub is not None  # recorded just above
    return pub


# ---------------------------------------------------------------------------- objections
@dataclass(frozen=True)
class Evidence:
    name: str
    sha256: str
    size: int


@dataclass
class Objection:
    id: int
    run_id: int
    unit_id: str
    unit_name: str
    indicator: str | None
    field: str | None
    text: str
    received: str
    late: bool
    late_reason: str | None
    operator: str
    at: str
    # dataclasses.field in full: the name `field` is this class's own attribute above
    evidence: list[Evidence] = dataclasses.field(default_factory=list)
    state: str = "pending"
    values: dict[str, float] = dataclasses.field(default_factory=dict)
    reason: str = ""
    decided_by: str = ""
    decided_at: str = ""
    correction: int | None = None  # the correction run that applied it

    @property
    def about(self) -> str:
        about = self.indicator if self.indicator is not None else self.field
        assert about is not None  # add_objection records exactly one of the two
        return about


def _unit_of(store: Store, run: RunInfo, text: str) -> tuple[str, str]:
    rows = store.unit_rows(run.id)
    for r in rows:
        if text in (r.unit_id, r.name):
            return r.unit_id, r.name
    raise _err("cycle.unknown_unit", unit=text, run=run.id)


def _criteria(store: Store, run: RunInfo):
    from ..load.criteria_file import parse_criteria

    return parse_criteria(store.inputs(run).criteria_raw, f"{run.criteria_path}（第{run.id}号运行存储的版本）")[0]


def _fields(store: Store, run: RunInfo) -> list[str]:
    return sorted(store.inputs(run).data.values)


def add_objection(
    store: Store,
    run_id: int,
    unit: str,
    indicator: str | None,
    field_name: str | None,
    text: str,
    evidence: Sequence[str | Path | tuple[str, bytes]],
    received: str | None,
    operator: str,
    accept_late: str | None = None,
) -> Objection:
    """Record a unit's objection; ``evidence``: file paths, or (file name, bytes) pairs as an upload gives them."""
    from .reproduce import imported_run
    from .seal import check

    run = store.run(run_id)
    imported_run(store, run)
    check(store, run)
    if not text or not text.strip():
        raise _err("cycle.empty_text")
    if (indicator is None) == (field_name is None):
        raise _err("cycle.indicator_or_field")
    pub = current_publication(store, run_id)
    if pub is None:
        raise _err("cycle.not_published", run=run_id)
    unit_id, unit_name = _unit_of(store, run, unit)
    if indicator is not None:
        known = [i.id for i in _criteria(store, run).indicators]
        if indicator not in known:
            raise _err("cycle.unknown_indicator", indicator=indicator, run=run_id, known="、".join(known[:30]))
    else:
        known = _fields(store, run)
        if field_name not in known:
            raise _err("cycle.unknown_field", field=field_name, run=run_id, known="、".join(known[:30]))
    got = parse_date(received, "--received") if received else today()
    if got < pub.start:
        raise _err("cycle.before_period", received=got, start=pub.start, end=pub.end, run=run_id)
    late = got > pub.end
    late_reason = (accept_late or "").strip() if late else None
    if late and not late_reason:
        raise _err("cycle.late", received=got, start=pub.start, end=pub.end, run=run_id)
    files = []
    for f in evidence:
        if isinstance(f, tuple):  # an upload: only the last part of the name it came with is kept
            name, data = f
            files.append((safe_filename(Path(name.replace("\\", "/")).name), data))
            continue
        p = Path(f)
        try:
            data = p.read_bytes()
        except OSError as e:
            raise HistoryError(Problem("cycle.evidence_unreadable", {"path": str(f), "detail": e.strerror or str(e)}, file=str(f))) from None
        files.append((p.name, data))
    for name, data in files:  # the store keeps every byte for ever: a scan, not a disk image
        if len(data) > MAX_EVIDENCE:
            raise HistoryError(
                Problem("cycle.evidence_too_large", {"name": name, "size": round(len(data) / 2**20, 1), "limit": MAX_EVIDENCE // 2**20}, file=name)
            )
    names = [n for n, _ in files]
    if len(set(names)) != len(names):
        raise _err("cycle.evidence_same_name", names="、".join(sorted({n for n in names if names.count(n) > 1})))
    with store.transaction() as c:
        cur = c.execute(
            "INSERT INTO objections (run_id, unit_id, indicator, field, text, received, late, late_reason, operator, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (run_id, unit_id, indicator, field_name, text.strip(), got, int(late), late_reason, operator, now()),
        )
        oid = cur.lastrowid
        for name, data in files:
            sha = canonical.sha256(data)
            c.execute("INSERT OR IGNORE INTO files (sha256, size, packed) VALUES (?, ?, ?)", (sha, len(data), canonical.pack(data)))
            c.execute("INSERT INTO objection_evidence (objection_id, name, sha256, size) VALUES (?, ?, ?, ?)", (oid, name, sha, len(data)))
        add_event(
            c,
            run_id,
            "objection",
            operator,
            late_reason or "",
            {
                "objection": oid,
                "unit": unit_id,
                "indicator": indicator,
                "field": field_name,
                "received": got,
                "late": late,
                "evidence": [[n, canonical.sha256(d)] for n, d in files],
            },
        )
    return objection(store, oid)


_OBJ_SQL = """SELECT o.id, o.run_id, o.unit_id, COALESCE(u.name, ''), o.indicator, o.field, o.text, o.received, o.late,
                     o.late_reason, o.operator, o.at, r.decision, r."values", r.reason, r.operator, r.at, a.correction
              FROM objections o LEFT JOIN unit_results u ON u.run_id = o.run_id AND u.unit_id = o.unit_id
              LEFT JOIN rulings r ON r.objection_id = o.id
              LEFT JOIN (SELECT objection_id, MAX(correction) AS correction FROM applied
                         WHERE correction IN (SELECT id FROM runs) GROUP BY objection_id) a ON a.objection_id = o.id"""
# (a correction run that was a draft and got deleted no longer counts: its objections can be applied again)


def _objection(store: Store, r: tuple) -> Objection:
    ev = [Evidence(*e) for e in store.query("SELECT name, sha256, size FROM objection_evidence WHERE objection_id = ? ORDER BY name", (r[0],))]
    return Objection(
        r[0],
        r[1],
        r[2],
        r[3],
        r[4],
        r[5],
        r[6],
        r[7],
        bool(r[8]),
        r[9],
        r[10],
        r[11],
        ev,
        r[12] or "pending",
        json.loads(r[13]) if r[13] else {},
        r[14] or "",
        r[15] or "",
        r[16] or "",
        r[17],
    )


def objection(store: Store, oid: int) -> Objection:
    rows = store.query(_OBJ_SQL + " WHERE o.id = ?", (oid,))
    if not rows:
        known = [str(x[0]) for x in store.query("SELECT id FROM objections ORDER BY id")]
        raise _err("cycle.unknown_objection", id=oid, known="、".join(known) or "—")
    return _objection(store, rows[0])


def objections(store: Store, run_id: int | None = None) -> list[Objection]:
    if run_id is not None:
        run = store.run(run_id)  # an unknown run is an error, not an empty list
        rows = store.query(_OBJ_SQL + " WHERE o.run_id IN (SELECT id FROM runs WHERE COALESCE(root, id) = ?) ORDER BY o.id", (run.root,))
    else:
        rows = store.query(_OBJ_SQL + " ORDER BY o.id")
    return [_objection(store, r) for r in rows]


def _parse_values(store: Store, run: RunInfo, items: list[str]) -> dict[str, float]:
    known = _fields(store, run)
    out: dict[str, float] = {}
    for item in items:
        name, sep, text = item.partition("=")
        name = name.strip()
        if not sep or not name:
            raise _err("cycle.bad_value", item=item)
        if name not in known:
            raise _err("cycle.unknown_field", field=name, run=run.id, known="、".join(known[:30]))
        try:
            x = float(text.strip().replace(",", ""))
        except ValueError:
            raise _err("cycle.bad_value", item=item) from None
        if not math.isfinite(x):
            raise _err("cycle.bad_value", item=item)
        if name in out and out[name] != x:
            raise _err("cycle.value_twice", field=name)
        out[name] = x
    return out


def decide(store: Store, oid: int, accept: bool, values: list[str], reason: str, operator: str) -> Objection:
    if not reason or not reason.strip():
        raise _err("cycle.reason_empty")
    o = objection(store, oid)
    if o.state != "pending":
        raise _err("cycle.already_decided", id=oid, state=o.state, by=o.decided_by, at=o.decided_at)
    run = store.run(o.run_id)
    if accept:
        if not values:
            raise _err("cycle.accept_needs_value", id=oid)
        parsed = _parse_values(store, run, values)
    else:
        if values:
            raise _err("cycle.reject_with_value", id=oid)
        parsed = {}
    decision = "accepted" if accept else "rejected"
    with store.transaction() as c:
        if c.execute("SELECT 1 FROM rulings WHERE objection_id = ?", (oid,)).fetchone():  # decided meanwhile by another process
            again = objection(store, oid)
            raise _err("cycle.already_decided", id=oid, state=again.state, by=again.decided_by, at=again.decided_at)
        c.execute(
            'INSERT INTO rulings (objection_id, decision, "values", reason, operator, at) VALUES (?, ?, ?, ?, ?, ?)',
            (oid, decision, json.dumps(parsed, ensure_ascii=False, sort_keys=True), reason.strip(), operator, now()),
        )
        add_event(c, o.run_id, "decided", operator, reason.strip(), {"objection": oid, "unit": o.unit_id, "decision": decision, "values": parsed})
    return objection(store, oid)


# ---------------------------------------------------------------------------- applying accepted objections
@dataclass
class Notice:
    unit_id: str
    name: str
    category: str
    own: bool  # the unit's own objection was accepted (else it moved because of others')
    changes: list  # diff.Change (total, rank, grade, vetoes)
    decisions: list  # reproduce.DecisionChange


@dataclass
class Applied:
    report: RescoreReport  # the correction run and what changed
    objections: list[Objection]
    notices: list[Notice]


def apply(store: Store, run_id: int, reason: str, operator: str, plugin_args: Sequence[str] = ()) -> Applied:
    """Every accepted objection of ``run_id``'s year not applied yet, in one correction run of its
    published result."""
    from .reproduce import rescore_with

    run = store.run(run_id)
    pending = store.query("SELECT id FROM runs WHERE COALESCE(root, id) = ? AND status = 'draft' AND corrects IS NOT NULL", (run.root,))
    if pending:  # a correction not finalized yet: a second one beside it would leave its values out
        raise _err("cycle.correction_pending", run=run_id, draft=pending[0][0])
    todo = [o for o in objections(store, run.id) if o.state == "accepted" and o.correction is None]
    if not todo:
        raise _err("cycle.nothing_to_apply", run=run_id)
    base = store.official(run.series, run.year)
    if base is None or base.root != run.root:
        base = run
    wanted: dict[tuple[str, str], tuple[float, int]] = {}
    for o in todo:
        for f, x in o.values.items():
            seen = wanted.get((o.unit_id, f))
            if seen is not None and seen[0] != x:
                raise _err("cycle.conflict", unit=o.unit_id, field=f, a=seen[1], x=seen[0], b=o.id, y=x)
            wanted[(o.unit_id, f)] = (x, o.id)

    def corrected(plan, stored):
        pos = {u: i for i, u in enumerate(stored.ids)}
        values = dict(stored.values)
        for (u, f), (x, _) in wanted.items():
            if u not in pos:
                raise _err("cycle.unknown_unit", unit=u, run=base.id)
            col = np.array(values[f], dtype=float, copy=True)
            col[pos[u]] = x
            values[f] = col
        return replace(stored, values=values)

    ids = [o.id for o in todo]

    def mark(conn, new_id):
        done = [
            i
            for (i,) in conn.execute(
                f"SELECT objection_id FROM applied WHERE objection_id IN ({','.join('?' * len(ids))}) AND correction IN (SELECT id FROM runs)", ids
            )
        ]
        if done:  # applied meanwhile by another process: this correction is not saved
            raise _err("cycle.nothing_to_apply", run=run_id)
        conn.executemany("INSERT INTO applied (objection_id, correction) VALUES (?, ?)", [(i, new_id) for i in ids])

    rep, _, _ = rescore_with(
        store, base.id, corrected, f"objections {', '.join(map(str, ids))}", [], reason, operator, plugin_args, event={"objections": ids}, then=[mark]
    )
    own = {o.unit_id for o in todo}
    by_unit: dict[str, Notice] = {}
    for ch in rep.changes:
        if ch.what in MOVES:
            by_unit.setdefault(ch.unit_id, Notice(ch.unit_id, ch.name, ch.category, ch.unit_id in own, [], [])).changes.append(ch)
    for d in rep.decisions:
        n = by_unit.get(d.unit_id)
        if n is None:
            row = next((r for r in store.unit_rows(rep.new_run.id, [d.unit_id])), None)
            n = by_unit[d.unit_id] = Notice(d.unit_id, d.unit_name, row.category if row else d.category, d.unit_id in own, [], [])
        n.decisions.append(d)
    return Applied(rep, [objection(store, i) for i in ids], list(by_unit.values()))


# ---------------------------------------------------------------------------- the log
@dataclass(frozen=True)
class Event:
    seq: int
    run_id: int
    at: str
    operator: str
    kind: str
    reason: str
    detail: dict


def log(store: Store, run_id: int) -> tuple[list[Event], list[int]]:
    """Every event of a run and of the runs that correct it (or that it corrects), in order;
    and the rows of the whole log whose chain no longer holds."""
    run = store.run(run_id)
    family = [r[0] for r in store.query("SELECT id FROM runs WHERE COALESCE(root, id) = ?", (run.root,))]
    rows = store.query(f"SELECT {EVENT_COLS} FROM events WHERE run_id IN ({','.join('?' * len(family))}) ORDER BY seq", family)
    head = store.query("SELECT MAX(seq) FROM events")[0][0] or 0
    _, bad = chain_at(store, head)
    return [Event(r[0], r[1], r[2], r[3], r[4], r[5], json.loads(r[6])) for r in rows], bad
