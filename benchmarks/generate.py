"""Seeded generator of realistic criteria and submitted data for the benchmark.

Three sizes (units × leaf indicators):

    county     60 × 40      one county's annual assessment
    province   6 000 × 120  a province comparing its counties' units
    nation     170 000 × 50 ≈ 2 850 county-level divisions × 60 units

For each size it writes, into a folder of your choice (never into the repository):

    criteria.toml   a criteria file using every built-in method: a 一级/二级/三级 indicator tree,
                    formulas, items not applicable to some categories (执法 items), items
                    excluded when there is nothing to assess, a ±3 附加项, two vetoes, grades
                    per category, a tie-break field and 姚安-style 约谈 rules; three
                    categories weighted differently
    wsum.toml       the same data scored as a plain weighted sum (every numeric field a
                    ``supplied`` module with per-category weights): the job the peers do,
                    so the rankings can be compared exactly
    wsum.json       those fields and weights, for the peer scripts
    data/           units.csv and one wide CSV per data owner (as offices collect them)

Usage:  python benchmarks/generate.py county [--out out/bench] [--seed 2020]
"""

from __future__ import annotations

import argparse
import csv
import json
import random
from dataclasses import dataclass, field
from pathlib import Path

SIZES = {"county": (60, 40), "province": (6_000, 120), "nation": (170_000, 50)}
CATEGORIES = ["乡镇(街道)", "党群部门", "政府部门"]
CATEGORY_SHARE = [0.3, 0.25, 0.45]
OWNERS = ["县委依法治县办", "县司法局", "县统计局", "县政府办公室", "县绩效考核办公室", "县委组织部"]
DEPTS = {
    "乡镇(街道)": ["镇", "乡", "街道"],
    "党群部门": ["纪委监委机关", "委办公室", "委组织部", "委宣传部", "委统战部", "委政法委", "总工会", "团委", "妇联"],
    "政府部门": [
        "政府办公室",
        "发改局",
        "教育局",
        "公安局",
        "司法局",
        "财政局",
        "人社局",
        "自然资源局",
        "住建局",
        "交通运输局",
        "水利局",
        "农业农村局",
        "商务局",
        "卫健局",
        "应急管理局",
        "市场监管局",
        "统计局",
    ],
}

# Module: id, name, weights per category (each category sums to 100), share of the leaf indicators.
MODULES = [
    ("djjs", "党的建设", {"乡镇(街道)": 25, "党群部门": 35, "政府部门": 25}, 0.0),
    ("fzzf", "法治政府建设", {"乡镇(街道)": 11, "党群部门": 17, "政府部门": 22}, 0.55),
    ("zdgz", "重点工作", {"乡镇(街道)": 24, "党群部门": 33, "政府部门": 38}, 0.45),
    ("jjfz", "经济发展", {"乡镇(街道)": 25}, 0.0),
    ("shpj", "社会评价", {"乡镇(街道)": 15, "党群部门": 15, "政府部门": 15}, 0.0),
]

# Leaf templates, cycled: (method, base name of its field(s)).
TEMPLATES = [
    "presence",
    "quota",
    "rate_threshold",
    "deduct_per_count",
    "must_be_full",
    "bands",
    "vs_average",
    "events_by_level",
    "rate_threshold_low",
    "relative_to_best",
    "graded_review",
    "rank_points",
    "supplied",
    "quota",
    "rate_threshold",
    "presence",
]


@dataclass
class Field:
    name: str
    kind: str  # number | count | rate | bool
    owner: str
    gen: tuple  # how to draw a value: ("int", lo, hi) | ("dec", lo, hi, places) | ("bool", p_true)
    blank: float = 0.0  # share of units that leave it empty
    formula: str | None = None
    min: float | None = None
    max: float | None = None


@dataclass
class Spec:
    """What was generated: enough for the peers and for honest-size checks."""

    size: str
    units: int
    leaves: int
    fields: list[Field] = field(default_factory=list)
    toml: list[str] = field(default_factory=list)


def _q(s: str) -> str:
    return json.dumps(s, ensure_ascii=False)


