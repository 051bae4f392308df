"""The Python API: the pipeline every ``scoring`` command runs, for scripts, notebooks and servers.

    from scoring import api

    crit = api.load_criteria("criteria/yitong-2020.toml")        # located problems raise CriteriaError
    run = api.score(crit, "examples/yitong-2020")                 # bad data raises DataError (every problem)
    run.results.categories[0].units[0].total                      # plain Python objects …
    api.to_frame(run)                                             # … or a pandas / polars DataFrame
    proposal = api.decide(run)                                    # 约谈、通报 … with reasons and margins

Nothing here prints or exits: what a command would say on the way (last year's values missing …)
goes to ``warn`` as a :class:`Note` (``note.code`` is a message code of :mod:`scoring.i18n`), and
problems are raised as :class:`scoring.ScoringError` subclasses carrying located problems.
See docs/api.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable, Iterator, TypeVar

from .core.cycles import pausing
from .errors import HistoryError, Problem, UsageError

if TYPE_CHECKING:  # the heavy modules are imported when a function needs them
    from .core.criteria import Criteria
    from .core.decisions import RuleResult
    from .core.engine import Results
    from .core.plan import Plan
    from .core.sensitivity import Sensitivity
    from .history.cycle import Applied, Event, Objection, Publication
    from .history.previous import Note
    from .history.stamp import Stamp
    from .history.seal import StoreCheck
    from .history.store import RunInfo, Store
    from .load.validate import Report as ValidationReport
    from .registry import Registry

Warn = Callable[["Note"], None]
_T = TypeVar("_T")

__all__ = [
    "LoadedCriteria",
    "Scoring",
    "load_criteria",
    "validate",
    "score",
    "decision_history",
    "decide",
    "find_unit",
    "stored",
    "open_store",
    "to_frame",
    "records",
    "previous_values",
    "sensitivity",
    "Variation",
    "interim_warnings",
    "Warnings",
    "report",
    "finalize",
    "verify",
    "rescore",
    "unit_history",
    "UnitHistory",
    "compare_years",
    "templates",
    "progress",
    "criteria_next",
    "criteria_diff",
    "methods",
    "fingerprint",
    "Fingerprint",
    "write_report",
    "results_text",
    "results_pieces",
    "results_json",
    "papers",
    "save",
    "runs",
    "delete_run",
    "keygen",
    "backup",
    "check_store",
    "export_seal",
    "publication",
    "publish",
    "add_objection",
    "objection",
    "objections",
    "decide_objection",
    "objection_letter",
    "Corrected",
    "apply_objections",
    "event_log",
    "import_results",
]


@dataclass(frozen=True)
class LoadedCriteria:
    """A criteria file that passed every check, with the methods it uses."""

    path: str
    plan: Plan  # the criteria with every check done, ready to score
    registry: Registry  # the methods found (built-in, installed plugins, local plugin folders)
    raw: bytes  # the file's bytes: hashed for the stamp and stored with a saved run

    @property
    def criteria(self) -> Criteria:
        return self.plan.criteria


@dataclass
class Scoring:
    """One scoring of a data folder: the results and how to reproduce them."""

    results: Results  # categories → units → points per indicator, totals, ranks, grades
    criteria: LoadedCriteria | None  # None for a stored run scored again
    made_stamp: Stamp | Callable[[], Stamp]  # the stamp, or how to make it when first asked for (see stamp)
    blank_gaps: list = field(default_factory=list)  # blank cells the criteria's missing policy scored, declared
    history: object | None = None  # earlier years' outcomes, when a decision rule looks back
    history_read: bool = False  # whether ``history`` was looked up (None may mean: no rule looks back)

    @property
    def stamp(self) -> Stamp:
        """Criteria and data fingerprints, engine and plugin versions (printed under every table). Made
        when first asked for, from the data as scored (:func:`score` makes their columns read-only):
        a run that shows no stamp (the ranked CSV) does not hash its data (0.16 s at 170 000 units)."""
        if callable(self.made_stamp):
            self.made_stamp = self.made_stamp()
        return self.made_stamp

    @stamp.setter
    def stamp(self, value: Stamp) -> None:
        self.made_stamp = value


def load_criteria(path: str | Path, plugins: Iterable[str | Path] = ()) -> LoadedCriteria:
    """Read and check a criteria file; local plugins come from the file's ``plugins`` and from ``plugins``.

    Raises :class:`scoring.CriteriaError` (file, line, what is wrong, how to fix) or
    :class:`scoring.PluginError`."""
    from .load import plan_cache
    from .load.criteria_file import criteria_bytes, located_plan, parse_criteria, plugin_folders
    from .registry import load_registry

    raw = criteria_bytes(str(path))
    extra = [Path(f) for f in plugins]
    slot = plan_cache.Slot(raw, extra)  # named once, for the read and (on a miss) the write
    cached = slot.read()  # the same bytes passed before: no pydantic, no TOML reader
    if cached is not None:
        lines = cached.lines
        registry = load_registry(plugin_folders(cached.criteria, lines, str(path)) + extra)
        params = cached.params(registry.methods)
        if params is not None:
            return LoadedCriteria(str(path), located_plan(cached.criteria, lines, str(path), registry, params), registry, raw)
    criteria, lines, _ = parse_criteria(raw, str(path))
    folders = plugin_folders(criteria, lines, str(path)) + extra
    if cached is None:  # the registry found above serves: the same bytes name the same folders
        registry = load_registry(folders)
    plan = located_plan(criteria, lines, str(path), registry)
    slot.write(plan)
    return LoadedCriteria(str(path), plan, registry, raw)


def validate(criteria: LoadedCriteria, data: str | Path) -> ValidationReport:
    """Every problem, gap and normalisation in a data folder at once (``report.ok``, ``report.problems``)."""
    from .load.validate import validate as check

    return check(criteria.plan, str(data))


def methods(plugins: Iterable[str | Path] = (), lang: str = "zh"):
    """Every scoring method found (built-in, installed plugins, ``plugins`` folders), described from its
    own parameter model: name, title, plugin, parameters (type, default, meaning), an example →
    (descriptions sorted by name, the registry; ``registry.failed`` names plugins that did not load)."""
    from .core.method_docs import describe
    from .registry import load_registry

    reg = load_registry([Path(f) for f in plugins])
    return [describe(m, reg.source[name], lang) for name, m in sorted(reg.methods.items())], reg


def templates(
    criteria: LoadedCriteria, out: str | Path, *, units: str | Path | None = None, data: str | Path | None = None, force: bool = False, lang: str = "zh"
):
    """An Excel data-entry workbook for each data owner, written to ``out`` → (paths written, notes)."""
    from .load.template import write_templates

    return write_templates(
        criteria.plan, str(out), units=None if units is None else str(units), data=None if data is None else str(data), force=force, lang=lang
    )


def progress(criteria: LoadedCriteria, data: str | Path, due=None):
    """Collection progress: the workbooks each owner and unit owes, which arrived, which fields are
    still blank or wrong (``due``: a date for the reminders)."""
    from .load.progress import collect

    return collect(criteria.plan, str(data), due)


def criteria_next(criteria: LoadedCriteria, out: str | Path, year: int | None = None):
    """Next year's criteria file from this one (only the year changes; comments kept; never overwrites)."""
    from .load.carry import write_next

    return write_next(criteria.path, str(out), year)


