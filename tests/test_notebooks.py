"""Every notebook under notebooks/ runs top to bottom, its saved outputs are current, and the tour shows the real
answers of the API on the shipped data.

The notebooks run the way ``scripts/run_notebooks.py`` runs them (a ``python3`` kernel from this environment, the
notebook's folder as working folder, 300 s per cell), offline, with ``NIBS_GRAPH_CACHE_DIR`` pointing at a temporary
folder so the user's cache is never touched.
"""

from __future__ import annotations

import base64
import importlib.util
import re
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbclient.exceptions import CellExecutionError

from .conftest import ROOT

pytestmark = pytest.mark.slow


def _runner() -> Any:
    spec = importlib.util.spec_from_file_location("run_notebooks", ROOT / "scripts" / "run_notebooks.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


RUNNER = _runner()
NOTEBOOKS = RUNNER.notebook_paths()
TOUR = ROOT / "notebooks" / "tour.ipynb"


def _id(path: Path) -> str:
    return str(path.relative_to(ROOT / "notebooks"))


@pytest.fixture(scope="module")
def executed(tmp_path_factory: pytest.TempPathFactory) -> dict[Path, Any]:
    """Each notebook executed once (or the error it raised)."""
    results: dict[Path, Any] = {}
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("NIBS_GRAPH_CACHE_DIR", str(tmp_path_factory.mktemp("notebook-cache")))
        for path in NOTEBOOKS:
            try:
                results[path] = RUNNER.execute_notebook(path)
            except CellExecutionError as exc:
                results[path] = exc
    return results


def _ran(executed: dict[Path, Any], path: Path) -> Any:
    nb = executed[path]
    if isinstance(nb, CellExecutionError):
        pytest.fail(f"{_id(path)}: a cell raised\n{nb}")
    return nb


def _outputs(cell: Any) -> list[Any]:
    """A cell's outputs with consecutive chunks of one stream joined: how a kernel splits printed text into
    stream messages depends on timing (a busy machine flushes more often), not on what was printed."""
    merged: list[Any] = []
    for output in cell.get("outputs", []):
        last = merged[-1] if merged else None
        if (
            output["output_type"] == "stream"
            and last is not None
            and last["output_type"] == "stream"
            and last.get("name") == output.get("name")
        ):
            merged[-1] = {**last, "text": last["text"] + output["text"]}
        else:
            merged.append(output)
    return merged


def _text(cell: Any) -> str:
    """Everything a cell shows as text: printed output, Markdown and plain-text results, tracebacks."""
    parts = []
    for output in _outputs(cell):
        if output["output_type"] == "stream":
            parts.append(output["text"])
        elif output["output_type"] == "error":
            parts.append("\n".join(output["traceback"]))
        else:
            parts += [output["data"][m] for m in ("text/markdown", "text/plain") if m in output["data"]]
    return "\n".join(parts)


def _cell(nb: Any, tag: str) -> Any:
    found = [c for c in nb.cells if tag in c.get("metadata", {}).get("tags", [])]
    assert len(found) == 1, f"expected one cell tagged {tag!r}, found {len(found)}"
    return found[0]


def test_there_is_a_notebook() -> None:
    assert TOUR in NOTEBOOKS


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_id)
def test_notebook_runs_without_errors(executed: dict[Path, Any], path: Path) -> None:
    nb = _ran(executed, path)
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o["output_type"] == "error"]
    assert not errors, _text({"outputs": errors})
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code and all(c.outputs for c in code), "every code cell shows something"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_id)
def test_saved_outputs_are_current(executed: dict[Path, Any], path: Path) -> None:
    """The committed notebook shows what it shows when run now (run scripts/run_notebooks.py after a change)."""
    fresh = _ran(executed, path)
    saved = nbformat.read(path, as_version=4)
    assert [c.source for c in saved.cells] == [c.source for c in fresh.cells]
    for old, new in zip(saved.cells, fresh.cells, strict=True):
        if old.cell_type != "code":
            continue
        assert _text(old) == _text(new), (
            f"{_id(path)} cell {old.get('id')}: saved output is stale; run python scripts/run_notebooks.py"
        )
        kinds = [sorted(o.get("data", {})) for o in _outputs(old)]
        assert kinds == [sorted(o.get("data", {})) for o in _outputs(new)]
        assert "execution" not in old.metadata, "no execution timings are saved"
        assert not re.search(r" at 0x[0-9a-f]+>", _text(old)), "no memory addresses are saved"


# ------------------------------------------------------------------------------------------- the tour's answers


@pytest.fixture(scope="module")
def tour(executed: dict[Path, Any]) -> Any:
    return _ran(executed, TOUR)


def test_overview_counts(tour: Any, shipped_graph: Any) -> None:
    from nibs_graph.summary import graph_info

    info = graph_info(shipped_graph)
    text = _text(_cell(tour, "overview"))
    assert f"data version {info['data_version']}" in text
    assert f"{info['studies']} studies, {info['findings']} findings" in text


