"""The one compile engine (nibs_graph.validate.stream_rows → N-Triples writer, projection builder), checked against
hand-counted answers on tests/data/tiny and against its own RDF (SPARQL on the streamed N-Triples).

* the generator writes valid, deterministic bases;
* the streaming validator reports many problems in file order, then by finding;
* the N-Triples: a finding's triples written out by hand, no triple twice, ``export nt`` sorted by bytes;
* the projection: counted by hand on tiny; equal to project_store() of the streamed N-Triples on every test base
  (tiny, evidence, shipped, a generated 1k base, sources, vocabulary) and to SPARQL aggregates.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from collections import Counter
from pathlib import Path

import pyoxigraph as ox
import pytest

from nibs_graph.api import load_graph
from nibs_graph.errors import DataValidationError, StoreError
from nibs_graph.projection import GraphData
from nibs_graph.queries import hubs
from nibs_graph.scale.oxigraph import META_FILE, build_store, store_projection
from nibs_graph.scale.project import ProjectionBuilder, project_data, project_store
from nibs_graph.scale.stream import sorted_ntriples, stream_ntriples
from nibs_graph.validate import read_evidence_base, stream_rows

from .conftest import INVALID, SHIPPED, SOURCES, TINY, VOCABULARY


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


def test_many_problems_in_one_run_keep_their_order(tmp_path: Path, base_1k: Path) -> None:
    folder = tmp_path / "broken"
    shutil.copytree(base_1k, folder)
    path = folder / "findings.csv"
    rows = list(csv.reader(path.open(encoding="utf-8", newline="")))
    header = rows[0]
    col = {name: header.index(name) for name in header}
    rows[3][col["conflict"]] = "nosuch2020-f01"  # line 4: an unknown conflict (checked after the whole file)
    rows[5][col["direction"]] = "up"  # line 6: a bad cell
    rows[7][col["target_id"]] = "HGNC:99999999"  # line 8: an unknown entity
    rows[9][col["technique"]] = "tACS" if rows[9][col["technique"]] != "tACS" else "iTBS"  # line 10: not the arm's
    rows[11][col["region_id"]] = "HGNC:1033"  # line 12: not UBERON
    rows[13] = list(rows[12])  # line 14: a duplicate id
    rows[15][col["conflict"]] = rows[900][col["finding_id"]]  # a later, existing finding: fine
    rows[20] = rows[20][:-1]  # line 21: a ragged row
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)
    with pytest.raises(DataValidationError) as caught:
        read_evidence_base(folder)
    found = [(p.line, p.column, p.message.split(" (")[0].split(",")[0]) for p in caught.value.problems]
    # the file's own problems in line order (cells, ragged rows), then duplicate ids, then the checks against the
    # other files by finding (a conflict is checked once every finding is known, but reported in its row's place)
    assert found == [
        (6, "direction", ""),
        (21, None, "ragged row: 17 fields"),  # the header has 18 columns
        (14, "finding_id", "duplicate id"),
        (4, "conflict", "unknown id 'nosuch2020-f01'"),
        (8, "target_id", "unknown id 'HGNC:99999999'"),
        (10, "technique", ""),
        (12, "region_id", ""),
    ]
    assert all(p.file == str(path) for p in caught.value.problems)


def test_consumers_see_nothing_of_an_invalid_base(tmp_path: Path) -> None:
    folder = tmp_path / "bad"
    shutil.copytree(TINY, folder)
    text = (folder / "findings.csv").read_text(encoding="utf-8")
    (folder / "findings.csv").write_text(text.replace(",HGNC:2345,CREB,", ",HGNC:2346,CREB,"), encoding="utf-8")
    seen: list[str] = []

    class Spy:
        def begin(self, base: object) -> None:
            seen.append("begin")

        def finding(self, row: dict[str, object]) -> None:
            seen.append(str(row["finding_id"]))

        def finish(self, version: str, release: str | None = None) -> None:
            seen.append("finish")

    with pytest.raises(DataValidationError, match="unknown id 'HGNC:2346'"):
        stream_rows(folder, (), Spy())
    assert "finish" not in seen and "alpha2020-f03" not in seen
    seen.clear()
    result = stream_rows(TINY, (), Spy())
    assert seen == ["begin", *read_evidence_base(TINY).findings, "finish"]
    assert result.counts["findings"] == 7


# ------------------------------------------------------------------------------------------------ N-Triples

NIBS = "https://w3id.org/nibs-graph/ontology#"
DATA = "https://w3id.org/nibs-graph/data/"
XSD = "http://www.w3.org/2001/XMLSchema#"


def test_a_findings_triples_written_by_hand() -> None:
    out = io.BytesIO()
    stream_ntriples(TINY, out, include_ontology=False)
    f = f"<{DATA}finding/alpha2020-f01>"
    mine = sorted(line for line in out.getvalue().decode("utf-8").splitlines() if line.startswith(f + " "))
    n = NIBS
    assert mine == sorted(
        f"{f} {p} ."
        for p in (
            "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <" + n + "Finding>",
            '<http://www.w3.org/2000/01/rdf-schema#label> "iTBS increased BDNF (alpha2020-f01)"',
            "<http://www.w3.org/ns/prov#wasDerivedFrom> <https://doi.org/10.1234/alpha>",
            f"<{n}protocol> <{DATA}protocol/alpha2020-itbs>",
            f"<{n}technique> <{n}iTBS>",
            f"<{n}target> <https://identifiers.org/hgnc:1033>",
            f'<{n}targetLabel> "BDNF"',
            f"<{n}direction> <{n}increased>",
            f'<{n}measure> "protein level"',
            f"<{n}comparison> <{n}stim_vs_sham>",
            f'<{n}isStimulationEffect> "true"^^<{XSD}boolean>',
            f'<{n}sourceLocation> "Table 3, row 1"',
            f"<{n}species> <http://purl.obolibrary.org/obo/NCBITaxon_10116>",  # the study's species (rat)
            f"<{n}setting> <{n}InVivo>",  # and setting
        )
    )


def test_ntriples_are_valid_and_never_repeat(base: Path) -> None:
    out = io.BytesIO()
    result = stream_ntriples(base, out)
    lines = out.getvalue().splitlines()
    assert len(lines) == len(set(lines)) == result.triples
    store = ox.Store()
    store.load(out.getvalue(), format=ox.RdfFormat.N_TRIPLES)  # strict N-Triples
    assert len(store) == result.triples
    # a direct effect triple per (technique or protocol, direction, target) of the stimulation effects only
    effects = {
        (subject, direction, target)
        for record in load_graph(base, use_cache=False).graph["findings"].values()
        if record["stimulation_effect"]
        for subject in (record["technique"], record["protocol"])
        for direction, target in [(record["direction"], record["target"])]
    }
    effect_properties = " ".join(f"<{NIBS}{p}>" for p in ("increases", "decreases", "doesNotChange"))
    query = f"SELECT (COUNT(*) AS ?n) WHERE {{ ?s ?p ?o VALUES ?p {{ {effect_properties} }} }}"
    direct = next(iter(store.query(query)))[0]
    assert int(direct.value) == len(effects)


@pytest.mark.parametrize("external", [False, True], ids=["runs", "gnu-sort"])
def test_export_nt_is_the_stream_sorted_by_bytes(external: bool) -> None:
    """``export nt``: each line once, sorted by bytes (UTF-8: code point order), a newline after each; the same
    bytes whether the lines are sorted by GNU sort, in one run in memory, or in runs merged from temporary files."""
    from nibs_graph.scale.bytesort import gnu_sort

    if external and gnu_sort() is None:
        pytest.skip("GNU sort is not installed (the in-memory runs are tested)")
    whole, merged = io.BytesIO(), io.BytesIO()
    sorted_ntriples(SHIPPED, whole, external=external)
    sorted_ntriples(SHIPPED, merged, chunk_bytes=50_000, external=False)
    assert whole.getvalue() == merged.getvalue()
    lines = whole.getvalue().split(b"\n")
    assert lines.pop() == b""
    assert lines == sorted(set(lines))
    assert any(not line.isascii() for line in lines)  # non-ASCII text is kept as UTF-8, sorted by its bytes
    out = io.BytesIO()
    streamed = stream_ntriples(SHIPPED, out)
    assert set(out.getvalue().split(b"\n")[:-1]) == set(lines) and streamed.triples == len(lines)


@pytest.mark.parametrize("external", [False, True], ids=["runs", "gnu-sort"])
def test_export_nt_writes_nothing_for_an_invalid_base(tmp_path: Path, external: bool) -> None:
    from nibs_graph.scale.bytesort import gnu_sort

    if external and gnu_sort() is None:
        pytest.skip("GNU sort is not installed")
    folder = tmp_path / "bad"
    shutil.copytree(TINY, folder)
    with (folder / "findings.csv").open("a", encoding="utf-8") as handle:  # the last row: after every other
        handle.write("zeta-f01,alpha2020,alpha2020-itbs,iTBS,HGNC:1,X,increased,protein level,stim_vs_sham,,,,,,,s,,\n")
    with (tmp_path / "out.nt").open("wb") as out, pytest.raises(DataValidationError, match="unknown id 'HGNC:1'"):
        sorted_ntriples(folder, out, chunk_bytes=1_000, external=external)
    assert (tmp_path / "out.nt").read_bytes() == b""
    assert not list(tmp_path.glob("**/run-*.nt"))


def test_literal_escaping(tmp_path: Path) -> None:
    folder = tmp_path / "quoted"
    shutil.copytree(TINY, folder)
    path = folder / "entities.csv"
    text = path.read_text(encoding="utf-8").replace(",test,\n", ',test,"a ""quoted"" note \\ with\nnewline"\n', 1)
    path.write_text(text, encoding="utf-8")
    out = io.BytesIO()
    stream_ntriples(folder, out, include_ontology=False)
    store = ox.Store()
    store.load(out.getvalue(), format=ox.RdfFormat.N_TRIPLES)
    (note,) = [
        t.object.value
        for t in store.quads_for_pattern(None, ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#comment"), None)
    ]
    assert note == 'a "quoted" note \\ with\nnewline'


# ------------------------------------------------------------------------------------------------ projection


def test_tiny_projection_counted_by_hand() -> None:
    G = load_graph(TINY, use_cache=False)
    types = Counter(a["type"] for a in G.nodes.values())
    # 16 techniques of the ontology (NIBS and below), 7 entities (5 genes, 2 families), 3 protocols
    assert types == {"technique": 16, "gene_or_protein": 5, "family_or_complex": 2, "protocol": 3}
    relations = Counter(d["relation"] for _, _, _, d in G.edges())
    # 6 of the 7 findings are stimulation effects (beta2021-f04 compares model and control): each gives a
    # technique edge and a protocol edge; increased: alpha f01, f02, beta f02, f03; decreased: beta f01;
    # unchanged: alpha f03. 6 links (5 activates, 1 has_member), 3 protocols, 15 technique parents.
    assert relations == {
        "increased": 8,
        "decreased": 2,
        "unchanged": 2,
        "activates": 5,
        "has_member": 1,
        "uses_technique": 3,
        "subclass_of": 15,
    }
    assert len(G.graph["findings"]) == 7 and not G.graph["findings"]["beta2021-f04"]["stimulation_effect"]
    edge = G.succ["nibs:anodal-tDCS"]["HGNC:6871"]["increased"]
    assert edge["sign"] == 1 and edge["studies"] == ("beta2021",)
    (record,) = edge["evidence"]
    assert record is G.graph["findings"]["beta2021-f03"]  # one record, shared
    assert (record["species"], record["setting"], record["context"]) == ("mouse", "human", "human cortex")
    assert (record["citation"], record["doi"], record["protocol_label"]) == (
        "Beta et al., 2021",
        None,
        "anodal tDCS (atDCS)",
    )
    assert "HGNC:3942" not in G.succ["nibs:anodal-tDCS"]  # beta2021-f04 is no stimulation effect
    assert G.nodes["nibsdata:protocol/alpha2020-itbs"]["frequencyHz"] == 50.0
    assert G.nodes["nibsdata:protocol/beta2021-atdcs"]["intensityMin"] == 250.0
    link = G.succ["FPLX:ERK"]["HGNC:6871"]["L6"]
    assert (link["relation"], link["sign"], link["evidence"][0]["licence"]) == ("has_member", 1, "CC0")


def _store_of(base: Path) -> ox.Store:
    out = io.BytesIO()
    stream_ntriples(base, out)
    store = ox.Store()
    store.load(out.getvalue(), format=ox.RdfFormat.N_TRIPLES)
    return store


def test_the_projection_is_the_projection_of_its_rdf(base: Path, tmp_path: Path) -> None:
    built = project_data(base)
    _same_projection(project_store(_store_of(base)), built)
    stored = build_store(base, tmp_path / "store", projection=True)
    assert stored.projection is not None
    _same_projection(stored.projection, built)
    _same_projection(store_projection(tmp_path / "store"), built)


def test_sparql_answers_equal_the_projection(base: Path) -> None:
    G = load_graph(base, use_cache=False)
    store = _store_of(base)
    rows = store.query(
        f"""SELECT ?t ?d (COUNT(?f) AS ?n) WHERE {{ ?f a <{NIBS}Finding> ; <{NIBS}technique> ?t ;
        <{NIBS}direction> ?d ; <{NIBS}isStimulationEffect> true }} GROUP BY ?t ?d"""
    )
    from nibs_graph.namespaces import compress

    by_sparql = {(compress(t.value), d.value[len(NIBS) :]): int(n.value) for t, d, n in rows}
    by_projection: Counter[tuple[str, str]] = Counter()
    for record in G.graph["findings"].values():
        if record["stimulation_effect"]:
            by_projection[(record["technique"], record["direction"])] += 1
    assert by_sparql == dict(by_projection) and by_sparql
    for (technique, direction), count in by_sparql.items():  # the technique edges hold exactly those findings
        evidence = sum(len(d[direction]["evidence"]) for d in G.succ[technique].values() if direction in d)
        assert evidence == count


def test_the_builders_techniques_are_the_ontologys() -> None:
    """The builder takes the technique classes from nibs_graph.vocab (no RDF parser when compiling): they must be
    the ontology's own, read from ontology/nibs.ttl with SPARQL (labels, synonyms, parents, order)."""
    from nibs_graph.paths import ontology_dir
    from nibs_graph.scale.project import ontology_techniques, technique_nodes

    store = ox.Store()
    store.load(path=str(ontology_dir() / "nibs.ttl"), format=ox.RdfFormat.TURTLE)
    assert ontology_techniques() == technique_nodes(store)
    assert len(ontology_techniques()) == 16


