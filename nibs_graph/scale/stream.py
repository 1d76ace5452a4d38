"""The one writer of the RDF graph: N-Triples, streamed while :func:`nibs_graph.validate.stream_rows` validates.

:class:`NTriplesWriter` is a :class:`~nibs_graph.validate.RowConsumer`: it writes the small files' triples once
they are valid and each finding's triples as its row is read, so that no record per finding and no rdflib graph is
ever held. :func:`stream_ntriples` runs it (with another consumer, such as the projection builder, in the same
pass). Everything that needs the RDF graph starts here: ``export nt`` sorts these lines
(:func:`sorted_ntriples`), the stores bulk-load them, and :func:`nibs_graph.api.load_rdf` parses them into rdflib.

The ``technique → entity`` and ``protocol → entity`` effect triples are written once each, as in a graph; no other
triple repeats either (the ontology's triples come from ``ontology/nibs.ttl`` through Oxigraph's parser).

The output is only meaningful when no :class:`~nibs_graph.errors.DataValidationError` is raised: callers write to
a temporary file and keep it only on success (see :func:`nibs_graph.scale.oxigraph.build_store`).

>>> import io
>>> from nibs_graph.paths import default_data_dir
>>> from pathlib import Path
>>> tiny = Path(default_data_dir()).parent / "tests" / "data" / "tiny"
>>> out = io.BytesIO()
>>> result = stream_ntriples(tiny, out, include_ontology=False)
>>> result.counts["findings"], result.triples == out.getvalue().count(b"\\n")
(7, True)
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any, BinaryIO
from typing import Protocol as _Protocol

from .. import vocab
from ..namespaces import DATA, NIBS, RDF_PREFIXES, expand
from ..paths import ontology_dir
from ..rdf import (
    DIRECTION_PROPERTIES,
    ENTITY_CLASSES,
    RELATION_PROPERTIES,
    SETTING_TERMS,
    SOURCE_CLASSES,
    _decimal,
    source_iri,
    study_iri,
)
from ..records import Entity, EvidenceBase, Link, Protocol, Source, Study
from ..regions import ground
from ..validate import RowConsumer, StreamResult, stream_rows
from ..vocab import Technique
from .bytesort import SORT_CHUNK_BYTES, byte_sorter

__all__ = [
    "NTriplesWriter",
    "Output",
    "RowConsumer",
    "StreamResult",
    "ontology_ntriples",
    "sorted_ntriples",
    "stream_ntriples",
    "validate_stream",
]

_RDF = RDF_PREFIXES["rdf"]
_RDFS = RDF_PREFIXES["rdfs"]
_XSD = RDF_PREFIXES["xsd"]
_SKOS = RDF_PREFIXES["skos"]
_PROV = RDF_PREFIXES["prov"]
_OWL = RDF_PREFIXES["owl"]
_DCT = RDF_PREFIXES["dcterms"]

_TYPE = f"<{_RDF}type>"
_LABEL = f"<{_RDFS}label>"
_COMMENT = f"<{_RDFS}comment>"
_DERIVED = f"<{_PROV}wasDerivedFrom>"
_PRIMARY_SOURCE = f"<{_PROV}hadPrimarySource>"
_INTEGER = f"^^<{_XSD}integer>"
_DECIMAL = f"^^<{_XSD}decimal>"
_TRUE = f'"true"^^<{_XSD}boolean>'
_FALSE = f'"false"^^<{_XSD}boolean>'
_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r"})
_FLUSH_EVERY = 20_000  # lines buffered before a write


def _n(local: str) -> str:
    return f"<{NIBS}{local}>"


def _lit(value: object) -> str:
    """An N-Triples plain literal (RDF 1.1: ``xsd:string``).

    >>> print(_lit('say "hi"'))
    "say \\"hi\\""
    """
    text = str(value)
    if "\\" in text or '"' in text or "\n" in text or "\r" in text:
        text = text.translate(_ESCAPES)
    return '"' + text + '"'


@lru_cache(maxsize=1 << 16)
def _iri(curie: str) -> str:
    return "<" + expand(curie) + ">"


@lru_cache(maxsize=1)
def ontology_ntriples() -> bytes:
    """The triples of ``ontology/nibs.ttl`` as N-Triples (parsed by Oxigraph).

    >>> ontology_ntriples().count(b"\\n") > 300
    True
    """
    import pyoxigraph as ox

    path = ontology_dir() / "nibs.ttl"
    quads = ox.parse(path=str(path), format=ox.RdfFormat.TURTLE)
    data = ox.serialize(quads, format=ox.RdfFormat.N_TRIPLES)
    assert isinstance(data, bytes)
    return data


class Output(_Protocol):
    """Where N-Triples are written: a binary file, or anything with its ``write``."""

    def write(self, data: bytes, /) -> int:
        """Write ``data``; return the number of bytes written."""


def _once(lines: list[str]) -> list[str]:
    """The lines without repeats, in order (a list cell may name a value twice: ``sham|sham``)."""
    return list(dict.fromkeys(lines))


class _Sink:
    """Buffered N-Triples output that counts its lines (a ``None`` target only counts)."""

    def __init__(self, out: Output | None) -> None:
        self.out = out
        self.buffer: list[str] = []
        self.lines = 0

    def extend(self, lines: list[str]) -> None:
        self.buffer.extend(lines)
        if len(self.buffer) >= _FLUSH_EVERY:
            self.flush()

    def raw(self, data: bytes) -> None:
        self.flush()
        self.lines += data.count(b"\n")
        if self.out is not None:
            self.out.write(data)

    def flush(self) -> None:
        if not self.buffer:
            return
        self.lines += len(self.buffer)
        if self.out is not None:
            self.out.write("".join(self.buffer).encode("utf-8"))
        self.buffer.clear()


def _source_lines(source: Source) -> list[str]:
    """The triples of :func:`nibs_graph.rdf.source_triples`."""
    node = "<" + source_iri(source.source_id) + ">"
    out = [
        f"{node} {_TYPE} {_n(SOURCE_CLASSES[source.kind])} .\n",
        f"{node} {_TYPE} <{_PROV}Entity> .\n",
        f"{node} {_n('sourceId')} {_lit(source.source_id)} .\n",
        f"{node} {_n('sourceKind')} {_lit(source.kind)} .\n",
        f"{node} {_LABEL} {_lit(source.citation)} .\n",
        f"{node} <{_DCT}bibliographicCitation> {_lit(source.citation)} .\n",
    ]
    if source.doi:
        out.append(f"{node} {_n('doi')} {_lit(source.doi)} .\n")
        out.append(f"{node} <{_RDFS}seeAlso> <https://doi.org/{source.doi}> .\n")
    if source.licence:
        out.append(f"{node} <{_DCT}license> {_lit(source.licence)} .\n")
    if source.curator:
        out.append(f"{node} <{_DCT}creator> {_lit(source.curator)} .\n")
    if source.date:
        out.append(f'{node} <{_DCT}date> "{source.date}"^^<{_XSD}date> .\n')
    if source.notes:
        out.append(f"{node} {_COMMENT} {_lit(source.notes)} .\n")
    return out


def _dataset_lines(sources: dict[str, Source], version: str, release: str | None) -> list[str]:
    """The triples of :func:`nibs_graph.rdf.dataset_triples`."""
    node = f"<{DATA}dataset>"
    out = [f"{node} {_TYPE} <{_PROV}Collection> .\n", f"{node} <{_OWL}versionInfo> {_lit(version)} .\n"]
    if release:
        out.append(f"{node} {_n('release')} {_lit(release)} .\n")
    out.extend(
        f"{node} <{_DCT}source> <https://doi.org/{s.doi}> .\n" for s in sources.values() if s.kind == "review" and s.doi
    )
    return out


def _technique_lines(t: Technique, techniques: Mapping[str, Technique]) -> list[str]:
    """The triples of :func:`nibs_graph.rdf.technique_triples`."""
    node = _iri(t.curie)
    out = [
        f"{node} {_TYPE} <{_OWL}Class> .\n",
        f"{node} <{_RDFS}subClassOf> {_iri(techniques[t.parent or 'NIBS'].curie)} .\n",
        f"{node} {_LABEL} {_lit(t.label)} .\n",
        f"{node} <{_SKOS}prefLabel> {_lit(t.name)} .\n",
        f"{node} <{_SKOS}definition> {_lit(t.definition)} .\n",
    ]
    out.extend(f"{node} <{_SKOS}altLabel> {_lit(s)} .\n" for s in t.synonyms)
    return out


def _study_lines(s: Study, techniques: Mapping[str, Technique] = vocab.TECHNIQUES) -> list[str]:
    node = "<" + study_iri(s) + ">"
    out = [
        f"{node} {_TYPE} {_n('Study')} .\n",
        f"{node} {_n('studyId')} {_lit(s.study_id)} .\n",
        f"{node} {_LABEL} {_lit(s.citation)} .\n",
        f"{node} {_n('citation')} {_lit(s.citation)} .\n",
        f"{node} <{_DCT}title> {_lit(s.title)} .\n",
        f"{node} {_n('firstAuthor')} {_lit(s.first_author)} .\n",
        f'{node} {_n("year")} "{s.year}"{_INTEGER} .\n',
        f"{node} {_n('journal')} {_lit(s.journal)} .\n",
        f"{node} <{_DCT}source> <{source_iri(s.source_id)}> .\n",
        f"{node} {_n('doiStatus')} {_lit(s.doi_status)} .\n",
        f"{node} {_n('model')} {_lit(s.model)} .\n",
        f"{node} {_n('humanTranslation')} {_TRUE if s.human_translation == 'yes' else _FALSE} .\n",
        f"{node} {_n('sourceLocation')} {_lit(s.source)} .\n",
    ]
    if s.review_ref is not None:
        out.append(f'{node} {_n("reviewRef")} "{s.review_ref}"{_INTEGER} .\n')
    if s.review_table is not None:
        out.append(f"{node} {_n('reviewTable')} {_lit(s.review_table)} .\n")
    for key, value in (("doi", s.doi), ("pmcid", s.pmcid), ("diseaseModel", s.disease_model)):
        if value:
            out.append(f"{node} {_n(key)} {_lit(value)} .\n")
    if s.pmid is not None:
        out.append(f"{node} {_n('pmid')} {_lit(s.pmid)} .\n")
    if s.n_total is not None:
        out.append(f'{node} {_n("nTotal")} "{s.n_total}"{_INTEGER} .\n')
    out.extend(f"{node} {_n('technique')} {_iri(techniques[t].curie)} .\n" for t in s.techniques)
    out.extend(f"{node} {_n('species')} {_iri(vocab.species_curie(sp))} .\n" for sp in s.species)
    out.extend(f"{node} {_n('setting')} {_n(SETTING_TERMS[st])} .\n" for st in s.setting)
    out.extend(f"{node} {_n('strain')} {_lit(v)} .\n" for v in s.strain)
    out.extend(f"{node} {_n('group')} {_lit(v)} .\n" for v in s.groups)
    out.extend(f"{node} {_n('method')} {_lit(v)} .\n" for v in s.methods)
    return out


def _protocol_lines(p: Protocol, study_node: str, techniques: Mapping[str, Technique] = vocab.TECHNIQUES) -> list[str]:
    node = f"<{DATA}protocol/{p.protocol_id}>"
    technique = _iri(techniques[p.technique].curie)
    label = f"{p.technique} ({p.arm_label})" if p.arm_label else f"{p.technique} ({p.protocol_id})"
    out = [
        f"{node} {_TYPE} {_n('Protocol')} .\n",
        f"{node} {_TYPE} {technique} .\n",
        f"{node} {_n('technique')} {technique} .\n",
        f"{node} {_PRIMARY_SOURCE} {study_node} .\n",
        f"{node} {_LABEL} {_lit(label)} .\n",
        f"{node} {_n('sourceLocation')} {_lit(p.source)} .\n",
    ]
    texts = {
        "armLabel": p.arm_label,
        "polarity": p.polarity,
        "pattern": p.pattern,
        "intensityUnit": p.intensity_unit,
        "sessionSpacing": p.session_spacing,
        "treatmentDuration": p.treatment_duration,
        "site": p.site,
    }
    out.extend(f"{node} {_n(k)} {_lit(v)} .\n" for k, v in texts.items() if v)
    decimals = {
        "frequencyHz": p.frequency_hz,
        "burstFrequencyHz": p.burst_frequency_hz,
        "sessionDurationMin": p.session_duration_min,
    }
    if p.intensity is not None:
        decimals["intensityMin"], decimals["intensityMax"] = p.intensity
    out.extend(f'{node} {_n(k)} "{_decimal(v)}"{_DECIMAL} .\n' for k, v in decimals.items() if v is not None)
    for key, count in (("pulsesPerSession", p.pulses_per_session), ("sessions", p.sessions)):
        if count is not None:
            out.append(f'{node} {_n(key)} "{count}"{_INTEGER} .\n')
    if p.notes:
        out.append(f"{node} {_COMMENT} {_lit(p.notes)} .\n")
    return out


def _entity_lines(e: Entity) -> list[str]:
    node = _iri(e.id)
    out = [
        f"{node} {_TYPE} {_n(ENTITY_CLASSES[e.type])} .\n",
        f"{node} {_LABEL} {_lit(e.label)} .\n",
        f"{node} {_n('entityType')} {_lit(e.type)} .\n",
        f"{node} {_n('idSource')} {_lit(e.id_source)} .\n",
    ]
    out.extend(f"{node} <{_SKOS}altLabel> {_lit(s)} .\n" for s in e.synonyms)
    out.extend(f"{node} <{_SKOS}exactMatch> {_iri(x)} .\n" for x in e.xrefs)
    if e.notes:
        out.append(f"{node} {_COMMENT} {_lit(e.notes)} .\n")
    return out


def _link_lines(link: Link, cited: Iterable[str] = ()) -> list[str]:
    """The triples of a signalling link; ``cited`` are the nodes of the studies it cites."""
    node = f"<{DATA}link/{link.link_id}>"
    prop = _n(RELATION_PROPERTIES[link.relation])
    source, target = _iri(link.source_id), _iri(link.target_id)
    out = [
        f"{source} {prop} {target} .\n",
        f"{node} {_TYPE} {_n('SignallingLink')} .\n",
        f"{node} {_n('linkSource')} {source} .\n",
        f"{node} {_n('linkTarget')} {target} .\n",
        f"{node} {_n('relation')} {prop} .\n",
        f"{node} {_n('layer')} {_lit(link.layer)} .\n",
        f"{node} {_n('basis')} {_n(str(link.basis))} .\n",
        f"{node} {_n('sourceLocation')} {_lit(link.source)} .\n",
        f"{node} <{_DCT}license> {_lit(link.licence)} .\n",
    ]
    if link.reference:
        out.append(f"{node} {_n('reference')} {_lit(link.reference)} .\n")
    out.extend(f"{node} {_DERIVED} {study} .\n" for study in cited)
    out.extend(f"{node} {_n('flag')} {_n(flag)} .\n" for flag in link.flags)
    if link.notes:
        out.append(f"{node} {_COMMENT} {_lit(link.notes)} .\n")
    return out


class _SpeciesIris(dict[str, str]):
    """Species value → IRI in angle brackets, filled on first use (any NCBITaxon CURIE may appear)."""

    def __missing__(self, key: str) -> str:
        value = self[key] = _iri(vocab.species_curie(key))
        return value


class _FindingWriter:
    """Turns one parsed ``findings.csv`` row into the triples of ``nibs_graph.rdf._add_finding``."""

    def __init__(
        self,
        studies: dict[str, Study],
        study_nodes: dict[str, str],
        techniques: Mapping[str, Technique] = vocab.TECHNIQUES,
    ) -> None:
        self.study_nodes = study_nodes
        # per study: the species and setting objects a finding inherits when it states neither
        self.species = {sid: _once([_iri(vocab.species_curie(sp)) for sp in s.species]) for sid, s in studies.items()}
        self.settings = {sid: _once([_n(SETTING_TERMS[st]) for st in s.setting]) for sid, s in studies.items()}
        self.techniques = {t: _iri(t_.curie) for t, t_ in techniques.items()}
        self.species_iri = _SpeciesIris()
        self.setting_iri = {st: _n(local) for st, local in SETTING_TERMS.items()}
        self.directions = {d: _n(d) for d in vocab.DIRECTIONS}
        self.effect_props = {d: _n(p) for d, p in DIRECTION_PROPERTIES.items()}
        self.comparisons = {c: _n(c) for c in vocab.COMPARISONS}
        self.effects: set[tuple[str, str, str]] = set()  # (subject, property, object) effect triples written
        p = {
            k: _n(k)
            for k in (
                "protocol",
                "technique",
                "target",
                "targetLabel",
                "direction",
                "measure",
                "comparison",
                "isStimulationEffect",
                "sourceLocation",
                "species",
                "setting",
                "timePoint",
                "region",
                "context",
                "regionEntity",
                "conflictsWith",
                "flag",
            )
        }
        self.p = p
        self.finding_type = f" {_TYPE} {_n('Finding')} .\n"

    def lines(self, f: dict[str, Any]) -> list[str]:
        p = self.p
        fid = f["finding_id"]
        node = f"<{DATA}finding/{fid}>"
        protocol = f"<{DATA}protocol/{f['protocol_id']}>"
        target = _iri(f["target_id"])
        technique = self.techniques[f["technique"]]
        direction = f["direction"]
        effect = f["comparison"] in vocab.STIMULATION_COMPARISONS
        label = _lit(f"{f['technique']} {direction} {f['target_label']} ({fid})")
        out = [
            node + self.finding_type,
            f"{node} {_LABEL} {label} .\n",
            f"{node} {_DERIVED} {self.study_nodes[f['study_id']]} .\n",
            f"{node} {p['protocol']} {protocol} .\n",
            f"{node} {p['technique']} {technique} .\n",
            f"{node} {p['target']} {target} .\n",
            f"{node} {p['targetLabel']} {_lit(f['target_label'])} .\n",
            f"{node} {p['direction']} {self.directions[direction]} .\n",
            f"{node} {p['measure']} {_lit(f['measure'])} .\n",
            f"{node} {p['comparison']} {self.comparisons[f['comparison']]} .\n",
            f"{node} {p['isStimulationEffect']} {_TRUE if effect else _FALSE} .\n",
            f"{node} {p['sourceLocation']} {_lit(f['source'])} .\n",
        ]
        species = [self.species_iri[f["species"]]] if f["species"] else self.species[f["study_id"]]
        out.extend(f"{node} {p['species']} {o} .\n" for o in species)
        settings = [self.setting_iri[f["setting"]]] if f["setting"] else self.settings[f["study_id"]]
        out.extend(f"{node} {p['setting']} {o} .\n" for o in settings)
        for key, column in (("timePoint", "time_point"), ("region", "region"), ("context", "context")):
            if f[column]:
                out.append(f"{node} {p[key]} {_lit(f[column])} .\n")
        region = f["region_id"] or ground(f["region"])
        if region:
            out.append(f"{node} {p['regionEntity']} {_iri(region)} .\n")
        if f["notes"]:
            out.append(f"{node} {_COMMENT} {_lit(f['notes'])} .\n")
        out.extend(f"{node} {p['conflictsWith']} <{DATA}finding/{other}> .\n" for other in dict.fromkeys(f["conflict"]))
        out.extend(f"{node} {p['flag']} {_n(flag)} .\n" for flag in dict.fromkeys(f["flags"]))
        if effect:
            prop = self.effect_props[direction]
            for subject in (protocol, technique):
                triple = (subject, prop, target)
                if triple not in self.effects:
                    self.effects.add(triple)
                    out.append(f"{subject} {prop} {target} .\n")
        return out


class NTriplesWriter:
    """Writes the RDF graph of the rows it receives as N-Triples (a :class:`~nibs_graph.validate.RowConsumer`).

    ``out``: a binary file (``None`` only counts the lines). ``include_ontology``: also write the triples of
    ``ontology/nibs.ttl`` (the technique hierarchy, labels, definitions). :attr:`lines` is the number written.
    """

    def __init__(self, out: Output | None, *, include_ontology: bool = True) -> None:
        self._sink = _Sink(out)
        self._include_ontology = include_ontology
        self._sources: dict[str, Source] = {}
        self._writer: _FindingWriter | None = None

    @property
    def lines(self) -> int:
        """The number of N-Triples lines written so far."""
        return self._sink.lines

    def begin(self, base: EvidenceBase) -> None:
        """Write the ontology (if asked) and the triples of the small files."""
        sink = self._sink
        vocabulary = base.vocabulary
        techniques = vocabulary.techniques
        if self._include_ontology:
            sink.raw(ontology_ntriples())
        for declared in vocabulary.extension_techniques():
            sink.extend(_once(_technique_lines(declared, techniques)))
        self._sources = base.sources
        for source in base.sources.values():
            sink.extend(_once(_source_lines(source)))
        study_nodes = {sid: "<" + study_iri(s) + ">" for sid, s in base.studies.items()}
        for s in base.studies.values():
            sink.extend(_once(_study_lines(s, techniques)))
        for p in base.protocols.values():
            sink.extend(_once(_protocol_lines(p, study_nodes[p.study_id], techniques)))
        for e in base.entities.values():
            sink.extend(_once(_entity_lines(e)))
        refs = base.review_refs()
        for link in base.links.values():
            sink.extend(_once(_link_lines(link, (study_nodes[sid] for sid in link.cited(refs)))))
        self._writer = _FindingWriter(base.studies, study_nodes, techniques)

    def finding(self, row: dict[str, Any]) -> None:
        """Write one finding's triples (and its effect triples, the first time they occur)."""
        assert self._writer is not None
        self._sink.extend(self._writer.lines(row))

    def finish(self, version: str, release: str | None = None) -> None:
        """Write the dataset node and flush."""
        self._sink.extend(_dataset_lines(self._sources, version, release))
        self._sink.flush()


