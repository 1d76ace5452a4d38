"""The questions nibs-graph answers, as functions of the projection (graph first)."""

from .contradictions import Contradiction, contradictions
from .divergence import Divergence, divergence
from .evidence import evidence
from .hubs import Hub, hubs, signalling_centrality
from .paths import Hop, Path, PathResult, paths

__all__ = [
    "Contradiction",
    "Divergence",
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
