"""Figures of the protocol questions: the effect direction plot and the dose figure (matplotlib, Agg).

The **effect direction plot** (Thomson & Thomas 2013; revised by Hilton Boon & Thomson 2021,
doi:10.1002/jrsm.1458): rows are studies grouped by technique, columns are targets, each cell is the study's vote
on the target (▲ increased, ▼ decreased, ◆ unchanged, ◄► conflicting, by the 70 % within-study rule of
:mod:`nibs_graph.queries.synthesis`), its size growing with the study's sample size where the review states it;
rows are shaded by setting, and each technique ends with a summary row: studies up / down and the sign-test p.

The **dose figure**: the direction of every protocol arm on a target against a numeric protocol parameter, one
mark per arm and direction, coloured by technique; intensities are drawn in one panel per unit (never compared).

Both are written as PNG or SVG by the file name's suffix, atomically and deterministically.

>>> from nibs_graph.api import load_graph
>>> d = effect_direction_data(load_graph("tests/data/tiny"), ["BDNF", "mTOR"])
>>> [(r.kind, r.label) for r in d.rows][:3]
[('technique', 'iTBS'), ('study', 'Alpha et al., 2020'), ('summary', 'iTBS: studies ↑/↓, sign test p')]
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import vocab
from ..errors import NoResultError, QueryError
from ..resolve import resolve
from ._deps import require_modules
from .atomic import write_atomic
from .figures import DIRECTION_COLOURS, _format, _palette, _style, figure_bytes

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = [
    "DoseData",
    "EffectDirectionData",
    "dose_data",
    "dose_figure",
    "effect_direction_data",
    "effect_direction_figure",
    "render_dose",
    "render_effect_direction",
]

GLYPHS = {"increased": "▲", "decreased": "▼", "unchanged": "◆", "conflicting": "◄►"}
VOTE_COLOURS = {**DIRECTION_COLOURS, "conflicting": DIRECTION_COLOURS["mixed"]}
SETTING_SHADES = {"human": "#dbe9f6", "animal": "#fdf3d6", "cells": "#eeeeee"}
_TECHNIQUE_ORDER = list(vocab.TECHNIQUES)


@dataclass
class Row:
    """One row of the effect direction plot: a technique heading, a study, or a technique's summary."""

    kind: str  # "technique", "study", "summary"
    label: str
    technique: str
    setting: str = ""
    n_total: int | None = None
    cells: dict[str, Any] = field(default_factory=dict)  # target -> vote (study) or (up, down, p) (summary)


@dataclass
class EffectDirectionData:
    """Targets (node ids and labels) and rows, top to bottom."""

    targets: list[str]
    labels: dict[str, str]
    rows: list[Row]


def effect_direction_data(G: Any, targets: Sequence[str], evidence_filter: Any = None) -> EffectDirectionData:
    """Collect the votes of every study on each target, by technique (only the evidence the filter accepts)."""
    from ..queries.protocols import SETTING_CLASSES, setting_class
    from ..queries.synthesis import stimulation_findings, synthesis

    if not targets:
        raise QueryError("name at least one target")
    nodes = [resolve(G, t) for t in targets]
    labels = {n: str(G.nodes[n].get("label", n)) for n in nodes}
    per_technique: dict[str, dict[str, Row]] = {}
    summaries: dict[str, dict[str, tuple[int, int, float | None]]] = {}
    for node in nodes:
        settings: dict[str, set[str]] = {}
        sizes: dict[str, int | None] = {}
        for r in stimulation_findings(G, node, evidence_filter=evidence_filter):
            settings.setdefault(r["study_id"], set()).add(setting_class(str(r["setting"])))
            sizes[r["study_id"]] = r.get("n_total")
        for group in synthesis(G, node, by="technique", evidence_filter=evidence_filter).groups:
            studies = per_technique.setdefault(group.group, {})
            for vote in group.votes:
                row = studies.setdefault(vote.study_id, Row("study", vote.citation, group.group))
                row.cells[node] = vote.vote
                best = min(settings.get(vote.study_id, {"cells"}), key=SETTING_CLASSES.index)
                if not row.setting or SETTING_CLASSES.index(best) < SETTING_CLASSES.index(row.setting):
                    row.setting = best
                row.n_total = sizes.get(vote.study_id)
            summaries.setdefault(group.group, {})[node] = (
                group.count("increased"),
                group.count("decreased"),
                group.sign_test_p,
            )
    if not per_technique:
        raise NoResultError(f"no stimulation finding on {', '.join(labels.values())} with these filters")
    rows: list[Row] = []
    order = sorted(per_technique, key=lambda t: (_TECHNIQUE_ORDER.index(t) if t in _TECHNIQUE_ORDER else 99, t))
    for technique in order:
        rows.append(Row("technique", technique, technique))
        rows.extend(sorted(per_technique[technique].values(), key=lambda r: (r.label.rsplit(", ", 1)[-1], r.label)))
        rows.append(
            Row("summary", f"{technique}: studies ↑/↓, sign test p", technique, cells=summaries.get(technique, {}))
        )
    return EffectDirectionData(nodes, labels, rows)


