"""What changed between two versions of an evidence base: the records, and the answers built on them.

:func:`diff_bases` compares two validated evidence base folders record by record (sources, studies, protocols,
findings, entities, links: added, removed, changed field by field) and then asks both graphs the same questions
with the same queries the CLI uses: the paths from every technique to the review's named molecules
(:data:`TARGETS`), with all evidence and with human evidence only; the hub ranking; the contradictions; the
translational-gap status of every stimulation link. Only what differs is reported.

:func:`resolve_version` turns a folder or a git revision into a folder to compare: a revision's data folder is read
with ``git show`` into a temporary folder (file contents only; nothing from the revision is run).

>>> from nibs_graph.paths import default_data_dir
>>> diff_bases(default_data_dir(), default_data_dir()).is_empty()
True
"""

from __future__ import annotations

import subprocess
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from .errors import NibsGraphError, UnknownNameError
from .extensions import vocabulary_of
from .schema import FILES

__all__ = [
    "TARGETS",
    "ContradictionChange",
    "Diff",
    "FieldChange",
    "GapChange",
    "HubChange",
    "PathChange",
    "RecordChange",
    "cell",
    "diff_bases",
    "resolve_version",
    "sides_delta",
    "sides_text",
]

#: The molecules the review names, whose paths from every technique the diff compares.
TARGETS: tuple[str, ...] = ("BDNF", "TrkB", "ERK1/2", "NMDAR", "GABA", "mTOR", "CREB")
#: Record kinds in report order: (kind, attribute of EvidenceBase, file).
KINDS: tuple[tuple[str, str, str], ...] = (
    ("term", "vocabulary", "vocabulary.csv"),
    ("source", "sources", "sources.csv"),
    ("study", "studies", "studies.csv"),
    ("protocol", "protocols", "protocols.csv"),
    ("finding", "findings", "findings.csv"),
    ("entity", "entities", "entities.csv"),
    ("link", "links", "pathways.csv"),
)
_MAX_HOPS = 4
_ALL_PATHS = 1_000_000
#: Files read from a git revision (every CSV of the layout, the optional layers, the release record).
_REVISION_FILES = (*FILES, "releases.csv", "optional/signor_pathways.csv")  # FILES includes vocabulary.csv


@dataclass(frozen=True)
class FieldChange:
    """One field of a record that differs, with both values as the CSV cell writes them (``None``: empty)."""

    field: str
    old: str | None
    new: str | None


def cell(value: Any) -> str | None:
    """A record value as its CSV cell: lists joined with ``|``, ranges ``low-high``, numbers as written.

    >>> cell(("rat", "mouse")), cell((42, 71)), cell((250.0, 250.0)), cell(0.5), cell(None)
    ('rat|mouse', '42-71', '250', '0.5', None)
    """
    if value is None or value == ():
        return None
    if isinstance(value, tuple):
        if len(value) == 2 and all(isinstance(v, int | float) for v in value):
            low, high = (_number(v) for v in value)
            return low if low == high else f"{low}-{high}"
        return "|".join(str(v) for v in value)
    if isinstance(value, float):
        return _number(value)
    return str(value)


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


@dataclass(frozen=True)
class RecordChange:
    """A record added, removed or changed (with the fields that changed)."""

    kind: str
    id: str
    status: str  # added, removed, changed
    label: str
    fields: tuple[FieldChange, ...] = ()


@dataclass(frozen=True)
class PathChange:
    """A path from a technique to a named molecule that one version has and the other has not (or judges apart)."""

    evidence: str  # "all" or "human"
    technique: str
    target: str
    status: str  # gained, lost, changed
    nodes: tuple[str, ...]  # labels
    relations: tuple[str, ...]
    old: str | None  # "sign +, consistent" in the old version, None when absent
    new: str | None


@dataclass(frozen=True)
class HubChange:
    """An entity whose hub rank moved (``None``: not ranked in that version)."""

    entity: str
    label: str
    old_rank: int | None
    new_rank: int | None
    old_techniques: int
    new_techniques: int


