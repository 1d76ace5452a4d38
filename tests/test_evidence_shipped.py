"""Issue #10 on the shipped data: per-hop evidence, certainty flags, the corrected rows, the curation log."""

from __future__ import annotations

import re
from collections import defaultdict

import pytest

from nibs_graph.cli import app
from nibs_graph.queries import EvidenceFilter, paths

from .conftest import SHIPPED


@pytest.fixture(scope="module")
def base():  # type: ignore[no-untyped-def]
    from nibs_graph.api import load_evidence

    return load_evidence()


def test_bdnf_to_mtor_has_no_human_path_and_names_the_hop(shipped_graph, runner) -> None:  # type: ignore[no-untyped-def]
    result = paths(shipped_graph, "BDNF", "mTOR", setting="human")
    assert result.paths == []
    assert [(b["source"], b["target"]) for b in result.blocked] == [("FPLX:AKT", "HGNC:3942")]
    out = runner.invoke(app, ["path", "BDNF", "mTOR", "--setting", "human"])
    assert out.exit_code == 1
    assert "Akt → mTOR: no cited study (Wang et al., 2011; Stekic et al., 2022) observed both ends in human" in (
        out.stderr
    )


def test_itbs_to_mtor_has_no_human_path(shipped_graph, runner) -> None:  # type: ignore[no-untyped-def]
    result = paths(shipped_graph, "iTBS", "mTOR", setting="human")
    assert result.paths == []
    first_hops = {b["source"] for b in result.blocked if b["kind"] == "effect"}
    assert first_hops == {"nibs:iTBS"}  # no iTBS finding was measured in people
    out = runner.invoke(app, ["path", "iTBS", "mTOR", "--setting", "human"])
    assert out.exit_code == 1 and "iTBS → mTOR: no finding in human" in out.stderr


def test_rtms_to_bdnf_in_humans_still_finds_wang_2011(shipped_graph) -> None:  # type: ignore[no-untyped-def]
    result = paths(shipped_graph, "rTMS", "BDNF", setting="human")
    direct = [p for p in result.paths if len(p.hops) == 1]
    assert direct and {e["study_id"] for e in direct[0].hops[0].evidence} == {"wang2011"}
    # the two-hop route through ERK2 is supported in humans by the study the link cites
    via = [p for p in result.paths if p.nodes[1] == "HGNC:6871"]
    assert via and via[0].hops[1].support == ("wang2011",)


def test_assumed_hops_are_kept_and_marked_on_request(shipped_graph) -> None:  # type: ignore[no-untyped-def]
    kept = paths(shipped_graph, "BDNF", "mTOR", evidence_filter=EvidenceFilter(setting="human", allow_assumed=True))
    (path,) = [p for p in kept.paths if p.nodes == ["HGNC:1033", "HGNC:8032", "FPLX:PI3K", "FPLX:AKT", "HGNC:3942"]]
    assert [h.assumed for h in path.hops] == [False, False, False, True]
    assert path.hops[2].basis == "inferred" and path.hops[3].basis == "inferred"


def test_flagged_hops_are_marked_and_strict_leaves_them_out(shipped_graph, runner) -> None:  # type: ignore[no-untyped-def]
    result = paths(shipped_graph, "iTBS", "mTOR")
    direct = next(p for p in result.paths if len(p.hops) == 1)
    assert direct.hops[0].flagged  # Stekic's mTOR rests on a pooled Section 4 sentence
    strict = paths(shipped_graph, "iTBS", "mTOR", evidence_filter=EvidenceFilter(strict=True))
    assert all(not h.flagged for p in strict.paths for h in p.hops)
    assert all(not e.get("flags") for p in strict.paths for h in p.hops for e in h.evidence)
    out = runner.invoke(app, ["path", "iTBS", "mTOR", "--max-paths", "1"])
    assert "[flagged evidence only]" in out.stdout and "[flag: pooled_statement]" in out.stdout


def test_no_cathodal_gaba_increase(shipped_graph) -> None:  # type: ignore[no-untyped-def]
    assert "increased" not in shipped_graph.succ["nibs:cathodal-tDCS"].get("CHEBI:16865", {})
    assert "increased" in shipped_graph.succ["nibs:cathodal-tDCS"]["nibsent:GadGabaImbalance"]


