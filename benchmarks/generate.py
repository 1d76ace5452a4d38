"""Generate synthetic evidence bases in the nibs-graph data layout, for benchmarks only.

SYNTHETIC DATA. Every study, protocol, finding and link written by this module is invented; entities past the
small core of real names (BDNF, TrkB, ERK1/2, mTOR ...) carry made-up identifiers in real-looking CURIE shapes
(``HGNC:100000`` and up, ``CHEBI:900000`` and up, ``GO:9900000`` and up, ``FPLX:SYNFAM...``) that denote nothing.
The files are written outside the repository (see :func:`default_bench_dir`) and are never shipped.

The shape follows the review: the techniques of its tables with their usual parameters (iTBS at 50 Hz in bursts
repeated at 5 Hz, HF-rTMS at 10-25 Hz, anodal/cathodal tDCS in mA or µA ...), studies with one to four arms,
findings whose targets follow a Zipf-like popularity (a few hubs such as BDNF take most findings), and a signalling
layer among entities (``activates``, ``inhibits`` ... and FamPlex-style ``has_member``). The same seed gives
byte-identical files.

>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> counts = generate(folder, 200, seed=1)
>>> counts["findings"]
200
>>> from nibs_graph.validate import read_evidence_base
>>> read_evidence_base(folder).counts()["findings"]
200

Command line::

    python benchmarks/generate.py OUT_DIR --findings 10000 [--seed 0]
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import os
import random
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["GENERATOR_VERSION", "SIZES", "default_bench_dir", "ensure_base", "generate", "size_label"]

#: Bump when the generated content changes (cached bases are regenerated).
GENERATOR_VERSION = 2
#: The benchmark sizes, in findings.
SIZES: dict[str, int] = {"1k": 1_000, "10k": 10_000, "100k": 100_000, "1m": 1_000_000}

# Column order of every file (as in data/README.md).
_COLUMNS = {
    "studies.csv": (
        "study_id,review_ref,first_author,year,title,journal,volume,pages,doi,doi_status,pmid,pmcid,review_table,"
        "techniques,model,disease_model,species,strain,setting,n_total,groups,methods,human_translation,source"
    ),
    "protocols.csv": (
        "protocol_id,study_id,technique,arm_label,polarity,frequency_hz,burst_frequency_hz,pattern,intensity,"
        "intensity_unit,pulses_per_session,session_duration_min,sessions,session_spacing,treatment_duration,site,"
        "notes,source"
    ),
    "findings.csv": (
        "finding_id,study_id,protocol_id,technique,target_id,target_label,direction,measure,comparison,time_point,"
        "region,region_id,species,setting,context,source,conflict,notes"
    ),
    "entities.csv": "id,label,type,synonyms,xrefs,id_source,notes",
    "pathways.csv": "link_id,source_id,target_id,relation,layer,source,reference,licence,notes",
}

# The real core: names users type, with the identifiers of data/entities.csv. Listed by popularity.
_CORE_ENTITIES: tuple[tuple[str, str, str, str], ...] = (
    ("HGNC:1033", "BDNF", "gene_or_protein", "Bdnf"),
    ("HGNC:2345", "CREB", "gene_or_protein", "CREB1|Creb1|pCREB"),
    ("FPLX:ERK", "ERK1/2", "family_or_complex", "ERK|p-ERK"),
    ("HGNC:8032", "TrkB", "gene_or_protein", "NTRK2|Ntrk2"),
    ("HGNC:3796", "c-Fos", "gene_or_protein", "FOS|Fos"),
    ("FPLX:AKT", "Akt", "family_or_complex", "AKT|p-Akt"),
    ("HGNC:3942", "mTOR", "gene_or_protein", "MTOR|Mtor"),
    ("CHEBI:16865", "GABA", "small_molecule", "gamma-aminobutyric acid"),
    ("CHEBI:29985", "glutamate", "small_molecule", "Glu"),
    ("HGNC:4235", "GFAP", "gene_or_protein", "Gfap"),
    ("FPLX:GRIN", "NMDA receptor", "family_or_complex", "NMDAR"),
    ("HGNC:4584", "GluN1", "gene_or_protein", "GRIN1|NMDAR1"),
    ("FPLX:PI3K", "PI3K", "family_or_complex", ""),
    ("HGNC:10436", "p70S6K", "gene_or_protein", "RPS6KB1|S6K1"),
    ("HGNC:6871", "ERK2", "gene_or_protein", "MAPK1|Mapk1"),
    ("HGNC:6877", "ERK1", "gene_or_protein", "MAPK3|Mapk3"),
    ("HGNC:391", "AKT1", "gene_or_protein", "Akt1"),
    ("CHEBI:29108", "Ca2+", "small_molecule", "calcium(2+)"),
    ("FPLX:CAMK2_complex", "CaMKII", "family_or_complex", "CAMK2"),
    ("HGNC:990", "Bcl-2", "gene_or_protein", "BCL2|Bcl2"),
    ("HGNC:959", "Bax", "gene_or_protein", "BAX"),
    ("HGNC:1504", "caspase-3", "gene_or_protein", "CASP3|Casp3"),
    ("HGNC:5992", "IL-1β", "gene_or_protein", "IL1B|Il1b"),
    ("HGNC:11892", "TNF-α", "gene_or_protein", "TNF|Tnf"),
    ("GO:0006915", "apoptosis", "biological_process", ""),
    ("GO:0048167", "synaptic plasticity", "biological_process", ""),
)
_CORE_LINKS: tuple[tuple[str, str, str, str], ...] = (
    ("HGNC:1033", "HGNC:8032", "activates", "review"),
    ("HGNC:8032", "FPLX:ERK", "activates", "review"),
    ("HGNC:8032", "FPLX:PI3K", "activates", "review"),
    ("FPLX:PI3K", "FPLX:AKT", "activates", "review"),
    ("FPLX:AKT", "HGNC:3942", "activates", "review"),
    ("HGNC:3942", "HGNC:10436", "activates", "review"),
    ("FPLX:ERK", "HGNC:2345", "activates", "review"),
    ("HGNC:2345", "HGNC:1033", "increases_expression", "review"),
    ("CHEBI:29985", "FPLX:GRIN", "activates", "review"),
    ("FPLX:GRIN", "CHEBI:29108", "activates", "review"),
    ("CHEBI:29108", "FPLX:CAMK2_complex", "activates", "review"),
    ("FPLX:CAMK2_complex", "HGNC:2345", "activates", "review"),
    ("HGNC:990", "HGNC:959", "inhibits", "review"),
    ("HGNC:959", "HGNC:1504", "activates", "review"),
    ("HGNC:1504", "GO:0006915", "activates", "review"),
    ("HGNC:5992", "HGNC:4235", "activates", "review"),
    ("FPLX:ERK", "HGNC:6871", "has_member", "famplex"),
    ("FPLX:ERK", "HGNC:6877", "has_member", "famplex"),
    ("FPLX:AKT", "HGNC:391", "has_member", "famplex"),
    ("HGNC:4584", "FPLX:GRIN", "part_of", "famplex"),
)

# technique → (weight, modality, direction bias: probabilities of increased / decreased / unchanged)
_TECHNIQUES: dict[str, tuple[float, str, tuple[float, float, float]]] = {
    "HF-rTMS": (25, "TMS", (0.6, 0.25, 0.15)),
    "LF-rTMS": (12, "TMS", (0.3, 0.55, 0.15)),
    "rTMS": (8, "TMS", (0.5, 0.35, 0.15)),
    "iTBS": (15, "TMS", (0.62, 0.23, 0.15)),
    "cTBS": (8, "TMS", (0.3, 0.55, 0.15)),
    "rMS": (5, "TMS", (0.55, 0.3, 0.15)),
    "PAS": (1, "TMS", (0.5, 0.3, 0.2)),
    "anodal tDCS": (12, "tES", (0.6, 0.25, 0.15)),
    "cathodal tDCS": (5, "tES", (0.3, 0.55, 0.15)),
    "tDCS": (3, "tES", (0.5, 0.35, 0.15)),
    "DCS": (3, "tES", (0.5, 0.3, 0.2)),
    "tACS": (3, "tES", (0.45, 0.35, 0.2)),
}
_TABLES = {"TMS": ("Table 2", "Table 3"), "tES": ("Table 4",)}

# (species, setting, model, strain) — the preparations of the review's tables
_MODELS: tuple[tuple[tuple[str, ...], tuple[str, ...], str, str], ...] = (
    (("rat",), ("in vivo",), "Sprague-Dawley rats", "Sprague-Dawley"),
    (("rat",), ("in vivo",), "Wistar rats", "Wistar"),
    (("mouse",), ("in vivo",), "C57BL/6 mice", "C57BL/6"),
    (("mouse",), ("in vivo",), "3xTg-AD mice", "3xTg-AD"),
    (("human",), ("human",), "healthy volunteers", ""),
    (("human",), ("in vitro",), "SH-SY5Y neuroblastoma cells", "SH-SY5Y"),
    (("mouse",), ("in vitro",), "N2a cells", "N2a"),
    (("rat",), ("ex vivo",), "hippocampal slices of Wistar rats", "Wistar"),
    (("rat", "human"), ("in vivo", "human"), "Sprague-Dawley rats and human lymphocytes", "Sprague-Dawley"),
)
_DISEASES = ("", "", "", "CUMS depression", "MCAO stroke", "OGD/R ischaemia-reperfusion", "6-OHDA Parkinson's")
_SURNAMES = [
    "baek",
    "wang",
    "kim",
    "li",
    "zhang",
    "liu",
    "chen",
    "yang",
    "huang",
    "zhao",
    "wu",
    "zhou",
    "xu",
    "sun",
    "ma",
    "zhu",
    "hu",
    "guo",
    "he",
    "lin",
    "luo",
    "gao",
    "ismail",
    "thomson",
    "stekic",
    "weiler",
    "ljubisavljevic",
    "battaglia",
    "muller",
    "rossi",
    "silva",
    "garcia",
    "smith",
    "novak",
]
_JOURNALS = ("Brain Stimul.", "Neurosci. Lett.", "Front. Neurol.", "J. Neurosci.", "Mol. Neurobiol.", "Cells")
_METHODS = ("Western blot", "qRT-PCR", "ELISA", "IHC", "IF", "ICC", "RNA-seq", "microarray", "microdialysis")
_MEASURES = (
    ("protein level", 30),
    ("phosphorylation", 15),
    ("mRNA expression", 20),
    ("expression", 12),
    ("activity", 5),
    ("concentration", 6),
    ("cell count", 4),
    ("density", 3),
    ("ratio", 2),
    ("pathway enrichment", 1),
    ("DNA methylation", 1),
    ("histone modification", 1),
)
_COMPARISONS = (
    ("stim_vs_sham", 60),
    ("stim_vs_model", 20),
    ("stim_vs_control", 10),
    ("model_vs_control", 5),
    ("between_protocols", 3),
    ("time_course", 2),
)
_REGIONS = (
    ("hippocampus", "UBERON:0002421"),
    ("prefrontal cortex", "UBERON:0000451"),
    ("primary motor cortex", "UBERON:0001384"),
    ("striatum", "UBERON:0002435"),
    ("CA1", ""),
    ("peri-infarct cortex", ""),
)
_TIME_POINTS = ("", "", "24 h after stimulation", "1 h after the last session", "2 weeks after the last session")
_RELATIONS = (
    ("activates", 50),
    ("inhibits", 20),
    ("increases_expression", 12),
    ("decreases_expression", 6),
    ("binds", 6),
    ("part_of", 6),
)


@dataclass(frozen=True)
class _Entity:
    id: str
    label: str
    type: str
    synonyms: str


def size_label(findings: int) -> str:
    """The name of a size (``1k``, ``10k``, ``100k``, ``1m``, else the number).

    >>> size_label(100_000), size_label(1234)
    ('100k', '1234')
    """
    for label, n in SIZES.items():
        if n == findings:
            return label
    return str(findings)


def _counts_for(findings: int) -> dict[str, int]:
    """How many entities, studies and links a base with ``findings`` findings gets."""
    entities = min(2_000 + findings // 50, 40_000)
    return {
        "entities": entities,
        "studies": max(4, findings // 25),
        "links": int(entities * 2.5),
    }


def _weighted(rng: random.Random, items: Sequence[tuple[Any, float]]) -> Any:
    return rng.choices([i for i, _ in items], weights=[w for _, w in items])[0]


def _entities(rng: random.Random, count: int) -> list[_Entity]:
    """The core entities followed by synthetic ones, most popular first."""
    out = [_Entity(*row) for row in _CORE_ENTITIES]
    synthetic: list[_Entity] = []
    for i in range(max(0, count - len(out))):
        kind = rng.random()
        if kind < 0.80:
            synthetic.append(_Entity(f"HGNC:{100000 + i}", f"SG{i:05d}", "gene_or_protein", f"SYNG{i}|Sg{i}a"))
        elif kind < 0.88:
            synthetic.append(_Entity(f"FPLX:SYNFAM{i}", f"SF{i:05d}", "family_or_complex", f"SYNF{i}"))
        elif kind < 0.94:
            synthetic.append(_Entity(f"CHEBI:{900000 + i}", f"SM{i:05d}", "small_molecule", ""))
        elif kind < 0.985:
            synthetic.append(_Entity(f"GO:{9900000 + i}", f"SP{i:05d}", "biological_process", ""))
        else:
            synthetic.append(_Entity(f"nibsent:SynPhenotype{i}", f"SX{i:05d}", "phenotype", ""))
    rng.shuffle(synthetic)  # popularity is unrelated to the identifier's number
    return out + synthetic


def _zipf_cumulative(n: int, exponent: float) -> list[float]:
    return list(itertools.accumulate(1.0 / (rank**exponent) for rank in range(1, n + 1)))


def _protocol_row(rng: random.Random, study_id: str, arm: int, technique: str, human: bool) -> list[str]:
    """One stimulation arm with the technique's usual parameters."""
    row = dict.fromkeys(_COLUMNS["protocols.csv"].split(","), "")
    row.update(protocol_id=f"{study_id}-a{arm}", study_id=study_id, technique=technique)
    row["source"] = f"Table {rng.choice((2, 3, 4))}, row {rng.randint(1, 12)}"
    unit_tms = "%RMT" if human else rng.choice(("%MSO", "%RMT"))
    if technique in {"iTBS", "cTBS"}:
        row.update(frequency_hz="50", burst_frequency_hz="5", intensity_unit=unit_tms)
        row["intensity"] = str(rng.choice((70, 80))) if unit_tms == "%RMT" else str(rng.choice((30, 35, 40)))
        row["pulses_per_session"] = rng.choice(("600", "600", "1200", "300"))
        row["pattern"] = "bursts of 3 pulses at 50 Hz repeated at 5 Hz" + (
            ", 2 s trains every 10 s" if technique == "iTBS" else ", continuous"
        )
        row["session_duration_min"] = "3.3" if technique == "iTBS" else "0.67"
    elif technique in {"HF-rTMS", "LF-rTMS", "rTMS", "rMS"}:
        frequency = {"HF-rTMS": (10, 20, 25), "LF-rTMS": (1, 0.5), "rTMS": (5,), "rMS": (1, 10, 20)}[technique]
        row["frequency_hz"] = f"{rng.choice(frequency):g}"
        low = rng.choice((80, 90, 100, 110)) if unit_tms == "%RMT" else rng.choice((20, 30, 40))
        row["intensity"] = str(low) if rng.random() < 0.8 else f"{low}-{low + 10}"
        row["intensity_unit"] = unit_tms
        row["pulses_per_session"] = str(rng.choice((600, 1000, 1200, 1800, 2000, 3000)))
        row["session_duration_min"] = str(rng.choice((10, 15, 20, 30)))
    elif technique == "PAS":
        row.update(frequency_hz="0.1", intensity=str(rng.choice((110, 120))), intensity_unit="%RMT")
        row["pattern"] = "90 pairs of median nerve stimulation and TMS at 25 ms"
    elif technique in {"anodal tDCS", "cathodal tDCS", "tDCS", "DCS"}:
        if technique != "tDCS":
            row["polarity"] = "anodal" if technique.startswith("anodal") else "cathodal"
        if human:
            row.update(intensity=rng.choice(("1", "1.5", "2")), intensity_unit="mA")
        else:
            row.update(intensity=rng.choice(("200", "250", "400")), intensity_unit="µA")
        row["session_duration_min"] = str(rng.choice((10, 15, 20, 30)))
    elif technique == "tACS":
        row.update(frequency_hz=rng.choice(("10", "40", "6")), intensity=rng.choice(("1", "2")), intensity_unit="mA")
        row["session_duration_min"] = "20"
    row["arm_label"] = f"{technique} {row['frequency_hz']} Hz".strip() if row["frequency_hz"] else technique
    sessions = rng.choice((1, 1, 5, 10, 14, 20, 28))
    row["sessions"] = str(sessions)
    if sessions > 1:
        row["session_spacing"] = rng.choice(("1/day", "1/day", "2/day", "5/week"))
        row["treatment_duration"] = f"{sessions} days" if sessions < 14 else f"{sessions // 7} weeks"
    row["site"] = rng.choice(("vertex", "left DLPFC", "M1", "bregma", "")) if technique not in {"rMS", "DCS"} else ""
    return list(row.values())


