"""Figures: what the matrix and hubs figures show, that they stay readable, deterministic output, failures."""

from __future__ import annotations

import csv
import itertools
import math
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from nibs_graph.api import load_graph
from nibs_graph.cli import app
from nibs_graph.errors import ExportError, NoResultError
from nibs_graph.export.figures import (
    DIRECTION_COLOURS,
    Cell,
    MatrixData,
    figure_bytes,
    hubs_figure,
    matrix_data,
    matrix_figure,
    panel_ranges,
    render_hubs,
    render_matrix,
)
from nibs_graph.queries.hubs import hubs

from .conftest import TINY

T = ["--data", str(TINY)]


def _copy_tiny(folder: Path, extra_findings: list[dict[str, str]] = (), keep: set[str] | None = None) -> Path:  # type: ignore[assignment]
    shutil.copytree(TINY, folder)
    path = folder / "findings.csv"
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    fields = list(rows[0])
    rows = [r for r in rows if keep is None or r["finding_id"] in keep]
    for extra in extra_findings:
        rows.append({**dict.fromkeys(fields, ""), **extra})
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fields)
        writer.writeheader()
        writer.writerows(rows)
    return folder


@pytest.fixture(scope="module")
def tiny():  # type: ignore[no-untyped-def]
    return load_graph(TINY)


@pytest.fixture(scope="module")
def mixed_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """tiny plus a second iTBS finding on BDNF in the other direction (same study)."""
    extra = {
        "finding_id": "alpha2020-f04",
        "study_id": "alpha2020",
        "protocol_id": "alpha2020-itbs",
        "technique": "iTBS",
        "target_id": "HGNC:1033",
        "target_label": "BDNF",
        "direction": "decreased",
        "measure": "mRNA expression",
        "comparison": "stim_vs_sham",
        "source": "Table 3, row 1",
    }
    return _copy_tiny(tmp_path_factory.mktemp("mixed") / "data", [extra])


def _wide_matrix(columns: int = 130) -> MatrixData:
    """A synthetic matrix as wide as a large evidence base, with long labels."""
    names = [f"target number {i} with a rather long name" if i % 7 == 0 else f"T{i}" for i in range(columns)]
    rows = ["nibs:iTBS", "nibs:cTBS", "nibs:anodal-tDCS", "nibs:HF-rTMS"]
    labels = {r: r.split(":")[1] for r in rows} | {n: n for n in names}
    cells = {
        (r, n): Cell(("increased", "decreased", "unchanged", "mixed")[(i + j) % 4], (i * j) % 5 + 1, {})
        for i, r in enumerate(rows)
        for j, n in enumerate(names)
        if (i + j) % 3
    }
    groups = [("gene_or_protein", 0, 80), ("small_molecule", 80, 83), ("biological_process", 83, columns)]
    return MatrixData(rows=rows, columns=names, labels=labels, groups=groups, cells=cells)


# ---------------------------------------------------------------------------------------------------- the data


def test_matrix_data_is_hand_checkable(tiny) -> None:  # type: ignore[no-untyped-def]
    m = matrix_data(tiny)
    assert m.rows == ["nibs:iTBS", "nibs:cTBS", "nibs:anodal-tDCS"]  # vocabulary order
    assert [m.labels[c] for c in m.columns] == ["BDNF", "CREB", "ERK2", "mTOR"]
    assert m.groups == [("gene_or_protein", 0, 4)]
    assert m.cell("nibs:iTBS", "HGNC:1033") == Cell("increased", 1, {"increased": 1})
    assert m.cell("nibs:iTBS", "HGNC:2345") == Cell("unchanged", 1, {"unchanged": 1})
    assert m.cell("nibs:cTBS", "HGNC:1033") == Cell("decreased", 1, {"decreased": 1})
    assert m.cell("nibs:anodal-tDCS", "HGNC:6871") == Cell("increased", 1, {"increased": 1})
    # beta2021-f04 compares the model with controls: not a stimulation effect, not in the matrix
    assert m.cell("nibs:anodal-tDCS", "HGNC:3942") is None
    assert len(m.cells) == 6


