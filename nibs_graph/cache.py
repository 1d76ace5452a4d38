"""A cache of compiled projections, one SQLite file per data version, opened without reading it all.

The cache lives in the user's cache folder (``platformdirs.user_cache_dir("nibs-graph")``, or
``$NIBS_GRAPH_CACHE_DIR``), never inside the installed package. It is an optimisation, not a trust boundary:

* An entry is one file ``<kind>-<key>-<digest>.nibs-cache``: an SQLite database in the layout of
  :mod:`nibs_graph.graphdb` (nodes, edges, evidence records, the name index and the signalling edges in separate
  tables), which a hit opens read-only as a :class:`~nibs_graph.graphdb.LazyGraph`: a query reads only the rows
  it touches. ``<digest>`` is the first 32 hex digits of the SHA-256 of the whole file, computed when it was
  written. Nothing read from an entry runs code: values are JSON arrays and objects under a fixed schema.
* Before use, every entry is checked: a regular file (a symbolic link, FIFO or device is never opened), the SQLite
  header (magic, page size × page count = the file's size), then its content against the digest in its name.
  Hashing a million-finding entry (hundreds of MB) at every start would cost more than the query, so the digest
  is verified once and the entry's ``stat`` (size, mtime, ctime, inode, device) recorded in the folder's index
  (``.index.json``); later opens with the same ``stat`` skip the hash. Any write to the file through the file
  system changes its ctime, which user space cannot set back, so such a change is hashed again. Then the schema
  (``sqlite_master`` must hold exactly the tables and indexes of :data:`nibs_graph.graphdb.SCHEMA`: no trigger,
  no view), and the layout, kind, key, package version and code fingerprint recorded inside. Anything that does
  not check out is a miss: the projection is compiled again and the entry replaced, never a traceback.
* Not detected: damage below the file system that leaves ``stat`` unchanged (a bit flipped on the disk itself)
  once an entry has been verified; whoever can write the folder (the entry and the index) can change answers, as
  they could by editing the data. A row that fails to decode while a query reads it raises
  :class:`~nibs_graph.errors.CacheError` (exit 2, "run `nibs-graph cache clear`"), never a traceback.
* Writes are atomic: the database is built in a temporary file of the folder, hashed, then renamed. The
  temporary file is removed on any failure and on SIGINT/SIGTERM; one left by a killed run is removed by the
  next write. A folder that cannot be written only costs speed.
* The folder is bounded: after each write the least recently used entries are removed beyond
  ``$NIBS_GRAPH_CACHE_MAX_ENTRIES`` entries (default 8) or ``$NIBS_GRAPH_CACHE_MAX_MB`` megabytes (default 2048).
  ``nibs-graph cache info`` lists the entries, ``nibs-graph cache clear`` removes them.
* The data version: :func:`folder_key` hashes a data folder's files only when their ``stat`` changed since the
  last hash (the index maps each folder's file stats to its key; a file changed less than two seconds before it
  was hashed is not recorded, as its next change could keep the same mtime).

>>> import tempfile, os
>>> os.environ["NIBS_GRAPH_CACHE_DIR"] = tempfile.mkdtemp()
>>> from nibs_graph.projection import GraphData
>>> G = GraphData(); G.add_node("x", label="X")
>>> cached_graph("demo", "0" * 24, lambda: G).nodes["x"]     # built, written, returned
{'label': 'X'}
>>> cached_graph("demo", "0" * 24, lambda: 1 / 0).nodes["x"]  # a hit: nothing is built
{'label': 'X'}
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
import secrets
import sqlite3
import stat
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import __version__

__all__ = [
    "CACHE_FORMAT",
    "CacheEntry",
    "cache_dir",
    "cache_limits",
    "cached_graph",
    "clear",
    "entries",
    "file_digest",
    "folder_key",
]

#: Bump when the layout of an entry changes.
CACHE_FORMAT = 5
SUFFIX = ".nibs-cache"
INDEX = ".index.json"
_INDEX_LIMIT = 1 << 20
_NAME_RE = re.compile(r"^(?P<kind>[a-z][a-z0-9-]*?)-(?P<key>[0-9a-f]{24}|none)-(?P<digest>[0-9a-f]{32})\.nibs-cache$")
#: Files earlier versions wrote (pickles, JSON entries): removed by ``clear`` and by the next write, never read.
_LEGACY_RE = re.compile(
    r"^(?:[a-z][a-z0-9-]*-(?:[0-9a-f]{24}|none)-.+\.pickle|\.tmp-.+\.pickle|[a-z][a-z0-9-]*?-(?:[0-9a-f]{24}|none)"
    r"\.nibs-cache)$"
)


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


# ---------------------------------------------------------------------------------------------------- the index


def _stamp(info: os.stat_result) -> list[int]:
    return [info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino, info.st_dev, info.st_mode]


def _read_index() -> dict[str, dict[str, Any]]:
    """The folder's index (entry stamps, last uses, data folder keys); anything malformed reads as empty."""
    empty: dict[str, dict[str, Any]] = {"stamps": {}, "used": {}, "folders": {}}
    path = cache_dir() / INDEX
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
        with os.fdopen(fd, "rb") as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                return empty
            raw = handle.read(_INDEX_LIMIT + 1)
        if len(raw) > _INDEX_LIMIT:
            return empty
        doc = json.loads(raw)
    except (OSError, ValueError, RecursionError):
        return empty
    if type(doc) is not dict or doc.get("format") != CACHE_FORMAT:
        return empty
    return {name: doc[name] if type(doc.get(name)) is dict else {} for name in empty}


