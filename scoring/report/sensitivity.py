"""The stability of each unit's rank (``scoring sensitivity``) as a table, JSON or CSV.

The JSON layout is ``scoring.sensitivity/1``: draws, spread (percent), seed, and per
category its modules and, per unit in rank order, the published rank, the best and
worst rank over the draws, the central 90 % interval, the share of draws in which the
rank moved, and the effect of each module weight (places, + = lower).
"""

from __future__ import annotations

import csv
import io
import json

import numpy as np

from ..core.engine import Results
from ..core.rounding import fmt, fmt_column
from ..core.sensitivity import CategorySensitivity, Sensitivity
from ..i18n import t

SCHEMA = "scoring.sensitivity/1"


def _heads(lang: str, *keys: str) -> list[str]:
    return [t(f"sens.col.{k}", lang) for k in keys]


def _intro(s: Sensitivity, lang: str) -> str:
    return t("sens.intro", lang, p=fmt(s.spread * 100), draws=s.draws, seed=s.seed)


def _note(lang: str, spread: float) -> str:
    return t("sens.note", lang, p=fmt(spread * 100))


def _effect_text(cat: CategorySensitivity, pos: int, spread: float, lang: str) -> str:
    got = cat.strongest(pos)
    if got is None:
        return "—"
    k, x = got
    return t("sens.effect_lower" if x > 0 else "sens.effect_higher", lang, module=cat.module_names[k], p=fmt(spread * 100), places=fmt(abs(x), 1))


def _order(cat: CategorySensitivity) -> list[int]:
    return np.argsort(cat.base_rank, kind="stable").tolist()


def _pct(x: float) -> str:
    return f"{x * 100:.0f}%"


def _rules(shares, category: str, unit_id: str) -> dict[str, tuple[float, float]]:
    """Rule id → (share of draws caught, share undetermined) for this unit, rules that ever catch it."""
    if shares is None:
        return {}
    return {rid: v for (rid, cat, uid), v in shares.items() if cat == category and uid == unit_id}


def _rules_text(got: dict[str, tuple[float, float]], lang: str) -> str:
    from .decisions import share_text

    parts = []
    for rid, (caught, undetermined) in sorted(got.items()):
        if caught:
            parts.append(f"{rid} {share_text(caught)}")
        if undetermined:
            parts.append(t("sens.undetermined", lang, share=f"{rid} {share_text(undetermined)}"))
    return "；".join(parts)


def rows(res: Results, s: Sensitivity, cat: CategorySensitivity, lang: str, shares=None) -> tuple[list[str], list[list[str]]]:
    places = res.criteria.assessment.precision
    cs = res.categories[cat.category]
    header = _heads(lang, "rank", "id", "name", "total", "range", "p90", "moved", "most")
    if shares is not None:
        header += _heads(lang, "rules")
    order = _order(cat)
    totals = fmt_column(cs.total[order], places)
    out = []
    for p, total in zip(order, totals):
        i = cat.index[p]
        out.append(
            [
                str(cat.base_rank[p]),
                res.data.ids[i],
                res.data.names[i],
                total,
                f"{cat.best[p]}–{cat.worst[p]}",
                f"{cat.low[p]}–{cat.high[p]}",
                _pct(cat.moved[p]),
                _effect_text(cat, p, s.spread, lang),
            ]
        )
        if shares is not None:
            out[-1].append(_rules_text(_rules(shares, cat.category, res.data.ids[i]), lang))
    return header, out


def as_table(res: Results, s: Sensitivity, lang: str = "zh", shares=None) -> str:
    from tabulate import tabulate
    import tabulate as _tab

    _tab.WIDE_CHARS_MODE = True
    a = res.criteria.assessment
    out = [f"{a.name}（{a.year}）", _intro(s, lang)]
    for cat in s.categories.values():
        header, body = rows(res, s, cat, lang, shares)
        out.append("")
        out.append(t("sens.category", lang, category=cat.category, n=len(cat.index)))
        out.append(
            tabulate(
                body,
                headers=header,
                disable_numparse=True,
                colalign=["right", "left", "left", "right", "right", "right", "right", "left", "left"][: len(header)],
            )
        )
    out += ["", _note(lang, s.spread)]
    return "\n".join(out) + "\n"


def as_json(res: Results, s: Sensitivity, lang: str = "zh", shares=None) -> str:
    places = res.criteria.assessment.precision
    cats = []
    for cat in s.categories.values():
        cs = res.categories[cat.category]
        units = []
        for p in _order(cat):
            i = cat.index[p]
            got = cat.strongest(p)
            units.append(
                {
                    "id": res.data.ids[i],
                    "name": res.data.names[i],
                    "total": round(float(cs.total[p]), places),
                    "rank": int(cat.base_rank[p]),
                    "best": int(cat.best[p]),
                    "worst": int(cat.worst[p]),
                    "p05": int(cat.low[p]),
                    "p95": int(cat.high[p]),
                    "moved": round(float(cat.moved[p]), 4),
                    "effects": {m: round(float(x), 3) for m, x in zip(cat.modules, cat.effect[p])},
                    "strongest": None if got is None else {"module": cat.modules[got[0]], "places": round(got[1], 3)},
                    "text": _effect_text(cat, p, s.spread, lang),
                    "rules": {
                        rid: {"caught": round(a, 4), "undetermined": round(b, 4)}
                        for rid, (a, b) in sorted(_rules(shares, cat.category, res.data.ids[i]).items())
                    },
                }
            )
        cats.append(
            {
                "name": cat.category,
                "units_count": len(cat.index),
                "modules": [{"id": m, "name": nm, "weight": float(w)} for m, nm, w in zip(cat.modules, cat.module_names, cat.weights)],
                "units": units,
            }
        )
    doc = {"schema": SCHEMA, "draws": s.draws, "spread_percent": s.spread * 100, "seed": s.seed, "description": _intro(s, lang), "categories": cats}
    return json.dumps(doc, ensure_ascii=False, indent=1) + "\n"


def as_csv(res: Results, s: Sensitivity, lang: str = "zh", shares=None) -> str:
    from .output import neutralise

    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(
        _heads(lang, "category", "rank", "id", "name", "total", "best", "worst", "p05", "p95", "moved", "most", "effect")
        + (_heads(lang, "rules") if shares is not None else [])
    )
    places = res.criteria.assessment.precision
    for cat in s.categories.values():
        cs = res.categories[cat.category]
        for p in _order(cat):
            i = cat.index[p]
            got = cat.strongest(p)
            w.writerow(
                [
                    cat.category,
                    cat.base_rank[p],
                    neutralise(res.data.ids[i]),
                    neutralise(res.data.names[i]),
                    fmt(cs.total[p], places),
                    cat.best[p],
                    cat.worst[p],
                    cat.low[p],
                    cat.high[p],
                    f"{cat.moved[p]:.4f}",
                    "" if got is None else cat.module_names[got[0]],
                    "" if got is None else f"{got[1]:.3f}",
                ]
                + ([_rules_text(_rules(shares, cat.category, res.data.ids[i]), lang)] if shares is not None else [])
            )
    return buf.getvalue()


RENDERERS = {"table": as_table, "json": as_json, "csv": as_csv}
