"""Change against last year: +a per unit gained (capped), −b per unit lost (capped).

编制 rule: 每增加1人加0.05分（最多加0.5分），每减少1人扣0.1分（最多扣2分）.

The method reads its field and last year's value of it (``<field>@上年``).  Where
that value comes from is not its business: the command line fills it from the final
run of last year in the history store (see :mod:`scoring.history.previous`).  A unit
without last year's value has no score here, and the indicator's ``missing`` rule
decides (error, exclude or zero), exactly as for any other missing input.
"""

from __future__ import annotations

import numpy as np

from scoring import Column, fmt, Method, Params as BaseParams, previous_name, Scored, shown, tr, Field, model_validator


class ChangeVsLastYear(Method):
    name = "change_vs_last_year"
    title = ("与上年比较增减", "Change against last year")
    example = {"field": "编制内实有人数", "full": 2, "params": {"per_gain": 0.05, "gain_cap": 0.5, "per_loss": 0.1, "loss_cap": 2}}
    previous_year = True

    class Params(BaseParams):
        per_gain: float = Field(0, ge=0, description="每增加1个单位加分", json_schema_extra={"en": "points added per unit gained"})
        gain_cap: float | None = Field(None, ge=0, description="加分上限", json_schema_extra={"en": "most points added"})
        per_loss: float = Field(0, ge=0, description="每减少1个单位扣分", json_schema_extra={"en": "points deducted per unit lost"})
        loss_cap: float | None = Field(None, ge=0, description="扣分上限", json_schema_extra={"en": "most points deducted"})
        base: float | None = Field(
            None,
            description="与上年持平时的得分；默认附加项为0，其他指标为 分值 − 加分上限",
            json_schema_extra={"en": "points when equal to last year; default 0 for a bonus item, otherwise full points − gain_cap"},
        )
        lower_is_better: bool = Field(
            False,
            description="减少为好（如事故数）：减少按“增加”加分",
            json_schema_extra={"en": "lower is better (e.g. accidents): a decrease earns the gain points"},
        )

        @model_validator(mode="after")
        def _something(self):
            if self.per_gain == 0 and self.per_loss == 0:
                raise ValueError("value.change_rates")
            return self

    @staticmethod
    def _base(p: Params, full: float, bonus: bool) -> float:
        if p.base is not None:
            return p.base
        return 0.0 if bonus else full - (p.gain_cap or 0.0)

    @staticmethod
    def _parts(p: Params, cur, prev):
        delta = (prev - cur) if p.lower_is_better else (cur - prev)
        gain = np.maximum(delta, 0.0) * p.per_gain
        loss = np.maximum(-delta, 0.0) * p.per_loss
        if p.gain_cap is not None:
            gain = np.minimum(gain, p.gain_cap)
        if p.loss_cap is not None:
            loss = np.minimum(loss, p.loss_cap)
        return delta, gain, loss

    def score(self, col: Column, p: Params) -> Scored:
        field, cur = next(iter(col.values.items()))  # the indicator's own field comes first
        prev = col.values[previous_name(field)]
        _, gain, loss = self._parts(p, cur, prev)
        pts = self._base(p, col.full, col.bonus) + gain - loss  # NaN where either year is missing
        return Scored(pts if col.bonus else np.clip(pts, 0.0, col.full))  # an item of its own: 0 … full

    def rule(self, p: Params, full: float, lang: str = "zh") -> str:
        up, down = ("减少", "增加") if p.lower_is_better else ("增加", "减少")
        up_en, down_en = ("fewer", "more") if p.lower_is_better else ("more", "fewer")
        zh, en = [], []
        if p.per_gain:
            cap = f"（最多加{fmt(p.gain_cap)}分）" if p.gain_cap is not None else ""
            zh.append(f"每{up}1个加{fmt(p.per_gain)}分{cap}")
            en.append(f"+{fmt(p.per_gain)} per one {up_en}" + (f" (at most +{fmt(p.gain_cap)})" if p.gain_cap is not None else ""))
        if p.per_loss:
            cap = f"（最多扣{fmt(p.loss_cap)}分）" if p.loss_cap is not None else ""
            zh.append(f"每{down}1个扣{fmt(p.per_loss)}分{cap}")
            en.append(f"−{fmt(p.per_loss)} per one {down_en}" + (f" (at most −{fmt(p.loss_cap)})" if p.loss_cap is not None else ""))
        base = p.base
        tail_zh = f"；与上年持平得{fmt(base)}分" if base is not None else ""
        tail_en = f"; {fmt(base)} if unchanged" if base is not None else ""
        return tr(lang, "与上年相比，" + "，".join(zh) + tail_zh, "against last year: " + "; ".join(en) + tail_en)

    def lost_reason(self, p, inputs, points, full, context, lang="zh"):
        field, cur = next(iter(inputs.items()))
        prev = inputs[previous_name(field)]
        delta, gain, loss = self._parts(p, np.float64(cur), np.float64(prev))
        change = cur - prev
        if change > 0:
            zh_c, en_c = f"增加{shown(change, field, lang)}", f"up {shown(change, field, lang)}"
        elif change < 0:
            zh_c, en_c = f"减少{shown(-change, field, lang)}", f"down {shown(-change, field, lang)}"
        else:
            zh_c, en_c = "持平", "unchanged"
        zh = f"{field}今年{shown(cur, field, lang)}，上年{shown(prev, field, lang)}，{zh_c}"
        en = f"{field} {shown(cur, field, lang)} this year, {shown(prev, field, lang)} last year, {en_c}"
        if gain > 0:
            capped = p.gain_cap is not None and float(gain) >= p.gain_cap and delta * p.per_gain > p.gain_cap
            zh += f"，加{fmt(float(gain))}分" + ("（已达加分上限）" if capped else "")
            en += f": +{fmt(float(gain))}" + (" (cap reached)" if capped else "")
        if loss > 0:
            capped = p.loss_cap is not None and -delta * p.per_loss > p.loss_cap
            zh += f"，扣{fmt(float(loss))}分" + ("（已达扣分上限）" if capped else "")
            en += f": −{fmt(float(loss))}" + (" (cap reached)" if capped else "")
        return tr(lang, zh, en)


METHODS = [ChangeVsLastYear]
