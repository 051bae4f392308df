"""The plan cache: a criteria file that passed every check is not validated again.

Reading a criteria file validates it with pydantic; importing pydantic and building its models
is about 40 % of a county run's CPU. Once a file passed, the validated criteria and each leaf's
parameters are written as JSON data to the user's cache folder (``$XDG_CACHE_HOME/scoring-engine/plans``,
else ``~/.cache/scoring-engine/plans``), under a name made from the SHA-256 of the file's bytes and of
everything that validated them: the engine's own validating source, the Python, pydantic, pydantic_core
and tomli installed, the ``--plugins`` folders. A later run of the same bytes rebuilds the records from that
data without pydantic (and without the TOML reader); every check of the plan against the methods
found still runs, as do the checks of the data.

Data, never code: an entry is JSON, and it rebuilds only record classes already imported
(:data:`scoring.core.record.RECORDS`), each with exactly the fields it declares. A leaf's parameters
are used only if its method's parameter class is the same class, from the same source (its module and
the other modules of its package imported, by SHA-256), as when they were written. Every entry carries
an HMAC made with a key of this user's (``key`` in the cache folder, readable by the user alone): a file
this engine did not write for this user, a damaged one, one of another format, is a miss — the criteria are validated as usual and the
entry written again. ``SCORING_PLAN_CACHE`` set to ``0``, ``false``, ``no`` or ``off`` (any case) turns the
cache off; unset, empty, ``1``, ``true``, ``yes`` or ``on`` leave it on; any other value turns it off as
well, and the command line says so (:func:`unknown_setting`).
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import json
import os
import sys
import types
import typing
from pathlib import Path
from typing import Any, Callable

from ..core.criteria import Criteria
from ..core.record import RECORDS, Record, field_types

FORMAT = 2
ENV = "SCORING_PLAN_CACHE"
# the modules whose code decides what a criteria file validates to
_VALIDATING = ("scoring.core.record", "scoring.core.validator", "scoring.core.criteria", "scoring.core.methods", "scoring.load.criteria_file")


OFF = ("0", "false", "no", "off")
ON = ("", "1", "true", "yes", "on")


def unknown_setting() -> str | None:
    """The value of SCORING_PLAN_CACHE when it is neither on nor off (the cache is then off), else None."""
    value = os.environ.get(ENV, "")
    return None if value.strip().lower() in OFF + ON else value


def folder() -> Path | None:
    """Where entries go; None when the cache is turned off (or its setting is not understood)."""
    if os.environ.get(ENV, "").strip().lower() not in ON:
        return None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "scoring-engine" / "plans"


_SOURCES: dict[str, str] = {}


def _source_sha(module: str) -> str:
    """SHA-256 of a module's source file (read once per process)."""
    sha = _SOURCES.get(module)
    if sha is None:
        spec_file = getattr(sys.modules.get(module), "__file__", None)
        if spec_file is None:
            import importlib.util

            spec = importlib.util.find_spec(module)
            spec_file = spec.origin if spec else None
        sha = _SOURCES[module] = hashlib.sha256(Path(spec_file).read_bytes()).hexdigest() if spec_file else "-"
    return sha


def _params_source(module: str, memo: dict[str, str]) -> str:
    """SHA-256 of the source a parameter class of ``module`` is validated by: the module itself and, for a
    module of a package (the built-in methods', an installed plugin's), every module of that package
    imported — a base class or a Field declared in a sibling module (the built-in methods' ``_common.py``)
    decides what the class validates to as much as the class does. The engine's own modules are in the key.
    ``memo``: the packages' answers, for the leaves of one plan."""
    top = module.partition(".")[0]
    if top == "scoring" or not hasattr(sys.modules.get(top), "__path__"):
        return _source_sha(module)  # the engine's own, or a plugin file of its own (a --plugins folder's)
    sha = memo.get(top)
    if sha is None:
        names = sorted(n for n, m in list(sys.modules.items()) if (n == top or n.startswith(f"{top}.")) and getattr(m, "__file__", None))
        sha = memo[top] = hashlib.sha256("".join(f"{n}:{_source_sha(n)}\n" for n in names).encode()).hexdigest()
    return sha


