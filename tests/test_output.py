"""Output a new user meets first: help without stray backslashes, tables that fit, CSV/TSV on every tabular command."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from nibs_graph.cli import app
from nibs_graph.tabular import Col, Tabular, neutralise, render_text, to_delimited

from .conftest import TINY

NIBS = [sys.executable, "-m", "nibs_graph.cli"]

# Every tabular command, with the JSON list its CSV rows correspond to (None: checked by hand below).
TABULAR = [
    (["hubs", "--top", "7"], "hubs"),
    (["gaps", "--top", "9"], "links"),
    (["contradictions"], None),  # one row per pair of studies, not per contradiction
    (["evidence", "rTMS", "Akt"], "evidence"),
    (["evidence", "cTBS"], "evidence"),
    (["evidence", "BDNF"], "evidence"),
    (["info"], None),
    (["diverge", "BDNF"], None),
    (["path", "iTBS", "mTOR"], None),
    (["protocols", "BDNF"], None),
    (["synthesis", "BDNF", "--by", "technique"], None),
]


def _run(args: list[str], columns: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    if columns is not None:
        env["COLUMNS"] = columns
    return subprocess.run([*NIBS, *args], capture_output=True, text=True, env=env, check=False)


def _commands() -> list[str]:
    import click
    import typer.main

    group = typer.main.get_command(app)
    assert isinstance(group, click.Group)
    ctx = click.Context(group)
    names = []
    for name in group.list_commands(ctx):  # each command built as a call would build it
        command = group.get_command(ctx, name)
        sub = command.list_commands(ctx) if isinstance(command, click.Group) else None
        names.extend([f"{name} {s}" for s in sub] if sub else [name])
    assert len(names) > 20
    return names


@pytest.mark.parametrize("command", _commands())
def test_help_has_no_stray_backslash(runner, command: str) -> None:  # type: ignore[no-untyped-def]
    result = runner.invoke(app, [*command.split(), "--help"])
    assert result.exit_code == 0, result.output
    assert "\\[" not in result.stdout
    assert "[required]" in result.stdout or "[default:" in result.stdout or "--help" in result.stdout


def test_help_of_path_in_a_real_process() -> None:
    out = _run(["path", "--help"]).stdout
    assert "\\" not in out and "[required]" in out and "[default: 4;" in out


def test_evidence_fits_80_columns_with_every_id_whole() -> None:
    """The issue's check: `COLUMNS=80 nibs-graph evidence rTMS Akt`, every line ≤ 80, every study id whole."""
    result = _run(["evidence", "rTMS", "Akt"], columns="80")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80
    rows = json.loads(_run(["evidence", "rTMS", "Akt", "--format", "json"]).stdout)["evidence"]
    assert len(rows) == 9
    words = set(result.stdout.replace("·", " ").split())
    for row in rows:
        assert row["finding_id"] in words
        assert row["citation"] in result.stdout
    assert "…" not in result.stdout


@pytest.mark.parametrize(("args", "key"), TABULAR, ids=[" ".join(a) for a, _ in TABULAR])
def test_piped_output_defaults_to_100_columns(args: list[str], key: str | None) -> None:
    result = _run(args)
    assert result.returncode == 0, result.stderr
    assert max(len(line) for line in result.stdout.splitlines()) <= 100, result.stdout
    assert "…" not in result.stdout
    wide = _run(args, columns="200")
    assert max(len(line) for line in wide.stdout.splitlines()) <= 200


@pytest.mark.parametrize(("args", "key"), TABULAR, ids=[" ".join(a) for a, _ in TABULAR])
def test_every_tabular_command_writes_csv_and_tsv(runner, args: list[str], key: str | None) -> None:  # type: ignore[no-untyped-def]
    as_csv = runner.invoke(app, [*args, "--format", "csv"])
    as_tsv = runner.invoke(app, [*args, "--format", "tsv"])
    assert as_csv.exit_code == 0 and as_tsv.exit_code == 0, as_csv.output
    rows = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    tsv_rows = list(csv.DictReader(io.StringIO(as_tsv.stdout), delimiter="\t", quoting=csv.QUOTE_NONE))
    assert rows and len(rows) == len(tsv_rows)
    assert list(rows[0]) == list(tsv_rows[0])
    assert all(" " not in name for name in rows[0]), "CSV headers are machine keys"
    if key is not None:
        payload = json.loads(runner.invoke(app, [*args, "--format", "json"]).stdout)
        assert len(rows) == len(payload[key])


