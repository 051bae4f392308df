"""Submitted data from a folder of CSV (and XLSX) files.

The CSV reader is one branch of the shared pipeline in :mod:`scoring.load.submissions`
(files → tables in :mod:`scoring.load.sheets`, cells → numbers in
:mod:`scoring.load.values`), so CSV and XLSX files are read, normalised and checked the
same way.  This module keeps the historical entry point.
"""
from __future__ import annotations

from .submissions import (  # noqa: F401 - re-exported
    CAT_COLS, EVIDENCE_SUFFIX, ID_COLS, NAME_COLS, read_folder, read_submissions, read_units,
)

__all__ = ["read_folder", "read_submissions", "read_units", "ID_COLS", "NAME_COLS", "CAT_COLS", "EVIDENCE_SUFFIX"]
