"""Closed vocabularies of the evidence base.

Every controlled value in the CSV files is defined here once; validation, the ontology test and the
documentation read these tables. A mistyped term fails loudly:

>>> technique("itbs").label
'iTBS'
>>> [t.label for t in technique_lineage("iTBS")]
['iTBS', 'TBS', 'rTMS', 'TMS', 'NIBS']
>>> RELATION_SIGNS["inhibits"]
-1
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from .taxa import TAXA

__all__ = [
    "BASES",
    "COMPARISONS",
    "DIRECTIONS",
    "DIRECTION_SIGNS",
    "ENTITY_TYPES",
    "FLAGS",
    "INTENSITY_UNITS",
    "LAYERS",
    "LAYER_BASIS",
    "MEASURES",
    "METHODS",
    "POLARITIES",
    "RELATION_SIGNS",
    "REVIEW_TABLES",
    "SETTINGS",
    "SOURCE_KINDS",
    "SPECIES",
    "STIMULATION_COMPARISONS",
    "TECHNIQUES",
    "Technique",
    "species",
    "species_curie",
    "species_label",
    "technique",
    "technique_descendants",
    "technique_lineage",
]


@dataclass(frozen=True)
class Technique:
    """A stimulation technique: a class in the ontology's technique hierarchy."""

    label: str
    local: str  # local name in the nibs: namespace
    parent: str | None
    name: str  # full name
    definition: str
    synonyms: tuple[str, ...] = ()
    xrefs: tuple[str, ...] = ()
    prefix: str = "nibs"  # ``nibsdata`` for a technique declared in an evidence base's vocabulary.csv

    @property
    def curie(self) -> str:
        """The technique's CURIE, e.g. ``nibs:iTBS`` (``nibsdata:technique/tRNS`` for a declared one)."""
        return f"{self.prefix}:{self.local}"


TECHNIQUES: dict[str, Technique] = {
    t.label: t
    for t in (
        Technique(
            "NIBS",
            "NIBS",
            None,
            "non-invasive brain stimulation",
            "Any stimulation of the brain through the intact scalp or of neural tissue by magnetic or "
            "electric fields, as grouped by the review.",
            ("non-invasive brain stimulation",),
        ),
        Technique(
            "TMS",
            "TMS",
            "NIBS",
            "transcranial magnetic stimulation",
            "Stimulation by a magnetic field pulse from a coil that induces currents in neural tissue.",
            ("transcranial magnetic stimulation",),
            ("MESH:D050781", "MAXO:0001610"),
        ),
        Technique(
            "rTMS",
            "rTMS",
            "TMS",
            "repetitive transcranial magnetic stimulation",
            "TMS delivered as trains of repeated pulses.",
            ("repetitive TMS",),
        ),
        Technique(
            "HF-rTMS",
            "HF-rTMS",
            "rTMS",
            "high-frequency rTMS",
            "rTMS at a frequency above 5 Hz.",
            ("high-frequency rTMS", "HF rTMS", "hfrTMS"),
        ),
        Technique(
            "LF-rTMS",
            "LF-rTMS",
            "rTMS",
            "low-frequency rTMS",
            "rTMS at 1 Hz or below.",
            ("low-frequency rTMS", "LF rTMS", "lfrTMS"),
        ),
        Technique(
            "TBS",
            "TBS",
            "rTMS",
            "theta-burst stimulation",
            "rTMS delivered as high-frequency bursts repeated at a theta rate.",
            ("theta burst stimulation", "theta-burst"),
        ),
        Technique(
            "iTBS",
            "iTBS",
            "TBS",
            "intermittent theta-burst stimulation",
            "TBS delivered in trains separated by pauses.",
            ("intermittent TBS",),
        ),
        Technique(
            "cTBS",
            "cTBS",
            "TBS",
            "continuous theta-burst stimulation",
            "TBS delivered without pauses.",
            ("continuous TBS",),
        ),
        Technique(
            "PAS",
            "PAS",
            "TMS",
            "paired associative stimulation",
            "Peripheral nerve stimulation paired with a TMS pulse at a fixed interval.",
            ("paired associative stimulation", "paired-associative stimulation"),
        ),
        Technique(
            "rMS",
            "rMS",
            "TMS",
            "repetitive magnetic stimulation",
            "Repeated magnetic stimulation applied to cells or tissue outside a head.",
            ("repetitive magnetic stimulation",),
        ),
        Technique(
            "tES",
            "tES",
            "NIBS",
            "transcranial electrical stimulation",
            "Stimulation by weak currents through electrodes.",
            ("transcranial electrical stimulation",),
        ),
        Technique(
            "tDCS",
            "tDCS",
            "tES",
            "transcranial direct current stimulation",
            "tES with a constant current.",
            ("transcranial direct current stimulation",),
            ("MESH:D065908",),
        ),
        Technique(
            "anodal tDCS",
            "anodal-tDCS",
            "tDCS",
            "anodal transcranial direct current stimulation",
            "tDCS with the anode over the target.",
            ("atDCS", "a-tDCS", "anodal"),
        ),
        Technique(
            "cathodal tDCS",
            "cathodal-tDCS",
            "tDCS",
            "cathodal transcranial direct current stimulation",
            "tDCS with the cathode over the target.",
            ("ctDCS", "c-tDCS", "cathodal"),
        ),
        Technique(
            "DCS",
            "DCS",
            "tES",
            "direct current stimulation",
            "A constant current applied to cells or tissue (in vitro or on exposed cortex).",
            ("direct current stimulation",),
        ),
        Technique(
            "tACS",
            "tACS",
            "tES",
            "transcranial alternating current stimulation",
            "tES with a sinusoidal current.",
            ("transcranial alternating current stimulation",),
        ),
    )
}

