"""Files as tables of rows: CSV text and XLSX workbooks look the same to the reader above.

A :class:`Table` is one CSV file or one worksheet: its rows, numbered as a spreadsheet
numbers them (first row = 1), each a sequence of raw cells (``str`` from CSV; values as
python-calamine gives them from XLSX — numbers as float, dates as date or datetime, an empty
cell as "" —, with numbers formatted as percentages wrapped in
:class:`~scoring.load.values.Percent`, and error cells as their text, "#DIV/0!").  Nothing here knows about units or fields.

Files that cannot be read at all (not a spreadsheet, an old .xls, a password-protected
or damaged workbook) raise :class:`Unreadable` carrying a located problem.  A workbook
that breaks in the middle of reading raises it too, from inside the row iterator, so the
caller can throw away everything it staged from that file: never a partial read.

python-calamine is imported only here, inside the functions that read a workbook.
"""

from __future__ import annotations

import csv
import re
import struct
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

from ..errors import Problem
from .values import Percent, as_text, column_letter, shown as shown_text

TEXT_EXTS = {".csv", ".tsv", ".txt"}
XLSX_EXTS = {".xlsx", ".xlsm"}
SPREADSHEET_EXTS = TEXT_EXTS | XLSX_EXTS
LEGACY_EXTS = {".xls", ".et", ".ods", ".numbers", ".wps", ".xlsb", ".ett", ".xlt", ".xltx"}
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
META_SHEET = "_模板信息"  # hidden sheet written by `scoring template`
SKIP_SHEET_PREFIXES = ("说明", "填报说明", "_", "#")


class Unreadable(Exception):
    """A file that cannot be read, or stopped being readable half-way."""

    def __init__(self, problem: Problem):
        super().__init__(problem.code)
        self.problem = problem


@dataclass
class Table:
    """One CSV file or one worksheet as numbered rows of raw cells."""

    file: str  # as shown to people: the name inside the data folder
    sheet: str | None  # None for CSV
    rows: Iterator[tuple[int, Sequence]]  # (row number, cells)
    meta: dict[str, str] = field(default_factory=dict)  # template identity (hidden sheet), if any
    data: bytes | None = None  # a comma-separated file's whole text as UTF-8, for readers that can take it in one go
    # A workbook sheet's explanation of an empty cell: (row, column index) -> ("merged", "B2:B3") or
    # ("formula", "=SUM(…)") for a formula saved without its result; None when the cell is simply
    # empty.  Known once the sheet's rows have been read.
    blank_cause: "Callable[[int, int], tuple[str, str] | None] | None" = None
    # A workbook sheet's word, once its rows have been read, that no cell is a boolean (TRUE) or a
    # percent-styled number: every number cell is then a plain float (see values.float_block).
    plain_numbers: "Callable[[], bool] | None" = None

    @property
    def prefix(self) -> str:
        """How a cell of this table is named: "file sheet!" or "file " before the A1 reference."""
        return f"{self.file} {self.sheet}!" if self.sheet is not None else f"{self.file} "


def _why_zh(e: OSError) -> str:
    """The system's reason in Chinese (its own text is English)."""
    import errno

    return {
        errno.EACCES: "没有读取权限",
        errno.EPERM: "没有读取权限",
        errno.ENOENT: "文件不存在",
        errno.EISDIR: "这是一个文件夹",
        errno.ELOOP: "符号链接循环",
        errno.ENAMETOOLONG: "路径过长",
        errno.EIO: "磁盘读取错误",
    }.get(e.errno or 0, f"系统错误 {e.errno}")


def sniff(path: Path, shown: str) -> str:
    """'text' or 'xlsx'; raises Unreadable for anything else, with the reason."""
    ext = path.suffix.lower()
    try:
        with open(path, "rb") as f:
            head = f.read(8)
    except OSError as e:
        raise Unreadable(Problem("data.cannot_open", {"detail": e.strerror or str(e), "why": _why_zh(e)}, file=shown)) from None
    if head.startswith(OLE_MAGIC):
        if _encrypted(path):
            raise Unreadable(Problem("data.encrypted", file=shown))
        raise Unreadable(Problem("data.legacy_format", {"ext": ext or "?"}, file=shown))
    if ext in LEGACY_EXTS:
        raise Unreadable(Problem("data.legacy_format", {"ext": ext}, file=shown))
    if ext not in SPREADSHEET_EXTS:
        raise Unreadable(Problem("data.not_spreadsheet", {"ext": ext or "（无扩展名）"}, file=shown))
    if head.startswith(ZIP_MAGIC):
        return "xlsx"  # also a workbook saved under a .csv name; noted by the caller
    if ext in XLSX_EXTS:
        reason = "data.empty_file" if head == b"" else "data.corrupt"
        raise Unreadable(Problem(reason, {"detail": "not a ZIP container"}, file=shown))
    return "text"


def _encrypted(path: Path) -> bool:
    """An OLE2 file holding an EncryptionInfo stream: an .xlsx with a password to open."""
    needle = "EncryptionInfo".encode("utf-16-le")
    with open(path, "rb") as f:
        return needle in f.read(1 << 20) or needle in f.read()


# -- CSV ---------------------------------------------------------------------------------
def read_text(path: Path, shown: str, notes: list[Problem]) -> Table:
    data = path.read_bytes()
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel's "Unicode text": UTF-16, tab-separated
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            raise Unreadable(Problem("data.not_utf8", file=shown)) from None
        notes.append(Problem("note.utf16", file=shown))
        return _text_table(path, shown, text.encode("utf-8"), notes)
    if data.startswith(b"\xef\xbb\xbf"):
        notes.append(Problem("note.bom", file=shown))
        data = data[3:]
    if not data.isascii():
        try:
            data.decode("utf-8")  # only to check: the text is decoded a line at a time as it is read
        except UnicodeDecodeError:
            try:
                data = data.decode("gb18030").encode("utf-8")
            except UnicodeDecodeError:
                raise Unreadable(Problem("data.not_utf8", file=shown)) from None
            notes.append(Problem("note.gbk", file=shown))
    return _text_table(path, shown, data, notes)


