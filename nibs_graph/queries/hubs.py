"""Convergent hubs: the entities that many techniques and studies reach.

An entity is reached by a technique when at least one stimulation finding of that technique shows it increased
or decreased. Entities are ranked by the number of distinct techniques, then of studies; each also gets its
degree and betweenness centrality on the signalling layer (entity → entity links), and the number of studies
that measured it at all (``studies_measured``, no-change findings included).

Is a hub a hub because stimulation converges on it, or because every study measures it? ``hubs(G, null=N)``
answers with a degree-preserving permutation null (as Hetionet tests its features against permuted networks). The
links are the technique → target observations of change, one per study, technique and target; N times, the
targets of these links are shuffled among them, which keeps every technique's number of links (how much it was
studied) and every target's number of links (how often a change in it was reported) and rewires only who reached
whom. Each hub's statistic, its number of distinct techniques, is compared with its null distribution: the
empirical one-sided p is ``(1 + #{null ≥ observed}) / (N + 1)`` and z is ``(observed - mean) / sd``. A small p says
more techniques converge on the target than its number of reports alone would bring; a large p says its breadth
is what that many reports would give by chance. The null does not know the technique hierarchy (HF-rTMS and rTMS
count as two techniques), nor which targets a study chose to measure, nor publication bias.

>>> from nibs_graph.api import load_graph
>>> top = hubs(load_graph())[0]
>>> top.label
'BDNF'
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass
from operator import itemgetter
from typing import Any

from .. import vocab
from ..errors import QueryError
from ._common import nodes_of_type, signalling_edges, technique_lineage_labels
from .filters import NO_FILTER, EvidenceFilter

__all__ = [
    "BETWEENNESS_SAMPLE",
    "EXACT_BETWEENNESS_MAX_NODES",
    "Hub",
    "NullResult",
    "change_links",
    "exact_null",
    "hubs",
    "permutation_null",
    "signalling_centrality",
]

#: Up to this many entities on the signalling layer, :func:`hubs` computes betweenness exactly.
EXACT_BETWEENNESS_MAX_NODES = 10_000
#: Past it, betweenness is estimated from this many source nodes (exact Brandes on the 20,000 entities of a
#: million-finding base takes about 10 s on two cores; the estimate about 2 s, top-20 within about 12 %).
BETWEENNESS_SAMPLE = 1_000
_FINDING_ID = itemgetter("finding_id")
_STUDY_ID = itemgetter("study_id")


@dataclass(frozen=True)
class NullResult:
    """One target under the permutation null: observed distinct techniques, null mean and sd, p and z."""

    observed: int
    mean: float
    sd: float
    p: float
    z: float | None
    permutations: int
    seed: int


@dataclass(frozen=True)
class Hub:
    """One entity's convergence figures."""

    id: str
    label: str
    type: str
    techniques: tuple[str, ...]
    modalities: tuple[str, ...]
    studies: tuple[str, ...]
    findings: int
    unchanged_findings: int
    directions: dict[str, int]
    degree: int
    betweenness: float
    #: Source nodes the betweenness was estimated from (None: exact).
    betweenness_sample: int | None = None
    #: Distinct studies with a stimulation finding on the entity, no change included.
    studies_measured: int = 0
    #: The permutation null (only when ``hubs(..., null=N)``).
    null: NullResult | None = None

    def to_dict(self) -> dict[str, Any]:
        """The documented JSON shape (``betweenness_sample`` only when the betweenness is an estimate, ``null``
        only when a permutation null was run)."""
        data = asdict(self)
        if data["betweenness_sample"] is None:
            del data["betweenness_sample"]
        if data["null"] is None:
            del data["null"]
        data["n_techniques"] = len(self.techniques)
        data["n_studies"] = len(self.studies)
        return data


def _modality(G: Any, label: str) -> str:
    lineage = technique_lineage_labels(G, label)
    return lineage[-2] if len(lineage) >= 2 else lineage[-1]


def signalling_centrality(
    G: Any, *, sample: int | None = None, seed: int = 0
) -> tuple[dict[str, int], dict[str, float]]:
    """Degree and betweenness centrality of entities on the signalling layer.

    Exact betweenness uses rustworkx when installed (fast on large graphs), else NetworkX. With ``sample`` smaller
    than the number of entities, betweenness is estimated from that many source nodes drawn with ``seed``
    (:func:`nibs_graph.scale.centrality.sampled_betweenness` with numpy and scipy, else NetworkX's ``k``).
    """
    return _centrality(_signalling_edges(G), sample, seed)


