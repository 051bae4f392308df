"""The plan cache: a criteria file validated once is rebuilt from data on the next run, without pydantic;
an entry this engine did not write (damaged, edited, foreign) is never trusted; SCORING_PLAN_CACHE=0
turns it off. Each test has a cache folder of its own (XDG_CACHE_HOME)."""

from __future__ import annotations

import datetime
import hashlib
import hmac
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring import CriteriaError, api
from scoring.load import plan_cache

ROOT = Path(__file__).resolve().parent.parent
CRITERIA = ROOT / "criteria" / "yitong-2020.toml"
DATA = ROOT / "examples" / "yitong-2020"


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv(plan_cache.ENV, raising=False)
    return tmp_path / "xdg" / "scoring-engine" / "plans"


def _run(criteria: Path, cwd: Path, data: Path = DATA, status: int = 0, **env: str) -> tuple[str, list[str]]:
    """A whole `scoring run --decide --format csv` in a new process → (its output, which of pydantic and the TOML reader it imported)."""
    code = (
        "import sys, io, contextlib; from scoring.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()) as out:\n"
        f"    code = main(['run', {str(criteria)!r}, '--data', {str(data)!r}, '--decide', '--format', 'csv'])\n"
        f"assert code == {status}, code\n"
        "sys.__stdout__.write(repr(sorted(m for m in ('pydantic', 'tomli') if m in sys.modules)) + '\\n' + out.getvalue())"
    )
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=cwd, env={**os.environ, **env})
    assert p.returncode == 0, p.stderr
    imported, _, out = p.stdout.partition("\n")
    return out, eval(imported)  # noqa: S307 - a list of names printed just above


def test_a_second_run_reads_the_plan_without_pydantic_and_prints_the_same(cache, tmp_path):
    first, imported = _run(CRITERIA, tmp_path)
    assert imported == ["pydantic", "tomli"] and len(list(cache.glob("*.json"))) == 1
    second, imported = _run(CRITERIA, tmp_path)
    assert imported == [] and second == first


@pytest.mark.parametrize("name", ["yitong-2020", "yaoan-2018", "yaoan-2019", "yaoan-2020"])
def test_the_plan_read_back_is_the_plan_validated(cache, name):
    validated = api.load_criteria(ROOT / "criteria" / f"{name}.toml")
    entry = plan_cache.read(validated.raw, [])
    assert entry is not None
    assert entry.criteria == validated.plan.criteria and entry.criteria.model_dump() == validated.plan.criteria.model_dump()
    assert entry.params(validated.registry.methods) == {iid: leaf.params for iid, leaf in validated.plan.leaves.items()}
    again = api.load_criteria(ROOT / "criteria" / f"{name}.toml")
    assert again.plan.criteria == validated.plan.criteria
    assert entry.lines == validated.plan.located[1] and again.plan.located == validated.plan.located  # problems found later are located alike
    assert {i: (leaf.method.name, leaf.params, leaf.reads) for i, leaf in again.plan.leaves.items()} == {
        i: (leaf.method.name, leaf.params, leaf.reads) for i, leaf in validated.plan.leaves.items()
    }


def _entry(cache: Path) -> Path:
    (entry,) = cache.glob("*.json")
    return entry


