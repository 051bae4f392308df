"""Stability of each 约谈 call under random weights: shares of draws, checked against the proposal."""

from __future__ import annotations

import json

import numpy as np
import pytest

from helpers import example_results
from scoring.cli import main
from scoring.core.decisions import decide, outcomes_of
from scoring.core.sensitivity import sensitivity
from scoring.core.stability import RuleShares

from report_support import EXAMPLE_CRITERIA, EXAMPLE_DATA


def shares(spread: float, draws: int = 200, seed: int = 0):
    res = example_results()
    obs = RuleShares(res)
    sensitivity(res, draws, spread, seed, observers=[obs])
    return res, obs


def proposal(res):
    return {(r.rule.id, r.category, c.unit.unit_id): c.status for r in decide(res.criteria, outcomes_of(res)) for c in r.catches}


def test_zero_spread_reproduces_the_proposal_exactly():
    res, obs = shares(0.0, draws=20)
    got = obs.by_unit()
    base = proposal(res)
    assert set(got) == set(base)
    for key, status in base.items():
        caught, undetermined = got[key]
        assert (caught, undetermined) == ((1.0, 0.0) if status == "caught" else (0.0, 1.0)), key


def test_shares_are_seeded_and_reproducible():
    _, a = shares(0.1, seed=7)
    _, b = shares(0.1, seed=7)
    assert a.by_unit() == b.by_unit()


def test_a_call_decided_by_hundredths_is_fragile_and_one_far_from_every_line_is_never_caught():
    res, obs = shares(0.1)
    got = obs.by_unit()
    base = proposal(res)
    # 县商务局 (ZF16) is 0.06 points inside the bottom 10 % of 政府部门: weights of ±10 % flip it often
    fragile = got["R6", "政府部门", "ZF16"][0]
    assert 0.05 < fragile < 0.95
    # and the unit 0.06 points outside (县农业农村局, ZF15) falls in about as often as ZF16 gets out
    assert ("R6", "政府部门", "ZF15") not in base and got["R6", "政府部门", "ZF15"][0] > 0.05
    # vetoed units are caught whatever the weights
    assert got["R6", "政府部门", "ZF10"] == (1.0, 0.0)
    # the top unit of each category is never caught by a bottom rule
    for cat, cs in res.categories.items():
        top = res.data.ids[cs.index[int(np.argmin(cs.rank))]]
        assert not any(k[2] == top and k[0] in ("R3", "R6") for k in got), (cat, top)


def test_decide_command_shows_stability(capsys):
    assert main(["decide", str(EXAMPLE_CRITERIA), "--data", str(EXAMPLE_DATA), "--draws", "200", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    r6 = next(d for d in doc["decisions"] if d["rule"] == "R6" and d["category"] == "政府部门")
    by_id = {u["id"]: u for u in r6["units"]}
    assert by_id["ZF10"]["stability"] == 1.0 and 0 < by_id["ZF16"]["stability"] < 1
    assert any(u["id"] == "ZF15" for u in r6["caught_in_some_draws"])
    assert doc["stability"]["draws"] == 200
    assert main(["decide", str(EXAMPLE_CRITERIA), "--data", str(EXAMPLE_DATA), "--draws", "200"]) == 0
    text = capsys.readouterr().out
    assert "稳定性" in text and "权重变动时也可能触发" in text


@pytest.mark.parametrize("argv", [["--draws", "-1"], ["--spread", "150"]])
def test_bad_draws_or_spread_is_a_clear_error(argv, capsys):
    with pytest.raises(SystemExit) as e:
        main(["decide", str(EXAMPLE_CRITERIA), "--data", str(EXAMPLE_DATA), *argv])
    assert e.value.code == 2 and "Traceback" not in capsys.readouterr().err


def test_sensitivity_command_reports_rule_shares_per_unit(capsys):
    assert main(["sensitivity", str(EXAMPLE_CRITERIA), "--data", str(EXAMPLE_DATA), "--draws", "200", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    gov = next(c for c in doc["categories"] if c["name"] == "政府部门")
    by_id = {u["id"]: u for u in gov["units"]}
    assert by_id["ZF10"]["rules"]["R6"] == {"caught": 1.0, "undetermined": 0.0}
    assert 0 < by_id["ZF16"]["rules"]["R6"]["caught"] < 1
    assert by_id["ZF02"]["rules"] == {}  # the top unit is caught by nothing
    assert main(["sensitivity", str(EXAMPLE_CRITERIA), "--data", str(EXAMPLE_DATA), "--draws", "50"]) == 0
    assert "约谈规则触发比例" in capsys.readouterr().out
