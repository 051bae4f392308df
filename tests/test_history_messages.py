"""Every message code the history code uses exists in both languages; every history error has a fix."""

from __future__ import annotations

import re
from history_support import ROOT
from scoring.i18n import MESSAGES

SOURCES = [
    *sorted((ROOT / "scoring" / "history").glob("*.py")),
    *sorted((ROOT / "scoring" / "cli").glob("*.py")),
    ROOT / "scoring" / "api.py",
    ROOT / "scoring" / "core" / "engine.py",
    ROOT / "scoring" / "core" / "plan.py",
    ROOT / "scoring" / "core" / "explain.py",
]
CODE = re.compile(r'["\']((?:history|hist|data|criteria|explain)\.[a-z_.]+)["\']')


def test_codes_exist_in_both_languages():
    used = set()
    for path in SOURCES:
        used |= set(CODE.findall(path.read_text(encoding="utf-8")))
    used = {c for c in used if not c.endswith(".") and c != "history.aliases"}  # a key path, not a message
    prefixes = {"hist.chg.", "hist.history.", "hist.status.", "explain.missing_"}  # completed at run time
    missing = sorted(c for c in used if c not in MESSAGES and not any(c == p.rstrip(".") for p in prefixes))
    assert missing == []
    for code, (zh, en) in MESSAGES.items():
        if code.startswith(("history.", "hist.")):
            assert zh and en, code


def test_every_history_error_says_how_to_fix_it():
    errors = [c for c in MESSAGES if c.startswith("history.") and not c.endswith(".hint")]
    assert [c for c in errors if c + ".hint" not in MESSAGES] == []


def test_change_messages_cover_every_kind_of_change():
    for what in ("added", "removed", "total", "rank", "grade", "failed", "no_excellent", "category", "of", "module", "indicator", "text"):
        assert f"hist.chg.{what}" in MESSAGES
    for reason in ("no_final_run", "not_assessed", "merged"):
        assert f"hist.history.{reason}" in MESSAGES
