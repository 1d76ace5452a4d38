"""``nibs-graph sparql`` and ``nibs-graph serve`` from the command line."""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from nibs_graph.cli import app

TESTS = Path(__file__).resolve().parent
TINY = TESTS / "data" / "tiny"
TECHNIQUES_UNDER_TBS = "SELECT ?t ?label WHERE { ?t rdfs:subClassOf nibs:TBS ; rdfs:label ?label } ORDER BY ?t"


def invoke(runner: Any, *args: str, input: str | None = None) -> Any:
    return runner.invoke(app, ["sparql", *args], input=input)


def test_table_is_the_default(runner: Any) -> None:
    result = invoke(runner, TECHNIQUES_UNDER_TBS, "--data", str(TINY))
    assert result.exit_code == 0, result.output
    assert "2 rows" in result.stdout
    assert "nibs:cTBS" in result.stdout and "nibs:iTBS" in result.stdout  # IRIs written as CURIEs
    assert "https://w3id.org" not in result.stdout


@pytest.mark.parametrize("fmt", ["json", "xml", "csv", "tsv"])
def test_standard_results_formats(runner: Any, fmt: str) -> None:
    from rdflib.query import Result

    result = invoke(runner, TECHNIQUES_UNDER_TBS, "--data", str(TINY), "--format", fmt)
    assert result.exit_code == 0
    if fmt in ("json", "xml"):
        parsed = Result.parse(io.BytesIO(result.stdout_bytes), format=fmt)
        assert [str(r[1]) for r in parsed] == ["cTBS", "iTBS"]
    elif fmt == "csv":
        assert list(csv.reader(io.StringIO(result.stdout))) == [
            ["t", "label"],
            ["https://w3id.org/nibs-graph/ontology#cTBS", "cTBS"],
            ["https://w3id.org/nibs-graph/ontology#iTBS", "iTBS"],
        ]
    else:
        assert result.stdout.splitlines()[1] == '<https://w3id.org/nibs-graph/ontology#cTBS>\t"cTBS"@en'


def test_ask(runner: Any) -> None:
    yes = invoke(runner, "ASK { nibs:iTBS nibs:increases HGNC:1033 }", "--data", str(TINY))
    assert yes.exit_code == 0 and yes.stdout.strip() == "true"
    no = invoke(runner, "ASK { nibs:iTBS nibs:decreases HGNC:1033 }", "--data", str(TINY), "--format", "json")
    assert no.exit_code == 0 and json.loads(no.stdout) == {"head": {}, "boolean": False}


def test_construct_and_describe_print_turtle(runner: Any) -> None:
    from rdflib import Graph, URIRef

    result = invoke(runner, "DESCRIBE HGNC:1033", "--data", str(TINY))
    assert result.exit_code == 0
    assert "@prefix HGNC: <https://identifiers.org/hgnc:>" in result.stdout
    graph = Graph().parse(data=result.stdout, format="turtle")
    assert (URIRef("https://identifiers.org/hgnc:1033"), None, URIRef("https://identifiers.org/hgnc:8032")) in graph
    nt = invoke(runner, "CONSTRUCT WHERE { nibs:iTBS rdfs:subClassOf ?p }", "--data", str(TINY), "-f", "nt")
    assert nt.stdout == (
        "<https://w3id.org/nibs-graph/ontology#iTBS> <http://www.w3.org/2000/01/rdf-schema#subClassOf> "
        "<https://w3id.org/nibs-graph/ontology#TBS> .\n"
    )
    wrong = invoke(runner, "DESCRIBE HGNC:1033", "--data", str(TINY), "--format", "csv")
    assert wrong.exit_code == 2 and "does not fit" in wrong.stderr


def test_query_from_a_file_and_from_stdin(runner: Any, tmp_path: Path) -> None:
    query = tmp_path / "q.rq"
    query.write_text("# a comment\n" + TECHNIQUES_UNDER_TBS + "\n", encoding="utf-8")
    from_file = invoke(runner, "--file", str(query), "--data", str(TINY), "-f", "csv")
    from_stdin = invoke(runner, "--file", "-", "--data", str(TINY), "-f", "csv", input=TECHNIQUES_UNDER_TBS)
    assert from_file.exit_code == from_stdin.exit_code == 0
    assert from_file.stdout == from_stdin.stdout and from_file.stdout.count("\n") == 3
    missing = invoke(runner, "--file", str(tmp_path / "nope.rq"), "--data", str(TINY))
    assert missing.exit_code == 2 and "no such file" in missing.stderr
    both = invoke(runner, "ASK {}", "--file", str(query))
    assert both.exit_code == 2


