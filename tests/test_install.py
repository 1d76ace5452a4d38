"""A first hour from the README alone: a fresh virtual environment, the README's install commands, then every
command the README shows, each exiting 0 without a traceback.

This test installs the package and its dependencies from the package index into a new virtual environment (about a
minute or two, and it needs the network), so it runs only when asked: ``NIBS_GRAPH_INSTALL_TEST=1``; ``.ci/run``
sets it. The checkout is copied first, so building the package never writes into it.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import venv
from pathlib import Path

import pytest

from .conftest import ROOT

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        os.environ.get("NIBS_GRAPH_INSTALL_TEST") != "1",
        reason="installs the package from the package index into a fresh virtual environment (needs the network, "
        "a minute or two): set NIBS_GRAPH_INSTALL_TEST=1 to run it; .ci/run does",
    ),
]

README = (ROOT / "README.md").read_text(encoding="utf-8")
TEST_COMMAND = 'pip install -e ".[test]" && scripts/check.sh'


def readme_commands() -> list[str]:
    """Every ``$ command`` of the README's console blocks, in order."""
    blocks = re.findall(r"```console\n(.*?)```", README, flags=re.S)
    return [line[2:] for block in blocks for line in block.splitlines() if line.startswith("$ ")]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_for(port: int, server: subprocess.Popen[str], seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert server.poll() is None, "the README's serve command stopped"
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.3)
    pytest.fail("the README's serve command did not listen")


def test_readme_commands_cover_install_serve_and_notebook() -> None:
    commands = readme_commands()
    assert commands[0] == "pip install . && nibs-graph path iTBS mTOR"
    assert any(c.startswith("nibs-graph serve") for c in commands)
    assert any("notebooks/tour.ipynb" in c for c in commands)


def test_every_readme_command_in_a_fresh_environment(tmp_path: Path) -> None:
    checkout = tmp_path / "checkout"
    shutil.copytree(
        ROOT,
        checkout,
        ignore=shutil.ignore_patterns(
            ".git", ".venv", "*.egg-info", "build", "dist", "__pycache__", ".*_cache", "*.html", "nibs-store"
        ),
    )
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    bin_dir = env_dir / ("Scripts" if sys.platform == "win32" else "bin")
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV", "COLUMNS"}}
    env.update(
        PATH=f"{bin_dir}{os.pathsep}{env['PATH']}",
        VIRTUAL_ENV=str(env_dir),
        NIBS_GRAPH_CACHE_DIR=str(tmp_path / "cache"),
        PIP_DISABLE_PIP_VERSION_CHECK="1",
    )
    port = _free_port()
    server: subprocess.Popen[str] | None = None
    ran: list[str] = []
    try:
        for command in readme_commands():
            if command == TEST_COMMAND:
                continue  # the test command runs this very test suite (CI runs it)
            command = command.replace(":8000/", f":{port}/").replace("--port 8000", f"--port {port}")
            if command.startswith("nibs-graph serve"):
                server = subprocess.Popen(
                    ["bash", "-c", f"exec {command}"],
                    cwd=checkout,
                    env=env,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT,
                    text=True,
                )
                _wait_for(port, server)
                ran.append(command)
                continue
            result = subprocess.run(
                ["bash", "-c", command], cwd=checkout, env=env, capture_output=True, text=True, timeout=900
            )
            output = result.stdout + result.stderr
            assert result.returncode == 0, f"`{command}` exited {result.returncode}:\n{output[-3000:]}"
            assert "Traceback" not in output, f"`{command}` printed a traceback:\n{output[-3000:]}"
            ran.append(command)
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
    assert server is not None and "Traceback" not in (server.stdout.read() if server.stdout else "")
    assert len(ran) == len(readme_commands()) - 1
    assert (checkout / "nibs-graph.html").is_file() and (checkout / "notebooks" / "tour.html").is_file()
