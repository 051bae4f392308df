"""Outputs keep what the user had: permissions, symbolic links, inputs; whole files or none;
every refusal exit 2 with the reason and a fix (scoring.outfile)."""

from __future__ import annotations

import errno
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers import cli
from history_support import tiny_setup
from scoring import outfile
from scoring.errors import OutputError
from scoring.cli import main


@pytest.fixture
def tiny(tmp_path):
    crit, folder = tiny_setup(tmp_path)
    return crit, folder


def leftovers(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if "scoring-tmp" in p.name]


@pytest.mark.parametrize("mode", [0o600, 0o640, 0o604])
def test_writing_over_a_file_keeps_its_permissions(capsys, tmp_path, tiny, mode):
    crit, folder = tiny
    out = tmp_path / "out" / "排名.csv"
    out.parent.mkdir()
    out.write_text("old", encoding="utf-8")
    out.chmod(mode)
    code, _, err = cli(capsys, "run", crit, "--data", folder, "--format", "csv", "--out", out)
    assert code == 0, err
    assert stat.S_IMODE(out.stat().st_mode) == mode and "U1" in out.read_text(encoding="utf-8-sig")
    assert leftovers(out.parent) == []


def test_a_symlink_is_written_through_and_stays_a_link(capsys, tmp_path, tiny):
    crit, folder = tiny
    real = tmp_path / "shared" / "排名.json"
    real.parent.mkdir()
    real.write_text("old", encoding="utf-8")
    real.chmod(0o640)
    link = tmp_path / "latest.json"
    link.symlink_to(real)
    code, _, err = cli(capsys, "run", crit, "--data", folder, "--format", "json", "--out", link)
    assert code == 0, err
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert '"schema"' in real.read_text(encoding="utf-8") and stat.S_IMODE(real.stat().st_mode) == 0o640


@pytest.mark.parametrize("target", ["criteria", "units", "new_in_data", "db"])
def test_an_output_over_an_input_or_inside_the_data_folder_is_refused(capsys, tmp_path, tiny, target):
    crit, folder = tiny
    db = tmp_path / "h.sqlite"
    assert main(["run", str(crit), "--data", str(folder), "--save", "--db", str(db)]) == 0
    capsys.readouterr()
    path = {"criteria": crit, "units": folder / "units.csv", "new_in_data": folder / "排名.csv", "db": db}[target]
    before = {p: p.read_bytes() for p in [crit, db, *folder.iterdir()]}
    code, out, err = cli(capsys, "run", crit, "--data", folder, "--format", "csv", "--out", path, "--save", "--db", db)
    assert code == 2 and out == "" and "Traceback" not in err
    assert ("输入文件" in err) if target != "new_in_data" else ("数据目录" in err and "当作报送数据" in err)
    assert "修改建议" in err
    assert {p: p.read_bytes() for p in [crit, db, *folder.iterdir()]} == before  # nothing written, not even the run
    assert not (folder / "排名.csv").exists()


def test_a_link_to_an_input_is_refused(capsys, tmp_path, tiny):
    crit, folder = tiny
    link = tmp_path / "out.csv"
    link.symlink_to(folder / "units.csv")
    before = (folder / "units.csv").read_bytes()
    code, _, err = cli(capsys, "run", crit, "--data", folder, "--format", "csv", "--out", link)
    assert code == 2 and "输入文件" in err and (folder / "units.csv").read_bytes() == before


def test_a_folder_or_a_path_through_a_file_is_refused_with_a_fix(capsys, tmp_path, tiny):
    crit, folder = tiny
    code, _, err = cli(capsys, "run", crit, "--data", folder, "--out", tmp_path)
    assert code == 2 and "是一个目录" in err and "--out" in err and "内部错误" not in err
    afile = tmp_path / "a.txt"
    afile.write_text("x", encoding="utf-8")
    code, _, err = cli(capsys, "run", crit, "--data", folder, "--out", afile / "sub" / "out.csv", "--lang", "en")
    assert code == 2 and "which is a file, not a folder" in err and "internal error" not in err
    (tmp_path / "报告.pdf").mkdir()
    code, _, err = cli(capsys, "report", "1", "--out", tmp_path / "报告.pdf", "--db", tmp_path / "none.sqlite")
    assert code == 2 and "目录" in err