def criteria_diff(old: LoadedCriteria, new: LoadedCriteria, lang: str = "zh"):
    """Indicators added, removed, renamed; points, methods, parameters and weights changed."""
    from .core.criteria_diff import diff

    return diff(old.plan, new.plan, lang)


def open_store(db: str | Path | None = None, create: bool = False, guards: bool = True) -> Store:
    """The history store (default: ``SCORING_DB``, else ``scoring-history.sqlite`` here); use it in ``with``.

    ``create``: make it when the file does not exist. ``guards=False`` opens a store whose protecting
    triggers are gone, only to report on it or back it up."""
    from .history.store import open_store as opened

    return opened(db, create=create, guards=guards)


def _existing_store(db) -> Store | None:
    """The store if there is one with runs in it; None when there is no store yet (nothing to look back on)."""
    from .history.location import default_path

    path = default_path(db)
    if not path.exists():
        return None
    from .history.store import open_store as opened  # sqlite3 and the store's records only when there is one

    try:
        return opened(path)
    except HistoryError as e:
        if e.problems[0].code == "history.empty":
            return None
        raise


@pausing  # validation's gaps, the blanks declared (see core.cycles)
def score(criteria: LoadedCriteria, data: str | Path, *, store: Store | None = None, db: str | Path | None = None, warn: Warn | None = None) -> Scoring:
    """Score a data folder. Raises :class:`scoring.DataError` with every problem before scoring anything.

    Criteria that compare with last year read its published values from ``store`` (or the store at
    ``db``); what is missing there is said through ``warn``, never silently taken as 0."""
    from .core.engine import score as run
    from .errors import DataError
    from .history import canonical
    from .history.stamp import declared_blanks, make_stamp

    report = validate(criteria, data)  # every problem in the data, before anything is scored or written
    if report.problems:
        raise DataError(report.problems)
    values = report.data
    blanks = declared_blanks(report.gaps, values)  # shown with the stamp: declared, never silent
    if criteria.plan.previous:
        values = previous_values(values, criteria.plan, store=store, db=db, warn=warn)
    results = run(criteria.plan, values)
    for column in results.data.values.values():  # the stamp, made later, is of the data as scored
        column.flags.writeable = False
    return Scoring(
        results,
        criteria,
        lambda: make_stamp(canonical.sha256(criteria.raw), canonical.data_hash(results.data), criteria.plan, criteria.registry, blanks),
        blanks,
    )


@dataclass(frozen=True)
class Fingerprint:
    """The two hashes a stamp prints, in full (``scoring fingerprint``)."""

    criteria_sha256: str  # of the criteria file's bytes
    data_sha256: str  # of ``canonical``: the data as read, in the canonical form docs/reports.md describes
    canonical: bytes


def fingerprint(scoring: Scoring) -> Fingerprint:
    """The stamp's hashes of a scoring, computed as :func:`score` computes them, with the canonical data."""
    from .history import canonical

    data = canonical.encode(scoring.results.data)
    return Fingerprint(scoring.stamp.criteria_sha256, canonical.sha256(data), data)


