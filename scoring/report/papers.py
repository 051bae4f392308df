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

from ..core.rounding import fmt, round_half_up
from ..errors import Problem, ReportError
from . import charts
from .notice import full_text
from .view import ReportView, UnitView

KINDS = ("office", "unit", "public")

WORDS = {
    "zh": {
        "public_title": "关于{name}结果的公示",
        "public_body": [
            "根据{name}工作安排，经数据报送、评分和审核，现将{year}年度考核结果予以公示（见附件）。",
            "公示期为{start}至{end}。公示期间，如对考核结果有异议，请于{by}前以书面形式向{issuer}提出，"
            "写明异议的指标、理由，并附相关佐证材料。{contact}",
        ],
        "contact": "联系方式：{contact}。", "address": "地址：{address}。",
        "attachment": "附件", "public_att": "{name}结果",
        "public_head": ["名次", "单位名称", "总分", "等次"], "public_head_nototal": ["名次", "单位名称", "等次"],
        "cat_heading": "{cat}（{n}个单位）",
        "unit_title": "{name}结果反馈", "unit_to": "{unit}：",
        "unit_body": "你单位在{name}中总分{total}分，在{cat}{of}个单位中列第{rank}名，等次为{grade}。"
                     "{cat}平均分{avg}分。",
        "unit_veto": "你单位因“{veto}”被一票否决，等次定为{grade}。",
        "unit_no_excellent": "你单位因“{veto}”实行否优，不得评为最高等次。",
        "unit_modules": "各模块得分：{mods}。",
        "unit_losses": "主要失分及整改方向",
        "loss": "{k}. {name}：扣{lost}分（{reason}）。整改方向：{fix}",
        "fix_rule": "对照细则要求“{rule}”整改。",
        "fix_none": "对照评分细则逐项整改。",
        "unit_no_loss": "你单位各项指标均未失分。",
        "unit_object": "如对考核结果有异议，请于{by}前以书面形式向{issuer}提出，写明异议的指标、理由，并附相关佐证材料；"
                       "逾期未提出的，视为无异议。{contact}",
        "unit_att": "{unit}评分表",
        "unit_summary": "{cat}　总分{total}分　第{rank}名（共{of}个单位）　等次：{grade}　本类别平均分{avg}分",
        "date": "{y}年{m}月{d}日",
        "fonts": "字体替代：小标宋→{title}；仿宋→{body}；黑体→{heading}",
        "internal": "内部资料　注意保存",
    },
    "en": {
        "public_title": "Public notice of the results of {name}",
        "public_body": [
            "The results of {name} for {year} are published for public notice (see the attachment).",
            "The notice period runs from {start} to {end}. Objections to the results must reach {issuer} in writing "
            "by {by}, naming the indicator and the grounds, with evidence. {contact}",
        ],
        "contact": "Contact: {contact}.", "address": "Address: {address}.",
        "attachment": "Attachment", "public_att": "Results of {name}",
        "public_head": ["Rank", "Unit", "Total", "Grade"], "public_head_nototal": ["Rank", "Unit", "Grade"],
        "cat_heading": "{cat} ({n} units)",
        "unit_title": "{name}: your result", "unit_to": "To {unit}:",
        "unit_body": "Your unit scored {total} in {name}, rank {rank} of {of} in {cat}, grade {grade}. "
                     "The average of {cat} is {avg}.",
        "unit_veto": "Your unit was vetoed for “{veto}” and graded {grade}.",
        "unit_no_excellent": "“{veto}” bars your unit from the top grade.",
        "unit_modules": "Modules: {mods}.",
        "unit_losses": "Where points were lost and what to correct",
        "loss": "{k}. {name}: −{lost} ({reason}). To correct: {fix}",
        "fix_rule": "meet the requirement “{rule}”.",
        "fix_none": "check each item against the criteria.",
        "unit_no_loss": "Your unit lost no points on any indicator.",
        "unit_object": "Objections to the result must reach {issuer} in writing by {by}, naming the indicator and the "
                       "grounds, with evidence; none received by then means none is raised. {contact}",
        "unit_att": "Score sheet of {unit}",
        "unit_summary": "{cat}   total {total}   rank {rank} of {of}   grade {grade}   category average {avg}",
        "date": "{y}-{m:02d}-{d:02d}",
        "fonts": "fonts standing in: title {title}; body {body}; headings {heading}",
        "internal": "Internal — keep confidential",
    },
}


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
    return Publication(o.get("issuer", p.issuer) or criteria.assessment.office, o.get("date", p.date) or start,
                       start, end, o.get("object_by", p.object_by) or end, o.get("contact", p.contact),
                       o.get("address", p.address), p.show_total and not o.get("grades_only", False))


