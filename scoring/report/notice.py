"""One unit's score sheet and plain-language explanation (测评指标 | 指标分值 | 得分 | 扣分 | 失分原因 | 数据来源)."""

from __future__ import annotations

from functools import lru_cache

from ..core.decisions import RuleResult
from ..core.engine import CategoryScores, Results
from ..core.explain import loss_items, unit_sheet
from ..core.rounding import fmt
from ..i18n import t

COLUMNS = ("indicator", "full", "points", "lost", "reason", "source")  # notice.col.<key>


def _source(line: dict, lang: str) -> str:
    ev = line.get("evidence_given")
    src = line.get("sources")
    return _source_text(line.get("owner") or "", tuple(src.values()) if src else (), tuple(ev.values()) if ev else (), lang)


@lru_cache(maxsize=4096)  # the same few owners and files on every unit's sheet
def _source_text(owner: str, sources: tuple[str, ...], evidence: tuple[str, ...], lang: str) -> str:
    parts = [owner]
    files = sorted({s for s in sources if s})
    if files:
        parts.append(t("sep.enum", lang).join(files))
    if evidence:
        parts.append(t("sep.items", lang).join(evidence))
    return t("sep.items", lang).join(p for p in parts if p)


def sheet_cells(sheet: dict, lang: str = "zh") -> list[dict]:
    """The score sheet's lines as cells: numbers stay numbers (None where there is none), text is text.

    Every printed format (terminal, HTML, PDF, XLSX) lays out these same cells.
    """
    out = []
    for line in sheet["indicators"]:
        app = line.get("applicable_full")
        note = ""
        if app is not None:
            note = t("notice.full_note", lang, full=fmt(app))
        out.append(
            {
                "id": line["id"],
                "level": line["level"],
                "label": f"{line['id']} {line['name']}",
                "full": line["full"],
                "bonus": line["bonus"],
                "full_note": note,
                "applicable_full": app,
                "points": line["points"],
                "lost": line["lost"] or None,
                "status": line.get("status"),
                "reason": line.get("reason", ""),
                "source": _source(line, lang),
                "rule": line.get("rule", ""),
                "leaf": bool(line.get("method")),
            }
        )
    return out


def full_text(cell: dict) -> str:
    return _full_text(cell["bonus"], cell["full"], cell["full_note"])


@lru_cache(maxsize=4096)  # an indicator's full points read the same on every unit's sheet
def _full_text(bonus: bool, full: float, note: str) -> str:
    return ("±" if bonus else "") + fmt(full) + note


def sheet_rows(sheet: dict, places: int, lang: str = "zh") -> list[list[str]]:
    rows = []
    for c in sheet_cells(sheet, lang):
        rows.append(
            [
                "  " * (c["level"] - 1) + c["label"],
                full_text(c),
                fmt(c["points"], places),
                "" if not c["lost"] else fmt(c["lost"], places),
                c["reason"],
                c["source"],
            ]
        )
    return rows


