"""Read a criteria TOML file, validate it, and locate every problem by line.

tomli gives line and column for syntax errors; for model and consistency problems
we know the key path (``indicators[3].params.per``) and find its line by scanning
the file's table headers and keys.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from typing import Any

from ..core.criteria import Criteria
from ..core.plan import Plan, build_plan, pydantic_problems
from ..errors import CriteriaError, Problem
from ..registry import Registry

# Linear: no two quantifiers here can take the same characters (the old header pattern had three
# over spaces, and a "[" followed by 4 000 spaces took minutes). The table name is stripped in code.
_HEADER = re.compile(r"^[ \t]*(\[\[?)([^\]]*)\]\]?[ \t]*(#.*)?$")
_KEY = re.compile(r'^\s*("(?:[^"\\]|\\.)*"|\'[^\']*\'|[A-Za-z0-9_\-]+(?:\s*\.\s*(?:"[^"]*"|[A-Za-z0-9_\-]+))*)\s*=')


def _split_key(text: str) -> list[str]:
    parts = re.findall(r'"((?:[^"\\]|\\.)*)"|\'([^\']*)\'|([A-Za-z0-9_\-]+)', text)
    return [a or b or c for a, b, c in parts]


def key_lines(text: str) -> dict[str, int]:
    """Map each table and key path in a TOML text to the line it is written on."""
    lines: dict[str, int] = {}
    counts: dict[str, int] = {}
    table = ""
    in_string = False  # inside a multi-line string: nothing there is a table or a key
    for n, line in enumerate(text.splitlines(), start=1):
        was_in_string = in_string
        if '"""' in line or "'''" in line:
            in_string ^= (line.count('"""') + line.count("'''")) % 2 == 1
        if was_in_string:
            continue
        m = _HEADER.match(line)
        if m and m.group(2).strip() and not _KEY.match(line):
            parts = _split_key(m.group(2).strip())
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


_FULLWIDTH = str.maketrans("０１２３４５６７８９．－＋，", "0123456789.-+,")


def toml_cause(msg: str, line: str) -> tuple[str, dict[str, str]]:
    """The cause of a TOML syntax error in words of its own, with its own fix.

    The parser's text is English and names the symptom ("Invalid value"); the line usually
    shows the cause: a decimal comma, full-width digits, Chinese quotes, a bare Chinese key.
    """
    value = line.split("=", 1)[1].strip() if "=" in line else ""
    key = line.split("=", 1)[0].strip() if "=" in line else line.strip()
    if msg.startswith("Cannot overwrite a value"):
        return "criteria.toml.duplicate_key", {"key": key}
    m = re.match(r"Cannot declare \((.*)\) twice", msg)
    if m:
        table = ".".join(p.strip().strip("'\"") for p in m.group(1).split(",") if p.strip())
        return "criteria.toml.duplicate_table", {"table": table}
    bare = re.sub(r'"[^"]*"', "", line)  # outside strings
    if re.search(r"[０-９]", bare):
        found = re.search(r"[-+0-9０-９.．,，]*[０-９][-+0-9０-９.．,，]*", bare).group(0)  # type: ignore[union-attr]  # a digit is there
        return "criteria.toml.fullwidth", {"found": found, "fixed": found.translate(_FULLWIDTH)}
    m = re.search(r"\d+,\d+", bare)
    if m and "[" not in bare:
        return "criteria.toml.decimal_comma", {"found": m.group(0), "fixed": m.group(0).replace(",", ".")}
    if re.search(r"[“”]", value) and '"' not in value:
        return "criteria.toml.chinese_quotes", {"key": key}
    if line.count('"') % 2 == 1 and '"""' not in line:
        return "criteria.toml.unterminated", {}
    m = re.search(r"([^\x00-\x7f][^=,{}\[\]\"']*?)\s*=", bare)  # a Chinese key outside quotes
    if m:
        return "criteria.toml.bare_key", {"key": m.group(1).strip()}
    if value and re.match(r"[^\x00-\x7f]", value):
        return "criteria.toml.bare_text", {"key": key, "value": value}
    return "criteria.toml_syntax", {}


# What a criteria file may ask for: far beyond any real one, small enough that every check stays quick.
MAX_NESTING = 20  # arrays and tables inside one another
MAX_ENTRIES = 10_000  # entries of one array or table


