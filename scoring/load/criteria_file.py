"""Read a criteria TOML file, validate it, and locate every problem by line.

tomli gives line and column for syntax errors; for model and consistency problems
we know the key path (``indicators[3].params.per``) and find its line by scanning
the file's table headers and keys.
"""
from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

from ..core.criteria import Criteria
from ..core.plan import Plan, build_plan, pydantic_problems
from ..errors import CriteriaError, Problem
from ..plugins import Registry

_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r'^\s*("(?:[^"\\]|\\.)*"|\'[^\']*\'|[A-Za-z0-9_\-]+(?:\s*\.\s*(?:"[^"]*"|[A-Za-z0-9_\-]+))*)\s*=')


def _split_key(text: str) -> list[str]:
    parts = re.findall(r'"((?:[^"\\]|\\.)*)"|\'([^\']*)\'|([A-Za-z0-9_\-]+)', text)
    return [a or b or c for a, b, c in parts]


def key_lines(text: str) -> dict[str, int]:
    """Map each table and key path in a TOML text to the line it is written on."""
    lines: dict[str, int] = {}
    counts: dict[str, int] = {}
    table = ""
    for n, line in enumerate(text.splitlines(), start=1):
        m = _HEADER.match(line)
        if m and not _KEY.match(line):
            parts = _split_key(m.group(2))
            path = ""
            for i, p in enumerate(parts):
                path = f"{path}.{p}" if path else p
                if i == len(parts) - 1 and m.group(1) == "[[":
                    lines.setdefault(path, n)  # the whole array (e.g. "modules") starts at its first element
                    idx = counts.get(path, 0)
                    counts[path] = idx + 1
                    path = f"{path}[{idx}]"
                elif f"{path}" in counts:  # inside the latest element of an array of tables
                    path = f"{path}[{counts[path] - 1}]"
            table = path
            lines.setdefault(table, n)
            continue
        k = _KEY.match(line)
        if k:
            path = table
            for p in _split_key(k.group(1)):
                path = f"{path}.{p}" if path else p
            lines.setdefault(path, n)
    return lines


def locate(problems: list[Problem], file: str, lines: dict[str, int]) -> list[Problem]:
    """Attach a file and the best line to each problem that has a key path."""
    out = []
    for p in problems:
        line = None
        if p.key:
            key = p.key
            while key:
                if key in lines:
                    line = lines[key]
                    break
                cut = max(key.rfind("."), key.rfind("["))
                key = key[:cut] if cut > 0 else ""
        out.append(replace(p, file=p.file or file, line=p.line or line))
    return out


def criteria_bytes(path: str | Path) -> bytes:
    """A criteria file's bytes (hashed and stored with a run), or a located "file missing" problem."""
    try:
        return Path(path).read_bytes()
    except (FileNotFoundError, IsADirectoryError):
        raise CriteriaError(Problem("criteria.file_missing", file=str(path))) from None


def read_criteria(path: str | Path) -> tuple[Criteria, dict[str, int], str]:
    """Parse and model-validate a criteria file; returns (criteria, key lines, text)."""
    return parse_criteria(criteria_bytes(path), str(path))


def parse_criteria(raw: bytes, name: str) -> tuple[Criteria, dict[str, int], str]:
    """Parse and model-validate criteria given as the file's bytes (e.g. stored in the history);
    ``name`` is how problems refer to it."""
    import tomli
    from pydantic import ValidationError

    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise CriteriaError(Problem("criteria.not_utf8", file=name, line=raw[: e.start].count(b"\n") + 1)) from None
    try:
        data = tomli.loads(text)
    except tomli.TOMLDecodeError as e:
        msg = getattr(e, "msg", str(e))
        raise CriteriaError(Problem("criteria.toml_syntax", {"detail": msg}, file=name,
                                    line=getattr(e, "lineno", None), column=getattr(e, "colno", None))) from None
    lines = key_lines(text)
    try:
        criteria = Criteria.model_validate(data)
    except ValidationError as e:
        raise CriteriaError(locate(pydantic_problems(e), name, lines)) from None
    return criteria, lines, text


def located_plan(criteria: Criteria, lines: dict[str, int], name: str, registry: Registry) -> Plan:
    """Static checks against the registry's methods, every problem located by line in ``name``."""
    try:
        plan = build_plan(criteria, registry.methods, registry.failed)
    except CriteriaError as e:
        raise CriteriaError(locate(e.problems, name, lines)) from None
    plan.located = (name, lines)
    return plan


def load_criteria(path: str | Path, registry: Registry) -> Plan:
    criteria, lines, _ = read_criteria(path)
    return located_plan(criteria, lines, str(path), registry)
