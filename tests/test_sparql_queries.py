"""Every example query in queries/ answers its question on the shipped data.

Each answer is asserted as the query engine computes it on the shipped evidence base, cross-checked against the
Python API (the projection the other commands use), and checked to be the same on the Oxigraph store.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import pytest

from nibs_graph.paths import queries_dir
from nibs_graph.sparql.formats import QueryResult
from nibs_graph.sparql.guard import DEFAULT_PREFIXES
from nibs_graph.sparql.stores import MemoryStore, OxigraphStore, StoreSpec, open_store

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "data"
_BASES = sorted(DEFAULT_PREFIXES.items(), key=lambda item: -len(item[1]))

pytestmark = pytest.mark.skipif(
    not (SHIPPED / "findings.csv").is_file(), reason="the shipped evidence base is not complete yet"
)


def short(term: dict[str, str] | None) -> Any:
    """A term as a CURIE, a number or a string."""
    if term is None:
        return None
    if term["type"] == "uri":
        for prefix, base in _BASES:
            if term["value"].startswith(base):
                return f"{prefix}:{term['value'][len(base) :]}"
        return term["value"]
    if term.get("datatype", "").endswith("#integer"):
        return int(term["value"])
    return term["value"]


def table(result: QueryResult) -> list[tuple[Any, ...]]:
    return [tuple(short(row.get(v)) for v in result.variables) for row in result.rows]


def run(store: Any, name: str) -> QueryResult:
    return store.query((queries_dir() / name).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def memory() -> MemoryStore:
    store = open_store(StoreSpec())
    assert isinstance(store, MemoryStore)
    return store


@pytest.fixture(scope="module")
def oxigraph(tmp_path_factory: pytest.TempPathFactory) -> OxigraphStore:
    store = open_store(StoreSpec.parse(f"oxigraph:{tmp_path_factory.mktemp('ox') / 'store'}"))
    assert isinstance(store, OxigraphStore)
    return store


@pytest.fixture(scope="module")
def G():  # type: ignore[no-untyped-def]
    from nibs_graph.api import load_graph

    return load_graph(use_cache=False)


def test_every_query_has_a_header_comment_and_runs_on_both_stores(memory: MemoryStore, oxigraph: OxigraphStore) -> None:
    files = sorted(queries_dir().glob("*.rq"))
    assert len(files) >= 7
    for path in files:
        lines = path.read_text(encoding="utf-8").splitlines()
        assert lines[0].startswith("# ") and lines[0].rstrip().endswith("?"), f"{path.name}: no question in line 1"
        assert lines[1].startswith("# "), f"{path.name}: no explanation"
        a, b = run(memory, path.name), run(oxigraph, path.name)
        assert len(a) > 0, f"{path.name} answers nothing"
        if a.kind == "bindings":
            assert a.variables == b.variables
            key = (lambda rows: sorted(map(repr, rows))) if "ORDER BY" not in path.read_text() else list
            assert key(table(a)) == key(table(b)), path.name
        elif a.kind == "boolean":
            assert a.boolean == b.boolean
        else:
            assert sorted(map(repr, a.triples)) == sorted(map(repr, b.triples)), path.name


def test_techniques_reaching_bdnf(memory: MemoryStore, G: Any) -> None:
    rows = table(run(memory, "techniques_reaching_bdnf.rq"))
    assert rows == [
        ("nibs:HF-rTMS", "HF-rTMS", "nibs:increased", 6, 5),
        ("nibs:anodal-tDCS", "anodal tDCS", "nibs:increased", 4, 3),
        ("nibs:rTMS", "rTMS", "nibs:increased", 3, 2),
        ("nibs:iTBS", "iTBS", "nibs:increased", 2, 2),
        ("nibs:rMS", "rMS", "nibs:increased", 2, 1),
        ("nibs:DCS", "DCS", "nibs:increased", 1, 1),
        ("nibs:HF-rTMS", "HF-rTMS", "nibs:unchanged", 1, 1),
        ("nibs:LF-rTMS", "LF-rTMS", "nibs:increased", 1, 1),
        ("nibs:cTBS", "cTBS", "nibs:increased", 1, 1),
    ]
    # the projection's technique → BDNF effect edges carry the same findings and studies
    from_api = {
        (u, "nibs:" + key, len(data["evidence"]), len(data["studies"]))
        for u, keys in G.pred["HGNC:1033"].items()
        if G.nodes[u]["type"] == "technique"
        for key, data in keys.items()
    }
    assert from_api == {(t, d, f, s) for t, _, d, f, s in rows}


def test_protocols_with_human_evidence(memory: MemoryStore, G: Any) -> None:
    rows = table(run(memory, "protocols_with_human_evidence.rq"))
    assert [(r[0], r[2], r[3], r[4]) for r in rows] == [
        ("nibsdata:protocol/battaglia2007-pas", "nibs:PAS", "battaglia2007", 1),
        ("nibsdata:protocol/cancel2022-dcs", "nibs:DCS", "cancel2022", 4),
        ("nibsdata:protocol/kim2024-hf", "nibs:HF-rTMS", "kim2024", 15),
        ("nibsdata:protocol/kim2024-lf", "nibs:LF-rTMS", "kim2024", 9),
        ("nibsdata:protocol/sun2016-invivo", "nibs:DCS", "sun2016", 3),
        ("nibsdata:protocol/thomson2020-ctbs", "nibs:cTBS", "thomson2020", 3),
        ("nibsdata:protocol/thomson2020-itbs", "nibs:iTBS", "thomson2020", 3),
        ("nibsdata:protocol/wang2011-hc", "nibs:rTMS", "wang2011", 9),
    ]
    counts = Counter(
        f["protocol"]
        for f in G.graph["findings"].values()
        if "human" in f["setting"].split("|") or "human" in f["species"].split("|")
    )
    assert counts == {r[0]: r[4] for r in rows}


def test_links_with_both_up_and_down_findings(memory: MemoryStore, G: Any) -> None:
    rows = table(run(memory, "links_up_and_down.rq"))
    assert rows == [
        ("nibs:rMS", "FPLX:AKT", "Akt", 1, 1),
        ("nibs:rMS", "HGNC:959", "Bax", 1, 1),
        ("nibs:rMS", "HGNC:990", "Bcl-2", 1, 1),
        ("nibs:rMS", "HGNC:2345", "CREB", 1, 1),
        ("nibs:rMS", "FPLX:CAMK2_complex", "CaMKII", 1, 1),
        ("nibs:rMS", "FPLX:ERK", "ERK1/2", 1, 1),
        ("nibs:rMS", "HGNC:4584", "GluN1", 1, 1),
        ("nibs:rMS", "HGNC:1504", "caspase-3", 2, 2),
    ]
    from_api = {
        (u, v, len(keys["increased"]["evidence"]), len(keys["decreased"]["evidence"]))
        for u, nbrs in G.succ.items()
        if G.nodes[u]["type"] == "technique"
        for v, keys in nbrs.items()
        if "increased" in keys and "decreased" in keys
    }
    assert from_api == {(t, e, up, down) for t, e, _, up, down in rows}


def test_studies_per_technique(memory: MemoryStore, G: Any) -> None:
    rows = table(run(memory, "studies_per_technique.rq"))
    assert [(r[0], r[2], r[3]) for r in rows] == [
        ("nibs:anodal-tDCS", 8, 9),
        ("nibs:iTBS", 8, 8),
        ("nibs:HF-rTMS", 7, 7),
        ("nibs:LF-rTMS", 4, 5),
        ("nibs:rTMS", 3, 4),
        ("nibs:DCS", 2, 3),
        ("nibs:TBS", 2, 2),
        ("nibs:cTBS", 2, 2),
        ("nibs:cathodal-tDCS", 2, 2),
        ("nibs:PAS", 1, 1),
        ("nibs:rMS", 1, 2),
        ("nibs:tACS", 1, 1),
    ]
    studies: dict[str, set[str]] = defaultdict(set)
    protocols: Counter[str] = Counter()
    for attrs in G.nodes.values():
        if attrs["type"] == "protocol":
            studies[attrs["technique"]].add(attrs["study_id"])
            protocols[attrs["technique"]] += 1
    assert {t: (len(s), protocols[t]) for t, s in studies.items()} == {r[0]: (r[2], r[3]) for r in rows}


def test_findings_of_a_study_with_provenance(memory: MemoryStore, G: Any) -> None:
    rows = table(run(memory, "findings_of_study.rq"))
    assert len(rows) == 23
    assert rows[0] == (
        "nibsdata:finding/baek2018-f01",
        "nibsdata:protocol/baek2018-lf",
        "FPLX:ERK",
        "p-ERK",
        "nibs:decreased",
        "phosphorylation",
        "nibs:stim_vs_sham",
        "10.3389/fneur.2018.00050",
        "Table 2, row 1",
    )
    assert rows[-1][0] == "nibsdata:finding/baek2018-f23" and rows[-1][8] == "Section 3.1.1"
    expected = sorted(
        (
            "nibsdata:finding/" + f["finding_id"],
            f["protocol"],
            f["target"],
            "nibs:" + f["direction"],
            f["doi"],
            f["source"],
        )
        for f in G.graph["findings"].values()
        if f["study_id"] == "baek2018"
    )
    assert [(r[0], r[1], r[2], r[4], r[7], r[8]) for r in rows] == expected


def test_technique_hierarchy(memory: MemoryStore) -> None:
    from nibs_graph import vocab

    rows = table(run(memory, "technique_hierarchy.rq"))
    assert len(rows) == 15
    assert rows[0] == ("nibs:TMS", "TMS", "nibs:NIBS", 1)
    assert ("nibs:iTBS", "iTBS", "nibs:TBS", 4) in rows
    assert ("nibs:anodal-tDCS", "anodal tDCS", "nibs:tDCS", 3) in rows
    from_vocab = {
        (t.curie, t.label, vocab.TECHNIQUES[t.parent].curie, len(vocab.technique_lineage(t.label)) - 1)
        for t in vocab.TECHNIQUES.values()
        if t.parent
    }
    assert set(rows) == from_vocab


def test_entities_without_external_id(memory: MemoryStore, G: Any) -> None:
    from nibs_graph.summary import graph_info

    rows = table(run(memory, "entities_without_external_id.rq"))
    assert len(rows) == 28 == graph_info(G)["entities_without_external_id"]
    assert {r[0] for r in rows} == {n for n in G.nodes if n.startswith("nibsent:")}
    assert ("nibsent:LongTermDepression", "long-term depression", "biological_process", 4) in rows
    assert ("nibsent:EarlyGeneExpression", "early gene expression", "biological_process", 0) in rows
    targeted = Counter(f["target"] for f in G.graph["findings"].values())
    assert {r[0]: r[3] for r in rows} == {r[0]: targeted.get(r[0], 0) for r in rows}


def test_bdnf_signalling_downstream(memory: MemoryStore, G: Any) -> None:
    rows = table(run(memory, "bdnf_signalling_downstream.rq"))
    assert [r[1] for r in rows] == [
        "AKT1",
        "Akt",
        "BDNF",
        "CREB",
        "CaMKII",
        "ERK1",
        "ERK1/2",
        "ERK2",
        "PI3K",
        "TrkB",
        "mTOR",
    ]
    positive = {"activates", "increases_expression", "has_member", "part_of"}
    reached: set[str] = set()
    frontier = ["HGNC:1033"]
    while frontier:
        node = frontier.pop()
        for v, keys in G.succ[node].items():
            if any(d["relation"] in positive for d in keys.values()) and v not in reached:
                reached.add(v)
                frontier.append(v)
    assert reached == {r[0] for r in rows}


def test_findings_by_setting(memory: MemoryStore, G: Any) -> None:
    """Each finding counts once, under its setting or the combination of its settings: the rows add up."""
    rows = table(run(memory, "findings_by_setting.rq"))
    order = ("in vitro", "ex vivo", "in vivo", "human")
    counts: Counter[tuple[str, str]] = Counter()
    for f in G.graph["findings"].values():
        settings = set(f["setting"].split("|"))
        counts[(" + ".join(s for s in order if s in settings), f["direction"])] += 1
    for setting, total, up, down, same in rows:
        assert (counts[(setting, "increased")], counts[(setting, "decreased")], counts[(setting, "unchanged")]) == (
            up,
            down,
            same,
        )
        assert total == up + down + same
    assert sum(r[1] for r in rows) == len(G.graph["findings"]) == 270
    assert ("in vitro + in vivo", 16, 16, 0, 0) in rows and rows[0] == ("in vivo", 130, 97, 25, 8)


def test_example_queries_that_count_twice_say_so(memory: MemoryStore) -> None:
    rows = table(run(memory, "studies_per_technique.rq"))
    total = sum(r[2] for r in rows)
    assert total > 30
    assert (
        f"({total} on the shipped data, which has 30 studies)"
        in (queries_dir() / "studies_per_technique.rq").read_text()
    )


def test_itbs_increases_bdnf(memory: MemoryStore, G: Any) -> None:
    assert run(memory, "itbs_increases_bdnf.rq").boolean is True
    assert "increased" in G.succ["nibs:iTBS"]["HGNC:1033"]
    negated = (queries_dir() / "itbs_increases_bdnf.rq").read_text().replace("nibs:increased", "nibs:decreased")
    assert memory.query(negated).boolean is False


def test_bdnf_neighbourhood(memory: MemoryStore, G: Any) -> None:
    result = run(memory, "bdnf_neighbourhood.rq")
    triples = {(short(s), short(p), short(o)) for s, p, o in result.triples}
    effect_sources = {
        s for s, p, o in triples if o == "HGNC:1033" and p in ("nibs:increases", "nibs:decreases", "nibs:doesNotChange")
    }
    assert effect_sources == {
        u for u, keys in G.pred["HGNC:1033"].items() if G.nodes[u]["type"] in ("technique", "protocol")
    }
    assert ("HGNC:1033", "nibs:activates", "HGNC:8032") in triples
    assert ("HGNC:8032", "rdfs:label", "TrkB") in triples
    assert ("nibs:iTBS", "nibs:increases", "HGNC:1033") in triples


def test_conflicting_findings(memory: MemoryStore, G: Any) -> None:
    rows = table(run(memory, "conflicting_findings.rq"))
    assert len(rows) == 10
    assert rows[0] == (
        "nibsdata:finding/baek2018-f01",
        "nibs:decreased",
        "Table 2, row 1",
        "nibsdata:finding/baek2018-f22",
        "nibs:unchanged",
        "Section 3.1.1",
        "p-ERK",
    )
    pairs = {tuple(sorted((fid, other))) for fid, f in G.graph["findings"].items() for other in f["conflicts_with"]}
    assert pairs == {(r[0].split("/")[-1], r[3].split("/")[-1]) for r in rows}
