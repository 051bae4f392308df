"""Lists taken apart by position, and lists as arrays of objects."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from scoring.core.lists import objects, pick, picker


@given(st.lists(st.text(max_size=3), min_size=1, max_size=20), st.data())
def test_pick_is_each_item_at_its_position_as_a_list(items, data):
    at = data.draw(st.lists(st.integers(0, len(items) - 1), max_size=30))
    want = [items[i] for i in at]
    assert pick(items, at) == want and pick(items, np.asarray(at, dtype=np.int64)) == want
    by = picker(np.asarray(at, dtype=np.intp))
    assert by(items) == want and by(items[::-1]) == [items[::-1][i] for i in at]  # one picker, any list
    assert isinstance(pick(items, at), list)


@given(
    st.one_of(
        st.lists(st.binary(min_size=2, max_size=2), max_size=6),  # equal-length bytes: not a fixed-width array
        st.lists(st.tuples(st.integers(), st.integers()), max_size=6),  # equal-length tuples: not 2-D
        st.lists(st.one_of(st.none(), st.text(max_size=2), st.lists(st.integers(), max_size=2)), max_size=6),
    )
)
def test_objects_is_each_item_as_it_is_in_a_1d_array(items):
    got = objects(items)
    assert got.dtype == object and got.shape == (len(items),)
    assert all(a is b for a, b in zip(got.tolist(), items))
