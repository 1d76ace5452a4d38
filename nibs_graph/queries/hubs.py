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
from operator import itemgetter
from typing import Any

from .. import vocab

__all__ = ["BETWEENNESS_SAMPLE", "EXACT_BETWEENNESS_MAX_NODES", "Hub", "hubs", "signalling_centrality"]

#: Up to this many entities on the signalling layer, :func:`hubs` computes betweenness exactly.
EXACT_BETWEENNESS_MAX_NODES = 10_000
#: Past it, betweenness is estimated from this many source nodes (exact Brandes on the 20,000 entities of a
#: million-finding base takes about 10 s on two cores; the estimate about 2 s, top-20 within about 12 %).
BETWEENNESS_SAMPLE = 1_000
_FINDING_ID = itemgetter("finding_id")
_STUDY_ID = itemgetter("study_id")


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
    #: Source nodes the betweenness was estimated from (None: exact).
    betweenness_sample: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """The documented JSON shape (``betweenness_sample`` only when the betweenness is an estimate)."""
        data = asdict(self)
        if data["betweenness_sample"] is None:
            del data["betweenness_sample"]
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

    Exact betweenness uses rustworkx when installed (fast on large graphs), else NetworkX. With ``sample`` smaller
    than the number of entities, betweenness is estimated from that many source nodes drawn with ``seed``
    (:func:`nibs_graph.scale.centrality.sampled_betweenness` with numpy and scipy, else NetworkX's ``k``).
    """
    return _centrality(_signalling_edges(G), sample, seed)


def _signalling_edges(G: Any) -> set[tuple[str, str]]:
    return {
        (u, v) for u, nbrs in G.succ.items() for v, keys in nbrs.items() for data in keys.values() if "layer" in data
    }


def _centrality(edges: set[tuple[str, str]], sample: int | None, seed: int) -> tuple[dict[str, int], dict[str, float]]:
    nodes = sorted({n for edge in edges for n in edge})
    degree = dict.fromkeys(nodes, 0)
    for u, v in edges:
        degree[u] += 1
        degree[v] += 1
    betweenness: dict[str, float]
    if sample is not None and sample < len(nodes):
        try:
            from ..scale.centrality import sampled_betweenness

            return degree, sampled_betweenness(nodes, sorted(edges), sample, seed=seed)
        except ImportError:  # no numpy / scipy: NetworkX's estimate
            return degree, _networkx_betweenness(nodes, edges, sample, seed)
    try:
        import rustworkx as rx

        graph = rx.PyDiGraph()
        index = {n: graph.add_node(n) for n in nodes}
        graph.add_edges_from_no_data([(index[u], index[v]) for u, v in sorted(edges)])
        scores = rx.digraph_betweenness_centrality(graph, normalized=True)
        betweenness = {n: float(scores[index[n]]) for n in nodes}
    except ImportError:
        betweenness = _networkx_betweenness(nodes, edges, None, seed)
    return degree, betweenness


def _networkx_betweenness(
    nodes: list[str], edges: set[tuple[str, str]], sample: int | None, seed: int
) -> dict[str, float]:
    import networkx as nx

    dg = nx.DiGraph()
    dg.add_nodes_from(nodes)
    dg.add_edges_from(sorted(edges))
    result: dict[str, float] = nx.betweenness_centrality(dg, k=sample, seed=seed, normalized=True)
    return result


def hubs(
    G: Any,
    *,
    top: int | None = None,
    min_techniques: int = 1,
    betweenness_sample: int | str | None = "auto",
) -> list[Hub]:
    """Rank entities by the number of distinct techniques, then studies, that reach them.

    Parameters
    ----------
    G:
        The projection.
    top:
        Return only the first ``top`` entities.
    min_techniques:
        Leave out entities reached by fewer techniques.
    betweenness_sample:
        ``"auto"``: exact betweenness up to :data:`EXACT_BETWEENNESS_MAX_NODES` signalling entities, else
        estimated from :data:`BETWEENNESS_SAMPLE` sources; ``None``: always exact; a number: estimated from that
        many sources. Each hub records the sample used (``betweenness_sample``, None when exact). The counts
        (techniques, studies, findings) are always exact.
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
                evidence = data["evidence"]
                if not evidence:
                    continue
                entry["dirs"][direction] = entry["dirs"].get(direction, 0) + len(evidence)
                if direction == "unchanged":
                    entry["unchanged"].update(map(_FINDING_ID, evidence))
                    continue
                entry["techniques"].add(attrs["label"])
                entry["studies"].update(map(_STUDY_ID, evidence))
                entry["findings"].update(map(_FINDING_ID, evidence))
    edges = _signalling_edges(G)
    sample: int | None
    if betweenness_sample == "auto":
        n_layer = len({n for edge in edges for n in edge})
        sample = BETWEENNESS_SAMPLE if n_layer > EXACT_BETWEENNESS_MAX_NODES else None
    elif betweenness_sample is None or isinstance(betweenness_sample, int):
        sample = betweenness_sample
    else:
        raise ValueError(f"betweenness_sample must be 'auto', None or a number, not {betweenness_sample!r}")
    degree, betweenness = _centrality(edges, sample, 0)
    sampled = sample if sample is not None and sample < len(degree) else None
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
                betweenness_sample=sampled,
            )
        )
    result.sort(key=lambda h: (-len(h.techniques), -len(h.studies), -h.findings, h.label))
    return result[:top] if top else result
