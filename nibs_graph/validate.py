"""Read and validate an evidence base folder: the one reader of nibs-graph.

:func:`stream_rows` checks every file against :mod:`nibs_graph.schema` (one row loop, :func:`iter_rows`) and the
files against each other (:mod:`nibs_graph.crosscheck`), holding the small files as records and reading
``findings.csv`` one row at a time; it collects every problem (file, line, column, value, what is allowed) and
raises one :class:`~nibs_graph.errors.DataValidationError`, or hands the valid rows to its consumers (the
projection builder, the N-Triples writer). :func:`read_evidence_base` is the consumer that keeps every row as a
record. Nothing here writes anything.

>>> from nibs_graph.paths import default_data_dir
>>> base = read_evidence_base(default_data_dir())
>>> base.studies["baek2018"].review_ref
42
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
from collections import Counter
from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import IO, Any
from typing import Protocol as _Protocol

from . import vocab
from .crosscheck import FindingChecks, check_references, finish_problems
from .datafile import CONTROL_CHARACTERS, control_problem, data_file, read_data_file
from .errors import DataValidationError, Problem
from .extensions import BUILTIN, Vocabulary, build_vocabulary
from .records import Entity, EvidenceBase, Finding, Link, Protocol, Source, Study, Term
from .release import release_name
from .schema import FILES, LEGACY_DEFAULTS, REQUIRED_FILES, Column

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
    check_references(small, lines, files, protocol_problems, rejected, unusable)
    entity_problems: list[Problem] = []
    check_references(
        EvidenceBase(entities=base.entities, links=base.links), lines, files, entity_problems, rejected, unusable
    )
    valid = not any(problems.values()) and not protocol_problems and not entity_problems
    if valid:
        for consumer in active:
            consumer.begin(base)

    label = str(data_dir / "findings.csv")
    finding_problems = problems.setdefault("findings.csv", [])
    checks = FindingChecks(base, label, rejected, unusable)
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