_TECHNIQUE_INDEX: dict[str, Technique] = {}
for _t in TECHNIQUES.values():
    for _name in (_t.label, _t.local, _t.curie, _t.name, *_t.synonyms):
        _TECHNIQUE_INDEX.setdefault(_name.casefold(), _t)


def technique(name: str) -> Technique:
    """Look a technique up by label, local name, CURIE or synonym, case-insensitively.

    >>> technique("atDCS").label
    'anodal tDCS'
    """
    try:
        return _TECHNIQUE_INDEX[name.casefold()]
    except KeyError:
        raise KeyError(f"unknown technique {name!r}; allowed: {', '.join(TECHNIQUES)}") from None


def technique_lineage(label: str) -> list[Technique]:
    """The technique and its ancestors, most specific first."""
    lineage = [technique(label)]
    while lineage[-1].parent is not None:
        lineage.append(TECHNIQUES[lineage[-1].parent])
    return lineage


def technique_descendants(label: str) -> list[Technique]:
    """The technique and every technique under it.

    >>> sorted(t.label for t in technique_descendants("TBS"))
    ['TBS', 'cTBS', 'iTBS']
    """
    root = technique(label)
    return [t for t in TECHNIQUES.values() if root in technique_lineage(t.label)]


DIRECTIONS: tuple[str, ...] = ("increased", "decreased", "unchanged")
DIRECTION_SIGNS: dict[str, int] = {"increased": 1, "decreased": -1, "unchanged": 0}

#: Species name → NCBITaxon CURIE: the shipped table of common laboratory and clinical species
#: (:mod:`nibs_graph.taxa`, with its source and licence). Any other NCBITaxon term is written as its CURIE.
SPECIES: dict[str, str] = {t.name: t.curie for t in TAXA}
_SPECIES_INDEX: dict[str, str] = {}
for _taxon in TAXA:
    for _name in (_taxon.name, _taxon.scientific_name, *_taxon.synonyms, _taxon.curie):
        _SPECIES_INDEX.setdefault(_name.casefold(), _taxon.name)
_SPECIES_LABELS: dict[str, str] = {t.curie: t.name for t in TAXA}
_NCBITAXON = re.compile(r"^NCBITaxon:[1-9][0-9]*$")


def species(value: str) -> str:
    """The canonical form of a species cell: a name of the shipped table, or an NCBITaxon CURIE as given.

    >>> species("Macaca mulatta"), species("NCBITaxon:10116"), species("NCBITaxon:9825")
    ('rhesus macaque', 'rat', 'NCBITaxon:9825')
    >>> try:
    ...     species("macacque")
    ... except ValueError as exc:
    ...     print(str(exc).split("; ")[1])
    did you mean: macaque, rhesus macaque?

    Raises
    ------
    ValueError
        For a name the table does not know (with the closest names), or a CURIE that is not NCBITaxon's.
    """
    known = _SPECIES_INDEX.get(value.casefold())
    if known is not None:
        return known
    if _NCBITAXON.match(value):
        return value
    allowed = "an NCBITaxon CURIE (NCBITaxon:9544) or a species name of the shipped table"
    close = difflib.get_close_matches(value.casefold(), list(_SPECIES_INDEX), n=6, cutoff=0.6)
    close = list(dict.fromkeys(_SPECIES_INDEX[key] for key in close))[:3]
    if close:
        raise ValueError(f"{allowed}; did you mean: {', '.join(close)}?")
    raise ValueError(f"{allowed} ({', '.join(SPECIES)})")


def species_curie(name: str) -> str:
    """The NCBITaxon CURIE of a canonical species value.

    >>> species_curie("macaque"), species_curie("NCBITaxon:9825")
    ('NCBITaxon:9539', 'NCBITaxon:9825')
    """
    return SPECIES.get(name, name)