def _glyph_size(n: int | None, largest: int) -> float:
    """Font size of a vote glyph: 7 pt without a stated sample size, up to 15 pt for the largest study."""
    if not n or largest <= 0:
        return 7.0
    return 8.0 + 7.0 * math.sqrt(n / largest)


def render_effect_direction(d: EffectDirectionData, *, title: str | None = None) -> Figure:
    """Draw the effect direction plot of :func:`effect_direction_data`.

    >>> from nibs_graph.api import load_graph
    >>> fig = render_effect_direction(effect_direction_data(load_graph("tests/data/tiny"), ["BDNF"]))
    >>> fig.axes[0].get_xticklabels()[0].get_text()
    'BDNF'
    """
    require_modules("drawing a figure", "matplotlib")
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch, Rectangle

    largest = max((r.n_total or 0 for r in d.rows), default=0)
    ncols, nrows = len(d.targets), len(d.rows)
    label_w = 0.3 + 0.062 * max(len(r.label) + (8 if r.n_total else 0) for r in d.rows)
    col_w, row_h = 0.95, 0.3
    width = max(label_w + ncols * col_w + 0.4, 7.2)
    head, foot = 1.05, 0.95
    height = head + nrows * row_h + foot
    with _style():
        fig = Figure(figsize=(width, height), dpi=150)
        FigureCanvasAgg(fig)
        ax = fig.add_axes((label_w / width, foot / height, ncols * col_w / width, nrows * row_h / height))
        ax.set_xlim(0, ncols)
        ax.set_ylim(nrows, 0)
        ax.set_xticks([i + 0.5 for i in range(ncols)])
        ax.set_xticklabels([d.labels[t] for t in d.targets], fontsize=9, fontweight="bold")
        ax.xaxis.tick_top()
        ax.set_yticks([i + 0.5 for i in range(nrows)])
        ticklabels = []
        for r in d.rows:
            if r.kind == "study":
                ticklabels.append(r.label + (f" (n={r.n_total})" if r.n_total else ""))
            else:
                ticklabels.append(r.label)
        ax.set_yticklabels(ticklabels, fontsize=8)
        for tick, r in zip(ax.get_yticklabels(), d.rows, strict=True):
            if r.kind == "technique":
                tick.set_fontweight("bold")
                tick.set_fontsize(9)
            elif r.kind == "summary":
                tick.set_fontstyle("italic")
        ax.tick_params(length=0)
        for spine in ax.spines.values():
            spine.set_visible(False)
        for y, r in enumerate(d.rows):
            if r.kind == "study":
                ax.add_patch(Rectangle((0, y), ncols, 1, facecolor=SETTING_SHADES[r.setting], edgecolor="none"))
                for x, t in enumerate(d.targets):
                    vote = r.cells.get(t)
                    if vote is None:
                        continue
                    ax.text(
                        x + 0.5,
                        y + 0.55,
                        GLYPHS[vote],
                        ha="center",
                        va="center",
                        fontsize=_glyph_size(r.n_total, largest),
                        color=VOTE_COLOURS[vote],
                    )
            elif r.kind == "summary":
                ax.axhline(y + 1, color="#777777", linewidth=0.8)
                for x, t in enumerate(d.targets):
                    if t not in r.cells:
                        continue
                    up, down, p = r.cells[t]
                    text = f"{up}/{down}" + ("" if p is None else f"  p={p:.2g}")
                    ax.text(x + 0.5, y + 0.55, text, ha="center", va="center", fontsize=7, color="#222222")
        handles = [
            Patch(facecolor="none", edgecolor="none", label=f"{GLYPHS[v]} {v}")
            for v in ("increased", "decreased", "unchanged", "conflicting")
        ]
        handles += [Patch(facecolor=c, label=f"{k} setting") for k, c in SETTING_SHADES.items()]
        fig.legend(
            handles=handles,
            loc="lower left",
            bbox_to_anchor=(0.02, 0.0),
            ncol=4,
            frameon=False,
            fontsize=7.5,
            handlelength=0.8,
        )
        fig.text(
            0.02,
            1 - 0.3 / height,
            title or "Effect direction plot: one vote per study (≥ 70 % of its findings in one direction)",
            fontsize=10.5,
            fontweight="bold",
            va="top",
        )
        fig.text(
            0.02,
            0.42 / height,
            "Glyph size: study sample size where stated. Summary: studies up/down and the exact sign test, which "
            "counts studies, not effects (Nikolakopoulos 2020).",
            fontsize=7,
            color="#444444",
            va="bottom",
        )
    return fig


