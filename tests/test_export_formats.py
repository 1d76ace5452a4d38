"""Exports for other tools: round trips, determinism, atomic writes and failures (library and CLI)."""

from __future__ import annotations

import io
import json
import os
import random
import stat
import subprocess
import sys
from pathlib import Path

import networkx as nx
import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

from nibs_graph.api import load_graph, load_rdf
from nibs_graph.cli import app
from nibs_graph.errors import ExportError
from nibs_graph.export import formats
from nibs_graph.export.atomic import write_atomic
from nibs_graph.export.formats import export, graphml_graph, jsonld_context, to_cyjs, to_jsonld, to_ntriples, to_turtle
from nibs_graph.namespaces import PREFIXES, RDF_PREFIXES

from .conftest import SHIPPED, TINY, rapper

T = ["--data", str(TINY)]
ALL = ["ttl", "nt", "jsonld", "graphml", "cyjs"]


def _cli(runner, *args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, ["export", *args])


@pytest.fixture(scope="module")
def tiny_rdf() -> Graph:
    return load_rdf(TINY)


# ------------------------------------------------------------------------------------------------- round trips


@pytest.mark.parametrize(("fmt", "parser"), [("ttl", "turtle"), ("nt", "nt"), ("jsonld", "json-ld")])
def test_rdf_exports_read_back_to_the_same_triples(runner, tmp_path: Path, tiny_rdf: Graph, fmt: str, parser: str):  # type: ignore[no-untyped-def]
    out = tmp_path / f"tiny.{fmt}"
    result = _cli(runner, fmt, str(out), *T)
    assert result.exit_code == 0, result.output
    assert f"wrote {out}" in result.stdout
    back = Graph().parse(out, format=parser)
    assert set(back) == set(tiny_rdf)  # same terms, lexical forms included
    assert isomorphic(back, tiny_rdf)


def test_turtle_keeps_lexical_forms_that_rdflib_would_rewrite(tiny_rdf: Graph) -> None:
    text = to_turtle(tiny_rdf)
    # rdflib's own Turtle serializer writes "50"^^xsd:decimal as 50.0, a different RDF term
    assert '"50"^^xsd:decimal' in text
    assert "HGNC:1033" in text and "a nibs:Finding" in text
    assert all(f"@prefix {p}: <{iri}> ." in text for p, iri in {**PREFIXES, **RDF_PREFIXES}.items())


def test_turtle_escapes_strings_and_iris() -> None:
    from rdflib import BNode, Literal, URIRef

    g = Graph()
    s, p = URIRef("https://w3id.org/nibs-graph/data/protocol/x-1"), URIRef("http://example.org/p")
    g.add((s, p, Literal('quote " backslash \\ newline \n tab \t', lang="en")))
    g.add((s, p, Literal("x", datatype=URIRef("http://www.w3.org/2001/XMLSchema#string"))))
    g.add((s, p, Literal("μA <b>")))
    blank = BNode()
    g.add((s, p, blank))
    g.add((blank, p, Literal(1)))
    back = Graph().parse(data=to_turtle(g), format="turtle")
    assert isomorphic(back, g)
    assert to_turtle(g) == to_turtle(back)  # blank nodes get content-derived labels


def test_independent_parser_reads_the_turtle_export(tmp_path: Path, tiny_rdf: Graph) -> None:
    out = tmp_path / "tiny.ttl"
    export("ttl", out, data=TINY)
    result = subprocess.run(
        [rapper(), "-q", "-i", "turtle", "-o", "ntriples", str(out)], capture_output=True, check=False
    )
    assert result.returncode == 0, result.stderr.decode()
    assert set(Graph().parse(data=result.stdout.decode("utf-8"), format="nt")) == set(tiny_rdf)


def test_ntriples_lines_are_sorted_and_unique(tiny_rdf: Graph) -> None:
    lines = to_ntriples(tiny_rdf).splitlines()
    assert lines == sorted(set(lines)) and len(lines) == len(tiny_rdf)


