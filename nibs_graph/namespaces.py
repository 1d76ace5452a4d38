"""IRI namespaces and the CURIE prefix map used everywhere in nibs-graph.

Identifiers are IRIs that other tools resolve (identifiers.org, OBO PURLs, doi.org); output writes them as
CURIEs.

>>> expand("HGNC:1033")
'https://identifiers.org/hgnc:1033'
>>> compress("http://purl.obolibrary.org/obo/CHEBI_16865")
'CHEBI:16865'
>>> compress(expand("nibs:iTBS"))
'nibs:iTBS'
"""

from __future__ import annotations

__all__ = ["DATA", "ENTITY", "NIBS", "PREFIXES", "compress", "expand"]

NIBS = "https://w3id.org/nibs-graph/ontology#"
DATA = "https://w3id.org/nibs-graph/data/"
ENTITY = "https://w3id.org/nibs-graph/entity/"

#: CURIE prefix → IRI prefix, in the order used to compress (longest IRI prefixes first where they overlap).
PREFIXES: dict[str, str] = {
    "nibs": NIBS,
    "nibsdata": DATA,
    "nibsent": ENTITY,
    "HGNC": "https://identifiers.org/hgnc:",
    "FPLX": "https://identifiers.org/fplx:",
    "MESH": "https://identifiers.org/mesh:",
    "NCBIGene": "https://identifiers.org/ncbigene:",
    "UniProtKB": "https://identifiers.org/uniprot:",
    "MGI": "https://identifiers.org/mgi:MGI:",
    "RGD": "https://identifiers.org/rgd:",
    "CHEBI": "http://purl.obolibrary.org/obo/CHEBI_",
    "GO": "http://purl.obolibrary.org/obo/GO_",
    "NCBITaxon": "http://purl.obolibrary.org/obo/NCBITaxon_",
    "UBERON": "http://purl.obolibrary.org/obo/UBERON_",
    "MAXO": "http://purl.obolibrary.org/obo/MAXO_",
    "RO": "http://purl.obolibrary.org/obo/RO_",
    "doi": "https://doi.org/",
    "pubmed": "https://identifiers.org/pubmed:",
    "pmc": "https://identifiers.org/pmc:",
}

#: Prefixes bound in every RDF graph and SPARQL query besides the CURIE prefixes above.
RDF_PREFIXES: dict[str, str] = {
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "prov": "http://www.w3.org/ns/prov#",
    "sh": "http://www.w3.org/ns/shacl#",
    "obo": "http://purl.obolibrary.org/obo/",
    "biolink": "https://w3id.org/biolink/vocab/",
}

_BY_LENGTH = sorted(PREFIXES.items(), key=lambda item: -len(item[1]))


def expand(curie: str) -> str:
    """Turn a CURIE into its IRI; raise ``ValueError`` for an unknown prefix.

    >>> expand("FPLX:ERK")
    'https://identifiers.org/fplx:ERK'
    """
    prefix, sep, local = curie.partition(":")
    if not sep or prefix not in PREFIXES:
        raise ValueError(f"{curie!r} is not a CURIE with a known prefix ({', '.join(PREFIXES)})")
    return PREFIXES[prefix] + local


def compress(iri: str) -> str:
    """Turn an IRI into a CURIE; an IRI outside every known namespace is returned unchanged.

    >>> compress("https://doi.org/10.3389/fneur.2018.00050")
    'doi:10.3389/fneur.2018.00050'
    >>> compress("http://example.org/x")
    'http://example.org/x'
    """
    for prefix, base in _BY_LENGTH:
        if iri.startswith(base):
            return f"{prefix}:{iri[len(base) :]}"
    return iri
