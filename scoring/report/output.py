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

from .. import parallel
from ..core.engine import CategoryScores, Results
from ..core.explain import LineColumns, _bonus_caps, indicator_line, line_columns, line_head, line_keys, ranked, tree_order, unit_sheet
from ..core.lists import objects, pick, picker
from ..core.rounding import decimal_rows, each_distinct, fmt, fmt_column, round_column
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
    by_unit = picker(units)
    columns = [each_distinct(cs.rank[order], str), by_unit(res.data.ids), by_unit(res.data.names), fmt_column(cs.total[order], places)]
    columns += [fmt_column(m.contribution[order], places) for m in mods]
    grades = pick(cs.grade, order)
    columns += [[g or "" for g in grades] if None in grades else grades, veto]
    return header, columns


def ranking_rows(res: Results, cs: CategoryScores, lang: str = "zh") -> tuple[list[str], list[list]]:
    """Header and rows of one category's ranked table, numbers as display strings."""
    header, columns = ranking_columns(res, cs, lang)
    return header, [list(r) for r in zip(*columns)]


def as_table(res: Results, lang: str = "zh", fmt_name: str = "simple", stamp=None) -> str:
    return "".join(table_pieces(res, lang, fmt_name, stamp))


def table_pieces(res: Results, lang: str = "zh", fmt_name: str = "simple", stamp=None) -> Iterator[str]:
    """:func:`as_table` a category's table at a time, each made as it is written: the nation's 20 MB
    of table text held whole, then joined with the rest and encoded, took 0.12 s more (1.06 s against
    0.94 s in a process, with the 约谈 list), and the terminal table run's peak was 568 MB, not 495."""
    a = res.criteria.assessment
    yield f"{a.name}{t('text.paren', lang, text=a.year)}  {a.office}".rstrip() + "\n"
    for cs in res.categories.values():
        header, columns = ranking_columns(res, cs, lang)
        n_mod = len(cs.modules)
        align = ["right", "left", "left", "right"] + ["right"] * n_mod + ["left", "left"]
        yield "\n" + t("out.category", lang, category=cs.category, n=len(cs.index)) + "\n" + text_table(header, columns, align, fmt_name) + "\n"
    yield "\n" + t("out.note", lang) + "\n"
    if stamp is not None:
        yield stamp_text(stamp, lang)


def stamp_text(stamp, lang: str = "zh") -> str:
    """The lines a printed table ends with: the blank cells the missing policy scored, then the stamp."""
    return "".join(line + "\n" for line in stamp.gap_lines(lang) + [stamp.line(lang)])


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
        lengths = np.fromiter(map(len, cells), np.int64, len(cells))
        widths = lengths if plain else _widths(text, cells, lengths)
        hw = len(head) if head.isascii() and head.isprintable() else _measure(head)(head)
        if hw < 0 or (not plain and widths.min() < 0):
            return _tabulate(header, columns, align, fmt_name)
        width = max(int(widths.max()), hw + 2)  # tabulate keeps two spaces beside a header
        pad = str.rjust if how == "right" else str.ljust
        heads.append((pad(head, width - hw + len(head)), "-" * width))
        if plain:  # the template pads it
            specs.append(f"%{width}s" if how == "right" else f"%-{width}s")
            body.append(cells)
        else:  # pad to the width on screen: a wide character takes two columns for one character
            specs.append("%s")
            body.append(list(map(pad, cells, (width - widths + lengths).tolist())))
    row = "  ".join(specs)
    return "\n".join(["  ".join(h).rstrip() for h in zip(*heads)] + [(row % r).rstrip() for r in zip(*body)])


def _widths(text: str, cells: list[str], lengths: np.ndarray) -> np.ndarray:
    """Every cell's width on screen (``text``: the column's cells joined; ``lengths``: theirs). Of
    the characters known_width knows, from one encoding of the whole column: a cell's width is its
    length plus half its extra bytes (802 549 calls of known_width took 0.54 s of a nation table)."""
    if not _KNOWN_WIDTH.fullmatch(text):
        return np.fromiter(map(_wcswidth(), cells), np.int64, len(cells))
    data = "\n".join(cells).encode()  # no cell holds a line end (text_table hands those to tabulate)
    ends = np.flatnonzero(np.frombuffer(data, np.uint8) == 10)
    size = np.diff(ends, prepend=-1, append=len(data)) - 1  # each cell's bytes
    return lengths + (size - lengths) // 2


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
    return b"".join(json_bytes(res, lang, stamp, extra)).decode()


