"""Read and validate an evidence base folder.

:func:`read_evidence_base` checks every file against :mod:`nibs_graph.schema` and the files against each other,
collects every problem (file, line, column, value, what is allowed) and raises one
:class:`~nibs_graph.errors.DataValidationError`; it never writes anything.

>>> from nibs_graph.paths import default_data_dir
>>> base = read_evidence_base(default_data_dir())
>>> base.studies["baek2018"].review_ref
42
"""

from __future__ import annotations

import codecs
import csv
import difflib
import hashlib
import io
import re
from collections import Counter
from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import IO, Any
from typing import Protocol as _Protocol

from . import vocab
from .datafile import CONTROL_CHARACTERS, control_problem, data_file, read_data_file
from .errors import DataValidationError, Problem
from .extensions import BUILTIN, Vocabulary, build_vocabulary, vocabulary_of
from .records import Entity, EvidenceBase, Finding, Link, Protocol, Source, Study, Term
from .regions import UBERON_CURIE
from .release import release_name
from .schema import FILES, LEGACY_DEFAULTS, REQUIRED_FILES, Column, choices_of

__all__ = [
    "DEFAULT_SOURCE",
    "RowConsumer",
    "StreamResult",
    "data_version",
    "declared_vocabulary",
    "file_problem",
    "file_sources",
    "finish_problems",
    "header_problems",
    "iter_rows",
    "read_evidence_base",
    "stream_rows",
]

#: The source of every study in a folder without ``sources.csv`` (made before sources existed): the review.
DEFAULT_SOURCE = Source(
    source_id="sveva2025",
    kind="review",
    citation=(
        "Sveva V, Mancuso M, Cruciani A, et al. Cellular and Molecular Mechanisms of Non-Invasive Brain Stimulation "
        "Techniques: A Systematic Review on the Implications for the Treatment of Neurological Disorders. "
        "Cells 2025, 14, 1996"
    ),
    doi="10.3390/cells14241996",
    licence="CC BY 4.0",
    tables=vocab.REVIEW_TABLES,
    refs=None,
    curator=None,
    date=None,
    notes=None,
)

_BOM = b"\xef\xbb\xbf"

#: What ``region_id`` allows.
REGION_ALLOWED = "an UBERON: CURIE (UBERON: and 7 digits, e.g. UBERON:0002421)"

_RECORD_TYPES: dict[str, type] = {
    "sources.csv": Source,
    "vocabulary.csv": Term,
    "studies.csv": Study,
    "protocols.csv": Protocol,
    "findings.csv": Finding,
    "entities.csv": Entity,
    "pathways.csv": Link,
}
_KEYS = {
    "sources.csv": "source_id",
    "vocabulary.csv": "term",
    "studies.csv": "study_id",
    "protocols.csv": "protocol_id",
    "findings.csv": "finding_id",
    "entities.csv": "id",
    "pathways.csv": "link_id",
}
OPTIONAL_LAYERS: dict[str, str] = {"signor": "optional/signor_pathways.csv"}


def data_version(data_dir: Path, layers: Iterable[str] = ()) -> str:
    """A short hash of the evidence base files (changes whenever any byte of them changes)."""
    digest = hashlib.sha256()
    names = [*FILES, *(OPTIONAL_LAYERS[layer] for layer in layers)]
    for name in names:
        path = data_dir / name
        if name not in REQUIRED_FILES and not path.exists():
            continue  # a folder made before the optional file existed keeps its version
        digest.update(name.encode())
        content, reason = read_data_file(data_dir, name)  # a folder, link outside, FIFO ... is never read
        digest.update(content if content is not None else f"<{reason}>".encode())
    return digest.hexdigest()[:16]


def file_sources(data_dir: Path, layers: Iterable[str] = ()) -> dict[str, str]:
    """The files to read (file name → the schema file it follows), ``sources.csv`` first when the folder has it.

    Raises
    ------
    DataValidationError
        For an unknown optional layer.
    """
    names = [name for name in FILES if name in REQUIRED_FILES or (data_dir / name).exists()]
    sources = {name: name for name in names}
    for layer in layers:
        if layer not in OPTIONAL_LAYERS:
            raise DataValidationError(
                [Problem("--layer", None, None, layer, ", ".join(OPTIONAL_LAYERS), "unknown optional layer")]
            )
        sources[OPTIONAL_LAYERS[layer]] = "pathways.csv"
    return sources


