"""Reading an RDF graph file safely: no network, no file but the one named, and limits checked before rdflib
sees a byte.

rdflib's parsers will fetch a JSON-LD ``@context`` given as a URL (or open one given as a ``file:`` path), expand
the entities of an RDF/XML document type declaration (a 1.3 KB "billion laughs" runs for minutes), and slow down
quadratically with the number of Turtle prefixes. So every graph a user hands nibs-graph (``--graph``,
``serve --graph``, the graph answer of a remote endpoint) goes through :func:`parse_graph`, which first checks:

* the file is a regular file no larger than :data:`LIMITS` ``bytes``;
* JSON-LD: every ``@context`` (at any depth, in any array) is inline: a string context (a URL, a file) or an
  ``@import`` is refused;
* RDF/XML (and TriX): no document type declaration (``<!DOCTYPE``) and no entity declaration at all;
* prefix declarations (``@prefix``/``PREFIX``, ``xmlns``, JSON-LD context terms), nesting depth (``[ ]``/``( )``,
  JSON objects and arrays, XML elements) and list length (items of one Turtle collection or JSON-LD ``@list``)
  within :data:`LIMITS`.

Each limit can be raised with an environment variable, which the error names:

=====================  ==============================  =========
limit                  environment variable            default
=====================  ==============================  =========
size                   ``NIBS_GRAPH_MAX_GRAPH_MB``     512 (MB)
prefix declarations    ``NIBS_GRAPH_MAX_PREFIXES``     1,000
nesting depth          ``NIBS_GRAPH_MAX_NESTING``      64
items in one list      ``NIBS_GRAPH_MAX_LIST_ITEMS``   100,000
=====================  ==============================  =========

>>> check_graph_text(b'{"@context": "http://127.0.0.1:9/ctx.jsonld", "@id": "x"}', "json-ld", "g.jsonld")
Traceback (most recent call last):
...
nibs_graph.errors.GraphFileError: g.jsonld: a JSON-LD @context that is not inline ('http://127.0.0.1:9/ctx.jsonld') \
is refused: nibs-graph never fetches or opens a context; put the context object in the file
>>> check_graph_text(b"@prefix ex: <http://example.org/> .\\nex:a ex:b ( 1 2 3 ) .", "turtle", "g.ttl")
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import GraphFileError

if TYPE_CHECKING:
    from rdflib import Graph

__all__ = ["LIMITS", "Limit", "check_graph_text", "parse_graph", "read_graph_bytes"]


@dataclass(frozen=True)
class Limit:
    """One limit on a graph file: its name in messages, the environment variable that raises it, its default."""

    what: str
    env: str
    default: int
    unit: int = 1

    def value(self) -> int:
        """The limit in force (the environment variable, if set to a positive number, else the default)."""
        try:
            chosen = int(os.environ.get(self.env, ""))
        except ValueError:
            chosen = 0
        return (chosen if chosen > 0 else self.default) * self.unit

    def exceeded(self, label: str, found: str) -> GraphFileError:
        """The error for a file past this limit, naming the limit and how to raise it."""
        shown = self.value() // self.unit
        return GraphFileError(
            f"{label}: {found}, past the limit of {shown:,} {self.what} (checked before parsing; "
            f"raise it with the environment variable {self.env})"
        )


LIMITS: dict[str, Limit] = {
    "bytes": Limit("MB", "NIBS_GRAPH_MAX_GRAPH_MB", 512, 1024 * 1024),
    "prefixes": Limit("prefix declarations", "NIBS_GRAPH_MAX_PREFIXES", 1_000),
    "nesting": Limit("levels of nesting", "NIBS_GRAPH_MAX_NESTING", 64),
    "list": Limit("items in one list", "NIBS_GRAPH_MAX_LIST_ITEMS", 100_000),
}

_TURTLE_LIKE = {"turtle", "ttl", "n3", "trig"}
_XML_LIKE = {"xml", "pretty-xml", "trix"}
_JSONLD = {"json-ld", "jsonld"}
_LINE_BASED = {"nt", "ntriples", "nt11", "nquads"}

# Turtle tokens: long and short strings, IRIs and comments are skipped whole; brackets and prefix keywords counted.
_TURTLE_TOKEN = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""(?!")))*"""'
    r"|'''(?:[^'\\]|\\.|'(?!''(?!')))*'''"
    r'|"(?:[^"\\\n]|\\.)*"'
    r"|'(?:[^'\\\n]|\\.)*'"
    r"|<[^>\s]*>"
    r"|#[^\n]*"
    r"|(?P<open>[\[(])|(?P<close>[\])])"
    r"|(?P<prefix>@prefix\b|(?<![\w:])PREFIX\b)"
    r"|(?P<word>[^\s\[\]()\"'<#;,]+)"
    r"|(?P<stray>[\"'])",  # a quote that opens no complete string: the text is malformed, stop here
    re.IGNORECASE,
)
# A tag cannot hold "<" (not even in an attribute value), so each match stops at the next "<": linear time.
_XML_TAG = re.compile(rb"<(?P<close>/)?[A-Za-z_][^<>]*?(?P<empty>/)?>")
_XML_FORBIDDEN = re.compile(rb"<!DOCTYPE|<!ENTITY", re.IGNORECASE)
_XMLNS = re.compile(rb"\sxmlns(?::[A-Za-z_][\w.-]*)?\s*=")