def json_chunks(res: Results, lang: str = "zh", stamp=None, extra: dict | None = None, block: int = 3000) -> Iterator[str]:
    """:func:`json_bytes` as text, piece by piece (a piece ends between two units: never inside a character)."""
    return (part.decode() for part in json_bytes(res, lang, stamp, extra, block))


# Units from which the JSON document's sheets are made on two processors where the command line allows
# it (scoring.parallel): a province's 6 000 units are 360 MB of sheets, about 0.7 s made on one.
JSON_ON_TWO_FROM = 2000


def json_bytes(res: Results, lang: str = "zh", stamp=None, extra: dict | None = None, block: int = 3000) -> Iterator[bytes]:
    """The JSON document in UTF-8, in pieces of at most one unit's sheet: written as it is made, so memory
    stays flat in the number of units. The pieces make exactly the bytes of the text ``dump_json`` gives for
    the whole document. The sheets of ``block`` units are made together, their lines a column at a time, as
    bytes: nothing to encode after (360 MB at province size)."""
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
        yield (("{" if k == 0 else ",") + _dumps(key) + ":").encode()
        if callable(value):  # given as a function making its JSON text when its place comes (see api.results_json)
            yield value()
            continue
        if value is not _UNITS:
            yield _dumps(value).encode()
            continue
        yield b"["
        on_two = len(res.data.ids) >= JSON_ON_TWO_FROM
        items: list = []  # texts, and blocks of units whose sheets are made when their turn comes
        for c, cs in enumerate(res.categories.values()):
            items.append((("" if c == 0 else ",") + '{"name":' + _dumps(cs.category) + ',"units":[').encode())
            order = ranked(res, cs)
            for start in range(0, len(order), block):
                rows = order[start : start + block]
                half = (len(rows) + 1) // 2 if on_two else len(rows)  # two processors: each makes every second half
                items += [(cs, rows[:half], start == 0), (cs, rows[half:], False)] if half < len(rows) else [(cs, rows, start == 0)]
            items.append(b"]}")
        yield from parallel.in_turn(items, lambda task: _sheet_block(res, task[0], task[1], lang, parts, task[2]), on_two)
        yield b"]"
    yield b"}\n" if doc else b"{}\n"


def _dumps(x) -> str:
    return json.dumps(x, ensure_ascii=False, separators=(",", ":"))


def _dumped(x) -> bytes:
    return _dumps(x).encode()


