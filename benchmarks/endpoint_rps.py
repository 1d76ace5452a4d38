"""Latency and throughput of the SPARQL endpoint on both stores, against a plain ``oxigraph serve`` on the same data.

Starts ``nibs-graph serve`` in its own process on a free loopback port (one server per store) and a plain Oxigraph
server (``oxigraph serve-read-only``, the ``oxigraph`` package) holding ``nibs-graph export nt`` of the same data,
then for each client count sends a fixed mix of quick queries for a bounded time, in two modes:

* ``repeated``: the same three query texts over and over (a cache of checked queries helps);
* ``distinct``: every request a new text (the same three queries, each with a ``LIMIT`` never sent before, as
  parameterised clients send them), so every request pays the guard and the engine's parse.

Every query carries its ``PREFIX`` declarations, so the plain Oxigraph server runs the same texts. All servers run
at once and are measured in turn, round after round (the ratio of a round compares servers measured seconds
apart); prints the median and 95th-percentile latency, the requests per second and the ratio to the plain Oxigraph
server of every round, then the medians over the rounds and the load averages. Traffic goes to 127.0.0.1 only;
every loop is bounded in count and time.

Usage::

    python benchmarks/endpoint_rps.py [--data DIR] [--seconds 5] [--clients 8] [--rounds 3]
        [--stores plain memory oxigraph]
"""

from __future__ import annotations

import argparse
import contextlib
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

_PROLOGUE = (
    "PREFIX nibs: <https://w3id.org/nibs-graph/ontology#> PREFIX HGNC: <https://identifiers.org/hgnc:> "
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
)
#: The query mix: a lookup, a join with a filter, an aggregate (all answered in milliseconds).
QUERIES = (
    _PROLOGUE + "ASK { nibs:iTBS nibs:increases HGNC:1033 }",
    _PROLOGUE + "SELECT ?t ?label WHERE { ?t nibs:increases HGNC:1033 ; rdfs:label ?label } ORDER BY ?t",
    _PROLOGUE
    + "SELECT ?setting (COUNT(?f) AS ?n) WHERE { ?f nibs:setting ?s . ?s rdfs:label ?setting } GROUP BY ?setting",
)
#: The same queries as texts never sent before: ``{n}`` becomes a new number for every request.
DISTINCT = (
    _PROLOGUE + "ASK { nibs:iTBS nibs:increases HGNC:1033 FILTER({n} > 0) }",
    QUERIES[1] + " LIMIT {n}",
    QUERIES[2] + " LIMIT {n}",
)
MAX_REQUESTS_PER_CLIENT = 20_000


@contextlib.contextmanager
def serving(args: list[str]) -> Iterator[str]:
    """Run ``nibs-graph serve ARGS`` in its own process on a free loopback port; yield its /sparql URL."""
    import httpx

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [sys.executable, "-m", "nibs_graph.cli", "serve", "--host", "127.0.0.1", "--port", str(port), *args]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}/sparql"
    try:
        deadline = time.monotonic() + 300
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"the endpoint exited: {process.stderr.read() if process.stderr else ''}")
            try:
                httpx.get(url, timeout=2)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise RuntimeError("the endpoint did not start") from None
                time.sleep(0.2)
        yield url
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()