def _inline(d: dict) -> str:
    parts = []
    for k, v in d.items():
        if isinstance(v, dict):
            v = _inline(v)
        elif isinstance(v, list):
            v = "[" + ", ".join(_inline(x) if isinstance(x, dict) else json.dumps(x, ensure_ascii=False) for x in v) + "]"
        elif isinstance(v, bool):
            v = "true" if v else "false"
        elif isinstance(v, str):
            v = _q(v)
        key = k if k.isascii() and k.replace("_", "").isalnum() else _q(k)
        parts.append(f"{key} = {v}")
    return "{ " + ", ".join(parts) + " }"


class Builder:
    def __init__(self, rng: random.Random):
        self.rng = rng
        self.fields: list[Field] = []
        self.indicators: list[dict] = []
        self.n = 0

    def field(self, base: str, kind: str, gen: tuple, owner: str | None = None, **kw) -> str:
        self.n += 1
        name = f"{base}{self.n:03d}"
        self.fields.append(Field(name, kind, owner or self.rng.choice(OWNERS), gen, **kw))
        return name

    def leaf(self, template: str, parent: str, lid: str, full: float, apply_to=None) -> dict:
        r = self.rng
        owner = r.choice(OWNERS)
        ind: dict = {"id": lid, "parent": parent, "full": full, "owner": owner}
        if apply_to:
            ind["applies_to"] = apply_to
        if template == "presence":
            ind |= {
                "name": "制度建设落实",
                "method": "presence",
                "field": self.field("制度建立", "bool", ("bool", 0.85), owner),
                "params": {"deduction": min(1.0, full)},
                "evidence": "制度文件",
            }
        elif template == "quota":
            ind |= {
                "name": "会前学法",
                "method": "quota",
                "field": self.field("会前学法次数", "count", ("int", 2, 12), owner),
                "params": {"required": 6, "per_short": 0.3, "max_deduction": min(1.2, full)},
            }
        elif template == "rate_threshold":
            ind |= {
                "name": "案卷合格率",
                "method": "rate_threshold",
                "field": self.field("案卷合格率", "rate", ("dec", 55, 100, 1), owner),
                "params": {"target": 90, "step": 10, "per_step": 1, "partial": "ceil"},
            }
        elif template == "rate_threshold_low":
            ind |= {
                "name": "复议纠错率",
                "method": "rate_threshold",
                "field": self.field("纠错率", "rate", ("dec", 0, 30, 2), owner),
                "params": {"target": 12.07, "step": 1, "per_step": 0.5, "lower_is_better": True},
            }
        elif template == "deduct_per_count":
            ind |= {"name": "信息迟报", "method": "deduct_per_count", "field": self.field("迟报次数", "count", ("int", 0, 4), owner), "params": {"per": 0.5}}
        elif template == "must_be_full":
            need = self.field("应备案件数", "count", ("int", 0, 9), owner)
            done = self.field("已备案件数", "count", ("done", need), owner)
            rate = self.field("备案率", "rate", None, owner, formula=f"{done} / {need} * 100")
            ind |= {"name": "规范性文件备案", "method": "must_be_full", "field": rate, "params": {"deduction": full}, "missing": "exclude"}
        elif template == "bands":
            ind |= {
                "name": "学法考试",
                "method": "bands",
                "field": self.field("考试平均分", "number", ("dec", 50, 100, 1), owner, max=100),
                "params": {
                    "bands": [
                        {"min": 90, "points": full},
                        {"min": 80, "points": round(full * 0.8, 2)},
                        {"min": 70, "points": round(full * 0.6, 2)},
                        {"min": 60, "points": round(full * 0.4, 2)},
                    ],
                    "below": 0,
                },
            }
        elif template == "vs_average":
            ind |= {
                "name": "负责人出庭应诉",
                "method": "vs_average",
                "field": self.field("出庭应诉率", "rate", ("dec", 20, 100, 1), owner, blank=0.1),
                "params": {"step": 1, "per_step": 0.1, "max_deduction": min(4.0, full)},
                "missing": "exclude",
            }
        elif template == "events_by_level":
            per = {self.field("信息迟报次数", "count", ("int", 0, 3), owner): 0.5, self.field("信息漏报次数", "count", ("int", 0, 2), owner): 1}
            ind |= {"name": "法治信息报送", "method": "events_by_level", "params": {"per": per}}
        elif template == "relative_to_best":
            ind |= {
                "name": "重点任务完成量",
                "method": "relative_to_best",
                "field": self.field("任务完成量", "number", ("dec", 10, 100, 1), owner, min=0, max=100),
            }
        elif template == "graded_review":
            grades = {self.field(f"评审{g}票", "count", ("int", 1 if g == "A" else 0, 9), owner): k for g, k in zip("ABCD", (1.0, 0.8, 0.6, 0.4))}
            ind |= {"name": "普法责任制评审", "method": "graded_review", "params": {"grades": grades}}
        elif template == "rank_points":
            ind |= {
                "name": "普法宣传活动",
                "method": "rank_points",
                "field": self.field("宣传活动次数", "count", ("int", 0, 40), owner),
                "params": {"points": [full, round(full * 0.95, 2), round(full * 0.9, 2)], "rest": round(full * 0.8, 2)},
            }
        elif template == "supplied":
            ind |= {
                "name": "专项工作得分",
                "method": "supplied",
                "field": self.field("专项工作得分", "number", ("dec", 60, 100, 2), owner, max=100),
                "params": {"scale": 100},
            }  # supplied out of 100, scaled to the indicator's points
        else:  # pragma: no cover
            raise ValueError(template)
        return ind


