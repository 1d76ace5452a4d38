"""Real answers on the shipped evidence base (the review's 30 studies), checked by hand against the source.

Spot-checked rows (source: Sveva et al., Cells 2025, Tables 2-4): Feng 2012 (Table 2 row 2: BDNF and pERK1/2 up
after 15 Hz rTMS), Gao 2010 (Table 2 row 3: caspase-3 down, Bcl-2 and the Bcl-2/Bax ratio up), Stekic 2022
(Table 3 row 7: p-ERK1/2 and PI3K up, mTOR and p-Akt restored), Thomson 2020 (Table 3 row 8: NTRK2, Bcl2, MAPK9 up
after iTBS; no change after cTBS), Sánchez-León 2021 (Table 4 row 8: GAD65/67 up after cathodal, unchanged after
anodal), Battaglia 2007 (Table 3 row 1: NR2A/NR2B phosphorylation is a transgenic-vs-wild-type difference).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from nibs_graph.api import load_evidence
from nibs_graph.queries import contradictions, divergence, evidence, hubs, paths


@pytest.fixture(scope="module")
def base():  # type: ignore[no-untyped-def]
    return load_evidence()


def test_all_thirty_studies_by_table(base) -> None:  # type: ignore[no-untyped-def]
    assert len(base.studies) == 30
    assert sorted(s.review_ref for s in base.studies.values()) == list(range(42, 72))
    assert Counter(s.review_table for s in base.studies.values()) == {"Table 2": 11, "Table 3": 9, "Table 4": 10}


def test_identifiers_are_never_invented(base) -> None:  # type: ignore[no-untyped-def]
    import csv

    from .conftest import ROOT

    reference = ROOT / "reference" / "studies.tsv"  # copied into the repository (reference/README.md)
    rows = {int(r["ref"]): r for r in csv.DictReader(reference.open(encoding="utf-8"), delimiter="\t")}
    for study in base.studies.values():
        ref = rows[study.review_ref]
        assert (study.doi or "") == ref["doi"], study.study_id
        assert study.doi_status == ref["doi_status"].split()[0], study.study_id
        assert (str(study.pmid) if study.pmid else "") == ref["pmid"], study.study_id


def _rows(base, study_id: str) -> set[tuple[str, str, str]]:  # type: ignore[no-untyped-def]
    return {
        (f.protocol_id, base.entities[f.target_id].label, f.direction)
        for f in base.findings.values()
        if f.study_id == study_id and f.source.startswith("Table")
    }


@pytest.mark.parametrize(
    ("study_id", "expected"),
    [
        ("feng2012", {("feng2012-hf", "BDNF", "increased"), ("feng2012-hf", "ERK1/2", "increased")}),
        (
            "gao2010",
            {
                ("gao2010-hf", "caspase-3", "decreased"),
                ("gao2010-hf", "Bcl-2", "increased"),
                ("gao2010-hf", "Bcl-2/Bax ratio", "increased"),
            },
        ),
        (
            "stekic2022",
            {
                ("stekic2022-itbs", "ERK1/2", "increased"),
                ("stekic2022-itbs", "PI3K", "increased"),
                ("stekic2022-itbs", "mTOR", "increased"),
                ("stekic2022-itbs", "Akt", "increased"),
            },
        ),
        (
            "thomson2020",
            {
                ("thomson2020-itbs", "TrkB", "increased"),
                ("thomson2020-itbs", "Bcl-2", "increased"),
                ("thomson2020-itbs", "JNK2", "increased"),
                ("thomson2020-ctbs", "TrkB", "unchanged"),
                ("thomson2020-ctbs", "Bcl-2", "unchanged"),
                ("thomson2020-ctbs", "JNK2", "unchanged"),
            },
        ),
    ],
)
def test_spot_checked_rows(base, study_id: str, expected: set[tuple[str, str, str]]) -> None:  # type: ignore[no-untyped-def]
    assert _rows(base, study_id) == expected


def test_polarity_is_kept_apart(base) -> None:  # type: ignore[no-untyped-def]
    rows = _rows(base, "sanchezleon2021")
    assert ("sanchezleon2021-ctdcs", "GAD67", "increased") in rows
    assert ("sanchezleon2021-atdcs", "GAD67", "unchanged") in rows
    assert base.protocols["sanchezleon2021-ctdcs"].polarity == "cathodal"


def test_genotype_differences_are_not_stimulation_effects(base) -> None:  # type: ignore[no-untyped-def]
    battaglia = [f for f in base.findings.values() if f.study_id == "battaglia2007" and f.target_id == "HGNC:4586"]
    assert battaglia and all(f.comparison == "model_vs_control" for f in battaglia)


def test_every_finding_points_back_to_its_source(base) -> None:  # type: ignore[no-untyped-def]
    import re

    pattern = re.compile(r"^(Table [234], row \d+|Section [34](\.\d+)*(, paragraph \d+)?)")
    assert all(pattern.match(f.source) for f in base.findings.values())
    for f in base.findings.values():
        if f.source.startswith("Table"):
            assert f.source.split(",")[0] == base.studies[f.study_id].review_table


def test_conflicts_are_symmetric(base) -> None:  # type: ignore[no-untyped-def]
    pairs = {(f.finding_id, other) for f in base.findings.values() for other in f.conflict}
    assert pairs, "the table/text conflicts are recorded"
    assert all((b, a) in pairs for a, b in pairs)


def test_itbs_reaches_mtor_on_stekic_evidence(shipped_graph) -> None:  # type: ignore[no-untyped-def]
    result = paths(shipped_graph, "iTBS", "mTOR")
    direct = result.paths[0]
    assert direct.nodes == ["nibs:iTBS", "HGNC:3942"]
    assert {e["study_id"] for e in direct.hops[0].evidence} == {"stekic2022"}
    assert all(p.consistency == "consistent" for p in result.paths)
    routes = [p.nodes for p in result.paths]
    assert ["nibs:iTBS", "FPLX:PI3K", "FPLX:AKT", "HGNC:3942"] in routes
    assert ["nibs:iTBS", "HGNC:8032", "FPLX:PI3K", "FPLX:AKT", "HGNC:3942"] in routes
    longer = paths(shipped_graph, "iTBS", "mTOR", max_hops=5)
    assert ["nibs:iTBS", "HGNC:1033", "HGNC:8032", "FPLX:PI3K", "FPLX:AKT", "HGNC:3942"] in [
        p.nodes for p in longer.paths
    ]


def test_human_evidence_for_bdnf(shipped_graph) -> None:  # type: ignore[no-untyped-def]
    result = paths(shipped_graph, "rTMS", "BDNF", setting="human", max_hops=1)
    assert {e["study_id"] for p in result.paths for h in p.hops for e in h.evidence} == {"wang2011"}


def test_bdnf_is_the_top_hub(shipped_graph) -> None:  # type: ignore[no-untyped-def]
    ranked = hubs(shipped_graph)
    top = ranked[0]
    assert top.label == "BDNF"
    assert len(top.techniques) > len(ranked[1].techniques)
    assert {"TMS", "tES"} == set(top.modalities)
    assert {"iTBS", "cTBS", "anodal tDCS"} <= set(top.techniques)
    assert len(top.studies) >= 10


def test_cascades_diverge_after_bdnf(shipped_graph) -> None:  # type: ignore[no-untyped-def]
    d = divergence(shipped_graph, "BDNF")
    continues = {
        shipped_graph.nodes[t]["label"]: {shipped_graph.nodes[e]["label"] for e in info["continues"]}
        for t, info in d.techniques.items()
    }
    assert {"PI3K", "Akt", "mTOR"} <= continues["iTBS"]
    assert "ERK1/2" in continues["anodal tDCS"] and "mTOR" not in continues["anodal tDCS"]
    mtor = next(b for b in d.branches if b["entity"] == "HGNC:3942")
    assert "nibs:anodal-tDCS" in mtor["not_reached_by"]


def test_contradictions_name_the_differing_context(shipped_graph) -> None:  # type: ignore[no-untyped-def]
    found = {(shipped_graph.nodes[c.target]["label"], c.family, c.kind): c for c in contradictions(shipped_graph)}
    baek = found[("CaMKII", "rMS", "opposite")]
    assert list(baek.differs) == ["frequency_hz"]
    polarity = found[("GAD67", "tDCS", "change_vs_none")]
    assert {"technique", "polarity"} <= set(polarity.differs)


def test_evidence_behind_a_link(shipped_graph) -> None:  # type: ignore[no-untyped-def]
    rows = evidence(shipped_graph, "iTBS", "BDNF")
    assert {"ismail2024", "ljubisavljevic2015"} <= {r["study_id"] for r in rows}
    assert all(r["stimulation_effect"] for r in rows)


def test_identifier_report_counts_match_the_data(base) -> None:  # type: ignore[no-untyped-def]
    import re

    from .conftest import SHIPPED

    report = (SHIPPED / "IDENTIFIERS.md").read_text(encoding="utf-8")
    by_type = Counter(e.type for e in base.entities.values())
    for entity_type, count in by_type.items():
        assert f"| `{entity_type}` | {count} |" in report, entity_type
    assert f"| total | {len(base.entities)} |" in report
    local = sorted(e for e in base.entities if e.startswith("nibsent:"))
    listed = sorted(set(re.findall(r"`(nibsent:\w+)`", report)))
    assert listed == local, "every entity without an external id is listed with its reason"


def test_translational_gap_as_stated_in_the_readme(shipped_graph) -> None:  # type: ignore[no-untyped-def]
    from nibs_graph.queries.gaps import translational_gaps

    from .conftest import ROOT

    links = translational_gaps(shipped_graph)
    human = [g for g in links if g.status == "human"]
    assert {s for g in human for s in g.human_studies} == {"wang2011", "sun2016", "battaglia2007"}
    assert f"({len(human)} of {len(links)}, from" in (ROOT / "README.md").read_text(encoding="utf-8")


def test_gaps_count_no_change_findings_as_evidence(shipped_graph) -> None:  # type: ignore[no-untyped-def]
    """Thomson 2020's three "no change" findings in human cells (cTBS) make those links human-cell evidence."""
    from nibs_graph.queries.gaps import translational_gaps

    links = {g.entity: g for g in translational_gaps(shipped_graph, technique="cTBS")}
    no_change = {e for e, g in links.items() if g.no_change_studies == ("thomson2020",)}
    assert no_change == {"Bcl-2", "JNK2", "TrkB"}
    assert all(links[e].status == "human cells" and links[e].directions == ("unchanged",) for e in no_change)
    assert links["BDNF"].status == "animal only" and links["BDNF"].no_change_studies == ()


