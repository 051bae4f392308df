"""The PDF report, read back the way a person would: pages as pictures, text as text, fonts embedded.

Needs the typst package, a CJK font and poppler-utils; each test says which one it is missing when it skips
(CI installs them all: see .ci/run).
"""

from __future__ import annotations

import os
import re
import subprocess
import zlib
from pathlib import Path

import pytest

from helpers import cli_process
from scoring.cli import main

from report_support import EXAMPLE_CRITERIA, EXAMPLE_DATA, ROOT, example, has_cjk_font, tool


def _typst_missing() -> str | None:
    try:
        import typst  # noqa: F401
    except ImportError:
        return "typst is not installed (pip install '.[pdf]')"
    return None


def _skip_without_tools():
    missing = _typst_missing()
    if missing:
        pytest.skip(missing)
    if not has_cjk_font():
        pytest.skip("no CJK font (Debian package fonts-noto-cjk)")
    if not all(tool(t) for t in ("pdftoppm", "pdftotext", "pdfinfo", "pdffonts")):
        pytest.skip("poppler-utils is not installed (pdftoppm, pdftotext, pdfinfo, pdffonts)")


def run(*cmd: str) -> str:
    return subprocess.run(list(cmd), capture_output=True, text=True, check=True).stdout


@pytest.fixture(scope="module")
def example_pdf(tmp_path_factory) -> Path:
    _skip_without_tools()
    out = tmp_path_factory.mktemp("pdf") / "考核结果.pdf"
    assert main(["report", str(EXAMPLE_CRITERIA), "--data", str(EXAMPLE_DATA), "--out", str(out)]) == 0
    return out


@pytest.fixture(scope="module")
def pages(example_pdf) -> list[str]:
    """The text of each page, whitespace removed (pdftotext spaces CJK text as it likes)."""
    text = run(tool("pdftotext"), "-layout", str(example_pdf), "-")
    return [re.sub(r"\s+", "", p) for p in text.split("\f")[:-1]]


def test_page_count_and_pages_as_pictures(example_pdf, pages, tmp_path):
    info = run(tool("pdfinfo"), str(example_pdf))
    n = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    assert len(pages) == n
    res, _dec, _st = example()
    # three ranked tables and their charts, the proposals, a page or two per unit, the stamp
    assert len(res.data.ids) + 5 <= n <= 2 * len(res.data.ids) + 12
    unit_page = next(i for i, p in enumerate(pages, start=1) if "评分表" in p and "测评指标" in p)
    for k in (1, 2, unit_page, n):  # pictures of the kinds of page there are (poppler takes ~0.06 s a page)
        run(tool("pdftoppm"), "-r", "30", "-f", str(k), "-l", str(k), "-png", str(example_pdf), str(tmp_path / f"p{k}"))
    pngs = sorted(tmp_path.glob("p*.png"))
    assert len(pngs) == 4 and all(p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for p in pngs)
    # ranked tables print landscape, score sheets portrait, both A4
    first = run(tool("pdfinfo"), "-f", "1", "-l", "1", str(example_pdf))
    sheet = run(tool("pdfinfo"), "-f", str(unit_page), "-l", str(unit_page), str(example_pdf))
    assert re.search(r"Page\s+1 size:\s+841\.\d+ x 595\.\d+", first)
    assert re.search(rf"Page\s+{unit_page} size:\s+595\.\d+ x 841\.\d+", sheet)


def test_chinese_text_is_text_on_the_right_pages(pages):
    res, _, stamp = example()
    n = len(pages)
    assert "伊通满族自治县2020年度综合考核" in pages[0] and "党群部门（13个单位）" in pages[0]
    for i, p in enumerate(pages, start=1):
        assert f"第{i}页共{n}页" in p  # page numbers in the footer of every page
        assert stamp["criteria_sha256"][:40] in p  # and the stamp
    for uid, name in zip(res.data.ids, res.data.names):
        starts = [i for i, p in enumerate(pages) if f"{name}（{uid}）评分表" in p]
        assert len(starts) == 1, name
        assert "测评指标" in pages[starts[0]] and "失分原因" in pages[starts[0]]
    assert any("拟处理建议（约谈名单）" in p for p in pages)
    assert any("县商务局" in p and "差0.06分" in p for p in pages)


def _pdf_objects(data: bytes) -> bytes:
    """The PDF's objects as text, object streams decompressed (fonts sit inside them)."""
    parts = [data]
    for m in re.finditer(rb"/Type\s*/ObjStm[^>]*?/Length (\d+)\s*>>\s*stream\r?\n", data):
        parts.append(zlib.decompress(data[m.end() : m.end() + int(m.group(1))]))
    return b"\n".join(parts)


