"""Paths from a technique, protocol or entity to an entity, with their evidence and propagated sign.

A path starts with an observed effect (technique or protocol → entity, increased or decreased, stimulation
effects only) and continues through signalling links (entity → entity; a member also reaches its FamPlex family,
but a path never steps from one member of a family to a sibling through the family).
Each hop carries its evidence. The product of the hop signs is the path's sign, compared with any direct
observation of the target by the path's first technique or protocol: ``consistent`` (the predicted direction was
observed), ``contradicted`` (only the opposite or no change was observed) or ``untested`` (no direct observation,
or an unsigned hop).

>>> from nibs_graph.api import load_graph
>>> result = paths(load_graph(), "iTBS", "mTOR")
>>> result.paths[0].nodes[0], result.paths[0].nodes[-1]
('nibs:iTBS', 'HGNC:3942')
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from ..errors import QueryError
from ..resolve import resolve
from ._common import evidence_item, filter_evidence, node_summary, technique_nodes_under

__all__ = ["Hop", "Path", "PathResult", "paths"]

_CHANGE = ("increased", "decreased")
_START_TYPES = {"technique", "protocol"}


@dataclass(frozen=True)
class Hop:
    """One step of a path, with the evidence behind it."""

    source: str
    target: str
    relation: str
    sign: int | None
    evidence: tuple[dict[str, Any], ...]

    @property
    def studies(self) -> frozenset[str]:
        """Distinct studies behind the hop (empty for a signalling link)."""
        return frozenset(e["study_id"] for e in self.evidence if e.get("study_id"))


@dataclass
class Path:
    """A simple path and what its hops predict."""

    nodes: list[str]
    hops: list[Hop]
    sign: int | None
    consistency: str
    observed: list[str] = field(default_factory=list)

    def studies(self) -> set[str]:
        """Every study behind any hop."""
        return set().union(*(hop.studies for hop in self.hops))


@dataclass
class PathResult:
    """The answer of :func:`paths`."""

    source: str
    target: str
    paths: list[Path]
    total_found: int
    truncated: bool
    reason: str | None
    max_hops: int
    filters: dict[str, Any]

    def to_dict(self, G: Any) -> dict[str, Any]:
        """The documented JSON shape (see ``docs/json.md``)."""
        return {
            "source": node_summary(G, self.source),
            "target": node_summary(G, self.target),
            "max_hops": self.max_hops,
            "filters": self.filters,
            "total_found": self.total_found,
            "truncated": self.truncated,
            "truncated_reason": self.reason,
            "paths": [
                {
                    "nodes": [node_summary(G, n) for n in p.nodes],
                    "hops": [
                        {
                            "source": h.source,
                            "target": h.target,
                            "relation": h.relation,
                            "sign": h.sign,
                            "evidence": [evidence_item(e) for e in h.evidence],
                        }
                        for h in p.hops
                    ],
                    "sign": p.sign,
                    "consistency": p.consistency,
                    "observed": p.observed,
                    "studies": sorted(p.studies()),
                }
                for p in self.paths
            ],
        }


def _effect_hops(G: Any, node: str, species: str | None, setting: str | None, min_studies: int) -> list[Hop]:
    hops = []
    for target, keys in G.succ[node].items():
        for key in _CHANGE:
            data = keys.get(key)
            if data is None:
                continue
            evidence = filter_evidence(data["evidence"], species, setting)
            if len({e["study_id"] for e in evidence}) < max(min_studies, 1):
                continue
            hops.append(Hop(node, target, key, data["sign"], tuple(evidence)))
    return hops


def _signalling_hops(G: Any, node: str, layers: frozenset[str] | None) -> list[Hop]:
    grouped: dict[tuple[str, str], list[dict[str, Any]]] = {}
    signs: dict[tuple[str, str], int | None] = {}
    for target, keys in G.succ[node].items():
        for data in keys.values():
            if "layer" not in data or (layers is not None and data["layer"] not in layers):
                continue
            grouped.setdefault((target, data["relation"]), []).extend(data["evidence"])
            signs[(target, data["relation"])] = data["sign"]
    for member_of, keys in G.pred[node].items():  # a member reaches its family
        for data in keys.values():
            if data.get("relation") == "has_member" and (layers is None or data["layer"] in layers):
                grouped.setdefault((member_of, "member_of"), []).extend(data["evidence"])
                signs[(member_of, "member_of")] = 1
    return [
        Hop(node, target, relation, signs[(target, relation)], tuple(evidence))
        for (target, relation), evidence in sorted(grouped.items())
    ]


def _observed(G: Any, start: str, target: str, species: str | None, setting: str | None) -> list[str]:
    keys = G.succ[start].get(target, {})
    return [
        d
        for d in ("increased", "decreased", "unchanged")
        if d in keys and filter_evidence(keys[d]["evidence"], species, setting)
    ]


def _judge(sign: int | None, observed: list[str], direct: bool) -> str:
    if sign is None or sign == 0 or not observed:
        return "untested"
    expected = "increased" if sign > 0 else "decreased"
    return "consistent" if expected in observed or direct else "contradicted"


def paths(
    G: Any,
    source: str,
    target: str,
    *,
    max_hops: int = 4,
    species: str | None = None,
    setting: str | None = None,
    min_studies: int = 1,
    layers: set[str] | frozenset[str] | None = None,
    max_paths: int = 50,
    time_limit: float = 5.0,
) -> PathResult:
    """Find the simple paths of up to ``max_hops`` hops from ``source`` to ``target``.

    Parameters
    ----------
    G:
        The projection (:func:`nibs_graph.api.load_graph` or a ``networkx.MultiDiGraph`` from it).
    source:
        A technique (a family such as ``TBS`` includes iTBS and cTBS), a protocol, or an entity.
    target:
        An entity.
    max_hops:
        The longest path considered (1-8).
    species, setting:
        Keep only effect evidence measured in this species (``rat``) or setting (``human``).
    min_studies:
        Keep only effect hops supported by at least this many distinct studies.
    layers:
        Signalling layers to walk (default: every layer in the graph).
    max_paths:
        The number of paths returned (all are counted; ``truncated`` says when more were found).
    time_limit:
        Seconds after which the search stops and ``truncated`` says so.

    Returns
    -------
    PathResult
        Paths ranked by number of hops, then by the weakest hop's study count, then by total studies.

    Examples
    --------
    >>> from nibs_graph.api import load_graph
    >>> r = paths(load_graph(), "iTBS", "BDNF", max_hops=1)
    >>> r.paths[0].hops[0].relation
    'increased'
    """
    if not 1 <= max_hops <= 8:
        raise QueryError(f"max_hops must be between 1 and 8, got {max_hops}")
    if min_studies < 1:
        raise QueryError(f"min_studies must be at least 1, got {min_studies}")
    src = resolve(G, source)
    dst = resolve(G, target)
    if G.nodes[dst].get("type") in _START_TYPES:
        raise QueryError(f"the target must be a molecular entity, not a {G.nodes[dst]['type']} ({target!r})")
    layer_set = frozenset(layers) if layers is not None else None
    starts = technique_nodes_under(G, src) if G.nodes[src]["type"] == "technique" else [src]

    found: list[Path] = []
    deadline = time.monotonic() + time_limit
    reason: str | None = None
    hard_cap = max(max_paths * 200, 10_000)
    hop_cache: dict[str, list[Hop]] = {}

    def next_hops(node: str, first: bool) -> list[Hop]:
        if first:
            return _effect_hops(G, node, species, setting, min_studies)
        if node not in hop_cache:
            hop_cache[node] = _signalling_hops(G, node, layer_set)
        return hop_cache[node]

    for start in starts:
        if G.nodes[start].get("type") not in _START_TYPES and start != src:
            continue
        first_is_effect = G.nodes[start].get("type") in _START_TYPES
        stack: list[tuple[str, list[Hop], set[str]]] = [(start, [], {start})]
        while stack:
            if time.monotonic() > deadline:
                reason = "time_limit"
                break
            node, hops, seen = stack.pop()
            for hop in next_hops(node, first_is_effect and not hops):
                if hop.target in seen:
                    continue
                if hop.relation == "has_member" and hops and hops[-1].relation == "member_of":
                    continue  # member -> family -> another member says nothing about the sibling
                new_hops = [*hops, hop]
                if hop.target == dst:
                    found.append(_make_path(G, start, new_hops, species, setting))
                    if len(found) >= hard_cap:
                        reason = "search_cap"
                        break
                    continue
                if len(new_hops) < max_hops:
                    stack.append((hop.target, new_hops, seen | {hop.target}))
            if reason:
                break
        if reason:
            break

    found.sort(key=_rank)
    total = len(found)
    if total > max_paths and reason is None:
        reason = "max_paths"
    return PathResult(
        source=src,
        target=dst,
        paths=found[:max_paths],
        total_found=total,
        truncated=reason is not None,
        reason=reason,
        max_hops=max_hops,
        filters={"species": species, "setting": setting, "min_studies": min_studies},
    )


def _make_path(G: Any, start: str, hops: list[Hop], species: str | None, setting: str | None) -> Path:
    sign: int | None = 1
    for hop in hops:
        sign = None if sign is None or hop.sign is None or hop.sign == 0 else sign * hop.sign
    target = hops[-1].target
    observed = _observed(G, start, target, species, setting) if G.nodes[start].get("type") in _START_TYPES else []
    return Path(
        nodes=[start, *(h.target for h in hops)],
        hops=hops,
        sign=sign,
        consistency=_judge(sign, observed, direct=len(hops) == 1),
        observed=observed,
    )


def _rank(path: Path) -> tuple[Any, ...]:
    weakest = min((len(h.studies) for h in path.hops if h.studies), default=0)
    return (len(path.hops), -weakest, -len(path.studies()), path.nodes, [h.relation for h in path.hops])
