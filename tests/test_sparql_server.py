"""The SPARQL 1.1 endpoint, live on a loopback port, with real clients: httpx, SPARQLWrapper, rdflib's SPARQLStore.

Every server here runs uvicorn in a thread on 127.0.0.1 (a port the OS picks) and is stopped at the end of its
module. The refusal tests run against both stores (the in-memory rdflib graph and an Oxigraph folder).
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from nibs_graph.sparql.server import create_app
from nibs_graph.sparql.transport import ConnectionLimits, listen, uvicorn_config

pytestmark = pytest.mark.server

TINY = Path(__file__).resolve().parent / "data" / "tiny"
TIMEOUT = 2.0
MAX_RESULTS = 200
MAX_REQUEST = 4096
SLOW = (
    "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i "
    'FILTER(REGEX(CONCAT(STR(?c), STR(?f), STR(?i)), "^(a|aa)+$")) }'
)
QUICK = "ASK { nibs:iTBS nibs:increases HGNC:1033 }"
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
JSON_TYPE = "application/sparql-results+json"


@contextlib.contextmanager
def serving(app: Any, limits: ConnectionLimits | None = None) -> Iterator[str]:
    """Run ``app`` as ``nibs-graph serve`` does (uvicorn, the guarded protocol) on a free loopback port in a thread.

    Yields the base URL; stops the server at the end. ``limits``: the connection limits (the defaults if None).
    """
    import uvicorn

    sock = listen("127.0.0.1", 0)  # IPPROTO_TCP: asyncio sets TCP_NODELAY only on sockets whose proto says TCP
    port = sock.getsockname()[1]
    config = uvicorn_config(app, limits or ConnectionLimits(), log_level="warning", configure_logging=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 120
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the SPARQL endpoint did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(60)
        sock.close()


class Listener:
    """A TCP listener on a loopback port that records every connection it receives."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]
        self.connections: list[Any] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, peer = self.sock.accept()
            except (TimeoutError, OSError):
                continue
            self.connections.append(peer)
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self.sock.close()


@pytest.fixture()
def listener() -> Iterator[Listener]:
    item = Listener()
    yield item
    item.close()


def _app(store: str | None = None, **kwargs: Any) -> Any:
    options: dict[str, Any] = {
        "data": TINY,
        "timeout": TIMEOUT,
        "max_results": MAX_RESULTS,
        "max_request_bytes": MAX_REQUEST,
        "workers": 2,
    }
    options.update(kwargs)
    return create_app(store, **options)


@pytest.fixture(scope="module")
def memory_server() -> Iterator[tuple[str, Any]]:
    app = _app()
    with serving(app) as url:
        yield url, app


@pytest.fixture(scope="module")
def oxigraph_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Any]]:
    app = _app(f"oxigraph:{tmp_path_factory.mktemp('oxserver') / 'store'}")
    with serving(app) as url:
        yield url, app


@pytest.fixture(params=["memory", "oxigraph"])
def server(request: pytest.FixtureRequest) -> tuple[str, Any]:
    return request.getfixturevalue(f"{request.param}_server")


def _count(url: str) -> int:
    reply = httpx.get(url + "/sparql", params={"query": COUNT}, headers={"Accept": JSON_TYPE}, timeout=30)
    assert reply.status_code == 200
    return int(reply.json()["results"]["bindings"][0]["n"]["value"])


# ---------------------------------------------------------------------------------------------- protocol


def test_get_post_form_and_post_direct_give_the_same_answer(server: tuple[str, Any]) -> None:
    url = server[0] + "/sparql"
    query = "SELECT ?e WHERE { nibs:iTBS nibs:increases ?e } ORDER BY ?e"
    answers = [
        httpx.get(url, params={"query": query}, headers={"Accept": JSON_TYPE}),
        httpx.post(url, data={"query": query}, headers={"Accept": JSON_TYPE}),
        httpx.post(url, content=query, headers={"Content-Type": "application/sparql-query", "Accept": JSON_TYPE}),
        httpx.post(
            url,
            content=query.encode("utf-8"),
            headers={"Content-Type": "application/sparql-query; charset=UTF-8", "Accept": JSON_TYPE},
        ),
    ]
    for reply in answers:
        assert reply.status_code == 200, reply.text
        assert reply.headers["content-type"] == JSON_TYPE
        values = [b["e"]["value"] for b in reply.json()["results"]["bindings"]]
        assert values == ["https://identifiers.org/hgnc:1033", "https://identifiers.org/hgnc:3942"]


