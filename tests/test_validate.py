"""Validation: the shipped data passes; each broken file in tests/data/invalid is rejected with its position."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from nibs_graph.errors import DataValidationError
from nibs_graph.validate import read_evidence_base

sys.path.insert(0, str(Path(__file__).parent / "data"))
from make_invalid import CASES

from .conftest import INVALID, SHIPPED, TINY


def test_tiny_base_is_valid() -> None:
    base = read_evidence_base(TINY)
    assert base.counts() == {"studies": 2, "protocols": 3, "findings": 7, "entities": 7, "links": 6}
    assert base.protocols["beta2021-atdcs"].intensity == (250.0, 250.0)
    assert base.studies["beta2021"].techniques == ("cTBS", "anodal tDCS")


def test_shipped_data_is_valid() -> None:
    base = read_evidence_base(SHIPPED)
    assert len(base.studies) == 30
    assert base.version


@pytest.mark.parametrize("case", sorted(CASES))
def test_broken_file_is_reported_with_its_position(case: str) -> None:
    file, line, column, value = CASES[case][2]
    with pytest.raises(DataValidationError) as caught:
        read_evidence_base(INVALID / case)
    problems = caught.value.problems
    matching = [p for p in problems if Path(p.file).name == file and p.line == line and p.column == column]
    assert matching, f"{case}: no problem at {file}:{line}:{column} in {problems}"
    if value is not None:
        assert matching[0].value == value
    assert matching[0].allowed, "every problem says what is allowed"
    # the message names file, line, column and value
    text = str(caught.value)
    assert file in text
    if line is not None:
        assert f"{file}:{line}" in text
    if column is not None:
        assert f"column '{column}'" in text


def test_every_problem_is_reported_in_one_run(tmp_path: Path) -> None:
    folder = tmp_path / "many"
    shutil.copytree(TINY, folder)
    findings = folder / "findings.csv"
    text = findings.read_text().replace(",increased,", ",upward,").replace(",protein level,", ",weight,", 1)
    findings.write_text(text)
    protocols = folder / "protocols.csv"
    protocols.write_text(protocols.read_text().replace(",%MSO,", ",%XYZ,", 1))
    with pytest.raises(DataValidationError) as caught:
        read_evidence_base(folder)
    columns = sorted({p.column for p in caught.value.problems if p.column})
    assert {"direction", "measure", "intensity_unit"} <= set(columns)
    assert len(caught.value.problems) >= 5  # three 'upward' rows, one measure, one unit


def test_validation_writes_nothing(tmp_path: Path) -> None:
    folder = tmp_path / "broken"
    shutil.copytree(INVALID / "unknown_direction", folder)
    before = sorted(p.name for p in folder.iterdir())
    with pytest.raises(DataValidationError):
        read_evidence_base(folder)
    assert sorted(p.name for p in folder.iterdir()) == before


def test_not_a_folder(tmp_path: Path) -> None:
    with pytest.raises(DataValidationError, match="not a folder"):
        read_evidence_base(tmp_path / "nope")


def test_unknown_layer() -> None:
    with pytest.raises(DataValidationError, match="unknown optional layer"):
        read_evidence_base(TINY, layers=["kegg"])


def test_synonym_shared_by_two_entities(tmp_path: Path) -> None:
    folder = tmp_path / "syn"
    shutil.copytree(TINY, folder)
    entities = folder / "entities.csv"
    entities.write_text(entities.read_text().replace("mTOR,gene_or_protein,MTOR", "mTOR,gene_or_protein,MTOR|Bdnf"))
    with pytest.raises(DataValidationError) as caught:
        read_evidence_base(folder)
    (problem,) = [p for p in caught.value.problems if p.column == "synonyms"]
    assert problem.value == "Bdnf" and "HGNC:1033" in problem.message


def _broken_copy(tmp_path: Path, edits: dict[str, tuple[str, str]]) -> Path:
    folder = tmp_path / "data"
    shutil.copytree(TINY, folder)
    for name, (old, new) in edits.items():
        path = folder / name
        text = path.read_text(encoding="utf-8")
        assert old in text, f"tests/data/tiny/{name} changed"
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return folder


def _problems(folder: Path) -> list[str]:
    with pytest.raises(DataValidationError) as first:
        read_evidence_base(folder)
    return [str(p).replace(f"{folder}/", "") for p in first.value.problems]


def test_every_problem_of_a_row_in_one_run(tmp_path: Path) -> None:
    """A bad direction and an unknown protocol id in one row: both reported, not the second on a second run."""
    folder = _broken_copy(
        tmp_path,
        {
            "findings.csv": (
                "alpha2020-f01,alpha2020,alpha2020-itbs,iTBS,HGNC:1033,BDNF,increased,",
                "alpha2020-f01,alpha2020,alpha2020-itbss,iTBS,HGNC:1033,BDNF,increasd,",
            )
        },
    )
    problems = _problems(folder)
    assert len(problems) == 2
    assert (
        "findings.csv:2: column 'direction': value 'increasd' is not allowed, did you mean 'increased'?" in problems[0]
    )
    assert (
        "findings.csv:2: column 'protocol_id': unknown id 'alpha2020-itbss', did you mean 'alpha2020-itbs'?"
        in problems[1]
    )


def test_close_matches_for_vocabulary_and_ids(tmp_path: Path) -> None:
    folder = _broken_copy(
        tmp_path,
        {
            "findings.csv": (
                "alpha2020-f02,alpha2020,alpha2020-itbs,iTBS,HGNC:3942,",
                "alpha2020-f02,alpha2020,alpha2020-itbs,itbs,HGNC:3943,",
            ),
            "pathways.csv": ("L1,HGNC:1033,", "L1,HGNC:99999,"),
        },
    )
    problems = _problems(folder)
    assert any("column 'technique': value 'itbs' is not allowed, did you mean 'iTBS'?" in p for p in problems)
    assert any("column 'target_id': unknown id 'HGNC:3943', did you mean 'HGNC:3942'?" in p for p in problems)
    unrelated = next(p for p in problems if "'HGNC:99999'" in p)
    assert "did you mean" not in unrelated, "no suggestion that is not close"


def test_clashing_name_is_reported_once_and_named(tmp_path: Path) -> None:
    folder = _broken_copy(tmp_path, {"entities.csv": ("NTRK2|Ntrk2,", "NTRK2|Ntrk2|bdnf|Bdnf|BDNF,")})
    problems = _problems(folder)
    assert len(problems) == 1
    assert "column 'synonyms': the name 'bdnf' is also a name of 'HGNC:1033'" in problems[0]
