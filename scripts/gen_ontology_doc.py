"""Generate ``docs/ontology.md`` from ``ontology/nibs.ttl``: every class, property and vocabulary term in tables.

Usage (from the repository root)::

    python scripts/gen_ontology_doc.py            # rewrite docs/ontology.md
    python scripts/gen_ontology_doc.py --check    # exit 1 if docs/ontology.md is out of date

``tests/test_docs.py`` regenerates the page in memory and fails when the committed file differs, so edit the
ontology, then run this script; never edit ``docs/ontology.md`` by hand.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Iterable
from pathlib import Path

from rdflib import OWL, RDF, RDFS, SKOS, Graph, URIRef
from rdflib.namespace import DCTERMS

from nibs_graph import vocab

ROOT = Path(__file__).resolve().parent.parent
TTL = ROOT / "ontology" / "nibs.ttl"
OUT = ROOT / "docs" / "ontology.md"

NIBS = "https://w3id.org/nibs-graph/ontology#"
ONTOLOGY = URIRef("https://w3id.org/nibs-graph/ontology")
_OBO = re.compile(r"^http://purl\.obolibrary\.org/obo/([A-Za-z]+)_(\w+)$")
_ALIGNMENT_PREDICATES = ((SKOS.exactMatch, "exact"), (SKOS.closeMatch, "close"))
_PROPERTY_KINDS = ((OWL.ObjectProperty, "object"), (OWL.DatatypeProperty, "datatype"))

__all__ = ["main", "render"]


def _curie(g: Graph, term: object) -> str:
    """A short name for an IRI: OBO terms as ``RO:0002213``, others with the Turtle file's prefixes."""
    iri = str(term)
    match = _OBO.match(iri)
    if match:
        return f"{match.group(1)}:{match.group(2)}"
    try:
        prefix, _namespace, local = g.namespace_manager.compute_qname(iri, generate=False)
    except (KeyError, ValueError):
        return iri
    return f"{prefix}:{local}"


def _link(g: Graph, term: object) -> str:
    """A Markdown link to an external IRI, or the plain CURIE for an ontology term (it has its own row)."""
    curie = _curie(g, term)
    if str(term).startswith(NIBS):
        return f"`{curie}`"
    return f"[`{curie}`]({term})"


