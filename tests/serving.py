"""Servers in their own processes on free loopback ports, for the tests that need a real one.

``serve_nibs(...)`` runs ``nibs-graph serve``; ``serve_oxigraph()`` runs a plain in-memory ``oxigraph serve`` (the
``oxigraph`` package of the test extra). Both yield their SPARQL URL and are stopped at the end.
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any


def free_port() -> int:
    """A loopback port free at the time of asking."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_http(url: str, process: subprocess.Popen[Any], seconds: float = 240) -> None:
    """Wait until ``url`` answers (any status); raise if ``process`` exits first or time runs out."""
    import httpx

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}")
        try:
            httpx.get(url, timeout=2)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer")


@contextlib.contextmanager
def running(command: list[str], url: str, probe_url: str, *, cwd: Path | None = None) -> Iterator[str]:
    """Run ``command`` (in ``cwd``) until the block ends; yield ``url`` once ``probe_url`` answers.

    With ``cwd``, the server's output goes to ``cwd/server.out`` and its end is quoted when the server does not start.
    """
    with (cwd / "server.out").open("wb") if cwd else contextlib.nullcontext(subprocess.DEVNULL) as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd=cwd)
    try:
        try:
            wait_http(probe_url, process)
        except RuntimeError as exc:
            said = (cwd / "server.out").read_text(errors="replace")[-2000:] if cwd else ""
            raise RuntimeError(f"{exc}\n{said}".strip()) from None
        yield url
    finally:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


@contextlib.contextmanager
def serve_nibs(*args: str) -> Iterator[str]:
    """``nibs-graph serve ARGS`` on a free loopback port; yields its /sparql URL."""
    port = free_port()
    command = [sys.executable, "-m", "nibs_graph.cli", "serve", "--host", "127.0.0.1", "--port", str(port), *args]
    url = f"http://127.0.0.1:{port}/sparql"
    with running(command, url, url) as started:
        yield started


@contextlib.contextmanager
def serve_oxigraph(*args: str) -> Iterator[str]:
    """A plain ``oxigraph serve`` (in memory, read-write) on a free loopback port; yields its base URL."""
    binary = shutil.which("oxigraph") or str(Path(sys.executable).parent / "oxigraph")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with running([binary, "serve", "--bind", f"127.0.0.1:{port}", *args], url, url + "/query?query=ASK%7B%7D") as u:
        yield u
