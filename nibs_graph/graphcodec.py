"""A :class:`~nibs_graph.projection.GraphData` as JSON bytes and back: the cache's format, which runs no code.

Decoding is ``json.loads`` and the rebuilding of plain dicts and tuples: whatever the bytes say, the result is a
tree of ``dict``, ``tuple``, ``list``, ``str``, ``int``, ``float``, ``bool`` and ``None`` (no class is looked up,
nothing is called). Malformed or foreign content raises :class:`ValueError` (or another ``Exception``), which the
cache treats as a miss.

The layout is columnar so that it stays compact and quick to load: node and edge attributes and the evidence
records (``graph["findings"]``) are rows under shared key lists ("shapes"); an edge's evidence that is one of the
evidence records is stored as the record's index, so each record is written once and shared again on load (as
the projection shares it); node names are indexes into one list. Order is kept: nodes, ``succ``, ``pred``,
neighbours, edge keys and records come back in the order they were built.

>>> from nibs_graph.projection import GraphData
>>> G = GraphData()
>>> e = G.add_edge("nibs:iTBS", "HGNC:1033", "increased", sign=1, studies=("s1",))
>>> G.graph["findings"] = {"f1": {"finding_id": "f1", "conflicts_with": ()}}
>>> e["evidence"] = (G.graph["findings"]["f1"],)
>>> H = decode_graph(encode_graph(G))
>>> H == G, H.succ["nibs:iTBS"]["HGNC:1033"]["increased"] is H.pred["HGNC:1033"]["nibs:iTBS"]["increased"]
(True, True)
>>> H.succ["nibs:iTBS"]["HGNC:1033"]["increased"]["evidence"][0] is H.graph["findings"]["f1"]
True
"""

from __future__ import annotations

import dataclasses
import json
from itertools import repeat
from typing import Any

from .projection import GraphData

__all__ = ["CODEC_VERSION", "decode_graph", "encode_graph"]

#: Bump when the layout below changes.
CODEC_VERSION = 1

_SCALARS = (str, int, float, bool, type(None))
_FIELDS = ("graph", "nodes", "succ", "pred")


def _is_scalar(value: Any) -> bool:
    return type(value) in _SCALARS


# Generic values: a JSON array is a tuple; a list is {"L": [...]}, a dict is {"D": {...}} (string keys only).
def _enc(value: Any) -> Any:
    kind = type(value)
    if kind in _SCALARS:
        return value
    if kind is tuple:
        return [_enc(item) for item in value]
    if kind is list:
        return {"L": [_enc(item) for item in value]}
    if kind is dict:
        if not all(type(k) is str for k in value):
            raise TypeError("a dict with a key that is not a string cannot be cached")
        return {"D": {k: _enc(v) for k, v in value.items()}}
    raise TypeError(f"a {kind.__name__} cannot be cached")


def _dec(value: Any) -> Any:
    kind = type(value)
    if kind is list:
        return tuple(_dec(item) for item in value)
    if kind is dict:
        if len(value) != 1:
            raise ValueError("malformed value")
        ((tag, inner),) = value.items()
        if tag == "L" and type(inner) is list:
            return [_dec(item) for item in inner]
        if tag == "D" and type(inner) is dict:
            return {k: _dec(v) for k, v in inner.items()}
        raise ValueError("malformed value")
    if kind in _SCALARS:
        return value
    raise ValueError("malformed value")  # pragma: no cover - json.loads gives nothing else


class _Table:
    """Dicts grouped by their key lists ("shapes") and stored by column, with a decoding kind per column: ``v``
    scalars as they are, ``t`` tuples of scalars, ``r`` tuples of evidence-record indexes, ``g`` generic; ``order``
    gives each row's shape, so rows come back in the order they were added."""

    def __init__(self, records: dict[int, int] | None = None) -> None:
        self.shapes: dict[tuple[str, ...], int] = {}
        self.columns: list[list[list[Any]]] = []
        self.order: list[int] = []
        self.records = records or {}

    def add(self, attrs: dict[str, Any]) -> None:
        keys = tuple(attrs)
        shape = self.shapes.setdefault(keys, len(self.shapes))
        if shape == len(self.columns):
            self.columns.append([[] for _ in keys])
        for column, value in zip(self.columns[shape], attrs.values(), strict=True):
            column.append(value)
        self.order.append(shape)

    def _encode_column(self, values: list[Any]) -> tuple[str, list[Any]]:
        if all(type(v) in _SCALARS for v in values):
            return "v", values
        if all(type(v) is tuple and all(type(i) in _SCALARS for i in v) for v in values):
            return "t", values  # json writes a tuple as an array
        records = self.records
        if records and all(type(v) is tuple and all(id(i) in records for i in v) for v in values):
            return "r", [[records[id(i)] for i in v] for v in values]
        return "g", [_enc(v) for v in values]

    def to_json(self) -> dict[str, Any]:
        encoded = [[self._encode_column(column) for column in columns] for columns in self.columns]
        return {
            "shapes": [list(keys) for keys in self.shapes],
            "kinds": [[kind for kind, _ in columns] for columns in encoded],
            "columns": [[values for _, values in columns] for columns in encoded],
            "order": self.order,
        }


