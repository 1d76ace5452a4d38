"""Parse a SPARQL query and refuse what a read-only, offline endpoint must never run.

Every query nibs-graph executes, from the command line, the HTTP endpoint or the projection loader, passes
:func:`check_query` first. It

* refuses SPARQL Update in any form (``INSERT``, ``DELETE``, ``LOAD``, ``CLEAR``, ``DROP``, ``CREATE``, ``ADD``,
  ``MOVE``, ``COPY``, ``WITH``): the text is recognised as an update and never reaches a store (status 403);
* parses the query with rdflib's SPARQL 1.1 parser and refuses, on the parsed algebra, ``SERVICE`` (rdflib and
  Oxigraph would both call the remote endpoint) and dataset clauses ``FROM`` / ``FROM NAMED`` of a graph the
  store does not hold (rdflib would fetch the IRI, even a ``file:`` IRI); a lexical backstop refuses the words
  ``SERVICE`` and ``FROM`` anywhere outside strings, IRIs and comments, so that a difference between rdflib's
  parser and another engine's cannot smuggle them through;
* returns the query with its codepoint escapes (``\\u0053``) expanded, as SPARQL 1.1 section 19.2 says and
  rdflib does, so that every engine is handed exactly the text that was checked;
* turns every parser complaint into a :class:`QueryRefused` with the parser's message and status 400 (no
  traceback, no file path), including queries nested too deeply for the parser.

>>> checked = check_query("SELECT ?t WHERE { ?t rdfs:subClassOf nibs:TBS }")
>>> checked.form, checked.variables
('SELECT', ('t',))
>>> check_query("INSERT DATA { <urn:a> <urn:b> <urn:c> }")
Traceback (most recent call last):
...
nibs_graph.sparql.guard.QueryRefused: this endpoint is read-only: SPARQL Update (INSERT) is refused
>>> check_query("SELECT * { SERVICE <http://example.org/sparql> { ?s ?p ?o } }")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
nibs_graph.sparql.guard.QueryRefused: SERVICE <http://example.org/sparql> is refused: queries never reach out...
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from ..errors import QueryError
from ..namespaces import PREFIXES, RDF_PREFIXES

__all__ = [
    "DEFAULT_PREFIXES",
    "MAX_DEPTH",
    "UPDATE_KEYWORDS",
    "CheckedQuery",
    "QueryRefused",
    "check_query",
    "prologue",
]

#: Every documented prefix, bound in every query unless the query declares it itself.
DEFAULT_PREFIXES: dict[str, str] = {**RDF_PREFIXES, **PREFIXES}
#: Brackets nested deeper than this are refused before the parser sees them.
MAX_DEPTH = 48
#: The keywords that open a SPARQL Update operation.
UPDATE_KEYWORDS = frozenset({"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH"})
_QUERY_FORMS = {"SelectQuery": "SELECT", "AskQuery": "ASK", "ConstructQuery": "CONSTRUCT", "DescribeQuery": "DESCRIBE"}


class QueryRefused(QueryError):
    """A query that is malformed or not allowed; ``status`` is the HTTP status the endpoint answers with.

    >>> QueryRefused("too big", status=413).status
    413
    """

    def __init__(self, message: str, *, status: int = 400, reason: str = "malformed") -> None:
        super().__init__(message)
        self.status = status
        self.reason = reason


@dataclass(frozen=True)
class CheckedQuery:
    """A query that passed :func:`check_query`.

    Attributes
    ----------
    text:
        The query with codepoint escapes expanded: hand this text (never the raw input) to an engine.
    form:
        ``SELECT``, ``ASK``, ``CONSTRUCT`` or ``DESCRIBE``.
    variables:
        The projected variables of a ``SELECT`` query, in order (empty for other forms).
    prefixes:
        The default prefixes bound for this query (the query's own declarations take precedence).
    parsed:
        rdflib's translated query (the algebra), for the in-memory store; not picklable.
    """

    text: str
    form: str
    variables: tuple[str, ...] = ()
    prefixes: dict[str, str] = field(default_factory=dict, repr=False)
    parsed: Any = field(default=None, repr=False, compare=False)

    @property
    def kind(self) -> str:
        """``bindings`` (SELECT), ``boolean`` (ASK) or ``graph`` (CONSTRUCT, DESCRIBE)."""
        return {"SELECT": "bindings", "ASK": "boolean"}.get(self.form, "graph")

    def with_prologue(self) -> str:
        """The text with ``PREFIX`` declarations for the default prefixes, on the query's first line.

        For an engine that takes no prefix map (a remote endpoint). The declarations are written on the same
        line as the start of the query, so line numbers in an engine's error messages stay right; a prefix the
        query declares itself is not repeated.

        >>> check_query("ASK { ?s a nibs:Study }").with_prologue().startswith("PREFIX rdf: <")
        True
        """
        return prologue(self.prefixes) + self.text


def prologue(prefixes: dict[str, str]) -> str:
    """``PREFIX`` declarations on one line, ending with a space.

    >>> prologue({"nibs": "https://w3id.org/nibs-graph/ontology#"})
    'PREFIX nibs: <https://w3id.org/nibs-graph/ontology#> '
    """
    return "".join(f"PREFIX {name}: <{iri}> " for name, iri in prefixes.items())


# ---------------------------------------------------------------------------------------------- lexical scan

# The tokens a lexer must skip to find keywords: comments, the four string forms (with escapes) and IRIs.
_SKIP = re.compile(
    r"""
      \#[^\n\r]*                                   # comment
    | '''(?:[^'\\]|\\.|'(?!''))*(?:'''|$)           # long single-quoted string
    | \"\"\"(?:[^"\\]|\\.|"(?!""))*(?:\"\"\"|$)     # long double-quoted string
    | '(?:[^'\\\n\r]|\\.)*(?:'|$)                  # short strings
    | "(?:[^"\\\n\r]|\\.)*(?:"|$)
    | <[^<>"{}|^`\\\x00-\x20]*>                    # IRI reference (a lone < is an operator)
    """,
    re.VERBOSE | re.DOTALL,
)
_WORD = re.compile(r"(?<![\w:?$@\-])([A-Za-z]+)(?![\w:\-])")


def _code_segments(text: str) -> Iterator[str]:
    """The parts of ``text`` outside comments, string literals and IRIs."""
    pos = 0
    n = len(text)
    while pos < n:
        match = _SKIP.search(text, pos)
        if match is None:
            yield text[pos:]
            return
        yield text[pos : match.start()]
        yield " "
        pos = match.end() if match.end() > match.start() else match.start() + 1


def _code(text: str) -> str:
    return "".join(_code_segments(text))


def _depth(code: str) -> int:
    depth = deepest = 0
    for char in code:
        if char in "({[":
            depth += 1
            deepest = max(deepest, depth)
        elif char in ")}]":
            depth -= 1
    return deepest


def _first_keyword(code: str) -> str | None:
    """The first keyword after the prologue (``BASE``/``PREFIX`` declarations), upper-cased."""
    rest = re.sub(r"(?is)^\s*(?:(?:BASE\s*|PREFIX\s+[\w.\-]*:\s*)\s*)*", "", code)
    match = re.match(r"\s*([A-Za-z]+)", rest)
    return match.group(1).upper() if match else None


def _words(code: str) -> set[str]:
    return {m.group(1).upper() for m in _WORD.finditer(code)}


# ---------------------------------------------------------------------------------------------- algebra scan


def _walk(node: Any) -> Iterator[Any]:
    """Every value reachable from an rdflib algebra node (CompValues are dicts; lists hold parts)."""
    stack = [node]
    seen: set[int] = set()
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        if isinstance(current, dict):
            stack.extend(current.values())
        elif isinstance(current, (list, tuple)):
            stack.extend(current)


def _service_iris(algebra: Any) -> list[str]:
    return [
        str(dict.get(node, "term"))
        for node in _walk(algebra)
        if isinstance(node, dict) and getattr(node, "name", None) == "ServiceGraphPattern"
    ]


def _dataset_iris(algebra: Any) -> list[str]:
    iris = []
    for clause in dict.get(algebra, "datasetClause") or ():
        for key in ("default", "named"):
            value = dict.get(clause, key)
            if value is not None:
                iris.append(str(value))
    return iris


# ---------------------------------------------------------------------------------------------- check


def _parse_error(exc: BaseException, text: str) -> QueryRefused:
    if isinstance(exc, RecursionError):
        return QueryRefused("the query is nested too deeply for the parser", reason="too_deep")
    lineno = getattr(exc, "lineno", None)
    col = getattr(exc, "col", None)
    msg = getattr(exc, "msg", None)
    if msg is not None and lineno is not None:
        line = text.splitlines()[lineno - 1] if 0 < lineno <= len(text.splitlines()) else ""
        near = line[max(col - 1, 0) : max(col - 1, 0) + 30].strip() if col else ""
        where = f"line {lineno}, column {col}"
        return QueryRefused(f"syntax error at {where}: {msg}" + (f" (found {near!r})" if near else ""))
    message = " ".join(str(exc).split()) or type(exc).__name__
    return QueryRefused(f"invalid query: {message[:500]}")


def check_query(
    text: str,
    *,
    max_bytes: int | None = None,
    known_graphs: Iterable[str] = (),
    default_prefixes: bool = True,
) -> CheckedQuery:
    """Parse ``text`` as a SPARQL 1.1 query and refuse updates, ``SERVICE`` and unknown dataset clauses.

    Parameters
    ----------
    text:
        The query as received.
    max_bytes:
        Refuse (status 413) a query longer than this many UTF-8 bytes.
    known_graphs:
        Graph IRIs the store holds; a ``FROM`` / ``FROM NAMED`` naming any other graph is refused.
    default_prefixes:
        Bind :data:`DEFAULT_PREFIXES` (the query's own declarations take precedence).

    Returns
    -------
    CheckedQuery
        The expanded text, the query form and, for ``SELECT``, the projected variables.

    Raises
    ------
    QueryRefused
        With ``status`` 400 (malformed, ``SERVICE``, unknown graph, too deeply nested), 403 (an update) or 413
        (too long).

    Examples
    --------
    >>> check_query("ASK { ?f nibs:direction nibs:increased }").form
    'ASK'
    >>> check_query("SELECT * FROM <file:///etc/passwd> { ?s ?p ?o }")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    nibs_graph.sparql.guard.QueryRefused: FROM <file:///etc/passwd> is refused: this endpoint holds only its...
    >>> check_query("SELECT ?x {")
    Traceback (most recent call last):
    ...
    nibs_graph.sparql.guard.QueryRefused: syntax error at line 1, column 12: Expected SelectQuery
    """
    from rdflib.plugins.sparql.parser import expandUnicodeEscapes, parseQuery

    if not isinstance(text, str):
        raise QueryRefused("the query must be text")
    if max_bytes is not None and len(text.encode("utf-8", "surrogatepass")) > max_bytes:
        raise QueryRefused(f"the query is longer than {max_bytes} bytes", status=413, reason="too_large")
    text = text.removeprefix("\ufeff")
    if not text.strip():
        raise QueryRefused("the query is empty", reason="missing")
    try:
        expanded = expandUnicodeEscapes(text)
    except ValueError as exc:
        raise QueryRefused(f"invalid query: {exc}") from None
    if "\x00" in expanded:
        raise QueryRefused("invalid query: it contains a NUL character")

    code = _code(expanded)
    keyword = _first_keyword(code)
    if keyword in UPDATE_KEYWORDS:
        raise QueryRefused(
            f"this endpoint is read-only: SPARQL Update ({keyword}) is refused", status=403, reason="update"
        )
    if _depth(code) > MAX_DEPTH:
        raise QueryRefused(f"the query is nested more than {MAX_DEPTH} levels deep", reason="too_deep")

    declared = {m.group(1) for m in re.finditer(r"(?i)\bPREFIX\s+([\w.\-]*):", code)}
    prefixes = {k: v for k, v in DEFAULT_PREFIXES.items() if k not in declared} if default_prefixes else {}
    try:
        tree = parseQuery(expanded)
    except Exception as exc:  # pyparsing's ParseException, RecursionError ...
        if not isinstance(exc, RecursionError) and _is_update(expanded):
            raise QueryRefused(
                "this endpoint is read-only: SPARQL Update is refused", status=403, reason="update"
            ) from None
        raise _parse_error(exc, expanded) from None
    try:
        from rdflib.plugins.sparql.algebra import translateQuery

        parsed = translateQuery(tree, initNs=prefixes)
    except Exception as exc:  # rdflib raises bare Exception for an unknown prefix; RecursionError
        raise _parse_error(exc, expanded) from None

    algebra = parsed.algebra
    for iri in _service_iris(algebra):
        raise QueryRefused(f"SERVICE <{iri}> is refused: queries never reach out to other endpoints", reason="service")
    known = set(known_graphs)
    for iri in _dataset_iris(algebra):
        if iri not in known:
            raise QueryRefused(f"FROM <{iri}> is refused: this endpoint holds only its default graph", reason="dataset")
    words = _words(code)
    if "SERVICE" in words:
        raise QueryRefused("SERVICE is refused: queries never reach out to other endpoints", reason="service")
    if "FROM" in words and not _dataset_iris(algebra):
        raise QueryRefused("FROM is refused: this endpoint holds only its default graph", reason="dataset")

    form = _QUERY_FORMS.get(algebra.name)
    if form is None:  # pragma: no cover - the grammar has no other query form
        raise QueryRefused(f"unsupported query form {algebra.name}")
    variables = tuple(str(v) for v in dict.get(algebra, "PV") or ()) if form == "SELECT" else ()
    return CheckedQuery(text=expanded, form=form, variables=variables, prefixes=prefixes, parsed=parsed)


def _is_update(text: str) -> bool:
    from rdflib.plugins.sparql.parser import parseUpdate

    try:
        parseUpdate(text)
    except BaseException:  # any failure means: not an update
        return False
    return True
