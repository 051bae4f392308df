"""``scoring backup``: a copy of the history store made through SQLite's online backup API.

A raw copy of the file taken while a process writes (or after a crash, with the hot journal
beside it) can be a mix of two states or a rolled-back run; the backup API copies the pages
under SQLite's own lock, so the copy is one consistent state of the store, whatever else is
writing.  The copy is checked (integrity, our format) before it is given its name, and an
existing file is never overwritten.  To restore: put the backup file in the store's place
(with no ``-journal`` file beside it) and run ``scoring verify --all``.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from ..errors import HistoryError, Problem
from ..outfile import check_out
from .store import TIMEOUT, default_path, open_store


def backup(db: str | os.PathLike | None, out: str | os.PathLike) -> int:
    """Copy the store at ``db`` to ``out`` (a new file); returns the number of runs in the copy."""
    src_path = default_path(db)
    target = Path(out)
    if target.exists() or target.is_symlink():
        raise HistoryError(Problem("backup.exists", {"path": str(target)}, file=str(target)))
    check_out(target, inputs=[src_path])
    tmp = target.with_name(f".{target.name}.{os.getpid()}.scoring-tmp")
    with open_store(src_path, guards=False) as src:  # a store whose triggers are gone is kept as evidence
        try:
            tmp.unlink(missing_ok=True)
            dst = sqlite3.connect(str(tmp), timeout=TIMEOUT)
            try:
                src.conn.backup(dst)  # all pages in one step, under SQLite's lock: one consistent state
                ok = dst.execute("PRAGMA integrity_check").fetchone()[0]
                runs = dst.execute("SELECT COUNT(*) FROM runs").fetchone()[0]
            finally:
                dst.close()
            if ok != "ok":
                raise HistoryError(Problem("backup.bad_copy", {"path": str(target), "detail": ok}, file=str(target)))
            os.link(tmp, target)  # never over a file that appeared meanwhile
        except FileExistsError:
            raise HistoryError(Problem("backup.exists", {"path": str(target)}, file=str(target))) from None
        except sqlite3.Error as e:
            raise HistoryError(Problem("backup.failed", {"path": str(target), "detail": str(e)}, file=str(target))) from None
        except OSError as e:
            raise HistoryError(Problem("backup.failed", {"path": str(target), "detail": e.strerror or str(e)}, file=str(target))) from None
        finally:
            tmp.unlink(missing_ok=True)
    return runs
