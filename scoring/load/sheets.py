"""Files as tables of rows: CSV text and XLSX workbooks look the same to the reader above.

A :class:`Table` is one CSV file or one worksheet: its rows, numbered as a spreadsheet
numbers them (first row = 1), each a sequence of raw cells (``str`` from CSV; values as
openpyxl gives them from XLSX, with numbers formatted as percentages wrapped in
:class:`~scoring.load.values.Percent`).  Nothing here knows about units or fields.

Files that cannot be read at all (not a spreadsheet, an old .xls, a password-protected
or damaged workbook) raise :class:`Unreadable` carrying a located problem.  A workbook
that breaks in the middle of reading raises it too, from inside the row iterator, so the
caller can throw away everything it staged from that file: never a partial read.

openpyxl is imported only here, inside the functions that read a workbook.
"""
from __future__ import annotations

import csv
import io
import re
import warnings
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

from ..errors import Problem
from .values import Percent, shown as shown_text

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
    file: str  # as shown to people: the name inside the data folder
    sheet: str | None  # None for CSV
    rows: Iterator[tuple[int, Sequence]]  # (row number, cells)
    meta: dict[str, str] = field(default_factory=dict)  # template identity (hidden sheet), if any
    text: str | None = None  # a comma-separated file's whole text, for readers that can take it in one go
    # A workbook sheet's explanation of an empty cell: (row, column index) -> ("merged", "B2:B3") or
    # ("formula", "=SUM(…)") for a formula saved without its result; None when the cell is simply
    # empty.  Built from the sheet's XML only when a reader meets an empty cell and asks.
    blank_cause: "Callable[[int, int], tuple[str, str] | None] | None" = None

    @property
    def prefix(self) -> str:
        """How a cell of this table is named: "file sheet!" or "file " before the A1 reference."""
        return f"{self.file} {self.sheet}!" if self.sheet is not None else f"{self.file} "


def _why_zh(e: OSError) -> str:
    """The system's reason in Chinese (its own text is English)."""
    import errno

    return {errno.EACCES: "没有读取权限", errno.EPERM: "没有读取权限", errno.ENOENT: "文件不存在",
            errno.EISDIR: "这是一个文件夹", errno.ELOOP: "符号链接循环", errno.ENAMETOOLONG: "路径过长",
            errno.EIO: "磁盘读取错误"}.get(e.errno or 0, f"系统错误 {e.errno}")


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
        return _text_table(path, shown, text, notes)
    if data.startswith(b"\xef\xbb\xbf"):
        notes.append(Problem("note.bom", file=shown))
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError:
            raise Unreadable(Problem("data.not_utf8", file=shown)) from None
        notes.append(Problem("note.gbk", file=shown))
    return _text_table(path, shown, text, notes)


def _text_table(path: Path, shown: str, text: str, notes: list[Problem]) -> Table:
    if "\x00" in text:
        if text.count("\x00") > 16:  # a binary file under a text name
            raise Unreadable(Problem("data.not_spreadsheet", {"ext": path.suffix.lower()}, file=shown))
        # a text file with a stray NUL (the csv module cannot read past it): name the line
        at = text.index("\x00")
        start = text.rfind("\n", 0, at) + 1
        end = text.find("\n", at)
        line = text[start:end if end >= 0 else len(text)].rstrip("\r")
        raise Unreadable(Problem("data.control_char", {"chars": "U+0000", "value": shown_text(line)}, file=shown,
                                 row=text.count("\n", 0, at) + 1))
    first = text.split("\n", 1)[0]
    delimiter = ","
    if path.suffix.lower() == ".tsv" or ("\t" in first and "," not in first):
        delimiter = "\t"
        notes.append(Problem("note.tab", file=shown))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    return Table(shown, None, _csv_rows(reader, shown), text=text if delimiter == "," else None)


def _csv_rows(reader, shown: str) -> Iterator[tuple[int, Sequence]]:
    n = 0
    try:
        for row in reader:
            n += 1
            yield n, row
    except csv.Error as e:
        raise Unreadable(Problem("data.bad_csv", {"detail": str(e)}, file=shown, row=n + 1)) from None


