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

from ..errors import NoResultError, QueryError
from .common import (
    DataOption,
    EndpointOption,
    FormatOption,
    GraphOption,
    LayerOption,
    OutputFormat,
    StoreOption,
    emit_json,
    evidence_filter_from_options,
    graph_from_options,
    library_errors,
    with_evidence_filter,
)

__all__ = ["register"]


SpeciesOption = Annotated[str | None, typer.Option("--species", help="Only evidence in this species.")]
SettingOption = Annotated[
    str | None, typer.Option("--setting", help="Only evidence in this setting (in vitro, ex vivo, in vivo, human).")
]


def _output(fmt: OutputFormat, G: Any, result: Any, found: bool, name: str) -> None:
    """Print ``result`` as JSON, or as a table / CSV / TSV (``render_protocols.print_<name>``) when found."""
    from .. import render_protocols

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
    data: DataOption = None,
    graph: GraphOption = None,
    layer: LayerOption = None,
    store: StoreOption = None,
    endpoint: EndpointOption = None,
    fmt: FormatOption = OutputFormat.table,
    evidence_filter: Any = None,
) -> None:
    """Synthesis by direction of effect: one vote per study and group, Wilson interval, sign test."""
    from ..queries.synthesis import check_grouping
    from ..queries.synthesis import synthesis as synthesise

    with library_errors():
        check_grouping(by)
        G = graph_from_options(data, graph, layer, store, endpoint)
        result = synthesise(G, target, by=by, evidence_filter=evidence_filter)
        _output(fmt, G, result, bool(result.groups), "synthesis")
        if not result.groups:
            raise NoResultError(f"no stimulation finding on {G.nodes[result.target]['label']} with these filters")


def protocols(
    target: Annotated[str, typer.Argument(help="Target entity (BDNF, CREB, HGNC:1033 ...).")],
    direction: Annotated[
        str | None,
        typer.Option("--direction", help="Only arms that showed this direction: increased, decreased, unchanged."),
    ] = None,
    data: DataOption = None,
    graph: GraphOption = None,
    layer: LayerOption = None,
    store: StoreOption = None,
    endpoint: EndpointOption = None,
    fmt: FormatOption = OutputFormat.table,
    evidence_filter: Any = None,
) -> None:
    """The protocol arms that moved a target, grouped into parameter sets and ranked by agreeing studies."""
    from ..queries.protocols import protocol_sets

    with library_errors():
        G = graph_from_options(data, graph, layer, store, endpoint, notes=False)
        result = protocol_sets(G, target, direction=direction, evidence_filter=evidence_filter)
        _output(fmt, G, result, bool(result.sets), "protocols")
        if not result.sets:
            for note in result.notes:
                typer.echo(f"note: {note}", err=True)
            which = f" {direction}" if direction else ""
            raise NoResultError(f"no protocol arm{which} on {G.nodes[result.target]['label']} with these filters")


def effect_direction(
    targets: Annotated[list[str], typer.Argument(help="Targets (columns), then the file: BDNF TrkB ... out.png")],
    data: DataOption = None,
    graph: GraphOption = None,
    layer: LayerOption = None,
    evidence_filter: Any = None,
) -> None:
    """The effect direction plot: studies by technique × targets, one vote per study (PNG or SVG by suffix)."""
    from pathlib import Path

    from ..export.protocol_figures import effect_direction_figure

    with library_errors():
        if len(targets) < 2:
            raise QueryError("name at least one target and then the file to write (e.g. BDNF CREB figure.png)")
        G = graph_from_options(data, graph, layer)
        out = Path(targets[-1])
        effect_direction_figure(G, targets[:-1], out, evidence_filter=evidence_filter)
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

    from ..export.protocol_figures import dose_figure

    with library_errors():
        flt = evidence_filter_from_options(species=species, setting=setting)
        G = graph_from_options(data, graph, layer)
        dose_figure(G, target, Path(out), param, direction=direction, evidence_filter=flt)
    typer.echo(f"wrote {out} ({Path(out).stat().st_size:,} bytes)")


def register(app: typer.Typer) -> None:
    """Add ``synthesis`` and ``protocols`` to the ``nibs-graph`` app, and their figures to ``figure``."""
    app.command("synthesis")(with_evidence_filter(synthesis))
    app.command("protocols")(with_evidence_filter(protocols))
    for group in app.registered_groups:
        if group.name == "figure" and group.typer_instance is not None:
            group.typer_instance.command("effect-direction")(with_evidence_filter(effect_direction))
            group.typer_instance.command("dose")(dose)