def previous_values(values, plan: Plan, *, store: Store | None = None, db: str | Path | None = None, warn: Warn | None = None):
    """``values`` with last year's columns (``<field>@上年``) from the store's published result of last year."""
    from .history.location import default_path
    from .history.previous import Note, attach_previous

    own = store is None
    if own:
        if not default_path(db).exists():
            if warn:
                warn(Note("hist.prev_nodb", {"path": default_path(db)}))
            return values
        store = _existing_store(db)  # an empty store: no published year to compare with
    try:
        values, notes = attach_previous(values, plan, store)
    finally:
        if own and store is not None:
            store.close()
    for n in notes:
        if warn:
            warn(n)
    return values


def decision_history(results: Results, *, store: Store | None = None, db: str | Path | None = None):
    """Earlier years' published outcomes for look-back decision rules (None when no rule looks back
    or there is no store yet)."""
    from .history.location import default_path

    if store is None and not default_path(db).exists():
        return None  # no store yet: nothing to look back on (the look-back code and sqlite3 stay unloaded)
    from .history.lookback import decision_history as history, look_back_years

    years = look_back_years(results.criteria)
    if not years:
        return None
    if store is not None:
        return history(store, results.criteria, results.data.ids, years)
    opened = _existing_store(db)
    if opened is None:
        return None
    with opened:
        return history(opened, results.criteria, results.data.ids, years)


def decide(scoring: Scoring | Results, *, store: Store | None = None, db: str | Path | None = None) -> list[RuleResult]:
    """The proposed decisions (约谈、通报 …) for these results, with rule, trigger and margin."""
    if not isinstance(scoring, Scoring):
        scoring = Scoring(scoring, None, None)  # type: ignore[arg-type]
    return _proposed(scoring.results, _history(scoring, store, db))


def _proposed(results: Results, history) -> list[RuleResult]:
    from .core.decisions import decide as propose, outcomes_of

    return propose(results.criteria, outcomes_of(results), history)


# Units from which ``scoring run --decide`` applies the rules on a second processor while the ranked
# tables are made (scoring.parallel): at a nation's 170 000 units the rules and their texts take
# 0.3-0.5 s, a forked process about 0.01 s; at a province's 6 000, the rules 0.03 s.
DECIDE_ON_TWO_FROM = 50_000


def _shown_decisions(
    scoring: Scoring, decisions: list[RuleResult] | None, decide: bool, store, db, show: Callable[[list[RuleResult]], _T]
) -> Callable[[], _T] | None:
    """What an output shows of the proposed decisions (``show`` of them), as a function asked for when
    its place comes: of ``decisions``, else (``decide``) of :func:`decide`'s, proposed meanwhile on a
    second processor where the command line allows it and the units are many; None for neither."""
    if decisions is not None:
        return lambda: show(decisions)
    if not decide:
        return None
    from . import parallel

    results = scoring.results
    history = _history(scoring, store, db)  # read here: a store's connection is never used in a forked process
    return parallel.started(lambda: show(_proposed(results, history)), worth=len(results.data.ids) >= DECIDE_ON_TWO_FROM)


def _history(scoring: Scoring, store, db):
    """The earlier years' outcomes of ``scoring``, looked up once."""
    if not scoring.history_read:
        scoring.history = decision_history(scoring.results, store=store, db=db)
        scoring.history_read = True
    return scoring.history


def stored(run_id: int, *, store: Store | None = None, db: str | Path | None = None, plugins: Iterable[str | Path] = ()) -> Scoring:
    """A run of the history store scored again from its stored criteria and data (its seal checked)."""
    from .history.reproduce import stored_results

    def work(s: Store) -> Scoring:
        results, stamp = stored_results(s, int(run_id), [str(p) for p in plugins])
        return Scoring(results, None, stamp, history=decision_history(results, store=s), history_read=True)

    return _in_store(store, db, work)


@dataclass
class Variation:
    """Ranks under module weights varied at random (``scoring sensitivity``, ``decide --draws``)."""

    ranks: Sensitivity  # each unit's rank range, how often it moved, the weight that moves it most
    shares: dict | None  # unit → how often each proposed decision held over the draws (None: not counted)


def sensitivity(
    scoring: Scoring,
    draws: int = 1000,
    spread: float = 0.10,
    seed: int = 0,
    *,
    decisions: bool | None = None,
    store: Store | None = None,
    db: str | Path | None = None,
) -> Variation:
    """Vary every module weight by up to ``spread`` (0.10 = ±10 %) ``draws`` times; the same ``seed``
    gives the same answer. ``decisions``: also count how often each proposal holds (default: when the
    criteria have decision rules)."""
    from .core.sensitivity import sensitivity as vary
    from .core.stability import RuleShares

    results = scoring.results
    if decisions is None:
        decisions = bool(results.criteria.decisions.rules)
    shares = RuleShares(results, _history(scoring, store, db)) if decisions else None
    ranks = vary(results, draws, spread, seed, observers=[shares] if shares else [])
    return Variation(ranks, shares.by_unit() if shares else None)


