"""The compile engine's targets (issue 13): ``export nt`` and validate + compile on generated bases.

Each figure is the median of ``--runs`` fresh processes; peak memory is the child's own ``ru_maxrss`` (from
``os.wait4``), so the harness's memory never counts.

* ``export-nt``: ``nibs-graph export nt OUT --data BASE`` (the console script): the streaming writer's lines sorted
  by bytes; target < 15 s and < 500 MB at 100k findings;
* ``compile``: ``load_graph(BASE, use_cache=False)`` in a fresh interpreter (validate + assemble the projection, no
  cache); target < 60 s and < 2.5 GB at 1M findings.

The bases are generated once into ``$NIBS_GRAPH_BENCH_DIR`` (default: a folder in the system's temp folder) by
:func:`benchmarks.generate.ensure_base`; ``--delete`` removes a base after its runs (1M is ~200 MB of CSV).

Usage::

    python -m benchmarks.engine export-nt --findings 100000 --runs 3
    python -m benchmarks.engine compile --findings 1000000 --runs 1 --delete
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.generate import ensure_base, size_label
from benchmarks.run import console_script

ROOT = Path(__file__).resolve().parent.parent

__all__ = ["main", "measure", "timed_child"]

_COMPILE = (
    "import sys\n"
    "from nibs_graph.api import load_graph\n"
    "G = load_graph(sys.argv[1], use_cache=False)\n"
    "print(len(G.nodes), G.number_of_edges(), len(G.graph['findings']))\n"
)


def timed_child(command: list[str], env: dict[str, str]) -> dict[str, Any]:
    """Run ``command`` and return its wall time, its own peak memory (MiB) and its exit status."""
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    out = process.stdout.read().decode() if process.stdout else ""
    err = process.stderr.read().decode() if process.stderr else ""
    code = os.waitstatus_to_exitcode(status)
    return {
        "seconds": seconds,
        "maxrss_mb": round(usage.ru_maxrss / 1024, 1),
        "exit": code,
        "out": out[-300:],
        "err": err[-300:] if code else "",
    }


def measure(task: str, findings: int, runs: int = 3, *, delete: bool = False) -> dict[str, Any]:
    """Median wall time and the largest peak memory of ``runs`` runs of ``task`` on a generated base."""
    started = time.perf_counter()
    base = ensure_base(findings)
    generated = time.perf_counter() - started
    results = []
    with tempfile.TemporaryDirectory(prefix="nibs-bench-engine-") as tmp:
        env = dict(os.environ, NIBS_GRAPH_CACHE_DIR=str(Path(tmp) / "cache"))
        for i in range(runs):
            if task == "export-nt":
                out = Path(tmp) / f"graph-{i}.nt"
                command = [*console_script(), "export", "nt", str(out), "--data", str(base)]
            else:
                command = [sys.executable, "-c", _COMPILE, str(base)]
            result = timed_child(command, env)
            if task == "export-nt" and result["exit"] == 0:
                result["bytes"] = out.stat().st_size
                out.unlink()
            results.append(result)
    if delete:
        shutil.rmtree(base, ignore_errors=True)
    good = [r for r in results if r["exit"] == 0]
    return {
        "task": task,
        "findings": findings,
        "base": str(base),
        "generate_or_reuse_s": round(generated, 1),
        "runs": results,
        "median_s": statistics.median(r["seconds"] for r in good) if good else None,
        "max_rss_mb": max(r["maxrss_mb"] for r in good) if good else None,
        "load": os.getloadavg(),
    }


def main(argv: list[str] | None = None) -> int:
    """Print one line per task with its median and peak memory (``--json``: the whole record)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("task", choices=["export-nt", "compile"])
    parser.add_argument("--findings", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--delete", action="store_true", help="delete the generated base afterwards")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    result = measure(args.task, args.findings, args.runs, delete=args.delete)
    if args.json:
        print(json.dumps(result, indent=1))
    elif result["median_s"] is None:
        print(f"{args.task} {size_label(args.findings)}: failed: {result['runs'][0]['err']}")
        return 1
    else:
        times = ", ".join(f"{r['seconds']:.2f}" for r in result["runs"])
        print(
            f"{args.task} at {size_label(args.findings)} findings: median {result['median_s']:.2f} s over "
            f"{len(result['runs'])} runs ({times}), peak {result['max_rss_mb']:.0f} MB; "
            f"load average {result['load'][0]:.2f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
