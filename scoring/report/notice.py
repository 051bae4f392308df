"""One unit's score sheet and plain-language explanation (测评指标 | 指标分值 | 得分 | 扣分 | 失分原因 | 数据来源)."""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from ..core.decisions import RuleResult
from ..core.engine import CategoryScores, Results
from ..core.explain import bonus_losses, loss_items, unit_sheet
from ..core.rounding import fmt
from ..i18n import _num as _shown_value, t, text

COLUMNS = ("indicator", "full", "points", "lost", "reason", "source")  # notice.col.<key>


def _source(line: dict, lang: str) -> str:
    ev = line.get("evidence_given")
    src = line.get("sources")
    return source_text(line.get("owner") or "", tuple(src.values()) if src else (), tuple(ev.values()) if ev else (), lang)


@lru_cache(maxsize=4096)  # the same few owners and files on every unit's sheet
def source_text(owner: str, sources: tuple[str, ...], evidence: tuple[str, ...], lang: str) -> str:
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
    return [line_cell(line, lang) for line in sheet["indicators"]]


def line_cell(line: dict, lang: str = "zh") -> dict:
    """One score-sheet line (:func:`scoring.core.explain.indicator_line`) as :func:`sheet_cells` shows it."""
    app = line.get("applicable_full")
    return {
        "id": line["id"],
        "level": line["level"],
        "label": f"{line['id']} {line['name']}",
        "full": line["full"],
        "bonus": line["bonus"],
        "full_note": full_note(app, lang),
        "applicable_full": app,
        "points": line["points"],
        "lost": line["lost"] or None,
        "status": line.get("status"),
        "reason": line.get("reason", ""),
        "source": _source(line, lang),
        "rule": line.get("rule", ""),
        "leaf": bool(line.get("method")),
    }


def full_note(applicable_full: float | None, lang: str) -> str:
    """What a line's 指标分值 adds when only part of the indicator applies to the unit ("" when all of it does)."""
    return "" if applicable_full is None else t("notice.full_note", lang, full=fmt(applicable_full))


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


def _fmt(x, places: int | None = None) -> str:
    """:func:`fmt`, each number's text made once (a unit's sentences repeat its sheet's numbers; None, zero
    and NaN go to fmt each time: a NaN is never found again in a cache)."""
    return fmt(x, places) if not x or x != x else _fmt_memo(x, places)


@lru_cache(maxsize=65536)
def _fmt_memo(x: float, places: int | None) -> str:
    return fmt(x, places)


@lru_cache(maxsize=64)
def _filler(code: str, lang: str):
    """A message's ``format``, for the sentences every unit has several of (each module, each loss): filled
    as :func:`scoring.i18n.t` fills it, the arguments shown by :func:`_said`, without looking it up again."""
    return text(code, lang).format


def _said(v):
    """An argument as :func:`scoring.i18n.t` shows it (plain text as it is)."""
    return v if type(v) is str and v.isprintable() else _shown_value(v)


@lru_cache(maxsize=64)
def _plain(code: str, lang: str) -> str:
    """A message without placeholders, as :func:`scoring.i18n.t` gives it (a separator every unit's sentences use)."""
    return t(code, lang)


_NO_NOTE = object()  # a module without a note on its bonus


@lru_cache(maxsize=65536)  # a module's few distinct scores recur on many units' sheets
def _module_said(lang: str, places: int, name: str, score, weight, contribution, note) -> str:
    """A module's part of the sentence on the modules: its score, weight and points, and the note on its
    bonus unless ``note`` is ``_NO_NOTE`` (numbers as :func:`_fmt` shows them: text without any character
    :func:`_said` would change). Numbers are keys as they compare: 0.0 and -0.0, 1 and 1.0 show the same."""
    return _filler("notice.module", lang)(
        name=_said(name),
        score=_fmt(score, places),
        weight=_fmt(weight),
        points=_fmt(contribution, places),
        bonus="" if note is _NO_NOTE else _said(t("notice.module_bonus", lang, note=note)),
    )


