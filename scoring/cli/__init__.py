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
import gc
import os
import sys

from ..core import cycles
from ..errors import ScoringError
from .. import parallel
from . import cycle, data, history, reports, score, serve
from .common import texts

GROUPS = (score, reports, data, cycle, history, serve)
COMMANDS = {name: command for group in GROUPS for name, command in group.COMMANDS.items()}

# A batch command makes its records (a nation's outcomes, proposals, cells) once and keeps them
# until it exits: Python's cycle collector, started every 700 new objects by default, looks
# through all of them again and again and finds nothing to free (about a tenth of a nation
# run's CPU time). Batch commands collect far less often; the portal, which runs for weeks and
# serves request after request, keeps Python's default.
BATCH_GC = (100_000, 50, 1000)
LONG_RUNNING = frozenset({"serve"})

# glibc hands an allocation of at least its mapping threshold (128 KiB at first; each such block freed
# raises it to that block's size, up to 32 MiB) pages mapped for it alone, gives them back when it is
# freed, and trims the heap's top beyond twice that threshold: a later array's pages are then faulted in
# and zeroed once more. A nation run: 143 000 page faults and 0.51 s of system time of its 3.30 s CPU. A
# batch command run as its own process sets both thresholds itself (which also stops glibc moving them):
# what it frees below 32 MiB it keeps for its next arrays, and it gives back the heap's top only beyond
# 256 MiB: 91 000 faults, 0.37 s of system time, the same peak memory. mallopt's parameter numbers, from
# glibc's malloc.h:
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
_KEEP = 256 << 20  # freed memory at the heap's top given back above this
_OWN_MAP = 32 << 20  # allocations from this size on are still mapped on their own


def keep_freed_memory() -> bool:
    """Have glibc's malloc reuse freed memory rather than map it anew (see above); False elsewhere."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        if not os.confstr("CS_GNU_LIBC_VERSION"):
            return False
        import ctypes

        libc = ctypes.CDLL(None)
        return bool(libc.mallopt(_M_MMAP_THRESHOLD, _OWN_MAP)) and bool(libc.mallopt(_M_TRIM_THRESHOLD, _KEEP))
    except (ImportError, OSError, ValueError, AttributeError):  # a Python built without ctypes too
        return False


def _lang(argv: list[str]) -> str:
    for i, a in enumerate(argv):
        if a == "--lang" and i + 1 < len(argv):
            return "en" if argv[i + 1] == "en" else "zh"
        if a.startswith("--lang="):
            return "en" if a.split("=", 1)[1] == "en" else "zh"
    return "en" if os.environ.get("SCORING_LANG") == "en" else "zh"


def build_parser(lang: str, only: str | None = None) -> argparse.ArgumentParser:
    """The command line's parser; ``only``: with that command's parser alone (see :func:`parse_args`)."""
    T = texts(lang)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--lang", choices=["zh", "en"], default=lang, help=T["lang"])
    common.add_argument("--plugins", action="append", default=[], metavar="DIR", help=T["plugins"])
    p = argparse.ArgumentParser(prog="scoring", description=T["desc"], parents=[common])
    sub = p.add_subparsers(dest="command", required=True)
    for group in GROUPS:
        group.add_parsers(sub if only is None else _OneCommand(sub, only), common, T, lang)
    return p


class _OneCommand:
    """The subcommands with one command's parser built; the others' set-up goes nowhere."""

    def __init__(self, sub, name: str) -> None:
        self.sub, self.name = sub, name

    def add_parser(self, name: str, **kwargs):
        return self.sub.add_parser(name, **kwargs) if name == self.name else _Unbuilt()


class _Unbuilt:
    """A parser that is not built: every call (add_argument, add_subparsers …) is taken and dropped."""

    def __getattr__(self, name: str):
        return lambda *args, **kwargs: self


def _command(argv: list[str]) -> str | None:
    """The command named in ``argv`` when nothing before it could be refused: only ``--lang zh|en`` and
    ``--plugins DIR`` written out whole. None when anything else comes first (help, an abbreviation …)."""
    i = 0
    while i < len(argv):
        a = argv[i]
        if a in ("--lang", "--plugins") and i + 1 < len(argv) and not argv[i + 1].startswith("-"):
            if a == "--lang" and argv[i + 1] not in ("zh", "en"):
                return None
            i += 2
        elif a in ("--lang=zh", "--lang=en") or (a.startswith("--plugins=") and len(a) > len("--plugins=")):
            i += 1
        else:
            return a if a in COMMANDS else None
    return None


def parse_args(argv: list[str], lang: str) -> argparse.Namespace:
    """``argv`` parsed. Building every command's parser costs about as much as a small run's scoring
    (argparse looks for translations on disk for each one), so the command named is parsed by a parser
    holding it alone: the same parser, the same answers, the same messages for its own options. Anything
    the whole parser would answer differently (help, an unknown command, an argument left over, whose
    message shows the list of commands) goes to the whole parser."""
    command = _command(argv)
    if command is not None:
        args, left = build_parser(lang, command).parse_known_args(argv)
        if not left:
            return args
    return build_parser(lang).parse_args(argv)


def _cache_setting(lang: str) -> None:
    """A SCORING_PLAN_CACHE value that is neither on nor off turns the cache off: said once, on stderr."""
    if not os.environ.get("SCORING_PLAN_CACHE"):  # unset, as a rule: the cache's module stays unloaded
        return  # for commands that never read criteria (serve, methods)
    from ..load.plan_cache import unknown_setting

    value = unknown_setting()
    if value is not None:
        from ..i18n import t, visible

        print(t("cache.setting_unknown", lang, value=visible(value)), file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    # The engine works column by column and never calls BLAS: a pool of BLAS threads
    # would only cost start-up time (about 50 ms of CPU on two cores). A user's own
    # setting wins.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    # pydantic looks for its own plugins (validation tracers) by reading the entry points of every
    # installed distribution when the first model is built: about 1 % of a county run here, more in
    # a large environment. The criteria models are the engine's own, not something to trace.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "1")
    own_process = argv is None  # the command line itself (not a caller's process that runs a command)
    argv = sys.argv[1:] if argv is None else argv
    lang = _lang(argv)
    args = parse_args(argv, lang)
    _cache_setting(args.lang)
    thresholds, kept, forks = gc.get_threshold(), cycles.keep, parallel.allowed
    if args.command not in LONG_RUNNING:
        gc.set_threshold(*BATCH_GC)
        if own_process:  # the process ends with the command: what it frees and what it keeps is its own
            keep_freed_memory()
            cycles.keep = True
            parallel.allowed = True  # a large data folder is read on two processors (see scoring.parallel)
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
    finally:
        gc.set_threshold(*thresholds)
        cycles.keep = kept
        parallel.allowed = forks  # a caller's process that ran a command is not forked by what it calls next
