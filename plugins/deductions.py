"""Deduction shapes: per occurrence, by event level, present/absent, quotas, rate thresholds."""

from __future__ import annotations

import numpy as np

from scoring import Column, deducted, difference_column, fmt, Method, Scored, shown, shown_column, tr, Field

from ._common import PARTIAL, Capped, Partial, blank_where_absent, cap_words, partial_words, steps, weighted_total


class DeductPerCount(Method):
    """开江 / 大兴: start from full points, −k per occurrence, floor 0, optional cap."""

    name = "deduct_per_count"
    title = ("按次扣分", "Deduction per occurrence")
    example = {"field": "行政诉讼败诉案件数", "params": {"per": 1, "max_deduction": 3}}

    class Params(Capped):
        per: float = Field(gt=0, description="每次扣分", json_schema_extra={"en": "points deducted per occurrence"})

    def score(self, col: Column, p: Params) -> Scored:
        return Scored(deducted(col.full, col.value * p.per, p.max_deduction, col.bonus))

    def rule(self, p: Params, full: float, lang: str = "zh") -> str:
        return tr(lang, f"每发生1次扣{fmt(p.per)}分", f"−{fmt(p.per)} per occurrence") + cap_words(p, lang)

    def lost_reason(self, p, inputs, points, full, context, lang="zh"):
        ((field, n),) = inputs.items()
        d = n * p.per
        capped = p.max_deduction is not None and d > p.max_deduction
        return tr(
            lang,
            f"{field}{shown(n, field, lang, '次')}，每次扣{fmt(p.per)}分" + ("，已达扣分上限" if capped else ""),
            f"{field}: {shown(n, field, lang)} × {fmt(p.per)}" + (", deduction cap reached" if capped else ""),
        )


class EventsByLevel(Method):
    """Negative events counted by level, each level its own deduction (省 −3 / 市 −2 / 县 −1).

    Also fits several kinds of fault with different rates (迟报 −0.5, 漏报 −1).
    """

    name = "events_by_level"
    title = ("按级别扣分", "Deduction by event level")
    example = {"name": "信息报送", "params": {"per": {"迟报次数": 0.5, "漏报次数": 1}, "max_deduction": 2}}
    uses_field = False

    class Params(Capped):
        per: dict[str, float] = Field(min_length=1, description="字段 → 每次扣分", json_schema_extra={"en": "field → points deducted per event"})

    def inputs(self, p: Params) -> list[str]:
        return list(p.per)

    def score(self, col: Column, p: Params) -> Scored:
        d = weighted_total(col, p.per)
        return Scored(deducted(col.full, d, p.max_deduction, col.bonus))

    def rule(self, p: Params, full: float, lang: str = "zh") -> str:
        parts = "、".join(f"{f}每次扣{fmt(k)}分" for f, k in p.per.items())
        parts_en = "; ".join(f"{f}: −{fmt(k)} each" for f, k in p.per.items())
        return tr(lang, parts, parts_en) + cap_words(p, lang)

    def lost_reason(self, p, inputs, points, full, context, lang="zh"):
        hit = [(f, n) for f, n in inputs.items() if n]
        zh = "；".join(f"{f}{shown(n, f, lang, '次')}×{fmt(p.per[f])}分" for f, n in hit)
        en = "; ".join(f"{f}: {shown(n, f, lang)} × {fmt(p.per[f])}" for f, n in hit)
        total = sum(n * p.per[f] for f, n in hit)
        if p.max_deduction is not None and total > p.max_deduction:
            zh += f"，合计{fmt(total)}分超过上限，按{fmt(p.max_deduction)}分扣"
            en += f"; {fmt(total)} exceeds the cap, {fmt(p.max_deduction)} deducted"
        return tr(lang, zh, en)


class Presence(Method):
    """开江: no 法律顾问 −1; no 年度工作要点 −0.5 (value 1 = present, 0 = absent)."""

    name = "presence"
    title = ("有无评分", "Present / absent")
    example = {"field": "聘请法律顾问", "full": 1, "params": {}}

    class Params(Capped):
        deduction: float | None = Field(
            None, gt=0, description="缺失时扣分，默认扣全部分值", json_schema_extra={"en": "points deducted when absent; default all the points"}
        )

    def score(self, col: Column, p: Params) -> Scored:
        # the deduction where absent (a number above 0), 0 where present: a product, not a choice per unit
        d = np.multiply(col.value <= 0, col.full if p.deduction is None else p.deduction, dtype=float)
        return Scored(deducted(col.full, blank_where_absent(d, col.value), p.max_deduction, col.bonus))

    def rule(self, p: Params, full: float, lang: str = "zh") -> str:
        d = full if p.deduction is None else p.deduction
        return tr(lang, f"具备得满分，不具备扣{fmt(d)}分", f"full points if present, −{fmt(d)} if absent")

    def lost_reason(self, p, inputs, points, full, context, lang="zh"):
        ((field, _),) = inputs.items()
        return tr(lang, f"{field}：无", f"{field}: absent")


