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

import re

__all__ = ["DATA", "ENTITY", "NIBS", "PREFIXES", "compress", "doi_iri", "expand", "iri_part"]

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


# Characters an IRI path may hold as they are (RFC 3987 ipchar and "/"): unreserved, sub-delims, ":", "@", and
# non-ASCII "ucschar"; everything else (space, <>"{}|\^`, "?", "#", controls, private use) is percent-encoded.
_NOT_IN_IRI = re.compile(
    r"[^A-Za-z0-9\-._~!$&'()*+,;=:@/%\u00A0-\uD7FF\uF900-\uFDCF\uFDF0-\uFFEF\U00010000-\U0001FFFD"
    r"\U00020000-\U0002FFFD\U00030000-\U0003FFFD\U00040000-\U000DFFFD\U000E1000-\U000EFFFD]"
    r"|%(?![0-9A-Fa-f]{2})"
)
_NOT_IN_IRI_OR_PERCENT = re.compile(_NOT_IN_IRI.pattern + "|%")


def _percent(match: re.Match[str]) -> str:
    return "".join(f"%{byte:02X}" for byte in match.group().encode("utf-8"))


def iri_part(text: str, *, encode_percent: bool = False) -> str:
    """``text`` made safe to append to an IRI: every character an IRI path cannot hold is percent-encoded (as
    UTF-8). A ``%`` already starting a ``%XX`` escape is kept, unless ``encode_percent`` (a DOI's ``%`` is a
    character of the name, so it becomes ``%25``).

    >>> iri_part("a b<c>#d?e")
    'a%20b%3Cc%3E%23d%3Fe'
    >>> iri_part("(SICI)1097:4<503::AID>;2-H"), iri_part("50%25"), iri_part("50%25", encode_percent=True)
    ('(SICI)1097:4%3C503::AID%3E;2-H', '50%25', '50%2525')
    """
    pattern = _NOT_IN_IRI_OR_PERCENT if encode_percent else _NOT_IN_IRI
    return pattern.sub(_percent, text) if pattern.search(text) else text


def doi_iri(doi: str) -> str:
    """The ``https://doi.org/`` IRI of a DOI, encoded as the DOI Handbook asks (``%``, ``#``, ``?``, space and
    every character an IRI cannot hold).

    >>> doi_iri("10.1002/(SICI)1097-4636(199706)35:4<503::AID-JBM11>3.0.CO;2-H")
    'https://doi.org/10.1002/(SICI)1097-4636(199706)35:4%3C503::AID-JBM11%3E3.0.CO;2-H'
    """
    return PREFIXES["doi"] + iri_part(doi, encode_percent=True)


def expand(curie: str) -> str:
    """Turn a CURIE into its IRI (the local part percent-encoded where an IRI needs it, see :func:`iri_part`);
    raise ``ValueError`` for an unknown prefix.

    >>> expand("FPLX:ERK")
    'https://identifiers.org/fplx:ERK'
    >>> expand("nibsent:a<b>")
    'https://w3id.org/nibs-graph/entity/a%3Cb%3E'
    """
    prefix, sep, local = curie.partition(":")
    if not sep or prefix not in PREFIXES:
        raise ValueError(f"{curie!r} is not a CURIE with a known prefix ({', '.join(PREFIXES)})")
    return PREFIXES[prefix] + iri_part(local)


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
