"""Where SPARQL queries run: one :class:`Store` interface, three implementations, all guarded the same way.

* :class:`MemoryStore` (the default): an in-memory Oxigraph store (pyoxigraph) loaded with the N-Triples the
  streaming writer compiles from an evidence base (``--data``), or with a graph file (``--graph``).
* :class:`OxigraphStore` (``--store oxigraph:DIR``): a persistent Oxigraph store queried with pyoxigraph. A new
  or empty ``DIR`` is bulk-loaded from the compiled graph (N-Triples → ``Store.bulk_load``) and reused
  afterwards; ``DIR/nibs-graph-store.json`` records the source and its data version, and the store is rebuilt
  when the source changes.
* :class:`RemoteStore` (``--endpoint URL``): any SPARQL 1.1 endpoint, over HTTP (SPARQL 1.1 Protocol, URL-encoded
  POST), with a timeout; a connection failure or an HTTP error is a :class:`~nibs_graph.errors.StoreError`.

Every query passes :func:`nibs_graph.sparql.guard.check_query` inside :meth:`Store.query` and
:meth:`Store.construct`, whichever store runs it: updates, ``SERVICE`` and dataset clauses never reach an engine.
Both local stores evaluate with Oxigraph, so they give the same answers (rows where every variable is unbound
included) and the engine parses each query once; relative IRIs in a query are resolved against a base IRI (the
endpoint's URL, or :data:`CLI_BASE` on the command line).

:func:`load_projection` turns a store (``oxigraph:DIR`` or an endpoint URL) into the projection that ``path``,
``hubs`` and the other commands use, by fetching the triples the projection reads with two ``CONSTRUCT``
queries; the projection is cached by the store's data version.

>>> import nibs_graph
>>> tiny = Path(nibs_graph.__file__).parent.parent / "tests" / "data" / "tiny"
>>> store = open_store(StoreSpec(data=tiny))
>>> result = store.query("SELECT ?t WHERE { ?t rdfs:subClassOf nibs:TBS } ORDER BY ?t")
>>> [row["t"]["value"].rsplit("#", 1)[1] for row in result.rows]
['cTBS', 'iTBS']
>>> store.query("DROP ALL")
Traceback (most recent call last):
...
nibs_graph.sparql.guard.QueryRefused: this endpoint is read-only: SPARQL Update (DROP) is refused
"""

from __future__ import annotations

import json
import os
import re
import time
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import NibsGraphError, QueryError, StoreError
from .formats import QueryResult, Term, bnode, literal, render, term_from_rdflib, uri
from .guard import CheckedQuery, QueryRefused, check_query, column_order, engine_error

if TYPE_CHECKING:
    from rdflib import Graph

    from ..projection import GraphData

__all__ = [
    "CLI_BASE",
    "META_FILE",
    "PROJECTION_QUERIES",
    "MemoryStore",
    "OxigraphStore",
    "RemoteStore",
    "ResultTooLarge",
    "Store",
    "StoreSpec",
    "ensure_oxigraph",
    "load_projection",
    "open_store",
    "source_ntriples",
]

#: The base IRI of queries run outside the endpoint (``nibs-graph sparql``, the library): a relative IRI such as
#: ``<s>`` becomes ``<https://w3id.org/nibs-graph/data/s>``, in the data namespace. The endpoint uses its own URL.
CLI_BASE = "https://w3id.org/nibs-graph/data/"

#: The file inside an Oxigraph store folder that records what was loaded into it.
META_FILE = "nibs-graph-store.json"
_META_FORMAT = 1

#: The ``CONSTRUCT`` queries that fetch what :func:`nibs_graph.projection.project` reads.
PROJECTION_QUERIES: tuple[str, ...] = (
    # the technique hierarchy with labels and synonyms
    """CONSTRUCT { ?t ?p ?o } WHERE {
  ?t rdfs:subClassOf* nibs:NIBS ; ?p ?o .
  FILTER(?p IN (rdfs:subClassOf, rdfs:label, skos:altLabel))
}""",
    # every instance the projection turns into nodes, edges and evidence, with all its statements
    """CONSTRUCT { ?s ?p ?o } WHERE {
  VALUES ?class { nibs:Study nibs:Protocol nibs:Finding nibs:SignallingLink nibs:GeneOrProtein
                  nibs:FamilyOrComplex nibs:SmallMolecule nibs:BiologicalProcess nibs:Phenotype prov:Collection
                  nibs:Review nibs:CurationBatch }
  ?s a ?class ; ?p ?o .
}""",
)
_VERSION_QUERY = "SELECT ?v WHERE { ?d a prov:Collection ; owl:versionInfo ?v } LIMIT 1"


