"""Loading the evidence base and its graphs: the entry points of the Python API.

>>> G = load_graph()                      # the shipped data, compiled once and cached
>>> G.nodes["nibs:iTBS"]["label"]
'iTBS'
>>> nxg = load_networkx()                 # the same projection as a networkx.MultiDiGraph
>>> nxg.nodes["HGNC:1033"]["type"]
'gene_or_protein'
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from .cache import cached as _cached
from .cache import file_digest
from .graphcodec import decode_graph, encode_graph
from .paths import default_data_dir
from .projection import GraphData

if TYPE_CHECKING:
    import networkx as nx
    from rdflib import Graph

    from .records import EvidenceBase

__all__ = ["load_evidence", "load_graph", "load_networkx", "load_rdf"]


def cached(kind: str, key: str, build: Callable[[], GraphData], *, enabled: bool) -> GraphData:
    """A projection from the cache, written as JSON (never pickle; see :mod:`nibs_graph.graphcodec`)."""
    return _cached(kind, key, build, encode=encode_graph, decode=decode_graph, enabled=enabled)


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
    engine: str = "auto",
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
    engine:
        How an evidence base folder is compiled. ``"memory"``: validated records, the rdflib graph, then
        :func:`~nibs_graph.projection.project`. ``"oxigraph"``: the scale path (:mod:`nibs_graph.scale`): the rows
        are validated as they stream and the same projection is assembled in that pass, without an rdflib graph
        (needs ``pyoxigraph``; :func:`nibs_graph.scale.oxigraph.build_store` loads the same triples into a
        persistent Oxigraph store for SPARQL). ``"auto"`` (default): ``"oxigraph"`` when ``findings.csv`` has more
        than :data:`nibs_graph.scale.AUTO_THRESHOLD` (5,000) lines and pyoxigraph is installed, else
        ``"memory"``. Both give the same projection; a graph file always uses ``"memory"``. The ``"oxigraph"``
        engine pauses the garbage collector while it builds or decodes the projection, then runs one full
        collection so that its objects reach the oldest generation at once: on a million findings that is four
        million acyclic containers, which otherwise each young-generation collection would walk again.

    Examples
    --------
    >>> from nibs_graph.paths import default_data_dir
    >>> tiny = default_data_dir().parent / "tests" / "data" / "tiny"
    >>> load_graph(tiny, engine="oxigraph", use_cache=False).nodes["HGNC:1033"]["label"]
    'BDNF'
    """
    from .projection import project
    from .scale import choose_engine, gc_paused

    layers = tuple(layers)
    if graph_file is not None:
        path = Path(graph_file)
        key = file_digest(str(path.resolve()), path.read_bytes() if path.is_file() else b"")
        return cached("graphfile", key, lambda: project(load_rdf(graph_file=path)), enabled=use_cache)
    from .validate import data_version

    folder = Path(data) if data else default_data_dir()
    chosen = choose_engine(folder, engine)
    if folder.is_dir():  # releases.csv is outside the data version but names the release the graph records
        releases = folder / "releases.csv"
        named = releases.read_bytes() if releases.is_file() else b""
        key = file_digest(str(folder.resolve()), data_version(folder, layers), named, *layers)
    else:
        key = "none"
    if chosen == "oxigraph":
        from .scale.project import project_data

        with gc_paused():  # a large projection is millions of acyclic objects: collections would free nothing
            graph: GraphData = cached("data-scale", key, lambda: project_data(folder, layers), enabled=use_cache)
        gc.collect()  # one full pass moves them to the oldest generation, where later collections rarely look
        return graph
    return cached("data", key, lambda: project(load_rdf(folder, layers=layers)), enabled=use_cache)


def load_networkx(data: Path | str | None = None, **kwargs: object) -> nx.MultiDiGraph:
    """The projection as a ``networkx.MultiDiGraph`` (see :func:`load_graph` for the arguments)."""
    return load_graph(data, **kwargs).to_networkx()  # type: ignore[arg-type]
