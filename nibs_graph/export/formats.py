"""Exports of the graph for other tools: Turtle, N-Triples, JSON-LD, GraphML and Cytoscape.js JSON.

N-Triples of an evidence base folder are the one writer's lines (:mod:`nibs_graph.scale.stream`) sorted by
bytes, with no rdflib graph; Turtle and JSON-LD (and N-Triples of a ``--graph`` file) serialise the rdflib graph
(:func:`nibs_graph.api.load_rdf`); GraphML and Cytoscape.js serialise the NetworkX projection
(``docs/architecture.md``). Every export is deterministic (the same data gives the same bytes, whatever Python's
hash seed) and written atomically (:func:`nibs_graph.export.atomic.write_atomic`).

>>> from nibs_graph.api import load_rdf
>>> g = load_rdf("tests/data/tiny")
>>> to_ntriples(g) == to_ntriples(g)
True
>>> to_jsonld(g).startswith('{\\n  "@context"')
True
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from ..errors import ExportError
from ..namespaces import PREFIXES, RDF_PREFIXES, compress
from .atomic import write_atomic

if TYPE_CHECKING:
    import networkx as nx
    from rdflib import Graph

__all__ = [
    "FORMATS",
    "GRAPH_FORMATS",
    "RDF_FORMATS",
    "export",
    "graphml_graph",
    "jsonld_context",
    "to_cyjs",
    "to_graphml",
    "to_jsonld",
    "to_ntriples",
    "to_turtle",
]

#: Formats written from the RDF graph.
RDF_FORMATS: tuple[str, ...] = ("ttl", "nt", "jsonld")
#: Formats written from the NetworkX projection.
GRAPH_FORMATS: tuple[str, ...] = ("graphml", "cyjs", "html")
#: Every format :func:`export` writes.
FORMATS: tuple[str, ...] = RDF_FORMATS + GRAPH_FORMATS

# JSON-LD: a term can serve as a prefix of a compact IRI only if its IRI ends with a gen-delim character, unless
# it says "@prefix": true (JSON-LD 1.1, section 4.1.5).
_GEN_DELIMS = (":", "/", "?", "#", "[", "]", "@")


# --------------------------------------------------------------------------------------------------- RDF formats


def _stable_triples(g: Graph) -> Iterable[Any]:
    """The triples of ``g``, with canonical (content-derived) blank-node labels if it has blank nodes."""
    from rdflib import BNode
    from rdflib.compare import to_canonical_graph

    if any(isinstance(term, BNode) for triple in g for term in triple):
        return list(to_canonical_graph(g))
    return g


def _term_key(term: Any) -> tuple[str, str, str, str]:
    """A total order on RDF terms (rdflib's own comparison of literals of different datatypes can raise)."""
    datatype = getattr(term, "datatype", None)
    language = getattr(term, "language", None)
    return (type(term).__name__, str(term), str(datatype or ""), str(language or ""))


def _stable_graph(g: Graph) -> Graph:
    """A copy of ``g`` with canonical blank-node labels, its triples added in sorted order, every prefix bound."""
    from rdflib import Graph

    from ..rdf import bind_prefixes

    out = bind_prefixes(Graph())
    for triple in sorted(_stable_triples(g), key=lambda t: tuple(_term_key(x) for x in t)):
        out.add(triple)
    return out


def to_turtle(g: Graph) -> str:
    """Serialise an RDF graph as Turtle, byte-identical for the same triples.

    Every documented prefix is declared; subjects, predicates (``a`` first) and objects are written in sorted
    order; literals keep their exact lexical form (``"50"^^xsd:decimal`` stays ``"50"``, where rdflib's own
    serializer would write ``50.0``, a different RDF term); blank nodes (if any) get canonical labels. So the
    output does not depend on the order the triples were added, and reading it back gives the same triples.

    Parameters
    ----------
    g:
        An RDF graph (:func:`nibs_graph.api.load_rdf`).

    Returns
    -------
    str
        The Turtle document.

    Examples
    --------
    >>> from nibs_graph.api import load_rdf
    >>> text = to_turtle(load_rdf("tests/data/tiny"))
    >>> "@prefix nibs: <https://w3id.org/nibs-graph/ontology#> ." in text
    True
    >>> '"50"^^xsd:decimal' in text
    True
    """
    buffer = io.BytesIO()
    _write_turtle(g, buffer)
    return buffer.getvalue().decode("utf-8")


_PN_LOCAL = re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9_\-.]*[A-Za-z0-9_\-])?")
_IRI_ESCAPE = re.compile(r'[\x00-\x20<>"{}|^`\\]')
_STRING_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}
_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