def _bounds(data: dict) -> list[Problem]:
    """Nesting deeper than MAX_NESTING, arrays or tables longer than MAX_ENTRIES; each at its key."""
    out: list[Problem] = []
    stack: list[tuple[object, str, int]] = [(data, "", 0)]
    while stack:  # a loop, not recursion: the depth itself is what is being checked
        node, path, depth = stack.pop()
        if depth > MAX_NESTING:
            out.append(Problem("criteria.too_deep", {"most": MAX_NESTING}, key=path or None))
            continue
        if isinstance(node, dict):
            items = [(f"{path}.{k}" if path else str(k), v) for k, v in node.items()]
        elif isinstance(node, list):
            items = [(f"{path}[{i}]", v) for i, v in enumerate(node)]
        else:
            continue
        if len(items) > MAX_ENTRIES:
            out.append(Problem("criteria.too_many", {"what": path or "—", "n": len(items), "most": MAX_ENTRIES}, key=path or None))
            continue
        stack.extend((v, k, depth + 1) for k, v in items if isinstance(v, (dict, list)))
    return out


def _too_deep_at(text: str, most: int) -> tuple[int | None, int | None]:
    """(line, column) where [ and { first nest deeper than ``most``, strings and comments skipped."""
    depth, line, col, i, n = 0, 1, 0, 0, len(text)
    while i < n:
        ch = text[i]
        if ch in "\"'":
            quote = ch * 3 if text.startswith(ch * 3, i) else ch
            end = text.find(quote, i + len(quote))
            while quote == '"' and end > 0 and text[end - 1] == "\\":  # an escaped quote in a basic string
                end = text.find(quote, end + 1)
            end = n if end < 0 else end + len(quote)
            line += text.count("\n", i, end)
            i = end
            continue
        if ch == "#":
            end = text.find("\n", i)
            i = n if end < 0 else end
            continue
        if ch == "\n":
            line, col = line + 1, i
        elif ch in "[{":
            depth += 1
            if depth > most:
                return line, i - col
        elif ch in "]}":
            depth -= 1
        i += 1
    return None, None


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
        line = getattr(e, "lineno", None)
        # the parser counts lines by "\n" alone, and past the end of a file ending in one ("at end of document")
        code, args = toml_cause(msg, text.split("\n")[line - 1] if line and line <= text.count("\n") + 1 else "")
        raise CriteriaError(Problem(code, {"detail": msg, **args}, file=name, line=line, column=getattr(e, "colno", None))) from None
    except RecursionError:  # the TOML reader recurses per level of [ and {: say where it went too deep
        line, column = _too_deep_at(text, MAX_NESTING)
        raise CriteriaError(Problem("criteria.too_deep", {"most": MAX_NESTING}, file=name, line=line, column=column)) from None
    lines = key_lines(text)
    bounds = _bounds(data)
    if bounds:
        raise CriteriaError(locate(bounds, name, lines))
    try:
        criteria = Criteria.model_validate(data)
    except ValidationError as e:
        raise CriteriaError(locate(pydantic_problems(e), name, lines)) from None
    return criteria, lines, text


def located_plan(criteria: Criteria, lines: dict[str, int], name: str, registry: Registry, params: dict[str, Any] | None = None) -> Plan:
    """Static checks against the registry's methods, every problem located by line in ``name``
    (``params``: the leaves' parameters already validated, see :func:`scoring.core.plan.build_plan`)."""
    try:
        plan = build_plan(criteria, registry.methods, registry.failed, params)
    except CriteriaError as e:
        raise CriteriaError(locate(e.problems, name, lines)) from None
    plan.located = (name, lines)
    return plan


def load_criteria(path: str | Path, registry: Registry) -> Plan:
    criteria, lines, _ = read_criteria(path)
    return located_plan(criteria, lines, str(path), registry)


def plugin_folders(criteria: Criteria, lines: dict[str, int], name: str) -> list[Path]:
    """The local plugin folders a criteria file names, each confined to the file's own folder.

    A criteria file is data that travels by e-mail; the code it may run must sit beside it.
    An absolute path, or one that leaves the folder (``../``, a symlink pointing out), is
    refused before any code is loaded, located to the ``plugins`` line.
    """
    base = Path(name).parent.resolve()
    out, problems = [], []
    for i, entry in enumerate(criteria.assessment.plugins):
        p = Path(entry)
        inside = not p.is_absolute() and not Path(entry.replace("\\", "/")).is_absolute() and ":" not in entry
        target = (base / p).resolve()
        if not inside or (target != base and base not in target.parents):
            problems.append(Problem("criteria.plugin_outside", {"path": entry, "folder": str(base)}, key=f"assessment.plugins[{i}]"))
            continue
        out.append(base / p)
    if problems:
        raise CriteriaError(locate(problems, name, lines))
    return out