class Quota(Method):
    """开江: 首长学法 at least 6 a year, −0.3 per session short, at most −1.2."""

    name = "quota"
    title = ("次数达标", "Frequency quota")
    example = {"field": "会前学法次数", "full": 3, "params": {"required": 6, "per_short": 0.3, "max_deduction": 1.2}}

    class Params(Capped):
        required: float = Field(gt=0, description="每年至少次数", json_schema_extra={"en": "required number per year"})
        per_short: float = Field(gt=0, description="每少1次扣分", json_schema_extra={"en": "points deducted per one short"})

    def score(self, col: Column, p: Params) -> Scored:
        short = np.subtract(p.required, col.value)
        np.maximum(short, 0.0, out=short)
        short *= p.per_short
        return Scored(deducted(col.full, short, p.max_deduction, col.bonus))

    def rule(self, p: Params, full: float, lang: str = "zh") -> str:
        return tr(
            lang, f"不少于{fmt(p.required)}次，每少1次扣{fmt(p.per_short)}分", f"at least {fmt(p.required)}, −{fmt(p.per_short)} per one short"
        ) + cap_words(p, lang)

    def lost_reason(self, p, inputs, points, full, context, lang="zh"):
        ((field, n),) = inputs.items()
        short = p.required - n
        d = short * p.per_short
        capped = p.max_deduction is not None and d > p.max_deduction
        return tr(
            lang,
            f"{field}{shown(n, field, lang, '次')}，少于要求的{shown(p.required, field, lang, '次')}，"
            f"差{shown(short, field, lang, '次')}" + ("，已达扣分上限" if capped else ""),
            f"{field} {shown(n, field, lang)}, {shown(short, field, lang)} short of {shown(p.required, field, lang)}"
            + ("; deduction cap reached" if capped else ""),
        )


class RateThreshold(Method):
    """结案率 target 90 %, −1 per 10 points below; 编制: 不低于20%得1分，每低1%扣0.1.

    With ``lower_is_better`` the rule turns round (复议纠错率: full points at or below T,
    −k per step above).
    """

    name = "rate_threshold"
    title = ("比率达标（阶梯扣分）", "Rate threshold, stepwise")
    example = {"field": "行政复议结案率", "params": {"target": 90, "step": 10, "per_step": 1, "partial": "ceil"}}

    class Params(Capped):
        target: float = Field(description="达标值（百分数）", json_schema_extra={"en": "target value (percent)"})
        step: float = Field(1, gt=0, description="每差多少个百分点为一档", json_schema_extra={"en": "percentage points that make one step"})
        per_step: float = Field(gt=0, description="每档扣分", json_schema_extra={"en": "points deducted per step"})
        partial: Partial = PARTIAL
        lower_is_better: bool = Field(
            False,
            description="越低越好（如复议纠错率）：高于达标值才扣分",
            json_schema_extra={"en": "lower is better (e.g. a reversal rate): points are lost above the target"},
        )

    def _gap(self, v, p):
        return v - p.target if p.lower_is_better else p.target - v

    def score(self, col: Column, p: Params) -> Scored:
        n = steps(self._gap(col.value, p), p.step, p.partial)
        n *= p.per_step
        return Scored(deducted(col.full, n, p.max_deduction, col.bonus))

    def rule(self, p: Params, full: float, lang: str = "zh") -> str:
        if p.lower_is_better:
            text = tr(
                lang,
                f"不高于{fmt(p.target)}%得满分，每高{fmt(p.step)}个百分点扣{fmt(p.per_step)}分",
                f"full points at {fmt(p.target)}% or less, −{fmt(p.per_step)} per {fmt(p.step)} points above",
            )
        else:
            text = tr(
                lang,
                f"达到{fmt(p.target)}%得满分，每低{fmt(p.step)}个百分点扣{fmt(p.per_step)}分",
                f"full points at {fmt(p.target)}% or more, −{fmt(p.per_step)} per {fmt(p.step)} points below",
            )
        return text + partial_words(p.partial, lang) + cap_words(p, lang)

    def lost_reasons(self, p, inputs, points, full, context, lang="zh"):
        ((field, v),) = inputs.items()
        gaps = difference_column(self._gap(v, p), field, lang, rate=True)
        target = fmt(p.target)
        if p.lower_is_better:
            zh, en = "{f}{v}，高于{t}%控制值{g}", "{f} {v}, {g} above the {t}% limit"
        else:
            zh, en = "{f}{v}，低于{t}%达标值{g}", "{f} {v}, {g} below the {t}% target"
        text = tr(lang, zh, en)
        return [text.format(f=field, v=x, t=target, g=g) for x, g in zip(shown_column(v, field, lang, "%"), gaps)]


class MustBeFull(Method):
    """信阳: 规范性文件备案率 below 100 % → −15."""

    name = "must_be_full"
    title = ("须达100%", "Must be 100 %")
    example = {"field": "规范性文件备案率", "full": 2, "params": {"target": 100, "deduction": 1}}

    class Params(Capped):
        target: float = Field(100, description="须达到的值", json_schema_extra={"en": "the value to reach"})
        deduction: float | None = Field(
            None, gt=0, description="未达到时扣分，默认扣全部分值", json_schema_extra={"en": "points deducted when not reached; default all the points"}
        )

    def score(self, col: Column, p: Params) -> Scored:
        miss = col.value < p.target - 1e-9
        d = np.multiply(miss, col.full if p.deduction is None else p.deduction, dtype=float)  # as Presence
        return Scored(deducted(col.full, blank_where_absent(d, col.value), p.max_deduction, col.bonus))

    def rule(self, p: Params, full: float, lang: str = "zh") -> str:
        d = full if p.deduction is None else p.deduction
        return tr(lang, f"达到{fmt(p.target)}%得满分，否则扣{fmt(d)}分", f"full points at {fmt(p.target)}%, otherwise −{fmt(d)}")

    def lost_reasons(self, p, inputs, points, full, context, lang="zh"):
        ((field, v),) = inputs.items()  # rates are mostly distinct: each unit's sentence from the column's values
        text = tr(lang, "{f}{v}，未达到{t}%", "{f} {v}, below {t}%")
        target = fmt(p.target)
        return [text.format(f=field, v=x, t=target) for x in shown_column(v, field, lang, "%")]


METHODS = [DeductPerCount, EventsByLevel, Presence, Quota, RateThreshold, MustBeFull]
