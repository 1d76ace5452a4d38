"""Run the nibs-graph benchmarks on synthetic evidence bases and write ``benchmarks/results.json``.

Usage::

    python -m benchmarks [--quick] [--sizes 1k 10k 100k 1m] [--repeat N]
    python benchmarks/run.py --quick

These are benchmarks, not timed tests: nothing fails on a slow figure. Every figure is the median of ``n`` runs
(``n`` is printed beside it) and stands beside its floor measured in the same run: validation beside
``csv.reader`` over the same files, the RDF load beside pyoxigraph's ``bulk_load`` of the same N-Triples, the
path query beside a plain BFS over the same adjacency, SPARQL through our store beside pyoxigraph answering
directly, a CLI command beside ``nibs-graph --version``. Each measured step runs in its own process
(:mod:`benchmarks.tasks`) so that its peak memory (``ru_maxrss``) is its own.

``--quick`` skips the 1M size and the slow steps (the embedded rdflib SPARQL
store past 10k) and prints what it skipped. The synthetic bases are generated once into
``$NIBS_GRAPH_BENCH_DIR`` (default: a folder in the system's temp folder), never into the repository.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import importlib.util
import json
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(ROOT))

from benchmarks import cold_start  # noqa: E402
from benchmarks.generate import SIZES, default_bench_dir, ensure_base  # noqa: E402
from benchmarks.tasks import SPARQL_QUERIES  # noqa: E402

__all__ = ["machine", "main"]

RESULTS = Path(__file__).resolve().parent / "results.json"
PACKAGES = (
    "nibs-graph",
    "rdflib",
    "networkx",
    "pyoxigraph",
    "rustworkx",
    "numpy",
    "scipy",
    "typer",
    "rich",
    "starlette",
    "uvicorn",
    "pyvis",
    "playwright",
)
ENDPOINT_QUERY = SPARQL_QUERIES[1][1]  # iTBS findings on BDNF: a selective query, rows in the tens to thousands


# ------------------------------------------------------------------------------------------------ machine


def machine() -> dict[str, Any]:
    """The machine's description: CPU model, cores, memory, OS, Python and package versions, git commit."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory_gb = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory_gb = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = None
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=False
        ).stdout.strip()
    except OSError:
        commit = ""
    affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {
        "cpu": cpu,
        "logical_cores": os.cpu_count(),
        "usable_cores": affinity,
        "memory_gb": memory_gb,
        "os": platform.platform(),
        "python": platform.python_version(),
        "packages": versions,
        "git_commit": commit or None,
    }


# ------------------------------------------------------------------------------------------------ running