@pytest.mark.parametrize(
    ("accept", "expected_type", "marker"),
    [
        ("application/sparql-results+xml", "application/sparql-results+xml", "<sparql"),
        ("text/csv", "text/csv; charset=utf-8", "e\r\nhttps://identifiers.org/hgnc:1033"),
        (
            "text/tab-separated-values",
            "text/tab-separated-values; charset=utf-8",
            "?e\n<https://identifiers.org/hgnc:1033>",
        ),
        ("application/json", JSON_TYPE, '"vars":["e"]'),
        ("*/*", JSON_TYPE, '"vars":["e"]'),
    ],
)
def test_results_are_negotiated(memory_server: tuple[str, Any], accept: str, expected_type: str, marker: str) -> None:
    reply = httpx.get(
        memory_server[0] + "/sparql",
        params={"query": "SELECT ?e WHERE { nibs:iTBS nibs:increases ?e } ORDER BY ?e"},
        headers={"Accept": accept},
    )
    assert reply.status_code == 200
    assert reply.headers["content-type"] == expected_type
    assert marker in reply.text
    assert reply.headers["vary"] == "Accept"


@pytest.mark.parametrize(
    ("accept", "expected_type", "parser"),
    [
        ("text/turtle", "text/turtle; charset=utf-8", "turtle"),
        ("application/n-triples", "application/n-triples", "nt"),
        ("application/ld+json", "application/ld+json", "json-ld"),
        ("application/rdf+xml", "application/rdf+xml", "xml"),
        (None, "text/turtle; charset=utf-8", "turtle"),
    ],
)
def test_graphs_are_negotiated(server: tuple[str, Any], accept: str | None, expected_type: str, parser: str) -> None:
    from rdflib import Graph, URIRef

    headers = {"Accept": accept} if accept else {}
    reply = httpx.get(server[0] + "/sparql", params={"query": "DESCRIBE HGNC:1033"}, headers=headers)
    assert reply.status_code == 200
    assert reply.headers["content-type"] == expected_type
    graph = Graph().parse(data=reply.content, format=parser)
    assert len(graph) == 6
    assert (URIRef("https://identifiers.org/hgnc:1033"), None, URIRef("https://identifiers.org/hgnc:8032")) in graph


def test_406_when_no_acceptable_format(memory_server: tuple[str, Any]) -> None:
    url = memory_server[0] + "/sparql"
    for query, accept in (
        ("SELECT * { ?s ?p ?o } LIMIT 1", "image/png"),
        ("SELECT * { ?s ?p ?o } LIMIT 1", "text/turtle"),
        ("CONSTRUCT WHERE { ?s ?p ?o } LIMIT 1", JSON_TYPE),
        ("ASK { ?s ?p ?o }", "application/n-triples"),
    ):
        reply = httpx.get(url, params={"query": query}, headers={"Accept": accept})
        assert reply.status_code == 406, (query, accept)
        assert "available:" in reply.text


def test_format_parameter_never_overrides_a_satisfiable_accept(memory_server: tuple[str, Any]) -> None:
    url = memory_server[0] + "/sparql"
    # an Accept that names a type we serve wins over format=
    reply = httpx.get(url, params={"query": QUICK, "format": "csv"}, headers={"Accept": JSON_TYPE})
    assert reply.status_code == 200 and reply.json() == {"head": {}, "boolean": True}
    # a browser's Accept (only */* fits) lets format= choose
    browser = "text/html,application/xhtml+xml,*/*;q=0.8"
    reply = httpx.get(url, params={"query": QUICK, "format": "csv"}, headers={"Accept": browser})
    assert reply.status_code == 200 and reply.text == "_askResult\r\ntrue\r\n"
    # SPARQLWrapper asking for N3: format=n3 (not served) with an Accept that lists Turtle gets Turtle, not 406
    accept = "application/turtle,text/turtle,text/rdf+n3,application/n-triples,application/rdf+xml"
    reply = httpx.get(url, params={"query": "DESCRIBE nibs:iTBS", "format": "n3"}, headers={"Accept": accept})
    assert reply.status_code == 200 and reply.headers["content-type"].startswith("text/turtle")
    # format= naming nothing we serve, and an Accept naming nothing either: 406
    reply = httpx.get(url, params={"query": QUICK, "format": "n3"}, headers={"Accept": "image/png"})
    assert reply.status_code == 406


