"""The query guard (updates, SERVICE, dataset clauses, nesting) and the results formats / content negotiation."""

from __future__ import annotations

import csv
import io
import json

import pytest

from nibs_graph.sparql.formats import (
    QueryResult,
    format_from_name,
    literal,
    negotiate,
    render,
    term_to_sparql,
    uri,
)
from nibs_graph.sparql.guard import DEFAULT_PREFIXES, MAX_DEPTH, QueryRefused, check_query

UPDATES = [
    "INSERT DATA { <urn:a> <urn:b> <urn:c> }",
    "DELETE DATA { <urn:a> <urn:b> <urn:c> }",
    "DELETE WHERE { ?s ?p ?o }",
    "PREFIX ex: <http://example.org/> INSERT { ?s ex:p 1 } WHERE { ?s ?p ?o }",
    "WITH <urn:g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
    "LOAD <http://127.0.0.1:9/data.ttl>",
    "LOAD SILENT <file:///etc/passwd> INTO GRAPH <urn:g>",
    "CLEAR ALL",
    "clear default",
    "DROP GRAPH <urn:g>",
    "CREATE GRAPH <urn:g>",
    "ADD DEFAULT TO <urn:g>",
    "MOVE <urn:a> TO <urn:b>",
    "COPY <urn:a> TO DEFAULT",
    "# a comment first\nINSERT DATA { <urn:a> <urn:b> <urn:c> }",
    "BASE <http://example.org/> PREFIX x: <http://x/> DROP ALL",
    "INSERT DATA { <urn:a> <urn:b> <urn:c> } ; DROP ALL",
]


@pytest.mark.parametrize("text", UPDATES)
def test_updates_are_refused_with_403(text: str) -> None:
    with pytest.raises(QueryRefused) as info:
        check_query(text)
    assert info.value.status == 403
    assert info.value.reason == "update"
    assert "read-only" in str(info.value)


@pytest.mark.parametrize(
    "text",
    [
        "SELECT * { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
        "SELECT * { SERVICE SILENT <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
        "SELECT * { ?s ?p ?o OPTIONAL { SERVICE <http://127.0.0.1:9/> { ?s ?q ?r } } }",
        "SELECT * { { SELECT * { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } } } }",
        "SELECT * { FILTER EXISTS { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } } }",
        "ASK { SERVICE <file:///etc/passwd> { ?s ?p ?o } }",
        "CONSTRUCT { ?s ?p ?o } WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }",
        "SELECT * { service <http://127.0.0.1:9/> { ?s ?p ?o } }",
        # codepoint escapes are expanded before parsing (SPARQL 1.1, 19.2): the escaped keyword is seen
        "SELECT * { \\u0053ERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }",
        "SELECT * { ?x ?y ?z . \\U00000053ERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }",
    ],
)
def test_service_is_refused(text: str) -> None:
    with pytest.raises(QueryRefused) as info:
        check_query(text)
    assert info.value.status == 400
    assert info.value.reason == "service"


@pytest.mark.parametrize(
    "text",
    [
        "SELECT * FROM <http://127.0.0.1:9/x> { ?s ?p ?o }",
        "SELECT * FROM NAMED <http://127.0.0.1:9/x> { ?s ?p ?o }",
        "SELECT * FROM <file:///etc/passwd> { ?s ?p ?o }",
        "ASK FROM <http://127.0.0.1:9/x> { ?s ?p ?o }",
        "CONSTRUCT { ?s ?p ?o } FROM <http://127.0.0.1:9/x> WHERE { ?s ?p ?o }",
        "DESCRIBE ?s FROM <http://127.0.0.1:9/x> WHERE { ?s ?p ?o }",
    ],
)
def test_unknown_dataset_clauses_are_refused(text: str) -> None:
    with pytest.raises(QueryRefused) as info:
        check_query(text)
    assert info.value.status == 400
    assert info.value.reason == "dataset"


def test_a_known_graph_may_be_named() -> None:
    checked = check_query("SELECT * FROM <urn:g> { ?s ?p ?o }", known_graphs=["urn:g"])
    assert checked.form == "SELECT"


