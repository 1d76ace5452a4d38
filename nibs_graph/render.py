"""Human-readable output of the queries (Rich tables and trees) for the CLI."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text
from rich.tree import Tree

__all__ = [
    "print_contradictions",
    "print_divergence",
    "print_evidence",
    "print_gaps",
    "print_hubs",
    "print_info",
    "print_paths",
]

_ARROWS = {"increased": "↑", "decreased": "↓", "unchanged": "="}
_SIGN = {1: "+", -1: "−", 0: "0", None: "?"}


def _console() -> Console:
    """A console that fits a terminal, and does not wrap tables when output goes to a file or a pipe."""
    console = Console(highlight=False, soft_wrap=False)
    if not console.is_terminal:
        console = Console(highlight=False, soft_wrap=False, width=200)
    return console


def _label(G: Any, node: str) -> str:
    return str(G.nodes[node].get("label", node))


def _cite(records: Any, limit: int = 6) -> str:
    seen: dict[str, str] = {}
    for r in records:
        if r.get("study_id"):
            where = ", ".join(x for x in (r.get("species"), r.get("setting")) if x)
            seen.setdefault(r["study_id"], f"{r['citation']} ({where.replace('|', '/')})" if where else r["citation"])
        else:
            seen.setdefault(
                r.get("link_id", "?"),
                f"review {r.get('source')}" + (f" {r['reference']}" if r.get("reference") else "")
                if r.get("layer") == "review"
                else f"{r.get('layer')}: {r.get('source')}",
            )
    items = list(seen.values())
    more = f" … +{len(items) - limit} more" if len(items) > limit else ""
    return "; ".join(items[:limit]) + more


def _hop_text(G: Any, hop: Any) -> str:
    relation = hop.relation
    arrow = _ARROWS.get(relation)
    verb = f"{arrow} {relation}" if arrow else relation.replace("_", " ")
    return f"{_label(G, hop.source)} —{verb}→ {_label(G, hop.target)}"


def print_paths(G: Any, result: Any) -> None:
    """Print a :class:`~nibs_graph.queries.paths.PathResult` as a tree per path."""
    console = _console()
    header = (
        f"{len(result.paths)} of {result.total_found} path(s) from {_label(G, result.source)} to "
        f"{_label(G, result.target)} (max {result.max_hops} hops)"
    )
    console.print(Text(header, style="bold"))
    if result.truncated:
        reasons = {
            "max_paths": "more paths exist than shown (raise --max-paths)",
            "time_limit": "the search stopped at its time limit; results are incomplete",
            "search_cap": "the search stopped at its path cap; results are incomplete",
        }
        console.print(Text("note: " + reasons.get(result.reason, str(result.reason)), style="yellow"))
    for i, path in enumerate(result.paths, 1):
        route = " → ".join(_label(G, n) for n in path.nodes)
        observed = f", observed: {'/'.join(path.observed)}" if path.observed else ""
        tree = Tree(Text(f"{i}. {route}   [sign {_SIGN[path.sign]}, {path.consistency}{observed}]", style="bold cyan"))
        for hop in path.hops:
            tree.add(Text(_hop_text(G, hop), style="green" if hop.sign == 1 else "red" if hop.sign == -1 else "")).add(
                Text(_cite(hop.evidence), style="dim")
            )
        console.print(tree)


def print_hubs(G: Any, items: list[Any]) -> None:
    """Print hubs as a table."""
    table = Table(title="Convergent hubs: entities reached by the most techniques", title_justify="left")
    for col, just in (
        ("#", "right"),
        ("entity", "left"),
        ("id", "left"),
        ("techniques", "right"),
        ("studies", "right"),
        ("findings ↑/↓/=", "right"),
        ("degree", "right"),
        ("betweenness", "right"),
        ("reached by", "left"),
    ):
        table.add_column(col, justify=just)  # type: ignore[arg-type]
    for i, h in enumerate(items, 1):
        dirs = "/".join(str(h.directions.get(d, 0)) for d in ("increased", "decreased", "unchanged"))
        table.add_row(
            str(i),
            h.label,
            h.id,
            str(len(h.techniques)),
            str(len(h.studies)),
            dirs,
            str(h.degree),
            f"{h.betweenness:.3f}",
            ", ".join(h.techniques),
        )
    _console().print(table)


def print_divergence(G: Any, d: Any) -> None:
    """Print a divergence answer: per technique, the cascades it continues into; then the branches."""
    console = _console()
    console.print(Text(f"Techniques that reach {_label(G, d.hub)} and where they go next", style="bold"))
    for t, info in d.techniques.items():
        dirs = "/".join(_ARROWS[x] for x in info["hub_directions"])
        node = Tree(
            Text(f"{_label(G, t)} {dirs} {_label(G, d.hub)}  ({_cite(info['hub_evidence'], 3)})", style="bold cyan")
        )
        if not info["continues"]:
            node.add(Text("no downstream entity of the hub observed", style="dim"))
        for entity, step in info["continues"].items():
            route = " → ".join(_label(G, n) for n in d.downstream[entity])
            arrows = "/".join(_ARROWS[x] for x in step["directions"])
            same = " [same study]" if step["same_studies"] else " [other studies]"
            node.add(Text(f"{arrows} {_label(G, entity)}   via {route}   ({_cite(step['evidence'], 3)}){same}"))
        console.print(node)
    if d.branches:
        table = Table(title=f"Downstream of {_label(G, d.hub)}: which techniques go on", title_justify="left")
        table.add_column("entity")
        table.add_column("route")
        table.add_column("reached by")
        table.add_column("not by")
        for b in d.branches:
            table.add_row(
                _label(G, b["entity"]),
                " → ".join(_label(G, n) for n in b["route"]),
                ", ".join(_label(G, t) for t in b["techniques"]),
                ", ".join(_label(G, t) for t in b["not_reached_by"]),
            )
        console.print(table)


def print_contradictions(G: Any, items: list[Any]) -> None:
    """Print contradictions as a table."""
    table = Table(
        title="Contradictions: one target, conflicting directions, one technique family", title_justify="left"
    )
    for col in ("target", "family", "kind", "sides", "what differs"):
        table.add_column(col)
    for c in items:
        sides = "\n".join(
            f"{_ARROWS[d]} " + "; ".join(sorted({f"{r['citation']} ({r['technique_label']})" for r in rows}))
            for d, rows in c.sides.items()
        )
        differs = ", ".join(k for k in c.differs if k != "study_id") or "same reported context"
        table.add_row(_label(G, c.target), c.family, c.kind, sides, differs)
    _console().print(table)


def print_evidence(G: Any, source: str, target: str, rows: list[dict[str, Any]]) -> None:
    """Print evidence records as a table."""
    table = Table(title=f"Evidence: {source} → {target}", title_justify="left")
    if rows and rows[0].get("finding_id"):
        for col in (
            "finding",
            "study",
            "technique",
            "arm",
            "target as written",
            "dir",
            "measure",
            "species",
            "setting",
            "comparison",
            "source",
        ):
            table.add_column(col)
        for r in rows:
            table.add_row(
                r["finding_id"],
                r["citation"],
                r["technique"],
                r.get("protocol_label") or "",
                r["target_label"],
                _ARROWS[r["direction"]],
                r["measure"],
                r["species"],
                r["setting"],
                r["comparison"],
                r["source"],
            )
    else:
        for col in ("link", "relation", "source", "reference", "layer", "licence"):
            table.add_column(col)
        for r in rows:
            table.add_row(
                r["link_id"],
                r["relation"],
                str(r["source"]),
                str(r.get("reference") or ""),
                str(r["layer"]),
                str(r["licence"]),
            )
    _console().print(table)


def print_gaps(rows: list[Any], total: int) -> None:
    """Print translational-gap rows as a table."""
    table = Table(
        title=f"Translational gaps: {len(rows)} of {total} technique → entity links, weakest human evidence first",
        title_justify="left",
    )
    for col in ("technique", "entity", "dir", "best evidence", "studies", "human studies", "species", "settings"):
        table.add_column(col)
    for g in rows:
        table.add_row(
            g.technique,
            g.entity,
            "/".join(_ARROWS[d] for d in g.directions),
            g.status,
            str(len(g.studies)),
            ", ".join(g.human_studies),
            ", ".join(g.species),
            ", ".join(g.settings),
        )
    _console().print(table)


def print_info(info: dict[str, Any]) -> None:
    """Print the ``info`` summary."""
    table = Table(title="nibs-graph evidence base", title_justify="left", show_header=False)
    table.add_column("what")
    table.add_column("count", justify="right")
    for key, value in info.items():
        if isinstance(value, dict):
            for sub, count in value.items():
                table.add_row(f"{key}: {sub}", str(count))
        else:
            table.add_row(key, str(value))
    _console().print(table)
