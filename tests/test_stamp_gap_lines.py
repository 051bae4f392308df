"""The stamp's list of blank cells is filled straight into its message for plain text; it must be
exactly the list each item's own t() call gives, control characters made visible as t() does."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.history.stamp import Stamp
from scoring.i18n import has, t

_TEXT = st.text(st.sampled_from(list("县政府办公室AZ09 .-_“”{}") + ["\u202e", "\x07", "\n", "\u200b"]), max_size=6)
_POLICY = st.sampled_from(["zero", "exclude", "average", "no_such_policy"])


def _one_by_one(gaps, lang):
    def action(p):
        return t(f"missing.action.{p}", lang) if has(f"missing.action.{p}") else p

    items = t("sep.items", lang).join(t("stamp.gap_item", lang, unit=u, name=n, field=f, indicator=i, action=action(p)) for u, n, f, i, p in gaps)
    return [t("stamp.gaps", lang, n=len(gaps), items=items)]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(_TEXT, _TEXT, _TEXT, _TEXT, _POLICY), max_size=8), st.sampled_from(["zh", "en"]))
def test_gap_lines_are_each_item_filled_by_t(gaps, lang):
    stamp = Stamp("c" * 64, "d" * 64, "1", gaps=tuple(gaps))
    assert stamp.gap_lines(lang) == (_one_by_one(gaps, lang) if gaps else [])
