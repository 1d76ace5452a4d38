"""Controlled lists extended by the data: ``vocabulary.csv`` (techniques, methods, measures).

``tests/data/vocabulary`` is the tiny base plus a vocabulary file declaring tRNS (under tES) and hf-tRNS (under
tRNS, declared first on purpose), a method and a measure, and a study that uses them.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from rdflib import RDFS, URIRef

from nibs_graph.api import load_graph, load_rdf
from nibs_graph.diff import diff_bases
from nibs_graph.namespaces import DATA, NIBS
from nibs_graph.queries import contradictions, evidence, hubs, paths
from nibs_graph.validate import read_evidence_base

from .conftest import TINY, VOCABULARY, validation_problems


def _problems(folder: Path) -> list[str]:
    return validation_problems(folder)


def _copy(tmp_path: Path) -> Path:
    folder = tmp_path / "vocabulary"
    shutil.copytree(VOCABULARY, folder)
    return folder


def test_declared_terms_validate_and_are_queried() -> None:
    base = read_evidence_base(VOCABULARY)
    declared = {t.label: t for t in base.vocabulary.extension_techniques()}
    assert {label: t.parent for label, t in declared.items()} == {"hf-tRNS": "tRNS", "tRNS": "tES"}
    assert base.studies["gamma2022"].methods == ("mass spectrometry", "Western blot")
    assert base.findings["gamma2022-f02"].measure == "splice variant ratio"
    G = load_graph(VOCABULARY, use_cache=False)
    assert G.nodes["nibsdata:technique/hf-tRNS"]["label"] == "hf-tRNS"
    assert paths(G, "tRNS", "TrkB").paths[0].nodes == ["nibsdata:technique/hf-tRNS", "HGNC:8032"]
    assert {r["finding_id"] for r in evidence(G, "tES", "BDNF")} == {"beta2021-f02", "gamma2022-f01"}
    assert [r["measure"] for r in evidence(G, "random noise stimulation", "TrkB")] == ["splice variant ratio"]
    bdnf = next(h for h in hubs(G) if h.label == "BDNF")
    assert bdnf.techniques[-1] == "hf-tRNS" and "tES" in bdnf.modalities
    assert contradictions(G)  # the family of a declared technique is found through the graph


def test_declared_techniques_are_classes_under_their_parent() -> None:
    g = load_rdf(VOCABULARY)
    hf = URIRef(DATA + "technique/hf-tRNS")
    assert g.value(hf, RDFS.subClassOf) == URIRef(DATA + "technique/tRNS")
    assert g.value(URIRef(DATA + "technique/tRNS"), RDFS.subClassOf) == URIRef(NIBS + "tES")


def test_without_the_file_the_terms_are_rejected(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    (folder / "vocabulary.csv").unlink()
    problems = _problems(folder)
    assert any("studies.csv:4: column 'techniques': value 'tRNS' is not allowed" in p for p in problems)
    assert any("column 'methods': value 'mass spectrometry|Western blot' is not allowed" in p for p in problems)
    assert any("protocols.csv:5: column 'technique': value 'hf-tRNS' is not allowed" in p for p in problems)
    assert any("column 'measure': value 'splice variant ratio' is not allowed" in p for p in problems)


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "technique,tRNS,tES,",
            "technique,tRNS,tXS,",
            "vocabulary.csv:3: column 'parent': unknown parent 'tXS'; allowed: a technique built in or declared",
        ),
        (
            "method,mass spectrometry,,",
            "method,Western blot,,",
            "vocabulary.csv:4: column 'term': 'Western blot' is built in; allowed: a method not yet in the list",
        ),
        (
            "method,mass spectrometry,,",
            "method,mass spectrometry,tES,",
            "vocabulary.csv:4: column 'parent': value 'tES' is not allowed; allowed: empty (only techniques",
        ),
        (
            "measure,splice variant ratio,",
            "measures,splice variant ratio,",
            "vocabulary.csv:5: column 'list': value 'measures' is not allowed",
        ),
        (
            "technique,tRNS,tES,transcranial",
            "technique,tRNS,,transcranial",
            "vocabulary.csv:3: column 'parent': a technique needs its parent technique",
        ),
    ],
    ids=["unknown-parent", "built-in-term", "method-with-parent", "unknown-list", "technique-without-parent"],
)
def test_a_bad_vocabulary_row_is_reported(tmp_path: Path, old: str, new: str, expected: str) -> None:
    folder = _copy(tmp_path)
    path = folder / "vocabulary.csv"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    problems = _problems(folder)
    assert any(expected in p for p in problems), problems


def test_the_vocabulary_is_part_of_the_data_version_and_of_the_diff(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    before = read_evidence_base(folder).version
    path = folder / "vocabulary.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("Invented for the tests,", "Invented,", 1))
    assert read_evidence_base(folder).version != before
    changes = diff_bases(TINY, VOCABULARY).records
    assert ("term", "technique:tRNS", "added") in {(c.kind, c.id, c.status) for c in changes}
