"""Re-scoring a stored run: ``verify`` (are the stored results reproducible?) and
``rescore`` (a correction after appeal, under the run's frozen criteria)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Sequence
from pathlib import Path

import numpy as np

from ..core.dataset import Dataset
from ..core.engine import score
from ..core.plan import Plan
from ..errors import HistoryError, Problem
from . import canonical
from .diff import Change, InputChange, input_changes, result_changes, unit_changes
from .record import build_record, data_files, result_rows
from .stamp import Stamp, make_stamp
from .store import RunInfo, Store


@dataclass(frozen=True)
class VersionChange:
    method: str
    plugin_then: str
    version_then: str
    plugin_now: str
    version_now: str


@dataclass
class VerifyReport:
    run: RunInfo
    stamp_now: Stamp
    altered: list[str]  # stored inputs that no longer match their hash
    engine_then: str
    engine_now: str
    versions: list[VersionChange]  # methods whose plugin or plugin version differs
    inputs: list[InputChange]  # only when other data was given (--data)
    units_added: list[str]
    units_removed: list[str]
    changes: list[Change]
    data_given: str | None = None
    seal: list[str] = field(default_factory=list)  # what does not match the run's seal (final runs)

    @property
    def identical(self) -> bool:
        return not (self.altered or self.changes or self.inputs or self.units_added or self.units_removed or self.seal)

    @property
    def same_versions(self) -> bool:
        return self.engine_then == self.engine_now and not self.versions


@dataclass(frozen=True)
class DecisionChange:
    """A proposed decision (约谈, 通报 …) that appears, disappears or changes status with a correction."""

    rule: str
    name: str
    consequence: str
    category: str
    unit_id: str
    unit_name: str
    old: str | None  # "caught" / "undetermined" / None (not proposed)
    new: str | None


@dataclass
class RescoreReport:
    run: RunInfo  # the run corrected
    new_run: RunInfo  # the correction
    inputs: list[InputChange]
    units_added: list[str]
    units_removed: list[str]
    changes: list[Change]
    versions: list[VersionChange] = field(default_factory=list)
    engine_then: str = ""
    engine_now: str = ""
    decisions: list[DecisionChange] = field(default_factory=list)


def stored_plan(run: RunInfo, criteria_raw: bytes, plugin_args: Sequence[str] = ()):
    """The run's frozen criteria → (plan, registry), with the plugins installed today.

    A stored run never loads code from a path it names: the store is a file anyone with
    write access could edit.  Installed plugins (entry points) are used; a local plugin
    is loaded only from a folder the user names on the command line (``--plugins``).
    Every method the run used must be there, else the run is refused with the fix.
    """
    from ..load.criteria_file import located_plan, parse_criteria
    from ..registry import load_registry

    label = f"{run.criteria_path}（第{run.id}号运行存储的版本）"
    criteria, lines, _ = parse_criteria(criteria_raw, label)
    registry = load_registry([Path(p) for p in plugin_args])
    missing = sorted((m, p) for m, p in run.methods.items() if m not in registry.methods)
    if missing:
        raise HistoryError([_plugin_missing(run, m, p) for m, p in missing])
    return located_plan(criteria, lines, label, registry), registry


def _plugin_missing(run: RunInfo, method: str, plugin: str) -> Problem:
    version = run.plugins.get(plugin, "")
    args = {"run": run.id, "method": method, "plugin": _plugin_key(plugin) or "?", "version": version or "?"}
    local = version.startswith("local:") or plugin.endswith(".py")
    return Problem("history.plugin_local" if local else "history.plugin_missing", args)


def version_changes(run: RunInfo, plan: Plan, registry) -> list[VersionChange]:
    out = []
    for leaf in plan.leaves.values():
        m = leaf.method.name
        p_then = run.methods.get(m, "")
        v_then = run.plugins.get(p_then, "")
        p_now = registry.source.get(m, "")
        v_now = registry.versions.get(p_now, "")
        if v_then != v_now or _plugin_key(p_then) != _plugin_key(p_now):
            out.append(VersionChange(m, p_then, v_then, p_now, v_now))
    return sorted(set(out), key=lambda v: v.method)


def _plugin_key(name: str) -> str:
    """Local plugins are named by path, which moves with the folder: compare file names."""
    return name.replace("\\", "/").rsplit("/", 1)[-1]


def carry_previous(data: Dataset, stored: Dataset, plan: Plan) -> Dataset:
    """Give ``data`` the stored run's last-year columns (they are frozen with the run)."""
    need = [n for n in plan.previous if n not in data.values and n in stored.values]
    if not need:
        return data
    pos = {u: i for i, u in enumerate(stored.ids)}
    values, sources = dict(data.values), dict(data.sources)
    for name in need:
        col = np.full(len(data), np.nan)
        for j, u in enumerate(data.ids):
            if u in pos:
                col[j] = stored.values[name][pos[u]]
        values[name] = col
        if name in stored.sources:
            sources[name] = stored.sources[name]
    return replace(data, values=values, sources=sources)


