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

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from . import vocab
from .rdf import ENTITY_CLASSES, RELATION_PROPERTIES

if TYPE_CHECKING:
    import networkx as nx
    from rdflib import Graph

__all__ = [
    "EFFECT_RELATIONS",
    "FINDING_KEYS",
    "SIGNALLING_RELATIONS",
    "GraphData",
    "cited_order",
    "evidence_record",
    "project",
    "to_networkx",
]

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
#: The keys of a finding's evidence record (``graph["findings"]`` and the ``evidence`` of effect edges), in order.
FINDING_KEYS: tuple[str, ...] = (
    "finding_id",
    "study_id",
    "citation",
    "year",
    "doi",
    "species",
    "setting",
    "direction",
    "measure",
    "target",
    "target_label",
    "technique",
    "protocol",
    "protocol_label",
    "comparison",
    "model",
    "disease_model",
    "origin",
    "n_total",
    "stimulation_effect",
    "time_point",
    "region",
    "context",
    "source",
    "conflicts_with",
    "flags",
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
        keyed = self.succ[u].get(v)
        if keyed is None:
            keyed = self.succ[u][v] = {}
            self.pred[v].setdefault(u, {})
        data = keyed.get(key)
        if data is None:  # a new edge keeps the keyword dict itself (one dict per edge, sized once)
            data = keyed[key] = attrs
        else:
            data.update(attrs)
        self.pred[v][u][key] = data
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


class _EvidenceRecord:
    """Never used as an object: its instances lend their attribute dicts to :func:`evidence_record`."""


def evidence_record(values: Iterable[Any]) -> dict[str, Any]:
    """A finding's evidence record: a plain ``dict`` of :data:`FINDING_KEYS` to ``values`` (in that order).

    It is made as the attribute dict of a throw-away instance, so that all records share one table of keys
    (CPython's split dictionaries): about 320 bytes a record instead of 830, half a gigabyte less at a million
    findings. It behaves as any dict (equality, JSON, copies); a key added to one record gives it a table of its
    own.

    >>> record = evidence_record(range(len(FINDING_KEYS)))
    >>> type(record) is dict, record["finding_id"], record["flags"], list(record)[:2]
    (True, 0, 25, ['finding_id', 'study_id'])
    """
    record = _EvidenceRecord().__dict__
    record.update(zip(FINDING_KEYS, values, strict=True))
    return record


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

    from .rdf import oxigraph_quads
    from .scale.project import project_store

    store = ox.Store()
    store.bulk_extend(oxigraph_quads(g))
    return project_store(store)


def to_networkx(g: Graph) -> nx.MultiDiGraph:
    """Project an RDF graph onto a ``networkx.MultiDiGraph`` (see ``docs/architecture.md``)."""
    return project(g).to_networkx()
