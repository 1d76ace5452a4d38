"""Which protocols moved a target: stimulation arms grouped into parameter sets, ranked by agreeing studies.

Every protocol arm with a stimulation finding on the target becomes one row per direction it showed, with its
technique, the parameters it states (``protocols.csv`` names), model, species, setting, time points and study.
Arms of the same technique that share the parameters that define a protocol (:data:`SET_PARAMETERS`: polarity,
frequency, burst frequency, intensity with its unit) and showed the same direction form a parameter set; the dose
(pulses, sessions, spacing, duration) stays on each arm. A parameter that an arm does not state is left out of the
set's key (it is unknown, not a value), so arms stating less are not merged with arms stating more. Sets are ranked
by the number of independent studies that agree, then by the strongest setting (human before animal before
cells), then by technique.

>>> from nibs_graph.api import load_graph
>>> result = protocol_sets(load_graph(), "BDNF", direction="increased")
>>> top = result.sets[0]
>>> top.technique, top.parameters, top.studies
('HF-rTMS', {'frequency_hz': 10}, ('kim2024', 'mcnerney2022'))
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .. import vocab
from ..errors import QueryError
from ..resolve import resolve
from ._common import node_summary
from .filters import NO_FILTER, EvidenceFilter
from .params import arm_parameters, unit_notes
from .synthesis import stimulation_findings

__all__ = ["SETTING_CLASSES", "SET_PARAMETERS", "ParameterSet", "ProtocolArm", "ProtocolSets", "protocol_sets"]

#: The parameters that define a protocol (a parameter set); the rest is dose, listed per arm.
SET_PARAMETERS = ("polarity", "frequency_hz", "burst_frequency_hz", "intensity", "intensity_unit")
#: Setting classes in ranking order.
SETTING_CLASSES = ("human", "animal", "cells")


def setting_class(settings: str) -> str:
    """``human`` (people or human tissue), ``cells`` (in vitro only) or ``animal`` (in vivo, ex vivo).

    >>> setting_class("in vivo"), setting_class("ex vivo|human"), setting_class("in vitro")
    ('animal', 'human', 'cells')
    """
    values = set(settings.split("|"))
    if "human" in values:
        return "human"
    if values & {"in vivo", "ex vivo"}:
        return "animal"
    return "cells"


@dataclass(frozen=True)
class ProtocolArm:
    """One stimulation arm's findings on the target in one direction."""

    protocol: str
    label: str
    technique: str
    study_id: str
    citation: str
    parameters: dict[str, Any]
    model: str
    disease_model: str | None
    species: tuple[str, ...]
    settings: tuple[str, ...]
    time_points: tuple[str, ...]
    direction: str
    findings: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """The documented JSON shape of an arm."""
        return {
            "protocol": self.protocol,
            "label": self.label,
            "technique": self.technique,
            "study_id": self.study_id,
            "citation": self.citation,
            "parameters": self.parameters,
            "model": self.model,
            "disease_model": self.disease_model,
            "species": list(self.species),
            "setting": list(self.settings),
            "time_points": list(self.time_points),
            "direction": self.direction,
            "findings": list(self.findings),
        }


@dataclass(frozen=True)
class ParameterSet:
    """Arms of one technique sharing the protocol-defining parameters and the direction they showed."""

    rank: int
    technique: str
    parameters: dict[str, Any]
    direction: str
    studies: tuple[str, ...]
    setting: str
    arms: tuple[ProtocolArm, ...]

    def to_dict(self) -> dict[str, Any]:
        """The documented JSON shape of a set."""
        return {
            "rank": self.rank,
            "technique": self.technique,
            "parameters": self.parameters,
            "direction": self.direction,
            "n_studies": len(self.studies),
            "studies": list(self.studies),
            "setting": self.setting,
            "arms": [a.to_dict() for a in self.arms],
        }


@dataclass
class ProtocolSets:
    """The answer of :func:`protocol_sets`."""

    target: str
    direction: str | None
    sets: list[ParameterSet]
    filters: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def to_dict(self, G: Any) -> dict[str, Any]:
        """The documented JSON shape (see ``docs/json.md``)."""
        return {
            "target": node_summary(G, self.target),
            "direction": self.direction,
            "filters": self.filters,
            "set_parameters": list(SET_PARAMETERS),
            "notes": self.notes,
            "sets": [s.to_dict() for s in self.sets],
        }

    def arms(self) -> list[tuple[ParameterSet, ProtocolArm]]:
        """Every arm with its set, in rank order (the rows of the table and of the CSV)."""
        return [(s, a) for s in self.sets for a in s.arms]