def _signalling_edges(G: Any) -> set[tuple[str, str]]:
    return {(u, v) for u, v, _, _ in signalling_edges(G)}


def _centrality(edges: set[tuple[str, str]], sample: int | None, seed: int) -> tuple[dict[str, int], dict[str, float]]:
    nodes = sorted({n for edge in edges for n in edge})
    degree = dict.fromkeys(nodes, 0)
    for u, v in edges:
        degree[u] += 1
        degree[v] += 1
    betweenness: dict[str, float]
    if sample is not None and sample < len(nodes):
        try:
            from ..scale.centrality import sampled_betweenness

            return degree, sampled_betweenness(nodes, sorted(edges), sample, seed=seed)
        except ImportError:  # no numpy / scipy: NetworkX's estimate
            return degree, _networkx_betweenness(nodes, edges, sample, seed)
    try:
        import rustworkx as rx

        graph = rx.PyDiGraph()
        index = {n: graph.add_node(n) for n in nodes}
        graph.add_edges_from_no_data([(index[u], index[v]) for u, v in sorted(edges)])
        scores = rx.digraph_betweenness_centrality(graph, normalized=True)
        betweenness = {n: float(scores[index[n]]) for n in nodes}
    except ImportError:
        betweenness = _networkx_betweenness(nodes, edges, None, seed)
    return degree, betweenness


def _networkx_betweenness(
    nodes: list[str], edges: set[tuple[str, str]], sample: int | None, seed: int
) -> dict[str, float]:
    import networkx as nx

    dg = nx.DiGraph()
    dg.add_nodes_from(nodes)
    dg.add_edges_from(sorted(edges))
    result: dict[str, float] = nx.betweenness_centrality(dg, k=sample, seed=seed, normalized=True)
    return result


def change_links(G: Any, keep: Callable[[dict[str, Any]], bool] | None = None) -> list[tuple[str, str]]:
    """The technique → target links of the null model: one per (study, technique, target) with a change.

    >>> from nibs_graph.api import load_graph
    >>> links = change_links(load_graph("tests/data/tiny"))
    >>> ("nibs:iTBS", "HGNC:1033") in links
    True
    """
    links: set[tuple[str, str, str]] = set()
    for node, attrs in G.nodes.items():
        if attrs.get("type") != "technique":
            continue
        for target, keys in G.succ[node].items():
            for direction in ("increased", "decreased"):
                data = keys.get(direction)
                if data is None:
                    continue
                for record in data["evidence"]:
                    if keep is None or keep(record):
                        links.add((record["study_id"], node, target))
    return [(technique, target) for _, technique, target in sorted(links)]


def _distinct(links: Sequence[tuple[str, str]]) -> dict[str, int]:
    out: dict[str, set[str]] = {}
    for technique, target in links:
        out.setdefault(target, set()).add(technique)
    return {target: len(techniques) for target, techniques in out.items()}


def _summary(observed: int, values: Sequence[float] | Any, n: int, ge: int, seed: int) -> NullResult:
    mean = float(sum(values)) / n if n else 0.0
    var = float(sum((v - mean) ** 2 for v in values)) / (n - 1) if n > 1 else 0.0
    sd = math.sqrt(var)
    return NullResult(
        observed=observed,
        mean=round(mean, 4),
        sd=round(sd, 4),
        p=round((1 + ge) / (n + 1), 6),
        z=round((observed - mean) / sd, 3) if sd > 0 else None,
        permutations=n,
        seed=seed,
    )


