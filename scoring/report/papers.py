"""The three papers an office prints, as plain documents of text that a layout (PDF, HTML) only places.

- ``office``: the working file (every ranking, chart, proposal with margins, sheet, the stamp).
- ``public`` (公示): a notice with the 公示期 and how and by when to object, and as its 附件 the ranking
  and grade per category; no unit codes, hashes, proposals or margins.
- ``unit`` (考核结果反馈): one unit's own result (rank, grade, category size and average, what it lost
  and what to correct, how to object) and its score sheet as 附件; nothing about any other unit.

Everything here comes from the one :class:`~scoring.report.view.ReportView`; numbers are formatted
here, once, so every layout prints the same text.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Sequence

from ..core.rounding import fmt, round_half_up
from ..errors import Problem, ReportError
from .. import i18n
from . import charts
from .notice import full_text
from .view import ReportView, UnitView

KINDS = ("office", "unit", "public")


def words(lang: str) -> dict:
    """The papers' wording from the message catalogue (paper.* codes), unfilled: each is filled where it is
    printed. A numbered code (paper.public_body.1, .2 …) gives a list."""
    out: dict = {}
    for code in i18n.MESSAGES:
        if code.startswith("paper."):
            key, _, n = code[len("paper.") :].partition(".")
            if n:
                out.setdefault(key, []).append(i18n.text(code, lang))
            else:
                out[key] = i18n.text(code, lang)
    return out


@dataclass(frozen=True)
class Publication:
    """Who issues the papers sent out, when, the 公示期 and how to object (criteria, then command line)."""

    issuer: str
    date: datetime.date | None
    public_from: datetime.date | None
    public_to: datetime.date | None
    object_by: datetime.date | None
    contact: str
    address: str
    show_total: bool = True


def publication(criteria, overrides: dict | None = None) -> Publication:
    """The criteria's ``[publication]`` with command-line values laid over it (None means: not given)."""
    p = criteria.publication
    o = {k: v for k, v in (overrides or {}).items() if v not in (None, "")}
    start, end = o.get("public_from", p.public_from), o.get("public_to", p.public_to)
    return Publication(
        o.get("issuer", p.issuer) or criteria.assessment.office,
        o.get("date", p.date) or start,
        start,
        end,
        o.get("object_by", p.object_by) or end,
        o.get("contact", p.contact),
        o.get("address", p.address),
        p.show_total and not o.get("grades_only", False),
    )


def require(pub: Publication, kind: str) -> None:
    """Papers sent out must say when and how to object: refuse, naming what is missing, when they cannot."""
    missing = [k for k, v in (("issuer", pub.issuer), ("public_from", pub.public_from), ("public_to", pub.public_to), ("contact", pub.contact)) if not v]
    problems = [Problem("report.publication_missing", {"key": k, "detail": f"report.paper_{kind}"}) for k in missing]
    if pub.public_from and pub.public_to and pub.public_from > pub.public_to:
        problems.append(Problem("report.publication_order", {"start": str(pub.public_from), "end": str(pub.public_to)}))
    if problems:
        raise ReportError(problems)


def date_text(d: datetime.date | None, lang: str) -> str:
    return "" if d is None else i18n.t("text.date", lang, y=d.year, m=d.month, d=d.day)


def _contact(pub: Publication, lang: str) -> str:
    W = words(lang)
    out = W["contact"].format(contact=pub.contact) if pub.contact else ""
    if pub.address:
        out = i18n.t("paper.then_address", lang, before=out, address=W["address"].format(address=pub.address))
    return out


Cell = str | dict  # a table cell: its text, or {"t": text, "b": bold, …}


def _table(head: list[str], widths: Sequence[float], align: list[str], rows: Sequence[Sequence[Cell]], classes: list[str] | None = None) -> dict:
    return {"head": head, "widths": widths, "align": align, "rows": [{"cells": r, "cls": (classes[i] if classes else "")} for i, r in enumerate(rows)]}


