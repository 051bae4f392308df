"""What a scoring method is, as the engine sees it.

A method scores one indicator for all units of one category at once: it receives a
:class:`Column` (each input field as a float array, NaN where a unit gave nothing)
and returns a :class:`Scored` (points per unit, plus column-wide facts such as the
category average that explanations quote).  It is never called once per unit.

Explanations are produced lazily: ``lost_reason`` is called only for the unit and
indicator someone asks about, so a run over 100 000 units stays fast.

Simple absolute rules can subclass :class:`ValueMethod` and write ``points_for`` for
a single value; the helper maps it over the column.

A method that compares with last year sets ``previous_year = True``: the plan then
also hands it last year's value of its field, as the input named
``<field>@上年`` (see :func:`scoring.core.dataset.previous_name`).  The first input is
always the indicator's own field.
"""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
from ..i18n import t
from .record import Record
from .rounding import fmt, trimmed, trimmed_column


class Params(Record):
    """Base for a method's parameters; unknown keys are refused so typos are caught. A record
    (:mod:`scoring.core.record`): declared and validated as a pydantic model, pydantic's ``Field``
    and validators included."""

    model_config = {"extra": "forbid", "frozen": True, "allow_inf_nan": False}


class NoParams(Params):
    pass


# repr=False, eq=False: its fields are arrays (== on them says nothing, a repr prints them whole),
# and Python compiles every method a dataclass generates each time the module is imported
@dataclass(repr=False, eq=False)
class Column:
    """What a method scores: its input fields as columns over the units of one category."""

    values: dict[str, np.ndarray]  # field name -> float64 array, NaN = missing
    full: float  # the indicator's full points
    bonus: bool = False  # 附加项: points may go beyond [0, full]
    category: str = ""

    @property
    def value(self) -> np.ndarray:
        """The single input of a one-field method."""
        return next(iter(self.values.values()))

    def __len__(self) -> int:
        return len(self.value) if self.values else 0


@dataclass(repr=False, eq=False)
class Scored:
    """A method's points per unit, and the facts about the column its explanations quote."""

    points: np.ndarray
    context: dict[str, Any] = field(default_factory=dict)  # whatever lost_reason needs later


# how input values read in sentences: (decimal places, {field: unit}), set while explaining one sheet
_DISPLAY: ContextVar[tuple[int, dict[str, str]] | None] = ContextVar("scoring_display", default=None)


@contextmanager
def displaying(places: int, units: dict[str, str]):
    """Within this block, :func:`shown` writes values at ``places`` decimals with their field's unit."""
    token = _DISPLAY.set((places, units))
    try:
        yield
    finally:
        _DISPLAY.reset(token)


def shown(v: float, field: str | None = None, lang: str = "zh", default_unit: str = "") -> str:
    """A value as a sentence on a sheet writes it: at the declared precision (94.59, not
    94.594595) followed by its field's unit (%, 次, 件 …; only "%" in English)."""
    display = _DISPLAY.get()
    if display is None:
        text, unit = fmt(v), default_unit
    else:
        places, units = display
        text = trimmed(v, places)
        unit = _unit_of(field, units) or default_unit
    if lang == "en" and unit != "%":
        return text
    return text + unit


def _unit_of(field: str | None, units: dict[str, str]) -> str:
    if not field:
        return ""
    return units.get(field) or (units.get(field.split("@", 1)[0]) if "@" in field else "") or ""


def shown_column(values: np.ndarray, field: str | None = None, lang: str = "zh", default_unit: str = "") -> list[str]:
    """:func:`shown` of every value of a column (for :meth:`Method.lost_reasons`)."""
    display = _DISPLAY.get()
    if display is None:
        return [shown(v, field, lang, default_unit) for v in np.asarray(values, dtype=float).tolist()]
    places, units = display
    unit = _unit_of(field, units) or default_unit
    texts = trimmed_column(values, places)
    if (lang == "en" and unit != "%") or not unit:
        return texts
    return [x + unit for x in texts]


def difference(v: float, field: str | None = None, lang: str = "zh", rate: bool = False) -> str:
    """A difference of two values of ``field``: percentage points for a rate ("2.27个百分点")."""
    display = _DISPLAY.get()
    places, units = display if display is not None else (None, {})
    if rate or (field is not None and units.get(field.split("@")[0]) == "%"):
        text = fmt(v) if places is None else trimmed(v, places)
        return t("method.pct_points", lang, value=text)
    return shown(v, field, lang)


def difference_column(values: np.ndarray, field: str | None = None, lang: str = "zh", rate: bool = False) -> list[str]:
    """:func:`difference` of every value of a column."""
    display = _DISPLAY.get()
    places, units = display if display is not None else (None, {})
    if rate or (field is not None and units.get(field.split("@")[0]) == "%"):
        texts = [fmt(v) for v in np.asarray(values, dtype=float).tolist()] if places is None else trimmed_column(values, places)
        before, _, after = t("method.pct_points", lang, value="\ue000").partition("\ue000")  # a character no message holds
        return [before + x + after for x in texts]
    return shown_column(values, field, lang)


# The methods (by id) whose lost_reason or lost_reasons the other default is asking now: a method that
# writes one of the two and leaves some units to the base class's other one is answered with the plain
# sentence there, rather than each default asking the other without end.
_ASKING: ContextVar[frozenset[int]] = ContextVar("scoring_asking", default=frozenset())


@contextmanager
def _asking(method: Any):
    token = _ASKING.set(_ASKING.get() | {id(method)})
    try:
        yield
    finally:
        _ASKING.reset(token)


