"""Tabular answers: one model, three outputs (a table that fits the terminal, CSV, TSV).

Every tabular command builds a :class:`Tabular` (machine column keys, human titles, rows of plain values) and
hands it to :func:`emit`. In a terminal the table keeps its box layout when it fits; when it does not, low-value
columns are left out, then long text columns wrap, and a table that still does not fit (in practice: below
about 120 columns) is printed as one block per record. Identifiers are never cut. Output to a pipe or a file is
laid out for ``COLUMNS`` characters, or 100 when ``COLUMNS`` is not set.

CSV and TSV carry every column under its machine key. A text cell that a spreadsheet would run as a formula
(starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return) is written with a leading ``'`` (the
OWASP "CSV injection" advice); numbers, including negative ones, are written as they are.

>>> t = Tabular("demo", [Col("id"), Col("note")], [{"id": "a1", "note": "=1+1"}, {"id": "a2", "note": -3}])
>>> print(to_delimited(t, ","), end="")
id,note
a1,'=1+1
a2,-3
"""

from __future__ import annotations

import csv
import io
import os
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "DEFAULT_WIDTH",
    "Col",
    "Tabular",
    "emit",
    "neutralise",
    "output_width",
    "printable",
    "render_text",
    "to_delimited",
]

DEFAULT_WIDTH = 100
"""Width of output that does not go to a terminal and has no ``COLUMNS``."""

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


@dataclass(frozen=True)
class Col:
    """One column: ``key`` names it in CSV/TSV and JSON-like rows, ``title`` in the table.

    ``show`` turns a row into the table cell (default: the row's value under ``key``); ``optional`` columns are
    the first left out when the table is too wide; ``wrap`` columns may wrap over several lines; ``table``/``csv``
    say in which outputs the column appears.
    """

    key: str
    title: str = ""
    justify: str = "left"
    optional: bool = False
    wrap: bool = False
    table: bool = True
    csv: bool = True
    show: Callable[[dict[str, Any]], str] | None = None

    @property
    def heading(self) -> str:
        """The title shown in the table."""
        return self.title or self.key

    def cell(self, row: dict[str, Any]) -> str:
        """The table text of this column for ``row``."""
        if self.show is not None:
            return printable(self.show(row))
        return _text(row.get(self.key))


@dataclass
class Tabular:
    """A titled table of records."""

    title: str
    columns: list[Col]
    rows: list[dict[str, Any]]
    notes: list[str] = field(default_factory=list)
    show_header: bool = True


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    """``text`` safe for a terminal: control characters (ESC, C1 ...) shown as ``\\xNN`` instead of obeyed, so a
    label cannot clear the screen or retitle the terminal.

    >>> printable("BDNF\\x1b]0;owned\\x07")
    'BDNF\\\\x1b]0;owned\\\\x07'
    """
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple, set, frozenset)):
        return ", ".join(_text(v) for v in value)
    return printable(str(value))


def _csv_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple, set, frozenset)):
        return "; ".join(_csv_text(v) for v in value)
    return str(value)