def imported_run(store: Store, run: RunInfo) -> None:
    """Refuse to re-score a run brought in from a published sheet: there is nothing to score it from."""
    rows = store.query("SELECT name, sha256 FROM imports WHERE run_id = ?", (run.id,))
    if rows:
        raise HistoryError(Problem("cycle.imported_run", {"run": run.id, "year": run.year, "file": rows[0][0], "sha256": rows[0][1]}))


def stored_results(store: Store, run_id: int, plugin_args: Sequence[str] = ()):
    """A stored run scored again from its stored inputs and criteria → (results, stamp)."""
    from .seal import check

    run = store.run(run_id)
    imported_run(store, run)
    check(store, run)  # a final run is read only with its seal intact
    inputs = store.inputs(run)
    plan, registry = stored_plan(run, inputs.criteria_raw, plugin_args)
    res = score(plan, inputs.data)
    from ..core.usage import find_gaps
    from .stamp import declared_blanks

    gaps = declared_blanks(find_gaps(plan, inputs.data), inputs.data)  # said on a stored run's papers as on the first
    stamp = make_stamp(canonical.sha256(inputs.criteria_raw), canonical.data_hash(inputs.data), plan, registry, gaps)
    return res, stamp.with_run(run.id, run.status, run.corrects, run.seal_digest, run.seal_key)


def verify(store: Store, run_id: int, plugin_args: Sequence[str] = (), data_folder: str | None = None, public_key: str | None = None) -> VerifyReport:
    """Re-score a stored run's inputs (or ``data_folder``) under its stored criteria and compare; its
    seal is checked against ``public_key`` when given (else the pinned one)."""
    from .. import __version__
    from .seal import pinned_key, problems_of

    run = store.run(run_id)
    imported_run(store, run)
    sealed = problems_of(store, run, pinned_key(public_key))
    inputs = store.inputs(run)
    plan, registry = stored_plan(run, inputs.criteria_raw, plugin_args)
    data = inputs.data
    if data_folder is not None:
        data = carry_previous(checked_folder(plan, data_folder), inputs.data, plan)
    res = score(plan, data)
    units, modules = result_rows(res)
    changes = result_changes(store.unit_rows(run.id), store.module_rows(run.id), units, modules)
    stamp = make_stamp(canonical.sha256(inputs.criteria_raw), canonical.data_hash(data), plan, registry)
    added, removed = unit_changes(inputs.data, data) if data_folder else ([], [])
    return VerifyReport(
        run,
        stamp,
        inputs.altered,
        run.engine,
        __version__,
        version_changes(run, plan, registry),
        input_changes(inputs.data, data) if data_folder else [],
        added,
        removed,
        changes,
        data_folder,
        sealed,
    )


def checked_folder(plan, folder: str):
    """A data folder read and checked exactly as ``scoring run`` checks it (ranges, declared checks,
    half-given formula inputs …): every problem raised at once, nothing scored from a bad folder."""
    from ..errors import DataError
    from ..load.validate import validate

    report = validate(plan, folder)
    if report.problems:
        raise DataError(report.problems)
    return report.data


