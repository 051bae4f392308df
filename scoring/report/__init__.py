"""Turning results into what people read: terminal tables, JSON, CSV, and printed reports.

Printed reports (XLSX, HTML, PDF) all show the same :mod:`.view`, built once from the results,
the proposed decisions, earlier years' outcomes and the reproducibility stamp::

    from scoring.report import render_report
    data = render_report("pdf", results, decide(...), history=None, stamp=stamp.as_dict(), lang="zh")

Each format lives in its own module (``xlsx``, ``html``, ``pdf``) and imports its heavy
library only when called.
"""
from __future__ import annotations

REPORT_FORMATS = ("xlsx", "html", "pdf")


def render_report(fmt: str, results, decisions, history=None, stamp: dict | None = None, lang: str = "zh") -> bytes:
    """One report as the bytes of its file.

    ``decisions``: :func:`scoring.core.decisions.decide` output; ``history``: earlier years'
    outcomes by year (as given to ``decide``) or None; ``stamp``: a dict such as
    :meth:`scoring.history.stamp.Stamp.as_dict` returns, or None.
    """
    from .view import build

    view = build(results, decisions, history, stamp, lang)
    if fmt == "html":
        from .html import render

        return render(view).encode("utf-8")
    if fmt == "pdf":
        from .pdf import render

        return render(view)
    if fmt == "xlsx":
        from .xlsx import render

        return render(view)
    raise ValueError(f"unknown report format {fmt!r}")
