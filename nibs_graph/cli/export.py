"""The ``export`` and ``figure`` command groups of ``nibs-graph``.

``nibs-graph export html|ttl|nt|jsonld|graphml|cyjs OUT`` writes the graph for a browser or another tool;
``nibs-graph figure matrix|hubs OUT`` draws a PNG or SVG figure. Every file is written atomically; a library
error becomes a message and exit status 2 (1 when there is nothing to draw), never a traceback. Heavy libraries
load only when a command runs.

Example::

    nibs-graph export html graph.html --focus BDNF --hops 2
    nibs-graph figure matrix matrix.svg
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from .common import (
    DataOption,
    GraphOption,
    LayerOption,
    graph_from_options,
    library_errors,
    with_evidence_filter,
)

__all__ = ["register"]

OutArgument = Annotated[
    Path, typer.Argument(help="The file to write (its folder must exist), or - for stdout.", show_default=False)
]


def _done(out: Path) -> None:
    if str(out) != "-":  # standard output carries the content itself
        typer.echo(f"wrote {out} ({out.stat().st_size:,} bytes)")


def _check(out: Path) -> None:
    """Refuse a device, FIFO, socket or folder target before any work is done."""
    from ..export.atomic import check_target

    check_target(out)


def _rdf_command(fmt: str, what: str) -> Callable[..., None]:
    def command(
        out: OutArgument, data: DataOption = None, graph: GraphOption = None, layer: LayerOption = None
    ) -> None:
        from ..export.formats import export

        with library_errors():
            if data and graph:
                raise _usage("--data and --graph cannot be used together: choose one source of the graph")
            if graph is not None and not graph.is_file():
                raise _usage(f"--graph {graph}: no such file")
            _check(out)
            export(fmt, out, data=data, graph_file=graph, layers=tuple(layer or ()))
        _done(out)

    command.__doc__ = what
    command.__name__ = fmt
    return command


def _graph_command(fmt: str, what: str) -> Callable[..., None]:
    def command(
        out: OutArgument, data: DataOption = None, graph: GraphOption = None, layer: LayerOption = None
    ) -> None:
        from ..export.atomic import write_atomic
        from ..export.formats import to_cyjs, to_graphml

        with library_errors():
            _check(out)
            G = graph_from_options(data, graph, layer)
            write_atomic(out, to_graphml(G) if fmt == "graphml" else to_cyjs(G))
        _done(out)

    command.__doc__ = what
    command.__name__ = fmt
    return command


def _usage(message: str) -> Exception:
    from ..errors import NibsGraphError

    return NibsGraphError(message)


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
    data: DataOption = None,
    graph: GraphOption = None,
    layer: LayerOption = None,
    evidence_filter: Any = None,
) -> None:
    """An interactive, self-contained HTML page (works offline): the whole graph or one view of it.

    With --path, the shared evidence options (--species, --setting, --min-studies, --exclude-flag, --strict,
    --allow-assumed) apply as in `nibs-graph path`.
    """
    from ..export.html import write_html

    with library_errors():
        _check(out)
        G = graph_from_options(data, graph, layer)
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
    _done(out)


def matrix(
    out: OutArgument,
    title: Annotated[str | None, typer.Option("--title", help="Figure title.")] = None,
    data: DataOption = None,
    graph: GraphOption = None,
    layer: LayerOption = None,
) -> None:
    """Techniques × targets: each cell coloured by direction, with its number of studies (PNG or SVG by suffix)."""
    from ..export.figures import matrix_figure

    with library_errors():
        _check(out)
        G = graph_from_options(data, graph, layer)
        matrix_figure(G, out, title=title)
    _done(out)


def hubs(
    out: OutArgument,
    top: Annotated[int, typer.Option("--top", min=1, help="How many hubs to draw.")] = 15,
    min_techniques: Annotated[
        int, typer.Option("--min-techniques", min=1, help="Leave out entities reached by fewer techniques.")
    ] = 1,
    title: Annotated[str | None, typer.Option("--title", help="Figure title.")] = None,
    data: DataOption = None,
    graph: GraphOption = None,
    layer: LayerOption = None,
) -> None:
    """Convergent hubs: a bar per hub, one segment per technique that changed it (PNG or SVG by suffix)."""
    from ..export.figures import hubs_figure

    with library_errors():
        _check(out)
        G = graph_from_options(data, graph, layer)
        hubs_figure(G, out, top=top, min_techniques=min_techniques, title=title)
    _done(out)


def register(app: typer.Typer) -> None:
    """Add the ``export`` and ``figure`` command groups to the ``nibs-graph`` app.

    Examples
    --------
    >>> app = typer.Typer()
    >>> register(app)
    >>> sorted(group.name for group in app.registered_groups)
    ['export', 'figure']
    """
    export_app = typer.Typer(
        name="export",
        help="Write the graph for a browser or another tool (HTML, Turtle, N-Triples, JSON-LD, GraphML, Cytoscape.js).",
        no_args_is_help=True,
        rich_markup_mode=None,
    )
    export_app.command("html")(with_evidence_filter(html))
    for fmt, what in (
        ("ttl", "The RDF graph as Turtle (sorted, byte-identical for the same data)."),
        ("nt", "The RDF graph as N-Triples (one triple a line, sorted)."),
        ("jsonld", "The RDF graph as JSON-LD with an inline @context (no remote context)."),
    ):
        export_app.command(fmt, help=what)(_rdf_command(fmt, what))
    for fmt, what in (
        ("graphml", "The projection as GraphML for Gephi or Cytoscape (evidence as a JSON string attribute)."),
        ("cyjs", "The projection as Cytoscape.js JSON ({elements: {nodes, edges}})."),
    ):
        export_app.command(fmt, help=what)(_graph_command(fmt, what))
    figure_app = typer.Typer(
        name="figure",
        help="Draw a figure (PNG or SVG, chosen by the file name's suffix).",
        no_args_is_help=True,
        rich_markup_mode=None,
    )
    figure_app.command("matrix")(matrix)
    figure_app.command("hubs")(hubs)
    app.add_typer(export_app, name="export")
    app.add_typer(figure_app, name="figure")
