"""Run the W3C SPARQL 1.1 Protocol test suite (``protocol/manifest.ttl``) against a live endpoint.

Each test is one or more HTTP requests with the expected status class, result format and ``ASK`` answer. The
outcome of a test is

* ``pass``: every request answered as the manifest expects;
* ``refused (update)``: the test expects an update to succeed and the endpoint, which is read-only, answered 403
  (the Protocol lets a service refuse an operation it does not offer);
* ``refused (dataset)``: the test names an RDF dataset (``default-graph-uri``, ``named-graph-uri`` or ``FROM``)
  and the endpoint, which serves only its own default graph, answered 400 (Protocol, section 2.1.4: a service may
  refuse a dataset it is unwilling to use);
* ``fail``: anything else.

Several query tests (``query_get``, ``query_post_form``, ``query_content_type_*``) carry
``default-graph-uri=…/data0.rdf``, a graph the suite never supplies; :func:`run_suite` with ``own_dataset=True``
also runs them without that parameter (the endpoint's own dataset), where they must pass.

Usage: ``python -m tests.w3c.runner http://127.0.0.1:8000/sparql``
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

MANIFEST = Path(__file__).resolve().parent / "protocol" / "manifest.ttl"
_MF = "http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#"
_HT = "http://www.w3.org/2011/http#"
_CNT = "http://www.w3.org/2011/content#"
_BOOLEAN_TYPES = ("application/sparql-results+json", "application/sparql-results+xml")
_TABULAR_TYPES = (*_BOOLEAN_TYPES, "text/csv", "text/tab-separated-values")
_RDF_TYPES = ("application/rdf+xml", "text/turtle", "application/n-triples", "text/plain", "application/xhtml+xml")
_PLACEHOLDER = "http://kasei.us/2009/09/sparql/data/data0.rdf"


@dataclass
class Request:
    """One HTTP request of a test, with what its response must be."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes | None
    statuses: set[str]
    fmt: str | None = None
    boolean: bool | None = None


@dataclass
class Test:
    """One manifest entry."""

    name: str
    title: str
    requests: list[Request] = field(default_factory=list)

    @property
    def is_update(self) -> bool:
        first = self.requests[0]
        return first.headers.get("content-type", "").startswith("application/sparql-update") or (
            first.body or b""
        ).startswith(b"update=")

    @property
    def dataset(self) -> bool:
        first = self.requests[0]
        params = parse_qs(urlsplit(first.path).query)
        text = (first.body or b"").decode("utf-8", "replace") + " ".join(params.get("query", []))
        return bool({"default-graph-uri", "named-graph-uri"} & set(params)) or " FROM " in f" {text} ".upper()

    @property
    def expects_success(self) -> bool:
        return bool({"StatusCode2xx", "StatusCode3xx"} & self.requests[0].statuses)


