"""A self-contained interactive HTML view of the graph (pyvis model, vis-network, no network access).

The page is ONE file: vis-network's JavaScript and CSS (the copy bundled with pyvis), the page's own script and
style, and the graph data are all inline, and a Content-Security-Policy forbids every fetch, so it renders
offline and from any folder. pyvis builds the model (``Network.add_node`` / ``add_edge`` and the options); the
page comes from this package's own template (``templates/graph.html.j2``, autoescaped) because pyvis' template
links Bootstrap and vis-network from CDNs and does not escape what it writes. The graph data travel as JSON in
a ``<script type="application/json">`` block (with ``<``, ``>`` and ``&`` escaped), and tooltips and details
are built as DOM text nodes, so a label such as ``<img src=x onerror=alert(1)>`` is shown, never run.

Views: the whole graph; the neighbourhood of an entity (``focus`` and ``hops``); a technique with its
sub-techniques, protocols and the entities they changed (``technique``); the paths of ``nibs-graph path``
between two nodes, highlighted (``path``).

>>> from nibs_graph.api import load_graph
>>> page = to_html(load_graph("tests/data/tiny"), focus="BDNF", hops=1)
>>> page.startswith("<!DOCTYPE html>") and "cdnjs" not in page and "<script src" not in page
True
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ExportError, NoResultError, QueryError
from ._deps import require_modules
from .atomic import write_atomic

__all__ = [
    "EDGE_STYLES",
    "NODE_STYLES",
    "View",
    "evidence_summary",
    "script_json",
    "select_view",
    "to_html",
    "write_html",
]

TEMPLATES = Path(__file__).resolve().parent / "templates"

#: Node type → (vis-network shape, fill colour, legend label).
NODE_STYLES: dict[str, tuple[str, str, str]] = {
    "technique": ("diamond", "#6a3d9a", "technique"),
    "protocol": ("triangle", "#cab2d6", "protocol (study arm)"),
    "gene_or_protein": ("dot", "#1f78b4", "gene or protein"),
    "family_or_complex": ("hexagon", "#a6cee3", "family or complex"),
    "small_molecule": ("square", "#ff7f00", "small molecule"),
    "biological_process": ("triangleDown", "#b15928", "biological process"),
    "phenotype": ("star", "#e7298a", "phenotype"),
}
_OTHER_NODE = ("ellipse", "#bdbdbd", "other")

#: Edge relation → (colour, dashes, arrow head, legend label).
EDGE_STYLES: dict[str, tuple[str, bool | list[int], str | None, str]] = {
    "increased": ("#2ca02c", False, "arrow", "observed: increased"),
    "decreased": ("#d62728", False, "arrow", "observed: decreased"),
    "unchanged": ("#9e9e9e", False, "arrow", "observed: unchanged"),
    "activates": ("#1b7837", False, "arrow", "signalling: activates"),
    "inhibits": ("#b2182b", False, "bar", "signalling: inhibits"),
    "increases_expression": ("#1b7837", [2, 4], "arrow", "signalling: increases expression"),
    "decreases_expression": ("#b2182b", [2, 4], "bar", "signalling: decreases expression"),
    "binds": ("#636363", False, None, "signalling: binds"),
    "has_member": ("#4292c6", [8, 5], "arrow", "membership: has member"),
    "part_of": ("#4292c6", [8, 5], "arrow", "membership: part of"),
    "uses_technique": ("#c7c7c7", [3, 3], "arrow", "protocol uses technique"),
    "subclass_of": ("#c7c7c7", False, "arrow", "technique is a kind of"),
}
_OTHER_EDGE = ("#bdbdbd", False, "arrow", "other")
_DIM = "#dddddd"
_EFFECTS = ("increased", "decreased", "unchanged")
_PROTOCOL_PARAMS = (
    ("armLabel", "arm", ""),
    ("polarity", "polarity", ""),
    ("frequencyHz", "frequency", " Hz"),
    ("burstFrequencyHz", "burst frequency", " Hz"),
    ("pattern", "pattern", ""),
    ("intensityMin", "intensity", ""),
    ("pulsesPerSession", "pulses per session", ""),
    ("sessionDurationMin", "session duration", " min"),
    ("sessions", "sessions", ""),
    ("sessionSpacing", "spacing", ""),
    ("treatmentDuration", "treatment duration", ""),
    ("site", "site", ""),
)
_TOOLTIP_EVIDENCE = 6  # evidence lines in a tooltip (the details panel lists all)
_SCRIPT_UNSAFE = re.compile(r"</(script|style)|<!--", re.IGNORECASE)


@dataclass
class View:
    """The part of the graph a page shows.

    ``nodes`` and ``edges`` (``(u, v, key)``) are what is drawn; ``highlight_nodes`` / ``highlight_edges`` are
    emphasised (the focus, the paths) and, when ``dim_others`` is set, the rest is drawn faded.
    """

    kind: str
    description: str
    nodes: list[str]
    edges: list[tuple[str, str, str]]
    highlight_nodes: set[str] = field(default_factory=set)
    highlight_edges: set[tuple[str, str, str]] = field(default_factory=set)
    dim_others: bool = False
    paths: list[dict[str, Any]] = field(default_factory=list)
    hidden_types: set[str] = field(default_factory=set)
    """Node types drawn hidden at first (a legend checkbox shows them)."""


# ------------------------------------------------------------------------------------------------------- views


def _all_edges(G: Any, nodes: Iterable[str]) -> list[tuple[str, str, str]]:
    """Every edge between ``nodes`` (the induced subgraph), in a stable order."""
    keep = set(nodes)
    return [
        (u, v, str(k))
        for u in sorted(keep)
        for v in sorted(G.succ[u])
        if v in keep
        for k in sorted(G.succ[u][v], key=str)
    ]


def _neighbourhood(G: Any, start: str, hops: int) -> set[str]:
    seen = {start}
    frontier = {start}
    for _ in range(hops):
        nxt: set[str] = set()
        for node in frontier:
            nxt.update(G.succ[node])
            nxt.update(G.pred[node])
        frontier = nxt - seen
        seen |= frontier
    return seen


def select_view(
    G: Any,
    *,
    focus: str | None = None,
    hops: int = 1,
    technique: str | None = None,
    path: tuple[str, str] | list[str] | None = None,
    max_hops: int = 4,
    max_paths: int = 20,
    species: str | None = None,
    setting: str | None = None,
    min_studies: int = 1,
    evidence_filter: Any = None,
) -> View:
    """Choose the nodes and edges of a view (at most one of ``focus``, ``technique``, ``path``).

    Parameters
    ----------
    G:
        The projection.
    focus, hops:
        An entity (or technique, protocol) and the number of links around it.
    technique:
        A technique: it, its sub-techniques, their protocols, the entities they changed and the links between
        those.
    path:
        ``(source, target)``: the paths found by :func:`nibs_graph.queries.paths.paths`, highlighted among the
        links between their nodes.
    max_hops, max_paths, species, setting, min_studies, evidence_filter:
        Passed to :func:`~nibs_graph.queries.paths.paths` for the ``path`` view (as ``nibs-graph path`` does).

    Raises
    ------
    QueryError
        When more than one view is asked for, or ``hops`` is out of range.
    UnknownNameError
        When a name does not resolve.
    NoResultError
        When the ``path`` view finds no path.

    Examples
    --------
    >>> from nibs_graph.api import load_graph
    >>> view = select_view(load_graph("tests/data/tiny"), focus="TrkB", hops=1)
    >>> sorted(view.nodes)
    ['FPLX:AKT', 'FPLX:ERK', 'HGNC:1033', 'HGNC:8032']
    """
    from ..resolve import resolve

    chosen = [name for name, value in (("focus", focus), ("technique", technique), ("path", path)) if value]
    if len(chosen) > 1:
        raise QueryError(f"choose one view: {' and '.join(chosen)} cannot be used together")
    if focus:
        if not 0 <= hops <= 10:
            raise QueryError(f"hops must be between 0 and 10, got {hops}")
        node = resolve(G, focus)
        nodes = _neighbourhood(G, node, hops)
        label = G.nodes[node].get("label", node)
        return View(
            "focus",
            f"{label} and everything within {hops} link{'s' if hops != 1 else ''}",
            sorted(nodes),
            _all_edges(G, nodes),
            highlight_nodes={node},
        )
    if technique:
        from ..queries._common import technique_nodes_under

        root = resolve(G, technique, types={"technique"})
        techniques = set(technique_nodes_under(G, root))
        protocols = {p for t in techniques for p, keys in G.pred[t].items() if "uses_technique" in keys}
        targets = {
            v for u in techniques | protocols for v, keys in G.succ[u].items() if any(k in _EFFECTS for k in keys)
        }
        nodes = techniques | protocols | targets
        label = G.nodes[root].get("label", root)
        return View(
            "technique",
            f"{label}: its techniques, protocols and the entities they changed",
            sorted(nodes),
            _all_edges(G, nodes),
            highlight_nodes=techniques,
        )
    if path:
        from ..queries.paths import paths

        if len(path) != 2:
            raise QueryError("path takes two names: SOURCE TARGET")
        if evidence_filter is None:
            from ..queries.filters import EvidenceFilter

            evidence_filter = EvidenceFilter(species=species, setting=setting, min_studies=min_studies)
        result = paths(G, path[0], path[1], max_hops=max_hops, max_paths=max_paths, evidence_filter=evidence_filter)
        src_label = G.nodes[result.source].get("label", result.source)
        dst_label = G.nodes[result.target].get("label", result.target)
        if not result.paths:
            given = [f"species {species}"] * bool(species) + [f"setting {setting}"] * bool(setting)
            given += [f"at least {min_studies} studies"] * (min_studies > 1)
            where = f" with these filters ({', '.join(given)})" if given else ""
            raise NoResultError(f"no path from {src_label} to {dst_label} within {max_hops} hops{where}")
        nodes = {n for p in result.paths for n in p.nodes}
        lit: set[tuple[str, str, str]] = set()
        for p in result.paths:
            for hop in p.hops:
                lit.update(_hop_edges(G, hop.source, hop.target, hop.relation))
        shown = len(result.paths)
        more = f" (the first {shown} of {result.total_found})" if result.truncated else ""
        return View(
            "path",
            f"{shown} path{'s' if shown != 1 else ''} from {src_label} to {dst_label}{more}",
            sorted(nodes),
            _all_edges(G, nodes),
            highlight_nodes={result.source, result.target},
            highlight_edges=lit,
            dim_others=True,
            paths=[
                {
                    "nodes": [G.nodes[n].get("label", n) for n in p.nodes],
                    "sign": p.sign,
                    "consistency": p.consistency,
                    "studies": len(p.studies()),
                }
                for p in result.paths
            ],
        )
    # the 46 study arms (protocols) double the node count and carry 6-7 px labels: hidden until asked for
    return View("whole", "the whole graph", sorted(G.nodes), _all_edges(G, G.nodes), hidden_types={"protocol"})


def _hop_edges(G: Any, u: str, v: str, relation: str) -> list[tuple[str, str, str]]:
    """The graph edges behind one path hop (a ``member_of`` hop walks a ``has_member`` edge backwards)."""
    if relation == "member_of":
        return [(v, u, str(k)) for k, d in G.succ[v].get(u, {}).items() if d.get("relation") == "has_member"]
    return [(u, v, str(k)) for k, d in G.succ[u].get(v, {}).items() if d.get("relation") == relation]


# ------------------------------------------------------------------------------------------------------- model


def _fmt(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


_SUMMARY_NAMES = 8  # names listed per direction in a node's evidence summary
_VERBS = {"increased": ("↑ increased by", "↑ increased"), "decreased": ("↓ decreased by", "↓ decreased")}
_VERBS["unchanged"] = ("= no change after", "= no change in")


def _names(names: list[str]) -> str:
    more = f" … +{len(names) - _SUMMARY_NAMES} more" if len(names) > _SUMMARY_NAMES else ""
    return ", ".join(names[:_SUMMARY_NAMES]) + more


def evidence_summary(G: Any, node: str) -> list[str]:
    """What was observed about ``node``: for an entity, the techniques that moved it up, down or not at all; for a
    technique, the entities it moved; and the number of studies. Empty for nodes without observations.

    >>> from nibs_graph.api import load_graph
    >>> evidence_summary(load_graph("tests/data/tiny"), "HGNC:2345")
    ['= no change after: iTBS', 'studies: 1']
    """
    kind = G.nodes[node].get("type")
    by_direction: dict[str, set[str]] = {d: set() for d in _EFFECTS}
    studies: set[str] = set()
    if kind == "technique":
        pairs = ((v, keys) for v, keys in G.succ[node].items())
    elif kind == "protocol":
        return []
    else:
        pairs = ((u, keys) for u, keys in G.pred[node].items() if G.nodes[u].get("type") == "technique")
    for other, keys in pairs:
        for direction in _EFFECTS:
            data = keys.get(direction)
            if data is None:
                continue
            by_direction[direction].add(str(G.nodes[other].get("label", other)))
            studies.update(data.get("studies") or ())
    which = 1 if kind == "technique" else 0
    lines = [
        f"{_VERBS[d][which]}: {_names(sorted(names, key=str.casefold))}" for d, names in by_direction.items() if names
    ]
    if studies:
        lines.append(f"studies: {len(studies)}")
    return lines


def _node_tooltip(node: str, attrs: dict[str, Any], summary: list[str] | None = None) -> dict[str, Any]:
    kind = str(attrs.get("type", ""))
    lines = [f"{NODE_STYLES.get(kind, _OTHER_NODE)[2]} · {node}"]
    if attrs.get("synonyms"):
        lines.append("also: " + ", ".join(str(s) for s in attrs["synonyms"]))
    lines.extend(summary or ())
    if kind == "protocol":
        if attrs.get("citation"):
            lines.append(f"study: {attrs['citation']}")
        for key, name, unit in _PROTOCOL_PARAMS:
            if attrs.get(key) is None:
                continue
            value = _fmt(attrs[key])
            if key == "intensityMin":
                high = attrs.get("intensityMax")
                if high is not None and high != attrs[key]:
                    value += f"–{_fmt(high)}"
                unit = f" {attrs['intensityUnit']}" if attrs.get("intensityUnit") else ""
            lines.append(f"{name}: {value}{unit}")
    return {"title": str(attrs.get("label", node)), "lines": lines}


def _evidence_line(record: dict[str, Any]) -> str:
    if "finding_id" in record:
        parts = [f"{record.get('citation') or record.get('study_id')}"]
        for key in ("species", "setting", "measure", "region", "time_point"):
            if record.get(key):
                values = str(record[key]).split("|")
                if key == "setting":  # "human · human" would say nothing: the setting is human tissue
                    values = ["human tissue" if v == "human" else v for v in values]
                parts.append(", ".join(values))
        if record.get("doi"):
            parts.append(f"doi:{record['doi']}")
        if record.get("flags"):
            parts.append("flags: " + ", ".join(record["flags"]))
        return " · ".join(parts)
    parts = [str(record.get("source") or record.get("link_id"))]
    for key in ("reference", "layer", "licence"):
        if record.get(key):
            parts.append(str(record[key]))
    if record.get("studies"):
        parts.append("cites " + ", ".join(record["studies"]))
    if record.get("basis") and record["basis"] != "stated":
        parts.append(str(record["basis"]))
    if record.get("flags"):
        parts.append("flags: " + ", ".join(record["flags"]))
    return " · ".join(parts)


def _evidence_details(record: dict[str, Any]) -> dict[str, Any]:
    """One evidence record for the details panel (plain values only; the page writes them as text)."""
    keys: tuple[str, ...]
    if "finding_id" in record:
        keys = (
            "citation",
            "year",
            "species",
            "setting",
            "direction",
            "measure",
            "target_label",
            "protocol_label",
            "comparison",
            "region",
            "time_point",
            "context",
            "model",
            "disease_model",
            "source",
            "finding_id",
            "flags",
        )
    else:
        keys = ("link_id", "source", "reference", "studies", "basis", "layer", "licence", "flags")
    out = {k: _fmt(record[k]) for k in keys if record.get(k) not in (None, "", ())}
    if record.get("doi"):
        out["doi"] = str(record["doi"])
    return out


def _edge_tooltip(G: Any, u: str, v: str, data: dict[str, Any]) -> dict[str, Any]:
    relation = str(data.get("relation", ""))
    evidence = list(data.get("evidence") or ())
    studies = data.get("studies") or ()
    head = f"{G.nodes[u].get('label', u)} → {G.nodes[v].get('label', v)}: {relation.replace('_', ' ')}"
    if studies:
        head += f" ({len(studies)} stud{'y' if len(studies) == 1 else 'ies'})"
    lines = [_evidence_line(r) for r in evidence[:_TOOLTIP_EVIDENCE]]
    if len(evidence) > _TOOLTIP_EVIDENCE:
        lines.append(f"… and {len(evidence) - _TOOLTIP_EVIDENCE} more (click the link)")
    return {"title": head, "lines": lines}


def _node_font(kind: str, degree: int) -> dict[str, Any]:
    """Label font: hubs (many links) get larger labels, so they stay legible when the whole graph is shown."""
    if kind == "protocol":
        return {"size": 11, "color": "#666666"}
    if kind == "technique":
        return {"size": 20, "color": "#3f1d6b", "bold": {"color": "#3f1d6b"}}
    return {"size": round(min(30.0, 13 + 2.0 * math.sqrt(degree)), 1), "color": "#1a1a1a"}


def _network(G: Any, view: View) -> Any:
    """The pyvis model of a view: nodes and edges with their style, tooltip data and evidence."""
    from pyvis.network import Network

    # pyvis holds the model only: its own template (CDN links, no escaping) is never rendered
    net = Network(directed=True, height="100%", width="100%")
    degree: defaultdict[str, int] = defaultdict(int)
    for u, v, _ in view.edges:
        degree[u] += 1
        degree[v] += 1
    dim = view.dim_others
    for node in view.nodes:
        attrs = G.nodes[node]
        kind = str(attrs.get("type", ""))
        shape, colour, _ = NODE_STYLES.get(kind, _OTHER_NODE)
        emphasised = node in view.highlight_nodes
        size = 22 if kind == "technique" else 9 if kind == "protocol" else 10 + 2.2 * math.sqrt(degree[node])
        net.add_node(
            node,
            label=str(attrs.get("label", node)),
            shape=shape,
            color={
                "background": colour,
                "border": "#111111" if emphasised else "#555555",
                "highlight": {"background": colour, "border": "#000000"},
                "hover": {"background": colour, "border": "#000000"},
            },
            borderWidth=4 if emphasised else 1,
            size=round(size * (1.35 if emphasised else 1.0), 2),
            font=_node_font(kind, degree[node]),
            ntype=kind,
            synonyms=[str(s) for s in attrs.get("synonyms", ())],
            tooltip=_node_tooltip(node, attrs, evidence_summary(G, node)),
            emphasised=emphasised,
            hidden=kind in view.hidden_types,
        )
    parallel: dict[frozenset[str], int] = defaultdict(int)
    for u, v, key in view.edges:
        data = G.succ[u][v][key]
        relation = str(data.get("relation", ""))
        colour, dashes, arrow, _ = EDGE_STYLES.get(relation, _OTHER_EDGE)
        studies = len(data.get("studies") or ())
        width = 1.0 + 0.8 * math.log2(1 + studies) if relation in _EFFECTS else 1.5
        if relation in ("uses_technique", "subclass_of"):
            width = 0.8
        lit = (u, v, key) in view.highlight_edges
        if lit:
            width = max(width, 2.5) * 1.8
        faded = dim and not lit
        pair = frozenset((u, v))
        rank = parallel[pair]
        parallel[pair] += 1
        smooth: dict[str, Any] = {"enabled": True, "type": "continuous", "roundness": 0.2}
        if rank:
            smooth = {"enabled": True, "type": "curvedCW" if rank % 2 else "curvedCCW", "roundness": 0.15 * rank}
        net.add_edge(
            u,
            v,
            id=f"{u}|{key}|{v}",
            color={
                "color": _DIM if faded else colour,
                "highlight": colour,
                "hover": colour,
                "opacity": 1.0 if lit else 0.75,
            },
            dashes=dashes,
            width=round(width, 2),
            arrows={"to": {"enabled": arrow is not None, "type": arrow or "arrow", "scaleFactor": 0.6}},
            smooth=smooth,
            relation=relation,
            highlighted=lit,
            tooltip=_edge_tooltip(G, u, v, data),
            nstudies=studies,
            evidence=[_evidence_details(r) for r in data.get("evidence") or ()],
        )
    n = len(view.nodes)
    net.options = {
        "autoResize": True,
        "layout": {"randomSeed": 7, "improvedLayout": n <= 150},
        "nodes": {"font": {"face": "system-ui, sans-serif", "strokeWidth": 3, "strokeColor": "#ffffff"}},
        "edges": {"selectionWidth": 2, "hoverWidth": 1.5},
        "interaction": {
            "hover": True,
            "tooltipDelay": 120,
            "hideEdgesOnDrag": n > 150,
            "hideEdgesOnZoom": n > 300,
            "multiselect": True,
            "navigationButtons": False,
            "keyboard": False,
        },
        "physics": {
            "enabled": True,
            "solver": "forceAtlas2Based",
            "forceAtlas2Based": {
                "gravitationalConstant": -90,
                "centralGravity": 0.02,
                "springLength": 110,
                "springConstant": 0.06,
                "damping": 0.5,
                "avoidOverlap": 0.8,
            },
            "maxVelocity": 60,
            "minVelocity": 1.0,
            "timestep": 0.45,
            "stabilization": {"enabled": True, "iterations": min(1000, 250 + 3 * n), "updateInterval": 50},
        },
    }
    return net


# -------------------------------------------------------------------------------------------------------- page


def _vis_assets() -> tuple[str, str]:
    """vis-network's JavaScript and CSS as bundled with pyvis (the newest version it ships)."""
    import pyvis

    root = Path(pyvis.__file__).resolve().parent
    candidates = sorted(root.glob("templates/lib/vis-*/vis-network.min.js")) or sorted(
        root.glob("lib/vis-*/vis-network.min.js")
    )
    if not candidates:
        raise ExportError(f"pyvis at {root} has no bundled vis-network.min.js")
    js_path = max(candidates, key=lambda p: tuple(int(x) for x in re.findall(r"\d+", p.parent.name)))
    js = js_path.read_text(encoding="utf-8")
    css = js_path.with_name("vis-network.css").read_text(encoding="utf-8")
    # the source map comment would make developer tools fetch a file that is not there
    js = re.sub(r"^//# sourceMappingURL=.*$", "", js, flags=re.MULTILINE)
    return js, css