def test_keywords_inside_strings_iris_comments_and_names_are_not_mistaken() -> None:
    text = (
        "PREFIX ex: <http://example.org/service/from/>\n"
        "SELECT ?from ?service WHERE {  # SERVICE <http://x/> and FROM <http://y/> in a comment\n"
        '  ?from ex:service ?service ; ex:FROM "SERVICE <http://z/> { }" .\n'
        "  FILTER(?service != 'FROM <http://w/>')\n"
        "}"
    )
    checked = check_query(text)
    assert checked.variables == ("from", "service")


def test_the_lexical_backstop_refuses_a_keyword_the_parser_did_not_see() -> None:
    # a literal that rdflib and the lexer read differently must not let a SERVICE keyword through
    from nibs_graph.sparql import guard

    assert "SERVICE" in guard._words(guard._code("SELECT * { SERVICE <x> {} }"))
    assert "SERVICE" not in guard._words(guard._code('SELECT * { ?s ?p "SERVICE <x> {}" }'))
    assert "SERVICE" not in guard._words(guard._code("SELECT * { ?s ex:SERVICE ?o . ?service ?p ?o }"))


def test_default_prefixes_are_bound_and_the_querys_own_win() -> None:
    assert set(DEFAULT_PREFIXES) >= {"nibs", "nibsdata", "nibsent", "HGNC", "FPLX", "CHEBI", "rdfs", "skos", "prov"}
    checked = check_query("SELECT ?t { ?t rdfs:subClassOf nibs:TBS }")
    assert checked.prefixes["nibs"] == "https://w3id.org/nibs-graph/ontology#"
    own = check_query("PREFIX nibs: <http://other/> SELECT (nibs:x AS ?x) {}")
    assert "nibs" not in own.prefixes
    assert own.with_prologue().count("PREFIX nibs:") == 1  # only the query's own declaration
    line_one = check_query("ASK {\n?s ?p ?o }").with_prologue().splitlines()
    assert len(line_one) == 2 and line_one[0].endswith("ASK {")


def test_forms_and_variables() -> None:
    assert check_query("SELECT ?b ?a { ?a ?p ?b }").variables == ("b", "a")
    assert check_query("ASK { ?s ?p ?o }").kind == "boolean"
    assert check_query("CONSTRUCT WHERE { ?s ?p ?o }").kind == "graph"
    assert check_query("DESCRIBE nibs:iTBS").form == "DESCRIBE"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("SELEC * { ?s ?p ?o }", "syntax error at line 1, column 1"),
        ("SELECT * WHERE {\n  ?s ?p \n}", "syntax error at line"),
        ("SELECT * { ?s unknownprefix:p ?o }", "unknown prefix unknownprefix:"),
        ("", "the query is empty"),
        ("   \n ", "the query is empty"),
    ],
)
def test_malformed_queries_get_the_parsers_message(text: str, expected: str) -> None:
    with pytest.raises(QueryRefused) as info:
        check_query(text)
    assert info.value.status == 400
    assert expected in str(info.value)
    assert "Traceback" not in str(info.value) and ".py" not in str(info.value)


def test_deeply_nested_queries_are_refused_without_a_traceback() -> None:
    deep = "SELECT * { FILTER(" + "(" * (MAX_DEPTH + 5) + "1" + ")" * (MAX_DEPTH + 5) + ") }"
    with pytest.raises(QueryRefused) as info:
        check_query(deep)
    assert info.value.status == 400 and "nested" in str(info.value)
    braces = "SELECT * " + "{" * 500 + "?s ?p ?o" + "}" * 500
    with pytest.raises(QueryRefused) as info:
        check_query(braces)
    assert "nested" in str(info.value)
    # deep for rdflib's parser with the default recursion limit, below MAX_DEPTH
    medium = "SELECT * { FILTER(" + "(" * 30 + "1" + ")" * 30 + ") }"
    try:
        check_query(medium)
    except QueryRefused as exc:
        assert exc.status == 400 and "nested too deeply" in str(exc)


def test_size_cap_gives_413() -> None:
    with pytest.raises(QueryRefused) as info:
        check_query("ASK { ?s ?p ?o }" + " " * 100, max_bytes=50)
    assert info.value.status == 413


