"""Project the canonical RDF graph onto a NetworkX ``MultiDiGraph``.

The projection reads only the RDF graph (never the CSV files), so a SPARQL answer and a path answer cannot
disagree, and any conforming Turtle file can be projected. See ``docs/architecture.md`` for the node and edge
attributes.

The projection is first built as a :class:`GraphData` (plain dicts in the layout NetworkX uses: ``nodes``,
``succ``, ``pred``, ``graph``), which is what the cache stores; :meth:`GraphData.to_networkx` turns it into a
``networkx.MultiDiGraph``. The queries accept either, so that ``nibs-graph path`` never has to import NetworkX
or rdflib when the cache is warm.

>>> from nibs_graph.api import load_graph
>>> G = load_graph()
>>> G.nodes["nibs:iTBS"]["type"]
'technique'
>>> G.nodes["HGNC:1033"]["label"]
'BDNF'
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from . import vocab
from .errors import GraphFileError
from .namespaces import DATA, NIBS, compress
from .rdf import ENTITY_CLASSES, RELATION_PROPERTIES

if TYPE_CHECKING:
    import networkx as nx
    from rdflib import Graph

__all__ = ["EFFECT_RELATIONS", "SIGNALLING_RELATIONS", "GraphData", "cited_order", "project", "to_networkx"]

EFFECT_RELATIONS: frozenset[str] = frozenset(vocab.DIRECTIONS)
SIGNALLING_RELATIONS: frozenset[str] = frozenset(vocab.RELATION_SIGNS)
_SETTING_LABELS = {"InVitro": "in vitro", "ExVivo": "ex vivo", "InVivo": "in vivo", "Human": "human"}
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


def _local(iri: str, base: str = NIBS) -> str:
    return iri[len(base) :] if iri.startswith(base) else iri


def project(g: Graph) -> GraphData:
    """Project an RDF graph (as built by :func:`nibs_graph.rdf.to_rdf`) onto a :class:`GraphData`.

    Raises
    ------
    GraphFileError
        When a finding or signalling link lacks a property the projection needs (the graph does not conform to
        ``ontology/shapes.ttl``); every such node is named.
    """
    from rdflib import RDF, RDFS, SKOS, URIRef
    from rdflib.namespace import DCTERMS, PROV

    def n(local: str) -> URIRef:
        return URIRef(NIBS + local)

    def value(s: Any, p: Any) -> Any:
        o = g.value(s, p)
        return None if o is None else o.toPython() if hasattr(o, "toPython") else o

    out = GraphData()

    # techniques: the classes under nibs:NIBS
    root = n("NIBS")
    techniques = {root, *(t for t in g.transitive_subjects(RDFS.subClassOf, root) if t is not None)}
    for t in sorted(techniques, key=str):
        node = compress(str(t))
        label = str(g.value(t, RDFS.label) or _local(str(t)))
        out.add_node(
            node,
            label=label,
            type="technique",
            synonyms=tuple(sorted(str(s) for s in g.objects(t, SKOS.altLabel))),
        )
        parent = g.value(t, RDFS.subClassOf)
        if parent is not None and parent in techniques:
            out.add_edge(node, compress(str(parent)), "subclass_of", relation="subclass_of", sign=None, evidence=())

    # entities
    for cls_local, type_name in _ENTITY_TYPES.items():
        for e in g.subjects(RDF.type, n(cls_local)):
            out.add_node(
                compress(str(e)),
                label=str(g.value(e, RDFS.label) or compress(str(e))),
                type=type_name,
                synonyms=tuple(sorted(str(s) for s in g.objects(e, SKOS.altLabel))),
            )

    # studies
    studies: dict[Any, dict[str, Any]] = {}
    for s in g.subjects(RDF.type, n("Study")):
        doi = value(s, n("doi"))
        studies[s] = {
            "study_id": str(value(s, n("studyId")) or compress(str(s))),
            "citation": str(value(s, n("citation")) or value(s, RDFS.label) or ""),
            "year": value(s, n("year")),
            "doi": str(doi) if doi else None,
            "doi_status": value(s, n("doiStatus")),
            "title": value(s, DCTERMS.title),
            "model": value(s, n("model")),
            "disease_model": value(s, n("diseaseModel")),
            "origin": value(g.value(s, DCTERMS.source), n("sourceId")) if g.value(s, DCTERMS.source) else None,
            "n_total": value(s, n("nTotal")),
            "review_ref": value(s, n("reviewRef")),
        }

    # protocols
    protocol_info: dict[Any, dict[str, Any]] = {}
    for p in g.subjects(RDF.type, n("Protocol")):
        technique = g.value(p, n("technique"))
        study = studies.get(g.value(p, PROV.hadPrimarySource), {})
        attrs: dict[str, Any] = {
            "label": str(g.value(p, RDFS.label) or compress(str(p))),
            "type": "protocol",
            "synonyms": (),
            "technique": compress(str(technique)) if technique is not None else None,
            "study_id": study.get("study_id"),
            "citation": study.get("citation"),
        }
        for key in PROTOCOL_PARAMS:
            v = value(p, n(key))
            if v is not None:
                attrs[key] = float(v) if hasattr(v, "as_integer_ratio") and not isinstance(v, int) else v
        node = compress(str(p))
        protocol_info[p] = attrs
        out.add_node(node, **attrs)
        if attrs["technique"]:
            out.add_edge(node, attrs["technique"], "uses_technique", relation="uses_technique", sign=None, evidence=())

    # findings
    effect_evidence: dict[tuple[str, str, str], list[dict[str, Any]]] = defaultdict(list)
    all_findings: dict[str, dict[str, Any]] = {}
    problems: list[str] = []

    def require(node: Any, *local_names: str) -> bool:
        missing = [name for name in local_names if g.value(node, n(name)) is None]
        if missing:
            problems.append(f"{compress(str(node))} has no {', '.join('nibs:' + m for m in missing)}")
        return not missing

    for f in g.subjects(RDF.type, n("Finding")):
        if not require(f, "protocol", "technique", "target", "direction", "comparison"):
            continue
        direction_local = _local(str(g.value(f, n("direction"))))
        if direction_local not in vocab.DIRECTION_SIGNS:
            problems.append(
                f"{compress(str(f))} has direction {direction_local!r}; allowed: {', '.join(vocab.DIRECTIONS)}"
            )
            continue
        study = studies.get(g.value(f, PROV.wasDerivedFrom), {})
        protocol = g.value(f, n("protocol"))
        technique = g.value(f, n("technique"))
        target = g.value(f, n("target"))
        direction = _local(str(g.value(f, n("direction"))))
        species = sorted(vocab.species_label(compress(str(o))) for o in g.objects(f, n("species")))
        settings = sorted(_SETTING_LABELS.get(_local(str(o)), str(o)) for o in g.objects(f, n("setting")))
        effect = bool(value(f, n("isStimulationEffect")))
        record = {
            "finding_id": _local(str(f), DATA + "finding/"),
            "study_id": study.get("study_id"),
            "citation": study.get("citation"),
            "year": study.get("year"),
            "doi": study.get("doi"),
            "species": "|".join(species),
            "setting": "|".join(settings),
            "direction": direction,
            "measure": value(f, n("measure")),
            "target": compress(str(target)),
            "target_label": value(f, n("targetLabel")),
            "technique": compress(str(technique)),
            "protocol": compress(str(protocol)),
            "protocol_label": protocol_info.get(protocol, {}).get("label"),
            "comparison": _local(str(g.value(f, n("comparison")))),
            "model": study.get("model"),
            "disease_model": study.get("disease_model"),
            "origin": study.get("origin"),
            "n_total": study.get("n_total"),
            "stimulation_effect": effect,
            "time_point": value(f, n("timePoint")),
            "region": value(f, n("region")),
            "context": value(f, n("context")),
            "source": value(f, n("sourceLocation")),
            "conflicts_with": tuple(
                sorted(_local(str(o), DATA + "finding/") for o in g.objects(f, n("conflictsWith")))
            ),
            "flags": tuple(sorted(_local(str(o)) for o in g.objects(f, n("flag")))),
        }
        all_findings[record["finding_id"]] = record
        if effect:
            effect_evidence[(record["protocol"], record["target"], direction)].append(record)
            effect_evidence[(record["technique"], record["target"], direction)].append(record)

    for (u, v, direction), records in sorted(effect_evidence.items()):
        records.sort(key=lambda r: r["finding_id"])
        out.add_edge(
            u,
            v,
            direction,
            relation=direction,
            sign=vocab.DIRECTION_SIGNS[direction],
            evidence=tuple(records),
            studies=tuple(sorted({r["study_id"] for r in records})),
        )

    # signalling links
    for link in g.subjects(RDF.type, n("SignallingLink")):
        if not require(link, "linkSource", "linkTarget", "relation"):
            continue
        if _local(str(g.value(link, n("relation")))) not in _RELATION_BY_PROPERTY:
            problems.append(
                f"{compress(str(link))} has an unknown relation {compress(str(g.value(link, n('relation'))))}"
            )
            continue
        source = g.value(link, n("linkSource"))
        target = g.value(link, n("linkTarget"))
        relation = _RELATION_BY_PROPERTY[_local(str(g.value(link, n("relation"))))]
        link_id = _local(str(link), DATA + "link/")
        cited = cited_order([studies[o] for o in g.objects(link, PROV.wasDerivedFrom) if o in studies])
        basis = g.value(link, n("basis"))
        out.add_edge(
            compress(str(source)),
            compress(str(target)),
            link_id,
            relation=relation,
            sign=vocab.RELATION_SIGNS[relation],
            layer=value(link, n("layer")),
            evidence=(
                {
                    "link_id": link_id,
                    "source": value(link, n("sourceLocation")),
                    "reference": value(link, n("reference")),
                    "licence": value(link, DCTERMS.license),
                    "layer": value(link, n("layer")),
                    "basis": _local(str(basis)) if basis is not None else None,
                    "flags": tuple(sorted(_local(str(o)) for o in g.objects(link, n("flag")))),
                    "studies": cited,
                },
            ),
            studies=cited,
        )

    if problems:
        shown = "; ".join(problems[:10]) + (f"; and {len(problems) - 10} more" if len(problems) > 10 else "")
        raise GraphFileError(f"the graph does not conform to the nibs-graph shapes: {shown}")
    version = release = None
    for s in g.subjects(RDF.type, PROV.Collection):
        version = value(s, URIRef("http://www.w3.org/2002/07/owl#versionInfo"))
        release = value(s, n("release"))
    out.graph["data_version"] = version
    out.graph["release"] = release
    out.graph["findings"] = dict(sorted(all_findings.items()))
    return out


def to_networkx(g: Graph) -> nx.MultiDiGraph:
    """Project an RDF graph onto a ``networkx.MultiDiGraph`` (see ``docs/architecture.md``)."""
    return project(g).to_networkx()
