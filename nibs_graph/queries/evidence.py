"""Every finding (or signalling statement) behind a link between two nodes.

>>> from nibs_graph.api import load_graph
>>> rows = evidence(load_graph(), "iTBS", "BDNF")
>>> sorted({r["study_id"] for r in rows})[:1]
['ismail2024']
>>> sorted({r["target_name"] for r in evidence_of(load_graph(), "cTBS") if r["direction"] == "unchanged"})[:2]
['Bcl-2', 'JNK2']
"""

from __future__ import annotations

from typing import Any

from ..resolve import resolve
from ._common import evidence_item, technique_nodes_under
from .filters import NO_FILTER, EvidenceFilter
from .support import needs_support, supporting_studies

__all__ = ["evidence", "evidence_of"]


def evidence(
    G: Any,
    source: str,
    target: str,
    *,
    include_other: bool = False,
    evidence_filter: EvidenceFilter | None = None,
) -> list[dict[str, Any]]:
    """The evidence records behind ``source → target``.

    For a technique (with every technique under it) or a protocol: the stimulation findings on the target; with
    ``include_other`` also the findings of the same arms that are not stimulation effects (disease model vs wild
    type ...). For two entities: the signalling links between them, each with its cited studies and, when the
    filter asks for a species, setting or several studies, the cited studies that observed both ends there
    (``support``; a link without it is ``assumed`` and left out unless the filter allows assumed hops). Only
    evidence the filter accepts is returned. Records are sorted by study and finding.
    """
    flt = evidence_filter or NO_FILTER
    src = resolve(G, source)
    dst = resolve(G, target)
    kind = G.nodes[src].get("type")
    rows: list[dict[str, Any]] = []
    if kind in {"technique", "protocol"}:
        starts = set(technique_nodes_under(G, src)) if kind == "technique" else {src}
        for record in G.graph.get("findings", {}).values():
            if record["target"] != dst:
                continue
            if record["technique"] not in starts and record["protocol"] not in starts:
                continue
            if not record["stimulation_effect"] and not include_other:
                continue
            if not flt.accepts(record, G):
                continue
            item = _finding_item(G, record)
            rows.append(item)
        rows.sort(key=lambda r: (r["study_id"], r["finding_id"]))
    else:
        for _, data in sorted(G.succ[src].get(dst, {}).items()):
            for record in data.get("evidence", ()):
                if not flt.accepts(record, G):
                    continue
                item = evidence_item(record)
                item["relation"] = data["relation"]
                if flt.checks_hops and needs_support(record, data["relation"]):
                    support = supporting_studies(G, record, src, dst, flt)
                    item["support"] = list(support)
                    item["assumed"] = not (support and flt.enough(support))
                    if item["assumed"] and not flt.allow_assumed:
                        continue
                rows.append(item)
    return rows


def evidence_of(
    G: Any, node: str, *, include_other: bool = False, evidence_filter: EvidenceFilter | None = None
) -> list[dict[str, Any]]:
    """Every stimulation finding of a technique or protocol (all its targets), or on an entity (all techniques).

    "No change" findings are included, as in :func:`evidence`. A technique includes the techniques under it. Only
    the findings ``evidence_filter`` accepts (species, setting, flags) are returned.
    Records carry ``target`` (node id) and ``target_name`` (its label); they are sorted by target then study for a
    technique or protocol, and by technique then study for an entity.
    """
    flt = evidence_filter or NO_FILTER
    found = resolve(G, node)
    kind = G.nodes[found].get("type")
    if kind == "technique":
        starts = set(technique_nodes_under(G, found))
    elif kind == "protocol":
        starts = {found}
    else:
        starts = set()
    rows = []
    for record in G.graph.get("findings", {}).values():
        if starts:
            if record["technique"] not in starts and record["protocol"] not in starts:
                continue
        elif record["target"] != found:
            continue
        if not record["stimulation_effect"] and not include_other:
            continue
        if not flt.accepts(record, G):
            continue
        rows.append(_finding_item(G, record))
    if starts:
        rows.sort(key=lambda r: (r["target_name"].casefold(), r["study_id"], r["finding_id"]))
    else:
        rows.sort(key=lambda r: (r["technique"].casefold(), r["study_id"], r["finding_id"]))
    return rows


def _finding_item(G: Any, record: dict[str, Any]) -> dict[str, Any]:
    item = evidence_item(record)
    item.update(
        technique=G.nodes[record["technique"]]["label"],
        protocol_label=record["protocol_label"],
        comparison=record["comparison"],
        stimulation_effect=record["stimulation_effect"],
        time_point=record["time_point"],
        region=record["region"],
        context=record["context"],
        target=record["target"],
        target_name=G.nodes[record["target"]]["label"],
    )
    return item
