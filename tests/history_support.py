"""Shared pieces for the history tests: a tiny criteria file, scoring a folder, saving runs."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from scoring.core.dataset import Dataset
from scoring.core.engine import score
from scoring.core.plan import build_plan
from scoring.history.record import build_record, data_files
from scoring.load.criteria_file import parse_criteria
from scoring.load.submissions import read_folder
from scoring.registry import load_registry

ROOT = Path(__file__).resolve().parent.parent

TINY = """
[assessment]
name = "测试县{year}年度考核"
year = {year}
precision = 2
categories = ["甲", "乙"]
plugins = {plugins}

[history]
series = "测试县年度考核"

[[modules]]
id = "m"
name = "工作"
weights = {{ "甲" = 100, "乙" = 100 }}

[[indicators]]
id = "A"
module = "m"
name = "重点工作"
full = 60
method = "{method_a}"
field = "a"
{params_a}

[[indicators]]
id = "B"
module = "m"
name = "信息迟报"
full = 40
method = "deduct_per_count"
field = "b"
params = {{ per = 1.5 }}
missing = "exclude"

[[vetoes]]
id = "V"
name = "重大事故"
kind = "fail"
field = "v"

[[grades]]
bands = [{{ name = "好", min = 80 }}, {{ name = "中", min = 60, max = 80 }}, {{ name = "差", max = 60 }}]

[[fields]]
name = "a"
min = 0
max = 100

[[fields]]
name = "b"
kind = "count"

[[fields]]
name = "v"
kind = "count"
"""


def tiny_criteria(year: int = 2020, plugins: list[str] = (), method_a: str = "supplied", params_a: str = "params = { scale = 100 }") -> str:
    return TINY.format(year=year, plugins=repr(list(plugins)).replace("'", '"'), method_a=method_a, params_a=params_a)


def write_csv(path: Path, header: list[str], rows: list[list]) -> None:
    with open(path, "w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)


def tiny_folder(folder: Path, units: list[tuple[str, str, str]], a: list, b: list, v: list) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    write_csv(folder / "units.csv", ["单位编号", "单位名称", "类别"], [list(u) for u in units])
    write_csv(folder / "考核办.csv", ["单位编号", "a", "b", "v"], [[u[0], x, "" if y is None else y, z] for u, x, y, z in zip(units, a, b, v)])
    return folder


def tiny_setup(tmp: Path, year: int = 2020, **kw) -> tuple[Path, Path]:
    """A criteria file and a data folder of five units in two categories."""
    crit = tmp / f"tiny-{year}.toml"
    crit.write_text(tiny_criteria(year, **kw), encoding="utf-8")
    units = [("U1", "东城镇", "甲"), ("U2", "西城镇", "甲"), ("U3", "南山镇", "甲"), ("U4", "县教育局", "乙"), ("U5", "县财政局", "乙")]
    folder = tiny_folder(tmp / f"data-{year}", units, [90, 70.5, 88, 95, 60], [1, 0, None, 3, 2], [0, 0, 0, 0, 1])
    return crit, folder


def plan_of(criteria_text: bytes | str, folders: list[Path] = ()):
    raw = criteria_text.encode("utf-8") if isinstance(criteria_text, str) else criteria_text
    criteria, _, _ = parse_criteria(raw, "test.toml")
    registry = load_registry(list(folders))
    return build_plan(criteria, registry.methods, registry.failed), registry, raw


def record_for(crit: Path, folder: Path, operator: str = "测试", **kw):
    """Score a criteria file and a folder like `scoring run` does, and build the record to save."""
    raw = crit.read_bytes()
    criteria, _, _ = parse_criteria(raw, str(crit))
    registry = load_registry([crit.parent / p for p in criteria.assessment.plugins])
    plan = build_plan(criteria, registry.methods, registry.failed)
    res = score(plan, read_folder(folder, criteria))
    return build_record(
        res, registry, criteria_raw=raw, criteria_path=str(crit.resolve()), data_path=str(folder.resolve()), operator=operator, files=data_files(folder), **kw
    ), res


def dataset(ids, cats, cols: dict[str, list[float]], names=None) -> Dataset:
    return Dataset(list(ids), list(names or ids), list(cats), {k: np.asarray(v, dtype=float) for k, v in cols.items()})