# -- XLSX --------------------------------------------------------------------------------
@dataclass
class Workbook:
    """An XLSX open for reading: openpyxl's streaming workbook for the cells, and the file's
    own parts (the zip package, as the OOXML standard lays it out) for what openpyxl does not
    say through its public interface: where a sheet's XML is, which number formats exist."""

    book: Any  # openpyxl.Workbook, read_only, data_only
    package: Any  # zipfile.ZipFile of the same file

    def sheet_xml(self, title: str) -> bytes:
        """The worksheet's XML as stored (xl/workbook.xml names it, its relationships locate it)."""
        from xml.etree import ElementTree as ET

        main = _part(self.package, "", _OFFICE_DOCUMENT)  # xl/workbook.xml as a rule
        for sheet in ET.fromstring(self.package.read(main)).iter(f"{{{_MAIN_NS}}}sheet"):
            if sheet.get("name") == title:
                return self.package.read(_part(self.package, main, sheet.get(f"{{{_REL_NS}}}id", "")))
        raise KeyError(title)

    def percent_formats(self) -> bool:
        """Whether any cell style of the workbook shows numbers as percentages (xl/styles.xml)."""
        from xml.etree import ElementTree as ET

        from openpyxl.styles.numbers import BUILTIN_FORMATS

        if "xl/styles.xml" not in self.package.namelist():
            return False
        styles = ET.fromstring(self.package.read("xl/styles.xml"))
        codes = {int(n.get("numFmtId", -1)): n.get("formatCode", "") for n in styles.iter(f"{{{_MAIN_NS}}}numFmt")}
        xfs = styles.find(f"{{{_MAIN_NS}}}cellXfs")
        ids = {int(xf.get("numFmtId", 0)) for xf in (xfs if xfs is not None else ())}
        return any(_is_percent_format(codes.get(i) or BUILTIN_FORMATS.get(i, "")) for i in ids)


_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_OFFICE_DOCUMENT = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"


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
    """A workbook open for reading: streaming (read_only), cached formula values, never written.

    The file is handed to openpyxl as an open file, so a workbook saved under another
    extension (a .csv that is really an .xlsx) is read by its content.
    """
    import zipfile

    from openpyxl import load_workbook

    with open(path, "rb") as fh:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                wb = load_workbook(fh, read_only=True, data_only=True, keep_links=False)
        except zipfile.BadZipFile as e:
            raise Unreadable(Problem("data.corrupt", {"detail": str(e)}, file=shown)) from None
        except Exception as e:  # noqa: BLE001 - openpyxl raises many kinds for damaged parts
            raise Unreadable(Problem("data.corrupt", {"detail": f"{type(e).__name__}: {e}"}, file=shown)) from None
        try:
            with zipfile.ZipFile(fh) as package:  # openpyxl read it as a zip: so it is one
                yield Workbook(wb, package)
        finally:
            wb.close()


def read_meta(wb) -> dict[str, str]:
    """The identity a template carries in its hidden sheet (key in column A, value in B)."""
    wb = wb.book
    if META_SHEET not in wb.sheetnames:
        return {}
    ws = wb[META_SHEET]
    ws.reset_dimensions()
    out: dict[str, str] = {}
    for row in ws.iter_rows(min_row=1, min_col=1, max_col=2, values_only=True):
        if row and row[0] is not None:
            out[str(row[0])] = "" if len(row) < 2 or row[1] is None else str(row[1])
    return out


def worksheets(wb: Workbook, shown: str, notes: list[Problem]) -> list[Table]:
    """The visible worksheets as tables; the template's hidden sheet gives their identity."""
    try:
        meta = read_meta(wb)
        sheets = list(wb.book.worksheets)
        percent = _has_percent_formats(wb)
    except Exception as e:  # noqa: BLE001
        raise Unreadable(Problem("data.corrupt", {"detail": f"{type(e).__name__}: {e}"}, file=shown)) from None
    out = []
    for ws in sheets:
        if ws.title == META_SHEET or getattr(ws, "sheet_state", "visible") != "visible":
            continue
        if ws.title.startswith(SKIP_SHEET_PREFIXES):
            notes.append(Problem("note.sheet_skipped", {"sheet": ws.title}, file=shown, sheet=ws.title))
            continue
        out.append(Table(shown, ws.title, _xlsx_rows(ws, shown, percent), meta, blank_cause=_BlankCauses(wb, ws)))
    return out


_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\b[^>]*?\bref="([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?"')
_FORMULA = re.compile(rb"<(?:\w+:)?f\b")
_CELL_REF = re.compile(rb'\br="([A-Z]+)(\d+)"')
_VALUE = re.compile(rb"<(?:\w+:)?v\b[^>]*>([^<]+)<")


