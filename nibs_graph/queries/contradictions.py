"""Contradictions: one target moved in different directions within one technique family.

Stimulation findings are grouped by target and by modality (the child of NIBS: TMS or tES). A group whose
findings go in opposite directions (``opposite``) or where some changed and some did not (``null``) is a
contradiction; the answer names the technique family they share (their lowest common ancestor) and the context
that differs between the sides (technique, frequency, polarity, model, species, setting, time point, measure).

>>> from nibs_graph.api import load_graph
>>> kinds = {c.kind for c in contradictions(load_graph())}
>>> kinds <= {"opposite", "null"}
True
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ._common import evidence_item, node_summary, technique_lineage_labels

__all__ = ["Contradiction", "contradictions"]

_CONTEXT_FIELDS = (
    "technique",
    "frequency_hz",
    "polarity",
    "model",
    "disease_model",
    "species",
    "setting",
    "time_point",
    "context",
    "measure",
    "study_id",
)


@dataclass
class Contradiction:
    """One target with findings in conflicting directions inside one technique family."""

    target: str
    family: str
    kind: str
    sides: dict[str, list[dict[str, Any]]]
    differs: dict[str, dict[str, list[Any]]]

    def to_dict(self, G: Any) -> dict[str, Any]:
        """The documented JSON shape."""
        return {
            "target": node_summary(G, self.target),
            "family": self.family,
            "kind": self.kind,
            "sides": {d: [_public(r) for r in rows] for d, rows in self.sides.items()},
            "differs": self.differs,
        }


def _public(record: dict[str, Any]) -> dict[str, Any]:
    item = evidence_item(record)
    item.update(
        {k: record.get(k) for k in ("technique_label", "frequency_hz", "polarity", "time_point", "model", "context")}
    )
    return item


def _lowest_common_ancestor(G: Any, labels: list[str]) -> str:
    lineages = [technique_lineage_labels(G, label) for label in labels]
    common = set(lineages[0]).intersection(*lineages[1:])
    for label in lineages[0]:
        if label in common:
            return label
    return "NIBS"


def contradictions(G: Any, *, target: str | None = None, include_null: bool = True) -> list[Contradiction]:
    """Find targets moved in conflicting directions by techniques of one family.

    Parameters
    ----------
    G:
        The projection.
    target:
        Only this entity (a name or CURIE).
    include_null:
        Also report change vs no-change conflicts (``kind == "null"``), not only up vs down.
    """
    from ..resolve import resolve

    only = resolve(G, target) if target else None
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for record in G.graph.get("findings", {}).values():
        if not record["stimulation_effect"] or (only and record["target"] != only):
            continue
        technique_label = G.nodes[record["technique"]]["label"]
        lineage = technique_lineage_labels(G, technique_label)
        modality = lineage[-2] if len(lineage) >= 2 else lineage[0]
        protocol = G.nodes.get(record["protocol"], {})
        enriched = dict(
            record,
            technique_label=technique_label,
            frequency_hz=protocol.get("frequencyHz"),
            polarity=protocol.get("polarity"),
        )
        groups.setdefault((record["target"], modality), []).append(enriched)
    found = []
    for (node, _modality), rows in sorted(groups.items()):
        sides: dict[str, list[dict[str, Any]]] = {}
        for row in sorted(rows, key=lambda r: r["finding_id"]):
            sides.setdefault(row["direction"], []).append(row)
        opposite = "increased" in sides and "decreased" in sides
        null = "unchanged" in sides and len(sides) > 1
        if not opposite and not (include_null and null):
            continue
        family = _lowest_common_ancestor(G, sorted({r["technique_label"] for r in rows}))
        differs = {}
        for field in _CONTEXT_FIELDS:
            values = {
                d: sorted({str(r.get(field)) for r in side if r.get(field) is not None}) for d, side in sides.items()
            }
            distinct = {tuple(v) for v in values.values()}
            if len(distinct) > 1:
                differs[field] = values
        found.append(Contradiction(node, family, "opposite" if opposite else "null", sides, differs))
    found.sort(key=lambda c: (c.kind != "opposite", -sum(len(s) for s in c.sides.values()), G.nodes[c.target]["label"]))
    return found
