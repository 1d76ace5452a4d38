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

from .cache import cached_graph, file_digest, folder_key
from .paths import default_data_dir
from .projection import GraphData

if TYPE_CHECKING:
    import networkx as nx
    from rdflib import Graph

    from .records import EvidenceBase
    from .validate import StreamResult

__all__ = ["check_evidence", "load_evidence", "load_graph", "load_networkx", "load_rdf"]


def cached(kind: str, key: str, build: Callable[[], GraphData], *, enabled: bool) -> GraphData:
    """A projection from the cache: on a hit a :class:`~nibs_graph.graphdb.LazyGraph` that reads what the query
    touches (see :mod:`nibs_graph.cache`), else ``build()``, written for the next time."""
    graph: GraphData = cached_graph(kind, key, build, enabled=enabled)
    return graph


def data_key(folder: Path, layers: tuple[str, ...]) -> str:
    """The cache key of an evidence base folder: its data version, the release it names and the layers; the files
    are hashed again only when their size, times or inode changed (:func:`nibs_graph.cache.folder_key`)."""
    from .schema import FILES

    def compute() -> str:
        from .validate import data_version

        releases = folder / "releases.csv"  # outside the data version but names the release the graph records
        named = releases.read_bytes() if releases.is_file() else b""
        return file_digest(str(folder.resolve()), data_version(folder, layers), named, *layers)

    files = [*FILES, "releases.csv"]
    if layers:
        from .validate import OPTIONAL_LAYERS

        files += [OPTIONAL_LAYERS.get(layer, layer) for layer in layers]
    return folder_key(folder, layers, compute, files)


def load_evidence(data: Path | str | None = None, layers: Iterable[str] = ()) -> EvidenceBase:
    """Read and validate an evidence base (the shipped one by default)."""
    from .validate import read_evidence_base

    return read_evidence_base(Path(data) if data else default_data_dir(), layers)


def check_evidence(data: Path | str | None = None, layers: Iterable[str] = ()) -> StreamResult:
    """Validate an evidence base (the shipped one by default) without keeping its rows: counts, version, release.

    >>> check_evidence().counts["studies"] > 0
    True
    """
    from .validate import stream_rows

    return stream_rows(Path(data) if data else default_data_dir(), layers)


def load_rdf(
    data: Path | str | None = None, *, graph_file: Path | str | None = None, layers: Iterable[str] = ()
) -> Graph:
    """The canonical RDF graph as an rdflib graph: an evidence base's streamed N-Triples, or a graph file read safely.

    Nothing else in nibs-graph waits on this graph: the queries run on :func:`load_graph`'s projection, ``export
    nt`` and the SPARQL stores use the N-Triples directly. It is the library's RDF model (SHACL with pyshacl,
    Turtle and JSON-LD exports, your own rdflib code).
    """
    from .rdf import read_graph, to_rdflib

    if graph_file is not None:
        return read_graph(graph_file)
    return to_rdflib(Path(data) if data else default_data_dir(), layers=layers)


def load_graph(
    data: Path | str | None = None,
    *,
    graph_file: Path | str | None = None,
    layers: Iterable[str] = (),
    use_cache: bool = True,
) -> GraphData:
    """The projection of the RDF graph, cached by a hash of the input files.

    An evidence base folder is compiled in one streaming pass whatever its size
    (:func:`nibs_graph.scale.project.project_data`): the rows are validated as they are read and the projection is
    assembled from them, without an rdflib graph. A graph file is read safely (:mod:`nibs_graph.graphfile`) and
    projected with SPARQL on an in-memory Oxigraph store (:func:`nibs_graph.projection.project`). The garbage
    collector is paused while the projection is built, then one full collection moves its objects to the oldest
    generation at once: on a million findings that is four million acyclic containers, which otherwise each
    young-generation collection would walk again. A cached projection is a
    :class:`~nibs_graph.graphdb.LazyGraph` that reads from its file only what the query touches.

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

    Examples
    --------
    >>> from nibs_graph.paths import default_data_dir
    >>> tiny = default_data_dir().parent / "tests" / "data" / "tiny"
    >>> load_graph(tiny, use_cache=False).nodes["HGNC:1033"]["label"]
    'BDNF'
    """
    layers = tuple(layers)
    if graph_file is not None:
        from .projection import project

        path = Path(graph_file)
        key = file_digest(str(path.resolve()), path.read_bytes() if path.is_file() else b"")
        return cached("graphfile", key, lambda: project(load_rdf(graph_file=path)), enabled=use_cache)
    folder = Path(data) if data else default_data_dir()
    key = data_key(folder, layers) if folder.is_dir() else "none"
    return cached("data", key, lambda: _compile(folder, layers), enabled=use_cache)


def _compile(folder: Path, layers: tuple[str, ...]) -> GraphData:
    """Validate and project a folder (imported only when the cache has no entry for it)."""
    from .scale import gc_paused
    from .scale.project import project_data

    with gc_paused():  # a large projection is millions of acyclic objects: collections would free nothing
        graph = project_data(folder, layers)
    gc.collect()  # one full pass moves them to the oldest generation, where later collections rarely look
    return graph


def load_networkx(data: Path | str | None = None, **kwargs: object) -> nx.MultiDiGraph:
    """The projection as a ``networkx.MultiDiGraph`` (see :func:`load_graph` for the arguments)."""
    return load_graph(data, **kwargs).to_networkx()  # type: ignore[arg-type]
