"""Past one machine: ``nibs-graph export nt`` bulk-loaded into Virtuoso and queried through ``--endpoint``.

Debian's ``virtuoso-opensource`` is the engine behind UniProt's and DBpedia's public endpoints. The test runs a
private instance in a temporary folder (its own ``virtuoso.ini``: free SQL and HTTP ports on 127.0.0.1, a new
database there, ``DirsAllowed`` only that folder), bulk-loads the shipped data's ``export nt`` with Virtuoso's loader
(``ld_dir``, ``rdf_loader_run``, ``checkpoint`` through ``isql-vt``) into the named graph :data:`GRAPH`, and runs
``path``, ``hubs`` and example queries of ``queries/`` through ``--endpoint``: the answers equal the embedded
store's. The endpoint is used as a user gets it, ``/sparql`` whose default graph is the union of every graph
(Virtuoso's own system graphs included), and with ``?default-graph-uri=`` naming the loaded graph.

Skipped with a reason when ``virtuoso-t`` or ``isql-vt`` is missing; CI installs the package and sets
``NIBS_GRAPH_REQUIRE_VIRTUOSO``, under which a missing Virtuoso fails the test instead.
"""

from __future__ import annotations

import contextlib
import functools
import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest

from tests.conftest import ROOT, require
from tests.serving import free_port, running

pytestmark = [pytest.mark.server, pytest.mark.slow]

#: The graph the dump is loaded into (the data namespace of the export).
GRAPH = "https://w3id.org/nibs-graph/data/"

#: A private instance: everything in one folder, loopback only, no checkpoints during the test, no plugins.
INI = """\
[Database]
DatabaseFile = {folder}/virtuoso.db
ErrorLogFile = {folder}/virtuoso.log
LockFile = {folder}/virtuoso.lck
TransactionFile = {folder}/virtuoso.trx
xa_persistent_file = {folder}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {folder}/virtuoso-temp.db
TransactionFile = {folder}/virtuoso-temp.trx

[Parameters]
ServerPort = 127.0.0.1:{sql}
DisableUnixSocket = 1
CheckpointInterval = 0
DirsAllowed = {folder}, {dumps}
NumberOfBuffers = 5000
MaxDirtyBuffers = 3000
ThreadsPerQuery = 2

[HTTPServer]
ServerPort = 127.0.0.1:{http}
ServerRoot = {folder}
ServerThreads = 4
MaxClientConnections = 4
EnabledDavVSP = 0

[SPARQL]
ResultSetMaxRows = {max_rows}
MaxQueryExecutionTime = 120
"""


def _nibs(*args: str) -> subprocess.CompletedProcess[str]:
    """``nibs-graph ARGS`` in a new process (the user's command line)."""
    command = [sys.executable, "-m", "nibs_graph.cli", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=ROOT, check=False)