@dataclass
class DoseData:
    """Arms on a target against a numeric parameter: ``points`` per panel (a unit for intensity, else one)."""

    target: str
    label: str
    parameter: str
    panels: dict[str, list[dict[str, Any]]]
    left_out: int


def dose_data(G: Any, target: str, parameter: str = "frequency_hz", **filters: Any) -> DoseData:
    """Every protocol arm's direction on ``target`` with its value of ``parameter`` (a numeric protocol parameter).

    >>> from nibs_graph.api import load_graph
    >>> d = dose_data(load_graph("tests/data/tiny"), "BDNF", "intensity")
    >>> sorted(d.panels)
    ['%MSO', 'µA']
    """
    from ..queries.params import NUMERIC, PARAMETERS
    from ..queries.protocols import protocol_sets

    if parameter not in NUMERIC:
        raise QueryError(
            f"--param {parameter!r}: the dose figure needs a numeric parameter; allowed: {', '.join(NUMERIC)}"
        )
    result = protocol_sets(G, target, **filters)
    panels: dict[str, list[dict[str, Any]]] = {}
    left_out = 0
    for _, arm in result.arms():
        attrs = G.nodes.get(arm.protocol, {})
        if parameter == "intensity":
            low, high, unit = attrs.get("intensityMin"), attrs.get("intensityMax"), attrs.get("intensityUnit")
        else:
            low = high = attrs.get(PARAMETERS[parameter].attr)
            unit = PARAMETERS[parameter].unit
        if low is None:
            left_out += 1
            continue
        high = low if high is None else high
        panels.setdefault(str(unit), []).append(
            {
                "low": float(low),
                "high": float(high),
                "direction": arm.direction,
                "technique": arm.technique,
                "study": arm.citation,
                "protocol": arm.protocol,
            }
        )
    if not panels:
        raise NoResultError(f"no arm on {G.nodes[result.target]['label']} states {parameter}")
    return DoseData(result.target, G.nodes[result.target]["label"], parameter, dict(sorted(panels.items())), left_out)