def build(size: str, seed: int = 2020) -> tuple[Spec, str, str, dict]:
    """Criteria text, weighted-sum criteria text and peer weights for one size."""
    n_units, n_leaves = SIZES[size]
    rng = random.Random(f"{seed}-{size}")
    b = Builder(rng)
    inds: list[dict] = []
    # modules scored elsewhere (supplied), one leaf each; survey; bonus items
    supplied = {"djjs": ("党建考核得分", "县委组织部"), "jjfz": ("经济发展考核得分", "县统计局")}
    for mid, (base, owner) in supplied.items():
        f = b.field(base, "number", ("dec", 60, 100, 2), owner, max=100)
        inds.append({"id": mid.upper(), "module": mid, "name": base.replace("得分", ""), "full": 100, "method": "supplied", "field": f, "owner": owner})
    votes = {
        b.field(o, "count", ("int", lo, hi), "县统计局"): k for o, k, lo, hi in (("满意票", 100, 30, 70), ("基本满意票", 70, 5, 25), ("不满意票", 30, 0, 8))
    }
    unknown = b.field("不了解票", "count", ("int", 0, 10), "县统计局")
    inds.append(
        {
            "id": "SH",
            "module": "shpj",
            "name": "群众满意度测评",
            "full": 100,
            "method": "survey",
            "params": {"options": votes, "excluded": [unknown]},
            "owner": "县统计局",
        }
    )
    fixed_leaves = 3 + 2  # three above, two bonus items below
    body = n_leaves - fixed_leaves
    per_module = {"fzzf": round(body * 0.55)}
    per_module["zdgz"] = body - per_module["fzzf"]
    t = 0
    full_choices = [2, 3, 4, 5, 6, 8]
    module_full = {}
    for mid, count in per_module.items():
        left, g = count, 0
        tops_full = 0.0
        while left > 0:
            g += 1
            gid = f"{mid.upper()}{g}"
            k = min(left, rng.randint(4, 7))
            left -= k
            enforcement = g % 3 == 2  # 执法 items: not for 党群部门
            apply_to = ["乡镇(街道)", "政府部门"] if enforcement else None
            group = {"id": gid, "module": mid, "name": ("规范执法" if enforcement else "组织落实") + f"（{g}）", "full": 0.0}
            if apply_to:
                group["applies_to"] = apply_to
            children: list[dict] = []
            if k >= 6:  # a 三级 level: two sub-groups
                subs = [{"id": f"{gid}.{s}", "parent": gid, "name": f"分项{s}", "full": 0.0} for s in (1, 2)]
                for j in range(k):
                    sub = subs[j % 2]
                    leaf = b.leaf(TEMPLATES[t % len(TEMPLATES)], sub["id"], f"{sub['id']}.{j // 2 + 1}", rng.choice(full_choices))
                    t += 1
                    sub["full"] += leaf["full"]
                    children.append(leaf)
                group["full"] = subs[0]["full"] + subs[1]["full"]
                if rng.random() < 0.5:
                    subs[0]["max_deduction"] = round(subs[0]["full"] / 2, 1)  # a cap on a group's deduction
                inds += [group, *subs, *children]
            else:
                for j in range(k):
                    leaf = b.leaf(TEMPLATES[t % len(TEMPLATES)], gid, f"{gid}.{j + 1}", rng.choice(full_choices))
                    t += 1
                    group["full"] += leaf["full"]
                    children.append(leaf)
                inds += [group, *children]
            tops_full += group["full"]
        module_full[mid] = tops_full
    # 附加项 in 法治政府建设
    awards = {
        b.field(f"示范创建{lv}", "count", ("int", 0, 1) if lv == "国家级" else ("int", 0, 2), "县委依法治县办"): p
        for lv, p in (("国家级", 3), ("省级", 2), ("市级", 1))
    }
    notices = {b.field(f"{lv}通报次数", "count", ("int", 0, 1), "县委依法治县办"): p for lv, p in (("省级", 3), ("市级", 2), ("县级", 1))}
    inds.append(
        {
            "id": "FZZF.B1",
            "module": "fzzf",
            "name": "示范创建（附加项）",
            "full": 3,
            "bonus": True,
            "method": "bonus_by_level",
            "params": {"points": awards, "cap": 3},
        }
    )
    inds.append(
        {
            "id": "FZZF.B2",
            "module": "fzzf",
            "name": "通报批评（附加项）",
            "full": 3,
            "bonus": True,
            "method": "events_by_level",
            "params": {"per": notices, "max_deduction": 3},
        }
    )
    tasks = b.field("年度重点任务数", "count", ("int", 3, 20), "县绩效考核办公室")
    fail = b.field("重大负面影响事件数", "count", ("rare", 0.002), "县委依法治县办")
    safety = b.field("重大安全事故数", "count", ("rare", 0.01), "县应急管理局")

    leaves = sum(1 for i in inds if "method" in i)
    spec = Spec(size, n_units, leaves, b.fields)

    L = [
        "# 基准测试用评分细则（生成文件，数据为随机生成）",
        "",
        "[assessment]",
        f'name = "{size} 规模基准测试"',
        "year = 2024",
        'office = "基准测试"',
        "precision = 2",
        "total = 100",
        "categories = " + json.dumps(CATEGORIES, ensure_ascii=False),
        "",
    ]
    for mid, name, w, _ in MODULES:
        L += ["[[modules]]", f'id = "{mid}"', f"name = {_q(name)}", f"full = {module_full.get(mid, 100):g}", "weights = " + _inline(w)]
        if mid == "fzzf":
            L.append("bonus = { min = -3, max = 3 }")
        L.append("")
    for ind in inds:
        L.append("[[indicators]]")
        for k, v in ind.items():
            if isinstance(v, dict):
                L.append(f"{k} = {_inline(v)}")
            elif isinstance(v, bool):
                L.append(f"{k} = {'true' if v else 'false'}")
            elif isinstance(v, (int, float)):
                L.append(f"{k} = {v:g}")
            elif isinstance(v, list):
                L.append(f"{k} = {json.dumps(v, ensure_ascii=False)}")
            else:
                L.append(f"{k} = {_q(v)}")
        L.append("")
    L += [
        "[[vetoes]]",
        'id = "V1"',
        'name = "造成重大负面影响"',
        'kind = "fail"',
        f"field = {_q(fail)}",
        "",
        "[[vetoes]]",
        'id = "V2"',
        'name = "发生重大安全责任事故"',
        'kind = "no_excellent"',
        f"field = {_q(safety)}",
        "",
        "[[grades]]",
        'categories = ["党群部门", "政府部门"]',
        # bands set where offices would set them for this spread of totals: few 较差, a quota on 优秀
        'bands = [ { name = "优秀", min = 86 }, { name = "良好", min = 80, max = 86 }, { name = "一般", min = 75, max = 80 }, { name = "较差", max = 75 } ]',
        'quotas = [ { grade = "优秀", max_share = 0.2, rounding = "floor", ties = "exclude" } ]',
        "",
        "[[grades]]",
        'categories = ["乡镇(街道)"]',
        'bands = [ { name = "优秀", min = 86 }, { name = "良好", min = 80, max = 86 }, { name = "一般", min = 74, max = 80 }, { name = "较差", max = 74 } ]',
        'quotas = [ { grade = "优秀", max_share = 0.2, rounding = "floor", ties = "exclude" } ]',
        "",
        "[ranking]",
        f"tie_break = [{_q(tasks)}]",
        "",
        # 姚安县 综合绩效考核末位淘汰实施办法 (a published rule set), as decision rules
        "[decisions]",
        "close_margin = 0.5",
        "",
        "[[decisions.rules]]",
        'id = "R1"',
        'name = "考核等次为较差"',
        'consequence = "全县通报；诫勉谈话；一个月内报送整改报告"',
        'when = { grade = ["较差"] }',
        "",
        "[[decisions.rules]]",
        'id = "R2"',
        'name = "连续两年等次为较差"',
        'consequence = "组织调整"',
        'when = { grade = ["较差"] }',
        "look_back = { years = 2, times = 2 }",
        "",
        "[[decisions.rules]]",
        'id = "R3"',
        'name = "乡镇(街道)末位"',
        'consequence = "提醒谈话"',
        "when = { bottom = 1 }",
        'applies_to = ["乡镇(街道)"]',
        "",
        "[[decisions.rules]]",
        'id = "R4"',
        'name = "部门处于本类别后10%"',
        'consequence = "提醒谈话"',
        'when = { bottom_percent = 10, rounding = "ceil" }',
        'applies_to = ["党群部门", "政府部门"]',
        "",
        "[[decisions.rules]]",
        'id = "R5"',
        'name = "一票否决"',
        'consequence = "取消评先评优资格"',
        'when = { veto = "fail" }',
        "",
    ]
    L += _field_toml(b.fields)
    criteria = "\n".join(L)

    wsum, weights = _weighted_sum(spec, rng, size)
    return spec, criteria, wsum, weights


