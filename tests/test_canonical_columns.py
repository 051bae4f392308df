"""A field's canonical bytes are made in one pass; they must be the bytes the masked copy gave
(every NaN one bit pattern, -0.0 written as 0.0, every other value bit for bit)."""

from __future__ import annotations

import struct

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from builders import examples
from scoring.core.dataset import Dataset
from scoring.history import canonical

_NAN = np.frombuffer(struct.pack("<d", float("nan")), dtype="<f8")[0]
# NaNs with other payloads and signs, -0.0, subnormals, infinities
_ODD = [
    struct.unpack("<d", struct.pack("<Q", bits))[0]
    for bits in (0x7FF8000000000001, 0xFFF8000000000000, 0x7FF0000000000001, 0x8000000000000000, 0x1, 0x800FFFFFFFFFFFFF)
]
_VALUE = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.sampled_from(_ODD + [0.0, -0.0]))


def _masked(values) -> bytes:
    col = np.asarray(values, dtype="<f8").copy()
    col[np.isnan(col)] = _NAN
    col[col == 0.0] = 0.0
    return col.tobytes()


@settings(max_examples=examples(300), deadline=None)
@given(st.lists(_VALUE, max_size=60))
def test_a_column_is_encoded_as_the_masked_copy_gave(values):
    a = np.array(values, dtype=float)
    assert canonical.canonical_column(a).tobytes() == _masked(a)


def test_the_encoding_and_its_hash_are_those_of_the_masked_copy():
    values = {"b": np.array([1.5, -0.0, float("nan"), _ODD[0]]), "a": np.array([0.0, 2.0, -3.25, _ODD[1]])}
    data = Dataset(["U1", "U2", "U3", "U4"], ["甲", "乙", "丙", "丁"], ["c", "c", "d", "d"], values, {"a": "x.csv", "b": "y.csv"}, {})
    raw = canonical.encode(data)
    assert raw.endswith(_masked(values["a"]) + _masked(values["b"]))
    assert canonical.data_hash(data) == canonical.sha256(raw)
    assert canonical.encode(canonical.decode(raw)) == raw
