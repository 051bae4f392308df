"""A criteria diff as text an office can attach to its 考核方案说明, or JSON (``scoring.criteria_diff/1``)."""

from __future__ import annotations

import json

from ..core.criteria_diff import Change, CriteriaDiff
from ..core.rounding import fmt
from ..i18n import t

SCHEMA = "scoring.criteria_diff/1"
NUMERALS = "一二三四五六七八九十"

# sections in the order they are written, each with the change kinds it holds
SECTIONS = [
    ("weights", ("module_weight", "module_added", "module_removed", "module_renamed", "module_full", "module_bonus", "category_added", "category_removed")),
    ("added", ("indicator_added",)),
    ("removed", ("indicator_removed",)),
    ("renamed", ("indicator_renamed", "indicator_moved")),
    ("points", ("indicator_points",)),
    ("method", ("indicator_method",)),
    ("applies", ("indicator_applies", "indicator_other")),
    ("share", ("share",)),
    (
        "other",
        (
            "assessment",
            "field_added",
            "field_removed",
            "field_changed",
            "veto_added",
            "veto_removed",
            "veto_changed",
            "rule_added",
            "rule_removed",
            "rule_changed",
            "grades",
            "warnings",
        ),
    ),
]


def _v(x) -> str:
    if x is None:
        return "—"
    if isinstance(x, float):
        return fmt(x)
    if isinstance(x, list):
        return "、".join(str(i) for i in x)
    if isinstance(x, dict):
        return "，".join(f"{k}={_v(v)}" for k, v in x.items())
    return str(x)


def line(c: Change, lang: str) -> str:
    k = c.kind
    head = f"{c.id} {c.name}" if c.id != c.name else c.name
    if k == "module_weight":
        return t("cdiff.weight", lang, name=c.name, id=c.id, category=c.category, old=_v(c.old), new=_v(c.new))
    if k == "indicator_added":
        return t("cdiff.added", lang, head=head, full=fmt(c.new["full"]), module=c.new["module"], rule=c.new["rule"])
    if k == "indicator_removed":
        return t("cdiff.removed", lang, head=head, full=fmt(c.old["full"]), module=c.old["module"])
    if k == "indicator_method":
        what = []
        if c.old["method"] != c.new["method"]:
            what.append(t("cdiff.what_method", lang, old=c.old["method"] or "—", new=c.new["method"] or "—"))
        if c.old["field"] != c.new["field"]:
            what.append(t("cdiff.what_field", lang, old=c.old["field"] or "—", new=c.new["field"] or "—"))
        if c.old["params"] != c.new["params"]:
            what.append(t("cdiff.what_params", lang, old=_v(c.old["params"]) or "—", new=_v(c.new["params"]) or "—"))
        return t("cdiff.method", lang, head=head, old=c.old["rule"], new=c.new["rule"], what=t("sep.items", lang).join(what) or "—")
    if k == "indicator_renamed":
        return t("cdiff.indicator_renamed", lang, id=c.id, old=c.old, new=c.new)
    if k == "share":
        return t("cdiff.share", lang, head=head, category=c.category, old=_v(c.old), new=_v(c.new))
    if k in ("field_added", "veto_added", "rule_added", "field_removed", "veto_removed", "rule_removed"):
        return t(f"cdiff.{k}", lang, head=head)
    if k in ("field_changed", "veto_changed", "rule_changed"):
        keys = [x for x in c.new if c.old.get(x) != c.new.get(x)]
        return t(f"cdiff.{k}", lang, head=head, what="；".join(f"{x}：{_v(c.old.get(x))} → {_v(c.new.get(x))}" for x in keys))
    return t(f"cdiff.{k}", lang, head=head, old=_v(c.old), new=_v(c.new))


def as_text(d: CriteriaDiff, lang: str = "zh") -> str:
    a, b = d.old.criteria.assessment, d.new.criteria.assessment
    out = [t("cdiff.head", lang, old=a.name, new=b.name, oy=a.year, ny=b.year)]
    if not d.changes:
        out.append(t("cdiff.same", lang))
        return "\n".join(out) + "\n"
    k = 0
    for sec, kinds in SECTIONS:
        items = [c for c in d.changes if c.kind in kinds]
        if not items:
            continue
        num = t("cdiff.numbered", lang, numeral=NUMERALS[k], n=k + 1)
        k += 1
        out.append("")
        out.append(num + t(f"cdiff.sec_{sec}", lang, n=len(items)))
        if sec == "share":  # grouped by category: what each category's units will see move
            for cat in dict.fromkeys(c.category for c in items):
                out.append("  " + t("cdiff.share_cat", lang, category=cat))
                out.extend("    " + line(c, lang) for c in items if c.category == cat)
        else:
            out.extend("  " + line(c, lang) for c in items)
    return "\n".join(out) + "\n"


def as_json(d: CriteriaDiff, lang: str = "zh") -> str:
    a, b = d.old.criteria.assessment, d.new.criteria.assessment
    doc = {
        "schema": SCHEMA,
        "old": {"name": a.name, "year": a.year},
        "new": {"name": b.name, "year": b.year},
        "changes": [{"kind": c.kind, "id": c.id, "name": c.name, "category": c.category, "old": c.old, "new": c.new, "text": line(c, lang)} for c in d.changes],
    }
    return json.dumps(doc, ensure_ascii=False, indent=1) + "\n"
