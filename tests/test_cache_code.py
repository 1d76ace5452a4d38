"""A cache entry built by other code of the same version is rebuilt, not read with another layout; the data version
is hashed again only when the files' stat changed."""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import pytest

from nibs_graph import cache
from nibs_graph.projection import GraphData

from .conftest import TINY


def _graph(label: str) -> GraphData:
    G = GraphData()
    G.add_node("x", label=label)
    return G


def test_entry_from_other_code_is_rebuilt(monkeypatch: pytest.MonkeyPatch) -> None:
    key = "ab" * 12
    assert cache.cached_graph("codecheck", key, lambda: _graph("old")).nodes["x"]["label"] == "old"
    assert cache.cached_graph("codecheck", key, lambda: _graph("new")).nodes["x"]["label"] == "old"  # a hit
    monkeypatch.setattr(cache, "code_fingerprint", lambda: "0" * 16)
    assert cache.cached_graph("codecheck", key, lambda: _graph("new")).nodes["x"]["label"] == "new"  # rebuilt


def test_fingerprint_follows_the_modules() -> None:
    fingerprint = cache.code_fingerprint()
    assert len(fingerprint) == 16 and fingerprint == cache.code_fingerprint()


def _old(folder: Path) -> None:
    """Give every file a modification time in the past (older than the index's two-second margin)."""
    for path in folder.rglob("*"):
        os.utime(path, (time.time() - 60, time.time() - 60))


def _data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    """(a cache folder, a copy of the tiny data with old modification times)."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("NIBS_GRAPH_CACHE_DIR", str(folder))
    data = tmp_path / "data"
    shutil.copytree(TINY, data)
    _old(data)
    return folder, data


def test_data_version_hashed_only_when_stat_changes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from nibs_graph import api, validate

    _, data = _data(tmp_path, monkeypatch)
    calls: list[Path] = []
    real = validate.data_version

    def counting(folder: Path, layers: object = ()) -> str:
        calls.append(folder)
        return real(folder, layers)  # type: ignore[arg-type]

    monkeypatch.setattr(validate, "data_version", counting)
    first = api.data_key(data, ())
    assert api.data_key(data, ()) == first and len(calls) == 1  # the second asks the index, not the files
    studies = data / "studies.csv"
    content = studies.read_bytes()
    studies.write_bytes(content.replace(b"A tiny study", b"A tiny Study", 1))  # same size, new content
    _old(data)
    changed = api.data_key(data, ())
    assert changed != first and len(calls) == 2
    studies.write_bytes(content)  # changed just now: hashed, and not recorded (its next change may keep the mtime)
    assert api.data_key(data, ()) == first and api.data_key(data, ()) == first and len(calls) == 4


@pytest.mark.parametrize("index", [b"", b"{", b"[]", b'{"format": 5, "folders": []}', b"\xff" * 10, b"{" * 100_000])
def test_a_bad_index_is_ignored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, index: bytes) -> None:
    from nibs_graph import api

    folder, data = _data(tmp_path, monkeypatch)
    expected = api.data_key(data, ())
    (folder / cache.INDEX).write_bytes(index)
    assert api.data_key(data, ()) == expected
    assert json.loads((folder / cache.INDEX).read_bytes())["format"] == cache.CACHE_FORMAT  # rewritten


def test_a_forged_index_key_is_only_used_for_the_same_stat(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from nibs_graph import api

    folder, data = _data(tmp_path, monkeypatch)
    expected = api.data_key(data, ())
    doc = json.loads((folder / cache.INDEX).read_bytes())
    for entry in doc["folders"].values():
        present = next(stat for stat in entry["stats"] if stat[1] is not None)
        present[1][0] += 1  # another size of a file
        entry["key"] = "f" * 24
    (folder / cache.INDEX).write_text(json.dumps(doc))
    assert api.data_key(data, ()) == expected