class _Row:
    """One unit's sheet for a block of units, in order: texts every unit shares, and columns of per-unit
    texts or numbers. The block is then the row of pieces repeated with each column put in its place (one
    slice assignment a column), joined a unit at a time: no Python step per unit and piece. The numbers of
    all columns are written together, each distinct value once."""

    def __init__(self, n: int, places: int) -> None:
        self.n, self.places = n, places
        self.items: list = []  # bytes: shared text; list: per-unit texts; ndarray: per-unit numbers; int: a mark
        self.marks = 0
        self.whole: list[tuple[int, int, int, bytes]] = []  # (unit, first mark, end mark, its text): said whole

    def text(self, b: bytes) -> None:
        self.items.append(b)

    def numbers(self, a: np.ndarray) -> None:
        """A column of JSON numbers (null for NaN)."""
        self.items.append(a)

    def column(self, texts: list[bytes]) -> None:
        """A column of per-unit texts."""
        self.items.append(texts)

    def texts(self, values: list, how: Callable) -> None:
        """A column of texts, ``how`` asked once per distinct value."""
        if values.count(values[0]) == len(values):  # the same for every unit (mostly the very same object)
            self.items.append(how(values[0]))
        else:
            memo = {x: how(x) for x in set(values)}
            self.items.append(list(map(memo.__getitem__, values)))

    def strings(self, values: list[str]) -> None:
        """A column of JSON strings, each distinct one escaped once."""
        if values.count(values[0]) == len(values):
            self.items.append(_string_bytes(values[0]))
            return
        distinct = list(set(values))
        joined = "\x00".join(distinct)
        if "\\" in joined or joined.count("\x00") >= len(distinct):  # a mark could not be told from a text
            memo = {x: _string_bytes(x) for x in distinct}
            self.items.append(list(map(memo.__getitem__, values)))
            return
        # all escaped at once, the marks between them coming out as \u0000; the quotes go in the shared text
        memo = dict(zip(distinct, encode_basestring(joined)[1:-1].encode().split(b"\\u0000")))
        self.items += [b'"', list(map(memo.__getitem__, values)), b'"']

    def coded_strings(self, texts: list[str], codes: np.ndarray) -> None:
        """A column of JSON strings given as distinct texts and each unit's number among them: each text
        escaped once (as :meth:`strings` does), put in place by numpy."""
        if len(texts) == 1 or not (codes != codes[0]).any():  # the same for every unit
            self.items.append(_string_bytes(texts[codes[0]]))
            return
        joined = "\x00".join(texts)
        # each unit's text taken by numpy from an array of the texts (half the time of lists.pick for a few
        # texts and 3 000 units, as many as there are of each)
        if "\\" in joined or joined.count("\x00") >= len(texts):  # a mark could not be told from a text
            self.items.append(objects(list(map(_string_bytes, texts)))[codes].tolist())
        else:  # the quotes go in the shared text
            self.items += [b'"', objects(encode_basestring(joined)[1:-1].encode().split(b"\\u0000"))[codes].tolist(), b'"']

    def mark(self) -> int:
        """A boundary between pieces (where a part that some units say otherwise starts or ends)."""
        self.items.append(self.marks)
        self.marks += 1
        return self.marks - 1

    def instead(self, unit: int, first: int, end: int, text: bytes) -> None:
        """Unit ``unit`` says ``text`` between the marks ``first`` and ``end``."""
        self.whole.append((unit, first, end, text))

    def units(self) -> Iterator[bytes]:
        """Each unit's text."""
        numbers = iter(_number_columns([x for x in self.items if isinstance(x, np.ndarray)], self.n, self.places))
        pieces: list = []
        columns, at = [], [0] * self.marks
        before = b""
        for x in self.items:
            if isinstance(x, np.ndarray):
                x = next(numbers)
            if isinstance(x, bytes):
                before += x
                continue
            if before:
                pieces.append(before)
                before = b""
            if isinstance(x, int):
                at[x] = len(pieces)
            else:
                columns.append((len(pieces), x))
                pieces.append(None)
        if before:
            pieces.append(before)
        size = len(pieces)
        out = pieces * self.n
        for k, texts in columns:
            out[k::size] = texts
        for unit, first, end, text in self.whole:
            k = unit * size
            out[k + at[first] : k + at[end]] = [text] + [b""] * (at[end] - at[first] - 1)
        return map(b"".join, map(out.__getitem__, map(slice, range(0, len(out), size), range(size, len(out) + size, size))))


def _number_columns(columns: list[np.ndarray], n: int, places: int) -> list:
    """Each column of ``n`` numbers as JSON texts (``float.__repr__``, null for NaN): one text where a column
    holds one value (bit for bit), else a list. Each distinct value of all the columns is written once, found
    without sorting where the values are whole numbers of 10^-places (:func:`decimal_rows`: the multiples
    taken once for every column), else by sorting their bits."""
    if not columns:
        return []
    x = np.array(columns, dtype=float)
    bits = x.view(np.uint64)
    out: list = [_number_bytes(v) for v in x[:, 0].tolist()]
    vary = np.flatnonzero(~(bits == bits[:, :1]).all(axis=1))
    if not len(vary):
        return out
    got = decimal_rows(x, vary, places)
    fits = np.zeros(len(vary), dtype=bool)
    if got is not None:
        # nan is kept to the end as the codes are: freed before the texts are made, it leaves a gap in the heap
        # that costs province JSON's peak 19 MiB
        fits, code, low, span, nan = got
        del got
        f = 10.0**places
        present = np.flatnonzero(np.bincount(code.ravel(), minlength=span))
        texts = np.empty(span, dtype=object)
        texts[present] = [b"null" if c == span - 1 else _number_bytes((c + low) / f) for c in present.tolist()]
        for j, col in zip(vary[fits].tolist(), texts[code].tolist()):
            out[j] = col
    rows = vary[~fits]
    if len(rows):
        distinct, code = np.unique(x[rows].view(np.uint64), return_inverse=True)
        texts = objects([_number_bytes(v) for v in distinct.view(float).tolist()])
        for j, col in zip(rows.tolist(), texts[code.reshape(len(rows), n)].tolist()):
            out[j] = col
    return out


