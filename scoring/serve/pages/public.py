"""The public 公示 page: during the 公示期 only, the published results of every category."""

from __future__ import annotations

from starlette.responses import Response

from ..web import Ctx
from . import results


def page(ctx: Ctx) -> Response:
    vis = results.visible(ctx.settings, public=True)
    if vis is None:
        return ctx.page("public.html", pub=None)
    published, run, pub = vis
    scoring = results.scored(ctx.settings, run.id)
    show_total = scoring.results.criteria.publication.show_total
    return ctx.page("public.html", pub=pub, run=run, tables=results.tables(scoring), show_total=show_total)
