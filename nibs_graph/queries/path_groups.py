"""Paths as a reader sees them: paths that differ only in the relation of a hop are one route listing both.

Two signalling statements can link the same pair of molecules (``Ca2+ activates BDNF`` and ``Ca2+ increases the
expression of BDNF``); a search returns one path per combination. For reading, such paths are one *route*: the
same nodes, the same sign and the same verdict, with the hop listing every relation and the evidence of each.
Paths whose variants change the sign stay apart (they predict different things).

>>> from nibs_graph.api import load_graph
>>> from nibs_graph.queries.paths import paths
>>> result = paths(load_graph(), "tDCS", "CREB")
>>> routes = group_paths(result.paths)
>>> len(result.paths), len(routes)
(14, 13)
>>> [h.relations for h in routes[11].hops if len(h.relations) > 1]
[('activates', 'increases_expression')]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .paths import EvidenceStep

__all__ = ["Route", "RouteHop", "contradicting_evidence", "group_paths"]


@dataclass(frozen=True)
class RouteHop(EvidenceStep):
    """One step of a route: one or more relations between the same two nodes, with their evidence."""

    source: str
    target: str
    relations: tuple[str, ...]
    sign: int | None
    evidence: tuple[dict[str, Any], ...]
    #: Signalling step: the cited studies that observed both ends under the filter (when it asks for support).
    support: tuple[str, ...] = ()
    #: Kept only because of ``allow_assumed`` (no support under the filter).
    assumed: bool = False

    @property
    def relation(self) -> str:
        """The relations joined with `` / `` (one relation: itself)."""
        return " / ".join(self.relations)

    @property
    def studies(self) -> frozenset[str]:
        """Distinct studies behind the step."""
        return frozenset(e["study_id"] for e in self.evidence if e.get("study_id"))


@dataclass(frozen=True)
class Route:
    """Paths with the same nodes, sign and verdict; ``merged`` is how many paths it stands for."""

    nodes: tuple[str, ...]
    hops: tuple[RouteHop, ...]
    sign: int | None
    consistency: str
    observed: tuple[str, ...]
    merged: int


def group_paths(paths: list[Any]) -> list[Route]:
    """Merge the paths that differ only in a hop's relation (same nodes, sign and verdict), keeping their order."""
    order: list[tuple[Any, ...]] = []
    groups: dict[tuple[Any, ...], list[Any]] = {}
    for path in paths:
        key = (tuple(path.nodes), path.sign, path.consistency, tuple(path.observed))
        if key not in groups:
            groups[key] = []
            order.append(key)
        groups[key].append(path)
    routes = []
    for key in order:
        members = groups[key]
        hops = []
        for i, first in enumerate(members[0].hops):
            relations: list[str] = []
            evidence: list[dict[str, Any]] = []
            support: list[str] = []
            seen: set[int] = set()
            for path in members:
                hop = path.hops[i]
                if hop.relation not in relations:
                    relations.append(hop.relation)
                support.extend(s for s in hop.support if s not in support)
                for record in hop.evidence:
                    if id(record) not in seen:
                        seen.add(id(record))
                        evidence.append(record)
            assumed = all(path.hops[i].assumed for path in members)
            hops.append(
                RouteHop(
                    first.source, first.target, tuple(relations), first.sign, tuple(evidence), tuple(support), assumed
                )
            )
        routes.append(Route(key[0], tuple(hops), key[1], key[2], key[3], len(members)))
    return routes


def contradicting_evidence(G: Any, route: Route, filters: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """The findings of the route's first technique (or protocol) on its target that went against its prediction.

    For a ``contradicted`` route: the direct observations in the direction(s) the route did not predict, under the
    same evidence filter as the search (species, setting, flags). Empty for any other verdict.
    """
    from .filters import EvidenceFilter

    if route.consistency != "contradicted" or route.sign in (None, 0):
        return []
    expected = "increased" if route.sign > 0 else "decreased"
    keys = G.succ[route.nodes[0]].get(route.nodes[-1], {})
    flt = EvidenceFilter.from_dict(filters or {})
    found = []
    for direction in route.observed:
        if direction == expected or direction not in keys:
            continue
        found.extend(flt.keep(keys[direction]["evidence"], G))
    return found
