"""The one evidence filter every query takes: which evidence counts, and what to do with hops that have none.

An :class:`EvidenceFilter` is built once (by the CLI from its shared options, or by a library caller) and passed to
every query (paths, evidence, hubs, divergence, contradictions, gaps). It decides whether one evidence record
counts (:meth:`EvidenceFilter.accepts`): a finding counts when it was measured in the filter's species and setting
and carries no excluded certainty flag; a signalling link counts when it carries no excluded flag. For a path,
``min_studies``, ``species`` and ``setting`` apply to every hop (see :mod:`nibs_graph.queries.support` for
signalling hops); hops without such support are *assumed* and are left out unless ``allow_assumed``.

>>> f = EvidenceFilter(setting="human", exclude_flags={"pooled_statement"})
>>> f.accepts({"finding_id": "x-f01", "species": "human", "setting": "human", "flags": ()})
True
>>> f.accepts({"finding_id": "x-f02", "species": "human", "setting": "human", "flags": ("pooled_statement",)})
False
>>> f.describe()
'human evidence; without flags: pooled_statement'
>>> EvidenceFilter(strict=True).flag_ok(("duplicate_in_source",))
False

To add a criterion (a protocol parameter, say): add a field with a default that filters nothing, check it in
:meth:`EvidenceFilter.accepts` (``G`` gives the protocol node of a finding record: ``G.nodes[record["protocol"]]``),
and add it to :attr:`EvidenceFilter.active`, :meth:`EvidenceFilter.to_dict` and :meth:`EvidenceFilter.describe`;
the CLI option goes into ``EVIDENCE_OPTIONS`` of :mod:`nibs_graph.cli.common`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from .. import vocab
from ..errors import QueryError
from .params import ParamConstraint, params_match, parse_params
from .params import unit_notes as param_notes

__all__ = ["NO_FILTER", "EvidenceFilter", "measured_in"]


def measured_in(record: dict[str, Any], species: str | None, setting: str | None) -> bool:
    """Whether a finding record was measured in ``species`` and ``setting`` (None: any).

    >>> measured_in({"species": "rat|human", "setting": "in vitro"}, "human", None)
    True
    """
    if species and species not in str(record.get("species") or "").split("|"):
        return False
    return not (setting and setting not in str(record.get("setting") or "").split("|"))


@dataclass(frozen=True)
class EvidenceFilter:
    """Which evidence counts.

    Parameters
    ----------
    species:
        Only findings measured in this species (``human``, ``rat``, ``mouse``); for a signalling hop, only cited
        studies that observed both of its ends in this species support it.
    setting:
        The same for the setting (``in vitro``, ``ex vivo``, ``in vivo``, ``human``).
    min_studies:
        Every hop needs at least this many distinct studies (effect hops: studies of its findings; signalling
        hops: cited studies that observed both ends).
    exclude_flags:
        Leave out evidence carrying any of these certainty flags (:data:`nibs_graph.vocab.FLAGS`).
    strict:
        Leave out every flagged piece of evidence.
    allow_assumed:
        Keep signalling hops without the support the filter asks for, marked ``assumed``, instead of leaving
        them out.
    params:
        Only stimulation findings from protocol arms whose stated parameters match every constraint
        (``--param frequency_hz=..1``; strings are parsed, see :mod:`nibs_graph.queries.params`). An arm that does
        not state a parameter never matches; intensities in different units are never compared.
    """

    species: str | None = None
    setting: str | None = None
    min_studies: int = 1
    exclude_flags: frozenset[str] = field(default_factory=frozenset)
    strict: bool = False
    allow_assumed: bool = False
    params: tuple[ParamConstraint, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "exclude_flags", frozenset(self.exclude_flags))
        if any(isinstance(c, str) for c in self.params):
            given = [c for c in self.params if isinstance(c, str)]
            parsed = iter(parse_params(given))
            object.__setattr__(self, "params", tuple(next(parsed) if isinstance(c, str) else c for c in self.params))
        else:
            object.__setattr__(self, "params", tuple(self.params))
        if self.species is not None:
            try:
                object.__setattr__(self, "species", vocab.species(self.species))
            except ValueError as exc:
                raise QueryError(f"species {self.species!r} is not allowed; allowed: {exc}") from None
        if self.setting is not None and self.setting not in vocab.SETTINGS:
            raise QueryError(f"setting {self.setting!r} is not allowed; allowed: {', '.join(vocab.SETTINGS)}")
        if self.min_studies < 1:
            raise QueryError(f"min_studies must be at least 1, got {self.min_studies}")
        unknown = sorted(self.exclude_flags - set(vocab.FLAGS))
        if unknown:
            raise QueryError(f"unknown flag {', '.join(repr(f) for f in unknown)}; allowed: {', '.join(vocab.FLAGS)}")

    # ------------------------------------------------------------------ what the filter asks for

    @property
    def filters_records(self) -> bool:
        """True when some evidence records may be left out (species, setting, flags or protocol parameters)."""
        return bool(self.species or self.setting or self.exclude_flags or self.strict or self.params)

    @property
    def checks_hops(self) -> bool:
        """True when signalling hops need support from their cited studies (species, setting, min_studies > 1)."""
        return bool(self.species or self.setting or self.min_studies > 1)

    @property
    def active(self) -> bool:
        """True when the filter filters anything."""
        return self.filters_records or self.min_studies > 1

    # ------------------------------------------------------------------ deciding

    def flag_ok(self, flags: Iterable[str] | None) -> bool:
        """Whether evidence with these certainty flags counts."""
        if not flags:
            return True
        if self.strict:
            return False
        return self.exclude_flags.isdisjoint(flags)

    def measured_in(self, record: dict[str, Any]) -> bool:
        """Whether a finding record was measured in the filter's species and setting."""
        return measured_in(record, self.species, self.setting)

    def accepts(self, record: dict[str, Any], G: Any = None) -> bool:
        """Whether one evidence record counts: a finding (species, setting, flags) or a signalling link (flags).

        ``G`` (the projection) is for criteria on a finding's protocol; the filters defined here do not need it.
        """
        if not self.flag_ok(record.get("flags")):
            return False
        if "finding_id" not in record:
            return True
        if self.params and not self.arm_matches(record, G):
            return False
        return self.measured_in(record)

    def arm_matches(self, record: dict[str, Any], G: Any) -> bool:
        """Whether a finding's protocol arm (its node in ``G``) states parameters matching every ``params``."""
        if G is None:
            raise QueryError("a filter on protocol parameters needs the graph (accepts(record, G))")
        return params_match(G.nodes.get(record.get("protocol"), {}), self.params)

    def notes(self, G: Any) -> list[str]:
        """What the parameter constraints left out across the graph's protocol arms (arms not stating a parameter,
        intensities in other units), for the CLI to say; empty without ``params``."""
        if not self.params:
            return []
        arms = [attrs for attrs in G.nodes.values() if attrs.get("type") == "protocol"]
        return param_notes(arms, self.params)

    def keep(self, records: Iterable[dict[str, Any]], G: Any = None) -> list[dict[str, Any]]:
        """The records that count."""
        if not self.filters_records:
            return list(records)
        return [r for r in records if self.accepts(r, G)]

    def enough(self, studies: Iterable[str | None]) -> bool:
        """Whether these studies (ids, repeats allowed) are enough for a hop."""
        return len({s for s in studies if s}) >= self.min_studies

    # ------------------------------------------------------------------ saying what it is

    def where(self) -> str:
        """The species and setting asked for, as words (``human``, ``rat, in vivo``); empty when none."""
        parts = [p for p in (self.species, self.setting) if p]
        if len(parts) == 2 and parts[0] == parts[1]:
            parts = parts[:1]
        return ", ".join(parts)

    def describe(self) -> str:
        """What the filter keeps, in words (empty for no filter)."""
        parts = []
        if self.where():
            parts.append(f"{self.where()} evidence")
        if self.min_studies > 1:
            parts.append(f"at least {self.min_studies} studies per hop")
        if self.strict:
            parts.append("no flagged evidence")
        elif self.exclude_flags:
            parts.append("without flags: " + ", ".join(sorted(self.exclude_flags)))
        if self.allow_assumed:
            parts.append("assumed hops kept")
        if self.params:
            parts.append("protocol arms with " + ", ".join(c.text for c in self.params))
        return "; ".join(parts)

    def options(self) -> list[str]:
        """The command-line options that give this filter (``['--species mouse', '--strict']``); empty: no filter.

        >>> EvidenceFilter(species="mouse", min_studies=2).options()
        ['--species mouse', '--min-studies 2']
        """
        given = [f"--species {self.species}"] * bool(self.species) + [f"--setting {self.setting}"] * bool(self.setting)
        given += [f"--min-studies {self.min_studies}"] * (self.min_studies > 1)
        given += [f"--exclude-flag {flag}" for flag in sorted(self.exclude_flags)]
        given += ["--strict"] * self.strict + ["--allow-assumed"] * self.allow_assumed
        given += [f"--param {c.text}" for c in self.params]
        return given

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> EvidenceFilter:
        """The filter a :meth:`to_dict` (an answer's ``filters``) describes; unknown keys are ignored.

        >>> EvidenceFilter.from_dict({"setting": "human", "exclude_flags": ["pooled_statement"]}).describe()
        'human evidence; without flags: pooled_statement'
        """
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        known["exclude_flags"] = frozenset(known.get("exclude_flags") or ())
        known["params"] = tuple(c["text"] if isinstance(c, dict) else c for c in known.get("params") or ())
        return cls(**known)

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape (``filters`` in every answer)."""
        return {
            "species": self.species,
            "setting": self.setting,
            "min_studies": self.min_studies,
            "exclude_flags": sorted(self.exclude_flags),
            "strict": self.strict,
            "allow_assumed": self.allow_assumed,
            "params": [c.to_dict() for c in self.params],
        }


#: The filter that keeps everything.
NO_FILTER = EvidenceFilter()
