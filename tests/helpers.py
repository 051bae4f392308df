"""Helpers the test files share: the bundled examples' paths, the command line run in-process,
a copy of an example to change, and a store read whole.

The fixtures and helpers of one kind of test live beside it: builders.py (methods),
history_support.py (a tiny criteria file and folder), report_support.py (results to print),
xlsx_support.py (workbooks).
"""

from __future__ import annotations

import functools
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

from scoring.cli import main

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_CRITERIA = ROOT / "criteria" / "yitong-2020.toml"
EXAMPLE_DATA = ROOT / "examples" / "yitong-2020"


def yaoan_criteria(year: int) -> str:
    """The bundled 姚安 criteria of one year (2018–2020)."""
    return str(ROOT / "criteria" / f"yaoan-{year}.toml")


def yaoan_data(year: int) -> str:
    """The bundled 姚安 data folder of one year (2018–2020)."""
    return str(ROOT / "examples" / f"yaoan-{year}")


def cli(capsys, *argv) -> tuple[int, str, str]:
    """``scoring ARGV…`` run in-process (arguments may be paths) → (exit code, stdout, stderr) of this call alone."""
    capsys.readouterr()
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def cli_ok(capsys, *argv) -> tuple[str, str]:
    """``scoring ARGV…`` run in-process where it must succeed → (stdout, stderr) of this call alone."""
    code, out, err = cli(capsys, *argv)
    assert code == 0, err
    return out, err


def cli_process(*argv, **options) -> subprocess.CompletedProcess[str]:
    """``python -m scoring ARGV…`` as a process of its own, its output captured as text; ``options`` (env,
    cwd, timeout, check) go to :func:`subprocess.run`."""
    return subprocess.run([sys.executable, "-m", "scoring", *map(str, argv)], capture_output=True, text=True, encoding="utf-8", **options)


def cli_race(*argvs) -> list[tuple[int, str]]:
    """Several ``python -m scoring …`` of this tree started at the same moment → (exit code, stderr) of each,
    once all have ended."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "scoring", *map(str, argv)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, text=True, encoding="utf-8"
        )
        for argv in argvs
    ]
    results = []
    for p in procs:
        _, err = p.communicate(timeout=60)
        results.append((p.returncode, err))
    return results


def scored(criteria: str | Path, data: str | Path):
    """A criteria file and a data folder → the engine's results, as `scoring run` computes them."""
    from scoring.api import load_criteria
    from scoring.core.engine import score
    from scoring.load.submissions import read_folder

    plan = load_criteria(str(criteria)).plan
    return score(plan, read_folder(data, plan.criteria))


@functools.lru_cache(maxsize=1)
def example_results():
    """The bundled 伊通 2020 example scored, once for the whole session: read it, never change it."""
    return scored(EXAMPLE_CRITERIA, EXAMPLE_DATA)


def example_copy(tmp_path: Path, source: str | Path = EXAMPLE_DATA, name: str = "data") -> Path:
    """A copy of an example's data folder (the 伊通 2020 one unless told) under ``tmp_path``, to change freely."""
    data = tmp_path / name
    shutil.copytree(source, data)
    return data


def snapshot(db: Path) -> dict[str, list[str]]:
    """Every row of every table of a store ({} where there is no file): what "nothing changed" is compared with."""
    if not db.exists():
        return {}
    conn = sqlite3.connect(db)
    try:
        names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
        return {n: sorted(map(repr, conn.execute(f'SELECT * FROM "{n}"').fetchall())) for n in names}
    finally:
        conn.close()
