"""What every CLI command shares: options, output, and turning library errors into messages and exit codes.

Exit status: 0 with a result, 1 when there is none (said plainly), 2 for a usage or data error; never a traceback.
"""

from __future__ import annotations

import functools
import inspect
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

from ..errors import NibsGraphError, NoResultError

__all__ = [
    "EVIDENCE_OPTIONS",
    "GRAPH_OPTIONS",
    "LOCAL_OPTIONS",
    "OPTION_GROUPS",
    "DataOption",
    "EndpointOption",
    "FormatOption",
    "GraphOption",
    "GraphSource",
    "LayerOption",
    "OutArgument",
    "OutputFormat",
    "StoreOption",
    "check_out",
    "command_group",
    "emit_json",
    "evidence_filter_from_options",
    "fail",
    "library_errors",
    "missing_extra",
    "say_written",
    "show",
    "with_options",
]


class OutputFormat(StrEnum):
    """Human table, machine JSON, or the table's records as CSV/TSV (formula cells neutralised)."""

    table = "table"
    json = "json"
    csv = "csv"
    tsv = "tsv"


DataOption = Annotated[
    Path | None,
    typer.Option(
        "--data",
        help="An evidence base folder in the nibs-graph layout (default: the shipped data).",
        file_okay=False,
        dir_okay=True,
    ),
]
GraphOption = Annotated[
    Path | None,
    typer.Option(
        "--graph",
        help="Query this Turtle file (conforming to the nibs-graph shapes) instead of --data.",
        dir_okay=False,
    ),
]
FormatOption = Annotated[OutputFormat, typer.Option("--format", "-f", help="Output format: table, json, csv or tsv.")]
StoreOption = Annotated[
    str | None,
    typer.Option(
        "--store",
        help="Where the graph lives: memory (default, compiled from --data) or oxigraph:DIR (persistent Oxigraph).",
    ),
]
EndpointOption = Annotated[
    str | None,
    typer.Option("--endpoint", help="Run the query against this remote SPARQL 1.1 endpoint URL instead of local data."),
]
LayerOption = Annotated[
    list[str] | None,
    typer.Option("--layer", help="Add an optional signalling layer (signor: SIGNOR, CC BY-NC 4.0, non-commercial)."),
]

OutArgument = Annotated[
    Path, typer.Argument(help="The file to write (its folder must exist), or - for stdout.", show_default=False)
]

#: Top-level module → the extra of pyproject.toml that installs it (``pip install 'nibs-graph[EXTRA]'``).
OPTIONAL_MODULES = {
    "pyvis": "viz",
    "jinja2": "viz",
    "markupsafe": "viz",
    "matplotlib": "viz",
    "numpy": "viz",
    "starlette": "server",
    "uvicorn": "server",
    "pyoxigraph": "server",
    "rustworkx": "scale",
    "scipy": "scale",
    "nbclient": "notebooks",
    "nbformat": "notebooks",
    "nbconvert": "notebooks",
    "ipykernel": "notebooks",
}


def missing_extra(exc: BaseException) -> str | None:
    """The one-line message for an import of an optional dependency that is not installed (else None).

    >>> print(missing_extra(ModuleNotFoundError("No module named 'starlette'", name="starlette")))
    this needs starlette, which is not installed: pip install 'nibs-graph[server]' (or '.[server]' in a checkout)
    >>> missing_extra(ModuleNotFoundError("No module named 'nibs_graph.x'", name="nibs_graph.x")) is None
    True
    """
    if not isinstance(exc, ModuleNotFoundError) or not exc.name:
        return None
    top = exc.name.split(".")[0]
    extra = OPTIONAL_MODULES.get(top)
    if extra is None:
        return None
    return (
        f"this needs {top}, which is not installed: pip install 'nibs-graph[{extra}]' (or '.[{extra}]' in a checkout)"
    )


def fail(message: str, code: int = 2) -> NoReturn:
    """Print ``message`` to standard error and exit with ``code``."""
    from ..terminal import printable

    message = printable(message)  # a label or column name from the data never drives the terminal
    typer.echo(f"Error: {message}" if code == 2 else message, err=True)
    raise typer.Exit(code)


