"""The HTML export without a browser: self-contained, escaped, the right view, failures (library and CLI)."""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest

from nibs_graph.api import load_graph
from nibs_graph.cli import app
from nibs_graph.errors import NoResultError, QueryError, UnknownNameError
from nibs_graph.export.html import TEMPLATES, script_json, select_view, to_html

from .conftest import ROOT, TINY, XSS_LABEL, XSS_NOTE

T = ["--data", str(TINY)]
SCRIPT = re.compile(r"<script([^>]*)>(.*?)</script>", re.DOTALL)


def payload(page: str) -> dict[str, Any]:
    """The graph data of a page (the JSON block the page's script reads)."""
    match = re.search(r'<script type="application/json" id="nibs-data">(.*?)</script>', page, re.DOTALL)
    assert match, "no data block"
    return json.loads(match.group(1))


@pytest.fixture(scope="module")
def tiny():  # type: ignore[no-untyped-def]
    return load_graph(TINY)


@pytest.fixture(scope="module")
def whole(tiny) -> str:  # type: ignore[no-untyped-def]
    return to_html(tiny)


# ------------------------------------------------------------------------------------------------ self-contained


def test_page_fetches_nothing(whole: str) -> None:
    # no element that loads anything: every script and style is inline
    assert not re.search(
        r"<(script|link|img|iframe|embed|object|source|audio|video)\b[^>]*\b(src|href|data)\s*=", whole
    )
    assert "<link" not in whole and "@import" not in whole
    assert not re.search(r"url\((?!\s*[\"']?data:)", whole), "a CSS url() that is not a data: URI"
    for trap in ("cdnjs", "jsdelivr", "unpkg", "bootstrap.min", "tom-select", "lib/bindings/utils.js"):
        assert trap not in whole
    assert "sourceMappingURL" not in whole


def test_page_carries_vis_network_and_a_strict_policy(whole: str) -> None:
    assert "vis-network" in whole and len(whole) > 400_000
    csp = html.unescape(re.search(r'http-equiv="Content-Security-Policy" content="([^"]*)"', whole).group(1))  # type: ignore[union-attr]
    assert (
        "default-src 'none'" in csp
        and "img-src data:" in csp
        and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    )
    scripts = [body for attrs, body in SCRIPT.findall(whole) if "application/json" not in attrs]
    assert len(scripts) == 2
    for body in scripts:  # the policy allows exactly the inline scripts (an injected one would be refused)
        digest = base64.b64encode(hashlib.sha256(body.encode("utf-8")).digest()).decode()
        assert f"'sha256-{digest}'" in csp


def test_writing_the_page_leaves_nothing_else_behind(runner, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)  # pyvis' "local" mode would write lib/ here
    result = runner.invoke(app, ["export", "html", "graph.html", *T])
    assert result.exit_code == 0, result.output
    assert [p.name for p in tmp_path.iterdir()] == ["graph.html"]
    assert "wrote graph.html" in result.stdout


def test_templates_ship_with_the_package() -> None:
    assert {p.name for p in TEMPLATES.iterdir()} >= {"graph.html.j2", "graph.js", "graph.css"}
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "export/templates/*" in config["tool"]["setuptools"]["package-data"]["nibs_graph"]


def test_page_script_writes_text_never_markup() -> None:
    script = (TEMPLATES / "graph.js").read_text(encoding="utf-8")
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"):
        assert sink not in script


def test_same_data_same_page(tiny) -> None:  # type: ignore[no-untyped-def]
    assert to_html(tiny, focus="BDNF") == to_html(tiny, focus="BDNF")


# -------------------------------------------------------------------------------------------------------- data


def test_whole_graph_payload_has_every_node_and_edge(whole: str, tiny) -> None:  # type: ignore[no-untyped-def]
    data = payload(whole)
    assert {n["id"] for n in data["nodes"]} == set(tiny.nodes)
    assert len(data["edges"]) == tiny.number_of_edges() == data["meta"]["edge_count"]
    assert data["meta"]["node_count"] == len(tiny.nodes)
    ids = [e["id"] for e in data["edges"]]
    assert len(set(ids)) == len(ids)


def test_nodes_are_styled_by_type_and_edges_by_direction(whole: str) -> None:
    data = payload(whole)
    nodes = {n["id"]: n for n in data["nodes"]}
    assert nodes["nibs:iTBS"]["shape"] == "diamond" and nodes["HGNC:1033"]["shape"] == "dot"
    assert nodes["FPLX:ERK"]["shape"] == "hexagon" and nodes["nibsdata:protocol/alpha2020-itbs"]["shape"] == "triangle"
    edges = {e["id"]: e for e in data["edges"]}
    assert edges["nibs:iTBS|increased|HGNC:1033"]["color"]["color"] == "#2ca02c"
    assert edges["nibs:cTBS|decreased|HGNC:1033"]["color"]["color"] == "#d62728"
    assert edges["nibs:iTBS|unchanged|HGNC:2345"]["color"]["color"] == "#9e9e9e"
    assert edges["FPLX:ERK|L6|HGNC:6871"]["dashes"] == [8, 5]  # membership
    assert edges["HGNC:1033|L1|HGNC:8032"]["relation"] == "activates"
    options = data["options"]
    assert options["physics"]["stabilization"]["enabled"] and options["physics"]["stabilization"]["iterations"] > 0