# ---------------------------------------------------------------------------------------------- formats

ROWS = QueryResult(
    "SELECT",
    variables=["s", "label", "n", "missing"],
    rows=[
        {"s": uri("https://identifiers.org/hgnc:1033"), "label": literal('BDNF, "mature"\tform', lang="en")},
        {
            "s": {"type": "bnode", "value": "b0"},
            "n": literal("3", "http://www.w3.org/2001/XMLSchema#integer"),
            "label": literal("line\nbreak"),
        },
    ],
)


def test_json_round_trips_through_rdflibs_parser() -> None:
    from rdflib.query import Result

    body = render(ROWS, "json")
    parsed = Result.parse(io.BytesIO(body), format="json")
    assert [str(v) for v in parsed.vars] == ["s", "label", "n", "missing"]
    rows = list(parsed)
    assert str(rows[0]["label"]) == 'BDNF, "mature"\tform' and rows[0]["label"].language == "en"
    assert rows[1]["n"].toPython() == 3
    assert json.loads(body)["results"]["bindings"][0]["s"] == {
        "type": "uri",
        "value": "https://identifiers.org/hgnc:1033",
    }


def test_xml_round_trips_through_rdflibs_parser() -> None:
    from rdflib.query import Result

    parsed = Result.parse(io.BytesIO(render(ROWS, "xml")), format="xml")
    rows = list(parsed)
    assert str(rows[0]["s"]) == "https://identifiers.org/hgnc:1033"
    assert str(rows[1]["label"]) == "line\nbreak"
    assert rows[1]["n"].toPython() == 3


def test_csv_and_tsv_follow_the_w3c_results_formats() -> None:
    body = render(ROWS, "csv").decode()
    assert body.endswith("\r\n")
    table = list(csv.reader(io.StringIO(body)))
    assert table[0] == ["s", "label", "n", "missing"]
    assert table[1] == ["https://identifiers.org/hgnc:1033", 'BDNF, "mature"\tform', "", ""]
    assert table[2][0] == "_:b0"
    tsv = render(ROWS, "tsv").decode().split("\n")
    assert tsv[0] == "?s\t?label\t?n\t?missing"
    assert tsv[1] == '<https://identifiers.org/hgnc:1033>\t"BDNF, \\"mature\\"\\tform"@en\t\t'
    assert tsv[2] == '_:b0\t"line\\nbreak"\t"3"^^<http://www.w3.org/2001/XMLSchema#integer>\t'


def test_ask_in_every_results_format() -> None:
    yes = QueryResult("ASK", boolean=True)
    assert json.loads(render(yes, "json")) == {"head": {}, "boolean": True}
    assert b"<boolean>true</boolean>" in render(yes, "xml")
    assert render(QueryResult("ASK", boolean=False), "csv") == b"_askResult\r\nfalse\r\n"
    assert render(yes, "tsv") == b"?_askResult\ntrue\n"


def test_graph_formats_parse_back() -> None:
    from rdflib import Graph

    graph = QueryResult(
        "CONSTRUCT",
        triples=[
            (
                uri("https://w3id.org/nibs-graph/ontology#iTBS"),
                uri("http://www.w3.org/2000/01/rdf-schema#label"),
                literal("iTBS", lang="en"),
            ),
            (
                uri("https://w3id.org/nibs-graph/ontology#iTBS"),
                uri("https://w3id.org/nibs-graph/ontology#increases"),
                uri("https://identifiers.org/hgnc:1033"),
            ),
        ],
    )
    turtle = render(graph, "turtle").decode()
    assert "nibs:iTBS" in turtle and "HGNC:1033" in turtle  # documented prefixes used
    for fmt, parser in (("turtle", "turtle"), ("nt", "nt"), ("jsonld", "json-ld"), ("rdfxml", "xml")):
        assert len(Graph().parse(data=render(graph, fmt), format=parser)) == 2
    with pytest.raises(ValueError):
        render(graph, "csv")
    with pytest.raises(ValueError):
        render(ROWS, "turtle")


def test_term_syntax() -> None:
    assert term_to_sparql(literal("a\\b")) == '"a\\\\b"'
    assert term_to_sparql({"type": "bnode", "value": "x"}) == "_:x"