def _sheet_block(res: Results, cs: CategoryScores, rows: list[int], lang: str, parts: dict, first: bool) -> Iterator[bytes]:
    """The JSON text of the sheet (:func:`unit_sheet`) of each unit at ``rows``, each but the category's
    first after a comma; the lines built a column at a time (888 000 lines at province size)."""
    row = _Row(len(rows), res.criteria.assessment.precision)
    _head_row(res, cs, rows, lang, row)
    lead = b""
    at = np.asarray(rows, dtype=np.intp)  # once for every indicator
    for ind in tree_order(res):
        if ind.id in cs.indicators:
            _line_row(res, cs, rows, at, cs.indicators[ind.id], lang, parts, lead, row)
            lead = b","
    row.text(b"]}")
    units = row.units()
    if first:
        yield next(units)[1:]  # the category's first unit: no comma before it
    yield from units


def _head_row(res: Results, cs: CategoryScores, rows: list[int], lang: str, row: _Row) -> None:
    """Each unit's sheet up to its lines (:func:`unit_sheet` without indicators, then ``,"indicators":[``), a
    column at a time, after a comma; a unit with a veto or a cut bonus through :func:`unit_sheet`."""
    places = res.criteria.assessment.precision
    at = np.asarray(rows, dtype=np.intp)
    units = cs.index[at].tolist()
    data = res.data
    n = len(rows)
    start = row.mark()

    def numbers(a: np.ndarray) -> None:  # as _num: rounded, null for NaN
        row.numbers(round_column(a[at], places))

    row.text(b',{"id":')
    row.strings([data.ids[i] for i in units])
    row.text(b',"name":')
    row.strings([data.names[i] for i in units])
    row.text((',"category":' + _dumps(cs.category) + ',"total":').encode())
    numbers(cs.total)
    row.text(b',"rank":')
    row.texts(cs.rank[at].tolist(), lambda r: str(r).encode())
    row.text((',"of":' + str(len(cs.index)) + ',"grade":').encode())
    row.texts([cs.grade[p] for p in rows], _dumped)
    row.text(b',"modules":[')
    unusual = np.zeros(n, bool)
    for k, ms in enumerate(cs.modules.values()):
        m = ms.module
        head = ("," if k else "") + '{"id":' + _dumps(m.id) + ',"name":' + _dumps(m.name) + ',"weight":' + _dumps(ms.weight) + ',"full":' + _dumps(m.full)
        row.text((head + ',"score":').encode())
        numbers(ms.score)
        row.text(b',"base":')
        numbers(ms.base)
        row.text(b',"bonus":')
        numbers(ms.bonus)
        row.text(b',"contribution":')
        numbers(ms.contribution)
        row.text(b"}")
        if m.bonus is not None:  # 附加项 beyond the module's range: said on the unit's own sheet
            cut = _bonus_caps(res, cs, ms, rows, places, lang)
            if cut:
                unusual |= np.isin(at, list(cut))
    row.text(b'],"vetoes":[],"indicators":[')
    end = row.mark()
    if cs.vetoes:
        unusual |= np.any([v.hit[at] for v in cs.vetoes], axis=0)
    for k in np.flatnonzero(unusual).tolist():
        row.instead(k, start, end, b"," + _dumped(unit_sheet(res, cs, rows[k], lang, with_indicators=False))[:-1] + b',"indicators":[')


