"""The proposed decision list in words makes each text once per distinct set of what it says; the list
must be the one made row by row."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from builders import examples
from scoring.core.decisions import decide
from scoring.core.rounding import fmt
from scoring.history.lookback import DecisionHistory
from scoring.i18n import t
from scoring.report.decisions import _others, _share, as_text, look_back_text, margin_text, share_text, trigger_text
from scoring.report.output import text_table
from test_decisions_columns import CRITERIA, outcomes


def _as_text_row_by_row(results, places, close, lang="zh", stability=None, names=None) -> str:
    lines = [t("dec.title", lang)]
    for r in results:
        if not r.catches and r.nearest_outside is None:
            continue
        lines.append("")
        lines.append(t("dec.rule_head", lang, id=r.rule.id, name=r.rule.name, consequence=r.rule.consequence, category=r.category))
        if r.catches:
            head = [t(f"dec.col.{k}", lang) for k in ("unit", "total", "rank", "grade", "trigger", "margin", "history", "close")]
            rows = [
                [
                    c.unit.name,
                    fmt(c.unit.total, places),
                    f"{c.unit.rank}/{c.unit.of}",
                    c.unit.grade or "",
                    trigger_text(c, r, places, lang),
                    margin_text(c.margin, places, lang),
                    look_back_text(c, r, lang),
                    t("dec.yes", lang) if c.close else "",
                ]
                for c in r.catches
            ]
            if stability:
                head.append(t("dec.col.stability", lang))
                for row, c in zip(rows, r.catches):
                    row.append(share_text(_share(stability, r, c)))
            lines.append(text_table(head, [list(c) for c in zip(*rows)], ["left"] * len(head)))
        else:
            lines.append(t("dec.none_caught", lang))
        if r.nearest_outside is not None and r.outside_margin is not None:
            u = r.nearest_outside
            flag = t("dec.close_flag", lang) if r.outside_margin <= close + 1e-9 else ""
            lines.append(t("dec.nearest", lang, name=u.name, total=fmt(u.total, places), margin=fmt(r.outside_margin, places), flag=flag))
        others = _others(stability, r, names or {})
        if others:
            listed = "、".join(f"{nm}（{share_text(sh)}）" for _, nm, sh in others)
            lines.append(t("dec.also_caught", lang, units=listed))
    if stability:
        lines += ["", t("dec.stability_note", lang)]
    return "\n".join(lines) + "\n"


@settings(max_examples=examples(80), deadline=None)
@given(outcomes(), outcomes(), st.sampled_from(["none", "one", "drafts"]), st.sampled_from(["zh", "en"]), st.booleans())
def test_the_list_in_words_is_the_one_made_row_by_row(current, earlier, past, lang, shares):
    year = CRITERIA.assessment.year
    history = {
        "none": None,
        "one": {year - 1: [replace(o, year=year - 1) for o in earlier]},
        "drafts": DecisionHistory({}, [year - 1]),
    }[past]
    results = decide(CRITERIA, current, history)
    stability = {(r.rule.id, r.category, c.unit.unit_id): (0.5, 0.25) for r in results for c in r.catches[::2]} if shares else None
    assert as_text(results, 2, 0.5, lang, stability) == _as_text_row_by_row(results, 2, 0.5, lang, stability)
