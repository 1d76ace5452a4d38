"""Column specifications of the evidence base's CSV files.

One table per file; :mod:`nibs_graph.validate` checks files against it and ``data/README.md`` documents it.
Each column has a *kind* that parses a cell or says what is allowed:

>>> FILES["findings.csv"]["direction"].parse("increased")
'increased'
>>> FILES["findings.csv"]["direction"].parse("up")
Traceback (most recent call last):
...
ValueError: increased, decreased, unchanged
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from . import vocab
from .namespaces import PREFIXES

__all__ = ["FILES", "REQUIRED_FILES", "Column", "choices_of", "files_for", "parse_number", "reference_numbers"]

Parser = Callable[[str], Any]

_ID = re.compile(r"^[a-z][a-z0-9_-]*$")
_LINK_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")
_CURIE = re.compile(r"^([A-Za-z][A-Za-z0-9_.]*):(\S+)$")
# DOI Handbook 2.2: "10." + registrant code (digits, optionally subdivided by "."), "/", then a suffix of printable
# characters (any Unicode graphic character; whitespace and controls are not printable here).
_DOI = re.compile(r"^10\.[0-9]+(?:\.[0-9]+)*/[^\s\x00-\x1f\x7f-\x9f]+$")
_PMCID = re.compile(r"^PMC\d+$")
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


def _id(value: str) -> str:
    if not _ID.match(value):
        raise ValueError("lower-case letters, digits, '-' and '_', starting with a letter")
    return value


def _link_id(value: str) -> str:
    if not _LINK_ID.match(value):
        raise ValueError("letters, digits, '-' and '_', starting with a letter")
    return value


def _text(value: str) -> str:
    return value


def _integer(value: str) -> int:
    if not value.isdigit():
        raise ValueError("a whole number")
    return int(value)


def parse_number(value: str) -> float:
    """Parse a decimal number written with a point.

    >>> parse_number("0.5")
    0.5
    """
    if not _NUMBER.match(value):
        raise ValueError("a number such as 10 or 0.5")
    return float(value)


def _number_or_range(value: str) -> tuple[float, float]:
    low, sep, high = value.partition("-")
    try:
        lo = parse_number(low)
        hi = parse_number(high) if sep else lo
    except ValueError:
        raise ValueError("a number such as 10 or a range such as 23-25") from None
    if hi < lo:
        raise ValueError("a range written low-high")
    return (lo, hi)


def _curie(value: str) -> str:
    match = _CURIE.match(value)
    if not match or match.group(1) not in PREFIXES:
        raise ValueError("a CURIE with a known prefix (" + ", ".join(sorted(PREFIXES)) + ")")
    return value


def _doi(value: str) -> str:
    """A DOI by the DOI Handbook's syntax (any printable suffix: SICI DOIs with ``<>;()`` are valid).

    >>> _doi("10.1002/(SICI)1097-4636(199706)35:4<503::AID-JBM11>3.0.CO;2-H")
    '10.1002/(SICI)1097-4636(199706)35:4<503::AID-JBM11>3.0.CO;2-H'
    >>> _doi("https://doi.org/10.1/x")
    Traceback (most recent call last):
    ...
    ValueError: the DOI itself (10.<registrant>/<suffix>, as 10.3389/fneur.2018.00050), not a URL or doi: link
    """
    if not _DOI.match(value):
        if value.lower().startswith(("http:", "https:", "doi:")):
            raise ValueError(
                "the DOI itself (10.<registrant>/<suffix>, as 10.3389/fneur.2018.00050), not a URL or doi: link"
            )
        raise ValueError(
            "a DOI: 10.<registrant digits>/<suffix of printable characters, no spaces>, as 10.3389/fneur.2018.00050"
        )
    return value


def _pmcid(value: str) -> str:
    if not _PMCID.match(value):
        raise ValueError("PMC followed by digits")
    return value


@dataclass(frozen=True)
class _Choice:
    """A parser accepting one of ``options`` (kept, so that a typo can be answered with the closest one)."""

    options: tuple[str, ...]

    def __call__(self, value: str) -> str:
        if value not in self.options:
            raise ValueError(", ".join(self.options))
        return value


def _choice(allowed: Iterable[str]) -> Parser:
    return _Choice(tuple(allowed))


def choices_of(column: Column) -> tuple[str, ...]:
    """The values a vocabulary column allows (empty for any other column).

    >>> choices_of(FILES["findings.csv"]["direction"])
    ('increased', 'decreased', 'unchanged')
    """
    if column.parse is _technique:
        return tuple(vocab.TECHNIQUES)
    return column.parse.options if isinstance(column.parse, _Choice) else ()


def _species(value: str) -> str:
    return vocab.species(value)


def _date(value: str) -> str:
    try:
        date.fromisoformat(value)
    except ValueError:
        raise ValueError("a date written YYYY-MM-DD") from None
    if not re.match(r"^\d{4}-\d{2}-\d{2}$", value):
        raise ValueError("a date written YYYY-MM-DD")
    return value


def _integer_range(value: str) -> tuple[int, int]:
    low, sep, high = value.partition("-")
    if not low.isdigit() or (sep and not high.isdigit()):
        raise ValueError("a whole number or a range such as 42-71")
    lo, hi = int(low), int(high) if sep else int(low)
    if hi < lo:
        raise ValueError("a range written low-high")
    return (lo, hi)


def _term(value: str) -> str:
    if "|" in value or value != value.strip() or not value:
        raise ValueError("a name without '|' and without spaces around it")
    return value


_REFERENCE = re.compile(r"^\[\d+(?:[-–]\d+)?(?:,\s*\d+(?:[-–]\d+)?)*\]$")


def _reference(value: str) -> str:
    """Review reference numbers in brackets: ``[50]``, ``[50,59]``, ``[97-99]``."""
    if not _REFERENCE.match(value):
        raise ValueError("review reference numbers in brackets, such as [50] or [50,59,66] or [97-99]")
    return value


def reference_numbers(value: str | None) -> tuple[int, ...]:
    """The reference numbers of a ``reference`` cell, ranges expanded.

    >>> reference_numbers("[50,59,97-99]")
    (50, 59, 97, 98, 99)
    >>> reference_numbers(None)
    ()
    """
    if not value:
        return ()
    numbers: list[int] = []
    for part in value.strip("[]").split(","):
        low, _, high = part.strip().replace("–", "-").partition("-")
        numbers.extend(range(int(low), int(high or low) + 1))
    return tuple(numbers)


def _technique(value: str) -> str:
    if value not in vocab.TECHNIQUES:
        raise ValueError(", ".join(vocab.TECHNIQUES))
    return value


@dataclass(frozen=True)
class Column:
    """One column of a CSV file."""

    name: str
    required: bool
    parse: Parser
    is_list: bool = False
    description: str = ""
    #: The column may be left out of the header (every row then reads as empty): columns added after the first
    #: release, so that an evidence base written before them stays valid.
    header_optional: bool = False

    def read(self, cell: str) -> Any:
        """Parse a cell (already stripped); list columns give a tuple, empty optional cells ``None``/``()``."""
        if not self.is_list:
            return self.parse(cell) if cell else None
        return tuple(self.parse(item.strip()) for item in cell.split("|")) if cell else ()


def _columns(*columns: Column) -> dict[str, Column]:
    return {c.name: c for c in columns}


C = Column
FILES: dict[str, dict[str, Column]] = {
    "sources.csv": _columns(
        C("source_id", True, _id),
        C("kind", True, _choice(vocab.SOURCE_KINDS)),
        C("citation", True, _text),
        C("doi", False, _doi),
        C("licence", False, _text),
        C("tables", False, _text, is_list=True),
        C("refs", False, _integer_range),
        C("curator", False, _text),
        C("date", False, _date),
        C("notes", False, _text),
    ),
    "vocabulary.csv": _columns(
        C("list", True, _choice(("technique", "method", "measure"))),
        C("term", True, _term),
        C("parent", False, _text),
        C("name", False, _text),
        C("definition", True, _text),
        C("synonyms", False, _term, is_list=True),
        C("source", True, _text),
        C("notes", False, _text),
    ),
    "studies.csv": _columns(
        C("study_id", True, _id),
        C("source_id", True, _id),
        C("review_ref", False, _integer),
        C("first_author", True, _text),
        C("year", True, _integer),
        C("title", True, _text),
        C("journal", True, _text),
        C("volume", False, _text),
        C("pages", False, _text),
        C("doi", False, _doi),
        C("doi_status", True, _choice(("verified", "unverified", "unknown"))),
        C("pmid", False, _integer),
        C("pmcid", False, _pmcid),
        C("review_table", False, _text),
        C("techniques", True, _technique, is_list=True),
        C("model", True, _text),
        C("disease_model", False, _text),
        C("species", True, _species, is_list=True),
        C("strain", False, _text, is_list=True),
        C("setting", True, _choice(vocab.SETTINGS), is_list=True),
        C("n_total", False, _integer),
        C("groups", False, _text, is_list=True),
        C("methods", True, _choice(vocab.METHODS), is_list=True),
        C("human_translation", True, _choice(("yes", "no"))),
        C("source", True, _text),
    ),
    "protocols.csv": _columns(
        C("protocol_id", True, _id),
        C("study_id", True, _id),
        C("technique", True, _technique),
        C("arm_label", False, _text),
        C("polarity", False, _choice(vocab.POLARITIES)),
        C("frequency_hz", False, parse_number),
        C("burst_frequency_hz", False, parse_number),
        C("pattern", False, _text),
        C("intensity", False, _number_or_range),
        C("intensity_unit", False, _choice(vocab.INTENSITY_UNITS)),
        C("pulses_per_session", False, _integer),
        C("session_duration_min", False, parse_number),
        C("sessions", False, _integer),
        C("session_spacing", False, _text),
        C("treatment_duration", False, _text),
        C("site", False, _text),
        C("notes", False, _text),
        C("source", True, _text),
    ),
    "findings.csv": _columns(
        C("finding_id", True, _id),
        C("study_id", True, _id),
        C("protocol_id", True, _id),
        C("technique", True, _technique),
        C("target_id", True, _curie),
        C("target_label", True, _text),
        C("direction", True, _choice(vocab.DIRECTIONS)),
        C("measure", True, _choice(vocab.MEASURES)),
        C("comparison", True, _choice(vocab.COMPARISONS)),
        C("time_point", False, _text),
        C("region", False, _text),
        C("region_id", False, _curie),
        C("species", False, _species),
        C("setting", False, _choice(vocab.SETTINGS)),
        C("context", False, _text),
        C("source", True, _text),
        C("conflict", False, _id, is_list=True),
        C("flags", False, _choice(vocab.FLAGS), is_list=True, header_optional=True),
        C("notes", False, _text),
    ),
    "entities.csv": _columns(
        C("id", True, _curie),
        C("label", True, _text),
        C("type", True, _choice(vocab.ENTITY_TYPES)),
        C("synonyms", False, _text, is_list=True),
        C("xrefs", False, _curie, is_list=True),
        C("id_source", True, _text),
        C("notes", False, _text),
    ),
    "pathways.csv": _columns(
        C("link_id", True, _link_id),
        C("source_id", True, _curie),
        C("target_id", True, _curie),
        C("relation", True, _choice(vocab.RELATION_SIGNS)),
        C("layer", True, _choice(vocab.LAYERS)),
        C("basis", True, _choice(vocab.BASES), header_optional=True),
        C("source", True, _text),
        C("reference", False, _reference),
        C("licence", True, _text),
        C("flags", False, _choice(vocab.FLAGS), is_list=True, header_optional=True),
        C("notes", False, _text),
    ),
}

#: Files every evidence base must have (``optional/*.csv`` layers are read only when asked for). ``sources.csv``
#: may be absent from a folder made before it existed: its studies then all come from the review
#: (:data:`nibs_graph.validate.DEFAULT_SOURCE`).
REQUIRED_FILES: tuple[str, ...] = tuple(name for name in FILES if name not in {"sources.csv", "vocabulary.csv"})


def files_for(
    techniques: Iterable[str], methods: Iterable[str], measures: Iterable[str]
) -> dict[str, dict[str, Column]]:
    """The column specifications with the technique, method and measure columns taking these lists.

    What an evidence base with a ``vocabulary.csv`` is checked against (:mod:`nibs_graph.extensions`).

    >>> spec = files_for([*vocab.TECHNIQUES, "tRNS"], vocab.METHODS, vocab.MEASURES)
    >>> spec["protocols.csv"]["technique"].parse("tRNS"), FILES["protocols.csv"]["technique"].parse("iTBS")
    ('tRNS', 'iTBS')
    """
    lists = {"technique": _choice(techniques), "methods": _choice(methods), "measure": _choice(measures)}
    lists["techniques"] = lists["technique"]
    out: dict[str, dict[str, Column]] = {}
    for file, columns in FILES.items():
        out[file] = {
            name: replace(column, parse=lists[name])
            if name in lists and file in {"studies.csv", "protocols.csv", "findings.csv"}
            else column
            for name, column in columns.items()
        }
    return out


#: Columns a folder made before they existed may lack, with the value every row then takes.
LEGACY_DEFAULTS: dict[str, dict[str, str]] = {"studies.csv": {"source_id": "sveva2025"}}