def test_415_for_unsupported_post_content_types(memory_server: tuple[str, Any]) -> None:
    url = memory_server[0] + "/sparql"
    for content_type in ("text/plain", "application/json", "multipart/form-data; boundary=x", None):
        headers = {"Content-Type": content_type} if content_type else {}
        reply = httpx.post(url, content=QUICK, headers=headers)
        assert reply.status_code == 415, content_type
        assert "application/sparql-query" in reply.text


def test_413_for_oversized_requests(memory_server: tuple[str, Any]) -> None:
    url = memory_server[0] + "/sparql"
    big = "ASK { ?s ?p ?o } #" + "x" * MAX_REQUEST
    assert httpx.post(url, content=big, headers={"Content-Type": "application/sparql-query"}).status_code == 413
    assert httpx.post(url, data={"query": big}).status_code == 413
    assert httpx.get(url, params={"query": big}).status_code == 413

    def chunks() -> Iterator[bytes]:  # no Content-Length: the cap applies while reading
        for _ in range(10):
            yield b"#" + b"x" * 1000 + b"\n"

    reply = httpx.post(url, content=chunks(), headers={"Content-Type": "application/sparql-query"})
    assert reply.status_code == 413
    assert httpx.post(url, content=QUICK, headers={"Content-Type": "application/sparql-query"}).status_code == 200


def test_400_for_missing_and_malformed_queries(memory_server: tuple[str, Any]) -> None:
    url = memory_server[0] + "/sparql"
    cases = [
        httpx.post(url, data={"other": "x"}),
        httpx.get(url, params={"output": "json"}),
        httpx.post(url, data={"query": ["ASK {}", "ASK {}"]}),
        httpx.get(url, params={"query": "SELEC * WHERE { ?s ?p ?o }"}),
        httpx.get(url, params={"query": "SELECT * WHERE { ?s ?p "}),
        httpx.get(url, params={"query": "SELECT * WHERE { ?s nope:p ?o }"}),
        httpx.get(url, params={"query": "SELECT * { FILTER(" + "(" * 200 + "1" + ")" * 200 + ") }"}),
        httpx.get(url, params={"query": "SELECT * " + "{" * 300 + "}" * 300}),
        httpx.get(url, params={"query": QUICK, "default-graph-uri": "http://127.0.0.1:9/g"}),
        httpx.get(url, params={"query": QUICK, "named-graph-uri": "http://127.0.0.1:9/g"}),
        httpx.post(url, content=b"\xff\xfe", headers={"Content-Type": "application/sparql-query"}),
    ]
    for reply in cases:
        assert reply.status_code == 400, reply.text
        assert reply.text.startswith("Error 400: ")
        assert "Traceback" not in reply.text and ".py" not in reply.text and "/work" not in reply.text
    assert "syntax error at line 1, column 1" in cases[3].text
    assert "unknown prefix nope:" in cases[5].text
    assert "nested" in cases[6].text and "nested" in cases[7].text


def test_limit_and_offset_overflow_is_a_clear_400(server: tuple[str, Any]) -> None:
    url = server[0] + "/sparql"
    for clause in ("LIMIT 12345678901234567890123456", "OFFSET 12345678901234567890123456"):
        reply = httpx.get(url, params={"query": f"SELECT * {{ ?s ?p ?o }} {clause}"}, timeout=30)
        assert reply.status_code == 400
        assert "is too large: LIMIT and OFFSET may be at most 1000000000000000000" in reply.text
        assert "islice" not in reply.text
    largest = "SELECT * { ?s ?p ?o } LIMIT 1000000000000000000 OFFSET 1000000000000000000"
    reply = httpx.get(url, params={"query": largest}, headers={"Accept": JSON_TYPE}, timeout=30)
    assert reply.status_code == 200 and reply.json()["results"]["bindings"] == []


def test_result_size_cap(memory_server: tuple[str, Any]) -> None:
    url = memory_server[0] + "/sparql"
    reply = httpx.get(url, params={"query": "SELECT * { ?s ?p ?o }"})
    assert reply.status_code == 400 and f"more than {MAX_RESULTS} rows" in reply.text
    reply = httpx.get(url, params={"query": "CONSTRUCT WHERE { ?s ?p ?o }"})
    assert reply.status_code == 400
    reply = httpx.get(
        url, params={"query": f"SELECT * {{ ?s ?p ?o }} LIMIT {MAX_RESULTS}"}, headers={"Accept": "text/csv"}
    )
    assert reply.status_code == 200 and reply.text.count("\r\n") == MAX_RESULTS + 1


def test_other_methods_are_not_allowed(memory_server: tuple[str, Any]) -> None:
    url = memory_server[0] + "/sparql"
    assert httpx.put(url, content=QUICK).status_code == 405
    assert httpx.delete(url).status_code == 405


