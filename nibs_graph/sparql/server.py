"""The read-only SPARQL 1.1 Protocol endpoint: :func:`create_app` builds the ASGI (Starlette) application.

Routes
------
``GET /sparql?query=...``, ``POST /sparql`` (``application/x-www-form-urlencoded`` with ``query=``, or
``application/sparql-query``)
    Run a query. The answer's format is negotiated from ``Accept`` (or a ``format`` / ``output`` parameter):
    SPARQL JSON, XML, CSV or TSV for ``SELECT`` and ``ASK``; Turtle, N-Triples, JSON-LD or RDF/XML for
    ``CONSTRUCT`` and ``DESCRIBE``.
``GET /sparql`` (no query)
    The SPARQL 1.1 Service Description (Turtle by default).
``GET /``
    A small offline HTML query page.

Status codes
------------
200 answer; 400 missing, malformed or refused query (``SERVICE``, ``FROM``, ``default-graph-uri``), too deeply
nested, or a result over the row cap; 403 SPARQL Update (``update=``, ``application/sparql-update`` or an update
sent as a query); 405 other methods; 406 no acceptable format; 413 request or query over the size cap; 415
unsupported POST content type; 503 the query was stopped at its time limit, or became long while the quota of long
queries was taken, or every worker stayed busy for the queue timeout.

Queries run in a :class:`~nibs_graph.sparql.worker.WorkerPool` (killed at the time limit) that keeps a worker free
for quick queries; the event loop only reads requests, hands jobs over and writes answers, so slow queries never
block quick ones. A request asked before is answered from the :class:`~nibs_graph.sparql.answers.AnswerCache`
(``app.state.answers``) without a worker: the data does not change while it is served. The connections
themselves (read deadlines, connection caps) are guarded by :mod:`nibs_graph.sparql.transport`, which
``nibs-graph serve`` runs the application with.

>>> import nibs_graph
>>> from pathlib import Path
>>> app = create_app(data=Path(nibs_graph.__file__).parent.parent / "tests" / "data" / "tiny", timeout=5)
>>> app.state.config.timeout, app.state.config.queue_timeout, app.state.pool.size >= 2, app.state.pool.quick
(5, 2.0, True, 1)

Run it as ``nibs-graph serve`` does, with read deadlines and connection caps:
``transport.serve(app, transport.listen("127.0.0.1", 8000), transport.ConnectionLimits())``; any ASGI server
works too (``uvicorn.run(app)``), without those guards. The worker pool starts with the application's lifespan.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from .answers import DEFAULT_CACHE_MB, AnswerCache
from .stores import StoreSpec, ensure_oxigraph
from .transport import CLOSED_BY_SERVER
from .worker import DEFAULT_MEMORY_MB, DEFAULT_QUICK_TIMEOUT, Job, Reply, WorkerPool

if TYPE_CHECKING:
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response

__all__ = [
    "DEFAULT_MAX_REQUEST_BYTES",
    "DEFAULT_MAX_RESULTS",
    "DEFAULT_QUEUE_TIMEOUT",
    "DEFAULT_TIMEOUT",
    "ServerConfig",
    "create_app",
]

log = logging.getLogger("nibs_graph.sparql")

DEFAULT_TIMEOUT = 10.0
DEFAULT_MAX_RESULTS = 10_000
DEFAULT_MAX_REQUEST_BYTES = 64 * 1024
DEFAULT_QUEUE_TIMEOUT = 2.0

_SD = "http://www.w3.org/ns/sparql-service-description#"
_FORMATS = "http://www.w3.org/ns/formats/"
_RESULT_FORMATS = (
    "SPARQL_Results_JSON",
    "SPARQL_Results_XML",
    "SPARQL_Results_CSV",
    "SPARQL_Results_TSV",
    "Turtle",
    "N-Triples",
    "JSON-LD",
    "RDF_XML",
)
_COMMON_HEADERS = {"X-Content-Type-Options": "nosniff"}


class ServerConfig:
    """The endpoint's settings (kept on ``app.state.config``)."""

    def __init__(
        self,
        spec: StoreSpec,
        *,
        timeout: float,
        max_results: int,
        max_request_bytes: int,
        cors_origins: Sequence[str],
        queue_timeout: float = DEFAULT_QUEUE_TIMEOUT,
    ) -> None:
        self.spec = spec
        self.timeout = timeout
        self.queue_timeout = min(queue_timeout, timeout)
        self.max_results = max_results
        self.max_request_bytes = max_request_bytes
        self.cors_origins = tuple(cors_origins)


def _error(status: int, message: str, **headers: str) -> Response:
    from starlette.responses import Response

    reply = Reply.error(status, message)
    merged = {**_COMMON_HEADERS, **headers}
    return Response(reply.body, status_code=status, media_type=reply.content_type, headers=merged)


