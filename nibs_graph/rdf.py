"""The RDF model of nibs-graph: its IRIs and properties, and reading the graph into rdflib.

The graph itself is written by one writer, :mod:`nibs_graph.scale.stream` (N-Triples, streamed while the rows are
validated): every finding becomes a node with its protocol, target, direction, measured aspect, context and
provenance (PROV-O: the finding ``prov:wasDerivedFrom`` its study, whose IRI is its DOI where verified). For simple
queries a direct ``technique → entity`` and ``protocol → entity`` triple is added per direction
(``nibs:increases``, ``nibs:decreases``, ``nibs:doesNotChange``) for findings that are stimulation effects.
Signalling links become direct triples (``nibs:activates`` ...) plus a ``nibs:SignallingLink`` node with their
source and licence. The ontology's triples are included so that the technique hierarchy can be queried.

:func:`to_rdflib` parses those N-Triples into an rdflib graph (the library's RDF model: SHACL with pyshacl,
Turtle and JSON-LD exports); :func:`read_graph` reads a graph file safely.

>>> from nibs_graph.paths import default_data_dir
>>> g = to_rdflib(default_data_dir())
>>> from rdflib import URIRef
>>> (URIRef("https://w3id.org/nibs-graph/ontology#iTBS"), None, None) in g
True
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import GraphFileError
from .namespaces import DATA, PREFIXES, RDF_PREFIXES, doi_iri
from .records import Study

if TYPE_CHECKING:
    from rdflib import Graph

__all__ = [
    "DIRECTION_PROPERTIES",
    "RELATION_PROPERTIES",
    "SETTING_TERMS",
    "SOURCE_CLASSES",
    "bind_prefixes",
    "entity_class",
    "oxigraph_quads",
    "read_graph",
    "source_iri",
    "study_iri",
    "to_rdflib",
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


def to_rdflib(data: Path | str, *, layers: Iterable[str] = (), include_ontology: bool = True) -> Graph:
    """The RDF graph of an evidence base folder as an rdflib graph: the streamed N-Triples, parsed.

    Parameters
    ----------
    data:
        An evidence base folder (validated as it is read).
    layers:
        Optional signalling layers (``"signor"``).
    include_ontology:
        Add the triples of ``ontology/nibs.ttl`` (the technique hierarchy, labels, definitions).

    Raises
    ------
    DataValidationError
        When the folder does not validate.
    """
    import io

    from rdflib import Graph

    from .scale.stream import stream_ntriples

    buffer = io.BytesIO()
    stream_ntriples(data, buffer, layers=layers, include_ontology=include_ontology)
    graph = bind_prefixes(Graph())
    graph.parse(data=buffer.getvalue(), format="nt")
    return graph


def source_iri(source_id: str) -> str:
    """The IRI of a source (a review or a curation batch) of ``sources.csv``.

    >>> source_iri("sveva2025")
    'https://w3id.org/nibs-graph/data/source/sveva2025'
    """
    return f"{DATA}source/{source_id}"


#: source kind → class (local name in ``nibs:``); both are subclasses of ``nibs:Source`` (a ``prov:Entity``).
SOURCE_CLASSES = {"review": "Review", "curation": "CurationBatch"}


def _decimal(number: float) -> str:
    """Write a number as an xsd:decimal lexical form (``10``, ``0.5``)."""
    return f"{number:.6f}".rstrip("0").rstrip(".") if number != int(number) else str(int(number))


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
    with _quiet_terms():
        return parse_graph(bind_prefixes(Graph()), data, fmt, str(path), public_id=path.resolve().as_uri())


@contextmanager
def _quiet_terms() -> Iterator[None]:
    """Silence rdflib's warnings about the terms of a graph file while it is parsed: an ill-typed literal
    (``"x"^^xsd:integer``) or an IRI with a space is logged with a traceback otherwise. The literal keeps its text;
    an IRI Oxigraph refuses is reported when the graph is projected.

    >>> import logging
    >>> with _quiet_terms():
    ...     logging.getLogger("rdflib.term").isEnabledFor(logging.WARNING)
    False
    """
    logger = logging.getLogger("rdflib.term")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def oxigraph_quads(g: Graph) -> Iterator[Any]:
    """The triples of an rdflib graph as pyoxigraph quads (default graph), to load into a store or serialise.

    Raises
    ------
    GraphFileError
        For a term Oxigraph refuses (an IRI with a space, a malformed language tag ...), naming it.

    Examples
    --------
    >>> from rdflib import Graph, URIRef
    >>> g = Graph()
    >>> g.add((URIRef("http://x/a"), URIRef("http://x/p"), URIRef("http://x/a b")))  # doctest: +ELLIPSIS
    <Graph ...>
    >>> list(oxigraph_quads(g))
    Traceback (most recent call last):
    ...
    nibs_graph.errors.GraphFileError: the graph cannot be read by Oxigraph: 'http://x/a b': Invalid IRI code point ' '
    """
    import pyoxigraph as ox

    for triple in g:
        yield ox.Quad(*(_ox_term(term, ox) for term in triple))


def _ox_term(term: Any, ox: Any) -> Any:
    """The pyoxigraph term of an rdflib term.

    Raises
    ------
    GraphFileError
        For a term Oxigraph refuses (an IRI with a space, a malformed language tag ...), naming it.
    """
    from rdflib import BNode, Literal

    try:
        if isinstance(term, Literal):
            if term.language:
                return ox.Literal(str(term), language=term.language)
            if term.datatype is not None:
                return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
            return ox.Literal(str(term))
        if isinstance(term, BNode):
            return ox.BlankNode(_blank_label(str(term)))
        return ox.NamedNode(str(term))
    except ValueError as exc:
        shown = str(term) if len(str(term)) <= 200 else str(term)[:200] + "..."
        raise GraphFileError(f"the graph cannot be read by Oxigraph: {shown!r}: {exc}") from None


def _blank_label(label: str) -> str:
    """A blank node label Oxigraph accepts, a different one for each rdflib label (ASCII letters and digits kept,
    any other character written as ``_`` and its code point in hex).

    >>> _blank_label("b0"), _blank_label("a b"), _blank_label("a_20b")
    ('b0', 'a_20_b', 'a_5f_20b')
    """
    return "".join(ch if ch.isascii() and ch.isalnum() else f"_{ord(ch):x}_" for ch in label)