def _decode(label: str, raw: bytes, problems: list[Problem]) -> str:
    """Decode UTF-8, reporting a BOM or the position of the first undecodable byte."""
    if raw.startswith(b"\xef\xbb\xbf"):
        problems.append(
            Problem(
                label,
                1,
                None,
                "U+FEFF",
                "UTF-8 without a byte-order mark",
                "the file starts with a byte-order mark (BOM)",
            )
        )
        raw = raw[3:]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        line_start = raw.rfind(b"\n", 0, exc.start) + 1
        char_col = len(raw[line_start : exc.start].decode("utf-8", errors="replace")) + 1
        bad = raw[exc.start : exc.end].hex()
        problems.append(
            Problem(
                label, line, None, f"0x{bad}", "UTF-8 text", f"character {char_col}: byte 0x{bad} is not valid UTF-8"
            )
        )
        return raw.decode("utf-8", errors="replace")  # go on, so that later problems are reported too


#: At most this many unknown or duplicate columns are reported one by one (the rest are counted).
MAX_COLUMN_PROBLEMS = 20


def header_problems(
    label: str, header: list[str], spec: dict[str, Column], problems: list[Problem], optional: Collection[str] = ()
) -> bool:
    """Report missing, unknown and duplicate columns (in time linear in the header's width); True if any
    required column is missing (``optional``: columns that may be missing, as they take a default).

    >>> from nibs_graph.schema import FILES
    >>> found = []
    >>> header_problems("f.csv", ["x"] * 1_000_000, FILES["pathways.csv"], found)
    True
    >>> [p.message for p in found if p.column == "x"]
    ['unknown column', 'duplicate column']
    """
    present = set(header)
    missing = [name for name in spec if name not in present and name not in optional and not spec[name].header_optional]
    for name in missing:
        problems.append(
            Problem(
                label, 1, name, None, "the columns " + ", ".join(spec), "required column is missing from the header"
            )
        )
    counts = Counter(header)
    unknown = [name for name in counts if name not in spec]
    duplicated = [name for name, count in counts.items() if count > 1]
    for names, allowed, message in (
        (unknown, "the columns " + ", ".join(spec), "unknown column"),
        (duplicated, "each column once", "duplicate column"),
    ):
        for name in names[:MAX_COLUMN_PROBLEMS]:
            problems.append(Problem(label, 1, name, name, allowed, message))
        if len(names) > MAX_COLUMN_PROBLEMS:
            more = len(names) - MAX_COLUMN_PROBLEMS
            problems.append(Problem(label, 1, None, None, allowed, f"and {more:,} more columns: {message}"))
    return bool(missing)


def file_problem(label: str, reason: str | None, all_sources: Iterable[str]) -> Problem:
    """The problem for a data file that cannot be read (missing, a folder, a link outside the folder ...)."""
    if reason == "file is missing":
        return Problem(label, None, None, None, "the files " + ", ".join(all_sources), "file is missing")
    return Problem(label, None, None, None, "a readable regular file inside the data folder", str(reason))


def iter_rows(
    label: str,
    handle: IO[str],
    spec: dict[str, Column],
    problems: list[Problem],
    key: str,
    rejected: set[str],
    controls: bool = True,
    defaults: Mapping[str, str] | None = None,
) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield (line, parsed row) pairs of one CSV file, reporting every cell problem: the one row loop of nibs-graph.

    The ids of rows rejected for a bad cell go into ``rejected``, so that references to them are not reported
    again as unknown ids. A column of ``defaults`` missing from the header takes its default in every row.
    ``controls``: whether the file holds a control character anywhere (only then are cells checked one by one).

    >>> import io
    >>> from nibs_graph.schema import FILES
    >>> found: list[Problem] = []
    >>> head = "link_id,source_id,target_id,relation,layer,source,reference,licence,notes\\n"
    >>> rows = "L1,HGNC:1033,HGNC:8032,binds,review,s,,CC0,\\nL2,HGNC:1033,HGNC:8032,bind,review,s,,CC0,\\n"
    >>> text, spec = io.StringIO(head + rows), FILES["pathways.csv"]
    >>> [(line, row["relation"]) for line, row in iter_rows("p.csv", text, spec, found, "link_id", set())]
    [(2, 'binds')]
    >>> print(found[0])
    p.csv:3: column 'relation': value 'bind' is not allowed; allowed: activates, inhibits, increases_expression, \