class ResultTooLarge(QueryRefused):
    """A result with more rows (or triples) than the configured cap; nothing is returned."""

    def __init__(self, limit: int) -> None:
        super().__init__(
            f"the result has more than {limit} rows (this endpoint's limit): add LIMIT, or LIMIT and OFFSET "
            "to page through it",
            status=400,
            reason="too_many_results",
        )
        self.limit = limit


# ---------------------------------------------------------------------------------------------- spec


@dataclass(frozen=True)
class StoreSpec:
    """What to open: picklable, so worker processes can open the same store.

    Attributes
    ----------
    kind:
        ``memory``, ``oxigraph`` or ``remote``.
    location:
        The Oxigraph folder or the endpoint URL.
    data, graph_file, layers:
        The source of the graph (memory store; what an Oxigraph store is built from).
    timeout:
        HTTP timeout in seconds (remote store).

    Examples
    --------
    >>> StoreSpec.parse("oxigraph:/tmp/nibs").kind
    'oxigraph'
    >>> StoreSpec.parse("http://127.0.0.1:7878/query").kind
    'remote'
    >>> StoreSpec.parse("memory").kind
    'memory'
    """

    kind: str = "memory"
    location: str | None = None
    data: Path | None = None
    graph_file: Path | None = None
    layers: tuple[str, ...] = ()
    timeout: float = 60.0

    @classmethod
    def parse(
        cls,
        spec: str | None,
        *,
        data: Path | str | None = None,
        graph_file: Path | str | None = None,
        layers: Iterable[str] = (),
        timeout: float = 60.0,
    ) -> StoreSpec:
        """Read ``memory``, ``oxigraph:DIR`` or an ``http(s)://`` endpoint URL (None means ``memory``)."""
        data_path = Path(data) if data is not None else None
        graph_path = Path(graph_file) if graph_file is not None else None
        layers = tuple(layers)
        if spec is None or spec == "memory":
            return cls("memory", None, data_path, graph_path, layers, timeout)
        if spec.startswith("oxigraph:"):
            folder = spec[len("oxigraph:") :]
            if not folder:
                raise StoreError("--store oxigraph:DIR needs a folder, e.g. oxigraph:./nibs-store")
            return cls("oxigraph", folder, data_path, graph_path, layers, timeout)
        if spec.startswith(("http://", "https://")):
            if data_path or graph_path:
                raise StoreError("an endpoint holds its own data: --data and --graph cannot be used with it")
            return cls("remote", spec, None, None, (), timeout)
        raise StoreError(f"unknown store {spec!r}: use memory, oxigraph:DIR or an http(s):// endpoint URL")

    def describe(self) -> str:
        """A short human description (for messages and the service description)."""
        if self.kind == "remote":
            return f"remote endpoint {self.location}"
        if self.kind == "oxigraph":
            return f"Oxigraph store {self.location}"
        return f"in-memory Oxigraph store of {self.graph_file or self.data or 'the shipped data'}"


# ---------------------------------------------------------------------------------------------- interface


