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
import re
from json.encoder import encode_basestring  # what json.dumps(text, ensure_ascii=False) writes
from itertools import repeat
from pathlib import Path
from typing import Iterable, Iterator

import numpy as np

from ..core.engine import CategoryScores, Results
from ..core.explain import LineColumns, indicator_line, line_columns, line_head, ranked, tree_order, unit_sheet
from ..core.rounding import fmt, fmt_column
from ..i18n import t
from ..outfile import write_out

SCHEMA = "scoring.results/1"


def _heads(lang: str, *keys: str) -> list[str]:
    return [t(f"out.col.{k}", lang) for k in keys]


def _veto_text(cs: CategoryScores, pos: int, lang: str) -> str:
    return t("sep.items", lang).join(t("out.veto_item", lang, kind=t(f"out.veto.{v.veto.kind}", lang), name=v.veto.name) for v in cs.vetoes if v.hit[pos])


def ranking_columns(res: Results, cs: CategoryScores, lang: str = "zh") -> tuple[list[str], list[list[str]]]:
    """Header and columns of one category's ranked table, numbers as display strings."""
    places = res.criteria.assessment.precision
    mods = list(cs.modules.values())
    header = _heads(lang, "rank", "id", "name", "total") + [f"{m.module.name}({fmt(m.weight)})" for m in mods] + _heads(lang, "grade", "veto")
    order = ranked(res, cs)
    units = cs.index[order].tolist()
    ids, names = res.data.ids, res.data.names
    hit = np.any([v.hit for v in cs.vetoes], axis=0)[order].tolist() if cs.vetoes else [False] * len(order)
    veto = [_veto_text(cs, p, lang) if x else "" for p, x in zip(order, hit)]
    columns = [[str(x) for x in cs.rank[order].tolist()], [ids[i] for i in units], [names[i] for i in units], fmt_column(cs.total[order], places)]
    columns += [fmt_column(m.contribution[order], places) for m in mods]
    columns += [[cs.grade[p] or "" for p in order], veto]
    return header, columns


def ranking_rows(res: Results, cs: CategoryScores, lang: str = "zh") -> tuple[list[str], list[list]]:
    """Header and rows of one category's ranked table, numbers as display strings."""
    header, columns = ranking_columns(res, cs, lang)
    return header, [list(r) for r in zip(*columns)]


def as_table(res: Results, lang: str = "zh", fmt_name: str = "simple", stamp=None) -> str:
    a = res.criteria.assessment
    out = [f"{a.name}{t('text.paren', lang, text=a.year)}  {a.office}".rstrip()]
    for cs in res.categories.values():
        header, columns = ranking_columns(res, cs, lang)
        n_mod = len(cs.modules)
        align = ["right", "left", "left", "right"] + ["right"] * n_mod + ["left", "left"]
        out.append("")
        out.append(t("out.category", lang, category=cs.category, n=len(cs.index)))
        out.append(text_table(header, columns, align, fmt_name))
    out += ["", t("out.note", lang)]
    if stamp is not None:
        out += stamp.gap_lines(lang) + [stamp.line(lang)]
    return "\n".join(out) + "\n"


# Characters whose width on screen is known without wcwidth (importing it costs every table about 20 ms of
# start-up): printable ASCII is one column; CJK punctuation (U+3000–U+3029, U+3030–U+303E), the CJK
# ideographs (U+4E00–U+9FFF) and the full-width forms (U+FF01–U+FF60) are two, for wcwidth as for a
# terminal (tests/test_text_table.py checks every one). Each of those is three bytes in UTF-8 where an
# ASCII character is one, so a cell's width is its length plus half its extra bytes. A column with any
# other character is measured by wcwidth.
_KNOWN_WIDTH = re.compile("[ -~\u3000-\u3029\u3030-\u303e\u4e00-\u9fff\uff01-\uff60]*")


def known_width(text: str) -> int:
    """The width on screen of a text of printable ASCII and the listed two-column characters only."""
    return len(text) + (len(text.encode()) - len(text)) // 2