def _field_toml(fields: list[Field]) -> list[str]:
    L = []
    for f in fields:
        L += ["[[fields]]", f"name = {_q(f.name)}", f'kind = "{f.kind}"']
        if f.min is not None:
            L.append(f"min = {f.min:g}")
        if f.max is not None:
            L.append(f"max = {f.max:g}")
        if f.formula:
            L.append(f"formula = {_q(f.formula)}")
        else:
            L.append(f"owner = {_q(f.owner)}")
        L.append("")
    return L


def wsum_fields(spec: Spec) -> list[Field]:
    """Submitted numeric fields that are never blank and lie in [0, 100]: a weighted sum of them is well defined."""
    return [f for f in spec.fields if f.formula is None and f.kind != "bool" and f.blank == 0 and f.gen[0] != "done"]


def _weighted_sum(spec: Spec, rng: random.Random, size: str) -> tuple[str, dict]:
    """Every field its own module with one ``supplied`` indicator; weights with one decimal summing to 100.

    With values of at most 2 decimals and weights of 1 decimal each term has at most 5
    decimals, so at precision 6 our rounding is exact and a peer's float sum rounded to
    6 decimals gives the same totals: rankings must then be identical, ties included.
    """
    fields = wsum_fields(spec)
    weights: dict[str, list[float]] = {}
    for cat in CATEGORIES:
        raw = [rng.randint(1, 30) for _ in fields]
        tenths = [max(1, round(r * 1000 / sum(raw))) for r in raw]
        tenths[tenths.index(max(tenths))] += 1000 - sum(tenths)
        weights[cat] = [x / 10 for x in tenths]
    L = [
        "# 基准测试：加权求和（与对照脚本同一算法）",
        "",
        "[assessment]",
        f'name = "{size} 加权求和"',
        "year = 2024",
        "precision = 6",
        "total = 100",
        "categories = " + json.dumps(CATEGORIES, ensure_ascii=False),
        "",
    ]
    for j, f in enumerate(fields):
        w = {cat: weights[cat][j] for cat in CATEGORIES}
        L += [
            "[[modules]]",
            f'id = "m{j}"',
            f"name = {_q(f.name)}",
            "full = 100",
            "weights = " + _inline(w),
            "",
            "[[indicators]]",
            f'id = "i{j}"',
            f'module = "m{j}"',
            f"name = {_q(f.name)}",
            "full = 100",
            'method = "supplied"',
            f"field = {_q(f.name)}",
            "",
        ]
    used = {f.name for f in fields}
    # every submitted column must be declared (the engine refuses unknown columns); only these are summed
    L += _field_toml([Field(f.name, "number", f.owner, f.gen, max=100) if f.name in used else f for f in spec.fields if f.formula is None])
    return "\n".join(L), {"fields": [f.name for f in fields], "weights": weights}


