"""A cache of the compiled projection, keyed by a hash of the input files; a format that never runs code.

The cache lives in the user's cache folder (``platformdirs.user_cache_dir("nibs-graph")``, or
``$NIBS_GRAPH_CACHE_DIR``), never inside the installed package. It is an optimisation, not a trust boundary:

* An entry is one file ``<kind>-<key>.nibs-cache``: a magic line, a JSON header line (cache format, kind, key,
  package version, payload length and SHA-256) and the payload, which a codec turns into plain data (for the
  projection, :mod:`nibs_graph.graphcodec`: JSON, no pickle, nothing looked up or called).
* Before use, every entry is checked: a regular file (a symbolic link, FIFO or device is never opened), the magic,
  the header, the kind and key asked for, the version, the length and the checksum, then the codec's own checks.
  Anything that does not check out (corrupt, truncated, foreign, stale, planted) is a miss: the entry is rebuilt
  and replaced, never trusted and never a traceback.
* Writes are atomic (:func:`nibs_graph.export.atomic.write_atomic`): a temporary file, then a rename. The
  temporary file is removed on any failure (a full disk included) and on SIGINT/SIGTERM; one left by a killed run
  is removed by the next write. A folder that cannot be written only costs speed.
* The folder is bounded: after each write the least recently used entries are removed beyond
  ``$NIBS_GRAPH_CACHE_MAX_ENTRIES`` entries (default 8) or ``$NIBS_GRAPH_CACHE_MAX_MB`` megabytes (default 2048).
  ``nibs-graph cache info`` lists the entries, ``nibs-graph cache clear`` removes them.

The checksum detects damage, not forgery: whoever can write the cache folder can change the answers that the
commands give (as they could by editing the data), but cannot make nibs-graph run code (see SECURITY.md).

>>> import tempfile, os
>>> os.environ["NIBS_GRAPH_CACHE_DIR"] = tempfile.mkdtemp()
>>> cached("demo", "0" * 24, lambda: b"payload", encode=bytes, decode=bytes)
b'payload'
>>> cached("demo", "0" * 24, lambda: 1 / 0, encode=bytes, decode=bytes)   # a hit: nothing is built
b'payload'
>>> [entry.kind for entry in entries()]
['demo']
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import re
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from . import __version__

__all__ = [
    "CACHE_FORMAT",
    "CacheEntry",
    "cache_dir",
    "cache_limits",
    "cached",
    "clear",
    "entries",
    "file_digest",
    "read_entry",
]

T = TypeVar("T")

#: Bump when the layout of an entry changes.
CACHE_FORMAT = 4
SUFFIX = ".nibs-cache"
_MAGIC = b"nibs-graph cache\n"
_MAX_HEADER = 4096
_NAME_RE = re.compile(r"^(?P<kind>[a-z][a-z0-9-]*?)-(?P<key>[0-9a-f]{24}|none)\.nibs-cache$")
#: Files earlier versions wrote (pickles): removed by ``clear`` and by the next write, never read.
_LEGACY_RE = re.compile(r"^(?:[a-z][a-z0-9-]*-(?:[0-9a-f]{24}|none)-.+\.pickle|\.tmp-.+\.pickle)$")


def cache_dir() -> Path:
    """The folder where compiled graphs are cached."""
    override = os.environ.get("NIBS_GRAPH_CACHE_DIR")
    if override:
        return Path(override)
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("nibs-graph", appauthor=False))


def cache_limits() -> tuple[int, int]:
    """``(max entries, max bytes)`` from ``$NIBS_GRAPH_CACHE_MAX_ENTRIES`` and ``$NIBS_GRAPH_CACHE_MAX_MB``.

    >>> os.environ.pop("NIBS_GRAPH_CACHE_MAX_ENTRIES", None); cache_limits()[0]
    8
    """

    def number(name: str, default: int) -> int:
        try:
            return max(1, int(os.environ.get(name, default)))
        except ValueError:
            return default

    return number("NIBS_GRAPH_CACHE_MAX_ENTRIES", 8), number("NIBS_GRAPH_CACHE_MAX_MB", 2048) * 1024 * 1024


def file_digest(*parts: bytes | str) -> str:
    """A hex digest of byte or text parts (used as a cache key).

    >>> file_digest(b"a", "b") == file_digest(b"a", "b")
    True
    """
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode() if isinstance(part, str) else part)
        digest.update(b"\0")
    return digest.hexdigest()[:24]


class _Miss(Exception):
    """Why an entry cannot be used."""


def _read_regular(path: Path, limit: int) -> bytes:
    """The bytes of ``path`` if it is a regular file no larger than ``limit``; never follows a link or blocks."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise _Miss("absent") from None
    except OSError as exc:
        raise _Miss(f"cannot be opened ({exc.strerror or exc})") from None
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise _Miss("not a regular file")
        if info.st_size > limit:
            raise _Miss("larger than the cache's size limit")
        return handle.read(limit + 1)


