"""Stream-validate an evidence base and write its RDF graph as N-Triples, without holding every finding.

:func:`stream_ntriples` checks the files exactly as :func:`nibs_graph.validate.read_evidence_base` does (the same
column parsers from :data:`nibs_graph.schema.FILES`, the same :class:`~nibs_graph.errors.Problem` messages in the
same order) but keeps only the small files (studies, protocols, entities, links) as records; ``findings.csv`` is
read one row at a time, checked against them and written out as it goes. The triples are the ones
:func:`nibs_graph.rdf.to_rdf` builds, with the same IRIs and literals (the ``technique → entity`` and
``protocol → entity`` effect triples are written once each, as in a graph).

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

import codecs
import csv
import io
from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import IO, Any, BinaryIO
from typing import Protocol as _Protocol

from .. import vocab
from ..datafile import CONTROL_CHARACTERS, control_problem, data_file
from ..errors import DataValidationError, Problem
from ..extensions import BUILTIN, Vocabulary
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
from ..regions import UBERON_CURIE, ground
from ..release import release_name
from ..schema import FILES, Column
from ..validate import (
    DEFAULT_SOURCE,
    REGION_ALLOWED,
    _check_references,
    _decode,
    _read_file,
    data_version,
    declared_vocabulary,
    file_problem,
    file_sources,
    finish_problems,
    header_problems,
)
from ..vocab import Technique

__all__ = ["RowConsumer", "StreamResult", "ontology_ntriples", "stream_ntriples", "validate_stream"]

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
_BOM = b"\xef\xbb\xbf"
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


class RowConsumer(_Protocol):
    """Receives the validated rows during :func:`stream_ntriples` (e.g. a projection builder)."""

    def begin(
        self,
        studies: dict[str, Study],
        protocols: dict[str, Protocol],
        entities: dict[str, Entity],
        links: dict[str, Link],
        vocabulary: Vocabulary | None = None,
    ) -> None:
        """The small files' records (and the vocabulary they use), once they are valid, before any finding."""

    def finding(self, row: dict[str, Any]) -> None:
        """One valid ``findings.csv`` row (column name → parsed value)."""

    def finish(self, version: str, release: str | None = None) -> None:
        """Called once, after the last row, when the whole evidence base is valid (``release``: its name, if any)."""


@dataclass
class StreamResult:
    """What :func:`stream_ntriples` read and wrote."""

    counts: dict[str, int]
    version: str
    triples: int = 0
    release: str | None = None
    problems: list[Problem] = field(default_factory=list)


@lru_cache(maxsize=1)
def ontology_ntriples() -> bytes:
    """The triples of ``ontology/nibs.ttl`` as N-Triples (what ``to_rdf(include_ontology=True)`` adds).

    >>> ontology_ntriples().count(b"\\n") > 300
    True
    """
    path = ontology_dir() / "nibs.ttl"
    try:
        import pyoxigraph as ox
    except ImportError:  # pragma: no cover - the scale extra installs pyoxigraph
        from rdflib import Graph

        return Graph().parse(path, format="turtle").serialize(format="nt", encoding="utf-8")
    quads = ox.parse(path=str(path), format=ox.RdfFormat.TURTLE)
    data = ox.serialize(quads, format=ox.RdfFormat.N_TRIPLES)
    assert isinstance(data, bytes)
    return data


def _open_text(path: Path, label: str, problems: list[Problem]) -> tuple[IO[str], bool]:
    """The file as text (streamed when it is clean UTF-8, else decoded whole to report as the validator does),
    and whether it holds a control character anywhere (then its cells are checked one by one)."""
    controls = False
    with path.open("rb") as handle:
        clean = handle.read(3) != _BOM
        if clean:
            handle.seek(0)
            decoder = codecs.getincrementaldecoder("utf-8")()
            try:
                while chunk := handle.read(1 << 22):
                    controls = controls or CONTROL_CHARACTERS.search(decoder.decode(chunk)) is not None
                decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                clean = False
    if clean:
        return path.open(encoding="utf-8", newline=""), controls
    text = _decode(label, path.read_bytes(), problems)
    return io.StringIO(text, newline=""), CONTROL_CHARACTERS.search(text) is not None