# ---------------------------------------------------------------------------------------------- read-only


UPDATE = "INSERT DATA { <urn:x:s> <urn:x:p> <urn:x:o> }"


def test_updates_are_refused_and_the_store_is_unchanged(server: tuple[str, Any]) -> None:
    url = server[0] + "/sparql"
    before = _count(server[0])
    replies = [
        httpx.post(url, data={"update": UPDATE}),
        httpx.post(url, content=UPDATE, headers={"Content-Type": "application/sparql-update"}),
        httpx.post(url, data={"query": UPDATE}),
        httpx.post(url, content=UPDATE, headers={"Content-Type": "application/sparql-query"}),
        httpx.get(url, params={"query": UPDATE}),
        httpx.get(url, params={"update": UPDATE}),
        httpx.get(url, params={"query": "DELETE WHERE { ?s ?p ?o }"}),
        httpx.get(url, params={"query": "CLEAR ALL"}),
        httpx.get(url, params={"query": "DROP DEFAULT"}),
        httpx.get(url, params={"query": "CREATE GRAPH <urn:x:g>"}),
        httpx.get(url, params={"query": "LOAD <http://127.0.0.1:9/x.ttl>"}),
        httpx.post(url, data={"query": "ASK {}", "update": "CLEAR ALL"}),
    ]
    for reply in replies:
        assert reply.status_code == 403, reply.text
        assert "read-only" in reply.text
    assert _count(server[0]) == before
    ask = httpx.get(url, params={"query": "ASK { <urn:x:s> ?p ?o }"}, headers={"Accept": JSON_TYPE})
    assert ask.json()["boolean"] is False


def test_the_listener_sees_engines_that_reach_out(listener: Listener) -> None:
    """Control: unguarded, rdflib and pyoxigraph do call SERVICE and fetch FROM (so the refusal tests can fail)."""
    import pyoxigraph
    from rdflib import Dataset, Graph

    with contextlib.suppress(Exception):
        list(Graph().query(f"SELECT * {{ SERVICE <http://127.0.0.1:{listener.port}/> {{ ?s ?p ?o }} }}"))
    with contextlib.suppress(Exception):
        list(Dataset().query(f"SELECT * FROM <http://127.0.0.1:{listener.port}/x> {{ ?s ?p ?o }}"))
    with contextlib.suppress(Exception):
        list(pyoxigraph.Store().query(f"SELECT * {{ SERVICE <http://127.0.0.1:{listener.port}/> {{ ?s ?p ?o }} }}"))
    deadline = time.monotonic() + 5
    while len(listener.connections) < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(listener.connections) >= 3


def test_service_and_from_never_reach_out(server: tuple[str, Any], listener: Listener) -> None:
    url = server[0] + "/sparql"
    target = f"http://127.0.0.1:{listener.port}"
    queries = [
        f"SELECT * {{ SERVICE <{target}/> {{ ?s ?p ?o }} }}",
        f"SELECT * {{ SERVICE SILENT <{target}/sparql> {{ ?s ?p ?o }} }}",
        f"SELECT * {{ ?s ?p ?o OPTIONAL {{ SERVICE <{target}/> {{ ?s ?q ?r }} }} }}",
        f"ASK {{ FILTER EXISTS {{ SERVICE <{target}/> {{ ?s ?p ?o }} }} }}",
        f"SELECT * {{ \\u0053ERVICE <{target}/> {{ ?s ?p ?o }} }}",
        f"SELECT * FROM <{target}/x> {{ ?s ?p ?o }}",
        f"SELECT * FROM NAMED <{target}/x> {{ GRAPH ?g {{ ?s ?p ?o }} }}",
        f"CONSTRUCT {{ ?s ?p ?o }} FROM <{target}/x> WHERE {{ ?s ?p ?o }}",
        "SELECT * FROM <file:///etc/passwd> { ?s ?p ?o }",
    ]
    for query in queries:
        for reply in (httpx.get(url, params={"query": query}), httpx.post(url, data={"query": query})):
            assert reply.status_code == 400, (query, reply.text)
            assert "refused" in reply.text
    reply = httpx.get(url, params={"query": QUICK, "default-graph-uri": f"{target}/g"})
    assert reply.status_code == 400
    time.sleep(0.5)
    assert listener.connections == []


# ---------------------------------------------------------------------------------------------- bounded