def _isql(isql: str, port: int, sql: str) -> str:
    """Run ``sql`` as Virtuoso's ``dba`` (a new database's password is ``dba``); fail on any error."""
    done = subprocess.run(
        [isql, f"127.0.0.1:{port}", "dba", "dba", f"exec={sql}"],
        capture_output=True,
        text=True,
        timeout=300,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0 and "*** Error" not in output, output  # isql exits 0 after an SQL error
    return output


def _count(url: str, where: str) -> int:
    reply = httpx.post(
        url,
        data={"query": f"SELECT (COUNT(*) AS ?n) WHERE {{ {where} }}"},
        headers={"Accept": "application/sparql-results+json"},
        timeout=120,
    )
    assert reply.status_code == 200, reply.text
    return int(reply.json()["results"]["bindings"][0]["n"]["value"])


@dataclass(frozen=True)
class Virtuoso:
    """A running instance: its ``/sparql`` URL and the number of triples loaded."""

    url: str
    triples: int


def _binaries() -> tuple[str, str]:
    """``virtuoso-t`` and ``isql-vt``; skip without them (fail when ``NIBS_GRAPH_REQUIRE_VIRTUOSO`` is set)."""
    server, isql = shutil.which("virtuoso-t"), shutil.which("isql-vt")
    require(
        server is not None and isql is not None,
        "Debian's virtuoso-opensource (virtuoso-t, isql-vt) is not installed; CI installs it",
        "NIBS_GRAPH_REQUIRE_VIRTUOSO",
    )
    assert server is not None and isql is not None
    return server, isql


@contextlib.contextmanager
def _virtuoso(folder: Path, dump: Path, max_rows: int) -> Iterator[Virtuoso]:
    """A private Virtuoso in ``folder`` holding ``dump`` in :data:`GRAPH`, answers cut at ``max_rows`` rows; stopped
    and its folder removed at the end."""
    server, isql = _binaries()
    sql_port = free_port()
    http_port = free_port()
    while http_port == sql_port:
        http_port = free_port()
    ini = folder / "virtuoso.ini"
    ini.write_text(
        INI.format(folder=folder, dumps=dump.parent, sql=sql_port, http=http_port, max_rows=max_rows), encoding="utf-8"
    )
    url = f"http://127.0.0.1:{http_port}/sparql"
    try:
        with running([server, "+foreground", "+configfile", str(ini)], url, url + "?query=ASK%7B%7D", cwd=folder):
            _isql(isql, sql_port, f"ld_dir('{dump.parent}', '{dump.name}', '{GRAPH}'); rdf_loader_run(); checkpoint;")
            errors = _isql(isql, sql_port, "select count(*) from DB.DBA.load_list where ll_error is not null;")
            assert "\n0\n" in errors, errors
            yield Virtuoso(url, dump.read_bytes().count(b"\n"))
    finally:
        shutil.rmtree(folder, ignore_errors=True)  # the database files (~55 MB)


@pytest.fixture(scope="module")
def dump(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``nibs-graph export nt`` of the shipped data."""
    _binaries()
    path = tmp_path_factory.mktemp("virtuoso-dump") / "nibs-graph.nt"
    exported = _nibs("export", "nt", str(path))
    assert exported.returncode == 0, exported.stderr
    return path


@pytest.fixture(scope="module")
def virtuoso(tmp_path_factory: pytest.TempPathFactory, dump: Path) -> Iterator[Virtuoso]:
    """The shipped data in Virtuoso, with a row cap above anything the tests ask."""
    with _virtuoso(tmp_path_factory.mktemp("virtuoso"), dump, 1_000_000) as instance:
        yield instance


@pytest.fixture(scope="module")
def capped(tmp_path_factory: pytest.TempPathFactory, dump: Path) -> Iterator[Virtuoso]:
    """The shipped data in Virtuoso with answers cut at 1,000 rows (``ResultSetMaxRows``; 10,000 in Debian's ini)."""
    with _virtuoso(tmp_path_factory.mktemp("virtuoso-capped"), dump, 1000) as instance:
        yield instance


@functools.cache
def _embedded(*args: str) -> str:
    """The embedded store's answer (no ``--endpoint``), computed once per command."""
    done = _nibs(*args)
    assert done.returncode == 0, done.stderr
    return done.stdout


def _endpoints(url: str) -> dict[str, str]:
    return {"union": url, "graph": f"{url}?default-graph-uri={quote(GRAPH, safe='')}"}


def test_the_bulk_load_holds_every_triple_of_the_export(virtuoso: Virtuoso) -> None:
    assert virtuoso.triples > 5000
    assert _count(virtuoso.url, f"GRAPH <{GRAPH}> {{ ?s ?p ?o }}") == virtuoso.triples


@pytest.mark.parametrize("endpoint", ["union", "graph"])
@pytest.mark.parametrize(
    "command",
    [("path", "iTBS", "mTOR"), ("path", "iTBS", "mTOR", "--format", "json"), ("hubs", "--format", "json")],
    ids=["path", "path-json", "hubs-json"],
)
def test_path_and_hubs_through_virtuoso_equal_the_embedded_store(
    virtuoso: Virtuoso, endpoint: str, command: tuple[str, ...]
) -> None:
    remote = _nibs(*command, "--endpoint", _endpoints(virtuoso.url)[endpoint])
    assert remote.returncode == 0, remote.stderr
    assert remote.stdout == _embedded(*command)
    if command[-1] == "json":
        answer = json.loads(remote.stdout)
        assert answer["paths"] if command[0] == "path" else answer["hubs"][0]["label"] == "BDNF"


#: Example queries of every form, with what the answer holds: rows, triples, or the boolean of an ASK.
QUERIES = {
    "select": (("--file", "queries/techniques_reaching_bdnf.rq", "--format", "json"), "rows"),
    "select-conflicts": (("--file", "queries/conflicting_findings.rq", "--format", "json"), "rows"),
    "ask": (("--file", "queries/itbs_increases_bdnf.rq", "--format", "json"), True),
    "ask-false": (("ASK { nibs:iTBS nibs:decreases HGNC:1033 }", "--format", "json"), False),
    "construct": (("--file", "queries/bdnf_neighbourhood.rq", "--format", "nt"), "triples"),
}


@pytest.mark.parametrize("name", list(QUERIES))
def test_example_queries_through_virtuoso_equal_the_embedded_store(virtuoso: Virtuoso, name: str) -> None:
    query, holds = QUERIES[name]
    remote = _nibs("sparql", *query, "--endpoint", virtuoso.url)
    assert remote.returncode == 0, remote.stderr
    embedded = _embedded("sparql", *query)
    if holds == "triples":  # a graph: the same triples, in whatever order the engine sends them
        assert sorted(remote.stdout.splitlines()) == sorted(embedded.splitlines())
        assert embedded.count("\n") > 10
    elif holds == "rows":
        assert json.loads(remote.stdout) == json.loads(embedded)
        assert json.loads(embedded)["results"]["bindings"]
    else:
        assert json.loads(remote.stdout) == json.loads(embedded) == {"head": {}, "boolean": holds}


def test_an_answer_cut_at_virtuosos_row_cap_is_an_error_never_a_wrong_answer(capped: Virtuoso) -> None:
    """Virtuoso cuts every answer at its cap, marking only a ``SELECT`` (``X-SPARQL-MaxRows``); a projection fetched
    from it is counted, so ``path`` refuses a cut graph, and a cut ``SELECT`` is refused like one over our own cap."""
    path = _nibs("path", "iTBS", "mTOR", "--endpoint", capped.url)
    assert path.returncode == 2, path.stdout
    assert "ResultSetMaxRows" in path.stderr and "Traceback" not in path.stderr
    rows = _nibs("sparql", "SELECT * WHERE { ?s ?p ?o }", "--endpoint", capped.url)
    assert rows.returncode == 2 and "more than 1000 rows" in rows.stderr, rows.stderr
    few = _nibs("sparql", "SELECT * WHERE { ?s ?p ?o } LIMIT 10", "--format", "csv", "--endpoint", capped.url)
    assert few.returncode == 0 and few.stdout.count("\n") == 11, few.stderr