def load_manifest(path: Path = MANIFEST) -> list[Test]:
    """The tests of the manifest, in its order."""
    from rdflib import Graph, Namespace, URIRef
    from rdflib.collection import Collection

    mf, ht, cnt = Namespace(_MF), Namespace(_HT), Namespace(_CNT)
    graph = Graph().parse(
        path, format="turtle", publicID="http://www.w3.org/2009/sparql/docs/tests/data-sparql11/protocol/manifest.ttl"
    )
    manifest = next(graph.subjects(URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"), mf.Manifest))
    tests = []
    for entry in Collection(graph, graph.value(manifest, mf.entries)):
        test = Test(str(entry).rsplit("#", 1)[1], str(graph.value(entry, mf.name)))
        action = graph.value(entry, mf.action)
        for node in Collection(graph, graph.value(action, ht.requests)):
            headers = {}
            header_list = graph.value(node, ht.headers)
            if header_list is not None:
                for header in Collection(graph, header_list):
                    headers[str(graph.value(header, ht.fieldName)).lower()] = str(graph.value(header, ht.fieldValue))
            body_node = graph.value(node, ht.body)
            body = None
            if body_node is not None:
                encoding = str(graph.value(body_node, cnt.characterEncoding) or "UTF-8")
                body = str(graph.value(body_node, cnt.chars)).encode(encoding)
            response = graph.value(node, ht.resp)
            statuses = {str(o).rsplit("#", 1)[1] for o in graph.objects(response, mf.expectedStatus)}
            fmt = graph.value(response, mf.expectedFormat)
            boolean = graph.value(response, mf.expectedBoolean)
            test.requests.append(
                Request(
                    str(graph.value(node, ht.methodName)),
                    str(graph.value(node, ht.absolutePath)),
                    headers,
                    body,
                    statuses,
                    str(fmt) if fmt is not None else None,
                    bool(boolean.toPython()) if boolean is not None else None,
                )
            )
        tests.append(test)
    return tests


def _status_class(code: int) -> str:
    return f"StatusCode{code // 100}xx"


def _boolean(content_type: str, body: bytes) -> bool | None:
    if content_type == "application/sparql-results+json":
        return bool(json.loads(body)["boolean"])
    if content_type == "application/sparql-results+xml":
        import xml.etree.ElementTree as ET

        node = ET.fromstring(body).find("{http://www.w3.org/2005/sparql-results#}boolean")
        return None if node is None else node.text == "true"
    return None


def _send(http: Any, endpoint: str, request: Request, *, drop_placeholder: bool = False) -> Any:
    parts = urlsplit(request.path)
    query = parts.query
    if drop_placeholder:
        pairs = [(k, v) for k, values in parse_qs(query, keep_blank_values=True).items() for v in values]
        query = urlencode([(k, v) for k, v in pairs if not (k == "default-graph-uri" and v == _PLACEHOLDER)])
    url = endpoint + (f"?{query}" if query else "")
    return http.request(request.method, url, headers=request.headers, content=request.body)


def _check(request: Request, response: Any) -> str | None:
    """None when ``response`` is what the manifest expects, else what differs."""
    if _status_class(response.status_code) not in request.statuses:
        return f"status {response.status_code}, expected {sorted(request.statuses)}: {response.text[:200]}"
    media = response.headers.get("content-type", "").split(";")[0].strip().lower()
    allowed = {"boolean": _BOOLEAN_TYPES, "tabular": _TABULAR_TYPES, "RDF": _RDF_TYPES}.get(request.fmt or "")
    if allowed is not None and media not in allowed:
        return f"content type {media!r}, expected one of {allowed}"
    if request.boolean is not None and _boolean(media, response.content) is not request.boolean:
        return f"ASK answered {_boolean(media, response.content)}, expected {request.boolean}"
    if request.fmt == "RDF":
        from rdflib import Graph

        parser = {"application/rdf+xml": "xml", "text/turtle": "turtle"}.get(media, "nt")
        Graph().parse(data=response.content, format=parser)  # raises on an unreadable graph
    return None


def run_test(http: Any, endpoint: str, test: Test, *, drop_placeholder: bool = False) -> tuple[str, str]:
    """Run one test; returns (outcome, detail)."""
    for request in test.requests:
        response = _send(http, endpoint, request, drop_placeholder=drop_placeholder)
        problem = _check(request, response)
        if problem is None:
            continue
        if request is test.requests[0] and test.expects_success:
            if test.is_update and response.status_code == 403 and "read-only" in response.text:
                return "refused (update)", response.text.strip()
            if test.dataset and response.status_code == 400 and "default graph" in response.text:
                return "refused (dataset)", response.text.strip()
        return "fail", problem
    return "pass", ""


def run_suite(endpoint: str, *, own_dataset: bool = False) -> dict[str, tuple[str, str]]:
    """Run every test against ``endpoint`` (its ``/sparql`` URL); with ``own_dataset``, only the tests that name the
    suite's placeholder graph ``data0.rdf``, without it."""
    import httpx

    outcomes = {}
    with httpx.Client(timeout=60) as http:
        for test in load_manifest():
            if own_dataset:
                if "data0.rdf" not in " ".join(r.path for r in test.requests) or test.is_update:
                    continue
                outcomes[test.name] = run_test(http, endpoint, test, drop_placeholder=True)
            else:
                outcomes[test.name] = run_test(http, endpoint, test)
    return outcomes


def counts(outcomes: dict[str, tuple[str, str]]) -> dict[str, int]:
    """How many tests had each outcome."""
    result: dict[str, int] = {}
    for outcome, _ in outcomes.values():
        result[outcome] = result.get(outcome, 0) + 1
    return dict(sorted(result.items()))


if __name__ == "__main__":
    url = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000/sparql"
    for label, own in (("as written", False), ("data0.rdf read as the endpoint's own dataset", True)):
        results = run_suite(url, own_dataset=own)
        print(f"== {label}")
        for name, (outcome, detail) in results.items():
            print(f"{outcome:18} {name}" + (f"  [{detail[:100]}]" if outcome == "fail" else ""))
        print(counts(results))
