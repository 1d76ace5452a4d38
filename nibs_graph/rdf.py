"""Compile the validated evidence base into the canonical RDF graph (rdflib).

Every finding becomes a node with its protocol, target, direction, measured aspect, context and provenance
(PROV-O: the finding ``prov:wasDerivedFrom`` its study, whose IRI is its DOI where verified). For simple queries a
direct ``technique → entity`` and ``protocol → entity`` triple is added per direction (``nibs:increases``,
``nibs:decreases``, ``nibs:doesNotChange``) for findings that are stimulation effects. Signalling links become
direct triples (``nibs:activates`` ...) plus a ``nibs:SignallingLink`` node with their source and licence. The
ontology's triples are included so that the technique hierarchy can be queried.

>>> from nibs_graph.paths import default_data_dir
>>> from nibs_graph.validate import read_evidence_base
>>> g = to_rdf(read_evidence_base(default_data_dir()))
>>> from rdflib import URIRef
>>> (URIRef("https://w3id.org/nibs-graph/ontology#iTBS"), None, None) in g
True
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import vocab
from .extensions import vocabulary_of
from .namespaces import DATA, NIBS, PREFIXES, RDF_PREFIXES, doi_iri, expand
from .paths import ontology_dir
from .records import EvidenceBase, Finding, Protocol, Source, Study
from .regions import ground

if TYPE_CHECKING:
    from rdflib import Graph, URIRef

__all__ = [
    "DIRECTION_PROPERTIES",
    "RELATION_PROPERTIES",
    "SETTING_TERMS",
    "SOURCE_CLASSES",
    "bind_prefixes",
    "dataset_triples",
    "entity_class",
    "read_graph",
    "source_iri",
    "source_triples",
    "study_iri",
    "technique_triples",
    "to_rdf",
]

#: direction → direct effect property (local name in ``nibs:``).
DIRECTION_PROPERTIES = {"increased": "increases", "decreased": "decreases", "unchanged": "doesNotChange"}
#: relation in ``pathways.csv`` → signalling property (local name in ``nibs:``).
RELATION_PROPERTIES = {
    "activates": "activates",
    "inhibits": "inhibits",
    "increases_expression": "increasesExpression",
    "decreases_expression": "decreasesExpression",
    "binds": "binds",
    "has_member": "hasMember",
    "part_of": "partOf",
}
#: setting → individual (local name in ``nibs:``).
SETTING_TERMS = {"in vitro": "InVitro", "ex vivo": "ExVivo", "in vivo": "InVivo", "human": "Human"}
#: entity type → class (local name in ``nibs:``).
ENTITY_CLASSES = {
    "gene_or_protein": "GeneOrProtein",
    "family_or_complex": "FamilyOrComplex",
    "small_molecule": "SmallMolecule",
    "biological_process": "BiologicalProcess",
    "phenotype": "Phenotype",
}


def entity_class(entity_type: str) -> str:
    """The ontology class (CURIE) of an entity type.

    >>> entity_class("small_molecule")
    'nibs:SmallMolecule'
    """
    return "nibs:" + ENTITY_CLASSES[entity_type]


def study_iri(study: Study) -> str:
    """A study's IRI: its DOI where verified, else an IRI in the project's data namespace."""
    if study.doi and study.doi_status == "verified":
        return doi_iri(study.doi)  # percent-encoded where an IRI needs it (a SICI DOI holds < and >)
    return f"{DATA}study/{study.study_id}"


def bind_prefixes(graph: Graph) -> Graph:
    """Bind every prefix nibs-graph documents, so Turtle output and SPARQL share them."""
    for prefix, iri in {**RDF_PREFIXES, **PREFIXES}.items():
        graph.bind(prefix, iri, override=True, replace=True)
    return graph


def to_rdf(base: EvidenceBase, *, include_ontology: bool = True) -> Graph:
    """Compile an evidence base into an rdflib graph.

    Parameters
    ----------
    base:
        A validated evidence base (:func:`nibs_graph.validate.read_evidence_base`).
    include_ontology:
        Add the triples of ``ontology/nibs.ttl`` (the technique hierarchy, labels, definitions).
    """
    from rdflib import Graph, Literal, URIRef
    from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, SKOS, XSD

    g = bind_prefixes(Graph())
    if include_ontology:
        g.parse(ontology_dir() / "nibs.ttl", format="turtle")

    def n(local: str) -> URIRef:
        return URIRef(NIBS + local)

    def iri(curie: str) -> URIRef:
        return URIRef(expand(curie))

    def lit(value: object, datatype: URIRef | None = None) -> Literal:
        return Literal(value, datatype=datatype)

    add = g.add
    techniques = vocabulary_of(base).techniques
    for declared in vocabulary_of(base).extension_techniques():  # from vocabulary.csv: classes under their parent
        for triple in technique_triples(declared, techniques):
            add(triple)
    for source in base.sources.values():
        for triple in source_triples(source):
            add(triple)
    study_nodes: dict[str, URIRef] = {}
    for s in base.studies.values():
        node = URIRef(study_iri(s))
        study_nodes[s.study_id] = node
        add((node, RDF.type, n("Study")))
        add((node, n("studyId"), lit(s.study_id)))
        add((node, RDFS.label, lit(s.citation)))
        add((node, n("citation"), lit(s.citation)))
        add((node, DCTERMS.title, lit(s.title)))
        add((node, n("firstAuthor"), lit(s.first_author)))
        add((node, n("year"), lit(s.year, XSD.integer)))
        add((node, n("journal"), lit(s.journal)))
        add((node, DCTERMS.source, URIRef(source_iri(s.source_id))))
        if s.review_ref is not None:
            add((node, n("reviewRef"), lit(s.review_ref, XSD.integer)))
        if s.review_table is not None:
            add((node, n("reviewTable"), lit(s.review_table)))
        add((node, n("doiStatus"), lit(s.doi_status)))
        add((node, n("model"), lit(s.model)))
        add((node, n("humanTranslation"), lit(s.human_translation == "yes", XSD.boolean)))
        add((node, n("sourceLocation"), lit(s.source)))
        for key, value in (("doi", s.doi), ("pmcid", s.pmcid), ("diseaseModel", s.disease_model)):
            if value:
                add((node, n(key), lit(value)))
        if s.pmid is not None:
            add((node, n("pmid"), lit(str(s.pmid))))
        if s.n_total is not None:
            add((node, n("nTotal"), lit(s.n_total, XSD.integer)))
        for label in s.techniques:
            add((node, n("technique"), iri(techniques[label].curie)))
        for sp in s.species:
            add((node, n("species"), iri(vocab.species_curie(sp))))
        for st in s.setting:
            add((node, n("setting"), n(SETTING_TERMS[st])))
        for value in s.strain:
            add((node, n("strain"), lit(value)))
        for value in s.groups:
            add((node, n("group"), lit(value)))
        for value in s.methods:
            add((node, n("method"), lit(value)))

    protocol_nodes: dict[str, URIRef] = {}
    for p in base.protocols.values():
        node = URIRef(f"{DATA}protocol/{p.protocol_id}")
        protocol_nodes[p.protocol_id] = node
        _add_protocol(g, node, p, study_nodes[p.study_id], n, iri, lit, techniques)

    for e in base.entities.values():
        node = iri(e.id)
        add((node, RDF.type, n(ENTITY_CLASSES[e.type])))
        add((node, RDFS.label, lit(e.label)))
        add((node, n("entityType"), lit(e.type)))
        add((node, n("idSource"), lit(e.id_source)))
        for syn in e.synonyms:
            add((node, SKOS.altLabel, lit(syn)))
        for xref in e.xrefs:
            add((node, SKOS.exactMatch, iri(xref)))
        if e.notes:
            add((node, RDFS.comment, lit(e.notes)))

    for f in base.findings.values():
        _add_finding(g, f, base, study_nodes, protocol_nodes, n, iri, lit)

    refs = base.review_refs()
    for link in base.links.values():
        node = URIRef(f"{DATA}link/{link.link_id}")
        prop = n(RELATION_PROPERTIES[link.relation])
        add((iri(link.source_id), prop, iri(link.target_id)))
        add((node, RDF.type, n("SignallingLink")))
        add((node, n("linkSource"), iri(link.source_id)))
        add((node, n("linkTarget"), iri(link.target_id)))
        add((node, n("relation"), prop))
        add((node, n("layer"), lit(link.layer)))
        add((node, n("basis"), n(str(link.basis))))
        add((node, n("sourceLocation"), lit(link.source)))
        add((node, DCTERMS.license, lit(link.licence)))
        if link.reference:
            add((node, n("reference"), lit(link.reference)))
        for study_id in link.cited(refs):
            add((node, PROV.wasDerivedFrom, study_nodes[study_id]))
        for flag in link.flags:
            add((node, n("flag"), n(flag)))
        if link.notes:
            add((node, RDFS.comment, lit(link.notes)))

    for triple in dataset_triples(base):
        add(triple)
    return g


def technique_triples(
    t: vocab.Technique, techniques: Mapping[str, vocab.Technique] = vocab.TECHNIQUES
) -> list[tuple[Any, Any, Any]]:
    """The class of a technique an evidence base declares in ``vocabulary.csv``: under its parent, with its names.

    >>> from nibs_graph.vocab import Technique
    >>> t = Technique("tRNS", "technique/tRNS", "tES", "random noise stimulation", "Noise.", prefix="nibsdata")
    >>> len(technique_triples(t))
    5
    """
    from rdflib import Literal, URIRef
    from rdflib.namespace import OWL, RDF, RDFS, SKOS

    node = URIRef(expand(t.curie))
    parent = techniques[t.parent or "NIBS"].curie
    out: list[tuple[Any, Any, Any]] = [
        (node, RDF.type, OWL.Class),
        (node, RDFS.subClassOf, URIRef(expand(parent))),
        (node, RDFS.label, Literal(t.label)),
        (node, SKOS.prefLabel, Literal(t.name)),
        (node, SKOS.definition, Literal(t.definition)),
    ]
    out.extend((node, SKOS.altLabel, Literal(s)) for s in t.synonyms)
    return out


def source_iri(source_id: str) -> str:
    """The IRI of a source (a review or a curation batch) of ``sources.csv``.

    >>> source_iri("sveva2025")
    'https://w3id.org/nibs-graph/data/source/sveva2025'
    """
    return f"{DATA}source/{source_id}"


#: source kind → class (local name in ``nibs:``); both are subclasses of ``nibs:Source`` (a ``prov:Entity``).
SOURCE_CLASSES = {"review": "Review", "curation": "CurationBatch"}


def source_triples(source: Source) -> list[tuple[Any, Any, Any]]:
    """The triples of one source: its class, citation, DOI, licence, curator and date.

    A study points to its source with ``dcterms:source`` (the related resource it is derived from).

    >>> from nibs_graph.validate import DEFAULT_SOURCE
    >>> len(source_triples(DEFAULT_SOURCE))
    9
    """
    from rdflib import Literal, URIRef
    from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, XSD

    node = URIRef(source_iri(source.source_id))
    out: list[tuple[Any, Any, Any]] = [
        (node, RDF.type, URIRef(NIBS + SOURCE_CLASSES[source.kind])),
        (node, RDF.type, PROV.Entity),
        (node, URIRef(NIBS + "sourceId"), Literal(source.source_id)),
        (node, URIRef(NIBS + "sourceKind"), Literal(source.kind)),
        (node, RDFS.label, Literal(source.citation)),
        (node, DCTERMS.bibliographicCitation, Literal(source.citation)),
    ]
    if source.doi:
        out.append((node, URIRef(NIBS + "doi"), Literal(source.doi)))
        out.append((node, RDFS.seeAlso, URIRef("https://doi.org/" + source.doi)))
    if source.licence:
        out.append((node, DCTERMS.license, Literal(source.licence)))
    if source.curator:
        out.append((node, DCTERMS.creator, Literal(source.curator)))
    if source.date:
        out.append((node, DCTERMS.date, Literal(source.date, datatype=XSD.date)))
    if source.notes:
        out.append((node, RDFS.comment, Literal(source.notes)))
    return out


def dataset_triples(base: EvidenceBase) -> list[tuple[Any, Any, Any]]:
    """The dataset node: its data version, release name (when the data is a release) and the reviews it draws on."""
    from rdflib import Literal, URIRef
    from rdflib.namespace import DCTERMS, OWL, PROV, RDF

    dataset = URIRef(DATA + "dataset")
    out: list[tuple[Any, Any, Any]] = [
        (dataset, RDF.type, PROV.Collection),
        (dataset, OWL.versionInfo, Literal(base.version)),
    ]
    if base.release:
        out.append((dataset, URIRef(NIBS + "release"), Literal(base.release)))
    for source in base.sources.values():
        if source.kind == "review" and source.doi:
            out.append((dataset, DCTERMS.source, URIRef("https://doi.org/" + source.doi)))
    return out


def _add_protocol(
    g: Graph,
    node: URIRef,
    p: Protocol,
    study: URIRef,
    n: Any,
    iri: Any,
    lit: Any,
    techniques: Mapping[str, vocab.Technique] = vocab.TECHNIQUES,
) -> None:
    from rdflib.namespace import PROV, RDF, RDFS, XSD

    technique_iri = iri(techniques[p.technique].curie)
    add = g.add
    add((node, RDF.type, n("Protocol")))
    add((node, RDF.type, technique_iri))
    add((node, n("technique"), technique_iri))
    add((node, PROV.hadPrimarySource, study))
    label = f"{p.technique} ({p.arm_label})" if p.arm_label else f"{p.technique} ({p.protocol_id})"
    add((node, RDFS.label, lit(label)))
    add((node, n("sourceLocation"), lit(p.source)))
    texts = {
        "armLabel": p.arm_label,
        "polarity": p.polarity,
        "pattern": p.pattern,
        "intensityUnit": p.intensity_unit,
        "sessionSpacing": p.session_spacing,
        "treatmentDuration": p.treatment_duration,
        "site": p.site,
    }
    for key, value in texts.items():
        if value:
            add((node, n(key), lit(value)))
    decimals = {
        "frequencyHz": p.frequency_hz,
        "burstFrequencyHz": p.burst_frequency_hz,
        "sessionDurationMin": p.session_duration_min,
    }
    if p.intensity is not None:
        decimals["intensityMin"], decimals["intensityMax"] = p.intensity
    for key, number in decimals.items():
        if number is not None:
            add((node, n(key), lit(_decimal(number), XSD.decimal)))
    for key, count in (("pulsesPerSession", p.pulses_per_session), ("sessions", p.sessions)):
        if count is not None:
            add((node, n(key), lit(count, XSD.integer)))
    if p.notes:
        add((node, RDFS.comment, lit(p.notes)))


def _decimal(number: float) -> str:
    """Write a number as an xsd:decimal lexical form (``10``, ``0.5``)."""
    return f"{number:.6f}".rstrip("0").rstrip(".") if number != int(number) else str(int(number))


def _add_finding(
    g: Graph,
    f: Finding,
    base: EvidenceBase,
    study_nodes: dict[str, URIRef],
    protocol_nodes: dict[str, URIRef],
    n: Any,
    iri: Any,
    lit: Any,
) -> None:
    from rdflib import URIRef
    from rdflib.namespace import PROV, RDF, RDFS, XSD

    add = g.add
    node = URIRef(f"{DATA}finding/{f.finding_id}")
    protocol = protocol_nodes[f.protocol_id]
    target = iri(f.target_id)
    technique_iri = iri(vocabulary_of(base).techniques[f.technique].curie)
    effect = f.comparison in vocab.STIMULATION_COMPARISONS
    add((node, RDF.type, n("Finding")))
    add((node, RDFS.label, lit(f"{f.technique} {f.direction} {f.target_label} ({f.finding_id})")))
    add((node, PROV.wasDerivedFrom, study_nodes[f.study_id]))
    add((node, n("protocol"), protocol))
    add((node, n("technique"), technique_iri))
    add((node, n("target"), target))
    add((node, n("targetLabel"), lit(f.target_label)))
    add((node, n("direction"), n(f.direction)))
    add((node, n("measure"), lit(f.measure)))
    add((node, n("comparison"), n(f.comparison)))
    add((node, n("isStimulationEffect"), lit(effect, XSD.boolean)))
    add((node, n("sourceLocation"), lit(f.source)))
    study = base.studies[f.study_id]
    for sp in (f.species,) if f.species else study.species:
        add((node, n("species"), iri(vocab.species_curie(sp))))
    for st in (f.setting,) if f.setting else study.setting:
        add((node, n("setting"), n(SETTING_TERMS[st])))
    for key, value in (("timePoint", f.time_point), ("region", f.region), ("context", f.context)):
        if value:
            add((node, n(key), lit(value)))
    region = f.region_id or ground(f.region)  # an atlas name of nibs_graph.regions is grounded to its UBERON term
    if region:
        add((node, n("regionEntity"), iri(region)))
    if f.notes:
        add((node, RDFS.comment, lit(f.notes)))
    for other in f.conflict:
        add((node, n("conflictsWith"), URIRef(f"{DATA}finding/{other}")))
    for flag in f.flags:
        add((node, n("flag"), n(flag)))
    if effect:
        prop = n(DIRECTION_PROPERTIES[f.direction])
        add((protocol, prop, target))
        add((technique_iri, prop, target))


def read_graph(path: Path | str) -> Graph:
    """Read a Turtle (or N-Triples, JSON-LD by extension) file written by nibs-graph or conforming to its shapes.

    Raises
    ------
    GraphFileError
        When the file is missing or does not parse, or is refused by :mod:`nibs_graph.graphfile` (a JSON-LD
        context that is not inline, an XML entity declaration, a limit passed); the message names the file and
        the reason.
    """
    from rdflib import Graph
    from rdflib.util import guess_format

    from .graphfile import parse_graph, read_graph_bytes

    path = Path(path)
    data = read_graph_bytes(path)  # a regular file within the size limit
    fmt = guess_format(str(path)) or "turtle"
    # checked before rdflib sees it (no remote or file @context, no XML entities, prefix/nesting/list limits)
    return parse_graph(bind_prefixes(Graph()), data, fmt, str(path), public_id=path.resolve().as_uri())
