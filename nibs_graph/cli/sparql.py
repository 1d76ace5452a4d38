"""The ``sparql`` and ``serve`` commands of ``nibs-graph``.

``nibs-graph sparql 'SELECT ...'`` (or ``--file q.rq``) runs one query against the in-memory graph (default),
a persistent Oxigraph store (``--store oxigraph:DIR``) or a remote endpoint (``--endpoint URL``) and prints a
Rich table (``SELECT``, ``ASK``), a SPARQL results document (``--format json|xml|csv|tsv``) or Turtle
(``CONSTRUCT``, ``DESCRIBE``). ``nibs-graph serve`` runs the read-only SPARQL 1.1 endpoint with uvicorn.

Exit status: 0 with a result, 1 when a ``SELECT`` / ``CONSTRUCT`` finds nothing, 2 for a refused or malformed
query or a store error. Heavy libraries (rdflib, pyoxigraph, starlette, uvicorn) load only when a command runs.

Example::

    nibs-graph sparql --file queries/techniques_reaching_bdnf.rq
    nibs-graph sparql 'ASK { nibs:iTBS nibs:increases HGNC:1033 }' --format json
    nibs-graph serve --port 8000 --timeout 10
"""

from __future__ import annotations

import contextlib
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from .common import GraphSource, fail, library_errors, with_options

if TYPE_CHECKING:
    from ..sparql.formats import QueryResult

__all__ = ["SparqlFormat", "register", "serve", "sparql"]


class SparqlFormat(StrEnum):
    """Output formats of ``nibs-graph sparql``."""

    table = "table"
    json = "json"
    xml = "xml"
    csv = "csv"
    tsv = "tsv"
    turtle = "turtle"
    nt = "nt"
    jsonld = "jsonld"


#: --format → format of :mod:`nibs_graph.sparql.formats`, for tables and for graphs.
_TABLE_FORMATS = {"json": "json", "xml": "xml", "csv": "csv", "tsv": "tsv"}
_GRAPH_FORMATS = {
    "table": "turtle",
    "turtle": "turtle",
    "nt": "nt",
    "jsonld": "jsonld",
    "json": "jsonld",
    "xml": "rdfxml",
}


def _read_query(query: str | None, file: Path | None) -> str:
    if query is not None and file is not None:
        fail("give the query as an argument or with --file, not both")
    if file is not None:
        if str(file) == "-":
            return sys.stdin.read()
        if not file.is_file():
            fail(f"--file {file}: no such file")
        return file.read_text(encoding="utf-8")
    if query is None:
        fail("no query: give it as an argument, or with --file FILE.rq (--file - reads standard input)")
    if query == "-":
        return sys.stdin.read()
    return query


def _curie(iri: str) -> str:
    from ..sparql.guard import DEFAULT_PREFIXES

    best = ""
    name = ""
    for prefix, base in DEFAULT_PREFIXES.items():
        if iri.startswith(base) and len(base) > len(best):
            best, name = base, prefix
    if not best:
        return iri
    local = iri[len(best) :]
    return f"{name}:{local}" if local and " " not in local else iri


def _cell(term: dict[str, str] | None) -> str:
    if term is None:
        return ""
    if term["type"] == "uri":
        return _curie(term["value"])
    if term["type"] == "bnode":
        return "_:" + term["value"]
    return term["value"]


def _print_table(result: QueryResult) -> None:
    """A ``SELECT`` as a table fitted to the terminal (IRIs as CURIEs), an ``ASK`` as ``true`` / ``false``."""
    from ..tabular import Col, Tabular, emit

    if result.kind == "boolean":
        typer.echo("true" if result.boolean else "false")
        return
    noun = "row" if len(result.rows) == 1 else "rows"
    rows = [{name: _cell(row.get(name)) for name in result.variables} for row in result.rows]
    emit(Tabular(f"{len(result.rows)} {noun}", [Col(name, wrap=True) for name in result.variables], rows))


def sparql(
    query: Annotated[
        str | None,
        typer.Argument(help="The SPARQL query (SELECT, ASK, CONSTRUCT, DESCRIBE); '-' reads standard input."),
    ] = None,
    file: Annotated[
        Path | None, typer.Option("--file", help="Read the query from this .rq file ('-': standard input).")
    ] = None,
    fmt: Annotated[
        SparqlFormat,
        typer.Option(
            "--format",
            "-f",
            help="table (default: a table, or Turtle for graphs), json, xml, csv, tsv (SPARQL results); "
            "turtle, nt, jsonld (graphs; json and xml mean JSON-LD and RDF/XML for graphs).",
        ),
    ] = SparqlFormat.table,
    *,
    graph_source: GraphSource,
    timeout: Annotated[
        float, typer.Option("--timeout", min=0.1, help="Seconds to wait for a remote endpoint (--endpoint).")
    ] = 60.0,
) -> None:
    """Run a SPARQL query; the documented prefixes (nibs, nibsdata, HGNC, rdfs, skos ...) are bound."""
    from ..errors import NoResultError, StoreError

    text = _read_query(query, file)
    with library_errors():
        from ..sparql.formats import render
        from ..sparql.stores import StoreSpec, open_store

        graph_source.check(store_from_data=True)
        spec = StoreSpec.parse(
            graph_source.endpoint or graph_source.store,
            data=graph_source.data,
            graph_file=graph_source.graph,
            layers=graph_source.layers,
            timeout=timeout,
        )
        the_store = open_store(spec)
        try:
            checked = the_store.check(text)
            if checked.kind == "graph":
                if fmt.value not in _GRAPH_FORMATS:
                    raise StoreError(
                        f"--format {fmt.value} does not fit a {checked.form} result (a graph); "
                        "use table or turtle, nt, jsonld (or json), xml"
                    )
            elif fmt is not SparqlFormat.table and fmt.value not in _TABLE_FORMATS:
                raise StoreError(
                    f"--format {fmt.value} does not fit a {checked.form} result; use table, json, xml, csv or tsv"
                )
            result = the_store.query(checked)
        finally:
            the_store.close()
        if checked.kind == "graph":
            if len(result) or fmt is not SparqlFormat.table:
                sys.stdout.buffer.write(render(result, _GRAPH_FORMATS[fmt.value]))
                sys.stdout.flush()
        elif fmt is SparqlFormat.table:
            if len(result.rows) or checked.kind == "boolean":
                _print_table(result)
        else:
            sys.stdout.buffer.write(render(result, _TABLE_FORMATS[fmt.value]))
            sys.stdout.flush()
        if checked.kind == "bindings" and not result.rows:
            raise NoResultError("no result: the query matched nothing")
        if checked.kind == "graph" and not result.triples:
            raise NoResultError("no result: the query built an empty graph")