@pytest.mark.skipif(os.geteuid() == 0, reason="permissions do not bind root")
def test_a_read_only_folder_is_refused_with_a_fix(capsys, tmp_path, tiny):
    crit, folder = tiny
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    try:
        code, _, err = cli(capsys, "run", crit, "--data", folder, "--out", ro / "out.csv")
        assert code == 2 and "没有权限" in err and "修改建议" in err
    finally:
        ro.chmod(0o755)


CHILD = r"""
import os, resource, signal, sys
sys.path.insert(0, {tests!r})
from scoring import outfile
from scoring.errors import OutputError
{setup}
outfile.write_out(sys.argv[1], b"x" * 200_000)
"""


def child(tmp_path, target: Path, setup: str) -> subprocess.CompletedProcess:
    code = CHILD.format(tests=str(Path(__file__).parent), setup=setup)
    return subprocess.run([sys.executable, "-c", code, str(target)], capture_output=True, text=True, timeout=60)


def test_a_failing_write_leaves_the_old_file_and_no_temporary_file(tmp_path):
    target = tmp_path / "out.csv"
    target.write_text("old", encoding="utf-8")
    # the file size limit makes the write fail half-way, as a full disk would
    setup = "signal.signal(signal.SIGXFSZ, signal.SIG_IGN); resource.setrlimit(resource.RLIMIT_FSIZE, (2_000, 2_000))"
    r = child(
        tmp_path,
        target,
        setup
        + "\nfrom scoring.cli import main\nsys.exit(main(['run', {crit!r}, '--data', {data!r}, '--format', 'json', '--out', sys.argv[1]]))".format(
            crit=str(tiny_setup(tmp_path)[0]), data=str(tmp_path / "data-2020")
        ),
    )
    assert r.returncode == 2, r.stderr
    assert "写入" in r.stderr and "原有文件未被改动" in r.stderr and "Traceback" not in r.stderr
    assert target.read_text(encoding="utf-8") == "old" and leftovers(tmp_path) == []


def test_pieces_are_written_whole_and_in_order(tmp_path, monkeypatch):
    """Pieces are gathered into few system calls: more pieces than one call takes, pieces past the size
    gathered at a time, empty ones, one larger than that size, bytearrays; the file is their bytes in order.
    A piece of the gathering size or more goes alone: no gathered call is handed twice that size."""
    gathered = []
    real = os.writev
    monkeypatch.setattr(os, "writev", lambda fd, views: gathered.append(sum(map(len, views))) or real(fd, views))
    target = tmp_path / "out.json"
    target.write_bytes(b"old")
    pieces = [bytes([65 + k % 26]) * (k % 97) for k in range(3000)]  # 1 413 empty pieces among them
    pieces += [bytearray(b"y" * 3_000_000), b"", b"z" * 70_000, bytearray()]
    pieces += [b"%d," % k for k in range(5000)]
    outfile.write_out(target, iter(pieces))
    assert target.read_bytes() == b"".join(pieces) and leftovers(tmp_path) == []
    assert gathered and max(gathered) < 2 * outfile._GATHER


def _direct_supported(folder: Path) -> bool:
    """Whether the file system under ``folder`` takes O_DIRECT (tmpfs, for one, does not)."""
    import fcntl

    if not getattr(os, "O_DIRECT", 0):
        return False
    fd = os.open(folder / "probe", os.O_CREAT | os.O_RDWR, 0o600)
    try:
        fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) | os.O_DIRECT)
        return True
    except OSError:
        return False
    finally:
        os.close(fd)
        os.unlink(folder / "probe")


