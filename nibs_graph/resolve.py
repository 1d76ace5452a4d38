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

__all__ = ["name_index", "resolve"]

_TYPE_PRIORITY = {"technique": 0, "protocol": 2}
_LAST: list[Any] = [None, {}]  # the last graph indexed and its index
_SQUASH = re.compile(r"[\s\-_/.,()]+")


def _keys(name: str) -> set[str]:
    folded = name.strip().casefold()
    return {folded, _SQUASH.sub("", folded)}


def name_index(G: Any) -> dict[str, str]:
    """Map every lower-cased name (label, synonym, CURIE, local id) to a node id.

    Where two nodes share a name, techniques win over entities and entities over protocols.
    """
    if _LAST[0] is G:
        return _LAST[1]
    candidates: dict[str, tuple[int, str]] = {}
    for node, attrs in sorted(G.nodes.items()):
        priority = _TYPE_PRIORITY.get(attrs.get("type", ""), 1)
        names = [node, node.split(":", 1)[-1].rsplit("/", 1)[-1], attrs.get("label", ""), *attrs.get("synonyms", ())]
        for rank, name in enumerate(names):
            if not name:
                continue
            for key in _keys(str(name)):
                score = (priority, min(rank, 2))
                current = candidates.get(key)
                if current is None or score < current[0]:  # type: ignore[operator]
                    candidates[key] = (score, node)  # type: ignore[assignment]
    index = {key: node for key, (_, node) in candidates.items()}
    _LAST[:] = [G, index]
    return index


def resolve(G: Any, name: str, *, types: Iterable[str] | None = None) -> str:
    """Resolve ``name`` to a node id, optionally requiring one of ``types``.

    Raises
    ------
    UnknownNameError
        With up to five suggestions from the graph's names.
    """
    index = name_index(G)
    wanted = set(types) if types is not None else None
    for key in _keys(name):
        node = index.get(key)
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
