"""Workbooks made to exhaust the reader: refused, located and explained, before anything large is
unpacked or allocated, and the rest of the folder still read."""

from __future__ import annotations

import struct
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from test_xlsx_malformed import GOOD, HEAD, check, complete, only
from xlsx_support import plan_for, write_xlsx

from scoring.load import sheets


@pytest.fixture(scope="module")
def plan(tmp_path_factory):
    return plan_for(tmp_path_factory.mktemp("criteria"))


def with_sheet_data(src: Path, out: Path, cells: bytes) -> Path:
    """The workbook ``src`` with its first sheet's cells replaced by ``cells`` (raw XML)."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                a, b = data.index(b"<sheetData>"), data.index(b"</sheetData>") + len(b"</sheetData>")
                data = data[:a] + b"<sheetData>" + cells + b"</sheetData>" + data[b:]
            zout.writestr(item, data)
    return out


def test_a_part_that_unpacks_hundreds_of_times_its_size_is_refused_unread(plan, tmp_path):
    folder = complete(tmp_path / "data")
    good = write_xlsx(tmp_path / "good.xlsx", [HEAD] + GOOD)
    bomb = folder / "司法局.xlsx"
    with zipfile.ZipFile(good) as zin, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            zout.writestr(item, zin.read(item.filename))
        zout.writestr("xl/padding.xml", b" " * (sheets.RATIO_FLOOR + 1))  # about 1000:1
    assert bomb.stat().st_size < 200_000
    report = check(plan, folder)
    (p,) = only(report, "data.workbook_too_large")
    assert p.file == "司法局.xlsx" and "xl/padding.xml" in p.message() and "17 MB" in p.message()
    assert "200:1" in p.hint()
    assert [f.read for f in report.files if f.file == "司法局.xlsx"] == [False]
    assert all(v != v for v in report.data.values["学法次数"]), "values of a refused workbook were kept"
    assert not [q for q in report.problems if q.code == "data.corrupt"]


@pytest.mark.parametrize(
    "far", [b'<c r="XFD1048576"><v>1</v></c>', b"<c r='XFD1048576'><v>1</v></c>", b'<c r = "xfd1048576"><v>1</v></c>', b'<c r="ZZZZZ9"><v>1</v></c>']
)
def test_a_far_away_cell_is_refused_before_the_sheet_is_read(plan, tmp_path, far):
    """A1 and XFD1048576 alone would make the cell reader ask for 17 billion cells (the process
    would abort, not raise): the sheet is refused from its XML first, however the reference is written."""
    folder = complete(tmp_path / "data")
    good = write_xlsx(tmp_path / "good.xlsx", [HEAD] + GOOD)
    rows = b'<row r="1"><c r="A1" t="inlineStr"><is><t>\xe5\x8d\x95\xe4\xbd\x8d\xe7\xbc\x96\xe5\x8f\xb7</t></is></c></row>'
    with_sheet_data(good, folder / "司法局.xlsx", rows + b'<row r="2">' + far + b"</row>")
    report = check(plan, folder)  # in this process: a crash would end the test run
    (p,) = only(report, "data.sheet_too_large")
    assert p.file == "司法局.xlsx" and p.sheet == "Sheet1"
    assert [f.read for f in report.files if f.file == "司法局.xlsx"] == [False]


def test_cells_within_the_limit_are_read_whatever_the_sheet_claims(plan, tmp_path):
    """A sheet that claims a small <dimension> but has cells beyond it is measured by its cells."""
    folder = complete(tmp_path / "data")
    good = write_xlsx(tmp_path / "good.xlsx", [HEAD] + GOOD)
    cols, rows = sheets._extent(zipfile.ZipFile(good).read("xl/worksheets/sheet1.xml"))
    assert (cols, rows) == (len(HEAD), len(GOOD) + 1)
    report = check(plan, with_sheet_data(good, folder / "司法局.xlsx", b"") and folder)
    assert not [q for q in report.problems if q.code in ("data.sheet_too_large", "data.corrupt")]


def test_the_extent_of_each_way_of_writing_a_reference():
    row = b'<row r="%d">%s</row>'
    assert sheets._extent(b"<sheetData>" + row % (7, b'<c r="C7" s="1"><v>1</v></c>') + b"</sheetData>") == (3, 7)
    assert sheets._extent(b"<sheetData>" + row % (7, b"<c r='AB70' t='n'><v>1</v></c>") + b"</sheetData>") == (28, 70)
    assert sheets._extent(b'<x:sheetData><x:c r="b2"><x:v>1</x:v></x:c>       </x:sheetData>') == (2, 2)
    assert sheets._extent(b"<sheetData>" + b'<c r="A1"/><c r="XFD1048576"/>' + b"</sheetData>") == (16384, 1048576)


def test_the_farthest_reference_is_found_whatever_its_neighbours():
    """The extent is the largest column and the largest row among every reference, whatever comes
    before or after it: a row written with leading zeros (A0099) is row 99, not farther than B100;
    a column of more letters is farther; a row element counts without a cell in it."""
    cells = b'<c r="A0099"/><c r="B100"/><c r="zz7"/><c r="AAA1"/><c r="C12"/>'
    assert sheets._extent(b"<sheetData>" + cells + b"</sheetData>") == (703, 100)
    assert sheets._extent(b'<sheetData><row r="5"><c r="B1"/></row><row r="12"></row></sheetData>') == (2, 12)
    assert sheets._extent(b'<sheetData><c r="XFD3"/><c r="A1048576"/></sheetData>') == (16384, 1048576)


def test_the_limits_hold_for_a_whole_nation_in_one_sheet():
    """170 000 units × 50 fields in one sheet (about 300 MB of XML, 6-10:1 packed) stays readable."""
    assert 170_001 * 51 <= sheets.MAX_CELLS
    assert 300_000_000 < sheets.MAX_UNPACKED


def test_reading_a_workbook_does_not_import_openpyxl(tmp_path):
    """Submissions are read with python-calamine; openpyxl (slow to import) only writes."""
    good = write_xlsx(tmp_path / "good.xlsx", [HEAD] + GOOD)
    code = (
        "import sys; from pathlib import Path; from scoring.load import sheets\n"
        f"with sheets.open_workbook(Path({str(good)!r}), 'x') as wb:\n"
        "    rows = list(sheets.worksheets(wb, 'x', [])[0].rows)\n"
        "print(len(rows), 'openpyxl' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == [str(len(GOOD) + 1), "False"]


def with_crc(src: Path, out: Path, part: str, crc: int) -> Path:
    """The workbook ``src`` with ``part``'s CRC-32 in its local header and the zip directory set to ``crc``."""
    import struct

    data = bytearray(src.read_bytes())
    info = zipfile.ZipFile(src).getinfo(part)
    data[info.header_offset + 14 : info.header_offset + 18] = struct.pack("<I", crc)
    entry = data.index(b"PK\x01\x02")  # the central directory's entries: ours by its name
    while data[entry + 46 : entry + 46 + len(part)] != part.encode():
        entry = data.index(b"PK\x01\x02", entry + 4)
    data[entry + 16 : entry + 20] = struct.pack("<I", crc)
    out.write_bytes(bytes(data))
    return out


