"""Text, JSON, CSV and letters for 公示 and objections: the objection list, the decision letter
(复核答复) per objection, the change notice (结果变动通知) per unit, the event log.

Letters and notices are Markdown text (one file each): they print as they are, paste into a
message, or go through any Markdown-to-PDF tool the office uses.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from ..core.rounding import fmt
from ..i18n import t
from .cycle import Applied, Event, Notice, Objection, Publication
from .report import decision_change_text, dump_json, tabulate_wide
from .store import RunInfo


def _state(o: Objection, lang: str) -> str:
    text = t(f"cycle.state.{o.state}", lang)
    if o.correction is not None:
        text += t("cycle.state.applied", lang, run=o.correction)
    return text


def _values(values: dict[str, float]) -> str:
    return "；".join(f"{k} = {fmt(v)}" for k, v in values.items())


def objection_dict(o: Objection) -> dict[str, Any]:
    return {
        "id": o.id,
        "run": o.run_id,
        "unit": o.unit_id,
        "unit_name": o.unit_name,
        "indicator": o.indicator,
        "field": o.field,
        "text": o.text,
        "received": o.received,
        "late": o.late,
        "late_reason": o.late_reason,
        "recorded_by": o.operator,
        "recorded_at": o.at,
        "evidence": [{"name": e.name, "sha256": e.sha256, "size": e.size} for e in o.evidence],
        "state": o.state,
        "values": o.values,
        "reason": o.reason or None,
        "decided_by": o.decided_by or None,
        "decided_at": o.decided_at or None,
        "correction": o.correction,
    }


COLS = ("id", "run", "unit", "about", "received", "state", "text", "evidence", "reason")


def _row(o: Objection, lang: str) -> list[str]:
    received = o.received + (t("cycle.late_mark", lang) if o.late else "")
    ev = "、".join(t("cycle.evidence_item", lang, name=e.name, digest=e.sha256[:12]) for e in o.evidence)
    reason = o.reason + (t("text.note", lang, note=_values(o.values)) if o.values else "")
    return [str(o.id), str(o.run_id), f"{o.unit_id} {o.unit_name}", o.about, received, _state(o, lang), o.text, ev, reason]


def objections_text(objs: list[Objection], lang: str) -> str:
    if not objs:
        return t("cycle.none", lang) + "\n"
    head = [t(f"cycle.col.{c}", lang) for c in COLS]
    counts = {s: sum(1 for o in objs if o.state == s) for s in ("pending", "accepted", "rejected")}
    return tabulate_wide([_row(o, lang) for o in objs], head) + "\n" + t("cycle.counts", lang, **counts) + "\n"


def objections_csv(objs: list[Objection], lang: str) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow([t(f"cycle.col.{c}", lang) for c in COLS])
    w.writerows(_row(o, lang) for o in objs)
    return buf.getvalue()


def objections_json(objs: list[Objection]) -> str:
    return dump_json({"schema": "scoring.objections/1", "objections": [objection_dict(o) for o in objs]})


# ---------------------------------------------------------------------------- letters
def letter(o: Objection, run: RunInfo, pub: Publication | None, lang: str, result=None) -> str:
    """The 复核答复 to the unit that objected: what it said, what the office decided and why;
    for an accepted one applied, its result in the correction run."""
    lines = [
        t("cycle.letter.title", lang),
        "",
        t("cycle.letter.to", lang, unit=o.unit_name or o.unit_id, id=o.unit_id),
        "",
        t(
            "cycle.letter.body",
            lang,
            received=o.received,
            assessment=run.assessment,
            run=run.id,
            start=pub.start if pub else "—",
            end=pub.end if pub else "—",
            about=o.about,
            text=o.text,
        ),
    ]
    if o.evidence:
        lines.append(t("cycle.letter.evidence", lang, files="、".join(f"{e.name}（sha256 {e.sha256}）" for e in o.evidence)))
    lines.append("")
    if o.state == "accepted":
        lines.append(t("cycle.letter.accepted", lang, values=_values(o.values), reason=o.reason))
        if result is not None:
            lines.append(t("cycle.letter.result", lang, run=result[0], total=result[1], rank=result[2], of=result[3], grade=result[4] or "—"))
        else:
            lines.append(t("cycle.letter.pending_apply", lang))
    elif o.state == "rejected":
        lines.append(t("cycle.letter.rejected", lang, reason=o.reason))
    lines += [
        "",
        t("cycle.letter.sign", lang, by=o.decided_by or "—", at=(o.decided_at or "")[:10]),
        "",
        t("cycle.letter.ref", lang, id=o.id, run=run.id, stamp=run.stamp().line(lang)),
    ]
    return "\n".join(lines) + "\n"


def notice(n: Notice, applied: Applied, lang: str) -> str:
    """结果变动通知 to a unit whose result moved with a correction."""
    rep = applied.report
    places = rep.run.precision
    from .report import change_text

    lines = [
        t("cycle.notice.title", lang),
        "",
        t("cycle.notice.to", lang, unit=n.name, id=n.unit_id),
        "",
        t(
            "cycle.notice.body",
            lang,
            assessment=rep.run.assessment,
            run=rep.run.id,
            new=rep.new_run.id,
            reason=rep.new_run.reason,
            objections="、".join(f"#{o.id}" for o in applied.objections),
        ),
        t("cycle.notice.own" if n.own else "cycle.notice.others", lang),
        "",
    ]
    lines += ["- " + change_text(c, places, lang) for c in n.changes]
    lines += ["- " + decision_change_text(d, lang) for d in n.decisions]
    lines += ["", t("cycle.notice.final", lang, new=rep.new_run.id), "", t("cycle.letter.ref_run", lang, stamp=rep.new_run.stamp().line(lang))]
    return "\n".join(lines) + "\n"


def applied_text(applied: Applied, lang: str) -> str:
    from .report import rescore_text

    out = [
        rescore_text(applied.report, lang).rstrip("\n"),
        "",
        t("cycle.applied_objections", lang, n=len(applied.objections), ids="、".join(f"#{o.id}" for o in applied.objections)),
    ]
    own = [n for n in applied.notices if n.own]
    others = [n for n in applied.notices if not n.own]
    out.append(t("cycle.notices", lang, n=len(applied.notices), own=len(own), others=len(others)))
    for n in applied.notices:
        out.append(f"  {n.unit_id} {n.name}" + ("" if n.own else t("cycle.moved_by_others", lang)))
    return "\n".join(out) + "\n"


def applied_json(applied: Applied) -> str:
    """``objection apply --format json``: the correction run's diff, the objections applied, the units notified."""
    from .report import rescore_json

    doc = json.loads(rescore_json(applied.report))
    doc["objections"] = [objection_dict(o) for o in applied.objections]
    doc["notices"] = [
        {
            "unit": n.unit_id,
            "name": n.name,
            "category": n.category,
            "own": n.own,
            "changes": [c.what for c in n.changes],
            "decisions": [d.rule for d in n.decisions],
        }
        for n in applied.notices
    ]
    return dumps(doc)