def render_dose(d: DoseData, *, title: str | None = None) -> Figure:
    """Draw :func:`dose_data`: one mark per arm (a line across a range), y = direction, colour = technique.

    >>> from nibs_graph.api import load_graph
    >>> fig = render_dose(dose_data(load_graph("tests/data/tiny"), "BDNF", "intensity"))
    >>> len(fig.axes)
    2
    """
    require_modules("drawing a figure", "matplotlib")
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    levels = {"increased": 1.0, "unchanged": 0.0, "decreased": -1.0}
    techniques = sorted(
        {p["technique"] for pts in d.panels.values() for p in pts},
        key=lambda t: (_TECHNIQUE_ORDER.index(t) if t in _TECHNIQUE_ORDER else 99, t),
    )
    colour = dict(zip(techniques, _palette(len(techniques)), strict=True))
    n = len(d.panels)
    with _style():
        fig = Figure(figsize=(8.0, 1.2 + 2.3 * n), dpi=150)
        FigureCanvasAgg(fig)
        for i, (unit, points) in enumerate(d.panels.items()):
            top = 1 - (0.75 + i * 2.3) / (1.2 + 2.3 * n)
            ax = fig.add_axes((0.14, top - 1.75 / (1.2 + 2.3 * n), 0.6, 1.75 / (1.2 + 2.3 * n)))
            values = [v for p in points for v in (p["low"], p["high"])]
            log = min(values) > 0 and max(values) / min(values) >= 20
            seen: dict[tuple[float, float], int] = {}
            for p in sorted(points, key=lambda p: (p["low"], p["technique"], p["study"])):
                level = levels[p["direction"]]
                k = seen.get((p["low"], level), 0)
                seen[(p["low"], level)] = k + 1
                y = level + 0.16 * ((k + 1) // 2) * (1 if k % 2 else -1)  # marks at one value fan out
                if p["high"] > p["low"]:
                    ax.plot([p["low"], p["high"]], [y, y], color=colour[p["technique"]], linewidth=2, alpha=0.8)
                x = p["low"] if p["high"] == p["low"] else (p["low"] + p["high"]) / 2
                ax.plot(x, y, marker="o", markersize=6, color=colour[p["technique"]], markeredgecolor="#ffffff")
            if log:
                ax.set_xscale("log")
                ax.minorticks_off()
            ticks = sorted(set(values))
            if len(ticks) <= 12:
                ax.set_xticks(ticks)
                ax.set_xticklabels([f"{v:g}" for v in ticks])
            ax.set_ylim(-1.6, 1.6)
            ax.set_yticks([1, 0, -1])
            ax.set_yticklabels(["increased", "unchanged", "decreased"], fontsize=8)
            name = d.parameter if d.parameter != "intensity" else "intensity"
            ax.set_xlabel(f"{name} ({unit})" if unit else name, fontsize=8)
            ax.grid(axis="x", color="#eeeeee")
            ax.spines[["top", "right"]].set_visible(False)
            ax.tick_params(labelsize=8)
        fig.legend(
            handles=[
                Line2D([], [], marker="o", linestyle="", color=colour[t], markersize=7, label=t) for t in techniques
            ],
            loc="upper left",
            bbox_to_anchor=(0.76, 1 - 0.75 / (1.2 + 2.3 * n)),
            frameon=False,
            fontsize=8,
            title="technique",
            title_fontsize=8,
        )
        heading = title or f"{d.label}: direction of each stimulation arm against {d.parameter}"
        fig.text(0.02, 1 - 0.25 / (1.2 + 2.3 * n), heading, fontsize=10.5, fontweight="bold", va="top")
        note = "one mark per arm and direction; a line spans an arm's range"
        if d.left_out:
            note += f"; {d.left_out} arm(s) that do not state {d.parameter} are not drawn"
        if len(d.panels) > 1:
            note += "\none panel per unit: intensities in different units are never compared"
        fig.text(0.02, 0.15 / (1.2 + 2.3 * n), note, fontsize=7, color="#444444", va="bottom")
    return fig


def effect_direction_figure(G: Any, targets: Sequence[str], out: Path | str, evidence_filter: Any = None) -> Path:
    """Draw the effect direction plot of ``targets`` and write it to ``out`` (``.png`` or ``.svg``)."""
    fmt = _format(out)
    data = effect_direction_data(G, targets, evidence_filter)
    return write_atomic(out, figure_bytes(render_effect_direction(data), fmt))


def dose_figure(G: Any, target: str, out: Path | str, parameter: str = "frequency_hz", **filters: Any) -> Path:
    """Draw the dose figure of ``target`` against ``parameter`` and write it to ``out`` (``.png`` or ``.svg``)."""
    fmt = _format(out)
    return write_atomic(out, figure_bytes(render_dose(dose_data(G, target, parameter, **filters)), fmt))
