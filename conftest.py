"""Doctests in ``nibs_graph/`` run with a throw-away cache folder, never the user's (as ``tests/conftest.py`` does)."""

import os

import pytest


@pytest.fixture(autouse=True, scope="session")
def _doctest_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    os.environ["NIBS_GRAPH_CACHE_DIR"] = str(tmp_path_factory.mktemp("nibs-doctest-cache"))
