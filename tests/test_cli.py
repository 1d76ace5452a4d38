"""Every CLI command through Typer's CliRunner: answers, JSON shapes, failures and exit codes."""

from __future__ import annotations

import json

import pytest

from nibs_graph import __version__
from nibs_graph.cli import app

from .conftest import INVALID, TINY

T = ["--data", str(TINY)]


def test_version(runner) -> None:  # type: ignore[no-untyped-def]
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.stdout.strip() == f"nibs-graph {__version__}"


@pytest.mark.parametrize(
    "command", ["path", "hubs", "diverge", "contradictions", "evidence", "gaps", "validate", "info"]
)
def test_every_command_has_help(runner, command: str) -> None:  # type: ignore[no-untyped-def]
    result = runner.invoke(app, [command, "--help"])
    assert result.exit_code == 0 and "--data" in result.stdout


def test_path_table(runner) -> None:  # type: ignore[no-untyped-def]
    result = runner.invoke(app, ["path", "iTBS", "mTOR", *T])
    assert result.exit_code == 0, result.output
    assert "iTBS → BDNF → TrkB → Akt → mTOR" in result.stdout
    assert "Alpha et al., 2020 (rat, in vivo)" in result.stdout
    assert "consistent" in result.stdout


def test_path_json(runner) -> None:  # type: ignore[no-untyped-def]
    result = runner.invoke(app, ["path", "iTBS", "mTOR", *T, "--format", "json"])
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["target"]["id"] == "HGNC:3942"
    assert [len(p["hops"]) for p in data["paths"]] == [1, 4]


def test_path_options(runner) -> None:  # type: ignore[no-untyped-def]
    options = ["--setting", "human", "--max-hops", "3", "-f", "json"]
    result = runner.invoke(app, ["path", "anodal tDCS", "CREB", *T, *options, "--allow-assumed"])
    assert result.exit_code == 0
    (found,) = json.loads(result.stdout)["paths"]
    assert found["nodes"][1]["label"] == "ERK2"
    assert [h["assumed"] for h in found["hops"]] == [False, False, True]  # ERK1/2 -> CREB cites no study
    refused = runner.invoke(app, ["path", "anodal tDCS", "CREB", *T, *options])
    assert refused.exit_code == 1
    assert json.loads(refused.stdout)["blocked_hops"][0]["target"] == "HGNC:2345"


def test_path_none_found_exits_1(runner) -> None:  # type: ignore[no-untyped-def]
    result = runner.invoke(app, ["path", "cTBS", "CREB", *T, "--species", "rat"])
    assert result.exit_code == 1
    assert "no path from cTBS to CREB" in result.stderr
    assert "Traceback" not in result.output


def test_path_unknown_name_exits_2_with_suggestions(runner) -> None:  # type: ignore[no-untyped-def]
    result = runner.invoke(app, ["path", "iTBS", "mtorr", *T])
    assert result.exit_code == 2
    assert "unknown technique, protocol or entity 'mtorr'" in result.stderr and "mTOR" in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--species", "zebrafsh"], "--species 'zebrafsh' is not allowed; allowed: an NCBITaxon CURIE"),
        (["--setting", "in silico"], "--setting 'in silico' is not allowed"),
        (["--max-hops", "0"], "Invalid value"),
        (["--data", "/nonexistent/folder"], "not a folder"),
    ],
)
def test_path_usage_errors_exit_2(runner, args: list[str], message: str) -> None:  # type: ignore[no-untyped-def]
    result = runner.invoke(app, ["path", "iTBS", "mTOR", *args])
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


def test_data_and_graph_together(runner, tmp_path) -> None:  # type: ignore[no-untyped-def]
    ttl = tmp_path / "g.ttl"
    ttl.write_text("")
    result = runner.invoke(app, ["hubs", *T, "--graph", str(ttl)])
    assert result.exit_code == 2 and "cannot be used together" in result.stderr