def tr(lang: str, zh: str, en: str) -> str:
    """Pick the text for the user's language (methods carry both)."""
    return en if lang == "en" else zh


class Method:
    """Base class of every scoring method, built-in or from a plugin."""

    name: ClassVar[str] = ""
    title: ClassVar[tuple[str, str]] = ("", "")  # (中文, English)
    Params: ClassVar[type[Params]] = NoParams
    uses_field: ClassVar[bool] = True  # reads the indicator's ``field``
    previous_year: ClassVar[bool] = False  # also reads "<field>@上年" (last year's value)
    # NaN for a unit whose inputs are all present means "this rule cannot score it" (e.g. no
    # valid votes) and the indicator's missing rule applies. Without this declaration such a
    # NaN is refused as a fault of the plugin (see scoring.core.boundary).
    leaves_out: ClassVar[bool] = False
    passes_through: ClassVar[bool] = False  # the points are the submitted value itself (``supplied``)
    # The least value an input may have for the rule to mean anything (0 for a ratio to the best):
    # `scoring check` refuses a field whose declared range allows less, rather than a silent clip.
    least_value: ClassVar[float | None] = None
    plugin: str = ""  # the plugin the method was taken from (set by the registry)
    # An example for `scoring methods NAME` and docs/methods.md: {"field": …, "params": {…}},
    # optionally "full", "name" and "bonus". The rule sentence shown is generated from it.
    example: ClassVar[dict[str, Any] | None] = None

    def inputs(self, params: Any) -> list[str]:
        """Further fields this method reads, named in its params (multi-field methods)."""
        return []

    def score(self, col: Column, params: Any) -> Scored:  # pragma: no cover - interface
        raise NotImplementedError

    def max_points(self, params: Any) -> float | None:
        """The most points the params can give, when they name points themselves (bands, ranks).

        Lets ``scoring check`` refuse a band worth more than its indicator instead of the
        engine quietly cutting it to full points.
        """
        return None

    def rule(self, params: Any, full: float, lang: str = "zh") -> str:
        """The rule in words, generated from the params (评分标准)."""
        return self.title[1] if lang == "en" else self.title[0]

    def lost_reason(
        self,
        params: Any,
        inputs: dict[str, float],
        points: float,
        full: float,
        context: dict[str, Any],
        lang: str = "zh",
    ) -> str:
        """Why points were lost (失分原因), for one unit. Called only on demand.

        A method that writes its reasons a column at a time (:meth:`lost_reasons`) need not write
        this one: it is that method's sentence for a column of one unit. Asked from within that
        method (a row it leaves to the default), or when a method writes neither, the sentence is
        the plain one: the inputs and the points."""
        if type(self).lost_reasons is not Method.lost_reasons and id(self) not in _ASKING.get():
            one = {f: np.array([v], dtype=float) for f, v in inputs.items()}
            with _asking(self):
                return self.lost_reasons(params, one, np.array([points], dtype=float), full, context, lang)[0]
        shown = "; ".join(f"{k}={fmt(v)}" for k, v in inputs.items())
        return t("method.lost_default", lang, inputs=shown, points=fmt(points))

    def lost_reasons(
        self,
        params: Any,
        inputs: dict[str, np.ndarray],
        points: np.ndarray,
        full: float,
        context: dict[str, float],
        lang: str = "zh",
    ) -> list[str]:
        """:meth:`lost_reason` for many units of one category at once (a whole score-sheet output:
        JSON, reports): ``inputs`` and ``points`` are columns, one entry per distinct set of values among
        the units that lost points (units with the same inputs and points share the sentence).

        The default asks :meth:`lost_reason` for each entry (the callers have already kept one per distinct
        set of values), so a method needs no change; a method may override this to build its sentences a
        column at a time. It must return exactly what :meth:`lost_reason` gives. Asked from within the
        method's own :meth:`lost_reason` (for a unit it leaves to the default), each sentence is the plain one."""
        names = list(inputs)
        rows = zip(*(inputs[f].tolist() for f in names), np.asarray(points, dtype=float).tolist())
        if type(self).lost_reason is Method.lost_reason or id(self) in _ASKING.get():
            return [Method.lost_reason(self, params, dict(zip(names, key)), key[-1], full, context, lang) for key in rows]
        with _asking(self):
            return [self.lost_reason(params, dict(zip(names, key)), key[-1], full, context, lang) for key in rows]


class ValueMethod(Method):
    """A method whose points for a unit depend on that unit's value alone."""

    def points_for(self, value: float, params: Any, full: float) -> float:  # pragma: no cover
        raise NotImplementedError

    def score(self, col: Column, params: Any) -> Scored:
        v = col.value
        out = np.full(len(v), np.nan)
        ok = ~np.isnan(v)
        out[ok] = [self.points_for(float(x), params, col.full) for x in v[ok]]
        return Scored(out)


def deducted(full: float, deduction: np.ndarray, cap: float | None, bonus: bool) -> np.ndarray:
    """Points after a deduction: capped (封顶), never below 0 (扣完为止).

    For a 附加项 the deduction itself is the (negative) points.
    """
    d = np.asarray(deduction, dtype=float)
    out = None if cap is None else np.minimum(d, cap)  # a new column, then every step in place
    if out is not None:
        d = out
    if bonus:
        return np.negative(d, out=out)
    out = np.subtract(full, d, out=out)
    return np.maximum(out, 0.0, out=out)