decreases_expression, binds, has_member, part_of
    """
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
    filled = {name: spec[name].read(value) for name, value in (defaults or {}).items() if name not in header}
    absent = {
        name: spec[name].read("")
        for name in spec
        if name not in header and name not in filled and spec[name].header_optional
    }
    absent.update(filled)
    if header_problems(label, header, spec, problems, optional=filled):
        return
    # (name, column, parse-when-not-empty) per position; None for a column the spec does not know
    plan: list[tuple[str, Column, Any] | None] = []
    for name in header:
        column = spec.get(name)
        if column is None:
            plan.append(None)
        else:
            plan.append((name, column, column.read if column.is_list else column.parse))
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


def _records(
    label: str, rows: list[tuple[int, dict[str, Any]]], key: str, record_type: type, problems: list[Problem]
) -> tuple[dict[str, Any], dict[str, int]]:
    records: dict[str, Any] = {}
    lines: dict[str, int] = {}
    names = [f.name for f in fields(record_type)]
    for line, row in rows:
        ident = row[key]
        if ident in records:
            problems.append(
                Problem(label, line, key, ident, "a unique id", f"duplicate id (first used on line {lines[ident]})")
            )
            continue
        records[ident] = record_type(**{name: row[name] for name in names})
        lines[ident] = line
    return records, lines


def _read_file(
    data_dir: Path,
    name: str,
    spec_name: str,
    all_sources: tuple[str, ...],
    problems: list[Problem],
    parsed: dict[str, dict[str, Any]],
    lines: dict[str, dict[str, int]],
    files: dict[str, dict[str, str]],
    rejected: dict[str, set[str]],
    unusable: set[str],
    spec: dict[str, Column] | None = None,
) -> None:
    """Read one file of the evidence base into ``parsed`` (by schema file name), reporting its problems.

    ``spec`` replaces the file's column specification (the lists extended by ``vocabulary.csv``).
    """
    label = str(data_dir / name)
    content, reason = read_data_file(data_dir, name)
    if content is None:
        problems.append(file_problem(label, reason, all_sources))
        unusable.add(spec_name)
        return
    text = _decode(label, content, problems)
    before = len(problems)
    defaults = None if (data_dir / "sources.csv").exists() else LEGACY_DEFAULTS.get(spec_name)
    columns = spec if spec is not None else FILES[spec_name]
    controls = CONTROL_CHARACTERS.search(text) is not None
    rows = list(
        iter_rows(
            label,
            io.StringIO(text, newline=""),
            columns,
            problems,
            _KEYS[spec_name],
            rejected.setdefault(spec_name, set()),
            controls,
            defaults,
        )
    )
    if not rows and len(problems) > before:
        unusable.add(spec_name)
    records, where = _records(label, rows, _KEYS[spec_name], _RECORD_TYPES[spec_name], problems)
    bucket = parsed.setdefault(spec_name, {})
    for ident, record in records.items():
        if ident in bucket:
            problems.append(
                Problem(
                    label, where[ident], _KEYS[spec_name], ident, "a unique id", "duplicate id (also in another layer)"
                )
            )
            continue
        bucket[ident] = record
        lines.setdefault(spec_name, {})[ident] = where[ident]
        files.setdefault(spec_name, {})[ident] = label


class RowConsumer(_Protocol):
    """Receives the validated evidence base from :func:`stream_rows` (a projection builder, an N-Triples writer ...)."""

    def begin(self, base: EvidenceBase) -> None:
        """The small files' records (sources, studies, protocols, entities, links and the vocabulary they use),
        once they are valid, before any finding (``base.findings`` is empty)."""

    def finding(self, row: dict[str, Any]) -> None:
        """One valid ``findings.csv`` row (column name → parsed value)."""

    def finish(self, version: str, release: str | None = None) -> None:
        """Called once, after the last row, when the whole evidence base is valid (``release``: its name, if any)."""


@dataclass
class StreamResult:
    """What :func:`stream_rows` read (and :func:`nibs_graph.scale.stream.stream_ntriples` wrote)."""

    counts: dict[str, int]
    version: str
    triples: int = 0
    release: str | None = None
    problems: list[Problem] = field(default_factory=list)


class _Records:
    """The consumer behind :func:`read_evidence_base`: every row as its record."""

    def __init__(self) -> None:
        self.base = EvidenceBase()
        self._names = [f.name for f in fields(Finding)]

    def begin(self, base: EvidenceBase) -> None:
        self.base = base

    def finding(self, row: dict[str, Any]) -> None:
        self.base.findings[row["finding_id"]] = Finding(**{name: row[name] for name in self._names})

    def finish(self, version: str, release: str | None = None) -> None:
        self.base.version, self.base.release = version, release


def read_evidence_base(data_dir: Path | str, layers: Iterable[str] = ()) -> EvidenceBase:
    """Read, validate and return the evidence base in ``data_dir`` (:func:`stream_rows`, every row kept as a record).

    Parameters
    ----------
    data_dir:
        A folder with ``studies.csv``, ``protocols.csv``, ``findings.csv``, ``entities.csv`` and
        ``pathways.csv`` (see ``data/README.md``).
    layers:
        Optional signalling layers to add (``"signor"``: ``optional/signor_pathways.csv``, CC BY-NC 4.0).

    Raises
    ------
    DataValidationError
        With every problem found, each naming file, line, column, value and what is allowed.
    """
    records = _Records()
    stream_rows(data_dir, layers, records)
    return records.base


def _open_text(path: Path, label: str, problems: list[Problem]) -> tuple[IO[str], bool]:
    """The file as text (streamed when it is clean UTF-8, else decoded whole to report as :func:`_decode` does),
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


