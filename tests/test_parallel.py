"""scoring.parallel: a function run in a forked process gives back what it returned, or None when
it fails; nothing is forked unless the command line allows it."""

from __future__ import annotations

import os

import numpy as np

from scoring import parallel


def test_what_the_forked_function_returns_comes_back():
    col = np.arange(5.0)
    got = parallel.Forked(lambda: {"pid": os.getpid(), "sum": float(col.sum()), "col": col * 2}).result()
    assert got is not None and got["pid"] != os.getpid() and got["sum"] == 10.0
    assert got["col"].tolist() == [0.0, 2.0, 4.0, 6.0, 8.0]


def test_a_failing_function_gives_none_and_the_forked_process_is_gone():
    def fails():
        raise ValueError("in the forked process")

    forked = parallel.Forked(fails)
    assert forked.result() is None
    assert forked.result() is None  # asked again: the same answer, no second wait
    try:
        os.waitpid(forked.pid, os.WNOHANG)
    except ChildProcessError:
        pass  # already reaped by result()
    else:
        raise AssertionError("the forked process was left unreaped")


def test_nothing_is_forked_unless_allowed(monkeypatch):
    monkeypatch.setattr(parallel, "allowed", False)
    assert not parallel.two_processors()
    monkeypatch.setattr(parallel, "allowed", True)
    assert parallel.two_processors() == (len(os.sched_getaffinity(0)) >= 2)


def test_started_work_comes_back_from_the_forked_process(monkeypatch):
    monkeypatch.setattr(parallel, "allowed", True)
    if not parallel.two_processors():
        return  # one processor: nothing is forked (the next test covers that)
    parent = os.getpid()
    assert parallel.started(os.getpid)() != parent
    assert parallel.started(lambda: None)() is None  # a value of None is a value, not a failure


def test_started_work_is_made_here_when_not_forked_or_when_the_forked_process_cannot_give_it(monkeypatch):
    parent = os.getpid()
    monkeypatch.setattr(parallel, "allowed", False)
    later = parallel.started(os.getpid)
    assert later() == parent  # not allowed: made here, when asked for
    monkeypatch.setattr(parallel, "allowed", True)
    assert parallel.started(os.getpid, worth=False)() == parent

    def dies_there():
        if os.getpid() != parent:
            os._exit(3)  # the forked process dies without sending anything
        return "made here"

    assert parallel.started(dies_there)() == "made here"

    def fails():
        raise ValueError(f"failed in {os.getpid()}")

    later = parallel.started(fails)
    try:
        later()
    except ValueError as e:
        assert str(e) == f"failed in {parent}"  # raised here, as it would have been without a fork
    else:
        raise AssertionError("the failure was not raised")
