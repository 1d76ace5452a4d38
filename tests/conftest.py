"""Shared fixtures: an isolated cache folder, the shipped and tiny evidence bases, a CLI runner."""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TESTS = Path(__file__).resolve().parent
TINY = TESTS / "data" / "tiny"
INVALID = TESTS / "data" / "invalid"
SOURCES = TESTS / "data" / "sources"  # studies from two reviews and a curation batch, a macaque study
VOCABULARY = TESTS / "data" / "vocabulary"  # tiny + vocabulary.csv: techniques tRNS, hf-tRNS, a method, a measure
EXAMPLE = TESTS / "data" / "example_study"  # the worked example of docs/adding-a-study.md (rows to append)
SHIPPED = ROOT / "data"


@pytest.fixture(autouse=True, scope="session")
def _isolated_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Never touch the user's cache folder from the tests."""
    os.environ["NIBS_GRAPH_CACHE_DIR"] = str(tmp_path_factory.mktemp("nibs-cache"))


@pytest.fixture(scope="session")
def tiny_dir() -> Path:
    """The hand-checkable evidence base in tests/data/tiny."""
    return TINY


@pytest.fixture(scope="session")
def tiny_graph():  # type: ignore[no-untyped-def]
    """The projection of the tiny evidence base."""
    from nibs_graph.api import load_graph

    return load_graph(TINY, use_cache=False)


@pytest.fixture(scope="session")
def shipped_graph():  # type: ignore[no-untyped-def]
    """The projection of the shipped evidence base."""
    from nibs_graph.api import load_graph

    return load_graph(use_cache=False)


@pytest.fixture(scope="session")
def shipped_rdf():  # type: ignore[no-untyped-def]
    """The canonical RDF graph of the shipped evidence base."""
    from nibs_graph.api import load_rdf

    return load_rdf()


@pytest.fixture()
def runner():  # type: ignore[no-untyped-def]
    """Typer's CLI runner (stderr kept apart)."""
    from typer.testing import CliRunner

    return CliRunner()


def require(available: bool, reason: str, env: str) -> None:
    """Skip a test whose tool is missing locally; fail instead when CI asked for the tool (``env`` set)."""
    if available:
        return
    if os.environ.get(env):
        pytest.fail(f"{reason} (required in this run by ${env})")
    pytest.skip(reason)


def rapper() -> str:
    """The path of Debian's ``rapper`` (raptor2-utils), the independent RDF parser; skip (or fail in CI) without it."""
    import shutil

    found = shutil.which("rapper")
    require(
        found is not None,
        "Debian's raptor2-utils (rapper) is not installed; CI installs it",
        "NIBS_GRAPH_REQUIRE_RAPPER",
    )
    assert found is not None
    return found


#: Markup planted in the XSS probe evidence base (see ``xss_dir``); a page must show it as text, never run it.
XSS_LABEL = "<img src=x onerror=alert(1)>"
XSS_NOTE = '<a href="javascript:window.__xss=1">href</a><script>window.__xss=1</script>'


@pytest.fixture(scope="session")
def xss_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of tests/data/tiny whose texts are markup: CREB's label is ``XSS_LABEL``, a synonym is a script,
    and finding alpha2020-f03 (iTBS → CREB) carries ``XSS_NOTE`` in its context and notes."""
    import csv
    import shutil

    folder = tmp_path_factory.mktemp("xss") / "data"
    shutil.copytree(TINY, folder)

    def edit(name: str, key: str, row_id: str, changes: dict[str, str]) -> None:
        with (folder / name).open(newline="", encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
        for row in rows:
            if row[key] == row_id:
                row.update(changes)
        with (folder / name).open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)

    edit(
        "entities.csv",
        "id",
        "HGNC:2345",
        {"label": XSS_LABEL, "synonyms": "<script>window.__xss=1</script>|CREB1", "notes": XSS_NOTE},
    )
    edit(
        "findings.csv",
        "finding_id",
        "alpha2020-f03",
        {"context": XSS_NOTE, "notes": XSS_NOTE, "region": '<svg onload="window.__xss=1">', "target_label": XSS_LABEL},
    )
    return folder


def free_port() -> int:
    """A free loopback port (servers in the tests never take a fixed one)."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for_endpoint(process: subprocess.Popen[bytes], port: int, seconds: float = 90) -> None:
    """Wait until ``nibs-graph serve`` on ``port`` answers ``ASK {}`` (or fail, with its standard error)."""
    import time
    import urllib.parse
    import urllib.request

    deadline = time.monotonic() + seconds
    url = f"http://127.0.0.1:{port}/sparql?query=" + urllib.parse.quote("ASK {}")
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as answer:
                if answer.status == 200:
                    return
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                error = process.stderr.read() if process.stderr else b""
                raise RuntimeError(f"nibs-graph serve did not start: {error!r}") from None
            time.sleep(0.3)


@contextlib.contextmanager
def serving(args: list[str]) -> Iterator[int]:
    """Run ``nibs-graph ARGS`` (a ``serve`` command; ``{port}`` in it becomes a free port) until the block ends."""
    import sys

    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "nibs_graph.cli", *(a.replace("{port}", str(port)) for a in args)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        wait_for_endpoint(process, port)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=20)


def validation_problems(folder: Path) -> list[str]:
    """The problems the validator reports for ``folder``."""
    from nibs_graph.errors import DataValidationError
    from nibs_graph.validate import read_evidence_base

    with pytest.raises(DataValidationError) as caught:
        read_evidence_base(folder)
    return [str(p) for p in caught.value.problems]