class Store:
    """One place where SPARQL queries run; subclasses implement :meth:`_execute`.

    Every public method checks the query with :func:`~nibs_graph.sparql.guard.check_query` first.
    """

    kind = "abstract"

    def known_graphs(self) -> tuple[str, ...]:
        """Named graphs a ``FROM`` / ``FROM NAMED`` may name (none: the data is in the default graph)."""
        return ()

    #: Checked queries kept per store, most recent last: a repeated query is not scanned again.
    CHECK_CACHE_SIZE = 256
    #: Whether the guard has Oxigraph parse a query first (the local stores parse it when they run it).
    PARSE_IN_GUARD = True

    def check(self, text: str, *, max_bytes: int | None = None) -> CheckedQuery:
        """Guard ``text`` for this store (see :func:`~nibs_graph.sparql.guard.check_query`).

        Accepted queries are cached by their text; refusals are not cached, so every refused query is checked
        again.
        """
        cache: OrderedDict[tuple[str, int | None], CheckedQuery] = self.__dict__.setdefault("_checked", OrderedDict())
        key = (text, max_bytes)
        hit = cache.get(key)
        if hit is not None:
            cache.move_to_end(key)
            return hit
        checked = check_query(text, max_bytes=max_bytes, known_graphs=self.known_graphs(), parse=self.PARSE_IN_GUARD)
        cache[key] = checked
        if len(cache) > self.CHECK_CACHE_SIZE:
            cache.popitem(last=False)
        return checked

    def query(self, text: str | CheckedQuery, *, max_rows: int | None = None, base: str | None = None) -> QueryResult:
        """Run a query and return its result in the engine-neutral shape.

        Parameters
        ----------
        text:
            The SPARQL query (or one already checked for this store).
        max_rows:
            Raise :class:`ResultTooLarge` rather than return more rows (or triples) than this.
        base:
            The base IRI relative IRIs in the query are resolved against (default :data:`CLI_BASE`).
        """
        checked = text if isinstance(text, CheckedQuery) else self.check(text)
        return self._execute(checked, max_rows, base or CLI_BASE)

    def answer(self, checked: CheckedQuery, fmt: str, *, max_rows: int | None = None, base: str | None = None) -> bytes:
        """Run a checked query and serialise its result in format ``fmt`` (:func:`~nibs_graph.sparql.formats.render`).

        Raises :class:`ResultTooLarge` beyond ``max_rows``, :class:`~nibs_graph.sparql.formats.Unrepresentable`
        when the format cannot carry a value, :class:`~nibs_graph.errors.QueryError` when the query fails.
        """
        return render(self.query(checked, max_rows=max_rows, base=base), fmt)

    def construct(self, text: str) -> Graph:
        """Run a ``CONSTRUCT`` or ``DESCRIBE`` query and return an rdflib ``Graph``."""
        checked = self.check(text)
        if checked.kind != "graph":
            raise QueryError(f"expected a CONSTRUCT or DESCRIBE query, not {checked.form}")
        return self.query(checked).to_rdflib()

    def data_version(self) -> str | None:
        """The data version the compiled graph records (``owl:versionInfo`` of the dataset), if any."""
        rows = self.query(_VERSION_QUERY).rows
        return rows[0]["v"]["value"] if rows and "v" in rows[0] else None

    def triple_count(self) -> int:
        """The number of triples in the default graph."""
        rows = self.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }").rows
        return int(rows[0]["n"]["value"]) if rows else 0

    def fetch_graph(self) -> Graph:
        """The triples the projection reads (:data:`PROJECTION_QUERIES`), as one rdflib graph."""
        from ..rdf import bind_prefixes

        graph = None
        for text in PROJECTION_QUERIES:
            part = self._projection_part(text)
            graph = part if graph is None else graph + part
        return bind_prefixes(graph) if graph is not None else graph  # type: ignore[return-value]

    def _projection_part(self, text: str) -> Graph:
        """The graph one of :data:`PROJECTION_QUERIES` builds."""
        return self.construct(text)

    def close(self) -> None:
        """Release the store (a no-op where nothing is held)."""

    def _execute(self, checked: CheckedQuery, max_rows: int | None, base: str) -> QueryResult:
        raise NotImplementedError


def _capped(items: Iterator[Any], max_rows: int | None) -> list[Any]:
    if max_rows is None:
        return list(items)
    taken = list(islice(items, max_rows + 1))
    if len(taken) > max_rows:
        raise ResultTooLarge(max_rows)
    return taken


# ---------------------------------------------------------------------------------------------- oxigraph engine


def _ox_term(term: Any) -> Term:
    name = type(term).__name__
    if name == "NamedNode":
        return uri(term.value)
    if name == "BlankNode":
        return bnode(term.value)
    if name == "Literal":
        return literal(term.value, term.datatype.value, term.language)
    if name == "Triple":
        return {
            "type": "triple",
            "value": {  # type: ignore[dict-item]
                "subject": _ox_term(term.subject),
                "predicate": _ox_term(term.predicate),
                "object": _ox_term(term.object),
            },
        }
    raise TypeError(f"not an RDF term: {term!r}")