# ---------------------------------------------------------------------------- the log
def _detail(e: Event, lang: str) -> str:
    d = e.detail
    parts = []
    for k in ("from", "to", "objection", "unit", "indicator", "field", "received", "decision", "corrects", "objections"):
        v = d.get(k)
        if v not in (None, "", [], False):
            if k == "decision":
                v = t(f"cycle.state.{v}", lang)
            parts.append(f"{k}={v if not isinstance(v, list) else ','.join(map(str, v))}")
    if d.get("late"):
        parts.append(t("cycle.late_mark", lang).strip())
    if d.get("values"):
        parts.append(_values(d["values"]))
    if d.get("evidence"):
        parts.append("evidence=" + ",".join(f"{n}:{s[:12]}" for n, s in d["evidence"]))
    if d.get("file"):
        parts.append(f"file={d['file']} sha256={d.get('sha256', '')}")
    return " ".join(parts)


def log_text(run: RunInfo, events: list[Event], bad: list[int], lang: str) -> str:
    out = [t("cycle.log.head", lang, run=run.id, assessment=run.assessment, year=run.year)]
    rows = [[str(e.seq), str(e.run_id), e.at.replace("T", " ")[:19], t(f"cycle.kind.{e.kind}", lang), e.operator, e.reason, _detail(e, lang)] for e in events]
    out.append(tabulate_wide(rows, [t(f"cycle.logcol.{c}", lang) for c in ("seq", "run", "at", "kind", "operator", "reason", "detail")]))
    if bad:
        out.append(t("cycle.log.broken", lang, rows="、".join(map(str, bad))))
    return "\n".join(out) + "\n"