class _FindingChecks:
    """The checks of one ``findings.csv`` row against the small files, in the order problems are reported."""

    def __init__(self, base: EvidenceBase, label: str, rejected: dict[str, set[str]], unusable: set[str]) -> None:
        self.base = base
        self.label = label
        self.rejected = rejected
        self.unusable = unusable
        self.problems: list[tuple[int, int, Problem]] = []  # (finding order, 0 now / 1 deferred, problem)
        self.conflicts: list[tuple[int, int, str]] = []  # (finding order, line, referenced id)

    def unknown(self, order: int, line: int, column: str, value: str, allowed_from: str, deferred: int = 0) -> None:
        if allowed_from in self.unusable or value in self.rejected.get(allowed_from, set()):
            return  # already reported where the row or file itself is broken
        problem = Problem(self.label, line, column, value, f"an id defined in {allowed_from}", f"unknown id {value!r}")
        self.problems.append((order, deferred, problem))

    def check(self, order: int, line: int, f: dict[str, Any]) -> bool:
        """Check one row (the ``order``-th distinct finding); True when it has no problem."""
        before = len(self.problems)
        studies, protocols = self.base.studies, self.base.protocols
        if f["study_id"] not in studies:
            self.unknown(order, line, "study_id", f["study_id"], "studies.csv")
        protocol = protocols.get(f["protocol_id"])
        if protocol is None:
            self.unknown(order, line, "protocol_id", f["protocol_id"], "protocols.csv")
        else:
            if protocol.study_id != f["study_id"]:
                allowed = f"a protocol of study {f['study_id']!r}"
                message = f"protocol belongs to study {protocol.study_id!r}"
                problem = Problem(self.label, line, "protocol_id", f["protocol_id"], allowed, message)
                self.problems.append((order, 0, problem))
            if protocol.technique != f["technique"]:
                allowed = f"{protocol.technique!r}, the technique of {f['protocol_id']!r}"
                self.problems.append((order, 0, Problem(self.label, line, "technique", f["technique"], allowed)))
        if f["target_id"] not in self.base.entities:
            self.unknown(order, line, "target_id", f["target_id"], "entities.csv")
        region_id = f["region_id"]
        if region_id is not None and not UBERON_CURIE.match(region_id):
            self.problems.append((order, 0, Problem(self.label, line, "region_id", region_id, REGION_ALLOWED)))
        self.conflicts.extend((order, line, other) for other in f["conflict"])
        # a row whose references were not reported (a rejected or unusable target) is still not usable
        return (
            len(self.problems) == before
            and f["study_id"] in studies
            and protocol is not None
            and f["target_id"] in self.base.entities
        )

    def ordered(self, seen: Collection[str]) -> list[Problem]:
        """Every problem found, conflicts with findings never seen added, in the order of the findings."""
        for order, line, other in self.conflicts:
            if other not in seen:
                self.unknown(order, line, "conflict", other, "findings.csv", deferred=1)
        self.problems.sort(key=lambda item: (item[0], item[1]))
        return [p for _, _, p in self.problems]


