"""The projection as one SQLite file, and a :class:`LazyGraph` that reads from it only what a query touches.

The cache (:mod:`nibs_graph.cache`) stores each compiled projection as one SQLite database; a hit opens it
read-only and hands the queries a :class:`LazyGraph`: the same mappings as a
:class:`~nibs_graph.projection.GraphData` (``nodes``, ``succ``, ``pred``, ``graph["findings"]``, ``edges()``),
each entry fetched on first use and kept, so that ``path`` reads the nodes it visits and the evidence of the hops
it keeps, not the million records of a large base. Sections that queries scan whole have their own tables: the
name index (:meth:`LazyGraph.lookup_name`), the signalling edges (:meth:`LazyGraph.signalling_edges`) and the
study and finding ids of each effect edge (:meth:`LazyGraph.effect_ids`).

Layout (``SCHEMA``; the order of every mapping is the order the projection was built in):

* ``meta(name, value)``: the layout version, the graph attributes (JSON);
* ``shapes(id, keys)``: the key lists of attribute dicts (a row stores its values as a JSON array under a shape);
* ``nodes(id, name, shape, attrs)``: one row per node, ``id`` its position;
* ``edges(id, u, v, pred_pos, key, signalling, shape, attrs, refs)``: one row per edge in ``succ`` order;
  ``pred_pos`` orders ``pred[v]``; an evidence tuple made of finding records is ``refs`` (a JSON array of
  ``findings.id``), so a record is stored once and shared by its edges as in the projection;
* ``findings(id, finding_id, study_id, shape, record)``: the evidence records (``graph["findings"]``);
* ``names(key, node)``: every lower-cased name of :func:`nibs_graph.resolve.name_index` and the node it names.

Values are JSON that runs no code: arrays come back as tuples, ``{"L": [...]}`` as a list, ``{"D": {...}}`` as a
dict (string keys). :func:`open_graph` refuses (:class:`GraphDBError`) a file that is not a regular SQLite file of
this exact schema (no trigger, view or extra table: the ``sqlite_master`` rows must equal ``SCHEMA``), opened with
``mode=ro``, ``immutable``, ``query_only`` and ``trusted_schema=OFF``. A row that does not decode raises
:class:`~nibs_graph.errors.CacheError` when it is read.

>>> import tempfile, pathlib
>>> from nibs_graph.projection import GraphData
>>> G = GraphData()
>>> e = G.add_edge("nibs:iTBS", "HGNC:1033", "increased", sign=1, studies=("s1",))
>>> G.graph["findings"] = {"f1": {"finding_id": "f1", "study_id": "s1", "conflicts_with": ()}}
>>> e["evidence"] = (G.graph["findings"]["f1"],)
>>> path = pathlib.Path(tempfile.mkdtemp()) / "g.sqlite"
>>> write_graph(G, path, {"kind": "demo"})
>>> H = open_graph(path, {"kind": "demo"})
>>> H.succ["nibs:iTBS"]["HGNC:1033"]["increased"]["evidence"][0] is H.graph["findings"]["f1"]
True
>>> H.materialize() == G
True
"""

from __future__ import annotations

import json
import os
import sqlite3
import stat
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import CacheError
from .projection import GraphData

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["LAYOUT", "SCHEMA", "GraphDBError", "LazyGraph", "open_graph", "write_graph"]

#: Bump when the layout changes.
LAYOUT = 1
_SCALARS = (str, int, float, bool, type(None))
_SCALAR_SET = frozenset(_SCALARS)
_KINDS = {**dict.fromkeys(_SCALARS, "v"), tuple: "t"}
_SQLITE_MAGIC = b"SQLite format 3\x00"

