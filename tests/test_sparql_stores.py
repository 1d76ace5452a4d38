"""The stores: in-memory rdflib, persistent Oxigraph (build, reuse, rebuild) and a remote endpoint.

The remote store is tested against a real Oxigraph server (the ``oxigraph`` PyPI package's binary, started here
on a free loopback port and loaded with ``nibs-graph export nt`` output): ``nibs-graph sparql --endpoint`` and
``nibs-graph path --endpoint`` must answer exactly as the embedded store does.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from nibs_graph.errors import QueryError, StoreError
from nibs_graph.sparql.guard import QueryRefused
from nibs_graph.sparql.stores import (
    META_FILE,
    MemoryStore,
    OxigraphStore,
    RemoteStore,
    ResultTooLarge,
    StoreSpec,
    ensure_oxigraph,
    load_projection,
    open_store,
)
from tests.serving import free_port, running

TESTS = Path(__file__).resolve().parent
TINY = TESTS / "data" / "tiny"
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


def _n(store: Any) -> int:
    return int(store.query(COUNT).rows[0]["n"]["value"])


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "nibs_graph.cli", *args], capture_output=True, text=True, timeout=300, cwd=TESTS.parent
    )


# ---------------------------------------------------------------------------------------------- memory


def test_memory_store_answers_every_form() -> None:
    store = open_store(StoreSpec(data=TINY))
    assert isinstance(store, MemoryStore)
    assert _n(store) == store.triple_count() == 888
    assert store.data_version() == "c422ba50a98d8bf0"
    assert store.query("ASK { nibs:iTBS nibs:increases HGNC:1033 }").boolean is True
    assert len(store.query("DESCRIBE HGNC:1033").triples) == 6
    assert store.query("SELECT * { GRAPH ?g { ?s ?p ?o } }").rows == []
    with pytest.raises(ResultTooLarge) as info:
        store.query("SELECT * { ?s ?p ?o }", max_rows=100)
    assert info.value.status == 400
    assert len(store.query("SELECT * { ?s ?p ?o } LIMIT 100", max_rows=100).rows) == 100
    for refused in ("CLEAR ALL", "SELECT * { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }"):
        with pytest.raises(QueryRefused):
            store.query(refused)
    assert _n(store) == 888


# ---------------------------------------------------------------------------------------------- oxigraph


def test_oxigraph_store_is_built_once_and_reused(tmp_path: Path) -> None:
    folder = tmp_path / "store"
    spec = StoreSpec.parse(f"oxigraph:{folder}", data=TINY)
    ensure_oxigraph(spec)
    meta = json.loads((folder / META_FILE).read_text())
    assert meta["complete"] is True and meta["version"] == "c422ba50a98d8bf0" and meta["triples"] == 888
    assert meta["source"] == {"kind": "data", "path": str(TINY.resolve()), "layers": []}
    stamp = (folder / META_FILE).stat().st_mtime_ns
    store = open_store(spec)
    assert isinstance(store, OxigraphStore)
    assert _n(store) == 888 and store.data_version() == "c422ba50a98d8bf0"
    store.close()
    # same source, same version: reused as it is (no rebuild), also without naming the source again
    ensure_oxigraph(StoreSpec.parse(f"oxigraph:{folder}"))
    assert (folder / META_FILE).stat().st_mtime_ns == stamp


def test_oxigraph_store_is_rebuilt_when_the_data_changes(tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(TINY, data)
    folder = tmp_path / "store"
    spec = StoreSpec.parse(f"oxigraph:{folder}", data=data)
    ensure_oxigraph(spec)
    first = json.loads((folder / META_FILE).read_text())["version"]
    store = open_store(spec)
    assert store.query("ASK { ?f nibs:targetLabel 'BDNF (mature)' }").boolean is False
    store.close()
    findings = data / "findings.csv"
    findings.write_text(
        findings.read_text().replace("HGNC:1033,BDNF,increased", "HGNC:1033,BDNF (mature),increased", 1)
    )
    store = open_store(StoreSpec.parse(f"oxigraph:{folder}"))  # the recorded source changed: rebuilt
    assert json.loads((folder / META_FILE).read_text())["version"] != first
    assert store.query("ASK { ?f nibs:targetLabel 'BDNF (mature)' }").boolean is True
    assert _n(store) == 888
    store.close()


def test_oxigraph_store_refuses_a_foreign_folder(tmp_path: Path) -> None:
    folder = tmp_path / "busy"
    folder.mkdir()
    (folder / "notes.txt").write_text("mine")
    with pytest.raises(StoreError, match="not empty and was not built by nibs-graph"):
        ensure_oxigraph(StoreSpec.parse(f"oxigraph:{folder}", data=TINY))
    assert (folder / "notes.txt").read_text() == "mine"


def test_load_projection_from_oxigraph_equals_the_embedded_projection(tmp_path: Path) -> None:
    from nibs_graph.api import load_graph

    folder = tmp_path / "store"
    ensure_oxigraph(StoreSpec.parse(f"oxigraph:{folder}", data=TINY))
    G = load_projection(f"oxigraph:{folder}")
    H = load_graph(TINY, use_cache=False)
    assert G.nodes == H.nodes
    assert G.edges() == H.edges()
    assert G.graph == H.graph


def test_store_specs() -> None:
    assert StoreSpec.parse(None).kind == "memory"
    assert StoreSpec.parse("https://example.org/sparql").location == "https://example.org/sparql"
    for bad in ("oxigraph:", "ftp://example.org/x", "postgres:db"):
        with pytest.raises(StoreError):
            StoreSpec.parse(bad)
    with pytest.raises(StoreError):
        StoreSpec.parse("http://127.0.0.1:9/sparql", data=TINY)


# ---------------------------------------------------------------------------------------------- remote


@pytest.fixture(scope="module")
def oxigraph_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real Oxigraph server (``oxigraph serve-read-only``) holding ``nibs-graph export nt`` of the tiny data."""
    binary = shutil.which("oxigraph")
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail("the oxigraph server binary is missing: the test extra installs it (pip install oxigraph)")
        pytest.skip("the oxigraph server binary is not installed (pip install oxigraph)")
    folder = tmp_path_factory.mktemp("oxigraph-server")
    dump = folder / "tiny.nt"
    exported = _cli("export", "nt", str(dump), "--data", str(TINY))
    if exported.returncode != 0:  # the export command is not there: serialise the compiled graph here
        from nibs_graph.api import load_rdf

        load_rdf(TINY).serialize(dump, format="nt", encoding="utf-8")
    location = folder / "db"
    subprocess.run([binary, "load", "--location", str(location), "--file", str(dump)], check=True, timeout=120)
    port = free_port()
    command = [binary, "serve-read-only", "--location", str(location), "--bind", f"127.0.0.1:{port}"]
    with running(command, f"http://127.0.0.1:{port}/query", f"http://127.0.0.1:{port}/") as url:
        yield url


