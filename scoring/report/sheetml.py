"""A small streaming writer of Excel workbooks (.xlsx, SpreadsheetML), for the printed report.

    book = Book(title, creator)
    s = book.sheet("评分表", places=2, minimum={4: 24}, maximum={4: 36})
    s.row(1, [(1, "标题", TITLE, MEASURE)])
    rows = s.rows(2, units=100, per_unit=3)      # many units' rows of one shape, made together
    rows.put(0, [Slot(1, TEXT, TOP), Slot(2, NUMBER, NUMBER_LOOK, BLANK)], [names, scores])
    ...                                          # rows 1 and 2 of every unit
    rows.write()
    yield from book.add(s)        # the sheet's bytes, compressed
    yield from book.close()       # styles, workbook, the zip's directory

Rows go out as they are written and are never kept: a report of 6 000 score sheets (about
900 000 rows) is written in memory that does not grow with the number of units; the score
sheets a block of units at a time (:class:`Rows`), each distinct value's cell made once.  Each
sheet's rows are compressed as they come into a spool (memory, then a temporary file when
large).  What goes in front of the rows and is known only after them (column widths, the
used range) is compressed on its own when the sheet ends and put before them: deflate
streams flushed to a byte boundary can be joined, and the CRC of the whole is combined from
the parts' (zlib's crc32_combine, below).  Deflate and CRC are ISA-L's (isal), which write the
same format as zlib two to three times as fast.  The zip is written with data descriptors, as
Java's and .NET's zip writers do, which Excel and WPS read.

Widths fit the text (a CJK character counts as two), clamped per column; a row whose wrapped
text takes more than one line at its column's width is made taller, since spreadsheet
programs do not grow rows for text written by a program.
"""

from __future__ import annotations

import math
import re
import struct
import tempfile
import time
from collections.abc import Iterable, Iterator
from collections import Counter
from itertools import repeat
from typing import NamedTuple

from isal import isal_zlib
from wcwidth import wcswidth

from ..errors import Problem, ReportError

# deflate level 1: on the score sheet of 1 000 units of the province benchmark (93 MB of XML), zlib's
# default level 6 took 1.3 s against 0.4 s for a file 27 % smaller.  ISA-L's level 1 makes a file as small
# as zlib's level 1 (100 MB of the province's score sheet: 11.4 MB against 11.6 MB) in 0.13 s against 0.31-0.36 s,
# and its CRC-32 takes a tenth of zlib's time
LEVEL = 1
SPOOL = 8 << 20  # a sheet's compressed rows are kept in memory up to this size, then in a temporary file
MAX_WIDTH = 60
MAX_ROWS = 1_048_576  # the most rows a sheet can have in Excel and WPS
FORMULA_START = ("=", "+", "-", "@")  # text starting so is kept as text (Excel's quote prefix), never run
_FORMULA_NEXT = re.compile(r"\x00[=+@-]")  # a text joined to the one before it by a NUL starts like a formula
# in texts joined by NULs (none of their own), one that starts like a formula or starts or ends with a space: the
# character after a NUL, or a space before it (str.isspace's spaces are re's \s)
_EDGE = re.compile(r"\x00(?:[\s=+@-]|(?<=\s\x00))")
JOINED = 16  # units whose rows are joined and compressed together (a few hundred KB of XML)
MEMO = 20_000  # cell texts a sheet keeps ready per template cell; forgotten past this, so memory stays flat

TEXT, NUMBER, EMPTY = "s", "n", ""
MEASURE, WRAP = 1, 2  # how a text cell counts: its width for the column, its lines for the row's height
SHARED = 4  # a text cell held in the workbook's shared strings (a text many cells repeat), not written inline
SHARED_MAX = 1 << 18  # texts the shared strings hold at most (kept in memory to be found again); past this, inline


class Look(NamedTuple):
    """How a cell looks: font, fill, border, alignment, number format, and Excel's quote prefix
    (text that starts like a formula is shown, and kept, as text)."""

    bold: bool = False
    size: int | None = None
    fill: str | None = None  # RGB hex
    border: bool = False
    horizontal: str | None = None
    vertical: str | None = None
    wrap: bool = False
    indent: int = 0
    fmt: str = "General"
    quote: bool = False


class Slot(NamedTuple):
    """One cell of a row template (:meth:`Sheet.rows`): its column; what it holds (TEXT or NUMBER, a value
    per row, or EMPTY); its look; and the look of the empty cell written where a row has no value (None,
    or empty text), the look itself when not given; whether its texts go into the workbook's shared strings.
    Text that starts like a formula is given the look with Excel's quote prefix."""

    col: int
    typ: str
    look: Look
    blank: Look | None = None
    shared: bool = False  # its texts held in the workbook's shared strings: a text many rows repeat (a unit's name)


# ---------------------------------------------------------------- text


_SIMPLE = re.compile(r"[^\x20-\x7e\u3001-\u3029\u3400-\u4dbf\u4e00-\u9fff\u30a0-\u30ff\uff01-\uff60]")


_SIMPLE_OR_NUL = re.compile(r"[^\x00\x20-\x7e\u3001-\u3029\u3400-\u4dbf\u4e00-\u9fff\u30a0-\u30ff\uff01-\uff60]")


