"""The projection: the :class:`~nibs_graph.projection.GraphData` every query runs on, computed without an rdflib graph.

Two routes give the same projection (node keys, node attributes, edge keys, edge attributes, evidence records,
``graph["findings"]``), checked against each other in ``tests/test_scale.py`` (the builder's projection equals
``project_store`` of the N-Triples written in the same pass) and against hand-counted answers:

* :func:`project_store` reads any Oxigraph store holding a nibs-graph RDF graph with SPARQL aggregate queries:
  ``GROUP BY`` technique/protocol, target and direction for the effect edges (with their finding count and
  studies), ``GROUP_CONCAT`` for multi-valued attributes (synonyms, species, settings, conflicts), one query per
  node kind and one for the signalling links. It is what a store without its CSV files (``--store oxigraph:DIR``),
  a graph file (``--graph``, loaded into an in-memory store) and a remote store need.
* :class:`ProjectionBuilder` receives the validated rows from :func:`nibs_graph.validate.stream_rows` (while
  :func:`nibs_graph.scale.stream.stream_ntriples` writes them out, if asked) and assembles the same projection in
  that one pass. It is how every evidence base folder is compiled (:func:`nibs_graph.api.load_graph`), whatever its
  size: pulling a million findings back out of a RocksDB-backed store costs minutes on two cores (every finding
  IRI is a random read to decode; see ``benchmarks/RESULTS.md``), building them from the rows in hand costs seconds.

Effect edges carry every finding of the edge as evidence: the records are shared between the technique edge, the
protocol edge and ``graph["findings"]``, so an edge's evidence costs one pointer per finding; the counts are
``len(evidence)`` and every filter of the queries (species, setting, minimum studies) stays exact.

>>> from nibs_graph.paths import default_data_dir
>>> from nibs_graph.scale.stream import stream_ntriples
>>> tiny = default_data_dir().parent / "tests" / "data" / "tiny"
>>> builder = ProjectionBuilder()
>>> _ = stream_ntriples(tiny, None, consumer=builder)
>>> G = builder.graph
>>> sorted(G.succ["nibs:iTBS"]["HGNC:1033"])
['increased']
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import vocab
from ..errors import GraphFileError
from ..extensions import BUILTIN
from ..namespaces import DATA, NIBS, RDF_PREFIXES, compress, expand
from ..projection import (
    _ENTITY_TYPES,
    _RELATION_BY_PROPERTY,
    PROTOCOL_PARAMS,
    GraphData,
    cited_order,
    evidence_record,
)
from ..rdf import _decimal
from ..records import EvidenceBase
from ..validate import stream_rows
from . import gc_paused

if TYPE_CHECKING:
    import pyoxigraph

__all__ = ["ProjectionBuilder", "ontology_techniques", "project_data", "project_store", "technique_nodes"]

_SEP = "\u001f"  # separates GROUP_CONCAT items (a control character no CSV cell of the layout uses)
_PREFIXES = "\n".join(
    f"PREFIX {p}: <{iri}>"
    for p, iri in {
        "nibs": NIBS,
        "nibsdata": DATA,
        **{k: RDF_PREFIXES[k] for k in ("rdf", "rdfs", "skos", "prov", "owl", "dcterms")},
    }.items()
)
_SETTING_LABELS = {
    NIBS + "InVitro": "in vitro",
    NIBS + "ExVivo": "ex vivo",
    NIBS + "InVivo": "in vivo",
    NIBS + "Human": "human",
}
_SETTING_BY_LABEL = {v: k for k, v in _SETTING_LABELS.items()}
_XSD = RDF_PREFIXES["xsd"]


@dataclass
class _Parts:
    """What the projection is assembled from, whichever route read it."""

    techniques: list[tuple[str, str, tuple[str, ...], str | None]] = field(default_factory=list)
    entities: list[tuple[str, str, str, tuple[str, ...]]] = field(default_factory=list)
    protocols: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    findings: dict[str, dict[str, Any]] = field(default_factory=dict)
    links: list[tuple[str, str, str, str, str | None, dict[str, Any]]] = field(default_factory=list)
    version: str | None = None
    release: str | None = None


def _assemble(parts: _Parts) -> GraphData:
    """Build the :class:`GraphData` from its parts, whichever route read them (the same layout from both)."""
    out = GraphData()
    known = {t[0] for t in parts.techniques}
    for node, label, synonyms, parent in parts.techniques:
        out.add_node(node, label=label, type="technique", synonyms=synonyms)
        if parent is not None and parent in known:
            out.add_edge(node, parent, "subclass_of", relation="subclass_of", sign=None, evidence=())
    for node, label, type_name, synonyms in parts.entities:
        out.add_node(node, label=label, type=type_name, synonyms=synonyms)
    for node, attrs in parts.protocols:
        out.add_node(node, **attrs)
        if attrs["technique"]:
            out.add_edge(node, attrs["technique"], "uses_technique", relation="uses_technique", sign=None, evidence=())
    findings = parts.findings
    ids = sorted(findings)  # in id order, each edge's evidence comes out sorted
    effect_evidence: dict[tuple[str, str, str], list[dict[str, Any]]] = defaultdict(list)
    for fid in ids:
        record = findings[fid]
        if record["stimulation_effect"]:
            direction = record["direction"]
            effect_evidence[(record["protocol"], record["target"], direction)].append(record)
            effect_evidence[(record["technique"], record["target"], direction)].append(record)
    signs = vocab.DIRECTION_SIGNS
    shared: dict[tuple[str, ...], tuple[str, ...]] = {}  # equal studies tuples: one object (most are one study)
    keys = sorted(effect_evidence, reverse=True)
    while keys:  # in ascending order; each key and list freed once its edge holds a tuple (bounded peak memory)
        u, v, direction = key = keys.pop()
        records = effect_evidence.pop(key)
        studies = tuple(sorted({r["study_id"] for r in records}))
        out.add_edge(
            u,
            v,
            direction,
            relation=direction,
            sign=signs[direction],
            evidence=tuple(records),
            studies=shared.setdefault(studies, studies),
        )
    for source, target, link_id, relation, layer, evidence in parts.links:
        out.add_edge(
            source,
            target,
            link_id,
            relation=relation,
            sign=vocab.RELATION_SIGNS[relation],
            layer=layer,
            evidence=(evidence,),
            studies=evidence["studies"],
        )
    out.graph["data_version"] = parts.version
    out.graph["release"] = parts.release
    in_order = all(a == b for a, b in zip(findings, ids, strict=True))
    out.graph["findings"] = findings if in_order else {fid: findings[fid] for fid in ids}
    return out


# ------------------------------------------------------------------ SPARQL route


def _py(term: Any) -> Any:
    """A pyoxigraph term as the Python value rdflib's ``toPython`` gives for the projection's literals."""
    if term is None:
        return None
    datatype = getattr(term, "datatype", None)
    if datatype is None:  # an IRI or a blank node
        return term.value
    dt = datatype.value
    try:
        if dt == _XSD + "integer":
            return int(term.value)
        if dt == _XSD + "decimal":
            return float(term.value)
    except ValueError:  # an ill-typed literal of a graph file: kept as its text, as rdflib keeps it
        return term.value
    if dt == _XSD + "boolean":
        return term.value in {"true", "1"}
    return term.value


def _split(term: Any) -> list[str]:
    return [item for item in term.value.split(_SEP)] if term is not None and term.value else []


def _select(store: pyoxigraph.Store, query: str) -> Any:
    return store.query(_PREFIXES + "\n" + query)


def technique_nodes(store: pyoxigraph.Store) -> list[tuple[str, str, tuple[str, ...], str | None]]:
    """The technique classes under ``nibs:NIBS`` as ``(curie, label, synonyms, parent curie)``, sorted by IRI.

    >>> import pyoxigraph as ox
    >>> from nibs_graph.scale.stream import ontology_ntriples
    >>> store = ox.Store()
    >>> store.load(ontology_ntriples(), format=ox.RdfFormat.N_TRIPLES)
    >>> [t for t in technique_nodes(store) if t[0] == "nibs:iTBS"][0][3]
    'nibs:TBS'
    """
    rows = _select(
        store,
        f"""SELECT ?t (SAMPLE(?label) AS ?l) (SAMPLE(?parent) AS ?p)
          (GROUP_CONCAT(DISTINCT ?alt; separator="{_SEP}") AS ?alts)
        WHERE {{
          ?t rdfs:subClassOf* nibs:NIBS .
          OPTIONAL {{ ?t rdfs:label ?label }}
          OPTIONAL {{ ?t rdfs:subClassOf ?parent }}
          OPTIONAL {{ ?t skos:altLabel ?alt }}
        }} GROUP BY ?t""",
    )
    found = []
    for t, label, parent, alts in rows:
        iri = t.value
        local = iri[len(NIBS) :] if iri.startswith(NIBS) else iri
        found.append(
            (
                iri,
                compress(iri),
                label.value if label is not None else local,
                tuple(sorted(_split(alts))),
                compress(parent.value) if parent is not None else None,
            )
        )
    found.sort(key=lambda row: row[0])
    return [row[1:] for row in found]


#: What the projection needs of a finding and a signalling link (ontology/shapes.ttl requires each, once).
_FINDING_NEEDS = (
    "nibs:protocol",
    "nibs:technique",
    "nibs:target",
    "nibs:direction",
    "nibs:comparison",
    "prov:wasDerivedFrom",
    "nibs:targetLabel",
    "nibs:measure",
    "nibs:isStimulationEffect",
    "nibs:sourceLocation",
)
_LINK_NEEDS = ("nibs:linkSource", "nibs:linkTarget", "nibs:relation")


def _check_shapes(store: pyoxigraph.Store) -> None:
    """Refuse a graph the projection cannot read: a finding or link without a property it needs, a direction or
    relation outside the vocabulary (every such node named, at most ten).

    Raises
    ------
    GraphFileError
        Naming the nodes, e.g. ``nibsdata:finding/x has no nibs:target``.
    """
    missing: dict[str, list[str]] = defaultdict(list)
    for cls, needs in (("nibs:Finding", _FINDING_NEEDS), ("nibs:SignallingLink", _LINK_NEEDS)):
        for prop in needs:
            for (node,) in _select(store, f"SELECT ?n WHERE {{ ?n a {cls} FILTER NOT EXISTS {{ ?n {prop} ?o }} }}"):
                missing[compress(node.value)].append(prop)
    problems = [f"{node} has no {', '.join(props)}" for node, props in sorted(missing.items())]
    directions = ", ".join(f"nibs:{d}" for d in vocab.DIRECTIONS)
    for node, direction in _select(
        store, f"SELECT ?n ?d WHERE {{ ?n a nibs:Finding ; nibs:direction ?d FILTER(?d NOT IN ({directions})) }}"
    ):
        local = direction.value[len(NIBS) :] if direction.value.startswith(NIBS) else direction.value
        problems.append(f"{compress(node.value)} has direction {local!r}; allowed: {', '.join(vocab.DIRECTIONS)}")
    relations = ", ".join(f"nibs:{p}" for p in _RELATION_BY_PROPERTY)
    for node, relation in _select(
        store, f"SELECT ?n ?r WHERE {{ ?n a nibs:SignallingLink ; nibs:relation ?r FILTER(?r NOT IN ({relations})) }}"
    ):
        problems.append(f"{compress(node.value)} has an unknown relation {compress(relation.value)}")
    if problems:
        shown = "; ".join(problems[:10]) + (f"; and {len(problems) - 10} more" if len(problems) > 10 else "")
        raise GraphFileError(f"the graph does not conform to the nibs-graph shapes: {shown}")


def project_store(store: pyoxigraph.Store) -> GraphData:
    """Compute the projection of the nibs-graph RDF graph held in an Oxigraph store, with SPARQL queries.

    Parameters
    ----------
    store:
        A ``pyoxigraph.Store`` loaded with what :func:`nibs_graph.scale.stream.stream_ntriples` writes (or any
        graph conforming to ``ontology/shapes.ttl``), in its default graph.

    Returns
    -------
    GraphData
        The same projection as :func:`project_data` for the same evidence base.

    Raises
    ------
    GraphFileError
        When a finding or link lacks a property the projection needs, or has a direction or relation outside
        the vocabulary.

    Examples
    --------
    >>> import io, pyoxigraph as ox
    >>> from nibs_graph.paths import default_data_dir
    >>> from nibs_graph.scale.stream import stream_ntriples
    >>> buffer = io.BytesIO()
    >>> _ = stream_ntriples(default_data_dir().parent / "tests" / "data" / "tiny", buffer)
    >>> store = ox.Store()
    >>> store.load(buffer.getvalue(), format=ox.RdfFormat.N_TRIPLES)
    >>> G = project_store(store)
    >>> G.nodes["HGNC:1033"]["label"], len(G.graph["findings"])
    ('BDNF', 7)
    """
    _check_shapes(store)
    parts = _Parts(techniques=technique_nodes(store))

    for cls_local, type_name in _ENTITY_TYPES.items():
        rows = _select(
            store,
            f"""SELECT ?e (SAMPLE(?label) AS ?l) (GROUP_CONCAT(DISTINCT ?alt; separator="{_SEP}") AS ?alts)
            WHERE {{ ?e a nibs:{cls_local} . OPTIONAL {{ ?e rdfs:label ?label }} OPTIONAL {{ ?e skos:altLabel ?alt }} }}
            GROUP BY ?e""",
        )
        for e, label, alts in rows:
            node = compress(e.value)
            parts.entities.append(
                (node, label.value if label is not None else node, type_name, tuple(sorted(_split(alts))))
            )

    studies: dict[str, dict[str, Any]] = {}
    for s, sid, citation, label, year, doi, status, title, model, disease, origin, n_total, ref in _select(
        store,
        """SELECT ?s (SAMPLE(?sid) AS ?i) (SAMPLE(?cit) AS ?c) (SAMPLE(?lab) AS ?l) (SAMPLE(?y) AS ?yr)
           (SAMPLE(?doi) AS ?d) (SAMPLE(?st) AS ?ds) (SAMPLE(?ti) AS ?t) (SAMPLE(?mo) AS ?m) (SAMPLE(?di) AS ?dm)
           (SAMPLE(?oid) AS ?o) (SAMPLE(?nt) AS ?n) (SAMPLE(?rr) AS ?r)
        WHERE { ?s a nibs:Study . OPTIONAL { ?s nibs:reviewRef ?rr }
          OPTIONAL { ?s nibs:studyId ?sid } OPTIONAL { ?s nibs:citation ?cit } OPTIONAL { ?s rdfs:label ?lab }
          OPTIONAL { ?s nibs:year ?y } OPTIONAL { ?s nibs:doi ?doi } OPTIONAL { ?s nibs:doiStatus ?st }
          OPTIONAL { ?s dcterms:title ?ti } OPTIONAL { ?s nibs:model ?mo } OPTIONAL { ?s nibs:diseaseModel ?di }
          OPTIONAL { ?s dcterms:source ?src . ?src nibs:sourceId ?oid }
          OPTIONAL { ?s nibs:nTotal ?nt } }
        GROUP BY ?s""",
    ):
        doi_value = _py(doi)
        studies[s.value] = {
            "study_id": str(_py(sid) or compress(s.value)),
            "citation": str(_py(citation) or _py(label) or ""),
            "year": _py(year),
            "doi": str(doi_value) if doi_value else None,
            "doi_status": _py(status),
            "title": _py(title),
            "model": _py(model),
            "disease_model": _py(disease),
            "origin": _py(origin),
            "n_total": _py(n_total),
            "review_ref": _py(ref),
        }

    params = " ".join(f"(SAMPLE(?v{i}) AS ?p{i})" for i in range(len(PROTOCOL_PARAMS)))
    optionals = " ".join(f"OPTIONAL {{ ?p nibs:{k} ?v{i} }}" for i, k in enumerate(PROTOCOL_PARAMS))
    protocol_labels: dict[str, str] = {}
    for row in _select(
        store,
        f"""SELECT ?p (SAMPLE(?lab) AS ?l) (SAMPLE(?tech) AS ?t) (SAMPLE(?st) AS ?s) {params}
        WHERE {{ ?p a nibs:Protocol . OPTIONAL {{ ?p rdfs:label ?lab }} OPTIONAL {{ ?p nibs:technique ?tech }}
          OPTIONAL {{ ?p prov:hadPrimarySource ?st }} {optionals} }} GROUP BY ?p""",
    ):
        p, label, technique, study_node = row[0], row[1], row[2], row[3]
        study = studies.get(study_node.value, {}) if study_node is not None else {}
        attrs: dict[str, Any] = {
            "label": label.value if label is not None else compress(p.value),
            "type": "protocol",
            "synonyms": (),
            "technique": compress(technique.value) if technique is not None else None,
            "study_id": study.get("study_id"),
            "citation": study.get("citation"),
        }
        for key, term in zip(PROTOCOL_PARAMS, list(row)[4:], strict=True):
            if term is not None:
                attrs[key] = _py(term)
        protocol_labels[p.value] = attrs["label"]
        parts.protocols.append((compress(p.value), attrs))

    # findings: one row each; the star is joined by hash (one sub-select per property) rather than by a lookup per
    # finding and property, which Oxigraph does far more slowly
    single = {
        "study": "prov:wasDerivedFrom",
        "protocol": "nibs:protocol",
        "technique": "nibs:technique",
        "target": "nibs:target",
        "direction": "nibs:direction",
        "measure": "nibs:measure",
        "label": "nibs:targetLabel",
        "comparison": "nibs:comparison",
        "effect": "nibs:isStimulationEffect",
        "source": "nibs:sourceLocation",
    }
    required = " ".join(f"{{ SELECT ?f ?{v} WHERE {{ ?f {p} ?{v} }} }}" for v, p in single.items())
    optional = {"tp": "nibs:timePoint", "region": "nibs:region", "context": "nibs:context"}
    optional_part = " ".join(f"OPTIONAL {{ ?f {p} ?{v} }}" for v, p in optional.items())
    many = {
        "species": "nibs:species",
        "setting": "nibs:setting",
        "conflicts": "nibs:conflictsWith",
        "flags": "nibs:flag",
    }
    many_part = " ".join(f"OPTIONAL {{ ?f {p} ?m_{v} }}" for v, p in many.items())
    columns = [*single, *optional]
    select = " ".join(f"(SAMPLE(?{v}) AS ?s_{v})" for v in columns)
    concat = " ".join(f'(GROUP_CONCAT(DISTINCT STR(?m_{v}); separator="{_SEP}") AS ?c_{v})' for v in many)
    finding_prefix = DATA + "finding/"
    curie: dict[str, str] = {}

    def cached_compress(iri: str) -> str:
        value = curie.get(iri)
        if value is None:
            value = curie[iri] = compress(iri)
        return value

    for row in _select(
        store,
        f"""SELECT ?f {select} {concat} WHERE {{
          {{ SELECT ?f WHERE {{ ?f a nibs:Finding }} }} {required} {optional_part} {many_part}
        }} GROUP BY ?f""",
    ):
        values = list(row)
        f = values[0].value
        v = dict(zip(columns, values[1 : 1 + len(columns)], strict=True))
        species_items, setting_items, conflict_items, flag_items = (_split(t) for t in values[1 + len(columns) :])
        study = studies.get(v["study"].value, {})
        protocol = v["protocol"].value
        direction = v["direction"].value
        record = evidence_record(
            (
                f[len(finding_prefix) :] if f.startswith(finding_prefix) else f,  # finding_id
                study.get("study_id"),  # study_id
                study.get("citation"),  # citation
                study.get("year"),  # year
                study.get("doi"),  # doi
                "|".join(sorted(vocab.species_label(compress(s)) for s in species_items)),  # species
                "|".join(sorted(_SETTING_LABELS.get(s, s) for s in setting_items)),  # setting
                direction[len(NIBS) :] if direction.startswith(NIBS) else direction,  # direction
                _py(v["measure"]),  # measure
                cached_compress(v["target"].value),  # target
                _py(v["label"]),  # target_label
                cached_compress(v["technique"].value),  # technique
                cached_compress(protocol),  # protocol
                protocol_labels.get(protocol),  # protocol_label
                v["comparison"].value[len(NIBS) :],  # comparison
                study.get("model"),  # model
                study.get("disease_model"),  # disease_model
                study.get("origin"),  # origin
                study.get("n_total"),  # n_total
                bool(_py(v["effect"])),  # stimulation_effect
                _py(v["tp"]),  # time_point
                _py(v["region"]),  # region
                _py(v["context"]),  # context
                _py(v["source"]),  # source
                tuple(
                    sorted(c[len(finding_prefix) :] if c.startswith(finding_prefix) else c for c in conflict_items)
                ),  # conflicts_with
                tuple(sorted(f[len(NIBS) :] if f.startswith(NIBS) else f for f in flag_items)),  # flags
            )
        )
        parts.findings[record["finding_id"]] = record

    for link, source, target, relation, layer, location, reference, licence, basis, flags, cited in _select(
        store,
        f"""SELECT ?k (SAMPLE(?s) AS ?src) (SAMPLE(?t) AS ?tgt) (SAMPLE(?r) AS ?rel) (SAMPLE(?la) AS ?lay)
           (SAMPLE(?loc) AS ?where) (SAMPLE(?ref) AS ?refs) (SAMPLE(?lic) AS ?licence) (SAMPLE(?b) AS ?basis)
           (GROUP_CONCAT(DISTINCT STR(?fl); separator="{_SEP}") AS ?flags)
           (GROUP_CONCAT(DISTINCT STR(?st); separator="{_SEP}") AS ?cited)
        WHERE {{ ?k a nibs:SignallingLink ; nibs:linkSource ?s ; nibs:linkTarget ?t ; nibs:relation ?r .
          OPTIONAL {{ ?k nibs:layer ?la }} OPTIONAL {{ ?k nibs:sourceLocation ?loc }}
          OPTIONAL {{ ?k nibs:reference ?ref }} OPTIONAL {{ ?k dcterms:license ?lic }} OPTIONAL {{ ?k nibs:basis ?b }}
          OPTIONAL {{ ?k nibs:flag ?fl }} OPTIONAL {{ ?k prov:wasDerivedFrom ?st }} }}
        GROUP BY ?k""",
    ):
        link_id = link.value[len(DATA + "link/") :] if link.value.startswith(DATA + "link/") else link.value
        relation_name = _RELATION_BY_PROPERTY[relation.value[len(NIBS) :]]
        layer_value = _py(layer)
        parts.links.append(
            (
                compress(source.value),
                compress(target.value),
                link_id,
                relation_name,
                layer_value,
                {
                    "link_id": link_id,
                    "source": _py(location),
                    "reference": _py(reference),
                    "licence": _py(licence),
                    "layer": layer_value,
                    "basis": basis.value[len(NIBS) :] if basis is not None and basis.value.startswith(NIBS) else None,
                    "flags": tuple(sorted(f[len(NIBS) :] if f.startswith(NIBS) else f for f in _split(flags))),
                    "studies": cited_order([studies[c] for c in _split(cited) if c in studies]),
                },
            )
        )
    for version, release in _select(
        store, "SELECT ?v ?r WHERE { ?d a prov:Collection ; owl:versionInfo ?v OPTIONAL { ?d nibs:release ?r } }"
    ):
        parts.version = _py(version)
        parts.release = _py(release)
    return _assemble(parts)


# ------------------------------------------------------------------ stream route


#: The class the ontology puts ``nibs:NIBS`` under (outside the projection's technique nodes).
TECHNIQUE_ROOT_PARENT = "nibs:Technique"


@lru_cache(maxsize=1)
def ontology_techniques() -> list[tuple[str, str, tuple[str, ...], str | None]]:
    """:func:`technique_nodes` of the ontology alone (what the builder needs from it), from
    :data:`nibs_graph.vocab.TECHNIQUES`, which mirrors the ontology's technique classes: compiling a folder then
    needs no RDF parser (``tests/test_scale.py`` checks this list against the ontology read with SPARQL).

    >>> ontology_techniques()[0][:2]
    ('nibs:DCS', 'DCS')
    """
    found = [
        (
            t.curie,
            t.label,
            tuple(sorted(set(t.synonyms))),
            vocab.TECHNIQUES[t.parent].curie if t.parent else TECHNIQUE_ROOT_PARENT,
        )
        for t in vocab.TECHNIQUES.values()
    ]
    return sorted(found, key=lambda row: expand(row[0]))


class ProjectionBuilder:
    """Assemble the projection from the rows :func:`~nibs_graph.scale.stream.stream_ntriples` validates.

    Pass it as ``consumer=``; after a run without validation error, :attr:`graph` holds the projection. It sees
    the small files as records (:meth:`begin`) and each finding as its parsed row (:meth:`finding`).

    Examples
    --------
    >>> from nibs_graph.paths import default_data_dir
    >>> from nibs_graph.scale.stream import stream_ntriples
    >>> builder = ProjectionBuilder()
    >>> _ = stream_ntriples(default_data_dir().parent / "tests" / "data" / "tiny", None, consumer=builder)
    >>> builder.graph.graph["findings"]["alpha2020-f01"]["citation"]
    'Alpha et al., 2020'
    """

    def __init__(self) -> None:
        self._parts = _Parts()
        self._studies: dict[str, dict[str, Any]] = {}
        self._protocols: dict[str, tuple[str, str, str]] = {}  # id -> (curie, label, technique curie)
        self._graph: GraphData | None = None
        self._techniques = BUILTIN.techniques

    @property
    def graph(self) -> GraphData:
        """The projection (after :meth:`finish`)."""
        if self._graph is None:
            raise RuntimeError("the stream has not finished")
        return self._graph

    def begin(self, base: EvidenceBase) -> None:
        """Take the small files (validated) before the findings."""
        studies, protocols, entities, links = base.studies, base.protocols, base.entities, base.links
        vocabulary = base.vocabulary
        self._techniques = (vocabulary or BUILTIN).techniques
        declared = (vocabulary or BUILTIN).extension_techniques()
        self._parts.techniques = [
            *ontology_techniques(),
            *(
                (t.curie, t.label, tuple(sorted(set(t.synonyms))), self._techniques[t.parent or "NIBS"].curie)
                for t in declared
            ),
        ]
        for cls_type in _ENTITY_TYPES.values():
            for e in entities.values():
                if e.type == cls_type:
                    self._parts.entities.append(
                        (compress(expand(e.id)), e.label, e.type, tuple(sorted(set(e.synonyms))))
                    )
        for s in studies.values():
            self._studies[s.study_id] = {
                "study_id": s.study_id,
                "citation": s.citation,
                "year": s.year,
                "doi": s.doi or None,
                "model": s.model,
                "disease_model": s.disease_model or None,
                "origin": s.source_id,
                "n_total": s.n_total,
                "species": tuple(sorted(set(s.species))),
                "setting": tuple(sorted(set(s.setting))),
                "review_ref": s.review_ref,
            }
        for p in protocols.values():
            label = f"{p.technique} ({p.arm_label})" if p.arm_label else f"{p.technique} ({p.protocol_id})"
            technique = compress(expand(self._techniques[p.technique].curie))
            study = self._studies[p.study_id]
            attrs: dict[str, Any] = {
                "label": label,
                "type": "protocol",
                "synonyms": (),
                "technique": technique,
                "study_id": study["study_id"],
                "citation": study["citation"],
            }
            values: dict[str, Any] = {
                "armLabel": p.arm_label or None,
                "polarity": p.polarity or None,
                "frequencyHz": p.frequency_hz,
                "burstFrequencyHz": p.burst_frequency_hz,
                "pattern": p.pattern or None,
                "intensityMin": p.intensity[0] if p.intensity is not None else None,
                "intensityMax": p.intensity[1] if p.intensity is not None else None,
                "intensityUnit": p.intensity_unit or None,
                "pulsesPerSession": p.pulses_per_session,
                "sessionDurationMin": p.session_duration_min,
                "sessions": p.sessions,
                "sessionSpacing": p.session_spacing or None,
                "treatmentDuration": p.treatment_duration or None,
                "site": p.site or None,
            }
            for key in PROTOCOL_PARAMS:
                value = values[key]
                if value is None:
                    continue
                if isinstance(value, float):
                    value = float(_decimal(value))  # the xsd:decimal lexical form the graph holds
                attrs[key] = value
            node = f"nibsdata:protocol/{p.protocol_id}"
            self._protocols[p.protocol_id] = (node, label, technique)
            self._parts.protocols.append((node, attrs))
        refs = {s.review_ref: s.study_id for s in studies.values() if s.review_ref is not None}
        for link in links.values():
            evidence = {
                "link_id": link.link_id,
                "source": link.source,
                "reference": link.reference or None,
                "licence": link.licence,
                "layer": link.layer,
                "basis": link.basis,
                "flags": tuple(sorted(set(link.flags))),
                "studies": cited_order([self._studies[sid] for sid in link.cited(refs)]),
            }
            self._parts.links.append(
                (
                    compress(expand(link.source_id)),
                    compress(expand(link.target_id)),
                    link.link_id,
                    link.relation,
                    link.layer,
                    evidence,
                )
            )
        self._targets: dict[str, str] = {}
        self._technique_curies = {label: t.curie for label, t in self._techniques.items()}  # one string each
        self._strings: dict[str, str] = {}  # shares equal strings between records

    def finding(self, row: dict[str, Any]) -> None:
        """Take one validated ``findings.csv`` row."""
        study = self._studies[row["study_id"]]
        protocol, protocol_label, _ = self._protocols[row["protocol_id"]]
        target = self._targets.get(row["target_id"])
        if target is None:
            target = self._targets[row["target_id"]] = compress(expand(row["target_id"]))
        share = self._strings.setdefault
        species = row["species"] or "|".join(study["species"])
        setting = row["setting"] or "|".join(study["setting"])
        record = evidence_record(
            (
                row["finding_id"],  # finding_id
                study["study_id"],  # study_id
                study["citation"],  # citation
                study["year"],  # year
                study["doi"],  # doi
                share(species, species),  # species
                share(setting, setting),  # setting
                share(row["direction"], row["direction"]),  # direction
                share(row["measure"], row["measure"]),  # measure
                target,  # target
                share(row["target_label"], row["target_label"]),  # target_label
                self._technique_curies[row["technique"]],  # technique
                protocol,  # protocol
                protocol_label,  # protocol_label
                share(row["comparison"], row["comparison"]),  # comparison
                study["model"],  # model
                study["disease_model"],  # disease_model
                study["origin"],  # origin
                study["n_total"],  # n_total
                row["comparison"] in vocab.STIMULATION_COMPARISONS,  # stimulation_effect
                share(row["time_point"], row["time_point"]) if row["time_point"] else None,  # time_point
                share(row["region"], row["region"]) if row["region"] else None,  # region
                row["context"] or None,  # context
                share(row["source"], row["source"]),  # source
                tuple(sorted(set(row["conflict"]))),  # conflicts_with
                tuple(sorted(set(row["flags"]))),  # flags
            )
        )
        self._parts.findings[row["finding_id"]] = record

    def finish(self, version: str, release: str | None = None) -> None:
        """Assemble the projection once every row has been seen."""
        self._parts.version = version
        self._parts.release = release
        self._graph = _assemble(self._parts)
        self._parts = _Parts()


def project_data(data_dir: Path | str, layers: Iterable[str] = ()) -> GraphData:
    """Validate an evidence base folder and assemble its projection in one streaming pass.

    How :func:`nibs_graph.api.load_graph` compiles a folder: no rdflib graph, no record per row held beyond the
    projection's own evidence records.

    Raises
    ------
    DataValidationError
        The problems :func:`nibs_graph.validate.read_evidence_base` reports for the same files.

    Examples
    --------
    >>> from nibs_graph.paths import default_data_dir
    >>> G = project_data(default_data_dir().parent / "tests" / "data" / "tiny")
    >>> G.nodes["nibs:iTBS"]["label"], G.number_of_edges()
    ('iTBS', 36)
    """
    builder = ProjectionBuilder()
    with gc_paused():
        stream_rows(data_dir, layers, builder)
    return builder.graph
