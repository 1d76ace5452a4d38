"""The ``nibs-graph`` app: the root options, and each command built only when it is asked for.

Building a Typer command reads the type hints of its options, and importing its module may define many more:
building all of them cost every call ~20 ms, ``path`` paying for ``serve`` and ``export``. The root group here
knows the commands from :data:`COMMANDS` (name → the module that registers it, its one-line help) and imports and
builds only the one a call runs; ``nibs-graph --help`` lists them from the table. A test checks the table
against the commands the modules register.

>>> COMMANDS["path"].module
'query'
>>> sorted({command.module for command in COMMANDS.values()})
['cache', 'export', 'figure', 'protocols', 'query', 'sparql']
"""

from __future__ import annotations

import importlib
from typing import Annotated, Any, NamedTuple

import click
import typer
import typer.core
import typer.main

from .. import __version__

__all__ = ["COMMANDS", "CommandEntry", "LazyGroup", "app", "build_command", "main"]

# Typer escapes the "[default: ...]" and "[required]" of plain (non-Rich) help as Rich markup whenever Rich is
# installed, so `--help` showed "\\[required]". The help is Click's plain layout (rich_markup_mode=None), where no
# markup is parsed: tell Typer so, and the brackets stay as they are.
typer.core.HAS_RICH = False


class CommandEntry(NamedTuple):
    """Where a command of ``nibs-graph`` is registered (a module of this package) and its help's first paragraph."""

    module: str
    help: str


#: Every command of ``nibs-graph``, in the order ``--help`` lists them: name → module, one-line help.
COMMANDS: dict[str, CommandEntry] = {
    "path": CommandEntry(
        "query", "Paths from a technique to a molecule, each hop with its evidence and the path's sign."
    ),
    "hubs": CommandEntry(
        "query",
        "Convergent hubs: molecules reached by the most techniques and studies (--null: tested against chance).",
    ),
    "diverge": CommandEntry("query", "Where the techniques that reach a hub part ways downstream."),
    "contradictions": CommandEntry(
        "query",
        "Targets moved in conflicting directions within one technique family, with the context that differs.",
    ),
    "evidence": CommandEntry(
        "query",
        "Every finding behind a link (technique → entity), every target a technique moved (evidence TECHNIQUE), or "
        'every technique that moved an entity (evidence ENTITY); "no change" findings included.',
    ),
    "gaps": CommandEntry(
        "query",
        "Translational gaps: which technique → molecule links have human evidence, and which animal evidence only.",
    ),
    "validate": CommandEntry(
        "query",
        "Check an evidence base against its schema; every problem with file, line, column and value (exit 2).",
    ),
    "info": CommandEntry("query", "Counts by type and the data version."),
    "diff": CommandEntry(
        "query",
        "What changed between two evidence bases: records added, removed and changed, and the answers they move.",
    ),
    "sparql": CommandEntry(
        "sparql",
        "Run a SPARQL query; the documented prefixes (nibs, nibsdata, HGNC, rdfs, skos ...) are bound.",
    ),
    "serve": CommandEntry("sparql", "Serve the read-only SPARQL 1.1 endpoint at /sparql and a query page at /."),
    "synthesis": CommandEntry(
        "protocols", "Synthesis by direction of effect: one vote per study and group, Wilson interval, sign test."
    ),
    "protocols": CommandEntry(
        "protocols",
        "The protocol arms that moved a target, grouped into parameter sets and ranked by agreeing studies.",
    ),
    "export": CommandEntry(
        "export",
        "Write the graph for a browser or another tool (HTML, Turtle, N-Triples, JSON-LD, GraphML, Cytoscape.js).",
    ),
    "figure": CommandEntry("figure", "Draw a figure (PNG or SVG, chosen by the file name's suffix)."),
    "cache": CommandEntry("cache", "Show or clear the cache of compiled graphs."),
}


def build_command(name: str, module: str) -> click.Command | None:
    """The Click command ``name`` as module ``nibs_graph.cli.<module>`` registers it, built alone (None if absent).

    Every command module has ``register(app)``, which adds its commands and groups to a Typer app; only the one
    asked for is built (its options' type hints read).
    """
    registered = typer.Typer()
    importlib.import_module(f"{__package__}.{module}").register(registered)
    settings: dict[str, Any] = {"pretty_exceptions_short": app.pretty_exceptions_short, "rich_markup_mode": None}
    for info in registered.registered_commands:
        if (info.name or typer.main.get_command_name(info.callback.__name__ if info.callback else "")) == name:
            return typer.main.get_command_from_info(info, **settings)
    for group in registered.registered_groups:
        if group.name == name:
            return typer.main.get_group_from_info(group, **settings)
    return None


class LazyGroup(typer.core.TyperGroup):
    """The root group: lists :data:`COMMANDS`, builds one when it is run (or its help or completion is asked for)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [*COMMANDS, *(name for name in self.commands if name not in COMMANDS)]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in COMMANDS:
            command = build_command(cmd_name, COMMANDS[cmd_name].module)
            if command is not None:
                self.add_command(command, cmd_name)
        return self.commands.get(cmd_name)

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        try:
            return super().resolve_command(ctx, args)
        except click.UsageError as exc:
            # Click (8.4+) suggests the built commands closest to a misspelt name: suggest from every command
            no_such = getattr(click.exceptions, "NoSuchCommand", None)
            if no_such is None or not isinstance(exc, no_such):
                raise
            raise no_such(exc.command_name, possibilities=self.list_commands(ctx), ctx=ctx) from None

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The commands and their one-line help, as Click lays them out, from the table: nothing is built."""
        names = self.list_commands(ctx)
        if not names:
            return
        limit = formatter.width - 6 - max(len(name) for name in names)
        # a command not built is shortened as Click shortens a built one's help (a Command with only that help)
        commands = [self.commands.get(name) or click.Command(name, help=COMMANDS[name].help) for name in names]
        rows = [(name, command.get_short_help_str(limit)) for name, command in zip(names, commands, strict=True)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


app = typer.Typer(
    name="nibs-graph",
    cls=LazyGroup,
    help="A knowledge graph of how non-invasive brain stimulation acts on molecules (Sveva et al., Cells 2025).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"nibs-graph {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """Ask the evidence base questions: paths, hubs, divergence, contradictions, evidence."""


def main() -> Any:
    """Console-script entry point: a missing optional dependency is one line naming its extra (exit 2)."""
    try:
        return app()
    except ModuleNotFoundError as exc:
        from .common import missing_extra

        message = missing_extra(exc)
        if message is None:
            raise
        typer.echo(f"Error: {message}", err=True)
        raise SystemExit(2) from None
