"""What an upload must pass before anything reads it: its size, its kind, and for a workbook how much it
unpacks to and how many rows it has, all measured from the zip's own records and a bounded count, so a
zip bomb or a million-row sheet is refused without being opened."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from ..errors import Problem

MAX_BYTES = 10 * 2**20  # an upload (a year's workbook of a few hundred units is well under 1 MiB)
MAX_UNPACKED = 64 * 2**20  # all parts of a workbook unpacked
MAX_RATIO = 200  # unpacked / packed size of a single part (real sheets pack 5-20 times)
MAX_ROWS = 20_000  # rows of a sheet (a county has tens of units, a province a few thousand)
KINDS = (".xlsx", ".csv")
CHUNK = 1 << 20


def refusal(name: str, content: bytes, max_bytes: int = MAX_BYTES) -> Problem | None:
    """Why a data workbook upload is refused before it is read, or None."""
    ext = Path(name).suffix.lower()
    if len(content) > max_bytes:
        return Problem("serve.upload.too_large", {"size": round(len(content) / 2**20, 1), "limit": round(max_bytes / 2**20, 1)}, file=name)
    if not content:
        return Problem("serve.upload.empty", file=name)
    if ext not in KINDS:
        return Problem("serve.upload.kind", {"kinds": "、".join(KINDS)}, file=name)
    if ext == ".csv":
        rows = content.count(b"\n")
        return Problem("serve.upload.rows", {"rows": rows, "limit": MAX_ROWS}, file=name) if rows > MAX_ROWS else None
    return _workbook(name, content)


def _workbook(name: str, content: bytes) -> Problem | None:
    if not zipfile.is_zipfile(io.BytesIO(content)):
        return Problem("serve.upload.kind", {"kinds": "、".join(KINDS)}, file=name)
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as zf:
            parts = zf.infolist()
            total = sum(p.file_size for p in parts)
            if total > MAX_UNPACKED or any(p.file_size > MAX_RATIO * max(p.compress_size, 1) + CHUNK for p in parts):
                return Problem("serve.upload.bomb", {"size": round(total / 2**20, 1), "limit": round(MAX_UNPACKED / 2**20)}, file=name)
            for p in parts:
                if p.filename.startswith("xl/worksheets/") and p.filename.endswith(".xml"):
                    rows = _rows(zf, p)
                    if rows > MAX_ROWS:
                        return Problem("serve.upload.rows", {"rows": f"{MAX_ROWS}+", "limit": MAX_ROWS}, file=name)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, RuntimeError, NotImplementedError):
        return Problem("serve.upload.kind", {"kinds": "、".join(KINDS)}, file=name)
    return None


def _rows(zf: zipfile.ZipFile, part: zipfile.ZipInfo) -> int:
    """Rows of one sheet, counted as it unpacks and stopped once over the limit (or over the size
    the zip declared: a part that unpacks to more than it says is refused as a bomb by zipfile)."""
    rows, tail, read = 0, b"", 0
    with zf.open(part) as f:
        while rows <= MAX_ROWS:
            chunk = f.read(CHUNK)
            if not chunk:
                break
            read += len(chunk)
            if read > MAX_UNPACKED:
                return MAX_ROWS + 1
            text = tail + chunk
            rows += text.count(b"<row ") + text.count(b"<row>") - tail.count(b"<row ") - tail.count(b"<row>")
            tail = text[-5:]
    return rows


def evidence_refusal(name: str, content: bytes, max_bytes: int = MAX_BYTES) -> Problem | None:
    """Evidence for an objection is any document; only its size and name are checked."""
    if len(content) > max_bytes:
        return Problem("serve.upload.too_large", {"size": round(len(content) / 2**20, 1), "limit": round(max_bytes / 2**20, 1)}, file=name)
    if not content:
        return Problem("serve.upload.empty", file=name)
    return None