def test_a_slow_query_is_stopped_while_others_are_served(server: tuple[str, Any]) -> None:
    url, app = server
    pool = app.state.pool
    old_pids = set(pool.pids)
    assert len(old_pids) == pool.workers == 3  # two for long queries, one kept for quick ones
    outcome: dict[str, Any] = {}

    def slow() -> None:
        started = time.monotonic()
        outcome["reply"] = httpx.get(url + "/sparql", params={"query": SLOW}, timeout=60)
        outcome["seconds"] = time.monotonic() - started

    thread = threading.Thread(target=slow)
    thread.start()
    time.sleep(0.5)
    quick = httpx.get(url + "/sparql", params={"query": QUICK}, headers={"Accept": JSON_TYPE}, timeout=60)
    assert thread.is_alive(), "the slow query should still be running"
    assert quick.status_code == 200 and quick.json()["boolean"] is True
    thread.join(60)
    reply = outcome["reply"]
    assert reply.status_code == 503
    assert f"stopped after {TIMEOUT:g} s" in reply.text
    assert outcome["seconds"] < TIMEOUT + 2.0
    # the worker that ran it is gone (killed), and a fresh one takes its place
    gone = [pid for pid in old_pids if pid not in pool.pids]
    assert len(gone) == 1
    with pytest.raises(ProcessLookupError):
        import os

        os.kill(gone[0], 0)
    deadline = time.monotonic() + 60
    while pool.alive < pool.workers and time.monotonic() < deadline:
        time.sleep(0.1)
    assert pool.alive == pool.workers
    assert httpx.get(url + "/sparql", params={"query": QUICK}, timeout=30).status_code == 200


def test_sixteen_concurrent_clients(server: tuple[str, Any]) -> None:
    url = server[0] + "/sparql"
    queries = [
        ("GET", "SELECT ?t WHERE { ?t rdfs:subClassOf nibs:TBS } ORDER BY ?t", "text/csv"),
        ("POST", QUICK, JSON_TYPE),
        ("FORM", COUNT, JSON_TYPE),
        ("GET", "DESCRIBE nibs:iTBS", "text/turtle"),
    ]

    def client(index: int) -> list[int]:
        statuses = []
        with httpx.Client(timeout=60) as http:
            for i in range(5):
                method, query, accept = queries[(index + i) % len(queries)]
                if method == "GET":
                    reply = http.get(url, params={"query": query}, headers={"Accept": accept})
                elif method == "POST":
                    reply = http.post(
                        url, content=query, headers={"Content-Type": "application/sparql-query", "Accept": accept}
                    )
                else:
                    reply = http.post(url, data={"query": query}, headers={"Accept": accept})
                statuses.append(reply.status_code)
                assert reply.content
        return statuses

    with ThreadPoolExecutor(16) as executor:
        results = list(executor.map(client, range(16)))
    assert [s for statuses in results for s in statuses] == [200] * 80


# ---------------------------------------------------------------------------------------------- clients


def test_sparqlwrapper(server: tuple[str, Any]) -> None:
    from SPARQLWrapper import CSV, JSON, POST, TURTLE, XML, SPARQLWrapper

    endpoint = SPARQLWrapper(server[0] + "/sparql")
    endpoint.setQuery("SELECT ?t ?label WHERE { ?t rdfs:subClassOf nibs:TBS ; rdfs:label ?label } ORDER BY ?t")
    endpoint.setReturnFormat(JSON)
    rows = endpoint.query().convert()["results"]["bindings"]
    assert [(r["label"]["value"], r["label"]["xml:lang"]) for r in rows] == [("cTBS", "en"), ("iTBS", "en")]

    endpoint.setReturnFormat(XML)
    document = endpoint.query().convert()
    assert len(document.getElementsByTagName("result")) == 2

    endpoint.setReturnFormat(CSV)
    assert endpoint.query().convert().decode().splitlines()[0] == "t,label"

    endpoint.setQuery(QUICK)
    endpoint.setReturnFormat(JSON)
    assert endpoint.query().convert()["boolean"] is True

    endpoint.setQuery("CONSTRUCT { ?t rdfs:subClassOf nibs:TBS } WHERE { ?t rdfs:subClassOf nibs:TBS }")
    endpoint.setReturnFormat(XML)  # RDF/XML for graphs, parsed into an rdflib Graph
    assert len(endpoint.query().convert()) == 2
    endpoint.setReturnFormat(TURTLE)
    assert b"nibs:iTBS" in endpoint.query().convert()

    endpoint.setMethod(POST)
    endpoint.setQuery("SELECT (COUNT(*) AS ?n) WHERE { ?f a nibs:Finding }")
    endpoint.setReturnFormat(JSON)
    assert endpoint.query().convert()["results"]["bindings"][0]["n"]["value"] == "7"

    from urllib.error import HTTPError

    from SPARQLWrapper.SPARQLExceptions import QueryBadFormed

    endpoint.setQuery("INSERT DATA { <urn:x:s> <urn:x:p> <urn:x:o> }")  # SPARQLWrapper sends it as update=
    with pytest.raises(HTTPError) as info:
        endpoint.query()
    assert info.value.code == 403
    endpoint.setQuery("SELECT * { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }")
    with pytest.raises(QueryBadFormed):
        endpoint.query()


