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
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

from ..errors import QueryError
from ..resolve import resolve
from ._common import evidence_item, node_summary, signalling_edges, study_citations, technique_nodes_under
from .filters import NO_FILTER, EvidenceFilter
from .support import needs_support, supporting_studies

__all__ = ["Hop", "Path", "PathResult", "paths"]

_CHANGE = ("increased", "decreased")
_START_TYPES = {"technique", "protocol"}


class EvidenceStep:
    """What a step of a path (a :class:`Hop`, or a route's step) tells from the evidence behind it."""

    evidence: tuple[dict[str, Any], ...]

    @property
    def flagged(self) -> bool:
        """True when every piece of evidence behind the step carries a certainty flag."""
        return bool(self.evidence) and all(e.get("flags") for e in self.evidence)

    @property
    def basis(self) -> str | None:
        """A signalling step's basis (``stated``, ``inferred`` ...; several joined by ``|``); None for an effect."""
        bases = sorted({str(e.get("basis")) for e in self.evidence if "link_id" in e})
        return "|".join(bases) if bases else None

    @property
    def cited(self) -> tuple[str, ...]:
        """A signalling step's cited studies (its review references resolved)."""
        return tuple(dict.fromkeys(s for e in self.evidence if "link_id" in e for s in e.get("studies") or ()))