def test_remote_store_answers_as_the_embedded_store(oxigraph_server: str) -> None:
    remote = RemoteStore(oxigraph_server, timeout=30)
    local = open_store(StoreSpec(data=TINY))
    for query in (
        "SELECT ?t ?l WHERE { ?t rdfs:subClassOf+ nibs:NIBS ; rdfs:label ?l } ORDER BY ?t",
        "SELECT ?e (COUNT(?f) AS ?n) WHERE { ?f nibs:target ?e } GROUP BY ?e ORDER BY ?e",
        "SELECT ?s ?doi WHERE { ?s a nibs:Study OPTIONAL { ?s nibs:doi ?doi } } ORDER BY ?s",
        COUNT,
    ):
        assert remote.query(query).rows == local.query(query).rows, query
    assert remote.query("ASK { nibs:iTBS nibs:increases HGNC:1033 }").boolean is True
    assert remote.query("ASK { nibs:iTBS nibs:decreases HGNC:1033 }").boolean is False
    assert sorted(map(repr, remote.query("DESCRIBE HGNC:1033").triples)) == sorted(
        map(repr, local.query("DESCRIBE HGNC:1033").triples)
    )
    assert remote.data_version() == local.data_version()
    with pytest.raises(QueryRefused):  # guarded before anything is sent
        remote.query("SELECT * { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }")
    with pytest.raises(ResultTooLarge):
        remote.query("SELECT * { ?s ?p ?o }", max_rows=10)