def test_tooltips_carry_the_evidence(whole: str) -> None:
    edges = {e["id"]: e for e in payload(whole)["edges"]}
    tip = edges["nibs:iTBS|increased|HGNC:1033"]["tooltip"]
    assert tip["title"] == "iTBS → BDNF: increased (1 study)"
    assert tip["lines"] == ["Alpha et al., 2020 · rat · in vivo · protein level · doi:10.1234/alpha"]
    record = edges["nibs:iTBS|increased|HGNC:1033"]["evidence"][0]
    assert record["citation"] == "Alpha et al., 2020" and record["year"] == "2020" and record["doi"] == "10.1234/alpha"
    assert edges["HGNC:1033|L1|HGNC:8032"]["tooltip"]["lines"] == ["Section 4, paragraph 1 · review · CC BY 4.0"]


def test_markup_in_the_data_is_never_markup_in_the_page(xss_dir: Path) -> None:
    page = to_html(load_graph(xss_dir), title="<script>window.__xss=1</script>")
    for raw in (XSS_LABEL, "<script>window.__xss", "<svg onload", '<a href="javascript'):
        assert raw not in page
    assert "&lt;script&gt;window.__xss=1&lt;/script&gt;" in page  # the heading, escaped
    nodes = {n["id"]: n for n in payload(page)["nodes"]}
    assert nodes["HGNC:2345"]["label"] == XSS_LABEL  # decoded by JSON.parse, drawn on a canvas as text
    edges = {e["id"]: e for e in payload(page)["edges"]}
    assert edges["nibs:iTBS|unchanged|HGNC:2345"]["evidence"][0]["context"] == XSS_NOTE


def test_script_json_cannot_close_its_element() -> None:
    text = script_json({"a": "</script><script>alert(1)</script>", "b": "<!--", "c": "&amp;", "d": "\u2028"})
    assert "<" not in text and ">" not in text and "&" not in text and "\u2028" not in text
    assert json.loads(text)["a"] == "</script><script>alert(1)</script>"


# ------------------------------------------------------------------------------------------------------- views


def test_focus_view_is_the_neighbourhood(tiny) -> None:  # type: ignore[no-untyped-def]
    view = select_view(tiny, focus="BDNF", hops=1)
    assert set(view.nodes) == {
        "HGNC:1033",
        "HGNC:8032",
        "nibs:iTBS",
        "nibs:cTBS",
        "nibs:anodal-tDCS",
        "nibsdata:protocol/alpha2020-itbs",
        "nibsdata:protocol/beta2021-ctbs",
        "nibsdata:protocol/beta2021-atdcs",
    }
    assert view.highlight_nodes == {"HGNC:1033"}
    assert all(u in view.nodes and v in view.nodes for u, v, _ in view.edges)
    assert select_view(tiny, focus="BDNF", hops=0).nodes == ["HGNC:1033"]
    assert len(select_view(tiny, focus="BDNF", hops=2).nodes) > len(view.nodes)


def test_technique_view_has_the_family_its_protocols_and_targets(tiny) -> None:  # type: ignore[no-untyped-def]
    view = select_view(tiny, technique="TBS")
    assert set(view.nodes) == {
        "nibs:TBS",
        "nibs:iTBS",
        "nibs:cTBS",
        "nibsdata:protocol/alpha2020-itbs",
        "nibsdata:protocol/beta2021-ctbs",
        "HGNC:1033",
        "HGNC:3942",
        "HGNC:2345",
    }
    with pytest.raises(UnknownNameError):
        select_view(tiny, technique="BDNF")  # an entity, not a technique


def test_path_view_highlights_the_paths_of_nibs_graph_path(tiny) -> None:  # type: ignore[no-untyped-def]
    view = select_view(tiny, path=("iTBS", "mTOR"))
    assert set(view.nodes) == {"nibs:iTBS", "HGNC:1033", "HGNC:8032", "FPLX:AKT", "HGNC:3942"}
    assert view.highlight_edges == {
        ("nibs:iTBS", "HGNC:3942", "increased"),
        ("nibs:iTBS", "HGNC:1033", "increased"),
        ("HGNC:1033", "HGNC:8032", "L1"),
        ("HGNC:8032", "FPLX:AKT", "L3"),
        ("FPLX:AKT", "HGNC:3942", "L4"),
    }
    assert [p["nodes"] for p in view.paths] == [["iTBS", "mTOR"], ["iTBS", "BDNF", "TrkB", "Akt", "mTOR"]]
    data = payload(to_html(tiny, path=("iTBS", "mTOR")))
    lit = {e["id"] for e in data["edges"] if e["highlighted"]}
    assert lit == {f"{u}|{k}|{v}" for u, v, k in view.highlight_edges}
    assert data["meta"]["paths"][1]["consistency"] == "consistent"


