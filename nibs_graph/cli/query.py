"""The query commands of ``nibs-graph`` (path, hubs, diverge, contradictions, evidence, gaps, validate, info, diff).

Each command parses its options, calls one library function and prints the answer as a table or as JSON.
Library errors become messages (exit 2), an empty answer says so (exit 1).
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import typer

from ..errors import NoResultError
from .common import (
    DataOption,
    FormatOption,
    GraphSource,
    LayerOption,
    OutputFormat,
    emit_json,
    fail,
    library_errors,
    show,
    with_options,
)

if TYPE_CHECKING:
    from ..queries.filters import EvidenceFilter

__all__ = ["register"]


def path(
    source: Annotated[str, typer.Argument(help="Technique (iTBS, TBS, anodal tDCS ...), protocol id or entity.")],
    target: Annotated[str, typer.Argument(help="Target entity (mTOR, BDNF, HGNC:1033 ...).")],
    max_hops: Annotated[int, typer.Option("--max-hops", min=1, max=8, help="Longest path considered.")] = 4,
    max_paths: Annotated[int, typer.Option("--max-paths", min=1, help="Paths shown (all are counted).")] = 20,
    *,
    evidence_filter: EvidenceFilter,
    graph_source: GraphSource,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Paths from a technique to a molecule, each hop with its evidence and the path's sign."""
    from ..queries.paths import paths

    with library_errors():
        G = graph_source.load()
        result = paths(G, source, target, max_hops=max_hops, max_paths=max_paths, evidence_filter=evidence_filter)
        if fmt is OutputFormat.json:
            emit_json(result.to_dict(G))
        elif result.paths:
            from ..render import print_paths

            print_paths(G, result, fmt=fmt.value)
        if not result.paths:
            from ..render import no_path_message

            raise NoResultError(no_path_message(G, result, evidence_filter))


