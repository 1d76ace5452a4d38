"""A cache entry built by other code of the same version is rebuilt, not read with another layout."""

from __future__ import annotations

import pytest

from nibs_graph import cache


def test_entry_from_other_code_is_rebuilt(monkeypatch: pytest.MonkeyPatch) -> None:
    key = "ab" * 12
    assert cache.cached("codecheck", key, lambda: b"old", encode=bytes, decode=bytes) == b"old"
    assert cache.cached("codecheck", key, lambda: b"new", encode=bytes, decode=bytes) == b"old"  # a hit
    monkeypatch.setattr(cache, "code_fingerprint", lambda: "0" * 16)
    assert cache.cached("codecheck", key, lambda: b"new", encode=bytes, decode=bytes) == b"new"  # rebuilt


def test_fingerprint_follows_the_modules() -> None:
    fingerprint = cache.code_fingerprint()
    assert len(fingerprint) == 16 and fingerprint == cache.code_fingerprint()