def _write_index(index: dict[str, dict[str, Any]]) -> None:
    """Replace the index (a temporary file renamed; not synced: losing it only costs a hash)."""
    folder = cache_dir()
    tmp = folder / f"{INDEX}.{os.getpid()}-{secrets.token_hex(6)}.tmp"
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(json.dumps({"format": CACHE_FORMAT, **index}, separators=(",", ":")).encode())
        os.replace(tmp, folder / INDEX)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(tmp)


def folder_key(folder: Path, layers: Iterable[str], compute: Callable[[], str], files: Iterable[str]) -> str:
    """The cache key of a data folder: ``compute()`` (which hashes ``files``), or the key recorded for the same
    ``stat`` of every one of ``files`` (absent ones included) when nothing changed since.

    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp()); _ = (d / "a.csv").write_text("x")
    >>> os.utime(d / "a.csv", (1, 1))
    >>> folder_key(d, (), lambda: "k1", ["a.csv"]), folder_key(d, (), lambda: "k2", ["a.csv"])
    ('k1', 'k1')
    """
    label = json.dumps([str(folder.resolve()), sorted(layers)])

    def stats() -> list[Any]:
        out: list[Any] = []
        for name in files:
            try:
                out.append([name, _stamp(os.lstat(folder / name)), _stamp(os.stat(folder / name))])
            except OSError:
                out.append([name, None, None])
        return out

    before = stats()
    index = _read_index()
    known = index["folders"].get(label)
    if type(known) is dict and known.get("stats") == before and type(known.get("key")) is str:
        return str(known["key"])
    key = compute()
    now = time.time_ns()
    recent = any(s and now - s[1] < 2_000_000_000 for _, _, s in before)  # mtime within two seconds of now
    if stats() == before and not recent:  # unchanged while hashed, and not changed within the mtime's precision
        folders = {k: v for k, v in index["folders"].items() if k != label}
        index["folders"] = {**dict(list(folders.items())[-31:]), label: {"stats": before, "key": key}}
        with contextlib.suppress(OSError):
            cache_dir().mkdir(parents=True, exist_ok=True)
            _write_index(index)
    return key


# ---------------------------------------------------------------------------------------------------- entries


class _Miss(Exception):
    """Why an entry cannot be used."""


