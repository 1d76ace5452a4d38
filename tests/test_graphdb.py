"""The cached graph (nibs_graph.graphdb's LazyGraph) against the projection it was written from, on the tiny,
shipped and a generated 1k-finding base: every node, edge and record in the same order, shared the same way; its
sections (names, signalling edges, effect ids) equal to the scans they replace; and the queries' answers equal."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from nibs_graph.api import load_graph
from nibs_graph.graphdb import LazyGraph, open_graph, write_graph
from nibs_graph.projection import GraphData
from nibs_graph.queries import hubs, paths
from nibs_graph.queries._common import signalling_edges
from nibs_graph.queries.filters import EvidenceFilter
from nibs_graph.resolve import name_index

from .conftest import SHIPPED, TINY


@pytest.fixture(scope="module")
def base_1k(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A synthetic base of 1,000 findings (benchmarks/generate.py, seed 0)."""
    from benchmarks.generate import generate

    folder = tmp_path_factory.mktemp("generated-1k")
    generate(folder, 1000, seed=0)
    return folder


@pytest.fixture(scope="module", params=["tiny", "shipped", "1k"])
def pair(request: pytest.FixtureRequest, base_1k: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Any]:
    """(the projection compiled afresh, a function opening a fresh LazyGraph written from it)."""
    data = {"tiny": TINY, "shipped": SHIPPED, "1k": base_1k}[request.param]
    G = load_graph(data, use_cache=False)
    path = tmp_path_factory.mktemp("graphdb") / "graph.sqlite"
    write_graph(G, path, {"kind": "test"})
    return G, lambda: open_graph(path, {"kind": "test"})


def _same(a: Any, b: Any) -> bool:
    """Equal values of the same types (a mapping of the lazy graph counts as a dict), dict keys in the same order."""
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if type(a) is not type(b):
        return False
    if isinstance(a, tuple | list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def test_every_node_edge_and_record_read_lazily(pair: tuple[GraphData, Any]) -> None:
    G, opened = pair
    H: LazyGraph = opened()
    assert list(H.nodes) == list(G.nodes) and list(H.succ) == list(G.succ) and list(H.pred) == list(G.pred)
    for node in reversed(list(G.nodes)):  # one by one, in another order than written
        assert _same(H.nodes[node], G.nodes[node])
        assert _same(H.succ[node], G.succ[node]), node
        assert _same(H.pred[node], G.pred[node]), node
    findings = G.graph["findings"]
    assert list(H.graph) == list(G.graph) and list(H.graph["findings"]) == list(findings)
    for fid in list(findings)[::7]:
        assert _same(H.graph["findings"][fid], findings[fid])
    assert H.number_of_edges() == G.number_of_edges()
    assert "nope:missing" not in H.nodes and H.succ.get("nope:missing") is None


def test_whole_graph_and_sharing(pair: tuple[GraphData, Any]) -> None:
    G, opened = pair
    H: LazyGraph = opened()
    M = H.materialize()
    assert M == G
    for name in ("graph", "nodes", "succ", "pred"):
        assert _same(getattr(M, name), getattr(G, name)), name
    assert [(u, v, k) for u, v, k, _ in H.edges()] == [(u, v, k) for u, v, k, _ in G.edges()]
    records = {id(r) for r in H.graph["findings"].values()}
    for u, nbrs in H.succ.items():
        for v, keyed in nbrs.items():
            for key, attrs in keyed.items():
                assert H.pred[v][u][key] is attrs
                if G.succ[u][v][key].get("evidence") and "finding_id" in G.succ[u][v][key]["evidence"][0]:
                    assert all(id(r) in records for r in attrs["evidence"])  # the records themselves, shared


def test_sections_equal_the_scans_they_replace(pair: tuple[GraphData, Any]) -> None:
    G, opened = pair
    H: LazyGraph = opened()
    assert list(signalling_edges(H)) == list(signalling_edges(G))
    for key, node in name_index(G).items():
        assert H.lookup_name(key) == node
    assert H.lookup_name("no such name at all") is None
    for kind in ("technique", "protocol", "gene_or_protein"):
        assert H.nodes_of_type(kind) == [(n, a) for n, a in G.nodes.items() if a.get("type") == kind]
    for node, attrs in G.nodes.items():
        if attrs["type"] != "technique":
            continue
        expected = [
            (v, k, [(r["finding_id"], r["study_id"]) for r in data.get("evidence", ())])
            for v, keyed in G.succ[node].items()
            for k, data in keyed.items()
        ]
        assert list(H.effect_ids(node)) == expected


def test_queries_answer_the_same(pair: tuple[GraphData, Any]) -> None:
    G, opened = pair
    for flt in (None, EvidenceFilter(species="rat"), EvidenceFilter(strict=True)):
        expected = [h.to_dict() for h in hubs(G, evidence_filter=flt)]
        assert [h.to_dict() for h in hubs(opened(), evidence_filter=flt)] == expected
    H = opened()
    for source, target in (("iTBS", "mTOR"), ("iTBS", "BDNF"), ("TBS", "ERK1/2"), ("rTMS", "CREB")):
        for flt in (None, EvidenceFilter(species="human"), EvidenceFilter(min_studies=2, allow_assumed=True)):
            try:
                want = paths(G, source, target, evidence_filter=flt).to_dict(G)
            except Exception as exc:  # an unknown name in this base: the cached graph must say the same
                with pytest.raises(type(exc)):
                    paths(H, source, target, evidence_filter=flt)
                continue
            assert paths(H, source, target, evidence_filter=flt).to_dict(H) == want


def test_refuses_what_it_cannot_write(tmp_path: Path) -> None:
    G = GraphData()
    G.add_node("x", when={1, 2})
    with pytest.raises(TypeError):
        write_graph(G, tmp_path / "g.sqlite", {})
