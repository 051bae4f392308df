"""Totals charts read right: no text sits on other text, everything stays inside the chart, and every
piece of a long category's chart fits the page it is printed on.  Categories of 5 to 200 units."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings, strategies as st

from scoring.report import charts, papers
from scoring.report.view import build

from report_support import example, small

CJK = st.text(alphabet="县局镇乡街道办公室委员会人民政府发展和改革管理服务中心统计审计司法财政交通运输水利农业", min_size=2, max_size=16)


def check_category(view, cat):
    drawn = 0
    for piece in papers.totals_pieces(view, cat, "sans-serif", *papers.LANDSCAPE_MM):
        start, stop = piece["rows"]
        assert start == drawn
        drawn = stop
        lay = charts.totals_layout(view, cat, start, stop)
        assert piece["width"] <= papers.LANDSCAPE_MM[0] + 1e-6
        height_mm = piece["width"] * lay.height / lay.width
        assert height_mm <= papers.LANDSCAPE_MM[1] + 1e-6, (start, height_mm)  # fits the page: never runs into the footer
        boxes = lay.labels
        for b in boxes:
            assert 0 <= b.x0 and b.x1 <= lay.width and 0 <= b.y0 and b.y1 <= lay.height, b
        for i, a in enumerate(boxes):
            for b in boxes[i + 1 :]:
                assert not a.overlaps(b), (a, b)
    assert drawn == len(cat.rows)


def test_the_example_charts():
    res, dec, stamp = example()
    view = build(res, dec, None, stamp, "zh")
    for cat in view.categories:
        check_category(view, cat)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(n=st.integers(5, 200), names=st.lists(CJK, min_size=400, max_size=400, unique=True), seed=st.integers(0, 1000))
def test_categories_of_5_to_200_units(n, names, seed):
    res, dec = small(names[: 2 * n], seed=seed)
    view = build(res, dec, None, None, "zh")
    for cat in view.categories:
        assert 5 <= len(cat.rows) <= 200
        check_category(view, cat)


def test_rank_numbers_do_not_print_over_names():
    """The fault seen in print: "县审1计局" — the rank drawn inside the unit's name."""
    res, dec = small(
        [
            "县审计局",
            "县财政局",
            "县统计局",
            "县司法局",
            "县水利局",
            "县交通运输局",
            "县农业农村局",
            "县市场监督管理局",
            "县人力资源和社会保障局",
            "县发展和改革局",
        ]
    )
    view = build(res, dec, None, None, "zh")
    for cat in view.categories:
        lay = charts.totals_layout(view, cat)
        ranks = [b for b in lay.labels if b.text.isdigit() and b.x0 < 60]
        names = [b for b in lay.labels if b.text in {r.name for r in cat.rows}]
        assert len(ranks) == len(names) == len(cat.rows)
        assert max(b.x1 for b in ranks) < min(b.x0 for b in names)


def test_a_chart_measured_without_drawing_has_the_drawn_size():
    """How a long category's chart is cut is found from its size measured without drawing: that size, and
    every text's box, are the drawn chart's own."""
    res, dec = small([f"县第{k}局" for k in range(60)], seed=3)
    view = build(res, dec, None, None, "zh")
    for cat in view.categories:
        axis = charts.axis_range(cat, view.total)
        for start, stop in ((0, None), (0, 7), (5, 12)):
            drawn = charts.totals_layout(view, cat, start, stop, axis)
            measured = charts.totals_layout(view, cat, start, stop, axis, draw=False)
            assert (measured.width, measured.height, measured.labels) == (drawn.width, drawn.height, drawn.labels)
            assert measured.body == [] and drawn.body
