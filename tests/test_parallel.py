"""scoring.parallel: a function run in a forked process gives back what it returned, or None when
it fails; nothing is forked unless the command line allows it."""

from __future__ import annotations

import os

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from builders import examples
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
        pytest.skip("one processor: nothing is forked (the next test covers that)")
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


def _items(tasks: list[int]) -> list:
    """Texts between tasks; a task n makes n pieces of its own bytes."""
    items: list = [b"<"]
    for k, n in enumerate(tasks):
        items += [(k, n), b"|"]
    return items


def _make(task) -> list[bytes]:
    k, n = task
    return [f"{k}.{j};".encode() * (j + 1) for j in range(n)]


def _in_order(items) -> bytes:
    return b"".join(x if isinstance(x, bytes) else b"".join(_make(x)) for x in items)


@settings(max_examples=examples(25), deadline=None)
@given(st.lists(st.integers(0, 40), max_size=7))
def test_tasks_made_in_turn_on_two_processors_give_the_bytes_in_order(tasks):
    items = _items(tasks)
    parent = os.getpid()
    here: list = []

    def make(task):
        if os.getpid() == parent:
            here.append(task)
        return _make(task)

    with pytest.MonkeyPatch.context() as m:
        m.setattr(parallel, "allowed", True)
        assert b"".join(parallel.in_turn(items, make)) == _in_order(items)
    if parallel.two_processors():
        assert here == [(k, n) for k, n in enumerate(tasks) if k % 2 == 0]  # every second one made there


def test_tasks_a_forked_process_cannot_finish_are_made_here(monkeypatch):
    monkeypatch.setattr(parallel, "allowed", True)
    parent = os.getpid()
    items = _items([3, 5, 2, 4, 6, 1])

    def dies_at_its_second(task):
        if os.getpid() != parent and task[0] == 3:
            os._exit(3)  # the forked process dies in its second task, having sent its first
        return _make(task)

    assert b"".join(parallel.in_turn(items, dies_at_its_second)) == _in_order(items)


def test_a_caller_that_stops_early_leaves_no_process_nor_file_open(monkeypatch):
    monkeypatch.setattr(parallel, "allowed", True)
    if not parallel.two_processors():
        pytest.skip("one processor: nothing is forked")
    before = set(os.listdir("/proc/self/fd"))
    pieces = parallel.in_turn(_items([50, 50, 50, 50]), _make)
    next(pieces)
    next(pieces)
    pieces.close()
    assert set(os.listdir("/proc/self/fd")) == before
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)  # no child left to reap


def test_where_no_process_can_be_had_everything_is_made_here_and_nothing_is_left_open(monkeypatch):
    monkeypatch.setattr(parallel, "allowed", True)
    if not parallel.two_processors():
        pytest.skip("one processor: nothing is forked")

    def no_process():
        raise BlockingIOError("fork: Resource temporarily unavailable")

    monkeypatch.setattr(os, "fork", no_process)
    before = set(os.listdir("/proc/self/fd"))
    items = _items([3, 5, 2])
    assert b"".join(parallel.in_turn(items, _make)) == _in_order(items)
    assert parallel.started(os.getpid)() == os.getpid()
    assert set(os.listdir("/proc/self/fd")) == before
