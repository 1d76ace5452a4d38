"""Hostile graph files (issue #15, item 2): no network and no file but the one named, entity declarations refused,
and limits on size, prefixes, nesting and list length checked before rdflib sees the input."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from nibs_graph.cli import app
from nibs_graph.errors import GraphFileError
from nibs_graph.graphfile import check_graph_text
from nibs_graph.rdf import read_graph

from .conftest import TINY


class Listener:
    """A TCP listener on 127.0.0.1 (port 0) that records every connection it accepts."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            body = b'{"@context": {"ex": "http://example.org/"}}'
            conn.sendall(b"HTTP/1.0 200 OK\r\nContent-Type: application/ld+json\r\n\r\n" + body)
            conn.close()

    def close(self) -> None:
        self.stop.set()
        self.thread.join()
        self.sock.close()


@pytest.fixture()
def listener() -> Iterator[Listener]:
    found = Listener()
    yield found
    found.close()


def _jsonld(context: object) -> str:
    return json.dumps(
        {"@context": context, "@id": "http://example.org/a", "http://www.w3.org/2000/01/rdf-schema#label": "A"}
    )


@pytest.mark.parametrize(
    "where",
    ["top", "array", "nested", "import", "file", "relative"],
)
def test_jsonld_context_never_fetched(runner, tmp_path: Path, listener: Listener, where: str) -> None:  # type: ignore[no-untyped-def]
    url = f"http://127.0.0.1:{listener.port}/context.jsonld"
    (tmp_path / "ctx.jsonld").write_text('{"@context": {"ex": "http://example.org/"}}')
    documents = {
        "top": _jsonld(url),
        "array": _jsonld([{"ex": "http://example.org/"}, url]),
        "nested": json.dumps(
            {"@context": {"ex": "http://example.org/"}, "@id": "ex:a", "ex:p": {"@context": url, "@id": "ex:b"}}
        ),
        "import": _jsonld({"@import": url, "ex": "http://example.org/"}),
        "file": _jsonld("file:///etc/passwd"),
        "relative": _jsonld("ctx.jsonld"),
    }
    graph = tmp_path / "hostile.jsonld"
    graph.write_text(documents[where])
    for args in (["hubs", "--graph", str(graph)], ["export", "nt", str(tmp_path / "out.nt"), "--graph", str(graph)]):
        result = runner.invoke(app, args)
        assert result.exit_code == 2, result.output
        assert "@context" in result.stderr or "@import" in result.stderr
        assert "never fetches" in result.stderr and "root:" not in result.stderr
    time.sleep(0.3)
    assert listener.connections == 0


def test_jsonld_context_not_fetched_by_the_endpoint_store(tmp_path: Path, listener: Listener) -> None:
    """`serve --graph` and `sparql --graph` load through the same reader, before any worker starts."""
    from nibs_graph.sparql.stores import MemoryStore

    graph = tmp_path / "hostile.jsonld"
    graph.write_text(_jsonld(f"http://127.0.0.1:{listener.port}/c"))
    with pytest.raises(GraphFileError, match="never fetches"):
        MemoryStore.from_source(graph_file=graph)
    time.sleep(0.3)
    assert listener.connections == 0


_BOMB = """<?xml version="1.0"?>
<!DOCTYPE rdf:RDF [
 <!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">
 <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
 <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
 <!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
 <!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">
 <!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">
]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:rdfs="http://www.w3.org/2000/01/rdf-schema#">
  <rdf:Description rdf:about="http://example.org/a"><rdfs:label>&f;</rdfs:label></rdf:Description>
</rdf:RDF>
"""

_XXE = """<?xml version="1.0"?>
<!DOCTYPE rdf:RDF [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:rdfs="http://www.w3.org/2000/01/rdf-schema#">
  <rdf:Description rdf:about="http://example.org/a"><rdfs:label>&xxe;</rdfs:label></rdf:Description>
</rdf:RDF>
"""


@pytest.mark.timeout(60)
@pytest.mark.parametrize("document", [_BOMB, _XXE], ids=["entity-bomb", "external-entity"])
def test_xml_entities_refused_fast(runner, tmp_path: Path, document: str) -> None:  # type: ignore[no-untyped-def]
    graph = tmp_path / "hostile.rdf"
    graph.write_text(document)
    start = time.perf_counter()
    result = runner.invoke(app, ["hubs", "--graph", str(graph)])
    assert time.perf_counter() - start < 5
    assert result.exit_code == 2 and "<!DOCTYPE" in result.stderr and "root:" not in result.output


