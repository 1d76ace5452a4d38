"""Resolve what a user types to a node of the graph.

Names resolve through labels, synonyms and CURIEs, case-insensitively (``itbs``, ``TrkB``, ``ERK1/2``,
``NMDAR``, ``HGNC:1033``); an unknown name raises :class:`~nibs_graph.errors.UnknownNameError` with the
closest matches.

>>> from nibs_graph.api import load_graph
>>> G = load_graph()
>>> resolve(G, "itbs")
'nibs:iTBS'
>>> resolve(G, "hgnc:1033")
'HGNC:1033'
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from typing import Any

from .errors import UnknownNameError

__all__ = ["build_name_index", "name_index", "resolve"]

_TYPE_PRIORITY = {"technique": 0, "protocol": 2}
_LAST: list[Any] = [None, {}]  # the last graph indexed and its index
_SQUASH = re.compile(r"[\s\-_/.,()]+")


def _keys(name: str) -> tuple[str, ...]:
    """The exact lower-cased name, then the name without spaces and punctuation (when different)."""
    folded = name.strip().casefold()
    return tuple(dict.fromkeys((folded, _SQUASH.sub("", folded))))


def build_name_index(nodes: Iterable[tuple[str, dict[str, Any]]]) -> dict[str, str]:
    """Map every lower-cased name (label, synonym, CURIE, local id) of ``(node, attributes)`` pairs to a node id.

    Where two nodes share a name, techniques win over entities and entities over protocols.

    >>> build_name_index([("nibs:iTBS", {"type": "technique", "label": "iTBS"})])["itbs"]
    'nibs:iTBS'
    """
    candidates: dict[str, tuple[tuple[int, int], str]] = {}
    for node, attrs in sorted(nodes):
        priority = _TYPE_PRIORITY.get(attrs.get("type", ""), 1)
        names = [node, node.split(":", 1)[-1].rsplit("/", 1)[-1], attrs.get("label", ""), *attrs.get("synonyms", ())]
        for rank, name in enumerate(names):
            if not name:
                continue
            for key in _keys(str(name)):
                score = (priority, min(rank, 2))
                current = candidates.get(key)
                if current is None or score < current[0]:
                    candidates[key] = (score, node)
    return {key: node for key, (_, node) in candidates.items()}


def name_index(G: Any) -> dict[str, str]:
    """:func:`build_name_index` of a graph's nodes (kept for the last graph asked)."""
    if _LAST[0] is G:
        return _LAST[1]
    index = build_name_index(G.nodes.items())
    _LAST[:] = [G, index]
    return index


def _lookup(G: Any, key: str) -> str | None:
    """The node ``key`` names: from the graph's own name section when it has one (a cached graph), else the index."""
    lookup = getattr(G, "lookup_name", None)
    return lookup(key) if lookup is not None else name_index(G).get(key)


def resolve(G: Any, name: str, *, types: Iterable[str] | None = None) -> str:
    """Resolve ``name`` to a node id, optionally requiring one of ``types``.

    Raises
    ------
    UnknownNameError
        With up to five suggestions from the graph's names.
    """
    wanted = set(types) if types is not None else None
    for key in _keys(name):
        node = _lookup(G, key)
        if node is not None and (wanted is None or G.nodes[node].get("type") in wanted):
            return node
    choices: dict[str, str] = {}
    for node, attrs in G.nodes.items():
        if wanted is not None and attrs.get("type") not in wanted:
            continue
        if attrs.get("type") == "protocol":
            continue
        for label in (attrs.get("label", ""), *attrs.get("synonyms", ())):
            choices.setdefault(label.casefold(), attrs.get("label", node))
    close = difflib.get_close_matches(name.casefold(), list(choices), n=8, cutoff=0.5)
    suggestions: list[str] = []
    for match in close:
        label = choices[match]
        if label not in suggestions:
            suggestions.append(label)
    kind = "/".join(sorted(wanted)) if wanted else "technique, protocol or entity"
    raise UnknownNameError(name, suggestions[:5], kind=kind)
