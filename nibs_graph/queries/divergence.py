"""Where techniques that reach a hub part ways downstream.

For a hub (e.g. BDNF), every entity downstream of it on the signalling layer (up to ``max_depth`` links) is a
candidate cascade step. A technique that reaches the hub *continues into* a downstream entity when it was also
observed to change that entity. The answer lists, per technique, the cascades it continues into, and per
downstream entity, which techniques do and do not go on to it.

>>> from nibs_graph.api import load_graph
>>> d = divergence(load_graph(), "BDNF")
>>> d.hub
'HGNC:1033'
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Any

from ..resolve import resolve
from ._common import evidence_item, node_summary
from .filters import NO_FILTER, EvidenceFilter

__all__ = ["Divergence", "divergence"]

_CHANGE = ("increased", "decreased")


@dataclass
class Divergence:
    """The answer of :func:`divergence`."""

    hub: str
    downstream: dict[str, list[str]]  # entity -> signalling route from the hub (node ids)
    techniques: dict[str, dict[str, Any]]  # technique -> {"hub": [evidence], "continues": {entity: {...}}}
    branches: list[dict[str, Any]]

    def to_dict(self, G: Any) -> dict[str, Any]:
        """The documented JSON shape."""
        return {
            "hub": node_summary(G, self.hub),
            "techniques": [
                {
                    "technique": node_summary(G, t),
                    "hub_directions": info["hub_directions"],
                    "hub_evidence": [evidence_item(e) for e in info["hub_evidence"]],
                    "continues_into": [
                        {
                            "entity": node_summary(G, entity),
                            "route": [node_summary(G, n) for n in self.downstream[entity]],
                            "directions": step["directions"],
                            "same_studies": step["same_studies"],
                            "evidence": [evidence_item(e) for e in step["evidence"]],
                        }
                        for entity, step in info["continues"].items()
                    ],
                }
                for t, info in self.techniques.items()
            ],
            "branches": [
                {
                    "entity": node_summary(G, b["entity"]),
                    "route": [node_summary(G, n) for n in b["route"]],
                    "techniques": [node_summary(G, t) for t in b["techniques"]],
                    "not_reached_by": [node_summary(G, t) for t in b["not_reached_by"]],
                }
                for b in self.branches
            ],
        }


def _kept(G: Any, keys: dict[str, Any], flt: EvidenceFilter) -> dict[str, Any]:
    """The effect edges (direction → data) whose evidence passes the filter, with only that evidence."""
    if not flt.active:
        return keys
    kept = {}
    for d in _CHANGE:
        if d in keys:
            records = flt.keep(keys[d]["evidence"], G)
            if records and flt.enough(r["study_id"] for r in records):
                kept[d] = {**keys[d], "evidence": tuple(records)}
    return kept


def _downstream(G: Any, hub: str, max_depth: int, flt: EvidenceFilter = NO_FILTER) -> dict[str, list[str]]:
    """Entities reachable from the hub on the signalling layer, with a shortest route to each."""
    routes = {hub: [hub]}
    queue = deque([hub])
    while queue:
        node = queue.popleft()
        if len(routes[node]) > max_depth:
            continue
        for nxt, keys in sorted(G.succ[node].items()):
            if nxt in routes or not any(
                "layer" in d and d.get("sign") and flt.keep(d["evidence"], G) for d in keys.values()
            ):
                continue
            routes[nxt] = [*routes[node], nxt]
            queue.append(nxt)
    routes.pop(hub)
    return routes


def divergence(
    G: Any,
    hub: str,
    *,
    max_depth: int = 4,
    same_study: bool = False,
    evidence_filter: EvidenceFilter | None = None,
) -> Divergence:
    """For the techniques that reach ``hub``, the downstream cascades each continues into and where they differ.

    Parameters
    ----------
    G:
        The projection.
    hub:
        An entity name (``BDNF``, ``TrkB`` ...).
    max_depth:
        How many signed signalling links below the hub to look.
    same_study:
        Count a downstream entity only when a study that showed the hub change also showed it (otherwise the
        technique's evidence on the hub and downstream may come from different studies; ``same_studies`` says).
    evidence_filter:
        Count only the findings it accepts (species, setting, flags) and walk only the signalling links it
        accepts; a change needs ``min_studies`` studies.
    """
    flt = evidence_filter or NO_FILTER
    node = resolve(G, hub)
    downstream = _downstream(G, node, max_depth, flt)
    techniques: dict[str, dict[str, Any]] = {}
    for t, attrs in sorted(G.nodes.items()):
        if attrs.get("type") != "technique":
            continue
        keys = _kept(G, G.succ[t].get(node, {}), flt)
        hub_dirs = [d for d in _CHANGE if d in keys]
        if not hub_dirs:
            continue
        hub_studies = {e["study_id"] for d in hub_dirs for e in keys[d]["evidence"]}
        continues: dict[str, dict[str, Any]] = {}
        for entity in downstream:
            ekeys = _kept(G, G.succ[t].get(entity, {}), flt)
            dirs = [d for d in _CHANGE if d in ekeys]
            if dirs:
                step_evidence = [e for d in dirs for e in ekeys[d]["evidence"]]
                shared = sorted({e["study_id"] for e in step_evidence} & hub_studies)
                if same_study and not shared:
                    continue
                continues[entity] = {"directions": dirs, "evidence": step_evidence, "same_studies": shared}
        techniques[t] = {
            "hub_directions": hub_dirs,
            "hub_evidence": [e for d in hub_dirs for e in keys[d]["evidence"]],
            "continues": continues,
        }
    branches = []
    for entity, route in sorted(downstream.items(), key=lambda item: (len(item[1]), item[0])):
        reached = [t for t, info in techniques.items() if entity in info["continues"]]
        if reached:
            branches.append(
                {
                    "entity": entity,
                    "route": route,
                    "techniques": reached,
                    "not_reached_by": [t for t in techniques if t not in reached],
                }
            )
    return Divergence(hub=node, downstream=downstream, techniques=techniques, branches=branches)