def test_exit_codes_and_messages(runner: Any) -> None:
    empty = invoke(runner, "SELECT * { ?s nibs:noSuchProperty ?o }", "--data", str(TINY))
    assert empty.exit_code == 1 and "no result" in empty.stderr
    empty_json = invoke(runner, "SELECT ?s { ?s nibs:noSuchProperty ?o }", "--data", str(TINY), "-f", "json")
    assert empty_json.exit_code == 1 and json.loads(empty_json.stdout)["results"]["bindings"] == []
    for query, message in (
        ("INSERT DATA { <urn:a> <urn:b> <urn:c> }", "read-only"),
        ("SELECT * { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }", "SERVICE"),
        ("SELECT * FROM <file:///etc/passwd> { ?s ?p ?o }", "FROM"),
        ("SELEC * {}", "syntax error at line 1, column 1"),
    ):
        result = invoke(runner, query, "--data", str(TINY))
        assert result.exit_code == 2, query
        assert message in result.stderr and "Traceback" not in result.stderr
    none = invoke(runner)
    assert none.exit_code == 2 and "no query" in none.stderr


def test_oxigraph_store_option(runner: Any, tmp_path: Path) -> None:
    folder = tmp_path / "store"
    args = ("--store", f"oxigraph:{folder}", "--data", str(TINY), "-f", "json")
    first = invoke(runner, TECHNIQUES_UNDER_TBS, *args)
    second = invoke(runner, TECHNIQUES_UNDER_TBS, "--store", f"oxigraph:{folder}", "-f", "json")
    memory = invoke(runner, TECHNIQUES_UNDER_TBS, "--data", str(TINY), "-f", "json")
    assert first.exit_code == second.exit_code == 0
    assert json.loads(first.stdout) == json.loads(second.stdout) == json.loads(memory.stdout)
    assert (folder / "nibs-graph-store.json").is_file()


def test_path_startup_imports_no_heavy_library() -> None:
    code = (
        "import sys, nibs_graph.cli\n"
        "heavy = [m for m in ('rdflib', 'starlette', 'uvicorn', 'pyoxigraph', 'httpx') if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=TESTS.parent)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""
    listed = subprocess.run(
        [sys.executable, "-m", "nibs_graph.cli", "--help"], capture_output=True, text=True, cwd=TESTS.parent
    )
    assert "sparql" in listed.stdout and "serve" in listed.stdout


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.server
def test_serve_runs_the_endpoint_and_stops_cleanly() -> None:
    import httpx

    port = _free_port()
    command = [sys.executable, "-m", "nibs_graph.cli", "serve", "--port", str(port), "--data", str(TINY)]
    process = subprocess.Popen(
        [*command, "--timeout", "3", "--workers", "2"],
        cwd=TESTS.parent,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = f"http://127.0.0.1:{port}/sparql"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, process.communicate()
            try:
                reply = httpx.get(url, params={"query": "ASK { nibs:iTBS nibs:increases HGNC:1033 }"}, timeout=5)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.2)
        assert reply.status_code == 200 and reply.json()["boolean"] is True
        assert httpx.get(f"http://127.0.0.1:{port}/").status_code == 200
        children = subprocess.run(["pgrep", "-P", str(process.pid)], capture_output=True, text=True).stdout.split()
        assert len(children) == 3  # the worker processes: two for long queries, one kept for quick ones
    finally:
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    assert "Traceback" not in err
    for pid in children:
        with pytest.raises(ProcessLookupError):
            os.kill(int(pid), 0)


def test_serve_reports_a_store_that_cannot_open(runner: Any, tmp_path: Path) -> None:
    folder = tmp_path / "foreign"
    folder.mkdir()
    (folder / "x.txt").write_text("x")
    result = runner.invoke(app, ["serve", "--store", f"oxigraph:{folder}", "--port", "0"])
    assert result.exit_code == 2 and "not built by nibs-graph" in result.stderr
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "entities.csv").write_text("id\n")
    result = runner.invoke(app, ["serve", "--data", str(broken), "--port", "0", "--workers", "2"])
    assert result.exit_code == 2 and "could not open the store" in result.stderr


CLIENT_LIMITS = (
    "--header-timeout",
    "--body-timeout",
    "--max-connections",
    "--max-connections-per-client",
    "--workers",
    "--quick-workers",
    "--quick-timeout",
    "--queue-timeout",
    "--cache-mb",
)


def test_serve_limits_are_options_documented_in_help_docs_and_security(runner: Any) -> None:
    result = runner.invoke(app, ["serve", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    docs = (TESTS.parent / "docs" / "sparql.md").read_text(encoding="utf-8")
    security = (TESTS.parent / "SECURITY.md").read_text(encoding="utf-8")
    for option in CLIENT_LIMITS:
        assert option in result.stdout, option
        assert f"`{option} " in docs, option
        assert option in security, option


def test_serve_refuses_a_queue_timeout_not_below_the_time_limit(runner: Any) -> None:
    result = runner.invoke(app, ["serve", "--timeout", "5", "--queue-timeout", "5", "--port", "0"])
    assert result.exit_code == 2
    assert "--queue-timeout (5) must be less than --timeout (5)" in result.stderr