def _small_blocks(monkeypatch, block: int = 4 * 4096, gather: int = 5_000) -> None:
    """Blocks of a few pages and small gathers, so that a test's few hundred KB cross many of both."""
    monkeypatch.setattr(outfile, "_BLOCK", block)
    monkeypatch.setattr(outfile, "_BLOCKS_FROM", block + 1)
    monkeypatch.setattr(outfile, "_GATHER", gather)


def _pwrites(monkeypatch) -> list[tuple[str, int, int, bool]]:
    """Every os.pwrite as (thread, offset, length, whether O_DIRECT was on)."""
    import fcntl
    import threading

    seen: list = []
    real = os.pwrite

    def spy(fd, data, offset):
        direct = bool(fcntl.fcntl(fd, fcntl.F_GETFL) & getattr(os, "O_DIRECT", 0))
        seen.append((threading.current_thread().name, offset, len(data), direct))
        return real(fd, data, offset)

    monkeypatch.setattr(os, "pwrite", spy)
    return seen


def test_a_large_output_goes_to_the_disk_in_blocks_while_it_is_made(tmp_path, monkeypatch):
    """Past the first block's worth, pieces are copied into blocks that a thread writes at their places,
    O_DIRECT where the file system takes it; the first block begins with the part of its first page
    already written, the last (not a whole block) is an ordinary write. The file is the pieces' bytes."""
    _small_blocks(monkeypatch)
    seen = _pwrites(monkeypatch)
    target = tmp_path / "out.json"
    target.write_bytes(b"old")
    pieces = [bytes([65 + k % 26]) * (k * 37 % 1500) for k in range(400)] + [b"y" * 70_000, b"", bytearray(b"z" * 3)]
    outfile.write_out(target, iter(pieces))
    assert target.read_bytes() == b"".join(pieces) and leftovers(tmp_path) == []
    *blocks, last = seen
    assert len(blocks) >= 10 and all(b[0] == "scoring-out" and b[1] % 4096 == 0 and b[2] == outfile._BLOCK for b in blocks)
    assert [b[1] for b in blocks] == list(range(blocks[0][1], blocks[-1][1] + 1, outfile._BLOCK))
    assert blocks[0][1] < outfile._BLOCKS_FROM + outfile._GATHER + 70_000  # from where the gathered writes stopped
    assert last[1] == blocks[-1][1] + outfile._BLOCK and last[0] != "scoring-out" and not last[3]
    assert {b[3] for b in blocks} == {_direct_supported(tmp_path)}


@given(st.lists(st.integers(0, 40_000), max_size=60), st.integers(1, 4), st.integers(1, 30_000))
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_any_pieces_are_written_whole_in_blocks_or_not(tmp_path, monkeypatch, sizes, pages, gather):
    _small_blocks(monkeypatch, pages * 4096, gather)
    target = tmp_path / "out.bin"
    pieces = [bytes([k % 251]) * n for k, n in enumerate(sizes)]
    outfile.write_out(target, iter(pieces))
    assert target.read_bytes() == b"".join(pieces) and leftovers(tmp_path) == []


def test_a_direct_write_the_file_system_refuses_goes_on_as_an_ordinary_write(tmp_path, monkeypatch):
    """A file system may take the O_DIRECT flag and then refuse the writes (EINVAL): the same block is
    written without it, and so is every block after."""
    import fcntl

    _small_blocks(monkeypatch)
    real = os.pwrite
    direct: list[bool] = []  # for each write asked for, whether O_DIRECT was on

    def pwrite(fd, data, offset):
        direct.append(bool(fcntl.fcntl(fd, fcntl.F_GETFL) & getattr(os, "O_DIRECT", 0)))
        if direct[-1]:
            raise OSError(errno.EINVAL, "Invalid argument")
        return real(fd, data, offset)

    monkeypatch.setattr(os, "pwrite", pwrite)
    target = tmp_path / "out.json"
    pieces = [b"%06d" % k for k in range(40_000)]
    outfile.write_out(target, iter(pieces))
    assert target.read_bytes() == b"".join(pieces) and leftovers(tmp_path) == []
    assert len(direct) > 10 and direct.count(True) == (1 if _direct_supported(tmp_path) else 0)


