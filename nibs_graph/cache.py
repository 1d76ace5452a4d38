"""A cache of the compiled projection, keyed by a hash of the input files.

The cache lives in the user's cache folder (``platformdirs.user_cache_dir("nibs-graph")``, or
``$NIBS_GRAPH_CACHE_DIR``), never inside the installed package. An entry whose key, format or content does not
check out is rebuilt, never trusted; writes are atomic (a temporary file, then a rename).
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from . import __version__

__all__ = ["CACHE_FORMAT", "cache_dir", "cached", "file_digest"]

#: Bump when the layout of cached objects changes.
CACHE_FORMAT = 3


def cache_dir() -> Path:
    """The folder where compiled graphs are cached."""
    override = os.environ.get("NIBS_GRAPH_CACHE_DIR")
    if override:
        return Path(override)
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("nibs-graph", appauthor=False))


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


def cached(kind: str, key: str, build: Callable[[], Any], *, enabled: bool = True) -> Any:
    """Return the cached object for ``(kind, key)``, building and storing it when absent or unreadable."""
    if not enabled:
        return build()
    tag = f"{kind}-{key}-{__version__}-{CACHE_FORMAT}"
    path = cache_dir() / f"{tag}.pickle"
    try:
        with path.open("rb") as handle:
            stored = pickle.load(handle)
        if isinstance(stored, dict) and stored.get("tag") == tag:
            return stored["value"]
    except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError, IndexError, TypeError, ValueError):
        pass  # absent, stale or corrupt: rebuild
    value = build()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".pickle", dir=path.parent)
        with os.fdopen(fd, "wb") as handle:
            pickle.dump({"tag": tag, "value": value}, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except OSError:
        pass  # a read-only cache folder only costs speed
    return value
