"""The ontology's alignments hold: every external term exists in its vocabulary with the label we give it, and a
reasoner (the OWL 2 RL closure of owlrl, pure Python) finds the shipped export consistent with and without the OBO
Relation Ontology loaded: no inconsistency message and no individual both a BFO continuant and a BFO occurrent. A
copy with the old alignment of ``nibs:activates`` (RO:0002213, a relation between processes) is found
inconsistent, so the test can fail.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import pytest
from rdflib import OWL, RDF, RDFS, SKOS, Graph, URIRef
from rdflib.namespace import DCTERMS, PROV

ROOT = Path(__file__).resolve().parent.parent
NIBS_TTL = ROOT / "ontology" / "nibs.ttl"
RO = Path(__file__).resolve().parent / "ontology" / "ro-2025-12-17.owl"
OBO = "http://purl.obolibrary.org/obo/"
BIOLINK = "https://w3id.org/biolink/vocab/"
NIBS = "https://w3id.org/nibs-graph/ontology#"
_NAMESPACES = {str(PROV): PROV, str(SKOS): SKOS, str(DCTERMS): DCTERMS}


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return Graph().parse(NIBS_TTL, format="turtle")


@pytest.fixture(scope="module")
def export() -> Graph:
    """What ``nibs-graph export nt`` writes for the shipped data."""
    from nibs_graph.api import load_rdf

    return load_rdf()


@pytest.fixture(scope="module")
def ro() -> Graph:
    graph = Graph().parse(RO, format="xml")
    graph.remove((None, OWL.imports, None))  # nothing is ever fetched
    return graph


def _biolink() -> dict[str, Any]:
    import yaml

    spec = importlib.util.find_spec("biolink_model")
    assert spec is not None and spec.submodule_search_locations, "the test extra installs biolink-model"
    path = Path(next(iter(spec.submodule_search_locations))) / "schema" / "biolink_model.yaml"
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _camel(name: str) -> str:
    return "".join(word[:1].upper() + word[1:] for word in name.replace("_", " ").split())


def _external(graph: Graph, prefix: str) -> set[URIRef]:
    return {term for triple in graph for term in triple if isinstance(term, URIRef) and str(term).startswith(prefix)}


def test_ro_and_bfo_terms_exist_with_their_labels(ontology: Graph, export: Graph, ro: Graph) -> None:
    used = {t for t in _external(export, OBO) if str(t)[len(OBO) :].startswith(("RO_", "BFO_"))}
    assert used >= {URIRef(OBO + "RO_0002450"), URIRef(OBO + "RO_0003003"), URIRef(OBO + "BFO_0000050")}
    for term in used:
        assert (term, RDF.type, OWL.ObjectProperty) in ro or (term, RDF.type, OWL.Class) in ro, term
        assert {str(label) for label in ro.objects(term, RDFS.label)} == {
            str(label) for label in ontology.objects(term, RDFS.label)
        }, term
    # the relations between processes, and collection membership, are no longer used
    for retired in ("RO_0002213", "RO_0002212", "RO_0002351"):
        assert URIRef(OBO + retired) not in used
    # each molecule-to-molecule alignment relates material entities in RO
    material = URIRef(OBO + "BFO_0000040")
    for prop in ("activates", "inhibits", "increasesExpression", "decreasesExpression"):
        (parent,) = [p for p in ontology.objects(URIRef(NIBS + prop), RDFS.subPropertyOf) if str(p).startswith(OBO)]
        assert (parent, RDFS.domain, material) in ro and (parent, RDFS.range, material) in ro, prop


def test_biolink_terms_exist_with_their_labels(ontology: Graph, export: Graph) -> None:
    model = _biolink()
    names = {_camel(c): c for c in model["classes"]}
    names.update({s.replace(" ", "_"): s for s in model["slots"]})
    names.update({e: e for e in model["enums"]})
    used = _external(export, BIOLINK)
    assert URIRef(BIOLINK + "GeneOrGeneProduct") in used and URIRef(BIOLINK + "Gene") not in used
    for term in used:
        local = str(term)[len(BIOLINK) :]
        assert local in names, f"{term} is not in Biolink {model['version']}"
        assert {str(label) for label in ontology.objects(term, RDFS.label)} == {names[local]}, term
    directions = set(model["enums"]["DirectionQualifierEnum"]["permissible_values"])
    notations = {str(n) for n in export.objects(None, SKOS.notation)}
    assert notations == {"increased", "decreased"} and notations <= directions


def test_prov_skos_and_dcterms_terms_exist(export: Graph) -> None:
    for base, namespace in _NAMESPACES.items():
        for term in _external(export, base):
            assert term in set(dir(namespace)), f"{term} is not a term of {base}"
    # provenance without making studies agents
    assert not list(export.triples((None, PROV.wasAttributedTo, None)))
    assert list(export.triples((None, PROV.hadPrimarySource, None)))


# ---------------------------------------------------------------------------------------------- reasoner

_ERROR = URIRef("http://www.daml.org/2002/03/agents/agent-ont#error")
_DISJOINT = (URIRef(OBO + "BFO_0000002"), URIRef(OBO + "BFO_0000003"))  # continuant, occurrent


def verdict(graph: Graph, *, with_ro: bool) -> str:
    """``consistent``, or what the OWL 2 RL closure (owlrl) found: its inconsistency messages (disjoint classes,
    disjoint properties, irreflexive or asymmetric properties violated ...) and individuals that became both a
    continuant and an occurrent."""
    import owlrl

    closed = Graph()
    for triple in graph:
        closed.add(triple)
    if with_ro:
        ro_graph = Graph().parse(RO, format="xml")
        ro_graph.remove((None, OWL.imports, None))
        for triple in ro_graph:
            closed.add(triple)
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics, axiomatic_triples=False, datatype_axioms=False).expand(closed)
    errors = sorted(str(message) for message in closed.objects(None, _ERROR))
    both = sorted(
        str(s) for s in set(closed.subjects(RDF.type, _DISJOINT[0])) & set(closed.subjects(RDF.type, _DISJOINT[1]))
    )
    if not errors and not both:
        return "consistent"
    return "inconsistent: " + "; ".join([*errors[:3], f"{len(both)} continuant and occurrent: {both[:3]}"])


@pytest.mark.slow
def test_the_export_is_consistent_without_and_with_ro(export: Graph) -> None:
    assert verdict(export, with_ro=False) == "consistent"
    assert verdict(export, with_ro=True) == "consistent"


@pytest.mark.slow
def test_the_old_process_alignment_is_found_inconsistent_with_ro() -> None:
    """RO:0002213 relates processes: a molecule that activates and binds would be a process and a material entity."""
    from nibs_graph.api import load_rdf

    tiny = load_rdf(Path(__file__).resolve().parent / "data" / "tiny")
    bdnf, trkb = URIRef("https://identifiers.org/hgnc:1033"), URIRef("https://identifiers.org/hgnc:8032")
    tiny.add((bdnf, URIRef(NIBS + "binds"), trkb))
    assert verdict(tiny, with_ro=True) == "consistent"  # the current alignments: material entities throughout
    activates = URIRef(NIBS + "activates")
    tiny.remove((activates, RDFS.subPropertyOf, URIRef(OBO + "RO_0002450")))
    tiny.add((activates, RDFS.subPropertyOf, URIRef(OBO + "RO_0002213")))
    assert verdict(tiny, with_ro=True).startswith("inconsistent")