def test_path_view_lights_a_family_reached_through_a_member(tiny) -> None:  # type: ignore[no-untyped-def]
    view = select_view(tiny, path=("anodal tDCS", "CREB"), max_hops=3)
    # anodal tDCS → ERK2 → (member of) ERK1/2 → CREB walks the has_member link ERK1/2 → ERK2 backwards
    assert ("FPLX:ERK", "HGNC:6871", "L6") in view.highlight_edges
    assert ("FPLX:ERK", "HGNC:2345", "L5") in view.highlight_edges


def test_view_errors(tiny) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(UnknownNameError, match="mTOR"):
        select_view(tiny, focus="mtorr")
    with pytest.raises(QueryError, match="cannot be used together"):
        select_view(tiny, focus="BDNF", technique="iTBS")
    with pytest.raises(NoResultError, match="no path from CREB to BDNF"):
        select_view(tiny, path=("CREB", "BDNF"))


# --------------------------------------------------------------------------------------------------------- CLI


@pytest.mark.parametrize(
    ("args", "expected_nodes"),
    [
        ([], 26),
        (["--focus", "BDNF", "--hops", "1"], 8),
        (["--technique", "TBS"], 8),
        (["--path", "iTBS", "mTOR"], 5),
    ],
)
def test_cli_html_views(runner, tmp_path: Path, args: list[str], expected_nodes: int) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "g.html"
    result = runner.invoke(app, ["export", "html", str(out), *T, *args])
    assert result.exit_code == 0, result.output
    assert payload(out.read_text(encoding="utf-8"))["meta"]["node_count"] == expected_nodes


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--focus", "mtorr"], 2, "Error: unknown technique, protocol or entity 'mtorr'; did you mean: mTOR?"),
        (["--focus", "BDNF", "--technique", "iTBS"], 2, "cannot be used together"),
        (["--technique", "BDNF"], 2, "unknown technique"),
        (["--path", "CREB", "BDNF"], 1, "no path from CREB to BDNF"),
        (["--hops", "99", "--focus", "BDNF"], 2, "--hops"),
    ],
)
def test_cli_html_failures(runner, tmp_path: Path, args: list[str], code: int, message: str) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "g.html"
    result = runner.invoke(app, ["export", "html", str(out), *T, *args])
    assert result.exit_code == code
    assert message in result.stderr
    assert "Traceback" not in result.output
    assert not out.exists()


def test_cli_html_unwritable_destination(runner, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = runner.invoke(app, ["export", "html", str(tmp_path / "missing" / "g.html"), *T])
    assert result.exit_code == 2 and "does not exist" in result.stderr and "Traceback" not in result.output


def test_missing_pyvis_is_a_clear_error(runner, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import sys

    monkeypatch.setitem(sys.modules, "pyvis", None)  # as if the viz extra were not installed
    result = runner.invoke(app, ["export", "html", str(tmp_path / "g.html"), *T])
    assert result.exit_code == 2
    assert "the HTML export needs pyvis, which is not installed: pip install 'nibs-graph[viz]'" in result.stderr
    assert "Traceback" not in result.output


def test_cli_path_view_takes_the_filters_of_nibs_graph_path(runner, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "g.html"
    args = ["export", "html", str(out), *T, "--path", "anodal tDCS", "CREB", "--setting", "human", "--max-hops", "3"]
    result = runner.invoke(app, args)
    assert result.exit_code == 1  # ERK1/2 -> CREB cites no study: no human support
    result = runner.invoke(app, [*args, "--allow-assumed"])
    assert result.exit_code == 0, result.output
    assert [p["nodes"] for p in payload(out.read_text(encoding="utf-8"))["meta"]["paths"]] == [
        ["anodal tDCS", "ERK2", "ERK1/2", "CREB"]
    ]
    result = runner.invoke(app, ["export", "html", str(out), *T, "--path", "cTBS", "CREB", "--species", "rat"])
    assert result.exit_code == 1 and "no path from cTBS to CREB" in result.stderr
    result = runner.invoke(app, ["export", "html", str(out), *T, "--path", "iTBS", "BDNF", "--species", "dgo"])
    assert result.exit_code == 2 and "--species 'dgo' is not allowed" in result.stderr


def test_tooltip_says_human_tissue_not_human_twice() -> None:
    from nibs_graph.export.html import _evidence_line

    line = _evidence_line(
        {"finding_id": "x-f01", "citation": "Wang et al., 2011", "species": "human", "setting": "human"}
    )
    assert line == "Wang et al., 2011 · human · human tissue"
