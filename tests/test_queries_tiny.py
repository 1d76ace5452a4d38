"""The query algorithms on the hand-checkable evidence base in tests/data/tiny.

The tiny base: alpha2020 (rat) applied iTBS: BDNF up, mTOR up, CREB unchanged. beta2021 (mouse) applied cTBS:
BDNF down; anodal tDCS: BDNF up (vs the stroke model), ERK2 up (human tissue), and a model-vs-wild-type mTOR
decrease that is not a stimulation effect. Links: BDNF → TrkB → {ERK1/2 → CREB, Akt → mTOR}; ERK1/2 has member ERK2.
"""

from __future__ import annotations

import pytest

from nibs_graph.errors import QueryError, UnknownNameError
from nibs_graph.queries import EvidenceFilter, contradictions, divergence, evidence, hubs, paths
from nibs_graph.resolve import resolve


def test_paths_itbs_to_mtor(tiny_graph) -> None:  # type: ignore[no-untyped-def]
    result = paths(tiny_graph, "iTBS", "mTOR")
    assert [p.nodes for p in result.paths] == [
        ["nibs:iTBS", "HGNC:3942"],
        ["nibs:iTBS", "HGNC:1033", "HGNC:8032", "FPLX:AKT", "HGNC:3942"],
    ]
    direct, cascade = result.paths
    assert direct.sign == 1 and direct.consistency == "consistent"
    assert cascade.sign == 1 and cascade.consistency == "consistent" and cascade.observed == ["increased"]
    assert [h.relation for h in cascade.hops] == ["increased", "activates", "activates", "activates"]
    assert cascade.hops[0].evidence[0]["study_id"] == "alpha2020"
    assert not result.truncated


def test_sign_is_compared_with_a_direct_observation(tiny_graph) -> None:  # type: ignore[no-untyped-def]
    (path,) = paths(tiny_graph, "iTBS", "CREB").paths
    assert path.nodes[-2:] == ["FPLX:ERK", "HGNC:2345"]
    assert path.sign == 1 and path.observed == ["unchanged"] and path.consistency == "contradicted"


def test_technique_family_includes_its_members(tiny_graph) -> None:  # type: ignore[no-untyped-def]
    result = paths(tiny_graph, "TBS", "mTOR")
    starts = {p.nodes[0] for p in result.paths}
    assert starts == {"nibs:iTBS", "nibs:cTBS"}
    (ctbs,) = [p for p in result.paths if p.nodes[0] == "nibs:cTBS"]
    assert ctbs.sign == -1 and ctbs.consistency == "untested"


def test_member_reaches_its_family(tiny_graph) -> None:  # type: ignore[no-untyped-def]
    result = paths(tiny_graph, "anodal tDCS", "CREB")
    assert ["nibs:anodal-tDCS", "HGNC:6871", "FPLX:ERK", "HGNC:2345"] in [p.nodes for p in result.paths]
    assert result.paths[0].hops[1].relation == "member_of"


def test_filters(tiny_graph) -> None:  # type: ignore[no-untyped-def]
    assert paths(tiny_graph, "TBS", "BDNF", species="mouse").paths[0].nodes == ["nibs:cTBS", "HGNC:1033"]
    assert paths(tiny_graph, "TBS", "BDNF", species="human").paths == []
    # ERK1/2 -> CREB cites no study, so it has no human support: assumed, left out unless allow_assumed
    assert paths(tiny_graph, "anodal tDCS", "CREB", setting="human").paths == []
    human = paths(
        tiny_graph, "anodal tDCS", "CREB", evidence_filter=EvidenceFilter(setting="human", allow_assumed=True)
    )
    assert [p.nodes[1] for p in human.paths] == ["HGNC:6871"]
    assert [h.assumed for h in human.paths[0].hops] == [False, False, True]
    assert paths(tiny_graph, "iTBS", "mTOR", min_studies=2).paths == []
    assert [len(p.hops) for p in paths(tiny_graph, "iTBS", "mTOR", max_hops=3).paths] == [1]


def test_model_vs_control_is_not_a_stimulation_effect(tiny_graph) -> None:  # type: ignore[no-untyped-def]
    assert all(p.nodes[0] != "nibs:anodal-tDCS" or len(p.hops) > 1 for p in paths(tiny_graph, "tDCS", "mTOR").paths)
    rows = evidence(tiny_graph, "anodal tDCS", "mTOR", include_other=True)
    assert [(r["finding_id"], r["stimulation_effect"]) for r in rows] == [("beta2021-f04", False)]
    assert evidence(tiny_graph, "anodal tDCS", "mTOR") == []


def test_path_cap_is_reported(tiny_graph) -> None:  # type: ignore[no-untyped-def]
    result = paths(tiny_graph, "TBS", "mTOR", max_paths=1)
    assert len(result.paths) == 1 and result.total_found == 3
    assert result.truncated and result.reason == "max_paths"


def test_path_errors(tiny_graph) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(QueryError, match="max_hops"):
        paths(tiny_graph, "iTBS", "mTOR", max_hops=0)
    with pytest.raises(QueryError, match="target must be a molecular entity"):
        paths(tiny_graph, "BDNF", "iTBS")
    with pytest.raises(UnknownNameError) as caught:
        paths(tiny_graph, "iTBS", "mTORC")
    assert "mTOR" in caught.value.suggestions


