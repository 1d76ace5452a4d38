"""Releases: info, validate and every export carry the data version and, for a release, its name."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from nibs_graph.cli import app
from nibs_graph.errors import DataValidationError
from nibs_graph.release import release_name, releases
from nibs_graph.validate import read_evidence_base

from .conftest import SHIPPED, TINY


@pytest.fixture(scope="module")
def shipped_version() -> str:
    return read_evidence_base(SHIPPED).version


#: The release the shipped data is (the last row of data/releases.csv).
LATEST = releases(SHIPPED)[-1].name


def test_the_shipped_data_is_release_2025_1(shipped_version: str) -> None:
    recorded = releases(SHIPPED)
    assert recorded[0].name == "2025.1" and recorded[0].studies == 30
    latest = recorded[-1]
    assert latest.data_version == shipped_version, (
        f"the shipped data (version {shipped_version}) is not the release recorded last in data/releases.csv "
        f"({latest.name}, version {latest.data_version}): record a release (docs/adding-a-study.md, step 8)"
    )
    base = read_evidence_base(SHIPPED)
    assert (len(base.studies), len(base.findings)) == (latest.studies, latest.findings)
    assert base.release == latest.name


def test_an_edit_makes_the_data_unreleased(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    shutil.copytree(SHIPPED, folder)
    path = folder / "findings.csv"
    path.write_text(path.read_text(encoding="utf-8") + "\n")  # any byte changes the data version
    base = read_evidence_base(folder)
    assert base.release is None and release_name(folder, base.version) is None
    assert read_evidence_base(TINY).release is None  # no releases.csv at all


def test_a_broken_releases_file_is_reported(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    shutil.copytree(TINY, folder)
    (folder / "releases.csv").write_text("release,date,data_version,studies,findings,summary\n1,2026-01-01,x,two,7,\n")
    with pytest.raises(DataValidationError) as caught:
        read_evidence_base(folder)
    assert "releases.csv:2: column 'studies': value 'two' is not allowed; allowed: a whole number" in str(caught.value)


def test_info_and_validate_name_the_release(runner, shipped_version: str) -> None:  # type: ignore[no-untyped-def]
    info = json.loads(runner.invoke(app, ["info", "--format", "json"]).stdout)
    assert (info["data_version"], info["release"]) == (shipped_version, LATEST)
    result = runner.invoke(app, ["validate"])
    assert f"(data version {shipped_version}, release {LATEST})" in result.stdout
    tiny = json.loads(runner.invoke(app, ["validate", "--data", str(TINY), "--format", "json"]).stdout)
    assert tiny["release"] is None
    assert "unreleased" in runner.invoke(app, ["validate", "--data", str(TINY)]).stdout


@pytest.mark.parametrize("fmt", ["ttl", "nt", "jsonld", "graphml", "cyjs", "html"])
def test_every_export_carries_version_and_release(  # type: ignore[no-untyped-def]
    runner, tmp_path: Path, fmt: str, shipped_version: str
) -> None:
    out = tmp_path / f"graph.{fmt}"
    result = runner.invoke(app, ["export", fmt, str(out)])
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    assert shipped_version in text
    if fmt == "html":
        assert f"release {LATEST}" in text
    elif fmt == "graphml":
        assert f'<data key="release">{LATEST}</data>' in text
    elif fmt == "cyjs":
        assert json.loads(text)["data"]["release"] == LATEST
    else:
        assert "https://w3id.org/nibs-graph/ontology#release" in text or "nibs:release" in text
        assert LATEST in text


@pytest.mark.parametrize("kind", ["matrix", "hubs"])
def test_figures_carry_version_and_release(runner, tmp_path: Path, kind: str, shipped_version: str) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / f"{kind}.svg"
    assert runner.invoke(app, ["figure", kind, str(out)]).exit_code == 0
    assert f"data version {shipped_version}, release {LATEST}" in out.read_text(encoding="utf-8")