def test_builder_refuses_to_answer_before_the_stream_ends() -> None:
    with pytest.raises(RuntimeError, match="not finished"):
        ProjectionBuilder().graph  # noqa: B018


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
    G = load_graph(base_1k, use_cache=False)
    exact = hubs(G, top=5)
    sampled = hubs(G, top=5, betweenness_sample=50)
    assert all(h.betweenness_sample is None for h in exact)
    assert "betweenness_sample" not in exact[0].to_dict()
    assert all(h.betweenness_sample == 50 for h in sampled) and sampled[0].to_dict()["betweenness_sample"] == 50
    assert [h.id for h in sampled] == [h.id for h in exact]  # the ranking does not depend on betweenness


def test_graph_file_terms_oxigraph_refuses_are_a_clean_error(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """A graph file is parsed by rdflib and projected through Oxigraph: an IRI Oxigraph refuses is named, an
    ill-typed literal keeps its text, and rdflib logs no traceback while reading either."""
    from nibs_graph.errors import GraphFileError

    text = io.BytesIO()
    stream_ntriples(TINY, text)
    body = (
        text.getvalue()
        .decode("utf-8")
        .replace(
            '<https://w3id.org/nibs-graph/ontology#frequencyHz> "50"^^',
            '<https://w3id.org/nibs-graph/ontology#frequencyHz> "fifty"^^',
        )
    )
    ill_typed = tmp_path / "ill-typed.nt"
    ill_typed.write_text(body, encoding="utf-8")
    G = load_graph(graph_file=ill_typed, use_cache=False)
    assert G.nodes["nibsdata:protocol/alpha2020-itbs"]["frequencyHz"] == "fifty"
    assert G.graph["findings"] == load_graph(TINY, use_cache=False).graph["findings"]
    spaced = tmp_path / "spaced.ttl"
    spaced.write_text(body + "<http://x/a> <http://x/p> <http://x/a\\u0020b> .\n", encoding="utf-8")
    with pytest.raises(GraphFileError, match=r"cannot be read by Oxigraph: 'http://x/a b': Invalid IRI"):
        load_graph(graph_file=spaced, use_cache=False)
    assert not [r for r in caplog.records if r.name.startswith("rdflib")]
    from typer.testing import CliRunner

    from nibs_graph.cli import app

    for args in (["hubs"], ["sparql", "ASK { ?s ?p ?o }"]):  # the projection and the endpoint's memory store
        result = CliRunner().invoke(app, [*args, "--graph", str(spaced)])
        assert result.exit_code == 2 and "'http://x/a b': Invalid IRI" in result.stderr, args
        assert "Traceback" not in result.output


def test_no_compile_waits_on_rdflib(tmp_path: Path) -> None:
    """Compiling a folder and validating import no RDF library; ``export nt`` no rdflib (a fresh interpreter)."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from nibs_graph.api import check_evidence, load_graph\n"
        "from nibs_graph.export.formats import export\n"
        f"load_graph({str(SHIPPED)!r}, use_cache=False)\n"
        f"check_evidence({str(TINY)!r})\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('rdflib', 'networkx', 'pyshacl', 'pyoxigraph')))\n"
        f"export('nt', {str(tmp_path / 'graph.nt')!r}, data={str(TINY)!r})\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('rdflib', 'networkx', 'pyshacl')))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["[]", "[]"]  # compiling needs no RDF library at all; export nt only Oxigraph's
    assert (tmp_path / "graph.nt").stat().st_size > 0
