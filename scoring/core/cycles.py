"""Python's cycle collector paused while a batch of records is made.

Reading a folder (a workbook's rows arrive as thousands of new lists), listing its gaps (a
nation's data has about 90 000) and proposing decisions (a nation's rules catch tens of
thousands of units, each a record with its lists of years) make containers by the hundred
thousand, none part of a cycle; every 100 000 of them (700 outside a batch command) the
collector walks all the new ones again and finds nothing to free: 0.09 s of a nation run, 0.1–0.15 s
of a 10 000 × 100 sheet's read. In a caller's process, whatever cyclic garbage the work leaves is
collected once the collector runs again (it is left paused if it was paused before); a batch
command run as its own process freezes instead (see ``keep``).
"""

from __future__ import annotations

import gc
from contextlib import contextmanager
from functools import wraps
from typing import Callable, Iterator, ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")


# Set by the command line when it runs a batch command as its own process: at the end of a paused
# block every object the process then holds (not the block's alone) is moved out of the collector's
# sight for good (``gc.freeze``), so a cycle among them is never freed: the process ends with the
# command, and the few cycles a run makes (5 objects for a score and decide of the example) are not
# worth a walk of everything. Else it is only put off: the first collection after the block walks
# it all (a nation run's reading and records: 0.09 s).
keep = False


@contextmanager
def paused() -> Iterator[None]:
    """The collector paused for the block, then as it was."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if keep:
            gc.freeze()
        if was:
            gc.enable()


def pausing(fn: Callable[P, R]) -> Callable[P, R]:
    """``fn`` run with the collector paused (see :func:`paused`)."""

    @wraps(fn)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        with paused():
            return fn(*args, **kwargs)

    return run