def read_graph_bytes(path: Path) -> bytes:
    """The bytes of a graph file that is a regular file within the size limit.

    Raises
    ------
    GraphFileError
        When the file is missing, not a regular file (a folder, FIFO, device) or larger than the limit.
    """
    from .datafile import special_kind

    try:
        info = path.stat()
    except OSError:
        raise GraphFileError(f"{path}: no such file") from None
    kind = special_kind(info.st_mode)
    if kind is not None:
        raise GraphFileError(f"{path}: is {kind}, not a graph file")
    limit = LIMITS["bytes"]
    if info.st_size > limit.value():
        raise limit.exceeded(str(path), f"{info.st_size / 1024 / 1024:,.1f} MB")
    try:
        with path.open("rb") as handle:
            return handle.read(limit.value() + 1)
    except OSError as exc:
        raise GraphFileError(f"{path}: cannot be read ({exc.strerror or exc})") from None


def _check_turtle(text: str, label: str) -> None:
    prefixes = LIMITS["prefixes"].value()
    nesting = LIMITS["nesting"].value()
    list_items = LIMITS["list"].value()
    declared = 0
    stack: list[list[int]] = []  # per open bracket: [is a collection, items so far]
    for token in _TURTLE_TOKEN.finditer(text):
        kind = token.lastgroup
        if kind == "stray":
            line = text.count("\n", 0, token.start()) + 1
            raise GraphFileError(f"{label}: not a readable turtle graph: unterminated string on line {line}")
        if kind is None or kind == "word":
            if stack and stack[-1][0]:
                stack[-1][1] += 1
                if stack[-1][1] > list_items:
                    raise LIMITS["list"].exceeded(label, f"a list of more than {list_items:,} items")
            continue
        if kind == "open":
            if stack and stack[-1][0]:
                stack[-1][1] += 1
            stack.append([token.group() == "(", 0])
            if len(stack) > nesting:
                raise LIMITS["nesting"].exceeded(label, f"brackets nested {len(stack)} deep")
        elif kind == "close":
            if stack:
                stack.pop()
        else:  # a prefix declaration
            declared += 1
            if declared > prefixes:
                raise LIMITS["prefixes"].exceeded(label, f"more than {prefixes:,} prefix declarations")