def _text_table(path: Path, shown: str, data: bytes, notes: list[Problem]) -> Table:
    """A text file's table, from its text as UTF-8."""
    if b"\x00" in data:
        text = data.decode("utf-8")
        if text.count("\x00") > 16:  # a binary file under a text name
            raise Unreadable(Problem("data.not_spreadsheet", {"ext": path.suffix.lower()}, file=shown))
        # a text file with a stray NUL (the csv module cannot read past it): name the line
        at = text.index("\x00")
        start = text.rfind("\n", 0, at) + 1
        end = text.find("\n", at)
        line = text[start : end if end >= 0 else len(text)].rstrip("\r")
        raise Unreadable(Problem("data.control_char", {"chars": "U+0000", "value": shown_text(line)}, file=shown, row=text.count("\n", 0, at) + 1))
    end = data.find(b"\n")
    first = (data if end < 0 else data[:end]).decode("utf-8")
    delimiter = ","
    if path.suffix.lower() == ".tsv" or ("\t" in first and "," not in first):
        delimiter = "\t"
        notes.append(Problem("note.tab", file=shown))
    reader = csv.reader(_lines(data), delimiter=delimiter)
    return Table(shown, None, _csv_rows(reader, shown), data=data if delimiter == "," else None)


def _lines(data: bytes) -> Iterator[str]:
    """UTF-8 text's lines, decoded one at a time as they are asked for, as a file opened with
    newline="" gives them to the csv module: each ends after "\n", "\r\n" or a lone "\r".

    (A line end is a byte of its own in UTF-8, never part of another character.)"""
    size = len(data)
    at = 0
    find = data.find
    if b"\r" not in data:
        while at < size:
            end = find(b"\n", at) + 1 or size
            yield data[at:end].decode("utf-8")
            at = end
        return
    while at < size:
        nl = find(b"\n", at)
        stop = size if nl < 0 else nl
        cr = find(b"\r", at, stop)
        if cr >= 0:
            end = cr + 2 if cr + 1 == nl else cr + 1
        else:
            end = size if nl < 0 else nl + 1
        yield data[at:end].decode("utf-8")
        at = end


def _csv_rows(reader, shown: str) -> Iterator[tuple[int, Sequence]]:
    n = 0
    try:
        for row in reader:
            n += 1
            yield n, row
    except csv.Error as e:
        raise Unreadable(Problem("data.bad_csv", {"detail": str(e)}, file=shown, row=n + 1)) from None


# -- XLSX --------------------------------------------------------------------------------
# What a workbook may unpack to, checked from the zip directory before anything is inflated:
# a few kilobytes can be made to unpack to gigabytes, and the reader holds a sheet whole.
MAX_UNPACKED = 1 << 30  # bytes, all parts together (a 170 000 × 50 sheet is about 300 MB)
MAX_RATIO = 200  # a part over RATIO_FLOOR packed tighter than this holds no spreadsheet (real sheets: 5-50)
RATIO_FLOOR = 1 << 24
# The rectangle from A1 to a sheet's farthest cell, which the cell reader allocates whole: two
# cells at A1 and XFD1048576 would ask for 17 billion.  33 M cells is 200 000 rows × 160 columns.
MAX_CELLS = 1 << 25


@dataclass
class Workbook:
    """An XLSX open for reading: python-calamine's workbook for the cell values, and the file's
    own parts (the zip package, as the OOXML standard lays it out) for what calamine does not
    say: where a sheet's XML is, which cell styles show percentages, merged ranges, formulas
    saved without their result, error cells."""

    book: Any  # python_calamine.CalamineWorkbook
    package: Any  # zipfile.ZipFile of the same file
    raw: bytes = b""  # the file's bytes, its parts as packed (a sheet is unpacked from them, see _Unpacking)

    def sheet_part(self, title: str) -> str:
        """The name of the worksheet's part: xl/workbook.xml names the sheet, its relationships locate it."""
        from xml.etree import ElementTree as ET

        main = _part(self.package, "", _OFFICE_DOCUMENT)  # xl/workbook.xml as a rule
        for sheet in ET.fromstring(self.package.read(main)).iter(f"{{{_MAIN_NS}}}sheet"):
            if sheet.get("name") == title:
                return _part(self.package, main, sheet.get(f"{{{_REL_NS}}}id", ""))
        raise KeyError(title)

    def sheet_pieces(self, part: str) -> Iterator[bytes]:
        """A worksheet's XML (its part, see ``sheet_part``) as stored, unpacked a piece at a time (see ``_pieces``)."""
        with self.package.open(part) as stream:
            yield from _pieces(stream)

    def percent_styles(self) -> frozenset[int]:
        """The cell styles (indices into xl/styles.xml's cellXfs) that show numbers as percentages."""
        from xml.etree import ElementTree as ET

        if "xl/styles.xml" not in self.package.namelist():
            return frozenset()
        styles = ET.fromstring(self.package.read("xl/styles.xml"))
        codes = {int(n.get("numFmtId", -1)): n.get("formatCode", "") for n in styles.iter(f"{{{_MAIN_NS}}}numFmt")}
        xfs = styles.find(f"{{{_MAIN_NS}}}cellXfs")
        return frozenset(
            k
            for k, xf in enumerate(xfs if xfs is not None else ())
            if _is_percent_format(codes.get(int(xf.get("numFmtId", 0))) or _BUILTIN_PERCENT.get(int(xf.get("numFmtId", 0)), ""))
        )


