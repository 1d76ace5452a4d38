"""Contradictions that explain themselves: one target moved in different directions within one technique family.

Stimulation findings are grouped by target and by modality (the child of NIBS: TMS or tES). A group whose
findings go in opposite directions is a contradiction of kind ``opposite`` (increased vs decreased); one where some
changed and some did not is ``change_vs_none``. Each contradiction names the technique family its sides share
(their lowest common ancestor) and is explained pair by pair of studies:

* ``expected_by_design``: the sides differ by a design the field expects to act in opposite ways: anodal vs
  cathodal tDCS, low- (≤ 1 Hz) vs high-frequency (≥ 5 Hz) rTMS, iTBS vs cTBS;
* ``within_study``: one study, the sides differ by time point, arm, model, region ... (the contrast is named);
* ``between_studies``: two studies, and the one factor that separates the two sides is named (the first, in a
  fixed order of importance, whose values on the two sides do not overlap: species, setting, disease model,
  technique, frequency, measure, comparison, time point, region);
* ``unexplained``: two studies and no such factor.

A contradiction's ``category`` is the most pressing of its pairs' (unexplained, then between studies, within study,
expected by design); the listing puts unexplained and between-studies contradictions first.

>>> from nibs_graph.api import load_graph
>>> found = contradictions(load_graph())
>>> {c.kind for c in found} <= {"opposite", "change_vs_none"}
True
>>> found[0].category in ("unexplained", "between_studies")
True
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..errors import QueryError
from ._common import evidence_item, node_summary, technique_lineage_labels
from .filters import NO_FILTER, EvidenceFilter

__all__ = ["CATEGORIES", "KINDS", "Contradiction", "contradictions"]

#: Kinds of contradiction.
KINDS: tuple[str, ...] = ("opposite", "change_vs_none")
#: Categories, most pressing first (the default order of the listing).
CATEGORIES: tuple[str, ...] = ("unexplained", "between_studies", "within_study", "expected_by_design")

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
#: Fields that can separate the sides of two studies, most important first.
_BETWEEN = (
    "species",
    "setting",
    "disease_model",
    "technique_label",
    "frequency_hz",
    "measure",
    "comparison",
    "time_point",
    "region",
)
#: Fields that can separate the sides within one study, most telling first.
_WITHIN = (
    "context",
    "time_point",
    "protocol_label",
    "region",
    "species",
    "setting",
    "measure",
    "comparison",
    "source",
)
_NAMES = {
    "technique_label": "technique",
    "frequency_hz": "frequency (Hz)",
    "disease_model": "disease model",
    "protocol_label": "arm",
    "time_point": "time point",
    "context": "model or context",
    "source": "place in the review",
}


@dataclass
class Contradiction:
    """One target with findings in conflicting directions inside one technique family."""

    target: str
    family: str
    kind: str
    sides: dict[str, list[dict[str, Any]]]
    differs: dict[str, dict[str, list[Any]]]
    category: str = "unexplained"
    #: One explanation per pair of studies on different sides (see the module docstring).
    pairs: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self, G: Any) -> dict[str, Any]:
        """The documented JSON shape."""
        return {
            "target": node_summary(G, self.target),
            "family": self.family,
            "kind": self.kind,
            "category": self.category,
            "sides": {d: [_public(r) for r in rows] for d, rows in self.sides.items()},
            "differs": self.differs,
            "pairs": self.pairs,
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


def _value(record: dict[str, Any], name: str) -> str:
    value = record.get(name)
    if name == "disease_model" and not value:
        return "none"
    return "" if value is None else str(value)


def _separating(
    a: list[dict[str, Any]], b: list[dict[str, Any]], names: tuple[str, ...], unstated: str | None = None
) -> tuple[str, str] | None:
    """The first field whose values on side ``a`` and side ``b`` do not overlap, with the contrast as text.

    A field left empty on a finding does not separate anything, unless ``unstated`` names it (within one study, a
    row without an added drug or context is itself a condition: ``none``).
    """
    for name in names:
        left = {_value(r, name) or (unstated or "") for r in a}
        right = {_value(r, name) or (unstated or "") for r in b}
        if "" in left or "" in right or not left.isdisjoint(right):
            continue
        return name, f"{' / '.join(sorted(left))} vs {' / '.join(sorted(right))}"
    return None


def _design(record: dict[str, Any]) -> tuple[str, str] | None:
    """The design class a finding's arm belongs to: (contrast name, class), if it has one."""
    technique = record.get("technique_label")
    if record.get("polarity") in ("anodal", "cathodal"):
        return "polarity", str(record["polarity"])
    if technique in ("iTBS", "cTBS"):
        return "theta-burst pattern", str(technique)
    if technique == "LF-rTMS":
        return "rTMS frequency", "low"
    if technique == "HF-rTMS":
        return "rTMS frequency", "high"
    hz = record.get("frequency_hz")
    if technique in ("rTMS", "rMS") and hz is not None:
        if hz <= 1:
            return "rTMS frequency", "low"
        if hz >= 5:
            return "rTMS frequency", "high"
    return None