@pytest.mark.parametrize(
    "spoil",
    [
        lambda b: b[: len(b) // 2],  # cut short
        lambda b: b"not an entry",
        lambda b: b.replace(b'"precision": 2', b'"precision": 9'),  # edited after it was written: its HMAC no longer fits
        lambda b: b"0" * 64 + b.partition(b"\n")[1] + b.partition(b"\n")[2],  # another MAC
    ],
)
def test_an_entry_this_engine_did_not_write_is_ignored_and_written_again(cache, tmp_path, spoil):
    first, _ = _run(CRITERIA, tmp_path)
    entry = _entry(cache)
    good = entry.read_bytes()
    assert b'"precision": 2' in good
    entry.write_bytes(spoil(good))
    again, imported = _run(CRITERIA, tmp_path)
    assert imported == ["pydantic", "tomli"] and again == first  # validated as if there were no entry
    assert entry.read_bytes() == good  # and the entry made again


def test_an_entry_signed_with_another_users_key_is_ignored(cache, tmp_path):
    first, _ = _run(CRITERIA, tmp_path)
    (cache.parent / "key").write_bytes(os.urandom(32))  # the entry was signed with the old key: foreign now
    again, imported = _run(CRITERIA, tmp_path)
    assert imported == ["pydantic", "tomli"] and again == first


def test_a_key_others_can_read_signs_nothing_to_trust(cache, tmp_path):
    """In a cache folder others can read (shared, or made by someone else) the key is no secret: an entry
    it signs could have been written by anyone, so it is not used."""
    first, _ = _run(CRITERIA, tmp_path)
    key = cache.parent / "key"
    assert key.stat().st_mode & 0o077 == 0  # made for the user alone
    key.chmod(0o644)
    again, imported = _run(CRITERIA, tmp_path)
    assert imported == ["pydantic", "tomli"] and again == first


def test_an_entry_holding_nan_is_not_used(cache):
    validated = api.load_criteria(CRITERIA)
    entry = next(cache.glob("*.json"))
    mac, _, body = entry.read_bytes().partition(b"\n")
    spoiled = body.replace(b'"precision": 2', b'"precision": NaN', 1)
    assert spoiled != body
    secret = (cache.parent / "key").read_bytes()
    entry.write_bytes(hmac.new(secret, spoiled, hashlib.sha256).hexdigest().encode() + b"\n" + spoiled)  # signed, as if by this engine
    assert plan_cache.read(validated.raw, []) is None


def test_turned_off_nothing_is_written_and_every_run_validates(cache, tmp_path):
    _run(CRITERIA, tmp_path, SCORING_PLAN_CACHE="0")
    _, imported = _run(CRITERIA, tmp_path, SCORING_PLAN_CACHE="0")
    assert imported == ["pydantic", "tomli"] and not cache.parent.exists()


def test_other_bytes_are_another_entry_and_a_file_with_problems_none(cache, tmp_path):
    api.load_criteria(CRITERIA)
    copy = tmp_path / "c.toml"
    copy.write_bytes(CRITERIA.read_bytes() + b"\n# a comment\n")
    api.load_criteria(copy)
    assert len(list(cache.glob("*.json"))) == 2
    bad = tmp_path / "bad.toml"
    bad.write_bytes(CRITERIA.read_bytes().replace(b"precision = 2", b"precision = 9", 1))
    with pytest.raises(CriteriaError):
        api.load_criteria(bad)
    assert len(list(cache.glob("*.json"))) == 2


def test_a_changed_parameter_class_is_a_miss(cache):
    validated = api.load_criteria(CRITERIA)
    entry = plan_cache.read(validated.raw, [])
    assert entry is not None
    leaf = next(iter(entry.leaves.values()))
    leaf["source"] = "0" * 64  # as if the method's module had changed since
    assert entry.params(validated.registry.methods) is None


_SCALARS = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text() | st.dates()
_KEYS = st.text() | st.sampled_from(["$r", "$d", "$t", "$date", "f"])  # a user's params table may hold any key
_VALUES = st.recursive(_SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_KEYS, inner, max_size=4) | st.tuples(inner, inner), max_leaves=20)


@settings(max_examples=200)
@given(_VALUES)
def test_any_value_a_record_holds_reads_back_as_it_was(v):
    back = plan_cache._decode(json.loads(json.dumps(plan_cache._encode(v), allow_nan=False)))
    assert back == v and _types(back) == _types(v)


