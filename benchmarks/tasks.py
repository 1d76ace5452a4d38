"""One measured task per process: ``python -m benchmarks.tasks TASK ARGS...`` prints one JSON object.

Each task runs in its own interpreter (started by :mod:`benchmarks.run`) so that its peak memory (``ru_maxrss``)
and its imports are its own. The JSON always has ``seconds`` (wall time of the measured part, ``perf_counter``)
and ``maxrss_mb``; some tasks add what they measured beside it (counts, a floor measured in the same process).

>>> sorted(TASKS)[:3]
['bfs_floor', 'bulk_floor', 'compile']
"""

from __future__ import annotations

import argparse
import csv
import gc
import json
import os
import resource
import statistics
import sys
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = ["SPARQL_QUERIES", "TASKS", "bfs", "main", "maxrss_mb", "member_families"]

FILES = ("studies.csv", "protocols.csv", "findings.csv", "entities.csv", "pathways.csv")

#: The SPARQL queries timed on the stores: (name, query). Prefixes are declared in each query.
SPARQL_QUERIES: tuple[tuple[str, str], ...] = (
    (
        "technique hierarchy",
        "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
        "PREFIX nibs: <https://w3id.org/nibs-graph/ontology#> "
        "SELECT ?t ?parent WHERE { ?t rdfs:subClassOf+ nibs:NIBS ; rdfs:subClassOf ?parent } ORDER BY ?t",
    ),
    (
        "iTBS findings on BDNF",
        "PREFIX nibs: <https://w3id.org/nibs-graph/ontology#> "
        "PREFIX prov: <http://www.w3.org/ns/prov#> "
        "SELECT ?f ?direction ?study WHERE { ?f nibs:technique nibs:iTBS ; "
        "nibs:target <https://identifiers.org/hgnc:1033> ; nibs:direction ?direction ; prov:wasDerivedFrom ?study }",
    ),
    (
        "entities increased by iTBS",
        "PREFIX nibs: <https://w3id.org/nibs-graph/ontology#> SELECT ?e WHERE { nibs:iTBS nibs:increases ?e }",
    ),
    (
        "findings per technique",
        "PREFIX nibs: <https://w3id.org/nibs-graph/ontology#> "
        "SELECT ?t (COUNT(?f) AS ?n) WHERE { ?f a nibs:Finding ; nibs:technique ?t } GROUP BY ?t ORDER BY DESC(?n)",
    ),
)


def maxrss_mb() -> float:
    """Peak resident memory of this process and its finished children, in MiB (Linux reports KiB)."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return round(max(own, children) / 1024, 1)


def _timed(func: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    value = func()
    return time.perf_counter() - start, value


def task_csv_floor(args: argparse.Namespace) -> dict[str, Any]:
    """The floor of validation: ``csv.reader`` over the five files, nothing parsed."""

    def read() -> int:
        rows = 0
        for name in FILES:
            with (Path(args.data) / name).open(encoding="utf-8", newline="") as handle:
                rows += sum(1 for _ in csv.reader(handle))
        return rows

    seconds, rows = _timed(read)
    return {"seconds": seconds, "rows": rows}


def task_validate(args: argparse.Namespace) -> dict[str, Any]:
    """Validation alone: ``read_evidence_base`` (every row a record) or the streaming validator."""
    if args.engine == "memory":
        from nibs_graph.validate import read_evidence_base

        seconds, base = _timed(lambda: read_evidence_base(args.data))
        return {"seconds": seconds, "counts": base.counts()}
    from nibs_graph.scale.stream import validate_stream

    seconds, result = _timed(lambda: validate_stream(args.data))
    return {"seconds": seconds, "counts": result.counts}


def task_compile(args: argparse.Namespace) -> dict[str, Any]:
    """Validate + compile: ``load_graph(DIR, use_cache=False)`` (the projection the queries use)."""
    from nibs_graph.api import load_graph

    seconds, G = _timed(lambda: load_graph(args.data, use_cache=False))
    return {"seconds": seconds, "nodes": len(G.nodes), "edges": G.number_of_edges()}


def task_store(args: argparse.Namespace) -> dict[str, Any]:
    """Stream-validate, write N-Triples and bulk-load them into a new Oxigraph folder (build_store)."""
    from nibs_graph.scale.oxigraph import build_store

    built = build_store(args.data, args.out)
    return {"seconds": built.seconds["stream_and_load"], "triples": built.triples, "steps": built.seconds}


def task_ntriples(args: argparse.Namespace) -> dict[str, Any]:
    """Write the N-Triples of a base to a file (setup of the bulk-load floor; timed for the record)."""
    from nibs_graph.scale.stream import stream_ntriples

    with Path(args.out).open("wb") as handle:
        seconds, result = _timed(lambda: stream_ntriples(args.data, handle))
    return {"seconds": seconds, "lines": result.triples}


def task_bulk_floor(args: argparse.Namespace) -> dict[str, Any]:
    """The floor of the RDF load: pyoxigraph's ``bulk_load`` of the same N-Triples into a new store."""
    import pyoxigraph as ox

    def load() -> int:
        store = ox.Store(args.out)
        store.bulk_load(path=args.data, format=ox.RdfFormat.N_TRIPLES, lenient=True)
        store.flush()
        return len(store)

    seconds, triples = _timed(load)
    return {"seconds": seconds, "triples": triples}


