"""A unit's sentences fill their messages as every message is filled (scoring.i18n.t)."""

from __future__ import annotations

import pytest

from scoring.i18n import t
from scoring.report import notice


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize(
    "value",
    ["党建工作", "", "a\u202eb", "x\ny", "\x00", "<b>&'\"", "{name}", None, 0, 3, 2.5, 0.1 + 0.2, float("nan"), float("inf"), -0.0],
)
def test_a_sentence_filled_once_looked_up_is_the_message_t_fills(lang, value):
    """Names and reasons with control characters are shown visible, numbers as messages write them."""
    module = notice._filler("notice.module", lang)
    args = {"name": value, "score": value, "weight": "20", "points": value, "bonus": value}
    assert module(**{k: notice._said(v) for k, v in args.items()}) == t("notice.module", lang, **args)
    loss = notice._filler("notice.loss", lang)
    args = {"name": value, "lost": "1.5", "cost": value, "reason": value}
    assert loss(**{k: notice._said(v) for k, v in args.items()}) == t("notice.loss", lang, **args)