def _draw(f: Field, rng: random.Random, row: dict) -> str:
    if f.blank and rng.random() < f.blank:
        return ""
    g = f.gen
    if g[0] == "int":
        return str(rng.randint(g[1], g[2]))
    if g[0] == "dec":
        return f"{rng.uniform(g[1], g[2]):.{g[3]}f}"
    if g[0] == "bool":
        return "是" if rng.random() < g[1] else "否"
    if g[0] == "rare":
        return "1" if rng.random() < g[1] else "0"
    if g[0] == "done":  # filed ≤ due, mostly all
        need = int(row[g[1]])
        return str(need if rng.random() < 0.8 else rng.randint(0, need))
    raise ValueError(g)


def units(n: int, rng: random.Random) -> list[tuple[str, str, str]]:
    out = []
    for i in range(n):
        cat = rng.choices(CATEGORIES, CATEGORY_SHARE)[0]
        county, k = divmod(i, 60)
        out.append((f"U{i + 1:06d}", f"第{county + 1}县{rng.choice(DEPTS[cat])}{k + 1}", cat))
    # every category has units, even at the smallest size
    for j, cat in enumerate(CATEGORIES):
        if not any(u[2] == cat for u in out):
            uid, name, _ = out[j]
            out[j] = (uid, name, cat)
    return out


