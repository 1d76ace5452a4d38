"""Regions: any UBERON term by CURIE; a common atlas name in ``region`` is grounded to its UBERON term."""

from __future__ import annotations

import shutil
from pathlib import Path

from rdflib import URIRef

from nibs_graph.namespaces import DATA, NIBS
from nibs_graph.regions import REGIONS, ground

from .conftest import TINY, validation_problems

_UBERON = "http://purl.obolibrary.org/obo/UBERON_"
_REGION = URIRef(NIBS + "regionEntity")


def test_atlas_names_are_grounded_in_the_shipped_graph(shipped_rdf) -> None:  # type: ignore[no-untyped-def]
    # "frontal cortex" is written without a region_id in the data: grounded from the table
    assert shipped_rdf.value(URIRef(DATA + "finding/menesessanjuan2023-f01"), _REGION) == URIRef(_UBERON + "0001870")
    # a region_id given stays as given
    assert shipped_rdf.value(URIRef(DATA + "finding/wang2011-f01"), _REGION) == URIRef(_UBERON + "0000451")
    # a name the table does not know stays text
    assert ground("peri-infarct cortex") is None


def test_the_table_is_well_formed() -> None:
    names = [name.casefold() for label, aliases in REGIONS.values() for name in (label, *aliases)]
    assert len(names) == len(set(names)), "a name grounds to one term only"
    assert ground("HIPPOCAMPUS") == "UBERON:0002421" and ground("M1") == "UBERON:0001384"


def test_a_malformed_uberon_curie_is_an_error(tmp_path: Path) -> None:
    folder = tmp_path / "tiny"
    shutil.copytree(TINY, folder)
    path = folder / "findings.csv"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("protein level,stim_vs_sham,,,,", "protein level,stim_vs_sham,,CA1,UBERON:388,", 1))
    problems = validation_problems(folder)
    assert any(
        "column 'region_id': value 'UBERON:388' is not allowed; allowed: an UBERON: CURIE" in p for p in problems
    )
