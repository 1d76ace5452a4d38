"""Refuse what a read-only, offline endpoint must never run, at the cost of one pass over the query text.

Every query nibs-graph executes, from the command line, the HTTP endpoint or the projection loader, passes
:func:`check_query` first; the engine (Oxigraph, through pyoxigraph) then parses it once, when it runs it. The
guard

* expands codepoint escapes (``\\u0053``) as SPARQL 1.1 section 19.2 says, so that the engine is handed exactly the
  text that was checked (Oxigraph does not expand them outside strings itself);
* scans the text once with a small SPARQL lexer (:func:`scan`) that knows comments, the four string forms, IRIs
  and escaped characters in names, and refuses

  - SPARQL Update in any form (``INSERT``, ``DELETE``, ``LOAD``, ``CLEAR``, ``DROP``, ``CREATE``, ``ADD``, ``MOVE``,
    ``COPY``, ``WITH`` as the first keyword): status 403 (``Store.query`` of pyoxigraph cannot run an update
    either, so this is a clear message, not the only line);
  - ``SERVICE`` (Oxigraph would call the remote endpoint): any letter run that *starts* with ``service`` (Oxigraph
    reads keywords without a word boundary: ``SERVICEex:x`` is ``SERVICE ex:x``) outside comments, strings, IRIs,
    variable names, prefixed names and language tags;
  - ``FROM`` / ``FROM NAMED`` (the same rule), unless every graph named is one the store holds;

* settles the one ambiguity of SPARQL's lexer the same way for every reading: ``<`` is either an IRI or the
  less-than operator, and only inside parentheses (where expressions live) after an operand can it be the operator.
  There an IRI is accepted only when reading it as code changes nothing (no comment, string, bracket or keyword
  inside it, see :func:`scan`); otherwise the query is refused with a message saying how to write it (a prefixed
  name, or a space after ``<``). Everywhere else ``<`` can only start an IRI.

The rules err on the side of refusing: ``tests/test_sparql_guard.py`` runs a corpus of disguised ``SERVICE`` calls
through both the guard and Oxigraph with a listening socket, and checks that each is refused or never connects.
The scan copies runs of characters that open nothing (no comment, string, IRI, escape or bracket) in one regular
expression step and reads the rest one character at a time; a second test checks, on that corpus and thousands of
random texts made of the lexer's delicate pieces, that it says exactly what the character-by-character lexer says
(the same code, IRIs and refusals). An accepted text is cached per store (``Store.check``), so a repeated query is
not scanned again.

The guard does not parse the query; :func:`check_query` with ``parse=True`` (the default for callers other than
the local stores, which parse when they run it) has Oxigraph parse it against an empty store for a syntax check,
the form's variables and a message with line and column.

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
nibs_graph.sparql.guard.QueryRefused: SERVICE is refused: queries never reach out to other endpoints...
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from ..errors import QueryError
from ..namespaces import PREFIXES, RDF_PREFIXES

__all__ = [
    "DEFAULT_PREFIXES",
    "MAX_DEPTH",
    "MAX_SLICE",
    "UPDATE_KEYWORDS",
    "CheckedQuery",
    "QueryRefused",
    "Scan",
    "check_query",
    "engine_error",
    "prologue",
    "scan",
]

#: Every documented prefix, bound in every query unless the query declares it itself.
DEFAULT_PREFIXES: dict[str, str] = {**RDF_PREFIXES, **PREFIXES}
#: Brackets nested deeper than this are refused before the parser sees them.
MAX_DEPTH = 48
#: The largest ``LIMIT`` / ``OFFSET`` a query may give (their sum stays within the 64-bit integers engines use).
MAX_SLICE = 10**18
#: The keywords that open a SPARQL Update operation.
UPDATE_KEYWORDS = frozenset({"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH"})
_FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")


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
    prefixes:
        The default prefixes bound for this query (the query's own declarations take precedence).
    select_star:
        ``SELECT *``: the columns are the in-scope variables in order of first appearance (:attr:`appearance`).
    appearance:
        Every variable name of the query, in order of first appearance in the text.
    """

    text: str
    form: str
    prefixes: dict[str, str] = field(default_factory=dict, repr=False)
    select_star: bool = False
    appearance: tuple[str, ...] = field(default=(), repr=False)

    @property
    def kind(self) -> str:
        """``bindings`` (SELECT), ``boolean`` (ASK) or ``graph`` (CONSTRUCT, DESCRIBE)."""
        return {"SELECT": "bindings", "ASK": "boolean"}.get(self.form, "graph")

    @cached_property
    def variables(self) -> tuple[str, ...]:
        """The projected variables of a ``SELECT`` query, in column order (empty for other forms).

        Parses the query (with Oxigraph, against an empty store) the first time it is asked for.

        >>> check_query("SELECT * { ?b ?a ?c }").variables
        ('b', 'a', 'c')
        """
        if self.form != "SELECT":
            return ()
        result = _parse(self.text, self.prefixes)
        return column_order(self, [v.value for v in result.variables])

    def with_prologue(self, base: str | None = None) -> str:
        """The text with ``PREFIX`` declarations for the default prefixes (and ``BASE``), on the query's first line.

        For an engine that takes no prefix map (a remote endpoint). The declarations are written on the same
        line as the start of the query, so line numbers in an engine's error messages stay right; a prefix the
        query declares itself is not repeated.

        >>> check_query("ASK { ?s a nibs:Study }").with_prologue().startswith("PREFIX rdf: <")
        True
        >>> check_query("ASK {}").with_prologue("http://h/sparql").startswith("BASE <http://h/sparql> PREFIX")
        True
        """
        return (f"BASE <{base}> " if base else "") + prologue(self.prefixes) + self.text


