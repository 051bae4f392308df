"""`scoring criteria next`: next year's criteria file written from this year's.

The text is edited, never re-serialised: comments, order, spacing and quoting stay as the
office wrote them.  Two things change: ``[assessment] year`` and, inside the assessment's
``name``, the old year written as digits.  Everything that ties the years together is
left alone on purpose: ``look_back`` counts years back from whatever year is scored,
``[[history.aliases]]`` name the years a renaming happened, and ``[history] series`` (or
the name without its year) stays the same, so look-back rules find last year's results.

The new text is parsed again and must equal the old criteria but for year and name;
anything else is refused rather than written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ..core.criteria import Criteria
from ..errors import CriteriaError, Problem, ScoringError
from .criteria_file import parse_criteria

_YEAR = re.compile(r"^(\s*(?:assessment\s*\.\s*)?year\s*=\s*)(\d{4})(\s*(?:#.*)?)$")
_NAME = re.compile(r"""^(\s*(?:assessment\s*\.\s*)?name\s*=\s*)("(?:[^"\\]|\\.)*"|'[^']*')(\s*(?:#.*)?)$""")


@dataclass
class Carried:
    text: str
    old: Criteria
    new: Criteria
    stale: list[tuple[int, str]]  # (line, text) of lines still writing the old year (comments, rule texts …)


def carry_forward(raw: bytes, name: str, year: int | None = None) -> Carried:
    """This year's criteria file (its bytes) → next year's text; CriteriaError, located, when it cannot be done safely."""
    old, lines, text = parse_criteria(raw, name)
    y0 = old.assessment.year
    y1 = y0 + 1 if year is None else year
    if y1 <= y0:
        raise CriteriaError(Problem("carry.not_later", {"year": y1, "old": y0}, file=name, line=lines.get("assessment.year")))
    rows = text.split("\n")
    where = lines.get("assessment.year")
    m = _YEAR.match(rows[where - 1]) if where else None
    if m is None or where is None:
        raise CriteriaError(Problem("carry.year_line", {"what": "year"}, file=name, line=where))
    rows[where - 1] = f"{m.group(1)}{y1}{m.group(3)}"
    nline = lines.get("assessment.name")
    n = _NAME.match(rows[nline - 1]) if nline else None
    if n is None or nline is None:
        raise CriteriaError(Problem("carry.year_line", {"what": "name"}, file=name, line=nline))
    rows[nline - 1] = f"{n.group(1)}{n.group(2).replace(str(y0), str(y1))}{n.group(3)}"
    out = "\n".join(rows)
    new, _, _ = parse_criteria(out.encode("utf-8"), name)
    expect = old.model_copy(update={"assessment": old.assessment.model_copy(update={"year": y1, "name": new.assessment.name})})
    if new != expect or new.series != old.series:
        raise CriteriaError(Problem("carry.changed", {"old": old.series, "new": new.series}, file=name, line=nline))
    kept = {n for k, n in lines.items() if k.startswith("history.aliases[") and k.endswith("].year")}  # years of renamings: kept on purpose
    stale = [(k, r.strip()) for k, r in enumerate(rows, start=1) if str(y0) in r and k not in (where, nline) and k not in kept]
    return Carried(out, old, new, stale)


def write_next(src: str | Path, out: str | Path, year: int | None = None) -> Carried:
    """Write next year's file to ``out``; an existing file (or the source itself) is never overwritten."""
    from ..outfile import write_out
    from .criteria_file import criteria_bytes

    raw = criteria_bytes(src)
    out = Path(out)
    if out.exists() or out.resolve() == Path(src).resolve():
        raise ScoringError(Problem("carry.exists", file=str(out)))
    carried = carry_forward(raw, str(src), year)
    bom = b"\xef\xbb\xbf" if raw.startswith(b"\xef\xbb\xbf") else b""
    write_out(out, bom + carried.text.encode("utf-8"))
    return carried