@dataclass
class Warnings:
    """Interim warnings (``scoring warn``): each unit's green / yellow / red, not a result."""

    units: list  # per unit: its colour, and each indicator's when asked for
    unit: str | None  # the one unit asked for, or None for all


def interim_warnings(
    criteria: LoadedCriteria,
    data: str | Path,
    *,
    unit: str | None = None,
    indicators: bool = False,
    store: Store | None = None,
    db: str | Path | None = None,
    warn: Warn | None = None,
) -> Warnings:
    """Score the data in so far by the same criteria (every blank: not yet submitted, left out) and
    colour each unit by the criteria's [warnings] thresholds or its category's quartiles.
    ``unit``: one unit's id or name (a name two units share is refused, never guessed)."""
    from .core.engine import score as run
    from .core.warnings import interim_plan, warnings_for
    from .errors import DataError
    from .load.validate import validate as check

    interim = interim_plan(criteria.plan, criteria.registry.methods)
    report = check(interim, str(data))
    if report.problems:
        raise DataError(report.problems)
    values = report.data
    wanted = None
    if unit is not None:
        ids, names = values.ids, values.names
        same = [u for u, n in zip(ids, names) if n == unit]
        if unit not in ids and len(same) > 1:  # a name two units share: never guess which sheet to print
            raise DataError(Problem("data.ambiguous_name", {"name": unit, "ids": "、".join(same)}))
        wanted = unit if unit in ids else (same[0] if same else None)
        if wanted is None:
            raise UsageError(Problem("data.unknown_unit", {"unit": unit}))  # a wrong argument, not bad data
    if interim.previous:
        values = previous_values(values, interim, store=store, db=db, warn=warn)
    units = warnings_for(run(interim, values, partial=True), report.gaps, indicators)
    return Warnings([u for u in units if u.id == wanted] if wanted is not None else units, wanted)


def report(
    scoring: Scoring, fmt: str, lang: str = "zh", *, decisions: list[RuleResult] | None = None, store: Store | None = None, db: str | Path | None = None
) -> bytes:
    """The printable report (``xlsx``, ``html`` or ``pdf``) of these results: ranked tables, score
    sheets, proposed decisions (``decisions``, else :func:`decide`'s) and charts, with the stamp
    printed (docs/reports.md)."""
    from .report import render_report

    proposal = decide(scoring, store=store, db=db) if decisions is None else decisions
    return render_report(fmt, scoring.results, proposal, scoring.history, scoring.stamp.printed(), lang)


def write_report(
    scoring: Scoring,
    fmt: str,
    out: str | Path,
    lang: str = "zh",
    *,
    decisions: list[RuleResult] | None = None,
    store: Store | None = None,
    db: str | Path | None = None,
) -> None:
    """:func:`report` written to ``out`` whole or not at all (HTML a unit at a time: memory stays flat)."""
    from .report import write_report as write

    proposal = decide(scoring, store=store, db=db) if decisions is None else decisions
    write(out, fmt, scoring.results, proposal, scoring.history, scoring.stamp.printed(), lang)


def results_text(
    scoring: Scoring,
    fmt: str = "table",
    lang: str = "zh",
    *,
    decisions: list[RuleResult] | None = None,
    decide: bool = False,
    store: Store | None = None,
    db: str | Path | None = None,
) -> str | Iterator[str]:
    """The ranked results as ``scoring run`` prints them: ``table`` (the proposed decisions, when
    given, then the blank cells scored and the stamp last), ``csv`` (the ranked tables, with a
    column of what the decisions, when given, propose for each unit; no stamp; pieces of up to 10 000
    rows of a category, each made as it is written), or ``json`` (pieces made as they
    are written, so memory stays flat at any size: :func:`results_json` decoded). ``table`` is one
    text, the others pieces (all three in pieces: :func:`results_pieces`). Any other format is
    refused (printable reports: :func:`report`). With ``decide`` and no ``decisions``, the decisions
    are proposed as :func:`decide` does (``store``, ``db``: for rules that look back), as ``scoring run
    --decide`` does."""
    pieces = results_pieces(scoring, fmt, lang, decisions=decisions, decide=decide, store=store, db=db)
    return "".join(pieces) if fmt == "table" else pieces


def results_pieces(
    scoring: Scoring,
    fmt: str = "table",
    lang: str = "zh",
    *,
    decisions: list[RuleResult] | None = None,
    decide: bool = False,
    store: Store | None = None,
    db: str | Path | None = None,
) -> Iterator[str]:
    """:func:`results_text` in pieces, each made as it is written, the table too (a category's table
    at a time, then the proposed decisions): what ``scoring run`` prints as it goes."""
    from .report.output import csv_chunks, table_pieces

    if fmt not in ("table", "csv", "json"):
        raise UsageError(Problem("api.results_format", {"format": fmt}))
    if fmt == "json":
        return (part.decode() for part in results_json(scoring, lang, decisions=decisions, decide=decide, store=store, db=db))
    if fmt == "csv":  # no stamp: not made for it
        return csv_chunks(scoring.results, lang, proposed=_shown_decisions(scoring, decisions, decide, store, db, partial(_unit_texts, lang)))
    listed = _shown_decisions(scoring, decisions, decide, store, db, partial(_decisions_text, scoring.results, lang))
    if listed is None:
        return table_pieces(scoring.results, lang, stamp=scoring.stamp)
    return _table_and_decisions(scoring, lang, listed)