def column_order(checked: CheckedQuery, engine: list[str]) -> tuple[str, ...]:
    """The columns of a ``SELECT`` result: as projected, or for ``SELECT *`` by first appearance in the query.

    >>> column_order(check_query("SELECT * { ?b ?a ?c }", parse=False), ["a", "b", "c"])
    ('b', 'a', 'c')
    >>> column_order(check_query("SELECT ?c ?a { ?a ?b ?c }", parse=False), ["c", "a"])
    ('c', 'a')
    """
    if not checked.select_star:
        return tuple(engine)
    rank = {name: i for i, name in enumerate(checked.appearance)}
    return tuple(sorted(engine, key=lambda name: (rank.get(name, len(rank)), engine.index(name))))


def prologue(prefixes: dict[str, str]) -> str:
    """``PREFIX`` declarations on one line, ending with a space.

    >>> prologue({"nibs": "https://w3id.org/nibs-graph/ontology#"})
    'PREFIX nibs: <https://w3id.org/nibs-graph/ontology#> '
    """
    return "".join(f"PREFIX {name}: <{iri}> " for name, iri in prefixes.items())


# ---------------------------------------------------------------------------------------------- lexical scan

_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
_IRI = re.compile(r"<([^<>\"{}|^`\\\x00-\x20]*)>")
_LONG = {
    "'": re.compile(r"'''(?:(?:'|'')?(?:[^'\\]|\\.))*(?:'''|\Z)", re.S),
    '"': re.compile(r'"""(?:(?:"|"")?(?:[^"\\]|\\.))*(?:"""|\Z)', re.S),
}
_SHORT = {
    "'": re.compile(r"'(?:[^'\\\n\r]|\\[^\n\r])*(?:'|(?=[\n\r])|\Z)"),
    '"': re.compile(r'"(?:[^"\\\n\r]|\\[^\n\r])*(?:"|(?=[\n\r])|\Z)'),
}
_COMMENT = re.compile(r"#[^\n\r]*")
#: After one of these code characters an expression expects an operand, so ``<`` can only start an IRI.
_OPERATOR_BEFORE = frozenset("(,=!<>&|+-*/^")
#: A letter run that Oxigraph may read as the keyword (no word boundary needed), unless glued to a name before it.
_KEYWORD = re.compile(r"(?<![A-Za-z_?$:@\\])(service|from)", re.IGNORECASE)
#: Inside an ambiguous ``<…>``: characters that would change the lexer's state if the span were read as code.
_NOT_INERT = re.compile(r"[#'()\[\]]")
#: A run of characters that start no comment, string, IRI, escape or bracket: :func:`scan` copies it in one step.
_PLAIN = re.compile(r"[^#'\"<\\(){}\[\]]+")
_BRACKETS = re.compile(r"[(){}\[\]]")
_VARIABLE = re.compile(r"[?$]([A-Za-z0-9_\u00B7\u00C0-\U000EFFFF]+)")
_PROLOGUE = re.compile(r"(?is)^\s*(?:(?:BASE\s*|PREFIX\s*[^\s:]*:\s*)\s*)*")


@dataclass(frozen=True)
class Scan:
    """The result of :func:`scan`: the code (comments, strings and IRIs blanked) and the IRIs with their offsets."""

    code: str
    iris: tuple[tuple[int, str], ...]