def stream_rows(data_dir: Path | str, layers: Iterable[str] = (), *consumers: RowConsumer | None) -> StreamResult:
    """Validate an evidence base, holding the small files as records and reading ``findings.csv`` one row at a time.

    Every file is checked against :data:`nibs_graph.schema.FILES` (extended by ``vocabulary.csv``) and the files
    against each other. When the small files are valid, each consumer gets them (:meth:`RowConsumer.begin`), then
    every valid finding row as it is read, then (:meth:`RowConsumer.finish`) the data version once the whole base
    is known to be valid. What a consumer received before a :class:`DataValidationError` is to be discarded.

    Raises
    ------
    DataValidationError
        With every problem found (file, line, column, value, what is allowed), in file order, then the checks
        across files.

    Examples
    --------
    >>> from nibs_graph.paths import default_data_dir
    >>> stream_rows(default_data_dir().parent / "tests" / "data" / "tiny").counts
    {'studies': 2, 'protocols': 3, 'findings': 7, 'entities': 7, 'links': 6}
    """
    data_dir = Path(data_dir)
    layers = tuple(layers)
    active = [c for c in consumers if c is not None]
    if not data_dir.is_dir():
        raise DataValidationError(
            [Problem(str(data_dir), None, None, None, "a folder with " + ", ".join(FILES), "not a folder")]
        )
    sources = file_sources(data_dir, layers)
    problems: dict[str, list[Problem]] = {}
    parsed: dict[str, dict[str, Any]] = {}
    lines: dict[str, dict[str, int]] = {}
    files: dict[str, dict[str, str]] = {}
    rejected: dict[str, set[str]] = {}  # ids of rows rejected for a bad cell, per file
    unusable: set[str] = set()  # files missing or unreadable as a whole
    vocabulary = BUILTIN
    for name, spec_name in sources.items():
        if spec_name == "findings.csv":
            continue
        found = problems.setdefault(name, [])
        spec = vocabulary.files()[spec_name]
        _read_file(data_dir, name, spec_name, tuple(sources), found, parsed, lines, files, rejected, unusable, spec)
        if spec_name == "vocabulary.csv":
            vocabulary = declared_vocabulary(parsed, lines, files, found)
    base = EvidenceBase(
        vocabulary=vocabulary,
        sources=parsed.get("sources.csv", {})
        if "sources.csv" in sources
        else {DEFAULT_SOURCE.source_id: DEFAULT_SOURCE},
        studies=parsed.get("studies.csv", {}),
        protocols=parsed.get("protocols.csv", {}),
        entities=parsed.get("entities.csv", {}),
        links=parsed.get("pathways.csv", {}),
    )
    protocol_problems: list[Problem] = []
    small = EvidenceBase(sources=base.sources, studies=base.studies, protocols=base.protocols, vocabulary=vocabulary)
    _check_references(small, lines, files, protocol_problems, rejected, unusable)
    entity_problems: list[Problem] = []
    _check_references(
        EvidenceBase(entities=base.entities, links=base.links), lines, files, entity_problems, rejected, unusable
    )
    valid = not any(problems.values()) and not protocol_problems and not entity_problems
    if valid:
        for consumer in active:
            consumer.begin(base)

    label = str(data_dir / "findings.csv")
    finding_problems = problems.setdefault("findings.csv", [])
    checks = _FindingChecks(base, label, rejected, unusable)
    seen: dict[str, int] = {}
    duplicates: list[Problem] = []
    readable, reason = data_file(data_dir, "findings.csv")
    if readable is None:
        finding_problems.append(file_problem(label, reason, sources))
        unusable.add("findings.csv")
    else:
        text, controls = _open_text(readable, label, finding_problems)
        defaults = None if (data_dir / "sources.csv").exists() else LEGACY_DEFAULTS.get("findings.csv")
        spec = vocabulary.files()["findings.csv"]
        rejected_findings = rejected.setdefault("findings.csv", set())
        with text as handle:
            before = len(finding_problems)
            for line, f in iter_rows(
                label, handle, spec, finding_problems, "finding_id", rejected_findings, controls, defaults
            ):
                fid = f["finding_id"]
                first = seen.get(fid)
                if first is not None:  # reported after the file's cell problems
                    message = f"duplicate id (first used on line {first})"
                    duplicates.append(Problem(label, line, "finding_id", fid, "a unique id", message))
                    continue
                ok = checks.check(len(seen), line, f)
                seen[fid] = line
                if ok and valid and not finding_problems and not duplicates:
                    for consumer in active:
                        consumer.finding(f)
            if not seen and len(finding_problems) > before:
                unusable.add("findings.csv")
            finding_problems.extend(duplicates)

    ordered = [p for name in sources for p in problems.get(name, [])]
    ordered += protocol_problems + checks.ordered(seen) + entity_problems
    if ordered:
        ids: dict[str, Collection[str]] = {
            "sources.csv": base.sources,
            "studies.csv": base.studies,
            "protocols.csv": base.protocols,
            "entities.csv": base.entities,
        }
        raise DataValidationError(finish_problems(data_dir, sources, ids, rejected, unusable, ordered))
    counts = {**base.counts(), "findings": len(seen)}
    seen.clear()  # a million ids: freed before the consumers assemble what they hold
    version = data_version(data_dir, layers)
    release = release_name(data_dir, version)
    for consumer in active:
        consumer.finish(version, release)
    return StreamResult(counts=counts, version=version, release=release)