def neutralise(value: Any) -> str:
    """The CSV/TSV text of ``value``, with a formula-looking text cell defused by a leading ``'``.

    >>> neutralise("@SUM(A1)"), neutralise("-0.5"), neutralise(-1), neutralise("rTMS"), neutralise(["a", "=b"])
    ("'@SUM(A1)", '-0.5', '-1', 'rTMS', 'a; =b')
    """
    text = _csv_text(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return text
    if text.startswith(_FORMULA_START) and not _NUMBER.match(text):
        return "'" + text
    if text[:1].isspace() and text.lstrip()[:1] in _FORMULA_START and text.lstrip():
        return "'" + text
    return text


def to_delimited(table: Tabular, delimiter: str) -> str:
    """``table`` as CSV (``delimiter=","``) or TSV (``"\\t"``): a header of machine keys, then one line per row.

    TSV cells cannot hold tabs or line breaks: they become spaces.
    """
    cols = [c for c in table.columns if c.csv]
    buffer = io.StringIO()
    if delimiter == "\t":
        lines = ["\t".join(c.key for c in cols)]
        for row in table.rows:
            lines.append("\t".join(re.sub(r"[\t\r\n]+", " ", neutralise(row.get(c.key))) for c in cols))
        return "\n".join(lines) + "\n"
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\n")
    writer.writerow([c.key for c in cols])
    for row in table.rows:
        writer.writerow([neutralise(row.get(c.key)) for c in cols])
    return buffer.getvalue()


def output_width(is_terminal: bool, terminal_width: int) -> int:
    """The width to lay out for: the terminal's, else ``COLUMNS``, else :data:`DEFAULT_WIDTH`."""
    if is_terminal:
        return terminal_width
    try:
        columns = int(os.environ.get("COLUMNS", ""))
    except ValueError:
        columns = 0
    return columns if columns >= 20 else DEFAULT_WIDTH


def _cell_len(text: str) -> int:
    from rich.cells import cell_len

    return max((cell_len(line) for line in text.splitlines()), default=0)


def _min_len(text: str) -> int:
    from rich.cells import cell_len

    return max((cell_len(word) for word in text.split()), default=0)


_WRAP_MIN = 12
"""A wrapping column keeps at least this width (or its natural width, if smaller) so it stays readable."""


def _table_width(columns: Sequence[Col], cells: list[list[str]], wrapped: bool) -> int:
    """Width of a rich box table with these columns (padding 1 each side, one border between columns)."""
    total = len(columns) + 1
    for i, col in enumerate(columns):
        texts = [col.heading] + [row[i] for row in cells]
        width = max(_cell_len(t) for t in texts)
        if wrapped and col.wrap:
            width = min(width, max(_WRAP_MIN, *(_min_len(t) for t in texts)))
        total += width + 2
    return total


def _layout(table: Tabular, width: int) -> tuple[list[Col], bool] | None:
    """The columns to show and whether long text wraps, or None for one block per record.

    Tried in order: every column on one line each; without the optional columns; without them and with the long
    text columns wrapped. A table that fits none of these is printed as blocks.
    """
    shown = [c for c in table.columns if c.table]
    required = [c for c in shown if not c.optional]
    for columns, wrapped in ((shown, False), (required, False), (required, True)):
        if wrapped and not any(c.wrap for c in columns):
            continue
        cells = [[c.cell(r) for c in columns] for r in table.rows]
        if _table_width(columns, cells, wrapped) <= width:
            return columns, wrapped
    return None


def _blocks(table: Tabular, width: int) -> list[str]:
    """One block per record: the first column's value, then ``title: value`` pairs packed into lines."""
    from rich.cells import cell_len

    columns = [c for c in table.columns if c.table]
    lines: list[str] = []
    for row in table.rows:
        rest = columns[1:]
        lines.extend([""] * bool(lines) + [columns[0].cell(row)])
        current = ""
        for col in rest:
            value = col.cell(row).replace("\n", "; ")
            if not value:
                continue
            pair = f"{col.heading}: {value}"
            candidate = f"{current} · {pair}" if current else f"  {pair}"
            if cell_len(candidate) <= width:
                current = candidate
                continue
            if current:
                lines.append(current)
            current = ""
            for word in pair.split(" "):
                step = f"{current} {word}" if current else f"  {word}"
                if current and cell_len(step) > width:
                    lines.append(current)
                    step = f"    {word}"
                current = step
        if current:
            lines.append(current)
    return lines


def render_text(table: Tabular, width: int) -> str:
    """``table`` laid out for ``width`` characters: a box table if it fits, else one block per record."""
    from rich.table import Table
    from rich.text import Text

    from .terminal import safe_console

    console = safe_console(
        file=io.StringIO(), width=width, highlight=False, soft_wrap=False, color_system=None, force_terminal=False
    )
    _print(console, table, Table, Text)
    file = console.file
    assert isinstance(file, io.StringIO)
    return file.getvalue()


def _print(console: Any, table: Tabular, table_class: Any, text_class: Any) -> None:
    width = console.width
    layout = _layout(table, width)
    if table.title:
        console.print(text_class(printable(table.title), style="bold"))
    if layout is None:
        for line in _blocks(table, width):
            console.print(text_class(line), overflow="fold", crop=False)
    else:
        columns, wrapped = layout
        rich_table = table_class(show_header=table.show_header)
        for col in columns:
            rich_table.add_column(
                col.heading,
                justify=col.justify,
                no_wrap=not (wrapped and col.wrap),
                overflow="fold",
            )
        for row in table.rows:
            rich_table.add_row(*(text_class(c.cell(row)) for c in columns))
        console.print(rich_table)
        left_out = [c.heading for c in table.columns if c.table and c not in columns]
        if left_out:
            console.print(text_class(f"(not shown at this width: {', '.join(left_out)}; --format csv has them)"))
    for note in table.notes:
        console.print(text_class(note, style="dim"))


def emit(table: Tabular, fmt: str = "table") -> None:
    """Write ``table`` to standard output as a fitted table (``table``), ``csv`` or ``tsv``."""
    if fmt in {"csv", "tsv"}:
        sys.stdout.write(to_delimited(table, "," if fmt == "csv" else "\t"))
        return
    from rich.table import Table
    from rich.text import Text

    from .terminal import safe_console

    console = safe_console(highlight=False, soft_wrap=False)
    width = output_width(console.is_terminal, console.width)
    if not console.is_terminal:
        console = safe_console(highlight=False, soft_wrap=False, width=width)
    _print(console, table, Table, Text)
