"""Time ``hubs --null N``: the degree-preserving permutation null, on the shipped data and on synthetic bases.

For each base the projection is loaded once (not timed), then ``hubs(G, null=N)`` runs ``--repeat`` times and the
median, minimum and maximum wall time are printed (and written as JSON with ``--json FILE``). The 100k base is the
SYNTHETIC one of :mod:`benchmarks.generate` (generated once into the benchmark folder).

Usage (from the repository root)::

    python -m benchmarks.hub_null --null 1000 --repeat 5 --sizes shipped 100k
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any


def _graph(size: str) -> Any:
    from nibs_graph.api import load_graph

    if size == "shipped":
        return load_graph()
    from .generate import SIZES, ensure_base

    return load_graph(ensure_base(SIZES[size]))


def measure(size: str, permutations: int, repeat: int, seed: int = 0) -> dict[str, Any]:
    """Median, min and max seconds of ``hubs(G, null=permutations)`` on the base ``size``."""
    from nibs_graph.queries.hubs import change_links, hubs

    G = _graph(size)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        top = hubs(G, top=20, null=permutations, seed=seed)
        times.append(time.perf_counter() - start)
    baseline = []
    for _ in range(repeat):
        start = time.perf_counter()
        hubs(G, top=20)
        baseline.append(time.perf_counter() - start)
    return {
        "size": size,
        "findings": len(G.graph.get("findings", {})),
        "links": len(change_links(G)),
        "permutations": permutations,
        "repeat": repeat,
        "median_s": round(statistics.median(times), 3),
        "min_s": round(min(times), 3),
        "max_s": round(max(times), 3),
        "hubs_without_null_median_s": round(statistics.median(baseline), 3),
        "top": [
            {"label": h.label, "techniques": len(h.techniques), "p": h.null.p, "z": h.null.z}
            for h in top[:5]
            if h.null is not None
        ],
    }


def main(argv: Sequence[str] | None = None) -> None:
    """Command line: see the module's docstring."""
    parser = argparse.ArgumentParser(description="Time hubs --null N.")
    parser.add_argument("--null", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--sizes", nargs="+", default=["shipped", "100k"])
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    results = []
    for size in args.sizes:
        result = measure(size, args.null, args.repeat)
        results.append(result)
        print(
            f"{size}: {result['findings']} findings, {result['links']} technique → target links; "
            f"hubs --null {args.null}: median {result['median_s']} s (min {result['min_s']}, max {result['max_s']}, "
            f"{args.repeat} runs); hubs without the null: {result['hubs_without_null_median_s']} s"
        )
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
