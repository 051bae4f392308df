"""Shapes that map values to points: bands, review grades, surveys, bonuses, supplied scores."""

from __future__ import annotations

import numpy as np

from scoring import Column, fmt, Method, Params as BaseParams, Scored, shown, shown_column, tr, Field, field_validator

from ._common import blank_where_absent, weighted_total


class Band(BaseParams):
    min: float
    points: float = Field(ge=0)


class Bands(Method):
    """瑞安: 优秀得票率 ≥ 90 % → 200, 80–90 → 190, 70–80 → 180, 60–70 → 170, < 60 → 160."""

    name = "bands"
    title = ("分档得分", "Bands")
    example = {
        "field": "优秀得票率",
        "full": 200,
        "params": {"bands": [{"min": 90, "points": 200}, {"min": 80, "points": 190}, {"min": 70, "points": 180}], "below": 160},
    }

    class Params(BaseParams):
        bands: list[Band] = Field(
            min_length=1,
            description="{min=下限, points=得分}，值 ≥ 下限即得该档分",
            json_schema_extra={"en": "{min = lower bound, points = points}: a value at or above min gets that band's points"},
        )
        below: float = Field(0, ge=0, description="低于所有档下限时的得分", json_schema_extra={"en": "points below every band"})

        @field_validator("bands")
        @classmethod
        def _distinct(cls, v):
            mins = [b.min for b in v]
            if len(set(mins)) != len(mins):
                raise ValueError("value.band_min_twice")
            return sorted(v, key=lambda b: -b.min)

    def max_points(self, p: Params) -> float:
        return max([b.points for b in p.bands] + [p.below])

    def score(self, col: Column, p: Params) -> Scored:
        v = col.value
        # each value's band told by how many band minimums it reaches (the bands are sorted by descending
        # min): a count and one look-up, not a choice between two columns per band
        reached = np.zeros(len(v), dtype=np.intp)
        for b in p.bands:
            reached += v >= b.min - 1e-9
        points = np.array([p.below] + [b.points for b in reversed(p.bands)])
        return Scored(blank_where_absent(points[reached], v))

    def rule(self, p: Params, full: float, lang: str = "zh") -> str:
        zh = "；".join(f"≥{fmt(b.min)}得{fmt(b.points)}分" for b in p.bands) + f"；其余{fmt(p.below)}分"
        en = "; ".join(f"≥{fmt(b.min)}: {fmt(b.points)}" for b in p.bands) + f"; otherwise {fmt(p.below)}"
        return tr(lang, zh, en)

    def lost_reasons(self, p, inputs, points, full, context, lang="zh"):
        ((field, v),) = inputs.items()
        text = tr(lang, "{f}{v}，落在得{p}分一档", "{f} {v} falls in the {p}-point band")
        # the band just above each value, as words (the bands are sorted by descending min)
        above = [""] + [tr(lang, f"（达到{fmt(b.min)}可得{fmt(b.points)}分）", f" ({fmt(b.min)} would give {fmt(b.points)})") for b in p.bands]
        nxt = (v[:, None] < np.array([b.min for b in p.bands])).sum(axis=1)  # how many bands lie above
        memo: dict[float, str] = {}
        pts = [memo[x] if x in memo else memo.setdefault(x, fmt(x)) for x in np.asarray(points, dtype=float).tolist()]
        return [text.format(f=field, v=x, p=q) + above[k] for x, q, k in zip(shown_column(v, field, lang), pts, nxt.tolist())]


class _Votes(Method):
    """Weighted votes: points = full × Σ votes × weight ÷ (valid votes × scale)."""

    uses_field = False
    leaves_out = True  # no valid vote: no score, and the indicator's missing rule decides
    # a negative count of votes has no share of the valid votes (10 for, −5 against scored full points):
    # each vote field must be declared min = 0 (or kind count)
    least_value = 0.0
    scale = 1.0

    def weights(self, p) -> dict[str, float]:  # pragma: no cover - interface
        raise NotImplementedError

    def excluded(self, p) -> list[str]:
        return []

    def inputs(self, p) -> list[str]:
        return list(self.weights(p)) + self.excluded(p)

    def score(self, col: Column, p) -> Scored:
        w = self.weights(p)
        valid = weighted_total(col, dict.fromkeys(w, 1.0))
        earned = weighted_total(col, w)
        none = ~(valid > 0)  # no valid vote: no score (the indicator's missing rule decides)
        out = np.multiply(earned, col.full, out=earned)
        with np.errstate(divide="ignore", invalid="ignore"):  # where there is no valid vote: replaced below
            out /= np.multiply(valid, self.scale, out=valid)
        if none.any():
            out[none] = np.nan
        return Scored(np.clip(out, 0, col.full, out=out))


