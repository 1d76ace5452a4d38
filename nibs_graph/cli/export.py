"""The ``export`` command group of ``nibs-graph``.

``nibs-graph export html|ttl|nt|jsonld|graphml|cyjs OUT`` writes the graph for a browser or another tool. Every
file is written atomically; a library error becomes a message and exit status 2, never a traceback. Heavy
libraries load only when a command runs.

Example::

    nibs-graph export html graph.html --focus BDNF --hops 2
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated

import typer

from .common import GraphSource, OutArgument, check_out, command_group, library_errors, say_written, with_options

if TYPE_CHECKING:
    from ..queries.filters import EvidenceFilter

__all__ = ["register"]


def _rdf_command(fmt: str, what: str) -> Callable[..., None]:
    def command(out: OutArgument, *, local_source: GraphSource) -> None:
        from ..export.formats import export

        with library_errors():
            local_source.check()
            check_out(out)
            export(fmt, out, data=local_source.data, graph_file=local_source.graph, layers=local_source.layers)
        say_written(out)

    command.__doc__ = what
    command.__name__ = fmt
    return command


def _graph_command(fmt: str, what: str) -> Callable[..., None]:
    def command(out: OutArgument, *, local_source: GraphSource) -> None:
        from ..export.atomic import write_atomic
        from ..export.formats import to_cyjs, to_graphml

        with library_errors():
            check_out(out)
            G = local_source.load()
            write_atomic(out, to_graphml(G) if fmt == "graphml" else to_cyjs(G))
        say_written(out)

    command.__doc__ = what
    command.__name__ = fmt
    return command


def html(
    out: OutArgument,
    focus: Annotated[
        str | None, typer.Option("--focus", help="Show this entity (or technique) and its neighbourhood.")
    ] = None,
    hops: Annotated[int, typer.Option("--hops", min=0, max=10, help="With --focus: links around it.")] = 1,
    technique: Annotated[
        str | None,
        typer.Option("--technique", help="Show a technique, its sub-techniques and protocols and what they changed."),
    ] = None,
    path: Annotated[
        tuple[str, str] | None,
        typer.Option("--path", help="SOURCE TARGET: the paths of `nibs-graph path`, highlighted.", show_default=False),
    ] = None,
    max_hops: Annotated[int, typer.Option("--max-hops", min=1, max=8, help="With --path: longest path.")] = 4,
    max_paths: Annotated[int, typer.Option("--max-paths", min=1, help="With --path: paths shown.")] = 20,
    title: Annotated[str | None, typer.Option("--title", help="Page heading (written as text).")] = None,
    *,
    evidence_filter: EvidenceFilter,
    local_source: GraphSource,
) -> None:
    """An interactive, self-contained HTML page (works offline): the whole graph or one view of it.

    With --path, the shared evidence options (--species, --setting, --min-studies, --exclude-flag, --strict,
    --allow-assumed) apply as in `nibs-graph path`.
    """
    from ..export.html import write_html

    with library_errors():
        check_out(out)
        G = local_source.load()
        write_html(
            G,
            out,
            focus=focus,
            hops=hops,
            technique=technique,
            path=tuple(path) if path and all(path) else None,
            max_hops=max_hops,
            max_paths=max_paths,
            evidence_filter=evidence_filter,
            title=title,
        )
    say_written(out)


def register(app: typer.Typer) -> None:
    """Add the ``export`` command group to the ``nibs-graph`` app.

    Examples
    --------
    >>> app = typer.Typer()
    >>> register(app)
    >>> [group.name for group in app.registered_groups]
    ['export']
    """
    export_app = command_group(
        app,
        "export",
        "Write the graph for a browser or another tool (HTML, Turtle, N-Triples, JSON-LD, GraphML, Cytoscape.js).",
    )
    export_app.command("html")(with_options(html))
    for fmt, what in (
        ("ttl", "The RDF graph as Turtle (sorted, byte-identical for the same data)."),
        ("nt", "The RDF graph as N-Triples (one triple a line, sorted)."),
        ("jsonld", "The RDF graph as JSON-LD with an inline @context (no remote context)."),
    ):
        export_app.command(fmt, help=what)(with_options(_rdf_command(fmt, what)))
    for fmt, what in (
        ("graphml", "The projection as GraphML for Gephi or Cytoscape (evidence as a JSON string attribute)."),
        ("cyjs", "The projection as Cytoscape.js JSON ({elements: {nodes, edges}})."),
    ):
        export_app.command(fmt, help=what)(with_options(_graph_command(fmt, what)))
