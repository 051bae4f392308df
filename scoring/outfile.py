"""Writing an output file: the one way every command writes what it produces.

    check_out(path, inputs=[...], data_folder=...)   # before any work: refuse a bad target
    write_out(path, data_bytes)                       # all of it, or nothing

What it promises the user:

* never half a file: the bytes go to a temporary file beside the target and are moved
  into place with one rename.  On Linux the temporary file has no name until it is
  complete (``O_TMPFILE``), so a process killed mid-write leaves nothing behind; where
  that is not available, a named temporary file is used: an ordinary kill (SIGTERM) or
  Ctrl-C removes it on the way out, and one left by ``kill -9`` (its process gone) is
  removed by the next write to the same target;
* an existing file keeps its permissions (a 0600 sheet stays 0600);
* a symbolic link is written through: the file it points to is replaced, the link stays;
* never over an input: a criteria file, a file of the data folder, the history store,
  or any new file inside the data folder (the next run would read it as a submission);
* a folder given as the file, a path through a file, a read-only folder, a full disk:
  exit 2 with the reason and the fix, never a traceback.
"""

from __future__ import annotations

import errno
import os
import re
from pathlib import Path
from typing import Iterable, Iterator, Literal

from .errors import OutputError, Problem

_TMP = ".{name}.{pid}.scoring-tmp"
_TMP_RE = r"\.{name}\.(\d+)\.scoring-tmp$"


def _problem(code: str, path, **args) -> OutputError:
    return OutputError(Problem(code, {"path": str(path), **args}, file=str(path)))


def _real(path: Path) -> Path:
    """The file actually written: a symbolic link is followed (and written through)."""
    return Path(os.path.realpath(path))


def check_out(path: str | os.PathLike, inputs: Iterable[str | os.PathLike] = (), data_folder: str | os.PathLike | None = None) -> Path:
    """Refuse an output path before any work is done; returns the file that will be written."""
    given = Path(path)
    if str(path) == "" or given.is_dir():
        raise _problem("output.is_dir", path)
    real = _real(given)
    if real.is_dir():
        raise _problem("output.is_dir", path)
    for item in inputs:
        if not item:
            continue
        p = Path(item)
        if p.exists() and not p.is_dir() and real == _real(p):
            raise _problem("output.is_input", path, input=str(item))
    if data_folder is not None and Path(data_folder).is_dir():
        folder = _real(Path(data_folder))
        if folder in real.parents:
            if real.exists():  # a submitted file
                raise _problem("output.is_input", path, input=str(path))
            raise _problem("output.in_data", path, folder=str(data_folder))
    parent = real.parent
    for up in [parent, *parent.parents]:  # the first part of the path that exists must be a folder
        if up.exists():
            if not up.is_dir():
                raise _problem("output.through_file", path, file=str(up))
            if not os.access(up, os.W_OK | os.X_OK):
                raise _problem("output.read_only", path, folder=str(up))
            break
    if real.exists() and not os.access(real, os.W_OK) and not os.access(parent, os.W_OK):
        raise _problem("output.read_only", path, folder=str(parent))
    return real


def write_out(path: str | os.PathLike, data: bytes | Iterable[bytes]) -> None:
    """Write ``data`` to ``path`` whole, or leave the target as it was (see the module doc).

    ``data`` may be an iterable of bytes, written as it comes (a report streamed a unit at a time), the
    pieces handed to the system about a mebibyte at a time."""
    real = check_out(path)
    with _terminate_cleanly():
        try:
            real.parent.mkdir(parents=True, exist_ok=True)
            mode = _mode_for(real)
            _sweep(real)
            if not isinstance(data, (bytes, bytearray)):
                _write_named(real, data, mode)  # chunks are read once: no second attempt could replay them
            elif not _write_unnamed(real, data, mode):
                _write_named(real, data, mode)
        except OSError as e:
            raise _os_problem(path, e) from None


class _terminate_cleanly:
    """While writing, SIGTERM (an ordinary kill) unwinds like Ctrl-C, so the temporary file is removed."""

    def __enter__(self):
        import signal
        import threading

        self.old = None
        if threading.current_thread() is threading.main_thread() and hasattr(signal, "SIGTERM"):
            self.old = signal.signal(signal.SIGTERM, _terminated)
        return self

    def __exit__(self, *exc) -> Literal[False]:
        if self.old is not None:
            import signal

            signal.signal(signal.SIGTERM, self.old)
        return False


def _terminated(signum, frame):
    raise SystemExit(128 + signum)


def _mode_for(real: Path) -> int:
    try:
        return real.stat().st_mode & 0o7777  # keep what the user had
    except FileNotFoundError:
        mask = os.umask(0)
        os.umask(mask)
        return 0o666 & ~mask