def rescore(store: Store, run_id: int, data_folder: str, reason: str, operator: str, plugin_args: Sequence[str] = ()) -> tuple[RescoreReport, object, Stamp]:
    """Score corrected data under the frozen criteria of ``run_id`` and save it as a correction.

    Returns the report, the new results (for the usual tables) and the new run's stamp.
    """

    def corrected(plan, stored):
        return carry_previous(checked_folder(plan, data_folder), stored, plan)

    return rescore_with(store, run_id, corrected, str(Path(data_folder).resolve()), data_files(data_folder), reason, operator, plugin_args)


def rescore_with(
    store: Store, run_id: int, corrected, data_path: str, files, reason: str, operator: str, plugin_args: Sequence[str] = (), event: dict | None = None, then=()
) -> tuple[RescoreReport, object, Stamp]:
    """The one correction path: ``corrected(plan, stored data)`` gives the corrected data (a
    folder read again, or the stored data with accepted objections' values); it is scored
    under the frozen criteria and saved as a correction run, with ``then`` in the same
    transaction."""
    from .. import __version__

    if not reason or not reason.strip():
        raise HistoryError(Problem("history.reason_empty"))
    from .seal import check

    run = store.run(run_id)
    imported_run(store, run)
    root = store.run(run.root)
    if not root.final:
        raise HistoryError(Problem("history.rescore_draft", {"run": run_id}))
    check(store, run)
    check(store, root)
    inputs = store.inputs(run)
    if inputs.altered:
        raise HistoryError(Problem("history.stored_altered", {"run": run.id, "what": "、".join(inputs.altered)}))
    plan, registry = stored_plan(run, inputs.criteria_raw, plugin_args)
    data = corrected(plan, inputs.data)
    res = score(plan, data)
    rec = build_record(
        res,
        registry,
        criteria_raw=inputs.criteria_raw,
        criteria_path=run.criteria_path,
        data_path=data_path,
        operator=operator,
        files=files,
        corrects=run.id,
        reason=reason.strip(),
    )
    rec.event, rec.then = event, list(then)
    new_id = store.save(rec)
    new_run = store.run(new_id)
    changes = result_changes(store.unit_rows(run.id), store.module_rows(run.id), rec.units, rec.modules)
    added, removed = unit_changes(inputs.data, data)
    report = RescoreReport(
        run,
        new_run,
        input_changes(inputs.data, data),
        added,
        removed,
        changes,
        version_changes(run, plan, registry),
        run.engine,
        __version__,
        decision_changes(store, run, res),
    )
    stamp = make_stamp(new_run.criteria_sha256, new_run.data_sha256, plan, registry).with_run(new_id, "draft", run.id)
    return report, res, stamp


def decision_changes(store: Store, run: RunInfo, res) -> list[DecisionChange]:
    """Proposed decisions under the stored results of ``run`` against those of the corrected results.

    Both are decided with the same earlier years (the published results in the store), so
    what changes comes from the correction alone.
    """
    from ..core.decisions import decide, outcomes_of
    from .lookback import decision_history, decision_outcome, look_back_years

    c = res.criteria
    if not c.decisions.rules:
        return []
    history = decision_history(store, c, res.data.ids, look_back_years(c)) or None
    before = decide(c, [decision_outcome(run.year, r) for r in store.unit_rows(run.id)], history)
    after = decide(c, outcomes_of(res), history)

    def caught(results):
        return {(r.rule.id, r.category, k.unit.unit_id): (r, k) for r in results for k in r.catches}

    old, new = caught(before), caught(after)
    out = []
    for key in sorted(set(old) | set(new), key=lambda k: ([r.id for r in c.decisions.rules].index(k[0]), k[1], k[2])):
        a, b = old.get(key), new.get(key)
        if a is not None and b is not None and a[1].status == b[1].status:
            continue
        rule, catch = b or a
        out.append(
            DecisionChange(
                rule.rule.id,
                rule.rule.name,
                rule.rule.consequence,
                rule.category,
                key[2],
                catch.unit.name,
                a[1].status if a else None,
                b[1].status if b else None,
            )
        )
    return out
