"""The documentation stays true to the code and data it describes.

- ``docs/ontology.md`` is what ``scripts/gen_ontology_doc.py`` makes of ``ontology/nibs.ttl``;
- ``docs/json.md``: every command shown runs, its example is real output, and the documented keys and types are
  exactly those of the real JSON;
- ``docs/errors.md``: every example is what ``nibs-graph validate`` prints today, and every broken fixture in
  ``tests/data/invalid`` has an example;
- ``docs/adding-a-study.md``: the worked example's rows validate when added to the shipped data;
- ``CITATION.cff``, ``LICENSE`` and ``data/LICENSE-DATA.md`` say what the project and its data are.
"""

from __future__ import annotations

import csv
import importlib.util
import json
import re
import shlex
import shutil
import tomllib
from pathlib import Path
from typing import Any

import pytest

from nibs_graph import __version__
from nibs_graph.cli import app

from .conftest import INVALID, ROOT, SHIPPED, TINY

DOCS = ROOT / "docs"


def _script(name: str) -> Any:
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _sections(text: str, level: str = "## ") -> dict[str, str]:
    """Markdown sections by heading (without the leading hashes), in order."""
    parts = re.split(rf"^{re.escape(level)}(.+)$", text, flags=re.M)
    return {title.strip(): body for title, body in zip(parts[1::2], parts[2::2], strict=True)}


# ------------------------------------------------------------------------------------------------ ontology.md


def test_ontology_doc_is_up_to_date() -> None:
    generated = _script("gen_ontology_doc").render()
    committed = (DOCS / "ontology.md").read_text(encoding="utf-8")
    assert committed == generated, "docs/ontology.md is stale: run python scripts/gen_ontology_doc.py"


def test_ontology_doc_lists_every_term_with_its_label() -> None:
    from rdflib import RDFS, Graph

    g = Graph().parse(ROOT / "ontology" / "nibs.ttl", format="turtle")
    nibs = "https://w3id.org/nibs-graph/ontology#"
    text = (DOCS / "ontology.md").read_text(encoding="utf-8")
    terms = {s for s in g.subjects(RDFS.label, None) if str(s).startswith(nibs)}
    assert len(terms) > 80
    for term in terms:
        row = re.search(rf"^\|[^|\n]*`nibs:{re.escape(str(term)[len(nibs) :])}` \| ([^|]*) \|", text, flags=re.M)
        assert row, f"{term} has no row"
        assert row.group(1).strip() == str(g.value(term, RDFS.label)), term


def test_ontology_doc_check_mode(tmp_path: Path) -> None:
    gen = _script("gen_ontology_doc")
    out = tmp_path / "ontology.md"
    assert gen.main(["--check", "--out", str(out)]) == 1
    assert gen.main(["--out", str(out)]) == 0
    assert gen.main(["--check", "--out", str(out)]) == 0
    out.write_text(out.read_text(encoding="utf-8").replace("stimulation", "stimulus", 1), encoding="utf-8")
    assert gen.main(["--check", "--out", str(out)]) == 1


# ---------------------------------------------------------------------------------------------------- json.md

JSON_DOC = (DOCS / "json.md").read_text(encoding="utf-8")
_ROW = re.compile(r"^\| `([^`]+)` \| ([^|]+?) \|", flags=re.M)
_BASE_TYPES = {"string": str, "integer": int, "number": (int, float), "boolean": bool, "object": dict}


def _keys_table(body: str) -> dict[str, str]:
    return {key: kind.strip() for key, kind in _ROW.findall(body)}


SHAPES = {
    name.strip("`"): _keys_table(body) for name, body in _sections(_sections(JSON_DOC)["Shared shapes"], "### ").items()
}
COMMANDS = {
    title.strip("`").removeprefix("nibs-graph "): body
    for title, body in _sections(JSON_DOC).items()
    if title.startswith("`nibs-graph ")
}