@pytest.mark.parametrize(
    ("accept", "kind", "expected"),
    [
        (None, "bindings", "json"),
        ("", "graph", "turtle"),
        ("*/*", "bindings", "json"),
        ("*/*", "graph", "turtle"),
        ("application/sparql-results+xml", "bindings", "xml"),
        ("application/sparql-results+json", "boolean", "json"),
        ("application/json", "bindings", "json"),
        ("text/csv", "bindings", "csv"),
        ("text/tab-separated-values", "bindings", "tsv"),
        ("text/csv;q=0.2, application/sparql-results+xml;q=0.9", "bindings", "xml"),
        ("text/*", "bindings", "csv"),
        ("application/n-triples", "graph", "nt"),
        ("application/ld+json", "graph", "jsonld"),
        ("application/rdf+xml", "graph", "rdfxml"),
        ("text/turtle;q=0.5, application/n-triples", "graph", "nt"),
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "bindings", "xml"),
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "graph", "turtle"),
        ("image/png", "bindings", None),
        ("application/sparql-results+json", "graph", None),
        ("text/turtle", "bindings", None),
        ("application/sparql-results+json;q=0", "bindings", None),
    ],
)
def test_negotiation(accept: str | None, kind: str, expected: str | None) -> None:
    assert negotiate(accept, kind) == expected


def test_format_names() -> None:
    assert format_from_name("json", "bindings") == "json"
    assert format_from_name("json", "graph") == "jsonld"
    assert format_from_name("text/csv", "boolean") == "csv"
    assert format_from_name("csv", "graph") is None


# ---------------------------------------------------------------------------------------------- soundness

# Disguises of SERVICE that a lexer could miss. Each must be refused by the guard, or run by Oxigraph (the engine
# of both local stores) without a connection to the listening socket.
DISGUISES = [
    "SELECT * { SERVICE <{E}> { ?s ?p ?o } }",
    "select * { service <{E}> { ?s ?p ?o } }",
    "SELECT * { SERVICE<{E}>{ ?s ?p ?o } }",
    "SELECT * { SERVICEex:x { ?s ?p ?o } }",  # Oxigraph needs no word boundary after a keyword
    "SELECT * { ?s ?p ?o.SERVICE <{E}> { ?s ?p ?o } }",
    "SELECT * { ?s ?p 1 SERVICE <{E}> { ?s ?p ?o } } ",
    "SELECT * { ?s ?p ?o }#\nSERVICE",
    "SELECT * { ?s ?p ?o OPTIONAL { SERVICE SILENT <{E}> { ?s ?p ?o } } }",
    "SELECT * { ?s ?p ?o MINUS{SERVICE <{E}>{?s ?p ?o}} }",
    "SELECT * WHERE { ?s ?p ?o FILTER EXISTS{SERVICE <{E}>{?s ?p ?o}} }",
    "SELECT * { ?s ?p ?o FILTER NOT EXISTS{SERVICE <{E}>{?s ?p ?o}} }",
    "SELECT * { { SELECT * { SERVICE <{E}> { ?s ?p ?o } } } }",
    "SELECT * { ?s ?p ?o \\u0053ERVICE <{E}> { ?s ?p ?o } }",
    "SELECT * { ?s ?p ?o \\U00000053ERVICE <{E}> { ?s ?p ?o } }",
    # '<' read as less-than by the engine while a lexer reads an IRI up to a later '>'
    "SELECT * { ?s ?p ?o FILTER(?o<'>') SERVICE <{E}> { ?s ?p ?o } FILTER(?o != 'z') }",
    "SELECT * { ?s ?p ?o FILTER(?o<2)SERVICE ex:#>\n{?a ?b ?c} }",
    "SELECT * { ?s ?p ?o FILTER(?o<2)#>'''\nSERVICE <{E}> {?a ?b ?c}\n#''' }",
    "SELECT * { ?s ?p ?o FILTER(?o<?o#>)\n&&?o<2)SERVICE ex:#>\n{ ?a ?b ?c } }",
    "SELECT * { ?s ?p ?o FILTER(?o<(1)SERVICE ex:#>\n{ ?a ?b ?c } }",
    "SELECT * { ?s ?p ?o BIND(1 AS ?c) FILTER(?o<2)SERVICE?c#>\n{?a ?b ?c} }",
    # escaped characters in prefixed names are part of the name, not a string or a comment
    "SELECT * { ?s ex:a\\' SERVICE <{E}> { ?s ?p ?o } ?s ex:b\\' ?o }",
    "SELECT * { ?s ex:a\\# SERVICE <{E}> { ?s ?p ?o } }",
    # keywords inside names, strings and comments are not keywords
    "SELECT * { ?s ?p ?o . ?s ex:service ?service } # SERVICE <{E}> {}",
    'SELECT * { ?s ?p "SERVICE <{E}> { ?s ?p ?o }" }',
    "SELECT * { ?s ?p '''\nSERVICE <{E}> { ?s ?p ?o }\n''' }",
    # the IRI of a FROM is a named graph to Oxigraph: it never fetches it, and the guard refuses it anyway
    "SELECT * FROM <{E}> { ?s ?p ?o }",
    "SELECT * FROMex:x { ?s ?p ?o }",
]