#: The only rows ``sqlite_master`` may hold: (type, name, SQL).
SCHEMA: tuple[tuple[str, str, str], ...] = (
    ("table", "meta", "CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID"),
    ("table", "shapes", "CREATE TABLE shapes (id INTEGER PRIMARY KEY, keys TEXT NOT NULL, kinds TEXT NOT NULL)"),
    (
        "table",
        "nodes",
        "CREATE TABLE nodes (id INTEGER PRIMARY KEY, name TEXT NOT NULL, type TEXT, shape INTEGER, attrs TEXT)",
    ),
    ("index", "nodes_name", "CREATE UNIQUE INDEX nodes_name ON nodes (name)"),
    (
        "table",
        "edges",
        "CREATE TABLE edges (id INTEGER PRIMARY KEY, u INTEGER NOT NULL, v INTEGER NOT NULL, pred_pos INTEGER NOT "
        "NULL, key TEXT NOT NULL, signalling INTEGER NOT NULL, layer TEXT, relation TEXT, shape INTEGER, attrs TEXT, "
        "refs TEXT, ref_studies TEXT, sign INTEGER)",
    ),
    ("index", "edges_u", "CREATE INDEX edges_u ON edges (u, id)"),
    ("index", "edges_v", "CREATE INDEX edges_v ON edges (v, pred_pos, id)"),
    ("index", "edges_signalling", "CREATE INDEX edges_signalling ON edges (signalling, id)"),
    (
        "table",
        "findings",
        "CREATE TABLE findings (id INTEGER PRIMARY KEY, finding_id TEXT NOT NULL, study_id TEXT, shape INTEGER, "
        "record TEXT)",
    ),
    ("index", "findings_id", "CREATE INDEX findings_id ON findings (finding_id)"),
    ("table", "names", "CREATE TABLE names (key TEXT PRIMARY KEY, node TEXT NOT NULL) WITHOUT ROWID"),
)


class GraphDBError(Exception):
    """The file is not a graph database of this layout (the cache treats it as a miss)."""


# ---------------------------------------------------------------------------------------------------- values


def enc(value: Any) -> Any:
    """A value as JSON-ready data: a tuple an array, a list ``{"L": ...}``, a dict ``{"D": ...}`` (string keys).

    >>> enc((1, ["a"], {"k": None}))
    [1, {'L': ['a']}, {'D': {'k': None}}]
    """
    kind = type(value)
    if kind in _SCALARS:
        return value
    if kind is tuple:
        return [enc(item) for item in value]
    if kind is list:
        return {"L": [enc(item) for item in value]}
    if kind is dict:
        if not all(type(k) is str for k in value):
            raise TypeError("a dict with a key that is not a string cannot be cached")
        return {"D": {k: enc(v) for k, v in value.items()}}
    raise TypeError(f"a {kind.__name__} cannot be cached")


def dec(value: Any) -> Any:
    """The value :func:`enc` wrote (``ValueError`` for anything else).

    >>> dec([1, {"L": ["a"]}, {"D": {"k": None}}])
    (1, ['a'], {'k': None})
    """
    kind = type(value)
    if kind in _SCALARS:
        return value
    if kind is list:
        return tuple(dec(item) for item in value)
    if kind is dict and len(value) == 1:
        ((tag, inner),) = value.items()
        if tag == "L" and type(inner) is list:
            return [dec(item) for item in inner]
        if tag == "D" and type(inner) is dict:
            return {k: dec(v) for k, v in inner.items()}
    raise ValueError("malformed value")


def _text(value: Any) -> str | None:
    return value if type(value) is str else None


_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False).encode


# ---------------------------------------------------------------------------------------------------- writing