def _iter_rows(
    label: str,
    handle: IO[str],
    spec: dict[str, Column],
    problems: list[Problem],
    key: str,
    rejected: set[str],
    controls: bool = True,
) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield (line, parsed row) pairs; the streaming twin of ``nibs_graph.validate._read_rows`` (same problems)."""
    reader = csv.reader(handle, strict=True)
    try:
        header = next(reader)
    except StopIteration:
        problems.append(Problem(label, 1, None, "", "a header row: " + ", ".join(spec), "the file is empty"))
        return
    except csv.Error as exc:
        problems.append(Problem(label, 1, None, None, "RFC 4180 CSV", f"unreadable header ({exc})"))
        return
    header = [h.strip() for h in header]
    absent = {name: spec[name].read("") for name in spec if name not in header and spec[name].header_optional}
    if header_problems(label, header, spec, problems):
        return
    # (name, column, parse-when-not-empty) per position; None for a column the spec does not know
    plan: list[tuple[str, Column, Any] | None] = []
    for name in header:
        column = spec.get(name)
        if column is None:
            plan.append(None)
        elif column.is_list:
            plan.append((name, column, column.read))
        else:
            plan.append((name, column, column.parse))
    width = len(header)
    key_index = header.index(key) if key in header else None
    last_line = 1
    while True:
        line = last_line + 1
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            problems.append(
                Problem(label, reader.line_num, None, None, "RFC 4180 CSV quoting", f"unreadable row ({exc})")
            )
            break
        last_line = reader.line_num
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != width:
            problems.append(
                Problem(
                    label,
                    line,
                    None,
                    str(len(cells)),
                    f"{width} fields, as in the header",
                    f"ragged row: {len(cells)} fields",
                )
            )
            continue
        row: dict[str, Any] = dict(absent)
        ok = True
        for step, cell in zip(plan, cells, strict=True):
            if step is None:
                continue
            name, column, parse = step
            cell = cell.strip()
            if not cell:
                if column.required:
                    problems.append(
                        Problem(label, line, name, "", "a value (required column)", "required value is empty")
                    )
                    ok = False
                row[name] = () if column.is_list else None
                continue
            if controls and (why := control_problem(cell)):
                problems.append(Problem(label, line, name, cell, "text without control characters", why))
                ok = False
                continue
            try:
                row[name] = parse(cell)
            except ValueError as exc:
                problems.append(Problem(label, line, name, cell, str(exc)))
                ok = False
        if ok:
            yield line, row
        elif key_index is not None:
            rejected.add(cells[key_index].strip())


class _Sink:
    """Buffered N-Triples output that counts its lines (a ``None`` target only counts)."""

    def __init__(self, out: BinaryIO | None) -> None:
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
        self.species = {sid: [_iri(vocab.species_curie(sp)) for sp in s.species] for sid, s in studies.items()}
        self.settings = {sid: [_n(SETTING_TERMS[st]) for st in s.setting] for sid, s in studies.items()}
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
        out.extend(f"{node} {p['conflictsWith']} <{DATA}finding/{other}> .\n" for other in f["conflict"])
        out.extend(f"{node} {p['flag']} {_n(flag)} .\n" for flag in f["flags"])
        if effect:
            prop = self.effect_props[direction]
            for subject in (protocol, technique):
                triple = (subject, prop, target)
                if triple not in self.effects:
                    self.effects.add(triple)
                    out.append(f"{subject} {prop} {target} .\n")
        return out


def _read_small(
    data_dir: Path,
    sources: dict[str, str],
    problems: dict[str, list[Problem]],
    parsed: dict[str, dict[str, Any]],
    lines: dict[str, dict[str, int]],
    files: dict[str, dict[str, str]],
    rejected: dict[str, set[str]],
    unusable: set[str],
    all_sources: Iterable[str],
) -> Vocabulary:
    """Read the small files as ``read_evidence_base`` does, with each file's problems in ``problems[name]``.

    Returns the vocabulary the files were checked against (extended by ``vocabulary.csv`` when there is one).
    """
    vocabulary = BUILTIN
    for name, spec_name in sources.items():
        found = problems.setdefault(name, [])
        spec = vocabulary.files()[spec_name]
        _read_file(data_dir, name, spec_name, tuple(all_sources), found, parsed, lines, files, rejected, unusable, spec)
        if spec_name == "vocabulary.csv":
            vocabulary = declared_vocabulary(parsed, lines, files, found)
    return vocabulary


def stream_ntriples(
    data_dir: Path | str,
    out: BinaryIO | None,
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
        Also write the triples of ``ontology/nibs.ttl``, as :func:`nibs_graph.rdf.to_rdf` does by default.
    consumer:
        Also hand the valid rows to this object (see :class:`RowConsumer`), e.g. a
        :class:`~nibs_graph.scale.project.ProjectionBuilder`, in the same pass.

    Returns
    -------
    StreamResult
        Row counts per kind, the data version (:func:`nibs_graph.validate.data_version`) and the number of
        N-Triples lines written (effect triples are written once, other triples may not repeat either).

    Raises
    ------
    DataValidationError
        With the problems ``read_evidence_base`` reports for the same files, in the same order. What was written
        to ``out`` by then is incomplete and must be discarded.

    Examples
    --------
    >>> import io
    >>> from nibs_graph.paths import default_data_dir
    >>> tiny = default_data_dir().parent / "tests" / "data" / "tiny"
    >>> stream_ntriples(tiny, None).counts
    {'studies': 2, 'protocols': 3, 'findings': 7, 'entities': 7, 'links': 6}
    """
    data_dir = Path(data_dir)
    layers = tuple(layers)
    if not data_dir.is_dir():
        raise DataValidationError(
            [Problem(str(data_dir), None, None, None, "a folder with " + ", ".join(FILES), "not a folder")]
        )
    sources = file_sources(data_dir, layers)
    small = {name: spec for name, spec in sources.items() if spec != "findings.csv"}
    problems: dict[str, list[Problem]] = {}
    parsed: dict[str, dict[str, Any]] = {}
    lines: dict[str, dict[str, int]] = {}
    files: dict[str, dict[str, str]] = {}
    rejected: dict[str, set[str]] = {}
    unusable: set[str] = set()
    vocabulary = _read_small(data_dir, small, problems, parsed, lines, files, rejected, unusable, sources)
    base_sources: dict[str, Source] = (
        parsed.get("sources.csv", {}) if "sources.csv" in sources else {DEFAULT_SOURCE.source_id: DEFAULT_SOURCE}
    )
    studies: dict[str, Study] = parsed.get("studies.csv", {})
    protocols: dict[str, Protocol] = parsed.get("protocols.csv", {})
    entities: dict[str, Entity] = parsed.get("entities.csv", {})
    links: dict[str, Link] = parsed.get("pathways.csv", {})
    protocol_problems: list[Problem] = []
    _check_references(
        EvidenceBase(sources=base_sources, studies=studies, protocols=protocols, vocabulary=vocabulary),
        lines,
        files,
        protocol_problems,
        rejected,
        unusable,
    )
    entity_problems: list[Problem] = []
    _check_references(EvidenceBase(entities=entities, links=links), lines, files, entity_problems, rejected, unusable)

    sink = _Sink(out)
    valid = not any(problems.values()) and not protocol_problems and not entity_problems
    clean = valid and out is not None  # write triples
    consume = valid and consumer is not None
    study_nodes = {sid: "<" + study_iri(s) + ">" for sid, s in studies.items()}
    if consume:
        assert consumer is not None
        consumer.begin(studies, protocols, entities, links, vocabulary=vocabulary)
    if clean:
        if include_ontology:
            sink.raw(ontology_ntriples())
        for declared in vocabulary.extension_techniques():
            sink.extend(_technique_lines(declared, vocabulary.techniques))
        for source in base_sources.values():
            sink.extend(_source_lines(source))
        for s in studies.values():
            sink.extend(_study_lines(s, vocabulary.techniques))
        for p in protocols.values():
            sink.extend(_protocol_lines(p, study_nodes[p.study_id], vocabulary.techniques))
        for e in entities.values():
            sink.extend(_entity_lines(e))
        refs = EvidenceBase(studies=studies).review_refs()
        for link in links.values():
            sink.extend(_link_lines(link, (study_nodes[sid] for sid in link.cited(refs))))

    # findings.csv, one row at a time
    finding_problems: list[Problem] = problems.setdefault("findings.csv", [])
    reference_problems: list[tuple[int, int, Problem]] = []  # (finding order, 0 now / 1 deferred, problem)
    conflicts: list[tuple[int, str, int, str]] = []  # (finding order, finding id, line, referenced id)
    seen: dict[str, int] = {}
    duplicates: list[Problem] = []
    path = data_dir / "findings.csv"
    label = str(path)
    rejected_findings = rejected.setdefault("findings.csv", set())
    writer = _FindingWriter(studies, study_nodes, vocabulary.techniques)

    def unknown(order: int, line: int, column: str, value: str, allowed_from: str, deferred: int = 0) -> None:
        if allowed_from in unusable or value in rejected.get(allowed_from, set()):
            return
        reference_problems.append(
            (
                order,
                deferred,
                Problem(label, line, column, value, f"an id defined in {allowed_from}", f"unknown id {value!r}"),
            )
        )

    readable, reason = data_file(data_dir, "findings.csv")
    if readable is None:
        finding_problems.append(file_problem(label, reason, sources))
        unusable.add("findings.csv")
    else:
        text, controls = _open_text(readable, label, finding_problems)
        with text as handle:
            before = len(finding_problems)
            spec = vocabulary.files()["findings.csv"]
            rows = _iter_rows(label, handle, spec, finding_problems, "finding_id", rejected_findings, controls)
            for line, f in rows:
                fid = f["finding_id"]
                first = seen.get(fid)
                if first is not None:  # reported after the file's cell problems, as read_evidence_base does
                    duplicates.append(
                        Problem(
                            label, line, "finding_id", fid, "a unique id", f"duplicate id (first used on line {first})"
                        )
                    )
                    continue
                order = len(seen)
                seen[fid] = line
                ok = True
                if f["study_id"] not in studies:
                    unknown(order, line, "study_id", f["study_id"], "studies.csv")
                    ok = False
                protocol = protocols.get(f["protocol_id"])
                if protocol is None:
                    unknown(order, line, "protocol_id", f["protocol_id"], "protocols.csv")
                    ok = False
                else:
                    if protocol.study_id != f["study_id"]:
                        reference_problems.append(
                            (
                                order,
                                0,
                                Problem(
                                    label,
                                    line,
                                    "protocol_id",
                                    f["protocol_id"],
                                    f"a protocol of study {f['study_id']!r}",
                                    f"protocol belongs to study {protocol.study_id!r}",
                                ),
                            )
                        )
                        ok = False
                    if protocol.technique != f["technique"]:
                        reference_problems.append(
                            (
                                order,
                                0,
                                Problem(
                                    label,
                                    line,
                                    "technique",
                                    f["technique"],
                                    f"{protocol.technique!r}, the technique of {f['protocol_id']!r}",
                                ),
                            )
                        )
                        ok = False
                if f["target_id"] not in entities:
                    unknown(order, line, "target_id", f["target_id"], "entities.csv")
                    ok = False
                region_id = f["region_id"]
                if region_id is not None and not UBERON_CURIE.match(region_id):
                    reference_problems.append((order, 0, Problem(label, line, "region_id", region_id, REGION_ALLOWED)))
                    ok = False
                conflicts.extend((order, fid, line, other) for other in f["conflict"])
                if ok and not finding_problems and not duplicates:
                    if clean:
                        sink.extend(writer.lines(f))
                    if consume:
                        consumer.finding(f)  # type: ignore[union-attr]
            if not seen and len(finding_problems) > before:
                unusable.add("findings.csv")
            finding_problems.extend(duplicates)
    for order, _fid, line, other in conflicts:
        if other not in seen:
            unknown(order, line, "conflict", other, "findings.csv", deferred=1)
    reference_problems.sort(key=lambda item: (item[0], item[1]))

    ordered = [p for name in sources for p in problems.get(name, [])]
    ordered += protocol_problems + [p for _, _, p in reference_problems] + entity_problems
    counts = {
        "studies": len(studies),
        "protocols": len(protocols),
        "findings": len(seen),
        "entities": len(entities),
        "links": len(links),
    }
    if ordered:
        ids: dict[str, Collection[str]] = {
            "sources.csv": base_sources,
            "studies.csv": studies,
            "protocols.csv": protocols,
            "entities.csv": entities,
        }
        raise DataValidationError(finish_problems(data_dir, sources, ids, rejected, unusable, ordered))
    version = data_version(data_dir, layers)
    release = release_name(data_dir, version)
    if not clean:
        return _finish_only(consumer if consume else None, counts, version, release)
    sink.extend(_dataset_lines(base_sources, version, release))
    sink.flush()
    if consume:
        assert consumer is not None
        consumer.finish(version, release)
    return StreamResult(counts=counts, version=version, triples=sink.lines, release=release)


def _finish_only(
    consumer: RowConsumer | None, counts: dict[str, int], version: str, release: str | None
) -> StreamResult:
    if consumer is not None:
        consumer.finish(version, release)
    return StreamResult(counts=counts, version=version, triples=0, release=release)


def validate_stream(data_dir: Path | str, layers: Iterable[str] = ()) -> StreamResult:
    """Validate an evidence base without building its records (the streaming twin of ``read_evidence_base``).

    Raises
    ------
    DataValidationError
        The same problems as :func:`nibs_graph.validate.read_evidence_base`.

    Examples
    --------
    >>> from nibs_graph.paths import default_data_dir
    >>> validate_stream(default_data_dir().parent / "tests" / "data" / "tiny").counts["links"]
    6
    """
    return stream_ntriples(data_dir, None, layers=layers, include_ontology=False)
