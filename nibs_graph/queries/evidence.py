"""Every finding (or signalling statement) behind a link between two nodes.

>>> from nibs_graph.api import load_graph
>>> rows = evidence(load_graph(), "iTBS", "BDNF")
>>> sorted({r["study_id"] for r in rows})[:1]
['ismail2024']
"""

from __future__ import annotations

from typing import Any

from ..resolve import resolve
from ._common import evidence_item, technique_nodes_under

__all__ = ["evidence"]


def evidence(G: Any, source: str, target: str, *, include_other: bool = False) -> list[dict[str, Any]]:
    """The evidence records behind ``source → target``.

    For a technique (with every technique under it) or a protocol: the stimulation findings on the target; with
    ``include_other`` also the findings of the same arms that are not stimulation effects (disease model vs wild
    type ...). For two entities: the signalling links between them. Records are sorted by study and finding.
    """
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
            item = evidence_item(record)
            item.update(
                technique=G.nodes[record["technique"]]["label"],
                protocol_label=record["protocol_label"],
                comparison=record["comparison"],
                stimulation_effect=record["stimulation_effect"],
                time_point=record["time_point"],
                region=record["region"],
                context=record["context"],
            )
            rows.append(item)
        rows.sort(key=lambda r: (r["study_id"], r["finding_id"]))
    else:
        for _, data in sorted(G.succ[src].get(dst, {}).items()):
            for record in data.get("evidence", ()):
                item = evidence_item(record)
                item["relation"] = data["relation"]
                rows.append(item)
    return rows
