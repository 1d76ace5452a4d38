"""Human-readable output of the queries (Rich tables and trees) for the CLI."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.text import Text
from rich.tree import Tree

from .tabular import Col, Tabular, emit, output_width, printable

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
#: How a setting reads next to a species in a citation: "(human, human)" would say nothing.
_SETTING_SHOWN = {"human": "human tissue"}


def _console() -> Console:
    """A console that fits a terminal; output to a file or a pipe is laid out for ``COLUMNS`` (default 100)."""
    from .terminal import safe_console

    console = safe_console(highlight=False, soft_wrap=False)
    if not console.is_terminal:
        console = safe_console(highlight=False, soft_wrap=False, width=output_width(False, 0))
    return console


def _n(count: int, one: str, many: str = "") -> str:
    """``3 findings``, ``1 study``."""
    return f"{count} {one if count == 1 else (many or one + 's')}"


def _label(G: Any, node: str) -> str:
    return printable(str(G.nodes[node].get("label", node)))


def _flags(record: Any) -> str:
    flags = record.get("flags") or ()
    return f" [flag: {', '.join(flags)}]" if flags else ""


def _cite(records: Any, limit: int = 6, G: Any = None) -> str:
    """``Kim et al., 2017 (rat, in vivo); Wang et al., 2011 (rat, ex vivo; human, human tissue)``: one entry per
    study (or signalling statement), with every species and setting it measured in, and the certainty flags of its
    findings (``[flag: pooled_statement]``) when all of them carry one. A signalling statement names the studies its
    references resolve to (with ``G``)."""
    flagged: dict[str, set[str]] = {}
    unflagged: set[str] = set()
    seen: dict[str, str] = {}
    where: dict[str, list[str]] = {}
    for r in records:
        if r.get("study_id"):
            setting = "/".join(_SETTING_SHOWN.get(x, x) for x in str(r.get("setting") or "").split("|") if x)
            place = ", ".join(x for x in (str(r.get("species") or "").replace("|", "/"), setting) if x)
            seen.setdefault(r["study_id"], r["citation"])
            places = where.setdefault(r["study_id"], [])
            if place and place not in places:
                places.append(place)
            if r.get("flags"):
                flagged.setdefault(r["study_id"], set()).update(r["flags"])
            else:
                unflagged.add(r["study_id"])
        else:
            text = (
                f"review {r.get('source')}" + (f" {r['reference']}" if r.get("reference") else "")
                if r.get("layer") == "review"
                else f"{r.get('layer')}: {r.get('source')}"
            )
            if r.get("studies") and G is not None:
                from .queries._common import study_citations

                cites = study_citations(G)
                text += " = " + ", ".join(cites.get(s, s).replace(" et al.,", "") for s in r["studies"])
            seen.setdefault(r.get("link_id", "?"), text + _flags(r))
    items = []
    for key, text in seen.items():
        if where.get(key):
            text = f"{text} ({'; '.join(where[key])})"
        if key in flagged and key not in unflagged:
            text += f" [flag: {', '.join(sorted(flagged[key]))}]"
        items.append(printable(text))
    more = f"; +{len(items) - limit} more" if len(items) > limit else ""
    return "; ".join(items[:limit]) + more


def _hop_text(G: Any, hop: Any, where: str = "") -> str:
    verbs = []
    for relation in getattr(hop, "relations", None) or (hop.relation,):
        arrow = _ARROWS.get(relation)
        verbs.append(f"{arrow} {relation}" if arrow else relation.replace("_", " "))
    marks = []
    if getattr(hop, "basis", None) == "inferred":
        marks.append("inferred")
    if getattr(hop, "assumed", False):
        marks.append(f"assumed: no {where} evidence" if where else "assumed")
    if getattr(hop, "flagged", False):
        marks.append("flagged evidence only")
    mark = f"   [{'; '.join(marks)}]" if marks else ""
    return f"{_label(G, hop.source)} —{' / '.join(verbs)}→ {_label(G, hop.target)}{mark}"


def _verdict(G: Any, route: Any, filters: dict[str, Any]) -> str:
    """``consistent, observed: increased``; a contradicted route names the studies that observed otherwise."""
    from .queries.path_groups import contradicting_evidence

    text = f"sign {_SIGN[route.sign]}, {route.consistency}"
    if not route.observed:
        return text
    text += f", observed: {'/'.join(route.observed)}"
    against = contradicting_evidence(G, route, filters)
    if against:
        text += f" by {_cite(against, 3)}"
    return text


def no_path_message(G: Any, result: Any, evidence_filter: Any = None) -> str:
    """Why :func:`~nibs_graph.queries.paths.paths` found nothing: the filters given, and the hops they reject."""
    given = evidence_filter.options() if evidence_filter is not None else []
    message = f"no path from {_label(G, result.source)} to {_label(G, result.target)} within {result.max_hops} hops" + (
        f" with these filters ({', '.join(given)})" if given else ""
    )
    if result.blocked:
        shown = result.blocked[:6]
        hops = "; ".join(f"{_label(G, b['source'])} → {_label(G, b['target'])}: {b['why']}" for b in shown)
        more = f" (and {len(result.blocked) - len(shown)} more)" if len(result.blocked) > len(shown) else ""
        message += f"\nWithout the filter there are paths, but these hops fail it: {hops}{more}"
        signalling = any(b["kind"] == "signalling" and "cited study" in b["why"] for b in result.blocked)
        if signalling and evidence_filter is not None and not evidence_filter.allow_assumed:
            message += "\n--allow-assumed keeps signalling hops without that support, marked assumed"
    return message


def paths_table(G: Any, result: Any) -> Tabular:
    """One row per hop of every shown route (paths differing only in a hop's relation are one route)."""
    from .queries.path_groups import contradicting_evidence, group_paths

    rows = []
    for i, route in enumerate(group_paths(result.paths), 1):
        text = " → ".join(_label(G, n) for n in route.nodes)
        against = sorted({e["study_id"] for e in contradicting_evidence(G, route, result.filters)})
        for j, hop in enumerate(route.hops, 1):
            rows.append(
                {
                    "path": i,
                    "route": text,
                    "path_sign": route.sign,
                    "consistency": route.consistency,
                    "observed": list(route.observed),
                    "contradicted_by": against,
                    "hop": j,
                    "source": _label(G, hop.source),
                    "source_id": hop.source,
                    "relation": list(hop.relations),
                    "target": _label(G, hop.target),
                    "target_id": hop.target,
                    "hop_sign": hop.sign,
                    "basis": hop.basis,
                    "assumed": hop.assumed,
                    "flagged": hop.flagged,
                    "evidence": _cite(hop.evidence, limit=1000, G=G),
                    "studies": sorted(hop.studies),
                    "cited_studies": list(hop.cited),
                }
            )
    keys = list(rows[0]) if rows else ["path"]
    return Tabular(f"Paths from {_label(G, result.source)} to {_label(G, result.target)}", [Col(k) for k in keys], rows)


def print_paths(G: Any, result: Any, fmt: str = "table") -> None:
    """Print a :class:`~nibs_graph.queries.paths.PathResult` as a tree per route (or its hops as CSV/TSV).

    Paths that differ only in the relation of a hop are printed once, the hop listing each relation.
    """
    from .queries.path_groups import group_paths

    if fmt != "table":
        emit(paths_table(G, result), fmt)
        return
    console = _console()
    header = (
        f"{len(result.paths)} of {result.total_found} path(s) from {_label(G, result.source)} to "
        f"{_label(G, result.target)} (max {result.max_hops} hops)"
    )
    console.print(Text(header, style="bold"))
    described = _describe_filters(result.filters)
    if described:
        console.print(Text(f"evidence: {described}", style="dim"))
    if result.truncated:
        reasons = {
            "max_paths": "more paths exist than shown (raise --max-paths)",
            "time_limit": "the search stopped at its time limit; results are incomplete",
            "search_cap": "the search stopped at its path cap; results are incomplete",
        }
        console.print(Text("note: " + reasons.get(result.reason, str(result.reason)), style="yellow"))
    routes = group_paths(result.paths)
    if len(routes) < len(result.paths):
        console.print(
            Text(
                f"note: {len(result.paths)} paths shown as {len(routes)} "
                "(paths differing only in a link's relation are merged)",
                style="yellow",
            )
        )
    where = ", ".join(x for x in (result.filters.get("species"), result.filters.get("setting")) if x)
    for i, route in enumerate(routes, 1):
        text = " → ".join(_label(G, n) for n in route.nodes)
        tree = Tree(Text(f"{i}. {text}   [{_verdict(G, route, result.filters)}]", style="bold cyan"))
        for hop in route.hops:
            style = "green" if hop.sign == 1 else "red" if hop.sign == -1 else ""
            tree.add(Text(_hop_text(G, hop, where), style=style)).add(Text(_cite(hop.evidence, G=G), style="dim"))
        console.print(tree)


def _describe_filters(filters: dict[str, Any]) -> str:
    from .queries.filters import EvidenceFilter

    return EvidenceFilter.from_dict(filters).describe()


def hubs_table(items: list[Any]) -> Tabular:
    """Hubs as a :class:`~nibs_graph.tabular.Tabular`."""
    rows = [
        {
            "rank": i,
            "entity": h.label,
            "id": h.id,
            "techniques": len(h.techniques),
            "studies": len(h.studies),
            "measured": h.studies_measured,
            "increased": h.directions.get("increased", 0),
            "decreased": h.directions.get("decreased", 0),
            "unchanged": h.directions.get("unchanged", 0),
            "degree": h.degree,
            "betweenness": f"{h.betweenness:.3f}",
            "reached_by": list(h.techniques),
        }
        | (
            {
                "null_p": h.null.p,
                "null_z": h.null.z,
                "null_mean": h.null.mean,
                "null_sd": h.null.sd,
                "permutations": h.null.permutations,
                "seed": h.null.seed,
            }
            if h.null is not None
            else {}
        )
        for i, h in enumerate(items, 1)
    ]
    with_null = any(h.null is not None for h in items)
    findings = Col(
        "findings",
        "findings ↑/↓/=",
        justify="right",
        csv=False,
        show=lambda r: f"{r['increased']}/{r['decreased']}/{r['unchanged']}",
    )
    return Tabular(
        "Convergent hubs: entities reached by the most techniques",
        [
            Col("rank", "#", justify="right"),
            Col("entity"),
            Col("id"),
            Col("techniques", justify="right"),
            Col("studies", justify="right"),
            Col("measured", justify="right"),
            findings,
            Col("increased", table=False),
            Col("decreased", table=False),
            Col("unchanged", table=False),
            *(
                [
                    Col("null_p", "null p", justify="right", show=lambda r: f"{r['null_p']:.3f}"),
                    Col(
                        "null_z",
                        "z",
                        justify="right",
                        show=lambda r: "–" if r["null_z"] is None else f"{r['null_z']:.2f}",
                    ),
                    Col("null_mean", table=False),
                    Col("null_sd", table=False),
                    Col("permutations", table=False),
                    Col("seed", table=False),
                ]
                if with_null
                else []
            ),
            Col("degree", justify="right", optional=True),
            Col("betweenness", justify="right", optional=True),
            Col("reached_by", "reached by", wrap=True),
        ],
        rows,
        notes=(
            [
                f"null: {items[0].null.permutations} degree-preserving permutations of the technique → target links "
                f"(seed {items[0].null.seed}); p = (1 + #{{null ≥ observed}}) / (N + 1), one-sided"
            ]
            if with_null and items[0].null is not None
            else []
        ),
    )


def print_hubs(G: Any, items: list[Any], fmt: str = "table") -> None:
    """Print hubs as a table (or CSV/TSV)."""
    emit(hubs_table(items), fmt)


def divergence_table(G: Any, d: Any) -> Tabular:
    """One row per technique and downstream entity it continues into (an empty entity: it stops at the hub)."""
    rows: list[dict[str, Any]] = []
    for t, info in d.techniques.items():
        base = {
            "technique": _label(G, t),
            "technique_id": t,
            "hub": _label(G, d.hub),
            "hub_directions": list(info["hub_directions"]),
            "hub_studies": _studies(info["hub_evidence"]),
        }
        if not info["continues"]:
            rows.append(base)
        for entity, step in info["continues"].items():
            rows.append(
                base
                | {
                    "entity": _label(G, entity),
                    "entity_id": entity,
                    "route": " → ".join(_label(G, n) for n in d.downstream[entity]),
                    "directions": list(step["directions"]),
                    "same_study": bool(step["same_studies"]),
                    "studies": _studies(step["evidence"]),
                }
            )
    cols = [
        Col(k)
        for k in (
            "technique",
            "technique_id",
            "hub",
            "hub_directions",
            "hub_studies",
            "entity",
            "entity_id",
            "route",
            "directions",
            "same_study",
            "studies",
        )
    ]
    return Tabular(f"Techniques that reach {_label(G, d.hub)} and where they go next", cols, rows)


def _studies(records: Any) -> list[str]:
    return sorted({r["study_id"] for r in records if r.get("study_id")})


def print_divergence(G: Any, d: Any, fmt: str = "table") -> None:
    """Print a divergence answer: per technique, the cascades it continues into; then the branches."""
    if fmt != "table":
        emit(divergence_table(G, d), fmt)
        return
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
        rows = [
            {
                "entity": _label(G, b["entity"]),
                "route": " → ".join(_label(G, n) for n in b["route"]),
                "reached_by": [_label(G, t) for t in b["techniques"]],
                "not_reached_by": [_label(G, t) for t in b["not_reached_by"]],
            }
            for b in d.branches
        ]
        cols = [
            Col("entity"),
            Col("route", wrap=True),
            Col("reached_by", "reached by", wrap=True),
            Col("not_reached_by", "not by", wrap=True),
        ]
        emit(Tabular(f"Downstream of {_label(G, d.hub)}: which techniques go on", cols, rows))


def contradictions_table(G: Any, items: list[Any]) -> Tabular:
    """Contradictions as a :class:`~nibs_graph.tabular.Tabular`: one row per pair of studies on conflicting sides,
    with its category and the one factor (or within-study contrast) that separates them."""
    rows = []
    for c in items:
        for pair in c.pairs:
            (cite_a, cite_b), (dirs_a, dirs_b) = pair["citations"], pair["directions"]
            flags_a, flags_b = (f" [flag: {', '.join(f)}]" if f else "" for f in pair["flags"])
            rows.append(
                {
                    "target": _label(G, c.target),
                    "target_id": c.target,
                    "family": c.family,
                    "kind": c.kind,
                    "category": pair["category"],
                    "study_a": pair["studies"][0],
                    "side_a": f"{'/'.join(_ARROWS[d] for d in dirs_a)} {cite_a}{flags_a}",
                    "findings_a": pair["findings"][0],
                    "study_b": pair["studies"][1],
                    "side_b": f"{'/'.join(_ARROWS[d] for d in dirs_b)} {cite_b}{flags_b}",
                    "findings_b": pair["findings"][1],
                    "factor": pair["factor"] or "",
                    "contrast": pair["contrast"],
                }
            )
    return Tabular(
        "Contradictions: one row per pair of studies with conflicting directions",
        [
            Col("target"),
            Col("target_id", table=False),
            Col("family", optional=True),
            Col("kind"),
            Col("category"),
            Col("side_a", "one side", wrap=True),
            Col("study_a", table=False),
            Col("findings_a", table=False),
            Col("side_b", "other side", wrap=True),
            Col("study_b", table=False),
            Col("findings_b", table=False),
            Col("factor", "what separates them", wrap=True, show=lambda r: _factor(r)),
            Col("contrast", table=False),
        ],
        rows,
    )


def _factor(row: dict[str, Any]) -> str:
    if not row["factor"]:
        if row["category"] == "within_study":
            return "no single reported factor (one study)"
        return "nothing reported (unexplained)"
    return f"{row['factor']}: {row['contrast']}" if row["contrast"] else row["factor"]


def print_contradictions(G: Any, items: list[Any], fmt: str = "table") -> None:
    """Print contradictions as a table (or CSV/TSV)."""
    emit(contradictions_table(G, items), fmt)


def evidence_table(G: Any, title: str, rows: list[dict[str, Any]], by_target: bool = False) -> Tabular:
    """Evidence records (findings or signalling statements) as a :class:`~nibs_graph.tabular.Tabular`.

    ``by_target``: the records span several targets (``evidence TECHNIQUE`` / ``evidence ENTITY``), so the
    target's name is a column and the summary counts the directions.
    """
    notes: list[str] = []
    if rows and rows[0].get("finding_id"):
        cols = [
            Col("finding_id", "finding"),
            Col("citation", "study"),
            Col("study_id", table=False),
            Col("technique"),
            Col("protocol_label", "arm", wrap=True, optional=by_target),
            Col("target_name", "target", table=by_target),
            Col("target", "target_id", table=False),
            Col("target_label", "target as written", wrap=True, optional=by_target),
            Col("direction", "dir", csv=False, show=lambda r: _ARROWS[r["direction"]]),
            Col("direction", "direction", table=False),
            Col("measure", wrap=True),
            Col("species", show=lambda r: str(r["species"]).replace("|", ", ")),
            Col("setting", show=lambda r: str(r["setting"]).replace("|", ", ")),
            Col("comparison", optional=True),
            Col("source", wrap=True),
            Col("flags", wrap=True, show=lambda r: ", ".join(r.get("flags") or ())),
            Col("doi", table=False),
        ]
        counts = {d: sum(r["direction"] == d for r in rows) for d in _ARROWS}
        studies, targets = len({r["study_id"] for r in rows}), len({r["target"] for r in rows})
        spread = ""
        if by_target:
            techniques = len({r["technique"] for r in rows})
            spread = f" on {_n(targets, 'target')}" if targets > 1 else f" by {_n(techniques, 'technique')}"
        notes.append(
            f"{_n(len(rows), 'finding')} from {_n(studies, 'study', 'studies')}{spread}: "
            f"{counts['increased']} increased, {counts['decreased']} decreased, {counts['unchanged']} no change"
        )
    else:
        from .queries._common import study_citations

        cites = study_citations(G)

        def cited(r: dict[str, Any]) -> str:
            text = "; ".join(cites.get(s, s) for s in r.get("studies") or ())
            if "support" in r:
                text += f" (support: {'; '.join(cites.get(s, s) for s in r['support']) or 'none, assumed'})"
            return text

        cols = [
            Col("link_id", "link"),
            Col("relation"),
            Col("basis"),
            Col("source", wrap=True),
            Col("reference", wrap=True),
            Col("studies", "cited studies", wrap=True, csv=False, show=cited),
            Col("studies", table=False),
            Col("support", table=False),
            Col("assumed", table=False),
            Col("layer"),
            Col("licence", optional=True),
            Col("flags", wrap=True, show=lambda r: ", ".join(r.get("flags") or ())),
        ]
    return Tabular(title, cols, rows, notes=notes)


def print_evidence(G: Any, source: str, target: str | None, rows: list[dict[str, Any]], fmt: str = "table") -> None:
    """Print evidence records as a table (or CSV/TSV)."""
    title = f"Evidence: {source} → {target}" if target else f"Evidence: {source}, every stimulation finding"
    emit(evidence_table(G, title, rows, by_target=target is None), fmt)


def gaps_table(rows: list[Any], total: int) -> Tabular:
    """Translational-gap rows as a :class:`~nibs_graph.tabular.Tabular`."""
    data = [g.to_dict() for g in rows]
    return Tabular(
        f"Translational gaps: {len(rows)} of {total} technique → entity links, weakest human evidence first",
        [
            Col("technique", table=False),
            Col("technique_id", table=False),
            Col("entity", table=False),
            Col("entity_id", table=False),
            Col("link", csv=False, show=lambda r: f"{r['technique']} → {r['entity']}"),
            Col("directions", "dir", csv=False, show=lambda r: "/".join(_ARROWS[d] for d in r["directions"])),
            Col("directions", table=False),
            Col("status", "best evidence"),
            Col("studies", "studies", csv=False, justify="right", show=lambda r: str(len(r["studies"]))),
            Col("studies", table=False),
            Col("human_studies", "human studies", wrap=True),
            Col("no_change_studies", "no change in", wrap=True),
            Col("species", wrap=True),
            Col("settings", wrap=True),
        ],
        data,
        notes=['"no change" findings count as evidence (dir =; "no change in" names their studies)'],
    )


def print_gaps(rows: list[Any], total: int, fmt: str = "table") -> None:
    """Print translational-gap rows as a table (or CSV/TSV)."""
    emit(gaps_table(rows, total), fmt)


def info_table(info: dict[str, Any]) -> Tabular:
    """The ``info`` summary as ``what, count`` rows."""
    rows: list[dict[str, Any]] = []
    for key, value in info.items():
        if isinstance(value, dict):
            rows.extend({"what": f"{key}: {sub}", "count": count} for sub, count in value.items())
        else:
            rows.append({"what": key, "count": value})
    return Tabular("nibs-graph evidence base", [Col("what"), Col("count", justify="right")], rows, show_header=False)


def print_info(info: dict[str, Any], fmt: str = "table") -> None:
    """Print the ``info`` summary."""
    emit(info_table(info), fmt)


def print_diff(diff: Any) -> None:
    """Print a :class:`~nibs_graph.diff.Diff`: what was compared, then one table per section that changed."""

    def side(info: dict[str, Any]) -> str:
        release = f", release {info['release']}" if info.get("release") else ""
        return f"{info['label']} (data version {info['data_version']}{release})"

    _console().print(Text(f"Changes from {side(diff.old)} to {side(diff.new)}"), soft_wrap=True)
    if diff.is_empty():
        _console().print("No differences.")
        return
    marks = {"added": "+", "removed": "−", "changed": "~", "gained": "+", "lost": "−"}
    if diff.records:
        rows = []
        for change in diff.records:
            head = {"": marks[change.status], "kind": change.kind, "id": change.id, "what": change.label}
            if not change.fields:
                rows.append(head)
            for i, f in enumerate(change.fields):
                first = head if i == 0 else {}
                rows.append({**first, "field": f.field, "old": _empty(f.old), "new": _empty(f.new)})
        cols = [Col(""), Col("kind"), Col("id"), Col("what", wrap=True), Col("field")]
        emit(Tabular("Records", [*cols, Col("old", wrap=True), Col("new", wrap=True)], rows))
    if diff.paths:
        rows = [
            {
                "": marks[p.status],
                "evidence": p.evidence,
                "path": f"{' → '.join(p.nodes)} ({', '.join(p.relations)})",
                "old": p.old or "",
                "new": p.new or "",
            }
            for p in diff.paths
        ]
        title = "Paths from each technique to BDNF, TrkB, ERK1/2, NMDAR, GABA, mTOR, CREB"
        emit(Tabular(title, [Col(""), Col("evidence"), Col("path", wrap=True), Col("old"), Col("new")], rows))
    if diff.hubs:
        rows = [
            {
                "entity": h.label,
                "old rank": "–" if h.old_rank is None else h.old_rank,
                "new rank": "–" if h.new_rank is None else h.new_rank,
                "techniques": f"{h.old_techniques} → {h.new_techniques}",
            }
            for h in diff.hubs
        ]
        emit(Tabular("Hub ranks that moved", [Col(k) for k in ("entity", "old rank", "new rank", "techniques")], rows))
    if diff.contradictions:
        rows = [
            {
                "": c.status,
                "target": c.target,
                "family": c.family,
                "kind": c.kinds_text(),
                "findings": c.findings_text(),
            }
            for c in diff.contradictions
        ]
        cols = [Col(""), Col("target"), Col("family"), Col("kind"), Col("findings", wrap=True)]
        emit(Tabular("Contradictions", cols, rows))
    if diff.gaps:
        rows = [
            {
                "technique": g.technique,
                "entity": g.entity,
                "old status": g.old_status or "no link",
                "new status": g.new_status or "no link",
            }
            for g in diff.gaps
        ]
        emit(Tabular("Translational gaps", [Col(k) for k in ("technique", "entity", "old status", "new status")], rows))


def _empty(value: str | None) -> str:
    return "(empty)" if value is None else value