def text_table(header: list[str], columns: list[list[str]], align: list[str], fmt_name: str = "simple") -> str:
    """The table tabulate draws (text cells as they are, CJK characters two columns wide), built a
    column at a time: tabulate looks at every cell several times over, 11 s for 170 000 units.

    Drawn here: the "simple" format of cells on one line each. Any other format, and any cell
    tabulate treats specially (a line break, a terminal escape, a character without a width),
    goes to tabulate itself; tests compare the two on generated tables.
    """
    if fmt_name != "simple" or not columns or not columns[0] or len(columns) != len(header):
        return _tabulate(header, columns, align, fmt_name)
    padded = []
    for head, col, how in zip(header, columns, align):
        joined = head + "".join(col)
        cells = list(map(str.strip, col))
        if "\n" in joined or "\r" in joined or "\x1b" in joined:
            return _tabulate(header, columns, align, fmt_name)
        plain = joined.isascii() and joined.isprintable()  # then a cell is as wide as it is long
        measure = len if plain else known_width if _KNOWN_WIDTH.fullmatch(joined) else _wcswidth()
        widths, hw = list(map(measure, cells)), measure(head)
        if not plain and (min(widths) < 0 or hw < 0):
            return _tabulate(header, columns, align, fmt_name)
        width = max(max(widths), hw + 2)  # tabulate keeps two spaces beside a header
        pad = str.rjust if how == "right" else str.ljust
        if plain:
            body = [pad(c, width) for c in cells]
        else:  # pad to the width on screen: a wide character takes two columns for one character
            body = [pad(c, width - w + len(c)) for c, w in zip(cells, widths)]
        padded.append([pad(head, width - hw + len(head)), "-" * width, *body])
    return "\n".join(["  ".join(row).rstrip() for row in zip(*padded)])


def _wcswidth():
    from wcwidth import wcswidth

    return wcswidth


def _tabulate(header: list[str], columns: list[list[str]], align: list[str], fmt_name: str) -> str:
    from tabulate import tabulate
    import tabulate as _tab

    _tab.WIDE_CHARS_MODE = True  # CJK characters are two columns wide in a terminal
    return tabulate([list(r) for r in zip(*columns)], headers=header, tablefmt=fmt_name, disable_numparse=True, colalign=align)


def dump_json(doc) -> str:
    """Compact JSON (the C encoder): at province size an indented document is many times slower."""
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")) + "\n"


def as_json(res: Results, lang: str = "zh", stamp=None, extra: dict | None = None) -> str:
    return "".join(json_chunks(res, lang, stamp, extra))


def json_chunks(res: Results, lang: str = "zh", stamp=None, extra: dict | None = None, block: int = 250) -> Iterator[str]:
    """The JSON document in pieces, a unit's sheet at a time: written as it is made, so memory stays flat
    in the number of units. The pieces make exactly the text ``dump_json`` gives for the whole document.
    The sheets of ``block`` units are made together, their lines a column at a time."""
    a = res.criteria.assessment
    doc: dict = {
        "schema": SCHEMA,
        "assessment": {"name": a.name, "year": a.year, "office": a.office, "precision": a.precision, "total": a.total},
        "categories": _UNITS,
    }
    if stamp is not None:
        doc["stamp"] = stamp.as_dict()
        if stamp.gaps:  # blank cells scored as the criteria's missing policy says: declared, and said
            doc["blank_gaps"] = stamp.gaps_as_dicts()
    doc.update(extra or {})

    templates: dict = {}  # each indicator's line template, made once
    for k, (key, value) in enumerate(doc.items()):
        yield ("{" if k == 0 else ",") + _dumps(key) + ":"
        if value is not _UNITS:
            yield _dumps(value)
            continue
        yield "["
        for c, cs in enumerate(res.categories.values()):
            yield ("" if c == 0 else ",") + '{"name":' + _dumps(cs.category) + ',"units":['
            order = ranked(res, cs)
            for start in range(0, len(order), block):
                for u, text in enumerate(_sheet_texts(res, cs, order[start : start + block], lang, templates)):
                    yield ("" if start + u == 0 else ",") + text
            yield "]}"
        yield "]"
    yield "}\n" if doc else "{}\n"


def _dumps(x) -> str:
    return json.dumps(x, ensure_ascii=False, separators=(",", ":"))


def _sheet_texts(res: Results, cs: CategoryScores, rows: list[int], lang: str, templates: dict) -> list[str]:
    """The JSON text of each unit's sheet (:func:`unit_sheet`), its indicator lines built a column at a time."""
    lines = [_line_texts(res, cs, rows, cs.indicators[ind.id], lang, templates) for ind in tree_order(res) if ind.id in cs.indicators]
    out = []
    for k, p in enumerate(rows):
        head = _dumps(unit_sheet(res, cs, p, lang, with_indicators=False))
        out.append(head[:-1] + ',"indicators":[' + ",".join([col[k] for col in lines]) + "]}")
    return out


