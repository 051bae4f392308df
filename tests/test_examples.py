"""Every criteria file in criteria/ checks and scores against its data in examples/<same stem>/."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from scoring.core.engine import score
from scoring.core.explain import unit_sheet
from scoring.core.rounding import round_half_up
from scoring.load.criteria_file import load_criteria
from scoring.load.submissions import read_folder

ROOT = Path(__file__).resolve().parent.parent
CRITERIA = sorted((ROOT / "criteria").glob("*.toml"))


def test_there_is_an_example():
    assert CRITERIA, "criteria/ holds no .toml file"


@pytest.mark.parametrize("path", CRITERIA, ids=[p.stem for p in CRITERIA])
def test_example_checks_and_scores(path, registry):
    plan = load_criteria(path, registry)
    folder = ROOT / "examples" / path.stem
    assert folder.is_dir(), f"no data folder examples/{path.stem}/ for {path.name}"
    data = read_folder(folder, plan.criteria)
    res = score(plan, data)
    places = plan.criteria.assessment.precision
    assert list(res.categories) == plan.criteria.categories
    for cs in res.categories.values():
        assert len(cs.index), f"category {cs.category} has no units"
        assert not np.isnan(cs.total).any()
        ranks = sorted(cs.rank.tolist())
        assert ranks[0] == 1 and ranks[-1] <= len(cs.index)
        if plan.criteria.grades_for(cs.category) is not None:
            assert all(cs.grade)
        for p in range(len(cs.index)):  # every unit's sheet can be explained, and adds up
            sheet = unit_sheet(res, cs, p)
            assert round_half_up(sum(m["contribution"] for m in sheet["modules"]), places) == sheet["total"]
    assert sum(len(cs.index) for cs in res.categories.values()) == len(data)


def test_example_data_is_reproducible_from_its_generator(tmp_path):
    """Each examples/make_*.py (seeded) writes exactly the data folders that are committed."""
    import importlib.util

    scripts = sorted((ROOT / "examples").glob("make_*.py"))
    covered = set()
    for script in scripts:
        spec = importlib.util.spec_from_file_location(f"example_{script.stem}", script)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        module.write_data(tmp_path / script.stem)
        for folder in module.FOLDERS:
            made, committed = tmp_path / script.stem / folder, ROOT / "examples" / folder
            names = sorted(p.name for p in made.glob("*.csv"))
            assert names == sorted(p.name for p in committed.glob("*.csv"))
            for name in names:
                assert (made / name).read_bytes() == (committed / name).read_bytes(), f"{folder}/{name}"
            covered.add(folder)
        for year in getattr(module, "YEARS", [])[1:]:  # criteria files the script derives
            committed = ROOT / "criteria" / f"yaoan-{year}.toml"
            assert module.criteria_text(year) == committed.read_text(encoding="utf-8")
    # every example folder has a generator
    assert covered == {p.name for p in (ROOT / "examples").iterdir() if p.is_dir() and not p.name.startswith((".", "_"))}