def display_widths(texts: list[str]) -> list[int]:
    """:func:`display_width` of each of ``texts``: when together they hold only printable ASCII and characters
    wcwidth counts as two, from their lengths and their UTF-8 lengths, without a call for each text."""
    joined = "\x00".join(texts)
    if _SIMPLE_OR_NUL.search(joined) is not None or joined.count("\x00") != len(texts) - 1:
        return list(map(display_width, texts))
    return [n + (b - n) // 2 for n, b in zip(map(len, texts), map(len, joined.encode("utf-8").split(b"\x00")))]


def display_width(text: str) -> int:
    """Columns ``text`` takes in a monospaced terminal or a spreadsheet cell (a CJK character counts
    as two): wcwidth's answer, reached without looking at each character when the text holds only
    printable ASCII and characters wcwidth counts as two."""
    if text.isascii() and text.isprintable():
        return len(text)
    if _SIMPLE.search(text) is None:
        return len(text) + (len(text.encode("utf-8")) - len(text)) // 2  # each wide character is 3 bytes in UTF-8
    w = wcswidth(text)
    return w if w >= 0 else 2 * len(text)


def _xml(text: str) -> str:
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    return text


def _attr(text: str) -> str:
    return _xml(text).replace('"', "&quot;")


def _t(text: str) -> str:
    """A text as a string item's <t>; leading or trailing spaces kept, as a person typed them."""
    if text[:1].isspace() or text[-1:].isspace():
        return f'<t xml:space="preserve">{_xml(text)}</t>'
    return f"<t>{_xml(text)}</t>"


def column_letter(n: int) -> str:
    s = ""
    while n:
        n, k = divmod(n - 1, 26)
        s = chr(65 + k) + s
    return s


_LETTERS = [""] + [column_letter(n) for n in range(1, 703)]


def _number(v) -> str:
    """A number as the shortest text that reads back as the same double (``repr``): a value rounded to
    2 decimals is written with at most 2 (0.69, where 16 significant digits gave 0.6899999999999999,
    float noise in the file though the same double), a whole number without ".0"."""
    text = repr(float(v))
    return text[:-2] if text.endswith(".0") else text


# ---------------------------------------------------------------- zip


_POLY = 0xEDB88320


def _multmodp(a: int, b: int) -> int:
    """a × b modulo the CRC-32 polynomial (reflected), as in zlib."""
    m, p = 1 << 31, 0
    while True:
        if a & m:
            p ^= b
            if a & (m - 1) == 0:
                return p
        m >>= 1
        b = (b >> 1) ^ _POLY if b & 1 else b >> 1


_X2N = [1 << 30]  # x^(2^k) modulo the polynomial
for _ in range(31):
    _X2N.append(_multmodp(_X2N[-1], _X2N[-1]))


def crc32_combine(crc1: int, crc2: int, len2: int) -> int:
    """The CRC-32 of A followed by B, from crc32(A), crc32(B) and len(B) (zlib's crc32_combine)."""
    p, k, n = 1 << 31, 3, len2
    while n:
        if n & 1:
            p = _multmodp(_X2N[k & 31], p)
        n >>= 1
        k += 1
    return _multmodp(p, crc1) ^ crc2


class _Deflate:
    """Bytes compressed as they are given (raw deflate) into ``out``, their CRC and sizes counted."""

    def __init__(self, out):
        self._z = isal_zlib.compressobj(LEVEL, isal_zlib.DEFLATED, -15)
        self.out = out
        self.crc = self.size = self.csize = 0

    def write(self, data: bytes) -> None:
        self.crc = isal_zlib.crc32(data, self.crc)
        self.size += len(data)
        c = self._z.compress(data)
        if c:
            self.out.write(c)
            self.csize += len(c)

    def end(self, last: bool) -> None:
        """Flush: to a byte boundary (another stream may follow), or for good."""
        c = self._z.flush(isal_zlib.Z_FINISH if last else isal_zlib.Z_SYNC_FLUSH)
        self.out.write(c)
        self.csize += len(c)


class _Bytes:
    def __init__(self):
        self.parts: list[bytes] = []

    def write(self, b: bytes) -> None:
        self.parts.append(b)


class _Zip:
    """A zip archive written front to back: each member's sizes and CRC follow its data."""

    def __init__(self, when: time.struct_time):
        self.offset = 0
        self.central: list[bytes] = []
        self.time = (when.tm_hour << 11) | (when.tm_min << 5) | (when.tm_sec // 2)
        self.date = ((when.tm_year - 1980) << 9) | (when.tm_mon << 5) | when.tm_mday

    def member(self, name: str, crc: int, size: int, csize: int, chunks: Iterable[bytes]) -> Iterator[bytes]:
        if size >= 1 << 32 or csize >= 1 << 32 or self.offset >= 1 << 32:
            raise OverflowError(f"{name}: a workbook part of 4 GB or more")
        raw = name.encode("utf-8")
        head = struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0x0808, 8, self.time, self.date, 0, 0, 0, len(raw), 0) + raw
        yield head
        yield from chunks
        yield struct.pack("<IIII", 0x08074B50, crc, csize, size)
        entry = struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0x0808, 8, self.time, self.date, crc, csize, size, len(raw), 0, 0, 0, 0, 0, self.offset)
        self.central.append(entry + raw)
        self.offset += len(head) + csize + 16

    def whole(self, name: str, data: str) -> Iterator[bytes]:
        buf = _Bytes()
        d = _Deflate(buf)
        d.write(data.encode("utf-8"))
        d.end(True)
        return self.member(name, d.crc, d.size, d.csize, buf.parts)

    def end(self) -> bytes:
        cd = b"".join(self.central)
        n = len(self.central)
        return cd + struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, n, n, len(cd), self.offset, 0)


# ---------------------------------------------------------------- styles


class _Styles:
    """Each distinct :class:`Look` becomes one cell format (xf) of the workbook, made once."""

    BUILTIN_FORMATS = {"General": 0, "0": 1, "0.00": 2}

    def __init__(self):
        self.xfs: dict[Look, int] = {Look(): 0}
        self.fonts: dict[tuple, int] = {(False, None): 0}
        self.fills: dict[str | None, int] = {None: 0, "gray125": 1}
        self.formats: dict[str, int] = dict(self.BUILTIN_FORMATS)

    def xf(self, look: Look) -> int:
        k = self.xfs.get(look)
        if k is None:
            k = self.xfs[look] = len(self.xfs)
            self.fonts.setdefault((look.bold, look.size), len(self.fonts))
            self.fills.setdefault(look.fill, len(self.fills))
            self.formats.setdefault(look.fmt, 164 + len(self.formats) - len(self.BUILTIN_FORMATS))
        return k

    def xml(self) -> str:
        fmts = "".join(f'<numFmt numFmtId="{i}" formatCode="{_attr(f)}"/>' for f, i in self.formats.items() if f not in self.BUILTIN_FORMATS)
        fonts = []
        for bold, size in self.fonts:
            if not bold and size is None:  # the workbook's font, as Excel's default
                fonts.append('<font><sz val="11"/><color theme="1"/><name val="Calibri"/><family val="2"/><scheme val="minor"/></font>')
            else:
                fonts.append("<font>" + ('<b val="1"/>' if bold else "") + (f'<sz val="{size}"/>' if size else "") + "</font>")
        fills = []
        for fill in self.fills:
            if fill is None:
                fills.append('<fill><patternFill patternType="none"/></fill>')
            elif fill == "gray125":
                fills.append('<fill><patternFill patternType="gray125"/></fill>')
            else:
                fills.append(f'<fill><patternFill patternType="solid"><fgColor rgb="00{fill}"/></patternFill></fill>')
        side = '<{0} style="thin"><color rgb="00808080"/></{0}>'
        borders = (
            "<border><left/><right/><top/><bottom/><diagonal/></border><border>"
            + "".join(side.format(s) for s in ("left", "right", "top", "bottom"))
            + "<diagonal/></border>"
        )
        xfs = []
        for look in self.xfs:
            attrs = f'numFmtId="{self.formats[look.fmt]}" fontId="{self.fonts[(look.bold, look.size)]}" fillId="{self.fills[look.fill]}" borderId="{int(look.border)}" xfId="0"'
            if look.fmt != "General":
                attrs += ' applyNumberFormat="1"'
            if look.bold or look.size:
                attrs += ' applyFont="1"'
            if look.fill:
                attrs += ' applyFill="1"'
            if look.border:
                attrs += ' applyBorder="1"'
            if look.quote:
                attrs += ' quotePrefix="1"'
            align = ""
            if look.horizontal or look.vertical or look.wrap or look.indent:
                align = (
                    "<alignment"
                    + (f' horizontal="{look.horizontal}"' if look.horizontal else "")
                    + (f' vertical="{look.vertical}"' if look.vertical else "")
                    + (' wrapText="1"' if look.wrap else "")
                    + (f' indent="{look.indent}"' if look.indent else "")
                    + "/>"
                )
                attrs += ' applyAlignment="1"'
            xfs.append(f"<xf {attrs}>{align}</xf>" if align else f"<xf {attrs}/>")
        return (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<styleSheet xmlns="{_NS}">'
            + (f'<numFmts count="{len(self.formats) - len(self.BUILTIN_FORMATS)}">{fmts}</numFmts>' if fmts else "")
            + f'<fonts count="{len(fonts)}">{"".join(fonts)}</fonts><fills count="{len(fills)}">{"".join(fills)}</fills>'
            + f'<borders count="2">{borders}</borders>'
            + '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
            + f'<cellXfs count="{len(xfs)}">{"".join(xfs)}</cellXfs>'
            + '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>'
        )