def _sentences(
    res: Results, sheet: dict, cs: CategoryScores, pos: int, decisions: list[RuleResult], lang: str, top: list[tuple[dict, float]] | None = None
) -> list[str]:
    """The unit's sentences; ``top``: its :func:`_top_losses` when already made (from a block's columns)."""
    a = res.criteria.assessment
    places = a.precision
    mods = _plain("notice.module_sep", lang).join(
        [_module_said(lang, places, m["name"], m["score"], m["weight"], m["contribution"], m.get("bonus_note", _NO_NOTE)) for m in sheet["modules"]]
    )
    out = [
        t(
            "notice.summary",
            lang,
            name=sheet["name"],
            category=sheet["category"],
            assessment=a.name,
            year=a.year,
            total=_fmt(sheet["total"], places),
            rank=sheet["rank"],
            of=sheet["of"],
            grade=sheet["grade"] or "—",
        ),
        t("notice.modules", lang, modules=mods),
    ]
    if top is None:
        top = _top_losses(sheet, lang)
    if top:
        loss = _filler("notice.loss", lang)
        out.append(
            t(
                "notice.losses",
                lang,
                items=_plain("sep.items", lang).join(
                    [loss(name=_said(l["name"]), lost=_fmt(l["lost"], places), cost=_fmt(w, places), reason=_said(l["reason"])) for l, w in top]
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


TOP = 5  # losses a unit's sentences name


def _top_losses(sheet: dict, lang: str) -> list[tuple[dict, float]]:
    """The sheet's costliest losses with what each cost the total, costliest first (ties in sheet order).

    A point lost in a module weighted 38 costs more than in one weighted 11, and more where items were
    left out (the module is rescaled to what applies)."""
    applicable = _applicable(sheet)
    by_id: dict[str, dict] = {}
    for m in sheet["modules"]:  # the first of an id, as a search would find it
        by_id.setdefault(m["id"], m)
    lost = [(l, l["lost"] * _cost_per_point(l, applicable, by_id)) for l in loss_items(sheet, lang)]
    return sorted(lost, key=lambda lw: -lw[1])[:TOP]


def top_losses(res: Results, cs: CategoryScores, rows: list[int], columns: list, odd: dict, sheets: list[dict], lang: str) -> list[list[tuple[dict, float]]]:
    """:func:`_top_losses` of the sheets of the units at ``rows`` from their lines' columns
    (:func:`scoring.core.explain.sheet_columns`) without making each line: ``odd`` holds the lines
    :func:`scoring.core.explain.indicator_line` made for the unusual ones, by (line, unit) position;
    ``sheets``: the units' sheets without their lines.

    :func:`loss_items`'s walk as masks, in sheet order (parents first, as the walk goes): a line is
    reached when its parent was reached with points and is neither a leaf nor a capped group; a reached
    line with points that is a leaf or a capped group lists its loss."""
    n = len(rows)
    module_of = res.plan.module_of
    parents = {s.indicator.parent for s, _ in columns}
    by_id: dict = {}
    for ms in cs.modules.values():  # the first of an id, as _top_losses finds it
        by_id.setdefault(ms.module.id, ms)
    applicable = {m: np.zeros(n) for m in by_id}
    goes_on: dict[str, np.ndarray] = {}  # an indicator's children are reached
    found = []  # (j, listed mask, loss) of the lines that list a loss for some unit
    points, lost, reasons = [], [], []
    for j, (s, c) in enumerate(columns):
        ind = s.indicator
        pts, lo, capped, why = c.points, c.lost, np.zeros(n, bool), c.reasons
        here = odd.get(j)
        if here:
            pts, lo, why = pts.copy(), lo.copy(), list(why)
            for k, line in here.items():
                pts[k] = np.nan if line["points"] is None else line["points"]
                lo[k] = np.nan if line["lost"] is None else line["lost"]
                capped[k] = "cap" in line
                why[k] = line.get("reason")
        points.append(pts)
        lost.append(lo)
        reasons.append(why)
        scored = ~np.isnan(pts)
        if ind.parent is None:
            reached = np.full(n, not ind.bonus)
            if not ind.bonus and module_of[ind.id] in applicable:
                applicable[module_of[ind.id]][scored] += pts[scored] + lo[scored]
        else:
            reached = goes_on.get(ind.parent, np.zeros(n, bool))
        alive = reached & scored
        if ind.id in parents:
            goes_on[ind.id] = alive & ~capped
            alive &= capped
        with np.errstate(invalid="ignore"):
            listed = alive & (lo != 0) & ~np.isnan(lo)
        if listed.any():
            found.append((j, listed))
    cost = np.full((len(found), n), -np.inf)
    for r, (j, listed) in enumerate(found):
        s = columns[j][0]
        mod = by_id.get(module_of[s.indicator.id])
        if mod is None:
            per = np.zeros(n)
        elif s.indicator.bonus:
            per = np.full(n, mod.weight / mod.module.full)
        else:
            app = applicable[mod.module.id]
            with np.errstate(divide="ignore", invalid="ignore"):
                per = np.where(app != 0, mod.weight / app, 0.0)
        cost[r, listed] = lost[j][listed] * per[listed]
    order = np.argsort(-cost, axis=0, kind="stable")[:TOP]
    counts = (cost != -np.inf).sum(axis=0)
    odd_cost = np.isnan(cost).any(axis=0)  # sorted as sorted() does it, whatever NaN does to the order
    tops = [j for j, (s, _) in enumerate(columns) if s.indicator.parent is None and s.indicator.bonus]

    def item(j: int, k: int) -> dict:
        ind = columns[j][0].indicator
        pts = float(points[j][k])
        return {
            "id": ind.id,
            "name": ind.name,
            "module": module_of[ind.id],
            "bonus": ind.bonus,
            "points": None if pts != pts else pts,
            "lost": float(lost[j][k]),
            "reason": reasons[j][k],
        }

    out = []
    for k in range(n):
        picked = range(len(found)) if odd_cost[k] else order[: min(TOP, int(counts[k])), k].tolist()
        top = [(item(found[r][0], k), float(cost[r, k])) for r in picked if cost[r, k] != -np.inf]
        modules = sheets[k]["modules"]
        if odd_cost[k] or any(m["bonus"] is not None and m["bonus"] < 0 for m in modules):
            first: dict[str, dict] = {}
            for m in modules:
                first.setdefault(m["id"], m)
            extra = bonus_losses([item(j, k) for j in tops], modules, lang)
            top = sorted(top + [(l, l["lost"] * _cost_per_point(l, {}, first)) for l in extra], key=lambda lw: -lw[1])[:TOP]
        out.append(top)
    return out


def _cost_per_point(line: dict, applicable: dict[str, float], modules: dict[str, dict]) -> float:
    """Points of the total one point lost on ``line`` costs: weight ÷ applicable full (附加项: ÷ full).
    ``applicable``: :func:`_applicable` of the sheet; ``modules``: its modules by id (the first of an id)."""
    m = modules.get(line["module"])
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


def unit_notice(
    res: Results, cs: CategoryScores, pos: int, decisions: list[RuleResult], lang: str = "zh", sheet: dict | None = None, top: list | None = None
) -> dict:
    """A unit's sheet and its sentences; ``sheet``: its :func:`unit_sheet` when already made (without its
    lines when ``top``, its :func:`top_losses`, is given)."""
    if sheet is None:
        sheet = unit_sheet(res, cs, pos, lang)
    return {"sheet": sheet, "sentences": _sentences(res, sheet, cs, pos, decisions, lang, top)}


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