def _parse(raw: bytes, kind: str | None, key: str | None) -> tuple[dict[str, Any], bytes]:
    """Check an entry's magic, header, length and checksum; return the header and the payload."""
    if not raw.startswith(_MAGIC):
        raise _Miss("not a nibs-graph cache entry (no magic line; an old pickle or a foreign file)")
    end = raw.find(b"\n", len(_MAGIC), len(_MAGIC) + _MAX_HEADER)
    if end < 0:
        raise _Miss("no header")
    try:
        header = json.loads(raw[len(_MAGIC) : end])
    except ValueError:
        raise _Miss("unreadable header") from None
    if type(header) is not dict:
        raise _Miss("unreadable header")
    if header.get("format") != CACHE_FORMAT:
        raise _Miss(f"cache format {header.get('format')!r}, expected {CACHE_FORMAT}")
    if header.get("version") != __version__:
        raise _Miss(f"written by nibs-graph {header.get('version')!r}, this is {__version__}")
    if header.get("code") != code_fingerprint():
        raise _Miss("written by other code of the same version")
    if kind is not None and (header.get("kind"), header.get("key")) != (kind, key):
        raise _Miss("written for other input")
    payload = raw[end + 1 :]
    if header.get("length") != len(payload):
        raise _Miss("truncated or extended")
    if header.get("sha256") != hashlib.sha256(payload).hexdigest():
        raise _Miss("checksum mismatch")
    return header, payload


@functools.cache
def code_fingerprint() -> str:
    """A digest of the package's own modules (names, sizes, modification times), so that an entry built by other
    code of the same version (a development checkout, a reinstall) is rebuilt rather than read with another layout.

    >>> len(code_fingerprint())
    16
    """
    package = Path(__file__).resolve().parent
    parts = []
    for module in sorted(package.rglob("*.py")):
        info = module.stat()
        parts.append(f"{module.relative_to(package).as_posix()}:{info.st_size}:{info.st_mtime_ns}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def _entry_path(kind: str, key: str) -> Path:
    if not re.fullmatch(r"[a-z][a-z0-9-]*", kind):
        raise ValueError(f"bad cache kind {kind!r}")
    return cache_dir() / f"{kind}-{key}{SUFFIX}"


def read_entry(kind: str, key: str, decode: Callable[[bytes], T]) -> T | None:
    """The decoded entry for ``(kind, key)``, or None when it is absent or does not check out."""
    path = _entry_path(kind, key)
    try:
        _, payload = _parse(_read_regular(path, cache_limits()[1]), kind, key)
        value = decode(payload)
    except Exception:  # a miss, whatever the entry holds: the caller rebuilds it
        return None
    with contextlib.suppress(OSError):
        os.utime(path, follow_symlinks=False)  # recently used: kept longest when the folder is pruned
    return value


def _write_entry(kind: str, key: str, payload: bytes) -> None:
    from .errors import NibsGraphError
    from .export.atomic import write_atomic

    header = {
        "format": CACHE_FORMAT,
        "kind": kind,
        "key": key,
        "version": __version__,
        "code": code_fingerprint(),
        "length": len(payload),
        "sha256": hashlib.sha256(payload).hexdigest(),
    }
    path = _entry_path(kind, key)

    def write(handle: Any) -> None:
        handle.write(_MAGIC)
        handle.write(json.dumps(header, sort_keys=True).encode() + b"\n")
        handle.write(payload)

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, write, follow_symlinks=False)
    except (OSError, NibsGraphError):
        return  # a read-only or full cache folder only costs speed; no temporary file is left
    _prune(keep=path)