def stream_ntriples(
    data_dir: Path | str,
    out: Output | None,
    *,
    layers: Iterable[str] = (),
    include_ontology: bool = True,
    consumer: RowConsumer | None = None,
) -> StreamResult:
    """Validate an evidence base row by row and write its RDF graph to ``out`` as N-Triples.

    Parameters
    ----------
    data_dir:
        An evidence base folder (see ``data/README.md``).
    out:
        A binary file to write UTF-8 N-Triples to, or ``None`` to validate only.
    layers:
        Optional signalling layers (``"signor"``), as for :func:`nibs_graph.validate.read_evidence_base`.
    include_ontology:
        Also write the triples of ``ontology/nibs.ttl``.
    consumer:
        Also hand the valid rows to this object (see :class:`~nibs_graph.validate.RowConsumer`), e.g. a
        :class:`~nibs_graph.scale.project.ProjectionBuilder`, in the same pass.

    Returns
    -------
    StreamResult
        Row counts per kind, the data version (:func:`nibs_graph.validate.data_version`) and the number of
        N-Triples lines written (no triple is written twice).

    Raises
    ------
    DataValidationError
        With every problem of the files. What was written to ``out`` by then is incomplete and must be discarded.

    Examples
    --------
    >>> from nibs_graph.paths import default_data_dir
    >>> tiny = default_data_dir().parent / "tests" / "data" / "tiny"
    >>> stream_ntriples(tiny, None).counts
    {'studies': 2, 'protocols': 3, 'findings': 7, 'entities': 7, 'links': 6}
    """
    writer = NTriplesWriter(out, include_ontology=include_ontology) if out is not None else None
    result = stream_rows(data_dir, layers, writer, consumer)
    result.triples = writer.lines if writer is not None else 0
    return result