def test_paths_from_itbs_to_mtor(tour: Any, shipped_graph: Any) -> None:
    from nibs_graph.queries import paths

    G = shipped_graph
    result = paths(G, "iTBS", "mTOR")
    assert result.paths, "the shipped data has routes from iTBS to mTOR"
    text = _text(_cell(tour, "paths"))
    assert f"{result.total_found} routes from iTBS to mTOR" in text
    for p in result.paths:
        route = " → ".join(G.nodes[n]["label"] for n in p.nodes)
        assert f"| {route} | {len(p.hops)} |" in text
        assert p.consistency in text
    longest = max(result.paths, key=lambda p: len(p.hops))
    hops = _text(_cell(tour, "hops"))
    for hop in longest.hops:
        assert (
            f"{G.nodes[hop.source]['label']} —{hop.relation.replace('_', ' ')}→ {G.nodes[hop.target]['label']}" in hops
        )
        for record in hop.evidence:
            assert (record.get("citation") or record["source"]) in hops


def test_direct_evidence_and_verdicts(tour: Any, shipped_graph: Any) -> None:
    from nibs_graph.queries import evidence, paths

    text = _text(_cell(tour, "direct"))
    for row in evidence(shipped_graph, "iTBS", "mTOR"):
        assert f"| {row['citation']} | {row['protocol_label']} |" in text
    verdicts = sorted({p.consistency for p in paths(shipped_graph, "iTBS", "mTOR").paths})
    assert all(v in text.split("verdicts:")[1] for v in verdicts)


def test_bdnf_is_the_top_hub(tour: Any, shipped_graph: Any) -> None:
    from nibs_graph.queries import hubs

    text = _text(_cell(tour, "hubs"))
    top = hubs(shipped_graph)[0]
    assert "BDNF" in text
    assert f"| 1 | {top.label} | {len(top.techniques)} | {len(top.studies)} |" in text
    assert f"changed by {len(top.techniques)} techniques" in text


def test_matrix_figure_is_drawn(tour: Any, shipped_graph: Any) -> None:
    from nibs_graph.export.figures import matrix_data

    cell = _cell(tour, "matrix")
    images = [o["data"]["image/png"] for o in cell.outputs if "image/png" in o.get("data", {})]
    assert len(images) == 1
    assert base64.b64decode(images[0]).startswith(b"\x89PNG\r\n\x1a\n")
    m = matrix_data(shipped_graph)
    assert f"{len(m.rows)} techniques × {len(m.columns)} targets, {len(m.cells)} cells" in _text(cell)


def test_divergence_after_bdnf(tour: Any, shipped_graph: Any) -> None:
    from nibs_graph.queries import divergence

    G = shipped_graph
    split = divergence(G, "BDNF")
    text = _text(_cell(tour, "divergence"))
    for branch in split.branches:
        route = " → ".join(G.nodes[n]["label"] for n in branch["route"])
        assert f"| {G.nodes[branch['entity']]['label']} | {route} |" in text
    assert f"{len(split.techniques)} techniques change BDNF" in text


def test_contradictions_listed_with_what_differs(tour: Any, shipped_graph: Any) -> None:
    from nibs_graph.queries import contradictions

    G = shipped_graph
    found = contradictions(G)
    text = _text(_cell(tour, "contradictions"))
    assert f"{len(found)} contradictions" in text
    for c in found:
        assert f"| {G.nodes[c.target]['label']} | {c.kind} | {c.family} |" in text
    contexts = _text(_cell(tour, "contexts"))
    within = [c for c in found if set.intersection(*({r["study_id"] for r in s} for s in c.sides.values()))]
    assert len(contexts.strip().splitlines()) == len(within)


def test_translational_gap(tour: Any, shipped_graph: Any) -> None:
    from nibs_graph.queries import paths

    G = shipped_graph
    records = {
        r["finding_id"]: r
        for u, a in G.nodes.items()
        if a["type"] == "technique"
        for keys in G.succ[u].values()
        for d in ("increased", "decreased", "unchanged")
        if d in keys
        for r in keys[d]["evidence"]
    }
    human = [r for r in records.values() if "human" in r["setting"].split("|")]
    text = _text(_cell(tour, "translation-findings"))
    assert f"{len(human)} of {len(records)} stimulation findings" in text
    links = _text(_cell(tour, "translation-links"))
    for r in human:
        assert r["citation"] in links
    filtered = paths(G, "iTBS", "mTOR", setting="human").total_found
    assert f"setting='human': {filtered}" in _text(_cell(tour, "translation-filter"))


def test_worked_example_from_outside_the_review(tour: Any) -> None:
    text = _text(_cell(tour, "example-validate"))
    assert "valid: 31 studies, release: none (an unreleased edit)" in text
    assert "doe2026 comes from curation-example: curation by Example Curator on 2026-11-30" in text
    assert (
        "| Doe et al., 2026 | tACS (40 Hz tACS) | BDNF | increased | rhesus macaque | in vivo | curation-example |"
        in text
    )
    report = _text(_cell(tour, "example-diff"))
    assert "- added study `doe2026` (Doe et al., 2026)" in report
    assert "- gained: tACS —increased→ BDNF (sign +, consistent)" in report
    assert "- tACS → BDNF: no link → animal only" in report
