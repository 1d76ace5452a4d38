"""Opening the files of an evidence base folder safely: what is not a readable regular file inside the folder is
a reason (reported as a problem with the file's name), never a traceback, a hang or an echo of its contents.

* a folder, a FIFO, a device or a socket where a CSV file should be: refused without being opened (a FIFO would
  block the reader);
* a symbolic link is followed only to a file inside the data folder; one that points outside is refused and its
  target never read (nor named), so a link to ``/etc/passwd`` cannot make an error message show its first line;
* a file that cannot be opened (permission denied) is named with the reason.

Cells are checked for control characters (:data:`CONTROL_CHARACTERS`): C0 controls other than tab, line feed and
carriage return, DEL and the C1 controls, which could drive a terminal (``ESC [ 2 J`` clears the screen).

>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> (folder / "findings.csv").mkdir()
>>> data_file(folder, "findings.csv")
(None, 'is a folder, not a file')
>>> data_file(folder, "studies.csv")
(None, 'file is missing')
>>> (folder / "entities.csv").symlink_to("/etc/hostname")
>>> data_file(folder, "entities.csv")[1]
'is a symbolic link to a file outside the data folder (refused; its target is not read)'
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

__all__ = ["CONTROL_CHARACTERS", "control_problem", "data_file", "read_data_file", "special_kind"]

#: Characters refused in a cell: C0 controls except tab, LF and CR; DEL; C1 controls.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")

_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def special_kind(mode: int) -> str | None:
    """What a file of this ``st_mode`` is when it is a folder, FIFO, device or socket; None otherwise.

    >>> special_kind(os.stat("/dev/null").st_mode)
    'a character device'
    """
    return next((kind for test, kind in _KINDS if test(mode)), None)


def data_file(data_dir: Path, name: str) -> tuple[Path | None, str | None]:
    """``(path to read, None)`` for a readable regular file ``data_dir/name``, else ``(None, reason)``."""
    path = data_dir / name
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return None, "file is missing"
    except OSError as exc:
        return None, f"cannot be read ({exc.strerror or exc})"
    if stat.S_ISLNK(info.st_mode):
        real = Path(os.path.realpath(path))
        if not real.is_relative_to(Path(os.path.realpath(data_dir))):
            return None, "is a symbolic link to a file outside the data folder (refused; its target is not read)"
        try:
            info = os.stat(real)
        except OSError:
            return None, "is a symbolic link to a missing file"
        path = real
    kind = special_kind(info.st_mode)
    if kind == "a folder":
        return None, "is a folder, not a file"
    if kind is not None:
        return None, f"is {kind}, not a regular file (not opened)"
    if not stat.S_ISREG(info.st_mode):
        return None, "is not a regular file"
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        return None, f"cannot be read ({exc.strerror or exc})"
    os.close(fd)
    return path, None


def read_data_file(data_dir: Path, name: str) -> tuple[bytes | None, str | None]:
    """``(bytes, None)`` for a readable regular file ``data_dir/name``, else ``(None, reason)``.

    >>> from nibs_graph.paths import default_data_dir
    >>> content, reason = read_data_file(default_data_dir(), "studies.csv")
    >>> content[:8], reason
    (b'study_id', None)
    """
    path, reason = data_file(data_dir, name)
    if path is None:
        return None, reason
    try:
        with open(os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)), "rb") as handle:
            return handle.read(), None
    except OSError as exc:
        return None, f"cannot be read ({exc.strerror or exc})"


def control_problem(cell: str) -> str | None:
    """Why ``cell`` is refused (its first control character and where), or None.

    >>> control_problem("BDNF\\x1b[2J")
    'control character U+001B at character 5 (not allowed in a cell)'
    >>> control_problem("BDNF") is None
    True
    """
    found = CONTROL_CHARACTERS.search(cell)
    if found is None:
        return None
    return f"control character U+{ord(found.group()):04X} at character {found.start() + 1} (not allowed in a cell)"