def write_graph(G: GraphData, path: Path, meta: dict[str, Any], names: dict[str, str] | None = None) -> None:
    """Write ``G`` as a new database at ``path`` (which must not exist); ``meta`` is checked again on open.

    Raises
    ------
    TypeError
        When ``G`` holds a value this layout cannot store, or its mappings are not in one node order (the caller
        then does not cache).
    """
    if list(G.succ) != list(G.nodes) or list(G.pred) != list(G.nodes):
        raise TypeError("succ, pred and nodes list the nodes in different orders")
    if names is None:
        from .resolve import build_name_index

        names = build_name_index(G.nodes.items())
    node_id = {name: i for i, name in enumerate(G.nodes)}
    shapes: dict[tuple[tuple[str, ...], str], int] = {}

    def row(attrs: dict[str, Any], skip: str | None = None) -> tuple[int, str]:
        keys = tuple(attrs)
        values = list(attrs.values())
        if skip is not None:
            values[keys.index(skip)] = None
        kinds = "".join([_KINDS.get(type(v), "g") for v in values])
        if "t" in kinds or "g" in kinds:
            marks = list(kinds)
            for j, kind in enumerate(marks):
                if kind == "t" and not set(map(type, values[j])) <= _SCALAR_SET:
                    kind = marks[j] = "g"
                if kind == "g":
                    values[j] = enc(values[j])
            kinds = "".join(marks)
        shape = shapes.get((keys, kinds))
        if shape is None:
            if not all(type(k) is str for k in keys):
                raise TypeError("an attribute name that is not a string cannot be cached")
            shape = shapes[(keys, kinds)] = len(shapes)
        return shape, _dumps(values)

    findings = G.graph.get("findings")
    records: list[dict[str, Any]] = []
    if type(findings) is dict and all(type(r) is dict and type(k) is str for k, r in findings.items()):
        records = list(findings.values())
    record_id = {id(r): i for i, r in enumerate(records)}
    if len(record_id) != len(records):
        raise TypeError("a record listed twice in graph['findings']")
    graph_attrs = [[k, None if (k == "findings" and records) else enc(v)] for k, v in G.graph.items()]
    pred_pos: dict[tuple[str, str], int] = {}
    for v, nbrs in G.pred.items():
        for i, u in enumerate(nbrs):
            pred_pos[(u, v)] = i
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode=OFF")
        conn.execute("PRAGMA synchronous=OFF")
        conn.execute("PRAGMA page_size=8192")
        conn.execute("BEGIN")
        for kind, _name, sql in SCHEMA:
            if kind == "table":
                conn.execute(sql)
        meta_rows = {**meta, "layout": LAYOUT, "graph": graph_attrs, "has_findings": bool(records)}
        conn.executemany("INSERT INTO meta VALUES (?, ?)", ((k, _dumps(v)) for k, v in meta_rows.items()))
        conn.executemany(
            "INSERT INTO nodes VALUES (?, ?, ?, ?, ?)",
            ((i, n, _text(a.get("type")), *row(a)) for i, (n, a) in enumerate(G.nodes.items())),
        )

        def finding_rows() -> Iterator[tuple[Any, ...]]:
            for i, (fid, record) in enumerate(findings.items() if records else ()):  # type: ignore[union-attr]
                study = record.get("study_id")
                yield (i, fid, study if type(study) is str else None, *row(record))

        conn.executemany("INSERT INTO findings VALUES (?, ?, ?, ?, ?)", finding_rows())

        known = record_id.__contains__

        def edge_rows() -> Iterator[tuple[Any, ...]]:
            i = 0
            for u, nbrs in G.succ.items():
                for v, keyed in nbrs.items():
                    for key, attrs in keyed.items():
                        if type(key) is not str:
                            raise TypeError("an edge key that is not a string cannot be cached")
                        evidence = attrs.get("evidence")
                        refs = ref_studies = None
                        if records and type(evidence) is tuple and evidence and all(map(known, map(id, evidence))):
                            refs = _dumps(list(map(record_id.__getitem__, map(id, evidence))))
                            # the studies a path ranks the hop by (Hop.studies), so that it need not read the records
                            studies = {r.get("study_id") for r in evidence if r.get("study_id")}
                            ref_studies = _dumps([enc(s) for s in sorted(studies, key=str)])
                        shape, values = row(attrs, "evidence" if refs else None)
                        layer, relation = attrs.get("layer"), attrs.get("relation")
                        if not (type(layer) in (str, type(None)) and type(relation) in (str, type(None))):
                            raise TypeError("a layer or relation that is not a string cannot be cached")
                        signalling = int("layer" in attrs)
                        u_id, v_id, pos = node_id[u], node_id[v], pred_pos[(u, v)]
                        sign = attrs.get("sign")
                        if refs is not None and (type(sign) not in (int, type(None)) or "sign" not in attrs):
                            ref_studies = None  # a path reads this edge whole (see _Adjacency.evidence_brief)
                        sign = sign if type(sign) is int else None
                        yield (
                            i,
                            u_id,
                            v_id,
                            pos,
                            key,
                            signalling,
                            layer,
                            relation,
                            shape,
                            values,
                            refs,
                            ref_studies,
                            sign,
                        )
                        i += 1

        conn.executemany("INSERT INTO edges VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", edge_rows())
        conn.executemany("INSERT INTO names VALUES (?, ?)", sorted(names.items()))
        conn.executemany(
            "INSERT INTO shapes VALUES (?, ?, ?)", ((i, _dumps(list(k)), kinds) for (k, kinds), i in shapes.items())
        )
        for kind, _name, sql in SCHEMA:
            if kind == "index":
                conn.execute(sql)
        conn.execute("COMMIT")
    finally:
        conn.close()


