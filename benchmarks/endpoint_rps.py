"""Latency and throughput of the SPARQL endpoint with the embedded (rdflib) and the Oxigraph store.

Starts ``nibs-graph serve`` in its own process on a free loopback port (one server per store), then
for 1, 4 and 16 concurrent clients sends a fixed mix of quick queries for a bounded time and prints the median
and 95th-percentile latency and the requests per second. Traffic goes to 127.0.0.1 only; every loop is bounded in
count and time.

Usage::

    python benchmarks/endpoint_rps.py [--data DIR] [--seconds 5] [--clients 1 4 16] [--stores memory oxigraph]
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

#: The query mix: a lookup, a join with a filter, an aggregate (all answered in milliseconds).
QUERIES = (
    "ASK { nibs:iTBS nibs:increases HGNC:1033 }",
    "SELECT ?t ?label WHERE { ?t nibs:increases HGNC:1033 ; rdfs:label ?label } ORDER BY ?t",
    "SELECT ?setting (COUNT(?f) AS ?n) WHERE { ?f nibs:setting ?s . ?s rdfs:label ?setting } GROUP BY ?setting",
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


def measure(url: str, clients: int, seconds: float) -> dict[str, float]:
    """Run ``clients`` concurrent clients for ``seconds``; return latency (ms) and throughput figures."""
    import httpx

    stop_at = time.monotonic() + seconds
    errors = 0

    def client(index: int) -> list[float]:
        nonlocal errors
        latencies = []
        with httpx.Client(timeout=60) as http:
            for i in range(MAX_REQUESTS_PER_CLIENT):
                if time.monotonic() >= stop_at:
                    break
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


def main() -> None:
    """Print the figures for each store and client count."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=None, help="evidence base (default: the shipped data)")
    parser.add_argument("--seconds", type=float, default=5.0, help="duration of each measurement")
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 4, 16])
    parser.add_argument("--stores", nargs="+", default=["memory", "oxigraph"], choices=["memory", "oxigraph"])
    parser.add_argument("--workers", type=int, default=None, help="worker processes (default: cores, >= 2)")
    args = parser.parse_args()

    print(f"{'store':<10} {'clients':>7} {'requests':>9} {'errors':>6} {'median ms':>10} {'p95 ms':>8} {'req/s':>8}")
    with tempfile.TemporaryDirectory() as tmp:
        for kind in args.stores:
            options = ["--timeout", "30"]
            if kind == "oxigraph":
                options += ["--store", f"oxigraph:{Path(tmp) / 'store'}"]
            if args.data:
                options += ["--data", str(args.data)]
            if args.workers:
                options += ["--workers", str(args.workers)]
            with serving(options) as url:
                measure(url, 1, 0.5)  # warm up
                for clients in args.clients:
                    r = measure(url, clients, args.seconds)
                    print(
                        f"{kind:<10} {clients:>7} {r['requests']:>9} {r['errors']:>6} {r['median_ms']:>10.2f} "
                        f"{r['p95_ms']:>8.2f} {r['rps']:>8.1f}",
                        flush=True,
                    )


if __name__ == "__main__":
    main()