def test_graph_file(runner, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from nibs_graph.api import load_rdf

    ttl = tmp_path / "tiny.ttl"
    load_rdf(TINY).serialize(ttl, format="turtle")
    result = runner.invoke(app, ["path", "iTBS", "mTOR", "--graph", str(ttl), "-f", "json"])
    assert result.exit_code == 0 and len(json.loads(result.stdout)["paths"]) == 2
    bad = tmp_path / "bad.ttl"
    bad.write_text("this is not turtle")
    result = runner.invoke(app, ["hubs", "--graph", str(bad)])
    assert result.exit_code == 2 and "bad.ttl" in result.stderr and "Traceback" not in result.output


def test_hubs(runner) -> None:  # type: ignore[no-untyped-def]
    result = runner.invoke(app, ["hubs", *T, "-f", "json"])
    assert result.exit_code == 0
    top = json.loads(result.stdout)["hubs"][0]
    assert top["label"] == "BDNF" and top["n_techniques"] == 3 and top["n_studies"] == 2
    table = runner.invoke(app, ["hubs", *T])
    assert "BDNF" in table.stdout and "iTBS, cTBS," in table.stdout and "measured" in table.stdout
    none = runner.invoke(app, ["hubs", *T, "--min-techniques", "9"])
    assert none.exit_code == 1


def test_diverge(runner) -> None:  # type: ignore[no-untyped-def]
    result = runner.invoke(app, ["diverge", "BDNF", *T, "-f", "json"])
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    by_technique = {
        t["technique"]["label"]: [c["entity"]["label"] for c in t["continues_into"]] for t in data["techniques"]
    }
    assert by_technique == {"anodal tDCS": ["ERK2"], "cTBS": [], "iTBS": ["mTOR"]}
    table = runner.invoke(app, ["diverge", "BDNF", *T])
    assert "mTOR" in table.stdout and "via BDNF → TrkB → Akt → mTOR" in table.stdout
    assert runner.invoke(app, ["diverge", "CREB", *T]).exit_code == 1


def test_contradictions(runner) -> None:  # type: ignore[no-untyped-def]
    result = runner.invoke(app, ["contradictions", *T, "-f", "json"])
    assert result.exit_code == 0
    (c,) = json.loads(result.stdout)["contradictions"]
    assert c["target"]["label"] == "BDNF" and c["kind"] == "opposite" and c["family"] == "TBS"
    assert runner.invoke(app, ["contradictions", *T, "--target", "mTOR"]).exit_code == 1


def test_evidence(runner) -> None:  # type: ignore[no-untyped-def]
    result = runner.invoke(app, ["evidence", "TBS", "BDNF", *T, "-f", "json"])
    assert result.exit_code == 0
    rows = json.loads(result.stdout)["evidence"]
    assert [r["finding_id"] for r in rows] == ["alpha2020-f01", "beta2021-f01"]
    links = runner.invoke(app, ["evidence", "BDNF", "TrkB", *T])
    assert links.exit_code == 0 and "activates" in links.stdout
    assert runner.invoke(app, ["evidence", "anodal tDCS", "mTOR", *T]).exit_code == 1


def test_validate_ok_and_broken(runner) -> None:  # type: ignore[no-untyped-def]
    ok = runner.invoke(app, ["validate", *T])
    assert ok.exit_code == 0 and "valid: 2 studies, 3 protocols, 7 findings" in ok.stdout
    bad = runner.invoke(app, ["validate", "--data", str(INVALID / "unknown_direction")])
    assert bad.exit_code == 2
    assert "findings.csv:2: column 'direction': value 'up' is not allowed" in bad.stderr
    assert "Traceback" not in bad.output
    js = runner.invoke(app, ["validate", "--data", str(INVALID / "bad_unit"), "-f", "json"])
    assert js.exit_code == 2
    (problem,) = json.loads(js.stdout)["problems"]
    assert (problem["line"], problem["column"], problem["value"]) == (3, "intensity_unit", "Tesla")


def test_info(runner) -> None:  # type: ignore[no-untyped-def]
    result = runner.invoke(app, ["info", *T, "-f", "json"])
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["studies"] == 2 and data["findings"] == 7 and data["nodes_by_type"]["protocol"] == 3
    assert runner.invoke(app, ["info", *T]).exit_code == 0


def test_broken_data_is_a_clean_error_for_queries(runner) -> None:  # type: ignore[no-untyped-def]
    result = runner.invoke(app, ["path", "iTBS", "mTOR", "--data", str(INVALID / "ragged_row")])
    assert result.exit_code == 2 and "ragged row" in result.stderr and "Traceback" not in result.output


def test_gaps(runner) -> None:  # type: ignore[no-untyped-def]
    result = runner.invoke(app, ["gaps", *T, "-f", "json"])
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["total"] == 6  # iTBS → CREB is "no change" only, and counts
    assert data["links"][-1]["entity"] == "ERK2" and data["links"][-1]["status"] == "human"
    table = runner.invoke(app, ["gaps", *T, "--status", "human"])
    assert table.exit_code == 0 and "ERK2" in table.stdout and "beta2021" in table.stdout
    creb = runner.invoke(app, ["gaps", *T, "--target", "CREB"])
    assert creb.exit_code == 0 and "alpha2020" in creb.stdout and "=" in creb.stdout
    assert runner.invoke(app, ["gaps", *T, "--target", "TrkB"]).exit_code == 1
    bad = runner.invoke(app, ["gaps", *T, "--status", "clinical"])
    assert bad.exit_code == 2 and "allowed: human, human cells, animal only" in bad.stderr


def test_store_that_cannot_be_created_is_a_clean_error(runner, tmp_path) -> None:  # type: ignore[no-untyped-def]
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    result = runner.invoke(app, ["hubs", "--store", f"oxigraph:{blocker / 'store'}"])
    assert result.exit_code == 2 and "cannot create the store there" in result.stderr
    assert "Traceback" not in result.output


def test_non_conforming_graph_file_is_a_clean_error(runner, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from rdflib import URIRef

    from nibs_graph.api import load_rdf
    from nibs_graph.namespaces import NIBS

    g = load_rdf(TINY)
    finding = URIRef("https://w3id.org/nibs-graph/data/finding/alpha2020-f02")
    g.remove((finding, URIRef(NIBS + "target"), None))
    path = tmp_path / "broken.ttl"
    g.serialize(path, format="turtle")
    result = runner.invoke(app, ["hubs", "--graph", str(path)])
    assert result.exit_code == 2
    assert "nibsdata:finding/alpha2020-f02 has no nibs:target" in result.stderr
    assert "Traceback" not in result.output


def test_corrupt_cache_is_rebuilt_not_trusted(runner, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("NIBS_GRAPH_CACHE_DIR", str(tmp_path))
    assert runner.invoke(app, ["hubs", *T]).exit_code == 0
    (entry,) = tmp_path.glob("*.nibs-cache")
    entry.write_bytes(b"not a pickle")
    result = runner.invoke(app, ["path", "iTBS", "mTOR", *T, "-f", "json"])
    assert result.exit_code == 0 and len(json.loads(result.stdout)["paths"]) == 2
    assert entry.read_bytes() != b"not a pickle"


def test_changed_data_is_never_answered_from_a_stale_cache(runner, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import shutil

    monkeypatch.setenv("NIBS_GRAPH_CACHE_DIR", str(tmp_path / "cache"))
    data = tmp_path / "data"
    shutil.copytree(TINY, data)
    before = json.loads(runner.invoke(app, ["hubs", "--data", str(data), "-f", "json"]).stdout)
    assert before["hubs"][0]["directions"] == {"decreased": 1, "increased": 2}
    findings = data / "findings.csv"
    findings.write_text(findings.read_text().replace("cTBS,HGNC:1033,BDNF,decreased", "cTBS,HGNC:1033,BDNF,increased"))
    after = json.loads(runner.invoke(app, ["hubs", "--data", str(data), "-f", "json"]).stdout)
    assert after["hubs"][0]["directions"] == {"increased": 3}


# ------------------------------------------------------------------------------ the lazily built app (cli/root.py)


def _eager_app():  # type: ignore[no-untyped-def]
    """The app as it was before commands were built lazily: every module registered, every command built."""
    import importlib

    import typer

    from nibs_graph.cli import root

    eager = typer.Typer(
        name="nibs-graph", help=app.info.help, no_args_is_help=True, add_completion=False, rich_markup_mode=None
    )
    eager.callback()(root._root)
    for module in dict.fromkeys(entry.module for entry in root.COMMANDS.values()):
        importlib.import_module(f"nibs_graph.cli.{module}").register(eager)
    return eager


def test_the_command_table_is_the_commands_the_modules_register() -> None:
    """COMMANDS (name → module, help) names every command each module registers, with the help it has."""
    import click
    import typer.main

    from nibs_graph.cli.root import COMMANDS

    eager = typer.main.get_command(_eager_app())
    assert isinstance(eager, click.Group)
    ctx = click.Context(eager)
    assert eager.list_commands(ctx) == list(COMMANDS)
    for name, entry in COMMANDS.items():
        built = eager.get_command(ctx, name)
        assert built is not None and built.help is not None
        assert built.help.split("\n\n")[0].split() == entry.help.split(), name
        for limit in (20, 45, 80, 200):
            assert click.Command(name, help=entry.help).get_short_help_str(limit) == built.get_short_help_str(limit)


@pytest.mark.parametrize("columns", ["40", "80", "200"])
@pytest.mark.parametrize(
    "args", [["--help"], [], ["export", "--help"], ["figure", "dose", "--help"], ["path", "--help"], ["pth"]]
)
def test_lazy_app_says_what_the_eager_app_says(runner, args: list[str], columns: str) -> None:  # type: ignore[no-untyped-def]
    """Help, usage and a misspelt command's suggestion are the same as when every command was built."""
    env = {"COLUMNS": columns}
    lazy = runner.invoke(app, args, prog_name="nibs-graph", env=env)
    eager = runner.invoke(_eager_app(), args, prog_name="nibs-graph", env=env)
    assert (lazy.exit_code, lazy.stdout, lazy.stderr) == (eager.exit_code, eager.stdout, eager.stderr)
    assert "Usage: nibs-graph" in lazy.stdout + lazy.stderr


_MODULES_OF = """
import sys
sys.argv = ["nibs-graph", *sys.argv[1:]]
from nibs_graph.cli import main
try:
    main()
except SystemExit as exc:
    code = exc.code
print(sorted(m for m in sys.modules if m.startswith("nibs_graph.cli.")), code, file=sys.stderr)
"""


@pytest.mark.parametrize(
    ("args", "modules"),
    [
        (["path", "iTBS", "mTOR", *T], ["nibs_graph.cli.common", "nibs_graph.cli.query", "nibs_graph.cli.root"]),
        (["--help"], ["nibs_graph.cli.root"]),
        (["figure", "--help"], ["nibs_graph.cli.common", "nibs_graph.cli.figure", "nibs_graph.cli.root"]),
    ],
)
def test_a_command_imports_only_its_module(args: list[str], modules: list[str]) -> None:
    """`nibs-graph path` neither imports nor builds serve, sparql, export, figure or cache; --help builds nothing."""
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", _MODULES_OF, *args], capture_output=True, text=True, timeout=120)
    *_, last = done.stderr.strip().splitlines()
    assert last == f"{modules} 0", done.stderr