class GradedReview(_Votes):
    """Committee grades: (A×1 + B×0.8 + C×0.6 + D×0.4) ÷ N × full. Each field counts the votes for one grade."""

    name = "graded_review"
    title = ("评审等次折算", "Graded review")
    example = {"name": "案卷评查", "params": {"grades": {"优秀案卷数": 1, "合格案卷数": 0.8, "不合格案卷数": 0}}}

    class Params(BaseParams):
        grades: dict[str, float] = Field(
            min_length=1, description="字段（某等次票数）→ 折算系数 0–1", json_schema_extra={"en": "field (votes for a grade) → factor 0–1"}
        )

        @field_validator("grades")
        @classmethod
        def _unit(cls, v):
            if any(not 0 <= k <= 1 for k in v.values()):
                raise ValueError("value.grade_factor")
            return v

    def weights(self, p):
        return p.grades

    def rule(self, p, full: float, lang: str = "zh") -> str:
        terms = " + ".join(f"{f}×{fmt(k)}" for f, k in p.grades.items())
        return tr(lang, f"({terms}) ÷ 评审总数 × {fmt(full)}", f"({terms}) ÷ reviews × {fmt(full)}")

    def lost_reasons(self, p, inputs, points, full, context, lang="zh"):
        sep, lead, gap = tr(lang, "，", ", "), tr(lang, "评审结果：", "review: "), tr(lang, "", " ")
        parts = [[f + gap + x for x in shown_column(n, f, lang)] for f, n in inputs.items()]
        return [lead + sep.join(row) for row in zip(*parts)]


class Survey(_Votes):
    """Satisfaction survey: 满意 100 / 基本满意 70 / 不满意 30; 不了解 is left out of the valid votes."""

    name = "survey"
    title = ("满意度测评", "Satisfaction survey")
    example = {
        "name": "群众满意度",
        "full": 10,
        "params": {"options": {"满意票数": 100, "基本满意票数": 60, "不满意票数": 0, "不了解票数": 0}, "excluded": ["不了解票数"]},
    }
    scale = 100.0

    class Params(BaseParams):
        options: dict[str, float] = Field(
            min_length=1, description="字段（某选项票数）→ 分值 0–100", json_schema_extra={"en": "field (votes for an option) → value 0–100"}
        )
        excluded: list[str] = Field(
            [],  # pydantic copies it for each instance (default_factory=list costs start-up: see scoring.core.criteria)
            description="不计入有效票的选项字段，如“不了解”",
            json_schema_extra={"en": "option fields not counted as valid votes, e.g. 不了解"},
        )

        @field_validator("options")
        @classmethod
        def _percent(cls, v):
            if any(not 0 <= k <= 100 for k in v.values()):
                raise ValueError("value.option_value")
            return v

    def weights(self, p):
        return p.options

    def excluded(self, p):
        return list(p.excluded)

    def rule(self, p, full: float, lang: str = "zh") -> str:
        terms = "、".join(f"{f}{fmt(k)}分" for f, k in p.options.items())
        terms_en = ", ".join(f"{f} {fmt(k)}" for f, k in p.options.items())
        ex = "、".join(p.excluded)
        ex_en = ", ".join(p.excluded)
        zh = f"按{terms}加权平均，折算为{fmt(full)}分制" + (f"；{ex}不计入有效票" if ex else "")
        en = f"weighted mean of {terms_en}, scaled to {fmt(full)}" + (f"; {ex_en} not counted as valid" if ex else "")
        return tr(lang, zh, en)

    def lost_reasons(self, p, inputs, points, full, context, lang="zh"):
        # a column at a time; Method.lost_reason asks this for one unit
        valid = sum(inputs[f] for f in p.options)
        with np.errstate(invalid="ignore", divide="ignore"):
            rate = np.where(valid != 0, sum(inputs[f] * k for f, k in p.options.items()) / valid, np.nan)
        if lang == "en":
            votes = [", ".join(row) for row in zip(*([f"{f} {x}" for x in shown_column(n, f, lang)] for f, n in inputs.items()))]
        else:
            votes = ["，".join(row) for row in zip(*([f + x for x in shown_column(n, f, lang, "票")] for f, n in inputs.items()))]
        valid_text = [fmt(x) for x in valid.tolist()]
        rate_text = [fmt(x, 2) for x in rate.tolist()]
        zh, en = "{}；有效票{}，满意度{}%", "votes: {}; {} valid, satisfaction {}%"
        return list(map(tr(lang, zh, en).format, votes, valid_text, rate_text))


