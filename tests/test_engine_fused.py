"""The engine's fused column arithmetic gives, bit for bit, what the plain sequence of steps gives.

Each oracle below is the step-by-step sequence the engine used before its passes were fused
(a new column per step); the engine now works in place, shares a column where its values are
already those of the next one, and rounds once where a second rounding cannot change a value.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from builders import examples
from scoring.core.engine import score
from scoring.core.rounding import ROUNDED_AGAIN, _SNAP, round_array
from test_engine import cases, plan_of

SETTINGS = settings(max_examples=examples(60), deadline=None)


def old_round(a: np.ndarray, places: int) -> np.ndarray:
    f = 10.0**places
    x = np.abs(a) * f
    np.round(x, max(_SNAP - places, 0), out=x)
    x += 0.5
    np.floor(x, out=x)
    x /= f
    np.copysign(x, a, out=x)
    x += 0.0
    return x


def bits(a) -> list[int]:
    return np.ascontiguousarray(np.asarray(a, dtype=float)).view(np.uint64).tolist()


def same_bits(a, b) -> bool:
    return bits(a) == bits(b)


# values as scores are: a few decimals, halves at the last place, signs, both zeros, NaN of both signs
values = st.one_of(
    st.floats(-1e7, 1e7, allow_nan=False),
    st.decimals(-1e6, 1e6, places=4).map(float),
    st.integers(-(10**8), 10**8).map(lambda k: (k + 0.5) / 1000),
    st.sampled_from([0.0, -0.0, np.nan, -np.nan, 2.675, -2.675, 1.005, 0.125, -0.5]),
)


@SETTINGS
@given(st.lists(values, max_size=40), st.integers(0, 6))
@example([2.675, -np.nan, -0.0, 0.0, 1.005], 2)  # no value below 0: the path without |·| and sign, NaN's sign kept
@example([2.675, -np.nan, np.nan, -0.5], 2)  # one below 0: the signed path
@example([np.nan, -np.nan], 0)
@example([], 3)
def test_round_array_is_the_step_by_step_rounding_bit_for_bit(xs, places):
    a = np.asarray(xs, dtype=float)
    want = old_round(a, places)
    assert same_bits(round_array(a, places), want)
    inplace = a.copy()
    assert round_array(inplace, places, out=inplace) is inplace
    assert same_bits(inplace, want)
    if not (a < 0).any():  # a caller that knows no value is below 0 gets the same without looking
        assert same_bits(round_array(a, places, negative=False), want)


rounded = st.tuples(st.floats(-1.5e6, 1.5e6, allow_nan=False), st.integers(0, 6)).map(lambda t: (float(old_round(np.array([t[0]]), t[1])[0]), t[1]))


@SETTINGS
@given(rounded)
def test_rounding_a_rounded_value_gives_it_back(r):
    x, places = r
    assert same_bits(round_array(np.array([x]), places), [x])


@SETTINGS
@given(rounded.filter(lambda r: abs(r[0]) <= ROUNDED_AGAIN), st.floats(1e-3, ROUNDED_AGAIN))
def test_a_rounded_value_rescaled_to_its_own_full_rounds_back_to_itself(r, full):
    # a module's only indicator worth the module's full points: points ÷ full × full, rounded, is the points
    x, places = r
    assert same_bits(round_array(np.array([x]) / full * full, places), [x])


# -- the engine against the plain sequence, every column of every level -------------------------


def old_nansum(arrays, n):
    acc = np.zeros(n)
    for a in arrays:
        np.add(acc, a, out=acc, where=~np.isnan(a))
    return acc


def old_sum(arrays, n):
    acc = np.zeros(n)
    for a in arrays:
        acc = acc + a
    return acc


def old_leaf(res, cs, s, places):
    """A leaf's points and applicable points from the data alone: its inputs gathered afresh, its
    method called on them, and which units miss a value or meet a 0 ÷ 0 decided unit by unit from
    the inputs and the derived fields' zero-denominator marks (not from the engine's own masks).
    Also the method's points before the item's caps (raw), the missing and the 0 ÷ 0 units."""
    from scoring.core.methods import Column

    ind, leaf, idx = s.indicator, s.leaf, cs.index
    n = len(idx)
    applies = s.applies if s.applies is not None else np.ones(n, bool)
    inputs = {f: np.where(applies, np.asarray(res.columns[f], dtype=float)[idx], np.nan) for f in leaf.reads}
    raw = np.asarray(leaf.method.score(Column(inputs, ind.full, ind.bonus, cs.category), leaf.params).points, dtype=float)
    missing, by_zero = np.zeros(n, bool), np.zeros(n, bool)
    for k in range(n):
        if not applies[k]:
            continue  # not applicable is neither missing nor 0 ÷ 0
        blank = [f for f in inputs if np.isnan(inputs[f][k]) and not (f in res.zero and res.zero[f][idx[k]])]
        divided = any(f in res.zero and res.zero[f][idx[k]] for f in inputs)
        missing[k] = bool(blank) or (np.isnan(raw[k]) and not divided)
        by_zero[k] = divided and not blank
    pts = raw.copy()
    if ind.max_deduction is not None and not ind.bonus:
        pts = np.maximum(pts, ind.full - ind.max_deduction)
    if not ind.bonus:
        pts = np.clip(pts, 0.0, ind.full)
    pts = np.where(missing, 0.0 if ind.missing == "zero" else np.nan, pts)
    pts = np.where(by_zero, {"exclude": np.nan, "zero": 0.0, "full": 0.0 if ind.bonus else ind.full}[ind.zero_policy], pts)
    full = ind.full
    pts = np.where(applies, pts, np.nan)
    if s.share is not None:
        pts = pts * s.share
        full = ind.full * s.share
    pts = old_round(pts, places)
    return pts, np.where(np.isnan(pts) | ind.bonus, 0.0, full), inputs, raw, missing, by_zero


def old_group(ind, parts, n, places):
    earned = old_nansum([p.points for p in parts], n)
    app = old_sum([p.applicable_full for p in parts], n)
    counted = np.zeros(n, bool)
    for p in parts:
        counted |= ~np.isnan(p.points)
    pts = earned
    if ind.max_deduction is not None:
        pts = np.maximum(pts, app - ind.max_deduction)
    pts = np.where(counted, old_round(np.clip(pts, 0, None), places), np.nan)
    return pts, np.where(counted, app, 0.0), earned


def old_module(m, w, normal, extra, n, places):
    earned = old_nansum([s.points for s in normal], n)
    app = old_sum([s.applicable_full for s in normal], n)
    with np.errstate(divide="ignore", invalid="ignore"):
        base = np.where(app > 0, earned / app * m.full, np.nan)
    base = old_round(base, places)
    bonus = old_round(np.clip(old_nansum([s.points for s in extra], n), m.bonus.min, m.bonus.max), places)
    sc = old_round(base + bonus, places)
    contrib = old_round(sc * w / m.full, places)
    return base, bonus, sc, contrib, earned, app


def check_against_the_steps(plan, res):
    places = plan.criteria.assessment.precision
    for cs in res.categories.values():
        n = len(cs.index)
        for ind in plan.order:
            s = cs.indicators.get(ind.id)
            if s is None:
                continue
            if s.leaf is not None:
                pts, app, inputs, raw, missing, by_zero = old_leaf(res, cs, s, places)
                assert same_bits(s.points, pts) and same_bits(s.applicable_full, app), ind.id
                assert list(s.inputs) == list(inputs) and all(same_bits(s.inputs[f], v) for f, v in inputs.items()), ind.id
                assert s.missing.tolist() == missing.tolist() and s.zero.tolist() == by_zero.tolist(), ind.id
                # the points before the item's own cap are kept where an explanation says the cap bit
                assert same_bits(s.raw, raw) if ind.max_deduction is not None and not ind.bonus else s.raw is None, ind.id
            else:
                parts = [cs.indicators[k.id] for k in plan.order if k.parent == ind.id and k.id in cs.indicators]
                pts, app, earned = old_group(ind, parts, n, places)
                assert same_bits(s.points, pts) and same_bits(s.applicable_full, app) and same_bits(s.raw, earned), ind.id
        total = np.zeros(n)
        for mid, ms in cs.modules.items():
            tops = [cs.indicators[i.id] for i in plan.order if i.parent is None and i.module == mid and i.id in cs.indicators]
            want = old_module(ms.module, ms.weight, [t for t in tops if not t.indicator.bonus], [t for t in tops if t.indicator.bonus], n, places)
            got = (ms.base, ms.bonus, ms.score, ms.contribution, ms.earned, ms.applicable_full)
            for name, a, b in zip(("base", "bonus", "score", "contribution", "earned", "applicable_full"), got, want):
                assert same_bits(a, b), (mid, name)
            total = total + want[3]
        assert same_bits(cs.total, old_round(total, places))


@SETTINGS
@given(cases(caps=True))
def test_every_column_is_what_the_plain_steps_give(case):
    doc, data, _, _ = case
    plan = plan_of(doc)
    check_against_the_steps(plan, score(plan, data))


@SETTINGS
@given(cases(vetoes=False, missing=False))
def test_a_module_of_one_indicator_worth_its_full_points_is_what_the_plain_steps_give(case):
    # the shape where the engine takes the rounded points as the module's base and score directly
    doc, data, _, _ = case
    module_of = {ind["id"]: ind["module"] for ind in doc["indicators"] if "module" in ind}
    full = {m["id"]: m["full"] for m in doc["modules"]}  # at least the item's own: its params stay valid
    kept: dict[str, dict] = {}
    for ind in doc["indicators"]:  # each module's first scored item, alone and worth the module's points
        mid = ind.get("module") or module_of[ind["parent"]]
        if "method" in ind and not ind.get("bonus") and mid not in kept:
            kept[mid] = {**{k: v for k, v in ind.items() if k != "parent"}, "module": mid, "full": full[mid]}
    doc["indicators"] = list(kept.values())
    for m in doc["modules"]:
        m.pop("bonus", None)
    plan = plan_of(doc)
    res = score(plan, data)
    check_against_the_steps(plan, res)
    for cs in res.categories.values():
        for ms in cs.modules.values():
            assert ms.score is ms.base and ms.base is cs.indicators[kept[ms.module.id]["id"]].points  # no second rounding was needed


@SETTINGS
@given(
    st.lists(st.tuples(st.sampled_from(["党群部门", "政府部门"]), st.decimals(0, 100, places=2), st.decimals(0, 100, places=2)), min_size=1, max_size=12),
    st.integers(0, 4),
)
def test_a_category_that_has_one_of_two_indicators_rescales_it_to_the_module(rows, places):
    # 党群部门 is scored on A alone (70 of the module's 100): its base is A ÷ 70 × 100, not A
    from scoring.core.dataset import Dataset

    doc = {
        "assessment": {"name": "生成", "year": 2020, "precision": places, "total": 100, "categories": ["党群部门", "政府部门"]},
        "fields": [{"name": "a", "max": 100}, {"name": "b", "max": 100}],
        "modules": [{"id": "m", "name": "模块", "full": 100, "weights": {"党群部门": 100, "政府部门": 100}}],
        "indicators": [
            {"id": "A", "module": "m", "name": "甲", "full": 70, "method": "supplied", "field": "a", "params": {"scale": 100}},
            {"id": "B", "module": "m", "name": "乙", "full": 30, "method": "supplied", "field": "b", "params": {"scale": 100}, "applies_to": ["政府部门"]},
        ],
    }
    ids = [f"U{i}" for i in range(len(rows))]
    data = Dataset(ids, ids, [r[0] for r in rows], {"a": np.array([float(r[1]) for r in rows]), "b": np.array([float(r[2]) for r in rows])})
    plan = plan_of(doc)
    check_against_the_steps(plan, score(plan, data))


@SETTINGS
@given(
    st.one_of(
        st.lists(st.one_of(st.sampled_from([0.0, -0.0, 1.5, 2.0, np.nan]), st.floats(-100, 100, allow_nan=False)), max_size=30),
        st.lists(st.one_of(st.sampled_from([0.0, -0.0, np.nan, 1e9]), st.integers(-50, 50).map(float)), max_size=30),  # counted, or too wide
    ),
    st.booleans(),
    st.sampled_from([{"decay": 0.05}, {"points": [10, 9, 8], "rest": 5}]),
)
def test_rank_points_ranks_as_counting_the_better_units(xs, lower, rule):
    # the plain way: sort, then for each unit search where its value begins (1 + how many are better)
    from builders import score as method_score

    v = np.asarray(xs, dtype=float)
    got, ctx = method_score("rank_points", {**rule, "lower_is_better": lower}, 10, x=v)
    present = ~np.isnan(v)
    key = (v if lower else -v)[present]
    ranks = np.searchsorted(np.sort(key), key, side="left") + 1
    if "points" in rule:
        want = np.array(rule["points"] + [rule["rest"]])[np.minimum(ranks - 1, 3)]
    else:
        want = np.maximum(10 * (1 - 0.05 * (ranks - 1)), 0.0)
    assert same_bits(got[present], want) and np.isnan(got[~present]).all()
    assert np.array_equal(ctx["ordered"], np.sort(key))


@SETTINGS
@given(
    st.lists(st.one_of(st.sampled_from([0.0, -0.0, 1.5, 3.0, np.nan]), st.floats(-10, 10, allow_nan=False)), max_size=30),
    st.floats(0, 10),
    st.one_of(st.none(), st.floats(0, 10)),
    st.booleans(),
)
def test_deducted_is_the_plain_steps(ds, full, cap, bonus):
    from scoring.core.methods import deducted

    d = np.asarray(ds, dtype=float)
    want = np.minimum(d, cap) if cap is not None else d
    want = -want if bonus else np.maximum(full - want, 0.0)
    assert same_bits(deducted(full, d, cap, bonus), want)
    assert same_bits(d, np.asarray(ds, dtype=float))  # the caller's column is left as it was


# totals and tie-break values both counted (whole numbers in a small range) and sorted (a missing
# total, fractions, a range too wide to count in; without tie-break fields, one sort of integers)
totals = st.one_of(st.sampled_from([80.0, 80.004, 79.996, 90.0, -0.0, np.nan]), st.decimals(-200, 200, places=3).map(float), st.floats(-1e12, 1e12))
tie_values = st.one_of(st.sampled_from([1.0, 2.0, -0.0, np.nan]), st.integers(-40, 40).map(float), st.sampled_from([0.5, 1e12, -3.25]))


@SETTINGS
@given(st.lists(st.tuples(totals, st.booleans(), tie_values, tie_values), max_size=25), st.integers(0, 3), st.integers(0, 2))
@example([(80.0, False, 1.0, 0.0), (80.0, False, 1.0, 0.0), (79.99, False, np.nan, 0.0), (90.0, True, 2.0, 0.0)], 2, 1)
@example([(80.0, False, np.nan, 1.0), (80.0, False, 1.0, 1.0), (80.0, False, 2.0, np.nan), (80.0, False, 2.0, 3.0)], 2, 2)  # a missing tie-break value is last
@example(
    [(80.004, False, 0.0, 0.0), (90.0, True, 0.0, 0.0), (79.996, False, 0.0, 0.0), (80.004, False, 0.0, 0.0), (90.0, False, 0.0, 0.0)], 3, 0
)  # too wide to count: one sort of packed integers
def test_ranks_are_the_plain_steps(rows, places, n_ties):
    from scoring.core.engine import rank_totals
    from scoring.core.rounding import to_fixed

    total = np.array([r[0] for r in rows])
    failed = np.array([r[1] for r in rows], dtype=bool)
    ties = [np.array([r[2 + k] for r in rows]) for k in range(n_ties)]
    got = rank_totals(total, failed, ties, places)
    n = len(rows)
    if n == 0:
        assert len(got) == 0
        return
    keys = [failed.astype(np.int64), -to_fixed(total, places)] + [-np.nan_to_num(round_array(t, 6), nan=-np.inf) for t in ties]
    order = np.lexsort(tuple(reversed(keys)))
    stacked = np.vstack([np.asarray(k, dtype=float) for k in keys])[:, order]
    new_group = np.ones(n, bool)
    new_group[1:] = np.any(stacked[:, 1:] != stacked[:, :-1], axis=0)
    want = np.empty(n, dtype=int)
    want[order] = np.maximum.accumulate(np.where(new_group, np.arange(1, n + 1), 0))
    assert got.dtype == want.dtype and got.tolist() == want.tolist()


@SETTINGS
@given(
    st.lists(st.one_of(st.sampled_from([90.0, 90.0 - 1e-9, 89.99, 85.0, 85.0 - 1e-9, 0.0, np.nan, np.inf]), st.floats(-10, 110)), max_size=30),
    st.booleans(),
)
def test_a_units_band_is_the_first_whose_floor_its_total_reaches(totals, with_floor):
    # the plain way: compare every total with every band's floor (less 1e-9) and count the floors above it
    from scoring.core.engine import grade_units

    bands = [{"name": "优秀", "min": 90}, {"name": "良好", "min": 85, "max": 90}, {"name": "较差", "max": 85}]
    if with_floor:
        bands[-1]["min"] = 0
    doc = {
        "assessment": {"name": "生成", "year": 2020, "precision": 2, "total": 100, "categories": ["党群部门"]},
        "fields": [{"name": "a", "max": 100}],
        "modules": [{"id": "m", "name": "模块", "full": 100, "weights": {"党群部门": 100}}],
        "indicators": [{"id": "A", "module": "m", "name": "甲", "full": 100, "method": "supplied", "field": "a"}],
        "grades": [{"categories": ["党群部门"], "bands": bands}],
    }
    plan = plan_of(doc)
    t = np.asarray(totals, dtype=float)
    n = len(t)
    nobody = np.zeros(n, bool)
    got, why = grade_units(plan, "党群部门", t, nobody, nobody, np.arange(1, n + 1))
    lows = np.array([90, 85, 0 if with_floor else -np.inf]) - 1e-9
    names = ["优秀", "良好", "较差"]
    with np.errstate(invalid="ignore"):
        above = (t[:, None] < lows[None, :]).sum(axis=1)
    want = [names[2] if np.isnan(x) else names[min(a, 2)] for x, a in zip(t.tolist(), above.tolist())]
    assert got == want and why == [None] * n


column_values = st.one_of(st.sampled_from([0.0, -0.0, np.nan, 2.5, -1.25]), st.floats(-100, 100))


@SETTINGS
@given(
    st.integers(0, 12).flatmap(
        lambda n: st.lists(st.one_of(st.lists(column_values, min_size=n, max_size=n), column_values), min_size=1, max_size=3).map(lambda cs: (n, cs))
    )
)
def test_sums_of_columns_are_the_plain_additions(case):
    # a column is drawn as its values or as one value for every unit (read-only, no memory of its own)
    from scoring.core.engine import _columns, _nansum, _sum

    n, drawn = case
    arrays = [np.broadcast_to(np.float64(c), (n,)) if isinstance(c, float) else np.asarray(c, dtype=float) for c in drawn]
    kept = [a.copy() for a in arrays]
    got, uncounted = _nansum(arrays, _columns(n))
    assert same_bits(got, old_nansum(arrays, n))
    assert uncounted.tolist() == np.logical_and.reduce([np.isnan(a) for a in arrays]).tolist()
    # told which columns have a number for every unit, the sum leaves out their NaN tests only
    told, told_uncounted = _nansum(arrays, _columns(n), [not np.isnan(a).any() for a in arrays])
    assert same_bits(told, got) and told_uncounted.tolist() == uncounted.tolist()
    assert same_bits(_sum(arrays, _columns(n)), old_sum(arrays, n))
    assert all(same_bits(a, k) for a, k in zip(arrays, kept))  # the columns summed are left as they were


@SETTINGS
@given(
    st.lists(
        st.tuples(st.sampled_from([0.0, 1.0, 2.0, np.nan]), st.sampled_from([0.0, 1.0, 3.0, np.nan]), st.sampled_from([0.0, 2.0, np.nan])),
        min_size=1,
        max_size=10,
    ),
    st.sampled_from(["exclude", "zero"]),
    st.sampled_from(["exclude", "full", "zero"]),
)
def test_a_leaf_reading_a_blank_field_and_a_0_over_0_rate_is_missing_there(rows, missing, zero_denominator):
    # two inputs, one a rate a ÷ b: a unit that left x blank is missing data even where its rate
    # is 0 ÷ 0, and only a unit with x given and a 0 ÷ 0 meets the zero-denominator rule
    from scoring.core.dataset import Dataset

    doc = {
        "assessment": {"name": "生成", "year": 2020, "precision": 2, "total": 100, "categories": ["政府部门"]},
        "fields": [{"name": "x", "kind": "count"}, {"name": "a", "kind": "count"}, {"name": "b", "kind": "count"}, {"name": "r", "formula": "a / b"}],
        "modules": [{"id": "m", "name": "模块", "full": 100, "weights": {"政府部门": 100}}],
        "indicators": [
            {"id": "K", "module": "m", "name": "底", "full": 90, "method": "supplied", "field": "b", "params": {"scale": 90}, "missing": "zero"},
            {
                "id": "E",
                "module": "m",
                "name": "事件",
                "full": 10,
                "method": "events_by_level",
                "params": {"per": {"x": 1, "r": 1}},
                "missing": missing,
                "zero_denominator": zero_denominator,
            },
        ],
    }
    ids = [f"U{i}" for i in range(len(rows))]
    cols = {name: np.array([r[k] for r in rows]) for k, name in enumerate(["x", "a", "b"])}
    plan = plan_of(doc)
    res = score(plan, Dataset(ids, ids, ["政府部门"] * len(rows), cols))
    check_against_the_steps(plan, res)
    s = res.categories["政府部门"].indicators["E"]
    divided = (cols["a"] == 0) & (cols["b"] == 0)  # 0 ÷ 0; a ÷ 0 with a ≠ 0 has no value and is no such case
    no_rate = np.isnan(cols["a"]) | np.isnan(cols["b"]) | (cols["b"] == 0)
    assert s.missing.tolist() == (np.isnan(cols["x"]) | no_rate & ~divided).tolist()
    assert s.zero.tolist() == (divided & ~np.isnan(cols["x"])).tolist()


@SETTINGS
@given(st.lists(st.sampled_from([0.0, -0.0, 100.0, 2.5, np.nan]), min_size=1, max_size=6), st.integers(0, 5))
def test_a_constant_column_is_its_value_for_every_unit_and_read_only(values, n):
    # made once per value and size and shared: 0.0 and -0.0 are two columns, not one
    from scoring.core.engine import _constant, _nobody

    for v in values:
        col = _constant(v, n)
        assert col.shape == (n,) and same_bits(col, np.full(n, v)) and not col.flags.writeable
    no = _nobody(n)
    assert no.dtype == bool and no.tolist() == [False] * n and not no.flags.writeable


@SETTINGS
@given(
    st.lists(
        st.tuples(st.sampled_from(["党群部门", "政府部门"]), st.one_of(st.just(np.nan), st.decimals(0, 100, places=2).map(float))), min_size=1, max_size=12
    ),
    st.sampled_from(["exclude", "zero"]),
)
def test_a_module_of_one_leaf_with_units_left_out_sums_what_counts(rows, missing):
    # a module's only item, left blank by some units (an interim run): the module earns 0 there, not
    # NaN; the engine takes a leaf's points as they are only where every unit has points
    from scoring.core.dataset import Dataset

    doc = {
        "assessment": {"name": "生成", "year": 2020, "precision": 2, "total": 100, "categories": ["党群部门", "政府部门"]},
        "fields": [{"name": "a", "max": 100}],
        "modules": [{"id": "m", "name": "模块", "full": 100, "weights": {"党群部门": 100, "政府部门": 100}}],
        "indicators": [{"id": "A", "module": "m", "name": "甲", "full": 100, "method": "supplied", "field": "a", "missing": missing}],
    }
    ids = [f"U{i}" for i in range(len(rows))]
    data = Dataset(ids, ids, [r[0] for r in rows], {"a": np.array([r[1] for r in rows])})
    plan = plan_of(doc)
    res = score(plan, data, partial=True)
    for cs in res.categories.values():
        s, ms = cs.indicators["A"], cs.modules["m"]
        assert same_bits(s.points, old_leaf(res, cs, s, 2)[0])
        want = old_module(ms.module, ms.weight, [s], [], len(cs.index), 2)
        for name, a, b in zip(
            ("base", "bonus", "score", "contribution", "earned", "applicable_full"),
            (ms.base, ms.bonus, ms.score, ms.contribution, ms.earned, ms.applicable_full),
            want,
        ):
            assert same_bits(a, b), name


def test_a_module_whose_bonus_takes_its_score_below_0_rounds_its_part_of_the_total_half_away_from_0():
    # a 附加项 of -3 on a base of 0: the score is -3, its part of the total -3 × 50 ÷ 100 = -1.5,
    # which is -2 (half away from 0), not -1
    from scoring.core.dataset import Dataset

    doc = {
        "assessment": {"name": "生成", "year": 2020, "precision": 0, "total": 100, "categories": ["党群部门"]},
        "fields": [{"name": "a", "max": 100}, {"name": "b", "min": -10, "max": 10}, {"name": "c", "max": 100}],
        "modules": [
            {"id": "m", "name": "模块", "full": 100, "weights": {"党群部门": 50}, "bonus": {"min": -5, "max": 5}},
            {"id": "n", "name": "模块二", "full": 100, "weights": {"党群部门": 50}},
        ],
        "indicators": [
            {"id": "A", "module": "m", "name": "甲", "full": 100, "method": "supplied", "field": "a"},
            {"id": "B", "module": "m", "name": "附加", "full": 10, "bonus": True, "method": "supplied", "field": "b"},
            {"id": "C", "module": "n", "name": "乙", "full": 100, "method": "supplied", "field": "c"},
        ],
    }
    data = Dataset(["U1", "U2"], ["U1", "U2"], ["党群部门"] * 2, {"a": np.array([0.0, 0.0]), "b": np.array([-3.0, -3.0]), "c": np.array([0.0, 40.0])})
    plan = plan_of(doc)
    res = score(plan, data)
    check_against_the_steps(plan, res)
    assert res.categories["党群部门"].modules["m"].contribution.tolist() == [-2.0, -2.0]


@SETTINGS
@given(st.one_of(st.tuples(st.integers(0, 40), st.integers(1, 600)), st.tuples(st.integers(30_000, 70_000), st.integers(1, 40))))
def test_every_new_column_is_memory_of_its_own(drawn):
    """The columns the engine keeps are cut from shared blocks: each is ``n`` units, writable, and no two
    overlap (a column written to changes no other), across the blocks' ends."""
    from scoring.core.engine import _columns

    n, count = drawn
    new = _columns(n)
    cols = [new() for _ in range(count)]
    for k, c in enumerate(cols):
        assert c.shape == (n,) and c.flags.writeable and c.flags.c_contiguous
        c.fill(k)
    assert all((c == k).all() for k, c in enumerate(cols))


