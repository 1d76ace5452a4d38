"""The scale path (nibs_graph.scale) against the rdflib path, on tiny and on a generated 1k-finding base.

* the generator writes valid, deterministic bases;
* the streaming validator reports exactly the problems of read_evidence_base;
* the streamed N-Triples are the triples of to_rdf;
* both projection routes (streamed rows, SPARQL on the Oxigraph store) equal project(to_rdf(...));
* paths, hubs and contradictions answer the same on both engines.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest
from rdflib import Graph

from nibs_graph.api import load_graph
from nibs_graph.errors import DataValidationError, NibsGraphError, StoreError
from nibs_graph.projection import GraphData, project
from nibs_graph.queries import contradictions, hubs, paths
from nibs_graph.rdf import to_rdf
from nibs_graph.scale import AUTO_THRESHOLD, choose_engine
from nibs_graph.scale.oxigraph import META_FILE, build_store, store_projection
from nibs_graph.scale.project import project_data
from nibs_graph.scale.stream import stream_ntriples, validate_stream
from nibs_graph.validate import read_evidence_base

from .conftest import INVALID, SHIPPED, SOURCES, TINY, VOCABULARY

pytest.importorskip("pyoxigraph")


@pytest.fixture(scope="module")
def base_1k(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A synthetic base of 1,000 findings (benchmarks/generate.py, seed 0)."""
    from benchmarks.generate import generate

    folder = tmp_path_factory.mktemp("generated-1k")
    generate(folder, 1000, seed=0)
    return folder


@pytest.fixture(scope="module", params=["tiny", "evidence", "shipped", "1k", "sources", "vocabulary"])
def base(request: pytest.FixtureRequest, base_1k: Path) -> Path:
    evidence = TINY.parent / "evidence"  # flags, link bases and references resolved to studies
    return {
        "tiny": TINY,
        "evidence": evidence,
        "shipped": SHIPPED,
        "1k": base_1k,
        "sources": SOURCES,
        "vocabulary": VOCABULARY,
    }[request.param]


def _same_projection(a: GraphData, b: GraphData) -> None:
    assert a.nodes == b.nodes
    assert [(u, v, k) for u, v, k, _ in a.edges()] == [(u, v, k) for u, v, k, _ in b.edges()]
    for (u, v, k, x), (_, _, _, y) in zip(a.edges(), b.edges(), strict=True):
        assert x == y, (u, v, k)
    assert a.graph == b.graph


# ------------------------------------------------------------------------------------------------ generator


def test_generator_is_deterministic_and_valid(tmp_path: Path, base_1k: Path) -> None:
    from benchmarks.generate import generate

    counts = generate(tmp_path, 1000, seed=0)
    for name in ("studies.csv", "protocols.csv", "findings.csv", "entities.csv", "pathways.csv"):
        assert (tmp_path / name).read_bytes() == (base_1k / name).read_bytes(), name
    assert read_evidence_base(tmp_path).counts() == counts
    assert counts["findings"] == 1000 and counts["entities"] >= 1000
    other = tmp_path / "seed1"
    generate(other, 1000, seed=1)
    assert (other / "findings.csv").read_bytes() != (base_1k / "findings.csv").read_bytes()
    entities = list(csv.DictReader((tmp_path / "entities.csv").open(encoding="utf-8")))
    synthetic = [r for r in entities if r["id"].startswith("HGNC:1") and len(r["id"]) == len("HGNC:100000")]
    assert synthetic and all("synthetic" in r["id_source"] for r in synthetic)
    assert {r["label"] for r in entities} >= {"BDNF", "TrkB", "mTOR", "CREB"}


# ------------------------------------------------------------------------------------------------ validation


@pytest.mark.parametrize("case", sorted(p.name for p in INVALID.iterdir() if p.is_dir()))
def test_stream_validation_reports_the_same_problems(case: str) -> None:
    with pytest.raises(DataValidationError) as expected:
        read_evidence_base(INVALID / case)
    with pytest.raises(DataValidationError) as streamed:
        validate_stream(INVALID / case)
    assert streamed.value.problems == expected.value.problems


