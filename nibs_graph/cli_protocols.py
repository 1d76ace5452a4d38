"""The protocol questions of ``nibs-graph``: ``synthesis``, ``protocols`` and their figures.

``nibs-graph synthesis TARGET --by technique`` counts one vote per study and group by direction of effect, with a
Wilson interval and a sign test; ``nibs-graph protocols TARGET --direction increased`` lists the stimulation arms
that moved a target, grouped into parameter sets and ranked by agreeing studies;
``nibs-graph figure effect-direction TARGET... FILE`` and ``nibs-graph figure dose TARGET FILE --param NAME`` draw
them. A library error becomes a message and exit status 2, no answer exit status 1.

Example::

    nibs-graph synthesis BDNF --by technique
    nibs-graph protocols BDNF --direction increased --param frequency_hz=5..
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from .cli_common import (
    DataOption,
    EndpointOption,
    FormatOption,
    GraphOption,
    LayerOption,
    OutputFormat,
    StoreOption,
    emit_json,
    graph_from_options,
    library_errors,
)
from .errors import NoResultError, QueryError

__all__ = ["register"]


ParamOption = Annotated[
    list[str] | None,
    typer.Option(
        "--param",
        help="Only evidence from protocol arms with this parameter: NAME=VALUE or NAME=MIN..MAX (either end open; "
        "repeatable), e.g. frequency_hz=..1, intensity=90..120%RMT, polarity=anodal.",
    ),
]
SpeciesOption = Annotated[str | None, typer.Option("--species", help="Only evidence in this species.")]
SettingOption = Annotated[
    str | None, typer.Option("--setting", help="Only evidence in this setting (in vitro, ex vivo, in vivo, human).")
]


def _check_filters(species: str | None, setting: str | None, param: list[str] | None) -> tuple[str | None, Any]:
    """The canonical species and the parsed ``--param`` constraints; a usage error for a bad value."""
    from . import vocab
    from .queries.params import parse_params

    if species is not None:
        try:
            species = vocab.species(species)
        except ValueError as exc:
            raise QueryError(f"--species {species!r} is not allowed; allowed: {exc}") from None
    if setting is not None and setting not in vocab.SETTINGS:
        raise QueryError(f"--setting {setting!r} is not allowed; allowed: {', '.join(vocab.SETTINGS)}")
    return species, parse_params(param or ())


def _output(fmt: OutputFormat, G: Any, result: Any, found: bool, name: str) -> None:
    """Print ``result`` as JSON, or as a table / CSV / TSV (``render_protocols.print_<name>``) when found."""
    from . import render_protocols

    if fmt is OutputFormat.json:
        emit_json(result.to_dict(G))
    elif found:
        getattr(render_protocols, f"print_{name}")(G, result, fmt=fmt.value)


def synthesis(
    target: Annotated[str, typer.Argument(help="Target entity (BDNF, CREB, ERK1/2, HGNC:1033 ...).")],
    by: Annotated[
        str,
        typer.Option("--by", help="Group by: technique, family, species, setting, model or param:NAME."),
    ] = "technique",
    species: SpeciesOption = None,
    setting: SettingOption = None,
    param: ParamOption = None,
    data: DataOption = None,
    graph: GraphOption = None,
    layer: LayerOption = None,
    store: StoreOption = None,
    endpoint: EndpointOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Synthesis by direction of effect: one vote per study and group, Wilson interval, sign test."""
    from .queries.synthesis import check_grouping
    from .queries.synthesis import synthesis as synthesise

    with library_errors():
        species, params = _check_filters(species, setting, param)
        check_grouping(by)
        G = graph_from_options(data, graph, layer, store, endpoint)
        result = synthesise(G, target, by=by, species=species, setting=setting, params=params)
        _output(fmt, G, result, bool(result.groups), "synthesis")
        if not result.groups:
            raise NoResultError(f"no stimulation finding on {G.nodes[result.target]['label']} with these filters")