@contextmanager
def library_errors() -> Iterator[None]:
    """Turn the library's typed errors into a message and an exit status (1: no result, 2: error)."""
    try:
        yield
    except NoResultError as exc:
        fail(str(exc), 1)
    except NibsGraphError as exc:
        fail(str(exc), 2)
    except ModuleNotFoundError as exc:
        message = missing_extra(exc)
        if message is None:
            raise
        fail(message, 2)
    except KeyboardInterrupt:
        fail("interrupted", 130)
    except BrokenPipeError:
        sys.stderr.close()
        raise typer.Exit(0) from None


@dataclass(frozen=True)
class GraphSource:
    """Where a command's graph comes from: ``--data``, ``--graph``, ``--layer`` (and ``--store``, ``--endpoint``).

    A command asks for one with a parameter ``graph_source`` (every option) or ``local_source`` (no ``--store``,
    ``--endpoint``); :func:`with_options` gives the command the options and builds this from them.

    >>> GraphSource(graph=Path("missing.ttl")).check()
    Traceback (most recent call last):
    ...
    nibs_graph.errors.NibsGraphError: --graph missing.ttl: no such file
    >>> GraphSource(data=Path("d"), endpoint="http://127.0.0.1:1/sparql").check()
    Traceback (most recent call last):
    ...
    nibs_graph.errors.NibsGraphError: --data and --endpoint cannot be used together: choose one source of the graph
    """

    data: Path | None = None
    graph: Path | None = None
    layers: tuple[str, ...] = ()
    store: str | None = None
    endpoint: str | None = None

    @classmethod
    def from_options(
        cls,
        data: Path | None = None,
        graph: Path | None = None,
        layer: list[str] | None = None,
        store: str | None = None,
        endpoint: str | None = None,
    ) -> GraphSource:
        """The source named by the parsed options (``layer`` as repeated)."""
        return cls(data, graph, tuple(layer or ()), store, endpoint)

    def check(self, *, store_from_data: bool = False) -> None:
        """Refuse two sources of the graph, or a ``--graph`` file that does not exist (:class:`NibsGraphError`).

        With ``store_from_data`` (``sparql``, ``serve``), ``--data`` or ``--graph`` fill the ``--store``: only
        ``--data`` with ``--graph`` and ``--endpoint`` with ``--store`` are refused.
        """
        given = {
            "--data": self.data is not None,
            "--graph": self.graph is not None,
            "--endpoint": bool(self.endpoint),
            "--store": bool(self.store) and self.store != "memory",
        }
        exclusive = (("--data", "--graph"), ("--endpoint", "--store")) if store_from_data else (tuple(given),)
        for names in exclusive:
            chosen = [name for name in names if given[name]]
            if len(chosen) > 1:
                raise NibsGraphError(f"{' and '.join(chosen)} cannot be used together: choose one source of the graph")
        if self.graph is not None and not self.graph.is_file():
            raise NibsGraphError(f"--graph {self.graph}: no such file")

    def load(self, *, notes: bool = True) -> Any:
        """Check the options and load the projection (:class:`~nibs_graph.projection.GraphData`).

        With ``notes``, what the running command's ``--param`` leaves out is said on standard error.
        """
        from ..api import load_graph

        self.check()
        if self.endpoint or (self.store and self.store != "memory"):
            from ..sparql.stores import load_projection

            G = load_projection(self.endpoint or str(self.store))
        else:
            G = load_graph(self.data, graph_file=self.graph, layers=self.layers)
        if notes:
            _say_filter_notes(G)
        return G


#: The evidence filter of the command running (set by :func:`with_options`), for its notes.
_RUNNING_FILTER: ContextVar[Any] = ContextVar("nibs_graph_running_filter", default=None)


def _say_filter_notes(G: Any) -> None:
    """Say on standard error what the running command's ``--param`` left out (arms not stating a parameter,
    intensities in other units, which are never compared)."""
    flt = _RUNNING_FILTER.get()
    if flt is not None and flt.params:
        for note in flt.notes(G):
            typer.echo(f"note: {note}", err=True)


def check_out(out: Path) -> None:
    """Refuse a device, FIFO, socket or folder as the file to write, before any work is done."""
    from ..export.atomic import check_target

    check_target(out)