def _write_unnamed(real: Path, data: bytes, mode: int) -> bool:
    """Linux: an unnamed temporary file, named only once complete; False where unsupported."""
    flag = getattr(os, "O_TMPFILE", None)
    if flag is None or not os.path.isdir("/proc/self/fd"):
        return False
    try:
        fd = os.open(real.parent, flag | os.O_WRONLY, 0o600)
    except OSError as e:
        if e.errno in (errno.EOPNOTSUPP, errno.EISDIR, errno.EINVAL, errno.ENOENT):
            return False  # the file system cannot: use a named temporary file
        raise
    tmp = real.parent / _TMP.format(name=real.name, pid=os.getpid())
    try:
        _write_all(fd, data, mode)
        os.link(f"/proc/self/fd/{fd}", tmp, follow_symlinks=True)
    except OSError as e:
        os.close(fd)
        if e.errno in (errno.EXDEV, errno.EPERM, errno.ENOENT, errno.EOPNOTSUPP):
            return False  # some file systems (overlays) cannot name it: use a named temporary file
        raise
    except BaseException:
        os.close(fd)
        raise
    os.close(fd)
    _move(tmp, real)
    return True


def _write_named(real: Path, data: bytes | Iterable[bytes], mode: int) -> None:
    import tempfile  # with random, shutil …: only when a file is written this way

    fd, name = tempfile.mkstemp(prefix=f".{real.name}.{os.getpid()}.", suffix=".scoring-tmp", dir=real.parent)
    tmp = Path(name)
    try:
        _write_all(fd, data, mode)
    except BaseException:
        os.close(fd)
        tmp.unlink(missing_ok=True)
        raise
    os.close(fd)
    _move(tmp, real)


# Pieces are handed to the system about a mebibyte at a time (os.writev: one call for many pieces, nothing
# copied): every write that ends inside a page makes the kernel take that page twice. The 6 000 pieces of a
# province's JSON (361 MB, ~60 KB each) cost 0.26 s of system time written one by one (writes, fsync and
# rename; median of 7), 0.14 s so gathered.
_GATHER = 1 << 20
_IOV_MAX = 1024  # the most pieces one writev takes (POSIX guarantees at least 16; Linux and macOS take 1024)

# A large output goes to the disk while it is still being made. Past its first _BLOCKS_FROM bytes, its
# pieces are copied into blocks of _BLOCK bytes; a full block is written by a thread with O_DIRECT (past
# the page cache: the kernel copies nothing and keeps nothing to write back at the fsync) while the
# main thread fills the next. The province's 361 MB JSON: system time 0.27 -> 0.15 s, wall 1.75 ->
# 1.61 s (0.93x in 9 pairs), peak +8 MB; its final fsync waits 0.05 s (plain writes of 361 MiB: 0.25-0.33 s).
# The province's 242 MB HTML report, made more slowly, gained nothing (1.00x). Below that size the
# blocks' memory and the thread buy nothing measurable (the nation's 18 MB ranked CSV, all but its
# first 8 MiB in blocks: wall 1.02x). Writing back through the page cache as the file grew (fdatasync
# or sync_file_range every 32 MiB) was tried and slowed the writes down more than it saved. Where the
# file system refuses O_DIRECT the blocks are written as ordinary writes.
_BLOCKS_FROM = 64 << 20
_BLOCK = 4 << 20  # 2, 4 and 8 MiB wrote the province JSON as fast (9 pairs each); two blocks are held
_ALIGN = 4096  # O_DIRECT wants offset, length and memory on the device's block boundary; a page is a multiple of it


def _write_all(fd: int, data: bytes | Iterable[bytes], mode: int) -> None:
    if isinstance(data, (bytes, bytearray)) or not hasattr(os, "writev"):
        for chunk in (data,) if isinstance(data, (bytes, bytearray)) else data:
            _write_gathered(fd, [chunk])
    else:
        _write_pieces(fd, iter(data))
    os.fsync(fd)
    os.fchmod(fd, mode)


def _write_pieces(fd: int, data: Iterator[bytes]) -> None:
    """Pieces gathered as :data:`_GATHER` says; past :data:`_BLOCKS_FROM` bytes, the rest in blocks."""
    pieces: list = []
    size = written = 0
    for chunk in data:
        if len(chunk) >= _GATHER:  # a large piece goes alone (os.write: Python bounds one call where the
            _write_gathered(fd, pieces)  # system must; writev's total it does not, and macOS refuses 2 GiB)
            _write_gathered(fd, [chunk])
            written += size + len(chunk)
            pieces, size = [], 0
        else:
            pieces.append(chunk)
            size += len(chunk)
            if size >= _GATHER or len(pieces) == _IOV_MAX:
                _write_gathered(fd, pieces)
                written += size
                pieces, size = [], 0
        if written >= _BLOCKS_FROM:
            _write_gathered(fd, pieces)
            _write_blocks(fd, written + size, data)
            return
    _write_gathered(fd, pieces)