def _types(v):
    if isinstance(v, dict):
        return {k: _types(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return (type(v), [_types(x) for x in v])
    return type(v)


def test_a_record_of_a_class_not_imported_is_not_rebuilt():
    doc = {"$r": "os:system", "f": {}}
    with pytest.raises(plan_cache.Miss):
        plan_cache._decode(doc)
    assert datetime.date(2020, 1, 2) == plan_cache._decode({"$date": "2020-01-02"})


@pytest.mark.parametrize("name", ["yitong-2020", "yaoan-2018"])
def test_a_record_serialises_as_its_pydantic_model_does_validated_or_read_back(cache, name):
    import tomli

    from scoring.core.criteria import Criteria
    from scoring.core.validator import pydantic_model

    raw = (ROOT / "criteria" / f"{name}.toml").read_bytes()
    model = pydantic_model(Criteria).model_validate(tomli.loads(raw.decode("utf-8-sig")))
    validated = api.load_criteria(ROOT / "criteria" / f"{name}.toml").plan.criteria
    entry = plan_cache.read(raw, [])
    assert entry is not None
    for criteria in (validated, entry.criteria):  # a float field given 0 is written 0.0, as pydantic writes it
        assert criteria.model_dump(mode="json") == model.model_dump(mode="json")
        assert json.dumps(criteria.model_dump(mode="json")) == json.dumps(model.model_dump(mode="json"))
        assert criteria.model_dump() == model.model_dump()


def test_a_local_plugins_parameters_are_read_back_until_its_file_changes(cache, tmp_path):
    from test_cli import PLUGIN, share_case, write_plugin

    body = PLUGIN.format(name="share_of_full").replace("from pydantic import Field", "from scoring import Field")
    plugin = write_plugin(tmp_path / "plugins", "share.py", body=body)
    crit, data = share_case(tmp_path, 'plugins = ["plugins"]')
    first, imported = _run(crit, tmp_path, data)
    assert imported == ["pydantic", "tomli"]
    second, imported = _run(crit, tmp_path, data)  # another process: the plugin's module has the same name
    assert imported == [] and second == first
    plugin.write_text(body.replace("Field(0, ge=0)", "Field(0, ge=20)"), encoding="utf-8")  # floor = 10 no longer valid
    _, imported = _run(crit, tmp_path, data, status=2)
    assert imported == ["pydantic", "tomli"]


def test_a_validator_may_call_its_own_classes_methods():
    from pydantic import ValidationError

    from scoring import Field, Params, model_validator

    class Window(Params):
        low: float = Field(0, ge=0)
        high: float = 1

        def width(self) -> float:
            return self.high - self.low

        @property
        def empty(self) -> bool:
            return self.width() <= 0

        @model_validator(mode="after")
        def _not_empty(self):
            if self.empty:
                raise ValueError("an empty window")
            return self

    w = Window.model_validate({"low": 1, "high": 3})
    assert type(w) is Window and w.width() == 2 and not w.empty
    with pytest.raises(ValidationError, match="an empty window"):
        Window.model_validate({"low": 3, "high": 3})


def test_a_deep_copy_of_a_record_shares_nothing_with_it():
    """model_copy(deep=True) as pydantic's: every list, dict and record inside is copied; a shallow copy shares them."""
    validated = api.load_criteria(CRITERIA).plan.criteria
    for deep in (True, False):
        twin = validated.model_copy(deep=deep)
        assert twin == validated and type(twin) is type(validated)
        shared = [twin.indicators is validated.indicators, twin.indicators[0] is validated.indicators[0], twin.assessment is validated.assessment]
        assert shared == [not deep] * 3, deep
    twin = validated.model_copy(update={"vetoes": []}, deep=True)
    assert twin.vetoes == [] and validated.vetoes and twin.indicators == validated.indicators


@pytest.mark.parametrize(
    "value, on",
    [("0", False), ("off", False), ("False", False), (" no ", False), ("", True), ("1", True), ("yes", True), ("ON", True), ("banana", False), ("2", False)],
)
def test_the_setting_turns_the_cache_on_or_off_and_a_value_not_understood_is_said(cache, capsys, monkeypatch, value, on):
    """0/false/no/off turn the cache off, unset/empty/1/true/yes/on leave it on; any other value turns it off
    too (off is never wrong, only slower) and the command says the value is not understood."""
    from helpers import cli

    monkeypatch.setenv(plan_cache.ENV, value)
    for lang, said in (("zh", "无法识别"), ("en", "not understood")):
        code, _, err = cli(capsys, "check", CRITERIA, "--lang", lang)
        assert code == 0 and len(list(cache.glob("*.json"))) == on
        assert (said in err and f"{value}" in err) == (value in ("banana", "2")), err


def test_a_miss_names_its_entry_once(cache, monkeypatch):
    """The entry's name hashes the file and what validated it: made once for the read and the write after a miss."""
    made = []
    name = plan_cache._entry_path
    monkeypatch.setattr(plan_cache, "_entry_path", lambda *a: made.append(1) or name(*a))
    api.load_criteria(CRITERIA)  # a miss: read, validated, written
    assert len(made) == 1 and len(list(cache.glob("*.json"))) == 1
    api.load_criteria(CRITERIA)  # a hit
    assert len(made) == 2


def test_another_pydantic_core_is_another_entry(tmp_path):
    """pydantic_core does the validating and may be upgraded without pydantic: its version (in its
    dist-info's name and RECORD) and its files are part of the entry's name."""

    import shutil

    site = tmp_path / "site"  # the same folder each time: only what is installed in it changes
    (site / "pydantic_core").mkdir(parents=True)
    (site / "pydantic_core" / "__init__.py").write_text("", encoding="utf-8")

    def entry_name(version: str, record: str) -> str:
        for old in site.glob("pydantic_core-*.dist-info"):
            shutil.rmtree(old)
        info = site / f"pydantic_core-{version}.dist-info"
        info.mkdir()
        (info / "RECORD").write_text(record, encoding="utf-8")
        os.utime(site / "pydantic_core" / "__init__.py", ns=(0, 0))  # its files alike each time
        code = "import sys; from scoring.load import plan_cache; sys.stdout.write(plan_cache._entry_path(b'x', []).name)"
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), *sys.path])}  # found before the one installed
        p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=tmp_path)
        assert p.returncode == 0, p.stderr
        return p.stdout

    names = [entry_name("2.0.0", "a"), entry_name("2.0.1", "a"), entry_name("2.0.1", "b"), entry_name("2.0.0", "a")]
    assert len(set(names)) == 3 and names[0] == names[3]  # each install its own entry; the same install the same


