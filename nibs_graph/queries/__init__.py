"""The questions nibs-graph answers, as functions of the projection (graph first).

Every query takes an :class:`EvidenceFilter` (``evidence_filter=``): which evidence counts (species, setting,
minimum studies, certainty flags) and whether hops without that support are kept as *assumed*.
"""

from .contradictions import Contradiction, contradictions
from .divergence import Divergence, divergence
from .evidence import evidence
from .filters import NO_FILTER, EvidenceFilter
from .hubs import Hub, hubs, signalling_centrality
from .paths import Hop, Path, PathResult, paths

__all__ = [
    "NO_FILTER",
    "Contradiction",
    "Divergence",
    "EvidenceFilter",
    "Hop",
    "Hub",
    "Path",
    "PathResult",
    "contradictions",
    "divergence",
    "evidence",
    "hubs",
    "paths",
    "signalling_centrality",
]