def _type_ok(value: Any, kind: str) -> bool:
    """Whether a JSON value has the documented type (``list of T``, ``T or null``, a shape name ...)."""
    for alternative in kind.split(" or "):
        alternative = alternative.strip()
        if alternative == "null":
            if value is None:
                return True
        elif alternative.startswith("list of "):
            if isinstance(value, list) and all(_type_ok(v, alternative[8:]) for v in value):
                return True
        elif alternative in SHAPES:
            if isinstance(value, dict):
                return True
        elif alternative in _BASE_TYPES:
            if isinstance(value, _BASE_TYPES[alternative]) and not (
                alternative != "boolean" and isinstance(value, bool)
            ):
                return True
        else:
            raise AssertionError(f"docs/json.md uses an unknown type {alternative!r}")
    return False


def _split(key: str) -> list[str]:
    """``paths[].hops[].sign`` → ``['paths', '[]', 'hops', '[]', 'sign']``."""
    return [part for piece in key.split(".") for part in ([piece[:-2], "[]"] if piece.endswith("[]") else [piece])]


def _tree(keys: dict[str, str]) -> dict[str, Any]:
    """The documented keys as a tree: ``{segment: {"type": ..., "children": {...}}}``."""
    root: dict[str, Any] = {}
    for key, kind in keys.items():
        level = root
        parts = _split(key)
        for part in parts[:-1]:
            level = level.setdefault(part, {"type": None, "children": {}})["children"]
        level.setdefault(parts[-1], {"type": None, "children": {}})["type"] = kind
    return root


def _walk(
    value: Any, kind: str | None, children: dict[str, Any], where: str, seen: set[str], errors: list[str]
) -> None:
    """Check ``value`` against its documented type and keys; record every documented key met in ``seen``.

    ``where`` is the documented key path of ``value`` (``paths[].hops[]``; a mapping's keys as their placeholder).
    """
    if kind is not None and not _type_ok(value, kind):
        errors.append(f"{where}: {json.dumps(value)[:80]} is not {kind}")
    if isinstance(value, list):
        item_kind = kind[8:] if kind and kind.startswith("list of ") else None
        item_children = children.get("[]", {}).get("children", {})
        for item in value:
            _walk(item, item_kind, item_children, f"{where}[]", seen, errors)
        return
    if not isinstance(value, dict):
        return
    shape = next((SHAPES[a] for a in (kind or "").split(" or ") if a in SHAPES), {})  # "node or null" too
    placeholder = next((k for k in children if k.startswith("<")), None)
    for key, item in value.items():
        name = key if key in children else placeholder if placeholder is not None else None
        if name is not None:
            path = f"{where}.{name}" if where else name
            seen.add(path)
            _walk(item, children[name]["type"], children[name]["children"], path, seen, errors)
        elif key in shape:
            seen.add(f"{kind}:{key}")
            _walk(item, shape[key], {}, f"{where}.{key}", seen, errors)
        else:
            errors.append(f"{where}.{key}: key not documented" if where else f"{key}: key not documented")


def _documented_paths(tree: dict[str, Any], prefix: str = "") -> list[str]:
    found = []
    for key, node in tree.items():
        path = key if not prefix else (f"{prefix}{key}" if key == "[]" else f"{prefix}.{key}")
        if key != "[]":
            found.append(path)
        found += _documented_paths(node["children"], path)
    return found


def _mismatch(example: Any, real: Any, where: str = "") -> str | None:
    """Where ``example`` is not ``real`` with some list items left out (in order); None when it is."""
    if isinstance(example, dict):
        if not isinstance(real, dict) or example.keys() != real.keys():
            keys = sorted(real) if isinstance(real, dict) else type(real).__name__
            return f"{where or 'top'}: keys {sorted(example)} shown, {keys} output"
        return next((m for k in example if (m := _mismatch(example[k], real[k], f"{where}.{k}"))), None)
    if isinstance(example, list):
        if not isinstance(real, list):
            return f"{where}: a list shown, {type(real).__name__} output"
        items = iter(enumerate(real))
        for shown in example:
            if not any(_mismatch(shown, item, f"{where}[{i}]") is None for i, item in items):
                return f"{where}[]: {json.dumps(shown)[:120]} is not among the output's items (in order)"
        return None
    return None if example == real else f"{where}: {example!r} shown, {real!r} output"