@dataclass(frozen=True)
class ContradictionChange:
    """A contradiction that appeared, resolved, or changed its findings."""

    target: str
    family: str
    status: str  # appeared, resolved, changed
    old_kind: str | None  # opposite (up vs down) or null (change vs no change); None when absent
    new_kind: str | None
    old_sides: dict[str, tuple[str, ...]]  # direction → finding ids
    new_sides: dict[str, tuple[str, ...]]

    def findings_text(self) -> str:
        """The findings as a line: the sides of one that appeared or resolved, what moved in one that changed."""
        if self.status == "changed":
            return sides_delta(self.old_sides, self.new_sides)
        return sides_text(self.new_sides or self.old_sides)

    def kinds_text(self) -> str:
        """``null → opposite``, ``none → opposite`` ..."""
        return f"{self.old_kind or 'none'} → {self.new_kind or 'none'}"


@dataclass(frozen=True)
class GapChange:
    """A stimulation link whose translational status changed (``None``: the link is absent in that version)."""

    technique: str
    entity: str
    old_status: str | None
    new_status: str | None
    old_studies: tuple[str, ...]
    new_studies: tuple[str, ...]


@dataclass
class Diff:
    """The difference between two evidence bases (see :func:`diff_bases`)."""

    old: dict[str, Any]
    new: dict[str, Any]
    records: list[RecordChange] = field(default_factory=list)
    paths: list[PathChange] = field(default_factory=list)
    hubs: list[HubChange] = field(default_factory=list)
    contradictions: list[ContradictionChange] = field(default_factory=list)
    gaps: list[GapChange] = field(default_factory=list)

    def is_empty(self) -> bool:
        """True when neither the records nor the answers differ."""
        return not (self.records or self.paths or self.hubs or self.contradictions or self.gaps)

    def summary(self) -> dict[str, dict[str, int]]:
        """Counts of record changes per kind and status, and of answer changes per section."""
        records: dict[str, dict[str, int]] = {}
        for change in self.records:
            bucket = records.setdefault(change.kind, {"added": 0, "removed": 0, "changed": 0})
            bucket[change.status] += 1
        answers = {
            "paths": _count(c.status for c in self.paths),
            "hubs": {"moved": len(self.hubs)},
            "contradictions": _count(c.status for c in self.contradictions),
            "gaps": {"changed": len(self.gaps)},
        }
        return {**records, **answers}

    def to_dict(self) -> dict[str, Any]:
        """The documented JSON shape (``docs/json.md``)."""
        return {
            "old": self.old,
            "new": self.new,
            "summary": self.summary(),
            "records": [_record_dict(c) for c in self.records],
            "paths": [asdict(c) for c in self.paths],
            "hubs": [asdict(c) for c in self.hubs],
            "contradictions": [asdict(c) for c in self.contradictions],
            "gaps": [asdict(c) for c in self.gaps],
        }

    def to_markdown(self) -> str:
        """A report a curator can paste into ``data/CHANGELOG.md`` or a pull request."""
        lines = [f"### Changes from {_name(self.old)} to {_name(self.new)}", ""]
        if self.is_empty():
            return "\n".join([*lines, "No differences.", ""])
        if self.records:
            lines += ["#### Records", ""]
            for change in self.records:
                lines.append(f"- {change.status} {change.kind} `{change.id}` ({_md(change.label)})")
                lines += [f"  - `{f.field}`: {_md(_show(f.old))} → {_md(_show(f.new))}" for f in change.fields]
            lines.append("")
        if self.paths:
            lines += [f"#### Paths from each technique to {', '.join(TARGETS)} (up to {_MAX_HOPS} hops)", ""]
            for p in self.paths:
                judged = f" ({p.new or p.old})" if p.status != "changed" else f" ({p.old} → {p.new})"
                scope = " [human evidence]" if p.evidence == "human" else ""
                lines.append(f"- {p.status}{scope}: {_md(_path_text(p))}{judged}")
            lines.append("")
        if self.hubs:
            lines += ["#### Hub ranks", ""]
            lines += [
                f"- {_md(h.label)}: {_rank(h.old_rank)} → {_rank(h.new_rank)} "
                f"(techniques {h.old_techniques} → {h.new_techniques})"
                for h in self.hubs
            ]
            lines.append("")
        if self.contradictions:
            lines += ["#### Contradictions", ""]
            lines += [
                f"- {c.status}: {_md(c.target)} within {_md(c.family)}, {c.kinds_text()} ({_md(c.findings_text())})"
                for c in self.contradictions
            ]
            lines.append("")
        if self.gaps:
            lines += ["#### Translational gaps", ""]
            lines += [
                f"- {_md(g.technique)} → {_md(g.entity)}: {g.old_status or 'no link'} → {g.new_status or 'no link'}"
                for g in self.gaps
            ]
            lines.append("")
        return "\n".join(lines)


