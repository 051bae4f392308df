"""The report as an A4 PDF: the HTML report laid out by WeasyPrint with a CJK font embedded.

WeasyPrint is an optional extra (``pip install 'scoring-engine[pdf]'``) and is imported only
here.  Before anything is laid out, the fonts are checked: a PDF without a Chinese font prints
every character as a box, silently, so we refuse with a message saying how to install one.
"""
from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass

from ..errors import Problem, ReportError
from . import html as html_report
from .view import ReportView

# Families tried in order; the first one installed is used for the whole document.
PREFERRED = (
    "Noto Sans CJK SC", "Source Han Sans SC", "Source Han Sans CN", "Noto Serif CJK SC", "Source Han Serif SC",
    "WenQuanYi Micro Hei", "WenQuanYi Zen Hei", "AR PL UMing CN", "Noto Sans CJK TC", "Noto Sans CJK JP",
)


@dataclass(frozen=True)
class Font:
    family: str
    file: str
    index: int


def _fc_list(pattern: str, fmt: str) -> list[str]:
    exe = shutil.which("fc-list")
    if exe is None:
        raise ReportError(Problem("report.no_fontconfig"))
    out = subprocess.run([exe, "-f", fmt, pattern], capture_output=True, text=True, check=False)
    return [line for line in out.stdout.splitlines() if line.strip()]


def find_cjk_font() -> Font:
    """The Chinese font to print with, as fontconfig knows it; a clear error when there is none."""
    found: dict[str, Font] = {}
    for line in _fc_list(":lang=zh", "%{family}\t%{file}\t%{index}\t%{style}\n"):
        families, file, index, style = (line.split("\t") + ["", "", "", ""])[:4]
        if "Bold" in style and "Regular" not in style:
            continue
        for fam in families.split(","):
            found.setdefault(fam.strip(), Font(fam.strip(), file, int(index or 0)))
    for fam in PREFERRED:
        if fam in found:
            return found[fam]
    sans = sorted(f for f in found if "Mono" not in f)
    if sans:
        return found[sans[0]]
    raise ReportError(Problem("report.no_cjk_font"))


def missing_glyphs(text: str, font: Font) -> list[str]:
    """Characters of the text that no installed font can draw (those would print as boxes)."""
    from fontTools.ttLib import TTFont

    chars = {ch for ch in text if ch.isprintable() and not ch.isspace()}
    tt = TTFont(font.file, fontNumber=font.index, lazy=True)
    try:
        cmap = tt.getBestCmap() or {}
    finally:
        tt.close()
    left = sorted(ch for ch in chars if ord(ch) not in cmap)
    return [ch for ch in left if not _fc_list(f":charset={ord(ch):x}", "%{family}\n")]


def _no_fetch(url: str, *args, **kwargs):
    """The report needs nothing from outside; any URL (even one smuggled in as data) is refused."""
    raise ValueError(f"external resource refused: {url[:80]}")


def _load_weasyprint():
    try:
        import weasyprint
    except ImportError as e:
        return None, Problem("report.no_weasyprint", {"detail": str(e)})
    except OSError as e:  # the package is there but the Pango/HarfBuzz libraries are not
        return None, Problem("report.no_pango", {"detail": str(e)})
    return weasyprint, None


def render(view: ReportView) -> bytes:
    """The PDF's bytes; every missing piece (library, font) is reported at once, before any layout."""
    return html_to_pdf(lambda families: html_report.render(view, font=families))


def html_to_pdf(make) -> bytes:
    """``make(font_families)`` → an HTML document → PDF bytes, with the CJK font found on this
    machine; used by the report and by other papers (decision letters, notices)."""
    weasyprint, problem = _load_weasyprint()
    problems = [problem] if problem else []
    try:
        font = find_cjk_font()
    except ReportError as e:
        problems += e.problems
    if problems:
        raise ReportError(problems)
    families = f'"{font.family}", sans-serif'
    doc = make(families)
    missing = missing_glyphs(doc, font)
    if missing:
        raise ReportError(Problem("report.missing_glyphs", {"chars": " ".join(missing[:40]), "font": font.family}))
    return weasyprint.HTML(string=doc, url_fetcher=_no_fetch).write_pdf()
