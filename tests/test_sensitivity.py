"""``scoring sensitivity``: rank intervals under random module weights, seeded and reproducible."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

from helpers import example_results, scored
from scoring.cli import main
from scoring.core.sensitivity import sensitivity

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = (str(ROOT / "criteria" / "yitong-2020.toml"), str(ROOT / "examples" / "yitong-2020"))


@pytest.fixture(scope="module")
def example():
    return example_results()


def test_zero_spread_gives_the_published_ranking_in_every_draw(example):
    s = sensitivity(example, draws=40, spread=0.0, seed=3)
    assert set(s.categories) == set(example.categories)
    for cat, cs in example.categories.items():
        got = s.categories[cat]
        assert np.array_equal(got.base_rank, cs.rank)
        for arr in (got.best, got.worst, got.low, got.high):
            assert np.array_equal(arr, cs.rank)
        assert not got.moved.any() and not got.effect.any()


def test_zero_spread_on_a_generated_county_too(tmp_path):
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import generate

    generate.write("county", tmp_path)
    res = scored(str(tmp_path / "criteria.toml"), str(tmp_path / "data"))
    s = sensitivity(res, draws=10, spread=0.0)
    for cat, cs in res.categories.items():
        assert np.array_equal(s.categories[cat].worst, cs.rank) and np.array_equal(s.categories[cat].best, cs.rank)


def test_same_seed_same_result_and_another_seed_another(example):
    a = sensitivity(example, draws=200, spread=0.15, seed=11)
    b = sensitivity(example, draws=200, spread=0.15, seed=11)
    c = sensitivity(example, draws=200, spread=0.15, seed=12)
    for cat in a.categories:
        for name in ("best", "worst", "low", "high", "moved", "effect"):
            assert np.array_equal(getattr(a.categories[cat], name), getattr(b.categories[cat], name))
    assert any(not np.array_equal(a.categories[k].moved, c.categories[k].moved) for k in a.categories)


def test_intervals_hold_the_published_rank_and_widen_with_the_spread(example):
    narrow = sensitivity(example, draws=300, spread=0.02, seed=1)
    wide = sensitivity(example, draws=300, spread=0.3, seed=1)
    for cat, cs in example.categories.items():
        for s in (narrow, wide):
            got = s.categories[cat]
            assert (got.best <= cs.rank).all() and (cs.rank <= got.worst).all()
            assert (got.best <= got.low).all() and (got.low <= got.high).all() and (got.high <= got.worst).all()
        assert (wide.categories[cat].worst - wide.categories[cat].best).sum() >= (narrow.categories[cat].worst - narrow.categories[cat].best).sum()


def two_modules(tmp_path: Path, rows: list[tuple[str, float, float]]) -> tuple[str, str]:
    (tmp_path / "c.toml").write_text(
        """
[assessment]
name = "两个模块"
year = 2024
categories = ["部门"]

[[modules]]
id = "a"
name = "甲模块"
weights = { "部门" = 50 }

[[modules]]
id = "b"
name = "乙模块"
weights = { "部门" = 50 }

[[indicators]]
id = "A"
module = "a"
name = "甲"
full = 100
method = "supplied"
field = "甲得分"

[[indicators]]
id = "B"
module = "b"
name = "乙"
full = 100
method = "supplied"
field = "乙得分"

[[fields]]
name = "甲得分"
max = 100

