"""Protocol questions (#11): parameters, synthesis by direction of effect, protocol sets, hubs against chance.

Tiny data and pure functions with hand-computed answers first, then the shipped data.
"""

from __future__ import annotations

import csv
import json
import re
import shutil
from pathlib import Path

import pytest

from nibs_graph.cli import app
from nibs_graph.errors import QueryError
from nibs_graph.queries.filters import EvidenceFilter
from nibs_graph.queries.hubs import change_links, exact_null, hubs, permutation_null
from nibs_graph.queries.params import PARAMETERS, parse_param, parse_params
from nibs_graph.queries.protocols import protocol_sets
from nibs_graph.queries.synthesis import sign_test, synthesis, wilson_interval, within_study_vote

from .conftest import SHIPPED, TINY

# --------------------------------------------------------------------------------------- hand-computed statistics


@pytest.mark.parametrize(
    ("up", "down", "p"),
    [
        (5, 0, 0.0625),  # 2 · (1/32)
        (0, 5, 0.0625),
        (4, 1, 0.375),  # 2 · (1 + 5)/32
        (3, 3, 1.0),  # 2 · (1 + 6 + 15 + 20)/64 > 1, capped
        (1, 0, 1.0),  # 2 · 1/2
        (6, 0, 0.03125),  # 2/64
        (9, 1, 0.021484375),  # 2 · (1 + 10)/1024
    ],
)
def test_sign_test_by_hand(up: int, down: int, p: float) -> None:
    assert sign_test(up, down) == p


def test_sign_test_without_votes_is_none() -> None:
    assert sign_test(0, 0) is None


def test_wilson_interval_by_hand() -> None:
    # 5 of 5, z = 1.96: centre (1 + z²/10)/(1 + z²/5) = 0.78276, half z·sqrt(z²/100)/(1 + z²/5) = 0.21724
    low, high = wilson_interval(5, 5)  # type: ignore[misc]
    assert low == pytest.approx(0.56551, abs=1e-5)
    assert high == 1.0
    # 1 of 2: symmetric around 0.5, half-width z·sqrt(0.125 + z²/16)/(1 + z²/2) = 0.40547
    low, high = wilson_interval(1, 2)  # type: ignore[misc]
    assert (low, high) == pytest.approx((0.09453, 0.90547), abs=1e-5)
    assert wilson_interval(0, 0) is None


@pytest.mark.parametrize(
    ("counts", "vote"),
    [
        ({"increased": 1}, "increased"),
        ({"increased": 7, "decreased": 3}, "increased"),  # exactly 70 %
        ({"increased": 2, "unchanged": 1}, "conflicting"),  # 66.7 %
        ({"increased": 3, "unchanged": 1}, "increased"),  # 75 %
        ({"decreased": 2, "increased": 2}, "conflicting"),
        ({"unchanged": 3}, "unchanged"),
        ({"increased": 13, "decreased": 6}, "conflicting"),  # 68.4 %
    ],
)
def test_within_study_rule(counts: dict[str, int], vote: str) -> None:
    assert within_study_vote(counts) == vote


# ---------------------------------------------------------------------------------------------------- parameters


def test_parameter_names_are_the_protocols_csv_columns() -> None:
    with (SHIPPED / "protocols.csv").open(encoding="utf-8") as handle:
        columns = next(csv.reader(handle))
    assert set(PARAMETERS) <= set(columns)
    assert set(columns) - set(PARAMETERS) == {"protocol_id", "study_id", "technique", "arm_label", "notes", "source"}


def test_ranges_with_an_open_end() -> None:
    up_to_1 = parse_param("frequency_hz=..1")
    from_5 = parse_param("frequency_hz=5..")
    between = parse_param("frequency_hz=1..10")
    exactly = parse_param("frequency_hz=10")
    arms = {0.5: {"frequencyHz": 0.5}, 1: {"frequencyHz": 1.0}, 5: {"frequencyHz": 5.0}, 20: {"frequencyHz": 20.0}}
    assert [f for f, a in arms.items() if up_to_1.matches(a)] == [0.5, 1]
    assert [f for f, a in arms.items() if from_5.matches(a)] == [5, 20]
    assert [f for f, a in arms.items() if between.matches(a)] == [1, 5]
    assert [f for f, a in arms.items() if exactly.matches(a)] == []
    assert not up_to_1.matches({})  # an arm that does not state it never matches