def test_evidence_of_a_technique_and_of_an_entity(shipped_graph) -> None:  # type: ignore[no-untyped-def]
    from nibs_graph.queries.evidence import evidence_of

    ctbs = evidence_of(shipped_graph, "cTBS")
    assert {r["target_name"] for r in ctbs} == {"BDNF", "tPA", "Bcl-2", "JNK2", "TrkB"}
    assert sum(r["direction"] == "unchanged" for r in ctbs) == 3
    records = shipped_graph.graph["findings"].values()
    bdnf = evidence_of(shipped_graph, "BDNF")
    expected = {r["finding_id"] for r in records if r["target"] == "HGNC:1033" and r["stimulation_effect"]}
    assert {r["finding_id"] for r in bdnf} == expected
    assert any(r["direction"] == "unchanged" for r in bdnf)
    assert len({r["technique"] for r in bdnf}) >= 8


def test_every_arrow_of_the_results_columns_is_a_row() -> None:
    import os
    import subprocess
    import sys

    from .conftest import ROOT

    review = Path(os.environ.get("NIBS_GRAPH_REVIEW_TEXT", "/nonexistent"))
    if not review.is_file():
        pytest.skip(
            "counts the arrows of the review's own text, which this repository does not ship (it restates the "
            "review's facts, never its sentences): set NIBS_GRAPH_REVIEW_TEXT to a plain-text copy of Sveva et al., "
            "Cells 2025 to run it"
        )
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "check_completeness.py"), str(review), str(ROOT / "data")],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "Totals: 76 arrows; 239 table-sourced rows" in result.stdout
    assert "No cross-check problems." in result.stdout