def require(pub: Publication, kind: str) -> None:
    """Papers sent out must say when and how to object: refuse, naming what is missing, when they cannot."""
    missing = [k for k, v in (("issuer", pub.issuer), ("public_from", pub.public_from), ("public_to", pub.public_to),
                              ("contact", pub.contact)) if not v]
    problems = [Problem("report.publication_missing", {"key": k, "detail": f"report.paper_{kind}"}) for k in missing]
    if pub.public_from and pub.public_to and pub.public_from > pub.public_to:
        problems.append(Problem("report.publication_order", {"start": str(pub.public_from), "end": str(pub.public_to)}))
    if problems:
        raise ReportError(problems)


def date_text(d: datetime.date | None, lang: str) -> str:
    return "" if d is None else WORDS[lang]["date"].format(y=d.year, m=d.month, d=d.day)


def _contact(pub: Publication, lang: str) -> str:
    W = WORDS[lang]
    out = W["contact"].format(contact=pub.contact) if pub.contact else ""
    if pub.address:
        out += (" " if lang == "en" else "") + W["address"].format(address=pub.address)
    return out


def _table(head, widths, align, rows, classes=None) -> dict:
    return {"head": head, "widths": widths, "align": align,
            "rows": [{"cells": r, "cls": (classes[i] if classes else "")} for i, r in enumerate(rows)]}


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
            n = max(n, sum(max(1, -(-int(charts._w(part, 1) / 0.55 * CHAR_MM / 2 + 0.999) // max(int(room), 1)))
                           for part in text.split("\n")))
        return n
    return sum(CELL_PAD_MM + k * (FIRST_LINE_MM + LINE_MM * (lines(r) - 1)) for r in [t["head"]] + [r["cells"] for r in t["rows"]])


PORTRAIT_PAGE_MM = 258.0  # A4 portrait body less a little to spare
SHEET_SIZES = (7.5, 6.6)  # pt: the score sheet's usual size, and the size that keeps a near-fit on one page


def sheet_size(parts: dict) -> float:
    """The size a unit's score sheet is set in: smaller when that keeps it on one page (within a fifth)."""
    def height(size):
        k = size / 8.0
        text = sum(len(s) for s in parts["sentences"]) * CHAR_MM * (size + 0.5) / 8 / PORTRAIT_MM[0]
        return (16 + max(table_height_mm(parts["modules"], PORTRAIT_MM[0] * 0.48, size), parts["profile"]["height"])
                + table_height_mm(parts["sheet"], PORTRAIT_MM[0], size) + 6 * k + (text + len(parts["sentences"])) * LINE_MM * k)
    big, small = SHEET_SIZES
    h = height(big)
    return small if PORTRAIT_PAGE_MM < h < PORTRAIT_PAGE_MM * 1.2 and height(small) <= PORTRAIT_PAGE_MM else big


def _chart(svg: str, width: float, max_mm: float) -> dict:
    return {"svg": svg, "width": min(max_mm, width * CHART_MM)}


def office(view: ReportView, font: str) -> dict:
    L = view.L
    hist = bool(view.years)
    cats = []
    for cat in view.categories:
        head = [L["rank"], L["id"], L["name"], L["total"]] + [f"{m.name}({fmt(m.weight)})" for m in cat.modules]
        head += [L["grade"], L["vetoes"], L["decisions"]] + ([L["prev_rank"], L["change"]] if hist else [])
        widths = [4, 6, 13, 6] + [max(7, 1.1 * len(m.name) + 3) for m in cat.modules] + [5, 11, 17] + ([6, 6] if hist else [])
        align = ["c", "l", "l", "r"] + ["r"] * len(cat.modules) + ["c", "l", "l"] + (["c", "c"] if hist else [])
        rows, cls = [], []
        for r in cat.rows:
            cells = [str(r.rank), r.id, r.name, {"t": view.num(r.total), "b": True}] + [view.num(c) for c in r.contributions]
            cells += [r.grade or "", r.vetoes, "\n".join(r.decisions)]
            if hist:
                cells += ["" if r.previous_rank is None else str(r.previous_rank), move(r)]
            rows.append(cells)
            cls.append("failed" if r.failed else r.flag or "")
        heading = (f"{cat.name}（{len(cat.rows)}{L['units']}）" if view.lang != "en" else f"{cat.name} ({len(cat.rows)} {L['units']})")
        sep = "：" if view.lang != "en" else ": "
        table = _table(head, widths, align, rows, cls)
        above = (46.0 if not cats else 12.0) + table_height_mm(table, LANDSCAPE_MM[0]) + 6 + 4.5 * len(cat.rules)
        cats.append({"heading": heading, "table": table, "note": L["module_note"],
                     "charts": totals_pieces(view, cat, font, *LANDSCAPE_MM, room_mm=LANDSCAPE_PAGE_MM - above),
                     "rules": [f"{i} {n}{sep}{c}" for i, n, c in cat.rules]})
    items = []
    for p in view.proposals:
        table = None
        if p.units:
            head = [L["name"], L["total"], L["rank"], L["grade"], L["trigger"], L["margin"], L["history"], L["close"]]
            rows = [[u["name"], view.num(u["total"]), f"{u['rank']}/{u['of']}", u["grade"] or "", u["reason"], u["margin_text"],
                     u["history"], L["yes"] if u["close_call"] else ""] for u in p.units]
            cls = ["undetermined" if u["status"] == "undetermined" else "caught" for u in p.units]
            table = _table(head, [17, 8, 8, 7, 26, 11, 19, 6], ["l", "r", "c", "c", "l", "r", "l", "c"], rows, cls)
        items.append({"title": f"{p.rule} {p.name} → {p.consequence}", "category": p.category, "table": table,
                      "empty": L["none_caught"], "nearest": p.nearest})
    movement = None
    if hist:
        mc = []
        for cat in view.categories:
            head = [L["name"]] + [str(y) for y in view.years] + [L["change"]]
            rows = [[r.name] + [str(r.ranks_by_year.get(y, "")) for y in view.years] + [move(r)] for r in cat.rows]
            svg = charts.movement_chart(view, cat, font)
            mc.append({"heading": cat.name, "chart": _chart(svg, _svg_width(svg), PORTRAIT_MM[0]),
                       "table": _table(head, [24] + [8] * len(view.years) + [8], ["l"] + ["c"] * (len(view.years) + 1), rows)})
        movement = {"heading": L["movement"], "intro": L["movement_intro"], "categories": mc}
    units = [_office_unit(view, u, font) for u in view.units]
    stamp = ({"heading": L["stamp"], "intro": L["stamp_intro"], "items": [list(kv) for kv in view.stamp]} if view.stamp else None)
    sep = "：" if view.lang != "en" else ": "
    footer = "  ".join(f"{k}{sep}{v}" for k, v in view.footer_stamp)
    page = L["page"].split("{p}")
    page = [page[0]] + page[1].split("{n}")
    meta = "　".join(m for m in (view.office, f"{view.year}{'年度' if view.lang != 'en' else ''}", L["ranking"]) if m)
    return {"kind": "office", "internal": WORDS[view.lang]["internal"], "title": view.title, "office": view.office, "meta_line": meta, "note": view.note,
            "footer": footer, "page": page, "categories": cats,
            "proposals": {"heading": L["proposals"], "intro": L["proposals_intro"], "items": items, "outro": L["proposed_only"]},
            "movement": movement, "units": units, "stamp": stamp}


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
    whole = charts.totals_layout(view, cat)
    squeezed = min(CHART_MM, room_mm / whole.height, width_mm / whole.width)
    if squeezed >= MIN_CHART_MM:
        svg = charts.totals_chart(view, cat, font)
        return [{"svg": svg, "width": squeezed * whole.width, "rows": [0, len(cat.rows)]}]
    scale_w = min(width_mm, whole.width * CHART_MM)
    per = charts.rows_per_piece(len(cat.rows), scale_w, height_mm, whole.width)
    out = []
    for start in range(0, max(len(cat.rows), 1), per):
        lay = charts.totals_layout(view, cat, start, start + per)
        svg = charts.totals_chart(view, cat, font, start, start + per)
        out.append({"svg": svg, "width": scale_w * lay.width / whole.width, "rows": [start, min(start + per, len(cat.rows))]})
    return out


def _svg_width(svg: str) -> float:
    import re

    return float(re.search(r'viewBox="0 0 ([\d.]+) ', svg).group(1))


def _svg_height(svg: str) -> float:
    import re

    return float(re.search(r'viewBox="0 0 [\d.]+ ([\d.]+)"', svg).group(1))


def _modules_table(view: ReportView, u: UnitView) -> dict:
    L = view.L
    head = [L["module"], L["weight"], L["score"], L["average"], L["contribution"]]
    rows = [[m["name"], fmt(m["weight"]), view.num(m["score"]), view.num(avg), view.num(m["contribution"])]
            for m, avg in zip(u.modules, u.averages)]
    return _table(head, [27, 14, 16, 18, 18], ["l", "r", "r", "r", "r"], rows)


def _sheet_table(view: ReportView, u: UnitView) -> dict:
    L = view.L
    rows = [[{"t": c["label"], "b": c["level"] == 1, "ind": min(c["level"], 4) - 1}, full_text(c), view.num(c["points"]),
             "" if not c["lost"] else view.num(c["lost"]), c["reason"], c["source"]] for c in u.cells]
    return _table(L["sheet_head"], [25, 9.5, 7.5, 7.5, 30.5, 20], ["l", "r", "r", "r", "l", "l"], rows)


def _office_unit(view: ReportView, u: UnitView, font: str) -> dict:
    L = view.L
    heading = (f"{u.name}（{u.id}） {L['sheet']}" if view.lang != "en" else f"{u.name} ({u.id}) — {L['sheet']}")
    summary = f"{u.category}　" + L["summary"].format(total=view.num(u.total), of=u.of, rank=u.rank, grade=u.grade or "—")
    svg = charts.profile_chart(view, u, font)
    width = min(PORTRAIT_MM[0] * 0.5, _svg_width(svg) * 0.24)
    parts = {"heading": heading, "summary": summary, "modules": _modules_table(view, u),
             "profile": {"svg": svg, "width": width, "height": width * _svg_height(svg) / _svg_width(svg)},
             "sheet": _sheet_table(view, u), "explanation": L["explanation"], "sentences": u.sentences}
    parts["size"] = sheet_size(parts)
    return parts


# --- public (公示) -------------------------------------------------------------------------------------------------
def public(view: ReportView, pub: Publication) -> dict:
    W = WORDS[view.lang]
    name = view.title
    body = [p.format(name=name, year=view.year, start=date_text(pub.public_from, view.lang), end=date_text(pub.public_to, view.lang),
                     by=date_text(pub.object_by, view.lang), issuer=pub.issuer, contact=_contact(pub, view.lang)).strip()
            for p in W["public_body"]]
    cats = []
    for cat in view.categories:
        if pub.show_total:
            rows = [[str(r.rank), r.name, view.num(r.total), r.grade or ""] for r in cat.rows]
            table = _table(W["public_head"], [10, 46, 16, 14], ["c", "l", "r", "c"], rows)
        else:  # the office publishes grades only
            rows = [[str(r.rank), r.name, r.grade or ""] for r in cat.rows]
            table = _table(W["public_head_nototal"], [10, 56, 16], ["c", "l", "c"], rows)
        cats.append({"heading": W["cat_heading"].format(cat=cat.name, n=len(cat.rows)), "table": table})
    return {"kind": "public", "internal": "", "heading": W["public_title"].format(name=name), "body": body,
            "issuer": pub.issuer, "date": date_text(pub.date, view.lang),
            "attachment": {"label": W["attachment"], "heading": W["public_att"].format(name=name), "categories": cats}}


# --- unit (考核结果反馈) ---------------------------------------------------------------------------------------------
def category_average(view: ReportView, category: str) -> float | None:
    for cat in view.categories:
        if cat.name == category and cat.rows:
            return round_half_up(sum(r.total for r in cat.rows) / len(cat.rows), view.places)
    return None


def unit(view: ReportView, u: UnitView, pub: Publication) -> dict:
    """One unit's paper: its result, what it lost and the rule to meet, how to object; its sheet as 附件."""
    W = WORDS[view.lang]
    en = view.lang == "en"
    avg = category_average(view, u.category)
    grade = u.grade or "—"
    body = [W["unit_body"].format(name=view.title, total=view.num(u.total), cat=u.category, of=u.of, rank=u.rank,
                                  grade=grade, avg=view.num(avg))]
    for v in u.vetoes:
        body.append(W["unit_veto" if v["kind"] == "fail" else "unit_no_excellent"].format(veto=v["name"], grade=grade))
    sep = "; " if en else "，"
    mods = sep.join((f"{m['name']} {view.num(m['score'])}" if en else f"{m['name']}{view.num(m['score'])}分") for m in u.modules)
    body.append(W["unit_modules"].format(mods=mods))
    losses = []
    lost = sorted((c for c in u.cells if c["lost"] and c["leaf"]), key=lambda c: -c["lost"])
    for k, c in enumerate(lost, start=1):
        rule = c["rule"]
        fix = W["fix_rule"].format(rule=rule) if rule else W["fix_none"]
        losses.append(W["loss"].format(k=k, name=c["label"], lost=view.num(c["lost"]), reason=c["reason"], fix=fix))
    after = [] if losses else [W["unit_no_loss"]]
    after.append(W["unit_object"].format(by=date_text(pub.object_by, view.lang), issuer=pub.issuer,
                                         contact=_contact(pub, view.lang)).strip())
    summary = W["unit_summary"].format(cat=u.category, total=view.num(u.total), rank=u.rank, of=u.of, grade=grade,
                                       avg=view.num(avg))
    return {"kind": "unit", "heading": W["unit_title"].format(name=view.title), "to": W["unit_to"].format(unit=u.name),
            "body": body, "losses_heading": W["unit_losses"], "losses": losses, "after": after,
            "issuer": pub.issuer, "date": date_text(pub.date, view.lang),
            "attachment": {"label": W["attachment"], "heading": W["unit_att"].format(unit=u.name), "summary": summary,
                           "modules": _modules_table(view, u), "sheet": _sheet_table(view, u)}}


def file_name(view: ReportView, u: UnitView, ext: str) -> str:
    """年份-单位-考核结果反馈.pdf: what an office attaches when it sends each unit its paper."""
    stem = f"{view.year}-{u.name}-考核结果反馈" if view.lang != "en" else f"{view.year}-{u.name}-result"
    return safe_file_name(stem) + "." + ext


def safe_file_name(text: str) -> str:
    """A unit name as part of a file name on every system: path separators and reserved characters replaced."""
    bad = '<>:"/\\|?*'
    out = "".join("_" if (ch in bad or ord(ch) < 32) else ch for ch in text).strip(" .")
    return out[:120] or "_"