def log_json(run: RunInfo, events: list[Event], bad: list[int]) -> str:
    return dump_json({"schema": "scoring.log/1", "run": run.id, "chain_intact": not bad, "altered_rows": bad, "events": [vars(e) for e in events]})


def dumps(doc) -> str:
    return json.dumps(doc, ensure_ascii=False, indent=1) + "\n"


# ---------------------------------------------------------------------------- letters as papers
PAPER_FORMATS = ("md", "html", "pdf")
STAMP_MARKS = ("印记：", "封印：", "Stamp:", "Seal:")


def letter_html(text: str, font: str = '"Noto Serif CJK SC", serif') -> str:
    """A letter or notice (the Markdown above) as an A4 page laid out after GB/T 9704: title 22 pt,
    body 16 pt, margins 37 mm top and 28 mm left."""
    from html import escape

    body: list[str] = []
    items: list[str] = []

    def flush():
        if items:
            body.append("<ul>" + "".join(f"<li>{escape(i)}</li>" for i in items) + "</ul>")
            items.clear()

    for line in text.splitlines():
        if line.startswith("- "):
            items.append(line[2:])
            continue
        flush()
        if line.startswith("# "):
            title = line[2:]
            body.append(f"<h1>{escape(title)}</h1>")
        elif any(k in line for k in STAMP_MARKS):  # the stamp and seal: small, at the foot
            body.append(f'<p class="stamp">{escape(line)}</p>')
        elif line.strip():
            body.append(f"<p>{escape(line)}</p>")
    flush()
    return f"""<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>{escape(text.splitlines()[0].lstrip('# '))}</title>
<style>@page {{ size: A4; margin: 37mm 26mm 35mm 28mm; }}
body {{ font-family: {font}; font-size: 16pt; line-height: 1.6; }}
h1 {{ font-size: 22pt; text-align: center; font-weight: bold; margin: 0 0 1em; }}
p {{ margin: 0 0 0.4em; overflow-wrap: anywhere; }} ul {{ margin: 0.2em 0 0.6em 2em; padding: 0; }}
p.stamp {{ font-size: 9pt; color: #444; margin: 0; }} p.stamp:first-of-type {{ margin-top: 2em; }}</style></head>
<body>{''.join(body)}</body></html>
"""


def paper(text: str, fmt: str) -> bytes:
    """A letter or notice in the format asked: Markdown as it is, HTML, or PDF through the report's typesetter."""
    if fmt == "html":
        return letter_html(text).encode("utf-8")
    if fmt == "pdf":
        from ..report.pdf import Typesetter

        doc = letter_doc(text)
        return Typesetter().render(doc, doc["heading"], "")
    return text.encode("utf-8")


def letter_doc(text: str) -> dict:
    """A letter or notice (the Markdown above) as the typesetter's document: the same 公文 page as the
    unit and public papers (title 22 pt, body 16 pt, margins 37 mm top and 28 mm left)."""
    lines = text.splitlines()
    heading = next((ln[2:] for ln in lines if ln.startswith("# ")), "")
    blocks: list[dict] = []
    stamp: list[str] = []
    for line in lines:
        if line.startswith("# ") or not line.strip():
            continue
        if any(k in line for k in STAMP_MARKS):  # the stamp and seal: small, at the foot
            stamp.append(line)
        elif line.startswith("- "):
            if blocks and blocks[-1]["kind"] == "list":
                blocks[-1]["items"].append(line[2:])
            else:
                blocks.append({"kind": "list", "items": [line[2:]]})
        elif not blocks and line.rstrip().endswith(("：", ":")):  # 主送: the addressee, flush left
            blocks.append({"kind": "to", "text": line})
        else:
            blocks.append({"kind": "p", "text": line})
    return {"kind": "letter", "heading": heading, "blocks": blocks, "stamp": stamp}


def paper_format(path: str | None) -> str:
    """A letter's format from its file's suffix (md, html, pdf); Markdown for any other or no file."""
    suffix = path.rsplit(".", 1)[-1].lower() if path and "." in path else "md"
    return suffix if suffix in PAPER_FORMATS else "md"
