"""The criteria file as data: pydantic models plus the checks pydantic cannot do alone.

A criteria file is TOML with English keys and Chinese values (bare Chinese keys are
not valid TOML).  Its parts:

    [assessment]     name, year, office, precision, total, categories, plugins
    [[fields]]       every submitted or derived value an indicator or veto reads
    [[modules]]      weighted blocks of the total; weights differ by category
    [[indicators]]   the indicator tree (一级/二级/三级) by ``parent``; leaves name a method
    [[vetoes]]       一票否决 (fail) and 否优 (no_excellent)
    [[grades]]       等次 bands, per category
    [ranking]        tie-break fields
    [publication]    issuer, date, 公示期 (public_from, public_to), object_by, contact, address:
                     what the 公示 and each unit's 考核结果反馈 print
    [[checks]]       cross-field checks every unit's data must pass (已备案件数 <= 应备案件数)
    [history]        ties the years together: ``series`` (the name shared by every
                     year of this assessment) and ``[[history.aliases]]`` (unit ids
                     changed by 机构改革: ``old``, ``new``, optional ``year``, ``note``)

A field may be referred to as ``<field>@上年`` (last year's value) in formulas and by
methods that compare with last year; see :mod:`scoring.core.dataset`.

Nothing here reads files: :mod:`scoring.load.criteria_file` does that.
"""

from __future__ import annotations

import datetime
import math
from typing import Any, Literal

from .record import Field, Record, field_validator, model_validator


# Records (scoring.core.record): validated by pydantic when read from a file, plain objects after.
# An empty list as a default is written ``Field([])`` (pydantic gives each instance its own copy):
# ``default_factory=list`` makes pydantic read ``list``'s signature, which compiles the tokenizer's
# patterns at start-up.
class _Model(Record):
    # nan and inf are never a weight, a score or a threshold: refused, with the key named
    model_config = {"extra": "forbid", "frozen": True, "str_strip_whitespace": True, "allow_inf_nan": False}


class Assessment(_Model):
    name: str
    year: int
    office: str = ""
    precision: int = Field(2, ge=0, le=6, description="decimal places every score is rounded to")
    total: float = Field(100.0, gt=0, description="what the module weights of a category add up to")
    categories: list[str] = Field(min_length=1)
    plugins: list[str] = Field([], description="folders of local plugin .py files")
    note: str = ""


FieldKind = Literal["number", "count", "rate", "bool"]


class FieldSpec(_Model):
    name: str = Field(min_length=1)
    kind: FieldKind = "number"
    unit: str = ""
    description: str = ""
    owner: str = ""  # 数据报送单位 / 评分责任单位
    min: float | None = None
    max: float | None = None
    formula: str | None = None  # derived from other fields by the safe expression language
    # How text like "88.9%" reads in this field: "number" (88.9), "fraction" (0.889) or "refuse".
    # Left out: "number" for a rate (a percentage already), "refuse" for anything else, where a
    # value that only makes sense ×100 must not pass for a score.
    percent: Literal["refuse", "number", "fraction"] | None = None

    def percent_text(self) -> str:
        if self.percent is not None:
            return self.percent
        return "number" if self.kind == "rate" else "refuse"

    def bounds(self) -> tuple[float | None, float | None]:
        lo, hi = self.min, self.max
        if self.kind in ("count", "rate", "bool") and lo is None:
            lo = 0
        if self.kind == "rate" and hi is None:
            hi = 100
        if self.kind == "bool":
            hi = 1
        return lo, hi


class Bonus(_Model):
    min: float = 0
    max: float = 0


class Module(_Model):
    id: str = Field(min_length=1)
    name: str
    full: float = Field(100.0, gt=0)
    weights: dict[str, float]
    bonus: Bonus = Bonus.model_construct()

    @field_validator("weights")
    @classmethod
    def _non_negative(cls, v: dict[str, float]) -> dict[str, float]:
        for w in v.values():
            if not math.isfinite(w) or w < 0:
                raise ValueError("value.weight")  # text in scoring.i18n, both languages
        return v


