"""The projection of the RDF graph: a :class:`GraphData` every query runs on.

The projection is a :class:`GraphData` (plain dicts in the layout NetworkX uses: ``nodes``, ``succ``, ``pred``,
``graph``), which is what the cache stores; :meth:`GraphData.to_networkx` turns it into a
``networkx.MultiDiGraph``. The queries accept either, so that ``nibs-graph path`` never has to import NetworkX
or rdflib. It is assembled by :mod:`nibs_graph.scale.project` from the validated rows of an evidence base (the
same pass that writes its RDF), or computed from RDF triples with SPARQL (a graph file, a store); tests check
that both give the same projection. See ``docs/architecture.md`` for the node and edge attributes.

>>> from nibs_graph.api import load_graph
>>> G = load_graph()
>>> G.nodes["nibs:iTBS"]["type"]
'technique'
>>> G.nodes["HGNC:1033"]["label"]
'BDNF'
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from . import vocab
from .errors import GraphFileError
from .rdf import ENTITY_CLASSES, RELATION_PROPERTIES

if TYPE_CHECKING:
    import networkx as nx
    from rdflib import Graph

__all__ = ["EFFECT_RELATIONS", "SIGNALLING_RELATIONS", "GraphData", "cited_order", "project", "to_networkx"]

EFFECT_RELATIONS: frozenset[str] = frozenset(vocab.DIRECTIONS)
SIGNALLING_RELATIONS: frozenset[str] = frozenset(vocab.RELATION_SIGNS)
#: Protocol parameters (local names in ``nibs:``) carried onto protocol nodes.
PROTOCOL_PARAMS = (
    "armLabel",
    "polarity",
    "frequencyHz",
    "burstFrequencyHz",
    "pattern",
    "intensityMin",
    "intensityMax",
    "intensityUnit",
    "pulsesPerSession",
    "sessionDurationMin",
    "sessions",
    "sessionSpacing",
    "treatmentDuration",
    "site",
)
_RELATION_BY_PROPERTY = {prop: relation for relation, prop in RELATION_PROPERTIES.items()}
_ENTITY_TYPES = {cls: entity_type for entity_type, cls in ENTITY_CLASSES.items()}


@dataclass
class GraphData:
    """A directed multigraph in NetworkX's own layout, made of plain dicts (cheap to pickle and load).

    ``succ[u][v][key]`` and ``pred[v][u][key]`` are the same edge-attribute dict; ``nodes[n]`` is the node's
    attribute dict; ``graph`` holds graph attributes (``data_version``, ``findings``: every finding's evidence
    record, stimulation effect or not).
    """

    graph: dict[str, Any] = field(default_factory=dict)
    nodes: dict[str, dict[str, Any]] = field(default_factory=dict)
    succ: dict[str, dict[str, dict[str, dict[str, Any]]]] = field(default_factory=dict)
    pred: dict[str, dict[str, dict[str, dict[str, Any]]]] = field(default_factory=dict)

    def add_node(self, node: str, **attrs: Any) -> None:
        """Add a node or update its attributes."""
        self.nodes.setdefault(node, {}).update(attrs)
        self.succ.setdefault(node, {})
        self.pred.setdefault(node, {})

    def add_edge(self, u: str, v: str, key: str, **attrs: Any) -> dict[str, Any]:
        """Add (or return the existing) edge ``u → v`` with ``key``; returns its attribute dict."""
        for node in (u, v):
            if node not in self.nodes:
                self.add_node(node)
        data = self.succ[u].setdefault(v, {}).setdefault(key, {})
        data.update(attrs)
        self.pred[v].setdefault(u, {})[key] = data
        return data

    def edges(self) -> list[tuple[str, str, str, dict[str, Any]]]:
        """Every edge as ``(u, v, key, data)``, in a stable order."""
        return [
            (u, v, k, d)
            for u in sorted(self.succ)
            for v in sorted(self.succ[u])
            for k, d in sorted(self.succ[u][v].items())
        ]

    def number_of_edges(self) -> int:
        """The number of edges."""
        return sum(len(keys) for nbrs in self.succ.values() for keys in nbrs.values())

    def to_networkx(self) -> nx.MultiDiGraph:
        """The same graph as a ``networkx.MultiDiGraph`` (attribute dicts are shared, not copied)."""
        import networkx as nx

        G = nx.MultiDiGraph()
        G.graph.update(self.graph)
        for node in sorted(self.nodes):
            G.add_node(node, **self.nodes[node])
        for u, v, key, data in self.edges():
            G.add_edge(u, v, key=key, **data)
        return G


def cited_order(studies: list[dict[str, Any]]) -> tuple[str, ...]:
    """The ids of the studies a link cites, in the order of their review reference numbers."""
    ordered = sorted(studies, key=lambda s: (s.get("review_ref") or 0, s["study_id"]))
    return tuple(dict.fromkeys(s["study_id"] for s in ordered))


def project(g: Graph) -> GraphData:
    """Project an rdflib graph (a ``--graph`` file, a remote store's triples) onto a :class:`GraphData`.

    The triples are loaded into an in-memory Oxigraph store and projected by
    :func:`nibs_graph.scale.project.project_store`, the one projection from RDF.

    Raises
    ------
    GraphFileError
        When a finding or signalling link lacks a property the projection needs (the graph does not conform to
        ``ontology/shapes.ttl``; every such node is named), or a term Oxigraph cannot read.

    Examples
    --------
    >>> from nibs_graph.paths import default_data_dir
    >>> from nibs_graph.rdf import to_rdflib
    >>> project(to_rdflib(default_data_dir().parent / "tests" / "data" / "tiny")).nodes["HGNC:1033"]["label"]
    'BDNF'
    """
    import pyoxigraph as ox

    from .scale.project import project_store

    data = g.serialize(format="nt", encoding="utf-8")
    store = ox.Store()
    try:
        store.bulk_load(data if isinstance(data, bytes) else data.encode("utf-8"), format=ox.RdfFormat.N_TRIPLES)
    except (SyntaxError, ValueError) as exc:
        raise GraphFileError(f"the graph cannot be projected: {exc}") from None
    return project_store(store)


def to_networkx(g: Graph) -> nx.MultiDiGraph:
    """Project an RDF graph onto a ``networkx.MultiDiGraph`` (see ``docs/architecture.md``)."""
    return project(g).to_networkx()
