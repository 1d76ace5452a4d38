"""Optional dependencies of the exports (the ``viz`` extra): a clear error instead of a traceback.

>>> require_modules("the JSON export", "json")
"""

from __future__ import annotations

import importlib

from ..errors import ExportError

__all__ = ["require_modules"]


def require_modules(purpose: str, *modules: str) -> None:
    """Import ``modules`` or raise :class:`ExportError` naming the missing ones and how to install them.

    Examples
    --------
    >>> require_modules("a figure", "no_such_module_here")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    nibs_graph.errors.ExportError: a figure needs no_such_module_here, which is not installed: pip install ...
    """
    missing = []
    for name in modules:
        try:
            importlib.import_module(name)
        except ImportError:
            missing.append(name)
    if missing:
        raise ExportError(
            f"{purpose} needs {', '.join(missing)}, which is not installed: pip install 'nibs-graph[viz]'"
            " (or '.[viz]' in a checkout)"
        )
