"""Lists taken apart by position, and lists as arrays of objects."""

from __future__ import annotations

import operator
from collections.abc import Callable, Sequence

import numpy as np


def picker(at: np.ndarray | Sequence[int]) -> Callable[[Sequence], list]:
    """``lambda items: [items[i] for i in at]``, taken by one ``itemgetter`` made once for every list it is
    given (one C loop a list; half the time of an array of objects)."""
    at = at.tolist() if isinstance(at, np.ndarray) else list(at)
    if len(at) > 1:
        get = operator.itemgetter(*at)
        return lambda items: list(get(items))
    return lambda items: [items[i] for i in at]


def pick(items: Sequence, at: np.ndarray | Sequence[int]) -> list:
    """``[items[i] for i in at]``: :func:`picker` for one list."""
    return picker(at)(items)


def objects(items: Sequence) -> np.ndarray:
    """``items`` as a 1-D array of objects, to be taken apart by an array of positions: ``np.array`` would make
    a list of equal-length lists, tuples or bytes a 2-D or fixed-width array (the [None] it is given first, and
    not kept, says otherwise)."""
    return np.array([*items, None], dtype=object)[:-1]