def test_cli_sparql_endpoint_equals_embedded(oxigraph_server: str) -> None:
    query = "SELECT ?t ?e WHERE { ?t nibs:increases ?e } ORDER BY ?t ?e"
    remote = _cli("sparql", query, "--endpoint", oxigraph_server, "--format", "json")
    local = _cli("sparql", query, "--data", str(TINY), "--format", "json")
    assert remote.returncode == local.returncode == 0, remote.stderr
    assert json.loads(remote.stdout) == json.loads(local.stdout)
    assert len(json.loads(remote.stdout)["results"]["bindings"]) == 8
    refused = _cli("sparql", "CLEAR ALL", "--endpoint", oxigraph_server)
    assert refused.returncode == 2 and "read-only" in refused.stderr


@pytest.mark.parametrize(
    "args",
    [
        ("path", "iTBS", "CREB"),
        ("path", "anodal tDCS", "mTOR", "--max-hops", "5"),
        ("hubs",),
        ("evidence", "iTBS", "BDNF"),
        ("contradictions",),
        ("diverge", "BDNF"),
        ("info",),
    ],
)
def test_cli_commands_against_the_endpoint_equal_embedded(oxigraph_server: str, args: tuple[str, ...]) -> None:
    remote = _cli(*args, "--endpoint", oxigraph_server, "--format", "json")
    local = _cli(*args, "--data", str(TINY), "--format", "json")
    assert remote.returncode == local.returncode, remote.stderr
    assert json.loads(remote.stdout) == json.loads(local.stdout)


def test_unreachable_endpoint_is_a_clear_error() -> None:
    port = free_port()
    with pytest.raises(StoreError, match="cannot reach the SPARQL endpoint"):
        RemoteStore(f"http://127.0.0.1:{port}/sparql", timeout=5).query("ASK { ?s ?p ?o }")
    result = _cli("path", "iTBS", "CREB", "--endpoint", f"http://127.0.0.1:{port}/sparql")
    assert result.returncode == 2
    assert "cannot reach the SPARQL endpoint" in result.stderr and "Traceback" not in result.stderr


def test_http_errors_and_timeouts_are_clear(tmp_path: Path) -> None:
    """A tiny HTTP server that answers 500, then one that never answers."""
    import http.server
    import threading

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            if self.path == "/slow":
                time.sleep(3)
            try:
                self.send_response(500)
                self.send_header("Content-Type", "text/plain")
                self.end_headers()
                self.wfile.write(b"boom")
            except OSError:  # the client gave up (the timeout case)
                pass

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        with pytest.raises(StoreError, match="answered HTTP 500: boom"):
            RemoteStore(base + "/sparql").query("ASK { ?s ?p ?o }")
        with pytest.raises(StoreError, match="did not answer within 1 s"):
            RemoteStore(base + "/slow", timeout=1).query("ASK { ?s ?p ?o }")
        with pytest.raises(QueryError):
            RemoteStore(base + "/sparql").query("SELECT * FROM <http://127.0.0.1:9/x> { ?s ?p ?o }")
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize(
    "body",
    [
        b'{"head": ["s"], "results": {"bindings": []}}',
        b'{"head": {"vars": "s"}, "results": {"bindings": []}}',
        b'{"head": {"vars": ["s"]}, "results": {"bindings": {"s": 1}}}',
        b'{"head": {"vars": ["s"]}, "results": {"bindings": [{"s": "x"}]}}',
        b'{"head": {"vars": ["s"]}, "results": {"bindings": [{"s": {"type": 1, "value": "x"}}]}}',
        b"[1, 2]",
    ],
)
def test_remote_select_answer_with_wrong_json_types_is_an_error(body: bytes) -> None:
    """A remote endpoint's SELECT answer whose parts have the wrong types is a StoreError, never a traceback."""
    import http.server
    import threading

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self.send_response(200)
            self.send_header("Content-Type", "application/sparql-results+json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with pytest.raises(StoreError, match="SPARQL JSON results"):
            RemoteStore(f"http://127.0.0.1:{server.server_address[1]}/sparql").query("SELECT ?s { ?s ?p ?o }")
    finally:
        server.shutdown()
        server.server_close()