def protocols(
    target: Annotated[str, typer.Argument(help="Target entity (BDNF, CREB, HGNC:1033 ...).")],
    direction: Annotated[
        str | None,
        typer.Option("--direction", help="Only arms that showed this direction: increased, decreased, unchanged."),
    ] = None,
    species: SpeciesOption = None,
    setting: SettingOption = None,
    param: ParamOption = None,
    data: DataOption = None,
    graph: GraphOption = None,
    layer: LayerOption = None,
    store: StoreOption = None,
    endpoint: EndpointOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """The protocol arms that moved a target, grouped into parameter sets and ranked by agreeing studies."""
    from .queries.protocols import protocol_sets

    with library_errors():
        species, params = _check_filters(species, setting, param)
        G = graph_from_options(data, graph, layer, store, endpoint)
        result = protocol_sets(G, target, direction=direction, species=species, setting=setting, params=params)
        _output(fmt, G, result, bool(result.sets), "protocols")
        if not result.sets:
            for note in result.notes:
                typer.echo(f"note: {note}", err=True)
            which = f" {direction}" if direction else ""
            raise NoResultError(f"no protocol arm{which} on {G.nodes[result.target]['label']} with these filters")


def effect_direction(
    targets: Annotated[list[str], typer.Argument(help="Targets (columns), then the file: BDNF TrkB ... out.png")],
    species: SpeciesOption = None,
    setting: SettingOption = None,
    param: ParamOption = None,
    data: DataOption = None,
    graph: GraphOption = None,
    layer: LayerOption = None,
) -> None:
    """The effect direction plot: studies by technique × targets, one vote per study (PNG or SVG by suffix)."""
    from pathlib import Path

    from .export.protocol_figures import effect_direction_figure

    with library_errors():
        if len(targets) < 2:
            raise QueryError("name at least one target and then the file to write (e.g. BDNF CREB figure.png)")
        species, params = _check_filters(species, setting, param)
        G = graph_from_options(data, graph, layer)
        out = Path(targets[-1])
        effect_direction_figure(G, targets[:-1], out, species=species, setting=setting, params=params)
    typer.echo(f"wrote {out} ({out.stat().st_size:,} bytes)")


def dose(
    target: Annotated[str, typer.Argument(help="Target entity (BDNF ...).")],
    out: Annotated[str, typer.Argument(help="The file to write (.png or .svg).")],
    param: Annotated[
        str,
        typer.Option(
            "--param",
            help="The numeric parameter on the x axis: frequency_hz, burst_frequency_hz, intensity, "
            "pulses_per_session, session_duration_min, sessions.",
        ),
    ] = "frequency_hz",
    direction: Annotated[str | None, typer.Option("--direction", help="Only arms that showed this direction.")] = None,
    species: SpeciesOption = None,
    setting: SettingOption = None,
    data: DataOption = None,
    graph: GraphOption = None,
    layer: LayerOption = None,
) -> None:
    """Dose figure: the direction of each arm on a target against a protocol parameter (PNG or SVG by suffix)."""
    from pathlib import Path

    from .export.protocol_figures import dose_figure

    with library_errors():
        species, _ = _check_filters(species, setting, None)
        G = graph_from_options(data, graph, layer)
        dose_figure(G, target, Path(out), param, direction=direction, species=species, setting=setting)
    typer.echo(f"wrote {out} ({Path(out).stat().st_size:,} bytes)")


def register(app: typer.Typer) -> None:
    """Add ``synthesis`` and ``protocols`` to the ``nibs-graph`` app, and their figures to ``figure``."""
    app.command("synthesis")(synthesis)
    app.command("protocols")(protocols)
    for group in app.registered_groups:
        if group.name == "figure" and group.typer_instance is not None:
            group.typer_instance.command("effect-direction")(effect_direction)
            group.typer_instance.command("dose")(dose)
