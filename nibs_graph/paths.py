"""Where the shipped evidence base, ontology and example queries live (checkout or installed package).

>>> (default_data_dir() / "findings.csv").name
'findings.csv'
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["default_data_dir", "ontology_dir", "queries_dir", "resource_dir"]

_PACKAGE = Path(__file__).resolve().parent


def resource_dir(name: str) -> Path:
    """The folder ``name`` (``data``, ``ontology``, ``queries``) shipped with the package.

    An installed wheel carries a copy under ``nibs_graph/resources``; a checkout uses the top-level folder.
    """
    installed = _PACKAGE / "resources" / name
    if installed.is_dir():
        return installed
    return _PACKAGE.parent / name


def default_data_dir() -> Path:
    """The shipped evidence base."""
    return resource_dir("data")


def ontology_dir() -> Path:
    """The folder holding ``nibs.ttl`` and ``shapes.ttl``."""
    return resource_dir("ontology")


def queries_dir() -> Path:
    """The example SPARQL queries."""
    return resource_dir("queries")