def declared_vocabulary(
    parsed: dict[str, dict[str, Any]],
    lines: dict[str, dict[str, int]],
    files: dict[str, dict[str, str]],
    problems: list[Problem],
) -> Vocabulary:
    """The built-in lists extended by the rows of ``vocabulary.csv`` just read (their problems added)."""
    terms: dict[str, Term] = parsed.get("vocabulary.csv", {})
    where = {t: (files["vocabulary.csv"][t], lines["vocabulary.csv"][t]) for t in terms}
    return build_vocabulary(terms, where, problems)


def _rule_message(value: str, what: str) -> str:
    return f"value {value!r} is not allowed for {what}" if value else f"required for {what}"


def _source_rules(source: Source) -> list[tuple[str, str, str]]:
    """What a source of its kind lacks or should not have, as (column, value, what is allowed)."""
    found: list[tuple[str, str, str]] = []
    if source.kind == "review":
        for column in ("doi", "licence"):
            if getattr(source, column) is None:
                found.append((column, "", "a value (required for a review)"))
        for column in ("curator", "date"):
            if getattr(source, column) is not None:
                found.append((column, str(getattr(source, column)), "empty for a review (curation batches only)"))
    else:
        for column in ("curator", "date"):
            if getattr(source, column) is None:
                found.append((column, "", "a value (required for a curation batch)"))
        if source.tables:
            found.append(("tables", "|".join(source.tables), "empty for a curation batch (reviews only)"))
        if source.refs is not None:
            found.append(("refs", "-".join(map(str, source.refs)), "empty for a curation batch (reviews only)"))
    return found


def _study_rules(study: Study, source: Source) -> list[tuple[str, str, str]]:
    """The rules that hold for a study because of its source, as (column, value, what is allowed)."""
    found: list[tuple[str, str, str]] = []
    if source.kind != "review":
        for column in ("review_ref", "review_table"):
            value = getattr(study, column)
            if value is not None:
                found.append((column, str(value), "empty for a study from a curation batch"))
        return found
    if study.review_ref is None:
        found.append(("review_ref", "", "the study's reference number in the review"))
    elif source.refs is not None and not source.refs[0] <= study.review_ref <= source.refs[1]:
        found.append(("review_ref", str(study.review_ref), f"a reference number {source.refs[0]}-{source.refs[1]}"))
    if source.tables:
        if study.review_table is None:
            found.append(("review_table", "", "one of " + ", ".join(source.tables)))
        elif study.review_table not in source.tables:
            found.append(("review_table", study.review_table, ", ".join(source.tables)))
    return found


