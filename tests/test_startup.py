"""A county run starts quickly: it loads what scoring and printing its results need, nothing else.

(numpy and pydantic are the engine's own; the history store, the spreadsheet and PDF libraries,
tabulate and wcwidth are loaded only by the work that needs them.)"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parent.parent
NOT_NEEDED = (
    "sqlite3",
    "scoring.history.store",
    "scoring.history.lookback",
    "wcwidth",
    "tabulate",
    "openpyxl",
    "python_calamine",
    "typst",
    "cryptography",
)


@pytest.mark.parametrize(
    "extra, not_needed",
    [
        (["--decide"], NOT_NEEDED),
        (["--format", "csv"], (*NOT_NEEDED, "scoring.core.decisions", "scoring.report.decisions")),  # no rules asked for
        (["--decide", "--format", "json"], NOT_NEEDED),
    ],
)
def test_a_run_with_no_store_loads_only_what_it_needs(tmp_path, extra, not_needed):
    code = (
        "import sys, io, contextlib; from scoring.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()) as out:\n"
        f"    code = main(['run', {str(ROOT / 'criteria/yitong-2020.toml')!r}, '--data', {str(ROOT / 'examples/yitong-2020')!r}, *{extra!r}])\n"
        "assert code == 0 and out.getvalue()\n"
        f"print(sorted(m for m in {not_needed!r} if m in sys.modules))"
    )
    env = {k: v for k, v in os.environ.items() if k != "SCORING_DB"}  # no store here (tmp_path): nothing to look back on
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, env=env, check=True).stdout
    assert out.strip() == "[]"


# --- the command line parses a named command with that command's parser alone ----------------------
_WORDS = ["run", "check", "decide", "criteria", "diff", "next", "objection", "add", "report", "verify", "runs", "serve", "nope", "ru"]
_WORDS += ["--lang", "--lang=en", "--lang=xx", "zh", "en", "fr", "--plugins", "--plugins=p", "--plug", "-h", "--help", "--data", "d", "c.toml"]
_WORDS += ["--decide", "--format", "csv", "json", "xx", "--out", "o.csv", "--bogus", "--db", "7", "--", "-x"]


def _outcome(parse, argv, lang, capsys):
    """What parsing ``argv`` gives: the arguments, or the exit status and what was printed."""
    try:
        return ("args", sorted(vars(parse(argv, lang)).items()))
    except SystemExit as e:
        out = capsys.readouterr()
        return ("exit", e.code, out.out, out.err)


def _whole(argv, lang):
    from scoring.cli import build_parser

    return build_parser(lang).parse_args(argv)


def test_every_command_is_parsed_as_the_whole_parser_parses_it(capsys):
    from scoring.cli import COMMANDS, parse_args

    for name in COMMANDS:
        for argv in ([name, "--help"], [name, "x", "--bogus"], ["--lang", "en", "--plugins", "p", name, "-h"], ["--lang", "fr", name]):
            assert _outcome(parse_args, argv, "zh", capsys) == _outcome(_whole, argv, "zh", capsys), argv


@settings(max_examples=80, deadline=None)
@given(st.lists(st.sampled_from(_WORDS), max_size=7), st.sampled_from(["zh", "en"]))
def test_any_command_line_is_parsed_as_the_whole_parser_parses_it(argv, lang):
    import contextlib
    import io

    from scoring.cli import parse_args

    def outcome(parse):
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                return ("args", sorted(vars(parse(argv, lang)).items()))
            except SystemExit as e:
                return ("exit", e.code, out.getvalue(), err.getvalue())

    assert outcome(parse_args) == outcome(_whole)
