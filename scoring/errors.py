"""Errors meant for people.

    ScoringError            shown by the CLI as a clean message, exit status 2
    ├── CriteriaError       a criteria file is unreadable or inconsistent
    ├── DataError           submitted data is missing, malformed or contradictory
    ├── PluginError         a plugin failed to load, or two plugins claim one method
    ├── ReportError         a report cannot be made as asked (no CJK font, no PDF library …)
    └── HistoryError        the history store is missing, damaged, foreign, busy, or a
                            request would alter a final run

Each carries every :class:`Problem` found (not just the first), each with where it
is (file, line/row, column or key path), what is wrong and how to fix it.
Messages are stored as a catalog code plus arguments and rendered in the user's
language only when shown.  Anything else that escapes is an internal error (exit 1).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Problem:
    """One thing wrong (or worth noting) in the user's input, located, as a message code and its arguments."""

    code: str  # key in scoring.i18n.MESSAGES; "<code>.hint" is the fix, if any
    args: dict[str, Any] = field(default_factory=dict)
    file: str | None = None
    line: int | None = None  # line in a text file (criteria TOML)
    row: int | None = None  # row in a data file, as a spreadsheet numbers it (header = 1)
    column: int | str | None = None
    key: str | None = None  # key path in a criteria file, e.g. indicators[3].params.per
    sheet: str | None = None  # worksheet of a workbook
    cell: str | None = None  # the cell as Excel names it (A1 style), e.g. "F12"

    def message(self, lang: str = "zh") -> str:
        from .i18n import t

        return t(self.code, lang, **self.args)

    def hint(self, lang: str = "zh") -> str | None:
        from .i18n import has, t

        return t(self.code + ".hint", lang, **self.args) if has(self.code + ".hint") else None

    def where(self, lang: str = "zh") -> str:
        from .i18n import t

        from .i18n import visible

        parts = [visible(self.file)] if self.file else []  # a file name can hold control characters too
        if self.sheet is not None:
            parts.append(t("loc.sheet", lang, s=self.sheet))
        if self.line is not None:
            parts.append(t("loc.line", lang, n=self.line))
        if self.row is not None:
            parts.append(t("loc.row", lang, n=self.row))
        if self.column is not None:
            parts.append(t("loc.column", lang, c=self.column))
        if self.cell is not None:
            parts.append(t("loc.cell", lang, c=self.cell))
        if self.key:
            parts.append(t("loc.key", lang, k=self.key))
        return ", ".join(parts)

    def expected(self, lang: str = "zh") -> str | None:
        """What the cell or file should have held, when the catalog says (``<code>.expected``)."""
        from .i18n import has, t

        return t(self.code + ".expected", lang, **self.args) if has(self.code + ".expected") else None

    def render(self, lang: str = "zh") -> str:
        from .i18n import t

        where = self.where(lang)
        text = f"{where}: {self.message(lang)}" if where else self.message(lang)
        expected = self.expected(lang)
        if expected:
            text += "\n    " + t("loc.expected", lang) + expected
        hint = self.hint(lang)
        if hint:
            text += "\n    " + t("loc.hint", lang) + hint
        return text

    def as_dict(self, lang: str = "zh") -> dict:
        out = {"code": self.code, "message": self.message(lang)}
        for name in ("file", "sheet", "line", "row", "column", "cell", "key"):
            if getattr(self, name) is not None:
                out[name] = getattr(self, name)
        expected = self.expected(lang)
        if expected:
            out["expected"] = expected
        if "value" in self.args:
            out["found"] = str(self.args["value"])
        hint = self.hint(lang)
        if hint:
            out["hint"] = hint
        return out


class ScoringError(Exception):
    """An error for the user, carrying every problem found."""

    title_code = "error.generic"

    def __init__(self, problems: list[Problem] | Problem):
        self.problems = [problems] if isinstance(problems, Problem) else list(problems)
        super().__init__(self.render("en"))

    def render(self, lang: str = "zh") -> str:
        from .i18n import t

        head = t(self.title_code, lang, n=len(self.problems))
        return "\n".join([head] + ["  " + p.render(lang).replace("\n", "\n  ") for p in self.problems])


class CriteriaError(ScoringError):
    title_code = "error.criteria"


class DataError(ScoringError):
    title_code = "error.data"


class UsageError(ScoringError):
    """The command cannot do what was asked (an output clash, a unit not in the run): not a data problem."""

    title_code = "error.usage"


class PluginError(ScoringError):
    title_code = "error.plugin"


class HistoryError(ScoringError):
    title_code = "error.history"


class ReportError(ScoringError):
    title_code = "error.report"


class OutputError(ScoringError):
    """An output file cannot be written where asked (a folder, an input, read-only, disk full …)."""

    title_code = "error.output"