class _Strings:
    """The workbook's shared strings (xl/sharedStrings.xml, as Excel writes every text): a text many cells
    repeat (a unit's code and name on each of its score sheet's rows, an indicator's name on every unit's
    sheet) is written once and each cell holds its number.  Each new text's item is compressed as it comes
    into a spool, as a sheet's rows are; only the texts' numbers are kept, up to SHARED_MAX texts."""

    def __init__(self):
        self.index: dict[str, int] = {}
        self._spool = tempfile.SpooledTemporaryFile(max_size=SPOOL)
        self._z = _Deflate(self._spool)
        self._pending: list[str] = []

    def number(self, text: str) -> int | None:
        """The text's number, given it the first time; None when the table is full (the text goes inline)."""
        k = self.index.get(text)
        if k is None:
            if len(self.index) >= SHARED_MAX:
                return None
            if not self.index:
                self._pending.append(f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="{_NS}">')
            k = self.index[text] = len(self.index)
            self._pending.append(f"<si>{_t(text)}</si>")
            if len(self._pending) >= 4096:
                self._flush()
        return k

    def _flush(self) -> None:
        self._z.write("".join(self._pending).encode("utf-8"))
        self._pending = []

    def part(self, zip: "_Zip") -> Iterator[bytes]:
        """The shared strings' zip member (none when no text was shared); the spool is then released."""
        if not self.index:
            return
        self._pending.append("</sst>")
        self._flush()
        z = self._z
        z.end(True)
        yield from zip.member("xl/sharedStrings.xml", z.crc, z.size, z.csize, _chunks([], self._spool, []))


_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


# ---------------------------------------------------------------- sheets


class Sheet:
    """One worksheet, written a row at a time in increasing row order.

    ``places``: decimals numbers are shown with (for column widths); ``minimum`` / ``maximum``:
    column widths' bounds (before the 2 added for margins), known before the first row so that
    a wrapped text's lines can be counted as it is written.
    """

    def __init__(self, book: "Book", title: str, places: int, minimum: dict[int, int] | None = None, maximum: dict[int, int] | None = None):
        self.book, self.title, self.places = book, title, places
        self.minimum, self.maximum = minimum or {}, maximum or {}
        self.widths: dict[int, int] = {}
        self.fixed_widths: dict[int, float] = {}
        self.hidden: set[int] = set()
        self.merges: list[str] = []
        self.breaks: list[int] = []
        self.freeze: tuple[int, int] | None = None  # (row, column) of the first cell that scrolls
        self.filter: str | None = None
        self.landscape = True
        self.print_area: str | None = None
        self.print_titles: str | None = None
        self.header: list[tuple[str, int, str]] = []  # (part: L/C/R, font size or 0, text)
        self.footer: list[tuple[str, int, str]] = []
        self.fit_to_page = True
        self.centered = True
        self.margins = (0.5, 0.5, 0.7, 0.8, 0.5, 0.3)  # left, right, top, bottom, header, footer (inches)
        self.chart: str | None = None  # chart XML, anchored at (row, column, width cm, height cm)
        self.anchor: tuple[int, int, float, float] = (0, 0, 0, 0)
        self.last_row = self.last_col = 0
        self._spool = tempfile.SpooledTemporaryFile(max_size=SPOOL)
        self._rows = _Deflate(self._spool)
        self._pending: list[str] = []
        self._pending_size = 0
        self._held: list[tuple] | None = None
        self._bounds: dict[int, list[float]] = {}  # per column, the smallest and largest number put
        # per template cell (and whether it follows the cell before it), each value's XML, and the lines of those over one (Rows)
        self._memo: dict[tuple[Slot, bool], tuple[dict, dict]] = {}

    # -- widths and heights

    def room(self, col: int) -> int:
        """Display columns a line of wrapped text holds in ``col``, known before the column's final width.

        The final width is the column's widest measured text, or its maximum (a line then holds maximum + 1).
        In the first case every measured text fits its lines whatever the room, so counting lines at the
        maximum gives the same count in both."""
        return max(self.maximum.get(col, MAX_WIDTH) + 1, 4)

    def measure(self, col: int, text: str) -> None:
        w = self.widths.get(col, 0)
        if w >= self.maximum.get(col, MAX_WIDTH) or w >= MAX_WIDTH or 2 * len(text) <= w:  # cannot widen the column
            return
        longest = max(display_width(part) for part in text.split("\n")) if "\n" in text else display_width(text)
        if longest > w:
            self.widths[col] = min(longest, MAX_WIDTH)

    def measure_number(self, col: int, value) -> None:
        n = len(str(value)) if isinstance(value, int) else len(f"{value:.{self.places}f}")
        if n > self.widths.get(col, 0):
            self.widths[col] = n

    # -- rows

    def row(self, r: int, cells: list[tuple], height: float | None = None) -> None:
        """Write row ``r``: cells as (column, value, look[, how]) in column order; value a text, a number
        or None (an empty cell that still shows its look); how: MEASURE (the default) and/or WRAP, for text.

        A wrapped text that is not measured (a paragraph across merged cells) takes its lines at the
        column's final width: that row and every later one are held until the sheet ends."""
        for cell in cells:
            value = cell[1]
            if isinstance(value, str):
                how = cell[3] if len(cell) > 3 else MEASURE
                if how & MEASURE:
                    self.measure(cell[0], value)
                elif how & WRAP:
                    self._held = self._held or []
            elif value is not None:
                self.measure_number(cell[0], value)
        if self._held is not None:
            self._held.append((r, cells, height))
        else:
            self._write(r, cells, height, self.room)

    def _write(self, r: int, cells: list[tuple], height: float | None, room) -> None:
        styles = self.book.styles
        xfs = styles.xfs
        out = []
        lines = 1
        rs = str(r)
        before = last = 0
        for cell in cells:
            col, value, look = cell[0], cell[1], cell[2]
            s = xfs.get(look)
            if s is None:
                s = styles.xf(look)
            # the cell's opening tag up to its style: with its reference only where the cell does not follow the one
            # before it (column ``before``; 0 at the row's start).  A cell without a reference is the next column
            # (ECMA-376 §18.3.1.4): most of a report's cells say so in 2 bytes instead of about 12
            ref = "<c" if col == before + 1 else f'<c r="{_LETTERS[col]}{rs}"'
            before = col
            if col > last:
                last = col
            if value is None:
                out.append(f'{ref} s="{s}"/>')
            elif isinstance(value, str):
                how = cell[3] if len(cell) > 3 else MEASURE
                k = self.book.strings.number(value) if how & SHARED else None
                if k is None:
                    out.append(f'{ref} s="{s}" t="inlineStr"><is>{_t(value)}</is></c>')
                else:
                    out.append(f'{ref} s="{s}" t="s"><v>{k}</v></c>')
                if how & WRAP:
                    lines = max(lines, _lines(value, room(col)))
            else:
                out.append(f'{ref} s="{s}"><v>{_number(value)}</v></c>')
        if last > self.last_col:
            self.last_col = last
        if lines > 1:
            height = 15 * lines + 2
        self._add(f'<row r="{rs}"{_height(height)}>' + "".join(out) + "</row>", r)

    def _release(self) -> None:
        """Write the held rows, their wrapped text's lines counted at the columns' final widths."""
        held, self._held = self._held or [], None
        widths = self._final_widths()
        for r, cells, height in held:
            self._write(r, cells, height, lambda col: max(int(widths.get(col, 10)) - 1, 4))

    def rows(self, first: int, units: int, per_unit: int) -> "Rows":
        """The rows of ``units`` units from row ``first`` on, ``per_unit`` rows each, made together
        (:class:`Rows`): what a report of thousands of units' score sheets writes."""
        return Rows(self, first, units, per_unit)

    def reach(self, r: int) -> None:
        """Refuse a row past MAX_ROWS: Excel and WPS open no sheet longer, and a cut-off sheet is never handed out."""
        if r > MAX_ROWS:
            raise ReportError(Problem("report.xlsx_too_many_rows", {"sheet": self.title, "max": MAX_ROWS}))

    def _add(self, xml: str, r: int) -> None:
        self.reach(r)
        self.last_row = r
        self._pending.append(xml)
        self._pending_size += 1
        if self._pending_size >= 512:
            self._flush()

    def _flush(self) -> None:
        if self._pending:
            self._rows.write("".join(self._pending).encode("utf-8"))
            self._pending, self._pending_size = [], 0

    # -- the parts around the rows

    def _final_widths(self) -> dict[int, float]:
        for col, (lo, hi) in self._bounds.items():
            self.measure_number(col, lo)
            self.measure_number(col, hi)
        out: dict[int, float] = {c: min(max(w, self.minimum.get(c, 0)), self.maximum.get(c, MAX_WIDTH)) + 2 for c, w in self.widths.items()}
        out.update(self.fixed_widths)
        return out

    def _cols(self) -> str:
        out = []
        widths = self._final_widths()
        for col in sorted(set(widths) | self.hidden):
            w = widths.get(col, 13)  # 13: a hidden column with nothing measured
            hidden = ' hidden="1"' if col in self.hidden else ""
            out.append(f'<col min="{col}" max="{col}" width="{_number(w)}" customWidth="1"{hidden}/>')
        return f"<cols>{''.join(out)}</cols>" if out else ""

    def _view(self) -> str:
        if self.freeze is None:
            return '<sheetViews><sheetView workbookViewId="0"><selection activeCell="A1" sqref="A1"/></sheetView></sheetViews>'
        row, col = self.freeze
        top = f"{_LETTERS[col]}{row}"
        if col > 1 and row > 1:
            pane = f'<pane xSplit="{col - 1}" ySplit="{row - 1}" topLeftCell="{top}" activePane="bottomRight" state="frozen"/>'
            sel = '<selection pane="topRight"/><selection pane="bottomLeft"/><selection pane="bottomRight" activeCell="A1" sqref="A1"/>'
        elif row > 1:
            pane = f'<pane ySplit="{row - 1}" topLeftCell="{top}" activePane="bottomLeft" state="frozen"/>'
            sel = '<selection pane="bottomLeft" activeCell="A1" sqref="A1"/>'
        else:
            pane = f'<pane xSplit="{col - 1}" topLeftCell="{top}" activePane="topRight" state="frozen"/>'
            sel = '<selection pane="topRight" activeCell="A1" sqref="A1"/>'
        return f'<sheetViews><sheetView workbookViewId="0">{pane}{sel}</sheetView></sheetViews>'

    def _head(self) -> str:
        used = f"A1:{_LETTERS[max(self.last_col, 1)]}{max(self.last_row, 1)}"
        pr = '<sheetPr><outlinePr summaryBelow="1" summaryRight="1"/>' + ('<pageSetUpPr fitToPage="1"/>' if self.fit_to_page else "") + "</sheetPr>"
        return (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{_NS}" xmlns:r="{_R}">{pr}<dimension ref="{used}"/>'
            + self._view()
            + '<sheetFormatPr baseColWidth="8" defaultRowHeight="15"/>'
            + self._cols()
            + "<sheetData>"
        )

    def _tail(self, drawing: str | None) -> str:
        out = ["</sheetData>"]
        if self.filter:
            out.append(f'<autoFilter ref="{self.filter}"/>')
        if self.merges:
            out.append(f'<mergeCells count="{len(self.merges)}">' + "".join(f'<mergeCell ref="{m}"/>' for m in self.merges) + "</mergeCells>")
        if self.centered:
            out.append('<printOptions horizontalCentered="1"/>')
        m = [_number(x) for x in self.margins]
        out.append(f'<pageMargins left="{m[0]}" right="{m[1]}" top="{m[2]}" bottom="{m[3]}" header="{m[4]}" footer="{m[5]}"/>')
        orientation = "landscape" if self.landscape else "portrait"
        out.append(f'<pageSetup paperSize="9" orientation="{orientation}"' + (' fitToWidth="1" fitToHeight="0"' if self.fit_to_page else "") + "/>")
        if self.header or self.footer:
            out.append("<headerFooter>" + _hf("oddHeader", self.header) + _hf("oddFooter", self.footer) + "</headerFooter>")
        if self.breaks:
            n = len(self.breaks)
            out.append(
                f'<rowBreaks count="{n}" manualBreakCount="{n}">' + "".join(f'<brk id="{b}" max="16383" man="1"/>' for b in self.breaks) + "</rowBreaks>"
            )
        if drawing:
            out.append(f'<drawing r:id="{drawing}"/>')
        out.append("</worksheet>")
        return "".join(out)


class Rows:
    """Rows of many units of one shape, made a row of every unit at a time: :meth:`put` gives row ``at``
    of each unit (a template and a column of values), :meth:`write` writes them all, unit after unit.

    Each distinct value's cell XML is made once (and kept for later blocks, up to MEMO a template
    cell); cells every unit of the block shows alike are joined to their neighbours once, and so are
    the unit's own cells that many rows repeat.  A unit's rows are then one join of the pieces, the
    rows' numbers among them (a row's, and a cell's where it does not follow the cell before it:
    :meth:`Sheet._write`).  What is written is what writing each row with
    :meth:`Sheet.row` would write: the same cells and looks, numbers as their shortest text, widths
    and heights counted alike, and new looks made in the order rows written one at a time would first
    use them (so the styles come out the same); shared texts may be numbered in another order."""

    def __init__(self, sheet: Sheet, first: int, units: int, per_unit: int):
        self.sheet, self.first, self.units, self.per_unit = sheet, first, units, per_unit
        self._rows: dict[int, tuple[list[Slot], list[list]]] = {}
        self._none = [None] * units  # an EMPTY slot's values

    def put(self, at: int, slots: list[Slot], values: list[list]) -> None:
        """Row ``at`` of every unit (0: a unit's first row): ``slots`` in column order, and one list of
        values a unit for each TEXT or NUMBER slot, in order (text, a number, or None)."""
        self._rows[at] = (slots, values)

    def write(self) -> None:
        s, n, per = self.sheet, self.units, self.per_unit
        assert s._held is None, "rows held for a paragraph: write with row()"
        assert sorted(self._rows) == list(range(per)), "every row of a unit is put"
        last = self.first + n * per - 1
        s.reach(last)
        if n == 0:
            return
        rows = [self._cells(at) for at in range(per)]
        for key in [key for key, (texts, _) in s._memo.items() if len(texts) > MEMO]:  # forgotten between blocks only
            del s._memo[key]
        cells = self._cell_texts(rows)
        uses = Counter(id(values) for row in rows for _, values, _ in row)  # the unit's own cells repeat on many rows
        joined: dict[tuple, list[bytes]] = {}
        pieces: list[list[bytes]] = []
        numbers = _decimals(self.first, last)
        for at, row in enumerate(rows):  # each row's numbers (a piece a unit) go between the pieces around them
            opening = b'<row r="' if at == 0 else b""  # a row's opening ends the row before it
            closing = b"</row>" if at == per - 1 else b'</row><row r="'
            pieces += self._pieces(row, numbers[at::per], opening, closing, cells, uses, joined)
        s._flush()
        width = len(pieces)
        laid: list[bytes] = [b""] * (n * width)  # unit after unit: each column of pieces laid into its place at once
        for k, column in enumerate(pieces):
            laid[k::width] = column
        step = JOINED * width
        for k in range(0, n * width, step):  # JOINED units at a time: their rows' XML is small and is compressed as it comes
            s._rows.write(b"".join(laid[k : k + step]))
        s.last_row = last
        s.last_col = max(s.last_col, *(row[-1][0].col for row in rows))

    def _cells(self, at: int) -> list[tuple[Slot, list, bool]]:
        """Row ``at``'s cells: (slot, values a unit, whether the cell follows the one before it)."""
        slots, values = self._rows[at]
        given = iter(values)
        cols = [0] + [slot.col for slot in slots]
        out = [(slot, self._none if slot.typ == EMPTY else next(given), slot.col == before + 1) for slot, before in zip(slots, cols)]
        assert next(given, None) is None, "a list of values for each TEXT or NUMBER slot"
        return out

    def _look(self, slot: Slot, v) -> Look:
        if slot.typ == EMPTY:
            return slot.look
        if v is None or v == "":
            return slot.blank or slot.look
        if slot.typ == TEXT and v.startswith(FORMULA_START):
            return slot.look._replace(quote=True)
        return slot.look

    def _firsts(self, slot: Slot, new: list) -> list[tuple[Look, object]]:
        """The looks the values in ``new`` take (:meth:`_look`), each with the first of them taking it: new values
        come in the order they first come in their column, so that is where the look is first used."""
        if slot.typ == EMPTY:
            return [(slot.look, new[0])]
        out = []
        blank = [k for k in map(_position, repeat(new), (None, "")) if k is not None]
        if blank:
            out.append((slot.blank or slot.look, new[min(blank)]))
        text = slot.typ == TEXT
        plain = next((v for v in new if v is not None and v != "" and not (text and v.startswith(FORMULA_START))), None)
        if plain is not None:
            out.append((slot.look, plain))
        formula = next((v for v in new if v and v.startswith(FORMULA_START)), None) if text and _formula_like(new) else None
        if formula is not None:  # (_formula_like may say yes for a NUL of a text's own: then there is none)
            out.append((slot.look._replace(quote=True), formula))
        return out

    def _cell_texts(self, rows: list[list[tuple[Slot, list, bool]]]) -> dict[tuple, list[bytes]]:
        """Each cell's XML for every unit, by (slot, id of the values, whether it follows the cell before);
        values not met before are made now, their new looks first, in the order rows written one at a time
        would use them: by unit, row, then column; new values in the order they come (so shared texts are
        numbered alike in every run)."""
        s = self.sheet
        out: dict[tuple, list[bytes]] = {}
        missed = []
        for at, row in enumerate(rows):
            for slot, values, follows in row:
                key = (slot, id(values), follows)
                if key in out:
                    continue
                memo = s._memo.get((slot, follows))
                if memo is None:
                    memo = s._memo[(slot, follows)] = ({}, {})
                try:
                    if _alike(values):  # the same for every unit
                        out[key] = [memo[0][values[0]]] * len(values)
                    else:
                        out[key] = list(map(memo[0].__getitem__, values))
                except KeyError:
                    out[key] = []  # made below
                    seen = memo[0]
                    missed.append((at, slot, values, follows, memo, [v for v in dict.fromkeys(values) if v not in seen]))
        if not missed:
            return out
        xfs = s.book.styles.xfs
        first: dict[Look, tuple[int, int, int]] = {}
        for at, slot, values, _, _, new in missed:
            if slot.look in xfs and (slot.blank or slot.look) in xfs and (slot.typ != TEXT or not _formula_like(new)):
                continue  # every look these values can take is made
            for look, v in self._firsts(slot, new):
                if look not in xfs:
                    where = (values.index(v), at, slot.col)
                    if look not in first or where < first[look]:
                        first[look] = where
        for look in sorted(first, key=first.__getitem__):
            s.book.styles.xf(look)
        made: set[int] = set()  # the memos cells were made into: a value new to one may have been made since for another
        for _, slot, values, follows, (texts, tall), new in missed:
            self._make(slot, follows, [v for v in new if v not in texts] if id(texts) in made else new, texts, tall)
            made.add(id(texts))
            got = out[(slot, id(values), follows)] = list(map(texts.__getitem__, values))
            if slot.typ == NUMBER and 0.0 in texts and values.count(0.0):  # 0.0 and -0.0 are one key
                k = -1
                for _ in range(values.count(0.0)):
                    k = values.index(0.0, k + 1)
                    if math.copysign(1.0, values[k]) < 0:
                        got[k] = got[k].replace(b"<v>0</v>", b"<v>-0</v>")
                        s.measure_number(slot.col, -0.0)  # "-0.00": one wider than 0.0, which the bounds saw
        return out

    def _make(self, slot: Slot, follows: bool, new: list, texts: dict, tall: dict) -> None:
        """The XML of cells of ``slot`` holding the values in ``new`` (each once), into ``texts`` (and the lines of
        those of more than one line into ``tall``); widths counted.  ``follows``: whether the cell follows
        the one before it in its row (written without its reference, :meth:`Sheet._write`).  Every look these
        cells take was made before (:meth:`_cell_texts`); a score sheet makes some 250 000 texts, so the
        work done for each is kept small."""
        s = self.sheet
        xf, col = s.book.styles.xf, slot.col
        ref = b"<c" if follows else b'"'  # a cell written with its reference goes on after its row's number (Rows._pieces)
        opened: dict[Look, bytes] = {}

        def start(look: Look) -> bytes:  # the cell up to its type, for each look once
            b = opened.get(look)
            if b is None:
                b = opened[look] = ref + b' s="%d"' % xf(look)
            return b

        if slot.typ == EMPTY:
            for v in new:
                texts[v] = start(slot.look) + b"/>"
            return
        given = [v for v in new if v is not None and v != ""]
        if len(given) < len(new):
            for v in new:
                if v is None or v == "":
                    texts[v] = start(slot.blank or slot.look) + b"/>"
        if not given:
            return
        if slot.typ == NUMBER:
            head = start(slot.look) + b"><v>"
            for v in given:
                texts[v] = head + _number(v or 0.0).encode() + b"</v></c>"  # a zero as 0 (-0.0 is put back by the caller)
            lo, hi = min(given), max(given)  # a column's widest number is its largest or its smallest
            b = s._bounds.get(col)
            if b is None:
                s._bounds[col] = [lo, hi]
            else:
                b[0], b[1] = min(b[0], lo), max(b[1], hi)
            return
        w, widest = s.widths.get(col, 0), min(s.maximum.get(col, MAX_WIDTH), MAX_WIDTH)
        if w < widest:  # else no text can widen the column (Sheet.measure)
            for v in given:
                if 2 * len(v) > w:  # only a text this long can widen it
                    s.measure(col, v)
                    w = s.widths.get(col, 0)
                    if w >= widest:
                        break
        room = s.room(col) if slot.look.wrap else 0
        if room:  # the lines of those that may take more than one (_lines), the widths of a line's texts at once
            long = [v for v in given if 2 * len(v) > room or "\n" in v]
            broken = [v for v in long if "\n" in v]
            one = [v for v in long if "\n" not in v] if broken else long
            for v, width in zip(one, display_widths(one)):
                if width > room:
                    tall[v] = -(-width // room)
            for v in broken:
                lines = _lines(v, room)
                if lines > 1:
                    tall[v] = lines
        inline = given
        if slot.shared:
            number, inline = s.book.strings.number, []
            for v in given:
                k = number(v)
                if k is None:
                    inline.append(v)
                else:
                    texts[v] = start(self._look(slot, v)) + b' t="s"><v>%d</v></c>' % k
        if not inline:
            return

        def alone(v: str) -> bytes:
            look = slot.look._replace(quote=True) if v.startswith(FORMULA_START) else slot.look
            t = b'<t xml:space="preserve">' if v[0].isspace() or v[-1].isspace() else b"<t>"
            return start(look) + b' t="inlineStr"><is>' + t + _xml(v).encode() + b"</t></is></c>"

        # the inline texts escaped and made into cells at once, joined by a character no XML text holds; then
        # those that start like a formula or start or end with a space (few) made again one by one.  One by one
        # from the start where the plain look is not made yet (every text takes the quoted one, and the plain
        # look is not to be made)
        joined = "\x00".join(inline)
        if joined.count("\x00") != len(inline) - 1 or slot.look not in s.book.styles.xfs:
            for v in inline:
                texts[v] = alone(v)
            return
        head, tail = start(slot.look) + b' t="inlineStr"><is><t>', b"</t></is></c>"
        texts.update(zip(inline, (head + _xml(joined).encode().replace(b"\x00", tail + b"\x00" + head) + tail).split(b"\x00")))
        if _EDGE.search(joined) is not None or joined[0] in FORMULA_START or joined[0].isspace() or joined[-1].isspace():
            for v in inline:
                if v.startswith(FORMULA_START) or v[0].isspace() or v[-1].isspace():
                    texts[v] = alone(v)

    def _pieces(
        self, row: list[tuple[Slot, list, bool]], numbers: list[bytes], opening: bytes, closing: bytes, cells: dict, uses: Counter, joined: dict
    ) -> list[list[bytes]]:
        """One row of every unit as columns of pieces (joined along a unit, its row): ``opening``, the row's
        number, the rest of its opening tag, its cells, ``closing``.  Cells every unit shows alike are joined
        to their neighbours of that kind once and go as a piece of their own (the same bytes for every
        unit), never copied onto each unit's cell; runs of the unit's own cells that other rows repeat are
        joined once for them all."""
        n = self.units
        parts: list[tuple[bytes, list[bytes], bool]] = [(opening, numbers, False)]  # (what goes before, a piece a unit, repeated by other rows)
        head = self._row_head(row)
        before = head if isinstance(head, bytes) else b""
        if isinstance(head, list):
            parts.append((b"", head, False))
        for slot, values, follows in row:
            if not follows:  # its reference: the column's letters and the row's number, then the cell
                parts.append((before + b'<c r="' + _LETTERS[slot.col].encode(), numbers, False))
                before = b""
            got = cells[(slot, id(values), follows)]
            if values is self._none or _alike(got):  # the same for every unit
                before += got[0]
            else:
                parts.append((before, got, uses[id(values)] > 1))
                before = b""
        end = before + closing
        out: list[list[bytes]] = []
        k = 0
        while k < len(parts):
            start = k
            while parts[k][2] and k + 1 < len(parts) and parts[k + 1][2] and not parts[k + 1][0]:
                k += 1
            k += 1
            after = end if k == len(parts) else b""
            if k - start == 1:  # what goes before and after it as pieces of their own: joined with the unit's other pieces
                if parts[start][0]:
                    out.append([parts[start][0]] * n)
                out.append(parts[start][1])
                if after:
                    out.append([after] * n)
                continue
            key = (parts[start][0], *(id(p[1]) for p in parts[start:k]), after)
            if key not in joined:
                run = [[parts[start][0]] * n, *(p[1] for p in parts[start:k]), [after] * n]
                joined[key] = list(map(b"".join, zip(*run)))
            out.append(joined[key])
        return out

    def _row_head(self, row: list[tuple[Slot, list, bool]]) -> bytes | list[bytes]:
        """Each unit's row from after its number up to its first cell: with its height where wrapped text
        takes more than a line (as :meth:`Sheet.row` counts them); one text when every unit's is the same."""
        s, counts, least = self.sheet, [], 1  # least: the lines of the texts every unit's row shows alike
        for slot, values, follows in row:
            if slot.typ == TEXT and slot.look.wrap:
                tall = s._memo[(slot, follows)][1]
                if not tall:
                    continue
                if _alike(values):
                    least = max(least, tall.get(values[0], 1))
                elif not tall.keys().isdisjoint(values):
                    counts.append(list(map(tall.get, values, repeat(1, len(values)))))
        if not counts:
            return _HEADS[least]
        most = list(map(max, *counts)) if len(counts) > 1 else counts[0]
        if least > 1:
            most = [k if k > least else least for k in most]
        return list(map(_HEADS.__getitem__, most))


class _Heads(dict):
    """A row's opening tag from after its number, by the lines its tallest text takes: with its height where
    more than one (made the first time it is asked for)."""

    def __missing__(self, lines: int) -> bytes:
        head = self[lines] = b'"' + (_height(15 * lines + 2).encode() if lines > 1 else b"") + b">"
        return head


_HEADS = _Heads()


_TWO = [b"%02d" % k for k in range(100)]
_ONE = [b"%d" % k for k in range(100)]


def _decimals(first: int, last: int) -> list[bytes]:
    """The numbers ``first`` to ``last`` (not negative) written out, each its hundreds' digits and its last
    two joined: a list of ready texts of two digits spares formatting each number."""
    lo = first // 100
    out = [h + t for h in map(b"%d".__mod__, range(max(lo, 1), last // 100 + 1)) for t in _TWO]
    if lo == 0:
        out = _ONE + out
    return out[first - 100 * lo : last - 100 * lo + 1]


def _position(values: list, v) -> int | None:
    """Where ``v`` is first among ``values``; None where it is not."""
    try:
        return values.index(v)
    except ValueError:
        return None


def _alike(values: list) -> bool:
    """Whether every one of ``values`` (at least one) is the same: most columns that are not differ at their
    ends already, and are told so without a look at the rest."""
    return values[0] == values[-1] and values.count(values[0]) == len(values)


def _formula_like(texts: list) -> bool:
    """Whether any of ``texts`` starts like a formula (None and empty texts among them): a text's first
    character is the joined texts' first, or follows the NUL joining it to the one before (a NUL of a text's
    own may say yes, never no)."""
    joined = "\x00".join(filter(None, texts))
    return joined[:1] in FORMULA_START or _FORMULA_NEXT.search(joined) is not None


def _lines(text: str, room: int) -> int:
    """Lines ``text`` takes where a line holds ``room`` display columns."""
    if "\n" not in text:
        return 1 if 2 * len(text) <= room else max(1, -(-display_width(text) // room))
    return sum(max(1, -(-display_width(part) // room)) for part in text.split("\n"))


def _height(h: float | None) -> str:
    return "" if h is None else f' ht="{_number(h)}" customHeight="1"'


def _hf(tag: str, parts: list[tuple[str, int, str]]) -> str:
    if not parts:
        return ""
    # texts are Excel's header codes already (&P, &N; a literal & doubled by the caller)
    text = "".join(f"&{where}" + (f"&{size} " if size else "") + t for where, size, t in parts if t)
    return f"<{tag}>{_xml(text)}</{tag}>"


def sheet_ref(title: str) -> str:
    """A sheet's name as formulas and defined names write it."""
    return "'" + title.replace("'", "''") + "'"


def absolute(ref: str) -> str:
    """A1:B2 → $A$1:$B$2."""
    return re.sub(r"([A-Z]+)(\d+)", r"$\1$\2", ref)


class Book:
    """A workbook written sheet by sheet: :meth:`add` each filled sheet, then :meth:`close`."""

    def __init__(self, title: str, creator: str):
        self.title, self.creator = title, creator
        self.styles = _Styles()
        self.strings = _Strings()
        self.now = time.gmtime()
        self.zip = _Zip(self.now)
        self.sheets: list[Sheet] = []
        self.charts = 0

    def sheet(self, title: str, places: int, minimum: dict[int, int] | None = None, maximum: dict[int, int] | None = None) -> Sheet:
        return Sheet(self, title, places, minimum, maximum)

    def add(self, s: Sheet) -> Iterator[bytes]:
        """The sheet's part (and its chart's) as zip bytes; the sheet's spool is then released."""
        self.sheets.append(s)
        n = len(self.sheets)
        drawing = None
        if s.chart is not None:
            self.charts += 1
            c = self.charts
            drawing = "rId1"
            yield from self.zip.whole(f"xl/charts/chart{c}.xml", s.chart)
            yield from self.zip.whole(f"xl/drawings/drawing{c}.xml", _drawing(*s.anchor))
            yield from self.zip.whole(f"xl/drawings/_rels/drawing{c}.xml.rels", _rels([("rId1", f"{_R}/chart", f"/xl/charts/chart{c}.xml")]))
            yield from self.zip.whole(f"xl/worksheets/_rels/sheet{n}.xml.rels", _rels([("rId1", f"{_R}/drawing", f"/xl/drawings/drawing{c}.xml")]))
        s._release()
        s._flush()
        s._rows.end(False)
        head, tail = _Bytes(), _Bytes()
        h, t = _Deflate(head), _Deflate(tail)
        h.write(s._head().encode("utf-8"))
        h.end(False)
        t.write(s._tail(drawing).encode("utf-8"))
        t.end(True)
        rows = s._rows
        crc = crc32_combine(crc32_combine(h.crc, rows.crc, rows.size), t.crc, t.size)
        yield from self.zip.member(
            f"xl/worksheets/sheet{n}.xml", crc, h.size + rows.size + t.size, h.csize + rows.csize + t.csize, _chunks(head.parts, s._spool, tail.parts)
        )

    def close(self) -> Iterator[bytes]:
        sheets = self.sheets
        names = []
        for k, s in enumerate(sheets):
            ref = sheet_ref(s.title)
            if s.filter:
                names.append(f'<definedName name="_xlnm._FilterDatabase" localSheetId="{k}" hidden="1">{_xml(ref)}!{absolute(s.filter)}</definedName>')
            if s.print_titles:
                names.append(f'<definedName name="_xlnm.Print_Titles" localSheetId="{k}">{_xml(ref)}!{s.print_titles}</definedName>')
            if s.print_area:
                names.append(f'<definedName name="_xlnm.Print_Area" localSheetId="{k}">{_xml(ref)}!{absolute(s.print_area)}</definedName>')
        workbook = (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook xmlns="{_NS}" xmlns:r="{_R}"><workbookPr/>'
            '<bookViews><workbookView activeTab="0"/></bookViews><sheets>'
            + "".join(f'<sheet name="{_attr(s.title)}" sheetId="{k}" r:id="rId{k}"/>' for k, s in enumerate(sheets, start=1))
            + "</sheets>"
            + (f"<definedNames>{''.join(names)}</definedNames>" if names else "")
            + '<calcPr calcId="124519" fullCalcOnLoad="1"/></workbook>'
        )
        n = len(sheets)
        rels = [(f"rId{k}", f"{_R}/worksheet", f"/xl/worksheets/sheet{k}.xml") for k in range(1, n + 1)]
        rels += [(f"rId{n + 1}", f"{_R}/styles", "/xl/styles.xml")]
        shared = bool(self.strings.index)
        if shared:
            rels += [(f"rId{n + 2}", f"{_R}/sharedStrings", "/xl/sharedStrings.xml")]
        yield from self.strings.part(self.zip)
        yield from self.zip.whole("xl/workbook.xml", workbook)
        yield from self.zip.whole("xl/_rels/workbook.xml.rels", _rels(rels))
        yield from self.zip.whole("xl/styles.xml", self.styles.xml())
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", self.now)
        core = (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
            f"<dc:creator>{_xml(self.creator)}</dc:creator><dc:title>{_xml(self.title)}</dc:title>"
            f'<dcterms:created xsi:type="dcterms:W3CDTF">{stamp}</dcterms:created>'
            f'<dcterms:modified xsi:type="dcterms:W3CDTF">{stamp}</dcterms:modified></cp:coreProperties>'
        )
        yield from self.zip.whole("docProps/core.xml", core)
        yield from self.zip.whole(
            "docProps/app.xml",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"><Application>Microsoft Excel</Application></Properties>',
        )
        yield from self.zip.whole(
            "_rels/.rels",
            _rels(
                [
                    ("rId1", f"{_R}/officeDocument", "xl/workbook.xml"),
                    ("rId2", "http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties", "docProps/core.xml"),
                    ("rId3", f"{_R}/extended-properties", "docProps/app.xml"),
                ]
            ),
        )
        ct = "application/vnd.openxmlformats-officedocument"
        over = [("/xl/workbook.xml", f"{ct}.spreadsheetml.sheet.main+xml"), ("/xl/styles.xml", f"{ct}.spreadsheetml.styles+xml")]
        over += [(f"/xl/worksheets/sheet{k}.xml", f"{ct}.spreadsheetml.worksheet+xml") for k in range(1, n + 1)]
        if shared:
            over += [("/xl/sharedStrings.xml", f"{ct}.spreadsheetml.sharedStrings+xml")]
        for c in range(1, self.charts + 1):
            over += [(f"/xl/charts/chart{c}.xml", f"{ct}.drawingml.chart+xml"), (f"/xl/drawings/drawing{c}.xml", f"{ct}.drawing+xml")]
        over += [
            ("/docProps/core.xml", "application/vnd.openxmlformats-package.core-properties+xml"),
            ("/docProps/app.xml", f"{ct}.extended-properties+xml"),
        ]
        types = (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>' + "".join(f'<Override PartName="{p}" ContentType="{c}"/>' for p, c in over) + "</Types>"
        )
        yield from self.zip.whole("[Content_Types].xml", types)
        yield self.zip.end()


def _chunks(head: list[bytes], spool, tail: list[bytes]) -> Iterator[bytes]:
    yield from head
    spool.seek(0)
    while True:
        b = spool.read(1 << 20)
        if not b:
            break
        yield b
    spool.close()
    yield from tail


def _rels(items: list[tuple[str, str, str]]) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        + "".join(f'<Relationship Id="{i}" Type="{t}" Target="{target}"/>' for i, t, target in items)
        + "</Relationships>"
    )


def _drawing(row: int, col: int, width_cm: float, height_cm: float) -> str:
    emu = 360000  # EMU per cm
    return (
        '<wsDr xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" xmlns:c="http://schemas.openxmlformats.org/drawingml/2006/chart" '
        f'xmlns:r="{_R}" xmlns="http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing">'
        f"<oneCellAnchor><from><col>{col}</col><colOff>0</colOff><row>{row}</row><rowOff>0</rowOff></from>"
        f'<ext cx="{round(width_cm * emu)}" cy="{round(height_cm * emu)}" />'
        '<graphicFrame><nvGraphicFramePr><cNvPr id="1" name="Chart 1" /><cNvGraphicFramePr /></nvGraphicFramePr><xfrm />'
        '<a:graphic><a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/chart"><c:chart r:id="rId1" /></a:graphicData></a:graphic>'
        "</graphicFrame><clientData /></oneCellAnchor></wsDr>"
    )


def bar_chart(
    title: str,
    sheet: str,
    first: int,
    last: int,
    points: list[tuple[int, str]],
    lo: float,
    hi: float,
    lines: list[tuple[str, str, str]],
) -> str:
    """Horizontal bars of the totals (column D, rows ``first``–``last``, names in column C, the series
    named by D's header above), first row at the top, every name labelled; ``points``: (index, colour)
    of bars drawn in another colour; ``lines``: (title, x range, y range) of dashed XY series drawn over
    the bars on the bars' value axis (a vertical line each), against a hidden 0–1 axis."""
    ref = sheet_ref(sheet)

    def fill(color: str) -> str:
        return f'<spPr><a:solidFill><a:srgbClr val="{color}" /></a:solidFill><a:ln><a:prstDash val="solid" /></a:ln></spPr>'

    dpts = "".join(f'<dPt><idx val="{i}" />{fill(c)}</dPt>' for i, c in points)
    bars = (
        '<barChart><barDir val="bar" /><grouping val="clustered" /><ser><idx val="0" /><order val="0" />'
        f"<tx><strRef><f>{_xml(ref)}!D{first - 1}</f></strRef></tx>{fill('3F6FA8')}{dpts}"
        f"<cat><numRef><f>{_xml(ref)}!$C${first}:$C${last}</f></numRef></cat><val><numRef><f>{_xml(ref)}!$D${first}:$D${last}</f></numRef></val></ser>"
        '<gapWidth val="40" /><axId val="10" /><axId val="100" /></barChart>'
    )
    xy = ""
    if lines:
        xy = "<scatterChart>"
        for k, (name, xs, ys) in enumerate(lines, start=1):
            xy += (
                f'<ser><idx val="{k}" /><order val="{k}" /><tx><v>{_xml(name)}</v></tx>'
                '<spPr><a:ln w="19050"><a:solidFill><a:srgbClr val="C0392B" /></a:solidFill><a:prstDash val="dash" /></a:ln></spPr>'
                '<marker><symbol val="none" /><spPr><a:ln><a:prstDash val="solid" /></a:ln></spPr></marker>'
                f"<xVal><numRef><f>{_xml(ref)}!{xs}</f></numRef></xVal><yVal><numRef><f>{_xml(ref)}!{ys}</f></numRef></yVal>"
                '<smooth val="0" /></ser>'
            )
        xy += '<axId val="100" /><axId val="300" /></scatterChart>'
    axes = (
        '<catAx><axId val="10" /><scaling><orientation val="maxMin" /></scaling><delete val="0" /><axPos val="l" />'
        '<majorTickMark val="none" /><minorTickMark val="none" /><crossAx val="100" /><lblOffset val="100" /><tickLblSkip val="1" /></catAx>'
        f'<valAx><axId val="100" /><scaling><orientation val="minMax" /><max val="{_number(hi)}" /><min val="{_number(lo)}" /></scaling>'
        '<delete val="0" /><axPos val="l" /><majorGridlines /><majorTickMark val="none" /><minorTickMark val="none" /><crossAx val="10" /></valAx>'
    )
    if lines:
        axes += (
            '<valAx><axId val="300" /><scaling><orientation val="minMax" /><max val="1" /><min val="0" /></scaling><delete val="1" />'
            '<axPos val="l" /><majorTickMark val="none" /><minorTickMark val="none" /><crossAx val="100" /><crosses val="max" /></valAx>'
        )
    return (
        '<chartSpace xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" xmlns="http://schemas.openxmlformats.org/drawingml/2006/chart">'
        '<style val="10" /><chart><title><tx><rich><a:bodyPr /><a:p><a:pPr><a:defRPr /></a:pPr>'
        f"<a:r><a:t>{_xml(title)}</a:t></a:r></a:p></rich></tx></title><plotArea>{bars}{xy}{axes}</plotArea>"
        + ('<legend><legendPos val="b" /></legend>' if lines else "")
        + f'<plotVisOnly val="{0 if lines else 1}" /><dispBlanksAs val="gap" /></chart></chartSpace>'
    )
