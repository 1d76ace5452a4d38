"""Common laboratory and clinical species: the names a curator may write for an NCBITaxon term.

``species`` cells in ``studies.csv`` and ``findings.csv`` take any NCBITaxon term as a CURIE (``NCBITaxon:9544``,
accepted as given) or one of the names below (case-insensitive: the name, the scientific name or a synonym). Each
row's identifier, scientific name and synonyms are copied from the NCBITaxon ontology (the OBO Foundry's OWL
rendering of the NCBI Taxonomy, release 2026-05-13) as shipped in the ``cellxgene-ontology-guide`` 1.11.1 package
(MIT licence; file ``data/NCBITaxon-ontology-v2026-05-13.json.zst``). The NCBI Taxonomy is a work of the US
government, in the public domain; the OBO rendering is CC0. The first column (the name nibs-graph writes) is an
NCBITaxon synonym except for ``marmoset``, ``squirrel monkey``, ``hamster``, ``gerbil``, ``tree shrew`` and
``C. elegans``, short forms chosen here for the common marmoset, the common squirrel monkey, the Syrian hamster,
the Mongolian gerbil, the northern tree shrew and *Caenorhabditis elegans*.

>>> TAXA[3].name, TAXA[3].curie, TAXA[3].scientific_name
('macaque', 'NCBITaxon:9539', 'Macaca')
"""

from __future__ import annotations

from typing import NamedTuple

__all__ = ["TAXA", "Taxon"]


class Taxon(NamedTuple):
    """One species (or genus) of the table."""

    name: str
    curie: str
    scientific_name: str
    synonyms: tuple[str, ...]


#: The shipped table, in the order ``--help`` and error messages list it.
TAXA: tuple[Taxon, ...] = (
    Taxon("human", "NCBITaxon:9606", "Homo sapiens", ()),
    Taxon("mouse", "NCBITaxon:10090", "Mus musculus", ("house mouse",)),
    Taxon("rat", "NCBITaxon:10116", "Rattus norvegicus", ("Norway rat", "brown rat", "rats")),
    Taxon("macaque", "NCBITaxon:9539", "Macaca", ("macaques",)),
    Taxon("rhesus macaque", "NCBITaxon:9544", "Macaca mulatta", ("Rhesus monkey", "rhesus macaques", "rhesus monkeys")),
    Taxon(
        "cynomolgus macaque",
        "NCBITaxon:9541",
        "Macaca fascicularis",
        (
            "crab eating macaque",
            "crab-eating macaque",
            "cynomolgus monkey",
            "cynomolgus monkeys",
            "long-tailed macaque",
        ),
    ),
    Taxon(
        "marmoset",
        "NCBITaxon:9483",
        "Callithrix jacchus",
        ("common marmoset", "white ear-tufted marmoset", "white-tufted-ear marmoset"),
    ),
    Taxon(
        "squirrel monkey",
        "NCBITaxon:9521",
        "Saimiri sciureus",
        ("South American squirrel monkey", "common squirrel monkey"),
    ),
    Taxon("chimpanzee", "NCBITaxon:9598", "Pan troglodytes", ()),
    Taxon("pig", "NCBITaxon:9823", "Sus scrofa", ("pigs", "swine", "wild boar")),
    Taxon("sheep", "NCBITaxon:9940", "Ovis aries", ("domestic sheep", "lambs", "wild sheep")),
    Taxon("cow", "NCBITaxon:9913", "Bos taurus", ("bovine", "dairy cow", "domestic cattle", "domestic cow", "ox")),
    Taxon("dog", "NCBITaxon:9615", "Canis lupus familiaris", ("dogs",)),
    Taxon("cat", "NCBITaxon:9685", "Felis catus", ("cats", "domestic cat")),
    Taxon("ferret", "NCBITaxon:9669", "Mustela putorius furo", ("black ferret", "domestic ferret")),
    Taxon(
        "rabbit",
        "NCBITaxon:9986",
        "Oryctolagus cuniculus",
        ("European rabbit", "Japanese white rabbit", "domestic rabbit", "rabbits"),
    ),
    Taxon("guinea pig", "NCBITaxon:10141", "Cavia porcellus", ("domestic guinea pig",)),
    Taxon(
        "hamster",
        "NCBITaxon:10036",
        "Mesocricetus auratus",
        ("Syrian golden hamster", "Syrian golden hamsters", "Syrian hamster", "golden hamster"),
    ),
    Taxon("gerbil", "NCBITaxon:10047", "Meriones unguiculatus", ("Mongolian gerbil", "Mongolian jird")),
    Taxon("tree shrew", "NCBITaxon:37347", "Tupaia belangeri", ("common tree shrew", "northern tree shrew")),
    Taxon("chicken", "NCBITaxon:9031", "Gallus gallus", ("Gallus domesticus", "bantam", "chickens")),
    Taxon("zebrafish", "NCBITaxon:7955", "Danio rerio", ("leopard danio", "zebra danio", "zebra fish")),
    Taxon("African clawed frog", "NCBITaxon:8355", "Xenopus laevis", ("clawed frog", "common platanna", "platanna")),
    Taxon("fruit fly", "NCBITaxon:7227", "Drosophila melanogaster", ()),
    Taxon("C. elegans", "NCBITaxon:6239", "Caenorhabditis elegans", ()),
    Taxon("California sea hare", "NCBITaxon:6500", "Aplysia californica", ()),
)