def _by_design(a: list[dict[str, Any]], b: list[dict[str, Any]]) -> tuple[str, str] | None:
    """A design contrast that separates the two sides (every finding of a side in one class, the classes differ)."""
    left = {_design(r) for r in a}
    right = {_design(r) for r in b}
    if None in left or None in right or len(left) != 1 or len(right) != 1:
        return None
    (name_a, class_a), (name_b, class_b) = left.pop(), right.pop()  # type: ignore[misc]
    if name_a != name_b or class_a == class_b:
        return None
    return name_a, f"{class_a} vs {class_b}"


def _explain(study_a: str, a: list[dict[str, Any]], study_b: str, b: list[dict[str, Any]]) -> dict[str, Any]:
    """The category, factor and contrast of one pair of studies (``a`` and ``b`` are their findings on two sides)."""
    factor: str | None
    design = _by_design(a, b)
    if design is not None:
        category, (factor, contrast) = "expected_by_design", design
    elif study_a == study_b:
        found = _separating(a, b, _WITHIN, unstated="none")
        category = "within_study"
        factor, contrast = (found[0], found[1]) if found else (None, "")
    else:
        found = _separating(a, b, _BETWEEN)
        if found is None:
            category, factor, contrast = "unexplained", None, ""
        else:
            category, (factor, contrast) = "between_studies", found
    return {
        "studies": [study_a, study_b],
        "citations": [a[0]["citation"], b[0]["citation"]],
        "directions": [sorted({r["direction"] for r in a}), sorted({r["direction"] for r in b})],
        "findings": [[r["finding_id"] for r in a], [r["finding_id"] for r in b]],
        "flags": [
            sorted({f for r in a for f in r.get("flags") or ()}),
            sorted({f for r in b for f in r.get("flags") or ()}),
        ],
        "category": category,
        "factor": _NAMES.get(factor, factor) if factor else None,
        "contrast": contrast,
    }


def _pairs(sides: dict[str, list[dict[str, Any]]], kind: str) -> list[dict[str, Any]]:
    """Every pair of studies with findings on conflicting sides, explained."""
    if kind == "opposite":
        groups = [("increased", "decreased")]
    else:
        groups = [(d, "unchanged") for d in ("increased", "decreased") if d in sides]
    out = []
    for left_dir, right_dir in groups:
        left: dict[str, list[dict[str, Any]]] = {}
        right: dict[str, list[dict[str, Any]]] = {}
        for r in sides.get(left_dir, ()):
            left.setdefault(r["study_id"], []).append(r)
        for r in sides.get(right_dir, ()):
            right.setdefault(r["study_id"], []).append(r)
        for study_a in sorted(left):
            for study_b in sorted(right):
                out.append(_explain(study_a, left[study_a], study_b, right[study_b]))
    return out


def contradictions(
    G: Any,
    *,
    target: str | None = None,
    include_null: bool = True,
    category: str | None = None,
    evidence_filter: EvidenceFilter | None = None,
) -> list[Contradiction]:
    """Find targets moved in conflicting directions by techniques of one family, and explain each pair of studies.

    Parameters
    ----------
    G:
        The projection.
    target:
        Only this entity (a name or CURIE).
    include_null:
        Also report change vs no-change conflicts (``kind == "change_vs_none"``), not only up vs down.
    category:
        Only pairs of this category (:data:`CATEGORIES`); each contradiction keeps only those pairs.
    evidence_filter:
        Only findings the filter accepts (species, setting, flags).

    Returns
    -------
    list of Contradiction
        Unexplained first, then between studies, within one study and expected by design; in each, opposite before
        change vs none, then the most findings first.
    """
    from ..resolve import resolve

    if category is not None and category not in CATEGORIES:
        raise QueryError(f"category {category!r} is not allowed; allowed: {', '.join(CATEGORIES)}")
    flt = evidence_filter or NO_FILTER
    only = resolve(G, target) if target else None
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for record in G.graph.get("findings", {}).values():
        if not record["stimulation_effect"] or (only and record["target"] != only) or not flt.accepts(record, G):
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
        kind = "opposite" if opposite else "change_vs_none"
        pairs = _pairs(sides, kind)
        if category is not None:
            pairs = [p for p in pairs if p["category"] == category]
            if not pairs:
                continue
        family = _lowest_common_ancestor(G, sorted({r["technique_label"] for r in rows}))
        differs = {}
        for name in _CONTEXT_FIELDS:
            values = {
                d: sorted({str(r.get(name)) for r in side if r.get(name) is not None}) for d, side in sides.items()
            }
            distinct = {tuple(v) for v in values.values()}
            if len(distinct) > 1:
                differs[name] = values
        worst = min(CATEGORIES.index(p["category"]) for p in pairs)
        found.append(Contradiction(node, family, kind, sides, differs, CATEGORIES[worst], pairs))
    found.sort(
        key=lambda c: (
            CATEGORIES.index(c.category),
            c.kind != "opposite",
            -sum(len(s) for s in c.sides.values()),
            G.nodes[c.target]["label"],
        )
    )
    return found
