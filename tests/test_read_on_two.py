"""A large data folder read on two processors (the command line's setting) gives what reading its
files one after another gives: the same data, places, problems and notes in the same order, the
same bad cells and files, whichever files the forked process staged, and when it fails."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

from builders import examples
from scoring import parallel
from scoring.load import submissions

sys.path.insert(0, str(Path(__file__).parent))
from test_submissions_columnwise import CRITERIA, folders, outcome_of, write  # noqa: E402


@pytest.fixture
def on_two(monkeypatch):
    """Reading on two processors for any folder of two data files or more; each reading on two
    made (its files in the queue, and the files this process staged)."""
    monkeypatch.setattr(parallel, "allowed", True)
    monkeypatch.setattr(submissions, "READ_ON_TWO_FROM", 0)
    made: list = []

    class Recorded(submissions._Forked):
        def __init__(self, reader, paths):
            super().__init__(reader, paths)
            made.append(self)

        def stage_here(self, reader):
            self.here = super().stage_here(reader)
            return self.here

    monkeypatch.setattr(submissions, "_Forked", Recorded)
    return made


def everything(folder: Path):
    """All that reading the folder gives, comparable with ==: what the other reading tests compare,
    and the places and rows each value was read from, the files' owners and whether each was read."""
    res = submissions.read_submissions(folder, CRITERIA)
    d = res.data
    places = None
    if d is not None:
        places = (d.places, d.place_files, {f: v.tolist() for f, v in d.place_of.items()}, {f: v.tolist() for f, v in d.row_of.items()})
    return outcome_of(res), places, [(i.owner, i.read) for i in res.files]


def one_after_another(folder: Path, monkeypatch):
    with monkeypatch.context() as m:
        m.setattr(parallel, "allowed", False)
        return everything(folder)


@settings(max_examples=examples(60), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(folders())
def test_messy_folders_read_on_two_as_one_after_another(tmp_path_factory, monkeypatch, on_two, drawn):
    folder = tmp_path_factory.mktemp("data")
    write(folder, *drawn)
    forked_before = len(on_two)
    assert everything(folder) == one_after_another(folder, monkeypatch)
    assert len(on_two) == forked_before + (len(drawn[1]) >= 2)  # two data files or more: read on two


def awkward_folder(folder: Path) -> None:
    """Two files giving one field (a conflict), a byte-order mark, a GBK file, a file that cannot be
    read, a lock file, a subfolder, a file with no data, odd cells noted and refused."""
    units = [(f"U{i:03d}", f"单位{i}", "甲" if i % 3 else "乙") for i in range(40)]
    write(folder, units, {})
    rng = np.random.default_rng(11)
    head = "单位编号,单位名称,得分,次数,有无\n"
    rows = [f"U{i:03d},单位{i},{rng.uniform(0, 100):.2f},{rng.integers(0, 9)},{'是' if i % 2 else '否'}\n" for i in range(40)]
    rows[5] = "U005,单位5,９５,3,是\n"  # a full-width number: a note
    rows[9] = "U009,单位9,abc,3,是\n"  # not a number: a problem
    (folder / "a.csv").write_bytes(b"\xef\xbb\xbf" + (head + "".join(rows)).encode("utf-8"))
    other = [f"U{i:03d},单位{i},{50 + i % 7},{i % 4}\n" for i in range(0, 40, 2)]
    (folder / "b.csv").write_bytes(("单位编号,单位名称,得分,次数\n" + "".join(other)).encode("gb18030"))
    (folder / "c.xlsx").write_bytes(b"PK\x03\x04 not a workbook")
    (folder / "d.csv").write_text("单位编号,单位名称,备注\nU001,单位1,无\n", encoding="utf-8")
    (folder / "~$a.xlsx").write_bytes(b"lock")
    (folder / "旧数据").mkdir()
    (folder / ".DS_Store").write_bytes(b"\x00\x01")  # hidden, and Windows' thumbnails: left out without a word
    (folder / "Thumbs.db").write_bytes(b"\x00\x01")
    (folder / "e.csv").write_text("单位编号,单位名称,余额\n" + "".join(f"U{i:03d},单位{i},{i - 20}\n" for i in range(40)), encoding="utf-8")


def test_an_awkward_folder_reads_on_two_as_one_after_another(tmp_path, monkeypatch, on_two):
    awkward_folder(tmp_path)
    got = everything(tmp_path)
    assert got == one_after_another(tmp_path, monkeypatch)
    (made,) = on_two
    here, there = set(made.here), set(made.result())
    assert here and there and not here & there  # each file staged by one process, both had work
    assert here | there == {p.name for p in tmp_path.iterdir() if p.suffix in (".csv", ".xlsx") and p.name != "units.csv" and not p.name.startswith("~$")}
    assert [f[0] for f in got[0][6]] == ["a.csv", "b.csv", "c.xlsx", "d.csv", "e.csv"]  # read, in the folder's order
    problems, notes = " ".join(got[0][1]), got[0][3]
    assert [n for n in notes if ".DS_Store" in n or "Thumbs" in n] == []
    assert "c.xlsx" in problems and "b.csv" in problems  # the unreadable file, the conflict
    assert any("a.csv" in n for n in notes) and any("b.csv" in n for n in notes)  # the BOM, GBK


def test_files_the_forked_process_fails_on_are_read_here(tmp_path, monkeypatch, on_two):
    awkward_folder(tmp_path)
    want = one_after_another(tmp_path, monkeypatch)
    parent = os.getpid()
    stage = submissions._Reader.stage_file

    def failing_there(self, path, name):
        if os.getpid() != parent:
            raise RuntimeError("the forked process fails")
        return stage(self, path, name)

    monkeypatch.setattr(submissions._Reader, "stage_file", failing_there)
    assert everything(tmp_path) == want
    assert on_two


def test_a_small_folder_is_read_one_file_after_another(tmp_path, monkeypatch, on_two):
    monkeypatch.setattr(submissions, "READ_ON_TWO_FROM", 1 << 30)
    awkward_folder(tmp_path)
    everything(tmp_path)
    assert on_two == []


def test_a_folder_is_read_one_file_after_another_when_no_process_can_be_forked(tmp_path, monkeypatch, on_two):
    awkward_folder(tmp_path)
    want = one_after_another(tmp_path, monkeypatch)

    def no_fork():
        raise BlockingIOError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(os, "fork", no_fork)
    assert everything(tmp_path) == want
    assert on_two == []