def _sentences(res: Results, sheet: dict, cs: CategoryScores, pos: int, decisions: list[RuleResult], lang: str) -> list[str]:
    a = res.criteria.assessment
    places = a.precision
    mods = t("notice.module_sep", lang).join(
        t(
            "notice.module",
            lang,
            name=m["name"],
            score=fmt(m["score"], places),
            weight=fmt(m["weight"]),
            points=fmt(m["contribution"], places),
            bonus=t("notice.module_bonus", lang, note=m["bonus_note"]) if "bonus_note" in m else "",
        )
        for m in sheet["modules"]
    )
    out = [
        t(
            "notice.summary",
            lang,
            name=sheet["name"],
            category=sheet["category"],
            assessment=a.name,
            year=a.year,
            total=fmt(sheet["total"], places),
            rank=sheet["rank"],
            of=sheet["of"],
            grade=sheet["grade"] or "—",
        ),
        t("notice.modules", lang, modules=mods),
    ]
    # rank losses by what they cost the total: a point in a module weighted 38 costs more than in one
    # weighted 11, and more where items were left out (the module is rescaled to what applies)
    applicable = _applicable(sheet)
    by_id: dict[str, dict] = {}
    for m in sheet["modules"]:  # the first of an id, as a search would find it
        by_id.setdefault(m["id"], m)
    lost = [(l, l["lost"] * _cost_per_point(sheet, l, applicable, by_id)) for l in loss_items(sheet, lang)]
    if lost:
        top = sorted(lost, key=lambda lw: -lw[1])[:5]
        out.append(
            t(
                "notice.losses",
                lang,
                items=t("sep.items", lang).join(
                    t("notice.loss", lang, name=l["name"], lost=fmt(l["lost"], places), cost=fmt(w, places), reason=l["reason"]) for l, w in top
                ),
            )
        )
    why = cs.grade_why[pos]
    for v in sheet["vetoes"]:
        if v["kind"] == "fail":
            out.append(t("notice.veto_fail", lang, name=v["name"], grade=sheet["grade"]))
        else:
            out.append(t("notice.veto_no_excellent", lang, name=v["name"]))
    if why and why.startswith("quota:"):
        out.append(t("notice.quota_full", lang, grade=why.split(":", 1)[1]))
    uid = sheet["id"]
    for r in decisions:
        for c in r.catches:
            if c.unit.unit_id != uid:
                continue
            from .decisions import look_back_text, margin_text, trigger_text

            hist = look_back_text(c, r, lang)
            if c.status == "undetermined":
                s = t("notice.rule_undetermined", lang, id=r.rule.id, name=r.rule.name, history=hist)
            else:
                s = t(
                    "notice.rule",
                    lang,
                    id=r.rule.id,
                    name=r.rule.name,
                    trigger=trigger_text(c, r, places, lang),
                    margin=margin_text(c.margin, places, lang),
                    history=t("notice.rule_history", lang, history=hist) if hist else "",
                    consequence=r.rule.consequence,
                )
            if c.close:
                s += t("notice.close_call", lang)
            out.append(s)
    return out


def _cost_per_point(sheet: dict, line: dict, applicable: dict[str, float], modules: dict | None = None) -> float:
    """Points of the total one point lost on ``line`` costs: weight ÷ applicable full (附加项: ÷ full).
    ``applicable``: :func:`_applicable` of the sheet; ``modules``: its modules by id, when already made."""
    m = modules.get(line["module"]) if modules is not None else next((m for m in sheet["modules"] if m["id"] == line["module"]), None)
    if m is None:
        return 0.0
    if line["bonus"]:
        return m["weight"] / m["full"]
    app = applicable.get(m["id"], 0)
    return m["weight"] / app if app else 0.0


def _applicable(sheet: dict) -> dict[str, float]:
    """Each module's applicable full points on a sheet: its top-level items' points and losses, in sheet order."""
    out: dict[str, float] = {}
    for line in sheet["indicators"]:
        if line["parent"] is None and not line["bonus"] and line["points"] is not None:
            out[line["module"]] = out.get(line["module"], 0) + (line["points"] + line["lost"])
    return out


def unit_notice(res: Results, cs: CategoryScores, pos: int, decisions: list[RuleResult], lang: str = "zh", sheet: dict | None = None) -> dict:
    """A unit's sheet and its sentences; ``sheet``: its :func:`unit_sheet` when already made."""
    if sheet is None:
        sheet = unit_sheet(res, cs, pos, lang)
    return {"sheet": sheet, "sentences": _sentences(res, sheet, cs, pos, decisions, lang)}


def as_text(res: Results, cs: CategoryScores, pos: int, decisions: list[RuleResult], lang: str = "zh") -> str:
    from tabulate import tabulate
    import tabulate as _tab

    _tab.WIDE_CHARS_MODE = True
    places = res.criteria.assessment.precision
    notice = unit_notice(res, cs, pos, decisions, lang)
    sheet = notice["sheet"]
    title = t("notice.title", lang, name=sheet["name"], id=sheet["id"])
    table = tabulate(
        sheet_rows(sheet, places, lang),
        headers=[t(f"notice.col.{k}", lang) for k in COLUMNS],
        disable_numparse=True,
        colalign=["left", "right", "right", "right", "left", "left"],
    )
    return "\n".join([title, "", table, ""] + notice["sentences"]) + "\n"
