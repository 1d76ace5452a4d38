"""Cold start of the real console script on the shipped data: ``nibs-graph path iTBS mTOR``.

Three figures, each the median of ``--runs`` (at least 7) fresh processes of the installed ``nibs-graph``:

* **warm cache**: the compiled projection is in the cache (keyed by a hash of the data files); the target is
  under 0.3 s on two cores;
* **after a data change**: a byte of the data changed just before each run (a blank line appended to a copy of
  ``findings.csv``, which the validator skips), so the command validates, compiles and caches again;
* **floor**: ``nibs-graph --version`` (interpreter and CLI start-up, no graph).

The cache lives in a temporary ``NIBS_GRAPH_CACHE_DIR``; the repository's data are only read.

Usage::

    python benchmarks/cold_start.py [--runs 7] [--json]
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
TARGET_SECONDS = 0.3

__all__ = ["TARGET_SECONDS", "main", "measure"]


def _script() -> list[str]:
    found = shutil.which("nibs-graph")
    return [found] if found else [sys.executable, "-m", "nibs_graph.cli"]


def _run(args: list[str], env: dict[str, str]) -> tuple[float, int]:
    start = time.perf_counter()
    done = subprocess.run([*_script(), *args], env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return time.perf_counter() - start, done.returncode


def measure(runs: int = 7, data: Path | None = None) -> dict[str, Any]:
    """Time the three cases; ``data`` defaults to the shipped evidence base.

    Returns
    -------
    dict
        Per case: ``median`` and ``runs`` (seconds) and the exit codes; plus the console script used.
    """
    runs = max(7, runs)
    source = data or ROOT / "data"
    out: dict[str, Any] = {"command": "nibs-graph path iTBS mTOR", "script": _script(), "n": runs}
    with tempfile.TemporaryDirectory(prefix="nibs-cold-") as tmp:
        env = dict(os.environ, NIBS_GRAPH_CACHE_DIR=str(Path(tmp) / "cache"))
        base_args = ["path", "iTBS", "mTOR"] + (["--data", str(data)] if data else [])

        def case(args: list[str], before: Any = None) -> dict[str, Any]:
            times, codes = [], set()
            for _ in range(runs):
                if before is not None:
                    before()
                seconds, code = _run(args, env)
                times.append(seconds)
                codes.add(code)
            return {"median": statistics.median(times), "runs": times, "exit_codes": sorted(codes)}

        out["floor_version"] = case(["--version"])
        _run(base_args, env)  # fill the cache
        out["warm_cache"] = case(base_args)
        copy = Path(tmp) / "data"
        shutil.copytree(source, copy)
        findings = copy / "findings.csv"

        def change() -> None:
            with findings.open("a", encoding="utf-8") as handle:
                handle.write("\n")  # a blank line: still valid, but a different hash

        out["after_data_change"] = case(["path", "iTBS", "mTOR", "--data", str(copy)], before=change)
    out["target_seconds"] = TARGET_SECONDS
    out["warm_cache_meets_target"] = out["warm_cache"]["median"] < TARGET_SECONDS
    return out


def main(argv: list[str] | None = None) -> int:
    """Print the three medians (or the JSON with ``--json``)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7, help="runs per case (at least 7)")
    parser.add_argument("--data", type=Path, default=None, help="evidence base (default: the shipped data)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    result = measure(args.runs, args.data)
    if args.json:
        print(json.dumps(result, indent=1))
        return 0
    for key, name in (
        ("floor_version", "nibs-graph --version (floor)"),
        ("warm_cache", "path iTBS mTOR, warm cache"),
        ("after_data_change", "path iTBS mTOR, after a data change"),
    ):
        case = result[key]
        print(
            f"{name:<40} median {case['median'] * 1000:7.1f} ms over {len(case['runs'])} runs "
            f"(min {min(case['runs']) * 1000:.1f}, max {max(case['runs']) * 1000:.1f}; exit {case['exit_codes']})"
        )
    verdict = "meets" if result["warm_cache_meets_target"] else "misses"
    print(f"warm cache {verdict} the {TARGET_SECONDS:g} s target")
    return 0


if __name__ == "__main__":
    sys.exit(main())