def _hash_file(path: Path) -> str:
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    digest = hashlib.sha256()
    with os.fdopen(os.open(path, flags), "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            raise _Miss("not a regular file")
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()[:32]


def _verify(path: Path, digest: str, index: dict[str, dict[str, Any]]) -> bool:
    """Check ``path`` against the digest in its name (skipped when its ``stat`` is the one recorded after the last
    check); return whether the index gained a stamp."""
    try:
        info = os.lstat(path)
    except OSError as exc:
        raise _Miss(f"cannot be read ({exc.strerror or exc})") from None
    if not stat.S_ISREG(info.st_mode):
        raise _Miss("not a regular file")
    if index["stamps"].get(path.name) == _stamp(info):
        return False
    try:
        if _hash_file(path) != digest:
            raise _Miss("checksum mismatch")
    except OSError as exc:
        raise _Miss(f"cannot be read ({exc.strerror or exc})") from None
    if _stamp(os.lstat(path)) != _stamp(info):
        raise _Miss("changed while being checked")
    index["stamps"][path.name] = _stamp(info)
    return True


def _expect(kind: str, key: str) -> dict[str, Any]:
    return {"format": CACHE_FORMAT, "kind": kind, "key": key, "version": __version__, "code": code_fingerprint()}


def _open(path: Path, kind: str | None, key: str | None, index: dict[str, dict[str, Any]]) -> tuple[Any, bool]:
    """The :class:`~nibs_graph.graphdb.LazyGraph` of the entry at ``path`` and whether the index changed."""
    from .graphdb import GraphDBError, _check_file, open_graph

    match = _NAME_RE.match(path.name)
    if match is None:
        raise _Miss("not named as an entry")
    try:
        _check_file(path)
        stamped = _verify(path, match["digest"], index)
        expect = _expect(kind, key) if kind is not None and key is not None else {"format": CACHE_FORMAT}
        graph = open_graph(path, expect)
    except GraphDBError as exc:
        raise _Miss(str(exc)) from None
    return graph, stamped


def _candidates(kind: str, key: str) -> list[Path]:
    """The entries named for ``(kind, key)``, most recently written first."""
    if not re.fullmatch(r"[a-z][a-z0-9-]*", kind):
        raise ValueError(f"bad cache kind {kind!r}")
    found = []
    with contextlib.suppress(OSError):
        for item in os.scandir(cache_dir()):
            match = _NAME_RE.match(item.name)
            if match and (match["kind"], match["key"]) == (kind, key):
                with contextlib.suppress(OSError):
                    found.append((item.stat(follow_symlinks=False).st_mtime_ns, Path(item.path)))
    return [path for _, path in sorted(found, reverse=True)]


def _read(kind: str, key: str) -> Any:
    """The entry for ``(kind, key)`` as a lazy graph, or None when none checks out."""
    index = _read_index()
    for path in _candidates(kind, key):
        try:
            graph, _ = _open(path, kind, key, index)
        except _Miss:
            continue
        index["used"][path.name] = time.time()
        _write_index(index)
        return graph
    return None


def _write(kind: str, key: str, G: Any) -> None:
    """Write ``G`` as the entry for ``(kind, key)``; a folder that cannot be written, or a graph this layout cannot
    store, only costs speed."""
    from .export.atomic import clean_stale_temp_files
    from .graphdb import write_graph

    folder = cache_dir()
    tmp = folder / f".{kind}-{key}{SUFFIX}.{os.getpid()}-{secrets.token_hex(6)}.tmp"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        clean_stale_temp_files(folder)
        try:
            write_graph(G, tmp, _expect(kind, key))
            with open(tmp, "rb+") as handle:  # on disk before the rename: a crash leaves no named half-entry
                os.fsync(handle.fileno())
            target = folder / f"{kind}-{key}-{_hash_file(tmp)}{SUFFIX}"
            os.replace(tmp, target)
        finally:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        index = _read_index()
        index["stamps"][target.name] = _stamp(os.lstat(target))
        index["used"][target.name] = time.time()
        _write_index(index)
    except (OSError, TypeError, ValueError, _Miss, sqlite3.Error):
        return
    _prune(keep=target)


def cached_graph(kind: str, key: str, build: Callable[[], Any], *, enabled: bool = True) -> Any:
    """The projection for ``(kind, key)``: a :class:`~nibs_graph.graphdb.LazyGraph` over the cached entry, or
    ``build()`` (written to the cache for the next time) when there is none that checks out.

    Parameters
    ----------
    kind, key:
        What the entry is (``data``, ``graphfile``, a store kind) and the digest of its input.
    build:
        Computes the :class:`~nibs_graph.projection.GraphData` on a miss.
    enabled:
        False: always build, never read or write.
    """
    if not enabled:
        return build()
    hit = _read(kind, key)
    if hit is not None:
        return hit
    value = build()
    _write(kind, key, value)
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
    index = _read_index()
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
        if legacy and not match:
            status = "left by an earlier version (never read; removed by the next write or `cache clear`)"
        elif verify:
            try:
                graph, _ = _open(Path(item.path), None, None, index)
                graph.close()
            except _Miss as exc:
                status = str(exc)
        used = index["used"].get(item.name)
        last = float(used) if isinstance(used, int | float) else info.st_mtime
        found.append(CacheEntry(Path(item.path), match["kind"] if match else "legacy", info.st_size, last, status))
    found.sort(key=lambda e: e.mtime, reverse=True)
    return found


def _prune(keep: Path | None = None) -> list[Path]:
    """Remove legacy files, then the least recently used entries beyond the limits; return what was removed."""
    max_entries, max_bytes = cache_limits()
    removed: list[Path] = []
    kept_count = kept_bytes = 0
    for entry in entries():
        legacy = entry.kind == "legacy"
        over = kept_count + 1 > max_entries or kept_bytes + entry.size > max_bytes
        if entry.path != keep and (legacy or over):
            with contextlib.suppress(OSError):
                entry.path.unlink()
                removed.append(entry.path)
            continue
        kept_count += 1
        kept_bytes += entry.size
    if removed:
        index = _read_index()
        for path in removed:
            index["stamps"].pop(path.name, None)
            index["used"].pop(path.name, None)
        _write_index(index)
    return removed


def clear() -> list[Path]:
    """Remove every entry, the index and stale temporary files from the cache folder; return what was removed.

    Only files named as nibs-graph names them are touched, so a shared ``$NIBS_GRAPH_CACHE_DIR`` keeps the rest.
    """
    from .export.atomic import clean_stale_temp_files

    removed = clean_stale_temp_files(cache_dir())
    for path in [*(entry.path for entry in entries()), cache_dir() / INDEX]:
        with contextlib.suppress(OSError):
            path.unlink()
            removed.append(path)
    return removed