# ---------------------------------------------------------------------------------------------------- reading


def _check_file(path: Path) -> None:
    """A regular SQLite file whose header's page count matches its size (not truncated or extended)."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise GraphDBError(f"cannot be opened ({exc.strerror or exc})") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise GraphDBError("not a regular file")
        header = os.pread(fd, 100, 0)
    finally:
        os.close(fd)
    if len(header) < 100 or not header.startswith(_SQLITE_MAGIC):
        raise GraphDBError("not an SQLite file")
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(header[28:32], "big")
    if header[24:28] != header[92:96] or page_size * pages != info.st_size:
        raise GraphDBError("truncated or extended")


def open_graph(path: Path, expect: dict[str, Any]) -> LazyGraph:
    """Open the database at ``path`` read-only as a :class:`LazyGraph`; every ``expect`` item must match its meta.

    Raises
    ------
    GraphDBError
        When the file is not such a database (a link, FIFO or device, another schema, triggers or views, another
        layout or ``expect`` not met).
    """
    _check_file(path)
    from urllib.parse import quote

    uri = f"file:{quote(str(Path(path).resolve()))}?mode=ro&immutable=1"
    try:
        conn = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)
    except sqlite3.Error as exc:
        raise GraphDBError(f"not readable ({exc})") from None
    try:
        conn.execute("PRAGMA trusted_schema=OFF")
        conn.execute("PRAGMA query_only=ON")
        found = sorted(
            conn.execute("SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_autoindex%'")
        )
        if found != sorted(SCHEMA):
            raise GraphDBError("another schema")
        meta = {name: json.loads(value) for name, value in conn.execute("SELECT name, value FROM meta")}
        if meta.get("layout") != LAYOUT:
            raise GraphDBError(f"layout {meta.get('layout')!r}, expected {LAYOUT}")
        for key, value in expect.items():
            if meta.get(key) != value:
                raise GraphDBError(f"{key} {meta.get(key)!r}, expected {value!r}")
        return LazyGraph(conn, meta)
    except GraphDBError:
        conn.close()
        raise
    except (sqlite3.Error, ValueError, TypeError) as exc:
        conn.close()
        raise GraphDBError(f"unreadable ({exc})") from None


class _Reader:
    """The open database and the memos shared by the mappings of one :class:`LazyGraph`."""

    def __init__(self, conn: sqlite3.Connection, path: str) -> None:
        self.conn = conn
        self.path = path
        self.shapes: dict[int, tuple[tuple[str, ...], list[int], list[int]]] = {}
        for i, keys, kinds in conn.execute("SELECT id, keys, kinds FROM shapes"):
            names = tuple(json.loads(keys))
            if not all(type(k) is str for k in names) or len(kinds) != len(names) or set(kinds) - set("vtg"):
                raise ValueError("malformed shapes")
            tuples = [j for j, kind in enumerate(kinds) if kind == "t"]
            self.shapes[i] = (names, tuples, [j for j, kind in enumerate(kinds) if kind == "g"])
        self.records: dict[int, dict[str, Any]] = {}
        self.edges: dict[int, dict[str, Any]] = {}

    def damaged(self, what: str) -> CacheError:
        """The error for a row that does not decode; the entry is removed so that the next run rebuilds it."""
        try:
            os.unlink(self.path)
            done = "it was removed: run the command again to rebuild it"
        except OSError:
            done = "run `nibs-graph cache clear`"
        return CacheError(f"the cache entry {self.path} is damaged ({what}); {done}")

    def query(self, sql: str, args: tuple[Any, ...] = ()) -> list[Any]:
        try:
            return self.conn.execute(sql, args).fetchall()
        except sqlite3.Error as exc:
            raise self.damaged(f"unreadable: {exc}") from None

    def attrs(self, shape: int, values: str, what: str) -> dict[str, Any]:
        try:
            keys, tuples, generic = self.shapes[shape]
            decoded = json.loads(values)
            if type(decoded) is not list or len(decoded) != len(keys):
                raise ValueError("wrong length")
            for j in tuples:
                if type(decoded[j]) is not list:
                    raise ValueError("not an array")
                decoded[j] = tuple(decoded[j])
            for j in generic:
                decoded[j] = dec(decoded[j])
            return dict(zip(keys, decoded, strict=True))
        except (KeyError, ValueError, TypeError) as exc:
            raise self.damaged(f"a malformed {what}: {exc}") from None

    def record_rows(self, ids: list[int]) -> None:
        """Decode the records ``ids`` not yet in the memo."""
        missing = [i for i in dict.fromkeys(ids) if i not in self.records]
        for start in range(0, len(missing), 900):
            chunk = missing[start : start + 900]
            marks = ",".join("?" * len(chunk))
            for i, shape, record in self.query(
                f"SELECT id, shape, record FROM findings WHERE id IN ({marks})", tuple(chunk)
            ):
                self.records[i] = self.attrs(shape, record, "finding record")
        if any(i not in self.records for i in missing):
            raise self.damaged("an evidence record it refers to is missing")

    def edge(self, edge_id: int, shape: int, values: str, refs: str | None) -> dict[str, Any]:
        """The attribute dict of one edge (its evidence records resolved), shared by ``succ`` and ``pred``."""
        data = self.edges.get(edge_id)
        if data is not None:
            return data
        data = self.attrs(shape, values, "edge")
        if refs is not None:
            try:
                ids = json.loads(refs)
                if type(ids) is not list or not all(type(i) is int for i in ids):
                    raise ValueError
            except ValueError:
                raise self.damaged("malformed evidence") from None
            self.record_rows(ids)
            data["evidence"] = tuple(map(self.records.__getitem__, ids))
        self.edges[edge_id] = data
        return data


class _Adjacency(Mapping[str, dict[str, dict[str, Any]]]):
    """``succ[u]`` or ``pred[v]``: neighbour → {key: edge attributes}; the rows are read on first use, each
    neighbour's edges decoded on first access."""

    def __init__(self, reader: _Reader, node_id: int, outgoing: bool) -> None:
        self._reader = reader
        self._node = node_id
        self._out = outgoing
        self._rows: dict[str, list[tuple[Any, ...]]] | None = None
        self._keyed: dict[str, dict[str, dict[str, Any]]] = {}

    def _load(self) -> dict[str, list[tuple[Any, ...]]]:
        if self._rows is None:
            columns = (
                "SELECT n.name, e.id, e.key, e.shape, e.attrs, e.refs, e.ref_studies, e.sign FROM edges e JOIN nodes n "
            )
            if self._out:
                sql = columns + "ON n.id = e.v WHERE e.u = ? ORDER BY e.id"
            else:
                sql = columns + "ON n.id = e.u WHERE e.v = ? ORDER BY e.pred_pos, e.id"
            rows: dict[str, list[tuple[Any, ...]]] = {}
            for name, *rest in self._reader.query(sql, (self._node,)):
                rows.setdefault(name, []).append(tuple(rest))
            self._rows = rows
        return self._rows

    def __getitem__(self, other: str) -> dict[str, dict[str, Any]]:
        keyed = self._keyed.get(other)
        if keyed is None:
            rows = self._load()[other]
            edge = self._reader.edge
            keyed = self._keyed[other] = {
                key: edge(i, shape, values, refs) for i, key, shape, values, refs, _, _ in rows
            }
        return keyed

    def evidence_brief(self, other: str, key: str) -> tuple[Any, int, frozenset[Any]] | None:
        """``(sign, number of evidence records, their distinct study ids)`` of the edge ``key`` to ``other`` when
        its evidence is finding records, read without decoding them; None otherwise (absent, or other evidence).

        The study ids are those of the records (written beside their references), so a path's ranking needs no
        record until the path is shown."""
        for _, row_key, _, _, refs, ref_studies, sign in self._load().get(other, ()):
            if row_key != key:
                continue
            if refs is None or ref_studies is None:
                return None
            try:
                studies = frozenset(json.loads(ref_studies))
            except (ValueError, TypeError):
                raise self._reader.damaged("malformed evidence") from None
            return sign, refs.count(",") + 1, studies  # refs: a non-empty JSON array of record ids
        return None

    def __iter__(self) -> Iterator[str]:
        return iter(self._load())

    def __len__(self) -> int:
        return len(self._load())

    def __contains__(self, other: object) -> bool:
        return other in self._load()

    def edge_keys(self, other: str) -> list[str]:
        """The keys of the edges to (or from) ``other``, without decoding the edges."""
        return [row[1] for row in self._load().get(other, ())]


