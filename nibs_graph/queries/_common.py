"""Helpers shared by the queries: node summaries, technique families, the public shape of evidence records."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

REVIEW_CITATION = "Sveva et al., 2025 (review)"
REVIEW_DOI = "10.3390/cells14241996"


def node_summary(G: Any, node: str) -> dict[str, Any]:
    """``{"id", "label", "type"}`` of a node."""
    attrs = G.nodes[node]
    return {"id": node, "label": attrs.get("label", node), "type": attrs.get("type", "")}


def signalling_edges(G: Any) -> Iterator[tuple[str, str, Any, Any]]:
    """``(u, v, layer, relation)`` of every edge with a ``layer`` (signalling links and family membership), in
    ``succ`` order: a cached graph reads them from their own columns, any other graph is scanned.

    >>> from nibs_graph.api import load_graph
    >>> next(signalling_edges(load_graph()))[3] in {"activates", "inhibits", "has_member", "binds"}
    True
    """
    section = getattr(G, "signalling_edges", None)
    if section is not None:
        yield from section()
        return
    for u, nbrs in G.succ.items():
        for v, keys in nbrs.items():
            for data in keys.values():
                if "layer" in data:
                    yield u, v, data["layer"], data.get("relation")


def nodes_of_type(G: Any, kind: str) -> list[tuple[str, dict[str, Any]]]:
    """``(node, attributes)`` of the nodes of type ``kind``, in node order (a cached graph reads only those).

    >>> from nibs_graph.api import load_graph
    >>> "nibs:iTBS" in dict(nodes_of_type(load_graph(), "technique"))
    True
    """
    section = getattr(G, "nodes_of_type", None)
    if section is not None:
        return list(section(kind))
    return [(node, attrs) for node, attrs in G.nodes.items() if attrs.get("type") == kind]


def technique_nodes_under(G: Any, node: str) -> list[str]:
    """A technique node and every technique node under it in the hierarchy (via ``subclass_of`` edges)."""
    found = [node]
    stack = [node]
    while stack:
        current = stack.pop()
        pred = G.pred.get(current, {})
        edge_keys = getattr(pred, "edge_keys", None)  # a cached graph lists the keys without reading the edges
        for child in pred:
            keys = edge_keys(child) if edge_keys is not None else pred[child]
            if "subclass_of" in keys and child not in found:
                found.append(child)
                stack.append(child)
    return found


def filter_evidence(
    evidence: Iterable[dict[str, Any]], species: str | None = None, setting: str | None = None
) -> list[dict[str, Any]]:
    """Keep the evidence records measured in ``species`` and ``setting`` (either may be None: no filter).

    The species and setting test of :class:`~nibs_graph.queries.filters.EvidenceFilter`, for callers that filter on
    those two only.
    """
    from .filters import measured_in

    return [r for r in evidence if measured_in(r, species, setting)]


def evidence_item(record: dict[str, Any]) -> dict[str, Any]:
    """The public shape of one evidence record (effect finding or signalling link)."""
    if "finding_id" in record:
        return {
            "finding_id": record["finding_id"],
            "study_id": record["study_id"],
            "citation": record["citation"],
            "year": record["year"],
            "doi": record["doi"],
            "species": record["species"],
            "setting": record["setting"],
            "direction": record["direction"],
            "measure": record["measure"],
            "target_label": record["target_label"],
            "protocol": record["protocol"],
            "source": record["source"],
            "origin": record.get("origin"),
            "flags": list(record.get("flags") or ()),
        }
    citation = REVIEW_CITATION if record.get("layer") == "review" else str(record.get("layer"))
    return {
        "link_id": record["link_id"],
        "study_id": None,
        "citation": citation,
        "year": 2025 if record.get("layer") == "review" else None,
        "doi": REVIEW_DOI if record.get("layer") == "review" else None,
        "species": None,
        "setting": None,
        "direction": None,
        "source": record.get("source"),
        "reference": record.get("reference"),
        "studies": list(record.get("studies") or ()),
        "basis": record.get("basis"),
        "flags": list(record.get("flags") or ()),
        "layer": record.get("layer"),
        "licence": record.get("licence"),
    }


def technique_lineage_labels(G: Any, label: str) -> list[str]:
    """A technique's label and its ancestors' labels, most specific first (built in, or declared by the data).

    Built-in techniques follow :func:`nibs_graph.vocab.technique_lineage`; a technique an evidence base declared in
    ``vocabulary.csv`` follows the graph's ``subclass_of`` edges up to a built-in one.
    """
    from .. import vocab

    chain: list[str] = []
    current: str | None = label
    while current is not None and current not in vocab.TECHNIQUES:
        chain.append(current)
        node = next((n for n, a in G.nodes.items() if a.get("type") == "technique" and a.get("label") == current), None)
        parents = [p for p, keys in G.succ.get(node, {}).items() if "subclass_of" in keys] if node else []
        current = str(G.nodes[parents[0]].get("label")) if parents else None
    if current is None:
        return chain or [label]
    return chain + [t.label for t in vocab.technique_lineage(current)]


def study_citations(G: Any) -> dict[str, str]:
    """study id → short citation, from the finding records of the graph (computed once per graph)."""
    cached = _CITATIONS.get(id(G))
    if cached is not None and cached[0] is G:
        return cached[1]
    citations = {r["study_id"]: r["citation"] for r in G.graph.get("findings", {}).values() if r.get("study_id")}
    _CITATIONS.clear()
    _CITATIONS[id(G)] = (G, citations)
    return citations


_CITATIONS: dict[int, tuple[Any, dict[str, str]]] = {}
