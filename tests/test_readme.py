"""The README stays true: every command it shows runs, and shown output is the real output."""

from __future__ import annotations

import os
import re
import shlex
from collections.abc import Iterator
from pathlib import Path

import pytest

from nibs_graph.cli import app

from .conftest import ROOT, serving

README = (ROOT / "README.md").read_text(encoding="utf-8")
BLOCKS = re.findall(r"```console\n(.*?)```", README, flags=re.S)


def _commands() -> list[tuple[str, list[str]]]:
    """Each ``$ command`` with the output lines shown under it."""
    found: list[tuple[str, list[str]]] = []
    for block in BLOCKS:
        for line in block.splitlines():
            if line.startswith("$ "):
                found.append((line[2:], []))
            elif found:
                found[-1][1].append(line)
    return found


COMMANDS = _commands()
NIBS = [(cmd, out) for cmd, out in COMMANDS if cmd.startswith("nibs-graph ") and " serve" not in cmd]
LOCAL = [(cmd, out) for cmd, out in NIBS if "--endpoint" not in cmd]
REMOTE = [(cmd, out) for cmd, out in NIBS if "--endpoint" in cmd]
SERVE = [cmd for cmd, _ in COMMANDS if cmd.startswith("nibs-graph serve")]


def test_the_two_commands_come_first() -> None:
    first, second = COMMANDS[0][0], COMMANDS[1][0]
    assert first == "pip install . && nibs-graph path iTBS mTOR"
    assert second == 'pip install -e ".[test]" && scripts/check.sh'
    assert README.index(first) < 2500, "the two commands are on the first screen"


def test_ci_runs_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert COMMANDS[1][0] in ci.splitlines()
    assert os.access(ROOT / "scripts" / "check.sh", os.X_OK)


def _run(runner, command: str, shown: list[str], tmp_path: Path, monkeypatch, port: int | None = None) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)  # commands that write files write them here
    monkeypatch.setenv("COLUMNS", "100")  # the README shows output laid out for 100 columns (the piped default)
    (tmp_path / "queries").symlink_to(ROOT / "queries")
    (tmp_path / "docs" / "img").mkdir(parents=True)  # the commands that draw the README's figures write there
    if port is not None:
        command = command.replace(":8000/", f":{port}/")
    args = shlex.split(command)[1:]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    if shown:
        real = [line.rstrip() for line in result.stdout.rstrip().splitlines()]
        assert [line.rstrip() for line in shown] == real


@pytest.mark.parametrize(("command", "shown"), LOCAL, ids=[c for c, _ in LOCAL])
def test_readme_command_runs(runner, command: str, shown: list[str], tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    _run(runner, command, shown, tmp_path, monkeypatch)


@pytest.fixture(scope="module")
def readme_server() -> Iterator[int]:
    """The README's ``nibs-graph serve`` command, run as it is shown but on a free loopback port."""
    with serving(shlex.split(SERVE[0].replace("8000", "{port}"))[1:]) as port:
        yield port


@pytest.mark.server
@pytest.mark.parametrize(("command", "shown"), REMOTE, ids=[c for c, _ in REMOTE])
def test_readme_endpoint_command_runs(
    runner, command: str, shown: list[str], tmp_path, monkeypatch, readme_server
) -> None:  # type: ignore[no-untyped-def]
    _run(runner, command, shown, tmp_path, monkeypatch, port=readme_server)


def test_every_documented_command_is_covered() -> None:
    documented = {shlex.split(c)[1] for c, _ in COMMANDS if c.startswith("nibs-graph ")}
    assert {
        "path",
        "hubs",
        "diverge",
        "contradictions",
        "evidence",
        "info",
        "export",
        "figure",
        "sparql",
        "serve",
    } <= documented


def test_readme_links_exist() -> None:
    for target in re.findall(r"\]\(((?!https?:)[^)#]+)\)", README):
        assert (ROOT / target).exists(), target


def test_first_command_answers_from_a_fresh_install_layout(tmp_path: Path) -> None:
    """The shipped data and ontology are found through nibs_graph.paths (a wheel carries them as resources)."""
    from nibs_graph.paths import default_data_dir, ontology_dir

    assert (default_data_dir() / "findings.csv").is_file()
    assert (ontology_dir() / "nibs.ttl").is_file()