def run_task(task: str, *args: str, env: dict[str, str] | None = None, timeout: float = 3600) -> dict[str, Any]:
    """Run one :mod:`benchmarks.tasks` task in a fresh interpreter and return its JSON (or ``{"error": ...}``)."""
    command = [sys.executable, "-m", "benchmarks.tasks", task, *args]
    try:
        done = subprocess.run(
            command, cwd=ROOT, capture_output=True, text=True, env=env or os.environ.copy(), timeout=timeout
        )
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout:g} s"}
    if done.returncode != 0:
        return {"error": (done.stderr or done.stdout).strip().splitlines()[-1:] or ["failed"]}
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def repeated(task: str, n: int, *args: str, env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run a task ``n`` times; the median of ``seconds``, the largest ``maxrss_mb``, the runs themselves."""
    runs = [run_task(task, *args, env=env) for _ in range(n)]
    good = [r for r in runs if "error" not in r]
    if not good:
        return {"error": runs[0].get("error"), "n": 0}
    return {
        "median": statistics.median(r["seconds"] for r in good),
        "n": len(good),
        "maxrss_mb": max(r["maxrss_mb"] for r in good),
        "runs": good,
    }


def console_script() -> list[str]:
    """The installed ``nibs-graph`` console script (the real entry point), else ``python -m nibs_graph.cli``."""
    found = shutil.which("nibs-graph")
    return [found] if found else [sys.executable, "-m", "nibs_graph.cli"]


def time_cli(args: list[str], n: int, env: dict[str, str], *, before: Any = None) -> dict[str, Any]:
    """Median wall time of ``n`` runs of the console script (output discarded); ``before()`` runs untimed first."""
    times = []
    codes = set()
    for _ in range(n):
        if before is not None:
            before()
        start = time.perf_counter()
        done = subprocess.run(
            [*console_script(), *args], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        times.append(time.perf_counter() - start)
        codes.add(done.returncode)
    return {"median": statistics.median(times), "n": n, "runs": times, "exit_codes": sorted(codes)}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def endpoint_throughput(
    store: Path, data: Path, clients: tuple[int, ...], seconds: float, env: dict[str, str]
) -> dict[str, Any]:
    """Requests per second of the SPARQL endpoint (``create_app`` on the Oxigraph folder) with 1, 4, 16 clients."""
    port = _free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "benchmarks.tasks",
            "serve",
            "--store",
            str(store),
            "--data",
            str(data),
            "--port",
            str(port),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,  # its worker processes share its group, ended together below
    )
    url = f"http://127.0.0.1:{port}/sparql"
    body = urllib.parse.urlencode({"query": ENDPOINT_QUERY}).encode()
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/sparql-results+json"}
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(urllib.request.Request(url, body, headers), timeout=10) as response:
                    response.read()
                break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if server.poll() is not None or time.monotonic() > deadline:
                    err = server.stderr.read().decode()[-500:] if server.stderr else ""
                    return {"error": f"the endpoint did not start: {err}"}
                time.sleep(0.3)
        out: dict[str, Any] = {"query": "iTBS findings on BDNF", "seconds_per_level": seconds}
        for n in clients:
            counts = [0] * n
            errors = [0] * n
            stop = time.monotonic() + seconds

            def client(i: int, stop: float = stop, counts: list[int] = counts, errors: list[int] = errors) -> None:
                import http.client

                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                while time.monotonic() < stop:
                    try:
                        connection.request("POST", "/sparql", body=body, headers=headers)
                        response = connection.getresponse()
                        response.read()
                        if response.status == 200:
                            counts[i] += 1
                        else:
                            errors[i] += 1
                    except (OSError, http.client.HTTPException):
                        errors[i] += 1
                        connection.close()
                        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                connection.close()

            threads = [threading.Thread(target=client, args=(i,)) for i in range(n)]
            start = time.monotonic()
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            elapsed = time.monotonic() - start
            out[str(n)] = {"requests_per_s": sum(counts) / elapsed, "ok": sum(counts), "errors": sum(errors)}
        return out
    finally:
        try:
            os.killpg(server.pid, signal.SIGTERM)  # the server we started and its workers (its own group)
            server.wait(timeout=20)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


# ------------------------------------------------------------------------------------------------ table


def _fmt(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds < 1:
        return f"{seconds * 1000:.1f} ms"
    return f"{seconds:.2f} s"


class Table:
    """The rows printed at the end (and stored in results.json)."""

    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []

    def add(
        self,
        size: str,
        measure: str,
        value: float | None,
        n: int,
        floor: float | None = None,
        floor_name: str = "",
        peak_mb: float | None = None,
        note: str = "",
    ) -> None:
        self.rows.append(
            {
                "size": size,
                "measure": measure,
                "seconds": value,
                "n": n,
                "floor_seconds": floor,
                "floor": floor_name,
                "ratio": (value / floor) if value is not None and floor else None,
                "peak_mb": peak_mb,
                "note": note,
            }
        )
        ratio = f"{value / floor:.1f}x" if value is not None and floor else ""
        print(
            f"  {size:>5} | {measure:<44} | {_fmt(value):>10} | n={n:<2} | {_fmt(floor):>10} {floor_name:<24} "
            f"| {ratio:>7} | {'' if peak_mb is None else f'{peak_mb:.0f} MB':>8} {note}",
            flush=True,
        )

    def markdown(self) -> str:
        lines = [
            "| size | measure | median | n | floor (same run) | x floor | peak RSS | note |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for r in self.rows:
            floor = f"{_fmt(r['floor_seconds'])} {r['floor']}" if r["floor_seconds"] is not None else "-"
            ratio = f"{r['ratio']:.1f}x" if r["ratio"] else "-"
            peak = f"{r['peak_mb']:.0f} MB" if r["peak_mb"] is not None else "-"
            lines.append(
                f"| {r['size']} | {r['measure']} | {_fmt(r['seconds'])} | {r['n']} | {floor} | {ratio} | {peak} "
                f"| {r['note']} |"
            )
        return "\n".join(lines)


# ------------------------------------------------------------------------------------------------ sizes


def bench_size(label: str, findings: int, args: argparse.Namespace, table: Table, skipped: list[str]) -> dict[str, Any]:
    """Every measurement at one size."""
    big = findings >= 1_000_000
    n = 1 if big else args.repeat
    work = default_bench_dir() / f"work-{label}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    env = os.environ.copy()
    env["NIBS_GRAPH_CACHE_DIR"] = str(work / "cache")
    started = time.perf_counter()
    data = ensure_base(findings, seed=args.seed)
    out: dict[str, Any] = {
        "findings": findings,
        "data": str(data),
        "generate_or_reuse_s": time.perf_counter() - started,
    }
    print(f"\n== {label}: {findings:,} findings ({data})", flush=True)
    d = str(data)

    # validation and compilation
    floor = repeated("csv_floor", n, "--data", d, env=env)
    out["csv_floor"] = floor
    f = floor.get("median")
    stream = repeated("validate", n, "--data", d, "--engine", "stream", env=env)
    out["validate_stream"] = stream
    table.add(label, "validate (streaming)", stream.get("median"), n, f, "csv.reader", stream.get("maxrss_mb"))
    if big:
        skipped.append(f"{label}: validate with read_evidence_base (every row a dataclass; the streaming one is timed)")
    else:
        memory = repeated("validate", n, "--data", d, "--engine", "memory", env=env)
        out["validate_memory"] = memory
        table.add(
            label, "validate (read_evidence_base)", memory.get("median"), n, f, "csv.reader", memory.get("maxrss_mb")
        )
    compiled = repeated("compile", n, "--data", d, env=env)
    out["compile"] = compiled
    table.add(
        label,
        "validate + compile (the one engine)",
        compiled.get("median"),
        n,
        f,
        "csv.reader",
        compiled.get("maxrss_mb"),
        "streamed projection",
    )

    # the RDF store: ours (stream + bulk load) vs pyoxigraph bulk_load of the same N-Triples
    nt = work / "graph.nt"
    out["ntriples_write"] = run_task("ntriples", "--data", d, "--out", str(nt), env=env)
    ours_runs, floor_runs = [], []
    for i in range(n):
        ours_runs.append(run_task("store", "--data", d, "--out", str(work / f"store-{i}"), env=env))
        floor_runs.append(run_task("bulk_floor", "--data", str(nt), "--out", str(work / f"floor-{i}"), env=env))
        if i < n - 1:
            shutil.rmtree(work / f"store-{i}", ignore_errors=True)
        shutil.rmtree(work / f"floor-{i}", ignore_errors=True)
    nt.unlink(missing_ok=True)
    store_dir = work / f"store-{n - 1}"
    ours_ok = [r for r in ours_runs if "error" not in r]
    floor_ok = [r for r in floor_runs if "error" not in r]
    out["store"] = {"runs": ours_runs}
    out["bulk_floor"] = {"runs": floor_runs}
    if ours_ok and floor_ok:
        table.add(
            label,
            "RDF load: validate + N-Triples + Oxigraph",
            statistics.median(r["seconds"] for r in ours_ok),
            len(ours_ok),
            statistics.median(r["seconds"] for r in floor_ok),
            "pyoxigraph bulk_load",
            max(r["maxrss_mb"] for r in ours_ok),
            f"{ours_ok[0]['triples']:,} triples; floor peak {max(r['maxrss_mb'] for r in floor_ok):.0f} MB",
        )
    if findings <= 100_000:
        proj = repeated("project_store", 1 if findings >= 100_000 else n, "--data", str(store_dir), env=env)
        out["project_store"] = proj
        table.add(
            label,
            "projection by SPARQL from the store",
            proj.get("median"),
            proj.get("n", 0),
            compiled.get("median"),
            "streamed projection",
            proj.get("maxrss_mb"),
        )
    else:
        skipped.append(f"{label}: projection by SPARQL from the store (decoding a million finding IRIs: minutes)")

    # queries in process (the cache is warmed by the first load)
    q = run_task("queries", "--data", d, "--repeat", str(max(3, n)), env=env)
    out["queries"] = q
    if "error" not in q:
        bfs = q["bfs"]["median"]
        table.add(
            label,
            f"path iTBS mTOR, in process ({q['path_found']['total']} paths)",
            q["path"]["median"],
            q["path"]["n"] - 1,
            bfs,
            "plain BFS",
            q["maxrss_mb"],
            f"first call {_fmt(q['path_first_call'])} (builds the hop index)",
        )
        sample = q.get("hubs_betweenness_sample")
        table.add(
            label,
            "hubs, in process",
            q["hubs"]["median"],
            q["hubs"]["n"] - 1 or 1,
            note=f"first {_fmt(q['hubs']['first'])}; betweenness "
            + (f"sampled ({sample} sources)" if sample else "exact"),
        )
        table.add(label, "diverge BDNF, in process", q["diverge"]["median"], q["diverge"]["n"] - 1 or 1)
        table.add(label, "contradictions, in process", q["contradictions"]["median"], q["contradictions"]["n"])
        table.add(
            label,
            "load_graph, warm cache (in process)",
            q["load_graph"],
            1,
            note=f"first load (compile + cache write) {_fmt(q['load_graph_first'])}; "
            f"name index {_fmt(q['resolve_first'])}",
        )
    else:
        print(f"  queries failed: {q['error']}")

    # the CLI, from a cold interpreter
    cli_n = 1 if big else (5 if args.quick else 7)
    version = time_cli(["--version"], cli_n, env)
    out["cli_version"] = version
    commands = {
        "path": ["path", "iTBS", "mTOR", "--data", d],
        "hubs": ["hubs", "--data", d],
        "diverge": ["diverge", "BDNF", "--data", d],
        "contradictions": ["contradictions", "--data", d],
    }
    for name, command in commands.items():
        warm = time_cli(command, cli_n, env)
        out[f"cli_{name}_warm"] = warm
        table.add(
            label,
            f"CLI {name}, warm cache",
            warm["median"],
            cli_n,
            version["median"],
            "nibs-graph --version",
            note=f"exit {warm['exit_codes']}",
        )
    cold_dir = work / "cold-cache"

    def clear() -> None:
        shutil.rmtree(cold_dir, ignore_errors=True)

    cold_env = dict(env, NIBS_GRAPH_CACHE_DIR=str(cold_dir))
    cold = time_cli(commands["path"], 1 if findings >= 100_000 else cli_n, cold_env, before=clear)
    out["cli_path_cold"] = cold
    table.add(label, "CLI path, cold cache", cold["median"], cold["n"], version["median"], "nibs-graph --version")

    # SPARQL: our Oxigraph store vs pyoxigraph directly (and the embedded rdflib store at small sizes)
    embedded = findings <= 10_000 or (not args.quick and findings <= 100_000)
    if not embedded:
        skipped.append(f"{label}: SPARQL on the embedded rdflib store (building it takes minutes past 10k)")
    sparql_args = ["--store", str(store_dir), "--repeat", str(max(3, n))]
    if embedded:
        sparql_args += ["--data", d]
    sq = run_task("sparql", *sparql_args, env=env)
    out["sparql"] = sq
    if "error" not in sq:
        for name, entry in sq["queries"].items():
            ours = entry["oxigraph_store"]["median"]
            note = f"{entry['rows']} rows"
            if "memory_store" in entry:
                note += f"; embedded rdflib store {_fmt(entry['memory_store']['median'])}"
            table.add(
                label,
                f"SPARQL {name}",
                ours,
                entry["oxigraph_store"]["n"],
                entry["pyoxigraph"]["median"],
                "pyoxigraph direct",
                note=note,
            )
    else:
        print(f"  sparql failed: {sq['error']}")

    # the endpoint
    if label in args.endpoint_sizes:
        ep = endpoint_throughput(store_dir, data, (1, 4, 16), args.endpoint_seconds, env)
        out["endpoint"] = ep
        if "error" not in ep and "error" not in sq:
            direct = sq["queries"]["iTBS findings on BDNF"]["pyoxigraph"]["median"]
            for clients in ("1", "4", "16"):
                rps = ep[clients]["requests_per_s"]
                table.add(
                    label,
                    f"endpoint, {clients} client(s): {rps:.0f} req/s",
                    1 / rps if rps else None,
                    ep[clients]["ok"],
                    direct,
                    "pyoxigraph query",
                    note=f"{rps:.1f} req/s vs {1 / direct:.0f} q/s direct; errors {ep[clients]['errors']}",
                )
        else:
            print(f"  endpoint: {ep.get('error')}")

    # the HTML export (and the browser render with the HTML engineer's script)
    if label in args.html_sizes:
        html = run_task("export_html", "--data", d, "--out", str(work), "--repeat", str(max(1, n)), env=env)
        out["export_html"] = html
        if "error" not in html:
            for wanted, view in html["views"].items():
                table.add(
                    label,
                    f"HTML export, {view['nodes']}-node view ({view['focus']}, {view['hops']} hop)",
                    view["median"],
                    view["n"],
                    note=f"{view['bytes'] / 1e6:.1f} MB page",
                )
                if args.render and args.quick and int(wanted) > 1000:
                    skipped.append(
                        f"{label}: browser render of the {view['nodes']}-node view (about a minute; --quick)"
                    )
                elif args.render:
                    render = run_task("render", "--data", view["file"], "--repeat", str(args.render_runs), env=env)
                    out[f"render_{wanted}"] = render
                    if "error" not in render:
                        table.add(
                            label,
                            f"browser render, {view['nodes']}-node view",
                            render["seconds"],
                            render["n"],
                            note="scripts/screenshot.py loader, Chromium headless, navigation to stabilised",
                        )
                    else:
                        table.add(
                            label,
                            f"browser render, {view['nodes']}-node view",
                            None,
                            0,
                            note=f"not measured: {render['error']}",
                        )
        else:
            print(f"  export html failed: {html['error']}")
    shutil.rmtree(work, ignore_errors=True)
    out["seconds"] = time.perf_counter() - started
    return out


def main(argv: list[str] | None = None) -> int:
    """Run the benchmarks, print the table, write results.json."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="skip 1m and the slow steps (says which)")
    parser.add_argument("--sizes", nargs="+", choices=list(SIZES), help="sizes to run (default: all, 1m not quick)")
    parser.add_argument("--repeat", type=int, default=None, help="runs per figure (default 5, quick 3; 1m: 1)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--endpoint-sizes", nargs="*", default=None, help="sizes with the endpoint test (10k)")
    parser.add_argument("--endpoint-seconds", type=float, default=None)
    parser.add_argument("--html-sizes", nargs="*", default=None, help="sizes with the HTML export (10k)")
    parser.add_argument("--no-render", dest="render", action="store_false", help="skip the browser render")
    parser.add_argument("--render-runs", type=int, default=None)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    args.repeat = args.repeat or (3 if args.quick else 5)
    args.endpoint_sizes = args.endpoint_sizes if args.endpoint_sizes is not None else ["10k"]
    args.endpoint_seconds = args.endpoint_seconds or (3.0 if args.quick else 5.0)
    args.html_sizes = args.html_sizes if args.html_sizes is not None else ["10k"]
    args.render_runs = args.render_runs or (1 if args.quick else 3)
    skipped: list[str] = []
    sizes = args.sizes or [s for s in SIZES if not (args.quick and s == "1m")]
    if args.quick and (args.sizes is None or "1m" not in args.sizes):
        skipped.insert(0, "1m: the 1,000,000-finding size (--quick; run `python -m benchmarks --sizes 1m`)")
    if args.render and (importlib.util.find_spec("playwright") is None or not Path("/usr/bin/chromium").is_file()):
        args.render = False
        skipped.append("browser render: playwright or /usr/bin/chromium missing (not measured)")
    info = machine()
    print(
        f"machine: {info['cpu']}, {info['usable_cores']} cores, {info['memory_gb']} GB, Python {info['python']}; "
        f"repeat {args.repeat} (1m: 1)",
        flush=True,
    )
    print(
        f"  {'size':>5} | {'measure':<44} | {'median':>10} | n    | {'floor (same run)':<35} | {'x floor':>7} | peak",
        flush=True,
    )
    table = Table()
    started = time.perf_counter()
    per_size: dict[str, Any] = {}
    print("\n== shipped data: the real console script (benchmarks/cold_start.py)", flush=True)
    cold = cold_start.measure(runs=7)
    per_size["shipped"] = cold
    floor = cold["floor_version"]["median"]
    table.add(
        "ship",
        "CLI path iTBS mTOR, warm cache",
        cold["warm_cache"]["median"],
        cold["n"],
        floor,
        "nibs-graph --version",
        note=f"target < {cold_start.TARGET_SECONDS:g} s",
    )
    table.add(
        "ship",
        "CLI path iTBS mTOR, after a data change",
        cold["after_data_change"]["median"],
        cold["n"],
        floor,
        "nibs-graph --version",
        note="validate + compile + cache write",
    )
    for label in sizes:
        per_size[label] = bench_size(label, SIZES[label], args, table, skipped)
    total = time.perf_counter() - started
    print("\nskipped:" if skipped else "\nskipped: nothing")
    for item in skipped:
        print(f"  - {item}")
    print(f"\ntotal {total:.0f} s")
    payload = {
        "generated": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "command": " ".join([Path(sys.argv[0]).name, *(argv if argv is not None else sys.argv[1:])]),
        "quick": args.quick,
        "repeat": args.repeat,
        "machine": info,
        "seconds": total,
        "skipped": skipped,
        "table": table.rows,
        "markdown": table.markdown(),
        "sizes": per_size,
        "synthetic": f"generated by benchmarks/generate.py (seed {args.seed}); not real data",
    }
    args.out.write_text(json.dumps(payload, indent=1, default=str) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