@pytest.mark.parametrize("copy_from", [0, sheets.COPY_FROM])
def test_a_sheet_whose_crc_does_not_hold_is_refused_unread(plan, tmp_path, monkeypatch, copy_from):
    """The reader unpacks a sheet without working out its CRC-32: python-calamine, reading the same
    part (from the file, or from the copy that holds it as unpacked), checks it. A sheet whose bytes
    do not match the CRC the file declares is never read."""
    monkeypatch.setattr(sheets, "COPY_FROM", copy_from)
    folder = complete(tmp_path / "data")
    good = write_xlsx(tmp_path / "good.xlsx", [HEAD] + GOOD)
    crc = zipfile.ZipFile(good).getinfo("xl/worksheets/sheet1.xml").CRC
    with_crc(good, folder / "司法局.xlsx", "xl/worksheets/sheet1.xml", crc ^ 0x5A5A)
    report = check(plan, folder)
    (p,) = only(report, "data.corrupt")
    assert (p.file, p.sheet) == ("司法局.xlsx", "Sheet1")
    assert [f.read for f in report.files if f.file == "司法局.xlsx"] == [False]
    assert all(v != v for v in report.data.values["学法次数"]), "values of a sheet that fails its CRC were kept"
    with_crc(good, folder / "司法局.xlsx", "xl/worksheets/sheet1.xml", crc)  # the same file with its own CRC reads
    assert not check(plan, folder).problems


