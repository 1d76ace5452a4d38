"""``nibs-graph diff``: records compared field by field, then the answers (paths, hubs, contradictions, gaps).

The edited copies of the shipped data are made here: one finding added, one removed, one direction flipped; and
the shipped data without Wang 2011 (the study that carries the human rTMS → BDNF evidence).
"""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from nibs_graph.cli import app
from nibs_graph.diff import diff_bases
from nibs_graph.errors import NibsGraphError
from nibs_graph.release import releases

from .conftest import SHIPPED, SOURCES, TINY

pytestmark = pytest.mark.slow


def _rewrite(path: Path, edit) -> None:  # type: ignore[no-untyped-def]
    rows = list(csv.reader(path.open(encoding="utf-8", newline="")))
    header = rows[0]
    new_rows = edit(header, rows[1:])
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows([header, *new_rows])


@pytest.fixture(scope="module")
def edited(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped data with baek2018-f02 removed, baek2018-f99 (rMS ↓ mTOR) added and wang2014-f02 flipped."""
    folder = tmp_path_factory.mktemp("edited") / "data"
    shutil.copytree(SHIPPED, folder)

    def edit(header: list[str], rows: list[list[str]]) -> list[list[str]]:
        col = {name: header.index(name) for name in header}
        kept = [r for r in rows if r[col["finding_id"]] != "baek2018-f02"]
        for r in kept:
            if r[col["finding_id"]] == "wang2014-f02":
                assert r[col["direction"]] == "increased"
                r[col["direction"]] = "decreased"
        added = list(next(r for r in rows if r[col["finding_id"]] == "baek2018-f02"))
        added[col["finding_id"]] = "baek2018-f99"
        added[col["target_id"]], added[col["target_label"]] = "HGNC:3942", "mTOR"
        return [*kept, added]

    _rewrite(folder / "findings.csv", edit)
    return folder


@pytest.fixture(scope="module")
def without_wang2011(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("no-wang") / "data"
    shutil.copytree(SHIPPED, folder)
    for name in ("studies.csv", "protocols.csv", "findings.csv"):
        _rewrite(folder / name, lambda header, rows: [r for r in rows if r[header.index("study_id")] != "wang2011"])
    return folder


def test_one_finding_added_one_removed_one_flipped(edited: Path) -> None:
    diff = diff_bases(SHIPPED, edited)
    assert [(c.kind, c.id, c.status) for c in diff.records] == [
        ("finding", "baek2018-f02", "removed"),
        ("finding", "baek2018-f99", "added"),
        ("finding", "wang2014-f02", "changed"),
    ]
    (flip,) = diff.records[2].fields
    assert (flip.field, flip.old, flip.new) == ("direction", "increased", "decreased")
    assert diff.old["release"] == releases(SHIPPED)[-1].name and diff.new["release"] is None

    paths = {(p.evidence, p.status, " ".join(p.nodes), p.relations[0]) for p in diff.paths}
    # the new finding: rMS now reaches mTOR directly
    assert ("all", "gained", "rMS mTOR", "decreased") in paths
    # the removed one: rMS ↓ Akt → mTOR is gone
    assert ("all", "lost", "rMS Akt mTOR", "decreased") in paths
    # the flipped one: HF-rTMS now also decreases BDNF, and the paths through it
    assert ("all", "gained", "HF-rTMS BDNF", "decreased") in paths
    assert ("all", "gained", "HF-rTMS BDNF TrkB ERK1/2", "decreased") in paths
    # every path change starts at a technique whose findings changed, and none is a human-evidence path
    assert {p.technique for p in diff.paths} == {"rMS", "HF-rTMS"}
    assert {p.evidence for p in diff.paths} == {"all"}

    contradictions = {(c.target, c.family, c.status, c.old_kind, c.new_kind) for c in diff.contradictions}
    assert contradictions == {
        ("Akt", "TMS", "resolved", "opposite", None),  # baek2018-f02 was the only ↓ Akt
        ("BDNF", "TMS", "changed", "change_vs_none", "opposite"),  # wang2014-f02 moved to ↓
        ("mTOR", "TMS", "appeared", None, "opposite"),  # baek2018-f99 ↓ against ↑ mTOR
    }
    bdnf = next(c for c in diff.contradictions if c.target == "BDNF")
    assert "wang2014-f02" in bdnf.old_sides["increased"] and bdnf.new_sides["decreased"] == ("wang2014-f02",)

    mtor = next(h for h in diff.hubs if h.label == "mTOR")
    assert mtor.new_rank is not None and mtor.old_rank is not None and mtor.new_rank < mtor.old_rank
    assert (mtor.old_techniques, mtor.new_techniques) == (3, 4)
    assert [(g.technique, g.entity, g.old_status, g.new_status) for g in diff.gaps] == [
        ("rMS", "mTOR", None, "animal only")
    ]


def test_without_wang2011_the_human_rtms_bdnf_link_is_lost(without_wang2011: Path) -> None:
    diff = diff_bases(SHIPPED, without_wang2011)
    removed = {(c.kind, c.status) for c in diff.records}
    assert removed == {("study", "removed"), ("protocol", "removed"), ("finding", "removed")}
    assert [c.id for c in diff.records if c.kind == "study"] == ["wang2011"]
    lost = [p for p in diff.paths if p.evidence == "human" and p.status == "lost"]
    assert any(p.nodes == ("rTMS", "BDNF") and p.relations == ("increased",) for p in lost)
    gaps = {(g.technique, g.entity): (g.old_status, g.new_status) for g in diff.gaps}
    assert gaps[("rTMS", "BDNF")] == ("human", "animal only")
    assert not [p for p in diff.paths if p.status == "gained"]


def test_cli_formats(edited: Path, without_wang2011: Path, runner) -> None:  # type: ignore[no-untyped-def]
    result = runner.invoke(app, ["diff", str(SHIPPED), str(without_wang2011), "--format", "markdown"])
    assert result.exit_code == 0, result.output
    assert "- lost [human evidence]: rTMS —increased→ BDNF (sign +, consistent)" in result.stdout
    assert "- rTMS → BDNF: human → animal only" in result.stdout
    result = runner.invoke(app, ["diff", str(SHIPPED), str(edited), "--format", "json"])
    data = json.loads(result.stdout)
    assert set(data) == {"old", "new", "summary", "records", "paths", "hubs", "contradictions", "gaps"}
    assert data["summary"]["finding"] == {"added": 1, "removed": 1, "changed": 1}
    assert data["records"][2]["fields"] == [{"field": "direction", "old": "increased", "new": "decreased"}]
    result = runner.invoke(app, ["diff", str(SHIPPED), str(edited)])
    assert result.exit_code == 0 and "wang2014-f02" in result.stdout and "Translational gaps" in result.stdout


def test_no_differences_exits_1(runner) -> None:  # type: ignore[no-untyped-def]
    result = runner.invoke(app, ["diff", str(TINY), str(TINY)])
    assert result.exit_code == 1
    assert "No differences." in result.stdout and "no differences between" in result.stderr


def test_an_old_folder_against_its_migration(tmp_path: Path) -> None:
    folder = tmp_path / "migrated"
    shutil.copytree(TINY, folder)
    (folder / "sources.csv").write_text(
        "source_id,kind,citation,doi,licence,tables,refs,curator,date,notes\n"
        "sveva2025,review,New citation,10.3390/cells14241996,CC BY 4.0,Table 2|Table 3|Table 4,1-2,,,\n",
        encoding="utf-8",
    )
    _rewrite(folder / "studies.csv", lambda header, rows: [[r[0], "sveva2025", *r[1:]] for r in rows])
    text = (folder / "studies.csv").read_text(encoding="utf-8")
    (folder / "studies.csv").write_text(text.replace("study_id,review_ref", "study_id,source_id,review_ref", 1))
    diff = diff_bases(TINY, folder)
    assert [(c.kind, c.id, c.status, tuple(f.field for f in c.fields)) for c in diff.records] == [
        ("source", "sveva2025", "changed", ("citation", "refs"))
    ]
    assert not (diff.paths or diff.hubs or diff.contradictions or diff.gaps)


def test_a_curated_study_is_a_gain(tmp_path: Path) -> None:
    diff = diff_bases(TINY, SOURCES)
    added = {(c.kind, c.id) for c in diff.records if c.status == "added"}
    assert {("study", "doe2026"), ("study", "gamma2019"), ("source", "curation-2026-11")} <= added
    assert any(p.status == "gained" and p.nodes == ("tACS", "CREB") for p in diff.paths)


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=test", "-c", "user.email=test@example.org", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
    )


def test_a_folder_against_a_git_revision(tmp_path: Path, runner, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    repo = tmp_path / "repo"
    shutil.copytree(TINY, repo / "data")
    (repo / "data" / "run-me.py").write_text("raise SystemExit('never run')\n")
    _git(repo, "init", "-q")
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "first")
    _git(repo, "tag", "2025.1")
    _rewrite(repo / "data" / "findings.csv", lambda header, rows: rows[1:])  # alpha2020-f01 removed
    monkeypatch.chdir(repo)
    result = runner.invoke(app, ["diff", "2025.1", "data", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["old"]["label"] == "2025.1:data"
    assert [(r["id"], r["status"]) for r in data["records"]] == [("alpha2020-f01", "removed")]
    result = runner.invoke(app, ["diff", "HEAD:data", str(repo / "data")])
    assert result.exit_code == 0
    # a release name that is not a tag: the newest commit whose data has the version releases.csv records
    (repo / "data" / "releases.csv").write_text(
        "release,date,data_version,studies,findings,summary\n2024.9,2026-01-01,c422ba50a98d8bf0,2,7,tiny\n"
    )
    result = runner.invoke(app, ["diff", "2024.9", "data", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["old"]["label"].startswith("release 2024.9 (") and data["old"]["data_version"] == "c422ba50a98d8bf0"
    assert [(r["id"], r["status"]) for r in data["records"]] == [("alpha2020-f01", "removed")]
    result = runner.invoke(app, ["diff", "no-such-rev", "data"])
    assert result.exit_code == 2 and "neither a folder, a git revision nor a release" in result.stderr
    result = runner.invoke(app, ["diff", "HEAD:elsewhere", "data"])
    assert result.exit_code == 2 and "has no evidence base in 'elsewhere'" in result.stderr


def test_not_a_folder_nor_in_a_repository(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from nibs_graph.diff import resolve_version

    monkeypatch.chdir(tmp_path)
    with pytest.raises(NibsGraphError, match="neither a folder nor a git revision"), resolve_version("HEAD"):
        pass