class _Lazy(Mapping[str, Any]):
    """A mapping over one table, each value read on first access; ``items()`` and ``values()`` read the whole table
    at once."""

    def __init__(self, graph: LazyGraph) -> None:
        self._graph = graph
        self._reader = graph._reader
        self._memo: dict[str, Any] = {}
        self._complete = False
        self._names: list[str] | None = None

    _table = "nodes"
    _name_column = "name"

    def _fetch(self, name: str) -> Any:  # pragma: no cover - defined by each subclass
        raise NotImplementedError

    def _fetch_all(self) -> None:  # pragma: no cover - defined by each subclass
        raise NotImplementedError

    def __getitem__(self, name: str) -> Any:
        value = self._memo.get(name)
        if value is None:
            if self._complete or type(name) is not str:
                raise KeyError(name)
            value = self._memo[name] = self._fetch(name)
        return value

    def _all_names(self) -> list[str]:
        if self._names is None:
            self._names = [
                n for (n,) in self._reader.query(f"SELECT {self._name_column} FROM {self._table} ORDER BY id")
            ]
        return self._names

    def __iter__(self) -> Iterator[str]:
        return iter(self._all_names())

    def __len__(self) -> int:
        return len(self._all_names())

    def __contains__(self, name: object) -> bool:
        try:
            self[name]  # type: ignore[index]
        except KeyError:
            return False
        return True

    def _full(self) -> dict[str, Any]:
        if not self._complete:
            self._fetch_all()
            self._complete = True
        return {name: self._memo[name] for name in self._all_names()}

    def items(self) -> Any:
        return self._full().items()

    def values(self) -> Any:
        return self._full().values()


