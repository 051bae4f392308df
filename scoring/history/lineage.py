"""Keeping a unit's history together when its id changes (机构改革).

A unit's identity is its 单位编号.  Names may change freely from year to year.  When
an id changes, an alias ``old → new`` (declared in the criteria file as
``[[history.aliases]]`` and kept in the store with each run that declared it) links
them; several aliases with the same ``new`` record a merger.  An alias with a
``year`` applies only when looking back from that year to earlier years.
"""

from __future__ import annotations

from typing import Iterable, Protocol


class _Alias(Protocol):
    """An id change, from the criteria ([[history.aliases]]) or the store (read-only here)."""

    @property
    def old(self) -> str: ...
    @property
    def new(self) -> str: ...
    @property
    def year(self) -> int | None: ...


def ids_in_year(unit: str, year: int, aliases: Iterable[_Alias]) -> list[str]:
    """Every id ``unit`` (a current id) may have had in ``year``: itself and its predecessors."""
    aliases = list(aliases)
    out, todo = [unit], [unit]
    while todo:
        u = todo.pop()
        for a in aliases:
            if a.new == u and (a.year is None or year < a.year) and a.old not in out:
                out.append(a.old)
                todo.append(a.old)
    return out


def successors(unit: str, aliases: Iterable[_Alias]) -> list[str]:
    """The ids an old id became (following chains), nearest first."""
    aliases = list(aliases)
    out, todo = [], [unit]
    while todo:
        u = todo.pop(0)
        for a in aliases:
            if a.old == u and a.new not in out and a.new != unit:
                out.append(a.new)
                todo.append(a.new)
    return out


def merge_aliases(*groups: Iterable[_Alias]) -> list[_Alias]:
    seen, out = set(), []
    for group in groups:
        for a in group:
            key = (a.old, a.new, a.year)
            if key not in seen:
                seen.add(key)
                out.append(a)
    return out
