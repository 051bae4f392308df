"""A county run starts quickly: it loads what scoring and printing its results need, nothing else.

(numpy and pydantic are the engine's own; the history store, the spreadsheet and PDF libraries,
tabulate and wcwidth are loaded only by the work that needs them.)"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOT_NEEDED = ("sqlite3", "scoring.history.store", "scoring.history.lookback", "wcwidth", "tabulate", "openpyxl", "python_calamine", "typst", "cryptography")


@pytest.mark.parametrize("extra", [["--decide"], ["--format", "csv"], ["--decide", "--format", "json"]])
def test_a_run_with_no_store_loads_only_what_it_needs(tmp_path, extra):
    code = (
        "import sys, io, contextlib; from scoring.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()) as out:\n"
        f"    code = main(['run', {str(ROOT / 'criteria/yitong-2020.toml')!r}, '--data', {str(ROOT / 'examples/yitong-2020')!r}, *{extra!r}])\n"
        "assert code == 0 and out.getvalue()\n"
        f"print(sorted(m for m in {NOT_NEEDED!r} if m in sys.modules))"
    )
    env = {k: v for k, v in os.environ.items() if k != "SCORING_DB"}  # no store here (tmp_path): nothing to look back on
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, env=env, check=True).stdout
    assert out.strip() == "[]"
