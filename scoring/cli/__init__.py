"""Command line, one module per group of commands:

- ``score``   check, run, explain, decide, sensitivity, fingerprint, methods
- ``reports`` report (XLSX / HTML / PDF)
- ``data``    validate, template, progress
- ``cycle``   criteria next | diff, warn; after the scoring publish, objection, objections, log, import (docs/cycle.md)
- ``history`` runs, finalize, delete, verify, history, compare, rescore, keygen, backup (docs/history.md)
- ``serve``   the intranet portal: owners upload, units see their own sheet and object (docs/serve.md)

Each command is thin: it parses its arguments, calls :mod:`scoring.api`, and prints. Help texts
and the command line's own words are the ``cli.*`` messages of :mod:`scoring.i18n`.

Exit status: 0 success, 2 bad input (a clear message, no traceback), 1 internal error;
``verify`` exits 3 when the re-scored results differ from the stored ones.
Heavy libraries are imported inside the commands that need them so start-up stays fast.
"""

from __future__ import annotations

import argparse
import os
import sys

from ..errors import ScoringError
from . import cycle, data, history, reports, score, serve
from .common import texts

GROUPS = (score, reports, data, cycle, history, serve)
COMMANDS = {name: command for group in GROUPS for name, command in group.COMMANDS.items()}


def _lang(argv: list[str]) -> str:
    for i, a in enumerate(argv):
        if a == "--lang" and i + 1 < len(argv):
            return "en" if argv[i + 1] == "en" else "zh"
        if a.startswith("--lang="):
            return "en" if a.split("=", 1)[1] == "en" else "zh"
    return "en" if os.environ.get("SCORING_LANG") == "en" else "zh"


def build_parser(lang: str) -> argparse.ArgumentParser:
    T = texts(lang)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--lang", choices=["zh", "en"], default=lang, help=T["lang"])
    common.add_argument("--plugins", action="append", default=[], metavar="DIR", help=T["plugins"])
    p = argparse.ArgumentParser(prog="scoring", description=T["desc"], parents=[common])
    sub = p.add_subparsers(dest="command", required=True)
    for group in GROUPS:
        group.add_parsers(sub, common, T, lang)
    return p


def main(argv: list[str] | None = None) -> int:
    # The engine works column by column and never calls BLAS: a pool of BLAS threads
    # would only cost start-up time (about 50 ms of CPU on two cores). A user's own
    # setting wins.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    argv = sys.argv[1:] if argv is None else argv
    lang = _lang(argv)
    args = build_parser(lang).parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except ScoringError as e:
        print(e.render(args.lang), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except Exception as e:  # noqa: BLE001 - last resort: a short message, traceback only on request
        from ..i18n import t

        if os.environ.get("SCORING_DEBUG"):
            raise
        print(t("error.internal", args.lang, detail=f"{type(e).__name__}: {e}"), file=sys.stderr)
        return 1
