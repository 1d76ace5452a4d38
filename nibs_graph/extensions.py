"""Controlled lists that an evidence base extends itself: ``vocabulary.csv``.

The techniques, methods and measures of :mod:`nibs_graph.vocab` are closed lists in code. A folder that needs a
term they lack (a technique such as tRNS, a method such as mass spectrometry) declares it in ``vocabulary.csv``
beside its other files, with a definition and the source of that definition, instead of editing the code. Each row
is checked: the list is one of :data:`LISTS`, the term is not already in the list (built in or above), a technique
names its parent technique (built in, or declared in the file) and its full name. A declared technique is a class
under its parent in the RDF graph (``nibsdata:technique/<Name>``), so family queries (``TBS`` includes iTBS) and
the hierarchy work for it as for the built-in ones.

>>> BUILTIN.technique("itbs").label
'iTBS'
>>> [t.label for t in BUILTIN.lineage("iTBS")]
['iTBS', 'TBS', 'rTMS', 'TMS', 'NIBS']
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from . import vocab
from .errors import Problem
from .records import Term
from .schema import FILES, Column, files_for
from .vocab import Technique

__all__ = ["BUILTIN", "LISTS", "Vocabulary", "build_vocabulary", "vocabulary_of"]

#: The lists ``vocabulary.csv`` can extend, with the column each list controls.
LISTS: dict[str, str] = {
    "technique": "techniques (studies.csv), technique (protocols.csv, findings.csv)",
    "method": "methods (studies.csv)",
    "measure": "measure (findings.csv)",
}
_LOCAL = re.compile(r"[^A-Za-z0-9]+")


@dataclass(frozen=True)
class Vocabulary:
    """The controlled lists one evidence base uses: the built-in ones and its own additions."""

    techniques: dict[str, Technique]
    methods: tuple[str, ...]
    measures: tuple[str, ...]
    added: tuple[Term, ...] = ()

    def technique(self, name: str) -> Technique:
        """A technique by label, local name, CURIE or synonym, case-insensitively.

        Raises
        ------
        KeyError
            For an unknown technique.
        """
        key = name.casefold()
        for t in self.techniques.values():
            if key in {n.casefold() for n in (t.label, t.local, t.curie, t.name, *t.synonyms)}:
                return t
        raise KeyError(f"unknown technique {name!r}; allowed: {', '.join(self.techniques)}")

    def lineage(self, label: str) -> list[Technique]:
        """The technique and its ancestors, most specific first."""
        chain = [self.technique(label)]
        while chain[-1].parent is not None:
            chain.append(self.techniques[chain[-1].parent])
        return chain

    def descendants(self, label: str) -> list[Technique]:
        """The technique and every technique under it."""
        root = self.technique(label)
        return [t for t in self.techniques.values() if root in self.lineage(t.label)]

    def extension_techniques(self) -> list[Technique]:
        """The techniques the evidence base declared (not built in)."""
        return [t for t in self.techniques.values() if t.label not in vocab.TECHNIQUES]

    def files(self) -> dict[str, dict[str, Column]]:
        """The column specifications that take these lists."""
        if not self.added:
            return FILES
        return files_for(self.techniques, self.methods, self.measures)


BUILTIN = Vocabulary(dict(vocab.TECHNIQUES), vocab.METHODS, vocab.MEASURES)


def vocabulary_of(base: Any) -> Vocabulary:
    """The vocabulary of an :class:`~nibs_graph.records.EvidenceBase` (the built-in one when it declares none)."""
    return base.vocabulary if base.vocabulary is not None else BUILTIN


def build_vocabulary(
    terms: dict[str, Term], where: Mapping[str, tuple[str, int | None]], problems: list[Problem]
) -> Vocabulary:
    """The vocabulary of an evidence base: the built-in lists extended by the rows of ``vocabulary.csv``.

    ``terms`` are the parsed rows keyed by term; ``where`` gives each row's file and line. Every problem (a
    term already in its list, a technique without a known parent or a full name, a list that takes no parent) is
    added to ``problems``; a rejected row extends nothing.
    """
    techniques = dict(vocab.TECHNIQUES)
    methods = list(vocab.METHODS)
    measures = list(vocab.MEASURES)
    added: list[Term] = []
    pending = [t for t in terms.values() if t.list == "technique"]
    for key, t in terms.items():
        file, line = where[key]
        existing = {"technique": techniques, "method": methods, "measure": measures}[t.list]
        clash = next((x for x in existing if x.casefold() == t.term.casefold()), None)
        if clash is not None:
            problems.append(
                Problem(file, line, "term", t.term, f"a {t.list} not yet in the list", f"{clash!r} is built in")
            )
            pending = [p for p in pending if p is not t]
            continue
        if t.list != "technique":
            if t.parent is not None:
                problems.append(Problem(file, line, "parent", t.parent, "empty (only techniques have a parent)"))
                continue
            (methods if t.list == "method" else measures).append(t.term)
            added.append(t)
    # techniques: a parent may be declared further down the file
    while pending:
        progress = False
        for t in list(pending):
            if t.parent in techniques:
                techniques[t.term] = Technique(
                    t.term,
                    "technique/" + _LOCAL.sub("-", t.term).strip("-"),
                    t.parent,
                    t.name or t.term,
                    t.definition,
                    t.synonyms,
                    prefix="nibsdata",
                )
                added.append(t)
                pending.remove(t)
                progress = True
        if not progress:
            for t in pending:
                file, line = where[t.term]
                allowed = "a technique built in or declared in vocabulary.csv: " + ", ".join(techniques)
                message = (
                    "a technique needs its parent technique" if t.parent is None else f"unknown parent {t.parent!r}"
                )
                problems.append(Problem(file, line, "parent", t.parent or "", allowed, message))
            break
    return Vocabulary(techniques, tuple(methods), tuple(measures), tuple(added))
