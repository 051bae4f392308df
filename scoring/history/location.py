"""Where the history store is, without opening it: a command that only needs to know whether there
is a store (``scoring run --decide`` with no store yet, ``--out`` checked against it) does not
load sqlite3 and the store's records."""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_NAME = "scoring-history.sqlite"
ENV = "SCORING_DB"


def default_path(arg: str | os.PathLike | None = None) -> Path:
    """``--db`` if given, else ``$SCORING_DB``, else ``./scoring-history.sqlite``."""
    if arg:
        return Path(arg)
    env = os.environ.get(ENV)
    return Path(env) if env else Path.cwd() / DEFAULT_NAME