def permutation_null(links: Sequence[tuple[str, str]], permutations: int, seed: int = 0) -> dict[str, NullResult]:
    """Every target's distinct-technique count against ``permutations`` degree-preserving rewirings of ``links``.

    Each permutation shuffles the targets of the links (numpy's PCG64 seeded with ``seed``), keeping every
    technique's and every target's number of links. Needs numpy (the ``scale`` extra).

    Raises
    ------
    QueryError
        When ``permutations`` is below 1 or numpy is not installed.
    """
    if permutations < 1:
        raise QueryError(f"--null {permutations}: the number of permutations must be at least 1")
    try:
        import numpy as np
    except ImportError:  # pragma: no cover - numpy is in the test extra
        raise QueryError("--null needs numpy: pip install 'nibs-graph[scale]'") from None
    techniques = sorted({t for t, _ in links})
    targets = sorted({x for _, x in links})
    if not links:
        return {}
    t_index = {t: i for i, t in enumerate(techniques)}
    x_index = {x: i for i, x in enumerate(targets)}
    n_t, n_x = len(techniques), len(targets)
    tech = np.fromiter((t_index[t] for t, _ in links), dtype=np.int64, count=len(links))
    tgt = np.fromiter((x_index[x] for _, x in links), dtype=np.int64, count=len(links))

    def distinct(target_of_link: Any) -> Any:
        present = np.zeros(n_x * n_t, dtype=bool)
        present[target_of_link * n_t + tech] = True
        return present.reshape(n_x, n_t).sum(axis=1)

    observed = distinct(tgt)
    rng = np.random.default_rng(seed)
    ge = np.zeros(n_x, dtype=np.int64)
    total = np.zeros(n_x, dtype=np.float64)
    squares = np.zeros(n_x, dtype=np.float64)
    for _ in range(permutations):
        counts = distinct(rng.permutation(tgt))
        ge += counts >= observed
        total += counts
        squares += counts.astype(np.float64) ** 2
    mean = total / permutations
    var = (squares - permutations * mean**2) / (permutations - 1) if permutations > 1 else np.zeros(n_x)
    sd = np.sqrt(np.maximum(var, 0.0))
    out = {}
    for i, x in enumerate(targets):
        z = (observed[i] - mean[i]) / sd[i] if sd[i] > 1e-12 else None
        out[x] = NullResult(
            observed=int(observed[i]),
            mean=round(float(mean[i]), 4),
            sd=round(float(sd[i]), 4),
            p=round(float((1 + ge[i]) / (permutations + 1)), 6),
            z=None if z is None else round(float(z), 3),
            permutations=permutations,
            seed=seed,
        )
    return out


def exact_null(links: Sequence[tuple[str, str]]) -> dict[str, NullResult]:
    """The exact null of :func:`permutation_null`, by enumerating every permutation (tiny graphs only).

    Here p is the exact ``P(null ≥ observed)`` (no +1), over all ``len(links)!`` equally likely shuffles.

    >>> r = exact_null([("A", "x"), ("A", "y"), ("B", "x")])["x"]
    >>> r.observed, r.p, r.permutations
    (2, 0.666667, 6)
    """
    if len(links) > 9:
        raise QueryError("exact_null enumerates every permutation: at most 9 links")
    observed = _distinct(links)
    targets = [x for _, x in links]
    values: dict[str, list[int]] = {x: [] for x in observed}
    for order in itertools.permutations(targets):
        counts = _distinct([(t, x) for (t, _), x in zip(links, order, strict=True)])
        for x in observed:
            values[x].append(counts.get(x, 0))
    out = {}
    for x, obs in observed.items():
        vals = values[x]
        n = len(vals)
        mean = sum(vals) / n
        sd = math.sqrt(sum((v - mean) ** 2 for v in vals) / (n - 1)) if n > 1 else 0.0
        p = sum(1 for v in vals if v >= obs) / n
        out[x] = NullResult(
            obs, round(mean, 4), round(sd, 4), round(p, 6), None if sd == 0 else round((obs - mean) / sd, 3), n, 0
        )
    return out


def _technique_evidence(
    G: Any, node: str, accept: Callable[[dict[str, Any]], bool] | None
) -> Iterator[tuple[str, str, list[str], list[str]]]:
    """``(target, direction, finding ids, study ids)`` of each effect edge out of a technique node, for the
    evidence records passing ``accept``. Without ``accept``, a cached graph reads the ids from their own table
    instead of decoding every record."""
    section = getattr(G, "effect_ids", None)
    if accept is None and section is not None:
        for target, direction, ids in section(node):
            if direction in vocab.DIRECTION_SIGNS:
                yield target, direction, [f for f, _ in ids], [s for _, s in ids]
        return
    for target, keys in G.succ[node].items():
        for direction, data in keys.items():
            if direction not in vocab.DIRECTION_SIGNS:
                continue
            evidence = data["evidence"] if accept is None else [r for r in data["evidence"] if accept(r)]
            yield target, direction, list(map(_FINDING_ID, evidence)), list(map(_STUDY_ID, evidence))


