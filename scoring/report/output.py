"""Ranked tables (terminal), JSON and CSV from results; written atomically.

The JSON layout is documented in README (schema ``scoring.results/1``).  Every
output carries the run's stamp (criteria and data hashes, engine and plugin versions,
run number once saved; see :mod:`scoring.history.stamp`): the table as its last line,
the JSON as a ``stamp`` object.  CSV stays a plain data table for spreadsheets.
"""
from __future__ import annotations

import csv
import io
import json
from itertools import repeat
from pathlib import Path

import numpy as np

from ..core.engine import CategoryScores, Results
from ..core.explain import ranked, unit_sheet
from ..core.rounding import fmt, fmt_column
from ..outfile import write_out

SCHEMA = "scoring.results/1"

HEAD = {
    "zh": {"rank": "名次", "id": "单位编号", "name": "单位名称", "category": "类别", "total": "总分", "grade": "等次",
           "veto": "否决事项", "units": "个单位", "fail": "一票否决", "no_excellent": "否优"},
    "en": {"rank": "Rank", "id": "Unit id", "name": "Unit", "category": "Category", "total": "Total", "grade": "Grade",
           "veto": "Vetoes", "units": "units", "fail": "veto", "no_excellent": "no top grade"},
}


def _veto_text(cs: CategoryScores, pos: int, lang: str) -> str:
    h = HEAD[lang]
    return "；".join(f"{h[v.veto.kind]}：{v.veto.name}" for v in cs.vetoes if v.hit[pos])


def ranking_columns(res: Results, cs: CategoryScores, lang: str = "zh") -> tuple[list[str], list[list[str]]]:
    """Header and columns of one category's ranked table, numbers as display strings."""
    places = res.criteria.assessment.precision
    h = HEAD[lang]
    mods = list(cs.modules.values())
    header = [h["rank"], h["id"], h["name"], h["total"]] + [f"{m.module.name}({fmt(m.weight)})" for m in mods] + [h["grade"], h["veto"]]
    order = ranked(res, cs)
    units = cs.index[order].tolist()
    ids, names = res.data.ids, res.data.names
    hit = np.any([v.hit for v in cs.vetoes], axis=0)[order].tolist() if cs.vetoes else [False] * len(order)
    veto = [_veto_text(cs, p, lang) if x else "" for p, x in zip(order, hit)]
    columns = [[str(x) for x in cs.rank[order].tolist()], [ids[i] for i in units], [names[i] for i in units],
               fmt_column(cs.total[order], places)]
    columns += [fmt_column(m.contribution[order], places) for m in mods]
    columns += [[cs.grade[p] or "" for p in order], veto]
    return header, columns


def ranking_rows(res: Results, cs: CategoryScores, lang: str = "zh") -> tuple[list[str], list[list]]:
    """Header and rows of one category's ranked table, numbers as display strings."""
    header, columns = ranking_columns(res, cs, lang)
    return header, [list(r) for r in zip(*columns)]


def as_table(res: Results, lang: str = "zh", fmt_name: str = "simple", stamp=None) -> str:
    from tabulate import tabulate
    import tabulate as _tab

    _tab.WIDE_CHARS_MODE = True  # CJK characters are two columns wide in a terminal
    a = res.criteria.assessment
    out = [f"{a.name}（{a.year}）  {a.office}".rstrip()]
    for cs in res.categories.values():
        header, rows = ranking_rows(res, cs, lang)
        n_mod = len(cs.modules)
        align = ["right", "left", "left", "right"] + ["right"] * n_mod + ["left", "left"]
        out.append("")
        out.append(f"【{cs.category}】{len(cs.index)}{HEAD[lang]['units']}" if lang != "en"
                   else f"[{cs.category}] {len(cs.index)} units")
        out.append(tabulate(rows, headers=header, tablefmt=fmt_name, disable_numparse=True, colalign=align))
    note = "模块列为加权后得分，括号内为权重" if lang != "en" else "module columns show weighted points; weights in brackets"
    out += ["", note]
    if stamp is not None:
        out += stamp.gap_lines(lang) + [stamp.line(lang)]
    return "\n".join(out) + "\n"


def dump_json(doc) -> str:
    """Compact JSON (the C encoder): at province size an indented document is many times slower."""
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")) + "\n"


def as_json(res: Results, lang: str = "zh", stamp=None, extra: dict | None = None) -> str:
    a = res.criteria.assessment
    doc = {
        "schema": SCHEMA,
        "assessment": {"name": a.name, "year": a.year, "office": a.office, "precision": a.precision, "total": a.total},
        "categories": [
            {"name": cs.category, "units": [unit_sheet(res, cs, p, lang) for p in ranked(res, cs)]}
            for cs in res.categories.values()
        ],
    }
    if stamp is not None:
        doc["stamp"] = stamp.as_dict()
        if stamp.gaps:  # blank cells scored as the criteria's missing policy says: declared, and said
            doc["blank_gaps"] = stamp.gaps_as_dicts()
    doc.update(extra or {})
    return dump_json(doc)


def as_csv(res: Results, lang: str = "zh", stamp=None) -> str:
    """A plain data table for spreadsheets: every row is a header or a unit (no stamp row;
    the table and JSON outputs carry the stamp)."""
    buf = io.StringIO()
    w = csv.writer(buf)
    h = HEAD[lang]
    prev = None
    for cs in res.categories.values():
        header, columns = ranking_columns(res, cs, lang)
        if header != prev:  # modules and weights differ by category: a header where they change
            w.writerow([h["category"]] + header)
            prev = header
        for k in (1, 2, len(columns) - 2, len(columns) - 1):  # id, name, grade, vetoes; the rest are numbers
            columns[k] = [neutralise(c) for c in columns[k]]
        w.writerows(zip(repeat(cs.category), *columns))
    return buf.getvalue()


def neutralise(text: str) -> str:
    """A cell from user text that starts like a formula is prefixed so spreadsheets show it as text."""
    if text and text[0] in "=+-@" and not _is_number(text):
        return "'" + text
    return text


def _is_number(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False


RENDERERS = {"table": as_table, "json": as_json, "csv": as_csv}


def write_atomic(path: str | Path, text: str, encoding: str = "utf-8") -> None:
    """Write text whole or not at all (:func:`scoring.outfile.write_out`)."""
    write_out(path, text.encode(encoding))


def write_atomic_bytes(path: str | Path, data: bytes) -> None:
    """Write bytes (a workbook, a PDF) whole or not at all (:func:`scoring.outfile.write_out`)."""
    write_out(path, data)


def write_atomic_stream(path: str | Path, chunks) -> None:
    """Write an iterable of bytes the same way, one chunk at a time: a report of hundreds of MB is never
    held in memory whole."""
    write_out(path, chunks)
