"""Shared inputs for the report tests: the bundled example, and small results with any unit names."""

from __future__ import annotations

import functools
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import numpy as np
import tomli

from scoring.api import load_criteria
from scoring.core.criteria import Criteria
from scoring.core.dataset import Dataset
from scoring.core.decisions import Outcome, decide, outcomes_of
from scoring.core.engine import score
from scoring.core.plan import build_plan
from scoring.load.submissions import read_folder
from scoring.registry import load_registry
from scoring.history import canonical
from scoring.history.stamp import make_stamp

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE_CRITERIA = ROOT / "criteria" / "yitong-2020.toml"
EXAMPLE_DATA = ROOT / "examples" / "yitong-2020"


@functools.lru_cache(maxsize=1)
def example():
    """(results, decisions, stamp) of the bundled 伊通 2020 example."""
    crit = load_criteria(str(EXAMPLE_CRITERIA))
    plan, registry = crit.plan, crit.registry
    res = score(plan, read_folder(EXAMPLE_DATA, plan.criteria))
    stamp = make_stamp(canonical.sha256(EXAMPLE_CRITERIA.read_bytes()), canonical.data_hash(res.data), plan, registry)
    return res, decide(res.criteria, outcomes_of(res)), stamp.as_dict()


SMALL = """
[assessment]
name = "测试县2024年度综合考核"
year = 2024
office = "测试县考核办"
categories = ["乡镇", "部门"]
[[modules]]
id = "m1"
name = "重点工作"
weights = { "乡镇" = 60, "部门" = 70 }
[[modules]]
id = "m2"
name = "社会评价"
weights = { "乡镇" = 40, "部门" = 30 }
[[indicators]]
id = "A"
module = "m1"
name = "重点工作得分"
full = 100
method = "supplied"
field = "重点"
owner = "县督查局"
[[indicators]]
id = "B"
module = "m2"
name = "满意度"
full = 100
method = "supplied"
field = "满意"
owner = "县统计局"
[[fields]]
name = "重点"
max = 100
[[fields]]
name = "满意"
max = 100
[[grades]]
bands = [ { name = "优秀", min = 90 }, { name = "合格", min = 80, max = 90 }, { name = "不合格", max = 80 } ]
[decisions]
[[decisions.rules]]
id = "R1"
name = "不合格"
consequence = "约谈"
when = { total_below = 80 }
[[decisions.rules]]
id = "R2"
name = "末位"
consequence = "提醒谈话"
when = { bottom = 1 }
[[decisions.rules]]
id = "R3"
name = "连续两年末位"
consequence = "组织调整"
when = { bottom = 1 }
look_back = { years = 2, times = 2 }
"""


def small(names: list[str], evidence: str | None = None, seed: int = 0):
    """Results and decisions for units with the given names (half 乡镇, half 部门), scores from a seed."""
    crit = Criteria.model_validate(tomli.loads(SMALL))
    plan = build_plan(crit, load_registry().methods)
    n = len(names)
    rng = np.random.default_rng(seed)
    ids = [f"U{i:03d}" for i in range(n)]
    cats = ["乡镇" if i % 2 == 0 else "部门" for i in range(n)]
    values = {"重点": np.round(rng.uniform(60, 100, n), 2), "满意": np.round(rng.uniform(60, 100, n), 2)}
    ev = {(u, "重点"): evidence for u in ids} if evidence is not None else {}
    data = Dataset(ids, list(names), cats, values, {"重点": "督查.csv", "满意": "统计.csv"}, ev)
    res = score(plan, data)
    return res, decide(crit, outcomes_of(res))


def shifted_history(res, years_back: int = 1) -> dict[int, list[Outcome]]:
    """Earlier years' outcomes: the same units with ranks reversed within each category."""
    out = {}
    for k in range(1, years_back + 1):
        year = res.criteria.assessment.year - k
        now = outcomes_of(res)
        outs = []
        for o in now:
            outs.append(replace(o, year=year, rank=o.of + 1 - o.rank if k % 2 else o.rank))
        out[year] = outs
    return out


def tool(name: str) -> str | None:
    return shutil.which(name)


def has_cjk_font() -> bool:
    exe = shutil.which("fc-list")
    if exe is None:
        return False
    out = subprocess.run([exe, ":lang=zh", "family"], capture_output=True, text=True)
    return bool(out.stdout.strip())