@pytest.mark.parametrize("method", [zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED])
@pytest.mark.parametrize("size", [1, 7, 4096, 1 << 20])
def test_a_sheet_is_unpacked_as_zipfile_unpacks_it(tmp_path, method, size):
    """A sheet's XML, unpacked a piece at a time by the reader's own stream, is byte for byte what
    zipfile gives; never more than the zip directory declares, whatever the packed data holds."""
    good = write_xlsx(tmp_path / "good.xlsx", [HEAD] + GOOD * 40)
    path = tmp_path / "book.xlsx"
    with zipfile.ZipFile(good) as zin, zipfile.ZipFile(path, "w", method) as zout:
        for item in zin.infolist():
            zout.writestr(item.filename, zin.read(item.filename))
    raw = path.read_bytes()
    package = zipfile.ZipFile(path)
    info = package.getinfo("xl/worksheets/sheet1.xml")
    whole = package.read(info.filename)
    assert info.compress_type == method and len(whole) > 4096

    def unpacked(declared: int) -> bytes:
        stream = sheets._Unpacking(sheets._packed(raw, info), info.compress_type, declared)
        return b"".join(iter(lambda: stream.read(size), b""))

    assert unpacked(info.file_size) == whole
    assert unpacked(1000) == whole[:1000]  # a directory that declares less: no more is unpacked
    assert unpacked(0) == b""
    assert b"".join(sheets._pieces(sheets._Unpacking(sheets._packed(raw, info), info.compress_type, info.file_size), 777)) == whole