# --- office ------------------------------------------------------------------------------------------------------
LANDSCAPE_MM = (269.0, 150.0)
LANDSCAPE_PAGE_MM = 168.0  # height of the landscape page's body (A4 less margins), less a little to spare  # A4 landscape less margins, header and footer; what one chart piece may fill
PORTRAIT_MM = (182.0, 230.0)
CHART_MM = 0.24  # mm per chart unit in print: 11-unit labels print at about 7.5 pt
MIN_CHART_MM = 0.17  # smallest print scale (labels at about 5.3 pt) used to keep a chart under its table
FIRST_LINE_MM, LINE_MM, CELL_PAD_MM = 2.2, 3.3, 1.8  # 8 pt: a cell's first line, each further line, its inset
CHAR_MM = 2.9  # width of a CJK character at 8 pt (Latin text about half)


def table_height_mm(t: dict, width_mm: float, size: float = 8.0) -> float:
    """Estimated printed height of a :func:`_table` at ``size`` pt: its rows' wrapped lines, header included.

    Calibrated on the example's ranked tables (estimated 62.6 / 126.4 / 88.5 mm, printed 62 / 127 / 82 mm)."""
    k = size / 8.0
    total = sum(t["widths"])
    cols = [(width_mm * w / total - 2.4) / k for w in t["widths"]]

    def lines(cells):
        n = 1
        for c, room in zip(cells, cols):
            text = c["t"] if isinstance(c, dict) else str(c)
            n = max(n, sum(max(1, -(-int(charts._w(part, 1) / 0.55 * CHAR_MM / 2 + 0.999) // max(int(room), 1))) for part in text.split("\n")))
        return n

    return sum(CELL_PAD_MM + k * (FIRST_LINE_MM + LINE_MM * (lines(r) - 1)) for r in [t["head"]] + [r["cells"] for r in t["rows"]])


PORTRAIT_PAGE_MM = 258.0  # A4 portrait body less a little to spare
SHEET_SIZES = (7.5, 6.6)  # pt: the score sheet's usual size, and the size that keeps a near-fit on one page


def sheet_size(parts: dict) -> float:
    """The size a unit's score sheet is set in: smaller when that keeps it on one page (within a fifth)."""

    def height(size):
        k = size / 8.0
        text = sum(len(s) for s in parts["sentences"]) * CHAR_MM * (size + 0.5) / 8 / PORTRAIT_MM[0]
        return (
            16
            + max(table_height_mm(parts["modules"], PORTRAIT_MM[0] * 0.48, size), parts["profile"]["height"])
            + table_height_mm(parts["sheet"], PORTRAIT_MM[0], size)
            + 6 * k
            + (text + len(parts["sentences"])) * LINE_MM * k
        )

    big, small = SHEET_SIZES
    h = height(big)
    return small if PORTRAIT_PAGE_MM < h < PORTRAIT_PAGE_MM * 1.2 and height(small) <= PORTRAIT_PAGE_MM else big


def _chart(svg: str, width: float, max_mm: float) -> dict:
    return {"svg": svg, "width": min(max_mm, width * CHART_MM)}


def _ranked_categories(view: ReportView, font: str) -> list[dict]:
    """Each category's ranked table, its totals chart (in pieces that fit the page) and its rules."""
    L = view.L
    hist = bool(view.years)
    cats: list[dict] = []
    for cat in view.categories:
        head = [L["rank"], L["id"], L["name"], L["total"]] + [f"{m.name}({fmt(m.weight)})" for m in cat.modules]
        head += [L["grade"], L["vetoes"], L["decisions"]] + ([L["prev_rank"], L["change"]] if hist else [])
        widths = [4, 6, 13, 6] + [max(7, 1.1 * len(m.name) + 3) for m in cat.modules] + [5, 11, 17] + ([6, 6] if hist else [])
        align = ["c", "l", "l", "r"] + ["r"] * len(cat.modules) + ["c", "l", "l"] + (["c", "c"] if hist else [])
        rows: list[list[Cell]] = []
        cls: list[str] = []
        for r in cat.rows:
            cells: list[Cell] = [str(r.rank), r.id, r.name, {"t": view.num(r.total), "b": True}]
            cells += [view.num(c) for c in r.contributions]
            cells += [r.grade or "", r.vetoes, "\n".join(r.decisions)]
            if hist:
                cells += ["" if r.previous_rank is None else str(r.previous_rank), move(r)]
            rows.append(cells)
            cls.append("failed" if r.failed else r.flag or "")
        heading = i18n.t("rep.category_head", view.lang, name=cat.name, n=len(cat.rows), units=L["units"])
        table = _table(head, widths, align, rows, cls)
        above = (46.0 if not cats else 12.0) + table_height_mm(table, LANDSCAPE_MM[0]) + 6 + 4.5 * len(cat.rules)
        cats.append(
            {
                "heading": heading,
                "table": table,
                "note": L["module_note"],
                "charts": totals_pieces(view, cat, font, *LANDSCAPE_MM, room_mm=LANDSCAPE_PAGE_MM - above),
                "rules": [i18n.t("text.label_value", view.lang, label=f"{i} {n}", value=c) for i, n, c in cat.rules],
            }
        )
    return cats


def _proposal_items(view: ReportView) -> list[dict]:
    """Each decision rule with the units it catches (a table; None when it catches none)."""
    L = view.L
    items = []
    for p in view.proposals:
        table = None
        if p.units:
            head = [L["name"], L["total"], L["rank"], L["grade"], L["trigger"], L["margin"], L["history"], L["close"]]
            rows = [
                [
                    u["name"],
                    view.num(u["total"]),
                    f"{u['rank']}/{u['of']}",
                    u["grade"] or "",
                    u["reason"],
                    u["margin_text"],
                    u["history"],
                    L["yes"] if u["close_call"] else "",
                ]
                for u in p.units
            ]
            cls = ["undetermined" if u["status"] == "undetermined" else "caught" for u in p.units]
            table = _table(head, [17, 8, 8, 7, 26, 11, 19, 6], ["l", "r", "c", "c", "l", "r", "l", "c"], rows, cls)
        items.append({"title": f"{p.rule} {p.name} → {p.consequence}", "category": p.category, "table": table, "empty": L["none_caught"], "nearest": p.nearest})
    return items


def _movement(view: ReportView, font: str) -> dict | None:
    """Ranks over the years, per category (chart and table); None without earlier years."""
    if not view.years:
        return None
    L = view.L
    mc = []
    for cat in view.categories:
        head = [L["name"]] + [str(y) for y in view.years] + [L["change"]]
        rows = [[r.name] + [str(r.ranks_by_year.get(y, "")) for y in view.years] + [move(r)] for r in cat.rows]
        svg = charts.movement_chart(view, cat, font)
        mc.append(
            {
                "heading": cat.name,
                "chart": _chart(svg, _svg_size(svg)[0], PORTRAIT_MM[0]),
                "table": _table(head, [24] + [8] * len(view.years) + [8], ["l"] + ["c"] * (len(view.years) + 1), rows),
            }
        )
    return {"heading": L["movement"], "intro": L["movement_intro"], "categories": mc}


def office(view: ReportView, font: str) -> dict:
    L = view.L
    cats = _ranked_categories(view, font)
    items = _proposal_items(view)
    movement = _movement(view, font)
    units = [_office_unit(view, u, font) for u in view.units]
    stamp = {"heading": L["stamp"], "intro": L["stamp_intro"], "items": [list(kv) for kv in view.stamp]} if view.stamp else None
    footer = "  ".join(i18n.t("text.label_value", view.lang, label=k, value=v) for k, v in view.footer_stamp)
    page = L["page"].split("{p}")
    page = [page[0]] + page[1].split("{n}")
    meta = i18n.t("sep.wide", view.lang).join(m for m in (view.office, i18n.t("text.year", view.lang, year=view.year), L["ranking"]) if m)
    return {
        "kind": "office",
        "internal": words(view.lang)["internal"],
        "title": view.title,
        "office": view.office,
        "meta_line": meta,
        "note": view.note,
        "footer": footer,
        "page": page,
        "categories": cats,
        "proposals": {"heading": L["proposals"], "intro": L["proposals_intro"], "items": items, "outro": L["proposed_only"]},
        "movement": movement,
        "units": units,
        "stamp": stamp,
    }


def move(r) -> str:
    if r.previous_rank is None:
        return ""
    d = r.previous_rank - r.rank
    return f"↑{d}" if d > 0 else f"↓{-d}" if d < 0 else "—"


def totals_pieces(view: ReportView, cat, font: str, width_mm: float, height_mm: float, room_mm: float = 0.0) -> list[dict]:
    """A category's totals chart in as many pieces as it needs so that each fits the page it is printed on.

    ``room_mm``: the height left under the ranked table on its page; a chart that fits there printed a
    little smaller (down to ``MIN_CHART_MM``) is printed there in one piece, rather than alone on a page.
    """
    axis = charts.axis_range(cat, view.total)
    whole = charts.totals_layout(view, cat, axis=axis, draw=False)  # its size: whether and where it is cut
    squeezed = min(CHART_MM, room_mm / whole.height, width_mm / whole.width)
    if squeezed >= MIN_CHART_MM:
        svg = charts.totals_svg(view, cat, charts.totals_layout(view, cat, axis=axis), font)
        return [{"svg": svg, "width": squeezed * whole.width, "rows": [0, len(cat.rows)]}]
    scale_w = min(width_mm, whole.width * CHART_MM)
    per = charts.rows_per_piece(len(cat.rows), scale_w, height_mm, whole.width)
    out = []
    for start in range(0, max(len(cat.rows), 1), per):
        lay = charts.totals_layout(view, cat, start, start + per, axis)
        svg = charts.totals_svg(view, cat, lay, font)
        out.append({"svg": svg, "width": scale_w * lay.width / whole.width, "rows": [start, min(start + per, len(cat.rows))]})
    return out


def _svg_size(svg: str) -> tuple[float, float]:
    """A chart's width and height, from the viewBox every chart of .charts carries."""
    import re

    m = re.search(r'viewBox="0 0 ([\d.]+) ([\d.]+)"', svg)
    if m is None:
        raise ValueError(f"a chart without a viewBox: {svg[:80]!r}")
    return float(m.group(1)), float(m.group(2))


def _modules_table(view: ReportView, u: UnitView) -> dict:
    L = view.L
    head = [L["module"], L["weight"], L["score"], L["average"], L["contribution"]]
    rows = [[m["name"], fmt(m["weight"]), view.num(m["score"]), view.num(avg), view.num(m["contribution"])] for m, avg in zip(u.modules, u.averages)]
    return _table(head, [27, 14, 16, 18, 18], ["l", "r", "r", "r", "r"], rows)


def _sheet_table(view: ReportView, u: UnitView) -> dict:
    L = view.L
    rows = [
        [
            {"t": c["label"], "b": c["level"] == 1, "ind": min(c["level"], 4) - 1},
            full_text(c),
            view.num(c["points"]),
            "" if not c["lost"] else view.num(c["lost"]),
            c["reason"],
            c["source"],
        ]
        for c in u.cells
    ]
    return _table(L["sheet_head"], [25, 9.5, 7.5, 7.5, 30.5, 20], ["l", "r", "r", "r", "l", "l"], rows)


def _office_unit(view: ReportView, u: UnitView, font: str) -> dict:
    L = view.L
    heading = i18n.t("rep.unit_head", view.lang, name=u.name, id=u.id, sheet=L["sheet"])
    summary = u.category + i18n.t("sep.wide", view.lang) + L["summary"].format(total=view.num(u.total), of=u.of, rank=u.rank, grade=u.grade or "—")
    svg = charts.profile_chart(view, u, font)
    svg_w, svg_h = _svg_size(svg)
    width = min(PORTRAIT_MM[0] * 0.5, svg_w * 0.24)
    parts = {
        "heading": heading,
        "summary": summary,
        "modules": _modules_table(view, u),
        "profile": {"svg": svg, "width": width, "height": width * svg_h / svg_w},
        "sheet": _sheet_table(view, u),
        "explanation": L["explanation"],
        "sentences": u.sentences,
    }
    parts["size"] = sheet_size(parts)
    return parts


# --- public (公示) -------------------------------------------------------------------------------------------------
def public(view: ReportView, pub: Publication) -> dict:
    W = words(view.lang)
    name = view.title
    body = [
        p.format(
            name=name,
            year=view.year,
            start=date_text(pub.public_from, view.lang),
            end=date_text(pub.public_to, view.lang),
            by=date_text(pub.object_by, view.lang),
            issuer=pub.issuer,
            contact=_contact(pub, view.lang),
        ).strip()
        for p in W["public_body"]
    ]
    cats = []
    for cat in view.categories:
        if pub.show_total:
            rows = [[str(r.rank), r.name, view.num(r.total), r.grade or ""] for r in cat.rows]
            table = _table(W["public_head"], [10, 46, 16, 14], ["c", "l", "r", "c"], rows)
        else:  # the office publishes grades only
            rows = [[str(r.rank), r.name, r.grade or ""] for r in cat.rows]
            table = _table(W["public_head_nototal"], [10, 56, 16], ["c", "l", "c"], rows)
        cats.append({"heading": W["cat_heading"].format(cat=cat.name, n=len(cat.rows)), "table": table})
    return {
        "kind": "public",
        "internal": "",
        "heading": W["public_title"].format(name=name),
        "body": body,
        "issuer": pub.issuer,
        "date": date_text(pub.date, view.lang),
        "attachment": {"label": W["attachment"], "heading": W["public_att"].format(name=name), "categories": cats},
    }


# --- unit (考核结果反馈) ---------------------------------------------------------------------------------------------
def category_average(view: ReportView, category: str) -> float | None:
    for cat in view.categories:
        if cat.name == category and cat.rows:
            return round_half_up(sum(r.total for r in cat.rows) / len(cat.rows), view.places)
    return None


def unit(view: ReportView, u: UnitView, pub: Publication) -> dict:
    """One unit's paper: its result, what it lost and the rule to meet, how to object; its sheet as 附件."""
    W = words(view.lang)
    avg = category_average(view, u.category)
    grade = u.grade or "—"
    body = [W["unit_body"].format(name=view.title, total=view.num(u.total), cat=u.category, of=u.of, rank=u.rank, grade=grade, avg=view.num(avg))]
    for v in u.vetoes:
        body.append(W["unit_veto" if v["kind"] == "fail" else "unit_no_excellent"].format(veto=v["name"], grade=grade))
    mods = i18n.t("notice.module_sep", view.lang).join(i18n.t("paper.module_score", view.lang, name=m["name"], score=view.num(m["score"])) for m in u.modules)
    body.append(W["unit_modules"].format(mods=mods))
    losses = []
    lost = sorted((c for c in u.cells if c["lost"] and c["leaf"]), key=lambda c: -c["lost"])
    for k, c in enumerate(lost, start=1):
        rule = c["rule"]
        fix = W["fix_rule"].format(rule=rule) if rule else W["fix_none"]
        losses.append(W["loss"].format(k=k, name=c["label"], lost=view.num(c["lost"]), reason=c["reason"], fix=fix))
    after = [] if losses else [W["unit_no_loss"]]
    after.append(W["unit_object"].format(by=date_text(pub.object_by, view.lang), issuer=pub.issuer, contact=_contact(pub, view.lang)).strip())
    summary = W["unit_summary"].format(cat=u.category, total=view.num(u.total), rank=u.rank, of=u.of, grade=grade, avg=view.num(avg))
    return {
        "kind": "unit",
        "heading": W["unit_title"].format(name=view.title),
        "to": W["unit_to"].format(unit=u.name),
        "body": body,
        "losses_heading": W["unit_losses"],
        "losses": losses,
        "after": after,
        "issuer": pub.issuer,
        "date": date_text(pub.date, view.lang),
        "attachment": {
            "label": W["attachment"],
            "heading": W["unit_att"].format(unit=u.name),
            "summary": summary,
            "modules": _modules_table(view, u),
            "sheet": _sheet_table(view, u),
        },
    }


def file_name(view: ReportView, u: UnitView, ext: str) -> str:
    """年份-单位-考核结果反馈.pdf: what an office attaches when it sends each unit its paper."""
    stem = i18n.t("paper.unit_file", view.lang, year=view.year, unit=u.name)
    return safe_file_name(stem) + "." + ext


def safe_file_name(text: str) -> str:
    """A unit name as part of a file name on every system: path separators and reserved characters replaced."""
    bad = '<>:"/\\|?*'
    out = "".join("_" if (ch in bad or ord(ch) < 32) else ch for ch in text).strip(" .")
    return out[:120] or "_"