def member_families(G: Any) -> dict[str, list[str]]:
    """Member → its families (the ``member_of`` hops of ``paths``), built once per graph as ``paths`` does.

    >>> from nibs_graph.api import load_graph
    >>> member_families(load_graph("tests/data/tiny"))["HGNC:6871"]
    ['FPLX:ERK']
    """
    families: dict[str, list[str]] = {}
    for u, nbrs in G.succ.items():
        for v, keys in nbrs.items():
            if any(data.get("relation") == "has_member" and "layer" in data for data in keys.values()):
                families.setdefault(v, []).append(u)
    return families


def bfs(G: Any, source: str, target: str, families: dict[str, list[str]], max_hops: int = 4) -> bool:
    """Plain breadth-first search over the adjacency ``paths`` walks, to ``max_hops``, each node once: effect
    edges out of the start, then signalling links (read from the same ``G.succ`` dicts, the edge kind checked per
    edge) and member → family hops (:func:`member_families`). The floor of a path query.

    >>> from nibs_graph.api import load_graph
    >>> G = load_graph("tests/data/tiny")
    >>> bfs(G, "nibs:iTBS", "HGNC:3942", member_families(G))
    True
    """
    depth = {source: 0}
    queue = deque([source])
    found = False
    while queue:
        node = queue.popleft()
        d = depth[node]
        if d >= max_hops:
            continue
        for nxt, keys in G.succ[node].items():
            if nxt in depth:
                continue
            if d == 0:
                ok = "increased" in keys or "decreased" in keys
            else:
                ok = any("layer" in data for data in keys.values())
            if ok:
                depth[nxt] = d + 1
                found = found or nxt == target
                queue.append(nxt)
        if d > 0:
            for family in families.get(node, ()):
                if family not in depth:
                    depth[family] = d + 1
                    found = found or family == target
                    queue.append(family)
    return found


def _median_runs(func: Callable[[], Any], repeat: int) -> dict[str, Any]:
    times = []
    for _ in range(repeat):
        seconds, _value = _timed(func)
        times.append(seconds)
    return {"first": times[0], "median": statistics.median(times[1:] or times), "n": len(times)}