def _turtle_prefixes() -> list[tuple[str, str]]:
    """Prefix → IRI for Turtle, longest IRI first (so ``CHEBI:`` wins over ``obo:CHEBI_``)."""
    return sorted({**RDF_PREFIXES, **PREFIXES}.items(), key=lambda item: (-len(item[1]), item[0]))


def _turtle_iri(iri: str, prefixes: list[tuple[str, str]]) -> str:
    for prefix, base in prefixes:
        if iri.startswith(base) and _PN_LOCAL.fullmatch(iri[len(base) :]):
            return f"{prefix}:{iri[len(base) :]}"
    return "<" + _IRI_ESCAPE.sub(lambda m: f"\\u{ord(m.group()):04X}", iri) + ">"


def _turtle_term(term: Any, prefixes: list[tuple[str, str]]) -> str:
    from rdflib import BNode, Literal

    if isinstance(term, BNode):
        return f"_:{term}"
    if isinstance(term, Literal):
        text = '"' + "".join(_STRING_ESCAPES.get(ch, ch) for ch in str(term)) + '"'
        if term.language:
            return f"{text}@{term.language}"
        if term.datatype is not None:
            return f"{text}^^{_turtle_iri(str(term.datatype), prefixes)}"
        return text
    return _turtle_iri(str(term), prefixes)


def _write_turtle(g: Graph, handle: BinaryIO) -> None:
    """Write ``g`` as Turtle into a binary handle, statement by statement (see :func:`to_turtle`)."""
    from itertools import groupby

    prefixes = _turtle_prefixes()
    head = "".join(f"@prefix {p}: <{iri}> .\n" for p, iri in sorted({**RDF_PREFIXES, **PREFIXES}.items()))
    handle.write(head.encode("utf-8"))
    triples = sorted(
        _stable_triples(g), key=lambda t: (_term_key(t[0]), str(t[1]) != _RDF_TYPE, _term_key(t[1]), _term_key(t[2]))
    )
    for subject, group in groupby(triples, key=lambda t: t[0]):
        parts = []
        for predicate, objects in groupby(group, key=lambda t: t[1]):
            verb = "a" if str(predicate) == _RDF_TYPE else _turtle_term(predicate, prefixes)
            objs = ",\n        ".join(_turtle_term(o, prefixes) for *_, o in objects)
            parts.append(f"{verb} {objs}")
        statement = f"\n{_turtle_term(subject, prefixes)}\n    " + " ;\n    ".join(parts) + " .\n"
        handle.write(statement.encode("utf-8"))


def to_ntriples(g: Graph) -> str:
    """Serialise an RDF graph as N-Triples (UTF-8), one triple a line, lines sorted.

    Examples
    --------
    >>> from nibs_graph.api import load_rdf
    >>> lines = to_ntriples(load_rdf("tests/data/tiny")).splitlines()
    >>> lines == sorted(lines)
    True
    """
    text = _stable_graph(g).serialize(format="nt")
    lines = sorted({line for line in text.splitlines() if line.strip()})
    return "\n".join(lines) + "\n" if lines else ""