@dataclass(frozen=True)
class Hop(EvidenceStep):
    """One step of a path, with the evidence behind it."""

    source: str
    target: str
    relation: str
    sign: int | None
    evidence: tuple[dict[str, Any], ...]
    #: Signalling hops: the cited studies that observed both ends under the filter (when it asks for support).
    support: tuple[str, ...] = ()
    #: A signalling hop without the support the filter asks for, kept because of ``allow_assumed``.
    assumed: bool = False
    #: An effect hop of a cached graph whose ``evidence`` is not read yet: its distinct studies (see
    #: :func:`_resolved`, which reads the evidence of the hops of the paths shown).
    pending_studies: frozenset[str] | None = None

    @cached_property
    def studies(self) -> frozenset[str]:
        """Distinct studies behind the hop (empty for a signalling link); computed once per hop."""
        if self.pending_studies is not None:
            return self.pending_studies
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
    #: When nothing passed the filter: the hops of the unfiltered paths that the filter rejects, each a dict with
    #: ``source``, ``target``, ``relation``, ``kind`` (effect, signalling), ``why`` and ``paths`` (how many
    #: unfiltered paths use it), the hops nearest the start first.
    blocked: list[dict[str, Any]] = field(default_factory=list)

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
            "blocked_hops": self.blocked,
            "paths": [
                {
                    "nodes": [node_summary(G, n) for n in p.nodes],
                    "hops": [
                        {
                            "source": h.source,
                            "target": h.target,
                            "relation": h.relation,
                            "sign": h.sign,
                            "basis": h.basis,
                            "cited_studies": list(h.cited),
                            "support": list(h.support),
                            "assumed": h.assumed,
                            "flagged": h.flagged,
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


def _effect_hops(G: Any, node: str, flt: EvidenceFilter, keep: Callable[[str], bool] | None = None) -> list[Hop]:
    """The observed-effect hops out of ``node``; ``keep`` skips targets that cannot lead to the destination."""
    hops = []
    succ = G.succ[node]
    # a cached graph tells each edge's studies without reading its evidence, which is read for the paths shown
    brief = getattr(succ, "evidence_brief", None) if not flt.filters_records and flt.min_studies <= 1 else None
    for target in succ:  # the targets first: a cached graph reads the edges kept only
        if keep is not None and not keep(target):
            continue
        keys = None
        for key in _CHANGE:
            known = brief(target, key) if brief is not None else None
            if known is not None:
                sign, count, studies = known
                if count:
                    hops.append(Hop(node, target, key, sign, (), pending_studies=studies))
                continue
            if keys is None:
                keys = succ[target]
            data = keys.get(key)
            if data is None:
                continue
            evidence = flt.keep(data["evidence"], G) if flt.filters_records else data["evidence"]
            if flt.min_studies <= 1:
                if not evidence:
                    continue
            elif not flt.enough(e["study_id"] for e in evidence):
                continue
            hops.append(Hop(node, target, key, data["sign"], tuple(evidence)))
    return hops


def _signalling_hop(
    G: Any, node: str, target: str, relation: str, sign: int | None, links: list[dict[str, Any]], flt: EvidenceFilter
) -> Hop | None:
    """One signalling hop under the filter: its links that count, and its support; None when it is left out."""
    if flt.filters_records:
        links = [link for link in links if flt.accepts(link, G)]
        if not links:
            return None
    if not flt.checks_hops or not any(needs_support(link, relation) for link in links):
        return Hop(node, target, relation, sign, tuple(links))
    support = tuple(dict.fromkeys(s for link in links for s in supporting_studies(G, link, node, target, flt)))
    if flt.enough(support) and support:
        return Hop(node, target, relation, sign, tuple(links), support=support)
    if not flt.allow_assumed:
        return None
    return Hop(node, target, relation, sign, tuple(links), support=support, assumed=True)


@dataclass
class _HopIndex:
    """The signalling hops of one graph, indexed once: ``G.pred`` also holds every protocol and technique observed
    to change a node (tens of thousands for a hub of a large base), which the search never walks."""

    #: node -> [(node that can hop to it, the layers of those hops)]: its signalling sources and its members
    into: dict[str, list[tuple[str, frozenset[str]]]]
    #: member -> [family]
    families: dict[str, list[str]]


_HOP_INDEX: list[Any] = [None, None]  # the last graph indexed and its index


def _hop_index(G: Any) -> _HopIndex:
    if _HOP_INDEX[0] is G:
        return _HOP_INDEX[1]
    layered: dict[tuple[str, str], list[tuple[Any, Any]]] = {}
    for u, v, layer, relation in signalling_edges(G):
        layered.setdefault((u, v), []).append((layer, relation))
    into: dict[str, list[tuple[str, frozenset[str]]]] = {}
    families: dict[str, list[str]] = {}
    for (u, v), edges in layered.items():
        into.setdefault(v, []).append((u, frozenset(layer for layer, _ in edges)))
        members = frozenset(layer for layer, relation in edges if relation == "has_member")
        if members:  # v is a member of the family u, and reaches it
            into.setdefault(u, []).append((v, members))
            families.setdefault(v, []).append(u)
    index = _HopIndex(into, families)
    _HOP_INDEX[:] = [G, index]
    return index


def _distances_to(G: Any, dst: str, layers: frozenset[str] | None, depth: int) -> dict[str, int]:
    """The fewest signalling hops from each node to ``dst`` (up to ``depth``): the hops of
    :func:`_signalling_hops` walked backwards, so that the search can skip branches that cannot arrive in time."""
    into = _hop_index(G).into
    dist = {dst: 0}
    frontier = [dst]
    for d in range(1, depth + 1):
        reached = []
        for node in frontier:
            for source, hop_layers in into.get(node, ()):
                if source not in dist and (layers is None or not hop_layers.isdisjoint(layers)):
                    dist[source] = d
                    reached.append(source)
        frontier = reached
    return dist


def _signalling_hops(
    G: Any,
    node: str,
    layers: frozenset[str] | None,
    keep: Callable[[str], bool] | None = None,
    flt: EvidenceFilter = NO_FILTER,
) -> list[Hop]:
    """The signalling hops out of ``node`` (links, and member to family); ``keep`` skips hopeless targets."""
    grouped: dict[tuple[str, str], list[dict[str, Any]]] = {}
    signs: dict[tuple[str, str], int | None] = {}
    succ = G.succ[node]
    for target in succ:
        if keep is not None and not keep(target):
            continue
        for data in succ[target].values():
            if "layer" not in data or (layers is not None and data["layer"] not in layers):
                continue
            grouped.setdefault((target, data["relation"]), []).extend(data["evidence"])
            signs[(target, data["relation"])] = data["sign"]
    for member_of in _hop_index(G).families.get(node, ()):  # a member reaches its family
        if keep is not None and not keep(member_of):
            continue
        for data in G.succ[member_of][node].values():
            if data.get("relation") == "has_member" and (layers is None or data["layer"] in layers):
                grouped.setdefault((member_of, "member_of"), []).extend(data["evidence"])
                signs[(member_of, "member_of")] = 1
    if not flt.active:
        return [
            Hop(node, target, relation, signs[(target, relation)], tuple(evidence))
            for (target, relation), evidence in sorted(grouped.items())
        ]
    hops = []
    for (target, relation), evidence in sorted(grouped.items()):
        hop = _signalling_hop(G, node, target, relation, signs[(target, relation)], evidence, flt)
        if hop is not None:
            hops.append(hop)
    return hops


def _observed(G: Any, start: str, target: str, flt: EvidenceFilter) -> list[str]:
    keys = G.succ[start].get(target, {})
    return [d for d in ("increased", "decreased", "unchanged") if d in keys and flt.keep(keys[d]["evidence"], G)]


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
    evidence_filter: EvidenceFilter | None = None,
    species: str | None = None,
    setting: str | None = None,
    min_studies: int | None = None,
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
    evidence_filter:
        Which evidence counts (:class:`~nibs_graph.queries.filters.EvidenceFilter`): species, setting and
        ``min_studies`` apply to every hop (a signalling hop needs a cited study that observed both of its ends
        there, else it is *assumed*: left out, or kept and marked with ``allow_assumed``); flagged evidence can be
        left out.
    species, setting, min_studies:
        Shortcuts for an ``evidence_filter`` with these values (they override its own).
    layers:
        Signalling layers to walk (default: every layer in the graph).
    max_paths:
        The number of paths returned (all are counted; ``truncated`` says when more were found).
    time_limit:
        Seconds after which the search stops and ``truncated`` says so.

    Returns
    -------
    PathResult
        Paths ranked by number of hops, then by the weakest hop's study count, then by total studies. When no path
        passes the filter, ``blocked`` names the hops of the unfiltered paths that it rejects.

    Examples
    --------
    >>> from nibs_graph.api import load_graph
    >>> r = paths(load_graph(), "iTBS", "BDNF", max_hops=1)
    >>> r.paths[0].hops[0].relation
    'increased'
    """
    flt = evidence_filter or NO_FILTER
    if species is not None or setting is not None or min_studies is not None:
        flt = replace(
            flt,
            species=species if species is not None else flt.species,
            setting=setting if setting is not None else flt.setting,
            min_studies=min_studies if min_studies is not None else flt.min_studies,
        )
    if not 1 <= max_hops <= 8:
        raise QueryError(f"max_hops must be between 1 and 8, got {max_hops}")
    src = resolve(G, source)
    dst = resolve(G, target)
    if G.nodes[dst].get("type") in _START_TYPES:
        raise QueryError(f"the target must be a molecular entity, not a {G.nodes[dst]['type']} ({target!r})")
    layer_set = frozenset(layers) if layers is not None else None
    found, reason = _search(G, src, dst, max_hops, max_paths, flt, layer_set, time.monotonic() + time_limit)
    blocked: list[dict[str, Any]] = []
    if not found and flt.active and reason is None:
        unfiltered, _ = _search(G, src, dst, max_hops, 200, NO_FILTER, layer_set, time.monotonic() + time_limit)
        blocked = _blocked_hops(G, [hops for _, hops in unfiltered], flt)

    total = len(found)
    if total > max_paths:  # rank fully only the paths that can be among the first max_paths
        primary = [_rank_primary(item) for item in found]
        cut = sorted(primary)[max_paths - 1]
        found = [item for item, key in zip(found, primary, strict=True) if key <= cut]
    found.sort(key=_rank)
    observed_cache: dict[str, list[str]] = {}
    chosen = [_make_path(G, start, hops, flt, observed_cache) for start, hops in found[:max_paths]]
    if total > max_paths and reason is None:
        reason = "max_paths"
    return PathResult(
        source=src,
        target=dst,
        paths=chosen,
        total_found=total,
        truncated=reason is not None,
        reason=reason,
        max_hops=max_hops,
        filters=flt.to_dict(),
        blocked=blocked,
    )


def _search(
    G: Any,
    src: str,
    dst: str,
    max_hops: int,
    max_paths: int,
    flt: EvidenceFilter,
    layer_set: frozenset[str] | None,
    deadline: float,
) -> tuple[list[tuple[str, list[Hop]]], str | None]:
    """Every path (start, hops) from ``src`` to ``dst`` under ``flt``, and why the search stopped early, if it did."""
    starts = technique_nodes_under(G, src) if G.nodes[src]["type"] == "technique" else [src]
    found: list[tuple[str, list[Hop]]] = []  # (start, hops); a Path is made only for the paths returned
    reason: str | None = None
    hard_cap = max(max_paths * 200, 10_000)
    hop_cache: dict[tuple[str, int], list[Hop]] = {}
    # a hop is taken only if the destination stays reachable in the hops left (the same paths, found in the same
    # order: only branches that cannot arrive are skipped; on a large graph that is almost all of them)
    dist = _distances_to(G, dst, layer_set, max_hops - 1)  # after the first hop, at most max_hops - 1 remain
    unreachable = max_hops + 1

    def next_hops(node: str, first: bool, left: int) -> list[Hop]:
        """The hops out of ``node`` after which ``dst`` is still reachable with ``left`` hops (this one included)."""

        def keep(target: str) -> bool:
            return dist.get(target, unreachable) <= left - 1

        if first:
            return _effect_hops(G, node, flt, keep=keep)
        hops = hop_cache.get((node, left))
        if hops is None:
            hops = hop_cache[(node, left)] = _signalling_hops(G, node, layer_set, keep=keep, flt=flt)
        return hops

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
            for hop in next_hops(node, first_is_effect and not hops, max_hops - len(hops)):
                if hop.target in seen:
                    continue
                if hop.relation == "has_member" and hops and hops[-1].relation == "member_of":
                    continue  # member -> family -> another member says nothing about the sibling
                new_hops = [*hops, hop]
                if hop.target == dst:
                    found.append((start, new_hops))
                    if len(found) >= hard_cap:
                        reason = "search_cap"
                        break
                    continue
                stack.append((hop.target, new_hops, seen | {hop.target}))
            if reason:
                break
        if reason:
            break
    return found, reason


def _blocked_hops(G: Any, unfiltered: list[list[Hop]], flt: EvidenceFilter) -> list[dict[str, Any]]:
    """The hops of unfiltered paths that ``flt`` rejects (nearest the start, then most common, first), with why."""
    counts: dict[tuple[str, str, str], int] = {}
    position: dict[tuple[str, str, str], int] = {}
    why: dict[tuple[str, str, str], str] = {}
    where = flt.where()
    for pending in unfiltered:
        hops = [_resolved(G, hop) for hop in pending]
        for i, hop in enumerate(hops):
            key = (hop.source, hop.target, hop.relation)
            if key in why:
                counts[key] += 1
                position[key] = min(position[key], i)
                continue
            if "link_id" in (hop.evidence[0] if hop.evidence else {}):
                passed = _signalling_hop(G, hop.source, hop.target, hop.relation, hop.sign, list(hop.evidence), flt)
                if passed is not None and not passed.assumed:
                    continue
                if flt.filters_records and not flt.keep(hop.evidence, G):
                    reason = "every link behind it is flagged"
                elif hop.cited:
                    cites = study_citations(G)
                    reason = (
                        f"no cited study ({'; '.join(cites.get(c, c) for c in hop.cited)}) observed both ends"
                        + (f" in {where}" if where else "")
                        + (f" (at least {flt.min_studies} needed)" if flt.min_studies > 1 else "")
                    )
                else:
                    reason = "the link cites no study of the evidence base"
            else:
                kept = flt.keep(hop.evidence, G)
                if kept and flt.enough(e["study_id"] for e in kept):
                    continue
                if not kept and where and any(flt.flag_ok(e.get("flags")) for e in hop.evidence):
                    reason = f"no finding in {where}"
                elif not kept:
                    reason = "every finding behind it is flagged" if not where else f"no unflagged finding in {where}"
                else:
                    reason = f"fewer than {flt.min_studies} studies"
            why[key] = reason
            counts[key] = 1
            position[key] = i
    ranked = sorted(counts, key=lambda k: (position[k], -counts[k], k))
    return [
        {
            "source": s,
            "target": t,
            "relation": r,
            "kind": "effect" if r in _CHANGE else "signalling",
            "why": why[(s, t, r)],
            "paths": counts[(s, t, r)],
        }
        for s, t, r in ranked
    ]


def _resolved(G: Any, hop: Hop) -> Hop:
    """``hop`` with its evidence read (a pending effect hop of a cached graph), else ``hop`` itself."""
    if hop.pending_studies is None:
        return hop
    return replace(hop, evidence=tuple(G.succ[hop.source][hop.target][hop.relation]["evidence"]), pending_studies=None)


def _make_path(
    G: Any,
    start: str,
    hops: list[Hop],
    flt: EvidenceFilter = NO_FILTER,
    observed_cache: dict[str, list[str]] | None = None,
) -> Path:
    hops = [_resolved(G, hop) for hop in hops]
    sign: int | None = 1
    for hop in hops:
        sign = None if sign is None or hop.sign is None or hop.sign == 0 else sign * hop.sign
    target = hops[-1].target
    if G.nodes[start].get("type") not in _START_TYPES:
        observed: list[str] = []
    elif observed_cache is not None:  # every path of one search ends at the same target
        if start not in observed_cache:
            observed_cache[start] = _observed(G, start, target, flt)
        observed = list(observed_cache[start])
    else:
        observed = _observed(G, start, target, flt)
    return Path(
        nodes=[start, *(h.target for h in hops)],
        hops=hops,
        sign=sign,
        consistency=_judge(sign, observed, direct=len(hops) == 1),
        observed=observed,
    )


def _rank_primary(found: tuple[str, list[Hop]]) -> tuple[int, int, int]:
    """The leading part of :func:`_rank` (hops, weakest hop's studies, all studies)."""
    hops = found[1]
    study_sets = [h.studies for h in hops if h.studies]
    if len(study_sets) == 1:
        n = len(study_sets[0])
        return (len(hops), -n, -n)
    weakest = min((len(s) for s in study_sets), default=0)
    return (len(hops), -weakest, -len(set().union(*study_sets)))


def _rank(found: tuple[str, list[Hop]]) -> tuple[Any, ...]:
    """Hops, then the weakest hop's studies, then all studies (more first), then nodes and relations."""
    start, hops = found
    study_sets = [h.studies for h in hops if h.studies]
    weakest = min((len(s) for s in study_sets), default=0)
    # only effect hops carry studies, and a path has one: no union to build in the common case
    total = len(study_sets[0]) if len(study_sets) == 1 else len(set().union(*study_sets))
    return (len(hops), -weakest, -total, [start, *(h.target for h in hops)], [h.relation for h in hops])
