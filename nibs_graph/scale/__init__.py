"""The scale path: evidence bases too large for an in-memory rdflib graph (tens of thousands of findings and up).

Instead of ``read_evidence_base → to_rdf → project`` (every row a dataclass, every triple an rdflib term), the
scale path

1. streams and validates the CSV rows with the same column parsers and the same problem messages
   (:mod:`nibs_graph.scale.stream`), writing N-Triples with the same IRIs and triples as
   :func:`nibs_graph.rdf.to_rdf` as it goes;
2. bulk-loads them into a persistent Oxigraph store in a folder (:mod:`nibs_graph.scale.oxigraph`);
3. computes the projection with SPARQL aggregate queries on that store (:mod:`nibs_graph.scale.project`), giving
   a :class:`~nibs_graph.projection.GraphData` with the node and edge keys of
   :func:`nibs_graph.projection.project`, so that every query in :mod:`nibs_graph.queries` runs on it unchanged.

:func:`nibs_graph.api.load_graph` takes this path with ``engine="oxigraph"``, or with ``engine="auto"`` (the
default) once ``findings.csv`` has more than :data:`AUTO_THRESHOLD` rows. Needs ``pyoxigraph``
(``pip install nibs-graph[scale]``).
"""

from __future__ import annotations

import gc
import importlib.util
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..errors import NibsGraphError

__all__ = ["AUTO_THRESHOLD", "ENGINES", "choose_engine", "count_lines", "gc_paused"]

#: ``engine="auto"`` takes the scale path past this many findings (lines of ``findings.csv``). Measured on two cores
#: (benchmarks/RESULTS.md): the rdflib path compiles 1k findings in 1.5 s and 10k in 5.4 s, the scale path in 0.15 s
#: and 0.35 s, with the same projection; the shipped base (a few hundred findings) stays on the rdflib path.
AUTO_THRESHOLD = 5_000

#: The engines :func:`nibs_graph.api.load_graph` accepts.
ENGINES: tuple[str, ...] = ("auto", "memory", "oxigraph")


def count_lines(path: Path, *, chunk: int = 1 << 22) -> int:
    """The number of lines of a file (0 when it is missing), read in chunks.

    >>> from nibs_graph.paths import default_data_dir
    >>> count_lines(default_data_dir().parent / "tests" / "data" / "tiny" / "findings.csv")
    8
    """
    try:
        handle = path.open("rb")
    except OSError:
        return 0
    lines = 0
    last = b"\n"
    with handle:
        while block := handle.read(chunk):
            lines += block.count(b"\n")
            last = block[-1:]
    return lines + (last != b"\n")


def choose_engine(folder: Path, engine: str = "auto") -> str:
    """Resolve ``engine`` (``auto``, ``memory``, ``oxigraph``) for an evidence base folder.

    ``auto`` counts the lines of ``findings.csv`` only when the file is larger than 1 MB (a shipped-size base
    never pays for it) and picks ``oxigraph`` past :data:`AUTO_THRESHOLD` when pyoxigraph is installed.

    Raises
    ------
    NibsGraphError
        For an unknown engine, or ``oxigraph`` without pyoxigraph installed.

    Examples
    --------
    >>> from nibs_graph.paths import default_data_dir
    >>> choose_engine(default_data_dir().parent / "tests" / "data" / "tiny")
    'memory'
    """
    if engine not in ENGINES:
        raise NibsGraphError(f"unknown engine {engine!r}; allowed: {', '.join(ENGINES)}")
    if engine == "memory":
        return engine
    if engine == "oxigraph":
        if importlib.util.find_spec("pyoxigraph") is None:
            raise NibsGraphError("engine 'oxigraph' needs pyoxigraph: pip install 'nibs-graph[scale]'")
        return engine
    from ..datafile import data_file

    findings, _ = data_file(folder, "findings.csv")  # never a folder, a FIFO or a link out of the folder
    if findings is None:
        return "memory"
    try:
        size = findings.stat().st_size
    except OSError:
        return "memory"
    if size <= 1_000_000 or importlib.util.find_spec("pyoxigraph") is None:
        return "memory"
    return "oxigraph" if count_lines(findings) - 1 > AUTO_THRESHOLD else "memory"


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while millions of acyclic objects are made (restored afterwards).

    The projection has no reference cycles; with the collector on, building or unpickling a million findings
    spends about half its time in collections that free nothing (1M findings: unpickling 10.2 s → 4.5 s).

    >>> import gc
    >>> with gc_paused():
    ...     gc.isenabled()
    False
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
