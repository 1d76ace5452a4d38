"""Bulk-load an evidence base into a persistent Oxigraph store (a RocksDB folder), streaming.

:func:`build_store` validates the files row by row and writes N-Triples (:mod:`nibs_graph.scale.stream`) into a
pipe that Oxigraph's bulk loader reads at the same time (pyoxigraph releases the GIL while it loads, so the
Python writer and the Rust loader use both cores); no N-Triples file and no rdflib graph are ever held. The store
is built in a staging folder next to the target and moved into place only when the whole base was valid and
loaded, so a failed build leaves the previous store untouched.

The folder gets the ``nibs-graph-store.json`` record that :func:`nibs_graph.sparql.stores.ensure_oxigraph`
reads, so ``--store oxigraph:DIR --data BASE`` reuses a store built here for the same data version.

>>> import tempfile, pathlib
>>> from nibs_graph.paths import default_data_dir
>>> tiny = default_data_dir().parent / "tests" / "data" / "tiny"
>>> folder = pathlib.Path(tempfile.mkdtemp()) / "store"
>>> built = build_store(tiny, folder)
>>> built.counts["findings"], built.triples > 700
(7, True)
>>> store = open_store(folder)
>>> bool(store.query("ASK { ?s a <https://w3id.org/nibs-graph/ontology#Finding> }"))
True
"""

from __future__ import annotations

import gc
import json
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import StoreError
from .project import ProjectionBuilder, project_store
from .stream import StreamResult, stream_ntriples

if TYPE_CHECKING:
    import pyoxigraph

    from ..projection import GraphData

__all__ = ["BuiltStore", "build_store", "open_store", "store_projection"]

#: The record :mod:`nibs_graph.sparql.stores` keeps in a store folder (same name and keys, so it reuses the store).
META_FILE = "nibs-graph-store.json"
_META_FORMAT = 1


@dataclass
class BuiltStore:
    """What :func:`build_store` built."""

    path: Path
    counts: dict[str, int]
    version: str
    triples: int
    seconds: dict[str, float] = field(default_factory=dict)
    projection: GraphData | None = None


def _meta_format() -> int:
    try:  # follow the SPARQL module's record format when it is installed
        from ..sparql import stores

        return int(getattr(stores, "_META_FORMAT", _META_FORMAT))
    except ImportError:  # pragma: no cover
        return _META_FORMAT


def _unblock(fifo: Path) -> None:
    """Let a writer blocked in ``open(fifo, "wb")`` through (it then gets a broken pipe and stops)."""
    try:
        fd = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    except OSError:
        return
    os.close(fd)


def _load(data_dir: Path, staging: Path, layers: tuple[str, ...], builder: ProjectionBuilder | None) -> StreamResult:
    """Stream the base's N-Triples into a new store in ``staging`` (concurrently where the OS has named pipes)."""
    import pyoxigraph as ox

    try:
        store = ox.Store(str(staging))
    except OSError as exc:
        raise StoreError(f"cannot create the Oxigraph store {staging}: {exc}") from None
    try:
        with tempfile.TemporaryDirectory(prefix="nibs-graph-nt-") as tmp:
            if not hasattr(os, "mkfifo"):  # pragma: no cover - Windows: a temporary file, then the load
                path = Path(tmp) / "graph.nt"
                with path.open("wb") as handle:
                    result = stream_ntriples(data_dir, handle, layers=layers, consumer=builder)
                store.bulk_load(path=str(path), format=ox.RdfFormat.N_TRIPLES, lenient=True)
                store.flush()
                return result
            fifo = Path(tmp) / "graph.nt"
            os.mkfifo(fifo)
            box: dict[str, Any] = {}

            def produce() -> None:
                try:
                    with fifo.open("wb", buffering=1 << 20) as handle:
                        box["result"] = stream_ntriples(data_dir, handle, layers=layers, consumer=builder)
                except BaseException as exc:  # handed to the main thread
                    box["error"] = exc

            writer = threading.Thread(target=produce, name="nibs-graph-ntriples", daemon=True)
            writer.start()
            try:
                store.bulk_load(path=str(fifo), format=ox.RdfFormat.N_TRIPLES, lenient=True)
            except BaseException:
                _unblock(fifo)
                writer.join()
                if isinstance(box.get("error"), Exception) and not isinstance(box["error"], BrokenPipeError):
                    raise box["error"] from None  # the data was invalid: say why, not that the pipe broke
                raise
            writer.join()
            if "error" in box:
                raise box["error"]
            store.flush()
            streamed: StreamResult = box["result"]
            return streamed
    finally:
        del store
        gc.collect()  # RocksDB releases its lock when the handle is collected


