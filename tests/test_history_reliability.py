"""A writer killed mid-write leaves the store as it was; two writers at once do not corrupt it."""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from history_support import record_for, tiny_criteria, tiny_folder, tiny_setup
from scoring.history.seal import finalize as seal_finalize
from scoring.history.reproduce import verify
from scoring.history.store import open_store

TESTS = Path(__file__).resolve().parent

CHILD = r"""
import sys, time
sys.path.insert(0, sys.argv[1])
from pathlib import Path
from history_support import record_for
from scoring.history.store import open_store

crit, folder, db, marker = (Path(a) for a in sys.argv[2:6])
rec, _ = record_for(crit, folder, operator="被中断的写入")
store = open_store(db)
store.conn.execute("PRAGMA cache_size = 5")  # tiny page cache: pages spill into the file mid-transaction
seen = 0

def trace(sql):
    global seen
    if sql.lstrip().startswith("INSERT INTO unit_results"):
        seen += 1
        if seen == 600:
            marker.write_text("mid-write")
            time.sleep(120)

store.conn.set_trace_callback(trace)
store.save(rec)
"""


def _state(db: Path):
    with open_store(db) as s:
        runs = s.runs()
        return (
            [(r.id, r.status, r.units, r.data_sha256) for r in runs],
            {r.id: s.unit_rows(r.id) for r in runs},
            s.conn.execute("SELECT COUNT(*) FROM unit_results").fetchone()[0],
            s.conn.execute("SELECT COUNT(*) FROM datasets").fetchone()[0],
        )


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_kill_mid_write_leaves_the_store_as_it_was(tmp_path):
    crit, small = tiny_setup(tmp_path)
    db = tmp_path / "h.sqlite"
    rec, _ = record_for(crit, small)
    with open_store(db, create=True) as s:
        first = s.save(rec)
        seal_finalize(s, first, "审核人")
    before = _state(db)
    raw_before = db.read_bytes()

    n = 1200  # a big run, so the kill lands in the middle of writing it
    units = [(f"U{i:04d}", f"单位{i}", "甲乙"[i % 2]) for i in range(n)]
    big = tiny_folder(tmp_path / "big", units, [50 + i % 50 for i in range(n)], [i % 7 for i in range(n)], [0] * n)
    marker = tmp_path / "marker"
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(TESTS), str(crit), str(big), str(db), str(marker)], stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while not marker.exists():
        assert child.poll() is None, child.stderr.read().decode()
        assert time.monotonic() < deadline, "the writer never reached the middle of its transaction"
        time.sleep(0.02)
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    assert child.returncode == -signal.SIGKILL

    journal = Path(str(db) + "-journal")
    assert journal.exists() and journal.stat().st_size > 0  # killed inside the transaction
    assert db.read_bytes() != raw_before  # and pages had already reached the file

    assert _state(db) == before  # the next opener rolls the half-write back
    with open_store(db) as s:
        assert s.check() == "ok"
        assert verify(s, first).identical
        again = s.save(rec)  # and the store takes new runs as before
        assert [r.id for r in s.runs()] == [first, again] and again > first


def _writer(db: str, crit: str, folder: str, n: int, who: str, queue, barrier) -> None:
    try:
        rec, _ = record_for(Path(crit), Path(folder), operator=who)
        ids = []
        barrier.wait(timeout=60)  # everyone ready: now all write at once
        with open_store(db, create=True) as s:
            for _ in range(n):
                ids.append(s.save(rec))
                time.sleep(0.002)  # let the others in between transactions
        queue.put((who, ids, None))
    except BaseException as e:  # noqa: BLE001 - report anything to the parent
        queue.put((who, [], f"{type(e).__name__}: {e}"))


def test_concurrent_writers_do_not_corrupt_the_store(tmp_path):
    crit, folder = tiny_setup(tmp_path)
    crit2 = tmp_path / "tiny-2021.toml"
    crit2.write_text(tiny_criteria(2021), encoding="utf-8")
    db = tmp_path / "h.sqlite"  # not created yet: the writers race to create it too
    # separate processes, each with its own connection (fork where the system has it: faster to start)
    ctx = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn")
    queue, barrier = ctx.Queue(), ctx.Barrier(4)
    workers = [
        ctx.Process(target=_writer, args=(str(db), str(c), str(folder), 15, f"写入{i}", queue, barrier)) for i, c in enumerate([crit, crit2, crit, crit2])
    ]
    for w in workers:
        w.start()
    results = [queue.get(timeout=120) for _ in workers]
    for w in workers:
        w.join(timeout=60)
    assert [err for _, _, err in results if err] == []
    ids = sorted(i for _, got, _ in results for i in got)
    assert len(ids) == 60 and len(set(ids)) == 60
    with open_store(db) as s:
        assert s.check() == "ok"
        runs = s.runs()
        assert [r.id for r in runs] == ids
        assert {r.operator for r in runs} == {f"写入{i}" for i in range(4)}
        assert sorted({r.year for r in runs}) == [2020, 2021]
        for r in runs:
            assert r.units == 5 and len(s.unit_rows(r.id)) == 5 and len(s.module_rows(r.id)) == 5
        assert s.conn.execute("SELECT COUNT(*) FROM datasets").fetchone()[0] == 1  # same data stored once
        assert verify(s, ids[-1]).identical