class _OxigraphEngine(Store):
    """What both local stores share: queries evaluated by pyoxigraph on ``self.store``."""

    PARSE_IN_GUARD = False
    store: Any

    def _run(self, checked: CheckedQuery, base: str) -> Any:
        try:
            return self.store.query(checked.text, prefixes=checked.prefixes, base_iri=base)
        except SyntaxError as exc:
            raise engine_error(exc, checked.text) from None
        except (OSError, ValueError, TypeError, RuntimeError) as exc:
            raise QueryError(f"the query failed: {exc}") from None

    def _execute(self, checked: CheckedQuery, max_rows: int | None, base: str) -> QueryResult:
        return self._convert(checked, self._run(checked, base), max_rows)

    def _convert(self, checked: CheckedQuery, result: Any, max_rows: int | None) -> QueryResult:
        try:
            if checked.form == "ASK":
                return QueryResult("ASK", boolean=bool(result))
            if checked.form == "SELECT":
                engine = [v.value for v in result.variables]
                columns = column_order(checked, engine)
                rows = []
                for solution in _capped(iter(result), max_rows):
                    row = {}
                    for name, value in zip(engine, solution, strict=True):
                        if value is not None:
                            row[name] = _ox_term(value)
                    rows.append(row)
                return QueryResult("SELECT", variables=list(columns), rows=rows)
            triples = _capped(iter(result), max_rows)
            return QueryResult(
                checked.form,
                triples=[(_ox_term(t.subject), _ox_term(t.predicate), _ox_term(t.object)) for t in triples],
            )
        except NibsGraphError:
            raise
        except (OSError, ValueError, RuntimeError) as exc:
            raise QueryError(f"the query failed: {exc}") from None

    def answer(self, checked: CheckedQuery, fmt: str, *, max_rows: int | None = None, base: str | None = None) -> bytes:
        """A ``SELECT`` result written by Oxigraph's own serialiser (JSON, XML, CSV, TSV), straight to bytes.

        Falls back to :meth:`Store.answer` (rows converted in Python) where Oxigraph's bytes would differ from
        what the endpoint promises: ``SELECT *`` whose columns Oxigraph orders otherwise than by first appearance,
        XML holding a carriage return (written ``&#13;``) or a character XML 1.0 cannot carry (406), and a result
        too large to be sure it has at most ``max_rows`` rows: the writer stops once the bytes exceed
        ``max_rows`` times the fewest bytes a row can take in the format (:data:`_MIN_ROW_BYTES`), so the fast
        path never serves more than ``max_rows`` rows, and the fallback counts them exactly.
        """
        import pyoxigraph

        if checked.form != "SELECT" or fmt not in _MIN_ROW_BYTES:
            return super().answer(checked, fmt, max_rows=max_rows, base=base)
        result = self._run(checked, base or CLI_BASE)
        engine = tuple(v.value for v in result.variables)
        if column_order(checked, list(engine)) != engine:
            return render(self._convert(checked, result, max_rows), fmt)
        writer = _BoundedWriter(None if max_rows is None else _MIN_ROW_BYTES[fmt] * max_rows)
        try:
            result.serialize(writer, format=getattr(pyoxigraph.QueryResultsFormat, fmt.upper()))
        except _Overflow:
            return super().answer(checked, fmt, max_rows=max_rows, base=base)
        except (OSError, ValueError, RuntimeError) as exc:
            raise QueryError(f"the query failed: {exc}") from None
        body = writer.value()
        if fmt == "xml" and _NOT_PLAIN_XML.search(body):
            return super().answer(checked, fmt, max_rows=max_rows, base=base)
        return body

    def triple_count(self) -> int:
        """The number of triples (quads) in the store."""
        return len(self.store)


#: The fewest bytes one row takes in Oxigraph's serialisation of a result format: ``{}`` and a comma (JSON),
#: ``<result></result>`` (XML), a line break (CSV ``\r\n``, TSV ``\n``). The header takes at least as much again.
_MIN_ROW_BYTES = {"json": 3, "xml": 17, "csv": 2, "tsv": 1}
#: A carriage return, or a character XML 1.0 cannot carry (C0 controls, U+FFFE, U+FFFF), in UTF-8.
_NOT_PLAIN_XML = re.compile(rb"[\x00-\x08\x0b-\x1f]|\xef\xbf[\xbe\xbf]")


class _Overflow(Exception):
    """The serialised result grew past its bound."""


class _BoundedWriter:
    """A binary writer for Oxigraph's serialisers that raises :class:`_Overflow` past ``limit`` bytes."""

    def __init__(self, limit: int | None) -> None:
        self.limit = limit
        self.size = 0
        self.parts: list[bytes] = []

    def write(self, data: bytes) -> int:
        self.size += len(data)
        if self.limit is not None and self.size > self.limit:
            raise _Overflow
        self.parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        """Nothing to flush (the bytes are kept in memory)."""

    def value(self) -> bytes:
        return b"".join(self.parts)


class MemoryStore(_OxigraphEngine):
    """The compiled graph in an in-memory Oxigraph store, loaded from N-Triples.

    Examples
    --------
    >>> MemoryStore(b"<urn:a> <urn:b> <urn:c> .").query("SELECT * { ?s ?p ?o }").rows[0]["s"]["value"]
    'urn:a'
    """

    kind = "memory"

    def __init__(self, ntriples: bytes) -> None:
        import pyoxigraph

        self.store = pyoxigraph.Store()
        try:
            self.store.bulk_load(input=ntriples, format=pyoxigraph.RdfFormat.N_TRIPLES)
        except (SyntaxError, ValueError, OSError) as exc:
            raise StoreError(f"loading the in-memory store failed: {exc}") from None

    @classmethod
    def from_source(
        cls, data: Path | str | None = None, graph_file: Path | str | None = None, layers: Iterable[str] = ()
    ) -> MemoryStore:
        """Compile an evidence base (default: the shipped one) with the streaming writer, or read a graph file."""
        return cls(source_ntriples(data, graph_file, layers))