class _Disconnected(Exception):
    """The client went away (or was cut off by the server) before its request body was complete."""


async def _read_body(request: Request, limit: int) -> bytes | None:
    """The request body, or None when it is longer than ``limit`` bytes (read no further than that).

    Raises :class:`_Disconnected` (after logging one line) when the client goes away before the body is complete.
    """
    from starlette.requests import ClientDisconnect

    declared = request.headers.get("content-length")
    if declared is not None:
        try:
            if int(declared) > limit:
                return None
        except ValueError:
            pass
    chunks = []
    size = 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                return None
            chunks.append(chunk)
    except ClientDisconnect:
        if CLOSED_BY_SERVER not in request.scope.get("extensions", {}):  # the transport has said why already
            client = request.client.host if request.client else "unknown"
            expected = f" of {declared}" if declared else ""
            log.warning("client %s disconnected while sending its request body (%d%s bytes)", client, size, expected)
        raise _Disconnected from None
    return b"".join(chunks)


class BadEncoding(ValueError):
    """A request whose body, query string or form fields are not UTF-8 (HTTP 400)."""


def _decode(body: bytes, content_type: str) -> str:
    """The body as text: UTF-8 only (a declared ``charset`` other than UTF-8 or US-ASCII is refused).

    >>> _decode("é".encode(), "application/sparql-query; charset=UTF-8")
    'é'
    >>> _decode(b"ASK {}", 'application/sparql-query; charset="utf-16"')
    Traceback (most recent call last):
    ...
    nibs_graph.sparql.server.BadEncoding: the request body is declared as utf-16: only UTF-8 is accepted
    """
    for param in content_type.split(";")[1:]:
        key, _, value = param.partition("=")
        charset = value.strip().strip('"').lower()
        if key.strip().lower() == "charset" and charset not in ("utf-8", "utf8", "us-ascii", "ascii"):
            declared = charset or "an empty charset"
            raise BadEncoding(f"the request body is declared as {declared}: only UTF-8 is accepted")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadEncoding(f"the request body is not valid UTF-8 (byte {exc.start})") from None


def _form(text: str, where: str) -> dict[str, list[str]]:
    """Form fields (``a=1&b=2``) whose percent-escapes must decode as UTF-8.

    >>> _form("query=ASK%20%7B%7D", "the body")
    {'query': ['ASK {}']}
    >>> _form("query=%E9", "the query string")
    Traceback (most recent call last):
    ...
    nibs_graph.sparql.server.BadEncoding: the query string has a percent-escape that is not UTF-8 (query=%E9...)
    """
    try:
        return parse_qs(text, keep_blank_values=True, encoding="utf-8", errors="strict")
    except UnicodeDecodeError:
        bad = next((part for part in text.split("&") if not _decodes(part)), text)
        raise BadEncoding(f"{where} has a percent-escape that is not UTF-8 ({bad[:40]}...)") from None


def _decodes(part: str) -> bool:
    try:
        parse_qs(part, keep_blank_values=True, encoding="utf-8", errors="strict")
    except UnicodeDecodeError:
        return False
    return True


def _query_string(request: Request) -> dict[str, list[str]]:
    raw = request.scope.get("query_string", b"")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise BadEncoding("the query string is not valid UTF-8") from None
    return _form(text, "the query string")


def _service_description(request: Request, config: ServerConfig, info: dict[str, Any]) -> Any:
    from rdflib import BNode, Graph, Literal, Namespace, URIRef
    from rdflib.namespace import DCTERMS, RDF, RDFS, XSD

    sd = Namespace(_SD)
    void = Namespace("http://rdfs.org/ns/void#")
    g = Graph()
    g.bind("sd", sd)
    g.bind("void", void)
    g.bind("formats", _FORMATS)
    g.bind("dcterms", DCTERMS)
    service = BNode("service")
    endpoint = str(request.url.replace(query="", fragment=""))
    g.add((service, RDF.type, sd.Service))
    g.add((service, sd.endpoint, URIRef(endpoint)))
    g.add((service, sd.supportedLanguage, sd.SPARQL11Query))
    g.add((service, sd.feature, sd.EmptyGraphs))
    for name in _RESULT_FORMATS:
        g.add((service, sd.resultFormat, URIRef(_FORMATS + name)))
    g.add((service, DCTERMS.title, Literal("nibs-graph SPARQL endpoint (read-only)")))
    g.add(
        (
            service,
            RDFS.comment,
            Literal(
                f"Read-only: SPARQL Update, SERVICE and FROM / FROM NAMED are refused. Each query is stopped after "
                f"{config.timeout:g} s (HTTP 503) and may answer at most {config.max_results} rows; requests are "
                f"limited to {config.max_request_bytes} bytes. Store: {config.spec.describe()}."
            ),
        )
    )
    dataset = BNode("dataset")
    graph = BNode("default-graph")
    g.add((service, sd.defaultDataset, dataset))
    g.add((dataset, RDF.type, sd.Dataset))
    g.add((dataset, sd.defaultGraph, graph))
    g.add((graph, RDF.type, sd.Graph))
    if info.get("triples") is not None:
        g.add((graph, void.triples, Literal(int(info["triples"]), datatype=XSD.integer)))
    if info.get("data_version"):
        g.add((dataset, DCTERMS.hasVersion, Literal(str(info["data_version"]))))
    return g