@SETTINGS
@given(
    st.lists(st.sampled_from(["党群部门", "政府部门", "乡镇(街道)", "未声明"]), max_size=30),
    st.lists(st.sampled_from(["党群部门", "政府部门", "乡镇(街道)"]), unique=True),
)
def test_a_units_category_code_is_its_place_in_the_list_or_minus_1(cats, listed):
    # the engine, the gap finder, scopes and checks find a category's units by these codes
    from scoring.core.dataset import Dataset

    ids = [f"U{i}" for i in range(len(cats))]
    codes = Dataset(ids, ids, cats, {}).category_codes(listed)
    assert codes.dtype == np.int32 and len(codes) == len(cats)
    assert codes.tolist() == [listed.index(c) if c in listed else -1 for c in cats]


@pytest.mark.parametrize("blank", [False, True])
def test_a_groups_full_points_from_parts_with_the_same_full_points_for_every_unit(blank):
    # the parts' full points are one value for every unit: so is their sum, made once; a unit that
    # left both parts blank (excluded) has no points and no full points in the group
    from scoring.core.dataset import Dataset

    doc = {
        "assessment": {"name": "生成", "year": 2020, "precision": 2, "total": 100, "categories": ["政府部门"]},
        "fields": [{"name": "a", "max": 100}, {"name": "b", "max": 100}, {"name": "c", "max": 100}],
        "modules": [{"id": "m", "name": "模块", "full": 100, "weights": {"政府部门": 100}}],
        "indicators": [
            {"id": "A", "module": "m", "name": "甲", "full": 80, "method": "supplied", "field": "c"},
            {"id": "G", "module": "m", "name": "组", "full": 20},
            {"id": "G1", "parent": "G", "name": "组一", "full": 10, "method": "supplied", "field": "a", "missing": "exclude"},
            {"id": "G2", "parent": "G", "name": "组二", "full": 10, "method": "supplied", "field": "b", "missing": "exclude"},
        ],
    }
    gone = np.nan if blank else 4.0
    data = Dataset(["U0", "U1"], ["甲单位", "乙单位"], ["政府部门"] * 2, {"a": np.array([1.0, gone]), "b": np.array([2.0, gone]), "c": np.array([70.0, 60.0])})
    (cs,) = score(plan_of(doc), data).categories.values()
    group = cs.indicators["G"]
    if blank:
        assert group.points[0] == 3.0 and np.isnan(group.points[1])
        assert group.applicable_full.tolist() == [20.0, 0.0]
        assert cs.modules["m"].base.tolist() == [73.0, 75.0]  # 60 of the 80 that apply, over 100
    else:
        assert group.points.tolist() == [3.0, 8.0]
        assert group.applicable_full.tolist() == [20.0, 20.0] and not group.applicable_full.flags.writeable
        assert cs.modules["m"].base.tolist() == [73.0, 68.0]
