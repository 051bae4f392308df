"""The plugin machinery: finding scoring methods in plugins (the methods themselves live in
the top-level ``plugins/`` folder, installed as the package ``scoring_plugins``).

Plugins come from three places: the built-in methods, the entry points of the group
``scoring`` (third parties), and local plugin folders.  The built-in methods are a
plugin like any other, found even when the code runs from a checkout that was never
installed.  Every plugin's methods are collected through pluggy's hook call, one plugin
at a time: one that fails to import or to answer is reported by name and the others
still load; a method is then "unknown" only if it lived in the broken plugin, and the
message says so.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import pluggy

from . import hookspecs
from .core.methods import Method
from .errors import PluginError, Problem

ENTRY_POINT_GROUP = "scoring"


@dataclass
class Registry:
    """The scoring methods available, which plugin gave each, and the plugins that failed to load."""

    methods: dict[str, Method] = field(default_factory=dict)
    source: dict[str, str] = field(default_factory=dict)  # method name -> plugin name
    versions: dict[str, str] = field(default_factory=dict)  # plugin name -> version
    failed: list[Problem] = field(default_factory=list)  # plugins that did not load


def _manager() -> pluggy.PluginManager:
    pm = pluggy.PluginManager("scoring")
    pm.add_hookspecs(hookspecs)
    return pm


BUILTIN = "scoring_plugins.builtin"  # the built-in methods' hook module (pyproject.toml's entry point)


def _entry_points():
    if not _others_declared():
        return []
    from importlib.metadata import entry_points

    # the built-in methods are found by builtin_plugin(), installed or not: skip their entry point
    return [ep for ep in entry_points(group=ENTRY_POINT_GROUP) if ep.value != BUILTIN]


def _others_declared() -> bool:
    """Whether an installed distribution may declare an entry point of the group ``scoring`` besides
    the built-in one, from the ``entry_points.txt`` files of the folders on ``sys.path`` read directly.

    importlib.metadata gives the same entry points, but importing it (email, zipfile, csv …) and reading
    every distribution was about a tenth of a county run's CPU; it is asked only when this says yes.
    What this quick look cannot read (a zip file on ``sys.path``, a finder of distributions other than
    Python's own) counts as yes."""
    from importlib.machinery import PathFinder

    if any(hasattr(f, "find_distributions") and f is not PathFinder for f in sys.meta_path):
        return True
    for entry in sys.path:
        folder = entry or "."
        try:
            names = os.listdir(folder)
        except NotADirectoryError:  # a zip file: only importlib.metadata reads inside it
            return True
        except OSError:  # not there (python311.zip), or a path hook's name
            continue
        for name in names:
            if name.endswith((".dist-info", ".egg-info")):
                try:
                    with open(os.path.join(folder, name, "entry_points.txt"), encoding="utf-8") as f:
                        text = f.read()
                except (OSError, UnicodeDecodeError):
                    continue
                if _declares_others(text):
                    return True
    return False


def _declares_others(text: str) -> bool:
    """Whether an entry_points.txt has an entry in the ``scoring`` section other than the built-in one."""
    section = None
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("["):
            section = line.strip("[]").strip()
        elif section == ENTRY_POINT_GROUP and "=" in line and not line.startswith(("#", ";")):
            if line.split("=", 1)[1].strip() != BUILTIN:
                return True
    return False


def builtin_plugin() -> object:
    """The built-in methods' hook module: the installed package ``scoring_plugins``, or, when the
    code runs from a checkout that was never installed, the ``plugins/`` folder beside ``scoring/``."""
    try:
        return importlib.import_module(BUILTIN)
    except ModuleNotFoundError as exc:
        if exc.name not in ("scoring_plugins", BUILTIN):
            raise  # the package is there but something it imports is not: a real failure
    folder = Path(__file__).resolve().parent.parent / "plugins"
    spec = importlib.util.spec_from_file_location("scoring_plugins", folder / "__init__.py", submodule_search_locations=[str(folder)])
    if spec is None or spec.loader is None or not (folder / "builtin.py").is_file():
        raise ModuleNotFoundError(f"No module named {BUILTIN!r} and no plugins/ folder at {folder}", name=BUILTIN)
    package = importlib.util.module_from_spec(spec)
    sys.modules["scoring_plugins"] = package
    spec.loader.exec_module(package)
    return importlib.import_module(BUILTIN)


def _load_file(path: Path) -> object:
    # named by its path, the same in every process: the plan cache knows a parameter class by module and name
    name = f"scoring_local_plugin_{hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:16]}_{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def local_plugin_files(folders: list[Path]) -> list[Path]:
    files: list[Path] = []
    for folder in folders:
        if folder.is_file() and folder.suffix == ".py":
            files.append(folder)
        elif folder.is_dir():
            files.extend(sorted(p for p in folder.glob("*.py") if not p.name.startswith("_")))
        else:
            raise PluginError(Problem("plugin.folder_missing", {"path": str(folder)}))
    return files


def load_registry(local: Sequence[Path] = (), extra: Sequence[object] = (), entry_points: bool = True) -> Registry:
    """Find every method. ``extra`` are plugin objects registered directly (tests, embedding)."""
    pm = _manager()
    reg = Registry()
    named: list[tuple[str, object, str]] = []  # (plugin name, plugin, version)
    if entry_points:
        from . import __version__

        try:
            named.append(("builtin", builtin_plugin(), __version__))
        except Exception as exc:  # noqa: BLE001 - reported like any plugin that fails to import
            reg.failed.append(Problem("plugin.load_failed", {"name": "builtin", "detail": f"{type(exc).__name__}: {exc}"}))
        for ep in _entry_points():
            version = getattr(ep.dist, "version", "") if getattr(ep, "dist", None) else ""
            try:
                named.append((ep.name, ep.load(), version))
            except Exception as exc:  # noqa: BLE001 - any import failure is the plugin's
                reg.failed.append(Problem("plugin.load_failed", {"name": ep.name, "detail": f"{type(exc).__name__}: {exc}"}))
    for path in local_plugin_files(list(local)):
        try:
            # a local file has no package version: its content hash stands in, so a changed
            # file shows as a changed version when a stored run is verified
            version = "local:" + hashlib.sha256(path.read_bytes()).hexdigest()[:12]
            named.append((str(path), _load_file(path), version))
        except Exception as exc:  # noqa: BLE001
            reg.failed.append(Problem("plugin.load_failed", {"name": str(path), "detail": f"{type(exc).__name__}: {exc}"}, file=str(path)))
    for i, plugin in enumerate(extra):
        named.append((getattr(plugin, "__name__", f"plugin{i}"), plugin, ""))

    clashes: list[Problem] = []
    for name, plugin, version in named:
        try:
            pm.register(plugin, name=name)
        except ValueError:  # the same plugin object twice (e.g. installed and local)
            continue
        reg.versions[name] = version
    pm.check_pending()
    for plugin_name, classes in _answers(pm, reg):
        for cls in classes:
            method = cls() if isinstance(cls, type) else cls
            if not isinstance(method, Method) or not method.name:
                reg.failed.append(Problem("plugin.not_a_method", {"name": plugin_name, "obj": repr(cls)}))
                continue
            if method.name in reg.methods:
                clashes.append(Problem("plugin.duplicate", {"method": method.name, "first": reg.source[method.name], "second": plugin_name}))
                continue
            reg.methods[method.name] = method
            reg.source[method.name] = plugin_name
            try:
                method.plugin = plugin_name  # so a fault at the engine's boundary names its plugin
            except AttributeError:
                pass
    if clashes:
        raise PluginError(clashes)
    return reg


def _answers(pm: pluggy.PluginManager, reg: Registry):
    """(plugin name, its method classes) for each plugin, in registration order, through the
    hook call restricted to that plugin: so each method is credited to its plugin, and a
    plugin whose hook raises is reported by name without losing the others' methods."""
    everyone = pm.get_plugins()
    for impl in pm.hook.scoring_methods.get_hookimpls():
        others = [p for p in everyone if p is not impl.plugin]
        try:
            answers = pm.subset_hook_caller("scoring_methods", remove_plugins=others)()
        except Exception as exc:  # noqa: BLE001
            reg.failed.append(Problem("plugin.load_failed", {"name": impl.plugin_name, "detail": f"{type(exc).__name__}: {exc}"}))
            continue
        yield impl.plugin_name, [cls for answer in answers for cls in (answer or [])]
