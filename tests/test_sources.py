"""Studies from anywhere: sources.csv, review-only rules, open species vocabulary, PROV of study origin.

``tests/data/sources`` holds two studies of an invented review with tables (``tinyreview``), one of another
invented review without tables (``otherreview``) in marmosets, and one by direct curation (``curation-2026-11``):
a 40 Hz tACS study in rhesus macaques with one finding in cynomolgus macaques.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from rdflib import RDF, URIRef
from rdflib.namespace import DCTERMS, PROV

from nibs_graph.api import load_graph, load_rdf
from nibs_graph.cli import app
from nibs_graph.namespaces import DATA, NIBS
from nibs_graph.queries import evidence, paths
from nibs_graph.validate import read_evidence_base

from .conftest import SOURCES, TINY, validation_problems


def _copy(src: Path, tmp_path: Path) -> Path:
    folder = tmp_path / src.name
    shutil.copytree(src, folder)
    return folder


def _edit(folder: Path, name: str, old: str, new: str) -> None:
    path = folder / name
    text = path.read_text(encoding="utf-8")
    assert old in text, (name, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _problems(folder: Path) -> list[str]:
    return validation_problems(folder)


# ------------------------------------------------------------------------------------------------ old folders


def test_a_folder_without_sources_validates_as_before() -> None:
    base = read_evidence_base(TINY)
    assert list(base.sources) == ["sveva2025"]
    assert base.sources["sveva2025"].doi == "10.3390/cells14241996"
    assert {s.source_id for s in base.studies.values()} == {"sveva2025"}
    assert base.version == "c422ba50a98d8bf0"  # the version it had before sources existed
    assert base.release is None


def test_a_folder_without_sources_keeps_the_review_rules(tmp_path: Path) -> None:
    folder = _copy(TINY, tmp_path)
    _edit(folder, "studies.csv", ",Table 3,iTBS,", ",Table 5,iTBS,")
    _edit(folder, "studies.csv", "beta2021,2,", "beta2021,,")
    problems = _problems(folder)
    assert any("column 'review_table': value 'Table 5' is not allowed for source 'sveva2025'" in p for p in problems)
    assert any("Table 2, Table 3, Table 4" in p for p in problems)
    assert any("studies.csv:3: column 'review_ref': required for source 'sveva2025'" in p for p in problems)


# ------------------------------------------------------------------------------------------------ sources


def test_studies_from_another_review_and_from_curation_validate() -> None:
    base = read_evidence_base(SOURCES)
    assert {sid: s.source_id for sid, s in base.studies.items()} == {
        "alpha2020": "tinyreview",
        "beta2021": "tinyreview",
        "gamma2019": "otherreview",
        "doe2026": "curation-2026-11",
    }
    curated = base.sources["curation-2026-11"]
    assert (curated.kind, curated.curator, curated.date) == ("curation", "Example Curator", "2026-11-30")
    assert base.studies["doe2026"].review_ref is None and base.studies["doe2026"].review_table is None
    assert base.studies["gamma2019"].review_table == "Table 1"  # another review: its own tables, not 2-4


def test_studies_from_another_review_and_from_curation_are_queried() -> None:
    G = load_graph(SOURCES, use_cache=False)
    other = evidence(G, "LF-rTMS", "BDNF")
    assert [(r["citation"], r["species"], r["origin"]) for r in other] == [
        ("Gamma et al., 2019", "marmoset", "otherreview")
    ]
    curated = evidence(G, "tACS", "BDNF")
    assert [(r["citation"], r["species"], r["origin"]) for r in curated] == [
        ("Doe et al., 2026", "rhesus macaque", "curation-2026-11")
    ]
    result = paths(G, "tACS", "CREB")
    assert [p.nodes for p in result.paths] == [
        ["nibs:tACS", "HGNC:2345"],
        ["nibs:tACS", "HGNC:1033", "HGNC:8032", "FPLX:ERK", "HGNC:2345"],
    ]
    assert result.paths[0].hops[0].evidence[0]["species"] == "cynomolgus macaque"
    assert {r["origin"] for r in evidence(G, "iTBS", "BDNF")} == {"tinyreview"}
    from nibs_graph.summary import graph_info

    assert graph_info(G)["studies_by_source"] == {"curation-2026-11": 1, "otherreview": 1, "tinyreview": 2}


@pytest.mark.parametrize(
    ("file", "old", "new", "expected"),
    [
        (
            "studies.csv",
            "doe2026,curation-2026-11,,",
            "doe2026,curation-2026-11,12,",
            "studies.csv:5: column 'review_ref': value '12' is not allowed for source 'curation-2026-11'",
        ),
        (
            "studies.csv",
            ",unknown,,,,tACS,",
            ",unknown,,,Table 3,tACS,",
            "studies.csv:5: column 'review_table': value 'Table 3' is not allowed for source 'curation-2026-11'",
        ),
        (
            "studies.csv",
            "beta2021,tinyreview,2,",
            "beta2021,tinyreview,7,",
            "studies.csv:3: column 'review_ref': value '7' is not allowed for source 'tinyreview'; allowed: a "
            "reference number 1-2",
        ),
        (
            "studies.csv",
            ",Table 4,cTBS",
            ",Table 2,cTBS",
            "column 'review_table': value 'Table 2' is not allowed for source 'tinyreview'; allowed: Table 3, Table 4",
        ),
        (
            "studies.csv",
            "gamma2019,otherreview,17,",
            "gamma2019,otherreview,,",
            "studies.csv:4: column 'review_ref': required for source 'otherreview'",
        ),
        (
            "studies.csv",
            "gamma2019,otherreview,",
            "gamma2019,elsewhere,",
            "studies.csv:4: column 'source_id': unknown id 'elsewhere'; allowed: an id defined in sources.csv",
        ),
        (
            "sources.csv",
            ",Example Curator,2026-11-30,",
            ",,2026-11-30,",
            "sources.csv:4: column 'curator': required for kind 'curation'",
        ),
        (
            "sources.csv",
            ",Example Curator,2026-11-30,",
            ",Example Curator,30/11/2026,",
            "sources.csv:4: column 'date': value '30/11/2026' is not allowed; allowed: a date written YYYY-MM-DD",
        ),
        (
            "sources.csv",
            "10.1234/other.review,CC BY 4.0,",
            ",CC BY 4.0,",
            "sources.csv:3: column 'doi': required for kind 'review'",
        ),
        (
            "sources.csv",
            "curation-2026-11,curation,",
            "curation-2026-11,journal,",
            "sources.csv:4: column 'kind': value 'journal' is not allowed; allowed: review, curation",
        ),
    ],
    ids=[
        "curated-with-ref",
        "curated-with-table",
        "ref-out-of-range",
        "table-not-the-reviews",
        "review-without-ref",
        "unknown-source",
        "curation-without-curator",
        "bad-date",
        "review-without-doi",
        "unknown-kind",
    ],
)
def test_rules_that_follow_from_the_source(tmp_path: Path, file: str, old: str, new: str, expected: str) -> None:
    folder = _copy(SOURCES, tmp_path)
    _edit(folder, file, old, new)
    problems = _problems(folder)
    assert any(expected in p for p in problems), problems


def test_a_folder_with_sources_needs_the_source_column(tmp_path: Path) -> None:
    folder = _copy(SOURCES, tmp_path)
    path = folder / "studies.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join(",".join(line.split(",")[:1] + line.split(",")[2:]) for line in lines) + "\n")
    problems = _problems(folder)
    assert any("column 'source_id': required column is missing from the header" in p for p in problems)


# ------------------------------------------------------------------------------------------------ species


def test_a_macaque_study_validates() -> None:
    base = read_evidence_base(SOURCES)
    assert base.studies["doe2026"].species == ("rhesus macaque",)  # written "Macaca mulatta"
    assert base.findings["doe2026-f02"].species == "cynomolgus macaque"  # written NCBITaxon:9541
    g = load_rdf(SOURCES)
    taxon = "http://purl.obolibrary.org/obo/NCBITaxon_"
    finding = URIRef(DATA + "finding/doe2026-f01")
    assert set(g.objects(finding, URIRef(NIBS + "species"))) == {URIRef(taxon + "9544")}
    assert set(g.objects(URIRef(DATA + "study/gamma2019"), URIRef(NIBS + "species"))) == {URIRef(taxon + "9483")}


def test_a_misspelt_species_gets_suggestions(tmp_path: Path, runner) -> None:  # type: ignore[no-untyped-def]
    folder = _copy(SOURCES, tmp_path)
    _edit(folder, "studies.csv", ",Macaca mulatta,", ",macacque,")
    _edit(folder, "findings.csv", ",NCBITaxon:9541,", ",cynomolgus macaq,")
    problems = _problems(folder)
    assert any(
        "studies.csv:5: column 'species': value 'macacque'" in p and "did you mean: macaque" in p for p in problems
    )
    assert any("findings.csv:" in p and "did you mean: cynomolgus macaque?" in p for p in problems)
    result = runner.invoke(app, ["validate", "--data", str(folder)])
    assert result.exit_code == 2 and "did you mean: macaque" in result.stderr


def test_any_ncbitaxon_curie_is_accepted_as_given(tmp_path: Path) -> None:
    folder = _copy(SOURCES, tmp_path)
    _edit(folder, "studies.csv", ",marmoset,", ",NCBITaxon:9825,")  # Sus scrofa domesticus: not in the table
    G = load_graph(folder, use_cache=False)
    assert evidence(G, "LF-rTMS", "BDNF")[0]["species"] == "NCBITaxon:9825"
    _edit(folder, "studies.csv", ",NCBITaxon:9825,", ",UBERON:0002421,")
    assert any("an NCBITaxon CURIE" in p for p in _problems(folder))


def test_species_option_takes_any_name_of_the_table(runner) -> None:  # type: ignore[no-untyped-def]
    result = runner.invoke(app, ["path", "tACS", "CREB", "--data", str(SOURCES), "--species", "Macaca fascicularis"])
    assert result.exit_code == 0 and "1 of 1 path" in result.stdout
    result = runner.invoke(app, ["path", "tACS", "CREB", "--data", str(SOURCES), "--species", "macacque"])
    assert result.exit_code == 2 and "did you mean: macaque" in result.stderr


# ------------------------------------------------------------------------------------------------ PROV


def test_the_rdf_says_where_each_study_came_from() -> None:
    g = load_rdf(SOURCES)
    review = URIRef(DATA + "source/otherreview")
    curated = URIRef(DATA + "source/curation-2026-11")
    assert (URIRef(DATA + "study/gamma2019"), DCTERMS.source, review) in g
    assert (URIRef(DATA + "study/doe2026"), DCTERMS.source, curated) in g
    assert (URIRef("https://doi.org/10.1234/alpha"), DCTERMS.source, URIRef(DATA + "source/tinyreview")) in g
    assert (review, RDF.type, URIRef(NIBS + "Review")) in g and (review, RDF.type, PROV.Entity) in g
    assert (curated, RDF.type, URIRef(NIBS + "CurationBatch")) in g
    assert str(g.value(curated, DCTERMS.creator)) == "Example Curator"
    assert str(g.value(curated, DCTERMS.date)) == "2026-11-30"
    assert not list(g.triples((None, PROV.wasAttributedTo, review)))
    dataset = URIRef(DATA + "dataset")
    assert set(g.objects(dataset, DCTERMS.source)) == {
        URIRef("https://doi.org/10.1234/tiny.review"),
        URIRef("https://doi.org/10.1234/other.review"),
    }


def test_sources_conform_to_the_shapes() -> None:
    pyshacl = pytest.importorskip("pyshacl")
    from .conftest import ROOT

    conforms, _, report = pyshacl.validate(
        load_rdf(SOURCES), shacl_graph=str(ROOT / "ontology" / "shapes.ttl"), inference="rdfs"
    )
    assert conforms, report