def test_path_csv_has_one_row_per_hop(runner) -> None:  # type: ignore[no-untyped-def]
    payload = json.loads(runner.invoke(app, ["path", "iTBS", "mTOR", "--format", "json"]).stdout)
    rows = list(csv.DictReader(io.StringIO(runner.invoke(app, ["path", "iTBS", "mTOR", "--format", "csv"]).stdout)))
    assert len(rows) == sum(len(p["hops"]) for p in payload["paths"])
    assert rows[0]["source_id"] == "nibs:iTBS" and rows[0]["studies"]


def test_formula_cells_are_neutralised() -> None:
    assert neutralise('=HYPERLINK("x")') == '\'=HYPERLINK("x")'
    assert neutralise("+1+2") == "'+1+2"
    assert neutralise("@cmd") == "'@cmd"
    assert neutralise("-2+3") == "'-2+3"
    assert neutralise("\tx") == "'\tx"
    assert neutralise(" =1") == "' =1"
    assert neutralise("-0.25") == "-0.25" and neutralise(-3) == "-3" and neutralise("+5") == "+5"
    assert neutralise("Table 2, row 4") == "Table 2, row 4"
    t = Tabular("t", [Col("a"), Col("b")], [{"a": "=1+1", "b": "x\ty"}])
    assert to_delimited(t, ",") == "a,b\n'=1+1,x\ty\n"
    assert to_delimited(t, "\t") == "a\tb\n'=1+1\tx y\n"