def _failing_blocks(monkeypatch, nth: int, error: BaseException) -> list[int]:
    """Small blocks, and the ``nth`` write of one raising ``error``; returns the offsets written at."""
    _small_blocks(monkeypatch)
    real = os.pwrite
    calls: list[int] = []

    def pwrite(fd, data, offset):
        calls.append(offset)
        if len(calls) == nth:
            raise error
        return real(fd, data, offset)

    monkeypatch.setattr(os, "pwrite", pwrite)
    return calls


def test_a_block_that_cannot_be_written_leaves_the_old_file_and_no_thread(tmp_path, monkeypatch):
    """The disk fills up while a block is written by the thread: the error reaches the caller as the
    output's problem, the old file stays, no temporary file is left and the thread has ended."""
    import threading

    calls = _failing_blocks(monkeypatch, 3, OSError(errno.ENOSPC, "No space left on device"))
    target = tmp_path / "out.json"
    target.write_bytes(b"old")
    with pytest.raises(OutputError) as e:
        outfile.write_out(target, (b"%06d" % k for k in range(40_000)))
    assert e.value.problems[0].code == "output.no_space"
    assert len(calls) == 3  # nothing written after the failed block
    assert target.read_bytes() == b"old" and leftovers(tmp_path) == []
    assert "scoring-out" not in [t.name for t in threading.enumerate()]


def test_any_failure_of_the_writing_thread_reaches_the_caller(tmp_path, monkeypatch):
    """Not only a system error: whatever stops the thread is raised in the caller, which never waits
    for a block that will not come back."""
    import threading

    _failing_blocks(monkeypatch, 2, MemoryError())
    target = tmp_path / "out.json"
    target.write_bytes(b"old")
    raised = []

    def write():
        try:
            outfile.write_out(target, (b"%06d" % k for k in range(40_000)))
        except BaseException as e:
            raised.append(e)

    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    writer.join(timeout=30)
    assert not writer.is_alive() and [type(e) for e in raised] == [MemoryError]
    assert target.read_bytes() == b"old" and leftovers(tmp_path) == []


def test_an_ordinary_kill_while_blocks_are_written_removes_the_temporary_file(tmp_path):
    target = tmp_path / "out.json"
    target.write_text("old", encoding="utf-8")
    setup = (
        "outfile._BLOCK = outfile._BLOCKS_FROM = 4096\nreal = os.pwrite\n"
        "os.pwrite = lambda fd, data, offset: (offset > 40_000 and os.kill(os.getpid(), signal.SIGTERM)) or real(fd, data, offset)\n"
        "outfile.write_out(sys.argv[1], (b'%06d' % k for k in range(100_000)))"
    )
    r = child(tmp_path, target, setup)
    assert r.returncode == 143, r.stderr
    assert target.read_text(encoding="utf-8") == "old" and leftovers(tmp_path) == []


def test_a_short_write_goes_on_from_the_first_byte_not_written(monkeypatch):
    """The system may take fewer bytes than it was given: the rest follows, nothing skipped or said twice.
    Here a pipe whose reader stops for a while: a signal (after 0.1 s) ends the waiting call with part of
    the 2 MB written."""
    import signal
    import threading
    import time

    short = []  # the calls that wrote less than they were given
    for name in ("write", "writev"):
        real = getattr(os, name)

        def spy(fd, data, _real=real):
            done = _real(fd, data)
            given = len(data) if isinstance(data, (bytes, memoryview)) else sum(map(len, data))
            if done < given:
                short.append(done)
            return done

        monkeypatch.setattr(os, name, spy)
    r, w = os.pipe()
    pieces = [b"%07d" % k for k in range(500)] + [bytes(range(256)) * 8000] + [b"%07d" % k for k in range(500)]
    got = bytearray()

    def read():
        got.extend(os.read(r, 65536))
        time.sleep(0.4)
        while chunk := os.read(r, 1 << 16):  # to the end: the writer closes its side
            got.extend(chunk)

    reader = threading.Thread(target=read)
    old = signal.signal(signal.SIGALRM, lambda *a: None)
    reader.start()
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.1)
        outfile._write_gathered(w, pieces)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
        os.close(w)
        reader.join(timeout=30)
        os.close(r)
    assert short and bytes(got) == b"".join(pieces)


