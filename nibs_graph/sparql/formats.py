"""Query results in one engine-neutral shape, their standard serialisations, and content negotiation.

Every store returns a :class:`QueryResult` whose RDF terms are dicts in the shape of the SPARQL 1.1 JSON results
format (``{"type": "uri", "value": ...}``, ``{"type": "literal", "value": ..., "datatype": ...}``,
``{"type": "literal", "value": ..., "xml:lang": ...}``, ``{"type": "bnode", "value": ...}``). From it:

* ``SELECT`` and ``ASK``: SPARQL 1.1 Query Results JSON, XML, CSV and TSV;
* ``CONSTRUCT`` and ``DESCRIBE``: Turtle (with the documented prefixes), N-Triples, JSON-LD and RDF/XML.

>>> r = QueryResult("SELECT", variables=["t"], rows=[{"t": uri("https://w3id.org/nibs-graph/ontology#iTBS")}])
>>> render(r, "csv").decode().splitlines()
['t', 'https://w3id.org/nibs-graph/ontology#iTBS']
>>> negotiate("text/csv;q=0.5, application/sparql-results+json", "bindings")
'json'
>>> negotiate("application/sparql-results+json", "graph") is None
True
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from ..errors import QueryError

__all__ = [
    "FORMAT_NAMES",
    "GRAPH_FORMATS",
    "MEDIA_TYPES",
    "RESULTS_FORMATS",
    "QueryResult",
    "Term",
    "Unrepresentable",
    "bnode",
    "choose_format",
    "content_type",
    "format_from_name",
    "literal",
    "negotiate",
    "render",
    "term_from_rdflib",
    "term_to_rdflib",
    "term_to_sparql",
    "uri",
]

Term = dict[str, str]

XSD = "http://www.w3.org/2001/XMLSchema#"
XSD_STRING = XSD + "string"
RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"

#: format name → media type.
MEDIA_TYPES: dict[str, str] = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
    "turtle": "text/turtle",
    "nt": "application/n-triples",
    "jsonld": "application/ld+json",
    "rdfxml": "application/rdf+xml",
}
#: The formats for SELECT / ASK results, in the server's order of preference.
RESULTS_FORMATS: tuple[str, ...] = ("json", "xml", "csv", "tsv")
#: The formats for CONSTRUCT / DESCRIBE results, in the server's order of preference.
GRAPH_FORMATS: tuple[str, ...] = ("turtle", "nt", "jsonld", "rdfxml")
#: Other media types clients send for the same formats.
_ALIASES: dict[str, str] = {
    "application/json": "json",
    "application/sparql-results+json": "json",
    "application/xml": "xml",
    "text/xml": "xml",
    "application/sparql-results+xml": "xml",
    "text/csv": "csv",
    "text/tab-separated-values": "tsv",
    "text/turtle": "turtle",
    "application/x-turtle": "turtle",
    "application/n-triples": "nt",
    "text/plain": "nt",
    "application/ld+json": "jsonld",
    "application/rdf+xml": "rdfxml",
}
#: Short names accepted by ``--format`` and the ``format`` / ``output`` request parameters.
FORMAT_NAMES: dict[str, dict[str, str]] = {
    "bindings": {"json": "json", "srj": "json", "xml": "xml", "srx": "xml", "csv": "csv", "tsv": "tsv"},
    "graph": {
        "turtle": "turtle",
        "ttl": "turtle",
        "nt": "nt",
        "ntriples": "nt",
        "n-triples": "nt",
        "jsonld": "jsonld",
        "json-ld": "jsonld",
        "json": "jsonld",
        "xml": "rdfxml",
        "rdf": "rdfxml",
        "rdfxml": "rdfxml",
        "rdf+xml": "rdfxml",
    },
}


def uri(value: str) -> Term:
    """An IRI term.

    >>> uri("urn:x")
    {'type': 'uri', 'value': 'urn:x'}
    """
    return {"type": "uri", "value": value}


def literal(value: str, datatype: str | None = None, lang: str | None = None) -> Term:
    """A literal term; ``xsd:string`` is left implicit as in SPARQL JSON results.

    >>> literal("2018", XSD + "integer")["datatype"]
    'http://www.w3.org/2001/XMLSchema#integer'
    >>> literal("BDNF", XSD_STRING)
    {'type': 'literal', 'value': 'BDNF'}
    """
    term: Term = {"type": "literal", "value": value}
    if lang:
        term["xml:lang"] = lang
    elif datatype and datatype not in (XSD_STRING, RDF_LANGSTRING):
        term["datatype"] = datatype
    return term


def bnode(label: str) -> Term:
    """A blank node term."""
    return {"type": "bnode", "value": label}


@dataclass
class QueryResult:
    """The answer of one query, independent of the engine that computed it.

    Attributes
    ----------
    form:
        ``SELECT``, ``ASK``, ``CONSTRUCT`` or ``DESCRIBE``.
    variables:
        ``SELECT``: the projected variables, in order.
    rows:
        ``SELECT``: one dict per solution, variable → term (unbound variables are absent).
    boolean:
        ``ASK``: the answer.
    triples:
        ``CONSTRUCT`` / ``DESCRIBE``: the graph as (subject, predicate, object) terms.
    """

    form: str
    variables: list[str] = field(default_factory=list)
    rows: list[dict[str, Term]] = field(default_factory=list)
    boolean: bool | None = None
    triples: list[tuple[Term, Term, Term]] = field(default_factory=list)

    @property
    def kind(self) -> str:
        """``bindings``, ``boolean`` or ``graph``."""
        return {"SELECT": "bindings", "ASK": "boolean"}.get(self.form, "graph")

    def __len__(self) -> int:
        """Rows, triples, or 1 for a true ASK and 0 for a false one."""
        if self.kind == "bindings":
            return len(self.rows)
        if self.kind == "boolean":
            return int(bool(self.boolean))
        return len(self.triples)

    def to_rdflib(self) -> Any:
        """A ``CONSTRUCT`` / ``DESCRIBE`` answer as an rdflib ``Graph`` with the documented prefixes bound."""
        from rdflib import Graph

        from ..rdf import bind_prefixes

        g = bind_prefixes(Graph())
        for s, p, o in self.triples:
            g.add((term_to_rdflib(s), term_to_rdflib(p), term_to_rdflib(o)))
        return g


# ---------------------------------------------------------------------------------------------- terms


def term_from_rdflib(term: Any) -> Term:
    """Turn an rdflib term into a SPARQL JSON term dict.

    >>> from rdflib import Literal
    >>> term_from_rdflib(Literal("iTBS", lang="en"))
    {'type': 'literal', 'value': 'iTBS', 'xml:lang': 'en'}
    """
    from rdflib import BNode, Literal, URIRef

    if isinstance(term, URIRef):
        return uri(str(term))
    if isinstance(term, Literal):
        return literal(str(term), str(term.datatype) if term.datatype else None, term.language)
    if isinstance(term, BNode):
        return bnode(str(term))
    raise TypeError(f"not an RDF term: {term!r}")


def term_to_rdflib(term: Term) -> Any:
    """Turn a SPARQL JSON term dict into an rdflib term.

    >>> term_to_rdflib(literal("1", XSD + "integer")).toPython()
    1
    """
    from rdflib import BNode, Literal, URIRef

    kind = term["type"]
    if kind == "uri":
        return URIRef(term["value"])
    if kind == "bnode":
        return BNode(term["value"])
    if kind in ("literal", "typed-literal"):
        datatype = term.get("datatype")
        return Literal(term["value"], lang=term.get("xml:lang"), datatype=URIRef(datatype) if datatype else None)
    raise ValueError(f"unsupported term type {kind!r}")


def _escape_string(value: str) -> str:
    out = value.replace("\\", "\\\\").replace('"', '\\"')
    return out.replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")


def term_to_sparql(term: Term) -> str:
    """A term in Turtle / SPARQL / N-Triples syntax (used by TSV and N-Triples).

    >>> term_to_sparql(literal('say "hi"', lang="en"))
    '"say \\\\"hi\\\\""@en'
    >>> term_to_sparql(uri("urn:x"))
    '<urn:x>'
    """
    kind = term["type"]
    if kind == "uri":
        return f"<{term['value']}>"
    if kind == "bnode":
        return f"_:{term['value']}"
    text = f'"{_escape_string(term["value"])}"'
    if term.get("xml:lang"):
        return f"{text}@{term['xml:lang']}"
    if term.get("datatype"):
        return f"{text}^^<{term['datatype']}>"
    return text


# ---------------------------------------------------------------------------------------------- serialisers


def _json(result: QueryResult) -> bytes:
    if result.kind == "boolean":
        payload: dict[str, Any] = {"head": {}, "boolean": bool(result.boolean)}
    else:
        payload = {"head": {"vars": list(result.variables)}, "results": {"bindings": result.rows}}
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


#: Characters XML 1.0 cannot carry, even as character references.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


class Unrepresentable(QueryError):
    """A result holding a character the chosen format cannot carry (XML 1.0 and U+0001, for example): HTTP 406."""

    status = 406
    reason = "unrepresentable"


def _xml_text(value: str, where: str) -> str:
    r"""``value`` escaped for XML text or a quoted attribute, carriage returns as ``&#13;`` (XML reads a raw CR as LF).

    >>> _xml_text('a\r\nb <c> & "d"', "x")
    'a&#13;\nb &lt;c&gt; &amp; &quot;d&quot;'
    >>> _xml_text("a\x01", "?x")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    nibs_graph.sparql.formats.Unrepresentable: the result cannot be written as XML: ?x holds U+0001, ...
    """
    bad = _NOT_XML.search(value)
    if bad is not None:
        raise Unrepresentable(
            f"the result cannot be written as XML: {where} holds U+{ord(bad.group()):04X}, a character XML 1.0 "
            "cannot carry; ask for JSON, CSV or TSV (or N-Triples / Turtle for a graph)"
        )
    escaped = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    return escaped.replace("\r", "&#13;")


def _xml(result: QueryResult) -> bytes:
    out = ['<?xml version="1.0" encoding="UTF-8"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">\n']
    if result.kind == "boolean":
        out.append(f"<head/>\n<boolean>{'true' if result.boolean else 'false'}</boolean>\n</sparql>\n")
        return "".join(out).encode("utf-8")
    out.append("<head>")
    out.extend(f'<variable name="{_xml_text(v, "a variable name")}"/>' for v in result.variables)
    out.append("</head>\n<results>\n")
    for row in result.rows:
        out.append("<result>")
        for name in result.variables:
            term = row.get(name)
            if term is None:
                continue
            where = "?" + name
            out.append(f'<binding name="{_xml_text(name, where)}">')
            kind = term["type"]
            if kind == "uri":
                out.append(f"<uri>{_xml_text(term['value'], where)}</uri>")
            elif kind == "bnode":
                out.append(f"<bnode>{_xml_text(term['value'], where)}</bnode>")
            else:
                attrs = ""
                if term.get("xml:lang"):
                    attrs = f' xml:lang="{_xml_text(term["xml:lang"], where)}"'
                elif term.get("datatype"):
                    attrs = f' datatype="{_xml_text(term["datatype"], where)}"'
                out.append(f"<literal{attrs}>{_xml_text(term['value'], where)}</literal>")
            out.append("</binding>")
        out.append("</result>\n")
    out.append("</results>\n</sparql>\n")
    return "".join(out).encode("utf-8")


def _csv_field(value: str) -> str:
    if any(c in value for c in ',"\r\n'):
        return '"' + value.replace('"', '""') + '"'
    return value


def _csv(result: QueryResult) -> bytes:
    """SPARQL 1.1 CSV: fields quoted only when they hold a comma, quote or line break; unbound is an empty field
    (so a row where every variable is unbound is an empty line, as other engines write it)."""
    if result.kind == "boolean":
        return f"_askResult\r\n{'true' if result.boolean else 'false'}\r\n".encode()
    lines = [",".join(_csv_field(v) for v in result.variables)]
    for row in result.rows:
        cells = []
        for name in result.variables:
            term = row.get(name)
            if term is None:
                cells.append("")
            elif term["type"] == "bnode":
                cells.append("_:" + term["value"])
            else:
                cells.append(_csv_field(term["value"]))
        lines.append(",".join(cells))
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


def _tsv(result: QueryResult) -> bytes:
    if result.kind == "boolean":
        return f"?_askResult\n{'true' if result.boolean else 'false'}\n".encode()
    lines = ["\t".join("?" + v for v in result.variables)]
    for row in result.rows:
        lines.append("\t".join(term_to_sparql(row[v]) if v in row else "" for v in result.variables))
    return ("\n".join(lines) + "\n").encode("utf-8")


def _ntriples(result: QueryResult) -> bytes:
    lines = (f"{term_to_sparql(s)} {term_to_sparql(p)} {term_to_sparql(o)} .\n" for s, p, o in result.triples)
    return "".join(lines).encode("utf-8")


def _rdflib_format(name: str) -> Any:
    def render_graph(result: QueryResult) -> bytes:
        if name == "xml":  # a CR can only come from a literal: written as a reference, like every XML writer must
            for triple in result.triples:
                for position, term in zip(("subject", "predicate", "object"), triple, strict=True):
                    _xml_text(term["value"], f"a triple's {position}")
        g = result.to_rdflib()
        data = g.serialize(format=name, encoding="utf-8")
        data = data if isinstance(data, bytes) else data.encode("utf-8")
        return data.replace(b"\r", b"&#13;") if name == "xml" else data

    return render_graph


_RENDERERS = {
    "json": _json,
    "xml": _xml,
    "csv": _csv,
    "tsv": _tsv,
    "nt": _ntriples,
    "turtle": _rdflib_format("turtle"),
    "jsonld": _rdflib_format("json-ld"),
    "rdfxml": _rdflib_format("xml"),
}


def render(result: QueryResult, fmt: str) -> bytes:
    """Serialise ``result`` in format ``fmt`` (a key of :data:`MEDIA_TYPES`).

    Raises
    ------
    ValueError
        When the format does not fit the result (CSV for a graph, Turtle for a table).

    Examples
    --------
    >>> print(render(QueryResult("ASK", boolean=True), "json").decode())
    {"head":{},"boolean":true}
    """
    allowed = GRAPH_FORMATS if result.kind == "graph" else RESULTS_FORMATS
    if fmt not in allowed:
        raise ValueError(f"format {fmt!r} does not fit a {result.form} result; use one of {', '.join(allowed)}")
    return _RENDERERS[fmt](result)


def content_type(fmt: str) -> str:
    """The ``Content-Type`` header for format ``fmt`` (with ``charset=utf-8`` for text types).

    >>> content_type("csv")
    'text/csv; charset=utf-8'
    """
    media = MEDIA_TYPES[fmt]
    return f"{media}; charset=utf-8" if media.startswith("text/") else media


# ---------------------------------------------------------------------------------------------- negotiation


def _accept_ranges(accept: str) -> list[tuple[str, float, int]]:
    """Parse an ``Accept`` header into (media range, q, position)."""
    ranges = []
    for position, part in enumerate(accept.split(",")):
        pieces = [p.strip() for p in part.split(";")]
        media = pieces[0].lower()
        if not media:
            continue
        if "/" not in media:
            media = "*/*" if media == "*" else media
        q = 1.0
        for param in pieces[1:]:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = max(0.0, min(1.0, float(value.strip())))
                except ValueError:
                    q = 0.0
        ranges.append((media, q, position))
    return ranges


def _match_quality(media: str, ranges: list[tuple[str, float, int]]) -> tuple[float, int]:
    """The q of the most specific range matching ``media`` and its specificity (-1: no match)."""
    best: tuple[int, float] = (-1, 0.0)
    main = media.split("/")[0]
    for rng, q, _ in ranges:
        if rng == media:
            specificity = 2
        elif rng == f"{main}/*":
            specificity = 1
        elif rng == "*/*":
            specificity = 0
        else:
            continue
        if specificity > best[0]:
            best = (specificity, q)
    return best[1], best[0]


def negotiate(accept: str | None, kind: str, *, wildcards: bool = True) -> str | None:
    """Choose a format for a result of ``kind`` (``bindings``, ``boolean``, ``graph``) from an ``Accept`` header.

    Returns the format name, or None when nothing acceptable can be served (HTTP 406). A missing or empty header
    accepts anything (SPARQL JSON for tables, Turtle for graphs). Without ``wildcards``, only ranges that name a
    type (``text/*`` or a full media type) count.

    Examples
    --------
    >>> negotiate(None, "graph")
    'turtle'
    >>> negotiate("application/xml", "boolean")
    'xml'
    >>> negotiate("text/*;q=0.9, application/n-triples", "graph")
    'nt'
    >>> negotiate("image/png", "bindings") is None
    True
    """
    formats = GRAPH_FORMATS if kind == "graph" else RESULTS_FORMATS
    if not accept or not accept.strip():
        return formats[0]
    ranges = _accept_ranges(accept)
    candidates: list[tuple[str, str]] = [(MEDIA_TYPES[f], f) for f in formats]
    candidates += [(media, f) for media, f in _ALIASES.items() if f in formats and media != MEDIA_TYPES[f]]
    best: tuple[float, int, int] | None = None
    chosen = None
    for order, (media, fmt) in enumerate(candidates):
        q, specificity = _match_quality(media, ranges)
        if specificity < 0 or q <= 0 or (not wildcards and specificity < 1):
            continue
        # higher q first, then a range that names the type over a wildcard, then the server's preference
        key = (q, specificity, -order)
        if best is None or key > best:
            best, chosen = key, fmt
    return chosen


def format_from_name(name: str, kind: str) -> str | None:
    """A format from a short name (``json``, ``csv``, ``turtle`` ...) or a media type; None if it does not fit.

    >>> format_from_name("xml", "graph"), format_from_name("xml", "bindings")
    ('rdfxml', 'xml')
    >>> format_from_name("text/turtle", "bindings") is None
    True
    """
    key = "graph" if kind == "graph" else "bindings"
    name = name.strip().lower()
    if name in FORMAT_NAMES[key]:
        return FORMAT_NAMES[key][name]
    fmt = _ALIASES.get(name.split(";")[0].strip())
    allowed = GRAPH_FORMATS if key == "graph" else RESULTS_FORMATS
    return fmt if fmt in allowed else None


def choose_format(accept: str | None, name: str | None, kind: str) -> str | None:
    """The format of an answer from the ``Accept`` header and a ``format`` / ``output`` parameter.

    ``Accept`` wins when a media range that names a type (not only ``*/*``) can be served; otherwise the
    parameter, when it names a format that fits; otherwise ``Accept`` with its wildcards. So ``format=`` never
    overrides an ``Accept`` that can be satisfied (SPARQLWrapper sends ``format=n3`` with an ``Accept`` listing
    Turtle), and a browser (``*/*``) still gets the format the page asks for. None means 406.

    >>> choose_format("text/turtle, application/rdf+xml;q=0.5", "n3", "graph")
    'turtle'
    >>> choose_format("text/html,application/xhtml+xml,*/*;q=0.8", "csv", "bindings")
    'csv'
    >>> choose_format(None, "tsv", "bindings"), choose_format("image/png", "json", "bindings")
    ('tsv', 'json')
    >>> choose_format("application/sparql-results+json", "csv", "bindings")
    'json'
    >>> choose_format("image/png", "n3", "graph") is None
    True
    """
    specific = negotiate(accept, kind, wildcards=False) if accept and accept.strip() else None
    if specific is not None:
        return specific
    if name:
        named = format_from_name(name, kind)
        if named is not None:
            return named
    return negotiate(accept, kind)