def test_opposite_findings_make_a_mixed_cell_counting_studies_once(mixed_dir: Path) -> None:
    m = matrix_data(load_graph(mixed_dir))
    cell = m.cell("nibs:iTBS", "HGNC:1033")
    assert cell == Cell("mixed", 1, {"increased": 1, "decreased": 1})
    assert cell is not None and cell.by_direction == {"increased": 1, "decreased": 1} and cell.text == "↑1 ↓1"


def test_matrix_counts_instead_of_mixed_on_shipped_data() -> None:
    """HF-rTMS → BDNF: five studies increased, one of them also unchanged at an earlier time: counts, coloured
    by the direction most studies share (5 of 6 study-directions ≥ 70 %), never "mixed"."""
    import csv

    from .conftest import SHIPPED

    with (SHIPPED / "findings.csv").open(encoding="utf-8") as handle:
        rows = [
            r
            for r in csv.DictReader(handle)
            if r["technique"] == "HF-rTMS" and r["target_id"] == "HGNC:1033" and r["comparison"].startswith("stim_vs")
        ]
    by: dict[str, set[str]] = {}
    for r in rows:
        by.setdefault(r["direction"], set()).add(r["study_id"])
    cell = matrix_data(load_graph()).cell("nibs:HF-rTMS", "HGNC:1033")
    assert cell is not None
    assert cell.by_direction == {d: len(s) for d, s in by.items()}
    assert cell.text == f"↑{len(by['increased'])} ={len(by['unchanged'])}"
    assert cell.direction == "increased"


def test_targets_are_grouped_by_type(tmp_path: Path) -> None:
    extra = {
        "finding_id": "alpha2020-f05",
        "study_id": "alpha2020",
        "protocol_id": "alpha2020-itbs",
        "technique": "iTBS",
        "target_id": "FPLX:AKT",
        "target_label": "p-Akt",
        "direction": "increased",
        "measure": "phosphorylation",
        "comparison": "stim_vs_sham",
        "source": "Table 3, row 1",
    }
    m = matrix_data(load_graph(_copy_tiny(tmp_path / "data", [extra])))
    assert [m.labels[c] for c in m.columns] == ["BDNF", "CREB", "ERK2", "mTOR", "Akt"]
    assert m.groups == [("gene_or_protein", 0, 4), ("family_or_complex", 4, 5)]


# ------------------------------------------------------------------------------------------------- the matrix


def _cell_texts(fig: Any) -> dict[tuple[str, str], str]:
    ax = fig.axes[0]
    xs = [t.get_text() for t in ax.get_xticklabels()]
    ys = [t.get_text() for t in ax.get_yticklabels()]
    out = {}
    for text in ax.texts:
        x, y = text.get_position()
        if y >= 0 and x == math.floor(x) + 0.5:
            out[(ys[int(y)], xs[int(x)])] = text.get_text()
    return out


def test_matrix_cells_show_study_counts_and_direction_colours(mixed_dir: Path) -> None:
    fig = render_matrix(matrix_data(load_graph(mixed_dir)))
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["iTBS", "cTBS", "anodal tDCS"]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["BDNF", "CREB", "ERK2", "mTOR"]
    assert _cell_texts(fig) == {
        ("iTBS", "BDNF"): "↑1 ↓1",
        ("iTBS", "CREB"): "1",
        ("iTBS", "mTOR"): "1",
        ("cTBS", "BDNF"): "1",
        ("anodal tDCS", "BDNF"): "1",
        ("anodal tDCS", "ERK2"): "1",
    }
    colours = ax.collections[0].get_facecolors()  # one row of the mesh after another
    from matplotlib.colors import to_hex

    grid = [[to_hex(colours[r * 4 + c]) for c in range(4)] for r in range(3)]
    assert grid[0] == [
        DIRECTION_COLOURS["mixed"],
        DIRECTION_COLOURS["unchanged"],
        "#f3f3f3",
        DIRECTION_COLOURS["increased"],
    ]
    assert grid[1][0] == DIRECTION_COLOURS["decreased"]
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend[:4] == ["increased", "decreased", "unchanged", "mixed"] and "genes and proteins" in legend