Missing = Literal["error", "exclude", "zero"]


class Split(_Model):
    """How a task's points are shared between its 牵头 (lead) and 责任 (responsible) departments."""

    lead: float = Field(ge=0, le=1)
    responsible: float = Field(ge=0, le=1)

    @model_validator(mode="after")
    def _whole(self):
        if abs(self.lead + self.responsible - 1) > 1e-9:
            raise ValueError("task.split_sum")
        return self


class Indicator(_Model):
    id: str = Field(min_length=1)
    name: str
    parent: str | None = None
    module: str | None = None
    full: float = Field(ge=0)
    method: str | None = None
    field: str | None = None
    params: dict[str, Any] = Field(default_factory=dict)
    applies_to: list[str] | None = None  # categories, and units by id or name (checked against the unit list)
    lead: list[str] | None = None  # 牵头部门 (unit ids or names): the task applies to them and to ``responsible``
    responsible: list[str] | None = None  # 责任部门
    split: Split | None = None  # shares of the task's points: { lead = 0.6, responsible = 0.4 }
    split_among: Literal["each", "equally"] = "each"  # each department gets its role's share, or the share is divided
    owner: str = ""  # 评分责任单位
    evidence: str = ""  # 佐证材料
    rule: str = ""  # the office's own wording of the rule, shown instead of the generated one
    missing: Missing = "error"
    # what a denominator of 0 in a derived field means (0 ÷ 0 申请): 不参评并折算 / 得满分 / 记0分;
    # left out: "exclude", and every sheet says the default was used
    zero_denominator: Literal["exclude", "full", "zero"] | None = None
    max_deduction: float | None = Field(None, ge=0)
    bonus: bool = False  # 附加项: outside the full points, limited by the module's bonus range

    @model_validator(mode="after")
    def _task(self):
        if self.lead is None and self.responsible is None:
            if self.split is not None:
                raise ValueError("task.split_alone")
            return self
        if self.applies_to is not None:
            raise ValueError("task.and_applies")
        if self.lead is not None and self.responsible is not None and self.split is None:
            raise ValueError("task.no_split")
        both = set(self.lead or ()) & set(self.responsible or ())
        if both:
            raise ValueError("task.both_roles")
        return self

    @property
    def zero_policy(self) -> str:
        """What a zero denominator means here: the declaration, else the default (不参评)."""
        return self.zero_denominator or ZERO_DENOMINATOR_DEFAULT


ZERO_DENOMINATOR_DEFAULT = "exclude"


class Veto(_Model):
    id: str = Field(min_length=1)
    name: str
    kind: Literal["fail", "no_excellent"]
    field: str
    threshold: float = 0  # triggered when the value is greater than this
    applies_to: list[str] | None = None
    missing: Missing = "error"


class Band(_Model):
    name: str = Field(min_length=1)
    min: float | None = None  # only the lowest band may leave it out: everything below
    max: float | None = None

    @property
    def low(self) -> float:
        return float("-inf") if self.min is None else self.min


class Quota(_Model):
    """At most a share or a number of a category's units may get ``grade``; the rest drop a band."""

    grade: str
    max_share: float | None = Field(None, gt=0, le=1, description="e.g. 0.2 = 20 %")
    max_count: int | None = Field(None, ge=0)
    rounding: Literal["floor", "ceil", "round"] = "floor"  # share × units → a whole number
    ties: Literal["include", "exclude"] = "exclude"  # units tied (same rank) at the boundary

    @model_validator(mode="after")
    def _one_limit(self):
        if (self.max_share is None) == (self.max_count is None):
            raise ValueError("value.one_limit")
        return self