def generate(out_dir: Path | str, findings: int, *, seed: int = 0) -> dict[str, int]:
    """Write a synthetic evidence base with ``findings`` findings into ``out_dir``.

    Parameters
    ----------
    out_dir:
        The folder to write (created; existing files of the layout are replaced).
    findings:
        The number of rows of ``findings.csv``; studies, entities and links scale with it.
    seed:
        The random seed; the same seed and size give byte-identical files.

    Returns
    -------
    dict[str, int]
        The number of rows written per kind (``studies``, ``protocols``, ``findings``, ``entities``, ``links``).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> a, b = pathlib.Path(tempfile.mkdtemp()), pathlib.Path(tempfile.mkdtemp())
    >>> _ = generate(a, 300, seed=7); _ = generate(b, 300, seed=7)
    >>> (a / "findings.csv").read_bytes() == (b / "findings.csv").read_bytes()
    True
    """
    if findings < 1:
        raise ValueError("findings must be at least 1")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    plan = _counts_for(findings)
    entities = _entities(rng, plan["entities"])
    by_id = {e.id: e for e in entities}
    cumulative = _zipf_cumulative(len(entities), 1.05)
    written: dict[str, int] = {}

    def writer(name: str) -> tuple[Any, Any]:
        handle = (out / name).open("w", encoding="utf-8", newline="")
        w = csv.writer(handle, lineterminator="\n")
        w.writerow(_COLUMNS[name].split(","))
        return handle, w

    # entities
    handle, w = writer("entities.csv")
    for e in entities:
        synthetic = e.label[:2] in {"SG", "SF", "SM", "SP", "SX"} and e.label[2:].isdigit()
        w.writerow(
            [
                e.id,
                e.label,
                e.type,
                e.synonyms,
                "",
                "synthetic (benchmarks/generate.py)" if synthetic else "shared/reference/identifiers.tsv",
                "SYNTHETIC benchmark entity" if synthetic else "",
            ]
        )
    handle.close()
    written["entities"] = len(entities)

    # signalling links: the real core, FamPlex-style families, then popularity-weighted links
    handle, w = writer("pathways.csv")
    seen: set[tuple[str, str]] = set()
    n_links = 0

    def link(source: str, target: str, relation: str, layer: str) -> None:
        nonlocal n_links
        if source == target or (source, target) in seen:
            return
        seen.add((source, target))
        n_links += 1
        review = layer == "review"
        w.writerow(
            [
                f"L{n_links:06d}",
                source,
                target,
                relation,
                layer,
                f"Section 4, paragraph {rng.randint(1, 12)}" if review else "FamPlex 0.0.5 relations.csv",
                f"[{rng.randint(42, 71)}]" if review and rng.random() < 0.6 else "",
                "CC BY 4.0" if review else "CC0",
                "",
            ]
        )

    for source, target, relation, layer in _CORE_LINKS:
        link(source, target, relation, layer)
    genes = [e.id for e in entities if e.type == "gene_or_protein"]
    for family in (e for e in entities if e.id.startswith("FPLX:SYNFAM")):
        for member in rng.sample(genes, k=min(len(genes), rng.randint(2, 5))):
            link(family.id, member, "has_member", "famplex")
    ids = [e.id for e in entities]
    attempts = 0
    while n_links < plan["links"] and attempts < plan["links"] * 4:
        attempts += 1
        source = rng.choices(ids, cum_weights=cumulative)[0]
        target = rng.choices(ids, cum_weights=cumulative)[0] if rng.random() < 0.5 else rng.choice(ids)
        relation = _weighted(rng, _RELATIONS)
        if relation == "part_of" and by_id[target].type != "family_or_complex":
            relation = "activates"
        link(source, target, relation, "review")
    handle.close()
    written["links"] = n_links

    # studies, their arms, their findings
    n_studies = plan["studies"]
    weights = [rng.lognormvariate(0, 0.6) for _ in range(n_studies)]
    total = sum(weights)
    per_study = [max(1, int(findings * wt / total)) for wt in weights]
    excess = sum(per_study) - findings
    index = 0
    while excess != 0:  # make the total exact
        i = index % n_studies
        if excess > 0 and per_study[i] > 1:
            per_study[i] -= 1
            excess -= 1
        elif excess < 0:
            per_study[i] += 1
            excess += 1
        index += 1
    technique_items = [(t, spec[0]) for t, spec in _TECHNIQUES.items()]
    measures = [m for m, _ in _MEASURES]
    measure_weights = [wt for _, wt in _MEASURES]
    comparisons = [c for c, _ in _COMPARISONS]
    comparison_weights = [wt for _, wt in _COMPARISONS]

    studies_handle, studies_w = writer("studies.csv")
    protocols_handle, protocols_w = writer("protocols.csv")
    findings_handle, findings_w = writer("findings.csv")
    n_protocols = 0
    n_findings = 0
    for s in range(n_studies):
        year = rng.randint(2003, 2025)
        surname = rng.choice(_SURNAMES)
        study_id = f"{surname}{year}s{s}"
        species, settings, model, strain = rng.choice(_MODELS)
        human = species == ("human",)
        modality = "TMS" if rng.random() < 0.7 else "tES"
        pool = [(t, wt) for t, wt in technique_items if _TECHNIQUES[t][1] == modality]
        n_arms = _weighted(rng, ((1, 20), (2, 40), (3, 25), (4, 15)))
        arms = [_weighted(rng, pool) for _ in range(n_arms)]
        techniques = list(dict.fromkeys(arms))
        for a, technique in enumerate(arms, start=1):
            protocols_w.writerow(_protocol_row(rng, study_id, a, technique, human))
        n_protocols += n_arms
        doi_roll = rng.random()
        table = rng.choice(_TABLES[modality])
        studies_w.writerow(
            [
                study_id,
                str(1000 + s),
                f"{surname.capitalize()}, {chr(65 + rng.randint(0, 25))}.",
                str(year),
                f"Synthetic study {s} of {' and '.join(techniques)} in {model}",
                rng.choice(_JOURNALS),
                str(rng.randint(1, 40)),
                f"{rng.randint(1, 900)}-{rng.randint(901, 999)}",
                f"10.9999/synth.{year}.{s}" if doi_roll < 0.8 else "",
                "verified" if doi_roll < 0.6 else "unverified" if doi_roll < 0.8 else "unknown",
                str(90_000_000 + s) if rng.random() < 0.5 else "",
                "",
                table,
                "|".join(techniques),
                model,
                rng.choice(_DISEASES) if not human else "",
                "|".join(species),
                strain,
                "|".join(settings),
                str(rng.randint(8, 60)),
                "sham|" + "|".join(arms),
                "|".join(rng.sample(_METHODS, k=rng.randint(1, 3))),
                "yes" if human or rng.random() < 0.3 else "no",
                f"{table}, row {rng.randint(1, 12)}",
            ]
        )
        first_of_study = n_findings
        for k in range(1, per_study[s] + 1):
            arm = rng.randrange(n_arms)
            technique = arms[arm]
            target = entities[rng.choices(range(len(entities)), cum_weights=cumulative)[0]]
            measure = rng.choices(measures, weights=measure_weights)[0]
            up, down, _same = _TECHNIQUES[technique][2]
            roll = rng.random()
            direction = "increased" if roll < up else "decreased" if roll < up + down else "unchanged"
            region, region_id = rng.choice(_REGIONS) if rng.random() < 0.6 and not human else ("", "")
            several = len(species) > 1
            pick = rng.randrange(len(species)) if several else 0
            conflict = ""
            if k > 1 and rng.random() < 0.005:
                conflict = f"{study_id}-f{rng.randint(1, k - 1):02d}"
            findings_w.writerow(
                [
                    f"{study_id}-f{k:02d}",
                    study_id,
                    f"{study_id}-a{arm + 1}",
                    technique,
                    target.id,
                    ("p-" + target.label) if measure == "phosphorylation" else target.label,
                    direction,
                    measure,
                    rng.choices(comparisons, weights=comparison_weights)[0],
                    rng.choice(_TIME_POINTS),
                    region,
                    region_id,
                    species[pick] if several else "",
                    settings[pick] if several else "",
                    "",
                    f"{table}, row {rng.randint(1, 12)}",
                    conflict,
                    "",
                ]
            )
            n_findings += 1
        assert n_findings - first_of_study == per_study[s]
    for h in (studies_handle, protocols_handle, findings_handle):
        h.close()
    written.update(studies=n_studies, protocols=n_protocols, findings=n_findings)
    return {k: written[k] for k in ("studies", "protocols", "findings", "entities", "links")}


