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
from itertools import repeat
from json.encoder import encode_basestring  # what json.dumps(text, ensure_ascii=False) writes
from pathlib import Path
from typing import Callable, Iterable, Iterator

import numpy as np

from ..core.engine import CategoryScores, Results
from ..core.explain import LineColumns, _bonus_cap, indicator_line, line_columns, line_head, ranked, tree_order, unit_sheet
from ..core.rounding import each_distinct, fmt, fmt_column, round_column
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
    units = cs.index[order]
    hit = np.any([v.hit for v in cs.vetoes], axis=0)[order] if cs.vetoes else np.zeros(len(order), dtype=bool)
    veto = [""] * len(order)
    texts: dict[tuple, str] = {}  # one text per set of vetoes hit
    for k in np.flatnonzero(hit).tolist():
        p = int(order[k])
        which = tuple(v.hit[p] for v in cs.vetoes)
        veto[k] = texts[which] if which in texts else texts.setdefault(which, _veto_text(cs, p, lang))
    columns = [each_distinct(cs.rank[order], str), _pick(res.data.ids, units), _pick(res.data.names, units), fmt_column(cs.total[order], places)]
    columns += [fmt_column(m.contribution[order], places) for m in mods]
    columns += [[g or "" for g in _pick(cs.grade, order)], veto]
    return header, columns


def _pick(items: list, at: np.ndarray | list[int]) -> list:
    """``[items[i] for i in at]``, taken by numpy."""
    return np.array(items + [None], dtype=object)[at].tolist()  # [None]: a list of tuples stays 1-D


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
    heads, specs, body = [], [], []  # each row is "  ".join of the columns: one %-template fills it
    for head, col, how in zip(header, columns, align):
        text = "".join(col)
        joined = head + text
        if "\n" in joined or "\r" in joined or "\x1b" in joined:
            return _tabulate(header, columns, align, fmt_name)
        plain = text.isascii() and text.isprintable()  # then a cell is as wide as it is long
        cells = list(map(str.strip, col)) if not plain or " " in text else col
        widths = list(map(len, cells)) if plain else list(map(_measure(text), cells))
        hw = len(head) if head.isascii() and head.isprintable() else _measure(head)(head)
        if hw < 0 or (not plain and min(widths) < 0):
            return _tabulate(header, columns, align, fmt_name)
        width = max(max(widths), hw + 2)  # tabulate keeps two spaces beside a header
        pad = str.rjust if how == "right" else str.ljust
        heads.append((pad(head, width - hw + len(head)), "-" * width))
        if plain:  # the template pads it
            specs.append(f"%{width}s" if how == "right" else f"%-{width}s")
            body.append(cells)
        else:  # pad to the width on screen: a wide character takes two columns for one character
            specs.append("%s")
            body.append([pad(c, width - w + len(c)) for c, w in zip(cells, widths)])
    row = "  ".join(specs)
    return "\n".join(["  ".join(h).rstrip() for h in zip(*heads)] + [(row % r).rstrip() for r in zip(*body)])


def _measure(text: str) -> Callable[[str], int]:
    """How the cells of ``text`` are measured on screen: known_width when every character is one of
    those it knows, else wcwidth's wcswidth."""
    return known_width if _KNOWN_WIDTH.fullmatch(text) else _wcswidth()


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


def json_chunks(res: Results, lang: str = "zh", stamp=None, extra: dict | None = None, block: int = 1000) -> Iterator[str]:
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

    parts: dict = {}  # each indicator's line as the constant texts between its columns, made once
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
                for u, text in enumerate(_sheet_texts(res, cs, order[start : start + block], lang, parts)):
                    yield ("" if start + u == 0 else ",") + text
            yield "]}"
        yield "]"
    yield "}\n" if doc else "{}\n"


def _dumps(x) -> str:
    return json.dumps(x, ensure_ascii=False, separators=(",", ":"))


def _sheet_texts(res: Results, cs: CategoryScores, rows: list[int], lang: str, parts: dict) -> Iterator[str]:
    """The JSON text of each unit's sheet (:func:`unit_sheet`), its indicator lines built a column at a time.

    Each line is a column of pieces per value it shows, each piece the value's text with the constant text
    before it: a unit's sheet is then one join of its row of pieces (888 000 lines at province size)."""
    pieces: list[list[str]] = []
    for ind in tree_order(res):
        if ind.id in cs.indicators:
            pieces += _line_pieces(res, cs, rows, cs.indicators[ind.id], lang, parts, "," if pieces else "")
    heads = _head_texts(res, cs, rows, lang)
    return map("".join, zip(heads, *pieces, repeat("]}")))


