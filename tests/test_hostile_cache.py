"""A hostile cache folder (issue #15, item 1): no entry can run code, every entry is checked before use, anything
that does not check out is rebuilt (never a traceback), no temporary file survives, and the folder is bounded."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import pickle
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from nibs_graph import __version__, cache
from nibs_graph.cache import _NAME_RE
from nibs_graph.cli import app

from .conftest import TINY

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


def _forge(entry: Path, *statements: str) -> Path:
    """Change a copy of the entry with SQL, then plant it under the name its digest gives (as a forger would)."""
    work = entry.with_name("work.sqlite")
    work.write_bytes(entry.read_bytes())
    conn = sqlite3.connect(work)
    for statement in statements:
        conn.execute(statement)
    conn.commit()
    conn.close()
    digest = hashlib.sha256(work.read_bytes()).hexdigest()[:32]
    planted = entry.with_name(entry.name.removesuffix(".nibs-cache").rsplit("-", 1)[0] + f"-{digest}.nibs-cache")
    assert _NAME_RE.match(planted.name)
    entry.unlink()
    work.rename(planted)
    return planted


def _rewritten(entry: Path, data: bytes) -> None:
    entry.write_bytes(data)


_DAMAGE = {
    "empty": lambda e, good: _rewritten(e, b""),
    "garbage": lambda e, good: _rewritten(e, os.urandom(5000)),
    "truncated": lambda e, good: _rewritten(e, good[: len(good) // 2]),
    "extended": lambda e, good: _rewritten(e, good + b"\0" * 8192),
    "checksum": lambda e, good: _rewritten(e, good[:-20000] + b"x" * 10 + good[-19990:]),
    "trigger": lambda e, good: _forge(
        e, "CREATE TRIGGER t AFTER INSERT ON meta BEGIN DELETE FROM nodes; END", "UPDATE meta SET value = value"
    ),
    "view": lambda e, good: _forge(e, "CREATE VIEW names2 AS SELECT * FROM names"),
    "extra-table": lambda e, good: _forge(e, "CREATE TABLE extra (x)"),
    "dropped-index": lambda e, good: _forge(e, "DROP INDEX edges_u"),
    "other-key": lambda e, good: _forge(e, "UPDATE meta SET value = '\"" + "f" * 24 + "\"' WHERE name = 'key'"),
    "old-format": lambda e, good: _forge(e, "UPDATE meta SET value = '4' WHERE name = 'format'"),
    "other-code": lambda e, good: _forge(e, "UPDATE meta SET value = '\"0\"' WHERE name = 'code'"),
    "foreign-sqlite": lambda e, good: _forge(
        e, *[f"DROP TABLE {t}" for t in ("meta", "shapes", "nodes", "edges", "findings", "names")], "CREATE TABLE x (y)"
    ),
}


@pytest.mark.parametrize("damage", sorted(_DAMAGE))
def test_corrupt_or_foreign_entry_is_rebuilt(
    runner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, damage: str
) -> None:  # type: ignore[no-untyped-def]
    folder = _cache(monkeypatch, tmp_path)
    expected = _answer(runner)
    entry = _only_entry(folder)
    good = entry.read_bytes()
    _DAMAGE[damage](entry, good)
    with pytest.MonkeyPatch.context() as patch:  # the damaged entry is found and refused, not just missed
        refused: list[str] = []
        original = cache._open

        def spy(path: Path, *args: Any) -> Any:
            try:
                return original(path, *args)
            except cache._Miss as exc:
                refused.append(str(exc))
                raise

        patch.setattr(cache, "_open", spy)
        assert _answer(runner) == expected
    assert refused
    assert entry.read_bytes() == good  # rebuilt under its own name (the build is deterministic)


@pytest.mark.parametrize("row", ["malformed", "missing-record"])
def test_rows_that_do_not_decode_are_an_error_then_a_rebuild(
    runner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, row: str
) -> None:  # type: ignore[no-untyped-def]
    """An entry that passes every check on open but holds a bad row (forged with a matching digest): the query
    stops with exit 2 and a message, the entry is removed, and the next run rebuilds it."""
    folder = _cache(monkeypatch, tmp_path)
    expected = _answer(runner)
    entry = _only_entry(folder)
    if row == "malformed":
        _forge(entry, "UPDATE nodes SET attrs = '[[[' WHERE name = 'HGNC:3942'")
    else:
        _forge(entry, "DELETE FROM findings")
    result = runner.invoke(app, ["path", "iTBS", "mTOR", *T, "-f", "json"])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "cache entry" in result.output and "removed" in result.output
    assert _answer(runner) == expected


def test_lazy_graph_never_runs_sql_from_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A view or trigger in a planted entry is refused before any query reads the file."""
    from nibs_graph.api import load_graph
    from nibs_graph.graphdb import GraphDBError, open_graph

    folder = _cache(monkeypatch, tmp_path)
    load_graph(TINY)
    entry = _only_entry(folder)
    planted = _forge(entry, "CREATE VIEW v AS SELECT load_extension('x')")
    with pytest.raises(GraphDBError, match="another schema"):
        open_graph(planted, {})


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

    monkeypatch.setattr("nibs_graph.cache.os.fsync", full_disk)
    _answer(runner)
    assert [p.name for p in folder.iterdir()] == [cache.INDEX]  # no entry, no temporary file


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
    assert "not an SQLite file" in table.stdout
    cleared = runner.invoke(app, ["cache", "clear"])
    assert cleared.exit_code == 0 and "removed 2 file(s)" in cleared.stdout  # the entry and the index
    assert [p.name for p in folder.iterdir()] == ["unrelated.txt"]
