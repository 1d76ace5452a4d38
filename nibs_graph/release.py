"""Releases of an evidence base: a name (``2025.1``) given to one data version in ``releases.csv``.

``releases.csv`` (in the evidence base folder, beside ``data/CHANGELOG.md``) lists every release with the data
version (:func:`nibs_graph.validate.data_version`) it was cut from. A folder whose data version is listed *is*
that release; any edit since gives a new data version, reported as unreleased until a curator records the next
release. ``releases.csv`` itself is not part of the data version (it names versions, so it cannot be in them).

>>> from nibs_graph.paths import default_data_dir
>>> releases(default_data_dir())[0].name
'2025.1'
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from .errors import DataValidationError, Problem

__all__ = ["RELEASE_COLUMNS", "Release", "release_name", "releases"]

#: The columns of ``releases.csv``.
RELEASE_COLUMNS = ("release", "date", "data_version", "studies", "findings", "summary")


@dataclass(frozen=True)
class Release:
    """One recorded release."""

    name: str
    date: str
    data_version: str
    studies: int
    findings: int
    summary: str


def releases(data_dir: Path | str) -> list[Release]:
    """Every release recorded in ``data_dir/releases.csv``, oldest first (none when the file is absent).

    Raises
    ------
    DataValidationError
        When the file is not a readable ``releases.csv`` (each problem with its line and column).
    """
    path = Path(data_dir) / "releases.csv"
    if not path.is_file():
        return []
    label = str(path)
    problems: list[Problem] = []
    found: list[Release] = []
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DataValidationError([Problem(label, None, None, None, "UTF-8 CSV", f"unreadable ({exc})")]) from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    if tuple(reader.fieldnames or ()) != RELEASE_COLUMNS:
        raise DataValidationError(
            [Problem(label, 1, None, ",".join(reader.fieldnames or ()), "the columns " + ", ".join(RELEASE_COLUMNS))]
        )
    for row in reader:
        line = reader.line_num
        values = {k: (v or "").strip() for k, v in row.items() if k is not None}
        ok = True
        for column in ("release", "date", "data_version"):
            if not values[column]:
                problems.append(
                    Problem(label, line, column, "", "a value (required column)", "required value is empty")
                )
                ok = False
        for column in ("studies", "findings"):
            if not values[column].isdigit():
                problems.append(Problem(label, line, column, values[column], "a whole number"))
                ok = False
        if ok:
            found.append(
                Release(
                    values["release"],
                    values["date"],
                    values["data_version"],
                    int(values["studies"]),
                    int(values["findings"]),
                    values["summary"],
                )
            )
    if problems:
        raise DataValidationError(problems)
    return found


def release_name(data_dir: Path | str, version: str) -> str | None:
    """The name of the release whose data version is ``version``, or None when the data is unreleased.

    >>> from nibs_graph.paths import default_data_dir
    >>> release_name(default_data_dir(), "0000000000000000") is None
    True
    """
    for release in reversed(releases(data_dir)):
        if release.data_version == version:
            return release.name
    return None