def _extents(fig: Any, artists: list[Any]) -> list[Any]:
    renderer = fig.canvas.get_renderer()
    return [a.get_window_extent(renderer) for a in artists if a.get_visible() and a.get_text()]


def _assert_readable(fig: Any) -> None:
    """Nothing leaves the figure; row labels, panels, title and legend do not overlap; column labels have room."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    width, height = fig.bbox.width, fig.bbox.height
    texts = [t for ax in fig.axes for t in [*ax.get_xticklabels(), *ax.get_yticklabels(), *ax.texts]]
    texts += [*fig.texts, *fig.legends[0].get_texts()]
    for box in _extents(fig, texts):
        assert box.x0 >= -0.5 and box.y0 >= -0.5 and box.x1 <= width + 0.5 and box.y1 <= height + 0.5, box
    for ax in fig.axes:
        rows = _extents(fig, ax.get_yticklabels())
        for a, b in itertools.pairwise(sorted(rows, key=lambda b: b.y0)):
            assert not a.overlaps(b)
        # adjacent rotated column labels are parallel: their spacing across the text must exceed the text height
        xs = sorted(ax.transData.transform((t.get_position()[0], 0))[0] for t in ax.get_xticklabels())
        text_height = ax.get_xticklabels()[0].get_fontsize() * fig.dpi / 72
        rotation = math.radians(ax.get_xticklabels()[0].get_rotation())
        assert min(b - a for a, b in itertools.pairwise(xs)) * math.sin(rotation) > text_height
    panels = [ax.get_tightbbox(renderer) for ax in fig.axes]
    for a, b in itertools.combinations(panels, 2):
        assert not a.overlaps(b)
    legend = fig.legends[0].get_window_extent(renderer)
    title = fig.texts[0].get_window_extent(renderer)
    for box in [*panels, title]:
        assert not legend.overlaps(box)
    assert all(not title.overlaps(p) for p in panels)


def test_small_matrix_is_readable(tiny) -> None:  # type: ignore[no-untyped-def]
    _assert_readable(render_matrix(matrix_data(tiny)))


def test_wide_matrix_is_split_into_readable_panels() -> None:
    m = _wide_matrix(130)
    assert panel_ranges(m, 60) == [(0, 44), (44, 83), (83, 130)]  # cuts snap to where a target type ends
    fig = render_matrix(m, max_columns=60)
    assert len(fig.axes) == 3
    assert sum(len(ax.get_xticklabels()) for ax in fig.axes) == 130
    _assert_readable(fig)
    # the figure grows with the number of rows and columns, not squeezing the cells
    small = render_matrix(_wide_matrix(40))
    assert fig.get_size_inches()[1] > small.get_size_inches()[1]
    assert small.get_size_inches()[0] >= 40 * 0.3


def test_long_labels_are_shortened() -> None:
    m = _wide_matrix(10)
    m.labels["T1"] = "an extraordinarily long target label that would push the figure apart"
    labels = [t.get_text() for t in render_matrix(m).axes[0].get_xticklabels()]
    assert labels[1].endswith("…") and len(labels[1]) == 30


def test_matrix_with_no_stimulation_effect_is_no_result(tmp_path: Path, runner) -> None:  # type: ignore[no-untyped-def]
    folder = _copy_tiny(tmp_path / "data", keep={"beta2021-f04"})  # model vs control only
    with pytest.raises(NoResultError):
        render_matrix(matrix_data(load_graph(folder)))
    result = runner.invoke(app, ["figure", "matrix", str(tmp_path / "m.png"), "--data", str(folder)])
    assert result.exit_code == 1 and "no stimulation-effect finding" in result.stderr
    assert not (tmp_path / "m.png").exists()


# --------------------------------------------------------------------------------------------------- the hubs


def test_hubs_figure_has_one_segment_per_technique(tiny) -> None:  # type: ignore[no-untyped-def]
    items = hubs(tiny)
    fig = render_hubs(tiny)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == [h.label for h in items] == ["BDNF", "ERK2", "mTOR"]
    assert len(ax.patches) == sum(len(h.techniques) for h in items) == 5
    bdnf = [p for p in ax.patches if abs(p.get_y() + p.get_height() / 2) < 1e-9]
    assert sorted(p.get_x() for p in bdnf) == [0, 1, 2] and len({tuple(p.get_facecolor()) for p in bdnf}) == 3
    assert [t.get_text() for t in fig.legends[0].get_texts()] == ["iTBS", "cTBS", "anodal tDCS"]
    assert "2 studies, 3 findings" in [t.get_text() for t in ax.texts]
    assert ax.get_ylim()[0] > ax.get_ylim()[1]  # the top hub on top


def test_hubs_options_and_no_result(tiny, tmp_path: Path, runner) -> None:  # type: ignore[no-untyped-def]
    assert len(render_hubs(tiny, top=1).axes[0].patches) == 3
    with pytest.raises(NoResultError):
        render_hubs(tiny, min_techniques=4)
    result = runner.invoke(app, ["figure", "hubs", str(tmp_path / "h.png"), *T, "--min-techniques", "4"])
    assert result.exit_code == 1 and "no entity" in result.stderr


# ------------------------------------------------------------------------------------------------- the files


@pytest.mark.parametrize("kind", ["matrix", "hubs"])
def test_cli_writes_png_and_svg_by_suffix(runner, tmp_path: Path, kind: str) -> None:  # type: ignore[no-untyped-def]
    png, svg = tmp_path / f"{kind}.png", tmp_path / f"{kind}.SVG"
    for out in (png, svg):
        result = runner.invoke(app, ["figure", kind, str(out), *T])
        assert result.exit_code == 0, result.output
        assert f"wrote {out}" in result.stdout
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    text = svg.read_text(encoding="utf-8")
    assert text.startswith("<?xml") and "<svg" in text and "<dc:date>" not in text


@pytest.mark.parametrize("suffix", [".svg", ".png"])
def test_figures_are_byte_identical_across_runs_and_hash_seeds(tmp_path: Path, suffix: str) -> None:
    outputs = []
    for seed in ("0", "1"):
        out = tmp_path / f"m{seed}{suffix}"
        env = {**os.environ, "PYTHONHASHSEED": seed, "NIBS_GRAPH_CACHE_DIR": str(tmp_path / f"cache{seed}")}
        subprocess.run(
            [sys.executable, "-m", "nibs_graph.cli", "figure", "matrix", str(out), *T],
            check=True,
            env=env,
            capture_output=True,
        )
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1]
    fig = render_hubs(load_graph(TINY))
    assert figure_bytes(fig, suffix[1:]) == figure_bytes(fig, suffix[1:])


def test_unknown_suffix_is_an_export_error(tiny, runner, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ExportError, match=r"\.png or \.svg"):
        matrix_figure(tiny, tmp_path / "m.jpg")
    result = runner.invoke(app, ["figure", "hubs", str(tmp_path / "h.pdf"), *T])
    assert result.exit_code == 2 and "use a name ending in .png or .svg" in result.stderr
    assert "Traceback" not in result.output


def test_failed_figure_keeps_the_old_file(tiny, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "h.png"
    hubs_figure(tiny, out)
    before = out.read_bytes()
    from matplotlib.figure import Figure

    def broken(self, fname, **kwargs) -> None:  # type: ignore[no-untyped-def]
        fname.write(b"\x89PNG half")
        raise RuntimeError("renderer crashed")

    monkeypatch.setattr(Figure, "savefig", broken)
    with pytest.raises(RuntimeError):
        hubs_figure(tiny, out)
    assert out.read_bytes() == before and [p.name for p in tmp_path.iterdir()] == ["h.png"]


def test_cli_figure_unwritable_destination(runner, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = runner.invoke(app, ["figure", "matrix", str(tmp_path / "missing" / "m.svg"), *T])
    assert result.exit_code == 2 and "does not exist" in result.stderr and "Traceback" not in result.output


def test_missing_matplotlib_is_a_clear_error(runner, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # as if the viz extra were not installed
    result = runner.invoke(app, ["figure", "hubs", str(tmp_path / "h.png"), *T])
    assert result.exit_code == 2 and "drawing a figure needs matplotlib" in result.stderr
    assert "Traceback" not in result.output