def test_every_disguised_service_is_refused_or_never_connects() -> None:
    import socket
    import threading

    import pyoxigraph

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    listener.settimeout(0.2)
    endpoint = f"http://127.0.0.1:{listener.getsockname()[1]}/sparql"
    connections: list[object] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            connections.append(conn)
            conn.close()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    store = pyoxigraph.Store()
    store.add(pyoxigraph.Quad(pyoxigraph.NamedNode("urn:s"), pyoxigraph.NamedNode("urn:p"), pyoxigraph.Literal(1)))
    outcomes = {}
    try:
        for template in DISGUISES:
            text = template.replace("{E}", endpoint)
            prefixes = {"ex": endpoint}
            try:
                checked = check_query(text, parse=False)
            except QueryRefused as exc:
                outcomes[template] = f"refused ({exc.reason})"
                continue
            before = len(connections)
            try:
                result = store.query(checked.text, prefixes={**checked.prefixes, **prefixes}, base_iri=endpoint)
                list(result) if not isinstance(result, pyoxigraph.QueryBoolean) else bool(result)
            except (SyntaxError, OSError, RuntimeError, ValueError):
                pass
            stop.wait(0.3)
            outcomes[template] = "connected" if len(connections) > before else "ran, no connection"
    finally:
        stop.set()
        thread.join()
        listener.close()
    assert not [t for t, outcome in outcomes.items() if outcome == "connected"], outcomes
    # the real SERVICE calls are refused as such
    assert outcomes[DISGUISES[0]] == outcomes[DISGUISES[3]] == outcomes[DISGUISES[4]] == "refused (service)"
    assert {outcomes[DISGUISES[i]] for i in (14, 16, 17, 19)} == {"refused (ambiguous)"}
    # and what only looks like one runs
    assert outcomes[DISGUISES[22]] == outcomes[DISGUISES[23]] == "ran, no connection"


def test_an_iri_that_could_be_code_is_refused_with_advice_and_plain_iris_pass() -> None:
    with pytest.raises(QueryRefused) as info:
        check_query("SELECT * { ?s ?p ?o FILTER(?o<2)SERVICE?c#>\n{?a ?b ?c} }")
    assert info.value.reason == "ambiguous" and "prefixed name" in str(info.value)
    # the common cases: IRIs after an operator, in patterns, in VALUES and in function calls
    for text in (
        "SELECT * { ?s ?p ?o FILTER(?p = <https://w3id.org/nibs-graph/ontology#increases>) }",
        "SELECT * { ?s <https://w3id.org/nibs-graph/ontology#increases> ?o }",
        "SELECT * { VALUES ?t { <https://w3id.org/nibs-graph/ontology#iTBS> } ?t ?p ?o }",
        "SELECT * { ?s ?p ?o FILTER(?o IN (<urn:a#1>, <urn:b#2>)) }",
        'SELECT * { BIND(<http://www.w3.org/2001/XMLSchema#integer>("1") AS ?n) }',
        "SELECT * { ?s ?p ?o FILTER(?o < 2 && ?o > 0) }",
        "SELECT * { ?s ?p ?o FILTER(?o<2&&?o>0) }",
        "SELECT * { ?s (<urn:p>|<urn:q>)+ ?o }",
    ):
        assert check_query(text).form == "SELECT", text


