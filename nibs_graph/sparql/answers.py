"""The endpoint's answer cache: a query text asked again is answered from the server process, without a worker.

The data behind a local store never changes while the endpoint serves it (the in-memory store is loaded once; the
workers open an Oxigraph folder read-only, after it was built), so the same request always gets the same bytes:
the cache keeps successful answers (status 200) keyed by everything a worker's answer depends on (the query text,
the ``Accept`` header, the ``format`` / ``output`` parameter and the base IRI, which is the endpoint's URL as the
client addressed it). It is bounded by bytes, least recently used first out; an answer larger than an eighth of the
cap is never kept. Errors (4xx, 503 at the time limit or a busy pool) are never cached: they are asked again.

A remote store (``--endpoint URL``) is not cached: its data may change.

>>> cache = AnswerCache(max_bytes=10_000)
>>> key = AnswerCache.key("ASK {}", "application/json", None, "http://127.0.0.1/sparql")
>>> cache.get(key) is None
True
>>> cache.put(key, "application/sparql-results+json", b'{"head":{},"boolean":true}')
True
>>> cache.get(key)
('application/sparql-results+json', b'{"head":{},"boolean":true}')
>>> cache.hits, cache.misses, len(cache)
(1, 1, 1)
>>> cache.put(("big",), "text/csv", b"x" * 2000)  # over an eighth of the cap: not kept
False
"""

from __future__ import annotations

from collections import OrderedDict

__all__ = ["DEFAULT_CACHE_MB", "AnswerCache"]

#: The default size of the answer cache, in MiB.
DEFAULT_CACHE_MB = 64
#: Bytes counted for an entry besides its body and query text (the key tuple, the dict slot, the bytes objects).
_OVERHEAD = 256

Key = tuple[str | None, ...]


class AnswerCache:
    """Successful answers by request, least recently used out first, at most ``max_bytes`` in all.

    Parameters
    ----------
    max_bytes:
        The cap on the bodies, keys and an overhead per entry together; 0 turns the cache off.
    """

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max(0, max_bytes)
        self.max_entry = self.max_bytes // 8
        self.size = 0
        self.hits = 0
        self.misses = 0
        self._entries: OrderedDict[Key, tuple[str, bytes, int]] = OrderedDict()

    @staticmethod
    def key(query: str, accept: str | None, fmt: str | None, base: str) -> Key:
        """What an answer depends on: the query text, ``Accept``, the format parameter and the base IRI."""
        return (query, accept, fmt, base)

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: Key) -> tuple[str, bytes] | None:
        """The content type and body answered before to ``key``, or None."""
        entry = self._entries.get(key)
        if entry is None:
            self.misses += 1
            return None
        self._entries.move_to_end(key)
        self.hits += 1
        return entry[0], entry[1]

    def put(self, key: Key, content_type: str, body: bytes) -> bool:
        """Keep an answer (evicting the least recently used); False when it is too large to keep."""
        cost = len(body) + sum(len(part) for part in key if part) + _OVERHEAD
        if cost > self.max_entry:
            return False
        old = self._entries.pop(key, None)
        if old is not None:
            self.size -= old[2]
        self._entries[key] = (content_type, body, cost)
        self.size += cost
        while self.size > self.max_bytes:
            _, (_, _, freed) = self._entries.popitem(last=False)
            self.size -= freed
        return True