@pytest.mark.parametrize("unnamed", [True, False])
def test_a_writer_killed_mid_write_leaves_no_temporary_file_behind(tmp_path, unnamed):
    """kill -9 after the bytes are written and before the rename: the target is as it was, and
    no temporary file stays (an unnamed one never had a name; a named one is removed by the next write)."""
    target = tmp_path / "out.csv"
    target.write_text("old", encoding="utf-8")
    setup = "os.fsync = lambda fd: os.kill(os.getpid(), signal.SIGKILL)\n" + ("" if unnamed else "outfile._write_unnamed = lambda *a: False\n")
    r = child(tmp_path, target, setup)
    assert r.returncode == -9
    assert target.read_text(encoding="utf-8") == "old"
    r = child(tmp_path, target, "")
    assert r.returncode == 0, r.stderr
    assert target.read_bytes() == b"x" * 200_000 and leftovers(tmp_path) == []


def test_an_ordinary_kill_mid_write_removes_the_temporary_file_on_the_way_out(tmp_path):
    target = tmp_path / "out.csv"
    target.write_text("old", encoding="utf-8")
    setup = "os.fsync = lambda fd: os.kill(os.getpid(), signal.SIGTERM)\noutfile._write_unnamed = lambda *a: False\n"
    r = child(tmp_path, target, setup)
    assert r.returncode == 143, r.stderr
    assert target.read_text(encoding="utf-8") == "old" and leftovers(tmp_path) == []


def test_run_save_says_the_run_was_saved_before_failing_on_the_output(capsys, tmp_path, tiny, monkeypatch):
    crit, folder = tiny
    db = tmp_path / "h.sqlite"
    from scoring import outfile

    def full(fd, data, mode):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(outfile, "_write_all", full)  # the disk fills up after the run is saved
    code, out, err = cli(capsys, "run", crit, "--data", folder, "--save", "--db", db, "--out", tmp_path / "o.csv", "--format", "csv")
    assert code == 2 and "内部错误" not in err
    assert "第 1 号运行已保存到历史库" in err and "磁盘空间不足" in err
    assert err.index("已保存") < err.index("磁盘空间不足")
    assert not (tmp_path / "o.csv").exists() and leftovers(tmp_path) == []
    monkeypatch.undo()
    assert main(["runs", "--db", str(db)]) == 0 and "草稿" in capsys.readouterr().out


def test_every_command_with_out_refuses_an_input_or_the_data_folder(capsys, tmp_path, tiny):
    crit, folder = tiny
    other = tmp_path / "other.toml"
    other.write_bytes(crit.read_bytes())
    before = crit.read_bytes()
    for argv in (
        ["warn", crit, "--data", folder, "--out", folder / "预警.txt"],
        ["sensitivity", crit, "--data", folder, "--out", folder / "s.csv", "--draws", "5"],
        ["criteria", "diff", crit, other, "--out", crit],
        ["report", crit, "--data", folder, "--out", folder / "r.html"],
    ):
        code, out, err = cli(capsys, *argv)
        assert code == 2 and out == "" and ("输入文件" in err or "数据目录" in err), (argv, err)
    assert crit.read_bytes() == before and not [p for p in folder.iterdir() if p.suffix in (".txt", ".html")]