def task_queries(args: argparse.Namespace) -> dict[str, Any]:
    """The four queries in process on the cached projection, each with the first call and the median of the next
    ones; the path query beside a plain BFS over the same adjacency."""
    from nibs_graph.api import load_graph
    from nibs_graph.queries import contradictions, divergence, hubs, paths
    from nibs_graph.resolve import resolve

    compile_seconds, G = _timed(lambda: load_graph(args.data))  # compiles and caches unless already cached
    del G
    gc.collect()
    load_seconds, G = _timed(lambda: load_graph(args.data))  # from the cache, as a later CLI run does
    out: dict[str, Any] = {"seconds": load_seconds, "load_graph_first": compile_seconds, "load_graph": load_seconds}
    out["resolve_first"], _ = _timed(lambda: resolve(G, "iTBS"))  # builds the name index, once per graph
    source, target = resolve(G, "iTBS"), resolve(G, "mTOR")
    out["path_first_call"], result = _timed(lambda: paths(G, "iTBS", "mTOR"))  # builds the hop index once
    out["path_found"] = {"total": result.total_found, "truncated": result.reason}
    out["path"] = _median_runs(lambda: paths(G, "iTBS", "mTOR"), args.repeat + 1)
    out["bfs_index"], families = _timed(lambda: member_families(G))
    out["bfs"] = _median_runs(lambda: bfs(G, source, target, families), args.repeat + 1)
    hub_list: list[Any] = []
    out["hubs"] = _median_runs(lambda: hub_list.append(hubs(G, top=15)), args.repeat)
    out["hubs_betweenness_sample"] = hub_list[-1][0].betweenness_sample if hub_list and hub_list[-1] else None
    out["diverge"] = _median_runs(lambda: divergence(G, "BDNF"), args.repeat)
    out["contradictions"] = _median_runs(lambda: contradictions(G), max(1, args.repeat - 1))
    return out


def task_project_store(args: argparse.Namespace) -> dict[str, Any]:
    """The projection computed with SPARQL from an Oxigraph folder (project_store)."""
    from nibs_graph.scale.oxigraph import store_projection

    seconds, G = _timed(lambda: store_projection(args.data))
    return {"seconds": seconds, "nodes": len(G.nodes), "edges": G.number_of_edges()}


def _materialise_ox(results: Any) -> int:
    rows = 0
    for solution in results:
        for term in solution:
            if term is not None:
                _ = term.value
        rows += 1
    return rows


def task_sparql(args: argparse.Namespace) -> dict[str, Any]:
    """Each query of :data:`SPARQL_QUERIES` through our Oxigraph store (``OxigraphStore.query``), beside
    pyoxigraph answering it directly on the same folder (all rows read), and on the embedded rdflib store when
    ``--data`` is given."""
    import pyoxigraph as ox

    from nibs_graph.sparql.stores import MemoryStore, OxigraphStore

    ours = OxigraphStore(args.store, read_only=True)
    direct = ox.Store.read_only(args.store)
    memory = None
    memory_build = None
    if args.data:
        memory_build, memory = _timed(lambda: MemoryStore.from_source(args.data))
    out: dict[str, Any] = {"seconds": 0.0, "queries": {}, "memory_build": memory_build}
    for name, text in SPARQL_QUERIES:
        rows = len(ours.query(text).rows)
        entry = {
            "rows": rows,
            "oxigraph_store": _median_runs(lambda text=text: ours.query(text), args.repeat),
            "pyoxigraph": _median_runs(lambda text=text: _materialise_ox(direct.query(text)), args.repeat),
        }
        if memory is not None:
            entry["memory_store"] = _median_runs(lambda text=text: memory.query(text), args.repeat)
        out["queries"][name] = entry
    return out


