"""The HTML export in a real browser: Debian's headless Chromium driven by Playwright, with no network.

Every request the page makes is recorded and anything that is not ``file://`` is aborted. The tests check that
vis-network drew every node of the export, that nothing left ``file://``, that the console stayed clean (a
Content-Security-Policy violation is a console error), and that markup planted in the data never ran.

Skipped with a reason when Chromium or Playwright is missing locally; CI sets ``NIBS_GRAPH_REQUIRE_BROWSER`` and
then a missing browser fails instead.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from nibs_graph.api import load_graph
from nibs_graph.export.html import write_html

from .conftest import SHIPPED, TINY, XSS_LABEL, XSS_NOTE, require, serving

pytestmark = pytest.mark.browser

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
    "--metrics-recording-only",
]
COUNTS = """() => ({
    dataset: nibsGraph.nodes.length,
    drawn: nibsGraph.network.body.nodeIndices.length,
    edges: nibsGraph.network.body.edgeIndices.length,
    physics: nibsGraph.network.physics.physicsEnabled,
    renderMs: nibsGraph.renderMs,
    error: nibsGraph.error,
})"""


def _playwright() -> Any:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return None
    return sync_playwright


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    sync_playwright = _playwright()
    require(
        Path(CHROMIUM).is_file() and shutil.which(CHROMIUM) is not None,
        f"Debian's chromium is not installed at {CHROMIUM}; CI installs it",
        "NIBS_GRAPH_REQUIRE_BROWSER",
    )
    require(sync_playwright is not None, "the playwright Python package is not installed", "NIBS_GRAPH_REQUIRE_BROWSER")
    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield instance
        instance.close()


@dataclass
class Visit:
    """What happened while a page loaded."""

    page: Any
    requests: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)


@pytest.fixture()
def visit(browser) -> Iterator[Any]:  # type: ignore[no-untyped-def]
    contexts = []

    def open_page(path: Path) -> Visit:
        context = browser.new_context(viewport={"width": 1280, "height": 800}, service_workers="block")
        contexts.append(context)
        page = context.new_page()
        seen = Visit(page)

        def route(route) -> None:  # type: ignore[no-untyped-def]
            url = route.request.url
            seen.requests.append(url)
            if url.startswith("file://"):
                route.continue_()
            else:
                seen.blocked.append(url)
                route.abort()

        context.route("**/*", route)
        page.on("console", lambda m: seen.console_errors.append(m.text) if m.type in ("error", "warning") else None)
        page.on("pageerror", lambda e: seen.page_errors.append(str(e)))

        def dialog(d) -> None:  # type: ignore[no-untyped-def]
            seen.dialogs.append(d.message)
            d.dismiss()

        page.on("dialog", dialog)
        page.goto(path.resolve().as_uri())
        page.wait_for_function(
            "() => window.nibsGraph && (window.nibsGraph.ready || window.nibsGraph.error)", timeout=60_000
        )
        return seen

    yield open_page
    for context in contexts:
        context.close()


def _assert_clean(seen: Visit) -> None:
    assert seen.blocked == [], "the page tried to leave file://"
    assert all(url.startswith("file://") for url in seen.requests)
    assert len(seen.requests) == 1, seen.requests  # the page itself, nothing else
    assert seen.console_errors == []
    assert seen.page_errors == []
    assert seen.dialogs == []


@pytest.mark.parametrize("source", ["tiny", "shipped"])
def test_whole_graph_renders_offline(visit, tmp_path: Path, source: str) -> None:  # type: ignore[no-untyped-def]
    if source == "shipped" and not (SHIPPED / "findings.csv").is_file():
        pytest.skip("the shipped evidence base has no findings.csv yet")
    G = load_graph(TINY if source == "tiny" else None)
    out = write_html(G, tmp_path / "graph.html")
    seen = visit(out)
    counts = seen.page.evaluate(COUNTS)
    assert counts["error"] is None
    arms = [n for n, a in G.nodes.items() if a["type"] == "protocol"]
    assert counts["dataset"] == len(G.nodes)
    assert counts["drawn"] == len(G.nodes) - len(arms)  # study arms are hidden at first in the whole graph
    arm_edges = sum(len(k) for n in arms for k in [*G.succ[n].values(), *G.pred[n].values()])
    assert counts["edges"] == G.number_of_edges() - arm_edges
    assert not seen.page.is_checked(".nibs-type-filter[value=protocol]")
    seen.page.check(".nibs-type-filter[value=protocol]")  # the checkbox shows them
    assert seen.page.evaluate("() => nibsGraph.network.body.nodeIndices.length") == len(G.nodes)
    assert counts["physics"] is False  # stabilised, then physics switched off
    assert counts["renderMs"] > 0
    _assert_clean(seen)


def test_path_view_renders_with_highlights(visit, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = write_html(load_graph(TINY), tmp_path / "path.html", path=("iTBS", "mTOR"))
    seen = visit(out)
    assert seen.page.evaluate(COUNTS)["drawn"] == 5
    lit = seen.page.evaluate("() => nibsGraph.edges.get({filter: e => e.highlighted}).length")
    assert lit == 5
    assert "iTBS → BDNF → TrkB → Akt → mTOR" in seen.page.inner_text("#nibs-path-list")
    _assert_clean(seen)


def test_search_and_type_filter(visit, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    seen = visit(write_html(load_graph(TINY), tmp_path / "graph.html"))
    page = seen.page
    page.fill("#nibs-search", "ntrk2")  # a synonym of TrkB
    assert page.inner_text("#nibs-search-status") == "1 match"
    assert page.evaluate("() => nibsGraph.network.getSelectedNodes()") == ["HGNC:8032"]
    assert page.evaluate("() => nibsGraph.network.body.nodeIndices.length") == 23  # study arms hidden at first
    page.check(".nibs-type-filter[value=protocol]")
    assert page.evaluate("() => nibsGraph.network.body.nodeIndices.length") == 26
    page.uncheck(".nibs-type-filter[value=protocol]")
    assert page.evaluate("() => nibsGraph.network.body.nodeIndices.length") == 23
    _assert_clean(seen)


def test_planted_markup_is_shown_as_text_and_never_runs(visit, xss_dir: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = write_html(load_graph(xss_dir), tmp_path / "xss.html", title="<script>window.__xss=1</script>")
    seen = visit(out)
    page = seen.page
    page.evaluate("() => { window.__xssChecked = true; }")
    # hover the planted node so vis-network shows its tooltip, then open the details of node and edge
    box = page.evaluate(
        """() => {
        const net = nibsGraph.network, rect = document.getElementById('nibs-network').getBoundingClientRect();
        const p = net.canvasToDOM(net.getPosition('HGNC:2345'));
        return {x: rect.left + p.x, y: rect.top + p.y};
    }"""
    )
    page.mouse.move(box["x"], box["y"])
    page.wait_for_selector("div.vis-tooltip", state="visible", timeout=10_000)
    assert XSS_LABEL in page.inner_text("div.vis-tooltip")
    page.mouse.click(box["x"], box["y"])
    assert XSS_LABEL in page.inner_text("#nibs-details-body")
    assert page.evaluate("() => nibsGraph.show('edge', 'nibs:iTBS|unchanged|HGNC:2345')")
    details = page.inner_text("#nibs-details-body")
    assert XSS_NOTE in details and '<svg onload="window.__xss=1">' in details
    assert page.inner_text("#nibs-heading") == "<script>window.__xss=1</script>"
    page.wait_for_timeout(300)  # give an onerror/onload handler time to fire, were one created
    assert page.evaluate("() => window.__xss") is None
    assert page.evaluate("() => document.querySelectorAll('img, svg[onload], a[href^=javascript]').length") == 0
    assert page.evaluate("() => document.scripts.length") == 3  # data, vis-network, the page's own
    _assert_clean(seen)


NODE_AT = """(id) => {
    const net = nibsGraph.network, rect = document.getElementById('nibs-network').getBoundingClientRect();
    net.focus(id, {scale: 1.2, animation: false});
    const p = net.canvasToDOM(net.getPosition(id));
    return {x: rect.left + p.x, y: rect.top + p.y};
}"""


def test_hover_click_highlight_and_side_panel(visit, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The whole shipped graph: hovering BDNF shows its evidence summary; clicking it lights up its neighbours and
    dims the rest; the side panel groups its links, each neighbour once, and clicking one selects it."""
    G = load_graph()
    seen = visit(write_html(G, tmp_path / "graph.html"))
    page = seen.page
    box = page.evaluate(NODE_AT, "HGNC:1033")
    page.mouse.move(box["x"], box["y"])
    page.wait_for_selector("div.vis-tooltip", state="visible", timeout=10_000)
    tip = page.inner_text("div.vis-tooltip")
    assert "↑ increased by: anodal tDCS, cTBS, DCS, HF-rTMS, iTBS, LF-rTMS, rMS, rTMS" in tip
    assert "= no change after: HF-rTMS" in tip and "studies: 13" in tip

    page.mouse.click(box["x"], box["y"])
    neighbours = {"HGNC:1033", *G.succ["HGNC:1033"], *G.pred["HGNC:1033"]}
    assert page.evaluate("() => nibsGraph.focus") == "HGNC:1033"
    assert set(page.evaluate("() => nibsGraph.lit")) == neighbours
    colours = page.evaluate("() => Object.fromEntries(nibsGraph.nodes.get().map(n => [n.id, n.color.background]))")
    assert colours["HGNC:8032"] != "#eeeeee"  # TrkB, a neighbour, keeps its colour
    dimmed = [n for n in G.nodes if n not in neighbours]
    assert dimmed and all(colours[n] == "#eeeeee" for n in dimmed)

    panel = page.inner_text("#nibs-details-body")
    assert "increased by (" in panel and "activates (" in panel
    assert "increased by (study arms) (" in panel  # the arms apart from the techniques that sum them up
    buttons = page.evaluate(
        "() => Array.from(document.querySelectorAll('#nibs-details-body .nibs-group')).map("
        "g => Array.from(g.querySelectorAll('button')).map(b => b.dataset.node))"
    )
    assert all(len(group) == len(set(group)) for group in buttons), "each neighbour once per group"
    increased_by = page.evaluate(
        "() => Array.from(document.querySelectorAll('#nibs-details-body .nibs-group')).find("
        "g => g.firstChild.textContent.startsWith('increased by')).innerText"
    )
    assert "iTBS · 2 studies" in increased_by

    page.click("#nibs-details-body button[data-node='HGNC:8032']")  # TrkB in the panel: selects it
    assert page.evaluate("() => nibsGraph.focus") == "HGNC:8032"
    assert page.evaluate("() => nibsGraph.network.getSelectedNodes()") == ["HGNC:8032"]
    assert page.inner_text("#nibs-details-body h3") == "TrkB"

    corner = page.evaluate("() => document.getElementById('nibs-network').getBoundingClientRect()")
    page.mouse.click(corner["left"] + 5, corner["top"] + 5)  # the background: everything back
    assert page.evaluate("() => nibsGraph.focus") is None
    assert page.evaluate("() => nibsGraph.nodes.get().every(n => n.color.background !== '#eeeeee')")
    _assert_clean(seen)


