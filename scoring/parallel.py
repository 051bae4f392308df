"""Work a command does on a second processor, in a forked process: a function whose value is sent
back pickled through a pipe (:class:`Forked`, :func:`started`: reading a large data folder, the
约谈 rules while the tables are made), or every second task of bytes made in turn (:func:`in_turn`:
the JSON's score sheets, the HTML report's units' sections).

Only where the command line allows it (``allowed``, set by ``cli.main`` for a process it owns), on
Linux with two processors or more: a library's caller, the portal's server with its threads, is
never forked. Whatever goes wrong there (no process to be had, the function failing, the process
dying, half a result sent) the caller is told, and does the work itself.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable, Iterator
from functools import partial
from typing import Any, Generic, TypeVar

T = TypeVar("T")

allowed = False


def two_processors() -> bool:
    """Whether this process may hand work to a forked one."""
    return allowed and sys.platform.startswith("linux") and hasattr(os, "fork") and len(os.sched_getaffinity(0)) >= 2


class Forked(Generic[T]):
    """``fn()`` started in a forked process; :meth:`result` waits for what it returned. Raises
    OSError when no process can be forked (a limit on processes, no memory for one)."""

    def __init__(self, fn: Callable[[], T]):
        import pickle  # here, not at start-up: every command loads this module, few fork (2.3 ms)

        self._done = False
        self._got: T | None = None
        r, w = os.pipe()
        self.pid = _fork(r, w)
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
        import pickle

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


def _fork(*fds: int) -> int:
    """``os.fork()``; where no process can be had, ``fds`` closed before the OSError is raised."""
    try:
        return os.fork()
    except OSError:
        for fd in fds:
            os.close(fd)
        raise


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


def in_turn(items: list, make: Callable[[Any], Iterable[bytes]], on_two: bool = True) -> Iterator[bytes]:
    """The bytes of ``items`` in order: an item of bytes as it is, any other (a task) as ``make`` gives
    it. Where this process may fork and ``on_two`` says the work pays for a process, every second task
    is made meanwhile by a forked process and sent here as it is made (:class:`_Sent`); what it could
    not send is made here. The same bytes either way: ``make`` gives the same bytes for a task wherever
    it runs."""
    tasks = [k for k, x in enumerate(items) if not isinstance(x, bytes)]
    theirs = set(tasks[1::2])
    sent = None
    if on_two and theirs and two_processors() and hasattr(os, "memfd_create"):
        try:
            sent = _Sent(lambda: (make(items[k]) for k in sorted(theirs)))
        except OSError:  # no process to be had: all made here
            sent = None
    try:
        for k, x in enumerate(items):
            if isinstance(x, bytes):
                yield x
            elif sent is not None and k in theirs:
                yield from sent.task(partial(make, x))
            else:
                yield from make(x)
    finally:
        if sent is not None:
            sent.close()


class _Sent:
    """Tasks' bytes made in a forked process, one task ahead: it writes a task into a file in memory
    (memfd), says its length through a pipe, and waits for this process to have read it (a byte back
    through another pipe) before it writes the next; memory stays flat at one task's bytes."""

    PIECE = 4 << 20  # read back 4 MiB at a time

    def __init__(self, made: Callable[[], Iterator[Iterable[bytes]]]):
        from .outfile import pwrite_all  # here, not at start-up: every command loads this module, few fork

        self.fd = os.memfd_create("scoring-sheets", os.MFD_CLOEXEC)
        fds = [self.fd]
        try:
            done_r, done_w = os.pipe()
            fds += [done_r, done_w]
            read_r, read_w = os.pipe()
        except OSError:
            for fd in fds:
                os.close(fd)
            raise
        self.pid = _fork(*fds, read_r, read_w)
        if self.pid == 0:  # the forked process: make, say, and leave without this process's exit handlers
            code = 1
            try:
                os.close(done_r)
                os.close(read_w)
                for k, pieces in enumerate(made()):
                    if k and not os.read(read_r, 1):  # the task before not read yet: wait (nothing: stopped)
                        break
                    size = 0  # written over the task before: its pages are kept, not made again
                    for piece in pieces:
                        pwrite_all(self.fd, memoryview(piece), size)
                        size += len(piece)
                    os.write(done_w, size.to_bytes(8, "little"))
                code = 0
            finally:
                os._exit(code)
        os.close(done_w)
        os.close(read_r)
        self.done, self.read = done_r, read_w
        self.ended = False  # the forked process gives no more

    def task(self, here: Callable[[], Iterable[bytes]]) -> Iterator[bytes]:
        """The next task's bytes as made there; made here by ``here`` when that process could not."""
        got = b"" if self.ended else os.read(self.done, 8)  # a read of 8 bytes or fewer from a pipe is whole
        if len(got) < 8:
            self.ended = True
            yield from here()
            return
        size = int.from_bytes(got, "little")
        at = 0
        while at < size:
            piece = os.pread(self.fd, min(self.PIECE, size - at), at)
            if not piece:  # shorter than said: cannot happen to a file only that process writes
                raise OSError(f"the forked process's task is shorter than it said ({at} of {size} bytes)")
            at += len(piece)
            yield piece
        try:
            os.write(self.read, b"r")  # read: the next may be written
        except BrokenPipeError:  # that process has ended
            self.ended = True

    def close(self) -> None:
        """The forked process stopped and reaped; the file and pipes closed."""
        import signal

        try:
            os.kill(self.pid, signal.SIGKILL)  # done already, or no longer wanted (the caller stopped)
        except ProcessLookupError:
            pass
        os.waitpid(self.pid, 0)
        for fd in (self.fd, self.done, self.read):
            os.close(fd)
