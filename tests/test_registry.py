"""Where the built-in methods come from, and what they may import."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import scoring

ROOT = Path(__file__).resolve().parent.parent


def test_a_checkout_that_was_never_installed_finds_the_built_in_methods(tmp_path):
    # a copy of the tree, run with the third-party libraries on the path but without site
    # processing: the project's own install (and its scoring_plugins package) is invisible
    for part in ("scoring", "plugins", "criteria"):
        shutil.copytree(ROOT / part, tmp_path / part, ignore=shutil.ignore_patterns("__pycache__"))
    env = {"PYTHONPATH": f"{tmp_path}:{sysconfig.get_paths()['purelib']}", "PATH": "/usr/bin:/bin", "XDG_CACHE_HOME": os.environ["XDG_CACHE_HOME"]}
    probe = subprocess.run([sys.executable, "-S", "-c", "import scoring_plugins"], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert probe.returncode != 0, "the probe must run where scoring_plugins is not installed"
    methods = subprocess.run([sys.executable, "-S", "-m", "scoring", "methods", "--lang", "en"], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert methods.returncode == 0, methods.stderr
    assert methods.stderr == ""
    listed = {line.split()[0] for line in methods.stdout.splitlines()[2:]}
    assert _own_methods() <= listed and len(_own_methods()) > 10  # plugins installed besides may be listed too, or not
    from scoring.registry import load_registry

    assert listed <= set(load_registry().methods)  # and nothing that is no method of this installation
    check = subprocess.run([sys.executable, "-S", "-m", "scoring", "check", "criteria/yitong-2020.toml"], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert check.returncode == 0, check.stderr


def _own_methods() -> set[str]:
    """The project's own methods (plugins/): those a third-party plugin installed here adds are not its business."""
    from scoring.registry import load_registry

    return {name for name, source in load_registry().source.items() if source == "builtin"}


def test_built_in_methods_import_only_public_names_of_scoring():
    for path in sorted((ROOT / "plugins").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "scoring":
                assert node.module == "scoring", f"{path.name}:{node.lineno} imports from {node.module}"
                for alias in node.names:
                    assert alias.name in scoring.__all__, f"{path.name}:{node.lineno} imports {alias.name}"
                    assert getattr(scoring, alias.name).__doc__, f"{alias.name} is public, so it says what it does"
            elif isinstance(node, ast.Import):
                assert all(a.name.split(".")[0] != "scoring" for a in node.names), f"{path.name}:{node.lineno}"


def test_the_type_checker_sees_each_public_name_as_it_is_imported_at_run_time():
    # scoring's public names are imported lazily; its `if TYPE_CHECKING:` block names them for mypy,
    # so the built-in methods are checked against the real classes, not Any
    tree = ast.parse((ROOT / "scoring" / "__init__.py").read_text(encoding="utf-8"))
    block = next(n for n in tree.body if isinstance(n, ast.If) and getattr(n.test, "id", "") == "TYPE_CHECKING")
    seen = {a.asname or a.name: "." + (n.module or "") for n in block.body if isinstance(n, ast.ImportFrom) for a in n.names}
    assert seen == scoring._PUBLIC


def test_a_plugin_whose_hook_raises_is_named_and_the_others_still_load():
    from scoring import hookimpl
    from scoring.registry import load_registry

    class Broken:
        __name__ = "broken_one"

        @staticmethod
        @hookimpl
        def scoring_methods():
            raise RuntimeError("no methods today")

    reg = load_registry(extra=[Broken()])
    assert [p.args["name"] for p in reg.failed] == ["broken_one"]
    assert "no methods today" in reg.failed[0].args["detail"]
    assert reg.source["bands"] == "builtin"


def test_an_installed_plugin_is_found_through_its_entry_point(tmp_path, monkeypatch):
    """Entry points are looked up only when some entry_points.txt on the path names the group; an
    installed third-party plugin is still found, with its distribution's version."""
    from test_cli import PLUGIN  # a method as a third party writes it

    from scoring.registry import _others_declared, load_registry

    tag = tmp_path.name.replace("-", "_")
    assert f"share_{tag}" not in load_registry().methods  # other plugins may be installed here: this one is not yet
    (tmp_path / f"third_{tag}.py").write_text(PLUGIN.format(name=f"share_{tag}"), encoding="utf-8")
    info = tmp_path / f"third_{tag}-1.2.3.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: third_{tag}\nVersion: 1.2.3\n", encoding="utf-8")
    (info / "entry_points.txt").write_text(f"[console_scripts]\nx = y:z\n\n[scoring]\nthird = third_{tag}\n", encoding="utf-8")
    with monkeypatch.context() as only:  # the quick look finds this entry point itself, whatever else is installed
        only.setattr(sys, "path", [str(tmp_path / "nothing")])
        assert not _others_declared()
        only.setattr(sys, "path", [str(tmp_path)])
        assert _others_declared()
    monkeypatch.syspath_prepend(str(tmp_path))
    assert _others_declared()
    reg = load_registry()
    assert reg.source[f"share_{tag}"] == "third" and reg.versions["third"] == "1.2.3"


def test_only_another_entry_of_the_group_counts():
    from scoring.registry import _declares_others

    assert not _declares_others("[scoring]\nbuiltin = scoring_plugins.builtin\n\n[console_scripts]\nscoring = scoring.cli:main\n")
    assert not _declares_others("[other]\nmine = pkg.mod\n")
    assert _declares_others("[console_scripts]\nx = a:b\n[ scoring ]\n# a comment\nmine = pkg.mod\n")
