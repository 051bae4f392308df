"""A method described from its own parameter model: what `scoring methods NAME` and docs/methods.md show.

Offices write ``params = {…}`` in the criteria by hand, so each method's page lists every
parameter with its type, whether it must be given, its default and its meaning, then an
example indicator and the rule sentence the engine generates from that example. All of it
comes from the method class itself (its pydantic ``Params``, ``title`` and ``example``), so
a plugin's method is documented the same way as a built-in one and the page cannot drift
from the code.

A parameter's meaning is its ``Field(description=…)`` (Chinese); the English text is
``json_schema_extra={"en": …}``.
"""

from __future__ import annotations

import types
import typing
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel

from ..i18n import t
from . import boundary
from .methods import Method, tr
from .record import Record
from .rounding import fmt

# The example indicator's points, when a method's example does not say.
EXAMPLE_FULL = 5.0


@dataclass(frozen=True)
class ParamDoc:
    name: str
    type: str
    required: bool
    default: str  # "" when required
    meaning: str


@dataclass(frozen=True)
class MethodDoc:
    name: str
    title: str
    plugin: str
    params: list[ParamDoc]
    reads: str  # which fields the method reads
    example: str  # a TOML [[indicators]] table, "" when the method gives none
    example_rule: str  # the rule sentence generated from the example


def _type_text(annotation: Any, lang: str) -> str:
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin in (typing.Union, types.UnionType):
        rest = [a for a in args if a is not type(None)]
        return " | ".join(_type_text(a, lang) for a in rest)
    if origin is Literal:
        return " | ".join(f'"{a}"' for a in args)
    if origin is list:
        return f"[{_type_text(args[0], lang)}, …]"
    if origin is dict:
        return t("mdoc.type_map", lang, value=_type_text(args[1], lang))
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        inner = ", ".join(f"{n} = {_type_text(f.annotation, lang)}" for n, f in annotation.model_fields.items())
        return f"{{{inner}}}"
    return {
        bool: t("mdoc.type_bool", lang),
        int: t("mdoc.type_int", lang),
        float: t("mdoc.type_float", lang),
        str: t("mdoc.type_str", lang),
    }.get(annotation, getattr(annotation, "__name__", str(annotation)))


def _value_text(v: Any) -> str:
    """A default or example value written as it would be in TOML."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return fmt(float(v))
    if isinstance(v, str):
        return f'"{v}"'
    if isinstance(v, (BaseModel, Record)):
        v = v.model_dump()
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{_key(k)} = {_value_text(x)}" for k, x in v.items()) + " }" if v else "{}"
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_value_text(x) for x in v) + "]"
    return str(v)


def _key(k: str) -> str:
    # bare TOML keys are ASCII letters, digits, - and _; anything else (Chinese field names) is quoted
    return k if k and all(c.isascii() and (c.isalnum() or c in "-_") for c in k) else f'"{k}"'


def _params(method: Method, lang: str) -> list[ParamDoc]:
    out = []
    for name, f in method.Params.model_fields.items():
        required = f.is_required()
        if required:
            default = ""
        elif f.default_factory is not None:
            default = _value_text(f.default_factory())  # type: ignore[call-arg]  # our models' factories take no argument
        elif f.default is None:
            default = t("mdoc.not_set", lang)
        else:
            default = _value_text(f.default)
        extra = f.json_schema_extra if isinstance(f.json_schema_extra, dict) else {}
        meaning = str(extra.get("en", "")) if lang == "en" else (f.description or "")
        out.append(ParamDoc(name, _type_text(f.annotation, lang), required, default, meaning))
    return out


def _reads(method: Method, lang: str) -> str:
    parts = []
    if method.uses_field:
        parts.append(t("mdoc.reads_field", lang))
    else:
        parts.append(t("mdoc.reads_params", lang))
    if method.previous_year:
        parts.append(t("mdoc.reads_previous", lang))
    return t("sep.list", lang).join(parts)


def _example(method: Method, lang: str) -> tuple[str, str]:
    ex = getattr(method, "example", None)
    if ex is None:
        return "", ""
    params = dict(ex.get("params", {}))
    full = float(ex.get("full", EXAMPLE_FULL))
    lines = ["[[indicators]]", 'id = "X1"', 'parent = "X"', f'name = "{ex.get("name", method.title[0])}"', f"full = {fmt(full)}", f'method = "{method.name}"']
    if ex.get("bonus"):
        lines.insert(3, "bonus = true")
    if method.uses_field:
        lines.append(f'field = "{ex["field"]}"')
    if params:
        lines.append(f"params = {_value_text(params)}")
    example = t("mdoc.example_of", lang)
    given = boundary.call_method(method, example, "params", method.Params.model_validate, params)
    rule = boundary.call_method(method, example, "rule", method.rule, given, full, lang)
    return "\n".join(lines), rule


def describe(method: Method, plugin: str = "", lang: str = "zh") -> MethodDoc:
    example, rule = _example(method, lang)
    return MethodDoc(method.name, tr(lang, method.title[0], method.title[1]), plugin, _params(method, lang), _reads(method, lang), example, rule)


def markdown(docs: list[MethodDoc], lang: str = "zh") -> str:
    """docs/methods.md: every method, one section each."""
    head = t("mdoc.page_head", lang)
    parts = [head]
    for d in docs:
        parts.append(f"## `{d.name}` — {d.title}\n")
        parts.append(t("mdoc.plugin_reads", lang, plugin=d.plugin, reads=d.reads))
        if d.params:
            parts.append(t("mdoc.table_head", lang))
            for p in d.params:
                req = t("mdoc.required_yes" if p.required else "mdoc.required_no", lang)
                cells = [f"`{p.name}`", p.type, req, p.default, p.meaning]
                parts.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
            parts.append("")
        else:
            parts.append(t("mdoc.no_params", lang))
        if d.example:
            parts.append(t("mdoc.example", lang))
            parts.append(f"```toml\n{d.example}\n```\n")
            parts.append(t("mdoc.example_rule", lang, rule=d.example_rule))
    return "\n".join(parts)


def as_text(docs: list[MethodDoc], lang: str = "zh", one: bool = False) -> str:
    """``scoring methods``: a line per method, or (``one``) a method's parameters, example and rule text."""
    from tabulate import tabulate
    import tabulate as wide

    wide.WIDE_CHARS_MODE = True  # Chinese columns line up

    def T(key: str) -> str:
        return t("cli." + key, lang)

    def label(key: str, value: str) -> str:
        return f"{T(key)}：{value}" if lang != "en" else f"{T(key)}: {value}"

    if not one:
        return tabulate([[d.name, d.title, d.plugin] for d in docs], headers=[T("m_name"), T("m_title"), T("m_plugin")], disable_numparse=True) + "\n"
    d = docs[0]
    out = [
        f"{d.name}  {d.title}  （{label('m_plugin', d.plugin)}）" if lang != "en" else f"{d.name}  {d.title}  ({label('m_plugin', d.plugin)})",
        label("m_reads", d.reads),
        "",
    ]
    if d.params:
        rows = [[p.name, p.type, T("m_yes") if p.required else T("m_no"), p.default, p.meaning] for p in d.params]
        out.append(tabulate(rows, headers=[T("m_param"), T("m_type"), T("m_required"), T("m_default"), T("m_meaning")], disable_numparse=True))
    else:
        out.append(T("m_none"))
    out.append("")
    if d.example:
        out += [T("m_example"), d.example, "", T("m_rule") + d.example_rule]
    else:
        out.append(T("m_no_example"))
    return "\n".join(out) + "\n"