def species_label(curie: str) -> str:
    """The name nibs-graph shows for an NCBITaxon CURIE (the CURIE itself when the table has no name for it).

    >>> species_label("NCBITaxon:9606"), species_label("NCBITaxon:9825")
    ('human', 'NCBITaxon:9825')
    """
    return _SPECIES_LABELS.get(curie, curie)


SETTINGS: tuple[str, ...] = ("in vitro", "ex vivo", "in vivo", "human")
REVIEW_TABLES: tuple[str, ...] = ("Table 2", "Table 3", "Table 4")
#: Where a study comes from (``sources.csv`` column ``kind``).
SOURCE_KINDS: dict[str, str] = {
    "review": "a published review: its DOI, licence, and each study's reference number (and table) in it",
    "curation": "direct curation from the primary paper by a named curator on a date",
}
POLARITIES: tuple[str, ...] = ("anodal", "cathodal")
INTENSITY_UNITS: tuple[str, ...] = ("%MSO", "%RMT", "%MT", "µA", "mA")

METHODS: tuple[str, ...] = (
    "IHC",
    "Western blot",
    "qRT-PCR",
    "ELISA",
    "IF",
    "ICC",
    "RNA-seq",
    "microarray",
    "in situ hybridization",
    "metabolomics",
    "microdialysis",
)

MEASURES: tuple[str, ...] = (
    "protein level",
    "phosphorylation",
    "mRNA expression",
    "expression",
    "activity",
    "ratio",
    "density",
    "concentration",
    "cell count",
    "pathway enrichment",
    "DNA methylation",
    "histone modification",
)

COMPARISONS: dict[str, str] = {
    "stim_vs_sham": "real vs sham stimulation",
    "stim_vs_control": "stimulated vs unstimulated control preparation",
    "stim_vs_model": "disease model with stimulation vs the disease model alone",
    "between_protocols": "one stimulation arm vs another",
    "model_vs_control": "a disease model or genotype vs wild type (not a stimulation effect)",
    "time_course": "within stimulated samples over time",
}
#: Comparisons whose findings are effects of stimulation (they become technique → entity edges).
STIMULATION_COMPARISONS: frozenset[str] = frozenset({"stim_vs_sham", "stim_vs_control", "stim_vs_model"})

ENTITY_TYPES: dict[str, str] = {
    "gene_or_protein": "a gene or its protein product",
    "family_or_complex": "a protein family or complex named without an isoform",
    "small_molecule": "a small molecule or ion",
    "biological_process": "a biological process or pathway",
    "phenotype": "a phenotype or composite measure (a ratio, a density)",
}

#: Signalling relation → sign used when a path's sign is propagated (0: unsigned).
RELATION_SIGNS: dict[str, int] = {
    "activates": 1,
    "inhibits": -1,
    "increases_expression": 1,
    "decreases_expression": -1,
    "binds": 0,
    "has_member": 1,
    "part_of": 1,
}
LAYERS: dict[str, str] = {
    "review": "stated in the review (CC BY 4.0)",
    "famplex": "family membership from FamPlex (CC0)",
    "signor": "SIGNOR causal links (CC BY-NC 4.0, optional, off by default)",
}

#: How a signalling link is known (``basis`` in ``pathways.csv``).
BASES: dict[str, str] = {
    "stated": "the review states the link in one place (a sentence, a table cell or a figure)",
    "inferred": "the curator ordered or joined statements of the review that do not state the link itself "
    "(the link's notes say from what)",
    "membership": "family or complex membership from a resource (FamPlex); true in every species",
    "resource": "taken from a curated resource (SIGNOR), not from the review",
}
#: The basis of a link when ``pathways.csv`` has no ``basis`` column (an evidence base written before it existed).
LAYER_BASIS: dict[str, str] = {"review": "stated", "famplex": "membership", "signor": "resource"}

#: Certainty flags (``flags`` in ``findings.csv`` and ``pathways.csv``): why a row is less certain than others.
#: Each flagged row says why in its notes; ``data/CURATION.md`` lists every flag with its rows.
FLAGS: dict[str, str] = {
    "table_text_conflict": "the review's table and its text state this row differently",
    "primary_source_disagrees": "the primary paper's abstract (PMID or PMCID in the notes) disagrees with the "
    "review's row",
    "pooled_statement": "taken from a sentence that cites several studies together; which study showed it is not said",
    "arm_not_separated": "the review does not say which stimulation arm (or preparation) showed it; recorded for each",
    "arm_uncertain": "the row is attached to an arm the review does not clearly give it",
    "direction_inferred": "the review gives no direction; the direction is the curator's reading",
    "duplicate_in_source": "the review lists this target twice in one cell; counted once",
    "comparison_unclear": "the review does not name the group the effect was compared with",
    "context_from_primary": "a context value (setting, model, time) comes from the primary paper, not the review",
    "citation_unclear": "the review cites a reference for this that does not fit it (a likely citation slip)",
    "circular_in_source": "the review's statements make this link part of a loop (A → B and B → A)",
}
