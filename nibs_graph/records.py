"""Validated records of the evidence base: one frozen dataclass per CSV row.

Records are what :func:`nibs_graph.validate.read_evidence_base` returns; the streaming validator
(:func:`nibs_graph.validate.stream_rows`) hands the small files to its consumers as an :class:`EvidenceBase` without
findings. Field names are the CSV column names.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from . import vocab

__all__ = ["Entity", "EvidenceBase", "Finding", "Link", "Protocol", "Source", "Study", "Term"]


@dataclass(frozen=True)
class Term:
    """A term an evidence base adds to a controlled list (a row of ``vocabulary.csv``)."""

    list: str
    term: str
    parent: str | None
    name: str | None
    definition: str
    synonyms: tuple[str, ...]
    source: str
    notes: str | None


@dataclass(frozen=True)
class Source:
    """Where studies come from: a review (DOI, licence) or a batch of direct curation (curator, date)."""

    source_id: str
    kind: str
    citation: str
    doi: str | None
    licence: str | None
    tables: tuple[str, ...]
    refs: tuple[int, int] | None
    curator: str | None
    date: str | None
    notes: str | None


@dataclass(frozen=True)
class Study:
    """An included study, from the source ``source_id`` (a review, or direct curation)."""

    study_id: str
    source_id: str
    review_ref: int | None
    first_author: str
    year: int
    title: str
    journal: str
    volume: str | None
    pages: str | None
    doi: str | None
    doi_status: str
    pmid: int | None
    pmcid: str | None
    review_table: str | None
    techniques: tuple[str, ...]
    model: str
    disease_model: str | None
    species: tuple[str, ...]
    strain: tuple[str, ...]
    setting: tuple[str, ...]
    n_total: int | None
    groups: tuple[str, ...]
    methods: tuple[str, ...]
    human_translation: str
    source: str

    @property
    def citation(self) -> str:
        """A short citation, e.g. ``Baek et al., 2018``."""
        surname = self.first_author.split(",")[0].strip()
        return f"{surname} et al., {self.year}"


@dataclass(frozen=True)
class Protocol:
    """One stimulation arm: a technique with one parameter set."""

    protocol_id: str
    study_id: str
    technique: str
    arm_label: str | None
    polarity: str | None
    frequency_hz: float | None
    burst_frequency_hz: float | None
    pattern: str | None
    intensity: tuple[float, float] | None
    intensity_unit: str | None
    pulses_per_session: int | None
    session_duration_min: float | None
    sessions: int | None
    session_spacing: str | None
    treatment_duration: str | None
    site: str | None
    notes: str | None
    source: str


@dataclass(frozen=True)
class Finding:
    """One observed effect of one arm on one target."""

    finding_id: str
    study_id: str
    protocol_id: str
    technique: str
    target_id: str
    target_label: str
    direction: str
    measure: str
    comparison: str
    time_point: str | None
    region: str | None
    region_id: str | None
    species: str | None
    setting: str | None
    context: str | None
    source: str
    conflict: tuple[str, ...]
    flags: tuple[str, ...]
    notes: str | None


@dataclass(frozen=True)
class Entity:
    """A molecular target, process or measure."""

    id: str
    label: str
    type: str
    synonyms: tuple[str, ...]
    xrefs: tuple[str, ...]
    id_source: str
    notes: str | None


@dataclass(frozen=True)
class Link:
    """A signed link between two entities (the signalling layer)."""

    link_id: str
    source_id: str
    target_id: str
    relation: str
    layer: str
    basis: str | None
    source: str
    reference: str | None
    licence: str
    flags: tuple[str, ...]
    notes: str | None

    def __post_init__(self) -> None:
        if self.basis is None:  # an evidence base without a basis column: the layer's usual basis
            object.__setattr__(self, "basis", vocab.LAYER_BASIS.get(self.layer, "stated"))

    @property
    def reference_numbers(self) -> tuple[int, ...]:
        """The review reference numbers cited (``[97-99]`` gives 97, 98, 99)."""
        from .schema import reference_numbers

        return reference_numbers(self.reference)

    def cited(self, review_refs: dict[int, str]) -> tuple[str, ...]:
        """The ids of the studies among ``review_refs`` (number → study id) that the link cites, in citing order."""
        return tuple(dict.fromkeys(review_refs[n] for n in self.reference_numbers if n in review_refs))


@dataclass
class EvidenceBase:
    """The whole validated evidence base, keyed by id."""

    sources: dict[str, Source] = field(default_factory=dict)
    studies: dict[str, Study] = field(default_factory=dict)
    protocols: dict[str, Protocol] = field(default_factory=dict)
    findings: dict[str, Finding] = field(default_factory=dict)
    entities: dict[str, Entity] = field(default_factory=dict)
    links: dict[str, Link] = field(default_factory=dict)
    version: str = ""
    release: str | None = None
    #: The controlled lists the base uses (:class:`nibs_graph.extensions.Vocabulary`); None: the built-in ones.
    vocabulary: Any = None

    def counts(self) -> dict[str, int]:
        """Number of records of each kind."""
        return {
            "studies": len(self.studies),
            "protocols": len(self.protocols),
            "findings": len(self.findings),
            "entities": len(self.entities),
            "links": len(self.links),
        }

    def cited_studies(self, link: Link) -> tuple[str, ...]:
        """The ids of the studies a link cites (its review reference numbers matched to ``review_ref``).

        >>> from nibs_graph.validate import read_evidence_base
        >>> from nibs_graph.paths import default_data_dir
        >>> base = read_evidence_base(default_data_dir())
        >>> base.cited_studies(base.links["L003"])
        ('wang2011', 'stekic2022')
        """
        return link.cited(self.review_refs())

    def review_refs(self) -> dict[int, str]:
        """Review reference number → study id."""
        return {s.review_ref: s.study_id for s in self.studies.values() if s.review_ref is not None}