def _examples() -> list[tuple[str, str]]:
    from ..paths import queries_dir

    folder = queries_dir()
    if not folder.is_dir():
        return []
    return [(p.name, p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.rq"))]


def create_app(
    store: str | StoreSpec | None = None,
    *,
    data: Path | str | None = None,
    graph_file: Path | str | None = None,
    layers: Sequence[str] = (),
    timeout: float = DEFAULT_TIMEOUT,
    max_results: int = DEFAULT_MAX_RESULTS,
    max_request_bytes: int = DEFAULT_MAX_REQUEST_BYTES,
    cors_origins: Sequence[str] = (),
    workers: int | None = None,
    memory_mb: int = DEFAULT_MEMORY_MB,
    endpoint_timeout: float = 60.0,
    queue_timeout: float = DEFAULT_QUEUE_TIMEOUT,
    quick_workers: int = 1,
    quick_timeout: float = DEFAULT_QUICK_TIMEOUT,
    cache_mb: int = DEFAULT_CACHE_MB,
) -> Starlette:
    """Build the SPARQL endpoint as a Starlette application (run it with any ASGI server, e.g. uvicorn).

    The worker pool starts with the application (its lifespan) unless it was started before with
    ``app.state.pool.start()``, which the CLI does to report a store that cannot be opened before it listens.

    Parameters
    ----------
    store:
        ``memory`` (default), ``oxigraph:DIR``, a remote endpoint URL, or a :class:`StoreSpec`.
    data, graph_file, layers:
        The source of the graph (the shipped data by default); for ``oxigraph:DIR``, what the store is built from.
    timeout:
        Seconds after which a query is stopped (its worker is killed) and the client gets 503.
    max_results:
        Rows (or triples) a result may have; a larger result is refused with 400.
    max_request_bytes:
        Size cap of a request body or query text (413).
    cors_origins:
        Origins allowed to call the endpoint from a browser (``*`` for any); CORS is off when empty.
    workers:
        Worker processes that may run long queries (default: one per core, at least two).
    quick_workers, quick_timeout:
        Further workers kept for quick queries, and the seconds after which a query counts as long: at most
        ``workers`` long queries run at once; one that becomes long beyond that is stopped (503).
    queue_timeout:
        Seconds a query may wait for a free worker before it is answered 503 (at most ``timeout``).
    memory_mb:
        Address-space cap of each worker, in MiB.
    endpoint_timeout:
        HTTP timeout towards a remote endpoint store.
    cache_mb:
        Size of the answer cache in MiB (:mod:`~nibs_graph.sparql.answers`): a request asked before is answered
        without a worker. 0 turns it off; a remote store is never cached.

    Returns
    -------
    Starlette
        The application; ``app.state.pool`` is its :class:`~nibs_graph.sparql.worker.WorkerPool` and
        ``app.state.config`` its :class:`ServerConfig`.
    """
    from starlette.applications import Starlette
    from starlette.middleware import Middleware
    from starlette.middleware.cors import CORSMiddleware
    from starlette.responses import HTMLResponse, Response
    from starlette.routing import Route

    from .formats import GRAPH_FORMATS, content_type, negotiate

    spec = (
        store
        if isinstance(store, StoreSpec)
        else StoreSpec.parse(store, data=data, graph_file=graph_file, layers=layers, timeout=endpoint_timeout)
    )
    if spec.kind == "oxigraph":
        ensure_oxigraph(spec)
    config = ServerConfig(
        spec,
        timeout=timeout,
        max_results=max_results,
        max_request_bytes=max_request_bytes,
        cors_origins=cors_origins,
        queue_timeout=queue_timeout,
    )
    pool = WorkerPool(spec, size=workers, quick=quick_workers, quick_timeout=quick_timeout, memory_mb=memory_mb)
    page_cache: dict[str, tuple[str, str]] = {}
    answers = AnswerCache(cache_mb * 1024 * 1024 if spec.kind != "remote" else 0)
    answer_headers = {**_COMMON_HEADERS, "Vary": "Accept", "Cache-Control": "no-store"}

    async def sparql(request: Request) -> Response:
        try:
            return await answer(request)
        except BadEncoding as exc:
            return _error(400, str(exc))

    async def answer(request: Request) -> Response:
        params = _query_string(request)
        accept = request.headers.get("accept")
        if request.method in ("GET", "HEAD"):
            if "update" in params:
                return _error(403, "this endpoint is read-only: SPARQL Update is refused")
            queries = params.get("query", [])
            if not queries:
                if len(params):
                    return _error(400, "missing query parameter")
                return _describe(request, accept)
            fields: dict[str, list[str]] = dict(params)
        elif request.method == "POST":
            raw_type = request.headers.get("content-type", "")
            media = raw_type.split(";")[0].strip().lower()
            if media == "application/sparql-update":
                return _error(403, "this endpoint is read-only: SPARQL Update is refused")
            if media not in ("application/x-www-form-urlencoded", "application/sparql-query"):
                return _error(
                    415,
                    f"unsupported content type {media or '(none)'!r}: send application/sparql-query, or "
                    "application/x-www-form-urlencoded with query=",
                )
            try:
                body = await _read_body(request, config.max_request_bytes)
            except _Disconnected:
                return _error(400, "the request body was not received")  # nobody reads it: the client is gone
            if body is None:
                return _error(413, f"the request is larger than {config.max_request_bytes} bytes")
            text = _decode(body, raw_type)
            fields = dict(params)
            if media == "application/x-www-form-urlencoded":
                for key, values in _form(text, "the form body").items():
                    fields.setdefault(key, []).extend(values)
                if "update" in fields:
                    return _error(403, "this endpoint is read-only: SPARQL Update is refused")
                queries = fields.get("query", [])
            else:
                queries = [text, *fields.get("query", [])]
        else:  # pragma: no cover - the route accepts only these methods
            return _error(405, "use GET or POST")
        if len(queries) != 1:
            return _error(400, "send exactly one query" if queries else "missing query parameter")
        query = queries[0]
        if len(query.encode("utf-8", "surrogatepass")) > config.max_request_bytes:
            return _error(413, f"the query is longer than {config.max_request_bytes} bytes")
        for key in ("default-graph-uri", "named-graph-uri"):
            if fields.get(key):
                return _error(400, f"{key} is refused: this endpoint holds only its default graph")
        formats = fields.get("format") or fields.get("output") or []
        fmt = formats[0] if formats else None
        base = str(request.url.replace(query="", fragment=""))
        cache_key = AnswerCache.key(query, accept, fmt, base) if answers.max_bytes else None
        if cache_key is not None:
            known = answers.get(cache_key)
            if known is not None:
                return Response(known[1], media_type=known[0], headers=answer_headers)
        job = Job(
            query,
            accept=accept,
            fmt=fmt,
            max_rows=config.max_results,
            max_bytes=config.max_request_bytes,
            base=base,
        )
        reply = await pool.run(job, timeout=config.timeout, queue_timeout=config.queue_timeout)
        headers = answer_headers
        if reply.status == 200 and cache_key is not None:
            answers.put(cache_key, reply.content_type, reply.body)
        elif reply.status == 503:
            headers = {**answer_headers, "Retry-After": "1"}
        return Response(reply.body, status_code=reply.status, media_type=reply.content_type, headers=headers)

    def _describe(request: Request, accept: str | None) -> Response:
        fmt = negotiate(accept, "graph")
        if fmt is None:
            offered = ", ".join(GRAPH_FORMATS)
            return _error(406, f"the service description is available as RDF only ({offered})")
        graph = _service_description(request, config, pool.info)
        name = {"turtle": "turtle", "nt": "nt", "jsonld": "json-ld", "rdfxml": "xml"}[fmt]
        body = graph.serialize(format=name, encoding="utf-8")
        return Response(body, media_type=content_type(fmt), headers={**_COMMON_HEADERS, "Vary": "Accept"})

    async def home(request: Request) -> Response:
        from .page import render_page

        if "page" not in page_cache:
            page_cache["page"] = render_page(_examples(), timeout=config.timeout, max_results=config.max_results)
        html, csp = page_cache["page"]
        return HTMLResponse(
            html,
            headers={**_COMMON_HEADERS, "Content-Security-Policy": csp, "Referrer-Policy": "no-referrer"},
        )

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await pool.astart()
        log.info("SPARQL endpoint ready: %d + %d workers, %s", pool.size, pool.quick, spec.describe())
        try:
            yield
        finally:
            await pool.aclose()

    middleware = []
    if config.cors_origins:
        middleware.append(
            Middleware(
                CORSMiddleware,
                allow_origins=list(config.cors_origins),
                allow_methods=["GET", "POST"],
                allow_headers=["Content-Type", "Accept"],
                max_age=600,
            )
        )
    app = Starlette(
        routes=[Route("/", home, methods=["GET"]), Route("/sparql", sparql, methods=["GET", "POST"])],
        middleware=middleware,
        lifespan=lifespan,
    )
    app.state.pool = pool
    app.state.config = config
    app.state.answers = answers
    return app
