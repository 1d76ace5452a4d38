"""Sort lines by bytes, without duplicates, in bounded memory: how ``export nt`` orders the writer's N-Triples.

:func:`byte_sorter` returns a sink to write whole lines into and ``finish()`` once the input is complete; only then
is the sorted output written. GNU ``sort`` (``LC_ALL=C sort -u``: byte order, in C, reading while the writer
writes, so the two use both cores) is used where it is installed; otherwise lines are sorted in memory in runs of
``chunk_bytes``, spilled to temporary files and merged. Both give the same bytes (``tests/test_scale.py``).

>>> import io, tempfile, pathlib
>>> out = io.BytesIO()
>>> with byte_sorter(out, pathlib.Path(tempfile.mkdtemp()), chunk_bytes=8, external=False) as sink:
...     _ = sink.write(b"b\\na\\n")
...     _ = sink.write(b"c\\na\\n")
...     sink.finish()
>>> out.getvalue()
b'a\\nb\\nc\\n'
"""

from __future__ import annotations

import heapq
import io
import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from functools import lru_cache
from itertools import groupby
from operator import itemgetter
from pathlib import Path
from typing import BinaryIO, Protocol

from ..errors import ExportError

__all__ = ["SORT_CHUNK_BYTES", "SortSink", "byte_sorter", "gnu_sort"]

#: Lines sorted in memory at once before runs are merged from temporary files (64 MB of N-Triples, ~150 MB in
#: Python); also the buffer GNU ``sort`` is given.
SORT_CHUNK_BYTES = 64 << 20


class SortSink(Protocol):
    """Where lines to sort are written (each ``write`` holds whole lines, each ending with a newline)."""

    def write(self, data: bytes, /) -> int:
        """Take lines; return the number of bytes taken."""

    def finish(self) -> None:
        """The input is complete: write the sorted lines, each once, to the output."""


@lru_cache(maxsize=1)
def gnu_sort() -> str | None:
    """The path of GNU ``sort`` (coreutils), or None where there is none (another ``sort`` is not used)."""
    found = shutil.which("sort")
    if found is None:
        return None
    try:
        done = subprocess.run([found, "--version"], capture_output=True, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return found if done.returncode == 0 and b"GNU coreutils" in done.stdout else None


@contextmanager
def byte_sorter(
    out: BinaryIO, folder: Path, *, chunk_bytes: int = SORT_CHUNK_BYTES, external: bool | None = None
) -> Iterator[SortSink]:
    """A sink whose lines reach ``out`` sorted by bytes and without repeats when it is finished.

    ``folder``: for temporary files. ``external``: use GNU ``sort`` (True), never (False), or where installed
    (None). Leaving the block without ``finish()`` (an exception) writes nothing to ``out``.
    """
    command = gnu_sort() if external is not False else None
    if external and command is None:
        raise RuntimeError("GNU sort is not installed")
    if command is not None:
        sink: _External | _Runs = _External(command, out, folder, chunk_bytes)
    else:
        sink = _Runs(out, folder, chunk_bytes)
    try:
        yield sink
    finally:
        sink.close()


class _External:
    """GNU ``sort -u`` in the C locale, fed through a pipe."""

    def __init__(self, command: str, out: BinaryIO, folder: Path, chunk_bytes: int) -> None:
        try:
            fileno: int | None = out.fileno()
            out.flush()
        except (AttributeError, OSError, io.UnsupportedOperation):
            fileno = None
        self.out = out
        self.direct = fileno is not None
        args = [command, "-u", "-S", f"{max(chunk_bytes >> 20, 1)}M", "-T", str(folder)]
        env = {"LC_ALL": "C", "TMPDIR": str(folder)}
        self.process = subprocess.Popen(
            args,
            stdin=subprocess.PIPE,
            stdout=fileno if self.direct else subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
        )
        self.done = False

    def write(self, data: bytes) -> int:
        assert self.process.stdin is not None
        try:
            self.process.stdin.write(data)
        except BrokenPipeError:
            raise ExportError(f"sorting the N-Triples failed: {self._stderr()}") from None
        return len(data)

    def _stderr(self) -> str:
        self.process.kill()
        _, errors = self.process.communicate()
        return errors.decode("utf-8", "replace").strip() or "sort stopped"

    def finish(self) -> None:
        output, errors = self.process.communicate()
        if self.process.returncode != 0:
            message = errors.decode("utf-8", "replace").strip() or f"exit status {self.process.returncode}"
            raise ExportError(f"sorting the N-Triples failed: {message}")
        if not self.direct:
            self.out.write(output)
        self.done = True

    def close(self) -> None:
        if not self.done and self.process.poll() is None:
            self.process.kill()  # before its input is closed, so that it never writes a partial output
        self.process.wait()
        if self.process.stdin is not None and not self.process.stdin.closed:
            with suppress(BrokenPipeError):
                self.process.stdin.close()


class _Runs:
    """Sorted runs of at most ``chunk_bytes`` in temporary files, merged without repeats."""

    def __init__(self, out: BinaryIO, folder: Path, chunk_bytes: int) -> None:
        self.out = out
        self.folder = folder
        self.chunk_bytes = chunk_bytes
        self.pending: list[bytes] = []  # lines without their newline
        self.size = 0
        self.files: list[Path] = []

    def write(self, data: bytes) -> int:
        lines = data.split(b"\n")
        lines.pop()  # what follows the last newline: nothing
        self.pending.extend(lines)
        self.size += len(data)
        if self.size >= self.chunk_bytes:
            self._spill()
        return len(data)

    def _sorted(self) -> bytes:
        lines = sorted(set(self.pending))
        self.pending = []
        self.size = 0
        return b"\n".join(lines) + b"\n" if lines else b""

    def _spill(self) -> None:
        path = self.folder / f"run-{len(self.files)}.nt"
        self.files.append(path)
        try:
            path.write_bytes(self._sorted())
        except OSError as exc:
            raise ExportError(f"sorting the N-Triples failed: {path}: {exc.strerror or exc}") from None

    def finish(self) -> None:
        if not self.files:
            self.out.write(self._sorted())
            return
        if self.pending:
            self._spill()
        handles = [path.open("rb") for path in self.files]
        try:  # groupby drops a line repeated across runs
            self.out.writelines(map(itemgetter(0), groupby(heapq.merge(*handles))))
        finally:
            for handle in handles:
                handle.close()

    def close(self) -> None:
        for path in self.files:
            with suppress(OSError):
                os.unlink(path)
        self.pending = []
