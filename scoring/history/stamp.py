"""The stamp every output carries, so a printed sheet can be traced to its run.

    印记：细则 3f2a9c0d1b7e · 数据 8e41d0a2c6f9 · 引擎 0.1.0 · 插件 builtin 0.1.0 · 第12号运行（草稿）

Criteria hash: sha256 of the criteria file's bytes.  Data hash: sha256 of the
canonical bytes of the data as scored (:mod:`scoring.history.canonical`).  Plugins:
the version of each plugin a method was taken from.  Anyone holding the same
criteria file and data can recompute the first two with ``scoring run``.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass, field
from typing import Any

from ..i18n import has, t
from ..i18n import text as message_text

SHORT = 12


@dataclass(frozen=True)
class Stamp:
    """What a run was made from: the criteria and data hashes, the engine and the plugins used."""

    criteria_sha256: str
    data_sha256: str
    engine: str
    plugins: dict[str, str] = field(default_factory=dict)  # plugin -> version (plugins whose methods were used)
    methods: dict[str, str] = field(default_factory=dict)  # method -> plugin
    run: int | None = None
    status: str | None = None  # "draft" / "final" once saved
    corrects: int | None = None
    # Blank cells scored as the criteria's missing policy says (unit, name, field, indicator or veto, policy):
    # declared, but never silent, so every output carrying the stamp says they were there.
    gaps: tuple[tuple[str, str, str, str, str], ...] = ()
    seal: str | None = None  # a sealed (定稿) run: the full sha256 of its sealed document
    office_key: str | None = None  # and the office's public key (Ed25519, hex) that signed it

    def with_run(self, run: int, status: str = "draft", corrects: int | None = None, seal: str | None = None, office_key: str | None = None) -> "Stamp":
        return Stamp(
            self.criteria_sha256, self.data_sha256, self.engine, dict(self.plugins), dict(self.methods), run, status, corrects, self.gaps, seal, office_key
        )

    def gap_lines(self, lang: str = "zh") -> list[str]:
        """The blank cells the criteria's missing policy handled, one line listing them (none: no line)."""
        if not self.gaps:
            return []
        # a nation run has tens of thousands: each policy's words found once and each item filled
        # straight into its message (the whole list then goes through t(), which makes any control
        # character visible, as it would in each item)
        actions = {p: t(f"missing.action.{p}", lang) if has(f"missing.action.{p}") else p for p in {g[4] for g in self.gaps}}
        item = message_text("stamp.gap_item", lang).format
        items = t("sep.items", lang).join(item(unit=u, name=n, field=f, indicator=i, action=actions[p]) for u, n, f, i, p in self.gaps)
        return [t("stamp.gaps", lang, n=len(self.gaps), items=items)]

    def line(self, lang: str = "zh") -> str:
        plugins = ", ".join(f"{_short_plugin(p)} {v or '?'}" for p, v in sorted(self.plugins.items()))
        text = t("stamp.line", lang, criteria=self.criteria_sha256[:SHORT], data=self.data_sha256[:SHORT], engine=self.engine, plugins=plugins or "—")
        if self.gaps:
            text += t("stamp.line_gaps", lang, n=len(self.gaps))
        if self.run is not None:
            state = t("hist.status.final" if self.status == "final" else "hist.status.draft", lang)
            corrects = t("stamp.line_corrects", lang, run=self.corrects) if self.corrects else ""
            text += t("stamp.line_run", lang, run=self.run, state=state, corrects=corrects)
        if self.seal:
            text += t("stamp.line_seal", lang, seal=self.seal, key=self.office_key)
        return text

    def as_dict(self) -> dict[str, Any]:
        return {
            "criteria_sha256": self.criteria_sha256,
            "data_sha256": self.data_sha256,
            "engine": self.engine,
            "plugins": dict(sorted(self.plugins.items())),
            "methods": dict(sorted(self.methods.items())),
            "run": self.run,
            "status": self.status,
            "corrects": self.corrects,
            **({"seal_sha256": self.seal, "office_public_key": self.office_key} if self.seal else {}),
        }

    def printed(self) -> dict[str, Any]:
        """What a printable report shows: the stamp, and the blank cells the missing policy handled."""
        out = self.as_dict()
        if self.gaps:
            out["blank_gaps"] = [f"{u} {n}: {f} → {i} ({p})" for u, n, f, i, p in self.gaps]
        return out

    def gaps_as_dicts(self) -> list[dict[str, str]]:
        return [dict(zip(("unit", "name", "field", "item", "policy"), g)) for g in self.gaps]


def _short_plugin(name: str) -> str:
    """Local plugin files are named by their path; the file name is enough on a sheet."""
    return name.replace("\\", "/").rsplit("/", 1)[-1]


def make_stamp(criteria_sha256: str, data_sha256: str, plan, registry, gaps=()) -> Stamp:
    """The stamp of a run of ``plan`` with methods from ``registry``; ``gaps``: the (unit, name, field,
    item, policy) of each blank cell the criteria's missing policy handled (see :func:`declared_blanks`)."""
    from .. import __version__

    methods = {leaf.method.name: registry.source.get(leaf.method.name, "") for leaf in plan.leaves.values()}
    plugins = {p: registry.versions.get(p, "") for p in set(methods.values())}
    return Stamp(criteria_sha256, data_sha256, __version__, plugins, methods, gaps=tuple(gaps))


def declared_blanks(gaps, data) -> list[tuple[str, str, str, str, str]]:
    """Of validate's gaps, the blank cells (not a formula without a value) scored as ``missing`` declares."""
    from ..core.usage import Gap

    first: dict[tuple[int, str, str], str] = {}  # (unit, field, item) -> policy, in the order first met
    parts = operator.itemgetter(*map(Gap._fields.index, ("unit", "field", "id", "policy", "reason")))  # by name, taken in C
    for unit, field_name, item, policy, reason in map(parts, gaps):
        if reason == "blank" and policy != "error":
            first.setdefault((unit, field_name, item), policy)
    ids, names = data.ids, data.names
    return [(ids[u], names[u], f, item, policy) for (u, f, item), policy in first.items()]
