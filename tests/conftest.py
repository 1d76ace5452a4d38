"""Shared fixtures: an isolated cache folder, the shipped and tiny evidence bases, a CLI runner."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TESTS = Path(__file__).resolve().parent
TINY = TESTS / "data" / "tiny"
INVALID = TESTS / "data" / "invalid"
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
