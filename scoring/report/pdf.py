"""The papers as A4 PDFs, laid out by Typst (the ``typst`` package bundles its compiler) with CJK fonts embedded.

Why Typst: on the bundled example the office's full file (about 100 pages) takes under a second to lay
out, where WeasyPrint took 15–22 s; reportlab cannot embed the Noto CJK fonts Debian ships (their outlines
are PostScript/CFF, which it does not support).  See docs/reports.md for the comparison.

The layout is ``paper.typ``; the content is the JSON document :mod:`.papers` builds, passed to it as
data, so no text from the criteria or the data is ever read as Typst markup.  Before anything is laid
out the fonts are checked: a PDF without a Chinese font prints every character as a box, silently, so
we refuse with a message saying how to install one.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import Problem, ReportError

if TYPE_CHECKING:
    from .view import ReportView

# Families tried in order for each role; the first one installed is used.  Noto Serif CJK SC Bold stands
# in for 小标宋 (titles), Noto Serif CJK SC for 仿宋 (the body of 公文), Noto Sans CJK SC for 黑体.
PREFERRED = (
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "Noto Serif CJK SC",
    "Source Han Serif SC",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "AR PL UMing CN",
    "Noto Sans CJK TC",
    "Noto Sans CJK JP",
)
SERIF = ("Noto Serif CJK SC", "Source Han Serif SC", "Source Han Serif CN", "AR PL SungtiL GB", "AR PL UMing CN")


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


def _installed() -> tuple[dict[str, Font], dict[str, str]]:
    """Regular CJK fonts by family, and the files of every style of each family."""
    found: dict[str, Font] = {}
    paths: dict[str, str] = {}
    for line in _fc_list(":lang=zh", "%{family}\t%{file}\t%{index}\t%{style}\n"):
        families, file, index, style = (line.split("\t") + ["", "", "", ""])[:4]
        for fam in families.split(","):
            paths.setdefault(fam.strip(), file)
            if "Bold" in style and "Regular" not in style:
                continue
            found.setdefault(fam.strip(), Font(fam.strip(), file, int(index or 0)))
    return found, paths


def find_cjk_font(found: dict[str, Font] | None = None) -> Font:
    """The Chinese font for tables and headings (a 黑体-like sans first), or a clear error when there is none.

    ``found``: the installed fonts when already listed (each listing starts an fc-list process)."""
    found = _installed()[0] if found is None else found
    for fam in PREFERRED:
        if fam in found:
            return found[fam]
    sans = sorted(f for f in found if "Mono" not in f)
    if sans:
        return found[sans[0]]
    raise ReportError(Problem("report.no_cjk_font"))


def find_fonts() -> dict[str, Font]:
    """A font for each role: ``sans`` (tables, 黑体 headings) and ``serif`` (小标宋 titles, 仿宋 body)."""
    found, _ = _installed()
    sans = find_cjk_font(found)
    serif = next((found[f] for f in SERIF if f in found), sans)
    return {"sans": sans, "serif": serif}


def _charset(font: Font) -> list[tuple[int, int]]:
    """The code point ranges a font covers, from fontconfig's cache (reading the font's cmap takes ~0.5 s)."""
    for line in _fc_list(":lang=zh", "%{file}\t%{index}\t%{charset}\n"):
        file, index, ranges = (line.split("\t") + ["", "", ""])[:3]
        if file == font.file and int(index or 0) == font.index:
            out = []
            for r in ranges.split():
                lo, _, hi = r.partition("-")
                out.append((int(lo, 16), int(hi or lo, 16)))
            return out
    return []


def missing_glyphs(text: str, font: Font, ranges: list[tuple[int, int]] | None = None) -> list[str]:
    """Characters of the text that no installed font can draw (those would print as boxes).

    ``ranges``: the font's charset when already read (:func:`_charset`)."""
    import bisect

    ranges = _charset(font) if ranges is None else ranges
    starts = [lo for lo, _ in ranges]

    def covered(cp: int) -> bool:
        k = bisect.bisect_right(starts, cp) - 1
        return k >= 0 and ranges[k][0] <= cp <= ranges[k][1]

    chars = {ch for ch in text if ch.isprintable() and not ch.isspace()}
    left = sorted(ch for ch in chars if not covered(ord(ch)))
    return [ch for ch in left if not _fc_list(f":charset={ord(ch):x}", "%{family}\n")]


def _load_typst():
    try:
        import typst
    except ImportError as e:
        return None, Problem("report.no_typst", {"detail": str(e)})
    return typst, None


class Typesetter:
    """One Typst compiler with the fonts loaded once: a pack of 54 unit papers reuses it."""

    def __init__(self, lang: str = "zh"):
        typst, problem = _load_typst()
        problems = [problem] if problem else []
        try:
            self.fonts = find_fonts()
        except ReportError as e:
            problems += e.problems
        if problems:
            raise ReportError(problems)
        self.lang = lang
        dirs = sorted({str(Path(f.file).parent) for f in self.fonts.values()})
        self._template = files(__package__).joinpath("paper.typ").read_bytes()
        # system fonts too: a character the chosen fonts lack is drawn from whichever installed font has it
        # (missing_glyphs has already refused characters no installed font has)
        self._compiler = typst.Compiler(font_paths=dirs, ignore_system_fonts=False)
        self._typst = typst
        self._checked: set[str] = set()
        self._charset: list[tuple[int, int]] | None = None

    def roles(self, kind: str) -> dict:
        sans, serif = self.fonts["sans"].family, self.fonts["serif"].family
        if kind == "office":
            return {"body": sans, "heading": sans, "title": sans, "number": sans}
        return {"body": serif, "heading": sans, "title": serif, "number": serif}

    def render(self, doc: dict, title: str, author: str) -> bytes:
        """The PDF's bytes for one document from :mod:`.papers`."""
        from .papers import words

        kind = doc["kind"]
        roles = self.roles(kind)
        W = words(self.lang)
        keywords = [W["fonts"].format(title=roles["title"] + " Bold", body=roles["body"], heading=roles["heading"] + " Bold")]
        full = {
            **doc,
            "fonts": roles,
            "lang": "en" if self.lang == "en" else "zh",
            "size": 10 if kind == "office" else 16,
            "meta": {"title": title, "author": author, "keywords": keywords},
        }
        text = json.dumps(full, ensure_ascii=False)
        self._check_glyphs(text)
        try:
            return self._compiler.compile(self._template, format="pdf", sys_inputs={"doc": text}, pdf_tags=False)
        except self._typst.TypstError as e:  # a layout bug, not the user's input: say so plainly
            raise RuntimeError(f"Typst: {e.message} {e.diagnostic}") from None

    def _check_glyphs(self, text: str) -> None:
        new = {ch for ch in text if ord(ch) > 0x7F} - self._checked
        if not new:
            return
        if self._charset is None:  # read once: a pack of 54 papers checks its new characters 54 times
            self._charset = _charset(self.fonts["sans"])
        missing = missing_glyphs("".join(sorted(new)), self.fonts["sans"], self._charset)
        if missing:
            raise ReportError(Problem("report.missing_glyphs", {"chars": " ".join(missing[:40]), "font": self.fonts["sans"].family}))
        self._checked |= new


def render(view: ReportView) -> bytes:
    """The office report as PDF bytes (the papers sent out are rendered by :func:`scoring.report.render_papers`)."""
    from . import papers

    ts = Typesetter(view.lang)
    return ts.render(papers.office(view, f'"{ts.fonts["sans"].family}", sans-serif'), view.title, view.office)
