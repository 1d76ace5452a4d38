"""A missing optional dependency is one line naming the extra that installs it, exit status 2, no traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

CASES = [
    ("starlette", ["serve", "--port", "0"], "nibs-graph[server]"),
    ("uvicorn", ["serve", "--port", "0"], "nibs-graph[server]"),
    ("pyoxigraph", ["hubs", "--store", "oxigraph:{tmp}/store"], "nibs-graph[server]"),
    ("pyoxigraph", ["sparql", "ASK {}", "--store", "oxigraph:{tmp}/store"], "nibs-graph[server]"),
    ("matplotlib", ["figure", "matrix", "{tmp}/m.png"], "nibs-graph[viz]"),
    ("pyvis", ["export", "html", "{tmp}/g.html"], "nibs-graph[viz]"),
    ("jinja2", ["export", "html", "{tmp}/g.html"], "nibs-graph[viz]"),
]


@pytest.mark.parametrize(("module", "args", "extra"), CASES, ids=[f"{m}: {' '.join(a)}" for m, a, _ in CASES])
def test_missing_optional_dependency_names_its_extra(module: str, args: list[str], extra: str, tmp_path: Path) -> None:
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    program = (
        f"import sys; sys.modules[{module!r}] = None; sys.argv = ['nibs-graph', *{args!r}]\n"
        "from nibs_graph.cli import main\nmain()"
    )
    result = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=120)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and module in lines[0] and f"pip install '{extra}'" in lines[0]
    assert not list(tmp_path.glob("*.png")) and not list(tmp_path.glob("*.html"))
