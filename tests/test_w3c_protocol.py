"""The W3C SPARQL 1.1 Protocol test suite against ``nibs-graph serve``, on both stores.

Every test must pass, or be a refusal the Protocol permits, asserted as such: a read-only endpoint refuses the
update tests with 403, and an endpoint that serves only its own default graph refuses the tests that name a
dataset (``default-graph-uri``, ``named-graph-uri``, ``FROM``) with 400 (section 2.1.4). The query tests that name
the suite's placeholder graph ``data0.rdf`` must also pass when that parameter is left out. See
``tests/w3c/runner.py``; the counts are in docs/sparql.md.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.serving import serve_nibs
from tests.w3c.runner import counts, load_manifest, run_suite

pytestmark = [pytest.mark.server, pytest.mark.slow]

TINY = Path(__file__).resolve().parent / "data" / "tiny"
DATASET_TESTS = {
    "query_dataset_default_graphs_get",
    "query_dataset_default_graphs_post",
    "query_dataset_named_graphs_post",
    "query_dataset_named_graphs_get",
    "query_dataset_full",
    "query_multiple_dataset",
    # these carry default-graph-uri=…/data0.rdf, a graph the suite never supplies
    "query_post_form",
    "query_get",
    "query_content_type_select",
    "query_content_type_ask",
    "query_content_type_describe",
    "query_content_type_construct",
}
UPDATE_TESTS = {
    "update_dataset_default_graph",
    "update_dataset_default_graphs",
    "update_dataset_named_graphs",
    "update_dataset_full",
    "update_post_form",
    "update_post_direct",
    "update_base_uri",
}


@pytest.fixture(scope="module", params=["memory", "oxigraph"])
def endpoint(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    store = [] if request.param == "memory" else ["--store", f"oxigraph:{tmp_path_factory.mktemp('w3c') / 'store'}"]
    with serve_nibs("--data", str(TINY), "--workers", "2", *store) as url:
        yield url


def test_the_vendored_manifest_has_the_34_tests() -> None:
    names = [test.name for test in load_manifest()]
    assert len(names) == 34 and set(names) >= DATASET_TESTS | UPDATE_TESTS


def test_protocol_suite(endpoint: str) -> None:
    outcomes = run_suite(endpoint)
    failures = {name: detail for name, (outcome, detail) in outcomes.items() if outcome == "fail"}
    assert not failures
    for name, (outcome, _) in outcomes.items():
        if name in DATASET_TESTS:
            assert outcome == "refused (dataset)", name
        elif name in UPDATE_TESTS:
            assert outcome == "refused (update)", name
        else:
            assert outcome == "pass", name
    assert counts(outcomes) == {"pass": 15, "refused (dataset)": 12, "refused (update)": 7}


def test_placeholder_dataset_tests_pass_on_the_endpoints_own_dataset(endpoint: str) -> None:
    outcomes = run_suite(endpoint, own_dataset=True)
    assert set(outcomes) >= DATASET_TESTS - {
        t for t in DATASET_TESTS if t.startswith("query_dataset") or "multiple" in t
    }
    assert {outcome for outcome, _ in outcomes.values()} == {"pass"}, outcomes