def source_ntriples(
    data: Path | str | None = None, graph_file: Path | str | None = None, layers: Iterable[str] = ()
) -> bytes:
    """The N-Triples of an evidence base (the streaming writer of :mod:`nibs_graph.scale.stream`) or graph file."""
    if graph_file is not None:
        import pyoxigraph

        from ..rdf import oxigraph_quads, read_graph

        serialized = pyoxigraph.serialize(oxigraph_quads(read_graph(graph_file)), format=pyoxigraph.RdfFormat.N_TRIPLES)
        assert isinstance(serialized, bytes)
        return serialized
    import io

    from ..paths import default_data_dir
    from ..scale.stream import stream_ntriples

    buffer = io.BytesIO()
    stream_ntriples(Path(data) if data is not None else default_data_dir(), buffer, layers=tuple(layers))
    return buffer.getvalue()


class OxigraphStore(_OxigraphEngine):
    """A persistent Oxigraph store (a RocksDB folder) queried with pyoxigraph.

    Open one with :func:`open_store` (which builds or refreshes the folder first); ``read_only`` lets several
    processes (the endpoint's workers) read the same folder.
    """

    kind = "oxigraph"

    def __init__(self, path: Path | str, *, read_only: bool = True) -> None:
        import pyoxigraph

        self.path = Path(path)
        try:
            self.store = pyoxigraph.Store.read_only(str(self.path)) if read_only else pyoxigraph.Store(str(self.path))
        except OSError as exc:
            raise StoreError(f"cannot open the Oxigraph store {self.path}: {exc}") from None

    def known_graphs(self) -> tuple[str, ...]:
        """The store's named graphs (a query may name these in ``FROM``; Oxigraph never fetches them)."""
        return tuple(g.value for g in self.store.named_graphs() if type(g).__name__ == "NamedNode")

    def close(self) -> None:
        """Drop the handle (RocksDB releases its lock when the object is collected)."""
        import gc

        self.__dict__.pop("store", None)
        gc.collect()


def _source_of(spec: StoreSpec, meta: dict[str, Any] | None) -> dict[str, Any]:
    """The source an Oxigraph store should mirror: the spec's, else the one recorded, else the shipped data."""
    from ..paths import default_data_dir

    if spec.graph_file is not None:
        return {"kind": "graph", "path": str(Path(spec.graph_file).resolve()), "layers": []}
    if spec.data is not None:
        return {"kind": "data", "path": str(Path(spec.data).resolve()), "layers": list(spec.layers)}
    if meta and meta.get("source"):
        return dict(meta["source"])
    return {"kind": "data", "path": str(default_data_dir().resolve()), "layers": list(spec.layers)}


def _source_version(source: dict[str, Any]) -> str | None:
    """The current version of a source, or None when it no longer exists."""
    from ..cache import file_digest

    path = Path(source["path"])
    if source["kind"] == "graph":
        return file_digest(path.read_bytes()) if path.is_file() else None
    if not path.is_dir():
        return None
    from ..validate import data_version

    return data_version(path, source.get("layers", ()))