def default_bench_dir() -> Path:
    """Where generated bases are kept: ``$NIBS_GRAPH_BENCH_DIR`` or a folder in the system's temp folder."""
    override = os.environ.get("NIBS_GRAPH_BENCH_DIR")
    return Path(override) if override else Path(tempfile.gettempdir()) / "nibs-graph-bench"


def ensure_base(findings: int, *, seed: int = 0, root: Path | None = None) -> Path:
    """A generated base of ``findings`` findings, generated once and reused while its manifest matches.

    >>> ensure_base(1000).name
    'findings-1k-seed0'
    """
    folder = (root or default_bench_dir()) / f"findings-{size_label(findings)}-seed{seed}"
    manifest = folder / "MANIFEST.json"
    wanted = {"generator_version": GENERATOR_VERSION, "findings": findings, "seed": seed}
    try:
        if json.loads(manifest.read_text())["params"] == wanted:
            return folder
    except (OSError, ValueError, KeyError):
        pass
    counts = generate(folder, findings, seed=seed)
    manifest.write_text(json.dumps({"params": wanted, "counts": counts, "synthetic": True}, indent=2))
    return folder


def main(argv: Sequence[str] | None = None) -> None:
    """Command line: ``python benchmarks/generate.py OUT_DIR --findings N [--seed S]``."""
    parser = argparse.ArgumentParser(description="Write a SYNTHETIC evidence base (benchmarks only).")
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--findings", type=int, default=1000, help="rows of findings.csv (default 1000)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    counts = generate(args.out_dir, args.findings, seed=args.seed)
    print(json.dumps(counts))


if __name__ == "__main__":
    main()