def test_isolated_workers_cannot_reach_a_loopback_listener() -> None:
    """Below the guard: a worker in its own network namespace cannot connect even to 127.0.0.1 of the host."""
    import socket
    import subprocess
    import sys

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    port = listener.getsockname()[1]
    code = (
        "import socket, sys\n"
        "from nibs_graph.sparql.worker import isolate_network\n"
        "isolated = isolate_network()\n"
        "try:\n"
        f"    socket.create_connection(('127.0.0.1', {port}), timeout=2).close(); reached = True\n"
        "except OSError:\n"
        "    reached = False\n"
        "print(isolated, reached)\n"
    )
    try:
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    finally:
        listener.close()
    isolated, reached = out.stdout.split()
    if isolated == "False":
        pytest.skip("this kernel does not allow unprivileged network namespaces: the guard is the only line here")
    assert reached == "False"


@pytest.mark.parametrize(
    "text",
    [
        "SELECT * { ?s ?p ?o } LIMIT 12345678901234567890123456",
        "SELECT * { ?s ?p ?o } LIMIT12345678901234567890123456",
        "SELECT * { ?s ?p ?o } OFFSET 12345678901234567890123456",
        "SELECT * { ?s ?p ?o } LIMIT 1 offset 99999999999999999999",
        "SELECT * { ?s ?p ?o } LIMIT " + "9" * 5000,
    ],
)
def test_limit_and_offset_overflow_is_a_clear_400(text: str) -> None:
    with pytest.raises(QueryRefused) as caught:
        check_query(text)
    assert caught.value.status == 400
    message = str(caught.value)
    assert "is too large: LIMIT and OFFSET may be at most 1000000000000000000" in message
    assert "islice" not in message and "expected one of" not in message and len(message) < 200


def test_the_largest_limit_and_offset_run() -> None:
    checked = check_query("SELECT * { ?s ?p ?o } LIMIT 1000000000000000000 OFFSET 1000000000000000000")
    assert checked.form == "SELECT"
    assert check_query('SELECT * { ?s ?p "LIMIT 99999999999999999999999" }').form == "SELECT"


def test_the_fast_scan_equals_the_character_by_character_lexer(monkeypatch: pytest.MonkeyPatch) -> None:
    """The scan copies runs of plain characters in one step; on every text it must say what the lexer reading one
    character at a time says (the same code, the same IRIs, the same refusals), so the corpus above proves both.

    Without the run pattern (one that never matches) the scan is that character-by-character lexer.
    """
    import random
    import re

    from nibs_graph.sparql import guard

    pieces = [
        "SELECT", "*", "{", "}", "(", ")", "[", "]", "?o", "<", ">", "<urn:a#b>", "<2", "'", '"', "'''", '"""',
        "#", "\n", "\r", " ", "\t", "\u00a0", "\u2028", "\x1c", "SERVICE", "service", "FROM", "ex:a\\'", "\\",
        "&&", "!", "=", ",", "FILTER", "1", ";", ".", "ex:", "\u00e9",
    ]  # fmt: skip
    rng = random.Random(13)
    texts = [t.replace("{E}", "http://127.0.0.1:9/") for t in DISGUISES + UPDATES]
    texts += ["".join(rng.choice(pieces) for _ in range(rng.randint(1, 40))) for _ in range(5000)]

    def outcome(function: object, text: str) -> object:
        try:
            result = function(text)  # type: ignore[operator]
        except QueryRefused as exc:
            return ("refused", str(exc))
        return (result.code, result.iris) if hasattr(result, "code") else result

    fast = [outcome(guard.scan, t) for t in texts]
    monkeypatch.setattr(guard, "_PLAIN", re.compile(r"(?!)"))
    slow = [outcome(guard.scan, t) for t in texts]
    differ = [t for t, a, b in zip(texts, fast, slow, strict=True) if a != b]
    assert not differ, differ[:5]
    assert sum(1 for result in fast if result[0] == "refused") > 20  # the texts reach the refusals too
