"""``scoring run --decide``: the rules applied on a second processor while the ranked tables are made
(a nation's size, where the command line allows) give every output exactly what deciding first gives,
rules that look back at earlier years included; their years are read from the store here, never in the
forked process."""

from __future__ import annotations

import os

import pytest

from helpers import yaoan_criteria, yaoan_data
from scoring import api, parallel
from scoring.cli import main
from scoring.history import lookback

FORMATS = ("table", "csv", "json")


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    """2018 and 2019 finalized in a store: 2020's look-back rules read them."""
    db = tmp_path_factory.mktemp("years") / "history.sqlite"
    for run, y in enumerate((2018, 2019), start=1):
        assert (
            main(
                [
                    "run",
                    yaoan_criteria(y),
                    "--data",
                    yaoan_data(y),
                    "--save",
                    "--db",
                    str(db),
                    "--operator",
                    "考核办",
                    "--format",
                    "csv",
                    "--out",
                    str(db.parent / f"{y}.csv"),
                ]
            )
            == 0
        )
        assert main(["finalize", str(run), "--db", str(db), "--operator", "县委常委会"]) == 0
    return db


@pytest.fixture
def forks(monkeypatch):
    """Deciding on two processors for any number of units; what each forked process sent back (None: nothing)."""
    monkeypatch.setattr(parallel, "allowed", True)
    monkeypatch.setattr(api, "DECIDE_ON_TWO_FROM", 0)
    sent: list = []

    class Recorded(parallel.Forked):
        def result(self):
            got = super().result()
            sent.append(got)
            return got

    monkeypatch.setattr(parallel, "Forked", Recorded)
    here = os.getpid()
    real = lookback.decision_history

    def read_here(*args, **kwargs):  # a forked process reading the store fails, and sends nothing
        assert os.getpid() == here, "the store was read in the forked process"
        return real(*args, **kwargs)

    monkeypatch.setattr(lookback, "decision_history", read_here)
    return sent


@pytest.mark.parametrize("fmt", FORMATS)
def test_deciding_meanwhile_on_two_gives_what_deciding_first_gives(store, forks, fmt):
    run = api.score(api.load_criteria(yaoan_criteria(2020)), yaoan_data(2020))
    meanwhile = "".join(api.results_pieces(run, fmt, decide=True, db=store))  # first: nothing read from the store yet
    first = "".join(api.results_pieces(run, fmt, decisions=api.decide(run, db=store)))
    assert len(forks) == (1 if parallel.two_processors() else 0)
    assert all(got is not None for got in forks)  # sent back from the forked process, not made here after
    assert meanwhile == first
    assert ("Y2" in first) and ("不合格" in first)  # the rule looking back two years, and its years from the store


@pytest.mark.parametrize("fmt", FORMATS)
def test_on_one_processor_the_same(store, monkeypatch, fmt):
    monkeypatch.setattr(parallel, "allowed", False)
    run = api.score(api.load_criteria(yaoan_criteria(2020)), yaoan_data(2020))
    meanwhile = "".join(api.results_pieces(run, fmt, decide=True, db=store))
    assert meanwhile == "".join(api.results_pieces(run, fmt, decisions=api.decide(run, db=store)))
    assert "".join(api.results_pieces(run, fmt)) != "".join(api.results_pieces(run, fmt, decide=True, db=store))
