"""Convergent hubs: the entities that many techniques and studies reach.

An entity is reached by a technique when at least one stimulation finding of that technique shows it increased
or decreased. Entities are ranked by the number of distinct techniques, then of studies; each also gets its
degree and betweenness centrality on the signalling layer (entity → entity links).

>>> from nibs_graph.api import load_graph
>>> top = hubs(load_graph())[0]
>>> top.label
'BDNF'
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from .. import vocab

__all__ = ["Hub", "hubs", "signalling_centrality"]


@dataclass(frozen=True)
class Hub:
    """One entity's convergence figures."""

    id: str
    label: str
    type: str
    techniques: tuple[str, ...]
    modalities: tuple[str, ...]
    studies: tuple[str, ...]
    findings: int
    unchanged_findings: int
    directions: dict[str, int]
    degree: int
    betweenness: float

    def to_dict(self) -> dict[str, Any]:
        """The documented JSON shape."""
        data = asdict(self)
        data["n_techniques"] = len(self.techniques)
        data["n_studies"] = len(self.studies)
        return data


def _modality(label: str) -> str:
    lineage = vocab.technique_lineage(label)
    return lineage[-2].label if len(lineage) >= 2 else lineage[-1].label


def signalling_centrality(
    G: Any, *, sample: int | None = None, seed: int = 0
) -> tuple[dict[str, int], dict[str, float]]:
    """Degree and betweenness centrality of entities on the signalling layer.

    Uses rustworkx when installed (fast on large graphs), else NetworkX; ``sample`` approximates betweenness
    from that many source nodes (NetworkX's ``k``).
    """
    edges = {
        (u, v) for u, nbrs in G.succ.items() for v, keys in nbrs.items() for data in keys.values() if "layer" in data
    }
    nodes = sorted({n for edge in edges for n in edge})
    degree = dict.fromkeys(nodes, 0)
    for u, v in edges:
        degree[u] += 1
        degree[v] += 1
    betweenness: dict[str, float]
    try:
        import rustworkx as rx

        graph = rx.PyDiGraph()
        index = {n: graph.add_node(n) for n in nodes}
        graph.add_edges_from_no_data([(index[u], index[v]) for u, v in sorted(edges)])
        scores = rx.digraph_betweenness_centrality(graph, normalized=True)
        betweenness = {n: float(scores[index[n]]) for n in nodes}
    except ImportError:
        import networkx as nx

        dg = nx.DiGraph()
        dg.add_nodes_from(nodes)
        dg.add_edges_from(sorted(edges))
        k = sample if sample and sample < len(nodes) else None
        betweenness = nx.betweenness_centrality(dg, k=k, seed=seed, normalized=True)
    return degree, betweenness


def hubs(G: Any, *, top: int | None = None, min_techniques: int = 1) -> list[Hub]:
    """Rank entities by the number of distinct techniques, then studies, that reach them.

    Parameters
    ----------
    G:
        The projection.
    top:
        Return only the first ``top`` entities.
    min_techniques:
        Leave out entities reached by fewer techniques.
    """
    reach: dict[str, dict[str, Any]] = {}
    for node, attrs in G.nodes.items():
        if attrs.get("type") != "technique":
            continue
        for target, keys in G.succ[node].items():
            for direction, data in keys.items():
                if direction not in vocab.DIRECTION_SIGNS:
                    continue
                entry = reach.setdefault(
                    target, {"techniques": set(), "studies": set(), "findings": set(), "unchanged": set(), "dirs": {}}
                )
                for record in data["evidence"]:
                    entry["dirs"][direction] = entry["dirs"].get(direction, 0) + 1
                    if direction == "unchanged":
                        entry["unchanged"].add(record["finding_id"])
                        continue
                    entry["techniques"].add(attrs["label"])
                    entry["studies"].add(record["study_id"])
                    entry["findings"].add(record["finding_id"])
    degree, betweenness = signalling_centrality(G)
    result = []
    for node, entry in reach.items():
        if len(entry["techniques"]) < min_techniques:
            continue
        attrs = G.nodes[node]
        techniques = tuple(sorted(entry["techniques"], key=lambda t: (list(vocab.TECHNIQUES).index(t), t)))
        result.append(
            Hub(
                id=node,
                label=attrs.get("label", node),
                type=attrs.get("type", ""),
                techniques=techniques,
                modalities=tuple(sorted({_modality(t) for t in techniques})),
                studies=tuple(sorted(entry["studies"])),
                findings=len(entry["findings"]),
                unchanged_findings=len(entry["unchanged"]),
                directions=dict(sorted(entry["dirs"].items())),
                degree=degree.get(node, 0),
                betweenness=round(betweenness.get(node, 0.0), 6),
            )
        )
    result.sort(key=lambda h: (-len(h.techniques), -len(h.studies), -h.findings, h.label))
    return result[:top] if top else result
