"""Every built-in method on real rules of published county assessment schemes (开江, 大兴, 瑞安, 信阳 …).

Methods are found through the registry (the same road as a third-party plugin) and
called on whole columns; NaN is a unit that submitted nothing and must stay missing.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from pydantic import ValidationError

from builders import NaN, method, params, points, score, examples

BUILTIN = {
    "deduct_per_count",
    "events_by_level",
    "presence",
    "quota",
    "rate_threshold",
    "must_be_full",
    "vs_average",
    "relative_to_best",
    "rank_points",
    "bands",
    "graded_review",
    "survey",
    "bonus_by_level",
    "supplied",
}


def test_every_builtin_method_is_registered_by_the_builtin_plugin(registry):
    assert BUILTIN <= set(registry.methods)
    assert {registry.source[m] for m in BUILTIN} == {"builtin"}
    assert registry.failed == []


# --------------------------------------------------------------------------- deductions
class TestQuota:
    # 开江: 首长学法 ≥ 6 a year, −0.3 per 学法 short, deduction capped at 1.2 (item worth 3)
    KAIJIANG = {"required": 6, "per_short": 0.3, "max_deduction": 1.2}

    def test_kaijiang_study_before_meetings(self):
        got = points("quota", self.KAIJIANG, 3, 学法次数=[6, 9, 5, 4, 2, 0, NaN])
        assert got == [3, 3, 2.7, 2.4, 1.8, 1.8, None]

    def test_kaijiang_special_meetings_without_cap(self):
        # 专题研究 ≥ 3 a year (3 points), −0.5 per meeting short
        got = points("quota", {"required": 3, "per_short": 0.5}, 3, 专题研究次数=[3, 4, 2, 1, 0, NaN])
        assert got == [3, 3, 2.5, 2, 1.5, None]

    def test_floor_at_zero_without_cap(self):
        assert points("quota", {"required": 10, "per_short": 1}, 3, n=[0, 8]) == [0, 1]


class TestDeductPerCount:
    # 大兴: report 迟报 −0.5 each, 漏报 −1 each
    def test_daxing_late_reports(self):
        assert points("deduct_per_count", {"per": 0.5}, 5, 迟报次数=[0, 1, 3, 10, 11, NaN]) == [5, 4.5, 3.5, 0, 0, None]

    def test_daxing_missed_reports(self):
        assert points("deduct_per_count", {"per": 1}, 5, 漏报次数=[0, 2, 7]) == [5, 3, 0]

    def test_cap_on_the_deduction(self):
        assert points("deduct_per_count", {"per": 0.5, "max_deduction": 2}, 5, 迟报次数=[3, 4, 9]) == [3.5, 3, 3]

    def test_as_a_bonus_item_the_deduction_is_negative_points(self):
        assert points("deduct_per_count", {"per": 1, "max_deduction": 3}, 3, bonus=True, 通报次数=[0, 2, 5]) == [0, -2, -3]


class TestEventsByLevel:
    # negative events: 通报 at 省 −3 / 市 −2 / 县 −1
    LEVELS = {"per": {"省级通报": 3, "市级通报": 2, "县级通报": 1}}

    def test_levels_add_up(self):
        got = points("events_by_level", self.LEVELS, 10, 省级通报=[0, 1, 0, 1, 2], 市级通报=[0, 0, 1, 1, 2], 县级通报=[0, 0, 0, 1, 2])
        assert got == [10, 7, 8, 4, 0]

    def test_bonus_item_capped(self):
        # 附加项 ±3: as a bonus item the events give negative points, at most −3
        got = points("events_by_level", {**self.LEVELS, "max_deduction": 3}, 3, bonus=True, 省级通报=[0, 0, 1, 1], 市级通报=[0, 1, 0, 1], 县级通报=[1, 0, 0, 1])
        assert got == [-1, -2, -3, -3]

    def test_daxing_late_and_missed_in_one_item(self):
        got = points("events_by_level", {"per": {"迟报": 0.5, "漏报": 1}}, 7, 迟报=[0, 1, 2, 4], 漏报=[0, 0, 1, 3])
        assert got == [7, 6.5, 5, 2]

    def test_one_missing_level_makes_the_unit_missing(self):
        got = points("events_by_level", self.LEVELS, 10, 省级通报=[0, NaN], 市级通报=[1, 0], 县级通报=[0, 0])
        assert got == [8, None]


class TestPresence:
    def test_kaijiang_legal_adviser(self):
        # 开江: no 法律顾问 −1 (item worth 2); 1 = present, 0 = absent
        assert points("presence", {"deduction": 1}, 2, 聘请法律顾问=[1, 0, NaN]) == [2, 1, None]

    def test_kaijiang_work_plan(self):
        # 开江: no 年度工作要点 −0.5
        assert points("presence", {"deduction": 0.5}, 1, 年度工作要点=[0, 1]) == [0.5, 1]

    def test_default_deduction_is_the_whole_item(self):
        assert points("presence", {}, 4, 年度报告按时报送=[1, 0]) == [4, 0]


class TestRateThreshold:
    # 结案率 target 90 %, −1 per 10 points below (item worth 5)
    CLOSING = {"target": 90, "step": 10, "per_step": 1}

    def test_closing_rate_pro_rata(self):
        got = points("rate_threshold", self.CLOSING, 5, 结案率=[100, 90, 85, 80, 70, 30, NaN])
        assert got == [5, 5, 4.5, 4, 3, 0, None]

    def test_closing_rate_part_step_counts_as_a_step(self):
        got = points("rate_threshold", {**self.CLOSING, "partial": "ceil"}, 5, 结案率=[90, 89.9, 85, 80, 79])
        assert got == [5, 4, 4, 4, 3]

    def test_closing_rate_only_whole_steps(self):
        got = points("rate_threshold", {**self.CLOSING, "partial": "floor"}, 5, 结案率=[90, 89.9, 80, 79])
        assert got == [5, 5, 4, 4]

    def test_bianzhi_twenty_percent(self):
        # 编制: "不低于20%得1分，每低1%扣0.1"
        got = points("rate_threshold", {"target": 20, "step": 1, "per_step": 0.1}, 1, 比例=[25, 20, 19, 15, 10, 3, NaN])
        assert got == [1, 1, 0.9, 0.5, 0, 0, None]

    def test_lower_is_better(self):
        # 复议纠错率: full points at or below 12.07 %, −0.5 per point above
        got = points("rate_threshold", {"target": 12.07, "per_step": 0.5, "lower_is_better": True}, 7, 纠错率=[0, 12.07, 14.07, 30])
        assert got == [7, 7, 6, 0]

    def test_deduction_cap(self):
        got = points("rate_threshold", {"target": 90, "step": 10, "per_step": 1, "max_deduction": 2}, 5, 结案率=[50])
        assert got == [3]


class TestMustBeFull:
    # 信阳: 规范性文件备案率 below 100 % → −15 (item worth 20)
    def test_xinyang_filing_rate(self):
        got = points("must_be_full", {"deduction": 15}, 20, 备案率=[100, 99.99, 50, 0, NaN])
        assert got == [20, 5, 5, 5, None]

    def test_default_deduction_is_the_whole_item(self):
        assert points("must_be_full", {}, 8, 备案率=[100, 90]) == [8, 0]


# --------------------------------------------------------------------------- relative
class TestVsAverage:
    # 编制: "不低于平均值的得2分；每低1%扣0.1分"
    BIANZHI = {"step": 1, "per_step": 0.1}

    def test_bianzhi_average(self):
        pts, ctx = score("vs_average", self.BIANZHI, 2, 比例=[30, 20, 10, 16, NaN])
        assert ctx["average"] == pytest.approx(19)  # the units that reported
        assert [round(x, 9) for x in pts[:4]] == [2, 2, 1.1, 1.7]
        assert np.isnan(pts[4])

    def test_far_below_floors_at_zero_or_cap(self):
        assert points("vs_average", self.BIANZHI, 2, 比例=[100, 0]) == [2, 0]
        assert points("vs_average", {**self.BIANZHI, "max_deduction": 1}, 2, 比例=[100, 0]) == [2, 1]

    def test_all_missing(self):
        assert points("vs_average", self.BIANZHI, 2, 比例=[NaN, NaN]) == [None, None]

    def test_below_zero_is_measured_as_a_difference(self):
        """A difference from the average, not a ratio: negative values (a growth rate) are scored as any
        others, so vs_average declares no least value."""
        assert points("vs_average", self.BIANZHI, 2, 增长率=[-10, -5, 0]) == [1.5, 2, 2]  # average −5
        shifted = points("vs_average", self.BIANZHI, 2, 增长率=[-20, -30, -40, -34])  # 50 below the case above
        assert [round(x, 9) for x in shifted] == [2, 2, 1.1, 1.7]
        assert method("vs_average").least_value is None


class TestRelativeToBest:
    def test_ruian_times_600(self):
        # 瑞安 2012: 得分 = 本单位 ÷ 第一名 × 600
        pts, ctx = score("relative_to_best", {}, 600, 招商额=[50, 100, 80, 0, NaN])
        assert ctx["best"] == 100
        assert [round(x, 9) for x in pts[:4]] == [300, 600, 480, 0]
        assert np.isnan(pts[4])

    def test_lower_is_better(self):
        assert points("relative_to_best", {"lower_is_better": True}, 600, 用时=[2, 4, 1, 3]) == [300, 150, 600, 200]

    def test_all_missing(self):
        assert points("relative_to_best", {}, 600, x=[NaN, NaN]) == [None, None]


class TestRankPoints:
    def test_bianzhi_ranks(self):
        # 编制: ranks 1–5 get 60/57/54/51/48; others 0
        got = points("rank_points", {"points": [60, 57, 54, 51, 48]}, 60, 值=[10, 50, 30, 40, 20, 5, NaN])
        assert got == [48, 60, 54, 57, 51, 0, None]

    def test_equal_values_share_a_rank(self):
        got = points("rank_points", {"points": [60, 57, 54, 51, 48]}, 60, 值=[7, 9, 9, 3])
        assert got == [54, 60, 60, 51]  # 1, 1, 3, 4: competition ranking

    def test_ruian_decay(self):
        # 瑞安: 1st 200 points, −2 % per rank
        pts, _ = score("rank_points", {"decay": 0.02}, 200, 值=[3, 9, 5, 1, NaN])
        assert pts[:4].tolist() == pytest.approx([192, 200, 196, 188])
        assert np.isnan(pts[4])

    def test_lower_is_better(self):
        assert points("rank_points", {"points": [3, 2, 1], "lower_is_better": True}, 3, 用时=[5, 1, 3, 9]) == [1, 3, 2, 0]

    def test_one_of_points_or_decay(self):
        with pytest.raises(ValidationError):
            params("rank_points")
        with pytest.raises(ValidationError):
            params("rank_points", points=[1], decay=0.1)


class TestBands:
    # 瑞安 优秀得票率 ≥ 90 % → 200, 80–90 → 190, 70–80 → 180, 60–70 → 170, < 60 → 160
    RUIAN = {"bands": [{"min": 90, "points": 200}, {"min": 80, "points": 190}, {"min": 70, "points": 180}, {"min": 60, "points": 170}], "below": 160}

    def test_ruian_vote_rate(self):
        got = points("bands", self.RUIAN, 200, 优秀得票率=[95, 90, 89.99, 80, 75, 60, 59.9, 0, NaN])
        assert got == [200, 200, 190, 190, 180, 170, 160, 160, None]

    def test_band_order_in_the_file_does_not_matter(self):
        shuffled = {**self.RUIAN, "bands": list(reversed(self.RUIAN["bands"]))}
        vals = [95, 85, 75, 65, 55]
        assert points("bands", shuffled, 200, v=vals) == points("bands", self.RUIAN, 200, v=vals)

    def test_two_bands_with_one_min_are_refused(self):
        with pytest.raises(ValidationError):
            params("bands", bands=[{"min": 90, "points": 5}, {"min": 90, "points": 4}])


# --------------------------------------------------------------------------- mapped
class TestGradedReview:
    # (A×1 + B×0.8 + C×0.6 + D×0.4) ÷ N × 100
    GRADES = {"grades": {"A": 1, "B": 0.8, "C": 0.6, "D": 0.4}}

    def test_committee_grades(self):
        got = points("graded_review", self.GRADES, 100, A=[3, 5, 0, 0], B=[1, 0, 0, 2], C=[1, 0, 0, 0], D=[0, 0, 5, 2])
        assert got == [88, 100, 40, 60]

    def test_scaled_to_the_item(self):
        assert points("graded_review", self.GRADES, 6, A=[3], B=[1], C=[1], D=[0]) == [5.28]

    def test_no_votes_or_missing_votes_give_no_score(self):
        got = points("graded_review", self.GRADES, 100, A=[0, NaN], B=[0, 1], C=[0, 1], D=[0, 1])
        assert got == [None, None]

    def test_factors_must_be_between_0_and_1(self):
        with pytest.raises(ValidationError):
            params("graded_review", grades={"A": 1.2})


class TestSurvey:
    # 满意 100 / 基本满意 70 / 不满意 30; 不了解 left out of the valid votes
    OPTIONS = {"options": {"满意": 100, "基本满意": 70, "不满意": 30}, "excluded": ["不了解"]}

    def test_weighted_mean_scaled_to_the_item(self):
        # (6×100 + 2×70 + 2×30) ÷ 10 = 80 % of 10 points
        got = points("survey", self.OPTIONS, 10, 满意=[6, 10, 0], 基本满意=[2, 0, 0], 不满意=[2, 0, 10], 不了解=[10, 0, 3])
        assert got == [8, 10, 3]

    def test_dont_know_votes_change_nothing(self):
        a = points("survey", self.OPTIONS, 20, 满意=[68], 基本满意=[22], 不满意=[8], 不了解=[0])
        b = points("survey", self.OPTIONS, 20, 满意=[68], 基本满意=[22], 不满意=[8], 不了解=[500])
        assert a == b == [round(20 * (68 * 100 + 22 * 70 + 8 * 30) / (98 * 100), 9)]

    def test_only_dont_know_gives_no_score(self):
        assert points("survey", self.OPTIONS, 10, 满意=[0], 基本满意=[0], 不满意=[0], 不了解=[9]) == [None]

    def test_option_values_are_percentages(self):
        with pytest.raises(ValidationError):
            params("survey", options={"满意": 120})


class TestBonusByLevel:
    # 部省 +4, 市 +3, 市部门 +2, 区 +1, total ≤ 10
    LEVELS = {"points": {"部省": 4, "市": 3, "市部门": 2, "区": 1}, "cap": 10}

    def test_awards_summed_and_capped(self):
        got = points("bonus_by_level", self.LEVELS, 10, bonus=True, 部省=[0, 1, 1, 2, NaN], 市=[0, 1, 0, 1, 0], 市部门=[0, 0, 1, 1, 0], 区=[0, 0, 1, 1, 0])
        assert got == [0, 7, 7, 10, None]

    def test_cap_defaults_to_the_item(self):
        assert points("bonus_by_level", {"points": {"国家级": 3, "省级": 2}}, 3, bonus=True, 国家级=[1, 0], 省级=[1, 1]) == [3, 2]


class TestSupplied:
    def test_score_as_delivered(self):
        assert points("supplied", {}, 100, 党建考核得分=[86.44, 0, 100, NaN]) == [86.44, 0, 100, None]

    def test_scale_converted(self):
        # delivered out of 50, counted out of 100
        assert points("supplied", {"scale": 50}, 100, 经济发展得分=[40, 50, 12.5]) == [80, 100, 25]


# --------------------------------------------------------------------------- texts
# (method, params, full, one unit's inputs, figures the rule must quote, figures the reason must quote)
TEXT_CASES = [
    ("quota", {"required": 6, "per_short": 0.3, "max_deduction": 1.2}, 3, {"会前学法次数": 2}, ["6", "0.3", "1.2"], ["会前学法次数", "2", "6", "4"]),
    ("deduct_per_count", {"per": 0.5, "max_deduction": 2}, 5, {"迟报次数": 3}, ["0.5", "2"], ["迟报次数", "3", "0.5"]),
    (
        "events_by_level",
        {"per": {"省级通报": 3, "市级通报": 2, "县级通报": 1}},
        10,
        {"省级通报": 1, "市级通报": 0, "县级通报": 2},
        ["省级通报", "3", "市级通报", "2", "县级通报", "1"],
        ["省级通报", "县级通报", "3", "2"],
    ),
    ("presence", {"deduction": 1}, 2, {"聘请法律顾问": 0}, ["1"], ["聘请法律顾问"]),
    ("rate_threshold", {"target": 90, "step": 10, "per_step": 1}, 5, {"结案率": 85}, ["90", "10", "1"], ["结案率", "85", "90", "5"]),
    ("must_be_full", {"deduction": 15}, 20, {"备案率": 95}, ["100", "15"], ["备案率", "95", "100"]),
    ("vs_average", {"step": 1, "per_step": 0.1}, 2, {"比例": 10}, ["1", "0.1"], ["比例", "10", "20"]),
    ("relative_to_best", {}, 600, {"招商额": 50}, ["600"], ["招商额", "50", "100"]),
    ("rank_points", {"points": [60, 57, 54, 51, 48]}, 60, {"值": 20}, ["60/57/54/51/48"], ["值", "20", "3"]),
    ("rank_points", {"decay": 0.02}, 200, {"值": 20}, ["200", "2"], ["值", "20", "3"]),
    ("bands", TestBands.RUIAN, 200, {"优秀得票率": 75}, ["90", "200", "80", "190", "160"], ["优秀得票率", "75", "180"]),
    ("graded_review", TestGradedReview.GRADES, 100, {"A": 3, "B": 1, "C": 1, "D": 0}, ["A", "0.8", "0.6", "0.4", "100"], ["A", "3", "B", "1"]),
    (
        "survey",
        TestSurvey.OPTIONS,
        10,
        {"满意": 6, "基本满意": 2, "不满意": 2, "不了解": 10},
        ["满意", "100", "70", "30", "不了解", "10"],
        ["满意", "6", "10", "80"],
    ),
    ("bonus_by_level", TestBonusByLevel.LEVELS, 10, {"部省": 1, "市": 1, "市部门": 0, "区": 0}, ["部省", "4", "3", "2", "1", "10"], ["部省", "市", "1"]),
    ("supplied", {"scale": 50}, 100, {"经济发展得分": 40}, ["50", "100"], ["经济发展得分", "40"]),
]

# context a method would have produced for the column the unit belongs to
CONTEXT_COLUMNS = {
    "vs_average": {"比例": [10, 30]},  # average 20
    "relative_to_best": {"招商额": [50, 100]},
    "rank_points": {"值": [20, 40, 30, 10]},  # 20 is 3rd
}


@pytest.mark.parametrize("name,p,full,inputs,rule_figs,reason_figs", TEXT_CASES, ids=[c[0] for c in TEXT_CASES])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_rule_and_lost_reason_texts(name, p, full, inputs, rule_figs, reason_figs, lang):
    m = method(name)
    prm = m.Params.model_validate(p)
    cols = CONTEXT_COLUMNS.get(name, {f: [v] for f, v in inputs.items()})
    pts, ctx = score(name, p, full, **cols)
    pos = cols[next(iter(cols))].index(next(iter(inputs.values())))
    rule = m.rule(prm, full, lang)
    reason = m.lost_reason(prm, inputs, float(pts[pos]), full, ctx, lang)
    for text in (rule, reason):
        assert text.strip()
        assert "nan" not in text.lower() and "—" not in text
    for fig in rule_figs:
        assert fig in rule, (lang, rule)
    for fig in reason_figs:
        assert fig in reason, (lang, reason)
    if lang == "en":  # no Chinese left once the office's own names (fields, options) are taken out
        for text in (rule, reason):
            for word in sorted(list(inputs) + _param_words(p), key=len, reverse=True):
                text = text.replace(word, "")
            assert not _CJK.search(text), (rule, reason)
    else:
        assert _CJK.search(rule) and _CJK.search(reason)


_CJK = re.compile("[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")  # Chinese characters and full-width punctuation


def _param_words(p) -> list[str]:
    """Names the office wrote itself (fields, options) may be Chinese in an English text."""
    out = []
    for v in p.values():
        if isinstance(v, dict):
            out += list(v)
        elif isinstance(v, list):
            out += [x for x in v if isinstance(x, str)]
    return out


def test_rule_texts_differ_by_language():
    for name, p, full, *_ in TEXT_CASES:
        m = method(name)
        prm = m.Params.model_validate(p)
        assert m.rule(prm, full, "zh") != m.rule(prm, full, "en"), name


def test_texts_show_no_float_noise():
    # 0.1 + 0.2 per step must read 0.3, never 0.30000000000000004
    m = method("quota")
    prm = m.Params.model_validate({"required": 6, "per_short": 0.1 + 0.2})
    assert "0.3" in m.rule(prm, 3) and "0000" not in m.rule(prm, 3)
    reason = m.lost_reason(prm, {"次数": 6 - 3.0000000000000004}, 2.1, 3, {}, "zh")
    assert "0000" not in reason and "3" in reason


# --------------------------------------------------------------------------- properties of every method
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from builders import registry  # noqa: E402
from scoring.core.dataset import previous_name  # noqa: E402

# Example params per method (a function of the item's full points, so that points stay
# within what the item is worth) and the kind of value each input holds.  A new built-in
# method must add a line here: the property test below fails for any method without one.
EXAMPLES: dict[str, tuple[list, str]] = {
    "deduct_per_count": ([lambda f: {"per": 0.5}, lambda f: {"per": 1, "max_deduction": f / 2}], "count"),
    "events_by_level": ([lambda f: {"per": {"省级": 3, "市级": 2, "县级": 1}}, lambda f: {"per": {"迟报": 0.5, "漏报": 1}, "max_deduction": f / 3}], "count"),
    "presence": ([lambda f: {}, lambda f: {"deduction": f / 2}], "bool"),
    "quota": ([lambda f: {"required": 6, "per_short": 0.3, "max_deduction": 1.2}, lambda f: {"required": 3, "per_short": 0.5}], "count"),
    "rate_threshold": (
        [
            lambda f: {"target": 90, "step": 10, "per_step": 1, "partial": "ceil"},
            lambda f: {"target": 20, "per_step": 0.1},
            lambda f: {"target": 12.07, "per_step": 0.5, "lower_is_better": True, "partial": "floor"},
        ],
        "rate",
    ),
    "must_be_full": ([lambda f: {}, lambda f: {"deduction": f / 2}], "rate"),
    "vs_average": ([lambda f: {"per_step": 0.1}, lambda f: {"step": 5, "per_step": 1, "partial": "ceil", "max_deduction": f / 2}], "rate"),
    "relative_to_best": ([lambda f: {}, lambda f: {"lower_is_better": True}], "rate"),
    "rank_points": (
        [
            lambda f: {"points": [f, f * 0.95, f * 0.9, f * 0.85, f * 0.8]},
            lambda f: {"decay": 0.02},
            lambda f: {"points": [f, f / 2], "rest": f / 4, "lower_is_better": True},
        ],
        "count",
    ),
    "bands": ([lambda f: {"bands": [{"min": 90, "points": f}, {"min": 80, "points": f * 0.95}, {"min": 60, "points": f * 0.8}], "below": f * 0.5}], "rate"),
    "graded_review": ([lambda f: {"grades": {"A": 1, "B": 0.8, "C": 0.6, "D": 0.4}}], "count"),
    "survey": ([lambda f: {"options": {"满意": 100, "基本满意": 70, "不满意": 30}, "excluded": ["不了解"]}], "count"),
    "bonus_by_level": ([lambda f: {"points": {"部省": 4, "市": 3, "市部门": 2, "区": 1}}, lambda f: {"points": {"国家级": 3, "省级": 2}, "cap": f}], "count"),
    "supplied": ([lambda f: {}, lambda f: {"scale": 50}], "score"),
    "change_vs_last_year": (
        [lambda f: {"per_gain": 0.05, "gain_cap": f / 10, "per_loss": 0.1, "loss_cap": f / 2}, lambda f: {"per_loss": 1, "lower_is_better": True}],
        "count",
    ),
}
VOTES = {"graded_review", "survey"}  # no valid vote ⇒ no score, even with every count given
COLUMN_WIDE = {"vs_average", "relative_to_best", "rank_points"}  # points depend on the other units

FIELD = "值"


def _value(kind: str, scale: float):
    if kind == "count":
        return st.integers(0, 12).map(float)
    if kind == "bool":
        return st.sampled_from([0.0, 1.0])
    if kind == "rate":
        return st.one_of(st.integers(0, 100).map(float), st.floats(0, 100, allow_nan=False))
    return st.floats(0, scale, allow_nan=False)  # a supplied score out of its scale


@st.composite
def method_case(draw, name: str):
    m = method(name)
    makers, kind = EXAMPLES[name]
    full = draw(st.sampled_from([1, 2, 3, 5, 8, 10, 20, 100, 600]))
    raw = draw(st.sampled_from(makers))(full)
    p = m.Params.model_validate(raw)
    fields = ([FIELD] if m.uses_field else []) + ([previous_name(FIELD)] if m.previous_year else []) + m.inputs(p)
    scale = raw.get("scale") or full
    n = draw(st.integers(1, 12))
    cell = st.one_of(_value(kind, scale), st.just(np.nan))
    values = {f: np.asarray(draw(st.lists(cell, min_size=n, max_size=n)), dtype=float) for f in fields}
    perm = draw(st.permutations(range(n)))
    return m, p, full, values, list(perm)


def _run(m, p, full, values, bonus=False):
    from scoring.core.methods import Column

    out = np.asarray(m.score(Column({f: v.copy() for f, v in values.items()}, full, bonus, "类别"), p).points, dtype=float)
    assert out.shape == (len(next(iter(values.values()))),)
    return out


@pytest.mark.parametrize("name", sorted(registry().methods))
def test_every_registered_method_keeps_order_missing_and_bounds(name):
    if name not in EXAMPLES:
        pytest.fail(f"method {name!r} has no example params in EXAMPLES: add one so its properties are tested")

    @settings(max_examples=examples(60), deadline=None)
    @given(method_case(name))
    def check(case):
        m, p, full, values, perm = case
        excluded = set(getattr(p, "excluded", []) or [])  # survey: 不了解 is not a score input
        out = _run(m, p, full, values)
        missing = np.zeros(len(out), bool)
        for f, v in values.items():
            if f not in excluded:
                missing |= np.isnan(v)

        # missing stays missing; a unit with every input never comes out missing (but for votes)
        assert np.isnan(out[missing]).all()
        if name not in VOTES:
            assert not np.isnan(out[~missing]).any()
        # within [0, full] when the item is not a bonus item
        ok = out[~np.isnan(out)]
        assert (ok >= -1e-9).all() and (ok <= full + 1e-9).all(), (ok, full)

        # permuting units permutes points (nothing depends on where a unit sits)
        shuffled = _run(m, p, full, {f: v[perm] for f, v in values.items()})
        np.testing.assert_allclose(shuffled, out[perm], rtol=0, atol=1e-9, equal_nan=True)

        # units that gave nothing do not change anyone else's points
        keep = np.nonzero(~missing)[0]
        if len(keep):
            alone = _run(m, p, full, {f: v[keep] for f, v in values.items()})
            np.testing.assert_allclose(alone, out[keep], rtol=0, atol=1e-9, equal_nan=True)

        # order in = order out: a unit's points are its own (for methods that look at one unit)
        if name not in COLUMN_WIDE:
            for i in range(len(out)):
                single = _run(m, p, full, {f: v[i : i + 1] for f, v in values.items()})
                np.testing.assert_allclose(single, out[i : i + 1], rtol=0, atol=1e-9, equal_nan=True)

        # as a 附加项 the same inputs still give missing for missing, and finite numbers otherwise
        as_bonus = _run(m, p, full, values, bonus=True)
        assert np.isnan(as_bonus[missing]).all()
        if name not in VOTES:
            assert np.isfinite(as_bonus[~missing]).all()

    check()


# Each method as plainly stated with whole-column numpy (a new column per step, np.where to choose): the
# methods compute the same in fewer columns, and must give the very same bits (NaN, -0.0 and all).
def _plain_steps(shortfall, step, partial):
    raw = np.maximum(shortfall, 0.0) / step
    if partial == "ceil":
        return np.ceil(np.round(raw, 9))
    if partial == "floor":
        return np.floor(np.round(raw, 9))
    return raw


def _plain_votes(col, weights, scale):
    valid = sum((col.values[f] for f in weights), np.zeros(len(col)))
    earned = sum((col.values[f] * k for f, k in weights.items()), np.zeros(len(col)))
    out = np.full(len(col), np.nan)
    ok = valid > 0
    out[ok] = col.full * earned[ok] / (valid[ok] * scale)
    return np.clip(out, 0, col.full)


def _plain_rank_points(col, p):
    from scoring_plugins.relative import _competition_ranks

    v = col.value
    present = ~np.isnan(v)
    r, _ = _competition_ranks((v if p.lower_is_better else -v)[present])
    out = np.full(len(v), np.nan)
    if p.points is not None:
        out[present] = np.array(list(p.points) + [p.rest])[np.minimum(r - 1, len(p.points))]
    else:
        out[present] = np.maximum(col.full * (1 - p.decay * (r - 1)), 0.0)
    return out


def _plain_relative_to_best(col, p):
    v = col.value
    present = ~np.isnan(v)
    if not present.any():
        return np.full(len(v), np.nan)
    best = float(np.nanmin(v) if p.lower_is_better else np.nanmax(v))
    out = np.full(len(v), np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(v > 0, best / v, 1.0) if p.lower_is_better else (v / best if best > 0 else np.zeros(len(v)))
    if best == 0:
        ratio = np.where(v == 0, 1.0 if p.best_zero == "full" else 0.0, ratio)
    out[present] = col.full * np.clip(ratio[present], 0.0, 1.0)
    return out


def _plain(name, col, p):
    from scoring import deducted

    v, cap, bonus = (col.value if col.values else None), getattr(p, "max_deduction", None), col.bonus
    if name == "quota":
        return deducted(col.full, np.maximum(p.required - v, 0.0) * p.per_short, cap, bonus)
    if name == "rate_threshold":
        gap = v - p.target if p.lower_is_better else p.target - v
        return deducted(col.full, _plain_steps(gap, p.step, p.partial) * p.per_step, cap, bonus)
    if name == "vs_average":
        avg = float(np.nanmean(v)) if np.any(~np.isnan(v)) else float("nan")
        return deducted(col.full, _plain_steps(avg - v, p.step, p.partial) * p.per_step, cap, bonus)
    if name == "events_by_level":
        return deducted(col.full, sum((col.values[f] * k for f, k in p.per.items()), np.zeros(len(col))), cap, bonus)
    if name in ("presence", "must_be_full"):
        ded = col.full if p.deduction is None else p.deduction
        d = np.where(v > 0, 0.0, ded) if name == "presence" else np.where(v < p.target - 1e-9, ded, 0.0)
        return deducted(col.full, np.where(np.isnan(v), np.nan, d), cap, bonus)
    if name == "bands":
        out = np.where(np.isnan(v), np.nan, p.below)
        for b in reversed(p.bands):
            out = np.where(v >= b.min - 1e-9, b.points, out)
        return out
    if name == "graded_review":
        return _plain_votes(col, p.grades, 1.0)
    if name == "survey":
        return _plain_votes(col, p.options, 100.0)
    if name == "bonus_by_level":
        return np.minimum(sum(col.values[f] * k for f, k in p.points.items()), col.full if p.cap is None else p.cap)
    if name == "relative_to_best":
        return _plain_relative_to_best(col, p)
    if name == "rank_points":
        return _plain_rank_points(col, p)
    raise AssertionError(name)


PLAIN = [
    "quota",
    "rate_threshold",
    "vs_average",
    "events_by_level",
    "presence",
    "must_be_full",
    "bands",
    "graded_review",
    "survey",
    "bonus_by_level",
    "relative_to_best",
    "rank_points",
]


@pytest.mark.parametrize("name", PLAIN)
def test_a_methods_points_are_the_bits_of_its_plain_statement(name):
    from scoring.core.methods import Column

    @settings(max_examples=examples(60), deadline=None)
    @given(method_case(name), st.booleans())
    def check(case, bonus):
        m, p, full, values, _ = case
        got = _run(m, p, full, values, bonus)
        want = np.asarray(_plain(name, Column({f: v.copy() for f, v in values.items()}, full, bonus, "类别"), p), dtype=float)
        assert np.array_equal(got.view(np.uint64), want.view(np.uint64)), (got, want)

    check()


@pytest.mark.parametrize("name", PLAIN)
def test_a_methods_points_on_every_rate_to_two_decimals_are_the_bits_of_its_plain_statement(name):
    """Every value 0.00 … 100.00 (a rate as offices type it; a NaN among them), each example's params: where
    float noise puts a step a hair off a whole number (64.07 − 12.07 is 51.99999999999999), both agree."""
    from scoring.core.methods import Column

    m = method(name)
    makers, _ = EXAMPLES[name]
    column = np.append(np.arange(10_001) / 100, np.nan)
    for full in (3, 10, 600):
        for make in makers:
            p = m.Params.model_validate(make(full))
            fields = ([FIELD] if m.uses_field else []) + m.inputs(p)
            values = {f: np.roll(column, k) for k, f in enumerate(fields)}
            got = _run(m, p, full, values)
            want = np.asarray(_plain(name, Column({f: v.copy() for f, v in values.items()}, full, False, "类别"), p), dtype=float)
            assert np.array_equal(got.view(np.uint64), want.view(np.uint64)), (name, full, p)