def test_only_embedded_cjk_fonts(example_pdf):
    """Every font is a CJK font and is embedded: no fallback font, nothing left to the reader's machine."""
    objs = _pdf_objects(example_pdf.read_bytes())
    fonts = set(re.findall(rb"/BaseFont\s*/([^\s/<>\[]+)", objs))
    assert fonts and all(b"CJK" in f for f in fonts), fonts
    descriptors = re.findall(rb"<<\s*/Type\s*/FontDescriptor.*?>>", objs, re.S)
    assert descriptors and all(re.search(rb"/FontFile[23]?\s+\d+", d) for d in descriptors)


def test_a_page_looks_like_a_page(example_pdf, pages, tmp_path):
    """A score sheet page rendered at print-preview size has ink on it: tables, text and the chart."""
    pytest.importorskip("PIL")
    from PIL import Image

    k = next(i for i, p in enumerate(pages, start=1) if "评分表" in p and "测评指标" in p)
    run(tool("pdftoppm"), "-r", "40", "-f", str(k), "-l", str(k), "-png", str(example_pdf), str(tmp_path / "s"))
    img = Image.open(next(tmp_path.glob("s-*.png"))).convert("L")
    dark = img.histogram()[:128]
    dark = sum(dark) / (img.width * img.height)
    assert 0.01 < dark < 0.5


def test_no_cjk_font_is_a_clear_error_and_nothing_is_written(tmp_path):
    """Without any Chinese font the PDF would print boxes: refuse, say how to install one, keep the old file."""
    conf = tmp_path / "fonts.conf"
    empty = tmp_path / "no-fonts"
    empty.mkdir()
    conf.write_text(
        f"""<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig><dir>{empty}</dir><cachedir>{tmp_path / 'cache'}</cachedir></fontconfig>
""",
        encoding="utf-8",
    )
    out = tmp_path / "考核结果.pdf"
    out.write_bytes(b"old report")
    env = {**os.environ, "FONTCONFIG_FILE": str(conf)}
    p = cli_process("report", EXAMPLE_CRITERIA, "--data", EXAMPLE_DATA, "--out", out, env=env, cwd=ROOT)
    assert p.returncode == 2, p.stderr
    assert "fonts-noto-cjk" in p.stderr and "Traceback" not in p.stderr
    assert "中文字体" in p.stderr or "fc-list" in p.stderr
    assert out.read_bytes() == b"old report"
    assert [f.name for f in tmp_path.iterdir() if f.name.startswith(".")] == []  # no temporary file left


def test_characters_no_font_has_are_refused():
    if not has_cjk_font():
        pytest.skip("no CJK font (Debian package fonts-noto-cjk)")
    from scoring.report.pdf import find_cjk_font, missing_glyphs

    font = find_cjk_font()
    assert missing_glyphs("伊通满族自治县 县委党校 第 1 页 共 2 页 ↑3 −0.5", font) == []
    hieroglyph = "\U00013000"
    if run(tool("fc-list"), f":charset={ord(hieroglyph):x}", "family").strip():
        pytest.skip("an installed font has Egyptian hieroglyphs")
    assert missing_glyphs(f"县{hieroglyph}局", font) == [hieroglyph]


def test_no_wasted_pages(example_pdf):
    """Every score sheet that fits on a page is on one page (none spills a few lines onto the next), no page
    but the last is near-empty, and table headers repeat where a table breaks."""
    text = run(tool("pdftotext"), "-layout", str(example_pdf), "-").split("\f")[:-1]
    body = [[line for line in p.splitlines()[2:-2] if line.strip()] for p in text]  # header and footer lines off
    res, _, _ = example()
    near_empty = [i for i, lines in enumerate(body[:-1], start=1) if len(lines) <= 8]
    assert not near_empty, near_empty
    sheets = [i for i, p in enumerate(text) if "评分表" in p and "测评指标" in p]
    assert len(sheets) == len(res.data.ids)
    assert sheets == list(range(sheets[0], sheets[0] + len(sheets)))  # one page each, one after another
    # the proposals run over a page: the table's header row is printed again on the next page
    props = [i for i, p in enumerate(text) if "拟处理建议（约谈名单）" in p][0]
    assert "触发依据" in text[props + 1] and "距脱离" in text[props + 1]
