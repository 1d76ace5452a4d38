"""Loading the evidence base and its graphs: the entry points of the Python API.

>>> G = load_graph()                      # the shipped data, compiled once and cached
>>> G.nodes["nibs:iTBS"]["label"]
'iTBS'
>>> nxg = load_networkx()                 # the same projection as a networkx.MultiDiGraph
>>> nxg.nodes["HGNC:1033"]["type"]
'gene_or_protein'
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from .cache import cached, file_digest
from .paths import default_data_dir
from .projection import GraphData

if TYPE_CHECKING:
    import networkx as nx
    from rdflib import Graph

    from .records import EvidenceBase

__all__ = ["load_evidence", "load_graph", "load_networkx", "load_rdf"]


def load_evidence(data: Path | str | None = None, layers: Iterable[str] = ()) -> EvidenceBase:
    """Read and validate an evidence base (the shipped one by default)."""
    from .validate import read_evidence_base

    return read_evidence_base(Path(data) if data else default_data_dir(), layers)


def load_rdf(
    data: Path | str | None = None, *, graph_file: Path | str | None = None, layers: Iterable[str] = ()
) -> Graph:
    """The canonical RDF graph: compiled from an evidence base, or read from a graph file."""
    from .rdf import read_graph, to_rdf

    if graph_file is not None:
        return read_graph(graph_file)
    return to_rdf(load_evidence(data, layers))


def load_graph(
    data: Path | str | None = None,
    *,
    graph_file: Path | str | None = None,
    layers: Iterable[str] = (),
    use_cache: bool = True,
) -> GraphData:
    """The projection of the RDF graph, cached by a hash of the input files.

    Parameters
    ----------
    data:
        An evidence base folder (default: the shipped data).
    graph_file:
        Instead of ``data``, a Turtle (or other RDF) file conforming to the nibs-graph shapes.
    layers:
        Optional signalling layers (``"signor"``).
    use_cache:
        Set to False to compile afresh.
    """
    from .projection import project

    layers = tuple(layers)
    if graph_file is not None:
        path = Path(graph_file)
        key = file_digest(str(path.resolve()), path.read_bytes() if path.is_file() else b"")
        return cached("graphfile", key, lambda: project(load_rdf(graph_file=path)), enabled=use_cache)
    from .validate import data_version

    folder = Path(data) if data else default_data_dir()
    key = file_digest(str(folder.resolve()), data_version(folder, layers), *layers) if folder.is_dir() else "none"
    return cached("data", key, lambda: project(load_rdf(folder, layers=layers)), enabled=use_cache)


def load_networkx(data: Path | str | None = None, **kwargs: object) -> nx.MultiDiGraph:
    """The projection as a ``networkx.MultiDiGraph`` (see :func:`load_graph` for the arguments)."""
    return load_graph(data, **kwargs).to_networkx()  # type: ignore[arg-type]