_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_OFFICE_DOCUMENT = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"
_BUILTIN_PERCENT = {9: "0%", 10: "0.00%"}  # the built-in number formats (ECMA-376 18.8.30) that show a percentage


def _part(package, source: str, rel: str) -> str:
    """The part a relationship of ``source`` ("" for the package) points to, by id or by type.

    Relationships of a/b.xml are in a/_rels/b.xml.rels; a target is relative to a/ unless it
    starts with "/"."""
    import posixpath
    from xml.etree import ElementTree as ET

    folder, name = posixpath.split(source)
    for r in ET.fromstring(package.read(posixpath.join(folder, "_rels", name + ".rels"))):
        if rel in (r.get("Id"), r.get("Type")):
            target = r.get("Target", "")
            return target[1:] if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
    raise KeyError(rel)


@contextmanager
def open_workbook(path: Path, shown: str) -> Iterator[Workbook]:
    """A workbook open for reading, never written.

    Read by its content, so a workbook saved under another extension (a .csv that is really
    an .xlsx) is read as one.  Refused before anything is unpacked when its parts would unpack
    to more than a submission can hold (see MAX_UNPACKED).
    """
    import io
    import zipfile

    try:
        raw = path.read_bytes()
        package = zipfile.ZipFile(io.BytesIO(raw))
    except (zipfile.BadZipFile, OSError, ValueError) as e:
        raise Unreadable(Problem("data.corrupt", {"detail": str(e)}, file=shown)) from None
    with package:
        _check_unpacked(package, shown)
        from python_calamine import CalamineWorkbook

        try:
            book = CalamineWorkbook.from_path(str(path))  # by content, whatever the extension
        except Exception as e:  # noqa: BLE001 - calamine raises its own kinds for damaged parts
            raise Unreadable(Problem("data.corrupt", {"detail": f"{type(e).__name__}: {e}"}, file=shown)) from None
        try:
            yield Workbook(book, package, raw)
        finally:
            book.close()