def _check_references(
    base: EvidenceBase,
    lines: dict[str, dict[str, int]],
    files: dict[str, dict[str, str]],
    problems: list[Problem],
    rejected: dict[str, set[str]],
    unusable: set[str],
) -> None:
    """Check the files against each other (unknown ids, mismatched techniques, unit without value ...)."""

    def where(name: str, ident: str) -> tuple[str, int | None]:
        return files.get(name, {}).get(ident, name), lines.get(name, {}).get(ident)

    def unknown(name: str, ident: str, column: str, value: str, allowed_from: str) -> None:
        if allowed_from in unusable or value in rejected.get(allowed_from, set()):
            return  # already reported where the row or file itself is broken
        file, line = where(name, ident)
        problems.append(Problem(file, line, column, value, f"an id defined in {allowed_from}", f"unknown id {value!r}"))

    for source_id, source in base.sources.items():
        file, line = where("sources.csv", source_id)
        for column, value, needed in _source_rules(source):
            problems.append(Problem(file, line, column, value, needed, _rule_message(value, f"kind {source.kind!r}")))
    for sid, s in base.studies.items():
        origin = base.sources.get(s.source_id)
        if origin is None:
            if base.sources:
                unknown("studies.csv", sid, "source_id", s.source_id, "sources.csv")
            continue
        file, line = where("studies.csv", sid)
        for column, value, needed in _study_rules(s, origin):
            problems.append(
                Problem(file, line, column, value, needed, _rule_message(value, f"source {origin.source_id!r}"))
            )

    for pid, p in base.protocols.items():
        study = base.studies.get(p.study_id)
        if study is None:
            unknown("protocols.csv", pid, "study_id", p.study_id, "studies.csv")
        elif p.technique not in study.techniques and not any(
            p.technique in {t.label for t in vocabulary_of(base).descendants(s)} for s in study.techniques
        ):
            file, line = where("protocols.csv", pid)
            problems.append(
                Problem(
                    file,
                    line,
                    "technique",
                    p.technique,
                    "one of the study's techniques (or a narrower one): " + ", ".join(study.techniques),
                )
            )
        if (p.intensity is None) != (p.intensity_unit is None):
            file, line = where("protocols.csv", pid)
            problems.append(
                Problem(
                    file,
                    line,
                    "intensity_unit",
                    p.intensity_unit or "",
                    ", ".join(vocab.INTENSITY_UNITS) + " together with an intensity",
                    "intensity and intensity_unit go together",
                )
            )
    names: dict[str, str] = {}
    for eid, e in base.entities.items():
        clashed: set[str] = set()  # one problem per clashing name, whatever its spellings in this row
        for column, name in (("label", e.label), *(("synonyms", n) for n in e.synonyms), ("id", eid)):
            key = name.casefold()
            previous = names.get(key)
            if previous is not None and previous != eid and key not in clashed:
                clashed.add(key)
                file, line = where("entities.csv", eid)
                problems.append(
                    Problem(
                        file,
                        line,
                        column,
                        name,
                        "a name used by one entity only",
                        f"the name {name!r} is also a name of {previous!r}",
                    )
                )
            names.setdefault(key, eid)
    for lid, link in base.links.items():
        for column, value in (("source_id", link.source_id), ("target_id", link.target_id)):
            if value not in base.entities:
                unknown("pathways.csv", lid, column, value, "entities.csv")
        if link.source_id == link.target_id:
            file, line = where("pathways.csv", lid)
            problems.append(
                Problem(
                    file,
                    line,
                    "target_id",
                    link.target_id,
                    "an entity other than the source",
                    "a link from an entity to itself",
                )
            )


#: The columns that name a row of another file, per file (checked again on rows rejected for another cell).
_REFERENCES: dict[str, tuple[tuple[str, str], ...]] = {
    "studies.csv": (("source_id", "sources.csv"),),
    "protocols.csv": (("study_id", "studies.csv"),),
    "findings.csv": (("study_id", "studies.csv"), ("protocol_id", "protocols.csv"), ("target_id", "entities.csv")),
    "pathways.csv": (("source_id", "entities.csv"), ("target_id", "entities.csv")),
}
_SUGGEST_AMONG = 100_000  # ids beyond this many are not searched for a close match (an error path stays quick)


def finish_problems(
    data_dir: Path,
    sources: Mapping[str, str],
    ids: Mapping[str, Collection[str]],
    rejected: Mapping[str, set[str]],
    unusable: set[str],
    problems: list[Problem],
) -> list[Problem]:
    """Complete a list of problems so that one run reports them all, each with a close match where there is one.

    A row rejected for one bad cell never reaches the checks across files; its references (``protocol_id``,
    ``target_id`` ...) are checked here from its raw cells, so that an unknown id does not wait for a second run.
    Unknown ids and values outside a vocabulary get ``did you mean ...?``. Both validators (this module's and the
    streaming one) call this with the ids they read, so they report the same problems.

    >>> p = Problem("findings.csv", 2, "direction", "increasd", "increased, decreased, unchanged")
    >>> print(finish_problems(Path("."), {"findings.csv": "findings.csv"}, {}, {}, set(), [p])[0])
    findings.csv:2: column 'direction': value 'increasd' is not allowed, did you mean 'increased'?; allowed: \
increased, decreased, unchanged
    """
    found = list(problems)
    for name, spec_name in sources.items():
        if spec_name in _REFERENCES and spec_name not in unusable:
            found += _references_of_rejected_rows(data_dir / name, spec_name, ids, rejected, unusable, problems)
    spec_of = {str(data_dir / name): spec_name for name, spec_name in sources.items()}
    return [_suggest(p, spec_of, ids) for p in found]