class _Nodes(_Lazy):
    def _fetch(self, name: str) -> dict[str, Any]:
        rows = self._reader.query("SELECT shape, attrs FROM nodes WHERE name = ?", (name,))
        if not rows:
            raise KeyError(name)
        return self._reader.attrs(rows[0][0], rows[0][1], "node")

    def _fetch_all(self) -> None:
        for name, shape, attrs in self._reader.query("SELECT name, shape, attrs FROM nodes ORDER BY id"):
            if name not in self._memo:
                self._memo[name] = self._reader.attrs(shape, attrs, "node")


class _Findings(_Lazy):
    _table = "findings"
    _name_column = "finding_id"

    def _fetch(self, name: str) -> dict[str, Any]:
        rows = self._reader.query("SELECT id FROM findings WHERE finding_id = ? ORDER BY id DESC LIMIT 1", (name,))
        if not rows:
            raise KeyError(name)
        self._reader.record_rows([rows[0][0]])
        return self._reader.records[rows[0][0]]

    def _fetch_all(self) -> None:
        reader = self._reader
        for i, fid, shape, record in reader.query("SELECT id, finding_id, shape, record FROM findings ORDER BY id"):
            if i not in reader.records:
                reader.records[i] = reader.attrs(shape, record, "finding record")
            self._memo[fid] = reader.records[i]