def hubs(
    top: Annotated[int, typer.Option("--top", min=1, help="How many entities to show.")] = 15,
    min_techniques: Annotated[
        int, typer.Option("--min-techniques", min=1, help="Leave out entities reached by fewer techniques.")
    ] = 1,
    null: Annotated[
        int,
        typer.Option(
            "--null", min=0, help="Test each hub against N degree-preserving permutations of technique → target links."
        ),
    ] = 0,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the permutations (--null).")] = 0,
    *,
    evidence_filter: EvidenceFilter,
    graph_source: GraphSource,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Convergent hubs: molecules reached by the most techniques and studies (--null: tested against chance)."""
    from ..queries.hubs import hubs as find_hubs

    with library_errors():
        G = graph_source.load()
        items = find_hubs(
            G, top=top, min_techniques=min_techniques, null=null, seed=seed, evidence_filter=evidence_filter
        )
        if not items:
            raise NoResultError("no entity is reached by that many techniques")
        show(fmt, lambda: {"hubs": [h.to_dict() for h in items]}, "print_hubs", G, items)


def diverge(
    hub: Annotated[str, typer.Argument(help="A hub entity, e.g. BDNF or TrkB.")],
    max_depth: Annotated[int, typer.Option("--max-depth", min=1, max=8, help="Signalling links below the hub.")] = 4,
    same_study: Annotated[
        bool, typer.Option("--same-study", help="Only downstream changes shown by a study that also showed the hub's.")
    ] = False,
    *,
    evidence_filter: EvidenceFilter,
    graph_source: GraphSource,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Where the techniques that reach a hub part ways downstream."""
    from ..queries.divergence import divergence

    with library_errors():
        G = graph_source.load()
        result = divergence(G, hub, max_depth=max_depth, same_study=same_study, evidence_filter=evidence_filter)
        if not result.techniques:
            raise NoResultError(f"no technique was observed to change {G.nodes[result.hub]['label']}")
        show(fmt, lambda: result.to_dict(G), "print_divergence", G, result)


def contradictions(
    target: Annotated[str | None, typer.Option("--target", help="Only this entity.")] = None,
    opposite_only: Annotated[
        bool, typer.Option("--opposite-only", help="Only up vs down, not change vs no change.")
    ] = False,
    category: Annotated[
        str | None,
        typer.Option(
            "--category",
            help="Only pairs of studies of this category: unexplained, between_studies, within_study, "
            "expected_by_design.",
        ),
    ] = None,
    *,
    evidence_filter: EvidenceFilter,
    graph_source: GraphSource,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Targets moved in conflicting directions within one technique family, with the context that differs."""
    from ..queries.contradictions import contradictions as find

    with library_errors():
        G = graph_source.load()
        items = find(
            G, target=target, include_null=not opposite_only, category=category, evidence_filter=evidence_filter
        )
        if not items:
            raise NoResultError("no contradiction found")
        show(fmt, lambda: {"contradictions": [c.to_dict(G) for c in items]}, "print_contradictions", G, items)


def evidence(
    source: Annotated[str, typer.Argument(help="Technique, protocol or entity.")],
    target: Annotated[
        str | None,
        typer.Argument(
            help="Entity. Leave out for every finding of a technique (or on an entity, from any technique)."
        ),
    ] = None,
    include_other: Annotated[
        bool,
        typer.Option("--include-other", help="Also findings that are not stimulation effects (model vs wild type)."),
    ] = False,
    *,
    evidence_filter: EvidenceFilter,
    graph_source: GraphSource,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Every finding behind a link (technique → entity), every target a technique moved (evidence TECHNIQUE), or
    every technique that moved an entity (evidence ENTITY); "no change" findings included."""
    from ..queries._common import node_summary
    from ..queries.evidence import evidence as find
    from ..queries.evidence import evidence_of
    from ..resolve import resolve

    with library_errors():
        G = graph_source.load()
        if target is None:
            rows = evidence_of(G, source, include_other=include_other, evidence_filter=evidence_filter)
            if not rows:
                raise NoResultError(f"no stimulation finding involves {G.nodes[resolve(G, source)]['label']}")
        else:
            rows = find(G, source, target, include_other=include_other, evidence_filter=evidence_filter)
            if not rows:
                raise NoResultError(f"no evidence links {source} to {target}")
        show(
            fmt,
            lambda: {
                "source": node_summary(G, resolve(G, source)),
                "target": node_summary(G, resolve(G, target)) if target is not None else None,
                "evidence": rows,
            },
            "print_evidence",
            G,
            source,
            target,
            rows,
        )


def gaps(
    technique: Annotated[str | None, typer.Option("--technique", help="Only this technique (or family).")] = None,
    target: Annotated[str | None, typer.Option("--target", help="Only links to this entity.")] = None,
    status: Annotated[
        str | None, typer.Option("--status", help="Only links whose best evidence is: human, human cells, animal only.")
    ] = None,
    top: Annotated[int, typer.Option("--top", min=1, help="How many links to show.")] = 25,
    *,
    evidence_filter: EvidenceFilter,
    graph_source: GraphSource,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Translational gaps: which technique → molecule links have human evidence, and which animal evidence only."""
    from ..queries.gaps import translational_gaps

    with library_errors():
        G = graph_source.load()
        rows = translational_gaps(G, technique=technique, target=target, status=status, evidence_filter=evidence_filter)
        if not rows:
            raise NoResultError("no stimulation link matches")
        shown = rows[:top]
        show(fmt, lambda: {"total": len(rows), "links": [r.to_dict() for r in shown]}, "print_gaps", shown, len(rows))


def validate(
    data: DataOption = None,
    layer: LayerOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Check an evidence base against its schema; every problem with file, line, column and value (exit 2)."""
    from ..api import check_evidence
    from ..errors import DataValidationError

    try:
        base = check_evidence(data, tuple(layer or ()))
    except DataValidationError as exc:
        if fmt is OutputFormat.json:
            emit_json({"valid": False, "problems": [p.__dict__ for p in exc.problems]})
            raise typer.Exit(2) from None
        if fmt in (OutputFormat.csv, OutputFormat.tsv):
            from ..tabular import Col, Tabular, emit

            keys = ("file", "line", "column", "value", "allowed", "message")
            emit(Tabular("problems", [Col(k) for k in keys], [p.__dict__ for p in exc.problems]), fmt.value)
            raise typer.Exit(2) from None
        fail(str(exc))
    counts = base.counts
    if fmt is OutputFormat.json:
        emit_json({"valid": True, "counts": counts, "data_version": base.version, "release": base.release})
    elif fmt in (OutputFormat.csv, OutputFormat.tsv):
        from ..tabular import Col, Tabular, emit

        rows = [{"what": k, "count": n} for k, n in counts.items()]
        emit(Tabular("valid", [Col("what"), Col("count")], rows), fmt.value)
    else:
        release = f", release {base.release}" if base.release else ", unreleased"
        typer.echo(
            "valid: " + ", ".join(f"{n} {k}" for k, n in counts.items()) + f" (data version {base.version}{release})"
        )


def info(
    *,
    graph_source: GraphSource,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Counts by type and the data version."""
    from ..summary import graph_info

    with library_errors():
        G = graph_source.load()
        summary = graph_info(G)
        show(fmt, lambda: summary, "print_info", summary)


class DiffFormat(StrEnum):
    """Output of ``diff``: a table, JSON, or a Markdown report for a changelog."""

    table = "table"
    json = "json"
    markdown = "markdown"


def diff(
    old: Annotated[
        str, typer.Argument(help="The old evidence base: a folder, or a git revision (2025.1, HEAD~1, REV:data).")
    ],
    new: Annotated[str, typer.Argument(help="The new evidence base: a folder, or a git revision.")],
    layer: LayerOption = None,
    fmt: Annotated[
        DiffFormat, typer.Option("--format", "-f", help="Output format: table, json, or markdown (for a changelog).")
    ] = DiffFormat.table,
) -> None:
    """What changed between two evidence bases: records added, removed and changed, and the answers they move."""
    from pathlib import Path

    from ..diff import diff_bases, resolve_version

    with library_errors():
        old_path, new_path = Path(old), Path(new)
        with (
            resolve_version(old, relative_to=new_path if new_path.is_dir() else None) as (old_dir, old_label),
            resolve_version(new, relative_to=old_path if old_path.is_dir() else None) as (new_dir, new_label),
        ):
            result = diff_bases(old_dir, new_dir, layers=tuple(layer or ()), labels=(old_label, new_label))
        if fmt is DiffFormat.json:
            emit_json(result.to_dict())
        elif fmt is DiffFormat.markdown:
            typer.echo(result.to_markdown(), nl=False)
        else:
            from ..render import print_diff

            print_diff(result)
        if result.is_empty():
            raise NoResultError(f"no differences between {old_label} and {new_label}")


def register(app: typer.Typer) -> None:
    """Add the query commands to the ``nibs-graph`` app.

    >>> app = typer.Typer()
    >>> register(app)
    >>> [command.callback.__name__ for command in app.registered_commands]
    ['path', 'hubs', 'diverge', 'contradictions', 'evidence', 'gaps', 'validate', 'info', 'diff']
    """
    for command in (path, hubs, diverge, contradictions, evidence, gaps, validate, info, diff):
        app.command()(with_options(command))