[[fields]]
name = "乙得分"
max = 100
""",
        encoding="utf-8",
    )
    data = tmp_path / "data"
    data.mkdir()
    (data / "units.csv").write_text("单位编号,单位名称,类别\n" + "".join(f"{u},{u}单位,部门\n" for u, _, _ in rows), encoding="utf-8")
    (data / "scores.csv").write_text("单位编号,甲得分,乙得分\n" + "".join(f"{u},{a},{b}\n" for u, a, b in rows), encoding="utf-8")
    return str(tmp_path / "c.toml"), str(data)


def test_a_unit_ahead_on_every_module_is_first_in_every_draw_and_one_behind_last(tmp_path):
    rows = [("TOP", 99, 98), ("X", 91, 70), ("Y", 70, 90), ("Z", 80, 81), ("LOW", 40, 35)]
    res = scored(*two_modules(tmp_path, rows))
    s = sensitivity(res, draws=500, spread=0.5, seed=5).categories["部门"]
    ids = [res.data.ids[i] for i in s.index]
    top, low = ids.index("TOP"), ids.index("LOW")
    assert s.best[top] == s.worst[top] == 1 and s.moved[top] == 0
    assert s.best[low] == s.worst[low] == 5 and s.strongest(low) is None


def test_the_weight_that_moves_a_unit_and_which_way(tmp_path):
    # X is strong on 甲 and weak on 乙, Y the other way round; at 50/50 X is just ahead
    rows = [("X", 91, 70), ("Y", 70, 90)]
    res = scored(*two_modules(tmp_path, rows))
    s = sensitivity(res, draws=400, spread=0.2, seed=2).categories["部门"]
    ids = [res.data.ids[i] for i in s.index]
    x, y = ids.index("X"), ids.index("Y")
    assert s.base_rank[x] == 1 and s.worst[x] == 2 and 0 < s.moved[x] < 1
    assert s.effect[x, 0] < 0 < s.effect[y, 0]  # a heavier 甲 lifts X (smaller rank) and pushes Y down
    assert s.effect[x, 1] > 0 > s.effect[y, 1]


def test_cli_table_json_and_csv(tmp_path, capsys):
    assert main(["sensitivity", *EXAMPLE[:1], "--data", EXAMPLE[1], "--draws", "50", "--seed", "4"]) == 0
    table = capsys.readouterr().out
    assert "名次区间" in table and "抽样50次" in table and "县委党校" in table
    out = tmp_path / "s.json"
    assert main(["sensitivity", EXAMPLE[0], "--data", EXAMPLE[1], "--draws", "50", "--seed", "4", "--format", "json", "--out", str(out), "--lang", "en"]) == 0
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["schema"] == "scoring.sensitivity/1" and doc["draws"] == 50 and doc["seed"] == 4 and doc["spread_percent"] == 10
    first = doc["categories"][0]["units"][0]
    assert set(first) >= {"id", "rank", "best", "worst", "p05", "p95", "moved", "effects", "strongest"}
    assert [u["rank"] for u in doc["categories"][0]["units"]] == sorted(u["rank"] for u in doc["categories"][0]["units"])
    again = tmp_path / "again.json"
    main(["sensitivity", EXAMPLE[0], "--data", EXAMPLE[1], "--draws", "50", "--seed", "4", "--format", "json", "--out", str(again), "--lang", "en"])
    assert again.read_bytes() == out.read_bytes()  # reproducible to the byte
    assert main(["sensitivity", EXAMPLE[0], "--data", EXAMPLE[1], "--draws", "20", "--format", "csv"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("类别,名次,单位编号") and len(lines) == 1 + sum(len(cs.index) for cs in example_results().categories.values())


@pytest.mark.parametrize("args", [["--draws", "0"], ["--draws", "x"], ["--spread", "100"], ["--spread", "-1"]])
def test_cli_refuses_bad_draws_and_spread(args, capsys):
    with pytest.raises(SystemExit) as e:
        main(["sensitivity", EXAMPLE[0], "--data", EXAMPLE[1], *args])
    assert e.value.code == 2
    err = capsys.readouterr().err
    assert "抽样次数" in err or "变动幅度" in err


def test_observers_see_every_draw_of_every_category(example):
    """The hook later questions plug into (e.g. which 约谈 rules catch a unit in each draw)."""
    seen = []

    class Count:
        def observe(self, draw, category, totals, ranks):
            seen.append((draw, category, totals.shape, ranks.shape))

    s = sensitivity(example, draws=30, spread=0.1, seed=9, observers=[Count()], chunk=7)
    for cat, cs in example.categories.items():
        mine = [x for x in seen if x[1] == cat]
        assert [d for d, *_ in mine] == list(range(30))
        assert all(t == r == (len(cs.index),) for _, _, t, r in mine)
    # the observed ranks are the ones summarised
    last = {}

    class Keep:
        def observe(self, draw, category, totals, ranks):
            last.setdefault(category, []).append(ranks.copy())

    s = sensitivity(example, draws=30, spread=0.1, seed=9, observers=[Keep()])
    for cat, runs in last.items():
        assert np.array_equal(np.min(runs, axis=0), s.categories[cat].best)
        assert np.array_equal(np.max(runs, axis=0), s.categories[cat].worst)


@pytest.mark.parametrize("name", ["yitong-2020", "yaoan-2018", "yaoan-2019", "yaoan-2020"])
def test_every_bundled_example_runs_and_keeps_its_ranks_at_zero_spread(name, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)  # no history store here: last year's values are missing, as the command says
    criteria, data = str(ROOT / "criteria" / f"{name}.toml"), str(ROOT / "examples" / name)
    out = tmp_path / "s.json"
    assert main(["sensitivity", criteria, "--data", data, "--draws", "20", "--spread", "0", "--format", "json", "--out", str(out)]) == 0
    doc = json.loads(out.read_text(encoding="utf-8"))
    for cat in doc["categories"]:
        assert all(u["best"] == u["worst"] == u["rank"] and u["moved"] == 0 for u in cat["units"])