def _check_unpacked(package, shown: str) -> None:
    """Refuse a package whose parts, as its directory declares them, unpack to too much."""
    infos = package.infolist()
    total = sum(i.file_size for i in infos)
    for i in sorted(infos, key=lambda i: -i.file_size):
        ratio = i.file_size / max(i.compress_size, 1)
        if total > MAX_UNPACKED or (i.file_size > RATIO_FLOOR and ratio > MAX_RATIO):
            raise Unreadable(
                Problem(
                    "data.workbook_too_large",
                    {"part": i.filename, "size": round(i.file_size / 1e6), "ratio": round(ratio), "limit": MAX_UNPACKED // 1_000_000, "max_ratio": MAX_RATIO},
                    file=shown,
                )
            )


def _sheet_values(wb: Workbook, title: str, shown: str, found: "_Sheet | None" = None) -> list[list]:
    """A sheet's cell values from A1 (python-calamine: numbers as float, "" for an empty cell), once
    its XML, read a piece at a time, shows the cells span no more than MAX_CELLS.  What else the
    XML says (percent-styled cells, error cells, merged ranges, formulas saved without their
    result) goes to ``found``, a piece at a time."""
    part = wb.sheet_part(title)
    info = wb.package.getinfo(part)
    own = bool(wb.raw) and info.compress_type in (0, 8) and not info.flag_bits & 1  # deflated or stored, not encrypted
    copy = _Copy.make(wb, info) if own and COPY_FROM <= info.file_size <= COPY_UP_TO else None
    try:

        def pieces() -> Iterator[bytes]:
            if not own:
                return wb.sheet_pieces(part)
            unpacked = _pieces(_Unpacking(_packed(wb.raw, info), info.compress_type, info.file_size))
            return copy.tee(unpacked) if copy is not None and not copy.teed else unpacked

        _check_extent(*_scan(pieces, found), shown, title)
        book = copy.open() if copy is not None else None
    finally:
        if copy is not None:
            copy.close()
    if book is None:
        return wb.book.get_sheet_by_name(title).to_python(skip_empty_area=False)
    try:
        sheet = book.get_sheet_by_name(title)
    finally:
        book.close()  # the copy goes before the cells are made Python values
    return sheet.to_python(skip_empty_area=False)


# A sheet whose XML unpacks to this much is read by calamine from a copy of the package holding it
# unpacked (see _Copy): its unpacking, about 3 ms a MB, saved once more than what the copy costs
# (calamine reads the copy's shared strings and styles once more). Up to COPY_UP_TO: the copy sits
# in memory beside calamine's cells while it reads them, which for the largest sheets (a nation's
# 300 MB) would weigh more than the time saved.
COPY_FROM = 8 << 20
COPY_UP_TO = 128 << 20

_LOCAL = struct.Struct("<4s2B4HL2L2H")  # a part's local header, as the zip format (and zipfile) lays it out
_CENTRAL = struct.Struct("<4s4B4HL2L5H2L")  # its entry in the central directory
_END = struct.Struct("<4s4H2LH")  # the end of the central directory
_UTF8_NAME = 0x800  # general purpose flag: the part's name is UTF-8


class _Copy:
    """The package again, in an anonymous file in memory (Linux's memfd), with one sheet stored
    unpacked as the pass over its XML unpacks it: python-calamine then reads the sheet without
    unpacking it a second time (its own unpacking costs about as much as its parse of a tenth of
    the cells). The sheet keeps the CRC-32 the package declares, which calamine checks: the copy
    holds the bytes the pass looked at, or is refused. Every other part is copied as packed.

    calamine reads a workbook by its path (its reading of a Python file object goes a byte at a
    time), so the file is opened again by its /proc path; where there is no memfd or no /proc, or
    the package has what the copy does not write (encrypted parts, names given twice, sizes that
    would need ZIP64) or a part whose local header the copy cannot read past, or the copy cannot
    be written (memory full), there is no copy and calamine reads the file as it is: a workbook
    reads the same, or is refused the same, whether its sheet is copied or not."""

    def __init__(self, wb: Workbook, info, f, parts: list):
        self.wb, self.info, self.f = wb, info, f
        self.parts = parts  # every other part and its bytes as packed
        self.central: list[bytes] = []
        self.teed = False  # the sheet's pieces went (or were to go) through tee once
        self.written = False  # ... and the copy holds them whole
        self.at = self.sheet_at = self.sheet_size = 0

    @staticmethod
    def possible() -> bool:
        """The system has anonymous in-memory files that can be opened again by a path."""
        import os

        return hasattr(os, "memfd_create") and os.path.isdir("/proc/self/fd")

    @classmethod
    def make(cls, wb: Workbook, info) -> "_Copy | None":
        import os
        import zipfile

        infos = wb.package.infolist()
        if (
            not cls.possible()
            or len(infos) >= 0xFFFF
            or any(i.flag_bits & 1 for i in infos)
            or len({i.filename for i in infos}) != len(infos)
            or sum(i.compress_size + i.file_size for i in infos) >= 0xFFFFFFFF
        ):
            return None
        try:  # every other part's bytes found before anything is written, or no copy
            parts = [(i, _packed(wb.raw, i)) for i in infos if i is not info]
        except zipfile.BadZipFile:
            return None
        try:
            f = os.fdopen(os.memfd_create("xlsx"), "w+b")  # closed on exec
        except OSError:
            return None
        return cls(wb, info, f, parts)

    @staticmethod
    def headers(i, method: int, packed: int, size: int, at: int) -> tuple[bytes, bytes]:
        """Part ``i``'s local header (its name included) and its entry in the directory, the part at ``at``."""
        name = i.filename.encode("utf-8")
        y, mo, d, h, mi, sec = i.date_time
        fields = (_UTF8_NAME, method, h << 11 | mi << 5 | sec // 2, (y - 1980) << 9 | mo << 5 | d, i.CRC, packed, size, len(name), 0)
        return (
            _LOCAL.pack(b"PK\x03\x04", 20, 0, *fields) + name,
            _CENTRAL.pack(b"PK\x01\x02", 20, 0, 20, 0, *fields, 0, 0, 0, 0, at) + name,
        )

    def entry(self, i, method: int, packed: int, size: int, data: "bytes | memoryview") -> None:
        """Part ``i``'s local header and ``data``, and its entry in the directory to come."""
        local, central = self.headers(i, method, packed, size, self.at)
        self.f.write(local)
        self.f.write(data)
        self.central.append(central)
        self.at += len(local) + packed

    def tee(self, pieces: Iterator[bytes]) -> Iterator[bytes]:
        """The sheet's pieces as they come, each written to the copy (after every other part) on its
        way; once the copy fails to take a write (memory full), the pieces go on without it."""
        self.teed = True
        writing = True
        try:
            for i, data in self.parts:
                self.entry(i, i.compress_type, i.compress_size, i.file_size, data)
            self.sheet_at = self.at
            self.entry(self.info, 0, 0, 0, b"")  # its sizes once it is written
        except OSError:
            writing = False
        for piece in pieces:
            if writing:
                try:
                    self.f.write(piece)
                except OSError:
                    writing = False
                self.sheet_size += len(piece)
            yield piece
        self.written = writing

    def open(self) -> Any:
        """python-calamine's workbook of the copy, once the sheet is written whole; None otherwise."""
        import os

        from python_calamine import CalamineWorkbook

        if not self.written:
            return None
        end = self.at + self.sheet_size
        local, self.central[-1] = self.headers(self.info, 0, self.sheet_size, self.sheet_size, self.sheet_at)
        directory = b"".join(self.central)
        try:
            self.f.seek(self.sheet_at)
            self.f.write(local)
            self.f.seek(end)
            self.f.write(directory + _END.pack(b"PK\x05\x06", 0, 0, len(self.central), len(self.central), len(directory), end, 0))
            self.f.flush()
        except OSError:
            return None
        path = f"/proc/self/fd/{self.f.fileno()}"
        if not os.path.exists(path):
            return None
        try:
            return CalamineWorkbook.from_path(path)  # calamine's own descriptor keeps the file once ours is closed
        except Exception:  # noqa: BLE001 - the file itself opened: it is the copy's way of being opened that failed
            return None

    def close(self) -> None:
        try:
            self.f.close()
        except OSError:  # what was held back for a write the copy could not take: closed all the same
            pass


def _packed(raw: bytes, info) -> memoryview:
    """A part's bytes as packed in the file: after its local header, ``compress_size`` of them."""
    import zipfile

    at = info.header_offset
    if at < 0 or at + 30 > len(raw):
        raise zipfile.BadZipFile(f"Bad offset for file header: {info.filename}")
    if raw[at : at + 4] != b"PK\x03\x04":
        raise zipfile.BadZipFile(f"Bad magic number for file header: {info.filename}")
    name, extra = struct.unpack_from("<HH", raw, at + 26)
    start = at + 30 + name + extra
    if start + info.compress_size > len(raw):
        raise zipfile.BadZipFile(f"Truncated part: {info.filename}")
    return memoryview(raw)[start : start + info.compress_size]


class _Unpacking:
    """A deflated (8) or stored (0) part as a stream, unpacked as it is read and never to more than
    the zip directory declares (held to MAX_UNPACKED before).  Its CRC is not worked out (zipfile's
    reader does, at the cost of a pass over the unpacked bytes): calamine checks it when it reads
    the same part, and refuses the workbook when it does not hold."""

    INPUT = 1 << 18  # packed bytes given to zlib at a time

    def __init__(self, data: memoryview, method: int, size: int):
        import zlib

        self.data, self.left, self.at = data, size, 0
        self.z = zlib.decompressobj(-15) if method == 8 else None

    def read(self, n: int) -> bytes:
        n = min(n, self.left)
        if n <= 0:
            return b""
        if self.z is None:
            out = bytes(self.data[self.at : self.at + n])
            self.at += len(out)
        else:
            parts = []
            want = n
            while want > 0:
                src: bytes | memoryview = self.z.unconsumed_tail
                if not src and self.at < len(self.data):
                    src = self.data[self.at : self.at + self.INPUT]
                    self.at += len(src)
                more = self.z.decompress(src, want)
                if not more and not src:  # all given, nothing held back: the end
                    break
                parts.append(more)
                want -= len(more)
            out = b"".join(parts)
        self.left -= len(out)
        return out


def _scan(pieces: Callable[[], Iterator[bytes]], found: "_Sheet | None" = None) -> tuple[int, int]:
    """(columns, rows) from A1 to the farthest cell reference of a sheet's XML, read in pieces
    (``pieces()``, see ``_pieces``), as ``_extent`` finds them in the whole XML; what else each piece
    says goes to ``found``."""
    cols = rows = 0
    prefixed = None
    slowly = formulas_before = False
    for piece in pieces():
        marks = _Marks(piece + _PAD)
        c, r = marks.extent()
        cols, rows = max(cols, c), max(rows, r)
        slowly |= marks.slowly
        if found is not None:
            if prefixed is None:  # the first piece holds the root element
                prefixed = b":worksheet" in piece[:300]
            marks.settle(found.percent, prefixed, formulas_before)
            formulas_before = marks.had_formula
            found.find(marks)
    if slowly:  # a reference written otherwise somewhere: the whole sheet's extent as _extent_slowly finds it
        cols = rows = 0
        for piece in pieces():
            c, r = _extent_slowly(piece)
            cols, rows = max(cols, c), max(rows, r)
    return cols, rows


PIECE = 1 << 20  # bytes of XML unpacked at a time: the searches of a piece stay in the processor's cache
_PAD = b" " * 16  # after a piece: the searches look up to 12 bytes past an "="


def _pieces(stream, size: int | None = None) -> Iterator[bytes]:
    """A sheet's XML from ``stream`` in pieces of about ``size`` bytes, each cut just after a row's
    end tag ("</row>", "</x:row>"), so no cell is ever split between two pieces; the last piece
    holds what follows the last row (merged ranges among it).  A row longer than ``size`` makes
    its piece longer."""
    size = size or PIECE
    held: list[bytes] = []  # read after the last cut, with no row end in it
    while True:
        more = stream.read(size)
        if not more:
            if held:
                yield b"".join(held)
            return
        tail = held[-1][-64:] if held else b""  # a tag that began in what is held
        cut = _after_last_row(tail + more) - len(tail)
        if cut < 0:
            held.append(more)
            continue
        yield b"".join([*held, more[:cut]])
        held = [more[cut:]]


def _after_last_row(xml: bytes) -> int:
    """Where the last row end tag of ``xml`` ends, or -1.  "row>" is such a tag when the tag it is in
    (from the "<" before it: text and attribute values hold no "<") is "</" or "</prefix:"."""
    i = xml.rfind(b"row>")
    while i >= 0:
        lt = xml.rfind(b"<", max(i - 64, 0), i)
        if lt >= 0 and xml.startswith(b"</", lt) and (lt + 2 == i or (xml[i - 1] == 58 and b" " not in xml[lt:i] and b">" not in xml[lt:i])):
            return i + 4
        i = xml.rfind(b"row>", 0, i)
    return -1


def read_meta(wb: Workbook, shown: str = "") -> dict[str, str]:
    """The identity a template carries in its hidden sheet (key in column A, value in B)."""
    if META_SHEET not in wb.book.sheet_names:
        return {}
    out: dict[str, str] = {}
    for row in _sheet_values(wb, META_SHEET, shown):
        if row and row[0] not in (None, ""):
            out[as_text(row[0])] = "" if len(row) < 2 or row[1] is None else as_text(row[1])
    return out


def worksheets(wb: Workbook, shown: str, notes: list[Problem]) -> list[Table]:
    """The visible worksheets as tables; the template's hidden sheet gives their identity."""
    from python_calamine import SheetTypeEnum, SheetVisibleEnum

    try:
        meta = read_meta(wb, shown)
        sheets = [m.name for m in wb.book.sheets_metadata if m.typ == SheetTypeEnum.WorkSheet and m.visible == SheetVisibleEnum.Visible]
        percent = wb.percent_styles()
    except Unreadable:
        raise
    except Exception as e:  # noqa: BLE001
        raise Unreadable(Problem("data.corrupt", {"detail": f"{type(e).__name__}: {e}"}, file=shown)) from None
    out = []
    for title in sheets:
        if title == META_SHEET:
            continue
        if title.startswith(SKIP_SHEET_PREFIXES):
            notes.append(Problem("note.sheet_skipped", {"sheet": title}, file=shown, sheet=title))
            continue
        sheet = _Sheet(wb, title, shown, percent)
        out.append(Table(shown, title, sheet.rows(), meta, blank_cause=sheet.blank_cause, plain_numbers=sheet.plain_numbers))
    return out


_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\b[^>]*?\bref="([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?"')
_FORMULA = re.compile(rb"<(?:\w+:)?f\b")
_CELL_REF = re.compile(rb'\br="([A-Z]+)(\d+)"')
_VALUE = re.compile(rb"<(?:\w+:)?v\b[^>]*>([^<]+)<")
_ERROR_CELL = re.compile(rb'<(?:\w+:)?c\b[^>]*?\bt="e"[^>]*>')
_ANY_REF = re.compile(rb"""\br\s*=\s*["']([A-Za-z]+)([0-9]+)["']""")


def _col_index(letters: bytes) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ch - 64
    return n - 1


def _check_extent(cols: int, rows: int, shown: str, title: str) -> None:
    """Refuse a sheet whose cells span more than MAX_CELLS from A1 (the reader holds that rectangle)."""
    if cols * rows > MAX_CELLS:
        far = f"{column_letter(cols - 1)}{rows}"
        raise Unreadable(Problem("data.sheet_too_large", {"range": f"A1:{far}", "cells": cols * rows, "far": far}, file=shown, sheet=title))


def _extent(xml: bytes) -> tuple[int, int]:
    """(columns, rows) from A1 to the farthest cell reference of a sheet's XML."""
    return _Marks(xml).extent()


def _extent_slowly(xml: bytes) -> tuple[int, int]:
    cols = rows = 0
    for m in _ANY_REF.finditer(xml):
        cols, rows = max(cols, _col_index(m.group(1)) + 1), max(rows, int(m.group(2)))
    return cols, rows


FEW = 64  # "f"s of a sheet's XML looked at one by one for a formula's closing tag


class _Marks:
    """A sheet's XML (or a piece of it, see ``_pieces``) and where in it an attribute is written:
    every "=" found once, with numpy.

    The cell references (the sheet's extent), error cells (t="e"), the cells of a percent style
    (s="N") and merged ranges (ref="…") are all attributes, so each is looked for among the "="
    of the XML rather than by a search of its own through the whole text."""

    def __init__(self, xml: bytes):
        import numpy as np

        self.xml = xml
        self.a = a = np.frombuffer(xml, np.uint8)
        self.eq = eq = np.flatnonzero(a == 61)
        # the bytes either side of each "=" (eq is in order: only the last can be the XML's last byte)
        self.before = a[eq - 1]
        self.after = a[1:][eq] if not len(eq) or eq[-1] + 1 < len(a) else a[np.minimum(eq + 1, len(a) - 1)]
        self._quotes: tuple | None = None  # after == '"', after == "'"
        self._named: dict[bytes, Any] = {}  # values_of's positions of each attribute name, found once
        self._fs: list[int] | None = None
        self.slowly = False  # the extent was found by _extent_slowly

    @property
    def quotes(self) -> tuple:
        """(the "=" followed by '"', those followed by "'"), as masks over ``eq``."""
        if self._quotes is None:
            self._quotes = (self.after == 34, self.after == 39)
        return self._quotes

    def _slowly(self) -> tuple[int, int]:
        self.slowly = True
        return _extent_slowly(self.xml)

    @property
    def fs(self) -> list[int]:
        """Every "f" of the XML (found when a formula is looked for)."""
        import numpy as np

        if self._fs is None:
            self._fs = np.flatnonzero(self.a == 102).tolist()
        return self._fs

    def settle(self, percent: frozenset[int], prefixed: bool | None = None, formulas_before: bool = False) -> None:
        """Find what the reading of the sheet uses — the cells of these percent styles, the tags
        of error cells and merged ranges, the formula elements — then let go of the arrays.
        ``prefixed``: the sheet's elements are written with a prefix (<x:c>); None to tell from
        this XML's start. ``formulas_before``: an earlier piece of the sheet had a formula (then
        every formula element of this one is looked at, as in the whole XML)."""
        self.percent_at = self.numbers_of(b" s", percent)
        self.error_tags = self.chunks(self.values_of(b"t", b'e"'))  # an error cell's tag holds t="e"
        self.merge_tags = self.chunks(self.values_of(b"ref"))  # a merged range's tag holds ref="…"
        self.booleans = bool(self.values_of(b"t", b'b"'))  # a boolean cell's tag holds t="b"
        # every formula cell, shared ones included, comes with some "</f>" ("</x:f>" in a prefixed sheet)
        xml = self.xml
        if prefixed is None:
            prefixed = b":worksheet" in xml[:300]
        closing = -1 if formulas_before else self.formula_closing(prefixed)
        self.formula_tags = []
        if formulas_before:
            self.formula_tags = self.formulas(0)
        elif closing >= 0:
            first_cell = max(xml.rfind(b"<c ", 0, closing), xml.rfind(b":c ", 0, closing), 0)  # the first formula's cell
            self.formula_tags = self.formulas(first_cell)
        self.had_formula = formulas_before or closing >= 0
        del self.a, self.eq, self.before, self.after, self._fs, self._quotes, self._named

    def extent(self) -> tuple[int, int]:
        """(columns, rows) from A1 to the farthest cell reference.

        Every r="B12" is read at once (a cell's reference, as every writer puts it); a sheet
        that writes one otherwise (r = "…", r='…') has each reference found by a regular
        expression instead."""
        import numpy as np

        a, eq = self.a, self.eq
        n = len(a)
        if n < 16:
            return 0, 0
        before, after = self.before, self.after
        double, single = self.quotes
        if len(eq) and (eq[0] < 2 or eq[-1] >= n - 12):  # an "=" at the very start or end (eq is in order)
            inside = (eq >= 2) & (eq < n - 12)
            eq, before, after, double, single = eq[inside], before[inside], after[inside], double[inside], single[inside]
        is_r = (before | 32) == 114
        if (before <= 32).any() or (is_r & single).any():
            return self._slowly()
        r = eq[is_r & double]
        p = r[a[r - 2] <= 32] + 2  # r="…" after a space
        if len(p) and p[-1] + 13 >= n:  # (a reference's 4 letters and 8 digits are looked at, p in order)
            a = np.concatenate([a, np.full(16, a[-1], np.uint8)])  # as if each look past the end saw the last byte
        col = np.zeros(len(p), np.int32)
        letters = np.zeros(len(p), np.int64)
        run = np.ones(len(p), bool)
        for k in range(4):  # letters, either case (XFD is the last column Excel makes)
            c = (a[p + k] | 32) - np.uint8(97)
            run &= c < 26
            if not run.any():
                break
            np.copyto(col, col * 26 + c + 1, where=run)
            letters += run
        else:
            if (run & ((a[p + 4] | 32) - np.uint8(97) < 26)).any():  # a fifth letter: beyond any sheet
                return self._slowly()
        q = p + letters
        row = np.zeros(len(p), np.int32)
        run = np.ones(len(p), bool)
        for k in range(8):  # then digits (1048576 is the last row)
            c = a[q + k] - np.uint8(48)
            run &= c < 10
            if not run.any():
                break
            np.copyto(row, row * 10 + c, where=run)
        else:  # eight digits or more: beyond any sheet
            return self._slowly()
        return int(col.max(initial=0)), int(row.max(initial=0))

    def values_of(self, name: bytes, value: bytes = b"") -> list[int]:
        """Where ``name="value…`` is written (the position of its "="): the attribute ``name``
        (its bytes just before the "=") with a value starting with ``value``; the value quoted
        with " or with ' (XML allows both: a '"' in ``value`` stands for the value's own quote)."""
        a = self.a
        q = self._named.get(name)
        if q is None:
            double, single = self.quotes
            q = self.eq[(self.before == name[-1]) & (double | single)]
            if len(q) and q[0] < len(name):  # (q is in order)
                q = q[q >= len(name)]
            for k, ch in enumerate(name[:-1]):
                q = q[a[q - len(name) + k] == ch]
            self._named[name] = q
        if len(q) and q[-1] + 1 + len(value) >= len(a):
            q = q[q + 1 + len(value) < len(a)]
        for k, ch in enumerate(value):
            q = q[a[q + 2 + k] == (a[q + 1] if ch == 34 else ch)]
        return q.tolist()

    def numbers_of(self, name: bytes, numbers: frozenset[int]) -> list[int]:
        """Where ``name="N"`` is written, N one of ``numbers`` written as Python writes it (no
        leading zero): the position of ``name``."""
        import numpy as np

        if not numbers:
            return []
        a = self.a
        q = np.asarray(self.values_of(name), np.int64) + 2  # the first digit
        digits = len(str(max(numbers)))
        value = np.zeros(len(q), np.int64)
        run = np.ones(len(q), bool)
        length = np.zeros(len(q), np.int64)
        for k in range(digits + 1):
            c = a[np.minimum(q + k, len(a) - 1)] - np.uint8(48)
            run &= (c < 10) & (q + k < len(a))
            value = np.where(run, value * 10 + c, value)
            length += run
        closed = a[np.minimum(q + length, len(a) - 1)] == 34
        ok = (length > 0) & (length <= digits) & closed & ((length == 1) | (a[np.minimum(q, len(a) - 1)] != 48))
        ok &= np.isin(value, np.fromiter(numbers, np.int64))
        return (q[ok] - 2 - len(name)).tolist()

    def chunks(self, positions: list[int]) -> list[tuple[int, int]]:
        """The stretches between two ">" that hold these positions, each once, in order: no tag
        reaches past one, so a tag written around a position is within its stretch."""
        xml = self.xml
        out: list[tuple[int, int]] = []
        for q in positions:
            lo = xml.rfind(b">", 0, q) + 1
            if not out or out[-1][0] != lo:
                hi = xml.find(b">", q)
                out.append((lo, hi + 1 if hi >= 0 else len(xml)))
        return out

    def formulas(self, first: int) -> "list[re.Match[bytes]]":
        """The formula elements' openings (<f, <x:f) from position ``first`` on, as _FORMULA finds
        them: every "f" of the XML found once, and only the tag around each looked at."""
        a, xml = self.a, self.xml
        out: list[re.Match[bytes]] = []
        for i in self.fs:
            if i == 0:
                continue
            s = i - 1 if a[i - 1] == 60 else (xml.rfind(b"<", 0, i) if a[i - 1] == 58 else -1)
            if s >= first and (not out or out[-1].start() != s):
                m = _FORMULA.match(xml, s)
                if m is not None and m.end() == i + 1:
                    out.append(m)
        return out

    def formula_closing(self, prefixed: bool) -> int:
        """Where the first "</f>" is (":f>" in a prefixed sheet), or -1.

        Looked for from each "f" (found by memchr, many times faster than a search for "</f>",
        whose "<" and ">" are everywhere in XML): a sheet of values has few. After FEW of them
        not closing a formula, the plain search takes over."""
        xml = self.xml
        needle = b":f>" if prefixed else b"</f>"
        back = len(needle) - 2  # from the "f" back to the needle's start
        i = xml.find(b"f")
        for _ in range(FEW):
            if i < 0:
                return -1
            if i >= back and xml.startswith(needle, i - back):
                return i - back
            i = xml.find(b"f", i + 1)
        return -1 if i < 0 else xml.find(needle, max(i - back, 0))


class _Sheet:
    """One worksheet: cell values from python-calamine, and from one light pass over the
    sheet's XML what calamine does not tell: numbers in percent-styled cells (wrapped in
    Percent: Excel keeps 95% as 0.95), error cells (calamine gives them as empty; their text,
    "#DIV/0!", is put back so they are refused as they are), and why a cell is empty though
    the sheet says more — merged away, or a formula saved without its result."""

    def __init__(self, wb: Workbook, title: str, shown: str, percent: frozenset[int]):
        self.wb, self.title, self.shown, self.percent = wb, title, shown, percent
        self.percent_cells: list[tuple[int, int]] = []  # (row, column) from 0 of a number shown as a percentage
        self.errors: list[tuple[int, int, str]] = []  # (row, column) from 0 and the error cell's text
        self.merged: list[tuple[int, int, int, int, str]] = []  # (r1, c1, r2, c2, "A1:B2")
        self.formulas: dict[tuple[int, int], str] = {}
        self.booleans = False  # a cell of the sheet is a boolean (t="b")

    def rows(self) -> Iterator[tuple[int, Sequence]]:
        """The rows, numbered from 1, every cell whatever the stored dimension says.  Any failure
        becomes Unreadable, so a damaged workbook is never half read."""
        try:
            values = _sheet_values(self.wb, self.title, self.shown, self)
            self.apply(values)
        except Unreadable:
            raise
        except Exception as e:  # noqa: BLE001 - zlib, zipfile, XML and calamine errors alike
            raise Unreadable(Problem("data.corrupt", {"detail": f"{type(e).__name__}: {e}"}, file=self.shown, sheet=self.title)) from None
        yield from enumerate(values, 1)

    def find(self, marks: _Marks) -> None:
        """What a piece of the sheet's XML (its marks settled) says beyond the cells' values."""
        xml = marks.xml
        self.booleans |= marks.booleans

        def at(tag: bytes):
            ref = _CELL_REF.search(tag)
            return None if ref is None else (int(ref.group(2)) - 1, _col_index(ref.group(1)))

        for pos in marks.percent_at:  # ' s="N"', N a percent style: only those cells are looked at
            start = xml.rfind(b"<", 0, pos)
            tag = xml[start : xml.find(b">", pos) + 1]
            where = at(tag) if tag[1:].split(b" ", 1)[0].split(b":")[-1] == b"c" else None
            if where is not None:
                self.percent_cells.append(where)
        for lo, hi in marks.error_tags:
            for m in _ERROR_CELL.finditer(xml, lo, hi):
                where = at(m.group(0))
                v = _VALUE.match(xml, m.end())
                if where is not None and v is not None:
                    self.errors.append((*where, _unescape(v.group(1).decode("utf-8", "replace"))))
        for lo, hi in marks.merge_tags:
            for m in _MERGE.finditer(xml, lo, hi):
                c1, r1 = _col_index(m.group(1)), int(m.group(2))
                c2, r2 = (_col_index(m.group(3)), int(m.group(4))) if m.group(3) else (c1, r1)
                ref = m.group(0).split(b'ref="')[1].rstrip(b'"').decode()
                self.merged.append((r1, c1, r2, c2, ref))
        for m in marks.formula_tags:
            start = _cell_start(xml, m.start())
            end = xml.find(b"</", m.end())
            close = xml.find(b"c>", end)  # the cell's own end tag
            cell = _CELL_REF.search(xml, start, m.start())
            if start < 0 or cell is None or close < 0:
                continue
            body = xml[m.start() : close]
            if _VALUE.search(body):
                continue  # the result was saved with the formula
            text = body.split(b">", 1)[1].split(b"<", 1)[0] if not body.split(b">", 1)[0].endswith(b"/") else b""
            self.formulas[(int(cell.group(2)), _col_index(cell.group(1)))] = "=" + _unescape(text.decode("utf-8", "replace"))

    def apply(self, values: list[list]) -> None:
        """Put what the XML said into the cells calamine read: percent-styled numbers wrapped in
        Percent, error cells' text where calamine left them empty."""
        for r, c in self.percent_cells:
            if r < len(values) and c < len(values[r]) and type(values[r][c]) is float:
                values[r][c] = Percent(values[r][c])
        for r, c, text in self.errors:
            if r < len(values) and c < len(values[r]):
                values[r][c] = text

    def plain_numbers(self) -> bool:
        """No cell of the sheet is a boolean or a percent-styled number (known once it is read)."""
        return not self.booleans and not self.percent_cells

    def blank_cause(self, row: int, col: int) -> tuple[str, str] | None:
        """Why the cell at (row from 1, column from 0) is empty: ("merged", "B2:B3"),
        ("formula", "=SUM(…)"), or None when it simply is."""
        f = self.formulas.get((row, col))
        if f is not None:
            return "formula", f
        for r1, c1, r2, c2, ref in self.merged:
            if r1 <= row <= r2 and c1 <= col <= c2 and (row, col) != (r1, c1):
                return "merged", ref
        return None


def _cell_start(xml: bytes, pos: int) -> int:
    """Where the tag of the cell holding ``pos`` starts ("<c …", ":c …" of "<x:c …"), or -1.  A
    cell written with no reference of its own (<c>) has none: not the reference of a cell
    before it."""
    while True:
        pos = max(xml.rfind(b"<c", 0, pos), xml.rfind(b":c", 0, pos))
        if pos < 0 or xml[pos + 2 : pos + 3] in (b" ", b">", b"/", b"\t", b"\r", b"\n"):
            return pos


def _unescape(text: str) -> str:
    """The three entities xml.sax.saxutils.unescape replaces, the same way (that module imports
    urllib, for nothing a reader needs)."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _is_percent_format(code: str) -> bool:
    """A '%' outside quoted text and escapes in a number format."""
    quoted = False
    skip = False
    for ch in code or "":
        if skip:
            skip = False
        elif ch == "\\":
            skip = True
        elif ch == '"':
            quoted = not quoted
        elif ch == "%" and not quoted:
            return True
    return False