def _head_texts(res: Results, cs: CategoryScores, rows: list[int], lang: str) -> list[str]:
    """The JSON text of each unit's sheet up to its lines (:func:`unit_sheet` without indicators, then
    ``,"indicators":[``), a column at a time; a unit with a veto or a cut bonus through :func:`unit_sheet`."""
    places = res.criteria.assessment.precision
    at = np.asarray(rows, dtype=np.intp)
    units = cs.index[at].tolist()
    data = res.data
    n = len(rows)

    def numbers(a: np.ndarray, before: str, after: str) -> list[str]:  # as _num: rounded, null for NaN
        return column_texts(round_column(a[at], places), None, before, after)

    columns = [
        column_texts([data.ids[i] for i in units], encode_basestring, '{"id":', ',"name":'),
        column_texts([data.names[i] for i in units], encode_basestring, "", ',"category":' + _dumps(cs.category) + ',"total":'),
        numbers(cs.total, "", ',"rank":'),
        column_texts(cs.rank[at].tolist(), str, "", ',"of":' + str(len(cs.index)) + ',"grade":'),
        column_texts([cs.grade[p] for p in rows], _dumps, "", ',"modules":['),
    ]
    unusual = np.zeros(n, bool)
    for k, ms in enumerate(cs.modules.values()):
        m = ms.module
        head = ("," if k else "") + '{"id":' + _dumps(m.id) + ',"name":' + _dumps(m.name) + ',"weight":' + _dumps(ms.weight) + ',"full":' + _dumps(m.full)
        columns.append(numbers(ms.score, head + ',"score":', ',"base":'))
        columns.append(numbers(ms.base, "", ',"bonus":'))
        columns.append(numbers(ms.bonus, "", ',"contribution":'))
        columns.append(numbers(ms.contribution, "", "}"))
        if m.bonus is not None:  # 附加项 beyond the module's range: said on the unit's own sheet
            unusual |= [bool(_bonus_cap(res, cs, ms, p, places, lang)) for p in rows]
    columns.append(['],"vetoes":[],"indicators":['] * n)
    if cs.vetoes:
        unusual |= np.any([v.hit[at] for v in cs.vetoes], axis=0)
    texts = list(map("".join, zip(*columns)))
    for k in np.flatnonzero(unusual).tolist():
        texts[k] = _dumps(unit_sheet(res, cs, rows[k], lang, with_indicators=False))[:-1] + ',"indicators":['
    return texts


def _line_pieces(res: Results, cs: CategoryScores, rows: list[int], s, lang: str, parts: dict, lead: str) -> list[list[str]]:
    """The JSON text of ``s``'s line for each unit at ``rows`` as columns of pieces (joined along a row, a
    unit's line): the parts every unit shares encoded once, each distinct value's text made once; the
    unusual lines through :func:`indicator_line`, whole in the first column."""
    c: LineColumns = line_columns(res, cs, rows, s, lang)
    key = (cs.category, s.indicator.id, lead)
    if key not in parts:
        parts[key] = _line_parts(res, s, c, lead)
    const = parts[key]
    shown = c.applicable_full == c.applicable_full  # NaN where the line does not show it
    app = [("" if x != x else ',"applicable_full":' + repr(x)) for x in c.applicable_full.tolist()] if shown.any() else [""] * len(rows)
    values: list = [(c.points.tolist(), _number), (app, str), (c.lost.tolist(), _number)]  # few distinct values
    values += [(v, None) for v in c.inputs.values()] + [(v, encode_basestring) for v in c.sources.values()]
    values += [(c.status, encode_basestring), (c.reasons, encode_basestring)]
    # a column with one value in the block (no applicable_full shown, one source file, every line scored)
    # is no column: its text joins the constant text after it
    variable, before = [], []
    text = const[0]
    for j, (v, how) in enumerate(values):
        distinct = None if how is None else set(v)
        if distinct is not None and len(distinct) == 1:
            text += how(next(iter(distinct))) + const[j + 1]
            continue
        variable.append((v, how, distinct))
        before.append(text)
        text = const[j + 1]
    if not variable:  # the same line for every unit
        columns = [[text] * len(rows)]
    else:
        last = len(variable) - 1
        columns = [column_texts(v, how, before[j], text if j == last else "", distinct) for j, (v, how, distinct) in enumerate(variable)]
    for k, p in enumerate(rows):
        if not c.usual[k]:
            columns[0][k] = lead + _dumps(indicator_line(res, cs, p, s, lang))
            for col in columns[1:]:
                col[k] = ""
    return columns