def say_written(out: Path | str) -> None:
    """Say which file was written and its size (nothing when the content went to standard output, ``-``)."""
    if str(out) != "-":
        typer.echo(f"wrote {out} ({Path(out).stat().st_size:,} bytes)")


def command_group(app: typer.Typer, name: str, help: str) -> typer.Typer:
    """Add the command group ``nibs-graph NAME ...`` to ``app`` and return it, for its commands to be added.

    Called with no subcommand, the group prints its help (the list of its commands).

    >>> app = typer.Typer()
    >>> figure = command_group(app, "figure", "Draw a figure.")
    >>> [group.name for group in app.registered_groups], figure.info.no_args_is_help
    (['figure'], True)
    """
    group = typer.Typer(name=name, help=help, no_args_is_help=True, rich_markup_mode=None)
    app.add_typer(group, name=name)
    return group


def emit_json(payload: Any) -> None:
    """Write ``payload`` as indented JSON to standard output."""
    sys.stdout.write(json.dumps(payload, indent=2, ensure_ascii=False, default=_default) + "\n")


def show(fmt: OutputFormat, payload: Callable[[], Any], printer: str, *args: Any) -> None:
    """Print an answer: ``payload()`` as JSON, or ``nibs_graph.render.<printer>(*args, fmt=...)``.

    The printers lay the answer out as a table that fits the terminal, or write its records as CSV/TSV through
    the one writer in :mod:`nibs_graph.tabular`.
    """
    if fmt is OutputFormat.json:
        emit_json(payload())
        return
    from .. import render

    getattr(render, printer)(*args, fmt=fmt.value)


def _default(value: Any) -> Any:
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


# ---------------------------------------------------------------------------------------------- the evidence filter

#: The options every query command shares, in order: name → (annotation, default). They become one
#: :class:`~nibs_graph.queries.filters.EvidenceFilter` (see :func:`with_options`); a new filter option is
#: added here once and appears on every query command.
EVIDENCE_OPTIONS: dict[str, tuple[Any, Any]] = {
    "species": (
        Annotated[
            str | None,
            typer.Option("--species", help="Only evidence in this species (human, rat, mouse), on every hop."),
        ],
        None,
    ),
    "setting": (
        Annotated[
            str | None,
            typer.Option(
                "--setting", help="Only evidence in this setting (in vitro, ex vivo, in vivo, human), on every hop."
            ),
        ],
        None,
    ),
    "min_studies": (
        Annotated[int, typer.Option("--min-studies", min=1, help="Minimum distinct studies behind each hop or link.")],
        1,
    ),
    "exclude_flag": (
        Annotated[
            list[str] | None,
            typer.Option(
                "--exclude-flag",
                help="Leave out evidence with this certainty flag (repeatable; see data/CURATION.md).",
            ),
        ],
        None,
    ),
    "strict": (
        Annotated[bool, typer.Option("--strict", help="Leave out every flagged piece of evidence.")],
        False,
    ),
    "allow_assumed": (
        Annotated[
            bool,
            typer.Option(
                "--allow-assumed",
                help="Keep signalling hops no cited study supports under the filter, marked assumed.",
            ),
        ],
        False,
    ),
    "param": (
        Annotated[
            list[str] | None,
            typer.Option(
                "--param",
                help="Only stimulation evidence from protocol arms with this parameter: NAME=VALUE or NAME=MIN..MAX "
                "(either end open; repeatable), e.g. frequency_hz=..1, intensity=90..120%RMT, polarity=anodal.",
            ),
        ],
        None,
    ),
}


