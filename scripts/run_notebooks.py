"""Execute the notebooks under ``notebooks/`` and save them with their outputs, in place.

Usage (from the repository root)::

    python scripts/run_notebooks.py                        # every notebooks/*.ipynb
    python scripts/run_notebooks.py notebooks/tour.ipynb   # one notebook

Each notebook runs in a fresh ``python3`` kernel from the current environment, with ``notebooks/`` as the working
folder. The saved file is deterministic for the same data and code: execution counts run from 1, cells keep their
ids, and nbclient's timing metadata is not recorded. A notebook whose cell fails is not saved; the error is printed
and the exit status is 1. ``tests/test_notebooks.py`` executes the notebooks the same way (via
:func:`execute_notebook`).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
TIMEOUT = 300

__all__ = ["NOTEBOOKS", "execute_notebook", "main", "notebook_paths"]


def notebook_paths() -> list[Path]:
    """Every notebook under ``notebooks/``, sorted, checkpoints excluded."""
    return sorted(p for p in NOTEBOOKS.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)


def execute_notebook(path: Path, *, timeout: int = TIMEOUT) -> nbformat.NotebookNode:
    """Run ``path`` top to bottom and return the notebook with its outputs (the file is not touched).

    Raises
    ------
    nbclient.exceptions.CellExecutionError
        When a cell raises; the message names the cell and shows the traceback.
    """
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
        record_timing=False,
    )
    client.execute()
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        if cell.cell_type == "code":
            cell.outputs = _coalesce_streams(cell.outputs)
    nbformat.validate(nb)
    return nb


def _coalesce_streams(outputs: list) -> list:  # type: ignore[type-arg]
    """Merge consecutive outputs of one stream: how the kernel chunks printed text depends on timing."""
    merged: list = []  # type: ignore[type-arg]
    for output in outputs:
        previous = merged[-1] if merged else None
        if (
            previous is not None
            and output["output_type"] == previous["output_type"] == "stream"
            and output["name"] == previous["name"]
        ):
            previous["text"] += output["text"]
        else:
            merged.append(output)
    return merged


def main(argv: list[str] | None = None) -> int:
    """Execute and save the notebooks given (default: all); exit status 1 if any failed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="notebooks to run (default: notebooks/**/*.ipynb)")
    parser.add_argument("--timeout", type=int, default=TIMEOUT, help="seconds allowed per cell (default: 300)")
    args = parser.parse_args(argv)
    failed = 0
    for path in args.notebooks or notebook_paths():
        try:
            nb = execute_notebook(path.resolve(), timeout=args.timeout)
        except CellExecutionError as exc:
            print(f"{path}: a cell failed, not saved\n{exc}", file=sys.stderr)
            failed += 1
            continue
        nbformat.write(nb, path)
        print(f"executed and saved {path}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