def test_formula_in_the_data_is_neutralised_end_to_end(runner, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    data = tmp_path / "data"
    shutil.copytree(TINY, data)
    findings = data / "findings.csv"
    text = findings.read_text(encoding="utf-8")
    findings.write_text(
        text.replace(
            "alpha2020-f01,alpha2020,alpha2020-itbs,iTBS,HGNC:1033,BDNF,",
            "alpha2020-f01,alpha2020,alpha2020-itbs,iTBS,HGNC:1033,=cmd|' /C calc'!A0,",
            1,
        ),
        encoding="utf-8",
    )
    result = runner.invoke(app, ["evidence", "iTBS", "BDNF", "--data", str(data), "--format", "csv"])
    assert result.exit_code == 0, result.output
    cells = [c for row in csv.reader(io.StringIO(result.stdout)) for c in row]
    assert "'=cmd|' /C calc'!A0" in cells
    assert not any(c.startswith(("=", "+", "@")) for c in cells)


def test_narrow_table_becomes_blocks_and_wide_stays_a_table() -> None:
    rows = [{"id": f"study{i}-f{i:02d}", "note": "a long note " * 4, "extra": "x"} for i in range(3)]
    t = Tabular("t", [Col("id"), Col("note"), Col("extra", optional=True)], rows)
    wide = render_text(t, 120)
    assert "┃ id" in wide and "extra" in wide
    narrow = render_text(t, 40)
    assert "┃" not in narrow and all(len(line) <= 40 for line in narrow.splitlines())
    assert all(r["id"] in narrow.split() for r in rows)


def test_paths_differing_only_in_a_relation_are_one_route(runner) -> None:  # type: ignore[no-untyped-def]
    """`path tDCS CREB`: Ca2+ activates BDNF and increases its expression; the two paths are one route."""
    result = runner.invoke(app, ["path", "tDCS", "CREB"])
    assert result.exit_code == 0, result.output
    assert "14 paths shown as 13" in result.stdout
    assert "Ca2+ —activates / increases expression→ BDNF" in result.stdout
    headers = [line for line in result.stdout.splitlines() if line[:1].isdigit() and ". " in line]
    assert len(headers) == len({h.split(". ", 1)[1] for h in headers}) == 13, "no two routes share a header"
    rows = list(csv.DictReader(io.StringIO(runner.invoke(app, ["path", "tDCS", "CREB", "-f", "csv"]).stdout)))
    assert {r["path"] for r in rows} == {str(i) for i in range(1, 14)}
    assert "activates; increases_expression" in {r["relation"] for r in rows}


def test_human_setting_reads_human_tissue(runner) -> None:  # type: ignore[no-untyped-def]
    result = runner.invoke(app, ["path", "rTMS", "Akt", "--max-hops", "1"])
    assert "Wang et al., 2011 (rat, ex vivo; human, human tissue)" in result.stdout  # every place the study measured
    assert "(human, human)" not in result.stdout


def test_no_path_mentions_filters_only_when_given(runner) -> None:  # type: ignore[no-untyped-def]
    plain = runner.invoke(app, ["path", "cTBS", "Akt", "--max-hops", "1"])
    assert plain.exit_code == 1 and plain.stderr.strip() == "no path from cTBS to Akt within 1 hops"
    filtered = runner.invoke(app, ["path", "iTBS", "mTOR", "--species", "mouse", "--max-hops", "2"])
    assert filtered.exit_code == 1
    first, *why = filtered.stderr.strip().splitlines()
    assert first.endswith("with these filters (--species mouse)")
    assert any("in mouse" in line for line in why)  # and which hops have no mouse evidence


def test_contradicted_path_names_the_study(runner) -> None:  # type: ignore[no-untyped-def]
    """cTBS → BDNF → TrkB predicts TrkB up; Thomson 2020 saw no change in human cells."""
    result = runner.invoke(app, ["path", "cTBS", "TrkB"])
    assert result.exit_code == 0, result.output
    line = next(line for line in result.stdout.splitlines() if "contradicted" in line)
    assert "observed: unchanged by Thomson et al., 2020" in line
    rows = list(csv.DictReader(io.StringIO(runner.invoke(app, ["path", "cTBS", "TrkB", "-f", "csv"]).stdout)))
    assert {r["contradicted_by"] for r in rows if r["consistency"] == "contradicted"} == {"thomson2020"}


def test_nothing_assumes_a_folder_outside_the_repository() -> None:
    """Tests, scripts and docs use what the repository holds (reference/), or say plainly what they skip and why."""
    from .conftest import ROOT

    code = [*ROOT.glob("tests/*.py"), *ROOT.glob("scripts/*.py")]
    for path in code:
        text = path.read_text(encoding="utf-8")
        if path.name == "test_output.py":
            continue
        assert "ROOT.parent" not in text and '"shared"' not in text, f"{path.name} reaches outside the repository"
    docs = [ROOT / "README.md", *ROOT.glob("docs/*.md"), ROOT / "reference" / "README.md"]
    for path in docs:
        for line in path.read_text(encoding="utf-8").splitlines():
            if "shared/" in line and ",shared/reference/identifiers.tsv," not in line:  # an example row's id_source
                pytest.fail(f"{path.relative_to(ROOT)} points outside the repository: {line.strip()}")
    assert (ROOT / "reference" / "studies.tsv").is_file()
    assert "| licence |" in (ROOT / "reference" / "README.md").read_text(encoding="utf-8")


def test_sparql_syntax_error_has_line_and_column(runner) -> None:  # type: ignore[no-untyped-def]
    result = runner.invoke(app, ["sparql", "SELECT ?x WHERE {\n  ?x a nibs:Study .\n  ?x nibs:foo }"])
    assert result.exit_code == 2
    assert "syntax error at line 3, column 15" in result.stderr and "Traceback" not in result.output


def test_sparql_table_writes_curies_and_fits(runner, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("COLUMNS", "80")
    query = "SELECT ?f ?setting ?species WHERE { ?f a nibs:Finding ; nibs:setting ?setting ; nibs:species ?species }"
    result = runner.invoke(app, ["sparql", query + " ORDER BY ?f LIMIT 4"])
    assert result.exit_code == 0, result.output
    assert "http" not in result.stdout and "NCBITaxon:" in result.stdout and "nibs:In" in result.stdout
    assert max(len(line) for line in result.stdout.splitlines()) <= 80


def test_readme_links_the_tour_and_the_notebooks_extra_installs_its_command() -> None:
    import re
    import tomllib

    from .conftest import ROOT

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "[notebooks/tour.ipynb](notebooks/tour.ipynb)" in readme
    command = next(line[2:] for line in readme.splitlines() if line.startswith("$ ") and "tour.ipynb" in line)
    assert command.startswith('pip install ".[notebooks]" && jupyter nbconvert ') and "--execute" in command
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["optional-dependencies"]
    assert any(re.match(r"nbconvert\b", d) for d in extras["notebooks"])  # provides `jupyter nbconvert`
    assert any(re.match(r"ipykernel\b", d) for d in extras["notebooks"])  # the python3 kernel it runs
    assert extras["all"] == ["nibs-graph[viz,server,scale,notebooks]"]


def test_terminal_escape_sequences_in_labels_are_shown_not_obeyed(runner, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A label carrying ESC sequences (retitle the terminal, clear the screen) prints them as text."""
    G_dir = tmp_path / "data"
    shutil.copytree(TINY, G_dir)
    from nibs_graph.api import load_graph

    G = load_graph(G_dir, use_cache=False)
    G.nodes["HGNC:1033"]["label"] = "BDNF\x1b]0;owned\x07\x1b[2J"
    import contextlib

    from nibs_graph.queries.hubs import hubs
    from nibs_graph.queries.paths import paths
    from nibs_graph.render import print_hubs, print_paths

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        print_hubs(G, hubs(G))
        print_paths(G, paths(G, "iTBS", "mTOR"))
    text = out.getvalue()
    assert "\x1b" not in text and "\x07" not in text
    assert "BDNF\\x1b]0;owned\\x07\\x1b[2J" in text


def test_validate_writes_its_problems_as_csv(runner) -> None:  # type: ignore[no-untyped-def]
    from .conftest import INVALID

    result = runner.invoke(app, ["validate", "--data", str(INVALID / "unknown_direction"), "--format", "csv"])
    assert result.exit_code == 2
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert list(rows[0]) == ["file", "line", "column", "value", "allowed", "message"]
    assert rows[0]["column"] == "direction" and rows[0]["value"] == "up" and rows[0]["line"] == "2"
    ok = runner.invoke(app, ["validate", "--format", "tsv"])
    assert ok.exit_code == 0 and ok.stdout.startswith("what\tcount\n") and "findings\t270" in ok.stdout


DOCUMENTED_CSV = {
    "path": ["path", "iTBS", "mTOR"],
    "hubs": ["hubs"],
    "diverge": ["diverge", "BDNF"],
    "evidence": ["evidence", "iTBS", "mTOR"],
    "gaps": ["gaps"],
    "info": ["info"],
    "protocols": ["protocols", "BDNF"],
    "synthesis": ["synthesis", "BDNF", "--by", "technique"],
}


@pytest.mark.parametrize("command", sorted(DOCUMENTED_CSV))
def test_csv_headers_are_documented(runner, command: str) -> None:  # type: ignore[no-untyped-def]
    import re

    from .conftest import ROOT

    doc = (ROOT / "docs" / "json.md").read_text(encoding="utf-8")
    row = next(line for line in doc.splitlines() if line.startswith(f"| `{command}` |"))
    documented = re.findall(r"`([^`]*)` \|$", row)[0].split(", ")
    real = runner.invoke(app, [*DOCUMENTED_CSV[command], "--format", "csv"]).stdout.splitlines()[0].split(",")
    assert documented == real