def evidence_filter_from_options(
    species: str | None = None,
    setting: str | None = None,
    min_studies: int = 1,
    exclude_flag: list[str] | None = None,
    strict: bool = False,
    allow_assumed: bool = False,
    param: list[str] | None = None,
) -> Any:
    """Build the :class:`~nibs_graph.queries.filters.EvidenceFilter` of the shared options (QueryError if bad)."""
    from .. import vocab
    from ..queries.filters import EvidenceFilter
    from ..queries.params import parse_params

    if species is not None:
        try:
            species = vocab.species(species)
        except ValueError as exc:
            raise NibsGraphError(f"--species {species!r} is not allowed; allowed: {exc}") from None
    for option, values, allowed in (
        ("--setting", [setting] if setting is not None else [], vocab.SETTINGS),
        ("--exclude-flag", exclude_flag or [], vocab.FLAGS),
    ):
        for value in values:
            if value not in allowed:
                raise NibsGraphError(f"{option} {value!r} is not allowed; allowed: {', '.join(allowed)}")
    return EvidenceFilter(
        species=species,
        setting=setting,
        min_studies=min_studies,
        exclude_flags=frozenset(exclude_flag or ()),
        strict=strict,
        allow_assumed=allow_assumed,
        params=parse_params(param or ()),
    )


#: The options of a command's graph source (see :class:`GraphSource`): every one, and those of a local graph.
GRAPH_OPTIONS: dict[str, tuple[Any, Any]] = {
    "data": (DataOption, None),
    "graph": (GraphOption, None),
    "layer": (LayerOption, None),
    "store": (StoreOption, None),
    "endpoint": (EndpointOption, None),
}
LOCAL_OPTIONS = {name: GRAPH_OPTIONS[name] for name in ("data", "graph", "layer")}

#: A parameter of a command with one of these names stands for a group of options: name → (the options, what
#: builds the parameter's value from them). See :func:`with_options`.
OPTION_GROUPS: dict[str, tuple[dict[str, tuple[Any, Any]], Callable[..., Any]]] = {
    "evidence_filter": (EVIDENCE_OPTIONS, evidence_filter_from_options),
    "graph_source": (GRAPH_OPTIONS, GraphSource.from_options),
    "local_source": (LOCAL_OPTIONS, GraphSource.from_options),
}


def with_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """Give a command the option groups its parameters name, and call it with one value built from each group.

    A keyword parameter ``evidence_filter`` becomes the shared evidence options (:data:`EVIDENCE_OPTIONS`),
    passed as one :class:`~nibs_graph.queries.filters.EvidenceFilter`; ``graph_source`` becomes ``--data``,
    ``--graph``, ``--layer``, ``--store``, ``--endpoint`` and ``local_source`` the first three, passed as one
    :class:`GraphSource` (see :data:`OPTION_GROUPS`). The options take the parameter's place in the signature,
    so in ``--help``; the parameters after them become keyword-only. A bad value (unknown flag, species,
    setting) is a usage error (exit 2) naming what is allowed.

    >>> def show_source(top: int = 1, *, local_source: GraphSource) -> None:
    ...     print(top, local_source)
    >>> command = with_options(show_source)
    >>> list(inspect.signature(command).parameters)
    ['top', 'data', 'graph', 'layer']
    >>> command(2, data=None, graph=None, layer=["signor"])
    2 GraphSource(data=None, graph=None, layers=('signor',), store=None, endpoint=None)
    """
    namespace = getattr(command, "__globals__", {})
    parameters: list[inspect.Parameter] = []
    groups: list[tuple[str, dict[str, tuple[Any, Any]], Callable[..., Any]]] = []
    for p in inspect.signature(command).parameters.values():
        group = OPTION_GROUPS.get(p.name)
        if group is not None:  # its annotation may name a type imported only for type checking: not evaluated
            options, build = group
            groups.append((p.name, options, build))
            parameters += [
                inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=annotation)
                for name, (annotation, default) in options.items()
            ]
            continue
        annotation = eval(p.annotation, namespace) if isinstance(p.annotation, str) else p.annotation
        kind = inspect.Parameter.KEYWORD_ONLY if groups else p.kind
        parameters.append(p.replace(annotation=annotation, kind=kind))

    @functools.wraps(command)
    def run(*args: Any, **kwargs: Any) -> Any:
        built = {}
        with library_errors():
            for name, options, build in groups:
                built[name] = build(**{option: kwargs.pop(option) for option in options if option in kwargs})
        token = _RUNNING_FILTER.set(built.get("evidence_filter"))
        try:
            return command(*args, **built, **kwargs)
        finally:
            _RUNNING_FILTER.reset(token)

    run.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    run.__annotations__ = {p.name: p.annotation for p in parameters}  # already evaluated: for get_type_hints
    return run