def _write_blocks(fd: int, offset: int, data: Iterator[bytes]) -> None:
    """The rest of ``data`` from ``offset``, a block at a time, by :class:`_BlockWriter`. The first block
    begins with the bytes already written of its first page, read back (the named temporary file is
    opened for reading and writing), so that every block begins on a page boundary."""
    import mmap

    start = offset - offset % _ALIGN
    block = mmap.mmap(-1, _BLOCK)
    at = offset - start
    block[:at] = os.pread(fd, at, start)
    writer = _BlockWriter(fd)
    try:
        for chunk in data:
            view = memoryview(chunk).cast("B")
            while len(view):
                n = min(len(view), _BLOCK - at)
                block[at : at + n] = view[:n]
                at += n
                view = view[n:]
                if at == _BLOCK:
                    block = writer.hand(block, start)
                    start += _BLOCK
                    at = 0
    except BaseException:
        writer.stop()  # not left writing; what stopped the caller (Ctrl-C, a kill, a failed write) is what is raised
        raise
    writer.close()
    writer.direct(False)  # the last block's length is rarely a whole number of pages
    pwrite_all(fd, memoryview(block)[:at], start)


class _BlockWriter:
    """A thread writing full blocks at their places (O_DIRECT where the file system takes it) while
    the caller fills the next: two blocks in all, the caller's and the one being written. A failed
    write is raised in the caller at its next hand-over or at :meth:`close`."""

    def __init__(self, fd: int) -> None:
        import mmap
        import queue
        import threading

        self.fd = fd
        self.error: BaseException | None = None
        self.direct(True)
        self.todo: queue.SimpleQueue = queue.SimpleQueue()
        self.free: queue.SimpleQueue = queue.SimpleQueue()
        self.free.put(mmap.mmap(-1, _BLOCK))
        self.thread = threading.Thread(target=self._run, name="scoring-out", daemon=True)
        self.thread.start()

    def direct(self, on: bool) -> bool:
        """Ask for O_DIRECT (or stop it); False where the file system or the system has none."""
        import fcntl

        flag = getattr(os, "O_DIRECT", 0)
        if not flag:
            return False
        flags = fcntl.fcntl(self.fd, fcntl.F_GETFL)
        try:
            fcntl.fcntl(self.fd, fcntl.F_SETFL, (flags | flag) if on else (flags & ~flag))
        except OSError:
            return False
        return True

    def hand(self, block, offset: int):
        """Write ``block`` at ``offset``; returns a block to fill."""
        self._raise()
        self.todo.put((block, offset))
        free = self.free.get()
        self._raise()
        return free

    def close(self) -> None:
        """Wait for the writes handed over, then raise what failed."""
        self.stop()
        self._raise()

    def stop(self) -> None:
        """Let the thread end, once the write it is doing is done."""
        self.todo.put(None)
        self.thread.join()

    def _raise(self) -> None:
        if self.error is not None:
            raise self.error

    def _run(self) -> None:
        while (item := self.todo.get()) is not None:
            block, offset = item
            try:
                if self.error is None:
                    pwrite_all(self.fd, memoryview(block), offset, self)
            except BaseException as e:  # whatever it is, the caller raises it (and never waits for a block in vain)
                self.error = e
            finally:
                self.free.put(block)


def pwrite_all(fd: int, view: memoryview, offset: int, writer: _BlockWriter | None = None) -> None:
    """All of ``view`` at ``offset``. A direct write refused or cut short goes on as ordinary writes
    (a file system may take O_DIRECT and then not these lengths)."""
    while len(view):
        try:
            done = os.pwrite(fd, view, offset)
        except OSError as e:
            if writer is None or e.errno != errno.EINVAL or not writer.direct(False):
                raise
            writer = None
            continue
        if done < len(view) and writer is not None:
            writer.direct(False)
            writer = None
        view = view[done:]
        offset += done


def _write_gathered(fd: int, pieces: list) -> None:
    """All of ``pieces``, in order: a short write goes on from the first byte not written."""
    views = [memoryview(p).cast("B") for p in pieces if len(p)]
    k = 0  # the first piece not yet written whole
    while k < len(views):
        done = os.writev(fd, views[k:]) if len(views) - k > 1 else os.write(fd, views[k])
        while k < len(views) and done >= len(views[k]):
            done -= len(views[k])
            k += 1
        if k < len(views):
            views[k] = views[k][done:]


def _move(tmp: Path, real: Path) -> None:
    try:
        os.replace(tmp, real)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _sweep(real: Path) -> None:
    """Remove temporary files a killed writer left beside this target (its process is gone)."""
    pattern = re.compile(_TMP_RE.format(name=re.escape(real.name)) + "|" + r"\." + re.escape(real.name) + r"\.(\d+)\..*\.scoring-tmp$")
    try:
        entries = list(os.scandir(real.parent))
    except OSError:
        return
    for entry in entries:
        m = pattern.match(entry.name)
        if m and not _alive(int(m.group(1) or m.group(2))):
            try:
                os.unlink(entry.path)
            except OSError:
                pass


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _os_problem(path, e: OSError) -> OutputError:
    code = {
        errno.EACCES: "output.read_only",
        errno.EPERM: "output.read_only",
        errno.EROFS: "output.read_only",
        errno.ENOSPC: "output.no_space",
        errno.EDQUOT: "output.no_space",
        errno.EISDIR: "output.is_dir",
        errno.ENOTDIR: "output.through_file",
    }.get(e.errno or 0, "output.failed")
    folder = str(Path(path).parent)
    return _problem(code, path, folder=folder, file=folder, detail=e.strerror or str(e))