def expand_escapes(text: str) -> str:
    r"""Expand ``\uXXXX`` and ``\UXXXXXXXX`` (SPARQL 1.1, 19.2).

    >>> expand_escapes(r"\u0053ELECT")
    'SELECT'
    """

    def one(match: re.Match[str]) -> str:
        code = int(match.group(1) or match.group(2), 16)
        if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
            raise QueryRefused(f"invalid query: {match.group(0)} is not a Unicode character")
        return chr(code)

    return _ESCAPE.sub(one, text)


def scan(text: str) -> Scan:
    """Blank out comments, strings and IRIs (one space each), refusing an IRI that could also be read as code.

    ``<`` is the less-than operator only inside parentheses right after an operand; there the span up to ``>``
    is taken as an IRI only if it holds none of ``# ' ( ) [ ]`` and no ``service`` / ``from``, so that reading it
    as code (``<``, tokens, ``>``) leaves the lexer where reading it as an IRI does.

    >>> scan('SELECT ?x { ?x <urn:p> "a # b" } # note').code
    'SELECT ?x { ?x     }  '
    >>> scan("ASK { FILTER(?o <1)SERVICE?c#>\\n{} ) }")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    nibs_graph.sparql.guard.QueryRefused: line 1: '<1)SERVICE?c#>' could be an IRI or '<' followed by code...
    """
    out: list[str] = []
    iris: list[tuple[int, str]] = []
    stack: list[str] = []
    previous = "("  # the last significant code character ("x" after a string or an IRI: an operand)
    i = 0
    n = len(text)
    while i < n:
        plain = _PLAIN.match(text, i)
        if plain is not None:  # no state changes inside the run but the last significant character
            run = plain.group()
            significant = run.rstrip()  # str.isspace, as for single characters below
            if significant:
                previous = significant[-1]
            out.append(run)
            i = plain.end()
            continue
        char = text[i]
        if char == "#":
            end = _COMMENT.match(text, i).end()  # type: ignore[union-attr]
            out.append(" ")
            i = end
            continue
        if char in "'\"":
            long = text.startswith(char * 3, i)
            match = (_LONG if long else _SHORT)[char].match(text, i)
            end = match.end() if match else n
            out.append(" ")
            previous = "x"
            i = end
            continue
        if char == "<":
            match = _IRI.match(text, i)
            if match is not None:
                if stack and stack[-1] == "(" and previous not in _OPERATOR_BEFORE:
                    _check_ambiguous(text, match)
                iris.append((i, match.group(1)))
                out.append(" ")
                previous = "x"
                i = match.end()
                continue
        if char == "\\":  # an escaped character in a prefixed name (PN_LOCAL_ESC): part of the name
            out.append(text[i : i + 2])
            previous = "x"
            i += 2
            continue
        if char in "({[":
            stack.append(char)
        elif char in ")}]" and stack:
            stack.pop()
        if not char.isspace():
            previous = char
        out.append(char)
        i += 1
    return Scan("".join(out), tuple(iris))


def _check_ambiguous(text: str, match: re.Match[str]) -> None:
    content = match.group(1)
    before_hash = content.split("#", 1)[0]
    safe = not _NOT_INERT.search(before_hash) and not _KEYWORD.search(" " + before_hash)
    if safe and "#" in content:  # read as code, the '#' comments out the rest of the line: it must hold nothing
        rest = text[match.end() : _line_end(text, match.end())]
        safe = not rest.strip() or rest.lstrip().startswith("#")
    if not safe:
        line = text.count("\n", 0, match.start()) + 1
        shown = match.group(0) if len(match.group(0)) <= 60 else match.group(0)[:57] + "..."
        raise QueryRefused(
            f"line {line}: {shown!r} could be an IRI or '<' followed by code: write the IRI as a prefixed name "
            "(e.g. nibs:iTBS), or put a space after '<' when it means less-than",
            reason="ambiguous",
        )


def _line_end(text: str, start: int) -> int:
    ends = [p for p in (text.find("\n", start), text.find("\r", start)) if p >= 0]
    return min(ends) if ends else len(text)


def _code(text: str) -> str:
    return scan(text).code


def _words(code: str) -> set[str]:
    """Upper-cased keyword candidates (``SERVICE``, ``FROM``) in scanned code.

    >>> sorted(_words(_code("SELECT * FROM <x> { SERVICEex:y {} ?service ex:from ?o }")))
    ['FROM', 'SERVICE']
    """
    return {m.group(1).upper() for m in _KEYWORD.finditer(code)}


def _depth(code: str) -> int:
    depth = deepest = 0
    for char in _BRACKETS.findall(code):
        if char in "({[":
            depth += 1
            deepest = max(deepest, depth)
        elif char in ")}]":
            depth -= 1
    return deepest