def _inline_safe(text: str, what: str) -> str:
    """Check that ``text`` cannot end its ``<script>``/``<style>`` element early."""
    if _SCRIPT_UNSAFE.search(text):
        raise ExportError(f"{what} contains '</script', '</style' or '<!--' and cannot be inlined safely")
    return text


def script_json(payload: Any) -> str:
    """JSON that is safe inside ``<script type="application/json">``: ``<``, ``>``, ``&`` and U+2028/9 escaped.

    Examples
    --------
    >>> script_json({"label": "</script><img src=x>"})
    '{"label": "\\\\u003c/script\\\\u003e\\\\u003cimg src=x\\\\u003e"}'
    """
    text = json.dumps(payload, ensure_ascii=False, sort_keys=True)
    for char, escape in (
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("&", "\\u0026"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ):
        text = text.replace(char, escape)
    return text


def _csp_hash(source: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(source.encode("utf-8")).digest()).decode("ascii") + "'"


def _shape_points(shape: str) -> str:
    """An SVG polygon (14×14 box) for a legend swatch."""
    return {
        "diamond": "7,0 14,7 7,14 0,7",
        "triangle": "7,1 13,13 1,13",
        "triangleDown": "1,1 13,1 7,13",
        "square": "1,1 13,1 13,13 1,13",
        "hexagon": "3.5,1 10.5,1 14,7 10.5,13 3.5,13 0,7",
        "star": "7,0 8.8,5 14,5 9.8,8.2 11.4,13.5 7,10.3 2.6,13.5 4.2,8.2 0,5 5.2,5",
    }.get(shape, "")


def to_html(
    G: Any,
    *,
    focus: str | None = None,
    hops: int = 1,
    technique: str | None = None,
    path: tuple[str, str] | list[str] | None = None,
    max_hops: int = 4,
    max_paths: int = 20,
    species: str | None = None,
    setting: str | None = None,
    min_studies: int = 1,
    evidence_filter: Any = None,
    title: str | None = None,
) -> str:
    """Render a view of the graph as one self-contained HTML page.

    Parameters
    ----------
    G:
        The projection (:func:`nibs_graph.api.load_graph`).
    focus, hops, technique, path, max_hops, max_paths, species, setting, min_studies:
        The view (see :func:`select_view`); none of them: the whole graph.
    title:
        The page heading (default: ``nibs-graph: <view>``); written as text.

    Returns
    -------
    str
        The HTML document. In the browser, ``window.nibsGraph`` holds ``network``, ``nodes`` and ``edges``
        (vis-network objects), ``meta``, and once the layout has settled ``ready = true`` and ``renderMs`` (the
        time from navigation to the end of stabilisation, by ``performance.now()``).

    Raises
    ------
    QueryError, UnknownNameError, NoResultError
        From :func:`select_view`.
    ExportError
        When pyvis' bundled vis-network cannot be found.

    Examples
    --------
    >>> from nibs_graph.api import load_graph
    >>> page = to_html(load_graph("tests/data/tiny"), title="<b>tiny</b>")
    >>> "&lt;b&gt;tiny&lt;/b&gt;" in page and "<b>tiny</b>" not in page
    True
    """
    require_modules("the HTML export", "pyvis", "jinja2", "markupsafe")
    from jinja2 import Environment, FileSystemLoader, select_autoescape
    from markupsafe import Markup

    view = select_view(
        G,
        focus=focus,
        hops=hops,
        technique=technique,
        path=path,
        max_hops=max_hops,
        max_paths=max_paths,
        species=species,
        setting=setting,
        min_studies=min_studies,
        evidence_filter=evidence_filter,
    )
    net = _network(G, view)
    heading = title if title is not None else f"nibs-graph: {view.description}"
    kinds = sorted(
        {G.nodes[n].get("type", "") for n in view.nodes},
        key=lambda k: list(NODE_STYLES).index(k) if k in NODE_STYLES else 99,
    )
    relations = sorted(
        {G.succ[u][v][k].get("relation", "") for u, v, k in view.edges},
        key=lambda r: list(EDGE_STYLES).index(r) if r in EDGE_STYLES else 99,
    )
    payload = {
        "nodes": net.nodes,
        "edges": net.edges,
        "options": net.options,
        "meta": {
            "view": view.kind,
            "description": view.description,
            "node_count": len(view.nodes),
            "edge_count": len(view.edges),
            "data_version": G.graph.get("data_version"),
            "release": G.graph.get("release"),
            "paths": view.paths,
            "hidden_types": sorted(view.hidden_types),
        },
    }
    vis_js, vis_css = _vis_assets()
    app_js = (TEMPLATES / "graph.js").read_text(encoding="utf-8")
    app_css = (TEMPLATES / "graph.css").read_text(encoding="utf-8")
    scripts = [_inline_safe(vis_js, "vis-network.min.js"), _inline_safe(app_js, "graph.js")]
    csp = "; ".join(
        (
            "default-src 'none'",
            "script-src " + " ".join(_csp_hash(s) for s in scripts),
            "style-src 'unsafe-inline'",
            "img-src data:",
            "font-src data:",
            "base-uri 'none'",
            "form-action 'none'",
        )
    )
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(enabled_extensions=("html", "j2"), default=True),
        keep_trailing_newline=True,
    )
    page = env.get_template("graph.html.j2").render(
        heading=heading,
        description=view.description,
        csp=csp,
        node_count=len(view.nodes),
        edge_count=len(view.edges),
        data_version=G.graph.get("data_version") or "",
        release=G.graph.get("release") or "",
        node_legend=[
            {
                "type": k,
                "label": NODE_STYLES[k][2],
                "colour": NODE_STYLES[k][1],
                "points": _shape_points(NODE_STYLES[k][0]),
                "shown": k not in view.hidden_types,
            }
            for k in kinds
            if k in NODE_STYLES
        ],
        edge_legend=[
            {
                "relation": r,
                "label": EDGE_STYLES[r][3],
                "colour": EDGE_STYLES[r][0],
                "dashes": " ".join(str(d) for d in dashes) if isinstance(dashes := EDGE_STYLES[r][1], list) else "",
                "bar": EDGE_STYLES[r][2] == "bar",
            }
            for r in relations
            if r in EDGE_STYLES
        ],
        payload=Markup(script_json(payload)),
        vis_js=Markup(scripts[0]),
        vis_css=Markup(_inline_safe(vis_css, "vis-network.css")),
        app_js=Markup(scripts[1]),
        app_css=Markup(_inline_safe(app_css, "graph.css")),
    )
    return page


def write_html(G: Any, out: Path | str, **view: Any) -> Path:
    """Render :func:`to_html` and write it to ``out`` atomically; returns ``out``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from nibs_graph.api import load_graph
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "tiny.html"
    >>> write_html(load_graph("tests/data/tiny"), out, technique="TBS").stat().st_size > 100_000
    True
    """
    return write_atomic(out, to_html(G, **view))
