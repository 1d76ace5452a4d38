"""The one family of errors the library raises.

Every error a user can cause is a :class:`NibsGraphError`; the CLI catches that family in one place and prints
the message with exit status 2 (or 1 for :class:`NoResultError`), never a traceback.

>>> err = DataValidationError([Problem("data/findings.csv", 3, "direction", "upp", "increased, decreased, unchanged")])
>>> print(err)
1 problem in the evidence base:
data/findings.csv:3: column 'direction': value 'upp' is not allowed; allowed: increased, decreased, unchanged
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "CacheError",
    "DataValidationError",
    "ExportError",
    "GraphFileError",
    "NibsGraphError",
    "NoResultError",
    "Problem",
    "QueryError",
    "StoreError",
    "UnknownNameError",
]


class NibsGraphError(Exception):
    """Base class of every error nibs-graph raises on bad input or a failed operation."""


@dataclass(frozen=True)
class Problem:
    """One problem found in an input file.

    ``line`` is the 1-based physical line of the file (the header is line 1); ``column`` is the CSV column
    name (or ``None`` for a problem with the whole row or file).
    """

    file: str
    line: int | None
    column: str | None
    value: str | None
    allowed: str
    message: str = ""

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        parts = [where + ":"]
        if self.column is not None:
            parts.append(f"column '{self.column}':")
        if self.message:
            parts.append(self.message + (";" if self.allowed else ""))
        elif self.value is not None:
            parts.append(f"value {self.value!r} is not allowed;")
        if self.allowed:
            parts.append(f"allowed: {self.allowed}")
        return " ".join(parts)


class DataValidationError(NibsGraphError, ValueError):
    """The evidence base does not conform to its schema; carries every problem found in one run."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        noun = "problem" if len(self.problems) == 1 else "problems"
        lines = [f"{len(self.problems)} {noun} in the evidence base:"]
        lines += [str(p) for p in self.problems]
        super().__init__("\n".join(lines))


class UnknownNameError(NibsGraphError, KeyError):
    """A name did not resolve to a node; carries the closest matches."""

    def __init__(self, name: str, suggestions: Sequence[str] = (), kind: str = "node") -> None:
        self.name = name
        self.suggestions = list(suggestions)
        self.kind = kind
        message = f"unknown {kind} {name!r}"
        if self.suggestions:
            message += "; did you mean: " + ", ".join(self.suggestions) + "?"
        super().__init__(message)

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0])


class NoResultError(NibsGraphError):
    """A query ran correctly but found nothing (the CLI exits with status 1)."""


class QueryError(NibsGraphError, ValueError):
    """A query is malformed or not allowed (bad SPARQL, a refused operation, an impossible filter)."""


class GraphFileError(NibsGraphError, ValueError):
    """A graph file (Turtle, N-Triples ...) could not be read or does not conform to the shapes."""


class ExportError(NibsGraphError):
    """An export could not be written."""


class StoreError(NibsGraphError):
    """A store (Oxigraph folder, remote endpoint) could not be opened or answered with an error."""


class CacheError(NibsGraphError):
    """A cache entry that checked out when opened turned out unreadable while a query read it (changed or damaged
    on disk meanwhile)."""