_SLICE = re.compile(r"(?<![\w:?$@\-])(LIMIT|OFFSET)\s*([0-9]+)", re.IGNORECASE)


def _check_slices(code: str) -> None:
    """Refuse a ``LIMIT`` or ``OFFSET`` over :data:`MAX_SLICE` with a plain message (engines' own are cryptic).

    >>> _check_slices("SELECT * { ?s ?p ?o } LIMIT 10 OFFSET 1000000000000000000")
    >>> _check_slices("SELECT * { ?s ?p ?o } limit 00000000000000000000000000000000000001")
    >>> _check_slices("SELECT * { ?s ?p ?o } OFFSET 12345678901234567890123456")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    nibs_graph.sparql.guard.QueryRefused: OFFSET 12345678901234567890123456 is too large: LIMIT and OFFSET may be...
    """
    for match in _SLICE.finditer(code):
        digits = match.group(2).lstrip("0") or "0"
        if len(digits) > len(str(MAX_SLICE)) or int(digits) > MAX_SLICE:
            shown = digits if len(digits) <= 40 else f"{digits[:20]}… ({len(digits)} digits)"
            raise QueryRefused(
                f"{match.group(1).upper()} {shown} is too large: LIMIT and OFFSET may be at most {MAX_SLICE}",
                reason="too_large_number",
            )


def _first_keyword(code: str) -> str | None:
    """The first keyword after the prologue (``BASE``/``PREFIX`` declarations), upper-cased."""
    rest = code[_PROLOGUE.match(code).end() :]  # type: ignore[union-attr]
    match = re.match(r"\s*([A-Za-z]+)", rest)
    return match.group(1).upper() if match else None


# ---------------------------------------------------------------------------------------------- parsing

_EMPTY: Any = None


def _parse(text: str, prefixes: dict[str, str]) -> Any:
    """Have Oxigraph parse ``text`` against an empty store (a syntax check); returns its (lazy) result."""
    global _EMPTY
    import pyoxigraph

    if _EMPTY is None:
        _EMPTY = pyoxigraph.Store()
    try:
        return _EMPTY.query(text, prefixes=prefixes, base_iri="urn:nibs-graph:syntax-check")
    except SyntaxError as exc:
        raise engine_error(exc, text) from None
    except (OSError, ValueError, RuntimeError) as exc:  # evaluating an ASK on nothing cannot fail, but never crash
        raise QueryRefused(f"invalid query: {exc}") from None


_POSITION = re.compile(r"^error at (\d+):(\d+): (.*)$", re.S)


def engine_error(exc: BaseException, text: str) -> QueryRefused:
    """Oxigraph's syntax error as a short message with line and column (and the undeclared prefix, if that is it).

    >>> import pyoxigraph
    >>> try:
    ...     pyoxigraph.Store().query("SELECT ?x {")
    ... except SyntaxError as exc:
    ...     print(engine_error(exc, "SELECT ?x {"))  # doctest: +ELLIPSIS
    syntax error at line 1, column 12: expected one of ...
    """
    message = " ".join(str(exc).split())
    match = _POSITION.match(message)
    if match is None:
        return QueryRefused(f"invalid query: {message[:300]}")
    line, column, detail = int(match.group(1)), int(match.group(2)), match.group(3)
    if "Prefix not found" in detail:
        undeclared = _undeclared_prefix(text)
        if undeclared is not None:
            return QueryRefused(
                f"syntax error at line {line}, column {column}: unknown prefix {undeclared}: "
                "(declare it with PREFIX, or use one of the documented prefixes)"
            )
    if len(detail) > 200:
        detail = detail[:200].rstrip() + "…"
    lines = text.splitlines()
    near = lines[line - 1][max(column - 1, 0) : max(column - 1, 0) + 30].strip() if 0 < line <= len(lines) else ""
    return QueryRefused(
        f"syntax error at line {line}, column {column}: {detail}" + (f" (found {near!r})" if near else "")
    )


def _undeclared_prefix(text: str) -> str | None:
    code = _code(text)
    declared = {m.group(1) for m in re.finditer(r"(?i)\bPREFIX\s+([^\s:]*):", code)} | set(DEFAULT_PREFIXES)
    for match in re.finditer(r"(?<![\w?$@:.\-\\])([A-Za-z][\w.\-]*)?:(?=[\w%\\]|\s)", code):
        name = match.group(1) or ""
        if name not in declared and not name.lower().startswith(("prefix", "base")):
            return name
    return None