def sides_text(sides: dict[str, tuple[str, ...]]) -> str:
    """The findings of a contradiction by direction, e.g. ``↑ a, b; ↓ c`` (``–`` when there is none).

    >>> sides_text({"increased": ("a", "b"), "decreased": ("c",)})
    '↑ a, b; ↓ c'
    """
    arrows = {"increased": "↑", "decreased": "↓", "unchanged": "="}
    return "; ".join(f"{arrows.get(d, d)} {', '.join(ids)}" for d, ids in sides.items()) or "–"


def sides_delta(old: dict[str, tuple[str, ...]], new: dict[str, tuple[str, ...]]) -> str:
    """The findings that joined (+) or left (−) each side of a contradiction.

    >>> sides_delta({"increased": ("a", "b")}, {"increased": ("a",), "decreased": ("b",)})
    '↑ −b; ↓ +b'
    """
    arrows = {"increased": "↑", "decreased": "↓", "unchanged": "="}
    parts = []
    for d in ("increased", "decreased", "unchanged"):
        before, after = set(old.get(d, ())), set(new.get(d, ()))
        moved = [f"+{i}" for i in sorted(after - before)] + [f"−{i}" for i in sorted(before - after)]
        if moved:
            parts.append(f"{arrows[d]} {', '.join(moved)}")
    return "; ".join(parts) or "–"