def _line_row(res: Results, cs: CategoryScores, rows: list[int], at: np.ndarray, s, lang: str, parts: dict, lead: bytes, row: _Row) -> None:
    """``s``'s line of each unit at ``rows`` (``at``: as an array) into the block's row: the parts every unit
    shares encoded once, each distinct value's text made once; the unusual lines through :func:`indicator_line`, whole."""
    c: LineColumns = line_columns(res, cs, rows, s, lang, at)  # the lines share the block's list of rows
    key = (cs.category, s.indicator.id, lead)
    if key not in parts:
        parts[key] = [x.encode() for x in _line_parts(res, s, c, lead.decode())]
    const = parts[key]
    odd = [] if all(c.usual) else [k for k, usual in enumerate(c.usual) if not usual]
    if odd:
        start = row.mark()
    row.text(const[0])
    row.numbers(c.points)
    row.text(const[1])
    if not np.isnan(c.applicable_full).all():  # shown on some lines of the block
        row.column(each_distinct(c.applicable_full, _applicable_bytes))
    row.text(const[2])
    row.numbers(c.lost)
    j = 3
    for v in c.inputs.values():
        row.text(const[j])
        row.numbers(v)
        j += 1
    for texts in (*c.sources.values(), c.status):
        row.text(const[j])
        row.strings(texts)
        j += 1
    row.text(const[j])
    if c.reason_codes is not None:
        row.coded_strings(*c.reason_codes)
    else:
        row.strings(c.reasons)
    j += 1
    row.text(const[j])
    if odd:
        end = row.mark()
        made: dict = {}  # lines that come from the unit's numbers alone, made once per set of them
        for k, same in zip(odd, line_keys(res, cs, [rows[k] for k in odd], s)):
            text = made.get(same) if same is not None else None
            if text is None:
                text = lead + _dumped(indicator_line(res, cs, rows[k], s, lang))
                if same is not None:
                    made[same] = text
            row.instead(k, start, end, text)


def _number_bytes(x: float) -> bytes:
    """A JSON number as ``json.dumps`` writes it (``float.__repr__``; null for NaN)."""
    return b"null" if x != x else repr(x).encode()


def _applicable_bytes(x: float) -> bytes:
    """``applicable_full`` where a line shows it (NaN where it does not)."""
    return b"" if x != x else b',"applicable_full":' + repr(x).encode()


def _string_bytes(x: str) -> bytes:
    return encode_basestring(x).encode()


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


def csv_chunks(res: Results, lang: str = "zh", block: int = 10_000, proposed: Callable[[], dict[str, list[str]]] | None = None) -> Iterator[str]:
    """:func:`as_csv` in pieces of ``block`` rows of a category, each made as it is written: a
    nation's whole table held as text, then as bytes, took about 50 MB at the end of the run.
    With ``proposed`` (``scoring run --decide``), a function giving what the rules propose for each
    unit by id (:func:`scoring.report.decisions.unit_texts`), a last column says it in the words of
    the printed report's ranking table. It is asked for once, when every category's other columns
    are made: the rules may be applied meanwhile on another processor."""
    tables = _csv_tables(res, lang, proposed is not None)
    if proposed is not None:
        # every category's rows but their last cell made before the proposals are asked for
        yield from _with_proposals([(head, columns[2], _rows_but_last(columns, quote)) for head, columns, quote in tables], proposed, block)
        return
    made = False
    for head, columns, quote in tables:
        made = True
        for start in range(0, max(len(columns[0]), 1), block):  # (an empty category: its header alone)
            yield csv_text(head if start == 0 else [], [c[start : start + block] for c in columns], quote)
    if not made:  # no category: an empty table (a file with only its byte-order mark)
        yield ""


def _rows_but_last(columns: list[list[str]], quote: bool) -> list[str]:
    """Each row as :func:`csv_text` writes it but its last cell, left empty (a comma, then nothing)."""
    if quote:
        columns = [_quoted(col) for col in columns]
    return list(map(",".join, zip(*columns, repeat(""))))


def _with_proposals(tables: list[tuple[list[list[str]], list[str], list[str]]], proposed: Callable[[], dict[str, list[str]]], block: int) -> Iterator[str]:
    """:func:`csv_chunks`'s pieces from each category's header rows, ids and rows but their last
    cell, the proposals' cell put last in each row."""
    # one rule a line, as in the workbook's cell: a consequence may itself hold "；"
    said = {u: "\n".join(rules) for u, rules in proposed().items()}
    for head, ids, rows in tables:
        heading = csv_text(head, [])  # (no column: the header rows alone, as csv.writer writes them)
        if not ids:  # an empty category: its header alone
            yield heading
            continue
        cells = _quoted(_text_column(list(map(said.get, ids, repeat(""))), False)[1])
        for k in [k for k, c in enumerate(cells) if c]:
            rows[k] += cells[k]
        for start in range(0, len(rows), block):
            yield (heading if start == 0 else "") + "\r\n".join(rows[start : start + block]) + "\r\n"
    if not tables:  # no category: an empty table (a file with only its byte-order mark)
        yield ""


