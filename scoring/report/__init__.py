"""Turning results into what people read: terminal tables, JSON, CSV, and printed reports.

Printed reports (XLSX, HTML, PDF) all show the same :mod:`.view`, built once from the results,
the proposed decisions, earlier years' outcomes and the reproducibility stamp::

    from scoring.report import render_report
    data = render_report("pdf", results, decide(...), history=None, stamp=stamp.as_dict(), lang="zh")

Each format lives in its own module (``xlsx``, ``html``, ``pdf``) and imports its heavy
library only when called.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .view import UnitView

REPORT_FORMATS = ("xlsx", "html", "pdf")
PAPERS = ("office", "unit", "public")  # who reads it: see scoring/report/papers.py


def render_report(fmt: str, results, decisions, history=None, stamp: dict | None = None, lang: str = "zh") -> bytes:
    """One report as the bytes of its file.

    ``decisions``: :func:`scoring.core.decisions.decide` output; ``history``: earlier years'
    outcomes by year (as given to ``decide``) or None; ``stamp``: a dict such as
    :meth:`scoring.history.stamp.Stamp.as_dict` returns, or None.
    """
    from .view import build

    view = build(results, decisions, history, stamp, lang)
    if fmt == "html":
        from . import html

        return html.render(view).encode("utf-8")
    if fmt == "pdf":
        from . import pdf

        return pdf.render(view)
    if fmt == "xlsx":
        from . import xlsx

        return xlsx.render(view)
    raise ValueError(f"unknown report format {fmt!r}")


def write_report(path, fmt: str, results, decisions, history=None, stamp: dict | None = None, lang: str = "zh") -> None:
    """Render the office report into ``path`` (whole or not at all); HTML and XLSX are streamed a unit at a time.

    While those two are streamed the cycle collector is paused (:mod:`scoring.core.cycles`): they make
    containers by the million (each unit's sheet, its rows' pieces), freed as they go and next to none in a
    cycle (under 900 objects left for the collector after a province report, the same peak memory); the
    collector's walks through them were some 0.05 s of the province HTML report."""
    from ..core.cycles import paused
    from ..outfile import write_out
    from .view import build

    if fmt == "html":
        from .html import render_encoded

        with paused():
            write_out(path, render_encoded(build(results, decisions, history, stamp, lang)))
    elif fmt == "xlsx":
        from . import xlsx

        with paused():
            write_out(path, xlsx.render_parts(build(results, decisions, history, stamp, lang)))
    else:
        write_out(path, render_report(fmt, results, decisions, history, stamp, lang))


def render_papers(
    fmt: str, kind: str, results, decisions, history=None, stamp: dict | None = None, lang: str = "zh", pub=None, only: str | None = None
) -> list[tuple[str, bytes]]:
    """The papers sent out, as (file name, bytes): one 公示 (``kind="public"``), or one 考核结果反馈 per unit
    (``kind="unit"``; ``only``: a unit id or name).  ``pub``: :func:`.papers.publication`.  Every paper is
    made before any is returned, so a failure leaves nothing half written.
    """
    from ..errors import Problem, ReportError
    from . import papers
    from .view import build

    papers.require(pub, kind)
    view = build(results, decisions, history, stamp, lang)
    units: Sequence[UnitView] = view.units
    if kind == "unit" and only is not None:
        units = [view.units[k] for k in view.units.find(only)]
        if not units:
            raise ReportError(Problem("report.unknown_unit", {"unit": only}))
    if fmt == "pdf":
        from .pdf import Typesetter

        ts = Typesetter(lang)
        if kind == "public":
            return [("public.pdf", ts.render(papers.public(view, pub), view.title, pub.issuer))]
        return [(papers.file_name(view, u, "pdf"), ts.render(papers.unit(view, u, pub), view.title, pub.issuer)) for u in units]
    if fmt == "html":
        from .html import render_paper

        if kind == "public":
            return [("public.html", render_paper(papers.public(view, pub), view).encode("utf-8"))]
        return [(papers.file_name(view, u, "html"), render_paper(papers.unit(view, u, pub), view).encode("utf-8")) for u in units]
    if fmt == "xlsx" and kind == "unit":
        from .xlsx import render_unit

        return [(papers.file_name(view, u, "xlsx"), render_unit(view, u, papers.unit(view, u, pub))) for u in units]
    raise ValueError(f"no {kind} paper as {fmt!r}")