def _count(statuses: Iterable[str]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for status in statuses:
        counts[status] = counts.get(status, 0) + 1
    return counts


def _record_dict(change: RecordChange) -> dict[str, Any]:
    return {
        "kind": change.kind,
        "id": change.id,
        "status": change.status,
        "label": change.label,
        "fields": [{"field": f.field, "old": f.old, "new": f.new} for f in change.fields],
    }


def _name(side: dict[str, Any]) -> str:
    release = f" (release {side['release']})" if side.get("release") else ""
    return f"{side['label']}, data version {side['data_version']}{release}"


def _md(text: Any) -> str:
    """Text safe inside a Markdown list item (no line breaks, no table or emphasis syntax)."""
    value = str(text).replace("\r", " ").replace("\n", " ")
    for char in ("\\", "`", "*", "_", "|", "<", ">", "[", "]"):
        value = value.replace(char, "\\" + char)
    return value


def _show(value: str | None) -> str:
    return "(empty)" if value is None else value


def _rank(rank: int | None) -> str:
    return "not ranked" if rank is None else f"#{rank}"


def _path_text(p: PathChange) -> str:
    parts = [p.nodes[0]]
    for relation, node in zip(p.relations, p.nodes[1:], strict=True):
        parts.append(f"—{relation}→ {node}")
    return " ".join(parts)


# ------------------------------------------------------------------------------------------------ records


def _label(kind: str, record: Any) -> str:
    if kind == "term":
        return f"{record.list} {record.term}"
    if kind == "source":
        return str(record.citation)
    if kind == "study":
        return str(record.citation)
    if kind == "protocol":
        return f"{record.technique}, {record.study_id}"
    if kind == "finding":
        return f"{record.technique} {record.direction} {record.target_label}"
    if kind == "entity":
        return str(record.label)
    return f"{record.source_id} {record.relation} {record.target_id}"


def _records_of(base: Any, attr: str) -> dict[str, Any]:
    if attr == "vocabulary":  # the terms vocabulary.csv adds
        return {f"{t.list}:{t.term}": t for t in vocabulary_of(base).added}
    return dict(getattr(base, attr))


def _record_changes(old: Any, new: Any) -> list[RecordChange]:
    changes: list[RecordChange] = []
    for kind, attr, _file in KINDS:
        before: dict[str, Any] = _records_of(old, attr)
        after: dict[str, Any] = _records_of(new, attr)
        for ident in sorted(before.keys() | after.keys()):
            a, b = before.get(ident), after.get(ident)
            if a is None:
                changes.append(RecordChange(kind, ident, "added", _label(kind, b)))
            elif b is None:
                changes.append(RecordChange(kind, ident, "removed", _label(kind, a)))
            elif a != b:
                differing = tuple(
                    FieldChange(f.name, cell(getattr(a, f.name)), cell(getattr(b, f.name)))
                    for f in fields(a)
                    if getattr(a, f.name) != getattr(b, f.name)
                )
                changes.append(RecordChange(kind, ident, "changed", _label(kind, b), differing))
    return changes


# ------------------------------------------------------------------------------------------------ answers


def _path_index(G: Any, setting: str | None) -> dict[tuple[Any, ...], tuple[tuple[str, ...], str]]:
    """Every path from a technique to a named molecule: (technique, target, node ids, relations) → (labels, judged)."""
    from .queries.paths import paths
    from .resolve import resolve

    index: dict[tuple[Any, ...], tuple[tuple[str, ...], str]] = {}
    roots = [n for n, a in G.nodes.items() if a.get("type") == "technique" and not _has_parent_technique(G, n)]
    for name in TARGETS:
        try:
            target = resolve(G, name)
        except UnknownNameError:
            continue  # a base without this molecule has no path to it
        for root in roots:
            result = paths(G, root, target, max_hops=_MAX_HOPS, setting=setting, max_paths=_ALL_PATHS, time_limit=120.0)
            if result.truncated:
                raise NibsGraphError(f"the paths to {name} could not all be enumerated ({result.reason})")
            for p in result.paths:
                key = (p.nodes[0], name, tuple(p.nodes), tuple(h.relation for h in p.hops))
                labels = tuple(str(G.nodes[n].get("label", n)) for n in p.nodes)
                sign = {1: "+", -1: "−", 0: "0", None: "?"}[p.sign]
                index[key] = (labels, f"sign {sign}, {p.consistency}")
    return index


def _has_parent_technique(G: Any, node: str) -> bool:
    return any("subclass_of" in keys for keys in G.succ.get(node, {}).values())


def _path_changes(old: Any, new: Any) -> list[PathChange]:
    changes: list[PathChange] = []
    for evidence, setting in (("all", None), ("human", "human")):
        before, after = _path_index(old, setting), _path_index(new, setting)
        for key in sorted(before.keys() | after.keys(), key=_path_sort_key):
            _technique, target, _nodes, relations = key
            a, b = before.get(key), after.get(key)
            if a is not None and b is not None and a[1] == b[1]:
                continue
            labels = (b or a)[0]  # type: ignore[index]
            status = "gained" if a is None else "lost" if b is None else "changed"
            changes.append(
                PathChange(
                    evidence,
                    labels[0],
                    target,
                    status,
                    labels,
                    relations,
                    a[1] if a else None,
                    b[1] if b else None,
                )
            )
    return changes


def _path_sort_key(key: tuple[Any, ...]) -> tuple[Any, ...]:
    technique, target, nodes, relations = key
    return (TARGETS.index(target), technique, len(nodes), nodes, relations)


def _hub_changes(old: Any, new: Any) -> list[HubChange]:
    from .queries.hubs import hubs

    def ranks(G: Any) -> dict[str, tuple[int, str, int]]:
        return {h.id: (i, h.label, len(h.techniques)) for i, h in enumerate(hubs(G), start=1)}

    before, after = ranks(old), ranks(new)
    changes = []
    for node in before.keys() | after.keys():
        a, b = before.get(node), after.get(node)
        if a is not None and b is not None and a[0] == b[0]:
            continue
        label = (b or a)[1]  # type: ignore[index]
        changes.append(
            HubChange(node, label, a[0] if a else None, b[0] if b else None, a[2] if a else 0, b[2] if b else 0)
        )
    changes.sort(key=lambda h: (min(r for r in (h.old_rank, h.new_rank) if r is not None), h.label))
    return changes


def _contradiction_changes(old: Any, new: Any) -> list[ContradictionChange]:
    from .queries.contradictions import contradictions

    def index(G: Any) -> dict[tuple[str, str], tuple[str, str, dict[str, tuple[str, ...]]]]:
        found = {}
        for c in contradictions(G):
            sides = {
                d: tuple(sorted(r["finding_id"] for r in c.sides[d]))
                for d in ("increased", "decreased", "unchanged")
                if c.sides.get(d)
            }
            found[(c.target, c.family)] = (str(G.nodes[c.target].get("label", c.target)), c.kind, sides)
        return found

    before, after = index(old), index(new)
    changes = []
    for key in sorted(before.keys() | after.keys()):
        a, b = before.get(key), after.get(key)
        if a == b:
            continue
        status = "appeared" if a is None else "resolved" if b is None else "changed"
        label = (b or a)[0]  # type: ignore[index]
        changes.append(
            ContradictionChange(
                label,
                key[1],
                status,
                a[1] if a else None,
                b[1] if b else None,
                a[2] if a else {},
                b[2] if b else {},
            )
        )
    return changes


def _gap_changes(old: Any, new: Any) -> list[GapChange]:
    from .queries.gaps import translational_gaps

    def index(G: Any) -> dict[tuple[str, str], Any]:
        return {(g.technique, g.entity): g for g in translational_gaps(G)}

    before, after = index(old), index(new)
    changes = []
    for key in sorted(before.keys() | after.keys()):
        a, b = before.get(key), after.get(key)
        if a is not None and b is not None and a.status == b.status:
            continue
        changes.append(
            GapChange(
                key[0],
                key[1],
                a.status if a else None,
                b.status if b else None,
                a.studies if a else (),
                b.studies if b else (),
            )
        )
    return changes


# ------------------------------------------------------------------------------------------------ entry points


def diff_bases(
    old: Path | str, new: Path | str, *, layers: Iterable[str] = (), labels: tuple[str, str] = ("", "")
) -> Diff:
    """Compare two evidence base folders: their records, then the answers built on them.

    Parameters
    ----------
    old, new:
        Evidence base folders (each is validated; a :class:`~nibs_graph.errors.DataValidationError` names the
        folder's problems).
    layers:
        Optional signalling layers added to both (``"signor"``).
    labels:
        How the report names the two versions (default: the folders).

    Returns
    -------
    Diff
        Records added, removed and changed (field by field), and the changes of paths, hub ranks,
        contradictions and translational-gap statuses.
    """
    from .api import load_graph
    from .validate import read_evidence_base

    layers = tuple(layers)
    sides = []
    graphs = []
    for folder, label in zip((Path(old), Path(new)), labels, strict=True):
        base = read_evidence_base(folder, layers)
        sides.append(
            {
                "label": label or str(folder),
                "data_version": base.version,
                "release": base.release,
                "counts": base.counts(),
            }
        )
        graphs.append((base, load_graph(folder, layers=layers)))
    (old_base, G_old), (new_base, G_new) = graphs
    diff = Diff(old=sides[0], new=sides[1], records=_record_changes(old_base, new_base))
    if old_base.version == new_base.version:
        return diff
    diff.paths = _path_changes(G_old, G_new)
    diff.hubs = _hub_changes(G_old, G_new)
    diff.contradictions = _contradiction_changes(G_old, G_new)
    diff.gaps = _gap_changes(G_old, G_new)
    return diff


@contextmanager
def resolve_version(spec: str, *, relative_to: Path | None = None) -> Iterator[tuple[Path, str]]:
    """A folder for ``spec``: the folder itself, or the data folder at a git revision (``REV`` or ``REV:PATH``).

    ``REV`` may also be a release name of ``releases.csv`` (``2025.1``) that is not a git revision: the newest
    commit whose data folder has the data version recorded for that release. For a revision, the evidence base
    files of ``PATH`` (default: the path of ``relative_to`` inside its git work tree, else ``data``) at ``REV`` are
    written to a temporary folder with ``git show``, which is removed on exit.
    Nothing from the revision is executed. Yields ``(folder, label)``.

    Raises
    ------
    NibsGraphError
        When ``spec`` is neither a folder nor a revision of the git repository around ``relative_to`` (or the
        current folder), or the revision has no evidence base at that path.
    """
    path = Path(spec)
    if path.is_dir():
        yield path, spec
        return
    rev, sep, inner = spec.partition(":")
    root, default_inner = _repository(relative_to)
    if root is None:
        raise NibsGraphError(f"{spec!r} is neither a folder nor a git revision (no git repository here)")
    if not sep:
        inner = default_inner
    inner = inner.strip("/") or "."
    commit = _git(root, "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}")
    label = f"{rev}:{inner}"
    if rev and commit is None:  # a release name of releases.csv: the newest commit holding that data version
        commit = _release_commit(root, inner, rev, relative_to)
        label = f"release {rev} ({(commit or '')[:10]}:{inner})"
    if not rev or commit is None:
        raise NibsGraphError(f"{spec!r} is neither a folder, a git revision nor a release of {root}")
    with tempfile.TemporaryDirectory(prefix="nibs-graph-diff-") as tmp:
        folder = Path(tmp)
        if _write_revision(root, commit.strip(), inner, folder) == 0:
            raise NibsGraphError(f"git revision {rev!r} has no evidence base in {inner!r}")
        yield folder, label


def _write_revision(root: Path, commit: str, inner: str, folder: Path) -> int:
    """Write the evidence base files of ``inner`` at ``commit`` into ``folder`` (with ``git show``); how many."""
    written = 0
    for name in _REVISION_FILES:
        content = _git_bytes(root, "show", f"{commit}:{name if inner == '.' else inner + '/' + name}")
        if content is None:
            continue
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
        written += 1
    return written


def _release_commit(root: Path, inner: str, name: str, relative_to: Path | None) -> str | None:
    """The newest commit whose data folder has the data version ``releases.csv`` records for release ``name``.

    The release record is read from ``relative_to`` (the other folder of the comparison), else from ``inner`` in the
    work tree. Commits that touched ``inner`` are tried newest first (at most 200).
    """
    from .release import releases
    from .validate import data_version

    folder = relative_to if relative_to is not None and relative_to.is_dir() else root / inner
    try:
        wanted = next((r.data_version for r in releases(folder) if r.name == name), None)
    except NibsGraphError:
        return None
    if wanted is None:
        return None
    log = _git(root, "log", "--format=%H", "-n", "200", "--", inner)
    for commit in (log or "").split():
        with tempfile.TemporaryDirectory(prefix="nibs-graph-release-") as tmp:
            if _write_revision(root, commit, inner, Path(tmp)) and data_version(Path(tmp)) == wanted:
                return commit
    return None


def _repository(relative_to: Path | None) -> tuple[Path | None, str]:
    """The git work tree to read revisions from and the data folder's path inside it.

    The work tree around ``relative_to`` (the other folder of the comparison) with that folder's path, else the one
    around the current folder with ``data``.
    """
    if relative_to is not None and relative_to.is_dir():
        anchor = relative_to.resolve()
        top = _git(anchor, "rev-parse", "--show-toplevel")
        if top is not None:
            root = Path(top.strip()).resolve()
            return root, anchor.relative_to(root).as_posix() if anchor != root else "."
    top = _git(Path.cwd(), "rev-parse", "--show-toplevel")
    return (Path(top.strip()), "data") if top is not None else (None, "data")


def _git(cwd: Path, *args: str) -> str | None:
    out = _git_bytes(cwd, *args)
    return None if out is None else out.decode("utf-8", errors="replace")


def _git_bytes(cwd: Path, *args: str) -> bytes | None:
    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=False, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout if done.returncode == 0 else None