def _line_texts(res: Results, cs: CategoryScores, rows: list[int], s, lang: str, templates: dict) -> list[str]:
    """The JSON text of ``s``'s line for each unit at ``rows``: the parts every unit shares encoded once,
    the numbers and reasons a column at a time; the unusual lines through :func:`indicator_line`."""
    c: LineColumns = line_columns(res, cs, rows, s, lang)
    key = (cs.category, s.indicator.id)
    if key not in templates:
        templates[key] = _line_template(res, s, c)
    template = templates[key]
    shown = ~np.isnan(c.applicable_full)
    columns = [
        _numbers(c.points),
        [("" if x != x else ',"applicable_full":' + repr(x)) for x in c.applicable_full.tolist()] if shown.any() else [""] * len(rows),
        _numbers(c.lost),
    ]
    columns += [_numbers(v) for v in c.inputs.values()] + [_strings(v) for v in c.sources.values()]
    columns += [[_STATUS[x] for x in c.status], _strings(c.reasons)]
    texts = [template % row for row in zip(*columns)]
    for k, p in enumerate(rows):
        if not c.usual[k]:
            texts[k] = _dumps(indicator_line(res, cs, p, s, lang))
    return texts


def _line_template(res: Results, s, c: LineColumns) -> str:
    """An indicator's line as a %-template: the parts every unit shares encoded once, a %s for each column
    (points, applicable_full, lost, the inputs, their sources, status, reason: :func:`indicator_line`'s order)."""
    ind = s.indicator
    head = line_head(res, ind)

    def q(x) -> str:
        return _dumps(x).replace("%", "%%")

    text = q(head)[:-1] + ',"points":%s,"owner":' + q(ind.owner) + ',"evidence":' + q(ind.evidence) + '%s,"lost":%s'
    if c.method is None:
        return text + ',"status":%s,"rule":' + q(c.rule) + ',"reason":%s}'
    text += ',"inputs":{' + ",".join(q(f) + ":%s" for f in c.inputs) + "}"
    text += ',"sources":{' + ",".join(q(f) + ":%s" for f in c.sources) + "}"
    return text + ',"method":' + q(c.method) + ',"rule":' + q(c.rule) + ',"status":%s,"reason":%s}'


_STATUS = {x: _dumps(x) for x in ("scored", "excluded")}


def _numbers(a: np.ndarray) -> list[str]:
    """JSON numbers as ``json.dumps`` writes them (``float.__repr__``; null for NaN), each distinct value once."""
    memo: dict[float, str] = {}
    out = [memo[x] if x in memo else memo.setdefault(x, repr(x)) for x in a.tolist()]
    nan = np.isnan(a)
    for k in np.flatnonzero(nan | ((a == 0) & np.signbit(a))).tolist():  # -0.0 is 0.0 to the memo
        out[k] = "null" if nan[k] else repr(float(a[k]))
    return out


def _strings(values: list[str]) -> list[str]:
    """JSON strings as ``json.dumps(…, ensure_ascii=False)`` writes them (its own string encoder)."""
    return list(map(encode_basestring, values))


_UNITS = object()  # where the categories' unit sheets go in the document


def as_csv(res: Results, lang: str = "zh", stamp=None) -> str:
    """A plain data table for spreadsheets: every row is a header or a unit (no stamp row;
    the table and JSON outputs carry the stamp)."""
    buf = io.StringIO()
    w = csv.writer(buf)
    prev = None
    for cs in res.categories.values():
        header, columns = ranking_columns(res, cs, lang)
        if header != prev:  # modules and weights differ by category: a header where they change
            w.writerow(_heads(lang, "category") + header)
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


def write_atomic(path: str | Path, text: str | Iterable[str], encoding: str = "utf-8") -> None:
    """Write text whole or not at all (:func:`scoring.outfile.write_out`); given in pieces, each
    piece is written as it is made."""
    if isinstance(text, str):
        write_out(path, text.encode(encoding))
    else:
        import codecs

        enc = codecs.getincrementalencoder(encoding)()  # "utf-8-sig": the mark once, before the first piece
        write_out(path, (enc.encode(part) for part in text))
