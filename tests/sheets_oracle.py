"""The sheet-XML searches as first written: the tests' oracle for scoring/load/sheets.py's _Marks.

Each looks for what it needs with a search of its own through the whole XML (a numpy pass for
the cell references, plain searches for ' s="N"', 't="e"', "mergeCell" and "</f>", regular
expressions from there); the product finds every "=" and every "f" once and looks only there.
Both must find the same extent, percent cells, error cells, merged ranges and formulas saved
without a result: tests/test_xlsx_marks.py draws sheets and compares them.
"""

from __future__ import annotations

import re

import numpy as np

from xml.sax.saxutils import unescape as _unescape

from scoring.load.sheets import _CELL_REF, _ERROR_CELL, _FORMULA, _MERGE, _VALUE, _col_index, _extent_slowly
from scoring.load.values import Percent


def extent(xml: bytes) -> tuple[int, int]:
    a = np.frombuffer(xml, np.uint8)
    if len(a) < 16:
        return 0, 0
    eq = np.flatnonzero(a[2:-12] == 61) + 2
    before, after = a[eq - 1], a[eq + 1]
    if ((before <= 32) | ((after == 39) & ((before | 32) == 114))).any():
        return _extent_slowly(xml)
    p = eq[((before | 32) == 114) & (after == 34) & (a[eq - 2] <= 32)] + 2
    col = np.zeros(len(p), np.int64)
    run = np.ones(len(p), bool)
    for k in range(4):
        c = a[p + k] | 32
        run &= (c >= 97) & (c <= 122)
        col = np.where(run, col * 26 + (c.astype(np.int64) - 96), col)
    c = a[p + 4] | 32
    if (run & (c >= 97) & (c <= 122)).any():
        return _extent_slowly(xml)
    q = p + (col > 0) + (col > 26) + (col > 702) + (col > 18278)
    row = np.zeros(len(p), np.int64)
    run = np.ones(len(p), bool)
    for k in range(8):
        c = a[np.minimum(q + k, len(a) - 1)]
        run &= (c >= 48) & (c <= 57)
        row = np.where(run, row * 10 + (c.astype(np.int64) - 48), row)
    if run.any():
        return _extent_slowly(xml)
    return int(col.max(initial=0)), int(row.max(initial=0))


def styles_and_errors(xml: bytes, values: list[list], percent: frozenset[int]) -> None:
    def at(tag: bytes):
        ref = _CELL_REF.search(tag)
        if ref is None:
            return None
        r, c = int(ref.group(2)) - 1, _col_index(ref.group(1))
        return (r, c) if r < len(values) and c < len(values[r]) else None

    for k in percent:
        needle = f' s="{k}"'.encode()
        pos = xml.find(needle)
        while pos >= 0:
            start = xml.rfind(b"<", 0, pos)
            tag = xml[start : xml.find(b">", pos) + 1]
            where = at(tag) if tag[1:].split(b" ", 1)[0].split(b":")[-1] == b"c" else None
            if where is not None and type(values[where[0]][where[1]]) is float:
                values[where[0]][where[1]] = Percent(values[where[0]][where[1]])
            pos = xml.find(needle, pos + 1)
    if b't="e"' in xml:
        for m in _ERROR_CELL.finditer(xml):
            where = at(m.group(0))
            v = _VALUE.match(xml, m.end())
            if where is not None and v is not None:
                values[where[0]][where[1]] = _unescape(v.group(1).decode("utf-8", "replace"))


_CELL_TAG = re.compile(rb"[<:]c[\s>/]")


def blank_causes(xml: bytes) -> tuple[list, dict]:
    merged, formulas = [], {}
    merges = xml.find(b"mergeCell")
    for m in _MERGE.finditer(xml, max(merges - 16, 0)) if merges >= 0 else ():
        c1, r1 = _col_index(m.group(1)), int(m.group(2))
        c2, r2 = (_col_index(m.group(3)), int(m.group(4))) if m.group(3) else (c1, r1)
        ref = m.group(0).split(b'ref="')[1].rstrip(b'"').decode()
        merged.append((r1, c1, r2, c2, ref))
    prefixed = b":worksheet" in xml[:300]
    closing = xml.find(b":f>") if prefixed else xml.find(b"</f>")
    if closing < 0:
        return merged, formulas
    first_cell = max(xml.rfind(b"<c ", 0, closing), xml.rfind(b":c ", 0, closing), 0)
    for m in _FORMULA.finditer(xml, first_cell):
        cells = [c.start() for c in _CELL_TAG.finditer(xml, 0, m.start())]  # the formula's own cell
        start = cells[-1] if cells else -1
        end = xml.find(b"</", m.end())
        close = xml.find(b"c>", end)
        cell = _CELL_REF.search(xml, start, m.start())
        if start < 0 or cell is None or close < 0:
            continue
        body = xml[m.start() : close]
        if _VALUE.search(body):
            continue
        text = body.split(b">", 1)[1].split(b"<", 1)[0] if not body.split(b">", 1)[0].endswith(b"/") else b""
        formulas[(int(cell.group(2)), _col_index(cell.group(1)))] = "=" + _unescape(text.decode("utf-8", "replace"))
    return merged, formulas