def test_a_sheet_packed_otherwise_is_read_through_zipfile(plan, tmp_path, monkeypatch):
    """A sheet packed by a method the reader's stream does not unpack (bzip2 here) goes through
    zipfile as before, its part found once (xl/workbook.xml parsed once for it); calamine does not
    read bzip2 either, so the workbook is refused, located."""
    import python_calamine

    found = []
    real = sheets.Workbook.sheet_part
    monkeypatch.setattr(sheets.Workbook, "sheet_part", lambda self, title: found.append(title) or real(self, title))
    folder = complete(tmp_path / "data")
    good = write_xlsx(tmp_path / "good.xlsx", [HEAD] + GOOD)
    with zipfile.ZipFile(good) as zin, zipfile.ZipFile(folder / "司法局.xlsx", "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            kind = zipfile.ZIP_BZIP2 if item.filename == "xl/worksheets/sheet1.xml" else zipfile.ZIP_DEFLATED
            zout.writestr(item.filename, zin.read(item.filename), compress_type=kind)
    report = check(plan, folder)
    (p,) = only(report, "data.corrupt")
    assert (p.file, p.sheet) == ("司法局.xlsx", "Sheet1")
    found.clear()
    with sheets.open_workbook(folder / "司法局.xlsx", "司法局.xlsx") as wb, pytest.raises(python_calamine.CalamineError):
        sheets._sheet_values(wb, "Sheet1", "司法局.xlsx")  # the XML read through zipfile, then calamine's refusal
    assert found == ["Sheet1"]


def every_kind_of_cell(path: Path) -> Path:
    """A workbook of two sheets with shared strings, numbers, dates, booleans, a percent style, an
    error, a formula with and without its result, and a merged range."""
    import datetime

    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "数据"
    ws.append(HEAD)
    for r in GOOD:
        ws.append(r)
    ws.append(["B04", "县民政局", "部门", True, datetime.date(2024, 3, 1), 0.95])
    ws["F7"].number_format = "0%"
    ws.append(["B05", "甲" * 40, "部门", "=1/0", None, "#DIV/0!"])
    ws["F8"].data_type = "e"
    ws.merge_cells("C7:C8")
    other = wb.create_sheet("其他")
    for k in range(300):
        other.append([f"行{k}", k * 1.25, k % 2 == 0, f"文字{k % 7}"])
    wb.save(path)
    return path


def read_all(path: Path) -> dict:
    with sheets.open_workbook(path, path.name) as wb:
        return {t.sheet: [[(type(v).__name__, v) for v in row] for _, row in t.rows] for t in sheets.worksheets(wb, path.name, [])}


@pytest.mark.skipif(not sheets._Copy.possible(), reason="no anonymous in-memory files on this system")
def test_a_sheet_read_from_the_copy_is_the_sheet_read_from_the_file(tmp_path, monkeypatch):
    """A sheet read by calamine from the package's copy (the sheet stored unpacked, every other part
    as packed) gives every cell as reading the file itself does; the copy is a sound zip whose
    CRCs hold."""
    path = every_kind_of_cell(tmp_path / "book.xlsx")
    direct = read_all(path)
    monkeypatch.setattr(sheets, "COPY_FROM", 0)
    assert read_all(path) == direct
    assert ("bool", True) in direct["数据"][6] and ("str", "#DIV/0!") in direct["数据"][7]
    with sheets.open_workbook(path, path.name) as wb:
        info = wb.package.getinfo(wb.sheet_part("其他"))
        copy = sheets._Copy.make(wb, info)
        assert copy is not None
        whole = b"".join(copy.tee(sheets._pieces(sheets._Unpacking(sheets._packed(wb.raw, info), info.compress_type, info.file_size), 1000)))
        book = copy.open()
        try:
            with zipfile.ZipFile(copy.f) as z:
                assert z.testzip() is None and z.read(info.filename) == wb.package.read(info.filename) == whole
                assert z.getinfo(info.filename).compress_type == zipfile.ZIP_STORED
                assert sorted(z.namelist()) == sorted(wb.package.namelist())
        finally:
            copy.close()
        assert book is not None and book.get_sheet_by_name("其他").to_python(skip_empty_area=False) == wb.book.get_sheet_by_name("其他").to_python(
            skip_empty_area=False
        )
        book.close()


@pytest.mark.skipif(not sheets._Copy.possible(), reason="no anonymous in-memory files on this system")
@pytest.mark.parametrize(("copy_from", "copy_up_to", "copied"), [(0, 1 << 30, True), (1 << 20, 1 << 30, False), (0, 100, False)])
def test_only_a_sheet_within_the_bounds_is_read_from_a_copy(tmp_path, monkeypatch, copy_from, copy_up_to, copied):
    """Small sheets gain nothing from the copy, the largest would hold their XML in memory beside the cells."""
    path = every_kind_of_cell(tmp_path / "book.xlsx")
    monkeypatch.setattr(sheets, "COPY_FROM", copy_from)
    monkeypatch.setattr(sheets, "COPY_UP_TO", copy_up_to)
    opened = []
    real = sheets._Copy.open
    monkeypatch.setattr(sheets._Copy, "open", lambda self: opened.append(self.sheet_size) or real(self))
    read_all(path)
    assert bool(opened) == copied


def test_a_package_the_copy_would_not_hold_is_read_as_it_is(tmp_path, monkeypatch):
    """A package with a part's name twice is not copied (which part calamine takes would be the
    copy's choice): calamine reads the file itself, and the cells are the same."""
    path = every_kind_of_cell(tmp_path / "book.xlsx")
    direct = read_all(path)
    twice = tmp_path / "twice.xlsx"
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(twice, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            zout.writestr(item, zin.read(item.filename))
        with pytest.warns(UserWarning):
            zout.writestr("docProps/app.xml", zin.read("docProps/app.xml"))
    monkeypatch.setattr(sheets, "COPY_FROM", 0)
    with sheets.open_workbook(twice, twice.name) as wb:
        assert sheets._Copy.make(wb, wb.package.getinfo(wb.sheet_part("数据"))) is None
    assert read_all(twice) == direct


def with_bytes(src: Path, out: Path, at: int, data: bytes) -> Path:
    """The workbook ``src`` with ``data`` written over its bytes from ``at``."""
    raw = bytearray(src.read_bytes())
    raw[at : at + len(data)] = data
    out.write_bytes(bytes(raw))
    return out


def test_a_header_beyond_the_file_is_a_damaged_package(plan, tmp_path):
    """A part whose local header would lie past the file's end, or before its start, is a damaged
    package (zipfile's BadZipFile), never a header read from elsewhere; the user sees it located."""
    path = write_xlsx(tmp_path / "good.xlsx", [HEAD] + GOOD)
    raw = path.read_bytes()
    info = zipfile.ZipFile(path).getinfo("xl/worksheets/sheet1.xml")
    assert bytes(sheets._packed(raw, info)) == raw[info.header_offset + 30 + len(info.filename) + len(info.extra) :][: info.compress_size]
    for at in (len(raw) - 10, len(raw), info.header_offset - len(raw)):  # the last: the same header, counted from the end
        info.header_offset = at
        with pytest.raises(zipfile.BadZipFile, match="sheet1.xml"):
            sheets._packed(raw, info)
    folder = complete(tmp_path / "data")
    entry = raw.index(b"PK\x01\x02")  # the central directory's entries: the sheet's by its name
    while raw[entry + 46 : entry + 46 + len(info.filename)] != info.filename.encode():
        entry = raw.index(b"PK\x01\x02", entry + 4)
    with_bytes(path, folder / "司法局.xlsx", entry + 42, struct.pack("<I", len(raw) - 10))
    report = check(plan, folder)
    (p,) = only(report, "data.corrupt")
    assert (p.file, p.sheet) == ("司法局.xlsx", "Sheet1") and p.args["detail"].startswith("BadZipFile: ")
    assert [f.read for f in report.files if f.file == "司法局.xlsx"] == [False]


@pytest.mark.skipif(not sheets._Copy.possible(), reason="no anonymous in-memory files on this system")
@pytest.mark.parametrize("copy_from", [0, sheets.COPY_FROM])
def test_a_damaged_part_the_sheet_does_not_need_is_read_past_copied_or_not(plan, tmp_path, monkeypatch, copy_from):
    """A part calamine does not read (docProps/core.xml here, its local header damaged) does not make
    the workbook unreadable, whether its sheet is read through the copy or from the file: the copy
    is given up before anything is written, and calamine reads the file as it is."""
    path = every_kind_of_cell(tmp_path / "book.xlsx")
    direct = read_all(path)
    broken = with_bytes(path, tmp_path / "broken.xlsx", zipfile.ZipFile(path).getinfo("docProps/core.xml").header_offset, b"XX")
    monkeypatch.setattr(sheets, "COPY_FROM", copy_from)
    with sheets.open_workbook(broken, broken.name) as wb:
        assert sheets._Copy.make(wb, wb.package.getinfo(wb.sheet_part("数据"))) is None
    assert read_all(broken) == direct
    folder = complete(tmp_path / "data")
    good = write_xlsx(tmp_path / "good.xlsx", [HEAD] + GOOD)
    with_bytes(good, folder / "司法局.xlsx", zipfile.ZipFile(good).getinfo("docProps/core.xml").header_offset, b"XX")
    assert not check(plan, folder).problems


@pytest.mark.skipif(not sheets._Copy.possible(), reason="no anonymous in-memory files on this system")
def test_a_copy_calamine_cannot_open_leaves_the_file_to_it(tmp_path, monkeypatch):
    """When calamine cannot open the copy by its path, it reads the file itself: the same cells."""
    import python_calamine

    path = every_kind_of_cell(tmp_path / "book.xlsx")
    direct = read_all(path)
    real = python_calamine.CalamineWorkbook
    refused = []

    class NoCopy:
        @staticmethod
        def from_path(p: str):
            if p.startswith("/proc/"):
                refused.append(p)
                raise python_calamine.CalamineError("not this one")
            return real.from_path(p)

    monkeypatch.setattr(python_calamine, "CalamineWorkbook", NoCopy)
    monkeypatch.setattr(sheets, "COPY_FROM", 0)
    assert read_all(path) == direct and refused


@pytest.mark.skipif(not sheets._Copy.possible(), reason="no anonymous in-memory files on this system")
@pytest.mark.parametrize("room", [None, 0, 1000, 0.5, 1.0])
def test_a_copy_that_cannot_be_made_or_written_leaves_the_file_to_calamine(tmp_path, monkeypatch, room):
    """No in-memory file to be had (None), or one that takes no more than ``room`` bytes (sealed
    against growing: the kernel refuses a write beyond, as when memory is full; 0.5 and 1.0 of the
    workbook's size, whose copy is larger, the sheet stored unpacked): calamine reads
    the file itself, and the cells are the same, never a damaged workbook."""
    import errno
    import fcntl
    import os

    path = every_kind_of_cell(tmp_path / "book.xlsx")
    direct = read_all(path)
    made = []

    def memfd_create(name: str, flags: int = os.MFD_CLOEXEC) -> int:
        if room is None:
            raise OSError(errno.ENOMEM, "Cannot allocate memory")
        fd = real(name, flags | os.MFD_ALLOW_SEALING)
        os.ftruncate(fd, room if isinstance(room, int) else int(room * path.stat().st_size))
        fcntl.fcntl(fd, fcntl.F_ADD_SEALS, fcntl.F_SEAL_GROW)
        made.append(fd)
        return fd

    real = os.memfd_create
    monkeypatch.setattr(os, "memfd_create", memfd_create)
    monkeypatch.setattr(sheets, "COPY_FROM", 0)
    opened = []
    real_open = sheets._Copy.open
    monkeypatch.setattr(sheets._Copy, "open", lambda self: opened.append(real_open(self)) or opened[-1])
    assert read_all(path) == direct
    assert made or room is None
    assert opened == [None] * len(opened), "a copy that could not be written was read"
