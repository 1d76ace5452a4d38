"""The ontology and the compiled RDF graph: parsing, SHACL conformance, vocabulary coverage, round trip."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from rdflib import OWL, RDF, RDFS, Graph, URIRef
from rdflib.namespace import SKOS

from nibs_graph import vocab
from nibs_graph.api import load_graph, load_rdf
from nibs_graph.namespaces import NIBS
from nibs_graph.rdf import DIRECTION_PROPERTIES, RELATION_PROPERTIES, SETTING_TERMS

from .conftest import ROOT, TINY, rapper

ONTOLOGY = ROOT / "ontology" / "nibs.ttl"
SHAPES = ROOT / "ontology" / "shapes.ttl"


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return Graph().parse(ONTOLOGY, format="turtle")


def test_every_term_has_a_label_and_a_definition(ontology: Graph) -> None:
    terms = {
        s
        for kind in (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty)
        for s in ontology.subjects(RDF.type, kind)
        if str(s).startswith(NIBS)
    }
    assert len(terms) > 60
    missing = [t for t in terms if ontology.value(t, RDFS.label) is None or ontology.value(t, SKOS.definition) is None]
    assert not missing


def test_every_term_used_in_code_is_declared(ontology: Graph) -> None:
    declared = {str(s)[len(NIBS) :] for s in ontology.subjects() if str(s).startswith(NIBS)}
    used = {t.local for t in vocab.TECHNIQUES.values()}
    used |= set(DIRECTION_PROPERTIES.values()) | set(RELATION_PROPERTIES.values()) | set(SETTING_TERMS.values())
    used |= set(vocab.DIRECTIONS) | set(vocab.COMPARISONS)
    assert used - declared == set()


def test_technique_hierarchy(ontology: Graph) -> None:
    def parent(local: str) -> str:
        return str(ontology.value(URIRef(NIBS + local), RDFS.subClassOf))[len(NIBS) :]

    chain = ["iTBS"]
    while chain[-1] != "Technique":
        chain.append(parent(chain[-1]))
    assert chain == ["iTBS", "TBS", "rTMS", "TMS", "NIBS", "Technique"]
    assert parent("anodal-tDCS") == "tDCS" and parent("tDCS") == "tES" and parent("tES") == "NIBS"


@pytest.mark.parametrize("path", [ONTOLOGY, SHAPES])
def test_independent_parser_reads_the_ontology(path: Path) -> None:
    result = subprocess.run([rapper(), "-i", "turtle", "-c", str(path)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert "returned" in result.stderr


@pytest.mark.parametrize("data", [TINY, None], ids=["tiny", "shipped"])
def test_compiled_graph_conforms_to_the_shapes(data: Path | None) -> None:
    pyshacl = pytest.importorskip("pyshacl")
    g = load_rdf(data)
    conforms, _, report = pyshacl.validate(g, shacl_graph=str(SHAPES), inference="rdfs")
    assert conforms, report


def test_broken_graph_does_not_conform() -> None:
    pyshacl = pytest.importorskip("pyshacl")
    g = load_rdf(TINY)
    finding = URIRef("https://w3id.org/nibs-graph/data/finding/alpha2020-f01")
    g.remove((finding, URIRef(NIBS + "direction"), None))
    g.add((finding, URIRef(NIBS + "direction"), URIRef(NIBS + "sideways")))
    conforms, _, report = pyshacl.validate(g, shacl_graph=str(SHAPES), inference="rdfs")
    assert not conforms and "alpha2020-f01" in report


def _projection_signature(G) -> tuple:  # type: ignore[no-untyped-def]
    nodes = sorted((n, a["type"], a["label"]) for n, a in G.nodes.items())
    edges = sorted(
        (u, v, k, d["relation"], tuple(sorted(e.get("finding_id") or e.get("link_id") for e in d["evidence"])))
        for u, v, k, d in G.edges()
    )
    return nodes, edges, sorted(G.graph["findings"])


@pytest.mark.parametrize("data", [TINY, None], ids=["tiny", "shipped"])
def test_round_trip_csv_rdf_turtle_reload_gives_the_same_projection(data: Path | None, tmp_path: Path) -> None:
    g = load_rdf(data)
    path = tmp_path / "graph.ttl"
    g.serialize(path, format="turtle")
    direct = load_graph(data, use_cache=False)  # assembled from the rows; the graph file is projected by SPARQL
    reloaded = load_graph(graph_file=path, use_cache=False)
    assert _projection_signature(direct) == _projection_signature(reloaded)


def test_direct_effect_triples_only_for_stimulation_effects() -> None:
    g = load_rdf(TINY)
    itbs, atdcs = URIRef(NIBS + "iTBS"), URIRef(NIBS + "anodal-tDCS")
    bdnf, mtor = URIRef("https://identifiers.org/hgnc:1033"), URIRef("https://identifiers.org/hgnc:3942")
    assert (itbs, URIRef(NIBS + "increases"), bdnf) in g
    # beta2021-f04 compares a disease model with wild type: no technique -> entity triple
    assert (atdcs, URIRef(NIBS + "decreases"), mtor) not in g
    assert (URIRef("https://doi.org/10.1234/alpha"), RDF.type, URIRef(NIBS + "Study")) in g
