"""Hostile export targets (issue #15, item 5): devices, FIFOs and sockets are refused, ``-`` is standard output,
a symbolic link's target is replaced atomically, and no temporary file survives a failure, a signal or a kill."""

from __future__ import annotations

import errno
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from nibs_graph.cli import app
from nibs_graph.errors import ExportError
from nibs_graph.export.atomic import check_target, clean_stale_temp_files, write_atomic

from .conftest import ROOT, TINY

T = ["--data", str(TINY)]


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


@pytest.mark.timeout(60)
def test_fifo_target_refused_untouched(runner, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    fifo = tmp_path / "out.ttl"
    os.mkfifo(fifo)
    result = runner.invoke(app, ["export", "ttl", str(fifo), *T])
    assert result.exit_code == 2, result.output
    assert "FIFO" in result.stderr and "not a regular file" in result.stderr
    assert fifo.is_fifo() and _leftovers(tmp_path) == []


def test_socket_target_refused(runner, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "s.nt"
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(path))
        result = runner.invoke(app, ["export", "nt", str(path), *T])
        assert result.exit_code == 2 and "a socket" in result.stderr
        assert path.is_socket()


def test_device_target_refused() -> None:
    with pytest.raises(ExportError, match="character device"):
        check_target("/dev/null")
    with pytest.raises(ExportError, match="character device"):
        write_atomic("/dev/null", b"x")
    assert Path("/dev/null").is_char_device()


def test_symlink_to_device_refused(runner, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    link = tmp_path / "out.graphml"
    link.symlink_to("/dev/null")
    result = runner.invoke(app, ["export", "graphml", str(link), *T])
    assert result.exit_code == 2 and "/dev/null" in result.stderr
    assert link.is_symlink() and Path("/dev/null").is_char_device()


def test_dash_writes_standard_output(runner) -> None:  # type: ignore[no-untyped-def]
    result = runner.invoke(app, ["export", "nt", "-", *T])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("<") and "wrote" not in result.stdout
    assert not Path("-").exists()


def test_symlink_followed_target_replaced(runner, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    real = tmp_path / "real" / "graph.ttl"
    real.parent.mkdir()
    real.write_text("old\n")
    link = tmp_path / "link.ttl"
    link.symlink_to(real)
    result = runner.invoke(app, ["export", "ttl", str(link), *T])
    assert result.exit_code == 0, result.output
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert real.read_text().startswith("@prefix")
    assert _leftovers(real.parent) == [] and _leftovers(tmp_path) == []


def test_full_disk_leaves_nothing(tmp_path: Path) -> None:
    def fill(handle) -> None:  # type: ignore[no-untyped-def]
        handle.write(b"x" * 1000)
        raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(ExportError, match="No space left"):
        write_atomic(tmp_path / "big.ttl", fill)
    assert list(tmp_path.iterdir()) == []


def test_stale_temp_of_a_dead_writer_removed(runner, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    stale = tmp_path / f".out.nt.{int(dead.stdout)}-0123456789ab.tmp"
    stale.write_bytes(b"half an export")
    live = tmp_path / f".other.nt.{os.getpid()}-0123456789ab.tmp"  # a write in progress in a live process
    live.write_bytes(b"in progress")
    result = runner.invoke(app, ["export", "nt", str(tmp_path / "out.nt"), *T])
    assert result.exit_code == 0
    assert not stale.exists() and live.exists()
    assert clean_stale_temp_files(tmp_path) == []


_SLOW_WRITER = textwrap.dedent(
    """
    import signal, sys, time
    from nibs_graph.export.atomic import write_atomic

    # as in a terminal: a shell that starts the tests in the background hands its children SIGINT ignored
    signal.signal(signal.SIGINT, signal.default_int_handler)

    def slow(handle):
        handle.write(b"partial")
        handle.flush()
        print("writing", flush=True)
        time.sleep(60)

    write_atomic(sys.argv[1], slow)
    """
)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_signal_removes_temp_file(tmp_path: Path, signum: int) -> None:
    out = tmp_path / "out.ttl"
    proc = subprocess.Popen(
        [sys.executable, "-c", _SLOW_WRITER, str(out)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == b"writing"
        assert len(_leftovers(tmp_path)) == 1
        proc.send_signal(signum)
        start = time.monotonic()
        proc.wait(timeout=20)
        assert time.monotonic() - start < 10
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode != 0
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("fmt", ["csv", "tsv"])
def test_formula_cells_from_the_data_are_neutralised(runner, tmp_path: Path, fmt: str) -> None:  # type: ignore[no-untyped-def]
    """The query commands' CSV/TSV (the shared writer) defuse a label a spreadsheet would run as a formula."""
    import csv
    import io
    import shutil

    data = tmp_path / "data"
    shutil.copytree(TINY, data)
    entities = data / "entities.csv"
    formula = '=HYPERLINK("http://127.0.0.1:9/x","BDNF")'
    entities.write_text(
        entities.read_text().replace("HGNC:1033,BDNF,", f'HGNC:1033,"{formula.replace(chr(34), chr(34) * 2)}",')
    )
    assert runner.invoke(app, ["validate", "--data", str(data)]).exit_code == 0
    result = runner.invoke(app, ["hubs", "--data", str(data), "--format", fmt])
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(result.stdout), delimiter="," if fmt == "csv" else "\t"))
    cells = [cell for row in rows[1:] for cell in row]
    assert "'" + formula in cells
    assert not any(cell.startswith(("=", "+", "@")) for cell in cells)
