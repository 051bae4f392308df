"""The message catalogue (scoring.i18n.MESSAGES) is the one place user-facing text lives.

Every message exists in Chinese and English, both languages take the same {placeholders}, and every
code the sources ask for exists. Codes are read from the sources themselves, so a new t("…") call
with a misspelt or missing code fails here, not in front of an office.
"""

from __future__ import annotations

import re
import string
from pathlib import Path

from scoring.i18n import MESSAGES, t

ROOT = Path(__file__).resolve().parents[1]
# The engine's own sources; a method plugin's rule texts belong to the plugin (as a third party's would).
SOURCES = sorted((ROOT / "scoring").rglob("*.py"))

# A code as a literal first argument of t(…), has(…), Problem(…) or one of the helpers that make a Problem.
CALLS = r'(?<![\w.])(?:t|has|Problem|_err|_problem|self\._problem|at|cell|self\.cell)\(\s*'
LITERAL = re.compile(CALLS + r'["\']([a-z_]+\.[\w.]*\w)["\']')
# A code completed at run time, t(f"hist.chg.{what}"): at least one code must start with its fixed part.
PREFIX = re.compile(CALLS + r'f["\']([a-z_]+\.[\w.]*)\{')

# Messages whose two languages take different arguments on purpose.  A name ending in "_en" is the
# English text of the argument of the same name (a list of differences written in each language).
ENGLISH_ONLY = {
    # the library's own English explanation is shown to English readers only; Chinese readers get
    # the cause in words of the program (see tests/test_problem_causes.py)
    "criteria.toml_syntax": {"detail"},
    "data.bad_csv": {"detail"},
    "data.corrupt": {"detail"},
    "data.cannot_open": {"detail", "why"},
    "pydantic.other": {"msg", "type"},
    **{
        f"criteria.toml.{k}": {"detail"}
        for k in ("duplicate_key", "duplicate_table", "decimal_comma", "fullwidth", "chinese_quotes", "unterminated", "bare_key", "bare_text")
    },
    "criteria.toml.bare_text": {"detail", "value"},
    # an assessment's Chinese name carries its year (伊通满族自治县2020年度综合考核); English says it
    "notice.summary": {"year"},
    # sections are counted 一、二、 in Chinese and 1. 2. in English
    "cdiff.numbered": {"numeral", "n"},
}


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def _used(pattern: re.Pattern) -> dict[str, str]:
    found: dict[str, str] = {}
    for path in SOURCES:
        for m in pattern.finditer(path.read_text(encoding="utf-8")):
            found.setdefault(m.group(1), str(path.relative_to(ROOT)))
    return found


def test_every_message_exists_in_both_languages():
    assert len(MESSAGES) > 700
    empty = [code for code, pair in MESSAGES.items() if len(pair) != 2 or not all(isinstance(s, str) and s for s in pair)]
    assert empty == []


def test_both_languages_take_the_same_placeholders():
    differ = []
    for code, (zh, en) in MESSAGES.items():
        a, b = _placeholders(zh), {n.removesuffix("_en") for n in _placeholders(en)}
        if (a ^ b) - ENGLISH_ONLY.get(code, set()):
            differ.append((code, sorted(a), sorted(b)))
    assert differ == []


def test_every_placeholder_is_a_plain_name():
    """No attribute access, conversion or number format: t() formats numbers itself, the same way in both
    languages. The one spec allowed pads a whole number with zeros (a date written 2021-01-05)."""
    odd = [
        (code, text)
        for code, pair in MESSAGES.items()
        for text in pair
        for _, name, spec, conv in string.Formatter().parse(text)
        if name is not None and ((spec and not re.fullmatch(r"0\d+d", spec)) or conv or not re.fullmatch(r"\w+", name))
    ]
    assert odd == []


def test_every_code_the_sources_use_exists():
    used = _used(LITERAL)
    assert len(used) > 250  # the scan finds the calls
    assert sorted((code, where) for code, where in used.items() if code not in MESSAGES) == []


def test_every_code_completed_at_run_time_has_messages():
    prefixes = _used(PREFIX)
    assert "hist.chg." in prefixes  # the scan finds f-string codes
    assert sorted((p, where) for p, where in prefixes.items() if not any(c.startswith(p) for c in MESSAGES)) == []


def test_the_scan_catches_a_missing_code(tmp_path):
    fake = tmp_path / "x.py"
    fake.write_text('print(t("no.such.code", lang))\nraise DataError(Problem("also.missing", file=f))\n', encoding="utf-8")
    found = set(LITERAL.findall(fake.read_text(encoding="utf-8")))
    assert found == {"no.such.code", "also.missing"}
    assert not found & set(MESSAGES)


def test_english_placeholders_are_filled_like_chinese():
    code = next(c for c, (zh, en) in MESSAGES.items() if _placeholders(zh) == {"n"} == _placeholders(en))
    assert "{" not in t(code, "zh", n=3) and "{" not in t(code, "en", n=3)


# Where a language is still chosen in code, and why: not a message table.
CHOOSES_LANGUAGE = {
    "scoring/i18n.py": "the catalogue itself picks a message's language",
    "scoring/core/methods.py": "the plugin interface: tr() for a method's own texts, its title pair, units dropped in English",
    "scoring/core/method_docs.py": "a method's title and parameter meanings come from the method itself",
    "scoring/history/seal.py": "Said carries a difference in both languages; one helper picks the reader's",
    "scoring/report/html.py": "the HTML lang attribute (zh-CN / en)",
    "scoring/report/pdf.py": "the document language tag",
}
LANGUAGE_CHECK = re.compile(r'lang\s*[!=]=\s*["\']en["\']')


def test_no_module_writes_its_own_translations():
    """Texts in two languages are catalogue entries, not `if lang == "en"` branches or zh/en tables in a module.
    The command line's help texts move into the catalogue with the CLI package (cli.* codes)."""
    found = sorted(str(p.relative_to(ROOT)) for p in SOURCES if LANGUAGE_CHECK.search(p.read_text(encoding="utf-8")))
    found = [p for p in found if p not in CHOOSES_LANGUAGE and not p.startswith("scoring/cli")]
    assert found == []


def test_messages_fill_as_the_standard_formatter_fills_them():
    """t() fills a message with str.format_map (in C: reports fill hundreds of thousands); every message
    reads as string.Formatter wrote it: placeholders given, left out (shown as written), numbers."""
    import re
    import string

    from scoring.i18n import MESSAGES, _Safe, t

    for code, pair in MESSAGES.items():
        names = set(re.findall(r"\{(\w+)", pair[0] + pair[1]))
        for args in ({k: f"<{k}>" for k in names}, {}, {k: 1.5 for k in names}):
            for lang, text in (("zh", pair[0]), ("en", pair[1])):
                if {"detail", "fix", "found"} & set(args):
                    continue  # nested codes: expanded first, as before
                shown = _Safe({k: ("1.5" if v == 1.5 else v) for k, v in args.items()})
                assert _filled(t, code, lang, **args) == _filled(string.Formatter().vformat, text, (), shown), code


def _filled(fill, *args, **kwargs):
    """The text, or the kind of error (a number placeholder given a text)."""
    try:
        return fill(*args, **kwargs)
    except (ValueError, TypeError) as e:
        return type(e)