def _csv_tables(res: Results, lang: str, decided: bool) -> Iterator[tuple[list[list[str]], list[list[str]], bool]]:
    """Each category's rows of :func:`csv_chunks` but the proposals' column (``decided``: it is in the
    header): the header rows it starts with (none where the header is the one before), its columns
    and whether a cell may need quotes."""
    prev = None
    for cs in res.categories.values():
        header, columns = ranking_columns(res, cs, lang)
        if decided:
            header = header + _heads(lang, "decisions")
        head = []
        if header != prev:  # modules and weights differ by category: a header where they change
            head = [_heads(lang, "category") + header]
            prev = header
        quote = _needs_quotes([cs.category, *header, *_heads(lang, "category")])
        # id, name, grade and vetoes: the texts (rank, total and the modules are numbers)
        for k in (1, 2, *range(4 + len(cs.modules), len(columns))):
            quote, columns[k] = _text_column(columns[k], quote)
        yield head, [[cs.category] * len(columns[0]), *columns], quote


def _text_column(cells: list[str], quote: bool) -> tuple[bool, list[str]]:
    """A column of text cells as written: one that may start like a formula neutralised; and whether a
    cell of the table may need quotes, this column's included."""
    joined = "\x00" + "\x00".join(cells)
    quote = quote or _needs_quotes([joined])
    if any("\x00" + c in joined for c in "=+-@"):  # a cell may start like a formula (or hold \x00)
        cells = [neutralise(c) for c in cells]
    return quote, cells


def _needs_quotes(texts: list[str]) -> bool:
    """Whether csv.writer (its default dialect) would quote any of these texts."""
    return any(c in text for text in texts for c in ",\"\r\n")


def csv_text(rows: list[list[str]], columns: list[list[str]], quote: bool | None = None) -> str:
    """What ``csv.writer`` writes for ``rows`` then the rows of ``columns`` (text cells): joined
    with commas, a cell that needs it quoted as the writer quotes it (``quote``: whether one may;
    None: look)."""
    if quote is None:
        quote = _needs_quotes(["".join(col) for col in (*columns, *rows)])
    if not (all(columns) and len(columns) > 1 and all(len(r) > 1 for r in rows)):  # (a lone empty cell is written "")
        buf = io.StringIO()
        w = csv.writer(buf)
        w.writerows(rows)
        w.writerows(zip(*columns))
        return buf.getvalue()
    if quote:
        rows = [_quoted(r) for r in rows]
        columns = [_quoted(col) for col in columns]
    return "".join(",".join(r) + "\r\n" for r in rows) + "\r\n".join(map(",".join, zip(*columns))) + "\r\n"


def _quoted(cells: list[str]) -> list[str]:
    """The cells as ``csv.writer`` (its default dialect) writes them: one holding a comma, a quote
    or a line end between quotes, its quotes doubled; the list itself when none does."""
    if not _needs_quotes(["".join(cells)]):
        return cells
    memo = {c: '"' + c.replace('"', '""') + '"' if _needs_quotes([c]) else c for c in set(cells)}  # few distinct texts, often
    return list(map(memo.__getitem__, cells))


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


def write_atomic(path: str | Path, text: str | Iterable[str] | Iterable[bytes], encoding: str = "utf-8") -> None:
    """Write text whole or not at all (:func:`scoring.outfile.write_out`); given in pieces, each
    piece is written as it is made (a piece of bytes as it is: already encoded)."""
    if isinstance(text, str):
        write_out(path, text.encode(encoding))
    else:
        import codecs

        enc = codecs.getincrementalencoder(encoding)()  # "utf-8-sig": the mark once, before the first piece
        write_out(path, (part if isinstance(part, bytes) else enc.encode(part) for part in text))
