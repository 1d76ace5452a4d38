"""Warm-cache CLI commands on evidence bases of several sizes: wall time and peak memory of fresh processes.

For each data folder given, the cache (a temporary ``NIBS_GRAPH_CACHE_DIR``) is warmed by one untimed run, then
each command runs ``--runs`` times in a fresh process of the installed console script; the figures are the median
wall time and the largest peak resident memory (``ru_maxrss`` of the child, from ``os.wait4``). The floor is
``nibs-graph --version`` (interpreter and CLI start-up). Answers go to /dev/null; exit codes are reported.

Usage::

    python benchmarks/cli_cache.py shipped /tmp/bases/100k [--runs 7] [--commands path hubs] [--json]

``shipped`` names the repository's data. Generate larger bases with ``benchmarks/generate.py`` (outside the
repository).
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

ROOT = Path(__file__).resolve().parent.parent
COMMANDS = {
    "path": ["path", "iTBS", "mTOR", "-f", "json"],
    "hubs": ["hubs", "-f", "json"],
}

__all__ = ["main", "run_once"]


def _script() -> list[str]:
    found = shutil.which("nibs-graph")
    return [found] if found else [sys.executable, "-m", "nibs_graph.cli"]


def run_once(args: list[str], env: dict[str, str]) -> tuple[float, float, int]:
    """``(seconds, peak resident MB, exit code)`` of one fresh process of the console script."""
    start = time.perf_counter()
    with open(os.devnull, "wb") as null:
        child = subprocess.Popen([*_script(), *args], cwd=ROOT, env=env, stdout=null, stderr=null)
        _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    return seconds, usage.ru_maxrss / 1024, child.returncode


def measure(data: str, commands: list[str], runs: int, env: dict[str, str]) -> dict[str, Any]:
    """The figures of ``commands`` on one data folder (the cache warmed first)."""
    where = [] if data == "shipped" else ["--data", data]
    out: dict[str, Any] = {}
    for name in commands:
        args = [*COMMANDS[name], *where]
        run_once(args, env)  # warms the cache (compile + write), untimed
        results = [run_once(args, env) for _ in range(runs)]
        out[name] = {
            "median_s": round(statistics.median(r[0] for r in results), 4),
            "min_s": round(min(r[0] for r in results), 4),
            "max_s": round(max(r[0] for r in results), 4),
            "peak_mb": round(max(r[1] for r in results), 1),
            "exit_codes": sorted({r[2] for r in results}),
            "runs": runs,
        }
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("data", nargs="+", help="data folders ('shipped' for the repository's data)")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--commands", nargs="+", default=["path"], choices=sorted(COMMANDS))
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    cache = tempfile.mkdtemp(prefix="nibs-bench-cache-")
    env = {**os.environ, "NIBS_GRAPH_CACHE_DIR": cache}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # an installed package has its bytecode compiled once
    try:
        floor = [run_once(["--version"], env) for _ in range(args.runs)]
        report: dict[str, Any] = {
            "floor_s": round(statistics.median(r[0] for r in floor), 4),
            "load_average": os.getloadavg(),
            "bases": {data: measure(data, args.commands, args.runs, env) for data in args.data},
        }
    finally:
        shutil.rmtree(cache, ignore_errors=True)
    if args.json:
        print(json.dumps(report, indent=2))
        return
    print(f"floor (nibs-graph --version): {report['floor_s'] * 1000:.0f} ms; load average {report['load_average']}")
    for data, figures in report["bases"].items():
        for name, f in figures.items():
            print(
                f"{data}: {name} median {f['median_s'] * 1000:.0f} ms (min {f['min_s'] * 1000:.0f}, max "
                f"{f['max_s'] * 1000:.0f}, n={f['runs']}), peak {f['peak_mb']:.0f} MB, exit {f['exit_codes']}"
            )


if __name__ == "__main__":
    main()