# ---------------------------------------------------------------------------------------------- check


def check_query(
    text: str,
    *,
    max_bytes: int | None = None,
    known_graphs: Iterable[str] = (),
    default_prefixes: bool = True,
    parse: bool = True,
) -> CheckedQuery:
    """Refuse updates, ``SERVICE`` and unknown dataset clauses in ``text``; with ``parse``, check its syntax too.

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
    parse:
        Also have Oxigraph parse the query (the local stores skip this: they parse it when they run it).

    Returns
    -------
    CheckedQuery
        The expanded text, the query form and what ``SELECT *`` needs to order its columns.

    Raises
    ------
    QueryRefused
        With ``status`` 400 (malformed, ``SERVICE``, unknown graph, too deeply nested, an ambiguous ``<``), 403 (an
        update) or 413 (too long).

    Examples
    --------
    >>> check_query("ASK { ?f nibs:direction nibs:increased }").form
    'ASK'
    >>> check_query("SELECT * FROM <file:///etc/passwd> { ?s ?p ?o }")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    nibs_graph.sparql.guard.QueryRefused: FROM <file:///etc/passwd> is refused: this endpoint holds only its...
    >>> check_query("SELECT ?x {")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    nibs_graph.sparql.guard.QueryRefused: syntax error at line 1, column 12: expected one of ...
    """
    if not isinstance(text, str):
        raise QueryRefused("the query must be text")
    if max_bytes is not None and len(text.encode("utf-8", "surrogatepass")) > max_bytes:
        raise QueryRefused(f"the query is longer than {max_bytes} bytes", status=413, reason="too_large")
    text = text.removeprefix("\ufeff")
    if not text.strip():
        raise QueryRefused("the query is empty", reason="missing")
    expanded = expand_escapes(text)
    if "\x00" in expanded:
        raise QueryRefused("invalid query: it contains a NUL character")

    scanned = scan(expanded)
    code = scanned.code
    keyword = _first_keyword(code)
    update = next((word for word in UPDATE_KEYWORDS if keyword and keyword.startswith(word)), None)
    if update is not None:
        raise QueryRefused(
            f"this endpoint is read-only: SPARQL Update ({update}) is refused", status=403, reason="update"
        )
    if _depth(code) > MAX_DEPTH:
        raise QueryRefused(f"the query is nested more than {MAX_DEPTH} levels deep", reason="too_deep")
    _check_slices(code)
    words = _words(code)
    if "SERVICE" in words:
        raise QueryRefused(
            "SERVICE is refused: queries never reach out to other endpoints (federate from the other side: "
            "this endpoint can be the SERVICE of another)",
            reason="service",
        )
    if "FROM" in words:
        _check_dataset(expanded, scanned, set(known_graphs))

    declared = {m.group(1) for m in re.finditer(r"(?i)\bPREFIX\s+([^\s:]*):", code)}
    prefixes = {k: v for k, v in DEFAULT_PREFIXES.items() if k not in declared} if default_prefixes else {}
    form = next((f for f in _FORMS if keyword and keyword.startswith(f)), None)
    if form is None or parse:
        result = _parse(expanded, prefixes)
        if form is None:  # pragma: no cover - Oxigraph parsed a query whose first keyword is not a form
            raise QueryRefused("invalid query: expected SELECT, ASK, CONSTRUCT or DESCRIBE")
        del result
    rest = code[_PROLOGUE.match(code).end() :]  # type: ignore[union-attr]
    star = form == "SELECT" and re.match(r"(?is)\s*SELECT\s*(?:DISTINCT|REDUCED)?\s*\*", rest) is not None
    appearance = tuple(dict.fromkeys(m.group(1) for m in _VARIABLE.finditer(code))) if star else ()
    return CheckedQuery(text=expanded, form=form, prefixes=prefixes, select_star=star, appearance=appearance)


def _check_dataset(text: str, scanned: Scan, known: set[str]) -> None:
    named = [
        iri
        for offset, iri in scanned.iris
        if re.search(r"(?i)FROM(?:\s+NAMED)?\s*$", text[max(0, offset - 40) : offset])
    ]
    froms = sum(1 for m in _KEYWORD.finditer(scanned.code) if m.group(1).upper() == "FROM")
    if known and named and len(named) == froms and all(iri in known for iri in named):
        return
    if named:
        raise QueryRefused(
            f"FROM <{named[0]}> is refused: this endpoint holds only its default graph", reason="dataset"
        )
    raise QueryRefused("FROM is refused: this endpoint holds only its default graph", reason="dataset")