def _unit_texts(lang: str, decisions: list[RuleResult]) -> dict[str, list[str]]:
    """What the rules propose for each unit, as the CSV's last column says it."""
    from .report.decisions import unit_texts  # the rules' module only when there are decisions to show

    return unit_texts(decisions, lang)[0]


def _decisions_text(results: Results, lang: str, decisions: list[RuleResult]) -> str:
    """The proposed decisions as the printed table ends with them."""
    from .report import decisions as rd  # the rules' module only when there are decisions to show

    return rd.as_text(decisions, results.criteria.assessment.precision, results.criteria.decisions.close_margin, lang)


def _table_and_decisions(scoring: Scoring, lang: str, listed: Callable[[], str]) -> Iterator[str]:
    """The ranked tables, then the proposed decisions (``listed``: their text, asked for when the tables
    are made); the stamp stays the last line."""
    from .report.output import stamp_text, table_pieces

    yield from table_pieces(scoring.results, lang)
    yield "\n" + listed().rstrip("\n") + "\n" + stamp_text(scoring.stamp, lang)


def results_json(
    scoring: Scoring,
    lang: str = "zh",
    *,
    decisions: list[RuleResult] | None = None,
    decide: bool = False,
    store: Store | None = None,
    db: str | Path | None = None,
) -> Iterator[bytes]:
    """The results as ``scoring run --format json`` writes them (schema ``scoring.results/1``, the proposed
    decisions when given, or with ``decide`` as :func:`results_text` says): UTF-8 bytes in pieces made as
    they are written, so memory stays flat at any size, and nothing is encoded after it is made."""
    from .report.output import json_bytes

    places = scoring.results.criteria.assessment.precision
    listed = _shown_decisions(scoring, decisions, decide, store, db, partial(_decisions_json, places, lang))
    return json_bytes(scoring.results, lang, stamp=scoring.stamp, extra=None if listed is None else {"decisions": listed})


def _decisions_json(places: int, lang: str, decisions: list[RuleResult]) -> bytes:
    """The proposed decisions' value in the JSON document, as its text."""
    from .report import decisions as rd
    from .report.output import dump_json

    return dump_json(rd.as_dicts(decisions, places, lang))[:-1].encode()


def papers(
    scoring: Scoring,
    kind: str,
    fmt: str = "pdf",
    lang: str = "zh",
    *,
    publication: dict | None = None,
    unit: str | None = None,
    decisions: list[RuleResult] | None = None,
    store: Store | None = None,
    db: str | Path | None = None,
) -> list[tuple[str, bytes]]:
    """The papers sent out, as (file name, bytes): ``kind="unit"``, one 考核结果反馈 per unit (or
    ``unit``'s alone, by id or name); ``kind="public"``, the 公示. ``publication``: the criteria's
    ``[publication]`` with these values laid over it (issuer, date, public_from, public_to,
    object_by, contact, address, grades_only). Every paper is made before any is returned; a name
    two units share, or two units whose names give one file name, is refused."""
    from .report import render_papers
    from .report.papers import publication as pub_of

    proposal = decide(scoring, store=store, db=db) if decisions is None else decisions
    pub = pub_of(scoring.results.criteria, _dates(publication or {}))
    # the papers sent out print no stamp line of blank cells: it names other units
    made = render_papers(fmt, kind, scoring.results, proposal, scoring.history, scoring.stamp.as_dict(), lang, pub, unit)
    names = [name for name, _ in made]
    if kind == "unit" and unit is not None and len(made) > 1:  # a name two units share
        raise UsageError(Problem("data.ambiguous_name", {"name": unit, "ids": "、".join(names)}))
    if len(set(names)) < len(names):  # units whose names give one file name: one paper would replace the other
        raise UsageError(Problem("report.same_file_name", {"names": "、".join(sorted({n for n in names if names.count(n) > 1}))}))
    return made


PUBLICATION_KEYS = ("issuer", "date", "public_from", "public_to", "object_by", "contact", "address", "grades_only")


def _dates(options: dict) -> dict:
    """The publication's options checked: an unknown key is refused (a misspelt one would be dropped
    unseen), dates given as text (2021-01-15, 2021/1/15) are read as dates, a bad one refused."""
    import datetime

    from .history.cycle import parse_date

    unknown = sorted(set(options) - set(PUBLICATION_KEYS))
    if unknown:
        raise UsageError(Problem("api.publication_key", {"keys": "、".join(unknown), "known": "、".join(PUBLICATION_KEYS)}))
    return {
        k: datetime.date.fromisoformat(parse_date(v, k)) if k in ("date", "public_from", "public_to", "object_by") and isinstance(v, str) else v
        for k, v in options.items()
    }


# ---------------------------------------------------------------- the history store (docs/history.md)
def _in_store(store: Store | None, db: str | Path | None, work: Callable[[Store], _T]) -> _T:
    """``work(store)`` with the given store, or with the store at ``db`` opened and closed around it."""
    if store is not None:
        return work(store)
    with open_store(db) as opened:
        return work(opened)