def validate_stream(data_dir: Path | str, layers: Iterable[str] = ()) -> StreamResult:
    """Validate an evidence base without keeping its findings (:func:`nibs_graph.validate.stream_rows`).

    Examples
    --------
    >>> from nibs_graph.paths import default_data_dir
    >>> validate_stream(default_data_dir().parent / "tests" / "data" / "tiny").counts["links"]
    6
    """
    return stream_rows(data_dir, layers)


def sorted_ntriples(
    data_dir: Path | str,
    out: BinaryIO,
    *,
    layers: Iterable[str] = (),
    chunk_bytes: int = SORT_CHUNK_BYTES,
    external: bool | None = None,
) -> StreamResult:
    """Write the base's N-Triples to ``out`` sorted by bytes, each line once: the ``export nt`` file.

    The lines are UTF-8, so byte order is code point order. They are sorted as they stream
    (:func:`nibs_graph.scale.bytesort.byte_sorter`: GNU ``sort`` in the C locale where it is installed, else
    bounded in-memory runs merged from temporary files), so memory stays bounded at any size and nothing reaches
    ``out`` unless the whole base is valid.

    Examples
    --------
    >>> import io
    >>> from nibs_graph.paths import default_data_dir
    >>> out = io.BytesIO()
    >>> _ = sorted_ntriples(default_data_dir().parent / "tests" / "data" / "tiny", out)
    >>> lines = out.getvalue().splitlines()
    >>> lines == sorted(set(lines))
    True
    """
    with (
        tempfile.TemporaryDirectory(prefix="nibs-graph-sort-") as tmp,
        byte_sorter(out, Path(tmp), chunk_bytes=chunk_bytes, external=external) as sorter,
    ):
        result = stream_ntriples(data_dir, sorter, layers=layers)
        sorter.finish()
    return result
