"""The benchmark at its smallest size: it runs, its data is the size it claims, and where our
method and the peers' coincide (a plain weighted sum) the rankings are the same."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

import generate  # noqa: E402

from scoring.api import load_criteria  # noqa: E402


@pytest.mark.parametrize("size", list(generate.SIZES))
def test_generated_criteria_are_the_size_they_claim(tmp_path, size, registry):
    units, leaves = generate.SIZES[size]
    spec, criteria, wsum, _ = generate.build(size)
    assert spec.units == units and spec.leaves == leaves
    (tmp_path / "c.toml").write_text(criteria, encoding="utf-8")
    (tmp_path / "w.toml").write_text(wsum, encoding="utf-8")
    crit = load_criteria(str(tmp_path / "c.toml"))
    plan = crit.plan
    assert len(plan.leaves) == leaves
    used = {leaf.method.name for leaf in plan.leaves.values()}
    # every method the built-in plugin registers, but the one that needs last year's published results from a
    # history store, which a generated data folder has not
    built_in = {name for name, source in registry.source.items() if source == "builtin"} - {"change_vs_last_year"}
    assert len(built_in) >= 14 and used >= built_in
    weights = {cat: tuple(m.weights.get(cat, 0) for m in plan.criteria.modules) for cat in plan.criteria.categories}
    assert len(weights) == 3 and len(set(weights.values())) == 3  # three categories, weighted differently
    load_criteria(str(tmp_path / "w.toml"))  # the weighted-sum twin is a valid criteria file too


def test_county_benchmark_runs_and_rankings_match_the_peers(tmp_path):
    out = tmp_path / "report.json"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--sizes", "county", "--repeat", "1", "--out", str(tmp_path / "bench"), "--json", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONPYCACHEPREFIX": str(tmp_path / "pycache")},  # run.py compiles the tree: not into it
    )
    assert proc.returncode == 0, proc.stderr
    assert "ranking check vs numpy" in proc.stdout and "Targets" in proc.stdout
    report = json.loads(out.read_text(encoding="utf-8"))["results"]["county"]
    assert report["units"] == 60 and report["leaves"] == 40 and len(report["categories"]) == 3
    checks = report["checks"]
    assert checks["numpy"] == 0 and checks["totals ≠ numpy (rounded 6)"] == 0
    assert all(n == 0 for n in checks.values())
    data = tmp_path / "bench" / "county" / "data"
    with open(data / "units.csv", encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert len(rows) == 61 and {r[2] for r in rows[1:]} == set(generate.CATEGORIES)
    assert (tmp_path / "bench" / "county" / "ours.csv").stat().st_size > 0
    # the disk's own row wrote as many bytes as the JSON run's file
    json_size = (tmp_path / "bench" / "county" / "ours.json").stat().st_size
    assert json_size > 0 and (tmp_path / "bench" / "county" / "disk.out").stat().st_size == json_size
