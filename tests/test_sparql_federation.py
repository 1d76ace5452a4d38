"""Federation: a plain Oxigraph server (``oxigraph serve``) uses ``nibs-graph serve`` as a ``SERVICE``.

The Oxigraph server holds the labels of the molecules (copied from nibs-graph); a federated join asks nibs-graph
which techniques increase which molecule and joins the labels locally. Its answer, and the answers of variable-free
``ASK`` and ``SELECT`` queries sent through ``SERVICE``, must equal what nibs-graph answers alone. Both stores.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.serving import serve_nibs, serve_oxigraph

pytestmark = [pytest.mark.server, pytest.mark.slow]

TINY = Path(__file__).resolve().parent / "data" / "tiny"
PREFIXES = (
    "PREFIX nibs: <https://w3id.org/nibs-graph/ontology#> PREFIX HGNC: <https://identifiers.org/hgnc:> "
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
)
JSON = "application/sparql-results+json"


@pytest.fixture(scope="module", params=["memory", "oxigraph"])
def nibs(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    store = [] if request.param == "memory" else ["--store", f"oxigraph:{tmp_path_factory.mktemp('fed') / 'store'}"]
    with serve_nibs("--data", str(TINY), "--workers", "2", *store) as url:
        yield url


@pytest.fixture(scope="module")
def oxigraph(nibs: str) -> Iterator[str]:
    with serve_oxigraph() as url:
        labels = httpx.post(
            nibs,
            content=PREFIXES + "CONSTRUCT { ?e rdfs:label ?l } WHERE { ?t nibs:increases ?e . ?e rdfs:label ?l }",
            headers={"Content-Type": "application/sparql-query", "Accept": "application/n-triples"},
        )
        assert labels.status_code == 200 and labels.content.count(b"\n") >= 2
        loaded = httpx.post(
            url + "/store?default", content=labels.content, headers={"Content-Type": "application/n-triples"}
        )
        assert loaded.status_code in (200, 201, 204), loaded.text
        yield url


def _ask(url: str, query: str) -> Any:
    reply = httpx.get(url, params={"query": PREFIXES + query}, headers={"Accept": JSON}, timeout=60)
    assert reply.status_code == 200, reply.text
    assert reply.headers["content-type"].startswith(JSON), reply.text
    return reply.json()


def _rows(payload: Any) -> list[dict[str, str]]:
    return [{k: v["value"] for k, v in b.items()} for b in payload["results"]["bindings"]]


def test_a_federated_join_equals_nibs_graph_alone(nibs: str, oxigraph: str) -> None:
    federated = _ask(
        oxigraph + "/query",
        f"SELECT ?t ?e ?label WHERE {{ SERVICE <{nibs}> {{ ?t nibs:increases ?e }} ?e rdfs:label ?label }} "
        "ORDER BY ?t ?e",
    )
    alone = _ask(nibs, "SELECT ?t ?e ?label WHERE { ?t nibs:increases ?e . ?e rdfs:label ?label } ORDER BY ?t ?e")
    assert _rows(federated) == _rows(alone)
    assert {
        "e": "https://identifiers.org/hgnc:1033",
        "label": "BDNF",
        "t": "https://w3id.org/nibs-graph/ontology#iTBS",
    } in _rows(alone)


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [("nibs:iTBS nibs:increases HGNC:1033", True), ("nibs:iTBS nibs:decreases HGNC:1033", False)],
)
def test_variable_free_ask_and_select_through_service(nibs: str, oxigraph: str, pattern: str, expected: bool) -> None:
    assert _ask(oxigraph + "/query", f"ASK {{ SERVICE <{nibs}> {{ {pattern} }} }}")["boolean"] is expected
    assert _ask(nibs, f"ASK {{ {pattern} }}")["boolean"] is expected
    rows = _rows(_ask(oxigraph + "/query", f"SELECT * WHERE {{ SERVICE <{nibs}> {{ {pattern} }} }}"))
    assert rows == ([{}] if expected else [])