@contextlib.contextmanager
def plain_oxigraph(data: Path | None, folder: Path) -> Iterator[str]:
    """A plain ``oxigraph serve-read-only`` holding ``nibs-graph export nt`` of ``data``; yield its query URL."""
    import shutil

    import httpx

    binary = shutil.which("oxigraph") or str(Path(sys.executable).parent / "oxigraph")
    dump = folder / "export.nt"
    export = [sys.executable, "-m", "nibs_graph.cli", "export", "nt", str(dump)]
    subprocess.run(export + (["--data", str(data)] if data else []), check=True, stdout=subprocess.DEVNULL)
    load = [binary, "load", "--location", str(folder / "plain"), "--file", str(dump)]
    subprocess.run(load, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [binary, "serve-read-only", "--location", str(folder / "plain"), "--bind", f"127.0.0.1:{port}"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/query"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                httpx.get(url, params={"query": "ASK {}"}, timeout=2)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("the Oxigraph server did not start") from None
                time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(30)


def measure(url: str, clients: int, seconds: float, *, distinct: bool = False) -> dict[str, float]:
    """Run ``clients`` concurrent clients for ``seconds``; return latency (ms) and throughput figures."""
    import itertools

    import httpx

    stop_at = time.monotonic() + seconds
    errors = 0
    counter = itertools.count(1_000_000 + int(time.time() * 1000) % 1_000_000 * 1000)

    def client(index: int) -> list[float]:
        nonlocal errors
        latencies = []
        with httpx.Client(timeout=60) as http:
            for i in range(MAX_REQUESTS_PER_CLIENT):
                if time.monotonic() >= stop_at:
                    break
                if distinct:
                    query = DISTINCT[(index + i) % len(DISTINCT)].replace("{n}", str(next(counter)))
                else:
                    query = QUERIES[(index + i) % len(QUERIES)]
                started = time.perf_counter()
                reply = http.get(url, params={"query": query}, headers={"Accept": "application/sparql-results+json"})
                latencies.append((time.perf_counter() - started) * 1000)
                if reply.status_code != 200:
                    errors += 1
        return latencies

    started = time.monotonic()
    with ThreadPoolExecutor(clients) as executor:
        results = list(executor.map(client, range(clients)))
    elapsed = time.monotonic() - started
    latencies = sorted(x for r in results for x in r)
    return {
        "requests": len(latencies),
        "errors": errors,
        "median_ms": statistics.median(latencies),
        "p95_ms": latencies[int(0.95 * (len(latencies) - 1))],
        "rps": len(latencies) / elapsed,
    }


def _load() -> str:
    """The load averages (1, 5, 15 minutes), as ``uptime`` prints them."""
    try:
        import os

        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:  # pragma: no cover - not on this platform
        return "unknown"


def main() -> None:
    """Print the figures of every round, then the medians over the rounds with the ratio to plain Oxigraph.

    Every server runs for the whole benchmark; each round measures them one after the other, mode by mode, so
    the ratio of a round compares servers measured within seconds of each other on the same machine load.
    """
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=None, help="evidence base (default: the shipped data)")
    parser.add_argument("--seconds", type=float, default=5.0, help="duration of each measurement")
    parser.add_argument("--clients", type=int, nargs="+", default=[8])
    parser.add_argument("--rounds", type=int, default=1, help="measurements of each server and mode (medians)")
    parser.add_argument(
        "--stores", nargs="+", default=["plain", "memory", "oxigraph"], choices=["plain", "memory", "oxigraph"]
    )
    parser.add_argument("--workers", type=int, default=None, help="worker processes (default: cores, >= 2)")
    args = parser.parse_args()

    header = f"{'round':>5} {'server':<10} {'mode':<9} {'clients':>7} {'requests':>9} {'errors':>6}"
    print(header + f" {'median ms':>10} {'p95 ms':>8} {'req/s':>8} {'vs plain':>9}   load: {_load()}")
    figures: dict[tuple[str, str, int], list[tuple[float, float]]] = {}
    with tempfile.TemporaryDirectory() as tmp, contextlib.ExitStack() as stack:
        urls = {}
        for kind in sorted(set(args.stores), key=lambda k: (k != "plain", args.stores.index(k))):
            if kind == "plain":
                urls[kind] = stack.enter_context(plain_oxigraph(args.data, Path(tmp)))
                continue
            options = ["--timeout", "30"]
            if kind == "oxigraph":
                options += ["--store", f"oxigraph:{Path(tmp) / 'store'}"]
            if args.data:
                options += ["--data", str(args.data)]
            if args.workers:
                options += ["--workers", str(args.workers)]
            urls[kind] = stack.enter_context(serving(options))
        for url in urls.values():
            measure(url, 1, 0.5)  # warm up
        for round_ in range(1, args.rounds + 1):
            for mode in ("repeated", "distinct"):
                for clients in args.clients:
                    plain = None
                    for kind, url in urls.items():
                        r = measure(url, clients, args.seconds, distinct=mode == "distinct")
                        plain = r["rps"] if kind == "plain" else plain
                        ratio = r["rps"] / plain if plain else float("nan")
                        figures.setdefault((kind, mode, clients), []).append((r["rps"], ratio))
                        print(
                            f"{round_:>5} {kind:<10} {mode:<9} {clients:>7} {r['requests']:>9} {r['errors']:>6} "
                            f"{r['median_ms']:>10.2f} {r['p95_ms']:>8.2f} {r['rps']:>8.1f} {ratio:>8.2f}x",
                            flush=True,
                        )
    print(f"\nmedians over {args.rounds} round(s); load at the end: {_load()}")
    for (kind, mode, clients), values in figures.items():
        rps = statistics.median(v[0] for v in values)
        ratio = statistics.median(v[1] for v in values)
        spread = ", ".join(f"{v[1]:.2f}" for v in values)
        print(f"{kind:<10} {mode:<9} {clients:>3} clients: {rps:8.1f} req/s, {ratio:.2f}x plain (rounds: {spread})")


if __name__ == "__main__":
    main()