def test_intensity_ranges_and_mixed_units() -> None:
    c = parse_param("intensity=..100%MSO")
    assert c.matches({"intensityMin": 25.0, "intensityMax": 100.0, "intensityUnit": "%MSO"})
    assert not c.matches({"intensityMin": 50.0, "intensityMax": 120.0, "intensityUnit": "%MSO"})  # not wholly in
    assert not c.matches({"intensityMin": 90.0, "intensityMax": 90.0, "intensityUnit": "%RMT"})  # never compared
    assert parse_param("intensity=0.1..0.5 uA").unit == "µA"
    with pytest.raises(QueryError, match="needs its unit"):
        parse_param("intensity=100")


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("speed=3", "unknown parameter 'speed'"),
        ("frequency_hz=fast", "not a number"),
        ("frequency_hz=5..1", "empty"),
        ("frequency_hz", "expected NAME=VALUE"),
        ("polarity=sideways", "must be one of anodal, cathodal"),
        ("intensity=1..2 furlongs", "unknown intensity unit"),
        ("sessions=3 weeks", "sessions is in sessions"),
    ],
)
def test_bad_parameters_list_the_allowed_names_and_units(spec: str, message: str) -> None:
    with pytest.raises(QueryError, match=message) as info:
        parse_param(spec)
    assert "frequency_hz (Hz)" in str(info.value) and "%RMT" in str(info.value)


def test_every_bad_parameter_is_reported_at_once() -> None:
    with pytest.raises(QueryError) as info:
        parse_params(["speed=3", "frequency_hz=..1", "sessions=x"])
    assert "speed" in str(info.value) and "'x'" in str(info.value)


def test_cli_bad_parameter_is_a_usage_error(runner) -> None:  # type: ignore[no-untyped-def]
    result = runner.invoke(app, ["protocols", "BDNF", "--data", str(TINY), "--param", "speed=3"])
    assert result.exit_code == 2
    assert "unknown parameter 'speed'" in result.stderr and "allowed names (units)" in result.stderr
    assert "Traceback" not in result.stderr


# ----------------------------------------------------------------------------------------------- tiny evidence base


