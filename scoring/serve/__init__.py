"""`scoring serve`: the office's intranet portal on the history store (docs/serve.md).

Data owners download their template, upload their workbook and see every problem at once; the
office follows collection, scores a draft, finalizes, publishes for a 公示期, decides objections and
applies them as a correction run; each unit sees only its own sheet and objects online; anyone on
the intranet sees the 公示 page during the 公示期. Everything goes through :mod:`scoring.api`.

- :mod:`.portal` the portal's tables in the store file (accounts, uploads, login attempts)
- :mod:`.data`   the year collected: criteria, unit list, workbooks, the folder a run scores
- :mod:`.gate`   what an upload must pass before it is read (size, kind, zip bomb, rows)
- :mod:`.app`    the route table with each route's roles, sessions, CSRF, the request pipeline
- :mod:`.pages`  the pages of each kind of person
"""

from __future__ import annotations


def create_app(db, key=None, max_upload=None):
    """The ASGI application for the store at ``db`` (Starlette; needs the ``serve`` extra)."""
    from . import gate
    from .app import create_app as make

    return make(db, key, gate.MAX_BYTES if max_upload is None else max_upload)