def _installed(package: str, file: str) -> str:
    """A package's identity without importing it: where it is and the SHA-256 of one of its files."""
    import importlib.util

    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return "-"
    path = Path(next(iter(spec.submodule_search_locations))) / file
    return f"{path}:{hashlib.sha256(path.read_bytes()).hexdigest()}"


def _compiled(package: str) -> str:
    """A compiled package's identity without importing it (pydantic_core, whose version is in its binary):
    where it is, its installed record (the version in the dist-info's name, each file's SHA-256 in RECORD),
    and the size and time of each of its files (a build put in place of another)."""
    import importlib.util

    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return "-"
    folder = Path(next(iter(spec.submodule_search_locations)))
    parts = [str(folder)]
    for info in sorted(n for n in os.listdir(folder.parent) if n.startswith(f"{package}-") and n.endswith(".dist-info")):
        record = folder.parent / info / "RECORD"
        parts.append(f"{info}:{hashlib.sha256(record.read_bytes()).hexdigest() if record.is_file() else '-'}")
    for entry in sorted(os.scandir(folder), key=lambda e: e.name):
        if entry.is_file():
            st = entry.stat()
            parts.append(f"{entry.name}:{st.st_size}:{st.st_mtime_ns}")
    return "|".join(parts)


def _entry_path(raw: bytes, plugins: list[Path]) -> Path | None:
    where = folder()
    if where is None:
        return None
    key = {
        "format": FORMAT,
        "criteria": hashlib.sha256(raw).hexdigest(),
        "engine": {m: _source_sha(m) for m in _VALIDATING},
        "python": sys.version,
        "pydantic": _installed("pydantic", "version.py"),
        "pydantic_core": _compiled("pydantic_core"),  # validates; its version may change without pydantic's
        "tomli": _installed("tomli", "__init__.py"),
        "plugins": [str(p.resolve()) for p in plugins],
    }
    name = hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()
    return where / f"{name}.json"


def _secret(where: Path, create: bool) -> bytes | None:
    """This user's key for the entries' HMAC (made on first write, readable by the user alone)."""
    path = where.parent / "key"
    try:
        return _own_key(path)
    except OSError:
        if not create:
            return None
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first
        return _own_key(path)
    with os.fdopen(fd, "wb") as f:
        f.write(os.urandom(32))
    return _own_key(path)


def _own_key(path: Path) -> bytes | None:
    """The key at ``path`` if it is this user's alone (owned by the user, readable by no one else) and
    whole; else None: a key others could read (a shared cache folder) signs nothing to trust."""
    st = os.stat(path)
    if (hasattr(os, "getuid") and st.st_uid != os.getuid()) or st.st_mode & 0o077:
        return None
    key = path.read_bytes()
    return key if len(key) >= 32 else None  # a key cut short is no key


class Miss(Exception):
    """An entry that cannot be used as it is."""


def _no_constant(name: str) -> Any:
    raise Miss(name)


def _encode(v: Any) -> Any:
    """A value as JSON: each object carries one tag, so the data a user wrote (a params table may have
    any key) never reads as anything else."""
    if v is None or isinstance(v, (bool, str)):
        return v
    if isinstance(v, (int, float)):
        return v  # json writes floats exactly (repr) and refuses nan (nothing valid holds one)
    if isinstance(v, Record):
        key = f"{type(v).__module__}:{type(v).__qualname__}"
        if RECORDS.get(key) is not type(v):
            raise Miss(key)
        return {"$r": key, "f": {k: _encode(x) for k, x in v.__dict__.items()}}
    if isinstance(v, list):
        return [_encode(x) for x in v]
    if isinstance(v, tuple):
        return {"$t": [_encode(x) for x in v]}
    if isinstance(v, dict) and all(isinstance(k, str) for k in v):
        return {"$d": {k: _encode(x) for k, x in v.items()}}
    if isinstance(v, datetime.date) and not isinstance(v, datetime.datetime):
        return {"$date": v.isoformat()}
    raise Miss(type(v).__name__)