class Grades(_Model):
    categories: list[str] | None = None
    bands: list[Band] = Field(min_length=1)
    fail: str | None = None  # grade given by 一票否决; default: the lowest band
    quotas: list[Quota] = Field([])


class Ranking(_Model):
    tie_break: list[str] = Field([])  # fields, larger ranks first


class Condition(_Model):
    """What catches a unit this year. Exactly one key."""

    total_below: float | None = None  # 总分低于
    grade: list[str] | None = None  # 等次为
    bottom: int | None = Field(None, ge=1)  # 本类别后 N 名
    bottom_percent: float | None = Field(None, gt=0, le=100)  # 本类别后 X %
    rounding: Literal["ceil", "floor", "round"] = "ceil"  # X % × units → whole units
    veto: str | None = None  # "fail", "no_excellent" or a veto id

    @model_validator(mode="after")
    def _exactly_one(self):
        given = [k for k in ("total_below", "grade", "bottom", "bottom_percent", "veto") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("value.one_condition")
        return self


class LookBack(_Model):
    """Caught in at least ``times`` of the last ``years`` years, this year included.

    两年连续 = years 2, times 2; 三年内两次 = years 3, times 2.
    """

    years: int = Field(ge=2, le=10)
    times: int = Field(ge=2)

    @model_validator(mode="after")
    def _fits(self):
        if self.times > self.years:
            raise ValueError("value.times_years")
        return self


class Rule(_Model):
    id: str = Field(min_length=1)
    name: str
    consequence: str  # 提醒谈话, 诫勉谈话, 通报, 组织调整, 整改报告 …
    when: Condition
    look_back: LookBack | None = None
    applies_to: list[str] | None = None


class Decisions(_Model):
    close_margin: float = Field(1.0, ge=0, description="points: a unit this close to a line is a close call")
    rules: list[Rule] = Field([])


class Alias(_Model):
    """A unit whose id changed between years (机构改革: renamed, merged, split off).

    ``old`` is the 单位编号 used in earlier years, ``new`` the one used from ``year`` on
    (``year`` left out: whenever looking back).  Several aliases with the same ``new``
    record a merger.
    """

    old: str = Field(min_length=1)
    new: str = Field(min_length=1)
    year: int | None = None
    note: str = ""


class History(_Model):
    series: str | None = Field(None, min_length=1, description="name shared by every year of this assessment")
    aliases: list[Alias] = Field([])


class Publication(_Model):
    """What the papers sent out need beyond the scores (公示 and 考核结果反馈): who issues them, when,
    the 公示期, and how and by when to object.  Each can also be given on the command line."""

    issuer: str = Field("", description="落款 office; the assessment's office when left out")
    date: datetime.date | None = Field(None, description="落款 date; the first day of the 公示期 when left out")
    public_from: datetime.date | None = Field(None, description="公示期 first day")
    public_to: datetime.date | None = Field(None, description="公示期 last day")
    object_by: datetime.date | None = Field(None, description="last day to object; the end of the 公示期 when left out")
    contact: str = Field("", description="who takes objections and how (phone, mailbox)")
    address: str = ""
    show_total: bool = Field(True, description="the 公示 shows each unit's total; false: rank and grade only")

    @field_validator("public_to")
    @classmethod
    def _period_in_order(cls, v, info):
        from pydantic_core import PydanticCustomError

        start = info.data.get("public_from")
        if v is not None and start is not None and start > v:
            raise PydanticCustomError("publication_order", "public_from {start} is after public_to {end}", {"start": start.isoformat(), "end": v.isoformat()})
        return v

    @field_validator("object_by")
    @classmethod
    def _objections_in_period(cls, v, info):
        from pydantic_core import PydanticCustomError

        start = info.data.get("public_from")
        if v is not None and start is not None and v < start:
            raise PydanticCustomError(
                "publication_object_by", "object_by {by} is before public_from {start}", {"by": v.isoformat(), "start": start.isoformat()}
            )
        return v


class Check(_Model):
    """A cross-field check every unit's submitted data must pass, written as a comparison:
    ``rule = "规范性文件已备案件数 <= 规范性文件应备案件数"`` or parts adding up to a total,
    ``rule = "满意票 + 基本满意票 + 不满意票 = 有效票数"``.  A unit with a value missing on
    either side is not checked (the gap is reported on its own)."""

    name: str = Field(min_length=1)
    rule: str = Field(min_length=1)
    applies_to: list[str] | None = None


class Thresholds(_Model):
    """Score rates (得分 ÷ 满分 × 100): at least ``green`` is green, at least ``yellow`` yellow, below it red."""

    green: float = Field(ge=0)
    yellow: float = Field(ge=0)

    @model_validator(mode="after")
    def _ordered(self):
        if not self.green > self.yellow:
            raise ValueError("warnings.green_above_yellow")
        return self


class Warnings(_Model):
    """阶段性预警 during the year. Thresholds are score rates in percent; a level with none
    declared is coloured by its position in the category (quartiles)."""

    green: float | None = Field(None, ge=0)
    yellow: float | None = Field(None, ge=0)
    modules: dict[str, Thresholds] = Field(default_factory=dict)  # module id -> its own thresholds
    indicators: dict[str, Thresholds] = Field(default_factory=dict)  # indicator id -> its own thresholds
    min_units: int = Field(4, ge=2, description="units with a value a category needs for quartile positions")

    @model_validator(mode="after")
    def _both(self):
        if (self.green is None) != (self.yellow is None):
            raise ValueError("warnings.both")
        if self.green is not None and not self.green > self.yellow:
            raise ValueError("warnings.green_above_yellow")
        return self

    def for_total(self) -> Thresholds | None:
        return Thresholds.model_construct(green=self.green, yellow=self.yellow) if self.green is not None else None

    def for_module(self, mid: str) -> Thresholds | None:
        return self.modules.get(mid) or self.for_total()

    def for_indicator(self, iid: str) -> Thresholds | None:
        return self.indicators.get(iid) or self.for_total()


class Criteria(_Model):
    assessment: Assessment
    fields: list[FieldSpec] = Field([])
    modules: list[Module] = Field(min_length=1)
    indicators: list[Indicator] = Field(min_length=1)
    vetoes: list[Veto] = Field([])
    grades: list[Grades] = Field([])
    ranking: Ranking = Ranking.model_construct()
    decisions: Decisions = Decisions.model_construct()
    checks: list[Check] = Field([])
    history: History = History.model_construct()
    publication: Publication = Publication.model_construct()
    warnings: Warnings | None = None

    # -- derived views, cheap enough to compute on demand ---------------------------
    @property
    def categories(self) -> list[str]:
        return self.assessment.categories

    @property
    def series(self) -> str:
        """The assessment series this year belongs to: ``history.series``, else the
        assessment's name without its year ("某县2020年度综合考核" → "某县年度综合考核")."""
        if self.history.series:
            return self.history.series
        a = self.assessment
        return a.name.replace(str(a.year), "").strip() or a.name

    def field_map(self) -> dict[str, FieldSpec]:
        return {f.name: f for f in self.fields}

    def indicator_map(self) -> dict[str, Indicator]:
        return {i.id: i for i in self.indicators}

    def children(self) -> dict[str | None, list[Indicator]]:
        out: dict[str | None, list[Indicator]] = {}
        for ind in self.indicators:
            out.setdefault(ind.parent, []).append(ind)
        return out

    def module_of(self, ind: Indicator) -> str:
        by_id = self.indicator_map()
        seen = set()
        while ind.parent is not None and ind.parent in by_id and ind.id not in seen:
            seen.add(ind.id)
            ind = by_id[ind.parent]
        return ind.module or ""

    def grades_for(self, category: str) -> Grades | None:
        for g in self.grades:
            if g.categories is None or category in g.categories:
                return g
        return None