def test_corrected_rows(base) -> None:  # type: ignore[no-untyped-def]
    nr2a = base.findings["battaglia2007-f04"]
    assert (nr2a.protocol_id, nr2a.technique) == ("battaglia2007-hf", "HF-rTMS") and "arm_uncertain" in nr2a.flags
    cholinergic = base.findings["mcnerney2022-f04"]
    assert "3xTgAD" in (cholinergic.context or "") and "6 weeks" in (cholinergic.time_point or "")
    # a target listed twice in one cell is counted once
    for study, label in (("hu2023", "CytC"), ("hu2023", "caspase-3")):
        assert [f.finding_id for f in base.findings.values() if f.study_id == study and f.target_label == label] == [
            next(f.finding_id for f in base.findings.values() if f.study_id == study and f.target_label == label)
        ]
    grin3a = [f for f in base.findings.values() if f.study_id == "weiler2023" and f.target_id == "HGNC:16767"]
    assert len(grin3a) == 2 and all("duplicate_in_source" in f.flags for f in grin3a)  # one per arm
    links = base.links
    assert {lid for lid, link in links.items() if link.basis == "inferred"} == {"L004", "L005", "L013"}
    erk_creb = [link for link in links.values() if (link.source_id, link.target_id) == ("FPLX:ERK", "HGNC:2345")]
    assert [(link.reference, base.cited_studies(link)) for link in erk_creb] == [("[66]", ("longo2022",))]
    assert base.cited_studies(links["L003"]) == ("wang2011", "stekic2022")


def test_every_link_has_a_basis_and_references_resolve(base) -> None:  # type: ignore[no-untyped-def]
    from nibs_graph.vocab import BASES

    assert {link.basis for link in base.links.values()} <= set(BASES)
    refs = base.review_refs()
    for link in base.links.values():
        cited = base.cited_studies(link)
        assert cited == tuple(dict.fromkeys(refs[n] for n in link.reference_numbers if n in refs))
        if link.basis == "inferred":
            assert link.notes and link.notes.startswith("Inferred")


def test_links_are_derived_from_their_studies_in_rdf(shipped_rdf) -> None:  # type: ignore[no-untyped-def]
    from nibs_graph.namespaces import DATA

    rows = shipped_rdf.query(f"SELECT ?sid WHERE {{ <{DATA}link/L003> prov:wasDerivedFrom ?s . ?s nibs:studyId ?sid }}")
    assert sorted(str(r[0]) for r in rows) == ["stekic2022", "wang2011"]
    flagged = shipped_rdf.query(
        "SELECT (COUNT(?f) AS ?n) WHERE { ?f a nibs:Finding ; nibs:flag nibs:pooled_statement }"
    )
    assert int(next(iter(flagged))[0]) == 6


def test_curation_log_lists_every_flag_with_its_rows(base) -> None:  # type: ignore[no-untyped-def]
    from nibs_graph.vocab import FLAGS

    flagged: dict[str, set[str]] = defaultdict(set)
    for f in base.findings.values():
        for name in f.flags:
            flagged[name].add(f.finding_id)
    for link in base.links.values():
        for name in link.flags:
            flagged[name].add(link.link_id)
    text = (SHIPPED / "CURATION.md").read_text(encoding="utf-8")
    section = text.split("## Certainty flags (issue #10)", 1)[1].split("\n## ", 1)[0]
    listed = {
        m.group(1): set(re.findall(r"`([^`]+)`", m.group(3)))
        for m in re.finditer(r"^- `(\w+)` \((\d+)\): .*?Rows: (.*)$", section, flags=re.M)
    }
    assert set(listed) == set(FLAGS)
    for name in FLAGS:
        assert listed[name] == flagged[name], name
    for f in base.findings.values():
        if f.flags:
            assert f.notes, f"{f.finding_id} is flagged without a note saying why"


def test_primary_source_disagreements_name_their_identifier(base) -> None:  # type: ignore[no-untyped-def]
    rows = [f for f in base.findings.values() if "primary_source_disagrees" in f.flags]
    assert {f.study_id for f in rows} == {"baek2018", "sun2016", "sanchezleon2021"}
    for f in rows:
        assert re.search(r"\b(PMC\d+|PMID \d+)", f.notes or ""), f.finding_id
