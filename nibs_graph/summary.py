"""Summary figures of a compiled graph (``nibs-graph info``)."""

from __future__ import annotations

from collections import Counter
from typing import Any

__all__ = ["graph_info"]


def graph_info(G: Any) -> dict[str, Any]:
    """Counts of nodes by type, edges by relation, findings by direction, studies, the data version and release.

    ``studies_by_source`` counts the studies with findings per source (``sources.csv``: the review, another review,
    a curation batch). ``release`` is the name of the data release (``data/releases.csv``) the data version is, or
    None when the data has changed since the last release (or the graph records none).

    >>> from nibs_graph.api import load_graph
    >>> graph_info(load_graph())["studies"]
    30
    """
    nodes = Counter(attrs.get("type", "") for attrs in G.nodes.values())
    relations: Counter[str] = Counter()
    for nbrs in G.succ.values():
        for keys in nbrs.values():
            for data in keys.values():
                relations[data.get("relation", "")] += 1
    findings = G.graph.get("findings", {})
    by_source: dict[str, set[str]] = {}
    for f in findings.values():
        by_source.setdefault(str(f.get("origin") or "unknown"), set()).add(f["study_id"])
    local_ids = sorted(n for n in G.nodes if n.startswith("nibsent:"))
    return {
        "data_version": G.graph.get("data_version"),
        "release": G.graph.get("release"),
        "studies": len({f["study_id"] for f in findings.values()} | _studies_of_protocols(G)),
        "studies_by_source": {origin: len(ids) for origin, ids in sorted(by_source.items())},
        "findings": len(findings),
        "stimulation_findings": sum(1 for f in findings.values() if f["stimulation_effect"]),
        "findings_by_direction": dict(sorted(Counter(f["direction"] for f in findings.values()).items())),
        "nodes_by_type": dict(sorted(nodes.items())),
        "edges_by_relation": dict(sorted(relations.items())),
        "entities_without_external_id": len(local_ids),
    }


def _studies_of_protocols(G: Any) -> set[str]:
    return {a["study_id"] for a in G.nodes.values() if a.get("type") == "protocol" and a.get("study_id")}