def _json_walk(node: Any, label: str, depth: int, found: list[int]) -> None:
    """Refuse a context that is not inline, too deep a nesting, too long a ``@list``; count context terms."""
    if depth > LIMITS["nesting"].value():
        raise LIMITS["nesting"].exceeded(label, f"JSON nested {depth} deep")
    if isinstance(node, list):
        for item in node:
            _json_walk(item, label, depth + 1, found)
        return
    if not isinstance(node, dict):
        return
    for key, value in node.items():
        if key == "@context":
            for context in value if isinstance(value, list) else [value]:
                if isinstance(context, dict):
                    if "@import" in context:
                        raise GraphFileError(
                            f"{label}: a JSON-LD @import in a @context is refused: nibs-graph never fetches or "
                            "opens a context; put the context object in the file"
                        )
                    found[0] += len(context)
                elif context is not None:
                    raise GraphFileError(
                        f"{label}: a JSON-LD @context that is not inline ({context!r}) is refused: nibs-graph never "
                        "fetches or opens a context; put the context object in the file"
                    )
        if key == "@list" and isinstance(value, list) and len(value) > LIMITS["list"].value():
            raise LIMITS["list"].exceeded(label, f"a @list of {len(value):,} items")
        _json_walk(value, label, depth + 1, found)


def _check_jsonld(text: str, label: str) -> None:
    try:
        document = json.loads(text)
    except RecursionError:
        raise LIMITS["nesting"].exceeded(label, "JSON nested too deep to read") from None
    except ValueError as exc:
        raise GraphFileError(f"{label}: not a readable json-ld graph: {exc}") from None
    found = [0]
    _json_walk(document, label, 1, found)
    if found[0] > LIMITS["prefixes"].value():
        raise LIMITS["prefixes"].exceeded(label, f"{found[0]:,} context terms")


def _check_xml(data: bytes, label: str) -> None:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        data = data.decode("utf-16").encode("utf-8")
    if _XML_FORBIDDEN.search(data):
        raise GraphFileError(
            f"{label}: an XML document type declaration or entity (<!DOCTYPE, <!ENTITY) is refused: nibs-graph "
            "expands no entities and reads no external DTD; write the IRIs out in full"
        )
    prefixes = LIMITS["prefixes"].value()
    declared = len(_XMLNS.findall(data))
    if declared > prefixes:
        raise LIMITS["prefixes"].exceeded(label, f"{declared:,} xmlns declarations")
    nesting = LIMITS["nesting"].value()
    depth = 0
    for tag in _XML_TAG.finditer(data):
        if tag.group("empty"):
            continue
        depth += -1 if tag.group("close") else 1
        if depth > nesting:
            raise LIMITS["nesting"].exceeded(label, f"XML elements nested {depth} deep")


def check_graph_text(data: bytes, fmt: str, label: str) -> None:
    """Refuse a graph text that would make a parser fetch, expand entities or run past a limit.

    Raises
    ------
    GraphFileError
        Naming ``label``, what was found, the limit and the environment variable that raises it.
    """
    limit = LIMITS["bytes"]
    if len(data) > limit.value():
        raise limit.exceeded(label, f"{len(data) / 1024 / 1024:,.1f} MB")
    if fmt in _LINE_BASED:
        return
    if fmt in _XML_LIKE:
        _check_xml(data, label)
        return
    text = data.decode("utf-8", errors="replace")
    if fmt in _JSONLD:
        _check_jsonld(text, label)
    else:  # Turtle, TriG, N3 and anything else rdflib might be asked for
        _check_turtle(text, label)


def parse_graph(graph: Graph, data: bytes, fmt: str, label: str, *, public_id: str | None = None) -> Graph:
    """Check ``data`` with :func:`check_graph_text`, then parse it into ``graph`` (no fetch, no file opened).

    Raises
    ------
    GraphFileError
        When a check fails or the text does not parse (the message names ``label`` and the parser's complaint).
    """
    check_graph_text(data, fmt, label)
    try:
        graph.parse(data=data, format=fmt, publicID=public_id)
    except Exception as exc:  # rdflib raises many unrelated types for syntax errors
        raise GraphFileError(f"{label}: not a readable {fmt} graph: {exc}") from None
    return graph