def _examples(body: str) -> list[tuple[list[str], str]]:
    commands = re.findall(r"```console\n\$ nibs-graph (.+)\n```", body)
    outputs = re.findall(r"```json\n(.*?)\n```", body, flags=re.S)
    assert len(commands) == len(outputs) > 0, "each command shown has its JSON output"
    return [(shlex.split(c), o) for c, o in zip(commands, outputs, strict=True)]


def test_json_doc_covers_every_json_command() -> None:
    assert set(COMMANDS) == {
        "path",
        "hubs",
        "diverge",
        "contradictions",
        "evidence",
        "gaps",
        "synthesis",
        "protocols",
        "validate",
        "info",
        "diff",
    }
    assert set(SHAPES) == {"node", "evidence"}


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_json_doc_matches_real_output(command: str, runner, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(ROOT)  # the commands name tests/data/... relative to the repository root
    body = COMMANDS[command]
    tree = _tree(_keys_table(body))
    seen: set[str] = set()
    errors: list[str] = []
    top_level: set[str] = set()
    for args, shown in _examples(body):
        assert args[0] == command and "json" in args
        result = runner.invoke(app, args)
        expected_status = 2 if any("invalid" in a for a in args) else 0
        assert result.exit_code == expected_status, result.output
        real = json.loads(result.stdout)
        mismatch = _mismatch(json.loads(shown), real)
        assert mismatch is None, f"the example of `nibs-graph {shlex.join(args)}` is not its output: {mismatch}"
        top_level |= set(real)
        _walk(real, "object", tree, "", seen, errors)
    assert not errors, "\n".join(errors)
    assert top_level == {k for k in tree if not k.startswith("<")}, "documented top-level keys = real ones"
    missing = [p for p in _documented_paths(tree) if p not in seen]
    assert not missing, f"documented but never in the output: {missing}"


def test_json_doc_shapes_are_all_used(runner, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    """Every key of the shared shapes appears in some real output."""
    monkeypatch.chdir(ROOT)
    seen: set[str] = set()
    for body in COMMANDS.values():
        tree = _tree(_keys_table(body))
        for args, _ in _examples(body):
            _walk(json.loads(runner.invoke(app, args).stdout), "object", tree, "", seen, [])
    missing = [f"{name}:{key}" for name, keys in SHAPES.items() for key in keys if f"{name}:{key}" not in seen]
    assert not missing, f"shape keys never seen in any example command: {missing}"


# -------------------------------------------------------------------------------------------------- errors.md

ERRORS_DOC = (DOCS / "errors.md").read_text(encoding="utf-8")
_FIXTURE = re.compile(r"Example from `tests/data/invalid/([a-z0-9_]+)`:\n\n```text\n(.*?)\n```", flags=re.S)
_CASE = re.compile(r"Example, case `([a-z0-9_]+)`:\n\n```text\n(.*?)\n```", flags=re.S)

# Kinds of error without a fixture in tests/data/invalid: (file of tests/data/tiny, text to replace, replacement).
# ``None`` as the text to replace empties the file.
CASES: dict[str, tuple[str, str | None, str]] = {
    "empty_file": ("studies.csv", None, ""),
    "bad_quoting": (
        "findings.csv",
        ',protein level,stim_vs_sham,,,,,,,"Table 3, row 1",,\nalpha2020-f03',
        ',protein level,stim_vs_sham,,"CA1" area,,,,,"Table 3, row 1",,\nalpha2020-f03',
    ),
    "list_separator": ("studies.csv", ",IHC|ELISA,", ",IHC;ELISA,"),
    "bad_integer": ("studies.csv", ",in vivo,8,", ",in vivo,8 rats,"),
    "bad_range": ("protocols.csv", ",30,%MSO,600,,10,", ",30%,%MSO,600,,10,"),
    "bad_id": ("findings.csv", "alpha2020-f02,", "Alpha2020-F02,"),
    "bad_curie": ("findings.csv", ",HGNC:3942,mTOR,increased", ",MTOR,mTOR,increased"),
    "region_not_uberon": (
        "findings.csv",
        ',stim_vs_sham,,,,,,,"Table 3, row 1",,\nalpha2020-f02',
        ',stim_vs_sham,,hippocampus,MESH:D006624,,,,"Table 3, row 1",,\nalpha2020-f02',
    ),
    "intensity_without_unit": ("protocols.csv", ",30,%MSO,600,,10,", ",30,,600,,10,"),
    "unknown_conflict": (
        "findings.csv",
        '"Table 3, row 1",,\nalpha2020-f03',
        '"Table 3, row 1",alpha2020-f09,\nalpha2020-f03',
    ),
    "technique_not_in_study": ("studies.csv", ",Table 3,iTBS,rats,", ",Table 3,cTBS,rats,"),
    "shared_name": ("entities.csv", "NTRK2|Ntrk2,", "NTRK2|Ntrk2|Bdnf,"),
    "self_link": ("pathways.csv", "L1,HGNC:1033,HGNC:8032,", "L1,HGNC:1033,HGNC:1033,"),
    "control_character": ("entities.csv", "HGNC:1033,BDNF,", "HGNC:1033,BDNF\x1b[2J,"),
    "doi_with_space": ("studies.csv", ",10.1234/alpha,", ",10.1234/al pha,"),
}


def _validate_output(runner, folder: Path) -> str:  # type: ignore[no-untyped-def]
    """What ``nibs-graph validate --data FOLDER`` prints, with the folder written as ``data/``."""
    result = runner.invoke(app, ["validate", "--data", str(folder)])
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    return result.stderr.replace(f"{folder}/", "data/").rstrip("\n")


def test_errors_doc_has_every_fixture_and_case() -> None:
    fixtures = {p.name for p in INVALID.iterdir() if p.is_dir()}
    assert {name for name, _ in _FIXTURE.findall(ERRORS_DOC)} == fixtures
    assert {name for name, _ in _CASE.findall(ERRORS_DOC)} == set(CASES)


@pytest.mark.parametrize(("fixture", "shown"), _FIXTURE.findall(ERRORS_DOC))
def test_errors_doc_fixture_examples_are_real(fixture: str, shown: str, runner) -> None:  # type: ignore[no-untyped-def]
    assert _validate_output(runner, INVALID / fixture) == shown


@pytest.mark.parametrize(("case", "shown"), _CASE.findall(ERRORS_DOC))
def test_errors_doc_case_examples_are_real(case: str, shown: str, runner, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    file, old, new = CASES[case]
    folder = tmp_path / "data"
    shutil.copytree(TINY, folder)
    path = folder / file
    text = path.read_text(encoding="utf-8")
    if old is not None:
        assert old in text, f"case {case}: tests/data/tiny/{file} changed"
    path.write_text(new if old is None else text.replace(old, new, 1), encoding="utf-8")
    assert _validate_output(runner, folder) == shown


def test_errors_doc_explains_every_example() -> None:
    for title, body in _sections(ERRORS_DOC, "### ").items():
        assert "**Means:**" in body and "**Fix:**" in body, title


# ------------------------------------------------------------------------------------------ adding-a-study.md


def test_adding_a_study_example_validates(tmp_path: Path) -> None:
    from nibs_graph.api import load_evidence, load_graph
    from nibs_graph.queries import evidence

    text = (DOCS / "adding-a-study.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```csv\n(.*?)\n```", text, flags=re.S)
    example = ROOT / "tests" / "data" / "example_study"
    names = ("sources.csv", "studies.csv", "protocols.csv", "entities.csv", "findings.csv")
    assert blocks == [(example / name).read_text(encoding="utf-8").rstrip("\n") for name in names]
    folder = tmp_path / "data"
    shutil.copytree(SHIPPED, folder)
    headers = {name: (folder / name).read_text(encoding="utf-8").splitlines()[0] for name in names}
    added = set()
    for block in blocks:
        header, *rows = block.splitlines()
        name = next(n for n, h in headers.items() if h == header)
        with (folder / name).open("a", encoding="utf-8") as handle:
            handle.write("\n".join(rows) + "\n")
        added.add(name)
    assert added == set(names)
    before = len(load_evidence().studies)
    base = load_evidence(folder)
    assert len(base.studies) == before + 1 and base.release is None
    assert f"reports {before + 1} studies" in " ".join(text.split())
    rows = evidence(load_graph(folder, use_cache=False), "tACS", "BDNF")
    assert [(r["citation"], r["species"], r["origin"]) for r in rows] == [
        ("Doe et al., 2026", "rhesus macaque", "curation-example")
    ]


def test_adding_a_study_covers_each_file() -> None:
    """The step about each file names all its required columns, and each item it starts with a column name names
    a real column of that file."""
    from nibs_graph.schema import FILES

    text = (DOCS / "adding-a-study.md").read_text(encoding="utf-8")
    steps = {}
    for title, body in _sections(text).items():
        file = re.search(r"`(\w+\.csv)`", title)
        if file and file.group(1) in FILES:
            steps[file.group(1)] = body
    assert set(steps) == {"sources.csv", "studies.csv", "protocols.csv", "findings.csv", "entities.csv"}
    for file, body in steps.items():
        mentioned = set(re.findall(r"`(\w+)`", body))
        required = {name for name, column in FILES[file].items() if column.required}
        assert required <= mentioned, f"{file}: required columns not explained: {sorted(required - mentioned)}"
        leads = set(re.findall(r"^- `(\w+)`", body, flags=re.M))
        assert leads <= set(FILES[file]), f"{file}: not columns: {sorted(leads - set(FILES[file]))}"


# ------------------------------------------------------------------------------------ citation and licences


def test_citation_cff() -> None:
    import yaml  # PyYAML, in the test extra

    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert cff["cff-version"] == "1.2.0"
    assert cff["type"] == "software"
    assert str(cff["version"]) == __version__ == project["version"]
    assert cff["license"] == "MIT" == project["license"]
    assert cff["authors"] == [{"name": "nibs-graph developers"}]
    assert cff["message"] and cff["title"]
    review, release = (next(r for r in cff["references"] if r["type"] == kind) for kind in ("article", "data"))
    assert len(cff["references"]) == 2
    from nibs_graph.release import releases

    latest = releases(SHIPPED)[-1]
    assert str(release["version"]) == latest.name and str(release["date-released"]) == latest.date
    assert release["title"].endswith(f"release {latest.name}") and release["license"] == "CC-BY-4.0"
    assert [i["value"] for i in release["identifiers"]] == [f"data version {latest.data_version}"]
    changelog = (SHIPPED / "CHANGELOG.md").read_text(encoding="utf-8")
    assert f"## {latest.name} — {latest.date}" in changelog and f"`{latest.data_version}`" in changelog
    assert review["doi"] == "10.3390/cells14241996"
    assert (review["journal"], review["year"], review["volume"], review["issue"], review["start"]) == (
        "Cells",
        2025,
        14,
        24,
        1996,
    )
    assert [a["family-names"] for a in review["authors"]] == [
        "Sveva",
        "Mancuso",
        "Cruciani",
        "Casula",
        "Leodori",
        "Selvaggi",
        "Bologna",
        "Di Lazzaro",
        "Latorre",
        "Rocchi",
    ]
    assert review["license"] == "CC-BY-4.0"


def test_licences() -> None:
    licence = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert licence.startswith("MIT License") and "Copyright (c) 2026 nibs-graph developers" in licence
    data_licence = (ROOT / "data" / "LICENSE-DATA.md").read_text(encoding="utf-8")
    used = set()
    for path in [SHIPPED / "pathways.csv", *(SHIPPED / "optional").glob("*.csv")]:
        used |= {row["licence"] for row in csv.DictReader(path.open(encoding="utf-8"))}
    assert used >= {"CC BY 4.0", "CC0", "CC BY-NC 4.0"}
    for name in used:
        assert f"**{name}**" in data_licence, f"data/LICENSE-DATA.md does not state the {name} licence"
    assert "10.3390/cells14241996" in data_licence and "non-commercial" in data_licence
