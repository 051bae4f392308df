"""A workbook as a person's spreadsheet program shows it, read back with openpyxl: every cell's value and
look, the column widths and row heights, merged cells, frozen panes, filters and the print setup.

Two workbooks that give the same :func:`as_seen` look the same in Excel or WPS, whatever bytes they are
written with; the report's workbook is held to the one its earlier writer made (tests/data/)."""

from __future__ import annotations

import hashlib
import io
import json

import openpyxl


def _side(x):
    return [x.style, x.color.rgb if x.color is not None else None] if x is not None and x.style else None


def _look(c) -> list:
    f, fill, b, a = c.font, c.fill, c.border, c.alignment
    return [
        c.number_format,
        bool(f.b),
        f.sz,
        f.name if f.b or f.sz not in (None, 11) else None,
        fill.fill_type,
        fill.fgColor.rgb if fill.fill_type else None,
        _side(b.left),
        _side(b.right),
        _side(b.top),
        _side(b.bottom),
        a.horizontal,
        a.vertical,
        bool(a.wrap_text),
        a.indent,
        bool(c.quotePrefix),
    ]


PLAIN = _look(openpyxl.Workbook().active["A1"])


def as_seen(data: bytes) -> dict:
    wb = openpyxl.load_workbook(io.BytesIO(data))
    out: dict = {"sheets": wb.sheetnames, "title": wb.properties.title, "creator": wb.properties.creator}
    for ws in wb:
        cells = []
        for row in ws.iter_rows():
            for c in row:
                look = _look(c)
                if c.value is not None or look != PLAIN:
                    cells.append([c.coordinate, c.value, c.data_type, look])
        ps, m = ws.page_setup, ws.page_margins
        out[ws.title] = {
            "cells": cells,
            "widths": {k: [d.width, bool(d.hidden)] for k, d in sorted(ws.column_dimensions.items()) if d.customWidth or d.hidden},
            "heights": {str(k): d.height for k, d in sorted(ws.row_dimensions.items()) if d.height},
            "merges": sorted(str(r) for r in ws.merged_cells.ranges),
            "freeze": ws.freeze_panes,
            "filter": ws.auto_filter.ref,
            "print_area": ws.print_area,
            "print_titles": ws.print_title_rows,
            "page": [
                ps.paperSize,
                ps.orientation,
                ps.fitToWidth,
                ps.fitToHeight,
                bool(ws.sheet_properties.pageSetUpPr and ws.sheet_properties.pageSetUpPr.fitToPage),
            ],
            "print": [bool(ws.print_options.horizontalCentered), m.left, m.right, m.top, m.bottom, m.header, m.footer],
            "header": [[p.text, p.size] for p in (ws.oddHeader.left, ws.oddHeader.center, ws.oddHeader.right)],
            "footer": [[p.text, p.size] for p in (ws.oddFooter.left, ws.oddFooter.center, ws.oddFooter.right)],
            "breaks": [b.id for b in ws.row_breaks.brk],
            "charts": len(ws._charts),
        }
    return json.loads(json.dumps(out, ensure_ascii=False))  # as a fixture file holds it (lists, string keys)


def digest(seen: dict) -> str:
    return hashlib.sha256(json.dumps(seen, ensure_ascii=False, sort_keys=True).encode("utf-8")).hexdigest()
