"""Atomic file writes: a temporary file in the target's folder, then :func:`os.replace`.

A reader never sees a half-written export, and a failed export leaves the previous file (or no file) in place
with no temporary file behind.

>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> write_atomic(folder / "hello.txt", "hello\\n").read_text()
'hello\\n'
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from ..errors import ExportError

__all__ = ["Content", "write_atomic"]

#: What :func:`write_atomic` accepts: the bytes, a text (written as UTF-8), or a function that streams the
#: content into the open binary file it is given.
Content = bytes | str | Callable[[BinaryIO], None]


def _temp_name(target: Path) -> Path:
    return target.with_name(f".{target.name}.{secrets.token_hex(6)}.tmp")


def write_atomic(path: Path | str, content: Content, *, encoding: str = "utf-8") -> Path:
    """Write ``content`` to ``path`` atomically and return the path.

    Parameters
    ----------
    path:
        The file to write. Its folder must exist; an existing file is replaced only once the new content is
        complete and flushed to disk (and keeps its permission bits).
    content:
        Bytes, text (encoded with ``encoding``), or a callable ``write(handle)`` that streams into the binary
        handle; if the callable raises, the exception propagates and nothing is replaced.
    encoding:
        The encoding of text content.

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    ExportError
        When the folder is missing or not writable, or ``path`` is a folder. Any error raised by a ``content``
        callable propagates unchanged (after the temporary file is removed).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "data.bin"
    >>> write_atomic(out, lambda handle: handle.write(b"\\x00\\x01")).read_bytes()
    b'\\x00\\x01'
    """
    target = Path(path)
    folder = target.parent
    if not folder.is_dir():
        raise ExportError(f"cannot write {target}: folder {folder} does not exist")
    if target.is_dir():
        raise ExportError(f"cannot write {target}: it is a folder")
    tmp = _temp_name(target)
    try:
        # O_EXCL: never follow or reuse an existing name; mode 0o666 lets the umask decide, like open().
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    except OSError as exc:
        raise ExportError(f"cannot write {target}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            if isinstance(content, str):
                handle.write(content.encode(encoding))
            elif isinstance(content, bytes | bytearray | memoryview):
                handle.write(content)
            else:
                content(handle)
            handle.flush()
            os.fsync(handle.fileno())
        if target.exists():
            with contextlib.suppress(OSError):
                os.chmod(tmp, target.stat().st_mode & 0o7777)
        os.replace(tmp, target)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise ExportError(f"cannot write {target}: {exc.strerror or exc}") from None
        raise
    return target
