"""Which studies support a signalling link in a species or setting.

A link such as TrkB → PI3K cites review references (``[50,59]``), resolved to studies (``wang2011``,
``stekic2022``). The link *counts* in a species or setting when one of those studies observed both of its ends
there: it has a finding (of any direction or comparison) on each end, measured in that species and setting and
accepted by the evidence filter (flags). A finding on a member of a family counts for the family and the other
way round (an ERK2 finding observes ERK1/2). Membership links (FamPlex) hold in every species and need no support.
A link without such support is *assumed* there.

>>> from nibs_graph.api import load_graph
>>> from nibs_graph.queries.filters import EvidenceFilter
>>> G = load_graph()
>>> link = G.succ["HGNC:8032"]["FPLX:PI3K"]["L003"]["evidence"][0]
>>> supporting_studies(G, link, "HGNC:8032", "FPLX:PI3K", EvidenceFilter(species="rat"))
('wang2011',)
"""

from __future__ import annotations

from typing import Any

from .filters import EvidenceFilter

__all__ = ["needs_support", "observations", "related_entities", "supporting_studies"]

_INDEX: list[Any] = [None, None]  # the last graph indexed and its index


def observations(G: Any) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """study id → entity → the study's finding records on that entity (every comparison), indexed once per graph."""
    if _INDEX[0] is G:
        return _INDEX[1]
    index: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for record in G.graph.get("findings", {}).values():
        index.setdefault(record["study_id"], {}).setdefault(record["target"], []).append(record)
    _INDEX[:] = [G, index]
    return index


def related_entities(G: Any, entity: str) -> set[str]:
    """The entity, its members or parts, and the families or complexes it belongs to (one level each way)."""
    related = {entity}
    for other, keys in G.succ.get(entity, {}).items():
        for data in keys.values():
            if data.get("relation") == "has_member" or data.get("relation") == "part_of":
                related.add(other)
    for other, keys in G.pred.get(entity, {}).items():
        for data in keys.values():
            if data.get("relation") in {"has_member", "part_of"} and "layer" in data:
                related.add(other)
    return related


def needs_support(record: dict[str, Any], relation: str) -> bool:
    """Whether a signalling link needs support from its cited studies (membership holds in every species)."""
    return record.get("basis") != "membership" and relation not in {"has_member", "part_of", "member_of"}


def supporting_studies(
    G: Any, record: dict[str, Any], source: str, target: str, evidence_filter: EvidenceFilter
) -> tuple[str, ...]:
    """The studies a link cites that observed both ``source`` and ``target`` under ``evidence_filter``."""
    index = observations(G)
    ends = (related_entities(G, source), related_entities(G, target))
    found = []
    for study in record.get("studies") or ():
        seen = index.get(study, {})
        if all(any(evidence_filter.accepts(r, G) for entity in end for r in seen.get(entity, ())) for end in ends):
            found.append(study)
    return tuple(found)
