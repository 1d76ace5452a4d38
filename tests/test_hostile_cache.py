"""A hostile cache folder (issue #15, item 1): no entry can run code, every entry is checked before use, anything
that does not check out is rebuilt (never a traceback), no temporary file survives, and the folder is bounded."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import pickle
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from nibs_graph import __version__
from nibs_graph.cli import app
from nibs_graph.graphcodec import decode_graph, encode_graph

from .conftest import SHIPPED, TINY

T = ["--data", str(TINY)]


class _Canary:
    """Unpickling this writes a marker file: proof that a cache entry ran code."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, ...]:
        return (exec, (f"open({str(self.marker)!r}, 'w').write('ran')",))


def _cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("NIBS_GRAPH_CACHE_DIR", str(folder))
    return folder


def _only_entry(folder: Path) -> Path:
    (entry,) = [p for p in folder.iterdir() if not p.name.startswith(".")]
    return entry


def _answer(runner) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    result = runner.invoke(app, ["path", "iTBS", "mTOR", *T, "-f", "json"])
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    return json.loads(result.stdout)


def test_pickle_canary_never_runs(runner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    folder = _cache(monkeypatch, tmp_path)
    expected = _answer(runner)
    entry = _only_entry(folder)
    marker = tmp_path / "canary-ran"
    canary = pickle.dumps({"tag": "anything", "value": _Canary(marker)})
    entry.write_bytes(canary)
    # also under every name an earlier version read
    for name in (f"data-{'0' * 24}-{__version__}-3.pickle",):
        (folder / name).write_bytes(canary)
    assert _answer(runner) == expected
    result = runner.invoke(app, ["info", *T])
    assert result.exit_code == 0
    assert not marker.exists()
    assert not entry.read_bytes().startswith(canary[:8])  # rebuilt


def test_canary_in_the_shipped_data_cache_never_runs(tmp_path: Path) -> None:
    """The issue's reproduction: a pickle over the shipped data's entry, then `nibs-graph info` in a new process."""
    env = {**os.environ, "NIBS_GRAPH_CACHE_DIR": str(tmp_path / "cache")}
    cli = [sys.executable, "-m", "nibs_graph.cli", "info"]
    assert subprocess.run(cli, env=env, capture_output=True).returncode == 0
    marker = tmp_path / "canary-ran"
    for entry in (tmp_path / "cache").iterdir():
        entry.write_bytes(pickle.dumps(_Canary(marker)))
    done = subprocess.run(cli, env=env, capture_output=True, text=True)
    assert done.returncode == 0 and "Traceback" not in done.stderr
    assert not marker.exists()


def _forge(entry: Path, payload: bytes, **header: Any) -> None:
    """Write a well-formed entry around ``payload`` (valid checksum), with header fields overridden."""
    name = entry.name.removesuffix(".nibs-cache")
    kind, key = name.rsplit("-", 1)
    fields = {
        "format": 4,
        "kind": kind,
        "key": key,
        "version": __version__,
        "length": len(payload),
        "sha256": hashlib.sha256(payload).hexdigest(),
        **header,
    }
    entry.write_bytes(b"nibs-graph cache\n" + json.dumps(fields).encode() + b"\n" + payload)


@pytest.mark.parametrize(
    "damage",
    [
        "empty",
        "garbage",
        "truncated",
        "checksum",
        "wrong-object",
        "wrong-shape",
        "other-key",
        "old-format",
        "huge-header",
        "deep-json",
    ],
)
def test_corrupt_or_foreign_entry_is_rebuilt(
    runner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, damage: str
) -> None:  # type: ignore[no-untyped-def]
    folder = _cache(monkeypatch, tmp_path)
    expected = _answer(runner)
    entry = _only_entry(folder)
    good = entry.read_bytes()
    if damage == "empty":
        entry.write_bytes(b"")
    elif damage == "garbage":
        entry.write_bytes(os.urandom(5000))
    elif damage == "truncated":
        entry.write_bytes(good[: len(good) // 2])
    elif damage == "checksum":
        entry.write_bytes(good[:-10] + b"0123456789")
    elif damage == "wrong-object":
        _forge(entry, b"42")
    elif damage == "wrong-shape":
        doc = json.loads(good.split(b"\n", 2)[2])
        doc["edges"]["order"] = doc["edges"]["order"][:-3]
        _forge(entry, json.dumps(doc).encode())
    elif damage == "other-key":
        _forge(entry, good.split(b"\n", 2)[2], key="f" * 24)
    elif damage == "old-format":
        _forge(entry, good.split(b"\n", 2)[2], format=3)
    elif damage == "huge-header":
        entry.write_bytes(b"nibs-graph cache\n" + b"{" * 100_000)
    elif damage == "deep-json":
        _forge(entry, b"[" * 100_000 + b"]" * 100_000)
    assert _answer(runner) == expected
    assert entry.read_bytes() == good


@pytest.mark.timeout(60)
def test_symlinked_or_fifo_entry_never_followed(runner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    folder = _cache(monkeypatch, tmp_path)
    expected = _answer(runner)
    entry = _only_entry(folder)
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    entry.unlink()
    entry.symlink_to(victim)
    assert _answer(runner) == expected
    assert victim.read_text() == "keep me" and not entry.is_symlink()  # the link was replaced, not its target
    entry.unlink()
    os.mkfifo(entry)
    assert _answer(runner) == expected  # a FIFO is neither opened for reading (no hang) nor replaced


def test_failed_write_leaves_no_temp_file(runner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    folder = _cache(monkeypatch, tmp_path)

    def full_disk(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("nibs_graph.export.atomic.os.fsync", full_disk)
    _answer(runner)
    assert list(folder.iterdir()) == []


def test_stale_temp_file_removed_by_next_write(runner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    folder = _cache(monkeypatch, tmp_path)
    folder.mkdir()
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    stale = folder / f".data-{'a' * 24}.nibs-cache.{int(dead.stdout)}-0123456789ab.tmp"
    stale.write_bytes(b"x" * 1000)
    legacy = folder / ".tmp-abc123.pickle"
    legacy.write_bytes(b"x" * 1000)
    _answer(runner)
    assert not stale.exists() and not legacy.exists()


def test_cache_folder_is_bounded(runner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    import shutil

    folder = _cache(monkeypatch, tmp_path)
    monkeypatch.setenv("NIBS_GRAPH_CACHE_MAX_ENTRIES", "2")
    for i in range(4):
        data = tmp_path / f"data{i}"
        shutil.copytree(TINY, data)
        with (data / "studies.csv").open("a") as handle:
            handle.write("\n" * (i + 1))  # different bytes, the same evidence
        assert runner.invoke(app, ["hubs", "--data", str(data)]).exit_code == 0
    assert len(list(folder.glob("*.nibs-cache"))) == 2


def test_cache_info_and_clear(runner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    folder = _cache(monkeypatch, tmp_path)
    _answer(runner)
    (folder / "unrelated.txt").write_text("not ours")
    info = runner.invoke(app, ["cache", "info", "-f", "json"])
    assert info.exit_code == 0
    payload = json.loads(info.stdout)
    assert payload["folder"] == str(folder) and [e["status"] for e in payload["entries"]] == ["ok"]
    (entry,) = folder.glob("*.nibs-cache")
    entry.write_bytes(b"junk")
    table = runner.invoke(app, ["cache", "info"])
    assert "no magic line" in table.stdout
    cleared = runner.invoke(app, ["cache", "clear"])
    assert cleared.exit_code == 0 and "removed 1 file(s)" in cleared.stdout
    assert [p.name for p in folder.iterdir()] == ["unrelated.txt"]


def _ordered_equal(a: Any, b: Any) -> bool:
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(_ordered_equal(a[k], b[k]) for k in a)
    if isinstance(a, tuple | list):
        return len(a) == len(b) and all(_ordered_equal(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


@pytest.mark.parametrize("data", [TINY, SHIPPED])
def test_codec_round_trip_keeps_everything(data: Path) -> None:
    from nibs_graph.api import load_graph

    G = load_graph(data, use_cache=False)
    H = decode_graph(encode_graph(G))
    for name in ("graph", "nodes", "succ", "pred"):
        assert _ordered_equal(getattr(G, name), getattr(H, name)), name
    for u, nbrs in H.succ.items():
        for v, keyed in nbrs.items():
            for key, attrs in keyed.items():
                assert H.pred[v][u][key] is attrs


def test_codec_refuses_what_it_cannot_write() -> None:
    from nibs_graph.projection import GraphData

    G = GraphData()
    G.add_node("x", when={1, 2})
    with pytest.raises(TypeError):
        encode_graph(G)
    with pytest.raises(ValueError):
        decode_graph(b'{"codec": 0}')