def test_rdflib_sparqlstore(server: tuple[str, Any]) -> None:
    from rdflib import Graph, Literal, URIRef
    from rdflib.namespace import RDFS
    from rdflib.plugins.stores.sparqlstore import SPARQLStore, SPARQLUpdateStore

    graph = Graph(store=SPARQLStore(server[0] + "/sparql", returnFormat="json"))
    rows = list(
        graph.query(
            "SELECT ?label WHERE { ?t rdfs:subClassOf nibs:TBS ; rdfs:label ?label } ORDER BY ?label",
            initNs={"nibs": "https://w3id.org/nibs-graph/ontology#", "rdfs": str(RDFS)},
        )
    )
    assert [str(r[0]) for r in rows] == ["cTBS", "iTBS"]
    itbs = URIRef("https://w3id.org/nibs-graph/ontology#iTBS")
    assert (itbs, RDFS.label, Literal("iTBS", lang="en")) in graph
    assert set(graph.objects(itbs, RDFS.subClassOf)) == {URIRef("https://w3id.org/nibs-graph/ontology#TBS")}

    writable = SPARQLUpdateStore(server[0] + "/sparql", server[0] + "/sparql")
    with pytest.raises(Exception) as info:
        writable.update("INSERT DATA { <urn:x:s> <urn:x:p> <urn:x:o> }")
    assert "403" in str(info.value)
    assert (URIRef("urn:x:s"), None, None) not in graph


# ---------------------------------------------------------------------------------------------- description, page, CORS


def test_service_description(server: tuple[str, Any]) -> None:
    from rdflib import Graph, Literal, Namespace, URIRef
    from rdflib.namespace import RDF

    sd = Namespace("http://www.w3.org/ns/sparql-service-description#")
    reply = httpx.get(server[0] + "/sparql", headers={"Accept": "text/turtle"})
    assert reply.status_code == 200 and reply.headers["content-type"].startswith("text/turtle")
    graph = Graph().parse(data=reply.text, format="turtle")
    service = graph.value(None, RDF.type, sd.Service)
    assert service is not None
    assert graph.value(service, sd.endpoint) == URIRef(server[0] + "/sparql")
    assert (service, sd.supportedLanguage, sd.SPARQL11Query) in graph
    formats = set(graph.objects(service, sd.resultFormat))
    assert URIRef("http://www.w3.org/ns/formats/SPARQL_Results_JSON") in formats
    assert URIRef("http://www.w3.org/ns/formats/Turtle") in formats
    triples = graph.value(
        graph.value(graph.value(service, sd.defaultDataset), sd.defaultGraph), URIRef("http://rdfs.org/ns/void#triples")
    )
    assert triples == Literal(888)
    assert httpx.get(server[0] + "/sparql", headers={"Accept": "image/png"}).status_code == 406


def test_query_page_is_offline_and_uses_text_nodes(memory_server: tuple[str, Any]) -> None:
    reply = httpx.get(memory_server[0] + "/")
    assert reply.status_code == 200 and reply.headers["content-type"].startswith("text/html")
    page = reply.text
    assert "<textarea" in page and 'fetch("sparql"' in page and "textContent" in page
    assert "innerHTML" not in page and "outerHTML" not in page and "insertAdjacentHTML" not in page
    assert "<script src" not in page and "<link" not in page and "https://" not in page.split("<script")[1]
    csp = reply.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "script-src 'sha256-" in csp and "connect-src 'self'" in csp
    assert "techniques_reaching_bdnf.rq" in page  # the example queries are offered


def test_cors_is_off_by_default(memory_server: tuple[str, Any]) -> None:
    url = memory_server[0] + "/sparql"
    reply = httpx.get(url, params={"query": QUICK}, headers={"Origin": "https://example.org"})
    assert reply.status_code == 200
    assert "access-control-allow-origin" not in reply.headers
    preflight = httpx.options(url, headers={"Origin": "https://example.org", "Access-Control-Request-Method": "POST"})
    assert preflight.status_code == 405
    assert "access-control-allow-origin" not in preflight.headers