def _col_index(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n - 1


class _BlankCauses:
    """Why a cell of a worksheet is empty though the sheet says more: merged away, or a formula
    saved without its result (data_only reading gives None for both).  The sheet's XML is read
    once, on the first question; a sheet with neither costs one scan."""

    def __init__(self, wb: Workbook, ws):
        self.wb, self.ws = wb, ws
        self.merged: list[tuple[int, int, int, int, str]] | None = None  # (r1, c1, r2, c2, "A1:B2")
        self.formulas: dict[tuple[int, int], str] = {}

    def _load(self) -> None:
        self.merged = []
        try:
            xml = self.wb.sheet_xml(self.ws.title)
        except Exception:  # noqa: BLE001 - a package that does not follow the standard: no explanation
            return
        from xml.sax.saxutils import unescape

        merges = xml.find(b"mergeCell")  # plain searches first: most sheets have neither merges nor formulas
        for m in _MERGE.finditer(xml, max(merges - 16, 0)) if merges >= 0 else ():
            c1, r1 = _col_index(m.group(1)), int(m.group(2))
            c2, r2 = (_col_index(m.group(3)), int(m.group(4))) if m.group(3) else (c1, r1)
            ref = m.group(0).split(b'ref="')[1].rstrip(b'"').decode()
            self.merged.append((r1, c1, r2, c2, ref))
        # every formula cell, shared ones included, comes with some "</f>" ("</x:f>" in a prefixed sheet)
        prefixed = b":worksheet" in xml[:300]
        closing = xml.find(b":f>") if prefixed else xml.find(b"</f>")
        first_cell = max(xml.rfind(b"<c ", 0, closing), xml.rfind(b":c ", 0, closing), 0)  # the first formula's cell
        for m in _FORMULA.finditer(xml, first_cell) if closing >= 0 else ():
            start = max(xml.rfind(b"<c ", 0, m.start()), xml.rfind(b":c ", 0, m.start()))
            end = xml.find(b"</", m.end())
            close = xml.find(b"c>", end)  # the cell's own end tag
            cell = _CELL_REF.search(xml, start, m.start())
            if start < 0 or cell is None or close < 0:
                continue
            body = xml[m.start():close]
            if _VALUE.search(body):
                continue  # the result was saved with the formula
            text = body.split(b">", 1)[1].split(b"<", 1)[0] if not body.split(b">", 1)[0].endswith(b"/") else b""
            self.formulas[(int(cell.group(2)), _col_index(cell.group(1)))] = "=" + unescape(text.decode("utf-8", "replace"))

    def __call__(self, row: int, col: int) -> tuple[str, str] | None:
        if self.merged is None:
            self._load()
        f = self.formulas.get((row, col))
        if f is not None:
            return "formula", f
        for r1, c1, r2, c2, ref in self.merged or ():
            if r1 <= row <= r2 and c1 <= col <= c2 and (row, col) != (r1, c1):
                return "merged", ref
        return None


def _has_percent_formats(wb: Workbook) -> bool | None:
    """Whether some cell style shows percentages; None when the styles part cannot be read (then
    every numeric cell is asked)."""
    try:
        return wb.percent_formats()
    except Exception:  # noqa: BLE001 - a package that does not follow the standard
        return None


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


def _xlsx_rows(ws, shown: str, percent: bool | None) -> Iterator[tuple[int, Sequence]]:
    """Rows of a worksheet, numbered from 1, every cell whatever the stored dimension says.

    The fast path (values only) is taken when no cell style shows percentages; otherwise
    numbers in percent-formatted cells are wrapped in Percent (Excel stores 95% as 0.95).
    Any failure of the underlying parser becomes Unreadable, so a truncated workbook is
    never half read.
    """
    ws.reset_dimensions()  # a wrong <dimension> must not cut rows or columns off
    try:
        if percent is False:
            it = ws.iter_rows(min_row=1, min_col=1, values_only=True)
            n = 0
            for row in it:
                n += 1
                yield n, row
        else:
            it = ws.iter_rows(min_row=1, min_col=1)
            n = 0
            for cells in it:
                n += 1
                row = []
                for c in cells:
                    v = c.value
                    if (type(v) is float or type(v) is int) and _is_percent_format(c.number_format):
                        v = Percent(v)
                    row.append(v)
                yield n, row
    except Unreadable:
        raise
    except GeneratorExit:
        raise
    except Exception as e:  # noqa: BLE001 - zlib, zipfile, XML and openpyxl errors alike
        raise Unreadable(Problem("data.corrupt", {"detail": f"{type(e).__name__}: {e}"}, file=shown, sheet=ws.title)) from None