def finalize(
    run_id: int, operator: str, *, key: str | Path | None = None, plugins: Iterable[str | Path] = (), store: Store | None = None, db: str | Path | None = None
):
    """Re-score a draft run from its stored inputs and, when the results match, make it final and seal
    it with the office's key (default: SCORING_KEY) → (run, whether it changed). No key: refused
    before any work."""
    from .history.seal import finalize as seal, load_key

    load_key(key)
    return _in_store(store, db, lambda s: seal(s, int(run_id), operator, key, [str(p) for p in plugins]))


def verify(
    run_id: int,
    *,
    data: str | Path | None = None,
    plugins: Iterable[str | Path] = (),
    public_key: str | None = None,
    store: Store | None = None,
    db: str | Path | None = None,
):
    """Re-score a stored run (or ``data``) under its stored criteria and compare (``.identical``); its
    seal is checked, against ``public_key`` (hex or a PEM file) when given, else SCORING_PUBLIC_KEY."""
    from .history.reproduce import verify as check

    return _in_store(store, db, lambda s: check(s, int(run_id), [str(p) for p in plugins], None if data is None else str(data), public_key))


def rescore(
    run_id: int, data: str | Path, reason: str, operator: str, *, plugins: Iterable[str | Path] = (), store: Store | None = None, db: str | Path | None = None
):
    """After an appeal: score corrected ``data`` under the frozen criteria of a final run and save it
    as a correction run → the report of what changed."""
    from .history.reproduce import rescore as correct

    return _in_store(store, db, lambda s: correct(s, int(run_id), str(data), reason, operator, [str(p) for p in plugins])[0])


def save(scoring: Scoring, data: str | Path, operator: str, *, note: str = "", store: Store | None = None, db: str | Path | None = None) -> int:
    """Keep a scoring in the history store as a draft run (its criteria and data files with it) → the
    run's id. A store that does not exist yet is made."""
    from .history.record import build_record, data_files

    crit = scoring.criteria
    if crit is None:  # results scored again from the store are in it already
        raise UsageError(Problem("api.save_stored"))
    rec = build_record(
        scoring.results,
        crit.registry,
        criteria_raw=crit.raw,
        criteria_path=str(Path(crit.path).resolve()),
        data_path=str(Path(data).resolve()),
        operator=operator,
        files=data_files(str(data)),
        note=note,
    )
    if store is not None:
        return store.save(rec)
    with open_store(db, create=True) as opened:
        return opened.save(rec)


def runs(*, series: str | None = None, year: int | None = None, store: Store | None = None, db: str | Path | None = None) -> list[RunInfo]:
    """The runs kept in the store (all, or one series / year), oldest first."""
    return _in_store(store, db, lambda s: s.runs(series, year))


def delete_run(run_id: int, operator: str, *, store: Store | None = None, db: str | Path | None = None) -> RunInfo:
    """Delete a draft run (a final run is never deleted: the store refuses)."""
    return _in_store(store, db, lambda s: s.delete(int(run_id), operator))


def keygen(out: str | Path) -> str:
    """Make the office's signing key at ``out`` (a new file, readable by its owner only) → its public key."""
    from .history.seal import keygen as make

    return make(out)


def backup(out: str | Path, *, db: str | Path | None = None) -> int:
    """A consistent copy of the store at ``out`` (a new file) → the number of runs in it."""
    from .history.backup import backup as copy

    return copy(db, out)


def check_store(*, public_key: str | None = None, db: str | Path | None = None) -> StoreCheck:
    """Every seal, its signature (against ``public_key`` when given, else the pinned one), its place in
    the chain; the triggers; the event log after the last seal. Opens a store whose protections are
    gone, to report on it."""
    from .history.seal import check_store as check, pinned_key

    with open_store(db, guards=False) as s:
        return check(s, pinned_key(public_key))


def export_seal(run_id: int, folder: str | Path, *, store: Store | None = None, db: str | Path | None = None) -> list[Path]:
    """What an outsider needs to check a final run's seal without this program → the files written."""
    from .history.seal import export

    return _in_store(store, db, lambda s: export(s, s.run(int(run_id)), folder))


# ---------------------------------------------------------------- 公示, objections, the event log (docs/cycle.md)
def publication(run_id: int, *, store: Store | None = None, db: str | Path | None = None) -> Publication | None:
    """The 公示 of a run now in force (the latest one), or None."""
    from .history.cycle import current_publication

    return _in_store(store, db, lambda s: current_publication(s, int(run_id)))


def publish(run_id: int, start: str, end: str, operator: str, *, reason: str = "", store: Store | None = None, db: str | Path | None = None) -> Publication:
    """Publish a run for a 公示期 from ``start`` to ``end`` (dates like 2021-01-15); published again
    with other dates, the latest counts (``reason`` says why)."""
    from .history.cycle import publish as pub

    return _in_store(store, db, lambda s: pub(s, int(run_id), start, end, operator, reason))