class BonusByLevel(Method):
    """Awards by level: 部省 +4, 市 +3, 市部门 +2, 区 +1 each, total at most ``cap``."""

    name = "bonus_by_level"
    title = ("按级别加分", "Bonus by level")
    example = {"name": "示范创建", "full": 3, "bonus": True, "params": {"points": {"国家级示范次数": 3, "省级示范次数": 2}, "cap": 3}}
    uses_field = False

    class Params(BaseParams):
        points: dict[str, float] = Field(
            min_length=1, description="字段（该级别次数）→ 每次加分", json_schema_extra={"en": "field (times at that level) → points each"}
        )
        cap: float | None = Field(None, gt=0, description="加分上限", json_schema_extra={"en": "most points added"})

    def inputs(self, p) -> list[str]:
        return list(p.points)

    def score(self, col: Column, p) -> Scored:
        total = weighted_total(col, p.points)
        cap = col.full if p.cap is None else p.cap
        return Scored(np.minimum(total, cap, out=total))

    def rule(self, p, full: float, lang: str = "zh") -> str:
        cap = full if p.cap is None else p.cap
        zh = "、".join(f"{f}每项加{fmt(k)}分" for f, k in p.points.items()) + f"，最多加{fmt(cap)}分"
        en = "; ".join(f"{f}: +{fmt(k)} each" for f, k in p.points.items()) + f"; at most +{fmt(cap)}"
        return tr(lang, zh, en)

    def lost_reason(self, p, inputs, points, full, context, lang="zh"):
        hit = "，".join(f"{f}{shown(n, f, lang, '项')}" for f, n in inputs.items() if n)
        hit_en = ", ".join(f"{f} × {shown(n, f, lang)}" for f, n in inputs.items() if n)
        return tr(lang, f"加分项目：{hit or '无'}", f"awards: {hit_en or 'none'}")


class Supplied(Method):
    """党建 or 经济发展 scored by their own office and delivered as a number (converted if out of ``scale``)."""

    name = "supplied"
    title = ("报送得分", "Supplied score")
    passes_through = True  # a value beyond the indicator's points is refused as such, never clipped
    example = {"field": "平安建设考核得分", "full": 10, "params": {"scale": 100}}

    class Params(BaseParams):
        scale: float | None = Field(
            None,
            gt=0,
            description="报送分数的满分，默认与本指标分值相同",
            json_schema_extra={"en": "full points of the supplied score; default this indicator's points"},
        )

    def score(self, col: Column, p) -> Scored:
        scale = col.full if p.scale is None else p.scale
        points = col.value / scale
        points *= col.full
        return Scored(points)

    def rule(self, p, full: float, lang: str = "zh") -> str:
        if p.scale is None or p.scale == full:
            return tr(lang, "采用责任单位报送的得分", "the score supplied by the responsible office")
        return tr(lang, f"报送得分（满分{fmt(p.scale)}）折算为{fmt(full)}分制", f"supplied score out of {fmt(p.scale)}, scaled to {fmt(full)}")

    def lost_reasons(self, p, inputs, points, full, context, lang="zh"):
        ((field, v),) = inputs.items()
        lead = tr(lang, f"{field}报送得分", f"{field}: supplied ")
        return [lead + x for x in shown_column(v, field, lang, "分")]


METHODS = [Bands, GradedReview, Survey, BonusByLevel, Supplied]
