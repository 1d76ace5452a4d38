"""Brain regions: ``region_id`` takes any UBERON term by CURIE; common atlas names are grounded to one.

``findings.csv`` names a region as the source writes it (``region``) and, optionally, its UBERON term
(``region_id``, any ``UBERON:`` + 7 digits, accepted as given). Where ``region_id`` is empty and ``region`` is one of
the names below (case-insensitive), the finding is grounded to that term in the RDF graph (``nibs:regionEntity``);
any other name stays text. Identifiers and labels are copied from UBERON (CC BY 3.0): the hippocampus, dentate
gyrus, prefrontal cortex, primary motor cortex, cerebellum and somatosensory cortex rows from the project's
``reference/identifiers.tsv``; the others from the UBERON release 2026-04-01 as shipped in the
``cellxgene-ontology-guide`` 1.11.1 package (MIT). "hippocampus" follows the reference table's choice of
UBERON:0002421 (hippocampal formation).

>>> ground("Prefrontal cortex"), ground("CA1"), ground("hippocampal neurons") is None
('UBERON:0000451', 'UBERON:0003881', True)
"""

from __future__ import annotations

import re

__all__ = ["REGIONS", "UBERON_CURIE", "ground"]

#: UBERON CURIE → (UBERON label, the names a curator may write for it).
REGIONS: dict[str, tuple[str, tuple[str, ...]]] = {
    "UBERON:0002421": ("hippocampal formation", ("hippocampus",)),
    "UBERON:0001885": ("dentate gyrus of hippocampal formation", ("dentate gyrus",)),
    "UBERON:0003881": ("CA1 field of hippocampus", ("CA1", "CA1 field")),
    "UBERON:0003882": ("CA2 field of hippocampus", ("CA2", "CA2 field")),
    "UBERON:0000451": ("prefrontal cortex", ()),
    "UBERON:0001870": ("frontal cortex", ()),
    "UBERON:0001384": ("primary motor cortex", ("motor cortex", "M1")),
    "UBERON:0008930": ("somatosensory cortex", ()),
    "UBERON:0002436": ("primary visual cortex", ("V1", "striate cortex")),
    "UBERON:0000956": ("cerebral cortex", ("cortex",)),
    "UBERON:0001950": ("neocortex", ()),
    "UBERON:0002037": ("cerebellum", ()),
    "UBERON:0002435": ("striatum", ()),
    "UBERON:0001876": ("amygdala", ()),
    "UBERON:0001898": ("hypothalamus", ()),
    "UBERON:0002038": ("substantia nigra", ()),
    "UBERON:0002240": ("spinal cord", ()),
    "UBERON:0000955": ("brain", ()),
}
#: A well-formed UBERON CURIE.
UBERON_CURIE = re.compile(r"^UBERON:\d{7}$")
_BY_NAME = {name.casefold(): curie for curie, (label, names) in REGIONS.items() for name in (label, *names)}


def ground(region: str | None) -> str | None:
    """The UBERON CURIE of an atlas name of the table (any case), or None."""
    return _BY_NAME.get(region.strip().casefold()) if region else None
