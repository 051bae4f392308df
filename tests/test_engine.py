"""The engine on criteria and data built in memory: properties over generated cases, then vetoes and missing data."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from builders import NaN, registry, examples
from scoring.core.criteria import Criteria
from scoring.core.dataset import Dataset
from scoring.core.engine import score
from scoring.core.explain import ranked, unit_sheet
from scoring.core.plan import build_plan
from scoring.core.rounding import round_half_up
from scoring.errors import DataError

CATS = ["党群部门", "政府部门", "乡镇(街道)"]

# method, params as a function of the item's full points, kind of the field read, +1 if more is better / −1 if worse
LEAVES = [
    ("quota", lambda f: {"required": 6, "per_short": f / 10}, "count", +1),
    ("deduct_per_count", lambda f: {"per": f / 8, "max_deduction": f / 2}, "count", -1),
    ("presence", lambda f: {"deduction": f / 2}, "bool", +1),
    ("rate_threshold", lambda f: {"target": 90, "step": 10, "per_step": f / 5, "partial": "ceil"}, "rate", +1),
    ("rate_threshold", lambda f: {"target": 12.07, "per_step": f / 20, "lower_is_better": True}, "rate", -1),
    ("must_be_full", lambda f: {"deduction": f / 3}, "rate", +1),
    ("vs_average", lambda f: {"per_step": f / 50}, "rate", +1),
    ("relative_to_best", lambda f: {}, "count", +1),
    ("rank_points", lambda f: {"decay": 0.05}, "count", +1),
    ("rank_points", lambda f: {"points": [f, f * 0.9, f * 0.8], "rest": f * 0.5}, "count", +1),
    ("bands", lambda f: {"bands": [{"min": 90, "points": f}, {"min": 60, "points": f * 0.6}], "below": 0}, "rate", +1),
    ("supplied", lambda f: {"scale": 100}, "score", +1),
]
KIND = {"count": {"kind": "count"}, "bool": {"kind": "bool"}, "rate": {"kind": "rate"}, "score": {"max": 100}}


def _split(draw, total: int, parts: int) -> list[int]:
    cuts = sorted(draw(st.lists(st.integers(1, total - 1), min_size=parts - 1, max_size=parts - 1, unique=True)))
    return [b - a for a, b in zip([0] + cuts, cuts + [total])]


@st.composite
def cases(draw, vetoes: bool = True, missing: bool = True, tie_break: bool | None = None, caps: bool = False):
    """A small criteria file (as a dict) and data for it; also which fields are better when higher.

    ``caps`` widens the cases to every cap the engine applies: an item's own max_deduction,
    group caps of any size (0 included), bonus ranges that cut the bonus items' sum (one-sided
    ones included), and every partial-step rounding ("linear", "ceil", "floor").
    """
    cats = CATS[: draw(st.integers(1, 3))]
    total = draw(st.sampled_from([100, 100, 1000]))
    n_mod = draw(st.integers(1, 3))
    fields: list[dict] = []
    direction: dict[str, int] = {}
    nan_ok: set[str] = set()
    kinds: dict[str, str] = {}
    pairs: list[tuple[str, str]] = []  # (numerator, denominator) of derived rates
    modules, indicators = [], []

    def leaf(ind_id: str, name: str, full: float, first: bool, **where) -> dict:
        method, params, kind, sign = draw(st.sampled_from(LEAVES))
        f = f"x{len(fields)}"
        fields.append({"name": f, **KIND[kind]})
        direction[f], kinds[f] = sign, kind
        policy = "error" if first or not missing else draw(st.sampled_from(["error", "exclude", "zero"]))
        if policy != "error":
            nan_ok.add(f)
        p = params(full)
        out = {"id": ind_id, "name": name, "full": full, "method": method, "field": f, "params": p, "missing": policy, **where}
        if caps:
            if method in ("rate_threshold", "vs_average"):
                p["partial"] = draw(st.sampled_from(["linear", "ceil", "floor"]))
            if draw(st.booleans()):  # the item's own cap on what it loses
                out["max_deduction"] = full * draw(st.sampled_from([0, 0.1, 0.25, 0.5, 1]))
            if kind == "rate" and draw(st.booleans()):  # a rate computed from two counts; 0 ÷ 0 for some units
                a, b = f + "分子", f + "分母"
                fields[-1] = {"name": f, "kind": "rate", "formula": f"{a} / {b} * 100"}
                fields.extend([{"name": a, "kind": "count"}, {"name": b, "kind": "count"}])
                del kinds[f], direction[f]
                kinds[a] = kinds[b] = "count"
                pairs.append((a, b))
                if f in nan_ok:
                    nan_ok.update((a, b))
                # (the first item of a module is never left out: a module must keep something to score)
                out["zero_denominator"] = draw(st.sampled_from(["full", "zero"] if first else ["exclude", "full", "zero"]))
        return out

    weights = [dict() for _ in range(n_mod)]
    for c in cats:
        for m, w in enumerate(_split(draw, total, n_mod) if n_mod > 1 else [total]):
            weights[m][c] = w
    for m in range(n_mod):
        mfull = draw(st.sampled_from([100, 100, 50, 30]))
        mod = {"id": f"m{m}", "name": f"模块{m}", "full": mfull, "weights": weights[m]}
        n_top = draw(st.integers(1, 3))
        fulls = _split(draw, mfull, n_top) if n_top > 1 else [mfull]
        for t, full in enumerate(fulls):
            tid = f"{m}.{t}"
            if full >= 2 and draw(st.integers(0, 3)) == 0:  # a group of two
                a = draw(st.integers(1, full - 1))
                group = {"id": tid, "module": f"m{m}", "name": f"指标组{tid}", "full": full}
                if draw(st.booleans()):
                    group["max_deduction"] = full * (draw(st.sampled_from([0, 0.1, 0.3, 0.5, 1])) if caps else 0.5)
                indicators.append(group)
                indicators.append(leaf(f"{tid}.1", f"指标{tid}.1", a, t == 0, parent=tid))
                indicators.append(leaf(f"{tid}.2", f"指标{tid}.2", full - a, False, parent=tid))
            else:
                indicators.append(leaf(tid, f"指标{tid}", full, t == 0, module=f"m{m}"))
        if draw(st.booleans()):  # 附加项 ±3
            low, high = draw(st.sampled_from([(-3, 3), (-1, 2), (-2, 0), (0, 1), (-0.5, 0.5)])) if caps else (-3, 3)
            mod["bonus"] = {"min": low, "max": high}
            fields += [{"name": f"奖{m}", "kind": "count"}, {"name": f"罚{m}", "kind": "count"}]
            direction[f"奖{m}"], direction[f"罚{m}"] = +1, -1
            kinds[f"奖{m}"] = kinds[f"罚{m}"] = "count"
            indicators.append(
                {
                    "id": f"{m}.B+",
                    "module": f"m{m}",
                    "name": "示范创建",
                    "full": 3,
                    "bonus": True,
                    "method": "bonus_by_level",
                    "params": {"points": {f"奖{m}": 1}, "cap": 3},
                }
            )
            indicators.append(
                {
                    "id": f"{m}.B-",
                    "module": f"m{m}",
                    "name": "通报批评",
                    "full": 3,
                    "bonus": True,
                    "method": "events_by_level",
                    "params": {"per": {f"罚{m}": 1.5}, "max_deduction": 3},
                }
            )
        modules.append(mod)

    places = draw(st.integers(0, 3))
    for ind in indicators:  # `check` refuses a cap finer than the precision scores are rounded to
        if "max_deduction" in ind:
            ind["max_deduction"] = round(ind["max_deduction"], places)
    for mod in modules:  # … and a bonus range finer than it
        if "bonus" in mod and places == 0 and mod["bonus"]["max"] == 0.5:
            mod["bonus"] = {"min": -1, "max": 1}
    doc = {
        "assessment": {"name": "生成", "year": 2020, "precision": places, "total": total, "categories": cats},
        "fields": fields,
        "modules": modules,
        "indicators": indicators,
    }
    if vetoes and draw(st.booleans()):
        fields += [{"name": "否决事件", "kind": "count"}, {"name": "否优事件", "kind": "count"}]
        doc["vetoes"] = [
            {"id": "V1", "name": "一票否决事项", "kind": "fail", "field": "否决事件"},
            {"id": "V2", "name": "否优事项", "kind": "no_excellent", "field": "否优事件"},
        ]
        kinds["否决事件"] = kinds["否优事件"] = "event"
    if vetoes and draw(st.booleans()) or "vetoes" in doc:
        top = total * draw(st.integers(60, 95)) // 100
        mid = total * draw(st.integers(20, 59)) // 100
        doc["grades"] = [{"bands": [{"name": "优秀", "min": top}, {"name": "合格", "min": mid, "max": top}, {"name": "不合格", "max": mid}]}]
    if tie_break is None:
        tie_break = draw(st.booleans())
    if tie_break:
        fields.append({"name": "任务数", "kind": "count"})
        kinds["任务数"] = "count"
        doc["ranking"] = {"tie_break": ["任务数"]}

    n = draw(st.integers(1, 10))
    ids = [f"U{i:02d}" for i in range(n)]
    cat_of = [draw(st.sampled_from(cats)) for _ in ids]
    values = {}
    for f, kind in kinds.items():
        col = []
        for _ in ids:
            if f in nan_ok and draw(st.integers(0, 4)) == 0:
                col.append(NaN)
            elif kind == "count":
                col.append(float(draw(st.integers(0, 8))))
            elif kind == "bool":
                col.append(float(draw(st.booleans())))
            elif kind == "event":
                col.append(float(draw(st.integers(0, 5)) == 0))
            else:  # a rate or a supplied score: a few repeated values make ties likely
                col.append(
                    draw(st.sampled_from([0.0, 12.07, 50.0, 85.5, 90.0, 100.0, 99.99])) if draw(st.booleans()) else draw(st.floats(0, 100, allow_nan=False))
                )
        values[f] = np.asarray(col, dtype=float)
    for a, b in pairs:  # a part of its whole (rate ≤ 100 %), and 0 of 0 now and then
        whole = values[b]
        values[a] = np.where(np.isnan(values[a]) | np.isnan(whole), values[a], np.minimum(values[a], whole))
        both = np.asarray([draw(st.integers(0, 3)) == 0 for _ in ids])
        values[a] = np.where(both & ~np.isnan(values[a]) & ~np.isnan(whole), 0.0, values[a])
        values[b] = np.where(both & ~np.isnan(values[a]) & ~np.isnan(whole), 0.0, whole)
    data = Dataset(ids, [f"单位{i}" for i in ids], cat_of, values)
    return doc, data, direction, nan_ok


def plan_of(doc):
    return build_plan(Criteria.model_validate(doc), registry().methods)


def by_unit(res) -> dict[str, dict]:
    """Every number the engine gives a unit, keyed by unit id (order-free)."""
    out = {}
    for cs in res.categories.values():
        for p, i in enumerate(cs.index):
            out[res.data.ids[i]] = {
                "category": cs.category,
                "total": cs.total[p],
                "rank": int(cs.rank[p]),
                "grade": cs.grade[p],
                "failed": bool(cs.failed[p]),
                "no_excellent": bool(cs.no_excellent[p]),
                "modules": {k: (m.base[p], m.bonus[p], m.score[p], m.contribution[p]) for k, m in cs.modules.items()},
                "indicators": {k: s.points[p] for k, s in cs.indicators.items()},
            }
    return out


def same(a, b) -> bool:
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, tuple):
        return all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, float) or isinstance(b, float):
        return (math.isnan(a) and math.isnan(b)) or a == b
    return a == b


SETTINGS = settings(max_examples=examples(40), deadline=None)


@SETTINGS
@given(cases(), st.randoms(use_true_random=False))
def test_shuffling_units_changes_nothing_but_order(case, rnd):
    doc, data, _, _ = case
    plan = plan_of(doc)
    order = list(range(len(data)))
    rnd.shuffle(order)
    a, b = by_unit(score(plan, data)), by_unit(score(plan, data.take(order)))
    for uid in a:
        assert same(a[uid], b[uid]), (uid, a[uid], b[uid])


@SETTINGS
@given(cases(), st.data())
def test_raising_a_benefit_input_never_lowers_that_units_total(case, data_):
    doc, data, direction, _ = case
    plan = plan_of(doc)
    before = by_unit(score(plan, data))
    u = data_.draw(st.integers(0, len(data) - 1))
    f = data_.draw(st.sampled_from(sorted(direction)))
    spec = {x["name"]: x for x in doc["fields"]}[f]
    old = data.values[f][u]
    if math.isnan(old):
        return
    hi = {"bool": 1, "rate": 100, "count": old + 5}.get(spec.get("kind"), spec.get("max", 100))
    lo = 0.0
    new = data_.draw(st.floats(old, hi) if direction[f] > 0 else st.floats(lo, old))
    if spec.get("kind") in ("count", "bool"):
        new = float(math.ceil(new) if direction[f] > 0 else math.floor(new))
    values = {k: v.copy() for k, v in data.values.items()}
    values[f][u] = new
    after = by_unit(score(plan, Dataset(data.ids, data.names, data.categories, values)))
    uid = data.ids[u]
    assert after[uid]["total"] >= before[uid]["total"], (f, old, new, before[uid], after[uid])


def _check_ranks(res, places, tie):
    for cs in res.categories.values():
        n = len(cs.index)
        tb = res.data.values["任务数"][cs.index] if tie else np.zeros(n)
        for p in range(n):
            ahead = 0
            for q in range(n):
                if cs.failed[q] != cs.failed[p]:
                    ahead += bool(cs.failed[p])  # a vetoed unit has every non-vetoed one ahead of it
                    continue
                tq, tp = round_half_up(cs.total[q], places), round_half_up(cs.total[p], places)
                ahead += tq > tp or (tq == tp and tb[q] > tb[p])
            assert cs.rank[p] == 1 + ahead, (cs.category, p, cs.total.tolist(), cs.rank.tolist())
            for q in range(n):
                if cs.failed[p] == cs.failed[q]:
                    if round_half_up(cs.total[p], places) > round_half_up(cs.total[q], places):
                        assert cs.rank[p] < cs.rank[q]
                    if cs.total[p] == cs.total[q] and not tie:
                        assert cs.rank[p] == cs.rank[q]  # 并列


@SETTINGS
@given(cases())
def test_rank_order_follows_totals(case):
    doc, data, _, _ = case
    res = score(plan_of(doc), data)
    _check_ranks(res, doc["assessment"]["precision"], "ranking" in doc)


@SETTINGS
@given(cases(tie_break=False, vetoes=False))
def test_equal_totals_share_a_rank_without_tie_break(case):
    doc, data, _, _ = case
    doubled = data.take(list(range(len(data))) * 2)  # every unit twice: every total tied
    doubled.ids[:] = [f"{u}-{k}" for k, u in enumerate(doubled.ids)]
    res = score(plan_of(doc), doubled)
    for cs in res.categories.values():
        n = len(cs.index)
        for p in range(n):
            twin = [q for q in range(n) if q != p and doubled.ids[cs.index[q]].split("-")[0] == doubled.ids[cs.index[p]].split("-")[0]]
            assert all(cs.rank[q] == cs.rank[p] for q in twin)
            assert cs.rank[p] % 2 == 1  # 1, 1, 3, 3, 5, 5 …


@SETTINGS
@given(cases())
def test_totals_within_declared_bounds_and_weights_add_up(case):
    doc, data, _, _ = case
    plan = plan_of(doc)
    res = score(plan, data)
    places = doc["assessment"]["precision"]
    slack = 0.5 * 10**-places * len(doc["modules"]) + 1e-9
    for cs in res.categories.values():
        mods = [m for m in plan.criteria.modules if cs.category in m.weights]
        assert sum(ms.weight for ms in cs.modules.values()) == pytest.approx(doc["assessment"]["total"])
        assert set(cs.modules) == {m.id for m in mods}
        lo = sum(m.weights[cs.category] * m.bonus.min / m.full for m in mods)
        hi = sum(m.weights[cs.category] * (m.full + m.bonus.max) / m.full for m in mods)
        assert (cs.total >= lo - slack).all() and (cs.total <= hi + slack).all(), (lo, hi, cs.total)
        for ms in cs.modules.values():
            assert (ms.base >= 0).all() and (ms.base <= ms.module.full + 1e-9).all()
            assert (ms.bonus >= ms.module.bonus.min).all() and (ms.bonus <= ms.module.bonus.max).all()
        for s in cs.indicators.values():
            pts = s.points[~np.isnan(s.points)]
            if s.indicator.bonus:
                assert (np.abs(pts) <= s.indicator.full + 1e-9).all()
            else:
                assert (pts >= 0).all() and (pts <= s.indicator.full + 1e-9).all()


@SETTINGS
@given(cases())
def test_score_sheet_adds_up_to_the_last_point(case):
    doc, data, _, _ = case
    plan = plan_of(doc)
    res = score(plan, data)
    places = doc["assessment"]["precision"]
    eps = 10 ** -(places + 6)
    for cs in res.categories.values():
        for p in range(len(cs.index)):
            sheet = unit_sheet(res, cs, p, "zh")
            contributions = [m["contribution"] for m in sheet["modules"]]
            assert round_half_up(sum(contributions), places) == sheet["total"]
            for m in sheet["modules"]:
                assert round_half_up(m["base"] + m["bonus"], places) == m["score"]
                assert round_half_up(m["score"] * m["weight"] / m["full"], places) == m["contribution"]
                tops = [line for line in sheet["indicators"] if line["parent"] is None and line["module"] == m["id"]]
                earned = sum(line["points"] or 0 for line in tops if not line["bonus"])
                # what applies: points + lost (a group with an excluded child counts only the rest)
                app = sum(line["points"] + line["lost"] for line in tops if not line["bonus"] and line["points"] is not None)
                assert round_half_up(earned / app * m["full"], places) == m["base"]
            for line in sheet["indicators"]:
                kids = [k for k in sheet["indicators"] if k["parent"] == line["id"]]
                ind = plan.criteria.indicator_map()[line["id"]]
                if kids and line["points"] is not None and ind.max_deduction is None:
                    assert abs(sum(k["points"] or 0 for k in kids) - line["points"]) < eps
                if line["points"] is not None and not line["bonus"] and not kids:
                    assert abs(line["full"] - line["points"] - line["lost"]) < eps
                    assert (line["lost"] > 0) == bool(line["reason"]), line
                    assert line["rule"]
                if line["points"] is None:  # left out: a leaf says why, a group because all its children are
                    assert line["status"] == "excluded"
                    assert line["reason"] if not kids else all(k["points"] is None for k in kids)


@SETTINGS
@given(cases(missing=False))
def test_vetoes(case):
    doc, data, _, _ = case
    res = score(plan_of(doc), data)
    for cs in res.categories.values():
        g = res.criteria.grades_for(cs.category)
        for p in range(len(cs.index)):
            if cs.failed[p]:
                assert cs.grade[p] == (g.fail or "不合格")
                assert all(cs.rank[p] > cs.rank[q] for q in range(len(cs.index)) if not cs.failed[q])
            if cs.no_excellent[p]:
                assert cs.grade[p] != "优秀"
            if g is not None and not cs.failed[p] and not cs.no_excellent[p]:
                t = cs.total[p]
                want = "优秀" if t >= g.bands[0].min else "合格" if t >= g.bands[1].min else "不合格"
                assert cs.grade[p] == want


# --------------------------------------------------------------------------- explicit cases
def small(missing: str = "error", vetoes: bool = False, **extra) -> dict:
    """Two 50-point indicators in one module (法治政府建设), a supplied module beside it, three categories."""
    doc = {
        "assessment": {"name": "测试", "year": 2020, "precision": 2, "categories": ["党群部门", "政府部门", "乡镇(街道)"]},
        "fields": [
            {"name": "学法次数", "kind": "count"},
            {"name": "备案率", "kind": "rate"},
            {"name": "党建得分", "max": 100},
            {"name": "否决", "kind": "count"},
            {"name": "否优", "kind": "count"},
        ],
        "modules": [
            {"id": "fz", "name": "法治政府建设", "weights": {"党群部门": 17, "政府部门": 22, "乡镇(街道)": 11}},
            {"id": "dj", "name": "党的建设", "weights": {"党群部门": 83, "政府部门": 78, "乡镇(街道)": 89}},
        ],
        "indicators": [
            {"id": "F1", "module": "fz", "name": "会前学法", "full": 50, "method": "quota", "field": "学法次数", "params": {"required": 6, "per_short": 5}},
            {
                "id": "F2",
                "module": "fz",
                "name": "规范性文件备案",
                "full": 50,
                "method": "must_be_full",
                "field": "备案率",
                "params": {"deduction": 20},
                "missing": missing,
                "owner": "县司法局",
            },
            {"id": "D", "module": "dj", "name": "党建", "full": 100, "method": "supplied", "field": "党建得分"},
        ],
        "grades": [{"bands": [{"name": "优秀", "min": 90}, {"name": "良好", "min": 80, "max": 90}, {"name": "较差", "max": 80}]}],
        **extra,
    }
    if vetoes:
        doc["vetoes"] = [
            {"id": "V1", "name": "重大负面影响", "kind": "fail", "field": "否决"},
            {"id": "V2", "name": "重大安全事故", "kind": "no_excellent", "field": "否优"},
        ]
    return doc


def small_data(**cols) -> Dataset:
    base = {"学法次数": [6, 4, 6], "备案率": [100, NaN, 90], "党建得分": [100, 100, 100], "否决": [0, 0, 0], "否优": [0, 0, 0]}
    base.update(cols)
    ids = ["ZF01", "ZF02", "ZF03"]
    return Dataset(ids, ["县发展和改革局", "县教育局", "县财政局"], ["政府部门"] * 3, {k: np.asarray(v, dtype=float) for k, v in base.items()})


def test_weights_17_22_11_convert_to_the_total():
    data = Dataset(
        ["DQ01", "ZF01", "XZ01"],
        ["县委办公室", "县政府办公室", "伊通镇"],
        ["党群部门", "政府部门", "乡镇(街道)"],
        {"学法次数": np.array([6.0, 6, 6]), "备案率": np.array([90.0, 90, 90]), "党建得分": np.array([80.0, 80, 80])},
    )
    res = score(plan_of(small()), data)
    # 法治政府建设 = 50 + 30 = 80 of 100 for all; 党建 80: total 80 whatever the weights
    got = {cs.category: (cs.total[0], cs.modules["fz"].contribution[0]) for cs in res.categories.values() if len(cs.index)}
    assert got == {"党群部门": (80, 13.6), "政府部门": (80, 17.6), "乡镇(街道)": (80, 8.8)}


def test_missing_error_names_the_unit_and_the_field():
    with pytest.raises(DataError) as e:
        score(plan_of(small("error")), small_data())
    (p,) = e.value.problems
    assert p.code == "data.missing_value"
    assert p.args["unit"] == "ZF02" and p.args["field"] == "备案率" and "F2" in p.args["indicator"]
    for lang in ("zh", "en"):
        text = e.value.render(lang)
        assert "ZF02" in text and "县教育局" in text and "备案率" in text


def test_missing_error_lists_every_unit_at_once():
    with pytest.raises(DataError) as e:
        score(plan_of(small("error")), small_data(学法次数=[NaN, 4, 6], 备案率=[NaN, NaN, 100]))
    assert sorted((p.args["unit"], p.args["field"]) for p in e.value.problems) == [("ZF01", "备案率"), ("ZF01", "学法次数"), ("ZF02", "备案率")]


def test_a_unit_with_nothing_to_score_in_a_module_is_named():
    doc = small("exclude")
    doc["indicators"][0]["missing"] = "exclude"  # both of 法治政府建设's items may be left out
    data = small_data(学法次数=[6, NaN, 6])  # ZF02 left both blank
    with pytest.raises(DataError) as e:
        score(plan_of(doc), data)
    assert [(p.code, p.args["unit"], p.args["module"]) for p in e.value.problems] == [("data.module_empty", "ZF02", "法治政府建设")]
    res = score(plan_of(doc), data, partial=True)  # interim: the module is left empty, no problem
    assert np.isnan(res.categories["政府部门"].modules["fz"].base).tolist() == [False, True, False]


def test_missing_exclude_rescales_the_module():
    res = score(plan_of(small("exclude")), small_data())
    cs = res.categories["政府部门"]
    # ZF02: 学法 4 of 6 → 50 − 2×5 = 40 of the 50 points that apply → 80 of 100
    assert np.isnan(cs.indicators["F2"].points[1])
    assert cs.modules["fz"].base.tolist() == [100, 80, 80]  # ZF03: (50 + 30) ÷ 100
    sheet = unit_sheet(res, cs, 1, "zh")
    line = next(x for x in sheet["indicators"] if x["id"] == "F2")
    assert line["status"] == "excluded" and line["points"] is None and "折算" in line["reason"]
    assert "rescaled" in unit_sheet(res, cs, 1, "en")["indicators"][1]["reason"]


def test_missing_zero_gives_zero_with_a_reason():
    res = score(plan_of(small("zero")), small_data())
    cs = res.categories["政府部门"]
    assert cs.indicators["F2"].points.tolist() == [50, 0, 30]
    assert cs.modules["fz"].base.tolist() == [100, 40, 80]
    line = next(x for x in unit_sheet(res, cs, 1, "zh")["indicators"] if x["id"] == "F2")
    assert line["status"] == "zero" and line["points"] == 0 and line["lost"] == 50
    assert "0分" in line["reason"]
    line_en = next(x for x in unit_sheet(res, cs, 1, "en")["indicators"] if x["id"] == "F2")
    assert "0 points" in line_en["reason"]


def test_missing_veto_value_is_an_error_by_default():
    with pytest.raises(DataError) as e:
        score(plan_of(small("zero", vetoes=True)), small_data(否决=[0, NaN, 0]))
    (p,) = e.value.problems
    assert p.code == "data.missing_veto" and p.args["unit"] == "ZF02" and p.args["field"] == "否决"


def test_one_vote_veto_fails_and_ranks_last():
    res = score(plan_of(small("zero", vetoes=True)), small_data(否决=[1, 0, 0]))
    cs = res.categories["政府部门"]
    assert cs.total.tolist()[0] == 100  # the best score …
    assert cs.grade == ["较差", "良好", "优秀"] and cs.rank.tolist() == [3, 2, 1]  # … fails and ranks after the others
    sheet = unit_sheet(res, cs, 0)
    assert [v["id"] for v in sheet["vetoes"]] == ["V1"] and sheet["vetoes"][0]["kind"] == "fail"


def test_declared_fail_grade():
    doc = small("zero", vetoes=True)
    doc["grades"][0]["fail"] = "良好"
    res = score(plan_of(doc), small_data(否决=[1, 0, 0]))
    assert res.categories["政府部门"].grade[0] == "良好"


def test_no_excellent_bars_the_top_grade_only():
    res = score(plan_of(small("zero", vetoes=True)), small_data(否优=[1, 0, 0]))
    cs = res.categories["政府部门"]
    assert cs.total[0] == 100 and cs.grade[0] == "良好" and cs.rank[0] == 1  # still ranked first by score


def test_tie_break_decides_equal_totals_else_shared_rank():
    data = small_data(学法次数=[6, 6, 6], 备案率=[100, 100, 100])
    res = score(plan_of(small()), data)
    assert res.categories["政府部门"].rank.tolist() == [1, 1, 1]
    doc = small(ranking={"tie_break": ["任务数"]})
    doc["fields"].append({"name": "任务数", "kind": "count"})
    data.values["任务数"] = np.array([3.0, 9, 3])
    assert score(plan_of(doc), data).categories["政府部门"].rank.tolist() == [2, 1, 2]


def test_float_noise_never_splits_a_tie():
    # 0.1 + 0.2 vs 0.3 points: one total after rounding, so one rank
    doc = small()
    doc["indicators"][2]["params"] = {"scale": 100}
    data = small_data(学法次数=[6, 6, 6], 备案率=[100, 100, 100], 党建得分=[0.1 + 0.2 + 80, 80.3, 80.2])
    cs = score(plan_of(doc), data).categories["政府部门"]
    assert cs.total[0] == cs.total[1] and cs.rank.tolist() == [1, 1, 3]


def capped_group() -> dict:
    """small() whose first indicator is a group F that loses at most 30, over two children of 50 each."""
    doc = small()
    doc["indicators"][:2] = [
        {"id": "F", "module": "fz", "name": "组织领导", "full": 100, "max_deduction": 30},
        {"id": "F1", "parent": "F", "name": "会前学法", "full": 50, "method": "quota", "field": "学法次数", "params": {"required": 6, "per_short": 10}},
        {"id": "F2", "parent": "F", "name": "备案", "full": 50, "method": "must_be_full", "field": "备案率"},
    ]
    return doc


def test_group_cap_on_the_sum_of_its_children():
    doc = capped_group()
    res = score(plan_of(doc), small_data(学法次数=[6, 4, 0], 备案率=[100, 100, 90]))
    cs = res.categories["政府部门"]
    # lost 0 / 20 / 50 + 50: the group loses at most 30
    assert cs.indicators["F"].points.tolist() == [100, 80, 70]
    assert unit_sheet(res, cs, 2)["indicators"][0]["lost"] == 30


def test_ranked_positions_and_sheet_fields():
    res = score(plan_of(small("exclude")), small_data())
    cs = res.categories["政府部门"]
    order = ranked(res, cs)
    assert [cs.rank[p] for p in order] == sorted(cs.rank)
    sheet = unit_sheet(res, cs, order[0])
    assert {"id", "name", "category", "total", "rank", "of", "grade", "modules", "vetoes", "indicators"} <= set(sheet)
    line = next(x for x in sheet["indicators"] if x["id"] == "F2")
    assert line["owner"] == "县司法局" and line["method"] == "must_be_full" and line["inputs"] == {"备案率": 100.0}


def test_a_category_without_units_scores_empty():
    res = score(plan_of(small("exclude")), small_data())
    assert len(res.categories["乡镇(街道)"].index) == 0 and res.categories["乡镇(街道)"].rank.tolist() == []


def test_derived_rate_with_no_cases_is_left_out_not_zero():
    doc = small("exclude")
    doc["fields"] += [
        {"name": "出庭次数", "kind": "count"},
        {"name": "应诉案件数", "kind": "count"},
        {"name": "出庭率", "kind": "rate", "formula": "出庭次数 / 应诉案件数 * 100"},
    ]
    doc["indicators"][1] = {
        "id": "F2",
        "module": "fz",
        "name": "负责人出庭应诉",
        "full": 50,
        "method": "rate_threshold",
        "field": "出庭率",
        "params": {"target": 80, "step": 10, "per_step": 10},
        "missing": "exclude",
    }
    data = small_data(出庭次数=[3, 0, 1], 应诉案件数=[4, 0, 2])
    res = score(plan_of(doc), data)
    cs = res.categories["政府部门"]
    f2 = cs.indicators["F2"]
    assert f2.inputs["出庭率"][0] == 75 and np.isnan(f2.inputs["出庭率"][1]) and f2.inputs["出庭率"][2] == 50
    assert f2.points[0] == 45 and np.isnan(f2.points[1]) and f2.points[2] == 20
    assert cs.modules["fz"].base.tolist() == [95, 80, 70]  # ZF02: 学法 40 of 50, the 出庭 item left out
    line = next(x for x in unit_sheet(res, cs, 0)["indicators"] if x["id"] == "F2")
    assert line["sources"]["出庭率"] == "由公式计算" and "75" in line["reason"]