def _references_of_rejected_rows(
    path: Path,
    spec_name: str,
    ids: Mapping[str, Collection[str]],
    rejected: Mapping[str, set[str]],
    unusable: set[str],
    problems: list[Problem],
) -> list[Problem]:
    label = str(path)
    bad_cells = {(p.line, p.column) for p in problems if p.file == label and p.line and p.line > 1 and p.column}
    if not bad_cells:
        return []
    content, _ = read_data_file(path.parent, path.name)  # refused files were reported already
    if content is None:
        return []
    bad_lines = {line for line, _ in bad_cells}
    raw = content.removeprefix(b"\xef\xbb\xbf")
    reader = csv.reader(io.StringIO(raw.decode("utf-8", errors="replace"), newline=""), strict=True)
    found: list[Problem] = []
    try:
        header = [h.strip() for h in next(reader)]
        last_line = 1
        for cells in reader:
            line, last_line = last_line + 1, reader.line_num
            if line not in bad_lines or len(cells) != len(header):
                continue
            row = dict(zip(header, (c.strip() for c in cells), strict=True))
            for column, target in _REFERENCES[spec_name]:
                value = row.get(column, "")
                if not value or (line, column) in bad_cells or target in unusable:
                    continue
                if value not in ids.get(target, ()) and value not in rejected.get(target, set()):
                    message = f"unknown id {value!r}"
                    found.append(Problem(label, line, column, value, f"an id defined in {target}", message))
    except (StopIteration, csv.Error):
        pass  # the file's own problems already say why it cannot be read further
    return found


def _close(value: str, options: Collection[str]) -> str | None:
    """The option ``value`` most likely meant: the same up to case, else a close spelling (a CURIE: same prefix)."""
    if not value or not options or len(options) > _SUGGEST_AMONG:
        return None
    folded = {o.casefold(): o for o in options}
    if value.casefold() in folded:
        return folded[value.casefold()]
    prefix, colon, local = value.casefold().rpartition(":")
    if colon:  # compare the local parts of the CURIEs with the same prefix: HGNC:99999 is not "close" to HGNC:3942
        same = {o.rpartition(":")[2]: o for o in folded if o.rpartition(":")[0] == prefix}
        match = difflib.get_close_matches(local, list(same), n=1, cutoff=0.75)
        return folded[same[match[0]]] if match else None
    match = difflib.get_close_matches(value.casefold(), list(folded), n=1, cutoff=0.6)
    return folded[match[0]] if match else None


def _suggest(problem: Problem, spec_of: Mapping[str, str], ids: Mapping[str, Collection[str]]) -> Problem:
    """``problem`` with ``did you mean ...?`` when an unknown id or a vocabulary value has a close match."""
    if problem.value is None or problem.column is None:
        return problem
    prefix = "an id defined in "
    if problem.message.startswith("unknown id ") and problem.allowed.startswith(prefix):
        close = _close(problem.value, ids.get(problem.allowed[len(prefix) :], ()))
        if close is not None and close != problem.value:
            return replace(problem, message=f"{problem.message}, did you mean {close!r}?")
        return problem
    spec = FILES.get(spec_of.get(problem.file, ""), {})
    column = spec.get(problem.column)
    if problem.message or column is None:
        return problem
    options = choices_of(column)
    if column.is_list and options:  # "IHC;ELISA", "IHC, ELISA": the values are right, the separator is not
        parts = [x.strip() for x in re.split(r"[;,/]", problem.value)]
        fixed = [_close(x, options) for x in parts]
        if len(parts) > 1 and all(fixed):
            guess = "|".join(str(x) for x in fixed)
            return replace(problem, message=f"value {problem.value!r} is not allowed, did you mean {guess!r}?")
    items = problem.value.split("|") if column.is_list else [problem.value]
    wrong = [item.strip() for item in items if item.strip() not in options]
    guesses = [c for c in (_close(item, options) for item in wrong) if c is not None]
    if not options or not wrong or len(guesses) != len(wrong):
        return problem
    guess = " | ".join(guesses)
    return replace(problem, message=f"value {problem.value!r} is not allowed, did you mean {guess!r}?")