def _decode(v: Any) -> Any:
    if v is None or isinstance(v, (bool, str, int, float)):
        return v
    if isinstance(v, list):
        return [_decode(x) for x in v]
    if not isinstance(v, dict) or len(v) != (2 if "$r" in v else 1):
        raise Miss("shape")
    if "$r" in v:
        cls, values = RECORDS.get(v["$r"]), v.get("f")
        if cls is None or not isinstance(values, dict) or set(values) != set(cls.record_fields):
            raise Miss(str(v["$r"]))
        try:
            checks = _field_checks(cls)
        except Exception as exc:  # noqa: BLE001 - a declared type that does not resolve: nothing to check against
            raise Miss(str(v["$r"])) from exc
        fields = {}
        for k, fits in checks:
            fields[k] = x = _decode(values[k])
            if not fits(x):  # a record of another class, a value of another type: never a wrong object
                raise Miss(f"{v['$r']}.{k}")
        return cls.model_construct(**fields)
    if "$d" in v and isinstance(v["$d"], dict):
        return {k: _decode(x) for k, x in v["$d"].items()}
    if "$t" in v and isinstance(v["$t"], list):
        return tuple(_decode(x) for x in v["$t"])
    if "$date" in v and isinstance(v["$date"], str):
        return datetime.date.fromisoformat(v["$date"])
    raise Miss("tag")


_CHECKS: dict[Any, Callable[[Any], bool]] = {}
_FIELD_CHECKS: dict[type, list[tuple[str, Callable[[Any], bool]]]] = {}


def _field_checks(cls: type[Record]) -> list[tuple[str, Callable[[Any], bool]]]:
    """Each field of a record class with the check of its declared type (made once per class)."""
    checks = _FIELD_CHECKS.get(cls)
    if checks is None:
        checks = _FIELD_CHECKS[cls] = [(k, _check(tp)) for k, tp in field_types(cls).items()]
    return checks


def _check(tp: Any) -> Callable[[Any], bool]:
    """Whether a value read back is of the declared type ``tp``, as validating made it: records by class,
    containers item by item, an int where a float is declared (as a default written 0 holds). A type not
    known here fits nothing: the entry is a miss, and the criteria are validated. Made once per type."""
    try:
        return _CHECKS[tp]
    except KeyError:
        check = _CHECKS[tp] = _make_check(tp)
        return check
    except TypeError:  # an annotation that cannot be a key
        return _make_check(tp)


def _make_check(tp: Any) -> Callable[[Any], bool]:
    if tp is Any or tp is object:
        return lambda v: True
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin is None:
        if tp is None or tp is type(None):
            return lambda v: v is None
        if isinstance(tp, type) and issubclass(tp, Record):
            return lambda v: isinstance(v, tp)
        if tp is float:
            return lambda v: type(v) is float or type(v) is int
        if isinstance(tp, type):  # str, int, bool, date; list, dict, tuple of anything
            return lambda v: type(v) is tp
    elif origin is typing.Union or origin is types.UnionType:
        if len(args) == 2 and type(None) in args:  # X | None, the usual union
            only = _check(next(a for a in args if a is not type(None)))
            return lambda v: v is None or only(v)
        either = [_check(a) for a in args]
        return lambda v: any(c(v) for c in either)
    elif origin is typing.Literal:
        allowed = {(type(a), a) for a in args}
        return lambda v: (type(v), v) in allowed
    elif origin is typing.Annotated:
        return _check(args[0])
    elif origin is list:
        item = _check(args[0])
        return lambda v: type(v) is list and all(map(item, v))
    elif origin is dict:
        key, value = _check(args[0]), _check(args[1])
        return lambda v: type(v) is dict and all(map(key, v)) and all(map(value, v.values()))
    elif origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        item = _check(args[0])
        return lambda v: type(v) is tuple and all(map(item, v))
    elif origin is tuple:
        items = [_check(a) for a in args]
        return lambda v: type(v) is tuple and len(v) == len(items) and all(c(x) for c, x in zip(items, v))
    return lambda v: False