@pytest.fixture(scope="module")
def votes_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny base plus findings that make alpha2020's iTBS → BDNF vote a question for the 70 % rule:
    3 increased + 1 unchanged (75 %: increased); and CREB 2 increased + 1 unchanged (67 %: conflicting)."""
    folder = tmp_path_factory.mktemp("votes") / "data"
    shutil.copytree(TINY, folder)
    path = folder / "findings.csv"
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    template = next(r for r in rows if r["finding_id"] == "alpha2020-f01")
    extra = [
        ("alpha2020-f11", "HGNC:1033", "BDNF", "increased", "1 week"),
        ("alpha2020-f12", "HGNC:1033", "BDNF", "increased", "2 weeks"),
        ("alpha2020-f13", "HGNC:1033", "BDNF", "unchanged", "1 day"),
        ("alpha2020-f14", "HGNC:2345", "CREB", "increased", "1 week"),
        ("alpha2020-f15", "HGNC:2345", "CREB", "increased", "2 weeks"),
    ]
    for finding_id, target, label, direction, time_point in extra:
        rows.append(
            {
                **template,
                "finding_id": finding_id,
                "target_id": target,
                "target_label": label,
                "direction": direction,
                "time_point": time_point,
            }
        )
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return folder


@pytest.fixture(scope="module")
def votes_graph(votes_dir: Path):  # type: ignore[no-untyped-def]
    from nibs_graph.api import load_graph

    return load_graph(votes_dir, use_cache=False)


def test_synthesis_on_tiny_data(votes_graph) -> None:  # type: ignore[no-untyped-def]
    s = synthesis(votes_graph, "BDNF", by="technique")
    groups = {g.group: g for g in s.groups}
    assert set(groups) == {"iTBS", "cTBS", "anodal tDCS"}
    (alpha,) = groups["iTBS"].votes
    assert alpha.counts == {"increased": 3, "unchanged": 1} and alpha.vote == "increased"
    assert "3 of 4 increased" in alpha.rule
    assert groups["cTBS"].votes[0].vote == "decreased"
    # family: TBS-family studies are grouped under rTMS, anodal tDCS under tDCS
    fam = {g.group: g for g in synthesis(votes_graph, "BDNF", by="family").groups}
    assert set(fam) == {"rTMS", "tDCS"}
    rtms = fam["rTMS"]  # alpha2020 (iTBS) up, beta2021 (cTBS) down: one vote each
    assert (rtms.count("increased"), rtms.count("decreased")) == (1, 1)
    assert rtms.sign_test_p == 1.0
    # one vote per study and group: beta2021 votes once under "mouse" although it has two arms on BDNF
    species = {g.group: g for g in synthesis(votes_graph, "BDNF", by="species").groups}
    assert [v.study_id for v in species["mouse"].votes] == ["beta2021"]
    assert species["mouse"].votes[0].vote == "conflicting"  # 1 up (atDCS) + 1 down (cTBS)


def test_synthesis_conflicting_by_the_rule(votes_graph) -> None:  # type: ignore[no-untyped-def]
    (group,) = synthesis(votes_graph, "CREB").groups
    (vote,) = group.votes
    assert vote.counts == {"increased": 2, "unchanged": 1} and vote.vote == "conflicting"
    assert group.sign_test_p is None and group.wilson is None


def test_synthesis_by_parameter(votes_graph) -> None:  # type: ignore[no-untyped-def]
    groups = {g.group: g for g in synthesis(votes_graph, "BDNF", by="param:intensity").groups}
    assert set(groups) == {"30 %MSO", "250 µA"}
    assert sorted(v.study_id for v in groups["30 %MSO"].votes) == ["alpha2020", "beta2021"]
    with pytest.raises(QueryError, match="param:NAME"):
        synthesis(votes_graph, "BDNF", by="param:speed")


def test_synthesis_cli_json_and_csv(runner, votes_dir: Path) -> None:  # type: ignore[no-untyped-def]
    result = runner.invoke(app, ["synthesis", "BDNF", "--data", str(votes_dir), "--format", "json"])
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    itbs = next(g for g in data["groups"] if g["group"] == "iTBS")
    assert (itbs["up"], itbs["sign_test_p"], itbs["wilson_95"]) == (1, 1.0, [0.2065, 1.0])
    assert "Nikolakopoulos" in data["sign_test_caveat"]
    result = runner.invoke(app, ["synthesis", "BDNF", "--data", str(votes_dir), "--format", "csv"])
    rows = list(csv.DictReader(result.stdout.splitlines()))
    assert {r["group"]: r["studies_up"] for r in rows}["iTBS"] == "alpha2020"
    table = runner.invoke(app, ["synthesis", "BDNF", "--data", str(votes_dir)])
    assert "Nikolakopoulos" in table.stdout and "Hilton Boon" in table.stdout
    none = runner.invoke(app, ["synthesis", "BDNF", "--data", str(votes_dir), "--species", "human"])
    assert none.exit_code == 1


def test_protocols_on_tiny_data_with_mixed_units(tiny_graph) -> None:  # type: ignore[no-untyped-def]
    result = protocol_sets(
        tiny_graph, "BDNF", evidence_filter=EvidenceFilter(params=parse_params(["intensity=..300µA"]))
    )
    assert [a.protocol for _, a in result.arms()] == ["nibsdata:protocol/beta2021-atdcs"]
    assert any("%MSO" in n and "never compared" in n for n in result.notes)
    # an open-ended frequency range keeps the 50 Hz TBS arms and drops the tDCS arm, which states no frequency
    result = protocol_sets(
        tiny_graph, "BDNF", evidence_filter=EvidenceFilter(params=parse_params(["frequency_hz=40.."]))
    )
    assert sorted(a.technique for _, a in result.arms()) == ["cTBS", "iTBS"]
    assert any("do not state frequency_hz" in n for n in result.notes)


def test_protocols_rank_by_studies_then_setting(tiny_graph) -> None:  # type: ignore[no-untyped-def]
    result = protocol_sets(tiny_graph, "BDNF")
    assert [s.rank for s in result.sets] == [1, 2, 3]
    assert all(len(s.studies) == 1 for s in result.sets)
    increased = protocol_sets(tiny_graph, "BDNF", direction="increased")
    assert {s.direction for s in increased.sets} == {"increased"}
    with pytest.raises(QueryError, match="--direction"):
        protocol_sets(tiny_graph, "BDNF", direction="sideways")


def test_protocols_cli_formats(runner) -> None:  # type: ignore[no-untyped-def]
    args = ["protocols", "BDNF", "--data", str(TINY)]
    data = json.loads(runner.invoke(app, [*args, "--format", "json"]).stdout)
    arm = next(a for s in data["sets"] for a in s["arms"] if a["study_id"] == "alpha2020")
    assert arm["parameters"]["frequency_hz"] == 50 and arm["parameters"]["intensity_unit"] == "%MSO"
    rows = list(csv.DictReader(runner.invoke(app, [*args, "--format", "csv"]).stdout.splitlines()))
    assert {r["protocol"] for r in rows} == {
        "nibsdata:protocol/alpha2020-itbs",
        "nibsdata:protocol/beta2021-ctbs",
        "nibsdata:protocol/beta2021-atdcs",
    }
    table = runner.invoke(app, args)
    assert table.exit_code == 0 and "30 %MSO" in table.stdout
    none = runner.invoke(app, [*args, "--param", "frequency_hz=..1"])
    assert none.exit_code == 1 and "do not state frequency_hz" in none.stderr


# ---------------------------------------------------------------------------------------------- hubs against chance


def test_permutation_null_on_a_graph_small_enough_to_enumerate(tiny_graph) -> None:  # type: ignore[no-untyped-def]
    links = change_links(tiny_graph)
    # iTBS → BDNF, iTBS → mTOR, cTBS → BDNF, anodal tDCS → BDNF, anodal tDCS → ERK2 (model vs control is no link)
    assert sorted(links) == sorted(
        [
            ("nibs:iTBS", "HGNC:1033"),
            ("nibs:iTBS", "HGNC:3942"),
            ("nibs:cTBS", "HGNC:1033"),
            ("nibs:anodal-tDCS", "HGNC:1033"),
            ("nibs:anodal-tDCS", "HGNC:6871"),
        ]
    )
    # By hand: BDNF's 3 links land on 3 of the 5 technique stubs (iTBS 2, cTBS 1, tDCS 2), C(5,3) = 10 ways;
    # 3 distinct techniques need the cTBS stub and one of each pair: 2 · 2 = 4 ways. P(≥ 3) = 0.4, mean 2.4.
    exact = exact_null(links)["HGNC:1033"]
    assert (exact.observed, exact.p, exact.mean, exact.permutations) == (3, 0.4, 2.4, 120)
    sampled = permutation_null(links, 20_000, seed=1)["HGNC:1033"]
    assert sampled.observed == 3
    assert sampled.p == pytest.approx(0.4, abs=0.015)
    assert sampled.mean == pytest.approx(2.4, abs=0.02)
    assert sampled.z == pytest.approx((3 - 2.4) / exact.sd, abs=0.05)


def test_permutation_null_is_seeded(tiny_graph) -> None:  # type: ignore[no-untyped-def]
    a = hubs(tiny_graph, null=200, seed=7)
    b = hubs(tiny_graph, null=200, seed=7)
    assert [h.null for h in a] == [h.null for h in b]
    assert all(h.null is not None and h.null.permutations == 200 for h in a)
    with pytest.raises(QueryError):
        permutation_null(change_links(tiny_graph), 0)


def test_hubs_report_studies_that_measured(tiny_graph) -> None:  # type: ignore[no-untyped-def]
    by_label = {h.label: h for h in hubs(tiny_graph, min_techniques=1)}
    assert by_label["BDNF"].studies_measured == 2
    assert "null" not in by_label["BDNF"].to_dict()


def test_hubs_cli_null(runner) -> None:  # type: ignore[no-untyped-def]
    result = runner.invoke(app, ["hubs", "--data", str(TINY), "--null", "100", "--seed", "3", "--format", "json"])
    assert result.exit_code == 0, result.stderr
    bdnf = next(h for h in json.loads(result.stdout)["hubs"] if h["label"] == "BDNF")
    assert bdnf["null"]["permutations"] == 100 and bdnf["null"]["seed"] == 3 and bdnf["studies_measured"] == 2
    table = runner.invoke(app, ["hubs", "--data", str(TINY), "--null", "100"])
    assert "null p" in table.stdout


# ----------------------------------------------------------------------------------------------------- shipped data


def _csv(name: str) -> list[dict[str, str]]:
    with (SHIPPED / name).open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_shipped_synthesis_bdnf_by_technique(shipped_graph) -> None:  # type: ignore[no-untyped-def]
    hf = next(g for g in synthesis(shipped_graph, "BDNF", by="technique").groups if g.group == "HF-rTMS")
    assert [v.citation for v in hf.votes] == [
        "Feng et al., 2012",
        "Guo et al., 2017",
        "Kim et al., 2024",
        "McNerney et al., 2022",
        "Wang et al., 2014",
    ]
    # McNerney's vote is decided by the within-study rule from its own findings (recounted from findings.csv)
    rows = [
        r
        for r in _csv("findings.csv")
        if r["study_id"] == "mcnerney2022" and r["target_id"] == "HGNC:1033" and r["technique"] == "HF-rTMS"
    ]
    counts: dict[str, int] = {}
    for r in rows:
        counts[r["direction"]] = counts.get(r["direction"], 0) + 1
    mcnerney = next(v for v in hf.votes if v.study_id == "mcnerney2022")
    assert "unchanged" in counts and "increased" in counts  # unchanged at 2 weeks, increased later
    assert any("2 weeks" in r["time_point"] for r in rows if r["direction"] == "unchanged")
    assert mcnerney.counts == counts
    assert mcnerney.vote == within_study_vote(counts)
    assert mcnerney.rule.startswith("within-study rule")
    up = sum(v.vote == "increased" for v in hf.votes)
    down = sum(v.vote == "decreased" for v in hf.votes)
    assert hf.sign_test_p == sign_test(up, down)
    assert up >= 4 and down == 0


def test_shipped_synthesis_cli(runner) -> None:  # type: ignore[no-untyped-def]
    result = runner.invoke(app, ["synthesis", "BDNF", "--by", "technique"])
    assert result.exit_code == 0
    assert "McNerney et al., 2022" in result.stdout and "within-study rule" in result.stdout


def test_shipped_protocols_that_raise_bdnf(shipped_graph) -> None:  # type: ignore[no-untyped-def]
    result = protocol_sets(shipped_graph, "BDNF", direction="increased")
    arms = {a.protocol.removeprefix("nibsdata:protocol/"): a for _, a in result.arms()}
    protocols = {r["protocol_id"]: r for r in _csv("protocols.csv")}
    bdnf_up = {
        r["protocol_id"]
        for r in _csv("findings.csv")
        if r["target_id"] == "HGNC:1033" and r["direction"] == "increased" and r["comparison"].startswith("stim_vs")
    }
    expected = {
        pid
        for pid in bdnf_up
        if (protocols[pid]["technique"] == "HF-rTMS" and protocols[pid]["frequency_hz"] in {"10", "15"})
        or (protocols[pid]["technique"] == "rTMS" and protocols[pid]["frequency_hz"] == "5")
    }
    assert {"feng2012-hf", "guo2017-hf", "wang2014-hf", "wang2011-rat", "wang2011-hc"} <= expected
    assert expected <= set(arms)
    for pid in expected:
        row = protocols[pid]
        assert arms[pid].parameters["frequency_hz"] == float(row["frequency_hz"])
        if row["intensity"]:
            assert str(arms[pid].parameters["intensity"]) == row["intensity"]
            assert arms[pid].parameters["intensity_unit"] == row["intensity_unit"]
    assert all(a.direction == "increased" for a in arms.values())
    counts = [len(s.studies) for s in result.sets]
    assert counts == sorted(counts, reverse=True)


def test_shipped_protocols_table_shows_intensities(runner) -> None:  # type: ignore[no-untyped-def]
    result = runner.invoke(app, ["protocols", "BDNF", "--direction", "increased"])
    assert result.exit_code == 0
    for text in ("15 Hz, 100 %MSO", "10 Hz, 120 %RMT", "5 Hz, 90 %RMT", "5 Hz, 50 %MSO"):
        assert text in result.stdout


def test_shipped_hubs_null(shipped_graph) -> None:  # type: ignore[no-untyped-def]
    top = hubs(shipped_graph, top=5, null=300, seed=0)
    for h in top:
        assert h.null is not None
        assert h.null.observed == len(h.techniques)
        assert 0 < h.null.p <= 1
        assert h.studies_measured >= len(h.studies)


# ------------------------------------------------------------------------------------------ the example SPARQL queries


@pytest.fixture(scope="module")
def memory_store():  # type: ignore[no-untyped-def]
    from nibs_graph.sparql.stores import StoreSpec, open_store

    return open_store(StoreSpec())


def _rows(store, name: str) -> list[dict[str, str]]:  # type: ignore[no-untyped-def]
    from nibs_graph.paths import queries_dir

    result = store.query((queries_dir() / name).read_text(encoding="utf-8"))
    return [{v: (row[v]["value"] if row.get(v) else None) for v in result.variables} for row in result.rows]


def test_sparql_protocols_raising_bdnf_match_the_command(memory_store, shipped_graph) -> None:  # type: ignore[no-untyped-def]
    rows = _rows(memory_store, "protocols_raising_bdnf.rq")
    arms = {a.protocol for _, a in protocol_sets(shipped_graph, "BDNF", direction="increased").arms()}
    assert {r["protocol"].split("/data/")[-1] for r in rows} == {a.replace("nibsdata:", "") for a in arms}


def test_sparql_votes_per_study_match_the_synthesis(memory_store, shipped_graph) -> None:  # type: ignore[no-untyped-def]
    rows = _rows(memory_store, "votes_per_study.rq")
    counts: dict[tuple[str, str], dict[str, int]] = {}
    for r in rows:
        counts.setdefault((r["technique"], r["study"]), {})[r["direction"].split("#")[-1]] = int(r["findings"])
    votes = {(g.group, v.study_id): v.counts for g in synthesis(shipped_graph, "BDNF").groups for v in g.votes}
    assert counts == votes


def test_sparql_low_frequency_evidence_is_at_most_1_hz(memory_store, shipped_graph) -> None:  # type: ignore[no-untyped-def]
    rows = _rows(memory_store, "low_frequency_evidence.rq")
    assert rows and all(float(r["frequency_hz"]) <= 1 for r in rows)
    assert {r["technique"] for r in rows} <= {"LF-rTMS", "rTMS", "HF-rTMS", "TBS", "iTBS", "cTBS"}


def test_sparql_target_measured_vs_changed_match_hubs(memory_store, shipped_graph) -> None:  # type: ignore[no-untyped-def]
    rows = {r["label"]: r for r in _rows(memory_store, "target_measured_vs_changed.rq")}
    for h in hubs(shipped_graph, top=5):
        assert int(rows[h.label]["techniques_changed"]) == len(h.techniques)
        assert int(rows[h.label]["studies_measured"]) == h.studies_measured


# ------------------------------------------------------------------------------------------------------ the notebook


def _saved_cell_text(tag: str) -> str:
    import nbformat

    nb = nbformat.read(SHIPPED.parent / "notebooks" / "tour.ipynb", as_version=4)
    (cell,) = [c for c in nb.cells if tag in c.get("metadata", {}).get("tags", [])]
    parts = []
    for output in cell.get("outputs", []):
        parts.append(output.get("text") or output.get("data", {}).get("text/markdown", ""))
    return "\n".join(parts)


def test_notebook_protocol_design_section(shipped_graph) -> None:  # type: ignore[no-untyped-def]
    """The tour's stroke section shows the parameter sets and votes the API computes (tests/test_notebooks.py
    checks that the saved outputs are current)."""

    def stroke(record):  # type: ignore[no-untyped-def]
        model = (record.get("disease_model") or "").lower()
        return "stroke" in model or "ischaemia" in model

    text = _saved_cell_text("protocol-sets")
    design = protocol_sets(shipped_graph, "BDNF", direction="increased", keep=stroke)
    assert design.sets
    for s in design.sets:
        for arm in s.arms:
            assert f"| {s.rank} | {s.technique} |" in text and arm.citation in text
    votes = _saved_cell_text("protocol-synthesis")
    for g in synthesis(shipped_graph, "BDNF").groups:
        assert f"| {g.group} | {len(g.votes)} | {g.count('increased')} |" in votes
    assert "Nikolakopoulos" in votes and "McNerney" in votes


# ----------------------------------------------------------------------------------------------------------- figures


def test_effect_direction_data_on_tiny(votes_graph) -> None:  # type: ignore[no-untyped-def]
    from nibs_graph.export.protocol_figures import effect_direction_data

    d = effect_direction_data(votes_graph, ["BDNF", "CREB"])
    assert [(r.kind, r.label) for r in d.rows] == [
        ("technique", "iTBS"),
        ("study", "Alpha et al., 2020"),
        ("summary", "iTBS: studies ↑/↓, sign test p"),
        ("technique", "cTBS"),
        ("study", "Beta et al., 2021"),
        ("summary", "cTBS: studies ↑/↓, sign test p"),
        ("technique", "anodal tDCS"),
        ("study", "Beta et al., 2021"),
        ("summary", "anodal tDCS: studies ↑/↓, sign test p"),
    ]
    alpha = d.rows[1]
    assert alpha.cells == {"HGNC:1033": "increased", "HGNC:2345": "conflicting"}  # 3 of 4; 2 of 3
    assert alpha.n_total == 8 and alpha.setting == "animal"
    assert d.rows[2].cells["HGNC:1033"] == (1, 0, 1.0)


def test_dose_data_keeps_units_apart(tiny_graph) -> None:  # type: ignore[no-untyped-def]
    from nibs_graph.export.protocol_figures import dose_data

    d = dose_data(tiny_graph, "BDNF", "intensity")
    assert {unit: [p["low"] for p in pts] for unit, pts in d.panels.items()} == {"%MSO": [30.0, 30.0], "µA": [250.0]}
    d = dose_data(tiny_graph, "BDNF", "frequency_hz")
    assert [p["technique"] for p in d.panels["Hz"]] == ["iTBS", "cTBS"] and d.left_out == 1
    with pytest.raises(QueryError, match="numeric parameter"):
        dose_data(tiny_graph, "BDNF", "site")


def test_figure_commands(runner, tmp_path: Path, votes_dir: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "ed.svg"
    args = ["figure", "effect-direction", "BDNF", "CREB", str(out), "--data", str(votes_dir)]
    assert runner.invoke(app, args).exit_code == 0
    first = out.read_bytes()
    assert runner.invoke(app, args).exit_code == 0 and out.read_bytes() == first  # deterministic
    assert b"Alpha et al., 2020" in first or b"<svg" in first
    assert runner.invoke(app, ["figure", "effect-direction", str(out), "--data", str(TINY)]).exit_code == 2
    dose = tmp_path / "dose.png"
    result = runner.invoke(app, ["figure", "dose", "BDNF", str(dose), "--param", "intensity", "--data", str(TINY)])
    assert result.exit_code == 0 and dose.read_bytes()[:4] == b"\x89PNG"
    bad = runner.invoke(app, ["figure", "dose", "BDNF", str(dose), "--param", "site", "--data", str(TINY)])
    assert bad.exit_code == 2 and "numeric parameter" in bad.stderr


def test_shipped_effect_direction_plot_and_readme(shipped_graph) -> None:  # type: ignore[no-untyped-def]
    from nibs_graph.export.protocol_figures import dose_data, effect_direction_data

    targets = ["BDNF", "TrkB", "ERK1/2", "Akt", "mTOR", "CREB"]
    d = effect_direction_data(shipped_graph, targets)
    summary = next(r for r in d.rows if r.kind == "summary" and r.technique == "HF-rTMS")
    hf = next(g for g in synthesis(shipped_graph, "BDNF").groups if g.group == "HF-rTMS")
    assert summary.cells["HGNC:1033"] == (hf.count("increased"), hf.count("decreased"), hf.sign_test_p)
    mcnerney = next(r for r in d.rows if r.kind == "study" and r.label.startswith("McNerney"))
    assert mcnerney.cells["HGNC:1033"] == next(v.vote for v in hf.votes if v.study_id == "mcnerney2022")
    assert mcnerney.n_total == int(next(r for r in _csv("studies.csv") if r["study_id"] == "mcnerney2022")["n_total"])
    assert dose_data(shipped_graph, "BDNF").panels["Hz"]
    readme = (SHIPPED.parent / "README.md").read_text(encoding="utf-8")
    for name in ("effect-direction.png", "dose.png"):
        assert f"(docs/img/{name})" in readme
        assert (SHIPPED.parent / "docs" / "img" / name).read_bytes()[:4] == b"\x89PNG"
    assert "nibs-graph figure effect-direction BDNF TrkB ERK1/2 Akt mTOR CREB docs/img/effect-direction.png" in readme


def test_species_names_are_canonicalised(runner) -> None:  # type: ignore[no-untyped-def]
    ok = runner.invoke(app, ["synthesis", "BDNF", "--species", "Rat", "--format", "json"])
    assert ok.exit_code == 0 and json.loads(ok.stdout)["filters"]["species"] == "rat"
    bad = runner.invoke(app, ["synthesis", "BDNF", "--species", "ratt"])
    assert bad.exit_code == 2 and "did you mean: rat" in bad.stderr


# ------------------------------------------------------------------------------ --param in every query (the evidence filter)


def _protocol_frequency(G, protocol: str | None) -> float | None:  # type: ignore[no-untyped-def]
    return None if protocol is None else G.nodes[protocol].get("frequencyHz")


def test_evidence_filter_params(tiny_graph) -> None:  # type: ignore[no-untyped-def]
    f = EvidenceFilter(params=("frequency_hz=40..",))
    itbs = tiny_graph.graph["findings"]["alpha2020-f01"]
    tdcs = tiny_graph.graph["findings"]["beta2021-f02"]
    assert f.accepts(itbs, tiny_graph) and not f.accepts(tdcs, tiny_graph)
    assert f.filters_records and f.options() == ["--param frequency_hz=40.."]
    assert f.describe() == "protocol arms with frequency_hz=40.."
    assert EvidenceFilter.from_dict(f.to_dict()) == f
    assert f.accepts({"link_id": "L1", "flags": ()}, tiny_graph)  # signalling links are not protocol arms
    with pytest.raises(QueryError, match="needs the graph"):
        f.accepts(itbs)
    with pytest.raises(QueryError, match="unknown parameter"):
        EvidenceFilter(params=("speed=3",))


def test_shipped_path_keeps_only_low_frequency_evidence(shipped_graph, runner) -> None:  # type: ignore[no-untyped-def]
    from nibs_graph.queries.paths import paths

    low = paths(
        shipped_graph, "rTMS", "BDNF", evidence_filter=EvidenceFilter(params=parse_params(["frequency_hz=..1"]))
    )
    assert low.paths
    effect = [e for p in low.paths for h in p.hops for e in h.evidence if "finding_id" in e]
    assert effect and all((_protocol_frequency(shipped_graph, e["protocol"]) or 99) <= 1 for e in effect)
    everything = paths(shipped_graph, "rTMS", "BDNF")
    frequencies = {
        _protocol_frequency(shipped_graph, e["protocol"])
        for p in everything.paths
        for h in p.hops
        for e in h.evidence
        if "finding_id" in e
    }
    assert any(f is not None and f > 1 for f in frequencies)  # the filter has something to remove
    result = runner.invoke(app, ["path", "rTMS", "BDNF", "--param", "frequency_hz=..1", "--format", "json"])
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["filters"]["params"][0]["max"] == 1.0
    protocols = {e["protocol"] for p in data["paths"] for h in p["hops"] for e in h["evidence"] if e.get("finding_id")}
    assert protocols and all(_protocol_frequency(shipped_graph, p) <= 1 for p in protocols)
    assert "do not state frequency_hz" in result.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["path", "rTMS", "BDNF"],
        ["evidence", "rTMS", "BDNF"],
        ["hubs"],
        ["diverge", "BDNF"],
        ["contradictions"],
        ["gaps"],
        ["synthesis", "BDNF"],
        ["protocols", "BDNF"],
    ],
)
def test_every_query_takes_param(runner, shipped_graph, args: list[str]) -> None:  # type: ignore[no-untyped-def]
    """--param on every query command: only findings of matching arms appear; a bad --param is exit 2."""
    result = runner.invoke(app, [*args, "--param", "frequency_hz=..1", "--format", "json"])
    assert result.exit_code in (0, 1), result.stderr
    if result.exit_code == 0:
        text = result.stdout
        finding_ids = set(re.findall(r'"([a-z0-9_]+-f\d+)"', text))
        for fid in finding_ids:
            record = shipped_graph.graph["findings"][fid]
            assert (_protocol_frequency(shipped_graph, record["protocol"]) or 99) <= 1, (args, fid)
    bad = runner.invoke(app, [*args, "--param", "frequency_hz=fast"])
    assert bad.exit_code == 2 and "not a number" in bad.stderr and "allowed names (units)" in bad.stderr


def test_hubs_with_param_count_only_matching_arms(shipped_graph) -> None:  # type: ignore[no-untyped-def]
    flt = EvidenceFilter(params=parse_params(["frequency_hz=..1"]))
    for h in hubs(shipped_graph, evidence_filter=flt):
        for study in h.studies:
            arms = [
                r["protocol"]
                for r in shipped_graph.graph["findings"].values()
                if r["study_id"] == study and r["target"] == h.id and r["stimulation_effect"]
            ]
            assert any((_protocol_frequency(shipped_graph, a) or 99) <= 1 for a in arms)


def test_export_html_takes_param(runner, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "low.html"
    args = ["export", "html", str(out), "--path", "rTMS", "BDNF", "--param", "frequency_hz=..1"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.stderr
    page = out.read_text(encoding="utf-8")
    assert "kim2024-f26" in page  # the 1 Hz arm's BDNF finding
    assert "feng2012-f01" not in page  # a 15 Hz finding
    bad = runner.invoke(app, ["export", "html", str(out), "--param", "speed=1"])
    assert bad.exit_code == 2


def test_mixed_units_are_said_on_every_query(runner) -> None:  # type: ignore[no-untyped-def]
    result = runner.invoke(app, ["path", "anodal tDCS", "BDNF", "--param", "intensity=..300uA"])
    assert result.exit_code == 0
    assert "never compared" in result.stderr and "%MSO" in result.stderr
