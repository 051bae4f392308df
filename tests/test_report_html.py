"""The HTML report: one self-contained file, everything escaped, checked in a real browser."""

from __future__ import annotations

import re
import subprocess
import tempfile
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from builders import examples
from scoring.report import render_report

from report_support import example, small, tool

ALLOWED_TAGS = {
    "html",
    "head",
    "meta",
    "title",
    "style",
    "body",
    "div",
    "h1",
    "h2",
    "h3",
    "p",
    "b",
    "small",
    "br",
    "section",
    "table",
    "colgroup",
    "col",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "figure",
    "svg",
    "line",
    "rect",
    "text",
    "polyline",
    "circle",
    "dl",
    "dt",
    "dd",
    "footer",
}


class Collect(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str | None]] = []
        self.text: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs += attrs
        if tag in ("style", "title"):
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in ("style", "title"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.text.append(data)


def parse(html: str) -> Collect:
    c = Collect()
    c.feed(html)
    return c


@pytest.fixture(scope="module")
def example_html() -> str:
    res, dec, stamp = example()
    return render_report("html", res, dec, None, stamp, "zh").decode("utf-8")


def test_self_contained_no_script_no_network(example_html):
    p = parse(example_html)
    assert set(p.tags) <= ALLOWED_TAGS, set(p.tags) - ALLOWED_TAGS
    assert "script" not in p.tags and "link" not in p.tags and "img" not in p.tags
    for name, value in p.attrs:
        assert not name.startswith("on"), name  # no event handlers
        assert name not in ("src", "href") or value is None
    assert not re.search(r"url\(|@import|https?://(?!www\.w3\.org/2000/svg)", example_html)


def test_contents_ranked_tables_sheets_proposals_stamp(example_html):
    res, _, stamp = example()
    text = "".join(parse(example_html).text)
    assert "伊通满族自治县2020年度综合考核" in text and "伊通满族自治县绩效考核办公室（示例）" in text
    for name in res.data.names:
        assert f"{name}（" in text  # every unit has its sheet heading
    assert text.count("测评指标") == len(res.data.ids)
    assert "拟处理建议（约谈名单）" in text and "差0.06分" in text
    assert stamp["criteria_sha256"] in example_html and stamp["data_sha256"] in example_html
    assert example_html.count('<svg xmlns="http://www.w3.org/2000/svg" class="chart"') == 3 + len(res.data.ids)
    # page numbers and the stamp are in the page footer of every printed page, font set there too
    assert 'counter(page)' in example_html and "counter(pages)" in example_html
    bottom = re.search(r"@bottom-left \{[^}]*\}", example_html).group(0)
    assert "font-family" in bottom and stamp["criteria_sha256"] in bottom


def test_english():
    res, dec, stamp = example()
    html = render_report("html", res, dec, None, stamp, "en").decode("utf-8")
    assert "Score sheet" in html and "Why points were lost" in html and "page \" counter(page)" in html
    assert "<html lang=\"en\">" in html


PIECES = list("<>&\"'=/;:!-{}\\ab县局镇\u3000") + ["<script>", "</style>", "</td>", "&amp;", "<svg onload=x>", "]]>"]
HOSTILE = st.lists(st.sampled_from(PIECES), min_size=1, max_size=8).map("".join).map(str.strip).filter(bool)


@settings(max_examples=examples(30), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(names=st.lists(HOSTILE, min_size=2, max_size=4, unique=True), evidence=HOSTILE)
def test_unit_names_and_submitted_text_are_escaped(names, evidence):
    res, dec = small(names, evidence=evidence)
    html = render_report("html", res, dec, None, {"criteria_sha256": "</style><b>x", "data_sha256": "0"}, "zh").decode("utf-8")
    p = parse(html)
    assert set(p.tags) <= ALLOWED_TAGS
    assert p.tags.count("style") == 1 and "script" not in p.tags
    text = "".join(p.text)
    for n in names:
        assert n in text
    assert evidence in text
    css = re.search(r"<style>(.*?)</style>", html, re.S).group(1)
    assert "</style" not in css and "<b>" not in css


needs_chromium = pytest.mark.skipif(tool("chromium") is None, reason="Chromium is not installed (Debian package chromium)")


def chromium(*args: str, timeout: int = 120, parent: Path | None = None) -> subprocess.CompletedProcess:
    """Headless Chromium with a fresh profile (in the system's temporary folder unless ``parent``
    is given), removed when Chromium has exited."""
    with tempfile.TemporaryDirectory(prefix="chromium-profile-", dir=parent, ignore_cleanup_errors=True) as profile:
        cmd = [
            tool("chromium"),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            f"--user-data-dir={profile}",
            *args,
        ]
        return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)


@needs_chromium
def test_chromium_leaves_no_profile_behind(tmp_path):
    page = tmp_path / "p.html"
    page.write_text("<p>甲</p>", encoding="utf-8")
    assert "甲" in chromium("--dump-dom", page.as_uri(), parent=tmp_path).stdout
    assert list(tmp_path.glob("chromium-profile-*")) == []


@needs_chromium
def test_chromium_reads_the_report_as_written(tmp_path, example_html):
    page = tmp_path / "考核结果.html"
    page.write_text(example_html, encoding="utf-8")
    dom = chromium("--dump-dom", page.as_uri()).stdout
    res, _, _ = example()
    for name in res.data.names:
        assert name in dom
    assert dom.count("<section class=\"unit\"") == len(res.data.ids)
    assert "测评指标" in dom and "<script" not in dom
    shot = tmp_path / "shot.png"
    chromium("--window-size=1200,1600", f"--screenshot={shot}", page.as_uri())
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000  # a real picture, not a blank page


@needs_chromium
@pytest.mark.skipif(tool("pdftotext") is None, reason="pdftotext is not installed (Debian package poppler-utils)")
def test_chromium_prints_a4_with_page_numbers(tmp_path):
    res, dec = small(["甲镇", "乙局", "丙镇", "丁局"])
    page = tmp_path / "r.html"
    page.write_bytes(render_report("html", res, dec, None, {"criteria_sha256": "c" * 64}, "zh"))
    pdf = tmp_path / "r.pdf"
    chromium("--no-pdf-header-footer", f"--print-to-pdf={pdf}", page.as_uri())
    info = subprocess.run([tool("pdfinfo"), str(pdf)], capture_output=True, text=True).stdout
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    assert re.search(r"Page size:\s+(841\.\d+ x 59[45]\.\d+|59[45]\.\d+ x 841\.\d+) pts", info)  # A4
    text = re.sub(r"\s+", "", subprocess.run([tool("pdftotext"), str(pdf), "-"], capture_output=True, text=True).stdout)
    assert f"第1页共{pages}页" in text and f"第{pages}页共{pages}页" in text
    assert "c" * 64 in text


PHONE_PROBE = (
    "<script>document.title = 'W' + document.documentElement.scrollWidth + 'x' + window.innerWidth"
    " + 'F' + Math.round(parseFloat(getComputedStyle(document.querySelector('p') || document.body).fontSize));</script>"
)


@needs_chromium
@pytest.mark.parametrize("kind", ["office", "public", "unit"])
def test_every_kind_reads_on_a_phone(tmp_path, kind):
    """Opened on a phone (390 px wide, as in WeChat), a page never scrolls sideways: wide tables scroll in
    their own box, charts shrink; body text stays at least 12 px.  (A probe script is added to a copy for
    the test only: the files themselves carry no script.)"""
    from scoring.report import render_papers
    from scoring.report.papers import publication
    import datetime

    res, dec, stamp = example()
    if kind == "office":
        data = render_report("html", res, dec, None, stamp, "zh")
    else:
        pub = publication(res.criteria, {"public_from": datetime.date(2021, 1, 15), "public_to": datetime.date(2021, 1, 21), "contact": "0434-4222222"})
        data = render_papers("html", kind, res, dec, None, stamp, "zh", pub, only=res.data.ids[0] if kind == "unit" else None)[0][1]
    html = data.decode("utf-8")
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html and "<script" not in html
    page = tmp_path / "p.html"
    page.write_text(html.replace("</body>", PHONE_PROBE + "</body>"), encoding="utf-8")
    dom = chromium("--window-size=390,844", "--dump-dom", page.as_uri()).stdout
    m = re.search(r"<title>W(\d+)x(\d+)F(\d+)</title>", dom)
    assert m, dom[:300]
    scroll, width, font = map(int, m.groups())
    assert scroll <= width, f"{kind}: the page is {scroll} px wide on a {width} px screen"
    assert font >= 12


def test_the_ranked_tables_are_written_a_few_rows_at_a_time(monkeypatch):
    """Memory flat in the number of units: no piece of the report holds more than RANKING_ROWS rows of a
    ranked table, and the pieces make the same document as one text."""
    import scoring.report.html as html_mod
    from scoring.report.view import build

    res, decisions = small([f"单位{k}" for k in range(23)])
    whole = "".join(html_mod.render_parts(build(res, decisions)))
    monkeypatch.setattr(html_mod, "RANKING_ROWS", 4)
    parts = list(html_mod.render_parts(build(res, decisions)))
    assert "".join(parts) == whole
    rows = [p.count("<tr class=") for p in parts if 'class="unit"' not in p and 'class="proposals"' not in p]
    assert sum(rows) == 23 and max(rows) <= 4


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_report_written_as_bytes_is_the_text_document_encoded(tmp_path, lang, monkeypatch):
    """The file is made of pieces encoded once (a row's texts, a unit's section joined as bytes): it is
    the text document, UTF-8, byte for byte — with markup and CJK in names and submitted text, lines of
    every kind (the example's), and units' sheets made in blocks that split categories."""
    import scoring.report.html as html_mod
    from scoring.report import write_report
    from scoring.report.view import build

    monkeypatch.setattr(html_mod, "BLOCK", 3)
    cases = [(*small(["<b>县局&", "镇'\"", "a\u3000b", "</td>x", "乡"], evidence="<script>证据&amp;</script>"), None), example()]
    for k, (res, dec, stamp) in enumerate(cases):
        path = tmp_path / f"r{k}.html"
        write_report(path, "html", res, dec, None, stamp, lang)
        assert path.read_bytes() == html_mod.render(build(res, dec, None, stamp, lang)).encode("utf-8")
        assert b"".join(html_mod.render_encoded(build(res, dec, None, stamp, lang))) == path.read_bytes()
    for reason in [None, "", "扣2分", *PIECES, "<b>县局&amp;</b>'\""]:  # a reason's bytes are its text's
        assert html_mod._reason_bytes(reason) == html_mod._reason_text(reason).encode("utf-8")


@pytest.mark.parametrize("span, block", [(4, 3), (9, 2), (2000, 500)])
def test_the_sections_made_on_two_processors_are_the_document(monkeypatch, span, block):
    """Where the command line allows it, a forked process makes every second run of units' sections: the
    file is the very document made on one processor, byte for byte, and the forked process made part of it
    (runs of ``span`` units of a category cut in halves, their sheets made ``block`` units at a time)."""
    import scoring.report.html as html_mod
    from scoring import parallel
    from scoring.report.view import build

    monkeypatch.setattr(parallel, "allowed", True)
    if not parallel.two_processors():
        pytest.skip("one processor: nothing is forked (the one-processor document is tested above)")
    monkeypatch.setattr(html_mod, "ON_TWO_FROM", 0)
    monkeypatch.setattr(html_mod, "SPAN", span)
    monkeypatch.setattr(html_mod, "BLOCK", block)
    res, dec, stamp = example()
    whole = html_mod.render(build(res, dec, None, stamp, "zh")).encode("utf-8")
    made_here: list[str] = []
    real = html_mod._unit
    monkeypatch.setattr(html_mod, "_unit", lambda view, u, *rest: made_here.append(u.id) or real(view, u, *rest))
    assert b"".join(html_mod.render_encoded(build(res, dec, None, stamp, "zh"))) == whole
    units = len(res.data.ids)
    assert 0 < len(made_here) < units  # the rest was made by the forked process


@settings(max_examples=40, deadline=None)
@given(st.lists(st.sampled_from("甲乙丙"), max_size=30), st.integers(1, 7))
def test_halves_cover_every_unit_in_order_a_category_at_a_time(cats, size):
    """The runs two processes share: every unit once, in report order, each run within one category and at
    most half a ``size`` (rounded up) long, and no more than two runs for each ``size`` units of a category."""
    from types import SimpleNamespace

    from scoring.report.view import UnitSheets

    sheets = UnitSheets.__new__(UnitSheets)
    groups = {c: SimpleNamespace(name=c) for c in "甲乙丙"}
    sheets._keys = [(groups[c], p, None) for p, c in enumerate(sorted(cats, key="甲乙丙".index))]
    runs = sheets.halves(size)
    assert [k for a, b in runs for k in range(a, b)] == list(range(len(cats)))
    for a, b in runs:
        assert 0 < b - a <= (size + 1) // 2
        assert len({id(sheets._keys[k][0]) for k in range(a, b)}) == 1
    for c in set(cats):
        mine = [r for r in runs if sheets._keys[r[0]][0] is groups[c]]
        assert len(mine) <= 2 * -(-cats.count(c) // size)