def jsonld_context() -> dict[str, Any]:
    """The inline JSON-LD ``@context``: every prefix of :mod:`nibs_graph.namespaces`, no remote context.

    Examples
    --------
    >>> ctx = jsonld_context()
    >>> ctx["HGNC"], ctx["CHEBI"]["@prefix"]
    ('https://identifiers.org/hgnc:', True)
    """
    context: dict[str, Any] = {}
    for prefix, iri in sorted({**RDF_PREFIXES, **PREFIXES}.items()):
        context[prefix] = iri if iri.endswith(_GEN_DELIMS) else {"@id": iri, "@prefix": True}
    return context


def _compact_ids(value: Any, key: str | None = None) -> Any:
    """Write every ``@id`` and ``@type`` IRI as a CURIE of :data:`~nibs_graph.namespaces.PREFIXES` where one fits.

    rdflib only compacts IRIs whose namespace ends with ``/`` or ``#``; here ``https://identifiers.org/hgnc:1033``
    becomes ``HGNC:1033`` and ``obo:NCBITaxon_10116`` becomes ``NCBITaxon:10116``, the forms used everywhere
    else in nibs-graph.
    """
    if isinstance(value, dict):
        return {k: _compact_ids(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_compact_ids(v, key) for v in value]
    if key in ("@id", "@type") and isinstance(value, str):
        prefix, _, local = value.partition(":")
        known = {**RDF_PREFIXES, **PREFIXES}
        iri = known[prefix] + local if prefix in known and not local.startswith("//") else value
        curie = compress(iri)
        if curie != iri and not curie.partition(":")[2].startswith("//"):
            return curie
    return value


def _sort_jsonld(value: Any, key: str | None = None) -> Any:
    """Sort JSON-LD node objects and value arrays (unordered in JSON-LD) recursively; keep ``@list`` order."""
    if isinstance(value, dict):
        return {k: _sort_jsonld(v, k) for k, v in sorted(value.items())}
    if isinstance(value, list):
        items = [_sort_jsonld(v) for v in value]
        if key == "@list":
            return items
        return sorted(items, key=lambda item: json.dumps(item, sort_keys=True, ensure_ascii=False))
    return value


def to_jsonld(g: Graph) -> str:
    """Serialise an RDF graph as compact JSON-LD with an inline context (:func:`jsonld_context`).

    Node objects are sorted by ``@id`` and every value array is sorted, so the output is deterministic; reading
    it back gives the same triples (no network access is needed: the context is inline).

    Examples
    --------
    >>> import json
    >>> from nibs_graph.api import load_rdf
    >>> doc = json.loads(to_jsonld(load_rdf("tests/data/tiny")))
    >>> doc["@context"]["nibs"]
    'https://w3id.org/nibs-graph/ontology#'
    """
    context = jsonld_context()
    text = _stable_graph(g).serialize(format="json-ld", context=context, auto_compact=True)
    doc = json.loads(text)
    if "@graph" not in doc:  # a single node object is written inline
        body = {k: v for k, v in doc.items() if k != "@context"}
        doc = {"@context": doc.get("@context", context), "@graph": [body] if body else []}
    graph = sorted(
        (_sort_jsonld(_compact_ids(node)) for node in doc["@graph"]), key=lambda n: (str(n.get("@id", "")), repr(n))
    )
    out = {"@context": context, "@graph": graph}
    return json.dumps(out, indent=2, ensure_ascii=False) + "\n"


# ------------------------------------------------------------------------------------------ projection formats


def _plain(value: Any) -> Any:
    """Tuples to lists, recursively (for JSON)."""
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


def _graphml_value(name: str, value: Any) -> Any:
    """One attribute value in a form GraphML holds (str, int, float, bool), or None to drop it."""
    if value is None:
        return None
    if name == "evidence" or isinstance(value, dict):
        return json.dumps(_plain(value), sort_keys=True, ensure_ascii=False)
    if isinstance(value, tuple | list | set | frozenset):
        items = sorted(value) if isinstance(value, set | frozenset) else value
        return "|".join(str(v) for v in items)
    if isinstance(value, bool | int | float | str):
        return value
    return str(value)


def _unify_types(rows: list[dict[str, Any]]) -> None:
    """Give every attribute one GraphML type across ``rows`` (int and float → float, anything mixed → str)."""
    kinds: dict[str, set[type]] = {}
    for row in rows:
        for name, value in row.items():
            kinds.setdefault(name, set()).add(type(value))
    for name, types in kinds.items():
        if len(types) <= 1:
            continue
        cast: Callable[[Any], Any] = float if types <= {int, float} else str
        for row in rows:
            if name in row:
                row[name] = cast(row[name])


def _items(G: Any) -> tuple[list[tuple[str, dict[str, Any]]], list[tuple[str, str, str, dict[str, Any]]]]:
    """Nodes and edges of a projection (GraphData or MultiDiGraph) in a stable order."""
    nodes = [(n, G.nodes[n]) for n in sorted(G.nodes)]
    edges = [
        (u, v, k, d)
        for u in sorted(G.succ)
        for v in sorted(G.succ[u])
        for k, d in sorted(G.succ[u][v].items(), key=lambda item: str(item[0]))
    ]
    return nodes, edges


def graphml_graph(G: Any) -> nx.MultiDiGraph:
    """A copy of the projection whose attributes GraphML can hold.

    ``evidence`` becomes a JSON string, tuples (``synonyms``, ``studies``) become ``|``-joined strings, ``None``
    values are dropped, and the graph-level ``findings`` (a dict of every finding) is left out.

    Examples
    --------
    >>> from nibs_graph.api import load_graph
    >>> H = graphml_graph(load_graph("tests/data/tiny"))
    >>> H.nodes["HGNC:8032"]["synonyms"]
    'NTRK2|Ntrk2'
    """
    import networkx as nx

    nodes, edges = _items(G)
    node_rows = [
        {k: v for k, v in ((k, _graphml_value(k, attrs[k])) for k in sorted(attrs)) if v is not None}
        for _, attrs in nodes
    ]
    edge_rows = [
        {k: v for k, v in ((k, _graphml_value(k, data[k])) for k in sorted(data)) if v is not None}
        for *_, data in edges
    ]
    _unify_types(node_rows)
    _unify_types(edge_rows)
    H = nx.MultiDiGraph()
    for key in sorted(G.graph):
        if key == "findings":
            continue
        value = _graphml_value(key, G.graph[key])
        if value is not None:
            H.graph[key] = value
    for (node, _), row in zip(nodes, node_rows, strict=True):
        H.add_node(node, **row)
    for (u, v, k, _), row in zip(edges, edge_rows, strict=True):
        H.add_edge(u, v, key=str(k), **row)
    return H


def to_graphml(G: Any) -> bytes:
    """Serialise the projection as GraphML (for Gephi and Cytoscape desktop).

    Parameters
    ----------
    G:
        The projection (:func:`nibs_graph.api.load_graph` or its ``to_networkx()``).

    Returns
    -------
    bytes
        A UTF-8 GraphML document; see :func:`graphml_graph` for how attributes are flattened.

    Examples
    --------
    >>> from nibs_graph.api import load_graph
    >>> to_graphml(load_graph("tests/data/tiny")).startswith(b"<?xml")
    True
    """
    buffer = io.BytesIO()
    _write_graphml(G, buffer)
    return buffer.getvalue()


def _write_graphml(G: Any, handle: BinaryIO) -> None:
    import networkx as nx

    nx.write_graphml_xml(graphml_graph(G), handle, encoding="utf-8", prettyprint=True, named_key_ids=True)


def to_cyjs(G: Any) -> str:
    """Serialise the projection as Cytoscape.js JSON (``{"elements": {"nodes": [...], "edges": [...]}}``).

    Each node's ``data`` holds ``id``, ``label``, ``type`` and the other attributes (``name`` and ``value`` too,
    so that ``networkx.cytoscape_graph`` reads the file back); each edge's ``data`` holds ``id``, ``source``,
    ``target``, ``key``, ``relation``, ``sign`` and ``evidence`` (a list of records). ``classes`` carries the node
    type and the edge relation for styling. The graph-level ``findings`` is left out (effect evidence is on the
    edges).

    Examples
    --------
    >>> import json
    >>> from nibs_graph.api import load_graph
    >>> doc = json.loads(to_cyjs(load_graph("tests/data/tiny")))
    >>> sorted(doc["elements"])
    ['edges', 'nodes']
    """
    nodes, edges = _items(G)
    doc = {
        "data": {k: _plain(v) for k, v in sorted(G.graph.items()) if k != "findings"},
        "directed": True,
        "multigraph": True,
        "elements": {
            "nodes": [
                {
                    "data": {**_plain(dict(attrs)), "id": node, "value": node, "name": attrs.get("label", node)},
                    "classes": str(attrs.get("type", "")),
                }
                for node, attrs in nodes
            ],
            "edges": [
                {
                    "data": {**_plain(dict(data)), "id": f"{u}|{k}|{v}", "source": u, "target": v, "key": str(k)},
                    "classes": str(data.get("relation", "")),
                }
                for u, v, k, data in edges
            ],
        },
    }
    return json.dumps(doc, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


# ------------------------------------------------------------------------------------------------------- export


def export(
    fmt: str,
    out: Path | str,
    *,
    data: Path | str | None = None,
    graph_file: Path | str | None = None,
    layers: Iterable[str] = (),
    **options: Any,
) -> Path:
    """Load the graph and write it to ``out`` in format ``fmt``, atomically.

    Parameters
    ----------
    fmt:
        One of :data:`FORMATS`: ``ttl``, ``nt``, ``jsonld``, ``graphml``, ``cyjs``, ``html``.
    out:
        The file to write (its folder must exist).
    data, graph_file, layers:
        Where the graph comes from, as in :func:`nibs_graph.api.load_graph`.
    **options:
        For ``html`` only: the view options of :func:`nibs_graph.export.html.to_html`.

    Returns
    -------
    Path
        ``out``.

    Raises
    ------
    ExportError
        For an unknown format, options a format does not take, or a file that cannot be written.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "tiny.nt"
    >>> export("nt", out, data="tests/data/tiny").stat().st_size > 0
    True
    """
    if fmt not in FORMATS:
        raise ExportError(f"unknown export format {fmt!r}; known: {', '.join(FORMATS)}")
    if options and fmt != "html":
        raise ExportError(f"the {fmt} export takes no options (got {', '.join(sorted(options))})")
    layers = tuple(layers)
    if fmt == "nt" and graph_file is None:  # the writer's lines, sorted by bytes: no rdflib graph
        from ..paths import default_data_dir
        from ..scale.stream import sorted_ntriples

        folder = Path(data) if data else default_data_dir()

        def write_sorted(handle: BinaryIO) -> None:
            sorted_ntriples(folder, handle, layers=layers)

        return write_atomic(out, write_sorted)
    if fmt in RDF_FORMATS:
        from ..api import load_rdf

        g = load_rdf(data, graph_file=graph_file, layers=layers)
        if fmt == "ttl":  # streamed into the temporary file
            return write_atomic(out, lambda handle: _write_turtle(g, handle))
        return write_atomic(out, to_ntriples(g) if fmt == "nt" else to_jsonld(g))
    from ..api import load_graph

    G = load_graph(data, graph_file=graph_file, layers=layers)
    if fmt == "graphml":  # streamed into the temporary file
        return write_atomic(out, lambda handle: _write_graphml(G, handle))
    if fmt == "cyjs":
        return write_atomic(out, to_cyjs(G))
    from .html import to_html

    return write_atomic(out, to_html(G, **options))
