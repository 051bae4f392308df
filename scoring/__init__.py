"""Assessment scoring engine (考核评分引擎).

Public names for plugin authors and embedders::

    from scoring import hookimpl, Method, ValueMethod, Column, Scored, Params, tr
    from scoring import deducted, difference, shown, fmt, previous_name   # helpers for sentences and points
    from scoring import Field, field_validator, model_validator           # declaring Params (as pydantic's)
    from scoring import shown_column, difference_column                   # the same for a column (lost_reasons)

The built-in methods (the top-level ``plugins/`` folder) import nothing else from ``scoring``,
so a third-party plugin can do whatever they do.  The Python API for scripts and notebooks is
:mod:`scoring.api` (docs/api.md).

They are imported on first use, so ``scoring --help`` and the start of every command
do not wait for numpy before it is needed. ``Params`` are records (:mod:`scoring.core.record`):
declared as pydantic models, validated by pydantic only when a criteria file is read.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the names below are imported lazily (__getattr__); a type checker sees them here
    from .core.dataset import previous_name as previous_name
    from .core.methods import Column as Column, Method as Method, Params as Params, Scored as Scored
    from .core.methods import ValueMethod as ValueMethod, deducted as deducted, difference as difference
    from .core.methods import shown as shown, tr as tr
    from .core.methods import difference_column as difference_column, shown_column as shown_column
    from .core.record import Field as Field, field_validator as field_validator, model_validator as model_validator
    from .core.rounding import fmt as fmt
    from .errors import CriteriaError as CriteriaError, DataError as DataError, HistoryError as HistoryError
    from .errors import PluginError as PluginError, Problem as Problem, ScoringError as ScoringError
    from .hookspecs import hookimpl as hookimpl

__version__ = "0.1.0"

_PUBLIC = {
    "Column": ".core.methods",
    "Method": ".core.methods",
    "Params": ".core.methods",
    "Scored": ".core.methods",
    "ValueMethod": ".core.methods",
    "deducted": ".core.methods",
    "tr": ".core.methods",
    "difference": ".core.methods",
    "shown": ".core.methods",
    "shown_column": ".core.methods",
    "difference_column": ".core.methods",
    "fmt": ".core.rounding",
    "Field": ".core.record",
    "field_validator": ".core.record",
    "model_validator": ".core.record",
    "previous_name": ".core.dataset",
    "CriteriaError": ".errors",
    "DataError": ".errors",
    "HistoryError": ".errors",
    "PluginError": ".errors",
    "Problem": ".errors",
    "ScoringError": ".errors",
    "hookimpl": ".hookspecs",
}

__all__ = [*_PUBLIC, "__version__"]


def __getattr__(name: str):
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'scoring' has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(__all__)
