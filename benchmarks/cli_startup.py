"""Start-up of the command line, this checkout against another revision: what building the app costs each call.

Three commands, each timed as the median of ``--runs`` (at least 7) fresh processes, the two versions
alternating run by run so that both see the same machine load:

* ``nibs-graph --version`` (interpreter, typer and the app, no command built);
* ``nibs-graph --help`` (every command listed with its one-line help);
* ``nibs-graph path iTBS mTOR`` on the shipped data with a warm cache (each version fills its own cache entry
  first: entries carry a fingerprint of the code).

Both versions start the same way: ``python -c "from nibs_graph.cli import main; main()"`` with the version's source
folder first on ``sys.path`` (``--compare REV`` is extracted with ``git archive``; the data are this checkout's).
For ``path`` it also lists the modules of ``nibs_graph`` each version imports, and ``python -X importtime``'s
cumulative import time of ``nibs_graph.cli``.

Usage::

    python benchmarks/cli_startup.py --compare 8586a09 [--runs 7] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CASES = {
    "version": ["--version"],
    "help": ["--help"],
    "path": ["path", "iTBS", "mTOR", "--data", str(ROOT / "data")],
}
_LAUNCH = (
    "import sys; sys.path.insert(0, sys.argv.pop(1)); sys.argv[0] = 'nibs-graph'\nfrom nibs_graph.cli import main\n"
)
_MODULES = (
    "import sys\ntry:\n    main()\nexcept SystemExit:\n    pass\n"
    "print(' '.join(sorted(m for m in sys.modules if m.startswith('nibs_graph'))), file=sys.stderr)\n"
)

__all__ = ["main", "measure"]


def _command(source: Path, args: list[str], tail: str = "main()\n", *flags: str) -> list[str]:
    return [sys.executable, *flags, "-c", _LAUNCH + tail, str(source), *args]


def _time(source: Path, args: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(_command(source, args), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{source}: nibs-graph {' '.join(args)} exited {done.returncode}: {done.stderr.decode()}")
    return seconds


def _modules(source: Path, args: list[str], env: dict[str, str]) -> list[str]:
    done = subprocess.run(_command(source, args, _MODULES), env=env, capture_output=True, text=True)
    return done.stderr.strip().splitlines()[-1].split()


def _import_ms(source: Path, args: list[str], env: dict[str, str]) -> float:
    """``python -X importtime``'s cumulative microseconds of ``nibs_graph.cli`` (with what it imports), in ms."""
    done = subprocess.run(
        _command(source, args, "main()\n", "-X", "importtime"), env=env, capture_output=True, text=True
    )
    for line in done.stderr.splitlines():
        found = re.match(r"import time:\s+\d+ \|\s+(\d+) \|\s+nibs_graph\.cli$", line)
        if found:
            return int(found.group(1)) / 1000
    return float("nan")


def _extract(revision: str, into: Path) -> Path:
    into.mkdir()
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", revision, "nibs_graph", "ontology", "queries"],
        capture_output=True,
        check=True,
    )
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive.stdout, check=True)
    return into


def measure(compare: str | None, runs: int = 7) -> dict[str, Any]:
    """Time every case for this checkout (``after``) and, with ``compare``, that revision (``before``).

    Returns
    -------
    dict
        Per version and case: ``median`` and ``runs`` (seconds); per version the ``nibs_graph`` modules ``path``
        imports and the import time of ``nibs_graph.cli``; the machine's load average before and after.
    """
    runs = max(7, runs)
    with tempfile.TemporaryDirectory(prefix="nibs-cli-startup-") as tmp:
        versions = {"after": ROOT}
        if compare:
            versions = {"before": _extract(compare, Path(tmp) / "before"), **versions}
        envs = {}  # a cache folder per version: an entry of other code is rebuilt (entries carry a code fingerprint)
        for name, source in versions.items():
            envs[name] = dict(os.environ, NIBS_GRAPH_CACHE_DIR=str(Path(tmp) / f"cache-{name}"), COLUMNS="100")
            envs[name].pop("PYTHONPATH", None)
            _time(source, CASES["path"], envs[name])  # fill this version's cache
        out: dict[str, Any] = {"compare": compare, "n": runs, "load_before": os.getloadavg()}
        for case, args in CASES.items():
            times: dict[str, list[float]] = {name: [] for name in versions}
            for _ in range(runs):
                for name, source in versions.items():
                    times[name].append(_time(source, args, envs[name]))
            for name, found in times.items():
                out.setdefault(name, {})[case] = {"median": statistics.median(found), "runs": found}
        for name, source in versions.items():
            out[name]["path_imports"] = _modules(source, CASES["path"], envs[name])
            imports = [_import_ms(source, CASES["path"], envs[name]) for _ in range(3)]
            out[name]["cli_import_ms"] = statistics.median(imports)
        out["load_after"] = os.getloadavg()
    return out


def main(argv: list[str] | None = None) -> int:
    """Print the medians side by side and the modules ``path`` imports (or the JSON with ``--json``)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--compare", metavar="REV", help="a git revision to measure beside this checkout")
    parser.add_argument("--runs", type=int, default=7, help="runs per case and version (at least 7)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    result = measure(args.compare, args.runs)
    if args.json:
        print(json.dumps(result, indent=1))
        return 0
    names = [name for name in ("before", "after") if name in result]
    print(
        f"medians of {result['n']} fresh processes; load average {result['load_before'][0]:.1f} → "
        f"{result['load_after'][0]:.1f}" + (f"; before = {args.compare}" if args.compare else "")
    )
    for case, case_args in CASES.items():
        shown = "  ".join(f"{name} {result[name][case]['median'] * 1000:6.1f} ms" for name in names)
        ratio = (
            f"  ({result['after'][case]['median'] / result['before'][case]['median']:.2f}x)"
            if "before" in names
            else ""
        )
        print(f"nibs-graph {' '.join(case_args[:3]):<22} {shown}{ratio}")
    for name in names:
        imported = result[name]["path_imports"]
        cli = [m for m in imported if m.startswith("nibs_graph.cli")]
        print(
            f"{name}: `path` imports {len(imported)} nibs_graph modules, of the CLI {', '.join(cli)}; "
            f"nibs_graph.cli {result[name]['cli_import_ms']:.1f} ms cumulative (-X importtime, median of 3)"
        )
    if "before" in names:
        before, after = ({m for m in result[n]["path_imports"] if not m.startswith("nibs_graph.cli")} for n in names)
        print(
            f"other modules only before: {', '.join(sorted(before - after)) or '-'}; "
            f"only after: {', '.join(sorted(after - before)) or '-'}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
