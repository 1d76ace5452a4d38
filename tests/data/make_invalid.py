"""Regenerate tests/data/invalid/: one broken copy of tests/data/tiny per kind of error.

Run ``python tests/data/make_invalid.py`` after changing tests/data/tiny. Each case lists the file it breaks and
what the validator must report (file, line, column, value); tests/test_validate.py reads EXPECTED below.
"""

from __future__ import annotations

import shutil
from pathlib import Path

HERE = Path(__file__).resolve().parent
TINY = HERE / "tiny"
OUT = HERE / "invalid"

# case -> (file, transform of the file's bytes, expected (file, line, column, value))
CASES: dict[str, tuple[str, object, tuple[str, int | None, str | None, str | None]]] = {}


def case(name: str, file: str, expected: tuple[str, int | None, str | None, str | None]):  # type: ignore[no-untyped-def]
    def register(func):  # type: ignore[no-untyped-def]
        CASES[name] = (file, func, expected)
        return func

    return register


def replace_line(text: str, line: int, old: str, new: str) -> str:
    lines = text.split("\n")
    assert old in lines[line - 1], (line, old, lines[line - 1])
    lines[line - 1] = lines[line - 1].replace(old, new, 1)
    return "\n".join(lines)


@case("bom", "findings.csv", ("findings.csv", 1, None, "U+FEFF"))
def _bom(raw: bytes) -> bytes:
    return b"\xef\xbb\xbf" + raw


@case("non_utf8", "entities.csv", ("entities.csv", 3, None, "0xff"))
def _non_utf8(raw: bytes) -> bytes:
    return raw.replace(b"TrkB,", b"Trk\xffB,", 1)


@case("ragged_row", "findings.csv", ("findings.csv", 3, None, "19"))
def _ragged(raw: bytes) -> bytes:
    return replace_line(raw.decode(), 3, '"Table 3, row 1",,', '"Table 3, row 1",,,').encode()


@case("unknown_direction", "findings.csv", ("findings.csv", 2, "direction", "up"))
def _direction(raw: bytes) -> bytes:
    return replace_line(raw.decode(), 2, ",increased,", ",up,").encode()


@case("unknown_study", "findings.csv", ("findings.csv", 4, "study_id", "gamma2022"))
def _study(raw: bytes) -> bytes:
    return replace_line(raw.decode(), 4, "alpha2020-f03,alpha2020,", "alpha2020-f03,gamma2022,").encode()


@case("unknown_entity", "findings.csv", ("findings.csv", 5, "target_id", "HGNC:99999"))
def _entity(raw: bytes) -> bytes:
    return replace_line(raw.decode(), 5, ",HGNC:1033,", ",HGNC:99999,").encode()


@case("duplicate_id", "findings.csv", ("findings.csv", 3, "finding_id", "alpha2020-f01"))
def _duplicate(raw: bytes) -> bytes:
    return replace_line(raw.decode(), 3, "alpha2020-f02,", "alpha2020-f01,").encode()


@case("missing_required", "findings.csv", ("findings.csv", 6, "measure", ""))
def _required(raw: bytes) -> bytes:
    return replace_line(raw.decode(), 6, ",protein level,", ",,").encode()


@case("bad_number", "protocols.csv", ("protocols.csv", 2, "frequency_hz", "fifty"))
def _number(raw: bytes) -> bytes:
    return replace_line(raw.decode(), 2, ",iTBS,,50,", ",iTBS,,fifty,").encode()


@case("bad_unit", "protocols.csv", ("protocols.csv", 3, "intensity_unit", "Tesla"))
def _unit(raw: bytes) -> bytes:
    return replace_line(raw.decode(), 3, ",30,%MSO,", ",30,Tesla,").encode()


@case("unknown_technique", "protocols.csv", ("protocols.csv", 4, "technique", "tDCS+"))
def _technique(raw: bytes) -> bytes:
    return replace_line(raw.decode(), 4, ",anodal tDCS,", ",tDCS+,").encode()


@case("missing_column", "studies.csv", ("studies.csv", 1, "species", None))
def _column(raw: bytes) -> bytes:
    lines = raw.decode().split("\n")
    rows = [line.split(",") for line in lines]
    header = rows[0]
    # drop the header cell only: the validator must name the missing column before reading rows
    header[header.index("species")] = "specie"
    lines[0] = ",".join(header)
    return "\n".join(lines).encode()


@case("bad_doi", "studies.csv", ("studies.csv", 2, "doi", "doi:10.1234/alpha"))
def _doi(raw: bytes) -> bytes:
    return replace_line(raw.decode(), 2, ",10.1234/alpha,", ",doi:10.1234/alpha,").encode()


@case("link_unknown_entity", "pathways.csv", ("pathways.csv", 4, "source_id", "HGNC:0"))
def _link(raw: bytes) -> bytes:
    return replace_line(raw.decode(), 4, "L3,HGNC:8032,", "L3,HGNC:0,").encode()


@case("technique_mismatch", "findings.csv", ("findings.csv", 5, "technique", "iTBS"))
def _mismatch(raw: bytes) -> bytes:
    return replace_line(raw.decode(), 5, "beta2021-ctbs,cTBS,", "beta2021-ctbs,iTBS,").encode()


def add_column(text: str, name: str, values: dict[int, str]) -> str:
    """Append a column to a CSV text: ``name`` in the header, ``values[line]`` (default empty) on each row."""
    lines = text.split("\n")
    for i, line in enumerate(lines):
        if line:
            lines[i] = line + "," + (name if i == 0 else values.get(i + 1, ""))
    return "\n".join(lines)


@case("unknown_flag", "findings.csv", ("findings.csv", 3, "flags", "pooled_statement|guesswork"))
def _flag(raw: bytes) -> bytes:
    return add_column(raw.decode(), "flags", {2: "pooled_statement", 3: "pooled_statement|guesswork"}).encode()


@case("unknown_basis", "pathways.csv", ("pathways.csv", 4, "basis", "implied"))
def _basis(raw: bytes) -> bytes:
    bases = {line: "stated" for line in range(2, 7)} | {4: "implied", 7: "membership"}
    return add_column(raw.decode(), "basis", bases).encode()


@case("missing_file", "pathways.csv", ("pathways.csv", None, None, None))
def _missing(raw: bytes) -> None:  # type: ignore[return]
    return None


def main() -> None:
    if OUT.exists():
        shutil.rmtree(OUT)
    for name, (file, transform, _) in CASES.items():
        folder = OUT / name
        shutil.copytree(TINY, folder)
        result = transform((folder / file).read_bytes())  # type: ignore[operator]
        if result is None:
            (folder / file).unlink()
        else:
            (folder / file).write_bytes(result)


if __name__ == "__main__":
    main()