def _cell(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    return " ".join(text.split()).replace("|", "\\|")


def _literal(g: Graph, subject: URIRef, predicate: URIRef) -> str:
    """The English (or untagged) value of a literal property, empty when absent."""
    values = sorted(g.objects(subject, predicate), key=lambda v: (getattr(v, "language", None) != "en", str(v)))
    return _cell(str(values[0])) if values else ""


def _ordered(terms: Iterable[object]) -> list[URIRef]:
    """IRIs with the ontology's own terms first, then external ones, each alphabetically."""
    return sorted((t for t in terms if isinstance(t, URIRef)), key=lambda t: (not str(t).startswith(NIBS), str(t)))


def _alignment(g: Graph, subject: URIRef) -> str:
    items = [
        f"{kind}: {_link(g, o)}"
        for predicate, kind in _ALIGNMENT_PREDICATES
        for o in _ordered(g.objects(subject, predicate))
    ]
    return ", ".join(items)


def _parents(g: Graph, subject: URIRef, predicate: URIRef) -> str:
    return ", ".join(_link(g, o) for o in _ordered(g.objects(subject, predicate)))


def _domain_range(g: Graph, prop: URIRef) -> str:
    """``domain → range`` with ``·`` for a side that is not declared; empty when neither is."""
    domain, range_ = _parents(g, prop, RDFS.domain), _parents(g, prop, RDFS.range)
    return f"{domain or '·'} → {range_ or '·'}" if domain or range_ else ""


def _table(header: Iterable[str], rows: Iterable[Iterable[str]]) -> list[str]:
    head = list(header)
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def _technique_tree(g: Graph) -> list[tuple[URIRef, int]]:
    """The technique classes depth first from ``nibs:NIBS``, siblings in the order of the code's vocabulary."""
    known = list(vocab.TECHNIQUES)
    order: list[tuple[URIRef, int]] = []

    def rank(term: URIRef) -> tuple[int, str]:
        label = _literal(g, term, RDFS.label)
        return (known.index(label) if label in known else len(known), label.casefold())

    def visit(node: URIRef, depth: int) -> None:
        order.append((node, depth))
        for child in sorted((c for c in g.subjects(RDFS.subClassOf, node) if isinstance(c, URIRef)), key=rank):
            visit(child, depth + 1)

    visit(URIRef(NIBS + "NIBS"), 0)
    return order


def render(ttl: Path = TTL) -> str:
    """The Markdown text of ``docs/ontology.md`` for the ontology in ``ttl``."""
    g = Graph()
    g.parse(ttl, format="turtle")
    classes = {s for s in g.subjects(RDF.type, OWL.Class) if isinstance(s, URIRef) and str(s).startswith(NIBS)}
    techniques = _technique_tree(g)
    technique_set = {t for t, _ in techniques}
    vocab_classes = sorted(
        (c for c in classes if any(True for _ in g.subjects(RDF.type, c))), key=lambda c: _curie(g, c)
    )

    def name(term: URIRef) -> str:
        return f"`{_curie(g, term)}`"

    lines = [
        "# The nibs-graph ontology",
        "",
        "<!-- Generated by scripts/gen_ontology_doc.py from ontology/nibs.ttl: do not edit by hand. -->",
        "",
        f"Ontology IRI `{ONTOLOGY}`, version {_literal(g, ONTOLOGY, OWL.versionInfo)}, licence "
        f"{_link(g, g.value(ONTOLOGY, DCTERMS.license))}, derived from {_link(g, g.value(ONTOLOGY, DCTERMS.source))}.",
        f"Prefix `nibs:` = `{NIBS}`. {_literal(g, ONTOLOGY, SKOS.definition)}",
        "",
        "Alignment: `exact`/`close` are `skos:exactMatch`/`skos:closeMatch`; superclasses and superproperties outside",
        "`nibs:` (PROV-O, the OBO Relation Ontology `RO:`, BFO) are inherited by every nibs-graph term under them.",
        "",
        "## Classes",
        "",
    ]
    core = sorted(classes - technique_set, key=lambda c: _curie(g, c))
    lines += _table(
        ("term", "label", "definition", "superclass", "alignment"),
        (
            (
                name(c),
                _literal(g, c, RDFS.label),
                _literal(g, c, SKOS.definition),
                _parents(g, c, RDFS.subClassOf),
                _alignment(g, c),
            )
            for c in core
        ),
    )
    lines += [
        "",
        "## Technique hierarchy",
        "",
        "Each technique is a class; a protocol is an instance of its technique class. Indentation shows the hierarchy",
        "(a query on a technique includes every technique under it).",
        "",
    ]
    lines += _table(
        ("term", "label", "full name", "definition", "superclass", "alignment"),
        (
            (
                "&nbsp;" * (4 * depth) + name(t),
                _literal(g, t, RDFS.label),
                _literal(g, t, SKOS.prefLabel),
                _literal(g, t, SKOS.definition),
                _parents(g, t, RDFS.subClassOf),
                _alignment(g, t),
            )
            for t, depth in techniques
        ),
    )
    lines += ["", "## Properties", ""]
    properties = []
    for s in {s for s in g.subjects(RDF.type, None) if isinstance(s, URIRef) and str(s).startswith(NIBS)}:
        kinds = [kind for cls, kind in _PROPERTY_KINDS if (s, RDF.type, cls) in g]
        if not kinds:
            continue
        if (s, RDF.type, OWL.SymmetricProperty) in g:
            kinds.append("symmetric")
        properties.append((s, ", ".join(kinds)))
    lines += _table(
        ("term", "label", "kind", "definition", "domain → range", "superproperty", "alignment"),
        (
            (
                name(p),
                _literal(g, p, RDFS.label),
                kind,
                _literal(g, p, SKOS.definition),
                _domain_range(g, p),
                _parents(g, p, RDFS.subPropertyOf),
                _alignment(g, p),
            )
            for p, kind in sorted(properties, key=lambda item: _curie(g, item[0]).casefold())
        ),
    )
    lines += [
        "",
        "## Closed vocabularies",
        "",
        "Named individuals for the values of `nibs:direction`, `nibs:setting` and `nibs:comparison`.",
        "",
    ]
    lines += _table(
        ("term", "label", "class", "definition", "alignment"),
        (
            (name(i), _literal(g, i, RDFS.label), name(c), _literal(g, i, SKOS.definition), _alignment(g, i))
            for c in vocab_classes
            for i in sorted((s for s in g.subjects(RDF.type, c) if isinstance(s, URIRef)), key=str)
        ),
    )
    lines += _alignments(g)
    return "\n".join(lines) + "\n"


_EXTERNAL = ((RDFS.subClassOf, "subclass of"), (RDFS.subPropertyOf, "subproperty of"), *_ALIGNMENT_PREDICATES)


def _alignments(g: Graph) -> list[str]:
    """Every link to an external vocabulary, with the external term's own label and why it fits."""
    rows = []
    subjects = sorted({s for s in g.subjects() if isinstance(s, URIRef) and str(s).startswith(NIBS)}, key=str)
    for subject in subjects:
        why = _literal(g, subject, SKOS.editorialNote)
        for predicate, how in _EXTERNAL:
            for target in _ordered(g.objects(subject, predicate)):
                if str(target).startswith(NIBS) or (
                    str(target).startswith(str(SKOS)) and predicate != RDFS.subPropertyOf
                ):
                    continue
                label = _literal(g, target, RDFS.label)
                rows.append((f"`{_curie(g, subject)}`", how, _link(g, target), label, why))
        for notation in sorted(str(n) for n in g.objects(subject, SKOS.notation)):
            rows.append(
                (
                    f"`{_curie(g, subject)}`",
                    "notation",
                    f"`{notation}`",
                    "a value of biolink:DirectionQualifierEnum",
                    why,
                )
            )
    lines = [
        "",
        "## Alignments",
        "",
        "Each link to another vocabulary, with that term's own label and why it fits. `tests/test_ontology.py` checks",
        "that every external term exists in its vocabulary (RO, Biolink's model file, PROV-O, SKOS, Dublin Core) with",
        "this label, and that a reasoner (the OWL 2 RL closure of owlrl) finds the export consistent with RO loaded.",
        "",
    ]
    return lines + _table(("term", "how", "external term", "its label", "why it fits"), rows)


def main(argv: list[str] | None = None) -> int:
    """Write ``docs/ontology.md``, or with ``--check`` report whether it is up to date."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="do not write; exit 1 if the file is out of date")
    parser.add_argument("--ttl", type=Path, default=TTL, help="the ontology (default: ontology/nibs.ttl)")
    parser.add_argument("--out", type=Path, default=OUT, help="the page (default: docs/ontology.md)")
    args = parser.parse_args(argv)
    text = render(args.ttl)
    current = args.out.read_text(encoding="utf-8") if args.out.is_file() else None
    if args.check:
        if current != text:
            print(f"{args.out} is out of date: run python scripts/gen_ontology_doc.py", file=sys.stderr)
            return 1
        return 0
    if current != text:
        args.out.write_text(text, encoding="utf-8")
        print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