class _Adjacencies(_Lazy):
    """``succ`` or ``pred``: node → :class:`_Adjacency`."""

    def __init__(self, graph: LazyGraph, outgoing: bool) -> None:
        super().__init__(graph)
        self._out = outgoing

    def _fetch(self, name: str) -> _Adjacency:
        rows = self._reader.query("SELECT id FROM nodes WHERE name = ?", (name,))
        if not rows:
            raise KeyError(name)
        return _Adjacency(self._reader, rows[0][0], self._out)

    def _fetch_all(self) -> None:
        """Every node's adjacency, its rows read in one pass (not one query per node)."""
        self._graph._load_all_edges()
        columns = (
            "SELECT e.u, e.v, n.name, e.id, e.key, e.shape, e.attrs, e.refs, e.ref_studies, e.sign FROM edges e "
            "JOIN nodes n "
        )
        if self._out:
            sql, owner = columns + "ON n.id = e.v ORDER BY e.u, e.id", 0
        else:
            sql, owner = columns + "ON n.id = e.u ORDER BY e.v, e.pred_pos, e.id", 1
        grouped: dict[int, dict[str, list[tuple[Any, ...]]]] = {}
        for row in self._reader.query(sql):
            grouped.setdefault(row[owner], {}).setdefault(row[2], []).append(row[3:])
        for i, name in enumerate(self._all_names()):
            adjacency = self._memo.get(name)
            if adjacency is None:
                adjacency = self._memo[name] = _Adjacency(self._reader, i, self._out)
            if adjacency._rows is None:
                adjacency._rows = grouped.get(i, {})