def cached(
    kind: str,
    key: str,
    build: Callable[[], T],
    *,
    encode: Callable[[T], bytes],
    decode: Callable[[bytes], T],
    enabled: bool = True,
) -> T:
    """Return the cached value for ``(kind, key)``, building and storing it when absent or not checking out.

    Parameters
    ----------
    kind, key:
        What the entry is (``data``, ``data-scale``, ``graphfile``) and the digest of its input.
    build:
        Computes the value on a miss.
    encode, decode:
        Turn the value into bytes and back. ``decode`` must run no code from its input (JSON, not pickle); any
        exception it raises is a miss. A value that ``encode`` cannot write (``TypeError``/``ValueError``) is
        returned without being cached.
    enabled:
        False: always build, never read or write.
    """
    if not enabled:
        return build()
    hit = read_entry(kind, key, decode)
    if hit is not None:
        return hit
    value = build()
    try:
        payload = encode(value)
    except (TypeError, ValueError, RecursionError):
        return value
    _write_entry(kind, key, payload)
    return value


@dataclass(frozen=True)
class CacheEntry:
    """One file of the cache folder, as ``nibs-graph cache info`` lists it."""

    path: Path
    kind: str
    size: int
    mtime: float
    status: str  # "ok", or why it would be rebuilt


def entries(*, verify: bool = False) -> list[CacheEntry]:
    """The cache folder's entries, most recently used first (with ``verify``, each checked as a read would)."""
    folder = cache_dir()
    found: list[CacheEntry] = []
    try:
        listing = list(os.scandir(folder))
    except OSError:
        return found
    for item in listing:
        match = _NAME_RE.match(item.name)
        legacy = _LEGACY_RE.match(item.name)
        if not (match or legacy):
            continue
        try:
            info = item.stat(follow_symlinks=False)
        except OSError:
            continue
        status = "ok"
        if legacy:
            status = "left by an earlier version (never read; removed by the next write or `cache clear`)"
        elif verify:
            try:
                _parse(_read_regular(Path(item.path), cache_limits()[1]), None, None)
            except _Miss as exc:
                status = str(exc)
        kind = match["kind"] if match else "legacy"
        found.append(CacheEntry(Path(item.path), kind, info.st_size, info.st_mtime, status))
    found.sort(key=lambda e: e.mtime, reverse=True)
    return found


def _prune(keep: Path | None = None) -> list[Path]:
    """Remove legacy files, then the least recently used entries beyond the limits; return what was removed."""
    max_entries, max_bytes = cache_limits()
    removed: list[Path] = []
    current = entries()
    kept_count = kept_bytes = 0
    for entry in current:
        legacy = entry.kind == "legacy"
        over = kept_count + 1 > max_entries or kept_bytes + entry.size > max_bytes
        if entry.path != keep and (legacy or over):
            with contextlib.suppress(OSError):
                entry.path.unlink()
                removed.append(entry.path)
            continue
        kept_count += 1
        kept_bytes += entry.size
    return removed


def clear() -> list[Path]:
    """Remove every entry (and stale temporary file) from the cache folder; return what was removed.

    Only files named as nibs-graph names them are touched, so a shared ``$NIBS_GRAPH_CACHE_DIR`` keeps the rest.
    """
    from .export.atomic import clean_stale_temp_files

    removed = clean_stale_temp_files(cache_dir())
    for entry in entries():
        with contextlib.suppress(OSError):
            entry.path.unlink()
            removed.append(entry.path)
    return removed