def write(size: str, out: Path, seed: int = 2020) -> Spec:
    """Write criteria.toml, wsum.toml, wsum.json and data/*.csv for one size; return what was made."""
    spec, criteria, wsum, weights = build(size, seed)
    out.mkdir(parents=True, exist_ok=True)
    data = out / "data"
    data.mkdir(exist_ok=True)
    for old in data.glob("*.csv"):
        old.unlink()
    (out / "criteria.toml").write_text(criteria, encoding="utf-8")
    (out / "wsum.toml").write_text(wsum, encoding="utf-8")
    (out / "wsum.json").write_text(json.dumps(weights, ensure_ascii=False, indent=1), encoding="utf-8")
    rng = random.Random(f"{seed}-{size}-data")
    us = units(spec.units, rng)
    with open(data / "units.csv", "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["单位编号", "单位名称", "类别"])
        w.writerows(us)
    submitted = [f for f in spec.fields if f.formula is None]
    by_owner: dict[str, list[Field]] = {}
    for f in submitted:
        by_owner.setdefault(f.owner, []).append(f)
    # draw row by row so that dependent fields ("done" ≤ "need") see their partner
    rows: dict[str, list[list[str]]] = {o: [] for o in by_owner}
    for uid, name, _ in us:
        row: dict[str, str] = {}
        for f in submitted:
            row[f.name] = _draw(f, rng, row)
        for o, fs in by_owner.items():
            rows[o].append([uid, name] + [row[f.name] for f in fs])
    for o, fs in by_owner.items():
        with open(data / f"{o}.csv", "w", encoding="utf-8-sig", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["单位编号", "单位名称"] + [f.name for f in fs])
            w.writerows(rows[o])
    return spec


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description="Generate benchmark criteria and data")
    p.add_argument("size", choices=list(SIZES))
    p.add_argument("--out", default="out/bench", help="parent folder; files go to OUT/SIZE (default out/bench)")
    p.add_argument("--seed", type=int, default=2020)
    a = p.parse_args(argv)
    spec = write(a.size, Path(a.out) / a.size, a.seed)
    print(f"{a.size}: {spec.units} units × {spec.leaves} leaf indicators, {len(spec.fields)} fields → {Path(a.out) / a.size}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