def _read_meta(folder: Path) -> dict[str, Any] | None:
    try:
        meta = json.loads((folder / META_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return meta if isinstance(meta, dict) else None


def _write_meta(folder: Path, meta: dict[str, Any]) -> None:
    tmp = folder / (META_FILE + ".tmp")
    tmp.write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, folder / META_FILE)


def ensure_oxigraph(spec: StoreSpec) -> Path:
    """Make sure the Oxigraph folder of ``spec`` holds the current graph of its source; build it if not.

    A new or empty folder is bulk-loaded; a folder built from the same source at the same data version is reused
    as it is; a folder whose source changed (or whose last build did not finish) is cleared and loaded again. A
    non-empty folder that nibs-graph did not build is refused rather than overwritten.

    Parameters
    ----------
    spec:
        A store spec of kind ``oxigraph``; ``data`` / ``graph_file`` / ``layers`` name the source (default: the
        source recorded in the folder, else the shipped data).

    Returns
    -------
    Path
        The store folder.

    Raises
    ------
    StoreError
        When the folder is not a nibs-graph store, is locked by another process, or cannot be written.
    """
    import gc

    folder = Path(str(spec.location))
    meta = _read_meta(folder)
    source = _source_of(spec, meta)
    version = _source_version(source)
    reusable = bool(meta and meta.get("complete") and meta.get("format") == _META_FORMAT)
    if reusable and meta and meta.get("source") == source and (version is None or meta.get("version") == version):
        return folder  # up to date, or its source is gone: reuse what was loaded
    if version is None:
        raise StoreError(f"cannot build the Oxigraph store {folder}: its source {source['path']} does not exist")
    if folder.exists() and not folder.is_dir():
        raise StoreError(f"--store oxigraph:{folder}: not a folder")
    if folder.is_dir() and any(folder.iterdir()) and meta is None:
        raise StoreError(
            f"--store oxigraph:{folder}: the folder is not empty and was not built by nibs-graph; "
            "choose a new or empty folder"
        )
    import pyoxigraph

    if source["kind"] == "graph":
        ntriples = source_ntriples(graph_file=source["path"])
    else:
        ntriples = source_ntriples(source["path"], layers=tuple(source.get("layers", ())))
    started = time.perf_counter()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        _write_meta(folder, {"format": _META_FORMAT, "complete": False, "source": source, "version": version})
    except OSError as exc:
        raise StoreError(f"--store oxigraph:{folder}: cannot create the store there: {exc.strerror or exc}") from None
    try:
        store = pyoxigraph.Store(str(folder))
    except OSError as exc:
        raise StoreError(f"cannot open the Oxigraph store {folder} for writing (is it in use?): {exc}") from None
    try:
        store.clear()
        store.bulk_load(input=ntriples, format=pyoxigraph.RdfFormat.N_TRIPLES)
        store.flush()
        triples = len(store)
    except (OSError, SyntaxError, ValueError) as exc:
        raise StoreError(f"loading the Oxigraph store {folder} failed: {exc}") from None
    finally:
        del store
        gc.collect()
    from .. import __version__

    _write_meta(
        folder,
        {
            "format": _META_FORMAT,
            "complete": True,
            "source": source,
            "version": version,
            "data_version": version if source["kind"] == "data" else None,
            "triples": triples,
            "nibs_graph": __version__,
            "load_seconds": round(time.perf_counter() - started, 3),
        },
    )
    return folder


# ---------------------------------------------------------------------------------------------- remote


def _count_query(construct: str) -> str:
    """The query counting the distinct triples a ``CONSTRUCT { ?s ?p ?o } WHERE { ... }`` builds.

    >>> _count_query("CONSTRUCT { ?t ?p ?o } WHERE { ?t a ?c ; ?p ?o . }")
    'SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?t ?p ?o WHERE { ?t a ?c ; ?p ?o . } }'
    """
    template, where = construct.split("WHERE", 1)
    variables = " ".join(template[template.index("{") + 1 : template.index("}")].split())
    return f"SELECT (COUNT(*) AS ?n) WHERE {{ SELECT DISTINCT {variables} WHERE {where.strip()} }}"


def _ask_answer(payload: dict[str, Any]) -> bool | None:
    """The answer of an ``ASK`` in SPARQL JSON results, or None when the payload holds none.

    The standard shape is ``{"boolean": true}``. Virtuoso 7.2 (Debian's ``virtuoso-opensource``) answers an ``ASK``
    with a one-column result set instead: one row ``__ASK_RETVAL`` = 1 for true, no row for false.

    >>> _ask_answer({"head": {}, "boolean": True})
    True
    >>> virtuoso = {"head": {"vars": ["__ASK_RETVAL"]}, "results": {"bindings": []}}
    >>> _ask_answer(virtuoso)
    False
    >>> virtuoso["results"]["bindings"] = [{"__ASK_RETVAL": {"type": "typed-literal", "value": "1"}}]
    >>> _ask_answer(virtuoso)
    True
    >>> _ask_answer({"head": {"vars": ["s"]}, "results": {"bindings": []}}) is None
    True
    """
    answer = payload.get("boolean")
    if isinstance(answer, bool):
        return answer
    head, results = payload.get("head"), payload.get("results")
    if not (isinstance(head, dict) and head.get("vars") == ["__ASK_RETVAL"] and isinstance(results, dict)):
        return None
    rows = results.get("bindings")
    if rows == []:
        return False
    if not isinstance(rows, list) or len(rows) != 1:
        return None
    try:
        value = rows[0]["__ASK_RETVAL"]["value"]
    except (TypeError, KeyError):
        return None
    return {"1": True, "true": True, "0": False, "false": False}.get(value) if isinstance(value, str) else None


def _select_shape(payload: dict[str, Any]) -> tuple[list[str], list[dict[str, dict[str, str]]]] | None:
    """The variables and bindings of a SPARQL JSON SELECT answer, or None when its parts have the wrong types.

    A remote endpoint is someone else's server: every part is checked before it is read.

    >>> _select_shape({"head": {"vars": ["s"]}, "results": {"bindings": [{"s": {"type": "uri", "value": "x"}}]}})
    (['s'], [{'s': {'type': 'uri', 'value': 'x'}}])
    >>> _select_shape({"head": ["s"], "results": {"bindings": []}}) is None
    True
    >>> _select_shape({"head": {"vars": ["s"]}, "results": {"bindings": [{"s": "x"}]}}) is None
    True
    """
    head = payload.get("head", {})
    results = payload.get("results", {})
    if not (isinstance(head, dict) and isinstance(results, dict)):
        return None
    variables = head.get("vars", [])
    bindings = results.get("bindings", [])
    if not (isinstance(variables, list) and all(isinstance(v, str) for v in variables)):
        return None
    if not isinstance(bindings, list):
        return None
    for binding in bindings:
        if not isinstance(binding, dict):
            return None
        for name, term in binding.items():
            if not (isinstance(name, str) and isinstance(term, dict)):
                return None
            if not all(isinstance(term.get(k, ""), str) for k in ("type", "value", "datatype", "xml:lang")):
                return None
    return variables, bindings


class RemoteStore(Store):
    """A SPARQL 1.1 endpoint over HTTP (URL-encoded POST), with a timeout and no redirects to other schemes.

    Examples
    --------
    >>> RemoteStore("http://127.0.0.1:9/sparql", timeout=2).query("ASK { ?s ?p ?o }")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    nibs_graph.errors.StoreError: cannot reach the SPARQL endpoint http://127.0.0.1:9/sparql: ...
    """

    kind = "remote"

    def __init__(self, url: str, *, timeout: float = 60.0) -> None:
        from urllib.parse import urlsplit

        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise StoreError(f"not an http(s) endpoint URL: {url!r}")
        self.url = url
        self.timeout = timeout

    def _opener(self) -> Any:
        import urllib.request

        # no FileHandler / FTPHandler / DataHandler: only http(s), and redirects only to http(s)
        opener = urllib.request.OpenerDirector()
        for handler in (
            urllib.request.ProxyHandler(),
            urllib.request.HTTPHandler(),
            urllib.request.HTTPSHandler(),
            urllib.request.HTTPRedirectHandler(),
            urllib.request.HTTPErrorProcessor(),
            urllib.request.HTTPDefaultErrorHandler(),
        ):
            opener.add_handler(handler)
        return opener

    def _post(self, text: str, accept: str) -> tuple[str, bytes]:
        import urllib.error
        import urllib.request
        from urllib.parse import urlencode

        from .. import __version__

        request = urllib.request.Request(
            self.url,
            data=urlencode({"query": text}).encode("utf-8"),
            headers={
                "Accept": accept,
                "Content-Type": "application/x-www-form-urlencoded",
                "User-Agent": f"nibs-graph/{__version__}",
            },
            method="POST",
        )
        try:
            with self._opener().open(request, timeout=self.timeout) as response:
                body = response.read()
                ctype = response.headers.get("Content-Type", "")
                capped = response.headers.get("X-SPARQL-MaxRows", "")
        except urllib.error.HTTPError as exc:
            detail = " ".join(exc.read(600).decode("utf-8", "replace").split())[:300]
            message = f"the SPARQL endpoint {self.url} answered HTTP {exc.code}" + (f": {detail}" if detail else "")
            if exc.code in (400, 403):
                raise QueryError(message) from None
            raise StoreError(message) from None
        except urllib.error.URLError as exc:
            raise StoreError(f"cannot reach the SPARQL endpoint {self.url}: {exc.reason}") from None
        except TimeoutError:
            raise StoreError(f"the SPARQL endpoint {self.url} did not answer within {self.timeout:g} s") from None
        except OSError as exc:
            raise StoreError(f"cannot reach the SPARQL endpoint {self.url}: {exc}") from None
        if capped.strip().isdigit():  # Virtuoso: the answer reached its ResultSetMaxRows and may be cut there
            raise ResultTooLarge(int(capped))
        return ctype.split(";")[0].strip().lower(), body

    def _execute(self, checked: CheckedQuery, max_rows: int | None, base: str) -> QueryResult:
        if checked.kind == "graph":
            graph = self._construct(checked, base)
            triples = _capped(iter(graph), max_rows)
            return QueryResult(
                checked.form,
                triples=[(term_from_rdflib(s), term_from_rdflib(p), term_from_rdflib(o)) for s, p, o in triples],
            )
        ctype, body = self._post(checked.with_prologue(base), "application/sparql-results+json")
        try:
            payload = json.loads(body.decode("utf-8"))
        except ValueError:
            payload = None
        if not isinstance(payload, dict):
            raise StoreError(
                f"the SPARQL endpoint {self.url} did not answer with SPARQL JSON results ({ctype or 'no type'})"
            )
        if checked.form == "ASK":
            answer = _ask_answer(payload)
            if answer is None:
                raise StoreError(f"the SPARQL endpoint {self.url} answered an ASK query without a boolean")
            return QueryResult("ASK", boolean=answer)
        shaped = _select_shape(payload)
        if shaped is None:
            raise StoreError(f"the SPARQL endpoint {self.url} sent malformed SPARQL JSON results")
        variables, bindings = shaped
        rows = []
        for binding in _capped(iter(bindings), max_rows):
            row = {}
            for name, term in binding.items():
                if term.get("type") == "typed-literal":
                    term = {**term, "type": "literal"}
                row[name] = {k: v for k, v in term.items() if k in ("type", "value", "datatype", "xml:lang")}
            rows.append(row)
        return QueryResult("SELECT", variables=variables, rows=rows)

    def _projection_part(self, text: str) -> Graph:
        """The graph a projection query builds, refused when the endpoint sent fewer triples than it counts.

        Some engines cut every answer at a row cap and say so only for ``SELECT`` (Virtuoso's
        ``ResultSetMaxRows``, 10 000 in Debian's ``virtuoso.ini``): a cut projection would answer wrongly.
        """
        part = self.construct(text)
        rows = self.query(_count_query(text)).rows
        try:
            expected = int(rows[0]["n"]["value"])
        except (IndexError, KeyError, TypeError, ValueError):
            raise StoreError(f"the SPARQL endpoint {self.url} did not answer a COUNT with a number") from None
        if len(part) < expected:
            raise StoreError(
                f"the SPARQL endpoint {self.url} sent {len(part)} of the {expected} triples nibs-graph reads: it "
                f"cuts answers at a row cap (Virtuoso: raise [SPARQL] ResultSetMaxRows in virtuoso.ini above "
                f"{expected})"
            )
        return part

    def _construct(self, checked: CheckedQuery, base: str) -> Graph:
        from rdflib import Graph

        from ..rdf import bind_prefixes

        ctype, body = self._post(
            checked.with_prologue(base), "application/n-triples, text/turtle;q=0.9, application/rdf+xml;q=0.5"
        )
        fmt = {
            "application/n-triples": "nt",
            "text/plain": "nt",
            "text/turtle": "turtle",
            "application/x-turtle": "turtle",
            "application/rdf+xml": "xml",
            "application/ld+json": "json-ld",
        }.get(ctype)
        if fmt is None:
            raise StoreError(f"the SPARQL endpoint {self.url} answered a graph query with {ctype or 'no type'}")
        from ..errors import GraphFileError
        from ..graphfile import parse_graph

        try:  # checked first: no remote context, no XML entities, the size/prefix/nesting/list limits
            return parse_graph(bind_prefixes(Graph()), body, fmt, f"the graph sent by {self.url}")
        except GraphFileError as exc:
            raise StoreError(f"the SPARQL endpoint {self.url} sent an unusable {fmt} graph: {exc}") from None


# ---------------------------------------------------------------------------------------------- opening


def open_store(spec: StoreSpec | str | None = None, *, read_only: bool = True) -> Store:
    """Open the store a spec names; an Oxigraph folder is built or refreshed first (:func:`ensure_oxigraph`).

    Parameters
    ----------
    spec:
        A :class:`StoreSpec`, or a string for :meth:`StoreSpec.parse` (``memory``, ``oxigraph:DIR``, a URL).
    read_only:
        Open an Oxigraph folder read-only (several processes may then read it at once).
    """
    if not isinstance(spec, StoreSpec):
        spec = StoreSpec.parse(spec)
    if spec.kind == "remote":
        return RemoteStore(str(spec.location), timeout=spec.timeout)
    if spec.kind == "oxigraph":
        folder = ensure_oxigraph(spec)
        return OxigraphStore(folder, read_only=read_only)
    return MemoryStore.from_source(spec.data, spec.graph_file, spec.layers)


def load_projection(spec: str) -> GraphData:
    """The projection of the graph in a store: ``oxigraph:DIR`` or a SPARQL endpoint URL.

    The triples the projection reads are fetched with :data:`PROJECTION_QUERIES` into an rdflib graph and handed
    to :func:`nibs_graph.projection.project`; the answer is cached by the store's location, data version and size.

    Raises
    ------
    StoreError
        When the store cannot be opened or the endpoint cannot be reached or answers with an error.
    """
    from ..api import cached
    from ..cache import file_digest
    from ..projection import project

    store_spec = StoreSpec.parse(spec)
    store = open_store(store_spec)
    try:
        version = store.data_version()
        key = file_digest(str(store_spec.location), str(version), str(store.triple_count())) if version else ""
        return cached(store_spec.kind, key, lambda: project(store.fetch_graph()), enabled=bool(version))
    finally:
        store.close()