def test_path_json_shape(tiny_graph) -> None:  # type: ignore[no-untyped-def]
    data = paths(tiny_graph, "iTBS", "mTOR").to_dict(tiny_graph)
    assert data["source"] == {"id": "nibs:iTBS", "label": "iTBS", "type": "technique"}
    hop = data["paths"][1]["hops"][0]
    assert set(hop) == {
        "source",
        "target",
        "relation",
        "sign",
        "basis",
        "cited_studies",
        "support",
        "assumed",
        "flagged",
        "evidence",
    }
    assert {"study_id", "citation", "doi", "species", "setting", "direction", "flags"} <= set(hop["evidence"][0])
    assert data["paths"][1]["sign"] == 1 and data["paths"][1]["consistency"] == "consistent"


@pytest.mark.parametrize(
    ("name", "node"),
    [
        ("itbs", "nibs:iTBS"),
        ("TrkB", "HGNC:8032"),
        ("ntrk2", "HGNC:8032"),
        ("erk1/2", "FPLX:ERK"),
        ("hgnc:1033", "HGNC:1033"),
        ("atDCS", "nibs:anodal-tDCS"),
        ("Anodal TDCS", "nibs:anodal-tDCS"),
        ("alpha2020-itbs", "nibsdata:protocol/alpha2020-itbs"),
    ],
)
def test_name_resolution(tiny_graph, name: str, node: str) -> None:  # type: ignore[no-untyped-def]
    assert resolve(tiny_graph, name) == node


def test_hubs(tiny_graph) -> None:  # type: ignore[no-untyped-def]
    ranked = hubs(tiny_graph)
    assert [h.label for h in ranked] == ["BDNF", "ERK2", "mTOR"]
    bdnf = ranked[0]
    assert bdnf.techniques == ("iTBS", "cTBS", "anodal tDCS")
    assert bdnf.studies == ("alpha2020", "beta2021") and bdnf.modalities == ("TMS", "tES")
    assert bdnf.directions == {"decreased": 1, "increased": 2}
    assert ranked[2].unchanged_findings == 0 and ranked[2].techniques == ("iTBS",)


def test_betweenness_on_the_signalling_layer(tiny_graph) -> None:  # type: ignore[no-untyped-def]
    from nibs_graph.queries import signalling_centrality

    degree, betweenness = signalling_centrality(tiny_graph)
    # TrkB lies on every path from BDNF to ERK1/2, Akt, mTOR, CREB, ERK2: the top broker
    assert max(betweenness, key=betweenness.get) == "HGNC:8032"
    assert degree["HGNC:8032"] == 3


def test_divergence_after_bdnf(tiny_graph) -> None:  # type: ignore[no-untyped-def]
    d = divergence(tiny_graph, "BDNF")
    assert set(d.techniques) == {"nibs:iTBS", "nibs:cTBS", "nibs:anodal-tDCS"}
    assert list(d.techniques["nibs:iTBS"]["continues"]) == ["HGNC:3942"]
    assert list(d.techniques["nibs:anodal-tDCS"]["continues"]) == ["HGNC:6871"]
    branches = {b["entity"]: (b["techniques"], b["not_reached_by"]) for b in d.branches}
    assert branches["HGNC:3942"] == (["nibs:iTBS"], ["nibs:anodal-tDCS", "nibs:cTBS"])
    assert d.downstream["HGNC:3942"] == ["HGNC:1033", "HGNC:8032", "FPLX:AKT", "HGNC:3942"]


def test_contradictions(tiny_graph) -> None:  # type: ignore[no-untyped-def]
    (c,) = contradictions(tiny_graph)
    assert c.target == "HGNC:1033" and c.kind == "opposite" and c.family == "TBS"
    assert [r["finding_id"] for r in c.sides["increased"]] == ["alpha2020-f01"]
    assert [r["finding_id"] for r in c.sides["decreased"]] == ["beta2021-f01"]
    assert {"technique", "species"} <= set(c.differs)
    assert contradictions(tiny_graph, target="mTOR") == []


def test_translational_gaps(tiny_graph) -> None:  # type: ignore[no-untyped-def]
    from nibs_graph.errors import QueryError
    from nibs_graph.queries.gaps import translational_gaps

    rows = {(g.technique, g.entity): g for g in translational_gaps(tiny_graph)}
    # ERK2 after anodal tDCS was measured in human tissue; every other link rests on rodents only
    assert rows[("anodal tDCS", "ERK2")].status == "human"
    assert rows[("anodal tDCS", "ERK2")].human_studies == ("beta2021",)
    assert rows[("iTBS", "BDNF")].status == "animal only" and rows[("iTBS", "BDNF")].species == ("rat",)
    # a "no change" finding is evidence: the link is listed, marked by its direction and study
    assert rows[("iTBS", "CREB")].directions == ("unchanged",)
    assert rows[("iTBS", "CREB")].no_change_studies == ("alpha2020",)
    assert ("anodal tDCS", "mTOR") not in rows  # a model-vs-wild-type difference is not a stimulation link
    assert [g.status for g in translational_gaps(tiny_graph)][-1] == "human"  # gaps first
    assert {g.technique for g in translational_gaps(tiny_graph, technique="TBS")} == {"iTBS", "cTBS"}
    with pytest.raises(QueryError, match="allowed: human, human cells, animal only"):
        translational_gaps(tiny_graph, status="clinical")
