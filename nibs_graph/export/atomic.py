"""Atomic file writes: a temporary file in the target's folder, then :func:`os.replace`.

A reader never sees a half-written export, and a failed export leaves the previous file (or no file) in place
with no temporary file behind:

* the temporary file is removed when the content raises, when the disk is full, on Ctrl-C (SIGINT) and on
  SIGTERM (a handler is installed for the duration of the write, in the main thread);
* a run killed outright (SIGKILL, power loss) cannot clean up, so every write first removes the stale temporary
  files of dead writers in the same folder (their names carry the writer's process id);
* a symbolic link is followed: its target is replaced atomically and the link stays a link;
* a target that exists but is not a regular file (a character or block device, a FIFO, a socket) is refused,
  never replaced; ``-`` writes to standard output instead.

>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> write_atomic(folder / "hello.txt", "hello\\n").read_text()
'hello\\n'
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import signal
import stat
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

from ..datafile import special_kind
from ..errors import ExportError

__all__ = ["STDOUT", "Content", "check_target", "clean_stale_temp_files", "is_stdout", "write_atomic"]

#: What :func:`write_atomic` accepts: the bytes, a text (written as UTF-8), or a function that streams the
#: content into the open binary file it is given.
Content = bytes | str | Callable[[BinaryIO], None]

#: The target name that means standard output.
STDOUT = "-"

#: ``.<name>.<pid>-<random>.tmp``: the pid lets a later write tell a dead writer's leftover from a live one's file.
_TEMP_RE = re.compile(r"^\..+\.(?P<pid>[0-9]+)-[0-9a-f]{12}\.tmp$")


def is_stdout(path: Path | str) -> bool:
    """True when ``path`` is ``-`` (standard output).

    >>> is_stdout("-"), is_stdout("out.ttl")
    (True, False)
    """
    return str(path) == STDOUT


def _temp_name(target: Path) -> Path:
    return target.with_name(f".{target.name}.{os.getpid()}-{secrets.token_hex(6)}.tmp")


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError):
        return pid < 2**22  # another user's live process (or an absurd pid: dead)
    return True


def clean_stale_temp_files(folder: Path) -> list[Path]:
    """Remove the temporary files that killed writers left in ``folder``; return what was removed.

    Only names of the form ``.<name>.<pid>-<12 hex digits>.tmp`` whose process is no longer alive are removed;
    a write in progress in another live process is left alone.

    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / ".out.ttl.999999999-0123456789ab.tmp").write_text("half")
    >>> [p.name for p in clean_stale_temp_files(folder)]
    ['.out.ttl.999999999-0123456789ab.tmp']
    """
    removed: list[Path] = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        match = _TEMP_RE.match(entry.name)
        if not match or _alive(int(match["pid"])):
            continue
        with contextlib.suppress(OSError):
            if entry.is_file(follow_symlinks=False):
                os.unlink(entry.path)
                removed.append(Path(entry.path))
    return removed


@contextlib.contextmanager
def _terminate_as_exit() -> Iterator[None]:
    """While inside, SIGTERM raises ``SystemExit(143)`` so that ``finally`` blocks run (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: Any) -> None:
        raise SystemExit(128 + signum)

    try:
        previous = signal.signal(signal.SIGTERM, handler)
    except (ValueError, OSError):  # pragma: no cover - not the main interpreter
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _write_content(handle: BinaryIO, content: Content, encoding: str) -> None:
    if isinstance(content, str):
        handle.write(content.encode(encoding))
    elif isinstance(content, bytes | bytearray | memoryview):
        handle.write(content)
    else:
        content(handle)
    handle.flush()


def check_target(path: Path | str) -> Path:
    """The file a write to ``path`` replaces: a symbolic link followed; a device, FIFO, socket or folder refused.

    Call it before a long computation so that a bad target fails at once; :func:`write_atomic` checks again.

    >>> check_target("/dev/null")
    Traceback (most recent call last):
    ...
    nibs_graph.errors.ExportError: cannot write /dev/null: it is a character device, not a regular file (left \
untouched); to write to standard output give - as the file name
    """
    if is_stdout(path):
        return Path(STDOUT)
    return _resolve_target(Path(path))


def _resolve_target(target: Path, follow_symlinks: bool = True) -> Path:
    """Follow a symbolic link to the file it names and refuse anything that is not a regular file."""
    if follow_symlinks and target.is_symlink():
        target = Path(os.path.realpath(target))
    try:
        info = os.stat(target, follow_symlinks=follow_symlinks)
    except (FileNotFoundError, NotADirectoryError):
        return target  # a new file (a missing folder is reported by the caller)
    except OSError as exc:
        raise ExportError(f"cannot write {target}: {exc.strerror or exc}") from None
    if stat.S_ISLNK(info.st_mode):
        return target  # not followed: the rename replaces the link itself
    kind = special_kind(info.st_mode)
    if kind is not None:
        hint = "" if kind == "a folder" else "; to write to standard output give - as the file name"
        raise ExportError(f"cannot write {target}: it is {kind}, not a regular file (left untouched){hint}")
    return target


def write_atomic(path: Path | str, content: Content, *, encoding: str = "utf-8", follow_symlinks: bool = True) -> Path:
    """Write ``content`` to ``path`` atomically and return the path.

    Parameters
    ----------
    path:
        The file to write, or ``-`` for standard output. Its folder must exist; an existing file is replaced only
        once the new content is complete and flushed to disk (and keeps its permission bits). A symbolic link is
        followed and its target replaced. A device, FIFO, socket or folder is refused.
    content:
        Bytes, text (encoded with ``encoding``), or a callable ``write(handle)`` that streams into the binary
        handle; if the callable raises, the exception propagates and nothing is replaced.
    encoding:
        The encoding of text content.
    follow_symlinks:
        False: a symbolic link at ``path`` is replaced by the new file instead of having its target replaced
        (the cache writes so, so that a link planted in its folder cannot redirect a write).

    Returns
    -------
    Path
        ``path`` (as given: for a symbolic link, the link).

    Raises
    ------
    ExportError
        When the folder is missing or not writable, the disk is full, or ``path`` is not a regular file. Any
        error raised by a ``content`` callable propagates unchanged (after the temporary file is removed), and so
        do ``KeyboardInterrupt`` and the ``SystemExit(143)`` that SIGTERM becomes during the write.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "data.bin"
    >>> write_atomic(out, lambda handle: handle.write(b"\\x00\\x01")).read_bytes()
    b'\\x00\\x01'
    """
    if is_stdout(path):
        _write_content(sys.stdout.buffer, content, encoding)
        return Path(STDOUT)
    given = Path(path)
    target = _resolve_target(given, follow_symlinks)
    folder = target.parent
    if not folder.is_dir():
        raise ExportError(f"cannot write {target}: folder {folder} does not exist")
    clean_stale_temp_files(folder)
    tmp = _temp_name(target)
    with _terminate_as_exit():
        try:
            # O_EXCL: never follow or reuse an existing name; mode 0o666 lets the umask decide, like open().
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
        except OSError as exc:
            raise ExportError(f"cannot write {target}: {exc.strerror or exc}") from None
        try:
            with os.fdopen(fd, "wb") as handle:
                _write_content(handle, content, encoding)
                os.fsync(handle.fileno())
            if target.exists() and not target.is_symlink():
                with contextlib.suppress(OSError):
                    os.chmod(tmp, target.stat().st_mode & 0o7777)
            os.replace(tmp, target)
        except BaseException as exc:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            if isinstance(exc, OSError):
                raise ExportError(f"cannot write {target}: {exc.strerror or exc}") from None
            raise
    return given
