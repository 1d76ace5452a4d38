"""Figures (matplotlib, Agg): the technique × target matrix and the convergent hubs.

Both are written as PNG or SVG (chosen by the file name's suffix), atomically, and deterministically: the same
data give the same bytes (``svg.hashsalt`` is fixed and the SVG carries no date). Figures are sized from what they
show (rows, columns and the measured length of their labels), so labels never overlap however many targets there
are. pyplot is never used, so nothing touches the global figure state.

>>> from nibs_graph.api import load_graph
>>> m = matrix_data(load_graph("tests/data/tiny"))
>>> m.rows, m.cell("nibs:iTBS", "HGNC:1033").direction
(['nibs:iTBS', 'nibs:cTBS', 'nibs:anodal-tDCS'], 'increased')
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import vocab
from ..errors import ExportError, NoResultError
from ._deps import require_modules
from .atomic import write_atomic

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = [
    "DIRECTION_COLOURS",
    "FIGURE_FORMATS",
    "Cell",
    "MatrixData",
    "figure_bytes",
    "hubs_figure",
    "matrix_data",
    "matrix_figure",
    "panel_ranges",
    "render_hubs",
    "render_matrix",
]

#: Suffix → matplotlib format.
FIGURE_FORMATS = {".png": "png", ".svg": "svg"}
#: Cell colour by direction (colour-blind-safe; ``mixed``: findings in more than one direction).
DIRECTION_COLOURS = {
    "increased": "#1a9850",
    "decreased": "#d73027",
    "unchanged": "#bdbdbd",
    "mixed": "#8e6bb8",
}
#: The order and names of target groups (columns of the matrix).
TYPE_ORDER = ("gene_or_protein", "family_or_complex", "small_molecule", "biological_process", "phenotype")
TYPE_NAMES = {
    "gene_or_protein": "genes and proteins",
    "family_or_complex": "families and complexes",
    "small_molecule": "small molecules",
    "biological_process": "biological processes",
    "phenotype": "phenotypes",
}
_TYPE_COLOURS = {
    "gene_or_protein": "#1f78b4",
    "family_or_complex": "#a6cee3",
    "small_molecule": "#ff7f00",
    "biological_process": "#b15928",
    "phenotype": "#e7298a",
}
_DIRECTIONS = ("increased", "decreased", "unchanged")
_RC = {
    "svg.hashsalt": "nibs-graph",
    "svg.fonttype": "path",
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.titlesize": 11,
}
_DPI = 150


# ------------------------------------------------------------------------------------------------------- data


@dataclass(frozen=True)
class Cell:
    """One technique × target cell: the overall direction, distinct studies and findings per direction.

    ``by_direction`` counts the distinct studies behind each direction (a study with findings in two directions
    counts in both); a cell with more than one direction shows them (``↑5 =1``) and takes the colour of a direction
    backed by at least 70 % of those counts, else ``mixed``.
    """

    direction: str
    studies: int
    findings: dict[str, int]
    by_direction: dict[str, int] = field(default_factory=dict, compare=False)

    @property
    def text(self) -> str:
        """What the cell shows: its number of studies, or the studies per direction (``↑5 =1``)."""
        if len(self.by_direction) <= 1:
            return str(self.studies)
        return " ".join(f"{_ARROW[d]}{n}" for d, n in self.by_direction.items())


_ARROW = {"increased": "↑", "decreased": "↓", "unchanged": "="}


@dataclass
class MatrixData:
    """Rows (technique nodes), columns (target nodes, grouped by type) and the cells that hold findings."""

    rows: list[str]
    columns: list[str]
    labels: dict[str, str]
    groups: list[tuple[str, int, int]]  # (entity type, first column, last column + 1)
    cells: dict[tuple[str, str], Cell] = field(default_factory=dict)

    def cell(self, row: str, column: str) -> Cell | None:
        """The cell at ``row`` × ``column``, or None where no stimulation finding links them."""
        return self.cells.get((row, column))


def _technique_rank(label: str) -> tuple[int, str]:
    order = list(vocab.TECHNIQUES)
    return (order.index(label) if label in order else len(order), label)


def matrix_data(G: Any) -> MatrixData:
    """Collect the technique × target matrix from the projection: stimulation-effect findings only.

        The technique → entity edges of the projection aggregate exactly the findings that are stimulation effects
        (stimulation compared with sham, control or the untreated model); findings such as model vs wild type are not
        on them. A cell's direction is the one its findings share; with several, the one backed by at least 70 % of the
    studies per direction (as the within-study rule of the effect direction plot), else ``mixed``; ``studies`` counts
    distinct studies and ``by_direction`` the studies behind each direction, which the figure shows (``↑5 =1``).

        Examples
        --------
        >>> from nibs_graph.api import load_graph
        >>> m = matrix_data(load_graph("tests/data/tiny"))
        >>> [m.labels[c] for c in m.columns]
        ['BDNF', 'CREB', 'ERK2', 'mTOR']
        >>> m.cell("nibs:anodal-tDCS", "HGNC:3942") is None  # model vs control: not a stimulation effect
        True
    """
    per_cell: dict[tuple[str, str], dict[str, Any]] = {}
    for node, attrs in G.nodes.items():
        if attrs.get("type") != "technique":
            continue
        for target, keys in G.succ[node].items():
            for direction in _DIRECTIONS:
                data = keys.get(direction)
                if data is None:
                    continue
                records = [r for r in data.get("evidence", ()) if r.get("stimulation_effect", True)]
                if not records:
                    continue
                entry = per_cell.setdefault((node, target), {"studies": set(), "findings": {}, "by": {}})
                entry["studies"].update(r["study_id"] for r in records)
                entry["by"].setdefault(direction, set()).update(r["study_id"] for r in records)
                entry["findings"][direction] = entry["findings"].get(direction, 0) + len(records)
    labels = {n: str(G.nodes[n].get("label", n)) for pair in per_cell for n in pair}
    rows = sorted({r for r, _ in per_cell}, key=lambda n: _technique_rank(labels[n]))
    by_type: dict[str, list[str]] = {}
    for _, target in per_cell:
        by_type.setdefault(str(G.nodes[target].get("type", "")), []).append(target)
    columns: list[str] = []
    groups: list[tuple[str, int, int]] = []
    for kind in [*TYPE_ORDER, *sorted(set(by_type) - set(TYPE_ORDER))]:
        members = sorted(set(by_type.get(kind, ())), key=lambda n: (labels[n].casefold(), n))
        if members:
            groups.append((kind, len(columns), len(columns) + len(members)))
            columns.extend(members)
    cells = {}
    for key, entry in per_cell.items():
        found = [d for d in _DIRECTIONS if d in entry["findings"]]
        by = {d: len(entry["by"][d]) for d in found}
        top = max(found, key=lambda d: by[d])
        cells[key] = Cell(
            direction=found[0] if len(found) == 1 else top if 10 * by[top] >= 7 * sum(by.values()) else "mixed",
            studies=len(entry["studies"]),
            findings={d: entry["findings"][d] for d in found},
            by_direction=by,
        )
    return MatrixData(rows=rows, columns=columns, labels=labels, groups=groups, cells=cells)


# ---------------------------------------------------------------------------------------------------- drawing


@contextmanager
def _style() -> Iterator[None]:
    require_modules("drawing a figure", "matplotlib", "numpy")
    import matplotlib

    rc: Any = _RC
    with matplotlib.rc_context(rc):
        yield


def _text_colour(hex_colour: str) -> str:
    r, g, b = (int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
    return "#ffffff" if 0.2126 * r + 0.7152 * g + 0.0722 * b < 0.55 else "#111111"


def _inches(fig: Figure, artists: list[Any]) -> tuple[float, float, float, float]:
    """The union of the artists' extents, in inches from the figure's lower-left corner: (x0, y0, x1, y1)."""
    from matplotlib.transforms import Bbox

    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    boxes = [a.get_window_extent(renderer) for a in artists if a.get_visible() and a.get_text() != ""]
    if not boxes:
        return (0.0, 0.0, 0.0, 0.0)
    box = Bbox.union(boxes)
    return (box.x0 / fig.dpi, box.y0 / fig.dpi, box.x1 / fig.dpi, box.y1 / fig.dpi)


def panel_ranges(m: MatrixData, max_columns: int = 60) -> list[tuple[int, int]]:
    """Split the columns into panels of at most ``max_columns``, preferably where a target type ends.

    Examples
    --------
    >>> m = MatrixData(rows=[], columns=[str(i) for i in range(130)], labels={}, groups=[("a", 0, 90), ("b", 90, 130)])
    >>> panel_ranges(m, 60)
    [(0, 44), (44, 90), (90, 130)]
    """
    import math

    n = len(m.columns)
    if n <= max_columns:
        return [(0, n)]
    count = math.ceil(n / max_columns)
    size = math.ceil(n / count)
    ends = {stop for _, _, stop in m.groups}
    cuts = [0]
    while n - cuts[-1] > max_columns:
        ideal = cuts[-1] + size
        near = [e for e in ends if abs(e - ideal) <= size // 4 and cuts[-1] < e <= cuts[-1] + max_columns]
        cuts.append(min(near, key=lambda e: (abs(e - ideal), e)) if near else ideal)
    return [*zip(cuts, [*cuts[1:], n], strict=True)]


def _short(label: str, limit: int = 30) -> str:
    return label if len(label) <= limit else label[: limit - 1].rstrip() + "…"


def render_matrix(m: MatrixData, *, title: str | None = None, cell: float = 0.3, max_columns: int = 60) -> Figure:
    """Draw the matrix: rows techniques, columns targets grouped by type, cells coloured by direction.

    Each cell shows the number of studies. Column labels are rotated; with more than ``max_columns`` targets
    the columns are split into panels stacked one above the other (each with the technique labels), so the
    figure stays readable. The figure's size follows from the cell size and the measured labels.

    Parameters
    ----------
    m:
        From :func:`matrix_data`.
    title:
        The figure title (default: a description of what is shown).
    cell:
        The side of a cell, in inches.
    max_columns:
        The most columns in one panel.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> from nibs_graph.api import load_graph
    >>> fig = render_matrix(matrix_data(load_graph("tests/data/tiny")))
    >>> [t.get_text() for t in fig.axes[0].get_yticklabels()]
    ['iTBS', 'cTBS', 'anodal tDCS']
    """
    require_modules("drawing a figure", "matplotlib", "numpy")
    import numpy as np
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.colors import ListedColormap
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    if not m.cells:
        raise NoResultError("no stimulation-effect finding to draw")
    nrows = len(m.rows)
    order = ["none", *DIRECTION_COLOURS]
    codes = np.zeros((nrows, len(m.columns)), dtype=int)
    row_index = {r: i for i, r in enumerate(m.rows)}
    col_index = {c: i for i, c in enumerate(m.columns)}
    for (r, c), value in m.cells.items():
        codes[row_index[r], col_index[c]] = order.index(value.direction)
    cmap = ListedColormap(["#f3f3f3", *DIRECTION_COLOURS.values()])
    panels = panel_ranges(m, max_columns)
    band_top = -0.55  # the type band sits above row 0, in data units

    with _style():
        fig = Figure(figsize=(10, 10), dpi=_DPI)
        renderer = FigureCanvasAgg(fig).get_renderer()
        layout = []
        for start, stop in panels:
            ax = fig.add_axes((0.1, 0.1, 0.8, 0.8))
            ncols = stop - start
            ax.pcolormesh(
                codes[:, start:stop], cmap=cmap, vmin=0, vmax=len(order) - 1, edgecolors="#ffffff", linewidth=1.2
            )
            ax.set_xlim(0, ncols)
            ax.set_ylim(nrows, band_top)
            ax.set_xticks(np.arange(ncols) + 0.5)
            ax.set_yticks(np.arange(nrows) + 0.5)
            ax.set_xticklabels(
                [_short(m.labels[c]) for c in m.columns[start:stop]],
                rotation=60,
                ha="right",
                rotation_mode="anchor",
                fontsize=8,
            )
            ax.set_yticklabels([m.labels[r] for r in m.rows], fontsize=9)
            ax.tick_params(length=0, pad=3)
            for spine in ax.spines.values():
                spine.set_visible(False)
            for (r, c), value in m.cells.items():
                if start <= col_index[c] < stop:
                    ax.text(
                        col_index[c] - start + 0.5,
                        row_index[r] + 0.5,
                        value.text,
                        ha="center",
                        va="center",
                        fontsize=7 if len(value.by_direction) <= 1 else 4.5,
                        color=_text_colour(DIRECTION_COLOURS[value.direction]),
                    )
            names = []
            for kind, g_start, g_stop in m.groups:
                lo, hi = max(g_start, start) - start, min(g_stop, stop) - start
                if lo >= hi:
                    continue
                ax.add_patch(_band(lo, hi, _TYPE_COLOURS.get(kind, "#9e9e9e")))
                if lo:
                    ax.axvline(lo, color="#444444", linewidth=1.0)
                name = TYPE_NAMES.get(kind, kind) + (" (continued)" if g_start < start else "")
                text = ax.text(
                    (lo + hi) / 2,
                    band_top - 0.1,
                    name,
                    ha="center",
                    va="bottom",
                    fontsize=8,
                    color="#333333",
                    clip_on=False,
                )
                text.set_visible(_fits(fig, text, (hi - lo) * cell))
                names.append(text)
            layout.append((ax, ncols, names))
        handles = [Patch(facecolor=DIRECTION_COLOURS[d], label=d) for d in DIRECTION_COLOURS]
        handles += [Patch(facecolor=_TYPE_COLOURS.get(k, "#9e9e9e"), label=TYPE_NAMES.get(k, k)) for k, *_ in m.groups]
        heading = title or (
            "Stimulation effects: technique × target (number = studies; ↑5 =1: studies per direction; "
            "band = target type)"
        )
        fig_title = fig.text(0, 0, heading, fontsize=11, fontweight="bold", va="bottom", ha="left")
        legend = fig.legend(
            handles=handles,
            loc="upper left",
            ncol=min(len(handles), 5),
            frameon=False,
            fontsize=8,
            handlelength=1.2,
            columnspacing=1.2,
        )

        # measure the labels, then place everything in inches, top to bottom
        fig.canvas.draw()
        margin, gap = 0.25, 0.3
        measures = []
        for ax, _, names in layout:
            box = ax.get_window_extent(renderer)
            ax_x0, ax_y0 = box.x0 / fig.dpi, box.y0 / fig.dpi
            rows_box = _inches(fig, ax.get_yticklabels())
            cols_box = _inches(fig, ax.get_xticklabels())
            measures.append(
                (
                    ax_x0 - rows_box[0],  # row labels' width
                    max(0.0, ax_x0 - cols_box[0]),  # rotated labels of the first columns reach left
                    ax_y0 - cols_box[1],  # depth of the column labels
                    0.22 if any(n.get_visible() for n in names) else 0.0,  # group names above the band
                )
            )
        x0 = margin + max(max(w, reach) for w, reach, _, _ in measures)
        title_h = fig_title.get_window_extent(renderer).height / fig.dpi
        title_w = fig_title.get_window_extent(renderer).width / fig.dpi
        legend_box = legend.get_window_extent(renderer)
        legend_w, legend_h = legend_box.width / fig.dpi, legend_box.height / fig.dpi
        widest = max(ncols for _, ncols, _ in layout)
        width = max(x0 + widest * cell + margin, 2 * margin + title_w, 2 * margin + legend_w)
        axes_h = (nrows - band_top) * cell
        height = margin + title_h + 0.1 + legend_h + 0.1
        height += sum(names_h + axes_h + depth for _, _, depth, names_h in measures) + gap * (len(layout) - 1)
        height += margin
        fig.set_size_inches(width, height)
        top = height - margin
        fig_title.set_position((margin / width, (top - title_h) / height))
        top -= title_h + 0.1
        legend.set_bbox_to_anchor((margin / width, top / height), transform=fig.transFigure)
        top -= legend_h + 0.1
        for (ax, ncols, _), (_, _, depth, names_h) in zip(layout, measures, strict=True):
            top -= names_h + axes_h
            ax.set_position((x0 / width, top / height, ncols * cell / width, axes_h / height))
            top -= depth + gap
    return fig


def _band(start: float, stop: float, colour: str) -> Any:
    """The strip above the columns ``start``-``stop`` that shows their target type."""
    from matplotlib.patches import Rectangle

    return Rectangle((start, -0.5), stop - start, 0.4, facecolor=colour, edgecolor="none", clip_on=False)


def _fits(fig: Figure, text: Any, span: float) -> bool:
    """Whether a text is narrower than ``span`` inches (less a small gap)."""
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    return bool(text.get_window_extent(renderer).width / fig.dpi <= span - 0.08)


def render_hubs(G: Any, *, top: int = 15, min_techniques: int = 1, title: str | None = None) -> Figure:
    """Draw the convergent hubs: one horizontal bar per hub, one coloured segment per technique that changed it.

    Parameters
    ----------
    G:
        The projection.
    top, min_techniques:
        Passed to :func:`nibs_graph.queries.hubs.hubs`.
    title:
        The figure title.

    Examples
    --------
    >>> from nibs_graph.api import load_graph
    >>> fig = render_hubs(load_graph("tests/data/tiny"))
    >>> [t.get_text() for t in fig.axes[0].get_yticklabels()]
    ['BDNF', 'ERK2', 'mTOR']
    """
    require_modules("drawing a figure", "matplotlib")
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    from ..queries.hubs import hubs

    items = hubs(G, top=top, min_techniques=min_techniques)
    if not items:
        raise NoResultError("no entity is reached by that many techniques")
    techniques = sorted({t for h in items for t in h.techniques}, key=_technique_rank)
    palette = _palette(len(techniques))
    colour = dict(zip(techniques, palette, strict=True))
    widest = max(len(h.techniques) for h in items)
    with _style():
        fig = Figure(figsize=(8, 0.38 * len(items) + 2), dpi=_DPI)
        canvas = FigureCanvasAgg(fig)
        ax = fig.add_axes((0.1, 0.1, 0.8, 0.8))
        for y, hub in enumerate(items):
            for x, technique in enumerate(hub.techniques):
                ax.barh(y, 1, left=x, height=0.72, color=colour[technique], edgecolor="#ffffff", linewidth=1.0)
            n = len(hub.studies)
            ax.text(
                len(hub.techniques) + 0.12,
                y,
                f"{n} stud{'y' if n == 1 else 'ies'}, {hub.findings} findings",
                va="center",
                ha="left",
                fontsize=8,
                color="#333333",
            )
        ax.set_yticks(range(len(items)))
        ax.set_yticklabels([h.label for h in items], fontsize=9)
        ax.set_ylim(len(items) - 0.5, -0.5)
        ax.set_xlim(0, widest + 3.2)
        ax.set_xticks(range(widest + 1))
        ax.set_xlabel("techniques that increased or decreased it")
        ax.spines[["top", "right"]].set_visible(False)
        ax.grid(axis="x", color="#eeeeee", linewidth=0.8)
        ax.set_axisbelow(True)
        heading = title or f"Convergent hubs: the {len(items)} entities changed by the most techniques"
        fig_title = fig.text(0, 0, heading, fontsize=11, fontweight="bold", va="bottom", ha="left")
        legend = fig.legend(
            handles=[Patch(facecolor=colour[t], label=t) for t in techniques],
            loc="upper left",
            frameon=False,
            fontsize=8,
            title="technique",
            title_fontsize=8,
        )
        canvas.draw()
        renderer = canvas.get_renderer()
        labels = _inches(fig, ax.get_yticklabels())
        ax_box = ax.get_window_extent(renderer)
        label_width = ax_box.x0 / fig.dpi - labels[0]
        xlabel_h = ax_box.y0 / fig.dpi - _inches(fig, [*ax.get_xticklabels(), ax.xaxis.label])[1]
        legend_box = legend.get_window_extent(renderer)
        legend_w, legend_h = legend_box.width / fig.dpi, legend_box.height / fig.dpi
        title_w = fig_title.get_window_extent(renderer).width / fig.dpi
        margin = 0.25
        axes_w = max(4.5, 0.55 * (widest + 3.2))
        axes_h = max(0.36 * len(items), legend_h)
        x0 = margin + label_width
        width = max(x0 + axes_w + 0.2 + legend_w + margin, 2 * margin + title_w)
        y0 = margin + xlabel_h
        height = y0 + axes_h + 0.55 + margin
        fig.set_size_inches(width, height)
        ax.set_position((x0 / width, y0 / height, axes_w / width, axes_h / height))
        legend.set_bbox_to_anchor(((x0 + axes_w + 0.2) / width, (y0 + axes_h) / height), transform=fig.transFigure)
        fig_title.set_position((margin / width, (height - margin - 0.2) / height))
    return fig


def _palette(n: int) -> list[str]:
    """``n`` distinct qualitative colours (tab10, then tab20's lighter shades)."""
    from matplotlib import colormaps
    from matplotlib.colors import to_hex

    tab10 = [to_hex(c) for c in colormaps["tab10"].colors]  # type: ignore[attr-defined]
    tab20 = [to_hex(c) for c in colormaps["tab20"].colors]  # type: ignore[attr-defined]
    colours = tab10 + tab20[1::2]
    return [colours[i % len(colours)] for i in range(n)]


# ---------------------------------------------------------------------------------------------------- writing


def data_description(G: Any) -> str:
    """What a file made from ``G`` says about its data: the data version and, for a release, its name.

    >>> from nibs_graph.projection import GraphData
    >>> data_description(GraphData(graph={"data_version": "ab12", "release": "2025.1"}))
    'nibs-graph evidence base, data version ab12, release 2025.1'
    """
    text = f"nibs-graph evidence base, data version {G.graph.get('data_version') or 'unknown'}"
    release = G.graph.get("release")
    return text + (f", release {release}" if release else ", unreleased")


def figure_bytes(fig: Figure, fmt: str, description: str | None = None) -> bytes:
    """A figure as PNG or SVG bytes, deterministic (fixed SVG hash salt, no date, fixed DPI).

    ``description`` (e.g. :func:`data_description`) goes into the file's metadata (PNG text chunk, SVG
    ``dc:description``).

    Examples
    --------
    >>> from nibs_graph.api import load_graph
    >>> fig = render_matrix(matrix_data(load_graph("tests/data/tiny")))
    >>> figure_bytes(fig, "svg") == figure_bytes(fig, "svg")
    True
    """
    buffer = io.BytesIO()
    metadata: dict[str, Any] = {"Date": None} if fmt == "svg" else {"Software": None}
    if description:
        metadata["Description"] = description
    with _style():
        fig.savefig(buffer, format=fmt, dpi=_DPI, metadata=metadata, facecolor="#ffffff")
    return buffer.getvalue()


def _format(out: Path | str) -> str:
    suffix = Path(out).suffix.lower()
    if suffix not in FIGURE_FORMATS:
        raise ExportError(f"cannot tell the figure format from {str(out)!r}: use a name ending in .png or .svg")
    return FIGURE_FORMATS[suffix]


def matrix_figure(G: Any, out: Path | str, *, title: str | None = None) -> Path:
    """Draw the technique × target matrix of ``G`` and write it to ``out`` (``.png`` or ``.svg``), atomically.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from nibs_graph.api import load_graph
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "matrix.svg"
    >>> matrix_figure(load_graph("tests/data/tiny"), out).read_bytes().startswith(b"<?xml")
    True
    """
    fmt = _format(out)
    return write_atomic(out, figure_bytes(render_matrix(matrix_data(G), title=title), fmt, data_description(G)))


def hubs_figure(G: Any, out: Path | str, *, top: int = 15, min_techniques: int = 1, title: str | None = None) -> Path:
    """Draw the convergent hubs of ``G`` and write them to ``out`` (``.png`` or ``.svg``), atomically.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from nibs_graph.api import load_graph
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "hubs.png"
    >>> hubs_figure(load_graph("tests/data/tiny"), out).read_bytes()[:4]
    b'\\x89PNG'
    """
    fmt = _format(out)
    figure = render_hubs(G, top=top, min_techniques=min_techniques, title=title)
    return write_atomic(out, figure_bytes(figure, fmt, data_description(G)))