def _technique_order(label: str) -> int:
    order = list(vocab.TECHNIQUES)
    return order.index(label) if label in order else len(order)


def protocol_sets(
    G: Any,
    target: str,
    *,
    direction: str | None = None,
    evidence_filter: EvidenceFilter | None = None,
    keep: Callable[[Mapping[str, Any]], bool] | None = None,
) -> ProtocolSets:
    """The protocol arms that moved ``target``, grouped into parameter sets and ranked by agreeing studies.

    Parameters
    ----------
    G:
        The projection.
    target:
        The entity (name, synonym or CURIE).
    direction:
        Only arms that showed this direction (``increased``, ``decreased`` or ``unchanged``).
    evidence_filter, keep:
        Only findings the filter accepts (species, setting, certainty flags, protocol parameters) and passing
        ``keep``; sets with fewer studies than the filter's ``min_studies`` are left out.
    """
    if direction is not None and direction not in vocab.DIRECTIONS:
        raise QueryError(f"--direction {direction!r} is not allowed; allowed: {', '.join(vocab.DIRECTIONS)}")
    node = resolve(G, target)
    flt = evidence_filter or NO_FILTER
    records = stimulation_findings(G, node, evidence_filter=flt, keep=keep)
    if direction is not None:
        records = [r for r in records if r["direction"] == direction]
    by_arm: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for r in records:
        by_arm.setdefault((r["protocol"], r["direction"]), []).append(r)
    arms: list[ProtocolArm] = []
    for (protocol, arm_direction), findings in by_arm.items():
        attrs = G.nodes.get(protocol, {})
        parameters = arm_parameters(attrs)
        first = findings[0]
        arms.append(
            ProtocolArm(
                protocol=protocol,
                label=str(attrs.get("armLabel") or attrs.get("label") or protocol),
                technique=G.nodes[first["technique"]]["label"],
                study_id=first["study_id"],
                citation=str(first.get("citation") or first["study_id"]),
                parameters=parameters,
                model=str(first.get("model") or ""),
                disease_model=first.get("disease_model"),
                species=tuple(sorted({s for f in findings for s in str(f["species"]).split("|") if s})),
                settings=tuple(sorted({s for f in findings for s in str(f["setting"]).split("|") if s})),
                time_points=tuple(sorted({f["time_point"] for f in findings if f.get("time_point")})),
                direction=arm_direction,
                findings=tuple(f["finding_id"] for f in findings),
            )
        )
    grouped: dict[tuple[Any, ...], list[ProtocolArm]] = {}
    for arm in arms:
        key_params = tuple((k, arm.parameters[k]) for k in SET_PARAMETERS if k in arm.parameters)
        grouped.setdefault((arm.technique, key_params, arm.direction), []).append(arm)
    unranked = []
    for (technique, key_params, arm_direction), members in grouped.items():
        members.sort(key=lambda a: (SETTING_CLASSES.index(setting_class("|".join(a.settings))), a.study_id))
        best = min((setting_class("|".join(a.settings)) for a in members), key=SETTING_CLASSES.index)
        studies = tuple(sorted({a.study_id for a in members}))
        if len(studies) >= flt.min_studies:
            unranked.append((technique, dict(key_params), arm_direction, studies, best, tuple(members)))
    unranked.sort(
        key=lambda s: (
            -len(s[3]),
            SETTING_CLASSES.index(s[4]),
            vocab.DIRECTIONS.index(s[2]),
            _technique_order(s[0]),
            str(sorted(s[1].items())),
        )
    )
    sets = [ParameterSet(i, *s) for i, s in enumerate(unranked, 1)]
    notes = unit_notes((G.nodes.get(r["protocol"], {}) for r in _unfiltered(G, node)), flt.params)
    return ProtocolSets(node, direction, sets, flt.to_dict(), notes)


def _unfiltered(G: Any, node: str) -> list[dict[str, Any]]:
    return stimulation_findings(G, node)