@pytest.mark.timeout(60)
def test_forty_thousand_prefixes_refused_fast(runner, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    graph = tmp_path / "prefixes.ttl"
    graph.write_text("".join(f"@prefix p{i}: <http://example.org/{i}/> .\n" for i in range(40_000)))
    start = time.perf_counter()
    result = runner.invoke(app, ["hubs", "--graph", str(graph)])
    assert time.perf_counter() - start < 5  # rdflib alone took 87 s
    assert result.exit_code == 2
    assert "past the limit of 1,000 prefix declarations" in result.stderr
    assert "NIBS_GRAPH_MAX_PREFIXES" in result.stderr


def test_prefix_limit_can_be_raised(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    graph = tmp_path / "prefixes.ttl"
    graph.write_text("".join(f"PREFIX p{i}: <http://example.org/{i}/>\n" for i in range(1_500)) + "p1:a p2:b p3:c .\n")
    with pytest.raises(GraphFileError, match="NIBS_GRAPH_MAX_PREFIXES"):
        read_graph(graph)
    monkeypatch.setenv("NIBS_GRAPH_MAX_PREFIXES", "2000")
    assert len(read_graph(graph)) == 1


@pytest.mark.timeout(60)
def test_huge_list_refused_fast(tmp_path: Path) -> None:
    graph = tmp_path / "list.ttl"
    graph.write_text("@prefix ex: <http://example.org/> .\nex:a ex:b (" + " 1" * 1_000_000 + " ) .\n")
    start = time.perf_counter()
    with pytest.raises(GraphFileError, match=r"more than 100,000 items.*NIBS_GRAPH_MAX_LIST_ITEMS"):
        read_graph(graph)
    assert time.perf_counter() - start < 5  # rdflib alone: 42 s and 3 GB for a 7 MB list


def test_deep_nesting_refused(tmp_path: Path) -> None:
    graph = tmp_path / "deep.ttl"
    graph.write_text("@prefix ex: <http://example.org/> .\nex:a ex:p " + "[ ex:p " * 200 + "1" + " ]" * 200 + " .\n")
    with pytest.raises(GraphFileError, match=r"nested 65 deep.*NIBS_GRAPH_MAX_NESTING"):
        read_graph(graph)
    deep = tmp_path / "deep.jsonld"
    deep.write_text('{"@id": "http://example.org/a", "http://example.org/p": ' + "[" * 100 + "1" + "]" * 100 + "}")
    with pytest.raises(GraphFileError, match="NIBS_GRAPH_MAX_NESTING"):
        read_graph(deep)


def test_size_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    graph = tmp_path / "big.nt"
    graph.write_bytes(b"<http://example.org/a> <http://example.org/b> <http://example.org/c> .\n" * 30_000)
    monkeypatch.setenv("NIBS_GRAPH_MAX_GRAPH_MB", "1")
    with pytest.raises(GraphFileError, match=r"past the limit of 1 MB .*NIBS_GRAPH_MAX_GRAPH_MB"):
        read_graph(graph)


@pytest.mark.timeout(60)
@pytest.mark.parametrize("fmt", ["turtle", "json-ld"])
def test_malformed_strings_checked_in_linear_time(fmt: str) -> None:
    text = ('"\\' * 500_000).encode() if fmt == "turtle" else b'{"a": "' + b"\\u" * 500_000
    start = time.perf_counter()
    with pytest.raises(GraphFileError, match="not a readable"):
        check_graph_text(text, fmt, "bad")
    assert time.perf_counter() - start < 5


@pytest.mark.parametrize("fmt,suffix", [("turtle", "ttl"), ("json-ld", "jsonld"), ("xml", "rdf"), ("nt", "nt")])
def test_real_graphs_pass_the_checks(runner, tmp_path: Path, fmt: str, suffix: str) -> None:  # type: ignore[no-untyped-def]
    from nibs_graph.api import load_rdf

    graph = tmp_path / f"tiny.{suffix}"
    load_rdf(TINY).serialize(graph, format=fmt)
    expected = runner.invoke(app, ["hubs", "--data", str(TINY), "-f", "json"])
    result = runner.invoke(app, ["hubs", "--graph", str(graph), "-f", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["hubs"] == json.loads(expected.stdout)["hubs"]


def test_errors_doc_shows_the_real_messages() -> None:
    """The lines docs/errors.md shows for refused graph files and output files are what nibs-graph says."""
    from nibs_graph.errors import ExportError
    from nibs_graph.export.atomic import check_target

    from .conftest import ROOT

    doc = (ROOT / "docs" / "errors.md").read_text(encoding="utf-8")
    cases = [
        (_jsonld("http://example.org/context.jsonld").encode(), "json-ld", "g.jsonld"),
        (_XXE.encode(), "xml", "g.rdf"),
        ("".join(f"@prefix p{i}: <http://example.org/{i}/> .\n" for i in range(1_001)).encode(), "turtle", "g.ttl"),
    ]
    for data, fmt, label in cases:
        with pytest.raises(GraphFileError) as caught:
            check_graph_text(data, fmt, label)
        assert f"Error: {caught.value}" in doc
    with pytest.raises(ExportError) as refused:
        check_target("/dev/null")
    assert f"Error: {refused.value}" in doc