def hubs(
    G: Any,
    *,
    top: int | None = None,
    min_techniques: int = 1,
    betweenness_sample: int | str | None = "auto",
    null: int = 0,
    seed: int = 0,
    keep: Callable[[dict[str, Any]], bool] | None = None,
    evidence_filter: EvidenceFilter | None = None,
) -> list[Hub]:
    """Rank entities by the number of distinct techniques, then studies, that reach them.

    Parameters
    ----------
    G:
        The projection.
    top:
        Return only the first ``top`` entities.
    min_techniques:
        Leave out entities reached by fewer techniques.
    betweenness_sample:
        ``"auto"``: exact betweenness up to :data:`EXACT_BETWEENNESS_MAX_NODES` signalling entities, else
        estimated from :data:`BETWEENNESS_SAMPLE` sources; ``None``: always exact; a number: estimated from that
        many sources. Each hub records the sample used (``betweenness_sample``, None when exact). The counts
        (techniques, studies, findings) are always exact.
    null, seed:
        Run ``null`` degree-preserving permutations of the technique → target links (seeded with ``seed``) and
        give each hub its empirical p and z (see the module's description); 0: none.
    keep:
        Count only the evidence records (findings) passing ``keep``.
    evidence_filter:
        Count only the findings it accepts (species, setting, flags); leave out entities reached by fewer than its
        ``min_studies`` studies.
    """
    flt = evidence_filter or NO_FILTER

    def both(record: dict[str, Any]) -> bool:
        return flt.accepts(record, G) and (keep is None or keep(record))

    accept = both if flt.filters_records else keep
    reach: dict[str, dict[str, Any]] = {}
    for node, attrs in nodes_of_type(G, "technique"):
        for target, direction, findings, studies in _technique_evidence(G, node, accept):
            entry = reach.setdefault(
                target,
                {
                    "techniques": set(),
                    "studies": set(),
                    "findings": set(),
                    "unchanged": set(),
                    "measured": set(),
                    "dirs": {},
                },
            )
            if not findings:
                continue
            entry["measured"].update(studies)
            entry["dirs"][direction] = entry["dirs"].get(direction, 0) + len(findings)
            if direction == "unchanged":
                entry["unchanged"].update(findings)
                continue
            entry["techniques"].add(attrs["label"])
            entry["studies"].update(studies)
            entry["findings"].update(findings)
    edges = _signalling_edges(G)
    sample: int | None
    if betweenness_sample == "auto":
        n_layer = len({n for edge in edges for n in edge})
        sample = BETWEENNESS_SAMPLE if n_layer > EXACT_BETWEENNESS_MAX_NODES else None
    elif betweenness_sample is None or isinstance(betweenness_sample, int):
        sample = betweenness_sample
    else:
        raise ValueError(f"betweenness_sample must be 'auto', None or a number, not {betweenness_sample!r}")
    degree, betweenness = _centrality(edges, sample, 0)
    sampled = sample if sample is not None and sample < len(degree) else None
    nulls = permutation_null(change_links(G, accept), null, seed) if null else {}
    modalities: dict[str, str] = {}

    def modality(label: str) -> str:  # a technique's modality, found once per technique
        if label not in modalities:
            modalities[label] = _modality(G, label)
        return modalities[label]

    result = []
    for node, entry in reach.items():
        if len(entry["techniques"]) < min_techniques or len(entry["studies"]) < flt.min_studies:
            continue
        attrs = G.nodes[node]
        order = list(vocab.TECHNIQUES)  # a technique declared by the data comes after the built-in ones
        techniques = tuple(sorted(entry["techniques"], key=lambda t: (order.index(t) if t in order else len(order), t)))
        result.append(
            Hub(
                id=node,
                label=attrs.get("label", node),
                type=attrs.get("type", ""),
                techniques=techniques,
                modalities=tuple(sorted({modality(t) for t in techniques})),
                studies=tuple(sorted(entry["studies"])),
                findings=len(entry["findings"]),
                unchanged_findings=len(entry["unchanged"]),
                directions=dict(sorted(entry["dirs"].items())),
                degree=degree.get(node, 0),
                betweenness=round(betweenness.get(node, 0.0), 6),
                betweenness_sample=sampled,
                studies_measured=len(entry["measured"]),
                null=nulls.get(node) if null else None,
            )
        )
    result.sort(key=lambda h: (-len(h.techniques), -len(h.studies), -h.findings, h.label))
    return result[:top] if top else result