def task_export_html(args: argparse.Namespace) -> dict[str, Any]:
    """The HTML export of a view near 300 and one near 3,000 nodes (to_html), written for the browser timing."""
    from nibs_graph.api import load_graph
    from nibs_graph.export.html import select_view, to_html
    from nibs_graph.queries import hubs

    G = load_graph(args.data)
    candidates = [h.label for h in hubs(G, top=40, betweenness_sample=None)]
    out: dict[str, Any] = {"seconds": 0.0, "views": {}}
    for wanted in (300, 3000):
        best: tuple[int, str, int] | None = None
        for label in candidates:
            for hops in (1, 2):
                try:
                    size = len(select_view(G, focus=label, hops=hops).nodes)
                except Exception:  # a view that cannot be drawn is simply not a candidate
                    continue
                if best is None or abs(size - wanted) < abs(best[0] - wanted):
                    best = (size, label, hops)
        if best is None:
            continue
        size, label, hops = best
        times = []
        page = ""
        for _ in range(args.repeat):
            seconds, page = _timed(lambda label=label, hops=hops: to_html(G, focus=label, hops=hops))
            times.append(seconds)
        path = Path(args.out) / f"view-{wanted}.html"
        path.write_text(page, encoding="utf-8")
        out["views"][str(wanted)] = {
            "nodes": size,
            "focus": label,
            "hops": hops,
            "median": statistics.median(times),
            "n": len(times),
            "bytes": len(page.encode()),
            "file": str(path),
        }
    return out


def task_render(args: argparse.Namespace) -> dict[str, Any]:
    """Browser render time of a page, with the HTML engineer's ``scripts/screenshot.py`` loader (Chromium)."""
    root = Path(__file__).resolve().parent.parent
    sys.path.insert(0, str(root / "scripts"))
    import screenshot  # type: ignore[import-not-found]
    from playwright.sync_api import sync_playwright

    times = []
    problems: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=screenshot.CHROMIUM, headless=True, args=screenshot.ARGS)
        try:
            for _ in range(args.repeat):
                context, _page, ms, found = screenshot.load(browser, Path(args.data), 1600, 1000)
                times.append(ms / 1000)
                problems += found
                context.close()
        finally:
            browser.close()
    return {"seconds": statistics.median(times), "n": len(times), "runs": times, "problems": problems}


def task_serve(args: argparse.Namespace) -> dict[str, Any]:
    """Run the SPARQL endpoint on an Oxigraph folder until killed (for the requests/s measurement)."""
    import uvicorn

    from nibs_graph.sparql.server import create_app

    app = create_app(store=f"oxigraph:{args.store}", data=args.data, timeout=30)
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning")
    return {"seconds": 0.0}


def task_bfs_floor(args: argparse.Namespace) -> dict[str, Any]:
    """BFS alone on the cached projection (a cross-check of the floor timed inside ``queries``)."""
    from nibs_graph.api import load_graph
    from nibs_graph.resolve import resolve

    G = load_graph(args.data)
    source, target = resolve(G, "iTBS"), resolve(G, "mTOR")
    families = member_families(G)
    return {"seconds": _median_runs(lambda: bfs(G, source, target, families), args.repeat)["median"]}


TASKS: dict[str, Callable[[argparse.Namespace], dict[str, Any]]] = {
    "csv_floor": task_csv_floor,
    "validate": task_validate,
    "compile": task_compile,
    "store": task_store,
    "ntriples": task_ntriples,
    "bulk_floor": task_bulk_floor,
    "queries": task_queries,
    "project_store": task_project_store,
    "sparql": task_sparql,
    "export_html": task_export_html,
    "render": task_render,
    "serve": task_serve,
    "bfs_floor": task_bfs_floor,
}


def main(argv: list[str] | None = None) -> None:
    """Run one task and print its JSON."""
    parser = argparse.ArgumentParser(description="one benchmark task (run by benchmarks/run.py)")
    parser.add_argument("task", choices=sorted(TASKS))
    parser.add_argument("--data", default=None)
    parser.add_argument("--out", default=None)
    parser.add_argument("--store", default=None)
    parser.add_argument("--engine", default="auto")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args(argv)
    gc.collect()
    result = TASKS[args.task](args)
    result["maxrss_mb"] = maxrss_mb()
    result["pid"] = os.getpid()
    sys.stdout.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
