"""Contradictions that explain themselves (issue #10, item 4): kind, category, the one separating factor."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from nibs_graph.cli import app
from nibs_graph.errors import QueryError
from nibs_graph.queries.contradictions import CATEGORIES, contradictions

from .conftest import TINY


def test_opposite_tbs_patterns_are_expected_by_design(tiny_graph) -> None:  # type: ignore[no-untyped-def]
    (c,) = contradictions(tiny_graph)
    assert (c.kind, c.category) == ("opposite", "expected_by_design")
    (pair,) = c.pairs
    assert pair["studies"] == ["alpha2020", "beta2021"]
    assert (pair["factor"], pair["contrast"]) == ("theta-burst pattern", "iTBS vs cTBS")


def _tiny_copy(tmp_path: Path, *edits: tuple[str, str, str]) -> Path:
    folder = tmp_path / "data"
    shutil.copytree(TINY, folder)
    for name, old, new in edits:
        path = folder / name
        text = path.read_text(encoding="utf-8")
        assert old in text, (name, old)
        path.write_text(text.replace(old, new), encoding="utf-8")
    return folder


_SAME_PATTERN = (
    ("studies.csv", "Table 4,cTBS|anodal tDCS", "Table 4,iTBS|anodal tDCS"),
    ("protocols.csv", "beta2021-ctbs,beta2021,cTBS,cTBS", "beta2021-ctbs,beta2021,iTBS,iTBS"),
    ("findings.csv", "beta2021-f01,beta2021,beta2021-ctbs,cTBS", "beta2021-f01,beta2021,beta2021-ctbs,iTBS"),
)


def test_between_studies_names_the_one_factor(tmp_path: Path) -> None:
    from nibs_graph.api import load_graph

    G = load_graph(_tiny_copy(tmp_path, *_SAME_PATTERN), use_cache=False)
    (c,) = contradictions(G)
    assert c.category == "between_studies"
    (pair,) = c.pairs
    assert (pair["factor"], pair["contrast"]) == ("species", "rat vs mouse")  # species first, not every field


def test_unexplained_when_nothing_separates_the_sides(tmp_path: Path, runner) -> None:  # type: ignore[no-untyped-def]
    from nibs_graph.api import load_graph

    edits = (*_SAME_PATTERN, ("studies.csv", "mice,stroke,mouse,C57BL/6", "mice,,rat,C57BL/6"))
    folder = _tiny_copy(tmp_path, *edits)
    (c,) = contradictions(load_graph(folder, use_cache=False))
    assert c.category == "unexplained" and c.pairs[0]["factor"] is None
    out = runner.invoke(app, ["contradictions", "--data", str(folder)])
    assert out.exit_code == 0 and "unexplained" in out.stdout and "nothing reported" in out.stdout


def test_shipped_categories_and_order(shipped_graph) -> None:  # type: ignore[no-untyped-def]
    found = contradictions(shipped_graph)
    assert {c.kind for c in found} == {"opposite", "change_vs_none"}  # never null
    order = [CATEGORIES.index(c.category) for c in found]
    assert order == sorted(order) and found[0].category in ("unexplained", "between_studies")
    by_target = {(shipped_graph.nodes[c.target]["label"], c.kind): c for c in found}
    sep = by_target[("SEP amplitude", "opposite")]
    assert sep.category == "expected_by_design"
    assert (sep.pairs[0]["factor"], sep.pairs[0]["contrast"]) == ("polarity", "anodal vs cathodal")
    bdnf = by_target[("BDNF", "change_vs_none")]
    (mcnerney,) = [p for p in bdnf.pairs if p["studies"] == ["mcnerney2022", "mcnerney2022"]]
    assert mcnerney["category"] == "within_study" and mcnerney["factor"] == "time point"
    assert "after 2 weeks" in mcnerney["contrast"] and "after 6 weeks" in mcnerney["contrast"]
    cb1r = by_target[("CB1R", "change_vs_none")]
    assert cb1r.pairs[0]["factor"] == "model or context" and "CB1R antagonist" in cb1r.pairs[0]["contrast"]


def test_category_filter(shipped_graph, runner) -> None:  # type: ignore[no-untyped-def]
    design = contradictions(shipped_graph, category="expected_by_design")
    assert design and all(p["category"] == "expected_by_design" for c in design for p in c.pairs)
    with pytest.raises(QueryError, match="category 'nope' is not allowed"):
        contradictions(shipped_graph, category="nope")
    out = runner.invoke(app, ["contradictions", "--category", "within_study", "-f", "json"])
    assert out.exit_code == 0
    pairs = [p for c in json.loads(out.stdout)["contradictions"] for p in c["pairs"]]
    assert pairs and {p["category"] for p in pairs} == {"within_study"}
    assert runner.invoke(app, ["contradictions", "--category", "nope"]).exit_code == 2


def test_table_has_one_row_per_pair_of_studies(runner) -> None:  # type: ignore[no-untyped-def]
    out = runner.invoke(app, ["contradictions", "--opposite-only", "-f", "csv"])
    assert out.exit_code == 0
    import csv
    import io

    rows = list(csv.DictReader(io.StringIO(out.stdout)))
    payload = json.loads(runner.invoke(app, ["contradictions", "--opposite-only", "-f", "json"]).stdout)
    assert len(rows) == sum(len(c["pairs"]) for c in payload["contradictions"])
    sep = [r for r in rows if r["target"] == "SEP amplitude"]
    assert len(sep) == 1 and sep[0]["category"] == "expected_by_design" and sep[0]["factor"] == "polarity"
    assert all(r["kind"] == "opposite" for r in rows)
    table = runner.invoke(app, ["contradictions", "--target", "SEP amplitude"], env={"COLUMNS": "200"})
    assert "polarity: anodal vs cathodal" in table.stdout and "expected_by_design" in table.stdout