def test_cors_when_configured() -> None:
    app = _app(cors_origins=["https://example.org"])
    with serving(app) as base:
        url = base + "/sparql"
        reply = httpx.get(url, params={"query": QUICK}, headers={"Origin": "https://example.org"})
        assert reply.status_code == 200
        assert reply.headers["access-control-allow-origin"] == "https://example.org"
        preflight = httpx.options(
            url,
            headers={
                "Origin": "https://example.org",
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "Content-Type",
            },
        )
        assert preflight.status_code == 200
        assert "POST" in preflight.headers["access-control-allow-methods"]
        other = httpx.get(url, params={"query": QUICK}, headers={"Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in other.headers


# ---------------------------------------------------------------------------------------------- encodings, base


class _RawReply:
    def __init__(self, status_code: int, text: str) -> None:
        self.status_code = status_code
        self.text = text


def _raw_get(base: str, target: bytes) -> _RawReply:
    """A GET whose request target holds bytes no HTTP client library sends (raw non-ASCII)."""
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as conn:
        conn.sendall(b"GET " + target + b" HTTP/1.1\r\nHost: " + host.encode() + b"\r\nConnection: close\r\n\r\n")
        data = b""
        while chunk := conn.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    return _RawReply(int(head.split()[1]), body.decode("utf-8", "replace"))


def test_text_that_is_not_utf8_gets_400(server: tuple[str, Any]) -> None:
    url = server[0] + "/sparql"
    direct = "application/sparql-query"
    form = "application/x-www-form-urlencoded"
    cases = {
        "UTF-16 declared": httpx.post(
            url, content="ASK {}".encode("utf-16"), headers={"Content-Type": direct + "; charset=UTF-16"}
        ),
        "UTF-16LE, no BOM": httpx.post(
            url, content="ASK {}".encode("utf-16-le"), headers={"Content-Type": direct + "; charset=utf-16le"}
        ),
        "ISO-8859-1 declared": httpx.post(
            url, content="ASK {}".encode("latin-1"), headers={"Content-Type": direct + "; charset=ISO-8859-1"}
        ),
        "EBCDIC declared": httpx.post(
            url, content="ASK {}".encode("cp500"), headers={"Content-Type": direct + "; charset=IBM500"}
        ),
        "Latin-1 bytes": httpx.post(
            url, content='ASK { FILTER("é" != "") }'.encode("latin-1"), headers={"Content-Type": direct}
        ),
        "form %E9": httpx.post(url, content=b"query=ASK%20%7B%7D%E9", headers={"Content-Type": form}),
        "form raw byte": httpx.post(url, content=b"query=ASK {} \xe9", headers={"Content-Type": form}),
        "form UTF-16": httpx.post(
            url, content="query=ASK {}".encode("utf-16"), headers={"Content-Type": form + "; charset=utf-16"}
        ),
        "GET %E9": httpx.get(url + "?query=ASK%20%7B%7D%20%23%E9"),
        "GET raw byte": _raw_get(server[0], b"/sparql?query=ASK%20%7B%7D%20%23\xe9"),
        "GET %E9 in another field": httpx.get(url + "?query=ASK%20%7B%7D&format=%E9"),
    }
    for name, reply in cases.items():
        assert reply.status_code == 400, (name, reply.status_code, reply.text)
        if name != "GET raw byte":  # refused by the HTTP server itself (h11: not a valid request target)
            assert "UTF-8" in reply.text, (name, reply.text)
    # UTF-8 itself, declared or not, percent-encoded or raw, is fine
    good = [
        httpx.post(url, content='ASK { FILTER("é" != "") }'.encode(), headers={"Content-Type": direct}),
        httpx.post(
            url, content='ASK { FILTER("é" != "") }'.encode(), headers={"Content-Type": direct + "; charset=utf-8"}
        ),
        httpx.post(url, content=b"query=ASK%20%7B%7D%20%23%C3%A9", headers={"Content-Type": form}),
        httpx.get(url + "?query=ASK%20%7B%7D%20%23%C3%A9"),
    ]
    assert [reply.status_code for reply in good] == [200, 200, 200, 200]


def test_relative_iris_resolve_against_the_endpoint_url(server: tuple[str, Any]) -> None:
    from rdflib import Graph, URIRef

    url = server[0] + "/sparql"
    query = "CONSTRUCT { <s> <p> 1 } WHERE {}"
    for media, parser in (("application/n-triples", "nt"), ("text/turtle", "turtle"), ("application/rdf+xml", "xml")):
        reply = httpx.post(url, content=query, headers={"Content-Type": "application/sparql-query", "Accept": media})
        assert reply.status_code == 200, reply.text
        graph = Graph().parse(data=reply.content, format=parser)
        assert {s for s, _, _ in graph} == {URIRef(server[0] + "/s")}, media


def test_rows_without_bindings_are_kept(server: tuple[str, Any]) -> None:
    url = server[0] + "/sparql"
    for query, rows in (
        ("SELECT ?x WHERE { VALUES ?x { UNDEF 1 } }", 2),
        ("SELECT * {}", 1),
        ("SELECT * WHERE { nibs:iTBS nibs:increases HGNC:1033 }", 1),
    ):
        reply = httpx.get(url, params={"query": query}, headers={"Accept": JSON_TYPE})
        assert len(reply.json()["results"]["bindings"]) == rows, query


def test_a_repeated_request_is_answered_from_the_cache(server: tuple[str, Any]) -> None:
    url, app = server
    answers = app.state.answers
    query = "SELECT ?e (BNODE() AS ?b) WHERE { nibs:iTBS nibs:increases ?e } ORDER BY ?e"
    first = httpx.get(url + "/sparql", params={"query": query}, headers={"Accept": "text/csv"})
    hits = answers.hits
    again = httpx.post(url + "/sparql", data={"query": query}, headers={"Accept": "text/csv"})
    assert answers.hits == hits + 1
    assert again.status_code == first.status_code == 200
    assert again.content == first.content  # even the fresh blank node: no worker ran the query again
    assert again.headers["content-type"] == first.headers["content-type"] == "text/csv; charset=utf-8"
    assert again.headers["cache-control"] == "no-store" and again.headers["vary"] == "Accept"
    # another format is another answer
    other = httpx.get(url + "/sparql", params={"query": query}, headers={"Accept": JSON_TYPE})
    assert answers.hits == hits + 1 and other.json()["head"]["vars"] == ["e", "b"]
    # errors are asked again every time
    for _ in range(2):
        assert httpx.get(url + "/sparql", params={"query": "SELECT ?x {"}).status_code == 400
    assert answers.hits == hits + 1


def test_the_answer_cache_is_bounded_and_off_for_a_remote_store() -> None:
    from nibs_graph.sparql.answers import AnswerCache

    cache = AnswerCache(max_bytes=64 * 1024)
    for i in range(100):
        cache.put(AnswerCache.key(f"ASK {{}} # {i}", None, None, "http://h/sparql"), "text/csv", b"x" * 4000)
    assert cache.size <= 64 * 1024 and 0 < len(cache) < 100
    assert cache.get(AnswerCache.key("ASK {} # 99", None, None, "http://h/sparql")) is not None  # the newest stay
    assert cache.get(AnswerCache.key("ASK {} # 0", None, None, "http://h/sparql")) is None
    assert _app("http://127.0.0.1:9/sparql", data=None).state.answers.max_bytes == 0
    assert _app(cache_mb=0).state.answers.max_bytes == 0


def test_a_reply_of_many_socket_reads_arrives_whole() -> None:
    """The event loop reads a worker's reply in chunks as it arrives: a 2 MB answer equals the one made in process."""
    import asyncio

    from nibs_graph.sparql.stores import StoreSpec, open_store
    from nibs_graph.sparql.worker import Job, WorkerPool, handle_job

    values = " ".join(str(i) for i in range(2000))
    query = f'SELECT ?i ?s WHERE {{ VALUES ?i {{ {values} }} BIND(CONCAT(STR(?i), "{"x" * 1000}") AS ?s) }}'
    job = Job(query, accept="text/csv", max_rows=5000)
    expected = handle_job(open_store(StoreSpec(data=TINY)), job)
    assert expected.status == 200 and len(expected.body) > 2_000_000

    async def run() -> tuple[Any, Any]:
        pool = WorkerPool(StoreSpec(data=TINY), size=1, quick=0)
        await pool.astart()
        try:
            return await pool.run(job, timeout=60), await pool.run(Job("ASK {}"), timeout=60)
        finally:
            await pool.aclose()

    reply, after = asyncio.run(run())
    assert (reply.status, reply.content_type, reply.body) == (200, expected.content_type, expected.body)
    assert after.body == b'{"head":{},"boolean":true}'  # the channel is in step for the next job
