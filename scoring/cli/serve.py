"""`scoring serve`: start the intranet portal on a history store (docs/serve.md)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from ..errors import Problem, UsageError
from ..i18n import t


def add_parsers(sub, common, T, lang: str) -> None:
    s = sub.add_parser("serve", help=T["serve"], parents=[common])
    s.add_argument("--db", required=True, help=T["s_db"])
    s.add_argument("--init", metavar="CRITERIA", help=T["s_init"])
    s.add_argument("--units", help=T["s_units"])
    s.add_argument("--host", default="127.0.0.1", help=T["s_host"])
    s.add_argument("--port", type=int, default=8000, help=T["s_port"])
    s.add_argument("--key", help=T["s_key"])


def cmd_serve(args) -> int:
    try:
        import uvicorn

        from ..serve import create_app
        from ..serve.portal import setup
    except ImportError as e:
        raise UsageError(Problem("serve.missing_extra", {"module": e.name or str(e)})) from None
    if args.init:
        if not args.units:
            raise UsageError(Problem("serve.init_units"))
        made = setup(args.db, args.init, args.units)
        office = next(pw for a, pw in made if a.role == "office")
        print(t("serve.initialised", args.lang, n=len(made), password=office), file=sys.stderr)
    elif not Path(args.db).exists():
        raise UsageError(Problem("serve.not_setup", {"path": args.db}))
    key = args.key or os.environ.get("SCORING_KEY") or None
    app = create_app(args.db, key)
    print(t("serve.started", args.lang, host=args.host, port=args.port), file=sys.stderr)
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")
    return 0


COMMANDS = {"serve": cmd_serve}