def _line_parts(res: Results, s, c: LineColumns, lead: str) -> list[str]:
    """An indicator's line as the constant texts around its columns (points, applicable_full, lost, the inputs,
    their sources, status, reason: :func:`indicator_line`'s order): one text more than there are columns."""
    ind = s.indicator
    col = None  # where a column's value goes
    tokens: list = [lead + _dumps(line_head(res, ind))[:-1] + ',"points":', col]
    tokens += [',"owner":' + _dumps(ind.owner) + ',"evidence":' + _dumps(ind.evidence), col, ',"lost":', col]
    if c.method is None:
        tokens += [',"status":', col, ',"rule":' + _dumps(c.rule) + ',"reason":', col, "}"]
    else:
        for key, names in (("inputs", c.inputs), ("sources", c.sources)):
            tokens.append(f',"{key}":{{')
            for k, f in enumerate(names):
                tokens += [("," if k else "") + _dumps(f) + ":", col]
            tokens.append("}")
        tokens += [',"method":' + _dumps(c.method) + ',"rule":' + _dumps(c.rule) + ',"status":', col, ',"reason":', col, "}"]
    parts = [""]
    for x in tokens:
        if x is col:
            parts.append("")
        else:
            parts[-1] += x
    return parts


def column_texts(values, how, before: str, after: str, distinct: set | None = None) -> list[str]:
    """``before + how(x) + after`` for every value of a column: a list (each distinct value's text made once),
    or (``how`` None) an array of numbers, mostly distinct, each written as json does: ``float.__repr__``, NaN null."""
    if how is None:
        texts = map(repr, values.tolist())
        out = list(map(before.__add__, texts)) if not after else [before + x + after for x in texts]
        for k in np.flatnonzero(np.isnan(values)).tolist():
            out[k] = before + "null" + after
        return out
    distinct = set(values) if distinct is None else distinct
    if how is _number:  # NaN (null) only where one is
        memo = {x: before + repr(x) + after for x in distinct}
        for x in [x for x in memo if x != x]:
            memo[x] = before + "null" + after
    else:
        memo = {x: before + how(x) + after for x in distinct}
    return list(map(memo.__getitem__, values))


def _number(x: float) -> str:
    """A JSON number as ``json.dumps`` writes it (``float.__repr__``; null for NaN)."""
    return "null" if x != x else repr(x)


_UNITS = object()  # where the categories' unit sheets go in the document


def as_csv(res: Results, lang: str = "zh", stamp=None) -> str:
    """A plain data table for spreadsheets: every row is a header or a unit (no stamp row;
    the table and JSON outputs carry the stamp)."""
    return "".join(csv_chunks(res, lang))


def csv_chunks(res: Results, lang: str = "zh", block: int = 10_000) -> Iterator[str]:
    """:func:`as_csv` in pieces of ``block`` rows of a category, each made as it is written: a
    nation's whole table held as text, then as bytes, took about 50 MB at the end of the run."""
    prev = None
    for cs in res.categories.values():
        header, columns = ranking_columns(res, cs, lang)
        head = []
        if header != prev:  # modules and weights differ by category: a header where they change
            head = [_heads(lang, "category") + header]
            prev = header
        quote = _needs_quotes([cs.category, *header, *_heads(lang, "category")])
        for k in (1, 2, len(columns) - 2, len(columns) - 1):  # id, name, grade, vetoes; the rest are numbers
            joined = "\x00" + "\x00".join(columns[k])
            quote = quote or _needs_quotes([joined])
            if any("\x00" + c in joined for c in "=+-@"):  # a cell may start like a formula (or hold \x00)
                columns[k] = [neutralise(c) for c in columns[k]]
        columns = [[cs.category] * len(columns[0]), *columns]
        for start in range(0, max(len(columns[0]), 1), block):  # (an empty category: its header alone)
            yield csv_text(head if start == 0 else [], [c[start : start + block] for c in columns], quote)
    if prev is None:  # no category: an empty table (a file with only its byte-order mark)
        yield ""


def _needs_quotes(texts: list[str]) -> bool:
    """Whether csv.writer (its default dialect) would quote any of these texts."""
    return any(c in text for text in texts for c in ",\"\r\n")


def csv_text(rows: list[list[str]], columns: list[list[str]], quote: bool | None = None) -> str:
    """What ``csv.writer`` writes for ``rows`` then the rows of ``columns`` (text cells): joined
    with commas when no cell needs quoting (``quote``: whether one may; None: look), else
    written by ``csv.writer``."""
    if quote is None:
        quote = _needs_quotes(["".join(col) for col in (*columns, *rows)])
    if not quote and all(columns) and len(columns) > 1 and all(len(r) > 1 for r in rows):  # (a lone empty cell is written "")
        return "".join(",".join(r) + "\r\n" for r in rows) + "\r\n".join(map(",".join, zip(*columns))) + "\r\n"
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerows(rows)
    w.writerows(zip(*columns))
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
