#!/usr/bin/env python3
"""Screenshot the HTML export in headless Chromium (Debian's ``chromium``, driven by Playwright), offline.

Runs the project's own command ``nibs-graph export html`` into a temporary folder, opens the page with every
request that is not ``file://`` aborted, waits until the layout has stabilised, and writes a PNG. It also reports
the page's render time (``performance.now()`` from navigation to the end of stabilisation) as the median of
``--runs`` loads, and fails if the page made a network request or logged an error.

Examples::

    python scripts/screenshot.py                                  # docs/img/graph.png from the shipped data
    python scripts/screenshot.py --out /tmp/bdnf.png -- --focus BDNF --hops 2
    python scripts/screenshot.py --data tests/data/tiny --runs 3 --out /tmp/tiny.png
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-default-apps",
    "--disable-extensions",
    "--disable-sync",
    "--no-first-run",
    "--no-default-browser-check",
]


def export_page(folder: Path, data: str | None, graph: str | None, extra: list[str]) -> Path:
    """Write the page with ``nibs-graph export html`` (the installed command, run by this Python)."""
    out = folder / "graph.html"
    command = [sys.executable, "-m", "nibs_graph.cli", "export", "html", str(out), *extra]
    if data:
        command += ["--data", data]
    if graph:
        command += ["--graph", graph]
    subprocess.run(command, check=True, cwd=ROOT)
    return out


def load(browser: Any, page_path: Path, width: int, height: int) -> tuple[Any, Any, float, list[str]]:
    """Open the page offline; return (context, page, render time in ms, problems)."""
    context = browser.new_context(viewport={"width": width, "height": height}, device_scale_factor=1)
    page = context.new_page()
    problems: list[str] = []

    def route(route: Any) -> None:
        if route.request.url.startswith("file://"):
            route.continue_()
        else:
            problems.append(f"network request blocked: {route.request.url}")
            route.abort()

    context.route("**/*", route)
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.goto(page_path.resolve().as_uri())
    page.wait_for_function(
        "() => window.nibsGraph && (window.nibsGraph.ready || window.nibsGraph.error)", timeout=120_000
    )
    state = page.evaluate("() => ({ms: nibsGraph.renderMs, error: nibsGraph.error, nodes: nibsGraph.nodes.length})")
    if state["error"]:
        problems.append(f"the page could not draw the graph: {state['error']}")
    return context, page, float(state["ms"] or 0.0), problems


def main(argv: list[str] | None = None) -> int:
    """Parse the arguments, export, load, time and screenshot; 0 on success, 2 on a problem."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default=str(ROOT / "docs" / "img" / "graph.png"), help="PNG to write")
    parser.add_argument("--data", help="evidence base folder (default: the shipped data)")
    parser.add_argument("--graph", help="a Turtle graph file instead of --data")
    parser.add_argument("--width", type=int, default=1600)
    parser.add_argument("--height", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3, help="page loads to time (the median is reported)")
    parser.add_argument("extra", nargs="*", help="after --: options for `nibs-graph export html` (e.g. --focus BDNF)")
    args = parser.parse_args(argv)

    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        print("error: the playwright Python package is not installed", file=sys.stderr)
        return 2
    if not Path(CHROMIUM).is_file():
        print(f"error: Debian's chromium is not installed at {CHROMIUM}", file=sys.stderr)
        return 2
    from nibs_graph.export.atomic import write_atomic

    with tempfile.TemporaryDirectory(prefix="nibs-shot-") as tmp:
        page_path = export_page(Path(tmp), args.data, args.graph, args.extra)
        times: list[float] = []
        problems: list[str] = []
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
            try:
                for run in range(max(1, args.runs)):
                    context, page, ms, found = load(browser, page_path, args.width, args.height)
                    times.append(ms)
                    problems += found
                    if run == max(1, args.runs) - 1:
                        write_atomic(args.out, page.screenshot(full_page=False))
                    context.close()
            finally:
                browser.close()
    print(f"wrote {args.out} ({Path(args.out).stat().st_size:,} bytes)")
    print(
        f"render time (navigation → stabilised): median {statistics.median(times):.0f} ms over {len(times)} loads "
        f"({', '.join(f'{t:.0f}' for t in times)} ms)"
    )
    for problem in problems:
        print(f"problem: {problem}", file=sys.stderr)
    return 2 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
