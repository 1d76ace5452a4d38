"""The evidence filter on every hop, certainty flags and link bases, on tests/data/evidence (hand-checkable).

The base: alpha2020 (rat, ref. 1) applied iTBS: BDNF, TrkB up; Akt up (flagged pooled_statement); mTOR up (flagged
direction_inferred). beta2021 (mouse, ref. 2) applied anodal tDCS: BDNF, TrkB up. Links: BDNF → TrkB cites [1,2]
(stated), TrkB → Akt cites [1] (inferred), Akt → mTOR cites [1] (stated); ERK1/2 has member ERK2 (FamPlex).
So TrkB → Akt and Akt → mTOR are observed at both ends only in rat (alpha2020): in mouse they are assumed.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from nibs_graph.cli import app
from nibs_graph.errors import DataValidationError, QueryError
from nibs_graph.queries import EvidenceFilter, contradictions, divergence, evidence, hubs, paths
from nibs_graph.queries.gaps import translational_gaps

from .conftest import TESTS

BASE = TESTS / "data" / "evidence"
D = ["--data", str(BASE)]


@pytest.fixture(scope="module")
def G():  # type: ignore[no-untyped-def]
    from nibs_graph.api import load_graph

    return load_graph(BASE, use_cache=False)


def test_references_resolve_to_studies(G) -> None:  # type: ignore[no-untyped-def]
    (link,) = G.succ["HGNC:1033"]["HGNC:8032"]["L1"]["evidence"]
    assert link["studies"] == ("alpha2020", "beta2021")
    assert link["basis"] == "stated"
    assert G.succ["HGNC:8032"]["FPLX:AKT"]["L2"]["evidence"][0]["basis"] == "inferred"
    assert G.succ["FPLX:ERK"]["HGNC:6871"]["L4"]["evidence"][0]["basis"] == "membership"


def test_hop_supported_only_in_another_species(G) -> None:  # type: ignore[no-untyped-def]
    rat = paths(G, "iTBS", "mTOR", species="rat")
    four = [p for p in rat.paths if len(p.hops) == 4]
    assert four and all(not h.assumed for h in four[0].hops)
    assert four[0].hops[2].support == ("alpha2020",)
    mouse = paths(G, "anodal tDCS", "mTOR", species="mouse")
    assert mouse.paths == []
    blocked = {(b["source"], b["target"]) for b in mouse.blocked}
    assert blocked == {("HGNC:8032", "FPLX:AKT"), ("FPLX:AKT", "HGNC:3942")}
    assert "Alpha et al., 2020" in mouse.blocked[0]["why"] and "in mouse" in mouse.blocked[0]["why"]


def test_allow_assumed_keeps_and_marks(G) -> None:  # type: ignore[no-untyped-def]
    kept = paths(G, "anodal tDCS", "mTOR", evidence_filter=EvidenceFilter(species="mouse", allow_assumed=True))
    longest = max(kept.paths, key=lambda p: len(p.hops))
    assert [h.assumed for h in longest.hops] == [False, False, True, True]
    assert longest.hops[1].support == ("beta2021",)  # BDNF -> TrkB: beta2021 saw both in mouse
    data = kept.to_dict(G)
    assert data["filters"]["allow_assumed"] is True
    assert [h["assumed"] for h in max(data["paths"], key=lambda p: len(p["hops"]))["hops"]] == [
        False,
        False,
        True,
        True,
    ]


def test_no_filter_needs_no_support(G) -> None:  # type: ignore[no-untyped-def]
    result = paths(G, "anodal tDCS", "mTOR")
    assert result.paths and not any(h.assumed for p in result.paths for h in p.hops)


def test_inferred_link_is_marked(G, runner) -> None:  # type: ignore[no-untyped-def]
    (path,) = [p for p in paths(G, "iTBS", "mTOR").paths if len(p.hops) == 3 and p.nodes[1] == "HGNC:8032"]
    assert path.hops[1].basis == "inferred"
    hop = path.hops[1]
    assert hop.cited == ("alpha2020",)
    out = runner.invoke(app, ["path", "iTBS", "mTOR", *D])
    assert "TrkB —activates→ Akt   [inferred]" in out.stdout
    assert "[1] = Alpha 2020" in out.stdout


def test_exclude_flag(G) -> None:  # type: ignore[no-untyped-def]
    everything = paths(G, "iTBS", "Akt", max_hops=1)
    assert [p.nodes for p in everything.paths] == [["nibs:iTBS", "FPLX:AKT"]]
    assert everything.paths[0].hops[0].flagged  # rests on a pooled statement only
    flt = EvidenceFilter(exclude_flags={"pooled_statement"})
    assert paths(G, "iTBS", "Akt", max_hops=1, evidence_filter=flt).paths == []
    assert paths(G, "iTBS", "Akt", max_hops=1, evidence_filter=EvidenceFilter(exclude_flags={"comparison_unclear"}))
    rows = evidence(G, "iTBS", "Akt", evidence_filter=flt)
    assert rows == []
    assert evidence(G, "iTBS", "Akt")[0]["flags"] == ["pooled_statement"]


def test_strict(G) -> None:  # type: ignore[no-untyped-def]
    strict = EvidenceFilter(strict=True)
    assert all(not h.flagged for p in paths(G, "iTBS", "mTOR", evidence_filter=strict).paths for h in p.hops)
    assert {p.nodes[1] for p in paths(G, "iTBS", "mTOR", evidence_filter=strict).paths} == {
        "HGNC:1033",
        "HGNC:8032",
    }
    top = {h.id: h for h in hubs(G, evidence_filter=strict)}
    assert "FPLX:AKT" not in top and "HGNC:3942" not in top
    assert {g.entity for g in translational_gaps(G, evidence_filter=strict)} == {"BDNF", "TrkB"}
    assert divergence(G, "BDNF", evidence_filter=strict).techniques["nibs:iTBS"]["continues"].keys() == {"HGNC:8032"}
    assert contradictions(G, evidence_filter=strict) == []


def test_filter_rejects_unknown_values() -> None:
    with pytest.raises(QueryError, match="unknown flag 'nope'; allowed: table_text_conflict"):
        EvidenceFilter(exclude_flags={"nope"})
    with pytest.raises(QueryError, match="species 'unicorn'"):
        EvidenceFilter(species="unicorn")
    with pytest.raises(QueryError, match="min_studies"):
        EvidenceFilter(min_studies=0)


@pytest.mark.parametrize(
    "command", ["path iTBS mTOR", "evidence iTBS BDNF", "hubs", "diverge BDNF", "contradictions", "gaps"]
)
def test_every_query_command_takes_the_filter(runner, command: str) -> None:  # type: ignore[no-untyped-def]
    args = [*command.split(), *D, "--strict", "--exclude-flag", "pooled_statement", "--min-studies", "1"]
    result = runner.invoke(app, [*args, "--species", "rat", "--allow-assumed", "-f", "json"])
    assert result.exit_code in (0, 1), result.output
    bad = runner.invoke(app, [*command.split(), *D, "--exclude-flag", "nope"])
    assert bad.exit_code == 2
    assert "--exclude-flag 'nope' is not allowed; allowed: table_text_conflict" in bad.stderr


def test_cli_names_the_hop_without_evidence(runner) -> None:  # type: ignore[no-untyped-def]
    result = runner.invoke(app, ["path", "anodal tDCS", "mTOR", *D, "--species", "mouse"])
    assert result.exit_code == 1
    assert "TrkB → Akt: no cited study (Alpha et al., 2020) observed both ends in mouse" in result.stderr
    assert "--allow-assumed" in result.stderr
    kept = runner.invoke(app, ["path", "anodal tDCS", "mTOR", *D, "--species", "mouse", "--allow-assumed"])
    assert kept.exit_code == 0
    assert "TrkB —activates→ Akt   [inferred; assumed: no mouse evidence]" in kept.stdout
    as_json = runner.invoke(app, ["path", "anodal tDCS", "mTOR", *D, "--species", "mouse", "-f", "json"])
    assert as_json.exit_code == 1
    assert json.loads(as_json.stdout)["blocked_hops"][0]["kind"] == "signalling"


def test_evidence_table_shows_flags(runner) -> None:  # type: ignore[no-untyped-def]
    result = runner.invoke(app, ["evidence", "iTBS", "Akt", *D])
    assert result.exit_code == 0 and "pooled_statement" in result.stdout
    links = runner.invoke(app, ["evidence", "TrkB", "Akt", *D, "--species", "rat", "-f", "json"])
    (row,) = json.loads(links.stdout)["evidence"]
    assert row["basis"] == "inferred" and row["studies"] == ["alpha2020"] and row["support"] == ["alpha2020"]
    assert runner.invoke(app, ["evidence", "TrkB", "Akt", *D, "--species", "mouse"]).exit_code == 1


def _copy(tmp_path: Path) -> Path:
    target = tmp_path / "base"
    shutil.copytree(BASE, target)
    return target


def test_validate_rejects_unknown_flag_and_basis(tmp_path: Path) -> None:
    from nibs_graph.validate import read_evidence_base

    base = _copy(tmp_path)
    findings = base / "findings.csv"
    findings.write_text(findings.read_text().replace("pooled_statement", "pooled_statement|guesswork"))
    links = base / "pathways.csv"
    links.write_text(links.read_text().replace(",inferred,", ",implied,"))
    with pytest.raises(DataValidationError) as caught:
        read_evidence_base(base)
    problems = {(p.column, p.line, p.value): p.allowed for p in caught.value.problems}
    assert problems[("flags", 4, "pooled_statement|guesswork")].startswith("table_text_conflict, primary_source")
    assert problems[("basis", 3, "implied")] == "stated, inferred, membership, resource"
    text = str(caught.value)
    assert "findings.csv:4: column 'flags': value 'pooled_statement|guesswork' is not allowed" in text


def test_columns_added_later_may_be_absent(tmp_path: Path) -> None:
    """An evidence base written before flags and basis existed stays valid: no flags, basis from the layer."""
    from nibs_graph.validate import read_evidence_base

    base = _copy(tmp_path)
    for name, drop in (("findings.csv", "flags"), ("pathways.csv", "basis")):
        import csv

        path = base / name
        rows = list(csv.DictReader(path.read_text(encoding="utf-8").splitlines()))
        columns = [c for c in rows[0] if c != drop and not (name == "pathways.csv" and c == "flags")]
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, columns, extrasaction="ignore")
            writer.writeheader()
            writer.writerows(rows)
    read = read_evidence_base(base)
    assert read.findings["alpha2020-f03"].flags == ()
    assert read.links["L2"].basis == "stated" and read.links["L4"].basis == "membership"