def test_an_installed_plugins_parameters_are_read_back_until_a_module_of_its_package_changes(cache, tmp_path):
    """A parameter class may take its fields from another module of its package (the built-in methods' share
    plugins/_common.py): a change there changes what the class validates to, so the entry is a miss."""
    from test_cli import PLUGIN, share_case

    site = tmp_path / "site"
    package = site / "office_rules"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("", encoding="utf-8")
    base = package / "_base.py"
    base.write_text("from scoring import Field, Params\n\n\nclass Floor(Params):\n    floor: float = Field(0, ge=0)\n", encoding="utf-8")
    body = PLUGIN.format(name="share_of_full").replace("from pydantic import Field\n", "from ._base import Floor\n")
    (package / "methods.py").write_text(
        body.replace("    class Params(Params):\n        floor: float = Field(0, ge=0)", "    class Params(Floor):\n        pass"), encoding="utf-8"
    )
    info = site / "office_rules-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: office_rules\nVersion: 1.0\n", encoding="utf-8")
    (info / "entry_points.txt").write_text("[scoring]\noffice = office_rules.methods\n", encoding="utf-8")
    crit, data = share_case(tmp_path)
    first, imported = _run(crit, tmp_path, data, PYTHONPATH=str(site))
    assert imported == ["pydantic", "tomli"]
    second, imported = _run(crit, tmp_path, data, PYTHONPATH=str(site))
    assert imported == [] and second == first
    base.write_text(base.read_text(encoding="utf-8").replace("ge=0", "ge=20"), encoding="utf-8")  # floor = 10 no longer valid
    _, imported = _run(crit, tmp_path, data, status=2, PYTHONPATH=str(site))
    assert imported == ["pydantic", "tomli"]


@pytest.mark.parametrize("spoil", ["bonus", "scalar", "criteria", "leaf"])
def test_a_signed_entry_holding_another_type_is_a_miss_never_a_wrong_object(cache, spoil):
    """Signed as this engine signs (by this user's key), an entry is still read back only as the fields'
    declared types say: a record of another class or a value of another type is a miss, and the criteria are
    validated as if there were no entry."""
    validated = api.load_criteria(CRITERIA)
    entry = _entry(cache)
    doc = json.loads(entry.read_bytes().partition(b"\n")[2])
    crit = doc["criteria"]["f"]
    if spoil == "bonus":
        crit["modules"][0]["f"]["bonus"] = crit["assessment"]  # an Assessment where a Bonus belongs
    elif spoil == "scalar":
        crit["assessment"]["f"]["precision"] = "2"  # text where a number belongs
    elif spoil == "criteria":
        doc["criteria"] = crit["assessment"]  # not criteria at all
    else:
        assert doc["leaves"]["D"]["class"].endswith(":Supplied.Params") and doc["leaves"]["F1.2"]["class"].endswith(":Quota.Params")
        doc["leaves"]["D"]["value"] = doc["leaves"]["F1.2"]["value"]  # a quota's parameters where supplied's belong
    body = json.dumps(doc, ensure_ascii=False).encode()
    secret = (cache.parent / "key").read_bytes()
    entry.write_bytes(hmac.new(secret, body, hashlib.sha256).hexdigest().encode() + b"\n" + body)
    read = plan_cache.read(validated.raw, [])
    if spoil == "leaf":
        assert read is not None and read.params(validated.registry.methods) is None
    else:
        assert read is None
    again = api.load_criteria(CRITERIA)
    assert again.plan.criteria == validated.plan.criteria
    assert {i: leaf.params for i, leaf in again.plan.leaves.items()} == {i: leaf.params for i, leaf in validated.plan.leaves.items()}
