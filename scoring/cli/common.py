"""What the command groups share: their help texts, how they speak on stderr, where ``--out`` may
go, how a command reaches the pipeline (:mod:`scoring.api`), and the one way a command opens the
history store (:func:`history_store`)."""

from __future__ import annotations

import argparse
import os
import sys

from .. import api
from ..errors import ScoringError
from ..i18n import t


class texts:
    """The command line's own words in one language: ``T["run"]`` is the message ``cli.run``."""

    def __init__(self, lang: str) -> None:
        self.lang = lang

    def __getitem__(self, key: str) -> str:
        return t("cli." + key, self.lang)


def written(path, lang: str) -> None:
    """Say on stderr that a file was written (stdout stays for the output itself)."""
    print(t("cli.written", lang, path=path), file=sys.stderr)


def emit(args, text) -> None:
    """A command's output (a string, or pieces made as they are written: text, or bytes already in UTF-8)
    to ``--out`` or the terminal.

    A CSV file gets a byte-order mark so Excel and WPS open its Chinese text correctly."""
    from ..report.output import write_atomic

    if args.out:
        write_atomic(args.out, text, encoding="utf-8-sig" if args.format == "csv" else "utf-8")
        written(args.out, args.lang)
    elif isinstance(text, str):
        sys.stdout.write(text)
    else:
        out = sys.stdout
        raw = _writes_utf8(out)
        pending = True  # text may be waiting in the text layer (what the command printed before)
        for part in text:
            if isinstance(part, bytes):
                if raw:
                    if pending:
                        out.flush()  # what was written as text goes first
                        pending = False
                    out.buffer.write(part)
                    continue
                part = part.decode("utf-8")
            out.write(part)
            pending = True


def _writes_utf8(out) -> bool:
    """Whether UTF-8 bytes may go to the terminal's byte stream as they are: what writing them as text
    would give (UTF-8, and no line ends to translate)."""
    import codecs

    return hasattr(out, "buffer") and codecs.lookup(out.encoding or "ascii").name == "utf-8" and os.linesep == "\n"


def say(code: str, lang: str, **kw) -> None:
    print(t(code, lang, **kw), file=sys.stderr)


def warn_failed(registry, lang: str) -> None:
    if registry.failed:
        print(t("cli.failed", lang), file=sys.stderr)
        for p in registry.failed:
            print("  " + p.render(lang), file=sys.stderr)


def operator(args) -> str:
    """Who runs it: ``--operator``, else SCORING_OPERATOR, else the login name."""
    if getattr(args, "operator", None):
        return args.operator
    if os.environ.get("SCORING_OPERATOR"):
        return os.environ["SCORING_OPERATOR"]
    try:
        import getpass

        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name available
        return ""


def checked(kind, ok, message: str):
    """An argparse type: ``kind(text)`` that passes ``ok``, else ``message`` (one line, no traceback)."""

    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(message) from None
        if not ok(value):
            raise argparse.ArgumentTypeError(message)
        return value

    return parse


def date_arg(lang: str, message):
    """An argparse type for a date option, read as ``--due`` reads it (2021-01-15, 2021/1/15, 2021.1.15,
    2021年1月15日; nothing looser); else ``message(text)``, which names the value (argparse names the option)."""

    def parse(text: str):
        from ..load.progress import parse_due

        try:
            return parse_due(text)
        except ValueError:
            raise argparse.ArgumentTypeError(message(text)) from None

    return parse


def due(lang: str):
    """``--due``: a date, or the message ``progress.bad_due``."""
    return date_arg(lang, lambda text: t("progress.bad_due", lang, value=text))


def paper_date(lang: str):
    """The dates of the papers sent out (``--date``, ``--public-from`` …): a date, or ``report.bad_date`` with its hint."""
    return date_arg(lang, lambda text: t("report.bad_date", lang, text=text) + t("text.note", lang, note=t("report.bad_date.hint", lang)))


def warner(lang: str):
    """Print what the pipeline says on the way (last year's values …) as a warning on stderr."""

    def warn(n) -> None:
        prefix = "" if n.code == "hist.prev_from" else t("hist.warning", lang)
        print(prefix + t(n.code, lang, **n.args), file=sys.stderr)

    return warn


def history_store(args, create: bool = False, guards: bool = True):
    """The history store named by ``--db`` (default: SCORING_DB, else scoring-history.sqlite here),
    for use in ``with``: every command that needs the store opens it here."""
    return api.open_store(getattr(args, "db", None), create=create, guards=guards)


def score_args(args, store=None):
    """Criteria + data (+ last year's values from the history store) → api.Scoring."""
    crit = api.load_criteria(args.criteria, args.plugins)
    return api.score(crit, args.data, store=store, db=getattr(args, "db", None), warn=warner(args.lang))


def results_and_decisions(args):
    """RUN (scored again from the history store) or CRITERIA --data DIR → (api.Scoring, its proposed decisions)."""
    if args.data is None:
        if not args.criteria.isdigit():
            from ..errors import Problem

            raise ScoringError(Problem("cli.need_data", {"target": args.criteria}))
        scored = api.stored(int(args.criteria), db=args.db, plugins=args.plugins)
    else:
        scored = score_args(args)
    return scored, api.decide(scored, db=args.db)


def check_out_arg(args) -> None:
    """Refuse ``--out`` before any work: not a folder, not an input, not inside the data folder."""
    if not getattr(args, "out", None):
        return
    from ..history.location import default_path
    from ..outfile import check_out

    target = getattr(args, "criteria", "")
    inputs = [target, getattr(args, "old", None), getattr(args, "new", None), *args.plugins]
    if hasattr(args, "db"):  # a command that can open the store never writes over it
        inputs.append(default_path(args.db))
    check_out(args.out, inputs=inputs, data_folder=getattr(args, "data", None))


def check_report_out(args, fmt: str) -> None:
    from ..errors import Problem, ReportError

    if not args.out and fmt != "html":
        raise ReportError(Problem("report.out_required", {"format": fmt}))


def write_report(args, fmt: str, scored, proposal) -> None:
    """Render one printable report and write it whole (or not at all); HTML without --out goes to the terminal."""
    if args.out:
        api.write_report(scored, fmt, args.out, args.lang, decisions=proposal)
        written(args.out, args.lang)
    else:
        sys.stdout.write(api.report(scored, fmt, args.lang, decisions=proposal).decode("utf-8"))