def build_store(
    data_dir: Path | str,
    store_dir: Path | str,
    *,
    layers: Iterable[str] = (),
    optimize: bool = False,
    projection: bool = False,
) -> BuiltStore:
    """Validate an evidence base and bulk-load its RDF graph into a persistent Oxigraph store folder.

    Parameters
    ----------
    data_dir:
        An evidence base folder.
    store_dir:
        The store folder to create or replace. An existing folder is replaced only if it is a nibs-graph store
        (it holds ``nibs-graph-store.json``) or is empty.
    layers:
        Optional signalling layers (``"signor"``).
    optimize:
        Compact the store after loading (slower to build, faster to query large results afterwards).
    projection:
        Also assemble the projection in the same pass (:class:`~nibs_graph.scale.project.ProjectionBuilder`).

    Returns
    -------
    BuiltStore
        The folder, row counts, data version, number of triples in the store and the time of each step.

    Raises
    ------
    DataValidationError
        When the evidence base is invalid (nothing is replaced).
    StoreError
        When the target is a foreign non-empty folder or the store cannot be written.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from nibs_graph.paths import default_data_dir
    >>> folder = pathlib.Path(tempfile.mkdtemp()) / "tiny-store"
    >>> build_store(default_data_dir().parent / "tests" / "data" / "tiny", folder).version == json.loads(
    ...     (folder / META_FILE).read_text())["version"]
    True
    """
    import pyoxigraph as ox

    from .. import __version__

    data_dir = Path(data_dir)
    store_dir = Path(store_dir)
    layers = tuple(layers)
    if store_dir.exists() and (
        not store_dir.is_dir() or (any(store_dir.iterdir()) and not (store_dir / META_FILE).is_file())
    ):
        raise StoreError(f"{store_dir} exists and is not a nibs-graph store: choose a new or empty folder")
    store_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = store_dir.with_name(f".{store_dir.name}.building-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    builder = ProjectionBuilder() if projection else None
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    try:
        result = _load(data_dir, staging, layers, builder)
        seconds["stream_and_load"] = time.perf_counter() - started
        store = ox.Store(str(staging))
        try:
            if optimize:
                mark = time.perf_counter()
                store.optimize()
                seconds["optimize"] = time.perf_counter() - mark
            triples = len(store)
        finally:
            del store
            gc.collect()
        meta = {
            "format": _meta_format(),
            "complete": True,
            "source": {"kind": "data", "path": str(data_dir.resolve()), "layers": list(layers)},
            "version": result.version,
            "data_version": result.version,
            "triples": triples,
            "nibs_graph": __version__,
            "load_seconds": round(time.perf_counter() - started, 3),
            "built_by": "nibs_graph.scale.oxigraph.build_store",
            "counts": result.counts,
        }
        (staging / META_FILE).write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
        if store_dir.exists():
            shutil.rmtree(store_dir)
        os.replace(staging, store_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    seconds["total"] = time.perf_counter() - started
    return BuiltStore(
        path=store_dir,
        counts=result.counts,
        version=result.version,
        triples=triples,
        seconds=seconds,
        projection=builder.graph if builder is not None else None,
    )


def open_store(store_dir: Path | str, *, read_only: bool = True) -> pyoxigraph.Store:
    """Open a store folder (read-only by default, so several processes may read it at once).

    Raises
    ------
    StoreError
        When the folder is not an Oxigraph store or is locked for writing by another process.
    """
    import pyoxigraph as ox

    path = Path(store_dir)
    if not path.is_dir():
        raise StoreError(f"{path}: no such Oxigraph store folder")
    try:
        return ox.Store.read_only(str(path)) if read_only else ox.Store(str(path))
    except OSError as exc:
        raise StoreError(f"cannot open the Oxigraph store {path}: {exc}") from None


def store_projection(store_dir: Path | str) -> GraphData:
    """The projection of a store folder, computed with SPARQL (:func:`~nibs_graph.scale.project.project_store`).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from nibs_graph.paths import default_data_dir
    >>> folder = pathlib.Path(tempfile.mkdtemp()) / "s"
    >>> _ = build_store(default_data_dir().parent / "tests" / "data" / "tiny", folder)
    >>> sorted(store_projection(folder).succ["nibs:iTBS"])
    ['HGNC:1033', 'HGNC:2345', 'HGNC:3942', 'nibs:TBS']
    """
    store = open_store(store_dir)
    try:
        return project_store(store)
    finally:
        del store
        gc.collect()
