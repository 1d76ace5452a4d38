"""The ``figure`` command group of ``nibs-graph``: PNG or SVG figures, chosen by the file name's suffix.

``nibs-graph figure matrix|hubs OUT`` draws the techniques × targets matrix or the convergent hubs;
``nibs-graph figure effect-direction TARGET... FILE`` and ``nibs-graph figure dose TARGET FILE --param NAME`` draw
the protocol questions (see :mod:`nibs_graph.cli.protocols`). Every file is written atomically; a library error
becomes a message and exit status 2 (1 when there is nothing to draw), never a traceback. matplotlib loads only
when a command runs.

Example::

    nibs-graph figure matrix matrix.svg
    nibs-graph figure dose BDNF dose.png --param frequency_hz
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ..errors import QueryError
from .common import (
    GraphSource,
    OutArgument,
    check_out,
    command_group,
    evidence_filter_from_options,
    library_errors,
    say_written,
    with_options,
)

if TYPE_CHECKING:
    from ..queries.filters import EvidenceFilter

__all__ = ["register"]

SpeciesOption = Annotated[str | None, typer.Option("--species", help="Only evidence in this species.")]
SettingOption = Annotated[
    str | None, typer.Option("--setting", help="Only evidence in this setting (in vitro, ex vivo, in vivo, human).")
]
TitleOption = Annotated[str | None, typer.Option("--title", help="Figure title.")]


def _draw(out: Path, source: GraphSource, draw: Callable[[Any], object]) -> None:
    """Check the file to write, load the graph, ``draw(G)`` and say what was written."""
    with library_errors():
        check_out(out)
        draw(source.load())
    say_written(out)


def matrix(out: OutArgument, title: TitleOption = None, *, local_source: GraphSource) -> None:
    """Techniques × targets: each cell coloured by direction, with its number of studies (PNG or SVG by suffix)."""
    from ..export.figures import matrix_figure

    _draw(out, local_source, lambda G: matrix_figure(G, out, title=title))


def hubs(
    out: OutArgument,
    top: Annotated[int, typer.Option("--top", min=1, help="How many hubs to draw.")] = 15,
    min_techniques: Annotated[
        int, typer.Option("--min-techniques", min=1, help="Leave out entities reached by fewer techniques.")
    ] = 1,
    title: TitleOption = None,
    *,
    local_source: GraphSource,
) -> None:
    """Convergent hubs: a bar per hub, one segment per technique that changed it (PNG or SVG by suffix)."""
    from ..export.figures import hubs_figure

    _draw(out, local_source, lambda G: hubs_figure(G, out, top=top, min_techniques=min_techniques, title=title))


def effect_direction(
    targets: Annotated[list[str], typer.Argument(help="Targets (columns), then the file: BDNF TrkB ... out.png")],
    *,
    evidence_filter: EvidenceFilter,
    local_source: GraphSource,
) -> None:
    """The effect direction plot: studies by technique × targets, one vote per study (PNG or SVG by suffix)."""
    from ..export.protocol_figures import effect_direction_figure

    with library_errors():
        if len(targets) < 2:
            raise QueryError("name at least one target and then the file to write (e.g. BDNF CREB figure.png)")
        G = local_source.load()
        out = Path(targets[-1])
        effect_direction_figure(G, targets[:-1], out, evidence_filter=evidence_filter)
    say_written(out)


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
    *,
    local_source: GraphSource,
) -> None:
    """Dose figure: the direction of each arm on a target against a protocol parameter (PNG or SVG by suffix)."""
    from ..export.protocol_figures import dose_figure

    with library_errors():
        flt = evidence_filter_from_options(species=species, setting=setting)
        G = local_source.load()
        dose_figure(G, target, Path(out), param, direction=direction, evidence_filter=flt)
    say_written(out)


def register(app: typer.Typer) -> None:
    """Add the ``figure`` command group to the ``nibs-graph`` app.

    >>> app = typer.Typer()
    >>> register(app)
    >>> [group.name for group in app.registered_groups]
    ['figure']
    """
    figure_app = command_group(app, "figure", "Draw a figure (PNG or SVG, chosen by the file name's suffix).")
    figure_app.command("matrix")(with_options(matrix))
    figure_app.command("hubs")(with_options(hubs))
    figure_app.command("effect-direction")(with_options(effect_direction))
    figure_app.command("dose")(with_options(dose))
