"""The checks of an evidence base's files against each other, and the finishing of its problem list.

:func:`check_references` checks the small files (sources, studies, protocols, entities, links) once they are read;
:class:`FindingChecks` checks each ``findings.csv`` row against them as it streams; :func:`finish_problems` adds
the references of rows rejected for another cell and ``did you mean ...?`` to every problem. Used by the one
reader, :func:`nibs_graph.validate.stream_rows`.
"""

from __future__ import annotations

import csv
import difflib
import io
import re
from collections.abc import Collection, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from . import vocab
from .datafile import read_data_file
from .errors import Problem
from .extensions import vocabulary_of
from .records import EvidenceBase, Source, Study
from .regions import UBERON_CURIE
from .schema import FILES, choices_of

__all__ = ["REGION_ALLOWED", "FindingChecks", "check_references", "finish_problems"]

#: What ``region_id`` allows.
REGION_ALLOWED = "an UBERON: CURIE (UBERON: and 7 digits, e.g. UBERON:0002421)"


class FindingChecks:
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


def check_references(
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