def _decode_table(table: dict[str, Any], records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows of an encoded :class:`_Table`, in order."""
    converters: dict[str, Any] = {
        "t": lambda column: list(map(tuple, column)),
        "r": lambda column: [tuple(map(records.__getitem__, v)) for v in column],
        "g": lambda column: list(map(_dec, column)),
    }
    groups: list[Any] = []
    order = table["order"]
    counts = [0] * len(table["shapes"])
    for shape in order:
        counts[shape] += 1
    for keys, kinds, columns, count in zip(table["shapes"], table["kinds"], table["columns"], counts, strict=True):
        if not (len(keys) == len(kinds) == len(columns)) or not all(type(k) is str for k in keys):
            raise ValueError("malformed shape")
        if any(len(column) != count for column in columns):
            raise ValueError("malformed columns")
        if not keys:
            groups.append(iter([{} for _ in range(count)]))
            continue
        columns = [col if kind == "v" else converters[kind](col) for kind, col in zip(kinds, columns, strict=True)]
        groups.append(iter(list(map(dict, map(zip, repeat(keys), zip(*columns, strict=True))))))
    return [next(groups[shape]) for shape in order]


def encode_graph(G: GraphData) -> bytes:
    """The graph as UTF-8 JSON (see the module docstring).

    Raises
    ------
    TypeError
        When an attribute holds a value other than a dict (string keys), list, tuple, str, int, float, bool or
        None, or ``GraphData`` has grown a field this codec does not know (the caller then does not cache).
    """
    if tuple(f.name for f in dataclasses.fields(G)) != _FIELDS:
        raise TypeError("GraphData has fields this codec does not know")
    names = list(G.nodes)
    index = {name: i for i, name in enumerate(names)}
    findings = G.graph.get("findings")
    record_list: list[dict[str, Any]] = []
    if type(findings) is dict and all(type(r) is dict for r in findings.values()):
        record_list = list(findings.values())
    records = _Table()
    for record in record_list:
        records.add(record)
    record_index = {id(r): i for i, r in enumerate(record_list)}
    nodes = _Table()
    for name in names:
        nodes.add(G.nodes[name])
    edges = _Table(record_index)
    ends: list[list[Any]] = [[], [], []]  # sources, targets, keys
    for u, nbrs in G.succ.items():
        for v, keyed in nbrs.items():
            for key, attrs in keyed.items():
                ends[0].append(index[u])
                ends[1].append(index[v])
                ends[2].append(key)
                edges.add(attrs)
    graph = {k: _enc(v) for k, v in G.graph.items() if not (k == "findings" and record_list)}
    doc = {
        "codec": CODEC_VERSION,
        "names": names,
        "nodes": nodes.to_json(),
        "succ": None if list(G.succ) == names else [index[n] for n in G.succ],
        "pred": [[index[n], [index[u] for u in G.pred[n]]] for n in G.pred],
        "edges": edges.to_json(),
        "ends": ends,
        "records": records.to_json() if record_list else None,
        "finding_ids": list(findings or ()) if record_list else None,
        "graph": graph,
        "graph_order": list(G.graph),
    }
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":"), allow_nan=True).encode("utf-8")


def decode_graph(data: bytes) -> GraphData:
    """The :class:`GraphData` that :func:`encode_graph` wrote.

    Raises
    ------
    ValueError, KeyError, TypeError, IndexError
        When ``data`` is not such a document (the cache rebuilds the entry).
    """
    doc = json.loads(data)
    if type(doc) is not dict or doc.get("codec") != CODEC_VERSION:
        raise ValueError("not a graph written by this codec version")
    names: list[str] = doc["names"]
    if type(names) is not list or not all(type(n) is str for n in names):
        raise ValueError("malformed node names")
    out = GraphData()
    graph = {k: _dec(v) for k, v in doc["graph"].items()}
    record_list: list[dict[str, Any]] = []
    if doc["records"] is not None:
        record_list = _decode_table(doc["records"], [])
        graph["findings"] = dict(zip(doc["finding_ids"], record_list, strict=True))
    if set(graph) != set(doc["graph_order"]):
        raise ValueError("malformed graph attributes")
    out.graph = {k: graph[k] for k in doc["graph_order"]}
    out.nodes = dict(zip(names, _decode_table(doc["nodes"], []), strict=True))
    succ_order = names if doc["succ"] is None else [names[i] for i in doc["succ"]]
    out.succ = {n: {} for n in succ_order}
    pred: dict[str, dict[str, dict[str, Any]]] = {}
    for v, us in doc["pred"]:
        pred[names[v]] = {names[u]: {} for u in us}
    sources, targets, keys = doc["ends"]
    succ = out.succ
    for u, v, key, attrs in zip(sources, targets, keys, _decode_table(doc["edges"], record_list), strict=True):
        un, vn = names[u], names[v]
        nbrs = succ[un]
        keyed = nbrs.get(vn)
        if keyed is None:
            keyed = nbrs[vn] = {}
        keyed[key] = attrs
        pred[vn][un][key] = attrs
    out.pred = pred
    return out
