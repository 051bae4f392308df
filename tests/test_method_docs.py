"""`scoring methods NAME` and docs/methods.md: generated from each method's own parameter model."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from scoring.cli import main
from scoring.core.method_docs import describe, markdown

ROOT = Path(__file__).resolve().parent.parent


def _own(registry):
    """The project's own methods: a third-party plugin installed besides documents itself."""
    return {name: method for name, method in registry.methods.items() if registry.source[name] == "builtin"}


def test_docs_methods_md_is_current(registry):
    docs = [describe(m, "builtin") for n, m in sorted(_own(registry).items())]  # the methods this project documents
    on_disk = (ROOT / "docs" / "methods.md").read_text(encoding="utf-8")
    assert on_disk == markdown(docs), "docs/methods.md is stale: run `scoring methods --format markdown > docs/methods.md`"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_parameter_is_documented_in_both_languages(registry, lang):
    for name, method in _own(registry).items():
        doc = describe(method, "builtin", lang)
        assert [p.name for p in doc.params] == list(method.Params.model_fields)
        for p in doc.params:
            assert p.meaning or p.name in {"min", "points"}, f"{name}.{p.name} has no {lang} meaning"
            assert p.type, f"{name}.{p.name} has no type text"


def test_each_example_is_valid_toml_with_valid_params(registry):
    for name, method in _own(registry).items():
        doc = describe(method, "builtin")
        assert doc.example, f"{name} gives no example"
        table = tomllib.loads(doc.example)["indicators"][0]
        assert table["method"] == name
        params = method.Params.model_validate(table.get("params", {}))
        assert doc.example_rule == method.rule(params, float(table["full"]))
        assert ("field" in table) == method.uses_field


def test_methods_name_shows_parameters_example_and_rule(capsys):
    assert main(["methods", "quota"]) == 0
    out = capsys.readouterr().out
    for text in ("required", "per_short", "每少1次扣分", "是", 'method = "quota"', "生成的规则文字：不少于6次，每少1次扣0.3分，最多扣1.2分"):
        assert text in out


def test_methods_name_in_english(capsys):
    assert main(["methods", "rank_points", "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "points for rank 1, 2, 3 …" in out and "Rule text generated: by rank: 60/57/54/51/48; others 45" in out


def test_unknown_method_name_is_refused_with_the_known_names(capsys):
    assert main(["methods", "quotaa"]) == 2
    err = capsys.readouterr().err
    assert "quotaa" in err and "quota、rank_points" in err and "Traceback" not in err
