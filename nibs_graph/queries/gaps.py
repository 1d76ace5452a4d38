"""Translational gaps: which technique → entity links rest on human evidence, and which on animals or cells only.

Each stimulation link (technique → entity: increased, decreased or "no change") is classed by the best evidence
behind it, "no change" findings counting as evidence (a human study that saw no change is human evidence; the
link's ``no_change_studies`` name those studies):
``human`` (measured in people or human tissue: setting ``human``), ``human cells`` (human cell lines in vitro,
including studies that do not say which of their preparations a finding comes from) or ``animal only`` (rodent
in vivo, ex vivo or in vitro). Links supported by many animal studies but no human evidence
are the gaps a translational study could close.

>>> from nibs_graph.api import load_graph
>>> rows = translational_gaps(load_graph(), status="human")
>>> sorted({r.technique for r in rows})
['DCS', 'PAS', 'rTMS']
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from ..errors import QueryError
from ..resolve import resolve
from ._common import technique_nodes_under
from .filters import NO_FILTER, EvidenceFilter

__all__ = ["STATUSES", "Gap", "translational_gaps"]

STATUSES = ("human", "human cells", "animal only")
_DIRECTIONS = ("increased", "decreased", "unchanged")


@dataclass(frozen=True)
class Gap:
    """One technique → entity link and the kind of evidence behind it."""

    technique: str
    technique_id: str
    entity: str
    entity_id: str
    status: str
    directions: tuple[str, ...]
    studies: tuple[str, ...]
    human_studies: tuple[str, ...]
    species: tuple[str, ...]
    settings: tuple[str, ...]
    no_change_studies: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The documented JSON shape."""
        return asdict(self)


def _status(records: list[dict[str, Any]]) -> str:
    if any("human" in str(r["setting"]).split("|") for r in records):
        return "human"
    if any("human" in str(r["species"]).split("|") for r in records):
        return "human cells"
    return "animal only"


def translational_gaps(
    G: Any,
    *,
    technique: str | None = None,
    target: str | None = None,
    status: str | None = None,
    evidence_filter: EvidenceFilter | None = None,
) -> list[Gap]:
    """Class every stimulation link by its best evidence (human, human cells, animal only).

    Parameters
    ----------
    G:
        The projection.
    technique:
        Only links of this technique (a family includes its members).
    target:
        Only links to this entity.
    status:
        Only links of this class (``human``, ``human cells``, ``animal only``).
    evidence_filter:
        Only the findings it accepts count (species, setting, flags); a link needs ``min_studies`` studies.

    Returns
    -------
    list of Gap
        ``animal only`` links first, those with the most studies first (the largest gaps), then the others.
    """
    flt = evidence_filter or NO_FILTER
    if status is not None and status not in STATUSES:
        raise QueryError(f"status {status!r} is not allowed; allowed: {', '.join(STATUSES)}")
    starts = None
    if technique is not None:
        node = resolve(G, technique, types={"technique"})
        starts = set(technique_nodes_under(G, node))
    only = resolve(G, target) if target else None
    rows = []
    for t, attrs in G.nodes.items():
        if attrs.get("type") != "technique" or (starts is not None and t not in starts):
            continue
        for entity, keys in G.succ[t].items():
            if only is not None and entity != only:
                continue
            records = flt.keep((e for d in _DIRECTIONS if d in keys for e in keys[d]["evidence"]), G)
            if not records or not flt.enough(r["study_id"] for r in records):
                continue
            gap = Gap(
                technique=attrs["label"],
                technique_id=t,
                entity=G.nodes[entity]["label"],
                entity_id=entity,
                status=_status(records),
                directions=tuple(d for d in _DIRECTIONS if any(r["direction"] == d for r in records)),
                studies=tuple(sorted({r["study_id"] for r in records})),
                human_studies=tuple(
                    sorted({r["study_id"] for r in records if "human" in str(r["setting"]).split("|")})
                ),
                species=tuple(sorted({s for r in records for s in str(r["species"]).split("|") if s})),
                settings=tuple(sorted({s for r in records for s in str(r["setting"]).split("|") if s})),
                no_change_studies=tuple(sorted({r["study_id"] for r in records if r["direction"] == "unchanged"})),
            )
            if status is None or gap.status == status:
                rows.append(gap)
    order = {s: i for i, s in enumerate(reversed(STATUSES))}
    rows.sort(key=lambda g: (order[g.status], -len(g.studies), g.entity, g.technique))
    return rows