def test_stream_validation_of_many_problems_keeps_their_order(tmp_path: Path, base_1k: Path) -> None:
    folder = tmp_path / "broken"
    shutil.copytree(base_1k, folder)
    path = folder / "findings.csv"
    rows = list(csv.reader(path.open(encoding="utf-8", newline="")))
    header = rows[0]
    col = {name: header.index(name) for name in header}
    rows[3][col["conflict"]] = "nosuch2020-f01"  # an unknown conflict (checked after the whole file)
    rows[5][col["direction"]] = "up"  # a bad cell
    rows[7][col["target_id"]] = "HGNC:99999999"  # an unknown entity
    rows[9][col["technique"]] = "tACS" if rows[9][col["technique"]] != "tACS" else "iTBS"  # not the arm's
    rows[11][col["region_id"]] = "HGNC:1033"  # not UBERON
    rows[13] = list(rows[12])  # a duplicate id
    rows[15][col["conflict"]] = rows[900][col["finding_id"]]  # a later, existing finding: fine
    rows[20] = rows[20][:-1]  # a ragged row
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)
    with pytest.raises(DataValidationError) as expected:
        read_evidence_base(folder)
    with pytest.raises(DataValidationError) as streamed:
        validate_stream(folder)
    assert len(expected.value.problems) >= 6
    assert streamed.value.problems == expected.value.problems


# ------------------------------------------------------------------------------------------------ N-Triples


@pytest.mark.parametrize("ontology", [False, True])
def test_streamed_ntriples_are_the_triples_of_to_rdf(base: Path, ontology: bool) -> None:
    out = io.BytesIO()
    result = stream_ntriples(base, out, include_ontology=ontology)
    streamed = Graph().parse(data=out.getvalue().decode("utf-8"), format="nt")
    compiled = to_rdf(read_evidence_base(base), include_ontology=ontology)
    assert set(streamed) == set(compiled)
    assert result.version == read_evidence_base(base).version


def test_literal_escaping(tmp_path: Path) -> None:
    folder = tmp_path / "quoted"
    shutil.copytree(TINY, folder)
    path = folder / "entities.csv"
    text = path.read_text(encoding="utf-8").replace(",test,\n", ',test,"a ""quoted"" note \\ with\nnewline"\n', 1)
    path.write_text(text, encoding="utf-8")
    out = io.BytesIO()
    stream_ntriples(folder, out, include_ontology=False)
    streamed = Graph().parse(data=out.getvalue().decode("utf-8"), format="nt")
    assert set(streamed) == set(to_rdf(read_evidence_base(folder), include_ontology=False))


# ------------------------------------------------------------------------------------------------ projection


def test_both_projection_routes_equal_project(base: Path, tmp_path: Path) -> None:
    reference = project(to_rdf(read_evidence_base(base)))
    _same_projection(project_data(base), reference)
    built = build_store(base, tmp_path / "store", projection=True)
    assert built.projection is not None
    _same_projection(built.projection, reference)
    _same_projection(store_projection(tmp_path / "store"), reference)


def test_queries_agree_between_engines(base_1k: Path) -> None:
    memory = load_graph(base_1k, engine="memory", use_cache=False)
    scaled = load_graph(base_1k, engine="oxigraph", use_cache=False)
    for source, target, options in (
        ("iTBS", "mTOR", {}),
        ("TBS", "mTOR", {"max_hops": 3}),
        ("tDCS", "CREB", {"species": "rat"}),
        ("HF-rTMS", "BDNF", {"min_studies": 2}),
        ("BDNF", "mTOR", {}),
        ("anodal tDCS", "ERK2", {"layers": {"review"}}),
    ):
        a = paths(memory, source, target, **options)  # type: ignore[arg-type]
        b = paths(scaled, source, target, **options)  # type: ignore[arg-type]
        assert a.to_dict(memory) == b.to_dict(scaled)
        assert a.total_found > 0 or source == "anodal tDCS"
    assert [h.to_dict() for h in hubs(memory)] == [h.to_dict() for h in hubs(scaled)]
    assert hubs(scaled, top=3)[0].label == "BDNF"
    assert [c.to_dict(memory) for c in contradictions(memory)] == [c.to_dict(scaled) for c in contradictions(scaled)]