def add_objection(
    run_id: int,
    unit: str,
    text: str,
    operator: str,
    *,
    indicator: str | None = None,
    field: str | None = None,
    evidence: Iterable[str | Path | tuple[str, bytes]] = (),
    received: str | None = None,
    accept_late: str | None = None,
    store: Store | None = None,
    db: str | Path | None = None,
) -> Objection:
    """A unit's objection to one indicator (or one field of its data) of a published run, with its
    evidence: file paths, or (file name, bytes) pairs as an upload gives them. Received after the
    公示期 only with ``accept_late`` (the reason it is taken anyway)."""
    from .history.cycle import add_objection as add

    files = list(evidence)
    return _in_store(store, db, lambda s: add(s, int(run_id), unit, indicator, field, text, files, received, operator, accept_late))


def objection(oid: int, *, store: Store | None = None, db: str | Path | None = None) -> Objection:
    """One objection with its evidence, state and ruling."""
    from .history.cycle import objection as one

    return _in_store(store, db, lambda s: one(s, int(oid)))


def objections(run_id: int | None = None, *, store: Store | None = None, db: str | Path | None = None) -> list[Objection]:
    """The objections to a run's year (or all), in the order received."""
    from .history.cycle import objections as every

    return _in_store(store, db, lambda s: every(s, run_id))


def decide_objection(
    oid: int,
    accept: bool,
    reason: str,
    operator: str,
    *,
    values: Iterable[str] | dict[str, float] = (),
    store: Store | None = None,
    db: str | Path | None = None,
) -> Objection:
    """Accept (with the corrected values: ``["FIELD=VALUE"]`` or ``{field: value}``) or reject an
    objection, with the reason the letter gives."""
    from .history.cycle import decide as rule

    items = [f"{k}={v}" for k, v in values.items()] if isinstance(values, dict) else list(values)
    return _in_store(store, db, lambda s: rule(s, int(oid), accept, items, reason, operator))


def objection_letter(oid: int, lang: str = "zh", *, store: Store | None = None, db: str | Path | None = None) -> str:
    """The letter answering an objection (Markdown text; ``scoring.history.cycle_report.paper`` prints it)."""
    from .history.cycle import objection as one

    return _in_store(store, db, lambda s: _letter(s, one(s, int(oid)), lang))


def _letter(store: Store, o: Objection, lang: str) -> str:
    from .core.rounding import fmt
    from .history.cycle import current_publication
    from .history.cycle_report import letter

    run = store.run(o.run_id)
    result = None
    if o.correction is not None:  # accepted and applied: the letter gives the corrected result
        row = next(iter(store.unit_rows(o.correction, [o.unit_id])), None)
        if row is not None:
            total = fmt(row.total, run.precision) if row.total is not None else "—"
            result = (o.correction, total, row.rank, row.of, row.grade)
    return letter(o, run, current_publication(store, run.id), lang, result)


@dataclass
class Corrected:
    """Accepted objections applied: the correction run, what changed, and each objection's letter."""

    applied: Applied  # .report (the correction run and its diff), .objections, .notices (units that moved)
    letters: list  # (objection, letter text) in the objections' order


def apply_objections(
    run_id: int, reason: str, operator: str, lang: str = "zh", *, plugins: Iterable[str | Path] = (), store: Store | None = None, db: str | Path | None = None
) -> Corrected:
    """Every accepted objection not applied yet, in one correction run of the published result
    (a draft: finalize it to seal it) → what changed and the letters."""
    from .history.cycle import apply

    def work(s):
        done = apply(s, int(run_id), reason, operator, [str(p) for p in plugins])
        return Corrected(done, [(o, _letter(s, o, lang)) for o in done.objections])

    return _in_store(store, db, work)


def event_log(run_id: int, *, store: Store | None = None, db: str | Path | None = None) -> tuple[RunInfo, list[Event], list[int]]:
    """A run's events and those of the runs that correct it, in order → (run, events, rows of the
    whole log whose chain no longer holds)."""
    from .history.cycle import log

    def work(s):
        events, bad = log(s, int(run_id))
        return s.run(int(run_id)), events, bad

    return _in_store(store, db, work)


def import_results(
    sheet: str | Path,
    criteria: str | Path,
    year: int,
    operator: str,
    *,
    units: str | Path | None = None,
    series: str | None = None,
    key: str | Path | None = None,
    note: str = "",
    store: Store | None = None,
    db: str | Path | None = None,
) -> RunInfo:
    """An earlier year's published result sheet (kept on paper or in a spreadsheet) into the store,
    sealed like a final run, so rules that look back can use it. The sheet is read and checked, and
    the key loaded, before the store is opened or made."""
    from .history.imported import import_sheet, read_sheet
    from .history.seal import load_key

    load_key(key)  # no key, no work
    got = read_sheet(str(sheet), str(criteria), None if units is None else str(units), series)
    if store is not None:
        return import_sheet(store, got, int(year), operator, key, note)
    with open_store(db, create=True) as opened:
        return import_sheet(opened, got, int(year), operator, key, note)


@dataclass
class UnitHistory:
    """A unit's results over the years (``scoring history``)."""

    series: str
    unit: str  # the unit's id
    lines: list  # one per year: its outcome, or why there is none (not assessed, merged …)
    runs: dict  # run id → the run each outcome comes from
    aliases: object  # the series' declared renames and merges