@pytest.fixture()
def sparql_server() -> Iterator[int]:
    """``nibs-graph serve`` on a free loopback port."""
    with serving(["serve", "--host", "127.0.0.1", "--port", "{port}", "--workers", "2"]) as port:
        yield port


@pytest.mark.server
def test_query_page_shows_curies(browser, sparql_server: int) -> None:  # type: ignore[no-untyped-def]
    """The query page at / writes IRIs of the documented prefixes as CURIEs (nibs:InVivo, NCBITaxon:10116)."""
    context = browser.new_context()
    try:
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(f"http://127.0.0.1:{sparql_server}/")
        page.fill(
            "#query",
            "SELECT ?finding ?setting ?species WHERE { ?finding a nibs:Finding ; nibs:setting ?setting ; nibs:species ?species ."
            " FILTER(?setting = nibs:InVivo) } ORDER BY ?finding LIMIT 3",
        )
        page.click("button[type=submit]")
        page.wait_for_selector("#out table", timeout=30_000)
        cells = page.eval_on_selector_all("#out td", "tds => tds.map(td => td.textContent)")
        assert cells and "nibs:InVivo" in cells and "NCBITaxon:10116" in cells
        assert not any(c.startswith("http") for c in cells)
        assert any(c.startswith("nibsdata:finding/") for c in cells)
        assert errors == []
    finally:
        context.close()