def test_jsonld_context_is_inline_and_ids_are_curies(tiny_rdf: Graph) -> None:
    doc = json.loads(to_jsonld(tiny_rdf))
    context = doc["@context"]
    assert isinstance(context, dict) and context == jsonld_context()
    assert set(context) == set(PREFIXES) | set(RDF_PREFIXES)
    assert context["CHEBI"] == {"@id": "http://purl.obolibrary.org/obo/CHEBI_", "@prefix": True}
    ids = {node["@id"] for node in doc["@graph"]}
    assert {"HGNC:1033", "FPLX:ERK", "nibs:iTBS", "nibsdata:finding/alpha2020-f01", "doi:10.1234/alpha"} <= ids
    assert "NCBITaxon:10116" in json.dumps(doc)  # not obo:NCBITaxon_10116
    assert [n["@id"] for n in doc["@graph"]] == sorted(n["@id"] for n in doc["@graph"])


def test_graphml_reads_back_to_the_same_nodes_edges_and_attributes(runner, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "tiny.graphml"
    assert _cli(runner, "graphml", str(out), *T).exit_code == 0
    G = load_graph(TINY)
    back = nx.read_graphml(out, force_multigraph=True)
    assert isinstance(back, nx.MultiDiGraph)
    assert set(back.nodes) == set(G.nodes)
    assert {(u, v, k) for u, v, k in back.edges(keys=True)} == {(u, v, k) for u, v, k, _ in G.edges()}
    assert back.nodes["HGNC:8032"]["synonyms"] == "NTRK2|Ntrk2"
    assert back.nodes["nibsdata:protocol/alpha2020-itbs"]["pulsesPerSession"] == 600
    assert back.nodes["nibsdata:protocol/alpha2020-itbs"]["frequencyHz"] == 50.0
    for u, v, k, data in G.edges():
        edge = back.edges[u, v, k]
        assert edge["relation"] == data["relation"]
        assert json.loads(edge["evidence"]) == json.loads(json.dumps(list(data["evidence"])))
        assert edge.get("sign") == data["sign"]
    assert "findings" not in back.graph and back.graph["data_version"] == G.graph["data_version"]


def test_graphml_attributes_have_one_type_each() -> None:
    H = graphml_graph(load_graph(TINY))
    types: dict[str, set[type]] = {}
    for _, attrs in H.nodes(data=True):
        for name, value in attrs.items():
            types.setdefault(name, set()).add(type(value))
    assert all(len(t) == 1 for t in types.values()), types
    assert all(not isinstance(v, tuple | list | dict) for _, _, d in H.edges(data=True) for v in d.values())


def test_cyjs_reads_back_with_networkx(runner, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "tiny.cyjs"
    assert _cli(runner, "cyjs", str(out), *T).exit_code == 0
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert set(doc) >= {"elements", "data"} and set(doc["elements"]) == {"nodes", "edges"}
    G = load_graph(TINY)
    back = nx.cytoscape_graph(doc)
    assert set(back.nodes) == set(G.nodes)
    assert {(u, v, k) for u, v, k in back.edges(keys=True)} == {(u, v, k) for u, v, k, _ in G.edges()}
    node = next(n["data"] for n in doc["elements"]["nodes"] if n["data"]["id"] == "HGNC:1033")
    assert node["label"] == "BDNF" and node["type"] == "gene_or_protein" and node["synonyms"] == ["Bdnf"]
    edge = back.edges["nibs:iTBS", "HGNC:1033", "increased"]
    assert edge["sign"] == 1 and [e["finding_id"] for e in edge["evidence"]] == ["alpha2020-f01"]
    assert len({e["data"]["id"] for e in doc["elements"]["edges"]}) == len(doc["elements"]["edges"])
    assert "findings" not in doc["data"]


def test_shipped_data_exports_round_trip(tmp_path: Path) -> None:
    """The real evidence base (odd characters, decimals, every entity type) survives every export."""
    if not (SHIPPED / "findings.csv").is_file():
        pytest.skip("the shipped evidence base has no findings.csv yet")
    g = load_rdf()
    for fmt, parser in (("ttl", "turtle"), ("nt", "nt"), ("jsonld", "json-ld")):
        out = export(fmt, tmp_path / f"shipped.{fmt}")
        assert set(Graph().parse(out, format=parser)) == set(g), fmt
    G = load_graph()
    edges = {(u, v, k) for u, v, k, _ in G.edges()}
    back = nx.read_graphml(export("graphml", tmp_path / "shipped.graphml"), force_multigraph=True)
    assert set(back.nodes) == set(G.nodes) and set(back.edges(keys=True)) == edges
    cy = nx.cytoscape_graph(json.loads(export("cyjs", tmp_path / "shipped.cyjs").read_text(encoding="utf-8")))
    assert set(cy.nodes) == set(G.nodes) and set(cy.edges(keys=True)) == edges


# --------------------------------------------------------------------------------------------------- determinism


@pytest.mark.parametrize("fmt", ALL)
def test_two_exports_are_byte_identical(tmp_path: Path, fmt: str) -> None:
    a, b = tmp_path / f"a.{fmt}", tmp_path / f"b.{fmt}"
    export(fmt, a, data=TINY)
    export(fmt, b, data=TINY)
    assert a.read_bytes() == b.read_bytes()


def test_exports_do_not_depend_on_the_hash_seed(tmp_path: Path) -> None:
    """Set iteration order changes with PYTHONHASHSEED; every export must not."""
    outputs: dict[str, list[bytes]] = {fmt: [] for fmt in ALL}
    for seed in ("1", "2"):
        folder = tmp_path / seed
        folder.mkdir()
        env = {**os.environ, "PYTHONHASHSEED": seed, "NIBS_GRAPH_CACHE_DIR": str(folder / "cache")}
        code = "import sys\nfrom nibs_graph.export.formats import export\n" + "".join(
            f"export({fmt!r}, sys.argv[1] + '/out.{fmt}', data=sys.argv[2])\n" for fmt in ALL
        )
        subprocess.run([sys.executable, "-c", code, str(folder), str(TINY)], check=True, env=env)
        for fmt in ALL:
            outputs[fmt].append((folder / f"out.{fmt}").read_bytes())
    for fmt, (first, second) in outputs.items():
        assert first == second, fmt


def test_turtle_does_not_depend_on_insertion_order(tiny_rdf: Graph) -> None:
    triples = list(tiny_rdf)
    random.Random(3).shuffle(triples)
    shuffled = Graph()
    for triple in triples:
        shuffled.add(triple)
    assert to_turtle(shuffled) == to_turtle(tiny_rdf)
    assert to_ntriples(shuffled) == to_ntriples(tiny_rdf)
    assert to_jsonld(shuffled) == to_jsonld(tiny_rdf)


def test_graph_file_input_gives_the_same_export(runner, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ttl = tmp_path / "tiny.ttl"
    assert _cli(runner, "ttl", str(ttl), *T).exit_code == 0
    from_data, from_file = tmp_path / "a.nt", tmp_path / "b.nt"
    assert _cli(runner, "nt", str(from_data), *T).exit_code == 0
    assert _cli(runner, "nt", str(from_file), "--graph", str(ttl)).exit_code == 0
    assert from_data.read_bytes() == from_file.read_bytes()
    cy_data, cy_file = tmp_path / "a.cyjs", tmp_path / "b.cyjs"
    assert _cli(runner, "cyjs", str(cy_data), *T).exit_code == 0
    assert _cli(runner, "cyjs", str(cy_file), "--graph", str(ttl)).exit_code == 0
    assert json.loads(cy_data.read_text())["elements"] == json.loads(cy_file.read_text())["elements"]


# ------------------------------------------------------------------------------------------------ atomic writes


def test_write_atomic_accepts_bytes_text_and_a_writer(tmp_path: Path) -> None:
    out = tmp_path / "f.txt"
    assert write_atomic(out, b"one") == out and out.read_bytes() == b"one"
    write_atomic(out, "twö")
    assert out.read_text(encoding="utf-8") == "twö"
    write_atomic(out, lambda handle: handle.write(b"three"))
    assert out.read_bytes() == b"three"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f.txt"]


def test_write_atomic_keeps_the_permission_bits_of_the_file_it_replaces(tmp_path: Path) -> None:
    out = tmp_path / "f.txt"
    out.write_text("old")
    out.chmod(0o640)
    write_atomic(out, "new")
    assert stat.S_IMODE(out.stat().st_mode) == 0o640 and out.read_text() == "new"


def test_a_failed_write_leaves_the_old_file_and_no_temporary_file(tmp_path: Path) -> None:
    out = tmp_path / "f.txt"
    out.write_text("old")

    def half_then_fail(handle) -> None:  # type: ignore[no-untyped-def]
        handle.write(b"partial content")
        raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError, match="disk on fire"):
        write_atomic(out, half_then_fail)
    assert out.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["f.txt"]


def test_graphml_serialisation_failing_midway_keeps_the_old_export(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "g.graphml"
    export("graphml", out, data=TINY)
    before = out.read_bytes()

    def broken_writer(G, handle, **kwargs) -> None:  # type: ignore[no-untyped-def]
        handle.write(b"<?xml version='1.0'?><graphml>")  # half a document reaches the temporary file
        raise MemoryError("out of memory half-way")

    monkeypatch.setattr(nx, "write_graphml_xml", broken_writer)
    with pytest.raises(MemoryError):
        export("graphml", out, data=TINY)
    assert out.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["g.graphml"]


def test_turtle_serialisation_failing_midway_keeps_the_old_export(runner, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "g.ttl"
    out.write_text("old turtle")
    calls = {"n": 0}
    real = formats._turtle_term

    def flaky(term, prefixes):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] > 200:  # after the prefixes and some statements were written
            raise ExportError("serialisation failed half-way")
        return real(term, prefixes)

    monkeypatch.setattr(formats, "_turtle_term", flaky)
    result = _cli(runner, "ttl", str(out), *T)
    assert result.exit_code == 2 and "serialisation failed half-way" in result.stderr
    assert "Traceback" not in result.output
    assert out.read_text() == "old turtle"
    assert [p.name for p in tmp_path.iterdir()] == ["g.ttl"]


# ------------------------------------------------------------------------------------------------------ failures


def test_missing_folder_is_an_export_error(tmp_path: Path) -> None:
    with pytest.raises(ExportError, match="does not exist"):
        export("nt", tmp_path / "no" / "such" / "folder.nt", data=TINY)


def test_a_folder_in_place_of_the_file_is_an_export_error(tmp_path: Path) -> None:
    with pytest.raises(ExportError, match="is a folder"):
        write_atomic(tmp_path, b"x")


def test_unknown_format_and_stray_options_are_export_errors(tmp_path: Path) -> None:
    with pytest.raises(ExportError, match="unknown export format 'xml'"):
        export("xml", tmp_path / "x.xml", data=TINY)
    with pytest.raises(ExportError, match="takes no options"):
        export("ttl", tmp_path / "x.ttl", data=TINY, focus="BDNF")


@pytest.mark.parametrize("fmt", ALL)
def test_cli_unwritable_destination_exits_2_without_traceback(runner, tmp_path: Path, fmt: str) -> None:  # type: ignore[no-untyped-def]
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    result = _cli(runner, fmt, str(blocker / f"out.{fmt}"), *T)
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: cannot write") and "does not exist" in result.stderr
    assert "Traceback" not in result.output


def test_cli_unknown_format_exits_2(runner, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = _cli(runner, "xml", str(tmp_path / "x.xml"), *T)
    assert result.exit_code == 2 and "No such command 'xml'" in result.output


def test_cli_bad_sources_exit_2(runner, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = _cli(runner, "ttl", str(tmp_path / "x.ttl"), "--graph", str(tmp_path / "missing.ttl"))
    assert result.exit_code == 2 and "no such file" in result.stderr
    result = _cli(runner, "nt", str(tmp_path / "x.nt"), *T, "--graph", str(tmp_path / "missing.ttl"))
    assert result.exit_code == 2 and "cannot be used together" in result.stderr
    assert not list(tmp_path.iterdir())


def test_export_commands_have_help(runner) -> None:  # type: ignore[no-untyped-def]
    for fmt in [*ALL, "html"]:
        result = _cli(runner, fmt, "--help")
        assert result.exit_code == 0 and "--data" in result.stdout and "OUT" in result.stdout


def test_graphml_and_cyjs_keep_parallel_edges() -> None:
    from nibs_graph.projection import GraphData

    G = GraphData()
    G.add_node("nibs:iTBS", label="iTBS", type="technique", synonyms=())
    G.add_node("HGNC:1033", label="BDNF", type="gene_or_protein", synonyms=("Bdnf",))
    record = {"finding_id": "f1", "study_id": "s1", "species": "rat", "doi": None}
    for key, sign in (("increased", 1), ("decreased", -1)):
        G.add_edge("nibs:iTBS", "HGNC:1033", key, relation=key, sign=sign, evidence=(record,), studies=("s1",))
    back = nx.read_graphml(io.BytesIO(formats.to_graphml(G)), force_multigraph=True)
    cy = nx.cytoscape_graph(json.loads(to_cyjs(G)))
    for H in (back, cy):
        assert sorted(H["nibs:iTBS"]["HGNC:1033"]) == ["decreased", "increased"]
        assert H.edges["nibs:iTBS", "HGNC:1033", "decreased"]["sign"] == -1
