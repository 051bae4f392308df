"""Applying accepted objections is a correction like any other: for any accepted values, the
correction run's results are exactly those `rescore` gives for a data folder holding those values."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from history_support import ROOT, tiny_folder, tiny_criteria
from scoring.history import cycle
from scoring.history.reproduce import rescore
from scoring.history.seal import finalize
from scoring.history.store import open_store
from history_support import record_for

UNITS = [("U1", "东城镇", "甲"), ("U2", "西城镇", "甲"), ("U3", "南山镇", "甲"), ("U4", "县教育局", "乙"), ("U5", "县财政局", "乙")]
A, B, V = [90, 70.5, 88, 95, 60], [1, 0, None, 3, 2], [0, 0, 0, 0, 1]


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.sampled_from([u[0] for u in UNITS]), st.integers(0, 100), min_size=1, max_size=3))
def test_apply_equals_rescore_of_the_same_values(values):
    tmp = Path(tempfile.mkdtemp(prefix="cycle-prop-"))
    try:
        shutil.copy(ROOT / "plugins" / "relative.py", tmp / "relative.py")
        crit = tmp / "c.toml"
        crit.write_text(tiny_criteria(plugins=["relative.py"], method_a="relative_to_best", params_a=""), encoding="utf-8")
        folder = tiny_folder(tmp / "d", UNITS, A, B, V)
        plug = [str(tmp / "relative.py")]
        with open_store(tmp / "h.sqlite", create=True) as s:
            rec, _ = record_for(crit, folder)
            run = s.save(rec)
            finalize(s, run, "x", plugin_args=plug)
            cycle.publish(s, run, "2021-01-05", "2021-01-11", "x")
            for uid, x in values.items():
                o = cycle.add_objection(s, run, uid, None, "a", "t", [], "2021-01-06", "x")
                cycle.decide(s, o.id, True, [f"a={x}"], "属实", "x")
            done = cycle.apply(s, run, "复核", "x", plug)
            by_apply = s.unit_rows(done.report.new_run.id)
            a = [values.get(u[0], x) for u, x in zip(UNITS, A)]
            rep, _, _ = rescore(s, run, str(tiny_folder(tmp / "d2", UNITS, a, B, V)), "same values from a folder", "x", plug)
            by_folder = s.unit_rows(rep.new_run.id)
        assert [(r.unit_id, r.total, r.rank, r.grade, r.sheet) for r in by_apply] == [(r.unit_id, r.total, r.rank, r.grade, r.sheet) for r in by_folder]
        moved = {c.unit_id for c in done.report.changes if c.what in cycle.MOVES}
        assert {n.unit_id for n in done.notices} >= moved
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