def test_engine_choice(tmp_path: Path, base_1k: Path) -> None:
    assert choose_engine(TINY) == "memory"
    assert choose_engine(base_1k) == "memory"  # 1k findings (under 1 MB) < AUTO_THRESHOLD
    assert choose_engine(base_1k, "oxigraph") == "oxigraph"
    assert choose_engine(SHIPPED) == "memory"  # the shipped base keeps the rdflib path
    big = tmp_path / "big"
    big.mkdir()
    row = "x" * 300 + "\n"
    (big / "findings.csv").write_text("header\n" + row * (AUTO_THRESHOLD + 1))
    assert choose_engine(big) == "oxigraph"
    (big / "findings.csv").write_text("header\n" + row * 4000)
    assert choose_engine(big) == "memory"
    with pytest.raises(NibsGraphError, match="unknown engine"):
        choose_engine(TINY, "sqlite")
    with pytest.raises(NibsGraphError, match="unknown engine"):
        load_graph(TINY, engine="sqlite", use_cache=False)


# ------------------------------------------------------------------------------------------------ store


def test_build_store_is_reused_by_the_sparql_module(tmp_path: Path) -> None:
    from nibs_graph.sparql.stores import StoreSpec, ensure_oxigraph, open_store

    folder = tmp_path / "store"
    built = build_store(TINY, folder)
    meta = json.loads((folder / META_FILE).read_text())
    assert meta["complete"] and meta["version"] == built.version and meta["triples"] == built.triples
    spec = StoreSpec("oxigraph", str(folder), data=TINY)
    assert ensure_oxigraph(spec) == folder
    assert json.loads((folder / META_FILE).read_text()) == meta  # reused, not rebuilt
    store = open_store(spec)
    try:
        assert store.triple_count() == built.triples
    finally:
        store.close()


def test_build_store_refuses_foreign_folders_and_invalid_data(tmp_path: Path) -> None:
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("not a store")
    with pytest.raises(StoreError, match="not a nibs-graph store"):
        build_store(TINY, foreign)
    assert (foreign / "notes.txt").is_file()
    target = tmp_path / "new"
    with pytest.raises(DataValidationError):
        build_store(INVALID / "unknown_entity", target)
    assert not target.exists() and not list(tmp_path.glob(".new.building-*"))
    build_store(TINY, target)
    build_store(TINY, target)  # replaces its own store
    assert (target / META_FILE).is_file()


# ------------------------------------------------------------------------------------------------ centrality


def test_sampled_betweenness() -> None:
    import networkx as nx

    from nibs_graph.scale.centrality import sampled_betweenness

    graph = nx.gnp_random_graph(60, 0.06, seed=4, directed=True)
    nodes = [str(n) for n in graph.nodes]
    edges = [(str(u), str(v)) for u, v in graph.edges]
    exact = nx.betweenness_centrality(graph, normalized=True)
    full = sampled_betweenness(nodes, edges, sample=len(nodes))
    assert all(abs(full[str(n)] - exact[n]) < 1e-12 for n in graph.nodes)
    estimate = sampled_betweenness(nodes, edges, sample=30, seed=1)
    assert set(estimate) == set(nodes) and all(v >= 0 for v in estimate.values())


def test_hubs_report_a_betweenness_sample(base_1k: Path) -> None:
    G = load_graph(base_1k, engine="oxigraph", use_cache=False)
    exact = hubs(G, top=5)
    sampled = hubs(G, top=5, betweenness_sample=50)
    assert all(h.betweenness_sample is None for h in exact)
    assert "betweenness_sample" not in exact[0].to_dict()
    assert all(h.betweenness_sample == 50 for h in sampled) and sampled[0].to_dict()["betweenness_sample"] == 50
    assert [h.id for h in sampled] == [h.id for h in exact]  # the ranking does not depend on betweenness
