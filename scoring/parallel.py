"""Work a command does on a second processor: a function run in a forked process, what it returns
sent back pickled through a pipe.

Only where the command line allows it (``allowed``, set by ``cli.main`` for a process it owns), on
Linux with two processors or more: a library's caller, the portal's server with its threads, is
never forked. Whatever goes wrong there (no process to be had, the function failing, the process
dying, half a result sent) the caller is told, and does the work itself.
"""

from __future__ import annotations

import os
import pickle
import sys
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")

allowed = False


def two_processors() -> bool:
    """Whether this process may hand work to a forked one."""
    return allowed and sys.platform.startswith("linux") and hasattr(os, "fork") and len(os.sched_getaffinity(0)) >= 2


class Forked(Generic[T]):
    """``fn()`` started in a forked process; :meth:`result` waits for what it returned. Raises
    OSError when no process can be forked (a limit on processes, no memory for one)."""

    def __init__(self, fn: Callable[[], T]):
        self._done = False
        self._got: T | None = None
        r, w = os.pipe()
        try:
            self.pid = os.fork()
        except OSError:
            os.close(r)
            os.close(w)
            raise
        if self.pid == 0:  # the forked process: run, send, and leave without this process's exit handlers
            code = 1
            try:
                os.close(r)
                got = fn()
                with open(w, "wb") as out:
                    pickle.dump(got, out, protocol=pickle.HIGHEST_PROTOCOL)
                code = 0
            finally:
                os._exit(code)
        os.close(w)
        self.fd = r

    def result(self) -> T | None:
        """What ``fn()`` returned, or None when it could not be had (the caller then does the work)."""
        if not self._done:
            got: T | None = None
            try:
                with open(self.fd, "rb") as f:
                    got = pickle.load(f)  # from this process's own fork, never from a file or elsewhere
            except Exception:  # noqa: BLE001 - nothing or half sent
                got = None
            _, status = os.waitpid(self.pid, 0)
            self._got = got if status == 0 else None
            self._done = True
        return self._got


def started(fn: Callable[[], T], worth: bool = True) -> Callable[[], T]:
    """``fn`` begun now in a forked process where this process may fork (:func:`two_processors`) and
    ``worth`` says the work pays for a process; what is returned gives ``fn()``'s value when asked
    for: sent back from there, or made here then (nothing forked, or the forked process could not
    give it: ``fn`` raising there raises here, as it would have). Ask once."""
    if not (worth and two_processors()):
        return fn
    try:
        forked = Forked(lambda: (fn(),))  # in a tuple: a value of None is not taken for a failure
    except OSError:  # no process to be had: made here when asked for
        return fn

    def result() -> T:
        got = forked.result()
        return fn() if got is None else got[0]

    return result