class LazyGraph:
    """A projection read from its cache database on demand; reads as a :class:`~nibs_graph.projection.GraphData`
    (read-only mappings in the same order, attribute dicts and evidence records shared the same way)."""

    def __init__(self, conn: sqlite3.Connection, meta: dict[str, Any]) -> None:
        path = conn.execute("PRAGMA database_list").fetchone()[2]
        self._reader = _Reader(conn, path)
        self._meta = meta
        nodes = _Nodes(self)
        self._node_memo = nodes._memo  # shared with nodes_of_type
        self.nodes: Mapping[str, dict[str, Any]] = nodes
        self.succ: Mapping[str, Any] = _Adjacencies(self, True)
        self.pred: Mapping[str, Any] = _Adjacencies(self, False)
        graph = meta.get("graph")
        if type(graph) is not list or not all(type(item) is list and len(item) == 2 for item in graph):
            raise GraphDBError("malformed graph attributes")
        self.graph: dict[str, Any] = {}
        for key, value in graph:
            self.graph[str(key)] = _Findings(self) if key == "findings" and meta.get("has_findings") else dec(value)
        self._all_edges = False
        self._ids: list[Any] | None = None

    def close(self) -> None:
        """Close the database (the graph can no longer read what it has not read yet)."""
        self._reader.conn.close()

    def _load_all_edges(self) -> None:
        """Read every edge (and the records they cite) in one pass, for queries that walk the whole graph."""
        if self._all_edges:
            return
        reader = self._reader
        findings = self.graph.get("findings")
        if isinstance(findings, _Findings):
            findings._full()
        for i, shape, values, refs in reader.query("SELECT id, shape, attrs, refs FROM edges ORDER BY id"):
            reader.edge(i, shape, values, refs)
        self._all_edges = True

    # -------------------------------------------------------------------------------- sections

    def nodes_of_type(self, kind: str) -> list[tuple[str, dict[str, Any]]]:
        """``(node, attributes)`` of the nodes whose ``type`` is ``kind``, in node order, from their own column."""
        reader = self._reader
        rows = reader.query("SELECT name, shape, attrs FROM nodes WHERE type = ? ORDER BY id", (kind,))
        memo: dict[str, Any] = self._node_memo
        return [
            (name, memo.get(name) or memo.setdefault(name, reader.attrs(shape, attrs, "node")))
            for name, shape, attrs in rows
        ]

    def lookup_name(self, key: str) -> str | None:
        """The node a lower-cased name (a key of :func:`nibs_graph.resolve.name_index`) names, or None."""
        rows = self._reader.query("SELECT node FROM names WHERE key = ?", (key,))
        return str(rows[0][0]) if rows else None

    def signalling_edges(self) -> Iterator[tuple[str, str, Any, Any]]:
        """``(u, v, layer, relation)`` of every edge with a ``layer`` (signalling links, family membership), in
        ``succ`` order, from their own columns (nothing else is decoded)."""
        sql = (
            "SELECT a.name, b.name, e.layer, e.relation FROM edges e JOIN nodes a ON a.id = e.u "
            "JOIN nodes b ON b.id = e.v WHERE e.signalling = 1 ORDER BY e.id"
        )
        yield from self._reader.query(sql)

    def effect_ids(self, node: str) -> Iterator[tuple[str, str, list[tuple[str, str | None]]]]:
        """``(target, key, [(finding_id, study_id), ...])`` of each edge out of ``node``, in ``succ`` order; the ids
        of evidence that is finding records come from their own columns, without decoding the records."""
        reader = self._reader
        ids = self._finding_ids()
        sql = (
            "SELECT n.name, e.id, e.key, e.shape, e.attrs, e.refs FROM edges e JOIN nodes n ON n.id = e.v "
            "JOIN nodes s ON s.id = e.u WHERE s.name = ? ORDER BY e.id"
        )
        for target, i, key, shape, values, refs in reader.query(sql, (node,)):
            if refs is None:
                evidence = reader.edge(i, shape, values, refs).get("evidence") or ()
                yield target, key, [(r["finding_id"], r["study_id"]) for r in evidence]
                continue
            try:
                yield target, key, [ids[j] for j in json.loads(refs)]
            except (ValueError, TypeError, IndexError):
                raise reader.damaged("malformed evidence") from None

    def _finding_ids(self) -> list[tuple[str, str | None]]:
        """``(finding_id, study_id)`` of every record, by position."""
        if self._ids is None:
            self._ids = [
                tuple(row) for row in self._reader.query("SELECT finding_id, study_id FROM findings ORDER BY id")
            ]
        return self._ids

    # -------------------------------------------------------------------------------- as GraphData

    def edges(self) -> list[tuple[str, str, str, dict[str, Any]]]:
        """Every edge as ``(u, v, key, data)``, in a stable order (as :meth:`GraphData.edges`)."""
        self._load_all_edges()
        return GraphData.edges(self)  # type: ignore[arg-type]

    def number_of_edges(self) -> int:
        """The number of edges."""
        return int(self._reader.query("SELECT count(*) FROM edges")[0][0])

    def materialize(self) -> GraphData:
        """The whole graph as a :class:`GraphData` (plain dicts; attribute dicts and records shared)."""
        self._load_all_edges()
        out = GraphData()
        out.graph = {k: dict(v.items()) if isinstance(v, _Findings) else v for k, v in self.graph.items()}
        out.nodes = dict(self.nodes.items())
        out.succ = {u: {v: dict(keyed) for v, keyed in nbrs.items()} for u, nbrs in self.succ.items()}
        out.pred = {v: {u: dict(keyed) for u, keyed in nbrs.items()} for v, nbrs in self.pred.items()}
        return out

    def to_networkx(self) -> nx.MultiDiGraph:
        """The same graph as a ``networkx.MultiDiGraph``."""
        return self.materialize().to_networkx()
