"""Assessment scoring engine (考核评分引擎).

Public names for plugin authors and embedders::

    from scoring import hookimpl, Method, ValueMethod, Column, Scored, Params, tr
"""
from .core.methods import Column, Method, Params, Scored, ValueMethod, deducted, tr
from .errors import CriteriaError, DataError, HistoryError, PluginError, Problem, ScoringError
from .hookspecs import hookimpl

__version__ = "0.1.0"

__all__ = [
    "Column", "Method", "Params", "Scored", "ValueMethod", "deducted", "tr", "hookimpl",
    "CriteriaError", "DataError", "HistoryError", "PluginError", "Problem", "ScoringError", "__version__",
]