def unit_history(unit: str, *, series: str | None = None, store: Store | None = None, db: str | Path | None = None) -> UnitHistory:
    """A unit (id or name) over the years of a series (needed when the store holds several)."""
    from .history.lookback import Outcome, find_unit as known, unit_history as years

    def work(s):
        name = s.pick_series(series)
        uid = known(s, name, unit)
        lines = years(s, name, uid)
        runs = {ln.record.run_id: s.run(ln.record.run_id) for ln in lines if isinstance(ln.record, Outcome)}
        return UnitHistory(name, uid, lines, runs, s.aliases(name))

    return _in_store(store, db, work)


def compare_years(year: int, *, category: str | None = None, series: str | None = None, store: Store | None = None, db: str | Path | None = None):
    """Year-over-year table of ``year``'s published run: totals, ranks, grades and their change.
    An unknown ``category`` raises HistoryError naming the known ones."""
    from .history.lookback import compare_years as compare

    def work(s):
        cmp = compare(s, s.pick_series(series), year, category)
        if category is not None and not cmp.lines:
            cats = sorted({u.category for u in s.unit_rows(cmp.run.id)})
            raise HistoryError(Problem("history.no_category", {"category": category, "known": "、".join(cats)}))
        return cmp

    return _in_store(store, db, work)


def find_unit(results: Results, unit: str) -> str:
    """A unit's id from its id or its name; :class:`scoring.errors.UsageError` naming close matches otherwise."""
    import difflib

    ids, names = results.data.ids, results.data.names
    if unit in ids:
        return unit
    same = [u for u, n in zip(ids, names) if n == unit]
    if len(same) > 1:  # a name two units share: never guess whose sheet to show
        raise UsageError(Problem("data.ambiguous_name", {"name": unit, "ids": "、".join(same)}))
    if same:
        return same[0]
    close = difflib.get_close_matches(unit, ids + names, n=3, cutoff=0.4)
    raise UsageError(Problem("explain.unknown_unit", {"unit": unit, "close": "、".join(close) or "—"}))


def to_frame(scoring: Scoring | Results, library: str | None = None):
    """The results as one DataFrame, a row per unit: category, id, name, total, rank, grade, then each
    module's score and each indicator's points (NaN where it does not count for the unit, never 0).
    pandas when installed, else polars (or name one with ``library``); neither is a dependency."""
    rows = records(scoring)
    if library in (None, "pandas"):
        try:
            import pandas
        except ImportError:
            if library == "pandas":
                raise
        else:
            return pandas.DataFrame(rows)
    if library in (None, "polars"):
        try:
            import polars
        except ImportError:
            if library == "polars":
                raise
        else:
            return polars.DataFrame(rows)
    raise ImportError("to_frame needs pandas or polars (pip install pandas); records() gives the same rows as dicts")


def records(scoring: Scoring | Results) -> list[dict]:
    """The rows of :func:`to_frame` as plain dicts: category by category, units in the data's order."""
    results = scoring.results if isinstance(scoring, Scoring) else scoring
    data, rows = results.data, []
    for cs in results.categories.values():
        for j, i in enumerate(cs.index):
            rows.append(
                {
                    "category": cs.category,
                    "id": data.ids[i],
                    "name": data.names[i],
                    "total": float(cs.total[j]),
                    "rank": int(cs.rank[j]),
                    "grade": cs.grade[j],
                    **{m: float(ms.score[j]) for m, ms in cs.modules.items()},
                    **{ind: float(sc.points[j]) for ind, sc in cs.indicators.items()},
                }
            )
    return rows


# ---- used by scoring serve ----
__all__ += ["unit_sheet", "evidence"]


def unit_sheet(scoring: Scoring, unit: str, lang: str = "zh") -> dict:
    """One unit's score sheet as its 考核结果反馈 prints it: ``sheet`` (total, rank, of, grade, modules,
    indicators …), ``cells`` (indicator, points, score, lost, reason, source), ``sentences`` (the
    explanation), and ``average``: its category's average total. ``unit``: id or name."""
    from .report import notice

    results = scoring.results
    cs, pos = results.locate(find_unit(results, unit))
    doc = notice.unit_notice(results, cs, pos, decide(scoring), lang)
    totals = [float(x) for x in cs.total if x == x]  # a unit failed by a veto may have no total
    return {
        **doc,
        "cells": notice.sheet_cells(doc["sheet"], lang),
        "average": round(sum(totals) / len(totals), results.criteria.assessment.precision) if totals else None,
    }


def evidence(oid: int, name: str, *, store: Store | None = None, db: str | Path | None = None) -> bytes:
    """The bytes of one evidence file of an objection, as received (checked against its sha256)."""
    from .history import canonical

    def work(s):
        o = objection(oid, store=s)
        item = next((e for e in o.evidence if e.name == name), None)
        if item is None:
            raise UsageError(Problem("api.no_evidence", {"id": oid, "name": name, "known": "、".join(e.name for e in o.evidence) or "—"}))
        data = s.file_bytes(item.sha256)
        if canonical.sha256(data) != item.sha256:
            raise HistoryError(Problem("history.damaged", {"path": str(s.path), "detail": f"evidence {name}"}))
        return data

    return _in_store(store, db, work)
