"""The protocol questions of ``nibs-graph``: ``synthesis`` and ``protocols`` (their figures: :mod:`.figure`).

``nibs-graph synthesis TARGET --by technique`` counts one vote per study and group by direction of effect, with a
Wilson interval and a sign test; ``nibs-graph protocols TARGET --direction increased`` lists the stimulation arms
that moved a target, grouped into parameter sets and ranked by agreeing studies. A library error becomes a
message and exit status 2, no answer exit status 1.

Example::

    nibs-graph synthesis BDNF --by technique
    nibs-graph protocols BDNF --direction increased --param frequency_hz=5..
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from ..errors import NoResultError
from .common import FormatOption, GraphSource, OutputFormat, emit_json, library_errors, with_options

if TYPE_CHECKING:
    from ..queries.filters import EvidenceFilter

__all__ = ["register"]


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
    *,
    evidence_filter: EvidenceFilter,
    graph_source: GraphSource,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Synthesis by direction of effect: one vote per study and group, Wilson interval, sign test."""
    from ..queries.synthesis import check_grouping
    from ..queries.synthesis import synthesis as synthesise

    with library_errors():
        check_grouping(by)
        G = graph_source.load()
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
    *,
    evidence_filter: EvidenceFilter,
    graph_source: GraphSource,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """The protocol arms that moved a target, grouped into parameter sets and ranked by agreeing studies."""
    from ..queries.protocols import protocol_sets

    with library_errors():
        G = graph_source.load(notes=False)
        result = protocol_sets(G, target, direction=direction, evidence_filter=evidence_filter)
        _output(fmt, G, result, bool(result.sets), "protocols")
        if not result.sets:
            for note in result.notes:
                typer.echo(f"note: {note}", err=True)
            which = f" {direction}" if direction else ""
            raise NoResultError(f"no protocol arm{which} on {G.nodes[result.target]['label']} with these filters")


def register(app: typer.Typer) -> None:
    """Add ``synthesis`` and ``protocols`` to the ``nibs-graph`` app (their figures are in :mod:`.figure`)."""
    app.command("synthesis")(with_options(synthesis))
    app.command("protocols")(with_options(protocols))
