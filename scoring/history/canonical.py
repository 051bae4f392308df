"""Canonical bytes of a Dataset: what a run's data hash is taken over, and what is stored.

The same values give the same bytes whatever file format they came in (CSV today,
spreadsheets tomorrow) and whatever the order of columns in the files.  Units keep
their submitted order (ties are listed in input order).

Layout (``scoring.dataset/1``)::

    b"scoring.dataset/1\\n"
    8 bytes   length of the header, little-endian
    header    UTF-8 JSON, keys sorted: ids, names, categories, fields (sorted),
              sources {field: text}, evidence [[unit id, field, text], ...] (sorted)
    columns   for each field in header order, len(ids) float64 little-endian values;
              every NaN (not submitted) is one bit pattern, -0.0 is written as 0.0
"""

from __future__ import annotations

import hashlib
import json
import struct
import zlib

import numpy as np

from ..core.dataset import Dataset

MAGIC = b"scoring.dataset/1\n"
_NAN = np.frombuffer(struct.pack("<d", float("nan")), dtype="<f8")[0]


class CanonicalError(ValueError):
    pass


def encode(data: Dataset) -> bytes:
    return b"".join(_parts(data))


def _parts(data: Dataset):
    """The canonical bytes in pieces: the header, then one column at a time."""
    fields = sorted(data.values)
    header = {
        "ids": list(data.ids),
        "names": list(data.names),
        "categories": list(data.categories),
        "fields": fields,
        "sources": {k: data.sources[k] for k in sorted(data.sources)},
        "evidence": sorted([u, f, text] for (u, f), text in data.evidence.items()),
    }
    head = json.dumps(header, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")
    yield MAGIC
    yield struct.pack("<Q", len(head))
    yield head
    for f in fields:
        yield canonical_column(data.values[f]).data.cast("B")


def canonical_column(values) -> np.ndarray:
    """A field's values as they are encoded: float64 little-endian, every NaN the one bit pattern,
    -0.0 as 0.0 (x + 0.0 is x bit for bit, but 0.0 for -0.0: one pass, no masking unless a NaN)."""
    with np.errstate(invalid="ignore"):  # a signalling NaN: replaced below
        col = np.asarray(values, dtype="<f8") + 0.0
    nan = np.isnan(col)
    if nan.any():
        col[nan] = _NAN
    return col


def decode(raw: bytes) -> Dataset:
    if not raw.startswith(MAGIC) or len(raw) < len(MAGIC) + 8:
        raise CanonicalError("not a scoring.dataset/1 encoding")
    at = len(MAGIC)
    (n_head,) = struct.unpack_from("<Q", raw, at)
    at += 8
    try:
        header = json.loads(raw[at : at + n_head].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise CanonicalError(f"bad header: {e}") from None
    at += n_head
    n = len(header["ids"])
    values = {}
    for f in header["fields"]:
        end = at + 8 * n
        if end > len(raw):
            raise CanonicalError("truncated")
        values[f] = np.frombuffer(raw[at:end], dtype="<f8").astype(float)
        at = end
    if at != len(raw):
        raise CanonicalError("trailing bytes")
    evidence = {(u, f): text for u, f, text in header["evidence"]}
    return Dataset(header["ids"], header["names"], header["categories"], values, dict(header["sources"]), evidence)


def sha256(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def data_hash(data: Dataset) -> str:
    """sha256 of ``encode(data)``, hashed a piece at a time: the whole encoding (8 bytes a value,
    about 100 MB for 170 000 units) is never held at once."""
    h = hashlib.sha256()
    for part in _parts(data):
        h.update(part)
    return h.hexdigest()


def pack(raw: bytes) -> bytes:
    """Compressed form kept in the store (the hash is always of the uncompressed bytes)."""
    return zlib.compress(raw, 6)


def unpack(blob: bytes) -> bytes:
    return zlib.decompress(blob)


def same(a: Dataset, b: Dataset) -> bool:
    return encode(a) == encode(b)