def serve(
    host: Annotated[str, typer.Option("--host", help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="Port to listen on.")] = 8000,
    timeout: Annotated[
        float, typer.Option("--timeout", min=0.1, help="Seconds after which a query is stopped (HTTP 503).")
    ] = 10.0,
    max_results: Annotated[
        int, typer.Option("--max-results", min=1, help="Rows (or triples) a result may have (larger: HTTP 400).")
    ] = 10_000,
    max_request_bytes: Annotated[
        int, typer.Option("--max-request-bytes", min=256, help="Size cap of a request or query (HTTP 413).")
    ] = 64 * 1024,
    cors_origin: Annotated[
        list[str] | None,
        typer.Option("--cors-origin", help="Allow browser calls from this origin (repeatable; '*' for any)."),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option("--workers", min=1, help="Worker processes for long queries (default: one per core, >= 2)."),
    ] = None,
    quick_workers: Annotated[
        int, typer.Option("--quick-workers", min=0, help="Further workers kept free for quick queries.")
    ] = 1,
    quick_timeout: Annotated[
        float,
        typer.Option(
            "--quick-timeout",
            min=0.1,
            help="Seconds after which a query counts as long; at most --workers long queries run (more: HTTP 503).",
        ),
    ] = 2.0,
    queue_timeout: Annotated[
        float,
        typer.Option(
            "--queue-timeout", min=0.0, help="Seconds a query may wait for a free worker (HTTP 503); < --timeout."
        ),
    ] = 2.0,
    header_timeout: Annotated[
        float,
        typer.Option("--header-timeout", min=0.1, help="Seconds a client has to send its request headers (408)."),
    ] = 10.0,
    body_timeout: Annotated[
        float,
        typer.Option(
            "--body-timeout", min=0.1, help="Seconds a client has to send its request body, or to read an answer."
        ),
    ] = 10.0,
    max_connections: Annotated[
        int, typer.Option("--max-connections", min=1, help="Open connections in total (more: HTTP 503).")
    ] = 1024,
    max_connections_per_client: Annotated[
        int,
        typer.Option("--max-connections-per-client", min=1, help="Open connections per client address (more: 503)."),
    ] = 64,
    cache_mb: Annotated[
        int,
        typer.Option(
            "--cache-mb", min=0, help="MiB of answers kept for requests asked again (0: none; never for --endpoint)."
        ),
    ] = 64,
    *,
    graph_source: GraphSource,
) -> None:
    """Serve the read-only SPARQL 1.1 endpoint at /sparql and a query page at /.

    Slow or hostile clients are bounded: see docs/sparql.md and SECURITY.md for the limits and how to raise them.
    """
    from ..errors import StoreError

    if queue_timeout >= timeout:
        raise typer.BadParameter(
            f"--queue-timeout ({queue_timeout:g}) must be less than --timeout ({timeout:g})",
            param_hint="--queue-timeout",
        )
    with library_errors():
        import uvicorn  # noqa: F401  (a missing server dependency is reported here, before workers start)

        from ..sparql.server import create_app
        from ..sparql.transport import ConnectionLimits, base_url, listen
        from ..sparql.transport import serve as serve_app

        graph_source.check(store_from_data=True)
        app = create_app(
            graph_source.endpoint or graph_source.store,
            data=graph_source.data,
            graph_file=graph_source.graph,
            layers=graph_source.layers,
            timeout=timeout,
            max_results=max_results,
            max_request_bytes=max_request_bytes,
            cors_origins=tuple(cors_origin or ()),
            workers=workers,
            queue_timeout=queue_timeout,
            quick_workers=quick_workers,
            quick_timeout=quick_timeout,
            cache_mb=cache_mb,
        )
        try:
            sock = listen(host, port)
        except OSError as exc:
            raise StoreError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
        try:
            app.state.pool.start()  # a store that cannot be opened is reported here, before listening
        except BaseException:
            sock.close()
            raise
    limits = ConnectionLimits(
        header_timeout=header_timeout,
        body_timeout=body_timeout,
        max_connections=max_connections,
        max_connections_per_client=max_connections_per_client,
    )
    base = base_url(sock)
    typer.echo(f"nibs-graph SPARQL endpoint on {base}/sparql (query page: {base}/)")
    with contextlib.suppress(KeyboardInterrupt):  # uvicorn handles SIGINT itself; never a traceback
        serve_app(app, sock, limits)


def register(app: typer.Typer) -> None:
    """Add the ``sparql`` and ``serve`` commands to the ``nibs-graph`` application."""
    app.command("sparql")(with_options(sparql))
    app.command("serve")(with_options(serve))