class Entry:
    """A cached plan's criteria and its leaves' parameters as written."""

    def __init__(self, criteria: Any, leaves: dict[str, dict[str, Any]], lines: dict[str, int]) -> None:
        self.criteria, self.leaves, self.lines = criteria, leaves, lines  # lines: each key's line in the file

    def params(self, methods: dict[str, Any]) -> dict[str, Any] | None:
        """Each leaf's parameters, if every leaf's method still validates with the very class (same
        class, same source) that validated them; else None."""
        out: dict[str, Any] = {}
        memo: dict[str, str] = {}
        try:
            for iid, leaf in self.leaves.items():
                method = methods.get(leaf["method"])
                cls = getattr(method, "Params", None)
                if cls is None or f"{cls.__module__}:{cls.__qualname__}" != leaf["class"] or _params_source(cls.__module__, memo) != leaf["source"]:
                    return None
                out[iid] = value = _decode(leaf["value"])
                if type(value) is not cls:  # another class's record (or none) where this method's parameters belong
                    return None
        except (Miss, KeyError, TypeError, ValueError, OSError):
            return None
        return out


class Slot:
    """The entry of one criteria file's bytes: its name is made once (hashing the bytes and what validated
    them), for the read and, on a miss, the write after the file was validated."""

    def __init__(self, raw: bytes, plugins: list[Path]) -> None:
        try:
            self.path = _entry_path(raw, plugins)
        except (OSError, ValueError):
            self.path = None

    def read(self) -> Entry | None:
        """The entry, or None (no entry, turned off, or not to be trusted)."""
        try:
            path = self.path
            if path is None:
                return None
            blob = path.read_bytes()
            secret = _secret(path.parent, create=False)
            mac, _, body = blob.partition(b"\n")
            if secret is None or not hmac.compare_digest(mac, hmac.new(secret, body, hashlib.sha256).hexdigest().encode()):
                return None
            doc = json.loads(body, parse_constant=_no_constant)  # NaN and Infinity: never in a valid plan
            lines = doc.get("lines")
            if doc.get("format") != FORMAT or not isinstance(doc.get("leaves"), dict) or not isinstance(lines, dict):
                return None
            if not all(isinstance(n, int) for n in lines.values()):
                return None
            criteria = _decode(doc["criteria"])
            if type(criteria) is not Criteria:
                return None
            return Entry(criteria, doc["leaves"], lines)
        except (Miss, OSError, ValueError, TypeError, KeyError, AttributeError):
            return None

    def write(self, plan: Any) -> None:
        """Keep a plan that passed every check for the next run of the same bytes (quietly not, when the
        cache is off, the folder cannot be written, or a value is not plain data)."""
        try:
            path = self.path
            if path is None:
                return
            leaves = {}
            memo: dict[str, str] = {}
            for iid, leaf in plan.leaves.items():
                cls = type(leaf.params)
                if not isinstance(leaf.params, Record) or cls is not leaf.method.Params:
                    return  # parameters that are not a record (a plugin's own pydantic model): not cached
                leaves[iid] = {
                    "method": leaf.indicator.method,
                    "class": f"{cls.__module__}:{cls.__qualname__}",
                    "source": _params_source(cls.__module__, memo),
                    "value": _encode(leaf.params),
                }
            lines = plan.located[1] if plan.located is not None else {}
            doc = {"format": FORMAT, "criteria": _encode(plan.criteria), "leaves": leaves, "lines": lines}
            body = json.dumps(doc, ensure_ascii=False, allow_nan=False).encode()
            path.parent.parent.mkdir(parents=True, exist_ok=True, mode=0o700)  # the key's folder: this user's alone
            path.parent.mkdir(exist_ok=True, mode=0o700)
            secret = _secret(path.parent, create=True)
            if secret is None:
                return
            tmp = path.with_name(f".{path.name}.{os.getpid()}")
            tmp.write_bytes(hmac.new(secret, body, hashlib.sha256).hexdigest().encode() + b"\n" + body)
            os.replace(tmp, path)  # whole or not at all: a reader never sees half an entry
        except (Miss, OSError, ValueError, TypeError):
            return


def read(raw: bytes, plugins: list[Path]) -> Entry | None:
    """The entry for these criteria bytes, or None (see :meth:`Slot.read`)."""
    return Slot(raw, plugins).read()
